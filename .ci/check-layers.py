#!/usr/bin/env python3
"""The layer rules of ARCHITECTURE.md, checked on the build graph (`swift package dump-package`)
and on every `import` in the sources. Exits 1 naming each violation.

- Pure codecs link no device layer, no C shim and no system library, directly or through another target.
- Controllers (and the contracts they share) never reach board files, simulators or the composition.
- Drivers and board files never reach simulators; nothing below the apps reaches the composition.
"""
import json, os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=root,
                                             stderr=subprocess.DEVNULL))
targets = {t["name"]: t for t in package["targets"]}

def deps(name):
    out = []
    for d in targets[name].get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in d:
                out.append(d[kind][0])
    return out

def closure(name):
    seen, stack = set(), [name]
    while stack:
        n = stack.pop()
        for d in deps(n) if n in targets else []:
            if d not in seen:
                seen.add(d)
                stack.append(d)
    return seen

shims = {n for n, t in targets.items() if (t.get("path") or "").startswith("CShims/")}
simulators = {"SimBoard", "ESP32CPEmulator", "PLCModemStandIn", "PowerPlantSim", "PowerPathBench", "AdvanticsEmulator",
              "WhitebeetEmulator",
              "Scenarios"}
codecs = ["CoreTypes", "Buffers", "HomePlugAV", "CPHelperProtocol", "V2GTP", "EXI", "AppHandshake", "DIN70121",
          "ISO15118_2", "ISO15118_20", "EXITool", "AdvanticsCAN", "WhitebeetHCI",
          "EXIJSON", "AppHandshakeJSON", "DIN70121JSON", "ISO15118_2JSON", "ISO15118_20JSON"]
codecs += [n for n in ("OCPP16",) if n in targets]
# Tool-only targets (Josev-shaped JSON of the EXI codecs, issue 15): the firmware does not carry them.
toolOnly = {"EXIJSON", "AppHandshakeJSON", "DIN70121JSON", "ISO15118_2JSON", "ISO15118_20JSON", "EXITool"}
controllers = ["ControlLoop", "Contracts", "ControlPilot", "SLAC", "V2G", "V2GLink", "AdvanticsEVSE", "AdvanticsPEV"] + [n for n in ("PowerPath", "WhitebeetEVSE", "WhitebeetEV") if n in targets]
controllers += [n for n in ("V2GSession",) if n in targets]
controllers += [n for n in ("ServiceLink",) if n in targets]
controllers += [n for n in ("SitePowerSharing",) if n in targets]
# The service plane (issue 20): its own thread beside the loop; it reaches the loop only through
# ServiceLink's rings, never controllers' internals, board files, simulators or the composition.
services = [n for n in ("ServicePlane", "OCPPChargePoint") if n in targets]
services += [n for n in ("HTTPAPI",) if n in targets]
services += [n for n in ("SiteMQTT",) if n in targets]
rules = []  # (target, forbidden set, why)
for c in codecs:
    rules.append((c, {"HAL", "Drivers", "Boards", "Runtime"} | shims | simulators,
                  "a pure codec links no device layer or C library"))
for c in controllers:
    rules.append((c, {"Boards", "ChargerAssembly", "Runtime"} | simulators,
                  "a controller reaches other parts only through contracts, never board files or simulators"))
for c in ["chargerd", "ChargerAssembly", "Runtime"] + controllers:
    rules.append((c, toolOnly, "the firmware links the codecs only, never their JSON mappings or EXITool"))
for c in services:
    rules.append((c, {"Boards", "ChargerAssembly", "Runtime", "HAL", "Drivers", "PowerPath", "V2GSession", "SLAC"} | simulators,
                  "the service plane talks to the loop through ServiceLink only"))
for c in ("Drivers", "Boards", "HAL", "PowerDrivers", "WhitebeetHost"):
    rules.append((c, simulators | {"ChargerAssembly"}, "drivers and board files never import simulators"))

problems = []
for target, forbidden, why in rules:
    if target not in targets:
        problems.append(f"{target}: named by the layer rules but not in Package.swift")
        continue
    bad = sorted(closure(target) & forbidden)
    if bad:
        problems.append(f"{target} depends on {', '.join(bad)}: {why}")
    linked = [s for s in targets[target].get("settings", []) if s.get("kind", {}).get("linkedLibrary")]
    if target in codecs and linked:
        problems.append(f"{target} links a system library: a pure codec links none")
    # The sources too: an import SwiftPM would resolve through another target still crosses the layer.
    path = targets[target].get("path") or f"Sources/{target}"
    for dirpath, _, files in os.walk(os.path.join(root, path)):
        for f in files:
            if not f.endswith(".swift"):
                continue
            text = open(os.path.join(dirpath, f), encoding="utf-8").read()
            for m in re.finditer(r"^[ \t]*(?:@\w+[ \t]+)*import[ \t]+(?:(?:struct|class|enum|protocol|func|var|let|typealias)[ \t]+)?(\w+)", text, re.M):
                if m.group(1) in forbidden:
                    problems.append(f"{os.path.relpath(os.path.join(dirpath, f), root)} imports {m.group(1)}: {why}")

# The firmware loads no full Foundation (issue 18, idle footprint: libFoundation, FoundationInternationalization
# and ICU are 8 MiB resident): no target chargerd links imports it, and no library that needs it (Yams, TOMLKit)
# is in its graph. FoundationEssentials (ArgumentParser's and the WebSocket client's) is allowed.
firmware = {"chargerd"} | closure("chargerd")
for lib in sorted(firmware & {"Yams", "TOMLKit"}):
    problems.append(f"chargerd depends on {lib}, which loads Foundation: the firmware loads no full Foundation")
for target in sorted(firmware & set(targets)):
    path = targets[target].get("path") or f"Sources/{target}"
    if targets[target].get("type") == "system":
        continue
    for dirpath, _, files in os.walk(os.path.join(root, path)):
        for f in files:
            if not f.endswith(".swift"):
                continue
            text = open(os.path.join(dirpath, f), encoding="utf-8").read()
            # An `#else import Foundation` after `#if canImport(FoundationEssentials)` is for other platforms.
            text = re.sub(r"#if canImport\(FoundationEssentials\).*?#endif", "", text, flags=re.S)
            if re.search(r"^[ \t]*(?:@\w+[ \t]+)*import[ \t]+(?:(?:struct|class|enum|protocol|func|var|let|typealias)[ \t]+)?Foundation\b(?!Essentials)", text, re.M):
                problems.append(f"{os.path.relpath(os.path.join(dirpath, f), root)} imports Foundation: the firmware "
                                "(chargerd and every target it links) loads no full Foundation; FoundationEssentials or libc")
checked = len(rules) + 1
if problems:
    print("layers: %d violation(s)" % len(problems))
    for p in problems:
        print("  " + p)
    sys.exit(1)
print(f"layers: {checked} rules hold over {len(targets)} targets")

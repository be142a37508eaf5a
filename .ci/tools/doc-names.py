#!/usr/bin/env python3
"""Checks that the names README.md and ARCHITECTURE.md give for code exist in the code, or are marked
planned. Run by .ci/extra/doc-names.sh with the output of `swift package dump-package`.

    doc-names.py PACKAGE_JSON [--root DIR]

Checked:
  * `Sources/NAME` and `Tests/NAME` paths in backticks: NAME is a target, or at least a folder;
  * executables: the first word of the "apps" row of each layer diagram, and X in `swift run X` or
    `.build/*/X`: an executable product or target of Package.swift;
  * type-like names (CamelCase) in backticks and in the diagrams (fenced blocks): a target, or a type
    declared (struct/class/enum/protocol/actor/typealias/case) in Sources/ or Tests/ (not in the
    generated EXI codecs, whose schema types would hide a missing component of the same name).
A name followed by "(planned" (e.g. `evsim (planned)`), or under a heading that contains "planned",
is exempt. Words that name no code (protocols, vendors, tools) are listed in PROSE below.
Prints every mismatch as FILE:LINE: NAME: why, and exits 1 if there is any.
"""
import json
import os
import re
import sys

PROSE = {
    "ChargeKit", "HomePlug", "GreenPHY", "EtherType", "WHITE", "ADVANTICS", "Josev", "SwiftPM",
    "ESP32", "QCA7000", "MCP2515", "SJA1000", "HdrHistogram", "Linux", "Debian", "CShims",
    "SocketCAN", "PWM", "DC_Power_Control", "Power_Modules_Status", "V2G", "V2GTP", "I2C",
    # OCPP configuration keys (strings on the wire), and Foundation's and Synchronization's types named in prose.
    "ChargeKitAutocharge", "ChargeKitTargetCurrent", "FileManager", "ProcessInfo", "Thread", "NSLock",
    "JSONSerialization", "JSONDecoder", "JSONEncoder", "NSString", "Mutex", "Atomic",
}

def main() -> int:
    args = sys.argv[1:]
    root = "."
    if "--root" in args:
        i = args.index("--root")
        root = args[i + 1]
        del args[i:i + 2]
    package = json.load(open(args[0]))
    targets = {t["name"]: t for t in package["targets"]}
    executables = {t["name"] for t in package["targets"] if t["type"] == "executable"}
    executables |= {p["name"] for p in package["products"] if "executable" in p["type"]}

    declared = set()
    decl = re.compile(r"\b(?:struct|class|enum|protocol|actor|typealias|case)\s+([A-Z][A-Za-z0-9_]*)")
    for top in ("Sources", "Tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            if "/Generated" in dirpath:
                continue  # the EXI codecs' schema types (ChargingSession, ...) are not the components the docs name
            for f in files:
                if f.endswith(".swift"):
                    with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                        declared.update(decl.findall(fh.read()))

    problems = []
    for doc in ("README.md", "ARCHITECTURE.md"):
        path = os.path.join(root, doc)
        lines = open(path, encoding="utf-8").read().split("\n")
        text = "\n".join(lines)
        fenced = False
        planned_section = False
        for number, line in enumerate(lines, 1):
            if line.startswith("#"):
                planned_section = "planned" in line.lower()
            if line.startswith("```"):
                fenced = not fenced
                continue
            if planned_section:
                continue

            def exempt(name: str) -> bool:
                return re.search(re.escape(name) + r"`?\s*\(planned", text) is not None

            def report(name: str, why: str) -> None:
                if not exempt(name):
                    problems.append(f"{doc}:{number}: {name}: {why}")

            spans = re.findall(r"`([^`]+)`", line) if not fenced else []
            # paths
            for span in spans:
                m = re.fullmatch(r"(Sources|Tests)/([A-Za-z0-9_\-]+)(/.*)?", span)
                if m:
                    name = m.group(2)
                    if name not in targets and not os.path.isdir(os.path.join(root, m.group(1), name)):
                        report(name, f"no target and no folder {m.group(1)}/{name}")
            # executables
            commands = []
            for span in spans:
                m = re.match(r"(?:swift run|\.build/[a-z]+/)\s*([a-z][a-z0-9\-]*)", span)
                if m:
                    commands.append(m.group(1))
            m = re.match(r"\s*apps\s+(.*)", line)
            if fenced and m:
                for part in re.split(r"\s*·\s*", m.group(1)):
                    word = part.split()[0] if part.split() else ""
                    if re.fullmatch(r"[a-z][a-z0-9\-]*", word):
                        commands.append(word)
            for word in commands:
                if word not in executables:
                    report(word, "not an executable of Package.swift")
            # types and targets
            candidates = set()
            sources = [line] if fenced else spans
            for s in sources:
                if not fenced and (" " in s.strip() or "/" in s or "." in s or "(" in s):
                    # code spans that are commands, paths or expressions name no single type
                    s = s if re.fullmatch(r"[A-Za-z0-9_]+", s.strip()) else ""
                candidates.update(re.findall(r"(?<![\w.\-/])([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)(?![\w\-])", s))
            for name in sorted(candidates):
                if name in PROSE or name in targets or name in declared:
                    continue
                report(name, "no target or type of that name")
    for p in problems:
        print(p)
    print(f"doc-names: {len(problems)} name(s) in README.md/ARCHITECTURE.md without code "
          f"({len(targets)} targets, {len(executables)} executables, {len(declared)} declared types checked)")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())

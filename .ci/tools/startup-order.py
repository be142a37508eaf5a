#!/usr/bin/env python3
"""startup-order.py [BUILD_DIR] [--board NAME] [--out FILE] — the firmware's startup symbol order.

Writes Sources/chargerd/startup-order.txt: the functions `chargerd --board NAME` (default `sim`) runs
from exec to its "ready for plug-in" line, one mangled name per line, which the release link hands to
lld (`--symbol-ordering-file`, Package.swift) so that they sit together at the front of `.text`.
An idle charger then maps a few hundred KiB of contiguous code instead of pieces of every module
(each first touch maps a whole page-cache folio around it; issue 18, idle RSS).

How: a copy of BUILD_DIR/chargerd (default .build/release, a release build) without its DWARF
(valgrind 3.19 cannot read DWARF 5) runs under callgrind; at "ready" callgrind dumps what ran, and
the executable's functions in that dump are kept. Left out: functions that live in a plain `.text`
input section larger than 64 KiB in the build's objects (some generated codec objects hold 2.5 MB
of value witnesses in one section); ordering one of them would move the whole section forward.
The order only moves code; a stale or missing entry costs memory, never behaviour.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(args):
    return subprocess.run(args, capture_output=True).stdout.decode("utf-8", "replace")


def executed_functions(callgrind_out, exe_name):
    """Names of the functions callgrind saw running inside the object named exe_name."""
    objects, functions, current, found = {}, {}, None, set()
    with open(callgrind_out, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line)
            if m:
                kind, ident, name = m.groups()
                if name:
                    objects[ident] = name
                if kind == "ob":
                    current = objects.get(ident, "")
                continue
            m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line)
            if m:
                kind, ident, name = m.groups()
                if name:
                    functions[ident] = name
                if kind == "fn" and current and os.path.basename(current) == exe_name:
                    found.add(functions[ident])
    return found


def symbols_in_large_plain_text(build_dir):
    """Symbols defined in a `.text` input section above 64 KiB in the build's objects."""
    out = set()
    for obj in glob.glob(os.path.join(build_dir, "*.build", "*.o")):
        large = set()
        for line in run(["readelf", "-SW", obj]).splitlines():
            parts = line.replace("[ ", "[").split()
            if len(parts) > 6 and parts[0].startswith("[") and parts[1].startswith(".text"):
                if int(parts[5], 16) > 65536:
                    large.add(parts[0].strip("[]"))
        if not large:
            continue
        for line in run(["readelf", "-sW", obj]).splitlines():
            parts = line.split()
            if len(parts) >= 8 and parts[6] in large:
                out.add(parts[7])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--board", default="sim")
    ap.add_argument("--out", default=os.path.join(ROOT, "Sources", "chargerd", "startup-order.txt"))
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    exe = os.path.realpath(os.path.join(a.build, "chargerd"))
    if not os.path.exists(exe):
        sys.exit(f"no {exe}: build it first (swift build -c release --product chargerd)")
    for tool in ("valgrind", "callgrind_control", "readelf", "nm", "strip"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install valgrind binutils)")
    work = tempfile.mkdtemp(prefix="ck-startup-order-")
    copy = os.path.join(work, "chargerd")
    subprocess.run(["strip", "--strip-debug", "-o", copy, exe], check=True)
    out = os.path.join(work, "callgrind.out")
    log = open(os.path.join(work, "chargerd.log"), "w+")
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}", copy,
                          "--board", a.board], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    end = time.time() + a.timeout
    ready = False
    while time.time() < end and p.poll() is None:
        log.seek(0)
        if "ready for plug-in" in log.read():
            ready = True
            break
        time.sleep(0.2)
    if ready:
        subprocess.run(["callgrind_control", "-d", str(p.pid)], capture_output=True)
        time.sleep(1)
    p.kill()
    p.wait()
    dumps = sorted(glob.glob(out + ".*"))
    if not ready or not dumps:
        log.seek(0)
        sys.exit(f"chargerd --board {a.board} did not reach ready under callgrind:\n{log.read()[-2000:]}")
    ran = executed_functions(dumps[0], "chargerd")
    defined = {line.split()[2] for line in run(["nm", "--defined-only", exe]).splitlines()
               if len(line.split()) == 3 and line.split()[1] in "tTwW"}
    skipped = symbols_in_large_plain_text(os.path.dirname(exe))
    order = sorted(s for s in ran if s in defined and s not in skipped)
    with open(a.out, "w") as f:
        f.write("\n".join(order) + "\n")
    print(f"{len(ran)} functions ran before ready; {len(order)} written to {os.path.relpath(a.out, ROOT)} "
          f"({len([s for s in ran if s in skipped])} left out: in a large plain .text section; "
          f"{len([s for s in ran if s not in defined])} not in the symbol table)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

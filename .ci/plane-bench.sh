#!/usr/bin/env bash
# The loop's jitter and malloc count with the service plane off, idle and busy, in the same run
# (issue 20's last proof): the release `plane-bench` runs the `sim` composition in its CurrentDemand
# loop with the charger's ServicePlaneHost bridge registered, and measures windows of TICKS ticks —
# off (plane not started) ×ROUNDS, then idle (plane polling, no client) and busy (CLIENTS threads
# polling the HTTP API back to back, one open /events stream) alternating ×ROUNDS. Prints one line per
# window and a table: mallocs on the loop's thread (the goal: 0 in every window), jitter p50/p99/max.
#
# Not part of `swift test` (a release build plus ~1 minute).
#   .ci/plane-bench.sh                     # 10 000 ticks per window, 3 rounds, 2 clients
#   TICKS=20000 ROUNDS=5 CLIENTS=4 .ci/plane-bench.sh
#   REALTIME=50 .ci/plane-bench.sh         # the loop SCHED_FIFO 50 (root), as chargerd --realtime
set -euo pipefail
cd "$(dirname "$0")/.."
ticks="${TICKS:-10000}"
rounds="${ROUNDS:-3}"
clients="${CLIENTS:-2}"
realtime="${REALTIME:-}"
swift build -c release --product plane-bench > /tmp/plane-bench-build.log 2>&1 || { tail -30 /tmp/plane-bench-build.log; exit 1; }
bin=$(swift build -c release --show-bin-path)
out=$("$bin/plane-bench" Boards/sim.yaml "$ticks" "$rounds" "$clients" $realtime)
echo "$out"
python3 - "$out" <<'PY'
import re, sys
rows = {}
for line in sys.argv[1].splitlines():
    if not line.startswith("window="):
        continue
    kv = dict(x.split("=", 1) for x in line.split())
    rows.setdefault(kv["window"], []).append(kv)
print(f"{'plane':6s} {'windows':>7s} {'ticks':>7s} {'mallocs':>7s} {'p50 µs':>7s} {'p99 µs (worst)':>14s} {'max µs':>8s} {'overruns':>8s} {'requests':>8s}")
for name in ("off", "idle", "busy"):
    r = rows.get(name, [])
    if not r:
        continue
    p50 = max(float(x["median"]) for x in r)
    p99 = max(float(x["p99"]) for x in r)
    mx = max(float(x["max"]) for x in r)
    print(f"{name:6s} {len(r):7d} {sum(int(x['ticks']) for x in r):7d} {sum(int(x['mallocs']) for x in r):7d} "
          f"{p50:7.1f} {p99:14.1f} {mx:8.1f} {sum(int(x['overruns']) for x in r):8d} {sum(int(x['requests']) for x in r):8d}")
PY

#!/usr/bin/env bash
# Loop wake-ups on the `sim` board (issue 21): runs the release `boardctl loop --board sim` for
# SECONDS (default 30) in four configurations — with and without two busy processes on the cores,
# with and without a consumer of the helper's bytes (`--consume`) — plus `chargerd --board sim`
# (which has no consumer yet) with and without the load, and prints per run: I/O wake-ups per
# second, idle wake-ups (moved no data), bytes/frames dropped for a full queue, CPU time (user +
# system) and jitter p99.
#
# Data events on the sim board: the emulated ESP32 helper writes one status line every 200 ms
# (5 per second); the goal is wake-ups per second no higher than that, in every run.
#
# Not part of `swift test` (it takes ~3 minutes at 30 s per run plus the release build).
#   .ci/loop-bench.sh            # 30 s per run
#   SECONDS_PER_RUN=10 .ci/loop-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${SECONDS_PER_RUN:-30}"
work=$(mktemp -d /tmp/loop-bench.XXXXXX)
busy=()
stop_busy() {
    for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null || true; done
    busy=()
}
trap 'stop_busy; rm -rf "$work"' EXIT

swift build -c release --product boardctl > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
swift build -c release --product chargerd >> "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
bin=$(swift build -c release --show-bin-path)

start_busy() {
    sh -c 'while :; do :; done' & busy+=($!)
    sh -c 'while :; do :; done' & busy+=($!)
}

# run NAME LOAD(0|1) COMMAND...: runs COMMAND under /usr/bin/time, output in $work/NAME.{out,err,time}
run() {
    local name=$1 load=$2
    shift 2
    [ "$load" = 1 ] && start_busy
    /usr/bin/time -f "%U %S" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || true
    stop_busy
}

run loop-idle-noconsumer 0 "$bin/boardctl" loop --board sim --seconds "$secs" --json
run loop-idle-consumer 0 "$bin/boardctl" loop --board sim --seconds "$secs" --json --consume
run loop-busy-noconsumer 1 "$bin/boardctl" loop --board sim --seconds "$secs" --json
run loop-busy-consumer 1 "$bin/boardctl" loop --board sim --seconds "$secs" --json --consume
run chargerd-idle 0 "$bin/chargerd" --board sim --seconds "$secs"
run chargerd-busy 1 "$bin/chargerd" --board sim --seconds "$secs"

python3 - "$work" "$secs" <<'PY'
import json, re, sys, os
work, secs = sys.argv[1], float(sys.argv[2])
print(f"{'run (' + str(int(secs)) + ' s)':30s} {'wake-ups/s':>10s} {'idle':>6s} {'dropped':>8s} {'CPU s':>6s} {'jitter p99 µs':>14s}")
for name in ["loop-idle-noconsumer", "loop-idle-consumer", "loop-busy-noconsumer", "loop-busy-consumer",
             "chargerd-idle", "chargerd-busy"]:
    cpu = sum(float(x) for x in open(os.path.join(work, name + ".time")).read().split()[-2:])
    if name.startswith("loop"):
        line = [l for l in open(os.path.join(work, name + ".out")) if l.startswith("{")]
        if not line:
            print(f"{name:30s} no report:", open(os.path.join(work, name + ".err")).read()[-300:])
            continue
        r = json.loads(line[-1])
        wake, idle, dropped, p99 = r["io_wakeups"], r["idle_wakeups"], r["dropped_full_queue"], r["jitter"]["p99_ns"] / 1000
    else:
        text = open(os.path.join(work, name + ".err")).read()
        m = re.search(r"I/O wake-ups (\d+) \(idle (\d+)\), dropped for a full queue (\d+).*?jitter µs .*?p99 ([\d.]+)", text)
        if not m:
            print(f"{name:30s} no report:", text[-300:])
            continue
        wake, idle, dropped, p99 = int(m[1]), int(m[2]), int(m[3]), float(m[4])
    print(f"{name:30s} {wake / secs:10.1f} {idle:6d} {dropped:8d} {cpu:6.2f} {p99:14.1f}")
print("goal: wake-ups/s <= data events/s (helper status lines: 5/s) in every run, idle 0")
PY

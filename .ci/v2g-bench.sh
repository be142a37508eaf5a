#!/usr/bin/env bash
# SECC processing per CurrentDemand (bytes in → bytes out), DIN 70121 and ISO 15118-2 (issue 14):
# wall time of the SECC's tick per exchange (p50/p90/p99/max) and, when valgrind is installed,
# instructions per exchange under callgrind ((total(N) - total(0)) / N: repeatable on shared cores).
# Release build of the `v2g-bench` product. Not a pass/fail check (goal: p99 < 50 µs, 0 mallocs —
# the malloc count is the V2GSessionTests suite SECCZeroAllocationTests).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${V2G_BENCH_N:-100000}
CN=${V2G_CALLGRIND_N:-2000}
bin=${V2G_BENCH_BIN:-}
# V2G_BENCH_SCRATCH: a build directory of its own (so a release build does not hold .build's lock)
scratch=${V2G_BENCH_SCRATCH:-.build}
if [ -z "$bin" ]; then
  nice swift build --scratch-path "$scratch" -c release --product v2g-bench > /tmp/v2g-bench-build.log 2>&1 \
    || { tail -40 /tmp/v2g-bench-build.log; exit 1; }
  bin=$(swift build --scratch-path "$scratch" -c release --show-bin-path)/v2g-bench
fi
for p in din iso2; do
  "$bin" "$p" time "$N"
done
if command -v valgrind >/dev/null; then
  total() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" run "$2" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  for p in din iso2; do
    a=$(total "$p" 0); b=$(total "$p" "$CN")
    echo "v2g-bench $p: $(( (b - a) / CN )) instructions per CurrentDemand exchange (callgrind, $CN exchanges)"
  done
fi

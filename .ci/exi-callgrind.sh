#!/usr/bin/env bash
# EXI codec cost in instructions per message (callgrind: repeatable on shared cores, unlike wall clock).
# For each message and operation: callgrind totals of 0 and N iterations, (total(N) - total(0)) / N.
# Release build of Benchmarks/ (exi-callgrind target). Not a pass/fail check.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${EXI_CALLGRIND_N:-2000}
# EXI_CALLGRIND_BIN: an exi-callgrind binary built before (e.g. of an older commit, to compare)
bin=${EXI_CALLGRIND_BIN:-}
if [ -z "$bin" ]; then
  swift build --package-path Benchmarks -c release --product exi-callgrind > /tmp/exi-callgrind-build.log 2>&1 || { tail -40 /tmp/exi-callgrind-build.log; exit 1; }
  bin=$(swift build --package-path Benchmarks -c release --show-bin-path)/exi-callgrind
fi
total() {  # message op iterations -> instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-26s %12s %12s %12s\n' message decode decodeInto encode
for m in ${EXI_CALLGRIND_MESSAGES:-DIN_CurrentDemandReq DIN_CurrentDemandRes ISO2_CurrentDemandReq ISO2_CurrentDemandRes ISO20_DC_ChargeLoopReq ISO20_DC_ChargeLoopRes ISO2_SessionSetupReq ISO20_SessionSetupReq}; do
  row=$(printf '%-26s' "$m")
  for op in decode decodeInto encode; do
    a=$(total "$m" "$op" 0); b=$(total "$m" "$op" "$N")
    row+=$(printf ' %12s' $(( (b - a) / N )))
  done
  echo "$row"
done

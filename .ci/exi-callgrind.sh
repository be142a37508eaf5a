#!/usr/bin/env bash
# EXI codec cost in instructions per message (callgrind: repeatable on shared cores, unlike wall clock).
# For each message and operation: callgrind totals of 1 and N+1 iterations, (total(N+1) - total(1)) / N,
# the method of issue 15's comparison with libcbv2g. Every message of a DIN, ISO-2 and ISO-20 DC session
# (both sides, Josev's bytes), then the type-change cases: `changeType` decodes another body type and this
# one into the same message per iteration (two decodes), `+chg` is that minus the two same-type decodes.
# Release build of Benchmarks/ (exi-callgrind target). Not a pass/fail check; by hand, ~15 min for all.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${EXI_CALLGRIND_N:-10000}
# EXI_CALLGRIND_OPS: e.g. "decodeInto encode" (the default) or "decode decodeInto encode"
ops=${EXI_CALLGRIND_OPS:-decodeInto encode}
# EXI_CALLGRIND_BIN: an exi-callgrind binary built before (e.g. of an older commit, to compare)
bin=${EXI_CALLGRIND_BIN:-}
if [ -z "$bin" ]; then
  swift build --package-path Benchmarks -c release --product exi-callgrind > /tmp/exi-callgrind-build.log 2>&1 || { tail -40 /tmp/exi-callgrind-build.log; exit 1; }
  bin=$(swift build --package-path Benchmarks -c release --show-bin-path)/exi-callgrind
fi
total() {  # message op iterations [other] -> instructions
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per() {  # message op [other] -> instructions per iteration
  local a b
  a=$(total "$1" "$2" 1 ${3:-}); b=$(total "$1" "$2" $((N + 1)) ${3:-})
  echo $(( (b - a) / N ))
}
# EXI_CALLGRIND_MESSAGES: a subset (names from `exi-callgrind list`); default every session message
messages=${EXI_CALLGRIND_MESSAGES:-$("$bin" list)}
printf '%-36s' message; for op in $ops; do printf ' %12s' "$op"; done; echo
for m in $messages; do
  row=$(printf '%-36s' "$m")
  for op in $ops; do row+=$(printf ' %12s' "$(per "$m" "$op")"); done
  echo "$row"
done
# type change: this message decoded into storage that last held the other one (issue 15)
printf '%-36s %12s %12s\n' "type change (this after other)" changeType +chg
for pair in ${EXI_CALLGRIND_CHANGES:-DIN_SessionSetupReq:DIN_CurrentDemandReq ISO2_SessionSetupReq:ISO2_CurrentDemandReq ISO20_DC_ChargeLoopReq:ISO20_DC_PreChargeReq ISO20_SessionSetupReq:ISO20_PowerDeliveryReq}; do
  m=${pair%%:*}; o=${pair##*:}
  both=$(per "$m" changeType "$o"); x=$(per "$m" decodeInto); y=$(per "$o" decodeInto)
  printf '%-36s %12s %12s\n' "$m+${o#*_}" "$both" $((both - x - y))
done

#!/usr/bin/env bash
# The SECC's answer time on the wire, ours against Josev's, in the same run: for each protocol, one
# session of our SECC (boardctl v2g --role secc) and one of Josev's SECC, each against the Josev EVCC,
# captured on the SECC's veth (run-pair.sh CAPTURE=1: dumpcap, then wire-latency.py pairs each request
# with the SECC's answer, request-complete → response-complete, as the capture's clock saw it). Prints
# the CurrentDemand row of both and the whole session's wall time (run-pair.sh's "EVCC process" time:
# SDP → SessionStop → the EVCC's exit, the same Josev EVCC on both sides).
#
#   .ci/v2g-wire.sh [din|iso2 ...]     needs root, dumpcap + tshark, java, the Josev venv
# Ours answers in the tick after the request's last byte arrives: the socket wakes the loop (ppoll),
# the bytes go into the StreamPump's queue at once, the SECC runs at the next 1 ms deadline and its
# answer is sent by the same tick's service/pump — bounded by one tick plus processing.
set -uo pipefail
cd "$(dirname "$0")/.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
PAIR=../shared/tools/josev/run-pair.sh
OUT="${OUT:-/tmp/v2g-wire.$$}"
# Per side (run-pair.sh's TIMEOUT); a failed pair runs once more (RETRIES=1, its logs in <dir>-retry).
TIMEOUT="${TIMEOUT:-120}"
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "v2g-wire: needs root"; exit 2; }
command -v dumpcap >/dev/null && command -v tshark >/dev/null || { echo "v2g-wire: needs dumpcap and tshark"; exit 2; }
if [ -z "${BOARDCTL:-}" ]; then
  nice swift build --product boardctl >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
  BOARDCTL="$(swift build --show-bin-path)/boardctl"
fi
protocols=("$@"); [ ${#protocols[@]} -gt 0 ] || protocols=(din iso2)
report="$OUT/report.txt"; : >"$report"
for p in "${protocols[@]}"; do
  for side in ours josev; do
    dir="$OUT/$p-$side"
    if [ $side = ours ]; then
      SECC_CMD="exec $BOARDCTL v2g --role secc --interface \"\$IFACE\" --protocol \"\$PROTOCOL\" --seconds $((TIMEOUT + 20))" \
        SECC_READY_REGEX=listening CAPTURE=1 LOG_DIR="$dir" TIMEOUT="$TIMEOUT" KEEP_GOING=1 RETRIES=1 \
        timeout -k 10 $((TIMEOUT * 5)) "$PAIR" "$p" >"$dir.log" 2>&1
    else
      CAPTURE=1 LOG_DIR="$dir" TIMEOUT="$TIMEOUT" KEEP_GOING=1 RETRIES=1 \
        timeout -k 10 $((TIMEOUT * 5)) "$PAIR" "$p" >"$dir.log" 2>&1
    fi
    verdict=$(grep -o "RESULT [A-Z_0-9]*: [A-Z]*" "$dir.log" | tail -1)
    wall=$(grep -o "EVCC process [0-9.]* s" "$dir.log" | tail -1)
    [ -d "$dir-retry" ] && dir="$dir-retry"
    row=$(grep -E "^CurrentDemandReq" "$dir/wire-latency.txt" 2>/dev/null || echo "CurrentDemandReq (no capture)")
    printf '%-5s %-6s SECC %-40s | %s | %s\n' "$p" "$side" "$verdict" "$wall" "$row" | tee -a "$report"
  done
done
echo "columns: request, n, median ms, p99 ms, max ms (SECC answer time on the wire); logs in $OUT"

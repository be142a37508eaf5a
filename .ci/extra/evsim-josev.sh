#!/usr/bin/env bash
# evsim (our CCS vehicle simulator: SDP, TCP, EVCC, bench battery) against Josev's SECC over a veth
# pair between two network namespaces (../shared/tools/josev/run-pair.sh with EVCC_CMD; it makes and
# deletes them), DIN 70121 and ISO 15118-2 DC:
#
#   evsim-din, evsim-iso2
#
# A case passes when Josev's SECC log shows the charge loop and a clean SessionStop with no ERROR line
# (josev-log-summary.py --json) and evsim's log ends with "RESULT: complete session". Each passed case
# prints `CK-REQUIRED-RAN evsim-josev <case>`. Josev's simulated EVSE answers 1 V and no current, so
# evsim runs with --simulated-evse (leave PreCharge after 6 rounds, the loop after 10) and waits up to
# CD_TIMEOUT_MS (default 1000) for a CurrentDemandRes. Bounded: TIMEOUT per side (default 90 s), an
# outer bound per case, ATTEMPTS=2 while inside BUDGET seconds.
#
#   .ci/extra/evsim-josev.sh [CASE...]     needs root, iproute2, java, the Josev venv (JOSEV_VENV)
# Logs: $OUT (default /tmp/evsim-josev.<pid>)/<case>.<attempt>/. Exit 0 when every case asked for passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
PAIR=../shared/tools/josev/run-pair.sh
SUMMARY=../shared/tools/josev/josev-log-summary.py
PY="$JOSEV_VENV/bin/python"
OUT="${OUT:-/tmp/evsim-josev.$$}"
ATTEMPTS="${ATTEMPTS:-2}"
TIMEOUT="${TIMEOUT:-90}"
BUDGET="${BUDGET:-540}"
START=$(date +%s)
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "evsim-josev: needs root (network namespaces)"; exit 2; }
[ -x "$PY" ] || { echo "evsim-josev: no Josev venv at $JOSEV_VENV (.ci/setup)"; exit 2; }

if [ -z "${EVSIM:-}" ]; then
  nice swift build --product evsim >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
  EVSIM="$(swift build --show-bin-path)/evsim"
fi
[ -x "$EVSIM" ] || { echo "evsim-josev: $EVSIM not found"; exit 2; }

run_case() {  # CASE ATTEMPT -> 0 pass
  local case=$1 n=$2 short=${1#evsim-} dir
  case $short in din|iso2) ;; *) echo "unknown case $case"; return 2 ;; esac
  dir="$OUT/$case.$n"
  echo "== $case (attempt $n): logs $dir"
  EVCC_CMD="exec $EVSIM --interface \"\$IFACE\" --protocol \"\$PROTOCOL\" --simulated-evse --current-demand-timeout ${CD_TIMEOUT_MS:-1000} --seconds $((TIMEOUT + 20))" \
    LOG_DIR="$dir" TIMEOUT="$TIMEOUT" KEEP_GOING=1 RETRIES=0 \
    timeout -k 10 $((TIMEOUT * 2 + 60)) "$PAIR" "$short" >"$OUT/$case.$n.run-pair.log" 2>&1
  local ok=0
  if [ -f "$dir/secc.log" ]; then
    local verdict
    verdict=$("$PY" "$SUMMARY" "$dir/secc.log" --json 2>/dev/null | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
bad = [w for w, b in (("no charge loop", not r.get("reached_charge_loop")), ("no clean SessionStop", not r.get("ended_cleanly")),
                      ("errors", bool(r.get("error_lines")))) if b]
print("Josev SECC: %s x CurrentDemand, clean end %s%s" % (r.get("charge_loop_count"), r.get("ended_cleanly"), "; " + ", ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)') || ok=1
    echo "  $verdict"
  else
    echo "  no Josev SECC log"; ok=1
  fi
  if grep -q "^RESULT: complete session" "$dir/evcc.log" 2>/dev/null; then
    echo "  evsim: $(grep '^RESULT' "$dir/evcc.log")"
  else
    echo "  evsim: $(grep '^RESULT\|^car:' "$dir/evcc.log" 2>/dev/null | tr '\n' ' ')"; ok=1
  fi
  return $ok
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(evsim-din evsim-iso2)
failed=()
for c in "${cases[@]}"; do
  passed=0
  for n in $(seq 1 "$ATTEMPTS"); do
    if [ "$n" -gt 1 ] && [ $(( $(date +%s) - START )) -gt "$BUDGET" ]; then echo "  no retry: past the ${BUDGET} s budget"; break; fi
    if run_case "$c" "$n"; then passed=1; break; fi
  done
  if [ $passed = 1 ]; then echo "CK-REQUIRED-RAN evsim-josev $c"; else failed+=("$c"); echo "evsim-josev: $c FAILED"; fi
done
[ ${#failed[@]} = 0 ] || { echo "evsim-josev: failed: ${failed[*]} (logs in $OUT)"; exit 1; }
echo "evsim-josev: all ${#cases[@]} case(s) passed (logs in $OUT)"

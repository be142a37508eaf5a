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
NAME=evsim-josev
source .ci/tools/josev-pair.sh
EVSIM="${EVSIM:-$(pair_product evsim)}" || exit 1
[ -x "$EVSIM" ] || { echo "evsim-josev: $EVSIM not found"; exit 2; }

run_case() {  # CASE ATTEMPT -> 0 pass
  local case=$1 n=$2 short=${1#evsim-} dir
  case $short in din|iso2) ;; *) echo "unknown case $case"; return 2 ;; esac
  dir="$OUT/$case.$n"
  echo "== $case (attempt $n): logs $dir"
  EVCC_CMD="exec $EVSIM --interface \"\$IFACE\" --protocol \"\$PROTOCOL\" --simulated-evse --current-demand-timeout ${CD_TIMEOUT_MS:-1000} --seconds $((TIMEOUT + 20))" \
    pair_session "$short" "$dir" "$OUT/$case.$n.run-pair.log"
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
pair_run_cases "${cases[@]}"

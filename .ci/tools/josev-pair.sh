# Sourced by the extras that run whole sessions through ../shared/tools/josev/run-pair.sh (a veth pair
# between two network namespaces that run-pair.sh makes and deletes): josev-session.sh and
# evsim-josev.sh. Set NAME (the required-suites name) before sourcing; the caller defines
# `run_case CASE ATTEMPT` (0: passed) and ends with `pair_run_cases CASE...`.
#
# Bounds: TIMEOUT per side (default 90 s) and an outer bound per case in `pair_session`; ATTEMPTS=2
# runs a failed case once more while the run is inside BUDGET seconds (.ci/run gives each extra 900 s;
# Josev's JVM start and codec warm-up can take a minute on a loaded 2-core machine).
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
PAIR=../shared/tools/josev/run-pair.sh
SUMMARY=../shared/tools/josev/josev-log-summary.py
PY="$JOSEV_VENV/bin/python"
OUT="${OUT:-/tmp/$NAME.$$}"
ATTEMPTS="${ATTEMPTS:-2}"
TIMEOUT="${TIMEOUT:-90}"
BUDGET="${BUDGET:-540}"
START=$(date +%s)
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "$NAME: needs root (network namespaces)"; exit 2; }
[ -x "$PY" ] || { echo "$NAME: no Josev venv at $JOSEV_VENV (.ci/setup)"; exit 2; }

# The path of one of our executables (built here unless the environment names it).
pair_product() {  # PRODUCT
  nice swift build --product "$1" >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; return 1; }
  echo "$(swift build --show-bin-path)/$1"
}

# One run of run-pair.sh for PROTO (din|iso2), logs in DIR; SECC_CMD/EVCC_CMD come from the caller's
# environment assignments on the call.
pair_session() {  # PROTO DIR RUNLOG
  LOG_DIR="$2" TIMEOUT="$TIMEOUT" KEEP_GOING=1 RETRIES=0 \
    timeout -k 10 $((TIMEOUT * 2 + 60)) "$PAIR" "$1" >"$3" 2>&1
}

pair_run_cases() {  # CASE...
  local failed=() c n passed
  for c in "$@"; do
    passed=0
    for n in $(seq 1 "$ATTEMPTS"); do
      if [ "$n" -gt 1 ] && [ $(( $(date +%s) - START )) -gt "$BUDGET" ]; then echo "  no retry: past the ${BUDGET} s budget"; break; fi
      if run_case "$c" "$n"; then passed=1; break; fi
    done
    if [ $passed = 1 ]; then echo "CK-REQUIRED-RAN $NAME $c"; else failed+=("$c"); echo "$NAME: $c FAILED"; fi
  done
  [ ${#failed[@]} = 0 ] || { echo "$NAME: failed: ${failed[*]} (logs in $OUT)"; exit 1; }
  echo "$NAME: all $# case(s) passed (logs in $OUT)"
}

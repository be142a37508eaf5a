#!/usr/bin/env bash
# Negative interop of issue 14: our SECC (boardctl v2g --role secc) against a misbehaving EV whose
# requests are encoded, and whose answers are decoded, by Josev's own EXI codec
# (.ci/extra/josev-negative-client.py), over a veth pair between two network namespaces made here
# (link-local IPv6, real SDP, real TCP), DIN 70121 and ISO 15118-2:
#
#   out-of-order, unknown-session, corrupt-exi, bad-v2gtp-header, duplicate, oversize,
#   tcp-reset-in-loop, ev-silent-in-loop
#
# Each case asserts the standard's ResponseCode or a clean close, our process alive until it ended by
# itself (exit 1, a RESULT line with the expected stop reason) and its power path at rest after the
# session; it prints `CK-REQUIRED-RAN josev-negative <protocol>-<case>`. The silent EV waits for the
# SECC's 60 s sequence timeout (v2g-session.md §1), the other cases take a few seconds each; every case
# has its own bound (30 s, 90 s for the silent EV); the whole script took 4-6 min on a loaded 2-core
# machine (codec warm-up 20-60 s, two silent EVs of 67 s, the Josev SECC case ~1 min).
#
# Then our EVCC against a Josev SECC that refuses the session: Josev offers only ISO 15118-20 DC,
# our EV only DIN 70121 (run-pair.sh SECC_PROTOCOLS): SAP ends Failed_NoNegotiation, our EV must end
# cleanly with "no common protocol" (case evcc-no-common-protocol).
#
#   .ci/extra/josev-negative.sh [CASE...]     needs root, iproute2, java, the Josev venv (JOSEV_VENV)
#   PROTOCOLS="din iso2"   SEED=N replays the corrupt payloads   OUT=dir for the logs
set -uo pipefail
cd "$(dirname "$0")/../.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
JOSEV=../shared/tools/josev
PY="$JOSEV_VENV/bin/python"
OUT="${OUT:-/tmp/josev-negative.$$}"
PROTOCOLS="${PROTOCOLS:-din iso2}"
mkdir -p "$OUT"

[ "$(id -u)" = 0 ] || { echo "josev-negative: needs root (network namespaces)"; exit 2; }
[ -x "$PY" ] || { echo "josev-negative: no Josev venv at $JOSEV_VENV (.ci/setup)"; exit 2; }

if [ -z "${BOARDCTL:-}" ]; then
  nice swift build --product boardctl >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
  BOARDCTL="$(swift build --show-bin-path)/boardctl"
fi
[ -x "$BOARDCTL" ] || { echo "josev-negative: $BOARDCTL not found"; exit 2; }

cases=("$@")
client_cases=()
run_evcc=1
if [ ${#cases[@]} -gt 0 ]; then
  run_evcc=0
  for c in "${cases[@]}"; do
    if [ "$c" = evcc-no-common-protocol ]; then run_evcc=1; else client_cases+=("$c"); fi
  done
fi

status=0
if [ ${#cases[@]} = 0 ] || [ ${#client_cases[@]} -gt 0 ]; then
  SECC_NS="ckneg-secc-$$" EV_NS="ckneg-ev-$$"
  cleanup() {
    for ns in "$SECC_NS" "$EV_NS"; do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    done
  }
  trap cleanup EXIT INT TERM
  ip netns add "$SECC_NS" && ip netns add "$EV_NS" || { echo "josev-negative: cannot make network namespaces"; exit 2; }
  ip link add veth-secc netns "$SECC_NS" type veth peer name veth-ev netns "$EV_NS"
  for pair in "$SECC_NS veth-secc" "$EV_NS veth-ev"; do
    set -- $pair
    for key in all default "$2"; do ip netns exec "$1" sysctl -qw "net.ipv6.conf.$key.accept_dad=0"; done
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
  done
  for pair in "$SECC_NS veth-secc" "$EV_NS veth-ev"; do
    set -- $pair
    for _ in $(seq 50); do
      ip -n "$1" -6 addr show dev "$2" scope link | grep -q "inet6 fe80" \
        && ! ip -n "$1" -6 addr show dev "$2" | grep -q tentative && break
      sleep 0.1
    done
  done
  protocol_args=()
  for p in $PROTOCOLS; do protocol_args+=(--protocol "$p"); done
  echo "== our SECC against a misbehaving EV (Josev's codec): logs $OUT"
  timeout -k 10 840 ip netns exec "$EV_NS" env SEED="${SEED:-}" "$PY" .ci/extra/josev-negative-client.py \
    --boardctl "$BOARDCTL" --secc-netns "$SECC_NS" --iface veth-ev --secc-iface veth-secc \
    --corpus "$JOSEV/samples/corpus" --out "$OUT" "${protocol_args[@]}" ${client_cases[@]+"${client_cases[@]}"} || status=1
  cleanup
  trap - EXIT INT TERM
fi

if [ $run_evcc = 1 ]; then
  # Josev's SECC offers only ISO 15118-20 DC; our EV offers only DIN 70121.
  echo "== evcc-no-common-protocol: Josev SECC (ISO_15118_20_DC only) <-> our EVCC (DIN 70121)"
  dir="$OUT/evcc-no-common-protocol"
  EVCC_CMD="exec $BOARDCTL v2g --role evcc --interface \"\$IFACE\" --protocol din --seconds 40" \
    SECC_PROTOCOLS=ISO_15118_20_DC LOG_DIR="$dir" TIMEOUT=40 KEEP_GOING=1 RETRIES=0 \
    timeout -k 10 150 "$JOSEV/run-pair.sh" din >"$OUT/evcc-no-common-protocol.run-pair.log" 2>&1
  ours=$(grep '^RESULT' "$dir/evcc.log" 2>/dev/null)
  josev=$(grep -c "Failed_NoNegotiation\|FAILED_NO_NEGOTIATION" "$dir/secc.log" 2>/dev/null)
  echo "  ours: ${ours:-no RESULT line}"
  echo "  Josev SECC: Failed_NoNegotiation in its log: ${josev:-0} line(s)"
  if [[ "$ours" == "RESULT: FAILED: no common protocol"* ]] && [ "${josev:-0}" -gt 0 ]; then
    echo "CK-REQUIRED-RAN josev-negative evcc-no-common-protocol"
  else
    echo "josev-negative: evcc-no-common-protocol FAILED (logs in $dir)"; status=1
  fi
fi
[ $status = 0 ] && echo "josev-negative: passed (logs in $OUT)" || echo "josev-negative: FAILED (logs in $OUT)"
exit $status

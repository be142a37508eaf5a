#!/usr/bin/env bash
# A whole V2G session's wall time, ours against Josev (issue 14): our SECC <-> Josev EVCC against
# Josev SECC <-> Josev EVCC, and Josev SECC <-> our EVCC against the same, interleaved in the same run,
# N rounds (default 5, ~2 min per round on 2 cores: four run-pair.sh sessions), median/p90 and the
# ratios ours/Josev (.ci/tools/v2g-session-walltime.py). Not part of .ci/run (too long); numbers in
# README.md, "Benchmarks".
#
#   .ci/v2g-session-bench.sh [din|iso2] [N]     needs root, iproute2, java, the Josev venv (JOSEV_VENV)
set -euo pipefail
cd "$(dirname "$0")/.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
[ "$(id -u)" = 0 ] || { echo "v2g-session-bench: needs root (network namespaces)"; exit 2; }
if [ -z "${BOARDCTL:-}" ]; then
  nice swift build --product boardctl >/tmp/v2g-session-bench-build.log 2>&1 || { tail -30 /tmp/v2g-session-bench-build.log; exit 1; }
  BOARDCTL="$(swift build --show-bin-path)/boardctl"
fi
exec python3 .ci/tools/v2g-session-walltime.py --boardctl "$BOARDCTL" --protocol "${1:-din}" -n "${2:-5}"

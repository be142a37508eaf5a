#!/usr/bin/env bash
# V2GTP and SDP against Josev's own classes, both ways (Tests/V2GTPTests/JosevV2GTPInteropTests.swift):
# prepares the Josev venv and requires the suite to run (JOSEV_REQUIRED=1 turns a missing venv into a
# failure instead of a skip). About 30 s once the venv exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
log=$(mktemp /tmp/josev-v2gtp.XXXXXX)
trap 'rm -f "$log"' EXIT
JOSEV_VENV="$JOSEV_VENV" bash ../shared/tools/josev/setup.sh > "$log" 2>&1 || { cat "$log"; exit 1; }
JOSEV_REQUIRED=1 swift test --filter JosevV2GTPInterop 2>&1 | tee "$log" | grep -E "✔|✘|Test run" || true
grep -q "Test run with 3 tests in 1 suite passed" "$log" || { echo "josev-v2gtp: the Josev V2GTP interop suite did not pass"; exit 1; }

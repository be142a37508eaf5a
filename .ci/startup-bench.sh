#!/bin/bash
# Startup and footprint benchmark (issue 18): the release chargerd on the sim board — time from
# exec to "ready for plug-in" and idle resident memory — with Josev's SECC measured the same way in
# the same run for the ratios (root for Josev's network namespace). RUNS=5 by default.
# Usage: .ci/startup-bench.sh   (from the package root)
set -euo pipefail
cd "$(dirname "$0")/.."
nice swift build -c release --product chargerd 2>&1 | tail -3
exec python3 .ci/tools/startup-bench.py .build/release/chargerd "${RUNS:-5}"

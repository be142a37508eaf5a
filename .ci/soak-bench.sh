#!/bin/bash
# Soak benchmark (issue 18): SESSIONS (default 200) whole sim sessions back to back in one chargerd
# process (release build). Passes when none failed, every safe stop was confirmed, resident memory at
# the end is within 1 MiB of session 10's and no descriptor leaked; chargerd prints the one `soak:`
# line with the numbers and exits 1 otherwise. Each session takes the sim board's compressed time
# scale in real time (about 7 s on an idle machine), so 200 take about 25 minutes: not part of CI.
# Usage: .ci/soak-bench.sh   (from the package root; SESSIONS=N for a shorter run)
set -euo pipefail
cd "$(dirname "$0")/.."
nice swift build -c release --product chargerd 2>&1 | tail -3
log="${TMPDIR:-/tmp}/chargerd-soak-$$.log"
status=0
.build/release/chargerd --board sim --sessions "${SESSIONS:-200}" >"$log" 2>&1 || status=$?
grep -E '^soak: |soak failed|failed:' "$log" || { tail -20 "$log"; }
echo "full log: $log (exit $status)"
exit $status

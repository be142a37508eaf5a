#!/bin/bash
# Soak benchmark (issue 18): N whole sim sessions (default 200) back to back in one chargerd process,
# each composed afresh, on the short session profile Benchmarks/soak-session.yaml (a 1 s charge loop;
# SOAK_PROFILE=full for the sim board's default session). chargerd prints the trend after a warm-up of
# 3 sessions (first, middle, last: RSS, descriptors, threads), the growth per 10 sessions
# and one `soak:` line, and exits 1 when a session failed, a safe stop was unconfirmed, a session's
# composition stayed alive, RSS grew more than 64 KiB per 10 sessions after the warm-up (or more than
# 1 MiB after session 10), or descriptors or threads grew. Not part of CI (200 sessions take ~23 min
# here, release or debug alike: the sessions run in real time).
# Usage: .ci/soak-bench.sh [N]   (from the package root; BUILD=debug to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
sessions="${1:-${SESSIONS:-200}}"
build="${BUILD:-release}"
[ "$build" = debug ] || nice swift build -c release --product chargerd 2>&1 | tail -3
profile=(--scenario Benchmarks/soak-session.yaml)
[ "${SOAK_PROFILE:-short}" = full ] && profile=()
log="${TMPDIR:-/tmp}/chargerd-soak-$$.log"
status=0
".build/$build/chargerd" --board sim --sessions "$sessions" "${profile[@]}" >"$log" 2>&1 || status=$?
grep -E '^soak|soak failed|failed:|still alive' "$log" || { tail -20 "$log"; }
echo "full log: $log (exit $status)"
exit $status

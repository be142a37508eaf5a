#!/usr/bin/env bash
# Fuzzes the WHITE-beet HCI decoders (frame, requests, responses, notifications, the incremental
# decoder, the Ethernet and SPI unwrappers; property in Tests/Fuzz/WhitebeetFuzzSupport) for a bounded
# time. First every saved input in Tests/FuzzReplay/whitebeet is replayed, then the seeded mutation
# run (CK_FUZZ_SEED, printed), then libFuzzer + ASan in .build-fuzz for the same time (FUZZ_SEED
# passed as -seed; FUZZ_LIBFUZZER=0 skips it). A failing input is saved in $LOG_DIR/fuzz-failures
# (or under the libFuzzer artifact prefix), replayed with `swift run whitebeet-fuzz FILE`, and kept
# by copying it into Tests/FuzzReplay/whitebeet/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-60}"
seed="${FUZZ_SEED:-1717}"
log_dir="${LOG_DIR:-/tmp/chargekit-ci-logs}"
mkdir -p "$log_dir"
echo "fuzz-whitebeet: building whitebeet-fuzz"
timeout 900 swift build --product whitebeet-fuzz >"$log_dir/fuzz-whitebeet-build.log" 2>&1 \
  || { tail -30 "$log_dir/fuzz-whitebeet-build.log"; exit 1; }
bin="$(swift build --show-bin-path)/whitebeet-fuzz"
saved=$(find Tests/FuzzReplay/whitebeet -type f ! -name '*.md' | sort)
if [ -n "$saved" ]; then
  echo "fuzz-whitebeet: replaying $(echo "$saved" | wc -l) saved inputs"
  # shellcheck disable=SC2086
  "$bin" $saved
fi
echo "fuzz-whitebeet: mutation run, ${seconds} s, seed ${seed} (FUZZ_SEED=${seed} replays this run)"
end=$((SECONDS + seconds))
round=0
while [ $SECONDS -lt $end ]; do
  # Each round is its own reproducible run: seed + round.
  CK_FUZZ_SEED=$((seed + round)) CK_FUZZ_ARTIFACTS="$log_dir/fuzz-failures" timeout $((seconds + 60)) "$bin" 100000 \
    || { echo "fuzz-whitebeet: FAILED, seed $((seed + round)) (CK_FUZZ_SEED=$((seed + round)) $bin 100000 replays)" >&2; exit 1; }
  round=$((round + 1))
done
if [ "${FUZZ_LIBFUZZER:-1}" = 1 ]; then
  echo "fuzz-whitebeet: building (libFuzzer + ASan, .build-fuzz)"
  timeout 900 swift build --scratch-path .build-fuzz --product whitebeet-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER >"$log_dir/fuzz-whitebeet-lf-build.log" 2>&1 \
    || { tail -30 "$log_dir/fuzz-whitebeet-lf-build.log"; exit 1; }
  corpus=$(mktemp -d /tmp/chargekit-whitebeet-corpus.XXXXXX)
  trap 'rm -rf "$corpus"' EXIT
  status=0
  CK_FUZZ_SEEDS="$corpus" timeout $((seconds + 60)) .build-fuzz/debug/whitebeet-fuzz \
    -seed="$seed" -max_total_time="$seconds" -max_len=2048 -use_value_profile=1 -rss_limit_mb=2048 \
    -artifact_prefix="$log_dir/whitebeet-fuzz-" "$corpus" >"$log_dir/fuzz-whitebeet-run.log" 2>&1 || status=$?
  grep -E "INITED|DONE" "$log_dir/fuzz-whitebeet-run.log" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz-whitebeet: libFuzzer FAILED (exit $status), seed ${seed}; artifacts in $log_dir (whitebeet-fuzz-*)" >&2
    tail -40 "$log_dir/fuzz-whitebeet-run.log" >&2
    exit 1
  fi
fi
echo "fuzz-whitebeet: no finding in ${round} rounds (${seconds} s, seeds ${seed}…$((seed + round - 1)))"

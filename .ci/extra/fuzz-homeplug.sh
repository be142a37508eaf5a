#!/usr/bin/env bash
# Fuzzes the HomePlug MME parser (HomePlugFrame.parse → encode → parse, whole frames compared) with
# libFuzzer and AddressSanitizer for a bounded time. Any trap, sanitizer report or round-trip mismatch
# fails CI. FUZZ_SEED (printed) is passed as -seed; a failing input is saved in $LOG_DIR, replayed with
# `.build-fuzz/debug/homeplug-fuzz FILE`, and kept by copying it into Tests/FuzzReplay/homeplug/.
# Separate scratch path: the fuzzer flags must not touch the normal build.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-60}"
seed="${FUZZ_SEED:-1515}"
log_dir="${LOG_DIR:-/tmp/chargekit-ci-logs}"
mkdir -p "$log_dir"
echo "fuzz-homeplug: building (libFuzzer + ASan, .build-fuzz)"
timeout 600 swift build --scratch-path .build-fuzz --product homeplug-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER >"$log_dir/fuzz-build.log" 2>&1 \
  || { tail -30 "$log_dir/fuzz-build.log"; exit 1; }
corpus=$(mktemp -d /tmp/chargekit-fuzz-corpus.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
echo "fuzz-homeplug: running ${seconds} s, seed ${seed} (FUZZ_SEED=${seed} replays this run)"
status=0
CK_FUZZ_SEEDS="$corpus" timeout $((seconds + 60)) .build-fuzz/debug/homeplug-fuzz \
  -seed="$seed" -max_total_time="$seconds" -max_len=512 -use_value_profile=1 -rss_limit_mb=2048 \
  -artifact_prefix="$log_dir/fuzz-" "$corpus" >"$log_dir/fuzz-run.log" 2>&1 || status=$?
grep -E "INITED|DONE" "$log_dir/fuzz-run.log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz-homeplug: FAILED (exit $status), seed ${seed}; artifacts in $log_dir" >&2
  for artifact in "$log_dir"/fuzz-*; do
    case "$artifact" in *.log) continue ;; esac
    [ -f "$artifact" ] && echo "  replay: .build-fuzz/debug/homeplug-fuzz $artifact   (keep it: copy into Tests/FuzzReplay/homeplug/)" >&2
  done
  tail -40 "$log_dir/fuzz-run.log" >&2
  exit 1
fi
echo "fuzz-homeplug: no crash in ${seconds} s (seed ${seed})"

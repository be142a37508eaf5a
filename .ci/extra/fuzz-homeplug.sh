#!/usr/bin/env bash
# Fuzzes the HomePlug MME parser (HomePlugFrame.parse → encode → parse) with libFuzzer and
# AddressSanitizer for a bounded time. Any trap, sanitizer report or round-trip mismatch fails CI.
# Separate scratch path: the fuzzer flags must not touch the normal build.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-60}"
log_dir="${LOG_DIR:-/tmp/chargekit-ci-logs}"
mkdir -p "$log_dir"
echo "fuzz-homeplug: building (libFuzzer + ASan, .build-fuzz)"
timeout 600 swift build --scratch-path .build-fuzz --product homeplug-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER >"$log_dir/fuzz-build.log" 2>&1 \
  || { tail -30 "$log_dir/fuzz-build.log"; exit 1; }
corpus=$(mktemp -d /tmp/chargekit-fuzz-corpus.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
echo "fuzz-homeplug: running ${seconds} s"
status=0
CK_FUZZ_SEEDS="$corpus" timeout $((seconds + 60)) .build-fuzz/debug/homeplug-fuzz \
  -max_total_time="$seconds" -max_len=512 -use_value_profile=1 -rss_limit_mb=2048 \
  -artifact_prefix="$log_dir/fuzz-" "$corpus" >"$log_dir/fuzz-run.log" 2>&1 || status=$?
grep -E "INITED|DONE" "$log_dir/fuzz-run.log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz-homeplug: FAILED (exit $status); artifacts in $log_dir" >&2
  tail -40 "$log_dir/fuzz-run.log" >&2
  exit 1
fi
echo "fuzz-homeplug: no crash in ${seconds} s"

#!/usr/bin/env bash
# Coverage-guided fuzzing of every EXI decoder (app, DIN, ISO-2, ISO-20 common/DC/AC/ACDP/WPT) with
# libFuzzer and AddressSanitizer for a bounded time, beside the mutation fuzzer of fuzz-exi.sh.
# The property (Tests/Fuzz/EXIFuzzSupport): no trap or sanitizer report; decode -> encode -> decode
# agree; decode(_:into:) over a held message of another type agrees with a fresh decode.
# Seeds: Josev's corpus (../shared/tools/josev/samples/corpus) and Tests/EXITests/Conformance.
# Reproducible: FUZZ_SEED (printed) is passed as -seed; a failing input is saved in $LOG_DIR and
# replayed with `.build-fuzz/debug/exi-fuzz FILE`; copied into Tests/FuzzReplay/exi/ it runs in every
# `swift test`. Separate scratch path: the fuzzer flags must not touch the normal build.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-60}"
seed="${FUZZ_SEED:-1515}"
log_dir="${LOG_DIR:-/tmp/chargekit-ci-logs}"
mkdir -p "$log_dir"
echo "fuzz-exi-libfuzzer: building (libFuzzer + ASan, .build-fuzz)"
start=$SECONDS
timeout 1200 swift build --scratch-path .build-fuzz --product exi-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER >"$log_dir/fuzz-exi-build.log" 2>&1 \
  || { tail -30 "$log_dir/fuzz-exi-build.log"; exit 1; }
echo "fuzz-exi-libfuzzer: built in $((SECONDS - start)) s"
corpus=$(mktemp -d /tmp/chargekit-exi-fuzz-corpus.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
echo "fuzz-exi-libfuzzer: running ${seconds} s, seed ${seed} (FUZZ_SEED=${seed} replays this run)"
status=0
CK_FUZZ_SEEDS="$corpus" timeout $((seconds + 120)) .build-fuzz/debug/exi-fuzz \
  -seed="$seed" -max_total_time="$seconds" -max_len=4096 -use_value_profile=1 -rss_limit_mb=3072 \
  -artifact_prefix="$log_dir/exi-fuzz-" "$corpus" >"$log_dir/fuzz-exi-run.log" 2>&1 || status=$?
grep -E "^exi-fuzz: [0-9]+ seeds|INFO: Seed|INITED|DONE" "$log_dir/fuzz-exi-run.log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz-exi-libfuzzer: FAILED (exit $status), seed ${seed}" >&2
  grep -E "exi-fuzz finding|ERROR: AddressSanitizer|SUMMARY|Test unit written" "$log_dir/fuzz-exi-run.log" >&2 || true
  for artifact in "$log_dir"/exi-fuzz-*; do
    [ -f "$artifact" ] || continue
    echo "  replay: .build-fuzz/debug/exi-fuzz $artifact   (keep it: copy into Tests/FuzzReplay/exi/)" >&2
  done
  tail -40 "$log_dir/fuzz-exi-run.log" >&2
  exit 1
fi
echo "fuzz-exi-libfuzzer: no finding in ${seconds} s (seed ${seed})"

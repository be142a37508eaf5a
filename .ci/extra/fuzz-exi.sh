#!/usr/bin/env bash
# Bounded fuzzing of every EXI decoder (about 2-3 minutes on 2 cores; the coverage-guided libFuzzer
# target of fuzz-exi-libfuzzer.sh does the long search): the mutation fuzzer of
# Tests/EXITests/FuzzTests.swift with more inputs than the unit test (EXI_FUZZ_ITERATIONS per schema,
# seeded from the Josev and conformance corpora; a decoded input must re-encode and decode the same,
# and decode in place over a held message as a fresh decode does). A crash or hang fails the run
# (timeout). Each schema's seed is printed on its summary line; EXI_FUZZ_SEED replays a reported seed,
# and failing inputs are saved under $LOG_DIR/fuzz-failures for Tests/FuzzReplay/exi/.
set -euo pipefail
cd "$(dirname "$0")/../.."
# 10 000 per schema: since strings are bounded in characters and serials are EXIInteger (issue 15) the
# messages are larger, and 30 000 took 360 s of the 420 s budget on a fresh CI clone.
export EXI_FUZZ_ITERATIONS="${EXI_FUZZ_ITERATIONS:-10000}"
start=$SECONDS
set +e  # keep going after a failure or a timeout: the status line below must be printed
# The test bundle `swift test` built, run directly: no lock on .build, so the extras beside this one
# (.ci/run runs the fuzzers in a lane of their own) are never held up by it.
bundle="$(swift build --show-bin-path)/ChargeKitPackageTests.xctest"
[ -x "$bundle" ] || swift build --build-tests >/dev/null
NO_COLOR=1 timeout "${EXI_FUZZ_TIMEOUT:-600}" "$bundle" --testing-library swift-testing --filter 'FuzzTests|BadInputTests' 2>&1 | grep -E 'fuzz [a-z0-9-]+: seed [0-9]+,|garbage|Test run|✘|error' | tail -24
status=${PIPESTATUS[0]}
set -e
[ "$status" -ne 124 ] || echo "exi-fuzz: timed out after ${EXI_FUZZ_TIMEOUT:-600} s (EXI_FUZZ_TIMEOUT)" >&2
echo "exi-fuzz: ${EXI_FUZZ_ITERATIONS} inputs per decoder, done in $((SECONDS - start)) s (status $status)"
exit "$status"

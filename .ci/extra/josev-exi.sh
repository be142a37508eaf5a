#!/usr/bin/env bash
# EXI against Josev, live (about 3 minutes on 2 cores):
#  1. Josev decodes OUR encoding of every conformance-corpus message (Tests/EXITests/Conformance) and
#     must give back the corpus JSON;
#  2. make-corpus.py re-runs Josev's codec with the committed seed and must reproduce the committed
#     corpus byte for byte (catches drift of Josev, of the generator script or of the corpus).
# The offline checks (all 188 session messages and the 556 corpus messages both ways) run in `swift test`.
# Each live check that passes prints a CK-REQUIRED-RAN josev line, which .ci/required-suites counts.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
JOSEV=../shared/tools/josev
work=$(mktemp -d /tmp/exi-josev.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

JOSEV_VENV="$JOSEV_VENV" bash "$JOSEV/setup.sh" > "$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 1; }

# 1. our bytes -> Josev's decoder
EXI_EXPORT_FILE="$work/ours.jsonl" swift test --filter JosevCheckExport > "$work/export.log" 2>&1 \
  || { tail -30 "$work/export.log"; exit 1; }
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(json.dumps({"schema": d["schema"], "hex": d["hex"], "line": d["line"]}))
' "$work/ours.jsonl" | "$JOSEV_VENV/bin/python" "$JOSEV/exi-ref.py" batch > "$work/josev-decoded.jsonl" 2> "$work/batch.err" || true
python3 - "$work/josev-decoded.jsonl" Tests/EXITests/Conformance/corpus.jsonl <<'PY'
import json, sys
def same(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b or a.upper() == b.upper()
    return a == b and type(a) is type(b)
corpus = [json.loads(l) for l in open(sys.argv[2])]
passed = failed = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    want = corpus[int(d["line"]) - 1]
    if "json" in d and same(d["json"], want["json"]):
        passed += 1
    else:
        failed += 1
        print(f"FAIL line {d['line']} {want['schema']} {want['message']} {want['variant']}: {d.get('error', 'JSON differs')[:200]}")
print(f"exi-josev: Josev decoded our encodings: {passed} passed, {failed} failed")
ok = not failed and passed == len(corpus)
if ok:
    print(f"CK-REQUIRED-RAN josev josev-decodes-our-encodings ({passed} messages)")
sys.exit(0 if ok else 1)
PY

# 2. the corpus is reproducible from Josev
JOSEV_VENV="$JOSEV_VENV" python3 Tests/EXITests/Conformance/make-corpus.py --out "$work/corpus.jsonl" 2> "$work/make.log" \
  || { cat "$work/make.log"; exit 1; }
if cmp -s "$work/corpus.jsonl" Tests/EXITests/Conformance/corpus.jsonl; then
  echo "exi-josev: make-corpus.py reproduces the committed corpus ($(wc -l < "$work/corpus.jsonl") messages)"
  echo "CK-REQUIRED-RAN josev make-corpus-reproduces ($(wc -l < "$work/corpus.jsonl") messages)"
else
  echo "exi-josev: make-corpus.py output differs from Tests/EXITests/Conformance/corpus.jsonl" >&2
  diff <(cut -c1-200 "$work/corpus.jsonl") <(cut -c1-200 Tests/EXITests/Conformance/corpus.jsonl) | head -20 >&2
  exit 1
fi
echo "exi-josev: done in $((SECONDS - start)) s"

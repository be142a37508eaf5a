#!/usr/bin/env bash
# EXI codec speed: ours (ordo-one/benchmark, release build, Benchmarks/) beside Josev's codec
# (exi-ref.py bench) on the same messages, in one run. Not a pass/fail check (timings are never
# asserted); mallocs per message are reported by the benchmark (target 0). Takes ~8-10 minutes the
# first time on 2 shared cores (release build of the codecs), ~4 minutes after (Josev: ~15 ms/call).
set -euo pipefail
cd "$(dirname "$0")/.."
export JOSEV_VENV="${JOSEV_VENV:-/var/tmp/chargekit-josev-venv}"
JOSEV=../shared/tools/josev
work=$(mktemp -d /tmp/exi-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "=== ours (p50 wall clock per message, mallocs per message; release build)"
swift package --package-path Benchmarks benchmark --target EXIBenchmarks --no-progress > "$work/ours.log" 2>&1 || { tail -40 "$work/ours.log"; exit 1; }
python3 - "$work/ours.log" <<'PY'
import re, sys
name, out = None, {}
for line in open(sys.argv[1]):
    l = line.strip()
    if re.fullmatch(r"[A-Za-z0-9_]+_(encode|decode|decodeInto)", l):
        name = l
        continue
    if name and ("wall clock" in l or "Malloc (total)" in l):
        cells = [c.strip() for c in l.split("\u2502") if c.strip()]
        out.setdefault(name, {})["ns" if "wall" in l else "mallocs"] = cells[3]
for k, v in out.items():
    print(f"{k:36s} {v.get('ns', '?'):>7s} ns   mallocs {v.get('mallocs', '?')}")
PY

echo "=== Josev (ExificientEXICodec through py4j, warm; ms per message)"
JOSEV_VENV="$JOSEV_VENV" bash "$JOSEV/setup.sh" > "$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 1; }
python3 - "$work" <<'PY'
import json, sys
pick = [("din-session.jsonl", "din", "CurrentDemandReq"), ("din-session.jsonl", "din", "CurrentDemandRes"),
        ("iso2-dc-session.jsonl", "iso2", "CurrentDemandReq"), ("iso2-dc-session.jsonl", "iso2", "CurrentDemandRes"),
        ("iso20-dc-session.jsonl", "iso20-dc", "DC_ChargeLoopReq"), ("iso20-dc-session.jsonl", "iso20-dc", "DC_ChargeLoopRes"),
        ("iso2-dc-session.jsonl", "iso2", "SessionSetupReq"), ("iso20-dc-session.jsonl", "iso20-common", "SessionSetupReq")]
for f, schema, msg in pick:
    for line in open("../shared/tools/josev/samples/corpus/" + f):
        d = json.loads(line)
        if d["message"] == msg:
            json.dump(d["json"], open(f"{sys.argv[1]}/{schema}_{msg}.json", "w"))
            break
PY
printf '%-28s %14s %14s\n' message "encode median" "decode median"
for f in "$work"/*_*.json; do
  name=$(basename "$f" .json); schema=${name%%_*}
  "$JOSEV_VENV/bin/python" "$JOSEV/exi-ref.py" bench --schema "$schema" --json "$f" -n "${JOSEV_N:-200}" --warmup "${JOSEV_WARMUP:-200}" \
    > "$work/$name.bench" 2>/dev/null
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%-28s %11.3f ms %11.3f ms" % (sys.argv[2], d["encode"]["median_ms"], d["decode"]["median_ms"]))' "$work/$name.bench" "$name"
done

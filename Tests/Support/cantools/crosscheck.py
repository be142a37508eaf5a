#!/usr/bin/env python3
"""Our half of the ADVANTICS codec cross-check: cantools (an independent CAN database codec) loads a
vendor KCD/DBC from ../shared/specs/data and answers for the Swift tests.

  crosscheck.py check DB IN.jsonl OUT.jsonl
      IN: one frame per line, {"name", "id" (base ID), "data" (hex), "values" {signal: physical}} as our
      codec encoded it. OUT: per line, cantools' decoding of those bytes ("decoded") and cantools'
      encoding of those values ("encoded", hex), the signals its message lacks ("missing": an older
      revision), or "skip" when the database has no such message or another length.
  crosscheck.py random DB SEED COUNT OUT.jsonl
      COUNT frames cantools encodes from random and boundary values of its own (seeded), for our
      codec to decode: {"name", "id", "data", "values"}.
"""
import json, random, sys
import cantools

def load(path):
    return cantools.database.load_file(path, strict=False)

def check(db_path, inp, out):
    db = load(db_path)
    with open(inp) as f, open(out, "w") as o:
        for line in f:
            case = json.loads(line)
            try:
                m = db.get_message_by_name(case["name"])
            except KeyError:
                o.write(json.dumps({"skip": "no such message"}) + "\n")
                continue
            data = bytes.fromhex(case["data"])
            if m.length != len(data):
                o.write(json.dumps({"skip": "length %d here" % m.length}) + "\n")
                continue
            decoded = m.decode(data, decode_choices=False, scaling=True)
            values = {s.name: 0 for s in m.signals}
            values.update({k: v for k, v in case["values"].items() if k in values})
            encoded = m.encode(values, scaling=True, strict=False, padding=False)
            missing = sorted(k for k in case["values"] if k not in values)
            o.write(json.dumps({"decoded": {k: float(v) for k, v in decoded.items()}, "encoded": encoded.hex(),
                                "missing": missing}) + "\n")

def physical(s, raw):
    return raw * s.scale + s.offset

def random_frames(db_path, seed, count, out):
    db = load(db_path)
    rng = random.Random(seed)
    messages = list(db.messages)
    with open(out, "w") as o:
        for n in range(count):
            m = messages[n % len(messages)]
            values = {}
            for s in m.signals:
                if s.name.startswith("Reserved"):
                    values[s.name] = 0
                    continue
                lo = -(1 << (s.length - 1)) if s.is_signed else 0
                hi = (1 << (s.length - 1)) - 1 if s.is_signed else (1 << s.length) - 1
                if s.choices:
                    raw = rng.choice(sorted(int(k) for k in s.choices))
                else:
                    if s.minimum is not None:
                        lo = max(lo, int(-(-((s.minimum - s.offset) / s.scale) // 1)))
                    if s.maximum is not None:
                        hi = min(hi, int(((s.maximum - s.offset) / s.scale) // 1))
                    pick = rng.random()
                    raw = lo if pick < 0.15 else hi if pick < 0.3 else (0 if lo <= 0 <= hi and pick < 0.4 else rng.randint(lo, hi))
                values[s.name] = physical(s, raw)
            data = m.encode(values, scaling=True, strict=False, padding=False)
            o.write(json.dumps({"name": m.name, "id": m.frame_id, "data": data.hex(),
                                "values": {k: float(v) for k, v in values.items() if not k.startswith("Reserved")}}) + "\n")

if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "random":
        random_frames(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: crosscheck.py check DB IN OUT | random DB SEED COUNT OUT")

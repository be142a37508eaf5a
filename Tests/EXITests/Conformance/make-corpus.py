#!/usr/bin/env python3
"""make-corpus.py — builds the EXI conformance corpus with Josev's codec (not ours).

For every message type of the SAP, DIN 70121, ISO 15118-2 and ISO 15118-20 (common + DC) schemas it
writes several instances straight from the XSDs (../shared/schemas): only required parts with minimum
values, every optional part with maximum values and lists as long as the schema allows (up to our
documented caps, Sources/*/Generated/Capacities.swift), and seeded random mixes that walk through choices,
substitution groups and enumeration values. Josev's EXI codec (EXICodec.jar through
../shared/tools/josev/exi-ref.py batch, one JVM) encodes each instance; its own decode of those bytes is the
JSON we keep. corpus.jsonl then holds {"schema", "message", "variant", "json", "exi"} per line, and the
Swift tests check that our decoder gives that JSON and our encoder gives those bytes.

Regenerate (needs Java 17 and Josev's venv, see ../shared/tools/josev/README.md):
    JOSEV_VENV=/var/tmp/josev-venv ../shared/tools/josev/setup.sh
    JOSEV_VENV=/var/tmp/josev-venv Tests/EXITests/Conformance/make-corpus.py
Deterministic for a given seed (--seed, default 15118).
"""
import argparse
import base64
import json
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
SCHEMAS = os.path.join(SHARED, "schemas")
XS = "{http://www.w3.org/2001/XMLSchema}"

# our documented caps (Sources/EXIGenerator/Families.swift), so "max" instances stay within them
NAMED_CAPS = {
    "din": {"PMaxScheduleEntry": 24, "SalesTariffEntry": 24, "ProfileEntry": 24, "SAScheduleTuple": 3,
            "ConsumptionCost": 3, "Cost": 3, "Parameter": 16, "ParameterSet": 8, "Service": 8,
            "SelectedService": 16, "Certificate": 4, "RootCertificateID": 20, "PaymentOption": 2},
    "iso2": {"ParameterSet": 8},
    "iso20": {"ProviderID": 16, "PriceRuleStack": 8, "EVPriceRuleStack": 8, "ParameterSet": 8, "Parameter": 16},
    "app": {},
}
XMLDSIG_CAPS = {"Reference": 4, "Transform": 2, "Object": 1}
# xmldsig parts V2G does not use (ISO 15118-2 §7.9.2.4: SignedInfo + SignatureValue); Josev's jar cannot
# marshal KeyInfo/Object content (it needs javax.mail), so instances leave them out
XMLDSIG_UNUSED = {"KeyInfo", "Object", "HMACOutputLength", "XPath"}


class Schema:
    """Global declarations reachable from one XSD file (imports followed)."""

    def __init__(self, path):
        self.elements, self.ctypes, self.stypes, self.ns_of = {}, {}, {}, {}
        self.loaded = set()
        self.load(path)
        self.subst = {}
        for q, e in self.elements.items():
            head = self.qref(e, e.get("substitutionGroup"))
            if head:
                self.subst.setdefault(head, []).append(q)

    def load(self, path):
        path = os.path.normpath(path)
        if not os.path.exists(path):
            path = os.path.join(os.path.dirname(os.path.dirname(path)), os.path.basename(path))
        if path in self.loaded:
            return
        self.loaded.add(path)
        nsmap = {}
        for _, (prefix, uri) in ET.iterparse(path, events=["start-ns"]):
            nsmap.setdefault(prefix, uri)
        root = ET.parse(path).getroot()
        tns = root.get("targetNamespace", "")
        for node in root.iter():
            node.attrib["__tns"] = tns
            node.attrib["__ns"] = json.dumps(nsmap)
            node.attrib["__qual"] = root.get("elementFormDefault", "unqualified")
        for c in root:
            name = c.get("name")
            if c.tag == XS + "element":
                self.elements[(tns, name)] = c
            elif c.tag == XS + "complexType":
                self.ctypes[(tns, name)] = c
            elif c.tag == XS + "simpleType":
                self.stypes[(tns, name)] = c
            elif c.tag in (XS + "import", XS + "include") and c.get("schemaLocation"):
                self.load(os.path.join(os.path.dirname(path), c.get("schemaLocation")))

    def qref(self, node, text):
        if not text:
            return None
        ns = json.loads(node.get("__ns"))
        if ":" in text:
            p, l = text.split(":", 1)
            return (ns.get(p, ""), l)
        return (ns.get("", ""), text)


class Gen:
    def __init__(self, schema, family, mode, rng):
        self.s, self.family, self.mode, self.rng = schema, family, mode, rng
        self.depth = 0

    # ---- simple values
    def facets(self, tq, inline=None):
        chain, base = [], None
        node = inline
        q = tq
        while True:
            if node is None:
                if q[0] == "http://www.w3.org/2001/XMLSchema":
                    base = q[1]
                    break
                node = self.s.stypes[q]
            r = node.find(XS + "restriction")
            chain.append(r)
            inner = r.find(XS + "simpleType")
            if inner is not None:
                node = inner
                continue
            q = self.s.qref(r, r.get("base"))
            node = None
        f = {"enum": [], "min": None, "max": None, "minLength": 0, "maxLength": None}
        for r in reversed(chain):
            en = [e.get("value") for e in r.findall(XS + "enumeration")]
            if en:
                f["enum"] = en
            for k, tag in (("min", "minInclusive"), ("max", "maxInclusive")):
                e = r.find(XS + tag)
                if e is not None:
                    f[k] = int(e.get("value"))
            e = r.find(XS + "length")
            if e is not None:
                f["minLength"] = f["maxLength"] = int(e.get("value"))
            e = r.find(XS + "minLength")
            if e is not None:
                f["minLength"] = int(e.get("value"))
            e = r.find(XS + "maxLength")
            if e is not None:
                f["maxLength"] = int(e.get("value"))
        return base, f

    RANGES = {"byte": (-128, 127), "short": (-32768, 32767), "int": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1),
              "unsignedByte": (0, 255), "unsignedShort": (0, 65535), "unsignedInt": (0, 2**32 - 1),
              "unsignedLong": (0, 2**64 - 1), "integer": (-2**63, 2**63 - 1), "nonNegativeInteger": (0, 2**63 - 1),
              "positiveInteger": (1, 2**63 - 1)}

    def simple(self, tq, inline=None, name=""):
        base, f = self.facets(tq, inline) if (inline is not None or tq[0] != "http://www.w3.org/2001/XMLSchema") \
            else (tq[1], {"enum": [], "min": None, "max": None, "minLength": 0, "maxLength": None})
        if f["enum"]:
            if self.mode == "min":
                return f["enum"][0]
            if self.mode == "max":
                return f["enum"][-1]
            return self.rng.choice(f["enum"])
        if base == "boolean":
            return self.mode == "max" or (self.mode == "random" and self.rng.random() < 0.5)
        if base in self.RANGES:
            lo, hi = self.RANGES[base]
            lo = f["min"] if f["min"] is not None else lo
            hi = f["max"] if f["max"] is not None else hi
            if self.mode == "min":
                return lo
            if self.mode == "max":
                return hi
            # realistic small values most of the time
            a, b = max(lo, -1000), min(hi, 100000)
            return self.rng.randint(a, b) if (a <= b and self.rng.random() < 0.8) else self.rng.randint(lo, hi)
        if base in ("hexBinary", "base64Binary"):
            cap = f["maxLength"] or {"X509Certificate": 1024, "SignatureValue": 144, "DigestValue": 64}.get(name, 256)
            n = {"min": max(f["minLength"], 1 if f["maxLength"] is None else f["minLength"]), "max": cap}.get(
                self.mode, self.rng.randint(max(f["minLength"], 1), max(f["minLength"], 1, min(cap, 64))))
            n = max(n, f["minLength"])
            data = bytes(self.rng.randrange(256) for _ in range(n))
            return base64.b64encode(data).decode() if base == "base64Binary" else data.hex().upper()
        if base in ("string", "anyURI", "ID", "IDREF", "NCName", "token"):
            cap = f["maxLength"] or 64
            if base in ("ID", "IDREF", "NCName"):
                n = max(f["minLength"], 2)
                n = {"max": min(cap, 40)}.get(self.mode, n + (self.rng.randint(0, 6) if self.mode == "random" else 0))
                return "id" + "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n - 2))
            if self.mode == "min":
                n = max(f["minLength"], 1)
            elif self.mode == "max":
                n = cap
            else:
                n = self.rng.randint(max(f["minLength"], 1), max(f["minLength"], 1, min(cap, 24)))
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:."
            if base == "anyURI":
                prefix = "urn:x:"
                return (prefix + "".join(self.rng.choice(alphabet) for _ in range(max(0, n - len(prefix)))))[:n] if n >= len(prefix) else "u" * n
            return "".join(self.rng.choice(alphabet) for _ in range(n))
        raise ValueError(f"unsupported simple type {base}")

    # ---- complex values
    def cap(self, name, owner_max):
        caps = NAMED_CAPS[self.family]
        if name in XMLDSIG_CAPS:
            c = XMLDSIG_CAPS[name]
        elif name in caps:
            c = caps[name]
        elif owner_max is None:
            c = 8
        elif owner_max > 64:
            c = 24
        else:
            c = owner_max
        return min(c, owner_max) if owner_max is not None else c

    def count(self, node, name):
        mn = int(node.get("minOccurs", "1"))
        mx = node.get("maxOccurs", "1")
        mx = None if mx == "unbounded" else int(mx)
        limit = self.cap(name, mx) if (mx is None or mx > 1) else 1
        if self.depth > 6:
            return mn
        if self.mode == "min":
            return mn
        if self.mode == "max":
            return limit if limit <= 24 else 24
        if mx == 1:
            return mn if mn == 1 else self.rng.randint(0, 1)
        return self.rng.randint(mn, min(limit, mn + 3))

    def element_value(self, decl):
        tq = self.s.qref(decl, decl.get("type"))
        ct = decl.find(XS + "complexType")
        st = decl.find(XS + "simpleType")
        if ct is not None:
            return self.complex(ct)
        if st is not None:
            return self.simple(None, st, decl.get("name"))
        if tq in self.s.ctypes:
            return self.complex(self.s.ctypes[tq])
        return self.simple(tq, None, decl.get("name"))

    def complex(self, ct, out=None):
        out = {} if out is None else out
        self.depth += 1
        cc = ct.find(XS + "complexContent")
        sc = ct.find(XS + "simpleContent")
        body = ct
        if cc is not None:
            ext = cc.find(XS + "extension")
            base = self.s.qref(ext, ext.get("base"))
            if base in self.s.ctypes:
                self.complex(self.s.ctypes[base], out)
            body = ext
        elif sc is not None:
            ext = sc.find(XS + "extension")
            base = self.s.qref(ext, ext.get("base"))
            if base in self.s.ctypes:
                self.complex(self.s.ctypes[base], out)
            else:
                value = self.simple(base, None, "value")
                if value == "":  # our decoder does not take an empty value after attributes (2nd-level EE)
                    value = "AA==" if base[1] in ("base64Binary", "privateKeyType", "dHpublickeyType") else "x"
            body = ext
        for a in body.findall(XS + "attribute"):
            if a.get("use") == "required" or self.mode == "max" or (self.mode == "random" and self.rng.random() < 0.5):
                out[a.get("name")] = self.simple(self.s.qref(a, a.get("type")), a.find(XS + "simpleType"), a.get("name"))
        if sc is not None and "value" in locals():
            out["value"] = value  # after the attributes: the jar loses a "value" that comes first
        for p in body:
            if p.tag in (XS + "sequence", XS + "choice"):
                self.particle(p, out)
        self.depth -= 1
        return out

    def particle(self, p, out):
        if p.tag == XS + "sequence":
            n = self.count(p, "") if p.get("maxOccurs") or p.get("minOccurs") else 1
            for _ in range(n):
                for c in p:
                    self.particle(c, out)
        elif p.tag == XS + "choice":
            n = self.count(p, "") if p.get("maxOccurs") or p.get("minOccurs") else 1
            alts = [c for c in p if c.tag in (XS + "element", XS + "sequence")]
            for _ in range(n):
                alt = alts[0] if self.mode == "min" else (alts[-1] if self.mode == "max" else self.rng.choice(alts))
                self.particle(alt, out)
        elif p.tag == XS + "element":
            ref = self.s.qref(p, p.get("ref"))
            decl = self.s.elements[ref] if ref else p
            name = decl.get("name")
            if name in XMLDSIG_UNUSED or (self.family == "din" and name == "Signature"):
                return  # DIN: Josev's DIN grammar cannot marshal xmldsig base64 (javax.mail missing)
            n = self.count(p, name)
            members = [ref] if ref else []
            if ref and ref in self.s.subst:
                members = sorted(self.all_members(ref))
            mx = p.get("maxOccurs", "1")
            repeated = mx == "unbounded" or int(mx) > 1
            for _ in range(n):
                if ref and ref in self.s.subst:
                    m = members[0] if self.mode == "min" else (members[-1] if self.mode == "max" else self.rng.choice(members))
                    key, val = m[1], self.element_value(self.s.elements[m])
                else:
                    key, val = name, self.element_value(decl)
                if repeated:
                    out.setdefault(key, []).append(val)
                else:
                    out[key] = val

    def all_members(self, head):
        out = []
        for m in self.s.subst.get(head, []):
            if self.s.elements[m].get("abstract") != "true":
                out.append(m)
            out += self.all_members(m)
        return out


DOCS = [
    ("app", "V2G_CI_AppProtocol.xsd", "urn:iso:15118:2:2010:AppProtocol", "app"),
    ("din", "din_spec/V2G_CI_MsgDef.xsd", "urn:din:70121:2012:MsgBody", "din"),
    ("iso2", "iso15118_2/V2G_CI_MsgDef.xsd", "urn:iso:15118:2:2013:MsgBody", "iso2"),
    ("iso20-common", "iso15118_20/V2G_CI_CommonMessages.xsd", "urn:iso:std:iso:15118:-20:CommonMessages", "iso20"),
    ("iso20-dc", "iso15118_20/V2G_CI_DC.xsd", "urn:iso:std:iso:15118:-20:DC", "iso20"),
]


def instances(seed, randoms):
    rng = random.Random(seed)
    for cli, path, ns, family in DOCS:
        s = Schema(os.path.join(SCHEMAS, path))
        if cli in ("din", "iso2"):
            body_ns = ns
            messages = sorted(q for q, e in s.elements.items()
                              if q[0] == body_ns and e.get("abstract") != "true" and e.get("substitutionGroup"))
        else:
            messages = sorted(q for q, e in s.elements.items() if q[0] == ns and e.get("abstract") != "true")
        for q in messages:
            for variant in ["min", "max"] + [f"random{i}" for i in range(randoms)]:
                mode = variant if variant in ("min", "max") else "random"
                g = Gen(s, family, mode, random.Random(rng.random()))
                body = g.element_value(s.elements[q])
                if cli in ("din", "iso2"):
                    hdr = {"SessionID": "00" if mode == "min" else "".join(g.rng.choice("0123456789ABCDEF") for _ in range(16))}
                    if mode == "max":
                        hdr = g.complex(s.ctypes[(ns.replace("MsgBody", "MsgHeader"), "MessageHeaderType")])
                    msg = {"V2G_Message": {"Header": hdr, "Body": {q[1]: body}}}
                else:
                    msg = {q[1]: body}
                yield {"schema": cli, "message": q[1], "variant": variant, "json": msg}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=15118)
    ap.add_argument("--randoms", type=int, default=3, help="random instances per message type")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus.jsonl"))
    ap.add_argument("--verbose", action="store_true", help="list the instances Josev refuses")
    a = ap.parse_args()
    venv = os.environ.get("JOSEV_VENV", "/var/tmp/josev-venv")
    exiref = os.path.join(SHARED, "tools", "josev", "exi-ref.py")
    items = list(instances(a.seed, a.randoms))
    # 1) Josev encodes
    enc = run_batch(venv, exiref, [{"schema": i["schema"], "json": i["json"]} for i in items])
    # 2) Josev decodes its own bytes: that JSON is the reference (the jar drops what it does not know)
    ok = [(i, e) for i, e in zip(items, enc) if "exi" in e]
    dec = run_batch(venv, exiref, [{"schema": i["schema"], "hex": e["exi"]} for i, e in ok])
    kept = skipped = mismatched = 0
    with open(a.out, "w") as f:
        for (i, e), d in zip(ok, dec):
            if "json" not in d:
                skipped += 1
                continue
            if not same(i["json"], d["json"]):
                # the jar dropped or changed something on the way (its own decode differs from the input)
                mismatched += 1
                if a.verbose:
                    print(f"  Josev changed {i['schema']} {i['message']} {i['variant']}", file=sys.stderr)
                continue
            f.write(json.dumps({"schema": i["schema"], "message": i["message"], "variant": i["variant"],
                                "json": d["json"], "exi": e["exi"]}) + "\n")
            kept += 1
    failed = len(items) - len(ok)
    if a.verbose:
        for i, e in zip(items, enc):
            if "exi" not in e:
                print(f"  Josev refused {i['schema']} {i['message']} {i['variant']}: {e.get('error', '')[:160]}", file=sys.stderr)
    print(f"make-corpus: {kept} messages written to {os.path.relpath(a.out, ROOT)} "
          f"({failed} instances Josev could not encode, {skipped} it could not decode, "
          f"{mismatched} it did not round-trip)", file=sys.stderr)


def same(a, b):
    """JSON equality as exi-ref.py checks it (hexBinary comes back upper case)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b or a.upper() == b.upper()
    return a == b and type(a) is type(b)


def run_batch(venv, exiref, requests):
    p = subprocess.run([os.path.join(venv, "bin", "python"), exiref, "batch"],
                       input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True, text=True)
    out = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    if len(out) != len(requests):
        sys.exit(f"make-corpus: exi-ref.py batch returned {len(out)} of {len(requests)} lines: {p.stderr[-2000:]}")
    return out


if __name__ == "__main__":
    main()

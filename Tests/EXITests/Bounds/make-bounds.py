#!/usr/bin/env python3
"""make-bounds.py — messages at every bound of the schemas (issue 15), made with Josev's codec (not ours).

Takes the "max" instance of a message from the conformance corpus (../Conformance/corpus.jsonl, itself made by
Josev's codec from the XSDs), drops the header's xmldsig Signature (to keep the vectors small), and pushes one
part to the schema's bound:
  - X509SerialNumber of 20 octets (RFC 5280 §4.1.2.2's longest), longer ones up to our 32-octet bound, negative;
  - strings of maxLength non-ASCII characters (2-, 3- and 4-byte UTF-8);
  - lists at maxOccurs (PMax schedule and sales tariff entries, ISO-20 power schedule/profile entries, price rule
    stacks, providers, parameter sets, root certificate IDs).
Josev's EXICodec.jar (../shared/tools/josev/exi-ref.py batch, one JVM) encodes each instance; its own decode of
those bytes is the JSON kept. bounds.jsonl holds {"schema", "message", "bound", "json", "exi"} per line; the Swift
tests (BoundsTests) check that our decoder gives that JSON and our encoder gives those bytes, lists at the schema's
maxOccurs included (beyond their inline part they go to the list arena; Sources/EXIGenerator/README.md, Bounds).

Regenerate (needs Java 17 and Josev's venv, see ../shared/tools/josev/README.md):
    JOSEV_VENV=/var/tmp/chargekit-josev-venv Tests/EXITests/Bounds/make-bounds.py
Deterministic: no randomness.
"""
import copy
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
JOSEV = os.path.normpath(os.path.join(ROOT, "..", "shared", "tools", "josev"))
VENV = os.environ.get("JOSEV_VENV", os.path.join(JOSEV, ".venv"))

corpus = {}
for line in open(os.path.join(HERE, "..", "Conformance", "corpus.jsonl")):
    d = json.loads(line)
    if d["variant"] == "max":
        corpus[(d["schema"], d["message"])] = d["json"]


def template(schema, message):
    j = copy.deepcopy(corpus[(schema, message)])
    root = j["V2G_Message"] if "V2G_Message" in j else next(iter(j.values()))
    root["Header"].pop("Signature", None)
    return j


def find(node, key):
    """The first object (depth first, member order) that has `key`."""
    if isinstance(node, dict):
        if key in node:
            return node
        for v in node.values():
            r = find(v, key)
            if r is not None:
                return r
    elif isinstance(node, list):
        for v in node:
            r = find(v, key)
            if r is not None:
                return r
    return None


def trim(node):
    """Every list inside `node` down to its first item (keeps the vectors small: one list at a time is at
    its bound)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                node[k] = [v[0]]
            trim(node[k])
    elif isinstance(node, list):
        for v in node:
            trim(v)
    return node


def repeat(j, key, n):
    """The list `key` (first one found) at `n` items, copies of its first item with inner lists trimmed."""
    owner = find(j, key)
    assert owner is not None, key
    items = owner[key] if isinstance(owner[key], list) else [owner[key]]
    first = trim(copy.deepcopy(items[0]))
    owner[key] = [copy.deepcopy(first) for _ in range(n)]
    return owner[key]


SERIALS = [
    2 ** 160 - 1,            # 20 octets, all ones: the longest RFC 5280 serial
    2 ** 159 + 12345,        # 20 octets
    2 ** 200 + 1,            # 26 octets: longer than RFC 5280 allows, still valid xs:integer
    2 ** 256 - 1,            # 32 octets: our bound
    -(2 ** 160),             # negative (invalid in X.509, valid xs:integer)
    0,
]
# 160 characters: German with an en dash and a check mark (2- and 3-byte UTF-8), and astral ones (4 bytes)
GERMAN = ("Ladevorgang beendet – Akku voll ✓ Grüße aus Überlingen, äöüß " * 4)[:160]
ASTRAL = ("Ende 🔋⚡️✓ ä " * 20)[:160]


def vectors():
    out = []

    # serial numbers: ISO-2 and ISO-20 CertificateInstallationReq (ListOfRootCertificateIDs, maxOccurs 20)
    for schema in ("iso2", "iso20-common"):
        j = template(schema, "CertificateInstallationReq")
        ids = repeat(j, "RootCertificateID", 20)
        for i, item in enumerate(ids):
            item["X509SerialNumber"] = SERIALS[i % len(SERIALS)]
        out.append((schema, "CertificateInstallationReq", "20 root certificate IDs, serials of 20 to 32 octets", j))
    j = template("iso2", "CertificateInstallationReq")
    find(j, "X509SerialNumber")["X509SerialNumber"] = 2 ** 160 - 1
    out.append(("iso2", "CertificateInstallationReq", "one 20-octet serial", j))

    # strings of maxLength characters beyond ASCII
    for text, what in ((GERMAN, "German"), (ASTRAL, "astral")):
        j = template("iso20-common", "SessionStopReq")
        find(j, "EVTerminationExplanation")["EVTerminationExplanation"] = text
        assert len(text) == 160
        out.append(("iso20-common", "SessionStopReq", f"EVTerminationExplanation of 160 {what} characters", j))

    # lists at maxOccurs, at the inline part of our storage, and one past it (the examples: 25 PMax,
    # 25 sales tariff, 25 power profile entries, 17 providers, 9 parameter sets, 9 price rule stacks); items
    # beyond the inline part go to the list arena (Sources/EXIGenerator/README.md, Bounds)
    for n, note in ((1024, "schema bound"), (25, "one past the inline part"), (24, "inline part")):
        j = template("iso2", "ChargeParameterDiscoveryRes")
        for t in repeat(j, "SAScheduleTuple", 3):
            repeat(t, "PMaxScheduleEntry", n)
            if find(t, "SalesTariffEntry") is not None:
                repeat(t, "SalesTariffEntry", n)
        out.append(("iso2", "ChargeParameterDiscoveryRes", f"3 tuples of {n} PMax and {n} sales tariff entries ({note})", j))

    for n, note in ((255, "schema bound"), (9, "one past the inline part"), (8, "inline part")):
        j = template("iso2", "ServiceDetailRes")
        repeat(j, "ParameterSet", n)
        out.append(("iso2", "ServiceDetailRes", f"{n} parameter sets ({note})", j))

    for sets, params, note in ((32, 32, "schema bound"), (9, 17, "one past the inline part"), (8, 16, "inline part")):
        j = template("iso20-common", "ServiceDetailRes")
        for s in repeat(j, "ParameterSet", sets):
            repeat(s, "Parameter", params)
        out.append(("iso20-common", "ServiceDetailRes", f"{sets} parameter sets of {params} parameters ({note})", j))

    for n, note in ((128, "schema bound"), (17, "one past the inline part"), (16, "inline part")):
        j = template("iso20-common", "AuthorizationSetupRes")
        repeat(j, "ProviderID", n)
        out.append(("iso20-common", "AuthorizationSetupRes", f"{n} providers ({note})", j))

    for n, note in ((2048, "schema bound"), (25, "one past the inline part"), (24, "inline part")):
        j = template("iso20-common", "PowerDeliveryReq")
        repeat(j, "EVPowerProfileEntry", n)
        out.append(("iso20-common", "PowerDeliveryReq", f"{n} power profile entries ({note})", j))

    for entries, stacks, note in ((1024, 1024, "schema bound"), (25, 9, "one past the inline part"), (24, 8, "inline part")):
        j = template("iso20-common", "ScheduleExchangeRes")
        for t in repeat(j, "ScheduleTuple", 3):
            repeat(t, "PowerScheduleEntry", entries)
            if find(t, "PriceRuleStack") is not None:
                repeat(t, "PriceRuleStack", stacks)
            if find(t, "PriceLevelScheduleEntry") is not None:
                repeat(t, "PriceLevelScheduleEntry", entries)
        out.append(("iso20-common", "ScheduleExchangeRes",
                    f"3 tuples of {entries} power schedule entries and {stacks} price rule stacks ({note})", j))

        j = template("iso20-common", "ScheduleExchangeReq")
        if find(j, "EVPowerScheduleEntry") is not None:
            repeat(j, "EVPowerScheduleEntry", entries)
        if find(j, "EVPriceRuleStack") is not None:
            repeat(j, "EVPriceRuleStack", stacks)
        out.append(("iso20-common", "ScheduleExchangeReq",
                    f"{entries} EV power schedule entries and {stacks} EV price rule stacks ({note})", j))
    # DIN SPEC 70121 leaves ProfileEntry unbounded; we hold 24 (generator README, Bounds): a valid request beyond
    # that is a typed capacityExceeded, which the SECC answers FAILED (SECCBeyondBoundTests)
    j = template("din", "PowerDeliveryReq")
    repeat(j, "ProfileEntry", 25)
    out.append(("din", "PowerDeliveryReq", "25 profile entries (beyond our cap: the schema is unbounded)", j))
    return out


def main():
    items = vectors()
    lines = "".join(json.dumps({"schema": s, "json": j}) + "\n" for s, _, _, j in items)
    ref = subprocess.run([os.path.join(VENV, "bin", "python"), os.path.join(JOSEV, "exi-ref.py"), "batch"],
                         input=lines, capture_output=True, text=True, check=False)
    encoded = [json.loads(l) for l in ref.stdout.splitlines() if l.strip()]
    assert len(encoded) == len(items), ref.stderr[-2000:]
    if len(encoded) != len(items):
        sys.exit(ref.stderr[-2000:])
    back_in = "".join(json.dumps({"schema": e["schema"], "hex": e["exi"]}) + "\n" for e in encoded if "exi" in e)
    ref2 = subprocess.run([os.path.join(VENV, "bin", "python"), os.path.join(JOSEV, "exi-ref.py"), "batch"],
                          input=back_in, capture_output=True, text=True, check=False)
    decoded = iter(json.loads(l) for l in ref2.stdout.splitlines() if l.strip())
    with open(os.path.join(HERE, "bounds.jsonl"), "w") as f:
        for (schema, message, bound, _), e in zip(items, encoded):
            if "exi" not in e:
                print(f"Josev cannot encode {schema} {message} ({bound}): {e.get('error', '?')[:300]}", file=sys.stderr)
                continue
            d = next(decoded)
            if "json" not in d:
                print(f"Josev cannot decode its own {schema} {message} ({bound})", file=sys.stderr)
                continue
            f.write(json.dumps({"schema": schema, "message": message, "bound": bound, "json": d["json"],
                                "exi": e["exi"]}, ensure_ascii=False, separators=(",", ":")) + "\n")
            print(f"{schema} {message}: {bound}: {len(e['exi']) // 2} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Parses Prometheus text exposition with the PyPI prometheus_client parser (the independent peer of
HTTPAPIInteropTests): prints one line per family, `CK-METRICS family NAME TYPE SAMPLES`, and for
histograms checks the buckets are cumulative and end at +Inf equal to _count. Reads a file or a URL.
Exit 0 when the whole text parsed and every family named with --need is there."""
import argparse, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families

ap = argparse.ArgumentParser()
ap.add_argument("source")
ap.add_argument("--need", action="append", default=[])
ap.add_argument("--token")
a = ap.parse_args()
if a.source.startswith("http"):
    req = urllib.request.Request(a.source)
    if a.token:
        req.add_header("Authorization", "Bearer " + a.token)
    text = urllib.request.urlopen(req, timeout=10).read().decode()
else:
    text = open(a.source).read()
seen = {}
problems = []
for fam in text_string_to_metric_families(text):
    seen[fam.name] = fam
    print(f"CK-METRICS family {fam.name} {fam.type} {len(fam.samples)}")
    if fam.type == "histogram":
        buckets = [s for s in fam.samples if s.name.endswith("_bucket")]
        counts = [s.value for s in buckets]
        if counts != sorted(counts):
            problems.append(f"{fam.name}: buckets not cumulative {counts}")
        if not buckets or buckets[-1].labels.get("le") != "+Inf":
            problems.append(f"{fam.name}: last bucket is not +Inf")
        total = [s.value for s in fam.samples if s.name.endswith("_count")]
        if total and buckets and total[0] != buckets[-1].value:
            problems.append(f"{fam.name}: _count {total[0]} != +Inf bucket {buckets[-1].value}")
for n in a.need:
    if n not in seen:
        problems.append(f"missing family {n}")
for p in problems:
    print("CK-METRICS problem", p)
print("CK-METRICS", "ok" if not problems else "FAILED", len(seen), "families")
sys.exit(1 if problems else 0)

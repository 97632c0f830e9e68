#!/usr/bin/env python3
"""The default configuration (paths made absolute) plus the synthetic register points as the
extra file layer `bag`, for the load benchmarks: config_with_bag.py DEFAULT GPKG OUT [k=v...]
where each k=v (a JSON value) is set in `server`."""
import json
import os
import sys

src, gpkg, out = sys.argv[1:4]
base = os.path.dirname(os.path.abspath(src))
j = json.load(open(src))


def fix(s):
    if isinstance(s, dict) and "sources" in s:
        s["sources"] = [p if "://" in p or p.startswith("/") else os.path.normpath(os.path.join(base, p))
                        for p in s["sources"]]


for k in ("buurten", "wijken", "gemeente"):
    if k in j.get("boundaries", {}):
        fix(j["boundaries"][k])
if "addresses" in j:
    fix(j["addresses"])
if "store" in j:
    fix(j["store"]["source"])
    if isinstance(j["store"].get("schema"), str):
        j["store"]["schema"] = os.path.normpath(os.path.join(base, j["store"]["schema"]))
for k in ("place_aliases", "scheme"):
    if isinstance(j.get(k), str):
        j[k] = os.path.normpath(os.path.join(base, j[k]))
j.setdefault("layers", []).append({
    "id": "bag", "title": "BAG verblijfsobjecten (synthetic, 88,780)",
    "description": "Benchmark points", "source": {"sources": [os.path.abspath(gpkg)], "layer": "verblijfsobject"}})
for kv in sys.argv[4:]:
    k, v = kv.split("=", 1)
    j.setdefault("server", {})[k] = json.loads(v)
json.dump(j, open(out, "w"), indent=1)

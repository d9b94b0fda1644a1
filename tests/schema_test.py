#!/usr/bin/env python3
"""The market file against its JSON Schema (python3-jsonschema, draft 2020-12, format checks).

Checks, each a line of output:
  - the schema is itself a valid draft 2020-12 schema;
  - schemas/market.default.json and tests/data/market_small.json pass the schema and the rules
    the schema cannot express (semantic_problems below, the same rules as the C++ loader);
  - schemas/market.default.json is exactly what tools/gen_market_default.py makes from
    schemas/refdata/, and the test data is what tests/data/make_market_files.py makes;
  - every file in tests/data/market_bad/ is refused by the layer EXPECTED.tsv names (json,
    schema or semantic), and for schema cases an error points at or above the named path.
The C++ loader test (tests/gateway/market_file_test.cpp) runs the same bad files.

Usage: schema_test.py [SOURCE_DIR]
"""

import json
import os
import re
import subprocess
import sys

import jsonschema

SRC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
results = {"passed": 0, "failed": 0}


def check(ok, what, detail=""):
    results["passed" if ok else "failed"] += 1
    print(("ok    " if ok else "FAIL  ") + what + (f": {detail}" if detail and not ok else ""))


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError(f"duplicate key {dups[0]!r}")
    return dict(pairs)


def load_strict(path):
    """Parses like the C++ loader: duplicate keys are an error, not last-one-wins."""
    with open(path, encoding="utf-8") as f:
        return json.loads(f.read(), object_pairs_hook=no_duplicates)


def semantic_problems(doc):
    """The loader's rules that a JSON Schema cannot state. Assumes the schema passed."""
    problems = []
    sources = set(doc["provenance"]["sources"])

    def unique(items, path):
        seen = {}
        for i, item in enumerate(items):
            if item["id"] in seen:
                problems.append(f"{path}[{i}].id: duplicate id")
            seen.setdefault(item["id"], i)
        return seen

    def known_sources(node, path):
        for i, s in enumerate(node.get("source_ids", [])):
            if s not in sources:
                problems.append(f"{path}.source_ids[{i}]: unknown source {s}")

    regions = unique(doc["regions"], "regions")
    carriers = unique(doc["carriers"], "carriers")
    unique(doc["chips"], "chips")
    unique(doc.get("clusters", []), "clusters")
    for i, r in enumerate(doc["regions"]):
        known_sources(r["provenance"], f"regions[{i}].provenance")
    for i, c in enumerate(doc.get("clusters", [])):
        if c["hub"] not in regions:
            problems.append(f"clusters[{i}].hub: unknown region")
    for i, c in enumerate(doc["chips"]):
        known_sources(c["provenance"], f"chips[{i}].provenance")
        tick = round(float(c["tick"]) * 100)
        price = round(float(c["typical_price"]) * 100)
        if tick <= 0:
            problems.append(f"chips[{i}].tick: must be greater than 0")
        elif price <= 0 or price % tick:
            problems.append(f"chips[{i}].typical_price: must be a positive multiple of tick")
    net = doc["network"]
    if "provenance" in net:
        known_sources(net["provenance"], "network.provenance")
        for i, a in enumerate(net["provenance"].get("alternatives", [])):
            known_sources(a, f"network.provenance.alternatives[{i}]")
    pairs = {}
    for i, link in enumerate(net["links"]):
        path = f"network.links[{i}]"
        for end in ("from", "to"):
            if link[end] not in regions:
                problems.append(f"{path}.{end}: unknown region")
        if link["carrier"] not in carriers:
            problems.append(f"{path}.carrier: unknown carrier")
        pair = (link["from"], link["to"])
        if pair in pairs:
            problems.append(f"{path}: duplicate pair")
        pairs.setdefault(pair, i)
        if link["from"] == link["to"] and float(link["transfer_cny_per_gb"]) != 0:
            problems.append(f"{path}.transfer_cny_per_gb: must be 0 when from = to")
    for a in regions:
        for b in regions:
            if (a, b) not in pairs:
                problems.append(f"network.links: missing pair {a} -> {b}")
    cal = doc["calendar"]
    if cal["gate_closure_seconds"] <= cal["closing_call_seconds"]:
        problems.append("calendar.gate_closure_seconds: must be greater than closing_call")
    return problems


def json_path(error):
    """'$.regions[0].pue' for a jsonschema error (absolute_path works on every 4.x version)."""
    out = "$"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def main():
    with open(os.path.join(SRC, "schemas", "market.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        check(True, "market.schema.json is a valid draft 2020-12 schema")
    except jsonschema.SchemaError as e:
        check(False, "market.schema.json is a valid draft 2020-12 schema", e.message)
        return
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

    for rel in ("schemas/market.default.json", "tests/data/market_small.json"):
        doc = load_strict(os.path.join(SRC, rel))
        errors = [f"{json_path(e)}: {e.message}" for e in validator.iter_errors(doc)]
        check(not errors, f"{rel} passes the schema", "; ".join(errors[:3]))
        problems = semantic_problems(doc) if not errors else []
        check(not problems, f"{rel} passes the semantic rules", "; ".join(problems[:3]))

    default = load_strict(os.path.join(SRC, "schemas", "market.default.json"))
    check(len(default["regions"]) == 8 and len(default["chips"]) == 16 and
          len(default["network"]["links"]) == 64,
          "market.default.json has 8 regions, 16 chips, 64 links")

    for script in ("tools/gen_market_default.py", "tests/data/make_market_files.py"):
        run = subprocess.run([sys.executable, os.path.join(SRC, script), "--check"],
                             capture_output=True, text=True)
        check(run.returncode == 0, f"{script} --check: committed output is reproducible",
              run.stderr.strip() or run.stdout.strip())

    bad_dir = os.path.join(SRC, "tests", "data", "market_bad")
    with open(os.path.join(bad_dir, "EXPECTED.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f
                if line.strip() and not line.startswith("#")]
    listed = {row[0] for row in rows}
    on_disk = {name[:-5] for name in os.listdir(bad_dir) if name.endswith(".json")}
    check(listed == on_disk, "EXPECTED.tsv lists exactly the bad files",
          f"unlisted {sorted(on_disk - listed)}, missing {sorted(listed - on_disk)}")
    check(len(rows) >= 12, f"{len(rows)} bad market files")

    for case, layer, path, _message in rows:
        what = f"market_bad/{case}.json is refused by the {layer} layer"
        try:
            doc = load_strict(os.path.join(bad_dir, case + ".json"))
        except ValueError as e:  # json.JSONDecodeError is a ValueError too
            check(layer == "json", what, f"refused as JSON instead: {e}")
            continue
        if layer == "json":
            check(False, what, "it parsed")
            continue
        errors = list(validator.iter_errors(doc))
        if layer == "schema":
            want = "$" + ("" if not path else "." + path)
            want = re.sub(r"\.\[", "[", want)
            paths = [json_path(e) for e in errors]
            near = [p for p in paths if want == p or want.startswith(p + ".") or
                    want.startswith(p + "[")]
            check(bool(errors) and bool(near), what,
                  f"schema errors at {paths or 'none'}, expected one at or above {want}")
        else:
            problems = semantic_problems(doc) if not errors else []
            check(not errors and bool(problems), what,
                  f"schema errors {[json_path(e) for e in errors]}" if errors
                  else "no semantic rule refused it")

    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()

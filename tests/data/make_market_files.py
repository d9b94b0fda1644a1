#!/usr/bin/env python3
"""Writes the market-file test data: a small valid market and broken variants of it.

    python3 tests/data/make_market_files.py           # rewrite the files
    python3 tests/data/make_market_files.py --check   # exit 1 if the committed files differ

Outputs (committed; both tests/gateway/market_file_test.cpp and tests/schema_test.py read them):
  tests/data/market_small.json          2 regions, 2 chips, 4 links; valid
  tests/data/market_bad/<case>.json     one defect each
  tests/data/market_bad/EXPECTED.tsv    case, layer, JSON path, message: what must refuse each file
      layer  json      the JSON itself is refused (syntax, duplicate keys)
             schema    schemas/market.schema.json refuses it
             semantic  a rule the schema cannot express (unique ids, references, every pair once,
                       prices on their tick, gate closure after the closing call); the C++ loader
                       and the schema test's small re-implementation of these rules refuse it
      message  what the C++ loader's error must contain after "market file <path>: "
"""

import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "market_bad")


def tariffs(valley, flat, peak):
    # local hours: 0-7 valley, 8-10 peak, 11-17 flat, 18-20 peak, 21-23 flat
    out = []
    for h in range(24):
        out.append(valley if h < 8 else peak if 8 <= h < 11 or 18 <= h < 21 else flat)
    return out


def link(origin, dest, rtt, tariff):
    return {"from": origin, "to": dest, "rtt_ms": rtt, "transfer_cny_per_gb": tariff,
            "carrier": "backbone"}


BASE = {
    "version": 1,
    "description": "A two-region market for tests.",
    "provenance": {
        "document": "tests/data/make_market_files.py",
        "sources": {"S1": "made up for tests", "N1": "made-up model note"},
    },
    "calendar": {
        "hourly_slots": 48,
        "daily_windows": 14,
        "gate_closure_seconds": 900,
        "pre_open_seconds": 60,
        "closing_call_seconds": 300,
        "utc_offset_hours": 8,
        "delivery_grace_seconds": 900,
        "retention_seconds": 3600,
    },
    "fees": {"maker_bps": 2, "taker_bps": 5},
    "price_band_bps": 5000,
    "market_collar_bps": 1000,
    "carriers": [{"id": "backbone", "name_en": "Backbone", "name_zh": "骨干网"}],
    "regions": [
        {
            "id": "east1",
            "name_en": "East one",
            "name_zh": "东一",
            "east_west": "east",
            "pue": 1.3,
            "tariff_cny_per_kwh": tariffs("0.218", "0.484", "0.774"),
            "carbon_g_per_kwh": 600,
            "green_share": 0.3,
            "provenance": {
                "source_ids": ["S1"],
                "fields": {"pue": {"status": "estimate", "basis": "test"}},
            },
        },
        {
            "id": "west1",
            "name_en": "West one",
            "name_zh": "西一",
            "east_west": "west",
            "pue": 1.15,
            "tariff_cny_per_kwh": tariffs("0.177", "0.393", "0.630"),
            "carbon_g_per_kwh": 642,
            "green_share": 0.23,
            "provenance": {"source_ids": [], "fields": {}},
        },
    ],
    "clusters": [{"id": "c1", "hub": "east1", "name_en": "Cluster one", "name_zh": "一号集群"}],
    "chips": [
        {
            "id": "gpu1",
            "name_en": "Test GPU",
            "name_zh": "测试 GPU",
            "kind": "gpu",
            "dense_tflops": 989,
            "memory_gb": 80,
            "power_w": 700,
            "typical_price": "12.00",
            "tick": "0.01",
            "unit": "card-hour",
            "provenance": {"source_ids": ["S1"], "spec": "test", "rent": "test"},
        },
        {
            "id": "cpu1",
            "name_en": "Test vCPU",
            "name_zh": "测试虚拟CPU",
            "kind": "cpu",
            "dense_tflops": 0.04,
            "memory_gb": 4,
            "power_w": 5,
            "typical_price": "0.12",
            "tick": "0.01",
            "unit": "vCPU-hour",
            "provenance": {"source_ids": [], "spec": "test", "rent": "test"},
        },
    ],
    "network": {
        "provenance": {"source_ids": ["N1"]},
        "links": [
            link("east1", "east1", 1.0, "0.000"),
            link("east1", "west1", 38.6, "0.048"),
            link("west1", "east1", 38.6, "0.048"),
            link("west1", "west1", 1.0, "0.000"),
        ],
    },
}


def render(doc):
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def mutate(fn):
    doc = copy.deepcopy(BASE)
    fn(doc)
    return render(doc)


def setter(path, value):
    """A mutation that sets doc[path...] = value (path elements are keys or indexes)."""
    def fn(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return fn


def deleter(path):
    def fn(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return fn


def duplicate_key_text():
    # JSON with the same key twice in one object: the parsers keep one silently unless told.
    text = render(BASE)
    needle = '"power_w": 700,'
    assert text.count(needle) == 1
    return text.replace(needle, needle + '\n      "power_w": 800,')


def tariff_23(doc):
    doc["regions"][0]["tariff_cny_per_kwh"].pop()


def duplicate_pair(doc):
    doc["network"]["links"].append(copy.deepcopy(doc["network"]["links"][1]))


def price_off_tick(doc):
    doc["chips"][0]["tick"] = "0.05"
    doc["chips"][0]["typical_price"] = "12.01"


# (case, layer, JSON path, expected message after "market file <path>: ", file text)
CASES = [
    ("wrong_type_pue", "schema", "regions[1].pue",
     "regions[1].pue: must be a number in [1.0, 3.0]",
     mutate(setter(["regions", 1, "pue"], "1.15"))),
    ("negative_pue", "schema", "regions[0].pue",
     "regions[0].pue: must be a number in [1.0, 3.0]",
     mutate(setter(["regions", 0, "pue"], -1.3))),
    ("unknown_field_region", "schema", "regions[0].colour",
     "regions[0].colour: unknown field",
     mutate(setter(["regions", 0, "colour"], "red"))),
    ("unknown_field_root", "schema", "extra",
     "extra: unknown field",
     mutate(setter(["extra"], 1))),
    ("duplicate_key", "json", "chips[0].power_w",
     "chips[0].power_w: duplicate key",
     duplicate_key_text()),
    ("not_json", "json", "",
     "invalid JSON: parse error",
     render(BASE)[:200]),
    ("bad_decimal_tariff", "schema", "regions[0].tariff_cny_per_kwh[9]",
     "regions[0].tariff_cny_per_kwh[9]: must be a decimal string with at most 3 decimals, "
     "e.g. \"0.484\", got \"0.4841\"",
     mutate(setter(["regions", 0, "tariff_cny_per_kwh", 9], "0.4841"))),
    ("bad_decimal_price", "schema", "chips[0].typical_price",
     "chips[0].typical_price: must be a decimal string with at most 2 decimals",
     mutate(setter(["chips", 0, "typical_price"], "12.001"))),
    ("money_as_number", "schema", "chips[1].typical_price",
     "chips[1].typical_price: must be a decimal string",
     mutate(setter(["chips", 1, "typical_price"], 0.12))),
    ("tariff_23_hours", "schema", "regions[0].tariff_cny_per_kwh",
     "regions[0].tariff_cny_per_kwh: must be an array of 24 items",
     mutate(tariff_23)),
    ("missing_field", "schema", "regions[0].green_share",
     "regions[0].green_share: missing",
     mutate(deleter(["regions", 0, "green_share"]))),
    ("bad_region_id", "schema", "regions[1].id",
     "regions[1].id: must match ^[a-z0-9]{1,12}$, got \"West-1\"",
     mutate(setter(["regions", 1, "id"], "West-1"))),
    ("long_chip_id", "schema", "chips[0].id",
     "chips[0].id: must match ^[a-z0-9]{1,12}$",
     mutate(setter(["chips", 0, "id"], "abcdefghijklm"))),
    ("unit_mismatch", "schema", "chips[1].unit",
     "chips[1].unit: must be \"vCPU-hour\" for a cpu chip",
     mutate(setter(["chips", 1, "unit"], "card-hour"))),
    ("fee_too_high", "schema", "fees.taker_bps",
     "fees.taker_bps: must be an integer in [0, 1000]",
     mutate(setter(["fees", "taker_bps"], 5000))),
    ("wrong_version", "schema", "version",
     "version: must be 1",
     mutate(setter(["version"], 2))),
    ("missing_pair", "semantic", "network.links",
     "network.links: missing pair west1 -> east1",
     mutate(deleter(["network", "links", 2]))),
    ("duplicate_pair", "semantic", "network.links[4]",
     "network.links[4]: duplicate pair east1 -> west1 (first at network.links[1])",
     mutate(duplicate_pair)),
    ("unknown_carrier", "semantic", "network.links[2].carrier",
     "network.links[2].carrier: unknown carrier \"telco\"",
     mutate(setter(["network", "links", 2, "carrier"], "telco"))),
    ("unknown_link_region", "semantic", "network.links[1].to",
     "network.links[1].to: unknown region \"north1\"",
     mutate(setter(["network", "links", 1, "to"], "north1"))),
    ("nonzero_diagonal", "semantic", "network.links[0].transfer_cny_per_gb",
     "network.links[0].transfer_cny_per_gb: must be 0 when from = to",
     mutate(setter(["network", "links", 0, "transfer_cny_per_gb"], "0.010"))),
    ("duplicate_region_id", "semantic", "regions[1].id",
     "regions[1].id: duplicate id \"east1\" (first at regions[0])",
     mutate(setter(["regions", 1, "id"], "east1"))),
    ("unknown_hub", "semantic", "clusters[0].hub",
     "clusters[0].hub: unknown region \"nowhere\"",
     mutate(setter(["clusters", 0, "hub"], "nowhere"))),
    ("unknown_source", "semantic", "regions[0].provenance.source_ids[0]",
     "regions[0].provenance.source_ids[0]: unknown source \"S9\"",
     mutate(setter(["regions", 0, "provenance", "source_ids"], ["S9"]))),
    ("price_off_tick", "semantic", "chips[0].typical_price",
     "chips[0].typical_price: must be a positive multiple of tick",
     mutate(price_off_tick)),
    ("gate_before_call", "semantic", "calendar.gate_closure_seconds",
     "calendar.gate_closure_seconds: must be greater than calendar.closing_call_seconds",
     mutate(setter(["calendar", "gate_closure_seconds"], 300))),
]


def outputs():
    files = {os.path.join(HERE, "market_small.json"): render(BASE)}
    rows = ["# case\tlayer\tpath\tmessage (generated by tests/data/make_market_files.py)"]
    for case, layer, path, message, text in CASES:
        assert "\t" not in message and "\n" not in message
        files[os.path.join(BAD, case + ".json")] = text
        rows.append("\t".join([case, layer, path, message]))
    files[os.path.join(BAD, "EXPECTED.tsv")] = "\n".join(rows) + "\n"
    return files


def main():
    check = "--check" in sys.argv[1:]
    files = outputs()
    if check:
        stale = [p for p, text in files.items()
                 if not os.path.exists(p) or open(p, encoding="utf-8").read() != text]
        extra = [os.path.join(BAD, f) for f in os.listdir(BAD)
                 if os.path.join(BAD, f) not in files]
        if stale or extra:
            sys.exit(f"make_market_files: stale {stale}, unexpected {extra}")
        return
    os.makedirs(BAD, exist_ok=True)
    for path, text in files.items():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()

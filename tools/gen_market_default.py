#!/usr/bin/env python3
"""Builds schemas/market.default.json from the reference data in schemas/refdata/.

The JSON file is committed; this script is how it was made, so every number in it can be traced
back to a CSV cell and re-derived. Standard library only (it runs on a bare python3).

    python3 tools/gen_market_default.py            # rewrite schemas/market.default.json
    python3 tools/gen_market_default.py --check    # exit 1 if the committed file differs

Derivations (all exact decimal arithmetic, no binary floating point for money):
  regions   the 8 hubs (level=hub) become the tradeable regions, in CSV order, with the short id
            cn-<id> -> <id>. The 10 clusters are kept as informational entries naming their hub.
  pue       pue_typical_est, as a JSON number.
  tariff    tariff_cny_per_kwh[h] for local (CST) hour h = 0..23 is the tou_peak/flat/valley price
            of the window that contains h. Windows are half-open "start-end" ranges separated by
            ';' and may wrap midnight ("23-7" = 23,0,...,6). Peak, flat and valley windows must
            partition the 24 hours exactly (checked). Prices are kept at 3 decimals (0.001 CNY).
  carbon    grid_co2_g_kwh_2022 rounded half up to an integer g/kWh.
  green     nonfossil_share_est, as a JSON number (a share in [0, 1]).
  chips     the 16 rows of chips.csv in order, short ids below. dense_tflops = fp16_dense_tflops
            (FP32 TFLOPS per vCPU for the CPU classes, where fp16 is blank); power_w = tdp_w;
            typical_price = rent_cny_per_unit_hour at 2 decimals (fen); tick = 0.01 CNY.
  network   all 64 ordered hub pairs: rtt_ms = latency_ms (IP private network RTT, model N1),
            transfer_cny_per_gb = transfer_cny_per_gb (model N2; diagonal 0 by N3) at 3 decimals,
            one national carrier. The distance-independent cloud list price (S8) is recorded as
            an alternative regime in the network's provenance, not used.
"""

import argparse
import csv
import json
import os
import re
import sys
from decimal import ROUND_HALF_UP, Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFDATA = os.path.join(ROOT, "schemas", "refdata")
OUT = os.path.join(ROOT, "schemas", "market.default.json")

REGION_IDS = {
    "cn-jjj": "jjj", "cn-yrd": "yrd", "cn-gba": "gba", "cn-cy": "cy",
    "cn-nm": "nm", "cn-gz": "gz", "cn-gs": "gs", "cn-nx": "nx",
}
CLUSTER_IDS = {
    "cl-zhangjiakou": "zhangjiakou", "cl-yrd-demo": "yrddemo", "cl-wuhu": "wuhu",
    "cl-shaoguan": "shaoguan", "cl-tianfu": "tianfu", "cl-chongqing": "chongqing",
    "cl-horinger": "horinger", "cl-guian": "guian", "cl-qingyang": "qingyang",
    "cl-zhongwei": "zhongwei",
}
# chips.csv chip_id -> (short id used in symbols, Chinese display name). The Chinese names are
# ours: vendor's Chinese brand + model as sold in China.
CHIPS = {
    "nv-h100-sxm": ("h100", "英伟达 H100 SXM5 80GB"),
    "nv-h800-sxm": ("h800", "英伟达 H800 SXM5 80GB"),
    "nv-h20": ("h20", "英伟达 H20 96GB"),
    "nv-a100-sxm-80g": ("a100", "英伟达 A100 SXM4 80GB"),
    "nv-a800-sxm-80g": ("a800", "英伟达 A800 SXM4 80GB"),
    "nv-l20": ("l20", "英伟达 L20 48GB"),
    "nv-rtx4090": ("rtx4090", "英伟达 GeForce RTX 4090 24GB"),
    "hw-ascend-910b": ("910b", "华为昇腾 910B 64GB"),
    "hw-ascend-910c": ("910c", "华为昇腾 910C 128GB"),
    "cam-mlu370-x8": ("mlu370", "寒武纪思元 MLU370-X8 48GB"),
    "cam-mlu590": ("mlu590", "寒武纪思元 MLU590"),
    "hyg-k100-ai": ("k100ai", "海光 DCU K100_AI 64GB"),
    "hyg-k100": ("k100", "海光 DCU K100 64GB"),
    "hyg-z100": ("z100", "海光 DCU Z100 32GB"),
    "cpu-x86-vcpu": ("x86", "x86 虚拟CPU（1 超线程，4 GiB 内存）"),
    "cpu-kunpeng-vcpu": ("kunpeng", "鲲鹏 920 ARM 虚拟CPU（1 核，4 GiB 内存）"),
}
# Model notes of SOURCES.md section 3 (they have no row in its source table).
MODEL_NOTES = {
    "N1": "Latency model (estimate): great-circle distance x route factor 1.78 at 204 km/ms, "
          "IP private one-way = 1.4 x optical + 1.0 ms, RTT = 2 x one-way; calibrated to CAICT "
          "means (S6)",
    "N2": "Transfer cost model (estimate): dedicated line 2,500 + 2,500 x d/1000 CNY per Gbps-month "
          "divided by 131,400 GB (1 Gbps, 730 h, 40% utilisation)",
    "N3": "Intra-hub (estimate): RTT 1 ms (1 ms city circle, S7), transfer cost 0",
}

MONEY_PRICE = Decimal("0.01")   # fen: prices, ticks, rent ranges
MONEY_TARIFF = Decimal("0.001")  # 0.001 CNY: power tariffs per kWh, transfer tariffs per GB


def fail(msg):
    sys.exit("gen_market_default: " + msg)


def read_csv(name):
    with open(os.path.join(REFDATA, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def exact(text, quantum, what):
    """A decimal string at a fixed number of places; refuses to round (the CSV must be exact)."""
    d = Decimal(text)
    q = d.quantize(quantum, rounding=ROUND_HALF_UP)
    if q != d:
        fail(f"{what}: {text} has more precision than {quantum}")
    if q < 0:
        fail(f"{what}: {text} is negative")
    return str(q)


def number(text):
    """A CSV number as the shortest JSON number: an int when integral, else a float."""
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() else float(text)


def hours_of(spec, what):
    """The local hours covered by "a-b;c-d" half-open ranges (wrapping midnight when a > b)."""
    hours = []
    for part in spec.split(";"):
        m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", part.strip())
        if not m:
            fail(f"{what}: bad hour range {part!r}")
        start, end = int(m.group(1)), int(m.group(2))
        if not (0 <= start <= 23 and 1 <= end <= 24 and start != end):
            fail(f"{what}: hour range {part!r} out of 0..24")
        h = start
        while h != end % 24:
            hours.append(h)
            h = (h + 1) % 24
    return hours


def tariff_array(row):
    """24 decimal strings indexed by local hour, from the peak/flat/valley windows."""
    what = row["id"]
    table = [None] * 24
    for band in ("peak", "flat", "valley"):
        price = exact(row[f"tou_{band}_cny_kwh"], MONEY_TARIFF, f"{what} tou_{band}_cny_kwh")
        for h in hours_of(row[f"tou_{band}_hours"], f"{what} tou_{band}_hours"):
            if table[h] is not None:
                fail(f"{what}: local hour {h} is in two TOU windows")
            table[h] = price
    missing = [h for h in range(24) if table[h] is None]
    if missing:
        fail(f"{what}: local hours {missing} are in no TOU window")
    return table


def source_ids(text):
    return [s for s in text.split(";") if s]


def sources_table():
    """S-number -> what it supports, from SOURCES.md's source list (markdown bold removed)."""
    out = {}
    with open(os.path.join(REFDATA, "SOURCES.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\|\s*(S\d+)\s*\|\s*(.*?)\s*\|", line)
            if m:
                out[m.group(1)] = m.group(2).replace("**", "")
    out.update(MODEL_NOTES)
    return out


def region(row):
    co2 = Decimal(row["grid_co2_g_kwh_2022"]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    tou = (f"peak {row['tou_peak_cny_kwh']} ({row['tou_peak_hours']}), "
           f"flat {row['tou_flat_cny_kwh']} ({row['tou_flat_hours']}), "
           f"valley {row['tou_valley_cny_kwh']} ({row['tou_valley_hours']}) CNY/kWh by local hour")
    return {
        "id": REGION_IDS[row["id"]],
        "name_en": row["name_en"],
        "name_zh": row["name_zh"],
        "east_west": row["east_west"],
        "pue": number(row["pue_typical_est"]),
        "tariff_cny_per_kwh": tariff_array(row),
        "carbon_g_per_kwh": int(co2),
        "green_share": number(row["nonfossil_share_est"]),
        "provenance": {
            "refdata_id": row["id"],
            "source_ids": source_ids(row["source_ids"]),
            "fields": {
                "east_west": {
                    "status": "sourced",
                    "basis": f"S1; hub role {row['hub_role']} (SOURCES.md section 2)",
                },
                "pue": {
                    "status": "estimate",
                    "basis": f"pue_typical_est (operating PUE of new hub DCs); "
                             f"policy target {row['pue_target']} (S12)",
                },
                "tariff_cny_per_kwh": {
                    "status": "estimate",
                    "basis": f"{tou}; hours: {row['tou_basis']}; 24 h mean "
                             f"{row['elec_price_cny_kwh']}: {row['elec_price_basis']}",
                },
                "carbon_g_per_kwh": {
                    "status": "sourced",
                    "basis": f"{row['grid_factor_basis']}: {row['grid_co2_g_kwh_2022']} g/kWh "
                             f"(S10), rounded",
                },
                "green_share": {
                    "status": "estimate",
                    "basis": f"nonfossil_share_est = 1 - {row['grid_co2_g_kwh_2022']} / 832.5 "
                             f"(national fossil-only factor 2022, S10)",
                },
            },
        },
    }


def chip(row):
    short, name_zh = CHIPS[row["chip_id"]]
    kind = row["class"]
    if kind == "cpu":
        tflops = row["fp32_tflops"]  # per vCPU; CPU classes have no FP16 tensor figure
    else:
        tflops = row["fp16_dense_tflops"]
    unit = row["rent_unit"]
    if (kind == "cpu") != (unit == "vCPU-hour"):
        fail(f"{row['chip_id']}: kind {kind} with unit {unit}")
    name_en = row["model"] if kind == "cpu" and "/" in row["vendor"] else \
        f"{row['vendor']} {row['model']}"
    return {
        "id": short,
        "name_en": name_en,
        "name_zh": name_zh,
        "kind": kind,
        "dense_tflops": number(tflops),
        "memory_gb": number(row["memory_gb"]),
        "power_w": number(row["tdp_w"]),
        "typical_price": exact(row["rent_cny_per_unit_hour"], MONEY_PRICE, row["chip_id"]),
        "tick": "0.01",
        "unit": unit,
        "provenance": {
            "refdata_id": row["chip_id"],
            "source_ids": source_ids(row["source_ids"]),
            "spec": row["spec_confidence"],
            "rent": row["rent_confidence"],
            "rent_range": [exact(row["rent_low"], MONEY_PRICE, row["chip_id"]),
                           exact(row["rent_high"], MONEY_PRICE, row["chip_id"])],
            "notes": row["notes"],
        },
    }


def network(rows):
    links = []
    for r in rows:
        origin, dest = REGION_IDS[r["src"]], REGION_IDS[r["dst"]]
        tariff = exact(r["transfer_cny_per_gb"], MONEY_TARIFF, f"{r['src']}->{r['dst']}")
        if origin == dest and Decimal(tariff) != 0:
            fail(f"{origin}: intra-hub transfer must be 0 (N3)")
        links.append({
            "from": origin,
            "to": dest,
            "rtt_ms": float(r["latency_ms"]),
            "transfer_cny_per_gb": tariff,
            "carrier": "backbone",
        })
    pairs = {(link["from"], link["to"]) for link in links}
    if len(links) != 64 or len(pairs) != 64:
        fail("network.csv must hold each of the 64 ordered hub pairs exactly once")
    cloud = {r["cloud_list_cny_per_gb"] for r in rows if r["src"] != r["dst"]}
    if cloud != {"0.5"}:
        fail(f"expected one cloud list price, got {sorted(cloud)}")
    return {
        "provenance": {
            "source_ids": ["N1", "N2", "N3", "S6", "S7", "S8"],
            "rtt_ms": "estimate N1: round-trip time over the operators' IP private network, "
                      "modelled from hub distance and calibrated to CAICT's Q1 2024 means (S6); "
                      "intra-hub 1 ms (N3, S7)",
            "transfer_cny_per_gb": "estimate N2: committed long-haul line price per GB at 40% "
                                   "utilisation (0.024-0.053); no published operator inter-hub "
                                   "price was found; intra-hub 0 (N3)",
            "alternatives": [
                {
                    "regime": "retail cloud: Alibaba Cloud OSS cross-region replication within "
                              "the Chinese mainland, distance-independent",
                    "transfer_cny_per_gb": "0.500",
                    "source_ids": ["S8"],
                },
            ],
        },
        "links": links,
    }


def build():
    regions_csv = read_csv("regions.csv")
    hubs = [r for r in regions_csv if r["level"] == "hub"]
    if [r["id"] for r in hubs] != list(REGION_IDS):
        fail("regions.csv hubs differ from the 8 expected")
    clusters = [{
        "id": CLUSTER_IDS[r["id"]],
        "hub": REGION_IDS[r["parent_hub"]],
        "name_en": r["name_en"],
        "name_zh": r["name_zh"],
        "provinces_zh": r["provinces_zh"].split(";"),
    } for r in regions_csv if r["level"] == "cluster"]
    chips_csv = read_csv("chips.csv")
    if [r["chip_id"] for r in chips_csv] != list(CHIPS):
        fail("chips.csv rows differ from the 16 expected")
    return {
        "version": 1,
        "description": "China's national integrated computing network (东数西算): the 8 hubs, "
                       "16 chip classes and the hub-to-hub network, from public material of "
                       "roughly 2020-2025. Many figures are estimates; see provenance.",
        "provenance": {
            "document": "schemas/refdata/SOURCES.md",
            "generator": "tools/gen_market_default.py",
            "labels": {
                "sourced": "the figure appears in the cited source (mostly secondary reports)",
                "sourced-derived": "worked out directly from a sourced figure",
                "estimate": "no source was found; the reasoning is given in the basis",
            },
            "sources": sources_table(),
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
        "carriers": [{
            "id": "backbone",
            "name_en": "National computing-network backbone",
            "name_zh": "国家算力网骨干",
        }],
        "regions": [region(r) for r in hubs],
        "clusters": clusters,
        "chips": [chip(r) for r in chips_csv],
        "network": network(read_csv("network.csv")),
    }


def render(doc):
    """Pretty JSON that stays short: scalar arrays and small flat objects on one line."""

    def scalar(v):
        return not isinstance(v, (dict, list))

    def inline(v):
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))

    def emit(v, depth):
        pad, inner = "  " * depth, "  " * (depth + 1)
        if isinstance(v, list):
            if all(scalar(x) for x in v):
                return inline(v)
            return "[\n" + ",\n".join(inner + emit(x, depth + 1) for x in v) + "\n" + pad + "]"
        if isinstance(v, dict):
            if v and all(scalar(x) for x in v.values()) and len(inline(v)) + len(inner) <= 110:
                return inline(v)
            items = (inner + json.dumps(k, ensure_ascii=False) + ": " + emit(x, depth + 1)
                     for k, x in v.items())
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        return inline(v)

    return emit(doc, 0) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed file instead of writing it")
    ap.add_argument("--out", default=OUT, help="output path (default: %(default)s)")
    args = ap.parse_args()
    text = render(build())
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"gen_market_default: {args.out} is not what the generator produces")
        return
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()

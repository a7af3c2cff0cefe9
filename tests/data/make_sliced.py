"""Write tests/data/sliced_projects.csv: a table to read whole and in slices of a few rows
(tests/test_slices.py), with what a slice boundary could split or lose — title rows above the
header, section headings whose section goes on into later slices, a total row, blank rows,
amounts with units and bounds, bad rows (an amount, a coordinate, no name) late in the table,
names that repeat across slices, and more than 20 points outside their stated district (the
warning lists 20, then counts). Coordinates are the districts' points of query_projects.csv
(WGS-84), each stated in its own district unless marked "outside"; the projects are invented.

Run: python tests/data/make_sliced.py
"""

import csv
from pathlib import Path

POINTS = {  # district: a point inside it (from query_projects.csv)
    "越城区": (120.64159, 30.04524), "柯桥区": (120.4427, 30.06321), "上虞区": (120.89764, 29.94371),
    "诸暨市": (120.32616, 29.73312), "嵊州市": (120.65044, 29.56449),
}
AMOUNTS = ["10亿", "3000万元", "超50亿", "约20亿", "5.5", "120亿元", ""]


def rows():
    yield ["绍兴市重点项目表（测试）", "", "", "", ""]
    yield ["项目名称", "所在区县", "总投资", "经度", "纬度"]
    names = list(POINTS)
    n = 0
    for section in ("一、产业项目", "二、基础设施项目"):
        yield [section, "", "", "", ""]
        for i in range(30):
            n += 1
            district = names[n % len(names)]
            point = POINTS[district]
            if n % 5 in (0, 3):  # stated in one district, the point in the next one: a warning
                point = POINTS[names[(n + 1) % len(names)]]
            name = f"切片测试项目{n:03d}"
            if n in (41, 52):
                name = f"切片测试项目{n - 37:03d}"  # the name of a row in an earlier slice
            amount = AMOUNTS[n % len(AMOUNTS)]
            lon, lat = f"{point[0]:.5f}", f"{point[1]:.5f}"
            if n == 44:
                amount = "很多"  # not an amount
            if n == 49:
                lon = "东经120度"  # not a coordinate
            if n == 55:
                name = ""  # no name
            if n in (20, 47):
                yield ["", "", "", "", ""]
            yield [name, district, amount, lon, lat]
    yield ["合计", "", "999亿", "", ""]


with open(Path(__file__).with_name("sliced_projects.csv"), "w", newline="", encoding="utf-8") as f:
    csv.writer(f).writerows(rows())

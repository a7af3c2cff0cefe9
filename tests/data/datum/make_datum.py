"""Generate the datum fixtures (run once; the files it writes are committed).

    .venv/bin/python tests/data/datum/make_datum.py

A project list as an office keeps it after copying coordinates from a web map: GBK, Chinese headers
(序号, 项目名称, 所在区县, 产业类别, 总投资, 经度, 纬度), amounts in 亿元/万元, coordinates with 6, 3 or 2
decimals. The 19 projects are synthetic (测试项目…; amounts are test values, not facts). Every point
is computed from the shipped boundaries: district anchors (``district_anchor``), and points 150–350 m
from a border between two districts (on the border line, moved along the normal into one side);
each row states the district its WGS-84 point lies in, except row 19, which states a neighbour (a
true mismatch, as tables have). The same WGS-84 points are written as WGS-84, GCJ-02 (Gaode) and
BD-09 (Baidu) with geo.crs's forward transforms.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from sxmap.geo.boundaries import district_anchor, district_geometries  # noqa: E402
from sxmap.geo.crs import from_wgs84  # noqa: E402
from sxmap.geo.districts import BY_ADCODE  # noqa: E402
from sxmap.geo.locate import locate  # noqa: E402

HEADERS = ["序号", "项目名称", "所在区县", "产业类别", "总投资", "经度", "纬度"]
INDUSTRIES = ["新能源", "集成电路", "生物医药", "高端装备", "新材料", "现代纺织", "智能视觉"]
# (district a, district b, fraction along their shared border, metres into a's side or b's side)
NEAR_BORDER = [
    (330602, 330603, 0.30, 200), (330602, 330603, 0.55, -250), (330602, 330603, 0.80, 300),
    (330602, 330604, 0.40, 220), (330602, 330604, 0.70, -180), (330603, 330681, 0.50, 260),
    (330603, 330683, 0.35, -240), (330624, 330683, 0.60, 200), (330604, 330683, 0.45, 320),
    (330603, 330604, 0.50, -300),
]


def border_point(a, b, fraction, metres):
    """A point ``metres`` from the border of districts a and b (positive: towards a's inside)."""
    import shapely

    geoms = district_geometries()
    shared = shapely.get_parts(shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b])))
    line = shapely.line_merge(shapely.multilinestrings([g for g in shared if g.geom_type == "LineString"]))
    if line.geom_type == "MultiLineString":
        line = max(line.geoms, key=lambda g: g.length)
    p = line.interpolate(fraction, normalized=True)
    q = line.interpolate(min(fraction + 0.001, 1.0), normalized=True)
    dx, dy = (q.x - p.x) * np.cos(np.radians(p.y)), q.y - p.y
    norm = np.hypot(dx, dy)
    nx, ny = -dy / norm, dx / norm  # left of the direction of the line, in metres-ish units
    step = metres / 111_320
    x, y = p.x + nx * step / np.cos(np.radians(p.y)), p.y + ny * step
    side = int(locate(x, y))
    if side not in (a, b):  # the normal pointed out of both: go the other way
        x, y = p.x - nx * step / np.cos(np.radians(p.y)), p.y - ny * step
    return float(x), float(y)


def points():
    """The 19 WGS-84 points and the districts they lie in."""
    xs, ys = [], []
    for a, b, fraction, metres in NEAR_BORDER:
        x, y = border_point(a, b, fraction, abs(metres))
        if metres < 0:  # the other side
            px, py = border_point(a, b, fraction, 0.01)
            x, y = 2 * px - x, 2 * py - y
        xs.append(x), ys.append(y)
    for code in BY_ADCODE:  # six anchors, then three more a little off them
        xs.append(district_anchor(code)[0]), ys.append(district_anchor(code)[1])
    for code, (dx, dy) in zip((330602, 330681, 330683), ((0.01, 0.004), (-0.02, 0.01), (0.015, -0.012))):
        xs.append(district_anchor(code)[0] + dx), ys.append(district_anchor(code)[1] + dy)
    x, y = np.array(xs), np.array(ys)
    return x, y, locate(x, y)


def rows(datum):
    x, y, codes = points()
    lon, lat = from_wgs84(x, y, datum)
    out = [HEADERS]
    for i, (lo, la, code) in enumerate(zip(lon, lat, codes)):
        stated = BY_ADCODE[int(code)].name_zh
        if i == 18:  # a true mismatch: the table says 柯桥区 for a point in 嵊州市
            stated = "柯桥区"
        digits = 3 if i in (3, 12) else 2 if i in (14, 16) else 6
        amount = f"{(i % 7 + 1) * 2.5:g}亿元" if i % 3 else f"{(i + 1) * 1500}万元"
        out.append([str(i + 1), f"测试项目{i + 1:02d}", stated, INDUSTRIES[i % 7], amount,
                    f"{lo:.{digits}f}", f"{la:.{digits}f}"])
    return out


def main():
    for datum in ("wgs84", "gcj02", "bd09"):
        text = "\r\n".join(",".join(r) for r in rows(datum)) + "\r\n"
        path = HERE / f"projects_{datum}_gbk.csv"
        path.write_bytes(text.encode("gbk"))
        print("wrote", path)
    x, y, codes = points()
    lines = ["项目名称,经度,纬度"] + [f"无区县项目{i + 1:02d},{lo:.6f},{la:.6f}" for i, (lo, la) in enumerate(zip(x, y))]
    (HERE / "projects_no_district.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    print("wrote", HERE / "projects_no_district.csv")


if __name__ == "__main__":
    main()

"""How often the datum inference (:mod:`geo.datum`) gets a table right, on simulated tables.

Run from the repository root::

    .venv/bin/python benchmarks/datum_thresholds.py                 # 200 tables per cell
    .venv/bin/python benchmarks/datum_thresholds.py --tables 500 --margin 2 --ratio 3

Each table has ``n`` projects: two thirds drawn uniformly inside a random district, one third
within 1.5 km of a border between two districts (as projects in towns along a border are), each
stating the district it lies in — except a share of "true mismatches" that state a neighbouring
one. The WGS-84 points are then written in the table's datum (WGS-84, GCJ-02 or BD-09) with 6
decimals, except a share rounded to 2 or 3 decimals (mixed precision, as tables copied by hand
are). For each cell (rows × mismatches × precision × datum) it prints how often the decision is
the true datum, how often WGS-84 is kept for a shifted table (a miss: the user is told the
evidence is unclear) and how often a wrong shift is chosen (the harmful error).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def border_points(rng, n, borders, lengths):
    """``n`` points within 1.5 km of the internal borders (WGS-84)."""
    import shapely

    which = rng.choice(len(borders), n, p=lengths / lengths.sum())
    along = rng.uniform(0, 1, n)
    points = shapely.line_interpolate_point(borders[which], along, normalized=True)
    x, y = shapely.get_x(points), shapely.get_y(points)
    r = rng.uniform(0, 1500, n) / 111_000
    t = rng.uniform(0, 2 * np.pi, n)
    return x + r * np.cos(t) / np.cos(np.radians(30)), y + r * np.sin(t)


def inside_points(rng, n, city):
    import shapely

    xmin, ymin, xmax, ymax = city.bounds
    xs, ys = [], []
    while sum(map(len, xs)) < n:
        x, y = rng.uniform(xmin, xmax, 4 * n + 8), rng.uniform(ymin, ymax, 4 * n + 8)
        hit = shapely.contains_xy(city, x, y)
        xs.append(x[hit]), ys.append(y[hit])
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def internal_borders():
    """The borders between Shaoxing's districts (not the city's outline), as lines."""
    import shapely

    from sxmap.geo.boundaries import city_geometry, district_geometries

    city = city_geometry()
    lines = shapely.get_parts(shapely.difference(
        shapely.union_all([shapely.boundary(g) for g in district_geometries().values()]),
        shapely.buffer(shapely.boundary(city), 1e-4)))
    lines = lines[shapely.get_type_id(lines) == 1]
    return city, lines, shapely.length(lines)


def table(rng, n, datum, mismatch, rounded, city, borders, lengths, near=1 / 3):
    """A simulated table: coordinates as written in ``datum`` and each row's stated adcode."""
    from sxmap.geo.crs import from_wgs84
    from sxmap.geo.districts import DISTRICTS
    from sxmap.geo.locate import locate

    k = rng.binomial(n, near)
    bx, by = border_points(rng, k, borders, lengths)
    ix, iy = inside_points(rng, n - k, city)
    x, y = np.concatenate([bx, ix]), np.concatenate([by, iy])
    stated = locate(x, y)
    keep = stated > 0
    x, y, stated = x[keep], y[keep], stated[keep]
    codes = np.array([d.adcode for d in DISTRICTS])
    wrong = rng.uniform(0, 1, stated.size) < mismatch
    stated[wrong] = [rng.choice(codes[codes != s]) for s in stated[wrong]]
    wx, wy = from_wgs84(x, y, datum)
    wx, wy = np.round(np.asarray(wx, dtype=float), 6), np.round(np.asarray(wy, dtype=float), 6)
    digits = np.where(rng.uniform(0, 1, stated.size) < rounded, rng.choice([2, 3], stated.size), 6)
    for d in (2, 3):
        wx[digits == d], wy[digits == d] = np.round(wx[digits == d], d), np.round(wy[digits == d], d)
    return wx, wy, stated


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--margin", type=int, default=None)
    parser.add_argument("--ratio", type=float, default=None)
    parser.add_argument("--sizes", default="8,19,50,200,2000", help="table sizes (rows), comma-separated")
    args = parser.parse_args(argv)
    import sxmap.geo.datum as datum

    if args.margin is not None:
        datum.MIN_MARGIN = args.margin
    if args.ratio is not None:
        datum.MIN_RATIO = args.ratio
    rng = np.random.default_rng(16)
    city, borders, lengths = internal_borders()
    print(f"MIN_MARGIN={datum.MIN_MARGIN} MIN_RATIO={datum.MIN_RATIO}; {args.tables} tables per cell")
    print(f"{'rows':>5} {'mism':>5} {'round':>5} {'datum':>6}  {'right':>6} {'kept84':>6} {'WRONG':>6}")
    for n in (int(v) for v in args.sizes.split(",")):
        for mismatch in (0.0, 0.1):
            for rounded in (0.0, 0.3):
                for truth in datum.DATUMS:
                    right = kept = wrong = 0
                    for _ in range(args.tables):
                        x, y, stated = table(rng, n, truth, mismatch, rounded, city, borders, lengths)
                        got = datum.decide_datum(x, y, stated).crs
                        right += got == truth
                        kept += got == "wgs84" and truth != "wgs84"
                        wrong += got not in (truth, "wgs84")
                    t = args.tables
                    print(f"{n:>5} {mismatch:>5.0%} {rounded:>5.0%} {truth:>6}  {right / t:>6.1%} {kept / t:>6.1%} "
                          f"{wrong / t:>6.1%}", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: assigning 1,000,000 points inside Shaoxing to districts.

Compares, in one run on the same points:
  - sxmap  : geo.locate.locate (grid lookup + exact test near borders)
  - baseline: geopandas.sjoin(points, districts, predicate="within")
  - also   : prepared shapely.contains_xy per district (the plain vectorised approach)
and checks that all three agree on every point. Also times `sxmap --help` in a fresh process and
loading the shipped boundaries.

Run:  .venv/bin/python benchmarks/bench_locate.py [--points 1000000] [--repeat 5]
Prints medians; machines are shared and noisy, so read the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_time(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def points_inside_city(n, seed=1):
    import shapely

    from sxmap.geo.boundaries import city_geometry

    city = city_geometry()
    shapely.prepare(city)
    xmin, ymin, xmax, ymax = city.bounds
    rng = np.random.default_rng(seed)
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < n:
        x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
        keep = shapely.contains_xy(city, x, y)
        lon, lat = np.concatenate([lon, x[keep]]), np.concatenate([lat, y[keep]])
    return lon[:n], lat[:n]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import geopandas as gpd
    import shapely

    from sxmap.geo import boundaries
    from sxmap.geo import locate as locate_module
    from sxmap.geo.locate import _grid, _region_prepared, locate

    n = args.points
    lon, lat = points_inside_city(n)
    print(f"{n:,} random points inside 绍兴市 (WGS-84); medians of {args.repeat} runs\n")

    boundaries._read_file_features.cache_clear()
    t_load, _ = median_time(lambda: (boundaries._read_file_features.cache_clear(), boundaries.district_geometries()),
                            args.repeat)
    locate_module._GRIDS.clear()
    _region_prepared.cache_clear()
    t0 = time.perf_counter()
    _grid()
    t_grid = time.perf_counter() - t0

    t_sx, codes = median_time(lambda: locate(lon, lat), args.repeat)

    districts = boundaries.load_districts()[["adcode", "geometry"]]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")

    def sjoin():
        joined = gpd.sjoin(points, districts, predicate="within", how="left")
        return joined["adcode"].fillna(0).astype(int).to_numpy()

    t_sj, ref = median_time(sjoin, args.repeat)

    geoms = boundaries.district_geometries()
    for g in geoms.values():
        shapely.prepare(g)

    def contains_each():
        out = np.zeros(n, dtype=np.int64)
        for code, g in geoms.items():
            out[shapely.contains_xy(g, lon, lat)] = code
        return out

    t_cx, cx = median_time(contains_each, args.repeat)

    agree = np.array_equal(codes, ref) and np.array_equal(codes, cx)
    helps = []
    for _ in range(max(args.repeat, 5)):
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/sxmap"), "--help"], check=True, capture_output=True)
        helps.append(time.perf_counter() - t0)

    rows = [
        ("sxmap locate (grid + exact)", t_sx),
        ("prepared shapely.contains_xy", t_cx),
        ("geopandas.sjoin within (baseline)", t_sj),
    ]
    for name, t in rows:
        print(f"  {name:36s} {t:8.3f} s  {n / t / 1e6:7.2f} M points/s  {t_sj / t:6.1f}x sjoin")
    print(f"\n  agree on every point: {agree}  (inside a district: {(codes > 0).sum():,})")
    print(f"  grid build, once per process:     {t_grid * 1000:8.1f} ms")
    print(f"  load shipped boundaries (6 districts, full resolution): {t_load * 1000:.1f} ms")
    print(f"  sxmap --help, fresh process:      {statistics.median(helps):8.3f} s (target ≤ 0.3 s)")
    print(f"\n  ratio sxmap / sjoin throughput:   {t_sj / t_sx:.1f}x (target ≥ 3x)")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())

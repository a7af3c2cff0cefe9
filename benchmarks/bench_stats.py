"""Benchmark: ``sxmap stats --by district`` over 1,000,000 generated projects, end to end.

Run from the repository root::

    .venv/bin/python benchmarks/bench_stats.py            # 1,000,000 projects, 3 runs
    .venv/bin/python benchmarks/bench_stats.py --n 200000 --runs 5

It writes the generated projects once to ``benchmarks/_work/`` (git-ignored) as a canonical CSV,
a GeoParquet of the canonical table (lon/lat columns and a WKB geometry, as
``GeoDataFrame.to_parquet`` writes it) and a GeoParquet with the geometry only. For each file it
times, in the same process:

- sxmap's path, the functions ``sxmap stats`` calls: :func:`geo.query.load` (the one reader: pyarrow,
  only the needed columns, vectorised normalisation and :func:`geo.locate.locate`, all timed as
  "read") and :func:`geo.query.stats` (``numpy.bincount``, "aggregate");
- a plain geopandas pipeline: ``geopandas.read_file`` (CSV, GDAL's CSV driver with the lon/lat
  columns as geometry) or ``geopandas.read_parquet``, ``geopandas.sjoin(..., predicate="within")``
  against the districts, and ``groupby`` — reading the same columns; for the CSV also
  ``pandas.read_csv`` + ``points_from_xy`` (a faster reader than GDAL's, the stronger baseline).

It prints the median of the runs for each, the ratio, and checks the two give identical tables
(counts equal; sums equal to 1e-6 亿元 — bincount and pandas' groupby add floats in different
orders). The generated projects are synthetic: uniform random points inside 绍兴市 (98 %) and just
outside it (2 %), random amounts; they are for timing, not data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORK = Path(__file__).resolve().parent / "_work"
INDUSTRIES = np.array(["新能源", "集成电路/半导体", "生物医药", "智能视觉", "高端装备", "新材料", ""], dtype=object)
FIELDS = ("count", "investment", "n_ge_50", "n_ge_100", "n_lower_bound", "n_approx", "n_no_amount")


def generate(n, seed=20230501):
    """``n`` synthetic projects in the canonical columns (points inside the city, 2 % outside)."""
    import pandas as pd
    import shapely

    from sxmap.geo.boundaries import city_geometry

    rng = np.random.default_rng(seed)
    city = city_geometry()
    shapely.prepare(city)
    xmin, ymin, xmax, ymax = city.bounds
    n_out = n // 50
    n_in = n - n_out
    xs_in, ys_in, xs_out, ys_out = [], [], [], []
    while sum(map(len, xs_in)) < n_in or sum(map(len, xs_out)) < n_out:
        x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
        hit = shapely.contains_xy(city, x, y)
        xs_in.append(x[hit]), ys_in.append(y[hit]), xs_out.append(x[~hit]), ys_out.append(y[~hit])
    lon = np.round(np.concatenate([np.concatenate(xs_in)[:n_in], np.concatenate(xs_out)[:n_out]]), 6)
    lat = np.round(np.concatenate([np.concatenate(ys_in)[:n_in], np.concatenate(ys_out)[:n_out]]), 6)
    order = rng.permutation(n)
    lon, lat = lon[order], lat[order]
    amount = np.round(rng.lognormal(2.5, 1.3, n), 2)
    amount[rng.random(n) < 0.1] = np.nan
    bound = np.where(np.isnan(amount), "", rng.choice(np.array(["exact", "min", "approx"]), n, p=[0.75, 0.15, 0.1]))
    return pd.DataFrame({
        "id": [f"G{i:07d}" for i in range(n)], "name": [f"生成项目{i:07d}" for i in range(n)],
        "name_en": "", "company": "", "district": pd.array([None] * n, dtype="Int64"), "platform": "",
        "industry": rng.choice(INDUSTRIES, n), "year": rng.integers(2018, 2024, n), "stage": "签约",
        "investment": amount, "investment_bound": bound, "lon": lon, "lat": lat, "location_precision": "site",
    })


def prepare(n):
    """Write (once) the CSV and the two GeoParquet files of ``n`` generated projects."""
    import geopandas as gpd

    WORK.mkdir(exist_ok=True)
    paths = {"csv": WORK / f"projects_{n}.csv", "geoparquet": WORK / f"projects_{n}.parquet",
             "geoparquet (geometry only)": WORK / f"projects_{n}_geometry.parquet"}
    if all(p.exists() for p in paths.values()):
        return paths
    print(f"generating {n:,} projects in {WORK} …", flush=True)
    frame = generate(n)
    frame.to_csv(paths["csv"], index=False)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    points.to_parquet(paths["geoparquet"])
    points.drop(columns=["lon", "lat"]).to_parquet(paths["geoparquet (geometry only)"])
    return paths


# --------------------------------------------------------------------------------------------


def sxmap_path(path):
    """What ``sxmap stats --projects PATH --by district`` does, timed in three parts."""
    from sxmap.geo.query import STATS_COLUMNS, load, stats

    t0 = time.perf_counter()
    frame = load(path, STATS_COLUMNS)  # the one reader: read, normalise and locate
    t1 = t2 = time.perf_counter()
    table = stats(frame, by="district")
    t3 = time.perf_counter()
    return table, {"read": t1 - t0, "locate": t2 - t1, "aggregate": t3 - t2, "total": t3 - t0}


def geopandas_path(path, kind):
    """A plain geopandas pipeline: read_file / read_parquet, sjoin, groupby."""
    import geopandas as gpd
    import pandas as pd

    from sxmap.geo.boundaries import load_districts

    columns = ["investment", "investment_bound"]
    t0 = time.perf_counter()
    if kind == "pandas csv":  # the stronger CSV baseline: pandas' C reader + points_from_xy
        frame = pd.read_csv(path, usecols=columns + ["lon", "lat"], keep_default_na=False,
                            na_values={"investment": [""]})
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    elif kind == "csv":
        points = gpd.read_file(path, columns=columns, X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat",
                               KEEP_GEOM_COLUMNS="NO").set_crs("EPSG:4326")
        points["investment"] = pd.to_numeric(points["investment"].replace("", None))
    else:
        points = gpd.read_parquet(path, columns=columns + ["geometry"])
    t1 = time.perf_counter()
    districts = load_districts()[["adcode", "geometry"]]
    joined = gpd.sjoin(points, districts, how="left", predicate="within")
    joined["adcode"] = joined["adcode"].fillna(0).astype("int64")
    t2 = time.perf_counter()
    amount = joined["investment"]
    grouped = joined.assign(ge50=amount >= 50, ge100=amount >= 100, lb=joined["investment_bound"] == "min",
                            ap=joined["investment_bound"] == "approx", none=amount.isna()).groupby("adcode")
    table = pd.DataFrame({
        "count": grouped.size(), "investment": grouped["investment"].sum(), "n_ge_50": grouped["ge50"].sum(),
        "n_ge_100": grouped["ge100"].sum(), "n_lower_bound": grouped["lb"].sum(),
        "n_approx": grouped["ap"].sum(), "n_no_amount": grouped["none"].sum(),
    })
    t3 = time.perf_counter()
    return table, {"read": t1 - t0, "locate": t2 - t1, "aggregate": t3 - t2, "total": t3 - t0}


def same(ours, theirs) -> bool:
    """Our table (districts + outside + total) equals the groupby one (groups with projects)."""
    body = ours.iloc[:-1].set_index("adcode")
    body = body[body["count"] > 0].sort_index()
    theirs = theirs.sort_index()
    if list(body.index) != list(theirs.index):
        return False
    for column in FIELDS:
        a, b = body[column].to_numpy(float), theirs[column].to_numpy(float)
        if column == "investment":
            if not np.allclose(a, b, rtol=0, atol=1e-6):
                return False
        elif not (a == b).all():
            return False
    total = ours.iloc[-1]
    return int(total["count"]) == int(theirs["count"].sum())


def median_of(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of generated projects")
    parser.add_argument("--runs", type=int, default=3, help="runs of each pipeline (median reported)")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs must be at least 3")

    import geopandas  # noqa: F401 - import cost is not part of either pipeline
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from sxmap.geo.locate import locate

    locate(120.58, 30.0)  # build the district grid once (≈ the CLI's first call)
    paths = prepare(args.n)
    print(f"stats --by district over {args.n:,} projects; median of {args.runs} runs (seconds)\n")
    print(f"{'file':<36} {'pipeline':<10} {'read':>7} {'locate':>7} {'aggr.':>7} {'total':>7}  ratio  same")
    all_same = True
    for kind, path in paths.items():
        baselines = {"geopandas": "csv", "pd+gpd": "pandas csv"} if kind == "csv" else {"geopandas": "parquet"}
        ours, theirs = [], {name: [] for name in baselines}
        tables = {}
        for _ in range(args.runs):
            table_ours, t = sxmap_path(path)
            ours.append(t)
            for name, how in baselines.items():
                tables[name], t = geopandas_path(path, how)
                theirs[name].append(t)
        a = median_of(ours)
        size = path.stat().st_size / 1e6
        label = f"{kind} ({size:.0f} MB)"
        print(f"{label:<36} {'sxmap':<10} {a['read']:7.3f} {a['locate']:7.3f} {a['aggregate']:7.3f} {a['total']:7.3f}")
        for name in baselines:
            identical = same(table_ours, tables[name])
            all_same &= identical
            b = median_of(theirs[name])
            print(f"{'':<36} {name:<10} {b['read']:7.3f} {b['locate']:7.3f} {b['aggregate']:7.3f} "
                  f"{b['total']:7.3f}  {b['total'] / a['total']:5.1f}x  {'yes' if identical else 'NO'}")
    print("\nsxmap: geo.query.load (the one reader: pyarrow, vectorised normalisation and geo.locate.locate, all "
          "under 'read') + stats (bincount).")
    print("geopandas: read_file (GDAL CSV driver) or read_parquet + sjoin(predicate='within') + groupby;")
    print("pd+gpd: pandas.read_csv + points_from_xy + sjoin + groupby (a stronger CSV baseline).")
    print("ratio = baseline total / sxmap total; same = identical tables.")
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())

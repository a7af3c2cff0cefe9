"""Benchmark: reading project tables as 招商 offices write them, end to end.

Run from the repository root::

    .venv/bin/python benchmarks/bench_read.py              # 1,000,000 rows, 3 runs
    .venv/bin/python benchmarks/bench_read.py --n 200000 --runs 5

It generates (once, into ``benchmarks/_work/``, git-ignored) ``n`` synthetic projects written the
way offices write them — Chinese headers (序号, 项目名称, 所在区县, 产业类别, 总投资, 签约日期,
项目状态, 经度, 纬度), amounts as text with units (``12.5亿元``, ``3000万元``, ``超50亿``), district
names, GCJ-02 coordinates (Gaode) — and the same projects as a canonical CSV (English headers, plain
numbers, WGS-84). In the same run it prints the median of ``--runs`` for (the baseline, validate
and markers timed in turn within each run, their ratios the median of each run's ratio):

- the baseline, in-process: ``pandas.read_csv`` + ``geopandas.points_from_xy`` + ``geopandas.sjoin``
  against the districts (what a user would otherwise write; it neither parses the amounts nor
  converts GCJ-02, so it is the lower bound of the work);
- ``sxmap validate`` as a process (start-up included), target ≤ 1× the baseline;
- ``sxmap markers --projects … -o x.html`` as a process, target ≤ 2× the baseline, with its peak
  memory (``/usr/bin/time``-style, from ``resource.getrusage`` of the child), target ≤ 1 GiB;
- ``sxmap stats`` on the Chinese-header file and on the canonical one, target ratio ≤ 1.5;
- ``sxmap validate`` without ``--crs``: the datum inferred from the stated districts (:mod:`geo.datum`);
- reading 100,000 rows of ``.xlsx`` in-process (:func:`geo.reading.table.read_projects`), target ≤ 3 s.

The projects are synthetic (uniform random points inside 绍兴市, random amounts): for timing only.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORK = Path(__file__).resolve().parent / "_work"
SXMAP = str(Path(sys.executable).with_name("sxmap"))
INDUSTRIES = np.array(["新能源", "集成电路", "生物医药", "智能视觉", "高端装备", "新材料", "现代纺织"], dtype=object)
STAGES = np.array(["签约", "开工", "在建", "投产"], dtype=object)
HEADERS = ["序号", "项目名称", "所在区县", "产业类别", "总投资", "签约日期", "项目状态", "经度", "纬度"]


def generate(n, seed=20231130):
    """``n`` projects as an office writes them (a DataFrame of strings) and as the canonical table."""
    import pandas as pd
    import shapely

    from sxmap.geo.boundaries import city_geometry
    from sxmap.geo.crs import wgs84_to_gcj02
    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.locate import locate

    rng = np.random.default_rng(seed)
    city = city_geometry()
    shapely.prepare(city)
    xmin, ymin, xmax, ymax = city.bounds
    xs, ys = [], []
    while sum(map(len, xs)) < n:
        x, y = rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)
        hit = shapely.contains_xy(city, x, y)
        xs.append(x[hit]), ys.append(y[hit])
    lon, lat = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    codes = locate(lon, lat)
    names = np.array([BY_ADCODE[int(c)].name_zh for c in codes], dtype=object)
    glon, glat = wgs84_to_gcj02(lon, lat)
    amount_yi = np.round(rng.lognormal(2.0, 1.2, n), 1)
    kind = rng.choice(4, n, p=[0.6, 0.25, 0.1, 0.05])
    text = np.where(kind == 0, [f"{a:g}亿元" for a in amount_yi],
                    np.where(kind == 1, [f"{a * 10000:g}万元" for a in amount_yi],
                             np.where(kind == 2, [f"超{a:g}亿" for a in amount_yi], "")))
    year = rng.integers(2018, 2025, n)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    dates = [f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(year, month, day)]
    office = pd.DataFrame({
        "序号": np.arange(1, n + 1), "项目名称": [f"生成项目{i:07d}" for i in range(n)], "所在区县": names,
        "产业类别": rng.choice(INDUSTRIES, n), "总投资": text, "签约日期": dates,
        "项目状态": rng.choice(STAGES, n), "经度": np.round(glon, 6), "纬度": np.round(glat, 6),
    })
    amount = np.where(kind == 3, np.nan, amount_yi)
    canonical = pd.DataFrame({
        "id": np.arange(1, n + 1), "name": office["项目名称"], "district": codes, "industry": office["产业类别"],
        "year": year, "stage": office["项目状态"], "investment": amount,
        "investment_bound": np.where(kind == 3, "", np.where(kind == 2, "min", "exact")),
        "lon": np.round(lon, 7), "lat": np.round(lat, 7), "location_precision": "site",
    })
    return office, canonical


def office_csv(n):
    """The office CSV of ``n`` rows (bench_read's generator), written once."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"office_{n}.csv"
    if not path.exists():
        office, _ = generate(n)
        office.to_csv(path, index=False)
    return path


def prepare(n):
    """Write (once) the office CSV, the canonical CSV and a 100,000-row office .xlsx."""
    WORK.mkdir(exist_ok=True)
    office_csv, canonical_csv = WORK / f"office_{n}.csv", WORK / f"canonical_{n}.csv"
    xlsx = WORK / "office_100000.xlsx"
    if not (office_csv.exists() and canonical_csv.exists()):
        office, canonical = generate(n)
        office.to_csv(office_csv, index=False)
        canonical.to_csv(canonical_csv, index=False)
    if not xlsx.exists():
        office, _ = generate(100_000)
        office.to_excel(xlsx, index=False)
    return office_csv, canonical_csv, xlsx


def baseline(path):
    """pandas.read_csv + points_from_xy + sjoin (in-process)."""
    import geopandas as gpd
    import pandas as pd

    from sxmap.geo.boundaries import load_districts

    districts = load_districts()[["adcode", "geometry"]]
    frame = pd.read_csv(path)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["经度"], frame["纬度"]), crs="EPSG:4326")
    return gpd.sjoin(points, districts, predicate="within", how="left")


def run(args):
    """Run a command; return (seconds, peak RSS of the child in MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def peak_of(args):
    """Peak memory (MiB) of one run of a command, measured in a fresh helper process."""
    code = ("import resource,subprocess,sys;"
            "subprocess.run(sys.argv[1:],capture_output=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True).stdout
    return int(out.strip()) / 1024


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    office_csv, canonical_csv, xlsx = prepare(args.n)
    out = WORK / "bench_read_markers.html"
    size = office_csv.stat().st_size / 2**20
    print(f"{args.n:,} rows; office CSV {size:.1f} MiB; median of {args.runs} runs")

    markers_cmd = [SXMAP, "markers", "--projects", str(office_csv), "--crs", "gcj02", "-o", str(out), "--overwrite"]
    validate_cmd = [SXMAP, "validate", str(office_csv), "--crs", "gcj02"]
    baseline(office_csv)  # warm: the baseline runs in-process, its imports done once
    # Round-robin: each run times the baseline, validate and markers one after the other, so that
    # the machine's ups and downs fall on all three; the ratios are medians of each run's ratios.
    bases, validates, markers = [], [], []
    for _ in range(args.runs):
        bases.append(median_time(lambda: baseline(office_csv), 1))
        validates.append(run(validate_cmd)[0])
        markers.append(run(markers_cmd)[0])
    base = statistics.median(bases)
    print(f"baseline pandas.read_csv + points_from_xy + sjoin (in-process): {base:.2f} s  "
          f"(runs: {', '.join(f'{b:.2f}' for b in bases)})")
    validate_ratio = statistics.median(v / b for v, b in zip(validates, bases))
    print(f"sxmap validate (process):            {statistics.median(validates):.2f} s  ratio {validate_ratio:.2f} "
          f"(target ≤ 1; runs: {', '.join(f'{v:.2f}' for v in validates)})")
    peak = peak_of(markers_cmd)
    markers_ratio = statistics.median(m / b for m, b in zip(markers, bases))
    print(f"sxmap markers -o x.html (process):   {statistics.median(markers):.2f} s  ratio {markers_ratio:.2f} "
          f"(target ≤ 2; runs: {', '.join(f'{m:.2f}' for m in markers)}); peak memory {peak:.0f} MiB "
          "(target ≤ 1024)")

    stats_office = statistics.median(run([SXMAP, "stats", "--projects", str(office_csv), "--crs", "gcj02",
                                          "--format", "csv"])[0] for _ in range(args.runs))
    stats_canonical = statistics.median(run([SXMAP, "stats", "--projects", str(canonical_csv), "--format",
                                             "csv"])[0] for _ in range(args.runs))
    print(f"sxmap stats, Chinese headers:         {stats_office:.2f} s")
    print(f"sxmap stats, canonical headers:       {stats_canonical:.2f} s  ratio {stats_office / stats_canonical:.2f} "
          "(target ≤ 1.5)")

    inferred = statistics.median(run([SXMAP, "validate", str(office_csv)])[0] for _ in range(args.runs))
    print(f"sxmap validate, no --crs (datum inferred from the stated districts): {inferred:.2f} s")

    from sxmap.geo.reading.table import read_projects

    excel = median_time(lambda: read_projects(xlsx, crs="gcj02"), args.runs)
    print(f"read 100,000 xlsx rows (in-process):  {excel:.2f} s (target ≤ 3)")
    os.environ.pop("SXMAP_BENCH", None)


if __name__ == "__main__":
    main()

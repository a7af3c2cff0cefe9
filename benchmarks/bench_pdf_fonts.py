"""Benchmark: what print-ready PDF fonts cost — saving a static map as PDF with the CJK font
embedded as TrueType (Type 42, the subset's CFF outlines converted by :mod:`maps.fonts`) against
the Type 3 glyph procedures matplotlib writes by itself, in the same run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_pdf_fonts.py            # 5 runs
    .venv/bin/python benchmarks/bench_pdf_fonts.py --runs 9

It draws the bundled choropleth (16x12cm) once, then saves it as PDF ``--runs`` times each way
and prints the medians, the ratio and the file sizes. Most of the Type 42 time is fontTools
subsetting the 19 MB Noto Sans CJK collection (matplotlib's own Type 42 path pays that too); the
outline conversion itself is a small part of it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _save(static_map, fonttype: int) -> tuple[float, int]:
    import matplotlib

    from sxmap.maps.fonts import truetype_subsets

    buffer = io.BytesIO()
    start = time.perf_counter()
    with matplotlib.rc_context({**static_map.font.rc(), "pdf.fonttype": fonttype}):
        if fonttype == 42:
            with truetype_subsets():
                static_map.figure.savefig(buffer, format="pdf")
        else:
            static_map.figure.savefig(buffer, format="pdf")
    return time.perf_counter() - start, len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from sxmap.maps.static import choropleth_figure

    static_map = choropleth_figure(None, value="count")
    results = {}
    for label, fonttype in (("Type 3 (baseline)", 3), ("Type 42, TrueType outlines", 42)):
        times, size = [], 0
        for _ in range(args.runs):
            seconds, size = _save(static_map, fonttype)
            times.append(seconds)
        results[label] = statistics.median(times)
        print(f"{label:30s} median {results[label]:.2f} s  ({size:,} bytes)")
    base, new = results.values()
    print(f"ratio Type 42 / Type 3: {new / base:.1f}")


if __name__ == "__main__":
    main()

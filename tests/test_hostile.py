"""Hostile input (issue 10): every reading command over a corpus of broken, foreign and malicious
files (tests/data/hostile, made by make_hostile.py), and property tests feeding random bytes and
random table-shaped content to the CLI.

The promise checked for each run: exit status 0, 1 or 2 only; never a traceback (an uncaught
exception); the input file unchanged; no temporary file, and no output other than the one asked
for, left behind; nothing that a terminal would run (escape sequences) on standard output.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxmap.cli import main

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
CORPUS = sorted(p.name for p in HOSTILE.iterdir() if p.name != "make_hostile.py")

#: Every command that reads a table the user gives, and how it is given.
COMMANDS = {
    "validate": lambda f, out: ["validate", f],
    "stats": lambda f, out: ["stats", "--projects", f],
    "query": lambda f, out: ["query", "--projects", f, "--format", "csv"],
    "near": lambda f, out: ["near", "120.58", "30.0", "--projects", f],
    "markers": lambda f, out: ["markers", "--projects", f, "--tiles", "none", "-o", str(out / "m.html")],
    "choropleth": lambda f, out: ["choropleth", "--projects", f, "-o", str(out / "c.html")],
    "map": lambda f, out: ["map", "--projects", f, "--tiles", "none", "-o", str(out / "map.html")],
    "locate": lambda f, out: ["locate", "--input", f, "-o", str(out / "located.csv")],
}
OUTPUT_NAMES = {"m.html", "c.html", "map.html", "located.csv"}


def run_hostile(tmp_path, name: str, data: bytes, command: str):
    """Run ``command`` over a file holding ``data`` and check the promises; return the result."""
    folder = tmp_path / "in"
    out = tmp_path / "out"
    folder.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    source = folder / name
    source.write_bytes(data)
    result = CliRunner().invoke(main, COMMANDS[command](str(source), out))
    detail = f"{command} {name}: exit {result.exit_code}\n{result.output[-2000:]}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"{command} {name}: Traceback\n{tb[-3000:]}")
    assert result.exit_code in (0, 1, 2), detail
    assert "Traceback" not in result.output, detail
    assert source.read_bytes() == data, f"{command} {name}: the input changed"
    assert sorted(p.name for p in folder.iterdir()) == [name], f"{command} {name}: {list(folder.iterdir())}"
    assert set(p.name for p in out.iterdir()) <= OUTPUT_NAMES, f"{command} {name}: {list(out.iterdir())}"
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())
    assert "\x1b" not in result.stdout, detail  # no terminal escape reaches standard output
    if result.exit_code != 0:
        assert result.stderr.strip(), f"{command} {name}: failed without saying why"
    for p in out.iterdir():
        p.unlink()
    return result


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", CORPUS)
def test_every_reading_command_survives_the_corpus(tmp_path, name, command):
    run_hostile(tmp_path, name, (HOSTILE / name).read_bytes(), command)


def test_corpus_is_what_make_hostile_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.files()
    assert sorted(made) == CORPUS
    for name, data in made.items():
        if not name.endswith(".xlsx"):  # workbooks carry their save time
            assert (HOSTILE / name).read_bytes() == data, name


def test_formulas_never_reach_csv_output(tmp_path):
    import csv

    source = tmp_path / "formulas.csv"
    shutil.copy(HOSTILE / "formulas.csv", source)
    skip = ["--skip-invalid", "--overwrite"]  # the rows whose amount is a formula go to the rejects file
    rejects = tmp_path / "formulas.rejects.csv"
    for args in (["query", "--projects", str(source), "--format", "csv", *skip],
                 ["near", "120.58", "30", "--projects", str(source), "--format", "csv", *skip],
                 ["locate", "--input", str(source), "--lon-column", "经度", "--lat-column", "纬度"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        for text in (result.stdout, rejects.read_text(encoding="utf-8-sig")):
            cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], cells
        if args[0] != "near":  # near lists the nearest five, not necessarily this one
            assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in result.stdout.replace('""', '"')


def test_escapes_never_reach_the_terminal(tmp_path):
    for command in ("validate", "stats", "near"):
        result = run_hostile(tmp_path, "escapes.csv", (HOSTILE / "escapes.csv").read_bytes(), command)
        assert not any(ch in result.output for ch in "\x1b\x07\x9b\x08"), (command, result.output)


# ============================================================================================
# Property tests: random bytes and random table-shaped content

PROPERTY = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县", "杭州", "", " ", "nan", "inf", "-0",
                     "≥100亿", "约40亿", "1e309", "=1+1", "@SUM(1)", "\x1b[31m", "120.58", "30.0", "2023"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
)
HEADERS = st.lists(st.sampled_from(["项目名称", "name", "所在区县", "district", "总投资", "investment", "经度", "lon",
                                    "纬度", "lat", "年份", "产业", "", "x", "项目名称"]), min_size=1, max_size=6)


@st.composite
def csv_tables(draw):
    headers = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELL, min_size=len(headers), max_size=len(headers)), max_size=6))
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return buffer.getvalue().encode(encoding, errors="replace")


@st.composite
def geojson_docs(draw):
    def feature():
        return st.fixed_dictionaries({
            "type": st.just("Feature"),
            "properties": st.one_of(st.none(), st.dictionaries(HEADERS.map(lambda h: h[0]), CELL, max_size=4)),
            "geometry": st.one_of(st.none(), st.fixed_dictionaries({
                "type": st.sampled_from(["Point", "LineString", "Nope"]),
                "coordinates": st.one_of(st.lists(st.floats(-500, 500), max_size=3),
                                         st.lists(st.lists(st.floats(-200, 200), min_size=2, max_size=2), max_size=3)),
            })),
        })

    doc = {"type": draw(st.sampled_from(["FeatureCollection", "Feature", "Nope"])),
           "features": draw(st.lists(feature(), max_size=4))}
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8")


@st.composite
def xlsx_books(draw):
    from openpyxl import Workbook

    headers = draw(HEADERS)
    rows = draw(st.lists(st.lists(st.one_of(CELL, st.integers(-10**6, 10**6), st.floats(allow_nan=False, width=32)),
                                  min_size=len(headers), max_size=len(headers)), max_size=5))
    wb = Workbook()
    ws = wb.active
    ws.title = draw(st.sampled_from(["Sheet", "项目", "2023年"]))
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    legal = lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v  # noqa: E731
    for row in [headers, *rows]:
        ws.append([legal(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@PROPERTY
@given(data=st.binary(max_size=2048), ext=st.sampled_from(["csv", "xlsx", "geojson", "parquet", "gpkg"]),
       command=st.sampled_from(["validate", "stats", "locate"]))
def test_random_bytes(tmp_path_factory, data, ext, command):
    run_hostile(tmp_path_factory.mktemp("bytes"), f"random.{ext}", data, command)


@PROPERTY
@given(data=csv_tables(), command=st.sampled_from(["validate", "stats", "query", "locate"]))
def test_random_csv(tmp_path_factory, data, command):
    run_hostile(tmp_path_factory.mktemp("csv"), "table.csv", data, command)


@PROPERTY
@given(data=geojson_docs(), command=st.sampled_from(["validate", "stats"]))
def test_random_geojson(tmp_path_factory, data, command):
    run_hostile(tmp_path_factory.mktemp("geojson"), "points.geojson", data, command)


@PROPERTY
@given(data=xlsx_books(), command=st.sampled_from(["validate", "stats"]))
def test_random_xlsx(tmp_path_factory, data, command):
    run_hostile(tmp_path_factory.mktemp("xlsx"), "book.xlsx", data, command)

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
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxmap.cli import main

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
CORPUS = sorted(p.name for p in HOSTILE.iterdir() if p.name not in ("make_hostile.py", "__pycache__"))

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
    "report": lambda f, out: ["report", "--projects", f, "-o", str(out / "report.html")],
    "geocode": lambda f, out: ["geocode", f, "-o", str(out / "geocoded.csv")],
    "export-gpkg": lambda f, out: ["export", "--projects", f, "-o", str(out / "e.gpkg")],
    "export-kml": lambda f, out: ["export", "--projects", f, "-o", str(out / "e.kml")],
}
OUTPUT_NAMES = {"m.html", "c.html", "map.html", "located.csv", "report.html", "geocoded.csv", "e.gpkg", "e.kml"}


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
    sys.dont_write_bytecode, before = True, sys.dont_write_bytecode  # no __pycache__ in the corpus's folder
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
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
@given(data=st.binary(max_size=2048),
       ext=st.sampled_from(["csv", "tsv", "txt", "xlsx", "xls", "ods", "geojson", "parquet", "gpkg", "shp", "fgb",
                            "kml", "kmz", "zip", "dbf", "prj"]),
       command=st.sampled_from(list(COMMANDS)))
def test_random_bytes(tmp_path_factory, data, ext, command):
    run_hostile(tmp_path_factory.mktemp("bytes"), f"random.{ext}", data, command)


@PROPERTY
@given(data=csv_tables(), command=st.sampled_from(list(COMMANDS)))
def test_random_csv(tmp_path_factory, data, command):
    run_hostile(tmp_path_factory.mktemp("csv"), "table.csv", data, command)


@PROPERTY
@given(data=geojson_docs(), command=st.sampled_from(list(COMMANDS)))
def test_random_geojson(tmp_path_factory, data, command):
    run_hostile(tmp_path_factory.mktemp("geojson"), "points.geojson", data, command)


@PROPERTY
@given(data=xlsx_books(), command=st.sampled_from(list(COMMANDS)))
def test_random_xlsx(tmp_path_factory, data, command):
    run_hostile(tmp_path_factory.mktemp("xlsx"), "book.xlsx", data, command)


# ============================================================================================
# Issue 20 (reading side): coordinate systems, shapefile parts and encodings, reserved GeoPackage
# names, extremes of shape, the process's surroundings. One test per class of input.

POINTS = [(120.58, 30.00, "甲项目", "越城区"), (120.42, 30.05, "乙项目", "柯桥区")]


def _points_frame(crs="EPSG:4326"):
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"项目名称": [p[2] for p in POINTS], "所在区县": [p[3] for p in POINTS],
                              "总投资": ["1亿元", "2亿元"]},
                             geometry=gpd.points_from_xy([p[0] for p in POINTS], [p[1] for p in POINTS]), crs=4326)
    return frame.to_crs(crs) if crs != "EPSG:4326" else frame


def _one_line_refusal(result, path, exit_code=1):
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == exit_code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    if path is not None:
        assert str(path) in lines[0], lines[0]
    return lines[0]


def _geoparquet_declaring(path, crs_json):
    import pyarrow.parquet as pq

    _points_frame().to_parquet(path)
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"geo"])
    meta["columns"]["geometry"]["crs"] = crs_json
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"geo": json.dumps(meta).encode()}), path)


_LOCAL_ENGINEERING = ('ENGCRS["工地坐标",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,ORDER[1],LENGTHUNIT["metre",1]],'
                      'AXIS["y",north,ORDER[2],LENGTHUNIT["metre",1]]]')


@pytest.mark.parametrize("case, word", [("geocentric.gpkg", "geocentric"), ("engineering.gpkg", "engineering"),
                                        ("unknown_epsg.parquet", "does not know"), ("vertical.parquet", "vertical")])
def test_files_in_a_coordinate_system_that_cannot_reach_wgs84_are_refused_in_one_line(runner, tmp_path, case, word):
    from pyproj import CRS

    path = tmp_path / case
    if case == "geocentric.gpkg":
        _points_frame().set_crs(4978, allow_override=True).to_file(path)
    elif case == "engineering.gpkg":
        _points_frame().set_crs(CRS.from_wkt(_LOCAL_ENGINEERING), allow_override=True).to_file(path)
    elif case == "unknown_epsg.parquet":
        _geoparquet_declaring(path, {"type": "GeographicCRS", "name": "x", "id": {"authority": "EPSG", "code": 999999}})
    else:
        _geoparquet_declaring(path, "EPSG:5773")
    for command in (["validate", str(path)], ["stats", "--projects", str(path)],
                    ["locate", "--input", str(path), "-o", str(tmp_path / "out.csv")]):
        line = _one_line_refusal(runner.invoke(main, command), path)
        assert word in line and "WGS-84" in line, line
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("crs, word", [("4978", "geocentric"), ("EPSG:5773", "vertical"),
                                       (_LOCAL_ENGINEERING, "engineering")])
def test_a_crs_option_that_cannot_reach_wgs84_is_a_usage_error(runner, crs, word):
    result = runner.invoke(main, ["validate", str(HOSTILE / "web_mercator.csv"), "--crs", crs])
    assert result.exit_code == 2 and word in result.stderr and "Traceback" not in result.output, result.output


def test_web_mercator_tables_are_read_under_crs_3857_and_suggested_without_it(runner, tmp_path):
    from sxmap.geo.reading.table import read_projects

    source = HOSTILE / "web_mercator.csv"
    result = runner.invoke(main, ["validate", str(source)])
    assert result.exit_code == 1 and "--crs EPSG:3857" in result.stderr, result.stderr
    assert "4528" not in result.stderr and "4549" not in result.stderr and "Gauss" not in result.stderr
    for crs in ("3857", "EPSG:3857"):
        projects = read_projects(source, crs=crs)
        assert [round(v, 5) for v in projects["lon"]] == [120.58, 120.42]
        assert [round(v, 5) for v in projects["lat"]] == [30.0, 30.05]
        assert list(projects["district_located"]) == [330602, 330603]  # 越城区, 柯桥区: where the points lie
    table = tmp_path / "addresses.csv"  # geocode keeps the coordinates a table has, from any CRS
    table.write_text("项目名称,地址,x,y\n墨卡托甲,绍兴市越城区,13422904.2,3503549.8\n", encoding="utf-8")
    result = runner.invoke(main, ["geocode", str(table), "--crs", "3857", "-o", str(tmp_path / "g.csv")],
                           env={"SXMAP_CACHE_DIR": str(tmp_path / "cache")})
    assert result.exit_code == 0, result.output
    assert "墨卡托甲,绍兴市越城区,120.5800000,29.9999997,site" in (tmp_path / "g.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "mercator.gpkg"
    _points_frame("EPSG:3857").to_file(path)  # a GIS file says its CRS itself
    projects = read_projects(path)
    assert [round(v, 6) for v in projects["lon"]] == [120.58, 120.42]


def _shapefile(folder, stem, encoding, cpg=None, names=("项目名称", "所在区县", "总投资")):
    """A point shapefile whose attributes are in ``encoding``; ``cpg``: the .cpg's text (None: no .cpg)."""
    frame = _points_frame().rename(columns=dict(zip(("项目名称", "所在区县", "总投资"), names)))
    frame.to_file(folder / f"{stem}.shp", encoding=encoding)
    cpg_path = folder / f"{stem}.cpg"
    if cpg is None:
        cpg_path.unlink(missing_ok=True)
    else:
        cpg_path.write_text(cpg)
    return folder / f"{stem}.shp"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # GDAL's note that it cut a field name, while writing
@pytest.mark.parametrize("encoding, cpg, note", [("gbk", None, "no .cpg"), ("gbk", "UTF-8", "the .cpg says UTF-8"),
                                                  ("utf-8", None, None), ("utf-8", "UTF-8", None),
                                                  ("utf-8", "GBK", "the .cpg says GBK")])
def test_shapefile_attributes_are_decoded_as_csv_is_never_mojibake(runner, tmp_path, encoding, cpg, note):
    from sxmap.geo.reading.table import read_projects_report

    path = _shapefile(tmp_path, "projects", encoding, cpg)
    report = read_projects_report(path)
    frame = report.projects
    assert list(frame["name"]) == [p[2] for p in POINTS], list(frame["name"])
    assert list(frame["district"]) == [330602, 330603]
    if note:
        assert any(note in n for n in report.notes), report.notes
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0 and "甲项目" not in result.stderr, result.output


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_shapefile_in_an_encoding_too_short_to_tell_is_refused_as_csv_is(runner, tmp_path):
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"name": ["台北項目"], "district": ["越城區"]}, geometry=gpd.points_from_xy([120.58], [30.0]),
                             crs=4326)
    path = tmp_path / "big5.shp"
    frame.to_file(path, encoding="big5")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    line = _one_line_refusal(runner.invoke(main, ["validate", str(path)]), path)
    assert "Big5" in line and "UTF-8" in line, line  # named, with the fix: never decoded as something else


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_shapefile_field_names_cut_inside_a_character_are_read(tmp_path):
    from sxmap.geo.reading.table import read_projects

    path = _shapefile(tmp_path, "cut", "utf-8", "UTF-8")  # GDAL cuts 项目名称 (12 bytes) to 10: 项目名 + 1 byte
    projects = read_projects(path, columns={"name": "项目名"})
    assert list(projects["name"]) == [p[2] for p in POINTS]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_shapefile_parts_alone_name_the_file_to_pass_and_a_zipped_shapefile_is_read(runner, tmp_path):
    import zipfile

    path = _shapefile(tmp_path, "项目", "utf-8", "UTF-8", names=("name", "district", "investment"))
    for suffix in (".dbf", ".shx", ".prj", ".cpg"):
        part = path.with_suffix(suffix)
        line = _one_line_refusal(runner.invoke(main, ["validate", str(part)]), part)
        assert f"pass {path}" in line, line
    archive = tmp_path / "projects.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            z.write(path.with_suffix(suffix), f"folder/项目{suffix}")
    for missing in (".shx", ".dbf"):
        lone = tmp_path / missing[1:]
        lone.mkdir()
        for suffix in {".shp", ".shx", ".dbf"} - {missing}:
            shutil.copy(path.with_suffix(suffix), lone / f"项目{suffix}")
        line = _one_line_refusal(runner.invoke(main, ["validate", str(lone / "项目.shp")]), lone / "项目.shp")
        assert f"no {missing}" in line, line
        assert sorted(p.suffix for p in lone.iterdir()) == sorted({".shp", ".shx", ".dbf"} - {missing})  # nothing made
    result = runner.invoke(main, ["query", "--projects", str(archive), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "甲项目" in result.stdout and "乙项目" in result.stdout
    line = _one_line_refusal(runner.invoke(main, ["validate", str(HOSTILE / "no_shapefile.zip")]), None)
    assert "projects.csv" in line, line


def test_reserved_geopackage_names_in_a_table_survive_reading_and_export(runner, tmp_path):
    import pyogrio

    from sxmap.geo.reading.table import read_projects

    source = tmp_path / "reserved.csv"
    source.write_text("项目名称,所在区县,总投资,经度,纬度,fid,geom,FID,geometry\n"
                      "甲项目,越城区,1亿元,120.58,30.0,a1,g1,F1,x1\n乙项目,柯桥区,2亿元,120.42,30.05,a2,g2,F2,x2\n",
                      encoding="utf-8")
    out = tmp_path / "out.gpkg"
    result = runner.invoke(main, ["export", "--projects", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    _, table = pyogrio.read_arrow(out)
    assert table.column("fid_source").to_pylist() == ["a1", "a2"]
    assert table.column("geom_source").to_pylist() == ["g1", "g2"]
    assert table.column("FID_source_").to_pylist() == ["F1", "F2"]
    assert table.column("name").to_pylist() == ["甲项目", "乙项目"]
    back = read_projects(out)  # and it reads back, the user's columns kept
    assert list(back["fid_source"]) == ["a1", "a2"] and list(back["name"]) == ["甲项目", "乙项目"]
    kml = tmp_path / "out.kml"  # as does a KML export (read through GDAL's KML driver)
    assert runner.invoke(main, ["export", "--projects", str(source), "-o", str(kml)]).exit_code == 0
    back = read_projects(kml)
    assert list(back["name"]) == ["甲项目", "乙项目"] and list(back["district_located"]) == [330602, 330603]


def test_widths_and_cell_sizes_are_read_or_refused_naming_the_limit(runner, tmp_path):
    from sxmap.geo.reading.table import read_projects
    from sxmap.geo.sources import MAX_COLUMNS

    line = _one_line_refusal(runner.invoke(main, ["validate", str(HOSTILE / "too_wide.csv")]), None)
    assert f"{MAX_COLUMNS:,}" in line and "16,402" in line, line
    line = _one_line_refusal(runner.invoke(main, ["validate", str(HOSTILE / "endless_header.csv")]), None)
    assert "longer than 1 MiB" in line, line
    huge = read_projects(HOSTILE / "wide_header_cell.csv")  # a header cell past the csv module's 131,072
    assert ["长" * 140_000] == [c for c in huge.columns if c.startswith("长")]
    width = 3000  # extra columns kept, in order, with their values (joined at once, not one by one)
    source = tmp_path / "wide.csv"
    source.write_text(",".join(["项目名称", "所在区县"] + [f"列{i}" for i in range(width)]) + "\n"
                      + ",".join(["甲项目", "越城区"] + [str(i) for i in range(width)]) + "\n", encoding="utf-8")
    projects = read_projects(source)
    extras = [c for c in projects.columns if c.startswith("列")]
    assert extras == [f"列{i}" for i in range(width)]
    assert [projects[c].iloc[0] for c in extras[::997]] == [str(i) for i in range(0, width, 997)]
    result = runner.invoke(main, ["validate", str(source)])
    assert result.exit_code == 0 and "… and 2980 more" in result.stdout, result.stdout[:500]


def test_pipes_are_read_once_and_a_silent_fifo_is_refused(runner, tmp_path, monkeypatch):
    import os
    import threading
    import zipfile

    from sxmap.geo import sources

    fifo = tmp_path / "projects.csv"
    os.mkfifo(fifo)
    data = "项目名称,所在区县,总投资\n甲项目,越城区,1亿元\n".encode()

    def write(target, payload):
        with open(target, "wb") as f:
            f.write(payload)

    writer = threading.Thread(target=write, args=(fifo, data))
    writer.start()
    result = runner.invoke(main, ["validate", str(fifo)])
    writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    from openpyxl import Workbook  # a workbook through a pipe: read from a private copy, named as the pipe

    book = Workbook()
    for row in (["项目名称", "所在区县", "总投资"], ["甲项目", "越城区", "1亿元"]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    pipe = tmp_path / "book"  # no suffix: the bytes say it is a workbook
    os.mkfifo(pipe)
    writer = threading.Thread(target=write, args=(pipe, buffer.getvalue()))
    writer.start()
    result = runner.invoke(main, ["query", "--projects", str(pipe), "--format", "csv"])
    writer.join(timeout=10)
    assert result.exit_code == 0 and "甲项目" in result.stdout, result.output
    shp = _shapefile(tmp_path, "p", "utf-8", "UTF-8", names=("name", "district", "investment"))
    zipped = io.BytesIO()  # a zipped shapefile through a pipe: a ZIP, but not a workbook
    with zipfile.ZipFile(zipped, "w") as z:
        for suffix in (".shp", ".shx", ".dbf", ".cpg"):
            z.write(shp.with_suffix(suffix), f"p{suffix}")
    writer = threading.Thread(target=write, args=(pipe, zipped.getvalue()))
    writer.start()
    result = runner.invoke(main, ["query", "--projects", str(pipe), "--format", "csv"])
    writer.join(timeout=10)
    assert result.exit_code == 0 and "乙项目" in result.stdout, result.output
    monkeypatch.setattr(sources, "PIPE_WAIT_SECONDS", 0.2)
    line = _one_line_refusal(runner.invoke(main, ["validate", str(fifo)]), fifo)  # nobody writes to it now
    assert "no program is writing" in line, line
    for path in (tmp_path, "/dev/zero"):  # a directory, a device: refused at once
        result = runner.invoke(main, ["validate", str(path)])
        assert result.exit_code in (1, 2) and "Traceback" not in result.output


def test_an_instruction_sheet_before_the_table_is_passed_over_and_the_sheets_named(runner, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "填表说明"
    for row in (["填表说明"], ["1. 总投资单位为亿元"], ["2. 所在区县填写全称"]):
        book.active.append(row)
    table = book.create_sheet("项目清单")
    for row in (["项目名称", "所在区县", "总投资"], ["甲项目", "越城区", "1亿元"]):
        table.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0 and "'项目清单'" in result.stdout and "'填表说明'" in result.stdout, result.output
    book.remove(table)
    other = book.create_sheet("数据")
    for row in (["标题", "区"], ["甲", "越城区"]):
        other.append(row)
    book.save(path)
    line = _one_line_refusal(runner.invoke(main, ["validate", str(path)]), path)
    assert "'填表说明'" in line and "'数据'" in line and "--sheet" in line, line


def _run_on(path, command, out):
    """Run ``command`` (a key of COMMANDS) on ``path``: exit 0, 1 or 2, never a traceback."""
    result = CliRunner().invoke(main, COMMANDS[command](str(path), out))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        raise AssertionError(f"{command} {path.name}: Traceback\n"
                             + "".join(traceback.format_exception(result.exception))[-3000:])
    assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output, result.output
    if result.exit_code:
        assert result.stderr.strip(), f"{command} {path.name}: failed without saying why"
    return result


SHAPEFILE_TEXT = st.text(alphabet=st.characters(codec="gbk", exclude_categories=("Cs", "Cc")), max_size=12)


@PROPERTY
@given(rows=st.lists(st.tuples(SHAPEFILE_TEXT, st.sampled_from(["越城区", "柯桥区", "", "杭州"]), SHAPEFILE_TEXT,
                               st.floats(119, 122), st.floats(29, 31)), min_size=1, max_size=4),
       encoding=st.sampled_from(["utf-8", "gbk"]), cpg=st.sampled_from([None, "UTF-8", "GBK", "936", "nonsense"]),
       zipped=st.booleans(), command=st.sampled_from(list(COMMANDS)))
def test_random_shapefiles(tmp_path_factory, rows, encoding, cpg, zipped, command):
    import warnings
    import zipfile

    import geopandas as gpd

    folder = tmp_path_factory.mktemp("shp")
    out = folder / "out"
    out.mkdir()
    frame = gpd.GeoDataFrame({"项目名称": [r[0] for r in rows], "所在区县": [r[1] for r in rows],
                              "总投资": [r[2] for r in rows]},
                             geometry=gpd.points_from_xy([r[3] for r in rows], [r[4] for r in rows]), crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL cutting the field names
        frame.to_file(folder / "p.shp", encoding=encoding)
    (folder / "p.cpg").unlink(missing_ok=True)
    if cpg:
        (folder / "p.cpg").write_text(cpg)
    path = folder / "p.shp"
    if zipped:
        path = folder / "p.zip"
        with zipfile.ZipFile(path, "w") as z:
            for part in folder.glob("p.*"):
                if part != path:
                    z.write(part, part.name)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    result = _run_on(path, command, out)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before  # nothing changed or added
    if result.exit_code == 0 and command == "query":
        assert "\ufffd" not in result.stdout  # decoded, not replaced


CRS_DECLARED = st.one_of(st.sampled_from(["EPSG:4326", "EPSG:4490", "EPSG:3857", "EPSG:4549", "EPSG:4978",
                                          "EPSG:5773", "EPSG:4326+5773", "EPSG:999999", "OGC:CRS84", "", "nonsense",
                                          _LOCAL_ENGINEERING]),
                         st.text(max_size=30), st.none(),
                         st.fixed_dictionaries({"type": st.sampled_from(["GeographicCRS", "ProjectedCRS", "Nope"]),
                                                "id": st.fixed_dictionaries({"authority": st.just("EPSG"),
                                                                             "code": st.integers(0, 10**7)})}))


@PROPERTY
@given(crs=CRS_DECLARED, command=st.sampled_from(list(COMMANDS)))
def test_random_geoparquet_coordinate_systems(tmp_path_factory, crs, command):
    folder = tmp_path_factory.mktemp("parquet")
    out = folder / "out"
    out.mkdir()
    path = folder / "p.parquet"
    _geoparquet_declaring(path, crs)
    _run_on(path, command, out)


@pytest.mark.parametrize("name, part", [("bomb.xlsx", "xl/worksheets/sheet1.xml"), ("bomb.ods", "content.xml"),
                                        ("bomb.zip", "p.dbf"), ("bomb.kmz", "doc.kml")])
def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch, name, part):
    """A 1.5 MB .xlsx holding 1.6 GB of spaces in its sheet took 21 s and 3.3 GB of memory to read
    as a two-row table. A part that expands 200 times past BOMB_BYTES is refused at once (exit 1),
    in a workbook or a zipped GIS file; a real workbook (its XML compresses 5–50 times) is read
    whatever its size."""
    import zipfile

    import sxmap.geo.sources as sources

    monkeypatch.setattr(sources, "BOMB_BYTES", 1 << 20)  # (the rule, at a size a test can write)
    bomb = tmp_path / name
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml" if name.endswith(".xlsx") else "mimetype", "x")
        if name.endswith(".zip"):
            z.writestr("p.shp", b"\x00" * 100)
        z.writestr(part, b"<x>" + b" " * (8 << 20) + b"</x>")
    result = CliRunner().invoke(main, ["validate", str(bomb)])
    assert result.exit_code == 1 and "压缩炸弹" in result.stderr and "GiB" in result.stderr, result.stderr
    monkeypatch.setattr(sources, "BOMB_BYTES", 1 << 10)
    result = CliRunner().invoke(main, ["validate", str(Path(__file__).parent / "data" / "projects.xlsx")])
    assert result.exit_code == 0, result.stderr  # its sheet is past 1 KiB, at a ratio of a real one

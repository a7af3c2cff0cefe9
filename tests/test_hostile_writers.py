"""Hostile text on the writing side (issue 20 item 2): every writer and format given text that other
libraries interpret — XML-forbidden characters, mathtext dollars, formulas, markup, over-long cells —
must write a file that opens (parsed back here), and never a traceback.

Property tests (hypothesis) feed random hostile rows to every export format (csv, xlsx, geojson,
gpkg, kml), every table format of ``query`` (csv, json, geojson), the HTML map and the static
images (png, svg, pdf); each output is parsed back by the library that reads it.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxmap.cli import main
from sxmap.geo.boundaries import district_anchor
from sxmap.geo.export import EXCEL_CELL_LIMIT, export_projects

#: Characters and strings that other libraries interpret (XML, matplotlib's mathtext, Excel, HTML,
#: terminals, JSON). Lone surrogates are not among them: pandas' string columns cannot hold them, so
#: no reader hands one to a writer (geo.output.xml_safe removes them all the same).
NASTY = ["\ufffe", "\uffff", "\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x9b", "$", "$$", "\\",
         "US$5亿", r"$\frac{1}{0}$", "$x^{", "=1+1", "@SUM(A1)", "+cmd", "<script>alert(1)</script>", "]]>", "&amp;",
         "\x1b[31m", "\u202e", "\U0001f600", "\n", "\r\n", "\t", '"', "'", "%s", "{0}", "\u3000", "𠀀"]
TEXT = st.one_of(st.text(max_size=20), st.sampled_from(NASTY),
                 st.lists(st.sampled_from(NASTY) | st.text(max_size=3), max_size=6).map("".join))
PROPERTY = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def projects_frame(texts):
    """A canonical projects table whose every text field is hostile, points inside 柯桥区."""
    lon, lat = district_anchor(330603)
    n = len(texts)
    return pd.DataFrame({
        "id": [f"H{i}" for i in range(n)], "name": [t[0] for t in texts], "company": [t[1] for t in texts],
        "address": [t[2] for t in texts], "platform": [t[3] for t in texts], "industry": [t[4] for t in texts],
        "district": [330603] * n, "investment": [12.5] * n, "investment_bound": ["exact"] * n,
        "lon": [lon + 0.001 * i for i in range(n)], "lat": [lat] * n, "location_precision": ["site"] * n,
    })


ROWS = st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT), min_size=1, max_size=5)


def read_back(path, fmt):
    """Open an export with the library that reads it; return the rows' names."""
    if fmt == "kml":
        root = ET.parse(path).getroot()
        return [p.findtext("{http://www.opengis.net/kml/2.2}name") for p in
                root.iter("{http://www.opengis.net/kml/2.2}Placemark")]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            rows = list(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
        return [r[1] for r in rows[1:]]
    if fmt == "geojson":
        return [f["properties"]["name"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]
    if fmt == "gpkg":
        import pyogrio

        return pyogrio.read_dataframe(path)["name"].tolist()
    with open(path, encoding="utf-8", newline="") as f:
        return [r["name"] for r in csv.DictReader(f)]


@PROPERTY
@given(rows=ROWS, fmt=st.sampled_from(["kml", "xlsx", "geojson", "gpkg", "csv"]))
def test_every_export_format_opens_whatever_the_text(tmp_path_factory, rows, fmt):
    folder = tmp_path_factory.mktemp("export")
    frame = projects_frame(rows)
    out = export_projects(frame, folder / f"p.{fmt}")
    names = read_back(out, fmt)
    assert len(names) == len(frame)
    for name in names:
        assert not any(ch in (name or "") for ch in "\ufffe\uffff\x00\x01\x0b\x1f")


@PROPERTY
@given(rows=ROWS, fmt=st.sampled_from(["csv", "json", "geojson"]))
def test_query_output_parses_whatever_the_text(tmp_path_factory, runner, rows, fmt):
    folder = tmp_path_factory.mktemp("query")
    source = folder / "p.csv"
    frame = projects_frame(rows)
    frame.to_csv(source, index=False, encoding="utf-8")
    out = folder / f"q.{ {'geojson': 'geojson'}.get(fmt, fmt)}"
    result = runner.invoke(main, ["query", "--projects", str(source), "--format", fmt, "-o", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 0:
        text = out.read_text(encoding="utf-8")
        if fmt == "csv":
            assert list(csv.reader(io.StringIO(text)))
        else:
            json.loads(text)


@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=TEXT, source=TEXT, ext=st.sampled_from(["png", "svg", "pdf"]))
def test_static_images_take_any_title_and_source(tmp_path_factory, runner, title, source, ext):
    folder = tmp_path_factory.mktemp("static")
    out = folder / f"m.{ext}"
    result = runner.invoke(main, ["choropleth", "--title", title, "--source", source, "--dpi", "50", "-o", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2), result.output  # 2: a title the option parser refuses (e.g. a NUL)
    if result.exit_code == 0 and ext == "svg":
        ET.parse(out)  # the SVG is XML that parses
    if result.exit_code == 0:
        assert out.stat().st_size > 0


# --------------------------------------------------------------------------------------------
# One test per class


def test_xml_forbidden_characters_never_reach_kml_or_xlsx(tmp_path):
    frame = projects_frame([("名\ufffe称\uffff", "公司\x01\x0b", "地址\x08", "平台\x1f", "新能源\x00")])
    kml = export_projects(frame, tmp_path / "p.kml")
    root = ET.parse(kml).getroot()  # would raise "not well-formed (invalid token)"
    assert root.find(".//{http://www.opengis.net/kml/2.2}Placemark/{http://www.opengis.net/kml/2.2}name").text \
        == "名称"
    xlsx = export_projects(frame, tmp_path / "p.xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(xlsx).worksheets[0].iter_rows(values_only=True))
    assert rows[1][1] == "名称" and "公司" in rows[1]


def test_cells_over_excels_limit_are_cut_and_said(tmp_path, runner):
    long = "长" * (EXCEL_CELL_LIMIT + 10)
    frame = projects_frame([("短", "公司", long, "", "新能源"), ("短2", long, "地址", "", "新能源")])
    notes = []
    out = export_projects(frame, tmp_path / "p.xlsx", notes=notes)
    from openpyxl import load_workbook

    book = load_workbook(out)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    address, company = header.index("地址"), header.index("企业")
    assert len(rows[1][address]) == EXCEL_CELL_LIMIT and rows[1][address].endswith("…")
    assert len(rows[2][company]) == EXCEL_CELL_LIMIT
    assert len(notes) == 1 and "2 cell(s)" in notes[0]
    assert "row 2 column 'address'" in notes[0] and "row 3 column 'company'" in notes[0]
    assert "说明 notes" in book.sheetnames  # the workbook itself says so
    # the CLI says it on stderr
    source = tmp_path / "long.csv"
    frame.to_csv(source, index=False)
    result = runner.invoke(main, ["export", "--projects", str(source), "-o", str(tmp_path / "cli.xlsx")])
    assert result.exit_code == 0, result.output
    assert "longer than Excel's 32,767 characters" in result.stderr


def test_dollar_signs_are_text_not_mathtext(tmp_path, runner):
    out = tmp_path / "m.svg"
    result = runner.invoke(main, ["choropleth", "--title", "总投资 US$5亿 $x^{", "--source", r"$\frac{1}{0}$ 统计局",
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    texts = "".join(e.text or "" for e in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}text"))
    assert "US$5亿 $x^{" in texts and r"$\frac{1}{0}$" in texts


def test_export_at_many_rows_is_written_in_slices(tmp_path, monkeypatch):
    # slices of 7 rows: the files equal the one-slice files, row for row
    from sxmap.geo import export

    frame = projects_frame([(f"项目{i}", "c", "a", "p", ["新能源", "新材料"][i % 2]) for i in range(30)])
    whole = {fmt: export_projects(frame, tmp_path / f"whole.{fmt}") for fmt in ("kml", "csv", "geojson", "xlsx",
                                                                                   "gpkg")}
    monkeypatch.setattr(export, "CHUNK_ROWS", 7)
    monkeypatch.setattr(export.export_chunks, "__defaults__", (7,))
    for fmt, first in whole.items():
        sliced = export_projects(frame, tmp_path / f"sliced.{fmt}")
        if fmt in ("kml", "csv", "geojson"):
            assert sliced.read_bytes() == first.read_bytes(), fmt
        assert read_back(sliced, fmt) == read_back(first, fmt) == [f"项目{i}" for i in range(30)], fmt


def test_gpkg_keeps_a_users_fid_and_geom_columns(tmp_path):
    import pyogrio

    frame = projects_frame([("甲", "c", "a", "p", "新能源")]).assign(fid="x-1", geom="not a geometry")
    out = export_projects(frame, tmp_path / "p.gpkg")
    back = pyogrio.read_dataframe(out)
    assert back["fid_source"].tolist() == ["x-1"] and back["geom_source"].tolist() == ["not a geometry"]
    assert back.geometry.iloc[0].x == pytest.approx(frame["lon"].iloc[0])


@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_streamed_tables_equal_the_whole_text(monkeypatch, fmt):
    from sxmap.geo import tables
    from sxmap.geo.tables import iter_render, render

    frame = projects_frame([(f"项目{i}\n", "公司\"", "=地址", None, "新能源") for i in range(23)])
    frame.loc[3, "investment"] = float("nan")
    whole = render(frame, fmt)
    monkeypatch.setattr(tables.row_chunks, "__defaults__", (5,))  # slices of 5 rows
    pieces = list(iter_render(frame, fmt))
    assert len(pieces) >= 5 and "".join(pieces) == whole
    if fmt != "csv":
        json.loads(whole)


def test_streamed_table_equals_the_whole_table(monkeypatch):
    from sxmap.geo import tables
    from sxmap.geo.tables import format_table, iter_render

    frame = projects_frame([(f"项目{i}" * (i % 4), "公司", "地址", "", "新能源") for i in range(23)])
    whole = format_table(frame)
    monkeypatch.setattr(tables.row_chunks, "__defaults__", (5,))
    pieces = list(iter_render(frame, "table"))
    assert len(pieces) >= 5 and "".join(pieces) == whole
    assert whole.splitlines()[2].startswith("H0 ")  # widths from every slice, not the first


@pytest.mark.parametrize("cell", ["\r", "a\rb", "=1\r", "a\r\nb", "\r\r\n"])
def test_a_lone_carriage_return_never_splits_a_csv_row(tmp_path, cell):
    """Found by the fuzzing above (seed 54588166958215128198822425535912275864): a cell holding a bare
    "\\r" was written unquoted, and a reader saw one row more."""
    rows = [("名", "", "", "", "")] * 3 + [(cell, "公司", cell, "", cell)]
    out = export_projects(projects_frame(rows), tmp_path / "p.csv")
    with open(out, encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    assert len(back) == 4 and [r["id"] for r in back] == ["H0", "H1", "H2", "H3"]
    assert back[3]["company"] == "公司"

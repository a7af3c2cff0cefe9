"""Tables as planning offices lay them out, one column rule for every command, traditional
Chinese, and nothing invented or silently blank (issue 16 items 2, 3, 4, 8) — geo.reading.

The 重大项目计划表 fixtures (tests/data/plans) are written by tests/data/plans/make_plans.py; the
expected totals below are those its docstring states, from the amounts it writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxmap.cli import main
from sxmap.geo.reading.layout import combined_headers, section_title
from sxmap.geo.reading.table import read_projects, read_projects_report

PLANS = Path(__file__).parent / "data" / "plans"
DATA = Path(__file__).parent / "data"
YUECHENG, KEQIAO, SHANGYU, XINCHANG, ZHUJI, SHENGZHOU = 330602, 330603, 330604, 330624, 330681, 330683
TOTALS = {YUECHENG: 50, KEQIAO: 20, SHANGYU: 15, XINCHANG: 8, ZHUJI: 12.0646, SHENGZHOU: 6}
ANNUAL = {YUECHENG: 12, KEQIAO: 5, SHANGYU: 3, XINCHANG: 2, ZHUJI: 4, SHENGZHOU: 1.5}


def _stats_json(runner, *args):
    result = runner.invoke(main, ["stats", *args, "--format", "json"])
    assert result.exit_code == 0, result.output + result.stderr
    return result, {row["adcode"]: row for row in json.loads(result.stdout) if row.get("adcode")}


# --------------------------------------------------------------------------------------------
# Item 2: the 重大项目计划表


def test_make_plans_writes_the_committed_csv(tmp_path):
    from test_reader_forms import load_generator  # tests/ is on sys.path (no __init__.py)

    module = load_generator(PLANS / "make_plans.py")
    module.make(tmp_path)
    assert (tmp_path / "plan.csv").read_bytes() == (PLANS / "plan.csv").read_bytes()


@pytest.mark.parametrize("name", ["plan.csv", "plan.xlsx"])
def test_plan_table_reads_with_no_options(name, runner):
    report = read_projects_report(PLANS / name, geometry=False)
    frame = report.projects
    assert len(frame) == 6 and report.rejected_rows == 0
    assert report.columns["investment"] == "投资额（万元）/总投资"
    assert "投资额（万元）/2023年计划投资" in frame.columns  # kept, under its path
    assert any("两行表头" in note for note in report.notes)
    assert any("多列像投资额" in note and "2023年计划投资" in note for note in report.notes)
    assert any("4 total row(s) dropped" in note for note in report.notes)
    assert list(frame["section"]) == ["产业项目/先进制造业"] * 2 + ["产业项目/生物医药"] * 2 + ["基础设施项目"] * 2
    _, rows = _stats_json(runner, "--projects", str(PLANS / name))
    assert {code: rows[code]["investment"] for code in TOTALS} == pytest.approx(TOTALS)
    result = runner.invoke(main, ["validate", str(PLANS / name)])
    assert result.exit_code == 0 and "分组 Sections: 产业项目/先进制造业 2, 产业项目/生物医药 2, 基础设施项目 2" in result.output
    assert all(rows[code]["count"] == 1 for code in TOTALS)


@pytest.mark.parametrize("header", ["2023年计划投资", "投资额（万元）/2023年计划投资"])
def test_plan_table_annual_figures_by_leaf_or_path(header, runner):
    _, rows = _stats_json(runner, "--projects", str(PLANS / "plan.xlsx"), "--column", f"investment={header}")
    assert {code: rows[code]["investment"] for code in ANNUAL} == pytest.approx(ANNUAL)


def test_plan_table_by_section_and_filtered(runner):
    result = runner.invoke(main, ["stats", "--projects", str(PLANS / "plan.csv"), "--by", "section",
                                  "--format", "json"])
    assert result.exit_code == 0, result.stderr
    by_section = {row["section"]: row for row in json.loads(result.stdout)}
    assert by_section["产业项目/先进制造业"]["investment"] == pytest.approx(70)
    assert by_section["产业项目/生物医药"]["investment"] == pytest.approx(23)
    assert by_section["基础设施项目"]["investment"] == pytest.approx(18.0646)
    assert by_section["合计"]["investment"] == pytest.approx(111.0646)
    _, rows = _stats_json(runner, "--projects", str(PLANS / "plan.csv"), "--section", "产业项目")
    assert sum(row["count"] for row in rows.values()) == 4
    result = runner.invoke(main, ["query", "--projects", str(PLANS / "plan.xlsx"), "--section", "生物医药",
                                  "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)] == ["测试生物医药产业园", "测试制药扩产项目"]


def test_section_on_a_table_without_headings_is_a_usage_error(runner):
    result = runner.invoke(main, ["stats", "--by", "section"])
    assert result.exit_code == 2 and "no section headings" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    result = runner.invoke(main, ["markers", "--section", "产业项目", "-o", "never.html"])
    assert result.exit_code == 2 and "no section headings" in result.stderr


def test_every_command_with_filters_takes_section(runner, tmp_path):
    """--section is one of the shared filters: the maps, the export and the briefing show a section
    of a planning office's table, as stats and query count it (it was on those two only)."""
    from sxmap.cli import filter_options

    plan = str(PLANS / "plan.csv")
    for name, command in main.commands.items():
        options = {o for p in command.params for o in p.opts}
        assert ("--district" in options) == ("--section" in options), name
    assert "--section" in {o for p in click_params(filter_options) for o in p.opts}
    result = runner.invoke(main, ["export", "--projects", plan, "--section", "产业项目", "-o", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig").count("\n") == 1 + 4  # header and four projects
    for command in ("markers", "choropleth", "map"):
        result = runner.invoke(main, [command, "--projects", plan, "--section", "不存在的分组", "-o",
                                      str(tmp_path / f"{command}.html")])
        assert result.exit_code == 0, result.stderr
        assert "none of the 6 projects matches the filters" in result.stderr, command
    table = tmp_path / "sections_by_year.csv"
    table.write_text("项目名称,所在区县,总投资,年份\n一、产业项目,,,\n甲,越城区,10,2023\n乙,柯桥区,20,2024\n"
                     "二、基础设施项目,,,\n丙,越城区,5,2023\n丁,上虞区,7,2024\n", encoding="utf-8")
    for section, yuecheng in ((None, 15), ("产业项目", 10), ("基础设施项目", 5)):
        rows = _stats_json(runner, "--projects", str(table), "--compare", "2023,2024",
                           *(["--section", section] if section else []))[1]
        assert rows[330602]["investment_a"] == yuecheng, section  # --compare counted every row, whatever --section said


def click_params(decorator):
    """The click parameters a decorator of options adds to a command."""
    import click

    return click.command()(decorator(lambda **kwargs: None)).params


def test_combined_headers_and_section_titles():
    assert combined_headers(["序号", "投资额（万元）", "", "备注"], ["", "总投资", "2023年计划投资", ""]) == \
        ["序号", "投资额（万元）/总投资", "投资额（万元）/2023年计划投资", "备注"]
    # merged cells filled (Excel): the upper header repeated, the lower one repeating it
    assert combined_headers(["项目名称", "投资额", "投资额"], ["项目名称", "总投资", "本年投资"]) == \
        ["项目名称", "投资额/总投资", "投资额/本年投资"]
    assert section_title("一、产业项目") == (1, "产业项目")
    assert section_title("（二）生物医药") == (2, "生物医药")
    assert section_title("3. 数字经济") == (3, "数字经济")
    assert section_title("1.5") is None and section_title("测试项目") is None


def test_a_heading_with_an_amount_word_is_not_a_second_header_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("序号,项目名称,所在区县,总投资\n一、重大投资项目,,,\n1,甲,柯桥区,5\n", encoding="utf-8")
    report = read_projects_report(path, geometry=False)
    assert report.columns["investment"] == "总投资" and list(report.projects["section"]) == ["重大投资项目"]


def test_a_project_row_is_not_a_heading(tmp_path):
    """A row with a name like a heading but other values is a project."""
    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资\n一、产业项目,,\n1、测试项目,柯桥区,5\n", encoding="utf-8")
    frame = read_projects(path, geometry=False)
    assert list(frame["name"]) == ["1、测试项目"] and list(frame["section"]) == ["产业项目"]


# --------------------------------------------------------------------------------------------
# Item 4: traditional Chinese


TRADITIONAL = Path(__file__).parent / "data" / "traditional"


def test_big5_file_with_traditional_headers_and_districts(runner):
    """tests/data/traditional/big5_traditional.csv: Big5, 項目名稱/所在區縣/總投資/項目地址, 越城區 …, 億元/萬元."""
    assert not (TRADITIONAL / "big5_traditional.csv").read_bytes().decode("big5").isascii()
    report = read_projects_report(TRADITIONAL / "big5_traditional.csv", geometry=False)
    frame = report.projects
    assert report.columns == {"name": "項目名稱", "district": "所在區縣", "address": "項目地址", "investment": "總投資"}
    assert list(frame["district"]) == [YUECHENG, KEQIAO, ZHUJI, SHENGZHOU]
    assert list(frame["district_located"]) == [YUECHENG, KEQIAO, ZHUJI, SHENGZHOU]
    assert list(frame["investment"]) == pytest.approx([10, 0.5, 3, 2])
    assert list(frame["name"])[0] == "紹興紡織產業園區項目"  # a name stays as written
    assert list(frame["township"])[:2] == ["皋埠街道", "马鞍街道"]
    assert any("繁体字已按简体读取" in note for note in report.notes)
    result = runner.invoke(main, ["validate", str(TRADITIONAL / "big5_traditional.csv")])
    assert result.exit_code == 0, result.output


def test_traditional_values_under_simplified_headers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资\n甲,越城區,1億元\n乙,嵊州市,5000萬元\n", encoding="utf-8")
    frame = read_projects(path, geometry=False)
    assert list(frame["district"]) == [YUECHENG, SHENGZHOU]
    assert list(frame["investment"]) == pytest.approx([1, 0.5])


def test_a_simplified_table_never_loads_the_converter(tmp_path):
    from sxmap.geo.reading import script

    script._converter.cache_clear()
    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资\n甲,越城区,1亿元\n", encoding="utf-8")
    read_projects(path, geometry=False)
    assert script._converter.cache_info().currsize == 0


# --------------------------------------------------------------------------------------------
# Item 8: nothing invented, nothing silently blank


def test_locate_input_honours_a_datum_in_the_header(runner, tmp_path):
    from sxmap.geo.boundaries import district_anchor
    from sxmap.geo.crs import wgs84_to_bd09, wgs84_to_gcj02

    lon, lat = district_anchor(KEQIAO)
    for header, convert in (("GCJ-02", wgs84_to_gcj02), ("百度", wgs84_to_bd09)):
        x, y = convert(lon, lat)
        path = tmp_path / f"pts_{convert.__name__}.csv"
        path.write_text(f"名称,经度({header}),纬度({header})\nA,{x:.7f},{y:.7f}\n", encoding="utf-8")
        result = runner.invoke(main, ["locate", "--input", str(path), "--format", "json"])
        assert result.exit_code == 0, result.stderr
        row = json.loads(result.stdout)[0]
        assert row["lon_wgs84"] == pytest.approx(lon, abs=1e-6) and row["lat_wgs84"] == pytest.approx(lat, abs=1e-6)


def _workbook_with_errors(path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["项目名称", "所在区县", "总投资", "备注"])
    sheet.append(["甲", "越城区", 5, None])
    sheet.append(["乙", "柯桥区", "#N/A", None])
    sheet.append(["丙", "#REF!", 3, "#NAME?"])
    sheet.append(["丁", "上虞区", "#DIV/0!", None])
    for cell in ("C3", "B4", "D4", "C5"):
        sheet[cell].data_type = "e"  # stored as Excel stores an error value: <c t="e"><v>#N/A</v></c>
    book.save(path)
    return path


def assert_error_values_are_errors(runner, tmp_path, path, cells):
    """``validate`` names each error cell ``(row, column, value)`` and exits 1; ``stats
    --skip-invalid`` counts only the one row without an error (甲): none read as a blank or a 0.
    Returns the ``validate`` result."""
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    for row, column, value in cells:
        assert f"row {row}, column '{column}': an Excel error value" in result.stderr and value in result.stderr
    stats = runner.invoke(main, ["stats", "--projects", str(path), "--skip-invalid", "--rejects",
                                 str(tmp_path / "rej.csv"), "--format", "json"])
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)[-1]["count"] == 1  # only 甲: nothing read as a blank amount
    return result


def test_excel_error_values_are_errors_by_row_and_column(runner, tmp_path):
    path = _workbook_with_errors(tmp_path / "errors.xlsx")
    assert_error_values_are_errors(runner, tmp_path, path, ((3, "总投资", "#N/A"), (4, "所在区县", "#REF!"),
                                                            (4, "备注", "#NAME?"), (5, "总投资", "#DIV/0!")))


def _ods_with_errors(path):
    """An OpenDocument spreadsheet as LibreOffice saves formulas that ended in an error: the error's
    code as the cell's text, ``calcext:value-type="error"``, and a string or a number (0) beside it
    (calamine reads the first as empty and the second as 0). Merged and repeated cells shift the
    columns; a second sheet holds an error too."""
    import zipfile

    def cell(value, extra=""):
        if isinstance(value, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{value}"{extra}><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"{extra}><text:p>{value}</text:p></table:table-cell>'

    def error(code, as_zero=False):
        typed = 'office:value-type="float" office:value="0"' if as_zero else 'office:value-type="string" office:string-value=""'
        return (f'<table:table-cell table:formula="of:=[.Z9]/0" {typed} calcext:value-type="error">'
                f'<text:p>{code}</text:p></table:table-cell>')

    def row(*cells, repeat=""):
        return f"<table:table-row{repeat}>{''.join(cells)}</table:table-row>"

    header = row(cell("项目名称"), cell("所在区县"), cell("备注", ' table:number-columns-spanned="2"'),
                 '<table:covered-table-cell/>', cell("总投资"))
    rows = [row(cell("甲"), cell("越城区"), '<table:table-cell table:number-columns-repeated="2"/>', cell(5)),
            row(cell("乙"), cell("柯桥区"), '<table:table-cell table:number-columns-repeated="2"/>', error("#N/A")),
            row(cell("丙"), error("#REF!"), '<table:table-cell table:number-columns-repeated="2"/>', cell(3)),
            row(cell("丁"), cell("上虞区"), '<table:table-cell table:number-columns-repeated="2"/>',
                error("#DIV/0!", as_zero=True)),
            row('<table:table-cell table:number-columns-repeated="5"/>', repeat=' table:number-rows-repeated="1048570"')]
    other = row(cell("项目名称"), cell("总投资")) + row(cell("戊"), error("#VALUE!"))
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
               'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.3">'
               '<office:body><office:spreadsheet>'
               f'<table:table table:name="项目表">{header}{"".join(rows)}</table:table>'
               f'<table:table table:name="其他">{other}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def test_ods_error_values_are_errors_by_row_and_column_never_blank_or_zero(runner, tmp_path):
    """An .ods from LibreOffice keeps 0 beside a #DIV/0!: read as an amount of 0, the table was VALID
    with a smaller sum; a #N/A was a blank amount."""
    from sxmap.geo.reading.excel import error_cells

    path = _ods_with_errors(tmp_path / "errors.ods")
    assert error_cells(path, "项目表") == [(3, "E", "#N/A"), (4, "B", "#REF!"), (5, "E", "#DIV/0!")]
    assert error_cells(path, "其他") == [(2, "B", "#VALUE!")]
    result = assert_error_values_are_errors(runner, tmp_path, path, ((3, "总投资", "#N/A"), (4, "所在区县", "#REF!"),
                                                                     (5, "总投资", "#DIV/0!")))
    assert "LibreOffice" in result.stderr


def test_xls_error_values_are_errors_by_row_and_column(runner, tmp_path):
    """An .xls (tests/data/forms/make_xls.py): calamine reads its error cells as empty."""
    from sxmap.geo.reading.excel import error_cells

    path = DATA / "forms" / "errors.xls"
    assert error_cells(path, "项目") == [(3, "C", "#DIV/0!"), (4, "B", "#REF!"), (5, "C", "#N/A")]
    assert error_cells(path, "其他") == [(2, "C", "#VALUE!")]
    assert_error_values_are_errors(runner, tmp_path, path, ((3, "总投资（亿元）", "#DIV/0!"), (4, "所在区县", "#REF!"),
                                                            (5, "总投资（亿元）", "#N/A")))


def test_an_xls_without_error_records_is_not_read_twice(monkeypatch):
    """The workbook stream is searched for an error record first; xlrd reads the cells only then."""
    import xlrd

    from sxmap.geo.reading.excel import error_cells

    def refuse(*args, **kwargs):  # (not an error xlrd itself raises: those are caught)
        raise RuntimeError("xlrd read the workbook")

    monkeypatch.setattr(xlrd, "open_workbook", refuse)
    assert error_cells(DATA / "forms" / "plain.xls", "项目") == []
    with pytest.raises(RuntimeError, match="xlrd read"):
        error_cells(DATA / "forms" / "errors.xls", "项目")


@pytest.mark.parametrize("cell", ["亿", "万元", "亿元整", "亿元"])
def test_a_unit_without_a_number_is_not_an_amount(cell, tmp_path):
    from sxmap.geo.errors import DataErrors

    path = tmp_path / "p.csv"
    path.write_text(f"项目名称,所在区县,总投资\n甲,越城区,{cell}\n", encoding="utf-8")
    with pytest.raises(DataErrors, match="a unit without a number"):
        read_projects(path, geometry=False)


def test_amount_forms_around_units():
    from sxmap.geo.amounts import read_amount
    from sxmap.geo.errors import DataError

    assert read_amount("3亿元整").value == 3 and read_amount("百亿").value == 100
    with pytest.raises(DataError, match="decimal mark"):
        read_amount("12,5")


def test_comma_decimals_in_a_semicolon_table(runner, tmp_path):
    """120,646 in a European-locale CSV is 120.646 degrees, never 'metres, pass --crs EPSG:4549'."""
    path = tmp_path / "semicolon.csv"
    path.write_text("项目名称;经度;纬度;总投资\n甲;120,646;30,012;5\n乙;120,5;29,9;3\n", encoding="utf-8")
    report = read_projects_report(path, geometry=False)
    assert list(report.projects["lon"]) == pytest.approx([120.646, 120.5])
    assert list(report.projects["lat"]) == pytest.approx([30.012, 29.9])
    assert any("decimal comma" in note for note in report.notes)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0 and "EPSG" not in result.output + result.stderr


def test_tz_aware_parquet_timestamps_are_dates(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = pa.array([dt.datetime(2023, 3, 7, 18, 0), dt.datetime(2021, 6, 1, 1, 0), None],
                   type=pa.timestamp("us", tz="UTC"))
    table = pa.table({"项目名称": ["甲", "乙", "丙"], "所在区县": ["越城区", "柯桥区", "上虞区"], "签约日期": utc})
    pq.write_table(table, tmp_path / "p.parquet")
    frame = read_projects(tmp_path / "p.parquet", geometry=False)
    assert list(frame["year"].astype("Int64").fillna(0)) == [2023, 2021, 0]
    assert list(frame["date"]) == ["2023-03-08", "2021-06-01", ""]  # the date in China (UTC+8)


# --------------------------------------------------------------------------------------------
# Property: any planning table of this shape reads back its own sections and sums


_PLACES = ("越城区皋埠街道", "柯桥区马鞍街道", "上虞区曹娥街道", "新昌县七星街道", "诸暨市暨阳街道", "嵊州市剡湖街道")


def _plan_rows(draw_sections):
    """CSV rows of a plan table: title, two header rows, then sections of projects with 小计, 合计."""
    rows = [["测试计划表", "", "", "", ""], ["序号", "项目名称", "建设地点", "投资额（万元）", ""],
            ["", "", "", "总投资", "2023年计划投资"]]
    expected, number = [], 0
    numerals = "一二三四五六七八九"
    for i, (title, subsections) in enumerate(draw_sections):
        rows.append([f"{numerals[i]}、{title}", "", "", "", ""])
        for j, (subtitle, amounts) in enumerate(subsections):
            path = title
            if subtitle:
                rows.append([f"（{numerals[j]}）{subtitle}", "", "", "", ""])
                path = f"{title}/{subtitle}"
            for total, annual, place in amounts:
                number += 1
                rows.append([str(number), f"测试项目{number}", _PLACES[place], str(total), str(annual)])
                expected.append((path, total / 10000, place))
            rows.append(["", "小计", "", str(sum(a[0] for a in amounts)), str(sum(a[1] for a in amounts))])
    rows.append(["合计", "", "", str(sum(e[1] for e in expected) * 10000), ""])
    return rows, expected


_titles = st.sampled_from(["产业项目", "基础设施项目", "社会民生", "生态环保", "先进制造业", "现代服务业"])
_amounts = st.lists(st.tuples(st.integers(1, 900000), st.integers(0, 90000), st.integers(0, 5)), min_size=1,
                    max_size=4)
_sections = st.lists(st.tuples(_titles, st.lists(st.tuples(st.one_of(st.just(""), _titles), _amounts), min_size=1,
                                                  max_size=3)), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sections=_sections)
def test_any_plan_table_reads_back_its_sections_and_sums(tmp_path, sections):
    import csv
    import io

    # one subsection level throughout a section: an unnamed part after a named one would belong to it
    sections = [(title, [p for p in parts if p[0]] or parts[:1]) if any(p[0] for p in parts) else (title, parts[:1])
                for title, parts in sections]
    rows, expected = _plan_rows(sections)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / "plan.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    frame = read_projects(path, geometry=False)
    assert list(frame["section"]) == [e[0] for e in expected]
    assert list(frame["investment"]) == pytest.approx([e[1] for e in expected])


def test_error_values_written_out_in_a_csv_are_errors(tmp_path):
    from sxmap.geo.errors import DataErrors

    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资,企业\n#N/A,越城区,5,\n乙,柯桥区,3,#REF!\n丙,上虞区,2,某公司\n", encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        read_projects(path, geometry=False)
    text = str(caught.value)
    assert "row 2, column '项目名称': an Excel error value" in text and "row 3, column '企业'" in text
    assert "row 4" not in text


def test_tables_read_as_text_keep_arrow_strings_not_python_objects():
    """read_table (locate --input, geocode, place files) keeps each column as an Arrow-backed
    string array: a million rows of a 9-column list were a 743 MiB frame of Python strings, which
    put `locate --input` over 1 GiB (benchmarks/bench_memory.py). Values and "" for blanks as before."""
    from sxmap.geo.reading.columns import read_table

    frame = read_table(Path(__file__).parent / "data" / "query_projects.csv")
    assert len(frame) and all(str(dtype) == "str" for dtype in frame.dtypes), frame.dtypes
    assert not frame.isna().any().any()  # blanks are "", as before
    assert all(isinstance(v, str) for v in frame.iloc[0])

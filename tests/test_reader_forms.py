"""The one reader (issue 9) on tables as 招商 offices write them: header forms, date forms,
projected coordinates in both axis conventions, encodings, malformed CSV, amounts in words, and a
property test against a slow per-row reference built from the scalar functions.

Fixtures are in tests/data/forms, written by tests/data/forms/make_forms.py (deterministic: a
test checks that running it again gives the same bytes). Projected coordinates there are computed
with pyproj from the shipped district anchors, and the expected points here come from the same
anchors — never typed in.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxmap.cli import main
from sxmap.geo.amounts import parse_amount, read_amount
from sxmap.geo.boundaries import district_anchor
from sxmap.geo.districts import BY_ADCODE, resolve_district
from sxmap.geo.errors import DataError, DataErrors, UnknownDistrictError, UsageError
from sxmap.geo.reading.coordinates import check_lon_lat, parse_coordinate
from sxmap.geo.reading.dates import parse_date
from sxmap.geo.reading.table import read_projects_report

FORMS = Path(__file__).parent / "data" / "forms"
YUECHENG, KEQIAO, SHANGYU, XINCHANG, ZHUJI, SHENGZHOU = 330602, 330603, 330604, 330624, 330681, 330683
PROJECTED_DISTRICTS = (YUECHENG, ZHUJI, SHENGZHOU)  # the rows of the proj_*.csv fixtures, in order


def load_generator(path):
    """A fixture generator script (tests/data/*/make_*.py) as a module, without leaving a
    __pycache__ in the fixtures folder."""
    import sys

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


def _make_forms_module():
    """tests/data/forms/make_forms.py as a module (for the names it writes)."""
    return load_generator(FORMS / "make_forms.py")


def read(name, **kwargs):
    return read_projects_report(FORMS / name, geometry=False, **kwargs)


def rows_of(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def test_fixtures_are_reproducible(tmp_path):
    """make_forms.py writes exactly the committed fixtures (so they can be regenerated)."""
    written = _make_forms_module().make(tmp_path)
    assert len(written) >= 40
    for path in written:
        assert path.read_bytes() == (FORMS / path.name).read_bytes(), path.name


# ============================================================================================
# 1. Headers


INVESTMENT_FORMS = [
    # file, header, expected amounts (亿元) of the two rows: "12.5" and "3000万元" unless noted
    ("invest_touzi.csv", "投资", [12.5, 0.3]),
    ("invest_touzie.csv", "投资额", [12.5, 0.3]),
    ("invest_zongtouzi.csv", "总投资", [12.5, 0.3]),
    ("invest_jihua.csv", "计划总投资", [12.5, 0.3]),
    ("invest_xieyi.csv", "协议投资", [12.5, 0.3]),
    ("invest_guding.csv", "固定资产投资", [12.5, 0.3]),
    ("invest_jine.csv", "金额", [12.5, 0.3]),
    ("invest_wan_header.csv", "协议总投资（万元）", [5.0, 3.0]),  # 50000 (万元 from the header), 3亿元
    ("invest_yi_slash.csv", "投资额/亿元", [12.5, 0.3]),
]


@pytest.mark.parametrize("name, header, amounts", INVESTMENT_FORMS, ids=[f[1] for f in INVESTMENT_FORMS])
def test_each_investment_header_is_the_investment_column(name, header, amounts):
    assert rows_of(FORMS / name)[0][2] == header  # the fixture holds the form under test
    report = read(name)
    assert report.columns["investment"] == header
    np.testing.assert_allclose(report.projects["investment"], amounts)
    assert list(report.projects["investment_bound"]) == ["exact", "exact"]
    assert not any("no investment column" in w for w in report.warnings)
    assert header not in report.ignored


def test_header_with_a_line_break_keeps_its_unit():
    """Excel headers are often two lines (Alt+Enter): 计划总投资 / （万元）. Saved as CSV, the header
    cell holds a newline inside quotes; the unit on the second line still applies."""
    assert rows_of(FORMS / "invest_header_newline.csv")[0][2] == "计划总投资\n（万元）"
    report = read("invest_header_newline.csv")
    assert report.columns["investment"] == "计划总投资\n（万元）"
    np.testing.assert_allclose(report.projects["investment"], [0.8, 0.3])  # not 8000 and 3000 亿元
    assert list(report.projects["id"]) == ["2", "3"]


def test_usd_header_needs_the_rate_and_converts_with_it():
    with pytest.raises(DataErrors) as excinfo:
        read("invest_usd_header.csv")
    assert [e.row for e in excinfo.value.errors] == [2, 3]
    assert all("--usd-rate" in str(e) for e in excinfo.value.errors)
    report = read("invest_usd_header.csv", usd_rate=7.1)
    assert report.columns["investment"] == "投资(亿美元)"
    np.testing.assert_allclose(report.projects["investment"], [2 * 7.1, 0.5 * 7.1])
    assert any("US dollars" in w and "7.1" in w for w in report.warnings)


def test_usd_header_through_the_cli(runner):
    result = runner.invoke(main, ["stats", "--projects", str(FORMS / "invest_usd_header.csv"), "--usd-rate", "7.1",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    total = json.loads(result.stdout)[-1]
    assert total["count"] == 2
    assert total["investment"] == pytest.approx(2.5 * 7.1)


def test_several_investment_headers_take_the_strongest_and_say_how_to_choose():
    report = read("invest_several.csv")
    assert report.columns["investment"] == "计划总投资"
    np.testing.assert_allclose(report.projects["investment"], [20, 6])
    note = next(n for n in report.notes if "计划总投资" in n)
    assert "协议投资" in note and "固定资产投资" in note
    assert "--column investment=" in note
    chosen = read("invest_several.csv", columns={"investment": "协议投资"})
    assert chosen.columns["investment"] == "协议投资"
    np.testing.assert_allclose(chosen.projects["investment"], [15, 5])


def test_several_investment_headers_note_reaches_validate(runner):
    result = runner.invoke(main, ["validate", str(FORMS / "invest_several.csv")])
    assert result.exit_code == 0, result.output
    assert "计划总投资" in result.stdout and "--column investment=" in result.stdout


def test_no_investment_column_stats_says_so_and_totals_are_unknown(runner):
    result = runner.invoke(main, ["stats", "--projects", str(FORMS / "invest_none.csv"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "no investment column" in result.stderr
    for header in ("项目名称", "所在区县", "产业", "备注"):
        assert repr(header) in result.stderr
    assert "--column investment=" in result.stderr
    table = json.loads(result.stdout)
    total = table[-1]
    assert total["count"] == 3 and total["n_no_amount"] == 3
    assert total["investment"] is None  # unknown, not 0
    for row in table[:-1]:
        if row["count"]:
            assert row["investment"] is None


@pytest.mark.parametrize("command", [
    ["query", "--format", "csv"], ["near", "120.6", "30.0", "--format", "csv"], ["export", "-o", "{tmp}/out.geojson"],
    ["choropleth", "-o", "{tmp}/map.html"], ["markers", "-o", "{tmp}/markers.html"],
], ids=lambda c: c[0])
def test_no_investment_column_every_command_says_so_on_stderr(runner, tmp_path, command):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--projects", str(FORMS / "invest_none.csv")]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "no investment column" in result.stderr and "'备注'" in result.stderr
    assert "no investment column" not in result.stdout


def test_no_investment_column_library_amounts_are_nan():
    report = read("invest_none.csv")
    assert report.projects["investment"].isna().all()
    assert report.warnings[0].startswith("no investment column")


def test_validate_lists_ignored_headers(runner):
    result = runner.invoke(main, ["validate", str(FORMS / "invest_none.csv")])
    assert result.exit_code == 0, result.output
    ignored = next(line for line in result.stdout.splitlines() if "Ignored headers" in line)
    assert "'备注'" in ignored
    assert "no investment column" in result.stdout + result.stderr
    assert read("invest_none.csv").ignored == ["备注"]


PLACE_FORMS = [("place_jianshe.csv", "建设地点"), ("place_xiangmu.csv", "项目地址"), ("place_dizhi.csv", "地址"),
               ("place_suozaidi.csv", "所在地"), ("place_xiangzhen.csv", "所在乡镇")]


@pytest.mark.parametrize("name, header", PLACE_FORMS, ids=[f[1] for f in PLACE_FORMS])
def test_each_place_header_is_the_address(name, header):
    assert rows_of(FORMS / name)[0][2] == header
    report = read(name)
    assert report.columns["address"] == header
    assert list(report.projects["address"]) == ["越城区城南街道测试路1号", "上虞区曹娥街道测试路2号"]
    assert header not in report.projects.columns  # not kept a second time as an extra column


def test_serial_column_is_not_the_id_total_row_dropped_and_year_header_with_punctuation():
    report = read("serial_total.csv")
    gdf = report.projects
    assert "id" not in report.columns
    assert list(gdf["id"]) == ["2", "3", "4"]  # the row numbers, not 序号's 101, 102, 103
    assert "序号" not in gdf.columns
    assert list(gdf["name"]) == ["测试项目甲", "测试项目乙", "测试项目丙"]
    assert "合计" not in set(gdf["name"])
    note = next(n for n in report.notes if "total row" in n)
    assert "row 5" in note
    np.testing.assert_allclose(gdf["investment"], [10, 5, 2.5])
    assert report.columns["year"] == "年份、"
    assert list(gdf["year"]) == [2023, 2022, 2023]
    assert report.rows_read == 3


def test_total_row_is_not_counted_by_stats(runner):
    result = runner.invoke(main, ["stats", "--projects", str(FORMS / "serial_total.csv"), "--format", "json"])
    assert result.exit_code == 0, result.output
    total = json.loads(result.stdout)[-1]
    assert total["count"] == 3 and total["investment"] == pytest.approx(17.5)  # not 35: 合计 is no project


def test_total_row_with_the_word_in_the_serial_column_is_dropped():
    """Offices often write 合计 in the 序号 column and leave the name empty: still a total row."""
    report = read("total_in_serial.csv")
    assert list(report.projects["name"]) == ["测试项目甲", "测试项目乙"]
    assert any("total row" in n and "row 4" in n for n in report.notes)


def test_total_row_written_with_an_ideographic_space_is_dropped():
    """合　计 / 总　计 (U+3000 between the characters, to align them) are total rows too."""
    report = read("total_wide_space.csv")
    assert list(report.projects["name"]) == ["测试项目甲", "测试项目乙"]
    assert any("2 total row" in n for n in report.notes)


def test_header_forms_in_a_workbook():
    """Numbers stored as numbers, the unit in the header, 签约时间 as an Excel date, 建设地点, 序号 and 合计."""
    report = read("forms.xlsx")
    gdf = report.projects
    assert report.columns == {"name": "项目名称", "district": "所在区县", "investment": "协议总投资（万元）",
                              "year": "签约时间", "address": "建设地点"}
    np.testing.assert_allclose(gdf["investment"], [5.0, 0.12005])
    assert list(gdf["year"]) == [2023, 2022] and list(gdf["date"]) == ["2023-03-08", "2022-07-01"]
    assert list(gdf["address"]) == ["越城区城南街道测试路1号", "诸暨市暨阳街道测试路2号"]
    assert list(gdf["id"]) == ["2", "3"] and "序号" not in gdf.columns
    assert list(gdf["备注"]) == ["一期", ""]
    assert any("total row" in n for n in report.notes)
    assert report.ignored == ["序号", "备注"]


# ============================================================================================
# 2. Dates


def test_excel_date_cells_give_the_year_and_keep_the_date():
    from openpyxl import load_workbook

    book = load_workbook(FORMS / "dates.xlsx")
    cells = [row[2] for row in book.active.iter_rows(min_row=2)]
    assert all(cell.is_date for cell in cells[:4])  # real Excel dates, not text (one in 年月日 format)
    assert cells[3].number_format == 'yyyy"年"m"月"d"日"'
    assert cells[4].value == 44993 and not cells[4].is_date  # a bare date serial, as pasted values give
    report = read("dates.xlsx")
    assert report.columns["year"] == "签约日期"
    gdf = report.projects
    assert list(gdf["year"]) == [2023, 2022, 2021, 2020, 2023]
    assert list(gdf["date"]) == ["2023-03-08", "2022-11-30", "2021-01-15", "2020-12-31", "2023-03-08"]
    np.testing.assert_allclose(gdf["investment"], [10, 5, 2, 1, 3])


def test_date_text_forms_give_the_year_and_keep_the_date():
    report = read("dates.csv")
    gdf = report.projects
    assert [r[2] for r in rows_of(FORMS / "dates.csv")[1:]] == ["2023-03-08", "2023年3月", "2023.3", "20230308",
                                                                "2022"]
    assert list(gdf["year"]) == [2023, 2023, 2023, 2023, 2022]
    assert list(gdf["date"]) == ["2023-03-08", "2023-03", "2023-03", "2023-03-08", ""]


@pytest.mark.parametrize("text, expected", [
    ("2023-03-08", (2023, "2023-03-08")), ("2023年3月", (2023, "2023-03")), ("2023.3", (2023, "2023-03")),
    ("20230308", (2023, "2023-03-08")), ("2023年3月8日", (2023, "2023-03-08")), ("2023", (2023, "")),
    ("2023/3/8 0:00:00", (2023, "2023-03-08")), ("2023年", (2023, "")), ("44993", (2023, "2023-03-08")),
    ("2023.03.08", (2023, "2023-03-08")), ("２０２３年３月", (2023, "2023-03")), ("2023.10", (2023, "2023-10")),
])
def test_parse_date_forms(text, expected):
    assert parse_date(text) == expected


# ============================================================================================
# 3. Projected coordinates


def _projected_forms():
    return _make_forms_module().PROJECTED


@pytest.mark.parametrize("stem, crs, headers, order", _projected_forms(), ids=[p[0] for p in _projected_forms()])
def test_projected_tables_both_axis_conventions(stem, crs, headers, order):
    from pyproj import Transformer

    rows = rows_of(FORMS / f"{stem}.csv")
    assert rows[0][2:] == list(headers)
    to_crs = Transformer.from_crs(4326, crs, always_xy=True)
    for code, row in zip(PROJECTED_DISTRICTS, rows[1:]):
        east, north = to_crs.transform(*district_anchor(code))
        first, second = float(row[2]), float(row[3])
        assert (first, second) == pytest.approx((north, east) if order == "NE" else (east, north), abs=0.01)
        assert (east >= 1e7) == (crs == "EPSG:4528")  # the zone number is in front under EPSG:4528 only
    report = read(f"{stem}.csv", crs=crs)
    gdf = report.projects
    assert list(gdf["location_precision"]) == ["site"] * 3
    for code, lon, lat in zip(PROJECTED_DISTRICTS, gdf["lon"], gdf["lat"]):
        assert (lon, lat) == pytest.approx(district_anchor(code), abs=1e-6)  # 1 cm in the file ≈ 1e-7°
    assert list(gdf["district_located"]) == list(PROJECTED_DISTRICTS)
    assert not any("不在所填区县内" in w for w in report.warnings)
    surveying = any("X is the northing" in n for n in report.notes)
    assert surveying == (headers == ("X", "Y") and order == "NE")  # said only when X/Y were swapped


def test_projected_workbook_with_numbers():
    from openpyxl import load_workbook

    rows = list(load_workbook(FORMS / "proj_survey_4528.xlsx").active.values)
    assert rows[0] == ("项目名称", "所在区县", "X", "Y")
    assert all(isinstance(v, float) and v > 3e6 for row in rows[1:] for v in row[2:])  # numbers, not text
    report = read("proj_survey_4528.xlsx", crs="EPSG:4528")
    for code, lon, lat in zip(PROJECTED_DISTRICTS, report.projects["lon"], report.projects["lat"]):
        assert (lon, lat) == pytest.approx(district_anchor(code), abs=1e-6)
    assert any("X is the northing" in n for n in report.notes)


@pytest.mark.parametrize("stem", ["proj_xy_north_4549", "proj_xy_east_4549", "proj_en_4549", "proj_hz_4549"])
def test_validate_with_crs_4549_puts_points_in_their_districts(runner, stem):
    result = runner.invoke(main, ["validate", str(FORMS / f"{stem}.csv"), "--crs", "EPSG:4549"])
    assert result.exit_code == 0, result.output
    assert "点位 site 3" in result.stdout
    for code in PROJECTED_DISTRICTS:
        d = BY_ADCODE[code]
        assert re.search(rf"{d.name_zh} {d.name_en}\s+1\s+1\s*$", result.stdout, re.M), result.stdout
    assert "不在所填区县内" not in result.stdout
    assert "有效 VALID" in result.stdout


@pytest.mark.parametrize("form", ["proj_xy_north", "proj_xy_east", "proj_en", "proj_hz"])
@pytest.mark.parametrize("fits, stated", [("EPSG:4528", "EPSG:4549"),  # zone number in front, CRS without
                                          ("EPSG:4549", "EPSG:4528")])  # no zone number, CRS with one
def test_zone_prefix_that_contradicts_the_crs_is_refused_naming_the_crs_that_fits(runner, form, fits, stated):
    stem = f"{form}_{fits.split(':')[1]}"
    with pytest.raises(UsageError, match=fits):
        read(f"{stem}.csv", crs=stated)
    result = runner.invoke(main, ["validate", str(FORMS / f"{stem}.csv"), "--crs", stated])
    assert result.exit_code == 2
    assert fits in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("stem, fits", [("proj_xy_north_4549", "EPSG:4549"), ("proj_en_4549", "EPSG:4549"),
                                        ("proj_xy_east_4528", "EPSG:4528"), ("proj_hz_4528", "EPSG:4528")])
def test_metres_under_wgs84_are_refused_suggesting_the_projected_crs_that_fits(stem, fits):
    with pytest.raises(DataErrors) as excinfo:
        read(f"{stem}.csv", crs="wgs84")  # (without --crs the stated districts choose the zone: test_datum.py)
    message = str(excinfo.value)
    assert "metres" in message and fits in message
    other = {"EPSG:4549": "EPSG:4528", "EPSG:4528": "EPSG:4549"}[fits]
    # the fix offered must be the CRS that fits, not the other one
    assert f"--crs {fits}" in message and other not in message, message


def test_degrees_under_a_projected_crs_are_refused(runner):
    with pytest.raises(UsageError, match="degrees"):
        read("degrees.csv", crs="EPSG:4549")
    result = runner.invoke(main, ["validate", str(FORMS / "degrees.csv"), "--crs", "EPSG:4549"])
    assert result.exit_code == 2 and "wgs84" in result.stderr
    assert list(read("degrees.csv").projects["district_located"]) == list(PROJECTED_DISTRICTS)


# ============================================================================================
# 4. Encodings


ENCODED = [  # file, Python codec, how a refusal may name it, the names written (make_forms.py)
    ("big5.csv", "big5", ("big5", "cp950"), "BIG5_NAMES"),
    ("big5_one_row.csv", "big5", ("big5", "cp950"), "BIG5_ONE_ROW_NAMES"),
    ("big5_two_rows.csv", "big5", ("big5", "cp950"), "BIG5_TWO_ROW_NAMES"),
    ("shift_jis.csv", "shift_jis", ("shift_jis", "shiftjis", "cp932"), "SJIS_NAMES"),
    ("euc_kr.csv", "euc_kr", ("euc_kr", "euckr", "cp949"), "EUC_KR_NAMES"),
]


@pytest.mark.parametrize("name, encoding, labels, names_attr", ENCODED, ids=[e[0] for e in ENCODED])
def test_other_encodings_read_right_or_refused_naming_the_encoding_never_mojibake(name, encoding, labels, names_attr):
    data = (FORMS / name).read_bytes()
    originals = list(getattr(_make_forms_module(), names_attr))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode(encoding).splitlines()[1].startswith(originals[0])
    try:
        report = read(name)
    except DataError as exc:
        said = f"{exc.message} {exc.hint}".lower().replace("-", "_")  # not the path: it names the encoding
        assert any(label in said for label in labels), f"refused, but naming another encoding: {exc}"
        return
    assert list(report.projects["name"]) == originals, f"read as {report.encoding}"


@pytest.mark.parametrize("name, label", [("big5.csv", "Big5"), ("shift_jis.csv", "Shift-JIS")])
def test_big5_and_shift_jis_tables_are_read(name, label):
    report = read(name)
    assert label in report.encoding
    np.testing.assert_allclose(report.projects["investment"], [10, 5, 3])


def test_big5_and_shift_jis_validate_exit_0(runner):
    for name in ("big5.csv", "shift_jis.csv"):
        result = runner.invoke(main, ["validate", str(FORMS / name)])
        assert result.exit_code == 0, result.output


def test_gb18030_file_reads_as_gbk():
    report = read("gb18030.csv")
    assert report.encoding == "GB18030/GBK"
    assert list(report.projects["name"]) == list(_make_forms_module().GB18030_NAMES)
    np.testing.assert_allclose(report.projects["investment"], [10, 0.5, 3])


def test_utf16_with_bom_reads():
    assert (FORMS / "utf16.csv").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    report = read("utf16.csv")
    assert report.encoding == "UTF-16"
    assert list(report.projects["name"]) == ["测试项目甲", "测试项目乙"]
    assert list(report.projects["district"]) == [YUECHENG, SHENGZHOU]


def test_an_encoding_sxmap_does_not_read_is_refused_naming_it(runner):
    data = (FORMS / "cp1251.csv").read_bytes()
    assert data.decode("cp1251").splitlines()[1].startswith(_make_forms_module().CP1251_NAMES[0])
    with pytest.raises(DataError) as excinfo:
        read("cp1251.csv")
    said = f"{excinfo.value.message} {excinfo.value.hint}"  # not the path, which says cp1251 too
    assert "cp1251" in said and "UTF-8" in said
    result = runner.invoke(main, ["validate", str(FORMS / "cp1251.csv")])
    assert result.exit_code == 1 and "cp1251" in result.stderr.replace(str(FORMS / "cp1251.csv"), "")


def test_png_named_csv_is_refused_in_one_line(runner):
    assert (FORMS / "image.csv").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(DataError, match="PNG"):
        read("image.csv")
    result = runner.invoke(main, ["validate", str(FORMS / "image.csv")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PNG" in lines[0] and lines[0].startswith("Error:")


# ============================================================================================
# 5. Malformed CSV


def test_unterminated_quote_is_reported_at_the_row_where_it_opens(runner):
    with pytest.raises(DataError) as excinfo:
        read("unterminated_quote.csv")
    error = excinfo.value
    assert error.row == 4  # row 2 spans two lines, so row 4 starts on line 5
    assert "line 5" in str(error) and "quote" in str(error)
    result = runner.invoke(main, ["validate", str(FORMS / "unterminated_quote.csv")])
    assert result.exit_code == 1
    assert "row 4" in result.stderr and "Traceback" not in result.output


def test_a_2_mb_cell_is_read(tmp_path):
    big = ("绍兴,\"纺织\"\n" * 200_000)[:1_100_000]  # quotes, commas and newlines inside; 2.2 MB
    assert len(big.encode("utf-8")) >= 2_000_000
    path = tmp_path / "big_cell.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["项目名称", "所在区县", "总投资", "备注"], ["测试项目甲", "越城区", "10", big],
                                 ["测试项目乙", "柯桥区", "5", "短"]])
    report = read_projects_report(path, geometry=False)
    gdf = report.projects
    assert list(gdf["name"]) == ["测试项目甲", "测试项目乙"]
    assert gdf["备注"].iloc[0] == big.strip()
    assert list(gdf["id"]) == ["2", "3"]
    np.testing.assert_allclose(gdf["investment"], [10, 5])


def test_ragged_row_is_named_with_its_row_number(runner):
    with pytest.raises(DataErrors) as excinfo:
        read("ragged.csv")
    (error,) = excinfo.value.errors
    assert error.row == 3 and "4 cells" in error.message and "300" in str(error)  # row 3 is on lines 4
    report = read("ragged.csv", skip_invalid=True)
    names = list(report.projects["name"])
    assert len(names) == 2 and names[0].startswith("测试项目甲") and names[0].endswith("（一期）")
    assert names[1] == "测试项目丙"
    assert list(report.rejects["row"]) == [3]
    result = runner.invoke(main, ["validate", str(FORMS / "ragged.csv")])
    assert result.exit_code == 1 and "row 3" in result.stderr


# ============================================================================================
# 6. Amounts


def test_chinese_numerals_lower_bounds_and_ranges():
    gdf = read("amounts_cn.csv").projects
    np.testing.assert_allclose(gdf["investment"], [100, 35, 0.5, 50, 20, 30, 10, 15, 12])
    assert list(gdf["investment_bound"]) == ["exact", "exact", "exact", "min", "min", "min", "min", "approx",
                                             "exact"]
    low, high = gdf["investment_low"].to_numpy(float), gdf["investment_high"].to_numpy(float)
    assert (low[7], high[7]) == (10, 20)
    assert np.isnan(np.delete(low, 7)).all() and np.isnan(np.delete(high, 7)).all()


@pytest.mark.parametrize("text, value, bound", [
    ("一百亿", 100, "exact"), ("三十五亿元", 35, "exact"), ("五千万", 0.5, "exact"), ("逾50亿", 50, "min"),
    ("超过20亿", 20, "min"), ("不低于30亿", 30, "min"), ("10亿以上", 10, "min"), ("10-20亿", 15, "approx"),
    ("十亿元以上", 10, "min"), ("约三十亿", 30, "approx"), ("一百亿元人民币", 100, "exact"), ("两亿", 2, "exact"),
    ("10~20亿元", 15, "approx"), ("1.5亿-2亿", 1.75, "approx"), ("5000-8000万", 0.65, "approx"),
    # 百 without 一 is how the phrase is written in news and reports: 总投资逾百亿元
    ("逾百亿", 100, "min"), ("超百亿", 100, "min"), ("近百亿", 100, "approx"), ("百亿", 100, "exact"),
])
def test_parse_amount_forms(text, value, bound):
    assert parse_amount(text) == (pytest.approx(value), bound)


@pytest.mark.parametrize("text", ["数十亿", "NaN", "Infinity", "1e400", "10000.01", "20000亿", "一万五千亿"])
def test_absurd_or_vague_amounts_are_refused(text):
    with pytest.raises(DataError):
        parse_amount(text)


def test_range_keeps_its_ends():
    amount = read_amount("10-20亿")
    assert (amount.low, amount.high, amount.value, amount.bound) == (10, 20, 15, "approx")


_WORDS_BEFORE = st.sampled_from(["", "超过", "超", "逾", "不低于", "约", "近", "将近", "大约"])
_WORDS_AFTER = st.sampled_from(["", "以上", "左右", "余", "+"])


@settings(max_examples=400, deadline=None)
@given(before=_WORDS_BEFORE, digits=st.from_regex(r"(0|[1-9][0-9]{0,15})(\.[0-9]{1,13})?([eE]\+?[0-9]{1,4})?",
                                                  fullmatch=True),
       mult=st.sampled_from(["", "亿", "万", "千万"]), yuan=st.sampled_from(["", "元"]), after=_WORDS_AFTER,
       unit=st.sampled_from(["亿元", "万元", "元"]))
def test_common_amount_forms_read_as_the_careful_parser_reads_them(before, digits, mult, yuan, after, unit):
    """read_amount takes a shortcut for the common forms; it must agree with the general parser
    on every value and every error."""
    from sxmap.geo.amounts import _read_amount_carefully

    text = before + digits + mult + yuan + after

    def outcome(read):
        try:
            return read()
        except DataError as exc:
            return ("error", exc.message, exc.value)

    fast = outcome(lambda: read_amount(text, unit=unit))
    careful = outcome(lambda: _read_amount_carefully(text, unit, None, "CNY"))
    assert fast == careful


def test_absurd_amounts_are_row_errors():
    with pytest.raises(DataErrors) as excinfo:
        read("amounts_bad.csv")
    errors = excinfo.value.errors
    assert [e.row for e in errors] == [3, 4, 5, 6]
    assert all(e.column == "总投资" for e in errors)
    assert [e.value for e in errors] == ["20000亿", "inf", "nan", "一万五千亿"]
    report = read("amounts_bad.csv", skip_invalid=True)
    assert list(report.projects["name"]) == ["测试项目01", "测试项目06"]
    assert list(report.rejects["row"]) == [3, 4, 5, 6]


# ============================================================================================
# 7. locate --input


def test_locate_input_applies_the_coordinate_checks(runner, tmp_path):
    for fmt in ("text", "json", "geojson"):
        out = tmp_path / f"bad.{fmt}"
        result = runner.invoke(main, ["locate", "--input", str(FORMS / "locate_bad.csv"), "--format", fmt,
                                      "-o", str(out)])
        assert result.exit_code == 1, result.output
        assert "row 3" in result.stderr and "200" in result.stderr
        assert "row 4" in result.stderr and "swapped" in result.stderr
        assert "row 2," not in result.stderr
        assert not out.exists()


def test_locate_input_json(runner, tmp_path):
    out = tmp_path / "points.json"
    result = runner.invoke(main, ["locate", "--input", str(FORMS / "locate_points.csv"), "--format", "json",
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["adcode"] for r in records] == list(PROJECTED_DISTRICTS)
    assert [r["点位"] for r in records] == [f"{BY_ADCODE[c].name_zh}测试点" for c in PROJECTED_DISTRICTS]
    for record, code in zip(records, PROJECTED_DISTRICTS):
        assert (record["lon_wgs84"], record["lat_wgs84"]) == pytest.approx(district_anchor(code), abs=1e-6)


def test_locate_input_geojson(runner, tmp_path):
    out = tmp_path / "points.geojson"
    result = runner.invoke(main, ["locate", "--input", str(FORMS / "locate_points.csv"), "--format", "geojson",
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 3
    for feature, code in zip(collection["features"], PROJECTED_DISTRICTS):
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        assert tuple(feature["geometry"]["coordinates"]) == pytest.approx(district_anchor(code), abs=1e-6)
        assert feature["properties"]["adcode"] == code


def test_locate_input_projected_table(runner):
    result = runner.invoke(main, ["locate", "--input", str(FORMS / "proj_xy_north_4549.csv"), "--crs", "EPSG:4549",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["adcode"] for r in json.loads(result.stdout)] == list(PROJECTED_DISTRICTS)


# ============================================================================================
# 8. Property: the vectorised reader agrees with a slow per-row reference

VALID_DISTRICTS = ["越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市", "越城", "Keqiao", "330681", "绍兴县", ""]
INVALID_DISTRICTS = ["杭州市", "西湖区", "不知道"]
VALID_YEARS = ["", "2023", "2022年", "2023-03-08", "2023年3月", "2023.3", "20230308"]
INVALID_YEARS = ["1800", "2023-13-01", "去年"]
INVALID_AMOUNTS = ["abc", "1.2.3", "nan", "inf", "-3", "20000亿", "10以下", "一万五千亿"]
AMOUNT_FORMS = ["{n}", "{n}亿", "{n}亿元", "{n}万元", "超{n}亿", "约{n}亿", "{n}亿以上", "逾{n}亿", "{n}-{m}亿",
                "{n}.5", "{cn}亿", "{cn}万", "", "待定"]


def mostly(valid, invalid):
    """A strategy drawing mostly from ``valid``, sometimes from ``invalid`` (shrinking towards valid)."""
    return st.integers(0, 15).flatmap(lambda k: invalid if k == 13 else valid)


@st.composite
def valid_amounts(draw):
    n = draw(st.integers(0, 9000))
    m = n + draw(st.integers(0, 50))
    form = draw(st.sampled_from(AMOUNT_FORMS))
    if "{cn}" in form:
        import cn2an

        return form.format(cn=cn2an.an2cn(max(n, 1)))
    return form.format(n=n, m=m)


@st.composite
def coordinate_cells(draw):
    kind = draw(mostly(st.sampled_from(["inside", "inside", "blank"]),
                       st.sampled_from(["one", "abroad", "range", "swapped", "zero"])))
    lon = draw(st.floats(120.3, 120.9))
    lat = draw(st.floats(29.5, 30.1))
    if kind == "blank":
        return "", ""
    if kind == "one":
        return f"{lon:.6f}", ""
    if kind == "abroad":
        return f"{draw(st.floats(-20, 60)):.6f}", f"{lat:.6f}"
    if kind == "range":
        return f"{draw(st.floats(181, 999)):.6f}", f"{lat:.6f}"
    if kind == "swapped":
        return f"{lat:.6f}", f"{lon:.6f}"
    if kind == "zero":
        return "0", "0"
    return f"{lon:.6f}", f"{lat:.6f}"


@st.composite
def padded(draw, cells):
    """A cell, sometimes with spaces around it (ASCII or the ideographic space U+3000)."""
    cell = draw(cells)
    pad = draw(st.sampled_from(["", "", "", " ", "\u3000"]))
    return f"{pad}{cell}{pad}" if cell else cell


@st.composite
def tables(draw):
    """Small tables: random district names (the six, other spellings, invalid ones, blank),
    amounts in several written forms (some invalid), years, lon/lat inside or outside, blanks."""
    n = draw(st.integers(1, 8))
    rows = []
    for i in range(n):
        name = draw(padded(mostly(st.sampled_from([f"测试项目{i:02d}", f"Project {i}"]), st.just(""))))
        lon, lat = draw(coordinate_cells())
        rows.append([name, draw(padded(mostly(st.sampled_from(VALID_DISTRICTS), st.sampled_from(INVALID_DISTRICTS)))),
                     draw(padded(mostly(valid_amounts(), st.sampled_from(INVALID_AMOUNTS)))),
                     draw(padded(mostly(st.sampled_from(VALID_YEARS), st.sampled_from(INVALID_YEARS)))),
                     draw(padded(st.just(lon))), lat])
    return rows


def reference(rows):
    """The slow, obviously correct reading: one row at a time, with the scalar functions."""
    kept, rejected = [], []
    for number, (name, district_cell, amount_cell, year_cell, lon_cell, lat_cell) in enumerate(rows, start=2):
        cells = (name, district_cell, amount_cell, year_cell, lon_cell, lat_cell)
        if not any(c.strip() for c in cells):
            continue  # a blank row is ignored, neither kept nor rejected
        ok = bool(name.strip())
        district = 0
        if district_cell.strip():
            try:
                district = resolve_district(district_cell).adcode
            except UnknownDistrictError:
                ok = False
        try:
            amount, bound = parse_amount(amount_cell)
            ends = read_amount(amount_cell)  # a range keeps its ends
        except DataError:
            ok = False
        try:
            year = parse_date(year_cell)[0]
        except DataError:
            ok = False
        lon = parse_coordinate(lon_cell)
        lat = parse_coordinate(lat_cell)
        site = False
        if (lon is None) != (lat is None):
            ok = False
        elif lon is not None:
            if check_lon_lat(lon, lat) is not None:
                ok = False
            else:
                site = True
        if ok and not site:
            if district:
                lon, lat = district_anchor(district)
            else:
                ok = False  # no coordinates, no platform, no district: no location
        if not ok:
            rejected.append(number)
            continue
        kept.append({"id": str(number), "name": name.strip(), "district": district, "investment": amount,
                     "investment_bound": bound, "low": ends.low, "high": ends.high, "year": year or 0, "lon": lon, "lat": lat,
                     "location_precision": "site" if site else "district"})
    return kept, rejected


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_reader_agrees_with_the_per_row_reference(rows):
    expected, rejected = reference(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([["项目名称", "所在区县", "总投资", "年份", "经度", "纬度"], *rows])
        report = read_projects_report(path, skip_invalid=True, geometry=False)
    gdf = report.projects
    rejects = [] if report.rejects is None else [int(r) for r in report.rejects["row"]]
    assert rejects == rejected
    assert report.rejected_rows == len(rejected)
    assert list(gdf["id"]) == [r["id"] for r in expected]
    assert list(gdf["name"]) == [r["name"] for r in expected]
    assert list(gdf["district"].fillna(0)) == [r["district"] for r in expected]
    np.testing.assert_allclose(gdf["investment"].to_numpy(float), [r["investment"] for r in expected], rtol=1e-12)
    assert list(gdf["investment_bound"]) == [r["investment_bound"] for r in expected]
    for end in ("low", "high"):
        values = gdf[f"investment_{end}"] if f"investment_{end}" in gdf.columns else np.full(len(gdf), np.nan)
        np.testing.assert_allclose(np.asarray(values, dtype=float), [r[end] for r in expected], rtol=1e-12)
    assert list(gdf["year"].fillna(0)) == [r["year"] for r in expected]
    assert list(gdf["location_precision"]) == [r["location_precision"] for r in expected]
    np.testing.assert_allclose(gdf["lon"].to_numpy(float), [r["lon"] for r in expected], atol=1e-9)
    np.testing.assert_allclose(gdf["lat"].to_numpy(float), [r["lat"] for r in expected], atol=1e-9)
    assert sorted({problem.row for problem in report.rejected}) == rejected  # each skipped row has its reason

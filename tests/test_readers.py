"""Reading users' project tables (geo.reading, geo.amounts) and `sxmap validate`.

Fixtures are in tests/data (made by tests/data/make_fixtures.py); expected coordinates come from
the shipped boundaries (district anchors and centroids), never typed in.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sxmap.cli import main
from sxmap.geo.amounts import parse_amount
from sxmap.geo.boundaries import district_anchor, district_records
from sxmap.geo.crs import gcj02_to_wgs84, wgs84_to_bd09
from sxmap.geo.errors import DataError, DataErrors, UsageError
from sxmap.geo.projects import CANONICAL_COLUMNS, bundled_path, load_projects, read_bundled
from sxmap.geo.reading import places
from sxmap.geo.reading.dates import parse_year
from sxmap.geo.reading.headers import ALIASES
from sxmap.geo.reading.places import match_platform
from sxmap.geo.reading.report import default_rejects_path
from sxmap.geo.reading.table import read_projects, read_projects_report
from sxmap.geo.sources import detect_encoding

DATA = Path(__file__).parent / "data"
YUECHENG, KEQIAO, SHANGYU, XINCHANG, ZHUJI, SHENGZHOU = 330602, 330603, 330604, 330624, 330681, 330683


@pytest.fixture
def runner():
    return CliRunner()


def centroid(adcode):
    record = next(r for r in district_records() if r["adcode"] == adcode)
    return record["centroid_lon"], record["centroid_lat"]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def errors_of(excinfo):
    return excinfo.value.errors


# ============================================================================================
# Encodings


def test_gbk_fixture_is_really_gbk_and_not_utf8():
    data = (DATA / "projects_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert detect_encoding(DATA / "projects_gbk.csv") == "gb18030"


def test_gbk_csv_with_chinese_headers_and_mixed_units():
    report = read_projects_report(DATA / "projects_gbk.csv")
    gdf = report.projects
    assert report.encoding == "GB18030/GBK"
    assert list(gdf["name"]) == [f"测试项目{i:02d}" for i in range(1, 10)]
    assert list(gdf["company"])[:2] == ["测试企业甲", "测试企业乙"]
    np.testing.assert_allclose(gdf["investment"], [130, 0.5, 300, 40, 12.5, 0.13, np.nan, 100, 40])
    assert list(gdf["investment_bound"]) == ["exact", "exact", "min", "approx", "exact", "exact", "", "min", "approx"]
    assert list(gdf["district"].iloc[:8]) == [YUECHENG, KEQIAO, SHANGYU, XINCHANG, KEQIAO, ZHUJI, SHENGZHOU,
                                              YUECHENG]
    assert list(gdf["year"]) == [2023, 2023, 2022, 2023, 2022, 2023, 2023, 2023, 2023]
    assert list(gdf["stage"])[:3] == ["签约", "开工", "投产"]
    assert list(gdf["id"]) == [str(i) for i in range(2, 11)]  # 序号 is ignored: ids are the rows
    assert gdf["address"].iloc[0] == "测试地址一"
    assert list(gdf.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert gdf.crs.to_epsg() == 4326


def test_utf8_with_bom_header_is_not_mangled_and_header_unit_applies():
    data = (DATA / "projects_bom.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    report = read_projects_report(DATA / "projects_bom.csv")
    assert report.encoding == "UTF-8 with BOM"
    assert report.columns["name"] == "项目"  # the BOM did not stick to the first header
    gdf = report.projects
    np.testing.assert_allclose(gdf["investment"], [0.5, 12.0, np.nan])  # 5000万, 120,000万, empty


def test_plain_utf8_with_english_headers():
    report = read_projects_report(DATA / "projects_utf8.csv", usd_rate=7.1)
    assert report.encoding == "UTF-8"
    gdf = report.projects
    assert list(gdf["district"]) == [ZHUJI, XINCHANG, SHENGZHOU]
    np.testing.assert_allclose(gdf["investment"], [1.2 * 7.1, 300, 40])
    assert list(gdf["investment_bound"]) == ["exact", "min", "approx"]
    assert list(gdf["stage"]) == ["签约", "开工", "投产"]
    assert any("US dollars at 7.1" in w for w in report.warnings)


def test_utf16_with_bom_tab_separated(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_text("项目名称\t所在区县\t总投资\n测试项目\t诸暨\t3亿\n", encoding="utf-16")
    gdf = read_projects(path)
    assert gdf["district"].iloc[0] == ZHUJI and gdf["investment"].iloc[0] == 3.0


def test_a_file_neither_utf8_nor_gb18030_is_a_data_error():
    with pytest.raises(DataError, match="encoding") as excinfo:
        read_projects(DATA / "bad_encoding.csv")
    assert not isinstance(excinfo.value, UsageError)
    assert str(DATA / "bad_encoding.csv") in str(excinfo.value)


def test_gbk_file_is_not_taken_for_utf8_even_when_short(tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes("项目名称,区县\n越城测试,越城\n".encode("gbk"))
    assert read_projects(path)["name"].iloc[0] == "越城测试"


# ============================================================================================
# Excel


def test_excel_first_sheet_title_row_merged_cells_and_dates():
    report = read_projects_report(DATA / "projects.xlsx")
    gdf = report.projects
    assert report.sheet == "2022年" and report.header_row == 2
    assert list(gdf["name"]) == ["测试项目X1", "测试项目X2", "测试项目X3", "测试项目X4"]
    # X2's district cell is merged with X1's
    assert list(gdf["district"]) == [SHENGZHOU, SHENGZHOU, KEQIAO, ZHUJI]
    np.testing.assert_allclose(gdf["investment"], [130, 20.5, 100, np.nan])
    assert list(gdf["investment_bound"]) == ["exact", "exact", "min", ""]
    # a datetime, a datetime, an Excel serial (44958 = 2023-02-01), text
    assert list(gdf["year"]) == [2022, 2022, 2023, 2022]
    assert list(gdf["company"]) == ["测试企业一", "测试企业二", "测试企业三", "测试企业四"]
    assert any("blank row" in note for note in report.notes)


def test_excel_sheet_by_name_and_column_mapping():
    found = read_projects_report(DATA / "projects.xlsx", sheet="2023年")
    assert found.columns["investment"] == "计划总投资"  # a header naming an investment is the investment
    np.testing.assert_allclose(found.projects["investment"], [50, 8])
    mapped = read_projects(DATA / "projects.xlsx", sheet="2023年", columns={"investment": "计划总投资"})
    assert list(mapped["investment"]) == [50.0, 8.0]
    assert "计划总投资" not in mapped.columns


def test_excel_unknown_sheet_lists_the_sheets():
    with pytest.raises(UsageError, match=r"2022年, 2023年"):
        read_projects(DATA / "projects.xlsx", sheet="2024")


def test_excel_error_rows_are_sheet_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["测试清单"])
    ws.append(["项目名称", "区县", "总投资"])
    ws.append(["测试项目1", "越城区", 10])
    ws.append(["测试项目2", "越城区", "很多"])
    ws.append(["测试项目3", "杭州", 10])
    book.save(tmp_path / "t.xlsx")
    with pytest.raises(DataErrors) as excinfo:
        read_projects(tmp_path / "t.xlsx")
    assert [(e.row, e.column) for e in errors_of(excinfo)] == [(4, "总投资"), (5, "区县")]


def test_a_damaged_xls_is_refused_with_a_fix(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match="cannot read as an Excel workbook"):
        read_projects(path)


# ============================================================================================
# GeoJSON and GeoPackage


def test_geojson_points_are_wgs84_and_rows_without_geometry_use_the_district():
    gdf = read_projects(DATA / "projects.geojson")
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == pytest.approx(district_anchor(XINCHANG), abs=1e-9)
    assert (gdf["lon"].iloc[2], gdf["lat"].iloc[2]) == pytest.approx(district_anchor(KEQIAO), abs=1e-9)
    assert list(gdf["location_precision"]) == ["site", "site", "district"]
    assert list(gdf["investment_bound"]) == ["exact", "approx", ""]


def test_geojson_numbers_declared_gcj02_are_converted():
    gdf = read_projects(DATA / "projects.geojson", crs="gcj02")
    expected = gcj02_to_wgs84(*district_anchor(XINCHANG))
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == pytest.approx(expected, abs=1e-9)
    # the district anchor of the row without geometry is WGS-84 already: not converted again
    assert (gdf["lon"].iloc[2], gdf["lat"].iloc[2]) == pytest.approx(district_anchor(KEQIAO), abs=1e-9)


def test_geopackage_first_layer_and_projected_layer_reprojected():
    first = read_projects_report(DATA / "projects.gpkg")
    assert first.layer == "sites"
    utm = read_projects_report(DATA / "projects.gpkg", layer="sites_utm")
    assert any("EPSG:32651" in note for note in utm.notes)
    np.testing.assert_allclose(utm.projects["lon"], first.projects["lon"], atol=1e-8)
    np.testing.assert_allclose(utm.projects["lat"], first.projects["lat"], atol=1e-8)


def test_geopackage_unknown_layer_lists_layers():
    with pytest.raises(UsageError, match="sites, sites_utm, parcels"):
        read_projects(DATA / "projects.gpkg", layer="nope")


def test_geopackage_polygons_are_an_error_per_feature():
    with pytest.raises(DataErrors) as excinfo:
        read_projects(DATA / "projects.gpkg", layer="parcels")
    (error,) = errors_of(excinfo)
    assert error.row == 1 and error.column == "geometry" and "Polygon" in error.message


def test_sheet_and_layer_only_apply_to_their_formats():
    with pytest.raises(UsageError, match="--sheet"):
        read_projects(DATA / "projects_gbk.csv", sheet="x")
    with pytest.raises(UsageError, match="--layer"):
        read_projects(DATA / "projects.xlsx", layer="x")


# ============================================================================================
# Header aliases

FIELD_VALUES = {
    "id": ("A-7", "id", "A-7"),
    "name": ("测试项目", "name", "测试项目"),
    "name_en": ("Test project", "name_en", "Test project"),
    "company": ("测试企业", "company", "测试企业"),
    "district": ("柯桥区", "district", KEQIAO),
    "platform": ("测试园区", "platform", "测试园区"),
    "industry": ("新能源", "industry", "新能源"),
    "investment": ("5亿", "investment", 5.0),
    "year": ("2023年", "year", 2023),
    "stage": ("开工", "stage", "开工"),
    "address": ("测试路1号", "address", "测试路1号"),
}
ALIAS_CASES = [(f, alias) for f in FIELD_VALUES for alias in ALIASES[f]]


@pytest.mark.parametrize(("field", "alias"), ALIAS_CASES, ids=[f"{f}<-{a}" for f, a in ALIAS_CASES])
def test_every_header_alias(tmp_path, field, alias):
    value, column, expected = FIELD_VALUES[field]
    base = {"name": ("项目名称", "测试项目"), "district": ("所在区县", "柯桥区")}
    base[field] = (alias, value)
    path = write_csv(tmp_path / "t.csv", [[h for h, _ in base.values()], [v for _, v in base.values()]])
    gdf = read_projects(path)
    assert gdf[column].iloc[0] == expected


@pytest.mark.parametrize("alias", ALIASES["lon"])
def test_every_longitude_alias(tmp_path, alias):
    lon, lat = district_anchor(SHANGYU)
    path = write_csv(tmp_path / "t.csv", [["项目名称", alias, "纬度"], ["测试", lon, lat]])
    gdf = read_projects(path)
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0], gdf["location_precision"].iloc[0]) == (lon, lat, "site")


@pytest.mark.parametrize("alias", ALIASES["lat"])
def test_every_latitude_alias(tmp_path, alias):
    lon, lat = district_anchor(SHANGYU)
    path = write_csv(tmp_path / "t.csv", [["项目名称", "经度", alias], ["测试", lon, lat]])
    assert read_projects(path)["lat"].iloc[0] == lat


@pytest.mark.parametrize("header", [" Project Name ", "NAME", "项目名称（必填）", "Project_Name", "项 目"])
def test_headers_match_ignoring_case_spaces_and_notes(tmp_path, header):
    path = write_csv(tmp_path / "t.csv", [[header, "District"], ["测试", "Zhuji"]])
    assert read_projects(path)["name"].iloc[0] == "测试"


def test_two_headers_for_one_field_must_be_chosen(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "项目", "区县"], ["a", "b", "越城"]])
    with pytest.raises(DataError, match="--column name=") as excinfo:
        read_projects(path)
    assert not isinstance(excinfo.value, UsageError)  # a table problem: exit 1
    assert read_projects(path, columns={"name": "项目"})["name"].iloc[0] == "b"


def test_column_mapping_to_a_missing_header_names_the_headers(tmp_path):
    with pytest.raises(UsageError, match="headers are: .*项目名称.*总投资"):
        read_projects(DATA / "projects_gbk.csv", columns={"investment": "计划总投资"})


def test_column_mapping_to_an_unknown_field(tmp_path):
    with pytest.raises(UsageError, match="fields are"):
        read_projects(DATA / "projects_gbk.csv", columns={"money": "总投资"})


def test_missing_name_column_is_a_data_error_with_the_fix(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["标题", "区县"], ["a", "越城"]])
    with pytest.raises(DataError, match="--column name=HEADER") as excinfo:
        read_projects(path)
    assert not isinstance(excinfo.value, UsageError)


def test_only_name_is_required(tmp_path):
    lon, lat = district_anchor(ZHUJI)
    path = write_csv(tmp_path / "t.csv", [["name", "lon", "lat"], ["测试", lon, lat]])
    gdf = read_projects(path)
    assert gdf["district"].isna().all() and gdf["district_located"].iloc[0] == ZHUJI
    assert gdf["year"].isna().all() and gdf["investment"].isna().all()


# ============================================================================================
# Amounts

AMOUNTS = [
    ("130亿元", 130.0, "exact"), ("130亿", 130.0, "exact"), ("5000万元", 0.5, "exact"), ("5000万", 0.5, "exact"),
    ("超300亿", 300.0, "min"), ("超过300亿元", 300.0, "min"), ("300亿元以上", 300.0, "min"),
    ("300亿+", 300.0, "min"), ("不低于300亿", 300.0, "min"), ("逾300亿", 300.0, "min"), ("300余亿元", 300.0, "min"),
    ("300多亿", 300.0, "min"), ("近40亿", 40.0, "approx"), ("约40亿", 40.0, "approx"),
    ("40亿左右", 40.0, "approx"), ("将近40亿元", 40.0, "approx"), ("12.5", 12.5, "exact"),
    ("1,300", 1300.0, "exact"), ("1,300万元", 0.13, "exact"), ("１３０亿", 130.0, "exact"),
    ("１，３００万元", 0.13, "exact"), ("人民币130亿元", 130.0, "exact"), ("130 亿元", 130.0, "exact"),
    ("5000000元", 0.05, "exact"), ("2千万元", 0.2, "exact"), (130, 130.0, "exact"), (20.5, 20.5, "exact"),
]


@pytest.mark.parametrize(("text", "value", "bound"), AMOUNTS)
def test_amount_forms(text, value, bound):
    amount, got = parse_amount(text)
    assert amount == pytest.approx(value, rel=1e-12) and got == bound


@pytest.mark.parametrize("text", ["", "  ", "-", "—", "无", "待定", None, float("nan")])
def test_no_amount(text):
    amount, bound = parse_amount(text)
    assert math.isnan(amount) and bound == ""


@pytest.mark.parametrize(("text", "unit", "value"), [("12.5", "万元", 0.00125), ("50000000", "元", 0.5),
                                                     ("3", "亿元", 3.0), (5000, "万元", 0.5)])
def test_plain_numbers_take_the_unit(text, unit, value):
    assert parse_amount(text, unit=unit)[0] == pytest.approx(value, rel=1e-12)


def test_unit_in_the_amount_beats_the_unit_option():
    assert parse_amount("3亿元", unit="万元")[0] == 3.0


def test_unit_option_applies_to_a_file(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "区县", "投资额"], ["测试", "越城", "5000"]])
    assert read_projects(path, unit="万元")["investment"].iloc[0] == 0.5
    with pytest.raises(UsageError, match="亿元, 万元 or 元"):
        read_projects(path, unit="美元")


def test_usd_needs_a_rate_and_uses_the_one_given():
    assert parse_amount("1.2亿美元", usd_rate=7.1) == (pytest.approx(8.52), "exact")
    assert parse_amount("超1亿美元", usd_rate=7.0) == (7.0, "min")
    with pytest.raises(DataError, match="--usd-rate"):
        parse_amount("1.2亿美元")
    with pytest.raises(UsageError, match="CNY per USD"):
        parse_amount("1.2亿美元", usd_rate=0.14)


@pytest.mark.parametrize(("text", "message"), [
    ("-5亿", "negative"), (-3, "negative"), ("很多", "not an amount"), ("40-30亿", "range"),
    ("30~40亿以上", "not an amount"), ("100亿以下", "upper bound"), ("nan", "not an amount"), ("inf", "not an amount"),
    ("1" + "0" * 400, "more than 10,000"), ("12000亿", "more than 10,000"), ("不超过100亿", "upper bound"),
    ("超约300亿", "both"), ("1,30亿", "not an amount"), ("12abc", "not an amount"),
])
def test_bad_amounts(text, message):
    with pytest.raises(DataError, match=message) as excinfo:
        parse_amount(text)
    assert excinfo.value.hint  # every error says how to fix it


def test_unit_and_currency_in_the_header(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "区县", "投资（万美元）"], ["a", "越城", "1000"],
                                          ["b", "越城", "人民币2亿"]])
    with pytest.raises(DataErrors, match="--usd-rate"):
        read_projects(path)
    gdf = read_projects(path, usd_rate=7.0)
    np.testing.assert_allclose(gdf["investment"], [0.7, 2.0])  # 1000万美元 × 7.0; 人民币 in the value wins


def test_bound_column_agrees_with_the_amount(tmp_path):
    path = write_csv(tmp_path / "t.csv", [
        ["name", "district", "investment", "investment_bound"],
        ["a", "越城", "300", "min"], ["b", "越城", "超300亿", "min"], ["c", "越城", "超300亿", "exact"],
        ["d", "越城", "", "approx"], ["e", "越城", "40", "whatever"]])
    with pytest.raises(DataErrors) as excinfo:
        read_projects(path)
    assert [(e.row, e.column) for e in errors_of(excinfo)] == [
        (4, "investment_bound"), (5, "investment_bound"), (6, "investment_bound")]
    gdf = read_projects(path, skip_invalid=True, rejects=tmp_path / "r.csv")
    assert list(gdf["investment_bound"]) == ["min", "min"]


# ============================================================================================
# Years and districts


@pytest.mark.parametrize(("value", "year"), [
    (2023, 2023), (2023.0, 2023), ("2023", 2023), ("2023年", 2023), ("2023-02", 2023), ("2023/2/15", 2023),
    ("2023年2月", 2023), ("2023年2月15日", 2023), ("2023.02", 2023), ("20230215", 2023), ("2023.0", 2023),
    ("2023-02-15 00:00:00", 2023), (dt.datetime(2022, 12, 1), 2022), (dt.date(2021, 1, 1), 2021),
    (44958, 2023), ("44958", 2023), (None, None), ("", None),
])
def test_year_forms(value, year):
    assert parse_year(value) == year


@pytest.mark.parametrize("value", ["明年", "2023年13月", "1800", "2023-2024", "20231", 2023.13, "2023-02-30"])
def test_bad_years(value):
    with pytest.raises(DataError, match="year|date"):
        parse_year(value)


def test_unknown_district_lists_the_closest_names(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "区县"], ["a", "越城县"], ["b", "Zhuji"]])
    with pytest.raises(DataErrors) as excinfo:
        read_projects(path)
    (error,) = errors_of(excinfo)
    assert (error.row, error.column, error.value) == (2, "区县", "越城县")
    assert "越城区" in error.hint


# ============================================================================================
# Location


def test_site_coordinates_in_wgs84_are_kept():
    gdf = read_projects(DATA / "projects_gbk.csv")
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == district_anchor(YUECHENG)
    assert gdf["location_precision"].iloc[0] == "site"


def test_gcj02_coordinates_are_converted_to_wgs84():
    gdf = read_projects(DATA / "projects_gcj02.csv", crs="gcj02")
    for i, adcode in enumerate((YUECHENG, KEQIAO, SHANGYU)):
        assert (gdf["lon"].iloc[i], gdf["lat"].iloc[i]) == pytest.approx(district_anchor(adcode), abs=2e-7)
    assert list(gdf["district_located"]) == [YUECHENG, KEQIAO, SHANGYU]
    # read as if WGS-84 they sit about 500 m away
    raw = read_projects(DATA / "projects_gcj02.csv")
    assert abs(raw["lon"].iloc[0] - gdf["lon"].iloc[0]) > 0.003


def test_bd09_coordinates_are_converted_to_wgs84(tmp_path):
    lon, lat = wgs84_to_bd09(*district_anchor(XINCHANG))
    path = write_csv(tmp_path / "t.csv", [["name", "lon", "lat"], ["测试", f"{lon:.9f}", f"{lat:.9f}"]])
    gdf = read_projects(path, crs="bd09")
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == pytest.approx(district_anchor(XINCHANG), abs=1e-7)


def test_header_naming_a_crs_must_agree_with_the_option(tmp_path):
    lon, lat = district_anchor(XINCHANG)
    path = write_csv(tmp_path / "t.csv", [["name", "经度(GCJ-02)", "纬度(GCJ-02)"], ["测试", lon, lat]])
    with pytest.raises(UsageError, match="--crs gcj02"):
        read_projects(path, crs="bd09")
    gdf = read_projects(path)  # the header says GCJ-02: converted without being told
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == pytest.approx(gcj02_to_wgs84(lon, lat), abs=1e-7)
    assert read_projects(path, crs="gcj02")["location_precision"].iloc[0] == "site"


def test_district_only_rows_sit_at_the_district_anchor():
    gdf = read_projects(DATA / "projects_gbk.csv")
    row = gdf.iloc[1]
    assert (row["lon"], row["lat"]) == district_anchor(KEQIAO) and row["location_precision"] == "district"


def test_a_bundled_platform_places_a_row_without_district():
    platforms = read_bundled("platforms")
    bundled = platforms[platforms["name"] == "杭州湾上虞经开区"].iloc[0]
    row = read_projects(DATA / "projects_gbk.csv").iloc[8]
    assert row["platform"] == "杭州湾上虞经开区" and pd_isna(row["district"])
    assert (row["lon"], row["lat"]) == (bundled["lon"], bundled["lat"])
    # a platform located only at its district's anchor does not claim platform precision
    expected = "district" if bundled["location_precision"] == "district" else "platform"
    assert row["location_precision"] == expected


def pd_isna(value):
    import pandas as pd

    return bool(pd.isna(value))


@pytest.fixture
def test_platforms(monkeypatch):
    """Place projects by the platforms of tests/data/projects_platforms.csv (located at centroids)."""
    table = places.bundled_platforms(DATA / "projects_platforms.csv")
    monkeypatch.setattr(places, "bundled_platforms", lambda path=None: table)
    return table


def test_platform_precision_by_exact_name_ignoring_quotes(tmp_path, test_platforms):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "平台", "区县"], ["a", "测试平台甲", ""],
                                          ["b", "位于测试平台“乙”", "上虞区"]])
    gdf = read_projects(path)
    assert list(gdf["location_precision"]) == ["platform", "platform"]
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == centroid(YUECHENG)
    assert (gdf["lon"].iloc[1], gdf["lat"].iloc[1]) == centroid(SHANGYU)  # by containment


def test_ambiguous_platform_falls_back_to_the_district_with_a_warning(tmp_path, test_platforms):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "平台", "区县"], ["a", "测试平台", "诸暨"]])
    report = read_projects_report(path)
    assert report.projects["location_precision"].iloc[0] == "district"
    assert any("matches several" in w for w in report.warnings)
    assert match_platform("测试平台", test_platforms)[0] is None


def test_no_location_at_all_is_an_error(tmp_path, test_platforms):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "平台", "区县"], ["a", "测试平台丙", ""]])
    with pytest.raises(DataErrors) as excinfo:
        read_projects(path)
    (error,) = errors_of(excinfo)
    assert error.row == 2 and "no location" in error.message and "测试平台" in error.hint


@pytest.mark.parametrize(("lon", "lat", "message"), [
    ("30.04", "120.64", "swapped"), ("200", "30", "longitude 200"), ("120.6", "95", "latitude 95"),
    ("0", "0", "placeholder"), ("500000", "3300000", "metres"), ("abc", "30", "not a number"),
    ("nan", "30", "not a number"), ("inf", "30.0", "not a number"), ("-74.0", "40.7", "outside China"),
])
def test_bad_coordinates(tmp_path, lon, lat, message):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "经度", "纬度"], ["a", lon, lat]])
    with pytest.raises(DataErrors) as excinfo:
        read_projects(path)
    (error,) = errors_of(excinfo)
    assert error.row == 2 and "经度" in error.column and message in error.message


def test_point_outside_its_stated_district_is_kept_and_reported():
    report = read_projects_report(DATA / "projects_gbk.csv")
    row = report.projects.iloc[7]
    assert row["district"] == YUECHENG and row["district_located"] == KEQIAO
    assert [w for w in report.warnings if "not in the stated" in w] == [
        "row 9: 测试项目08: the point lies in 柯桥区 (Keqiao), not in the stated 越城区 (Yuecheng) (点位不在所填区县内)"]


def test_declared_location_precision_is_kept_with_coordinates(tmp_path):
    lon, lat = district_anchor(ZHUJI)
    path = write_csv(tmp_path / "t.csv", [["name", "lon", "lat", "location_precision"], ["a", lon, lat, "district"],
                                          ["b", lon, lat, ""], ["c", "", "", "site"]])
    with pytest.raises(DataErrors, match="row 4") as excinfo:
        read_projects(path)
    assert len(errors_of(excinfo)) == 1
    gdf = read_projects(path, skip_invalid=True, rejects=tmp_path / "r.csv")
    assert list(gdf["location_precision"]) == ["district", "site"]


# ============================================================================================
# Every problem, in one run


def test_every_problem_in_the_file_is_reported_with_row_and_column():
    with pytest.raises(DataErrors) as excinfo:
        read_projects(DATA / "bad_rows.csv")
    found = [(e.row, e.column) for e in errors_of(excinfo)]
    assert found == [
        (3, "所在区县"), (4, "总投资"), (5, "总投资"), (6, "总投资"), (7, "经度/纬度"), (8, "经度/纬度"),
        (9, "年份"), (10, "项目名称"), (11, "纬度"), (12, "所在区县"), (13, "年份")]  # 30-40亿 is a range: approx
    for error in errors_of(excinfo):
        text = str(error)
        assert text.startswith(str(DATA / "bad_rows.csv")) and f"row {error.row}" in text
        assert error.hint
    message = str(excinfo.value)
    assert "11 problem(s)" in message and "'-5亿'" in message and "'杭州区'" in message


def test_more_cells_than_headers_is_an_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("项目名称,区县,总投资\na,越城,1,300\nb,越城,5\n", encoding="utf-8")
    with pytest.raises(DataErrors) as excinfo:
        read_projects(path)
    (error,) = errors_of(excinfo)
    assert error.row == 2 and "quote" in error.hint


def test_duplicate_ids_are_errors_and_total_rows_are_dropped_with_a_note(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["编号", "项目名称", "区县", "总投资"], ["1", "a", "越城", "1"],
                                          ["1", "b", "越城", "2"], ["", "合计", "", "3"]])
    with pytest.raises(DataErrors) as excinfo:
        read_projects(path)
    assert [(e.row, e.column) for e in errors_of(excinfo)] == [(3, "编号")]
    path = write_csv(tmp_path / "u.csv", [["序号", "项目名称", "区县", "总投资"], ["1", "a", "越城", "1"],
                                          ["1", "b", "越城", "2"], ["", "合计：", "", "3"]])
    report = read_projects_report(path)
    assert list(report.projects["name"]) == ["a", "b"] and list(report.projects["id"]) == ["2", "3"]
    assert any("1 total row(s) dropped (row 4)" in note for note in report.notes)
    assert report.projects["investment"].sum() == 3  # the total row is not counted twice


def test_repeated_names_are_warned_about(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "区县"], ["测试", "越城"], ["测试 ", "柯桥"]])
    report = read_projects_report(path)
    assert len(report.projects) == 2 and any("repeats row 2" in w for w in report.warnings)


# ============================================================================================
# --skip-invalid and the rejects file; inputs never overwritten


def test_skip_invalid_keeps_good_rows_and_returns_the_bad_ones(tmp_path, caplog):
    source = shutil.copy(DATA / "bad_rows.csv", tmp_path / "bad_rows.csv")
    before = Path(source).read_bytes()
    with caplog.at_level(logging.WARNING, logger="sxmap"):
        gdf = read_projects(source, skip_invalid=True)
    assert list(gdf["name"]) == ["测试项目好1", "测试项目好14"]
    assert gdf.attrs["skipped"] == 11
    assert "skipped 11 invalid row(s)" in caplog.text
    rows = gdf.attrs["rejects"]
    assert list(rows["row"]) == list(range(3, 14))
    assert rows["reason"].str.len().gt(0).all()
    assert rows["所在区县"].iloc[0] == "杭州区" and "unknown district" in rows["reason"].iloc[0]
    assert Path(source).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_rows.csv"]  # the reader writes nothing


def test_cli_writes_the_rejects_file_beside_the_input(runner, tmp_path):
    source = shutil.copy(DATA / "bad_rows.csv", tmp_path / "bad_rows.csv")
    result = runner.invoke(main, ["validate", str(source), "--skip-invalid"])
    assert result.exit_code == 1 and "INVALID" in result.stdout
    rejects = tmp_path / "bad_rows.rejects.csv"
    assert rejects == default_rejects_path(source)
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it in the right encoding
    with open(rejects, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["row"]) for r in rows] == list(range(3, 14))


def test_skip_invalid_to_a_chosen_rejects_file(runner, tmp_path):
    target = tmp_path / "out" / "rejects.csv"
    target.parent.mkdir()
    result = runner.invoke(main, ["validate", str(DATA / "bad_rows.csv"), "--skip-invalid", "--rejects", str(target)])
    assert result.exit_code == 1 and str(target) in result.stdout
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 12


def test_rejects_never_overwrite_the_input(runner, tmp_path):
    source = shutil.copy(DATA / "bad_rows.csv", tmp_path / "in.csv")
    before = Path(source).read_bytes()
    result = runner.invoke(main, ["validate", str(source), "--skip-invalid", "--rejects", str(source)])
    assert result.exit_code == 2 and "input" in result.stderr
    assert Path(source).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_strict_mode_writes_nothing(tmp_path):
    source = shutil.copy(DATA / "bad_rows.csv", tmp_path / "in.csv")
    with pytest.raises(DataErrors):
        read_projects(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_rejects_option_needs_skip_invalid(tmp_path):
    with pytest.raises(UsageError, match="--skip-invalid"):
        read_projects(DATA / "projects_gbk.csv", rejects=tmp_path / "r.csv")


def test_all_rows_invalid_gives_an_empty_table(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["项目名称", "区县"], ["a", "杭州"], ["b", "宁波"]])
    gdf = read_projects(path, skip_invalid=True)
    assert len(gdf) == 0 and list(gdf.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)


def test_load_projects_reads_a_users_file():
    gdf = load_projects(DATA / "projects_utf8.csv", usd_rate=7.0)
    assert gdf["investment"].iloc[0] == pytest.approx(8.4)


# ============================================================================================
# sxmap validate


def test_cli_validate_gbk_file(runner):
    result = runner.invoke(main, ["validate", str(DATA / "projects_gbk.csv")])
    assert result.exit_code == 0, result.output
    assert "GB18030/GBK" in result.stdout and "有效 VALID" in result.stdout
    assert "读取 Rows read: 9" in result.stdout
    assert "点位 site 2, 平台 platform 0, 乡镇 township 0, 区县 district 7" in result.stdout
    assert "测试项目08" in result.stdout and "not in the stated 越城区" in result.stdout


def test_cli_validate_bad_file_lists_every_problem(runner):
    result = runner.invoke(main, ["validate", str(DATA / "bad_rows.csv")])
    assert result.exit_code == 1
    assert result.stdout == ""
    for row in range(3, 14):
        assert f"row {row}," in result.stderr
    assert "11 problem(s)" in result.stderr


def test_cli_validate_skip_invalid_writes_rejects_and_exits_1(runner, tmp_path):
    source = shutil.copy(DATA / "bad_rows.csv", tmp_path / "in.csv")
    result = runner.invoke(main, ["validate", str(source), "--skip-invalid"])
    assert result.exit_code == 1
    assert "跳过 skipped: 11" in result.stdout and "INVALID" in result.stdout
    assert (tmp_path / "in.rejects.csv").exists()


@pytest.mark.parametrize("args", [
    ["--sheet", "nope"], ["--unit", "美元"], ["--column", "money=总投资"], ["--crs", "utm"],
    ["--projects", "x.csv"], ["--usd-rate", "0.14"],
])
def test_cli_validate_bad_options_exit_2(runner, args):
    path = DATA / ("projects.xlsx" if args[0] == "--sheet" else "projects_gbk.csv")
    result = runner.invoke(main, ["validate", str(path), *args])
    assert result.exit_code == 2, result.output


def test_cli_validate_prints_amounts_as_stats_does(runner, tmp_path):
    path = tmp_path / "amounts.csv"
    path.write_text("项目名称,所在区县,总投资（亿元）\n甲,越城区,9999.5\n乙,柯桥区,9999.5\n丙,上虞区,0.05\n丁,诸暨市,\n",
                    encoding="utf-8")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 given (exact 3, min 0, approx 0), 1 without; sum 19,999.05 亿元" in result.stdout  # not 2e+04
    stats = runner.invoke(main, ["stats", "--projects", str(path)])
    assert "19,999.05" in stats.stdout
    path.write_text("项目名称,所在区县,总投资（亿元）\n甲,越城区,\n乙,柯桥区,未知\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0 and "sum unknown (金额均未知, not 0)" in result.stdout and "sum 0" not in result.stdout


def test_cli_validate_options_reach_the_reader(runner):
    result = runner.invoke(main, ["validate", str(DATA / "projects.xlsx"), "--sheet", "2023年",
                                  "--column", "investment=计划总投资"])
    assert result.exit_code == 0 and "sum 58 亿元" in result.stdout
    result = runner.invoke(main, ["validate", str(DATA / "projects_utf8.csv")])
    assert result.exit_code == 1 and "--usd-rate" in result.stderr
    result = runner.invoke(main, ["validate", str(DATA / "projects_utf8.csv"), "--usd-rate", "7.1"])
    assert result.exit_code == 0


def test_cli_validate_unreadable_file_exits_1(runner):
    result = runner.invoke(main, ["validate", str(DATA / "bad_encoding.csv")])
    assert result.exit_code == 1 and "encoding" in result.stderr


def test_cli_validate_bundled_projects_pass(runner):
    result = runner.invoke(main, ["validate", str(bundled_path("projects"))])
    assert result.exit_code == 0, result.output
    assert "跳过 skipped: 0" in result.stdout


def test_names_differing_only_in_spaces_or_quotes_are_repeats(tmp_path):
    """Spaces and quotes are ignored even when no two names are equal as written."""
    path = write_csv(tmp_path / "t.csv", [["项目名称", "区县"], ["智能 装备", "越城"], ["“智能装备”", "柯桥"],
                                          ["Sensor Park", "诸暨"], ["sensorpark", "嵊州"], ["别的项目", "新昌"]])
    report = read_projects_report(path)
    repeats = [w for w in report.warnings if "项目名称重复" in w]
    assert len(repeats) == 2 and "repeats row 2" in repeats[0] and "repeats row 4" in repeats[1]


def test_cli_validate_json_groups_warnings_by_kind(runner, tmp_path):
    from sxmap.geo.boundaries import district_anchor

    lon, lat = district_anchor(330681)  # 诸暨市, stated as 越城区 below
    lines = ["项目名称,所在区县,总投资（亿元）,经度,纬度"]
    lines += [f"项目{i},越城区,{i + 0.5},{lon},{lat}" for i in range(25)]
    lines += [f"项目0,诸暨市,1,{lon},{lat}", "空项目,柯桥区,,,"]
    path = tmp_path / "kinds.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = runner.invoke(main, ["validate", str(path)])
    assert text.exit_code == 0 and "… and 5 more such row(s)" in text.stdout  # the text summary, as before
    result = runner.invoke(main, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    kinds = {w["kind"]: w for w in doc["warnings"]}
    assert set(kinds) == {"outside_stated_district", "repeated_name"}
    outside = kinds["outside_stated_district"]
    assert outside["count"] == 25 and outside["rows"] == list(range(2, 22)) and len(outside["messages"]) == 20
    assert outside["messages"][0].startswith("row 2: 项目0: the point lies in 诸暨市")
    assert kinds["repeated_name"] == {"kind": "repeated_name", "count": 1, "rows": [27],
                                      "messages": [kinds["repeated_name"]["messages"][0]]}
    assert doc["rows"] == {"read": 27, "valid": 27, "skipped": 0} and doc["valid"] is True
    assert doc["amounts"]["given"] == 26 and doc["amounts"]["without"] == 1
    assert doc["amounts"]["sum"] == sum(i + 0.5 for i in range(25)) + 1
    assert [d["stated"] for d in doc["districts"][:2]] == [25, 1]


def test_cli_validate_json_skipped_rows_and_unreadable_files(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(DATA / "bad_rows.csv"), "--format", "json", "--skip-invalid",
                                  "--rejects", str(tmp_path / "r.csv")])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["rows"]["skipped"] == len({e["row"] for e in doc["skipped"]}) == 11
    assert {"row": 3, "column": "所在区县", "value": "杭州区"}.items() <= doc["skipped"][0].items()
    result = runner.invoke(main, ["validate", str(DATA / "bad_rows.csv"), "--format", "json"])
    assert result.exit_code == 1 and "nothing read" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["error_count"] == 11 and doc["errors"][1]["row"] == 4
    result = runner.invoke(main, ["validate", str(DATA / "projects_gcj02.csv"), "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["amounts"]["sum"] is None and [w["kind"] for w in doc["warnings"]] == ["no_investment_column"]

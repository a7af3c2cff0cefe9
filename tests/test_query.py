"""Tests of geo.query (stats, query, near) and the sxmap stats/query/near commands.

The fixture ``tests/data/query_projects.csv`` has invented project names at real coordinates
(offsets from each district's anchor, checked with geo.locate); its totals are worked out by hand
in the comments below. Correctness at scale is checked against geopandas.sjoin and a brute-force
geodesic reference on 100,000 generated points.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sxmap.cli import main
from sxmap.geo.districts import DISTRICTS
from sxmap.geo.errors import CoordinateError, DataError, UnknownDistrictError, UsageError
from sxmap.geo.query import (add_located, district_disagreements, find_platform, geodesic_km, load, near, parse_near,
                       query, render_rows, render_stats, stats)
from sxmap.geo.tables import display_width

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "query_projects.csv"
PLATFORMS = DATA / "query_platforms.csv"
AREA = DATA / "query_area.geojson"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def fixture_projects():
    return load(FIXTURE)


@pytest.fixture(scope="module")
def fixture_platforms():
    return add_located(pd.read_csv(PLATFORMS, dtype={"id": str, "name": str, "name_en": str}, keep_default_na=False))


def row_of(table, column, value):
    rows = table[table[column] == value]
    assert len(rows) == 1, (column, value, rows)
    return rows.iloc[0]


# ============================================================================================
# stats on the fixture, against hand-computed totals

# Hand totals of tests/data/query_projects.csv, by the district each point lies in:
#   越城区 330602: q01 130 exact, q02 50 min, q03 no amount     -> 3 projects, 180, ≥50: 2, ≥100: 1, min 1, none 1
#   柯桥区 330603: q04 40 approx, q05 100 exact                 -> 2, 140, ≥50: 1, ≥100: 1, approx 1
#   上虞区 330604: q06 300 min, q07 49.5 (stated 越城区!)        -> 2, 349.5, ≥50: 1, ≥100: 1, min 1
#   新昌县 330624: none                                          -> 0
#   诸暨市 330681: q08 200 min, q09 12.35                        -> 2, 212.35, ≥50: 1, ≥100: 1, min 1
#   嵊州市 330683: q10 60                                        -> 1, 60, ≥50: 1
#   outside (Hangzhou, 120.16 30.27): q11 8                      -> 1, 8
#   total: 11 projects, 180+140+349.5+212.35+60+8 = 949.85, ≥50: 6, ≥100: 4, min 3, approx 1, none 1
HAND = {
    330602: (3, 180.0, 2, 1, 1, 0, 1),
    330603: (2, 140.0, 1, 1, 0, 1, 0),
    330604: (2, 349.5, 1, 1, 1, 0, 0),
    330624: (0, 0.0, 0, 0, 0, 0, 0),
    330681: (2, 212.35, 1, 1, 1, 0, 0),
    330683: (1, 60.0, 1, 0, 0, 0, 0),
    0: (1, 8.0, 0, 0, 0, 0, 0),
}
HAND_TOTAL = (11, 949.85, 6, 4, 3, 1, 1)
FIELDS = ("count", "investment", "n_ge_50", "n_ge_100", "n_lower_bound", "n_approx", "n_no_amount")


def test_stats_by_district_matches_hand_totals(fixture_projects):
    table = stats(fixture_projects, by="district")
    assert list(table["adcode"].iloc[:6]) == [d.adcode for d in DISTRICTS]
    for code, expected in HAND.items():
        row = row_of(table, "adcode", code)
        assert tuple(row[f] for f in FIELDS) == pytest.approx(expected)
    total = table.iloc[-1]
    assert total["district_zh"] == "合计" and pd.isna(total["adcode"])
    assert tuple(total[f] for f in FIELDS) == pytest.approx(HAND_TOTAL)
    assert row_of(table, "adcode", 0)["district_zh"] == "市外"


def test_stats_agrees_with_district_totals(fixture_projects):
    """geo.projects.district_totals is an independent (per-district mask) implementation."""
    from sxmap.geo.projects import district_totals

    reference = district_totals(fixture_projects)
    table = stats(fixture_projects).set_index("adcode")
    for _, ref in reference.iterrows():
        row = table.loc[ref["adcode"]]
        for column in ("count", "investment", "n_lower_bound", "n_no_amount", "n_ge_50", "n_ge_100"):
            assert row[column] == pytest.approx(ref[column]), (ref["adcode"], column)


def test_stats_by_industry_and_both(fixture_projects):
    by_industry = stats(fixture_projects, by="industry")
    # 新能源: q06 300 (min) + q07 49.5 = 349.5, 2 projects; 智能视觉: q08 200 (min) + q09 12.35
    assert tuple(row_of(by_industry, "industry", "新能源")[f] for f in FIELDS) == pytest.approx((2, 349.5, 1, 1, 1, 0, 0))
    assert row_of(by_industry, "industry", "智能视觉")["investment"] == pytest.approx(212.35)
    assert row_of(by_industry, "industry", "生物医药")["n_no_amount"] == 1
    assert by_industry.iloc[-1]["industry"] == "合计"
    assert by_industry.iloc[-1]["count"] == 11
    counts = list(by_industry["count"].iloc[:-1])
    assert counts == sorted(counts, reverse=True)

    both = stats(fixture_projects, by="industry,district")
    keqiao = both[both["adcode"] == 330603]
    assert sorted(keqiao["industry"]) == ["新材料", "现代纺织"]  # q05, q04
    xinchang = both[both["adcode"] == 330624]
    assert len(xinchang) == 1 and xinchang.iloc[0]["count"] == 0 and xinchang.iloc[0]["industry"] == ""
    assert both.iloc[-1]["count"] == 11
    assert both.iloc[:-1]["investment"].sum() == pytest.approx(949.85)


def test_stats_filters(fixture_projects):
    only = stats(fixture_projects, district=["柯桥", "Zhuji"])
    assert list(only["adcode"].iloc[:-1]) == [330603, 330681]
    assert only.iloc[-1]["count"] == 4 and only.iloc[-1]["investment"] == pytest.approx(352.35)
    big = stats(fixture_projects, min_investment=100)
    # ≥ 100: q01 130, q05 100, q06 300, q08 200 -> 4 projects, 730
    assert big.iloc[-1]["count"] == 4 and big.iloc[-1]["investment"] == pytest.approx(730)
    assert row_of(big, "adcode", 330683)["count"] == 0  # every district still listed
    year = stats(fixture_projects, year=[2022], by="industry")
    # 2022: q01 q04 q06 q09 q10
    assert year.iloc[-1]["count"] == 5
    nothing = stats(fixture_projects, industry=["不存在的产业"])
    assert nothing.iloc[-1]["count"] == 0 and len(nothing) == 7  # six districts and the total


def test_stats_unknown_district_and_bad_by(fixture_projects):
    with pytest.raises(UnknownDistrictError) as info:
        stats(fixture_projects, district="柯乔区")
    assert "柯桥区" in str(info.value)
    with pytest.raises(UsageError):
        stats(fixture_projects, by="platform")


def test_disagreements(fixture_projects):
    items = district_disagreements(fixture_projects)
    assert [(i["id"], i["stated"], i["located"]) for i in items] == [("q07", 330602, 330604)]
    assert stats(fixture_projects).attrs["disagreements"] == items


# ============================================================================================
# query and near on the fixture


def test_query_filters_match_pandas(fixture_projects):
    rows = query(fixture_projects, district="越城区", stage="签约")
    assert list(rows["id"]) == ["q01", "q03"]
    rows = query(fixture_projects, platform="测试平台", min_investment=60)
    # q01 130 (平台一), q06 300 (平台二), q08 200 (平台三); q02 50 is below 60
    assert list(rows["id"]) == ["q01", "q06", "q08"]
    rows = query(fixture_projects, industry=["新能源", "智能视觉"], year=2023)
    assert list(rows["id"]) == ["q07", "q08"]
    assert list(rows["district_zh"]) == ["上虞区", "诸暨市"]
    assert len(query(fixture_projects, industry="不存在")) == 0


def test_query_near_and_radius(fixture_projects):
    rows = query(fixture_projects, near=(120.65, 30.05), radius_km=5)
    # reference: Geod.inv one point at a time
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    ref = {r.id: geod.inv(120.65, 30.05, r.lon, r.lat)[2] / 1000 for r in fixture_projects.itertuples()}
    expected = sorted((d, i) for i, d in ref.items() if d <= 5)
    assert [i for _, i in expected] == list(rows["id"])
    assert list(rows["distance_km"]) == pytest.approx([d for d, _ in expected])
    assert len(expected) == 3  # q01, q02, q03 are within 5 km of that point in 越城区
    everything = query(fixture_projects, near="120.65,30.05")
    assert len(everything) == 11
    assert list(everything["distance_km"]) == sorted(everything["distance_km"])


def test_query_near_platform(fixture_projects, fixture_platforms):
    rows = query(fixture_projects, near="测试平台二", radius_km=3, platforms=fixture_platforms)
    # 测试平台二 is at q06's point (120.89764, 29.94371); q07 is 2.2 km away
    assert list(rows["id"]) == ["q06", "q07"]
    assert rows["distance_km"].iloc[0] == pytest.approx(0)


def test_query_within(fixture_projects, tmp_path):
    rows = query(fixture_projects, within=AREA)
    assert list(rows["id"]) == ["q01", "q02"]
    with pytest.raises(DataError):
        bad = tmp_path / "points.geojson"
        bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [120.6, 30.0]}}]}))
        query(fixture_projects, within=bad)


def test_query_bad_input(fixture_projects):
    with pytest.raises(UsageError, match="positive"):
        query(fixture_projects, near="120.6,30.0", radius_km=0)
    with pytest.raises(UsageError, match="positive"):
        query(fixture_projects, near="120.6,30.0", radius_km=-2)
    with pytest.raises(UsageError, match="needs --near"):
        query(fixture_projects, radius_km=5)
    with pytest.raises(UnknownDistrictError, match="越城区"):
        query(fixture_projects, district="越成")


@pytest.mark.parametrize("text", ["120.5", "120.5,", "abc,30", "120.5,30,1", "30.0,120.5", "120.5,95"])
def test_parse_near_rejects_malformed(text):
    with pytest.raises(CoordinateError):
        parse_near(text)


def test_parse_near_platforms_and_crs(fixture_platforms):
    assert parse_near("测试平台一", platforms=fixture_platforms)[:2] == (120.65159, 30.05024)
    assert parse_near("test platform one", platforms=fixture_platforms)[:2] == (120.65159, 30.05024)
    with pytest.raises(UsageError, match="3 platforms"):
        find_platform("测试平台", fixture_platforms)
    with pytest.raises(UsageError, match="测试平台三"):
        parse_near("测试平台叁", platforms=fixture_platforms)
    from sxmap.geo.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(120.6, 30.0)
    lon, lat, _ = parse_near(f"{glon},{glat}", crs="gcj02")
    assert (lon, lat) == pytest.approx((120.6, 30.0), abs=1e-7)


def test_near(fixture_projects, fixture_platforms):
    result = near(120.65, 30.05, n=2, projects=fixture_projects, platforms=fixture_platforms)
    assert sorted(result["kind"]) == ["platform", "platform", "project", "project"]
    assert list(result["distance_km"]) == sorted(result["distance_km"])
    projects = result[result["kind"] == "project"]
    assert list(projects["id"]) == ["q01", "q02"]  # 0.97 and 1.26 km by Geod.inv
    assert result.iloc[0]["name"] == "测试平台一" and result.iloc[0]["district_zh"] == "越城区"
    assert result.attrs["point"]["adcode"] == 330602
    from sxmap.geo.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(120.64159, 30.04524)  # q01's point as Gaode shows it
    shifted = near(glon, glat, n=1, crs="gcj02", projects=fixture_projects, platforms=False)
    assert list(shifted["id"]) == ["q01"] and shifted["distance_km"].iloc[0] < 1e-6
    with pytest.raises(UsageError):
        near(120.65, 30.05, n=0, projects=fixture_projects, platforms=fixture_platforms)
    with pytest.raises(CoordinateError):
        near(30.05, 120.65, projects=fixture_projects, platforms=fixture_platforms)


def test_geodesic_km_known_distance():
    # along a meridian, the distance is the integral of the meridian radius of curvature
    # M(φ) = a(1 − e²) / (1 − e² sin²φ)^1.5 on WGS-84 (a = 6378137 m, f = 1/298.257223563)
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = np.radians(np.linspace(30.0, 31.0, 100_001))
    radius = a * (1 - e2) / (1 - e2 * np.sin(phi) ** 2) ** 1.5
    arc_km = float(np.sum((radius[1:] + radius[:-1]) / 2 * np.diff(phi))) / 1000
    assert geodesic_km(120.0, 30.0, [120.0], [31.0])[0] == pytest.approx(arc_km, abs=1e-6)
    assert math.isnan(geodesic_km(120.0, 30.0, [np.nan], [30.0])[0])


# ============================================================================================
# the one reader: CSV, Parquet, GeoParquet, other datums, only the fields needed


def test_reader_csv_parquet_geoparquet_agree(fixture_projects, tmp_path):
    import geopandas as gpd

    text = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    as_text = tmp_path / "text.parquet"
    text.to_parquet(as_text)  # every column stored as text: numbers are parsed
    pd.testing.assert_frame_equal(stats(load(as_text)), stats(fixture_projects))
    units = tmp_path / "units.parquet"
    text.assign(investment=text["investment"].str.replace("130", "130亿元")).to_parquet(units)
    pd.testing.assert_frame_equal(stats(load(units)), stats(fixture_projects))  # amounts with units are parsed
    plain = tmp_path / "plain.parquet"
    stale = fixture_projects.assign(district_located=330624)  # a stale column is recomputed, not trusted
    stale.to_parquet(plain)
    stale.to_csv(tmp_path / "stale.csv", index=False)
    assert list(load(tmp_path / "stale.csv")["district_located"]) == list(fixture_projects["district_located"])
    geo_only = tmp_path / "geo.parquet"
    gdf = gpd.GeoDataFrame(fixture_projects.drop(columns=["lon", "lat", "district_located"]),
                           geometry=gpd.points_from_xy(fixture_projects["lon"], fixture_projects["lat"]),
                           crs="EPSG:4326")
    gdf.to_parquet(geo_only)
    utm = tmp_path / "utm.parquet"
    gdf.to_crs("EPSG:32651").to_parquet(utm)
    geoarrow = tmp_path / "geoarrow.parquet"
    gdf.rename_geometry("where").to_parquet(geoarrow, geometry_encoding="geoarrow")
    expected = stats(fixture_projects, by="district,industry")
    for path in (plain, geo_only, utm, geoarrow):
        frame = load(path)
        assert len(frame) == 11
        pd.testing.assert_frame_equal(stats(frame, by="district,industry"), expected)
    import shapely

    lines = tmp_path / "lines.parquet"
    gdf.assign(geometry=shapely.boundary(shapely.buffer(np.asarray(gdf.geometry.array), 0.01))).to_parquet(lines)
    with pytest.raises(DataError, match="not a point"):
        load(lines)
    # only the needed columns are read
    assert (load(plain, ["investment", "lon", "lat"])["industry"] == "").all()  # not read


def test_reader_gcj02(fixture_projects, tmp_path):
    from sxmap.geo.crs import wgs84_to_gcj02

    frame = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    glon, glat = wgs84_to_gcj02(fixture_projects["lon"].to_numpy(), fixture_projects["lat"].to_numpy())
    frame["lon"], frame["lat"] = [f"{v:.9f}" for v in glon], [f"{v:.9f}" for v in glat]
    path = tmp_path / "gcj.csv"
    frame.to_csv(path, index=False)
    read = load(path, crs="gcj02")
    assert np.allclose(read["lon"], fixture_projects["lon"], atol=1e-7)
    assert list(read["district_located"]) == list(fixture_projects["district_located"])


def test_points_without_amounts(runner, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("name,lon,lat\n甲,120.4227,30.05321\n乙,120.64159,30.04524\n丙,120.66159,30.05524\n",
                    encoding="utf-8")
    table = stats(load(path), by="district,industry")
    assert list(table[table["count"] > 0]["adcode"].iloc[:-1]) == [330602, 330603]
    total = table.iloc[-1]
    assert (total["count"], total["n_no_amount"]) == (3, 3) and math.isnan(total["investment"])  # unknown, not 0
    assert table[table["count"] == 0]["investment"].eq(0).all()  # no project: nothing invested
    result = runner.invoke(main, ["stats", "--projects", str(path)])
    assert "no investment column" in result.stderr and "'name', 'lon', 'lat'" in result.stderr
    result = runner.invoke(main, ["query", "--projects", str(path), "--near", "120.42,30.05", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["甲", "乙", "丙"]


def test_chinese_headers_and_canonical_headers_give_the_same_stats(fixture_projects, tmp_path):
    frame = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    chinese = frame.rename(columns={"name": "项目名称", "lon": "经度", "lat": "纬度", "investment": "计划总投资（万元）"})
    chinese["计划总投资（万元）"] = [f"{float(v) * 10000:g}" if v else "" for v in frame["investment"]]
    path = tmp_path / "chinese.csv"
    chinese.to_csv(path, index=False, encoding="gb18030")
    pd.testing.assert_frame_equal(stats(load(path)), stats(fixture_projects))


# ============================================================================================
# 100,000 generated projects: equal to geopandas.sjoin + groupby and to brute-force distances

INDUSTRIES = np.array(["新能源", "集成电路/半导体", "生物医药", "智能视觉", "高端装备", "新材料", ""], dtype=object)


def generate(n, seed=20230501):
    """``n`` projects at uniform random points inside 绍兴市 (rejection sampling against the city
    outline with shapely — not with geo.locate), plus 2 % just outside it, with random amounts."""
    import shapely

    from sxmap.geo.boundaries import city_geometry

    rng = np.random.default_rng(seed)
    city = city_geometry()
    shapely.prepare(city)
    xmin, ymin, xmax, ymax = city.bounds
    inside_x, inside_y, outside_x, outside_y = [], [], [], []
    n_out = n // 50
    while sum(map(len, inside_x)) < n or sum(map(len, outside_x)) < n_out:
        x = rng.uniform(xmin, xmax, n)
        y = rng.uniform(ymin, ymax, n)
        hit = shapely.contains_xy(city, x, y)
        inside_x.append(x[hit]), inside_y.append(y[hit])
        outside_x.append(x[~hit]), outside_y.append(y[~hit])
    lon = np.concatenate([np.concatenate(inside_x)[:n], np.concatenate(outside_x)[:n_out]])
    lat = np.concatenate([np.concatenate(inside_y)[:n], np.concatenate(outside_y)[:n_out]])
    m = len(lon)
    amount = np.round(rng.lognormal(2.5, 1.3, m), 2)
    amount[rng.random(m) < 0.1] = np.nan
    bound = np.where(np.isnan(amount), "", rng.choice(np.array(["exact", "min", "approx"]), m, p=[0.75, 0.15, 0.1]))
    return pd.DataFrame({
        "id": [f"g{i}" for i in range(m)], "name": [f"生成项目{i}" for i in range(m)],
        "district": pd.array([None] * m, dtype="Int64"), "platform": "", "industry": rng.choice(INDUSTRIES, m),
        "year": rng.integers(2018, 2024, m), "stage": "", "investment": amount, "investment_bound": bound,
        "lon": lon, "lat": lat, "location_precision": "site",
    })


@pytest.fixture(scope="module")
def generated():
    return generate(100_000)


@pytest.fixture(scope="module")
def sjoined(generated):
    import geopandas as gpd

    from sxmap.geo.boundaries import load_districts

    points = gpd.GeoDataFrame(generated, geometry=gpd.points_from_xy(generated["lon"], generated["lat"]),
                              crs="EPSG:4326")
    joined = gpd.sjoin(points, load_districts()[["adcode", "geometry"]], how="left", predicate="within")
    assert len(joined) == len(points)  # the districts do not overlap
    joined["adcode"] = joined["adcode"].fillna(0).astype(int)
    return joined


def reference_stats(joined, keys):
    amount = joined["investment"]
    frame = joined.assign(
        has=amount.notna(), ge50=amount >= 50, ge100=amount >= 100, lb=joined["investment_bound"] == "min",
        ap=joined["investment_bound"] == "approx")
    grouped = frame.groupby(keys)
    return pd.DataFrame({
        "count": grouped.size(), "investment": grouped["investment"].sum(),
        "n_ge_50": grouped["ge50"].sum(), "n_ge_100": grouped["ge100"].sum(),
        "n_lower_bound": grouped["lb"].sum(), "n_approx": grouped["ap"].sum(),
        "n_no_amount": grouped.size() - grouped["has"].sum(),
    })


def compare(table, reference, keys):
    ours = table.iloc[:-1].set_index(keys)
    ours = ours[ours["count"] > 0]  # groupby has no row for a group without projects
    ours, reference = ours.sort_index(), reference.sort_index()
    assert list(ours.index) == list(reference.index)
    for column in FIELDS:
        if column == "investment":
            assert np.allclose(ours[column].to_numpy(float), reference[column].to_numpy(float), rtol=1e-12, atol=1e-6)
        else:
            assert (ours[column].to_numpy() == reference[column].to_numpy()).all(), column


def test_generated_stats_equal_sjoin(generated, sjoined):
    assert (add_located(generated)["district_located"].to_numpy() == sjoined["adcode"].to_numpy()).all()
    compare(stats(generated, by="district"), reference_stats(sjoined, "adcode"), "adcode")
    compare(stats(generated, by="industry"), reference_stats(sjoined, "industry"), "industry")
    compare(stats(generated, by="district,industry"), reference_stats(sjoined, ["adcode", "industry"]),
            ["adcode", "industry"])
    table = stats(generated)
    assert table.iloc[-1]["count"] == len(generated) == 102_000


def test_generated_filters_equal_sjoin(generated, sjoined):
    table = stats(generated, district="诸暨市", min_investment=50, year=[2020, 2021])
    mine = sjoined[(sjoined["adcode"] == 330681) & (sjoined["investment"] >= 50) & sjoined["year"].isin([2020, 2021])]
    assert table.iloc[0]["count"] == len(mine) > 0
    assert table.iloc[0]["investment"] == pytest.approx(mine["investment"].sum())


def test_generated_near_radius_equal_brute_force(generated):
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    centre = (120.58, 30.0)
    rows = query(generated, near=centre, radius_km=8)
    reference = [(geod.inv(centre[0], centre[1], x, y)[2] / 1000, i)
                 for i, x, y in zip(generated["id"], generated["lon"], generated["lat"])]
    inside = sorted(r for r in reference if r[0] <= 8)
    assert len(inside) > 100
    assert list(rows["id"]) == [i for _, i in inside]
    assert np.allclose(rows["distance_km"], [d for d, _ in inside], rtol=0, atol=1e-9)
    nearest = near(*centre, n=7, projects=generated, platforms=False)
    assert list(nearest["id"]) == [i for _, i in sorted(reference)[:7]]


def test_generated_within_equal_sjoin(generated):
    import geopandas as gpd

    area = gpd.read_file(AREA).to_crs("EPSG:4326")
    big = area.geometry.iloc[0].buffer(0.05)  # a larger polygon with curved sides
    points = gpd.GeoDataFrame(generated, geometry=gpd.points_from_xy(generated["lon"], generated["lat"]),
                              crs="EPSG:4326")
    expected = gpd.sjoin(points, gpd.GeoDataFrame(geometry=[big], crs="EPSG:4326"), predicate="within")
    rows = query(generated, within=big)
    assert len(rows) > 100
    assert sorted(rows["id"]) == sorted(expected["id"])


# ============================================================================================
# rendering


def assert_aligned(text):
    """Every line of a table has a blank at each gap between the dashes of the rule line,
    counting CJK characters as two columns."""
    lines = text.rstrip("\n").split("\n")
    rule = lines[1]
    gaps = [i for i, ch in enumerate(rule) if ch == " "]

    def cells(line):
        out = []
        for ch in line:
            out += [ch] * display_width(ch)
        return out

    for line in lines:
        columns = cells(line)
        assert all(g >= len(columns) or columns[g] == " " for g in gaps), line
        assert len(columns) <= len(rule)


def test_render_stats_table(fixture_projects):
    text = render_stats(stats(fixture_projects), "table")
    assert_aligned(text)
    header = text.split("\n")[0]
    for name in ("区县", "项目数", "投资额(亿元)", "≥50亿", "≥100亿"):
        assert name in header
    lines = {line.split()[1]: line for line in text.split("\n")[2:] if line.strip()}
    assert "≥ 180" in lines["越城区"] and "≈ 140" in lines["柯桥区"]
    assert lines["嵊州市"].split()[5] == "60"
    assert "≥ 949.85" in lines["Total"] or "≥ 949.85" in text.split("\n")[-2]


def test_render_rows_formats(fixture_projects):
    rows = query(fixture_projects, near="120.65,30.05", radius_km=5)
    text = render_rows(rows, "table")
    assert_aligned(text)
    assert "距离(km)" in text and "≥ 50" in text
    records = json.loads(render_rows(rows, "json"))
    assert [r["id"] for r in records] == ["q01", "q02", "q03"]
    assert isinstance(records[0]["distance_km"], float) and isinstance(records[0]["investment"], float)
    assert records[2]["investment"] is None
    collection = json.loads(render_rows(rows, "geojson"))
    assert collection["features"][0]["geometry"]["coordinates"] == [120.64159, 30.04524]


# ============================================================================================
# the commands


def test_cli_stats_formats(runner, tmp_path):
    args = ["stats", "--projects", str(FIXTURE)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "项目数" in result.stdout and "越城区" in result.stdout
    assert "测试项目庚" in result.stderr and "上虞区" in result.stderr  # the disagreement, on stderr only
    assert "测试项目庚" not in result.stdout
    records = json.loads(runner.invoke(main, args + ["--format", "json"]).stdout)
    assert records[0] == {"adcode": 330602, "district_zh": "越城区", "district_en": "Yuecheng District",
                          "count": 3, "investment": 180.0, "n_ge_50": 2, "n_ge_100": 1, "n_lower_bound": 1,
                          "n_approx": 0, "n_no_amount": 1}
    assert records[-1]["district_zh"] == "合计" and records[-1]["adcode"] is None
    csv_text = runner.invoke(main, args + ["--format", "csv", "--by", "industry"]).stdout
    assert csv_text.splitlines()[0] == "industry,count,investment,n_ge_50,n_ge_100,n_lower_bound,n_approx,n_no_amount"
    geojson = json.loads(runner.invoke(main, args + ["--format", "geojson"]).stdout)
    assert geojson["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert geojson["features"][-1]["geometry"] is None  # the total
    out = tmp_path / "stats.csv"
    result = runner.invoke(main, args + ["--format", "csv", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("adcode,")
    assert runner.invoke(main, args + ["--format", "csv", "-o", str(out)]).exit_code == 2  # exists


def test_cli_stats_bundled_and_filters(runner):
    result = runner.invoke(main, ["stats", "--by", "district,industry", "--district", "诸暨"])
    assert result.exit_code == 0, result.output
    assert "诸暨市" in result.stdout and "越城区" not in result.stdout
    result = runner.invoke(main, ["stats", "--projects", str(FIXTURE), "--industry", "没有这个"])
    assert result.exit_code == 0
    assert "no project matches" in result.stderr
    assert "新昌县" in result.stdout  # the table of zeros is printed


def test_cli_query(runner, tmp_path):
    base = ["query", "--projects", str(FIXTURE)]
    result = runner.invoke(main, base + ["--near", "120.65,30.05", "--radius-km", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == ["q01", "q02", "q03"]
    result = runner.invoke(main, base + ["--within", str(AREA), "--format", "csv"])
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["id", "q01", "q02"]
    result = runner.invoke(main, base + ["--stage", "投产", "--format", "geojson"])
    assert [f["properties"]["id"] for f in json.loads(result.stdout)["features"]] == ["q04", "q09"]
    result = runner.invoke(main, base + ["--district", "柯桥区", "--min-investment", "50"])
    assert result.exit_code == 0 and "测试项目戊" in result.stdout and "测试项目丁" not in result.stdout
    empty = runner.invoke(main, base + ["--district", "新昌县"])
    assert empty.exit_code == 0 and "no project matches" in empty.stderr
    assert "名称" in empty.stdout and len(empty.stdout.strip().splitlines()) == 2  # header and rule


@pytest.mark.parametrize("extra, message", [
    (["--radius-km", "5"], "needs --near"),
    (["--near", "120.6,30.0", "--radius-km", "0"], "positive"),
    (["--near", "120.6,30.0", "--radius-km", "-1"], "positive"),
    (["--near", "120.6"], "LON,LAT"),
    (["--near", "120.6,北"], "not a number"),
    (["--near", "29.9,120.6"], "latitude first"),
    (["--district", "柯乔"], "柯桥区"),
])
def test_cli_query_bad_input(runner, extra, message):
    result = runner.invoke(main, ["query", "--projects", str(FIXTURE)] + extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_near(runner):
    result = runner.invoke(main, ["near", "120.65", "30.05", "--projects", str(FIXTURE), "-n", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    projects = [r for r in records if r["kind"] == "project"]
    assert [r["id"] for r in projects] == ["q01", "q02"]
    assert all(r["distance_km"] >= 0 for r in records)
    assert "越城区" in result.stderr
    table = runner.invoke(main, ["near", "120.65", "30.05", "--projects", str(FIXTURE)])
    assert table.exit_code == 0 and "类别" in table.stdout
    assert_aligned(table.stdout)
    for fmt in ("csv", "geojson"):
        assert runner.invoke(main, ["near", "120.65", "30.05", "--format", fmt]).exit_code == 0
    assert runner.invoke(main, ["near", "120.65", "30.05", "-n", "0"]).exit_code == 2
    bad = runner.invoke(main, ["near", "30.05", "120.65"])
    assert bad.exit_code == 2 and "latitude first" in bad.stderr


# ============================================================================================
# the bundled data (data/projects.csv, data/platforms.csv), against totals worked out by hand

# From data/projects.csv (23 rows; every point is a district anchor, location_precision=district):
#   越城区 anchor 120.641592,30.045237: P02 P03 P04 P05 P06 P09 P10 P11 P22 P23 -> 10, no amounts
#   柯桥区 anchor 120.422704,30.053209: P07 P12 P13                             -> 3, no amounts
#   上虞区 anchor 120.897636,29.943713: P14 P21                                 -> 2, no amounts
#   新昌县 anchor 120.933417,29.42502:  P19 P20                                 -> 2, no amounts
#   诸暨市 anchor 120.306164,29.723115: P15 P16 P17 P18                         -> 4, no amounts
#   嵊州市 anchor 120.650442,29.564488: P01 (no amount), P08 比亚迪 130 exact    -> 2, 130, ≥50 1, ≥100 1
#   total 23 projects, 130 亿元, one ≥ 100, no lower bounds, 22 without an amount.
BUNDLED = {  # no amount known: investment NaN (unknown is not zero), n_no_amount beside it
    330602: (10, math.nan, 0, 0, 0, 0, 10),
    330603: (3, math.nan, 0, 0, 0, 0, 3),
    330604: (2, math.nan, 0, 0, 0, 0, 2),
    330624: (2, math.nan, 0, 0, 0, 0, 2),
    330681: (4, math.nan, 0, 0, 0, 0, 4),
    330683: (2, 130.0, 1, 1, 0, 0, 1),
}
BUNDLED_TOTAL = (23, 130.0, 1, 1, 0, 0, 22)
# By industry: 其他 P03 P06 P12 P13 = 4; 智能视觉 P15–P18 = 4; 生物医药 P04 P20 P22 = 3;
# 新能源 P08 (130) P14 = 2; 汽车零部件 P05 P10 = 2; 集成电路/半导体 P09 P23 = 2; one each:
# 医疗器械 P02, 数字经济 P11, 新能源汽车 P01, 现代纺织 P07, 电子材料 P21, 高端装备 P19.
BUNDLED_INDUSTRY = {"其他": 4, "智能视觉": 4, "生物医药": 3, "新能源": 2, "汽车零部件": 2, "集成电路/半导体": 2,
                    "医疗器械": 1, "数字经济": 1, "新能源汽车": 1, "现代纺织": 1, "电子材料": 1, "高端装备": 1}


@pytest.fixture(scope="module")
def bundled():
    return load()


def test_bundled_stats_by_district(bundled, runner):
    table = stats(bundled)
    assert len(table) == 7  # six districts (no point outside the city) and the total
    for code, expected in BUNDLED.items():
        assert tuple(row_of(table, "adcode", code)[f] for f in FIELDS) == pytest.approx(expected, nan_ok=True)
    assert tuple(table.iloc[-1][f] for f in FIELDS) == pytest.approx(BUNDLED_TOTAL)
    assert table.attrs["disagreements"] == []  # every stated district matches its anchor
    records = json.loads(runner.invoke(main, ["stats", "--format", "json"]).stdout)
    assert [(r["adcode"], r["count"], r["investment"], r["n_no_amount"]) for r in records] == [
        (330602, 10, None, 10), (330603, 3, None, 3), (330604, 2, None, 2), (330624, 2, None, 2),
        (330681, 4, None, 4), (330683, 2, 130.0, 1), (None, 23, 130.0, 22)]
    rows = runner.invoke(main, ["stats", "--format", "csv"]).stdout.splitlines()
    assert rows[1].startswith("330602,越城区,Yuecheng District,10,,") and rows[1].endswith(",10")


def test_bundled_stats_by_industry(bundled):
    table = stats(bundled, by="industry")
    assert dict(zip(table["industry"].iloc[:-1], table["count"].iloc[:-1])) == BUNDLED_INDUSTRY
    assert row_of(table, "industry", "新能源")["investment"] == 130
    both = stats(bundled, by="district,industry")
    # 嵊州市: P01 新能源汽车, P08 新能源
    assert sorted(both[both["adcode"] == 330683]["industry"]) == ["新能源", "新能源汽车"]


def test_bundled_queries(bundled, runner):
    # platform 滨海新区: P02 P03 P04 P05 P06 P22 P23
    assert list(query(bundled, platform="滨海新区")["id"]) == ["P02", "P03", "P04", "P05", "P06", "P22", "P23"]
    # stage 开工: P02–P06; year 2022: P01 P08 P15
    assert list(query(bundled, stage="开工")["id"]) == ["P02", "P03", "P04", "P05", "P06"]
    assert list(query(bundled, year=2022)["id"]) == ["P01", "P08", "P15"]
    # 杭州湾上虞经开区 (PL05) is placed at the 上虞区 anchor, as are P14 and P21
    rows = query(bundled, near="杭州湾上虞经开区", radius_km=1)
    assert list(rows["id"]) == ["P14", "P21"] and (rows["distance_km"] == 0).all()
    result = runner.invoke(main, ["query", "--near", "集成电路", "--radius-km", "1", "--format", "csv"])
    assert result.exit_code == 0 and "located at district level" in result.stderr
    ids = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert sorted(ids) == ["P02", "P03", "P04", "P05", "P06", "P09", "P10", "P11", "P22", "P23"]
    ambiguous = runner.invoke(main, ["query", "--near", "万亩千亿"])
    assert ambiguous.exit_code == 2 and "2 platforms" in ambiguous.stderr


def test_bundled_near(runner):
    result = runner.invoke(main, ["near", "120.58", "30.00", "-n", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    projects = [r for r in records if r["kind"] == "project"]
    platforms = [r for r in records if r["kind"] == "platform"]
    assert len(projects) == 5 and len(platforms) == 5
    # the ten 越城区-anchor projects are nearest (all at one point); four platforms share it
    # (PL01 PL02 PL03 PL10), the fifth is at the 柯桥区 anchor, farther away
    assert {r["district_zh"] for r in projects} == {"越城区"}
    assert len({r["distance_km"] for r in projects}) == 1
    assert [r["id"] for r in platforms[:4]] == ["PL01", "PL02", "PL03", "PL10"]
    assert platforms[4]["district_zh"] == "柯桥区" and platforms[4]["distance_km"] > platforms[0]["distance_km"]
    assert "越城区" in result.stderr


def test_cli_falls_back_to_the_full_reader(runner, tmp_path):
    """A GBK CSV with Chinese headers and amounts with units goes through geo.reading."""
    path = tmp_path / "我的项目.csv"
    path.write_bytes("项目名称,所在区县,总投资,经度,纬度\n甲,柯桥区,超300亿,120.4227,30.05321\n"
                     "乙,越城区,5000万元,120.64159,30.04524\n".encode("gb18030"))
    result = runner.invoke(main, ["stats", "--projects", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    records = {r["district_zh"]: r for r in json.loads(result.stdout)}
    assert (records["柯桥区"]["investment"], records["柯桥区"]["n_lower_bound"]) == (300.0, 1)
    assert records["越城区"]["investment"] == 0.5  # 5000万元
    assert records["合计"]["count"] == 2


@pytest.mark.parametrize("content, name", [("name,lon,lat\na,120.58,30.0\n", "points.csv"),
                                           ("\x89PNG\r\n\x1a\n", "fake.geojson"), ("", "empty.geojson")])
def test_within_a_file_that_is_not_an_area_is_one_line(runner, tmp_path, content, name):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(main, ["query", "--within", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1 and str(path) in result.stderr and "Traceback" not in result.output

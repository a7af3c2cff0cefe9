"""Interactive HTML maps (folium): choropleth, projects, platforms, enclaves, and all together.

Each builder returns a :class:`folium.Map` (it shows in Jupyter as is); :func:`save_map` writes it
as one self-contained, deterministic HTML file. The pipeline of every builder is the same small
steps: choose the basemap and its datum, convert the geometries to that datum, encode the data,
add layers, a legend and a title, fit the view, return the map.

Design
------
- **Offline.** Leaflet, jQuery and sxmap's script are inlined (:mod:`maps.offline`); the only
  requests a page makes are for basemap tiles, none with ``tiles="none"``.
- **Safe.** User data is passed to the page as JSON (:func:`maps.offline.js_json`) and put into
  the document with ``textContent`` by sxmap's script (:mod:`maps.assets`); no user string is
  ever HTML or JavaScript source. folium's popups (JS template strings, raw HTML) are not used.
- **Deterministic.** folium's element ids are random; :func:`save_map` renumbers them in tree
  order, so the same inputs give the same bytes.
- **Fast at scale.** Projects are sent as typed arrays (coordinates as int32 offsets of 1e-6°,
  amounts as float32, text columns dictionary-encoded) in base64. Up to ``rich_limit`` points
  (2,000) they become individual SVG circle markers with tooltips; above, one canvas layer draws
  them (plain dots when more than 10,000 are in view) and popups are built on click from the
  arrays. Above 200,000 the data is compressed (:func:`_compress_spec`).
- **Reachable.** Projects sharing a spot are spread around it or gathered into a count marker
  (:func:`spread_co_located`); platforms, enclaves and labels lie below the projects.
- **Explorable.** A filter panel and a page API (``sxmap.filter``, ``sxmap.visible``; see the
  README) narrow the projects in the page; in the combined map the districts are recoloured.
- **Datum.** With Gaode tiles (GCJ-02) every geometry and point is converted to GCJ-02 so that it
  lines up with the tiles; with the other tiles everything stays WGS-84.
"""

from __future__ import annotations

import html as html_lib
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np

from sxmap.geo.errors import DataError, UsageError
from sxmap.maps import style as st
from sxmap.maps.encoding import (  # noqa: F401 - the page's compact encoding; re-exported
    B85, DEFLATE_BLOCK, _arrow_text, _as_list, _b64, _b85,
    _code_type, _codes_and_labels, _compress_spec, _encode_axis, _factorize, _nul_joined,
    _planes, _varint, deflate_in_blocks, encode_columns,
)
from sxmap.maps.offline import js_json

TILES = ("osm", "gaode", "gaode-satellite", "tianditu", "none")
#: Above this many projects, the markers map switches from SVG markers to one canvas layer.
RICH_LIMIT = 2000
COORD_QUANTUM = 1e-6  # degrees (~0.1 m): the resolution of coordinates written to pages
#: The resolution of compressed pages (more than COMPRESS_ABOVE projects): 1e-5° (~1 m), which
#: saves ~1 MiB a million projects; a map shows nothing finer.
COARSE_QUANTUM = 1e-5
GEOMETRY_DECIMALS = 6
#: Above this many projects the page's data is sorted by position, delta-coded and compressed
#: (raw deflate, opened by the browser's DecompressionStream): a million projects in ~13 MiB.
COMPRESS_ABOVE = 200_000

#: Projects sharing one spot are spread around it (a sunflower) up to this many; more become one
#: count marker that lists them on click.
SPREAD_MAX = 24
#: Enclaves this close to the city (km, from the centre of its bounds) are in the opening view;
#: farther ones get an indicator at the map's edge.
NEAR_KM = 150.0

PLATFORM_COLOUR = "#5e3c99"
OUTBOUND_COLOUR = "#1f5fa8"
INBOUND_COLOUR = "#1a9850"

_folium_classes = {}


# ============================================================================================
# Basemaps


@dataclass(frozen=True)
class TileSpec:
    """One tile layer: URL template, attribution (HTML, ours), name, subdomains, max zoom."""

    url: str
    attribution: str
    name: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay: bool = False


@dataclass(frozen=True)
class Basemap:
    """The tiles of a map and the datum its geometries must be drawn in."""

    key: str
    datum: str
    layers: tuple = field(default=())


#: Gaode's tiles over https (an https page blocks http tiles), the host rotating over
#: webrd01–04 / webst01–04 (``{s}``); xyzservices' templates are http with a fixed host.
GAODE_URLS = {
    "gaode": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=7&x={x}&y={y}&z={z}",
    "gaode-satellite": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
}
#: The credit for Gaode's map data: © 高德地图 / AutoNavi. Its 审图号 (GS number) is not added: no
#: source for the current number was at hand.
GAODE_ATTRIBUTION = '&copy; <a href="https://www.amap.com/">高德地图</a> AutoNavi'
TIANDITU_ATTRIBUTION = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>'


def basemap(tiles: str = "osm", tianditu_key: str | None = None) -> Basemap:
    """The basemap for a ``--tiles`` choice.

    Parameters
    ----------
    tiles : {"osm", "gaode", "gaode-satellite", "tianditu", "none"}
        OpenStreetMap (WGS-84), Gaode road map or satellite images (GCJ-02; xyzservices'
        ``Gaode.Normal``/``Gaode.Satellite``), Tianditu vector map with labels (WGS-84/CGCS2000;
        needs a key), or none (a white background: the usual choice for reports).
    tianditu_key : str, optional
        Tianditu's ``tk``; default: the environment variable ``TIANDITU_KEY``.

    Raises
    ------
    UsageError
        Unknown tiles, or Tianditu without a key.
    """
    import xyzservices.providers as xyz

    if tiles not in TILES:
        raise UsageError(f"unknown tiles {tiles!r}; choose one of {', '.join(TILES)}")
    if tiles == "none":
        return Basemap("none", "wgs84", ())
    if tiles == "osm":
        p = xyz.OpenStreetMap.Mapnik
        return Basemap("osm", "wgs84", (TileSpec(p.build_url(), p.html_attribution, "OpenStreetMap", "abc",
                                                 int(p.get("max_zoom", 19))),))
    if tiles in ("gaode", "gaode-satellite"):
        p = xyz.Gaode.Normal if tiles == "gaode" else xyz.Gaode.Satellite
        name = "高德地图" if tiles == "gaode" else "高德卫星图"
        return Basemap(tiles, "gcj02", (TileSpec(GAODE_URLS[tiles], GAODE_ATTRIBUTION, name, "1234",
                                                 int(p.get("max_zoom", 18))),))
    key = tianditu_key or os.environ.get("TIANDITU_KEY")
    if not key:
        raise UsageError("--tiles tianditu needs a Tianditu key: give --tianditu-key KEY or set the "
                         "environment variable TIANDITU_KEY (a free key from https://console.tianditu.gov.cn)")
    if not re.fullmatch(r"[A-Za-z0-9]{8,64}", key):
        raise UsageError("the Tianditu key should be letters and digits only (32 characters); check --tianditu-key")
    layers = tuple(
        TileSpec(f"https://t{{s}}.tianditu.gov.cn/DataServer?T={layer}&x={{x}}&y={{y}}&l={{z}}&tk={key}",
                 TIANDITU_ATTRIBUTION, name, "01234567", 18, overlay)
        for layer, name, overlay in (("vec_w", "天地图", False), ("cva_w", "天地图注记", True))
    )
    return Basemap("tianditu", "wgs84", layers)


class _Datum:
    """Converts WGS-84 coordinates and geometries to the datum of the basemap."""

    def __init__(self, name: str):
        self.name = name

    def xy(self, lon, lat):
        if self.name == "wgs84":
            return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        from sxmap.geo.crs import convert

        return convert(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), "wgs84", self.name)

    def point(self, lon, lat):
        x, y = self.xy(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])

    def geometry(self, geometry):
        from sxmap.geo.crs import transform_geometry

        return transform_geometry(geometry, "wgs84", self.name)


def _geojson_geometry(geometry) -> dict:
    """A shapely geometry as a GeoJSON dict, coordinates rounded to 6 decimals (~0.1 m)."""
    import json

    import shapely

    rounded = shapely.transform(geometry, lambda c: np.round(c, GEOMETRY_DECIMALS))
    return json.loads(shapely.to_geojson(rounded))


# ============================================================================================
# folium elements (classes made on first use, so that importing this module stays light)


def _classes():
    if _folium_classes:
        return _folium_classes
    import folium
    from branca.element import Element, MacroElement
    from folium.template import Template

    from sxmap.maps import offline

    class Raw(Element):
        """Literal HTML (no template processing)."""

        def __init__(self, text: str):
            super().__init__()
            self._name = "Raw"
            self.text = text

        def render(self, **kwargs):
            return self.text

    class SxMap(folium.Map):
        """A folium Map whose page carries its own Leaflet, jQuery and sxmap script.

        Attributes
        ----------
        cdn : bool
            Link Leaflet and jQuery from jsDelivr instead of inlining them.
        page_title : str
            The ``<title>`` of the page (escaped).
        """

        default_js = []
        default_css = []

        def __init__(self, *args, page_title="", notiles=False, **kwargs):
            super().__init__(*args, **kwargs)
            self._name = "Map"
            self.cdn = False
            self.page_title = page_title
            self.notiles = notiles

        def render(self, **kwargs):
            figure = self.get_root()
            parts = [f"<title>{html_lib.escape(self.page_title)}</title>"] if self.page_title else []
            if self.cdn:
                parts += [f'<link rel="stylesheet" href="{url}"/>' for _, url in offline.CDN_CSS]
                parts += [f'<script src="{url}"></script>' for _, url in offline.CDN_JS]
            else:
                parts += [offline.style_tag(offline.leaflet_css()), offline.script_tag(offline.leaflet_js()),
                          offline.script_tag(offline.jquery_js())]
            parts += [offline.style_tag(offline.sxmap_css()), offline.script_tag(offline.sxmap_js()),
                      offline.script_tag(f"sxmap.icons({js_json(offline.marker_icons())});")]
            figure.header.add_child(Raw("\n".join(parts)), name="sxmap_assets")
            super().render(**kwargs)

    class SxLayer(folium.map.Layer):
        """A layer drawn by sxmap's script: ``sxmap.<kind>(spec)``, in the layer control as ``name``."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "var {{ this.get_name() }} = sxmap.{{ this.kind }}({{ this.spec_token() }});\n"
            "{% endmacro %}"
        )

        def __init__(self, kind, spec, name, show=True, control=True):
            super().__init__(name=name, overlay=True, control=control, show=show)
            self._name = "SxLayer"
            self.kind = kind
            self.spec_js = js_json(spec)
            self.bounds = None

        def spec_token(self):
            """What the template writes in place of the spec: :func:`render_html` puts the spec
            there afterwards, so that branca's Jinja pass does not lex megabytes of data. The
            token starts with '<', which js_json escapes in every string: no data can forge it."""
            return f"<sxspec:{id(self)}>"  # never in the output: not a page id, so a second render works

        def _get_self_bounds(self):
            return self.bounds or [[None, None], [None, None]]

    class SxCall(MacroElement):
        """A call ``sxmap.<function>(map, spec)`` once the map exists (legend, title, setup)."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "sxmap.{{ this.function }}({{ this._parent.get_name() }}{% if this.args_js %}, {{ this.args_js }}{% endif %});\n"
            "{% endmacro %}"
        )

        def __init__(self, function, *args):
            super().__init__()
            self._name = "SxCall"
            self.function = function
            self.args = args
            self.args_js = ""

        def render(self, **kwargs):
            # layers are named at render time (their ids are renumbered just before)
            self.args_js = ", ".join(js_json(_names_of_elements(a)) for a in self.args)
            super().render(**kwargs)

    class Setup(MacroElement):
        """Page set-up right after the map is made: white background without tiles."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "{% if this.notiles %}{{ this._parent.get_name() }}.getContainer().classList.add('sx-notiles');{% endif %}\n"
            "{% endmacro %}"
        )

        def __init__(self, notiles):
            super().__init__()
            self._name = "Setup"
            self.notiles = notiles

    _folium_classes.update(Raw=Raw, SxMap=SxMap, SxLayer=SxLayer, SxCall=SxCall, Setup=Setup)
    return _folium_classes


def _names_of_elements(value):
    """``value`` with every folium element in it replaced by its JavaScript name."""
    from branca.element import Element

    if isinstance(value, Element):
        return value.get_name()
    if isinstance(value, dict):
        return {k: _names_of_elements(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_names_of_elements(v) for v in value]
    return value


# ============================================================================================
# The map and its furniture


CITY_CENTRE = (29.85, 120.60)  # lat, lon — only the initial view before fit_bounds


def new_map(tiles: str = "osm", lang: str = "zh", title: str | None = None, tianditu_key: str | None = None):
    """An empty sxmap map: basemap (in its datum), scale bar, title; no layers yet.

    Returns
    -------
    folium.Map
        With attributes ``sx_datum`` (``wgs84`` or ``gcj02``), ``sx_lang`` and ``sx_legend`` (the
        legend sections collected so far, written by :func:`finish_map`).
    """
    import folium

    _check_lang(lang)
    base = basemap(tiles, tianditu_key)
    C = _classes()
    m = C["SxMap"](location=list(CITY_CENTRE), zoom_start=9, tiles=None, max_zoom=18, min_zoom=3,
                   control_scale=True, page_title=title or "", notiles=base.key == "none")
    m.add_child(C["Setup"](base.key == "none"))
    for layer in base.layers:
        folium.TileLayer(tiles=layer.url, attr=layer.attribution, name=layer.name, max_zoom=layer.max_zoom,
                         subdomains=layer.subdomains, overlay=layer.overlay, control=not layer.overlay).add_to(m)
    m.sx_datum = _Datum(base.datum)
    m.sx_lang = lang
    m.sx_title = title
    m.sx_legend = []
    m.sx_bounds = []
    m.sx_tiles = base.key
    return m


def _check_lang(lang):
    if lang not in ("zh", "en"):
        raise UsageError(f"--lang must be zh or en (got {lang!r})")


def _add_layer(m, kind, spec, name, bounds=None, show=True):
    layer = _classes()["SxLayer"](kind, spec, name, show=show)
    layer.bounds = bounds
    m.add_child(layer)
    if bounds:
        m.sx_bounds.append(bounds)
    return layer


def finish_map(m, fit=None, layer_control=None):
    """Add the legend, the title, the layer control and the view, then the "ready" flag.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`new_map` with layers added.
    fit : list, optional
        ``[[south, west], [north, east]]`` to show; default: everything drawn.
    layer_control : bool, optional
        Add a layer control (default: when the map has more than one layer or tile layer).
    """
    import folium

    C = _classes()
    if m.sx_legend:
        m.add_child(C["SxCall"]("legend", {"sections": m.sx_legend}))
    if m.sx_title:
        m.add_child(C["SxCall"]("title", str(m.sx_title)))
    points = getattr(m, "sx_points_layer", None)
    if points is not None:
        m.add_child(C["SxCall"]("panel", {"points": points, "districts": getattr(m, "sx_districts_layer", None),
                                          "texts": PANEL_TEXTS[m.sx_lang], "list": 100}))
    layers = [c for c in m._children.values() if isinstance(c, folium.map.Layer) and c.control]
    if layer_control is None:
        layer_control = len(layers) > 1
    if layer_control:
        folium.LayerControl(collapsed=False, position="topright").add_to(m)
    bounds = fit or _union_bounds(m.sx_bounds)
    if bounds:
        m.fit_bounds(bounds, padding=(12, 12))
    m.add_child(C["SxCall"]("ready"), name="sxmap_ready")
    return m


PANEL_TEXTS = {
    "zh": {"filter": "筛选", "status": "显示 {n} / {m} 个项目，{a}", "status_empty": "显示 {n} / {m} 个项目",
           "industry": "产业", "district": "所在区县", "township": "乡镇街道", "all_townships": "全部乡镇街道",
           "year": "年份", "from": "从", "to": "至", "amount": "投资额（亿元）", "min": "最低", "max": "最高",
           "search": "名称", "search_hint": "项目或企业名称", "clear": "清除筛选", "sort": "列表排序",
           "sort_amount": "投资额（高→低）", "sort_year": "年份（新→旧）", "sort_name": "名称", "unit": "亿",
           "list_more": "列出前 {k} 个（共 {n} 个）", "none": "（空）"},
    "en": {"filter": "Filter", "status": "Showing {n} of {m} projects, {a}", "status_empty": "Showing {n} of {m} projects",
           "industry": "Industry",
           "district": "District (located)", "township": "Township", "all_townships": "all townships",
           "year": "Year", "from": "from", "to": "to",
           "amount": "Investment (100 million yuan)", "min": "min", "max": "max", "search": "Name",
           "search_hint": "project or company name", "clear": "Clear filters", "sort": "Sort the list",
           "sort_amount": "investment (high → low)", "sort_year": "year (new → old)", "sort_name": "name",
           "unit": " (100m yuan)", "list_more": "the first {k} of {n} listed", "none": "(none)"},
}


def _union_bounds(bounds_list):
    bounds_list = [b for b in bounds_list if b]
    if not bounds_list:
        return None
    south = min(b[0][0] for b in bounds_list)
    west = min(b[0][1] for b in bounds_list)
    north = max(b[1][0] for b in bounds_list)
    east = max(b[1][1] for b in bounds_list)
    return [[south, west], [north, east]]


def _bounds_of(lon, lat, pad=0.0):
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.size == 0:
        return None
    return [[round(float(lat.min()) - pad, 6), round(float(lon.min()) - pad, 6)],
            [round(float(lat.max()) + pad, 6), round(float(lon.max()) + pad, 6)]]


# ============================================================================================
# Districts (choropleth, outlines, labels)


def _district_labels(m):
    from sxmap.geo.boundaries import district_records
    from sxmap.geo.districts import BY_ADCODE

    labels = []
    for record in district_records():
        lon, lat = m.sx_datum.point(record["anchor_lon"], record["anchor_lat"])
        labels.append({"lat": round(lat, 6), "lon": round(lon, 6),
                       "text": BY_ADCODE[record["adcode"]].label(m.sx_lang)})
    return labels


def _district_features(m, properties: dict) -> tuple[dict, list]:
    """The six simplified districts in the map's datum, with ``properties[adcode]`` attached."""
    import shapely

    from sxmap.geo.boundaries import district_geometries

    features, geoms = [], []
    for adcode, geometry in district_geometries(simplified=True).items():
        g = m.sx_datum.geometry(geometry)
        geoms.append(g)
        features.append({"type": "Feature", "properties": properties.get(adcode, {}),
                         "geometry": _geojson_geometry(g)})
    minx, miny, maxx, maxy = shapely.GeometryCollection(geoms).bounds
    bounds = [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]]
    return {"type": "FeatureCollection", "features": features}, bounds


def _format_value(value, kind, lang, bound=""):
    """A district's value for its tooltip: "≥1,234.5" when it includes lower bounds."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return st.text("no_data", lang)
    if kind in ("investment", "stat"):
        number = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        number = f"{int(value):,}"
    prefix = {"min": "≥", "approx": "约" if lang == "zh" else "about "}.get(bound, "")
    return f"{prefix}{number}"


def add_choropleth(m, values, classes, name=None, show=True, opacity=None):
    """Add districts coloured by class of ``values`` (from :func:`maps.style.district_values`),
    with tooltips (name, value, number of projects), labels and a legend section.

    Districts whose value is NaN are hatched and listed as "no data" in the legend.
    """
    lang = m.sx_lang
    kind = st.parse_value(values.attrs.get("value", "investment"))[0]
    label = values.attrs.get("label_en" if lang == "en" else "label_zh", "")
    colours = classes.colour_of(values["value"].to_numpy(float))
    properties = {}
    from sxmap.geo.districts import BY_ADCODE

    for row, colour in zip(values.itertuples(index=False), colours):
        nodata = isinstance(row.value, float) and math.isnan(row.value)
        if kind == "stat":
            bound = str(getattr(row, "bound", "") or "")
        else:
            bound = "min" if kind == "investment" and int(row.n_lower_bound) > 0 else ""
        rows = [[label, _format_value(row.value, kind, lang, bound)]]
        if kind != "count":
            rows.append([st.text("count", lang), str(int(row.count)) if row.count else st.text("no_projects", lang)])
        elif nodata:
            rows.append([st.text("count", lang), st.text("no_projects", lang)])
        if kind == "stat" and getattr(row, "period", ""):
            rows.append(["时期" if lang == "zh" else "Period", str(row.period)])
        properties[int(row.adcode)] = {
            "adcode": int(row.adcode),
            "name": BY_ADCODE[int(row.adcode)].label(lang),
            "fill": None if nodata else colour,
            "rows": rows,
        }
    collection, bounds = _district_features(m, properties)
    spec = {"geojson": collection, "labels": _district_labels(m), "weight": 1.2,
            "opacity": opacity if opacity is not None else (0.85 if m.sx_tiles == "none" else 0.7)}
    if kind in ("investment", "count", "count_min") and classes.k:
        # the page recolours the districts from the projects it shows (filter), with these bins
        arg = st.parse_value(values.attrs.get("value", "investment"))[1]
        spec["recolour"] = {"kind": kind, "arg": float(arg) if kind == "count_min" else None,
                            "bins": list(classes.bins), "colours": list(classes.colours),
                            "texts": {"label": label, "count": st.text("count", lang), "no_data": st.text("no_data", lang),
                                      "no_projects": st.text("no_projects", lang)}}
    layer = _add_layer(m, "districts", spec, name or st.text("districts", lang), bounds, show)
    m.sx_districts_layer = layer
    items = [{"type": "fill", "colour": c, "label": lab} for c, lab in zip(classes.colours, classes.labels)]
    if values["value"].isna().any() or not items:
        items.append({"type": "hatch", "label": st.text("no_data", lang)})
    if kind == "investment" and (values["n_lower_bound"] > 0).any():
        items.append({"type": "note", "label": ("≥：" if lang == "zh" else "≥: ") + st.text("lower_bound_note", lang)})
    m.sx_legend.append({"title": label, "items": items, "layer": layer})
    return layer


def add_district_outlines(m, name=None, show=True, labels=True):
    """Add the six districts as plain outlines with their names (no data colours)."""
    from sxmap.geo.districts import BY_ADCODE

    properties = {a: {"adcode": a, "name": d.label(m.sx_lang), "fill": "#f7f7f7", "rows": []} for a, d in BY_ADCODE.items()}
    collection, bounds = _district_features(m, properties)
    spec = {"geojson": collection, "labels": _district_labels(m) if labels else [], "weight": 1.2,
            "opacity": 0.35 if m.sx_tiles == "none" else 0.05, "line": "#666666"}
    return _add_layer(m, "districts", spec, name or st.text("districts", m.sx_lang), bounds, show)


# ============================================================================================
# Compact point encoding


def _text_series(frame, column):
    """A column as text ("" where missing), kept as pandas' Arrow-backed strings."""
    import pandas as pd

    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype="str")
    return frame[column].astype("str").fillna("")


def _district_column(frame, lang):
    """Codes and labels of each row's stated district (未注明 / not stated when unknown)."""
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE

    unknown = "未注明" if lang == "zh" else "not stated"
    if "district" not in frame:
        return np.zeros(len(frame), dtype=np.int64), [unknown] if len(frame) else []
    codes = pd.to_numeric(frame["district"], errors="coerce").astype("Float64").fillna(-1).to_numpy(float)
    whole = np.isfinite(codes) & (codes == np.round(codes))
    codes = np.where(whole, codes, -1).astype(np.int64)

    def label(code):
        if code == -1:
            return unknown
        return BY_ADCODE[code].label(lang) if code in BY_ADCODE else str(code)

    return _codes_and_labels(codes, label)


def _district_text(frame, lang):
    """The stated district of each row as a label (未注明 / not stated when unknown)."""
    codes, labels = _district_column(frame, lang)
    return np.asarray(labels, dtype=object)[codes].tolist() if len(codes) else []


def _amount_column(frame, lang):
    """Codes of distinct (amount, bound) pairs (in order of first appearance), their formatted
    labels, their amounts (亿元) and whether each is a lower bound. Vectorised: the amounts and
    the bounds are factorised apart, then their pairs."""
    import pandas as pd

    amounts = frame["investment"].astype(float) if "investment" in frame else pd.Series(np.nan, index=frame.index)
    amount_codes, amount_values = pd.factorize(amounts.round(6).fillna(-1.0), sort=False)
    bound_codes, bound_values = _factorize(_text_series(frame, "investment_bound"))
    bound_values = _as_list(bound_values)
    pairs = np.asarray(amount_codes, dtype=np.int64) * max(len(bound_values), 1) + np.asarray(bound_codes)
    codes, firsts = pd.factorize(pairs, sort=False)
    amount_of = np.asarray(amount_values, dtype=float)[firsts // max(len(bound_values), 1)]
    bound_of = np.asarray(bound_values, dtype=object)[firsts % max(len(bound_values), 1)]
    values = [None if a == -1.0 else float(a) for a in amount_of]
    labels = [st.format_amount(float("nan") if v is None else v, b, lang) for v, b in zip(values, bound_of)]
    return np.asarray(codes, dtype=np.int64), labels, values, [int(b == "min") for b in bound_of]


def _check_coordinates(frame, what):
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        ids = frame["id"].astype(str).to_numpy()[bad][:5] if "id" in frame else np.flatnonzero(bad)[:5]
        raise DataError(f"{int(bad.sum())} {what} without coordinates (ids {', '.join(map(str, ids))})",
                        column="lon/lat", hint="give every row a lon and lat (WGS-84)")
    return lon, lat


def encode_projects(projects, datum, lang="zh", mode=None, max_radius=None):
    """The projects as the compact spec of ``sxmap.points`` (see the module docstring).

    Coordinates are integer offsets of 1e-6° from the south-west corner (3 bytes an axis within
    16°; 1e-5° and compressed above :data:`COMPRESS_ABOVE` projects); names are a plain list; every other popup field is dictionary-encoded and the codes
    packed into as few integers as fit (mixed radix). Colours come from the industry codes,
    circle sizes from the amount codes, dashed outlines from the precision codes.

    Parameters
    ----------
    projects : DataFrame
        The canonical project table.
    datum : _Datum
        Converts the WGS-84 coordinates to the map's datum.
    lang : {"zh", "en"}
    mode : {"rich", "canvas"}, optional
        Default: rich up to :data:`RICH_LIMIT` points, canvas above.
    max_radius : float, optional
        Radius of the largest amount in pixels (default 28 rich, 14 canvas).

    Returns
    -------
    spec : dict
    industries : list of str
        The industries present, in legend order.
    scale : float
        Pixels per √亿元.
    xy : tuple of arrays
        The coordinates in the map's datum.
    """
    n = len(projects)
    mode = mode or ("rich" if n <= RICH_LIMIT else "canvas")
    if mode not in ("rich", "canvas"):
        raise UsageError(f"unknown marker mode {mode!r}")
    lon, lat = _check_coordinates(projects, "projects")
    x, y = datum.xy(lon, lat)
    x0 = math.floor(float(x.min()) * 1e4) / 1e4 if n else 0.0
    y0 = math.floor(float(y.min()) * 1e4) / 1e4 if n else 0.0
    compress = n > COMPRESS_ABOVE
    quantum = COARSE_QUANTUM if compress else COORD_QUANTUM
    xi = np.round((x - x0) / quantum).astype(np.int64)
    yi = np.round((y - y0) / quantum).astype(np.int64)
    # Compressed pages list the projects south to north, then west to east (the latitudes become
    # small steps): every per-project array is computed in the table's order, then reordered.
    by_place = np.lexsort((xi, yi)) if compress else None

    def reorder(codes):
        return codes if by_place is None else np.asarray(codes)[by_place]

    if by_place is not None:
        x, y, xi, yi = x[by_place], y[by_place], xi[by_place], yi[by_place]

    amount_codes, amount_labels, amount_values, amount_min = _amount_column(projects, lang)
    amount_codes = reorder(amount_codes)
    finite = [v for v in amount_values if v is not None and v > 0]
    max_radius = max_radius or (28.0 if mode == "rich" else 14.0)
    scale = st.marker_scale(max(finite) if finite else 0.0, max_radius)

    precision_codes, precisions = _factorize(_text_series(projects, "location_precision"))
    precision_codes = reorder(precision_codes)
    industry_seen, industries_seen = _factorize(_text_series(projects, "industry"))
    industries_seen = [st.match_industry(s) for s in _as_list(industries_seen)]  # 集成电路 → 集成电路/半导体
    present = st.industry_order(industries_seen)
    in_legend_order = np.array([present.index(s) for s in industries_seen] or [0], dtype=np.int64)
    industry_codes = reorder(in_legend_order[industry_seen])

    names = _text_series(projects, "name")
    if lang == "en":
        english = _text_series(projects, "name_en")
        names = english.where(english != "", names)
    columns = {
        "name": _factorize(names),
        "company": _factorize(_text_series(projects, "company")),
        "district": _district_column(projects, lang),
        "platform": _factorize(_text_series(projects, "platform")),
        "industry": (industry_codes, [st.industry_label(s, lang) for s in present]),
        "amount": (amount_codes, amount_labels),
        "stage": _factorize(_text_series(projects, "stage")),
        "year": _year_column(projects),
        "precision": (precision_codes, [st.precision_label(p, lang) for p in precisions]),
    }
    townships = _text_series(projects, "township")
    if (townships != "").any():  # the popup's township and the filter panel's township list
        columns["township"] = _factorize(townships)
    columns = {key: (codes if key in ("industry", "amount", "precision") else reorder(codes), uniques)
               for key, (codes, uniques) in columns.items()}
    plain, packs = encode_columns(columns, plain_ok=("name", "company", "platform", "stage", "year", "district"))
    if not compress:  # written as JSON lists
        plain = {key: {"v": _as_list(column["v"])} for key, column in plain.items()}
    fields = [[st.text(key, lang), key] for key in ("company", "district", "platform", "industry")]
    if "township" in columns:
        fields.insert(2, ["乡镇街道" if lang == "zh" else "Township", "township"])
    fields += [[st.text("investment", lang), "amount"], [st.text("stage", lang), "stage"],
               [st.text("year", lang), "year"], [st.text("precision", lang), "precision"]]
    spec = {
        "mode": mode, "n": n, "q": quantum, "x0": x0, "y0": y0,
        "x": _encode_axis(xi), "y": _encode_axis(yi),
        "plain": plain, "packs": packs,
        "colour": {"key": "industry", "palette": list(map(st.industry_colours(present).get, present)), "names": present},
        "size": {"key": "amount", "values": amount_values, "min": amount_min},
        "approx": {"key": "precision", "flags": [int(p != "site") for p in precisions]},
        "scale": round(scale, 6), "rmin": 3.0 if mode == "rich" else 2.0,
        "title": "name", "fields": fields, "yearKey": "year",
        "more": ("另有 {n} 个项目" if lang == "zh" else "and {n} more"),
        "limit": 10,
        "located": _located_column(projects, lang, by_place),
        "texts": POINT_TEXTS[lang],
    }
    radii = _radii(amount_codes, amount_values, scale, spec["rmin"])
    spec["spread"], spec["stacks"] = spread_co_located(xi, yi, radii)
    if compress:
        _compress_spec(spec, yi)
    return spec, present, scale, (x, y)


POINT_TEXTS = {
    "zh": {"here": "此处 {n} 个项目，{a}", "zoom_in": "放大查看", "stack": "同一位置 {n} 个项目，{a}",
           "stack_tip": "{n} 个项目（点击列出）", "back": "← 返回列表",
           # the amount of a summary (sx.amountText): unknown amounts are counted, never added as 0
           "amount_all": "合计 {x} 亿元", "amount_part": "合计 {x} 亿元（不含 {u} 个金额未知的项目）",
           "amount_none": "其中 {u} 个金额未知"},
    "en": {"here": "{n} projects here, {a}", "zoom_in": "Zoom in",
           "stack": "{n} projects at one spot, {a}", "stack_tip": "{n} projects (click for the list)",
           "back": "← back to the list",
           "amount_all": "total {x} (100 million yuan)",
           "amount_part": "total {x} (100 million yuan) without the {u} with no amount",
           "amount_none": "{u} of them with no amount"},
}


def _radii(amount_codes, amount_values, scale, rmin):
    """Circle radius of each project in pixels, as the page computes it."""
    per_code = np.array([max(scale * math.sqrt(v), rmin) if v is not None and v > 0 else rmin for v in amount_values]
                        or [rmin], dtype=float)
    return per_code[amount_codes] if len(amount_codes) else np.zeros(0)


def spread_co_located(xi, yi, radii, spread_max=SPREAD_MAX, gap=1.0):
    """Projects sharing one spot: offsets that spread small groups around it, count markers for big ones.

    A group of two sits side by side; up to ``spread_max`` make a sunflower, the largest circle
    nearest the spot (as :func:`maps.static.spread_overlapping` does on the static maps). The
    offsets are in screen pixels, so the groups keep their shape at every zoom.

    Parameters
    ----------
    xi, yi : numpy.ndarray of int
        Quantised coordinates (the same spot = the same pair).
    radii : numpy.ndarray
        Circle radii in pixels.
    spread_max : int
        Larger groups are gathered into one count marker instead.

    Returns
    -------
    spread : dict
        ``{"i": indices, "dx": offsets, "dy": offsets}`` (base64 uint32 / int16), empty if none.
    stacks : dict
        ``{"i": members of each group in turn, "n": group sizes}`` (base64 uint32), empty if none.
    """
    xi = np.asarray(xi, dtype=np.int64)
    yi = np.asarray(yi, dtype=np.int64)
    if xi.size < 2:
        return {}, {}
    key = xi * (int(yi.max()) + 1) + yi
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    shared = np.flatnonzero(counts[inverse] > 1)
    if shared.size == 0:
        return {}, {}
    shared = shared[np.lexsort((shared, -radii[shared], inverse[shared]))]
    cuts = np.flatnonzero(np.diff(inverse[shared])) + 1
    golden = math.pi * (3 - math.sqrt(5))
    ids, dxs, dys, stack_ids, stack_sizes = [], [], [], [], []
    for members in np.split(shared, cuts):
        if members.size > spread_max:
            stack_ids.append(np.sort(members))
            stack_sizes.append(members.size)
            continue
        r = radii[members]
        if members.size == 2:
            half = (r.sum() + gap) / 2
            offsets = [(-half, 0.0), (half, 0.0)]
        else:
            spacing = 0.64 * (2 * float(r.mean()) + gap)
            offsets = [(spacing * math.sqrt(k + 0.5) * math.cos(k * golden + math.pi / 2),
                        -spacing * math.sqrt(k + 0.5) * math.sin(k * golden + math.pi / 2)) for k in range(members.size)]
        ids.append(members)
        dxs.extend(round(dx) for dx, _ in offsets)
        dys.extend(round(dy) for _, dy in offsets)
    spread = {}
    if ids:
        spread = {"i": _b64(np.concatenate(ids), "<u4"), "dx": _b64(dxs, "<i2"), "dy": _b64(dys, "<i2")}
    stacks = {}
    if stack_ids:
        stacks = {"i": _b64(np.concatenate(stack_ids), "<u4"), "n": _b64(stack_sizes, "<u4")}
    return spread, stacks


def _located_column(projects, lang, order=None):
    """The district each project lies in (``district_located``), for the page's filter and for
    recolouring the districts: ``{"c": base64 uint8 codes, "adcodes", "names", "other"}`` (names
    in the page's language, ``other`` in the other one; code of a point outside the city: the
    last, adcode 0)."""
    from sxmap.geo.districts import BY_ADCODE

    if "district_located" in projects:
        located = projects["district_located"].fillna(0).to_numpy(dtype=np.int64)
    else:
        from sxmap.geo.locate import locate

        located = np.asarray(locate(projects["lon"].to_numpy(float), projects["lat"].to_numpy(float)), dtype=np.int64)
    adcodes = list(BY_ADCODE)
    other = "en" if lang == "zh" else "zh"
    names = [BY_ADCODE[a].label(lang) for a in adcodes]
    others = [BY_ADCODE[a].label(other) for a in adcodes]
    lookup = {a: k for k, a in enumerate(adcodes)}
    codes = np.array([lookup.get(int(a), len(adcodes)) for a in np.unique(located)], dtype=np.int64)
    codes = codes[np.searchsorted(np.unique(located), located)] if located.size else np.zeros(0, dtype=np.int64)
    if (codes == len(adcodes)).any():
        adcodes.append(0)
        names.append("市外" if lang == "zh" else "outside the city")
        others.append("outside the city" if lang == "zh" else "市外")
    if order is not None:
        codes = codes[order]
    return {"c": _b64(codes, "<u1"), "adcodes": adcodes, "names": names, "other": others}


def _year_column(frame):
    """Codes and labels of each row's year ("" when unknown)."""
    import pandas as pd

    if "year" not in frame:
        return np.zeros(len(frame), dtype=np.int64), [""] if len(frame) else []
    years = pd.to_numeric(frame["year"], errors="coerce").astype("Float64").to_numpy(float)
    whole = np.isfinite(years) & (years == np.round(years))
    none = np.iinfo(np.int64).min
    codes = np.full(len(years), none, dtype=np.int64)
    codes[whole] = years[whole].astype(np.int64)
    return _codes_and_labels(codes, lambda y: "" if y == none else str(y))


def _year_text(frame):
    codes, labels = _year_column(frame)
    return np.asarray(labels, dtype=object)[codes].tolist() if len(codes) else []


def _nice_amounts(max_amount: float) -> list[float]:
    """Up to three round amounts (1, 2, 5 × 10ⁿ) for the size legend, the largest ≤ the maximum."""
    if not max_amount or max_amount <= 0:
        return []
    steps = [m * 10 ** e for e in range(-2, 6) for m in (1, 2, 5)]
    top = max(s for s in steps if s <= max_amount) if max_amount >= 0.01 else max_amount
    picks = [top]
    for s in reversed(steps):
        if s <= picks[-1] / 4 and len(picks) < 3:
            picks.append(s)
    return picks


def add_projects(m, projects, name=None, show=True, mode=None):
    """Add the projects: colour by industry, circle area proportional to investment, popups, and
    dashed outlines for projects located only to their platform or district. Adds legend sections
    (industries, sizes, location precision)."""
    lang = m.sx_lang
    spec, industries, scale, (x, y) = encode_projects(projects, m.sx_datum, lang, mode)
    layer = _add_layer(m, "points", spec, name or st.text("projects", lang), _bounds_of(x, y, 0.01), show)
    m.sx_points_layer = layer
    lname = layer
    m.sx_legend.append({"title": st.text("industry", lang), "layer": lname,
                        "items": [{"type": "circle", "r": 6, "colour": colour, "label": st.industry_label(s, lang)}
                                  for s, colour in st.industry_colours(industries).items()]})
    amounts = projects["investment"].to_numpy(dtype=float) if "investment" in projects else np.array([])
    finite = amounts[np.isfinite(amounts) & (amounts > 0)]
    size_items = [{"type": "circle", "r": max(scale * math.sqrt(v), spec["rmin"]), "colour": "#999999",
                   "label": st.format_amount(v, "exact", lang)}
                  for v in _nice_amounts(float(finite.max()) if finite.size else 0.0)]
    size_items.append({"type": "note", "label": st.text("size_note", lang)})
    if np.isnan(amounts).any():
        size_items.append({"type": "circle", "r": spec["rmin"], "colour": "#999999",
                           "label": ("金额未披露" if lang == "zh" else "amount not disclosed")})
    m.sx_legend.append({"title": st.text("investment", lang), "items": size_items, "layer": lname})
    precision = _text_series(projects, "location_precision")
    if (precision != "site").any():
        items = [{"type": "circle", "r": 6, "colour": "#777777", "label": st.precision_label("site", lang)},
                 {"type": "circle", "r": 6, "dashed": True, "label": st.text("approx_note", lang)}]
        if (precision == "township").any():  # CC BY 4.0: the seats' sources are credited where they are drawn
            from sxmap.maps.townships import SEATS_CREDIT

            items.append({"type": "note", "label": SEATS_CREDIT[lang]})
        m.sx_legend.append({"title": st.text("precision", lang), "layer": lname, "items": items})
    return layer


# ============================================================================================
# Platforms and enclaves


def _split_industries(text, lang):
    return "、".join(st.industry_label(s.strip(), lang) for s in str(text).split("|") if s.strip())


def _place_precision(value, lang):
    pairs = {
        "site": ("地点已知", "site"),
        "platform": ("仅到平台", "platform only"),
        "district": ("仅到区县（区县内代表点）", "district only (a point inside the district)"),
        "host-district": ("仅到所在区（区内代表点）", "district only (a point inside the district)"),
        "host-city": ("仅到所在城市（城市内代表点）", "city only (a point inside the city)"),
    }
    pair = pairs.get(str(value))
    return str(value) if pair is None else pair[1 if lang == "en" else 0]


def add_platforms(m, platforms, name=None, show=True):
    """Add industrial platforms as purple squares (dashed when located only to a district)."""
    lang = m.sx_lang
    if platforms is None or len(platforms) == 0:
        return None
    lon, lat = _check_coordinates(platforms, "platforms")
    x, y = m.sx_datum.xy(lon, lat)
    districts = _district_text(platforms, lang)
    items = []
    for i, row in enumerate(platforms.to_dict("records")):
        title = str(row.get("name", ""))
        if lang == "en" and str(row.get("name_en", "") or ""):
            title = str(row["name_en"])
        rows = [
            [st.text("kind", lang), str(row.get("kind", "") or "")],
            [st.text("industry", lang), _split_industries(row.get("industry", "") or "", lang)],
            [st.text("district", lang), districts[i]],
            [st.text("precision", lang), _place_precision(row.get("location_precision", ""), lang)],
        ]
        items.append({"lat": round(float(y[i]), 6), "lon": round(float(x[i]), 6), "name": title, "rows": rows,
                       "colour": PLATFORM_COLOUR, "dashed": str(row.get("location_precision", "")) != "site"})
    spec = {"items": items, "cls": "sx-platform", "size": 14}
    layer = _add_layer(m, "places", spec, name or st.text("platforms", lang), _bounds_of(x, y, 0.01), show)
    m.sx_legend.append({"title": st.text("platforms", lang), "layer": layer, "items": [
        {"type": "square", "colour": PLATFORM_COLOUR, "label": ("产业平台（位置仅到区县）" if lang == "zh"
                                                               else "Platform (located to its district)")}]})
    return layer


def _host_outlines(m, enclaves):
    """Outlines of the places outside Shaoxing that host the enclaves (Hangzhou, Shanghai, …)."""
    import shapely

    from sxmap.geo.boundaries import host_geometries

    hosts = host_geometries()
    features, geoms = [], []
    wanted = []
    for code in enclaves["host_adcode"].tolist() if "host_adcode" in enclaves else []:
        try:
            code = int(code)
        except (TypeError, ValueError):
            continue
        if code in hosts and code not in wanted:
            wanted.append(code)
    for code in wanted:
        h = hosts[code]
        g = m.sx_datum.geometry(h["geometry"])
        geoms.append(g)
        name = h["name_zh"] if m.sx_lang == "zh" else h["name_en"]
        features.append({"type": "Feature", "properties": {"name": name, "rows": []}, "geometry": _geojson_geometry(g)})
    if not features:
        return None, None
    minx, miny, maxx, maxy = shapely.GeometryCollection(geoms).bounds
    return ({"type": "FeatureCollection", "features": features},
            [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]])


def _host_label(row, hosts, lang):
    """The city hosting an enclave, in the map's language (for the edge indicators)."""
    try:
        code = int(row.get("host_adcode"))
    except (TypeError, ValueError):
        code = None
    if code in hosts:
        return hosts[code]["name_zh" if lang == "zh" else "name_en"]
    return str(row.get("host_city", "") or "")


def add_enclaves(m, enclaves, name=None, show=True):
    """Add enclave offices (飞地): a marker at each office, a curved arrow from its home district
    (the district's anchor) to it, outbound ones solid blue, inbound ones dashed green diamonds;
    and the outlines of the places hosting them."""
    from sxmap.geo.boundaries import district_anchor
    from sxmap.geo.districts import BY_ADCODE

    lang = m.sx_lang
    if enclaves is None or len(enclaves) == 0:
        return None
    lon, lat = _check_coordinates(enclaves, "enclaves")
    x, y = m.sx_datum.xy(lon, lat)
    hosts, host_bounds = _host_outlines(m, enclaves)
    layers = []
    if hosts:
        layers.append(_add_layer(m, "outlines", {"geojson": hosts, "colour": "#7a7a7a", "weight": 1, "dash": "4,3",
                                                 "fillOpacity": 0.06, "tips": True},
                                 ("飞地所在城市" if lang == "zh" else "Places hosting enclaves"), host_bounds, show))
    places, links = [], []
    all_x, all_y = list(x), list(y)
    from sxmap.geo.boundaries import host_geometries

    hosts_by_code = host_geometries()
    for i, row in enumerate(enclaves.to_dict("records")):
        direction = str(row.get("direction", "") or "outbound")
        inbound = direction == "inbound"
        colour = INBOUND_COLOUR if inbound else OUTBOUND_COLOUR
        home = row.get("home_district")
        home_label = ""
        try:
            home_code = int(home)
            home_label = BY_ADCODE[home_code].label(lang) if home_code in BY_ADCODE else str(home_code)
        except (TypeError, ValueError):
            home_code = None
        host = "".join(str(row.get(k, "") or "") for k in ("host_city", "host_district"))
        count = row.get("count")
        count_text = "" if count is None or str(count) in ("", "<NA>", "nan") else str(count)
        rows = [
            [st.text("home", lang), home_label],
            [st.text("host", lang), host],
            [st.text("direction", lang), st.text("inbound" if inbound else "outbound", lang)],
            [("数量" if lang == "zh" else "Number"), count_text],
            [st.text("year", lang), _year_text(enclaves.iloc[[i]])[0]],
            [st.text("precision", lang), _place_precision(row.get("location_precision", ""), lang)],
        ]
        title = str(row.get("name", ""))
        places.append({"lat": round(float(y[i]), 6), "lon": round(float(x[i]), 6), "name": title, "rows": rows,
                       "colour": colour, "dashed": str(row.get("location_precision", "")) not in ("site",),
                       "inbound": inbound, "host": _host_label(row, hosts_by_code, lang) or title})
        if home_code in BY_ADCODE:
            hx, hy = m.sx_datum.point(*district_anchor(home_code))
            all_x.append(hx)
            all_y.append(hy)
            if abs(hx - float(x[i])) + abs(hy - float(y[i])) > 0.005:
                links.append({"from": [round(hy, 6), round(hx, 6)], "to": [round(float(y[i]), 6), round(float(x[i]), 6)],
                              "name": title, "rows": rows, "colour": colour, "dashed": inbound})
    group_name = name or st.text("enclaves", lang)
    links_layer = _add_layer(m, "links", {"items": links}, group_name + ("（连线）" if lang == "zh" else " (links)"),
                             _bounds_of(all_x, all_y, 0.05), show)
    out_items = [p for p in places if not p["inbound"]]
    in_items = [p for p in places if p["inbound"]]
    place_layers = []
    if out_items:
        place_layers.append(_add_layer(m, "places", {"items": out_items, "cls": "sx-enclave sx-enclave-out", "size": 14,
                                                     "edge": _edge_spec(m)},
                                       group_name + ("（外飞地）" if lang == "zh" else " (outbound)"),
                                       _bounds_of([p["lon"] for p in out_items], [p["lat"] for p in out_items], 0.05), show))
    if in_items:
        place_layers.append(_add_layer(m, "places", {"items": in_items, "cls": "sx-enclave sx-enclave-in", "size": 13},
                                       group_name + ("（入驻飞地）" if lang == "zh" else " (inbound)"),
                                       _bounds_of([p["lon"] for p in in_items], [p["lat"] for p in in_items], 0.05), show))
    items = []
    if out_items:
        items.append({"type": "square", "colour": OUTBOUND_COLOUR, "label": st.text("outbound", lang)})
    if in_items:
        items.append({"type": "diamond", "colour": INBOUND_COLOUR, "label": st.text("inbound", lang)})
    if links:
        items.append({"type": "line", "colour": OUTBOUND_COLOUR,
                      "label": ("所属区县 → 飞地" if lang == "zh" else "home district → enclave")})
    items.append({"type": "note", "label": ("虚线框：位置仅到城市或区" if lang == "zh"
                                            else "Dashed frame: located only to a city or district")})
    m.sx_legend.append({"title": st.text("enclaves", lang), "items": items, "layer": links_layer})
    return [*layers, links_layer, *place_layers]


# ============================================================================================
# The maps


def _edge_spec(m):
    """What the page needs for the indicators of enclaves outside the view: the city (name,
    centre, bounds: the indicator that leads back) and the words."""
    bounds = _city_bounds(m)
    lang = m.sx_lang
    return {"home": {"name": "绍兴市" if lang == "zh" else "Shaoxing",
                     "lat": round((bounds[0][0] + bounds[1][0]) / 2, 6), "lon": round((bounds[0][1] + bounds[1][1]) / 2, 6),
                     "bounds": bounds},
            "texts": ({"km": "{km} 公里", "fly": "飞往 {name}", "back": "回到 {name}"} if lang == "zh"
                      else {"km": "{km} km", "fly": "Fly to {name}", "back": "Back to {name}"})}


def _near_bounds(m, enclaves, near_km=NEAR_KM):
    """The city and the enclaves within ``near_km`` of its centre (the opening view of the enclaves map)."""
    bounds = _city_bounds(m)
    lat0, lon0 = (bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2
    lon, lat = _check_coordinates(enclaves, "enclaves")
    x, y = m.sx_datum.xy(lon, lat)
    p1, p2, dl = np.radians(lat0), np.radians(y), np.radians(x - lon0)
    km = 6371.0088 * np.arccos(np.clip(np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl), -1, 1))
    near = km <= near_km
    return _union_bounds([bounds, _bounds_of(x[near], y[near], 0.05)])


def _title(title, default_zh, default_en, lang):
    if title is not None:
        return str(title)
    return default_en if lang == "en" else default_zh


def choropleth_map(projects, value="investment", scheme="quantiles", k=5, bins=None, tiles="none",
                   lang="zh", title=None, stats=None, stat_period=None, stat_industry=None,
                   tianditu_key=None, by="district"):
    """Districts coloured by a per-district value, classified with mapclassify.

    Parameters
    ----------
    projects : GeoDataFrame
        The canonical project table (filter it first as wanted).
    value : str
        ``investment``, ``count``, ``count-min-investment=X`` or ``stat:METRIC`` (see
        :func:`maps.style.district_values`).
    scheme, k, bins
        Classification (:func:`maps.style.classify`). ``k`` is reduced when fewer districts have data.
    tiles : str
        See :func:`basemap`; ``none`` (default) draws a clean thematic map.
    lang : {"zh", "en"}
    title : str, optional
        Shown at the top of the map (escaped). Default: the value's label.
    stats, stat_period, stat_industry
        For ``stat:METRIC``: the statistics table (default: bundled) and which rows.
    by : {"district", "township"}
        ``township``: a proportional circle per township at its seat (``value`` count or
        investment; township polygons are not openly available), :func:`township_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> from sxmap.geo.projects import load_projects   # doctest: +SKIP
    >>> m = choropleth_map(load_projects(), value="count", scheme="equal-interval", k=4)
    >>> save_map(m, "out/choropleth.html", overwrite=True)
    """
    _check_lang(lang)
    if by == "township":
        return township_map(projects, value, tiles=tiles, lang=lang, title=title, tianditu_key=tianditu_key)
    if by != "district":
        raise UsageError(f"--by is district or township, not {by!r}")
    values = st.district_values(projects, value, stats=stats, stat_period=stat_period, stat_industry=stat_industry)
    present = values["value"].dropna()
    k_eff = min(int(k), max(int(present.nunique()), 1)) if bins is None else k
    classes = st.classify(values["value"].to_numpy(float), scheme, k_eff, bins,
                          integer=st.parse_value(value)[0] in ("count", "count_min"))
    label = values.attrs["label_en" if lang == "en" else "label_zh"]
    m = new_map(tiles, lang, _title(title, f"绍兴市各区县{label}", f"Shaoxing districts: {label}", lang), tianditu_key)
    add_choropleth(m, values, classes)
    m.sx_classes = classes
    m.sx_values = values
    return finish_map(m)


def add_township_circles(m, projects, value="count", name=None, show=True):
    """Add the township layer (:func:`maps.townships.township_layer_parts`): a circle per township
    with projects, at its seat. Returns the layer, or None when no project has a known township."""
    from sxmap.maps.townships import label, township_layer_parts

    parts = township_layer_parts(projects, value, m.sx_lang, m.sx_datum.xy)
    if parts is None:
        return None
    spec, bounds, legend = parts
    title = label(value, m.sx_lang)
    layer = _add_layer(m, "circles", spec, name or title, bounds, show)
    m.sx_townships_layer = layer
    m.sx_legend.append({"title": title, "layer": layer, "items": legend})
    return layer


def township_map(projects, value="count", tiles="none", lang="zh", title=None, tianditu_key=None):
    """Townships as proportional circles at their seats (:mod:`maps.townships`), on the districts.

    Parameters
    ----------
    projects : GeoDataFrame
        The canonical project table; townships come from its ``township_code`` or ``address``.
    value : {"count", "investment"}
    tiles, lang, title
        As in :func:`choropleth_map`.

    Returns
    -------
    folium.Map
    """
    from sxmap.maps import townships as tw

    _check_lang(lang)
    tw.check_value(value)
    m = new_map(tiles, lang, _title(title, f"绍兴市{tw.label(value, 'zh')}", f"Shaoxing: {tw.label(value, 'en')}",
                                    lang), tianditu_key)
    add_district_outlines(m, show=True)
    add_township_circles(m, projects, value)
    return finish_map(m, fit=_city_bounds(m))


def markers_map(projects, platforms=None, tiles="osm", lang="zh", title=None, mode=None, tianditu_key=None):
    """Projects as circles (colour by industry, area ∝ investment), optionally with platforms.

    Parameters
    ----------
    projects : GeoDataFrame
        The canonical project table.
    platforms : DataFrame, optional
        Platforms (the bundled ``platforms`` table's columns) drawn as squares.
    tiles, lang, title
        As in :func:`choropleth_map`.
    mode : {"rich", "canvas"}, optional
        Force a representation; default: rich (SVG markers) up to 2,000 projects, canvas above.

    Returns
    -------
    folium.Map
    """
    _check_lang(lang)
    m = new_map(tiles, lang, _title(title, "绍兴市招商项目", "Investment projects in Shaoxing", lang), tianditu_key)
    add_district_outlines(m, show=True)
    add_projects(m, projects, mode=mode)
    if platforms is not None:
        add_platforms(m, platforms)
    return finish_map(m, fit=_city_bounds(m))


def enclaves_map(enclaves, tiles="osm", lang="zh", title=None, tianditu_key=None):
    """Enclave offices (飞地) linked to their home districts.

    The opening view fits the city and the enclaves within :data:`NEAR_KM` of it (Hangzhou); the
    farther ones (Shenzhen, Shanghai) get an indicator at the map's edge, with their distance,
    that flies there on click.

    Parameters
    ----------
    enclaves : DataFrame
        The bundled ``enclaves`` table's columns (``name, home_district, host_city,
        host_district, host_adcode, direction, count, lon, lat, location_precision`` …).

    Returns
    -------
    folium.Map
    """
    _check_lang(lang)
    m = new_map(tiles, lang, _title(title, "绍兴飞地分布", "Shaoxing's enclave offices", lang), tianditu_key)
    add_district_outlines(m)
    add_enclaves(m, enclaves)
    fit = _near_bounds(m, enclaves) if enclaves is not None and len(enclaves) else None
    return finish_map(m, fit=fit)


def combined_map(projects, platforms=None, enclaves=None, value="investment", scheme="quantiles", k=5, bins=None,
                 tiles="osm", lang="zh", title=None, mode=None, tianditu_key=None):
    """Everything on one map with a layer control: the choropleth, projects, platforms, enclaves.

    The view fits the city; the enclave lines lead out of it (zoom out to follow them).

    Returns
    -------
    folium.Map
    """
    _check_lang(lang)
    m = new_map(tiles, lang, _title(title, "绍兴招商地图", "Shaoxing investment map", lang), tianditu_key)
    values = st.district_values(projects, value)
    present = values["value"].dropna()
    k_eff = min(int(k), max(int(present.nunique()), 1)) if bins is None else k
    classes = st.classify(values["value"].to_numpy(float), scheme, k_eff, bins,
                          integer=st.parse_value(value)[0] in ("count", "count_min"))
    add_choropleth(m, values, classes, opacity=0.45 if tiles != "none" else None)
    if enclaves is not None and len(enclaves):
        add_enclaves(m, enclaves)
    if platforms is not None and len(platforms):
        add_platforms(m, platforms)
    add_township_circles(m, projects, "count", show=False)  # None when no project has a known township
    add_projects(m, projects, mode=mode)
    return finish_map(m, fit=_city_bounds(m), layer_control=True)


def _city_bounds(m):
    from sxmap.geo.boundaries import city_geometry

    minx, miny, maxx, maxy = m.sx_datum.geometry(city_geometry()).bounds
    return [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]]


# ============================================================================================
# Saving


def _renumber(m) -> None:
    """Give every element of the page an id from its position in the tree (not random)."""
    for number, element in enumerate(_elements(m.get_root()), start=1):
        element._id = f"{number:04x}"


def _elements(element):
    """Every element of a page's tree, parents before their children."""
    yield element
    for child in list(element._children.values()):
        yield from _elements(child)


def render_html(m, cdn: bool = False) -> str:
    """The page of a map as a string: self-contained (or CDN-linked), with deterministic ids."""
    ready = m._children.pop("sxmap_ready", None)
    if ready is not None:  # keep the ready flag last, after anything added since
        m._children["sxmap_ready"] = ready
    if hasattr(m, "cdn"):
        m.cdn = cdn
    _renumber(m)
    text = m.get_root().render()
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return _put_specs(m.get_root(), text)


def _put_specs(root, text: str) -> str:
    """Replace each layer's spec token (see ``SxLayer.spec_token``) by its spec."""
    layers = [e for e in _elements(root) if hasattr(e, "spec_token") and hasattr(e, "spec_js")]
    if not layers:
        return text
    specs = {layer.spec_token(): layer.spec_js for layer in layers}
    return re.sub("<sxspec:[A-Za-z0-9_]+>", lambda found: specs[found.group(0)], text)


def save_map(m, path, cdn: bool = False, overwrite: bool = False, inputs=()):
    """Write a map to ``path`` atomically: self-contained HTML by default.

    Parameters
    ----------
    m : folium.Map
        A map from this module.
    path : str or pathlib.Path
    cdn : bool
        Link Leaflet and jQuery from a CDN instead of inlining them (smaller; needs the internet).
    overwrite : bool
        Replace an existing file.
    inputs : sequence of paths
        Input files that must not be overwritten.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    """
    from sxmap.geo.output import check_output_path, write_text

    check_output_path(path, overwrite=overwrite, inputs=inputs, fmt="html")  # fail before the work
    return write_text(path, render_html(m, cdn=cdn), overwrite=overwrite, inputs=inputs, fmt="html")


# ============================================================================================
# Reading place tables, and the demonstration maps


def read_places(path):
    """A user's platforms or enclaves file (same columns as the bundled ones), any format
    :func:`geo.reading.columns.read_table` reads, with ``lon``/``lat`` (WGS-84) checked.

    Raises
    ------
    DataError
        A missing ``lon``/``lat`` column, or a value in them that is not a number.
    """
    import pandas as pd

    from sxmap.geo.reading.columns import read_table

    frame = read_table(path)
    for column in ("name", "lon", "lat"):
        if column not in frame.columns:
            raise DataError(f"no column {column!r}", path=path, column=column,
                            hint="the file needs the columns of data/platforms.csv or data/enclaves.csv")
    for column in ("lon", "lat"):
        values = pd.to_numeric(frame[column].replace("", None), errors="coerce")
        bad = values.isna() & frame[column].astype(str).str.strip().ne("")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError("not a number", path=path, row=row + 2, column=column, value=frame[column].iloc[row],
                            hint="write decimal degrees (WGS-84), e.g. 120.58")
        frame[column] = values.astype(float)
    # whole-number codes as in the bundled tables (read_bundled): "310000" and 310000 are one host
    for column in ("district", "year", "count", "host_adcode", "home_district", "scope_adcode"):
        if column not in frame.columns:
            continue
        text = frame[column].astype(str).str.strip().replace({"nan": "", "None": "", "<NA>": ""})
        values = pd.to_numeric(text.replace("", None), errors="coerce")
        whole = values.notna() & np.isfinite(values.astype(float)) & (values.astype(float) % 1 == 0)
        bad = ~whole & text.ne("")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError("not a whole number", path=path, row=row + 2, column=column,
                            value=frame[column].iloc[row], hint="write a code such as 330681 (or leave it empty)")
        frame[column] = values.where(whole).astype("Int64")
    return frame

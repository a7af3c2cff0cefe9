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

Modules
-------
This module assembles the page (:func:`new_map`, :func:`finish_map`, the builders, :func:`render_html`,
:func:`save_map`) from modules that import one way, bottom to top: :mod:`maps.encoding` (the compact
encoding), :mod:`maps.basemap` (tiles, datum), :mod:`maps.elements` (folium element classes),
:mod:`maps.columns` (the table's columns as page codes), :mod:`maps.legend` (classification,
legend sections), :mod:`maps.points` (the projects' spec), :mod:`maps.layers` (districts, projects,
townships), :mod:`maps.places` (platforms, enclaves). Their names are re-exported here.
"""

from __future__ import annotations

import re

import numpy as np

from sxmap.geo.errors import DataError, UsageError
from sxmap.geo.region import active as _region
from sxmap.maps import style as st
# The modules the page is assembled from, bottom to top (each imports only those above it); their
# names are re-exported here, so that ``from sxmap.maps.html import …`` and ``html.X`` keep working.
from sxmap.maps.encoding import (  # noqa: F401 - the page's compact encoding
    B85, DEFLATE_BLOCK, _arrow_text, _as_list, _b64, _b85,
    _code_type, _codes_and_labels, _compress_spec, _encode_axis, _factorize, _nul_joined,
    _planes, _varint, deflate_in_blocks, encode_columns,
)
from sxmap.maps.basemap import (  # noqa: F401 - basemaps and their datum
    GAODE_ATTRIBUTION, GAODE_URLS, GEOMETRY_DECIMALS, TIANDITU_ATTRIBUTION, TILES, Basemap, TileSpec,
    _Datum, _geojson_geometry, basemap,
)
from sxmap.maps.elements import _classes, _folium_classes, _names_of_elements  # noqa: F401 - folium elements
from sxmap.maps.columns import (  # noqa: F401 - the table's columns as page codes and texts
    _amount_column, _check_coordinates, _district_column, _district_text, _located_column, _text_series,
    _year_column, _year_text,
)
from sxmap.maps.legend import (  # noqa: F401 - classification, legends
    INBOUND_COLOUR, OUTBOUND_COLOUR, PLATFORM_COLOUR, _choropleth_legend_items, _district_classes,
    _enclave_legend_items, _format_value, _nice_amounts, _project_legend_sections,
)
from sxmap.maps.points import (  # noqa: F401 - the projects' compact spec
    COARSE_QUANTUM, COMPRESS_ABOVE, COORD_QUANTUM, POINT_TEXTS, RICH_LIMIT, SPREAD_MAX, _radii,
    encode_projects, spread_co_located,
)
from sxmap.maps.layers import (  # noqa: F401 - districts, projects, townships
    _add_layer, _bounds_of, _city_bounds, _district_features, _district_labels, _union_bounds,
    add_choropleth, add_district_outlines, add_projects, add_township_circles,
)
from sxmap.maps.places import (  # noqa: F401 - platforms and enclaves
    NEAR_KM, _edge_spec, _host_label, _host_outlines,
    _near_bounds, _place_precision, _split_industries, add_enclaves, add_platforms,
)


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


# ============================================================================================
# The maps


def _title(title, default_zh, default_en, lang, projects=None):
    """The map's title: the one given, else the default in ``lang`` with the filters the projects
    went through (``attrs["filters"]``, :mod:`maps.filters`)."""
    if title is not None:
        return str(title)
    from sxmap.maps.filters import filtered_suffix

    filters = getattr(projects, "attrs", {}).get("filters") if projects is not None else None
    return (default_en if lang == "en" else default_zh) + filtered_suffix(filters, lang)


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
    classes = _district_classes(values, value, scheme, k, bins)
    label = values.attrs["label_en" if lang == "en" else "label_zh"]
    m = new_map(tiles, lang, _title(title, f"{_region().name_zh}各{_region().units_zh}{label}",
                                          f"{_region().name_en} {_region().units_en}: {label}", lang, projects), tianditu_key)
    add_choropleth(m, values, classes)
    m.sx_classes = classes
    m.sx_values = values
    return finish_map(m)


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
    m = new_map(tiles, lang, _title(title, f"{_region().name_zh}{tw.label(value, 'zh')}", f"{_region().name_en}: {tw.label(value, 'en')}",
                                    lang, projects), tianditu_key)
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
    m = new_map(tiles, lang, _title(title, f"{_region().name_zh}招商项目", f"Investment projects in {_region().name_en}", lang, projects),
                tianditu_key)
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
    m = new_map(tiles, lang, _title(title, f"{_region().short_zh}飞地分布", f"{_region().name_en}'s enclave offices", lang), tianditu_key)
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
    m = new_map(tiles, lang, _title(title, f"{_region().short_zh}招商地图", f"{_region().name_en} investment map", lang, projects),
                tianditu_key)
    values = st.district_values(projects, value)
    classes = _district_classes(values, value, scheme, k, bins)
    add_choropleth(m, values, classes, opacity=0.45 if tiles != "none" else None)
    if enclaves is not None and len(enclaves):
        add_enclaves(m, enclaves)
    if platforms is not None and len(platforms):
        add_platforms(m, platforms)
    add_township_circles(m, projects, "count", show=False)  # None when no project has a known township
    add_projects(m, projects, mode=mode)
    return finish_map(m, fit=_city_bounds(m), layer_control=True)


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
    from sxmap.geo.hosts import codes_from_names

    codes_from_names(frame, path)  # 上海市 → 310000, 诸暨 → 330681
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
    from sxmap.geo.hosts import place_at_hosts

    place_at_hosts(frame)  # an enclave with no point: at its host's label point, saying so
    return frame

"""The layers of the HTML maps: the districts (coloured, or outlines with labels), the projects and
the township circles, each added to a map from :func:`maps.html.new_map` with its legend section;
and the bounds they are fitted to. Platforms and enclaves are :mod:`maps.places`.
:mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import math

import numpy as np

from sxmap.maps import style as st
from sxmap.maps.basemap import _geojson_geometry
from sxmap.maps.elements import _classes
from sxmap.maps.legend import _choropleth_legend_items, _format_value, _project_legend_sections
from sxmap.maps.points import encode_projects


def _add_layer(m, kind, spec, name, bounds=None, show=True):
    layer = _classes()["SxLayer"](kind, spec, name, show=show)
    layer.bounds = bounds
    m.add_child(layer)
    if bounds:
        m.sx_bounds.append(bounds)
    return layer


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
    m.sx_legend.append({"title": label, "items": _choropleth_legend_items(values, classes, kind, lang), "layer": layer})
    return layer


def add_district_outlines(m, name=None, show=True, labels=True):
    """Add the six districts as plain outlines with their names (no data colours)."""
    from sxmap.geo.districts import BY_ADCODE

    properties = {a: {"adcode": a, "name": d.label(m.sx_lang), "fill": "#f7f7f7", "rows": []} for a, d in BY_ADCODE.items()}
    collection, bounds = _district_features(m, properties)
    spec = {"geojson": collection, "labels": _district_labels(m) if labels else [], "weight": 1.2,
            "opacity": 0.35 if m.sx_tiles == "none" else 0.05, "line": "#666666"}
    return _add_layer(m, "districts", spec, name or st.text("districts", m.sx_lang), bounds, show)


def add_projects(m, projects, name=None, show=True, mode=None):
    """Add the projects: colour by industry, circle area proportional to investment, popups, and
    dashed outlines for projects located only to their platform or district. Adds legend sections
    (industries, sizes, location precision)."""
    lang = m.sx_lang
    spec, industries, scale, (x, y) = encode_projects(projects, m.sx_datum, lang, mode)
    layer = _add_layer(m, "points", spec, name or st.text("projects", lang), _bounds_of(x, y, 0.01), show)
    m.sx_points_layer = layer
    m.sx_legend.extend(_project_legend_sections(projects, industries, scale, spec["rmin"], layer, lang))
    return layer


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


def _city_bounds(m):
    from sxmap.geo.boundaries import city_geometry

    minx, miny, maxx, maxy = m.sx_datum.geometry(city_geometry()).bounds
    return [[round(miny, 6), round(minx, 6)], [round(maxy, 6), round(maxx, 6)]]

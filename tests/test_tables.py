"""geo.tables: the GeoJSON every command writes follows RFC 7946 (ring order, WGS-84 positions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from sxmap.cli import main
from sxmap.geo.tables import format_geojson, rfc7946

DATA = Path(__file__).resolve().parent / "data"


def signed_area(ring) -> float:
    """Shoelace area of a ring of [x, y] positions: > 0 counter-clockwise, < 0 clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:])) / 2


def polygons_of(geometry):
    if geometry is None:
        return []
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in polygons_of(g)]
    return []


def assert_rfc7946(collection):
    """Every polygon's exterior ring counter-clockwise, every hole clockwise; positions lon, lat."""
    rings = 0
    for feature in collection["features"]:
        for polygon in polygons_of(feature["geometry"]):
            exterior, *holes = polygon
            assert signed_area(exterior) > 0, feature["properties"]
            assert all(signed_area(hole) < 0 for hole in holes), feature["properties"]
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y, *_ in exterior)
            rings += 1 + len(holes)
    return rings


def test_rings_are_rewound_exterior_ccw_holes_cw():
    clockwise = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]
    hole_ccw = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]
    shape = MultiPolygon([Polygon(clockwise, [hole_ccw]), Polygon([(20, 0), (20, 5), (25, 5), (20, 0)])])
    assert not shape.geoms[0].exterior.is_ccw and shape.geoms[0].interiors[0].is_ccw
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"name": ["a", "point"]}, geometry=[shape, shapely.Point(1, 2)], crs="EPSG:4326")
    collection = json.loads(format_geojson(frame))
    assert assert_rfc7946(collection) == 3
    assert collection["features"][1]["geometry"] == {"type": "Point", "coordinates": [1.0, 2.0]}
    assert rfc7946(shape).equals(shape)  # the same shape, only the ring order differs


@pytest.mark.parametrize("args", [
    ["districts", "--format", "geojson"],
    ["stats", "--format", "geojson"],
    ["stats", "--by", "industry", "--format", "geojson"],
])
def test_polygon_outputs_follow_rfc7946(runner, args):
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    if args[-3:] == ["industry", "--format", "geojson"]:
        assert_rfc7946(collection)
    else:
        assert assert_rfc7946(collection) >= 6


@pytest.mark.parametrize("args", [
    ["export", "--format", "geojson", "-o", "{out}"],
    ["query", "--format", "geojson", "-o", "{out}"],
    ["locate", "--input", str(DATA / "projects_gcj02.csv"), "--crs", "gcj02", "--format", "geojson", "-o", "{out}"],
])
def test_point_outputs_are_valid_geojson(runner, tmp_path, args):
    out = tmp_path / "out.geojson"
    result = runner.invoke(main, [a.replace("{out}", str(out)) for a in args])
    assert result.exit_code == 0, result.output
    collection = json.loads(out.read_text(encoding="utf-8"))
    points = [f["geometry"] for f in collection["features"] if f["geometry"]]
    assert points and all(g["type"] == "Point" and 118 < g["coordinates"][0] < 122 and 28 < g["coordinates"][1] < 31
                          for g in points)
    assert "crs" not in collection  # RFC 7946: WGS-84 positions, no crs member

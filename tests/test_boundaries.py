"""geo.boundaries: the shipped files are what the build makes, in WGS-84, and the districts tile the city."""

import filecmp
import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from sxmap.geo import boundaries, crs
from sxmap.geo.districts import DISTRICTS
from sxmap.geo.region import shipped

#: The shipped region's layers and their files, relative to data/boundaries
FILES = {layer: Path(name).relative_to("boundaries").as_posix() for layer, name in shipped().files}


def test_shipped_files_are_what_the_build_produces(tmp_path):
    written = boundaries.build(tmp_path)
    expected = set(FILES.values())
    expected |= {boundaries.wkb_path(Path(name)).as_posix() for name in FILES.values()}
    assert {p.relative_to(tmp_path).as_posix() for p in written} == expected
    for name in expected:
        assert filecmp.cmp(tmp_path / name, boundaries.boundaries_dir() / name, shallow=False), name


@pytest.mark.parametrize("name", list(FILES))
def test_wkb_twins_hold_exactly_the_geojson_geometries(name):
    path = boundaries.boundaries_dir() / FILES[name]
    collection = json.loads(path.read_text(encoding="utf-8"))
    loaded = boundaries._read_features(name)
    assert len(loaded) == len(collection["features"])
    for feature, record in zip(collection["features"], loaded):
        assert shapely.from_geojson(json.dumps(feature["geometry"])).equals_exact(record["geometry"], 0)
        assert {k: v for k, v in record.items() if k != "geometry"} == feature["properties"]


def test_gcj02_originals_are_the_source_unchanged():
    shipped = json.loads((boundaries.boundaries_dir() / FILES["districts_gcj02"]).read_text("utf-8"))
    for feature in shipped["features"]:
        source = boundaries.read_source_geometry(feature["properties"]["adcode"])
        assert shapely.from_geojson(json.dumps(feature["geometry"])).equals_exact(source, 0)


def test_shipped_districts_are_wgs84_not_gcj02():
    gcj = {f["adcode"]: f["geometry"] for f in boundaries._read_features("districts_gcj02")}
    for adcode, wgs in boundaries.district_geometries().items():
        forward = crs.transform_geometry(wgs, "wgs84", "gcj02")
        # converting the shipped WGS-84 forward gives back Amap's GCJ-02 vertices to rounding (≤ 1 cm)
        assert shapely.equals_exact(forward, gcj[adcode], 1e-7), adcode
        # and the shipped file is ~500 m away from the GCJ-02 source, to the west and north
        dx = shapely.get_coordinates(gcj[adcode])[:, 0] - shapely.get_coordinates(wgs)[:, 0]
        dy = shapely.get_coordinates(gcj[adcode])[:, 1] - shapely.get_coordinates(wgs)[:, 1]
        assert 0.0035 < dx.mean() < 0.0050 and -0.0032 < dy.mean() < -0.0020


def test_attributes_and_areas():
    records = {r["adcode"]: r for r in boundaries.district_records()}
    assert sorted(records) == [d.adcode for d in DISTRICTS]
    assert records[330602]["name_zh"] == "越城区" and records[330602]["name_en"] == "Yuecheng"
    assert records[330681]["kind_zh"] == "县级市" and records[330624]["kind_zh"] == "县"
    city = boundaries._read_features("outline")[0]
    total = sum(r["area_km2"] for r in records.values())
    assert total == pytest.approx(city["area_km2"], abs=0.05)
    # the official area of Shaoxing is 8,274.79 km² (绍兴市人民政府); the Amap outline is within 0.2 %
    assert city["area_km2"] == pytest.approx(8274.79, rel=0.002)
    for r in records.values():
        assert shapely.contains_xy(boundaries.district_geometries()[r["adcode"]], r["anchor_lon"], r["anchor_lat"])


def test_full_resolution_districts_tile_the_city():
    geoms = list(boundaries.district_geometries().values())
    union = shapely.union_all(geoms)
    assert shapely.symmetric_difference(union, boundaries.city_geometry()).area < 1e-10
    assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-9)


def test_simplified_districts_still_tile_without_gaps_or_overlaps():
    full = boundaries.district_geometries()
    simple = boundaries.district_geometries(simplified=True)
    parts = list(simple.values())
    union = shapely.union_all(parts)
    # no overlaps: the parts' areas add up to the union's
    assert sum(p.area for p in parts) == pytest.approx(union.area, rel=1e-9)
    # no gaps: the union has no holes, and it covers about the same ground as the city
    polygons = getattr(union, "geoms", [union])
    assert len(polygons) == 1 and len(polygons[0].interiors) == 0
    assert union.area == pytest.approx(boundaries.city_geometry().area, rel=0.002)
    # far fewer vertices, and every simplified district stays close to its full outline
    assert shapely.get_num_coordinates(parts).sum() < 0.4 * shapely.get_num_coordinates(list(full.values())).sum()
    for adcode in full:
        assert shapely.hausdorff_distance(full[adcode], simple[adcode]) < 0.003


def test_per_polygon_simplify_would_break_the_tiling():
    """Why coverage_simplify: simplifying each polygon alone opens gaps and overlaps."""
    parts = [shapely.simplify(g, boundaries.SIMPLIFY_TOLERANCE) for g in boundaries.district_geometries().values()]
    union = shapely.union_all(parts)
    assert abs(sum(p.area for p in parts) - union.area) > 1e-6


def test_host_areas_hold_their_cities():
    hosts = boundaries.host_geometries()
    assert set(hosts) == {330100, 330106, 310000, 440300}
    for adcode, (lon, lat) in {330100: (120.16, 30.27), 310000: (121.47, 31.23), 440300: (114.06, 22.54),
                               330106: (120.13, 30.26)}.items():
        assert shapely.contains_xy(hosts[adcode]["geometry"], lon, lat)
        assert shapely.contains_xy(hosts[adcode]["geometry"], hosts[adcode]["anchor_lon"], hosts[adcode]["anchor_lat"])


def test_load_districts_geodataframe_in_each_datum():
    wgs = boundaries.load_districts()
    gcj = boundaries.load_districts(crs="gcj02")
    assert list(wgs["name_zh"]) == [d.name_zh for d in DISTRICTS]
    x0, y0 = shapely.get_coordinates(wgs.geometry.iloc[0])[0]
    x1, y1 = shapely.get_coordinates(gcj.geometry.iloc[0])[0]
    assert (x1, y1) == pytest.approx(crs.wgs84_to_gcj02(x0, y0), abs=1e-12)
    assert np.isclose(wgs.to_crs(32651).area.sum() / 1e6, 8279.6, rtol=0.003)

"""geo.locate: points land in the right district, in any datum, near borders too, and agree with sjoin."""

import numpy as np
import pytest
import shapely

from sxmap.geo import crs
from sxmap.geo.boundaries import city_geometry, district_geometries, host_geometries
from sxmap.geo.errors import CoordinateError
from sxmap.geo.locate import OUTSIDE, describe_point, locate, locate_one, parse_point

# Approximate town centres (WGS-84, rounded to 0.01°), each kilometres inside its district.
TOWN_CENTRES = {
    330602: (120.580, 30.000),  # 越城 (Shaoxing old town)
    330603: (120.490, 30.080),  # 柯桥 (Keqiao)
    330604: (120.870, 30.030),  # 上虞 (Baiguan)
    330624: (120.900, 29.500),  # 新昌 (Xinchang town)
    330681: (120.240, 29.710),  # 诸暨 (Zhuji)
    330683: (120.820, 29.590),  # 嵊州 (Shengzhou)
}
OUTSIDE_POINTS = {"Hangzhou": (120.16, 30.27), "Shanghai": (121.47, 31.23), "Ningbo": (121.55, 29.87),
                  "Shenzhen": (114.06, 22.54), "Null Island": (0.0, 0.0)}


@pytest.mark.parametrize("adcode", list(TOWN_CENTRES))
def test_town_centres_land_in_their_district(adcode):
    lon, lat = TOWN_CENTRES[adcode]
    assert int(locate(lon, lat)) == adcode
    assert locate_one(lon, lat).adcode == adcode


@pytest.mark.parametrize("name", list(OUTSIDE_POINTS))
def test_points_elsewhere_are_outside(name):
    assert int(locate(*OUTSIDE_POINTS[name])) == OUTSIDE
    assert locate_one(*OUTSIDE_POINTS[name]) is None


@pytest.mark.parametrize("adcode", list(TOWN_CENTRES))
@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_a_point_given_in_gcj02_or_bd09_lands_where_its_wgs84_twin_does(adcode, datum):
    lon, lat = TOWN_CENTRES[adcode]
    twin = crs.from_wgs84(lon, lat, datum)
    assert int(locate(*twin, crs=datum)) == adcode


def test_the_500_metre_shift_matters_near_a_border():
    """A GCJ-02 coordinate read as if it were WGS-84 lands in the wrong district near a border."""
    border = shapely.intersection(district_geometries()[330602].boundary, district_geometries()[330603].boundary)
    rng = np.random.default_rng(7)
    points = shapely.get_coordinates(border)[rng.choice(len(shapely.get_coordinates(border)), 400)]
    lon, lat = points[:, 0] + rng.normal(0, 0.002, 400), points[:, 1] + rng.normal(0, 0.002, 400)
    truth = locate(lon, lat)
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert np.array_equal(locate(glon, glat, crs="gcj02"), truth)
    assert (locate(glon, glat, crs="wgs84") != truth).sum() > 10


def _border_pairs():
    geoms = district_geometries()
    codes = list(geoms)
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            shared = shapely.intersection(geoms[a].boundary, geoms[b].boundary)
            if shared.length > 0.01:
                yield a, b, shared


@pytest.mark.parametrize("a,b,shared", list(_border_pairs()), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_points_200_m_either_side_of_a_shared_border(a, b, shared):
    geoms = district_geometries()
    line = shapely.line_merge(shared)
    segments = getattr(line, "geoms", [line])
    longest = max(segments, key=lambda s: s.length)
    checked = 0
    for f in np.linspace(0.1, 0.9, 9):
        p = longest.interpolate(f, normalized=True)
        q = longest.interpolate(min(f + 0.001, 1), normalized=True)
        tx, ty = q.x - p.x, q.y - p.y
        norm = np.hypot(tx * np.cos(np.radians(p.y)), ty)
        # 200 m perpendicular to the border, on each side (degrees: 1° lat ≈ 111 km)
        nx, ny = -ty / norm * 0.0018 / np.cos(np.radians(p.y)), tx * np.cos(np.radians(p.y)) / norm * 0.0018
        sides = [(p.x + nx, p.y + ny), (p.x - nx, p.y - ny)]
        expected = [a if geoms[a].contains(shapely.Point(s)) else b if geoms[b].contains(shapely.Point(s)) else None
                    for s in sides]
        if None in expected or expected[0] == expected[1]:
            continue  # the border wiggles here more than 200 m; the sjoin test covers such places
        got = [int(locate(*s)) for s in sides]
        assert got == expected and set(got) == {a, b}
        checked += 1
    assert checked >= 3


def test_agrees_with_geopandas_sjoin_on_every_point():
    import geopandas as gpd

    from sxmap.geo.boundaries import load_districts

    xmin, ymin, xmax, ymax = city_geometry().bounds
    rng = np.random.default_rng(2023)
    n = 200_000
    lon = rng.uniform(xmin - 0.05, xmax + 0.05, n)
    lat = rng.uniform(ymin - 0.05, ymax + 0.05, n)
    # and points within ~300 m of every border vertex, where a grid shortcut would go wrong
    verts = np.vstack([shapely.get_coordinates(g) for g in district_geometries().values()])
    near = verts[rng.choice(len(verts), 50_000)] + rng.normal(0, 0.002, (50_000, 2))
    lon, lat = np.concatenate([lon, near[:, 0]]), np.concatenate([lat, near[:, 1]])
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, load_districts()[["adcode", "geometry"]], predicate="within", how="left")
    assert not joined.index.duplicated().any()
    expected = joined["adcode"].fillna(OUTSIDE).astype(int).to_numpy()
    got = locate(lon, lat)
    assert np.array_equal(got, expected)
    assert (got != OUTSIDE).sum() > 50_000
    # small tables skip the grid (DIRECT_MAX): slices of the same points give the same answers
    from sxmap.geo.locate import DIRECT_MAX, _locate_direct

    assert lon.size > DIRECT_MAX
    picks = np.concatenate([np.arange(0, 200_000, 97), np.arange(200_000, 250_000, 13)])  # inland and borders
    assert np.array_equal(_locate_direct(lon[picks], lat[picks]), expected[picks])
    small = picks[: DIRECT_MAX - 1]
    assert np.array_equal(locate(lon[small], lat[small]), expected[small])


def test_shapes_nan_and_scalars():
    assert locate([[120.58, 120.16], [np.nan, 120.49]], [[30.0, 30.27], [30.0, 30.08]]).tolist() == [
        [330602, 0], [0, 330603]]
    assert locate(120.58, 30.0).shape == ()


def test_host_cities_are_outside_shaoxing():
    for adcode, host in host_geometries().items():
        assert int(locate(host["anchor_lon"], host["anchor_lat"])) == OUTSIDE, adcode


@pytest.mark.parametrize("lon,lat,message", [
    ("abc", "30", "not a number"),
    ("120.5", "", "not a number"),
    ("29.99", "120.58", "latitude first"),
    ("120.5", "95", "out of range"),
    ("200", "30", "out of range"),
    ("nan", "30", "finite"),
])
def test_parse_point_rejects_bad_input(lon, lat, message):
    with pytest.raises(CoordinateError, match=message):
        parse_point(lon, lat)


def test_describe_point_outside_is_an_answer():
    answer = describe_point(121.47, 31.23)
    assert answer["adcode"] is None and answer["in_city"] is False
    inside = describe_point(*crs.wgs84_to_gcj02(120.58, 30.0), crs="gcj02")
    assert inside["adcode"] == 330602 and inside["lon_wgs84"] == pytest.approx(120.58, abs=1e-7)

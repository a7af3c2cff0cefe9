"""geo.crs: WGS-84 ↔ GCJ-02 ↔ BD-09, against published pairs, peer implementations and round trips."""

import math

import numpy as np
import pytest

from sxmap.geo import crs
from sxmap.geo.errors import UsageError

# Published by wandergis/coordtransform (test/app.js), the most used JS implementation, for the
# input (116.404, 39.915). Its forward transforms are the closed forms; its inverses are the
# one-step approximations.
PUBLISHED_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
PUBLISHED_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
PUBLISHED_GCJ02_TO_WGS84_ONE_STEP = (116.39775550083061, 39.91359571849836)
PUBLISHED_BD09_TO_GCJ02_ONE_STEP = (116.39762729119315, 39.90865673957631)


def metres(lon1, lat1, lon2, lat2):
    """Geodesic distance in metres between arrays of points."""
    from pyproj import Geod

    _, _, d = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    return np.asarray(d)


def test_forward_matches_published_pairs():
    assert crs.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(PUBLISHED_WGS84_TO_GCJ02, abs=1e-12)
    assert crs.gcj02_to_bd09(116.404, 39.915) == pytest.approx(PUBLISHED_GCJ02_TO_BD09, abs=1e-12)


def test_exact_inverse_differs_from_one_step_by_metres_only():
    lon, lat = crs.gcj02_to_wgs84(116.404, 39.915)
    gap = metres(lon, lat, *PUBLISHED_GCJ02_TO_WGS84_ONE_STEP)
    assert 0.01 < gap < 5  # the approximation is metres off; ours is not the approximation
    assert metres(*crs.wgs84_to_gcj02(lon, lat), 116.404, 39.915) < 1e-6
    lon, lat = crs.bd09_to_gcj02(116.404, 39.915)
    assert metres(lon, lat, *PUBLISHED_BD09_TO_GCJ02_ONE_STEP) < 5
    assert metres(*crs.gcj02_to_bd09(lon, lat), 116.404, 39.915) < 1e-6


@pytest.fixture(scope="module")
def china_points():
    rng = np.random.default_rng(20231)
    return rng.uniform(73.5, 134.5, 20_000), rng.uniform(18.5, 53.0, 20_000)


def test_forward_agrees_with_peer_implementations(china_points):
    import coord_convert.transform as cc
    import eviltransform
    import prcoords

    lon, lat = china_points
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    blon, blat = crs.wgs84_to_bd09(lon, lat)
    for i in range(0, lon.size, 997):
        assert cc.wgs2gcj(lon[i], lat[i]) == pytest.approx((glon[i], glat[i]), abs=1e-9)
        assert cc.wgs2bd(lon[i], lat[i]) == pytest.approx((blon[i], blat[i]), abs=1e-9)
        p = prcoords.wgs_gcj((lat[i], lon[i]))  # prcoords takes and returns (lat, lon)
        assert (p.lon, p.lat) == pytest.approx((glon[i], glat[i]), abs=1e-9)
        # eviltransform scales by the WGS-84 radius (6378137 m) instead of Krasovsky's 6378245 m,
        # a known variant that differs by ~1e-7 degree (about a centimetre).
        elat, elon = eviltransform.wgs2gcj(lat[i], lon[i])
        assert metres(elon, elat, glon[i], glat[i]) < 0.05


def test_inverse_agrees_with_peer_exact_inverses(china_points):
    import eviltransform
    import prcoords

    lon, lat = china_points
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    for i in range(0, lon.size, 997):
        p = prcoords.gcj_wgs_bored((lat[i], lon[i]))  # iterative, to PRC_EPS
        assert metres(p.lon, p.lat, wlon[i], wlat[i]) < 0.01
        # bisection to 1e-6 degree, with the radius variant noted above
        elat, elon = eviltransform.gcj2wgs_exact(lat[i], lon[i])
        assert metres(elon, elat, wlon[i], wlat[i]) < 0.2


@pytest.mark.parametrize("there,back", [
    (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
    (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
])
def test_round_trips_below_a_micrometre(china_points, there, back):
    lon, lat = china_points
    rlon, rlat = back(*there(lon, lat))
    assert metres(lon, lat, rlon, rlat).max() < 1e-6
    flon, flat = there(*back(lon, lat))
    assert metres(lon, lat, flon, flat).max() < 1e-6


def test_shift_in_shaoxing_is_about_500_metres():
    lon, lat = crs.wgs84_to_gcj02(120.58, 30.0)
    assert 400 < metres(120.58, 30.0, lon, lat) < 600
    assert lon > 120.58 and lat < 30.0  # east and south, as measured on Amap data


def test_outside_china_is_unchanged():
    for lon, lat in [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9)]:
        assert crs.wgs84_to_gcj02(lon, lat) == (lon, lat)
        assert crs.bd09_to_wgs84(*crs.wgs84_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-11)  # 1 µm
    assert crs.out_of_china(2.35, 48.85) and not crs.out_of_china(120.58, 30.0)


def test_scalars_stay_scalars_and_arrays_keep_shape():
    lon, lat = crs.wgs84_to_gcj02(120.58, 30.0)
    assert isinstance(lon, float) and isinstance(lat, float)
    grid = np.full((3, 4), 120.5), np.full((3, 4), 29.9)
    assert crs.gcj02_to_wgs84(*grid)[0].shape == (3, 4)


def test_a_million_points_vectorised():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(119.5, 121.5, 1_000_000), rng.uniform(29, 30.5, 1_000_000)
    wlon, wlat = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
    assert np.abs(wlon - lon).max() < 1e-11 and np.abs(wlat - lat).max() < 1e-11


def test_convert_dispatch_and_names():
    assert crs.convert(120.5, 30.0, "GCJ-02", "gcj02") == (120.5, 30.0)
    assert crs.convert(120.5, 30.0, "wgs84", "bd09") == crs.wgs84_to_bd09(120.5, 30.0)
    assert crs.check_crs("Baidu") == "bd09" and crs.check_crs("amap") == "gcj02"
    with pytest.raises(UsageError, match="wgs84, gcj02, bd09"):
        crs.check_crs("utm")


def test_transform_geometry_moves_every_vertex():
    from shapely.geometry import Polygon

    square = Polygon([(120.5, 29.9), (120.6, 29.9), (120.6, 30.0), (120.5, 30.0)])
    moved = crs.transform_geometry(square, "wgs84", "gcj02")
    for (x, y), (mx, my) in zip(square.exterior.coords, moved.exterior.coords):
        assert (mx, my) == pytest.approx(crs.wgs84_to_gcj02(x, y), abs=1e-12)
    back = crs.transform_geometry(moved, "gcj02", "wgs84")
    assert back.equals_exact(square, 1e-10)
    assert not math.isclose(moved.centroid.x, square.centroid.x, abs_tol=1e-4)


def test_grid_started_inverse_equals_the_plain_iteration(monkeypatch):
    """Many points start from an interpolated grid; the answer is the same to 1e-11°."""
    rng = np.random.default_rng(9)
    lon, lat = rng.uniform(118.0, 123.0, 60_000), rng.uniform(28.0, 32.0, 60_000)
    lon[::997] = np.nan  # missing points stay missing
    for forward, inverse in ((crs.wgs84_to_gcj02, crs.gcj02_to_wgs84), (crs.wgs84_to_bd09, crs.bd09_to_wgs84)):
        shifted = forward(lon, lat)
        fast = inverse(*shifted)
        monkeypatch.setattr(crs, "_GRID_START_MIN", 10 ** 9)
        plain = inverse(*shifted)
        monkeypatch.undo()
        assert np.isnan(fast[0]).sum() == np.isnan(lon).sum()
        assert np.nanmax(np.abs(fast[0] - plain[0])) < 1e-11 and np.nanmax(np.abs(fast[1] - plain[1])) < 1e-11
        assert np.nanmax(np.abs(fast[0] - lon)) < 1e-11 and np.nanmax(np.abs(fast[1] - lat)) < 1e-11
        monkeypatch.setattr(crs, "_CHUNK", 4096)  # many slices, solved on several threads
        sliced = inverse(*shifted)
        monkeypatch.undo()
        assert np.array_equal(sliced[0], fast[0], equal_nan=True) and np.array_equal(sliced[1], fast[1], equal_nan=True)


def test_grid_started_inverse_keeps_the_shape():
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(120.0, 121.0, (300, 100)), rng.uniform(29.0, 30.0, (300, 100))
    back = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
    assert back[0].shape == (300, 100)
    assert np.abs(back[0] - lon).max() < 1e-11 and np.abs(back[1] - lat).max() < 1e-11

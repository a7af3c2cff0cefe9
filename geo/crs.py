"""Conversions between the coordinate systems users meet in China: WGS-84, GCJ-02 and BD-09.

- **WGS-84** (``wgs84``): GPS, OpenStreetMap, Tianditu (CGCS2000 agrees to centimetres), and every
  file sxmap ships.
- **GCJ-02** (``gcj02``): Gaode/Amap, Tencent maps; WGS-84 shifted by a published closed-form
  obfuscation (about 500 m in Shaoxing).
- **BD-09** (``bd09``): Baidu maps; GCJ-02 shifted once more.

All functions take and return longitude first, latitude second, in degrees, and work on scalars or
numpy arrays of any shape (a million points take well under a second). The forward transforms are
the public closed forms; the inverses (GCJ-02→WGS-84, BD-09→GCJ-02) are solved by fixed-point
iteration until the round trip is within 1e-11 degree (about 1 µm; typically 1e-12°), far below the
metres of error of the usual one-step approximation. For many points the iteration starts from the
inverse interpolated on a fine grid, which saves two of its four steps, and runs on every core (a
million points in under half a second on two cores).

"Outside China": GCJ-02 equals WGS-84 outside the rectangle 72.004–137.8347°E, 0.8293–55.8271°N,
the test every published implementation (and Amap's own SDK) uses. It is a rectangle, not the
border: points in, say, Seoul are inside it and get shifted, as they do in those implementations.
"""

from __future__ import annotations

import numpy as np

from sxmap.geo.errors import UsageError
from sxmap.geo.parallel import map_on_cores

CRS_NAMES = ("wgs84", "gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-11  # about 1 µm; the answers come out near 1e-12°
_MAX_ITERATIONS = 30
_CHUNK = 1 << 17  # points converted at a time
_GRID_START_MIN = 1 << 14  # from this many points, start the inverse from a grid
_GRID_STEP = 0.005  # degrees between grid nodes (finer than the shifts' waves)
_GRID_NODES = 200_000  # at most about this many nodes: a coarser grid over a wide extent


def check_crs(name: str) -> str:
    """Return the canonical name of a coordinate system, or raise :class:`UsageError`.

    Accepts ``wgs84``/``wgs-84``/``epsg:4326``, ``gcj02``/``gcj-02``/``gaode``/``amap`` and
    ``bd09``/``bd-09``/``baidu`` in any case.
    """
    key = str(name).strip().lower().replace("-", "").replace("_", "")
    aliases = {
        "wgs84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84", "gps": "wgs84",
        "gcj02": "gcj02", "gaode": "gcj02", "amap": "gcj02", "mars": "gcj02",
        "bd09": "bd09", "baidu": "bd09", "bd09ll": "bd09",
    }
    if key not in aliases:
        raise UsageError(f"unknown coordinate system {name!r}; use one of: wgs84, gcj02, bd09")
    return aliases[key]


def out_of_china(lon, lat):
    """True where a point lies outside the rectangle in which GCJ-02 differs from WGS-84."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj02_offset(lon, lat):
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS-84 point (lon, lat).

    The published closed form, evaluated with 8 sines instead of 12 (sin 3a = 3 sin a − 4 sin³ a
    gives sin 6πx from sin 2πx, sin πx from sin πx/3 and sin πy from sin πy/3; cos φ = √(1 − sin² φ)
    for the latitudes where GCJ-02 applies): a million points a third faster, equal to 1e-15°."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    xp = x * np.pi
    yp = y * np.pi
    s2x = np.sin(2.0 * xp)
    s6x = s2x * (3.0 - 4.0 * s2x * s2x)
    sx3 = np.sin(xp / 3.0)
    sx = sx3 * (3.0 - 4.0 * sx3 * sx3)
    sy3 = np.sin(yp / 3.0)
    sy = sy3 * (3.0 - 4.0 * sy3 * sy3)
    common = (20.0 * s6x + 20.0 * s2x) * (2.0 / 3.0)
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
            + (20.0 * sy + 40.0 * sy3) * (2.0 / 3.0)
            + (160.0 * np.sin(yp / 12.0) + 320.0 * np.sin(yp / 30.0)) * (2.0 / 3.0))
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
            + (20.0 * sx + 40.0 * sx3) * (2.0 / 3.0)
            + (150.0 * np.sin(xp / 12.0) + 300.0 * np.sin(xp / 30.0)) * (2.0 / 3.0))
    radlat = lat / 180.0 * np.pi
    sin_lat = np.sin(radlat)
    magic = 1.0 - _EE * sin_lat * sin_lat
    sqrt_magic = np.sqrt(magic)
    cos_lat = np.sqrt(1.0 - sin_lat * sin_lat)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * cos_lat * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _as_arrays(lon, lat):
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _unwrap(lon, lat, scalar):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _is_scalar(lon, lat):
    return np.ndim(lon) == 0 and np.ndim(lat) == 0


def _invert(forward, lon, lat, plain=False):
    """Solve forward(x, y) = (lon, lat) for (x, y) by fixed-point iteration.

    For many points the iteration starts from the inverse interpolated on a fine grid
    (:func:`_grid_start`: two evaluations fewer, the same stopping rule and precision) and runs
    over slices of :data:`_CHUNK` points (a few MB of temporaries at a time, not hundreds, which
    keeps them in the CPU's cache), the slices on as many threads as there are cores (numpy
    releases the GIL in its loops)."""
    if plain or lon.size < _GRID_START_MIN:
        return _iterate(forward, lon, lat, lon.copy(), lat.copy())
    shape = lon.shape
    lon, lat = lon.ravel(), lat.ravel()
    start = _grid_start(forward, lon, lat)
    x, y = np.empty_like(lon), np.empty_like(lat)

    def solve(part):
        x[part], y[part] = _iterate(forward, lon[part], lat[part], *start(lon[part], lat[part]))

    map_on_cores(solve, [slice(i, i + _CHUNK) for i in range(0, lon.size, _CHUNK)])
    return x.reshape(shape), y.reshape(shape)


def _iterate(forward, lon, lat, x, y):
    """The fixed-point iteration of :func:`_invert` from the start (x, y)."""
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        ex, ey = lon - fx, lat - fy
        x = x + ex
        y = y + ey
        # The map contracts by a factor below 0.005 a step (the shift's slope is tiny), so once a
        # correction is below 100 × the tolerance the next one would be below the tolerance.
        if ex.size == 0 or max(np.nanmax(np.abs(ex)), np.nanmax(np.abs(ey))) < 100 * _TOLERANCE_DEG:
            break
    return x, y


def _grid_start(forward, lon, lat):
    """A function giving starting points for :func:`_invert`: the exact inverse on a grid over the
    points' extent (spacing :data:`_GRID_STEP`, coarser if the extent is large), interpolated
    bilinearly. The shifts are smooth, so the start is within ~1e-7° where the plain start is
    ~5e-3° away."""
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.any():
        return lambda lon, lat: (lon.copy(), lat.copy())
    west, east = float(np.nanmin(np.where(finite, lon, np.nan))), float(np.nanmax(np.where(finite, lon, np.nan)))
    south, north = float(np.nanmin(np.where(finite, lat, np.nan))), float(np.nanmax(np.where(finite, lat, np.nan)))
    step = max(_GRID_STEP, np.sqrt((east - west + _GRID_STEP) * (north - south + _GRID_STEP) / _GRID_NODES))
    gx = west + step * np.arange(int((east - west) / step) + 2)
    gy = south + step * np.arange(int((north - south) / step) + 2)
    mx, my = np.meshgrid(gx, gy)
    ix, iy = _invert(forward, mx.ravel(), my.ravel(), plain=True)
    dx, dy = (ix - mx.ravel()).reshape(mx.shape), (iy - my.ravel()).reshape(my.shape)

    def start(lon, lat):
        finite = np.isfinite(lon) & np.isfinite(lat)
        fx, fy = (np.where(finite, lon, west) - west) / step, (np.where(finite, lat, south) - south) / step
        i, j = np.minimum(fx.astype(np.int64), gx.size - 2), np.minimum(fy.astype(np.int64), gy.size - 2)
        tx, ty = fx - i, fy - j

        def bilinear(d):
            return ((d[j, i] * (1 - tx) + d[j, i + 1] * tx) * (1 - ty)
                    + (d[j + 1, i] * (1 - tx) + d[j + 1, i + 1] * tx) * ty)

        return np.where(finite, lon + bilinear(dx), lon), np.where(finite, lat + bilinear(dy), lat)

    return start


def _wgs84_to_gcj02(lon, lat):
    dlon, dlat = _gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def _gcj02_to_bd09(lon, lat):
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_gcj02(lon, lat):
    """Convert WGS-84 longitude/latitude to GCJ-02 (Gaode/Amap).

    Parameters
    ----------
    lon, lat : float or array_like
        WGS-84 degrees.

    Returns
    -------
    (lon, lat) : floats or numpy arrays, GCJ-02 degrees

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(120.58, 30.00)
    >>> round(lon - 120.58, 4), round(lat - 30.00, 4)
    (0.0046, -0.0025)
    """
    scalar = _is_scalar(lon, lat)
    return _unwrap(*_wgs84_to_gcj02(*_as_arrays(lon, lat)), scalar)


def gcj02_to_wgs84(lon, lat):
    """Convert GCJ-02 (Gaode/Amap) longitude/latitude to WGS-84, exactly (iterative inverse)."""
    scalar = _is_scalar(lon, lat)
    return _unwrap(*_invert(_wgs84_to_gcj02, *_as_arrays(lon, lat)), scalar)


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu)."""
    scalar = _is_scalar(lon, lat)
    return _unwrap(*_gcj02_to_bd09(*_as_arrays(lon, lat)), scalar)


def bd09_to_gcj02(lon, lat):
    """Convert BD-09 (Baidu) longitude/latitude to GCJ-02, exactly (iterative inverse)."""
    scalar = _is_scalar(lon, lat)
    return _unwrap(*_invert(_gcj02_to_bd09, *_as_arrays(lon, lat)), scalar)


def wgs84_to_bd09(lon, lat):
    """Convert WGS-84 longitude/latitude to BD-09 (Baidu)."""
    scalar = _is_scalar(lon, lat)
    return _unwrap(*_gcj02_to_bd09(*_wgs84_to_gcj02(*_as_arrays(lon, lat))), scalar)


def bd09_to_wgs84(lon, lat):
    """Convert BD-09 (Baidu) longitude/latitude to WGS-84, exactly (iterative inverses)."""
    scalar = _is_scalar(lon, lat)
    gcj = _invert(_gcj02_to_bd09, *_as_arrays(lon, lat))
    return _unwrap(*_invert(_wgs84_to_gcj02, *gcj), scalar)


_CONVERTERS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def convert(lon, lat, src: str, dst: str):
    """Convert coordinates from one system to another (``wgs84``, ``gcj02``, ``bd09``).

    Examples
    --------
    >>> convert(120.58, 30.0, "wgs84", "wgs84")
    (120.58, 30.0)
    """
    src, dst = check_crs(src), check_crs(dst)
    if src == dst:
        scalar = _is_scalar(lon, lat)
        return _unwrap(*_as_arrays(lon, lat), scalar)
    return _CONVERTERS[(src, dst)](lon, lat)


def to_wgs84(lon, lat, crs: str = "wgs84"):
    """Convert coordinates given in ``crs`` to WGS-84."""
    return convert(lon, lat, crs, "wgs84")


def from_wgs84(lon, lat, crs: str = "wgs84"):
    """Convert WGS-84 coordinates to ``crs``."""
    return convert(lon, lat, "wgs84", crs)


def transform_geometry(geometry, src: str, dst: str):
    """Convert a shapely geometry (or array of them) from one system to another, vertex by vertex."""
    import shapely

    src, dst = check_crs(src), check_crs(dst)
    if src == dst:
        return geometry

    def _apply(coords):
        x, y = convert(coords[:, 0], coords[:, 1], src, dst)
        return np.column_stack([x, y])

    return shapely.transform(geometry, _apply)


# ============================================================================================
# Any other coordinate system (pyproj): CGCS2000 and its Gauss–Krüger projections, UTM, …

_CRS_HINT = ("use wgs84, gcj02, bd09, or anything PROJ accepts: EPSG:4490 (CGCS2000), EPSG:4549 "
             "(CGCS2000 3-degree Gauss–Krüger, central meridian 120°E), EPSG:4528 (the same, zone 40 with "
             "the zone number in front of the easting), a PROJ string")


def resolve_crs(name) -> str:
    """The coordinate system a user names: ``wgs84``, ``gcj02``, ``bd09`` (see :func:`check_crs`),
    or any system pyproj accepts, returned as its authority code (``EPSG:4549``) or PROJ string.

    Raises
    ------
    UsageError
        pyproj does not know it either.

    Examples
    --------
    >>> resolve_crs("Gaode")
    'gcj02'
    >>> resolve_crs("epsg:4549")
    'EPSG:4549'
    """
    try:
        return check_crs(name)
    except UsageError:
        pass
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    text = str(name).strip()
    if text.isdigit():  # a bare EPSG code: --crs 3857
        text = f"EPSG:{text}"
    try:
        crs = CRS.from_user_input(text)
    except (CRSError, TypeError, ValueError):
        raise UsageError(f"unknown coordinate system {name!r}; {_CRS_HINT}") from None
    problem = crs_problem(crs)
    if problem:
        raise UsageError(f"{problem[0]}; {problem[1]}")
    authority = crs.to_authority()
    code = f"{authority[0]}:{authority[1]}" if authority else text
    return "wgs84" if code == "EPSG:4326" else code


_CRS_FIX = ("ask for the coordinates in WGS-84 (EPSG:4326), CGCS2000 (EPSG:4490) or a Gauss–Krüger zone "
            "(EPSG:4549), or give the system's definition as a PROJ string")


def _horizontal_part(crs):
    """The horizontal part of a compound system (EPSG:4326+5773 → EPSG:4326), else ``crs``."""
    if crs.is_compound:
        return next((sub for sub in crs.sub_crs_list if not sub.is_vertical), crs)
    return crs


def crs_problem(crs):
    """Why points in ``crs`` (a pyproj CRS) cannot become WGS-84 longitude/latitude, as
    ``(message, fix)``, or ``None`` when they can.

    Refused: geocentric systems (X/Y/Z from the Earth's centre, EPSG:4978), vertical ones
    (heights, EPSG:5773), and any system PROJ cannot transform to WGS-84 (a local engineering
    system, a CRS of another planet). A compound system is judged by its horizontal part.

    Examples
    --------
    >>> from pyproj import CRS
    >>> crs_problem(CRS.from_epsg(3857)) is None
    True
    >>> crs_problem(CRS.from_epsg(5773))[0].split(":")[:2]
    ['EPSG', '5773 (EGM96 height) is a vertical system']
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    horizontal = _horizontal_part(crs)
    epsg = horizontal.to_epsg()
    name = f"EPSG:{epsg} ({horizontal.name})" if epsg else repr(horizontal.name)
    if horizontal.is_geocentric:
        return (f"{name} is geocentric: X/Y/Z from the Earth's centre, not longitude/latitude or "
                "easting/northing (地心坐标系，不是平面坐标)", _CRS_FIX)
    if horizontal.is_vertical:
        return f"{name} is a vertical system: heights, not positions on the map (高程坐标系，不是平面坐标)", _CRS_FIX
    if getattr(horizontal, "is_engineering", False) or not (horizontal.is_geographic or horizontal.is_projected):
        return (f"{name} is a local engineering system with no link to WGS-84 (独立坐标系，无法转换到WGS-84)",
                _CRS_FIX)
    try:
        Transformer.from_crs(horizontal, 4326, always_xy=True)
    except ProjError:
        return f"{name} cannot be converted to WGS-84 (无法转换到WGS-84)", _CRS_FIX
    return None


def declared_crs(value, path=None):
    """The pyproj CRS a file declares (WKT, PROJJSON, ``EPSG:…``), horizontal part only.

    Raises
    ------
    DataError
        PROJ does not know it (an unknown EPSG code), or :func:`crs_problem` refuses it; the
        message names the file and what to do.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    from sxmap.geo.errors import DataError

    try:
        crs = CRS.from_user_input(value)
    except (CRSError, TypeError, ValueError):
        ident = value.get("id") if isinstance(value, dict) else None
        text = value if isinstance(value, str) else (
            f"{ident.get('authority')}:{ident.get('code')}" if isinstance(ident, dict) else "its definition")
        raise DataError(f"the file declares a coordinate system PROJ does not know ({text[:120]}) "
                        "(文件坐标系无法识别)", path=path,
                        hint="save the layer again with a known CRS, e.g. EPSG:4326 (WGS-84) or EPSG:4490 "
                             "(CGCS2000)") from None
    problem = crs_problem(crs)
    if problem:
        raise DataError(f"the file's coordinate system: {problem[0]}", path=path, hint=problem[1])
    return _horizontal_part(crs)


def is_projected(crs: str) -> bool:
    """True for a projected system (coordinates in metres), False for degrees."""
    if crs in CRS_NAMES:
        return False
    from pyproj import CRS

    return CRS.from_user_input(crs).is_projected


def false_easting(crs: str) -> float:
    """The false easting of a projected system in metres (500,000 for EPSG:4549, 40,500,000 for
    EPSG:4528, whose eastings carry the zone number in front)."""
    from pyproj import CRS

    operation = CRS.from_user_input(crs).coordinate_operation
    for param in getattr(operation, "params", []) or []:
        if param.name.lower() == "false easting":
            return float(param.value)
    return 0.0


def any_to_wgs84(x, y, crs: str):
    """Convert arrays from ``crs`` (a name of :func:`resolve_crs`; x = easting or longitude,
    y = northing or latitude) to WGS-84 longitude, latitude."""
    if crs in CRS_NAMES:
        return to_wgs84(x, y, crs)
    from pyproj import Transformer

    return Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)


def is_transverse_mercator(crs: str) -> bool:
    """True for a Transverse Mercator projection (Gauss–Krüger, UTM), whose eastings may carry
    the zone number in front; False for any other system (Web Mercator, degrees)."""
    if crs in CRS_NAMES:
        return False
    from pyproj import CRS

    operation = _horizontal_part(CRS.from_user_input(crs)).coordinate_operation
    return "transverse mercator" in (getattr(operation, "method_name", "") or "").lower()


def _projected_guesses(region) -> tuple[tuple[str, str], ...]:
    """Projected systems metres near the region are met in, tried in this order, with what they are:
    its 3-degree zone with the zone number in front, without it, and Web Mercator."""
    from sxmap.geo.region import numbered_zone, zone_central_meridian, zone_number

    number, cm = zone_number(region.zone), zone_central_meridian(region.zone)
    near = f"near {region.name_en}"
    return (
        (numbered_zone(number), f"eastings with the zone number {number} in front fit {numbered_zone(number)} "
                                f"(CGCS2000 3-degree Gauss–Krüger zone {number})"),
        (region.zone, f"they fit {region.zone} (CGCS2000 3-degree Gauss–Krüger, central meridian {cm}°E) {near}"),
        ("EPSG:3857", f"they fit EPSG:3857 (Web Mercator, what web maps and many GIS exports use) {near} "
                      "(符合Web墨卡托投影)"),
    )


def _near(region) -> tuple[float, float, float, float]:
    """lon, lon, lat, lat: the region's bounds with a margin of 1.3° around them."""
    west, south, east, north = region.bounds
    return west - 1.3, east + 1.3, south - 1.3, north + 1.3


def guess_projected(east, north) -> tuple[str, str]:
    """Which projected system metres near the region in use fit: its code, and a sentence.

    The medians of ``east`` and ``north`` (in either order) are converted from each of
    :func:`_projected_guesses`; the first that lands near the region wins (when none does: the
    numbered zone for values over 10,000 km, which carry a zone number, else the plain zone).

    Examples
    --------
    >>> guess_projected([13423000.0], [3503500.0])[0]
    'EPSG:3857'
    >>> guess_projected([40558000.0], [3320000.0])[0]
    'EPSG:4528'
    """
    from sxmap.geo.region import active

    from pyproj import Transformer

    region = active()
    guesses = _projected_guesses(region)
    e, n = float(np.nanmedian(east)), float(np.nanmedian(north))
    west, east_edge, south, north_edge = _near(region)
    for a, b in ((e, n), (n, e)):  # in Chinese surveying X is the northing: try both orders
        for code, sentence in guesses:
            lon, lat = Transformer.from_crs(code, 4326, always_xy=True).transform(a, b)
            if west <= lon <= east_edge and south <= lat <= north_edge:
                return code, sentence
    return guesses[0] if max(abs(e), abs(n)) >= 1e7 else guesses[1]

"""Which district is a point in? Vectorised point-in-polygon against the full-resolution boundaries.

:func:`locate` answers for arrays of millions of points. It first looks each point up in a grid laid
over the city: a cell that no district border crosses lies wholly inside one district (or wholly
outside the city), so its answer is the answer for every point in it. Only points in the few cells
that a border crosses are tested exactly, with prepared ``shapely.contains_xy`` against the
districts whose border crosses that cell. The result is identical to
``geopandas.sjoin(points, districts, predicate="within")``: a point exactly on a border belongs to
no district, as with "within".
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from sxmap.geo.crs import check_crs, to_wgs84
from sxmap.geo.region import active

OUTSIDE = 0  #: the code :func:`locate` gives points outside the city
_GRID = 256
#: Fewer points than this are tested directly against the prepared districts (about 2 M tests a
#: second): cheaper than building the grid (about 0.2 s), which only pays for itself on big tables.
#: Both give the same answer (``tests/test_locate.py``).
DIRECT_MAX = 20_000


class _DistrictGrid:
    """A lookup grid over the city's bounding box; see the module docstring."""

    def __init__(self, codes: np.ndarray, geoms: np.ndarray, n: int = _GRID):
        """``codes`` (adcodes) and their prepared ``geoms`` (:func:`_prepared`)."""
        import shapely

        self.codes, self.geoms = codes, geoms
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.geoms)
        self.x0, self.y0 = xmin, ymin
        self.n = n
        self.dx = (xmax - xmin) / n
        self.dy = (ymax - ymin) / n
        self.cell_code, self.cell_mask = self._classify_cells(shapely)

    def _cell_boxes(self, shapely):
        i, j = np.meshgrid(np.arange(self.n), np.arange(self.n), indexing="ij")
        x0 = self.x0 + i.ravel() * self.dx
        y0 = self.y0 + j.ravel() * self.dy
        return shapely.box(x0, y0, x0 + self.dx, y0 + self.dy), x0 + self.dx / 2, y0 + self.dy / 2

    def _classify_cells(self, shapely):
        """Code of each cell (district adcode, OUTSIDE, or -1 where a border crosses the cell),
        and for crossed cells a bit mask of the districts whose border crosses it."""
        boxes, cx, cy = self._cell_boxes(shapely)
        code = np.full(boxes.size, OUTSIDE, dtype=np.int64)
        for k, geom in enumerate(self.geoms):
            code[shapely.contains_xy(geom, cx, cy)] = self.codes[k]
        mask = np.zeros(boxes.size, dtype=np.int64)
        tree = shapely.STRtree(boxes)
        for k, geom in enumerate(self.geoms):
            crossed = tree.query(shapely.boundary(geom), predicate="intersects")
            mask[crossed] |= 1 << k
        code[mask != 0] = -1
        return code, mask

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        import shapely

        result = np.full(lon.shape, OUTSIDE, dtype=np.int64)
        fi = np.floor((lon - self.x0) / self.dx)
        fj = np.floor((lat - self.y0) / self.dy)
        inside = (fi >= 0) & (fi < self.n) & (fj >= 0) & (fj < self.n)  # NaN compares False
        idx = np.flatnonzero(inside)
        cell = fi[idx].astype(np.int64) * self.n + fj[idx].astype(np.int64)
        result[idx] = self.cell_code[cell]
        pending = result[idx] == -1
        pidx, pcell = idx[pending], cell[pending]
        result[pidx] = OUTSIDE
        masks = self.cell_mask[pcell]
        for k, geom in enumerate(self.geoms):
            candidates = pidx[(masks & (1 << k)) != 0]
            undecided = candidates[result[candidates] == OUTSIDE]
            hit = shapely.contains_xy(geom, lon[undecided], lat[undecided])
            result[undecided[hit]] = self.codes[k]
        return result


def _grid() -> _DistrictGrid:
    return _region_grid(active())


def _prepared():
    """The districts' adcodes and their full-resolution geometries, prepared for ``contains_xy``."""
    return _region_prepared(active())


#: The grid of each region built so far, and the lock that makes a second thread wait for a grid
#: being built rather than build it beside it (the reader builds it on the other core).
_GRIDS: dict = {}
_GRID_LOCK = threading.Lock()


def _region_grid(region) -> _DistrictGrid:
    with _GRID_LOCK:
        grid = _GRIDS.get(region)
        if grid is None:
            grid = _GRIDS[region] = _DistrictGrid(*_region_prepared(region))
        return grid


@functools.lru_cache(maxsize=4)
def _region_prepared(region):
    import shapely

    from sxmap.geo.boundaries import _read_features

    geometries = {f["adcode"]: f["geometry"] for f in _read_features("districts", region)}
    geoms = np.array(list(geometries.values()))
    shapely.prepare(geoms)
    return np.array(list(geometries), dtype=np.int64), geoms


def _locate_direct(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`locate` without the grid: every point tested against each district it is not yet in."""
    import shapely

    codes, geoms = _prepared()
    result = np.full(lon.shape, OUTSIDE, dtype=np.int64)
    for code, geom in zip(codes, geoms):
        undecided = np.flatnonzero(result == OUTSIDE)
        hit = shapely.contains_xy(geom, lon[undecided], lat[undecided])
        result[undecided[hit]] = code
    return result


def _grid_built() -> bool:
    """Whether the grid of the region in use is built (not another region's)."""
    return active() in _GRIDS


def prepare(n: int | None = None) -> None:
    """Load the boundaries and build what :func:`locate` of ``n`` points will use, now (the first
    call does it otherwise): the grid (about 0.2 s) for big tables, prepared districts for small."""
    if n is not None and n < DIRECT_MAX and not _grid_built():
        _prepared()
    else:
        _grid()


def locate(lon, lat, crs: str = "wgs84") -> np.ndarray:
    """The adcode of the district each point lies in, or 0 (:data:`OUTSIDE`) outside the city.

    Parameters
    ----------
    lon, lat : float or array_like
        Coordinates in ``crs``; any shape, NaN allowed (NaN is outside).
    crs : {"wgs84", "gcj02", "bd09"}
        The coordinate system of ``lon``/``lat``.

    Returns
    -------
    numpy.ndarray of int64
        Same shape as the input.

    Examples
    --------
    >>> int(locate(120.58, 30.00))   # central Shaoxing
    330602
    >>> int(locate(120.16, 30.27))   # Hangzhou
    0
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if check_crs(crs) != "wgs84":
        lon, lat = to_wgs84(lon, lat, crs)
        lon, lat = np.asarray(lon), np.asarray(lat)
    shape = np.broadcast(lon, lat).shape
    lon, lat = np.broadcast_to(lon, shape).ravel(), np.broadcast_to(lat, shape).ravel()
    if lon.size < DIRECT_MAX and not _grid_built():
        return _locate_direct(lon, lat).reshape(shape)
    return _grid().locate(lon, lat).reshape(shape)


def locate_one(lon: float, lat: float, crs: str = "wgs84"):
    """The :class:`~geo.districts.District` a single point lies in, or ``None`` outside the city."""
    from sxmap.geo.districts import BY_ADCODE

    code = int(locate(lon, lat, crs))
    return BY_ADCODE.get(code)


_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)


def parse_point(lon_text, lat_text):
    """Check a longitude/latitude pair a user typed; return floats.

    Raises
    ------
    CoordinateError
        Not numbers; out of range; or apparently swapped (``29.99 120.58``: a latitude first).
    """
    from sxmap.geo.errors import CoordinateError

    values = []
    for label, text in (("longitude", lon_text), ("latitude", lat_text)):
        try:
            value = float(str(text).strip())
        except ValueError:
            raise CoordinateError(f"{label} {text!r} is not a number (经纬度须为数字), e.g. 120.58 30.00") from None
        if not np.isfinite(value):
            raise CoordinateError(f"{label} {text!r} is not a finite number")
        values.append(value)
    lon, lat = values
    looks_swapped = _CHINA_LAT[0] <= lon <= _CHINA_LAT[1] and _CHINA_LON[0] <= lat <= _CHINA_LON[1]
    if looks_swapped or abs(lat) > 90:
        if looks_swapped:
            raise CoordinateError(
                f"{lon:g} {lat:g} looks like latitude first (经纬度顺序颠倒?); "
                f"give longitude first: {lat:g} {lon:g}")
        raise CoordinateError(f"latitude {lat:g} is out of range (-90 to 90)")
    if abs(lon) > 180:
        raise CoordinateError(f"longitude {lon:g} is out of range (-180 to 180)")
    return lon, lat


def describe_point(lon: float, lat: float, crs: str = "wgs84") -> dict:
    """The answer of ``sxmap locate`` for one point, as a flat dict (district fields None outside)."""
    district = locate_one(lon, lat, crs)
    wlon, wlat = to_wgs84(lon, lat, crs)
    return {
        "lon": lon,
        "lat": lat,
        "crs": check_crs(crs),
        "lon_wgs84": round(wlon, 7),
        "lat_wgs84": round(wlat, 7),
        "adcode": district.adcode if district else None,
        "district_zh": district.name_zh if district else None,
        "district_en": district.label_en if district else None,
        "in_city": district is not None,
    }

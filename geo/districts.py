"""The divisions of the region in use (Shaoxing's six by default), and resolving the names users
write for them.

Users write 越城区, 越城, Yuecheng, "yuecheng district", 330602, or a former name such as 绍兴县
(now 柯桥区). :func:`resolve_district` turns any of these into a :class:`District`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from sxmap.geo.errors import UnknownDistrictError
from sxmap.geo.region import District, active  # noqa: F401 - District re-exported

#: What the region in use says, read when asked (``from sxmap.geo.districts import BY_ADCODE`` inside
#: a function gives the divisions of the region in use then): see :func:`__getattr__`.
_REGION_ATTRIBUTES = {
    "DISTRICTS": lambda r: r.districts,
    "BY_ADCODE": lambda r: r.by_adcode,
    "CITY_ADCODE": lambda r: r.adcode,
    "CITY_NAME_ZH": lambda r: r.name_zh,
    "CITY_NAME_EN": lambda r: r.name_en,
}


def __getattr__(name: str):
    """``DISTRICTS``, ``BY_ADCODE``, ``CITY_ADCODE``, ``CITY_NAME_ZH`` and ``CITY_NAME_EN`` of the
    region in use (:func:`geo.region.active`): Shaoxing's unless ``--region`` chose another."""
    if name in _REGION_ATTRIBUTES:
        return _REGION_ATTRIBUTES[name](active())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SUFFIXES_EN = ("district", "county-level city", "county level city", "city", "county", "qu", "shi", "xian")


def _normalise(text: str) -> str:
    """Lower-case, NFKC-fold, and strip spaces, hyphens and dots."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s\-_.·]+", "", text)


def _strip_english_suffix(key: str) -> str:
    for suffix in _SUFFIXES_EN:
        suffix = _normalise(suffix)
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@functools.lru_cache(maxsize=8)
def _index(region) -> dict[str, District]:
    """Every way of writing each division of ``region`` (normalised) → the division."""
    index: dict[str, District] = {}
    for d in region.districts:
        keys = {str(d.adcode), d.name_zh, d.short_zh, d.name_en, d.label_en, *d.former_names}
        prefixes = {region.name_zh, region.short_zh, region.province_zh + region.name_zh}
        keys |= {p + d.name_zh for p in prefixes if p} | {p + d.short_zh for p in prefixes if p}
        for key in keys:
            index.setdefault(_normalise(key), d)
    return index


def resolve_district(text) -> District:
    """Return the district a user means.

    Accepts the Chinese name with or without its suffix (越城区, 越城), the pinyin or English name
    in any case with or without "district"/"city"/"county" (Yuecheng, ``yuecheng district``), the
    6-digit adcode (330602, as text or number), a name prefixed by the city (绍兴市越城区), and
    former names still in use (绍兴县 → 柯桥区, 上虞市 → 上虞区, 嵊县 → 嵊州市).

    Parameters
    ----------
    text : str or int
        What the user wrote.

    Returns
    -------
    District

    Raises
    ------
    UnknownDistrictError
        When nothing matches; the error lists the closest valid names.

    Examples
    --------
    >>> resolve_district("yuecheng district").adcode
    330602
    >>> resolve_district("绍兴县").name_zh
    '柯桥区'
    """
    if isinstance(text, District):
        return text
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    key = _normalise(text)
    if not key:
        raise UnknownDistrictError(str(text))
    region = active()
    index = _index(region)
    for candidate in (key, _strip_english_suffix(key)):
        if candidate in index:
            return index[candidate]
    for name, codes in region.ambiguous_names:  # a split county: say which divisions it became
        if _normalise(name) == key:
            raise UnknownDistrictError(str(text), [f"{region.by_adcode[c].name_zh} ({region.by_adcode[c].name_en}, {c})"
                                                   for c in codes if c in region.by_adcode])
    raise UnknownDistrictError(str(text), suggest_districts(str(text)))


def suggest_districts(text: str, n: int = 3) -> list[str]:
    """The closest valid district names to ``text``, as "越城区 (Yuecheng, 330602)" strings."""
    import difflib  # (only for a name that matches none: not at start-up)

    key = _strip_english_suffix(_normalise(text))
    index = _index(active())
    matches = difflib.get_close_matches(key, list(index), n=10, cutoff=0.4)
    seen: list[District] = []
    for m in matches:
        d = index[m]
        if d not in seen:
            seen.append(d)
    return [f"{d.name_zh} ({d.name_en}, {d.adcode})" for d in seen[:n]]


def try_resolve_district(text):
    """Like :func:`resolve_district` but returns ``None`` instead of raising."""
    try:
        return resolve_district(text)
    except UnknownDistrictError:
        return None

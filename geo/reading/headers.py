"""Headers → fields: which column holds the name, the district, the amount …, and what the
headers say about units and datums. The lowest module of :mod:`geo.reading`: plain text, no
columns (:mod:`geo.sources` uses it to find the header row)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sxmap.geo.errors import DataError, UsageError
from sxmap.geo.reading.script import to_simplified

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
                "所在街道", "乡镇", "乡镇街道", "落地地点", "选址", "项目详细地址", "所在地址"),
}
FIELDS = tuple(ALIASES)
#: Headers that are never data: a running number.
IGNORED_HEADERS = ("序号", "no", "no.", "#", "行号")
#: Columns the reader computes; a source column of one of these names is kept as ``<name>_source``.
RESERVED = ("district_located", "geometry", "reason", "date", "investment_low", "investment_high")
_CRS_WORDS = {
    "wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84", "epsg4326": "wgs84", "天地图": "wgs84",
    "gcj02": "gcj02", "gcj": "gcj02", "高德": "gcj02", "gaode": "gcj02", "amap": "gcj02", "火星": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09", "bd09ll": "bd09", "百度": "bd09", "baidu": "bd09",
}
_UNIT_WORDS = (("亿美元", ("亿元", "USD")), ("万美元", ("万元", "USD")), ("美元", ("元", "USD")),
               ("亿元", ("亿元", "CNY")), ("万元", ("万元", "CNY")), ("亿", ("亿元", "CNY")), ("万", ("万元", "CNY")),
               ("元", ("元", "CNY")))
#: Words of headers that name an investment amount, strongest first; and words that say the
#: column is about something else (the investor, a per-mu intensity, the share completed …).
_INVESTMENT_WORDS = (("总投资", 0), ("投资总额", 0), ("计划投资", 1), ("协议投资", 1), ("合同投资", 1),
                     ("投资额", 1), ("投资金额", 1), ("签约金额", 1), ("固定资产投资", 2), ("投资", 3),
                     ("金额", 3), ("investment", 1), ("amount", 2))
_NOT_INVESTMENT = ("方", "主体", "企业", "人", "单位", "商", "来源", "类型", "性质", "强度", "亩均", "进度", "比例",
                   "占比", "增速", "%", "完成", "到位", "口径", "bound", "年度计划", "已", "investor")

_ANNUAL = re.compile(r"(?:19|20)\d{2}年?|年度|本年|当年|今年|年计划")


def list_headers(headers, limit: int = 20, width: int = 60) -> str:
    """The non-empty headers for a message: the first ``limit``, each cut to ``width`` characters
    (a table of 16,384 columns, or a header cell of a megabyte, still gives one readable line).

    Examples
    --------
    >>> list_headers(["a", "", "b" * 70], width=5)
    "'a', 'bbbbb…'"
    """
    shown = [h if len(h) <= width else h[:width] + "…" for h in (str(h) for h in headers) if h]
    if not shown:
        return "none"
    more = f", … and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(repr(h) for h in shown[:limit]) + more


def fold_header(text) -> str:
    """Fold a header for matching: NFKC, lower case, no bracketed note, no spaces, ``_`` or ``-``,
    no punctuation at either end (``年份、`` → ``年份``); traditional characters as simplified
    (``項目名稱`` → ``项目名称``)."""
    return _fold(to_simplified(unicodedata.normalize("NFKC", str(text)).strip().lower()))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)
    text = re.sub(r"[\s_\-]+", "", text)
    return text.strip("、,.。:;!?'\"“”‘’*·/\\")


def header_note(text) -> str:
    """The unit or datum note of a header: a bracketed note, or what follows a slash
    (``投资额/亿元``), or a unit written at its end (``总投资万元``), in simplified characters."""
    text = to_simplified(unicodedata.normalize("NFKC", str(text)))
    match = re.search(r"[(\[【](.*?)[)\]】]", text)
    if match:
        return re.sub(r"[\s_\-]+", "", match.group(1)).lower()
    if "/" in text:
        return re.sub(r"[\s_\-]+", "", text.rsplit("/", 1)[1]).lower()
    tail = re.search(r"(亿美元|万美元|亿元|万元)$", text.strip())
    return tail.group(1) if tail else ""


_ALIAS_INDEX = {_fold(alias): name for name, aliases in ALIASES.items() for alias in aliases}  # simplified already
IGNORED_KEYS = {_fold(h) for h in IGNORED_HEADERS}


def investment_rank(key: str):
    """How strongly a folded header names the investment amount (0 strongest), or None. An
    annual figure (2023年计划投资, 本年投资) ranks below a total (总投资, 计划总投资)."""
    if any(word in key for word in _NOT_INVESTMENT):
        return None
    rank = next((rank for word, rank in _INVESTMENT_WORDS if word in key), None)
    if rank is not None and "总投资" not in key and _ANNUAL.search(key):
        rank += 2
    return rank


def header_keys(mapped_headers=()) -> set:
    """Folded headers that mark a header row (the aliases, and headers named in ``--column``)."""
    return set(_ALIAS_INDEX) | {fold_header(h) for h in mapped_headers}


def is_header_row(keys, known) -> bool:
    """Whether folded cells ``keys`` look like the header row: the project name, or two known
    headers, or an investment header with one other."""
    keys = set(keys)
    names = {fold_header(a) for a in ALIASES["name"]}
    investment = any(investment_rank(k) is not None for k in keys)
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
    folded = [fold_header(h) for h in headers]
    fields = _named_columns(headers, folded, columns)
    fields.update(_aliased_columns(headers, folded, fields))
    notes: list[str] = []
    if "investment" not in fields:
        _rank_investment(headers, folded, fields, notes)
    if require_name and "name" not in fields:
        seen = list_headers(headers)
        raise DataError("no column for the project name (缺少项目名称列)",
                        hint=f"name it 项目名称 or name, or pass --column name=HEADER; headers are: {seen}")
    extras, ignored = _extra_columns(headers, folded, set(fields.values()))
    unit, currency = _investment_unit(headers[fields["investment"]]) if "investment" in fields else (None, "CNY")
    return ColumnMap(fields=fields, extras=extras, headers=list(headers), investment_unit=unit,
                     investment_currency=currency, coordinate_crs=_coordinate_crs(headers, fields), ignored=ignored,
                     notes=notes)


def column_for(headers, name: str, given=None):
    """The header that holds field ``name`` (``address``, ``district``, ``lon`` …) by the reader's
    own rule — the one rule every command uses (``geocode`` and ``export`` included): ``given``
    when the user named one (``--column``, ``--address-column``: it must exist; the lower part of a
    two-row header is enough), else the header that is one of the field's aliases (``建设地点``,
    ``项目地址``, ``所在地`` … for the address; ``x`` for ``lon`` and ``y`` for ``lat`` when there is no
    longitude column), else for ``investment`` the header that names an amount most strongly;
    ``None`` when none does.

    Raises
    ------
    UsageError
        ``given`` is not a header of the table.
    DataError
        Two headers are aliases of the field.
    """
    headers = [str(h) for h in headers]
    folded = [fold_header(h) for h in headers]
    if given:
        return headers[_named_columns(headers, folded, {name: given})[name]]
    fields = {}
    for field_name in (name, {"lon": "x", "lat": "y"}.get(name)):
        found = [i for i, key in enumerate(folded) if field_name and _ALIAS_INDEX.get(key) == field_name]
        if len(found) > 1:
            where = " and ".join(f"column {i + 1} {headers[i]!r}" for i in found)
            raise DataError(f"{where} both look like {field_name!r} (多列匹配同一字段)",
                            hint="rename or delete one, or name the one to use")
        if found and not fields:
            fields[name] = found[0]
    if not fields and name == "investment":
        _rank_investment(headers, folded, fields, [])
    return headers[fields[name]] if name in fields else None


def coordinate_datum(headers, lon_header, lat_header):
    """The datum the coordinate headers name (``经度(GCJ-02)`` → ``gcj02``), or None."""
    headers = [str(h) for h in headers]
    fields = {name: headers.index(h) for name, h in (("lon", lon_header), ("lat", lat_header)) if h in headers}
    return _coordinate_crs(headers, fields)


def _named_columns(headers, folded, columns) -> dict:
    """``{field: index}`` of the headers named in ``--column FIELD=HEADER``."""
    fields: dict[str, int] = {}
    for name, header in columns.items():
        if name not in ALIASES:
            raise UsageError(f"unknown field {name!r} in --column {name}={header}; fields are: "
                             + ", ".join(FIELDS))
        wanted = fold_header(header)
        exact = [i for i, h in enumerate(headers) if str(h).strip() == str(header).strip()]
        loose = [i for i, h in enumerate(folded) if h == wanted and wanted]
        # a header over two rows is "upper/lower": the lower part alone names it too
        leaf = [i for i, h in enumerate(headers) if "/" in str(h) and wanted and "/" not in str(header)
                and fold_header(str(h).rsplit("/", 1)[1]) == wanted]
        found = exact or loose or (leaf if len(leaf) == 1 else [])
        if not found:
            raise UsageError(f"--column {name}={header}: no column {header!r} in the file (没有该列); "
                             "headers are: " + list_headers(headers))
        fields[name] = found[0]
    return fields


def _aliased_columns(headers, folded, fields) -> dict:
    """``{field: index}`` of the fields not yet found whose alias is a header; two columns for
    one field are an error."""
    taken = set(fields.values())
    candidates: dict[str, list[int]] = {}
    for i, key in enumerate(folded):
        name = _ALIAS_INDEX.get(key)
        if name and name not in fields and i not in taken:
            candidates.setdefault(name, []).append(i)
    found_fields = {}
    for name, found in candidates.items():
        if len(found) > 1:
            where = " and ".join(f"column {i + 1} {headers[i]!r}" for i in found)
            raise DataError(f"{where} both look like {name!r} (多列匹配同一字段)",
                            hint=f"rename or delete one, or choose one with --column {name}=HEADER")
        found_fields[name] = found[0]
    return found_fields


def _rank_investment(headers, folded, fields, notes):
    """Take the header that most strongly names an amount as the investment, noting the others."""
    ranked = sorted((rank, i) for i, key in enumerate(folded)
                    if i not in fields.values() and (rank := investment_rank(key)) is not None)
    if ranked:
        fields["investment"] = ranked[0][1]
        if len(ranked) > 1:
            others = ", ".join(repr(headers[i]) for _, i in ranked[1:])
            notes.append(f"several columns could be the investment; took {headers[ranked[0][1]]!r}, not {others} "
                         f"(多列像投资额，已取 {headers[ranked[0][1]]}); choose with --column investment=HEADER")


def _extra_columns(headers, folded, used) -> tuple[list, list]:
    """``(extras, ignored)``: ``(index, output name)`` of the columns that are no field (kept
    under their header, ``<name>_source`` where it clashes with a canonical column; running
    numbers dropped), and their headers as written."""
    extras, seen_names, ignored = [], set(FIELDS) | set(RESERVED), []
    for i, header in enumerate(headers):
        if i in used:
            continue
        if str(header).strip():
            ignored.append(str(header))
        if folded[i] in IGNORED_KEYS:
            continue
        out = str(header) or f"column_{i + 1}"
        if out in seen_names:
            out = f"{out}_source"
        while out in seen_names:
            out += "_"
        seen_names.add(out)
        extras.append((i, out))
    return extras, ignored


def _investment_unit(header) -> tuple:
    """``(unit or None, currency)`` the investment header states (``总投资（万元）``, ``金额/亿美元``)."""
    unit, currency = None, "CNY"
    note = header_note(header)
    for word, (unit_name, money) in _UNIT_WORDS:
        if note.startswith(word) or note == word:
            unit, currency = unit_name, money
            break
    if currency == "CNY" and ("usd" in note or "美元" in note):
        currency, unit = "USD", unit or "元"
    return unit, currency


def _coordinate_crs(headers, fields):
    """The datum the coordinate headers name (``经度(GCJ-02)``, ``纬度（百度）``), or None."""
    coordinate_crs = None
    for name in ("lon", "lat", "x", "y"):
        if name in fields:
            note = fold_header(header_note(headers[fields[name]]))
            if note in _CRS_WORDS:
                if coordinate_crs and coordinate_crs != _CRS_WORDS[note]:
                    raise DataError("the coordinate headers name different coordinate systems (坐标系不一致)",
                                    hint="make the lon and lat headers agree")
                coordinate_crs = _CRS_WORDS[note]
    return coordinate_crs

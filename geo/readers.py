"""Reading users' tables: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), Excel, GeoJSON, GeoPackage.

:func:`read_projects` turns a project list as analysts keep it — Chinese or English headers, amounts
such as ``超300亿`` or ``5000万元``, districts written any way, coordinates from Gaode or Baidu or
none at all — into the canonical project table of :mod:`geo.projects`. It reads the whole file
before deciding: every problem is reported at once, each naming the file, the row as Excel shows it
(the header is row 1), the column header as written, the value and the fix.

Where a row is placed (``location_precision``):

1. ``site``: its own lon/lat (in the ``crs`` declared: wgs84, gcj02 or bd09), or its point geometry
   in a GeoJSON/GeoPackage; converted to WGS-84;
2. ``platform``: else its platform, when the name matches one of the bundled platforms
   (``data/platforms.csv``) that has a location;
3. ``district``: else the anchor of its district (:func:`geo.boundaries.district_anchor`).

A row with none of these is an error. A point outside the district the row states is kept and
reported (:attr:`ReadReport.warnings`); ``district_located`` shows where it lies.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import DataError, DataErrors, UnknownDistrictError, UsageError

log = logging.getLogger("sxmap")

ENCODINGS = ("utf-8-sig", "gb18030")

#: Header aliases of each field (matched after NFKC folding, lower-casing, removing spaces, ``_``
#: and ``-`` and any bracketed note such as ``（亿元）``).
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号", "no", "项目编号"),
    "name": ("name", "project", "项目名称", "项目", "名称", "项目名", "project name"),
    "name_en": ("name_en", "英文名称", "英文名", "english name"),
    "company": ("company", "企业", "公司", "投资方", "企业名称", "公司名称", "投资主体", "投资企业", "investor"),
    "district": ("district", "county", "所在区县", "区县", "所属地", "所在地", "所属区县", "区县市", "县市区",
                 "区、县(市)", "adcode"),
    "platform": ("platform", "平台", "所在平台", "产业平台", "所属平台", "park", "zone"),
    "industry": ("industry", "sector", "产业", "行业", "产业类别", "产业类型", "所属行业", "行业类别", "所属产业"),
    "investment": ("investment", "amount", "总投资", "投资额", "投资总额", "计划投资", "投资", "total investment"),
    "investment_bound": ("investment_bound", "bound", "金额口径"),
    "year": ("year", "年份", "签约时间", "签约年份", "年度", "签约日期", "date"),
    "stage": ("stage", "status", "阶段", "状态", "进度", "项目阶段", "项目状态", "项目进度"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "location_precision": ("location_precision", "定位精度"),
    "address": ("address", "地址", "项目地址", "详细地址"),
}
FIELDS = tuple(ALIASES)
#: Columns the reader computes; a source column of one of these names is kept as ``<name>_source``.
_RESERVED = ("district_located", "geometry", "reason")
_TEXT_FIELDS = ("id", "name", "name_en", "company", "platform", "industry", "stage", "address")
_TOTAL_NAMES = {"合计", "总计", "小计", "total", "sum", "合计:", "总计:"}
_CRS_WORDS = {
    "wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84", "epsg4326": "wgs84", "cgcs2000": "wgs84", "天地图": "wgs84",
    "gcj02": "gcj02", "gcj": "gcj02", "高德": "gcj02", "gaode": "gcj02", "amap": "gcj02", "火星": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09", "bd09ll": "bd09", "百度": "bd09", "baidu": "bd09",
}
_UNIT_WORDS = {"亿元": "亿元", "亿": "亿元", "万元": "万元", "万": "万元", "元": "元"}
_BOUND_WORDS = {"exact": "exact", "min": "min", "approx": "approx", "": "", "精确": "exact", "以上": "min",
                "下限": "min", "约": "approx", "约数": "approx"}
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)
_HEADER_SEARCH_ROWS = 20
_EXCEL_SERIALS = (32874, 73415)  # Excel day numbers of 1990-01-01 and 2100-12-31

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


# --------------------------------------------------------------------------------------------
# Bytes and encodings


def _decode(data: bytes, path=None) -> tuple[str, str]:
    """Decode a text file; return ``(text, label)``. UTF-16 only with its BOM; then strict UTF-8
    (with or without BOM); then GB18030 (a superset of GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 with BOM" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030/GBK"
    except UnicodeDecodeError as exc:
        raise DataError(f"cannot decode the file as UTF-8 or GBK/GB18030 (无法识别文件编码; byte "
                        f"0x{data[exc.start]:02x} at offset {exc.start})", path=path,
                        hint="save it from Excel as 'CSV UTF-8' or as .xlsx") from None


def detect_encoding(path) -> str:
    """The encoding of a text file, as a Python codec name.

    UTF-16 if the file starts with a UTF-16 byte-order mark; else ``utf-8-sig`` if it decodes
    strictly as UTF-8 (with or without BOM); else ``gb18030`` (a superset of GBK, what Excel on
    Chinese Windows writes).

    Raises
    ------
    DataError
        The file is none of these.
    """
    label = _decode(Path(path).read_bytes(), path)[1]
    return {"UTF-16": "utf-16", "GB18030/GBK": "gb18030"}.get(label, "utf-8-sig")


def read_table(path, **kwargs):
    """Read a CSV into a pandas DataFrame of strings, detecting its encoding."""
    import pandas as pd

    return pd.read_csv(path, encoding=detect_encoding(path), dtype=str, keep_default_na=False, **kwargs)


# --------------------------------------------------------------------------------------------
# Raw tables: headers, rows as the user numbers them, and (for GIS files) point coordinates


@dataclass
class RawTable:
    """A table as read, before any interpretation.

    ``rows`` holds ``(row_number, values)`` with the row number a user sees (the header is row 1 in
    a CSV; the sheet's own row numbers in Excel; the feature number in GIS files). ``points``, for
    GIS files, holds one ``(lon, lat)`` or ``None`` per row, or a string describing a geometry that
    is not a point.
    """

    kind: str
    headers: list
    rows: list
    header_row: int = 1
    encoding: str = ""
    sheet: str | None = None
    layer: str | None = None
    points: list | None = None
    letters: list | None = None
    blank_rows: int = 0
    notes: list = field(default_factory=list)


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _cell_text(value) -> str:
    """A cell as text: blanks → "", 2023.0 → "2023", strings stripped."""
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
    return str(value).strip()


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix == ".xls":
        raise DataError("old Excel .xls files are not read (不支持旧版 .xls)", path=path,
                        hint="open it in Excel or WPS and save as .xlsx or 'CSV UTF-8'")
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    if suffix in CSV_SUFFIXES:
        return "csv"
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    if head.startswith(b"SQLite format 3"):
        return "vector"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "vector"
    return "csv"


def _pick_delimiter(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in (",", "\t", ";")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


def _read_csv_raw(path: Path) -> RawTable:
    text, label = _decode(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_pick_delimiter(text))
    rows = [(number, [cell.strip() for cell in cells]) for number, cells in enumerate(reader, start=1)]
    return RawTable(kind="CSV", headers=[], rows=rows, encoding=label)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_excel_raw(path: Path, sheet) -> RawTable:
    import warnings
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles, data validation and the like it does not keep
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise DataError(f"cannot read as an Excel workbook (无法读取Excel文件): {exc}", path=path,
                        hint="check that it is an .xlsx file and not password-protected") from None
    names = book.sheetnames
    if sheet is None:
        sheet_name = names[0]
    elif str(sheet) in names:
        sheet_name = str(sheet)
    elif str(sheet).strip().isdigit() and 1 <= int(sheet) <= len(names):
        sheet_name = names[int(sheet) - 1]
    else:
        raise UsageError(f"{path}: no sheet {sheet!r} (没有该工作表); sheets are: " + ", ".join(names))
    ws = book[sheet_name]
    matrix = [list(row) for row in ws.iter_rows(min_row=1, values_only=True)]
    for merged in ws.merged_cells.ranges:
        top = matrix[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(matrix) else None
        for r in range(merged.min_row, min(merged.max_row, len(matrix)) + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if c - 1 < len(matrix[r - 1]):
                    matrix[r - 1][c - 1] = top
    book.close()
    rows = list(enumerate(matrix, start=1))
    width = max((len(values) for _, values in rows), default=0)
    return RawTable(kind="Excel", headers=[], rows=rows, sheet=sheet_name,
                    letters=[_column_letter(i) for i in range(width)])


def _read_vector_raw(path: Path, layer) -> RawTable:
    import warnings

    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(f"cannot read as a GeoJSON/GeoPackage file (无法读取): {exc}", path=path,
                        hint="check the file, or save the table as CSV or .xlsx") from None
    if not layers:
        raise DataError("the file has no layers (没有图层)", path=path)
    if layer is None:
        layer_name = layers[0]
    elif str(layer) in layers:
        layer_name = str(layer)
    else:
        raise UsageError(f"{path}: no layer {layer!r} (没有该图层); layers are: " + ", ".join(layers))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(path, layer=layer_name)
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(f"cannot read layer {layer_name!r}: {exc}", path=path) from None
    notes = []
    points: list = []
    if "geometry" in getattr(frame, "columns", ()) and hasattr(frame, "crs"):
        crs = frame.crs
        epsg = crs.to_epsg() if crs is not None else None
        if crs is not None and epsg != 4326 and not crs.equals("OGC:CRS84"):
            notes.append(f"reprojected from {crs.name} ({'EPSG:' + str(epsg) if epsg else 'declared CRS'}) "
                         "to WGS-84 (已由文件坐标系转换为WGS-84)")
            frame = frame.to_crs("EPSG:4326")
        for geom in frame.geometry:
            if geom is None or geom.is_empty:
                points.append(None)
            elif geom.geom_type == "Point":
                points.append((float(geom.x), float(geom.y)))
            else:
                points.append(geom.geom_type)
        frame = frame.drop(columns=frame.geometry.name)
    else:
        points = [None] * len(frame)
    headers = [str(c) for c in frame.columns]
    records = frame.astype(object).to_numpy().tolist() if len(frame.columns) else [[] for _ in range(len(frame))]
    rows = [(i + 1, list(values)) for i, values in enumerate(records)]
    kind = "GeoPackage" if path.suffix.lower() == ".gpkg" else "GeoJSON" if path.suffix.lower() in (
        ".geojson", ".json") else "GIS file"
    return RawTable(kind=kind, headers=headers, rows=rows, header_row=0, layer=layer_name, points=points,
                    notes=notes)


# --------------------------------------------------------------------------------------------
# Headers


def _norm_header(text) -> str:
    """Fold a header for matching: NFKC, lower case, no bracketed note, no spaces, ``_`` or ``-``."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"[(\[【].*?[)\]】]", "", text)
    return re.sub(r"[\s_\-]+", "", text)


def _bracket_note(text) -> str:
    match = re.search(r"[(\[【](.*?)[)\]】]", unicodedata.normalize("NFKC", str(text)))
    return re.sub(r"[\s_\-]+", "", match.group(1)).lower() if match else ""


_ALIAS_INDEX = {_norm_header(alias): name for name, aliases in ALIASES.items() for alias in aliases}


def _find_header_row(raw: RawTable, mapped_headers) -> None:
    """Pick the header row: the first of the first non-blank rows that holds a known header
    (title rows above it are skipped), else the first non-blank row. Fills ``raw.headers``."""
    known = set(_ALIAS_INDEX) | {_norm_header(h) for h in mapped_headers}
    non_blank = [(i, number, values) for i, (number, values) in enumerate(raw.rows)
                 if any(not _blank(v) for v in values)]
    if not non_blank:
        raise DataError("the file is empty (文件为空): no header row", path=None,
                        hint="put the headers (项目名称, 所在区县, 总投资 …) in the first row")
    chosen = non_blank[0]
    name_keys = {_norm_header(a) for a in ALIASES["name"]} | {_norm_header(h) for h in mapped_headers}
    for candidate in non_blank[:_HEADER_SEARCH_ROWS]:
        keys = {_norm_header(v) for v in candidate[2] if not _blank(v)}
        if keys & name_keys or len(keys & known) >= 2:
            chosen = candidate
            break
    index, number, values = chosen
    raw.header_row = number
    raw.headers = [_cell_text(v) for v in values]
    if index:
        raw.notes.append(f"header found on row {number}; rows above it skipped (表头在第{number}行)")
    raw.rows = raw.rows[index + 1:]


@dataclass
class ColumnMap:
    """Which column (index) holds each field, and what the rest are called in the output."""

    fields: dict
    extras: list
    headers: list
    investment_unit: str | None = None
    investment_currency: str = "CNY"
    coordinate_crs: str | None = None


def match_columns(headers, columns=None) -> ColumnMap:
    """Match a table's headers to the canonical fields.

    Parameters
    ----------
    headers : list of str
        The headers as written.
    columns : dict, optional
        ``{field: header}`` for headers no alias covers, e.g. ``{"investment": "计划总投资"}``.

    Returns
    -------
    ColumnMap

    Raises
    ------
    UsageError
        An unknown field or a header not in the table in ``columns``; two headers that both look
        like the same field (choose one with ``--column``).
    DataError
        No column holds the project name.
    """
    columns = dict(columns or {})
    fields: dict[str, int] = {}
    normalised = [_norm_header(h) for h in headers]
    for name, header in columns.items():
        if name not in ALIASES:
            raise UsageError(f"unknown field {name!r} in --column {name}={header}; fields are: "
                             + ", ".join(FIELDS))
        wanted = _norm_header(header)
        exact = [i for i, h in enumerate(headers) if str(h).strip() == str(header).strip()]
        loose = [i for i, h in enumerate(normalised) if h == wanted and wanted]
        found = exact or loose
        if not found:
            raise UsageError(f"--column {name}={header}: no column {header!r} in the file (没有该列); "
                             "headers are: " + ", ".join(str(h) for h in headers if str(h)))
        fields[name] = found[0]
    taken = set(fields.values())
    candidates: dict[str, list[int]] = {}
    for i, key in enumerate(normalised):
        name = _ALIAS_INDEX.get(key)
        if name and name not in fields and i not in taken:
            candidates.setdefault(name, []).append(i)
    for name, found in candidates.items():
        if len(found) > 1:
            both = " and ".join(repr(headers[i]) for i in found)
            raise UsageError(f"columns {both} both look like {name!r} (多列匹配同一字段); choose one with "
                             f"--column {name}=HEADER")
        fields[name] = found[0]
    if "name" not in fields:
        raise DataError("no column for the project name (缺少项目名称列)",
                        hint="name it 项目名称 or name, or pass --column name=HEADER; headers are: "
                        + ", ".join(str(h) for h in headers if str(h)))
    used = set(fields.values())
    reserved = set(FIELDS) | set(_RESERVED)
    extras, seen = [], set(reserved)
    for i, header in enumerate(headers):
        if i in used:
            continue
        out = str(header) or f"column_{i + 1}"
        if out in seen:
            out = f"{out}_source"
        while out in seen:
            out += "_"
        seen.add(out)
        extras.append((i, out))
    unit, currency = None, "CNY"
    if "investment" in fields:
        note = _bracket_note(headers[fields["investment"]])
        unit = next((u for word, u in _UNIT_WORDS.items() if note.startswith(word)), None)
        if "美元" in note or "usd" in note:
            currency, unit = "USD", unit or "元"
    coordinate_crs = None
    for name in ("lon", "lat"):
        if name in fields:
            note = _bracket_note(headers[fields[name]])
            if note in _CRS_WORDS:
                if coordinate_crs and coordinate_crs != _CRS_WORDS[note]:
                    raise UsageError("the lon and lat headers name different coordinate systems")
                coordinate_crs = _CRS_WORDS[note]
    return ColumnMap(fields=fields, extras=extras, headers=list(headers), investment_unit=unit,
                     investment_currency=currency, coordinate_crs=coordinate_crs)


# --------------------------------------------------------------------------------------------
# Cells


_YEAR_RE = re.compile(
    r"(?P<y>\d{4})\s*(?:年)?"
    r"(?:(?<=年)\s*(?P<m1>\d{1,2})\s*月?|[-/.]\s*(?P<m2>\d{1,2})\s*月?)?"
    r"(?:\s*[-/.]?\s*(?P<d>\d{1,2})\s*[日号]?)?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def parse_year(value):
    """A year from a cell: 2023, 2023.0, "2023年", "2023-02", "2023年2月", "2023/2/15",
    "20230215", an Excel date (a datetime, or its serial number such as 44958, read as a date
    between 1990 and 2100).

    Returns ``None`` for an empty cell.

    Raises
    ------
    DataError
        Anything else, or a year outside 1900–2100.
    """
    import datetime as dt

    hint = "write the year, e.g. 2023 or 2023年 or 2023-02"
    if _blank(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)) or hasattr(value, "year") and hasattr(value, "month"):
        year = int(value.year)
    elif not isinstance(value, (str, bool)) and (isinstance(value, (int, float)) or hasattr(value, "item")):
        number = float(value)
        if not number.is_integer():
            raise DataError("not a year (年份无效)", value=value, hint=hint)
        year = int(number)
        if 10000 <= year < 100000:  # an Excel date serial (days since 1899-12-30), 1990-2100 only
            if not _EXCEL_SERIALS[0] <= year <= _EXCEL_SERIALS[1]:
                raise DataError("not a year (年份无效)", value=value, hint=hint)
            year = (dt.date(1899, 12, 30) + dt.timedelta(days=year)).year
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
        match = _YEAR_RE.fullmatch(text)
        if compact and 1 <= int(compact[2]) <= 12 and 1 <= int(compact[3]) <= 31:
            year = int(compact[1])
        elif re.fullmatch(r"\d{4}\.0+", text):
            year = int(float(text))
        elif re.fullmatch(r"\d{5}(\.0+)?", text):
            return parse_year(float(text))
        elif match:
            month = match["m1"] or match["m2"]
            if month is not None and not 1 <= int(month) <= 12:
                raise DataError("not a year (年份无效): month out of range", value=value, hint=hint)
            if match["d"] is not None and (month is None or not 1 <= int(match["d"]) <= 31):
                raise DataError("not a year (年份无效)", value=value, hint=hint)
            year = int(match["y"])
        else:
            raise DataError("not a year (年份无效)", value=value, hint=hint)
    if not 1900 <= year <= 2100:
        raise DataError(f"year {year} is out of range (年份超出范围 1900–2100)", value=value, hint=hint)
    return year


def parse_coordinate(value):
    """A longitude or latitude in decimal degrees from a cell (``°``, E/N suffixes tolerated).

    Returns ``None`` for an empty cell; raises :class:`DataError` for anything not a number.
    """
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"\s*(?:°|度)?\s*[EeNn东北]?$", "", text)
        try:
            number = float(text)
        except ValueError:
            raise DataError("not a number (经纬度须为十进制度数)", value=value,
                            hint="write decimal degrees, e.g. 120.58 and 30.00") from None
    if not math.isfinite(number):
        raise DataError("not a finite number", value=value, hint="write decimal degrees, e.g. 120.58")
    return number


def check_lon_lat(lon: float, lat: float):
    """Why a lon/lat pair cannot be right (a message and a fix), or ``None`` if it can."""
    if lon == 0 and lat == 0:
        return "0, 0 is a placeholder, not a place (坐标为0,0)", "leave lon/lat empty if unknown"
    if abs(lon) > 1000 or abs(lat) > 1000:
        return ("out of range: these look like metres, not degrees (坐标超出范围，疑为投影坐标)",
                "convert to longitude/latitude in degrees, or read a GeoPackage that declares its CRS")
    if _CHINA_LAT[0] <= lon <= _CHINA_LAT[1] and _CHINA_LON[0] <= lat <= _CHINA_LON[1]:
        return (f"{lon:g}, {lat:g} look swapped: latitude in the longitude column (经纬度颠倒)",
                f"put {lat:g} under lon and {lon:g} under lat")
    if abs(lat) > 90:
        return f"latitude {lat:g} is out of range (-90 to 90) (纬度超出范围)", "check the lat column"
    if abs(lon) > 180:
        return f"longitude {lon:g} is out of range (-180 to 180) (经度超出范围)", "check the lon column"
    return None


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
    from geo.projects import bundled_path, read_bundled

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
    projects : geopandas.GeoDataFrame
        The canonical table of the good rows.
    kind, encoding, sheet, layer : str
        What the file was (``CSV``/``Excel``/``GeoJSON``/``GeoPackage``), its text encoding, the
        sheet or layer read.
    header_row : int
        Row of the headers (1 unless title rows sit above them; 0 for GIS files).
    rows_read : int
        Non-blank data rows in the file.
    columns : dict
        ``{field: header as written}`` for each field found.
    warnings : list of str
        Things kept but worth a look: points outside their stated district, ambiguous platforms,
        repeated names, amounts converted from USD.
    rejected : list of DataError
        The problems of the rows skipped (``skip_invalid``).
    rejected_rows : int
    rejects_path : pathlib.Path or None
        Where the skipped rows were written (None: the reader writes nothing; the caller writes
        ``rejects``, e.g. the CLI once the command succeeded).
    rejects : pandas.DataFrame or None
        The skipped rows as they were: ``row``, the file's headers, ``reason``.
    notes : list of str
        How the file was read (header row, reprojection).
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
    warnings: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    rejected_rows: int = 0
    rejects_path: Path | None = None
    notes: list = field(default_factory=list)
    rejects: object = None


def default_rejects_path(path) -> Path:
    """``projects.xlsx`` → ``projects.rejects.csv`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


# --------------------------------------------------------------------------------------------
# Reading projects


def read_projects(path, *, sheet=None, layer=None, columns=None, unit="亿元", usd_rate=None, crs="wgs84",
                  skip_invalid=False, rejects=None):
    """Read a user's project list (CSV, XLSX, GeoJSON, GeoPackage) as the canonical table.

    Parameters
    ----------
    path : str or pathlib.Path
        The file. CSV in UTF-8, UTF-8 with BOM or GBK/GB18030 (detected); ``.xlsx``; GeoJSON;
        GeoPackage.
    sheet : str, optional
        Excel sheet (name, or its 1-based number); default the first.
    layer : str, optional
        GeoPackage layer; default the first.
    columns : dict, optional
        ``{field: header}`` for headers the aliases don't cover, e.g. ``{"investment": "计划总投资"}``.
    unit : str
        Unit of plain numbers in the investment column: 亿元 (default), 万元 or 元. A unit in the
        header, as in ``总投资（万元）``, takes precedence.
    usd_rate : float, optional
        CNY per USD, needed for amounts in 美元 (there is no built-in rate).
    crs : str
        What the lon/lat numbers (and a GeoJSON's point coordinates) are in: wgs84, gcj02 or bd09.
    skip_invalid : bool
        Keep going without the bad rows; write them, with a ``reason`` column, to ``rejects``.
    rejects : str or pathlib.Path, optional
        Where to write the bad rows (default ``<stem>.rejects.csv`` beside the input; never the
        input itself).

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical project table (see :mod:`geo.projects`), extra source columns after the
        canonical ones. ``attrs["warnings"]`` and ``attrs["skipped"]`` carry what
        :func:`read_projects_report` reports; skipped rows are also logged (logger ``sxmap``,
        WARNING), so every command that reads projects says so on stderr.

    Raises
    ------
    DataErrors
        Bad rows (strict mode): one :class:`DataError` per problem, all of them.
    DataError
        A file that cannot be read at all (encoding, no name column …).
    UsageError
        A bad option: unknown unit, sheet, layer, crs, or a ``columns`` header not in the file.

    Examples
    --------
    >>> gdf = read_projects("projects.xlsx", columns={"investment": "计划总投资"})  # doctest: +SKIP
    """
    report = read_projects_report(path, sheet=sheet, layer=layer, columns=columns, unit=unit,
                                  usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid, rejects=rejects)
    if report.rejected_rows:
        log.warning("%s: skipped %d invalid row(s) (跳过无效行)", report.path, report.rejected_rows)
    gdf = report.projects
    gdf.attrs["warnings"] = list(report.warnings)
    gdf.attrs["skipped"] = report.rejected_rows
    if report.rejects is not None:
        gdf.attrs["rejects"] = report.rejects
    return gdf


def _relocate(error: DataError, path, row, column) -> DataError:
    return DataError(error.message, path=path, row=row, column=column, value=error.value, hint=error.hint)


def read_projects_report(path, *, sheet=None, layer=None, columns=None, unit="亿元", usd_rate=None,
                         crs="wgs84", skip_invalid=False, rejects=None) -> ReadReport:
    """Like :func:`read_projects`, returning a :class:`ReadReport` (the table and what was found).

    Raises the same errors as :func:`read_projects`.
    """
    from geo.amounts import check_usd_rate, unit_factor
    from geo.crs import check_crs

    path = Path(path)
    crs = check_crs(crs)
    unit_factor(unit)
    usd_rate = check_usd_rate(usd_rate)
    if rejects is not None and not skip_invalid:
        raise UsageError("--rejects is only used with --skip-invalid")
    if not path.exists():
        raise DataError("file not found (文件不存在)", path=path)
    kind = _file_kind(path)
    if sheet is not None and kind != "excel":
        raise UsageError(f"--sheet applies to Excel files; {path} is not one")
    if layer is not None and kind != "vector":
        raise UsageError(f"--layer applies to GeoPackage/GeoJSON files; {path} is not one")
    if kind == "excel":
        raw = _read_excel_raw(path, sheet)
    elif kind == "vector":
        raw = _read_vector_raw(path, layer)
    else:
        raw = _read_csv_raw(path)
    if raw.points is None:
        try:
            _find_header_row(raw, (columns or {}).values())
        except DataError as exc:
            raise _relocate(exc, path, None, None) from None
    try:
        cmap = match_columns(raw.headers, columns)
    except DataError as exc:
        raise _relocate(exc, path, raw.header_row or None, None) from None
    if cmap.coordinate_crs and "lon" in cmap.fields and cmap.coordinate_crs != crs:
        lon_header = raw.headers[cmap.fields["lon"]]
        raise UsageError(f"{path}: the header {lon_header!r} says the coordinates are {cmap.coordinate_crs} "
                         f"but --crs is {crs}; pass --crs {cmap.coordinate_crs}")
    return _build(path, raw, cmap, unit=cmap.investment_unit or unit, usd_rate=usd_rate, crs=crs,
                  skip_invalid=skip_invalid, rejects=rejects)


def _header_label(raw: RawTable, cmap: ColumnMap, name: str) -> str:
    index = cmap.fields[name]
    header = cmap.headers[index]
    if header:
        return header
    return f"column {raw.letters[index]}" if raw.letters else f"column {index + 1}"


def _build(path, raw: RawTable, cmap: ColumnMap, *, unit, usd_rate, crs, skip_invalid, rejects) -> ReadReport:
    import numpy as np
    import pandas as pd

    from geo.amounts import parse_amount
    from geo.boundaries import district_anchor
    from geo.crs import to_wgs84
    from geo.districts import BY_ADCODE, resolve_district
    from geo.projects import CANONICAL_COLUMNS, PRECISIONS, to_geoframe

    cmap.extras = [(i, out) for i, out in cmap.extras
                   if cmap.headers[i] or any(i < len(v) and not _blank(v[i]) for _, v in raw.rows)]
    platforms = bundled_platforms()
    platform_names = [p.name for p in platforms]
    fields = cmap.fields
    width = len(cmap.headers)
    district_cache: dict = {}
    amount_cache: dict = {}
    anchors: dict = {}
    order = {}
    for index, header in enumerate(cmap.headers):
        order.setdefault(header, index)

    def cell(values, name):
        index = fields.get(name)
        return values[index] if index is not None and index < len(values) else None

    records, rownums, site_rows = [], [], []
    rejected, errors_all, warnings = [], [], []
    usd_count = 0
    blank_rows = 0
    seen_ids: dict = {}
    seen_names: dict = {}

    for position, (rownum, values) in enumerate(raw.rows):
        point = raw.points[position] if raw.points is not None else None
        if all(_blank(v) for v in values) and point is None:
            blank_rows += 1
            continue
        errors: list[DataError] = []

        def fail(name, exc, value=None):
            column = _header_label(raw, cmap, name) if name in fields else None
            if isinstance(exc, DataError):
                errors.append(_relocate(exc, path, rownum, column))
            else:
                errors.append(DataError(str(exc), path=path, row=rownum, column=column, value=value))

        if raw.points is None and len(values) > width and any(not _blank(v) for v in values[width:]):
            errors.append(DataError(f"the row has {len(values)} cells but the header has {width} "
                                    "(行的单元格多于表头)", path=path, row=rownum,
                                    value=",".join(_cell_text(v) for v in values[width:]),
                                    hint="quote values that contain the delimiter (e.g. \"1,300\"), or "
                                    "remove thousands separators"))
        record = {name: _cell_text(cell(values, name)) for name in _TEXT_FIELDS}
        if not record["name"]:
            fail("name", DataError("the project name is empty (项目名称为空)", hint="give every row a name"))
        total_row = record["name"].strip().lower().rstrip(":：") in _TOTAL_NAMES
        if total_row:
            fail("name", DataError("this looks like a total row, not a project (合计行)", value=record["name"],
                                   hint="delete the total row"))

        # District
        district, district_failed = None, False
        district_value = cell(values, "district")
        if not _blank(district_value):
            key = _cell_text(district_value)
            if key not in district_cache:
                try:
                    district_cache[key] = resolve_district(key).adcode
                except UnknownDistrictError as exc:
                    district_cache[key] = _district_error(district_value, exc)
            if isinstance(district_cache[key], DataError):
                fail("district", district_cache[key])
                district_failed = True
            else:
                district = district_cache[key]

        # Year
        year = None
        try:
            year = parse_year(cell(values, "year"))
        except DataError as exc:
            fail("year", exc)

        # Investment and its bound
        investment, bound, is_usd = math.nan, "", False
        amount_value = cell(values, "investment")
        try:
            cache_key = (type(amount_value).__name__, _cell_text(amount_value))
            if cache_key not in amount_cache:
                amount_cache[cache_key] = parse_amount(amount_value, unit=unit, usd_rate=usd_rate,
                                                       currency=cmap.investment_currency)
            investment, bound = amount_cache[cache_key]
            is_usd = not math.isnan(investment) and (cmap.investment_currency == "USD" or isinstance(
                amount_value, str) and bool(re.search(r"美元|美金|usd|\$", amount_value, re.I)))
        except DataError as exc:
            fail("investment", exc)
        bound_value = cell(values, "investment_bound")
        if not _blank(bound_value):
            stated = _BOUND_WORDS.get(_cell_text(bound_value).lower())
            if stated is None:
                fail("investment_bound", DataError("unknown bound (金额口径无效)", value=bound_value,
                                                   hint="write exact, min or approx (or leave empty)"))
            elif math.isnan(investment) and stated:
                fail("investment_bound", DataError("a bound without an amount (有口径无金额)", value=bound_value,
                                                   hint="give the amount or leave the bound empty"))
            elif not math.isnan(investment):
                if bound != "exact" and stated != bound:
                    fail("investment_bound", DataError(
                        f"the amount says {bound} but the bound column says {stated or 'nothing'} (口径矛盾)",
                        value=bound_value, hint="make them agree"))
                elif stated:
                    bound = stated

        # Location: own coordinates, else platform, else district
        lon = lat = None
        before = len(errors)
        if isinstance(point, str):
            errors.append(DataError(f"the geometry is a {point}, not a point (几何须为点)", path=path, row=rownum,
                                    column="geometry", hint="give each project a point"))
        elif point is not None:
            lon, lat = point
        else:
            try:
                lon = parse_coordinate(cell(values, "lon"))
            except DataError as exc:
                fail("lon", exc)
            try:
                lat = parse_coordinate(cell(values, "lat"))
            except DataError as exc:
                fail("lat", exc)
            if len(errors) == before and (lon is None) != (lat is None):
                fail("lat" if lat is None else "lon", DataError(
                    "one coordinate without the other (经纬度缺一)", hint="give both lon and lat, or neither"))
        if len(errors) == before and lon is not None and lat is not None:
            problem = check_lon_lat(lon, lat)
            if problem:
                column = "geometry" if point is not None else (
                    f"{_header_label(raw, cmap, 'lon')}/{_header_label(raw, cmap, 'lat')}")
                errors.append(DataError(problem[0], path=path, row=rownum, column=column,
                                        value=f"{lon:g}, {lat:g}", hint=problem[1]))
        coordinates_failed = len(errors) > before
        declared = _cell_text(cell(values, "location_precision")).lower()
        if declared and declared not in PRECISIONS:
            fail("location_precision", DataError("unknown location precision (定位精度无效)", value=declared,
                                                 hint="write site, platform or district (or leave empty)"))
            declared = ""
        precision, is_site, row_warnings = None, False, []
        if coordinates_failed or total_row:
            lon = lat = None
        elif lon is not None:
            precision, is_site = (declared or "site"), True
        elif declared == "site":
            fail("location_precision", DataError("location precision is site but there are no coordinates "
                                                 "(无坐标却标为点位)", value=declared,
                                                 hint="give lon/lat or clear the cell"))
        else:
            platform = unlocated = None
            if record["platform"]:
                platform, candidates = match_platform(record["platform"], platforms)
                if platform is None and len(candidates) > 1:
                    row_warnings.append(
                        f"row {rownum}: platform {record['platform']!r} matches several bundled platforms "
                        f"({', '.join(p.name for p in candidates)}); placed by its district instead (平台名称不唯一)")
                if platform is not None and platform.lon is None:
                    platform, unlocated = None, platform
            if platform is not None and platform.precision == "district" and district is not None:
                platform = None  # the platform is only placed at a district: the row's own district is as good
            if platform is not None:
                lon, lat, precision = platform.lon, platform.lat, platform.precision
            elif district is not None:
                if district not in anchors:
                    anchors[district] = district_anchor(district)
                lon, lat = anchors[district]
                precision = "district"
            elif district_failed:
                pass  # the district error says it all
            elif unlocated is not None:
                fail("platform", DataError(
                    f"the platform {unlocated.name!r} has no location in the bundled data, and the row gives no "
                    "district or coordinates (平台无坐标且未填区县)", value=record["platform"],
                    hint="give the district or lon/lat"))
            else:
                column = _header_label(raw, cmap, "district") if "district" in fields else None
                hint = "give lon/lat, a bundled platform name, or the district"
                if record["platform"]:
                    close = difflib.get_close_matches(record["platform"], platform_names, n=3, cutoff=0.3)
                    if close:
                        hint += "; bundled platforms like yours: " + ", ".join(close)
                errors.append(DataError("no location: no coordinates, no known platform and no district "
                                        "(无法定位：缺坐标、平台和区县)", path=path, row=rownum, column=column,
                                        value=record["platform"] or None, hint=hint))

        # Identifier
        if not record["id"]:
            record["id"] = str(rownum)
        elif record["id"] in seen_ids:
            fail("id", DataError(f"the same id as row {seen_ids[record['id']]} (编号重复)", value=record["id"],
                                 hint="give every row its own id, or leave the column empty"))
        if errors:
            errors.sort(key=lambda e: order.get(str(e.column).split("/")[0], len(order)))
            errors_all.extend(errors)
            rejected.append((rownum, values, errors))
            continue
        seen_ids.setdefault(record["id"], rownum)
        warnings.extend(row_warnings)
        usd_count += is_usd
        name_key = _platform_key(record["name"])
        if name_key in seen_names:
            warnings.append(f"row {rownum}: the name {record['name']!r} repeats row {seen_names[name_key]} "
                            "(项目名称重复)")
        else:
            seen_names[name_key] = rownum
        record.update(district=district, year=year, investment=investment, investment_bound=bound,
                      lon=lon, lat=lat, location_precision=precision)
        for index, out in cmap.extras:
            record[out] = _cell_text(values[index]) if index < len(values) else ""
        records.append(record)
        rownums.append(rownum)
        site_rows.append(is_site)

    if errors_all and not skip_invalid:
        raise DataErrors(errors_all, path=path)

    extra_names = [out for _, out in cmap.extras]
    frame = pd.DataFrame(records, columns=[*CANONICAL_COLUMNS, "address", *extra_names])
    if "address" not in fields:
        frame = frame.drop(columns="address")
    site = np.array(site_rows, dtype=bool)
    lon_array = np.array(frame["lon"], dtype=float)
    lat_array = np.array(frame["lat"], dtype=float)
    if crs != "wgs84" and site.any():
        x, y = to_wgs84(lon_array[site], lat_array[site], crs)
        lon_array[site], lat_array[site] = x, y
    frame["lon"], frame["lat"] = lon_array, lat_array
    frame["district"] = pd.array(frame["district"].tolist(), dtype="Int64")
    frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
    frame["investment"] = frame["investment"].astype(float)
    gdf = to_geoframe(frame)

    for rownum, name, stated, located in zip(rownums, gdf["name"], gdf["district"], gdf["district_located"]):
        if pd.isna(stated):
            if located == 0:
                warnings.append(f"row {rownum}: {name}: the point lies outside Shaoxing (点位不在绍兴市内)")
            continue
        if located != stated:
            where = (f"{BY_ADCODE[int(located)].name_zh} ({BY_ADCODE[int(located)].name_en})" if located
                     else "outside Shaoxing")
            warnings.append(f"row {rownum}: {name}: the point lies in {where}, not in the stated "
                            f"{BY_ADCODE[int(stated)].name_zh} ({BY_ADCODE[int(stated)].name_en}) "
                            "(点位不在所填区县内)")
    if not records and not rejected:
        warnings.append("the file has no data rows, only headers (没有数据行)")
    if usd_count:
        warnings.append(f"{usd_count} amount(s) converted from US dollars at {usd_rate:g} CNY/USD "
                        "(按所给汇率折算)")

    report = ReadReport(path=path, projects=gdf, kind=raw.kind, encoding=raw.encoding, sheet=raw.sheet,
                        layer=raw.layer, header_row=raw.header_row,
                        rows_read=len(records) + len(rejected),
                        columns={name: cmap.headers[i] for name, i in fields.items()},
                        warnings=warnings, notes=list(raw.notes))
    if blank_rows:
        report.notes.append(f"{blank_rows} blank row(s) ignored (空行已忽略)")
    if rejected:
        report.rejected = errors_all
        report.rejected_rows = len(rejected)
        report.rejects = _rejects_frame(raw, rejected)
    return report


def _rejects_frame(raw: RawTable, rejected):
    """The bad rows as they were, with ``row`` and ``reason`` columns (all text): written by the
    caller (the CLI writes it, through :mod:`geo.output`, once the command succeeded)."""
    import pandas as pd

    headers = [h or f"column_{i + 1}" for i, h in enumerate(raw.headers)]
    row_header = "row" if "row" not in headers else "row_sxmap"
    reason_header = "reason" if "reason" not in headers else "reason_sxmap"
    records = []
    for rownum, values, errors in rejected:
        cells = [_cell_text(v) for v in values] + [""] * max(0, len(headers) - len(values))
        reason = "; ".join(_reason(e) for e in errors)
        records.append([rownum, *cells[:len(headers)], reason])
    columns = list(dict.fromkeys([row_header, *headers, reason_header]))
    if len(columns) != len(headers) + 2:  # repeated headers: number them so every cell has a column
        columns = [row_header, *[f"{h}_{i + 1}" for i, h in enumerate(headers)], reason_header]
    return pd.DataFrame(records, columns=columns, dtype=object)


def _reason(error: DataError) -> str:
    text = (f"{error.column}: " if error.column else "") + error.message
    if error.value is not None:
        text += f" (value: {error.value!r})"
    if error.hint:
        text += f"; {error.hint}"
    return text


# --------------------------------------------------------------------------------------------
# A summary for `sxmap validate`


def summary_text(report: ReadReport) -> str:
    """The summary ``sxmap validate`` prints: what was read, where the rows were placed, per
    district, warnings and skipped rows; Chinese with English."""
    from geo.districts import DISTRICTS
    from geo.tables import format_table

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
    lines.append(f"读取 Rows read: {report.rows_read}  有效 valid: {len(gdf)}  跳过 skipped: {report.rejected_rows}")
    precision_names = {"site": "点位 site", "platform": "平台 platform", "district": "区县 district"}
    counts = gdf["location_precision"].value_counts()
    lines.append("定位精度 Location precision: " + ", ".join(
        f"{label} {int(counts.get(key, 0))}" for key, label in precision_names.items()))
    amounts = gdf["investment"]
    bounds = gdf["investment_bound"].value_counts()
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
        lines.append(f"跳过的行 Skipped rows ({report.rejected_rows}), written to 已写入 {report.rejects_path}:")
        lines += [f"  {e}" for e in report.rejected]
    return "\n".join(lines) + "\n"

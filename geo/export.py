"""Exporting located projects to the tools users already have: KML, GeoPackage, GeoJSON, CSV, XLSX.

- **KML** (Google Earth, 奥维互动地图): one Placemark per project, WGS-84, named by the project, a
  description with the popup fields, and a style per industry (the icon tinted with the
  industry's colour). Written as text a slice of rows at a time, every text escaped and stripped
  of the characters XML forbids; the description is HTML whose values are escaped first (KML
  descriptions are HTML).
- **GeoPackage** (QGIS, GDAL): one point layer ``projects`` in EPSG:4326, written by pyogrio.
- **GeoJSON**: a FeatureCollection of points (RFC 7946, WGS-84).
- **CSV** and **XLSX** (Excel): a row per project with the district its point lies in, its
  township (from its address) and the location precision; text that a spreadsheet would run as
  a formula (beginning with = + - @, tab or CR) gets a leading apostrophe (:func:`neutralise_formula`).

Every writer streams: the table is exported and written :data:`CHUNK_ROWS` rows at a time (a
million rows stay well under 1 GiB). Every file is written atomically (a temporary file renamed
into place) after :func:`geo.output.check_output_path`.
"""

from __future__ import annotations

from sxmap.geo.output import neutralise_formula, xml_safe  # noqa: F401 - one rule for every CSV/XLSX/XML writer

import html
import io
import math
import re
import unicodedata
from pathlib import Path

from sxmap.geo.errors import UsageError

FORMATS = ("kml", "gpkg", "geojson", "csv", "xlsx")
EXTENSIONS = {".kml": "kml", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".csv": "csv",
              ".xlsx": "xlsx"}
LAYER = "projects"
#: Rows a writer holds at a time (a slice of the table, exported and written, then the next).
CHUNK_ROWS = 50_000
#: Excel's limits: characters in a cell, rows in a sheet (header included).
EXCEL_CELL_LIMIT = 32_767
EXCEL_ROW_LIMIT = 1_048_576
DEFAULT_COLOUR = "#3366cc"

#: Columns exported first, in this order (others the table has follow them).
EXPORT_COLUMNS = ("id", "name", "name_en", "company", "district", "district_located", "district_zh", "township_code",
                  "township", "platform", "industry", "year", "stage", "investment", "investment_bound",
                  "location_precision", "lon", "lat", "address")
#: Headers of the XLSX sheet and the KML popup (Chinese; the reader knows most of them).
HEADERS_ZH = {
    "id": "编号", "name": "项目名称", "name_en": "英文名称", "company": "企业", "district": "所在区县",
    "district_located": "坐标所在区县代码", "district_zh": "坐标所在区县", "township_code": "乡镇代码",
    "township": "乡镇街道", "platform": "平台", "industry": "产业", "year": "年份", "stage": "阶段",
    "investment": "总投资(亿元)", "investment_bound": "金额口径", "location_precision": "定位精度",
    "lon": "经度", "lat": "纬度", "address": "地址",
}
#: Fields shown in a KML popup, in order.
POPUP_FIELDS = ("company", "district_zh", "township", "platform", "industry", "investment", "stage", "year",
                "location_precision", "address")
PRECISION_ZH = {"site": "项目地块 site", "platform": "仅到平台 platform", "district": "仅到区县 district",
                "township": "仅到乡镇街道 township"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _clean(value):
    """Strings without control or bidi-override characters, and only characters XML allows
    (U+FFFE, U+FFFF and lone surrogates make KML and XLSX files that do not open)."""
    if isinstance(value, str):
        return xml_safe(_CONTROL.sub("", unicodedata.normalize("NFC", value)))
    return value


def infer_format(path, fmt=None) -> str:
    """The export format: ``fmt`` if given, else from the output's extension.

    Raises
    ------
    UsageError
        No format and an extension that says none, or a format and an extension that disagree.
    """
    suffix = Path(str(path)).suffix.lower() if path not in (None, "-") else ""
    from_suffix = EXTENSIONS.get(suffix)
    if fmt is None:
        if from_suffix is None:
            raise UsageError(f"cannot tell the format from {str(path)!r}: give --format "
                             f"{'|'.join(FORMATS)} or an output ending .kml, .gpkg, .geojson, .csv or .xlsx")
        return from_suffix
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if from_suffix is not None and from_suffix != fmt:
        raise UsageError(f"--format {fmt} but the output ends {suffix}; use a matching extension")
    return fmt


def export_frame(projects):
    """The projects as a plain DataFrame of the exported columns: the canonical ones, the district
    the point lies in (``district_located``, ``district_zh``), the township from the address
    (``township_code``, ``township``), then any other columns of the table (no geometry)."""
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.query import add_located, with_townships

    frame = pd.DataFrame(projects.drop(columns=["geometry"], errors="ignore")).reset_index(drop=True)
    if "district_located" not in frame.columns:
        frame = add_located(frame)
    frame = with_townships(frame)
    codes = frame["district_located"].to_numpy(dtype="int64", na_value=0)
    frame["district_zh"] = [BY_ADCODE[c].name_zh if c in BY_ADCODE else "市外" for c in codes]
    first = [c for c in EXPORT_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")
    return str(_clean(value))


def _amount(row) -> str:
    value = row.get("investment")
    if _is_missing(value):
        return ""
    bound = row.get("investment_bound") or ""
    prefix = {"min": "≥ ", "approx": "≈ "}.get(bound, "")
    return f"{prefix}{_text(float(value))} 亿元"


def _kml_colour(hex_colour: str) -> str:
    """#rrggbb → KML's aabbggrr (opaque)."""
    value = hex_colour.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        value = DEFAULT_COLOUR.lstrip("#")
    return ("ff" + value[4:6] + value[2:4] + value[0:2]).lower()


def export_chunks(projects, size: int = CHUNK_ROWS):
    """:func:`export_frame` of successive slices of ``size`` rows (at least one, maybe empty), so
    that a writer holds one slice of the export at a time, never the whole table twice."""
    n = len(projects)
    for start in range(0, max(n, 1), size):
        yield export_frame(projects.iloc[start:start + size])


def _xml(value) -> str:
    """Text for an XML element: valid XML characters only, ``& < >`` escaped."""
    from xml.sax.saxutils import escape

    return escape(xml_safe(value))


def _kml_head(title: str, industries, colours) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n <Document>\n',
             f"  <name>{_xml(_clean(title))}</name>\n"]
    for k, industry in enumerate(industries):
        parts.append(f'  <Style id="industry-{k}">\n   <IconStyle>\n'
                     f"    <color>{_kml_colour(colours.get(industry, DEFAULT_COLOUR))}</color>\n"
                     "    <scale>1.1</scale>\n   </IconStyle>\n   <LabelStyle>\n    <scale>0.8</scale>\n"
                     "   </LabelStyle>\n  </Style>\n")
    return "".join(parts)


def _placemark(row, style_ids) -> str:
    """One Placemark (text), or "" for a row without finite coordinates."""
    lon, lat = row.get("lon"), row.get("lat")
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        return ""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return ""
    ident = row.get("id")
    attr = "" if _is_missing(ident) or ident == "" else f' id="p-{re.sub(r"[^0-9A-Za-z_.-]", "_", _text(ident))}"'
    parts = [f"  <Placemark{attr}>\n   <name>{_xml(_text(row.get('name')) or _text(ident))}</name>\n",
             f"   <description>{_xml(_popup_html(row))}</description>\n",
             f"   <styleUrl>#{style_ids.get(_text(row.get('industry')), 'industry-0')}</styleUrl>\n",
             "   <ExtendedData>\n"]
    for key in EXPORT_COLUMNS:
        if key in row and key not in ("lon", "lat"):
            parts.append(f'    <Data name="{key}">\n     <displayName>{_xml(HEADERS_ZH.get(key, key))}</displayName>\n'
                         f"     <value>{_xml(_text(row[key]))}</value>\n    </Data>\n")
    parts.append(f"   </ExtendedData>\n   <Point>\n    <coordinates>{lon:.7f},{lat:.7f}</coordinates>\n"
                 "   </Point>\n  </Placemark>\n")
    return "".join(parts)


def kml_chunks(chunks, *, industries, title: str = "绍兴招商项目 Shaoxing projects", colours=None):
    """KML text, a piece per slice of :func:`export_chunks`: one Placemark per row that has
    coordinates, a style per industry.

    Parameters
    ----------
    chunks : iterable of pandas.DataFrame
        Slices from :func:`export_frame` (``lon``/``lat`` WGS-84).
    industries : iterable of str
        Every industry of the whole table (the styles come before the placemarks).
    title : str
        The document's name.
    colours : dict, optional
        Industry → ``#rrggbb``; industries missing from it (and all, without it) get one colour.

    Yields
    ------
    str
    """
    colours = dict(colours or {})
    industries = sorted({_text(v) for v in industries}) or [""]
    style_ids = {industry: f"industry-{k}" for k, industry in enumerate(industries)}
    yield _kml_head(title, industries, colours)
    for frame in chunks:
        yield "".join(_placemark(row, style_ids) for row in frame.to_dict("records"))
    yield " </Document>\n</kml>\n"


def to_kml(frame, *, title: str = "绍兴招商项目 Shaoxing projects", colours=None) -> bytes:
    """KML (UTF-8 bytes) of a whole :func:`export_frame` (see :func:`kml_chunks`)."""
    industries = frame["industry"] if "industry" in frame.columns else [""]
    return "".join(kml_chunks([frame], industries=industries, title=title, colours=colours)).encode("utf-8")


def _popup_html(row) -> str:
    """The popup: a small HTML table whose every value is escaped (the XML writer escapes it again)."""
    lines = []
    for key in POPUP_FIELDS:
        if key not in row:
            continue
        if key == "investment":
            value = _amount(row)
        elif key == "location_precision":
            value = PRECISION_ZH.get(_text(row[key]), _text(row[key]))
        else:
            value = _text(row[key])
        if value:
            lines.append(f"<tr><th>{html.escape(HEADERS_ZH.get(key, key))}</th><td>{html.escape(value)}</td></tr>")
    return "<table>" + "".join(lines) + "</table>"


def csv_chunks(chunks):
    """CSV text (header first), a piece per slice, with formula-looking text (headers included)
    neutralised."""
    import csv

    for k, frame in enumerate(chunks):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if k == 0:
            writer.writerow([neutralise_formula(_clean(str(c))) for c in frame.columns])
        for row in frame.itertuples(index=False):
            writer.writerow([neutralise_formula(_text(v)) if isinstance(v, str) else ("" if _is_missing(v) else v)
                             for v in row])
        yield buffer.getvalue()


def to_csv_text(frame) -> str:
    """CSV text of a whole :func:`export_frame` (see :func:`csv_chunks`)."""
    return "".join(csv_chunks([frame]))


def _xlsx_cell(value, rownum, column, cut):
    """A value as openpyxl should store it: numbers as numbers, text valid in XML, neutralised and
    at most :data:`EXCEL_CELL_LIMIT` characters (a longer one is cut and listed in ``cut``)."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        text = neutralise_formula(_clean(value))
        if len(text) > EXCEL_CELL_LIMIT:
            cut.append((rownum, column, len(text)))
            text = text[:EXCEL_CELL_LIMIT - 1] + "…"
        return text
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _describe_cuts(cut, limit: int = 10) -> str:
    first = ", ".join(f"row {r} column {c!r} ({n:,} characters)" for r, c, n in cut[:limit])
    more = f" and {len(cut) - limit} more" if len(cut) > limit else ""
    return (f"{len(cut)} cell(s) are longer than Excel's {EXCEL_CELL_LIMIT:,} characters and were cut, ending "
            f"in …: {first}{more} (单元格超过 Excel 上限，已截断; the CSV and GeoPackage exports keep the whole text)")


def write_xlsx(file, chunks, sheet: str = "项目 projects", notes=None) -> None:
    """Write an XLSX workbook to ``file`` (a path or binary file), slice by slice with openpyxl's
    write-only mode (memory stays flat): Chinese headers, numbers as numbers, text neutralised and
    valid in XML. Over Excel's 1,048,576 rows the rows go on to another sheet; cells over 32,767
    characters are cut, and both are said in ``notes`` (a list) and on a sheet 说明 notes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    ws, columns, sheets, filled, cut = None, None, 0, 0, []
    for frame in chunks:
        if columns is None:
            columns = [str(c) for c in frame.columns]
        for row in frame.itertuples(index=False):
            if ws is None or filled >= EXCEL_ROW_LIMIT:
                sheets += 1
                ws = _xlsx_sheet(workbook, sheet if sheets == 1 else f"{sheet[:27]} {sheets}", columns)
                filled = 1
            filled += 1
            ws.append([_xlsx_cell(v, filled, c, cut) for v, c in zip(row, columns)])
    if ws is None:
        _xlsx_sheet(workbook, sheet, columns or [])
    said = []
    if sheets > 1:
        said.append(f"more rows than an Excel sheet holds ({EXCEL_ROW_LIMIT - 1:,}): they continue on {sheets} "
                    "sheets, each with the header (超过单表行数上限，分为多个工作表)")
    if cut:
        said.append(_describe_cuts(cut))
    if said:
        notes_sheet = workbook.create_sheet("说明 notes")
        header = WriteOnlyCell(notes_sheet, value="说明 notes")
        header.font = Font(bold=True)
        notes_sheet.append([header])
        for line in said:
            notes_sheet.append([line])
        for r, c, n in cut[:10_000]:
            notes_sheet.append([f"row {r}", c, f"{n} characters"])
        if notes is not None:
            notes.extend(said)
    workbook.save(file)


def _xlsx_sheet(workbook, title, columns):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    ws = workbook.create_sheet(xml_safe(title)[:31])
    ws.freeze_panes = "A2"
    cells = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=neutralise_formula(_clean(HEADERS_ZH.get(column, column))))
        cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)
    return ws


def to_xlsx_bytes(frame, sheet: str = "项目 projects", notes=None) -> bytes:
    """An XLSX workbook (bytes) of a whole :func:`export_frame` (see :func:`write_xlsx`)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, [frame], sheet, notes)
    return buffer.getvalue()


def _gpkg_frame(frame):
    import geopandas as gpd
    import pandas as pd

    data = frame.copy()
    for column in data.columns:
        if data[column].dtype == object or str(data[column].dtype).startswith(("str", "string")):
            data[column] = data[column].map(lambda v: None if _is_missing(v) else str(_clean(v))).astype(object)
    data.columns = [_clean(str(c)) for c in data.columns]
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    geometry = gpd.points_from_xy(lon, lat, crs="EPSG:4326")
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


def write_gpkg(path, chunks, layer: str = LAYER) -> None:
    """A GeoPackage at ``path`` with one point layer in EPSG:4326, written by pyogrio a slice at
    a time (the first creates the layer, the others append)."""
    import pyogrio

    for k, frame in enumerate(chunks):
        pyogrio.write_dataframe(_gpkg_frame(frame), path, layer=layer, driver="GPKG", append=k > 0)


def to_gpkg_bytes(frame, layer: str = LAYER) -> bytes:
    """A GeoPackage (bytes) of a whole :func:`export_frame` (see :func:`write_gpkg`)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sxmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        write_gpkg(path, [frame], layer)
        return path.read_bytes()


def geojson_chunks(chunks):
    """A GeoJSON FeatureCollection of points (WGS-84), a piece per slice; the same text as
    :func:`geo.tables.format_geojson` of the whole table, text valid anywhere JSON goes."""
    from sxmap.geo.tables import geojson_point_chunks

    return geojson_point_chunks(frame.map(_clean) for frame in chunks)


def export_projects(projects, output, fmt=None, *, overwrite: bool = False, inputs=(), colours=None,
                    title=None, notes=None) -> Path:
    """Write the projects to ``output`` as KML, GeoPackage, GeoJSON, CSV or XLSX.

    Parameters
    ----------
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table (``lon``/``lat`` in WGS-84).
    output : str or pathlib.Path
        The file to write.
    fmt : {"kml", "gpkg", "geojson", "csv", "xlsx"}, optional
        Default: from the extension of ``output``.
    overwrite : bool
        Replace an existing file.
    inputs : sequence of path
        Files that must not be overwritten (the projects file).
    colours : dict, optional
        Industry → ``#rrggbb`` for the KML styles.
    title : str, optional
        The KML document's name.
    notes : list, optional
        Receives what the user should know about the file (XLSX cells cut at Excel's limit …).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    UsageError
        Unknown or contradictory format; the output exists (without ``overwrite``) or is an input.

    Examples
    --------
    >>> export_projects(load_projects(), "projects.kml")        # doctest: +SKIP
    """
    from sxmap.geo.output import atomic_path, atomic_write, check_output_path

    fmt = infer_format(output, fmt)
    path = check_output_path(output, overwrite=overwrite, inputs=inputs)
    chunks = export_chunks(projects)
    if fmt == "gpkg":
        with atomic_path(path, overwrite=overwrite, inputs=inputs) as name:
            write_gpkg(name, chunks)
        return path
    with atomic_write(path, mode="wb", encoding=None, overwrite=overwrite, inputs=inputs) as f:
        if fmt == "xlsx":
            write_xlsx(f, chunks, notes=notes)
            return path
        if fmt == "kml":
            industries = projects["industry"].unique() if "industry" in projects.columns else [""]
            pieces = kml_chunks(chunks, industries=industries, title=title or "绍兴招商项目 Shaoxing projects",
                                colours=colours)
        elif fmt == "csv":
            pieces = csv_chunks(chunks)
        else:
            pieces = geojson_chunks(chunks)
        for piece in pieces:
            f.write(piece.encode("utf-8"))
    return path

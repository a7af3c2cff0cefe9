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
_FORMULA_START_SET = frozenset(_FORMULA_START + ("＝", "＋", "－", "＠"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# the same, and what XML forbids, but NUL (the separator of a column's values cleaned at once)
_CONTROL_BUT_NUL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NOT_XML_BUT_NUL = re.compile("[^\x00\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID_UNSAFE = re.compile(r"[^0-9A-Za-z_.-]")


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
    from sxmap.geo.region import active

    outside = active().outside_label("zh")
    frame["district_zh"] = [BY_ADCODE[c].name_zh if c in BY_ADCODE else outside for c in codes]
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


def _float_text(value: float) -> str:
    if value != value:
        return ""
    return f"{value:g}" if value.is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")


def _column_texts(series) -> list[str]:
    """:func:`_text` of every value of a column, a column at a time (cleaning runs once over the
    column joined by NUL, which cleaning removes from the values themselves)."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_float_dtype(series.dtype):
        return [_float_text(v) for v in series.to_numpy(dtype=float, na_value=np.nan).tolist()]
    missing = series.isna().to_numpy(dtype=bool)
    texts = ["" if m else (v if type(v) is str else _float_text(v) if isinstance(v, float) else str(v))
             for v, m in zip(series.tolist(), missing)]
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):  # a value holds NUL: clean one by one
        return [_clean(t) for t in texts]
    cleaned = _NOT_XML_BUT_NUL.sub("", _CONTROL_BUT_NUL.sub("", unicodedata.normalize("NFC", joined)))
    return cleaned.split("\x00") if texts else []


def _escaped(texts, escape) -> list[str]:
    """``escape`` (XML or HTML) of every text (cleaned: no NUL), in one call over them all."""
    return escape("\x00".join(texts)).split("\x00") if texts else []


def _popups(frame, texts) -> list[str]:
    """Every row's popup (:func:`_popup_html`) already escaped for the XML document."""
    from xml.sax.saxutils import escape

    n = len(frame)
    fields = []
    for key in POPUP_FIELDS:
        if key not in frame.columns:
            continue
        if key == "investment":
            values = _amounts(frame, texts)
        elif key == "location_precision":
            values = [PRECISION_ZH.get(t, t) for t in texts[key]]
        else:
            values = texts[key]
        cells = _escaped(_escaped(values, html.escape), escape)
        head = escape(f"<tr><th>{html.escape(HEADERS_ZH.get(key, key))}</th><td>")
        fields.append((head, cells))
    tail, start, end = escape("</td></tr>"), escape("<table>"), escape("</table>")
    return [start + "".join(head + cells[i] + tail for head, cells in fields if cells[i]) + end for i in range(n)]


def _amounts(frame, texts) -> list[str]:
    """The investment as the popup says it (``≥ 12.5 亿元``), "" when unknown."""
    bounds = texts.get("investment_bound") or [""] * len(frame)
    return ["" if not t else f"{ {'min': '≥ ', 'approx': '≈ '}.get(b, '')}{t} 亿元"
            for t, b in zip(texts["investment"], bounds)]


def _placemarks(frame, style_ids, step: int = 2_000):
    """The Placemarks of a slice (text), ``step`` rows a piece; rows without finite coordinates
    are left out."""
    import numpy as np
    import pandas as pd
    from xml.sax.saxutils import escape

    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(lon) & np.isfinite(lat)
    texts = {key: _column_texts(frame[key]) for key in frame.columns if key in EXPORT_COLUMNS}
    extended = [k for k in EXPORT_COLUMNS if k in texts and k not in ("lon", "lat")]
    xml = {key: _escaped(texts[key], escape) for key in extended}
    popups = _popups(frame, texts)
    empty = [""] * len(frame)
    ids, names = texts.get("id", empty), xml.get("name", empty)
    industries = texts.get("industry", empty)
    labels = {k: f'    <Data name="{k}">\n     <displayName>{escape(HEADERS_ZH.get(k, k))}</displayName>\n     <value>'
              for k in extended}
    for start in range(0, len(frame), step):
        parts = []
        for i in np.flatnonzero(keep[start:start + step]) + start:
            ident = ids[i]
            attr = f' id="p-{_ID_UNSAFE.sub("_", ident)}"' if ident else ""
            data = "".join(labels[k] + xml[k][i] + "</value>\n    </Data>\n" for k in extended)
            parts.append(f"  <Placemark{attr}>\n   <name>{names[i] or escape(ident)}</name>\n"
                         f"   <description>{popups[i]}</description>\n"
                         f"   <styleUrl>#{style_ids.get(industries[i], 'industry-0')}</styleUrl>\n"
                         f"   <ExtendedData>\n{data}   </ExtendedData>\n"
                         f"   <Point>\n    <coordinates>{lon[i]:.7f},{lat[i]:.7f}</coordinates>\n   </Point>\n"
                         "  </Placemark>\n")
        yield "".join(parts)


def kml_title() -> str:
    """The KML document's default name: 绍兴招商项目 Shaoxing projects (the region in use's)."""
    from sxmap.geo.region import active

    region = active()
    return f"{region.short_zh}招商项目 {region.name_en} projects"


def kml_chunks(chunks, *, industries, title: str | None = None, colours=None):
    """KML text, a piece per 2,000 rows of the slices of :func:`export_chunks`: one Placemark per
    row that has coordinates, a style per industry.

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
    yield _kml_head(title or kml_title(), industries, colours)
    for frame in chunks:
        yield from _placemarks(frame, style_ids)
    yield " </Document>\n</kml>\n"


def to_kml(frame, *, title: str | None = None, colours=None) -> bytes:
    """KML (UTF-8 bytes) of a whole :func:`export_frame` (see :func:`kml_chunks`)."""
    industries = frame["industry"] if "industry" in frame.columns else [""]
    return "".join(kml_chunks([frame], industries=industries, title=title, colours=colours)).encode("utf-8")


_LONE_CR = re.compile(r"\r(?!\n)")


def _csv_column(series) -> list:
    """A column's CSV cells: text cleaned and neutralised, numbers as they are, missing as ""."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        missing = series.isna().to_numpy(dtype=bool)
        return ["" if m else v for v, m in zip(series.tolist(), missing)]
    texts = _column_texts(series)
    cells = [neutralise_formula(t) if t[:1] in _FORMULA_START_SET else t for t in texts]
    # a lone carriage return (an old Mac line break) is written as a line break, so that the csv
    # module quotes the cell: its writer quotes "\n" (our line terminator) but not a bare "\r"
    return [_LONE_CR.sub("\n", c) if "\r" in c else c for c in cells]


def csv_chunks(chunks):
    """CSV text (header first), a piece per slice, with formula-looking text (headers included)
    neutralised; built a column at a time."""
    import csv

    for k, frame in enumerate(chunks):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if k == 0:
            writer.writerow([neutralise_formula(_clean(str(c))) for c in frame.columns])
        writer.writerows(zip(*[_csv_column(frame[c]) for c in frame.columns]))
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


def gpkg_column_names(names) -> list:
    """Column names a GeoPackage layer accepts: ``fid`` and ``geom`` (its key and geometry
    columns) and names equal but for case (SQLite does not tell ``FID`` from ``fid``) get
    ``_source`` after them.

    Examples
    --------
    >>> gpkg_column_names(["name", "fid", "FID", "geom"])
    ['name', 'fid_source', 'FID_source_', 'geom_source']
    """
    taken = {"fid", "geom", "geometry"}
    out = []
    for name in map(str, names):
        new = name
        if new.lower() in taken:
            new += "_source"
        while new.lower() in taken:
            new += "_"
        taken.add(new.lower())
        out.append(new)
    return out


def _gpkg_schema(frame):
    """The layer's Arrow schema from a slice: numbers as numbers, everything else text, and the
    point as WKB (fixed once, so that every slice has the same field types)."""
    import pandas as pd
    import pyarrow as pa

    fields = []
    names = gpkg_column_names(_clean(str(column)) for column in frame.columns)
    for column, name in zip(frame.columns, names):
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kind = pa.bool_()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(dtype):
            kind = pa.float64()
        else:
            kind = pa.string()
        fields.append(pa.field(name, kind))  # fid, geom: GeoPackage's own columns, the user's renamed
    return pa.schema([*fields, pa.field("geometry", pa.binary())])


def _gpkg_batch(frame, schema):
    """A slice as an Arrow record batch of ``schema``: text cleaned, WKB points (null without
    finite coordinates)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import shapely

    arrays = []
    for column, field in zip(frame.columns, schema):
        series = frame[column]
        if pa.types.is_string(field.type):
            missing = series.isna().to_numpy(dtype=bool)
            values = [None if m else t for t, m in zip(_column_texts(series), missing)]
            arrays.append(pa.array(values, type=pa.string()))
        else:
            arrays.append(pa.array(series.to_numpy(dtype=object, na_value=None), type=field.type))
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    points = shapely.points(lon, lat)
    points[~(np.isfinite(lon) & np.isfinite(lat))] = None
    arrays.append(pa.array(shapely.to_wkb(points), type=pa.binary()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_gpkg(path, chunks, layer: str = LAYER) -> None:
    """A GeoPackage at ``path`` with one point layer in EPSG:4326, streamed slice by slice to GDAL
    through Arrow (one dataset open; the spatial index built once at the end)."""
    import pyarrow as pa
    import pyogrio

    chunks = iter(chunks)
    first = next(chunks)
    schema = _gpkg_schema(first)

    def batches():
        yield _gpkg_batch(first, schema)
        for frame in chunks:
            yield _gpkg_batch(frame, schema)

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    pyogrio.write_arrow(reader, path, layer=layer, driver="GPKG", geometry_name="geometry", geometry_type="Point",
                        crs="EPSG:4326")


def to_gpkg_bytes(frame, layer: str = LAYER) -> bytes:
    """A GeoPackage (bytes) of a whole :func:`export_frame` (see :func:`write_gpkg`)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sxmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        write_gpkg(path, [frame], layer)
        return path.read_bytes()


def _json_column(series) -> list:
    """A column's JSON values: text cleaned, numbers as Python numbers, missing as None."""
    import pandas as pd

    missing = series.isna().to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.tolist()
    else:
        values = _column_texts(series)
    return [None if m else v for v, m in zip(values, missing)]


def geojson_chunks(chunks):
    """A GeoJSON FeatureCollection of points (WGS-84), a piece per slice; the same text as
    :func:`geo.tables.format_geojson` of the whole table, text cleaned as for every export."""
    import json

    yield '{"type": "FeatureCollection", "features": ['
    n = 0
    for frame in chunks:
        columns = [str(c) for c in frame.columns]
        values = [_json_column(frame[c]) for c in frame.columns]
        pieces = []
        for row in zip(*values):
            properties = dict(zip(columns, row))
            lon, lat = properties.get("lon"), properties.get("lat")
            geometry = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
            feature = {"type": "Feature", "properties": properties, "geometry": geometry}
            pieces.append((", " if n else "") + json.dumps(feature, ensure_ascii=False))
            n += 1
        yield "".join(pieces)
    yield "]}\n"


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
            pieces = kml_chunks(chunks, industries=industries, title=title or kml_title(),
                                colours=colours)
        elif fmt == "csv":
            pieces = csv_chunks(chunks)
        else:
            pieces = geojson_chunks(chunks)
        for piece in pieces:
            f.write(piece.encode("utf-8"))
    return path

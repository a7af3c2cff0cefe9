"""Exporting located projects to the tools users already have: KML, GeoPackage, GeoJSON, CSV, XLSX.

- **KML** (Google Earth, 奥维互动地图): one Placemark per project, WGS-84, named by the project, a
  description with the popup fields, and a style per industry (the icon tinted with the
  industry's colour). Written with ``xml.etree.ElementTree``, which escapes every text; the
  description is HTML whose values are escaped first (KML descriptions are HTML).
- **GeoPackage** (QGIS, GDAL): one point layer ``projects`` in EPSG:4326, written by pyogrio.
- **GeoJSON**: a FeatureCollection of points (RFC 7946, WGS-84).
- **CSV** and **XLSX** (Excel): a row per project with the district its point lies in, its
  township (from its address) and the location precision; text that a spreadsheet would run as
  a formula (beginning with = + - @, tab or CR) gets a leading apostrophe (:func:`neutralise_formula`).

Every file is written atomically (a temporary file renamed into place) after
:func:`geo.output.check_output_path`.
"""

from __future__ import annotations

from sxmap.geo.output import neutralise_formula  # noqa: F401 - one rule for every CSV/XLSX writer

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
    """Strings without control or bidi-override characters (XML and openpyxl refuse some)."""
    if isinstance(value, str):
        return _CONTROL.sub("", unicodedata.normalize("NFC", value))
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


def to_kml(frame, *, title: str = "绍兴招商项目 Shaoxing projects", colours=None) -> bytes:
    """KML (UTF-8 bytes) with one Placemark per row that has coordinates.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`export_frame` (``lon``/``lat`` WGS-84).
    title : str
        The document's name.
    colours : dict, optional
        Industry → ``#rrggbb``; industries missing from it (and all, without it) get one colour.

    Returns
    -------
    bytes
    """
    import xml.etree.ElementTree as ET

    colours = dict(colours or {})
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)

    def sub(parent, tag, text=None, **attrib):
        element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrib)
        if text is not None:
            element.text = text
        return element

    root = ET.Element(f"{{{ns}}}kml")
    document = sub(root, "Document")
    sub(document, "name", _clean(title))
    industries = sorted({_text(v) for v in frame["industry"]}) if "industry" in frame.columns else [""]
    style_ids = {}
    for k, industry in enumerate(industries):
        style_ids[industry] = f"industry-{k}"
        style = sub(document, "Style", id=f"industry-{k}")
        icon = sub(style, "IconStyle")
        sub(icon, "color", _kml_colour(colours.get(industry, DEFAULT_COLOUR)))
        sub(icon, "scale", "1.1")
        label = sub(style, "LabelStyle")
        sub(label, "scale", "0.8")
    for row in frame.to_dict("records"):
        lon, lat = row.get("lon"), row.get("lat")
        if _is_missing(lon) or _is_missing(lat) or not (math.isfinite(float(lon)) and math.isfinite(float(lat))):
            continue
        placemark = sub(document, "Placemark")
        if row.get("id") not in (None, "") and not _is_missing(row.get("id")):
            placemark.set("id", "p-" + re.sub(r"[^0-9A-Za-z_.-]", "_", _text(row["id"])))
        sub(placemark, "name", _text(row.get("name")) or _text(row.get("id")))
        sub(placemark, "description", _popup_html(row))
        sub(placemark, "styleUrl", "#" + style_ids.get(_text(row.get("industry")), "industry-0"))
        extended = sub(placemark, "ExtendedData")
        for key in EXPORT_COLUMNS:
            if key in row and key not in ("lon", "lat"):
                data = sub(extended, "Data", name=key)
                sub(data, "displayName", HEADERS_ZH.get(key, key))
                sub(data, "value", _text(row[key]))
        point = sub(placemark, "Point")
        sub(point, "coordinates", f"{float(lon):.7f},{float(lat):.7f}")
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


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


def to_csv_text(frame) -> str:
    """CSV text (header first) with formula-looking text neutralised."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for row in frame.itertuples(index=False):
        writer.writerow([neutralise_formula(_text(v)) if isinstance(v, str) else ("" if _is_missing(v) else v)
                         for v in row])
    return buffer.getvalue()


def to_xlsx_bytes(frame, sheet: str = "项目 projects") -> bytes:
    """An XLSX workbook (bytes): Chinese headers, numbers as numbers, text neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet[:31]
    ws.append([HEADERS_ZH.get(c, str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if _is_missing(value):
                cells.append(None)
            elif isinstance(value, str):
                cells.append(neutralise_formula(_clean(value)))
            elif hasattr(value, "item"):
                cells.append(value.item())
            else:
                cells.append(value)
        ws.append(cells)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
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


def to_gpkg_bytes(frame, layer: str = LAYER) -> bytes:
    """A GeoPackage (bytes) with one point layer in EPSG:4326, written by pyogrio."""
    import tempfile

    import geopandas as gpd
    import pandas as pd

    data = frame.copy()
    for column in data.columns:
        if data[column].dtype == object or str(data[column].dtype).startswith(("str", "string")):
            data[column] = data[column].map(lambda v: None if _is_missing(v) else str(_clean(v))).astype(object)
    lon = pd.to_numeric(data["lon"], errors="coerce")
    lat = pd.to_numeric(data["lat"], errors="coerce")
    geometry = gpd.points_from_xy(lon, lat, crs="EPSG:4326")
    data.columns = gpkg_column_names(data.columns)
    gdf = gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")
    with tempfile.TemporaryDirectory(prefix="sxmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def export_projects(projects, output, fmt=None, *, overwrite: bool = False, inputs=(), colours=None,
                    title=None) -> Path:
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
    from sxmap.geo.output import atomic_write, check_output_path

    fmt = infer_format(output, fmt)
    path = check_output_path(output, overwrite=overwrite, inputs=inputs)
    frame = export_frame(projects)
    if fmt == "kml":
        data = to_kml(frame, title=title or "绍兴招商项目 Shaoxing projects", colours=colours)
    elif fmt == "gpkg":
        data = to_gpkg_bytes(frame)
    elif fmt == "xlsx":
        data = to_xlsx_bytes(frame)
    elif fmt == "csv":
        data = to_csv_text(frame).encode("utf-8")
    else:
        from sxmap.geo.tables import format_geojson

        data = format_geojson(frame.map(_clean) if hasattr(frame, "map") else frame).encode("utf-8")
    with atomic_write(path, mode="wb", encoding=None) as f:
        f.write(data)
    return path

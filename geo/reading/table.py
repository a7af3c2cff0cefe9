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
3. ``township``: else the seat of the township its address names (:mod:`geo.seats`), when that
   township lies in the row's district;
4. ``district``: else the anchor of its district (:func:`geo.boundaries.district_anchor`).

A row with none of these is an error. A point outside the district the row states is kept and
reported (:attr:`ReadReport.warnings`); ``district_located`` shows where it lies.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sxmap.geo.errors import DataError, DataErrors, UsageError
from sxmap.geo.imports import import_quietly
from sxmap.geo.parallel import in_background
from sxmap.geo.reading.amounts import BOUND_CODES, read_amounts
from sxmap.geo.reading.columns import all_distinct, pick_words, read_table_from_raw, strings
from sxmap.geo.reading.coordinates import read_coordinates
from sxmap.geo.reading.dates import read_years
from sxmap.geo.reading.headers import header_keys, list_headers, match_columns
from sxmap.geo.reading.layout import section_rows, unstack_headers
from sxmap.geo.reading.places import PRECISION_CODES, addresses, locate_rows, platform_or_address, read_districts
from sxmap.geo.reading.report import ReadReport, file_warnings, rejects_frame
from sxmap.geo.reading.rows import TEXT_FIELDS, Rows, blank_note, heading_note, usd_note
from sxmap.geo.sources import read_raw

log = logging.getLogger("sxmap")


def read_projects(path, *, sheet=None, layer=None, columns=None, unit="亿元", usd_rate=None, crs=None,
                  skip_invalid=False, rejects=None, fields=None, geometry=True, sliced=False):
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
    crs : str, optional
        What the coordinates are in: wgs84, gcj02, bd09, or anything pyproj accepts (EPSG:4490,
        EPSG:4549, EPSG:4528, a PROJ string). GIS files keep the CRS they declare. ``None`` (the
        default): the datum a header names (经度(GCJ-02)), else the one of WGS-84, GCJ-02 and
        BD-09 that puts the points in the districts the rows state (:mod:`geo.datum`), else WGS-84.
    skip_invalid : bool
        Keep going without the bad rows; they are returned, with a ``reason`` column, in
        ``attrs["rejects"]`` for the caller to write.
    rejects : str or pathlib.Path, optional
        Accepted for the caller's benefit (it writes the file); must come with ``skip_invalid``.
    fields : collection of str, optional
        Only these canonical fields are needed (others are not read, where the format allows).
    geometry : bool
        Return a GeoDataFrame with point geometries (default), or a plain DataFrame.
    sliced : bool
        Read a large UTF-8 CSV in slices of rows (:mod:`geo.reading.slices`), each through the
        same pipeline, holding only the canonical ``fields`` of the rows read so far: for callers
        that aggregate (``sxmap stats``). Other files, and tables with an id column (repeated ids
        are compared over the whole table), are read whole.

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
                                  geometry=geometry, sliced=sliced)
    if report.rejected_rows:
        log.warning("%s: skipped %d invalid row(s) (跳过无效行)", report.path, report.rejected_rows)
    frame = report.projects
    frame.attrs["warnings"] = list(report.warnings)
    frame.attrs["skipped"] = report.rejected_rows
    frame.attrs["datum"] = report.datum.as_dict() if report.datum is not None else None
    frame.attrs["notes"] = list(report.notes)  # how it was read (total rows dropped …), for the report's caveats
    frame.attrs["rejects"] = report.rejects
    return frame


def read_projects_report(path, *, sheet=None, layer=None, columns=None, unit="亿元", usd_rate=None,
                         crs=None, skip_invalid=False, rejects=None, fields=None, geometry=True,
                         sliced=False) -> ReadReport:
    """Like :func:`read_projects`, returning a :class:`ReadReport` (the table and what was found).

    Raises the same errors as :func:`read_projects`.
    """
    from sxmap.geo.amounts import check_usd_rate, unit_factor
    from sxmap.geo.crs import resolve_crs

    path = Path(path)
    crs = resolve_crs(crs) if crs is not None else None
    unit_factor(unit)
    usd_rate = check_usd_rate(usd_rate)
    if rejects is not None and not skip_invalid:
        raise UsageError("--rejects is only used with --skip-invalid")
    known = header_keys((columns or {}).values())
    wanted = None
    if fields is not None:
        need = set(fields) | {"name", "lon", "lat", "x", "y", "district", "platform", "location_precision", "address"}

        def only_needed(headers):
            if "" in headers or len(set(headers)) < len(headers):  # maybe a header over two rows
                return list(range(len(headers)))
            cmap = match_columns(headers, columns, require_name=False)
            # column 0 too: a section heading or 合计 sits under 序号 where the name is empty
            return sorted({0} | {i for name, i in cmap.fields.items() if name in need or name.startswith("investment")})

        wanted = only_needed
    from sxmap.geo.progress import stages

    with stages(f"sxmap {path.name}", ["读取 reading", "整理 normalising", "定位 locating"]) as step:
        step("读取 reading")
        options = dict(columns=columns, unit=unit, usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid,
                       fields=fields, geometry=geometry, known=known, wanted=wanted)
        report = _read_in_slices(path, step, **options) if sliced and sheet is None and layer is None else None
        if report is None:
            report = _read_and_normalise(path, step, sheet=sheet, layer=layer, **options)
    return report


def _read_in_slices(path, step, *, columns, unit, usd_rate, crs, skip_invalid, fields, geometry, known, wanted):
    """The report of a large delimited file read slice by slice (:mod:`geo.reading.slices`), or
    None when it is to be read whole: fewer rows than :data:`~geo.reading.slices.SLICED_FROM`, not a
    UTF-8 CSV, a row the streaming parser cannot take, a header the whole read explains better (it
    names the problem), an id column."""
    from sxmap.geo.reading.slices import Folded, slicing
    from sxmap.geo.sources import NotSliced, csv_slices

    folded, cmap, rows, done = Folded(fields), None, None, set()
    size, at_least = slicing()
    if not size:
        return None

    def once(name):  # the progress line counts each stage once, whatever the number of slices
        if name not in done:
            done.add(name)
            step(name)

    try:
        for raw in csv_slices(path, header_keys=known, columns_wanted=wanted, rows=size, at_least=at_least):
            if cmap is None:
                unstack_headers(raw)
                cmap = match_columns(raw.headers, columns, require_name=fields is None or "name" in fields)
                crs = _header_datum(path, raw, cmap, crs)
                if "id" in cmap.fields:
                    return None
            else:
                raw.headers = rows.raw.headers  # (a header over two rows: merged in the first slice)
            rows = _next_slice(rows, Rows(path, raw, cmap, unit=cmap.investment_unit or unit, usd_rate=usd_rate,
                                          crs=crs, skip_invalid=True, geometry=geometry, step=once))
            folded.add(rows, normalise(rows))
    except (NotSliced, DataError):  # (bad rows are not raised here: they are collected)
        return None
    return folded.report(rows, skip_invalid)


def _next_slice(before, rows):
    """``rows``, a slice, set to go on from the slice ``before`` (None for the first): the datum
    decided, the section heading open, the notes on the file said once."""
    rows.whole_table = False
    if before is not None:
        rows.notes = []
        rows.datum, rows.crs = before.datum, before.crs
        rows.section_path = before.section_path
    return rows


def _read_and_normalise(path, step, *, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, fields, geometry,
                        known, wanted):
    import_quietly("numpy", "pyarrow")  # here, not by two threads at once

    warm = in_background(_import_pandas)  # while the file is read: pyarrow parses it without holding the GIL
    try:
        raw = read_raw(path, sheet=sheet, layer=layer, header_keys=known, columns_wanted=wanted)
        if raw.points is not None and not len(raw):
            raise DataError(f"the {raw.kind} file has no features (没有要素)", path=path,
                            hint="export the layer again with its projects, or give a CSV/.xlsx table")
        unstack_headers(raw)
        cmap = match_columns(raw.headers, columns, require_name=fields is None or "name" in fields)
    except DataError as exc:
        if exc.path is None:
            sheets = getattr(locals().get("raw"), "sheets", [])
            hint = exc.hint if len(sheets) < 2 else f"{exc.hint}; this is sheet {raw.sheet!r}, the workbook also has " \
                + ", ".join(repr(n) for n in sheets if n != raw.sheet) + ": choose one with --sheet"
            raise DataError(exc.message, path=path, row=getattr(locals().get("raw"), "header_row", None) or None,
                            value=exc.value, hint=hint) from None
        raise
    crs = _header_datum(path, raw, cmap, crs)
    step("整理 normalising")
    warm.result()
    rows = Rows(path, raw, cmap, unit=cmap.investment_unit or unit, usd_rate=usd_rate, crs=crs,
                skip_invalid=skip_invalid, geometry=geometry, step=step)
    if raw.kind == "Excel" and raw.sheet:  # the sheet's XML inflated on the other core meanwhile
        from sxmap.geo.reading.excel import error_cells

        rows.excel_errors = in_background(error_cells, path, raw.sheet)
    return normalise(rows)


def _header_datum(path, raw, cmap, crs):
    """The datum of the coordinates: the one the headers name (经度(GCJ-02), 纬度（百度）) over the
    default; a different datum given with ``--crs`` is a usage error."""
    if cmap.coordinate_crs and cmap.coordinate_crs != crs and crs in (None, "wgs84", "gcj02", "bd09"):
        if crs not in (None, "wgs84"):
            lon_header = raw.headers[cmap.fields.get("lon", cmap.fields.get("x", 0))]
            raise UsageError(f"{path}: the header {lon_header!r} says the coordinates are {cmap.coordinate_crs} "
                             f"but --crs is {crs}; pass --crs {cmap.coordinate_crs}")
        return cmap.coordinate_crs
    return crs


def _import_pandas():
    import_quietly("pandas")


def _ahead(n, names):
    """Work for a second core while the reader parses amounts, dates and districts: the district
    index for locating ``n`` points and whether all ``names`` differ (None when there are none)."""
    import_quietly("shapely")
    from sxmap.geo.locate import prepare

    prepare(n)
    return None if names is None else all_distinct(names)


def normalise(rows) -> ReadReport:
    """The canonical table of ``rows``: every column read, every row placed and located; every
    problem found (strict mode raises them all at once)."""
    import numpy as np
    import pyarrow.compute as pc

    texts = {name: rows.text(name) for name in TEXT_FIELDS if name in rows.cmap.fields}
    rows.ahead = in_background(_ahead, rows.n, texts.get("name") if rows.n > 1 and rows.whole_table else None)
    blank = rows.blank_rows()
    total = rows.total_rows(texts.get("name"), blank)
    heading, sections = section_rows(rows, texts.get("name"), blank | total)
    if heading.any():
        rows.notes.append(heading_note(int(heading.sum())))
    keep = ~blank & ~total & ~heading
    if "name" in texts:
        empty = np.asarray(pc.equal(texts["name"], "").to_numpy(zero_copy_only=False), dtype=bool) & keep
        rows.fail_rows(np.flatnonzero(empty), "name",
                       DataError("the project name is empty (项目名称为空)", hint="give every row a name"))
    _file_errors(rows)
    values = _read_columns(rows, texts, keep)
    values["section"] = sections
    rejected_positions, errors_all = _rejected(rows, keep)
    take = np.flatnonzero(keep & ~np.isin(np.arange(rows.n), rejected_positions))
    frame = _canonical_frame(rows, texts, values, take)
    frame = finish(rows, frame, take, values["usd"])
    return build_report(rows, frame, rejected_positions, errors_all, int(blank.sum()))


def _file_errors(rows):
    """Errors the source reported by row: ragged CSV rows, formulas without a saved value."""
    import numpy as np

    for number, cells, width in rows.raw.ragged:
        position = int(np.searchsorted(rows.raw.rownums, number))
        rows.errors.setdefault(position, []).append(DataError(
            f"the row has {len(cells)} cells but the header has {width} (行的单元格多于表头)", path=rows.path,
            row=number, value=",".join(cells[width:])[:200],
            hint="quote values that contain the delimiter (e.g. \"1,300\"), or remove thousands separators"))
    _error_values(rows)
    for row, letter in rows.raw.problems:
        for position in np.flatnonzero(rows.raw.rownums == row):
            rows.errors.setdefault(int(position), []).append(DataError(
                "a formula without a saved value: the cell would read as empty (公式没有计算结果)", path=rows.path,
                row=row, column=f"column {letter}",
                hint="open the workbook in Excel or WPS, let it calculate, and save it again"))


def _error_values(rows):
    """Excel error values (#N/A, #REF! …, in an .xlsx or an .ods) as errors of their rows: calamine reads
    them as empty (or as the 0 an .ods keeps beside the error)."""
    import numpy as np

    _written_error_values(rows)
    if rows.excel_errors is None:
        return
    letters = {letter: i for i, letter in enumerate(rows.raw.letters or [])}
    for row, letter, value in rows.excel_errors.result():
        index = letters.get(letter)
        column = rows.raw.column_label(index) if index is not None else f"column {letter}"
        for position in np.flatnonzero(rows.raw.rownums == row):
            rows.errors.setdefault(int(position), []).append(DataError(
                f"an Excel error value, not data (Excel错误值): {value}", path=rows.path, row=row, column=column,
                value=value, hint="fix the formula in Excel, WPS or LibreOffice (or clear the cell), save, and read the "
                                  "file again"))


def _written_error_values(rows):
    """Excel's error values written out as text (a CSV saved from Excel: ``#N/A``) in the fields
    that take any text (name, company, address …): errors, not names."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from sxmap.geo.reading.excel import ERROR_VALUES

    values = pa.array(ERROR_VALUES, type=pa.large_string())
    for name in ("id", "name", "name_en", "company", "platform", "industry", "stage", "address"):
        if name not in rows.cmap.fields:
            continue
        text = rows.text(name)
        found = np.flatnonzero(np.asarray(pc.is_in(text, value_set=values).to_numpy(zero_copy_only=False), dtype=bool))
        for position in found:
            value = text[int(position)].as_py()
            rows.fail(position, name, DataError(f"an Excel error value, not data (Excel错误值): {value}", value=value,
                                                hint="fix the formula in Excel or WPS (or clear the cell) and save "
                                                     "the table again"))


def _read_columns(rows, texts, keep) -> dict:
    """Every field's column read (districts, years, amounts, coordinates, addresses), and each
    row placed: ``{name: array}``."""
    import numpy as np

    values = {"district": read_districts(rows)}
    values["year"], values["date"] = read_years(rows)
    for name, array in zip(("amount", "bound", "usd", "low", "high"), read_amounts(rows)):
        values[name] = array
    district = values["district"]
    places = addresses(rows, texts["address"], district, keep) if "address" in texts else None
    platforms = texts.get("platform")
    placed_district = district
    if places is not None:
        placed_district = np.where(district > 0, district, places["district"])
        if (places["platform"] != "").any():
            platforms = platform_or_address(rows, platforms, places["platform"])
    rows.stated = placed_district  # the evidence of the datum (geo.datum), weighed in coordinates.checked
    lon, lat, site, coord_failed = read_coordinates(rows)
    values["precision"] = locate_rows(rows, platforms, placed_district, lon, lat, site, coord_failed,
                                      places["township_code"] if places is not None else None)
    values["lon"], values["lat"], values["places"] = lon, lat, places
    values["id"] = rows.identifiers(texts.get("id"), keep)
    return values


def _rejected(rows, keep) -> tuple:
    """``(positions, errors)`` of the kept rows with errors, errors in column order; strict mode
    raises them all."""
    import numpy as np

    error_rows = np.zeros(rows.n, dtype=bool)
    if rows.errors:
        error_rows[list(rows.errors)] = True
    error_rows &= keep
    rejected_positions = np.flatnonzero(error_rows)
    errors_all = []
    order = {label: i for i, label in enumerate(rows.raw.headers)}
    for position in rejected_positions:
        found = rows.errors[int(position)]
        found.sort(key=lambda e: order.get(str(e.column).split("/")[0], len(order)))
        errors_all.extend(found)
    if errors_all and not rows.skip_invalid:
        raise DataErrors(errors_all, path=rows.path)
    return rejected_positions, errors_all


def _codes(array):
    """Positive codes as Int64, <NA> where 0 or below."""
    import numpy as np
    import pandas as pd

    out = pd.array(np.where(array > 0, array, 0), dtype="Int64")
    out[array <= 0] = pd.NA
    return out


def _canonical_frame(rows, texts, values, take):
    """The canonical columns of the rows ``take``, then addresses, dates, ranges and extras."""
    import numpy as np
    import pandas as pd

    district = values["district"]
    data = {}
    for name in ("id", "name", "name_en", "company"):
        data[name] = rows.pick_text(texts.get(name) if name != "id" else values["id"], take)
    data["district"] = _codes(district[take])
    for name in ("platform", "industry"):
        data[name] = rows.pick_text(texts.get(name), take)
    data["year"] = _codes(values["year"][take])
    data["stage"] = rows.pick_text(texts.get("stage"), take)
    data["investment"] = values["amount"][take]
    data["investment_bound"] = pick_words(values["bound"][take], BOUND_CODES)
    data["lon"], data["lat"] = values["lon"][take], values["lat"][take]
    data["location_precision"] = pick_words(values["precision"][take], PRECISION_CODES)
    frame = pd.DataFrame(data)
    if "address" in texts:
        _address_columns(rows, frame, texts["address"], values, take)
    _date_column(rows, frame, values["date"], take)
    if np.isfinite(values["low"][take]).any():
        frame["investment_low"], frame["investment_high"] = values["low"][take], values["high"][take]
    extras = {}
    for index, out in rows.cmap.extras:
        column = rows.raw.columns[index]
        if column is None:
            continue
        extra = rows.pick_text(rows.column_text(index), take)
        if rows.raw.headers[index] or any(extra):
            extras[out] = extra
    frame = _with_columns(frame, extras)
    if values["section"] is not None and "section" not in frame.columns:  # a section column of the table's own wins
        frame["section"] = strings(values["section"][take])
    return frame


def _with_columns(frame, columns: dict):
    """``frame`` with ``columns`` added (or replaced) at once: one concat, not one insert per
    column, which is quadratic in the number of columns (10,000 extra columns took minutes)."""
    import pandas as pd

    for name in [name for name in columns if name in frame.columns]:
        frame[name] = columns.pop(name)
    if not columns:
        return frame
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)


def _address_columns(rows, frame, address, values, take):
    """``address``, ``township_code``, ``township``; the district an address names where none is
    stated."""
    import numpy as np
    import pandas as pd

    places, district = values["places"], values["district"]
    frame["address"] = rows.pick_text(address, take)
    frame["township_code"] = strings(places["township_code"][take])
    frame["township"] = strings(places["township"][take])
    stated_none = (district[take] <= 0) & (places["district"][take] > 0)
    if stated_none.any():
        codes = frame["district"].to_numpy(dtype="int64", na_value=0)
        codes[stated_none] = places["district"][take][stated_none]
        frame["district"] = pd.array(np.where(codes > 0, codes, 0), dtype="Int64")
        frame.loc[codes <= 0, "district"] = pd.NA


def _date_column(rows, frame, date, take):
    """A ``date`` column where any row gives more than the year."""
    import pandas as pd
    import pyarrow.compute as pc

    if date is None:
        return
    date = date.take(take) if len(take) != rows.n else date
    if pc.any(pc.not_equal(date, "")).as_py():
        frame["date"] = pd.array(date, dtype="str")


def finish(rows, frame, take, usd):
    """Locate every point, add warnings (outside the stated district, repeated names, USD)."""
    import numpy as np
    import pandas as pd

    rows.step("定位 locating")
    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.locate import locate
    from sxmap.geo.region import active

    if rows.ahead is not None:
        rows.ahead.result()  # the district index, built on the other core
    codes = locate(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    frame["district_located"] = pd.array(codes, dtype="Int64")
    stated = frame["district"].to_numpy(dtype="int64", na_value=0)
    rownums = rows.kept_rownums = rows.raw.rownums[take]
    names = frame["name"]
    outside = (stated == 0) & (codes == 0)
    rows.warn_rows(np.flatnonzero(outside), kind="outside_city", rownums=rownums, make=lambda i: (
        f"row {rownums[i]}: {names.iat[i]}: the point lies outside {active().name_en} (点位不在{active().name_zh}内)"))
    differ = (stated != 0) & (codes != stated)

    def where(code):
        return f"{BY_ADCODE[int(code)].name_zh} ({BY_ADCODE[int(code)].name_en})" if code else f"outside {active().name_en}"

    rows.warn_rows(np.flatnonzero(differ), kind="outside_stated_district", rownums=rownums, make=lambda i: (
        f"row {rownums[i]}: {names.iat[i]}: the point lies {'in ' if codes[i] else ''}{where(codes[i])}, not in the "
        f"stated {where(stated[i])} (点位不在所填区县内)"))
    if len(frame) and rows.whole_table:  # (over every slice at once when read in slices)
        rows.repeated_names(frame["name"], rownums, names)
    used = int(usd[take].sum())
    if used:
        rows.warnings.append(usd_note(used, rows.usd_rate))
        rows.warning_kinds.append({"kind": "usd_converted", "count": used, "rows": [],
                                   "messages": [rows.warnings[-1]]})
    if rows.geometry:
        import geopandas as gpd

        frame = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    return frame


def build_report(rows, frame, rejected_positions, errors_all, blank_rows) -> ReadReport:
    """The :class:`ReadReport` of a read: the table, the columns used, notes, warnings, rejects."""
    headers = rows.cmap.headers
    report = ReadReport(path=rows.path, projects=frame, kind=rows.raw.kind, encoding=rows.raw.encoding,
                        sheet=rows.raw.sheet, layer=rows.raw.layer, header_row=rows.raw.header_row,
                        rows_read=len(frame) + len(rejected_positions),
                        columns={name: headers[i] for name, i in rows.cmap.fields.items()},
                        ignored=list(rows.cmap.ignored), warnings=rows.warnings, notes=rows.notes,
                        warning_kinds=rows.warning_kinds, datum=rows.datum)
    file_warnings(report, headers, "investment" in rows.cmap.fields)
    if blank_rows:
        report.notes.append(blank_note(blank_rows))
    if len(rejected_positions):
        report.rejected = errors_all
        report.rejected_rows = len(rejected_positions)
        report.rejects = rejects_frame(rows, rejected_positions)
    return report


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
    unstack_headers(raw)
    cmap = _coordinate_columns(path, raw, mapping)
    crs = _header_datum(path, raw, cmap, crs)
    rows = Rows(path, raw, cmap, unit="亿元", usd_rate=None, crs=crs, skip_invalid=False, geometry=False)
    lon, lat, site, failed = read_coordinates(rows)
    missing = ~site & ~failed & ~rows.blank_rows()
    for position in np.flatnonzero(missing):
        rows.fail(position, None, DataError("no coordinates (缺少坐标)", hint="give both coordinates"),
                  column=f"{rows.label('lon') or rows.label('x') or ''}/{rows.label('lat') or rows.label('y') or ''}")
    if rows.errors:
        errors = [e for p in sorted(rows.errors) for e in rows.errors[p]]
        raise DataErrors(errors, path=path)
    frame = read_table_from_raw(raw)
    codes = locate(lon, lat)
    frame["lon_wgs84"], frame["lat_wgs84"] = np.round(lon, 7), np.round(lat, 7)
    frame["adcode"] = pd.array(np.where(codes > 0, codes, 0), dtype="Int64")
    frame.loc[codes == 0, "adcode"] = pd.NA
    frame["district_zh"] = [BY_ADCODE[int(c)].name_zh if c else "" for c in codes]
    frame["district_en"] = [BY_ADCODE[int(c)].name_en if c else "" for c in codes]
    frame.attrs["notes"] = list(rows.notes)
    return frame


def _coordinate_columns(path, raw, mapping):
    """The :class:`ColumnMap` of a table's coordinate columns (``locate --input``)."""
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
    return cmap

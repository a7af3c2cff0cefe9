"""Excel error values (#N/A, #NAME?, #DIV/0!, #REF! …): the cells calamine reads as empty (or, in an
.ods, as the 0 kept beside the error), found in the sheet's XML (.xlsx, .ods) or the workbook's
records (.xls) so that each is reported by row and column as the error it is — never a blank or a 0
that leaves a table VALID with a smaller sum."""

from __future__ import annotations

import functools
import re

#: The error values Excel stores (``t="e"`` cells).
ERROR_VALUES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?'
                         rb'<v>([^<]*)</v>')


def error_cells(path, sheet) -> list:
    """``(row, column letter, value)`` of the error cells of ``sheet`` (its name) in an .xlsx/.xlsm
    or .xls workbook or an OpenDocument spreadsheet (.ods); empty for other formats (.xlsb)."""
    import html  # its entity table takes 2 ms to build: not for a CSV (start-up time)
    import zipfile
    from pathlib import Path

    from sxmap.geo.sources import _sheet_xml

    path = Path(path)
    if path.suffix.lower() == ".ods":
        return ods_error_cells(path, sheet)
    if path.suffix.lower() == ".xls":
        return xls_error_cells(path, sheet)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return []

    try:
        with zipfile.ZipFile(path) as z:
            workbook = z.read("xl/workbook.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    names = [html.unescape(n.decode("utf-8", "replace")) for n in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"',
                                                                               workbook)]
    if sheet not in names:
        return []
    xml = _sheet_xml(path, names.index(sheet))
    if not xml or b't="e"' not in xml:
        return []
    return [(int(m[2]), m[1].decode("ascii"), html.unescape(m[3].decode("utf-8", "replace")))
            for m in _ERROR_CELL.finditer(xml)]


@functools.cache
def _ods_patterns():
    """The parts of an OpenDocument spreadsheet's ``content.xml`` that place a cell — tables, rows
    and cells (with their repeat counts), and a cell's first paragraph (an error cell's text is its
    code) — then the repeat counts and a table's name; compiled on first use (a CSV never needs them,
    and this module is on its path)."""
    part = re.compile(rb'<table:table(?=[\s>])([^>]*)>|(</table:table>)'
                      rb'|<table:table-row(?=[\s/>])([^>]*?)(/?)>|(</table:table-row>)'
                      rb'|<table:(?:covered-)?table-cell(?=[\s/>])([^>]*?)(/?)>|(</table:(?:covered-)?table-cell>)'
                      rb'|<text:p(?=[\s>])[^>]*(?<!/)>([^<]*)')
    repeat = {b"row": re.compile(rb'table:number-rows-repeated="(\d{1,9})"'),
              b"cell": re.compile(rb'table:number-columns-repeated="(\d{1,9})"')}
    return part, repeat, re.compile(rb'table:name="([^"]*)"')


def ods_error_cells(path, sheet) -> list:
    """``(row, column letter, value)`` of the cells of ``sheet`` in an .ods whose formula ended in an
    error (LibreOffice writes ``calcext:value-type="error"`` and the code, ``#DIV/0!``, as the text;
    calamine reads such a cell as empty, or as the 0 beside it — a sum smaller than the table's)."""
    import html
    import zipfile

    from openpyxl.utils import get_column_letter

    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    if b'calcext:value-type="error"' not in xml:
        return []
    parts, _, table_name = _ods_patterns()
    found, inside, row, rows_repeat, column, repeat, pending = [], False, 0, 1, 0, 1, None
    for m in parts.finditer(xml):
        table, table_end, row_attrs, row_closed, row_end, cell_attrs, cell_closed, cell_end, text = m.groups()
        if table is not None:
            name = table_name.search(table)
            inside, row = name is not None and html.unescape(name[1].decode("utf-8", "replace")) == sheet, 0
        elif not inside:
            continue
        elif table_end:
            break
        elif row_attrs is not None:
            rows_repeat, column = _repeat(b"row", row_attrs), 0
            row += rows_repeat if row_closed else 0
        elif row_end:
            row += rows_repeat
        elif cell_attrs is not None:
            repeat = _repeat(b"cell", cell_attrs)
            if b'calcext:value-type="error"' in cell_attrs:
                pending = [row + 1, column, repeat, rows_repeat, "#ERROR"]
            if cell_closed:
                found += _ods_error(pending)
                pending, column = None, column + repeat
        elif cell_end:
            found += _ods_error(pending)
            pending, column = None, column + repeat
        elif text is not None and pending is not None:
            pending[4] = html.unescape(text.decode("utf-8", "replace")).strip() or pending[4]
        if len(found) > _MAX_ERRORS:  # (a file of nothing but errors: the first are enough to say so)
            break
    return [(r, get_column_letter(c + 1), v) for r, c, v in found[:_MAX_ERRORS] if c < 16_384]  # (XFD, the last)


def _repeat(kind, attrs) -> int:
    found = _ods_patterns()[1][kind].search(attrs)
    return int(found[1]) if found else 1


#: Error cells listed at most (each becomes an error of its row).
_MAX_ERRORS = 100_000


def _ods_error(pending) -> list:
    """The cells of an error cell (repeated across columns and rows as the file says, at most 1,000
    each way)."""
    if pending is None:
        return []
    import itertools

    row, column, repeat, rows_repeat, value = pending
    cells = ((row + r, column + c, value) for r in range(min(rows_repeat, 1000)) for c in range(min(repeat, 1000)))
    return list(itertools.islice(cells, _MAX_ERRORS + 1))


@functools.cache
def _xls_error_record():
    """A BIFF record holding an error value ([MS-XLS] 2.4.24, 2.4.127, 2.5.133): BOOLERR (0x0205)
    with its error flag set, or FORMULA (0x0006) whose cached result is an error (its first byte 2,
    its last two 0xFFFF). A superset: bytes of other records that look like one only cost the full
    read. Compiled on first use."""
    return re.compile(rb"\x05\x02\x08\x00.{7}\x01|\x06\x00.{8}\x02.{5}\xff\xff", re.S)


def xls_error_cells(path, sheet) -> list:
    """``(row, column letter, value)`` of the error cells of ``sheet`` in an .xls (Excel 97–2003, as
    WPS still saves): calamine reads them as empty. The workbook stream is searched for an error
    record first (milliseconds; a match inside other data only costs the full read); only then does
    xlrd read the sheet's cell types (about 1 s for 65,000 rows)."""
    import io
    import struct

    import xlrd
    from openpyxl.utils import get_column_letter
    from xlrd import compdoc

    log = io.StringIO()  # (xlrd writes its warnings to stdout by default)
    try:
        data = path.read_bytes()
        container = compdoc.CompDoc(data, logfile=log)
        for name in ("Workbook", "Book"):  # (BIFF8, BIFF5)
            mem, base, size = container.locate_named_stream(name)
            if mem is not None:
                break
        if mem is None or not _xls_error_record().search(mem, base, base + size):
            return []
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=log)
        try:
            cells = book.sheet_by_name(sheet)
            found = [(r + 1, get_column_letter(c + 1), xlrd.error_text_from_code.get(cells.cell_value(r, c), "#ERROR"))
                     for r in range(cells.nrows) for c, kind in enumerate(cells.row_types(r))
                     if kind == xlrd.XL_CELL_ERROR]
        finally:
            book.release_resources()
    except (OSError, xlrd.XLRDError, compdoc.CompDocError, ValueError, IndexError, KeyError, TypeError, struct.error,
            AssertionError):  # (xlrd checks its input with assert)
        return []  # (a workbook calamine read and xlrd cannot: its error values are not looked for)
    return found[:_MAX_ERRORS]

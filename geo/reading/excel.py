"""Excel error values (#N/A, #NAME?, #DIV/0!, #REF! …): the cells calamine reads as empty, found in
the sheet's XML so that each is reported by row and column as the error it is — never a blank
that leaves a table VALID with a smaller sum."""

from __future__ import annotations

import re

#: The error values Excel stores (``t="e"`` cells).
ERROR_VALUES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?'
                         rb'<v>([^<]*)</v>')


def error_cells(path, sheet) -> list:
    """``(row, column letter, value)`` of the error cells of ``sheet`` (its name) in an .xlsx/.xlsm
    workbook; empty for other formats."""
    import html  # its entity table takes 2 ms to build: not for a CSV (start-up time)
    import zipfile
    from pathlib import Path

    from sxmap.geo.sources import _sheet_xml

    path = Path(path)
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

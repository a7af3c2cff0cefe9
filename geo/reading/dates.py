"""Years and dates: a cell as a year and the date as far as it is given."""

from __future__ import annotations

import re
import unicodedata

from sxmap.geo.errors import DataError
from sxmap.geo.reading.columns import is_blank, per_distinct

_EXCEL_SERIALS = (32874, 73415)  # Excel day numbers of 1990-01-01 and 2100-12-31

_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*(?:年)?"
    r"(?:(?<=年)\s*(?P<m1>\d{1,2})\s*月?|[-/.]\s*(?P<m2>\d{1,2})\s*月?)?"
    r"(?:\s*[-/.]?\s*(?P<d>\d{1,2})\s*[日号]?)?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?")
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

    if is_blank(value):
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


def read_years(rows):
    """The year (0 where none) and the date text of every row, each distinct value parsed once;
    a bad cell is an error of its row."""
    import numpy as np
    import pyarrow as pa

    if "year" not in rows.cmap.fields:
        return np.zeros(rows.n, dtype=np.int64), None
    indices, results, errors = per_distinct(rows.text("year"), parse_date)
    rows.fail_distinct("year", indices, errors)
    if not results:
        return np.zeros(rows.n, dtype=np.int64), None
    years = np.array([(r[0] or 0) if r else 0 for r in results], dtype=np.int64)[indices]
    dates = pa.array([r[1] if r else "" for r in results], type=pa.large_string()).take(indices)
    return years, dates

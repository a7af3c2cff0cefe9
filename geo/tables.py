"""Rendering result tables as text for people (aligned, CJK-aware) or for programs (CSV, JSON, GeoJSON).

Every command that prints a table uses :func:`render`, so ``--format table|csv|json|geojson`` behave
the same everywhere.
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata

FORMATS = ("table", "csv", "json", "geojson")


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def _plain(value):
    """A JSON-friendly Python value: numpy scalars to Python, NaN/NA to None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(data, columns=None):
    """Rows as a list of dicts from a DataFrame, or a list of dicts, in ``columns`` order."""
    if hasattr(data, "to_dict"):
        frame = data.drop(columns=["geometry"], errors="ignore") if hasattr(data, "drop") else data
        rows = frame.to_dict(orient="records")
        columns = columns or list(frame.columns)
    else:
        rows = list(data)
        columns = columns or (list(rows[0]) if rows else [])
    return [{c: _plain(r.get(c)) for c in columns} for r in rows], list(columns)


def _cell(value) -> str:
    """A value as table text; text from the data has its control characters and terminal escape
    sequences removed (a project name must not retitle the terminal or hide a line)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != int(value):
            return f"{value:,.6f}".rstrip("0").rstrip(".")
        return f"{int(value):,}"
    from sxmap.geo.output import strip_control

    return strip_control(str(value))


def format_table(data, columns=None, headers=None) -> str:
    """An aligned plain-text table; numbers right-aligned, CJK characters counted as double width."""
    from sxmap.geo.output import strip_control

    rows, columns = _records(data, columns)
    headers = [strip_control(headers.get(c, c) if headers else c) for c in columns]
    cells = [[_cell(r[c]) for c in columns] for r in rows]
    numeric = [all(isinstance(r[c], (int, float)) or r[c] is None for r in rows) and rows for c in columns]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w, bool(n)) for h, w, n in zip(headers, widths, numeric)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(_pad(v, w, bool(n)) for v, w, n in zip(row, widths, numeric)).rstrip())
    return "\n".join(lines) + "\n"


#: Rows rendered at a time by the streaming renderers (:func:`iter_render`).
CHUNK_ROWS = 50_000


def row_chunks(data, size: int = CHUNK_ROWS):
    """Successive slices of ``size`` rows of a DataFrame (at least one, maybe empty); a list of
    dicts comes back whole."""
    if not hasattr(data, "iloc"):
        yield data
        return
    for start in range(0, max(len(data), 1), size):
        yield data.iloc[start:start + size]


def iter_csv(data, columns=None):
    """:func:`format_csv`, a piece per :data:`CHUNK_ROWS` rows (nothing holds the whole text)."""
    from sxmap.geo.output import neutralise_formula

    for k, part in enumerate(row_chunks(data)):
        rows, names = _records(part, columns)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if k == 0:
            writer.writerow([neutralise_formula(str(c)) for c in names])
        for row in rows:
            writer.writerow([neutralise_formula(row[c]) for c in names])
        yield buffer.getvalue()


def iter_json(data, columns=None):
    """:func:`format_json`, a piece per :data:`CHUNK_ROWS` rows: the same text as
    ``json.dumps(rows, ensure_ascii=False, indent=2)``."""
    yield "["
    n = 0
    for part in row_chunks(data):
        rows, _ = _records(part, columns)
        pieces = []
        for row in rows:
            pieces.append(("," if n else "") + "\n  " + _json_object(row))
            n += 1
        yield "".join(pieces)
    yield "\n]\n" if n else "]\n"


def _json_object(row: dict) -> str:
    """``json.dumps(row, ensure_ascii=False, indent=2)`` as an item of an indented list, by the C
    encoder (indent makes json use its pure-Python one, 5× slower) where the values are flat."""
    if not row or any(isinstance(v, (dict, list, tuple)) for v in row.values()):
        return json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    body = json.dumps(row, ensure_ascii=False, separators=(",\n    ", ": "))
    return "{\n    " + body[1:-1] + "\n  }"


def geojson_point_chunks(parts, columns=None, lon="lon", lat="lat"):
    """A GeoJSON FeatureCollection of points (WGS-84) from the ``lon``/``lat`` columns of
    successive slices ``parts``, a piece per slice: the text :func:`format_geojson` gives the
    whole table."""
    yield '{"type": "FeatureCollection", "features": ['
    n = 0
    for part in parts:
        rows, _ = _records(part, columns)
        pieces = []
        for row in rows:
            geometry = None
            if row.get(lon) is not None and row.get(lat) is not None:
                geometry = {"type": "Point", "coordinates": [row[lon], row[lat]]}
            feature = {"type": "Feature", "properties": row, "geometry": geometry}
            pieces.append((", " if n else "") + json.dumps(feature, ensure_ascii=False))
            n += 1
        yield "".join(pieces)
    yield "]}\n"


def iter_render(data, fmt: str = "table", columns=None, headers=None, lon="lon", lat="lat"):
    """:func:`render` as pieces of text: csv, json and point GeoJSON :data:`CHUNK_ROWS` rows at a
    time (a million rows never held as one text); a table, and polygons, in one piece."""
    if fmt == "csv":
        return iter_csv(data, columns)
    if fmt == "json":
        return iter_json(data, columns)
    if fmt == "geojson" and not (hasattr(data, "geometry") and hasattr(data, "crs")):
        return geojson_point_chunks(row_chunks(data), columns, lon, lat)
    return iter([render(data, fmt, columns, headers)])


def format_csv(data, columns=None) -> str:
    """CSV text (UTF-8 when written), header first.

    Text cells (and headers) that a spreadsheet would run as a formula — beginning with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return — get a leading ``'`` (OWASP's advice on CSV
    injection); numbers, and text that is a plain number such as ``-5``, are left alone. See
    :func:`geo.output.neutralise_formula`.
    """
    from sxmap.geo.output import neutralise_formula

    rows, columns = _records(data, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise_formula(str(c)) for c in columns])
    for row in rows:
        writer.writerow([neutralise_formula(row[c]) for c in columns])
    return buffer.getvalue()


def format_json(data, columns=None) -> str:
    """One JSON document: a list of objects; numbers stay numbers, missing values are null."""
    rows, _ = _records(data, columns)
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def format_geojson(data, columns=None, lon="lon", lat="lat") -> str:
    """A GeoJSON FeatureCollection of points (WGS-84) from the ``lon``/``lat`` columns, or of the
    rows' shapely ``geometry`` where the data is a GeoDataFrame."""
    geometries = None
    if hasattr(data, "geometry") and hasattr(data, "crs"):
        import shapely

        geometries = [None if g is None else json.loads(shapely.to_geojson(g)) for g in data.geometry]
    rows, _ = _records(data, columns)
    features = []
    for i, row in enumerate(rows):
        if geometries is not None:
            geometry = geometries[i]
        elif row.get(lon) is not None and row.get(lat) is not None:
            geometry = {"type": "Point", "coordinates": [row[lon], row[lat]]}
        else:
            geometry = None
        features.append({"type": "Feature", "properties": row, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False) + "\n"


def render(data, fmt: str = "table", columns=None, headers=None) -> str:
    """Render rows in one of :data:`FORMATS`.

    Parameters
    ----------
    data : pandas.DataFrame, geopandas.GeoDataFrame or list of dict
    fmt : {"table", "csv", "json", "geojson"}
    columns : list of str, optional
        Which columns, in order (default: all, geometry excluded).
    headers : dict, optional
        Display headers for ``table`` (e.g. Chinese column names).
    """
    if fmt == "table":
        return format_table(data, columns, headers)
    if fmt == "csv":
        return format_csv(data, columns)
    if fmt == "json":
        return format_json(data, columns)
    if fmt == "geojson":
        return format_geojson(data, columns)
    raise ValueError(f"unknown format {fmt!r}")

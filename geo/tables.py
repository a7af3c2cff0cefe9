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


def records(data, columns=None):
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
    return "".join(iter_table(data, columns, headers))


def _table_layout(data, columns):
    """First pass of :func:`iter_table`: the columns, each one's widest cell and whether all its
    values are numbers (right-aligned), a slice of rows at a time."""
    names, widths, numeric, n = list(columns or []), None, None, 0
    for part in row_chunks(data):
        rows, names = records(part, columns)
        if widths is None:
            widths, numeric = [0] * len(names), [True] * len(names)
        for i, c in enumerate(names):
            values = [r[c] for r in rows]
            numeric[i] = numeric[i] and all(isinstance(v, (int, float)) or v is None for v in values)
            widths[i] = max([widths[i]] + [display_width(_cell(v)) for v in values])
        n += len(rows)
    if widths is None:
        widths, numeric = [0] * len(names), [False] * len(names)
    return names, widths, [bool(f and n) for f in numeric]


def iter_table(data, columns=None, headers=None):
    """:func:`format_table` as pieces: the widths are found in a first pass over slices of
    :data:`CHUNK_ROWS` rows, the lines made in a second (a million rows never held as text)."""
    from sxmap.geo.output import strip_control

    names, widths, numeric = _table_layout(data, columns)
    titles = [strip_control(headers.get(c, c) if headers else c) for c in names]
    widths = [max(w, display_width(t)) for w, t in zip(widths, titles)]
    yield ("  ".join(_pad(h, w, n) for h, w, n in zip(titles, widths, numeric)).rstrip() + "\n"
           + "  ".join("-" * w for w in widths) + "\n")
    for part in row_chunks(data):
        rows, _ = records(part, columns)
        yield "".join("  ".join(_pad(_cell(r[c]), w, n) for c, w, n in zip(names, widths, numeric)).rstrip() + "\n"
                      for r in rows)


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
        rows, names = records(part, columns)
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
        rows, _ = records(part, columns)
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
        rows, _ = records(part, columns)
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
    """:func:`render` as pieces of text: table, csv, json and point GeoJSON :data:`CHUNK_ROWS` rows
    at a time (a million rows never held as one text); polygons in one piece."""
    if fmt == "csv":
        return iter_csv(data, columns)
    if fmt == "json":
        return iter_json(data, columns)
    if fmt == "geojson" and not (hasattr(data, "geometry") and hasattr(data, "crs")):
        return geojson_point_chunks(row_chunks(data), columns, lon, lat)
    if fmt == "table":
        return iter_table(data, columns, headers)
    return iter([render(data, fmt, columns, headers)])


def format_csv(data, columns=None) -> str:
    """CSV text (UTF-8 when written), header first.

    Text cells (and headers) that a spreadsheet would run as a formula — beginning with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return — get a leading ``'`` (OWASP's advice on CSV
    injection); numbers, and text that is a plain number such as ``-5``, are left alone. See
    :func:`geo.output.neutralise_formula`.
    """
    from sxmap.geo.output import neutralise_formula

    rows, columns = records(data, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise_formula(str(c)) for c in columns])
    for row in rows:
        writer.writerow([neutralise_formula(row[c]) for c in columns])
    return buffer.getvalue()


def format_json(data, columns=None) -> str:
    """One JSON document: a list of objects; numbers stay numbers, missing values are null."""
    rows, _ = records(data, columns)
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def rfc7946(geometry):
    """A shapely geometry with its rings wound as RFC 7946 (section 3.1.6) wants: exterior rings
    counter-clockwise, holes clockwise (``shapely.orient_polygons``); other geometries unchanged.
    Every GeoJSON sxmap writes goes through here."""
    import shapely

    return shapely.orient_polygons(geometry, exterior_cw=False)


def format_geojson(data, columns=None, lon="lon", lat="lat") -> str:
    """A GeoJSON FeatureCollection of points (WGS-84) from the ``lon``/``lat`` columns, or of the
    rows' shapely ``geometry`` where the data is a GeoDataFrame."""
    geometries = None
    if hasattr(data, "geometry") and hasattr(data, "crs"):
        import shapely

        geometries = [None if g is None else json.loads(shapely.to_geojson(rfc7946(g))) for g in data.geometry]
    rows, _ = records(data, columns)
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

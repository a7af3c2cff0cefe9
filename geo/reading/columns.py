"""Columns as Arrow arrays: text, distinct values, numbers; the helpers every column reader of
:mod:`geo.reading` shares, and a table's columns as plain strings."""

from __future__ import annotations

import math

from sxmap.geo.errors import DataError
from sxmap.geo.sources import RawTable, read_raw


def read_table(path, **kwargs):
    """Read a table (CSV in any encoding sxmap detects, Excel, GIS attributes) as a pandas
    DataFrame of strings, the headers as written (a header over two rows as one, with its path:
    :func:`geo.reading.layout.unstack_headers`); ``kwargs`` go to :func:`geo.sources.read_raw`."""
    from sxmap.geo.reading.layout import unstack_headers

    raw = read_raw(path, **kwargs)
    unstack_headers(raw)
    return read_table_from_raw(raw)


def is_blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    return False


def as_text(column, n):
    """A column as a pyarrow (large) string array: nulls → "", whitespace trimmed; numbers as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column is None:
        return pa.array([""] * n, type=pa.large_string())
    if pa.types.is_timestamp(column.type) and column.type.tz:
        column = china_time_text(column)
    if not pa.types.is_large_string(column.type):
        if pa.types.is_floating(column.type):
            values = column.to_numpy(zero_copy_only=False)
            text = [("" if v != v else (str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))))
                    for v in values]
            column = pa.array(text, type=pa.large_string())
        else:
            try:
                column = pc.cast(column, pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                column = pa.array([None if v is None else str(v) for v in column.to_pylist()], type=pa.large_string())
    if column.null_count:
        column = pc.fill_null(column, "")
    return pc.utf8_trim_whitespace(column)  # cheaper than looking for whitespace first


def china_time_text(column):
    """Time-zone-aware timestamps (Parquet) as the time in China (UTC+8, no daylight saving), with
    the offset: ``2023-03-07T18:00Z`` → ``2023-03-08 02:00:00+08:00``, whose date is the date in
    Shaoxing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    unit = column.type.unit
    utc = column.cast(pa.timestamp(unit))
    local = pc.add(utc, pa.scalar(8 * 3600 * 10 ** {"s": 0, "ms": 3, "us": 6, "ns": 9}[unit], type=pa.duration(unit)))
    return pc.strftime(local, format="%Y-%m-%d %H:%M:%S+08:00").cast(pa.large_string())


def strings(values):
    """An object array of strings (``None`` for missing) as a pandas string array, through Arrow
    (pandas would look at every object to infer the type)."""
    import pandas as pd
    import pyarrow as pa

    return pd.array(pa.array(values, type=pa.large_string(), from_pandas=True), dtype="str")


def pick_words(codes, words):
    """Indices into a tuple of words (``codes``) as a pandas string array."""
    import pandas as pd
    import pyarrow as pa

    return pd.array(pa.array(words, type=pa.large_string()).take(codes), dtype="str")


NAME_NOISE = r"[\s\"'“”‘’「」『』《》]"


def folded_names(names):
    """Names as compared for repeats: lower case, without spaces and quotes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    folded = pc.utf8_lower(names)
    if pc.any(pc.match_substring_regex(folded, NAME_NOISE)).as_py():
        folded = pc.replace_substring_regex(folded, NAME_NOISE + "+", "")
    if pa.types.is_large_string(folded.type) and folded.nbytes < 1 << 30:
        folded = folded.cast(pa.string())  # hashing is twice as fast on (small) strings
    return folded


def all_distinct(names):
    """Whether no two names are the same once folded (:func:`folded_names`)."""
    import pyarrow.compute as pc

    folded = folded_names(names)
    return len(pc.unique(folded)) == len(folded)


def is_number_column(column):
    import pyarrow as pa

    return pa.types.is_floating(column.type) or pa.types.is_integer(column.type)


def distinct(text):
    """``(indices, values)``: each row's index into the distinct values of a string array."""
    import numpy as np

    encoded = text.dictionary_encode()
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64), encoded.dictionary.to_pylist()


def per_distinct(text, parse):
    """Apply ``parse`` to each distinct value of ``text``; return ``(indices, results, errors)``
    where ``errors[k]`` is the DataError of distinct value ``k`` (or None)."""
    indices, values = distinct(text)
    results, errors = [], []
    for value in values:
        try:
            results.append(parse(value))
            errors.append(None)
        except DataError as exc:
            results.append(None)
            errors.append(exc)
    return indices, results, errors


def read_table_from_raw(raw: RawTable):
    """The columns of a :class:`RawTable` as a DataFrame of strings, headers as written."""
    import pandas as pd

    data = {}
    for index, header in enumerate(raw.headers):
        name = header or f"column_{index + 1}"
        while name in data:
            name += "_"
        data[name] = pd.Series(pd.array(as_text(raw.columns[index], len(raw)), dtype="str"), copy=False)
    return pd.DataFrame(data, copy=False)


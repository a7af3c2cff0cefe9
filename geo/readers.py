"""Reading users' tables: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), Excel, GeoJSON, GeoPackage."""

from __future__ import annotations

from pathlib import Path

from geo.errors import DataError

ENCODINGS = ("utf-8-sig", "gb18030")


def detect_encoding(path) -> str:
    """The encoding of a text file: UTF-8 (with or without BOM) if it decodes strictly as UTF-8,
    else GB18030 (a superset of GBK, what Excel on Chinese Windows writes)."""
    data = Path(path).read_bytes()
    for encoding in ENCODINGS:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise DataError("cannot decode the file as UTF-8 or GBK/GB18030", path=path,
                    hint="save it from Excel as 'CSV UTF-8'")


def read_table(path, **kwargs):
    """Read a CSV into a pandas DataFrame of strings, detecting its encoding."""
    import pandas as pd

    return pd.read_csv(path, encoding=detect_encoding(path), dtype=str, keep_default_na=False, **kwargs)

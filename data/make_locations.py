"""Fill ``lon``/``lat`` of the bundled tables from the rule written in each row's ``location_source``.

No point in ``projects.csv``, ``platforms.csv`` or ``enclaves.csv`` is surveyed or typed by hand:
the article gives no coordinates, so each point is derived from the shipped boundaries by the rule
that opens its ``location_source``:

``district_anchor(ADCODE)``
    :func:`geo.boundaries.district_anchor` — the pole of inaccessibility of the Shaoxing district
    (``location_precision`` ``district``, or ``host-district`` for an inbound enclave).
``host_anchor(ADCODE)``
    ``geo.boundaries.host_geometries()[ADCODE]["anchor_lon"/"anchor_lat"]`` — the same kind of point
    for 杭州市, 西湖区, 上海市 or 深圳市 (``host-city`` / ``host-district``).

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


def anchor_for(location_source: str) -> tuple[float, float]:
    """The (lon, lat) that the rule opening ``location_source`` gives.

    Raises
    ------
    ValueError
        If ``location_source`` does not open with a known rule or names an unknown area.
    """
    from geo.boundaries import district_anchor, host_geometries

    match = RULE.match(location_source)
    if not match:
        raise ValueError(f"location_source {location_source!r} does not start with "
                         "district_anchor(ADCODE) or host_anchor(ADCODE)")
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
    for row in rows:
        lon, lat = anchor_for(row["location_source"])
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

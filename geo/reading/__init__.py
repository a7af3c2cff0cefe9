"""The one reading pipeline: a user's table (CSV, Excel, GeoJSON, GeoPackage, Parquet) as the
canonical project table (:mod:`geo.projects`).

Its modules import one way, each only from those above it in this list (and from the rest of
``geo/`` below them: errors, bundled, sources, crs, districts, townships …):

1. :mod:`~geo.reading.script` — traditional characters read as simplified (OpenCC);
2. :mod:`~geo.reading.headers` — headers → fields (aliases, units and datums in headers), the one
   column rule every command uses (:func:`~geo.reading.headers.column_for`); :mod:`geo.sources`
   uses it to find the header row;
3. :mod:`~geo.reading.layout` — a header over two rows, section heading rows;
4. :mod:`~geo.reading.columns` — columns as Arrow text, distinct values; a table as strings;
5. the column readers, vectorised, once per distinct value: :mod:`~geo.reading.dates`,
   :mod:`~geo.reading.amounts`, :mod:`~geo.reading.coordinates`, :mod:`~geo.reading.places`;
6. :mod:`~geo.reading.rows` — the rows being read: errors, warnings, blank and total rows;
7. :mod:`~geo.reading.excel` (Excel error cells) and :mod:`~geo.reading.report`
   (:class:`~geo.reading.report.ReadReport`, ``validate``'s summary);
8. :mod:`~geo.reading.table` — :func:`~geo.reading.table.read_projects` and ``locate --input``.

This ``__init__`` imports nothing, so that :mod:`geo.sources` can use the headers module.
"""

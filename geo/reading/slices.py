"""A large table read in slices of rows: what each slice found, folded into the one report a
whole-file read gives.

:func:`geo.reading.table.read_projects_report` with ``sliced=True`` reads a big UTF-8 delimited
file of :data:`SLICED_FROM` rows or more :data:`SLICE_ROWS` rows at a time
(:func:`geo.sources.csv_slices`) and runs the same pipeline (:func:`geo.reading.table.normalise`)
on each slice; :class:`Folded` keeps the running result:

- the canonical rows of each slice (only the columns the caller asked for: ``fields``), held
  small (the bound and the precision as categoricals, which they stay; ids that are row numbers
  made again at the end) and joined column by column at the end, each slice's piece let go as
  it is joined (Arrow-backed text joins without a copy);
- errors and rejected rows, in row order (strict mode raises them all at the end, as a whole
  read does);
- warnings by kind: counts added, the first :data:`~geo.reading.rows.MAX_LISTED` rows and
  messages kept, the "… and N more" line written once; repeated names looked for once, over the
  hashes of every slice's folded names (a repeat found is checked on the names);
- notes that count (blank rows, total rows, section headings, decimal commas) added up, the
  others kept once.

What is decided from the first slice and kept for the others: the header row and layout, the
columns, and the datum of the coordinates when it is inferred (:mod:`geo.datum` weighs a sample
of the first slice, not of the whole table; a note says so when the file took more than one
slice).
"""

from __future__ import annotations

import os
import re

import numpy as np

from sxmap.geo.reading.rows import MAX_LISTED, blank_note, heading_note, more_line, total_note, usd_note

#: Rows per slice (``SXMAP_SLICE_ROWS`` overrides it, e.g. for tests that make a small table
#: span several slices). 100,000: a slice's passing work takes ~150 MiB (500,000: ~330 MiB).
SLICE_ROWS = 100_000
#: Files of fewer rows (estimated from the first MiB) are read whole, which is faster (both
#: cores busy, no per-slice work) and at 1,000,000 rows well under 1 GiB (about 680 MiB).
SLICED_FROM = 1_200_000

#: The order in which the pipeline finds warnings of each kind (a whole read lists them so).
KIND_ORDER = ("no_investment_column", "address_not_in_stated_district", "township_moved", "platform_ambiguous",
              "outside_city", "outside_stated_district", "repeated_name", "usd_converted", "no_data_rows")
#: Warnings that concern the whole file: decided once, after the last slice.
FILE_KINDS = ("no_investment_column", "no_data_rows")
#: Canonical text columns of a few values (exact, min, approx; site, platform …): held, and
#: returned, as pandas categoricals (the same values, a byte a row instead of a dozen).
FEW_VALUES = ("investment_bound", "location_precision")
#: Canonical columns that hold nothing the caller needs unless it asked for them (``fields``).
UNREAD = ("name_en", "company", "platform", "industry", "stage", "year")


def slicing() -> tuple:
    """``(rows per slice, rows from which a file is sliced)``: :data:`SLICE_ROWS` and
    :data:`SLICED_FROM`, or ``SXMAP_SLICE_ROWS`` for both when set (0: read whole, as without
    ``sliced``, to compare the two in a benchmark)."""
    value = os.environ.get("SXMAP_SLICE_ROWS", "")
    return (int(value), int(value)) if value.strip().isdigit() else (SLICE_ROWS, SLICED_FROM)


# Notes that count rows: (key pattern, how to add two of them up)
_TOTAL = re.compile(r"^(\d+) total row\(s\) dropped \(row ([\d, ]+)\): ")
_HEADING = re.compile(r"^(\d+) section heading row\(s\) read as the section")
_BLANK = re.compile(r"^(\d+) blank row\(s\) ignored ")
_COMMA = re.compile(r"^(\d+) value\(s\) in (.*) have a decimal comma \(e\.g\. (.*?)\), read as a decimal point")


def _note_key(note: str):
    """What identifies a note across slices: its kind for the notes that count, else its text."""
    for name, pattern in (("total", _TOTAL), ("heading", _HEADING), ("blank", _BLANK)):
        if pattern.match(note):
            return name
    comma = _COMMA.match(note)
    return ("comma", comma[2]) if comma else note


#: Where the pipeline says each kind of note: the file's (encoding, header row …) first, then
#: traditional characters, total rows, section headings, coordinates, and blank rows last.
_NOTE_RANKS = {"file": 0, "simplified": 1, "total": 2, "heading": 3, "blank": 9}


def _note_rank(note: str, file_notes) -> int:
    key = _note_key(note)
    if note in file_notes:
        return _NOTE_RANKS["file"]
    if note.startswith("traditional characters read as simplified"):
        return _NOTE_RANKS["simplified"]
    return _NOTE_RANKS.get(key, 4) if isinstance(key, str) else 4


def _add_notes(old: str, new: str) -> str:
    """Two slices' notes of the same kind as one (a note that does not count: said once)."""
    if _note_key(old) == old:
        return old
    count = int(re.match(r"\d+", old)[0]) + int(re.match(r"\d+", new)[0])
    if _TOTAL.match(old):
        first = (_TOTAL.match(old)[2] + ", " + _TOTAL.match(new)[2]).split(", ")[:5]
        return total_note(count, first)
    if _HEADING.match(old):
        return heading_note(count)
    if _BLANK.match(old):
        return blank_note(count)
    if _COMMA.match(old):
        return re.sub(r"^\d+", str(count), old)
    return old


def merge_in_order(merged: list, keys: dict, items: list, key, add=None):
    """Add ``items`` (one slice's, in the pipeline's order) to ``merged`` (``keys``: key →
    position): an item seen before is added to it (``add``) or kept once; a new one goes after the
    item before it in its own slice, so that the whole keeps the pipeline's order."""
    after = -1
    for item in items:
        k = key(item)
        if k in keys:
            if add is not None:
                merged[keys[k]] = add(merged[keys[k]], item)
            after = keys[k]
            continue
        after += 1
        merged.insert(after, item)
        for other in keys:
            if keys[other] >= after:
                keys[other] += 1
        keys[k] = after


def _kind_key(entry):
    """A warning kind across slices; an ambiguous platform is one entry per platform name."""
    if entry["kind"] == "platform_ambiguous":
        return entry["kind"], re.sub(r"^row \d+: ", "", entry["messages"][0])
    return entry["kind"]


def _kind_rank(entry):
    kind = entry["kind"]
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _add_kinds(old: dict, new: dict) -> dict:
    """One warning kind found in two slices: counts added, the first rows and messages kept."""
    entry = dict(old)
    entry["count"] = old["count"] + new["count"]
    entry["rows"] = (old["rows"] + new["rows"])[:MAX_LISTED]
    entry["messages"] = (old["messages"] + new["messages"])[:MAX_LISTED]
    if entry["kind"] == "usd_converted":
        rate = float(re.search(r" at (\S+) CNY/USD", old["messages"][0])[1])
        entry["messages"] = [usd_note(entry["count"], rate)]
    return entry


def warning_lines(kinds: list) -> list:
    """The warnings of ``kinds`` as a whole read lists them: each kind's messages, then the
    "… and N more" line of a kind with more rows than it lists."""
    lines = []
    for entry in kinds:
        lines += entry["messages"]
        if entry["rows"] and entry["count"] > MAX_LISTED:
            lines.append(more_line(entry["count"] - MAX_LISTED))
    return lines


class Folded:
    """The running result of a table read in slices (see the module's description)."""

    def __init__(self, fields=None):
        self.fields = fields
        self.parts, self.rejects, self.rejected, self.kept_rownums, self.name_keys = [], [], [], [], []
        self.rows_read = self.rejected_rows = 0
        self.kinds, self._kind_keys = [], {}
        self.notes, self._note_keys, self.file_notes = [], {}, set()
        self.first = None  # the first slice's report (its table taken out): source, columns, datum
        self.columns, self.dtypes = [], {}  # every column, in the order of a whole read; each one's dtype
        self.geometry = False
        self.slices = 0

    def add(self, rows, report):
        """Fold one slice's ``report`` (and its ``rows``: the row numbers kept) in."""
        from sxmap.geo.reading.rows import name_keys

        self.slices += 1
        frame, report.projects = report.projects, None
        self.first = self.first or report
        kept = rows.kept_rownums if rows.kept_rownums is not None else np.zeros(0, np.int64)
        self.kept_rownums.append(kept.astype(np.int32) if len(kept) and kept[-1] < 2 ** 31 else kept)
        if len(frame):
            self.name_keys.append(name_keys(frame["name"].array._pa_array))
        self.rows_read += report.rows_read
        self.rejected_rows += report.rejected_rows
        self.rejected += report.rejected
        if report.rejects is not None:
            self.rejects.append(report.rejects)
        self.add_kinds([e for e in report.warning_kinds if e["kind"] not in FILE_KINDS])
        self.file_notes = self.file_notes or set(rows.raw.notes) | set(rows.cmap.notes)
        self.add_notes(report.notes)
        self.parts.append(self._compact(frame, "id" not in rows.cmap.fields))
        del frame
        release_memory()

    def add_notes(self, notes):
        """One slice's notes: those seen before added up (counts) or said once, the others put
        where a whole read says them."""
        for note in notes:
            key = _note_key(note)
            if key in self._note_keys:
                self.notes[self._note_keys[key]] = _add_notes(self.notes[self._note_keys[key]], note)
                continue
            rank = _note_rank(note, self.file_notes)
            at = sum(1 for n in self.notes if _note_rank(n, self.file_notes) <= rank)
            self.notes.insert(at, note)
            self._note_keys = {_note_key(n): i for i, n in enumerate(self.notes)}

    def add_kinds(self, entries):
        for entry in sorted(entries, key=_kind_rank):  # (stable: platforms keep their order)
            key = _kind_key(entry)
            if key in self._kind_keys:
                self.kinds[self._kind_keys[key]] = _add_kinds(self.kinds[self._kind_keys[key]], entry)
                continue
            rank = _kind_rank(entry)
            at = sum(1 for e in self.kinds if _kind_rank(e) <= rank)
            self.kinds.insert(at, entry)
            self._kind_keys = {_kind_key(e): i for i, e in enumerate(self.kinds)}

    def _compact(self, frame, row_ids) -> dict:
        """The columns of one slice's table the caller needs (``fields``; all when it named none),
        held small until the end: text of a few values (:data:`FEW_VALUES`) as categoricals, ids
        that are row numbers not held at all (they are made again from the row numbers)."""
        if self.fields is not None:
            frame = frame.drop(columns=[n for n in UNREAD if n in frame.columns and n not in self.fields])
        self.geometry = self.geometry or hasattr(frame, "geometry") and "geometry" in frame.columns
        merge_in_order(self.columns, {n: i for i, n in enumerate(self.columns)}, list(frame.columns), key=lambda n: n)
        part = {}
        for name in frame.columns:
            column = frame[name]
            self.dtypes.setdefault(name, column.dtype)
            if name == "id" and row_ids:
                continue
            if column.dtype == "str" and name in FEW_VALUES:
                part[name] = column.astype("category").array
                self.dtypes[name] = part[name].dtype
            else:
                part[name] = column.array
        part[None] = len(frame)
        return part

    def report(self, rows, skip_invalid):
        """The :class:`ReadReport` of every slice (``rows``: the last slice's); strict mode raises
        every bad row's errors at once, as a whole read does."""
        import pandas as pd

        from sxmap.geo.errors import DataErrors
        from sxmap.geo.reading.report import ReadReport, file_warnings

        if self.rejected and not skip_invalid:
            raise DataErrors(self.rejected, path=rows.path)
        kept = np.concatenate(self.kept_rownums).astype(np.int64)
        self.kept_rownums = []
        keys = self._name_keys()
        frame = self._joined(kept)
        if keys is not None:
            self._repeated_names(rows, frame, kept, keys)
        first = self.first
        report = ReadReport(path=first.path, projects=frame, kind=first.kind, encoding=first.encoding,
                            sheet=first.sheet, layer=first.layer, header_row=first.header_row,
                            rows_read=self.rows_read, columns=first.columns, ignored=first.ignored,
                            warnings=warning_lines(self.kinds), notes=self.notes, warning_kinds=self.kinds,
                            datum=_first_slice_datum(first.datum, first.rows_read) if self.slices > 1 else first.datum)
        file_warnings(report, rows.cmap.headers, "investment" in rows.cmap.fields)
        if self.rejected_rows:
            report.rejected, report.rejected_rows = self.rejected, self.rejected_rows
            report.rejects = pd.concat(self.rejects, ignore_index=True)
        return report

    def _name_keys(self):
        """The hashes of every slice's folded names, or None when they all differ (then no name
        repeats: the usual case, found without the names)."""
        if not self.name_keys:
            return None
        keys = tuple(np.concatenate([k[i] for k in self.name_keys]) for i in (0, 1))
        self.name_keys = []
        ordered = np.sort(keys[0])
        if not (ordered[1:] == ordered[:-1]).any():
            return None
        return keys

    def _repeated_names(self, rows, frame, kept, keys):
        """Names that repeat anywhere in the table (in any two slices): looked for once, on the
        hashes of the folded names (a repeat is checked on the names themselves)."""
        rows.ahead, rows.warnings, rows.warning_kinds = None, [], []
        rows.repeated_names(frame["name"], kept, frame["name"], keys=keys)
        self.add_kinds(rows.warning_kinds)

    def _joined(self, kept):
        """The slices' rows as one table, column by column (each slice's part let go as it is
        joined), in the order of a whole read; a column only some slices have (a date, a
        section) is empty in the others."""
        import pandas as pd

        parts, self.parts = self.parts, []
        data = {}
        for name in self.columns:
            pieces = []
            for part in parts:
                piece = part.pop(name, None)
                if piece is None:
                    piece = _empty(self.dtypes[name], part[None]) if name != "id" else None
                pieces.append(piece)
            data[name] = _joined_column(pieces, self.dtypes[name], kept if name == "id" else None)
            del pieces
            release_memory()  # (the slices' pieces of the column)
        if self.geometry:
            import geopandas as gpd

            return gpd.GeoDataFrame(data, geometry="geometry", crs="EPSG:4326")
        return pd.DataFrame(data, copy=False)  # (no second copy of the numbers, as one block)


def _joined_column(pieces, dtype, rownums=None):
    """One column of the joined table from its slices' pieces (``rownums``: ids made from row
    numbers, as :meth:`Rows.identifiers` makes them)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if rownums is not None and all(p is None for p in pieces):  # (a million at a time: casting wants room)
        step = 1_000_000
        chunks = [pc.cast(pa.array(rownums[i:i + step]), pa.large_string()) for i in range(0, len(rownums), step)]
        return pd.array(pa.chunked_array(chunks, type=pa.large_string()), dtype=dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.api.types.union_categoricals([pd.Categorical(p) for p in pieces])
    joined = pd.concat([pd.Series(p, dtype=dtype) for p in pieces], ignore_index=True)
    if isinstance(joined.array, pd.arrays.NumpyExtensionArray):
        return joined.to_numpy()  # (a NumPy column the frame takes as it is; its wrapper it would copy)
    return joined.array


def _first_slice_datum(datum, rows):
    """The datum decided on the first slice (``rows`` rows), its message saying so."""
    import dataclasses

    if datum is None or not datum.weighed or not datum.message_en:
        return datum
    return dataclasses.replace(datum, message_zh=f"{datum.message_zh}（按前 {rows:,} 行判断）",
                               message_en=f"{datum.message_en} (weighed on the first {rows:,} rows: the table was "
                                          "read in slices)")


def release_memory():
    """Hand the memory freed by a slice back to the system (glibc keeps up to 512 MiB of it for
    reuse, as the CLI asks: ``cli._tune_memory``), so that what stays is what the next slices
    need; nothing where the C library is not glibc."""
    import pyarrow as pa

    if os.environ.get("SXMAP_NO_TRIM"):
        return
    pa.default_memory_pool().release_unused()  # (Arrow's own allocator keeps freed pages a while)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _empty(dtype, n):
    """``n`` empty cells of a column of ``dtype``: "" for text, missing for numbers."""
    import pandas as pd

    if pd.api.types.is_string_dtype(dtype):
        return pd.array([""] * n, dtype=dtype)
    return pd.array([None] * n, dtype=dtype) if isinstance(dtype, pd.api.extensions.ExtensionDtype) \
        else pd.Series([float("nan")] * n, dtype=dtype).array

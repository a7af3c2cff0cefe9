"""A large table read in slices of rows: what each slice found, folded into the one report a
whole-file read gives.

:func:`geo.reading.table.read_projects_report` with ``sliced=True`` reads a big UTF-8 delimited
file :data:`SLICE_ROWS` rows at a time (:func:`geo.sources.csv_slices`) and runs the same
pipeline (:func:`geo.reading.table.normalise`) on each slice; :class:`Folded` keeps the running
result:

- the canonical rows of each slice (only the columns the caller asked for: ``fields``), joined
  at the end (Arrow-backed text columns join without a copy);
- errors and rejected rows, in row order (strict mode raises them all at the end, as a whole
  read does);
- warnings by kind: counts added, the first :data:`~geo.reading.rows.MAX_LISTED` rows and
  messages kept, the "… and N more" line written once; repeated names looked for once, over the
  names of every slice;
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

from sxmap.geo.reading.rows import MAX_LISTED, blank_note, heading_note, more_line, total_note, usd_note

#: Rows per slice (``SXMAP_SLICE_ROWS`` overrides it, e.g. for tests that make a small table
#: span several slices).
SLICE_ROWS = 500_000

#: The order in which the pipeline finds warnings of each kind (a whole read lists them so).
KIND_ORDER = ("no_investment_column", "address_not_in_stated_district", "township_moved", "platform_ambiguous",
              "outside_city", "outside_stated_district", "repeated_name", "usd_converted", "no_data_rows")
#: Warnings that concern the whole file: decided once, after the last slice.
FILE_KINDS = ("no_investment_column", "no_data_rows")
#: Canonical text columns that hold nothing unless the file has them and the caller asked for them.
EMPTY_UNLESS_READ = ("name_en", "company", "platform", "industry", "stage")


def slice_rows() -> int:
    """Rows per slice: :data:`SLICE_ROWS`, or ``SXMAP_SLICE_ROWS`` when set (at least 1)."""
    value = os.environ.get("SXMAP_SLICE_ROWS", "")
    return max(int(value), 1) if value.strip().isdigit() else SLICE_ROWS


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


def _add_notes(old: str, new: str) -> str:
    """Two slices' notes of the same kind as one."""
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
        self.frames, self.rejects, self.rejected, self.kept_rownums = [], [], [], []
        self.rows_read = self.rejected_rows = 0
        self.kinds, self._kind_keys = [], {}
        self.notes, self._note_keys = [], {}
        self.first = None  # the first slice's report: source, columns, datum
        self.slices = 0

    def add(self, rows, report):
        """Fold one slice's ``report`` (and its ``rows``: the row numbers kept) in."""
        self.slices += 1
        self.first = self.first or report
        self.frames.append(self._slim(report.projects))
        self.kept_rownums.append(rows.kept_rownums if rows.kept_rownums is not None else [])
        self.rows_read += report.rows_read
        self.rejected_rows += report.rejected_rows
        self.rejected += report.rejected
        if report.rejects is not None:
            self.rejects.append(report.rejects)
        self.add_kinds([e for e in report.warning_kinds if e["kind"] not in FILE_KINDS])
        merge_in_order(self.notes, self._note_keys, report.notes, _note_key, _add_notes)

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

    def _slim(self, frame):
        """The columns of ``frame`` the caller needs (all of them when it named none)."""
        if self.fields is None:
            return frame
        drop = [name for name in EMPTY_UNLESS_READ if name in frame.columns and name not in self.fields]
        return frame.drop(columns=drop) if drop else frame

    def report(self, rows, skip_invalid):
        """The :class:`ReadReport` of every slice (``rows``: the last slice's); strict mode raises
        every bad row's errors at once, as a whole read does."""
        import numpy as np
        import pandas as pd

        from sxmap.geo.errors import DataErrors
        from sxmap.geo.reading.report import ReadReport, file_warnings

        if self.rejected and not skip_invalid:
            raise DataErrors(self.rejected, path=rows.path)
        frame = self._joined()
        self._repeated_names(rows, frame, np.concatenate(self.kept_rownums).astype(np.int64))
        first = self.first
        report = ReadReport(path=first.path, projects=frame, kind=first.kind, encoding=first.encoding,
                            sheet=first.sheet, layer=first.layer, header_row=first.header_row,
                            rows_read=self.rows_read, columns=first.columns, ignored=first.ignored,
                            warnings=warning_lines(self.kinds), notes=self.notes, warning_kinds=self.kinds,
                            datum=first.datum)
        file_warnings(report, rows.cmap.headers, "investment" in rows.cmap.fields)
        datum = first.datum
        if self.slices > 1 and datum is not None and datum.weighed and (not datum.given or datum.better):
            report.notes.append(f"the datum was weighed on the first {first.rows_read:,} rows: the table was read "
                                f"in slices (坐标系按前 {first.rows_read:,} 行判断)")
        if self.rejected_rows:
            report.rejected, report.rejected_rows = self.rejected, self.rejected_rows
            report.rejects = pd.concat(self.rejects, ignore_index=True)
        return report

    def _repeated_names(self, rows, frame, kept):
        """Names that repeat anywhere in the table (in any two slices): looked for once."""
        import pandas as pd
        import pyarrow as pa

        if not len(frame):
            return
        names = pa.array(frame["name"])
        if isinstance(names, pa.ChunkedArray):  # (the slices' names, joined without a copy)
            names = pd.Series(pd.array(names.combine_chunks(), dtype=frame["name"].dtype))
        else:
            names = frame["name"]
        rows.ahead, rows.warnings, rows.warning_kinds = None, [], []
        rows.repeated_names(names, kept, names)
        self.add_kinds(rows.warning_kinds)

    def _joined(self):
        """The slices' rows as one table, its columns in the order a whole read gives them (a
        column only some slices have — a date, a section — is empty in the others)."""
        import pandas as pd

        frames, self.frames = self.frames, []
        order, keys = [], {}
        for frame in frames:
            merge_in_order(order, keys, list(frame.columns), key=lambda name: name)
        dtypes = {}
        for frame in frames:
            for name in frame.columns:
                dtypes.setdefault(name, frame[name].dtype)
        for i, frame in enumerate(frames):
            if list(frame.columns) != order:
                missing = {name: _empty(dtypes[name], len(frame)) for name in order if name not in frame.columns}
                frames[i] = frame.assign(**missing)[order]
        if len(frames) == 1:
            return frames[0]
        return pd.concat(frames, ignore_index=True)


def _empty(dtype, n):
    """``n`` empty cells of a column of ``dtype``: "" for text, missing for numbers."""
    import pandas as pd

    if pd.api.types.is_string_dtype(dtype):
        return pd.array([""] * n, dtype=dtype)
    return pd.array([None] * n, dtype=dtype) if isinstance(dtype, pd.api.extensions.ExtensionDtype) \
        else pd.Series([float("nan")] * n, dtype=dtype).array

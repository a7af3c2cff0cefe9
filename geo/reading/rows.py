"""The rows being read: a :class:`RawTable` with its :class:`ColumnMap`, the errors and warnings
found so far, and the row-level steps every table needs (blank rows, total rows, ids, repeated
names). The column readers (:mod:`geo.reading.amounts`, ``dates``, ``coordinates``, ``places``)
take one of these."""

from __future__ import annotations

from sxmap.geo.errors import DataError
from sxmap.geo.reading.columns import as_text, folded_names, is_number_column
from sxmap.geo.reading.script import has_traditional, simplified_array

#: Row-level warnings of one kind listed one by one before they are summarised.
MAX_LISTED = 20
TEXT_FIELDS = ("id", "name", "name_en", "company", "platform", "industry", "stage", "address")
#: Fields whose values sxmap interprets: in a table written in traditional characters (headers or
#: a Big5 file) they are read as simplified (越城區 → 越城区, 億元 → 亿元); names and extra columns
#: stay as written.
SIMPLIFIED_FIELDS = ("district", "address", "platform", "industry", "stage", "investment", "investment_bound", "year",
                     "location_precision")
TOTAL_NAMES = {"合计", "总计", "小计", "total", "sum", "合计:", "总计:", "全市合计", "总合计"}


def name_keys(names):
    """``(hashes, filled)`` of ``names`` folded as :meth:`Rows.repeated_names` compares them."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    folded = folded_names(names)
    hashes = pd.util.hash_pandas_object(pd.Series(pd.array(folded, dtype="str")), index=False).to_numpy()
    return hashes, np.asarray(pc.not_equal(folded, "").to_numpy(zero_copy_only=False), dtype=bool)


def same_names(names, positions, others) -> bool:
    """Whether the names at ``positions`` and ``others`` are the same, folded, pair by pair."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = pa.array(names)
    one, two = (folded_names(names.take(pa.array(p))) for p in (positions, others))
    return bool(pc.all(pc.equal(one, two)).as_py())


def more_line(extra: int) -> str:
    """The line after the first :data:`MAX_LISTED` warnings of a kind: how many more."""
    return f"… and {extra} more such row(s) (另有 {extra} 行)"


def total_note(count: int, first_rows) -> str:
    """The note on the total rows (合计) dropped: how many, and the first five."""
    rows = ", ".join(str(r) for r in first_rows)
    return f"{count} total row(s) dropped (row {rows}): they sum projects, they are not one (合计行已忽略)"


def heading_note(count: int) -> str:
    """The note on the section heading rows of a planning office's table."""
    return f"{count} section heading row(s) read as the section of the rows below (分组标题行，已记入 section 列)"


def usd_note(count: int, rate: float) -> str:
    """The warning on amounts converted from US dollars."""
    return f"{count} amount(s) converted from US dollars at {rate:g} CNY/USD (按所给汇率折算)"


def blank_note(count: int) -> str:
    return f"{count} blank row(s) ignored (空行已忽略)"


class Rows:
    """The rows of a :class:`~geo.sources.RawTable` being read into the canonical table: its
    columns as text, and the errors (by row) and warnings found so far."""

    def __init__(self, path, raw, cmap, *, unit, usd_rate, crs, skip_invalid, geometry, step=None):
        self.path, self.raw, self.cmap = path, raw, cmap
        self.unit, self.usd_rate, self.crs, self.crs_given = unit, usd_rate, crs or "wgs84", crs is not None
        self.stated, self.datum = None, None  # districts the rows state; the datum read in (geo.datum)
        self.skip_invalid, self.geometry = skip_invalid, geometry
        self.n = len(raw)
        self.errors: dict = {}  # row position -> list of DataError
        self.warnings: list = []
        self.warning_kinds: list = []  # {"kind", "count", "rows", "messages"}: see ReadReport.warning_kinds
        self.notes: list = list(raw.notes) + list(cmap.notes)
        self.step = step or (lambda name: None)  # progress: called as a stage starts
        self._texts: dict = {}  # column index -> its trimmed text (see column_text)
        self.traditional = str(raw.encoding).lower().startswith("big5") or any(map(has_traditional, raw.headers))
        self._simplified: dict = {}  # column index -> its text in simplified characters (see text)
        self._simplified_labels: list = []  # their headers, for the one note
        self.filled = None  # filled cells per row (blank_rows)
        self.excel_errors = None  # a future: the sheet's error cells (geo.reading.excel), for an Excel file
        self.ahead = None  # a future: the district index prepared; are all names distinct? (geo.reading.table)
        self.section_path = None  # the section heading open above the first row (a slice of a table)
        self.whole_table = True  # False for a slice: repeated names are looked for once, over every slice
        self.kept_rownums = None  # the row numbers of the rows kept (set by geo.reading.table.finish)

    # -- helpers ------------------------------------------------------------------------------

    def label(self, name):
        """The header of field ``name`` as the messages name it, or None."""
        return self.raw.column_label(self.cmap.fields[name]) if name in self.cmap.fields else None

    def column(self, name):
        """The column of field ``name`` as read (Arrow), or None."""
        index = self.cmap.fields.get(name)
        return None if index is None else self.raw.columns[index]

    def text(self, name):
        """The column of field ``name`` as trimmed text ("" everywhere when there is none)."""
        index = self.cmap.fields.get(name)
        if index is None:
            return as_text(None, self.n)
        if not (self.traditional and name in SIMPLIFIED_FIELDS):
            return self.column_text(index)
        if index not in self._simplified:
            text = self.column_text(index)
            self._simplified[index] = simplified_array(text)
            if self._simplified[index] is not text:
                self._note_simplified(self.label(name))
        return self._simplified[index]

    def _note_simplified(self, label):
        """One note naming every column whose traditional characters were read as simplified."""
        def text(labels):
            return "traditional characters read as simplified in " + ", ".join(map(repr, labels)) + " (繁体字已按简体读取)"

        if self._simplified_labels:
            self.notes.remove(text(self._simplified_labels))
        self._simplified_labels.append(label)
        self.notes.append(text(self._simplified_labels))

    def text_unless_numbers(self, name):
        """:meth:`text`, or ``None`` for a column of numbers (read as numbers, not text)."""
        column = self.column(name)
        return None if column is not None and is_number_column(column) else self.text(name)

    def column_text(self, index):
        """Column ``index`` as trimmed text, converted once."""
        cache = self._texts
        if index not in cache:
            cache[index] = as_text(self.raw.columns[index], self.n)
            if self.raw.points is None:  # the text replaces the column as read (half the memory)
                self.raw.columns[index] = cache[index]
        return cache[index]

    def fail(self, position, name, error, column=None):
        """Record ``error`` for the row at ``position``, in field ``name``'s column (or ``column``)."""
        column = column if column is not None else self.label(name)
        self.errors.setdefault(int(position), []).append(
            DataError(error.message, path=self.path, row=int(self.raw.rownums[position]), column=column,
                      value=error.value, hint=error.hint))

    def fail_rows(self, positions, name, error):
        for position in positions:
            self.fail(position, name, error)

    def fail_distinct(self, name, indices, errors):
        """Record the error of each row whose distinct value failed."""
        import numpy as np

        bad = [k for k, e in enumerate(errors) if e is not None]
        if not bad:
            return np.zeros(self.n, dtype=bool)
        mask = np.isin(indices, bad)
        for position in np.flatnonzero(mask):
            self.fail(position, name, errors[indices[position]])
        return mask

    def warn_rows(self, rows, make, kind="row", rownums=None):
        """A warning per row (the first :data:`MAX_LISTED`), then one line for the rest; and one
        entry of ``kind`` in :attr:`warning_kinds` (``rownums[position]``: a row as the user sees it)."""
        rows = list(rows)
        messages = [make(row) for row in rows[:MAX_LISTED]]
        if rows:
            numbers = self.raw.rownums if rownums is None else rownums
            self.warning_kinds.append({"kind": kind, "count": len(rows), "messages": messages,
                                       "rows": [int(numbers[r]) for r in rows[:MAX_LISTED]]})
        self.warnings.extend(messages)
        if len(rows) > MAX_LISTED:
            self.warnings.append(more_line(len(rows) - MAX_LISTED))

    def pick_text(self, text, take):
        """The rows ``take`` of a text column, as a pandas string array (no copy to objects)."""
        import pandas as pd
        import pyarrow as pa

        if text is None:
            return pd.array(pa.repeat(pa.scalar("", pa.large_string()), len(take)), dtype="str")
        if len(take) != self.n:
            text = text.take(pa.array(take))
        return pd.array(text, dtype="str")

    def blank_rows(self):
        """Rows with no value in any column (and no geometry); :attr:`filled` counts each row's
        filled cells."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        blank = np.ones(self.n, dtype=bool)
        self.filled = np.zeros(self.n, dtype=np.int32)
        for index, column in enumerate(self.raw.columns):
            if column is None:
                continue
            if not blank.any():  # every row has a cell already: the other columns cannot change that
                break
            if is_number_column(column) and index not in self._texts:
                filled = pc.is_valid(column)
                if pa.types.is_floating(column.type):
                    filled = pc.and_(filled, pc.invert(pc.is_nan(column)))
            else:
                filled = pc.not_equal(self.column_text(index), "")
            filled = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)
            blank &= ~filled
            self.filled += filled
        if self.raw.points is not None:
            blank &= self.raw.points[2] == "empty"
        return blank

    def total_rows(self, names, blank):
        """Rows that say 合计/总计/小计 — in the name, or in another cell when the name is empty (合计
        under 序号): dropped with a note, not taken for projects."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        total = np.zeros(self.n, dtype=bool)
        if names is None:
            return total
        words = pa.array(sorted(TOTAL_NAMES), type=pa.large_string())

        def says_total(text, positions):
            few = text.take(pa.array(positions))
            folded = pc.utf8_normalize(few, "NFKC")  # 合　计 (an ideographic space) → 合 计
            folded = pc.utf8_rtrim(pc.utf8_lower(pc.replace_substring_regex(folded, r"\s+", "")), characters=":：")
            return np.asarray(pc.is_in(folded, value_set=words).to_numpy(zero_copy_only=False), dtype=bool)

        maybe = pc.match_substring_regex(names, "计|total|sum", ignore_case=True)
        short = np.flatnonzero(np.asarray(maybe.to_numpy(zero_copy_only=False), dtype=bool) & ~blank)
        if len(short):
            total[short[says_total(names, short)]] = True
        nameless = np.flatnonzero(np.asarray(pc.equal(names, "").to_numpy(zero_copy_only=False)) & ~blank)
        if len(nameless):
            for index, column in enumerate(self.raw.columns):
                if column is not None:
                    total[nameless[says_total(self.column_text(index), nameless)]] = True
        total &= ~blank
        if total.any():
            self.notes.append(total_note(int(total.sum()), self.raw.rownums[total][:5]))
        return total

    def identifiers(self, ids, keep):
        """Row ids: as given (repeats are errors), else the row number."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        rownums = pc.cast(pa.array(self.raw.rownums), pa.large_string())
        if ids is None:
            return rownums
        values = pd.Series(np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object))
        given = (values != "").to_numpy() & keep
        repeated = given & values.where(given).duplicated(keep="first").to_numpy() & given
        if repeated.any():
            first = {}
            for position in np.flatnonzero(given):
                first.setdefault(values.iat[position], position)
            for position in np.flatnonzero(repeated):
                self.fail(position, "id", DataError(
                    f"the same id as row {self.raw.rownums[first[values.iat[position]]]} (编号重复)",
                    value=values.iat[position], hint="give every row its own id, or leave the column empty"))
        return pc.if_else(pc.equal(ids, ""), rownums, ids)

    def repeated_names(self, names, rownums, written, keys=None):
        """Warn about names that repeat (ignoring case, spaces and quotes).

        ``keys``: ``(hashes, filled)`` of the folded names, when the caller has them (a table read
        in slices: :mod:`geo.reading.slices`); a repeat they find is checked on the names."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.ahead is not None and self.ahead.result():
            return  # every row's name differs, so the kept rows' names do
        if keys is None:
            folded = folded_names(pa.array(names))
            keys = (np.asarray(folded.dictionary_encode().indices.to_numpy(zero_copy_only=False)),
                    np.asarray(pc.not_equal(folded, "").to_numpy(zero_copy_only=False), dtype=bool))
        indices, filled = keys
        _, first, inverse = np.unique(indices, return_index=True, return_inverse=True)
        repeated = np.ones(len(indices), dtype=bool)
        repeated[first] = False
        repeated &= filled
        if repeated.any():
            first_of = first[inverse]
            if not same_names(names, np.flatnonzero(repeated), first_of[repeated]):
                return self.repeated_names(names, rownums, written)  # two names with one hash: compare them all
            self.warn_rows(np.flatnonzero(repeated), kind="repeated_name", rownums=rownums, make=lambda i: (
                f"row {rownums[i]}: the name {written.iat[i]!r} repeats row {rownums[first_of[i]]} (项目名称重复)"))

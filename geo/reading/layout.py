"""Tables as planning offices lay them out: a header over two rows (a merged 投资额（万元）over
总投资 / 2023年计划投资), and section heading rows (一、… （一）… 1. …) that group the projects
below them.

:func:`unstack_headers` turns the two header rows into one header per column with its path
(``投资额（万元）/总投资``); :func:`section_rows` finds the heading rows and labels every row with
the section it sits in.
"""

from __future__ import annotations

import re

from sxmap.geo.reading.headers import ALIASES, fold_header, investment_rank

#: A section heading: 一、产业项目 / （一）先进制造业 / 1. 数字经济 (the enumerator, then words).
SECTION_RE = re.compile(r"^\s*(?:(?P<l1>[一二三四五六七八九十百]+)\s*[、.．]"
                        r"|(?P<l2>[（(]\s*[一二三四五六七八九十百]+\s*[)）])\s*[、.．]?"
                        r"|(?P<l3>\d{1,2})\s*[、.．](?!\d))\s*(?P<title>\S.*)$")
_SECTION_PATTERN = (r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[（(]\s*[一二三四五六七八九十百]+\s*[)）]"
                    r"|\d{1,2}\s*[、.．]\s*[^\d\s])")  # RE2 (pyarrow): no look-ahead
_NUMBER = re.compile(r"^[+-]?[\d,.]+(?:[eE][+-]?\d+)?$")


def _cells(raw, position: int) -> list:
    """The cells of data row ``position`` as trimmed text ("" for columns not read)."""
    out = []
    for column in raw.columns:
        if column is None or position >= len(column):
            out.append("")
            continue
        value = column[position].as_py()
        out.append("" if value is None else str(value).strip() if not isinstance(value, float) or value == value
                   else "")
    return out


def _header_like(text: str) -> bool:
    key = fold_header(text)
    known = {fold_header(a) for aliases in ALIASES.values() for a in aliases}
    return key in known or investment_rank(key) is not None


def _is_lower_header(headers, cells) -> bool:
    """Whether the first data row continues the header: it names new columns (总投资, 2023年计划
    投资 …), none of them a number, and no project (the name cell empty or the header again)."""
    new = [c for h, c in zip(headers, cells) if c and c != h]
    if not new or any(_NUMBER.match(c.replace("，", ",")) or section_title(c) for c in new):
        return False  # a number, or a section heading (一、重大投资项目) under the header
    if not any(_header_like(c) for c in new):
        return False
    names = {fold_header(a) for a in ALIASES["name"]}
    for header, cell in zip(headers, cells):
        if fold_header(header) in names and cell and cell != header:
            return False
    return True


def combined_headers(upper, lower) -> list:
    """One header per column from two header rows: the upper one where the lower is empty or
    repeats it (a cell merged down), the lower one under an empty upper cell that starts no span,
    else ``upper/lower`` — an empty upper cell inside a span (merged across, as CSV writes it)
    takes the span's header."""
    out, span = [], ""
    for head, low in zip(upper, lower):
        if head:
            span = head if low and low != head else ""
        if not low or low == head:
            out.append(head)
        elif head:
            out.append(f"{head}/{low}")
        elif span:
            out.append(f"{span}/{low}")
        else:
            out.append(low)
    return out


def unstack_headers(raw) -> bool:
    """Merge a second header row into the headers of ``raw`` (in place); True when there was one.

    The row is dropped from the data and a note names the merged headers."""
    import numpy as np

    if not len(raw) or raw.points is not None:
        return False
    cells = _cells(raw, 0)
    if not _is_lower_header(raw.headers, cells):
        return False
    merged = combined_headers(raw.headers, cells)
    changed = [m for h, m in zip(raw.headers, merged) if m != h]
    raw.headers = merged
    raw.columns = [None if c is None else c.slice(1) for c in raw.columns]
    raw.rownums = np.asarray(raw.rownums)[1:]
    raw.notes.append(f"the header spans rows {raw.header_row}–{raw.header_row + 1}; read as "
                     + ", ".join(repr(h) for h in changed) + " (两行表头已合并)")
    return True


def section_title(text: str):
    """``(level, title)`` of a section heading (一、 → 1, （一） → 2, 1. → 3), or None."""
    match = SECTION_RE.match(text or "")
    if not match:
        return None
    level = 1 if match["l1"] else 2 if match["l2"] else 3
    return level, match["title"].strip()


def section_rows(rows, names, blank):
    """Rows that are section headings — one heading text, nothing else in the row (a heading
    merged across the row counts once) — and the section of every row: ``(mask, labels)`` where
    ``labels`` is None when the table has no headings. Headings at lower levels nest:
    ``产业项目/先进制造业``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = rows.n
    heading = np.zeros(n, dtype=bool)
    # one filled cell, or (a sheet whose merged cells were filled) any row
    merged = any("合并单元格" in note for note in rows.raw.notes)
    maybe = ~blank & ((rows.filled == 1) if rows.filled is not None and not merged else True)
    if not maybe.any():
        return heading, _labels(n, {}, rows) if rows.section_path else None
    candidates = _heading_like(names, maybe) if names is not None else np.zeros(n, dtype=bool)
    # a heading written under 序号 (or across the row) leaves the name empty: look there only
    nameless = np.flatnonzero(maybe & (np.asarray(pc.equal(names, "").to_numpy(zero_copy_only=False), dtype=bool)
                                       if names is not None else True))
    if len(nameless):
        for index, column in enumerate(rows.raw.columns):
            if column is not None and (names is None or index != rows.cmap.fields.get("name")):
                few = rows.column_text(index).take(pa.array(nameless))
                candidates[nameless[_heading_like(few, np.ones(len(nameless), dtype=bool))]] = True
    titles = {}
    for position in np.flatnonzero(candidates):
        values = {c for c in _cells_of(rows, int(position)) if c}
        found = section_title(next(iter(values))) if len(values) == 1 else None
        if found:
            heading[position] = True
            titles[int(position)] = found
    if not titles and not rows.section_path:
        return heading, None
    return heading, _labels(n, titles, rows)


def _heading_like(text, where):
    """Where ``text`` starts like a heading (一、 （一） 1.), among the rows ``where``."""
    import numpy as np
    import pyarrow.compute as pc

    found = np.asarray(pc.match_substring_regex(text, _SECTION_PATTERN).to_numpy(zero_copy_only=False), dtype=bool)
    return found & where


def _cells_of(rows, position):
    return [rows.column_text(i)[position].as_py() for i, c in enumerate(rows.raw.columns) if c is not None]


def _labels(n, titles, rows):
    """Each row's section path from the headings at ``titles`` ({position: (level, title)}), and
    from the heading open above the first row (``rows.section_path``: the end of the slice before),
    which is set to the one open at the end."""
    import numpy as np

    path: dict = dict(rows.section_path or {})
    labels = np.full(n, "/".join(path[lv] for lv in sorted(path)), dtype=object)
    positions = sorted(titles)
    for k, position in enumerate(positions):
        level, title = titles[position]
        path = {lv: t for lv, t in path.items() if lv < level}
        path[level] = title
        end = positions[k + 1] if k + 1 < len(positions) else n
        labels[position + 1:end] = "/".join(path[lv] for lv in sorted(path))
    rows.section_path = path
    return labels

"""Files to columns: the first step of the one reading pipeline (:mod:`geo.reading`).

Every table sxmap reads — a project list, a ``locate --input`` table, platforms or enclaves —
comes through :func:`read_raw`, which turns a file into a :class:`RawTable`: the header row as
written, one Arrow array per column (cells as text, or numbers where the file stores numbers), the
row number a user sees for each data row, and, for GIS files, one point per row.

- CSV/TXT/TSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with its BOM,
  GB18030/GBK, and Big5, Shift-JIS, EUC-KR … through ``charset-normalizer`` with a check that the
  decoded text is plausible — never mojibake); binary files are refused in one line; the header row
  is found below any title rows; the body is parsed by pyarrow's multi-threaded CSV reader, or by
  Python's ``csv`` module when a row is ragged or a quote is not closed, so that the row where the
  problem starts can be named. Cells of any size are read.
- Excel (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) through python-calamine; merged cells are
  filled with the value of their top-left cell; formulas without a cached value are reported; an
  instruction sheet before the table is passed over, and the other sheets are named.
- GeoJSON, GeoPackage, Shapefile (also zipped; its .dbf decoded as CSV is, whatever its .cpg says),
  FlatGeobuf, KML/KMZ through pyogrio's Arrow path, reprojected to WGS-84 from their declared CRS
  (refused in one line when that CRS is geocentric, vertical, local or unknown: :mod:`geo.crs`).
- Parquet / GeoParquet through pyarrow.

At most :data:`MAX_COLUMNS` columns (Excel's limit) are read; a pipe (FIFO, ``/dev/stdin``) is
read once (:func:`read_pipe`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sxmap.geo.errors import DataError, UsageError
from sxmap.geo.output import MAX_STREAM_BYTES, check_input_path, read_input_bytes

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".kml", ".kmz", ".zip")
#: The other files of a shapefile: given alone, they get a line naming the .shp to pass.
SHAPEFILE_PARTS = (".dbf", ".shx", ".prj", ".cpg", ".sbn", ".sbx", ".qix")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".pq")

_HEADER_SEARCH_ROWS = 20
_SNIFF_BYTES = 1 << 16
#: The widest table read: Excel's own limit (column XFD). Wider tables are refused in one line
#: rather than read for minutes or until memory runs out (a 10-million-column header).
MAX_COLUMNS = 16_384
#: The header record must end within this many characters of its start (1 MiB).
_HEADER_WINDOW = 1 << 20

#: Magic numbers of files that are not tables, with what they are.
_MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"PAR1", "a Parquet file"), (b"SQLite format 3", "an SQLite database"),
    (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls/.doc)"), (b"PK\x03\x04", "a ZIP container (.xlsx/.docx/.zip)"),
    (b"\x7fELF", "a program"), (b"MZ", "a Windows program"),
)


@dataclass
class RawTable:
    """A table as read, before any interpretation.

    Attributes
    ----------
    kind : str
        ``CSV``, ``Excel``, ``GeoJSON``, ``GeoPackage``, ``GIS file`` or ``Parquet``.
    headers : list of str
        The header row as written ("" for an empty header cell).
    columns : list of pyarrow.Array
        One array per header: text (``string``) for CSV and Excel, the stored type for GIS and
        Parquet files. Nulls are empty cells.
    rownums : numpy.ndarray
        For each data row, its number as a user sees it: the CSV record or the sheet row (the
        header is row 1 unless title rows sit above it), the feature number in GIS files.
    header_row : int
        Row of the headers; 0 for GIS and Parquet files (their headers are field names).
    points : tuple of numpy.ndarray or None
        For GIS files and GeoParquet: ``(x, y, kind)``, WGS-84 where the file declares its CRS;
        ``kind`` is "" for a point, the geometry type for other shapes, "empty" for none.
    letters : list of str or None
        Spreadsheet column letters (Excel), to name columns without a header.
    ragged : list of tuple
        ``(row number, cells, header width)`` of CSV rows with more cells than the header.
    notes : list of str
        How the file was read (encoding, header row, reprojection, merged cells).
    problems : list of DataError
        File-level problems that concern particular rows (formulas without a cached value).
    sheets : list of str
        Every sheet of a workbook (Excel), to name the others when the one read is not the table.
    """

    kind: str
    headers: list
    columns: list
    rownums: object
    header_row: int = 1
    encoding: str = ""
    sheet: str | None = None
    layer: str | None = None
    points: tuple | None = None
    letters: list | None = None
    ragged: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    sheets: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rownums)

    def column_label(self, index: int) -> str:
        """The header as written, or the column's letter/number when the header is empty."""
        header = self.headers[index] if index < len(self.headers) else ""
        if header:
            return header
        return f"column {self.letters[index]}" if self.letters and index < len(self.letters) else f"column {index + 1}"


# --------------------------------------------------------------------------------------------
# Bytes


def sniff_binary(data: bytes):
    """What a non-text file is ("a PNG image" …), or ``None`` when it may be text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:_SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if b"\x00" in head:
        return "binary data (contains NUL bytes)"
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13, 12))
    if head and controls > len(head) // 10 + 8:
        return "binary data (control bytes)"
    return None


# --------------------------------------------------------------------------------------------
# Encodings

#: GB2312's first-level hanzi (the 3,755 most common) lie at lead bytes 0xB0–0xD7.
_COMMON_HANZI_LEADS = range(0xB0, 0xD8)


def _hanzi_plausibility(text: str) -> float:
    """Share of the CJK characters of ``text`` that are among the 3,755 most common hanzi; 0 when
    the text holds private-use characters (a sure sign of a wrong decoding).

    Chinese text written in GBK scores ~0.95; Big5 or Shift-JIS bytes decoded as GB18030 give
    rare characters and score far lower (measured: 0.2–0.5)."""
    head = text[:20000]
    if any("\ue000" <= ch <= "\uf8ff" for ch in head):
        return 0.0
    sample = [ch for ch in head if "\u4e00" <= ch <= "\u9fff"]
    if not sample:
        return 1.0
    common = 0
    for ch in sample:
        try:
            encoded = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += encoded[0] in _COMMON_HANZI_LEADS
    return common / len(sample)


#: East Asian encodings told apart from GB18030 (Python codec, label), in the order tried.
_EAST_ASIAN = (("big5hkscs", "Big5"), ("cp932", "Shift-JIS"), ("cp949", "EUC-KR"))
#: Below this many non-ASCII bytes a file is too short to tell these encodings apart.
_ENOUGH_TEXT = 40


def decode_text(data: bytes, path=None) -> tuple[str, str]:
    """Decode a text file; return ``(text, label)``.

    UTF-16 with its BOM; strict UTF-8 (with or without BOM); else GB18030/GBK, Big5, Shift-JIS or
    EUC-KR: the candidates that decode strictly (GB18030 only when its text is plausible Chinese)
    are weighed by ``charset-normalizer`` among themselves. A file too short to tell them apart
    (fewer than 40 non-ASCII bytes) is read as GB18030 when that is plausible — what Excel on
    Chinese Windows writes — else refused naming the candidates.

    Raises
    ------
    DataError
        No encoding fits, or several fit a short file; the message names them and how to convert.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 with BOM" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
    except UnicodeDecodeError:
        pass
    candidates = {}
    try:
        gb_text = data.decode("gb18030")
        if _hanzi_plausibility(gb_text) >= 0.8:
            candidates["GB18030/GBK"] = gb_text
    except UnicodeDecodeError:
        pass
    for codec, label in _EAST_ASIAN:
        try:
            candidates[label] = data.decode(codec)
        except UnicodeDecodeError:
            continue
    how = "save it from Excel as 'CSV UTF-8 (逗号分隔)' or as .xlsx"
    enough = sum(b >= 0x80 for b in data[: 1 << 16]) >= _ENOUGH_TEXT
    detected = _detect(data, isolate=True) if candidates else None
    if detected in candidates and enough:
        return candidates[detected], detected
    if len(candidates) == 1:
        (label, text), = candidates.items()
        return text, label
    if "GB18030/GBK" in candidates and (not enough or detected in (None, "GB18030/GBK")):
        return candidates["GB18030/GBK"], "GB18030/GBK"
    if candidates:
        names = " or ".join(candidates)
        raise DataError(f"cannot tell whether the file is in {names} (无法判断文件编码: {names})", path=path,
                        hint=f"{how}, or convert it with iconv -f ENCODING -t UTF-8")
    other = _detect(data, isolate=False)
    if other:
        raise DataError(f"the file is in {other}, which sxmap does not read (文件编码为 {other})",
                        path=path, hint=f"{how}, or convert it: iconv -f {other} -t UTF-8 FILE > FILE.utf8.csv")
    raise DataError("cannot tell the file's encoding: it is not UTF-8, GBK/GB18030, Big5, Shift-JIS or EUC-KR "
                    "(无法识别文件编码)", path=path, hint=how)


#: charset-normalizer's names → the labels of :func:`decode_text`.
_DETECTED = {"gb18030": "GB18030/GBK", "gbk": "GB18030/GBK", "gb2312": "GB18030/GBK", "big5": "Big5",
             "big5hkscs": "Big5", "cp950": "Big5", "shift_jis": "Shift-JIS", "cp932": "Shift-JIS",
             "euc_jp": "Shift-JIS", "euc_kr": "EUC-KR", "cp949": "EUC-KR", "johab": "EUC-KR"}


def _detect(data: bytes, isolate: bool):
    """What charset-normalizer finds: among the East Asian encodings (a label of
    :func:`decode_text`) when ``isolate``, else any encoding (its codec name); or None."""
    from charset_normalizer import from_bytes

    sample = data[: 1 << 18]
    if isolate:
        best = from_bytes(sample, cp_isolation=["gb18030", "big5", "cp950", "shift_jis", "cp932", "euc_kr"]).best()
        return _DETECTED.get(best.encoding) if best is not None else None
    best = from_bytes(sample).best()
    return best.encoding if best is not None else None


def detect_encoding(path) -> str:
    """The encoding of a text file, as a Python codec name (see :func:`decode_text`)."""
    label = decode_text(read_input_bytes(path), path)[1]
    return {"UTF-16": "utf-16", "GB18030/GBK": "gb18030", "Big5": "big5hkscs", "EUC-KR": "cp949",
            "Shift-JIS": "cp932"}.get(label, "utf-8-sig")


# --------------------------------------------------------------------------------------------
# File kinds


def file_kind(path: Path, head: bytes = b"") -> str:
    """``csv``, ``excel``, ``vector`` or ``parquet``, from the suffix, else from the first bytes."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx/.ods (or a zip), .xls
        return "excel"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"SQLite format 3") or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "vector"
    return "csv"


def _wrong_container(path: Path, kind: str, head: bytes):
    """A file whose bytes are not what its suffix says: one line saying what it is."""
    what = sniff_binary(head)
    expected = {"excel": "an Excel workbook", "vector": "a GeoJSON/GeoPackage file", "parquet": "a Parquet file",
                "csv": "a text table"}[kind]
    found = f"it is {what}" if what else "its content does not match"
    return DataError(f"not {expected}: {found} (文件内容与扩展名不符)", path=path,
                     hint="check that you gave the right file, or save the table as .xlsx or CSV")


# --------------------------------------------------------------------------------------------
# Reading


def check_width(count: int, path, at_least: bool = False) -> None:
    """Refuse a table of more than :data:`MAX_COLUMNS` columns, naming the limit.

    Raises
    ------
    DataError
    """
    if count > MAX_COLUMNS:
        raise DataError(f"the table has {'at least ' if at_least else ''}{count:,} columns; sxmap reads at most {MAX_COLUMNS:,} (Excel's limit) "
                        f"(列数过多: {'至少' if at_least else ''}{count:,} 列，上限 {MAX_COLUMNS:,} 列)", path=path,
                        hint="keep the columns you need (name, district, investment, coordinates …) and save again")


def read_raw(path, *, sheet=None, layer=None, header_keys=(), columns_wanted=None) -> RawTable:
    """Read any supported file as a :class:`RawTable`.

    Parameters
    ----------
    path : str or pathlib.Path
    sheet : str or int, optional
        Excel sheet, by name or 1-based number; default the first sheet that holds data.
    layer : str, optional
        GIS layer; default the first.
    header_keys : collection of str
        Folded header names (see :func:`geo.reading.headers.fold_header`) that identify the header row below
        title rows.
    columns_wanted : callable, optional
        ``columns_wanted(headers) -> list of indices``: read only these columns (CSV, Parquet).

    Raises
    ------
    DataError
        The file cannot be read as a table; the message says what it is and what would fix it.
    UsageError
        ``sheet`` or ``layer`` given for a file that has none, or not found.
    """
    path = check_input_path(path)  # exists; a regular file or a pipe, never a device
    regular = path.is_file()
    data = None if regular else read_pipe(path)  # a pipe can be read once only: all of it, now
    head = b"" if regular else data[:_SNIFF_BYTES]
    if regular:
        try:
            with open(path, "rb") as f:
                head = f.read(_SNIFF_BYTES)
        except OSError as exc:
            raise DataError(f"cannot read the file (无法读取): {exc.strerror or exc}", path=path) from None
    if path.suffix.lower() in SHAPEFILE_PARTS:
        _refuse_shapefile_part(path)
    kind = file_kind(path, head)
    if sheet is not None and kind != "excel":
        raise UsageError(f"--sheet applies to Excel files; {path} is not one")
    if layer is not None and kind != "vector":
        raise UsageError(f"--layer applies to GeoPackage/GeoJSON files; {path} is not one")
    if not regular and kind != "csv":
        return _read_spooled(path, data, kind, sheet=sheet, layer=layer, header_keys=header_keys,
                             columns_wanted=columns_wanted)
    if kind == "excel":
        return _read_excel(path, sheet, header_keys, head)
    if kind == "vector":
        return _read_vector(path, layer, head)
    if kind == "parquet":
        return _read_parquet(path, head, columns_wanted)
    data = read_input_bytes(path) if data is None else data
    what = sniff_binary(data)
    if what:
        raise DataError(f"not a text table: it is {what} (不是表格文件)", path=path,
                        hint="give a CSV, .xlsx, GeoJSON or GeoPackage file")
    return _read_csv(path, data, header_keys, columns_wanted)


def _read_spooled(path: Path, data: bytes, kind: str, **options) -> RawTable:
    """A workbook, GIS or Parquet file that came through a pipe: its readers need a file, so the
    bytes go to a private temporary file (removed afterwards); messages name the pipe, not it."""
    import tempfile

    known = (*EXCEL_SUFFIXES, *VECTOR_SUFFIXES, *PARQUET_SUFFIXES)
    suffix = path.suffix.lower() if path.suffix.lower() in known else {
        "excel": ".xls" if data.startswith(b"\xd0\xcf\x11\xe0") else  # an old workbook,
        ".xlsx" if b"[Content_Types].xml" in data[:1 << 20] else ".zip",  # a new one, or a zipped shapefile
        "parquet": ".parquet", "vector": ".gpkg" if data.startswith(b"SQLite format 3") else ".geojson"}[kind]
    with tempfile.TemporaryDirectory(prefix="sxmap-pipe-") as folder:
        copy = Path(folder) / f"input{suffix}"
        copy.write_bytes(data)
        try:
            return read_raw(copy, **options)
        except DataError as exc:
            for error in [exc, *getattr(exc, "errors", [])]:
                error.path = str(path)
                error.message = error.message.replace(str(copy), str(path))
            raise
        except UsageError as exc:
            raise UsageError(str(exc).replace(str(copy), str(path))) from None


#: How long a pipe may stay silent before sxmap stops waiting for its first byte.
PIPE_WAIT_SECONDS = 30.0


def read_pipe(path, limit: int = MAX_STREAM_BYTES) -> bytes:
    """All the bytes of a pipe (a FIFO, ``/dev/stdin``, ``<(…)``), read once, at most ``limit``.

    The pipe is opened without waiting for a writer (a FIFO nobody writes to would otherwise
    block the open for ever), then given :data:`PIPE_WAIT_SECONDS` for its first byte or its end.

    Raises
    ------
    DataError
        Nothing came through the pipe in time, more than ``limit`` bytes came, or it cannot be read.
    """
    import os
    import select

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DataError(f"cannot read the pipe (无法读取): {exc.strerror or exc}", path=path) from None
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            if not poller.poll(int(PIPE_WAIT_SECONDS * 1000)):
                raise DataError(f"nothing came through the pipe in {PIPE_WAIT_SECONDS:g} s: no program is writing "
                                "to it (管道中没有数据)", path=path,
                                hint="start the program that writes to it first, or save the table to a file")
        os.set_blocking(fd, True)
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise DataError(f"cannot read the pipe (无法读取): {exc.strerror or exc}", path=path) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise DataError(f"the input is larger than {limit // (1024 * 1024)} MiB (输入过大)", path=path,
                        hint="save it as a file and split it, or use a Parquet file")
    return data


# --- CSV ------------------------------------------------------------------------------------


def _pick_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _find_header(rows, header_keys) -> int:
    """Index of the header row among ``rows`` (lists of cell texts): the first of the first
    non-blank rows that holds a known header (title rows above it are skipped), else the first
    non-blank row. Used for CSV lines and sheet rows alike."""
    from sxmap.geo.reading.headers import fold_header, is_header_row

    first = None
    for index, cells in enumerate(rows):
        if index >= _HEADER_SEARCH_ROWS * 2:
            break
        if not any(cell.strip() for cell in cells):
            continue
        if first is None:
            first = index
        if is_header_row([fold_header(c) for c in cells if c.strip()], header_keys):
            return index
    return first if first is not None else 0


def _head_text(data: bytes, path) -> tuple[str, str, bool]:
    """The text of the first MiB (or of the whole file when it is not UTF-8), its encoding label,
    and whether the head is UTF-8 (the rest is then left to pyarrow, which checks it)."""
    head = data[: 1 << 20]
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        for cut in range(4 if len(data) > len(head) else 1):  # a cut MiB may end inside a character
            try:
                text = head[: len(head) - cut].decode("utf-8-sig")
                return text, "UTF-8 with BOM" if data.startswith(codecs.BOM_UTF8) else "UTF-8", True
            except UnicodeDecodeError as exc:
                if exc.start < len(head) - 4:
                    break
    text, label = decode_text(data, path)
    return text, label, False


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _offset_after_lines(text: str, count: int) -> int:
    """The position in ``text`` after its first ``count`` lines (CSV line breaks only)."""
    if count <= 0:
        return 0
    for number, match in enumerate(_LINE_BREAK.finditer(text), start=1):
        if number == count:
            return match.end()
    return len(text)


@dataclass
class _CsvLayout:
    """Where a delimited file's table starts: its text (or head), encoding, delimiter, header."""

    text: str
    label: str
    utf8: bool
    delimiter: str
    header_index: int
    headers: list
    offset: int  # in ``text``: the start of the header record
    body_offset: int  # in ``text``: the start of the first data record


def _csv_layout(path: Path, data: bytes, header_keys, decode_all=False, size=None) -> _CsvLayout:
    """The layout of a delimited file from its bytes (all of them, or the first few MiB of a file
    of ``size`` bytes when it is UTF-8): encoding, delimiter, header row below any title rows."""
    size = len(data) if size is None else size
    text, label, utf8 = (*decode_text(data, path), False) if decode_all else _head_text(data, path)
    if text.startswith("\ufeff"):
        text = text[1:]
    first_lines = _LINE_BREAK.split(text[: 1 << 20])
    if not any(line.strip(" \t,;|\r\n\x00") for line in first_lines) and size <= 1 << 20:
        raise DataError("the file is empty (文件为空): no header row", path=path,
                        hint="put the headers (项目名称, 所在区县, 总投资 …) in the first row")
    non_blank = next((line for line in first_lines if line.strip()), "")
    delimiter = _pick_delimiter(non_blank)
    header_index = _find_header((next(csv.reader([line], delimiter=delimiter), []) for line in first_lines),
                                header_keys)
    # The header record may span lines (a header cell with a line break, Alt+Enter in Excel);
    # title rows above it do not.
    offset = _offset_after_lines(text, header_index)
    window = text[offset: offset + _HEADER_WINDOW]
    unended = _LINE_BREAK.search(window) is None and size > _HEADER_WINDOW  # the header goes on
    check_width(window.split("\n", 1)[0].count(delimiter) + 1 if '"' not in window else 0, path, at_least=unended)
    reader = csv.reader(io.StringIO(window, newline=""), delimiter=delimiter)
    header = next(reader, [])
    check_width(len(header), path, at_least=unended)
    if unended:
        raise DataError(f"the header row is longer than {_HEADER_WINDOW // (1 << 20)} MiB (表头行过长)", path=path,
                        hint="check that the file is a table with a header row; keep the columns you need")
    return _CsvLayout(text, label, utf8, delimiter, header_index, [cell.strip() for cell in header], offset,
                      _offset_after_lines(text, header_index + max(reader.line_num, 1)))


def _read_csv(path: Path, data: bytes, header_keys, columns_wanted, decode_all=False) -> RawTable:
    csv.field_size_limit(sys.maxsize)  # cells of any size (the default, 131,072 characters, raised)

    layout = _csv_layout(path, data, header_keys, decode_all)
    text, delimiter, headers = layout.text, layout.delimiter, layout.headers
    raw = None
    if layout.utf8:
        bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        start = bom + len(text[:layout.body_offset].encode("utf-8"))
        raw = _parse_csv_arrow(data, delimiter, headers, columns_wanted, start=start)
        if raw is None:
            try:
                body = data[bom + len(text[:layout.offset].encode("utf-8")):].decode("utf-8")
            except UnicodeDecodeError:  # UTF-8 at the top, something else below: decide on the whole file
                return _read_csv(path, data, header_keys, columns_wanted, decode_all=True)
    else:
        body = text[layout.offset:]
        raw = _parse_csv_arrow(text[layout.body_offset:].encode("utf-8"), delimiter, headers, columns_wanted)
    if raw is None:
        raw = _parse_csv_python(path, body, delimiter, headers, columns_wanted)
    return _placed(raw, layout)


def _placed(raw: RawTable, layout: _CsvLayout, first: int = 0) -> RawTable:
    """``raw`` (data rows parsed from after the header; ``first`` of them before it) with its row
    numbers as a user sees them, its encoding, and the notes of how it was read."""
    import numpy as np

    raw.kind, raw.encoding = "CSV", layout.label
    raw.header_row = layout.header_index + 1
    raw.rownums = np.asarray(raw.rownums, dtype=np.int64) + layout.header_index + first
    if first:
        return raw
    if layout.header_index:
        raw.notes.append(f"header found on row {layout.header_index + 1}; rows above it skipped "
                         f"(表头在第{layout.header_index + 1}行)")
    if layout.label not in ("UTF-8", "UTF-8 with BOM"):
        raw.notes.append(f"decoded as {layout.label} (按 {layout.label} 编码读取)")
    return raw


class NotSliced(Exception):
    """The file cannot be read in slices (:func:`csv_slices`): read it whole (that reader names
    the row at fault, decodes other encodings, and so on)."""


#: Bytes read to find a sliced file's layout (its header within the first MiB, as for a whole one).
_LAYOUT_BYTES = 4 << 20


def csv_slices(path, *, header_keys=(), columns_wanted=None, rows=100_000, at_least=0):
    """A large UTF-8 delimited file as :class:`RawTable` slices of about ``rows`` rows each, for
    readers that fold a table as they go (``sxmap stats``) and need not hold all of it.

    A file of fewer than ``at_least`` rows (estimated from its first MiB) is not sliced. The
    layout (encoding, delimiter, header row, headers) is found once, as :func:`read_raw` finds
    it; the body is parsed by pyarrow's streaming CSV reader with the options of the whole-file
    parse, so each slice holds the cells the whole read would, and row numbers continue from slice
    to slice. The first slice carries the notes of how the file was read.

    Raises
    ------
    NotSliced
        Before the first slice: not a regular CSV file in UTF-8, or a small one. At any slice: a row the streaming
        parser cannot take (ragged, a stray quote, not UTF-8): the caller reads the file whole.
    DataError
        As :func:`read_raw` (empty file, binary data, a header too wide or too long).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    csv.field_size_limit(sys.maxsize)  # cells of any size, as in a whole read
    path = check_input_path(path)
    if not path.is_file():
        raise NotSliced("not a regular file")
    if path.stat().st_size < at_least:  # (fewer bytes than rows wanted: each row ends in a byte at least)
        raise NotSliced("a small file")
    with open(path, "rb") as f:
        head = f.read(_LAYOUT_BYTES)
    size = path.stat().st_size
    if path.suffix.lower() in SHAPEFILE_PARTS or file_kind(path, head) != "csv" or sniff_binary(head):
        raise NotSliced("not a text table")
    layout = _csv_layout(path, head, header_keys, size=size)
    if not layout.utf8:
        raise NotSliced("not UTF-8")  # (UTF-8 that goes wrong further down: pyarrow says so, below)
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    start = bom + len(layout.text[:layout.body_offset].encode("utf-8"))
    sample = head[start: start + (1 << 20)]  # (all of the body when the file is no bigger than the head)
    rows_seen = sample.count(b"\n") if len(head) >= size else size * sample.count(b"\n") / max(len(sample), 1)
    if rows_seen < at_least:
        raise NotSliced("a small file")
    headers = layout.headers
    names = [f"c{i}" for i in range(len(headers))]
    wanted = _wanted(columns_wanted, headers)
    quoted = _has_quote(path, start)
    with open(path, "rb") as f:
        f.seek(start)
        try:
            reader = pacsv.open_csv(
                f, read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
                parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=quoted,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                     include_columns=[names[i] for i in wanted],
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
            yield from _slices_of(reader, layout, names, wanted, rows)
        except (pa.ArrowInvalid, pa.ArrowException, OverflowError) as exc:
            raise NotSliced(str(exc)) from None


def _slices_of(reader, layout, names, wanted, rows):
    """The record batches of ``reader`` gathered into :class:`RawTable` slices of ``rows`` rows."""
    import numpy as np
    import pyarrow as pa

    done, batches, held = 0, [], 0
    while True:
        batch = next(reader, None)
        if batch is not None:
            batches.append(batch)
            held += batch.num_rows
        while held >= rows or (batch is None and (held or not done)):
            table = pa.Table.from_batches(batches, schema=reader.schema)
            part, rest = table.slice(0, rows), table.slice(rows)
            columns = [None] * len(layout.headers)
            for i in wanted:
                columns[i] = part.column(names[i]).combine_chunks()
            raw = RawTable(kind="CSV", headers=list(layout.headers), columns=columns,
                           rownums=np.arange(2, part.num_rows + 2))
            yield _placed(raw, layout, first=done)
            done += max(part.num_rows, 1)  # (an empty body is one empty slice)
            batches, held = rest.to_batches(), rest.num_rows
            if batch is None and not held:
                return
        if batch is None:
            return


def _has_quote(path: Path, start: int) -> bool:
    """Whether the file holds a quote character after ``start`` (then rows may hold line breaks)."""
    with open(path, "rb") as f:
        f.seek(start)
        while chunk := f.read(16 << 20):
            if b'"' in chunk:
                return True
    return False


def _wanted(columns_wanted, headers):
    return list(range(len(headers))) if columns_wanted is None else list(columns_wanted(headers))


def _parse_csv_arrow(data: bytes, delimiter: str, headers: list, columns_wanted, start: int = 0):
    """The data rows (UTF-8 bytes from ``start``, after the header) parsed by pyarrow, or ``None`` when a row is
    ragged, a cell is not UTF-8 or the parse fails (the careful parser then names the row).

    Without any quote character, rows cannot hold newlines: the file is parsed in parallel blocks."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(headers))]
    wanted = _wanted(columns_wanted, headers)
    quoted = data.find(b'"', start) != -1
    block = max(1 << 20, min((len(data) - start) // 2 + 1, 64 << 20)) if quoted else 1 << 22
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data).slice(start),  # no copy
            read_options=pacsv.ReadOptions(column_names=names, block_size=block),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 include_columns=[names[i] for i in wanted],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException, OverflowError):  # a ragged row, a stray quote, not UTF-8 …
        return None
    columns = [None] * len(headers)
    for i in wanted:
        columns[i] = table.column(names[i]).combine_chunks()
    return RawTable(kind="CSV", headers=headers, columns=columns, rownums=np.arange(2, table.num_rows + 2))


def _parse_csv_python(path, body: str, delimiter: str, headers: list, columns_wanted) -> RawTable:
    """The careful parser: exact record numbers, ragged rows named, an unclosed quote reported at
    the row where it opens."""
    import numpy as np
    import pyarrow as pa

    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    width = len(headers)
    wanted = _wanted(columns_wanted, headers)
    cells = {i: [] for i in wanted}
    rownums, ragged = [], []
    number = 0
    line_before = 0
    try:
        next(reader, None)
        number = 1
        line_before = reader.line_num
        for row in reader:
            number += 1
            if len(row) > width and any(c.strip() for c in row[width:]):
                ragged.append((number, row, width))
            for i in wanted:
                cells[i].append(row[i] if i < len(row) else "")
            rownums.append(number)
            line_before = reader.line_num
    except csv.Error as exc:
        row_start = number + 1
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            raise DataError(f"a quote (\") opened in this row is never closed (引号未闭合): every following line "
                            f"would be swallowed into one cell; the row starts on line {line_before + 1}",
                            path=path, row=row_start,
                            hint="close the quote, or remove the stray \" character") from None
        raise DataError(f"malformed CSV (CSV格式错误): {exc}", path=path, row=row_start,
                        hint="quote cells that contain the delimiter, and double quotes inside quoted cells") from None
    columns = [None] * width
    for i in wanted:
        columns[i] = pa.array(cells[i], type=pa.large_string())
    return RawTable(kind="CSV", headers=headers, columns=columns, rownums=np.asarray(rownums, dtype=np.int64),
                    ragged=ragged)


# --- Excel ----------------------------------------------------------------------------------


def _excel_cell_text(value) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if (value.hour, value.minute, value.second) != (0, 0, 0) else \
            value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def _excel_column(values):
    """A sheet column as a pyarrow array: a column of numbers only as float64 (the reader writes
    them as text where it needs text: :func:`geo.reading.columns`); otherwise strings, as
    written, whole numbers without ".0", dates as ISO text (:func:`_excel_cell_text`); the common
    kinds without a call per cell."""
    import pyarrow as pa

    kinds = set(map(type, values))
    if kinds - {type(None)} and kinds <= {float, int, type(None)} and \
            (int not in kinds or all(abs(v) < 2 ** 53 for v in values if type(v) is int)):
        # numbers (coordinates, 序号): kept as numbers; the reader writes them as text only where needed
        return pa.array(values, type=pa.float64())
    if kinds <= {str, type(None)}:
        return pa.array(["" if v is None else v.strip() for v in values], type=pa.large_string())
    if kinds <= {str, float, int, type(None)}:
        return pa.array([v.strip() if type(v) is str else "" if v is None else
                         (str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v)))
                         for v in values], type=pa.large_string())
    cache: dict = {}
    out = []
    for v in values:
        key = (type(v), v)
        text = cache.get(key)
        if text is None:
            text = cache[key] = _excel_cell_text(v)
        out.append(text)
    return pa.array(out, type=pa.large_string())


def _read_excel(path: Path, sheet, header_keys, head: bytes) -> RawTable:
    import numpy as np

    book = _open_workbook(path, head)
    names = list(book.sheet_names)
    if not names:
        raise DataError("the workbook has no sheets (没有工作表)", path=path)
    candidates = _sheet_candidates(path, names, sheet)
    chosen = _pick_sheet(book, path, candidates, header_keys)
    if chosen is None:
        if sheet is None and len(names) > 1:
            raise DataError("no sheet of the workbook holds data (所有工作表均为空); sheets are: " + ", ".join(names),
                            path=path, hint="put the table in a sheet, or name it with --sheet")
        raise DataError(f"sheet {candidates[0]!r} is empty (工作表为空); sheets are: " + ", ".join(names), path=path,
                        hint="name the sheet that holds the table with --sheet")
    name, matrix, ranges = chosen  # skip_empty_area=False: the matrix starts at A1
    notes = []
    if sheet is None and len(names) > 1:
        others = ", ".join(repr(n) for n in names if n != name)
        notes.append(f"read sheet {name!r}; the other sheets ({others}) were not read; choose one with --sheet "
                     f"(读取工作表 {name}，其他工作表未读取: {others})")
    merged = _fill_merged(matrix, ranges)
    if merged:
        notes.append(f"{merged} merged cell range(s) filled with their top-left value (合并单元格已填充)")
    problems = _uncached_formulas(path, names.index(name))
    width = max((len(r) for r in matrix), default=0)
    header_index = _find_header(([_excel_cell_text(v) for v in row] for row in matrix), header_keys)
    header = [_excel_cell_text(v) for v in matrix[header_index]] + [""] * width
    headers = header[:width]
    body = matrix[header_index + 1:]
    if all(len(row) == width for row in body):
        columns = [_excel_column(list(cells)) for cells in zip(*body)] if body else \
            [_excel_column([]) for _ in range(width)]
    else:
        columns = [_excel_column([row[i] if i < len(row) else None for row in body]) for i in range(width)]
    from openpyxl.utils import get_column_letter

    raw = RawTable(kind="Excel", headers=headers, columns=columns,
                   rownums=np.arange(header_index + 2, header_index + 2 + len(body), dtype=np.int64),
                   header_row=header_index + 1, sheet=name, letters=[get_column_letter(i + 1) for i in range(width)],
                   notes=notes, sheets=names)
    if header_index:
        raw.notes.append(f"header found on row {header_index + 1}; rows above it skipped "
                         f"(表头在第{header_index + 1}行)")
    for row, column in problems:
        if row > header_index + 1:
            raw.problems.append((row, column))
    return raw


def _open_workbook(path: Path, head: bytes):
    """The workbook (python-calamine), after checking that the file starts as an .xlsx or .xls does."""
    from python_calamine import CalamineWorkbook

    if head and not head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _wrong_container(path, "excel", head)
    if head.startswith(b"PK\x03\x04"):
        refuse_zip_bomb(path, "open it in Excel or WPS and save it again, or save the sheet as CSV")
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise DataError(f"cannot read as an Excel workbook (无法读取Excel文件): {str(exc).splitlines()[0][:200]}",
                        path=path, hint="check that it is an .xlsx/.xls file and not password-protected") from None


#: A workbook part (a sheet's XML) that expands past this many bytes, at more than
#: :data:`BOMB_RATIO` times its compressed size, is a zip bomb, not a table.
BOMB_BYTES = 512 << 20
BOMB_RATIO = 200


def refuse_zip_bomb(path: Path, hint: str) -> None:
    """Refuse a zip-based input (.xlsx, .ods, a zipped shapefile, a .kmz) whose parts would expand
    to gigabytes from a few megabytes (a 1.5 MB .xlsx of 1.6 GB of spaces took 21 s and 3.3 GB of
    memory to read as a two-row table). A real sheet's XML compresses 5–50 times; a part 200 times
    its compressed size and over 512 MiB is no file anyone saved. The sizes are those the archive
    declares."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # (the reader names the damage)
    for part in parts:
        if part.file_size > BOMB_BYTES and part.file_size > BOMB_RATIO * max(part.compress_size, 1):
            raise DataError(f"{part.filename} expands to {part.file_size / (1 << 30):,.1f} GiB from "
                            f"{part.compress_size / (1 << 20):,.1f} MiB: not a file anyone saved, not read "
                            f"(压缩比异常，疑为压缩炸弹)", path=path, hint=hint)


def _sheet_candidates(path: Path, names, sheet):
    """The sheets to choose from: all (no ``--sheet``), or the one named or numbered (from 1)."""
    if sheet is None:
        return names
    if str(sheet) in names:
        return [str(sheet)]
    if str(sheet).strip().isdigit() and 1 <= int(sheet) <= len(names):
        return [names[int(sheet) - 1]]
    raise UsageError(f"{path}: no sheet {sheet!r} (没有该工作表); sheets are: " + ", ".join(names))


def _pick_sheet(book, path: Path, candidates, header_keys):
    """``(name, matrix, merged ranges)`` of the sheet to read among ``candidates``: the first
    that holds data, unless it has no header row sxmap knows and a later sheet has one (an
    instruction sheet, 填表说明, before the table); ``None`` when all are empty."""
    from sxmap.geo.reading.headers import fold_header, is_header_row

    first = None
    for name in candidates:
        try:
            sheet_obj = book.get_sheet_by_name(name)
            matrix = sheet_obj.to_python(skip_empty_area=False)
        except Exception as exc:
            raise DataError(f"cannot read sheet {name!r}: {str(exc).splitlines()[0][:200]}", path=path) from None
        if not any(any(v not in (None, "") for v in row) for row in matrix):
            continue
        found = (name, matrix, list(getattr(sheet_obj, "merged_cell_ranges", None) or []))
        first = first or found
        if len(candidates) == 1 or any(
                is_header_row([fold_header(c) for c in map(_excel_cell_text, row) if c.strip()], header_keys)
                for row in matrix[: _HEADER_SEARCH_ROWS * 2]):
            return found
    return first


def _sheet_xml(path: Path, index: int):
    """The XML of the ``index``-th worksheet of an .xlsx (``None`` for other formats)."""
    import zipfile

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            ids = re.findall(r"<(?:\w+:)?sheet\b[^>]*?r:id=\"([^\"]+)\"", workbook)
            if index >= len(ids):
                return None
            target = re.search(rf"<Relationship\b[^>]*Id=\"{re.escape(ids[index])}\"[^>]*Target=\"([^\"]+)\"", rels) \
                or re.search(rf"<Relationship\b[^>]*Target=\"([^\"]+)\"[^>]*Id=\"{re.escape(ids[index])}\"", rels)
            if target is None:
                return None
            name = target.group(1).lstrip("/")
            name = name if name.startswith("xl/") else "xl/" + name
            return z.read(name)
    except (KeyError, zipfile.BadZipFile, OSError):
        return None


def _fill_merged(matrix, ranges) -> int:
    """Fill merged ranges (``((r0, c0), (r1, c1))``, 0-based) with their top-left value: calamine
    leaves the other cells empty."""
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(matrix):
            continue
        top = matrix[r0][c0] if c0 < len(matrix[r0]) else None
        for r in range(r0, min(r1, len(matrix) - 1) + 1):
            row = matrix[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = top
    return len(ranges)


def _uncached_formulas(path: Path, index: int) -> list:
    """``(row, column letter)`` of formulas that have no cached value (a workbook saved by a program
    that does not compute them): their cells would read as empty."""
    xml = _sheet_xml(path, index)
    if not xml or b"<f" not in xml:
        return []
    found = []
    pattern = rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(<v>[^<]|<is>)?'
    for match in re.finditer(pattern, xml):
        if match.group(3) is None:
            found.append((int(match.group(2)), match.group(1).decode("ascii")))
    return found


# --- GIS files --------------------------------------------------------------------------------


def _refuse_shapefile_part(path: Path):
    """One part of a shapefile given alone (.dbf, .shx, .prj …): say which file to pass."""
    shp = next((p for p in (path.with_suffix(".shp"), path.with_suffix(".SHP")) if p.is_file()), None)
    what = f"pass {shp}" if shp else "pass the .shp file, with its .shx, .dbf (and .prj, .cpg) beside it"
    raise DataError(f"a {path.suffix.lower()} file is one part of a shapefile, not a table (这是Shapefile的组成文件)",
                    path=path, hint=f"{what}, or the .zip holding them all")


def _zip_member(path: Path) -> str:
    """The GDAL path of the GIS file inside a .zip (a zipped shapefile, GeoPackage or GeoJSON)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"cannot read as a ZIP archive (无法读取ZIP文件): {exc}", path=path) from None
    for suffix in (".shp", ".gpkg", ".geojson", ".json", ".fgb"):
        found = sorted(n for n in names if n.lower().endswith(suffix))
        if found:
            return f"/vsizip/{path}/{found[0]}"
    tables = [n for n in names if n.lower().endswith((*EXCEL_SUFFIXES, ".csv", ".tsv", *PARQUET_SUFFIXES))]
    hint = f"unzip it and pass {tables[0]!r}" if tables else "pass a zipped shapefile (.shp, .shx, .dbf), or unzip it"
    raise DataError("the ZIP archive holds no shapefile, GeoPackage or GeoJSON (压缩包内没有GIS文件)", path=path,
                    hint=hint)


def _dbf_text(dbf: bytes, max_records: int = 5000) -> bytes:
    """The text fields of a .dbf (its character cells, the field names when it has none), one a
    line, for detecting the encoding; field names GDAL cut inside a character lose the cut bytes."""
    if len(dbf) < 32:
        return b""
    header_len, record_len = int.from_bytes(dbf[8:10], "little"), int.from_bytes(dbf[10:12], "little")
    count = int.from_bytes(dbf[4:8], "little")
    fields, names, pos, offset = [], [], 32, 1
    while pos + 32 <= min(header_len, len(dbf)) and dbf[pos] != 0x0D:
        names.append(dbf[pos:pos + 11].split(b"\0")[0])
        if dbf[pos + 11:pos + 12] in (b"C", b"M"):
            fields.append((offset, dbf[pos + 16]))
        offset += dbf[pos + 16]
        pos += 32
    cells = []
    for r in range(min(count, max_records)):
        record = dbf[header_len + r * record_len: header_len + (r + 1) * record_len]
        cells.extend(record[o:o + n].rstrip(b" \0") for o, n in fields)
    cells = [c for c in cells if c]
    if not cells:
        cells = [_whole_utf8(n) for n in names]
    return b"\n".join(cells)


def _whole_utf8(name: bytes) -> bytes:
    """``name`` without a UTF-8 character cut at its end (GDAL cuts field names at 10 bytes)."""
    for cut in range(4):
        try:
            (name[: len(name) - cut] if cut else name).decode("utf-8")
            return name[: len(name) - cut] if cut else name
        except UnicodeDecodeError:
            continue
    return name


#: :func:`decode_text`'s labels → the encoding names GDAL (iconv) takes.
_GDAL_ENCODINGS = {"UTF-8": "UTF-8", "UTF-8 with BOM": "UTF-8", "GB18030/GBK": "GB18030", "Big5": "CP950",
                   "Shift-JIS": "CP932", "EUC-KR": "CP949", "UTF-16": "UTF-16"}


def _shapefile_encoding(source: str, path: Path, notes: list):
    """The encoding of a shapefile's attributes, as GDAL names it, or ``None`` (not a shapefile).

    Detected from the .dbf's text as CSV is (:func:`decode_text`); a .cpg is believed only when
    the text decodes in the encoding it names. A note says what was found."""
    import codecs as _codecs
    import zipfile

    if not source.lower().endswith(".shp"):
        return None
    stem = source[:-4]
    try:
        if source.startswith("/vsizip/"):
            inner = source[len(f"/vsizip/{path}/"):-4]
            with zipfile.ZipFile(path) as archive:
                names = {n.lower(): n for n in archive.namelist()}
                read = lambda ext: archive.read(names[(inner + ext).lower()]) if (inner + ext).lower() in names                     else None  # noqa: E731
                dbf, cpg = read(".dbf"), read(".cpg")
        else:
            part = lambda ext: next((Path(stem + e) for e in (ext, ext.upper()) if Path(stem + e).is_file()), None)  # noqa: E731
            if part(".shx") is None:  # GDAL could rebuild it, but beside the input: sxmap never writes there
                raise DataError("the shapefile has no .shx beside it (缺少 .shx 文件)", path=path,
                                hint="copy the .shp together with its .shx and .dbf (and .prj, .cpg), or zip them all")
            dbf = part(".dbf").read_bytes() if part(".dbf") else None
            cpg = part(".cpg").read_bytes() if part(".cpg") else None
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    if dbf is None:
        raise DataError("the shapefile has no .dbf beside it (缺少 .dbf 文件)", path=path,
                        hint="copy the .shp together with its .shx and .dbf (and .prj, .cpg), or zip them all")
    sample = _dbf_text(dbf)
    stated = cpg.decode("ascii", "replace").strip() if cpg else ""
    if stated and stated.upper().replace("-", "") not in ("UTF8", "65001") and not sample.isascii():
        try:  # text that is valid UTF-8 is UTF-8, whatever the .cpg says (GBK would decode it as nonsense)
            sample.decode("utf-8")
            notes.append(f"the .cpg says {stated} but the attributes are UTF-8; read as UTF-8 "
                         f"(.cpg 声明 {stated}，实际为 UTF-8)")
            return "UTF-8"
        except UnicodeDecodeError:
            pass
    if stated:
        try:
            sample.decode(_codecs.lookup({"936": "gbk", "65001": "utf-8"}.get(stated, stated)).name)
            return stated
        except (LookupError, UnicodeDecodeError):
            pass
    if not sample:
        return "UTF-8"
    try:
        label = decode_text(sample, path)[1]
    except DataError as exc:
        raise DataError(f"cannot tell the encoding of the shapefile's attributes (.dbf): {exc.message}",
                        path=path, hint="save the layer again from QGIS with encoding UTF-8") from None
    found = _GDAL_ENCODINGS.get(label, "UTF-8")
    if stated:
        notes.append(f"the .cpg says {stated} but the attributes are {label}; read as {label} "
                     f"(.cpg 声明 {stated}，实际为 {label})")
    elif label not in ("UTF-8", "UTF-8 with BOM"):
        notes.append(f"no .cpg: the attributes were decoded as {label} (无 .cpg，按 {label} 读取)")
    return found


def _read_arrow_recoded(source: str, layer_name: str, encoding: str):
    """pyogrio's Arrow read with every text (field names, string cells) decoded from ``encoding``
    here, for shapefiles whose field names GDAL cut inside a character (they fail in pyogrio):
    read as ISO-8859-1, which keeps every byte, then decode; a cut character at a name's end is
    dropped."""
    import pyarrow as pa
    import pyogrio

    meta, table = pyogrio.read_arrow(source, layer=layer_name, encoding="ISO-8859-1")
    codec = {"GB18030": "gb18030", "CP950": "big5hkscs"}.get(encoding, encoding)

    def fix(text, errors):
        return text.encode("latin-1").decode(codec, errors).strip()

    names, columns = [], []
    for name, column in zip(table.column_names, table.columns):
        if name != (meta.get("geometry_name") or "wkb_geometry") and pa.types.is_string(column.type):
            column = pa.array([None if v is None else fix(v, "replace") for v in column.to_pylist()],
                              type=pa.large_string())
        names.append(name if name in ("wkb_geometry", meta.get("geometry_name")) else fix(name, "ignore"))
        columns.append(column)
    return meta, pa.table(columns, names=names)


def _read_vector(path: Path, layer, head: bytes) -> RawTable:
    import warnings

    import numpy as np
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    if path.suffix.lower() in (".geojson", ".json") and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        raise _wrong_container(path, "vector", head)
    if path.suffix.lower() in (".zip", ".kmz"):
        refuse_zip_bomb(path, "unzip it and check its files, or export the layer again")
    source = _zip_member(path) if path.suffix.lower() == ".zip" else str(path)
    notes = []
    encoding = _shapefile_encoding(source, path, notes)
    try:
        layers = [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except (DataSourceError, DataLayerError, OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read as a GeoJSON/GeoPackage file (无法读取): {str(exc).splitlines()[0][:200]}",
                        path=path, hint="check the file, or save the table as CSV or .xlsx") from None
    if not layers:
        raise DataError("the file has no layers (没有图层)", path=path)
    if layer is None:
        layer_name = layers[0]
    elif str(layer) in layers:
        layer_name = str(layer)
    else:
        raise UsageError(f"{path}: no layer {layer!r} (没有该图层); layers are: " + ", ".join(layers))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                meta, table = pyogrio.read_arrow(source, layer=layer_name, encoding=encoding)
            except UnicodeDecodeError:  # a field name cut inside a character
                if encoding is None:
                    raise
                meta, table = _read_arrow_recoded(source, layer_name, encoding)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise DataError(f"cannot read layer {layer_name!r}: {str(exc).splitlines()[0][:200]}", path=path) from None
    kind = "GeoPackage" if path.suffix.lower() == ".gpkg" else "GeoJSON" if path.suffix.lower() in (
        ".geojson", ".json") else "GIS file"
    geometry_name = meta.get("geometry_name") or "wkb_geometry"
    if geometry_name not in table.column_names:
        geometry_name = next((n for n in ("geometry", "wkb_geometry") if n in table.column_names), None)
    points = None
    if geometry_name is not None:
        wkb = table.column(geometry_name).combine_chunks()
        points = _points_from_wkb(wkb, meta.get("crs"), notes, path)
        table = table.drop_columns([geometry_name])
    headers = [str(c) for c in table.column_names]
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    n = table.num_rows
    if points is None:
        points = (np.full(n, np.nan), np.full(n, np.nan), np.full(n, "empty", dtype=object))
    return RawTable(kind=kind, headers=headers, columns=columns, rownums=np.arange(1, n + 1, dtype=np.int64),
                    header_row=0, layer=layer_name, points=points, notes=notes)


def _points_from_wkb(wkb, crs, notes, path=None):
    """``(x, y, kind)`` from a WKB array, reprojected from ``crs`` to WGS-84."""
    import numpy as np
    import shapely

    raw = wkb.to_numpy(zero_copy_only=False)
    geoms = shapely.from_wkb(raw, on_invalid="ignore")
    broken = shapely.is_missing(geoms) & np.array([v is not None for v in raw], dtype=bool)
    missing = (shapely.is_missing(geoms) | shapely.is_empty(geoms)) & ~broken
    types = shapely.get_type_id(geoms)
    kind = np.where(missing, "empty", "").astype(object)
    other = ~missing & ~broken & (types != 0)
    if other.any():
        kind[other] = shapely.get_type_id(geoms[other]).astype(str)
        names = {"1": "LineString", "2": "LinearRing", "3": "Polygon", "4": "MultiPoint", "5": "MultiLineString",
                 "6": "MultiPolygon", "7": "GeometryCollection"}
        kind[other] = [names.get(k, "shape") for k in kind[other]]
    kind[broken] = "broken geometry (invalid WKB)"
    is_point = ~missing & ~broken & (types == 0)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[is_point] = shapely.get_x(geoms[is_point])
    y[is_point] = shapely.get_y(geoms[is_point])
    if crs:
        x, y = reproject_to_wgs84(x, y, crs, notes, path)
    return x, y, kind


def reproject_to_wgs84(x, y, crs, notes, path=None):
    """Reproject arrays from a declared CRS to WGS-84 lon/lat (a note says so).

    Raises
    ------
    DataError
        The CRS is unknown to PROJ, not horizontal (geocentric, vertical) or cannot reach WGS-84
        (a local engineering system): see :func:`geo.crs.declared_crs`.
    """
    from pyproj import CRS, Transformer

    from sxmap.geo.crs import declared_crs

    source = declared_crs(crs, path)
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True) or source.equals(CRS.from_user_input("OGC:CRS84")):
        return x, y
    epsg = source.to_epsg()
    notes.append(f"reprojected from {source.name} ({'EPSG:' + str(epsg) if epsg else 'declared CRS'}) to WGS-84 "
                 "(已由文件坐标系转换为WGS-84)")
    return Transformer.from_crs(source, 4326, always_xy=True).transform(x, y)


# --- Parquet --------------------------------------------------------------------------------


def _read_parquet(path: Path, head: bytes, columns_wanted) -> RawTable:
    import json

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not head.startswith(b"PAR1"):
        raise _wrong_container(path, "parquet", head)
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise DataError(f"cannot read as a Parquet file (无法读取): {str(exc).splitlines()[0][:200]}",
                        path=path) from None
    check_width(len(schema.names), path)
    meta = json.loads((schema.metadata or {}).get(b"geo", b"{}") or b"{}")
    geometry = meta.get("primary_column", "geometry") if meta else None
    headers = [n for n in schema.names if n != geometry and n != "__index_level_0__"]
    wanted = [headers[i] for i in _wanted(columns_wanted, headers)]
    read = wanted + ([geometry] if geometry in schema.names else [])
    try:
        table = pq.read_table(path, columns=read)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise DataError(f"cannot read as a Parquet file (无法读取): {str(exc).splitlines()[0][:200]}",
                        path=path) from None
    notes = []
    points = None
    if geometry in table.column_names:
        column = table.column(geometry).combine_chunks()
        crs = meta.get("columns", {}).get(geometry, {}).get("crs")
        if pa.types.is_struct(column.type):
            x = column.field("x").to_numpy(zero_copy_only=False).astype(float)
            y = column.field("y").to_numpy(zero_copy_only=False).astype(float)
            points = (x, y, np.where(np.isnan(x), "empty", "").astype(object))
            if crs is not None:
                points = (*reproject_to_wgs84(x, y, crs, notes, path), points[2])
        else:
            points = _points_from_wkb(column, crs, notes, path)
    columns = [table.column(h).combine_chunks() if h in table.column_names else None for h in headers]
    n = table.num_rows
    return RawTable(kind="Parquet", headers=headers, columns=columns, rownums=np.arange(1, n + 1, dtype=np.int64),
                    header_row=0, points=points, notes=notes)

"""Writing outputs safely: never half-written, never over an input, never over a file by surprise.

Every file sxmap writes (tables, maps, images, fragments, reports, the rejects file, the demo)
goes through :func:`write_text` / :func:`write_bytes` (or :func:`atomic_write`), which:

- refuse an empty path, a path the command reads (its inputs, the bundled ``data/`` folder and
  anything inside the installed ``geo``/``maps`` packages), anything that is not a regular file
  (a device such as ``/dev/full`` or ``/dev/null``, a FIFO, a directory, a socket), and an
  extension that does not fit the format (``-o map.jpg`` for HTML);
- write into a temporary file beside the target and move it into place only when everything was
  written: a new file is *linked* into place (``os.link``), so of two processes creating the same
  new file without ``overwrite`` exactly one wins and the other is told the file exists;
- remove the temporary file on an error and on SIGINT, SIGTERM and SIGHUP (:class:`Interrupted`
  is raised in the writing thread; the CLI exits 130, 143 or 129);
- turn every ``OSError`` (disk full, read-only file system, permission, a missing folder) into an
  :class:`OutputError` naming the path and the cause.

It also holds the neutralisation of text for the places hostile text ends up in:
:func:`neutralise_formula` (CSV/XLSX cells, OWASP's CSV-injection advice) and
:func:`strip_control` (terminal and SVG/XML text), and :func:`check_input_path`, the check of a
file a command is about to read.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path

from sxmap.geo.errors import DataError, OutputExistsError, SxmapError, UsageError

#: The file extensions each output format may be written under (the first is the usual one).
FORMAT_EXTENSIONS = {
    "html": (".html", ".htm"),
    "csv": (".csv",),
    "json": (".json",),
    "geojson": (".geojson", ".json"),
    "table": (".txt",),
    "text": (".txt",),
    "png": (".png",),
    "svg": (".svg",),
    "pdf": (".pdf",),
    "xlsx": (".xlsx",),
    "docx": (".docx",),
}

#: Exit status for each signal that interrupts a write (128 + the signal number, as shells do).
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
if hasattr(signal, "SIGHUP"):
    SIGNAL_EXIT[signal.SIGHUP] = 129

#: Most bytes read from an input that is not a regular file (a pipe, ``/dev/stdin``): 512 MiB.
MAX_STREAM_BYTES = 512 * 1024 * 1024


class OutputError(SxmapError):
    """A file could not be written (disk full, read-only file system, no permission …): exit 1.

    Parameters
    ----------
    path : str or pathlib.Path
    cause : OSError or str
    """

    exit_code = 1

    def __init__(self, path, cause):
        self.path = str(path)
        if isinstance(cause, OSError):
            name = errno.errorcode.get(cause.errno, "") if cause.errno else ""
            reason = (cause.strerror or str(cause)) + (f" [{name}]" if name else "")
        else:
            reason = str(cause)
        self.reason = reason
        super().__init__(f"cannot write {self.path or repr(self.path)}: {reason} (无法写入文件)")


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM, SIGHUP) stopped sxmap; ``exit_code`` is 128 + its number."""

    def __init__(self, signum):
        self.signum = signum
        self.exit_code = SIGNAL_EXIT.get(signum, 128 + int(signum))
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_interrupt():
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (so ``finally``
    blocks run and temporary files are removed); the previous handlers come back afterwards.

    Outside the main thread (where Python cannot set handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in SIGNAL_EXIT:
        try:
            previous[signum] = signal.signal(signum, _raise_interrupted)
        except (ValueError, OSError):  # pragma: no cover - platforms without the signal
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def protected_dirs() -> list[Path]:
    """The folders sxmap reads its own code and data from: never written into."""
    from sxmap import geo

    here = Path(geo.__file__).resolve().parent
    dirs = [here, here.parent / "maps", here.parent / "data"]
    try:
        from sxmap.geo.boundaries import data_dir

        dirs.append(data_dir().resolve())
    except Exception:  # pragma: no cover - a broken install still protects the rest
        pass
    return list(dict.fromkeys(dirs))


def _protected_files() -> list[Path]:
    from sxmap import geo

    cli = Path(geo.__file__).resolve().parent.parent / "cli.py"
    return [cli] if cli.exists() else []


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the path as written
        return path.absolute()


def same_file(a, b) -> bool:
    """Whether two paths name one file: the same resolved path, or (both existing) one inode."""
    a, b = Path(a), Path(b)
    if _resolved(a) == _resolved(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory (目录)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device (设备文件)"
    if stat.S_ISFIFO(mode):
        return "a FIFO/pipe (管道)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_extension(path, fmt: str) -> None:
    """Refuse an extension that does not fit ``fmt`` (a key of :data:`FORMAT_EXTENSIONS`).

    Raises
    ------
    UsageError
        E.g. ``map.jpg`` for HTML: the message lists the extensions that fit.
    """
    allowed = FORMAT_EXTENSIONS.get(fmt)
    if not allowed:
        return
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        what = f"the extension {suffix!r}" if suffix else "no extension"
        other = [name for name, exts in FORMAT_EXTENSIONS.items() if suffix and suffix in exts and name != fmt]
        hint = f" (or choose the format of {suffix}: --format {other[0]})" if other else ""
        raise UsageError(f"{path}: {what} does not fit the {fmt} format (扩展名与格式不符); "
                         f"use {' or '.join(allowed)}{hint}")


def check_output_path(path, *, overwrite: bool = False, inputs=(), fmt: str | None = None) -> Path:
    """Refuse to write where it would destroy something, or where the result would mislead.

    Parameters
    ----------
    path : str or pathlib.Path
    overwrite : bool
        Allow replacing an existing regular file.
    inputs : sequence of paths
        Files the command reads (``None`` entries are ignored); never written.
    fmt : str, optional
        The output format (a key of :data:`FORMAT_EXTENSIONS`), to check the extension.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    UsageError
        An empty path; an input, the bundled data or the package code; something that is not a
        regular file; a wrong extension; a folder that does not exist.
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    """
    if path is None or str(path) == "":
        raise UsageError("the output file name is empty (输出文件名为空); give -o FILE")
    if "\x00" in str(path):
        raise UsageError(f"{path!r}: a file name cannot contain a NUL character")
    path = Path(path)
    target = _resolved(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(path, exc) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UsageError(f"refusing to write to {path}: it is {_kind(info.st_mode)}, not a regular file "
                         "(只写入普通文件)")
    for source in inputs or ():
        if source is None or str(source) == "":
            continue
        source = Path(source)
        if same_file(source, path):
            raise UsageError(f"refusing to overwrite the input file {source} (不能覆盖输入文件); choose another output")
    for folder in protected_dirs():
        if target == folder or folder in target.parents:
            raise UsageError(f"refusing to write to {path}: it is inside sxmap's own files ({folder}), which "
                             "commands read (不能写入 sxmap 自带的数据或代码目录); choose another output")
    if target in _protected_files():
        raise UsageError(f"refusing to write to {path}: it is sxmap's own code")
    if fmt is not None:
        check_extension(path, fmt)
    if info is not None and not overwrite:
        raise OutputExistsError(path)
    parent = path.parent
    if not parent.exists():
        raise UsageError(f"the folder {parent} does not exist (目录不存在)")
    if not parent.is_dir():
        raise UsageError(f"{parent} is not a folder")
    return path


def _publish(tmp: str, path: Path, overwrite: bool) -> None:
    """Move the finished temporary file to ``path``: exclusively for a new file."""
    if overwrite:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        if info is not None and not stat.S_ISREG(info.st_mode):  # appeared since the check
            raise UsageError(f"refusing to write to {path}: it is {_kind(info.st_mode)}, not a regular file")
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if path exists: create-if-absent in one step
    except FileExistsError:
        raise OutputExistsError(path) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # a file system without hard links: claim the name with O_EXCL, then move the data over it
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        except FileExistsError:
            raise OutputExistsError(path) from None
        os.close(fd)
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def current_umask() -> int:
    """The process's umask (read from ``/proc`` where it can be, else set and restored at once)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_mode(path: Path, overwrite: bool) -> int:
    """The permissions of the file about to be published: a replaced file keeps its own; a new one
    gets ``0666 & ~umask``, as ``open()`` would give it (the temporary file is created 0600)."""
    if overwrite:
        try:
            return stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            pass
    return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path, *, overwrite: bool = False, inputs=(), fmt: str | None = None):
    """A temporary path beside ``path`` for a library that writes a file by name (GDAL's
    GeoPackage driver, SQLite); moved to ``path`` only if the block succeeds, with the same checks,
    permissions, signal handling and clean-up as :func:`atomic_write`.

    Examples
    --------
    >>> with atomic_path(tmp / "p.gpkg") as name:   # doctest: +SKIP
    ...     pyogrio.write_dataframe(frame, name, driver="GPKG")
    """
    path = check_output_path(path, overwrite=overwrite, inputs=inputs, fmt=fmt)
    folder = None
    with signals_interrupt():
        try:
            folder = tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            tmp = os.path.join(folder, path.name)
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.chmod(tmp, _new_mode(path, overwrite))
            _publish(tmp, path, overwrite)
        except OSError as exc:
            raise OutputError(path, exc) from None
        finally:
            if folder is not None:
                import shutil

                shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8", newline=None, *, overwrite: bool = False,
                 inputs=(), fmt: str | None = None):
    """Open a temporary file beside ``path``; move it to ``path`` only if the block succeeds.

    The target is checked first (:func:`check_output_path`). A new file is created exclusively:
    if another process created ``path`` meanwhile, :class:`OutputExistsError` is raised and
    nothing is replaced. On any error, and on SIGINT/SIGTERM/SIGHUP (:class:`Interrupted`), the
    temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    OutputError
        An ``OSError`` while writing (disk full, read-only file system …), with the path.
    UsageError, OutputExistsError
        See :func:`check_output_path`.

    Examples
    --------
    >>> with atomic_write(tmp / "map.html", fmt="html") as f:   # doctest: +SKIP
    ...     f.write(html)
    """
    path = check_output_path(path, overwrite=overwrite, inputs=inputs, fmt=fmt)
    binary = "b" in mode
    tmp = None
    with signals_interrupt():
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding, "newline": newline})) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, _new_mode(path, overwrite))
            _publish(tmp, path, overwrite)
            tmp = None
        except OSError as exc:
            raise OutputError(path, exc) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def write_text(path, text: str, *, overwrite: bool = False, inputs=(), fmt: str | None = None,
               encoding: str = "utf-8", newline=None) -> Path:
    """Write text safely (see :func:`atomic_write`); returns the path."""
    with atomic_write(path, encoding=encoding, newline=newline, overwrite=overwrite, inputs=inputs, fmt=fmt) as f:
        f.write(text)
    return Path(path)


def write_chunks(path, chunks, *, overwrite: bool = False, inputs=(), fmt: str | None = None,
                 encoding: str = "utf-8", newline=None) -> Path:
    """Write text that comes in pieces (an iterable of ``str``, e.g. a renderer that yields rows a
    chunk at a time) safely, without holding it all; see :func:`atomic_write`. Returns the path."""
    with atomic_write(path, encoding=encoding, newline=newline, overwrite=overwrite, inputs=inputs, fmt=fmt) as f:
        for chunk in chunks:
            f.write(chunk)
    return Path(path)


def write_bytes(path, data: bytes, *, overwrite: bool = False, inputs=(), fmt: str | None = None) -> Path:
    """Write bytes safely (see :func:`atomic_write`); returns the path."""
    with atomic_write(path, mode="wb", encoding=None, overwrite=overwrite, inputs=inputs, fmt=fmt) as f:
        f.write(data)
    return Path(path)


# --------------------------------------------------------------------------------------------
# Inputs


def check_input_path(path) -> Path:
    """Check a file a command is about to read: it exists and is a regular file or a pipe.

    Directories, devices (``/dev/zero`` would be read for ever) and sockets are refused. A pipe
    (``/dev/stdin``, ``<(…)``) is allowed; read it with :func:`read_input_bytes`, which stops at
    :data:`MAX_STREAM_BYTES`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataError
        Missing file, or not a regular file/pipe.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataError("file not found (文件不存在)", path=path) from None
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc} (无法读取)", path=path) from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise DataError(f"cannot read this: it is {_kind(info.st_mode)}, not a file (不是普通文件)", path=path,
                        hint="give a CSV, XLSX, GeoJSON, GeoPackage or Parquet file")
    return path


def read_input_bytes(path, limit: int = MAX_STREAM_BYTES) -> bytes:
    """The bytes of an input (after :func:`check_input_path`); from a pipe at most ``limit``.

    Raises
    ------
    DataError
        More than ``limit`` bytes (a pipe that never ends), or an unreadable file.
    """
    path = check_input_path(path)
    try:
        with open(path, "rb") as f:
            if stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return f.read()  # a regular file has an end: the limit is for pipes
            data = f.read(limit + 1)
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc} (无法读取)", path=path) from None
    if len(data) > limit:
        raise DataError(f"the input is larger than {limit // (1024 * 1024)} MiB (输入过大)", path=path,
                        hint="save it as a file and split it, or use a Parquet file")
    return data


# --------------------------------------------------------------------------------------------
# Hostile text

# C0 controls except tab/newline/CR, DEL, C1 controls; OSC/CSI/ESC sequences removed whole first.
_ESCAPE_SEQUENCE = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9d[^\x07\x9c]*[\x07\x9c]?"
                              r"|\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# not valid in XML; and the bidirectional overrides that can make a terminal line read other than it is
_XML_INVALID = re.compile("[\ufffe\uffff\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"^[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def strip_control(text, *, keep_newlines: bool = False) -> str:
    """``text`` without terminal escape sequences (ANSI CSI, OSC such as hyperlinks or title
    changes), C0/C1 control characters and bidirectional overrides: safe for a terminal and valid
    in XML/SVG.

    Tabs, newlines and carriage returns become spaces (or are kept with ``keep_newlines``).

    Examples
    --------
    >>> strip_control("a\\x1b]0;pwned\\x07b\\x1b[31mc")
    'abc'
    """
    if text is None:
        return ""
    text = _ESCAPE_SEQUENCE.sub("", str(text))
    if keep_newlines:
        text = _CONTROL.sub("", text)
    else:
        text = _CONTROL.sub("", text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _XML_INVALID.sub("", text)


@functools.cache
def _not_xml():
    """Every character XML 1.0 forbids: C0 controls but tab/newline/CR, lone surrogates, U+FFFE,
    U+FFFF. Compiled on first use: a class spanning all of Unicode takes 5 ms to
    compile, a share of every command's start-up that writes no XML."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value):
    """``value`` with the characters XML 1.0 forbids removed (C0 controls other than tab, newline
    and CR; lone surrogates; U+FFFE, U+FFFF): a KML, XLSX, SVG or DOCX file that holds it opens.
    Anything that is not text comes back unchanged.

    Examples
    --------
    >>> xml_safe("US$5亿\ufffe\x01")
    'US$5亿'
    """
    if not isinstance(value, str):
        return value
    return _not_xml().sub("", value)


def neutralise_formula(value):
    """A cell as a spreadsheet should show it: text starting with ``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return gets a leading ``'`` (OWASP, CSV injection), so Excel or WPS show it
    instead of evaluating it. Numbers, and text that is a plain number (``-5``, ``+3.5``), are
    unchanged. Other control characters are removed.

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise_formula("-5"), neutralise_formula(-5)
    ('-5', -5)
    """
    if not isinstance(value, str):
        return value
    text = _ESCAPE_SEQUENCE.sub("", value)
    text = _CONTROL.sub("", text)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text.strip()):
        return "'" + text
    return text

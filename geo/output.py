"""Writing outputs safely: never half-written, never over an input, never over a file by surprise."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from geo.errors import OutputExistsError, UsageError


def check_output_path(path, *, overwrite: bool = False, inputs=()) -> Path:
    """Refuse to write where it would destroy something.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    UsageError
        ``path`` is one of the ``inputs`` (an input file is never overwritten).
    """
    path = Path(path)
    for source in inputs:
        if source is not None and Path(source).exists() and path.exists() and os.path.samefile(source, path):
            raise UsageError(f"refusing to overwrite the input file {source}; choose another output")
    if path.exists() and not overwrite:
        raise OutputExistsError(path)
    if path.parent and not path.parent.exists():
        raise UsageError(f"the folder {path.parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8", newline=None):
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    Examples
    --------
    >>> with atomic_write(tmp / "map.html") as f:   # doctest: +SKIP
    ...     f.write(html)
    """
    path = Path(path)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding, "newline": newline})) as f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text: str, **kwargs) -> Path:
    """Write text atomically (see :func:`atomic_write`)."""
    with atomic_write(path, **kwargs) as f:
        f.write(text)
    return Path(path)


def write_bytes(path, data: bytes) -> Path:
    """Write bytes atomically (see :func:`atomic_write`)."""
    with atomic_write(path, mode="wb", encoding=None) as f:
        f.write(data)
    return Path(path)

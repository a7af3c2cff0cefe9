"""The heavy libraries imported once per process, without the garbage collector going over them.

Importing numpy, pyarrow and pandas creates some 60,000 objects (modules, classes, functions) that
live as long as the process. Python's collector goes over them again and again while they are made
(a collection every 700 new objects, each over every young object, some over all of them): 157
collections, about 70 ms of ``sxmap stats`` on a 1,000-row list, where start-up is the whole cost
(``benchmarks/bench_startup.py``). Imported here, with the collector paused, they are then moved
out of its sight (``gc.freeze``): refcounting still frees whatever is dropped; only a reference
cycle made during the import and dropped later would stay (the libraries make none worth counting).
"""

from __future__ import annotations


def import_quietly(*names: str) -> None:
    """Import the modules ``names`` (e.g. ``"pandas"``) that are not imported yet, with the garbage
    collector paused, then freeze what exists (once per library and process: nothing happens for
    modules already imported).

    Examples
    --------
    >>> import_quietly("numpy", "pyarrow")
    """
    import gc
    import importlib
    import sys

    missing = [name for name in names if name not in sys.modules]
    if not missing:
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        for name in missing:
            importlib.import_module(name)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()

"""Work on other threads, to use the cores this process may run on.

For work that numpy, zlib or Arrow do without holding the GIL (their loops release it): slices of
a million coordinates, 4 MiB blocks of a page to deflate, a check over every name while the reader
goes on.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_on_cores(work, items) -> list:
    """``[work(item) for item in items]``, in order, on one thread per core (at most one per item);
    in this thread when there is one core or one item."""
    items = list(items)
    workers = min(len(items), usable_cores())
    if workers <= 1:
        return [work(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, items))


def in_background(work, *args):
    """Start ``work(*args)`` on a thread and go on; ``.result()`` of what comes back waits for it
    and raises what it raised."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(work, *args)
    finally:
        pool.shutdown(wait=False)

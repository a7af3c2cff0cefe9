"""Progress on standard error for reads and renders that take a while.

A line appears only when standard error is a terminal and the work has taken more than
:data:`DELAY` seconds: nothing in pipes, logs, tests or quick commands. It names the stage under
way and the time spent, refreshed twice a second (tqdm draws it).

Examples
--------
>>> with stages("sxmap projects.csv", ["读取 reading", "定位 locating"]) as step:  # doctest: +SKIP
...     step("读取 reading"); ...
...     step("定位 locating"); ...
"""

from __future__ import annotations

import contextlib
import sys
import threading

#: Seconds before anything is shown.
DELAY = 2.0
#: Seconds between redraws.
INTERVAL = 0.5


#: Set by the CLI's ``--quiet``: no progress line at all.
QUIET = False


def _enabled() -> bool:
    return not QUIET and bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextlib.contextmanager
def stages(description: str, names):
    """A progress line over named stages; yields ``step(name)``, to call as each stage starts."""
    names = list(names)
    if not _enabled():
        yield lambda name: None
        return
    from tqdm import tqdm

    bar = tqdm(total=len(names), desc=description, file=sys.stderr, leave=False, disable=False, delay=10 ** 9,
               bar_format="{desc}: {n}/{total} {postfix} [{elapsed}]")
    lock = threading.Lock()
    stop = threading.Event()
    state = {"n": 0}

    def step(name):
        with lock:
            bar.set_postfix_str(name, refresh=False)
            if state["n"]:
                bar.n += 1
            state["n"] += 1

    def redraw():
        if not stop.wait(DELAY):
            while True:
                with lock:
                    bar.refresh()
                if stop.wait(INTERVAL):
                    break

    painter = threading.Thread(target=redraw, daemon=True)
    painter.start()
    try:
        yield step
    finally:
        stop.set()
        painter.join()
        with lock:
            bar.close()

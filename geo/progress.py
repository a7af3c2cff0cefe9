"""Progress on standard error for reads and renders that take a while.

A bar appears only when standard error is a terminal and the work has taken more than
:data:`DELAY` seconds (tqdm's ``delay``): nothing in pipes, logs, tests or quick commands.

Examples
--------
>>> with stages("读取 reading", ["file", "columns", "locate"]) as step:  # doctest: +SKIP
...     step("file"); ...
"""

from __future__ import annotations

import contextlib
import sys

#: Seconds before a bar is shown.
DELAY = 2.0


def _enabled() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


@contextlib.contextmanager
def stages(description: str, names):
    """A bar over named stages; yields ``step(name)`` to call as each stage starts."""
    names = list(names)
    if not _enabled():
        yield lambda name: None
        return
    from tqdm import tqdm

    bar = tqdm(total=len(names), desc=description, delay=DELAY, file=sys.stderr, leave=False,
               bar_format="{desc}: {n}/{total} {postfix} [{elapsed}]")
    done = {"n": 0}

    def step(name):
        if done["n"]:
            bar.update(1)
        done["n"] += 1
        bar.set_postfix_str(name, refresh=True)

    try:
        yield step
        bar.update(bar.total - bar.n)
    finally:
        bar.close()

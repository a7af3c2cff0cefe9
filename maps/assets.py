"""sxmap's own script and style (``maps/web/sxmap.js``, ``maps/web/sxmap.css``), inlined into every
page by :mod:`maps.offline`.

The script builds every user-visible string into the page with ``textContent`` (never
``innerHTML``), from JSON data written by :func:`maps.offline.js_json`; so names such as
``<img src=x onerror=alert(1)>`` are shown as written and nothing in them runs.

Layers and calls it provides (``window.sxmap``):

``districts(spec)``  district polygons (SVG) with fills, "no data" hatching, hover tooltips, labels;
``points(spec)``     projects: individual SVG circle markers when few (``mode = "rich"``), one canvas
                     layer drawn from compact typed arrays when many (``mode = "canvas"``); projects
                     sharing one spot are spread around it (a sunflower, as on the static maps) or,
                     when there are many, gathered into one count marker that lists them on click;
``places(spec)``     platforms and enclave offices as small DivIcon squares/diamonds (below the
                     projects); enclaves outside the view get an indicator at the map's edge;
``links(spec)``      curved lines with direction arrows (enclaves ↔ home district);
``outlines(spec)``   plain outlines (the city, places hosting enclaves);
``legend(map, spec)``, ``title(map, text)``, ``panel(map, spec)`` (the filter panel),
``ready(map)``       and the page API: ``sxmap.map``, ``sxmap.filter({...})``, ``sxmap.visible()``
                     (for a fragment: the same object as ``container.sxmap``).

It is ES5 (no arrow functions, no template strings) so that older intranet browsers run it.
The files are package data (``pyproject.toml``), read once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"


@functools.lru_cache(maxsize=None)
def script() -> str:
    """The text of ``maps/web/sxmap.js``."""
    return (WEB / "sxmap.js").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def style() -> str:
    """The text of ``maps/web/sxmap.css``."""
    return (WEB / "sxmap.css").read_text(encoding="utf-8")


def __getattr__(name):  # ``assets.JS`` / ``assets.CSS``, as before the files moved out
    if name == "JS":
        return script()
    if name == "CSS":
        return style()
    raise AttributeError(name)

"""Self-contained pages: Leaflet and jQuery inlined from the PyPI ``xstatic`` packages.

folium's default page loads Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from
CDNs; offline (an intranet) it stays blank ("L is not defined"). sxmap's pages instead carry:

- Leaflet 1.9.3 JS and CSS from ``xstatic-leaflet``, with the CSS ``url(images/…)`` references
  (layer-control icon, default marker) turned into data URIs;
- jQuery 3.7.1 from ``xstatic-jquery`` (folium's own popups call it; sxmap's do not, but maps
  returned to a notebook may be given folium popups);
- sxmap's own script and style, real files in the package (``maps/web/sxmap.js`` and
  ``sxmap.css``, read by :mod:`maps.assets`): :func:`sxmap_js`, :func:`sxmap_css`.

Bootstrap and Font Awesome are not needed: sxmap draws with circle markers, canvas and DivIcons.
With ``cdn=True`` Leaflet and jQuery are linked from jsDelivr instead (smaller files that need
the internet); sxmap's own script is always inline.

Anything user-supplied goes into the page through :func:`js_json`, which escapes ``<``, ``>``,
``&`` and the JavaScript line separators so that a string can never close the ``<script>``.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from pathlib import Path

LEAFLET_VERSION = "1.9.3"
JQUERY_VERSION = "3.7.1"

CDN_JS = (
    ("leaflet", f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"),
    ("jquery", f"https://cdn.jsdelivr.net/npm/jquery@{JQUERY_VERSION}/dist/jquery.min.js"),
)
CDN_CSS = (("leaflet_css", f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"),)


def _xstatic_dir(module: str) -> Path:
    import importlib

    try:
        package = importlib.import_module(f"xstatic.pkg.{module}")
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ImportError(f"self-contained maps need the PyPI package xstatic-{module.replace('_', '-')}: "
                          f"pip install xstatic-{module.replace('_', '-')}") from exc
    return Path(package.BASE_DIR)


def data_uri(path: Path, mime: str | None = None) -> str:
    """A file as a ``data:`` URI (base64)."""
    mime = mime or {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_css_urls(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references in ``css`` by data URIs of the files under ``base``.

    ``url(#…)`` (a VML behaviour) and URLs that are already ``data:`` are left alone.
    """

    def replace(match):
        target = match.group(2)
        if target.startswith(("data:", "#", "http:", "https:")):
            return match.group(0)
        return f"url({data_uri(base / target)})"

    return re.sub(r"""url\((['"]?)([^'")]+)\1\)""", replace, css)


def _check_inline(text: str, what: str) -> str:
    """Strip source-map comments and make sure ``text`` cannot end its ``<script>``/``<style>``."""
    text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)
    text = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", text)
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered or "<!--" in lowered:
        raise ValueError(f"{what} contains a sequence that would end its inline element")
    return text.strip()


@functools.lru_cache(maxsize=None)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, ready to inline."""
    return _check_inline((_xstatic_dir("leaflet") / "leaflet.js").read_text(encoding="utf-8"), "leaflet.js")


@functools.lru_cache(maxsize=None)
def leaflet_css() -> str:
    """Leaflet's CSS with its images as data URIs."""
    base = _xstatic_dir("leaflet")
    css = inline_css_urls((base / "leaflet.css").read_text(encoding="utf-8"), base)
    return _check_inline(css, "leaflet.css")


@functools.lru_cache(maxsize=None)
def jquery_js() -> str:
    """jQuery's minified JavaScript, ready to inline."""
    return _check_inline((_xstatic_dir("jquery") / "jquery.min.js").read_text(encoding="utf-8"), "jquery.min.js")


@functools.lru_cache(maxsize=None)
def marker_icons() -> dict:
    """Leaflet's default marker images as data URIs (``iconUrl``, ``iconRetinaUrl``, ``shadowUrl``)."""
    images = _xstatic_dir("leaflet") / "images"
    return {
        "iconUrl": data_uri(images / "marker-icon.png"),
        "iconRetinaUrl": data_uri(images / "marker-icon-2x.png"),
        "shadowUrl": data_uri(images / "marker-shadow.png"),
    }


def sxmap_js() -> str:
    """sxmap's own script (``maps/web/sxmap.js``), ready to inline."""
    from sxmap.maps import assets

    return _check_inline(assets.script(), "sxmap.js")


def sxmap_css() -> str:
    """sxmap's own style (``maps/web/sxmap.css``), ready to inline."""
    from sxmap.maps import assets

    return _check_inline(assets.style(), "sxmap.css")


_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
               "{": "\\u007b"}


def js_json(obj) -> str:
    """JSON for a ``<script>``: UTF-8 kept, ``< > &`` and U+2028/2029 escaped, keys in given order.

    The result is a JavaScript expression; no string in it can end the script element or start
    an HTML comment, whatever the data, nor open a Jinja tag (``{{``, ``{%``, ``{#``: branca
    renders each script through Jinja once more).
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "{" before "{", "%" or "#" only occurs inside strings (JSON puts '"' or '}' after a brace):
    # escaped, because branca parses every rendered script as a Jinja template again, and
    # "{{ … }}" in a project's name would be evaluated (run) at build time.
    return re.sub("[<>&\u2028\u2029]|\\{(?=[{%#])", lambda m: _JS_ESCAPES[m.group(0)], text)


def script_tag(js: str) -> str:
    """An inline ``<script>`` element."""
    return f"<script>{_check_inline(js, 'script')}</script>"


def style_tag(css: str) -> str:
    """An inline ``<style>`` element."""
    return f"<style>{_check_inline(css, 'style')}</style>"

"""Embedding HTML maps in other pages: a self-contained fragment, or an ``<iframe>``.

:func:`fragment` turns a map (a ``folium.Map`` from :mod:`maps.html`, or the text of a page that
sxmap wrote) into a ``<div>`` carrying its own styles and scripts and no ``<html>``/``<body>``:
paste it into any page — an intranet CMS, a report — and it works offline like the full page.

Several fragments on one page do not interfere:

- folium's page-wide rules (``html, body {height: 100%}``, ``#map {position: absolute}``) are
  dropped; the map's size is set on the fragment's own ``<div>``;
- the fragment has no element ids: its script finds its map container through
  ``document.currentScript``, so even the same fragment pasted twice draws two maps;
- the page's global names (``map_0002``, ``sx_layer_0004`` …) get a prefix made from a hash of
  the page (``sx1a2b3c4d_map_0002``), so two different maps never share a variable. The prefix
  is deterministic: the same map gives the same fragment, byte for byte.

:func:`iframe_snippet` writes ``<iframe srcdoc="…">`` (the whole page, escaped, inside the
attribute: one self-contained snippet) or ``<iframe src="map.html">``.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re

from sxmap.geo.errors import UsageError

DEFAULT_WIDTH = "100%"
DEFAULT_HEIGHT = "500px"

_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<link\b[^>]*>", re.S | re.I)
_BOILERPLATE_STYLE = re.compile(r"^\s*(html\s*,\s*body|#map)\s*\{", re.I)
# folium's globals: ``var map_0002``, ``let layer_control_000e``, ``var layer_control_000e_layers``
_NAME_DECL = re.compile(r"\b(?:var|let|const)\s+([A-Za-z_][A-Za-z0-9_]*_[0-9a-f]{4,32}(?:_[A-Za-z]+)?)\b")
_LEXICAL_DECL = re.compile(r"^(\s*)(?:let|const)(\s+[A-Za-z_][A-Za-z0-9_]*_[0-9a-f]{4,32}(?:_[A-Za-z]+)?\s*=)", re.M)
_LENGTH = re.compile(r"^\d+(\.\d+)?(px|%|em|rem|vh|vw|cm|mm|in)?$")


def _length(value, name: str) -> str:
    """A CSS length from ``500``, ``500px``, ``100%`` …; plain numbers are pixels."""
    text = str(value).strip()
    if not _LENGTH.match(text):
        raise UsageError(f"{name} {value!r}: give a CSS length such as 500px, 100% or 30em")
    return text + "px" if re.fullmatch(r"\d+(\.\d+)?", text) else text


def parse_embed_size(text) -> tuple[str, str]:
    """``"100%x500px"`` or ``"800x600"`` → (width, height) as CSS lengths (numbers are pixels)."""
    if text is None:
        return DEFAULT_WIDTH, DEFAULT_HEIGHT
    parts = re.split(r"\s*[x×]\s*", str(text).strip(), maxsplit=1)
    if len(parts) != 2:
        raise UsageError(f"--embed-size {text!r}: write WIDTHxHEIGHT, e.g. 100%x500px or 800x600")
    return _length(parts[0], "width"), _length(parts[1], "height")


def page_html(map_or_html, cdn: bool = False) -> str:
    """The full page of a map: rendered by :func:`maps.html.render_html` (deterministic ids) for a
    ``folium.Map``, or returned as given for a string."""
    if isinstance(map_or_html, str):
        return map_or_html
    if hasattr(map_or_html, "get_root"):
        from sxmap.maps.html import render_html

        return render_html(map_or_html, cdn=cdn)
    raise UsageError(f"cannot embed a {type(map_or_html).__name__}: give a folium.Map or its HTML")


def _split_page(page: str) -> tuple[list[str], str, list[str]]:
    """(head assets, body markup, scripts after the body) of a folium page."""
    head_match = re.search(r"<head\b[^>]*>(.*?)</head\s*>", page, re.S | re.I)
    body_match = re.search(r"<body\b[^>]*>(.*?)</body\s*>", page, re.S | re.I)
    if not head_match or not body_match:
        raise UsageError("not an HTML page written by sxmap or folium (no <head> or <body>)")
    head = [m.group(0) for m in _BLOCK.finditer(head_match.group(1))]
    tail = page[body_match.end():]
    after = [m.group(0) for m in _BLOCK.finditer(tail)]
    return head, body_match.group(1), after


def fragment_parts(map_or_html, *, prefix: str | None = None, cdn: bool = False) -> tuple[list[str], str]:
    """The pieces of a fragment: the shared assets (library scripts and styles, identical for
    every sxmap map, so a page holding several maps needs them once) and the map's own markup.

    Parameters
    ----------
    map_or_html : folium.Map or str
    prefix : str, optional
        The prefix of the page's global names (default: ``sx`` + 8 hex digits of the page's hash).
    cdn : bool
        Render a ``folium.Map`` with CDN links instead of inlined libraries.

    Returns
    -------
    (list of str, str)
        Asset blocks (``<script>``, ``<style>``, ``<link>``) and the map's ``<div>`` with its
        script. Concatenated, assets then markup, they make :func:`fragment`'s ``<div>`` body.
    """
    page = page_html(map_or_html, cdn=cdn)
    head, body, after = _split_page(page)
    if prefix is None:
        prefix = "sx" + hashlib.sha1(page.encode("utf-8")).hexdigest()[:8]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prefix):
        raise UsageError(f"prefix {prefix!r}: use letters, digits and _ only")
    # a top-level let/const cannot be declared twice on a page (the same fragment pasted twice):
    # as var, a repeated declaration is harmless and each fragment still renames its own
    scripts = _LEXICAL_DECL.sub(r"\1var\2", "\n".join(after))
    names = sorted(set(_NAME_DECL.findall(scripts)) | set(re.findall(r'\bid="([A-Za-z_][A-Za-z0-9_]*)"', body)),
                   key=len, reverse=True)
    map_ids = re.findall(r'<div class="folium-map" id="([^"]+)"', body)

    def rename(text: str) -> str:
        if not names:
            return text
        pattern = re.compile(r"(?<![A-Za-z0-9_$.-])(" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z0-9_$])")
        return pattern.sub(lambda m: f"{prefix}_{m.group(1)}", text)

    assets = []
    for block in head:
        inner = re.sub(r"^<[^>]*>|</[^>]*>$", "", block.strip())
        if block.lower().startswith("<style") and _BOILERPLATE_STYLE.match(inner):
            continue  # page-wide rules of a full-page map
        if any(re.search(r"#" + re.escape(i) + r"\b", block) for i in map_ids):
            continue  # the map div's size: set on the div instead
        assets.append(block)
    markup = body.strip()
    for map_id in map_ids:
        markup = markup.replace(f'<div class="folium-map" id="{map_id}" ></div>',
                                '<div class="folium-map" style="position:relative;width:100%;height:100%;"></div>')
        markup = markup.replace(f'<div class="folium-map" id="{map_id}"></div>',
                                '<div class="folium-map" style="position:relative;width:100%;height:100%;"></div>')
    script = rename(scripts)
    for map_id in map_ids:
        # L.map("map_0002", …) → the container next to this very script.
        script = re.sub(r'L\.map\(\s*"' + re.escape(f"{prefix}_{map_id}") + r'"',
                        'L.map(document.currentScript.parentNode.querySelector(".folium-map")', script)
    leftover = [i for i in map_ids if f'"{prefix}_{i}"' in script]
    if leftover:  # an unexpected use of the id: keep it, prefixed, so the map still finds its div
        markup = markup.replace('<div class="folium-map" style=', f'<div class="folium-map" id="{prefix}_{leftover[0]}" style=', 1)
    return assets, markup + "\n" + script


def fragment(map_or_html, *, width=DEFAULT_WIDTH, height=DEFAULT_HEIGHT, prefix: str | None = None,
             cdn: bool = False, assets: bool = True) -> str:
    """An HTML fragment of a map: one ``<div>`` with its styles and scripts, no ``<html>``/``<body>``.

    Parameters
    ----------
    map_or_html : folium.Map or str
        A map from :mod:`maps.html`, or the text of a page sxmap wrote.
    width, height : str
        CSS size of the map (``100%`` × ``500px`` by default; plain numbers are pixels).
    prefix : str, optional
        Prefix of the page's global names (default: from the page's hash; see the module doc).
    cdn : bool
        Link Leaflet and jQuery from a CDN (smaller; needs the internet).
    assets : bool
        Include the library scripts and styles (set False when the page already has them from
        another fragment: see :func:`fragment_parts`).

    Returns
    -------
    str

    Examples
    --------
    >>> from sxmap.maps.html import choropleth_map                       # doctest: +SKIP
    >>> html = fragment(choropleth_map(projects), height="420px")   # doctest: +SKIP
    """
    width, height = _length(width, "width"), _length(height, "height")
    shared, own = fragment_parts(map_or_html, prefix=prefix, cdn=cdn)
    pieces = [f'<div class="sxmap-fragment" style="position:relative;width:{width};height:{height};">']
    if assets:
        pieces.extend(shared)
    pieces.append(own)
    pieces.append("</div>")
    return "\n".join(pieces) + "\n"


def iframe_snippet(map_or_html=None, *, src: str | None = None, width=DEFAULT_WIDTH, height=DEFAULT_HEIGHT,
                   title: str = "sxmap", cdn: bool = False) -> str:
    """An ``<iframe>`` showing a map: ``srcdoc`` (the page inside the attribute, escaped) or ``src``.

    Parameters
    ----------
    map_or_html : folium.Map or str, optional
        The map (or its page) for a ``srcdoc`` iframe.
    src : str, optional
        The address of a saved page (e.g. ``map.html``) for an ``src`` iframe instead.
    width, height : str
        CSS size (plain numbers are pixels).
    title : str
        The iframe's accessible title (escaped).
    cdn : bool
        Render a ``folium.Map`` with CDN links.

    Returns
    -------
    str
        One line of HTML. The ``srcdoc`` frame is sandboxed (scripts and pop-ups allowed, no
        access to the embedding page).
    """
    width, height = _length(width, "width"), _length(height, "height")
    style = f"width:{width};height:{height};border:0;"
    attrs = f'title="{html_lib.escape(str(title), quote=True)}" style="{style}" loading="lazy"'
    if src is not None:
        if map_or_html is not None:
            raise UsageError("give either a map (srcdoc) or src, not both")
        return f'<iframe src="{html_lib.escape(str(src), quote=True)}" {attrs}></iframe>\n'
    if map_or_html is None:
        raise UsageError("iframe_snippet needs a map or src=")
    page = page_html(map_or_html, cdn=cdn)
    srcdoc = html_lib.escape(page, quote=True).replace("\r", "&#13;").replace("\n", "&#10;")  # one line
    return (f'<iframe srcdoc="{srcdoc}" {attrs} '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>\n')

"""The folium elements of sxmap's pages: the map (with its inlined assets), a layer drawn by
sxmap's script, a call of sxmap's script, the page set-up, literal HTML.

The classes are made on first use (:func:`_classes`), so that importing the HTML modules stays
light (folium is imported then). :mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import html as html_lib

from sxmap.maps.offline import js_json

_folium_classes = {}


def _classes():
    """The element classes by name (``Raw``, ``SxMap``, ``SxLayer``, ``SxCall``, ``Setup``), made once."""
    if not _folium_classes:
        raw = _raw_class()
        _folium_classes.update(Raw=raw, SxMap=_map_class(raw), SxLayer=_layer_class(), SxCall=_call_class(),
                               Setup=_setup_class())
    return _folium_classes


def _raw_class():
    """The element of literal HTML."""
    from branca.element import Element

    class Raw(Element):
        """Literal HTML (no template processing)."""

        def __init__(self, text: str):
            super().__init__()
            self._name = "Raw"
            self.text = text

        def render(self, **kwargs):
            return self.text

    return Raw


def _map_class(Raw):
    """The map whose page carries its own assets; ``Raw`` holds them in the page's head."""
    import folium

    from sxmap.maps import offline

    class SxMap(folium.Map):
        """A folium Map whose page carries its own Leaflet, jQuery and sxmap script.

        Attributes
        ----------
        cdn : bool
            Link Leaflet and jQuery from jsDelivr instead of inlining them.
        page_title : str
            The ``<title>`` of the page (escaped).
        """

        default_js = []
        default_css = []

        def __init__(self, *args, page_title="", notiles=False, **kwargs):
            super().__init__(*args, **kwargs)
            self._name = "Map"
            self.cdn = False
            self.page_title = page_title
            self.notiles = notiles

        def render(self, **kwargs):
            figure = self.get_root()
            parts = [f"<title>{html_lib.escape(self.page_title)}</title>"] if self.page_title else []
            if self.cdn:
                parts += [f'<link rel="stylesheet" href="{url}"/>' for _, url in offline.CDN_CSS]
                parts += [f'<script src="{url}"></script>' for _, url in offline.CDN_JS]
            else:
                parts += [offline.style_tag(offline.leaflet_css()), offline.script_tag(offline.leaflet_js()),
                          offline.script_tag(offline.jquery_js())]
            parts += [offline.style_tag(offline.sxmap_css()), offline.script_tag(offline.sxmap_js()),
                      offline.script_tag(f"sxmap.icons({js_json(offline.marker_icons())});")]
            figure.header.add_child(Raw("\n".join(parts)), name="sxmap_assets")
            super().render(**kwargs)

    return SxMap


def _layer_class():
    """The layer drawn by sxmap's script."""
    import folium
    from folium.template import Template

    class SxLayer(folium.map.Layer):
        """A layer drawn by sxmap's script: ``sxmap.<kind>(spec)``, in the layer control as ``name``."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "var {{ this.get_name() }} = sxmap.{{ this.kind }}({{ this.spec_token() }});\n"
            "{% endmacro %}"
        )

        def __init__(self, kind, spec, name, show=True, control=True):
            super().__init__(name=name, overlay=True, control=control, show=show)
            self._name = "SxLayer"
            self.kind = kind
            self.spec_js = js_json(spec)
            self.bounds = None

        def spec_token(self):
            """What the template writes in place of the spec: :func:`render_html` puts the spec
            there afterwards, so that branca's Jinja pass does not lex megabytes of data. The
            token starts with '<', which js_json escapes in every string: no data can forge it."""
            return f"<sxspec:{id(self)}>"  # never in the output: not a page id, so a second render works

        def _get_self_bounds(self):
            return self.bounds or [[None, None], [None, None]]

    return SxLayer


def _call_class():
    """The call of sxmap's script once the map exists."""
    from branca.element import MacroElement
    from folium.template import Template

    class SxCall(MacroElement):
        """A call ``sxmap.<function>(map, spec)`` once the map exists (legend, title, setup)."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "sxmap.{{ this.function }}({{ this._parent.get_name() }}{% if this.args_js %}, {{ this.args_js }}{% endif %});\n"
            "{% endmacro %}"
        )

        def __init__(self, function, *args):
            super().__init__()
            self._name = "SxCall"
            self.function = function
            self.args = args
            self.args_js = ""

        def render(self, **kwargs):
            # layers are named at render time (their ids are renumbered just before)
            self.args_js = ", ".join(js_json(_names_of_elements(a)) for a in self.args)
            super().render(**kwargs)

    return SxCall


def _setup_class():
    """The page set-up right after the map is made."""
    from branca.element import MacroElement
    from folium.template import Template

    class Setup(MacroElement):
        """Page set-up right after the map is made: white background without tiles."""

        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "{% if this.notiles %}{{ this._parent.get_name() }}.getContainer().classList.add('sx-notiles');{% endif %}\n"
            "{% endmacro %}"
        )

        def __init__(self, notiles):
            super().__init__()
            self._name = "Setup"
            self.notiles = notiles

    return Setup


def _names_of_elements(value):
    """``value`` with every folium element in it replaced by its JavaScript name."""
    from branca.element import Element

    if isinstance(value, Element):
        return value.get_name()
    if isinstance(value, dict):
        return {k: _names_of_elements(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_names_of_elements(v) for v in value]
    return value

"""Classification and legend building for the HTML maps: the classes of a district value, the
value written in a district's tooltip, round amounts for the size legend, and the legend sections
of the layers (each a ``{"title", "items", "layer"}`` dict that :func:`maps.html.finish_map`
hands to the page). :mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import math

import numpy as np

from sxmap.maps import style as st
from sxmap.maps.columns import _text_series

PLATFORM_COLOUR = "#5e3c99"
OUTBOUND_COLOUR = "#1f5fa8"
INBOUND_COLOUR = "#1a9850"


def _district_classes(values, value, scheme, k, bins):
    """The classes of the districts' values (:func:`maps.style.classify`), ``k`` reduced to the
    number of distinct values when there are fewer (unless ``bins`` are given)."""
    present = values["value"].dropna()
    k_eff = min(int(k), max(int(present.nunique()), 1)) if bins is None else k
    return st.classify(values["value"].to_numpy(float), scheme, k_eff, bins,
                       integer=st.parse_value(value)[0] in ("count", "count_min"))


def _format_value(value, kind, lang, bound=""):
    """A district's value for its tooltip: "≥1,234.5" when it includes lower bounds."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return st.text("no_data", lang)
    if kind in ("investment", "stat"):
        number = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        number = f"{int(value):,}"
    prefix = {"min": "≥", "approx": "约" if lang == "zh" else "about "}.get(bound, "")
    return f"{prefix}{number}"


def _nice_amounts(max_amount: float) -> list[float]:
    """Up to three round amounts (1, 2, 5 × 10ⁿ) for the size legend, the largest ≤ the maximum."""
    if not max_amount or max_amount <= 0:
        return []
    steps = [m * 10 ** e for e in range(-2, 6) for m in (1, 2, 5)]
    top = max(s for s in steps if s <= max_amount) if max_amount >= 0.01 else max_amount
    picks = [top]
    for s in reversed(steps):
        if s <= picks[-1] / 4 and len(picks) < 3:
            picks.append(s)
    return picks


def _choropleth_legend_items(values, classes, kind, lang):
    """The legend items of the coloured districts: a fill a class, "no data" hatching, the ≥ note."""
    items = [{"type": "fill", "colour": c, "label": lab} for c, lab in zip(classes.colours, classes.labels)]
    if values["value"].isna().any() or not items:
        items.append({"type": "hatch", "label": st.text("no_data", lang)})
    if kind == "investment" and (values["n_lower_bound"] > 0).any():
        items.append({"type": "note", "label": ("≥：" if lang == "zh" else "≥: ") + st.text("lower_bound_note", lang)})
    return items


def _project_legend_sections(projects, industries, scale, rmin, lname, lang):
    """The projects' legend sections: industries (colours), investment (sizes), and location
    precision when some projects are not located to their site."""
    sections = [{"title": st.text("industry", lang), "layer": lname,
                 "items": [{"type": "circle", "r": 6, "colour": colour, "label": st.industry_label(s, lang)}
                           for s, colour in st.industry_colours(industries).items()]}]
    amounts = projects["investment"].to_numpy(dtype=float) if "investment" in projects else np.array([])
    finite = amounts[np.isfinite(amounts) & (amounts > 0)]
    size_items = [{"type": "circle", "r": max(scale * math.sqrt(v), rmin), "colour": "#999999",
                   "label": st.format_amount(v, "exact", lang)}
                  for v in _nice_amounts(float(finite.max()) if finite.size else 0.0)]
    size_items.append({"type": "note", "label": st.text("size_note", lang)})
    if np.isnan(amounts).any():
        size_items.append({"type": "circle", "r": rmin, "colour": "#999999",
                           "label": ("金额未披露" if lang == "zh" else "amount not disclosed")})
    sections.append({"title": st.text("investment", lang), "items": size_items, "layer": lname})
    precision = _text_series(projects, "location_precision")
    if (precision != "site").any():
        items = [{"type": "circle", "r": 6, "colour": "#777777", "label": st.precision_label("site", lang)},
                 {"type": "circle", "r": 6, "dashed": True, "label": st.text("approx_note", lang)}]
        if (precision == "township").any():  # CC BY 4.0: the seats' sources are credited where they are drawn
            from sxmap.maps.townships import SEATS_CREDIT

            items.append({"type": "note", "label": SEATS_CREDIT[lang]})
        sections.append({"title": st.text("precision", lang), "layer": lname, "items": items})
    return sections


def _enclave_legend_items(out_items, in_items, links, lang):
    """The enclaves' legend items: outbound and inbound markers, the links, the dashed-frame note."""
    items = []
    if out_items:
        items.append({"type": "square", "colour": OUTBOUND_COLOUR, "label": st.text("outbound", lang)})
    if in_items:
        items.append({"type": "diamond", "colour": INBOUND_COLOUR, "label": st.text("inbound", lang)})
    if links:
        items.append({"type": "line", "colour": OUTBOUND_COLOUR,
                      "label": ("所属区县 → 飞地" if lang == "zh" else "home district → enclave")})
    items.append({"type": "note", "label": ("虚线框：位置仅到城市或区" if lang == "zh"
                                            else "Dashed frame: located only to a city or district")})
    return items

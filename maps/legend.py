"""Classification and legend building for the HTML maps: the classes of a district value, the
value written in a district's tooltip, round amounts for the size legend, and the legend sections
of the layers (each a ``{"title", "items", "layer"}`` dict that :func:`maps.html.finish_map`
hands to the page). :mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import math

from sxmap.maps import style as st


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

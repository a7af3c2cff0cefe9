"""The words for the filters a list went through (``--district``, ``--industry``, ``--year``,
``--min-investment``, ``--section``), so that a map or a briefing of part of a list says which part.

A caller that filters (the CLI) keeps :func:`geo.projects.filter_projects`' keywords in the table's
``attrs["filters"]``; the static maps add them to their subtitle, the HTML maps to their default
title, the briefing to its summary.
"""

from __future__ import annotations

#: How each filter is named: (中文, English).
FILTER_WORDS = {"district": ("区县", "district"), "industry": ("产业", "industry"), "year": ("年份", "year"),
                "section": ("分组", "section")}


def filter_parts(filters, lang: str) -> list[str]:
    """One phrase per filter given, in ``lang``: ``["区县 越城区、柯桥区", "投资额不少于 5 亿元"]``;
    districts in the language's own names, a user's text without control characters."""
    from sxmap.geo.output import strip_control

    parts = []
    for key, (zh, en) in FILTER_WORDS.items():
        values = (filters or {}).get(key)
        if values:
            values = [_district_name(v, lang) if key == "district" else strip_control(str(v))
                      for v in (values if isinstance(values, (list, tuple)) else [values])]
            parts.append(f"{zh} {'、'.join(values)}" if lang == "zh" else f"{en} {', '.join(values)}")
    minimum = (filters or {}).get("min_investment")
    if minimum is not None:
        from sxmap.geo.amounts import amount_text  # (the one way sxmap writes an amount)

        amount = amount_text(float(minimum), "")
        parts.append(f"投资额不少于 {amount} 亿元" if lang == "zh" else f"amount at least {amount} (100 million yuan)")
    return parts


def filtered_suffix(filters, lang: str) -> str:
    """What a title or subtitle adds for the filters: "（已筛选：区县 越城区）" / " (filtered: district
    Yuecheng District)"; "" when none."""
    parts = filter_parts(filters, lang)
    if not parts:
        return ""
    return f"（已筛选：{'；'.join(parts)}）" if lang == "zh" else f" (filtered: {'; '.join(parts)})"


def _district_name(text, lang: str) -> str:
    """A district as the user named it (越城, 330602, Yuecheng), in ``lang``."""
    from sxmap.geo.districts import resolve_district

    district = resolve_district(text)
    return district.name_zh if lang == "zh" else district.label_en

"""Year on year on a map (``--compare 2022,2023``): small multiples and a change choropleth.

:func:`compare_figure` draws one print figure with three panels side by side: the first period,
the second period (the two on one shared scale, so equal colours mean equal values), and the
change between them on a diverging scheme centred on zero (decrease red, no change white,
increase blue). Where a change is not a number (two lower bounds), the district is hatched and
the legend says why. The numbers are :func:`geo.compare.compare_periods`'.
"""

from __future__ import annotations

import math

import numpy as np

from sxmap.geo.errors import UsageError
from sxmap.geo.region import active as _region

#: ColorBrewer RdBu (colour-blind safe), reversed so that a decrease is red and an increase blue.
DIVERGING = {3: ("#ef8a62", "#f7f7f7", "#67a9cf"),
             5: ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"),
             7: ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")}
COMPARE_VALUES = ("count", "investment")
DEFAULT_COMPARE_SIZE = "27x11cm"
_NOT_A_NUMBER_COLOUR = "#d9d9d9"


def check_compare_value(value: str) -> str:
    """``count`` or ``investment``: what a year-on-year map can show."""
    if value not in COMPARE_VALUES:
        raise UsageError(f"--compare maps count or investment (got --value {value}); use --value count or "
                         "--value investment")
    return value


def _nice(value: float) -> float:
    """1, 2 or 5 × 10ⁿ at or above ``value``."""
    exponent = math.floor(math.log10(value))
    for m in (1, 2, 5, 10):
        if m * 10 ** exponent >= value:
            return m * 10 ** exponent
    return 10 ** (exponent + 1)  # pragma: no cover - the loop ends at 10


def _fmt(value: float) -> str:
    text = f"{abs(value):,.2f}".rstrip("0").rstrip(".")
    return ("−" if value < 0 else "") + text


def diverging_classes(values, integer: bool = False):
    """Classes centred on zero for changes: a class of its own for 0, symmetric ones either side.

    Parameters
    ----------
    values : array-like of float
        Changes; NaN (not a number) is left out.
    integer : bool
        Whole numbers (counts): with changes of at most ±3, one class per value.

    Returns
    -------
    maps.style.Classes
    """
    from sxmap.maps.style import Classes

    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    if top == 0:
        return Classes(bins=(0.0,), lower=0.0, labels=("0",), colours=("#f7f7f7",), scheme="diverging")
    if integer and top <= 3:
        steps = list(range(-int(top), int(top) + 1))
        colours = DIVERGING[2 * int(top) + 1]
        labels = tuple(("+" if s > 0 else "") + _fmt(s) for s in steps)
        return Classes(bins=tuple(float(s) for s in steps), lower=float(-top), labels=labels,
                       colours=tuple(colours), scheme="diverging")
    half = _nice(top / 2)
    tiny = 0.5 if integer else 1e-9
    bins = (-half, -tiny, 0.0, half, max(top, half * 2))
    step = "1" if integer else "0"
    labels = (f"≤ {_fmt(-half)}", f"{_fmt(-half)} – {'−1' if integer else '0'}", "0",
              f"{'+1' if integer else step} – +{_fmt(half)}", f"> +{_fmt(half)}")
    return Classes(bins=bins, lower=float(-top), labels=labels, colours=DIVERGING[5], scheme="diverging")


def _period_values(table, value, side):
    rows = table.iloc[:-1]
    rows = rows[rows["adcode"].fillna(0).astype(int) != 0]
    column = f"count_{side}" if value == "count" else f"investment_{side}"
    values = rows[column].to_numpy(dtype=float)
    lower = rows[f"investment_{side}_bound"].eq("min").to_numpy() if value == "investment" else np.zeros(len(rows), bool)
    return dict(zip(rows["adcode"].astype(int), values)), dict(zip(rows["adcode"].astype(int), lower))


def _change_values(table, value):
    rows = table.iloc[:-1]
    rows = rows[rows["adcode"].fillna(0).astype(int) != 0]
    if value == "count":
        return dict(zip(rows["adcode"].astype(int), rows["count_change"].astype(float))), {}
    return (dict(zip(rows["adcode"].astype(int), rows["investment_change"].astype(float))),
            dict(zip(rows["adcode"].astype(int), rows["investment_change_bound"])))


def _texts(lang):
    zh = lang != "en"
    return {
        "title": (f"{_region().name_zh}各{_region().units_zh}招商项目同比变化" if zh
                  else f"{_region().name_en}: year-on-year change by {_region().unit_en}"),
        "count": "项目数" if zh else "Projects",
        "investment": "投资额（亿元）" if zh else "Investment (100 million yuan)",
        "change": "变化" if zh else "Change",
        "unknown": "不可比（两期均为下限）" if zh else "n/a (both periods lower bounds)",
        "no_amount": "无金额" if zh else "no amount",
        "shared": "两期同一色阶" if zh else "one scale for both periods",
    }


def compare_figure(projects, periods, value: str = "count", *, lang: str = "zh", size=None, font=None,
                   source: str | None = None, title: str | None = None):
    """Small multiples (one map per period, shared scale) and the change map, in one figure.

    Parameters
    ----------
    projects : pandas.DataFrame
        The canonical projects, with a year column (already filtered, years aside).
    periods : str or (int, int)
        ``"2022,2023"``.
    value : {"count", "investment"}
    lang : {"zh", "en"}
    size : str, optional
        Default :data:`DEFAULT_COMPARE_SIZE` (three maps side by side).
    font, source, title
        As for :func:`maps.static.choropleth_figure`.

    Returns
    -------
    maps.static.StaticMap
    """
    from sxmap.geo.compare import compare_note, compare_periods
    from sxmap.maps import static
    from sxmap.maps.fonts import font_context

    value = check_compare_value(value)
    lang = static._check_lang(lang)
    font = static._font(font)
    projects, source = static._load(projects, source, lang)
    table = compare_periods(projects, periods)
    a, b = table.attrs["periods"]
    with font_context(font):
        page = static._Page(size or DEFAULT_COMPARE_SIZE, font)
        words = _texts(lang)
        page.title(title or words["title"], f"{a} → {b} · {words[value]}")
        page.source(static._source_lines(static.city_crs(), lang, source, (compare_note(table, lang),)))
        districts = static._districts_projected(static.city_crs())
        axes = _panel_axes(page, districts.total_bounds, 3)
        _draw_periods(page, axes[:2], districts, table, value, (a, b), lang, words)
        _draw_change(page, axes[2], districts, table, value, lang, words)
        page.map_ax = axes[0]
        page.texts["table"] = table
        return static.StaticMap(page.figure, font, axes[0], static.city_crs(), page.texts)


def _panel_axes(page, bounds, n):
    """``n`` equal map axes side by side between the title and the source lines, with room for a
    legend under each; sets ``page.metres_per_pt`` for the labels."""
    x0, y0, x1, y1 = bounds
    gap = 0.2 * page.scale
    legend_h = 0.75 * page.scale
    panel_title_h = page.pt(10) * 1.8 / 72
    box_w = (page.width - 2 * page.margin - (n - 1) * gap) / n
    box_h = page.top - page.bottom - legend_h - panel_title_h
    dx, dy = (x1 - x0) * 1.04, (y1 - y0) * 1.04
    per_in = max(dx / box_w, dy / box_h)
    map_w, map_h = dx / per_in, dy / per_in
    axes = []
    for i in range(n):
        left = page.margin + i * (box_w + gap) + (box_w - map_w) / 2
        bottom = page.bottom + legend_h + (box_h - map_h) / 2
        ax = page.figure.add_axes((left / page.width, bottom / page.height, map_w / page.width, map_h / page.height))
        ax.set_axis_off()
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ax.set_xlim(cx - map_w * per_in / 2, cx + map_w * per_in / 2)
        ax.set_ylim(cy - map_h * per_in / 2, cy + map_h * per_in / 2)
        ax.set_aspect("equal", adjustable="datalim")
        axes.append(ax)
    page.metres_per_pt = per_in / 72
    from sxmap.maps import static

    page.crs = static.city_crs()
    return axes


def _fill(ax, districts, colours, hatched, page):
    districts.plot(ax=ax, color=colours, linewidth=0, zorder=1)
    if any(hatched):
        districts[hatched].plot(ax=ax, facecolor="none", edgecolor="#9a9a9a", hatch="////", linewidth=0, zorder=2)
    from sxmap.maps import static

    static._outline(ax, districts, page)


def _legend(ax, entries, title, page, ncol):
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c, edgecolor="#888888", linewidth=0.4, hatch=h, label=label) for c, h, label in entries]
    legend = ax.legend(handles=handles, title=title, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=ncol,
                       frameon=False, fontsize=page.pt(6.2), title_fontsize=page.pt(6.8), handlelength=1.4,
                       columnspacing=0.9, handletextpad=0.4, borderaxespad=0.2)
    legend.get_title().set_fontweight("bold")


def _draw_periods(page, axes, districts, table, value, periods, lang, words):
    from sxmap.maps import static
    from sxmap.maps.style import NO_DATA_COLOUR, classify

    sides = [_period_values(table, value, side) for side in ("a", "b")]
    pooled = np.array([v for values, _ in sides for v in values.values()], dtype=float)
    classes = classify(pooled, scheme="quantiles", k=5, integer=value == "count")  # one scale for both
    for ax, (values, lower), period in zip(axes, sides, periods):
        v = np.array([values.get(int(c), math.nan) for c in districts["adcode"]])
        _fill(ax, districts, classes.colour_of(v), [x != x for x in v], page)
        labels = {int(c): static._value_text(values.get(int(c), math.nan), bool(lower.get(int(c))),
                                             "investment" if value == "investment" else "count", lang)
                  for c in districts["adcode"]}
        static._district_labels(ax, districts, page, lang, values=labels)
        ax.set_title(str(period), fontsize=page.pt(10), fontweight="bold", color="#222222")
    entries = [(c, None, label) for c, label in zip(classes.colours, classes.labels)]
    if np.isnan(pooled).any():
        entries.append((NO_DATA_COLOUR, "////", words["no_amount"]))
    _legend(axes[0], entries, f"{words[value]}（{words['shared']}）" if lang != "en"
            else f"{words[value]} ({words['shared']})", page, ncol=min(len(entries), 3))
    page.texts["period_classes"] = classes


def _draw_change(page, ax, districts, table, value, lang, words):
    from sxmap.geo.compare import change_text
    from sxmap.maps import static

    values, bounds = _change_values(table, value)
    v = np.array([values.get(int(c), math.nan) for c in districts["adcode"]])
    classes = diverging_classes(v, integer=value == "count")
    colours = [(_NOT_A_NUMBER_COLOUR if x != x else c) for x, c in zip(v, classes.colour_of(np.nan_to_num(v)))]
    _fill(ax, districts, colours, [x != x for x in v], page)
    labels = {int(c): change_text(values.get(int(c)), bounds.get(int(c), ""), digits=0 if value == "count" else 2)
              for c in districts["adcode"]}
    if lang == "en":
        labels = {k: t.replace("不可比", "n/a") for k, t in labels.items()}
    static._district_labels(ax, districts, page, lang, values=labels)
    a, b = table.attrs["periods"]
    ax.set_title(f"{words['change']} {a} → {b}", fontsize=page.pt(10), fontweight="bold", color="#222222")
    entries = [(c, None, label) for c, label in zip(classes.colours, classes.labels)]
    if np.isnan(v).any():
        entries.append((_NOT_A_NUMBER_COLOUR, "////", words["unknown"]))
    _legend(ax, entries, f"{words[value]}{words['change']}" if lang != "en" else f"{words['change']}: {words[value]}",
            page, ncol=min(len(entries), 4))
    page.texts["change_classes"] = classes
    page.texts["change_labels"] = labels


# --------------------------------------------------------------------------------------------
# HTML: one layer per period and one for the change, stepped through by a year control


def _period_rows(row, lang):
    """Tooltip rows of one district: both periods and the change."""
    from sxmap.geo.compare import change_text
    from sxmap.geo.query import amount_text

    zh = lang != "en"
    a, b = row["period_a"], row["period_b"]
    rows = []
    for s, period in (("a", a), ("b", b)):
        count = int(row[f"count_{s}"])
        amount = amount_text(row[f"investment_{s}"], row[f"investment_{s}_bound"]) if count else ""
        rows.append([str(period), (f"{count} 个项目" if zh else f"{count} projects")
                     + (f"，{amount} 亿元" if zh and amount else (f", {amount} (100 million yuan)" if amount else ""))])
    count_change = change_text(float(row["count_change"]), "", digits=0)
    inv = change_text(row["investment_change"], row["investment_change_bound"])
    if not zh:
        inv = inv.replace("不可比", "n/a (both lower bounds)")
    rows.append(["变化" if zh else "Change", (f"项目 {count_change}，投资额 {inv}" if zh
                                              else f"projects {count_change}, investment {inv}")])
    return rows


def _layer_properties(table, values, colours, lang):
    from sxmap.geo.districts import BY_ADCODE

    properties = {}
    rows = table.iloc[:-1]
    for (_, row), v, colour in zip(rows.iterrows(), values, colours):
        code = int(row["adcode"]) if row["adcode"] == row["adcode"] and row["adcode"] is not None else 0
        if code not in BY_ADCODE:
            continue
        properties[code] = {"adcode": code, "name": BY_ADCODE[code].label(lang),
                            "fill": None if v != v else colour, "rows": _period_rows(row, lang)}
    return properties


def _add_compare_layer(m, table, values, classes, name, legend_title, lang, show):
    from sxmap.maps import html

    colours = classes.colour_of(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0))
    collection, bounds = html._district_features(m, _layer_properties(table, values, colours, lang))
    spec = {"geojson": collection, "labels": html._district_labels(m), "weight": 1.2,
            "opacity": 0.85 if m.sx_tiles == "none" else 0.7}
    layer = html._add_layer(m, "districts", spec, name, bounds, show)
    items = [{"type": "fill", "colour": c, "label": lab} for c, lab in zip(classes.colours, classes.labels)]
    codes = table.iloc[:-1]["adcode"].fillna(0).astype(int).isin(list(_district_codes())).to_numpy()
    if np.isnan(np.asarray(values, dtype=float)[codes]).any():
        items.append({"type": "hatch", "label": _texts(lang)["unknown" if "→" in name else "no_amount"]})
    m.sx_legend.append({"title": legend_title, "items": items, "layer": layer})
    return layer


def total_line(table, side: str, lang: str = "zh") -> str:
    """The city total of one period ("2022：5 个项目，投资额 ≥ 542.35 亿元") or of the change."""
    from sxmap.geo.compare import change_text
    from sxmap.geo.query import amount_text

    total = table.iloc[-1]
    zh = lang != "en"
    if side in ("a", "b"):
        period = total[f"period_{side}"]
        count = int(total[f"count_{side}"])
        amount = amount_text(total[f"investment_{side}"], total[f"investment_{side}_bound"]) if count else "0"
        return (f"{period}年：{count} 个项目，投资额 {amount or '未披露'} 亿元" if zh
                else f"{period}: {count} projects, investment {amount or 'not stated'} (100 million yuan)")
    count = change_text(float(total["count_change"]), "", digits=0)
    inv = change_text(total["investment_change"], total["investment_change_bound"])
    if zh:
        return f"{total['period_a']}→{total['period_b']}：项目 {count}，投资额 {inv}" + (
            "（两期均为下限，差不是一个数）" if inv == "不可比" else "")
    return (f"{total['period_a']}→{total['period_b']}: projects {count}, investment "
            + ("n/a (both totals are lower bounds: their difference is not a number)" if inv == "不可比" else inv))


def compare_map(projects, periods, value: str = "count", *, tiles: str = "none", lang: str = "zh",
                title: str | None = None, tianditu_key: str | None = None):
    """The year-on-year page: a layer per period (shared classes) and the change layer
    (diverging, centred on zero), and a year control that steps through them with the city
    totals of each.

    Returns
    -------
    folium.Map
    """
    from sxmap.geo.compare import compare_periods
    from sxmap.maps import html
    from sxmap.maps.style import classify

    value = check_compare_value(value)
    table = compare_periods(projects, periods)
    a, b = table.attrs["periods"]
    words = _texts(lang)
    m = html.new_map(tiles, lang, title or f"{words['title']}（{a}→{b}）" if lang != "en"
                     else title or f"{words['title']} ({a}→{b})", tianditu_key)
    rows = table.iloc[:-1]
    in_city = rows["adcode"].fillna(0).astype(int).isin(list(_district_codes()))
    column = "count" if value == "count" else "investment"
    period_values = {s: np.where(in_city, rows[f"{column}_{s}"].to_numpy(float), np.nan) for s in ("a", "b")}
    shared = classify(np.concatenate([v[in_city.to_numpy()] for v in period_values.values()]), "quantiles", 5,
                      integer=value == "count")
    layers = [_add_compare_layer(m, table, period_values[s], shared, str(p), f"{words[value]}（{p}）" if lang != "en"
                                 else f"{words[value]} ({p})", lang, show=False)
              for s, p in (("a", a), ("b", b))]
    change = rows["count_change" if value == "count" else "investment_change"].to_numpy(float)
    change = np.where(in_city, change, np.nan)
    layers.append(_add_compare_layer(m, table, change, diverging_classes(change[in_city.to_numpy()],
                                                                         integer=value == "count"),
                                     f"{words['change']} {a}→{b}", f"{words[value]}{words['change']}" if lang != "en"
                                     else f"{words['change']}: {words[value]}", lang, show=True))
    steps = [{"label": str(a), "layer": layers[0], "total": total_line(table, "a", lang)},
             {"label": str(b), "layer": layers[1], "total": total_line(table, "b", lang)},
             {"label": f"{words['change']} {a}→{b}", "layer": layers[2], "total": total_line(table, "change", lang)}]
    m.add_child(html._classes()["SxCall"]("years", {"steps": steps, "start": 2,
                                                    "texts": {"prev": "上一期" if lang != "en" else "previous",
                                                              "next": "下一期" if lang != "en" else "next"}}))
    m.sx_compare = table
    return html.finish_map(m, layer_control=False)


def _district_codes():
    from sxmap.geo.districts import BY_ADCODE

    return BY_ADCODE.keys()

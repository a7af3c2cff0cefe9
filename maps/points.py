"""The projects as the compact spec of the page's ``sxmap.points`` layer (:func:`encode_projects`):
quantised coordinates, dictionary-encoded popup fields, circle sizes, and co-located projects
spread around their spot or gathered into count markers (:func:`spread_co_located`).
:mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import math

import numpy as np

from sxmap.geo.errors import UsageError
from sxmap.maps import style as st
from sxmap.maps.columns import (
    _amount_column, _check_coordinates, _district_column, _located_column, _text_series, _year_column,
)
from sxmap.maps.encoding import _as_list, _b64, _compress_spec, _encode_axis, _factorize, encode_columns

#: Above this many projects, the markers map switches from SVG markers to one canvas layer.
RICH_LIMIT = 2000
COORD_QUANTUM = 1e-6  # degrees (~0.1 m): the resolution of coordinates written to pages
#: The resolution of compressed pages (more than COMPRESS_ABOVE projects): 1e-5° (~1 m), which
#: saves ~1 MiB a million projects; a map shows nothing finer.
COARSE_QUANTUM = 1e-5
#: Above this many projects the page's data is sorted by position, delta-coded and compressed
#: (raw deflate, opened by the browser's DecompressionStream): a million projects in ~13 MiB.
COMPRESS_ABOVE = 200_000
#: Projects sharing one spot are spread around it (a sunflower) up to this many; more become one
#: count marker that lists them on click.
SPREAD_MAX = 24


def encode_projects(projects, datum, lang="zh", mode=None, max_radius=None):
    """The projects as the compact spec of ``sxmap.points`` (see :mod:`maps.html`'s docstring).

    Coordinates are integer offsets of 1e-6° from the south-west corner (3 bytes an axis within
    16°; 1e-5° and compressed above :data:`COMPRESS_ABOVE` projects); names are a plain list; every other popup field is dictionary-encoded and the codes
    packed into as few integers as fit (mixed radix). Colours come from the industry codes,
    circle sizes from the amount codes, dashed outlines from the precision codes.

    Parameters
    ----------
    projects : DataFrame
        The canonical project table.
    datum : _Datum
        Converts the WGS-84 coordinates to the map's datum.
    lang : {"zh", "en"}
    mode : {"rich", "canvas"}, optional
        Default: rich up to :data:`RICH_LIMIT` points, canvas above.
    max_radius : float, optional
        Radius of the largest amount in pixels (default 28 rich, 14 canvas).

    Returns
    -------
    spec : dict
    industries : list of str
        The industries present, in legend order.
    scale : float
        Pixels per √亿元.
    xy : tuple of arrays
        The coordinates in the map's datum.
    """
    n = len(projects)
    mode = mode or ("rich" if n <= RICH_LIMIT else "canvas")
    if mode not in ("rich", "canvas"):
        raise UsageError(f"unknown marker mode {mode!r}")
    compress = n > COMPRESS_ABOVE
    (x, y), (xi, yi), (x0, y0), quantum, by_place = _quantised_positions(projects, datum, compress)

    def reorder(codes):
        return codes if by_place is None else np.asarray(codes)[by_place]

    amount_codes, amount_labels, amount_values, amount_min = _amount_column(projects, lang)
    amount_codes = reorder(amount_codes)
    finite = [v for v in amount_values if v is not None and v > 0]
    max_radius = max_radius or (28.0 if mode == "rich" else 14.0)
    scale = st.marker_scale(max(finite) if finite else 0.0, max_radius)

    precision_codes, precisions = _factorize(_text_series(projects, "location_precision"))
    precision_codes = reorder(precision_codes)
    industry_codes, present = _industry_codes(projects, reorder)
    columns = _popup_columns(projects, lang, reorder, {
        "industry": (industry_codes, [st.industry_label(s, lang) for s in present]),
        "amount": (amount_codes, amount_labels),
        "precision": (precision_codes, [st.precision_label(p, lang) for p in precisions]),
    })
    plain, packs = encode_columns(columns, plain_ok=("name", "company", "platform", "stage", "year", "district"))
    if not compress:  # written as JSON lists
        plain = {key: {"v": _as_list(column["v"])} for key, column in plain.items()}
    spec = {
        "mode": mode, "n": n, "q": quantum, "x0": x0, "y0": y0,
        "x": _encode_axis(xi), "y": _encode_axis(yi),
        "plain": plain, "packs": packs,
        "colour": {"key": "industry", "palette": list(map(st.industry_colours(present).get, present)), "names": present},
        "size": {"key": "amount", "values": amount_values, "min": amount_min},
        "approx": {"key": "precision", "flags": [int(p != "site") for p in precisions]},
        "scale": round(scale, 6), "rmin": 3.0 if mode == "rich" else 2.0,
        "title": "name", "fields": _popup_fields("township" in columns, lang), "yearKey": "year",
        "more": ("另有 {n} 个项目" if lang == "zh" else "and {n} more"),
        "limit": 10,
        "located": _located_column(projects, lang, by_place),
        "texts": POINT_TEXTS[lang],
    }
    radii = _radii(amount_codes, amount_values, scale, spec["rmin"])
    spec["spread"], spec["stacks"] = spread_co_located(xi, yi, radii)
    if compress:
        _compress_spec(spec, yi)
    return spec, present, scale, (x, y)


def _quantised_positions(projects, datum, compress):
    """The projects' coordinates in the map's datum, as floats and as integer steps of the quantum
    from the south-west corner, with that corner, the quantum and the order the page lists them in
    (None: the table's; compressed pages list them south to north, then west to east, so that the
    latitudes become small steps)."""
    n = len(projects)
    lon, lat = _check_coordinates(projects, "projects")
    x, y = datum.xy(lon, lat)
    x0 = math.floor(float(x.min()) * 1e4) / 1e4 if n else 0.0
    y0 = math.floor(float(y.min()) * 1e4) / 1e4 if n else 0.0
    quantum = COARSE_QUANTUM if compress else COORD_QUANTUM
    xi = np.round((x - x0) / quantum).astype(np.int64)
    yi = np.round((y - y0) / quantum).astype(np.int64)
    # every per-project array is computed in the table's order, then reordered
    by_place = np.lexsort((xi, yi)) if compress else None
    if by_place is not None:
        x, y, xi, yi = x[by_place], y[by_place], xi[by_place], yi[by_place]
    return (x, y), (xi, yi), (x0, y0), quantum, by_place


def _industry_codes(projects, reorder):
    """Each project's industry as a code in legend order, and the industries present in that order."""
    industry_seen, industries_seen = _factorize(_text_series(projects, "industry"))
    industries_seen = [st.match_industry(s) for s in _as_list(industries_seen)]  # 集成电路 → 集成电路/半导体
    present = st.industry_order(industries_seen)
    in_legend_order = np.array([present.index(s) for s in industries_seen] or [0], dtype=np.int64)
    return reorder(in_legend_order[industry_seen]), present


def _popup_columns(projects, lang, reorder, ordered):
    """The popup's columns as ``{key: (codes, labels)}`` in the page's order; ``ordered`` are the
    columns (industry, amount, precision) whose codes are already in it."""
    names = _text_series(projects, "name")
    if lang == "en":
        english = _text_series(projects, "name_en")
        names = english.where(english != "", names)
    columns = {
        "name": _factorize(names),
        "company": _factorize(_text_series(projects, "company")),
        "district": _district_column(projects, lang),
        "platform": _factorize(_text_series(projects, "platform")),
        "industry": ordered["industry"],
        "amount": ordered["amount"],
        "stage": _factorize(_text_series(projects, "stage")),
        "year": _year_column(projects),
        "precision": ordered["precision"],
    }
    townships = _text_series(projects, "township")
    if (townships != "").any():  # the popup's township and the filter panel's township list
        columns["township"] = _factorize(townships)
    return {key: (codes if key in ordered else reorder(codes), uniques) for key, (codes, uniques) in columns.items()}


def _popup_fields(with_township, lang):
    """The popup's rows: ``[label, column key]`` in order."""
    fields = [[st.text(key, lang), key] for key in ("company", "district", "platform", "industry")]
    if with_township:
        fields.insert(2, ["乡镇街道" if lang == "zh" else "Township", "township"])
    fields += [[st.text("investment", lang), "amount"], [st.text("stage", lang), "stage"],
               [st.text("year", lang), "year"], [st.text("precision", lang), "precision"]]
    return fields

POINT_TEXTS = {
    "zh": {"here": "此处 {n} 个项目，{a}", "zoom_in": "放大查看", "stack": "同一位置 {n} 个项目，{a}",
           "stack_tip": "{n} 个项目（点击列出）", "back": "← 返回列表",
           # the amount of a summary (sx.amountText): unknown amounts are counted, never added as 0
           "amount_all": "合计 {x} 亿元", "amount_part": "合计 {x} 亿元（不含 {u} 个金额未知的项目）",
           "amount_none": "其中 {u} 个金额未知"},
    "en": {"here": "{n} projects here, {a}", "zoom_in": "Zoom in",
           "stack": "{n} projects at one spot, {a}", "stack_tip": "{n} projects (click for the list)",
           "back": "← back to the list",
           "amount_all": "total {x} (100 million yuan)",
           "amount_part": "total {x} (100 million yuan) without the {u} with no amount",
           "amount_none": "{u} of them with no amount"},
}


def _radii(amount_codes, amount_values, scale, rmin):
    """Circle radius of each project in pixels, as the page computes it."""
    per_code = np.array([max(scale * math.sqrt(v), rmin) if v is not None and v > 0 else rmin for v in amount_values]
                        or [rmin], dtype=float)
    return per_code[amount_codes] if len(amount_codes) else np.zeros(0)


def spread_co_located(xi, yi, radii, spread_max=SPREAD_MAX, gap=1.0):
    """Projects sharing one spot: offsets that spread small groups around it, count markers for big ones.

    A group of two sits side by side; up to ``spread_max`` make a sunflower, the largest circle
    nearest the spot (as :func:`maps.static.spread_overlapping` does on the static maps). The
    offsets are in screen pixels, so the groups keep their shape at every zoom.

    Parameters
    ----------
    xi, yi : numpy.ndarray of int
        Quantised coordinates (the same spot = the same pair).
    radii : numpy.ndarray
        Circle radii in pixels.
    spread_max : int
        Larger groups are gathered into one count marker instead.

    Returns
    -------
    spread : dict
        ``{"i": indices, "dx": offsets, "dy": offsets}`` (base64 uint32 / int16), empty if none.
    stacks : dict
        ``{"i": members of each group in turn, "n": group sizes}`` (base64 uint32), empty if none.
    """
    xi = np.asarray(xi, dtype=np.int64)
    yi = np.asarray(yi, dtype=np.int64)
    if xi.size < 2:
        return {}, {}
    key = xi * (int(yi.max()) + 1) + yi
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    shared = np.flatnonzero(counts[inverse] > 1)
    if shared.size == 0:
        return {}, {}
    shared = shared[np.lexsort((shared, -radii[shared], inverse[shared]))]
    cuts = np.flatnonzero(np.diff(inverse[shared])) + 1
    golden = math.pi * (3 - math.sqrt(5))
    ids, dxs, dys, stack_ids, stack_sizes = [], [], [], [], []
    for members in np.split(shared, cuts):
        if members.size > spread_max:
            stack_ids.append(np.sort(members))
            stack_sizes.append(members.size)
            continue
        r = radii[members]
        if members.size == 2:
            half = (r.sum() + gap) / 2
            offsets = [(-half, 0.0), (half, 0.0)]
        else:
            spacing = 0.64 * (2 * float(r.mean()) + gap)
            offsets = [(spacing * math.sqrt(k + 0.5) * math.cos(k * golden + math.pi / 2),
                        -spacing * math.sqrt(k + 0.5) * math.sin(k * golden + math.pi / 2)) for k in range(members.size)]
        ids.append(members)
        dxs.extend(round(dx) for dx, _ in offsets)
        dys.extend(round(dy) for _, dy in offsets)
    spread = {}
    if ids:
        spread = {"i": _b64(np.concatenate(ids), "<u4"), "dx": _b64(dxs, "<i2"), "dy": _b64(dys, "<i2")}
    stacks = {}
    if stack_ids:
        stacks = {"i": _b64(np.concatenate(stack_ids), "<u4"), "n": _b64(stack_sizes, "<u4")}
    return spread, stacks

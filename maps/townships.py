"""The township layer (乡镇街道图层): a proportional circle per township at its seat.

Township polygons are not openly available (no openly licensed 乡镇 boundaries of Shaoxing could
be found), so a township is drawn as a circle at its seat (:mod:`geo.seats`), its area
proportional to the number of projects or to their investment; the six townships without a
known seat are drawn at their district's anchor, dashed, and say so. Used by the HTML maps
(:func:`township_layer_parts`, added by :func:`maps.html.add_township_circles`), the static maps (:func:`draw_township_circles`),
``sxmap choropleth --by township`` and the report's per-township table.
"""

from __future__ import annotations

import math

import numpy as np

from sxmap.geo.errors import UsageError
from sxmap.maps import style as st

TOWNSHIP_VALUES = ("count", "investment")
CIRCLE_COLOUR = "#d95f0e"
NO_AMOUNT_COLOUR = "#999999"
MAX_RADIUS_PX = 26.0
MIN_RADIUS_PX = 3.0

NOTE = {
    "zh": "乡镇街道边界无公开授权数据，故以驻地处的圆圈表示；圆面积与数值成正比。驻地坐标：GeoNames、Vonng/adcode（CC BY 4.0）；虚线圈为驻地未知、置于区县代表点的乡镇。",
    "en": "Township boundaries are not openly available, so each township is a circle at its seat, its area "
          "proportional to the value. Seats: GeoNames, Vonng/adcode (CC BY 4.0); dashed: seat unknown, drawn at "
          "the district's anchor.",
}
#: The credit of the seats wherever a project is drawn at one (legend notes, static source lines).
SEATS_CREDIT = {"zh": "乡镇驻地坐标：GeoNames、Vonng/adcode（CC BY 4.0）",
                "en": "Township seats: GeoNames, Vonng/adcode (CC BY 4.0)"}
#: The layer's credit in the map's attribution line (HTML; a constant, no user text).
ATTRIBUTION_HTML = ('{seats} &copy; <a href="https://www.geonames.org/">GeoNames</a>, '
                    '<a href="https://github.com/Vonng/adcode">Vonng/adcode</a> (CC BY 4.0)')
LABELS = {
    "count": ("各乡镇街道项目数", "Projects per township"),
    "investment": ("各乡镇街道投资额（亿元）", "Investment per township (100 million yuan)"),
}


def check_value(value: str) -> str:
    """``count`` or ``investment``; anything else is a :class:`~geo.errors.UsageError`."""
    if value not in TOWNSHIP_VALUES:
        raise UsageError(f"the township layer shows count or investment, not {value!r} "
                         "(乡镇图层只能显示项目数或投资额)")
    return value


def township_values(projects, value: str = "count"):
    """One row per township that has projects: where to draw it and what it holds.

    Parameters
    ----------
    projects : DataFrame
        The canonical project table (its townships come from ``township_code`` or ``address``,
        :func:`geo.query.project_townships`).
    value : {"count", "investment"}

    Returns
    -------
    pandas.DataFrame
        ``township_code, township, adcode, district_zh, district_en, lon, lat, seat (True: the
        township's seat; False: its district's anchor), count, investment, n_lower_bound,
        n_no_amount, value`` (NaN where unknown: investment of projects without amounts), in
        code order. ``attrs["unknown"]`` counts the projects whose township is not known.
    """
    from sxmap.geo.query import stats_by_township
    from sxmap.geo.townships import township_point

    check_value(value)
    table = stats_by_township(projects)
    body = table.iloc[:-1]
    unknown = body[body["township_code"] == ""]
    rows = body[(body["township_code"] != "") & (body["count"] > 0)].copy()
    points = [township_point(code) for code in rows["township_code"]]
    rows["lon"] = [p[0] for p in points]
    rows["lat"] = [p[1] for p in points]
    rows["seat"] = [p[2] == "township" for p in points]
    with_amount = rows["count"] - rows["n_no_amount"]
    rows["value"] = (rows["count"].astype(float) if value == "count"
                     else rows["investment"].astype(float).where(with_amount > 0))
    keep = ["township_code", "township", "adcode", "district_zh", "district_en", "lon", "lat", "seat", "count",
            "investment", "n_lower_bound", "n_no_amount", "value"]
    out = rows[keep].reset_index(drop=True)
    out.attrs["unknown"] = int(unknown["count"].sum()) if len(unknown) else 0
    out.attrs["value"] = value
    return out


def radii(values, max_radius: float = MAX_RADIUS_PX, min_radius: float = MIN_RADIUS_PX):
    """Circle radii (same unit as ``max_radius``): area ∝ value, the largest ``max_radius``; an
    unknown value gets ``min_radius``."""
    v = np.asarray(values, dtype=float)
    top = np.nanmax(v) if np.isfinite(v).any() else 0.0
    if not top or top <= 0:
        return np.full(v.shape, min_radius)
    r = max_radius * np.sqrt(np.where(np.isfinite(v), v, 0.0) / top)
    return np.maximum(r, min_radius)


def popup_rows(row, lang: str = "zh") -> list[list[str]]:
    """The popup of a township: district, count, investment, where the circle is. Plain text
    (the page writes it with ``textContent``; static maps do not show it)."""
    from sxmap.geo.districts import BY_ADCODE

    district = BY_ADCODE[int(row["adcode"])].label(lang)
    count = int(row["count"])
    if int(row["n_no_amount"]) == count:
        amount = st.format_amount(None, "", lang)
    else:
        amount = st.format_amount(float(row["investment"]), "min" if int(row["n_lower_bound"]) else "exact", lang)
        if int(row["n_no_amount"]):
            amount += (f"（另 {int(row['n_no_amount'])} 个未披露）" if lang == "zh"
                       else f" ({int(row['n_no_amount'])} not disclosed)")
    where = (("乡镇街道驻地", "township seat") if row["seat"]
             else ("驻地未知，置于区县代表点", "seat unknown: a point inside the district"))
    return [[st.text("district", lang), district], [st.text("count", lang), str(count)],
            [st.text("investment", lang), amount],
            ["位置" if lang == "zh" else "Drawn at", where[1 if lang == "en" else 0]]]


def label(value: str, lang: str = "zh") -> str:
    """The legend title of the layer."""
    pair = LABELS[check_value(value)]
    return pair[1 if lang == "en" else 0]


def township_layer_parts(projects, value: str, lang: str, xy):
    """What the HTML map's township layer draws (:func:`maps.html.add_township_circles` adds it):
    one circle per township with projects, tooltip its name, popup its district and figures, and a
    legend section with the note that township polygons are not openly available.

    Parameters
    ----------
    projects : pandas.DataFrame
    value : {"count", "investment"}
    lang : {"zh", "en"}
    xy : callable
        ``(lon, lat) → (x, y)`` in the basemap's datum (``m.sx_datum.xy``).

    Returns
    -------
    tuple or None
        ``(spec, bounds, legend items)``; None when no project has a known township.
    """
    from sxmap.geo.errors import DataError

    try:
        values = township_values(projects, value)
    except DataError:  # no address names a township: no layer here (choropleth --by township says so)
        return None
    if values.empty:
        return None
    x, y = xy(values["lon"].to_numpy(float), values["lat"].to_numpy(float))
    r = radii(values["value"].to_numpy(float))
    items = []
    for i, row in enumerate(values.to_dict("records")):
        known = not (isinstance(row["value"], float) and math.isnan(row["value"]))
        items.append({"lat": round(float(y[i]), 6), "lon": round(float(x[i]), 6), "r": round(float(r[i]), 2),
                      "name": str(row["township"]), "rows": popup_rows(row, lang),
                      "colour": CIRCLE_COLOUR if known else NO_AMOUNT_COLOUR, "dashed": not row["seat"]})
    order = np.argsort(-r, kind="stable")  # big circles below small ones
    top = float(np.nanmax(values["value"])) if np.isfinite(values["value"]).any() else 0.0
    spec = {"items": [items[int(k)] for k in order],
            "attribution": ATTRIBUTION_HTML.format(seats="乡镇驻地" if lang == "zh" else "Township seats"),
            # what the page needs to redraw the circles of the projects a filter leaves (combined map)
            "kind": value, "rmax": MAX_RADIUS_PX, "rmin": MIN_RADIUS_PX, "top": top,
            "texts": {"count": st.text("count", lang), "investment": st.text("investment", lang),
                      "no_amount": st.format_amount(None, "", lang), "unit": "亿" if lang == "zh" else " (100m yuan)"}}
    pad = 0.01
    bounds = [[round(float(np.min(y)) - pad, 6), round(float(np.min(x)) - pad, 6)],
              [round(float(np.max(y)) + pad, 6), round(float(np.max(x)) + pad, 6)]]
    legend = []
    for v in _legend_values(top, value):
        legend.append({"type": "circle", "r": float(radii([v, top])[0]), "colour": CIRCLE_COLOUR,
                       "label": str(int(v)) if value == "count" else st.format_amount(v, "exact", lang)})
    if (~values["seat"]).any():
        legend.append({"type": "circle", "r": 6, "dashed": True, "label": ("驻地未知（区县代表点）" if lang == "zh"
                                                                       else "seat unknown (district anchor)")})
    legend.append({"type": "note", "label": NOTE[lang]})
    return spec, bounds, legend


def _legend_values(top: float, value: str) -> list[float]:
    """Two or three round values up to ``top`` for the size legend."""
    if top <= 0:
        return []
    if value == "count":
        picks = sorted({max(1, int(round(top))), max(1, int(round(top / 4))), 1})
        return [float(p) for p in picks if p <= top][-3:]
    magnitude = 10 ** math.floor(math.log10(top))
    nice = [k * magnitude for k in (1, 2, 5, 10) if k * magnitude <= top]
    return nice[-3:] or [top]


def draw_township_circles(ax, values, metres_per_pt: float, max_radius_pt: float = 14.0, lang: str = "zh",
                          to_xy=None):
    """Draw the township layer on a matplotlib axis in metres (static maps).

    Parameters
    ----------
    ax : matplotlib Axes
    values : DataFrame
        :func:`township_values`.
    metres_per_pt : float
        The page's scale (metres on the ground per point on paper).
    to_xy : callable
        ``(lon, lat) → (x, y)`` in the axis's coordinates.

    Returns
    -------
    list
        ``(value, radius_pt)`` of the legend's sample circles.
    """
    from matplotlib.patches import Circle

    x, y = to_xy(values["lon"].to_numpy(float), values["lat"].to_numpy(float))
    r_pt = radii(values["value"].to_numpy(float), max_radius_pt, 1.5)
    for k in np.argsort(-r_pt, kind="stable"):
        row = values.iloc[int(k)]
        known = np.isfinite(row["value"])
        colour = CIRCLE_COLOUR if known else NO_AMOUNT_COLOUR
        ax.add_patch(Circle((x[k], y[k]), r_pt[k] * metres_per_pt, facecolor=colour, alpha=0.55,
                            edgecolor="#7f2704" if known else "#555555", linewidth=0.6,
                            linestyle="-" if row["seat"] else (0, (2, 1.5)), zorder=5))
    top = float(np.nanmax(values["value"])) if np.isfinite(values["value"]).any() else 0.0
    return [(v, float(radii([v, top], max_radius_pt, 1.5)[0])) for v in _legend_values(top, values.attrs["value"])]

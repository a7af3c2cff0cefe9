"""Year on year (同比): per-district change in projects and investment between two periods.

:func:`compare_periods` runs :func:`geo.query.stats` once per period (the ``year`` filter, as
``sxmap stats --year``) and subtracts. Counts subtract exactly. Amounts are honest about what
is known:

- a period's total is *exact* when every project in it states an amount and none is a lower
  bound ("超……", "……以上"); otherwise it is a *lower bound* (missing amounts are ≥ 0, and a
  lower bound is ≥ itself);
- exact − exact is a number (``≈`` when an amount is approximate);
- lower bound − exact is a lower bound of the change (≥), exact − lower bound an upper bound
  (≤), and the relative change likewise;
- lower bound − lower bound is **not a number**: nothing is known of the change, and the table
  says so (``investment_change`` is empty, ``investment_change_bound`` is ``unknown``).

Projects without a year are in neither period; their number is in ``.attrs["n_no_year"]``.
"""

from __future__ import annotations

import math
import re

from sxmap.geo.errors import UsageError

#: The bound of a change: exact, approximate, at least (≥), at most (≤), or unknown.
CHANGE_BOUNDS = ("", "approx", "min", "max", "unknown")

COMPARE_HEADERS = {
    "district_zh": "区县", "district_en": "District",
    "count_a": "项目数（{a}）", "count_b": "项目数（{b}）", "count_change": "项目数变化",
    "count_change_pct": "项目数变化%",
    "investment_a": "投资额（{a}，亿元）", "investment_b": "投资额（{b}，亿元）",
    "investment_change": "投资额变化（亿元）", "investment_change_pct": "投资额变化%",
}
TABLE_COLUMNS = ("district_zh", "count_a", "count_b", "count_change", "count_change_pct", "investment_a",
                 "investment_b", "investment_change", "investment_change_pct")
DATA_COLUMNS = ("adcode", "district_zh", "district_en", "period_a", "period_b", "count_a", "count_b",
                "count_change", "count_change_pct", "investment_a", "investment_a_bound", "investment_b",
                "investment_b_bound", "investment_change", "investment_change_pct", "investment_change_bound")


def parse_periods(text) -> tuple[int, int]:
    """``"2022,2023"`` → (2022, 2023): two different years, earlier first as given.

    Raises
    ------
    UsageError
        Not two years.
    """
    if isinstance(text, (list, tuple)):
        parts = [str(p) for p in text]
    else:
        parts = [p for p in re.split(r"\s*[,，]\s*", str(text or "").strip()) if p]
    if len(parts) != 2 or not all(re.fullmatch(r"\d{4}", p) for p in parts):
        raise UsageError(f"--compare {text!r}: give two years, e.g. --compare 2022,2023")
    a, b = (int(p) for p in parts)
    if a == b:
        raise UsageError(f"--compare {text!r}: the two years are the same; give two different years")
    return a, b


def _bound(row) -> str:
    """A period total's bound: ``"min"`` (a lower bound), ``"approx"`` or ``""`` (exact)."""
    if int(row["n_lower_bound"]) > 0 or int(row["n_no_amount"]) > 0:
        return "min"
    return "approx" if int(row["n_approx"]) > 0 else ""


def _amount(row) -> float:
    """A period's known total: 0 for no project, NaN when no project states an amount."""
    value = float(row["investment"])
    if int(row["count"]) == 0:
        return 0.0
    return value


def change_of(a: float, bound_a: str, b: float, bound_b: str) -> tuple[float, float, str]:
    """(change, change in %, bound) of b − a, each total exact, approximate or a lower bound.

    Examples
    --------
    >>> change_of(100.0, "", 150.0, "")
    (50.0, 50.0, '')
    >>> change_of(100.0, "", 150.0, "min")        # b ≥ 150: the change is at least 50
    (50.0, 50.0, 'min')
    >>> change_of(100.0, "min", 150.0, "min")[2]  # two lower bounds: not a number
    'unknown'
    """
    if bound_a == "min" and bound_b == "min":
        return math.nan, math.nan, "unknown"
    a_known = a if a == a else 0.0  # no stated amount: the known part is 0, and the bound says "min"
    b_known = b if b == b else 0.0
    change = b_known - a_known
    pct = change / a_known * 100 if a_known > 0 else math.nan
    if bound_b == "min":
        return change, pct, "min"
    if bound_a == "min":
        return change, pct, "max"
    return change, pct, "approx" if "approx" in (bound_a, bound_b) else ""


def compare_periods(projects, periods, *, district=None, industry=None, min_investment=None):
    """Per-district change between two periods (years).

    Parameters
    ----------
    projects : pandas.DataFrame
        The canonical table with a ``year`` column.
    periods : str or (int, int)
        ``"2022,2023"`` or ``(2022, 2023)``: the change is the second minus the first.
    district, industry, min_investment
        Filters, as in :func:`geo.query.stats`.

    Returns
    -------
    pandas.DataFrame
        One row per district (as :func:`geo.query.stats`, with its 合计 row) and the columns of
        :data:`DATA_COLUMNS`: counts of each period, their change and change in % (empty where
        the first count is 0); each period's investment (亿元, known amounts) and its bound
        (``min``: a lower bound), the change, its % and its bound (:data:`CHANGE_BOUNDS`;
        ``unknown`` with an empty change when both totals are lower bounds).
        ``.attrs``: ``periods``, ``n_no_year`` (projects in neither period), ``stats`` (the two
        :func:`~geo.query.stats` tables).

    Raises
    ------
    UsageError
        Bad periods, or a table without a year column.
    """
    import pandas as pd

    from sxmap.geo.query import stats

    a, b = parse_periods(periods) if not (isinstance(periods, tuple) and len(periods) == 2
                                          and all(isinstance(p, int) for p in periods)) else periods
    if "year" not in projects.columns:
        raise UsageError("--compare needs a year column (年份) in the projects table")
    filters = {"district": district, "industry": industry, "min_investment": min_investment}
    first, second = stats(projects, year=[a], **filters), stats(projects, year=[b], **filters)
    first, second = _aligned(first, second)
    rows = []
    for (_, ra), (_, rb) in zip(first.iterrows(), second.iterrows()):
        count_a, count_b = int(ra["count"]), int(rb["count"])
        inv_a, inv_b, bound_a, bound_b = _amount(ra), _amount(rb), _bound(ra), _bound(rb)
        change, pct, bound = change_of(inv_a, bound_a, inv_b, bound_b)
        rows.append({"adcode": ra["adcode"], "district_zh": ra["district_zh"], "district_en": ra["district_en"],
                     "period_a": a, "period_b": b, "count_a": count_a, "count_b": count_b,
                     "count_change": count_b - count_a,
                     "count_change_pct": (count_b - count_a) / count_a * 100 if count_a else math.nan,
                     "investment_a": inv_a, "investment_a_bound": bound_a, "investment_b": inv_b,
                     "investment_b_bound": bound_b, "investment_change": change,
                     "investment_change_pct": pct, "investment_change_bound": bound})
    table = pd.DataFrame(rows, columns=list(DATA_COLUMNS))
    table["adcode"] = table["adcode"].astype("Int64")
    years = pd.to_numeric(projects["year"], errors="coerce")
    table.attrs.update(periods=(a, b), n_no_year=int(years.isna().sum()), stats=(first, second))
    return table


def _aligned(first, second):
    """The two stats tables with the same district rows (a 市外 row in one only gets zeros)."""
    import pandas as pd

    from sxmap.geo.region import active

    if list(first["district_zh"]) == list(second["district_zh"]):
        return first, second
    order = list(dict.fromkeys([*first["district_zh"][:-1], *second["district_zh"][:-1], first["district_zh"].iloc[-1]]))

    def expand(table):
        zero = {c: 0 for c in table.columns if c == "count" or c.startswith("n_")}
        rows = {r["district_zh"]: r.to_dict() for _, r in table.iterrows()}
        template = {"adcode": 0, "district_en": active().outside_label("en"), "investment": 0.0, **zero}
        return pd.DataFrame([rows.get(name, {**template, "district_zh": name}) for name in order])

    return expand(first), expand(second)


def change_text(value, bound: str, unit: str = "", digits: int = 2) -> str:
    """A change for people: "+50", "−20.5", "≥ +50", "≤ −10", "不可比" for two lower bounds."""
    if bound == "unknown":
        return "不可比"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = f"{abs(value):,.{digits}f}"
    number = number.rstrip("0").rstrip(".") if "." in number else number
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    prefix = {"min": "≥ ", "max": "≤ ", "approx": "≈ "}.get(bound, "")
    return f"{prefix}{sign}{number}{unit}"


def render_compare(table, fmt: str = "table") -> str:
    """Render :func:`compare_periods`: Chinese headers and "≥ +50" / "不可比" in a table; plain
    numbers with their bound columns in csv/json."""
    from sxmap.geo.query import amount_text
    from sxmap.geo.tables import render

    a, b = table.attrs.get("periods", ("A", "B"))
    if fmt != "table":
        return render(table, fmt, list(DATA_COLUMNS))
    shown = table.copy().astype(object)
    shown["count_change"] = [change_text(v, "", digits=0) for v in table["count_change"]]
    shown["count_change_pct"] = [change_text(v, "", "%", 1) for v in table["count_change_pct"]]
    for side in ("a", "b"):
        shown[f"investment_{side}"] = [
            "—" if not n else amount_text(v, "min" if bd == "min" else bd) or "—"
            for v, bd, n in zip(table[f"investment_{side}"], table[f"investment_{side}_bound"], table[f"count_{side}"])]
    shown["investment_change"] = [change_text(v, bd) for v, bd in
                                  zip(table["investment_change"], table["investment_change_bound"])]
    shown["investment_change_pct"] = [change_text(v, bd if bd != "approx" else "", "%", 1) for v, bd in
                                      zip(table["investment_change_pct"], table["investment_change_bound"])]
    headers = {k: v.format(a=a, b=b) for k, v in COMPARE_HEADERS.items()}
    return render(shown, "table", list(TABLE_COLUMNS), headers)


def compare_note(table, lang: str = "zh") -> str:
    """One line on how to read the changes (bounds, unknown, projects without a year)."""
    n = table.attrs.get("n_no_year", 0)
    if lang == "en":
        text = ("Investment: ≥/≤ where one period's total is a lower bound (amounts “over …” or not stated); "
                "n/a where both are: the difference of two lower bounds is not a number.")
        return text + (f" {n} project(s) without a year are in neither period." if n else "")
    text = "投资额：一期合计为下限（含“……以上”或未披露金额）时变化记为 ≥/≤；两期均为下限时记“不可比”——两个下限之差不是一个数。"
    return text + (f"另有 {n} 个项目未注明年份，不计入任一年。" if n else "")


def compare_rows(table, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """The change table as text for a report: headers and rows (the last is the total), amounts
    with their bounds ("≥ 130", "≤ −250.5", "不可比" / "n/a")."""
    from sxmap.geo.query import amount_text

    a, b = table.attrs.get("periods", ("A", "B"))
    zh = lang != "en"
    headers = (["区县", f"项目数 {a}", f"项目数 {b}", "变化", f"投资额 {a}", f"投资额 {b}", "变化（亿元）", "变化%"] if zh
               else ["District", f"Projects {a}", f"Projects {b}", "Change", f"Investment {a}", f"Investment {b}",
                     "Change (100 m yuan)", "Change %"])
    rows = []
    for _, r in table.iterrows():
        amounts = [amount_text(r[f"investment_{s}"], r[f"investment_{s}_bound"]) or "—" if int(r[f"count_{s}"]) else "—"
                   for s in ("a", "b")]
        bound = r["investment_change_bound"]
        change = change_text(r["investment_change"], bound)
        pct = change_text(r["investment_change_pct"], bound if bound != "approx" else "", "%", 1)
        if not zh:
            change, pct = (t.replace("不可比", "n/a") for t in (change, pct))
        rows.append([str(r["district_en"] if not zh else r["district_zh"]), str(int(r["count_a"])),
                     str(int(r["count_b"])), change_text(float(r["count_change"]), "", digits=0) or "0",
                     *amounts, change, pct])
    return headers, rows

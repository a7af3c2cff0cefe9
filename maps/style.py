"""Styling shared by every renderer: classes and colours, industry palette, labels, amounts, sizes.

Nothing here imports folium or matplotlib: the HTML maps (:mod:`maps.html`) and the static maps
(:mod:`maps.static`) draw with the same classes, colours, labels and sizes, so a briefing's PNG and
its interactive map agree. mapclassify (slow to import: ~3 s) is imported only by :func:`classify`.

Amounts are in 亿元 (100 million yuan) throughout. :func:`format_amount` writes them as Chinese
readers expect ("≥100亿", "约40亿", "130亿"); in English it writes billions of yuan
("≥ 10 bn yuan", "about 4 bn yuan", "13 bn yuan"), since 1 亿元 = 0.1 bn yuan — the unit English
readers know. Legends of choropleths keep the source unit ("Investment (100 million yuan)") so that
their numbers are the ones in the source tables.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from sxmap.geo.errors import UsageError

#: Classification schemes offered (``--scheme``); "user" takes explicit ``bins``.
SCHEMES = ("quantiles", "equal-interval", "fisher-jenks", "natural-breaks", "user")

_MAPCLASSIFY_NAMES = {
    "quantiles": "Quantiles",
    "equal-interval": "EqualInterval",
    "fisher-jenks": "FisherJenks",
    "natural-breaks": "NaturalBreaks",
    "user": "UserDefined",
}

#: Fill of districts without data (not zero: nothing is known). A light grey, drawn hatched in HTML.
NO_DATA_COLOUR = "#d9d9d9"

#: ColorBrewer YlOrRd (sequential), by number of classes (Cynthia Brewer, colorbrewer2.org, Apache-2.0).
YLORRD = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    6: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"),
    7: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"),
    8: ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"),
    9: ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"),
}
MAX_CLASSES = max(YLORRD)

#: The controlled industry vocabulary, in legend order.
INDUSTRIES = (
    "新能源", "新能源汽车", "集成电路/半导体", "生物医药", "智能视觉", "高端装备", "新材料",
    "现代纺织", "数字经济", "汽车零部件", "光电信息", "医疗器械", "电子材料", "其他",
)

#: English names of the industries (legends with ``lang="en"``).
INDUSTRY_EN = {
    "新能源": "New energy",
    "新能源汽车": "New-energy vehicles",
    "集成电路/半导体": "Integrated circuits / semiconductors",
    "生物医药": "Biomedicine",
    "智能视觉": "Machine vision",
    "高端装备": "High-end equipment",
    "新材料": "New materials",
    "现代纺织": "Modern textiles",
    "数字经济": "Digital economy",
    "汽车零部件": "Auto parts",
    "光电信息": "Optoelectronics",
    "医疗器械": "Medical devices",
    "电子材料": "Electronic materials",
    "其他": "Other",
}

#: A qualitative palette over the industries (Tableau 10 plus darker tab20b tones; 其他 grey).
INDUSTRY_COLOURS = {
    "新能源": "#2ca02c",
    "新能源汽车": "#17becf",
    "集成电路/半导体": "#1f77b4",
    "生物医药": "#d62728",
    "智能视觉": "#9467bd",
    "高端装备": "#8c564b",
    "新材料": "#ff7f0e",
    "现代纺织": "#e377c2",
    "数字经济": "#bcbd22",
    "汽车零部件": "#393b79",
    "光电信息": "#637939",
    "医疗器械": "#ad494a",
    "电子材料": "#7b4173",
    "其他": "#7f7f7f",
}
OTHER_INDUSTRY = "其他"


def industry_colour(name) -> str:
    """The colour of a palette industry; anything outside the vocabulary gets the colour of 其他
    (maps colour a table's own industries with :func:`industry_colours`)."""
    return INDUSTRY_COLOURS.get(str(name).strip() if name is not None else "", INDUSTRY_COLOURS[OTHER_INDUSTRY])


def industry_label(name, lang: str = "zh") -> str:
    """An industry's name in a language (unknown names are returned as given; no industry is
    未注明 / not stated)."""
    name = "" if name is None else str(name)
    if not name.strip():
        return NOT_STATED_INDUSTRY[lang == "en"]
    return INDUSTRY_EN.get(name, name) if lang == "en" else name


# --------------------------------------------------------------------------------------------
# Industries as people write them (集成电路, 生物医药产业, 新能源汽车零部件 …)

#: Label and colour of a project whose industry is not stated (never folded into 其他).
NOT_STATED_INDUSTRY = ("未注明", "not stated")
NOT_STATED_COLOUR = "#c7c7c7"

#: Colours of the industries a table names outside the palette, one each (tab20's light tones and
#: tab20b/tab20c tones the palette does not use). Beyond these, an industry is drawn as 其他.
EXTRA_COLOURS = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d",
                 "#9edae5", "#5254a3", "#8ca252", "#bd9e39", "#843c39", "#a55194", "#6b6ecf", "#e7ba52")

#: Rules from a free-text industry to the palette: words any of which names it, checked in this
#: order (the more specific first: 新能源汽车 before 新能源, 医疗器械 before 医药, 电子材料 before 新材料).
INDUSTRY_RULES = (
    (("新能源汽车", "电动汽车", "智能网联汽车", "新能源整车"), "新能源汽车"),
    (("汽车零部件", "汽配", "零部件"), "汽车零部件"),
    (("集成电路", "半导体", "芯片", "晶圆", "封装测试", "封测"), "集成电路/半导体"),
    (("医疗器械", "医疗设备", "医用耗材"), "医疗器械"),
    (("生物医药", "医药", "制药", "生物技术", "生命健康", "创新药"), "生物医药"),
    (("智能视觉", "机器视觉"), "智能视觉"),
    (("光电", "激光", "新型显示", "光学"), "光电信息"),
    (("电子材料", "电子化学品"), "电子材料"),
    (("新材料", "先进材料"), "新材料"),
    (("高端装备", "装备制造", "智能装备", "智能制造", "机器人", "航空航天"), "高端装备"),
    (("现代纺织", "纺织", "印染", "服装", "化纤"), "现代纺织"),
    (("数字经济", "软件", "信息技术", "互联网", "大数据", "人工智能", "云计算"), "数字经济"),
    (("新能源", "光伏", "储能", "锂电", "风电", "氢能", "动力电池"), "新能源"),
)
#: Endings that do not change an industry (生物医药产业 is 生物医药).
_INDUSTRY_SUFFIXES = ("产业链", "产业", "行业", "领域", "板块", "项目", "类")
#: Separators between several industries in one cell (集成电路、新材料).
_INDUSTRY_SPLIT = re.compile(r"[、,，;；|]+|及|和|与")


def _industry_text(text) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return re.sub(r"\s+", "", text)


def _by_rule(part: str) -> str | None:
    """The palette industry one piece of text names, by :data:`INDUSTRY_RULES`, or None."""
    for suffix in _INDUSTRY_SUFFIXES:
        if part.endswith(suffix) and part[: -len(suffix)] in INDUSTRY_COLOURS:
            return part[: -len(suffix)]
    for words, name in INDUSTRY_RULES:
        if any(word in part for word in words):
            return name
    return None


def match_industry(text) -> str:
    """An industry as a table writes it → the palette's name, by rule; else the text itself.

    ``集成电路`` → 集成电路/半导体, ``生物医药产业`` → 生物医药, ``新能源汽车`` → 新能源汽车; a cell
    naming industries of two palette entries (``新能源、新材料``) or none (``文旅``) keeps its own
    text (whitespace removed), which :func:`industry_colours` gives a colour of its own; blank → "".

    Examples
    --------
    >>> match_industry("集成电路"), match_industry(" 生物医药产业 "), match_industry("文旅")
    ('集成电路/半导体', '生物医药', '文旅')
    """
    text = _industry_text(text)
    if not text or text in INDUSTRY_COLOURS:
        return text
    parts = [p for p in _INDUSTRY_SPLIT.split(text) if p]
    found = {_by_rule(p) for p in parts}
    if len(found) == 1 and None not in found:
        return found.pop()
    return text


def industry_order(names) -> list[str]:
    """Distinct matched industries in legend order: the palette's order, then a table's own
    industries (sorted), then 未注明 (blank) last."""
    rank = {name: i for i, name in enumerate(INDUSTRIES)}
    names = set(names)
    return sorted(names, key=lambda s: (0 if s in rank else (2 if not s else 1), rank.get(s, 0), s))


def industry_colours(names) -> dict:
    """A colour for each matched industry in ``names`` (see :func:`match_industry`).

    Palette industries keep theirs; blank (not stated) is light grey; each other industry gets one
    of :data:`EXTRA_COLOURS`, chosen from its name (a stable hash, the next free colour on a clash),
    so that the same table colours the same industry alike on every map, HTML or static.
    """
    import zlib

    out, taken = {}, set()
    for name in industry_order(names):
        if name in INDUSTRY_COLOURS:
            out[name] = INDUSTRY_COLOURS[name]
        elif not name:
            out[name] = NOT_STATED_COLOUR
    extras = [n for n in industry_order(names) if n not in out]
    for name in extras:
        start = zlib.crc32(name.encode("utf-8")) % len(EXTRA_COLOURS)
        free = [EXTRA_COLOURS[(start + k) % len(EXTRA_COLOURS)] for k in range(len(EXTRA_COLOURS))]
        free = [c for c in free if c not in taken]
        out[name] = free[0] if free else INDUSTRY_COLOURS[OTHER_INDUSTRY]
        taken.add(out[name])
    return {name: out[name] for name in industry_order(names)}  # in legend order


def industry_colour_map(texts) -> dict:
    """``{industry as written: colour}`` for the texts of a table (exports such as KML)."""
    written = {"" if t is None else str(t) for t in texts}
    matched = {t: match_industry(t) for t in written}
    colours = industry_colours(matched.values())
    return {t: colours[m] for t, m in matched.items()}


def sequential_colours(k: int) -> tuple[str, ...]:
    """``k`` colours of ColorBrewer YlOrRd, light to dark (1 ≤ k ≤ 9)."""
    if not 1 <= k <= MAX_CLASSES:
        raise UsageError(f"the number of classes must be between 1 and {MAX_CLASSES} (got {k})")
    return YLORRD[k]


# --------------------------------------------------------------------------------------------
# Classification


def _number(value) -> str:
    """A compact number for legends: up to 2 decimals, no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value) == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class Classes:
    """The result of :func:`classify`: class bounds, legend labels and colours.

    Attributes
    ----------
    bins : tuple of float
        Upper bound of each class (the last is the maximum value, or the last user bin).
    lower : float
        The lowest value classified (the lower bound of the first class).
    labels : tuple of str
        Legend labels, one per class, as ranges that do not share endpoints and match the bins
        (a class holds the values above the previous bound up to its own): "6 – 12.5",
        "> 12.5 – 15", …; for integers (counts) "2", "3 – 4", "5 – 10"; "> 100" above the last
        user bin.
    colours : tuple of str
        Hex colours, one per class (ColorBrewer YlOrRd).
    scheme : str
        The scheme used (one of :data:`SCHEMES`).
    """

    bins: tuple
    lower: float
    labels: tuple
    colours: tuple
    scheme: str

    @property
    def k(self) -> int:
        """Number of classes."""
        return len(self.bins)

    def class_of(self, values) -> np.ndarray:
        """Class index of each value (0 = lowest class), -1 for NaN (no data).

        A value equal to an upper bound falls in that class; values above the last bound fall in
        the last class.
        """
        values = np.asarray(values, dtype=float)
        index = np.searchsorted(np.asarray(self.bins, dtype=float), values, side="left")
        index = np.minimum(index, len(self.bins) - 1)
        return np.where(np.isnan(values), -1, index).astype(int)

    def colour_of(self, values) -> list[str]:
        """Colour of each value, :data:`NO_DATA_COLOUR` for NaN."""
        return [NO_DATA_COLOUR if c < 0 else self.colours[c] for c in self.class_of(values)]


def _seeded(function):
    """Run ``function`` with numpy's global random state fixed, then restore it (natural breaks
    runs k-means with random starts: the same data must give the same map)."""
    state = np.random.get_state()
    try:
        np.random.seed(0)
        return function()
    finally:
        np.random.set_state(state)


def parse_bins(text) -> list[float]:
    """``"10,50,100"`` → ``[10.0, 50.0, 100.0]`` (increasing), for ``--bins``."""
    if text is None:
        return None
    if isinstance(text, (list, tuple, np.ndarray)):
        items = list(text)
    else:
        items = [t for t in re.split(r"[,，\s]+", str(text).strip()) if t]
    try:
        bins = [float(x) for x in items]
    except ValueError:
        raise UsageError(f"--bins must be numbers separated by commas, e.g. 10,50,100 (got {text!r})") from None
    if not bins or any(b >= c for b, c in zip(bins, bins[1:])) or any(math.isnan(b) for b in bins):
        raise UsageError(f"--bins must be increasing numbers, e.g. 10,50,100 (got {text!r})")
    return bins


def classify(values, scheme: str = "quantiles", k: int = 5, bins=None, integer: bool = False) -> Classes:
    """Classify values for a choropleth with mapclassify; NaN means no data and is left out.

    Parameters
    ----------
    values : array-like of float
        One value per area; NaN for areas without data.
    scheme : {"quantiles", "equal-interval", "fisher-jenks", "natural-breaks", "user"}
        The classification scheme. "user" needs ``bins``.
    k : int
        Number of classes (at most 9; reduced to the number of distinct values when fewer).
    bins : sequence of float or str, optional
        Upper bounds for ``scheme="user"`` (giving bins implies it), e.g. ``[10, 50, 100]``.
        Values above the last bound get a class of their own, "> last".
    integer : bool
        The values are counts: label the classes as integer ranges ("5 – 10" for the class above
        4 up to 10) instead of "> 4 – 10".

    Returns
    -------
    Classes

    Raises
    ------
    UsageError
        Unknown scheme, bad ``k`` or ``bins``.

    Examples
    --------
    >>> c = classify([1, 5, 20, float("nan")], "user", bins=[2, 10])
    >>> c.labels
    ('1 – 2', '> 2 – 10', '> 10')
    >>> classify([2, 3, 4, 10], "quantiles", k=5, integer=True).labels
    ('2', '3', '4', '5 – 10')
    >>> c.class_of([1, 5, 20, float("nan")]).tolist()
    [0, 1, 2, -1]
    """
    if bins is not None and scheme != "user":
        scheme = "user"
    if scheme not in SCHEMES:
        raise UsageError(f"unknown classification scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    values = np.asarray(values, dtype=float)
    present = values[~np.isnan(values)]
    if scheme == "user":
        if bins is None:
            raise UsageError("the 'user' scheme needs --bins, e.g. --bins 10,50,100")
        bins = parse_bins(bins)
        upper = list(bins)
        if present.size and present.max() > upper[-1]:
            upper.append(float(present.max()))
        if len(upper) > MAX_CLASSES:
            raise UsageError(f"at most {MAX_CLASSES} classes (got {len(upper)} from --bins)")
        lower = float(min(present.min(), upper[0])) if present.size else 0.0
        return _make_classes(upper, lower, scheme, open_top=len(upper) > len(bins), integer=integer)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_CLASSES:
        raise UsageError(f"-k must be between 1 and {MAX_CLASSES} (got {k})")
    if present.size == 0:
        return _make_classes([], 0.0, scheme)
    distinct = np.unique(present)
    if distinct.size <= k:
        # Too few distinct values to form k classes: one class per value (what mapclassify does,
        # without its warning).
        return _make_classes([float(v) for v in distinct], float(distinct[0]), scheme, integer=integer)
    import warnings

    with warnings.catch_warnings():
        # mapclassify falls back to pure Python without numba, and says so; the result is the same.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        import mapclassify

        cls = getattr(mapclassify, _MAPCLASSIFY_NAMES[scheme])
        result = _seeded(lambda: cls(present, k=int(k)))
    upper = sorted({float(f"{b:.10g}") for b in result.bins})
    return _make_classes(upper, float(present.min()), scheme, integer=integer)


def _make_classes(upper, lower, scheme, open_top=False, integer=False) -> Classes:
    """Classes from their upper bounds; labels as ranges without shared endpoints.

    The first class is [lower, b₀]; class i is (bᵢ₋₁, bᵢ] (what :meth:`Classes.class_of` and
    mapclassify do), written "> bᵢ₋₁ – bᵢ", or for integers "bᵢ₋₁+1 – bᵢ" (a single number when
    the range holds one).
    """
    k = len(upper)
    colours = sequential_colours(k) if k else ()
    integer = integer and all(float(b).is_integer() for b in [lower, *upper])
    labels = []
    for i, b in enumerate(upper):
        lo = lower if i == 0 else upper[i - 1]
        if open_top and i == k - 1:
            labels.append(f"> {_number(lo)}")
        elif i == 0:
            labels.append(_number(b) if lo == b else f"{_number(lo)} – {_number(b)}")
        elif integer:
            first = lo + 1
            labels.append(_number(b) if first == b else f"{_number(first)} – {_number(b)}")
        else:
            labels.append(f"> {_number(lo)} – {_number(b)}")
    return Classes(bins=tuple(float(b) for b in upper), lower=float(lower), labels=tuple(labels),
                   colours=tuple(colours), scheme=scheme)


# --------------------------------------------------------------------------------------------
# Labels and amounts

_VALUE_LABELS = {
    "investment": ("投资额（亿元）", "Investment (100 million yuan)"),
    "count": ("项目数", "Number of projects"),
}

#: Words of the interface in both languages (legends, popups, tooltips).
TEXT = {
    "no_data": ("无数据", "No data"),
    "no_projects": ("名单中无项目", "no project in the list"),
    "projects": ("项目", "Projects"),
    "platforms": ("产业平台", "Industrial platforms"),
    "enclaves": ("飞地", "Enclaves"),
    "districts": ("区县", "Districts"),
    "name": ("名称", "Name"),
    "company": ("企业", "Company"),
    "district": ("区县", "District"),
    "platform": ("平台", "Platform"),
    "industry": ("产业", "Industry"),
    "investment": ("投资额", "Investment"),
    "stage": ("阶段", "Stage"),
    "year": ("年份", "Year"),
    "precision": ("位置精度", "Location precision"),
    "count": ("项目数", "Projects"),
    "kind": ("类型", "Kind"),
    "home": ("所属区县", "Home district"),
    "host": ("所在地", "Located in"),
    "direction": ("方向", "Direction"),
    "outbound": ("外飞地（在外地设立）", "Outbound (set up elsewhere)"),
    "inbound": ("入驻飞地（外地在{short_zh}设立）", "Inbound (set up in {name_en})"),
    "size_note": ("圆面积与投资额成正比", "Circle area proportional to investment"),
    "approx_note": ("虚线圈：位置仅到平台、乡镇或区县", "Dashed circle: located only to a platform, township or district"),
    "unknown": ("未披露", "not disclosed"),
    "lower_bound_note": ("含下限金额（≥）", "includes lower bounds (≥)"),
}

PRECISION_TEXT = {
    "site": ("项目地块", "project site"),
    "platform": ("仅到平台（平台位置）", "platform only (platform location)"),
    "district": ("仅到区县（区县内代表点）", "district only (a point inside the district)"),
    "township": ("仅到乡镇街道或道路", "township or road only"),
}


def text(key: str, lang: str = "zh") -> str:
    """A word of the interface in ``lang`` (``zh`` or ``en``); a word naming the region names the
    one in use (入驻飞地（外地在绍兴设立）)."""
    zh, en = TEXT[key]
    word = en if lang == "en" else zh
    if "{" in word:
        from sxmap.geo.region import active

        word = word.format(short_zh=active().short_zh, name_en=active().name_en)
    return word


def precision_label(precision, lang: str = "zh") -> str:
    """Describe a ``location_precision`` (site, platform, district) in a language."""
    pair = PRECISION_TEXT.get(str(precision))
    if pair is None:
        return str(precision)
    return pair[1] if lang == "en" else pair[0]


def parse_value(value: str):
    """Parse a ``--value`` name: ``investment``, ``count``, ``count-min-investment=X`` or
    ``stat:METRIC`` (a metric of the bundled district statistics).

    Returns
    -------
    tuple
        ``("investment", None)``, ``("count", None)``, ``("count_min", X)`` or ``("stat", METRIC)``.
    """
    value = str(value).strip()
    if value in ("investment", "count"):
        return value, None
    m = re.fullmatch(r"count-min-investment=(\d+(?:\.\d+)?)", value)
    if m:
        return "count_min", float(m.group(1))
    if value.startswith("stat:") and value[5:].strip():
        return "stat", value[5:].strip()
    raise UsageError(f"unknown --value {value!r}; use investment, count, count-min-investment=50 "
                     "or stat:METRIC (a metric of the district statistics)")


def value_label(value: str = "investment", lang: str = "zh", unit: str | None = None) -> str:
    """The legend title of a per-district value, with its unit.

    Examples
    --------
    >>> value_label("investment")
    '投资额（亿元）'
    >>> value_label("count-min-investment=50", "en")
    'Projects of ≥ 50 (100 million yuan)'
    """
    kind, arg = parse_value(value)
    if kind in _VALUE_LABELS:
        zh, en = _VALUE_LABELS[kind]
    elif kind == "count_min":
        zh = f"≥{_number(arg)}亿元项目数"
        en = f"Projects of ≥ {_number(arg)} (100 million yuan)"
    else:
        zh = en = arg + (f"（{unit}）" if unit and lang != "en" else (f" ({unit})" if unit else ""))
    return en if lang == "en" else zh


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or str(value) in ("<NA>", "")
    except TypeError:  # pandas.NA
        return True


def format_amount(value, bound: str = "exact", lang: str = "zh") -> str:
    """An amount in 亿元 with its bound, as readers write it.

    ``bound`` is ``exact``, ``min`` (…以上), ``approx`` (约…) or "" (none given). Chinese keeps
    亿 ("≥100亿", "约40亿", "130亿"); English gives billions of yuan ("≥ 10 bn yuan",
    "about 4 bn yuan", "13 bn yuan"). A missing amount is "未披露" / "not disclosed".

    Examples
    --------
    >>> format_amount(100, "min"), format_amount(40, "approx"), format_amount(130, "exact")
    ('≥100亿', '约40亿', '130亿')
    >>> format_amount(100, "min", "en"), format_amount(3.5, "exact", "en")
    ('≥ 10 bn yuan', '0.35 bn yuan')
    """
    if _missing(value):
        return text("unknown", lang)
    value = float(value)
    bound = "" if bound is None else str(bound)
    if lang == "en":
        number = f"{value / 10:,.3f}".rstrip("0").rstrip(".")
        prefix = {"min": "≥ ", "approx": "about "}.get(bound, "")
        return f"{prefix}{number} bn yuan"
    number = f"{value:.2f}".rstrip("0").rstrip(".")
    prefix = {"min": "≥", "approx": "约"}.get(bound, "")
    return f"{prefix}{number}亿"


# --------------------------------------------------------------------------------------------
# Marker sizes


def marker_scale(max_investment: float, max_radius: float = 28.0) -> float:
    """Pixels per √亿元 so that the largest amount gets ``max_radius``."""
    if not max_investment or not np.isfinite(max_investment) or max_investment <= 0:
        return 0.0
    return max_radius / math.sqrt(max_investment)


def marker_radius(investment, max_investment=None, max_radius: float = 28.0, min_radius: float = 3.0):
    """Circle radii (pixels) whose *areas* are proportional to the investments.

    ``radius = max_radius * sqrt(investment / max_investment)``: doubling an amount doubles the
    circle's area, not its radius. Radii below ``min_radius`` (tiny amounts) and missing amounts are
    drawn at ``min_radius`` so that every project stays visible and clickable.

    Parameters
    ----------
    investment : float or array-like
        Amounts in 亿元 (NaN where unknown).
    max_investment : float, optional
        The amount given ``max_radius`` (default: the largest of ``investment``), so that several
        maps can share a scale.
    max_radius, min_radius : float
        In pixels.

    Returns
    -------
    float or numpy.ndarray
        Same shape as ``investment``.
    """
    scalar = np.ndim(investment) == 0
    values = np.atleast_1d(np.asarray(investment, dtype=float))
    if max_investment is None:
        finite = values[np.isfinite(values)]
        max_investment = float(finite.max()) if finite.size else 0.0
    scale = marker_scale(max_investment, max_radius)
    with np.errstate(invalid="ignore"):
        radii = scale * np.sqrt(np.clip(values, 0, None))
    radii = np.where(np.isfinite(radii), np.maximum(radii, min_radius), min_radius)
    return float(radii[0]) if scalar else radii


# --------------------------------------------------------------------------------------------
# Per-district values


def district_values(projects, value: str = "investment", stats=None, stat_metric=None,
                    stat_period=None, stat_industry=None):
    """One row per district with the value a choropleth shows (NaN = no data, never 0).

    Parameters
    ----------
    projects : GeoDataFrame
        The canonical project table (already filtered as wanted). Districts are those the points
        lie in (``district_located``).
    value : str
        ``investment`` (sum of amounts, 亿元), ``count`` (number of projects),
        ``count-min-investment=X`` (number of projects of at least X 亿元) or ``stat:METRIC``
        (a metric of the district statistics; same as giving ``stat_metric``).
    stats : pandas.DataFrame, optional
        District statistics (columns ``scope_adcode, period, metric, industry, value, unit,
        bound``); default: the bundled ``district_stats`` when a metric is asked for.
    stat_metric, stat_period, stat_industry : str, optional
        Which statistic: the metric, the period (default: the latest one having the metric) and
        the industry (default: rows for all industries, ``industry == ""``).

    Returns
    -------
    pandas.DataFrame
        ``adcode, name_zh, name_en, value, count, n_lower_bound`` (and ``unit``, ``bound``,
        ``period`` for a statistic), in adcode order. ``value`` is NaN where there is no data: a
        district without any project in the list, a district whose projects have no amount, a
        district without that statistic. ``attrs["label_zh"]``/``attrs["label_en"]`` hold legend titles.

    Raises
    ------
    UsageError
        Unknown value or metric.
    """
    from sxmap.geo.projects import district_totals

    if stat_metric is not None:
        value = f"stat:{stat_metric}"
    kind, arg = parse_value(value)
    thresholds = (arg,) if kind == "count_min" else ()
    totals = district_totals(projects, min_investment_thresholds=thresholds)
    frame = totals[["adcode", "name_zh", "name_en", "count", "n_lower_bound"]].copy()
    has_projects = totals["count"] > 0
    if kind == "investment":
        with_amount = totals["count"] - totals["n_no_amount"]
        frame["value"] = totals["investment"].where(has_projects & (with_amount > 0))
    elif kind == "count":
        frame["value"] = totals["count"].astype(float).where(has_projects)
    elif kind == "count_min":
        frame["value"] = totals[f"n_ge_{arg:g}"].astype(float).where(has_projects)
    else:
        return _stat_values(frame, stats, arg, stat_period, stat_industry)
    frame = frame[["adcode", "name_zh", "name_en", "value", "count", "n_lower_bound"]]
    frame.attrs["label_zh"] = value_label(value, "zh")
    frame.attrs["label_en"] = value_label(value, "en")
    frame.attrs["value"] = value
    return frame.reset_index(drop=True)


def _stat_values(frame, stats, metric, period, industry):
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE

    if stats is None:
        from sxmap.geo.projects import read_bundled

        stats = read_bundled("district_stats")
    rows = stats[stats["metric"] == metric]
    if rows.empty:
        known = ", ".join(sorted(set(stats["metric"]))) or "none"
        raise UsageError(f"no district statistic {metric!r}; known metrics: {known}")
    want_industry = "" if industry is None else str(industry)
    if "industry" in rows:
        chosen = rows[rows["industry"].fillna("") == want_industry]
        if chosen.empty:
            known = ", ".join(sorted(set(rows["industry"].fillna("")) - {""}))
            raise UsageError(f"statistic {metric!r} has no rows for industry {want_industry or '(all)'!r}; "
                             f"industries: {known}")
        rows = chosen
    rows = rows[rows["scope_adcode"].isin(list(BY_ADCODE)).fillna(False).astype(bool)]
    if rows.empty:
        raise UsageError(f"statistic {metric!r} has no per-district rows")
    periods = sorted({str(p) for p in rows["period"]})
    if period is None:
        period = periods[-1]
    rows = rows[rows["period"].astype(str) == str(period)]
    if rows.empty:
        raise UsageError(f"statistic {metric!r} has no rows for period {period!r}; periods: {', '.join(periods)}")
    duplicated = rows["scope_adcode"].duplicated(keep=False)
    if duplicated.any():
        raise UsageError(f"statistic {metric!r} ({period}) has several rows for one district; "
                         "choose an industry with stat_industry")
    by_adcode = rows.set_index(rows["scope_adcode"].astype(int))
    units = sorted({str(u) for u in rows.get("unit", pd.Series([""])) if str(u)})
    unit = units[0] if len(units) == 1 else ""
    frame["value"] = [float(by_adcode.at[a, "value"]) if a in by_adcode.index else float("nan")
                      for a in frame["adcode"]]
    frame["bound"] = [str(by_adcode.at[a, "bound"]) if a in by_adcode.index and "bound" in by_adcode else ""
                      for a in frame["adcode"]]
    frame["unit"] = unit
    frame["period"] = str(period)
    frame = frame[["adcode", "name_zh", "name_en", "value", "count", "n_lower_bound", "bound", "unit", "period"]]
    frame.attrs["label_zh"] = f"{metric}（{unit}，{period}）" if unit else f"{metric}（{period}）"
    frame.attrs["label_en"] = f"{metric} ({unit}, {period})" if unit else f"{metric} ({period})"
    frame.attrs["value"] = f"stat:{metric}"
    return frame.reset_index(drop=True)

"""Investment amounts as people write them in Chinese project lists, turned into 亿元.

``130亿元``, ``130亿``, ``5000万元`` (0.5 亿元), ``1.2亿美元`` (needs an explicit CNY-per-USD rate),
``超300亿`` / ``300亿元以上`` / ``300亿+`` / ``不低于300亿`` / ``300余亿`` (a lower bound, ``min``),
``近40亿`` / ``约40亿`` / ``40亿左右`` (``approx``), plain numbers in a stated unit (亿元 by default,
万元 or 元), thousands separators (``1,300``) and full-width digits (``１３０亿``).

Every function here works on one value and knows nothing of files: errors are
:class:`~geo.errors.DataError` without a file or row, which :mod:`geo.reading` fills in.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sxmap.geo.errors import DataError, UsageError

#: Units a plain number may be in, and their size in 亿元.
UNITS = {
    "亿元": Decimal(1), "亿": Decimal(1), "yi": Decimal(1),
    "万元": Decimal("0.0001"), "万": Decimal("0.0001"), "wan": Decimal("0.0001"),
    "元": Decimal("0.00000001"), "yuan": Decimal("0.00000001"), "cny": Decimal("0.00000001"),
}

#: Multipliers written inside an amount, in 元.
_MULTIPLIERS = {
    "万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
    "万": Decimal(10) ** 4, "千": Decimal(10) ** 3,
}
_YI = Decimal(10) ** 8

#: Cells that say "no amount given".
NO_AMOUNT = frozenset({"", "-", "--", "—", "——", "–", "/", "无", "暂无", "未知", "不详", "待定", "未披露", "n/a",
                       "none", "null"})
#: The largest amount one project may have: 10,000 亿元 (one 万亿). Anything above is a typo.
MAX_AMOUNT = 10_000.0
_CHINESE_NUMERALS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")

_MIN_PREFIXES = ("不低于", "不少于", "超过", "大于", "高于", "至少", "逾", "超", ">=", "≥", ">")
_MIN_SUFFIXES = ("以上", "+")
_APPROX_PREFIXES = ("将近", "接近", "大约", "约合", "近", "约", "≈", "~")
_APPROX_SUFFIXES = ("左右", "上下")
#: Stripped in this order; each found adds its bound.
_BOUND_MARKERS = (
    (_MIN_PREFIXES, "prefix", "min"),
    (_APPROX_PREFIXES, "prefix", "approx"),
    (_MIN_SUFFIXES, "suffix", "min"),
    (_APPROX_SUFFIXES, "suffix", "approx"),
)
_UPPER_MARKERS = ("以下", "以内", "不超过", "不到", "不足", "低于", "少于", "<", "≤")
_CNY_MARKERS = ("人民币", "rmb", "cny", "¥")
_USD_MARKERS = ("美元", "美金", "us$", "usd", "$")

_NUMBER = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][+]?\d{1,3})?"
_AMOUNT_RE = re.compile(
    rf"(?P<num>{_NUMBER})(?P<more>多|余)?(?P<mult>万亿|亿|千万|百万|万|千)?(?P<more2>多|余)?(?P<yuan>元)?")
#: The forms most cells take: a plain number (1.5e+06 as programs export it) with 亿/万 and 元, and
#: at most one common bound word.
_SIMPLE_AMOUNT_RE = re.compile(
    r"(?P<before>超过|超|逾|不低于|约|近)?(?P<num>(?:[1-9]\d{0,14}(?:\.\d{1,12})?|0\.\d{1,12})(?:[eE]\+?\d{1,3})?)"
    r"(?P<mult>亿|万)?(?P<yuan>元)?"
    r"(?(before)|(?P<after>以上|左右)?)", re.ASCII)
_RANGE_RE = re.compile(r"[\d万亿千百元]\s*(?:-|~|～|至|到|—|–)\s*\.?\d")
_RANGE_SPLIT = re.compile(r"(?<=[\d亿万千百元])\s*(?:-|~|～|至|到|—|–)\s*(?=\.?\d)")


def unit_factor(unit: str) -> Decimal:
    """The size in 亿元 of one ``unit`` (亿元, 万元 or 元; also 亿, 万, yi, wan, yuan).

    Raises
    ------
    UsageError
        For any other unit.
    """
    key = unicodedata.normalize("NFKC", str(unit)).strip().lower()
    if key not in UNITS:
        raise UsageError(f"unknown amount unit {unit!r}; use 亿元, 万元 or 元")
    return UNITS[key]


def check_usd_rate(usd_rate):
    """Check a CNY-per-USD rate: a finite number of at least 1 (a rate below 1 is USD per CNY).

    Returns the rate as a float, or None when none was given.
    """
    if usd_rate is None:
        return None
    try:
        rate = float(usd_rate)
    except (TypeError, ValueError):
        raise UsageError(f"--usd-rate {usd_rate!r} is not a number; give CNY per USD, e.g. 7.1") from None
    if not math.isfinite(rate) or rate <= 0:
        raise UsageError(f"--usd-rate {usd_rate!r} must be a positive number of CNY per USD, e.g. 7.1")
    if rate < 1:
        raise UsageError(f"--usd-rate {rate:g} looks like USD per CNY; give CNY per USD, e.g. 7.1 (not 0.14)")
    return rate


def _strip_markers(text: str, markers, where: str):
    """Remove one of ``markers`` from the start (``where='prefix'``) or end of ``text``."""
    for marker in markers:
        if where == "prefix" and text.startswith(marker):
            return text[len(marker):], True
        if where == "suffix" and text.endswith(marker):
            return text[: -len(marker)], True
    return text, False


def _fix_hint(unit_name: str) -> str:
    return (f"write an amount such as 130亿元, 5000万元, 超300亿 or 约40亿 (a plain number is read in "
            f"{unit_name})")


@dataclass(frozen=True)
class Amount:
    """One amount as read: ``value`` in 亿元 (NaN when none), its ``bound`` (``exact``, ``min``,
    ``approx`` or ""), whether it was converted from US dollars, and for a range (``10-20亿``) its
    ends ``low`` and ``high`` in 亿元 (the value is then their middle, ``approx``)."""

    value: float
    bound: str
    usd: bool = False
    low: float = math.nan
    high: float = math.nan


NO_AMOUNT_VALUE = Amount(math.nan, "")


def parse_amount(value, unit: str = "亿元", usd_rate=None, currency: str = "CNY") -> tuple[float, str]:
    """Read one investment amount; return ``(amount in 亿元, bound)``.

    Parameters
    ----------
    value : str, int, float or None
        The cell as written (numbers from Excel are taken to be in ``unit``).
    unit : str
        Unit of a plain number: 亿元 (default), 万元 or 元.
    usd_rate : float, optional
        CNY per USD, required for amounts in 美元; there is no default rate.
    currency : str
        ``CNY`` (default) or ``USD``: the currency of amounts that do not name one (a column
        headed ``投资（万美元）``). 人民币 or 美元 in the value itself wins.

    Returns
    -------
    tuple of (float, str)
        The amount in 亿元 and its bound: ``exact``, ``min`` (超…/…以上/不低于…/逾…/…余), ``approx``
        (近…/约…/…左右, and ranges such as ``10-20亿``, read as their middle); ``(nan, "")`` for an
        empty cell (or -, 无, 待定 …).

    Raises
    ------
    DataError
        A negative amount, an upper bound, an amount in USD without ``usd_rate``, more than
        10,000 亿元 (:data:`MAX_AMOUNT`), ``inf`` or ``nan`` written out, or anything that is not an
        amount. The error carries the value and the fix (not the file).

    Examples
    --------
    >>> parse_amount("5000万元")
    (0.5, 'exact')
    >>> parse_amount("超300亿")
    (300.0, 'min')
    >>> parse_amount("三十五亿元")
    (35.0, 'exact')
    >>> parse_amount("10-20亿")
    (15.0, 'approx')
    >>> parse_amount("1.2亿美元", usd_rate=7.1)
    (8.52, 'exact')
    """
    amount = read_amount(value, unit=unit, usd_rate=usd_rate, currency=currency)
    return amount.value, amount.bound


def read_amount(value, unit: str = "亿元", usd_rate=None, currency: str = "CNY") -> Amount:
    """Like :func:`parse_amount`, returning an :class:`Amount` (with the range and the currency)."""
    if type(value) is str and currency != "USD":
        simple = _SIMPLE_AMOUNT_RE.fullmatch(value)
        if simple is not None:
            return _simple_amount(simple, unit, value)
    return _read_amount_carefully(value, unit, usd_rate, currency)


def _simple_amount(match, unit, original) -> Amount:
    """The most common forms (``12.5亿元``, ``3000万``, ``超50亿``, ``8.6``) without the general
    parser's normalisation: exactly what :func:`_read_amount_carefully` gives, ten times faster."""
    number = Decimal(match["num"])
    mult = match["mult"]
    yuan = number * _MULTIPLIERS[mult] if mult else number if match["yuan"] else number * unit_factor(unit) * _YI
    marker = match["before"] or match["after"]
    bound = "exact" if not marker else "approx" if marker in _APPROX_PREFIXES + _APPROX_SUFFIXES else "min"
    return _checked(Amount(float(yuan / _YI), bound), original)


def _read_amount_carefully(value, unit, usd_rate, currency) -> Amount:
    factor = unit_factor(unit)
    unit_name = next(name for name in ("亿元", "万元", "元") if UNITS[name] == factor)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_AMOUNT_VALUE
    if isinstance(value, bool):
        raise DataError("not an amount", value=value, hint=_fix_hint(unit_name))
    if isinstance(value, (int, float, Decimal)):
        return _read_number_cell(value, factor, unit_name, usd_rate, currency)

    original = str(value)
    text = _plain_amount_text(original)
    lowered = text.lower()
    if lowered in NO_AMOUNT:
        return NO_AMOUNT_VALUE
    if text.startswith("-") and re.match(r"-\.?\d", text):
        raise DataError("negative amount (金额为负)", value=original, hint="give the amount without a minus sign")
    text, usd, cny = _take_currency(text, lowered, original, unit_name)
    in_usd = usd or (currency == "USD" and not cny)

    bounds = []
    for markers, where, bound in _BOUND_MARKERS:
        text, found = _strip_markers(text, markers, where)
        if found:
            bounds.append(bound)

    if any(marker in text for marker in _UPPER_MARKERS):
        raise DataError("an upper bound (以下/不超过/不到) cannot be stored (只支持下限与约数)", value=original,
                        hint="write 约X亿 if the amount is approximate, or leave the cell empty")
    if text.startswith("-"):
        raise DataError("negative amount (金额为负)", value=original, hint="give the amount without a minus sign")
    if _RANGE_RE.search(text):
        return _read_range(text, bounds, factor, usd, in_usd, usd_rate, original, unit_name)
    yuan, more = _number_in_yuan(text, factor, usd, original, unit_name)
    if more:
        bounds.append("min")
    if len(set(bounds)) > 1:
        raise DataError("both a lower bound (超/以上) and an approximation (近/约) in one amount", value=original,
                        hint="keep one of them, e.g. 超300亿 or 约300亿")
    amount = yuan * _usd_factor(in_usd, usd_rate, original) / _YI
    return _checked(Amount(float(amount), bounds[0] if bounds else "exact", in_usd), original)


def _read_number_cell(value, factor, unit_name, usd_rate, currency) -> Amount:
    """A cell that is already a number (int, float, Decimal), in the plain unit."""
    number = Decimal(str(value))
    if not number.is_finite():
        raise DataError("not an amount", value=value, hint=_fix_hint(unit_name))
    if number < 0:
        raise DataError("negative amount (金额为负)", value=value, hint="give the amount without a minus sign")
    usd = currency == "USD"
    return _checked(Amount(float(number * factor * _usd_factor(usd, usd_rate, value)), "exact", usd), value)


def _plain_amount_text(original: str) -> str:
    """An amount cell's text, full-width forms folded (NFKC), spaces dropped, 整 ("exactly") cut."""
    text = unicodedata.normalize("NFKC", original).strip()
    text = re.sub(r"\s+", "", text).replace("−", "-").replace("，", ",")
    if text.endswith("整") and len(text) > 1:  # 3亿元整: "exactly", as on a cheque
        text = text[:-1]
    return text


def _take_currency(text, lowered, original, unit_name):
    """``text`` without its currency word (美元/USD … or 人民币/RMB …), and which one it had."""
    usd = False
    for marker in _USD_MARKERS:
        if marker in lowered:
            usd = True
            index = lowered.index(marker)
            text, lowered = text[:index] + text[index + len(marker):], lowered[:index] + lowered[index + len(marker):]
            break
    cny = False
    for marker in _CNY_MARKERS:
        if marker in lowered:
            if usd:
                raise DataError("both 人民币 and 美元 in one amount", value=original, hint=_fix_hint(unit_name))
            cny = True
            index = lowered.index(marker)
            text, lowered = text[:index] + text[index + len(marker):], lowered[:index] + lowered[index + len(marker):]
            break
    return text, usd, cny


def _read_range(text, bounds, factor, usd, in_usd, usd_rate, original, unit_name) -> Amount:
    """A range, 10-20亿: approximately its middle, with both ends kept."""
    parts = _RANGE_SPLIT.split(text)
    if len(parts) != 2 or set(bounds) - {"approx"}:
        raise DataError("not an amount (无法识别的金额)", value=original, hint=_fix_hint(unit_name))
    high_yuan, _ = _number_in_yuan(parts[1], factor, usd, original, unit_name)
    low_text = parts[0]
    if not re.search(r"[万亿千百元]$", low_text):  # "10-20亿": the 10 is in 亿 as well
        low_text += re.sub(r"^[\d.,]+(?:多|余)?", "", parts[1])
    low_yuan, _ = _number_in_yuan(low_text, factor, usd, original, unit_name)
    if low_yuan > high_yuan:
        raise DataError("a range whose first number is larger than the second (区间颠倒)", value=original,
                        hint="write the smaller number first, e.g. 10-20亿")
    rate = _usd_factor(in_usd, usd_rate, original)
    low, high = float(low_yuan * rate / _YI), float(high_yuan * rate / _YI)
    return _checked(Amount((low + high) / 2, "approx", in_usd, low, high), original)

def _number_in_yuan(text: str, factor: Decimal, usd: bool, original, unit_name) -> tuple[Decimal, bool]:
    """The amount ``text`` (no bound words, no currency) in 元 (or dollars), and whether it said
    多/余 (a lower bound). A plain number is in ``factor`` 亿元."""
    if re.fullmatch(r"(?:万|亿|万亿)元?|元", text):  # 亿, 万元: a unit, no number (not 1 or 0.0001)
        raise DataError("a unit without a number (只有单位，没有数字)", value=original,
                        hint="write the amount, e.g. 3亿元, or leave the cell empty if it is unknown")
    if re.fullmatch(r"\d{1,3},(?:\d{1,2}|\d{4,})", text):  # 12,5: a decimal comma, not thousands
        raise DataError("a comma as the decimal mark (逗号作小数点)", value=original,
                        hint=f"write {text.replace(',', '.')} with a decimal point")
    if any(ch in _CHINESE_NUMERALS for ch in text) and not re.search(r"\d", text):
        return _chinese_in_yuan(text, factor, original, unit_name), False
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        raise DataError("not an amount (无法识别的金额)", value=original, hint=_fix_hint(unit_name))
    number = Decimal(match["num"].replace(",", ""))
    more = bool(match["more"] or match["more2"])
    if match["mult"]:
        return number * _MULTIPLIERS[match["mult"]], more
    if match["yuan"] or usd:
        return number, more
    return number * factor * _YI, more


def _chinese_in_yuan(text: str, factor: Decimal, original, unit_name) -> Decimal:
    """一百亿 / 三十五亿元 / 五千万 in 元 (cn2an); a bare numeral (三十五) is in the plain unit."""
    import cn2an

    core = text[:-1] if text.endswith("元") else text
    if core[:1] in "十百千万亿佰仟拾":  # 百亿 is 一百亿, as 逾百亿元 is written
        core = "一" + core
    try:
        number = Decimal(str(cn2an.cn2an(core, "smart")))
    except (ValueError, KeyError, TypeError, IndexError):
        raise DataError("not an amount (无法识别的金额)", value=original, hint=_fix_hint(unit_name)) from None
    if "万" in core or "亿" in core or text.endswith("元"):
        return number
    return number * factor * _YI


def _checked(amount: Amount, original) -> Amount:
    """Refuse what cannot be one project's amount: not finite, or above :data:`MAX_AMOUNT`."""
    if not math.isfinite(amount.value) or amount.value > MAX_AMOUNT:
        raise DataError(f"more than {MAX_AMOUNT:,.0f} 亿元 for one project: surely a typo or a wrong unit "
                        "(金额过大，疑为单位错误)", value=original if len(str(original)) <= 40 else
                        str(original)[:37] + "…", hint="check the number and its unit (亿元/万元/元)")
    return amount


def _usd_factor(usd: bool, usd_rate, value) -> Decimal:
    """1 for yuan; the CNY-per-USD rate for dollars (an error without one)."""
    if not usd:
        return Decimal(1)
    rate = check_usd_rate(usd_rate)
    if rate is None:
        raise DataError("an amount in US dollars (美元) needs an exchange rate", value=value,
                        hint="pass --usd-rate CNY_PER_USD (e.g. --usd-rate 7.1); sxmap has no built-in rate")
    return Decimal(str(rate))


def amount_text(value, bound="", n_lower_bound=0, n_approx=0) -> str:
    """An amount for people: "≥ 430" for a lower bound (or a sum containing one), "≈ 40" for an
    approximate one, "" for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = f"{value:,.2f}".rstrip("0").rstrip(".")
    if bound == "min" or n_lower_bound:
        return f"≥ {number}"
    if bound == "approx" or n_approx:
        return f"≈ {number}"
    return number

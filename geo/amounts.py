"""Investment amounts as people write them in Chinese project lists, turned into 亿元.

``130亿元``, ``130亿``, ``5000万元`` (0.5 亿元), ``1.2亿美元`` (needs an explicit CNY-per-USD rate),
``超300亿`` / ``300亿元以上`` / ``300亿+`` / ``不低于300亿`` / ``300余亿`` (a lower bound, ``min``),
``近40亿`` / ``约40亿`` / ``40亿左右`` (``approx``), plain numbers in a stated unit (亿元 by default,
万元 or 元), thousands separators (``1,300``) and full-width digits (``１３０亿``).

Every function here works on one value and knows nothing of files: errors are
:class:`~geo.errors.DataError` without a file or row, which :mod:`geo.readers` fills in.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from geo.errors import DataError, UsageError

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
                       "na", "none", "nan", "null"})

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

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_AMOUNT_RE = re.compile(
    rf"(?P<num>{_NUMBER})(?P<more>多|余)?(?P<mult>万亿|亿|千万|百万|万|千)?(?P<more2>多|余)?(?P<yuan>元)?")
_RANGE_RE = re.compile(r"\d\s*(?:-|~|至|到)\s*\.?\d")


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
        The amount in 亿元 and its bound: ``exact``, ``min`` (超…/…以上/不低于…/…余), ``approx``
        (近…/约…/…左右); ``(nan, "")`` for an empty cell (or -, 无, 待定 …).

    Raises
    ------
    DataError
        A negative amount, a range, an upper bound, an amount in USD without ``usd_rate``, or
        anything that is not an amount. The error carries the value and the fix (not the file).

    Examples
    --------
    >>> parse_amount("5000万元")
    (0.5, 'exact')
    >>> parse_amount("超300亿")
    (300.0, 'min')
    >>> parse_amount("1.2亿美元", usd_rate=7.1)
    (8.52, 'exact')
    """
    factor = unit_factor(unit)
    unit_name = next(name for name in ("亿元", "万元", "元") if UNITS[name] == factor)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan, ""
    if isinstance(value, bool):
        raise DataError("not an amount", value=value, hint=_fix_hint(unit_name))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value))
        if not number.is_finite():
            raise DataError("not an amount", value=value, hint=_fix_hint(unit_name))
        if number < 0:
            raise DataError("negative amount (金额为负)", value=value, hint="give the amount without a minus sign")
        return float(number * factor * _usd_factor(currency == "USD", usd_rate, value)), "exact"

    original = str(value)
    text = unicodedata.normalize("NFKC", original).strip()
    text = re.sub(r"\s+", "", text).replace("−", "-").replace("，", ",")
    lowered = text.lower()
    if lowered in NO_AMOUNT:
        return math.nan, ""
    if text.startswith("-") and re.match(r"-\.?\d", text):
        raise DataError("negative amount (金额为负)", value=original, hint="give the amount without a minus sign")
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
    plain_in_usd = currency == "USD" and not cny and not usd

    bounds = []
    for markers, where, bound in _BOUND_MARKERS:
        text, found = _strip_markers(text, markers, where)
        if found:
            bounds.append(bound)

    if any(marker in text for marker in _UPPER_MARKERS):
        raise DataError("an upper bound (以下/不超过/不到) cannot be stored (只支持下限与约数)", value=original,
                        hint="write 约X亿 if the amount is approximate, or leave the cell empty")
    if _RANGE_RE.search(text):
        raise DataError("a range is not one amount (区间不是单一金额)", value=original,
                        hint="give one number: its lower end with 以上 (e.g. 30亿以上) or 约 with the middle")
    if text.startswith("-"):
        raise DataError("negative amount (金额为负)", value=original, hint="give the amount without a minus sign")
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        raise DataError("not an amount (无法识别的金额)", value=original, hint=_fix_hint(unit_name))
    if match["more"] or match["more2"]:
        bounds.append("min")
    if len(set(bounds)) > 1:
        raise DataError("both a lower bound (超/以上) and an approximation (近/约) in one amount", value=original,
                        hint="keep one of them, e.g. 超300亿 or 约300亿")
    try:
        number = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regular expression admits only numbers
        raise DataError("not an amount", value=original, hint=_fix_hint(unit_name)) from None

    if match["mult"]:
        amount = number * _MULTIPLIERS[match["mult"]] / _YI
    elif match["yuan"] or usd:
        amount = number / _YI
    else:
        amount = number * factor
    amount = amount * _usd_factor(usd or plain_in_usd, usd_rate, original)
    return float(amount), bounds[0] if bounds else "exact"


def _usd_factor(usd: bool, usd_rate, value) -> Decimal:
    """1 for yuan; the CNY-per-USD rate for dollars (an error without one)."""
    if not usd:
        return Decimal(1)
    rate = check_usd_rate(usd_rate)
    if rate is None:
        raise DataError("an amount in US dollars (美元) needs an exchange rate", value=value,
                        hint="pass --usd-rate CNY_PER_USD (e.g. --usd-rate 7.1); sxmap has no built-in rate")
    return Decimal(str(rate))

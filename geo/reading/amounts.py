"""Amounts: the investment column read once per distinct value (:func:`geo.amounts.read_amount`),
and an ``investment_bound`` column applied to it."""

from __future__ import annotations

import math

from sxmap.geo.errors import DataError
from sxmap.geo.reading.columns import distinct, per_distinct
from sxmap.geo.reading.script import has_traditional, to_simplified

BOUND_CODES = ("", "exact", "min", "approx")  # investment_bound codes while reading
_BOUND_WORDS = {"exact": "exact", "min": "min", "approx": "approx", "": "", "精确": "exact", "以上": "min",
                "下限": "min", "约": "approx", "约数": "approx"}


def read_amounts(rows):
    """``(value, bound, usd, low, high)`` per row: the amount in 亿元 (NaN where none), its bound
    code (:data:`BOUND_CODES`), whether it was converted from USD, and a range's ends."""
    import numpy as np

    from sxmap.geo.amounts import read_amount

    n = rows.n
    nan = np.full(n, np.nan)
    if "investment" not in rows.cmap.fields:
        return nan, np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool), nan, nan

    def parse(value):
        if has_traditional(value):  # 億元, 萬元 under simplified headers
            value = to_simplified(value)
        return read_amount(value, unit=rows.unit, usd_rate=rows.usd_rate, currency=rows.cmap.investment_currency)

    indices, results, errors = per_distinct(rows.text("investment"), parse)
    failed = rows.fail_distinct("investment", indices, errors)
    if not results:
        return nan, np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool), nan, nan
    value = np.array([r.value if r else np.nan for r in results], dtype=float)[indices]
    bound = np.array([BOUND_CODES.index(r.bound) if r else 0 for r in results], dtype=np.int8)[indices]
    usd = np.array([bool(r and r.usd and not math.isnan(r.value)) for r in results], dtype=bool)[indices]
    low = np.array([r.low if r else np.nan for r in results], dtype=float)[indices]
    high = np.array([r.high if r else np.nan for r in results], dtype=float)[indices]
    if "investment_bound" in rows.cmap.fields:
        bound = stated_bounds(rows, value, bound, failed)
    return value, bound, usd, low, high


def stated_bounds(rows, value, bound, amount_failed):
    """Apply an ``investment_bound`` column: it may state the bound of a plain amount.
    ``bound`` and the result are indices into :data:`BOUND_CODES`."""
    import numpy as np

    indices, values = distinct(rows.text("investment_bound"))
    if not values:
        return bound
    unknown = -1
    codes = [BOUND_CODES.index(_BOUND_WORDS[v.lower()]) if v.lower() in _BOUND_WORDS else unknown for v in values]
    stated = np.array(codes, dtype=np.int8)[indices]
    exact = BOUND_CODES.index("exact")
    nan = np.isnan(value) & ~amount_failed
    for position in np.flatnonzero(stated == unknown):
        rows.fail(position, "investment_bound", DataError("unknown bound (金额口径无效)",
                                                          value=values[indices[position]],
                                                          hint="write exact, min or approx (or leave empty)"))
    for position in np.flatnonzero(nan & (stated > 0)):
        rows.fail(position, "investment_bound", DataError("a bound without an amount (有口径无金额)",
                                                          value=values[indices[position]],
                                                          hint="give the amount or leave the bound empty"))
    clash = ~np.isnan(value) & (bound != exact) & (stated != unknown) & (stated != bound)
    for position in np.flatnonzero(clash):
        rows.fail(position, "investment_bound", DataError(
            f"the amount says {BOUND_CODES[bound[position]]} but the bound column says "
            f"{BOUND_CODES[stated[position]] or 'nothing'} (口径矛盾)", value=values[indices[position]],
            hint="make them agree"))
    take = ~np.isnan(value) & (bound == exact) & (stated > 0)
    return np.where(take, stated, bound).astype(np.int8)

"""The table's columns as the HTML page needs them: text columns, district, amount and year codes
with their labels, the district each point lies in, and checked coordinates. Used by the legends
(:mod:`maps.legend`), the project encoding (:mod:`maps.points`) and the place layers
(:mod:`maps.places`); :mod:`maps.html` re-exports these names.
"""

from __future__ import annotations

import numpy as np

from sxmap.geo.errors import DataError
from sxmap.maps import style as st
from sxmap.maps.encoding import _as_list, _b64, _codes_and_labels, _factorize


def _text_series(frame, column):
    """A column as text ("" where missing), kept as pandas' Arrow-backed strings."""
    import pandas as pd

    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype="str")
    return frame[column].astype("str").fillna("")


def _district_column(frame, lang):
    """Codes and labels of each row's stated district (未注明 / not stated when unknown)."""
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE

    unknown = "未注明" if lang == "zh" else "not stated"
    if "district" not in frame:
        return np.zeros(len(frame), dtype=np.int64), [unknown] if len(frame) else []
    codes = pd.to_numeric(frame["district"], errors="coerce").astype("Float64").fillna(-1).to_numpy(float)
    whole = np.isfinite(codes) & (codes == np.round(codes))
    codes = np.where(whole, codes, -1).astype(np.int64)

    def label(code):
        if code == -1:
            return unknown
        return BY_ADCODE[code].label(lang) if code in BY_ADCODE else str(code)

    return _codes_and_labels(codes, label)


def _district_text(frame, lang):
    """The stated district of each row as a label (未注明 / not stated when unknown)."""
    codes, labels = _district_column(frame, lang)
    return np.asarray(labels, dtype=object)[codes].tolist() if len(codes) else []


def _amount_column(frame, lang):
    """Codes of distinct (amount, bound) pairs (in order of first appearance), their formatted
    labels, their amounts (亿元) and whether each is a lower bound. Vectorised: the amounts and
    the bounds are factorised apart, then their pairs."""
    import pandas as pd

    amounts = frame["investment"].astype(float) if "investment" in frame else pd.Series(np.nan, index=frame.index)
    amount_codes, amount_values = pd.factorize(amounts.round(6).fillna(-1.0), sort=False)
    bound_codes, bound_values = _factorize(_text_series(frame, "investment_bound"))
    bound_values = _as_list(bound_values)
    pairs = np.asarray(amount_codes, dtype=np.int64) * max(len(bound_values), 1) + np.asarray(bound_codes)
    codes, firsts = pd.factorize(pairs, sort=False)
    amount_of = np.asarray(amount_values, dtype=float)[firsts // max(len(bound_values), 1)]
    bound_of = np.asarray(bound_values, dtype=object)[firsts % max(len(bound_values), 1)]
    values = [None if a == -1.0 else float(a) for a in amount_of]
    labels = [st.format_amount(float("nan") if v is None else v, b, lang) for v, b in zip(values, bound_of)]
    return np.asarray(codes, dtype=np.int64), labels, values, [int(b == "min") for b in bound_of]


def _check_coordinates(frame, what):
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        ids = frame["id"].astype(str).to_numpy()[bad][:5] if "id" in frame else np.flatnonzero(bad)[:5]
        raise DataError(f"{int(bad.sum())} {what} without coordinates (ids {', '.join(map(str, ids))})",
                        column="lon/lat", hint="give every row a lon and lat (WGS-84)")
    return lon, lat


def _located_column(projects, lang, order=None):
    """The district each project lies in (``district_located``), for the page's filter and for
    recolouring the districts: ``{"c": base64 uint8 codes, "adcodes", "names", "other"}`` (names
    in the page's language, ``other`` in the other one; code of a point outside the city: the
    last, adcode 0)."""
    from sxmap.geo.districts import BY_ADCODE

    if "district_located" in projects:
        located = projects["district_located"].fillna(0).to_numpy(dtype=np.int64)
    else:
        from sxmap.geo.locate import locate

        located = np.asarray(locate(projects["lon"].to_numpy(float), projects["lat"].to_numpy(float)), dtype=np.int64)
    adcodes = list(BY_ADCODE)
    other = "en" if lang == "zh" else "zh"
    names = [BY_ADCODE[a].label(lang) for a in adcodes]
    others = [BY_ADCODE[a].label(other) for a in adcodes]
    lookup = {a: k for k, a in enumerate(adcodes)}
    codes = np.array([lookup.get(int(a), len(adcodes)) for a in np.unique(located)], dtype=np.int64)
    codes = codes[np.searchsorted(np.unique(located), located)] if located.size else np.zeros(0, dtype=np.int64)
    if (codes == len(adcodes)).any():
        adcodes.append(0)
        from sxmap.geo.region import active

        outside_zh, outside_en = active().outside_label("zh"), active().outside_label("en", named=False)
        names.append(outside_zh if lang == "zh" else outside_en)
        others.append(outside_en if lang == "zh" else outside_zh)
    if order is not None:
        codes = codes[order]
    return {"c": _b64(codes, "<u1"), "adcodes": adcodes, "names": names, "other": others}


def _year_column(frame):
    """Codes and labels of each row's year ("" when unknown)."""
    import pandas as pd

    if "year" not in frame:
        return np.zeros(len(frame), dtype=np.int64), [""] if len(frame) else []
    years = pd.to_numeric(frame["year"], errors="coerce").astype("Float64").to_numpy(float)
    whole = np.isfinite(years) & (years == np.round(years))
    none = np.iinfo(np.int64).min
    codes = np.full(len(years), none, dtype=np.int64)
    codes[whole] = years[whole].astype(np.int64)
    return _codes_and_labels(codes, lambda y: "" if y == none else str(y))


def _year_text(frame):
    codes, labels = _year_column(frame)
    return np.asarray(labels, dtype=object)[codes].tolist() if len(codes) else []

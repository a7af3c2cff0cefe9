"""Which datum a table's longitudes and latitudes are in, judged from the places its rows state.

A list of projects whose 经度/纬度 were copied from Gaode (GCJ-02) or Baidu (BD-09) looks exactly
like one in WGS-84: the numbers differ by 500 m (GCJ-02) to 1.3 km (BD-09) in Shaoxing, nothing in
the values says which. But most tables also say where each project is — a 所在区县 column, or an
address naming a district or township — and the right datum is the one that puts the points where
the rows say they are. :func:`decide_datum` counts, for WGS-84, GCJ-02 and BD-09, how many rows
fall in the district they state, and picks the datum that clearly fits best.

The rule (:func:`clearly_better`), decided on simulated tables of 8–2,000 projects drawn inside
the districts (a third of them near a border, as projects in towns are), some coordinates rounded
to 2–3 decimals, 0–10 % stated in the wrong district (``benchmarks/datum_thresholds.py``; the
measured rates are in the README; ``tests/test_datum.py`` checks the rule's properties):

- a datum D fits clearly better than E when it puts at least :data:`MIN_MARGIN` (2) more rows in
  their stated district, and the rows that only D places outnumber those that only E places at
  least :data:`MIN_RATIO` (3) to 1;
- the datum that fits clearly better than both others is chosen; if none does (the rows lie far
  from any border, or the evidence is mixed), the coordinates are read as WGS-84 and the message
  says that points near a border depend on it;
- coordinates with no more than 2 decimals (120.58, 30.0) are rounded to ±500 m, as far as the
  datums differ: such rows are not weighed;
- no row with both a stated place and coordinates: no evidence, WGS-84 is assumed, and the
  message says so;
- a datum the user gave (``--crs``, or a header such as ``经度(GCJ-02)``) is always obeyed; when
  another fits clearly better, the message says so with the counts.

Projected tables (metres) given without ``--crs`` are weighed the same way over the Gauss–Krüger
zones they may be in (:func:`zone_readings`, :func:`decide_zone`): the zone number in front of the
eastings names the zone; without one, CGCS2000 3-degree CM 120°E, 6-degree CM 123°E and 3-degree
CM 117°E are compared, and the reading chosen must also place half the rows weighed.

At most :data:`SAMPLE` rows are weighed (evenly spaced through the table): the counts of a
million-row table come from 10,000 of them, in about 0.05 s (the reader takes ~3 s for the table).

Pure: arrays in, a :class:`DatumDecision` out; the reader (:mod:`geo.reading`) reads the
coordinates in ``decision.crs`` and passes the message on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DATUMS = ("wgs84", "gcj02", "bd09")  #: the datums weighed, in order of preference on a tie
MIN_MARGIN = 2  #: rows more in their stated district, at least, for one datum to fit clearly better
MIN_RATIO = 3  #: rows only it places : rows only the other places, at least
COARSE_DECIMALS = 2  #: rows whose coordinates have no more decimals are not weighed (see :func:`coarse`)
SAMPLE = 10_000  #: rows weighed at most (evenly spaced; under geo.crs's grid start, which would cost more)

NAMES_ZH = {"wgs84": "WGS-84", "gcj02": "高德 GCJ-02", "bd09": "百度 BD-09"}
NAMES_EN = {"wgs84": "WGS-84", "gcj02": "GCJ-02 (Gaode)", "bd09": "BD-09 (Baidu)"}


@dataclass(frozen=True)
class DatumDecision:
    """The datum the coordinates are read in, and why.

    Attributes
    ----------
    crs : str
        ``wgs84``, ``gcj02`` or ``bd09`` (or the projected system given): read the coordinates in it.
    given : str or None
        The datum the user gave (``--crs`` or a header); None when nothing was given.
    inferred : bool
        True when ``crs`` was chosen from the evidence (not given, not the WGS-84 default).
    better : str or None
        A datum other than ``crs`` that fits the stated places clearly better (only when one was
        given, since otherwise it would have been chosen).
    rows : int
        Rows with both coordinates (finer than 2 decimals) and a stated place: the evidence.
    weighed : int
        Of these, the rows counted (``rows``, or :data:`SAMPLE` of them).
    hits : dict
        ``{datum: rows of those weighed that fall in their stated district}``.
    coarse : int
        Rows with a stated place whose coordinates have at most 2 decimals: not weighed.
    message_zh, message_en : str
        One line each; empty when there is nothing to say.
    say : bool
        Whether a command should print the message on standard error: the datum was inferred or
        assumed, or the one given seems wrong.
    """

    crs: str
    given: str | None = None
    inferred: bool = False
    better: str | None = None
    rows: int = 0
    weighed: int = 0
    hits: dict = field(default_factory=dict)
    coarse: int = 0
    message_zh: str = ""
    message_en: str = ""
    say: bool = False

    @property
    def message(self) -> str:
        """Chinese, then English in brackets: the line a command prints."""
        if not self.message_zh:
            return ""
        return f"{self.message_zh} ({self.message_en})"

    def as_dict(self) -> dict:
        """Plain values (for JSON and for a DataFrame's ``attrs``)."""
        return {"crs": self.crs, "given": self.given, "inferred": self.inferred, "better": self.better,
                "rows": self.rows, "weighed": self.weighed, "hits": dict(self.hits), "coarse": self.coarse,
                "message_zh": self.message_zh, "message_en": self.message_en, "message": self.message,
                "say": self.say}


def weigh(lon, lat, stated, sample: int = SAMPLE):
    """Which rows fall in their stated district under each datum.

    Parameters
    ----------
    lon, lat : array_like
        The coordinates as written (any datum), NaN where none.
    stated : array_like of int
        The adcode of the district each row states (from a district column or an address); 0 or
        negative where none.
    sample : int
        Weigh at most this many of the rows that have both (evenly spaced).

    Returns
    -------
    rows : int
        Rows with both coordinates (finer than :data:`COARSE_DECIMALS` decimals) and a stated
        district.
    hit : dict
        ``{datum: boolean array}`` over the rows weighed: in the stated district when the
        coordinates are read in that datum.
    rough : int
        Rows with a stated district and coordinates too coarse to weigh (:func:`coarse`).
    """
    from sxmap.geo.crs import to_wgs84
    from sxmap.geo.locate import locate

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    stated = np.asarray(stated, dtype=np.int64)
    placed = np.isfinite(lon) & np.isfinite(lat) & (stated > 0)
    rough = placed & coarse(lon, lat)
    evidence = np.flatnonzero(placed & ~rough)
    rows = int(evidence.size)
    if rows > sample:
        evidence = evidence[np.linspace(0, rows - 1, sample).round().astype(np.int64)]
    x, y, want = lon[evidence], lat[evidence], stated[evidence]
    hit = {}
    for datum in DATUMS:
        wx, wy = (x, y) if datum == "wgs84" else to_wgs84(x, y, datum)
        hit[datum] = locate(np.asarray(wx), np.asarray(wy)) == want
    return rows, hit, int(np.count_nonzero(rough))


def coarse(lon, lat):
    """True where both coordinates have at most :data:`COARSE_DECIMALS` decimals (120.58, 30.0):
    rounded to ±0.005° (±500 m), as far as the datums differ, they are no evidence either way."""
    scale = 10.0 ** COARSE_DECIMALS
    with np.errstate(invalid="ignore"):
        return ((np.abs(lon * scale - np.round(lon * scale)) < 1e-6)
                & (np.abs(lat * scale - np.round(lat * scale)) < 1e-6))


def clearly_better(hit_a, hit_b) -> bool:
    """True when datum A (rows in their stated district: ``hit_a``) fits clearly better than B.

    A must place at least :data:`MIN_MARGIN` more rows in their stated district than B, and the
    rows only A places must outnumber the rows only B places at least :data:`MIN_RATIO` to 1.
    """
    only_a = int(np.count_nonzero(hit_a & ~hit_b))
    only_b = int(np.count_nonzero(hit_b & ~hit_a))
    return only_a - only_b >= MIN_MARGIN and only_a >= MIN_RATIO * only_b


def best_fit(hit: dict):
    """The datum that fits clearly better than every other one, or None."""
    for datum in DATUMS:
        if all(clearly_better(hit[datum], hit[other]) for other in DATUMS if other != datum):
            return datum
    return None


def decide_datum(lon, lat, stated, given=None, sample: int = SAMPLE) -> DatumDecision:
    """The datum to read a table's coordinates in, from the districts its rows state.

    Parameters
    ----------
    lon, lat : array_like
        The coordinates as written, NaN where a row has none.
    stated : array_like of int
        Each row's stated district (adcode; 0 where none): the district column, else the
        district named by the address.
    given : str, optional
        The datum the user gave (``wgs84``, ``gcj02``, ``bd09``, or a projected system, which is
        taken as it is); None when nothing was given.
    sample : int
        Weigh at most this many rows.

    Returns
    -------
    DatumDecision

    Examples
    --------
    >>> from sxmap.geo.crs import wgs84_to_gcj02
    >>> lon, lat = wgs84_to_gcj02([120.58, 120.50], [30.00, 30.05])
    >>> decide_datum(lon, lat, [330602, 330603]).crs   # two points far from borders: no evidence
    'wgs84'
    """
    if given is not None and given not in DATUMS:
        return DatumDecision(crs=given, given=given)
    rows, hit, rough = weigh(lon, lat, stated, sample)
    weighed = int(hit["wgs84"].size)
    hits = {datum: int(np.count_nonzero(h)) for datum, h in hit.items()}
    best = best_fit(hit) if weighed else None
    facts = dict(rows=rows, weighed=weighed, hits=hits, coarse=rough)
    if given is not None:
        better = best if best not in (None, given) else None
        zh, en = _given_message(given, better, facts)
        return DatumDecision(crs=given, given=given, better=better, message_zh=zh, message_en=en,
                             say=better is not None, **facts)
    if not rows:
        zh, en = _no_evidence_message(rough)
        return DatumDecision(crs="wgs84", say=True, message_zh=zh, message_en=en, **facts)
    crs = best or "wgs84"
    zh, en = _inferred_message(crs, best is not None, facts)
    return DatumDecision(crs=crs, inferred=crs != "wgs84", say=True, message_zh=zh, message_en=en, **facts)


_USE_CRS_ZH = "高德坐标请用 --crs gcj02，百度坐标 --crs bd09"
_USE_CRS_EN = "use --crs gcj02 for Gaode, --crs bd09 for Baidu"


def _no_evidence_message(rough):
    """No row to weigh: none states a place, or those that do give coordinates to 2 decimals."""
    if rough:
        return (f"坐标按 WGS-84 读入：{rough:,} 行坐标仅到小数点后 2 位（约 ±500 米），无法据所填区县判断坐标系，"
                f"靠近区县边界的点取决于此；{_USE_CRS_ZH}",
                f"coordinates read as WGS-84: the {rough:,} rows with a stated district give coordinates to 2 "
                f"decimals (±500 m), too coarse to tell the datum, and points near a district border depend on it; "
                f"{_USE_CRS_EN}")
    return (f"坐标按 WGS-84 读入：表中没有可核对坐标系的所填区县或地址，靠近区县边界的点取决于此；{_USE_CRS_ZH}",
            "coordinates read as WGS-84: no row states a district or address to check the datum against, and "
            f"points near a district border depend on it; {_USE_CRS_EN}")


def _by(datum) -> str:
    """"按 WGS-84" / "按高德 GCJ-02"."""
    return f"按{'' if datum != 'wgs84' else ' '}{NAMES_ZH[datum]}"


def _fit_zh(datum, facts) -> str:
    """"19 行全部落在所填区县" / "19 行中 17 行落在所填区县"."""
    weighed, n = facts["weighed"], facts["hits"][datum]
    lead = f"抽查 {weighed:,} 行（共 {facts['rows']:,} 行）" if weighed < facts["rows"] else f"{weighed:,} 行"
    if n == weighed:
        return f"{lead}全部落在所填区县"
    return f"{lead}中 {n:,} 行落在所填区县"


def _fit_en(datum, facts) -> str:
    weighed, n = facts["weighed"], facts["hits"][datum]
    sampled = f" (a sample of {facts['rows']:,})" if weighed < facts["rows"] else ""
    if n == weighed:
        return f"all {weighed:,} rows{sampled} fall in their stated district"
    return f"{n:,} of {weighed:,} rows{sampled} fall in their stated district"


def _others(datum, facts, only=""):
    hits = facts["hits"]
    others = [d for d in DATUMS if d != datum]
    zh = "，".join(f"{_by(d)} {only}{hits[d]:,} 行" for d in others)
    en = ", ".join(f"{NAMES_EN[d]}: {hits[d]:,}" for d in others)
    return zh, en


def _inferred_message(crs, clear, facts):
    others_zh, others_en = _others(crs, facts, "仅 " if clear else "")
    if clear and crs != "wgs84":
        return (f"坐标{_by(crs)} 读入：{_fit_zh(crs, facts)}（{others_zh}）；如需改用 --crs wgs84",
                f"coordinates read as {NAMES_EN[crs]}: {_fit_en(crs, facts)} ({others_en}); "
                "to override: --crs wgs84")
    if clear:
        return (f"坐标按 WGS-84 读入：{_fit_zh(crs, facts)}（{others_zh}）；"
                "如为高德或百度坐标请用 --crs gcj02 或 --crs bd09",
                f"coordinates read as WGS-84: {_fit_en(crs, facts)} ({others_en}); "
                "if they come from Gaode or Baidu use --crs gcj02 or --crs bd09")
    return (f"坐标按 WGS-84 读入：所填区县无法判断坐标系（{_fit_zh(crs, facts)}，{others_zh}），"
            f"靠近区县边界的点取决于此；{_USE_CRS_ZH}",
            f"coordinates read as WGS-84: the stated districts do not tell the datum ({_fit_en(crs, facts)}; "
            f"{others_en}), and points near a district border depend on it; {_USE_CRS_EN}")


def _given_message(given, better, facts):
    if not facts["weighed"]:
        return "", ""
    if better is None:
        return (f"坐标按所给的 {NAMES_ZH[given]} 读入：{_fit_zh(given, facts)}",
                f"coordinates read as {NAMES_EN[given]}, as given: {_fit_en(given, facts)}")
    hits = facts["hits"]
    return (f"坐标按所给的 {NAMES_ZH[given]} 读入，但{_by(better)} 有 {hits[better]:,} 行落在所填区县"
            f"（{_by(given)} 仅 {hits[given]:,} 行，共核对 {facts['weighed']:,} 行）；请核对 --crs，"
            f"可能应为 --crs {better}",
            f"coordinates read as {NAMES_EN[given]}, as given, but {hits[better]:,} of {facts['weighed']:,} "
            f"rows fall in their stated district as {NAMES_EN[better]} (as {NAMES_EN[given]}: {hits[given]:,}); "
            f"check --crs: it may be --crs {better}")


# ============================================================================================
# Projected tables (metres, no --crs): which Gauss–Krüger zone

#: Readings of metres without a zone number in front, for the default region: CGCS2000 3-degree
#: CM 120°E (Shaoxing's own zone), 6-degree CM 123°E, 3-degree CM 117°E. Their eastings for Shaoxing
#: do not overlap (490–616 km, 200–330 km, 780–910 km), so the wrong ones put every point 300 km
#: away. Another region's are :func:`geo.region.plain_zones` of its zone (:func:`zone_readings`).
ZONES_PLAIN = ("EPSG:4549", "EPSG:4510", "EPSG:4548")


def zone_readings(easting) -> tuple:
    """The projected systems metres may be in, from their eastings: the zone a number in front
    names (:func:`geo.region.numbered_zone`), else the region's :func:`geo.region.plain_zones`;
    ``()`` for a number that names no CGCS2000 zone."""
    from sxmap.geo.region import active, numbered_zone, plain_zones

    easting = np.asarray(easting, dtype=float)
    easting = easting[np.isfinite(easting)]
    if easting.size and np.median(np.abs(easting)) >= 1e7:
        code = numbered_zone(int(np.median(np.abs(easting)) // 1e6))
        return (code,) if code else ()
    return plain_zones(active().zone)


def decide_zone(east, north, stated, candidates, sample: int = SAMPLE) -> DatumDecision:
    """The projected system (of ``candidates``) to read metres in, from the districts rows state.

    The same rule as :func:`decide_datum`: the reading that fits clearly better than every other
    (:func:`clearly_better`), and that places at least half the rows weighed in their stated
    district (a lone candidate must do that much). ``crs`` is None when no reading qualifies (or no
    row states a district): the caller refuses the file as before, asking for ``--crs``.
    """
    from sxmap.geo.crs import any_to_wgs84
    from sxmap.geo.locate import locate

    east, north = np.asarray(east, dtype=float), np.asarray(north, dtype=float)
    stated = np.asarray(stated, dtype=np.int64)
    evidence = np.flatnonzero(np.isfinite(east) & np.isfinite(north) & (stated > 0))
    rows = int(evidence.size)
    if rows > sample:
        evidence = evidence[np.linspace(0, rows - 1, sample).round().astype(np.int64)]
    hit = {}
    for code in candidates:
        lon, lat = any_to_wgs84(east[evidence], north[evidence], code)
        hit[code] = locate(np.asarray(lon), np.asarray(lat)) == stated[evidence]
    facts = dict(rows=rows, weighed=int(evidence.size), hits={c: int(np.count_nonzero(h)) for c, h in hit.items()})
    best = None
    for code in candidates:
        if (2 * facts["hits"][code] >= facts["weighed"] > 0
                and all(clearly_better(hit[code], hit[other]) for other in candidates if other != code)):
            best = code
    if best is None:
        return DatumDecision(crs=None, **facts)
    others = [c for c in candidates if c != best]
    fit_zh, fit_en = _fit_zh(best, facts), _fit_en(best, facts)
    from sxmap.geo.region import zone_name

    zh = (f"坐标为投影坐标（米），按 {zone_name(best)}（{best}）读入：{fit_zh}"
          + ("（" + "，".join(f"按 {c} {facts['hits'][c]:,} 行" for c in others) + "）" if others else "")
          + (f"；如需改用其他坐标系请用 --crs，例如 --crs {others[0]}" if others else "；如有误请用 --crs 指明坐标系"))
    en = (f"the coordinates are metres, read as {best}: {fit_en}"
          + (" (" + ", ".join(f"{c}: {facts['hits'][c]:,}" for c in others) + ")" if others else "")
          + (f"; to read them otherwise use --crs, e.g. --crs {others[0]}" if others
             else "; if that is wrong, name the system with --crs"))
    return DatumDecision(crs=best, inferred=True, say=True, message_zh=zh, message_en=en, **facts)

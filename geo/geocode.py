"""Geocoding addresses with Gaode's web service (高德地理编码), with an on-disk cache.

Rows of a table that have no coordinates are sent, by their address, to Gaode's geocoding web
service v3 (``GET {base}/v3/geocode/geo?key=…&address=…&city=绍兴``) with the user's own key. Each
answer's ``location`` (GCJ-02) becomes WGS-84 (:func:`geo.crs.gcj02_to_wgs84`), its ``level`` a
``location_precision``, and its ``adcode`` is compared with the district the row states (or its
address names). An answer at township level (``乡镇``) is placed at the township's shipped seat
(:mod:`geo.seats`), as a row the reader locates by its address's township is, so that both draw at
one point. Rows Gaode cannot place are kept, with the reason, and reported.

Answers are cached in SQLite (:func:`cache_path`): a re-run sends no request for an address
already answered, "no match" included. Requests are spaced to at most ``qps`` per second, and a
rate-limit answer (CUQPS_HAS_EXCEEDED_THE_LIMIT, ACCESS_TOO_FREQUENT …) is retried with exponential
backoff. An invalid key, a key not allowed to use the service, or an exhausted daily quota stop
the run with a clear message; what was answered before is in the cache.

Only the standard library talks to the service (``urllib``); the key is never written anywhere.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sxmap.geo.errors import DataError, SxmapError, UsageError

DEFAULT_URL = "https://restapi.amap.com"
GEOCODE_PATH = "/v3/geocode/geo"
DEFAULT_QPS = 3.0
#: Seconds one request may take in all (connecting, the headers and the body): a service that
#: answers a byte every few seconds is cut off here, whatever the per-read timeout.
DEFAULT_DEADLINE = 10.0
#: The most bytes of one answer (a geocoding answer is a few kilobytes): an endless body stops here.
MAX_ANSWER_BYTES = 1 << 20
#: Where Gaode's answers can lie (China, with a margin; GCJ-02 is defined nowhere else).
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

#: Gaode's match levels (lbs.amap.com/news/geocoder_api, 2023-12) → ``location_precision``.
LEVEL_PRECISION = {
    "门牌号": "site", "门址": "site", "单元号": "site", "楼层": "site", "房间": "site", "兴趣点": "site",
    "住宅区": "site", "道路交叉路口": "site", "公交地铁站点": "site", "公交站台": "site", "地铁站": "site",
    "道路": "township", "小巷": "township", "村庄": "township", "热点商圈": "township", "乡镇": "township",
    "开发区": "township",
    "区县": "district", "未知": "district",
}
#: Levels too coarse to place a project (the point is the city's or province's centre).
COARSE_LEVELS = ("国家", "省", "市")

#: Columns :func:`geocode_table` adds (after ``lon``, ``lat``, ``location_precision``).
GEOCODE_COLUMNS = ("geocode_status", "geocode_level", "geocode_address", "geocode_adcode",
                   "geocode_district_mismatch", "geocode_query", "geocode_note")
STATUSES = ("input", "ok", "no_result", "too_coarse", "no_address", "error")

_RATE_LIMIT = ("CUQPS_HAS_EXCEEDED_THE_LIMIT", "CKQPS_HAS_EXCEEDED_THE_LIMIT", "CQPS_HAS_EXCEEDED_THE_LIMIT",
               "ACCESS_TOO_FREQUENT", "QPS_HAS_EXCEEDED_THE_LIMIT", "OVER_DIRECTION_RANGE")
_RATE_LIMIT_CODES = ("10004", "10019", "10020", "10021", "10014", "10015")
_QUOTA = ("DAILY_QUERY_OVER_LIMIT", "USER_DAILY_QUERY_OVER_LIMIT", "USER_ABROAD_DAILY_QUERY_OVER_LIMIT",
          "QUOTA_PLAN_RUN_OUT", "GEOFENCE_MAX_COUNT_REACHED", "SERVICE_EXPIRED")
_QUOTA_CODES = ("10003", "10044", "10045")
_KEY_PROBLEMS = {
    "INVALID_USER_KEY": "the key is wrong or has expired (key 无效或过期)",
    "SERVICE_NOT_AVAILABLE": "the key may not use the Web服务 API (key 未开通 Web 服务; create a key of type Web服务)",
    "INVALID_USER_IP": "this computer's IP is not in the key's whitelist (IP 白名单)",
    "INVALID_USER_DOMAIN": "the key is bound to another domain",
    "INVALID_USER_SIGNATURE": "the key requires a digital signature (数字签名), which sxmap does not send",
    "INVALID_USER_SCODE": "the key's security code does not match",
    "USERKEY_PLAT_NOMATCH": "the key is not a Web服务 key (key 平台不匹配)",
    "IP_QUERY_OVER_LIMIT": "this IP's quota is used up",
    "NOT_SUPPORT_HTTPS": "the service does not accept HTTPS for this key",
    "INSUFFICIENT_PRIVILEGES": "the key lacks the privilege for this service",
    "USER_KEY_RECYCLED": "the key has been withdrawn",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")



def region_city() -> str:
    """The ``city`` Gaode searches in for the region in use: its short name for a city (绍兴, 杭州),
    its code for a province or county (Gaode takes either)."""
    from sxmap.geo.region import active

    region = active()
    return region.short_zh if region.level == "city" else str(region.adcode)

class GeocodeError(SxmapError):
    """The geocoding service could not be used (unreachable, bad answers, quota): exit 1."""

    exit_code = 1


class GeocodeQuotaError(GeocodeError):
    """The key's daily quota is used up (DAILY_QUERY_OVER_LIMIT)."""


class GeocodeKeyError(UsageError):
    """No key, or a key the service refuses (INVALID_USER_KEY …): exit 2."""


def clean_text(value) -> str:
    """Text safe for a terminal and a CSV cell: NFKC-folded, control and bidi characters removed."""
    if value is None:
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", str(value))).strip()


# ============================================================================================
# The cache


def cache_dir() -> Path:
    """Where sxmap keeps caches: ``$SXMAP_CACHE_DIR``, else the user cache directory of
    ``platformdirs`` if installed, else ``$XDG_CACHE_HOME/sxmap`` or ``~/.cache/sxmap``."""
    env = os.environ.get("SXMAP_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "sxmap"
    return Path(platformdirs.user_cache_dir("sxmap"))


def cache_path() -> Path:
    """The SQLite file of geocoding answers (``geocode.sqlite`` in :func:`cache_dir`)."""
    return cache_dir() / "geocode.sqlite"


class GeocodeCache:
    """Gaode's answers by (service URL, city, address), in SQLite.

    Only answers are kept (the JSON list of ``geocodes``, possibly empty), never the key.

    Parameters
    ----------
    path : path, optional
        The SQLite file (default :func:`cache_path`); its folder is created.
    """

    def __init__(self, path=None):
        self.path = Path(path) if path else cache_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path)
            self.db.execute("CREATE TABLE IF NOT EXISTS answers (service TEXT, city TEXT, address TEXT, "
                            "geocodes TEXT, fetched TEXT, PRIMARY KEY (service, city, address))")
            self.db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise GeocodeError(f"cannot open the geocoding cache {self.path}: {exc}; "
                               "set SXMAP_CACHE_DIR to a writable folder") from None

    def get(self, service: str, city: str, address: str):
        """The cached ``geocodes`` list, or ``None`` when the address was never answered."""
        row = self.db.execute("SELECT geocodes FROM answers WHERE service=? AND city=? AND address=?",
                              (service, city, address)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, service: str, city: str, address: str, geocodes: list) -> None:
        """Store an answer (committed at once, so an interrupted run keeps what it got)."""
        self.db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?)",
                        (service, city, address, json.dumps(geocodes, ensure_ascii=False),
                         time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
        self.db.commit()

    def close(self) -> None:
        self.db.close()


# ============================================================================================
# The client


class AmapGeocoder:
    """A client of Gaode's geocoding service v3 that respects its rate limits.

    Parameters
    ----------
    key : str
        The user's Web服务 key.
    base_url : str
        The service's base URL (default https://restapi.amap.com); tests and intranet proxies
        give their own.
    city : str
        The ``city`` parameter (default: the region in use's, :func:`region_city`: 绍兴).
    qps : float
        At most this many requests per second.
    retries : int
        Retries of a rate-limited or failed request, with backoff ``backoff``, 2×, 4× … seconds.
    timeout : float
        Seconds to wait for each read of an answer.
    deadline : float
        Seconds one request may take in all (a service that trickles its answer is cut off); two
        requests in a row over it stop the run.
    max_bytes : int
        The most bytes of one answer; a longer one is a bad answer (and stops the run).
    """

    def __init__(self, key: str, base_url: str = DEFAULT_URL, city: str | None = None, qps: float = DEFAULT_QPS,
                 retries: int = 4, backoff: float = 1.0, timeout: float = 15.0, sleep=time.sleep,
                 deadline: float = DEFAULT_DEADLINE, max_bytes: int = MAX_ANSWER_BYTES):
        if not key or not str(key).strip():
            raise GeocodeKeyError("no Gaode key (缺少高德 key): give --amap-key KEY or set AMAP_KEY; "
                                  "nothing is sent without one")
        if qps <= 0:
            raise UsageError(f"--qps must be positive, got {qps:g}")
        base_url = str(base_url).rstrip("/")
        if not re.match(r"^https?://[^\s/]+", base_url):
            raise UsageError(f"--amap-url must be an http(s) URL, got {base_url!r}")
        self.key = str(key).strip()
        self.base_url = base_url
        self.city = city or region_city()
        self.interval = 1.0 / float(qps)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        self.deadline = float(deadline)
        self.max_bytes = int(max_bytes)
        self.sleep = sleep
        self.requests = 0
        self._last = None

    @property
    def service(self) -> str:
        """The service's URL without the key (the cache's key)."""
        return self.base_url + GEOCODE_PATH

    def _wait_turn(self):
        if self._last is not None:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last = time.monotonic()

    def _read_capped(self, response) -> bytes:
        """The body, at most :attr:`max_bytes` (more is a bad answer, not read on)."""
        chunks, size = [], 0
        while True:
            chunk = response.read(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise GeocodeError(f"{self.service} answered more than {self.max_bytes // 1024} KiB, which is not a "
                                   "geocoding answer (返回内容过大); check --amap-url")
            chunks.append(chunk)

    def _get(self, address: str) -> dict:
        import http.client
        import urllib.error
        import urllib.parse
        import urllib.request

        query = urllib.parse.urlencode({"key": self.key, "address": address, "city": self.city, "output": "JSON"})
        self._wait_turn()
        self.requests += 1
        request = urllib.request.Request(f"{self.service}?{query}", headers={"User-Agent": "sxmap"})
        watch = _Deadline(self.deadline)
        try:
            with watch, watch.opener().open(request, timeout=min(self.timeout, self.deadline)) as response:
                body = self._read_capped(response)
        except urllib.error.HTTPError as exc:
            raise _Retryable(f"HTTP {exc.code} from {self.service}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, http.client.HTTPException) as exc:
            if watch.expired:
                raise _TooSlow(f"{self.service} did not answer within {self.deadline:g} s (超时)") from None
            reason = getattr(exc, "reason", exc)
            raise _Retryable(f"cannot reach {self.service} ({reason})") from None
        if watch.expired:
            raise _TooSlow(f"{self.service} did not answer within {self.deadline:g} s (超时)")
        try:
            answer = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _Retryable(f"{self.service} did not answer JSON") from None
        if not isinstance(answer, dict):
            raise _Retryable(f"{self.service} answered something other than a JSON object")
        return answer

    def geocode(self, address: str) -> list:
        """Gaode's ``geocodes`` for an address (empty when it finds nothing).

        Raises
        ------
        GeocodeKeyError
            INVALID_USER_KEY and other key problems (exit 2).
        GeocodeQuotaError
            DAILY_QUERY_OVER_LIMIT and other exhausted quotas.
        GeocodeError
            The service stays unreachable or rate-limited after the retries, or answers nonsense.
        _AddressRejected
            The service refuses this one address (INVALID_PARAMS …); the caller reports the row.
        """
        delay = self.backoff
        last = ""
        slow = 0
        for attempt in range(self.retries + 1):
            try:
                answer = self._get(address)
            except _TooSlow as exc:
                slow += 1
                last = str(exc)
                if slow >= 2:
                    raise GeocodeError(f"{last}, twice in a row; answers received so far are cached, run again "
                                       "later") from None
            except _Retryable as exc:
                slow = 0
                last = str(exc)
            else:
                status, info = str(answer.get("status", "")), str(answer.get("info", ""))
                code = str(answer.get("infocode", ""))
                if status == "1":
                    geocodes = answer.get("geocodes") or []
                    if not isinstance(geocodes, list):
                        raise GeocodeError(f"{self.service} answered geocodes that are not a list")
                    return [g for g in geocodes if isinstance(g, dict)]
                if info in _KEY_PROBLEMS or code in ("10001", "10002", "10005", "10006", "10007", "10009"):
                    why = _KEY_PROBLEMS.get(info, "the service refuses the key")
                    raise GeocodeKeyError(f"Gaode refused the key: {clean_text(info)} ({code}): {why}")
                if info in _QUOTA or code in _QUOTA_CODES:
                    raise GeocodeQuotaError(
                        f"Gaode says {clean_text(info)} ({code}): the key's daily quota is used up (今日配额已用完); "
                        "answers received so far are cached — run again tomorrow, or use another key")
                if info in _RATE_LIMIT or code in _RATE_LIMIT_CODES or "QPS" in info or "FREQUENT" in info:
                    last = f"rate limited ({clean_text(info)})"
                elif code.startswith("2"):  # 20000 INVALID_PARAMS, 20003 UNKNOWN_ERROR … : about this address
                    raise _AddressRejected(f"{clean_text(info)} ({code})")
                else:
                    last = f"{clean_text(info) or 'error'} ({code})"
            if attempt < self.retries:
                self.sleep(delay)
                delay *= 2
        raise GeocodeError(f"Gaode's geocoder failed {self.retries + 1} times: {last}; "
                           "answers received so far are cached, run again later (or lower --qps)")


class _Retryable(Exception):
    pass


class _TooSlow(_Retryable):
    pass


class _Deadline:
    """A total time limit on one request: when it passes, every socket the request opened is shut
    down, so a read blocked on a service that trickles bytes returns at once.

    Use :meth:`opener` for the request and the object as a context manager around it; then
    :attr:`expired` says whether the limit cut it off.
    """

    def __init__(self, seconds: float):
        import threading

        self.seconds = seconds
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        return False

    def _expire(self):
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def watch(self, sock):
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def opener(self):
        """A urllib opener (proxies from the environment included) whose connections are watched."""
        import http.client
        import urllib.request

        deadline = self

        class Watched:
            def connect(self):
                super().connect()
                deadline.watch(self.sock)

        class HTTP(Watched, http.client.HTTPConnection):
            pass

        class HTTPS(Watched, http.client.HTTPSConnection):
            pass

        class HTTPHandler(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(HTTP, req)

        class HTTPSHandler(urllib.request.HTTPSHandler):
            def https_open(self, req):
                return self.do_open(HTTPS, req, context=self._context)

        return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def _shut(sock) -> None:
    import socket

    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _AddressRejected(Exception):
    pass


# ============================================================================================
# Geocoding a table


def find_column(headers, field_name: str, given=None, path=None):
    """The header of ``field_name`` (address, district, lon, lat …) by the reader's rule
    (:func:`geo.reading.headers.column_for`: 建设地点, 项目地址, 所在地 … are addresses, as for every
    command): ``given`` if the user named one (it must exist), else ``None`` when no header is
    the field's."""
    from sxmap.geo.reading.headers import column_for

    try:
        return column_for(headers, field_name, given)
    except UsageError:
        raise DataError(f"no column {given!r}", path=path,
                        hint="columns: " + ", ".join(str(h) for h in headers)) from None
    except DataError as exc:
        raise DataError(exc.message, path=path, hint=exc.hint) from None


def _header_datum(headers, lon_col, lat_col, crs, path):
    """The datum of the coordinates: the one the headers name (经度(GCJ-02)), as the reader reads
    them; a different ``crs`` than the headers' (other than the default) is a usage error."""
    from sxmap.geo.reading.headers import coordinate_datum

    named = coordinate_datum(headers, lon_col, lat_col) if lon_col and lat_col else None
    if named is None or named == crs:
        return crs
    if crs != "wgs84":
        raise UsageError(f"{path}: the header {lon_col!r} says the coordinates are {named} but --crs is {crs}; "
                         f"pass --crs {named}")
    return named


@dataclass
class GeocodeReport:
    """What :func:`geocode_table` did: counts, and the rows it could not place."""

    rows: int = 0
    with_coordinates: int = 0
    addresses: int = 0          # distinct addresses looked up
    cached: int = 0             # … answered from the cache
    requested: int = 0          # … sent to the service
    placed: int = 0
    mismatches: int = 0
    unplaced: list = field(default_factory=list)   # (row number, address, status, reason)
    cache_path: str = ""


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _number(value):
    try:
        number = float(str(value).strip().replace("，", "."))
    except ValueError:
        return None
    return number if number == number else None


def _township_name(code: str) -> str:
    """A township's official name from its code."""
    from sxmap.geo.townships import resolve_township

    return resolve_township(code).name


def _township_seat(parsed_code, formatted_address: str, adcode: str) -> str:
    """The code of the township a 乡镇-level answer means, if it has a shipped seat in the district
    Gaode names: the township the row's address names, else the one Gaode's formatted address
    names; "" otherwise."""
    from sxmap.geo.seats import seat_points
    from sxmap.geo.townships import parse_address

    codes = [parsed_code or "", parse_address(formatted_address)[1] if formatted_address else ""]
    for code in codes:
        if code and code in seat_points() and code[:6] == adcode:
            return code
    return ""


def parse_location(value):
    """Gaode's ``location`` (``"lon,lat"``, GCJ-02) as ``((lon, lat), None)``, or ``(None, why)``
    when it is not two finite numbers inside China (``120.6,30.0,5``, ``200,95``, ``nan,30``).

    Examples
    --------
    >>> parse_location("120.585,30.0")
    ((120.585, 30.0), None)
    >>> parse_location("200,95")[1]
    "location '200,95' is outside China (lon 73–136, lat 3–54)"
    """
    import math

    text = clean_text(value if isinstance(value, str) else "")
    if not text:
        return None, "no location"
    parts = text.split(",")
    numbers = [_number(p) for p in parts]
    shown = text if len(text) <= 60 else text[:57] + "..."
    if len(parts) != 2 or None in numbers or not all(math.isfinite(v) for v in numbers):
        return None, f"location {shown!r} is not two numbers lon,lat"
    lon, lat = numbers
    if not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        return None, f"location {shown!r} is outside China (lon 73–136, lat 3–54)"
    return (lon, lat), None


def geocode_table(frame, *, geocoder=None, cache=None, address_column=None, district_column=None,
                  lon_column=None, lat_column=None, crs: str = "wgs84", path=None, header_row: int = 1,
                  refresh: bool = False, base_url: str = DEFAULT_URL, city: str | None = None):
    """Fill in the coordinates of the rows that lack them, from their address, with Gaode.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (text cells).
    geocoder : AmapGeocoder, optional
        The client; may be ``None`` when every address needed is in the cache (else
        :class:`GeocodeKeyError`: nothing is sent without a key).
    cache : GeocodeCache, optional
        Default: the user's cache (:func:`cache_path`).
    address_column, district_column, lon_column, lat_column : str, optional
        Headers to use (default: found by their usual names, e.g. 地址, 区县, 经度, 纬度).
    crs : str
        ``wgs84``, ``gcj02``, ``bd09`` or any system :func:`geo.crs.resolve_crs` accepts (EPSG:3857 …)
        Datum of the coordinates already in the table (converted to WGS-84 in the output).
    path : path, optional
        The file, for messages.
    header_row : int
        The row number of the header (rows are numbered as a user sees them).
    refresh : bool
        Ask again even for addresses in the cache.
    base_url, city : str
        The service and city whose cached answers to use when there is no ``geocoder`` (with one,
        its own).

    Returns
    -------
    (pandas.DataFrame, GeocodeReport)
        The table with ``lon``, ``lat`` (WGS-84; the input's coordinate columns are renamed so),
        ``location_precision`` (``site``, ``township`` or ``district`` from Gaode's level; empty
        where the row is not placed), a ``district`` column when the input had none (from the
        address, else Gaode's adcode), and the :data:`GEOCODE_COLUMNS`; every input row is kept,
        in order.

    Raises
    ------
    DataError
        No address column.
    GeocodeKeyError, GeocodeQuotaError, GeocodeError
        As :meth:`AmapGeocoder.geocode`.
    """
    from sxmap.geo.crs import resolve_crs

    crs = resolve_crs(crs)  # wgs84/gcj02/bd09, or a projected system such as EPSG:3857 or EPSG:4549
    cols = _table_columns(frame, address_column, district_column, lon_column, lat_column, crs, path)
    n = len(frame)
    report = GeocodeReport(rows=n)
    cache = cache or GeocodeCache()
    report.cache_path = str(cache.path)
    service = geocoder.service if geocoder is not None else str(base_url).rstrip("/") + GEOCODE_PATH
    city = geocoder.city if geocoder is not None else (city or region_city())

    addresses, stated, parsed = _parsed_rows(frame, cols)
    lon, lat, has_xy = _given_coordinates(frame, cols)
    report.with_coordinates = int(has_xy.sum())
    out, precision = _first_columns(frame, cols, has_xy)
    queries = _queries(addresses, stated, parsed, has_xy, out, precision, report, header_row)
    answers, rejected = _answers(queries, geocoder, cache, service, city, refresh, report)
    gcj, seats_at = _place_rows(queries, answers, rejected, stated, parsed, out, precision, report, header_row)
    _set_positions(lon, lat, gcj, seats_at, report)
    return _geocoded_table(frame, cols, lon, lat, precision, out, parsed["district"].tolist()), report


def _table_columns(frame, address_column, district_column, lon_column, lat_column, crs, path):
    """The headers of the address, district, coordinates and precision (None when absent), and the
    datum of the coordinates (:func:`_header_datum`), as one namespace."""
    from types import SimpleNamespace

    headers = list(frame.columns)
    address_col = find_column(headers, "address", address_column, path)
    if address_col is None:
        raise DataError("no address column (找不到地址列)", path=path,
                        hint="name it 地址 or address, or give --address-column HEADER")
    district_col = find_column(headers, "district", district_column, path)
    lon_col = find_column(headers, "lon", lon_column, path)
    lat_col = find_column(headers, "lat", lat_column, path)
    precision_col = find_column(headers, "location_precision")
    crs = _header_datum(headers, lon_col, lat_col, crs, path)
    return SimpleNamespace(address=address_col, district=district_col, lon=lon_col, lat=lat_col,
                           precision=precision_col, crs=crs)


def _parsed_rows(frame, cols):
    """Each row's address (clean text), stated district (adcode or None) and the address parsed
    (:func:`geo.townships.parse_addresses`)."""
    import pandas as pd

    from sxmap.geo.districts import try_resolve_district
    from sxmap.geo.townships import parse_addresses

    n = len(frame)
    addresses = [clean_text(v) for v in frame[cols.address].tolist()]
    stated = [None] * n
    if cols.district is not None:
        for i, value in enumerate(frame[cols.district].tolist()):
            d = None if _blank(value) else try_resolve_district(clean_text(value))
            stated[i] = d.adcode if d is not None else None
    parsed = parse_addresses(pd.Series(addresses, dtype=object),
                             districts=pd.array(stated, dtype="Int64"))
    return addresses, stated, parsed


def _given_coordinates(frame, cols):
    """The coordinates the table already has (WGS-84; NaN where none) and which rows have them."""
    import numpy as np

    from sxmap.geo.crs import any_to_wgs84

    n = len(frame)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    has_xy = np.zeros(n, dtype=bool)
    if cols.lon is not None and cols.lat is not None:
        for i, (x, y) in enumerate(zip(frame[cols.lon].tolist(), frame[cols.lat].tolist())):
            x, y = _number(x), _number(y)
            if x is not None and y is not None:
                lon[i], lat[i], has_xy[i] = x, y, True
        if has_xy.any() and cols.crs != "wgs84":
            lon[has_xy], lat[has_xy] = any_to_wgs84(lon[has_xy], lat[has_xy], cols.crs)
    return lon, lat, has_xy


def _first_columns(frame, cols, has_xy):
    """The :data:`GEOCODE_COLUMNS` (empty) and the precision of each row, the rows with
    coordinates marked ``input`` (and ``site`` unless the table says otherwise)."""
    import numpy as np

    n = len(frame)
    out = {c: [""] * n for c in GEOCODE_COLUMNS}
    precision = [""] * n
    if cols.precision is not None:
        precision = [clean_text(v).lower() for v in frame[cols.precision].tolist()]
    for i in np.flatnonzero(has_xy):
        out["geocode_status"][i] = "input"
        precision[i] = precision[i] or "site"
    return out, precision


def _queries(addresses, stated, parsed, has_xy, out, precision, report, header_row):
    """The query of each row to place ("" for the others): its address, with the stated district
    in front when the address names none (绍兴 is the city parameter). Rows with neither
    coordinates nor an address are reported."""
    import numpy as np
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE

    queries = [""] * len(addresses)
    for i in np.flatnonzero(~has_xy):
        address = addresses[i]
        if not address:
            out["geocode_status"][i] = "no_address"
            precision[i] = ""
            report.unplaced.append((i + header_row + 1, "", "no_address", "no coordinates and no address (无坐标也无地址)"))
            continue
        named = parsed["district_named"].iloc[i]
        if stated[i] is not None and pd.isna(named):
            address = BY_ADCODE[stated[i]].name_zh + address
        queries[i] = address
        out["geocode_query"][i] = address
    return queries


def _answers(queries, geocoder, cache, service, city, refresh, report):
    """Gaode's answer to each distinct query, from the cache or asked (and cached), and the
    queries Gaode refused (with why)."""
    distinct = list(dict.fromkeys(q for q in queries if q))
    report.addresses = len(distinct)
    answers, rejected = {}, {}
    if not refresh:
        for q in distinct:
            cached = cache.get(service, city, q)
            if cached is not None:
                answers[q] = cached
    report.cached = len(answers)
    missing = [q for q in distinct if q not in answers]
    if missing and geocoder is None:
        raise GeocodeKeyError(f"{len(missing)} address(es) are not in the cache and there is no Gaode key "
                              "(缺少高德 key): give --amap-key KEY or set AMAP_KEY; nothing is sent without one")
    for q in missing:
        try:
            geocodes = geocoder.geocode(q)
        except _AddressRejected as exc:
            rejected[q] = str(exc)
            continue
        cache.put(service, city, q, geocodes)
        answers[q] = geocodes
    report.requested = geocoder.requests if geocoder is not None else 0
    return answers, rejected


def _place_rows(queries, answers, rejected, stated, parsed, out, precision, report, header_row):
    """Read Gaode's answer of each queried row into ``out`` and ``precision``; the GCJ-02 position
    of each row placed (NaN elsewhere) and the township codes of the rows placed at township
    level (乡镇, "" elsewhere)."""
    import numpy as np

    n = len(queries)
    gcj = np.full((n, 2), np.nan)
    seats_at = [""] * n
    for i, q in enumerate(queries):
        if not q:
            continue
        rownum = i + header_row + 1
        if q in rejected:
            _unplaced(i, rownum, q, "error", f"Gaode refused the address: {rejected[q]}", out, precision, report)
            continue
        geocodes = answers[q]
        if not geocodes:
            out["geocode_status"][i] = "no_result"
            out["geocode_note"][i] = "高德未找到该地址 (no match)"
            report.unplaced.append((rownum, q, "no_result", "Gaode found nothing"))
            precision[i] = ""
            continue
        placed = _read_answer(i, rownum, q, geocodes, out, precision, report)
        if placed is None:
            continue
        gcj[i] = placed
        seats_at[i] = _answer_notes(i, geocodes, stated, parsed, out, report)
    return gcj, seats_at


def _unplaced(i, rownum, q, status, note, out, precision, report):
    """Mark row ``i`` not placed, with its status and note, and report it."""
    out["geocode_status"][i] = status
    out["geocode_note"][i] = note
    report.unplaced.append((rownum, q, status, note))
    precision[i] = ""


def _read_answer(i, rownum, q, geocodes, out, precision, report):
    """Read Gaode's first match into row ``i``'s level, address and adcode; its GCJ-02 position,
    or None when the answer is bad or too coarse (the row is then marked not placed)."""
    first = geocodes[0]
    level = clean_text(first.get("level"))
    xy, bad = parse_location(first.get("location"))
    out["geocode_level"][i] = level
    out["geocode_address"][i] = clean_text(first.get("formatted_address"))
    out["geocode_adcode"][i] = clean_text(first.get("adcode"))
    if bad and level not in COARSE_LEVELS:
        _unplaced(i, rownum, q, "error", f"高德返回的坐标无效 (a bad answer from Gaode: {bad})", out, precision, report)
        return None
    if level in COARSE_LEVELS or xy is None:
        _unplaced(i, rownum, q, "too_coarse",
                  f"高德只定位到「{level}」级 (matched only at {level or 'an unknown'} level)", out, precision, report)
        return None
    out["geocode_status"][i] = "ok"
    precision[i] = LEVEL_PRECISION.get(level, "district")
    return xy


def _answer_notes(i, geocodes, stated, parsed, out, report):
    """Write row ``i``'s notes (placed at a township seat, several matches, a district other than
    the row's); the township code of its seat, or ""."""
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE

    first = geocodes[0]
    level, adcode = out["geocode_level"][i], out["geocode_adcode"][i]
    notes = []
    seat = ""
    if level == "乡镇":
        seat_code = _township_seat(parsed["township_code"].iloc[i], out["geocode_address"][i], adcode)
        if seat_code:
            seat = seat_code
            notes.append(f"乡镇级结果置于{_township_name(seat_code)}驻地 (a township-level answer: placed at the "
                         "township's seat)")
    if len(geocodes) > 1:
        notes.append(f"{len(geocodes)} matches, the first is used (多个匹配，取第一个)")
    parsed_district = parsed["district"].iloc[i]
    expected = stated[i] if stated[i] is not None else (None if pd.isna(parsed_district) else int(parsed_district))
    got = int(adcode) if adcode.isdigit() else None
    if expected is not None and got != expected:
        got_name = BY_ADCODE[got].name_zh if got in BY_ADCODE else (clean_text(first.get("district"))
                                                                    or adcode or "?")
        out["geocode_district_mismatch"][i] = "yes"
        notes.append(f"所填区县 {BY_ADCODE[expected].name_zh}，高德给出 {got_name} "
                     f"(the row says {BY_ADCODE[expected].name_zh}, Gaode says {got_name})")
        report.mismatches += 1
    out["geocode_note"][i] = "; ".join(notes)
    return seat


def _set_positions(lon, lat, gcj, seats_at, report):
    """Put the placed rows' positions (WGS-84) into ``lon``/``lat``: Gaode's, or the township's
    seat for a township-level answer."""
    import numpy as np

    from sxmap.geo.crs import gcj02_to_wgs84

    placed = ~np.isnan(gcj[:, 0])
    if placed.any():
        lon[placed], lat[placed] = gcj02_to_wgs84(gcj[placed, 0], gcj[placed, 1])
    if any(seats_at):
        from sxmap.geo.seats import seat_arrays

        seat_lon, seat_lat, seat_district = seat_arrays(seats_at)
        at_seat = seat_district > 0
        lon[at_seat], lat[at_seat] = seat_lon[at_seat], seat_lat[at_seat]
    report.placed = int(placed.sum())


def _geocoded_table(frame, cols, lon, lat, precision, out, parsed_district):
    """The table with ``lon``/``lat`` (text, WGS-84), ``location_precision``, ``district`` when it
    had none, and the :data:`GEOCODE_COLUMNS` (text a spreadsheet would run neutralised)."""
    import numpy as np
    import pandas as pd

    from sxmap.geo.districts import BY_ADCODE
    from sxmap.geo.export import neutralise_formula

    result = frame.copy()
    lon_text = ["" if np.isnan(v) else f"{v:.7f}" for v in lon]
    lat_text = ["" if np.isnan(v) else f"{v:.7f}" for v in lat]
    if cols.lon is not None and cols.lat is not None:
        result[cols.lon], result[cols.lat] = lon_text, lat_text
        result = result.rename(columns={cols.lon: "lon", cols.lat: "lat"})
    else:
        result["lon"], result["lat"] = lon_text, lat_text
    if cols.precision is not None:
        result = result.drop(columns=[cols.precision])
    result["location_precision"] = precision
    if cols.district is None:  # so that a row left without coordinates can still be placed by its district
        gaode = [int(a) if a.isdigit() and int(a) in BY_ADCODE else None for a in out["geocode_adcode"]]
        result["district"] = ["" if pd.isna(p) and g is None else str(int(p) if not pd.isna(p) else g)
                              for p, g in zip(parsed_district, gaode)]
    for column in GEOCODE_COLUMNS:
        values = out[column]
        if column in ("geocode_address", "geocode_note", "geocode_query"):
            values = [neutralise_formula(v) for v in values]
        result[column] = values
    return result

def report_lines(report: GeocodeReport, limit: int = 50) -> list[str]:
    """Lines for stderr about a run: counts, then the rows not placed (at most ``limit``)."""
    lines = [f"{report.rows} row(s): {report.with_coordinates} with coordinates, {report.addresses} distinct "
             f"address(es) to place — {report.cached} from the cache, {report.requested} request(s) sent; "
             f"{report.placed} placed, {len(report.unplaced)} not placed, {report.mismatches} district mismatch(es) "
             f"(cache: {report.cache_path})"]
    if report.unplaced:
        lines.append("not placed (未能定位, kept in the output without coordinates):")
        for rownum, address, status, reason in report.unplaced[:limit]:
            lines.append(f"  row {rownum}: {address!r}: {status} — {reason}")
        if len(report.unplaced) > limit:
            lines.append(f"  … and {len(report.unplaced) - limit} more (geocode_status in the output)")
    return lines

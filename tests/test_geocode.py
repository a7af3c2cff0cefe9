"""sxmap geocode against a local server on 127.0.0.1 that answers as Gaode's geocoder v3 documents."""

from __future__ import annotations

import csv
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from sxmap.cli import main
from sxmap.geo.boundaries import district_anchor
from sxmap.geo.crs import wgs84_to_gcj02
from sxmap.geo.geocode import AmapGeocoder, GeocodeCache, GeocodeError, GeocodeKeyError, geocode_table
from sxmap.geo.seats import seat_points


def _gcj(adcode):
    lon, lat = wgs84_to_gcj02(*district_anchor(adcode))
    return f"{lon:.6f},{lat:.6f}"


# address → (level, adcode, district, GCJ-02 location); formatted as Gaode does
KNOWN = {
    "柯桥区钱清街道工业园区": ("乡镇", "330603", "柯桥区", _gcj(330603)),
    "诸暨市店口镇工业区1号": ("门牌号", "330681", "诸暨市", _gcj(330681)),
    "越城区解放北路": ("道路", "330602", "越城区", _gcj(330602)),
    "嵊州市绍兴": ("市", "330600", "", "120.582886,30.051549"),
    # bad answers a service can give: a third number, outside any map, outside China, not numbers
    "三个数": ("门牌号", "330602", "越城区", "120.6,30.0,5"),
    "出界": ("门牌号", "330602", "越城区", "200,95"),
    "国外": ("门牌号", "330602", "越城区", "2.35,48.85"),
    "非数": ("门牌号", "330602", "越城区", "nan,inf"),
}


class FakeAmap:
    """State of the fake service: requests seen, and how keys behave."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()

    def answer(self, params):
        key, address = params.get("key", ""), params.get("address", "")
        with self.lock:
            self.requests.append(params)
            n_for_key = sum(1 for p in self.requests if p.get("key") == key)
        if params.get("city") != "绍兴":
            return {"status": "0", "info": "INVALID_PARAMS", "infocode": "20000"}
        if key == "bad":
            return {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}
        if key == "quota" or (key == "quota-after-1" and n_for_key > 1):
            return {"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"}
        if key == "busy" and n_for_key <= 2:
            return {"status": "0", "info": "CUQPS_HAS_EXCEEDED_THE_LIMIT", "infocode": "10021"}
        if address not in KNOWN:
            return {"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}
        level, adcode, district, location = KNOWN[address]
        return {"status": "1", "info": "OK", "infocode": "10000", "count": "1", "geocodes": [{
            "formatted_address": "浙江省绍兴市" + address.removeprefix("绍兴市"), "country": "中国",
            "province": "浙江省", "citycode": "0575", "city": "绍兴市", "district": district, "township": [],
            "neighborhood": {"name": [], "type": []}, "building": {"name": [], "type": []},
            "adcode": adcode, "street": [], "number": [], "location": location, "level": level}]}


def _dribble(handler, data: bytes, pause: float) -> None:
    """Write ``data`` one byte every ``pause`` s; stop when the client hangs up."""
    for byte in data:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(pause)


def _trickle(handler, pause=0.2, limit=100):
    """Headers, then a valid-looking body one byte every ``pause`` s (a service that "answers" but
    never finishes in time); stops after ``limit`` bytes or when the client hangs up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.end_headers()
    _dribble(handler, (b'{"status":"1","geocodes":[' + b" " * limit)[:limit], pause)


def _slow_headers(handler, pause=0.2, limit=100):
    """The status line and headers themselves one byte every ``pause`` s."""
    _dribble(handler, (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X: " + b"y" * limit)[:limit], pause)


def _endless(handler, limit=8 << 20):
    """A body that does not end (8 MiB here, as fast as the client reads; no length given)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.end_headers()
    handler.wfile.write(b'{"status":"1","geocodes":[')
    block = b'{"location":"120.5,30.0"},' * 4096
    sent = 0
    while sent < limit:
        try:
            handler.wfile.write(block)
        except OSError:
            return
        sent += len(block)


HOSTILE = {"slow": _trickle, "slow-headers": _slow_headers, "endless": _endless}


@pytest.fixture
def amap():
    state = FakeAmap()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/v3/geocode/geo":
                self.send_error(404)
                return
            params = dict(urllib.parse.parse_qsl(url.query))
            if params.get("key") in HOSTILE:
                with state.lock:
                    state.requests.append(params)
                HOSTILE[params["key"]](self)
                return
            body = json.dumps(state.answer(params), ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SXMAP_CACHE_DIR", str(folder))
    monkeypatch.delenv("AMAP_KEY", raising=False)
    return folder


ROWS = [
    # 项目名称, 区县, 地址, 经度, 纬度
    ("甲项目", "柯桥区", "柯桥区钱清街道工业园区", "", ""),
    ("乙项目", "诸暨市", "诸暨市店口镇工业区1号", "", ""),
    ("丙项目", "柯桥区", "越城区解放北路", "", ""),          # Gaode says 越城区: flagged
    ("丁项目", "新昌县", "查无此地", "", ""),                # no result → kept, reported
    ("戊项目", "嵊州市", "绍兴", "", ""),                    # sent as 嵊州市绍兴; city level only → kept, reported
    ("己项目", "上虞区", "", "120.90", "30.00"),             # has coordinates: not sent
    ("庚项目", "柯桥区", "柯桥区钱清街道工业园区", "", ""),    # same address: one request
]


@pytest.fixture
def projects_csv(tmp_path):
    path = tmp_path / "项目清单.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["项目名称", "区县", "地址", "经度", "纬度"])
        writer.writerows(ROWS)
    return path


def _run(runner, projects_csv, out, *extra):
    return runner.invoke(main, ["geocode", str(projects_csv), "-o", str(out), *extra])


def test_geocode_places_rows_converts_and_flags(runner, amap, projects_csv, tmp_path):
    out = tmp_path / "located.csv"
    result = _run(runner, projects_csv, out, "--amap-key", "good", "--amap-url", amap.url, "--qps", "50")
    assert result.exit_code == 0, result.output
    # five distinct addresses to place, one request each; the row with coordinates is not sent
    assert len(amap.requests) == 5
    assert all(r["city"] == "绍兴" and r["key"] == "good" for r in amap.requests)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["项目名称"] for r in rows] == [r[0] for r in ROWS]  # nothing dropped, order kept
    by = {r["项目名称"]: r for r in rows}
    # GCJ-02 answers become WGS-84 (the anchors the fake service shifted)
    for name, adcode in (("乙项目", 330681), ("丙项目", 330602)):
        lon, lat = district_anchor(adcode)
        assert abs(float(by[name]["lon"]) - lon) < 1e-6 and abs(float(by[name]["lat"]) - lat) < 1e-6
    # a township-level (乡镇) answer is drawn at the township's shipped seat, as the reader places
    # a row located by its address's township
    assert by["甲项目"]["location_precision"] == "township" and by["甲项目"]["geocode_level"] == "乡镇"
    seat = seat_points()["330603009000"]  # 钱清街道
    assert (float(by["甲项目"]["lon"]), float(by["甲项目"]["lat"])) == (round(seat[0], 7), round(seat[1], 7))
    assert "钱清街道驻地" in by["甲项目"]["geocode_note"]
    assert by["乙项目"]["location_precision"] == "site" and by["乙项目"]["geocode_adcode"] == "330681"
    assert by["乙项目"]["geocode_address"] == "浙江省绍兴市诸暨市店口镇工业区1号"
    assert by["丙项目"]["geocode_district_mismatch"] == "yes" and "越城区" in by["丙项目"]["geocode_note"]
    assert by["甲项目"]["geocode_district_mismatch"] == ""
    assert (by["丁项目"]["geocode_status"], by["丁项目"]["lon"]) == ("no_result", "")
    assert (by["戊项目"]["geocode_status"], by["戊项目"]["lon"]) == ("too_coarse", "")
    assert (by["己项目"]["geocode_status"], by["己项目"]["lon"], by["己项目"]["location_precision"]) == \
        ("input", "120.9000000", "site")
    assert by["庚项目"]["lon"] == by["甲项目"]["lon"]
    # the unplaced rows are reported on stderr with their row numbers
    assert "row 5: '新昌县查无此地': no_result" in result.stderr
    assert "row 6: '嵊州市绍兴': too_coarse" in result.stderr
    assert "1 district mismatch" in result.stderr


def test_the_output_is_read_by_every_command(runner, amap, projects_csv, tmp_path):
    out = tmp_path / "located.csv"
    assert _run(runner, projects_csv, out, "--amap-key", "good", "--amap-url", amap.url, "--qps", "50").exit_code == 0
    result = runner.invoke(main, ["stats", "--projects", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    total = json.loads(result.stdout)[-1]
    assert total["count"] == len(ROWS)
    result = runner.invoke(main, ["query", "--projects", str(out), "--township", "钱清", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in csv.DictReader(result.stdout.splitlines())] == ["甲项目", "庚项目"]


def test_a_rerun_sends_nothing_for_answered_addresses(runner, amap, projects_csv, tmp_path, cache_dir):
    first = tmp_path / "first.csv"
    assert _run(runner, projects_csv, first, "--amap-key", "good", "--amap-url", amap.url, "--qps", "50").exit_code == 0
    sent = len(amap.requests)
    assert (cache_dir / "geocode.sqlite").exists()
    second = tmp_path / "second.csv"
    result = _run(runner, projects_csv, second, "--amap-key", "good", "--amap-url", amap.url)
    assert result.exit_code == 0, result.output
    assert len(amap.requests) == sent  # every address, "no match" included, came from the cache
    assert "5 from the cache, 0 request(s) sent" in result.stderr
    assert second.read_bytes() == first.read_bytes()
    # with everything cached, no key is needed
    third = tmp_path / "third.csv"
    assert _run(runner, projects_csv, third, "--amap-url", amap.url).exit_code == 0
    assert third.read_bytes() == first.read_bytes()
    # the key is not stored in the cache
    assert b"good" not in (cache_dir / "geocode.sqlite").read_bytes()


def test_no_key_sends_nothing_and_exits_2(runner, amap, projects_csv, tmp_path):
    out = tmp_path / "out.csv"
    result = _run(runner, projects_csv, out, "--amap-url", amap.url)
    assert result.exit_code == 2
    assert "AMAP_KEY" in result.stderr and "nothing is sent" in result.stderr
    assert amap.requests == [] and not out.exists()
    assert "Traceback" not in result.output


def test_invalid_key_exits_2_with_a_clear_message(runner, amap, projects_csv, tmp_path):
    out = tmp_path / "out.csv"
    result = _run(runner, projects_csv, out, "--amap-key", "bad", "--amap-url", amap.url)
    assert result.exit_code == 2
    assert "INVALID_USER_KEY" in result.stderr and "wrong or has expired" in result.stderr
    assert "bad" not in result.stderr.replace("INVALID", "")  # the key itself is not echoed
    assert len(amap.requests) == 1 and not out.exists()


def test_quota_exits_1_and_keeps_what_was_answered(runner, amap, projects_csv, tmp_path):
    out = tmp_path / "out.csv"
    result = _run(runner, projects_csv, out, "--amap-key", "quota-after-1", "--amap-url", amap.url, "--qps", "50")
    assert result.exit_code == 1
    assert "DAILY_QUERY_OVER_LIMIT" in result.stderr and "cached" in result.stderr
    assert not out.exists()
    before = len(amap.requests)
    result = _run(runner, projects_csv, out, "--amap-key", "good", "--amap-url", amap.url, "--qps", "50")
    assert result.exit_code == 0, result.output
    assert len(amap.requests) - before == 4  # the first address was answered before the quota ran out


def test_rate_limit_answers_are_retried_with_backoff(amap, cache_dir):
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        time.sleep(min(seconds, 0.01))

    client = AmapGeocoder("busy", base_url=amap.url, qps=1000, backoff=0.5, sleep=sleep)
    geocodes = client.geocode("诸暨市店口镇工业区1号")
    assert geocodes[0]["adcode"] == "330681"
    assert client.requests == 3
    assert [s for s in sleeps if s >= 0.5] == [0.5, 1.0]  # two backoffs, doubling


def test_requests_are_spaced_to_the_qps(amap):
    client = AmapGeocoder("good", base_url=amap.url, qps=20)
    started = time.monotonic()
    for _ in range(5):
        client.geocode("越城区解放北路")
    assert time.monotonic() - started >= 4 / 20 - 0.01


def test_an_unreachable_service_is_an_error_not_a_traceback(cache_dir):
    client = AmapGeocoder("good", base_url="http://127.0.0.1:9", retries=1, backoff=0.01, timeout=2)
    with pytest.raises(GeocodeError, match="cannot reach"):
        client.geocode("越城区解放北路")


def test_library_adds_a_district_column_when_the_table_has_none(amap, tmp_path):
    frame = pd.DataFrame({"name": ["甲", "乙"], "address": ["柯桥区钱清街道工业园区", "查无此地"]})
    client = AmapGeocoder("good", base_url=amap.url, qps=1000)
    cache = GeocodeCache(tmp_path / "c.sqlite")
    located, report = geocode_table(frame, geocoder=client, cache=cache)
    cache.close()
    assert located["district"].tolist() == ["330603", ""]
    assert report.placed == 1 and len(report.unplaced) == 1 and report.requested == 2


def test_no_address_column_is_a_data_error(runner, amap, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name,district\n甲,柯桥区\n", encoding="utf-8")
    result = runner.invoke(main, ["geocode", str(path), "-o", str(tmp_path / "o.csv"), "--amap-key", "good",
                                  "--amap-url", amap.url])
    assert result.exit_code == 1 and "no address column" in result.stderr


def test_missing_key_in_library_is_a_key_error():
    with pytest.raises(GeocodeKeyError):
        AmapGeocoder("")


def test_gaode_text_is_cleaned_and_neutralised(amap, tmp_path):
    KNOWN["=cmd|' /C calc'!A0"] = ("兴趣点", "330602", "越城区", _gcj(330602))
    try:
        frame = pd.DataFrame({"name": ["x"], "address": ["=cmd|' /C calc'!A0"]})
        located, _ = geocode_table(frame, geocoder=AmapGeocoder("good", base_url=amap.url, qps=1000),
                                   cache=GeocodeCache(tmp_path / "c.sqlite"))
    finally:
        del KNOWN["=cmd|' /C calc'!A0"]
    assert located["geocode_query"].iloc[0].startswith("'=")
    assert located["location_precision"].iloc[0] == "site"


def test_jianshe_didian_is_the_address_as_for_every_command(runner, amap, tmp_path):
    """Issue 16 item 3: one column rule — a file whose only address column is 建设地点."""
    path = tmp_path / "计划表.csv"
    path.write_text("项目名称,建设地点,总投资\n甲,柯桥区钱清街道工业园区,5\n乙,诸暨市店口镇工业区1号,3\n", encoding="utf-8")
    out = tmp_path / "located.csv"
    result = _run(runner, path, out, "--amap-key", "good", "--amap-url", amap.url, "--qps", "50")
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(r["address"] for r in amap.requests) == ["柯桥区钱清街道工业园区", "诸暨市店口镇工业区1号"]
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["geocode_status"] for r in rows] == ["ok", "ok"]


def test_a_datum_named_in_the_header_is_honoured(runner, amap, tmp_path):
    """Issue 16 item 8: 经度(GCJ-02)/纬度(GCJ-02) are converted to WGS-84, as the reader does."""
    lon, lat = wgs84_to_gcj02(*district_anchor(330603))
    path = tmp_path / "p.csv"
    path.write_text(f"项目名称,地址,经度(GCJ-02),纬度(GCJ-02)\n甲,柯桥区,{lon:.7f},{lat:.7f}\n", encoding="utf-8")
    out = tmp_path / "located.csv"
    result = _run(runner, path, out, "--amap-key", "good", "--amap-url", amap.url)
    assert result.exit_code == 0, result.output + result.stderr
    row = next(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert abs(float(row["lon"]) - district_anchor(330603)[0]) < 1e-6
    assert abs(float(row["lat"]) - district_anchor(330603)[1]) < 1e-6
    assert not amap.requests
    result = _run(runner, path, tmp_path / "o2.csv", "--amap-key", "good", "--amap-url", amap.url, "--crs", "bd09")
    assert result.exit_code == 2 and "pass --crs gcj02" in result.stderr


# --------------------------------------------------------------------------------------------
# An outside party that misbehaves: every case ends in bounded time with a reported error.


@pytest.mark.parametrize("key", ["slow", "slow-headers"])
def test_a_service_that_trickles_is_cut_off_at_the_deadline(amap, key):
    # one byte every 0.2 s never trips the 1 s per-read timeout: only the total deadline stops it
    client = AmapGeocoder(key, base_url=amap.url, qps=1000, retries=4, backoff=0.01, timeout=1, deadline=0.6)
    started = time.monotonic()
    with pytest.raises(GeocodeError, match="did not answer within 0.6 s.*twice in a row"):
        client.geocode("越城区解放北路")
    assert time.monotonic() - started < 3  # two requests of 0.6 s, not five of 20 s
    assert client.requests == 2


def test_an_endless_body_is_capped(amap):
    client = AmapGeocoder("endless", base_url=amap.url, qps=1000, retries=4, backoff=0.01, max_bytes=256 * 1024)
    started = time.monotonic()
    with pytest.raises(GeocodeError, match="more than 256 KiB"):
        client.geocode("越城区解放北路")
    assert time.monotonic() - started < 5 and client.requests == 1  # not retried: a bad answer


def test_trickling_service_in_the_cli_is_one_line_exit_1(runner, amap, projects_csv, tmp_path):
    out = tmp_path / "out.csv"
    started = time.monotonic()
    result = _run(runner, projects_csv, out, "--amap-key", "slow", "--amap-url", amap.url, "--qps", "50",
                  "--timeout", "0.5")
    assert result.exit_code == 1 and "did not answer within" in result.stderr
    assert "Traceback" not in result.output and not out.exists()
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("address, why", [("三个数", "not two numbers"), ("出界", "outside China"),
                                          ("国外", "outside China"), ("非数", "not two numbers")])
def test_a_malformed_or_out_of_range_location_is_a_reported_bad_answer(runner, amap, tmp_path, address, why):
    path = tmp_path / "p.csv"
    path.write_text(f"项目名称,地址\n坏,{address}\n好,诸暨市店口镇工业区1号\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = _run(runner, path, out, "--amap-key", "good", "--amap-url", amap.url, "--qps", "50")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert (rows[0]["geocode_status"], rows[0]["lon"], rows[0]["lat"]) == ("error", "", "")  # no point written
    assert why in rows[0]["geocode_note"] and "高德返回的坐标无效" in rows[0]["geocode_note"]
    assert f"row 2: '{address}': error" in result.stderr and why in result.stderr
    assert rows[1]["geocode_status"] == "ok" and rows[1]["lon"] != ""

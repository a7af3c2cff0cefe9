"""The datum inferred from the table's own evidence (geo.datum, and the reader and CLI around it).

Fixtures: ``tests/data/datum/`` (``make_datum.py``): 19 projects near district borders and at
district anchors, GBK, 经度/纬度, some coordinates with 2–3 decimals, one true mismatch; the same
WGS-84 points written as WGS-84, GCJ-02 and BD-09.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sxmap.cli import main
from sxmap.geo.crs import from_wgs84
from sxmap.geo.datum import DATUMS, SAMPLE, clearly_better, coarse, decide_datum
from sxmap.geo.districts import BY_ADCODE
from sxmap.geo.locate import locate
from sxmap.geo.reading.table import read_projects, read_projects_report

DATA = Path(__file__).parent / "data" / "datum"


def fixture(datum):
    return DATA / f"projects_{datum}_gbk.csv"


def stats_rows(text):
    """``{code: (count, amount)}`` and the total line of ``sxmap stats``' table."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit() and len(parts[0]) == 6:
            out[int(parts[0])] = (int(parts[4]), parts[5])
        elif parts and parts[0] == "合计":
            out["total"] = (int(parts[2]), parts[3])
    return out


# -- the decision itself ---------------------------------------------------------------------


def table_arrays(datum):
    from sxmap.geo.districts import resolve_district

    with open(fixture(datum), encoding="gbk", newline="") as f:
        rows = list(csv.DictReader(f))
    lon = np.array([float(r["经度"]) for r in rows])
    lat = np.array([float(r["纬度"]) for r in rows])
    stated = np.array([resolve_district(r["所在区县"]).adcode for r in rows])
    return lon, lat, stated


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_shifted_fixture_is_read_in_its_datum(datum):
    decision = decide_datum(*table_arrays(datum))
    assert decision.crs == datum and decision.inferred and decision.say
    assert decision.hits[datum] > max(h for d, h in decision.hits.items() if d != datum)
    assert decision.coarse == 2  # the two rows with 2 decimals are not weighed
    assert decision.weighed == decision.rows == 17
    assert "如需改用 --crs wgs84" in decision.message_zh and "--crs wgs84" in decision.message_en


def test_wgs84_fixture_is_not_shifted():
    decision = decide_datum(*table_arrays("wgs84"))
    assert decision.crs == "wgs84" and not decision.inferred
    assert decision.hits["wgs84"] >= max(decision.hits.values())


def test_no_stated_place_is_no_evidence():
    lon, lat, _ = table_arrays("gcj02")
    decision = decide_datum(lon, lat, np.zeros(lon.size, dtype=int))
    assert decision.crs == "wgs84" and not decision.inferred and decision.rows == 0
    assert "边界" in decision.message_zh and "border" in decision.message_en


def test_coarse_coordinates_are_no_evidence():
    lon, lat, stated = table_arrays("gcj02")
    decision = decide_datum(np.round(lon, 2), np.round(lat, 2), stated)
    assert decision.crs == "wgs84" and decision.rows == 0 and decision.coarse == stated.size
    assert "2 位" in decision.message_zh
    assert coarse(np.array([120.58, 120.585, 120.5]), np.array([30.0, 30.01, 30.123])).tolist() == [True, False, False]


def test_a_given_datum_is_obeyed_and_questioned():
    decision = decide_datum(*table_arrays("gcj02"), given="wgs84")
    assert decision.crs == "wgs84" and decision.better == "gcj02" and decision.say and not decision.inferred
    assert "--crs gcj02" in decision.message_zh
    fine = decide_datum(*table_arrays("gcj02"), given="gcj02")
    assert fine.crs == "gcj02" and fine.better is None and not fine.say and fine.message_zh


def test_a_projected_crs_is_taken_as_it_is():
    decision = decide_datum(*table_arrays("gcj02"), given="EPSG:4549")
    assert decision.crs == "EPSG:4549" and not decision.hits and not decision.message


def test_clearly_better_needs_margin_and_ratio():
    a = np.array([True, True, True, False])
    b = np.array([False, False, True, True])
    assert not clearly_better(a, b)  # 2 only-a, 1 only-b: margin 1
    a = np.array([True] * 5 + [False] * 2)
    b = np.array([False] * 5 + [True] * 2)
    assert clearly_better(a, b) is False  # margin 3, but 5 < 3 × 2
    assert clearly_better(np.append(a, True), np.append(b, False))  # 6 = 3 × 2
    assert clearly_better(np.array([True, True, False]), np.array([False, False, False]))


def test_large_tables_are_sampled():
    lon, lat, stated = table_arrays("gcj02")
    reps = SAMPLE // 17 + 5  # 17 of the 19 rows are weighed (2 are too coarse)
    decision = decide_datum(np.tile(lon, reps), np.tile(lat, reps), np.tile(stated, reps))
    assert decision.weighed == SAMPLE < decision.rows and decision.crs == "gcj02"
    assert "抽查" in decision.message_zh and "sample" in decision.message_en


# -- through the reader and the CLI ------------------------------------------------------------


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_stats_with_no_options_counts_right(runner, datum):
    truth = runner.invoke(main, ["stats", "--projects", str(fixture("wgs84")), "--crs", "wgs84"])
    shifted = runner.invoke(main, ["stats", "--projects", str(fixture(datum))])
    read_wrong = runner.invoke(main, ["stats", "--projects", str(fixture(datum)), "--crs", "wgs84"])
    assert truth.exit_code == shifted.exit_code == read_wrong.exit_code == 0, shifted.output
    expected = stats_rows(truth.stdout)
    assert stats_rows(shifted.stdout) == expected
    assert stats_rows(read_wrong.stdout) != expected  # the datum matters for this table
    assert expected["total"][0] == 19
    name = {"gcj02": "高德 GCJ-02", "bd09": "百度 BD-09"}[datum]
    assert f"坐标按{name} 读入" in shifted.stderr and "--crs wgs84" in shifted.stderr
    assert "--crs " + datum in read_wrong.stderr and "warning:" in read_wrong.stderr


def test_stats_on_a_table_without_districts_assumes_wgs84(runner):
    result = runner.invoke(main, ["stats", "--projects", str(DATA / "projects_no_district.csv")])
    assert result.exit_code == 0
    assert "坐标按 WGS-84 读入" in result.stderr and "边界" in result.stderr


def test_explicit_crs_that_fits_says_nothing(runner):
    result = runner.invoke(main, ["stats", "--projects", str(fixture("gcj02")), "--crs", "gcj02"])
    assert result.exit_code == 0 and "读入" not in result.stderr and "datum" not in result.stderr


def test_validate_reports_the_comparison(runner):
    result = runner.invoke(main, ["validate", str(fixture("bd09"))])
    assert result.exit_code == 0, result.output
    assert "坐标系 Datum: 坐标按百度 BD-09 读入" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "Rows in their stated district" in x)
    decision = decide_datum(*table_arrays("bd09"))
    for datum in DATUMS:
        assert str(decision.hits[datum]) in line
    given = runner.invoke(main, ["validate", str(fixture("bd09")), "--crs", "bd09"])
    assert "坐标按所给的 百度 BD-09 读入" in given.stdout and "Rows in their stated district" in given.stdout


def test_reader_keeps_the_decision(tmp_path):
    frame = read_projects(fixture("gcj02"))
    assert frame.attrs["datum"]["crs"] == "gcj02" and frame.attrs["datum"]["inferred"]
    report = read_projects_report(fixture("gcj02"), crs="gcj02")
    assert report.datum.crs == "gcj02" and report.datum.given == "gcj02"
    same = read_projects(fixture("gcj02"), crs="gcj02")
    assert np.allclose(frame["lon"], same["lon"]) and np.allclose(frame["lat"], same["lat"])


def test_addresses_are_evidence_too(tmp_path):
    """No district column: the district an address names is the stated place."""
    with open(fixture("gcj02"), encoding="gbk", newline="") as f:
        rows = list(csv.reader(f))
    header = ["项目名称", "建设地点", "经度", "纬度"]
    body = [[r[1], f"浙江省绍兴市{r[2]}测试路{i}号", r[5], r[6]] for i, r in enumerate(rows[1:], 1)]
    path = tmp_path / "地址.csv"
    path.write_bytes("\r\n".join(",".join(r) for r in [header, *body]).encode("gbk"))
    report = read_projects_report(path)
    assert report.datum.crs == "gcj02" and report.datum.inferred


def test_a_header_naming_the_datum_is_obeyed(tmp_path):
    with open(fixture("wgs84"), encoding="gbk", newline="") as f:
        rows = list(csv.reader(f))
    rows[0] = [h.replace("经度", "经度(GCJ-02)").replace("纬度", "纬度(GCJ-02)") for h in rows[0]]
    path = tmp_path / "header.csv"
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode("gbk"))
    report = read_projects_report(path)
    assert report.datum.crs == "gcj02" and report.datum.given == "gcj02" and not report.datum.inferred


# -- properties ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def borders():
    """The lines between two districts, and which two."""
    import shapely

    from sxmap.geo.boundaries import district_geometries

    geoms = district_geometries()
    codes = list(geoms)
    lines = []
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            for part in shapely.get_parts(shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))):
                if part.geom_type == "LineString" and part.length > 0.01:
                    lines.append(part)
    return lines


def near_border(spec):
    """WGS-84 points from (border, fraction along it, metres off it, side)."""
    import shapely

    lines = borders()
    xs, ys = [], []
    for k, fraction, metres, side in spec:
        line = lines[k % len(lines)]
        p = shapely.line_interpolate_point(line, fraction, normalized=True)
        q = shapely.line_interpolate_point(line, min(fraction + 1e-3, 1.0), normalized=True)
        if fraction + 1e-3 > 1.0:
            p, q = shapely.line_interpolate_point(line, fraction - 1e-3, normalized=True), p
        dx, dy = (q.x - p.x) * np.cos(np.radians(p.y)), q.y - p.y
        norm = np.hypot(dx, dy) or 1.0
        step = side * metres / 111_320
        xs.append(p.x - dy / norm * step / np.cos(np.radians(p.y)))
        ys.append(p.y + dx / norm * step)
    return np.array(xs), np.array(ys)


row = st.tuples(st.integers(0, 10_000), st.floats(0.0, 1.0), st.floats(60.0, 300.0), st.sampled_from([-1, 1]))
settings_ = settings(max_examples=25, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def telling_points(spec, datum):
    """WGS-84 points near borders placed so that reading them in a wrong datum moves them across
    the border (the evidence a table in ``datum`` gives when its projects lie near borders): for
    each (border, fraction, share, side) the point is put on the side the wrong reading moves
    away from, ``share`` of the way the reading moves it across (rows alternate between the two
    wrong datums); where the reading runs along the border the point is off it at 200 m."""
    import shapely

    from sxmap.geo.crs import to_wgs84

    lines = borders()
    wrong = [d for d in DATUMS if d != datum]
    xs, ys = [], []
    for i, (k, fraction, share, side) in enumerate(spec):
        line = lines[k % len(lines)]
        f = min(max(fraction, 1e-3), 1 - 1e-3)
        p = shapely.line_interpolate_point(line, f, normalized=True)
        q = shapely.line_interpolate_point(line, f + 1e-3, normalized=True)
        cos = np.cos(np.radians(p.y))
        tx, ty = (q.x - p.x) * cos * 111_320, (q.y - p.y) * 111_320
        norm = np.hypot(tx, ty) or 1.0
        nx, ny = -ty / norm, tx / norm  # unit normal, metres
        lon, lat = from_wgs84(p.x, p.y, datum)
        rx, ry = to_wgs84(lon, lat, wrong[i % 2])
        vx, vy = (rx - p.x) * cos * 111_320, (ry - p.y) * 111_320  # how the wrong reading moves it
        across = nx * vx + ny * vy
        d = share * abs(across) if abs(across) > 150 else 200.0
        s_ = -np.sign(across) if abs(across) > 150 else side
        xs.append(p.x + s_ * d * nx / (cos * 111_320))
        ys.append(p.y + s_ * d * ny / 111_320)
    return np.array(xs), np.array(ys)


telling = st.tuples(st.integers(0, 10_000), st.floats(0.0, 1.0), st.floats(0.2, 0.6), st.sampled_from([-1, 1]))


@settings_
@given(spec=st.lists(telling, min_size=12, max_size=60, unique_by=lambda r: (r[0], round(r[1], 2))),
       datum=st.sampled_from(["gcj02", "bd09"]), inland=st.lists(st.sampled_from(sorted(BY_ADCODE)), max_size=20))
def test_tables_near_borders_are_read_back_in_their_datum(spec, datum, inland):
    """Random tables of projects near borders (and some at district anchors), each stating the
    district it lies in, written in GCJ-02 or BD-09 with 6 decimals: read back in that datum."""
    from sxmap.geo.boundaries import district_anchor

    x, y = telling_points(spec, datum)
    anchors = np.array([district_anchor(code) for code in inland]).reshape(-1, 2)
    x, y = np.concatenate([x, anchors[:, 0]]), np.concatenate([y, anchors[:, 1]])
    stated = locate(x, y)
    lon, lat = from_wgs84(x, y, datum)
    decision = decide_datum(np.round(lon, 6), np.round(lat, 6), stated)
    assert decision.crs == datum and decision.inferred


@settings_
@given(spec=st.lists(row, min_size=1, max_size=60), datum=st.sampled_from(DATUMS),
       digits=st.sampled_from([2, 3, 6]))
def test_tables_with_no_stated_place_are_never_inferred(spec, datum, digits):
    x, y = near_border(spec)
    lon, lat = from_wgs84(x, y, datum)
    decision = decide_datum(np.round(lon, digits), np.round(lat, digits), np.zeros(x.size, dtype=int))
    assert decision.crs == "wgs84" and not decision.inferred and decision.rows == 0 and decision.say


@settings_
@given(spec=st.lists(row, min_size=5, max_size=60), wrong=st.lists(st.integers(0, 59), max_size=3),
       rounded=st.lists(st.integers(0, 59), max_size=10))
def test_wgs84_tables_with_stated_districts_are_not_shifted(spec, wrong, rounded):
    """A WGS-84 table — some rows with 3 decimals, a few with a district far from the point — is
    never read as GCJ-02 or BD-09."""
    x, y = near_border(spec)
    stated = locate(x, y)
    codes = sorted(BY_ADCODE)
    for i in wrong:  # a true mismatch: a district that is not a neighbour across this border
        if i < stated.size and stated[i]:
            stated[i] = 330624 if stated[i] in (330602, 330603, 330604) else 330604
    lon, lat = x.copy(), y.copy()
    for i in rounded:
        if i < lon.size:
            lon[i], lat[i] = round(lon[i], 3), round(lat[i], 3)
    decision = decide_datum(lon, lat, stated)
    assert decision.crs == "wgs84" and not decision.inferred
    assert codes  # (the districts exist)


# -- projected tables: the zone --------------------------------------------------------------------

FORMS = Path(__file__).parent / "data" / "forms"


@pytest.mark.parametrize("form", ["proj_xy_north", "proj_xy_east", "proj_en", "proj_hz"])
@pytest.mark.parametrize("code", ["4549", "4528"])
def test_metres_with_stated_districts_are_read_in_the_zone_that_fits(runner, form, code):
    report = read_projects_report(FORMS / f"{form}_{code}.csv")
    assert report.datum.crs == f"EPSG:{code}" and report.datum.inferred
    frame = report.projects
    assert (frame["district_located"] == frame["district"]).all() and len(frame) == 3
    given = read_projects_report(FORMS / f"{form}_{code}.csv", crs=f"EPSG:{code}").projects
    assert np.allclose(frame["lon"], given["lon"]) and np.allclose(frame["lat"], given["lat"])
    result = runner.invoke(main, ["stats", "--projects", str(FORMS / f"{form}_{code}.csv")])
    assert result.exit_code == 0 and f"EPSG:{code}" in result.stderr and "投影坐标" in result.stderr


def test_metres_without_stated_districts_are_still_refused(tmp_path):
    from sxmap.geo.errors import DataErrors

    path = tmp_path / "m.csv"
    path.write_text("项目名称,X,Y\nA,3325301.51,561877.38\n", encoding="utf-8")
    with pytest.raises(DataErrors, match="EPSG:4549"):
        read_projects_report(path)


def test_zone_readings_and_decision():
    from sxmap.geo.crs import any_to_wgs84
    from sxmap.geo.datum import ZONES_PLAIN, decide_zone, zone_readings

    assert zone_readings([561877.0, 529622.0]) == ZONES_PLAIN
    assert zone_readings([40561877.0]) == ("EPSG:4528",) and zone_readings([21266468.0]) == ("EPSG:4499",)
    assert zone_readings([55561877.0]) == ()
    east, north = np.array([561877.38, 529622.36, 544000.0]), np.array([3325301.51, 3289459.90, 3300000.0])
    stated = locate(*any_to_wgs84(east, north, "EPSG:4549"))
    assert decide_zone(east, north, stated, ZONES_PLAIN).crs == "EPSG:4549"
    assert decide_zone(east, north, np.zeros(3, dtype=int), ZONES_PLAIN).crs is None  # no evidence
    assert decide_zone(east, north, stated, ("EPSG:4510",)).crs is None  # a lone wrong reading places nothing

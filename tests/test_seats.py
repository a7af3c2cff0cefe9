"""geo.seats: township seats from GeoNames and Vonng/adcode, each inside its district, rebuilt byte for byte."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import shapely

from sxmap.geo import seats, townships
from sxmap.geo.boundaries import data_dir, district_geometries
from sxmap.geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from sxmap.geo.errors import DataError



def _shipped():
    with open(data_dir() / "townships.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_97_seats_and_6_district_anchors():
    rows = _shipped()
    precision = [r["location_precision"] for r in rows]
    assert precision.count("township") == 97 and precision.count("district") == 6
    no_seat = {r["name"] for r in rows if r["location_precision"] == "district"}
    assert no_seat == {"柯桥街道", "兰亭街道", "暨南街道", "姚江镇", "沃洲镇", "鹿山街道"}
    for r in rows:
        if r["location_precision"] == "district":
            assert not r["lon"] and not r["lat"] and "区县锚点" in r["seat_note"] and not r["seat_source"]
        else:
            assert r["seat_source"] in ("GeoNames", "Vonng/adcode") and r["seat_source_url"].startswith("https://")
            assert r["seat_source_id"] in r["seat_source_url"] or r["seat_source"] == "Vonng/adcode"


def test_every_shipped_seat_lies_inside_its_district():
    shapes = district_geometries()
    for r in _shipped():
        if r["location_precision"] == "township":
            point = shapely.Point(float(r["lon"]), float(r["lat"]))
            assert shapes[int(r["district"])].contains(point), r["name"]
            others = [d for d, g in shapes.items() if d != int(r["district"]) and g.contains(point)]
            assert not others, r["name"]


def test_disagreements_over_2_km_say_why():
    rows = [r for r in _shipped() if r["seat_other_m"] and int(r["seat_other_m"]) > seats.MAX_GAP_M]
    assert {r["name"] for r in rows} == {"鉴湖街道", "店口镇", "崧厦街道"}
    assert all(r["seat_note"] for r in rows)
    jianhu = next(r for r in rows if r["name"] == "鉴湖街道")
    assert jianhu["seat_source"] == "Vonng/adcode" and jianhu["seat_source_id"] == "330602103000"


def test_vonng_points_are_its_gcj02_converted_exactly():
    vonng = seats.vonng_rows()
    for r in _shipped():
        if r["seat_source"] == "Vonng/adcode":
            source = vonng[r["seat_source_id"]]
            lon, lat = float(r["lon"]), float(r["lat"])
            back = wgs84_to_gcj02(lon, lat)  # the shipped point goes forward to Vonng's GCJ-02 figures
            assert abs(back[0] - float(source["longitude"])) < 1e-6 and abs(back[1] - float(source["latitude"])) < 1e-6
            assert (f"{float(gcj02_to_wgs84(float(source['longitude']), float(source['latitude']))[0]):.6f}"
                    == r["lon"])


def test_geonames_points_are_the_packages_figures():
    features = seats.geonames_features([r["seat_source_id"] for r in _shipped() if r["seat_source"] == "GeoNames"])
    for r in _shipped():
        if r["seat_source"] == "GeoNames":
            f = features[r["seat_source_id"]]
            assert (float(r["lon"]), float(r["lat"])) == (f["longitude"], f["latitude"])


def test_the_vonng_extract_is_the_repositorys_town_rows_verbatim():
    shipped = (data_dir() / seats.VONNG_EXTRACT).read_text(encoding="utf-8")
    lines = shipped.splitlines()
    assert lines[0] == ",".join(seats.VONNG_COLUMNS) and len(lines) == 120
    assert all(line.split(",")[3] == "town" and line.startswith("3306") for line in lines[1:])
    # the extract is what extract_vonng makes of the county files (as the repository has them)
    files = {}
    for line in lines[1:]:
        files.setdefault(line[:6], []).append(line)
    noise = {county: "330600000000,x,county,3\n" + "\n".join(rows) + "\n330699999999,x,y,village\n"
             for county, rows in files.items()}
    assert seats.extract_vonng(noise) == shipped


def test_a_match_that_does_not_name_the_township_is_refused():
    rows = list(csv.DictReader(io.StringIO((data_dir() / "townships.csv").read_text(encoding="utf-8"))))
    choices = seats.read_choices()
    choices["330602002"] = {**choices["330602002"], "geonameid": "7071799"}  # 府山街道 ← Jianhu
    with pytest.raises(DataError, match="does not name 府山街道"):
        seats.seat_columns(rows, choices=choices)


def test_a_big_gap_without_a_reason_is_refused():
    rows = list(csv.DictReader(io.StringIO((data_dir() / "townships.csv").read_text(encoding="utf-8"))))
    choices = seats.read_choices()
    choices["330681104"] = {**choices["330681104"], "reason": ""}
    with pytest.raises(DataError, match="店口镇: the sources are 3497 m apart"):
        seats.seat_columns(rows, choices=choices)


def test_a_point_outside_its_district_is_refused():
    rows = list(csv.DictReader(io.StringIO((data_dir() / "townships.csv").read_text(encoding="utf-8"))))
    for row in rows:
        if row["name"] == "府山街道":
            row["district"], row["district_name"] = "330683", "嵊州市"
    with pytest.raises(DataError, match="府山街道: the GeoNames point .* lies outside 嵊州市"):
        seats.seat_columns(rows)


def test_build_reproduces_the_shipped_table_byte_for_byte(tmp_path):
    written = townships.build(tmp_path)
    assert (tmp_path / "townships.csv").read_bytes() == (data_dir() / "townships.csv").read_bytes()
    assert [p.name for p in written] == ["townships.csv"]


def test_seat_arrays_vectorised():
    lon, lat, district = seats.seat_arrays(["330681104000", "", "330603001000", "nonsense", "330681104000"])
    assert district.tolist() == [330681, 0, 0, 0, 330681]
    assert lon[0] == lon[4] == seats.seat_points()["330681104000"][0]


FIXTURE = Path(__file__).parent / "data" / "township_addresses.csv"


def test_addresses_across_shaoxing_are_drawn_at_97_distinct_seats_each_inside_its_district():
    from sxmap.geo.projects import load_projects

    gdf = load_projects(FIXTURE)
    assert len(gdf) == 101
    at_seat = gdf[gdf["location_precision"] == "township"]
    assert len(at_seat) == 100
    points = set(zip(at_seat["lon"].round(6), at_seat["lat"].round(6)))
    assert len(points) == 97 and at_seat["township"].nunique() == 97
    assert (at_seat["district_located"] == at_seat["district"]).all()
    shipped = seats.seat_points()
    for code, lon, lat in zip(at_seat["township_code"], at_seat["lon"], at_seat["lat"]):
        assert (lon, lat) == shipped[code]
    diankou = gdf[gdf["township"] == "店口镇"]
    assert len(diankou) == 4 and diankou[["lon", "lat"]].drop_duplicates().shape[0] == 1
    keqiao = gdf[gdf["township"] == "柯桥街道"]  # no shipped seat: the district's anchor, and it says so
    assert keqiao["location_precision"].tolist() == ["district"]


def test_a_township_in_another_district_than_stated_keeps_the_district_anchor(tmp_path):
    from sxmap.geo.boundaries import district_anchor
    from sxmap.geo.projects import load_projects

    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,地址\n甲,嵊州市,诸暨市店口镇\n乙,诸暨市,店口镇\n丙,诸暨市,湄池村\n", encoding="utf-8")
    gdf = load_projects(path)
    assert gdf["location_precision"].tolist() == ["district", "township", "district"]
    assert (gdf["lon"].iloc[0], gdf["lat"].iloc[0]) == tuple(district_anchor(330683))
    assert (gdf["lon"].iloc[1], gdf["lat"].iloc[1]) == seats.seat_points()["330681104000"]

"""stats --by township and query --township: townships from the address column, in every output format."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from sxmap.cli import main
from sxmap.geo.boundaries import district_anchor
from sxmap.geo.query import query, stats, stats_by_township
from sxmap.geo.townships import load_townships, township_point

# Canonical rows placed at their district's anchor, with addresses; amounts chosen to sum by hand.
ROWS = [
    # id, name, district, address, investment, bound
    ("T1", "甲项目", 330603, "浙江省绍兴市柯桥区钱清街道工业园区", 60.0, "exact"),
    ("T2", "乙项目", 330603, "柯桥区钱清镇某路8号", 10.0, "min"),
    ("T3", "丙项目", 330681, "诸暨市店口镇", 120.0, "exact"),
    ("T4", "丁项目", 330602, "沥海街道", 5.0, "approx"),
    ("T5", "戊项目", 330604, "杭州湾上虞经济技术开发区纬三路", 30.0, "exact"),
    ("T6", "己项目", 330624, "城南", None, ""),  # 城南乡: the stated district (新昌县) decides
]


def _write_canonical(path):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "name", "district", "address", "industry", "investment", "investment_bound",
                         "lon", "lat", "location_precision"])
        for pid, name, district, address, amount, bound in ROWS:
            lon, lat = district_anchor(district)
            writer.writerow([pid, name, district, address, "新材料", "" if amount is None else amount, bound,
                             lon, lat, "district"])
    return path


def _write_chinese(path):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["项目名称", "所在区县", "地址", "总投资（亿元）"])
        for _, name, district, address, amount, _bound in ROWS:
            writer.writerow([name, district, address, "" if amount is None else f"{amount:g}"])
    return path


@pytest.fixture
def canonical(tmp_path):
    return _write_canonical(tmp_path / "projects.csv")


@pytest.fixture
def chinese(tmp_path):
    return _write_chinese(tmp_path / "项目地址.csv")


def _frame(path):
    frame = pd.read_csv(path, dtype={"address": str})
    frame["district"] = frame["district"].astype("Int64")
    frame["investment_bound"] = frame["investment_bound"].fillna("")
    return frame


def test_stats_by_township_sums_by_hand(canonical):
    table = stats(_frame(canonical), by="township")
    by_name = table.set_index("township")
    assert by_name.loc["钱清街道", "count"] == 2
    assert by_name.loc["钱清街道", "investment"] == 70.0
    assert by_name.loc["钱清街道", "n_lower_bound"] == 1 and by_name.loc["钱清街道", "n_ge_50"] == 1
    assert by_name.loc["店口镇", "n_ge_100"] == 1
    assert by_name.loc["沥海街道", "adcode"] == 330602 and by_name.loc["沥海街道", "n_approx"] == 1
    assert by_name.loc["城南乡", "count"] == 1 and by_name.loc["城南乡", "n_no_amount"] == 1
    assert by_name.loc["城南街道", "count"] == 0
    assert by_name.loc["未知", "count"] == 1  # the 开发区 address names no township
    total = table.iloc[-1]
    assert total["township"] == "合计" and total["count"] == len(ROWS) and total["investment"] == 225.0
    # every township of the six districts is listed, then 未知 and the total
    assert len(table) == len(load_townships()) + 2


def test_stats_by_township_with_a_district_lists_its_townships(canonical):
    table = stats_by_township(_frame(canonical), district="柯桥区")
    keqiao = [t.name for t in load_townships() if t.district == 330603]
    assert table["township"].tolist() == keqiao + ["合计"]
    assert int(table["count"].iloc[-1]) == 2


def test_query_by_township_name_short_and_former(canonical):
    frame = _frame(canonical)
    for name in ("钱清街道", "钱清", "钱清镇", "330603009000"):
        rows = query(frame, township=name)
        assert rows["id"].tolist() == ["T1", "T2"], name
        assert set(rows["township"]) == {"钱清街道"}
    assert query(frame, township=["店口", "沥海"])["id"].tolist() == ["T3", "T4"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "geojson"])
def test_stats_by_township_cli_every_format(runner, canonical, fmt):
    result = runner.invoke(main, ["stats", "--projects", str(canonical), "--by", "township", "--format", fmt])
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "table":
        assert "乡镇街道" in out and "钱清街道" in out and "未知" in out and "合计" in out
        assert "≥ 70" in out  # a sum containing a lower bound
    elif fmt == "csv":
        rows = list(csv.DictReader(out.splitlines()))
        qq = next(r for r in rows if r["township"] == "钱清街道")
        assert (qq["township_code"], qq["count"], qq["investment"]) == ("330603009000", "2", "70.0")
    elif fmt == "json":
        rows = json.loads(out)
        assert next(r for r in rows if r["township"] == "店口镇")["adcode"] == 330681
    else:
        features = json.loads(out)["features"]
        # no township polygons are shipped: each township's seat as a point, none where no seat is known
        by_name = {f["properties"]["township"]: f for f in features}
        seat = township_point("店口镇")
        assert by_name["店口镇"]["geometry"] == {"type": "Point", "coordinates": [seat[0], seat[1]]}
        assert by_name["柯桥街道"]["geometry"] is None and by_name["合计"]["geometry"] is None
        assert sum(f["geometry"] is not None for f in features) == 97
        assert next(f for f in features if f["properties"]["township"] == "沥海街道")["properties"]["count"] == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "geojson"])
def test_query_township_cli_every_format(runner, canonical, fmt):
    result = runner.invoke(main, ["query", "--projects", str(canonical), "--township", "钱清镇", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        rows = list(csv.DictReader(result.stdout.splitlines()))
        assert [r["id"] for r in rows] == ["T1", "T2"] and {r["township"] for r in rows} == {"钱清街道"}
    elif fmt == "json":
        assert [r["id"] for r in json.loads(result.stdout)] == ["T1", "T2"]
    elif fmt == "geojson":
        features = json.loads(result.stdout)["features"]
        assert len(features) == 2 and features[0]["geometry"]["type"] == "Point"
    else:
        assert "钱清街道" in result.stdout and "甲项目" in result.stdout and "丙项目" not in result.stdout


def test_the_full_reader_path_finds_townships_too(runner, chinese):
    result = runner.invoke(main, ["stats", "--projects", str(chinese), "--by", "township", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {r["township"]: r for r in csv.DictReader(result.stdout.splitlines())}
    assert rows["钱清街道"]["count"] == "2" and rows["城南乡"]["count"] == "1"
    result = runner.invoke(main, ["query", "--projects", str(chinese), "--township", "店口", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in csv.DictReader(result.stdout.splitlines())] == ["丙项目"]


def test_unknown_and_ambiguous_township_exit_2(runner, canonical):
    result = runner.invoke(main, ["query", "--projects", str(canonical), "--township", "钱请"])
    assert result.exit_code == 2
    assert "unknown township" in result.stderr and "钱清街道 (柯桥区)" in result.stderr
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["query", "--projects", str(canonical), "--township", "城南"])
    assert result.exit_code == 2 and "城南乡 (新昌县)" in result.stderr


def test_bundled_projects_have_no_addresses_so_townships_are_unknown_not_zeros(runner):
    result = runner.invoke(main, ["stats", "--by", "township", "--format", "json"])
    assert result.exit_code == 1 and result.stdout == ""  # no table of 103 zeros
    assert "no address column (没有地址列)" in result.stderr and "--column address=" in result.stderr
    assert "Traceback" not in result.output


def test_addresses_that_name_no_township_say_so(runner, tmp_path):
    path = tmp_path / "no_townships.csv"
    path.write_text("项目名称,所在区县,地址,总投资（亿元）\n甲,越城区,某路1号,3\n乙,柯桥区,某路2号,4\n", encoding="utf-8")
    result = runner.invoke(main, ["stats", "--projects", str(path), "--by", "township"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "none of the 2 project(s) has an address that names a township" in result.stderr
    # one address that names a township is enough for the table (the others are 未知)
    path.write_text("项目名称,所在区县,地址,总投资（亿元）\n甲,越城区,某路1号,3\n乙,柯桥区,钱清街道某路2号,4\n",
                    encoding="utf-8")
    result = runner.invoke(main, ["stats", "--projects", str(path), "--by", "township", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["count"] for r in rows if r["township"] in ("钱清街道", "未知")] == [1, 1]

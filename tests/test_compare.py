"""Year on year (geo.compare, ``--compare``): changes equal the two years' stats subtracted."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxmap.cli import main

DATA = Path(__file__).parent / "data"
PROJECTS = str(DATA / "query_projects.csv")


def _json(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = result.stdout
    return json.loads(text)


def _rows(data):
    return data if isinstance(data, list) else data.get("rows", data)


@pytest.fixture(scope="module")
def by_year():
    years = {}
    for year in (2022, 2023):
        rows = _rows(_json(["stats", "--projects", PROJECTS, "--year", str(year), "--format", "json"]))
        years[year] = {r["district_zh"]: r for r in rows}
    return years


@pytest.fixture(scope="module")
def compared():
    rows = _rows(_json(["stats", "--projects", PROJECTS, "--compare", "2022,2023", "--format", "json"]))
    return {r["district_zh"]: r for r in rows}


def test_year_on_year_equals_the_two_years_subtracted(by_year, compared):
    a, b = by_year[2022], by_year[2023]
    assert set(compared) == set(a) | set(b)
    for name, row in compared.items():
        ra = a.get(name, {"count": 0, "investment": 0.0})
        rb = b.get(name, {"count": 0, "investment": 0.0})
        assert row["count_a"] == ra["count"] and row["count_b"] == rb["count"], name
        assert row["count_change"] == rb["count"] - ra["count"], name
        if ra["count"]:
            assert row["count_change_pct"] == pytest.approx((rb["count"] - ra["count"]) / ra["count"] * 100)
        if row["investment_change_bound"] != "unknown":
            known_a = ra["investment"] if ra["investment"] is not None else 0.0
            known_b = rb["investment"] if rb["investment"] is not None else 0.0
            assert row["investment_change"] == pytest.approx(known_b - known_a), name


def test_bounds_stay_honest(compared):
    # 越城区: 2022 exact 130; 2023 ≥ 50 with one amount missing → the change is at least −80
    assert compared["越城区"]["investment_change_bound"] == "min"
    assert compared["越城区"]["investment_change"] == pytest.approx(-80)
    # 上虞区: 2022 ≥ 300 (a lower bound), 2023 exact 49.5 → the change is at most −250.5
    assert compared["上虞区"]["investment_change_bound"] == "max"
    # 合计: both years are lower bounds → not a number, said so
    total = compared["合计"]
    assert total["investment_change_bound"] == "unknown" and total["investment_change"] is None
    # 柯桥区: ≈ 40 then 100 → approximately +60
    assert compared["柯桥区"]["investment_change_bound"] == "approx"


def test_table_says_not_comparable_and_signs():
    result = CliRunner().invoke(main, ["stats", "--projects", PROJECTS, "--compare", "2022,2023"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert "不可比" in lines["合计"]
    assert "≥ −80" in lines["越城区"] and "≤ −250.5" in lines["上虞区"] and "≈ +60" in lines["柯桥区"]
    assert "两个下限之差不是一个数" in result.stderr


def test_change_of_rules():
    from sxmap.geo.compare import change_of

    assert change_of(100.0, "", 150.0, "") == (50.0, 50.0, "")
    assert change_of(100.0, "min", 150.0, "")[2] == "max"
    assert change_of(100.0, "", 150.0, "min")[2] == "min"
    change, pct, bound = change_of(100.0, "min", 150.0, "min")
    assert bound == "unknown" and math.isnan(change) and math.isnan(pct)
    assert math.isnan(change_of(0.0, "", 10.0, "")[1])  # from nothing: no percentage


@pytest.mark.parametrize("args, message", [
    (["--compare", "2022"], "two years"),
    (["--compare", "2022,2022"], "the same"),
    (["--compare", "2022,2023", "--year", "2022"], "leave out --year"),
    (["--compare", "2022,2023", "--by", "industry"], "leave out --by"),
])
def test_compare_refuses_bad_periods(args, message):
    result = CliRunner().invoke(main, ["stats", "--projects", PROJECTS, *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output

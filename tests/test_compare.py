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


# --------------------------------------------------------------------------------------------
# Maps: small multiples and the change choropleth (static), the year control (HTML)


def test_diverging_classes_are_centred_on_zero():
    import numpy as np

    from sxmap.maps.compare import DIVERGING, diverging_classes

    counts = diverging_classes([-1, 0, 1, 0, np.nan], integer=True)
    assert counts.labels == ("−1", "0", "+1") and counts.colours == DIVERGING[3]
    assert counts.colour_of([0])[0] == "#f7f7f7"  # no change: the neutral middle
    amounts = diverging_classes([-250.5, -80, 60, 187.65])
    zero = amounts.class_of([0.0])[0]
    assert amounts.colours[zero] == "#f7f7f7"
    assert all(c < zero for c in amounts.class_of([-250.5, -80])) and all(c > zero for c in amounts.class_of([60, 187.65]))


def test_static_compare_shows_both_years_on_one_scale_and_the_change(tmp_path):
    from PIL import Image

    from sxmap.maps.compare import compare_figure

    figure = compare_figure(_load(), "2022,2023", "investment")
    labels = figure.texts["change_labels"]
    assert labels[330602] == "≥ −80" and labels[330604] == "≤ −250.5" and labels[330603] == "≈ +60"
    assert len(figure.figure.axes) == 3
    shared = figure.texts["period_classes"]
    assert shared.bins[-1] == 300  # the larger year's maximum: one scale for both
    path = figure.save(tmp_path / "yoy.png", dpi=80)
    with Image.open(path) as image:
        assert image.width > image.height * 2  # three maps side by side


def test_cli_choropleth_compare_image_and_page(tmp_path):
    runner = CliRunner()
    png = tmp_path / "yoy.png"
    result = runner.invoke(main, ["choropleth", "--projects", PROJECTS, "--compare", "2022,2023", "--value", "count",
                                  "-o", str(png), "--dpi", "80"])
    assert result.exit_code == 0, result.output
    assert png.stat().st_size > 10_000
    page = tmp_path / "yoy.html"
    result = runner.invoke(main, ["choropleth", "--projects", PROJECTS, "--compare", "2022,2023", "-o", str(page)])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert "sxmap.years(" in text and "2022年：5 个项目" in text
    bad = runner.invoke(main, ["choropleth", "--projects", PROJECTS, "--compare", "2022,2023", "--value",
                               "stat:projects_count", "-o", str(tmp_path / "x.png")])
    assert bad.exit_code == 2 and "--value count" in bad.output


def test_year_control_steps_through_years_with_totals(tmp_path, offline_page):
    from sxmap.maps.compare import compare_map
    from sxmap.maps.html import save_map

    path = save_map(compare_map(_load(), "2022,2023", "investment"), tmp_path / "yoy.html")
    page = offline_page.open(path)
    total = lambda: page.inner_text(".sx-years-total")  # noqa: E731
    assert "不可比" in total() and "两期均为下限" in total()  # starts on the change
    shown = []
    for _ in range(3):
        page.click(".sx-years-next")
        shown.append((page.inner_text(".sx-years-label"), total(),
                       page.eval_on_selector_all(".sx-legend-section", "els => els.filter(e => e.style.display !== 'none').length")))
    assert [s[0] for s in shown] == ["2022", "2023", "变化 2022→2023"]
    assert shown[0][1] == "2022年：5 个项目，投资额 ≥ 542.35 亿元"
    assert shown[1][1] == "2023年：6 个项目，投资额 ≥ 407.5 亿元"
    assert all(s[2] == 1 for s in shown)  # one layer, one legend at a time
    assert offline_page.page_errors == [] and offline_page.console_errors == [] and offline_page.blocked == []


def _load():
    from sxmap.geo.projects import load_projects

    return load_projects(PROJECTS)

"""Tables as planning offices lay them out, one column rule for every command, traditional
Chinese, and nothing invented or silently blank (issue 16 items 2, 3, 4, 8) — geo.reading.

The 重大项目计划表 fixtures (tests/data/plans) are written by tests/data/plans/make_plans.py; the
expected totals below are those its docstring states, from the amounts it writes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from sxmap.cli import main
from sxmap.geo.reading.layout import combined_headers, section_title
from sxmap.geo.reading.table import read_projects, read_projects_report

PLANS = Path(__file__).parent / "data" / "plans"
YUECHENG, KEQIAO, SHANGYU, XINCHANG, ZHUJI, SHENGZHOU = 330602, 330603, 330604, 330624, 330681, 330683
TOTALS = {YUECHENG: 50, KEQIAO: 20, SHANGYU: 15, XINCHANG: 8, ZHUJI: 12.0646, SHENGZHOU: 6}
ANNUAL = {YUECHENG: 12, KEQIAO: 5, SHANGYU: 3, XINCHANG: 2, ZHUJI: 4, SHENGZHOU: 1.5}


def _stats_json(runner, *args):
    result = runner.invoke(main, ["stats", *args, "--format", "json"])
    assert result.exit_code == 0, result.output + result.stderr
    return result, {row["adcode"]: row for row in json.loads(result.stdout) if row.get("adcode")}


# --------------------------------------------------------------------------------------------
# Item 2: the 重大项目计划表


def test_make_plans_writes_the_committed_csv(tmp_path):
    spec = importlib.util.spec_from_file_location("make_plans", PLANS / "make_plans.py")
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    module.make(tmp_path)
    assert (tmp_path / "plan.csv").read_bytes() == (PLANS / "plan.csv").read_bytes()


@pytest.mark.parametrize("name", ["plan.csv", "plan.xlsx"])
def test_plan_table_reads_with_no_options(name, runner):
    report = read_projects_report(PLANS / name, geometry=False)
    frame = report.projects
    assert len(frame) == 6 and report.rejected_rows == 0
    assert report.columns["investment"] == "投资额（万元）/总投资"
    assert "投资额（万元）/2023年计划投资" in frame.columns  # kept, under its path
    assert any("两行表头" in note for note in report.notes)
    assert any("多列像投资额" in note and "2023年计划投资" in note for note in report.notes)
    assert any("4 total row(s) dropped" in note for note in report.notes)
    assert list(frame["section"]) == ["产业项目/先进制造业"] * 2 + ["产业项目/生物医药"] * 2 + ["基础设施项目"] * 2
    _, rows = _stats_json(runner, "--projects", str(PLANS / name))
    assert {code: rows[code]["investment"] for code in TOTALS} == pytest.approx(TOTALS)
    assert all(rows[code]["count"] == 1 for code in TOTALS)


@pytest.mark.parametrize("header", ["2023年计划投资", "投资额（万元）/2023年计划投资"])
def test_plan_table_annual_figures_by_leaf_or_path(header, runner):
    _, rows = _stats_json(runner, "--projects", str(PLANS / "plan.xlsx"), "--column", f"investment={header}")
    assert {code: rows[code]["investment"] for code in ANNUAL} == pytest.approx(ANNUAL)


def test_plan_table_by_section_and_filtered(runner):
    result = runner.invoke(main, ["stats", "--projects", str(PLANS / "plan.csv"), "--by", "section",
                                  "--format", "json"])
    assert result.exit_code == 0, result.stderr
    by_section = {row["section"]: row for row in json.loads(result.stdout)}
    assert by_section["产业项目/先进制造业"]["investment"] == pytest.approx(70)
    assert by_section["产业项目/生物医药"]["investment"] == pytest.approx(23)
    assert by_section["基础设施项目"]["investment"] == pytest.approx(18.0646)
    assert by_section["合计"]["investment"] == pytest.approx(111.0646)
    _, rows = _stats_json(runner, "--projects", str(PLANS / "plan.csv"), "--section", "产业项目")
    assert sum(row["count"] for row in rows.values()) == 4
    result = runner.invoke(main, ["query", "--projects", str(PLANS / "plan.xlsx"), "--section", "生物医药",
                                  "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)] == ["测试生物医药产业园", "测试制药扩产项目"]


def test_section_on_a_table_without_headings_is_a_usage_error(runner):
    result = runner.invoke(main, ["stats", "--by", "section"])
    assert result.exit_code == 2 and "no section headings" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_combined_headers_and_section_titles():
    assert combined_headers(["序号", "投资额（万元）", "", "备注"], ["", "总投资", "2023年计划投资", ""]) == \
        ["序号", "投资额（万元）/总投资", "投资额（万元）/2023年计划投资", "备注"]
    # merged cells filled (Excel): the upper header repeated, the lower one repeating it
    assert combined_headers(["项目名称", "投资额", "投资额"], ["项目名称", "总投资", "本年投资"]) == \
        ["项目名称", "投资额/总投资", "投资额/本年投资"]
    assert section_title("一、产业项目") == (1, "产业项目")
    assert section_title("（二）生物医药") == (2, "生物医药")
    assert section_title("3. 数字经济") == (3, "数字经济")
    assert section_title("1.5") is None and section_title("测试项目") is None


def test_a_project_row_is_not_a_heading(tmp_path):
    """A row with a name like a heading but other values is a project."""
    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资\n一、产业项目,,\n1、测试项目,柯桥区,5\n", encoding="utf-8")
    frame = read_projects(path, geometry=False)
    assert list(frame["name"]) == ["1、测试项目"] and list(frame["section"]) == ["产业项目"]


# --------------------------------------------------------------------------------------------
# Item 4: traditional Chinese


TRADITIONAL = Path(__file__).parent / "data" / "traditional"


def test_big5_file_with_traditional_headers_and_districts(runner):
    """tests/data/traditional/big5_traditional.csv: Big5, 項目名稱/所在區縣/總投資/項目地址, 越城區 …, 億元/萬元."""
    assert not (TRADITIONAL / "big5_traditional.csv").read_bytes().decode("big5").isascii()
    report = read_projects_report(TRADITIONAL / "big5_traditional.csv", geometry=False)
    frame = report.projects
    assert report.columns == {"name": "項目名稱", "district": "所在區縣", "address": "項目地址", "investment": "總投資"}
    assert list(frame["district"]) == [YUECHENG, KEQIAO, ZHUJI, SHENGZHOU]
    assert list(frame["district_located"]) == [YUECHENG, KEQIAO, ZHUJI, SHENGZHOU]
    assert list(frame["investment"]) == pytest.approx([10, 0.5, 3, 2])
    assert list(frame["name"])[0] == "紹興紡織產業園區項目"  # a name stays as written
    assert list(frame["township"])[:2] == ["皋埠街道", "马鞍街道"]
    assert any("繁体字已按简体读取" in note for note in report.notes)
    result = runner.invoke(main, ["validate", str(TRADITIONAL / "big5_traditional.csv")])
    assert result.exit_code == 0, result.output


def test_traditional_values_under_simplified_headers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资\n甲,越城區,1億元\n乙,嵊州市,5000萬元\n", encoding="utf-8")
    frame = read_projects(path, geometry=False)
    assert list(frame["district"]) == [YUECHENG, SHENGZHOU]
    assert list(frame["investment"]) == pytest.approx([1, 0.5])


def test_a_simplified_table_never_loads_the_converter(tmp_path):
    from sxmap.geo.reading import script

    script._converter.cache_clear()
    path = tmp_path / "p.csv"
    path.write_text("项目名称,所在区县,总投资\n甲,越城区,1亿元\n", encoding="utf-8")
    read_projects(path, geometry=False)
    assert script._converter.cache_info().currsize == 0

"""maps.townships: the township layer (circles at township seats) on the HTML and static maps, and
``sxmap choropleth --by township``. Fixture: tests/data/township_addresses.csv (see its generator)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sxmap.cli import main
from sxmap.geo.errors import UsageError
from sxmap.geo.seats import seat_points
from sxmap.maps import townships as tw
from test_html import specs  # tests/ is on sys.path (no __init__.py)

FIXTURE = Path(__file__).parent / "data" / "township_addresses.csv"


@pytest.fixture(scope="module")
def projects():
    from sxmap.geo.projects import load_projects

    return load_projects(FIXTURE)


def test_township_values_one_row_per_township_at_its_seat(projects):
    values = tw.township_values(projects, "count")
    assert len(values) == 98 and values["count"].sum() == 101  # 97 seats + 柯桥街道 at its district's anchor
    diankou = values.set_index("township").loc["店口镇"]
    assert diankou["count"] == 4 and diankou["seat"]
    assert (diankou["lon"], diankou["lat"]) == seat_points()[diankou["township_code"]]
    assert not values.set_index("township").loc["柯桥街道", "seat"]
    investment = tw.township_values(projects, "investment").set_index("township")
    assert investment.loc["店口镇", "value"] == investment.loc["店口镇", "investment"] == 63.0  # 30 + 10 + 11 + 12


def test_unknown_amounts_are_nan_not_zero_and_radii_follow_area(projects):
    frame = projects.copy()
    frame.loc[frame["township"] == "店口镇", "investment"] = np.nan
    values = tw.township_values(frame, "investment").set_index("township")
    assert math.isnan(values.loc["店口镇", "value"])
    r = tw.radii([1.0, 4.0, np.nan], max_radius=20, min_radius=3)
    assert r.tolist() == [10.0, 20.0, 3.0]  # area ∝ value: 4× the value, 2× the radius


def test_only_count_or_investment(projects):
    with pytest.raises(UsageError, match="count or investment"):
        tw.township_values(projects, "count-min-investment=5")


def test_html_layer_popups_and_note(runner, projects, tmp_path):
    out = tmp_path / "tw.html"
    result = runner.invoke(main, ["choropleth", "--by", "township", "--value", "count", "--projects", str(FIXTURE),
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    [spec] = specs(text, "circles")
    items = {item["name"]: item for item in spec["items"]}
    assert len(items) == 98
    assert dict(items["店口镇"]["rows"])["项目数"] == "4" and dict(items["店口镇"]["rows"])["位置"] == "乡镇街道驻地"
    assert items["店口镇"]["r"] == tw.MAX_RADIUS_PX and not items["店口镇"]["dashed"]
    assert items["柯桥街道"]["dashed"] and "驻地未知" in dict(items["柯桥街道"]["rows"])["位置"]
    assert "GeoNames" in spec["attribution"] and "Vonng/adcode" in spec["attribution"]
    assert "乡镇街道边界无公开授权数据" in text  # the legend note: polygons are not openly available


def test_hostile_text_never_reaches_the_page_as_markup(runner, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("项目名称,地址,总投资（亿元）\n\"<img src=x onerror=alert(1)>\",诸暨市店口镇</script><b>,5\n",
                    encoding="utf-8")
    out = tmp_path / "tw.html"
    result = runner.invoke(main, ["choropleth", "--by", "township", "--value", "investment", "--projects", str(path),
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "</script><b>" not in text
    [spec] = specs(text, "circles")
    assert [item["name"] for item in spec["items"]] == ["店口镇"]


def test_the_combined_map_has_the_layer_hidden(projects):
    from sxmap.maps.html import combined_map, render_html

    text = render_html(combined_map(projects, tiles="none"))
    [spec] = specs(text, "circles")
    assert len(spec["items"]) == 98


def test_static_png_and_the_legend_note(runner, tmp_path):
    from sxmap.maps.static import township_figure

    out = tmp_path / "tw.png"
    result = runner.invoke(main, ["choropleth", "--by", "township", "--value", "investment", "--projects",
                                  str(FIXTURE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from sxmap.geo.projects import load_projects

    figure = township_figure(load_projects(FIXTURE), "count")
    try:
        assert figure.texts["townships"]["店口镇"] == 4.0 and len(figure.texts["townships"]) == 98
        legend = " ".join(figure.texts["legend"])
        assert "乡镇街道边界无公开授权数据" in legend and "驻地未知" in legend
        assert any("GeoNames" in line for line in figure.texts["source"])
    finally:
        figure.close()


def test_choropleth_by_township_refuses_other_values(runner, tmp_path):
    result = runner.invoke(main, ["choropleth", "--by", "township", "--value", "stat:gdp", "-o",
                                  str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "count or investment" in result.output
    assert "Traceback" not in result.output


def test_report_gains_a_township_table_only_where_the_data_has_townships(runner, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", "--projects", str(FIXTURE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "各乡镇街道汇总" in text
    table = text.split('class="sx-table sx-townships"')[1].split("</table>")[0]
    assert table.count("<tr") == 1 + 98 + 1  # header, 98 townships with projects, total
    assert "<td>店口镇</td><td>4</td><td>63</td>" in table
    bundled = tmp_path / "bundled.html"
    assert runner.invoke(main, ["report", "-o", str(bundled)]).exit_code == 0
    assert "各乡镇街道汇总" not in bundled.read_text(encoding="utf-8")  # the bundled projects have no addresses


def test_maps_drawing_projects_at_seats_credit_the_sources(projects):
    from sxmap.maps.html import markers_map, render_html
    from sxmap.maps.static import markers_figure

    assert tw.SEATS_CREDIT["zh"] in render_html(markers_map(projects, tiles="none"))
    figure = markers_figure(projects)
    try:
        assert any(tw.SEATS_CREDIT["zh"] in line for line in figure.texts["source"])
    finally:
        figure.close()
    site_only = projects[projects["location_precision"] != "township"]
    assert tw.SEATS_CREDIT["zh"] not in render_html(markers_map(site_only, tiles="none"))


def test_by_township_without_addresses_says_so(runner, tmp_path):
    out = tmp_path / "x.html"
    result = runner.invoke(main, ["choropleth", "--by", "township", "--value", "count", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "no project's address names a township" in result.stderr
    assert specs(out.read_text(encoding="utf-8"), "circles") == []

"""cli.py: the group, districts and locate; exit codes; help of every command."""

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxmap.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner():
    return CliRunner()


def test_help_lists_commands_with_summaries(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("districts", "locate"):
        assert re.search(rf"^\s+{name}\s+\S", result.output, re.M), name


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from sxmap import cli; from click.testing import CliRunner; CliRunner().invoke(cli.main, ['--help']);"
            "heavy = [m for m in ('geopandas', 'folium', 'matplotlib', 'mapclassify', 'pandas', 'shapely') if m in sys.modules];"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


# What ``sxmap stats --projects`` on a small UTF-8 list of points must not import (issue 20 item 4:
# start-up is the whole cost of a 1,000-row list; benchmarks/bench_startup.py times it): no
# geopandas/pyproj/pyogrio (the points are located with shapely, GCJ-02 converted by numpy), no
# map or chart library, no encoding detector for a file that decodes as UTF-8, no Excel reader,
# no traditional-to-simplified converter for a simplified table.
NOT_ON_THE_STATS_PATH = ("geopandas", "pyproj", "pyogrio", "matplotlib", "folium", "branca", "jinja2", "mapclassify",
                         "charset_normalizer", "python_calamine", "xlrd", "opencc", "docx", "PIL",
                         # nor what only another region or a name that matches nothing needs
                         "sxmap.geo.regions", "sqlite3", "difflib")


@pytest.mark.parametrize("fixture", ["projects_gcj02.csv", "projects_bom.csv"])
def test_stats_on_a_small_list_imports_only_what_it_needs(fixture):
    path = ROOT / "tests" / "data" / fixture
    code = ("import atexit, json, sys; from sxmap import cli;"  # (the command as it runs, not under CliRunner)
            f"atexit.register(lambda: print(json.dumps([m for m in {NOT_ON_THE_STATS_PATH!r} if m in sys.modules])));"
            f"sys.argv = ['sxmap', 'stats', '--projects', {str(path)!r}]; cli.main()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    imported = json.loads(out.stdout.splitlines()[-1])
    assert out.returncode == 0 and "合计" in out.stdout, out.stderr
    assert imported == [], f"stats on a small list imported {imported}"


def test_every_command_has_help_with_an_example(runner):
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "sxmap " + name in result.output, f"{name}: its help needs an example"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"sxmap {name}" in readme, f"README does not document 'sxmap {name}'"


def test_districts_table_and_formats(runner):
    table = runner.invoke(main, ["districts"])
    assert table.exit_code == 0 and "越城区" in table.output and "Shengzhou" in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, ["districts", "--format", "csv"]).output)))
    assert [r["adcode"] for r in rows] == ["330602", "330603", "330604", "330624", "330681", "330683"]
    data = json.loads(runner.invoke(main, ["districts", "--format", "json"]).output)
    assert isinstance(data[0]["area_km2"], float) and data[4]["name_zh"] == "诸暨市"
    gj = json.loads(runner.invoke(main, ["districts", "--format", "geojson"]).output)
    assert len(gj["features"]) == 6 and gj["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_districts_to_file_refuses_to_overwrite(runner, tmp_path):
    out = tmp_path / "d.geojson"
    assert runner.invoke(main, ["districts", "--format", "geojson", "-o", str(out)]).exit_code == 0
    again = runner.invoke(main, ["districts", "--format", "geojson", "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert runner.invoke(main, ["districts", "--format", "geojson", "-o", str(out), "--overwrite"]).exit_code == 0


def test_locate_text_and_json(runner):
    result = runner.invoke(main, ["locate", "120.58", "30.00"])
    assert result.exit_code == 0 and result.output.startswith("越城区")
    result = runner.invoke(main, ["locate", "120.5847", "29.9974", "--crs", "gcj02", "--format", "json"])
    answer = json.loads(result.output)
    assert answer["adcode"] == 330602 and answer["crs"] == "gcj02"


def test_locate_outside_is_an_answer_not_an_error(runner):
    result = runner.invoke(main, ["locate", "121.47", "31.23", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["adcode"] is None


@pytest.mark.parametrize("args,fragment", [
    (["locate", "29.99", "120.58"], "latitude first"),
    (["locate", "abc", "30"], "not a number"),
    (["locate", "120.5", "91"], "out of range"),
    (["locate", "120.5", "30", "--crs", "utm"], "utm"),
    (["locate"], "LON LAT"),
])
def test_locate_bad_input_is_one_line_exit_2(runner, args, fragment):
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_locate_many_points_from_csv(runner, tmp_path):
    src = tmp_path / "points.csv"
    src.write_text("name,lon,lat\n府山,120.58,30.00\n杭州,120.16,30.27\n嵊州,120.82,29.59\n", encoding="gbk")
    out = tmp_path / "located.csv"
    result = runner.invoke(main, ["locate", "--input", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["district_zh"] for r in rows] == ["越城区", "", "嵊州市"]
    assert rows[0]["name"] == "府山" and rows[2]["adcode"] == "330683"


def test_locate_csv_with_bad_rows_names_each(runner, tmp_path):
    src = tmp_path / "points.csv"
    src.write_text("lon,lat\n120.58,30.00\nx,30\n120.1,\n", encoding="utf-8")
    result = runner.invoke(main, ["locate", "--input", str(src)])
    assert result.exit_code == 1
    assert "row 3, column 'lon'" in result.output and "row 4, column 'lat'" in result.output


def test_locate_never_overwrites_its_input(runner, tmp_path):
    src = tmp_path / "points.csv"
    src.write_text("lon,lat\n120.58,30.00\n", encoding="utf-8")
    result = runner.invoke(main, ["locate", "--input", str(src), "-o", str(src), "--overwrite"])
    assert result.exit_code == 2 and "input" in result.output
    assert src.read_text(encoding="utf-8") == "lon,lat\n120.58,30.00\n"


def test_python_m_cli_works():
    out = subprocess.run([sys.executable, "cli.py", "locate", "120.58", "30.0"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "越城区" in out.stdout


def test_districts_listing_gives_the_label_anchor_inside_each_district(runner):
    """The centroid may lie outside its district (柯桥区's lies in 越城区); the anchor never does."""
    from sxmap.geo.locate import locate

    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, ["districts", "--format", "csv"]).output)))
    for row in rows:
        anchor = int(locate(float(row["anchor_lon"]), float(row["anchor_lat"])))
        assert anchor == int(row["adcode"]), row["name_zh"]
    keqiao = next(r for r in rows if r["adcode"] == "330603")
    assert int(locate(float(keqiao["centroid_lon"]), float(keqiao["centroid_lat"]))) == 330602
    help_text = runner.invoke(main, ["districts", "--help"]).output
    assert "centroid" in help_text and "anchor" in help_text and "outside" in help_text


# ---------------------------------------------------------------- --quiet (issue 20.5)

def _all_commands(group, prefix=()):
    import click

    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*prefix, name))


def test_every_command_takes_quiet(runner):
    names = []
    for path, command in _all_commands(main):
        assert any(p.name == "quiet" and "--quiet" in p.opts for p in command.params), path
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and "--quiet" in result.output, path
        names.append(path)
    assert len(names) >= 14


def test_quiet_keeps_stderr_to_errors(runner, tmp_path, caplog):
    import warnings

    data = ROOT / "tests" / "data"
    loud = runner.invoke(main, ["stats", "--projects", str(data / "projects_gcj02.csv")])
    quiet = runner.invoke(main, ["stats", "--projects", str(data / "projects_gcj02.csv"), "--quiet"])
    assert loud.exit_code == quiet.exit_code == 0
    assert "warning: no investment column" in loud.stderr and quiet.stderr == ""
    assert quiet.stdout == loud.stdout
    out = tmp_path / "d.csv"
    result = runner.invoke(main, ["districts", "--format", "csv", "-o", str(out), "-q"])
    assert result.exit_code == 0 and result.stderr == "" and out.read_text(encoding="utf-8").count("\n") == 7
    result = runner.invoke(main, ["map", "--projects", str(data / "projects_gcj02.csv"), "--district", "新昌县",
                                  "-o", str(tmp_path / "m.html"), "-q"])
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    user = ROOT / "tests" / "data" / "user_report.csv"  # one invalid row skipped: logged, and a "wrote" line
    args = ["stats", "--projects", str(user), "--skip-invalid", "--rejects", str(tmp_path / "r.csv")]
    loud = runner.invoke(main, args)  # the reader logs the skipped rows (stderr, by logging's handler)
    assert loud.exit_code == 0 and "skipped 1 invalid row(s)" in caplog.text and "wrote the 1 skipped" in loud.stderr
    caplog.clear()
    quiet = runner.invoke(main, [*args, "--overwrite", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and caplog.text == "" and quiet.stdout == loud.stdout
    import logging

    assert logging.getLogger("sxmap").level == logging.NOTSET  # restored
    # errors are not silenced
    result = runner.invoke(main, ["stats", "--projects", str(data / "bad_rows.csv"), "--quiet"])
    assert result.exit_code == 1 and "9 problem(s) found" in result.stderr and "row 3" in result.stderr
    result = runner.invoke(main, ["locate", "--quiet"])
    assert result.exit_code == 2 and "give LON LAT" in result.stderr
    # Python's warnings are silenced for the command only: no blanket "ignore" is left behind
    assert not any(f[0] == "ignore" and f[1] is None and f[2] is Warning for f in warnings.filters)


def test_a_map_of_part_of_the_list_says_which_part(runner, tmp_path):
    """A map made with --district (or any filter) read as the whole list: "共 10 个项目" under the
    title, "绍兴市招商项目" above the page. The filters now follow (maps.filters)."""
    from test_static import svg_texts  # tests/ is on sys.path (no __init__.py)

    svg, html, html_en, plain = (tmp_path / n for n in ("f.svg", "f.html", "f_en.html", "all.svg"))
    for args in (["markers", "--district", "越城", "-o", str(svg)],
                 ["markers", "--district", "越城", "--industry", "生物医药", "-o", str(html)],
                 ["choropleth", "--district", "330602", "--lang", "en", "-o", str(html_en)],
                 ["markers", "-o", str(plain)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    assert any(t.startswith("共 10 个项目（已筛选：区县 越城区）") for t in svg_texts(svg))
    assert "绍兴市招商项目（已筛选：区县 越城区；产业 生物医药）" in html.read_text(encoding="utf-8")
    assert "(filtered: district Yuecheng District)" in html_en.read_text(encoding="utf-8")
    assert not any("已筛选" in t for t in svg_texts(plain))

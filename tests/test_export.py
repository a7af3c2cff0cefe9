"""sxmap export: KML, GeoPackage, GeoJSON, CSV and XLSX that other tools open, with hostile text made safe."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pyogrio
import pytest
from openpyxl import load_workbook

from sxmap.cli import main
from sxmap.geo.boundaries import district_anchor
from sxmap.geo.export import export_projects, infer_format, neutralise_formula
from sxmap.geo.errors import OutputExistsError, UsageError
from sxmap.geo.projects import load_projects

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def hostile(tmp_path):
    """Canonical rows whose text tries formulas, markup and control characters."""
    path = tmp_path / "hostile.csv"
    lon, lat = district_anchor(330603)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "name", "company", "district", "address", "platform", "industry", "investment",
                         "investment_bound", "lon", "lat", "location_precision"])
        writer.writerow(["H1", "=HYPERLINK(\"http://evil\",\"点我\")", "@SUM(A1)", 330603, "柯桥区钱清街道1号", "",
                         "新能源", 12, "min", lon, lat, "district"])
        writer.writerow(["H2", "<script>alert(1)</script> & \"引号\"", "+cmd", 330603, "-1+2", "<b>粗</b>",
                         "新材料", "", "", lon + 0.01, lat, "site"])
    return path


def test_neutralise_formula():
    assert neutralise_formula("=1+1") == "'=1+1"
    for text in ("+A1", "-A1+1", "@A1", "=cmd|' /C calc'!A0"):
        assert neutralise_formula(text) == "'" + text
    assert neutralise_formula("+1") == "+1" and neutralise_formula("-1") == "-1"  # numbers stay numbers
    assert neutralise_formula("\t=1") == "'\t=1" and neutralise_formula("\rx") == "'\rx"
    assert neutralise_formula("钱清 = 1") == "钱清 = 1" and neutralise_formula(-3.5) == -3.5


def test_format_from_extension_or_option():
    assert infer_format("a.KML") == "kml" and infer_format("a.gpkg") == "gpkg" and infer_format("a.json") == "geojson"
    assert infer_format("a.out", "xlsx") == "xlsx"
    with pytest.raises(UsageError, match="cannot tell the format"):
        infer_format("a.txt")
    with pytest.raises(UsageError, match="matching extension"):
        infer_format("a.kml", "gpkg")


def test_kml_one_placemark_per_project_styled_by_industry(tmp_path):
    projects = load_projects()
    out = export_projects(projects, tmp_path / "p.kml", colours={"新能源": "#2ca02c"})
    root = ET.parse(out).getroot()
    placemarks = root.findall(f".//{KML}Placemark")
    assert len(placemarks) == len(projects)
    styles = {s.get("id"): s.find(f"{KML}IconStyle/{KML}color").text for s in root.iter(f"{KML}Style")}
    industries = sorted(set(projects["industry"]))
    assert len(styles) == len(industries)
    assert styles[f"industry-{industries.index('新能源')}"] == "ff2ca02c"  # aabbggrr
    first = placemarks[0]
    assert first.find(f"{KML}name").text == projects["name"].iloc[0]
    lon, lat = (float(v) for v in first.find(f".//{KML}coordinates").text.split(","))
    assert abs(lon - projects["lon"].iloc[0]) < 1e-6 and abs(lat - projects["lat"].iloc[0]) < 1e-6
    assert "区县" in first.find(f"{KML}description").text
    # GDAL reads it back: one point per project, WGS-84
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == len(projects) and frame.crs.to_epsg() == 4326
    assert set(frame.geometry.geom_type) == {"Point"}


def test_kml_escapes_markup(hostile, tmp_path, runner):
    out = tmp_path / "h.kml"
    result = runner.invoke(main, ["export", "--projects", str(hostile), "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_text(encoding="utf-8")
    assert "<script>" not in raw  # escaped for XML …
    root = ET.fromstring(raw.encode("utf-8"))
    names = [p.find(f"{KML}name").text for p in root.iter(f"{KML}Placemark")]
    assert names[1] == "<script>alert(1)</script> & \"引号\""  # … and exact once parsed
    description = list(root.iter(f"{KML}Placemark"))[1].find(f"{KML}description").text
    # the popup is HTML (a table) whose values are escaped: the platform's markup shows as text
    assert description.startswith("<table>") and "&lt;b&gt;粗&lt;/b&gt;" in description
    assert "<b>" not in description
    assert "钱清街道" in list(root.iter(f"{KML}Placemark"))[0].find(f"{KML}description").text


def test_gpkg_opens_with_pyogrio_in_epsg_4326(tmp_path):
    projects = load_projects()
    out = export_projects(projects, tmp_path / "p.gpkg")
    info = pyogrio.read_info(out)
    assert info["layer_name"] == "projects" and info["crs"] == "EPSG:4326" and info["geometry_type"] == "Point"
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == len(projects)
    assert frame["name"].tolist() == projects["name"].tolist()
    assert {"district_located", "district_zh", "township", "location_precision"} <= set(frame.columns)
    assert abs(frame.geometry.x - projects["lon"].to_numpy()).max() < 1e-9


def test_xlsx_has_district_township_precision_and_neutralised_text(hostile, tmp_path, runner):
    out = tmp_path / "h.xlsx"
    result = runner.invoke(main, ["export", "--projects", str(hostile), "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    for column in ("坐标所在区县", "乡镇街道", "定位精度"):
        assert column in header
    rows = [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=2)]
    assert rows[0]["项目名称"] == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert rows[0]["企业"] == "'@SUM(A1)" and rows[1]["企业"] == "'+cmd" and rows[1]["地址"] == "'-1+2"
    assert rows[0]["乡镇街道"] == "钱清街道" and rows[0]["坐标所在区县"] == "柯桥区"
    assert rows[0]["总投资(亿元)"] == 12 and rows[0]["定位精度"] == "district"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formulas at all


def test_csv_neutralised_and_read_back_by_sxmap(hostile, tmp_path, runner):
    out = tmp_path / "h.csv"
    assert runner.invoke(main, ["export", "--projects", str(hostile), "-o", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0]["name"].startswith("'=") and rows[0]["township"] == "钱清街道"
    result = runner.invoke(main, ["stats", "--projects", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[-1]["count"] == 2


def test_geojson_export(tmp_path, runner):
    out = tmp_path / "p.geojson"
    result = runner.invoke(main, ["export", "--district", "诸暨市", "-o", str(out)])
    assert result.exit_code == 0, result.output
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert features and all(f["properties"]["district_zh"] == "诸暨市" for f in features)
    assert "4 project(s)" in result.stderr or f"{len(features)} project(s)" in result.stderr


def test_export_filters_by_township(hostile, tmp_path, runner):
    out = tmp_path / "qq.csv"
    result = runner.invoke(main, ["export", "--projects", str(hostile), "--township", "钱清镇", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())] == ["H1"]


def test_export_is_safe_like_every_writer(tmp_path, runner, hostile):
    out = tmp_path / "p.kml"
    out.write_text("keep me", encoding="utf-8")
    result = runner.invoke(main, ["export", "-o", str(out)])
    assert result.exit_code == 2 and "--overwrite" in result.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    result = runner.invoke(main, ["export", "--projects", str(hostile), "--format", "csv", "-o", str(hostile),
                                  "--overwrite"])
    assert result.exit_code == 2 and "input file" in result.stderr
    result = runner.invoke(main, ["export", "-o", str(tmp_path / "p.txt")])
    assert result.exit_code == 2 and "cannot tell the format" in result.stderr
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(OutputExistsError):
        export_projects(load_projects(), out)

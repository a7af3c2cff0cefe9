"""The one-file briefing (maps.report, ``sxmap report``)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from cli import main
from geo.districts import DISTRICTS
from test_embed import load_offline  # tests/ is on sys.path (no __init__.py)
from test_static import pdf_fonts, pdf_unicode_text, svg_texts


@pytest.fixture(scope="module")
def projects():
    from geo.projects import load_projects

    return load_projects()


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    from maps.report import write_report

    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, date="2024-03-01")
    return path


def test_briefing_numbers_come_from_the_data(projects):
    from maps.report import build_briefing

    brief = build_briefing(date="2024-03-01")
    amounts = projects["investment"].to_numpy(float)
    known = int(np.isfinite(amounts).sum())
    assert brief.summary[0].startswith(f"名单共 {len(projects)} 个项目")
    assert f"其中 {known} 个披露了投资额" in brief.summary[1]
    assert f"{np.nansum(amounts):g} 亿元" in brief.summary[1]
    n_district = int((projects["location_precision"] == "district").sum())
    assert f"{n_district} 个仅到区县" in brief.summary[2]
    total = brief.table.iloc[-1]
    assert total["district_zh"] == "合计" and int(total["count"]) == len(projects)
    assert any("下限" in c for c in brief.caveats) and any("位置精度" in c for c in brief.caveats)
    assert brief.city_stats  # the bundled city-wide figures


def test_html_report_is_one_self_contained_file(report_page, projects):
    text = report_page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>绍兴市招商引资地图简报</title>" in text
    assert "日期：2024年3月1日" in text
    assert text.count('class="sxmap-fragment"') == 3
    assert text.count("Leaflet 1.9.3") == 1  # the library once for the three maps
    assert not re.search(r"<script[^>]+src=", text)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", text, flags=re.S)  # the page's own tags
    assert not re.search(r"<link\b|\bsrc=|url\(['\"]?(https?:)?//", markup)  # nothing loaded from elsewhere
    for d in DISTRICTS:
        assert f"<td>{d.name_zh}</td>" in text
    assert "<td>合计</td>" in text and f"<td>{len(projects)}</td>" in text
    assert "数据来源与说明" in text and "金额" in text and "位置精度" in text


def test_html_report_draws_its_maps_offline(report_page, chromium):
    seen = load_offline(chromium, report_page, wait_ms=2000)
    assert seen["errors"] == [] and seen["requests"] == []
    assert len(seen["containers"]) == 3
    assert all(c["paths"] >= 6 and c["height"] == 520 for c in seen["containers"])


def test_html_report_is_reproducible(tmp_path):
    from maps.report import write_report

    a = write_report(tmp_path / "a.html", date="2024-03-01").read_bytes()
    b = write_report(tmp_path / "b.html", date="2024-03-01").read_bytes()
    assert a == b


def test_html_report_escapes_what_it_is_given(tmp_path):
    from maps.report import write_report

    path = write_report(tmp_path / "r.html", date="2024-03-01", title="<script>alert(1)</script>",
                        source='"><img src=x onerror=alert(2)>')
    text = path.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text


def test_english_report(tmp_path):
    from maps.report import write_report

    text = write_report(tmp_path / "en.html", lang="en", date="2024-03-01").read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Date: 1 March 2024" in text
    assert "Per-district table" in text and "<td>Yuecheng District</td>" in text
    assert "lower bound" in text


def test_pdf_report_uses_the_static_maps(tmp_path):
    from maps.report import write_report

    data = write_report(tmp_path / "r.pdf", date="2024-03-01").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", data)) == 4  # text page + three maps
    assert any("NotoSansCJK" in name for name, _ in pdf_fonts(data))
    chars = pdf_unicode_text(data)
    for d in DISTRICTS:
        assert set(d.name_zh) <= chars
    assert set("简报数据来源飞地") <= chars
    # A4 landscape pages
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 841.89) < 1 and abs(float(h) - 595.28) < 1 for w, h in boxes)


def test_demo_reports(tmp_path):
    from maps.report import write_demo_reports

    written = write_demo_reports(tmp_path / "out", date="2024-03-01")
    assert [p.name for p in written] == ["choropleth.png", "choropleth.svg", "report.html"]
    with Image.open(written[0]) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.05)
    assert "越城区" in svg_texts(written[1])
    assert write_demo_reports(tmp_path / "out", date="2024-03-01")  # runs again over its own files


def test_cli_report(tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", "-o", str(out), "--date", "2024-03-01", "--district", "越城区"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "名单共 10 个项目" in text  # only 越城区's projects
    again = runner.invoke(main, ["report", "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    for args, message in ((["-o", str(tmp_path / "r.docx")], ".html or .pdf"),
                          (["-o", str(tmp_path / "x.html"), "--date", "2024-13-01"], "YYYY-MM-DD"),
                          ([], "-o report.html")):
        result = runner.invoke(main, ["report", *args])
        assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "x.html").exists()


def test_cli_report_help():
    result = CliRunner().invoke(main, ["report", "--help"])
    assert result.exit_code == 0 and "sxmap report -o report.html" in result.output

"""The one-file briefing (maps.report, ``sxmap report``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from sxmap.cli import main
from sxmap.geo.districts import DISTRICTS
from test_embed import load_offline  # tests/ is on sys.path (no __init__.py)
from test_static import pdf_fonts, pdf_unicode_text, svg_texts


@pytest.fixture(scope="module")
def projects():
    from sxmap.geo.projects import load_projects

    return load_projects()


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    from sxmap.maps.report import write_report

    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(path, date="2024-03-01")
    return path


def test_briefing_numbers_come_from_the_data(projects):
    from sxmap.maps.report import build_briefing

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
    from sxmap.maps.report import write_report

    a = write_report(tmp_path / "a.html", date="2024-03-01").read_bytes()
    b = write_report(tmp_path / "b.html", date="2024-03-01").read_bytes()
    assert a == b


def test_html_report_escapes_what_it_is_given(tmp_path):
    from sxmap.maps.report import write_report

    path = write_report(tmp_path / "r.html", date="2024-03-01", title="<script>alert(1)</script>",
                        source='"><img src=x onerror=alert(2)>')
    text = path.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text


def test_english_report(tmp_path):
    from sxmap.maps.report import write_report

    text = write_report(tmp_path / "en.html", lang="en", date="2024-03-01").read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Date: 1 March 2024" in text
    assert "Per-district table" in text and "<td>Yuecheng District</td>" in text
    assert "lower bound" in text


def test_pdf_report_uses_the_static_maps(tmp_path):
    from sxmap.maps.report import write_report

    data = write_report(tmp_path / "r.pdf", date="2024-03-01").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", data)) == 4  # text page + three maps
    assert any("NotoSansCJK" in name for name, _ in pdf_fonts(data))
    assert {sub for _, sub in pdf_fonts(data)} <= {"Type0", "CIDFontType2", "TrueType"}  # print-ready: no Type 3
    assert b"/Type3" not in data and b"/FontFile2" in data
    chars = pdf_unicode_text(data)
    for d in DISTRICTS:
        assert set(d.name_zh) <= chars
    assert set("简报数据来源飞地") <= chars
    # A4 landscape pages
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 841.89) < 1 and abs(float(h) - 595.28) < 1 for w, h in boxes)


def test_demo_reports(tmp_path):
    from sxmap.maps.report import write_demo_reports

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
    for args, message in ((["-o", str(tmp_path / "r.odt")], ".html, .pdf or .docx"),
                          (["-o", str(tmp_path / "x.html"), "--date", "2024-13-01"], "YYYY-MM-DD"),
                          ([], "-o report.html")):
        result = runner.invoke(main, ["report", *args])
        assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "x.html").exists()


def test_a_filtered_briefing_says_what_it_was_filtered_by(tmp_path):
    """A briefing of one district or one section read as the whole list: "名单共 10 个项目" and
    nothing to say that the others were left out."""
    from sxmap.maps.briefing import filters_line

    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", "-o", str(out), "--date", "2024-03-01", "--district", "yuecheng",
                                  "--min-investment", "5"])
    assert result.exit_code == 0, result.output
    assert "已筛选：区县 越城区；投资额不少于 5 亿元。" in out.read_text(encoding="utf-8")
    plan = Path(__file__).parent / "data" / "plans" / "plan.csv"
    result = runner.invoke(main, ["report", "--projects", str(plan), "--section", "产业项目", "--lang", "en", "-o",
                                  str(tmp_path / "s.html")])
    assert result.exit_code == 0, result.output
    assert "Filtered: section 产业项目." in (tmp_path / "s.html").read_text(encoding="utf-8")
    assert filters_line({"district": None, "industry": None, "year": None, "min_investment": None}, "zh") == ""
    assert filters_line({"year": [2023, 2024], "industry": ["新能源\x1b[31m"]}, "en") == \
        "Filtered: industry 新能源; year 2023, 2024."  # (a terminal escape in a user's text is dropped)
    result = runner.invoke(main, ["report", "-o", str(tmp_path / "all.html"), "--date", "2024-03-01"])
    assert "已筛选" not in (tmp_path / "all.html").read_text(encoding="utf-8")


def test_cli_report_help():
    result = CliRunner().invoke(main, ["report", "--help"])
    assert result.exit_code == 0 and "sxmap report -o report.html" in result.output


# --------------------------------------------------------------------------------------------
# Every table of the report: each figure is labelled, and no two rows share a label


def html_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """(headers, rows) of every <table> of a page, cell text unescaped."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append(([], []))
            elif tag == "tr" and self.tables:
                self.row = []
            elif tag in ("td", "th") and self.tables:
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                text = "".join(self.cell).strip()
                headers, rows = self.tables[-1]
                (headers if tag == "th" else self.row).append(text)
                self.cell = None
            elif tag == "tr" and self.tables and self.row:
                self.tables[-1][1].append(self.row)
                self.row = []

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(text)
    return parser.tables


def check_table(headers, rows, label_columns, where):
    assert headers and all(headers) and len(set(headers)) == len(headers), f"{where}: headers {headers}"
    assert rows and all(len(r) == len(headers) for r in rows), f"{where}: ragged rows"
    labels = [tuple(r[c] for c in label_columns) for r in rows]
    assert all(all(part for part in label) for label in labels), f"{where}: a row without a label: {labels}"
    assert len(set(labels)) == len(labels), f"{where}: repeated row labels: {labels}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_report_tables_label_every_row_once(tmp_path, lang):
    from sxmap.maps.report import METRIC_LABELS, write_report

    text = write_report(tmp_path / "r.html", lang=lang, date="2024-03-01").read_text(encoding="utf-8")
    tables = html_tables(text)
    assert len(tables) == 2  # the per-district table and the city-wide figures
    (district_headers, district_rows), (city_headers, city_rows) = tables
    check_table(district_headers, district_rows, [0], f"{lang} per-district table")
    check_table(city_headers, city_rows, [0, 1], f"{lang} city-wide figures")
    # the city-wide figures of the bundled data, one row each, labelled by what they measure
    from sxmap.geo.districts import CITY_ADCODE
    from sxmap.geo.projects import read_bundled

    stats = read_bundled("district_stats")
    city = stats[stats["scope_adcode"] == CITY_ADCODE]
    assert len(city_rows) == len(city)
    expected = [METRIC_LABELS[m][1 if lang == "en" else 0] for m in city["metric"]]
    assert [r[1] for r in city_rows] == expected
    values = {r[1]: r[2] for r in city_rows}
    if lang == "zh":
        assert values["签约项目"] == "31 个" and values["其中50亿元以上项目"] == "11 个"
        assert values["其中100亿元以上项目"] == "4 个" and values["其中500亿元以上项目"] == "1 个"
        assert values["签约项目计划投资总额"] == "1,490 亿元" and values["实到外资（部口径）"] == "≥ 10 亿美元"
    else:
        assert values["Projects signed"] == "31" and values["Planned investment of the projects signed"] == "149 bn yuan"
        assert values["Foreign capital actually used (MOFCOM basis)"] == "≥ 1 bn US dollars"
        assert not any("个" in v for v in values.values())  # no Chinese unit in the English report
    # the ceremony is named once, on the first of its five rows
    ceremony = [r for r in city_rows if r[0] == "2023-02"]
    assert len(ceremony) == 5 and ceremony[0][3] and not any(r[3] for r in ceremony[1:])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_text_page_tables_label_every_row_once_and_fit_the_page(lang):
    from sxmap.maps.report import A4_LANDSCAPE_CM, build_briefing, _text_page

    from sxmap.maps import static
    from sxmap.maps.fonts import font_context

    brief = build_briefing(lang=lang, date="2024-03-01")
    size = (A4_LANDSCAPE_CM[0] / 2.54, A4_LANDSCAPE_CM[1] / 2.54)
    font = static._font(None)
    with font_context(font):
        fig = _text_page(brief, font, size)
        check_pdf_page(fig, brief, lang)


def check_pdf_page(fig, brief, lang):
    tables = [t for ax in fig.axes for t in ax.tables]
    assert len(tables) == 2
    parsed = []
    for table in tables:
        cells = table.get_celld()
        n_rows = max(r for r, _ in cells) + 1
        n_cols = max(c for _, c in cells) + 1
        grid = [[cells[r, c].get_text().get_text() for c in range(n_cols)] for r in range(n_rows)]
        parsed.append((grid[0], grid[1:]))
    check_table(*parsed[0], [0], f"{lang} PDF per-district table")
    check_table(*parsed[1], [0, 1], f"{lang} PDF city-wide figures")
    assert [r[1] for r in parsed[1][1]] == [r[1] for r in brief.city_stats]
    # everything drawn on the page lies inside it (the caveats used to run off the bottom)
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        assert box.y0 >= page.y0 and box.x1 <= page.x1 + 1, text.get_text()
    for ax in fig.axes:
        assert ax.get_window_extent(renderer).y0 >= page.y0


def test_every_bundled_metric_has_a_label():
    from sxmap.geo.projects import read_bundled
    from sxmap.maps.report import METRIC_LABELS

    assert set(read_bundled("district_stats")["metric"]) <= set(METRIC_LABELS)


def test_pdf_text_page_fits_a_long_list_of_city_figures():
    """Twice the bundled city-wide figures still leave room for the caveats on the first page."""
    import pandas as pd

    from sxmap.geo.projects import read_bundled
    from sxmap.maps import static
    from sxmap.maps.fonts import font_context
    from sxmap.maps.report import A4_LANDSCAPE_CM, _text_page, build_briefing

    stats = read_bundled("district_stats")
    city = stats[stats["scope_adcode"] == 330600]
    later = city.assign(period=city["period"].str.replace("202", "203"))  # the same figures, other periods
    brief = build_briefing(date="2024-03-01", stats_table=pd.concat([stats, later], ignore_index=True))
    assert len(brief.city_stats) == 2 * len(city)
    font = static._font(None)
    with font_context(font):
        fig = _text_page(brief, font, (A4_LANDSCAPE_CM[0] / 2.54, A4_LANDSCAPE_CM[1] / 2.54))
        renderer = fig.canvas.get_renderer()
        assert all(t.get_window_extent(renderer).y0 >= fig.bbox.y0 for t in fig.texts)


# ---------------------------------------------------------------- a user's table (issue 16.6)

USER_TABLE = Path(__file__).parent / "data" / "user_report.csv"


@pytest.fixture(scope="module")
def user_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("user") / "user.html"
    result = CliRunner().invoke(main, ["report", "--projects", str(USER_TABLE), "--skip-invalid", "--rejects",
                                       str(out.with_name("rejects.csv")), "-o", str(out), "--date", "2024-03-01"])
    assert result.exit_code == 0, result.output
    return out


def caveats_of(text: str) -> list[str]:
    section = text.split('<section class="sx-caveats">', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", section)


def test_a_users_report_describes_the_users_table(user_report):
    text = user_report.read_text(encoding="utf-8")
    caveats = caveats_of(text)
    assert caveats[0] == "数据来源：user_report.csv。"
    assert "6 个项目中 2 个未填投资额，不计入合计（合计因此偏小）。1 个金额为下限（标 ≥），含下限金额的合计也是下限。" in caveats
    assert "位置精度：4 个项目有自己的坐标，0 个画在所属产业平台，2 个仅画在区县内代表点（非实际地址）。" in caveats
    assert ("未计入本简报的行：1 行因数据有误被跳过（--skip-invalid，见 rejects 文件）；1 行合计/小计行未计为项目。"
            in caveats)
    # nothing about the bundled article's list, its enclaves or its city-wide figures
    assert not any("名单不完整" in c or "报道" in c or "文中" in c for c in caveats)
    assert "飞地" not in text.split('<section class="sx-caveats">')[0].split("</title>", 1)[1].replace(
        "sxmap-fragment", "")  # no enclaves map, no enclave count
    assert text.count('class="sxmap-fragment"') == 2
    assert "全市统计" not in text


def test_the_bundled_list_keeps_the_articles_caveats(report_page, tmp_path):
    caveats = caveats_of(report_page.read_text(encoding="utf-8"))
    assert any(c.startswith("名单不完整：仅含报道点名的项目") for c in caveats)
    out = tmp_path / "zhuji.html"  # the bundled list filtered is still the bundled list
    result = CliRunner().invoke(main, ["report", "-o", str(out), "--district", "诸暨市", "--date", "2024-03-01"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert any(c.startswith("名单不完整") for c in caveats_of(text)) and "地图标出飞地" in text
    assert text.count('class="sxmap-fragment"') == 3


def test_user_caveats_in_english_with_the_readers_datum_decision():
    from sxmap.geo.projects import load_projects
    from sxmap.maps.report import DATUM_ATTR, build_briefing

    projects = load_projects(USER_TABLE, skip_invalid=True, rejects=None)
    projects.attrs.pop("rejects", None)
    brief = build_briefing(projects, lang="en", date="2024-03-01", bundled=False)
    assert "2 of the 6 projects have no amount and are not in the totals" in " ".join(brief.caveats)
    assert not any("not complete" in c for c in brief.caveats)
    assert not any("enclave" in s for s in brief.summary)
    # a GCJ-02 table whose stated districts tell the datum: the reader's decision is a caveat
    gaode = load_projects(Path(__file__).parent / "data" / "datum" / "projects_gcj02_gbk.csv")
    decision = gaode.attrs[DATUM_ATTR]
    assert decision["crs"] == "gcj02" and decision["inferred"]
    en = build_briefing(gaode, lang="en", date="2024-03-01", bundled=False)
    assert f"Datum: {decision['message_en']}" in en.caveats and "GCJ-02" in decision["message_en"]
    zh = build_briefing(gaode, lang="zh", date="2024-03-01", bundled=False)
    assert f"坐标系：{decision['message_zh']}" in zh.caveats and "高德" in decision["message_zh"]
    del gaode.attrs[DATUM_ATTR]
    assert not any(c.startswith("坐标系") for c in build_briefing(gaode, date="2024-03-01", bundled=False).caveats)


def test_a_users_pdf_report_has_no_enclaves_page(tmp_path):
    from sxmap.geo.projects import load_projects
    from sxmap.maps.report import write_report

    projects = load_projects(USER_TABLE, skip_invalid=True, rejects=None)
    projects.attrs.pop("rejects", None)
    data = write_report(tmp_path / "u.pdf", projects, date="2024-03-01", bundled=False).read_bytes()
    assert len(re.findall(rb"/Type /Page\b", data)) == 3  # text page, choropleth, projects


def test_rows_placed_at_township_seats_are_counted_in_the_summary_and_caveats():
    """A table located by its addresses: the summary and the precision caveat count the rows at
    township seats, so the counts add up to the table (issue 17's precision in issue 16's report)."""
    from sxmap.geo.projects import load_projects
    from sxmap.maps.report import build_briefing

    projects = load_projects(Path(__file__).parent / "data" / "township_addresses.csv")
    counts = projects["location_precision"].value_counts()
    township, district = int(counts.get("township", 0)), int(counts.get("district", 0))
    assert township > 90 and township + district == len(projects)
    brief = build_briefing(projects, date="2024-03-01", bundled=False)
    assert f"{township} 个仅到乡镇街道驻地，{district} 个仅到区县。" in brief.summary[-1]
    assert any(f"{township} 个画在地址所写乡镇街道的驻地" in c for c in brief.caveats)
    english = build_briefing(projects, date="2024-03-01", bundled=False, lang="en")
    assert f"{township} only to a township's seat" in " ".join(english.summary)

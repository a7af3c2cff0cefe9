"""The briefing's optional sections (maps.briefing_sections): year on year and per-district pages,
in the Word, PDF and HTML reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxmap.cli import main
from sxmap.geo.districts import DISTRICTS

DATA = Path(__file__).parent / "data"
PROJECTS = str(DATA / "query_projects.csv")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _report(path, *extra):
    result = CliRunner().invoke(main, ["report", "--projects", PROJECTS, "-o", str(path), "--date", "2024-03-01",
                                       "--compare", "2022,2023", "--by-district", *extra])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def docx_path(tmp_path_factory):
    return _report(tmp_path_factory.mktemp("sections") / "briefing.docx")


def test_docx_has_the_change_table_and_a_page_per_district(docx_path):
    import docx

    doc = docx.Document(str(docx_path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert "同比变化（2022→2023）" in headings
    assert [h for h in headings if h.startswith("区县：")] == [f"区县：{d.name_zh}" for d in DISTRICTS]
    change = next(t for t in doc.tables if t.rows[0].cells[0].text == "区县" and "变化" in t.rows[0].cells[3].text)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in change.rows[1:]}
    assert rows["合计"][6] == "不可比" and rows["越城区"][6] == "≥ −80" and rows["上虞区"][6] == "≤ −250.5"
    assert rows["嵊州市"][3] == "−1"
    project_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "项目"]
    names = {r.cells[0].text for t in project_tables for r in t.rows[1:]}
    assert {"测试项目甲", "测试项目乙", "测试项目丙"} <= names and "测试项目子" not in names  # 子 lies outside the city
    # two maps (a user's table: no enclaves map; no address column: no township map), the
    # year-on-year figure, one per district
    assert len(doc.inline_shapes) == 2 + 1 + len(DISTRICTS)
    breaks = docx_path.read_bytes()  # page breaks before each district page (in document.xml)
    import zipfile

    with zipfile.ZipFile(docx_path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert xml.count('w:type="page"') == len(DISTRICTS) and breaks
    assert any("产业平台：" in p.text for p in doc.paragraphs)
    assert any(p.text.startswith("乡镇街道") for p in doc.paragraphs)


def test_pdf_report_pages_and_fonts(tmp_path):
    from test_static import pdf_fonts, pdf_unicode_text

    data = _report(tmp_path / "briefing.pdf").read_bytes()
    # text page, two maps (no enclaves for a user's table), two year-on-year pages, one per district
    assert len(re.findall(rb"/Type /Page\b", data)) == 3 + 2 + len(DISTRICTS)
    assert b"/Type3" not in data and {s for _, s in pdf_fonts(data)} <= {"Type0", "CIDFontType2", "TrueType"}
    assert set("同比变化不可比区县越城") <= pdf_unicode_text(data)


def test_html_report_sections(tmp_path, offline_page):
    path = _report(tmp_path / "briefing.html")
    text = path.read_text(encoding="utf-8")
    assert text.count('class="sx-district"') == len(DISTRICTS)
    assert "同比变化（2022→2023）" in text and "<td>不可比</td>" in text
    page = offline_page.open(path)
    assert page.inner_text(".sx-years-total").startswith("2022→2023：项目 +1")
    page.click(".sx-years-next")
    assert page.inner_text(".sx-years-total") == "2022年：5 个项目，投资额 ≥ 542.35 亿元"
    assert offline_page.page_errors == [] and offline_page.blocked == []


def test_report_compare_needs_a_year_column(tmp_path):
    from sxmap.maps.report import write_report

    from sxmap.geo.projects import load_projects

    projects = load_projects(PROJECTS).drop(columns=["year"])
    with pytest.raises(Exception, match="year column"):
        write_report(tmp_path / "x.html", projects, compare="2022,2023", date="2024-03-01")
    assert not (tmp_path / "x.html").exists()


def test_pdf_district_page_draws_hostile_names_as_text(tmp_path):
    """A project named with TeX and control characters: the PDF is written, the name shown as text."""
    from test_static import pdf_unicode_text

    table = tmp_path / "hostile.csv"
    table.write_text("id,name,district,year,investment,lon,lat\n"
                     "h1,利润$\\frac{1}{0$项目\x07,330602,2023,10,120.64159,30.04524\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "--projects", str(table), "-o", str(tmp_path / "h.pdf"),
                                       "--date", "2024-03-01", "--by-district"])
    assert result.exit_code == 0, result.output
    assert set("利润项目$") <= pdf_unicode_text((tmp_path / "h.pdf").read_bytes())

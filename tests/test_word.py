"""The briefing as a Word document (maps.word, ``sxmap report -o briefing.docx``), read back
with python-docx, an independent reader of the file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sxmap.cli import main
from sxmap.geo.districts import DISTRICTS

DATA = Path(__file__).parent / "data"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def user_docx(tmp_path_factory):
    """A briefing on a user's table (lower bounds, approximate amounts, a project outside the city)."""
    path = tmp_path_factory.mktemp("word") / "briefing.docx"
    result = CliRunner().invoke(main, ["report", "--projects", str(DATA / "query_projects.csv"), "-o", str(path),
                                       "--date", "2024-03-01"])
    assert result.exit_code == 0, result.output
    return path


def _open(path):
    import docx

    return docx.Document(str(path))


def _east_asian(style_or_run_element) -> str | None:
    fonts = style_or_run_element.find(f"{W}rPr/{W}rFonts")
    return None if fonts is None else fonts.get(f"{W}eastAsia")


def test_docx_reads_back_with_headings_tables_and_maps(user_docx):
    doc = _open(user_docx)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    # a user's table has no enclaves map unless enclaves are given (the report describes the data given)
    assert headings[:3] == ["1. 各区县项目数", "2. 项目分布", "3. 各区县汇总"]
    assert "数据来源与说明" in headings and not any("飞地" in h for h in headings)
    assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[0].text == "绍兴市招商引资地图简报"
    assert any(p.text == "日期：2024年3月1日" for p in doc.paragraphs)
    assert any(p.text.startswith("名单共 11 个项目") for p in doc.paragraphs)
    assert len(doc.inline_shapes) == 2
    table = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0][:3] == ["区县", "项目数", "投资额（亿元）"]
    assert [r[0] for r in rows[1:7]] == [d.name_zh for d in DISTRICTS]
    assert rows[-1][0] == "合计" and rows[-1][1] == "11"
    by_name = {r[0]: r for r in rows}
    assert by_name["越城区"][2] == "≥ 180"  # q01 130 + q02 50 (a lower bound) + q03 none: a lower bound
    assert by_name["柯桥区"][2] == "≈ 140"  # 40 (approximate) + 100
    assert any(p.style.name == "List Bullet" and "下限" in p.text for p in doc.paragraphs)


def test_docx_tables_repeat_their_header_and_right_align_numbers(user_docx):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = _open(user_docx)
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.find(f"{W}trPr/{W}tblHeader") is not None  # repeated on each page
        assert all(r._tr.find(f"{W}trPr/{W}cantSplit") is not None for r in table.rows)
        assert table._tbl.tblPr.find(f"{W}tblW").get(f"{W}type") == "dxa"
    district = doc.tables[0]
    for row in district.rows:
        cells = row.cells
        assert cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
        assert all(c.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for c in cells[1:])
    assert all(run.bold for c in district.rows[-1].cells for run in c.paragraphs[0].runs)  # 合计


def test_docx_page_and_chinese_fonts(user_docx):
    from docx.shared import Cm

    doc = _open(user_docx)
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert abs(section.left_margin - Cm(2.8)) < Cm(0.01) and abs(section.top_margin - Cm(3.7)) < Cm(0.01)
    styles = doc.styles
    assert _east_asian(styles["Normal"].element) == "仿宋"
    assert _east_asian(styles["Heading 1"].element) == "黑体"
    assert _east_asian(styles["Title"].element) == "黑体"
    fonts = styles["Heading 1"].element.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsiaTheme") is None and fonts.get(f"{W}asciiTheme") is None  # theme fonts off
    cell_run = doc.tables[0].rows[1].cells[0].paragraphs[0].runs[0]
    assert _east_asian(cell_run._r) == "宋体"
    defaults = styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(f"{W}rFonts").get(f"{W}eastAsia") == "仿宋"
    assert defaults.find(f"{W}lang").get(f"{W}eastAsia") == "zh-CN"
    footer = section.footer._element
    assert footer.find(f".//{W}fldSimple").get(f"{W}instr") == "PAGE"


def test_docx_maps_are_300_dpi_and_as_wide_as_the_text(user_docx):
    from docx.shared import Cm
    from PIL import Image

    from sxmap.maps.word import TEXT_WIDTH_CM

    doc = _open(user_docx)
    for shape in doc.inline_shapes:
        assert abs(shape.width - Cm(TEXT_WIDTH_CM)) < Cm(0.01)
        blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        image = Image.open(io.BytesIO(blob))
        assert image.format == "PNG"
        dpi = image.width / (shape.width / 914400)  # EMU per inch
        assert 295 <= dpi <= 305, dpi


def test_docx_is_byte_identical_on_rerun_with_fixed_dates(tmp_path, user_docx):
    import datetime as dt

    again = tmp_path / "again.docx"
    result = CliRunner().invoke(main, ["report", "--projects", str(DATA / "query_projects.csv"), "-o", str(again),
                                       "--date", "2024-03-01"])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == user_docx.read_bytes()
    with zipfile.ZipFile(user_docx) as z:
        assert {i.date_time for i in z.infolist()} == {(2024, 3, 1, 0, 0, 0)}
        names = z.namelist()
    assert names[0] == "[Content_Types].xml" and "docProps/thumbnail.jpeg" not in names
    props = _open(user_docx).core_properties
    when = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
    assert props.created == when and props.modified == when
    assert props.author == "sxmap" and props.title == "绍兴市招商引资地图简报"


def test_docx_report_in_english_and_hostile_title(tmp_path):
    from sxmap.maps.report import write_report

    path = write_report(tmp_path / "en.docx", lang="en", date="2024-03-01", title="Briefing\x1b[31m\x07 <b>&")
    doc = _open(path)
    assert doc.paragraphs[0].text == "Briefing <b>&"  # the terminal escape and the bell gone
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][3] == "4. Per-district table"
    assert doc.tables[0].rows[0].cells[0].text == "District"


def test_report_refuses_other_extensions_naming_docx(tmp_path):
    result = CliRunner().invoke(main, ["report", "-o", str(tmp_path / "r.doc")])
    assert result.exit_code == 2
    assert ".docx" in result.output


#: The order CT_TblPr, CT_TcPr and CT_TrPr children must follow (ECMA-376 Part 1, §17.4): Word
#: reports a file with elements out of order, or twice, as damaged ("unreadable content").
TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
                "tblCaption", "tblDescription")
TC_PR_ORDER = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
               "textDirection", "tcFitText", "vAlign", "hideMark")


def _in_schema_order(element, order):
    names = [child.tag.split("}")[1] for child in element]
    return len(names) == len(set(names)) and names == sorted(names, key=order.index)


def test_docx_table_properties_follow_the_schema_order(user_docx):
    doc = _open(user_docx)
    for table in doc.tables:
        assert _in_schema_order(table._tbl.tblPr, TBL_PR_ORDER)
        for row in table.rows:
            for cell in row.cells:
                assert _in_schema_order(cell._tc.tcPr, TC_PR_ORDER)

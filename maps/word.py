"""The briefing as a Word document (``sxmap report -o briefing.docx``), written with python-docx.

The same contents as the HTML and PDF reports (:mod:`maps.report`): title, date, summary, the
three static maps, the per-district table, the city-wide figures, the source and its caveats.
Laid out as Chinese offices lay out their documents (GB/T 9704 in spirit, not to the letter):

- A4 portrait, margins 3.7 cm top, 3.5 cm bottom, 2.8 cm left, 2.6 cm right; page numbers
  "— 1 —" centred in the footer.
- East Asian fonts set explicitly (``w:eastAsia``, not theme fonts): body 仿宋, tables 宋体,
  title and headings 黑体; Latin letters and digits in Times New Roman / Arial.
- Headings in Word's built-in heading styles (``Heading 1``), so the navigation pane and an
  inserted table of contents find them.
- Maps as 300-dpi PNGs sized to the text width; tables as Word tables whose header row repeats
  on every page, rows that do not split across pages, numbers right-aligned ("≥"/"≈" kept).

Byte-identical re-runs: the core properties' dates are the briefing's date (midnight UTC), the
zip entries carry that date too, in a fixed order, and python-docx's template thumbnail (a
picture of some other document) is dropped.
"""

from __future__ import annotations

import datetime as _dt
import io

#: A4 portrait and the margins (cm): top, bottom, left, right.
PAGE_CM = (21.0, 29.7)
MARGINS_CM = (3.7, 3.5, 2.8, 2.6)
TEXT_WIDTH_CM = PAGE_CM[0] - MARGINS_CM[2] - MARGINS_CM[3]
MAP_HEIGHT_CM = 10.5
DPI = 300

#: (East Asian font, Latin font, size in points, bold) per role.
FONTS = {
    "body": ("仿宋", "Times New Roman", 14, False),  # 四号仿宋
    "table": ("宋体", "Times New Roman", 10.5, False),  # 五号宋体
    "caption": ("仿宋", "Times New Roman", 10.5, False),
    "title": ("黑体", "Arial", 22, False),  # 二号黑体
    "heading1": ("黑体", "Arial", 16, False),  # 三号黑体
    "heading2": ("黑体", "Arial", 14, False),  # 四号黑体
}
_STYLE_ROLES = {"Normal": "body", "Title": "title", "Heading 1": "heading1", "Heading 2": "heading2",
                "Caption": "caption", "List Bullet": "body"}


def _clean(text) -> str:
    """Text from the data as Word can hold it: no control characters (XML forbids most)."""
    from sxmap.geo.output import strip_control

    return strip_control(str(text if text is not None else ""), keep_newlines=False)


def set_run_fonts(rpr_owner, east_asian: str, latin: str) -> None:
    """Name the fonts of a style's or a run's ``w:rFonts`` explicitly (theme fonts removed, so
    Word and WPS use exactly these), with ``w:eastAsia`` for the Chinese characters."""
    from docx.oxml.ns import qn

    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _style_document(doc, lang: str) -> None:
    """Fonts, sizes and colours of the styles used; the language for spelling and line breaking."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr_default.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr_default.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    east, latin = FONTS["body"][:2]
    for key, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin), ("w:eastAsia", east)):
        fonts.set(qn(key), name)
    lang_el = rpr_default.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr_default.append(lang_el)
    lang_el.set(qn("w:val"), "en-US" if lang == "en" else "zh-CN")
    lang_el.set(qn("w:eastAsia"), "zh-CN")
    for name, role in _STYLE_ROLES.items():
        style = doc.styles[name]
        east, latin, size, bold = FONTS[role]
        set_run_fonts(style.element, east, latin)
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0x22, 0x22, 0x22) if role != "caption" else RGBColor(0x55, 0x55, 0x55)
    doc.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_ppr = doc.styles["Title"].element.get_or_add_pPr()
    border = title_ppr.find(qn("w:pBdr"))  # the template's Title has a blue rule under it
    if border is not None:
        title_ppr.remove(border)
    for name in ("Heading 1", "Heading 2"):
        doc.styles[name].paragraph_format.space_before = Pt(12)
        doc.styles[name].paragraph_format.space_after = Pt(6)
        doc.styles[name].paragraph_format.keep_with_next = True
    doc.styles["Normal"].paragraph_format.space_after = Pt(4)
    doc.styles["Normal"].paragraph_format.line_spacing = 1.25


def _page_setup(doc) -> None:
    """A4 portrait, the margins of :data:`MARGINS_CM`, page numbers in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    top, bottom, left, right = MARGINS_CM
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.footer_distance = Cm(2.0)
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    _add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


def _add_field(paragraph, instruction: str, shown: str) -> None:
    """A simple field (``PAGE``), with ``shown`` as its text until Word updates it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def add_table(doc, headers, rows, *, left=(0,), widths=None, total_row=False, font_role="table"):
    """A Word table: header row repeated on every page and bold, rows kept whole, columns not in
    ``left`` right-aligned (numbers), ``widths`` as fractions of the text width.

    Returns
    -------
    docx.table.Table
    """
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    n = len(headers)
    table = doc.add_table(rows=1 + len(rows), cols=n)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    east, latin, size, _ = FONTS[font_role]
    widths = widths or [1.0 / n] * n
    for column, fraction in zip(table.columns, widths):  # w:gridCol, which LibreOffice and WPS follow
        column.width = Cm(TEXT_WIDTH_CM * fraction)
    _set_table_width(table, TEXT_WIDTH_CM)
    for r, (row, values) in enumerate(zip(table.rows, [headers, *rows])):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))  # repeats at the top of every page
        bold = r == 0 or (total_row and r == len(rows))
        for c, (cell, value) in enumerate(zip(row.cells, values)):
            cell.width = Cm(TEXT_WIDTH_CM * widths[c])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.line_spacing = 1.0
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if c in left else WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(_clean(value))
            run.font.size = Pt(size)
            run.bold = bold
            set_run_fonts(run._r, east if not bold else FONTS["heading1"][0], latin)
        if r == 0:
            for cell in row.cells:
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:fill"), "F2F2F2")
                cell._tc.get_or_add_tcPr().append(shading)
    return table


def _set_table_width(table, width_cm: float) -> None:
    """``w:tblW`` in twentieths of a point (python-docx's template table has one, as "auto"; its
    fixed layout comes from ``table.autofit = False``, in the schema's place)."""
    from docx.oxml.ns import qn

    width = table._tbl.tblPr.find(qn("w:tblW"))
    width.set(qn("w:w"), str(round(width_cm / 2.54 * 1440)))
    width.set(qn("w:type"), "dxa")


def add_map(doc, static_map, caption: str | None = None) -> None:
    """A static map (:class:`maps.static.StaticMap`) as a 300-dpi PNG as wide as the text."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    png = static_map.to_bytes("png", dpi=DPI)
    static_map.close()
    doc.add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = caption is not None
    if caption:
        doc.add_paragraph(_clean(caption), style="Caption")


def map_size() -> str:
    """The size of a map in the document (text width × :data:`MAP_HEIGHT_CM`)."""
    return f"{TEXT_WIDTH_CM:g}x{MAP_HEIGHT_CM:g}cm"


def new_document(brief):
    """A python-docx ``Document`` with the page, the styles and the core properties set."""
    from docx import Document

    doc = Document()
    _drop_thumbnail(doc)
    _style_document(doc, brief.lang)
    _page_setup(doc)
    when = _dt.datetime(brief.date.year, brief.date.month, brief.date.day, tzinfo=_dt.timezone.utc)
    props = doc.core_properties
    props.title = _clean(brief.title)
    props.author = props.last_modified_by = "sxmap"
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    props.language = "en-US" if brief.lang == "en" else "zh-CN"
    props.comments = props.subject = props.keywords = props.category = ""
    return doc


def _drop_thumbnail(doc) -> None:
    """Remove python-docx's template thumbnail (a picture of another document)."""
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]


def fixed_zip(data: bytes, when: _dt.date) -> bytes:
    """Rewrite a zip (an OOXML package) with every entry dated ``when``, in the same order, with
    fixed attributes: the same document gives the same bytes."""
    import zipfile

    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(entry.filename), compresslevel=6)
    return out.getvalue()


def document_bytes(doc, when: _dt.date) -> bytes:
    """The document as .docx bytes, byte-identical for the same contents and date."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), when)


def report_docx(brief, font=None) -> bytes:
    """The briefing (:class:`maps.report.Briefing`) as .docx bytes.

    Parameters
    ----------
    brief : maps.report.Briefing
    font : str, pathlib.Path or maps.fonts.CJKFont, optional
        The CJK font the maps are drawn with (the document's own text names 仿宋/宋体/黑体,
        which Word and WPS take from the reader's system).

    Returns
    -------
    bytes
    """
    from sxmap.maps import static
    from sxmap.maps.fonts import font_context

    font = static._font(font)
    doc = new_document(brief)
    add_front_matter(doc, brief)
    with font_context(font):
        maps = static_maps_for(brief, font)
        for number, ((heading, caption), static_map) in enumerate(zip(_map_headings(brief), maps), 1):
            doc.add_heading(f"{number}. {_clean(heading)}", level=1)
            add_map(doc, static_map, caption)
    add_tables(doc, brief, first_number=len(maps) + 1)
    with font_context(font):
        docx_compare(doc, brief, font)
        docx_districts(doc, brief, font)
    add_caveats(doc, brief)
    return document_bytes(doc, brief.date)


def _map_headings(brief):
    from sxmap.maps.briefing import map_headings

    return map_headings(brief, townships=True)


def static_maps_for(brief, font) -> list:
    """The briefing's three static maps at the document's map size."""
    from sxmap.maps.briefing import static_maps

    return static_maps(brief, map_size(), font)


def add_front_matter(doc, brief) -> None:
    """Title, date and summary."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from sxmap.maps.briefing import _t, format_date

    doc.add_paragraph(_clean(brief.title), style="Title")
    date = doc.add_paragraph(_t(brief.lang, "日期：", "Date: ") + format_date(brief.date, brief.lang))
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for sentence in brief.summary:
        paragraph = doc.add_paragraph(_clean(sentence))
        if brief.lang != "en":
            paragraph.paragraph_format.first_line_indent = doc.styles["Normal"].font.size * 2  # 首行缩进两字


def add_tables(doc, brief, first_number: int) -> None:
    """The per-district table, the per-township one (where addresses name townships) and the
    city-wide figures, as Word tables."""
    from sxmap.maps.briefing import _t, city_stats_headers, table_rows, township_rows

    lang = brief.lang
    doc.add_heading(f"{first_number}. {_t(lang, '各区县汇总', 'Per-district table')}", level=1)
    headers, rows = table_rows(brief)
    add_table(doc, headers, rows, widths=(0.2, 0.12, 0.22, 0.15, 0.15, 0.16), total_row=True)
    t_headers, t_rows = township_rows(brief)
    if t_rows:
        first_number += 1
        doc.add_heading(f"{first_number}. {_t(lang, '各乡镇街道汇总', 'Per-township table')}", level=1)
        add_table(doc, t_headers, t_rows, left=(0, 1), widths=(0.18, 0.26, 0.14, 0.24, 0.18), total_row=True)
    if brief.city_stats:
        doc.add_heading(f"{first_number + 1}. {_t(lang, '全市统计（报道口径）', 'City-wide figures (as reported)')}",
                        level=1)
        add_table(doc, city_stats_headers(lang), [list(r) for r in brief.city_stats], left=(0, 1, 3),
                  widths=(0.12, 0.3, 0.18, 0.4))


def add_caveats(doc, brief) -> None:
    """The source and caveats as a bulleted list, and the line naming sxmap."""
    from importlib.metadata import PackageNotFoundError, version

    from sxmap.maps.briefing import _t

    doc.add_heading(_t(brief.lang, "数据来源与说明", "Source and caveats"), level=1)
    for caveat in brief.caveats:
        doc.add_paragraph(_clean(caveat), style="List Bullet")
    try:
        ver = version("sxmap")
    except PackageNotFoundError:  # pragma: no cover - a checkout without install
        ver = "dev"
    doc.add_paragraph(_t(brief.lang, f"由 sxmap {ver} 生成", f"Made with sxmap {ver}"), style="Caption")


# --------------------------------------------------------------------------------------------
# The optional sections (maps.briefing_sections): year on year, one page per district


def docx_compare(doc, brief, font) -> None:
    """The year-on-year section of the Word document: the figure and the change table."""
    from docx.shared import Pt

    from sxmap.geo.compare import compare_note, compare_rows
    from sxmap.maps.briefing_sections import _compare_value, compare_heading
    from sxmap.maps.compare import compare_figure

    if brief.compare is None:
        return
    doc.add_heading(compare_heading(brief), level=1)
    figure = compare_figure(brief.projects, brief.compare.attrs["periods"], _compare_value(brief), lang=brief.lang,
                            size=f"{TEXT_WIDTH_CM:g}x7.5cm", font=font, source=brief.source)
    add_map(doc, figure)
    headers, rows = compare_rows(brief.compare, brief.lang)
    table = add_table(doc, headers, rows, total_row=True, widths=(0.14, 0.1, 0.1, 0.09, 0.14, 0.14, 0.15, 0.14))
    for row in table.rows:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
    doc.add_paragraph(compare_note(brief.compare, brief.lang), style="Caption")


def docx_districts(doc, brief, font) -> None:
    """One page per district in the Word document: heading, map, places, projects table."""
    from docx.enum.text import WD_BREAK

    from sxmap.maps.briefing_sections import district_figure, district_heading, place_lines, project_rows


    for page in brief.districts:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(district_heading(brief, page), level=1)
        add_map(doc, district_figure(brief, page, f"{TEXT_WIDTH_CM:g}x10cm", font))
        for line in place_lines(brief, page):
            doc.add_paragraph(line)
        headers, rows = project_rows(brief, page)
        if rows:
            add_table(doc, headers, rows, left=(0, 1, 3, 5), widths=(0.36, 0.14, 0.08, 0.1, 0.16, 0.16))

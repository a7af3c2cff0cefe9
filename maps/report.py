"""A one-file briefing (简报): maps, the per-district table, the source and its caveats.

:func:`write_report` writes ``report.html`` or ``report.pdf`` (by the extension):

- **HTML** — one self-contained file: the three interactive maps are embedded as fragments
  (:mod:`maps.embed`; Leaflet, jQuery and sxmap's script once for all three), no tiles, so it
  opens offline; the table is an HTML table; every text from the data is escaped.
- **PDF** — A4 landscape pages drawn with matplotlib (:class:`~matplotlib.backends.backend_pdf.PdfPages`):
  a first page with the summary, the table, the city-wide figures and the caveats, then the
  static maps (:mod:`maps.static`). The CJK font is embedded (:mod:`maps.fonts`).

Contents, in Chinese (``lang="zh"``) or English: title, date (today unless given, so that a
report can be rebuilt byte for byte), a summary computed from the data, the choropleth, the
projects map, the enclaves map, the per-district table (:func:`geo.query.stats`), the city-wide
figures of the bundled district statistics, and the data source with its caveats (amounts are
lower bounds; many locations are only a district's or a platform's).
"""

from __future__ import annotations

from pathlib import Path

from sxmap.geo.errors import UsageError
from sxmap.maps.briefing import (  # noqa: F401 - re-exported: the content of the briefing lives there
    A4_LANDSCAPE_CM, Briefing, DATUM_ATTR, DEFAULT_VALUE, METRIC_LABELS, _e,
    _t, _text_page, build_briefing, city_stats_headers, drawn_enclaves, format_date,
    map_headings, static_maps, table_rows, township_rows,
)

REPORT_FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}


# --------------------------------------------------------------------------------------------
# HTML

_CSS = """
.sx-report { font: 15px/1.6 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif;
  color: #222; max-width: 980px; margin: 0 auto; padding: 24px; }
.sx-report h1 { font-size: 26px; margin: 0 0 4px; }
.sx-report h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sx-report .sx-date { color: #666; margin: 0 0 16px; }
.sx-report .sx-summary p { margin: 4px 0; }
.sx-report figure { margin: 8px 0 4px; }
.sx-report figcaption { color: #666; font-size: 13px; margin-top: 4px; }
.sx-report table.sx-table { border-collapse: collapse; width: 100%; font-size: 14px; }
.sx-report .sx-table th, .sx-report .sx-table td { border-bottom: 1px solid #e3e3e3; padding: 5px 8px; text-align: right; }
.sx-report .sx-table th:first-child, .sx-report .sx-table td:first-child { text-align: left; }
.sx-report .sx-table tr.sx-total td { font-weight: 600; border-top: 2px solid #999; }
.sx-report .sx-city th:nth-child(2), .sx-report .sx-city td:nth-child(2),
.sx-report .sx-city th:nth-child(4), .sx-report .sx-city td:nth-child(4) { text-align: left; }
.sx-report .sx-city td:nth-child(4) { color: #666; font-size: 13px; }
.sx-report .sx-city td:nth-child(1), .sx-report .sx-city td:nth-child(3) { white-space: nowrap; }
.sx-report .sx-townships th:nth-child(2), .sx-report .sx-townships td:nth-child(2) { text-align: left; }
.sx-report .sx-note { color: #666; font-size: 13px; }
.sx-report .sx-caveats li { margin: 4px 0; }
.sx-report footer { color: #888; font-size: 12px; margin-top: 32px; }
@media print { .sx-report { max-width: none; padding: 0; } .sx-report figure { break-inside: avoid; } }
"""


def _html_maps(brief: Briefing, height: str):
    """(shared assets, [(heading, caption, markup)]) of the three maps."""
    from sxmap.maps.embed import fragment_parts
    from sxmap.maps.html import choropleth_map, enclaves_map, markers_map

    lang = brief.lang
    o = brief.options
    built = [choropleth_map(brief.projects, value=brief.value, scheme=o["scheme"], k=o["k"], bins=o["bins"],
                            tiles="none", lang=lang, title=None),
             markers_map(brief.projects, tiles="none", lang=lang)]
    if drawn_enclaves(brief.enclaves):  # a user's table has none unless given
        built.append(enclaves_map(brief.enclaves, tiles="none", lang=lang))
    maps = [(heading, caption, m) for (heading, caption), m in zip(map_headings(brief), built)]
    shared, parts = [], []
    for heading, caption, m in maps:
        assets, own = fragment_parts(m)
        for block in assets:
            if block not in shared:
                shared.append(block)
        markup = (f'<div class="sxmap-fragment" style="position:relative;width:100%;height:{height};">\n'
                  f"{own}\n</div>")
        parts.append((heading, caption, markup))
    return shared, parts


def report_html(brief: Briefing, map_height: str = "520px") -> str:
    """The briefing as one self-contained HTML page (maps as embedded fragments, no tiles)."""
    from importlib.metadata import PackageNotFoundError, version

    lang = brief.lang
    shared, maps = _html_maps(brief, map_height)
    extra = _html_extra_sections(brief, shared, map_height)
    headers, rows = table_rows(brief)
    out = ["<!DOCTYPE html>", f'<html lang="{"en" if lang == "en" else "zh-CN"}">', "<head>",
           '<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(brief.title)}</title>", f"<style>{_CSS}</style>", *shared, "</head>", "<body>",
           '<main class="sx-report">', f"<h1>{_e(brief.title)}</h1>",
           f'<p class="sx-date">{_e(_t(lang, "日期：", "Date: ") + format_date(brief.date, lang))}</p>',
           '<section class="sx-summary">', *(f"<p>{_e(s)}</p>" for s in brief.summary), "</section>"]
    for number, (heading, caption, markup) in enumerate(maps, 1):
        out += [f"<section><h2>{number}. {_e(heading)}</h2>", "<figure>", markup,
                f"<figcaption>{_e(caption)}</figcaption>", "</figure></section>"]
    n = len(maps) + 1
    out += [f"<section><h2>{n}. {_e(_t(lang, '各区县汇总', 'Per-district table'))}</h2>",
            '<table class="sx-table"><thead><tr>', *(f"<th>{_e(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = ' class="sx-total"' if i == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table></section>")
    t_headers, t_rows = township_rows(brief)
    if t_rows:
        n += 1
        out += [f"<section><h2>{n}. {_e(_t(lang, '各乡镇街道汇总', 'Per-township table'))}</h2>",
                '<table class="sx-table sx-townships"><thead><tr>', *(f"<th>{_e(h)}</th>" for h in t_headers),
                "</tr></thead><tbody>"]
        for i, row in enumerate(t_rows):
            cls = ' class="sx-total"' if i == len(t_rows) - 1 else ""
            out.append(f"<tr{cls}>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>")
        out.append("</tbody></table>")
        note = _t(lang, "乡镇街道取自项目地址；地图上的位置为乡镇驻地（GeoNames、Vonng/adcode，CC BY 4.0）。",
                  "Townships come from the projects' addresses; on the maps they are drawn at their seats "
                  "(GeoNames, Vonng/adcode, CC BY 4.0).")
        out.append(f'<p class="sx-note">{_e(note)}</p></section>')
    if brief.city_stats:
        out += [f"<section><h2>{n + 1}. {_e(_t(lang, '全市统计（报道口径）', 'City-wide figures (as reported)'))}</h2>",
                '<table class="sx-table sx-city"><thead><tr>',
                *(f"<th>{_e(h)}</th>" for h in city_stats_headers(lang)), "</tr></thead><tbody>",
                *("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in brief.city_stats),
                "</tbody></table></section>"]
    out += extra
    out += [f'<section class="sx-caveats"><h2>{_e(_t(lang, "数据来源与说明", "Source and caveats"))}</h2><ul>',
            *(f"<li>{_e(c)}</li>" for c in brief.caveats), "</ul></section>"]
    try:
        ver = version("sxmap")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        ver = "dev"
    out += [f"<footer>{_e(_t(lang, f'由 sxmap {ver} 生成', f'Made with sxmap {ver}'))}</footer>",
            "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_extra_sections(brief: Briefing, shared: list, height: str) -> list[str]:
    """The optional sections (year on year, per-district pages) of the HTML report."""
    from sxmap.maps.briefing_sections import html_compare, html_districts

    return html_compare(brief, shared, height) + html_districts(brief)


def _pdf_extra_pages(brief: Briefing, size, font) -> list:
    """The optional pages (year on year, per-district pages) of the PDF report."""
    from sxmap.maps.briefing_sections import pdf_compare_figures, pdf_district_pages

    return pdf_compare_figures(brief, size, font) + pdf_district_pages(brief, size, font)


def report_pdf(brief: Briefing, font=None) -> bytes:
    """The briefing as PDF bytes: a text page, then the three static maps (A4 landscape)."""
    import io

    from matplotlib.backends.backend_pdf import PdfPages

    from sxmap.maps import static
    from sxmap.maps.fonts import font_context

    font = static._font(font)
    size_in = (A4_LANDSCAPE_CM[0] / 2.54, A4_LANDSCAPE_CM[1] / 2.54)
    size = f"{A4_LANDSCAPE_CM[0]}x{A4_LANDSCAPE_CM[1]}cm"
    buffer = io.BytesIO()
    with font_context(font):
        figures = [_text_page(brief, font, size_in), *(m.figure for m in static_maps(brief, size, font)),
                   *_pdf_extra_pages(brief, size, font)]
        metadata = {"Title": brief.title, "Creator": "sxmap (matplotlib)", "CreationDate": None, "ModDate": None}
        with PdfPages(buffer, metadata=metadata) as pdf:
            for fig in figures:
                pdf.savefig(fig, facecolor="white")
    for fig in figures:
        fig.clear()
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Writing


def report_format(path) -> str:
    """``html``, ``pdf`` or ``docx`` from the output's extension."""
    fmt = REPORT_FORMATS.get(Path(str(path)).suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: a report is written as .html, .pdf or .docx")
    return fmt


def write_report(path, projects=None, *, overwrite: bool = False, inputs=(), font=None, compare=None,
                 by_district: bool = False, **options) -> Path:
    """Build the briefing and write it to ``path`` (``.html``, ``.pdf`` or ``.docx``), atomically.

    Parameters
    ----------
    path : str or pathlib.Path
    projects : GeoDataFrame, optional
        The canonical projects (filtered as wanted); default: the bundled ones.
    overwrite : bool
        Replace an existing file.
    inputs : sequence of paths
        Input files (never overwritten).
    font : str or pathlib.Path, optional
        CJK font file for the PDF (default: found by :func:`maps.fonts.cjk_font`).
    compare : str or (int, int), optional
        ``"2022,2023"``: add a year-on-year section (:mod:`maps.briefing_sections`).
    by_district : bool
        Add one page per district (its map, projects, platforms, enclaves, townships).
    **options
        Passed to :func:`build_briefing` (``lang``, ``date``, ``title``, ``source``, ``value``,
        ``scheme``, ``k``, ``bins``, ``enclaves``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> write_report("out/report.html", date="2024-03-01")              # doctest: +SKIP
    >>> write_report("out/briefing.pdf", lang="en", overwrite=True)      # doctest: +SKIP
    """
    from sxmap.geo.output import check_output_path, write_bytes, write_text

    fmt = report_format(path)
    check_output_path(path, overwrite=overwrite, inputs=inputs, fmt=fmt)  # fail before the work
    brief = build_briefing(projects, **options)
    _attach_sections(brief, compare, by_district)
    if fmt == "html":
        return write_text(path, report_html(brief), overwrite=overwrite, inputs=inputs, fmt=fmt)
    if fmt == "docx":
        from sxmap.maps.word import report_docx

        return write_bytes(path, report_docx(brief, font=font), overwrite=overwrite, inputs=inputs, fmt=fmt)
    return write_bytes(path, report_pdf(brief, font=font), overwrite=overwrite, inputs=inputs, fmt=fmt)


def _attach_sections(brief: Briefing, compare, by_district: bool) -> None:
    from sxmap.maps.briefing_sections import attach_compare, attach_districts

    attach_compare(brief, compare)
    if by_district:
        attach_districts(brief)


#: The files :func:`write_demo_reports` writes.
DEMO_REPORT_FILES = ("choropleth.png", "choropleth.svg", "report.html")


def write_demo_reports(out_dir="out", overwrite: bool = True, date=None) -> list[Path]:
    """What ``make demo`` adds to the HTML maps: ``choropleth.png``, ``choropleth.svg`` and
    ``report.html`` in ``out_dir``, from the bundled data.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Created if missing.
    overwrite : bool
        Replace earlier demo files (default True).
    date : str, optional
        The report's date (default today).

    Returns
    -------
    list of pathlib.Path
    """
    from sxmap.maps.static import choropleth_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figure = choropleth_figure(None, value=DEFAULT_VALUE)  # the bundled data, named as such
    written = [figure.save(out / "choropleth.png", overwrite=overwrite),
               figure.save(out / "choropleth.svg", overwrite=overwrite)]
    figure.close()
    written.append(write_report(out / "report.html", None, overwrite=overwrite, date=date))
    return written

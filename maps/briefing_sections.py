"""Optional sections of the briefing (:mod:`maps.report`): year on year (``--compare``) and one
page per district (``--by-district``), for the HTML, PDF and Word reports.

Each section is computed once (:func:`attach_compare`, :func:`attach_districts`) onto the
:class:`~maps.report.Briefing`, then rendered by the ``html_*``, ``pdf_*`` and ``docx_*``
functions here, which :mod:`maps.report` and :mod:`maps.word` call where the sections go.
"""

from __future__ import annotations

import html as html_lib


def _t(lang, zh, en):
    return en if lang == "en" else zh


def _e(text) -> str:
    return html_lib.escape(str(text), quote=True)


# --------------------------------------------------------------------------------------------
# Year on year


def attach_compare(brief, periods) -> None:
    """Compute the year-on-year table of ``brief.projects`` for ``periods`` ("2022,2023")."""
    from sxmap.geo.compare import compare_periods

    brief.compare = compare_periods(brief.projects, periods) if periods else None


def compare_heading(brief) -> str:
    a, b = brief.compare.attrs["periods"]
    return _t(brief.lang, f"同比变化（{a}→{b}）", f"Year on year ({a}→{b})")


def _compare_value(brief) -> str:
    return "investment" if brief.value == "investment" else "count"


def html_compare(brief, shared: list, height: str) -> list[str]:
    """The year-on-year section: the stepping map (a fragment; its assets merged into
    ``shared``), the change table and how to read it."""
    from sxmap.geo.compare import compare_note, compare_rows
    from sxmap.maps.compare import compare_map
    from sxmap.maps.embed import fragment_parts

    if brief.compare is None:
        return []
    m = compare_map(brief.projects, brief.compare.attrs["periods"], _compare_value(brief), tiles="none",
                    lang=brief.lang)
    assets, own = fragment_parts(m)
    shared.extend(block for block in assets if block not in shared)
    headers, rows = compare_rows(brief.compare, brief.lang)
    out = [f"<section><h2>{_e(compare_heading(brief))}</h2>", "<figure>",
           f'<div class="sxmap-fragment" style="position:relative;width:100%;height:{height};">\n{own}\n</div>',
           f"<figcaption>{_e(_t(brief.lang, '◀ ▶ 逐期查看；变化图以零为中心（减少为红，增加为蓝）。', '◀ ▶ steps through the periods; the change map is centred on zero (decrease red, increase blue).'))}</figcaption>",
           "</figure>", '<table class="sx-table"><thead><tr>', *(f"<th>{_e(h)}</th>" for h in headers),
           "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = ' class="sx-total"' if i == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>")
    out += ["</tbody></table>", f"<p>{_e(compare_note(brief.compare, brief.lang))}</p>", "</section>"]
    return out


def pdf_compare_figures(brief, size, font) -> list:
    """The year-on-year PDF pages: the three-panel figure, then the change table."""
    from sxmap.maps.compare import compare_figure

    if brief.compare is None:
        return []
    figure = compare_figure(brief.projects, brief.compare.attrs["periods"], _compare_value(brief), lang=brief.lang,
                            size=size, font=font, source=brief.source)
    return [figure.figure, _pdf_compare_table(brief, size)]


def _pdf_compare_table(brief, size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sxmap.geo.compare import compare_note, compare_rows
    from sxmap.maps.briefing import _pdf_table
    from sxmap.maps.static import _wrap, parse_size

    width, height = parse_size(size)
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    margin = 0.55
    fig.text(margin, height - margin, compare_heading(brief), fontsize=14, fontweight="bold", va="top",
             transform=fig.dpi_scale_trans)
    headers, rows = compare_rows(brief.compare, brief.lang)
    y = _pdf_table(fig, height - margin - 0.45, margin, width, height, headers, rows, total_row=True,
                   widths=(0.14, 0.1, 0.1, 0.09, 0.14, 0.14, 0.15, 0.14), row_h=0.26)
    for n, line in enumerate(_wrap(compare_note(brief.compare, brief.lang), 9, (width - 2 * margin) * 72)):
        fig.text(margin, y - 0.3 - n * 0.18, line, fontsize=9, color="#333333", va="top",
                 transform=fig.dpi_scale_trans)
    return _literal_texts(fig)


# --------------------------------------------------------------------------------------------
# One page per district


def attach_districts(brief) -> None:
    """Per district (adcode order): its projects, platforms and enclaves, and townships."""
    from sxmap.geo.districts import DISTRICTS
    from sxmap.geo.projects import read_bundled
    from sxmap.geo.query import add_located, project_townships

    projects = add_located(brief.projects) if len(brief.projects) else brief.projects
    platforms = add_located(read_bundled("platforms"))
    enclaves = brief.enclaves
    if enclaves is None:  # a user's table without enclaves: the district pages list none
        import pandas as pd

        enclaves = pd.DataFrame({"name": [], "home_district": [], "host_adcode": []})
    townships = project_townships(projects) if len(projects) else None
    pages = []
    for d in DISTRICTS:
        mine = projects[projects["district_located"].fillna(0).astype(int) == d.adcode] if len(projects) else projects
        home = enclaves["home_district"] if "home_district" in enclaves.columns else None
        host = enclaves["host_adcode"] if "host_adcode" in enclaves.columns else None
        own_enclaves = enclaves[(home.astype(str) == str(d.adcode)) | (host.astype(str) == str(d.adcode))] \
            if home is not None and host is not None else enclaves.iloc[0:0]
        names = sorted({t for t in townships.loc[mine.index, "township"] if t}) if townships is not None else []
        pages.append({"district": d, "projects": mine,
                      "platforms": platforms[platforms["district_located"].fillna(0).astype(int) == d.adcode],
                      "enclaves": own_enclaves, "townships": names,
                      "n_township_unknown": int(sum(1 for t in townships.loc[mine.index, "township"] if not t))
                      if townships is not None else 0})
    brief.districts = pages


def district_heading(brief, page) -> str:
    d = page["district"]
    return _t(brief.lang, f"区县：{d.name_zh}", f"District: {d.name_en}")


def project_rows(brief, page) -> tuple[list[str], list[list[str]]]:
    """A district's projects: name, industry, year, stage, amount, location precision."""
    from sxmap.geo.query import amount_text
    from sxmap.maps.style import precision_label

    lang = brief.lang
    headers = [_t(lang, "项目", "Project"), _t(lang, "产业", "Industry"), _t(lang, "年份", "Year"),
               _t(lang, "阶段", "Stage"), _t(lang, "投资额（亿元）", "Investment (100 m yuan)"),
               _t(lang, "定位", "Located to")]
    rows = []
    for _, r in page["projects"].iterrows():
        year = r.get("year")
        rows.append([str(r.get("name", "") or ""), str(r.get("industry", "") or ""),
                     "" if year is None or year != year else str(int(year)), str(r.get("stage", "") or ""),
                     amount_text(r.get("investment"), r.get("investment_bound", "")) or "—",
                     precision_label(str(r.get("location_precision", "") or "site"), lang)])
    return headers, rows


def place_lines(brief, page) -> list[str]:
    """Platforms, enclaves and townships of a district, one sentence each."""
    lang = brief.lang
    platforms = [str(n) for n in page["platforms"]["name"]]
    enclaves = [str(n) for n in page["enclaves"]["name"]]
    lines = [_t(lang, "产业平台：", "Platforms: ") + (_t(lang, "、", ", ").join(platforms) or _t(lang, "无", "none")),
             _t(lang, "飞地：", "Enclaves: ") + (_t(lang, "、", ", ").join(enclaves) or _t(lang, "无", "none"))]
    if page["townships"]:
        lines.append(_t(lang, "乡镇街道（据项目地址）：", "Townships (from the addresses): ")
                     + _t(lang, "、", ", ").join(page["townships"])
                     + (_t(lang, f"；另有 {page['n_township_unknown']} 个项目地址未到乡镇",
                           f"; {page['n_township_unknown']} project(s) without one") if page["n_township_unknown"] else ""))
    else:
        lines.append(_t(lang, "乡镇街道：未知（项目表无地址或地址未到乡镇）",
                        "Townships: unknown (no address, or none down to a township)"))
    return lines


def district_figure(brief, page, size, font):
    """A district at its own scale: the district, its neighbours in grey, its projects (colour
    by industry, area by amount) and platforms (squares, named)."""
    from sxmap.maps import static
    from sxmap.maps.fonts import font_context

    d = page["district"]
    lang = brief.lang
    with font_context(font):
        p = static._Page(size, font)
        p.title(d.name_zh + _t(lang, "招商项目", "") if lang != "en" else f"{d.name_en}: projects",
                _t(lang, f"共 {len(page['projects'])} 个项目", f"{len(page['projects'])} projects"))
        p.source(static._source_lines(static.city_crs(), lang, brief.source))
        radii, precision, sections = static._projects_layer(page["projects"], p, lang, max_radius_pt=12 * p.scale)
        districts = static._districts_projected(static.city_crs())
        own = districts[districts["adcode"].astype(int) == d.adcode]
        ax = p.layout(own.total_bounds, sections, static.city_crs())
        districts.plot(ax=ax, color="#e6e6e6", linewidth=0, zorder=1)
        own.plot(ax=ax, color="#fbfbf5", linewidth=0, zorder=1.5)
        static._outline(ax, districts, p, edge="#bdbdbd", width=0.6)
        own.boundary.plot(ax=ax, color="#404040", linewidth=1.2 * p.scale, zorder=4)
        drawn = static._draw_projects(ax, page["projects"], p, radii, precision)
        _draw_platforms(ax, page["platforms"], p, lang)
        static._district_labels(ax, own, p, lang, avoid=drawn, colour="#444444")
        return static._finish(p)


def _draw_platforms(ax, platforms, page, lang):
    from sxmap.maps import static

    if not len(platforms):
        return
    x, y = static._to_xy(platforms["lon"].to_numpy(float), platforms["lat"].to_numpy(float), page.crs)
    ax.scatter(x, y, marker="s", s=(5 * page.scale) ** 2, facecolor="#555555", edgecolor="white", zorder=7,
               linewidths=0.5)
    spots = {}  # platforms drawn at one point (their district's anchor) share one label
    for xi, yi, name in zip(x, y, platforms["name"]):
        spots.setdefault((round(xi), round(yi)), []).append(str(name))
    for (xi, yi), names in spots.items():
        more = len(names) - 1
        text = names[0] if not more else names[0] + _t(lang, f" 等 {len(names)} 个平台", f" and {more} more")
        static._label(ax, xi, yi - 7 * page.scale * page.metres_per_pt, text, page, ha="center", va="top",
                      fontsize=page.pt(5.6), color="#333333", zorder=8)


def html_districts(brief) -> list[str]:
    """The per-district sections of the HTML report: map (a PNG inline), places, projects table."""
    import base64

    from sxmap.maps import static

    if not brief.districts:
        return []
    font = static._font(None)
    out = []
    for page in brief.districts:
        figure = district_figure(brief, page, "16x11cm", font)
        png = base64.b64encode(figure.to_bytes("png", dpi=110)).decode("ascii")
        figure.close()
        headers, rows = project_rows(brief, page)
        out += [f'<section class="sx-district"><h2>{_e(district_heading(brief, page))}</h2>',
                f'<figure><img alt="{_e(district_heading(brief, page))}" style="width:100%;height:auto" '
                f'src="data:image/png;base64,{png}"></figure>',
                *(f"<p>{_e(line)}</p>" for line in place_lines(brief, page))]
        if rows:
            left = ' style="text-align:left"'
            cell = lambda c, i: f"<td{left if i in (0, 1, 3, 5) else ''}>{_e(c)}</td>"  # noqa: E731
            out += ['<table class="sx-table sx-projects"><thead><tr>',
                    *(f"<th{left if i in (0, 1, 3, 5) else ''}>{_e(h)}</th>" for i, h in enumerate(headers)),
                    "</tr></thead><tbody>",
                    *("<tr>" + "".join(cell(c, i) for i, c in enumerate(row)) + "</tr>" for row in rows),
                    "</tbody></table>"]
        out.append("</section>")
    return out


def pdf_district_pages(brief, size, font) -> list:
    """One PDF page per district: its map beside the places, then its projects table below."""
    if not brief.districts:
        return []
    return [_pdf_district_page(brief, page, size, font) for page in brief.districts]


#: Share of a PDF district page the map takes (at the bottom); heading, places and table above.
PDF_MAP_SHARE = 0.6


def _pdf_district_page(brief, page, size, font):
    """The district's map drawn on the lower part of the page (everything the static map places
    in inches stays where it is; its axes, placed in fractions of the figure, are rescaled),
    heading, places and projects table above it."""
    from sxmap.maps.briefing import _pdf_table
    from sxmap.maps.static import _wrap, parse_size

    width, height = parse_size(size)
    map_height = height * PDF_MAP_SHARE
    figure = district_figure(brief, page, (width, map_height), font)
    fig = figure.figure
    limits = [(ax, ax.get_position(), ax.get_xlim(), ax.get_ylim()) for ax in fig.axes]
    fig.set_size_inches(width, height)
    for ax, box, xlim, ylim in limits:
        ax.set_position((box.x0, box.y0 * PDF_MAP_SHARE, box.width, box.height * PDF_MAP_SHARE))
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
    margin = 0.55
    y = height - margin
    fig.text(margin, y, district_heading(brief, page), fontsize=14, fontweight="bold", va="top",
             transform=fig.dpi_scale_trans)
    y -= 0.38
    for line in place_lines(brief, page):
        for part in _wrap(line, 9, (width - 2 * margin) * 72):
            fig.text(margin, y, part, fontsize=9, va="top", color="#333333", transform=fig.dpi_scale_trans)
            y -= 0.18
    headers, rows = project_rows(brief, page)
    room = y - 0.1 - map_height
    if rows and room > 0.4:
        row_h = 0.2
        fits = max(1, int(room / row_h) - 1)
        shown = rows[:fits]
        _pdf_table(fig, y - 0.05, margin, width, height, headers, shown, left=(0, 1, 3, 5),
                   widths=(0.38, 0.14, 0.07, 0.09, 0.14, 0.18), row_h=row_h, fontsize=8)
        if len(rows) > len(shown):
            fig.text(width - margin, map_height, _t(brief.lang, f"另有 {len(rows) - len(shown)} 个项目，见 Word/HTML 版",
                                                    f"{len(rows) - len(shown)} more in the Word/HTML version"),
                     fontsize=8, color="#666666", ha="right", transform=fig.dpi_scale_trans)
    return _literal_texts(fig)


def _literal_texts(fig):
    """Names from the data are text, never mathtext: "$…$" in a project's name is drawn as written
    (and a stray "$\\frac{" cannot stop the PDF); control characters are removed."""
    from matplotlib.text import Text

    from sxmap.geo.output import strip_control

    texts = list(fig.findobj(Text))
    texts += [cell.get_text() for ax in fig.axes for table in ax.tables for cell in table.get_celld().values()]
    for text in texts:  # (a table's cell texts are not among the figure's children)
        text.set_parse_math(False)
        value = text.get_text()
        if value and strip_control(value, keep_newlines=True) != value:
            text.set_text(strip_control(value, keep_newlines=True))
    return fig



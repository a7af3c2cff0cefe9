"""The demonstration output that ``make demo`` (``sxmap demo``) writes from the bundled data."""

from __future__ import annotations

from pathlib import Path

from sxmap.maps.report import DEMO_REPORT_FILES

#: The interactive maps, then the district files, then the print maps and briefing.
HTML_FILES = ("choropleth.html", "markers.html", "enclaves.html", "map.html")
DISTRICT_FILES = ("districts.geojson", "districts.csv")
DEMO_FILES = HTML_FILES + DISTRICT_FILES + DEMO_REPORT_FILES


def _demo_texts(lang: str, tiles: str, tianditu_key) -> list[str]:
    """The HTML maps and district files of the demo, in HTML_FILES + DISTRICT_FILES order."""
    from sxmap.geo.boundaries import DISTRICT_COLUMNS, district_records, load_districts
    from sxmap.geo.projects import load_projects, read_bundled
    from sxmap.geo.tables import render
    from sxmap.maps.html import choropleth_map, combined_map, enclaves_map, markers_map, render_html

    projects = load_projects()
    platforms, enclaves = read_bundled("platforms"), read_bundled("enclaves")
    basemap = {"tiles": tiles, "lang": lang, "tianditu_key": tianditu_key}
    maps = [
        # coloured by count, not investment: the article states an amount for one project only
        choropleth_map(projects, value="count", tiles="none", lang=lang),
        markers_map(projects, platforms=platforms, **basemap),
        enclaves_map(enclaves, **basemap),
        combined_map(projects, platforms, enclaves, value="count", **basemap),
    ]
    texts = [render_html(m) for m in maps]
    texts.append(render(load_districts(), "geojson", list(DISTRICT_COLUMNS)))
    texts.append(render(district_records(), "csv", list(DISTRICT_COLUMNS)))
    return texts


def write_demo(output_dir, overwrite: bool = False, lang: str = "zh", tiles: str = "osm", tianditu_key=None,
               date=None) -> list[Path]:
    """Write the demo maps, district files, print maps and briefing into ``output_dir``.

    Every target is checked before anything is written, so a refusal (a file exists and
    ``overwrite`` is false) leaves the folder as it was.

    Parameters
    ----------
    output_dir : str or pathlib.Path
        Created if missing.
    overwrite : bool
        Replace files that exist.
    lang : {"zh", "en"}
        Language of the HTML maps.
    tiles : str
        Basemap of the markers, enclaves and combined maps (the choropleth has none).
    tianditu_key : str, optional
        Key for ``tiles="tianditu"``.
    date : str, optional
        Date printed on the briefing (default: today).

    Returns
    -------
    list of pathlib.Path
        The files written, in :data:`DEMO_FILES` order.

    Examples
    --------
    >>> write_demo("out", overwrite=True)   # doctest: +SKIP
    """
    from sxmap.geo.output import check_output_path, write_text
    from sxmap.maps.report import write_demo_reports

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = [check_output_path(output_dir / name, overwrite=overwrite) for name in DEMO_FILES]
    for path, text in zip(paths, _demo_texts(lang, tiles, tianditu_key)):
        write_text(path, text, overwrite=overwrite)
    write_demo_reports(output_dir, overwrite=True, date=date)
    return paths

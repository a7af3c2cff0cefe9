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


if __name__ == "__main__":
    main()

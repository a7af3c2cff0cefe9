"""Write the hostile corpus of tests/test_hostile.py into this folder.

Run ``python tests/data/hostile/make_hostile.py`` to rebuild it; every file is made here, from
fixed bytes or a seeded generator (the workbooks differ only in their saved-at time). Each file is one
way a table can be broken, foreign or malicious: broken encodings, garbage bytes, the wrong
container behind a familiar extension, formula and terminal-escape injections, huge cells and
odd values. None of the coordinates or amounts is a fact: they are test values.
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "项目名称,所在区县,总投资,经度,纬度\n"
GOOD = "好项目,越城区,10亿元,120.58,30.00\n"


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def xlsx_bytes(rows, formulas=False) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if formulas:  # formulas without cached values: what a script (not Excel) writes
        ws.append(["公式项目", "越城区", "=1+1", "=A1", "=HYPERLINK(\"http://evil.example\",\"x\")"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def files() -> dict[str, bytes]:
    rng = random.Random(20240301)
    out = {}
    text = lambda s, enc="utf-8": s.encode(enc)  # noqa: E731
    # --- encodings
    out["broken_utf8.csv"] = text(HEADER + GOOD) + b"\xff\xfe\xc3(,\xe9\x80\x01,\x80\x80,120.6,30.0\n"
    out["big5.csv"] = (HEADER + "台北項目,越城區,5億元,120.58,30.00\n").encode("big5", errors="replace")
    out["utf16.csv"] = (HEADER + GOOD).encode("utf-16")
    out["utf32.csv"] = (HEADER + GOOD).encode("utf-32")
    out["nul_bytes.csv"] = text(HEADER) + b"\x00\x00\x00name\x00,\x00,1,120.58,30.0\n"
    out["bom_only.csv"] = b"\xef\xbb\xbf"
    out["empty.csv"] = b""
    out["only_newlines.csv"] = b"\n\n\r\n\n"
    out["header_only.csv"] = text(HEADER)
    # --- garbage and wrong containers
    out["garbage.csv"] = bytes(rng.randrange(256) for _ in range(4096))
    png = png_bytes()
    for ext in ("csv", "xlsx", "parquet", "geojson", "gpkg"):
        out[f"png_as.{ext}"] = png
    out["csv_as.xlsx"] = text(HEADER + GOOD)
    out["csv_as.parquet"] = text(HEADER + GOOD)
    out["csv_as.geojson"] = text(HEADER + GOOD)
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    out["zip_not_workbook.xlsx"] = empty_zip.getvalue()
    out["truncated.xlsx"] = xlsx_bytes([HEADER.strip().split(","), GOOD.strip().split(",")])[:700]
    out["truncated.geojson"] = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"ty'
    out["deep.geojson"] = b"[" * 100_000 + b"]" * 100_000
    out["not_features.geojson"] = text(json.dumps({"type": "Nope", "features": 5}))
    out["no_features.geojson"] = text(json.dumps({"type": "FeatureCollection", "features": []}))
    out["polygons.geojson"] = text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "面"}, "geometry": {"type": "Polygon", "coordinates": [
            [[120.5, 30.0], [120.6, 30.0], [120.6, 30.1], [120.5, 30.0]]]}}]}))
    out["null_geometry.geojson"] = text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "无", "district": "越城区"}, "geometry": None}]}))
    out["line_one_point.geojson"] = text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "线"}, "geometry": {"type": "LineString",
                                                                     "coordinates": [[120.5, 30.0]]}}]}))
    # --- injections
    out["formulas.csv"] = text(HEADER + GOOD + '"=HYPERLINK(""http://evil.example"",""click"")",越城区,10,120.58,30.0\n'
                               "+cmd|' /C calc'!A0,柯桥区,@SUM(1+1),120.42,30.05\n"
                               "-2+3,上虞区,=1+1,120.89,29.94\n@evil,诸暨市,\t=1,120.3,29.7\n")
    out["formulas.xlsx"] = xlsx_bytes([HEADER.strip().split(","), GOOD.strip().split(",")], formulas=True)
    out["escapes.csv"] = text(HEADER + "A\x1b]0;pwned\x07B\x1b[2J\x1b[31m红\x9b0m,越城区,10,120.58,30.0\n"
                              "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\,柯桥区,5,120.42,30.05\n"
                              "bell\x07\x08\x7f,上虞区,1,120.89,29.94\n")
    out["escape_headers.csv"] = text("项目名称\x1b[31m,所在区县\x07,总投资\n甲,越城区,1\n")
    out["html_script.csv"] = text(HEADER + "<script>alert(1)</script>,越城区,1,120.58,30.0\n"
                                  "`${alert(2)}`\\1,柯桥区,2,120.42,30.05\n\"</div><img src=x onerror=alert(3)>\",上虞区,3,120.89,29.94\n")
    out["bidi.csv"] = text(HEADER + "\u202eevil\u202c\u200b\ufeff,越城区,1,120.58,30.0\n")
    # --- huge and odd values
    out["huge_cell.csv"] = text(HEADER + "大" * 10 + "," + "越城区,1,120.58,30.0\n" + "x" * 1_100_000 + ",越城区,1,120.58,30.0\n")
    out["long_amount.csv"] = text(HEADER + "长数字," + "越城区," + "9" * 400 + ",120.58,30.0\n")
    out["odd_values.csv"] = text(HEADER + "nan,越城区,nan,nan,nan\n无穷,越城区,inf,120.58,30.0\n"
                                 "负零,越城区,-0,120.58,30.0\n超大,越城区,1e309,120.58,30.0\n"
                                 "经度200,越城区,1,200,30\n纬度100,越城区,1,120.58,100\n"
                                 "交换,越城区,1,30.00,120.58\n纽约,越城区,1,-74.006,40.7128\n"
                                 "空格, ,  ,  ,  \n")
    out["duplicate_headers.csv"] = text("项目名称,项目名称,总投资,总投资\n甲,乙,1,2\n")
    out["year_punct.csv"] = text("项目名称,所在区县,年份、\n甲,越城区,2023\n")
    out["many_columns.csv"] = text(",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("1" * 5000) + "\n")
    out["quote_mess.csv"] = text(HEADER + '"未闭合,越城区,1,120.58,30.0\n"a""b",柯桥区,2,"120.42,30.05\n')
    out["cr_only.csv"] = text(HEADER.replace("\n", "\r") + GOOD.replace("\n", "\r"))
    out["semicolons.csv"] = text("项目名称;所在区县;总投资\n甲;越城区;1\n")
    out["many_rows_blank.csv"] = text(HEADER + ",,,,\n" * 5000)
    # --- issue 20: coordinate systems, shapefile parts, extremes of shape
    # Web Mercator (EPSG:3857) metres of 120.58°E 30.00°N and 120.42°E 30.05°N (pyproj, rounded to 0.1 m)
    out["web_mercator.csv"] = text("项目名称,所在区县,总投资,x,y\n墨卡托甲,越城区,1亿元,13422904.2,3503549.8\n"
                                   "墨卡托乙,柯桥区,2亿元,13405093.1,3509978.5\n")
    out["wide_header_cell.csv"] = text("项目名称,所在区县,总投资," + "长" * 140_000 + "\n甲,越城区,1,x\n")
    out["too_wide.csv"] = text(",".join(["项目名称", "所在区县"] + [f"c{i}" for i in range(16_400)]) + "\n甲,越城区\n")
    out["endless_header.csv"] = text("项目名称," + "x" * ((1 << 20) + 16) + "\n甲\n")
    out["part_alone.dbf"] = bytes([3, 124, 1, 1]) + struct.pack("<IHH", 0, 65, 11) + bytes(20) + \
        b"NAME".ljust(11, b"\0") + b"C" + bytes(4) + bytes([10, 0]) + bytes(14) + b"\r\x1a"
    out["part_alone.prj"] = text('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
                                 'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
    out["part_alone.cpg"] = text("UTF-8")
    out["no_shapefile.zip"] = zip_bytes({"readme.txt": b"no shapefile here", "projects.csv": text(HEADER + GOOD)})
    return out


def zip_bytes(members: dict) -> bytes:
    """A ZIP archive of ``members`` (name → bytes) with a fixed date, so its bytes do not change."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def main():
    for name, data in files().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files())} files to {HERE}")


if __name__ == "__main__":
    main()

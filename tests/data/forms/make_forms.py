"""Write the fixture files of tests/test_reader_forms.py: project tables as 招商 offices write them.

Run from anywhere: ``python tests/data/forms/make_forms.py [OUT_DIR]`` (default: this folder).
Deterministic: the same bytes every run (the .xlsx is re-zipped with a fixed timestamp).

Coordinates are never typed in: projected ones are computed here with pyproj from the district
anchors shipped with sxmap (:func:`geo.boundaries.district_anchor`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

#: (file stem, investment header as written, cells of the two rows)
INVESTMENT_HEADERS = (
    ("invest_touzi", "投资", ("12.5", "3000万元")),
    ("invest_touzie", "投资额", ("12.5", "3000万元")),
    ("invest_zongtouzi", "总投资", ("12.5", "3000万元")),
    ("invest_jihua", "计划总投资", ("12.5", "3000万元")),
    ("invest_xieyi", "协议投资", ("12.5", "3000万元")),
    ("invest_guding", "固定资产投资", ("12.5", "3000万元")),
    ("invest_jine", "金额", ("12.5", "3000万元")),
    ("invest_wan_header", "协议总投资（万元）", ("50000", "3亿元")),
    ("invest_yi_slash", "投资额/亿元", ("12.5", "3000万元")),
    ("invest_usd_header", "投资(亿美元)", ("2", "0.5")),
)
#: (file stem, address header)
PLACE_HEADERS = (
    ("place_jianshe", "建设地点"),
    ("place_xiangmu", "项目地址"),
    ("place_dizhi", "地址"),
    ("place_suozaidi", "所在地"),
    ("place_xiangzhen", "所在乡镇"),
)
#: Districts whose anchors the projected tables hold, one row each.
PROJECTED_DISTRICTS = (330602, 330681, 330683)
#: (file stem, CRS the values are in, headers (first, second), order of the values: "NE" or "EN")
PROJECTED = (
    ("proj_xy_north_4528", "EPSG:4528", ("X", "Y"), "NE"),
    ("proj_xy_north_4549", "EPSG:4549", ("X", "Y"), "NE"),
    ("proj_xy_east_4528", "EPSG:4528", ("X", "Y"), "EN"),
    ("proj_xy_east_4549", "EPSG:4549", ("X", "Y"), "EN"),
    ("proj_en_4528", "EPSG:4528", ("东坐标", "北坐标"), "EN"),
    ("proj_en_4549", "EPSG:4549", ("北坐标", "东坐标"), "NE"),
    ("proj_hz_4528", "EPSG:4528", ("纵坐标", "横坐标"), "NE"),
    ("proj_hz_4549", "EPSG:4549", ("横坐标", "纵坐标"), "EN"),
)
BIG5_NAMES = ("紹興紡織產業園區項目", "臺灣積體電路製造廠", "國際會議中心")
#: Small Big5 tables: one row (GB18030 decodes it "successfully" into common hanzi and a private-use
#: character), and two rows.
BIG5_ONE_ROW_NAMES = ("紹興紡織",)
BIG5_TWO_ROW_NAMES = ("紹興紡織產業園", "臺灣公司")
#: Korean in EUC-KR: its Hangul bytes fall where GB2312 keeps common hanzi.
EUC_KR_NAMES = ("삼성전자 반도체 공장", "현대자동차 부품 센터", "엘지화학 배터리 공장")
SJIS_NAMES = ("東京精密機械工場", "株式会社テスト電子", "大阪物流センター")
CP1251_NAMES = ("Текстильный парк Шаосина", "Завод точного машиностроения", "Логистический центр")
#: The third has 𠮷 (U+20BB7, four bytes in GB18030, not in GBK): a real company's name (𠮷野家).
GB18030_NAMES = ("绍兴纺织产业园项目", "镜湖新区数字经济中心", "𠮷野家中央厨房项目")


def write_csv(path: Path, rows, encoding="utf-8") -> Path:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def anchors():
    sys.path.insert(0, str(ROOT))
    from sxmap.geo.boundaries import district_anchor

    return {code: district_anchor(code) for code in PROJECTED_DISTRICTS}


def projected(lon: float, lat: float, crs: str):
    """(easting, northing) in metres, rounded to the centimetre as survey tables write them."""
    from pyproj import Transformer

    east, north = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    return round(east, 2), round(north, 2)


def district_name(code: int) -> str:
    sys.path.insert(0, str(ROOT))
    from sxmap.geo.districts import BY_ADCODE

    return BY_ADCODE[code].name_zh


def png_bytes() -> bytes:
    """A real 1×1 PNG image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00", 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def write_xlsx(path: Path, rows, date_format="yyyy-mm-dd", formats=None) -> Path:
    """An .xlsx with real datetime cells, re-zipped with a fixed timestamp (reproducible bytes).
    ``formats``: ``{cell reference: number format}`` for particular cells."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = date_format
    for reference, number_format in (formats or {}).items():
        sheet[reference].number_format = number_format
    fixed = dt.datetime(2024, 1, 1)
    book.properties.created = book.properties.modified = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                import re

                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
                              rb"<dcterms:modified\1>2024-01-01T00:00:00Z</dcterms:modified>", data)
            fixed_info = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            fixed_info.external_attr = 0o644 << 16
            dst.writestr(fixed_info, data)
    path.write_bytes(out.getvalue())
    return path


def make(out: Path = HERE) -> list:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    # 1. Headers -----------------------------------------------------------------------------
    for stem, header, (first, second) in INVESTMENT_HEADERS:
        written.append(write_csv(out / f"{stem}.csv", [
            ["项目名称", "所在区县", header],
            ["测试项目甲", "越城区", first],
            ["测试项目乙", "柯桥区", second],
        ]))
    written.append(write_csv(out / "invest_header_newline.csv", [  # Alt+Enter in the Excel header, saved as CSV
        ["项目名称", "所在区县", "计划总投资\n（万元）"],
        ["测试项目甲", "越城区", "8000"],
        ["测试项目乙", "柯桥区", "3000"],
    ]))
    written.append(write_csv(out / "invest_several.csv", [
        ["项目名称", "所在区县", "固定资产投资", "计划总投资", "协议投资"],
        ["测试项目甲", "越城区", "8", "20", "15"],
        ["测试项目乙", "柯桥区", "4", "6", "5"],
    ]))
    written.append(write_csv(out / "invest_none.csv", [
        ["项目名称", "所在区县", "产业", "备注"],
        ["测试项目甲", "越城区", "新材料", "一期"],
        ["测试项目乙", "诸暨市", "智能制造", ""],
        ["测试项目丙", "嵊州市", "生物医药", "二期"],
    ]))
    for stem, header in PLACE_HEADERS:
        written.append(write_csv(out / f"{stem}.csv", [
            ["项目名称", "所在区县", header, "总投资"],
            ["测试项目甲", "越城区", "越城区城南街道测试路1号", "10"],
            ["测试项目乙", "上虞区", "上虞区曹娥街道测试路2号", "5"],
        ]))
    written.append(write_csv(out / "serial_total.csv", [
        ["序号", "项目名称", "所在区县", "总投资", "年份、"],
        ["101", "测试项目甲", "越城区", "10", "2023"],
        ["102", "测试项目乙", "新昌县", "5", "2022"],
        ["103", "测试项目丙", "诸暨市", "2.5", "2023"],
        ["", "合计", "", "17.5", ""],
    ]))

    written.append(write_csv(out / "total_in_serial.csv", [  # 合计 in the 序号 column, the name left empty
        ["序号", "项目名称", "所在区县", "总投资"],
        ["1", "测试项目甲", "越城区", "10"],
        ["2", "测试项目乙", "柯桥区", "5"],
        ["合计", "", "", "15"],
    ]))
    written.append(write_csv(out / "total_wide_space.csv", [  # 合　计 / 总　计 with an ideographic space
        ["项目名称", "所在区县", "总投资"],
        ["测试项目甲", "越城区", "10"],
        ["测试项目乙", "柯桥区", "5"],
        ["合\u3000计", "", "15"],
        ["总\u3000计", "", "15"],
    ]))
    written.append(write_xlsx(out / "forms.xlsx", [  # the header forms in a workbook: numbers are numbers
        ("序号", "项目名称", "所在区县", "协议总投资（万元）", "签约时间", "建设地点", "备注"),
        (1, "测试项目甲", "越城区", 50000, dt.datetime(2023, 3, 8), "越城区城南街道测试路1号", "一期"),
        (2, "测试项目乙", "诸暨市", 1200.5, dt.datetime(2022, 7, 1), "诸暨市暨阳街道测试路2号", None),
        (None, "合计", None, 51200.5, None, None, None),
    ]))

    # 2. Dates ----------------------------------------------------------------------------------
    written.append(write_xlsx(out / "dates.xlsx", [
        ("项目名称", "所在区县", "签约日期", "总投资"),
        ("测试项目甲", "越城区", dt.datetime(2023, 3, 8), 10),
        ("测试项目乙", "柯桥区", dt.datetime(2022, 11, 30), 5),
        ("测试项目丙", "嵊州市", dt.datetime(2021, 1, 15), 2),
        ("测试项目丁", "新昌县", dt.datetime(2020, 12, 31), 1),  # shown as 2020年12月31日
        ("测试项目戊", "上虞区", 44993, 3),  # a date serial without a date format: 2023-03-08
    ], formats={"C5": 'yyyy"年"m"月"d"日"'}))
    written.append(write_csv(out / "dates.csv", [
        ["项目名称", "所在区县", "签约日期"],
        ["测试项目甲", "越城区", "2023-03-08"],
        ["测试项目乙", "柯桥区", "2023年3月"],
        ["测试项目丙", "上虞区", "2023.3"],
        ["测试项目丁", "新昌县", "20230308"],
        ["测试项目戊", "诸暨市", "2022"],
    ]))

    # 3. Projected coordinates -----------------------------------------------------------------
    points = anchors()
    for stem, crs, headers, order in PROJECTED:
        rows = [["项目名称", "所在区县", *headers]]
        for code in PROJECTED_DISTRICTS:
            east, north = projected(*points[code], crs)
            values = (north, east) if order == "NE" else (east, north)
            rows.append([f"{district_name(code)}测试点", district_name(code), f"{values[0]:.2f}", f"{values[1]:.2f}"])
        written.append(write_csv(out / f"{stem}.csv", rows))
    survey = [["项目名称", "所在区县", "X", "Y"]]  # a surveyor's workbook: numbers, X the northing, zone in front
    for code in PROJECTED_DISTRICTS:
        east, north = projected(*points[code], "EPSG:4528")
        survey.append([f"{district_name(code)}测试点", district_name(code), north, east])
    written.append(write_xlsx(out / "proj_survey_4528.xlsx", survey))
    written.append(write_csv(out / "degrees.csv", [["项目名称", "所在区县", "经度", "纬度"]] + [
        [f"{district_name(code)}测试点", district_name(code), f"{points[code][0]:.6f}", f"{points[code][1]:.6f}"]
        for code in PROJECTED_DISTRICTS]))

    # 4. Encodings -----------------------------------------------------------------------------
    written.append(write_csv(out / "big5.csv", [["name", "district", "investment"]] + [
        [name, district, amount] for name, district, amount in zip(BIG5_NAMES, ("330602", "330603", "330604"),
                                                                   ("10", "5", "3"))], encoding="big5"))
    for stem, names, encoding in (("big5_one_row", BIG5_ONE_ROW_NAMES, "big5"),
                                  ("big5_two_rows", BIG5_TWO_ROW_NAMES, "big5"),
                                  ("euc_kr", EUC_KR_NAMES, "euc_kr")):
        written.append(write_csv(out / f"{stem}.csv", [["name", "district", "investment"]] + [
            [name, "330602", "10"] for name in names], encoding=encoding))
    written.append(write_csv(out / "shift_jis.csv", [["name", "district", "investment"]] + [
        [name, district, amount] for name, district, amount in zip(SJIS_NAMES, ("Yuecheng", "Keqiao", "Zhuji"),
                                                                   ("10", "5", "3"))], encoding="shift_jis"))
    written.append(write_csv(out / "gb18030.csv", [["项目名称", "所在区县", "总投资"]] + [
        [name, district, amount] for name, district, amount in zip(GB18030_NAMES, ("越城区", "越城区", "越城区"),
                                                                   ("10亿元", "5000万元", "3"))], encoding="gb18030"))
    written.append(write_csv(out / "utf16.csv", [["项目名称", "所在区县", "总投资"],
                                                 ["测试项目甲", "越城区", "10"],
                                                 ["测试项目乙", "嵊州市", "2"]], encoding="utf-16"))
    written.append(write_csv(out / "cp1251.csv", [["name", "district", "investment"]] + [
        [name, "330602", "10"] for name in CP1251_NAMES], encoding="cp1251"))
    (out / "image.csv").write_bytes(png_bytes())
    written.append(out / "image.csv")

    # 5. Malformed CSV -------------------------------------------------------------------------
    (out / "unterminated_quote.csv").write_text(
        "项目名称,所在区县,总投资\r\n"
        "\"测试项目甲\r\n（一期）\",越城区,10\r\n"  # row 2 spans lines 2-3: rows and lines differ
        "测试项目乙,柯桥区,5\r\n"
        "\"测试项目丙,上虞区,3\r\n"  # row 4 (line 5): the quote is never closed
        "测试项目丁,新昌县,2\r\n"
        "测试项目戊,诸暨市,1\r\n"
        "测试项目己,嵊州市,4\r\n", encoding="utf-8", newline="")
    written.append(out / "unterminated_quote.csv")
    written.append(write_csv(out / "ragged.csv", [
        ["项目名称", "所在区县", "总投资"],
        ["测试项目甲\r\n（一期）", "越城区", "10"],  # two lines: row 3 starts on line 4
        ["测试项目乙", "柯桥区", "1", "300"],
        ["测试项目丙", "上虞区", "3"],
    ]))

    # 6. Amounts -------------------------------------------------------------------------------
    written.append(write_csv(out / "amounts_cn.csv", [
        ["项目名称", "所在区县", "总投资"],
        ["测试项目01", "越城区", "一百亿"],
        ["测试项目02", "越城区", "三十五亿元"],
        ["测试项目03", "越城区", "五千万"],
        ["测试项目04", "越城区", "逾50亿"],
        ["测试项目05", "越城区", "超过20亿元"],
        ["测试项目06", "越城区", "不低于30亿"],
        ["测试项目07", "越城区", "10亿以上"],
        ["测试项目08", "越城区", "10-20亿"],
        ["测试项目09", "越城区", "12"],
    ]))
    written.append(write_csv(out / "amounts_bad.csv", [
        ["项目名称", "所在区县", "总投资"],
        ["测试项目01", "越城区", "10"],
        ["测试项目02", "越城区", "20000亿"],
        ["测试项目03", "越城区", "inf"],
        ["测试项目04", "越城区", "nan"],
        ["测试项目05", "越城区", "一万五千亿"],
        ["测试项目06", "越城区", "5"],
    ]))

    # 7. locate --input --------------------------------------------------------------------------
    written.append(write_csv(out / "locate_points.csv", [["点位", "lon", "lat"]] + [
        [f"{district_name(code)}测试点", f"{points[code][0]:.6f}", f"{points[code][1]:.6f}"]
        for code in PROJECTED_DISTRICTS]))
    yue = points[330602]
    written.append(write_csv(out / "locate_bad.csv", [
        ["点位", "lon", "lat"],
        ["好点", f"{yue[0]:.6f}", f"{yue[1]:.6f}"],
        ["经度越界", "200", f"{yue[1]:.6f}"],
        ["经纬颠倒", f"{yue[1]:.6f}", f"{yue[0]:.6f}"],
    ]))
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for path in make(target):
        print(path)

"""Generate the reader fixtures (run once; the files it writes are committed).

    .venv/bin/python tests/data/make_fixtures.py

Project and company names are synthetic (测试项目…, "test"); amounts are test values, not facts.
Every coordinate is a real point taken from the shipped boundaries: a district's anchor
(``district_anchor``) or centroid, converted with geo.crs where a fixture is in GCJ-02.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from sxmap.geo.boundaries import district_anchor, district_records  # noqa: E402
from sxmap.geo.crs import wgs84_to_gcj02  # noqa: E402

YUECHENG, KEQIAO, SHANGYU, XINCHANG, ZHUJI, SHENGZHOU = 330602, 330603, 330604, 330624, 330681, 330683


def anchor(adcode):
    return district_anchor(adcode)


def centroid(adcode):
    record = next(r for r in district_records() if r["adcode"] == adcode)
    return record["centroid_lon"], record["centroid_lat"]


def csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def write(name, data: bytes):
    (HERE / name).write_bytes(data)
    print("wrote", HERE / name)


def gbk_csv():
    """What Excel on Chinese Windows writes: GBK, Chinese headers, amounts in mixed units."""
    yc = anchor(YUECHENG)
    kq = anchor(KEQIAO)
    rows = [
        ["序号", "项目名称", "企业", "所在区县", "所在平台", "产业类别", "总投资", "签约时间", "进度", "经度", "纬度", "地址"],
        ["1", "测试项目01", "测试企业甲", "越城区", "", "新能源", "130亿元", "2023年", "签约", f"{yc[0]}", f"{yc[1]}", "测试地址一"],
        ["2", "测试项目02", "测试企业乙", "柯桥", "", "生物医药", "5000万元", "2023-02", "开工", "", "", ""],
        ["3", "测试项目03", "测试企业丙", "Shangyu", "", "新材料", "超300亿", "2022", "投产", "", "", ""],
        ["4", "测试项目04", "测试企业丁", "330624", "", "高端装备", "近40亿", "2023/2/15", "签约", "", "", ""],
        ["5", "测试项目05", "测试企业戊", "绍兴县", "", "现代纺织", "12.5", "2022年12月", "开工", "", "", ""],
        ["6", "测试项目06", "测试企业己", "诸暨市", "", "智能视觉", "1,300万元", "2023", "签约", "", "", ""],
        ["7", "测试项目07", "测试企业庚", "嵊州", "", "新能源汽车", "", "2023", "签约", "", "", ""],
        ["8", "测试项目08", "测试企业辛", "越城区", "", "数字经济", "100亿元以上", "2023", "签约", f"{kq[0]}", f"{kq[1]}", ""],
        ["9", "测试项目09", "测试企业壬", "", "杭州湾上虞经开区", "新能源", "约40亿", "2023", "签约", "", "", ""],
    ]
    write("projects_gbk.csv", csv_text(rows).encode("gbk"))


def utf8_csv():
    """English headers, plain UTF-8 (no BOM); one amount in US dollars."""
    zj = anchor(ZHUJI)
    rows = [
        ["Name", "Company", "District", "Platform", "Industry", "Amount", "Year", "Status", "Lng", "Lat", "Address"],
        ["测试项目A test", "Test Co. A", "Zhuji", "", "智能视觉", "1.2亿美元", "2023", "签约", f"{zj[0]}", f"{zj[1]}", "test"],
        ["测试项目B test", "Test Co. B", "xinchang county", "", "高端装备", "300亿+", "2023", "开工", "", "", ""],
        ["测试项目C test", "Test Co. C", "Shengzhou City", "", "新能源", "40亿左右", "2022", "投产", "", "", ""],
    ]
    write("projects_utf8.csv", csv_text(rows).encode("utf-8"))


def bom_csv():
    """UTF-8 with BOM (Excel's 'CSV UTF-8'); the unit is in the header: 投资额（万元）."""
    rows = [
        ["项目", "区县", "投资额（万元）", "年份"],
        ["测试项目甲", "越城区", "5000", "2023"],
        ["测试项目乙", "上虞区", "120,000", "2022"],
        ["测试项目丙", "新昌县", "", "2023"],
    ]
    write("projects_bom.csv", b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))


def gcj02_csv():
    """Coordinates as read off Gaode (GCJ-02): the WGS-84 anchors shifted by the published transform."""
    rows = [["name", "district", "lon", "lat"]]
    for i, adcode in enumerate((YUECHENG, KEQIAO, SHANGYU), start=1):
        lon, lat = wgs84_to_gcj02(*anchor(adcode))
        rows.append([f"测试项目G{i}", str(adcode), f"{lon:.7f}", f"{lat:.7f}"])
    write("projects_gcj02.csv", csv_text(rows).encode("utf-8"))


def platforms_csv():
    """A platforms table with the columns of data/platforms.csv, for placing projects by platform."""
    rows = [["id", "name", "district", "lon", "lat", "location_precision"]]
    for code, (label, adcode) in zip(("T1", "T2"), (("测试平台“甲”", YUECHENG), ("测试平台“乙”", SHANGYU))):
        lon, lat = centroid(adcode)  # both centroids lie inside their district
        rows.append([code, label, str(adcode), f"{lon}", f"{lat}", "platform"])
    write("projects_platforms.csv", csv_text(rows).encode("utf-8"))


def bad_csv():
    """A file where most rows are wrong, each in one way (two in two ways)."""
    yc = anchor(YUECHENG)
    rows = [
        ["项目名称", "所在区县", "总投资", "年份", "经度", "纬度", "所在平台"],
        ["测试项目好1", "越城区", "10亿", "2023", "", "", ""],                          # 2 good
        ["测试项目坏3", "杭州区", "10亿", "2023", "", "", ""],                          # 3 district
        ["测试项目坏4", "越城区", "-5亿", "2023", "", "", ""],                          # 4 negative
        ["测试项目坏5", "越城区", "很多", "2023", "", "", ""],                           # 5 nonsense amount
        ["测试项目坏6", "越城区", "1.2亿美元", "2023", "", "", ""],                     # 6 USD, no rate
        ["测试项目坏7", "越城区", "10亿", "2023", f"{yc[1]}", f"{yc[0]}", ""],          # 7 swapped
        ["测试项目坏8", "越城区", "10亿", "2023", "200", "30", ""],                     # 8 out of range
        ["测试项目坏9", "越城区", "10亿", "明年", "", "", ""],                           # 9 year
        ["", "越城区", "10亿", "2023", "", "", ""],                                    # 10 empty name
        ["测试项目坏11", "越城区", "10亿", "2023", f"{yc[0]}", "", ""],                 # 11 lon without lat
        ["测试项目坏12", "", "10亿", "2023", "", "", "不存在的平台"],                    # 12 no location
        ["测试项目坏13", "越城", "30-40亿", "2023年13月", "", "", ""],                  # 13 range and month
        ["测试项目好14", "诸暨市", "超300亿", "2023", "", "", ""],                      # 14 good
    ]
    write("bad_rows.csv", csv_text(rows).encode("utf-8"))
    # bytes that are neither UTF-8 nor GB18030 (0xFF never starts a GB18030 character)
    write("bad_encoding.csv", "项目名称,所在区县\r\n".encode("gbk") + b"\xff\xfe\xff,\xff\r\n")


def excel():
    """Two sheets. The first has a title row above the headers, a merged district cell, numbers
    and Excel dates; the second uses a header no alias covers (计划总投资)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "2022年"
    ws.append(["2022年招商项目清单（测试）"])
    ws.merge_cells("A1:F1")
    ws.append(["项目名称", "公司", "区县", "投资(亿元)", "签约日期", "阶段"])
    ws.append(["测试项目X1", "测试企业一", 330683, 130, dt.datetime(2022, 12, 1), "投产"])
    ws.append(["测试项目X2", "测试企业二", None, 20.5, dt.datetime(2022, 6, 30), "开工"])  # merged with X1 above
    ws.merge_cells("C3:C4")
    ws.append(["测试项目X3", "测试企业三", "Keqiao", "超100亿元", 44958, "签约"])  # 44958: 2023-02-01
    ws.append([None, None, None, None, None, None])
    ws.append(["测试项目X4", "测试企业四", "诸暨", None, "2022年", "签约"])
    ws2 = book.create_sheet("2023年")
    ws2.append(["name", "district", "计划总投资", "year"])
    ws2.append(["测试项目Y1", "上虞区", "50亿元", 2023])
    ws2.append(["测试项目Y2", "新昌县", 8, 2023])
    book.save(HERE / "projects.xlsx")
    print("wrote", HERE / "projects.xlsx")


def gis():
    """A GeoJSON (WGS-84 by the spec) and a GeoPackage with three layers: points in WGS-84, the same
    points in UTM zone 51N (EPSG:32651), and a polygon layer (not points: an error)."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    points = [Point(*anchor(XINCHANG)), Point(*anchor(SHENGZHOU)), None]
    frame = gpd.GeoDataFrame(
        {"项目名称": ["测试项目P1", "测试项目P2", "测试项目P3"], "所在区县": ["新昌县", "越城区", "柯桥区"],
         "总投资": ["10亿元", "约5亿", ""], "年份": [2023, 2022, 2023]},
        geometry=points, crs="EPSG:4326")
    for name in ("projects.geojson", "projects.gpkg"):
        target = HERE / name
        if target.exists():
            target.unlink()
    frame.to_file(HERE / "projects.geojson", driver="GeoJSON", engine="pyogrio")
    frame.to_file(HERE / "projects.gpkg", layer="sites", driver="GPKG", engine="pyogrio")
    frame.to_crs("EPSG:32651").to_file(HERE / "projects.gpkg", layer="sites_utm", driver="GPKG", engine="pyogrio")
    lon, lat = anchor(ZHUJI)
    parcels = gpd.GeoDataFrame({"name": ["测试地块"]}, geometry=[box(lon - 0.001, lat - 0.001, lon, lat)],
                               crs="EPSG:4326")
    parcels.to_file(HERE / "projects.gpkg", layer="parcels", driver="GPKG", engine="pyogrio")
    print("wrote", HERE / "projects.geojson", HERE / "projects.gpkg")


if __name__ == "__main__":
    gbk_csv()
    utf8_csv()
    bom_csv()
    gcj02_csv()
    platforms_csv()
    bad_csv()
    excel()
    gis()

"""Write the 重大项目计划表 fixtures (issue 16 item 2): a planning office's list as it is laid out.

    .venv/bin/python tests/data/plans/make_plans.py

A title row; a header over two rows (投资额（万元）merged over 总投资 and 2023年计划投资; the other
headers merged down); section headings at two levels (一、… （一）…); 小计 under each section and
合计 at the end; places only in 建设地点 (a district and a township, no coordinates). Project names
are synthetic and amounts are test values, not facts; the townships are real (data/townships.csv).

Totals (亿元): 越城区 50, 柯桥区 20, 上虞区 15, 新昌县 8, 诸暨市 12.0646, 嵊州市 6 — 111.0646 in all;
2023 plan: 12, 5, 3, 2, 4, 1.5 — 27.5 in all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
TITLE = "2023年绍兴市重大项目计划表"
UPPER = ["序号", "项目名称", "建设地点", "投资额（万元）", "", "建设内容"]
LOWER = ["", "", "", "总投资", "2023年计划投资", ""]
BODY = [
    ["一、产业项目"],
    ["（一）先进制造业"],
    ["1", "测试集成电路产业园项目", "越城区皋埠街道", "500000", "120000", "厂房及配套"],
    ["2", "测试印染组团升级项目", "柯桥区马鞍街道", "200000", "50000", "设备更新"],
    ["", "小计", "", "700000", "170000", ""],
    ["（二）生物医药"],
    ["3", "测试生物医药产业园", "上虞区曹娥街道", "150000", "30000", "研发楼"],
    ["4", "测试制药扩产项目", "新昌县七星街道", "80000", "20000", "生产线"],
    ["", "小计", "", "230000", "50000", ""],
    ["二、基础设施项目"],
    ["5", "测试城西路网项目", "诸暨市暨阳街道", "120646", "40000", "道路"],
    ["6", "测试片区改造项目", "嵊州市剡湖街道", "60000", "15000", "改造"],
    ["", "小计", "", "180646", "55000", ""],
    ["合计", "", "", "1110646", "275000", ""],
]
WIDTH = len(UPPER)


def csv_rows():
    """The rows as a CSV holds them: merged cells written once, the rest empty."""
    rows = [[TITLE] + [""] * (WIDTH - 1), UPPER, LOWER]
    return rows + [row + [""] * (WIDTH - len(row)) for row in BODY]


def write_csv(path: Path):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows())
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))


def write_xlsx(path: Path):
    """The same table as a workbook with real merged cells (title, 投资额（万元）, headings)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "重大项目"
    for row in csv_rows():
        sheet.append([int(c) if c.isdigit() and len(c) > 2 else (c or None) for c in row])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=WIDTH)
    sheet.merge_cells(start_row=2, start_column=4, end_row=2, end_column=5)
    for column in (1, 2, 3, 6):
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for number, row in enumerate(BODY, start=4):
        if len(row) == 1:
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=WIDTH)
    book.properties.created = book.properties.modified = dt.datetime(2024, 1, 1)
    book.save(path)


def make(folder: Path = HERE) -> list:
    write_csv(folder / "plan.csv")
    write_xlsx(folder / "plan.xlsx")
    return [folder / "plan.csv", folder / "plan.xlsx"]


if __name__ == "__main__":
    for written in make():
        print(written)

"""Write the .xls fixtures of tests/test_reading.py (Excel 97–2003 workbooks, as WPS still saves).

Run with xlwt installed (it is not one of sxmap's dependencies; the files are committed):
``pip install xlwt && python tests/data/forms/make_xls.py [OUT_DIR]`` (default: this folder).

- ``errors.xls``: error values stored as Excel stores a constant error (BOOLERR records), which
  calamine reads as empty cells: #DIV/0! in an amount, #N/A in an amount, #REF! in a district;
  and a second sheet with an error of its own.
- ``plain.xls``: the same table without errors (its workbook holds no error record).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADERS = ["项目名称", "所在区县", "总投资（亿元）"]
ROWS = [("甲", "越城区", 5), ("乙", "柯桥区", "#DIV/0!"), ("丙", "#REF!", 3), ("丁", "上虞区", "#N/A")]
CODES = {"#DIV/0!": 0x07, "#N/A": 0x2A, "#REF!": 0x17, "#VALUE!": 0x0F}


def workbook(rows, other=None):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, table in (("项目", rows), ("其他", other)):
        if table is None:
            continue
        sheet = book.add_sheet(name)
        for c, header in enumerate(HEADERS):
            sheet.write(0, c, header)
        for r, cells in enumerate(table, start=1):
            for c, value in enumerate(cells):
                if value in CODES:
                    sheet.row(r).set_cell_error(c, CODES[value])
                else:
                    sheet.write(r, c, value)
    return book


def main(out=HERE):
    out = Path(out)
    workbook(ROWS, [("戊", "新昌县", "#VALUE!")]).save(str(out / "errors.xls"))
    workbook([(n, "越城区" if d in CODES else d, 1 if v in CODES else v) for n, d, v in ROWS]).save(str(out / "plain.xls"))


if __name__ == "__main__":
    main(*sys.argv[1:])

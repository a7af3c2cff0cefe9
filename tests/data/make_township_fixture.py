"""Generate ``township_addresses.csv``: projects across Shaoxing known only by their address's township.

    .venv/bin/python tests/data/make_township_fixture.py

One project in each of the 97 townships whose seat is shipped (data/townships.csv), the address
written in the forms 招商 lists use (province and city in front, the district's name, a former
township name, the township alone); three more in 店口镇 (four projects at one seat) and one in
柯桥街道, which has no shipped seat. Names, industries and amounts are synthetic test values; no
coordinate is written: the reader places every row.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from sxmap.geo.townships import townships_frame  # noqa: E402

INDUSTRIES = ("高端装备", "新材料", "生物医药", "集成电路", "现代纺织", "数字经济")


def address(i: int, row) -> str:
    former = [n for n in row["former_names"].split("|") if n]
    form = i % 4
    if form == 0:
        return f"浙江省绍兴市{row['district_name']}{row['name']}工业区{i + 1}号"
    if form == 1:
        return f"{row['district_name']}{row['name']}"
    if form == 2 and former:
        return f"绍兴市{row['district_name']}{former[0]}"
    return f"{row['name']}{i + 1}号地块"


def main() -> None:
    frame = townships_frame()
    seated = frame[frame["location_precision"] == "township"].reset_index(drop=True)
    rows = [("项目名称", "地址", "产业", "总投资（亿元）")]
    for i, row in seated.iterrows():
        rows.append((f"乡镇测试项目{i + 1:03d}", address(i, row), INDUSTRIES[i % len(INDUSTRIES)], (i % 7 + 1) * 5))
    for k in range(3):
        rows.append((f"店口同点测试项目{k + 1}", f"诸暨市店口镇测试路{k + 1}号", INDUSTRIES[k], 10 + k))
    rows.append(("无驻地乡镇测试项目", "绍兴市柯桥区柯桥街道测试路1号", "现代纺织", 8))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (HERE / "township_addresses.csv").write_bytes(buffer.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()

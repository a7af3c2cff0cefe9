"""What a read found: :class:`ReadReport`, the rejected rows as they were, and the summary
``sxmap validate`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sxmap.geo.errors import DataError
from sxmap.geo.reading.columns import as_text
from sxmap.geo.reading.headers import IGNORED_KEYS, fold_header
from sxmap.geo.reading.rows import MAX_LISTED


@dataclass


class ReadReport:
    """What :func:`read_projects_report` read, kept, placed, skipped and noticed.

    Attributes
    ----------
    path : pathlib.Path
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        The canonical table of the good rows (a GeoDataFrame unless ``geometry=False``).
    kind, encoding, sheet, layer : str
        What the file was (``CSV``/``Excel``/``GeoJSON``/``GeoPackage``/``Parquet``), its text
        encoding, the sheet or layer read.
    header_row : int
        Row of the headers (1 unless title rows sit above them; 0 for GIS and Parquet files).
    rows_read : int
        Non-blank data rows in the file.
    columns : dict
        ``{field: header as written}`` for each field found.
    ignored : list of str
        Headers that are no field (kept as extra columns, except 序号).
    warnings : list of str
        Things kept but worth a look: points outside their stated district, ambiguous platforms,
        repeated names, amounts converted from USD, no investment column.
    rejected : list of DataError
        The problems of the rows skipped (``skip_invalid``).
    rejected_rows : int
    rejects : pandas.DataFrame or None
        The skipped rows as they were, with ``row`` and ``reason``, for the caller to write once
        the command has succeeded (the CLI does, through :mod:`geo.output`).
    rejects_path : pathlib.Path or None
        Where the caller wrote them.
    notes : list of str
        How the file was read (encoding, header row, reprojection, total rows dropped).
    datum : geo.datum.DatumDecision or None
        The datum the coordinates were read in and the evidence for it (None for GIS files).
    warning_kinds : list of dict
        The warnings by kind, for scripts (``validate --format json``): ``{"kind", "count", "rows",
        "messages"}`` with the first :data:`MAX_LISTED` row numbers and their messages (``rows``
        empty for file-wide ones).
    """

    path: Path
    projects: object
    kind: str = ""
    encoding: str = ""
    sheet: str | None = None
    layer: str | None = None
    header_row: int = 1
    rows_read: int = 0
    columns: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    rejected_rows: int = 0
    rejects: object = None
    rejects_path: Path | None = None
    notes: list = field(default_factory=list)
    warning_kinds: list = field(default_factory=list)
    datum: object = None


def default_rejects_path(path) -> Path:
    """``projects.xlsx`` → ``projects.rejects.csv`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


def reason_text(error: DataError) -> str:
    text = (f"{error.column}: " if error.column else "") + error.message
    if error.value is not None:
        text += f" (value: {error.value!r})"
    if error.hint:
        text += f"; {error.hint}"
    return text


def rejects_frame(rows, positions):
    """The rejected rows as they were, with ``row`` and ``reason``."""
    import pandas as pd
    import pyarrow as pa

    headers = [h or f"column_{i + 1}" for i, h in enumerate(rows.raw.headers)]
    row_header = "row" if "row" not in headers else "row_sxmap"
    reason_header = "reason" if "reason" not in headers else "reason_sxmap"
    data = {row_header: rows.raw.rownums[positions]}
    take = pa.array(positions)
    for i, header in enumerate(headers):
        column = rows.raw.columns[i]
        name = header
        while name in data:
            name += "_"
        data[name] = as_text(column.take(take), len(positions)).to_pylist() if column is not None \
            else [""] * len(positions)
    data[reason_header] = ["; ".join(reason_text(e) for e in rows.errors[int(p)]) for p in positions]
    return pd.DataFrame(data)


def file_warnings(report, headers, investment: bool):
    """The warnings on the whole file: no investment column, no data rows."""
    if not investment and report.rows_read:
        seen = ", ".join(repr(h) for h in headers if h) or "none"
        report.warnings.insert(0, f"no investment column (没有投资额列): amounts are unknown, not 0; headers seen: "
                                  f"{seen}; name the column with --column investment=HEADER")
        report.warning_kinds.insert(0, {"kind": "no_investment_column", "count": report.rows_read, "rows": [],
                                        "messages": [report.warnings[0]]})
    if not report.rows_read:
        report.warnings.append("the file has no data rows, only headers (没有数据行)")
        report.warning_kinds.append({"kind": "no_data_rows", "count": 0, "rows": [],
                                     "messages": [report.warnings[-1]]})


# --------------------------------------------------------------------------------------------
# A summary for `sxmap validate`


def _datum_lines(datum) -> list:
    """The datum the coordinates were read in, and the comparison behind it (:mod:`geo.datum`)."""
    if datum is None or not datum.message:
        return []
    lines = [f"坐标系 Datum: {datum.message}"]
    if datum.weighed:
        from sxmap.geo.datum import NAMES_ZH

        counts = ", ".join(f"{NAMES_ZH.get(d, d)} {n:,}" for d, n in datum.hits.items())
        lines.append(f"  落在所填区县的行 Rows in their stated district: {counts} (of {datum.weighed:,} weighed 核对"
                     + (f", sampled from {datum.rows:,} 抽样" if datum.weighed < datum.rows else "")
                     + (f"; {datum.coarse:,} with 2 decimals or fewer not weighed 坐标过粗未计" if datum.coarse else "")
                     + ")")
    return lines


def summary_text(report: ReadReport) -> str:
    """The summary ``sxmap validate`` prints: what was read, where the rows were placed, per
    district, warnings and skipped rows; Chinese with English."""
    gdf = report.projects
    lines = _source_lines(report)
    lines.append(f"读取 Rows read: {report.rows_read}  有效 valid: {len(gdf)}  跳过 skipped: {report.rejected_rows}")
    precision_names = {"site": "点位 site", "platform": "平台 platform", "township": "乡镇 township",
                       "district": "区县 district"}
    counts = gdf["location_precision"].value_counts()
    lines.append("定位精度 Location precision: " + ", ".join(
        f"{label} {int(counts.get(key, 0))}" for key, label in precision_names.items()))
    lines.append(_amounts_line(report))
    if "section" in gdf.columns and len(gdf):  # the headings of a planning office's table
        counts = gdf["section"].fillna("").astype(str).value_counts(sort=False)
        lines.append("分组 Sections: " + ", ".join(f"{name or '（无）'} {int(n)}" for name, n in counts.items()))
    lines += _district_lines(gdf)
    if report.warnings:
        lines.append(f"警告 Warnings ({len(report.warnings)}):")
        lines += [f"  {w}" for w in report.warnings]
    if report.rejected_rows:
        where = f", written to 已写入 {report.rejects_path}" if report.rejects_path else ""
        lines.append(f"跳过的行 Skipped rows ({report.rejected_rows}){where}:")
        lines += [f"  {e}" for e in report.rejected[:200]]
        if len(report.rejected) > 200:
            lines.append(f"  … and {len(report.rejected) - 200} more problem(s); every one is in the rejects file")
    return "\n".join(lines) + "\n"


def _source_lines(report) -> list:
    """What the file was, how it was read, which header is which field."""
    source = report.kind
    if report.encoding:
        source += f", {report.encoding}"
    if report.sheet:
        source += f", sheet 工作表 {report.sheet!r}"
    if report.layer:
        source += f", layer 图层 {report.layer!r}"
    lines = [f"文件 File: {report.path} ({source})"]
    lines += [f"  {note}" for note in report.notes]
    lines.append("列 Columns: " + ", ".join(f"{name} ← {header!r}" for name, header in report.columns.items()))
    lines += _datum_lines(report.datum)
    kept = [h for h in report.ignored if fold_header(h) not in IGNORED_KEYS]
    dropped = [h for h in report.ignored if fold_header(h) in IGNORED_KEYS]
    if kept:
        more = f", … and {len(kept) - MAX_LISTED} more (另有 {len(kept) - MAX_LISTED} 列)" if len(kept) > MAX_LISTED else ""
        lines.append("未使用的列 Ignored headers (kept as extra columns): "
                     + ", ".join(repr(h) for h in kept[:MAX_LISTED]) + more)
    if dropped:
        lines.append("序号列 Running numbers (dropped): " + ", ".join(repr(h) for h in dropped))
    return lines


def _amounts_line(report) -> str:
    """How many amounts were given, of which bound, and their sum."""
    gdf = report.projects
    amounts = gdf["investment"]
    bounds = gdf["investment_bound"].value_counts()
    if "investment" not in report.columns:
        return "金额 Amounts: no investment column (没有投资额列): unknown, not 0"
    return (f"金额 Amounts: {int(amounts.notna().sum())} given (exact {int(bounds.get('exact', 0))}, "
            f"min {int(bounds.get('min', 0))}, approx {int(bounds.get('approx', 0))}), "
            f"{int(amounts.isna().sum())} without; " + _amount_sum_text(amounts, bounds))


def _amount_sum_text(amounts, bounds) -> str:
    """The sum of the given amounts as ``sxmap stats`` writes it ("≥ 229.05"), or that none is known."""
    from sxmap.geo.amounts import amount_text

    if not amounts.notna().any():
        return "sum unknown (金额均未知, not 0)"
    total = amount_text(float(amounts.sum(skipna=True)), "", int(bounds.get("min", 0)), int(bounds.get("approx", 0)))
    return f"sum {total} 亿元" + (" (lower bounds included: ≥)" if bounds.get("min", 0) else "")


def _district_lines(gdf) -> list:
    """Rows per district, as stated and as located."""
    from sxmap.geo.districts import DISTRICTS
    from sxmap.geo.tables import format_table

    rows = []
    for d in DISTRICTS:
        rows.append({"district": f"{d.name_zh} {d.name_en}", "stated": int((gdf["district"] == d.adcode).sum()),
                     "located": int((gdf["district_located"] == d.adcode).sum())})
    rows.append({"district": "未填 not stated / 市外 outside", "stated": int(gdf["district"].isna().sum()),
                 "located": int((gdf["district_located"] == 0).sum())})
    lines = ["区县 By district (所填 stated / 点位所在 located):"]
    lines += ["  " + line for line in format_table(rows, ["district", "stated", "located"],
                                                   {"district": "区县 district", "stated": "所填 stated",
                                                    "located": "所在 located"}).splitlines()]
    return lines

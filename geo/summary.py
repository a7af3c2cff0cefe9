"""What ``sxmap validate --format json`` prints: the reader's report as one JSON document for scripts.

The same facts as :func:`geo.reading.report.summary_text` (file, columns, rows, location precision,
amounts, rows per district, warnings, skipped rows), with the warnings grouped by kind as the
text groups them: each kind with its count, the first rows and their messages.

Examples
--------
>>> from sxmap.geo.reading.table import read_projects_report
>>> doc = summary_json(read_projects_report("projects.csv", geometry=False))  # doctest: +SKIP
>>> [(w["kind"], w["count"]) for w in doc["warnings"]]                         # doctest: +SKIP
[('outside_stated_district', 3)]
"""

from __future__ import annotations

import json

#: Problems of skipped rows listed in the document (all are in the rejects file).
MAX_ERRORS = 200


def _error_record(error) -> dict:
    """A :class:`~geo.errors.DataError` as a JSON object (row as the user sees it)."""
    value = getattr(error, "value", None)
    return {"row": getattr(error, "row", None), "column": getattr(error, "column", None),
            "value": None if value is None else str(value), "message": getattr(error, "message", str(error)),
            "hint": getattr(error, "hint", None), "text": str(error)}


def _amounts(report) -> dict:
    frame = report.projects
    amounts = frame["investment"]
    bounds = frame["investment_bound"].value_counts()
    given = int(amounts.notna().sum())
    total = round(float(amounts.sum(skipna=True)), 6) if given else None
    return {"column": "investment" in report.columns, "given": given, "without": int(amounts.isna().sum()),
            "exact": int(bounds.get("exact", 0)), "min": int(bounds.get("min", 0)),
            "approx": int(bounds.get("approx", 0)), "sum": total, "lower_bound": bool(bounds.get("min", 0)),
            "unit": "亿元"}


def _districts(frame) -> list[dict]:
    from sxmap.geo.districts import DISTRICTS

    rows = [{"adcode": d.adcode, "district_zh": d.name_zh, "district_en": d.name_en,
             "stated": int((frame["district"] == d.adcode).sum()),
             "located": int((frame["district_located"] == d.adcode).sum())} for d in DISTRICTS]
    rows.append({"adcode": None, "district_zh": "未填 / 市外", "district_en": "not stated / outside",
                 "stated": int(frame["district"].isna().sum()), "located": int((frame["district_located"] == 0).sum())})
    return rows


def summary_json(report) -> dict:
    """The reader's :class:`~geo.reading.report.ReadReport` as a JSON-ready dict.

    Parameters
    ----------
    report : geo.reading.report.ReadReport

    Returns
    -------
    dict
        ``file, kind, encoding, sheet, layer, header_row, notes, columns, ignored, rows
        {read, valid, skipped}, location_precision, amounts {given, without, exact, min, approx,
        sum (亿元, null when none is known), lower_bound}, districts, warnings [{kind, count, rows,
        messages}], skipped [{row, column, value, message, hint, text}] (the first
        :data:`MAX_ERRORS`), rejects_path, valid``.
    """
    frame = report.projects
    counts = frame["location_precision"].value_counts()
    return {
        "file": str(report.path), "kind": report.kind, "encoding": report.encoding or None,
        "sheet": report.sheet, "layer": report.layer, "header_row": report.header_row,
        "notes": list(report.notes), "columns": dict(report.columns), "ignored": list(report.ignored),
        "rows": {"read": report.rows_read, "valid": len(frame), "skipped": report.rejected_rows},
        "location_precision": {k: int(counts.get(k, 0)) for k in ("site", "platform", "district")},
        "amounts": _amounts(report),
        "districts": _districts(frame),
        "warnings": [dict(kind) for kind in report.warning_kinds],
        "skipped": [_error_record(e) for e in report.rejected[:MAX_ERRORS]],
        "rejects_path": None if report.rejects_path is None else str(report.rejects_path),
        "valid": not report.rejected_rows,
    }


def errors_json(exc) -> dict:
    """A file that could not be read at all (:class:`~geo.errors.DataErrors`) as the same kind of
    document: ``file``, ``valid`` false, ``errors`` (the first :data:`MAX_ERRORS`), ``error_count``."""
    errors = list(getattr(exc, "errors", [exc]))
    return {"file": getattr(exc, "path", None), "valid": False, "error_count": len(errors),
            "errors": [_error_record(e) for e in errors[:MAX_ERRORS]]}


def format_json(document: dict) -> str:
    """The document as indented JSON text (non-ASCII kept)."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"

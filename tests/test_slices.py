"""A large CSV read in slices of rows (geo.reading.slices, geo.sources.csv_slices) gives what the
whole-file read gives: the same totals, warnings, notes, errors, rejected rows and exit code
(issue 20 item 2: ``stats`` on 5,000,000 rows under 1 GiB).

``SXMAP_SLICE_ROWS=N`` makes a table of N rows or more read in slices of N rows, so that the small
fixtures span many slices; ``0`` reads every table whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sxmap.cli import main
from sxmap.geo.query import STATS_COLUMNS
from sxmap.geo.reading.table import read_projects_report
from sxmap.geo.sources import NotSliced, csv_slices, read_raw

DATA = Path(__file__).parent / "data"
SLICED = DATA / "sliced_projects.csv"  # written by tests/data/make_sliced.py
#: UTF-8 fixtures of other forms: English headers, USD amounts, addresses and townships, plans
#: with section headings, projected coordinates, hostile cells; and GBK/Big5 ones, read whole.
OTHERS = ["projects_utf8.csv", "query_projects.csv", "township_addresses.csv", "bad_rows.csv", "user_report.csv",
          "plans/plan.csv", "forms/amounts_cn.csv", "forms/proj_xy_north_4528.csv", "forms/dates.csv",
          "hostile/odd_values.csv", "hostile/formulas.csv", "projects_gbk.csv", "forms/big5.csv"]


def _stats(runner, monkeypatch, tmp_path, slice_rows, *args):
    """``sxmap stats`` with ``SXMAP_SLICE_ROWS`` set: (exit code, stdout, stderr, rejects file)."""
    monkeypatch.setenv("SXMAP_SLICE_ROWS", str(slice_rows))
    rejects = tmp_path / f"rejects_{slice_rows}.csv"
    extra = ["--rejects", str(rejects)] if "--skip-invalid" in args else []
    result = runner.invoke(main, ["stats", *args, *extra])
    stderr = result.stderr.replace(str(rejects), "REJECTS")
    return result.exit_code, result.stdout, stderr, rejects.read_bytes() if rejects.exists() else None


@pytest.mark.parametrize("slice_rows", [1, 2, 7, 16])
@pytest.mark.parametrize("options", [
    ["--skip-invalid"],
    ["--skip-invalid", "--by", "section"],
    ["--skip-invalid", "--format", "json"],
    ["--skip-invalid", "--district", "柯桥区", "--min-investment", "10", "--format", "csv"],
    [],  # strict: every bad row, exit 1
])
def test_stats_in_slices_is_the_whole_file_stats(runner, monkeypatch, tmp_path, slice_rows, options):
    args = ["--projects", str(SLICED), "--crs", "wgs84", *options]
    whole = _stats(runner, monkeypatch, tmp_path, 0, *args)
    sliced = _stats(runner, monkeypatch, tmp_path, slice_rows, *args)
    assert sliced == whole
    assert whole[0] == (1 if not options else 0)


def test_the_fixture_has_what_a_slice_boundary_could_lose(runner, monkeypatch, tmp_path):
    code, out, err, rejects = _stats(runner, monkeypatch, tmp_path, 3, "--projects", str(SLICED), "--crs", "wgs84",
                                     "--skip-invalid", "--by", "section")
    assert code == 0
    assert "产业项目" in out and "基础设施项目" in out  # the second section starts in a later slice
    assert "wrote the 3 skipped row(s) to REJECTS" in err
    assert "note: 23 project(s) lie outside their stated district" in err
    rows = [line.split(",")[0] for line in rejects.decode("utf-8-sig").splitlines()[1:]]
    assert rows == ["49", "55", "61"]  # the rows as a user sees them, counted on across slices


@pytest.mark.parametrize("name", OTHERS)
def test_other_tables_in_slices_read_as_whole(runner, monkeypatch, tmp_path, name):
    for options in (["--skip-invalid"], []):
        args = ["--projects", str(DATA / name), "--crs", "wgs84", *options]
        assert _stats(runner, monkeypatch, tmp_path, 2, *args) == _stats(runner, monkeypatch, tmp_path, 0, *args)


def _report(monkeypatch, slice_rows, path=SLICED, **options):
    monkeypatch.setenv("SXMAP_SLICE_ROWS", str(slice_rows))
    return read_projects_report(path, fields=STATS_COLUMNS, geometry=False, sliced=True, **options)


@pytest.mark.parametrize("slice_rows", [1, 4, 9])
def test_the_report_in_slices_is_the_whole_report(monkeypatch, slice_rows):
    whole = _report(monkeypatch, 0, crs="wgs84", skip_invalid=True)
    sliced = _report(monkeypatch, slice_rows, crs="wgs84", skip_invalid=True)
    assert sliced.warnings == whole.warnings
    assert sliced.warning_kinds == whole.warning_kinds
    assert sliced.notes == whole.notes
    assert [str(e) for e in sliced.rejected] == [str(e) for e in whole.rejected]
    assert (sliced.rows_read, sliced.rejected_rows) == (whole.rows_read, whole.rejected_rows)
    assert sliced.rejects.equals(whole.rejects)
    frame = sliced.projects
    assert list(frame.columns) == [c for c in whole.projects.columns if c in frame.columns]
    for column in frame.columns:  # the same values (few-valued text as categoricals)
        assert frame[column].astype(whole.projects[column].dtype).equals(whole.projects[column]), column
    kinds = {k["kind"]: k for k in sliced.warning_kinds}
    assert kinds["outside_stated_district"]["count"] == 23  # more than the 20 listed: the line "… and 3 more"
    assert "… and 3 more such row(s) (另有 3 行)" in sliced.warnings
    assert kinds["repeated_name"]["rows"] == [46, 58]  # names of rows in earlier slices


def test_strict_mode_raises_every_slice_errors_at_once(monkeypatch):
    from sxmap.geo.errors import DataErrors

    errors = []
    for slice_rows in (0, 5):
        with pytest.raises(DataErrors) as caught:
            _report(monkeypatch, slice_rows, crs="wgs84")
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert re.findall(r"row (\d+)", errors[1]) == ["49", "55", "61"]


def test_an_inferred_datum_is_weighed_on_the_first_slice_and_says_so(monkeypatch):
    whole = _report(monkeypatch, 0, skip_invalid=True)
    sliced = _report(monkeypatch, 20, skip_invalid=True)
    assert sliced.datum.crs == whole.datum.crs
    assert sliced.datum.message_en.endswith("(weighed on the first 19 rows: the table was read in slices)")  # (its 19 data rows)
    assert "按前 19 行判断" in sliced.datum.message_zh


def test_slices_hold_the_cells_of_the_whole_read():
    whole = read_raw(SLICED)
    slices = list(csv_slices(SLICED, rows=6))
    assert len(slices) == 11 and {tuple(s.headers) for s in slices} == {tuple(whole.headers)}
    assert np.array_equal(np.concatenate([s.rownums for s in slices]), whole.rownums)
    for index, column in enumerate(whole.columns):
        assert pa.concat_arrays([s.columns[index] for s in slices]).equals(column)
    assert slices[0].notes == whole.notes == ["header found on row 2; rows above it skipped (表头在第2行)"]
    assert all(not s.notes for s in slices[1:])


@pytest.mark.parametrize("name, why", [("projects_gbk.csv", "not UTF-8"), ("projects.xlsx", "not a text table"),
                                       ("query_projects.csv", "a small file")])
def test_what_is_read_whole(name, why):
    with pytest.raises(NotSliced, match=why):
        next(csv_slices(DATA / name, rows=2, at_least=100))


def test_a_file_of_fewer_bytes_than_rows_wanted_is_not_even_looked_at(monkeypatch):
    """A list of a few thousand rows, which ``stats`` asks for in slices, is read once, not twice:
    fewer bytes than rows cannot hold them (its layout would be found again by the whole read)."""
    import sxmap.geo.sources as sources

    def layout(*args, **kwargs):
        raise AssertionError("the layout of a small file was looked for")

    monkeypatch.setattr(sources, "_csv_layout", layout)
    path = DATA / "query_projects.csv"
    with pytest.raises(NotSliced, match="a small file"):
        next(csv_slices(path, rows=2, at_least=path.stat().st_size + 1))
    with pytest.raises(AssertionError, match="layout"):  # as many bytes as rows: looked at
        next(csv_slices(path, rows=2, at_least=path.stat().st_size))


def test_a_ragged_row_in_a_later_slice_is_read_whole(runner, monkeypatch, tmp_path):
    table = tmp_path / "ragged.csv"
    lines = SLICED.read_text(encoding="utf-8").splitlines()
    lines[50] += ",1,300"  # a thousands separator unquoted: one cell too many
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--projects", str(table), "--crs", "wgs84"]
    whole, sliced = _stats(runner, monkeypatch, tmp_path, 0, *args), _stats(runner, monkeypatch, tmp_path, 4, *args)
    assert sliced == whole
    assert whole[0] == 1 and "row 50: the row has 7 cells but the header has 5" in whole[2]


def test_make_sliced_writes_the_committed_csv(tmp_path, monkeypatch):
    import runpy
    import shutil

    script = tmp_path / "make_sliced.py"
    shutil.copy(DATA / "make_sliced.py", script)
    runpy.run_path(str(script), run_name="__main__")
    assert (tmp_path / "sliced_projects.csv").read_bytes() == SLICED.read_bytes()


@pytest.mark.parametrize("name", ["township_addresses.csv", "plans/plan.csv"])
@pytest.mark.parametrize("options", [["--by", "township"], ["--compare", "2022,2023"], ["--by", "district,industry"],
                                     ["--by", "industry", "--year", "2023", "--format", "json"]])
def test_every_grouping_in_slices_is_the_whole_file_one(runner, monkeypatch, tmp_path, name, options):
    args = ["--projects", str(DATA / name), "--crs", "wgs84", *options]
    whole = _stats(runner, monkeypatch, tmp_path, 0, *args)
    assert _stats(runner, monkeypatch, tmp_path, 3, *args) == whole
    assert whole[0] == 0


@pytest.mark.parametrize("name, sliced", [("sliced_projects.csv", True), ("township_addresses.csv", True),
                                          ("plans/plan.csv", True), ("projects_gbk.csv", False),
                                          ("query_projects.csv", False)])  # (GBK; an id column)
def test_which_fixtures_are_read_in_slices(monkeypatch, name, sliced):
    from sxmap.geo.reading import slices

    added = []
    monkeypatch.setattr(slices.Folded, "add", lambda self, rows, report: added.append(rows.n))
    monkeypatch.setattr(slices.Folded, "report", lambda self, rows, skip_invalid: None)  # (then read whole)
    monkeypatch.setenv("SXMAP_SLICE_ROWS", "3")
    read_projects_report(DATA / name, fields=STATS_COLUMNS, geometry=False, sliced=True, crs="wgs84",
                         skip_invalid=True)
    assert (len(added) > 1) == sliced
    assert all(n <= 3 for n in added)

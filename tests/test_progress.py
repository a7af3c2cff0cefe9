"""Progress on standard error (geo.progress): shown on a terminal after a delay, never otherwise."""

from __future__ import annotations

from click.testing import CliRunner

from sxmap.cli import main
from sxmap.geo import progress
from sxmap.geo.projects import bundled_path
from sxmap.geo.reading.table import read_projects


def test_stages_are_shown_on_a_terminal(monkeypatch, capsys):
    import time

    monkeypatch.setattr(progress, "_enabled", lambda: True)
    monkeypatch.setattr(progress, "DELAY", 0)
    monkeypatch.setattr(progress, "INTERVAL", 0.01)
    with progress.stages("sxmap test", ["读取 reading", "定位 locating"]) as step:
        step("读取 reading")
        time.sleep(0.1)
        step("定位 locating")
        time.sleep(0.1)
    err = capsys.readouterr().err
    assert "sxmap test: 0/2 , 读取 reading" in err and "sxmap test: 1/2 , 定位 locating" in err


def test_nothing_is_shown_when_stderr_is_not_a_terminal(capsys):
    read_projects(bundled_path("projects"))
    assert capsys.readouterr().err == ""
    result = CliRunner().invoke(main, ["validate", str(bundled_path("projects"))])
    assert result.exit_code == 0 and "reading" not in result.stderr and "\r" not in result.stderr


def test_a_quick_read_shows_nothing_even_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(progress, "_enabled", lambda: True)  # the default 2 s delay: 23 rows are quicker
    read_projects(bundled_path("projects"))
    assert "normalising" not in capsys.readouterr().err

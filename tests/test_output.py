"""geo.output: every file sxmap writes — refusals, exclusive creation, signals, I/O errors —
and the neutralisation of hostile text (formulas in CSV, control characters in terminals/SVG)."""

from __future__ import annotations

import csv
import errno
import io
import multiprocessing
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sxmap.cli import main
from sxmap.geo.errors import DataError, OutputExistsError, UsageError
from sxmap.geo.output import (FORMAT_EXTENSIONS, Interrupted, OutputError, check_input_path, check_output_path,
                        neutralise_formula, read_input_bytes, strip_control, write_bytes, write_text)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SXMAP = [sys.executable, "-c", "from sxmap import cli; cli.main()"]


def leftovers(folder) -> list[str]:
    """Temporary files left in a folder."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp"))


def sxmap(*args, cwd, **kwargs):
    return subprocess.run([*SXMAP, *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs)


# ============================================================================================
# Refusals


def test_refuses_inputs_however_they_are_named(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    os.link(source, tmp_path / "hard.csv")
    os.symlink(source, tmp_path / "soft.csv")
    for name in ("in.csv", "sub/../in.csv", "hard.csv", "soft.csv"):
        with pytest.raises(UsageError, match="input"):
            check_output_path(tmp_path / name, overwrite=True, inputs=[None, source])
    assert source.read_text(encoding="utf-8") == "a\n1\n"


@pytest.mark.parametrize("relative", ["data/projects.csv", "data/new.csv", "data/boundaries/shaoxing_districts.geojson",
                                      "geo/x.csv", "maps/x.html", "cli.py"])
def test_refuses_sxmaps_own_files(relative):
    with pytest.raises(UsageError, match="sxmap"):
        check_output_path(ROOT / relative, overwrite=True)


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full", "/dev/zero"])
def test_refuses_devices(device):
    with pytest.raises(UsageError, match="device"):
        check_output_path(device, overwrite=True)


def test_refuses_fifos_directories_and_sockets(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir.csv").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "s.csv"))
    try:
        for name, kind in (("fifo", "FIFO"), ("dir.csv", "directory"), ("s.csv", "socket")):
            with pytest.raises(UsageError, match=kind):
                write_text(tmp_path / name, "x", overwrite=True)
    finally:
        sock.close()
    assert leftovers(tmp_path) == []


def test_refuses_a_symlink_to_a_device(tmp_path):
    os.symlink("/dev/full", tmp_path / "out.csv")
    with pytest.raises(UsageError, match="device"):
        write_text(tmp_path / "out.csv", "x", overwrite=True, fmt="csv")
    assert os.path.islink(tmp_path / "out.csv")


@pytest.mark.parametrize("name, fmt", [("map.jpg", "html"), ("t.txt", "csv"), ("t", "json"), ("a.csv", "geojson"),
                                       ("m.html", "png")])
def test_refuses_an_extension_that_does_not_fit(tmp_path, name, fmt):
    with pytest.raises(UsageError) as info:
        write_text(tmp_path / name, "x", fmt=fmt)
    for extension in FORMAT_EXTENSIONS[fmt]:
        assert extension in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_refuses_empty_names_and_missing_folders(tmp_path):
    with pytest.raises(UsageError, match="empty"):
        check_output_path("")
    with pytest.raises(UsageError, match="does not exist"):
        check_output_path(tmp_path / "no" / "x.csv")


def test_existing_file_needs_overwrite(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputExistsError):
        write_text(target, "new", fmt="csv")
    assert target.read_text(encoding="utf-8") == "old"
    write_text(target, "new", fmt="csv", overwrite=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert leftovers(tmp_path) == []


# ============================================================================================
# Exclusive creation


def test_a_file_created_after_the_check_is_not_replaced(tmp_path, monkeypatch):
    """The check and the creation are one step: a rival's file that appears after the check wins."""
    from sxmap.geo import output

    target = tmp_path / "x.csv"
    real_check = output.check_output_path

    def check_then_rival(*args, **kwargs):
        path = real_check(*args, **kwargs)
        target.write_text("rival", encoding="utf-8")
        return path

    monkeypatch.setattr(output, "check_output_path", check_then_rival)
    with pytest.raises(OutputExistsError):
        write_text(target, "mine", fmt="csv")
    assert target.read_text(encoding="utf-8") == "rival"
    assert leftovers(tmp_path) == []


def _race(path, text, barrier, results):
    barrier.wait()
    try:
        write_text(path, text * 20000, fmt="csv")
        results.put(text)
    except OutputExistsError:
        results.put("refused")


def test_two_processes_creating_one_new_file_one_wins(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for i in range(15):
        path = tmp_path / f"race{i}.csv"
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_race, args=(path, t, barrier, results)) for t in "ab"]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        outcome = sorted(results.get(timeout=5) for _ in procs)
        assert outcome in (["a", "refused"], ["b", "refused"]), outcome
        assert path.read_text(encoding="utf-8") == outcome[0] * 20000
    assert leftovers(tmp_path) == []


# ============================================================================================
# I/O errors: one line, the path and the cause; nothing left behind


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT])
def test_os_errors_become_output_errors(tmp_path, monkeypatch, code):
    def fail(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fail)
    target = tmp_path / "x.csv"
    with pytest.raises(OutputError) as info:
        write_text(target, "a,b\n", fmt="csv")
    assert str(target) in str(info.value) and os.strerror(code) in str(info.value)
    assert info.value.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_read_only_folder_is_one_line(tmp_path, monkeypatch, runner):
    import tempfile

    def fail(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkstemp", fail)
    result = runner.invoke(main, ["stats", "--format", "csv", "-o", str(tmp_path / "s.csv")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Read-only file system" in result.stderr and "s.csv" in result.stderr


def test_cli_refusals(tmp_path):
    (tmp_path / "old.csv").write_text("keep", encoding="utf-8")
    cases = [
        (["stats", "-o", "/dev/full", "--overwrite"], 2, "device"),
        (["stats", "-o", "/dev/null", "--overwrite"], 2, "device"),
        (["stats", "-o", ""], 2, "empty"),
        (["choropleth", "-o", "map.jpg"], 2, ".png"),
        (["choropleth", "--fragment", "-o", "frag.txt"], 2, ".html"),
        (["query", "--format", "csv", "-o", str(ROOT / "data" / "projects.csv"), "--overwrite"], 2, "sxmap"),
        (["districts", "--format", "geojson", "-o", str(ROOT / "data/boundaries/shaoxing_districts.geojson"),
          "--overwrite"], 2, "sxmap"),
        (["stats", "--format", "csv", "-o", "old.csv"], 2, "--overwrite"),
        (["stats", "--format", "csv", "-o", "/proc/x.csv"], 1, "cannot write /proc/x.csv"),
    ]
    before = {p: (ROOT / p).read_bytes() for p in ("data/projects.csv", "data/boundaries/shaoxing_districts.geojson")}
    for args, code, text in cases:
        result = sxmap(*args, cwd=tmp_path)
        assert result.returncode == code, (args, result.stderr)
        assert text in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert result.stderr.strip().splitlines()[-1].startswith("Error:")
    assert all((ROOT / p).read_bytes() == b for p, b in before.items())
    assert (tmp_path / "old.csv").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv"]


def test_standard_output_full_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run([*SXMAP, "stats"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                                cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "No space left on device" in result.stderr


# ============================================================================================
# Signals: the temporary file goes, the exit status says which signal


SLOW_WRITER = textwrap.dedent("""
    import os, sys, time
    from sxmap.geo.output import write_text, Interrupted
    real_fsync = os.fsync
    def slow(fd):
        print("writing", flush=True)
        time.sleep(30)
    os.fsync = slow
    try:
        write_text(sys.argv[1], "x" * 1_000_000, fmt="csv")
    except Interrupted as exc:
        sys.exit(exc.exit_code)
""")

SLOW_CLI = textwrap.dedent("""
    import os, sys, time
    def slow(fd):
        print("writing", file=sys.stderr, flush=True)
        time.sleep(30)
    os.fsync = slow
    from sxmap import cli
    cli.main()
""")


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
@pytest.mark.parametrize("script", ["library", "cli"])
def test_a_signal_mid_write_removes_the_temporary_file(tmp_path, sig, code, script):
    target = tmp_path / "big.csv"
    if script == "library":
        args, stream = [sys.executable, "-c", SLOW_WRITER, str(target)], "stdout"
    else:
        args, stream = [sys.executable, "-c", SLOW_CLI, "stats", "--format", "csv", "-o", str(target)], "stderr"
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert getattr(proc, stream).readline().strip() == "writing"
    assert len(leftovers(tmp_path)) == 1  # the data is in the temporary file now
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_interrupted_carries_the_shell_status():
    assert Interrupted(signal.SIGTERM).exit_code == 143
    assert Interrupted(signal.SIGHUP).exit_code == 129
    assert Interrupted(signal.SIGINT).exit_code == 130
    assert isinstance(Interrupted(signal.SIGTERM), KeyboardInterrupt)


# ============================================================================================
# The rejects file: the rules of -o, written only when the command succeeded


def copy_bad_rows(tmp_path):
    return Path(shutil.copy(DATA / "bad_rows.csv", tmp_path / "in.csv"))


def test_rejects_refuse_an_existing_file_without_overwrite(runner, tmp_path):
    source = copy_bad_rows(tmp_path)
    existing = tmp_path / "in.rejects.csv"
    existing.write_text("precious", encoding="utf-8")
    result = runner.invoke(main, ["stats", "--projects", str(source), "--skip-invalid"])
    assert result.exit_code == 2 and "--overwrite" in result.stderr
    assert existing.read_text(encoding="utf-8") == "precious"
    result = runner.invoke(main, ["stats", "--projects", str(source), "--skip-invalid", "--overwrite"])
    assert result.exit_code == 0 and existing.read_text(encoding="utf-8-sig").startswith("row,")


def test_rejects_not_written_when_the_command_fails(runner, tmp_path):
    source = copy_bad_rows(tmp_path)
    (tmp_path / "existing.csv").write_text("keep", encoding="utf-8")
    result = runner.invoke(main, ["stats", "--projects", str(source), "--skip-invalid", "--format", "csv",
                                  "-o", str(tmp_path / "existing.csv")])
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.csv", "in.csv"]


def test_rejects_and_output_cannot_be_one_file(runner, tmp_path):
    source = copy_bad_rows(tmp_path)
    out = tmp_path / "out.csv"
    result = runner.invoke(main, ["stats", "--projects", str(source), "--skip-invalid", "--rejects", str(out),
                                  "--format", "csv", "-o", str(out), "--overwrite"])
    assert result.exit_code == 2 and "same file" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_rejects_must_be_csv_and_never_an_input(runner, tmp_path):
    source = copy_bad_rows(tmp_path)
    for target, text in ((tmp_path / "r.txt", ".csv"), (source, "input"), (ROOT / "data" / "r.csv", "sxmap")):
        result = runner.invoke(main, ["query", "--projects", str(source), "--skip-invalid", "--rejects", str(target),
                                      "--overwrite"])
        assert result.exit_code == 2 and text in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_validate_writes_rejects_and_says_where(runner, tmp_path):
    source = copy_bad_rows(tmp_path)
    result = runner.invoke(main, ["validate", str(source), "--skip-invalid"])
    assert result.exit_code == 1 and "in.rejects.csv" in result.stdout
    again = runner.invoke(main, ["validate", str(source), "--skip-invalid"])
    assert again.exit_code == 2 and "--overwrite" in again.stderr
    assert runner.invoke(main, ["validate", str(source), "--skip-invalid", "--overwrite"]).exit_code == 1


def test_rejects_neutralise_formulas(runner, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('项目名称,所在区县,总投资\n好,越城区,10\n"=HYPERLINK(""http://evil"",""x"")",杭州区,@SUM(1)\n',
                      encoding="utf-8")
    result = runner.invoke(main, ["stats", "--projects", str(source), "--skip-invalid"])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "in.rejects.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["项目名称"] == "'=HYPERLINK(\"http://evil\",\"x\")" and rows[0]["总投资"] == "'@SUM(1)"


# ============================================================================================
# Hostile text


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1", "'＝1"),
    ("-5", "-5"), ("+3.5", "+3.5"), ("-1,234.5", "-1,234.5"), ("1e5", "1e5"), ("柯桥区", "柯桥区"),
    (-5, -5), (3.25, 3.25), (None, None), ("a=b", "a=b"), ("x\x1b[31my", "xy"),
])
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_csv_output_neutralises_every_table_writer(runner, tmp_path):
    source = tmp_path / "p.csv"
    source.write_text('name,lon,lat,investment,industry\n"=HYPERLINK(""http://evil"",""x"")",120.58,30.0,5,@SUM(1)\n'
                      "+cmd,120.6,30.01,3,-2+3\n", encoding="utf-8")
    outputs = {
        "query": ["query", "--projects", str(source), "--format", "csv"],
        "stats": ["stats", "--projects", str(source), "--by", "industry", "--format", "csv"],
        "near": ["near", "120.58", "30.0", "--projects", str(source), "--format", "csv"],
        "locate": ["locate", "--input", str(source)],
    }
    for name, args in outputs.items():
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (name, result.output)
        cells = [c for row in csv.reader(io.StringIO(result.stdout)) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], (name, cells)
        assert not [c for c in cells if c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit()], name
        if name in ("query", "near", "locate"):
            assert "'=HYPERLINK(\"http://evil\",\"x\")" in cells and "'+cmd" in cells


def test_terminal_tables_and_messages_lose_escape_sequences(runner, tmp_path):
    source = tmp_path / "p.csv"
    source.write_text("name,lon,lat\nA\x1b]0;pwned\x07B\x1b[2J\x9b31m,120.58,30.0\n", encoding="utf-8")
    for args in (["query", "--projects", str(source)], ["near", "120.58", "30", "--projects", str(source)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "AB" in result.stdout
        assert not any(ch in result.output for ch in "\x1b\x07\x9b")


@pytest.mark.parametrize("text, clean", [
    ("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", "alinkb"), ("x\x00y\x7fz\x85", "xyz"), ("a\nb\tc", "a b c"),
    ("\ud800ok", "ok"), ("正常文字", "正常文字"), ("\u202eevil\u202c", "evil"),
])
def test_strip_control(text, clean):
    assert strip_control(text) == clean


def test_svg_title_with_control_characters_is_valid_xml(runner, tmp_path):
    out = tmp_path / "m.svg"
    result = runner.invoke(main, ["choropleth", "--value", "count", "--title", "标题\x01\x1b[31m\x0b红", "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()  # raises on invalid XML
    texts = "".join(root.itertext())
    assert "标题" in texts and "红" in texts and "\x1b" not in out.read_text(encoding="utf-8")


# ============================================================================================
# Limits


@pytest.mark.parametrize("dpi", ["49", "1201", "100000", "nan", "inf", "-inf", "0", "abc"])
def test_dpi_outside_50_to_1200_is_refused(runner, tmp_path, dpi):
    result = runner.invoke(main, ["choropleth", "-o", str(tmp_path / "m.png"), "--dpi", dpi])
    assert result.exit_code == 2 and "--dpi" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_huge_png_is_refused(runner, tmp_path):
    result = runner.invoke(main, ["choropleth", "-o", str(tmp_path / "m.png"), "--dpi", "1200", "--size", "100x100cm"])
    assert result.exit_code == 2 and "pixels" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size", ["1x1cm", "101x50cm", "0x0in", "huge"])
def test_bad_sizes_are_refused(runner, tmp_path, size):
    result = runner.invoke(main, ["choropleth", "-o", str(tmp_path / "m.png"), "--size", size])
    assert result.exit_code == 2 and "--size" in result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_inputs_are_refused(runner, device):
    for args in (["validate", device], ["stats", "--projects", device], ["locate", "--input", device],
                 ["enclaves", "--enclaves", device]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "device" in result.stderr, (args, result.output)


def test_check_input_path_and_the_stream_cap(tmp_path):
    with pytest.raises(DataError, match="device"):
        check_input_path("/dev/zero")
    with pytest.raises(DataError, match="not found"):
        check_input_path(tmp_path / "missing.csv")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert check_input_path(fifo) == fifo
    writer = subprocess.Popen([sys.executable, "-c", f"open({str(fifo)!r}, 'wb').write(b'x' * 5000)"])
    with pytest.raises(DataError, match="larger"):
        read_input_bytes(fifo, limit=1000)
    writer.wait(10)
    small = tmp_path / "s.csv"
    small.write_bytes(b"a,b\n")
    assert read_input_bytes(small) == b"a,b\n"


def test_write_bytes_and_text_return_the_path(tmp_path):
    assert write_bytes(tmp_path / "a.png", b"\x89PNG", fmt="png") == tmp_path / "a.png"
    assert write_text(tmp_path / "b.html", "<p>é</p>", fmt="html").read_text(encoding="utf-8") == "<p>é</p>"
    assert oct((tmp_path / "a.png").stat().st_mode & 0o777) == "0o644"


# ============================================================================================
# The surroundings of the output: umask, closed or full stdout, a stdout that is not UTF-8


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664), (0o000, 0o666)])
def test_new_files_honour_the_umask(tmp_path, umask, expected):
    from sxmap.geo.output import atomic_path

    old = os.umask(umask)
    try:
        text = write_text(tmp_path / "a.csv", "x\n")
        data = write_bytes(tmp_path / "b.png", b"x")
        with atomic_path(tmp_path / "c.gpkg") as name:
            Path(name).write_bytes(b"x")
    finally:
        os.umask(old)
    for path in (text, data, tmp_path / "c.gpkg"):
        assert stat.S_IMODE(os.stat(path).st_mode) == expected, path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.png", "c.gpkg"]  # no temporary left


def test_replacing_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)
    write_text(path, "new", overwrite=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640 and path.read_text(encoding="utf-8") == "new"


def test_a_failed_atomic_path_leaves_nothing(tmp_path):
    from sxmap.geo.output import atomic_path

    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "c.gpkg") as name:
            Path(name).write_bytes(b"half")
            raise RuntimeError("GDAL failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["stats"], ["stats", "--format", "json"], ["districts"],
                                  ["query", "--format", "csv"], ["locate", "120.58", "30.0"]])
def test_standard_output_closed_is_an_error(tmp_path, args):
    # `sxmap stats >&-`: exit 0 with nothing written before; now exit 1 and one line
    result = subprocess.run([*SXMAP, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            timeout=120, cwd=tmp_path, preexec_fn=lambda: os.close(1))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "standard output" in result.stderr, result.stderr
    assert "closed" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written elsewhere instead


@pytest.mark.parametrize("args", [["stats", "--format", "json"], ["query", "--format", "csv"], ["districts"]])
def test_standard_output_full_is_an_error_for_every_writer(tmp_path, args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([*SXMAP, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                                cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "No space left on device" in result.stderr


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"},
                                 {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}])
@pytest.mark.parametrize("args", [["stats"], ["query", "--format", "json"], ["districts"], ["validate", "{DATA}"]])
def test_a_stdout_that_is_not_utf8_gets_escapes_not_a_traceback(tmp_path, env, args):
    args = [a.replace("{DATA}", str(DATA / "query_projects.csv")) for a in args]
    full_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LC_ALL", "LANG")}
    result = subprocess.run([*SXMAP, *args], capture_output=True, timeout=120, cwd=tmp_path, env={**full_env, **env})
    assert result.returncode in (0, 1), result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr and b"UnicodeEncodeError" not in result.stderr
    assert result.stdout.strip()
    out = result.stdout.decode("utf-8")  # what was written is readable: escapes or UTF-8, never half
    assert "\\u" in out or "绍" in out or "区" in out or "\\x" in out

"""Packaging: one import package ``sxmap`` (nothing generic at the top of site-packages), every bundled
file inside the wheel, and the bundled data found through importlib.resources.

The wheel itself is built, installed in a fresh venv and run from /tmp by ``.ci/wheel-check`` (CI).
"""

from __future__ import annotations

import ast
import glob
import importlib.resources
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = {"geo", "maps", "cli"}


def _python_files():
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def _bare_imports(path: Path) -> list[str]:
    """Imports of geo/maps/cli as top-level modules (they would load a second copy of sxmap)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names
                      if a.name.split(".")[0] in TOP_LEVEL]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] in TOP_LEVEL:
            found.append(f"{path.name}:{node.lineno} from {node.module}")
    return found


def test_nothing_imports_geo_maps_or_cli_as_top_level_modules():
    files = _python_files()
    assert len(files) > 40
    bare = [hit for path in files for hit in _bare_imports(path)]
    assert bare == []


def _package_data() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"] == {"sxmap": "."}
    packages = {"sxmap"} | {"sxmap." + ".".join(init.parent.relative_to(ROOT).parts)
                            for top in ("geo", "maps") for init in (ROOT / top).rglob("__init__.py")}
    assert set(config["packages"]) == packages  # every sub-package of geo/ and maps/ is in the wheel
    return config["package-data"]


def _shipped(patterns: dict[str, list[str]]) -> set[str]:
    shipped = set()
    for package, globs in patterns.items():
        base = Path(*package.split(".")[1:])  # sxmap → ., sxmap.maps → maps
        for pattern in globs:
            shipped |= {str(base / hit) for hit in glob.glob(pattern, root_dir=ROOT / base) if (ROOT / base / hit).is_file()}
    return shipped


def test_every_bundled_file_is_in_the_wheel():
    tracked = subprocess.run(["git", "ls-files", "data", "maps/web"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    wanted = {name for name in tracked if not name.endswith(".py")}  # build scripts stay in the repo
    assert {"data/projects.csv", "data/boundaries/shaoxing_districts.wkb"} <= wanted
    assert sorted(wanted - _shipped(_package_data())) == []


def test_bundled_data_is_read_through_importlib_resources():
    from sxmap.geo.boundaries import data_dir

    resources = Path(str(importlib.resources.files("sxmap") / "data"))
    assert data_dir().resolve() == resources.resolve()
    assert (data_dir() / "projects.csv").is_file()


def test_the_console_script_is_the_packaged_cli():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["project"]["scripts"] == {"sxmap": "sxmap.cli:main"}

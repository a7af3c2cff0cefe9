"""The import graph of geo/ and maps/ has no circle (issue 20 item 3): every ``import geo.x`` or
``from sxmap.geo.x import …`` counts, at module level or inside a function. The HTML maps' modules
import one way (encoding → … → html), and no function of geo/, maps/ or cli.py is over 60 lines.
And geo/imports.py: the heavy libraries imported with the collector paused (issue 20 item 4)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "maps")


def module_name(path: Path) -> str:
    """``geo/reading/table.py`` → ``sxmap.geo.reading.table`` (the repository's root is the package)."""
    parts = ["sxmap", *path.relative_to(ROOT).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(packages=PACKAGES) -> dict[str, set[str]]:
    """``{module: modules of packages it imports}``, functions' imports included."""
    modules = {module_name(p): p for package in packages for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in modules and target != name and not (name.startswith(target + ".")
                                                                   and modules[target].name == "__init__.py"):
                    graph[name].add(target)
    return graph


def find_cycle(graph):
    """A list of modules forming a circle, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_geo_imports_have_no_circle():
    graph = import_graph(("geo",))
    assert sum(map(len, graph.values())) > 50  # the graph is read (module names match the imports)
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))


def test_geo_and_maps_imports_have_no_circle_and_geo_never_imports_maps():
    graph = import_graph()
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph))
    upward = {(a, b) for a, targets in graph.items() for b in targets
              if a.startswith("sxmap.geo") and b.startswith("sxmap.maps")}
    assert upward == set()


def test_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def function_lengths(folder="geo/reading"):
    """``{module.function: lines}`` of every function under ``folder`` (a folder or one file), its
    docstring not counted. Nested functions and methods count on their own (and inside their parent)."""
    out = {}
    where = ROOT / folder
    for path in sorted(where.rglob("*.py") if where.is_dir() else [where]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0]
                is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str)
                doc = first.end_lineno - first.lineno + 1 if is_doc else 0
                out[f"{module_name(path)}.{node.name}"] = node.end_lineno - node.lineno + 1 - doc
    return out


MAX_LINES = 60
CHECKED = ("geo", "maps", "cli.py")


def test_reading_functions_are_short():
    lengths = function_lengths()
    assert lengths, "no functions found"
    longest = max(lengths, key=lengths.get)
    assert lengths[longest] <= MAX_LINES, f"{longest} has {lengths[longest]} lines"


@pytest.mark.parametrize("folder", CHECKED)
def test_every_function_is_short(folder):
    lengths = function_lengths(folder)
    assert len(lengths) > 50, "the functions are found"
    over = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert over == {}, f"over {MAX_LINES} lines (docstring not counted): {over}"


def test_function_lengths_count_the_body_not_the_docstring(tmp_path, monkeypatch):
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (tmp_path / "m.py").write_text(f'def long():\n    """Doc.\n\n    More.\n    """\n{body}\n\n\n'
                                   'def short():\n    return 1\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert function_lengths("m.py") == {"sxmap.m.long": 62, "sxmap.m.short": 2}


#: The modules the HTML maps are assembled from, bottom to top (maps/html.py's docstring).
HTML_PARTS = ("encoding", "basemap", "elements", "columns", "legend", "points", "layers", "places", "html")


def test_html_modules_import_one_way():
    graph = import_graph(("maps",))
    names = [f"sxmap.maps.{part}" for part in HTML_PARTS]
    assert all(name in graph for name in names)
    assert "sxmap.maps.elements" in graph["sxmap.maps.layers"]  # the graph of maps/ is read
    upward = {(a, b) for i, a in enumerate(names) for b in graph[a] if b in names[i + 1:]}
    assert upward == set(), "a module imports one above it (see HTML_PARTS)"


def test_import_quietly_imports_freezes_and_leaves_the_collector_as_it_was():
    import subprocess
    import sys

    code = ("import gc, json, sys; from sxmap.geo.imports import import_quietly;"
            "assert 'numpy' not in sys.modules; before = gc.get_freeze_count();"
            "import_quietly('numpy'); first = ['numpy' in sys.modules, gc.isenabled(), gc.get_freeze_count() > before];"
            "frozen = gc.get_freeze_count(); import_quietly('numpy'); again = gc.get_freeze_count() == frozen;"
            "gc.disable(); import_quietly('json', 'decimal'); still_off = not gc.isenabled();"
            "print(json.dumps(first + [again, still_off]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    # imported, collector back on, the new objects frozen; nothing again for what is imported; off stays off
    assert out.stdout.split("\n")[-2] == "[true, true, true, true, true]", out.stdout + out.stderr


if __name__ == "__main__":  # prints the graph, one module a line, and the longest function
    for module, imports in sorted(import_graph().items()):
        print(f"{module} → {', '.join(sorted(imports)) or '—'}")
    for folder in ("geo/reading", *CHECKED):
        lengths = function_lengths(folder)
        longest = max(lengths, key=lengths.get)
        over = sum(1 for n in lengths.values() if n > MAX_LINES)
        print(f"longest function in {folder}: {longest}, {lengths[longest]} lines (docstring not counted); "
              f"{over} of {len(lengths)} over 60 lines")

"""The package's import graph has no cycle, counting imports inside functions too; the saved-model home
(rnnkit.io) depends on no estimator."""

import ast
import subprocess
import sys
from pathlib import Path

import rnnkit

ROOT = Path(rnnkit.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the rnnkit modules it imports anywhere in its file (top level or inside a function). The
    package root ``rnnkit`` is left out: its ``__init__`` only re-exports, lazily, and ``from . import
    __version__`` reads a constant."""
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                # `from package import submodule` needs the submodule, not the package's other contents
                submodules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
                candidates = submodules if len(submodules) == len(node.names) else [target, *submodules]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {c for c in candidates if c in modules and c not in (name, "rnnkit")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules, or None (depth-first search with colours)."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"b"}}) is None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert {"rnnkit.io", "rnnkit.estimators", "rnnkit.training.fit"} <= set(graph)
    assert "rnnkit.io" in graph["rnnkit.estimators"]  # the graph does see relative imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_io_imports_no_estimator():
    code = ("import sys, rnnkit.io; "
            "print(sorted(m for m in sys.modules if m.startswith('rnnkit.') and "
            "m.split('.')[1] in ('estimators', 'forecast', 'compare', 'apps', 'cli')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"

"""House rules of the package's structure, checked on the source (AST) of every module of ``gongshi``.

See docs/architecture.md. Each rule lists every offender, so one run shows all that is left to fix:

* no import cycles between modules (imports inside functions and under ``TYPE_CHECKING`` count);
* imports point down the layers (``LAYER_RANK``): the same rank or lower;
* no private name (``_x``) imported from, or read off, another module of the package;
* no module over ``MAX_LINES`` lines;
* an import of a package module inside a function says why on its line or the line before
  (``# lazy: …``): such imports are kept only where they measurably cut the CLI's start-up.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "gongshi"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "plugins" / PACKAGE
MAX_LINES = 700

# First name under ``gongshi`` -> rank. An import may go to the same rank or a lower one.
LAYER_RANK = {
    "core": 0,
    "repo": 1,
    "check": 2,
    "history": 2,
    "rules": 2,
    "snapshot": 3,
    "public": 4,
    "sheets": 5,
    "site": 6,
    "outputs": 7,
    "report": 7,
    "cli": 8,
    "cli_common": 8,
    "cli_ledger": 8,
    "cli_sealed": 8,
    "cli_tianbao": 8,
    "cli_zh": 8,
    "cli_log": 8,
    "cli_report": 8,
    "generator": 8,
    "sitebuild": 8,
    "sitewrite": 8,
    "demo": 8,
    "__main__": 8,
}
# Pelican calls ``gongshi.register()``; it imports the adapter when called. The one upward import.
ALLOWED_UPWARD = {(PACKAGE, f"{PACKAGE}.generator")}
LAZY_REASON = re.compile(r"#\s*lazy:\s*\S")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module of the package
    names: tuple[str, ...]  # names taken from ``target`` (``from target import a, b``), else ()
    line: int
    end_line: int
    in_function: bool

    def where(self) -> str:
        return f"{path_of(self.module)}:{self.line}"


@cache
def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def path_of(module: str) -> str:
    return modules()[module].relative_to(PACKAGE_DIR.parents[1]).as_posix()


def is_package(module: str) -> bool:
    return modules()[module].name == "__init__.py"


@cache
def tree(module: str) -> ast.Module:
    return ast.parse(modules()[module].read_text(encoding="utf-8"), filename=str(modules()[module]))


def _absolute(module: str, node: ast.ImportFrom, package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _walk(node: ast.AST, in_function: bool = False):
    """(node, inside a function?) for every node below ``node``."""
    for child in ast.iter_child_nodes(node):
        yield child, in_function
        inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _walk(child, inner)


@cache
def imports(module: str) -> tuple[Import, ...]:
    return read_imports(module, tree(module), is_package(module), set(modules()))


def read_imports(module: str, source: ast.Module, package: bool, known: set[str]) -> tuple[Import, ...]:
    """Every import of a package module in ``source`` (the module ``module``), wherever it stands."""

    def nearest(name: str) -> str:
        while name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    out = []
    for node, in_function in _walk(source):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        where = (node.lineno, node.end_lineno or node.lineno, in_function)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    out.append(Import(module, nearest(alias.name), (), *where))
            continue
        origin = _absolute(module, node, package)
        if origin != PACKAGE and not origin.startswith(PACKAGE + "."):
            continue
        plain = []
        for alias in node.names:
            if f"{origin}.{alias.name}" in known:  # ``from gongshi.x import submodule``
                out.append(Import(module, f"{origin}.{alias.name}", (), *where))
            else:
                plain.append(alias.name)
        if plain:
            out.append(Import(module, nearest(origin), tuple(plain), *where))
    return tuple(out)


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in modules()}
    for m in modules():
        for imp in imports(m):
            if imp.target != m and (m, imp.target) not in ALLOWED_UPWARD:
                edges[m].add(imp.target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_cycle_through(sorted(component), edges))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _cycle_through(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One concrete cycle inside a component, from its first module back to it (breadth first)."""
    inside = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v] & inside):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return component


def rank(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:  # the package's own __init__: __version__ and the register hook
        return 0
    return LAYER_RANK.get(parts[1])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# The rules -----------------------------------------------------------------------------------------


def test_every_module_has_a_layer():
    unplaced = [path_of(m) for m in modules() if rank(m) is None]
    if unplaced:
        pytest.fail(
            f"modules outside every layer of LAYER_RANK (docs/architecture.md): {unplaced}", pytrace=False
        )


def test_no_import_cycles():
    found = cycles(graph())
    if found:
        pytest.fail(
            "import cycles (counting imports inside functions), one per group of modules that import each "
            "other:\n" + "\n".join(" -> ".join(c) for c in found),
            pytrace=False,
        )


def test_imports_point_down_the_layers():
    upward = []
    for m in modules():
        for imp in imports(m):
            if (m, imp.target) in ALLOWED_UPWARD or rank(m) is None or rank(imp.target) is None:
                continue
            if rank(imp.target) > rank(m):
                upward.append(
                    f"{imp.where()}: {m} (rank {rank(m)}) imports {imp.target} (rank {rank(imp.target)})"
                )
    if upward:
        pytest.fail("imports pointing up the layers:\n" + "\n".join(upward), pytrace=False)


def test_no_private_names_across_modules():
    found = []
    for m in modules():
        found += [
            f"{imp.where()}: from {imp.target} import {name}"
            for imp in imports(m)
            for name in imp.names
            if _is_private(name)
        ]
        found += [
            f"{imp.where()}: imports private module {imp.target}"
            for imp in imports(m)
            if any(_is_private(p) for p in imp.target.split("."))
        ]
        found += [
            f"{path_of(m)}:{line}: {expr}"
            for line, expr in private_attributes(m, tree(m), is_package(m), set(modules()))
        ]
    if found:
        pytest.fail(
            "private names used across modules (make them public, with a docstring):\n" + "\n".join(found),
            pytrace=False,
        )


def private_attributes(
    module: str, source: ast.Module, package: bool, known: set[str]
) -> list[tuple[int, str]]:
    """``mod._x`` where ``mod`` is a package module bound by an import (anywhere in ``module``)."""
    bound: dict[str, str] = {}  # local name -> module, or PACKAGE for ``import gongshi.x``
    for node, _ in _walk(source):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            origin = _absolute(module, node, package)
            for alias in node.names:
                if f"{origin}.{alias.name}" in known:
                    bound[alias.asname or alias.name] = f"{origin}.{alias.name}"

    def resolve(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return bound.get(expr.id)
        if isinstance(expr, ast.Attribute):
            base = resolve(expr.value)
            if base and f"{base}.{expr.attr}" in known:
                return f"{base}.{expr.attr}"
        return None

    out = []
    for node, _ in _walk(source):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            target = resolve(node.value)
            if target and target != module:
                out.append((node.lineno, ast.unparse(node)))
    return out


def test_no_module_over_max_lines():
    long = {}
    for m, path in modules().items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            long[path_of(m)] = n
    if long:
        pytest.fail(f"modules over {MAX_LINES} lines: {long}", pytrace=False)


def test_imports_inside_functions_say_why():
    silent = []
    for m, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        found = {(i.line, i.end_line): i for i in imports(m) if i.in_function}
        inner = sorted(found.values(), key=lambda i: i.line)
        # A run of import statements on consecutive lines shares one reason: the comment may stand on
        # the line before the run or on any line of it.
        start = {}
        for prev, imp in zip([None, *inner], inner, strict=False):
            start[imp.line] = start[prev.line] if prev and imp.line == prev.end_line + 1 else imp.line
        for imp in inner:
            near = lines[max(start[imp.line] - 2, 0) : imp.end_line]
            entry = f"{imp.where()}: {lines[imp.line - 1].strip()}"
            if not any(LAZY_REASON.search(text) for text in near) and entry not in silent:
                silent.append(entry)
    if silent:
        pytest.fail(
            "imports inside functions without a '# lazy: <reason>' comment on their line or the one before"
            " (move them to the module's top unless they measurably cut the CLI's start-up):\n"
            + "\n".join(silent),
            pytrace=False,
        )


# The checks themselves must be able to fail: they run on small made-up sources too. ---------------


def test_checks_detect_what_they_should():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert _is_private("_x") and not _is_private("__version__") and not _is_private("x")
    assert rank(f"{PACKAGE}.outputs.html.pages") == 7 and rank(f"{PACKAGE}.core.records") == 0
    assert rank(f"{PACKAGE}.somewhere_new") is None
    assert LAZY_REASON.search("    from gongshi.x import y  # lazy: openpyxl costs 80 ms")
    assert not LAZY_REASON.search("    from gongshi.x import y  # noqa")


def test_import_reading_covers_every_form():
    known = {
        PACKAGE,
        f"{PACKAGE}.core",
        f"{PACKAGE}.core.problems",
        f"{PACKAGE}.repo",
        f"{PACKAGE}.repo.schemas",
    }
    source = ast.parse(
        "import gongshi.core.problems\n"
        "from gongshi.repo import schemas\n"
        "from gongshi.core.problems import Problem, _hidden\n"
        "from gongshi import __version__\n"
        "import json\n"
        "def f():\n"
        "    from ..core import problems as p  # lazy: made up\n"
        "    return p._private, schemas._cache, gongshi.core.problems._x, schemas.public\n"
    )
    module = f"{PACKAGE}.check.made_up"
    found = read_imports(module, source, False, known)
    assert [(i.target, i.names, i.line, i.in_function) for i in found] == [
        (f"{PACKAGE}.core.problems", (), 1, False),
        (f"{PACKAGE}.repo.schemas", (), 2, False),
        (f"{PACKAGE}.core.problems", ("Problem", "_hidden"), 3, False),
        (PACKAGE, ("__version__",), 4, False),
        (f"{PACKAGE}.core.problems", (), 7, True),
    ]
    assert [e for _, e in private_attributes(module, source, False, known)] == [
        "p._private",
        "schemas._cache",
        "gongshi.core.problems._x",
    ]

"""Every problem code the package can emit is in docs/validation.md, and the doc names no other.

A problem code is ``family.name`` (``yaml.control_character``, ``history.no_git``). The package's
source is read, not run, so a code on a rare path counts too:

* every string literal shaped like a code is one, unless it is a file name (``search.html``) or its
  family is in ``NOT_PROBLEM_FAMILIES`` (``party.uscc`` is a spreadsheet field path, not a code);
  this also finds codes that reach ``Problem(...)`` through a helper, a table or a variable;
* an f-string code (``f"ref.{field_name}"``) is enumerated from its source table: the literal
  tuple its loop walks, or for ``f"schema.{kw}"`` (the fallback for JSON Schema keywords with no
  message of their own) the asserting keywords the record and registry schemas use that the
  function does not handle before reaching it. An f-string code of any other shape fails the test:
  teach ``expand`` its table.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest
from gongshi.repo.schemas import DOCUMENT_SCHEMAS, SCHEMA_DIR
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "plugins" / "gongshi"
DOC = ROOT / "docs" / "validation.md"

CODE = re.compile(r"([a-z]+)\.[a-z_]+")
FILE_SUFFIXES = {
    "html",
    "xml",
    "txt",
    "json",
    "yaml",
    "yml",
    "marshal",
    "pickle",
    "py",
    "zip",
    "csv",
    "xlsx",
    "md",
}
NOT_PROBLEM_FAMILIES = {
    "party": "field paths of the national-standard spreadsheet columns",
    "national": "keys of data/policy.yaml named in its error messages",
    "integrity": "results of gongshi check-published (IntegrityResult.code), not problems",
}
# Applicators: their failures are reported by the keywords inside them, never under their own name.
DESCEND_ONLY = {
    "$ref",
    "$dynamicRef",
    "allOf",
    "properties",
    "patternProperties",
    "items",
    "prefixItems",
    "propertyNames",
    "dependentSchemas",
    "if",
}
# Values that are data, not subschemas.
NOT_SCHEMAS = {"enum", "const", "required", "examples", "default", "description", "title", "$comment"}


def is_code(text: str) -> bool:
    m = CODE.fullmatch(text)
    return bool(m) and m.group(1) not in NOT_PROBLEM_FAMILIES and text.rsplit(".", 1)[1] not in FILE_SUFFIXES


@cache
def sources() -> dict[Path, ast.Module]:
    return {
        p: ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for p in sorted(PACKAGE_DIR.rglob("*.py"))
    }


def parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def code_fstrings(tree: ast.AST) -> list[ast.JoinedStr]:
    """f-strings that begin with ``family.`` and go on with a value: composed codes."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and len(node.values) >= 2:
            head, value = node.values[0], node.values[1]
            if (
                isinstance(head, ast.Constant)
                and re.fullmatch(r"[a-z]+\.", head.value)
                and head.value[:-1] not in NOT_PROBLEM_FAMILIES
                and isinstance(value, ast.FormattedValue)
            ):
                out.append(node)
    return sorted(out, key=lambda n: (n.lineno, n.col_offset))


def expand(node: ast.JoinedStr, tree: ast.Module) -> set[str] | None:
    """The codes an f-string code can take, or None when this test does not know its table."""
    head = node.values[0].value
    value = node.values[1].value
    if len(node.values) != 2 or not isinstance(value, ast.Name):
        return None
    up = parents(tree)
    scope = node
    while scope in up:
        scope = up[scope]
        if isinstance(scope, ast.For):
            options = loop_values(scope, value.id)
            if options is not None:
                return {head + v for v in options}
        if isinstance(scope, ast.FunctionDef) and head == "schema.":
            return {head + kw for kw in schema_keywords() - handled_keywords(scope, value.id, tree)}
    return None


def loop_values(loop: ast.For, name: str) -> list[str] | None:
    """``for name in ("a", "b")`` or ``for name, label in (("a", ...), ("b", ...))``: the names."""
    if isinstance(loop.target, ast.Name) and loop.target.id == name:
        position = None
    elif isinstance(loop.target, ast.Tuple) and any(
        isinstance(t, ast.Name) and t.id == name for t in loop.target.elts
    ):
        position = next(i for i, t in enumerate(loop.target.elts) if isinstance(t, ast.Name) and t.id == name)
    else:
        return None
    try:
        table = ast.literal_eval(loop.iter)
    except ValueError:
        return None
    return [row if position is None else row[position] for row in table]


def handled_keywords(function: ast.FunctionDef, name: str, tree: ast.Module) -> set[str]:
    """Keywords the function sends elsewhere before its fallback: ``name == "x"``, ``name in ("x",
    ...)``, or looked up in a module-level dict (``TABLE[name]``, ``TABLE.get(name)``)."""
    tables = {
        t.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    out: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == name:
            for right in node.comparators:
                try:
                    value = ast.literal_eval(right)
                except ValueError:
                    if isinstance(right, ast.Name) and right.id in tables:
                        out |= {k.value for k in tables[right.id].keys if isinstance(k, ast.Constant)}
                    continue
                out |= {value} if isinstance(value, str) else set(value)
        looked_up = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == name:
            looked_up = node.value
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == name
        ):
            looked_up = node.func.value
        if isinstance(looked_up, ast.Name) and looked_up.id in tables:
            out |= {k.value for k in tables[looked_up.id].keys if isinstance(k, ast.Constant)}
    return out


@cache
def schema_keywords() -> frozenset[str]:
    """Keywords that report errors under their own name, as used by the validated schemas (and the
    files they refer to); subschemas under ``if`` only decide, they never report."""
    asserting = set(Draft202012Validator.VALIDATORS) - DESCEND_ONLY
    found: set[str] = set()
    seen: set[str] = set()
    todo = list(DOCUMENT_SCHEMAS.values())

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and value.split("#")[0]:
                    todo.append(value.split("#")[0])
                if key in asserting:
                    found.add(key)
                if key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
                    for sub in value.values():
                        walk(sub)
                elif key not in NOT_SCHEMAS and key != "if":
                    walk(value)

    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            walk(json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")))
    return frozenset(found)


@cache
def emitted() -> dict[str, str]:
    """Code -> where it was first found (``file:line``)."""
    out: dict[str, str] = {}
    unknown = []
    for path, tree in sources().items():
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and is_code(node.value):
                out.setdefault(node.value, f"{where}:{node.lineno}")
        for node in code_fstrings(tree):
            codes = expand(node, tree)
            if codes is None:
                unknown.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
                continue
            for code in codes:
                out.setdefault(code, f"{where}:{node.lineno}")
    if unknown:
        pytest.fail(
            "f-string problem codes this test cannot enumerate:\n" + "\n".join(unknown), pytrace=False
        )
    return out


def documented() -> set[str]:
    """The codes in docs/validation.md's "Problem codes" table."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Problem codes", 1)[1].split("\n## ", 1)[0]
    return {c for c in re.findall(r"`([a-z]+\.[a-z_]+)`", table) if is_code(c)}


def test_every_emitted_code_is_documented():
    missing = sorted(set(emitted()) - documented())
    if missing:
        pytest.fail(
            "problem codes missing from docs/validation.md (Problem codes):\n"
            + "\n".join(f"{c}  ({emitted()[c]})" for c in missing),
            pytrace=False,
        )


def test_every_documented_code_is_emitted():
    stale = sorted(documented() - set(emitted()))
    assert not stale, f"docs/validation.md documents codes the package never emits: {stale}"


def test_no_problem_codes_in_the_families_set_aside():
    offenders = []
    for path, tree in sources().items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Problem"
            ):
                code = (
                    node.args[3]
                    if len(node.args) > 3
                    else next((k.value for k in node.keywords if k.arg == "code"), None)
                )
                if isinstance(code, ast.Constant) and not is_code(code.value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {code.value}")
    assert not offenders, (
        f"Problem codes that this test would not collect (see NOT_PROBLEM_FAMILIES): {offenders}"
    )


def test_collection_finds_composed_and_helper_codes():
    assert is_code("yaml.control_character") and is_code("history.no_git")
    assert not is_code("search.html") and not is_code("party.uscc") and not is_code("Schema.x")
    tree = ast.parse(
        "def f(kw):\n"
        "    for name, label in (('authority', 'a'), ('source_unit', 'b')):\n"
        "        add(f'ref.{name}', label)\n"
        "    if kw == 'type' or kw in ('pattern', 'format') or kw in TABLE:\n"
        "        return\n"
        "    return f'schema.{kw}'\n"
        "TABLE = {'minimum': 'schema.range', 'maximum': 'schema.range'}\n"
        "def g(x):\n"
        "    return f'ref.{x}'\n"
    )
    found = [expand(node, tree) for node in code_fstrings(tree)]
    assert found[0] == {"ref.authority", "ref.source_unit"}
    assert found[1] == {
        f"schema.{k}" for k in schema_keywords() - {"type", "pattern", "format", "minimum", "maximum"}
    }
    assert "schema.required" in found[1] and "schema.type" not in found[1]
    assert found[2] is None
    assert {"required", "additionalProperties", "type", "enum"} <= schema_keywords()
    assert "contains" not in schema_keywords()  # penalty.schema.json uses it only under "if"

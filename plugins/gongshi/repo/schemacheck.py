"""A pass/fail check compiled from a bundled JSON Schema (draft 2020-12): Python source written
once per document type, one function per schema object, each answering True or False without
raising (the checks of ``jsonschema`` report errors by building and raising objects, which is what
made the previous fast check, fastjsonschema's draft-7 code, cost as much as it did).

Every keyword is compiled with ``jsonschema``'s own meaning (``Draft202012Validator`` 4.x) for the
values a record can hold after loading and coercion — dicts, lists, strings, booleans, integers:
the type tests of its type checker, ``re.search`` for ``pattern``, the very functions (and the
exceptions they may raise) of the format checker for ``format``, its equality for
``enum``/``const``/``uniqueItems`` (``True`` is not ``1``, lists and mappings compare by content).
So the answer is exact, also under ``not``, ``if`` and ``oneOf``. A keyword not listed below makes
the schema ``Untranslatable`` (no fast check: ``jsonschema`` alone). An exception from a format
function that ``jsonschema`` would not catch makes the check answer False (``jsonschema`` then
raises it as it always did).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Keywords that never change validity.
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "examples",
        "$comment",
        "$schema",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "required",
        "properties",
        "additionalProperties",
        "minItems",
        "maxItems",
        "items",
        "contains",
        "uniqueItems",
        "minimum",
        "maximum",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
    }
)
# jsonschema's draft 2020-12 type checker, on the values a loaded record holds.
_TYPE_TESTS = {
    "string": "isinstance(x, str)",
    "object": "isinstance(x, dict)",
    "array": "isinstance(x, list)",
    "boolean": "isinstance(x, bool)",
    "integer": "(isinstance(x, int) and not isinstance(x, bool) or isinstance(x, float) and x.is_integer())",
    "number": "(isinstance(x, (int, float)) and not isinstance(x, bool))",
    "null": "x is None",
}
_NUMBER = "isinstance(x, (int, float)) and not isinstance(x, bool)"


class Untranslatable(Exception):
    """The schema uses a keyword this compiler does not know (or a form of one it does not take)."""


def same_value(value) -> object:
    """A hashable stand-in for ``value`` under ``jsonschema``'s equality: equal stand-ins exactly
    for equal values (``True`` ≠ ``1`` = ``1.0``; lists and mappings by content)."""
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if value is None:
        return ("z",)
    if isinstance(value, (list, tuple)):
        return ("l", tuple(same_value(v) for v in value))
    if isinstance(value, dict):
        return ("d", frozenset((k, same_value(v)) for k, v in value.items()))
    raise TypeError(type(value).__name__)


def all_unique(items: list) -> bool:
    """``uniqueItems``: no two items equal (``same_value``)."""
    if all(isinstance(i, str) for i in items):
        return len(set(items)) == len(items)
    return len({same_value(i) for i in items}) == len(items)


def _count(schema: dict, key: str) -> int:
    value = schema[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise Untranslatable(f"{key} {value!r}")
    return value


class _Compiler:
    def __init__(self, formats: dict[str, tuple[Callable, object]]):
        self.formats = formats
        self.lines: list[str] = []
        self.names: dict[str, object] = {"same_value": same_value, "all_unique": all_unique}
        self.count = 0

    def constant(self, value) -> str:
        name = f"c{len(self.names)}"
        self.names[name] = value
        return name

    def node(self, schema) -> str:
        """The name of the function that checks ``schema``."""
        if schema is True:
            return self.constant(lambda x: True)
        if schema is False:
            return self.constant(lambda x: False)
        if not isinstance(schema, dict):
            raise Untranslatable(repr(schema))
        unknown = set(schema) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise Untranslatable(", ".join(sorted(unknown)))
        self.count += 1
        name = f"f{self.count}"
        body: list[str] = []
        self._type(schema, body)
        self._equality(schema, body)
        self._string(schema, body)
        self._object(schema, body)
        self._array(schema, body)
        self._number(schema, body)
        self._logic(schema, body)
        self.lines.append(f"def {name}(x):")
        self.lines.extend("    " + line for line in body)
        self.lines.append("    return True")
        return name

    def _type(self, schema: dict, body: list[str]) -> None:
        if "type" not in schema:
            return
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not types or not all(t in _TYPE_TESTS for t in types):
            raise Untranslatable(f"type {schema['type']!r}")
        body.append(f"if not ({' or '.join(_TYPE_TESTS[t] for t in types)}): return False")

    def _equality(self, schema: dict, body: list[str]) -> None:
        for key in ("const", "enum"):
            if key not in schema:
                continue
            values = [schema[key]] if key == "const" else schema[key]
            if not isinstance(values, list):
                raise Untranslatable(f"{key} {values!r}")
            if all(isinstance(v, str) for v in values):
                allowed = self.constant(frozenset(values))
                body.append(f"if not (isinstance(x, str) and x in {allowed}): return False")
            else:
                allowed = self.constant(frozenset(same_value(v) for v in values))
                body.append(f"if same_value(x) not in {allowed}: return False")

    def _string(self, schema: dict, body: list[str]) -> None:
        tests = []
        if "minLength" in schema:
            tests.append(f"if len(x) < {_count(schema, 'minLength')}: return False")
        if "maxLength" in schema:
            tests.append(f"if len(x) > {_count(schema, 'maxLength')}: return False")
        if "pattern" in schema:
            search = self.constant(re.compile(schema["pattern"]).search)
            tests.append(f"if {search}(x) is None: return False")
        if tests:
            body.append("if isinstance(x, str):")
            body.extend("    " + t for t in tests)
        if "format" in schema and schema["format"] in self.formats:
            func, raises = self.formats[schema["format"]]
            raises = raises if isinstance(raises, tuple) else (raises,)
            body.append("try:")
            body.append(f"    if not {self.constant(func)}(x): return False")
            body.append(f"except {self.constant(raises)}:")
            body.append("    return False")

    def _object(self, schema: dict, body: list[str]) -> None:
        tests = []
        for key in schema.get("required", ()):
            tests.append(f"if {key!r} not in x: return False")
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            tests.append(f"if {key!r} in x and not {self.node(sub)}(x[{key!r}]): return False")
        extra = schema.get("additionalProperties", True)
        if extra is not True:
            known = self.constant(frozenset(properties))
            if extra is False:
                tests.append(f"if not {known}.issuperset(x): return False")
            else:
                check = self.node(extra)
                tests.append("for k, v in x.items():")
                tests.append(f"    if k not in {known} and not {check}(v): return False")
        if tests:
            body.append("if isinstance(x, dict):")
            body.extend("    " + t for t in tests)

    def _array(self, schema: dict, body: list[str]) -> None:
        tests = []
        if "minItems" in schema:
            tests.append(f"if len(x) < {_count(schema, 'minItems')}: return False")
        if "maxItems" in schema:
            tests.append(f"if len(x) > {_count(schema, 'maxItems')}: return False")
        if "items" in schema:
            if not isinstance(schema["items"], (dict, bool)):
                raise Untranslatable("items array")
            check = self.node(schema["items"])
            tests.append("for v in x:")
            tests.append(f"    if not {check}(v): return False")
        if "contains" in schema:
            check = self.node(schema["contains"])
            tests.append(f"if not any({check}(v) for v in x): return False")
        if schema.get("uniqueItems") is True:
            tests.append("if not all_unique(x): return False")
        if tests:
            body.append("if isinstance(x, list):")
            body.extend("    " + t for t in tests)

    def _number(self, schema: dict, body: list[str]) -> None:
        tests = []
        for key, op in (("minimum", "<"), ("maximum", ">")):
            if key in schema:
                bound = schema[key]
                if not isinstance(bound, (int, float)) or isinstance(bound, bool):
                    raise Untranslatable(f"{key} {bound!r}")
                tests.append(f"if x {op} {bound!r}: return False")
        if tests:
            body.append(f"if {_NUMBER}:")
            body.extend("    " + t for t in tests)

    def _logic(self, schema: dict, body: list[str]) -> None:
        for sub in schema.get("allOf", ()):
            body.append(f"if not {self.node(sub)}(x): return False")
        if "anyOf" in schema:
            checks = [f"{self.node(sub)}(x)" for sub in schema["anyOf"]]
            body.append(f"if not ({' or '.join(checks) or 'False'}): return False")
        if "oneOf" in schema:
            checks = [f"{self.node(sub)}(x)" for sub in schema["oneOf"]]
            body.append(f"if [{', '.join(checks)}].count(True) != 1: return False")
        if "not" in schema:
            body.append(f"if {self.node(schema['not'])}(x): return False")
        if "if" in schema:
            test = self.node(schema["if"])
            then = self.node(schema["then"]) if "then" in schema else None
            other = self.node(schema["else"]) if "else" in schema else None
            if then or other:
                body.append(f"if {test}(x):")
                body.append(f"    if not {then}(x): return False" if then else "    pass")
                if other:
                    body.append("else:")
                    body.append(f"    if not {other}(x): return False")


def compile_check(schema, formats: dict[str, tuple[Callable, object]]) -> Callable[[object], bool]:
    """``check(document) -> bool``: whether ``document`` is valid for ``schema`` (bundled: no
    ``$ref``). ``formats``: format name → (function, exceptions that mean "invalid"), as in
    ``jsonschema.FormatChecker.checkers``. Raises ``Untranslatable``."""
    compiler = _Compiler(formats)
    root = compiler.node(schema)
    namespace = dict(compiler.names)
    exec(compile("\n".join(compiler.lines), "<schema check>", "exec"), namespace)
    compiled = namespace[root]

    def check(document) -> bool:
        try:
            return compiled(document)
        except Exception:  # a format function failing on odd data: jsonschema decides (and raises)
            return False

    return check

"""The JSON Schemas (package data in ``gongshi/schemas/``): loading, compiled validators (built once)
and typing.

The YAML loader keeps every scalar a string. ``coerce_document`` walks a document alongside its
schema and turns only the values the schema declares ``boolean`` or ``integer`` into those types
(``true``/``false`` and plain decimal digits, nothing YAML 1.1 would guess). Everything else stays a
string and is checked by ``pattern``/``format``/``enum``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from gongshi.core.keys import SCHEMA_DIR

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry

DOCUMENT_SCHEMAS = {
    "licence": "licence.schema.json",
    "penalty": "penalty.schema.json",
    "departments": "departments.schema.json",
    "catalog": "catalog.schema.json",
    "policy": "policy.schema.json",
    "calendar": "calendar.schema.json",
}
_INT_RE = re.compile(r"^-?(0|[1-9][0-9]*)$")
_ANNOTATIONS = {"title", "description", "examples", "$comment"}
_MERGEABLE = _ANNOTATIONS | {
    "maxLength",
    "minLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
}


@cache
def _raw_schemas() -> dict[str, dict]:
    out = {}
    if SCHEMA_DIR.is_dir():
        for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
            out[path.name] = json.loads(path.read_text(encoding="utf-8"))
    return out


@cache
def registry() -> Registry:
    # lazy: jsonschema and referencing cost 0.15 s to import; typing a record (coerce_document) needs neither
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in _raw_schemas().items()
    ]
    return Registry().with_resources(resources)


def schema_for(doc_type: str) -> dict:
    return _raw_schemas()[DOCUMENT_SCHEMAS[doc_type]]


def has_schema(doc_type: str) -> bool:
    """True when the schema of ``doc_type`` is installed (no schema: nothing to validate against)."""
    return DOCUMENT_SCHEMAS.get(doc_type) in _raw_schemas()


@cache
def format_checker() -> FormatChecker:
    # Identifier formats are registered by ``identifiers`` so that the schema and the
    # cross-record checks agree on what a valid code is.
    # lazy: jsonschema and identifiers (python-stdnum) only for validation, not for typing a record
    from jsonschema import FormatChecker

    from gongshi.core import identifiers  # lazy: python-stdnum (60 ms) only when validating

    checker = FormatChecker(formats=("date",))
    identifiers.register_formats(checker)
    return checker


@cache
def validator(doc_type: str) -> Draft202012Validator:
    """A compiled validator for one document type, built once per process.

    It validates the *bundled* schema (every ``$ref`` inlined): the same rules, but about 40 % faster
    than resolving references through the registry on every record.
    """
    # lazy: jsonschema costs 0.15 s to import; commands that only read records never need it
    from jsonschema import Draft202012Validator

    return Draft202012Validator(bundled(doc_type), format_checker=format_checker())


# --------------------------------------------------------------------------------------------
# The fast pass/fail check
#
# ``jsonschema`` walks the schema for every document (≈ 0.3 ms per record, most of a cold
# validation). Almost every record is valid, and for a valid document only "valid" matters, so
# records are first checked by ``jsonschema-rs`` (a compiled 2020-12 validator) against the same
# bundled schema; only documents it rejects (or cannot take) go through ``jsonschema`` for the
# Chinese messages. Its answer must be ``jsonschema``'s on what the loader produces (dicts, lists,
# stripped strings and the booleans/integers ``coerce_document`` makes), so nothing of its own
# decides a string: every ``format`` calls the very function ``jsonschema``'s format checker calls
# (a format that checker does not know passes, as in ``jsonschema``), and every ``pattern`` becomes
# such a format calling Python's ``re.search``, which is what ``jsonschema`` does (the Rust regex
# dialect differs in corners, e.g. ``$`` before a final newline). Only the keywords below, whose
# meaning on such data is plain, are taken; any other: no fast check for that document type
# (``fast_check`` is None). tests/unit/repo/test_schemas.py proves both agree on every corpus
# document and on thousands of mutated synthetic records.

_FAST_KEYWORDS = _ANNOTATIONS | {
    "$schema",
    "type",
    "properties",
    "additionalProperties",
    "required",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "items",
    "contains",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "format",
    "pattern",
}
# Format names given to the patterns (a prefix no schema format uses).
_PATTERN_FORMAT = "gongshi-pattern-"


class _Untranslatable(Exception):
    pass


# A pattern written only with these (ASCII literals and classes, ``\d``, ``\.``, groups,
# alternation, counted repetition, ``^`` and ``$``) matches in jsonschema-rs no more than in
# Python's re: the Rust ``\d`` is ASCII, its ``$`` does not match before a final newline, the rest
# means the same. Where a stricter pattern can only reject more documents (not under ``not``,
# ``if`` or ``oneOf``), such a pattern is left to jsonschema-rs: a "no" only costs a jsonschema run.
_PLAIN_PATTERN_RE = re.compile(r"(?:[A-Za-z0-9^$()\[\]|?+*,\-]|\\[d.]|\{[0-9]+(?:,[0-9]*)?\})*")


def _plain_pattern(pattern: str) -> bool:
    r"""Only the constructs above (braces only as counted repetition; no ``(?`` group or flag; no
    negated class: the fast check's ``\d`` is ASCII only, so ``[^\d]`` would accept the other
    digits Python's ``\d`` matches, and the fast check may only reject more)."""
    return "(?" not in pattern and "[^" not in pattern and _PLAIN_PATTERN_RE.fullmatch(pattern) is not None


def _fast_schema(node, patterns: dict[str, str], exact: bool = False):
    """``node`` (a bundled 2020-12 schema) for the fast check: each ``pattern`` as a format named in
    ``patterns`` (pattern → format name), unless it is plain and rejecting more is safe (``exact``
    False: not under ``not``/``if``/``oneOf``); raises _Untranslatable on any other keyword."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise _Untranslatable(repr(node))
    out: dict = {}
    searched: list[dict] = []
    for key, value in node.items():
        if key not in _FAST_KEYWORDS:
            raise _Untranslatable(key)
        if key in _ANNOTATIONS:
            continue
        if key == "properties":
            out[key] = {k: _fast_schema(v, patterns, exact) for k, v in value.items()}
        elif key in ("additionalProperties", "items", "contains", "not", "if", "then", "else"):
            if key == "items" and not isinstance(value, (dict, bool)):
                raise _Untranslatable("items array")
            out[key] = _fast_schema(value, patterns, exact or key in ("not", "if"))
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_fast_schema(v, patterns, exact or key == "oneOf") for v in value]
        elif key == "pattern":
            if not isinstance(value, str):
                raise _Untranslatable(f"pattern {value!r}")
            if not exact and _plain_pattern(value):
                out[key] = value
                continue
            searched.append({"format": patterns.setdefault(value, f"{_PATTERN_FORMAT}{len(patterns)}")})
        else:
            out[key] = value
    if searched:
        # Beside the node's own format and allOf: every one must hold, as the keywords do.
        out["allOf"] = [*out.get("allOf", ()), *searched]
    return out


def _formats(node, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            found.add(node["format"])
        for v in node.values():
            _formats(v, found)
    elif isinstance(node, list):
        for v in node:
            _formats(v, found)
    return found


def _conforms(checker: FormatChecker, name: str) -> Callable[[str], bool]:
    """``checker.conforms(value, name)`` without its indirections (this runs per value)."""
    if name not in checker.checkers:
        return lambda value: True  # jsonschema passes a format it does not know
    func, raises = checker.checkers[name]

    def conforms(value: str) -> bool:
        try:
            return bool(func(value))
        except raises:
            return False

    return conforms


def _searches(pattern: str) -> Callable[[str], bool]:
    search = re.compile(pattern).search
    return lambda value: search(value) is not None


@cache
def fast_check(doc_type: str) -> Callable[[object], bool] | None:
    """``check(data) -> True`` when ``data`` (coerced) is valid for ``doc_type``'s schema, False when
    it may not be (then ask ``validator(doc_type)``). None when no fast check can be made."""
    return compile_fast_check(bundled(doc_type))


def compile_fast_check(schema: dict) -> Callable[[object], bool] | None:
    """The fast check of a bundled 2020-12 ``schema`` (see above), or None."""
    try:
        import jsonschema_rs  # lazy: the compiled validator only for validation runs
    except ImportError:  # pragma: no cover - a pinned dependency
        return None
    patterns: dict[str, str] = {}
    try:
        schema = _fast_schema(schema, patterns)
    except _Untranslatable:
        return None
    checker = format_checker()
    # Every format the schema names is decided by Python (see above), none by jsonschema-rs itself.
    formats = {name: _conforms(checker, name) for name in _formats(schema, set()) - set(patterns.values())}
    formats.update({name: _searches(pattern) for pattern, name in patterns.items()})
    try:
        compiled = jsonschema_rs.Draft202012Validator(schema, formats=formats, validate_formats=True)
    except Exception:  # a schema the compiler cannot take: jsonschema alone
        return None
    is_valid = compiled.is_valid

    def check(data) -> bool:
        try:
            return is_valid(data)
        except Exception:  # data it cannot take (a key that is no text), a format raising: ask jsonschema
            return False

    return check


@cache
def bundled(doc_type: str) -> dict:
    """The schema of ``doc_type`` with every ``$ref`` replaced by its target (no cycles in our schemas)."""
    name = DOCUMENT_SCHEMAS[doc_type]
    out = _inline(_raw_schemas()[name], name, 0)
    out.pop("$defs", None)
    return out


def _inline(node, base: str, depth: int):
    if depth > 40:
        raise ValueError("schema $ref nesting too deep (a cycle?)")
    if isinstance(node, list):
        return [_inline(v, base, depth + 1) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" not in node:
        return {k: _inline(v, base, depth + 1) for k, v in node.items()}
    file, _, fragment = node["$ref"].partition("#")
    file = file or base
    target = _raw_schemas()[file]
    for part in fragment.strip("/").split("/"):
        if part:
            target = target[part]
    resolved = _inline(target, file, depth + 1)
    rest = {k: _inline(v, base, depth + 1) for k, v in node.items() if k != "$ref"}
    if set(rest) <= _MERGEABLE and not (set(rest) - _ANNOTATIONS) & set(resolved):
        # Independent keywords (a maxLength next to a text type): one schema object, so errors carry
        # the title of the use site. Annotations at the use site win.
        return {**resolved, **rest}
    # Keywords next to $ref apply as well as the target (2020-12 semantics).
    return {"allOf": [resolved], **rest}


def _resolve(schema: dict, base: str) -> tuple[dict, str]:
    ref = schema.get("$ref")
    if not ref:
        return schema, base
    resolved = registry().resolver(base_uri=base).lookup(ref)
    target_base = ref.split("#", 1)[0] or base
    return resolved.contents, target_base


# id(schema node) → (node, may a value below it be typed); the node is kept so its id stays its own.
_COERCIBLE: dict[int, tuple[dict, bool]] = {}


def _coercible(schema, depth: int = 0) -> bool:
    """Whether some value under ``schema`` is declared boolean or integer (else coercion is a no-op)."""
    if not isinstance(schema, dict):
        return False
    hit = _COERCIBLE.get(id(schema))
    known = hit[1] if hit is not None and hit[0] is schema else None
    if known is None:
        known = depth > 40 or (
            "$ref" in schema
            or schema.get("type") in ("boolean", "integer")
            or any(_coercible(s, depth + 1) for s in schema.get("allOf", ()))
            or any(_coercible(s, depth + 1) for s in (schema.get("properties") or {}).values())
            or _coercible(schema.get("additionalProperties"), depth + 1)
            or _coercible(schema.get("items"), depth + 1)
        )
        _COERCIBLE[id(schema)] = (schema, known)
    return known


_TYPED_PROPERTIES: dict[int, tuple[dict, tuple[str, ...]]] = {}


def _typed_properties(schema: dict) -> tuple[str, ...]:
    """The properties of ``schema`` under which some value may be typed."""
    hit = _TYPED_PROPERTIES.get(id(schema))
    if hit is None or hit[0] is not schema:
        props = schema.get("properties", {})
        typed = tuple(
            k for k, sub in props.items() if isinstance(sub, dict) and ("$ref" in sub or _coercible(sub))
        )
        hit = _TYPED_PROPERTIES[id(schema)] = (schema, typed)
    return hit[1]


def _coerce(value, schema: dict, base: str, depth: int = 0):
    if depth > 40 or not isinstance(schema, dict):
        return value
    if "$ref" not in schema and not _coercible(schema):
        # Nothing below is typed: the value is kept as loaded (shared, not copied).
        return value
    schema, base = _resolve(schema, base)
    for sub in schema.get("allOf", ()):
        value = _coerce(value, sub, base, depth + 1)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")  # maps with free keys, e.g. {领域: 月数}
        if not (isinstance(extra, dict) and ("$ref" in extra or _coercible(extra))):
            # A copy with only the properties that can hold a typed value coerced (same keys, order).
            out = dict(value)
            for k in _typed_properties(schema):
                if k in out:
                    out[k] = _coerce(out[k], props[k], base, depth + 1)
            return out
        return {
            k: _coerce(v, props[k], base, depth + 1)
            if k in props
            else _coerce(v, extra, base, depth + 1)
            if isinstance(extra, dict)
            else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        items = schema.get("items")
        return [_coerce(v, items, base, depth + 1) for v in value] if isinstance(items, dict) else value
    if isinstance(value, str):
        typ = schema.get("type")
        if typ == "boolean" and value in ("true", "false"):
            return value == "true"
        if typ == "integer" and _INT_RE.match(value):
            return int(value)
    return value


def coerce_document(data, doc_type: str):
    """Type the booleans and integers of a loaded document as its schema says; no-op without a schema."""
    name = DOCUMENT_SCHEMAS.get(doc_type)
    if name is None or name not in _raw_schemas():
        return data
    # The bundled schema has no $ref left, so no registry look-ups per value (this runs per record).
    return _coerce(data, bundled(doc_type), name)

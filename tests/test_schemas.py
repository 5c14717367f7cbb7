"""The JSON Schemas clerks and editors see: valid draft 2020-12, Chinese titles and descriptions
with an example on every field, the code lists of the standard, and the repository's own data valid."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from gongshi import schemas
from gongshi.validate import validate_repository
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]
INPUT_SCHEMAS = sorted(set(schemas.DOCUMENT_SCHEMAS.values()) | {"common.schema.json"})
HAN = re.compile(r"[\u4e00-\u9fff]")


def properties(node, path="$"):
    """Every (path, property schema) in a schema, outside if/then/else rule branches."""
    if isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            yield f"{path}.{key}", sub
            yield from properties(sub, f"{path}.{key}")
        for key, sub in node.items():
            if key not in ("properties", "if", "then", "else", "not"):
                yield from properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from properties(sub, f"{path}[{i}]")


@pytest.mark.parametrize("name", INPUT_SCHEMAS)
def test_schema_is_valid_draft_2020_12(name):
    schema = json.loads((schemas.SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(schema)):
        assert ref.startswith(("#/$defs/", "common.schema.json#/$defs/")), ref


@pytest.mark.parametrize("name", INPUT_SCHEMAS)
def test_every_field_has_a_chinese_title_and_an_example(name):
    schema = json.loads((schemas.SCHEMA_DIR / name).read_text(encoding="utf-8"))
    missing = [
        path
        for path, sub in properties(schema)
        if not (HAN.search(sub.get("title", "")) and "例如" in sub.get("description", ""))
    ]
    assert not missing


@pytest.mark.parametrize("doc_type", ["licence", "penalty", "departments", "catalog", "policy", "calendar"])
def test_no_unknown_keys_anywhere(doc_type):
    """Every object schema closes itself: additionalProperties false (or a typed map)."""
    open_objects = []

    def walk(node, path):
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                open_objects.append(path)
            for key, sub in node.items():
                if key not in ("if", "then", "else", "not"):
                    walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")

    walk(schemas.bundled(doc_type), doc_type)
    assert open_objects == []


def test_code_lists_of_the_standard():
    common = schemas._raw_schemas()["common.schema.json"]["$defs"]
    penalty = schemas.schema_for("penalty")["properties"]
    licence = schemas.schema_for("licence")["properties"]
    assert len(penalty["categories"]["items"]["enum"]) == 14
    assert penalty["categories"]["items"]["enum"][:3] == ["警告", "通报批评", "罚款"]
    assert licence["category"]["enum"] == ["普通", "特许", "认可", "核准", "登记", "其他"]
    assert common["party_category"]["enum"] == ["法人及非法人组织", "自然人", "个体工商户"]
    assert common["status"]["enum"][0] == "有效"
    assert "简易程序" in common["withhold_reason"]["enum"]
    assert penalty["procedure"]["enum"] == ["普通程序", "简易程序"]
    assert penalty["severity"]["enum"] == ["轻微", "一般", "严重"]


@pytest.mark.parametrize("value", ["0", "5000", "1234.5", "0.01", "999999999999.99"])
def test_amount_pattern_accepts(value):
    pattern = schemas._raw_schemas()["common.schema.json"]["$defs"]["amount_yuan"]["pattern"]
    assert re.fullmatch(pattern, value)


@pytest.mark.parametrize("value", ["", "05", "1.", "1.234", "1,000", "-1", "1e3", "5000元", " 1"])
def test_amount_pattern_refuses(value):
    pattern = schemas._raw_schemas()["common.schema.json"]["$defs"]["amount_yuan"]["pattern"]
    assert not re.fullmatch(pattern, value)


def test_coercion_types_only_what_the_schema_says():
    data = {"year": "2026", "source": "x", "holidays": ["2026-01-01"], "workdays": []}
    assert schemas.coerce_document(data, "calendar")["year"] == 2026
    rec = {"disclosure": {"public": "false"}, "remarks": "true", "fine_yuan": "5000"}
    out = schemas.coerce_document(rec, "penalty")
    assert out == {"disclosure": {"public": False}, "remarks": "true", "fine_yuan": "5000"}


def test_the_repository_data_validates():
    """The sample data shipped in data/ must validate (as of the demo date of the Makefile)."""
    result = validate_repository(ROOT, date(2026, 11, 20))
    assert result.errors == [], "\n".join(f"{p.file}:{p.line} [{p.code}] {p.message}" for p in result.errors)

"""The JSON Schemas clerks and editors see: valid draft 2020-12, Chinese titles and descriptions
with an example on every field, the code lists of the standard, and the repository's own data valid."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from gongshi.check.run import validate_repository
from gongshi.repo import schemas
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[3]
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


# --------------------------------------------------------------------------------------------
# The compiled fast check agrees with jsonschema


def _full_valid(doc_type: str, data) -> bool:
    return next(iter(schemas.validator(doc_type).iter_errors(data)), None) is None


def _corpus_documents():
    from gongshi.repo.yamlload import load_yaml_bytes

    for path in sorted((ROOT / "tests" / "corpus").glob("*/*.yaml")):
        loaded = load_yaml_bytes(path.read_bytes(), path.name)
        if isinstance(loaded.data, dict):
            yield path.name, loaded.data


_ODD_VALUES = [
    "",
    "x",
    "0",
    "true",
    True,
    False,
    0,
    1,
    [],
    {},
    ["罚款"],
    {"name": "x"},
    "00000000000000000X",
    "91320400MA1YAR876L",
    "自然人",
    "个体工商户",
    "简易程序",
    "撤销",
    "其他",
    "2026-02-30",
    "2026-03-05",
    "320404",
    "3204**********1234",
    "E12*****8",
    "9" * 600,
]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _with(data, path, value):
    """A deep copy of ``data`` with ``path`` set to ``value`` (``...`` deletes it)."""
    import copy

    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        node = node[part]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def _mutations(documents, rng, per_document: int):
    for data in documents:
        yield data
        paths = [p for p in _paths(data) if p]
        for _ in range(per_document):
            path = rng.choice(paths)
            value = rng.choice([..., *_ODD_VALUES])
            yield _with(data, path, value)
        # Conditional rules: flip the fields the if/then branches look at.
        for path, value in (
            (("party", "category"), "自然人"),
            (("procedure",), "简易程序"),
            (("status",), "撤销"),
        ):
            if path[0] in data and (len(path) == 1 or isinstance(data[path[0]], dict)):
                yield _with(data, path, value)


def test_fast_check_is_made_for_records_and_refuses_untranslatable_keywords():
    assert schemas.fast_check("licence") is not None
    assert schemas.fast_check("penalty") is not None
    assert schemas.fast_check("policy") is None  # propertyNames: jsonschema only
    for schema in (
        {"type": "object", "unevaluatedProperties": False},
        {"prefixItems": [{"type": "string"}]},
        {"items": [{"type": "string"}]},
        {"propertyNames": {"maxLength": 3}},
        {"pattern": 5},
    ):
        with pytest.raises(schemas._Untranslatable):
            schemas._fast_schema(schema, {})
        assert schemas.compile_fast_check(schema) is None
    # A pattern becomes a format decided by Python's re, beside the node's own format and allOf ...
    patterns: dict[str, str] = {}
    node = {"pattern": "^a.$", "format": "date", "allOf": [{"type": "string"}], "title": "甲"}
    assert schemas._fast_schema(node, patterns) == {
        "format": "date",
        "allOf": [{"type": "string"}, {"format": "gongshi-pattern-0"}],
    }
    assert patterns == {"^a.$": "gongshi-pattern-0"}
    # ... unless it is plain and only rejecting more can follow from leaving it to jsonschema-rs.
    plain = {"pattern": "^[0-9]{6}$"}
    assert schemas._fast_schema({"properties": {"a": plain}}, {}) == {"properties": {"a": plain}}
    for wrapper in ("not", "if"):
        assert schemas._fast_schema({wrapper: plain}, {}) == {
            wrapper: {"allOf": [{"format": "gongshi-pattern-0"}]}
        }
    assert schemas._fast_schema({"oneOf": [plain]}, {}) == {
        "oneOf": [{"allOf": [{"format": "gongshi-pattern-0"}]}]
    }
    for odd in (r"^\S+$", r"^a.b$", "(?i)^k$", "^a{,3}$", r"^\w$", "^[^/]$", r"^[^\d]+$", "^其他$"):
        assert not schemas._plain_pattern(odd), odd
    assert schemas._plain_pattern(r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$")


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        # Python's $ also matches before a final newline (Rust's does not): under not, that decides.
        ({"not": {"pattern": "^a$"}}, "a\n"),
        ({"if": {"pattern": "^a$"}, "then": {"const": "b"}}, "a\n"),
        ({"oneOf": [{"pattern": "^a$"}, {"maxLength": 1}]}, "a\n"),
        ({"pattern": "^a$"}, "a\n"),
        ({"pattern": "^\\d+$"}, "١٢"),  # Arabic-Indic digits are \d for Python's re
        ({"not": {"pattern": "^\\d+$"}}, "١٢"),
        ({"not": {"pattern": "^\\S+$"}}, "甲"),
        ({"pattern": "^\\S{2}$"}, "甲乙"),
        ({"format": "date"}, "2026-02-30"),
        ({"not": {"format": "date"}}, "2026-02-28"),
        ({"format": "uscc"}, "91320404MA1X0000X0"),
        ({"format": "not-a-known-format"}, "x"),  # jsonschema passes what it does not know
        ({"not": {"format": "not-a-known-format"}}, "x"),
        ({"type": "object", "properties": {"a": {"const": True}}}, {"a": 1}),
        ({"type": "array", "uniqueItems": True}, [True, 1]),
        ({"type": "object"}, {1: "a"}),  # a key that is no text: the fast check says "ask jsonschema"
    ],
)
def test_fast_check_answers_as_jsonschema_where_the_regex_dialects_and_formats_differ(schema, value):
    from jsonschema import Draft202012Validator

    full = Draft202012Validator(schema, format_checker=schemas.format_checker()).is_valid(value)
    check = schemas.compile_fast_check({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema})
    assert check is not None
    fast = check(value)
    # Valid for the fast check only where jsonschema agrees (a "no" only costs a jsonschema run) ...
    assert full or not fast
    # ... and where jsonschema-rs decides a plain pattern itself, that is where rejecting more is safe.
    plain_and_positive = "pattern" in schema and schemas._plain_pattern(schema["pattern"])
    assert fast == full or plain_and_positive or (isinstance(value, dict) and 1 in value)


def test_fast_check_agrees_with_jsonschema_on_the_corpus_and_mutated_synthetic_records():
    """Valid/invalid must be the same for every document, in both directions (a record the fast
    check accepts never reaches jsonschema, so a disagreement would hide errors)."""
    import random

    from gongshi.repo.yamlload import load_yaml_bytes

    from bench import synth

    documents = [data for _name, data in _corpus_documents()]
    for record in synth.iter_records(160, seed=3, end=date(2026, 11, 20), recent=(14, 0.1)):
        documents.append(load_yaml_bytes(record.yaml().encode(), record.relpath).data)
    checked = {"licence": [0, 0], "penalty": [0, 0]}
    disagree = []
    for data in _mutations(documents, random.Random(20161), per_document=12):
        for doc_type in ("licence", "penalty"):
            typed = schemas.coerce_document(data, doc_type)
            fast = schemas.fast_check(doc_type)(typed)
            full = _full_valid(doc_type, typed)
            checked[doc_type][full] += 1
            if fast != full:
                disagree.append((doc_type, fast, full, typed))
    assert disagree == []
    # Both outcomes well represented for both types (the comparison means something).
    assert all(invalid > 1000 and valid > 100 for invalid, valid in checked.values()), checked

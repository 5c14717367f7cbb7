"""The strict YAML loader: what a clerk writes is exactly what the record says."""

from __future__ import annotations

import unicodedata

import pytest
from gongshi.repo.yamlload import MAX_FILE_BYTES, load_yaml_bytes
from hypothesis import given, settings
from hypothesis import strategies as st


def load(text: str | bytes):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return load_yaml_bytes(raw, "t.yaml")


@pytest.mark.parametrize(
    "scalar",
    [
        "0123",
        "no",
        "yes",
        "off",
        "2024-01-02",
        "12:30",
        ".inf",
        "-.inf",
        ".nan",
        "1e3",
        "0x1F",
        "0o17",
        "~",
        "null",
        "true",
    ],
)
def test_implicit_yaml_types_stay_strings(scalar):
    loaded = load(f"value: {scalar}\nlist: [{scalar}]\n")
    assert loaded.ok, loaded.problems
    assert loaded.data == {"value": scalar, "list": [scalar]}


def test_numeric_keys_and_credit_codes_stay_strings():
    loaded = load("123: a\nuscc: 913204040141234580\nregion: 320404\n")
    assert loaded.data == {"123": "a", "uscc": "913204040141234580", "region": "320404"}


def test_empty_values_are_empty_strings():
    loaded = load("a:\nb: ''\nc: \"\"\n")
    assert loaded.data == {"a": "", "b": "", "c": ""}


def test_text_is_nfc_normalised_and_trimmed():
    decomposed = "Cafe\u0301  "
    loaded = load(f"name: '  {decomposed}'\n")
    assert loaded.data["name"] == "Café"
    assert unicodedata.is_normalized("NFC", loaded.data["name"])


def test_keys_are_nfc_normalised_too():
    loaded = load("e\u0301: 1\n")
    assert list(loaded.data) == ["é"]


def test_block_scalar_keeps_inner_newlines():
    loaded = load("facts: |\n  第一行\n  第二行\n")
    assert loaded.data["facts"] == "第一行\n第二行"


def test_byte_order_mark_is_tolerated():
    loaded = load(b"\xef\xbb\xbfkind: penalty\ndoc_no: x\n")
    assert loaded.ok
    assert loaded.data == {"kind": "penalty", "doc_no": "x"}
    assert loaded.lines["$.doc_no"] == 2


def test_crlf_line_endings():
    loaded = load(b"kind: penalty\r\nparty:\r\n  name: \xe5\xbc\xa0\r\n  category: x\r\n")
    assert loaded.ok
    assert loaded.data == {"kind": "penalty", "party": {"name": "张", "category": "x"}}
    assert loaded.lines["$.party.category"] == 4


def test_lines_of_nested_values_and_list_items():
    text = "# comment\nkind: penalty\nparty:\n  name: a\ncategories:\n  - 警告\n  - 罚款\n"
    loaded = load(text)
    assert loaded.lines["$.kind"] == 2
    assert loaded.lines["$.party"] == 3
    assert loaded.lines["$.party.name"] == 4
    assert loaded.lines["$.categories"] == 5
    assert loaded.lines["$.categories[1]"] == 7
    # A missing field is reported at its nearest ancestor.
    assert loaded.line_of("$.party.uscc") == 3
    assert loaded.line_of("$.categories[1]") == 7
    assert loaded.line_of("$.nothing") == loaded.lines["$"]


def test_non_ascii_keys_get_bracket_paths():
    loaded = load("决定日期: 2026-01-01\n")
    assert loaded.lines["$['决定日期']"] == 1


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a: 1\na: 2\n", "yaml.duplicate_key", 2),
        ("a: &x 1\nb: *x\n", "yaml.alias", 1),
        ("a: !!python/object:os.system x\n", "yaml.tag", 1),
        ("a: !custom x\n", "yaml.tag", 1),
        ("a: 1\n---\nb: 2\n", "yaml.multiple_documents", 2),
        ("a:\n\tb: 1\n", "yaml.syntax", 2),
        ("a: 'unclosed\n", "yaml.syntax", None),
        ("? [a]\n: b\n", "yaml.key_type", 1),
    ],
)
def test_refused_constructs(text, code, line):
    loaded = load(text)
    assert not loaded.ok
    assert [p.code for p in loaded.problems] == [code]
    if line is not None:
        assert loaded.problems[0].line == line
    assert loaded.data is None


def test_encodings():
    assert load("名称: 测试".encode("gbk")).problems[0].code == "yaml.encoding"
    assert load("a: b".encode("utf-16")).problems[0].code == "yaml.encoding"
    assert load(b"a: b\x00").problems[0].code == "yaml.encoding"


def test_size_cap():
    loaded = load(b"a: " + b"x" * MAX_FILE_BYTES)
    assert [p.code for p in loaded.problems] == ["yaml.too_large"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw):
    loaded = load_yaml_bytes(raw, "fuzz.yaml")
    assert loaded.ok or loaded.problems


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}&*!|>'\"#\n\t\u00e9,?%@`0")), max_size=80))
def test_arbitrary_yaml_like_text_never_raises(text):
    loaded = load(text)
    assert loaded.ok or loaded.problems
    if loaded.ok:
        assert loaded.data is None or isinstance(loaded.data, (str, list, dict))

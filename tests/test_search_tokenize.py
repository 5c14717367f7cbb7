"""The search tokenizer against the vectors shared with theme/static/js/tokenize.js."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gongshi.tokenize import canonical, matches, query_terms, tokens
from hypothesis import given, settings
from hypothesis import strategies as st

VECTORS = json.loads((Path(__file__).parent / "search_vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", VECTORS["tokenize"], ids=lambda c: c["name"])
def test_tokenize_vectors(case):
    assert tokens(case["text"]) == case["tokens"]
    assert canonical(case["text"]) == case["canonical"]
    assert query_terms(case["text"]) == case["query_terms"]


@pytest.mark.parametrize("case", VECTORS["matches"], ids=lambda c: c["name"])
def test_match_vectors(case):
    assert matches(case["query"], case["fields"]) is case["matches"]


def test_vectors_cover_the_required_cases():
    names = {c["name"] for c in VECTORS["tokenize"]} | {c["name"] for c in VECTORS["matches"]}
    assert len(VECTORS["tokenize"]) + len(VECTORS["matches"]) >= 50
    for required in ("empty", "credit code full-width", "doc number", "extension B", "emoji separates"):
        assert required in names


def test_every_match_is_found_by_the_index_terms():
    """Recall guarantee: when a query matches a field, every query term is a token of that field."""
    for case in VECTORS["matches"]:
        if case["matches"]:
            field_tokens = {t for f in case["fields"] for t in tokens(f)}
            assert set(query_terms(case["query"])) <= field_tokens, case["name"]


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=4))
@settings(max_examples=300, deadline=None)
def test_fields_joined_by_a_newline_give_the_tokens_of_each_field(fields):
    """The indexer tokenizes a record's fields in one call, joined by a newline (a separator)."""
    assert tokens("\n".join(fields)) == [t for f in fields for t in tokens(f)]


def test_joined_fields_on_tricky_text():
    fields = ["ＡＢＣ科技ﾞ", "\u0301钟市监罚〔２０２４〕１２号", "İstanbul", "ΑΣ", "\u3099的"]
    assert tokens("\n".join(fields)) == [t for f in fields for t in tokens(f)]

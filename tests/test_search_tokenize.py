"""The search tokenizer against the vectors shared with theme/static/js/tokenize.js."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gongshi.tokenize import canonical, matches, query_terms, tokens

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

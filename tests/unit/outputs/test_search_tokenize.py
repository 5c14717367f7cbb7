"""The search tokenizer against the vectors shared with theme/static/js/tokenize.js."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gongshi.outputs.search.tokenize import canonical, index_terms, matches, pairs, query_terms, tokens
from hypothesis import given, settings
from hypothesis import strategies as st

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "search_vectors.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", VECTORS["tokenize"], ids=lambda c: c["name"])
def test_tokenize_vectors(case):
    assert tokens(case["text"]) == case["tokens"]
    assert canonical(case["text"]) == case["canonical"]
    assert query_terms(case["text"]) == case["query_terms"]
    assert pairs(case["text"]) == case["pairs"]


@pytest.mark.parametrize("case", VECTORS["matches"], ids=lambda c: c["name"])
def test_match_vectors(case):
    assert matches(case["query"], case["fields"]) is case["matches"]


def test_vectors_cover_the_required_cases():
    names = {c["name"] for c in VECTORS["tokenize"]} | {c["name"] for c in VECTORS["matches"]}
    assert len(VECTORS["tokenize"]) + len(VECTORS["matches"]) >= 50
    for required in ("empty", "credit code full-width", "doc number", "extension B", "emoji separates"):
        assert required in names


def test_every_match_is_found_by_the_index_terms():
    """Recall guarantee: when a query matches a field, every query term and pair is held by that
    field in the index."""
    for case in VECTORS["matches"]:
        if case["matches"]:
            field = next(f for f in case["fields"] if matches(case["query"], [f]))
            held = set(index_terms([field]))
            assert set(query_terms(case["query"])) <= held, case["name"]
            assert set(pairs(case["query"])) <= held, case["name"]


han = st.sampled_from("华恒机械钟市监罚号第字")
run_text = st.one_of(st.text(han, min_size=1, max_size=4), st.text("0123ab", min_size=1, max_size=3))
separator = st.sampled_from([" ", "〔", "〕", "-", "（", "）", "·"])


@given(st.lists(st.tuples(run_text, separator), min_size=1, max_size=6), st.data())
@settings(max_examples=400, deadline=None)
def test_a_matching_query_finds_its_terms_and_pairs_in_the_field(parts, data):
    """Property form of the recall guarantee: any stretch of a field that the match rule accepts."""
    field = "".join(a + b for a, b in parts)
    runs_ = canonical(field).split(" ")
    i = data.draw(st.integers(0, len(runs_) - 1))
    j = data.draw(st.integers(i, len(runs_) - 1))
    chosen = runs_[i : j + 1]
    # Han runs at the ends may be cut (a suffix at the start, a prefix at the end).
    if canonical(chosen[0]) and not chosen[0].isascii():
        chosen[0] = chosen[0][data.draw(st.integers(0, len(chosen[0]) - 1)) :]
    if not chosen[-1].isascii():
        chosen[-1] = chosen[-1][: data.draw(st.integers(1, len(chosen[-1])))]
    query = " ".join(chosen)
    assert matches(query, [field])
    held = set(index_terms([field]))
    assert set(query_terms(query)) <= held and set(pairs(query)) <= held


def test_index_terms_are_the_tokens_and_pairs_of_each_field():
    fields = ["常州华恒机械有限公司", "钟市监罚〔2024〕12号", "91320404MA1W8XYZ3K"]
    assert index_terms(fields) == [t for f in fields for t in tokens(f) + pairs(f)]


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=4))
@settings(max_examples=300, deadline=None)
def test_fields_joined_by_a_newline_give_the_tokens_of_each_field(fields):
    """The indexer tokenizes a record's fields in one call, joined by a newline (a separator)."""
    assert tokens("\n".join(fields)) == [t for f in fields for t in tokens(f)]


def test_joined_fields_on_tricky_text():
    fields = ["ＡＢＣ科技ﾞ", "\u0301钟市监罚〔２０２４〕１２号", "İstanbul", "ΑΣ", "\u3099的"]
    assert tokens("\n".join(fields)) == [t for f in fields for t in tokens(f)]

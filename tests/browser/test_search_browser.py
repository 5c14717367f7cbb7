"""The search page in real Chromium against a fixture site built with the real index writer:
exact result sets compared with a brute-force scan of the same public records, filters, URL state,
and tokenizer parity with the shared vectors. The real ``search.html`` of a real build is tested in
tests/browser/test_sample_site_browser.py. Browser and server are the shared fixtures of tests/conftest.py."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from gongshi.outputs.search.index import Tuning
from gongshi.outputs.search.tokenize import normalize
from gongshi.public.record import project

from tests.support.pagewait import wait_true
from tests.support.search_fixture import (
    all_results,
    brute_force,
    build_site,
    filler_entries,
    fixture_entries,
    settled,
)

pytestmark = pytest.mark.browser

# Small enough that every path runs: several doc chunks per group, frequent-term lists (b/).
SMALL = Tuning(doc_chunk=2, shard_docs=4, min_shards=4, big_df=8)
VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "search_vectors.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    entries = fixture_entries() + filler_entries(150)
    out = tmp_path_factory.mktemp("searchsite")
    build_site(entries, out, tuning=SMALL)
    return out, entries


@pytest.fixture
def site(built, serve):
    out, entries = built
    return serve(out), entries


@pytest.fixture
def page(browser, console_errors):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    pg = context.new_page()
    errors = console_errors(pg)
    yield pg
    context.close()
    assert not errors, errors


def search(page, url: str, **params) -> dict:
    qs = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    page.goto(f"{url}/search/?{qs}")
    return all_results(page)


QUERIES = [
    "常州华恒机械制造有限公司",  # full name
    "华恒机械",  # fragment; look-alikes that expired yesterday, are pending or withdrawn must be absent
    "华恒",
    "恒华",
    "钟市监罚〔2024〕12号",  # doc number that is also the tail of another one
    "钟市监罚[2024]12号",  # other brackets
    "钟市监罚〔２０２４〕１２号",  # full-width digits
    "〔2024〕12号",  # fragment: 12 must be whole, so 123 is not found
    "2024 123",
    "91320404MA1W8XYZ3K",  # credit code
    "９１３２０４０４ｍａ１ｗ８ｘｙｚ３ｋ",  # full-width lower-case credit code
    "91320404MA1W8XEXP1",  # the expired record's code
    "abc科技",  # full-width letters in the record
    "3d打印",  # digits and Han mixed
    "𠀁贸易",  # extension B
    "有限公司",  # common words
    "公司",
    "张三丰",  # the full name of a natural person is not searchable
    "钟市监罚〔2023〕12号",  # the natural person's record, by its document number
    "钟楼区华恒小吃",
    "不存在的公司名称",  # miss
]


@pytest.mark.parametrize("query", QUERIES)
def test_results_equal_brute_force(page, site, query):
    url, entries = site
    expected = brute_force(entries, query)
    got = search(page, url, q=query)
    assert len(got["ids"]) == len(set(got["ids"]))
    assert set(got["ids"]) == expected
    if expected:
        assert f"共找到 {len(expected)} 条记录" in got["status"]
    else:
        assert "没有找到" in got["status"]


def test_plain_substring_queries_agree_with_substring_search(page, site):
    """For queries without punctuation the rule is plain substring search over the shown fields."""
    url, entries = site
    for query in ("华恒机械", "恒机", "机械制造有限", "ＡＢＣ科技"):
        want = {
            e.id
            for e in entries
            if e.is_public
            and normalize(query) in normalize(project(e.record).party_name + "\n" + e.record.doc_no)
        }
        assert set(search(page, url, q=query)["ids"]) == want, query


def test_hidden_records_never_found(page, site):
    url, entries = site
    for e in entries:
        if not e.is_public:
            for q in (e.record.party_name, e.record.doc_no, e.record.uscc):
                if q:
                    assert e.id not in search(page, url, q=q)["ids"], (e.state, q)


def test_masked_names_shown_and_newest_first(page, site):
    url, entries = site
    got = search(page, url, q="钟市监罚〔2023〕12号")
    assert got["names"] == ["张**"]
    got = search(page, url, q="华恒")
    by_id = {e.id: e for e in entries}
    dates = [by_id[i].record.decision_date for i in got["ids"]]
    assert dates == sorted(dates, reverse=True)


def test_filters_and_url_state(page, site):
    url, entries = site
    base = brute_force(entries, "公司")
    by_id = {e.id: e for e in entries}
    got = search(page, url, q="公司", kind="licence", dept="zjj", year="2025")
    want = {
        i
        for i in base
        if by_id[i].record.kind == "licence"
        and by_id[i].record.authority == "zjj"
        and by_id[i].record.decision_date.year == 2025
    }
    assert want and set(got["ids"]) == want
    # The form reflects the URL; changing a filter and submitting updates the URL; back restores it.
    assert page.input_value("#search-q") == "公司"
    assert page.input_value("#search-kind") == "licence"
    page.select_option("#search-dept", "")
    wait_true(page, "!location.search.includes('dept=')")
    settled(page)
    wider = {
        i for i in base if by_id[i].record.kind == "licence" and by_id[i].record.decision_date.year == 2025
    }
    assert wider > want
    assert set(all_results(page)["ids"]) == wider
    page.go_back()
    wait_true(page, "document.querySelector('#search-dept').value === 'zjj'")
    settled(page)
    assert set(all_results(page)["ids"]) == want


def test_typing_with_the_keyboard(page, site):
    url, entries = site
    page.goto(f"{url}/search/")
    settled(page)
    assert "请输入" in page.inner_text("#search-status")
    page.focus("#search-q")
    page.keyboard.type("华恒机械")
    page.keyboard.press("Enter")
    wait_true(page, "location.search.includes('q=')")
    settled(page)
    assert set(all_results(page)["ids"]) == brute_force(entries, "华恒机械")
    assert page.get_attribute("#search-status", "aria-live") == "polite"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_single_character_asks_for_more(page, site):
    """The index holds bigrams: a lone Han character (恒, or a masked name 张**) is not searchable."""
    url, _ = site
    for q in ("恒", "张**"):
        got = search(page, url, q=q)
        assert got["ids"] == [] and "两个连续的汉字" in got["status"]


def test_tokenizer_parity_in_chromium(page, site):
    url, _ = site
    page.goto(f"{url}/search/")
    settled(page)
    result = page.evaluate(
        """v => ({
          tok: v.tokenize.map(c => [GongshiTokenize.tokens(c.text), GongshiTokenize.canonical(c.text),
                                    GongshiTokenize.queryTerms(c.text), GongshiTokenize.pairs(c.text)]),
          mat: v.matches.map(c => GongshiTokenize.matches(c.query, c.fields)) })""",
        VECTORS,
    )
    for case, (toks, canon, terms, pairs) in zip(VECTORS["tokenize"], result["tok"], strict=True):
        want = (case["tokens"], case["canonical"], case["query_terms"], case["pairs"])
        assert (toks, canon, terms, pairs) == want, case["name"]
    for case, got in zip(VECTORS["matches"], result["mat"], strict=True):
        assert got is case["matches"], case["name"]


def test_relevance_ranks_verified_results_with_lunr(page, site):
    """By relevance: the same exact set, counted exactly, the closest match first (lunr.js BM25
    over the verified rows: the shorter field holding the query ranks higher)."""
    url, entries = site
    query = "钟市监罚〔2024〕12号"
    got = search(page, url, q=query, sort="relevance")
    assert set(got["ids"]) == brute_force(entries, query) and len(got["ids"]) == 2
    assert got["ids"][0] == "scjg-cf-2024-0012"  # 钟市监罚… before 常钟市监罚…
    assert "共找到 2 条记录" in got["status"]
    by_date = search(page, url, q=query)["ids"]
    assert by_date[0] == "zjj-cf-2024-0012"  # decided a day later: first by date
    # Too many candidates to fetch every row: date order, and the page says so.
    many = search(page, url, q="公司", sort="relevance")
    assert set(many["ids"]) == brute_force(entries, "公司")
    assert "按日期从新到旧排列" in many["status"]


def test_shard_hash_parity_in_chromium(page, site):
    import zlib

    url, _ = site
    page.goto(f"{url}/search/")
    settled(page)
    samples = ["公司", "91320404ma1w8xyz3k", "𠀀𠀁", "2024", "é", ""]
    got = page.evaluate("s => s.map(GongshiSearchEngine.crc32)", samples)
    assert got == [zlib.crc32(s.encode("utf-8")) for s in samples]

"""Issue 19 in Chromium, on a real build of the committed sample data (``gongshi demo`` +
``gongshi build``): a withdrawn decision's 文号 typed into the search page leads to its withdrawal
notice (never to its former content), and an organisation page lists exactly the records a
brute-force scan of the snapshot finds for that 统一社会信用代码 on that day."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

import pytest
from gongshi.core.identifiers import uscc_problem
from gongshi.core.privacy import redact
from gongshi.public.record import project
from gongshi.site.urls import org_path, record_path

from tests.support.search_fixture import all_results

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from gongshi.snapshot.load import load

    from tests.support.sample_site import AS_OF, build_sample_site

    repo, out = build_sample_site(tmp_path_factory.mktemp("sample"))
    return out, load(repo, AS_OF, cache=False)


@pytest.fixture
def page(browser, console_errors):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    errors = console_errors(pg)
    yield pg
    context.close()
    assert errors == []


def brute_force_orgs(snapshot) -> dict[str, dict[str, set[str]]]:
    """Every organisation code with its public records and withdrawal notices, by scanning every
    entry's record (not the site's own grouping)."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"public": set(), "notices": set()})
    notices = {e.id for e in snapshot.withdrawal_notices()}
    for e in snapshot.entries:
        party = e.record.data.get("party") or {}
        code = str(party.get("uscc") or "").strip()
        # A code the privacy lint masks (it reads as an ID number) is never published, so it
        # keys no page either.
        if e.record.is_natural_person or uscc_problem(code) is not None or redact(code) != code:
            continue
        if e.is_public:
            found[code]["public"].add(e.id)
        elif e.id in notices:
            found[code]["notices"].add(e.id)
    return {code: v for code, v in found.items() if v["public"]}


def test_withdrawn_document_number_leads_to_its_notice(sample, serve, page):
    out, snapshot = sample
    url = serve(out)
    notices = sorted(snapshot.withdrawal_notices(), key=lambda e: e.id)
    assert notices, "the sample data has withdrawn decisions"
    for e in notices[:3]:
        doc_no = e.record.doc_no
        page.goto(f"{url}/search.html?q={quote(doc_no)}")
        got = all_results(page)
        assert e.id in got["ids"], (doc_no, got)
        shown = got["names"][got["ids"].index(e.id)]
        assert "撤回公告" in shown and e.record.party_name not in shown
        result = page.locator("#search-results li", has=page.locator(f"h3 a[href$='/{record_path(e.id)}']"))
        assert "已" + e.record.status in result.inner_text()
        assert e.record.party_name not in result.inner_text()
        page.click(f"#search-results h3 a[href$='/{record_path(e.id)}']")
        page.wait_for_url(f"**/{record_path(e.id)}")
        assert "撤回公告" in page.inner_text("main h1")
        assert e.record.party_name not in page.inner_text("main")


def test_organisation_pages_list_exactly_the_brute_force_records(sample, serve, page, axe):
    out, snapshot = sample
    url = serve(out)
    expected = brute_force_orgs(snapshot)
    # Exactly one page per organisation with a record in public view, and no other.
    assert {p.name for p in (out / "org").iterdir()} == {f"{code}.html" for code in expected}
    busiest = sorted(expected, key=lambda c: (-len(expected[c]["public"]) - len(expected[c]["notices"]), c))
    with_notice = [c for c in busiest if expected[c]["notices"]]
    for code in dict.fromkeys(busiest[:3] + with_notice[:1]):
        page.goto(f"{url}/{org_path(code)}")
        hrefs = page.eval_on_selector_all(
            "main ol.rows li > a", "els => els.map(a => a.getAttribute('href'))"
        )
        ids = {h.rsplit("/", 1)[-1].removesuffix(".html") for h in hrefs}
        assert len(hrefs) == len(ids)
        assert ids == expected[code]["public"] | expected[code]["notices"], code
        text = page.inner_text("main")
        assert code in text
        kinds = {e.record.kind for e in snapshot.entries if e.id in expected[code]["public"]}
        for kind, label in (("licence", "行政许可"), ("penalty", "行政处罚")):
            statement = f"本站无该单位公示中的{label}"
            assert (statement in text) == (kind not in kinds)
        violations = [(v["id"], v["help"]) for v in axe(page)]
        assert violations == []


def test_record_page_and_search_result_link_the_organisation(sample, serve, page):
    out, snapshot = sample
    url = serve(out)
    expected = brute_force_orgs(snapshot)
    code = sorted(expected)[0]
    rid = sorted(expected[code]["public"])[0]
    page.goto(f"{url}/{record_path(rid)}")
    page.click(f"main a[href$='/{org_path(code)}']")
    page.wait_for_url(f"**/{org_path(code)}")
    page.goto(f"{url}/search.html?q={code}")
    all_results(page)
    assert page.locator(f"#search-results a[href$='/{org_path(code)}']").count() >= 1
    # A natural person's result links no organisation page.
    person = next(
        e for e in sorted(snapshot.entries, key=lambda e: e.id) if e.is_public and e.record.is_natural_person
    )
    page.goto(f"{url}/search.html?q={quote(person.record.doc_no)}")
    all_results(page)
    item = page.locator("#search-results li", has=page.locator(f"h3 a[href$='/{record_path(person.id)}']"))
    assert item.locator("a[href*='/org/']").count() == 0
    assert project(person.record).party_name in item.inner_text()

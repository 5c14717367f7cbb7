"""The real search page and dashboard of a real build of the committed sample data (``gongshi demo``
+ ``gongshi build``, tests/support/sample_site.py) in Chromium: typing in the search box finds the records
a brute-force scan finds, names of natural persons are masked, and axe-core reports no violation
(empty page, with results, dashboard). Browser, server and axe: the fixtures of tests/conftest.py."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from gongshi.public.record import project

from tests.support.pagewait import wait_true
from tests.support.search_fixture import all_results, brute_force, settled

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from gongshi.snapshot.load import load

    from tests.support.sample_site import AS_OF, build_sample_site

    repo, out = build_sample_site(tmp_path_factory.mktemp("sample"))
    return out, load(repo, AS_OF, cache=False).entries


@pytest.fixture
def page(browser, console_errors):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    errors = console_errors(pg)
    yield pg
    context.close()
    assert errors == []


def no_violations(axe, page) -> list:
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in axe(page)]


def test_typing_a_query_on_the_real_search_page(sample, serve, page, axe):
    out, entries = sample
    url = serve(out)
    public = sorted((e for e in entries if e.is_public), key=lambda e: e.id)
    company = next(e for e in public if not e.record.is_natural_person)
    page.goto(f"{url}/search.html")
    settled(page)
    assert no_violations(axe, page) == []
    # A fragment of a company's name, typed into the page's own search box.
    fragment = company.record.party_name[2:6]
    page.focus("#search-q")
    page.keyboard.type(fragment)
    page.keyboard.press("Enter")
    wait_true(page, "location.search.includes('q=')")
    got = all_results(page)
    assert company.id in got["ids"]
    assert set(got["ids"]) == brute_force(entries, fragment)
    assert no_violations(axe, page) == [], "with results shown"
    # The result links lead to the record pages of the build.
    page.click(f"#search-results a[href$='/r/{company.id}.html']")
    page.wait_for_url(f"**/r/{company.id}.html")


def test_natural_person_found_by_document_number_shown_masked(sample, serve, page):
    out, entries = sample
    url = serve(out)
    person = next(
        e for e in sorted(entries, key=lambda e: e.id) if e.is_public and e.record.is_natural_person
    )
    page.goto(f"{url}/search.html?q={quote(person.record.doc_no)}")
    got = all_results(page)
    assert person.id in got["ids"]
    shown = got["names"][got["ids"].index(person.id)]
    assert project(person.record).party_name in shown and person.record.party_name not in shown


def test_dashboard_of_the_sample_site_accessible(sample, serve, page, axe):
    out, _ = sample
    page.goto(f"{serve(out)}/dashboard/")
    assert page.locator("main#main h1").count() == 1
    assert page.locator("svg[role=img]").count() >= 3
    assert no_violations(axe, page) == []

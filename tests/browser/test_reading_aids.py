"""Reading aids in real Chromium: the 繁體 view (opencc-js in the browser), larger text and high
contrast, each remembered across pages, each passing axe-core, and search working in 繁體."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from gongshi.site.urls import record_path

from tests.support.golden_site import build_golden_site
from tests.support.pagewait import wait_true

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/list/penalty/",
    "/" + record_path("scjg-xk-2026-0201"),
    "/dept/scjg/",
    "/search.html",
    "/dashboard/",
]

WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
FONT_SIZE = "() => parseFloat(getComputedStyle(document.body).fontSize)"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_golden_site(tmp_path_factory.mktemp("aids-site"))


@pytest.fixture
def base(site, serve) -> str:
    return serve(site)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    yield ctx
    ctx.close()


def choose(page, aid: str) -> None:
    page.locator(f"#aids button[data-aid={aid}]").click()


def violations(axe, page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in axe(page)]


def test_traditional_view_converts_every_page_and_is_remembered(context, base, axe, console_errors):
    page = context.new_page()
    errors = console_errors(page)
    page.goto(base + "/")
    brand = page.locator(".brand")
    assert "行政处罚" in brand.inner_text()
    choose(page, "hant")
    wait_true(page, "document.documentElement.lang === 'zh-Hant'")
    assert "行政處罰" in brand.inner_text()
    assert page.locator("#aids button[data-aid=hant]").get_attribute("aria-pressed") == "true"
    for path in PAGES:
        page.goto(base + path)
        wait_true(page, "document.documentElement.lang === 'zh-Hant'")
        text = page.locator("body").inner_text()
        assert "处罚" not in text and "许可" not in text, path  # nothing left in simplified
        assert violations(axe, page) == [], path
    # Back to 简体: the page as published.
    with page.expect_navigation():
        choose(page, "hant")
    wait_true(page, "document.documentElement.lang === 'zh-CN'")
    assert "行政处罚" in page.locator(".brand").inner_text()
    assert errors == []


def test_search_finds_a_name_typed_in_traditional(context, base):
    page = context.new_page()

    def ids(query: str) -> list[str]:
        page.goto(base + "/search.html?q=" + quote(query))
        page.wait_for_selector("#search-app[data-state=done]")
        return page.evaluate("() => window.gongshiSearch.last.ids")

    simplified = ids("晨光测试食品")
    assert "scjg-xk-2026-0201" in simplified
    assert ids("晨光測試食品") == []  # the index holds simplified text: without the 繁體 view nothing matches
    page.evaluate("() => localStorage.setItem('gongshi-aids', JSON.stringify({hant: true}))")
    assert ids("晨光測試食品") == simplified
    result = page.locator(".search-result h3 a").first
    assert "測試" in result.inner_text()  # the result itself is shown in traditional too


@pytest.mark.parametrize("aid", ["large", "contrast"])
def test_large_text_and_high_contrast_pass_axe_and_persist(context, base, axe, aid):
    page = context.new_page()
    page.goto(base + "/")
    size_before = page.evaluate(FONT_SIZE)
    background_before = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    choose(page, aid)
    for path in PAGES:
        page.goto(base + path)
        assert page.evaluate(f"() => document.documentElement.classList.contains('aid-{aid}')"), path
        assert violations(axe, page) == [], path
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)
    if aid == "large":
        assert (
            page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= size_before * 1.2
        )
    else:
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != background_before
    choose(page, aid)
    page.goto(base + "/")
    assert not page.evaluate(f"() => document.documentElement.classList.contains('aid-{aid}')")

"""The built site in real Chromium: no console errors, no axe-core (WCAG 2.1 A/AA) violations,
no horizontal scrolling at 360 px, a working skip link, and print styles."""

from __future__ import annotations

from pathlib import Path

import pytest
from gongshi.site.urls import record_path

from tests.support.golden_site import build_golden_site

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/list/licence/",
    "/list/penalty/",
    "/" + record_path("scjg-cf-2026-0202"),  # natural person, listed
    "/" + record_path("wjw-xk-2026-0011"),  # corrected, with history
    "/" + record_path("scjg-cf-2026-0203"),  # withdrawal notice
    "/dept/",
    "/dept/scjg/",
    "/archives/",
    "/archives/2026/11/",
    "/rules.html",
    "/sitemap.html",
    "/search.html",  # the real search page (typing a query: tests/browser/test_sample_site_browser.py)
    "/dashboard/",
    "/tianbao/",  # the on-site form (filling it: tests/browser/test_tianbao_browser.py)
    "/data/",  # downloads: two tables, a row group per department
    "/about.html",
    "/404.html",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_golden_site(tmp_path_factory.mktemp("browser-site"))


@pytest.fixture
def base(site, serve) -> str:
    return serve(site)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_clean_and_accessible(browser, base, axe, console_errors, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        errors = console_errors(page)
        response = page.goto(base + path)
        assert response is not None and response.ok
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("main#main").count() == 1 and page.locator("h1").count() == 1
        violations = axe(page)
        assert violations == [], [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations
        ]
        assert errors == []
    finally:
        page.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scroll_at_360px(browser, base, path, tmp_path):
    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        page.goto(base + path)
        page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
    finally:
        page.close()


def test_skip_link_and_keyboard(browser, base):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(base + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到正文"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # visible focus
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        # The search form is reachable and submits with the keyboard to the search page.
        page.focus("#q")
        page.keyboard.type("晨光")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search.html?q=*")
    finally:
        page.close()


def test_print_hides_navigation(browser, base):
    page = browser.new_page()
    try:
        page.goto(base + "/" + record_path("wjw-xk-2026-0011"))
        page.emulate_media(media="print")
        assert page.locator("header nav").is_hidden()
        assert page.locator("main h1").is_visible()
    finally:
        page.close()


def test_axe_harness_reports_violations(browser, axe):
    """The checks above can fail: a page with an unlabeled input and low contrast is reported."""
    page = browser.new_page()
    try:
        page.set_content(
            '<html lang="zh-CN"><head><title>t</title></head><body><main><h1>t</h1>'
            '<input type="text"><p style="color:#bbb;background:#fff">浅色文字</p></main></body></html>'
        )
        ids = {v["id"] for v in axe(page)}
        assert {"label", "color-contrast"} <= ids, ids
    finally:
        page.close()

"""Issue 19 point 4 in real Chromium: the dashboard and the monthly bulletin read on a 375 px phone
(no horizontal scroll, no table cell wrapping past two lines, charts drawn at a legible size), and a
printed page carries its own address and the data date (the PDF's text, read by pdftotext)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from gongshi.site.urls import org_path, record_path

from tests.support.golden_site import build_golden_site

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
ORG = "91320404MA1XYW0280"  # the golden site's organisation with licences and no penalty
PHONE_PAGES = ["/dashboard/", "/dashboard/bulletin.html"]
PRINTED = [
    "/" + record_path("wjw-xk-2026-0011"),  # a record page: kept from day to day, date from build-info
    "/dept/scjg/",  # a department page
    "/" + org_path(ORG),  # an organisation page: kept from day to day, its dated statement too
    "/list/penalty/",  # a list page
]

# For every table cell: how many lines its text takes (distinct line boxes of its contents).
CELL_LINES = """() => [...document.querySelectorAll('main td, main th')].map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
  return [cell.textContent.trim().slice(0, 40), tops.size];
})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_golden_site(tmp_path_factory.mktemp("phone-print-site"))


@pytest.fixture
def base(site, serve) -> str:
    return serve(site)


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_dashboard_at_375px(browser, base, axe, console_errors, path):
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    try:
        errors = console_errors(page)
        assert page.goto(base + path).ok
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"horizontal scroll at 375 px: {widths}"
        cells = page.evaluate(CELL_LINES)
        assert cells, "the page has tables"
        wrapped = [(text, n) for text, n in cells if n > 2]
        assert wrapped == [], wrapped
        # Charts keep their drawn size: a 12 px label is not shrunk below 11 px on screen.
        scales = page.evaluate(
            """() => [...document.querySelectorAll('svg.chart')].map(
                 s => s.getBoundingClientRect().width / s.viewBox.baseVal.width)"""
        )
        assert all(scale >= 0.92 for scale in scales), scales
        violations = axe(page)
        assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        assert errors == []
    finally:
        page.close()


def test_dashboard_uses_short_department_names(browser, base, site):
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    try:
        page.goto(base + "/dashboard/")
        heads = page.locator(".measures-table tbody th")
        assert heads.count() >= 2
        for i in range(heads.count()):
            head = heads.nth(i)
            full = head.get_attribute("title")
            assert full and len(head.inner_text()) <= len(full), (head.inner_text(), full)
        assert any(
            heads.nth(i).inner_text() != heads.nth(i).get_attribute("title") for i in range(heads.count())
        )
    finally:
        page.close()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftotext (poppler-utils) is not installed (required when CI=true)")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


@pytest.mark.parametrize("path", PRINTED)
def test_printed_page_carries_its_address_and_data_date(browser, base, site, path, tmp_path):
    as_of = json.loads((site / "build-info.json").read_text(encoding="utf-8"))["as_of"]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        url = base + path
        assert page.goto(url).ok
        page.wait_for_selector("[data-page-url]", state="attached")
        if page.locator("[data-as-of]").count():  # every date slot filled from build-info.json
            page.wait_for_selector("[data-as-of]:not([data-as-of-loaded])", state="detached")
        # On screen the address is not shown; on paper it is.
        assert not page.locator(".page-url").is_visible()
        text = pdf_text(page.pdf(format="A4"), tmp_path)
    finally:
        page.close()
    flat = re.sub(r"\s+", "", text)
    assert f"信息截至{as_of}" in flat, text[-400:]
    assert "本页地址：" + re.sub(r"\s+", "", url) in flat, text[-400:]
    if "/org/" in path:  # the statement is dated on paper although the page's bytes carry no date
        assert f"截至{as_of}，本站无该单位公示中的行政处罚" in flat, text

"""The 评估考核 dashboard in a real Pelican build of the fixture repository (tests/support/opendata_repo.py),
then in real Chromium: accessible charts with tables, late records, nothing withheld, phone width,
print layout."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from gongshi.outputs.assessment import MEASURES

from tests.support.opendata_repo import (
    AS_OF,
    PERSON_NAME,
    PUBLIC_PERSON,
    WITHHELD_PARTY,
    WITHHELD_SECRET,
    shared_repo,
    shared_snapshot,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from gongshi.sitebuild import build

    out = tmp_path_factory.mktemp("dashsite") / "site"
    result = build(shared_repo(tmp_path_factory), AS_OF, out)
    return out, result


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.svgs: list[dict] = []
        self.ids: dict[str, str] = {}
        self.links: list[str] = []
        self.tables = 0
        self._current_id = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs.append(a)
        if tag == "table":
            self.tables += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("title", "desc") and a.get("id"):
            self._current_id = a["id"]
            self._text = []

    def handle_data(self, data):
        if self._current_id:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag in ("title", "desc") and self._current_id:
            self.ids[self._current_id] = "".join(self._text)
            self._current_id = None


@pytest.mark.slow
def test_dashboard_page(built):
    out, result = built
    assert result.site.extras["dashboard"] == {"late_public": 3, "late_not_public": 0}
    html = (out / "dashboard/index.html").read_text(encoding="utf-8")
    assert "{% extends" not in html and 'class="skip"' in html, "rendered through base.html"
    assert "dashboard.css" in html and (out / "theme/css/dashboard.css").is_file()
    c = Collector()
    c.feed(html)
    assert len(c.svgs) == 3
    for svg in c.svgs:
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert c.ids[title_id].strip() and c.ids[desc_id].strip()
    assert c.tables >= 5
    assert c.ids["chart-rate-t"] == "各部门按时公示率"
    # Short names (departments.yaml short_name): the chart and tables fit a phone.
    assert "测试市场监管局：66.7%" in c.ids["chart-rate-d"]
    assert 'title="钟楼区测试市场监督管理局">测试市场监管局</th>' in html
    for sentence in MEASURES.values():
        assert sentence in html, sentence
    assert "按时：4 条；1 天：1 条；2 天：1 条；2384 天：1 条" in c.ids["chart-delay-d"]
    assert "按时公示率 57.1%（4/7）" in html
    # Late records: public ones linked to their pages, most delayed first.
    late = [h for h in c.links if re.search(r"/r/[a-z0-9-]+\.html$", h)]
    # The 2016 decision was 补录 long after the 补录 deadline 2016-08-20: late, most delayed.
    assert [h.rsplit("/", 1)[1] for h in late] == [
        "scjg-cf-2016-0001.html",
        "wjw-xk-2026-0003.html",
        "scjg-cf-2026-0015.html",
    ]
    for secret in (
        PERSON_NAME,
        PUBLIC_PERSON,
        WITHHELD_PARTY,
        WITHHELD_SECRET,
        "zhzf-cf-2026-0001",
        "钟测执法罚",
    ):
        assert secret not in html
    assert "<script" not in html.split("</main>")[0].split('<main id="main"')[1], "no inline script (CSP)"
    assert "style=" not in html, "no inline style (CSP)"
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "dashboard/" in sitemap


@pytest.mark.slow
def test_bulletin_page(built):
    out, _ = built
    html = (out / "dashboard/bulletin.html").read_text(encoding="utf-8")
    # As of 2026-10-12 the bulletin reports on September: scjg ranked, the others silent.
    assert "双公示工作通报（2026-09）" in html
    rows = re.findall(r"<tr><td>([^<]+)</td><th scope=\"row\" title=\"([^\"]+)\"", html)
    assert rows == [
        ("1", "钟楼区测试市场监督管理局"),
        ("—", "钟楼区测试卫生健康委员会"),
        ("—", "钟楼区测试综合行政执法局"),
    ]
    assert "30 天以上没有公示记录的部门：测试卫健委" in html
    inline = html.replace("<script src=", "")
    assert "<script>" not in inline and "<script " not in inline, "no inline script (CSP)"
    for secret in (PERSON_NAME, PUBLIC_PERSON, WITHHELD_PARTY, WITHHELD_SECRET, "zhzf-cf-2026-0001"):
        assert secret not in html


def test_no_month_after_the_as_of_date_is_charted(tmp_path_factory):
    from gongshi.outputs.dashboard import dashboard_context
    from gongshi.outputs.stats import compute_stats

    stats = compute_stats(shared_snapshot(tmp_path_factory))
    stats.by_month["2026-11"] = stats.by_month["2026-10"]  # a month after the as-of date (2026-10-12)
    ctx = dashboard_context(stats, lambda rid: f"r/{rid}.html")
    months = [m for m, _f in ctx["months"]]
    assert months[-1] == "2026-10" and "2026-11" not in months
    assert "26-11" not in ctx["charts"]["volume"].svg


@pytest.mark.slow
def test_site_build_writes_all_open_data(built):
    out, _ = built
    for rel in ("data/2026-penalty.csv.zip", "data/scjg/2026-licence.xlsx", "feeds/all.atom.xml"):
        assert (out / rel).is_file(), rel
    for rel in ("api/index.json", "api/schema/api-shard.schema.json", "api/records/scjg-cf-2026.json.gz"):
        assert (out / rel).is_file(), rel
    assert not list((out / "r").glob("*.json")), "records are in the API's shards only"
    # Every record of the API links to its page.
    from gongshi.outputs.jsonapi import load_gzip

    for shard in (out / "api/records").iterdir():
        doc = load_gzip(shard.read_bytes())
        for r in doc["records"] + doc["withdrawn"]:
            assert (out / r["url"]).is_file(), r["url"]


@pytest.mark.browser
@pytest.mark.slow
def test_dashboard_in_chromium(built, browser, serve, axe, console_errors):
    out, _ = built
    url = serve(out)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{url}/dashboard/index.html")
        violations = axe(page)
        assert violations == [], [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations
        ]
        for name in ("每月公示数量", "各部门按时公示率", "迟报工作日分布"):
            assert page.get_by_role("img", name=name).count() == 1
        assert page.get_by_role("table", name="各部门及时性").count() == 1
        # Phone width: the page itself never scrolls sideways (wide tables scroll inside themselves).
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        link = page.get_by_role("link", name="钟测卫许〔2026〕3号")
        link.click()
        page.wait_for_url("**/r/wjw-xk-2026-0003.html")
        page.go_back()
        page.emulate_media(media="print")
        assert page.locator(".top nav").is_hidden()
        assert page.locator("#chart-volume-t").count() == 1
        assert page.evaluate("getComputedStyle(document.querySelector('.panel table')).display") == "table"
    finally:
        context.close()
    assert not errors, errors


def _rects(svg: str) -> list[dict]:
    return [
        {k: float(v) for k, v in re.findall(r'(x|y|width|height)="([\d.]+)"', m)}
        for m in re.findall(r"<rect ([^>]*)/>", svg)
    ]


def _view_width(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))


def test_rate_chart_keeps_long_names_and_full_labels_inside():
    from gongshi.outputs.dashboard import rate_chart, text_width
    from gongshi.outputs.stats import Figures

    long_name = "常州市钟楼区某某街道综合行政执法局（城市管理和行政审批服务中心）"
    rows = [(long_name, Figures(on_time=1234, late=0)), ("短", Figures(on_time=0, late=3)), ("无", Figures())]
    chart = rate_chart(rows)
    width = _view_width(chart.svg)
    texts = re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" font-size="(\d+)" text-anchor="(\w+)"[^>]*>([^<]*)<', chart.svg
    )
    assert any(t[3] == long_name for t in texts)
    for x, size, anchor, text in texts:
        w = text_width(text, int(size))
        left = float(x) - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
        assert left >= 0 and left + w <= width, (text, left, w, width)
    bars = _rects(chart.svg)
    assert len(bars) == 1, "100 % has a bar; 0 % and no timed records have none"


def test_a_count_of_one_is_visible_next_to_thousands():
    from collections import Counter

    from gongshi.outputs.dashboard import MIN_BAR, delay_chart, volume_chart
    from gongshi.outputs.stats import Figures

    months = [
        ("2026-01", Figures(published=5001, published_by_kind=Counter(licence=5000, penalty=1))),
        ("2026-02", Figures(published=1, published_by_kind=Counter(licence=1))),
    ]
    heights = sorted(r["height"] for r in _rects(volume_chart(months).svg) if r["width"] > 10)
    assert heights[:2] == [MIN_BAR, MIN_BAR] and heights[2] > 100, "licence 5000 + penalty 1, licence 1"
    total = Figures(on_time=9000, late=2, delays=[1, 7])
    assert min(r["height"] for r in _rects(delay_chart(total).svg)) >= MIN_BAR

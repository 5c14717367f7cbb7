"""A small search site for the browser tests and the benchmark: the real index (search.py), the
real search page template and scripts, rendered into a minimal base page with a strict CSP (so an
inline script would fail), served over loopback."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import jinja2
from gongshi.core.records import Department, Record
from gongshi.core.timeline import Timeline
from gongshi.outputs.search.index import write_search_index
from gongshi.outputs.search.pieces import doc_fields
from gongshi.outputs.search.tokenize import matches
from gongshi.public.record import public_record
from gongshi.snapshot.build import Entry

ROOT = Path(__file__).resolve().parents[2]
THEME = ROOT / "theme"
AS_OF = date(2026, 11, 20)

FIXTURE_BASE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self';
  img-src 'self' data:">
<title>{% block title %}{% endblock %}</title>
<link rel="icon" href="data:,"></head>
<body><main>{% block content %}{% endblock %}</main>{% block scripts %}{% endblock %}</body></html>
"""


def render_search_page(out: Path, siteurl: str = "") -> None:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.DictLoader({"base.html": FIXTURE_BASE}), jinja2.FileSystemLoader(THEME / "templates")]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("search.html").render(
        SITEURL=siteurl, SITENAME="双公示", THEME_STATIC_DIR="theme"
    )
    (out / "search").mkdir(parents=True, exist_ok=True)
    (out / "search" / "index.html").write_text(html, encoding="utf-8")
    if (out / "theme").exists():
        shutil.rmtree(out / "theme")
    shutil.copytree(THEME / "static", out / "theme")


def build_site(entries, out: Path, **kwargs) -> dict:
    """Index + page into ``out``; the page is ``/search/`` (index files under ``/search/``)."""
    stats = write_search_index(entries, out, **kwargs)
    render_search_page(out)
    return stats


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@dataclass
class Server:
    url: str
    httpd: http.server.ThreadingHTTPServer

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(directory: Path) -> Server:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return Server(f"http://127.0.0.1:{httpd.server_address[1]}", httpd)


# --- the search page in a browser (Playwright page) ------------------------------------------


def brute_force(entries, query: str) -> set[str]:
    """Every public record whose public fields match the query, by scanning them all."""
    out = set()
    for e in entries:
        fields = doc_fields(public_record(e, DEPARTMENTS))
        if e.is_public and matches(query, fields):
            out.add(e.id)
    return out


def settled(page) -> None:
    page.wait_for_selector("#search-app[data-state=done], #search-app[data-state=error]")
    assert page.get_attribute("#search-app", "data-state") == "done", page.get_attribute(
        "#search-app", "data-error"
    )


def all_results(page) -> dict:
    settled(page)
    while page.is_visible("#search-more"):
        page.click("#search-more")
        settled(page)
    # The heading link of each result (a result may also link its organisation page).
    hrefs = page.eval_on_selector_all("#search-results h3 a", "els => els.map(a => a.getAttribute('href'))")
    return {
        # records/<id>/ in the fixture site, r/<id>.html in the real one
        "ids": [h.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html") for h in hrefs],
        "status": page.inner_text("#search-status"),
        "names": page.eval_on_selector_all("#search-results h3 a", "els => els.map(a => a.textContent)"),
    }


# --- entries --------------------------------------------------------------------------------------

DEPARTMENTS = {
    "scjg": Department("scjg", "钟楼区市场监督管理局", "11320404014160045A", "320404", "区市场监管局"),
    "zjj": Department("zjj", "钟楼区住房和城乡建设局", "11320404014160053B", "320404", "区住建局"),
}


def make_entry(
    rid: str,
    *,
    dept: str = "scjg",
    kind: str = "penalty",
    name: str,
    doc_no: str,
    decided: date,
    state: str = "query",
    category: str = "法人及非法人组织",
    uscc: str | None = None,
) -> Entry:
    party: dict = {"name": name, "category": category}
    if uscc:
        party["uscc"] = uscc
    data = {
        "kind": kind,
        "doc_no": doc_no,
        "party": party,
        "decision_date": decided.isoformat(),
        "authority": dept,
    }
    folder = "penalties" if kind == "penalty" else "licences"
    record = Record(
        rid, f"data/records/{dept}/{folder}/{decided.year}/{rid}.yaml", dept, kind, str(decided.year), data
    )
    published = decided + timedelta(days=2)
    timeline = Timeline(
        record_id=rid,
        as_of=AS_OF,
        decision_date=decided,
        deadline=decided + timedelta(days=9),
        deadline_provisional=False,
        published_at=None if state in ("pending", "withheld") else published,
        preview=False,
        on_time=True,
        backfilled=False,
        delay_workdays=0,
        list_until=published + timedelta(days=9),
        disclosure_until=AS_OF - timedelta(days=1) if state == "expired" else AS_OF + timedelta(days=365),
        withdrawn_on=decided + timedelta(days=30) if state == "withdrawn" else None,
        state=state,
        regime="zhonglou-2016",
        rule="",
    )
    return Entry(record, timeline, [], DEPARTMENTS[dept], None)


def fixture_entries() -> list[Entry]:
    """Public records with tricky names and numbers, plus look-alikes that must never be found."""
    d = date
    e = make_entry
    return [
        e(
            "scjg-cf-2024-0012",
            name="常州华恒机械制造有限公司",
            doc_no="钟市监罚〔2024〕12号",
            decided=d(2024, 3, 5),
            uscc="91320404MA1W8XYZ3K",
        ),
        e(
            "zjj-xk-2025-0003",
            dept="zjj",
            kind="licence",
            name="常州华恒机械销售有限公司",
            doc_no="钟住建许〔2025〕3号",
            decided=d(2025, 6, 1),
            uscc="91320404MA1W8XYZ4L",
            state="listed",
        ),
        e(
            "scjg-cf-2024-0123",
            name="钟楼区华恒小吃店",
            category="个体工商户",
            doc_no="钟市监罚〔2024〕123号",
            decided=d(2024, 7, 9),
            uscc="92320404MA1W8XYZ5M",
        ),
        e(
            "scjg-cf-2023-0012",
            name="张三丰",
            category="自然人",
            doc_no="钟市监罚〔2023〕12号",
            decided=d(2023, 2, 1),
        ),
        e(
            "zjj-cf-2024-0012",
            dept="zjj",
            name="江苏ＡＢＣ科技有限公司",
            doc_no="常钟市监罚〔2024〕12号",
            decided=d(2024, 3, 6),
            uscc="91320404MA1W8XYZ6N",
        ),
        e(
            "scjg-xk-2025-0101",
            kind="licence",
            name="常州3D打印科技有限公司",
            doc_no="钟市监许〔2025〕101号",
            decided=d(2025, 1, 15),
            uscc="91320404MA1W8XYZ7P",
        ),
        e(
            "scjg-xk-2025-0102",
            kind="licence",
            name="𠀀𠀁贸易有限公司",
            doc_no="钟市监许〔2025〕102号",
            decided=d(2025, 1, 16),
            uscc="91320404MA1W8XYZ8Q",
        ),
        e(
            "scjg-cf-2022-0007",
            name="常州恒华机械有限公司",
            doc_no="钟市监罚〔2022〕7号",
            decided=d(2022, 8, 8),
            uscc="91320404MA1W8XYZ9R",
        ),
        # Not public: each is a look-alike of a public record and must appear nowhere.
        e(
            "scjg-cf-2019-0005",
            name="常州华恒机械设备有限公司",
            doc_no="钟市监罚〔2019〕5号",
            decided=d(2019, 11, 20),
            uscc="91320404MA1W8XEXP1",
            state="expired",
        ),
        e(
            "scjg-cf-2026-0099",
            name="常州华恒机械配件有限公司",
            doc_no="钟市监罚〔2026〕99号",
            decided=d(2026, 11, 19),
            uscc="91320404MA1W8XPEN2",
            state="pending",
        ),
        e(
            "scjg-cf-2025-0044",
            name="李四光",
            category="自然人",
            doc_no="钟市监罚〔2025〕44号",
            decided=d(2025, 4, 4),
            state="withheld",
        ),
        e(
            "scjg-cf-2025-0045",
            name="常州华恒机械维修有限公司",
            doc_no="钟市监罚〔2025〕45号",
            decided=d(2025, 4, 5),
            uscc="91320404MA1W8XWDR3",
            state="withdrawn",
        ),
    ]


def filler_entries(n: int) -> list[Entry]:
    """Deterministic ordinary records, so the index has several partitions, chunks and shards."""
    brands = "昌润鑫盛达通宏泰嘉和丰瑞祥德隆兴源安康永信诚明辉光远"
    trades = ["装饰工程", "餐饮管理", "电子科技", "建筑材料", "物流"]
    out = []
    for i in range(n):
        brand = brands[i % len(brands)] + brands[(i * 7 + 3) % len(brands)]
        year = 2020 + i % 6
        dept = "scjg" if i % 3 else "zjj"
        kind = "penalty" if i % 2 else "licence"
        prefix = {"scjg": "钟市监", "zjj": "钟住建"}[dept] + ("罚" if kind == "penalty" else "许")
        out.append(
            make_entry(
                f"{dept}-{'cf' if kind == 'penalty' else 'xk'}-{year}-{1000 + i}",
                dept=dept,
                kind=kind,
                name=f"常州{brand}{trades[i % len(trades)]}有限公司",
                doc_no=f"{prefix}〔{year}〕{1000 + i}号",
                decided=date(year, 1 + i % 12, 1 + i % 28),
                uscc=f"91320404MA1F{i:05d}X",
                state="query",
            )
        )
    return out

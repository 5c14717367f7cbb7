"""Site planning and privacy without Pelican: a real Git fixture repository (tests/support/site_fixture.py),
the real snapshot, the real templates rendered with a plain Jinja environment."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import jinja2
import pytest
from gongshi.outputs.html.pages import Pager, paginate, plan_site
from gongshi.public.masking import mask_person_name
from gongshi.site.output import OutputWriter
from gongshi.site.urls import record_path, url_of
from gongshi.sitewrite import site_globals, strict_autoescape, write_site
from gongshi.snapshot.load import load

from tests.support.site_fixture import AS_OF, NOTICE_STRINGS, SECRET_STRINGS, build_repo

THEME = Path(__file__).resolve().parents[2] / "theme"
LISTED_LICENCE = "scjg-xk-2026-0201"  # published 2026-11-11
PUBLISHED = date(2026, 11, 11)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site") / "repo"
    build_repo(root)
    return root


@pytest.fixture(scope="module")
def snapshot(repo):
    return load(repo, AS_OF, cache=False)


def render(snapshot, out: Path, previous: Path | None = None, siteurl: str = "") -> OutputWriter:
    # Pelican's environment settings (lenient undefined, trimmed blocks) plus autoescape.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(THEME / "templates"), trim_blocks=True, lstrip_blocks=True
    )
    strict_autoescape(env)
    base = {
        "SITENAME": "双公示",
        "SITEURL": siteurl,
        "THEME_STATIC_DIR": "theme",
        "gs": site_globals(snapshot),
    }
    writer = OutputWriter(out, previous)
    write_site(snapshot, env, base, writer)
    return writer


@pytest.fixture(scope="module")
def site(snapshot, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    render(snapshot, out)
    return out


def all_text(out: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".csv", ".txt"):
            texts[path.relative_to(out).as_posix()] = path.read_text(encoding="utf-8")
    return texts


# Planning ----------------------------------------------------------------------------------------


def test_paginate_boundaries():
    assert [p for p, _, _ in paginate("list/x/", [])] == ["list/x/index.html"]
    pages = paginate("list/x/", list(range(101)), 50)
    assert [p for p, _, _ in pages] == ["list/x/index.html", "list/x/2.html", "list/x/3.html"]
    assert [len(rows) for _, rows, _ in pages] == [50, 50, 1]
    first, last = pages[0][2], pages[-1][2]
    assert (first.prev_url, first.next_url) == (None, "list/x/2.html")
    assert (last.prev_url, last.next_url) == ("list/x/2.html", None)
    assert url_of("list/x/index.html") == "list/x/" and url_of("index.html") == ""


def test_pager_window_has_gaps():
    pager = Pager(10, 20, tuple(f"p{n}" for n in range(1, 21)))
    window = pager.window(2)
    numbers = [w[0] if w else None for w in window]
    assert numbers == [1, None, 8, 9, 10, 11, 12, None, 20]


def test_plan_paths_and_sitemap(snapshot):
    plan = plan_site(snapshot)
    paths = {p.path for p in plan.pages}
    for expected in (
        "index.html",
        "list/licence/index.html",
        "list/penalty/index.html",
        "archives/index.html",
        "archives/2026/11/index.html",
        "archives/scjg/2025/index.html",
        "dept/index.html",
        "dept/scjg/index.html",
        "rules.html",
        "sitemap.html",
        "404.html",
    ):
        assert expected in paths
    records = {p.path: p.template for p in plan.record_pages()}
    assert records[record_path("scjg-cf-2026-0203")] == "notice"
    assert records[record_path(LISTED_LICENCE)] == "record"
    assert set(records) == {
        record_path(i)
        for i in (
            "scjg-xk-2026-0201",
            "scjg-cf-2026-0202",
            "wjw-xk-2026-0011",
            "scjg-cf-2025-0031",
            "scjg-cf-2026-0203",
        )
    }
    sitemap = plan.sitemap_paths()
    # The 404 page is not a page to index; withdrawal notices are (issue 19: findable).
    assert "404.html" not in sitemap and record_path("scjg-cf-2026-0203") in sitemap
    assert record_path("wjw-xk-2026-0011") in sitemap


def _listed_ids(snapshot, kind: str) -> list[str]:
    plan = plan_site(snapshot)
    out = []
    for page in plan.pages:
        if page.template == "list" and page.context["kind"] == kind:
            out += [r.id for r in page.context["rows"]]
    return out


@pytest.mark.parametrize(
    ("as_of", "listed"),
    [
        # 10 days after the day of publication (民法典 第二百零一条: that day not counted): the
        # boundary day D+10 is listed, the day after is not.
        (PUBLISHED + timedelta(days=7), True),
        (PUBLISHED + timedelta(days=10), True),
        (PUBLISHED + timedelta(days=11), False),
    ],
)
def test_rolling_list_boundary(repo, as_of, listed):
    """Published on D: on the list D..D+9, off it on D+10 (then findable in the archives)."""
    snap = load(repo, as_of, cache=False)
    assert (LISTED_LICENCE in _listed_ids(snap, "licence")) is listed
    archived = [r.id for p in plan_site(snap).pages if p.template == "archive" for r in p.context["rows"]]
    assert LISTED_LICENCE in archived


def test_lists_newest_first(snapshot):
    ids = _listed_ids(snapshot, "penalty") + _listed_ids(snapshot, "licence")
    assert ids == ["scjg-cf-2026-0202", "scjg-xk-2026-0201"]


def test_mask_person_name():
    assert mask_person_name("欧阳明华") == "欧阳**" and mask_person_name("张三") == "张*"


# Privacy on output -------------------------------------------------------------------------------


def test_non_public_records_absent_everywhere(site):
    texts = all_text(site)
    assert len(texts) > 20
    for key, strings in SECRET_STRINGS.items():
        for s in strings:
            hits = [name for name, text in texts.items() if s in text]
            assert not hits, f"{key}: {s!r} appears in {hits}"
    for rid in ("scjg-xk-2019-0007", "zhzf-cf-2026-0021", "scjg-cf-2026-0204", "scjg-cf-2026-0205"):
        assert not (site / record_path(rid)).exists()
        # The publication ledger is the one exception, and only for the id of a record that was
        # public once (the 补录 licence was listed for 10 days): its published and expired events
        # stay in the append-only ledger (ids and hashes, no content; docs/ledger.md).
        once_public = rid == "scjg-xk-2019-0007"
        exempt = "ledger/entries/" if once_public else "\0"
        hits = [n for n, t in texts.items() if rid in t and not n.startswith(exempt)]
        assert not hits, rid


def test_withdrawn_record_is_a_notice_only(site):
    notice = record_path("scjg-cf-2026-0203")
    page = (site / notice).read_text(encoding="utf-8")
    for s in NOTICE_STRINGS:
        assert s in page
    # Findable (issue 19): the notice is what proves the decision was revoked.
    assert "noindex" not in page
    texts = all_text(site)
    others = {n for n, t in texts.items() if "scjg-cf-2026-0203" in t and n != notice}
    # Linked from the department's page and its list of notices, the sitemap and the search
    # index; never from a list or archive of public records.
    for expected in ("dept/scjg/index.html", "archives/scjg/withdrawn/index.html", "sitemap.xml"):
        assert expected in others, expected
    assert any(n.startswith("search/d/") for n in others)
    html = [n for n in others if n.endswith(".html")]
    assert sorted(html) == ["archives/scjg/withdrawn/index.html", "dept/scjg/index.html"], html
    # What links to it shows the notice's fields only, never the withdrawn content or party.
    for n in others:
        for s in SECRET_STRINGS["scjg-cf-2026-0203"]:
            assert s not in texts[n], (n, s)


def test_person_masked_and_no_id_number(site):
    page = (site / record_path("scjg-cf-2026-0202")).read_text(encoding="utf-8")
    assert "欧阳**" in page
    assert "新增欧阳" not in page  # commit subjects are never published, not even masked
    assert "身份证" in page  # the type of document is public, its number never
    assert not re.search(r"\d{6}\*+\d{4}", page)


def test_autoescape(site):
    page = (site / record_path("wjw-xk-2026-0011")).read_text(encoding="utf-8")
    assert "营业面积&lt;b&gt;120&lt;/b&gt;平方米 &amp; 更衣室" in page
    assert "<b>120</b>" not in page


def test_record_page_content(site):
    page = (site / record_path("wjw-xk-2026-0011")).read_text(encoding="utf-8")
    for s in (
        "钟测卫许〔2026〕11号",
        "常州市晨光测试食品有限公司",
        "91320404MA1XYW0280",
        "公示日期",
        "2026-03-04",
        "按时公示",
        "可查询至 2033-03-02",  # the state line (once: not again under 公示时间)
        "更正许可内容的文字",
        "其他（备案）",
        "长期",
    ):
        assert s in page, s
    # The change history is the record's own data (publication, corrections), never commit subjects.
    assert "卫健委：更正许可内容" not in page and "/commit/" not in page
    shop = (site / record_path("scjg-cf-2025-0031")).read_text(encoding="utf-8")
    # The USCC placeholder is published as the national standard writes it (one rule everywhere).
    assert "00000000000000000X" in shop and "320404600123457" in shop


def test_record_pages_are_lean(site):
    sizes = {p.name: p.stat().st_size for p in (site / "r").iterdir()}
    assert max(sizes.values()) <= 4096, sizes


def test_no_inline_script_or_handlers(site):
    for name, text in all_text(site).items():
        if name.endswith(".html"):
            assert 'http-equiv="Content-Security-Policy"' in text, name
            # Scripts only from the site: script-src 'self', or no script-src under default-src 'self'.
            csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
            rules = dict(r.split(" ", 1) for r in csp.split(";"))
            assert rules.get("script-src", rules["default-src"]) == "'self'", name
            assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, name
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), name
            assert not re.search(r"\son[a-z]+=", text), name


def test_sample_banner_follows_policy(snapshot, tmp_path):
    home = all_text_of(render(snapshot, tmp_path / "a").root / "index.html")
    assert "示例数据" in home
    snapshot.policy.site["sample_data"] = False
    try:
        home = all_text_of(render(snapshot, tmp_path / "b").root / "index.html")
    finally:
        snapshot.policy.site["sample_data"] = True
    assert "示例数据" not in home


def test_links_follow_siteurl(snapshot, tmp_path):
    """Deployed under a sub-path, every link of the site's pages carries SITEURL."""
    base = "https://gs.example.invalid/sub"
    render(snapshot, tmp_path, siteurl=base)
    for name, text in all_text(tmp_path).items():
        if not name.endswith(".html"):
            continue
        for link in re.findall(r'(?:href|src|action)="([^"]*)"', text):
            if link == "" and name == "search.html":
                continue  # the search form submits to its own page
            assert link.startswith((base + "/", "#", "https://git.example.invalid/", "data:")), (name, link)


def all_text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# Output writing ----------------------------------------------------------------------------------


def test_deterministic_and_written_only_when_changed(snapshot, tmp_path):
    first = render(snapshot, tmp_path / "one")
    render(snapshot, tmp_path / "two")
    a, b = all_text(tmp_path / "one"), all_text(tmp_path / "two")
    assert a == b
    books = sorted((tmp_path / "one").rglob("*.xlsx"))
    assert books, "the downloads include workbooks"
    for book in books:  # zip containers too: fixed dates inside (gongshi.sheets.xlsxsave)
        assert book.read_bytes() == (tmp_path / "two" / book.relative_to(tmp_path / "one")).read_bytes()
    page = tmp_path / "one" / record_path(LISTED_LICENCE)
    before = page.stat().st_mtime_ns, page.stat().st_ino
    again = render(snapshot, tmp_path / "one")
    assert again.changed == []
    assert again.written == first.written
    assert (page.stat().st_mtime_ns, page.stat().st_ino) == before


def test_staged_writer_links_unchanged_files(snapshot, tmp_path):
    render(snapshot, tmp_path / "old")
    staged = render(snapshot, tmp_path / "new", previous=tmp_path / "old")
    assert staged.changed == []
    rel = record_path(LISTED_LICENCE)
    assert (tmp_path / "new" / rel).stat().st_ino == (tmp_path / "old" / rel).stat().st_ino


def test_sitemap_page_reaches_every_section_and_department(site, snapshot):
    """The footer's 网站地图 is a page for people (sitemap.xml is for search engines): every main
    section, department page, department feed and the open data, each link to a file that exists."""
    html = (site / "sitemap.html").read_text(encoding="utf-8")
    assert '<a href="/sitemap.html">网站地图</a>' in (site / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="/([^"#]*)', html.split("<main", 1)[1].split("</main>")[0]))
    for key in snapshot.registry.departments:
        assert f"dept/{key}/" in links and f"feeds/{key}.atom.xml" in links
    assert {"list/licence/", "archives/", "data/", "api/index.json", "sitemap.xml"} <= links
    content_pages = {"about.html", "help.html", "data-notes.html"}  # Pelican's, not in this build
    assert content_pages <= links | set(re.findall(r'href="/([^"#]*)', html))
    for link in links - content_pages:
        target = site / link
        assert (target / "index.html" if link.endswith("/") or not link else target).is_file(), link

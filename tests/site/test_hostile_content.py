"""Hostile content: every text field of every record holds an HTML/JS injection payload.

A real ``gongshi build`` of such a repository must show the payloads as text: compared with a twin
repository holding harmless text in the same fields, every HTML page has exactly the same elements
and attribute names (nothing injected), no ``on*`` attribute and no ``javascript:`` link exist, the
payload is readable in the page text, every HTML page carries a Content-Security-Policy that forbids
inline script, the JSON/XML/CSV/XLSX outputs stay well-formed and spreadsheet cells are never
formulas (validation refuses text starting with = + - @, so those payloads follow a word). In
Chromium, the record page, the lists and the search page (with a hostile query) run no injected
script: no dialog, no console error, no changed title.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.gitrepo import GitRepo

HERE = Path(__file__).resolve().parents[1]
REGISTRY = HERE / "fixtures" / "registry"
AS_OF = "2026-10-12"
GONGSHI = Path(sys.executable).with_name("gongshi")
pytestmark = pytest.mark.slow

PAYLOADS = [
    '<script>alert("xss1")</script>',
    '<img src=x onerror=alert("xss2")>',
    "<img src=x onerror=\"window.__pwned=1;document.title='PWNED'\">"
    "<svg><script>window.__pwned=2</script></svg>",
    '"><svg onload=alert("xss3")>',
    "'><svg/onload=alert('xss4')>",
    'javascript:alert("xss5")',
    '</textarea><script>alert("xss6")</script>',
    '</script><script>alert("xss7")</script>',
    '" onmouseover="alert(\'xss8\')" x="',
    '&lt;b&gt;&amp;amp;&#60;script&#62;alert("xss9")&#x3C;/script&#x3E; &#0; &bogus; &',
    "<a href=\"javascript:alert('xss10')\">点我</a>",
    '{{ 7*7 }}{% if 1 %}jinja{% endif %}${alert("xss11")}',
    "<!-- ]]> <![CDATA[ x ]]> --> <?xml ?>",
    "\u202e<b>反转</b>\u202c 零\u200b宽\u200d字\u2060符",
    "<iframe srcdoc=\"<script>alert('xss12')</script>\"></iframe>",
    "<style>body{display:none}</style><link rel=stylesheet href=//evil.example/x.css>",
    '<base href="//evil.example/"><meta http-equiv=refresh content="0;url=//evil.example">',
    '[点我](javascript:alert("xss13")) **粗体** <details open ontoggle=alert("xss14")>',
    '=HYPERLINK("http://evil.example/","点我")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
LICENCE_TEXT = ["doc_title", "certificate_name", "content", "remarks"]
PENALTY_TEXT = [
    "violation_type",
    "facts",
    "basis",
    "category_other",
    "content",
    "licence_affected",
    "remarks",
]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


# Schema length limits (a payload is cut there, it still starts with the payload).
LIMITS = {
    "party.legal_rep": 50,
    "party.institution_cert_no": 40,
    "doc_no": 90,
    "category_other": 100,
    "certificate_name": 100,
    "licence_affected": 100,
    "violation_type": 100,
}


def record_yaml(i: int, kind: str, full_text) -> str:
    """Record ``i`` with ``text(field)`` in every free-text field."""

    def text(field: str) -> str:
        return full_text(field)[: LIMITS.get(field, 10_000)]

    party = (
        "party:\n"
        f"  name: {q(text('party.name'))}\n"
        "  category: 法人及非法人组织\n"
        "  uscc: 91320404MA1XYW01X0\n"
        f"  legal_rep: {q(text('party.legal_rep'))}\n"
        f"  institution_cert_no: {q(text('party.institution_cert_no'))}\n"
    )
    head = f"kind: {kind}\ndoc_no: {q((f'钟测〔2026〕{i}号' + text('doc_no'))[:100])}\n"
    if kind == "licence":
        body = "item: scjg-xk-001\n" + party + "decision_date: 2026-10-08\nauthority: scjg\ncategory: 普通\n"
        body += "valid_from: 2026-10-08\nvalid_to: 9999-12-31\n"
        fields = LICENCE_TEXT
    else:
        body = "item: scjg-cf-001\n" + party + "decision_date: 2026-10-08\nauthority: scjg\n"
        body += "categories:\n  - 警告\n  - 罚款\n  - 吊销许可证件\n  - 其他\nfine_yuan: 5000\n"
        fields = PENALTY_TEXT
    return head + body + "".join(f"{f}: {q(text(f))}\n" for f in fields)


def lead(payload: str) -> str:
    """Validation refuses free text starting with = + - @ (``text.formula``, tested with the
    validation rules): here such a payload follows a word, and reaches every output as text."""
    return f"值{payload}" if payload[:1] in "=+-@" else payload


def build_repo(path: Path, hostile: bool) -> GitRepo:
    shutil.copytree(REGISTRY / "data", path / "data")
    repo = GitRepo.init(path)
    repo.git("add", "--all")
    repo.commit("登记册", "2026-01-05T09:00:00+08:00")
    files = {}
    for i, payload in enumerate(PAYLOADS, start=1):
        kind = "licence" if i % 2 else "penalty"

        def text(field: str, i=i, payload=payload) -> str:
            return f"{lead(payload)}（{field}）" if hostile else f"普通文字{i}（{field}）"

        folder = "licences" if kind == "licence" else "penalties"
        code = "xk" if kind == "licence" else "cf"
        files[f"data/records/scjg/{folder}/2026/scjg-{code}-2026-{i:04d}.yaml"] = record_yaml(i, kind, text)
    repo.commit("新增", "2026-10-09T10:00:00+08:00", files)
    # A withdrawal notice shows 文号 and 原因: hostile too.
    notice = "data/records/scjg/penalties/2026/scjg-cf-2026-0002.yaml"
    reason = PAYLOADS[0] + PAYLOADS[2] if hostile else "普通文字（撤销原因）"
    repo.commit(
        "撤销",
        "2026-10-10T10:00:00+08:00",
        {notice: files[notice] + f"status: 撤销\nstatus_date: 2026-10-10\nstatus_reason: {q(reason)}\n"},
    )
    return repo


def build(tmp: Path, hostile: bool) -> Path:
    repo = build_repo(tmp / "repo", hostile)
    out = tmp / "site"
    proc = subprocess.run(
        [str(GONGSHI), "build", "--as-of", AS_OF, "--output", str(out)],
        cwd=repo.path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    hostile = build(tmp_path_factory.mktemp("hostile"), True)
    benign = build(tmp_path_factory.mktemp("benign"), False)
    return hostile, benign


class Structure(HTMLParser):
    """Elements and attributes of a page; text outside script/style; inline script bodies."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.inline_scripts: list[str] = []
        self.metas: list[dict] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(a for a, _ in attrs))))
        for a, v in attrs:
            self.attrs.append((tag, a, v or ""))
        if tag == "meta":
            self.metas.append(dict(attrs))
        if tag in ("script", "style"):
            self._in.append(tag)
            if tag == "script" and not dict(attrs).get("src"):
                self.inline_scripts.append("")

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "script":
            if self.inline_scripts:
                self.inline_scripts[-1] += data
        elif not self._in:
            self.text.append(data)


def parse(path: Path) -> Structure:
    s = Structure()
    s.feed(path.read_text(encoding="utf-8"))
    s.close()
    return s


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "/theme/" not in p.as_posix())


def test_same_structure_as_harmless_twin(sites):
    hostile, benign = sites
    pages = html_pages(hostile)
    assert len(pages) > 20
    assert [p.relative_to(hostile) for p in pages] == [p.relative_to(benign) for p in html_pages(benign)]
    for page in pages:
        h, b = parse(page), parse(benign / page.relative_to(hostile))
        assert h.tags == b.tags, f"{page.relative_to(hostile)}: elements differ from the harmless twin"


def test_no_handlers_no_javascript_urls_no_inline_script(sites):
    hostile, _ = sites
    for page in html_pages(hostile):
        s = parse(page)
        rel = page.relative_to(hostile)
        for tag, attr, value in s.attrs:
            assert not attr.startswith("on"), (rel, tag, attr)
            if attr in ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"):
                scheme = re.sub(r"[\x00-\x20]", "", unescape(value)).lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:text/html")), (rel, value)
        assert s.inline_scripts == [], (rel, s.inline_scripts[:1])
        forbidden = {"iframe", "object", "embed", "textarea", "base"}
        if rel.as_posix() == "tianbao/index.html":
            forbidden.discard("textarea")  # the on-site form's empty inputs; it shows no record
            assert "<script>" not in page.read_text(encoding="utf-8")
        assert not {t for t, _ in s.tags} & forbidden, rel


def test_payloads_are_readable_text(sites):
    hostile, _ = sites
    for i, payload in enumerate(PAYLOADS, start=1):
        code = "xk" if i % 2 else "cf"
        page = hostile / "r" / f"scjg-{code}-2026-{i:04d}.html"
        text = "".join(parse(page).text)
        field = "doc_no" if i == 2 else "content"  # record 2 is a withdrawal notice
        assert f"{payload}（{field}）"[: LIMITS.get(field, 200)] in text, (page.name, payload)
    notice = "".join(parse(hostile / "r" / "scjg-cf-2026-0002.html").text)
    assert PAYLOADS[0] + PAYLOADS[2] in notice


def test_every_page_forbids_inline_script(sites):
    hostile, _ = sites
    for page in html_pages(hostile):
        s = parse(page)
        csp = [
            m.get("content", "")
            for m in s.metas
            if m.get("http-equiv", "").lower() == "content-security-policy"
        ]
        assert len(csp) == 1, page
        directives = {d.split()[0]: d.split()[1:] for d in csp[0].split(";") if d.strip()}
        script = directives.get("script-src", directives.get("default-src"))
        assert script, (page, csp)
        assert not set(script) & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}, csp
        assert directives.get("object-src") == ["'none'"] and "base-uri" in directives, csp
        # The policy comes before anything it must govern.
        raw = page.read_text(encoding="utf-8")
        first_script = raw.find("<script")
        assert first_script == -1 or raw.find("Content-Security-Policy") < first_script, page


def test_data_files_stay_well_formed(sites):
    hostile, _ = sites
    checked_csv = 0
    for path in sorted(hostile.rglob("*")):
        if "/theme/" in path.as_posix() or not path.is_file():
            continue
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.name.endswith(".json.gz"):  # the JSON API's record shards
            json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        elif path.suffix == ".xml":
            ET.fromstring(path.read_bytes())
        elif path.name.endswith(".csv.zip"):  # the downloads: one CSV in each zip
            with zipfile.ZipFile(path) as z:
                (member,) = z.namelist()
                text = z.read(member).decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
            assert len(rows) > 1 and len({len(r) for r in rows}) == 1, path  # a payload never splits a row
            checked_csv += 1
    assert checked_csv > 0
    feed = (hostile / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert "xss1" in feed  # the payload is in the feed, as escaped text


def test_spreadsheet_cells_are_never_formulas(sites):
    from openpyxl import load_workbook

    hostile, _ = sites
    books = sorted(hostile.rglob("*.xlsx"))
    assert books
    seen = 0
    for book in books:
        wb = load_workbook(book)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book.name, cell.coordinate, cell.value)
                    if isinstance(cell.value, str) and "=HYPERLINK" in cell.value:
                        seen += 1
    assert seen, "the formula payload should be in the workbooks, as text"


@pytest.mark.browser
def test_chromium_runs_no_injected_script(sites, browser, serve, console_errors):
    hostile, _ = sites
    base = serve(hostile)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors = console_errors(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    urls = [
        "/r/scjg-xk-2026-0001.html",
        "/r/scjg-cf-2026-0002.html",
        "/r/scjg-cf-2026-0004.html",
        "/list/licence/index.html",
        "/list/penalty/index.html",
        "/index.html",
        "/search.html?q=" + quote('<img src=x onerror=alert("q1")>'),
        "/search.html?q="
        + quote("\"><svg onload=alert('q2')>")
        + "&dept="
        + quote("<script>alert(3)</script>"),
        "/search.html?q=alert",
        "/search.html?q=xss2",
    ]
    for url in urls:
        page.goto(base + url)
        if "search" in url:
            page.wait_for_selector("#search-app[data-state=done], #search-app[data-state=error]")
        page.wait_for_timeout(100)
        assert page.evaluate("window.__pwned") is None, url
        assert page.title() != "PWNED", url
        injected = page.evaluate(
            "document.querySelectorAll('script:not([src]), [onerror], [onload], [onmouseover], iframe, base')"
            ".length"
        )
        assert injected == 0, url
    assert dialogs == [], dialogs
    assert errors == [], errors
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    # The search really showed hostile records as text.
    page.goto(base + "/search.html?q=alert")
    page.wait_for_selector("#search-app[data-state=done]")
    shown = page.inner_text("#search-results")
    assert "<script>" in shown or "onerror" in shown, shown[:500]
    page.close()

"""Privacy canaries: nothing that must not be published appears in any output.

The real ``gongshi build`` (Pelican) and ``gongshi export`` in every format run on the canary
repository (tests/support/canary_repo.py). Every output file is searched byte-wise, lower-cased, and after
decompressing anything compressed (.gz, .br, zip members such as .xlsx sheets): no marker of a
withheld, pending, expired, withdrawn, repaired or 简易程序 record, no natural person's full name or
ID number, no legal representative's ID field. The markers of public content must appear, so the
test fails if the scan sees nothing.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.canary_repo import AS_OF, SUBJECT_LEAKS, build_canary_repo

GONGSHI = Path(sys.executable).with_name("gongshi")
pytestmark = pytest.mark.slow


def gongshi(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(GONGSHI), *args], cwd=cwd, capture_output=True, timeout=600, check=False, env=None
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def blobs(name: str, data: bytes, depth: int = 0):
    """``(name, bytes)`` of a file and of everything inside it (decompressed, unzipped)."""
    yield name, data
    if depth > 3:
        return
    if data[:2] == b"\x1f\x8b":
        yield from blobs(name + "!gunzip", gzip.decompress(data), depth + 1)
    elif name.endswith(".br"):
        import brotli  # only needed when the build writes .br files

        yield from blobs(name + "!unbrotli", brotli.decompress(data), depth + 1)
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                yield from blobs(f"{name}!{member}", zf.read(member), depth + 1)


def scan_tree(root: Path) -> list[tuple[str, bytes]]:
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            out.append(("path:" + rel, rel.encode()))  # file names leak too
            out.extend(blobs(rel, path.read_bytes()))
    return out


def find(items: list[tuple[str, bytes]], needle: str) -> list[str]:
    raw = needle.encode("utf-8")
    low = needle.lower().encode("utf-8")
    return [name for name, data in items if raw in data or low in data.lower()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("canary")
    cr = build_canary_repo(base / "repo")
    day = AS_OF.isoformat()
    site = base / "site"
    proc = gongshi(cr.path, "build", "--as-of", day, "--output", str(site))
    assert proc.returncode == 0, proc.stderr.decode()
    exports = base / "exports"
    exports.mkdir()
    runs = [
        ("csv", ["--output", str(exports / "all") + "/"]),
        ("xlsx", ["--output", str(exports / "all.xlsx")]),
        ("json", ["--output", str(exports / "all.json")]),
        # Upward-reporting batches carry withdrawal rows: only for records that had been public.
        ("csv", ["--since", "2026-01-01", "--output", str(exports / "since") + "/"]),
        ("xlsx", ["--since", "2026-01-01", "--output", str(exports / "since.xlsx")]),
        ("json", ["--since", "2026-01-01", "--output", str(exports / "since.json")]),
        ("json", ["--dept", "scjg", "--kind", "penalty", "--output", str(exports / "scjg-penalty.json")]),
        ("csv", ["--dept", "zhzf", "--kind", "penalty", "--output", str(exports / "zhzf-penalty.csv")]),
    ]
    for fmt, extra in runs:
        (exports / "all").mkdir(exist_ok=True)
        (exports / "since").mkdir(exist_ok=True)
        proc = gongshi(cr.path, "export", "--format", fmt, "--as-of", day, *extra)
        assert proc.returncode == 0, (fmt, extra, proc.stderr.decode())
    stdout = base / "stdout"
    stdout.mkdir()
    for name, args in {
        "export.json": ["export", "--format", "json", "--as-of", day],
        "export-licence.csv": ["export", "--format", "csv", "--kind", "licence", "--as-of", day],
        "stats.txt": ["stats", "--as-of", day],
        "stats.json": ["stats", "--as-of", day, "--format", "json"],
        "stats.csv": ["stats", "--as-of", day, "--format", "csv"],
    }.items():
        proc = gongshi(cr.path, *args)
        assert proc.returncode == 0, (args, proc.stderr.decode())
        (stdout / name).write_bytes(proc.stdout)
    items = [(f"site/{n}", d) for n, d in scan_tree(site)]
    items += [(f"exports/{n}", d) for n, d in scan_tree(exports)]
    items += [(f"stdout/{n}", d) for n, d in scan_tree(stdout)]
    return cr, site, items


def test_scan_covers_every_kind_of_output(built):
    _cr, site, items = built
    names = [n for n, _ in items]
    files = [p for p in site.rglob("*") if p.is_file()]
    assert all(f"site/{p.relative_to(site).as_posix()}" in names for p in files)
    for suffix in (".html", ".json", ".xml", ".csv", ".xlsx", "sitemap.xml", "robots.txt"):
        assert any(n.endswith(suffix) for n in names), f"no {suffix} output was scanned"
    assert any("!xl/sharedStrings.xml" in n or "!xl/worksheets/" in n for n in names), "xlsx not opened"
    assert any(n.startswith("site/search/") for n in names), "search index not scanned"
    assert any("atom" in n or "rss" in n for n in names), "feeds not scanned"
    # Compressed copies, if the build writes any, are opened too (a .gz/.br must never be skipped).
    for name, _data in items:
        if name.endswith((".gz", ".br")) and "!" not in name and "path:" not in name:  # not the file name
            assert any(n.startswith(name + "!") for n in names), f"{name} not decompressed"


def test_no_canary_leaks(built):
    cr, _site, items = built
    leaks = {}
    for m, label in cr.canaries.never.items():
        where = find(items, m)
        if where:
            leaks[label] = where[:5]
    assert not leaks, "markers that must never be published were found:\n" + "\n".join(
        f"  {label}: {where}" for label, where in sorted(leaks.items())
    )


def test_sealed_id_numbers_never_leak(built):
    """Issue 17: no output reads the sealed fields: no line of any armored text, no sealed number
    and no fragment of one appears anywhere (and the repository does hold them)."""
    cr, _site, items = built
    records = [p.read_text(encoding="utf-8") for p in (cr.path / "data" / "records").rglob("*.yaml")]
    assert sum("  id_no_sealed: |" in t for t in records) >= 5
    assert sum("  legal_rep_id_no_sealed: |" in t for t in records) >= 10
    assert len(cr.canaries.sealed) > 100
    # The needles are real: every armored line is found in the repository's history by the same search.
    repo_text = [("repo", cr.repo.git("log", "-p", "--all").encode("utf-8"))]
    lines = [n for n, label in cr.canaries.sealed.items() if "line" in label]
    assert lines and all(find(repo_text, n) for n in lines)
    leaks = {
        label: find(items, needle)[:5] for needle, label in cr.canaries.sealed.items() if find(items, needle)
    }
    assert not leaks, "sealed ID numbers found in outputs:\n" + "\n".join(
        f"  {label}: {where}" for label, where in sorted(leaks.items())
    )


def test_withdrawal_rows_only_in_reporting_batches(built):
    """A record credit-repaired after publication: its withdrawal row (文号, 状态, 原因) goes to the
    platform in ``--since`` batches, and nowhere else."""
    cr, _site, items = built
    batches = [(n, d) for n, d in items if "since" in n]
    others = [(n, d) for n, d in items if "since" not in n]
    assert cr.canaries.reporting
    for m, label in cr.canaries.reporting.items():
        assert find(batches, m), f"{label}: no withdrawal row in the --since batch"
        assert not find(others, m), (label, find(others, m)[:5])


def test_public_markers_do_appear(built):
    """The scan is real: public content (and the withdrawal notice's 文号 and 原因) is found."""
    cr, _site, items = built
    missing = [label for m, label in cr.canaries.expected.items() if not find(items, m)]
    assert not missing, f"public content missing from every output: {missing}"
    for m, label in cr.canaries.expected.items():
        if label.startswith(("public-", "withdrawn-notice")):
            assert find([(n, d) for n, d in items if n.startswith("site/")], m), label
    for label in ("public-licence:content", "public-penalty:facts", "public-person:content"):
        m = next(k for k, v in cr.canaries.expected.items() if v == label)
        assert find([(n, d) for n, d in items if n.startswith("exports/")], m), label


def test_natural_person_shown_masked_only(built):
    cr, site, items = built
    assert site.is_dir()
    for masked in cr.canaries.masked_names:
        assert find(items, masked), masked  # 司马 + one * per hidden character
    page = (site / "r" / "scjg-cf-2026-0402.html").read_text(encoding="utf-8")
    assert cr.canaries.masked_names[0] in page


def test_hidden_records_have_no_trace(built):
    cr, site, items = built
    ledger = gzip.decompress((site / "ledger" / "entries" / "0.json.gz").read_bytes()).decode("utf-8")
    for rid in cr.hidden_ids:
        assert not list(site.rglob(f"*{rid}*")), rid
        hits = find(items, rid)
        if f'"event":"published","id":"{rid}"' in ledger:
            # Public once, then expired or withdrawn: the append-only publication ledger keeps its
            # id and content hashes (no content; docs/ledger.md), and nothing else does.
            hits = [n for n in hits if not n.startswith("site/ledger/entries/")]
        assert not hits, (rid, hits[:5])
    for rid in cr.public_ids + cr.notice_ids:
        assert (site / "r" / f"{rid}.html").is_file(), rid


# Issue 14: the privacy boundary -------------------------------------------------------------------

OUTPUT_TYPES = {
    # output type -> how its files are recognised in the built site
    "html": lambda n: n.endswith(".html") and not n.startswith(("dashboard/", "search/")),
    "search": lambda n: n.startswith("search/") or n == "search.html",
    "feeds": lambda n: n.startswith("feeds/"),
    "api": lambda n: n.startswith("api/"),
    "csv": lambda n: n.startswith("data/") and ".csv" in n,
    "xlsx": lambda n: n.startswith("data/") and ".xlsx" in n,
    "dashboard": lambda n: n.startswith("dashboard/"),
}
# What a link into the data repository (commits, files, history) would look like.
REPOSITORY_LINKS = ("/commit/", "/commits/", "/blob/", "/tree/", "github.com", "gitlab", "gitee.com")


def _site_items(items, kind: str):
    test = OUTPUT_TYPES[kind]
    return [(n, d) for n, d in items if n.startswith("site/") and test(n.removeprefix("site/").split("!")[0])]


def test_commit_subjects_never_published(built):
    """A merge subject with an ID number and a mobile number, a correction's subject naming the old
    name, a subject naming a co-committed 商业秘密 company: none of it reaches any output."""
    _cr, _site, items = built
    for leak in SUBJECT_LEAKS:
        assert not find(items, leak), (leak, find(items, leak)[:5])


def test_every_natural_person_name_absent_current_and_past(built):
    cr, site, items = built
    assert len(cr.canaries.person_names) >= 6
    for name in cr.canaries.person_names:
        assert not find(items, name), (name, find(items, name)[:5])
    # The renamed person's page says what was corrected, with the old name masked.
    page = (site / "r" / "scjg-cf-2026-0404.html").read_text(encoding="utf-8")
    assert cr.canaries.masked_fields["renamed-person:correction"] in page


@pytest.mark.parametrize("field", ["doc_no", "licence_no", "category_other"])
def test_person_name_in_a_code_field_masked_on_page_csv_xlsx_json(built, field):
    cr, site, items = built
    masked = cr.canaries.masked_fields[f"person-in-fields:{field}"]
    page = (site / "r" / "scjg-xk-2026-0405.html").read_text(encoding="utf-8")
    assert masked in page
    for kind in ("csv", "xlsx", "api"):
        assert find(_site_items(items, kind), masked), (field, kind)
    for suffix in (".csv", ".xlsx", ".json"):
        exported = [(n, d) for n, d in items if n.startswith("exports/") and n.split("!")[0].endswith(suffix)]
        assert find(exported, masked), (field, suffix)


def test_each_output_type_hides_every_person_and_links_nowhere(built):
    """Per output type (html, search, feeds, api, csv, xlsx, dashboard): files were scanned, no
    natural person's full name (current or past) and no link into the data repository."""
    cr, _site, items = built
    for kind in OUTPUT_TYPES:
        these = _site_items(items, kind)
        assert these, f"no {kind} output was scanned"
        for name in cr.canaries.person_names:
            assert not find(these, name), (kind, name, find(these, name)[:3])
        for link in (*REPOSITORY_LINKS, str(cr.path)):
            assert not find(these, link), (kind, link, find(these, link)[:3])
    # The masked form does appear in the outputs that show party names (the scan is real).
    for kind in ("html", "search", "feeds", "api", "csv", "xlsx"):
        assert find(_site_items(items, kind), cr.canaries.masked_names[0]), kind

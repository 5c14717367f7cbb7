"""The build caches (gongshi.core.cachefile; each cache with its owner) are only shortcuts: a warm
build writes exactly the bytes a cold one does, and a change of a record, a schema, a template, the
policy or the as-of date reaches exactly the outputs that depend on it."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from gongshi import sitewrite
from gongshi.check.run import validate_repository
from gongshi.core import cachefile, keys
from gongshi.history.cache import scan_history_cached
from gongshi.history.log import scan_history
from gongshi.outputs.registry import OUTPUTS
from gongshi.sitebuild import CODE_ROOT, build

from bench.generate import generate
from tests.support.gitrepo import GitRepo
from tests.support.outputtree import changed as _changed
from tests.support.outputtree import files as _tree

AS_OF = date(2026, 11, 20)
COMMIT_AT = "2026-11-20T22:00:00+08:00"


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("cache") / "repo"
    generate(70, repo, seed=11, end=AS_OF)
    return repo


@pytest.fixture
def repo(source_repo, tmp_path) -> GitRepo:
    """A private clone (full history) so each test may commit."""
    return GitRepo(source_repo).clone(tmp_path / "repo")


def _is_page(rel: str) -> bool:
    """A record page (r/ also holds the JSON API's per-record files)."""
    return rel.startswith("r/") and rel.endswith(".html")


def _unzipped(data: bytes | None) -> bytes:
    """The file inside a download's zip (empty when there is no such download)."""
    if data is None:
        return b""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(name) for name in z.namelist())


def _remark(text: str, note: str) -> str:
    """The record text with ``note`` in its remarks (added or prepended)."""
    if "\nremarks: " in text:
        return text.replace("\nremarks: ", f"\nremarks: {note}", 1)
    return text.rstrip("\n") + f"\nremarks: {note}\n"


class Renders:
    """Counts record pages actually rendered (a kept page is not rendered at all)."""

    def __init__(self, monkeypatch):
        self.pages: list[str] = []
        original = sitewrite._render_one

        def counting(env, base, page):
            if page.template in ("record", "notice"):
                self.pages.append(page.path)
            return original(env, base, page)

        monkeypatch.setattr(sitewrite, "_render_one", counting)


def _build(repo: Path, output: Path, monkeypatch, *, cache: bool, as_of: date = AS_OF, **kw):
    monkeypatch.setenv("GONGSHI_CACHE", "on" if cache else "off")
    return build(repo, as_of, output, gongshi_overrides={"workers": 1}, **kw)


def _cold(repo: Path, tmp_path: Path, monkeypatch, name: str, **kw) -> dict[str, bytes]:
    out = tmp_path / f"cold-{name}"
    _build(repo, out, monkeypatch, cache=False, **kw)
    return _tree(out)


@pytest.mark.slow
def test_warm_builds_equal_cold_builds_and_redo_only_what_changed(repo, tmp_path, monkeypatch):
    root = repo.path
    warm = tmp_path / "warm"
    _build(root, warm, monkeypatch, cache=True)
    first = _tree(warm)
    assert first == _cold(root, tmp_path, monkeypatch, "start")
    record_pages = {p for p in first if _is_page(p)}
    assert len(record_pages) > 20

    # Nothing changed: no record page is rendered, every byte is the same.
    renders = Renders(monkeypatch)
    _build(root, warm, monkeypatch, cache=True)
    assert renders.pages == [] and _tree(warm) == first

    # One record: only its page is rendered again; the output equals a cold build's.
    page = sorted(record_pages)[len(record_pages) // 2]
    record_id = page[2:-5]
    rel = next(p for p in (root / "data" / "records").rglob(f"{record_id}.yaml")).relative_to(root).as_posix()
    text = (root / rel).read_text(encoding="utf-8")
    repo.commit(f"更正 {record_id}", COMMIT_AT, {rel: _remark(text, "缓存测试备注。")})
    renders.pages.clear()
    built = _build(root, warm, monkeypatch, cache=True)
    after_record = _tree(warm)
    assert renders.pages == [page]
    assert page in _changed(first, after_record)
    # The JSON API: only the record's shard (its id without the last part) is written again.
    assert {p for p in _changed(first, after_record) if p.startswith("api/")} == {
        f"api/records/{record_id.rpartition('-')[0]}.json.gz"
    }
    # Downloads: only the record's department-year CSV and xlsx and its year's zip (plus the page,
    # if a size label moved); nothing when the record is not public (a notice).
    dept, folder, year = rel.split("/")[2:5]
    kind = {"licences": "licence", "penalties": "penalty"}[folder]
    shard = {
        f"data/{dept}/{year}-{kind}.csv.zip",
        f"data/{dept}/{year}-{kind}.xlsx",
        f"data/{year}-{kind}.csv.zip",
    }
    public = "缓存测试备注。".encode() in _unzipped(after_record.get(f"data/{dept}/{year}-{kind}.csv.zip"))
    downloads = {p for p in _changed(first, after_record) if p.startswith("data/")} - {"data/index.html"}
    assert downloads == (shard if public else set())
    # Search: only the record's month group is tokenized again (none for a notice), and a remark
    # is no indexed field, so no index file changes.
    search = built.site.extras["search"]
    assert search["groups"] > 1 and search["tokenized_groups"] == (1 if public else 0)
    assert not {p for p in _changed(first, after_record) if p.startswith("search/")}
    assert after_record == _cold(root, tmp_path, monkeypatch, "record")

    # Policy: a longer rolling list changes timelines; warm equals cold.
    policy = (root / "data" / "policy.yaml").read_text(encoding="utf-8")
    repo.commit(
        "滚动公示 30 天", COMMIT_AT, {"data/policy.yaml": policy.replace("list_days: 10", "list_days: 30")}
    )
    _build(root, warm, monkeypatch, cache=True)
    after_policy = _tree(warm)
    assert _changed(after_record, after_policy)
    assert after_policy == _cold(root, tmp_path, monkeypatch, "policy")

    # As-of date: record pages do not show it, so only the records whose state changed between
    # the two days (e.g. off the rolling list) are rendered again; warm equals cold.
    later = date(2026, 11, 23)
    renders.pages.clear()
    _build(root, warm, monkeypatch, cache=True, as_of=later)
    after_day = _tree(warm)
    moved = {p for p in _changed(after_policy, after_day) if _is_page(p) and p in after_day}
    assert moved and set(renders.pages) == moved
    assert len(moved) < len({p for p in after_day if _is_page(p)})
    # They name the data date only through build-info.json (theme/static/js/aids.js), never in their bytes.
    assert not any(later.isoformat().encode() in after_day[p].split(b"<footer")[-1] for p in moved)
    assert "信息截至 2026-11-23".encode() in after_day["index.html"]
    assert after_day == _cold(root, tmp_path, monkeypatch, "day", as_of=later)

    # Template: a copy of the theme with a changed record template re-renders every record page.
    theme = tmp_path / "theme"
    shutil.copytree(CODE_ROOT / "theme", theme)
    template = theme / "templates" / "record.html"
    template.write_text(
        template.read_text(encoding="utf-8") + "\n{# 缓存测试 #}<!-- t -->\n", encoding="utf-8"
    )
    renders.pages.clear()
    _build(root, warm, monkeypatch, cache=True, as_of=later, overrides={"THEME": str(theme)})
    after_template = _tree(warm)
    records_now = {p for p in after_template if _is_page(p)}
    assert {p for p in _changed(after_day, after_template) if _is_page(p)} == {
        p for p in records_now if after_template[p].find(b"<!-- t -->") >= 0
    }
    assert set(renders.pages) == records_now
    cold = _cold(root, tmp_path, monkeypatch, "template", as_of=later, overrides={"THEME": str(theme)})
    assert after_template == cold


def test_schema_change_invalidates_every_cache(monkeypatch, tmp_path):
    schemas = tmp_path / "schemas"
    shutil.copytree(keys.SCHEMA_DIR, schemas)
    keys.code_version.cache_clear()
    monkeypatch.setattr(keys, "SCHEMA_DIR", schemas)
    before = keys.code_version()
    path = schemas / "licence.schema.json"
    path.write_text(path.read_text(encoding="utf-8").replace("行政许可", "行政许可 ", 1), encoding="utf-8")
    keys.code_version.cache_clear()
    after = keys.code_version()
    keys.code_version.cache_clear()
    assert before != after


def test_validation_cache_follows_content_registry_and_as_of(repo, monkeypatch):
    root = repo.path
    cold = validate_repository(root, AS_OF, jobs=1)
    warm1 = validate_repository(root, AS_OF, jobs=1, cache=True)
    warm2 = validate_repository(root, AS_OF, jobs=1, cache=True)
    assert list((cachefile.cache_dir(root) / "records").glob("*.marshal"))  # one file per department
    for warm in (warm1, warm2):
        assert warm.problems == cold.problems
        assert [(r.path, r.data, r.lines) for r in warm.records] == [
            (r.path, r.data, r.lines) for r in cold.records
        ]

    # An uncommitted edit (the index still has the old blob) is seen.
    victim = cold.records[0]
    text = (root / victim.path).read_text(encoding="utf-8")
    (root / victim.path).write_text(text.replace("decision_date:", "decision_date: x", 1), encoding="utf-8")
    broken = validate_repository(root, AS_OF, jobs=1, cache=True)
    assert [p.file for p in broken.errors] == [victim.path]
    (root / victim.path).write_text(text, encoding="utf-8")

    # An earlier as-of date makes the newest decisions lie "in the future": not taken from the cache.
    newest = max(r.decision_date for r in cold.records)
    earlier = date.fromordinal(newest.toordinal() - 1)
    assert validate_repository(root, earlier, jobs=1, cache=True).errors == (
        validate_repository(root, earlier, jobs=1).errors
    )
    assert any(p.code == "date.future" for p in validate_repository(root, earlier, jobs=1, cache=True).errors)

    # A registry change (a department key renamed) re-checks every record against it.
    deps = (root / "data" / "departments.yaml").read_text(encoding="utf-8")
    (root / "data" / "departments.yaml").write_text(
        deps.replace("key: scjg", "key: scjgx", 1), encoding="utf-8"
    )
    assert validate_repository(root, AS_OF, jobs=1, cache=True).errors == (
        validate_repository(root, AS_OF, jobs=1).errors
    )
    assert validate_repository(root, AS_OF, jobs=1).errors


def test_history_cache_reads_only_new_commits_and_survives_rewrites(repo):
    root = repo.path
    head = repo.git("rev-parse", "HEAD").strip()
    repo.git("reset", "--quiet", "--hard", "HEAD~6")
    assert scan_history_cached(root).head != head  # cache filled at an older commit
    repo.git("reset", "--quiet", "--hard", head)
    incremental = scan_history_cached(root)
    full = scan_history(root)
    assert incremental.head == full.head == head
    assert incremental.changes == full.changes
    assert incremental.first_added == full.first_added
    assert scan_history_cached(root).changes == full.changes  # same head: straight from the cache

    # History rewritten (the cached head is no longer on main): a full scan, not a wrong merge.
    repo.git("reset", "--quiet", "--hard", "HEAD~3")
    some = next((root / "data" / "records").rglob("*.yaml")).relative_to(root).as_posix()
    repo.commit("改写", COMMIT_AT, {some: _remark((root / some).read_text(encoding="utf-8"), "改写。")})
    rewritten = scan_history_cached(root)
    again = scan_history(root)
    assert rewritten.changes == again.changes and rewritten.first_added == again.first_added


@pytest.mark.slow
def test_parallel_writers_write_what_one_process_writes(repo, tmp_path, monkeypatch):
    """Record pages and the extra writers in fork workers (as on large sites) give the same
    bytes, the same manifest and the same sitemap as one process; a rebuild keeps every file."""
    root = repo.path
    serial = tmp_path / "serial"
    _build(root, serial, monkeypatch, cache=True)
    monkeypatch.setattr(sitewrite, "PARALLEL_MIN", 0)
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    parallel = tmp_path / "parallel"
    first = build(root, AS_OF, parallel, gongshi_overrides={"workers": 2})
    assert set(first.site.extras) == {output.name for output in OUTPUTS}
    assert _tree(parallel) == _tree(serial)
    again = build(root, AS_OF, parallel, gongshi_overrides={"workers": 2})
    assert again.site.writes.written == 0 and again.site.writes.unchanged == first.site.writes.written
    assert _tree(parallel) == _tree(serial)


@pytest.mark.slow
def test_a_commit_subject_naming_someone_changes_no_page(tmp_path, monkeypatch):
    """Commit subjects are never published: a commit whose subject names a person (and changes
    nothing published) re-renders no record page, and a later record of that person changes only
    what shows that record; warm equals cold."""
    from tests.support.opendata_repo import AS_OF as DAY
    from tests.support.opendata_repo import PATHS, PENALTY_H, PUBLIC_PERSON, build_repo

    repo = build_repo(tmp_path / "repo")
    warm = tmp_path / "warm"
    lic = PATHS["scjg-xk-2026-0101"]
    page = "r/scjg-xk-2026-0101.html"
    text = (repo.path / lic).read_text(encoding="utf-8")
    repo.commit("核对李小龙的许可", "2026-10-12T11:00:00+08:00", {lic: text.replace("换发。", "换发。 ")})
    _build(repo.path, warm, monkeypatch, cache=True, as_of=DAY)
    assert "李小龙" not in (warm / page).read_text(encoding="utf-8")

    person = PENALTY_H.replace(PUBLIC_PERSON, "李小龙").replace("31号", "40号")
    new = PATHS["scjg-cf-2026-0031"].replace("0031", "0040")
    repo.commit("add", "2026-10-12T12:00:00+08:00", {new: person})
    renders = Renders(monkeypatch)
    _build(repo.path, warm, monkeypatch, cache=True, as_of=DAY)
    assert "李小龙" not in (warm / page).read_text(encoding="utf-8")
    assert page not in renders.pages
    assert _tree(warm) == _cold(repo.path, tmp_path, monkeypatch, "names", as_of=DAY)


def test_cached_timelines_equal_evaluated_ones(repo):
    """The timeline cache answers exactly what the time rules compute (every field, every
    warning), and on another as-of date it is not used at all."""
    from gongshi.snapshot.load import load

    root = repo.path
    fresh = load(root, AS_OF, cache=False)
    load(root, AS_OF, cache=True)  # fills the cache
    cached = load(root, AS_OF, cache=True)
    assert [e.timeline for e in cached.entries] == [e.timeline for e in fresh.entries]
    assert [(e.id, e.department.key, e.item) for e in cached.entries] == [
        (e.id, e.department.key, e.item) for e in fresh.entries
    ]
    assert cached.warnings == fresh.warnings
    later = date(2027, 3, 1)
    assert [e.timeline for e in load(root, later, cache=True).entries] == [
        e.timeline for e in load(root, later, cache=False).entries
    ]

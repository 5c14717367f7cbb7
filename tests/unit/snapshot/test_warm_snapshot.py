"""A snapshot loaded with the build caches is exactly the one loaded without them, after every
kind of change a data repository sees: edits, additions, deletions, renames, withdrawals, an
uncommitted edit, another as-of day (later, and a past one), changed registry files."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.core import cachefile
from gongshi.snapshot.load import load

from bench.generate import generate
from tests.support.gitrepo import GitRepo

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("warm") / "repo"
    generate(120, repo, seed=7, end=AS_OF)
    return repo


@pytest.fixture
def repo(source_repo, tmp_path) -> GitRepo:
    return GitRepo(source_repo).clone(tmp_path / "repo")


def _fingerprint(snapshot, *, keys: bool = True, past: bool = True) -> list:
    """Everything a snapshot holds, as comparable values (the entries in their order). ``keys``:
    with the blob ids and the entries' output keys (a load without caches knows no blob ids, so
    its keys hash the data instead). ``past``: with the past names (without blob ids, an
    uncommitted edit's committed version is taken for the current one, see
    ``past_person_names``)."""
    entries = [
        (
            e.record.path,
            e.record.id,
            e.record.data,
            e.timeline,
            e.history,
            [c.blob for c in e.history],
            e.department.key,
            e.item,
            e.past_names if past else None,
            (e.record.blob_sha, e.key) if keys else None,
        )
        for e in snapshot.entries
    ]
    return [entries, snapshot.warnings, snapshot.head, snapshot.as_of, snapshot.registry_key]


def _same(root: Path, as_of: date, monkeypatch, *, uncommitted: bool = False) -> None:
    """A warm load (twice: filling, then reading the caches) equals a cold one, and one with
    emptied caches."""
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    cold = _fingerprint(load(root, as_of, cache=False), keys=False, past=not uncommitted)
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    for _ in range(2):
        warm = load(root, as_of, cache=True)
        assert _fingerprint(warm, keys=False, past=not uncommitted) == cold
    folder = cachefile.cache_dir(root)
    assert folder is not None and folder.is_dir()
    saved = folder.with_name(folder.name + "-saved")
    folder.rename(saved)
    try:
        assert _fingerprint(load(root, as_of, cache=True)) == _fingerprint(warm)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        saved.rename(folder)


def _records(repo: GitRepo) -> list[str]:
    return sorted(repo.git("ls-files", "data/records").split())


def _remark(text: str, note: str) -> str:
    if "\nremarks: " in text:
        return text.replace("\nremarks: ", f"\nremarks: {note}", 1)
    return text.rstrip("\n") + f"\nremarks: {note}\n"


def test_warm_snapshot_equals_cold_after_every_kind_of_change(repo, monkeypatch):
    root = repo.path
    rng = random.Random(20)
    _same(root, AS_OF, monkeypatch)

    # Random edits of several records, one commit.
    paths = _records(repo)
    edits = {p: _remark((root / p).read_text(encoding="utf-8"), "更正。") for p in rng.sample(paths, 5)}
    repo.commit("更正五条", "2026-11-20T20:00:00+08:00", edits)
    _same(root, AS_OF, monkeypatch)
    # A few changed timelines go to the delta file, next to the untouched full one.
    assert (cachefile.cache_dir(root) / "timelines-delta.marshal").is_file()

    # A deletion and a rename (a new id: the old one deleted, the new one added).
    gone, moved = rng.sample(_records(repo), 2)
    text = (root / moved).read_text(encoding="utf-8")
    renamed = moved.rsplit("/", 1)[0] + "/" + moved.rsplit("/", 1)[1].replace(".yaml", "9.yaml")
    repo.commit("删除与改名", "2026-11-20T20:30:00+08:00", {gone: None, moved: None, renamed: text})
    _same(root, AS_OF, monkeypatch)

    # A withdrawal (注销) of a licence.
    licences = [p for p in _records(repo) if "/licences/" in p]
    target = next(p for p in licences if "\nstatus:" not in (root / p).read_text(encoding="utf-8"))
    withdrawn = (root / target).read_text(encoding="utf-8").rstrip("\n") + (
        "\nstatus: 注销\nstatus_date: 2026-11-19\nstatus_reason: 被许可人申请注销。\n"
    )
    repo.commit("注销一条", "2026-11-20T21:00:00+08:00", {target: withdrawn})
    _same(root, AS_OF, monkeypatch)

    # An uncommitted edit and an untracked new record (a preview).
    edited = rng.choice(_records(repo))
    repo.write(edited, _remark((root / edited).read_text(encoding="utf-8"), "未提交。"))
    source = rng.choice(_records(repo))
    new = source.replace(".yaml", "8.yaml")
    doc_no = next(
        line
        for line in (root / source).read_text(encoding="utf-8").splitlines()
        if line.startswith("doc_no:")
    )
    repo.write(new, (root / source).read_text(encoding="utf-8").replace(doc_no, doc_no[:-1] + "号之二"))
    _same(root, AS_OF, monkeypatch, uncommitted=True)
    repo.git("checkout", "--", edited)
    (root / new).unlink()

    # Other as-of days: later (states move on), and a past one (the repository as it stood).
    _same(root, date(2027, 2, 1), monkeypatch)
    _same(root, date(2026, 6, 30), monkeypatch)
    _same(root, AS_OF, monkeypatch)

    # A changed registry file: a department's name, then the policy.
    departments = (root / "data/departments.yaml").read_text(encoding="utf-8")
    name = next(line for line in departments.splitlines() if line.strip().startswith("name:"))
    repo.commit(
        "部门更名",
        "2026-11-20T21:30:00+08:00",
        {"data/departments.yaml": departments.replace(name, name.rstrip() + "（新）", 1)},
    )
    _same(root, AS_OF, monkeypatch)
    policy = (root / "data/policy.yaml").read_text(encoding="utf-8")
    repo.commit("政策注释", "2026-11-20T21:40:00+08:00", {"data/policy.yaml": policy + "# 注释\n"})
    _same(root, AS_OF, monkeypatch)

    # A staged new record, then a reset to an older commit and a switch to
    # another branch and back (the caches saw newer trees than the one checked out).
    source = rng.choice(_records(repo))
    text = (root / source).read_text(encoding="utf-8")
    doc_no = next(line for line in text.splitlines() if line.startswith("doc_no:"))
    staged = source.replace(".yaml", "6.yaml")
    quoted = doc_no.endswith('"')
    other = doc_no[:-2] + '号之三"' if quoted else doc_no[:-1] + "号之三"
    repo.write(staged, text.replace(doc_no, other))
    repo.git("add", staged)
    _same(root, AS_OF, monkeypatch, uncommitted=True)
    repo.git("reset", "--quiet", "--hard", "HEAD~4")
    _same(root, AS_OF, monkeypatch)
    repo.git("checkout", "--quiet", "-b", "side")
    gone = rng.choice(_records(repo))
    repo.commit("另一分支", "2026-11-20T22:00:00+08:00", {gone: None})
    _same(root, AS_OF, monkeypatch)
    repo.git("checkout", "--quiet", "-")
    _same(root, AS_OF, monkeypatch)


def test_history_cache_with_a_delta_equals_a_full_scan(repo):
    """Commits after the cached one go to a small delta file, one after another; the index read
    back (full file + delta) is the full scan's, and a rewritten history starts again."""
    from gongshi.history.cache import DELTA_FILE, HISTORY_FILE, scan_history_cached
    from gongshi.history.log import scan_history

    root = repo.path
    folder = cachefile.cache_dir(root)

    def same() -> None:
        cached, full = scan_history_cached(root), scan_history(root)
        assert (cached.head, cached.changes, cached.first_added) == (
            full.head,
            full.changes,
            full.first_added,
        )
        blobs = {p: [c.blob for c in items] for p, items in full.changes.items()}
        assert {p: [c.blob for c in items] for p, items in cached.changes.items()} == blobs
        again = scan_history_cached(root)  # read back from the files
        assert (again.head, again.changes, again.first_added) == (full.head, full.changes, full.first_added)
        assert again.warnings == cached.warnings

    same()
    assert (folder / HISTORY_FILE).is_file() and not (folder / DELTA_FILE).exists()
    full_bytes = (folder / HISTORY_FILE).read_bytes()
    paths = _records(repo)
    for n, p in enumerate(paths[:3]):
        text = _remark((root / p).read_text(encoding="utf-8"), f"第{n}次更正。")
        repo.commit(f"更正{n}", f"2026-11-20T2{n}:00:00+08:00", {p: text})
        same()
        assert (folder / DELTA_FILE).is_file()
        assert (folder / HISTORY_FILE).read_bytes() == full_bytes  # untouched
    repo.commit("删除", "2026-11-20T23:00:00+08:00", {paths[0]: None})
    same()

    # Rewritten: the cached commit is no longer on main.
    repo.git("reset", "--quiet", "--hard", "HEAD~2")
    repo.commit(
        "改写", "2026-11-20T23:30:00+08:00", {paths[5]: _remark((root / paths[5]).read_text(), "改写。")}
    )
    same()
    assert not (folder / DELTA_FILE).exists()


def test_loaded_entries_have_exactly_the_fields_of_an_entry(repo):
    """The loader fills entries' fields without calling ``Entry.__init__`` (a field added to
    ``Entry`` must be filled there too) and sorts them by ``Entry.sort_key`` its own way."""
    from dataclasses import fields

    from gongshi.snapshot.build import Entry

    for cache in (False, True):
        entries = load(repo.path, AS_OF, cache=cache).entries
        entry = entries[0]
        assert set(vars(entry)) - {"key"} == {f.name for f in fields(Entry)}
        assert entry.projection is None
        keys = [e.sort_key for e in entries]
        assert keys == sorted(keys) and len(set(keys)) == len(keys) > 100  # newest first

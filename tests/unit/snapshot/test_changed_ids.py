"""``Snapshot.changed_ids``: exactly the records whose entry (its key) appeared, disappeared or
changed since the snapshot last loaded with the caches, against ``previous_state``; None whenever
that is unknown (first load, caches off, another registry, a damaged file)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from gongshi.core import cachefile
from gongshi.snapshot.changes import KEYS_FILE
from gongshi.snapshot.load import load

from bench.generate import generate
from tests.support.gitrepo import GitRepo

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("changed") / "repo"
    generate(60, repo, seed=5, end=AS_OF)
    return repo


@pytest.fixture
def repo(source_repo, tmp_path) -> GitRepo:
    return GitRepo(source_repo).clone(tmp_path / "repo")


def _keys(snapshot) -> dict[str, str]:
    return {e.record.id: e.key for e in snapshot.entries}


def _remark(text: str, note: str) -> str:
    return (
        text.rstrip("\n") + f"\nremarks: {note}\n"
        if "\nremarks: " not in text
        else text.replace("\nremarks: ", f"\nremarks: {note}", 1)
    )


def test_changed_ids_are_the_entries_that_differ(repo, monkeypatch):
    root = repo.path
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    first = load(root, AS_OF, cache=True)
    assert first.changed_ids is None and first.previous_state is None and first.state

    same = load(root, AS_OF, cache=True)
    assert same.changed_ids == frozenset()
    assert same.state == same.previous_state == first.state

    def expect(before, after) -> frozenset[str]:
        old, new = _keys(before), _keys(after)
        return frozenset(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))

    paths = sorted(repo.git("ls-files", "data/records").split())
    # One committed correction.
    edited = paths[3]
    repo.commit("更正", "2026-11-20T20:00:00+08:00", {edited: _remark((root / edited).read_text(), "更正。")})
    one = load(root, AS_OF, cache=True)
    assert one.changed_ids == expect(same, one) == {Path(edited).stem}
    assert one.previous_state == same.state != one.state

    # A deletion, an uncommitted edit and an untracked new record together.
    gone, dirty = paths[7], paths[9]
    repo.commit("删除", "2026-11-20T20:30:00+08:00", {gone: None})
    repo.write(dirty, _remark((root / dirty).read_text(), "未提交。"))
    text = (root / paths[11]).read_text()
    doc_no = next(line for line in text.splitlines() if line.startswith("doc_no:"))
    new_path = paths[11].replace(".yaml", "7.yaml")
    repo.write(new_path, text.replace(doc_no, doc_no[:-1] + "号之二"))
    several = load(root, AS_OF, cache=True)
    assert several.changed_ids == expect(one, several)
    assert {Path(gone).stem, Path(dirty).stem, Path(new_path).stem} <= several.changed_ids
    (root / new_path).unlink()
    repo.git("checkout", "--", dirty)

    # Another day: the records whose state or dates moved on.
    later = load(root, date(2027, 6, 1), cache=True)
    assert later.changed_ids == expect(several, later) and later.changed_ids

    # Back to an older commit (a branch switch or reset): the changes undone are changes too.
    back = load(root, AS_OF, cache=True)
    repo.git("reset", "--quiet", "--hard", "HEAD~2")
    reset = load(root, AS_OF, cache=True)
    assert reset.changed_ids == expect(back, reset) == {Path(edited).stem, Path(gone).stem}

    # Unknown: a damaged file, another registry, the caches off.
    path = cachefile.cache_path(root, KEYS_FILE)
    path.write_bytes(b"gongshi-cache 2\n" + b"\0" * 40)
    assert load(root, AS_OF, cache=True).changed_ids is None
    assert load(root, AS_OF, cache=True).changed_ids == frozenset()
    policy = (root / "data/policy.yaml").read_text(encoding="utf-8")
    repo.commit("政策注释", "2026-11-20T21:40:00+08:00", {"data/policy.yaml": policy + "# 注释\n"})
    assert load(root, AS_OF, cache=True).changed_ids == frozenset()  # nothing any output shows
    departments = (root / "data/departments.yaml").read_text(encoding="utf-8")
    name = next(line for line in departments.splitlines() if line.strip().startswith("name:"))
    renamed = departments.replace(name, name.rstrip() + "（新）", 1)
    repo.commit("部门更名", "2026-11-20T21:50:00+08:00", {"data/departments.yaml": renamed})
    assert load(root, AS_OF, cache=True).changed_ids is None
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    off = load(root, AS_OF, cache=False)
    assert (off.changed_ids, off.state, off.previous_state) == (None, None, None)

"""The files under data/ from Git's tree and status (``check.listing``) are exactly the walk's:
the same record files in the same order, the same strays and blob ids, the same working set, after
commits, uncommitted and untracked edits, renames, deletions, a reset and a branch switch; and
where it cannot see exactly (ignored files) it gives up rather than guess."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.check import listing, run
from gongshi.check.cache import blob_ids
from gongshi.check.consistency import working_set
from gongshi.check.listing import StatusRun, data_listing
from gongshi.core import cachefile

from bench.generate import generate
from tests.support.gitrepo import GitRepo

AS_OF = date(2026, 11, 20)
WHEN = "2026-11-20T10:00:00+08:00"


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("listing") / "repo"
    generate(40, repo, seed=11, end=AS_OF)
    return repo


@pytest.fixture
def repo(source_repo, tmp_path) -> GitRepo:
    out = GitRepo(source_repo).clone(tmp_path / "repo")
    out.git("checkout", "--quiet", "-B", "main")
    return out


def _walked(root: Path):
    records, strays = run._data_files(root)
    return records, strays, blob_ids(root, records), working_set(root)


def _same_as_walk(root: Path) -> None:
    got = data_listing(root, StatusRun(root))
    assert got is not None
    records, strays, blobs, (new, changed) = _walked(root)
    assert got.records == records
    assert got.strays == strays
    assert got.blobs == blobs
    assert (got.new, got.changed) == (new, changed)


def _records(root: Path) -> list[str]:
    return run._data_files(root)[0]


@pytest.mark.parametrize("keep_behind", [listing.KEEP_BEHIND, 0])
def test_listing_follows_every_kind_of_change(repo, monkeypatch, keep_behind):
    # The kept file patched from an older tree, or rewritten after every change.
    monkeypatch.setattr(listing, "KEEP_BEHIND", keep_behind)
    root = repo.path
    _same_as_walk(root)  # made from git ls-tree
    _same_as_walk(root)  # kept as it is
    first = repo.git("rev-parse", "HEAD").strip()
    recs = _records(root)
    a, b, c = recs[0], recs[5], recs[-1]
    text_a = (root / a).read_text(encoding="utf-8")
    # Committed: an edit, a new record (also misplaced ones and strays), a deletion, a rename.
    folder = a[: a.rfind("/")]
    repo.commit(
        "改",
        WHEN,
        {
            a: text_a + "remarks: 改过\n",
            f"{folder}/zz-new-one.yaml": text_a.replace("id:", "id:", 1),
            "data/records/misplaced.yaml": "kind: licence\n",
            f"{folder}/notes.txt": "不是数据\n",
            "data/stray.txt": "x\n",
            "data/README.md": "说明\n",
            f"{folder}/.hidden.yaml": "x: 1\n",
            "data/records/.hidden-dir/x.yaml": "x: 1\n",
            b: None,
        },
    )
    _same_as_walk(root)
    repo.git("mv", c, c.replace(".yaml", "-renamed.yaml"))
    repo.git("commit", "--quiet", "-m", "改名")
    _same_as_walk(root)
    # Uncommitted: an edit, an untracked file, a staged new file, a staged rename, a deletion.
    (root / a).write_text(text_a + "remarks: 未提交\n", encoding="utf-8")
    (root / folder / "zz-untracked.yaml").write_text("kind: licence\n", encoding="utf-8")
    (root / folder / "zz-staged.yaml").write_text("kind: penalty\n", encoding="utf-8")
    repo.git("add", f"{folder}/zz-staged.yaml")
    d = _records(root)[3]
    repo.git("mv", d, d.replace(".yaml", "-moved.yaml"))
    e = _records(root)[7]
    (root / e).unlink()
    (root / "data" / "records" / "new-dept" / "licences" / "2026").mkdir(parents=True)
    (root / "data" / "records" / "new-dept" / "licences" / "2026" / "x.yaml").write_text("a: 1\n")
    (root / "data" / "stray2.csv").write_text("x\n")
    (root / folder / "notes.txt").unlink()  # a committed stray deleted
    _same_as_walk(root)
    # Back to an older commit, then to another branch.
    repo.git("reset", "--quiet", "--hard", first)
    repo.git("clean", "-fdq")
    _same_as_walk(root)
    repo.git("checkout", "--quiet", "-b", "other")
    repo.commit("另一分支", WHEN, {recs[2]: None, f"{folder}/zz-other.yaml": "kind: licence\n"})
    _same_as_walk(root)
    repo.git("checkout", "--quiet", "main")
    _same_as_walk(root)


def test_ignored_files_and_odd_cases_fall_back_to_the_walk(repo, monkeypatch):
    root = repo.path
    (root / ".gitignore").write_text("*.tmp.yaml\n", encoding="utf-8")
    folder = Path(_records(root)[0]).parent
    (root / folder / "x.tmp.yaml").write_text("kind: licence\n", encoding="utf-8")
    assert data_listing(root, StatusRun(root)) is None  # the walk sees it; Git only as ignored
    (root / folder / "x.tmp.yaml").unlink()
    assert data_listing(root, StatusRun(root)) is not None
    # Ignored files and folders the walk passes by too: the listing still answers, as the walk.
    (root / ".gitignore").write_text(".DS_Store\n.cache/\nnotes.md\n", encoding="utf-8")
    (root / folder / ".DS_Store").write_bytes(b"\0")
    (root / folder / "notes.md").write_text("说明\n", encoding="utf-8")
    (root / "data" / "records" / ".cache").mkdir()
    (root / "data" / "records" / ".cache" / "x.yaml").write_text("a: 1\n", encoding="utf-8")
    _same_as_walk(root)
    (root / ".gitignore").write_text("scratch/\n", encoding="utf-8")  # a whole folder, not hidden
    (root / folder / "scratch").mkdir()
    (root / folder / "scratch" / "y.yaml").write_text("a: 1\n", encoding="utf-8")
    assert data_listing(root, StatusRun(root)) is None
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    assert data_listing(root, StatusRun(root)) is None


def test_a_damaged_or_foreign_listing_file_is_not_trusted(repo):
    root = repo.path
    _same_as_walk(root)
    path = cachefile.cache_path(root, listing.LISTING_FILE)
    assert path.is_file()
    path.write_bytes(path.read_bytes()[:-10])  # truncated: the digest no longer matches
    _same_as_walk(root)
    # A well-formed file that lies (a record that is not there, another tree): replaced, not used.
    doc = cachefile.read_dict(path)
    doc["records"] = ["data/records/forged.yaml"]
    doc["blobs"] = {"data/records/forged.yaml": "0" * 40}
    doc["tree"] = "f" * 40
    cachefile.write(path, doc)
    _same_as_walk(root)


def test_validation_with_the_listing_equals_the_walk(repo, tmp_path, monkeypatch):
    root = repo.path
    recs = _records(root)
    (root / recs[1]).write_text((root / recs[1]).read_text(encoding="utf-8") + "bad_field: 1\n")
    shutil.copyfile(root / recs[2], root / recs[2].replace(".yaml", "-copy.yaml"))  # doubled doc_no
    warm = run.validate_repository(root, AS_OF, cache=True)
    warm_again = run.validate_repository(root, AS_OF, cache=True)
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    cold = run.validate_repository(root, AS_OF)
    for result in (warm, warm_again):
        assert result.problems == cold.problems
        assert [(r.path, r.data) for r in result.records] == [(r.path, r.data) for r in cold.records]
        assert result.files_checked == cold.files_checked


def _warm_equals_cold(root: Path, monkeypatch) -> None:
    """A warm validation (the rows cached before the change) gives the cold one's records and
    problems."""
    warm = run.validate_repository(root, AS_OF, cache=True)
    with monkeypatch.context() as m:
        m.setenv("GONGSHI_CACHE", "off")
        cold = run.validate_repository(root, AS_OF)
    assert warm.problems == cold.problems
    assert [r.path for r in warm.records] == [r.path for r in cold.records]


def test_a_rename_in_the_work_tree_drops_the_old_path(repo, monkeypatch):
    """``mv a b`` with ``b`` staged (as a new file, or as intent-to-add): the old path is gone."""
    root = repo.path
    run.validate_repository(root, AS_OF, cache=True)  # rows cached for every file
    recs = _records(root)
    for n, how in enumerate((("add",), ("add", "-N"))):
        old = recs[n]
        new = old.replace(".yaml", "-renamed.yaml")
        (root / old).rename(root / new)
        repo.git(*how, "--all" if how == ("add",) else "--", *((old, new) if how == ("add",) else (new,)))
        if how == ("add",):
            _same_as_walk(root)  # a staged rename is a deletion and an addition
        else:
            assert data_listing(root, StatusRun(root)) is None  # intent-to-add: version 3 index
        _warm_equals_cold(root, monkeypatch)
        assert old not in [r.path for r in run.validate_repository(root, AS_OF, cache=True).records]


def test_a_sparse_checkout_falls_back_to_the_walk(repo, monkeypatch):
    """Files left out of the work tree (skip-worktree) are not reported by ``git status``: the
    committed tree would still list them."""
    root = repo.path
    run.validate_repository(root, AS_OF, cache=True)
    gone = _records(root)[0]
    folder = gone[: gone.rfind("/")]
    repo.git("sparse-checkout", "set", "--no-cone", "/*", f"!/{folder}/")
    assert not (root / gone).exists()
    assert data_listing(root, StatusRun(root)) is None
    _warm_equals_cold(root, monkeypatch)
    assert gone not in [r.path for r in run.validate_repository(root, AS_OF, cache=True).records]


def test_a_fifo_or_an_unreadable_path_falls_back_to_the_walk(repo, monkeypatch):
    """A tracked record replaced by a FIFO is reported as the walk reports it (not regular), not
    dropped as deleted; a changed path that cannot be looked at leaves the walk to report it."""
    root = repo.path
    run.validate_repository(root, AS_OF, cache=True)
    recs = _records(root)
    fifo = root / recs[3]
    fifo.unlink()
    os.mkfifo(fifo)
    assert data_listing(root, StatusRun(root)) is None
    _warm_equals_cold(root, monkeypatch)
    errors = run.validate_repository(root, AS_OF, cache=True).errors
    assert any(p.file == recs[3] and p.code == "file.not_regular" for p in errors)
    fifo.unlink()
    repo.git("checkout", "--", recs[3])
    edited = root / recs[4]
    edited.write_text(edited.read_text(encoding="utf-8") + "remarks: 改\n", encoding="utf-8")
    real_lstat = os.lstat

    def denied(path, *args, **kwargs):
        if Path(path) == edited:
            raise PermissionError(13, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(listing.os, "lstat", denied)
        assert data_listing(root, StatusRun(root)) is None

"""core.cachefile: where caches live (the Git directory, never the work tree), and that a cache file
is digest-checked plain data: no code object, no pickle, no edited byte is ever loaded."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import marshal
import subprocess
from datetime import date
from pathlib import Path

import pytest
from gongshi.core import cachefile
from gongshi.core.problems import Problem
from gongshi.history.cache import HISTORY_FILE, scan_history_cached
from gongshi.history.log import Change, HistoryIndex

from tests.support.gitrepo import GitRepo


def _git_common_dir(path: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(out).resolve()


def test_cache_dir_is_in_the_git_common_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("GONGSHI_CACHE", raising=False)
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("初始", "2026-01-05T09:00:00+08:00", {"data/a.txt": "a\n"})
    assert cachefile.cache_dir(repo.path) == _git_common_dir(repo.path) / cachefile.CACHE_FOLDER
    # A linked work tree shares the common directory (and so its caches) with the main one.
    repo.git("worktree", "add", "--quiet", str(tmp_path / "linked"), "-b", "linked")
    assert cachefile.cache_dir(tmp_path / "linked") == _git_common_dir(tmp_path / "linked") / "gongshi-cache"
    assert cachefile.cache_dir(tmp_path / "linked") == cachefile.cache_dir(repo.path)
    # A data folder below the top of a work tree gets a folder of its own, still in .git.
    sub = cachefile.cache_dir(repo.path / "data")
    assert sub.parent == cachefile.cache_dir(repo.path) and sub.name.startswith("sub-")
    # Git never tracks anything in there, not even with `git add -f`.
    target = cachefile.cache_path(repo.path, "x.marshal")
    cachefile.write(target, {"a": 1})
    with contextlib.suppress(RuntimeError):  # Git may refuse outright or do nothing
        repo.git("add", "-f", str(target))
    assert repo.git("ls-files", "--cached").split() == ["data/a.txt"]
    assert "gongshi-cache" not in repo.git("status", "--porcelain", "--ignored", "--untracked-files=all")


def test_no_cache_outside_git_or_when_off(tmp_path, monkeypatch):
    monkeypatch.delenv("GONGSHI_CACHE", raising=False)
    assert cachefile.cache_dir(tmp_path) is None
    assert cachefile.cache_path(tmp_path, "x") is None
    cachefile.write(None, {"a": 1})  # nothing to write to: no error
    assert cachefile.read(None) is None and cachefile.read_dict(None) == {}
    repo = GitRepo.init(tmp_path / "repo")
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    assert cachefile.cache_dir(repo.path) is None


def test_round_trip_and_refusals(tmp_path):
    path = tmp_path / "c.marshal"
    doc = {"key": "k", "rows": [(1, "二", b"3", None, 4.5, True), [], {"x": {1, 2}}]}
    cachefile.write(path, doc)
    assert cachefile.read(path) == doc
    data = path.read_bytes()
    assert data.startswith(cachefile.MAGIC)

    # One changed payload byte: the digest no longer matches.
    edited = bytearray(data)
    edited[-2] ^= 1
    path.write_bytes(bytes(edited))
    assert cachefile.read(path) is None
    # Plain marshal (the format of earlier versions) and a pickle are refused.
    path.write_bytes(marshal.dumps(doc))
    assert cachefile.read(path) is None
    path.write_bytes(b"\x80\x04\x95" + b"\x00" * 20)
    assert cachefile.read(path) is None
    # A code object with a correct digest is refused as well: only plain data loads.
    code = compile("open('/tmp/pwned', 'w')", "cache", "exec")
    payload = marshal.dumps({"rows": [("a", [code])]})
    path.write_bytes(cachefile.MAGIC + hashlib.sha256(payload).digest() + payload)
    assert cachefile.read(path) is None
    with pytest.raises(TypeError):
        cachefile.write(path, {"code": code})


def test_is_plain():
    shared = [1, 2]
    assert cachefile.is_plain({"a": [shared, shared], "b": ("x", b"y", None, frozenset({1}))})
    looped: list = []
    looped.append(looped)
    assert cachefile.is_plain(looped)  # terminates
    assert not cachefile.is_plain({"a": [[date(2026, 1, 1)]]})
    assert not cachefile.is_plain({("t",): [compile("1", "x", "eval")]}.values())


@dataclasses.dataclass(frozen=True)
class ChangeWithNote(Change):
    """As the publication ledger extended ``Change`` (its ``blob``): one more field, carried
    without changes to the codec."""

    note: str | None = None


def test_dataclass_codec_follows_the_fields():
    change = Change("a" * 40, "2026-01-05T09:00:00+08:00", date(2026, 1, 5), "新增", "A")
    index = HistoryIndex(
        head="b" * 40,
        changes={"data/records/x.yaml": [change]},
        first_added={"data/records/x.yaml": change},
        warnings=[Problem("data/records", None, "$", "history.clock_skew", "时间被回拨", "warning")],
    )
    to_plain, from_plain = cachefile.plain_codec(HistoryIndex)
    plain = to_plain(index)
    assert cachefile.is_plain(plain)
    back = from_plain(marshal.loads(marshal.dumps(plain)))
    assert back == index
    # The one Change in both tables is written once and read back as one object.
    assert back.first_added["data/records/x.yaml"] is back.changes["data/records/x.yaml"][0]
    extended = ChangeWithNote(*dataclasses.astuple(change), note="c" * 40)
    to_x, from_x = cachefile.plain_codec(ChangeWithNote)
    assert from_x(to_x(extended)) == extended
    assert cachefile.dataclass_layout(ChangeWithNote) != cachefile.dataclass_layout(Change)
    # Data of another shape is refused, never half-loaded.
    with pytest.raises(ValueError):
        from_plain(plain[:-1])
    with pytest.raises(ValueError):
        from_x(to_plain(index))


def test_history_cache_is_plain_data_checked_on_read(tmp_path, monkeypatch):
    monkeypatch.delenv("GONGSHI_CACHE", raising=False)
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("新增", "2026-01-05T09:00:00+08:00", {"data/records/a/licences/2026/a-1.yaml": "a\n"})
    full = scan_history_cached(repo.path)
    path = cachefile.cache_path(repo.path, HISTORY_FILE)
    doc = cachefile.read(path)
    assert doc["index"]["head"] == repo.head() and doc["layout"] == cachefile.dataclass_layout(HistoryIndex)
    # A cache written for other fields (another code layout) is not read: rebuilt instead.
    empty = {**doc["index"], "paths": [], "counts": [], "first_paths": [], "first_at": []}
    empty["changes"] = {name: [] for name in doc["index"]["changes"]}
    cachefile.write(path, {**doc, "layout": ["Change.sha: str"], "index": empty})
    assert scan_history_cached(repo.path) == full
    # A value of the wrong type is refused too (a date column holding text, a count too many).
    wrong = {**doc["index"], "changes": {**doc["index"]["changes"], "date": ["2026-01-05"]}}
    cachefile.write(path, {**doc, "index": wrong})
    assert scan_history_cached(repo.path) == full
    cachefile.write(path, {**doc, "index": {**doc["index"], "counts": [2]}})
    assert scan_history_cached(repo.path) == full
    # What the cache held is what was scanned.
    cachefile.write(path, doc)
    assert scan_history_cached(repo.path) == full

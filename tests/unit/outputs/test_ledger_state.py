"""The ledger's kept state compared with the next snapshot (``LedgerState._compare``): after a small
change the columns are compared in place and only the changed places are read; after records moved
(one deleted, another added) they are matched by path. Either way the events are those of a build
without any state."""

from __future__ import annotations

from datetime import date

import pytest
from gongshi.core import cachefile
from gongshi.outputs import ledgerstate
from gongshi.outputs.ledgerevents import SEP, entry_of
from gongshi.outputs.ledgerstate import LedgerState
from gongshi.outputs.ledgertree import grow_tree
from gongshi.snapshot.load import load

from tests.support.site_fixture import RECORDS, build_repo, data_path

AS_OF = date(2026, 11, 30)
CORRECTED = "scjg-xk-2026-0201"  # shown on the as-of day: a change is a correction
MOVED = "scjg-cf-2025-0031"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    monkeypatch.setattr(cachefile, "cache_dir", lambda root: tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    return build_repo(tmp_path / "repo")


def _saved(root) -> LedgerState:
    """The state a build of ``root`` saves."""
    snapshot = load(root, AS_OF, cache=False)
    state = LedgerState(snapshot)
    state.update(snapshot)
    state.recomputed = LedgerState.SAVE_AFTER + 1  # saved even when the tree is the same
    state.save(grow_tree(state.events, len(state.events), None, 0)[0])
    return state


def _cold_events(snapshot) -> list[str]:
    state = LedgerState(snapshot)
    state.saved, state.events, state.tree = None, [], None
    state.update(snapshot)
    return state.events


class _Reads:
    """Which entries' records the comparison read for their path and id (``_RECORD``)."""

    def __init__(self, monkeypatch):
        self.records: list[str] = []
        real = ledgerstate._RECORD
        monkeypatch.setattr(ledgerstate, "_RECORD", lambda e: self.records.append(e.id) or real(e))


def test_a_small_change_is_compared_in_place_reading_only_the_changed_place(repo, monkeypatch):
    _saved(repo.path)
    text = RECORDS[CORRECTED].replace("预包装食品销售", "预包装食品、散装食品销售")
    assert text != RECORDS[CORRECTED]
    repo.commit("更正", "2026-11-29T10:00:00+08:00", {data_path(CORRECTED): text})
    snapshot = load(repo.path, AS_OF, cache=False)
    reads = _Reads(monkeypatch)
    state = LedgerState(snapshot)
    old_paths = list(state.saved.lines("paths"))
    state.update(snapshot)
    assert reads.records == []  # no pass over every record's path and id
    assert state.recomputed == 1 and state.columns.lines("paths") == old_paths
    assert state.columns.lines("ids") == [e.id for e in snapshot.entries]
    assert state.events == _cold_events(snapshot)
    corrected = ("2026-11-29", CORRECTED, "corrected")
    assert corrected in [(e.date, e.id, e.event) for e in map(entry_of, state.events)]


def test_records_that_moved_are_matched_by_path(repo, monkeypatch):
    """One record deleted and another added: as many records as before, in other places; the
    deleted one's events leave, the added one's are computed, the others are found by path."""
    _saved(repo.path)
    added = "scjg-cf-2025-0099"
    text = RECORDS[MOVED].replace("31号", "99号")
    repo.commit("删除并新增", "2026-11-29T10:00:00+08:00", {data_path(MOVED): None, data_path(added): text})
    snapshot = load(repo.path, AS_OF, cache=False)
    state = LedgerState(snapshot)
    assert state.saved.size == len(snapshot.entries)  # the same count: only the places differ
    monkeypatch.setattr(ledgerstate, "IN_PLACE_MIN", 0)  # a few places would still be in place
    reads = _Reads(monkeypatch)
    state.update(snapshot)
    assert len(reads.records) == len(snapshot.entries)  # matched by path
    assert state.recomputed == 2  # the added record, and the deleted one's path gone
    events = _cold_events(snapshot)
    assert state.events == events and any(added in e for e in events)
    assert not any(f"{SEP}{MOVED}{SEP}" in e for e in events)


@pytest.mark.parametrize("few", [ledgerstate.FEW_EVENTS, 0])
def test_events_put_back_unchanged_do_not_move_the_first_change(repo, monkeypatch, few):
    """A record published in March, corrected again in November: its March publication is taken
    out and put back unchanged, so the list (and the tree, whose full chunks before that place are
    kept) changes only from the new correction on; the same whether the changed events are put
    at their places one by one or the tail is sorted again (``few`` 0)."""
    monkeypatch.setattr(ledgerstate, "FEW_EVENTS", few)
    older = "wjw-xk-2026-0011"
    state = _saved(repo.path)
    published = next(e for e in state.events if f"{SEP}{older}{SEP}0" in e)
    text = (repo.path / data_path(older)).read_text(encoding="utf-8")
    text = text.replace("准予经营公共浴室。", "准予经营公共浴室（含桑拿）。")
    repo.commit("再更正", "2026-11-29T10:00:00+08:00", {data_path(older): text})
    snapshot = load(repo.path, AS_OF, cache=False)
    state = LedgerState(snapshot)
    before = list(state.events)
    first = state.update(snapshot)
    assert state.events == _cold_events(snapshot)
    changed = next(n for n, (a, b) in enumerate(zip(before, state.events, strict=False)) if a != b)
    assert first == changed > before.index(published)
    assert state.events[first].startswith("2026-11-29")


class _Walks:
    """Whether the comparison walked every entry's newest commit (``newest_commits``)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = ledgerstate.newest_commits

        def counting(entries):
            self.calls += 1
            return real(entries)

        monkeypatch.setattr(ledgerstate, "newest_commits", counting)


def test_an_unmoved_head_or_a_commit_elsewhere_walks_no_entry(repo, monkeypatch):
    """The saved head is HEAD, or HEAD only added a commit outside the records: no newest commit
    is read and nothing is recomputed."""
    _saved(repo.path)
    for step in ("same head", "a commit elsewhere"):
        if step == "a commit elsewhere":
            repo.commit("说明", "2026-11-29T10:00:00+08:00", {"README.md": "说明\n"})
        snapshot = load(repo.path, AS_OF, cache=False)
        walks, reads = _Walks(monkeypatch), _Reads(monkeypatch)
        state = LedgerState(snapshot)
        assert state.update(snapshot) == len(state.events), step
        assert walks.calls == 0 and reads.records == [] and state.recomputed == 0, step
        assert state.columns.head == snapshot.head and state.events == _cold_events(snapshot), step


def test_a_change_undone_by_the_next_commit_is_recomputed(repo, monkeypatch):
    """A record corrected and then changed back: its file and its entry key are what the state
    saved, but its history has two more versions. The commits since the saved head name it, so
    it is recomputed (the events are those of a build without state), without walking every
    entry."""
    _saved(repo.path)
    original = RECORDS[CORRECTED]
    changed = original.replace("预包装食品销售", "预包装食品、散装食品销售")
    repo.commit("更正", "2026-11-27T10:00:00+08:00", {data_path(CORRECTED): changed})
    repo.commit("撤回更正", "2026-11-28T10:00:00+08:00", {data_path(CORRECTED): original})
    snapshot = load(repo.path, AS_OF, cache=False)
    walks = _Walks(monkeypatch)
    state = LedgerState(snapshot)
    before = list(state.events)
    state.update(snapshot)
    assert walks.calls == 0 and state.recomputed == 1
    assert state.events == _cold_events(snapshot) != before


def test_a_rewritten_history_compares_every_newest_commit(repo, monkeypatch):
    """The last commit amended with another date: the saved head is not on HEAD's first-parent
    chain, so every record's newest commit is compared; the record the amended commit added gets
    its new publication date."""
    _saved(repo.path)
    newest = "scjg-cf-2026-0204"
    repo.git("commit", "--quiet", "--amend", "--no-edit", "--no-gpg-sign", date="2026-11-26T09:00:00+08:00")
    snapshot = load(repo.path, AS_OF, cache=False)
    walks = _Walks(monkeypatch)
    state = LedgerState(snapshot)
    before = list(state.events)
    state.update(snapshot)
    assert walks.calls == 1 and state.recomputed >= 1
    events = _cold_events(snapshot)
    assert state.events == events != before
    needle = f"{SEP}{newest}{SEP}"
    assert any(e.startswith("2026-11-26") and needle in e for e in events)


@pytest.mark.parametrize(
    ("old", "new", "size", "expected"),
    [
        ("aa\nbb\ncc", "aa\nbb\ncc", 3, set()),
        ("aa\nbb\ncc", "aa\nbx\ncc", 3, {1}),
        ("aa\nbb\ncc", "xa\nbb\ncx", 3, {0, 2}),
        ("", "", 0, set()),
        ("aa\nbb\ncc", "aaa\nbb\ncc", 3, None),  # not one width
        ("aa\nbb\ncc", "aab\nb\ncc", 3, None),  # the same length, a newline elsewhere
        ("aab\nb\ncc", "aa\nbb\ncc", 3, None),
        ("aa\nbb", "aa\nbb\ncc", 3, None),
    ],
)
def test_differing_lines(old, new, size, expected):
    assert ledgerstate.differing_lines(old, new, size) == expected


def test_differing_lines_across_blocks():
    keys = [f"{i:064x}" for i in range(5000)]
    changed = list(keys)
    for i in (0, 1023, 1024, 4999):
        changed[i] = "f" * 64
    assert ledgerstate.differing_lines("\n".join(keys), "\n".join(changed), 5000) == {0, 1023, 1024, 4999}

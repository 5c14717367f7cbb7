"""The ledger's early work (``HookOutput.early``, run in a fork child before the pages are
planned): ``early_events`` computes the events of every record whose hash does not come from the
pages' projections (``projected_by_pages``). ``LedgerState.update`` takes what it answers instead
of computing it and computes the rest from those projections; the events are the same with it,
without it, with a failed child and with an answer that does not fit the records; what it answers
for is not computed again."""

from __future__ import annotations

from datetime import date

import pytest
from gongshi.core import cachefile
from gongshi.outputs import ledger, ledgerevents, ledgerstate
from gongshi.outputs.ledgerevents import split_lines
from gongshi.outputs.ledgerstate import LedgerState, early_events, projected_by_pages
from gongshi.outputs.ledgertree import grow_tree
from gongshi.public import record as public_record_module
from gongshi.public.record import public_record
from gongshi.snapshot.load import load

from tests.support.site_fixture import build_repo


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    repo = build_repo(tmp_path_factory.mktemp("early") / "repo")
    return load(repo.path, date(2026, 11, 20), cache=False)


@pytest.fixture(scope="module")
def plain(snapshot) -> list[str]:
    """The events computed without any early work."""
    state = _cold(snapshot)
    state.update(snapshot)
    return state.events


def _cold(snapshot) -> LedgerState:
    state = LedgerState(snapshot)
    state.saved, state.events, state.tree = None, [], None
    return state


class _Counted:
    """``ledgerevents.event_lists`` (the records whose events are computed) and the projections
    made (``public.record.project``), counted."""

    def __init__(self, monkeypatch):
        self.ids: list[str] = []
        self.projected: list[str] = []
        real_lists, real_project = ledgerevents.event_lists, public_record_module.project

        def counting(snapshot, entries, parsed=None):
            self.ids += [e.id for e in entries]
            return real_lists(snapshot, entries, parsed)

        def projecting(record, **kw):
            self.projected.append(record.id)
            return real_project(record, **kw)

        monkeypatch.setattr(ledgerevents, "event_lists", counting)  # the task's
        monkeypatch.setattr(ledgerstate, "event_lists", counting)  # the early work's
        monkeypatch.setattr(public_record_module, "project", projecting)
        monkeypatch.setattr(ledger, "project", projecting)


def _left(snapshot) -> list:
    return [e for e in snapshot.entries if not projected_by_pages(e)]


def test_the_early_work_leaves_the_records_the_pages_project_to_the_task(snapshot, plain, monkeypatch):
    """The child computes (and projects) only the records whose hashes do not come from the
    pages' projections; the task takes its answer, computes the others from the projections the
    pages made (none made again) and has the events computed without early work."""
    left = _left(snapshot)
    shown = [e for e in snapshot.entries if projected_by_pages(e)]
    assert left and shown  # the fixture has both
    counted = _Counted(monkeypatch)
    answer = early_events(snapshot)()
    positions = [i for i, e in enumerate(snapshot.entries) if not projected_by_pages(e)]
    assert answer["records"] == ",".join(map(str, positions))
    assert answer["missing"] == ",".join(map(str, range(len(snapshot.entries))))
    assert answer["snapshot"] == snapshot.token
    assert sorted(counted.ids) == sorted(e.id for e in left)
    assert not set(counted.projected) & {e.id for e in shown}

    departments = snapshot.registry.departments
    for e in shown:  # what the site writer does before the task forks
        public_record(e, departments)
    counted.ids.clear(), counted.projected.clear()
    calls = []
    state = _cold(snapshot)
    try:
        state.update(snapshot, lambda: calls.append(1) or answer)
    finally:
        for e in shown:
            e.projection = None
    assert state.events == plain and calls == [1]
    assert sorted(counted.ids) == sorted(e.id for e in shown)  # the early ones not again
    assert counted.projected == []  # the pages' projections were read
    assert state.taken_early == len(left)


@pytest.mark.parametrize(
    "answer", [None, {}, "not a dict", {"events": []}, {"records": "x", "events": {}}, {"snapshot": None}]
)
def test_no_answer_from_the_child_means_computing_everything_here(snapshot, plain, monkeypatch, answer):
    counted = _Counted(monkeypatch)
    state = _cold(snapshot)
    state.update(snapshot, lambda: answer)
    assert state.events == plain
    assert sorted(counted.ids) == sorted(e.id for e in snapshot.entries)
    assert state.taken_early == 0


def test_a_state_that_is_never_saved_makes_no_entry_keys(snapshot, plain, monkeypatch, tmp_path):
    """Without a cache nothing was saved and nothing will be: the entry keys (2 s at 100,000
    records in each process that makes them) are not made. With a cache they are made once
    (``Snapshot.keys_text``, which the snapshot's own comparison shares), saved with the head
    they were made at, and the next build reads them back and computes nothing."""
    fresh = load(snapshot.root, snapshot.as_of, cache=False)  # no key made by another test
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    state = _cold(fresh)
    assert state.path is None
    state.update(fresh, lambda: early_events(fresh)())
    assert state.events == plain and state.taken_early == len(_left(fresh))
    assert state.columns is None and "keys_text" not in vars(fresh)
    assert not any("key" in vars(e) for e in fresh.entries)

    state = _cold(fresh)
    state.path = tmp_path / LedgerState.FILE
    state.update(fresh)
    keys = [e.key for e in fresh.entries]
    assert state.events == plain and state.columns.lines("keys") == keys
    state.save(grow_tree(state.events, len(state.events), None, 0)[0])
    saved = cachefile.read(state.path)
    assert split_lines(saved["keys"]) == keys and split_lines(saved["ids"]) == [e.id for e in fresh.entries]
    assert saved["head"] == fresh.head and saved["size"] == len(keys)
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    monkeypatch.setattr(cachefile, "cache_dir", lambda root: tmp_path)
    again = LedgerState(fresh)  # the next build
    assert again.saved.lines("keys") == keys and again.events == plain
    assert again.update(fresh) == len(plain) and again.recomputed == 0


def test_an_answer_made_for_another_snapshot_is_not_used(snapshot, plain):
    """The answer names the snapshot object it was made for (``Snapshot.token``, inherited by the
    build's forks): the same repository loaded again is another snapshot, and its answer is not
    taken, nor one that names none."""
    other = load(snapshot.root, snapshot.as_of, cache=False)
    assert other.token != snapshot.token and len(other.entries) == len(snapshot.entries)
    answer = early_events(other)()
    for wrong in (answer, {**answer, "snapshot": None}):
        state = _cold(snapshot)
        state.update(snapshot, lambda wrong=wrong: wrong)
        assert state.events == plain and state.taken_early == 0
    state = _cold(other)
    state.update(other, lambda: answer)
    assert state.events == plain and state.taken_early == len(_left(other))


def test_an_answer_for_other_records_than_those_to_compute_is_not_used(snapshot, plain):
    """The events come as one list: an answer made when other records were to compute (another
    state of the file), or that names records not to compute, is left whole, so no event is
    taken twice or missed."""
    answer = early_events(snapshot)()
    missing = answer["missing"].split(",")
    records = answer["records"].split(",")
    n = str(len(snapshot.entries))
    wrong = [
        {**answer, "missing": ",".join(missing[1:])},  # fewer to compute
        {**answer, "missing": answer["missing"] + "," + n},  # more
        {**answer, "records": answer["records"] + "," + n},  # a record not to compute
        {**answer, "records": ",".join([*records, "x"])},  # not a position
        {**answer, "records": None},
    ]
    for bad in wrong:
        state = _cold(snapshot)
        state.update(snapshot, lambda bad=bad: bad)
        assert state.events == plain and state.taken_early == 0


def test_early_events_reuse_the_versions_the_snapshot_parsed(snapshot, plain, monkeypatch):
    """The earlier versions the loader parsed for the past names (``Snapshot.versions``) are not
    read from Git or parsed again by the early work, and give the same events."""
    assert snapshot.versions and all(v is None or isinstance(v, dict) for v in snapshot.versions.values())
    asked: list[str] = []
    real = ledgerevents.read_blobs

    def reading(root, blobs):
        asked.extend(blobs)
        return real(root, blobs)

    monkeypatch.setattr(ledgerevents, "read_blobs", reading)
    answer = early_events(snapshot)()
    assert not set(asked) & set(snapshot.versions)
    state = _cold(snapshot)
    state.update(snapshot, lambda: answer)
    assert state.events == plain

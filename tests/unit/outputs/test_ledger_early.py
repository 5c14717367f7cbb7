"""The ledger's early work (``outputs.registry.Early``, run in fork children long before the
ledger's turn): ``early_hashes`` (after the validation: every record's content hash) and
``early_events`` (before the pages are planned: every record's events, with those hashes).
``LedgerState.update`` takes what they answer instead of computing it; the events are the same
with them, without them, with a failed child and with an answer that does not fit the records;
what they answer for is not computed again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from gongshi.core import cachefile
from gongshi.outputs import ledger, ledgerbuild
from gongshi.outputs.ledgerbuild import EARLY_HASHES, LedgerState, early_events, early_hashes, split_lines
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
    state.paths, state.values, state.events, state.tree = [], [], [], None
    return state


def _hashes(snapshot) -> dict:
    """What ``early_hashes`` computes in its child, from what the validation had."""
    return ledger.current_hashes([e.record for e in snapshot.entries], snapshot.registry)


class _Counted:
    """``ledgerbuild._event_lists`` and the projections the ledger makes, counted."""

    def __init__(self, monkeypatch):
        self.ids: list[str] = []
        self.projected: list[str] = []
        real_lists, real_project = ledgerbuild._event_lists, ledger.public_record

        def counting(snapshot, entries, hashes=None, parsed=None):
            self.ids += [e.id for e in entries]
            return real_lists(snapshot, entries, hashes, parsed)

        def projecting(entry, departments, *, keep=True):
            self.projected.append(entry.id)
            return real_project(entry, departments, keep=keep)

        monkeypatch.setattr(ledgerbuild, "_event_lists", counting)
        monkeypatch.setattr(ledger, "public_record", projecting)


def test_the_early_hashes_are_the_hashes_of_the_projections(snapshot):
    hashes = _hashes(snapshot)
    assert set(hashes) == {e.id for e in snapshot.entries}
    departments = snapshot.registry.departments
    for e in snapshot.entries:
        projected = public_record(e, departments, keep=False)
        if not e.past_names:
            assert hashes[e.id][1] == ledger.content_hash(projected.canonical_json())
    known = ledger.KnownHashes(hashes)
    without_past = [e for e in snapshot.entries if not e.past_names]
    assert [known.get(e) for e in without_past] == [hashes[e.id][1] for e in without_past]
    assert known.used == len(without_past)


def test_a_hash_is_not_taken_for_an_entry_that_projects_otherwise(snapshot):
    """Past names, another file or another department: the entry's projection may differ from the
    one hashed, so the hash is computed again."""
    entry = next(e for e in snapshot.entries if not e.past_names)
    known = ledger.KnownHashes(_hashes(snapshot))
    other = next(d for d in snapshot.registry.departments.values() if d.key != entry.department.key)
    moved = replace(entry.record, path=entry.record.path + ".old")
    assert known.get(replace(entry, past_names=("张三丰",))) is None
    assert known.get(replace(entry, record=moved)) is None
    assert known.get(replace(entry, department=other)) is None
    assert known.used == 0
    for answer in (None, "no", {entry.id: "not a pair"}, {entry.id: ("x",)}):
        assert ledger.KnownHashes(answer).get(entry) is None


def test_no_early_hashes_when_an_earlier_build_left_the_ledger_state(snapshot, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    monkeypatch.setattr(cachefile, "cache_dir", lambda root: tmp_path)
    validation = type("Validation", (), {"records": [e.record for e in snapshot.entries]})()
    validation.registry = snapshot.registry
    run = early_hashes(snapshot.root, validation)
    assert run is not None and run() == _hashes(snapshot)
    (tmp_path / LedgerState.FILE).write_bytes(b"state")
    assert early_hashes(snapshot.root, validation) is None


def test_early_events_are_taken_and_equal_the_ones_computed_here(snapshot, plain, monkeypatch):
    hashes = _hashes(snapshot)
    asked = []

    def early_result(output, name):
        asked.append((output, name))
        return lambda: hashes

    counted = _Counted(monkeypatch)
    answer = early_events(snapshot, early_result)()
    assert asked == [("ledger", EARLY_HASHES)]
    assert sorted(split_lines(answer["values"])) == sorted(LedgerState(snapshot)._compare(snapshot).values)
    assert len(split_lines(answer["events"])) == len(plain)
    # With the hashes, only the records with past names or several versions are projected.
    several = {e.id for e in snapshot.entries if e.past_names or ledger.single_version(e) is None}
    assert several and set(counted.projected) <= several
    assert 0 < answer["hashed"] <= len(snapshot.entries)

    counted.ids.clear(), counted.projected.clear()
    calls = []
    state = _cold(snapshot)
    state.update(snapshot, lambda: calls.append(1) or answer)
    assert state.events == plain and calls == [1]
    assert counted.ids == [] and counted.projected == []  # nothing computed again
    assert state.taken_early == len(snapshot.entries) and state.hashed_early == answer["hashed"]


def test_early_events_without_the_hashes_are_the_same(snapshot, plain):
    """The first early work failed or was not started: the second computes every hash itself."""
    for early_result in (None, lambda output, name: None, lambda output, name: lambda: None):
        answer = early_events(snapshot, early_result)()
        assert answer["hashed"] == 0
        state = _cold(snapshot)
        state.update(snapshot, lambda answer=answer: answer)
        assert state.events == plain and state.taken_early == len(snapshot.entries)


def test_the_hashes_alone_spare_the_projections(snapshot, plain, monkeypatch):
    """The second early work did not run (a warm build) or failed: the first one's hashes still
    spare every projection of a current file without past names."""
    hashes = _hashes(snapshot)
    counted = _Counted(monkeypatch)
    for early in (None, lambda: None):
        counted.projected.clear()
        state = _cold(snapshot)
        state.update(snapshot, early, lambda: hashes)
        assert state.events == plain and state.taken_early == 0
        assert state.hashed_early > 0
        several = {e.id for e in snapshot.entries if e.past_names or len(e.history) > 1}
        assert set(counted.projected) <= several


@pytest.mark.parametrize("answer", [None, {}, "not a dict", {"events": [], "hashed": 3}, {"events": {}}])
def test_no_answer_from_the_children_means_computing_everything_here(snapshot, plain, monkeypatch, answer):
    counted = _Counted(monkeypatch)
    state = _cold(snapshot)
    state.update(snapshot, lambda: answer, lambda: answer)
    assert state.events == plain
    assert sorted(counted.ids) == sorted(e.id for e in snapshot.entries)
    assert state.taken_early == 0 and state.hashed_early == 0


def test_an_answer_for_other_versions_of_the_records_is_not_used(snapshot, plain):
    """Values name the entry key and the newest commit, hashes the file: an answer made from other
    files (another snapshot) matches none of them, so nothing wrong can be taken from it."""
    answer = early_events(snapshot)()
    wrong_values = "\n".join("other " + value for value in split_lines(answer["values"]))
    wrong_hashes = {rid: ("another file", "0" * 64) for rid in _hashes(snapshot)}
    state = _cold(snapshot)
    state.update(snapshot, lambda: {**answer, "values": wrong_values}, lambda: wrong_hashes)
    assert state.events == plain
    assert state.taken_early == 0 and state.hashed_early == 0


def test_an_answer_for_other_records_than_those_to_compute_is_not_used(snapshot, plain):
    """The events come as one list: an answer for more or fewer records than this state has to
    compute (another state of the file) is left whole, so no event is taken twice or missed."""
    answer = early_events(snapshot)()
    state = _cold(snapshot)
    state.update(snapshot)
    first = state.values[0]
    fewer = "\n".join(v for v in split_lines(answer["values"]) if v != first)
    for values in (fewer, answer["values"] + "\nextra value"):
        state = _cold(snapshot)
        state.update(snapshot, lambda values=values: {**answer, "values": values})
        assert state.events == plain and state.taken_early == 0


def test_early_events_reuse_the_versions_the_snapshot_parsed(snapshot, plain, monkeypatch):
    """The earlier versions the loader parsed for the past names (``Snapshot.versions``) are not
    read from Git or parsed again by the early work, and give the same events."""
    assert snapshot.versions and all(v is None or isinstance(v, dict) for v in snapshot.versions.values())
    asked: list[str] = []
    real = ledgerbuild.read_blobs

    def reading(root, blobs):
        asked.extend(blobs)
        return real(root, blobs)

    monkeypatch.setattr(ledgerbuild, "read_blobs", reading)
    answer = early_events(snapshot)()
    assert not set(asked) & set(snapshot.versions)
    state = _cold(snapshot)
    state.update(snapshot, lambda: answer)
    assert state.events == plain

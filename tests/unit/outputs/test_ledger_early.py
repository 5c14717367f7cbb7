"""The ledger's early work (``ledgerbuild.early_events``, run in a fork child before the pages are
planned): the events of the records no page projects, which ``LedgerState.update`` then takes
instead of computing them. The events are the same with it, without it, with a failed child and
with an answer that does not fit the records; the records it answers for are not computed again."""

from __future__ import annotations

from datetime import date

import pytest
from gongshi.outputs import ledgerbuild
from gongshi.outputs.ledgerbuild import LedgerState, early_events
from gongshi.snapshot.load import load

from tests.support.site_fixture import build_repo


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    repo = build_repo(tmp_path_factory.mktemp("early") / "repo")
    return load(repo.path, date(2026, 11, 20), cache=False)


def _cold(snapshot) -> LedgerState:
    state = LedgerState(snapshot)
    state.paths, state.values, state.events, state.tree = [], [], [], None
    return state


class _Counted:
    """``ledgerbuild._event_lists``, counting the entries it computed."""

    def __init__(self, monkeypatch):
        self.ids: list[str] = []
        real = ledgerbuild._event_lists

        def counting(snapshot, entries):
            self.ids += [e.id for e in entries]
            return real(snapshot, entries)

        monkeypatch.setattr(ledgerbuild, "_event_lists", counting)


def test_early_events_are_taken_and_equal_the_ones_computed_here(snapshot, monkeypatch):
    plain = _cold(snapshot)
    plain.update(snapshot)
    known = early_events(snapshot)()
    unshown = {e.id for e in snapshot.entries if not ledgerbuild._projected(e)}
    # The fixture has records of both kinds: shown ones and expired, withdrawn or corrected ones.
    assert unshown and len(unshown) < len(snapshot.entries)
    assert len(known) == len(unshown)

    counted = _Counted(monkeypatch)
    calls = []
    state = _cold(snapshot)
    state.update(snapshot, lambda: calls.append(1) or known)
    assert state.events == plain.events and calls == [1]
    assert not set(counted.ids) & unshown  # none of them computed again
    assert len(counted.ids) == len(snapshot.entries) - len(unshown)


@pytest.mark.parametrize("answer", [None, {}, "not a dict"])
def test_no_answer_from_the_child_means_computing_everything_here(snapshot, monkeypatch, answer):
    plain = _cold(snapshot)
    plain.update(snapshot)
    counted = _Counted(monkeypatch)
    state = _cold(snapshot)
    state.update(snapshot, lambda: answer)
    assert state.events == plain.events
    assert sorted(counted.ids) == sorted(e.id for e in snapshot.entries)


def test_an_answer_for_other_versions_of_the_records_is_not_used(snapshot):
    """Values name the entry key and the newest commit: an answer made from other files (another
    snapshot) matches none of them, so nothing wrong can be taken from it."""
    plain = _cold(snapshot)
    plain.update(snapshot)
    known = early_events(snapshot)()
    wrong = {"other " + value: ["2026-01-01\x00x\x000\x00" + "0" * 64] for value in known}
    state = _cold(snapshot)
    state.update(snapshot, lambda: wrong)
    assert state.events == plain.events

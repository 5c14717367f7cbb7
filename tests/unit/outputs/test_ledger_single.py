"""A record with one version gets its ledger events by a short path (``ledger._single_events``):
the same events as the loop over versions, for public, expired, withheld, withdrawn and late
records of the site fixture's real repository."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from gongshi.core.records import Record
from gongshi.outputs import ledger
from gongshi.snapshot.load import load

from tests.support.site_fixture import build_repo


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    repo = build_repo(tmp_path_factory.mktemp("single") / "repo")
    return load(repo.path, date(2026, 11, 20), cache=False)


def test_one_version_events_equal_the_version_loop(snapshot, monkeypatch):
    single = [e for e in snapshot.entries if ledger.single_version(e) is not None]
    # Variants the fixture lacks: withdrawn in its only version, late (its period over when it
    # arrived), with no end of disclosure.
    base = next(e for e in single if e.state == "listed")
    r = base.record
    withdrawn = Record(r.id, r.path, r.dept, r.folder_kind, r.folder_year, {**r.data, "status": "撤销"})
    withdrawn.blob_sha = r.blob_sha
    day = base.history[0].date
    single += [
        replace(base, record=withdrawn),
        replace(base, timeline=replace(base.timeline, disclosure_until=day - timedelta(days=1))),
        replace(base, timeline=replace(base.timeline, disclosure_until=None)),
    ]
    assert all(ledger.single_version(e) is not None for e in single)
    short = [ledger.record_events(snapshot, e, {}) for e in single]
    monkeypatch.setattr(ledger, "single_version", lambda e: None)
    looped = [ledger.record_events(snapshot, e, {}) for e in single]
    assert short == looped
    # Every outcome: published and expired, published only, and none (withheld, withdrawn, late).
    kinds = [tuple(ev.event for ev in events) for events in short]
    assert kinds[-3:] == [(), (), ("published",)]
    assert ("published", "expired") in kinds
    assert any(not k and e.state == "withheld" for k, e in zip(kinds, single, strict=True))

"""A record's past party names (issue 14): read from its earlier versions in Git, kept in a cache
by blob ids, and given to the public projection, which masks them in every field."""

from __future__ import annotations

from gongshi.history.log import scan_history
from gongshi.public.record import public_record
from gongshi.snapshot import load as load_module
from gongshi.snapshot.load import load, past_person_names

from tests.support.opendata_repo import AS_OF, PATHS, PENALTY_H, PUBLIC_PERSON, build_repo

RID = "scjg-cf-2026-0031"
OLD_NAME = "欧阳明华"


def test_a_renamed_person_keeps_the_old_name_masked(tmp_path, monkeypatch):
    repo = build_repo(tmp_path / "repo")
    path = PATHS[RID]
    # The person was first recorded under another name, then corrected (a later commit).
    repo.commit("误录", "2026-10-10T09:00:00+08:00", {path: PENALTY_H.replace(PUBLIC_PERSON, OLD_NAME)})
    fixed = PENALTY_H + f"corrections:\n  - date: 2026-10-11\n    reason: 当事人姓名误录为{OLD_NAME}\n"
    repo.commit("更正", "2026-10-11T09:00:00+08:00", {path: fixed})

    snap = load(repo.path, AS_OF, cache=False)
    entry = next(e for e in snap.entries if e.id == RID)
    assert OLD_NAME in entry.past_names and PUBLIC_PERSON in entry.past_names
    pr = public_record(entry, snap.registry.departments)
    assert pr.corrections[0].reason == "当事人姓名误录为欧阳**"
    assert OLD_NAME not in pr.canonical_json().decode("utf-8")

    # The cache keeps the names by blob ids: the second call reads no blob.
    history = scan_history(repo.path)
    records = [e.record for e in snap.entries]
    cache = tmp_path / "past.marshal"
    first = past_person_names(repo.path, history, records, cache=cache)
    monkeypatch.setattr(load_module, "read_blobs", lambda *a: (_ for _ in ()).throw(AssertionError("read")))
    assert past_person_names(repo.path, history, records, cache=cache) == first
    assert first[path] == entry.past_names


def test_an_organisation_s_old_name_is_not_masked(tmp_path):
    repo = build_repo(tmp_path / "repo")
    snap = load(repo.path, AS_OF, cache=False)
    # No record of the fixture renames an organisation: nothing of theirs is masked.
    for e in snap.entries:
        if not e.record.is_natural_person:
            assert e.past_names == (), e.id

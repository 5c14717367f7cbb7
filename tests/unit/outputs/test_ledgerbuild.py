"""The ledger grown from a kept tree (``outputs.ledgertree.grow_tree``) equals the tree computed
from scratch (``core.merkle.root`` and a plain day-by-day fold), wherever the list changed and
wherever the as-of cut falls, and hashes only the leaves from the first changed chunk on."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from gongshi.core import merkle
from gongshi.outputs.ledger import LedgerEntry, canonical
from gongshi.outputs.ledgerevents import (
    entry_of,
    event_string,
    events_of,
    joined_lines,
    leaf_of,
    split_lines,
)
from gongshi.outputs.ledgertree import grow_tree

from tests.support.ledger_events import random_events


def _plain(events: list[str], cut: int) -> tuple[bytes, list[tuple[str, int, str]]]:
    """The root and day roots the obvious way: the Merkle Tree Hash of each day's prefix."""
    hashes = [merkle.leaf_hash(entry_of(s).leaf()) for s in events[:cut]]
    days = []
    for n in range(cut):
        if n + 1 == cut or events[n + 1][:10] != events[n][:10]:
            days.append(
                (
                    (date.fromisoformat(events[n][:10]) + timedelta(days=1)).isoformat(),
                    n + 1,
                    merkle.root(hashes[: n + 1]).hex(),
                )
            )
    return merkle.root(hashes), days


def test_event_strings_sort_as_entries():
    rng = random.Random(1)
    strings = random_events(rng, 300)
    entries = [entry_of(s) for s in strings]
    assert entries == sorted(entries, key=LedgerEntry.sort_key)
    assert event_string("2026-01-01", "a", "expired", "0" * 64) < event_string(
        "2026-01-01", "ab", "published", "0" * 64
    )
    assert all(
        event_string(e.date, e.id, e.event, e.sha256) == s for e, s in zip(entries, strings, strict=True)
    )


@pytest.mark.parametrize("rid", ["scjg-cf-2025-0031", 'a"b', "a\\b", "a\tb", "甲-1", "a\u2028b"])
def test_a_leaf_made_from_the_event_string_is_the_canonical_json_of_its_entry(rid):
    """``leaf_of`` (the tree's and the chunk files' leaves, without an entry object) writes the bytes
    ``canonical`` writes, also for a value JSON must escape."""
    s = event_string("2026-01-02", rid, "corrected", "ab" * 32)
    entry = entry_of(s)
    assert leaf_of(s) == canonical(entry.to_json()) == entry.leaf()


@pytest.mark.parametrize("seed", range(6))
def test_grown_tree_equals_the_tree_from_scratch(seed, monkeypatch):
    rng = random.Random(seed)
    chunk = 4
    before = random_events(rng, rng.randint(0, 60))
    cut_before = rng.randint(0, len(before))
    cold, _ = grow_tree(before, cut_before, None, 0, chunk)
    assert (cold.root, cold.days) == _plain(before, cut_before)
    assert len(cold.chunk_roots) == cut_before // chunk
    # Change the list from some position on (insert and remove), move the cut, grow again.
    first = rng.randint(0, len(before))
    after = sorted(before[:first] + before[first + 2 :] + random_events(rng, rng.randint(0, 10)))
    changed_from = next(
        (n for n, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
        min(len(before), len(after)),
    )
    cut_after = rng.randint(0, len(after))
    hashed: list[int] = []
    real = merkle.leaf_hash
    monkeypatch.setattr(merkle, "leaf_hash", lambda b: hashed.append(1) or real(b))
    leaves: list[bytes] = []
    warm, start = grow_tree(after, cut_after, cold, changed_from, chunk, leaves=leaves)
    monkeypatch.undo()
    # The leaves it hashed, handed on for the chunk files: those of the entries from ``start``.
    assert leaves == [leaf_of(s) for s in after[start:cut_after]]
    assert (warm.root, warm.days) == _plain(after, cut_after)
    assert warm.chunk_roots == grow_tree(after, cut_after, None, 0, chunk)[0].chunk_roots
    # Only the leaves from the first chunk the change (or the old cut) reached are hashed.
    assert start == min(changed_from, cut_after, cut_before) // chunk * chunk
    assert len(hashed) == max(cut_after - start, 0)


@pytest.mark.parametrize("seed", range(4))
def test_events_of_a_few_records_are_exactly_theirs(seed):
    """The substring search used after a small change finds exactly the events of those records,
    also where one id is part of another ("a-1" in "a-10", "b" in "b-1") or of nothing else; the
    same as splitting every event (the way taken for many records)."""
    rng = random.Random(seed)
    events = random_events(rng, 200)
    for ids in ({"a-1"}, {"b"}, {"a-10", "b"}, {"c"}, {"a-1", "a-10", "a-2", "b-1", "b", "x", "y", "z", "w"}):
        want = sorted(s for s in events if entry_of(s).id in ids)
        assert sorted(events_of(events, ids)) == want, ids
    assert events_of(events, set()) == []


def test_state_lines_round_trip_and_refuse_a_newline():
    """The kept state stores its lists as newline-joined strings: they come back as they were,
    and a line holding a newline is refused (no state is written) rather than split wrongly."""
    for lines in (
        [],
        ["a"],
        ["a", "", "b c"],
        [event_string("2026-01-01", "a", "published", "0" * 64)],
    ):
        text = joined_lines(lines)
        assert text is not None and split_lines(text) == lines
    assert joined_lines(["a\nb", "c"]) is None and joined_lines([""]) is None
    assert split_lines(None) is None and split_lines(3) is None

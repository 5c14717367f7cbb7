"""``ledgerevents.EventList``: the sorted events kept as chunk texts, split only when read, read
like the list of the same strings: indexes, slices, iteration, ``bisect``, a round trip through
the saved texts, and changes after ``split_from`` reaching only the list's end."""

from __future__ import annotations

import bisect
import random

import pytest
from gongshi.outputs.ledger import CHUNK
from gongshi.outputs.ledgerevents import EventList, event_string, events_of

from tests.support.ledger_events import random_events


def _sorted_events(rng: random.Random, n: int) -> list[str]:
    out = random_events(rng, n, months=12)
    # A few equal events, some across a chunk boundary: bisect_left must find the first.
    if len(out) > 7:
        out += [out[0]] * 3 + [out[7]] * (CHUNK + 2)
    return sorted(out)


def _saved(events: list[str]) -> EventList:
    texts = EventList(tail=list(events)).chunk_texts()
    assert texts is not None and len(texts) == -(-len(events) // CHUNK)
    assert all(t.count("\n") == CHUNK - 1 for t in texts[:-1])
    kept = EventList.read(texts)
    assert kept is not None
    return kept


@pytest.mark.parametrize("n", [0, 1, CHUNK - 3, 3 * CHUNK, 5 * CHUNK + 17])
def test_an_event_list_reads_like_the_list(n):
    rng = random.Random(n)
    events = _sorted_events(rng, n)
    kept = _saved(events)
    assert kept.start == (len(events) // CHUNK) * CHUNK  # the partial last chunk is the list's
    assert len(kept) == len(events) and kept == events and list(kept) == events
    for i in [0, 1, CHUNK - 1, CHUNK, len(events) // 2, len(events) - 1, -1, -CHUNK - 1]:
        if -len(events) <= i < len(events):
            assert kept[i] == events[i]
    for a, b in [
        (0, 5),
        (CHUNK - 2, CHUNK + 3),
        (5, 3 * CHUNK + 9),
        (len(events) - 4, len(events) + 9),
        (-7, None),
    ]:
        assert kept[a:b] == events[a:b]
    probes = [*rng.sample(events, min(50, len(events))), *events[:1], *events[-1:], "", "9999", "2026-06-15"]
    for s in probes:
        assert kept.bisect_left(s) == bisect.bisect_left(events, s) == bisect.bisect_left(kept, s)
    with pytest.raises(IndexError):
        kept[len(events)]


def test_changes_after_split_from_reach_only_the_end_and_save_the_same():
    rng = random.Random(7)
    events = _sorted_events(rng, 6 * CHUNK + 100)
    kept = _saved(events)
    new = event_string("2026-12-28", "c-1", "published", "f" * 64)
    gone = events[5 * CHUNK + 3]
    first = min(kept.bisect_left(new), kept.bisect_left(gone))
    kept.split_from(first)
    assert kept.start == 5 * CHUNK and kept.start <= first
    del kept.tail[bisect.bisect_left(kept.tail, gone)]
    bisect.insort(kept.tail, new)
    expected = sorted([*events[: 5 * CHUNK + 3], *events[5 * CHUNK + 4 :], new])
    assert kept == expected
    again = EventList.read(kept.chunk_texts())
    assert again == expected and again.chunk_texts() == EventList(tail=expected).chunk_texts()


def test_events_of_a_few_ids_are_found_in_the_texts_and_the_tail():
    rng = random.Random(3)
    events = _sorted_events(rng, 3 * CHUNK + 5)
    kept = _saved(events)
    for ids in [{"a-1"}, {"b"}, {"a-1", "b-1"}, {"a"}, set()]:
        expected = sorted(s for s in events if s.split("\x00")[1] in ids)
        assert events_of(kept, ids) == expected == events_of(events, ids)


@pytest.mark.parametrize(
    "texts",
    [None, "x", [1], ["a", 2], ["c\n" * CHUNK]],
)
def test_saved_texts_of_another_shape_are_not_read(texts):
    assert EventList.read(texts) is None

"""The ledger's events as strings, and the events of records (``outputs.ledger`` defines them).

Each event is one string that sorts exactly as ``LedgerEntry.sort_key`` (``event_string``), so the
ledger's list of every event is a sorted list of strings: kept between builds as one text per
chunk (``EventList``), searched in those texts for a few records (``events_of``), and written as
Merkle leaves without making an entry object (``leaf_of``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gongshi.history.versions import read_blobs
from gongshi.outputs import ledger
from gongshi.outputs.ledger import CHUNK, EVENTS, LedgerEntry

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

SEP = "\x00"  # below every character of a record id: "a" + SEP sorts before "ab", like ("a",) < ("ab",)
AFTER_SEP = "\x01"  # a day + this sorts after every event of that day (``grow_tree``)
_ORDER = {e: str(n) for n, e in enumerate(EVENTS)}
_EVENT_NAME = {str(n): e for n, e in enumerate(EVENTS)}
# An event string with nothing JSON escapes: the separators (NUL) are its only control characters.
_PLAIN_EVENT = re.compile(r'[^"\\\x01-\x1f]*')


def event_string(day: str, record_id: str, event: str, sha256: str) -> str:
    """One event as a string that sorts exactly as ``LedgerEntry.sort_key`` (date, id, event
    order, hash): the date and hash have fixed lengths and the separator sorts first."""
    return f"{day}{SEP}{record_id}{SEP}{_ORDER[event]}{SEP}{sha256}"


def entry_of(s: str) -> LedgerEntry:
    day, record_id, order, sha256 = s.split(SEP)
    return LedgerEntry(day, record_id, EVENTS[int(order)], sha256)


def leaf_of(s: str) -> bytes:
    """``entry_of(s).leaf()`` without making the entry (once per event of a cold build)."""
    day, record_id, order, sha256 = s.split(SEP)
    if _PLAIN_EVENT.fullmatch(s):  # nothing JSON escapes (``ledger.leaf_bytes``), checked at once
        event = _EVENT_NAME[order]
        return f'{{"date":"{day}","event":"{event}","id":"{record_id}","sha256":"{sha256}"}}'.encode()
    return ledger.leaf_bytes(day, record_id, EVENTS[int(order)], sha256)


def event_lists(
    snapshot: Snapshot, entries: list[Entry], parsed: Mapping[str, dict | None] | None = None
) -> list[list[str]]:
    """The event strings of each of ``entries``, their earlier versions read with one Git
    process; ``parsed``: documents of earlier versions already parsed (``Snapshot.versions``), by
    blob id, not read again."""
    parsed = parsed or {}
    needed: list[str] = []
    for e in entries:
        # Every earlier version's blob, even one with the current file's bytes (a record restored
        # or changed back: that version is read like any other); the newest only when it is not
        # the current file.
        h, blob = e.history, e.record.blob_sha
        needed.extend(c.blob for c in h[1:] if c.blob and c.blob not in parsed)
        if h and h[0].blob and blob is not None and h[0].blob != blob and h[0].blob not in parsed:
            needed.append(h[0].blob)
    blobs = read_blobs(snapshot.root, needed) if needed else {}
    return [
        [
            event_string(*ev)  # date, id, event, hash
            for ev in ledger.record_events(snapshot, e, blobs, parsed)
        ]
        for e in entries
    ]


def events_of_records(snapshot: Snapshot, entries: list[Entry]) -> list[str]:
    return [s for events in event_lists(snapshot, entries) for s in events]


def joined_lines(lines: list[str]) -> str | None:
    """``lines`` as one newline-joined string, or None when that would not split back into them
    (a line holding a newline; one empty line, which reads back as no line)."""
    text = "\n".join(lines)
    return text if text.count("\n") == max(len(lines) - 1, 0) and lines != [""] else None


def split_lines(text: object) -> list[str] | None:
    """The lines of a string written by ``joined_lines`` (None: not a string)."""
    if not isinstance(text, str):
        return None
    return text.split("\n") if text else []


def events_of(events: EventList | list[str], ids: set[str]) -> list[str]:
    """The event strings of the records ``ids``, sorted. A few ids (a rebuild after a change): a
    substring search in the kept chunks' texts and in the other events, exact after the split;
    many: the split of every event."""
    if not ids:
        return []
    if len(ids) > 8:
        return [s for s in events if s.split(SEP, 2)[1] in ids]
    texts, lines = (events.kept_texts(), events.tail) if isinstance(events, EventList) else ([], events)
    found: dict[tuple[int, int], str] = {}  # by where each is: an event matching two needles once
    for i in ids:
        needle = f"{SEP}{i}{SEP}"
        for n, text in enumerate(texts):
            at = text.find(needle)
            while at >= 0:
                start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
                end = len(text) if end < 0 else end
                found[n, start] = text[start:end]
                at = text.find(needle, end)
        found.update(((-1, k), s) for k, s in enumerate(lines) if needle in s)
    return sorted(s for s in found.values() if s.split(SEP, 2)[1] in ids)


class EventList:
    """Every record's event strings, sorted, as the state keeps them between builds: the first
    ``start`` (a whole number of chunks of ``CHUNK``) as texts of ``CHUNK`` lines each, split only
    when read, and the rest as a list, where a build's changes go (``split_from``). A rebuild
    changes the end of the list (the newest days, and the future days of expiries), so only that
    part is split: splitting all 190,000 strings of 100,000 records was a fifth of a one-record
    rebuild's ledger. Reads like a list of strings (``len``, indexes, slices, iteration; the
    ``bisect`` functions work on it) and equals the list of the same strings."""

    def __init__(self, chunks: list[str] | None = None, tail: list[str] | None = None):
        self._chunks = chunks or []  # texts of CHUNK lines each
        self._split: dict[int, list[str]] = {}  # chunks split when read, by number
        self.tail = tail or []
        self.start = len(self._chunks) * CHUNK

    @classmethod
    def read(cls, texts: object) -> EventList | None:
        """The list saved as ``texts`` (``chunk_texts``), or None unless it is a list of texts.
        Their lines are not counted again: ``chunk_texts`` checked them (``joined_lines``), and
        the cache file's digest guards what it wrote (counting 19 MB took 6 ms)."""
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return None
        last = split_lines(texts[-1]) if texts else []
        return cls(texts[:-1], last) if last is not None and len(last) <= CHUNK else None

    def chunk_texts(self) -> list[str] | None:
        """The texts to save: one per chunk (the last may be partial); None when an event holds a
        newline (``joined_lines``)."""
        tail = [joined_lines(self.tail[i : i + CHUNK]) for i in range(0, len(self.tail), CHUNK)]
        return None if None in tail else self._chunks + tail  # type: ignore[operator]

    def _lines(self, n: int) -> list[str]:
        lines = self._split.get(n)
        if lines is None:
            lines = self._split[n] = self._chunks[n].split("\n")
        return lines

    def __len__(self) -> int:
        return self.start + len(self.tail)

    def __getitem__(self, index):
        if isinstance(index, slice):
            first, end, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            out: list[str] = []
            while first < min(end, self.start):
                n, at = divmod(first, CHUNK)
                part = self._lines(n)[at : min(CHUNK, end - n * CHUNK)]
                out += part
                first += len(part)
            return out + self.tail[max(first - self.start, 0) : max(end - self.start, 0)]
        if index < 0:
            index += len(self)
        if index >= self.start:
            return self.tail[index - self.start]
        if index < 0:
            raise IndexError(index)
        return self._lines(index // CHUNK)[index % CHUNK]

    def __iter__(self):
        for n in range(len(self._chunks)):
            yield from self._lines(n)
        yield from self.tail

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventList | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def bisect_left(self, s: str) -> int:
        """``bisect.bisect_left(self, s)``, splitting at most one chunk."""
        if not self._chunks or s > self._last_kept():
            return self.start + bisect.bisect_left(self.tail, s)
        heads = [t[: t.find("\n")] for t in self._chunks]  # CHUNK > 1: every chunk has a newline
        n = bisect.bisect_left(heads, s) - 1  # the last chunk that starts before s
        return 0 if n < 0 else n * CHUNK + bisect.bisect_left(self._lines(n), s)

    def _last_kept(self) -> str:
        text = self._chunks[-1]
        return text[text.rfind("\n") + 1 :]

    def kept_texts(self) -> list[str]:
        """The texts of the chunks before ``start``."""
        return self._chunks

    def split_from(self, index: int) -> None:
        """Make every event from the chunk holding ``index`` on part of ``tail``."""
        n = min(index // CHUNK, len(self._chunks))
        if n < len(self._chunks):
            moved = [s for k in range(n, len(self._chunks)) for s in self._lines(k)]
            self.tail = moved + self.tail
            del self._chunks[n:]
            self._split = {k: v for k, v in self._split.items() if k < n}
            self.start = n * CHUNK

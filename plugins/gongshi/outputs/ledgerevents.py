"""The ledger's events as strings, and the events of records (``outputs.ledger`` defines them).

Each event is one string that sorts exactly as ``LedgerEntry.sort_key`` (``event_string``), so the
ledger's list of every event is a sorted list of strings: kept between builds as one
newline-joined text (``joined_lines``), searched in that text for a few records (``events_of``),
and written as Merkle leaves without making an entry object (``leaf_of``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from gongshi.history.versions import read_blobs
from gongshi.outputs import ledger
from gongshi.outputs.ledger import EVENTS, LedgerEntry

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


def events_of(events: list[str], ids: set[str], text: str | None = None) -> list[str]:
    """The event strings of the records ``ids``, sorted. A few ids (a rebuild after a change): a
    substring search, in ``text`` (``events`` newline-joined, as saved) when given, exact after
    the split; many: the split of every event."""
    if not ids:
        return []
    if len(ids) <= 8 and text is not None:
        found: dict[int, str] = {}  # by where the line starts: each once
        for i in ids:
            needle = f"{SEP}{i}{SEP}"
            at = text.find(needle)
            while at >= 0:
                start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
                end = len(text) if end < 0 else end
                found[start] = text[start:end]
                at = text.find(needle, end)
        return sorted(s for s in found.values() if s.split(SEP, 2)[1] in ids)
    if len(ids) <= 8:
        found = [s for i in ids for needle in (f"{SEP}{i}{SEP}",) for s in events if needle in s]
        return sorted(s for s in found if s.split(SEP, 2)[1] in ids)
    return [s for s in events if s.split(SEP, 2)[1] in ids]

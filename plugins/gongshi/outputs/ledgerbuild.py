"""The ledger output (``ledger/``, ``ledger.html``), built in proportion to what changed.

The entries, their hashes and the files are defined in ``outputs.ledger`` (docs/ledger.md). This
module keeps what a build computed, so that the next one redoes only what a change reaches:

* every record's events, keyed on its entry and history (a record that did not change is not
  even parsed);
* the sorted list of every event of every record, all dates (``event_string``: sorts as
  ``LedgerEntry.sort_key``); the ledger of a build is the prefix dated before its as-of day;
* the Merkle roots of the full chunks (a chunk is a whole subtree of the tree, ``CHUNK`` being a
  power of two) and the (size, root) of every day of the published prefix.

A change removes and inserts the events of the changed records at their places in the sorted list;
everything before the first changed place keeps its chunk roots, chunk files and day roots. The
tree is then grown from the last kept full chunk: one leaf hash per new or moved entry, one node
hash per merge (``grow_tree``). A cold build is the same computation from an empty state, so a warm
build writes the same bytes as a cold one.
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import compress
from operator import attrgetter, itemgetter, ne
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import cachefile, gcpause, merkle
from gongshi.core.keys import code_version, digest
from gongshi.core.timeline import PUBLIC_STATES
from gongshi.history.cache import paths_changed_since
from gongshi.history.versions import read_blobs
from gongshi.outputs import ledger
from gongshi.outputs.ledger import CHUNK, CHUNK_PATH, EVENTS, FORMAT, HEAD, PAGE, ROOTS, TEMPLATE, LedgerEntry
from gongshi.repo.registrykey import registry_key
from gongshi.site.output import SiteOutput

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

SEP = "\x00"  # below every character of a record id: "a" + SEP sorts before "ab", like ("a",) < ("ab",)
_AFTER_SEP = "\x01"  # a day + this sorts after every event of that day (``grow_tree``)
_ORDER = {e: str(n) for n, e in enumerate(EVENTS)}
_EVENT_NAME = {str(n): e for n, e in enumerate(EVENTS)}
# An event string with nothing JSON escapes: the separators (NUL) are its only control characters.
_PLAIN_EVENT = re.compile(r'[^"\\\x01-\x1f]*')
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEX = re.compile(r"[0-9a-f]*")
_RECORD, _HISTORY = attrgetter("record"), attrgetter("history")
_PATH, _ID, _SHA, _FIRST = attrgetter("path"), attrgetter("id"), attrgetter("sha"), itemgetter(0)


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


# ---------------------------------------------------------------- the tree, grown


@dataclass
class Tree:
    """The published prefix's Merkle tree: ``root``, the roots of its full chunks and the
    (as_of, size, root hex) of every day that has events (``ledger/roots.json``)."""

    root: bytes
    chunk_roots: list[bytes] = field(default_factory=list)
    days: list[tuple[str, int, str]] = field(default_factory=list)


def _fold(stack: list[tuple[int, bytes]]) -> bytes:
    """The root of the tree whose perfect subtrees, left to right, are ``stack`` (RFC 9162: the
    right-most subtrees are joined first)."""
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = merkle.node_hash(left, root)
    return root


def _push(stack: list[tuple[int, bytes]], size: int, h: bytes) -> None:
    while stack and stack[-1][0] == size:
        size, h = size * 2, merkle.node_hash(stack.pop()[1], h)
    stack.append((size, h))


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _levels(hashes: list[bytes]) -> list[list[bytes]]:
    """The perfect subtrees of a run of leaf hashes, level by level: ``levels[k][i]`` is the root
    of leaves ``i×2^k … i×2^k+2^k-1`` (a whole chunk's last level is its root). One list
    comprehension per level: a call per node, not a stack push per leaf."""
    levels = [hashes]
    node = merkle.node_hash
    while len(level := levels[-1]) > 1:
        # An odd last subtree has no partner on its level yet (``_frontier`` reads it there).
        levels.append([node(a, b) for a, b in zip(level[0::2], level[1::2], strict=False)])
    return levels


def _frontier(levels: list[list[bytes]], size: int) -> list[tuple[int, bytes]]:
    """The perfect subtrees, largest first, of the first ``size`` leaves of ``levels``."""
    out, first = [], 0
    for k in range(size.bit_length() - 1, -1, -1):
        if size >> k & 1:
            out.append((1 << k, levels[k][first >> k]))
            first += 1 << k
    return out


def grow_tree(
    events: list[str],
    cut: int,
    kept: Tree | None,
    changed_from: int,
    chunk: int = CHUNK,
    leaves: list[bytes] | None = None,
) -> tuple[Tree, int]:
    """The tree of ``events[:cut]`` (sorted event strings), reusing ``kept`` (the tree of an
    earlier build of the list, which was the same as ``events`` before position ``changed_from``).
    Returns the tree and the first position whose chunk was recomputed: the kept full chunks end
    there, and only leaves from there on are hashed. ``leaves``: receives those leaves (the
    chunk files written next hold them: a cold build made each twice)."""
    kept = kept or Tree(merkle.EMPTY_ROOT)
    n_chunks = min(min(changed_from, cut) // chunk, len(kept.chunk_roots))
    start = n_chunks * chunk
    chunk_roots = kept.chunk_roots[:n_chunks]
    days = [d for d in kept.days if d[1] < start]  # a day ending at `start` is decided again below
    stack: list[tuple[int, bytes]] = []  # perfect subtrees of whole chunks
    for r in chunk_roots:
        _push(stack, chunk, r)
    if start and (start == cut or events[start][:10] != events[start - 1][:10]):
        day = events[start - 1][:10]
        days.append((_next_day(day), start, _fold(stack).hex()))
    local: list[tuple[int, bytes]] = []  # perfect subtrees of the last, partial chunk
    made = leaves if leaves is not None else []
    for first in range(start, cut, chunk):
        end = min(first + chunk, cut)
        part = list(map(leaf_of, events[first:end]))
        made.extend(part)
        levels = _levels(list(map(merkle.leaf_hash, part)))
        n = first
        while n < end:  # the days that end in this chunk, found by bisection (a few per chunk)
            day = events[n][:10]
            n = bisect.bisect_left(events, day + _AFTER_SEP, n, cut)  # past the day's last event
            if n <= end:
                days.append((_next_day(day), n, _fold(stack + _frontier(levels, n - first)).hex()))
        if end - first == chunk:  # a full chunk: a whole subtree
            chunk_roots.append(levels[-1][0])
            _push(stack, chunk, chunk_roots[-1])
        else:
            local = _frontier(levels, end - first)
    root = _fold(stack + local) if cut else merkle.EMPTY_ROOT
    return Tree(root, chunk_roots, days), start


# ---------------------------------------------------------------- the state kept between builds


class Columns:
    """Every record's path, entry key, newest first-parent commit and id, in the snapshot's order,
    as they were at commit ``head``: each column one newline-joined string (as saved: loading a
    few long strings costs a third of loading 400,000 small ones, and the cache file's check of
    every loaded object has a few to look at) or a list, split or joined only when read that way.
    A one-record rebuild reads the keys as text and splits only the paths and ids."""

    NAMES = ("paths", "keys", "commits", "ids")

    def __init__(self, head: str | None, size: int, values: dict[str, str | list[str]]):
        self.head, self.size = head, size
        self._values = values

    @classmethod
    def read(cls, doc: dict) -> Columns | None:
        """The columns of a saved state, or None unless each is a text of ``size`` lines."""
        head, size = doc.get("head"), doc.get("size")
        values = {name: doc.get(name) for name in cls.NAMES}
        if not (head is None or isinstance(head, str)) or not isinstance(size, int):
            return None
        for text in values.values():
            if not isinstance(text, str) or (text.count("\n") + 1 if text else 0) != size:
                return None
        return cls(head, size, values)  # type: ignore[arg-type]

    def lines(self, name: str) -> list[str]:
        value = self._values[name]
        if isinstance(value, str):
            value = self._values[name] = split_lines(value) or []
        return value

    def text(self, name: str) -> str | None:
        """The column as saved; None when a line holds a newline (``joined_lines``)."""
        value = self._values[name]
        return value if isinstance(value, str) else joined_lines(value)

    def with_values(self, head: str | None, **values: str | list[str]) -> Columns:
        return Columns(head, self.size, {**self._values, **values})


class LedgerState:
    """What a build of the ledger computed, kept in ``ledger-state.marshal`` (``core.cachefile``):
    every record's path, entry key, newest commit and id (``Columns``), ``events`` (every event
    string of every record, sorted) and the published prefix's ``tree``. A record is recomputed
    when its entry key (``Entry.key``: file, time rules' result, item, past names), its newest
    first-parent commit (a commit id fixes every commit before it, so the whole history) or its id
    changed; the file's key covers the code, the registry files (the calendar included: earlier
    versions are evaluated on their own dates) and the registry as shown. Only a shortcut: a
    missing or outdated file is a cold start with the same result.

    A rebuild does not walk the 100,000 entries: their keys are compared as one text with the
    snapshot's (``Snapshot.keys_text``), and the newest commits can differ only at the paths that
    the commits since the saved state's ``head`` touched (``history.cache.paths_changed_since``,
    one ``git log`` of those commits); the columns are walked only when that cannot be told."""

    FILE = "ledger-state.marshal"
    # A rebuild that recomputed at most this many records and left the published tree as it was
    # does not write the state (tens of MB): the next build recomputes those few records again.
    SAVE_AFTER = 64

    def __init__(self, snapshot: Snapshot):
        self.path = cachefile.cache_path(snapshot.root, self.FILE)
        self.key = digest(code_version(), FORMAT, registry_key(snapshot.root), snapshot.registry_key)
        self.saved: Columns | None = None  # the columns of the build that saved the file
        # This snapshot's columns, made by ``update`` (None: not made, the state is never saved).
        self.columns: Columns | None = None
        self.events: list[str] = []
        self._events_text: str | None = None  # ``events`` as saved, while they are unchanged
        self.tree: Tree | None = None
        self.recomputed = 0
        self.taken_early = 0  # records whose events came from the early work (``update``)
        if self.path is None:
            return
        doc = cachefile.read(self.path)
        if not (isinstance(doc, dict) and doc.get("key") == self.key):
            return
        saved = Columns.read(doc)
        text = doc.get("events")
        events = split_lines(text)
        chunks, days = doc.get("chunks"), doc.get("days")
        shapes = saved is not None and events is not None
        shapes = shapes and isinstance(chunks, list) and isinstance(days, list)
        if shapes and all(isinstance(d, tuple) and len(d) == 3 for d in days):  # type: ignore[union-attr]
            self.saved, self.events, self._events_text = saved, events, text  # type: ignore[assignment]
            self.tree = Tree(b"", chunks, days)  # type: ignore[arg-type]

    def update(self, snapshot: Snapshot, early: Callable[[], object] | None = None) -> int:
        """Bring the records and the sorted events up to date with ``snapshot``: the events of new
        and changed records are computed (``ledger.record_events``; their earlier versions read
        with one Git process), those of changed and removed records taken out. Returns the first
        position of ``events`` that changed (its length when nothing did).

        ``early`` returns the answer of the early work (``early_events``, when the build started
        it): the records it computed and all their events, taken when it was made for this
        snapshot and the same records to compute; only a shortcut, every record it does not
        answer for is computed here, with the same events."""
        entries = snapshot.entries
        changes = self._compare(snapshot)
        missing = changes.missing
        removed = events_of(self.events, changes.stale, self._events_text)
        answer = early() if early is not None and missing else None
        taken, added = _early_answer(answer, snapshot, missing)
        done = set(taken)
        rest = [entries[i] for i in missing if i not in done]
        added.extend(_events(snapshot, rest))
        self.taken_early = len(taken)
        self.columns = changes.columns
        self.recomputed = len(missing) + len(changes.gone_paths)
        if not self.events:
            self.events = sorted(added)  # nothing kept (a cold build): 200,000 bisections spared
            return 0
        # An event taken out and put back (a corrected record's publication, unchanged) changes
        # nothing: only the others decide where the list, and so the tree, changed.
        kept = Counter(removed) & Counter(added)
        if kept:
            removed = list((Counter(removed) - kept).elements())
            added = list((Counter(added) - kept).elements())
        if not removed and not added:
            return len(self.events)
        self._events_text = None
        events = self.events
        first = min(bisect.bisect_left(events, s) for s in removed + added)
        if len(removed) + len(added) <= FEW_EVENTS:
            # A few events (a rebuild): each taken out and put in at its place, not the whole
            # tail of the list walked and sorted again.
            for s in removed:
                del events[bisect.bisect_left(events, s)]
            for s in added:
                bisect.insort(events, s)
            return first
        gone = Counter(removed)
        tail = []
        for s in self.events[first:]:
            if gone[s] > 0:
                gone[s] -= 1
            else:
                tail.append(s)
        tail.extend(added)
        tail.sort()
        self.events = self.events[:first] + tail
        return first

    def _compare(self, snapshot: Snapshot) -> _Changes:
        """What changed since the state was saved: the positions in ``snapshot.entries`` of the
        records to compute, the paths gone, the ids whose saved events are out of date, and this
        snapshot's columns (class docstring)."""
        entries = snapshot.entries
        n = len(entries)
        saved = self.saved
        if saved is None and self.path is None:
            # Nothing saved and nothing to save (no cache; the early work and the ledger's task of
            # a cold build): every record is computed, no column is made. The entry keys alone
            # would cost 20 µs each, 2 s at 100,000 records in each of those processes.
            return _Changes(list(range(n)), set(), set(), None)
        keys = snapshot.keys_text
        commits: list[str] | None = None
        differ: set[int] | None = None
        if saved is not None and saved.size == n:
            # A rebuild: the same records in the same order but a few. An entry's key digests its
            # record's id and path, so where key and newest commit are the same, so is the record:
            # only the positions that differ are read.
            differ = differing_lines(saved.text("keys") or "", keys, n)
            if differ is not None:
                moved = _moved_commits(snapshot, saved)
                if moved is None:
                    commits = newest_commits(entries)
                    differ.update(compress(range(n), map(ne, commits, saved.lines("commits"))))
                else:
                    differ |= moved
                if len(differ) > max(IN_PLACE_MIN, n // 100):
                    differ = None  # many moved (one added, another removed): matched by path below
        if differ is not None and saved is not None:
            missing = sorted(differ)
            if not missing:
                return _Changes([], set(), set(), saved.with_values(snapshot.head, keys=keys))
            old_paths, old_ids = saved.lines("paths"), saved.lines("ids")
            paths, ids = list(old_paths), list(old_ids)
            commits = commits or list(saved.lines("commits"))
            for i in missing:
                e = entries[i]
                paths[i], ids[i], commits[i] = e.record.path, e.record.id, _newest(e)
            # A path at a changed place is at no unchanged one (paths are unique), so it is gone
            # when no changed place holds it now.
            gone_paths = {old_paths[i] for i in missing} - {paths[i] for i in missing}
            stale = {ids[i] for i in missing} | {old_ids[i] for i in missing}
        else:
            records = list(map(_RECORD, entries))
            paths, ids = list(map(_PATH, records)), list(map(_ID, records))
            commits = commits or newest_commits(entries)
            if saved is None:  # nothing saved: every record is computed
                missing, gone_paths, stale = list(range(n)), set(), set()
            else:
                key_list = split_lines(keys) or []
                missing, gone_paths, stale = _matched_by_path(saved, paths, key_list, commits, ids)
        if (gone_paths or missing) and len(set(ids)) != n:
            # Ids are unique in a valid repository; otherwise events cannot be found by id: start
            # over (when nothing changed, the events computed from scratch last time still hold).
            self.events, self._events_text, self.tree = [], None, None
            missing, gone_paths, stale = list(range(n)), set(), set()
        values = {"paths": paths, "keys": keys, "commits": commits, "ids": ids}
        return _Changes(missing, gone_paths, stale, Columns(snapshot.head, n, values))  # type: ignore[arg-type]

    def save(self, tree: Tree) -> None:
        """Write the file when the published tree changed or more than ``SAVE_AFTER`` records were
        recomputed (a rebuild with nothing new writes nothing)."""
        kept = self.tree
        same = kept is not None and (kept.chunk_roots, kept.days) == (tree.chunk_roots, tree.days)
        columns = self.columns
        if self.path is None or columns is None or (same and self.recomputed <= self.SAVE_AFTER):
            return
        texts = {name: columns.text(name) for name in Columns.NAMES}
        texts["events"] = joined_lines(self.events)
        if None in texts.values():
            return  # a newline in a path or id (not a valid record file): no shortcut next time
        doc = {"key": self.key, "head": columns.head, "size": columns.size, **texts}
        cachefile.write(self.path, doc | {"chunks": tree.chunk_roots, "days": tree.days})


# A rebuild compares the columns in place while at most this many records (or 1 % of them) differ
# in key or newest commit; beyond, records are matched by path (fewer recomputed after a shift).
IN_PLACE_MIN = 64
# At most this many events taken out and put in (``LedgerState.update``): each at its place by
# bisection; beyond, the tail from the first change is walked once and sorted.
FEW_EVENTS = 64


def differing_lines(old: str, new: str, size: int) -> set[int] | None:
    """The positions of the lines that differ between ``old`` and ``new``, two texts of ``size``
    lines of one width (digests), compared a block of lines at a time at C speed; None when they
    are not of that shape."""
    if old == new:
        return set()
    step = (len(new) + 1) // size if size else 0  # a line and its newline
    if step < 2 or len(old) != len(new) or len(new) != size * step - 1:
        return None
    newlines = "\n" * (size - 1)
    for text in (old, new):
        if text[step - 1 :: step] != newlines or text.count("\n") != size - 1:
            return None
    out: set[int] = set()
    block = 1024
    for first in range(0, size, block):
        lo, hi = first * step, min(first + block, size) * step
        if old[lo:hi] != new[lo:hi]:
            for i in range(first, min(first + block, size)):
                at = i * step
                if old[at : at + step - 1] != new[at : at + step - 1]:
                    out.add(i)
    return out


def _moved_commits(snapshot: Snapshot, saved: Columns) -> set[int] | None:
    """The places whose newest commit may differ from the saved column's: those of the paths that
    the commits after the saved ``head`` touched; None when that cannot be told (no head, history
    rewritten, many paths): then every place is compared."""
    if saved.head is None or snapshot.head is None:
        return None
    touched = paths_changed_since(snapshot.root, saved.head, snapshot.head)
    if touched is None or len(touched) > IN_PLACE_MIN:
        return None
    if not touched:
        return set()
    # Found in the saved text, not a split list (a path is never a part of another line).
    text = "\n" + (saved.text("paths") or "") + "\n"
    places = set()
    for path in touched:
        at = text.find(f"\n{path}\n")
        if at >= 0:
            places.add(text.count("\n", 0, at))
    return places


def _matched_by_path(
    saved: Columns, paths: list[str], keys: list[str], commits: list[str], ids: list[str]
) -> tuple[list[int], set[str], set[str]]:
    """The records to compute, the paths gone and the stale ids, the records found by path."""
    old = {path: i for i, path in enumerate(saved.lines("paths"))}
    old_keys, old_commits, old_ids = saved.lines("keys"), saved.lines("commits"), saved.lines("ids")
    missing: list[int] = []
    stale: set[str] = set()
    for i, path in enumerate(paths):
        j = old.get(path)
        if j is None:
            missing.append(i)
        elif keys[i] != old_keys[j] or commits[i] != old_commits[j] or ids[i] != old_ids[j]:
            missing.append(i)
            stale.update((ids[i], old_ids[j]))
    gone_paths = old.keys() - set(paths)
    stale.update(old_ids[old[path]] for path in gone_paths)
    return missing, gone_paths, stale


def _newest(entry: Entry) -> str:
    return entry.history[0].sha if entry.history else "-"


def newest_commits(entries: list[Entry]) -> list[str]:
    """Each record's newest first-parent commit (``-``: none yet)."""
    histories = list(map(_HISTORY, entries))
    if all(histories):  # every record committed (a build): at C speed
        return list(map(_SHA, map(_FIRST, histories)))
    return [h[0].sha if h else "-" for h in histories]


def projected_by_pages(entry: Entry) -> bool:
    """A record whose events need only the projection the pages make of it before the ledger's
    task forks (shown today; its current file its one version; no past names): left to the task,
    which reads that projection, not to the early work, which would project it again."""
    return (
        entry.timeline.state in PUBLIC_STATES
        and not entry.past_names
        and ledger.single_version(entry) is not None
    )


@dataclass
class _Changes:
    missing: list[int]  # positions in ``snapshot.entries``
    gone_paths: set[str]
    stale: set[str]
    columns: Columns | None  # None: not made, this state is not saved (``_compare``)


def _event_lists(
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


def _events(snapshot: Snapshot, entries: list[Entry]) -> list[str]:
    return [s for events in _event_lists(snapshot, entries) for s in events]


def early_events(snapshot: Snapshot) -> Callable[[], dict]:
    """The ledger's early work (``HookOutput.early``), started before the pages are planned: the
    events of the records to compute (``LedgerState``) whose hashes do not come from the pages'
    projections (``projected_by_pages``), for ``LedgerState.update``. The answer names the
    snapshot (``Snapshot.token``), the positions of the records there were to compute and of
    those it computed, and their events. In a cold build at 100,000 records, most of the
    ledger's work. The earlier versions the snapshot parsed for the past names
    (``Snapshot.versions``) are not read again."""

    # Taken now: the site writer drops them from the snapshot once this work has forked.
    parsed = snapshot.versions

    def run() -> dict:
        with gcpause.paused():  # bulk work without cycles (``core.gcpause``)
            entries = snapshot.entries
            missing = LedgerState(snapshot)._compare(snapshot).missing
            todo = [i for i in missing if not projected_by_pages(entries[i])]
            lists = _event_lists(snapshot, [entries[i] for i in todo], parsed)
            # Long strings, not 100,000 lists: sent and read back at C speed, a fraction of the
            # memory in the worker that reads them.
            events = joined_lines([s for ev in lists for s in ev])
        if events is None:
            return {}  # a newline in an id (not a valid record): no answer
        return {
            "snapshot": snapshot.token,
            "missing": _positions(missing),
            "records": _positions(todo),
            "events": events,
        }

    return run


def _positions(positions: list[int]) -> str:
    return ",".join(map(str, positions))


def _early_answer(answer: object, snapshot: Snapshot, missing: list[int]) -> tuple[list[int], list[str]]:
    """``early_events``'s answer as (the positions of the records it computed, all their
    events), when it was made for this snapshot object and the same records to compute (the
    same state of the ledger's file: its events come as one list, taken whole or not at all);
    anything else (no answer, a failed child, another snapshot or state) as nothing."""
    if not isinstance(answer, dict) or answer.get("snapshot") != snapshot.token:
        return [], []
    records, events = answer.get("records"), split_lines(answer.get("events"))
    if answer.get("missing") != _positions(missing) or not isinstance(records, str) or events is None:
        return [], []
    try:
        taken = [int(i) for i in records.split(",")] if records else []
    except ValueError:
        return [], []
    if not set(taken) <= set(missing):
        return [], []
    return taken, events


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


def _root_line(as_of: str, size: int, root: str) -> str:
    """A day's line of ``roots.json``: ``ledger.canonical`` of ``{as_of, root, size}`` (sorted keys),
    written directly when nothing in it needs escaping (ISO dates, hex roots: always, in practice)."""
    if _ISO_DAY.fullmatch(as_of) and _HEX.fullmatch(root):
        return f'{{"as_of":"{as_of}","root":"{root}","size":{size}}}'
    return ledger.canonical({"as_of": as_of, "size": size, "root": root}).decode("utf-8")


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


# ---------------------------------------------------------------- files


def write_extra(snapshot: Snapshot, out_dir: Path, site: SiteOutput) -> dict:
    """Write the ledger files and its page; returns the size and root."""
    state = LedgerState(snapshot)
    with gcpause.paused():  # bulk work without cycles (``core.gcpause``)
        changed_from = state.update(snapshot, site.early_result("ledger"))
        events = state.events
        cut = bisect.bisect_left(events, snapshot.as_of.isoformat())  # the events of the days that are over
        hashed: list[bytes] = []  # the leaves of events[start:cut], hashed by grow_tree
        tree, start = grow_tree(events, cut, state.tree, changed_from, leaves=hashed)

    def produce(n: int) -> bytes:
        first, end = n * CHUNK, min((n + 1) * CHUNK, cut)
        if first >= start:
            leaves = hashed[first - start : end - start]
        else:
            leaves = [leaf_of(s) for s in events[first:end]]
        return gzip.compress(ledger.chunk_bytes(n, leaves), compresslevel=ledger.GZIP_LEVEL, mtime=0)

    for n in range(-(-cut // CHUNK)):
        # A full chunk is named by its subtree root (the root commits to its entries); the last,
        # partial one by the tree's root and size. Kept chunks are linked, never compressed again.
        full = (n + 1) * CHUNK <= cut
        name = tree.chunk_roots[n].hex() if full else f"{tree.root.hex()} {cut}"
        site.write_keyed(CHUNK_PATH.format(n=n), digest(FORMAT, str(n), name), lambda n=n: produce(n))
    head = ledger.head_doc(snapshot.as_of, cut, tree.root)
    site.write(HEAD, (json.dumps(head, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    lines = ",\n".join(_root_line(a, s, r) for a, s, r in tree.days)
    site.write(ROOTS, f'{{"format":"{FORMAT}","roots":[\n{lines}\n]}}\n'.encode())
    site.render(TEMPLATE, PAGE, title="公示账本", ledger=head)
    state.save(tree)
    return {
        "size": cut,
        "root": tree.root.hex(),
        "early": state.taken_early,
    }

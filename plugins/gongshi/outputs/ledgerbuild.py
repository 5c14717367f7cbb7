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
_RECORD, _HISTORY, _KEY = attrgetter("record"), attrgetter("history"), attrgetter("key")
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


class LedgerState:
    """What a build of the ledger computed, kept in ``ledger-state.marshal`` (``core.cachefile``):
    every record's path, entry key, newest commit and id (four columns, in the snapshot's order),
    ``events`` (every event string of every record, sorted) and the published prefix's ``tree``.
    A record is recomputed when its entry key (``Entry.key``: file, time rules' result, item, past
    names), its newest first-parent commit (a commit id fixes every commit before it, so the whole
    history) or its id changed; the file's key covers the code, the registry files (the calendar
    included: earlier versions are evaluated on their own dates) and the registry as shown. Only a
    shortcut: a missing or outdated file is a cold start with the same result.

    The columns and the events are stored as newline-joined strings: loading a few long strings
    and splitting them costs a third of loading 500,000 small ones (and the cache file's check of
    every loaded object has a few to look at); a rebuild compares the columns as lists, at C speed
    (a one-record rebuild's ledger is mostly this comparison and the loading)."""

    FILE = "ledger-state.marshal"
    # A rebuild that recomputed at most this many records and left the published tree as it was
    # does not write the state (tens of MB): the next build recomputes those few records again.
    SAVE_AFTER = 64

    def __init__(self, snapshot: Snapshot):
        self.path = cachefile.cache_path(snapshot.root, self.FILE)
        self.key = digest(code_version(), FORMAT, registry_key(snapshot.root), snapshot.registry_key)
        # Every record's path, key, newest commit and id (class docstring), in the snapshot's
        # order of the build that saved them. Not made for a state that is never saved: then
        # ``keys`` is None and the other columns are empty (``_compare``).
        self.paths: list[str] = []
        self.keys: list[str] | None = []
        self.commits: list[str] = []
        self.ids: list[str] = []
        self.events: list[str] = []
        self.tree: Tree | None = None
        self.recomputed = 0
        self.taken_early = 0  # records whose events came from the early work (``update``)
        if self.path is None:
            return
        doc = cachefile.read(self.path)
        if not (isinstance(doc, dict) and doc.get("key") == self.key):
            return
        columns = [split_lines(doc.get(k)) for k in _COLUMNS]
        events = split_lines(doc.get("events"))
        chunks, days = doc.get("chunks"), doc.get("days")
        shapes = events is not None and all(c is not None and len(c) == len(columns[0]) for c in columns)
        shapes = shapes and isinstance(chunks, list) and isinstance(days, list)
        if shapes and all(isinstance(d, tuple) and len(d) == 3 for d in days):  # type: ignore[union-attr]
            self.paths, self.keys, self.commits, self.ids = columns  # type: ignore[assignment]
            self.events, self.tree = events, Tree(b"", chunks, days)  # type: ignore[arg-type]

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
        removed = events_of(self.events, changes.stale)
        answer = early() if early is not None and missing else None
        taken, added = _early_answer(answer, snapshot, missing)
        done = set(taken)
        rest = [entries[i] for i in missing if i not in done]
        added.extend(_events(snapshot, rest))
        self.taken_early = len(taken)
        self.paths, self.keys, self.commits, self.ids = (
            changes.paths,
            changes.keys,
            changes.commits,
            changes.ids,
        )
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
        """What changed since the state was saved: the records' columns now (class docstring), the
        positions in ``snapshot.entries`` of the records to compute, the paths gone and the ids
        whose saved events are out of date."""
        entries = snapshot.entries
        n = len(entries)
        old_paths = self.paths
        if not old_paths and self.path is None:
            # Nothing saved and nothing to save (no cache; the early work and the ledger's task of
            # a cold build): every record is computed, no column is made. The entry keys alone
            # would cost 20 µs each, 2 s at 100,000 records in each of those processes.
            return _Changes([], None, [], [], list(range(n)), set(), set())
        # Column by column with C-level loops (``map``): when little changed this pass over
        # 100,000 entries is the ledger's whole cost (each column ≈ 30 ms).
        keys: list[str] | None = list(map(_KEY, entries))
        commits = newest_commits(entries)
        old_keys = self.keys
        differ: set[int] | None = None
        if old_paths and old_keys is not None and len(old_keys) == n:
            # A rebuild: the same records in the same order but a few. An entry's key digests its
            # record's id and path, so where key and newest commit are the same, so is the record:
            # only the positions that differ are read (not every record's path and id).
            differ = set(compress(range(n), map(ne, keys, old_keys)))
            differ.update(compress(range(n), map(ne, commits, self.commits)))
            if len(differ) > max(IN_PLACE_MIN, n // 100):
                differ = None  # many moved (one added, another removed): matched by path below
        if differ is not None:
            paths, ids = list(old_paths), list(self.ids)
            for i in differ:
                record = entries[i].record
                paths[i], ids[i] = record.path, record.id
            missing = sorted(differ)
            # A path at a changed place is at no unchanged one (paths are unique), so it is gone
            # when no changed place holds it now.
            gone_paths = {old_paths[i] for i in missing} - {paths[i] for i in missing}
            stale = {ids[i] for i in missing} | {self.ids[i] for i in missing}
        elif not old_paths:  # nothing saved: every record is computed
            records = list(map(_RECORD, entries))
            paths, ids = list(map(_PATH, records)), list(map(_ID, records))
            missing, gone_paths, stale = list(range(n)), set(), set()
        else:
            records = list(map(_RECORD, entries))
            paths, ids = list(map(_PATH, records)), list(map(_ID, records))
            old = {path: i for i, path in enumerate(old_paths)}
            old_keys, old_commits, old_ids = self.keys or [], self.commits, self.ids
            missing, stale = [], set()
            for i, path in enumerate(paths):
                j = old.get(path)
                if j is None:
                    missing.append(i)
                elif keys[i] != old_keys[j] or commits[i] != old_commits[j] or ids[i] != old_ids[j]:
                    missing.append(i)
                    stale.update((ids[i], old_ids[j]))
            gone_paths = old.keys() - set(paths)
            stale.update(old_ids[old[path]] for path in gone_paths)
        if (gone_paths or missing) and len(set(ids)) != n:
            # Ids are unique in a valid repository; otherwise events cannot be found by id: start
            # over (when nothing changed, the events computed from scratch last time still hold).
            self.events, self.tree = [], None
            missing, gone_paths, stale = list(range(n)), set(), set()
        return _Changes(paths, keys, commits, ids, missing, gone_paths, stale)

    def save(self, tree: Tree) -> None:
        """Write the file when the published tree changed or more than ``SAVE_AFTER`` records were
        recomputed (a rebuild with nothing new writes nothing)."""
        kept = self.tree
        same = kept is not None and (kept.chunk_roots, kept.days) == (tree.chunk_roots, tree.days)
        if self.path is None or self.keys is None or (same and self.recomputed <= self.SAVE_AFTER):
            return
        columns = (self.paths, self.keys, self.commits, self.ids)
        joined = {k: joined_lines(c) for k, c in zip(_COLUMNS, columns, strict=True)}
        joined["events"] = joined_lines(self.events)
        if None in joined.values():
            return  # a newline in a path or id (not a valid record file): no shortcut next time
        cachefile.write(self.path, {"key": self.key, **joined, "chunks": tree.chunk_roots, "days": tree.days})


_COLUMNS = ("paths", "keys", "commits", "ids")  # ``LedgerState``'s columns, as saved
# A rebuild compares the columns in place while at most this many records (or 1 % of them) differ
# in key or newest commit; beyond, records are matched by path (fewer recomputed after a shift).
IN_PLACE_MIN = 64
# At most this many events taken out and put in (``LedgerState.update``): each at its place by
# bisection; beyond, the tail from the first change is walked once and sorted.
FEW_EVENTS = 64


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
    paths: list[str]
    keys: list[str] | None  # None: not made, this state is not saved (``_compare``)
    commits: list[str]
    ids: list[str]  # the columns are empty when this state is not saved
    missing: list[int]  # positions in ``snapshot.entries``
    gone_paths: set[str]
    stale: set[str]


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


def events_of(events: list[str], ids: set[str]) -> list[str]:
    """The event strings of the records ``ids``. A few ids (a rebuild after a change): a substring
    test per event, exact after the split; many: the split of every event."""
    if not ids:
        return []
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

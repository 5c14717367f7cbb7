"""What a build of the ledger computed, kept for the next (``LedgerState``), and the early work.

Every record's events are keyed on its entry and history: a record that did not change is not
even parsed, and a one-record rebuild compares the records' columns without walking them
(``LedgerState._compare``). The early work (``early_events``) computes, in a fork child before
the pages are planned, the events of the records a cold build must compute; ``LedgerState.update``
takes its answer when it was made for the same snapshot and state.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter, itemgetter, ne
from typing import TYPE_CHECKING

from gongshi.core import cachefile, gcpause
from gongshi.core.keys import code_version, digest
from gongshi.core.timeline import PUBLIC_STATES
from gongshi.history.cache import paths_changed_since
from gongshi.outputs import ledger
from gongshi.outputs.ledger import FORMAT
from gongshi.outputs.ledgerevents import (
    EventList,
    event_lists,
    events_of,
    events_of_records,
    joined_lines,
    split_lines,
)
from gongshi.outputs.ledgertree import Tree
from gongshi.repo.registrykey import registry_key

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

_RECORD, _HISTORY = attrgetter("record"), attrgetter("history")
_PATH, _ID, _SHA, _FIRST = attrgetter("path"), attrgetter("id"), attrgetter("sha"), itemgetter(0)


class Columns:
    """Every record's path, entry key, newest first-parent commit and id, in the snapshot's order,
    as they were at commit ``head``: each column one newline-joined string (as saved: loading a
    few long strings costs a third of loading 400,000 small ones, and the cache file's check of
    every loaded object has a few to look at) or a list, split or joined only when read that way,
    with the values changed at a few places (``patched``) applied then. A one-record rebuild reads
    the keys as text and the paths and ids only up to the changed place (the newest records come
    first), and splits nothing else unless it saves."""

    NAMES = ("paths", "keys", "commits", "ids")

    def __init__(self, head: str | None, size: int, values: dict[str, str | list[str]]):
        self.head, self.size = head, size
        self._values = values
        self._patches: dict[str, dict[int, str]] = {}

    @classmethod
    def read(cls, doc: dict) -> Columns | None:
        """The columns of a saved state, or None unless each is a text. Their lines are not
        counted again: ``LedgerState.save`` wrote ``size`` lines each (``joined_lines`` checks),
        and the cache file's digest guards what it wrote."""
        head, size = doc.get("head"), doc.get("size")
        values = {name: doc.get(name) for name in cls.NAMES}
        if not (head is None or isinstance(head, str)) or not isinstance(size, int):
            return None
        if not all(isinstance(text, str) for text in values.values()):
            return None
        return cls(head, size, values)  # type: ignore[arg-type]

    def lines(self, name: str) -> list[str]:
        value = self._values[name]
        if isinstance(value, str):
            value = self._values[name] = split_lines(value) or []
        for i, v in self._patches.pop(name, {}).items():
            value[i] = v
        return value

    def first_lines(self, name: str, count: int) -> list[str]:
        """The first ``count`` values (of an unpatched column): only they are split."""
        value = self._values[name]
        return value.split("\n", count)[:count] if isinstance(value, str) else value[:count]

    def text(self, name: str) -> str | None:
        """The column as saved; None when a line holds a newline (``joined_lines``)."""
        value = self._values[name]
        if isinstance(value, str) and name not in self._patches:
            return value
        return joined_lines(self.lines(name))

    def patched(
        self, head: str | None, values: dict[str, str | list[str]], patches: dict[str, dict[int, str]]
    ) -> Columns:
        """These columns at ``head`` with the whole columns ``values`` and the values ``patches``
        (by column, by place) changed; the other texts are shared, not copied."""
        columns = Columns(head, self.size, {**self._values, **values})
        columns._patches = {name: dict(p) for name, p in patches.items() if p}
        for name in columns._patches:  # a list already split is patched in a copy, not shared
            if isinstance(value := columns._values[name], list):
                columns._values[name] = list(value)
        return columns


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
        self.events = EventList()
        self.tree: Tree | None = None
        self.recomputed = 0
        self.taken_early = 0  # records whose events came from the early work (``update``)
        if self.path is None:
            return
        doc = cachefile.read(self.path)
        if not (isinstance(doc, dict) and doc.get("key") == self.key):
            return
        saved = Columns.read(doc)
        events = EventList.read(doc.get("events"))
        chunks, days = doc.get("chunks"), doc.get("days")
        shapes = saved is not None and events is not None
        shapes = shapes and isinstance(chunks, list) and isinstance(days, list)
        if shapes and all(isinstance(d, tuple) and len(d) == 3 for d in days):  # type: ignore[union-attr]
            self.saved, self.events = saved, events  # type: ignore[assignment]
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
        removed = events_of(self.events, changes.stale)
        answer = early() if early is not None and missing else None
        taken, added = _early_answer(answer, snapshot, missing)
        done = set(taken)
        rest = [entries[i] for i in missing if i not in done]
        added.extend(events_of_records(snapshot, rest))
        self.taken_early = len(taken)
        self.columns = changes.columns
        self.recomputed = len(missing) + len(changes.gone_paths)
        if not self.events:
            self.events = EventList(tail=sorted(added))  # nothing kept (a cold build): sorted once
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
        first = min(events.bisect_left(s) for s in removed + added)
        events.split_from(first)  # everything from there on in ``events.tail``, a list
        tail, cut = events.tail, first - events.start
        if len(removed) + len(added) <= FEW_EVENTS:
            # A few events (a rebuild): each taken out and put in at its place, not the whole
            # tail of the list walked and sorted again.
            for s in removed:
                del tail[bisect.bisect_left(tail, s)]
            for s in added:
                bisect.insort(tail, s)
            return first
        gone = Counter(removed)
        rest = []
        for s in tail[cut:]:
            if gone[s] > 0:
                gone[s] -= 1
            else:
                rest.append(s)
        rest.extend(added)
        rest.sort()
        events.tail = tail[:cut] + rest
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
            return self._in_place(snapshot, saved, sorted(differ), commits)
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
            self.events, self.tree = EventList(), None
            missing, gone_paths, stale = list(range(n)), set(), set()
        values = {"paths": paths, "keys": keys, "commits": commits, "ids": ids}
        return _Changes(missing, gone_paths, stale, Columns(snapshot.head, n, values))  # type: ignore[arg-type]

    def _in_place(
        self, snapshot: Snapshot, saved: Columns, missing: list[int], commits: list[str] | None
    ) -> _Changes:
        """``_compare`` when the records are where the saved columns have them, but at the places
        ``missing`` (``commits``: every newest commit, when they were walked)."""
        entries, n, keys = snapshot.entries, len(snapshot.entries), snapshot.keys_text
        values: dict[str, str | list[str]] = (
            {"keys": keys} if commits is None else {"keys": keys, "commits": commits}
        )
        if not missing:
            return _Changes([], set(), set(), saved.patched(snapshot.head, values, {}))
        paths = {i: entries[i].record.path for i in missing}
        ids = {i: entries[i].id for i in missing}
        patches = {"paths": paths, "ids": ids}
        if commits is None:
            patches["commits"] = {i: _newest(entries[i]) for i in missing}
        columns = saved.patched(snapshot.head, values, patches)
        new_ids = set(ids.values())
        if len(missing) <= IN_PLACE_MIN:  # each new id at no unchanged place: a few searches
            places = _line_places(saved.text("ids") or "", new_ids)
            unique = len(new_ids) == len(missing) and places <= set(missing)
        else:
            unique = len(set(columns.lines("ids"))) == n
        if not unique:
            # Ids are unique in a valid repository; otherwise events cannot be found by id.
            self.events, self.tree = EventList(), None
            return _Changes(list(range(n)), set(), set(), columns)
        # Only the paths and ids up to the last changed place are split: after a day's change,
        # the newest records, at the start of the newest-first order.
        top = missing[-1] + 1
        old_paths, old_ids = saved.first_lines("paths", top), saved.first_lines("ids", top)
        # A path at a changed place is at no unchanged one (paths are unique), so it is gone when
        # no changed place holds it now.
        gone_paths = {old_paths[i] for i in missing} - set(paths.values())
        stale = new_ids | {old_ids[i] for i in missing}
        return _Changes(missing, gone_paths, stale, columns)

    def save(self, tree: Tree) -> None:
        """Write the file when the published tree changed or more than ``SAVE_AFTER`` records were
        recomputed (a rebuild with nothing new writes nothing)."""
        kept = self.tree
        same = kept is not None and (kept.chunk_roots, kept.days) == (tree.chunk_roots, tree.days)
        columns = self.columns
        if self.path is None or columns is None or (same and self.recomputed <= self.SAVE_AFTER):
            return
        texts = {name: columns.text(name) for name in Columns.NAMES}
        texts["events"] = self.events.chunk_texts()
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
    # A newline at every line's end; none inside one (keys are digests, the kept ones were checked
    # when saved).
    if old[step - 1 :: step] != newlines or new[step - 1 :: step] != newlines:
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
    return _line_places(saved.text("paths") or "", touched)


def _line_places(text: str, values: set[str]) -> set[int]:
    """The places (line numbers) of the lines of ``text`` equal to one of a few ``values``: found
    in the text, not in a split list."""
    padded = f"\n{text}\n"
    places = set()
    for value in values:
        needle = f"\n{value}\n"
        at = padded.find(needle)
        while at >= 0:
            places.add(padded.count("\n", 0, at))
            at = padded.find(needle, at + 1)
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
    """The record's newest first-parent commit (``-``: none yet)."""
    return entry.history[0].sha if entry.history else "-"


def newest_commits(entries: list[Entry]) -> list[str]:
    """``_newest`` of every entry."""
    histories = list(map(_HISTORY, entries))
    if all(histories):  # every record committed (a build): at C speed
        return list(map(_SHA, map(_FIRST, histories)))
    return list(map(_newest, entries))


@dataclass
class _Changes:
    missing: list[int]  # positions in ``snapshot.entries``
    gone_paths: set[str]
    stale: set[str]
    columns: Columns | None  # None: not made, this state is not saved (``_compare``)


def projected_by_pages(entry: Entry) -> bool:
    """A record whose events need only the projection the pages make of it before the ledger's
    task forks (shown today; its current file its one version; no past names): left to the task,
    which reads that projection, not to the early work, which would project it again."""
    return (
        entry.timeline.state in PUBLIC_STATES
        and not entry.past_names
        and ledger.single_version(entry) is not None
    )


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
            lists = event_lists(snapshot, [entries[i] for i in todo], parsed)
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

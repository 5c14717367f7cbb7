"""The timeline cache: the time rules' result for each record file, kept between builds.

The time rules are pure functions of the record file, its publication, the registry and the as-of
date, so a rebuild on the same day evaluates only new and changed records. The file
(``timelines.marshal`` in ``core.cachefile.cache_dir``) is only a shortcut, like every build
cache (``gongshi.core.cachefile``).

It is stored as parallel columns of plain values (one list per timeline field, dates as
ordinals), not an object per record: the plain-data check of ``cachefile.read`` then runs at C
speed, and the columns are decoded in bulk (each distinct date made once) rather than field by
field. At 100,000 records that is several times cheaper than a tuple per record.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import fields
from datetime import date
from pathlib import Path

from gongshi.core import cachefile
from gongshi.core.keys import digest
from gongshi.core.problems import Problem
from gongshi.core.timeline import Timeline
from gongshi.repo.registrykey import registry_key


def _timeline_layout() -> tuple[tuple[str, ...], frozenset[str]]:
    names = tuple(f.name for f in fields(Timeline))
    # Annotations are strings (``from __future__ import annotations``); dates are stored as ordinals.
    dates = frozenset(f.name for f in fields(Timeline) if f.type in ("date", "date | None"))
    return names, dates


_TIMELINE_NAMES, _DATE_FIELDS = _timeline_layout()
# The columns besides the timeline's: record path, Git blob id, the publishing commit (None: a
# preview, dated the as-of day), the entry's output key, its catalog item and authority.
_COLUMNS = ("paths", "blobs", "pub_shas", "keys", "items", "authorities")


class TimelineCache:
    """For one as-of date and one registry (departments, catalog, policy, calendar; and the code
    version): per record path, the blob id and publication it was evaluated for, its timeline and
    warnings, the entry's output key (``snapshot.build.Entry.key``, a function of the same inputs)
    and its catalog item code and authority (so a rebuild never unpacks a kept record).

    ``take`` gives a stored result (and keeps it), ``put`` a new one; ``save`` writes the file
    when it differs."""

    FILE = "timelines.marshal"
    # The results changed since FILE was written, against it: a rebuild after a few changes
    # writes a few rows, not 100,000 (rewriting them all cost more than reading them).
    DELTA = "timelines-delta.marshal"
    DELTA_SHARE = 8  # FILE is written anew when the delta would hold more than 1/8 of the entries

    def __init__(self, root: Path, as_of: date):
        self.path = cachefile.cache_path(root, self.FILE)
        self.delta_path = cachefile.cache_path(root, self.DELTA)
        self.key = digest(registry_key(root), as_of.isoformat())
        self.columns: dict[str, list] = {name: [] for name in _COLUMNS}
        self.values: dict[str, list] = {name: [] for name in _TIMELINE_NAMES}
        self.warned: dict[str, list] = {}
        self.base_id: str | None = None
        base = self._columns_of(cachefile.read(self.path))
        if base is not None:
            self.columns, self.values, self.warned = base[0], base[1], dict(base[2])
            self.base_id = base[3]
        self.base_size = len(self.columns["paths"])  # rows [0, base_size) are FILE's, the rest DELTA's
        self.where = dict(zip(self.columns["paths"], range(self.base_size), strict=True))
        if self.base_id is not None:
            self._apply_delta(cachefile.read(self.delta_path))
        self._rows: list[tuple] | None = None
        self.kept: list[int] = []
        self.added: list[tuple] = []  # (column values, timeline values, warnings) of new results

    def _columns_of(self, doc, base: str | None = None):
        """``(columns, timeline values, warned, id)`` of a file of this key and layout (a delta:
        of the base ``base``), or None."""
        if not (
            isinstance(doc, dict)
            and doc.get("key") == self.key
            and doc.get("fields") == list(_TIMELINE_NAMES)
            and isinstance(doc.get("warned"), dict)
            and isinstance(doc.get("id"), str)
            and doc.get("base") == base
        ):
            return None
        columns = {name: doc.get(name) for name in _COLUMNS}
        values = {name: doc.get(f"t_{name}") for name in _TIMELINE_NAMES}
        every = [*columns.values(), *values.values()]
        if not all(isinstance(c, list) for c in every) or len({len(c) for c in every}) != 1:
            return None
        return columns, values, doc["warned"], doc["id"]

    def _apply_delta(self, doc) -> None:
        delta = self._columns_of(doc, self.base_id)
        dropped = doc.get("dropped") if delta is not None else None
        if delta is None or not isinstance(dropped, list):
            return
        columns, values, warned, _id = delta
        for path in dropped:
            self.where.pop(path, None)
            self.warned.pop(path, None)
        start = self.base_size
        for name in _COLUMNS:
            self.columns[name] = self.columns[name] + columns[name]
        for name in _TIMELINE_NAMES:
            self.values[name] = self.values[name] + values[name]
        for k, path in enumerate(columns["paths"]):
            self.where[path] = start + k
            self.warned.pop(path, None)
        self.warned.update(warned)

    def _decoded_rows(self) -> list[tuple]:
        """The timeline field values of every stored entry (dates as dates), decoded once."""
        if self._rows is None:
            try:
                cols = [self._decoded(name, self.values[name]) for name in _TIMELINE_NAMES]
            except (TypeError, ValueError, OverflowError):  # not what this module wrote: unusable
                cols = None
            if cols is None:
                self.where = {}
                self._rows = []
            else:
                self._rows = list(zip(*cols, strict=True)) if cols else []
        return self._rows

    @staticmethod
    def _decoded(name: str, column: list) -> list:
        if name not in _DATE_FIELDS:
            return column
        return cachefile.dates_of_ordinals(column)

    def take(self, path: str, blob: str | None, pub_sha: str | None):
        """``(Timeline, warnings, entry key or None, item code, authority)`` stored for this record
        file (``blob``) published by commit ``pub_sha`` (None: a preview), kept for the next
        build; None when there is none (one call per record: 100,000 of them)."""
        i = self.where.get(path)
        if i is None or blob is None:
            return None
        columns = self.columns
        if columns["blobs"][i] != blob or columns["pub_shas"][i] != pub_sha:
            return None
        rows = self._rows if self._rows is not None else self._decoded_rows()
        if not rows:
            return None
        self.kept.append(i)
        timeline = object.__new__(Timeline)  # frozen: fill its __dict__ directly (5x cheaper)
        timeline.__dict__.update(zip(_TIMELINE_NAMES, rows[i], strict=True))
        problems = self.warned.get(path) if self.warned else None
        notes = [Problem(*p) for p in problems] if problems else []
        return timeline, notes, columns["keys"][i], columns["items"][i], columns["authorities"][i]

    def take_all(self, paths: list[str], blobs: list, pub_shas: list) -> list:
        """``take`` for every record at once (``paths[i]``, ``blobs[i]``, ``pub_shas[i]``): a list
        of results or None, in that order. One pass with local names: 100,000 method calls and
        attribute look-ups were a quarter of a warm build's evaluation."""
        where_get = self.where.get
        old_blobs, old_pubs = self.columns["blobs"], self.columns["pub_shas"]
        found = [
            None if i is None or blob is None or old_blobs[i] != blob or old_pubs[i] != pub else i
            for i, blob, pub in zip(map(where_get, paths), blobs, pub_shas, strict=True)
        ]
        hits = [i for i in found if i is not None]
        if not hits:
            return found
        rows = self._rows if self._rows is not None else self._decoded_rows()
        if not rows:
            return [None] * len(found)
        self.kept.extend(hits)
        keys, items, authorities = self.columns["keys"], self.columns["items"], self.columns["authorities"]
        warned = self.warned or {}
        new, names, update = object.__new__, _TIMELINE_NAMES, dict.update
        out: list = []
        append = out.append
        for i, path in zip(found, paths, strict=True):
            if i is None:
                append(None)
                continue
            timeline = new(Timeline)  # frozen: fill its __dict__ directly (5x cheaper)
            update(timeline.__dict__, zip(names, rows[i], strict=True))
            problems = warned.get(path)
            notes = [Problem(*p) for p in problems] if problems else []
            append((timeline, notes, keys[i], items[i], authorities[i]))
        return out

    def put(
        self, record, pub_sha: str | None, timeline: Timeline, warnings: list[Problem], key: str | None
    ) -> None:
        """Store a new result; ``key`` None: the entry's key is not reusable (computed each build)."""
        if record.blob_sha is None:
            return
        values = tuple(
            v.toordinal() if k in _DATE_FIELDS and v is not None else v
            for k, v in ((k, getattr(timeline, k)) for k in _TIMELINE_NAMES)
        )
        problems = [(p.file, p.line, p.path, p.code, p.message, p.severity) for p in warnings]
        row = (record.path, record.blob_sha, pub_sha, key, record.item, record.authority)
        self.added.append((row, values, problems))

    def save(self) -> None:
        if self.path is None:
            return
        kept, added = self.kept, self.added
        if not added and len(kept) == len(self.where):
            return  # every stored result was used as it is (each path once)
        base_size = self.base_size
        # Rows of FILE to keep are those used now; what the delta holds: the other rows used now.
        from_delta = [i for i in kept if i >= base_size]
        if self.base_id is not None and (len(from_delta) + len(added)) * self.DELTA_SHARE <= len(kept) + len(
            added
        ):
            used = set(kept)
            paths = self.columns["paths"]
            dropped = [paths[i] for i in range(base_size) if i not in used]
            doc = self._doc(from_delta, base=self.base_id)
            doc["dropped"] = dropped
            cachefile.write(self.delta_path, doc)
            return
        cachefile.write(self.path, self._doc(kept))
        if self.delta_path is not None:
            with contextlib.suppress(OSError):
                self.delta_path.unlink(missing_ok=True)

    def _doc(self, rows: list[int], base: str | None = None) -> dict:
        """The file holding the stored rows ``rows`` and this run's new results."""
        doc: dict = {"key": self.key, "fields": list(_TIMELINE_NAMES), "base": base}
        added = self.added
        for c, name in enumerate(_COLUMNS):
            old = self.columns[name]
            doc[name] = [old[i] for i in rows] + [row[c] for row, _v, _p in added]
        for c, name in enumerate(_TIMELINE_NAMES):
            old = self.values[name]
            doc[f"t_{name}"] = [old[i] for i in rows] + [values[c] for _r, values, _p in added]
        paths = self.columns["paths"]
        warned = {paths[i]: self.warned[paths[i]] for i in rows if paths[i] in self.warned}
        warned.update((row[0], problems) for row, _v, problems in added if problems)
        doc["warned"] = warned
        doc["id"] = digest(self.key, str(time.time_ns()), str(len(doc["paths"])))
        return doc

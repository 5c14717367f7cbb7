"""The timeline cache: the time rules' result for each record file, kept between builds.

The time rules are pure functions of the record file, its publication, the registry and the as-of
date, so a rebuild on the same day evaluates only new and changed records. The file
(``cache/gongshi/timelines.marshal``) is only a shortcut, like every build cache
(``gongshi.core.cachefile``).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path

from gongshi.core import cachefile
from gongshi.core.keys import digest
from gongshi.core.problems import Problem
from gongshi.core.records import Record
from gongshi.core.timeline import Timeline
from gongshi.repo.registrykey import registry_key


class TimelineCache:
    """``{record path: (blob id, publication, timeline fields, warnings, entry key, (item code,
    authority))}`` for one as-of date and one registry (departments, catalog, policy, calendar).
    The entry's output key (``snapshot.build.Entry.key``) is a function of the same inputs and is
    kept too."""

    FILE = "timelines.marshal"

    def __init__(self, root: Path, as_of: date):
        self.path = cachefile.cache_path(root, self.FILE)
        self.key = digest(registry_key(root), as_of.isoformat())
        self.old: dict[str, tuple] = {}
        self.new: dict[str, tuple] = {}
        doc = cachefile.read(self.path)
        if isinstance(doc, dict) and doc.get("key") == self.key and isinstance(doc.get("entries"), dict):
            self.old = doc["entries"]

    @staticmethod
    def _publication(publication) -> tuple | None:
        if publication is None or publication.date is None:
            return None
        return (publication.date.toordinal(), publication.sha, bool(publication.preview))

    def get(self, record: Record, publication):
        """``(Timeline, warnings, entry key, (item code, authority))`` when this record file and
        publication were evaluated before."""
        hit = self.old.get(record.path)
        if hit is None or record.blob_sha is None or hit[0] != record.blob_sha:
            return None
        if hit[1] != self._publication(publication):
            return None
        self.new[record.path] = hit
        timeline = object.__new__(Timeline)  # frozen: fill its __dict__ directly (5x cheaper)
        timeline.__dict__.update(
            (k, date.fromordinal(v) if v is not None and k in _DATE_FIELDS else v)
            for k, v in zip(_TIMELINE_NAMES, hit[2], strict=True)
        )
        return timeline, [Problem(*p) for p in hit[3]] if hit[3] else [], hit[4], hit[5]

    def put(self, record: Record, publication, timeline, warnings: list[Problem], key: str) -> None:
        if record.blob_sha is None:
            return
        values = tuple(
            v.toordinal() if k in _DATE_FIELDS and v is not None else v
            for k, v in ((k, getattr(timeline, k)) for k in _TIMELINE_NAMES)
        )
        problems = [(p.file, p.line, p.path, p.code, p.message, p.severity) for p in warnings]
        # The record's catalog item and authority too: a rebuild then never unpacks a kept record.
        refs = (record.item, record.authority)
        self.new[record.path] = (record.blob_sha, self._publication(publication), values, problems, key, refs)

    def save(self) -> None:
        if self.path is not None and self.new != self.old:
            cachefile.write(self.path, {"key": self.key, "entries": self.new})


def _timeline_layout() -> tuple[tuple[str, ...], frozenset[str]]:
    names = tuple(f.name for f in fields(Timeline))
    # Annotations are strings (``from __future__ import annotations``); dates are stored as ordinals.
    dates = frozenset(f.name for f in fields(Timeline) if f.type in ("date", "date | None"))
    return names, dates


_TIMELINE_NAMES, _DATE_FIELDS = _timeline_layout()

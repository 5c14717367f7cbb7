"""The state of the whole repository on one day: the single input of the site, search, exports and
statistics. Built once per build; everything downstream only reads it.

``build_snapshot`` validates every file (a build with errors stops), reads the publication history
from Git in one pass, and applies the disclosure regime to every record as of the given date.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from pathlib import Path

from gongshi.check.validate import ValidationResult, validate_repository
from gongshi.core import gcpause
from gongshi.core.keys import digest
from gongshi.core.problems import Problem
from gongshi.core.records import CatalogItem, Department, Record
from gongshi.core.timeline import LISTED, PUBLIC_STATES, WITHDRAWN, Timeline
from gongshi.history.cache import scan_history_cached
from gongshi.history.log import Change, HistoryIndex, scan_history
from gongshi.repo.files import Registry
from gongshi.rules.policy import Policy, evaluate
from gongshi.rules.workdays import Calendar
from gongshi.snapshot.timelines import TimelineCache


class SnapshotError(Exception):
    """The repository cannot be published as it is; ``problems`` say why (Chinese messages)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass
class Entry:
    """One record with everything the output needs to know about it."""

    record: Record
    timeline: Timeline
    history: list[Change]
    department: Department
    item: CatalogItem | None

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def state(self) -> str:
        return self.timeline.state

    @property
    def is_public(self) -> bool:
        return self.timeline.state in PUBLIC_STATES

    @cached_property
    def key(self) -> str:
        """A digest of everything about this record that any output shows: the file (Git blob id),
        the time rules' result (not the as-of date itself: a record whose state and dates did not
        change keeps its key from one day to the next) and its catalog item. Output shards key on
        the keys of their entries plus ``Snapshot.registry_key`` (department names etc.)."""
        r, t = self.record, self.timeline
        timeline = [getattr(t, f.name) for f in _TIMELINE_FIELDS]
        return digest(r.id, r.path, r.blob_sha or repr(r.data), repr(timeline), repr(self.item))

    @property
    def sort_key(self) -> tuple:
        """Newest first: publication date, then decision date, then id (stable and deterministic)."""
        t = self.timeline
        pub = t.published_at or t.decision_date
        return (-pub.toordinal(), -t.decision_date.toordinal(), self.record.id)


# Every Timeline field but the as-of date and the ``rule`` sentence (which names the as-of date;
# only ``gongshi explain`` prints it — an output that shows it must key on the as-of date too).
_TIMELINE_FIELDS = tuple(f for f in fields(Timeline) if f.name not in ("as_of", "rule"))


def month_parts(entries: list[Entry]) -> list[tuple[int, int]]:
    """Contiguous ranges of ``entries`` covering them all, one per month of publication when the
    entries are in the snapshot's order (publication date, newest first): each boundary is found
    by bisection, so only the part keys read every entry. Any other order still gives a partition
    (parts are then arbitrary; what is computed per part is the same). The parts that statistics
    and the subject masker cache their results by (under ``core.keys.entries_key`` of a part)."""
    out = []
    i, n = 0, len(entries)
    while i < n:
        t = entries[i].timeline
        first = (t.published_at or t.decision_date).replace(day=1)
        j = bisect.bisect_right(entries, -first.toordinal(), lo=i + 1, key=_newest_first)
        out.append((i, j))
        i = j
    return out


def _newest_first(e: Entry) -> int:
    t = e.timeline
    return -(t.published_at or t.decision_date).toordinal()  # Entry.sort_key[0]


@dataclass
class Snapshot:
    root: Path
    as_of: date
    registry: Registry
    policy: Policy
    calendar: Calendar
    entries: list[Entry]  # every valid record, newest first
    head: str | None  # the commit built (None outside Git)
    warnings: list[Problem] = field(default_factory=list)

    @cached_property
    def registry_key(self) -> str:
        """Departments, catalog items and policy as the output shows them (not the calendar: its
        effect is in each entry's timeline)."""
        reg = self.registry
        depts = [(k, repr(d), repr(sorted(d.data.items()))) for k, d in sorted(reg.departments.items())]
        return digest(repr(depts), repr(sorted(reg.catalog.items())), repr(self.policy))

    def public(self, kind: str | None = None) -> list[Entry]:
        """Records that may appear on the site today (rolling list + query period)."""
        return [e for e in self.entries if e.is_public and (kind is None or e.record.kind == kind)]

    def listed(self, kind: str | None = None) -> list[Entry]:
        return [e for e in self.entries if e.state == LISTED and (kind is None or e.record.kind == kind)]

    def withdrawal_notices(self) -> list[Entry]:
        """Withdrawn records that had been public before their withdrawal: their page is a notice
        (文号, 机关, 状态, 日期, 原因; no party, no facts). A decision withdrawn before it was ever
        published gets no notice: it was never public. Worked out once (pages, feeds and the API
        all ask; fork workers inherit the answer)."""
        return list(self._withdrawal_notices)

    @cached_property
    def _withdrawal_notices(self) -> tuple[Entry, ...]:
        out = []
        for e in self.entries:
            t = e.timeline
            if e.state != WITHDRAWN or t.published_at is None or t.published_at > self.as_of:
                continue
            if t.withdrawn_on is not None and t.published_at >= t.withdrawn_on:
                continue
            out.append(e)
        return tuple(out)

    def by_department(self, entries: Iterable[Entry]) -> dict[str, list[Entry]]:
        out: dict[str, list[Entry]] = {k: [] for k in sorted(self.registry.departments)}
        for e in entries:
            out.setdefault(e.record.authority, []).append(e)
        return out


def build_snapshot(
    root: Path, as_of: date, *, validation: ValidationResult | None = None, cache: bool = False
) -> Snapshot:
    """Validate, read history and evaluate every record. Raises SnapshotError when it must not publish.
    ``cache``: reuse validated records, the history and the timelines of earlier builds
    (``check``'s record cache, ``history.cache``, ``snapshot.timelines``)."""
    result = validation or validate_repository(root, as_of=as_of, cache=cache)
    if result.errors:
        raise SnapshotError(f"有 {len(result.errors)} 个错误，网站未生成。", result.errors)
    # The history, the timelines and 100,000 entries are many small objects and no cycles.
    with gcpause.paused():
        timelines = None
        if cache:
            history: HistoryIndex = scan_history_cached(root)
            timelines = TimelineCache(root, as_of)
        else:
            history = scan_history(root)
        policy = Policy.from_data(result.registry.policy)
        calendar = Calendar.load(root)
        warnings = list(result.warnings) + list(history.warnings)
        entries: list[Entry] = []
        _evaluate_all(result, history, as_of, policy, calendar, timelines, entries, warnings)
        if timelines is not None:
            timelines.save()
        entries.sort(key=lambda e: e.sort_key)
    return Snapshot(root, as_of, result.registry, policy, calendar, entries, history.head, warnings)


def _evaluate_all(result, history, as_of, policy, calendar, timelines, entries, warnings) -> None:
    """One Entry per valid record into ``entries`` (timelines from the cache where it has them)."""
    for record in result.records:
        changes = history.changes.get(record.path, [])
        published = history.publication(record.path, as_of)
        hit = timelines.get(record, published) if timelines is not None else None
        if hit is None:
            item_code, authority = record.item, record.authority
            item = result.registry.catalog.get(item_code)
            timeline, notes = evaluate(record, as_of, published, calendar, policy, item)
        else:
            timeline, notes, key, (item_code, authority) = hit
            item = result.registry.catalog.get(item_code)
        warnings.extend(notes)
        entry = Entry(
            record=record,
            timeline=timeline,
            history=changes,
            department=result.registry.departments[authority],
            item=item,
        )
        if hit is not None:
            entry.__dict__["key"] = key  # the cached_property, from the same inputs
        elif timelines is not None:
            timelines.put(record, published, timeline, notes, entry.key)
        entries.append(entry)

"""The state of the whole repository on one day: the single input of the site, search, exports and
statistics. Built once per build; everything downstream only reads it.

``snapshot.load.load`` makes it: it validates every file (a build with errors stops), reads the
publication history from Git in one pass, and applies the disclosure regime to every record as of
the given date.
"""

from __future__ import annotations

import bisect
import secrets
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from gongshi.core.keys import digest
from gongshi.core.problems import Problem
from gongshi.core.records import CatalogItem, Department, Record
from gongshi.core.timeline import LISTED, PUBLIC_STATES, WITHDRAWN, Timeline
from gongshi.history.log import Change
from gongshi.repo.files import Registry
from gongshi.rules.policy import Policy
from gongshi.rules.workdays import Calendar


@dataclass
class Entry:
    """One record with everything the output needs to know about it."""

    record: Record
    timeline: Timeline
    history: list[Change]
    department: Department
    item: CatalogItem | None
    # The party names of the record's earlier versions (the public projection masks them too).
    past_names: tuple[str, ...] = ()
    # The record's public projection (``public.record.public_record``, a layer above: set there,
    # once per build; typed loosely because this layer cannot import it). Not an init field, so
    # ``dataclasses.replace`` (a changed record) starts without the old projection.
    projection: Any = field(default=None, init=False, repr=False, compare=False)

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
        parts = [r.id, r.path, r.blob_sha or repr(r.data), repr(timeline), repr(self.item)]
        if self.past_names:  # only then, so keys kept from before past names existed stay valid
            parts.append(repr(self.past_names))
        return digest(*parts)

    @property
    def authority_name(self) -> str:
        """The authority's name in force on the decision date (a renamed department's old
        decisions keep the name they were made under)."""
        return self.department.name_on(self.record.decision_date)

    @property
    def authority_uscc(self) -> str:
        """The authority's credit code in force on the decision date."""
        return self.department.uscc_on(self.record.decision_date)

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
    caches its results by (under ``core.keys.entries_key`` of a part)."""
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
    # The ids of the records whose entry may differ from the snapshot this repository's cache
    # last saw (``previous_state``): added, removed, changed or re-evaluated records (an ``Entry.key``
    # that differs, or an entry that appears or disappears). None: unknown (caches off, no earlier
    # snapshot, another code version or registry): a consumer then does a full pass. A consumer
    # that keeps state between builds stores ``state`` with it and trusts ``changed_ids`` only
    # when its stored state is ``previous_state`` (another command may have loaded a snapshot in
    # between).
    changed_ids: frozenset[str] | None = None
    state: str | None = None  # a digest naming this snapshot's entries (None without caches)
    previous_state: str | None = None  # ``state`` of the snapshot ``changed_ids`` is against
    # The documents of the earlier versions the loader parsed for the past names, by blob id (None:
    # it does not load), for the ledger's early work; the site writer drops them once that work
    # has forked (``sitewrite.write_site``: megabytes at 100,000 records).
    versions: dict[str, dict | None] = field(default_factory=dict, repr=False, compare=False)
    # Names this snapshot object among the build's processes (forks inherit it): work started
    # early for it (``site.early``) answers with it, and an answer for another snapshot is not
    # taken.
    token: str = field(default_factory=lambda: secrets.token_hex(8), repr=False, compare=False)

    @cached_property
    def registry_key(self) -> str:
        """Departments, catalog items and policy as the output shows them (not the calendar: its
        effect is in each entry's timeline)."""
        reg = self.registry
        depts = [(k, repr(d), repr(sorted(d.data.items()))) for k, d in sorted(reg.departments.items())]
        return digest(repr(depts), repr(sorted(reg.catalog.items())), repr(self.policy))

    @cached_property
    def keys_text(self) -> str:
        """Every entry's key (``Entry.key``), one per line in the entries' order: made once per
        build (the build's forks inherit it) for those that compare it with an earlier build's
        (``snapshot.changes``, the site writer's scheduling, the ledger's state)."""
        return "\n".join([e.key for e in self.entries])

    def department_name_on(self, key: str, day: date | None) -> str:
        """The name of department ``key`` in force on ``day`` (the key itself when unknown)."""
        d = self.registry.departments.get(key)
        return d.name_on(day) if d is not None else key

    def department_uscc_on(self, key: str, day: date | None) -> str:
        """The credit code of department ``key`` in force on ``day`` ("" when unknown)."""
        d = self.registry.departments.get(key)
        return d.uscc_on(day) if d is not None else ""

    def public(self, kind: str | None = None) -> list[Entry]:
        """Records that may appear on the site today (rolling list + query period)."""
        return [e for e in self.entries if e.is_public and (kind is None or e.record.kind == kind)]

    def listed(self, kind: str | None = None) -> list[Entry]:
        return [e for e in self.entries if e.state == LISTED and (kind is None or e.record.kind == kind)]

    def withdrawal_notices(self) -> list[Entry]:
        """Withdrawn records committed by the as-of date: their page is a notice (文号, 机关, 状态,
        日期, 原因; no party, no facts). A decision revoked before its first publication goes
        straight to a notice too (nothing published ever disappears without one). Worked out once
        (pages, feeds and the API all ask; fork workers inherit the answer)."""
        return list(self._withdrawal_notices)

    @cached_property
    def _withdrawal_notices(self) -> tuple[Entry, ...]:
        out = []
        for e in self.entries:
            t = e.timeline
            if e.state != WITHDRAWN or t.published_at is None or t.published_at > self.as_of:
                continue
            out.append(e)
        return tuple(out)

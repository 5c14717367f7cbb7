"""One report batch: which rows to send, worked out from the snapshot and the ledger (data only;
``files`` and ``exchange`` deliver it, the command records it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import gcpause
from gongshi.core.clock import CHINA_TZ
from gongshi.core.records import KINDS
from gongshi.report import columns as col
from gongshi.report.digests import cache_key, load_digests, row_key, save_digests
from gongshi.report.ledger import Batch, batch_id, delivered, next_sequence
from gongshi.report.rows import Unsealer, is_reported, long_term_text, report_row

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot


@dataclass
class PlannedBatch:
    """The rows of a batch by kind (keyed by Chinese names), in a stable order: decision date, id."""

    batch_id: str
    sequence: int
    as_of: str
    head: str | None
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    new: int = 0  # rows never sent before
    updated: int = 0  # rows sent before whose content changed (or re-sent in a full report)

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def records(self) -> dict[str, str]:
        return {row[col.RECORD_ID]: row[col.CONTENT_DIGEST] for rows in self.rows.values() for row in rows}

    def as_recorded(self, target: str, when: datetime | None = None) -> Batch:
        when = when or datetime.now(CHINA_TZ)
        return Batch(
            batch_id=self.batch_id,
            sequence=self.sequence,
            time=when.isoformat(timespec="seconds"),
            as_of=self.as_of,
            head=self.head,
            target=target,
            records=self.records(),
        )


def plan_batch(
    snapshot: Snapshot,
    batches: list[Batch],
    unsealer: Unsealer,
    *,
    since_last: bool,
    kinds: tuple[str, ...] = KINDS,
    cache_root: Path | None = None,
) -> PlannedBatch:
    """Every reported record (``since_last``: only those new or changed since the ledger's batches).

    With ``cache_root``, each record's row digest is kept between runs (``report.digests``): a
    ``since_last`` batch then builds only the rows of records whose entry changed, and of those the
    ledger has not seen."""
    with gcpause.paused():  # 100,000 rows of small dicts: no cycles to collect
        return _plan(snapshot, batches, unsealer, since_last, kinds, cache_root)


def _plan(
    snapshot: Snapshot,
    batches: list[Batch],
    unsealer: Unsealer,
    since_last: bool,
    kinds: tuple[str, ...],
    cache_root: Path | None,
) -> PlannedBatch:
    sent = delivered(batches)
    long_term = long_term_text(snapshot)
    key = cache_key(snapshot, bool(unsealer.identities)) if cache_root is not None else ""
    known = load_digests(cache_root, key) if cache_root is not None and since_last else {}
    digests: dict[str, str] = {}
    rows: dict[str, list[tuple[tuple, dict[str, str]]]] = {k: [] for k in kinds}
    new = updated = 0
    for entry in snapshot.entries:
        r = entry.record
        if r.folder_kind not in rows:
            continue
        entry_key = row_key(entry) if cache_root is not None else None
        current = known.get(entry_key) if entry_key else None  # "": a 国家秘密 stub, never reported
        row = None
        if current is None:
            if is_reported(entry):
                row = report_row(entry, snapshot, unsealer, long_term)
                current = row[col.CONTENT_DIGEST]
            else:
                current = ""
        if entry_key:
            digests[entry_key] = current
        if current == "":
            continue
        before = sent.get(r.id)
        if since_last and before == current:
            continue
        if row is None:
            row = report_row(entry, snapshot, unsealer, long_term)
        if before is None:
            row[col.CHANGE] = col.CHANGE_NEW
            new += 1
        else:
            row[col.CHANGE] = col.CHANGE_UPDATE
            updated += 1
        rows[r.folder_kind].append(((entry.timeline.decision_date, r.id), row))
    if cache_root is not None and not unsealer.failures and digests != known:
        save_digests(cache_root, key, digests)
    ordered = {k: [row for _, row in sorted(v, key=lambda x: x[0])] for k, v in rows.items()}
    sequence = next_sequence(batches)
    records = {row[col.RECORD_ID]: row[col.CONTENT_DIGEST] for v in ordered.values() for row in v}
    bid = batch_id(sequence, records)
    for v in ordered.values():
        for row in v:
            row[col.BATCH] = bid
    return PlannedBatch(bid, sequence, snapshot.as_of.isoformat(), snapshot.head, ordered, new, updated)

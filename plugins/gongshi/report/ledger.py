"""The report ledger: which record versions went to the credit office, batch by batch.

One JSON file per batch under ``reports/ledger/`` of the data repository (committed by the user,
never by the build; one file per batch, so two clerks' batches never conflict in Git). A batch file
holds its id, sequence number, time, as-of date, the commit reported and every record sent with the
content digest of its row. Replaying the files in sequence order gives what the receiver holds;
``--since-last`` sends exactly the rows whose digest differs from it (new or changed records), so
nothing is sent twice and nothing is skipped.

A batch id is its sequence number and a digest of its content: re-running the same batch (after a
crash between delivery and the ledger file) makes the same id, which the exchange database
recognises as already delivered.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gongshi.core.keys import digest

LEDGER_DIR = "reports/ledger"
BATCH_FORMAT = "gongshi-report-batch/1"


class LedgerError(Exception):
    """A ledger file that cannot be read; the message is one Chinese sentence naming the file."""


@dataclass(frozen=True)
class Batch:
    """One batch as recorded: ``records`` maps record id → content digest of the row sent."""

    batch_id: str
    sequence: int
    time: str  # ISO 8601 with offset (China time)
    as_of: str
    head: str | None
    target: str  # "file:<name>" or "database:<dialect>"
    records: dict[str, str]

    def to_json(self) -> dict:
        return {
            "format": BATCH_FORMAT,
            "batch": self.batch_id,
            "sequence": self.sequence,
            "time": self.time,
            "as_of": self.as_of,
            "head": self.head,
            "target": self.target,
            "records": [[rid, d] for rid, d in sorted(self.records.items())],
        }


def batch_id(sequence: int, records: dict[str, str]) -> str:
    """``000007-1a2b3c4d``: the sequence number and a digest of the (record id, digest) pairs."""
    pairs = "\n".join(f"{rid} {d}" for rid, d in sorted(records.items()))
    return f"{sequence:06d}-{digest(BATCH_FORMAT, pairs)[:8]}"


def ledger_dir(root: Path) -> Path:
    return Path(root) / LEDGER_DIR


def read_batches(root: Path) -> list[Batch]:
    """Every recorded batch in sequence order."""
    folder = ledger_dir(root)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        rel = f"{LEDGER_DIR}/{path.name}"
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            batch = Batch(
                batch_id=str(doc["batch"]),
                sequence=int(doc["sequence"]),
                time=str(doc["time"]),
                as_of=str(doc["as_of"]),
                head=doc.get("head"),
                target=str(doc.get("target", "")),
                records={str(rid): str(d) for rid, d in doc["records"]},
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LedgerError(
                f"上报台账文件 {rel} 无法读取（{exc.__class__.__name__}）：请从 Git 历史恢复它"
            ) from exc
        if doc.get("format") != BATCH_FORMAT or path.stem != batch.batch_id:
            raise LedgerError(f"上报台账文件 {rel} 的格式或批次号不对：请从 Git 历史恢复它")
        out.append(batch)
    out.sort(key=lambda b: b.sequence)
    seen = [b.sequence for b in out]
    if len(set(seen)) != len(seen):
        raise LedgerError(
            f"上报台账 {LEDGER_DIR} 中有重复的批次序号：两次上报并行记录了同一序号，请核对后删除其一"
        )
    return out


def delivered(batches: Iterable[Batch]) -> dict[str, str]:
    """What the receiver holds: each record's digest as last sent."""
    state: dict[str, str] = {}
    for b in batches:
        state.update(b.records)
    return state


def next_sequence(batches: list[Batch]) -> int:
    return batches[-1].sequence + 1 if batches else 1


def record_batch(root: Path, batch: Batch) -> Path:
    """Write the batch file (atomically: a crash leaves the old ledger or the new one, never half a
    file). Writing the same batch again replaces it with the same content."""
    folder = ledger_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{batch.batch_id}.json"
    data = json.dumps(batch.to_json(), ensure_ascii=False, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".batch-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

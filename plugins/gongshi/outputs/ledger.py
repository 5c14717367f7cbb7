"""The public publication ledger (``ledger/``): every publication event of the site, append-only,
in a Merkle tree (RFC 9162, ``core.merkle``) whose size and root each build publishes.

An event is one of ``published``, ``corrected``, ``withdrawn``, ``expired``, with its China-time
date, the record id and the SHA-256 of the record's canonical public JSON at that event
(``public.record.PublicRecord.canonical_json``). Events come from the first-parent history of the
data repository (``history.versions``), never from the build's clock, so the ledger is a function
of the repository: a build as of an earlier day gives a prefix of a later build's ledger, and a
rewritten history (amend, rebase, force push) gives a ledger that no longer extends the old one.

A build as of day D holds the events dated before D (the days that are over): two builds on the
same day, before and after a merge, publish the same ledger, and the merge's events join it the
next day. Withheld records never appear; a record withdrawn before it was published neither.

Files (docs/ledger.md): ``ledger/entries/<n>.json.gz`` (entries n×CHUNK … n×CHUNK+CHUNK-1,
gzip-compressed JSON: a third of the size, the hashes being most of it; a full chunk's entries
never change again), ``ledger/head.json`` (size and root of this build) and
``ledger/roots.json`` (size and root at the end of every day with events), plus the page
``ledger.html`` that explains how to keep and check them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from gongshi.core.records import ACTIVE_STATUS, Record
from gongshi.core.timeline import WITHHELD
from gongshi.history.log import Publication
from gongshi.history.versions import version_data
from gongshi.public.record import CANONICAL_FORMAT, project, public_record
from gongshi.rules.policy import evaluate

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

FORMAT = "gongshi-ledger/1"
CHUNK = 1024  # entries per chunk file: a power of two, so a full chunk is a whole subtree
HEAD = "ledger/head.json"
CHUNK_PATH = "ledger/entries/{n}.json.gz"
# The chunk files' gzip level. At 100,000 records level 4 compresses in 0.30 s what level 9 did in
# 0.82 s, for 7.04 MB instead of 6.78. The entries are what is verified and archived copies are
# compared by (``gongshi ledger verify`` reads them decompressed): the compressed bytes are the same
# from build to build, not a promise across levels or zlib versions.
GZIP_LEVEL = 4
ROOTS = "ledger/roots.json"
PAGE = "ledger.html"
TEMPLATE = "ledger.html"
EVENTS = ("published", "corrected", "withdrawn", "expired")
_EVENT_ORDER = {e: n for n, e in enumerate(EVENTS)}
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')  # text json.dumps writes as it is


class LedgerEntry(NamedTuple):
    """One publication event; ``leaf()`` is its leaf in the Merkle tree. A named tuple (ordered
    and compared as one): a cold build makes 200,000 at 100,000 records."""

    date: str  # ISO, China time
    id: str
    event: str
    sha256: str  # hex SHA-256 of the record's canonical public JSON at the event

    def sort_key(self) -> tuple:
        return (self.date, self.id, _EVENT_ORDER.get(self.event, 9), self.sha256)

    def to_json(self) -> dict:
        return {"date": self.date, "event": self.event, "id": self.id, "sha256": self.sha256}

    def leaf(self) -> bytes:
        """The entry as canonical JSON (sorted keys, no whitespace, UTF-8): the bytes hashed."""
        return leaf_bytes(self.date, self.id, self.event, self.sha256)

    @classmethod
    def from_json(cls, doc: object) -> LedgerEntry:
        """An entry read from a chunk file; ValueError when it is not exactly one."""
        if not isinstance(doc, dict) or set(doc) != {"date", "event", "id", "sha256"}:
            raise ValueError("不是账本条目")
        if not all(isinstance(v, str) for v in doc.values()) or doc["event"] not in EVENTS:
            raise ValueError("账本条目的字段不对")
        return cls(doc["date"], doc["id"], doc["event"], doc["sha256"])


def leaf_bytes(day: str, record_id: str, event: str, sha256: str) -> bytes:
    """An entry's leaf (``LedgerEntry.leaf``) from its four values, without making the entry: the
    ledger's tree hashes one per event (200,000 at 100,000 records)."""
    if _PLAIN.fullmatch(day + event + record_id + sha256):
        # Nothing JSON escapes: the same bytes as ``canonical``, at a fifth of the cost.
        return f'{{"date":"{day}","event":"{event}","id":"{record_id}","sha256":"{sha256}"}}'.encode()
    return canonical({"date": day, "event": event, "id": record_id, "sha256": sha256})


def canonical(doc: object) -> bytes:
    """Deterministic JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(canonical_json: bytes) -> str:
    return hashlib.sha256(canonical_json).hexdigest()


# ---------------------------------------------------------------- events from the history


@dataclass
class _Version:
    day: date
    record: Record | None  # None: the file was deleted
    timeline: object | None
    names_before: tuple[str, ...]


def record_events(
    snapshot: Snapshot,
    entry: Entry,
    blobs: dict[str, bytes],
    parsed: Mapping[str, dict | None] | None = None,
) -> list[LedgerEntry]:
    """Every event of one record, from its first-parent versions (all dates, as-of not applied).
    ``blobs``: the bytes of its earlier versions (``history.versions.read_blobs``), or ``parsed``:
    their documents, by blob id."""
    if (single := single_version(entry)) is not None:
        return _single_events(snapshot, entry, single)
    rid = entry.id
    versions = _versions(snapshot, entry, blobs, parsed or {})
    out: list[LedgerEntry] = []
    state: str | None = None  # None, "public", "withdrawn", "withheld", "expired"
    last_hash = ""
    until: date | None = None
    for v in versions:
        if state == "public" and (ends := _day_after(until)) is not None and ends <= v.day:
            out.append(LedgerEntry(ends.isoformat(), rid, "expired", last_hash))
            state = "expired"
        cls = _class(v)
        if state == "public":
            if cls == "public":
                h = _hash(snapshot, entry, v)
                if h != last_hash:
                    out.append(LedgerEntry(v.day.isoformat(), rid, "corrected", h))
                    last_hash = h
                until = v.timeline.disclosure_until  # type: ignore[union-attr]
            elif cls == "withdrawn":
                h = _hash(snapshot, entry, v)
                out.append(LedgerEntry(v.day.isoformat(), rid, "withdrawn", h))
                state, last_hash = "withdrawn", h
            else:  # withheld or deleted afterwards: the last public content is what was withdrawn
                out.append(LedgerEntry(v.day.isoformat(), rid, "withdrawn", last_hash))
                state = "withheld"
        elif cls == "public":
            v_until = v.timeline.disclosure_until  # type: ignore[union-attr]
            if v_until is not None and v_until < v.day:
                continue  # its period was over when it arrived (a late 补录): never shown
            last_hash = _hash(snapshot, entry, v)
            out.append(LedgerEntry(v.day.isoformat(), rid, "published", last_hash))
            state, until = "public", v_until
    if state == "public" and (ends := _day_after(until)) is not None:
        out.append(LedgerEntry(ends.isoformat(), rid, "expired", last_hash))
    return out


def single_version(entry: Entry) -> date | None:
    """The date of a record's one version when the current file is that version (most records),
    else None."""
    history = entry.history
    if len(history) != 1:
        return None
    c, blob = history[0], entry.record.blob_sha
    if c.status != "D" and c.blob is not None and (c.blob == blob or blob is None):
        return c.date
    return None


def _single_events(snapshot: Snapshot, entry: Entry, day: date) -> list[LedgerEntry]:
    """``record_events`` of a record with one version, the current file (the loop over versions
    without its objects: a cold build does this for most of 100,000 records)."""
    timeline = entry.timeline
    record = entry.record
    if timeline.state == WITHHELD or record.status != ACTIVE_STATUS:
        return []  # withheld, or withdrawn before it was ever shown
    until = timeline.disclosure_until
    if until is not None and until < day:
        return []  # its period was over when it arrived (a late 补录): never shown
    h = _hash(snapshot, entry, _Version(day, record, timeline, ()))
    rid = entry.id
    out = [LedgerEntry(day.isoformat(), rid, "published", h)]
    if (ends := _day_after(until)) is not None:
        out.append(LedgerEntry(ends.isoformat(), rid, "expired", h))
    return out


def _day_after(until: date | None) -> date | None:
    """The first day a record is no longer public (None: never, or no end the calendar can hold)."""
    return until + timedelta(days=1) if until is not None and until < date.max else None


def _class(v: _Version) -> str:
    if v.record is None:
        return "deleted"
    if v.timeline.state == WITHHELD:  # type: ignore[union-attr]
        return "withheld"
    if v.record.status != ACTIVE_STATUS:
        return "withdrawn"
    return "public"


def _versions(
    snapshot: Snapshot, entry: Entry, blobs: dict[str, bytes], parsed: Mapping[str, dict | None]
) -> list[_Version]:
    """The record's committed versions, oldest first, each with its timeline (evaluated on its own
    date: what is decided about it does not depend on the as-of date) and the party names of the
    versions before it. The current file stands for the newest version when the blobs agree."""
    record = entry.record
    # A record whose one version is the current file never gets here (``_single_events``).
    changes = list(reversed(entry.history))
    if not changes:
        return []
    first = next((c for c in changes if c.status == "A"), changes[0])
    publication = Publication(first.date, first.sha, False)
    out: list[_Version] = []
    names: list[str] = []
    for n, c in enumerate(changes):
        current = n == len(changes) - 1 and (c.blob == record.blob_sha or record.blob_sha is None)
        if c.status == "D" or c.blob is None:
            out.append(_Version(c.date, None, None, tuple(names)))
            continue
        if current:
            rec, timeline = record, entry.timeline
        else:
            doc = parsed[c.blob] if c.blob in parsed else version_data(blobs.get(c.blob, b""), record.path)
            if doc is None:
                continue  # a version that does not load was never published as a record
            rec = Record(record.id, record.path, record.dept, record.folder_kind, record.folder_year, doc)
            item = snapshot.registry.catalog.get(rec.item)
            try:
                timeline, _ = evaluate(rec, c.date, publication, snapshot.calendar, snapshot.policy, item)
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # an old version that the rules cannot read was not a valid record
        out.append(_Version(c.date, rec, timeline, tuple(names)))
        if n == len(changes) - 1:
            break  # the newest version: no version after it masks its name (most records have one)
        # The names the projection masks: a version's party name when that party was a natural
        # person or the party is one now (snapshot.load.past_person_names, the same rule).
        name = rec.party_name.strip() if isinstance(rec.party_name, str) else ""
        if name and name not in names and (rec.is_natural_person or record.is_natural_person):
            names.append(name)
    return out


def _hash(snapshot: Snapshot, entry: Entry, v: _Version) -> str:
    """SHA-256 of the canonical public JSON of version ``v``, masking the names of the versions
    before it (not after: an event's hash never depends on later versions). The current file's
    is the entry's projection (made by the pages already, in a cold build, for a record shown)."""
    rec = v.record
    assert rec is not None
    if rec is entry.record and tuple(entry.past_names) == v.names_before:
        projected = public_record(entry, snapshot.registry.departments, keep=False)
        return content_hash(projected.canonical_json())
    departments = snapshot.registry.departments
    authority = departments.get(rec.authority, entry.department)
    source = departments.get(rec.source_unit, authority)
    item = snapshot.registry.catalog.get(rec.item)
    projected = project(
        rec,
        authority=authority,
        source=source,
        item_name=item.name if item else "",
        region_code=authority.region_code,
        past_names=tuple(n for n in v.names_before if n != rec.party_name),
    )
    return content_hash(projected.canonical_json())


# ---------------------------------------------------------------- files


def chunk_bytes(n: int, leaves: list[bytes]) -> bytes:
    """Chunk ``n`` from its entries' leaves (``LedgerEntry.leaf``): valid JSON with one entry per
    line (readable and diffable)."""
    head = f'{{"format":"{FORMAT}","chunk":{n},"first":{n * CHUNK},"entries":[\n'.encode()
    return head + b",\n".join(leaves) + b"\n]}\n"


def head_doc(as_of: date, size: int, root: bytes) -> dict:
    """``ledger/head.json``: what this build published (its size and root)."""
    return {
        "format": FORMAT,
        "record_format": CANONICAL_FORMAT,
        "tree": "RFC 9162 SHA-256",
        "as_of": as_of.isoformat(),
        "size": size,
        "root": root.hex(),
        "chunk_size": CHUNK,
        "chunks": -(-size // CHUNK),
    }

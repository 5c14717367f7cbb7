"""A search index's per-month parts: the records of one month of decision dates form a **group**
(``plan_groups``), tokenized into **pieces** (its postings for each term shard, ``tokenize_group``)
and doc rows. Pieces are cached by the group's key (``PieceCache``), so a rebuild after one changed
record tokenizes one group; ``merge_shard`` joins every group's piece of one term shard into the
shard's files. The index itself (files, keys, meta.json) is built in ``index``; the file format is
described there.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import sub
from pathlib import Path
from typing import Any

from gongshi.core import cachefile
from gongshi.core.records import KINDS
from gongshi.core.timeline import PUBLIC_STATES, WITHDRAWN
from gongshi.outputs.search.tokenize import index_terms
from gongshi.public.record import PublicRecord, public_record

LOCAL_BITS = 32  # the browser numbers a record g * 2**32 + local (exact in a double: g < 2**21)


def month_group(day: date) -> int:
    return (day.year - 1970) * 12 + day.month - 1


def term_shard(term: str, shards: int) -> int:
    """crc32 of the UTF-8 bytes (the same function in search-engine.js); ``shards`` is a power of two."""
    return zlib.crc32(term.encode("utf-8")) & (shards - 1)


def doc_fields(pr: PublicRecord, notice: bool = False) -> list[str]:
    """The searchable fields of a record's public projection, in the order search-engine.js
    rebuilds them from a doc row: the party name, the document number, the party's codes. A
    withdrawal notice names no party: only its document number is searchable."""
    if notice:
        return ["", pr.doc_no]
    return [pr.party_name, pr.doc_no, *(value for _key, value in pr.party_codes)]


def is_notice(entry) -> bool:
    """An indexed entry that is withdrawn is a withdrawal notice (``plan_groups`` lets in only
    the notices the site publishes)."""
    return entry.timeline.state == WITHDRAWN


def doc_row(
    entry,
    dept_index: dict[str, int],
    fields: list[str] | None = None,
    *,
    departments: Mapping[str, Any] | None = None,
) -> list:
    """A doc row: id, name, document number, kind, department, decision date, codes; a withdrawal
    notice has an eighth element, its status (撤销, 变更 ...), and neither name nor codes."""
    pr = public_record(entry, departments if departments is not None else {})
    notice = is_notice(entry)
    name, doc_no, *codes = fields if fields is not None else doc_fields(pr, notice)
    row = [
        pr.id,
        name,
        doc_no,
        KINDS.index(pr.kind),
        dept_index[entry.department.key],
        entry.timeline.decision_date.isoformat(),
        codes,
    ]
    if notice:
        row.append(pr.status)
    return row


def dumps(obj: Any) -> bytes:
    """Compact JSON with sorted keys: the bytes of every index file."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


@dataclass
class Group:
    number: int  # months since 1970-01 of the decision date
    entries: list  # local order: decision date, then record id
    key: str | None = None  # digest of ``chunk_keys`` (incremental builds only)
    chunk_keys: list[str] | None = None  # entries_key of each doc chunk's entries


def plan_groups(
    entries: Iterable[Any], notice_ids: frozenset[str] = frozenset()
) -> tuple[list[Group], list[list[str]]]:
    """Public entries and the withdrawal notices (``notice_ids``: the ids of
    ``Snapshot.withdrawal_notices``) → groups newest first, and the department table
    [[key, name], ...]."""
    dept_names: dict[str, str] = {}
    by_group: dict[int, list] = {}
    for e in entries:  # every public record on every build: keep this loop lean
        t = e.timeline
        if t.state not in PUBLIC_STATES and not (t.state == WITHDRAWN and e.record.id in notice_ids):
            continue
        dept = e.department  # the registry entry of record.authority
        dept_names[dept.key] = dept.name
        d = t.decision_date
        g = (d.year - 1970) * 12 + d.month - 1
        members = by_group.get(g)
        if members is None:
            members = by_group[g] = []
        members.append((d, e.record.id, e))
    groups = []
    for g in sorted(by_group, reverse=True):
        members = by_group[g]
        if len(members) >= 1 << LOCAL_BITS:
            raise ValueError(f"搜索索引：同一个月的决定超过 {1 << LOCAL_BITS} 条，请调整 LOCAL_BITS。")
        members.sort()  # by date, then id: ids are unique, so entries are never compared
        groups.append(Group(g, [m[2] for m in members]))
    return groups, [[k, dept_names[k]] for k in sorted(dept_names)]


Piece = list  # [(term, [g, local0, delta1, delta2, ...]), ...]: a group's postings in one shard


def tokenize_group(
    group: Group,
    shards: int,
    dept_index: dict[str, int],
    shard_of: dict[str, int] | None = None,
    *,
    sort: bool = False,
    departments: Mapping[str, Any] | None = None,
) -> tuple[dict[int, Piece], list[list]]:
    """The group's postings split by term shard, already in the output's encoding, and its doc
    rows. ``sort``: pieces in term order (their bytes are digested in incremental builds)."""
    shard_of = {} if shard_of is None else shard_of
    postings: dict[str, list[int]] = defaultdict(list)
    rows = []
    for local, e in enumerate(group.entries):
        pr = public_record(e, departments if departments is not None else {})
        fields = doc_fields(pr, is_notice(e))
        rows.append(doc_row(e, dept_index, fields, departments=departments))
        for t in set(index_terms(fields)):
            postings[t].append(local)
    g = group.number
    pieces: dict[int, Piece] = defaultdict(list)
    for t, locals_ in postings.items():  # ~ one pass per (term, group): keep it lean
        s = shard_of.get(t)
        if s is None:
            s = shard_of[t] = term_shard(t, shards)
        pieces[s].append((t, [g, locals_[0], *map(sub, locals_[1:], locals_[:-1])]))
    if sort:
        for piece in pieces.values():
            piece.sort()  # terms are unique in a piece: the lists are never compared
    return pieces, rows


@dataclass
class GroupParts:
    """A group's pieces: decoded (tokenized in this build) or packed (from the cache: one blob of
    version-2 marshal pieces and their offsets), with one 16-byte digest per shard (zeros: no piece)
    in incremental builds. Version 2 has no object references, so equal pieces give equal bytes."""

    pieces: dict[int, Piece] | None = None
    digests: bytes = b""
    offsets: array | None = None
    blob: bytes = b""
    rows: list[list] | None = None  # doc rows, when tokenized in this build

    def piece(self, s: int) -> Piece:
        if self.pieces is not None:
            return self.pieces.get(s, [])
        start, end = self.offsets[s], self.offsets[s + 1]
        return marshal.loads(self.blob[start:end]) if end > start else []

    def digest(self, s: int) -> bytes:
        return self.digests[s * DIGEST : (s + 1) * DIGEST]


DIGEST = 16


def pack(pieces: dict[int, Piece], shards: int, rows: list[list] | None = None) -> GroupParts:
    """Decoded pieces plus what the cache stores and the shard keys need."""
    digests = bytearray(shards * DIGEST)
    offsets = array("I", [0])
    blobs = []
    pos = 0
    for s in range(shards):
        p = pieces.get(s)
        if p:
            b = marshal.dumps(p, 2)
            blobs.append(b)
            pos += len(b)
            digests[s * DIGEST : (s + 1) * DIGEST] = hashlib.blake2b(b, digest_size=DIGEST).digest()
        offsets.append(pos)
    return GroupParts(pieces, bytes(digests), offsets, b"".join(blobs), rows)


def merge_shard(s: int, parts: list[GroupParts], big_df: int) -> tuple[bytes, bytes]:
    """The bytes of ``p/<s>.json`` and ``b/<s>.json`` from every group's piece of shard ``s``
    (groups newest first, as ``parts`` is ordered)."""
    lists: dict[str, list] = {}
    for gp in parts:
        for term, enc in gp.piece(s):
            lst = lists.get(term)
            if lst is None:
                lists[term] = [enc]
            else:
                lst.append(enc)
    small: dict[str, Any] = {}
    big: dict[str, list] = {}
    for term, lst in lists.items():
        df = sum(map(len, lst)) - len(lst)
        if df > big_df:
            # The count and the groups holding the term (newest first, then gaps): a query drops
            # candidates of other groups without fetching the list (a year in a document number).
            groups = [enc[0] for enc in lst]
            small[term] = [df, groups[0], *map(sub, groups[:-1], groups[1:])]
            big[term] = lst
        else:
            small[term] = lst
    return dumps(small), dumps(big)


class PieceCache:
    """``<dir>/<group cache key>.marshal``: a group's packed pieces. Only a shortcut: a missing or
    unreadable file means the group is tokenized again."""

    def __init__(self, folder: Path | None, shards: int):
        self.folder = Path(folder) if folder is not None else None
        self.shards = shards
        self.used: set[str] = set()

    def load(self, key: str) -> GroupParts | None:
        if self.folder is None:
            return None
        self.used.add(key)
        try:
            # Digest-checked plain data (core.cachefile.read); None: missing or refused.
            shards, digests, offsets, blob = cachefile.read(self.folder / f"{key}.marshal")
            table = array("I")
            table.frombytes(offsets)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if shards != self.shards or len(digests) != shards * DIGEST or len(table) != shards + 1:
            return None
        return GroupParts(None, digests, table, blob)

    def store(self, key: str, parts: GroupParts) -> None:
        if self.folder is None:
            return
        self.used.add(key)
        doc = (self.shards, parts.digests, parts.offsets.tobytes(), parts.blob)
        cachefile.write(self.folder / f"{key}.marshal", doc)

    def prune(self) -> None:
        """Remove the files of groups this build did not use (changed or gone)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*.marshal"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)

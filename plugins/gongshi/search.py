"""The static search index: written here, queried in the browser by ``theme/static/js/search-engine.js``
(exact verification with ``tokenize.js``; lunr.js 2.3.9 ranks the verified results "by relevance").

Only records public on the build date are indexed (``Timeline.state`` listed or query); a natural
person's name is indexed and stored in its masked form only (``masking.public_party_name``).

Why this shape (measured with ``bench/bench_search.py`` and ``bench/run.py``; numbers in docs/search.md)
------------------------------------------------------------------------------------------------
A query must download little (≤ 300 KB gzip, ≤ 50 KB for a credit code or document number), and a
rebuild after one changed record must redo work proportional to that record, not to the site. So
the records are split into **groups** (one per month of the decision date: a record never changes
group unless its decision date changes), and everything is derived from per-group parts:

``search/meta.json``
    The groups ``[[g, records], ...]`` newest first (``g`` = months since 1970-01), departments,
    kinds, the number of term shards S and the doc chunk size. Fetched by every query.
``search/p/<s>.json``
    Term shard ``s = crc32(term) % S``: for each term of the shard, its postings
    ``[[g, l0, d1, d2, ...], ...]`` (groups newest first; local ids ascending, delta-encoded), or, for
    a term in more than ``Tuning.big_df`` records, just that number (its list is in ``b/<s>.json``).
    A query fetches the shards of its terms (≈ 1 KB each at 100k), learns every term's document
    frequency, and intersects from the rarest term up.
``search/b/<s>.json``
    The postings of the shard's frequent terms (公司, 有限, 2024 ...), fetched only when a query has
    no rarer term or must narrow a large candidate set.
``search/d/<g>/<c>.json``
    Doc rows of group ``g``, ``Tuning.doc_chunk`` per file by local id: id, name (masked), document
    number, kind, department, decision date and codes. They serve display and exact verification:
    no result is shown unless its own fields match the query (bigram AND does not check adjacency).
``search/f/<g>.json``
    ``department × kinds + kind`` per local id, fetched only when such a filter is used. Year
    filters are groups.

A record's id is ``(g, local)``, local = its position in the group ordered by decision date then
record id, oldest first: a new decision is appended to its month, so the ids of the others stay.

Incremental build (``incremental=True``, what ``gongshi build`` does with caches on)
    Each group is tokenized once into *pieces* (its postings for each term shard) which are cached
    in ``cache/gongshi/search/`` by the group's key (``snapshot.entries_key`` of its entries, the
    shard count and the code). A term shard's file key is the digest of every group's piece digest
    for that shard, so one changed record re-tokenizes one group and rewrites only the shards whose
    postings changed, its doc chunk, its group's facets and meta.json; every other file is kept by
    ``site.write_keyed`` without being computed. A cold build (no cache) writes the same bytes.

The alternatives measured (docs/search.md): lunr indexes partitioned by term (the first design)
cost ~25 bytes per posting and a whole rebuild on any change (19-32 s at 100k); one lunr index is
3.4 MB gzip at 10k and 17 MB at 50k.

Output is deterministic: sorted keys, no timestamps, the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .identifiers import USCC_PLACEHOLDER
from .masking import public_party_name
from .records import KINDS, PARTY_CODE_KEYS
from .timeline import PUBLIC_STATES
from .tokenize import tokens

FORMAT_VERSION = 2
SEARCH_PAGE = "search.html"  # the page (theme template of the same name) that queries the index
LOCAL_BITS = 20  # the browser numbers a record g * 2**20 + local (a month holds < 2**20 decisions)
PARALLEL_MIN = 4000  # records below which the pool costs more than it saves


@dataclass(frozen=True)
class Tuning:
    """Size knobs (defaults chosen by measurement at 10k-100k records; tests shrink them)."""

    doc_chunk: int = 64  # records per doc-store file (≈ 2 KB gzip)
    shard_docs: int = 48  # S = the power of two ≥ records / shard_docs (≈ 1 KB per term shard)
    min_shards: int = 4
    max_shards: int = 8192
    big_df: int = 256  # a term in more records than this keeps its postings in b/<s>.json


def shard_count(records: int, tuning: Tuning) -> int:
    """Powers of two only, so the count changes (and every shard is rebuilt) rarely."""
    s = tuning.min_shards
    while s < tuning.max_shards and s * tuning.shard_docs < records:
        s *= 2
    return s


def month_group(day: date) -> int:
    return (day.year - 1970) * 12 + day.month - 1


def group_year(g: int) -> int:
    return 1970 + g // 12


def term_shard(term: str, shards: int) -> int:
    """crc32 of the UTF-8 bytes (the same function in search-engine.js); ``shards`` is a power of two."""
    return zlib.crc32(term.encode("utf-8")) & (shards - 1)


def _codes(record) -> tuple[str, ...]:
    party = record.party
    out = []
    for key in PARTY_CODE_KEYS:
        value = str(party.get(key, "") or "").strip()
        if value and value != USCC_PLACEHOLDER and not record.is_natural_person:
            out.append(value)
    return tuple(out)


def doc_fields(record) -> list[str]:
    """The searchable fields, in the order search-engine.js rebuilds them from a doc row."""
    return [public_party_name(record), record.doc_no, *_codes(record)]


def doc_row(entry, dept_index: dict[str, int]) -> list:
    r = entry.record
    return [
        r.id,
        public_party_name(r),
        r.doc_no,
        KINDS.index(r.kind),
        dept_index[r.authority],
        entry.timeline.decision_date.isoformat(),
        list(_codes(r)),
    ]


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _digest(*parts) -> str:
    from .buildcache import digest

    return digest(*parts)


# --------------------------------------------------------------------------------------------
# Groups and their pieces


@dataclass
class Group:
    number: int  # months since 1970-01 of the decision date
    entries: list  # local order: decision date, then record id
    key: str | None = None  # digest of ``chunk_keys`` (incremental builds only)
    chunk_keys: list[str] | None = None  # entries_key of each doc chunk's entries


def plan_groups(entries: Iterable[Any]) -> tuple[list[Group], list[list[str]]]:
    """Public entries → groups newest first, and the department table [[key, name], ...]."""
    dept_names: dict[str, str] = {}
    keyed = []
    for i, e in enumerate(entries):
        t = e.timeline
        if t.state not in PUBLIC_STATES:
            continue
        r = e.record
        authority = r.authority
        if authority not in dept_names:
            dept_names[authority] = e.department.name
        d = t.decision_date
        keyed.append(((d.year - 1970) * 12 + d.month - 1, d, r.id, i, e))
    keyed.sort(key=lambda k: (-k[0], k[1], k[2], k[3]))
    groups: list[Group] = []
    for k in keyed:
        if not groups or groups[-1].number != k[0]:
            groups.append(Group(k[0], []))
        groups[-1].entries.append(k[4])
    return groups, [[k, dept_names[k]] for k in sorted(dept_names)]


Piece = list  # [[term, [local, ...]], ...] sorted by term


def group_pieces(entries: list, shards: int, shard_of: dict[str, int] | None = None) -> dict[int, Piece]:
    """The group's postings split by term shard: ``{s: [[term, locals], ...]}``."""
    shard_of = {} if shard_of is None else shard_of
    postings: dict[str, list[int]] = {}
    for local, e in enumerate(entries):
        doc_terms: list[str] = []
        for f in doc_fields(e.record):
            doc_terms.extend(tokens(f))
        for t in dict.fromkeys(doc_terms):
            lst = postings.get(t)
            if lst is None:
                postings[t] = [local]
            else:
                lst.append(local)
    pieces: dict[int, Piece] = {}
    for t in sorted(postings):
        s = shard_of.get(t)
        if s is None:
            s = shard_of[t] = term_shard(t, shards)
        pieces.setdefault(s, []).append([t, postings[t]])
    return pieces


@dataclass
class GroupParts:
    """A group's pieces: decoded (tokenized in this build) or packed (from the cache: one blob of
    version-2 marshal pieces and their offsets), with one 16-byte digest per shard (zeros: no piece)
    in incremental builds. Version 2 has no object references, so equal pieces give equal bytes."""

    pieces: dict[int, Piece] | None = None
    digests: bytes = b""
    offsets: array | None = None
    blob: bytes = b""

    def piece(self, s: int) -> Piece:
        if self.pieces is not None:
            return self.pieces.get(s, [])
        start, end = self.offsets[s], self.offsets[s + 1]
        return marshal.loads(self.blob[start:end]) if end > start else []

    def digest(self, s: int) -> bytes:
        return self.digests[s * DIGEST : (s + 1) * DIGEST]


DIGEST = 16


def pack(pieces: dict[int, Piece], shards: int) -> GroupParts:
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
    return GroupParts(pieces, bytes(digests), offsets, b"".join(blobs))


def _merge_shard(s: int, groups: list[Group], parts: list[GroupParts], big_df: int) -> tuple[bytes, bytes]:
    """The bytes of ``p/<s>.json`` and ``b/<s>.json`` from every group's piece of shard ``s``."""
    lists: dict[str, list] = {}
    df: dict[str, int] = {}
    for group, gp in zip(groups, parts, strict=True):
        g = group.number
        for term, locals_ in gp.piece(s):
            enc = [g]
            prev = 0
            for n in locals_:
                enc.append(n - prev)
                prev = n
            lst = lists.get(term)
            if lst is None:
                lists[term] = [enc]
                df[term] = len(locals_)
            else:
                lst.append(enc)
                df[term] += len(locals_)
    small: dict[str, Any] = {}
    big: dict[str, list] = {}
    for term, lst in lists.items():
        if df[term] > big_df:
            small[term] = df[term]
            big[term] = lst
        else:
            small[term] = lst
    return _dumps(small), _dumps(big)


# --------------------------------------------------------------------------------------------
# Cache of group pieces (incremental builds)


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
            with open(self.folder / f"{key}.marshal", "rb") as fh:
                shards, digests, offsets, blob = marshal.load(fh)
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
        from .buildcache import _write_atomic

        self.used.add(key)
        doc = (self.shards, parts.digests, parts.offsets.tobytes(), parts.blob)
        _write_atomic(self.folder / f"{key}.marshal", marshal.dump, doc)

    def prune(self) -> None:
        """Remove the files of groups this build did not use (changed or gone)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*.marshal"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Output


class FolderOutput:
    """The plain output of ``write_search_index`` without a site: ``out_dir/search`` is replaced."""

    def __init__(self, out_dir: Path):
        self.root = Path(out_dir)
        base = self.root / "search"
        if base.exists():
            shutil.rmtree(base)

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def write_keyed(self, rel: str, key: str, produce: Callable[[], bytes]) -> None:
        self.write(rel, produce())


class _Counting:
    """Counts files and produced bytes for the stats."""

    def __init__(self, output, incremental: bool):
        self.output = output
        self.incremental = incremental
        self.files = 0
        self.produced = 0
        self.bytes = 0

    def _made(self, data: bytes) -> bytes:
        self.produced += 1
        self.bytes += len(data)
        return data

    def write(self, rel: str, data: bytes) -> None:
        self.files += 1
        self.output.write(rel, self._made(data))

    def keyed(self, rel: str, key: Callable[[], str], produce: Callable[[], bytes]) -> None:
        self.files += 1
        if self.incremental:
            self.output.write_keyed(rel, key(), lambda: self._made(produce()))
        else:
            self.output.write(rel, self._made(produce()))


# Fork-pool workers read these (inherited at fork, never pickled); cleared after each pool.
_POOL: dict = {}


def _pool_pieces(bounds: tuple[int, int]) -> list[dict[int, Piece]]:
    groups, shards = _POOL["groups"], _POOL["shards"]
    shard_of: dict[str, int] = {}
    return [group_pieces(g.entries, shards, shard_of) for g in groups[bounds[0] : bounds[1]]]


def _pool_merge(bounds: tuple[int, int]) -> list[tuple[bytes, bytes]]:
    groups, parts, big_df = _POOL["groups"], _POOL["parts"], _POOL["big_df"]
    return [_merge_shard(s, groups, parts, big_df) for s in range(bounds[0], bounds[1])]


def _in_pool(fn, jobs: list, workers: int, **shared) -> list:
    import multiprocessing

    _POOL.update(shared)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [x for chunk in pool.map(fn, jobs) for x in chunk]
    finally:
        _POOL.clear()


def _bounds(n: int, parts: int) -> list[tuple[int, int]]:
    step = max(1, -(-n // parts))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


def write_search_index(
    entries: Iterable[Any],
    out_dir: Path,
    *,
    record_url: str = "records/{id}/",
    workers: int | None = None,
    tuning: Tuning = Tuning(),
    output: Any = None,
    incremental: bool = False,
    cache_dir: Path | None = None,
) -> dict:
    """Write the index under ``search/`` for the public entries; return sizes and counts.

    ``record_url`` is the record page URL relative to the site root, with ``{id}``. ``output`` has
    ``write(rel, bytes)`` and ``write_keyed(rel, key, produce)`` (``sitewrite.SiteOutput``); without
    it ``out_dir/search`` is replaced. ``incremental``: compute input keys (entries must have
    ``.key``) so that ``output.write_keyed`` keeps unchanged files, and reuse the group pieces cached
    in ``cache_dir``.
    """
    out = _Counting(output if output is not None else FolderOutput(out_dir), incremental)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    groups, depts = plan_groups(entries)
    n_docs = sum(len(g.entries) for g in groups)
    shards = shard_count(n_docs, tuning)
    dept_index = {k: i for i, (k, _name) in enumerate(depts)}
    dept_keys = [k for k, _ in depts]
    cache = PieceCache(cache_dir if incremental else None, shards)

    # Group pieces: from the cache, or tokenized (in a fork pool when there are many).
    from .snapshot import entries_key

    def cache_key(g: Group) -> str:
        from .buildcache import code_version

        return _digest(code_version(), FORMAT_VERSION, shards, g.key)

    parts: list[GroupParts | None] = [None] * len(groups)
    chunk = tuning.doc_chunk
    if incremental:
        for i, g in enumerate(groups):
            g.chunk_keys = [entries_key(g.entries[c : c + chunk]) for c in range(0, len(g.entries), chunk)]
            g.key = _digest(*g.chunk_keys)
            parts[i] = cache.load(cache_key(g))
    todo = [i for i, p in enumerate(parts) if p is None]
    todo_docs = sum(len(groups[i].entries) for i in todo)
    if workers > 1 and todo_docs >= PARALLEL_MIN and len(todo) > 1:
        todo_groups = [groups[i] for i in todo]
        computed = _in_pool(
            _pool_pieces, _bounds(len(todo), workers * 4), workers, groups=todo_groups, shards=shards
        )
    else:
        shard_of: dict[str, int] = {}
        computed = [group_pieces(groups[i].entries, shards, shard_of) for i in todo]
    for i, pieces in zip(todo, computed, strict=True):
        if incremental:
            parts[i] = pack(pieces, shards)
            cache.store(cache_key(groups[i]), parts[i])
        else:
            parts[i] = GroupParts(pieces)

    # Term shards: a shard's key is every group's piece digest for it.
    numbers = repr([g.number for g in groups])

    def shard_key(s: int) -> str:
        pieces = b"".join(gp.digests[s * DIGEST : (s + 1) * DIGEST] for gp in parts)
        return _digest(FORMAT_VERSION, shards, tuning.big_df, numbers, pieces)

    merged: dict[int, tuple[bytes, bytes]] = {}
    if not incremental and workers > 1 and n_docs >= PARALLEL_MIN:
        done = _in_pool(
            _pool_merge,
            _bounds(shards, workers * 4),
            workers,
            groups=groups,
            parts=parts,
            big_df=tuning.big_df,
        )
        merged = dict(enumerate(done))

    def shard_bytes(s: int) -> tuple[bytes, bytes]:
        if s not in merged:
            merged[s] = _merge_shard(s, groups, parts, tuning.big_df)
        return merged[s]

    for s in range(shards):
        key = shard_key(s) if incremental else ""
        out.keyed(f"search/p/{s}.json", lambda k=key: _digest("p", k), lambda s=s: shard_bytes(s)[0])
        out.keyed(f"search/b/{s}.json", lambda k=key: _digest("b", k), lambda s=s: shard_bytes(s)[1])
        merged.pop(s, None)

    # Doc rows and facets, per group.
    table = repr(dept_keys)
    for g in groups:
        members = g.entries
        for c in range(0, len(members), chunk):
            part = members[c : c + chunk]
            out.keyed(
                f"search/d/{g.number}/{c // chunk}.json",
                lambda g=g, c=c: _digest("d", FORMAT_VERSION, chunk, table, g.chunk_keys[c // chunk]),
                lambda part=part: _dumps([doc_row(e, dept_index) for e in part]),
            )
        out.keyed(
            f"search/f/{g.number}.json",
            lambda g=g: _digest("f", FORMAT_VERSION, table, g.key),
            lambda g=g: _dumps(
                [dept_index[e.record.authority] * len(KINDS) + KINDS.index(e.record.kind) for e in g.entries]
            ),
        )

    meta = {
        "version": FORMAT_VERSION,
        "records": n_docs,
        "record_url": record_url,
        "kinds": list(KINDS),
        "depts": depts,
        "groups": [[g.number, len(g.entries)] for g in groups],
        "shards": shards,
        "doc_chunk": chunk,
        "local_bits": LOCAL_BITS,
    }
    out.write("search/meta.json", _dumps(meta))
    cache.prune()
    return {
        "records": n_docs,
        "groups": len(groups),
        "shards": shards,
        "tokenized_groups": len(todo),
        "files": out.files,
        "produced": out.produced,
        "bytes": out.bytes,
    }


def write_extra(snapshot, out_dir: Path, site) -> dict:
    """Site hook (sitewrite.EXTRA_MODULES): the search page and its index under ``search/``, every
    file through ``site`` (kept without being computed when its inputs did not change)."""
    from .buildcache import cache_dir, enabled

    site.render(SEARCH_PAGE, SEARCH_PAGE, title="搜索")
    incremental = enabled()
    stats = write_search_index(
        snapshot.public(),
        out_dir,
        record_url=site.record_url("{id}"),
        workers=getattr(site, "workers", 1),
        output=site,
        incremental=incremental,
        cache_dir=cache_dir(snapshot.root) / "search" if incremental else None,
    )
    writer = getattr(site, "writer", None)
    if writer is not None and writer.in_place:
        # An in-place build (plain ``pelican content``) keeps old files: drop the index files this
        # build did not write (a group that left the site must not keep its rows).
        from .outputdir import remove_stale

        remove_stale(Path(out_dir), writer.written, ("search",))
    return stats

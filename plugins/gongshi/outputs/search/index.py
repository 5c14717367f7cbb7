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
    Term shard ``s = crc32(term) % S`` (terms: the tokens and the adjacent-run pairs of
    ``tokenize.index_terms``, e.g. ``2024 12`` for a document number): for each term, its postings
    ``[[g, l0, d1, d2, ...], ...]`` (groups newest first; local ids ascending, delta-encoded), or, for
    a term in more than ``Tuning.big_df`` records, ``[records, g0, gap1, gap2, ...]``: the count and
    the groups holding it (its list is in ``b/<s>.json``).
    A query fetches the shards of its terms four at a time (≈ 1.5 KB each at 100k; pairs and whole
    ASCII tokens first), intersects the lists it got, drops candidates outside a frequent term's
    groups, and stops once verifying the newest 48 candidates needs at most 6 doc files.
``search/b/<s>.json``
    The postings of the shard's frequent terms (公司, 有限, 2024 ...), fetched only when the shards
    alone leave too many candidates (rarest first, at most three).
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
    in ``cache/gongshi/search/`` by the group's key (``core.keys.entries_key`` of its entries, the
    shard count and the code). A term shard's file key is the digest of every group's piece digest
    for that shard, so one changed record re-tokenizes one group and rewrites only the shards whose
    postings changed, its doc chunk, its group's facets and meta.json; every other file is kept by
    ``site.write_keyed`` without being computed. A cold build (no cache) writes the same bytes.

Credit codes and document numbers need no exact-key map: a code is one rare token, and a document
number's pairs (``2024 12``, ``12 号``) with its year's groups leave one or two candidates.

The alternatives measured (docs/search.md): lunr indexes partitioned by term (the first design)
cost ~25 bytes per posting and a whole rebuild on any change (19-32 s at 100k); one lunr index is
3.4 MB gzip at 10k and 17 MB at 50k. This design at 100k (43,929 public records): 2.6 s cold,
0.3 s after one changed record, 11.5 MB raw.

Output is deterministic: sorted keys, no timestamps, the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import shutil
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from operator import sub
from pathlib import Path
from typing import Any

from gongshi.core import cachefile, gcpause
from gongshi.core.identifiers import USCC_PLACEHOLDER
from gongshi.core.keys import code_version, digest, entries_key
from gongshi.core.records import KINDS, NATURAL_PERSON, PARTY_CODE_KEYS
from gongshi.core.timeline import PUBLIC_STATES
from gongshi.core.workers import default_workers
from gongshi.outputs.search.tokenize import index_terms
from gongshi.public.masking import public_party_name

FORMAT_VERSION = 2
SEARCH_PAGE = "search.html"  # the page (theme template of the same name) that queries the index
LOCAL_BITS = 32  # the browser numbers a record g * 2**32 + local (exact in a double: g < 2**21)
PARALLEL_MIN = 4000  # records below which the pool costs more than it saves


@dataclass(frozen=True)
class Tuning:
    """Size knobs (defaults chosen by measurement at 10k-100k records; tests shrink them)."""

    doc_chunk: int = 64  # records per doc-store file (≈ 2 KB gzip)
    shard_docs: int = 64  # S = the power of two ≥ records / shard_docs (≈ 1.5 KB gzip per shard)
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


def term_shard(term: str, shards: int) -> int:
    """crc32 of the UTF-8 bytes (the same function in search-engine.js); ``shards`` is a power of two."""
    return zlib.crc32(term.encode("utf-8")) & (shards - 1)


def _codes(record) -> tuple[str, ...]:
    """The party's codes as published (none for a natural person; the placeholder is no code)."""
    party = record.data.get("party")
    if not isinstance(party, dict) or str(party.get("category", "")) == NATURAL_PERSON:
        return ()
    out = []
    for key in PARTY_CODE_KEYS:
        value = str(party.get(key, "") or "").strip()
        if value and value != USCC_PLACEHOLDER:
            out.append(value)
    return tuple(out)


def doc_fields(record) -> list[str]:
    """The searchable fields, in the order search-engine.js rebuilds them from a doc row."""
    return [public_party_name(record), record.doc_no, *_codes(record)]


def doc_row(entry, dept_index: dict[str, int], fields: list[str] | None = None) -> list:
    r = entry.record
    name, doc_no, *codes = fields if fields is not None else doc_fields(r)
    return [
        r.id,
        name,
        doc_no,
        KINDS.index(r.kind),
        dept_index[entry.department.key],
        entry.timeline.decision_date.isoformat(),
        codes,
    ]


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


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
    by_group: dict[int, list] = {}
    for e in entries:  # every public record on every build: keep this loop lean
        t = e.timeline
        if t.state not in PUBLIC_STATES:
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
) -> tuple[dict[int, Piece], list[list]]:
    """The group's postings split by term shard, already in the output's encoding, and its doc
    rows. ``sort``: pieces in term order (their bytes are digested in incremental builds)."""
    shard_of = {} if shard_of is None else shard_of
    postings: dict[str, list[int]] = defaultdict(list)
    rows = []
    for local, e in enumerate(group.entries):
        fields = doc_fields(e.record)
        rows.append(doc_row(e, dept_index, fields))
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


def _merge_shard(s: int, parts: list[GroupParts], big_df: int) -> tuple[bytes, bytes]:
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


def _pool_tokenize(bounds: tuple[int, int]) -> list[tuple[dict[int, Piece], list[list]]]:
    groups, shards, dept_index, sort = _POOL["groups"], _POOL["shards"], _POOL["dept_index"], _POOL["sort"]
    shard_of: dict[str, int] = {}
    return [tokenize_group(g, shards, dept_index, shard_of, sort=sort) for g in groups[bounds[0] : bounds[1]]]


def _pool_merge(bounds: tuple[int, int]) -> list[tuple[bytes, bytes]]:
    parts, big_df = _POOL["parts"], _POOL["big_df"]
    return [_merge_shard(s, parts, big_df) for s in range(bounds[0], bounds[1])]


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
    with gcpause.paused():  # millions of small acyclic objects
        return _write_index(entries, out_dir, record_url, workers, tuning, output, incremental, cache_dir)


def _write_index(entries, out_dir, record_url, workers, tuning, output, incremental, cache_dir) -> dict:
    out = _Counting(output if output is not None else FolderOutput(out_dir), incremental)
    workers = workers if workers is not None else default_workers()
    groups, depts = plan_groups(entries)
    n_docs = sum(len(g.entries) for g in groups)
    shards = shard_count(n_docs, tuning)
    dept_index = {k: i for i, (k, _name) in enumerate(depts)}
    dept_keys = [k for k, _ in depts]
    cache = PieceCache(cache_dir if incremental else None, shards)

    # Group pieces: from the cache, or tokenized (in a fork pool when there are many).
    def cache_key(g: Group) -> str:
        return digest(code_version(), FORMAT_VERSION, shards, g.key)

    parts: list[GroupParts | None] = [None] * len(groups)
    chunk = tuning.doc_chunk
    if incremental:
        for i, g in enumerate(groups):
            g.chunk_keys = [entries_key(g.entries[c : c + chunk]) for c in range(0, len(g.entries), chunk)]
            g.key = digest(*g.chunk_keys)
            parts[i] = cache.load(cache_key(g))
    todo = [i for i, p in enumerate(parts) if p is None]
    todo_docs = sum(len(groups[i].entries) for i in todo)
    if workers > 1 and todo_docs >= PARALLEL_MIN and len(todo) > 1:
        todo_groups = [groups[i] for i in todo]
        jobs = _bounds(len(todo), workers * 4)
        shared = {"groups": todo_groups, "shards": shards, "dept_index": dept_index, "sort": incremental}
        computed = _in_pool(_pool_tokenize, jobs, workers, **shared)
    else:
        shard_of: dict[str, int] = {}
        computed = [tokenize_group(groups[i], shards, dept_index, shard_of, sort=incremental) for i in todo]
    for i, (pieces, rows) in zip(todo, computed, strict=True):
        if incremental:
            parts[i] = pack(pieces, shards, rows)
            cache.store(cache_key(groups[i]), parts[i])
        else:
            parts[i] = GroupParts(pieces, rows=rows)

    # Term shards: a shard's key is every group's piece digest for it.
    numbers = repr([g.number for g in groups])

    def shard_key(s: int) -> str:
        pieces = b"".join(gp.digests[s * DIGEST : (s + 1) * DIGEST] for gp in parts)
        return digest(FORMAT_VERSION, shards, tuning.big_df, numbers, pieces)

    merged: dict[int, tuple[bytes, bytes]] = {}
    if not incremental and workers > 1 and n_docs >= PARALLEL_MIN:
        done = _in_pool(
            _pool_merge,
            _bounds(shards, workers * 4),
            workers,
            parts=parts,
            big_df=tuning.big_df,
        )
        merged = dict(enumerate(done))

    def shard_bytes(s: int) -> tuple[bytes, bytes]:
        if s not in merged:
            merged[s] = _merge_shard(s, parts, tuning.big_df)
        return merged[s]

    for s in range(shards):
        key = shard_key(s) if incremental else ""
        out.keyed(f"search/p/{s}.json", lambda k=key: digest("p", k), lambda s=s: shard_bytes(s)[0])
        out.keyed(f"search/b/{s}.json", lambda k=key: digest("b", k), lambda s=s: shard_bytes(s)[1])
        merged.pop(s, None)

    # Doc rows and facets, per group.
    table = repr(dept_keys)

    def chunk_rows(i: int, c: int) -> list[list]:
        rows = parts[i].rows
        if rows is not None:
            return rows[c : c + chunk]
        return [doc_row(e, dept_index) for e in groups[i].entries[c : c + chunk]]

    for i, g in enumerate(groups):
        for c in range(0, len(g.entries), chunk):
            out.keyed(
                f"search/d/{g.number}/{c // chunk}.json",
                lambda g=g, c=c: digest("d", FORMAT_VERSION, chunk, table, g.chunk_keys[c // chunk]),
                lambda i=i, c=c: _dumps(chunk_rows(i, c)),
            )
        out.keyed(
            f"search/f/{g.number}.json",
            lambda g=g: digest("f", FORMAT_VERSION, table, g.key),
            lambda g=g: _dumps(
                [dept_index[e.department.key] * len(KINDS) + KINDS.index(e.record.kind) for e in g.entries]
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
    site.render(SEARCH_PAGE, SEARCH_PAGE, title="搜索")
    incremental = cachefile.enabled()
    stats = write_search_index(
        snapshot.entries,  # filtered while grouping (one pass instead of snapshot.public()'s two)
        out_dir,
        record_url=site.record_url("{id}"),
        workers=getattr(site, "workers", 1),
        output=site,
        incremental=incremental,
        cache_dir=cachefile.cache_dir(snapshot.root) / "search" if incremental else None,
    )
    writer = getattr(site, "writer", None)
    if writer is not None and writer.in_place:
        # An in-place build (plain ``pelican content``) keeps old files: drop the index files this
        # build did not write (a group that left the site must not keep its rows).
        from gongshi.site.output import remove_stale

        remove_stale(Path(out_dir), writer.written, ("search",))
    return stats

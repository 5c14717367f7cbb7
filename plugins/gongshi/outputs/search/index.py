"""The static search index: built here, queried in the browser by ``theme/static/js/search-engine.js``
(exact verification with ``tokenize.js``; lunr.js 2.3.9 ranks the verified results "by relevance").
The site hook (the search page and where the files go) is ``hook``; groups, their pieces and the
piece cache are ``pieces``; the terms are ``tokenize``.

Only records public on the build date are indexed (``Timeline.state`` listed or query), and the
withdrawal notices of the site (by document number only, their doc row marked with the status, so
that a withdrawn 文号 leads to its notice, never to its former content); a natural
person's name is indexed and stored in its masked form only (the public projection,
``public.record.PublicRecord``).

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
    in ``cache/gongshi/search/`` by the group's key (``snapshot.entries_key`` of its entries, the
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

import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gongshi.core import gcpause
from gongshi.core.keys import code_version, digest, entries_key
from gongshi.core.records import KINDS
from gongshi.core.workers import default_workers
from gongshi.outputs.search.pieces import (
    DIGEST,
    LOCAL_BITS,
    Group,
    GroupParts,
    Piece,
    PieceCache,
    doc_row,
    dumps,
    merge_shard,
    pack,
    plan_groups,
    tokenize_group,
)
from gongshi.site.output import FileTarget, OutputWriter
from gongshi.site.urls import ORG_PATH

FORMAT_VERSION = 2
ORG_URL = ORG_PATH  # an organisation's page (outputs/orgs): linked from its results
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
    departments = _POOL["departments"]
    shard_of: dict[str, int] = {}
    return [
        tokenize_group(g, shards, dept_index, shard_of, sort=sort, departments=departments)
        for g in groups[bounds[0] : bounds[1]]
    ]


def _pool_merge(bounds: tuple[int, int]) -> list[tuple[bytes, bytes]]:
    parts, big_df = _POOL["parts"], _POOL["big_df"]
    return [merge_shard(s, parts, big_df) for s in range(bounds[0], bounds[1])]


def _in_pool(fn, jobs: list, workers: int, **shared) -> list:
    _POOL.update(shared)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [x for chunk in pool.map(fn, jobs) for x in chunk]
    finally:
        _POOL.clear()


def _bounds(n: int, parts: int) -> list[tuple[int, int]]:
    step = max(1, -(-n // parts))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


@dataclass(frozen=True)
class IndexFile:
    """One file of the index: its site-relative path, its input key (None: always written; a
    function, computed only for an incremental build) and a function that makes its bytes (not
    called when the site keeps the previous file of the same key)."""

    path: str
    key: Callable[[], str] | None
    produce: Callable[[], bytes]


class SearchIndex:
    """The index of the public ``entries``: grouped and tokenized on creation (group pieces from
    the cache or a fork pool), its files made one by one by ``files()``.

    ``record_url`` is the record page URL relative to the site root, with ``{id}``.
    ``departments``: the registry's (``snapshot.registry.departments``), for the records' public
    projection (``public.record.public_record``).
    ``incremental``: compute input keys (entries must have ``.key``) so that unchanged files can
    be kept, and reuse the group pieces cached in ``cache_dir``."""

    def __init__(
        self,
        entries: Iterable[Any],
        *,
        record_url: str = "records/{id}/",
        workers: int | None = None,
        tuning: Tuning = Tuning(),
        incremental: bool = False,
        cache_dir: Path | None = None,
        departments: Mapping[str, Any] | None = None,
        notice_ids: frozenset[str] = frozenset(),
    ):
        self.record_url = record_url
        self.departments = departments if departments is not None else {}
        self.tuning = tuning
        self.incremental = incremental
        self.workers = workers if workers is not None else default_workers()
        self.groups, self.depts = plan_groups(entries, notice_ids)
        self.records = sum(len(g.entries) for g in self.groups)
        self.shards = shard_count(self.records, tuning)
        self.dept_index = {k: i for i, (k, _name) in enumerate(self.depts)}
        self.cache = PieceCache(cache_dir if incremental else None, self.shards)
        self.parts, self.tokenized = self._group_parts()

    def _cache_key(self, g: Group) -> str:
        return digest(code_version(), FORMAT_VERSION, self.shards, g.key)

    def _group_parts(self) -> tuple[list[GroupParts], int]:
        """Every group's pieces: from the cache, or tokenized (in a fork pool when there are many);
        and how many groups were tokenized."""
        groups, shards, dept_index, incremental = self.groups, self.shards, self.dept_index, self.incremental
        parts: list[GroupParts | None] = [None] * len(groups)
        chunk = self.tuning.doc_chunk
        if incremental:
            for i, g in enumerate(groups):
                starts = range(0, len(g.entries), chunk)
                g.chunk_keys = [entries_key(g.entries[c : c + chunk]) for c in starts]
                g.key = digest(*g.chunk_keys)
                parts[i] = self.cache.load(self._cache_key(g))
        todo = [i for i, p in enumerate(parts) if p is None]
        todo_docs = sum(len(groups[i].entries) for i in todo)
        if self.workers > 1 and todo_docs >= PARALLEL_MIN and len(todo) > 1:
            todo_groups = [groups[i] for i in todo]
            jobs = _bounds(len(todo), self.workers * 4)
            shared = {
                "groups": todo_groups,
                "shards": shards,
                "dept_index": dept_index,
                "sort": incremental,
                "departments": self.departments,
            }
            computed = _in_pool(_pool_tokenize, jobs, self.workers, **shared)
        else:
            shard_of: dict[str, int] = {}
            computed = [
                tokenize_group(
                    groups[i], shards, dept_index, shard_of, sort=incremental, departments=self.departments
                )
                for i in todo
            ]
        for i, (pieces, rows) in zip(todo, computed, strict=True):
            if incremental:
                parts[i] = pack(pieces, shards, rows)
                self.cache.store(self._cache_key(groups[i]), parts[i])
            else:
                parts[i] = GroupParts(pieces, rows=rows)
        return parts, len(todo)

    def files(self) -> Iterator[IndexFile]:
        """Every file of the index, term shards first and ``search/meta.json`` last. A term
        shard's bytes are made once for its two files and dropped after the second."""
        groups, parts, shards, tuning = self.groups, self.parts, self.shards, self.tuning
        incremental = self.incremental

        # Term shards: a shard's key is every group's piece digest for it.
        numbers = repr([g.number for g in groups])

        def shard_key(s: int) -> str:
            pieces = b"".join(gp.digests[s * DIGEST : (s + 1) * DIGEST] for gp in parts)
            return digest(FORMAT_VERSION, shards, tuning.big_df, numbers, pieces)

        merged: dict[int, tuple[bytes, bytes]] = {}
        if not incremental and self.workers > 1 and self.records >= PARALLEL_MIN:
            done = _in_pool(
                _pool_merge,
                _bounds(shards, self.workers * 4),
                self.workers,
                parts=parts,
                big_df=tuning.big_df,
            )
            merged = dict(enumerate(done))

        def shard_bytes(s: int) -> tuple[bytes, bytes]:
            if s not in merged:
                merged[s] = merge_shard(s, parts, tuning.big_df)
            return merged[s]

        for s in range(shards):
            key = shard_key(s) if incremental else ""
            yield IndexFile(f"search/p/{s}.json", lambda k=key: digest("p", k), lambda s=s: shard_bytes(s)[0])
            yield IndexFile(f"search/b/{s}.json", lambda k=key: digest("b", k), lambda s=s: shard_bytes(s)[1])
            merged.pop(s, None)

        # Doc rows and facets, per group.
        chunk = tuning.doc_chunk
        dept_index = self.dept_index
        departments = self.departments
        n_kinds = len(KINDS)
        table = repr([k for k, _ in self.depts])

        def chunk_rows(i: int, c: int) -> list[list]:
            rows = parts[i].rows
            if rows is not None:
                return rows[c : c + chunk]
            return [doc_row(e, dept_index, departments=departments) for e in groups[i].entries[c : c + chunk]]

        for i, g in enumerate(groups):
            for c in range(0, len(g.entries), chunk):
                yield IndexFile(
                    f"search/d/{g.number}/{c // chunk}.json",
                    lambda g=g, c=c: digest("d", FORMAT_VERSION, chunk, table, g.chunk_keys[c // chunk]),
                    lambda i=i, c=c: dumps(chunk_rows(i, c)),
                )
            yield IndexFile(
                f"search/f/{g.number}.json",
                lambda g=g: digest("f", FORMAT_VERSION, table, g.key),
                lambda g=g: dumps(
                    [dept_index[e.department.key] * n_kinds + KINDS.index(e.record.kind) for e in g.entries]
                ),
            )

        yield IndexFile("search/meta.json", None, lambda: dumps(self.meta()))

    def meta(self) -> dict:
        """``search/meta.json``: what every query reads first."""
        return {
            "version": FORMAT_VERSION,
            "records": self.records,
            "record_url": self.record_url,
            "org_url": ORG_URL,
            "kinds": list(KINDS),
            "depts": self.depts,
            "groups": [[g.number, len(g.entries)] for g in self.groups],
            "shards": self.shards,
            "doc_chunk": self.tuning.doc_chunk,
            "local_bits": LOCAL_BITS,
        }


def write_search_index(
    entries: Iterable[Any],
    out_dir: Path,
    *,
    record_url: str = "records/{id}/",
    workers: int | None = None,
    tuning: Tuning = Tuning(),
    output: FileTarget | None = None,
    incremental: bool = False,
    cache_dir: Path | None = None,
    departments: Mapping[str, Any] | None = None,
    notice_ids: frozenset[str] = frozenset(),
) -> dict:
    """Write the index under ``search/`` for the public entries and withdrawal notices
    (``SearchIndex``); return sizes and counts.

    ``output`` is the site's (``site.output.SiteOutput``): with ``incremental``, its
    ``write_keyed`` keeps the files whose inputs did not change without making them. Without it,
    ``out_dir/search`` is replaced.
    """
    with gcpause.paused():  # millions of small acyclic objects
        if output is None:
            base = Path(out_dir) / "search"
            if base.exists():
                shutil.rmtree(base)
            output = OutputWriter(Path(out_dir))
        index = SearchIndex(
            entries,
            record_url=record_url,
            workers=workers,
            tuning=tuning,
            incremental=incremental,
            cache_dir=cache_dir,
            departments=departments,
            notice_ids=notice_ids,
        )
        out = _Counting(output, incremental)
        for f in index.files():
            if f.key is None:
                out.write(f.path, f.produce())
            else:
                out.keyed(f.path, f.key, f.produce)
        index.cache.prune()
        return {
            "records": index.records,
            "groups": len(index.groups),
            "shards": index.shards,
            "tokenized_groups": index.tokenized,
            "files": out.files,
            "produced": out.produced,
            "bytes": out.bytes,
        }

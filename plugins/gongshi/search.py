"""The static search index: prebuilt here with the ``lunr`` package, queried in the browser with
lunr.js 2.3.9 (``theme/static/js/search-engine.js``).

Only records public on the build date are indexed (``Timeline.state`` listed or query); a natural
person's name is indexed and stored in its masked form only (``masking.public_party_name``).

Why this shape (measured with ``bench/bench_search.py``; numbers in docs/search.md)
------------------------------------------------------------------------------------
A single lunr index is ~3.4 MB gzip at 10k records and cannot be loaded lazily, so the index is
split so that a query downloads only what it needs:

``search/meta.json``
    Sizes, departments, year → id ranges, and the list of *common* terms with their document
    frequency (df above ``max(common_min_df, common_fraction × N)``, e.g. 公司, 有限, 2024).
``search/p/<h % S>.json``
    The vocabulary of the remaining (rare) terms, hash-partitioned into S small lunr indexes with
    two fields, party name (boost 3) and codes (document number and credit codes). A query loads
    the partitions of a few of its own terms and intersects; the lunr score orders "by relevance".
    S is chosen so a partition holds about ``Tuning.partition_postings`` postings (≈ 15-25 KB gzip).
    lunr's JSON costs ~25 bytes per posting, so a term in half of the records would make
    one partition megabytes big: that is why common terms are kept out of lunr.
``search/c/<i>.json``
    Each common term's postings as a delta-encoded id list (~1 byte per posting gzip; ids are
    newest first, so year-bound terms such as ``2024`` compress to almost nothing). A query uses
    them only when it has no rare term, or to narrow a large candidate set.
``search/k/<h % K>.json``
    Exact-key maps: the canonical form of every document number and credit code → the exact
    ids the search rule (``tokenize.matches``) gives for that query, computed here. A query that
    is a whole document number or code costs one ~10 KB shard plus one doc chunk.
``search/d/<n // doc_chunk>.json``
    The doc store, newest first: id, name (masked), document number, kind, department, date and
    codes. It serves both display and exact verification: no result is shown unless its own
    fields match the query (bigram AND does not check adjacency).
``search/f.json``
    kind and department of every id, loaded only when such a filter is used. Year filters are id
    ranges.

Measured at 100,000 synthetic records (2 vCPU): build 32 s, 12.2 MB gzip in 2,418 files; a query
fetches 9-10 KB for a credit code or document number, 39-61 KB for names, fragments and misses,
25 KB for 公司 (62k results); 0.3-3 ms from data to results. The alternatives measured in the
reference notes: one lunr index is 3.4 MB gzip at 10k (17 MB at 50k), and bigram postings alone
need 1.76 MB for a document number without the key map.

Ids are positions in the newest-first order (decision date descending, then record id), so the
output is deterministic: sorted keys, no timestamps, and the same input gives the same bytes.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr import __TARGET_JS_VERSION__
from lunr.builder import Builder

from .identifiers import USCC_PLACEHOLDER
from .masking import public_party_name
from .records import KINDS, PARTY_CODE_KEYS
from .timeline import PUBLIC_STATES
from .tokenize import canonical, matches, query_terms, tokens

FORMAT_VERSION = 1
SEARCH_PAGE = "search.html"  # the page (theme template of the same name) that queries the index


@dataclass(frozen=True)
class Tuning:
    """Size knobs (defaults chosen by measurement at 10k-100k records; tests shrink them)."""

    doc_chunk: int = 64  # records per doc-store file (≈ 2 KB gzip)
    partition_postings: int = 1500  # target postings per lunr partition (≈ 17 KB gzip)
    key_shard_keys: int = 500  # target keys per exact-key shard (≈ 5 KB gzip)
    common_min_df: int = 100  # a term is common above max(common_min_df, common_fraction × N)
    common_fraction: float = 0.004


NAME_BOOST = 3


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-8: the shard hash, mirrored in search-engine.js."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


@dataclass(frozen=True)
class SearchDoc:
    n: int
    id: str
    name: str  # public form (masked for natural persons)
    doc_no: str
    kind: int  # index into KINDS
    dept: int  # index into meta["depts"]
    date: str
    codes: tuple[str, ...]

    @property
    def fields(self) -> list[str]:
        """The searchable fields, in the order search-engine.js rebuilds them from a doc row."""
        return [self.name, self.doc_no, *self.codes]

    def row(self) -> list:
        return [self.id, self.name, self.doc_no, self.kind, self.dept, self.date, list(self.codes)]


def _codes(record) -> tuple[str, ...]:
    party = record.party
    out = []
    for key in PARTY_CODE_KEYS:
        value = str(party.get(key, "") or "").strip()
        if value and value != USCC_PLACEHOLDER and not record.is_natural_person:
            out.append(value)
    return tuple(out)


def collect_docs(entries: Iterable[Any]) -> tuple[list[SearchDoc], list[list[str]]]:
    """Public entries → newest-first docs, plus the department table [[key, name], ...]."""
    public = [e for e in entries if e.timeline.state in PUBLIC_STATES]
    dept_names = {e.record.authority: e.department.name for e in public}
    depts = sorted(dept_names)
    dept_index = {k: i for i, k in enumerate(depts)}
    public.sort(key=lambda e: (-e.timeline.decision_date.toordinal(), e.record.id))
    docs = [
        SearchDoc(
            n=n,
            id=e.record.id,
            name=public_party_name(e.record),
            doc_no=e.record.doc_no,
            kind=KINDS.index(e.record.kind),
            dept=dept_index[e.record.authority],
            date=e.timeline.decision_date.isoformat(),
            codes=_codes(e.record),
        )
        for n, e in enumerate(public)
    ]
    return docs, [[k, dept_names[k]] for k in depts]


def _dump(path: Path, obj: Any) -> int:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    path.write_bytes(data)
    return len(data)


def _ref(n: int) -> str:
    return format(n, "x")


def _build_partition(args: tuple[list[tuple[int, list[str], list[str]]]]) -> dict:
    (docs,) = args
    if not docs:  # lunr.py cannot build an empty index (average field length 0/0); this is one
        return {
            "version": __TARGET_JS_VERSION__,
            "fields": ["n", "c"],
            "fieldVectors": [],
            "invertedIndex": [],
            "pipeline": [],
        }
    builder = Builder()
    builder.ref("r")
    builder.field("n", boost=NAME_BOOST)
    builder.field("c")
    for n, name_terms, code_terms in docs:
        builder.add({"r": _ref(n), "n": name_terms, "c": code_terms})
    serialized = builder.build().serialize()
    # A field without terms still gets an (empty) vector; lunr.js only looks vectors up for fields
    # that hold a query term, so the empty ones are dead weight.
    serialized["fieldVectors"] = [fv for fv in serialized["fieldVectors"] if fv[1]]
    return serialized


def _delta(ids: list[int]) -> list[int]:
    out, prev = [], 0
    for i in ids:
        out.append(i - prev)
        prev = i
    return out


def write_search_index(
    entries: Iterable[Any],
    out_dir: Path,
    *,
    record_url: str = "records/{id}/",
    workers: int | None = None,
    tuning: Tuning = Tuning(),
) -> dict:
    """Write ``out_dir/search/`` for the public entries; return sizes and counts.

    ``record_url`` is the record page URL relative to the site root, with ``{id}``.
    """
    docs, depts = collect_docs(entries)
    n_docs = len(docs)
    root = Path(out_dir) / "search"
    if root.exists():
        shutil.rmtree(root)
    for sub in ("p", "c", "k", "d"):
        (root / sub).mkdir(parents=True)
    stats = {"records": n_docs, "files": 0, "bytes": 0}

    def dump(rel: str, obj: Any) -> None:
        stats["bytes"] += _dump(root / rel, obj)
        stats["files"] += 1

    # Tokens per doc: name field and code fields (document number + party codes).
    name_tokens = [tokens(d.name) for d in docs]
    code_tokens = [[t for f in (d.doc_no, *d.codes) for t in tokens(f)] for d in docs]
    postings: dict[str, list[int]] = defaultdict(list)
    for d in docs:
        for t in dict.fromkeys(name_tokens[d.n] + code_tokens[d.n]):
            postings[t].append(d.n)

    threshold = max(tuning.common_min_df, math.ceil(tuning.common_fraction * n_docs))
    common = sorted(t for t, p in postings.items() if len(p) > threshold)
    common_set = set(common)
    rare_postings = sum(len(p) for t, p in postings.items() if t not in common_set)
    n_parts = max(1, math.ceil(rare_postings / tuning.partition_postings))

    # Common terms: delta-encoded id lists.
    for i, t in enumerate(common):
        dump(f"c/{i}.json", _delta(postings[t]))

    # Rare terms: hash-partitioned lunr indexes.
    part_docs: list[list[tuple[int, list[str], list[str]]]] = [[] for _ in range(n_parts)]
    part_of = {t: fnv1a(t) % n_parts for t in postings if t not in common_set}
    for d in docs:
        by_part: dict[int, tuple[list[str], list[str]]] = {}
        for t in name_tokens[d.n]:
            if t in part_of:
                by_part.setdefault(part_of[t], ([], []))[0].append(t)
        for t in code_tokens[d.n]:
            if t in part_of:
                by_part.setdefault(part_of[t], ([], []))[1].append(t)
        for p, (nt, ct) in by_part.items():
            part_docs[p].append((d.n, nt, ct))
    jobs = [(pd,) for pd in part_docs]
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers > 1 and n_docs > 2000:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            serialized = pool.map(_build_partition, jobs, chunksize=4)
    else:
        serialized = [_build_partition(j) for j in jobs]
    for p, s in enumerate(serialized):
        dump(f"p/{p}.json", s)

    # Exact keys: whole document numbers and codes → the exact result set of that query.
    # Candidates: the intersection of the key's postings (rarest first), then the match rule.
    key_ids: dict[str, list[int]] = {}
    posting_sets: dict[str, set[int]] = {}

    def posting_set(term: str) -> set[int]:
        if term not in posting_sets:
            posting_sets[term] = set(postings[term])
        return posting_sets[term]

    for d in docs:
        for field in (d.doc_no, *d.codes):
            key = canonical(field)
            if not key or key in key_ids:
                continue
            terms = sorted(query_terms(field), key=lambda t: len(postings[t]))
            if not terms:
                continue
            cands = posting_set(terms[0]).intersection(*(posting_set(t) for t in terms[1:]))
            key_ids[key] = sorted(c for c in cands if matches(field, docs[c].fields))
    n_keys = max(1, math.ceil(len(key_ids) / tuning.key_shard_keys))
    shards: list[dict[str, list[int]]] = [{} for _ in range(n_keys)]
    for key, ids in key_ids.items():
        shards[fnv1a(key) % n_keys][key] = ids
    for i, shard in enumerate(shards):
        dump(f"k/{i}.json", shard)

    # Doc store and facets.
    n_chunks = math.ceil(n_docs / tuning.doc_chunk)
    for c in range(n_chunks):
        dump(f"d/{c}.json", [d.row() for d in docs[c * tuning.doc_chunk : (c + 1) * tuning.doc_chunk]])
    dump("f.json", [d.dept * len(KINDS) + d.kind for d in docs])

    years: dict[str, list[int]] = {}
    for d in docs:
        span = years.setdefault(d.date[:4], [d.n, d.n])
        span[1] = d.n
    meta = {
        "version": FORMAT_VERSION,
        "records": n_docs,
        "record_url": record_url,
        "kinds": list(KINDS),
        "depts": depts,
        "years": years,
        "doc_chunk": tuning.doc_chunk,
        "partitions": n_parts,
        "key_shards": n_keys,
        "common": {t: [i, len(postings[t])] for i, t in enumerate(common)},
    }
    dump("meta.json", meta)
    stats.update(
        terms=len(postings),
        common_terms=len(common),
        partitions=n_parts,
        key_shards=n_keys,
        keys=len(key_ids),
        doc_chunks=n_chunks,
    )
    return stats


def write_extra(snapshot, out_dir: Path, site) -> dict:
    """Site hook (sitewrite.EXTRA_MODULES): the search page and its index under ``search/``.

    The index files are written directly under ``out_dir`` (the folder is rebuilt as a whole; a
    staged build hard-links the unchanged ones afterwards)."""
    site.render(SEARCH_PAGE, SEARCH_PAGE, title="搜索")
    return write_search_index(snapshot.public(), out_dir, record_url=site.record_url("{id}"))

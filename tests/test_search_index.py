"""The search index files: public records only, masked names, exact key maps, determinism."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from gongshi.search import Tuning, collect_docs, fnv1a, write_search_index
from gongshi.tokenize import canonical, matches
from lunr.index import Index

from tests.search_fixture import filler_entries, fixture_entries

SMALL = Tuning(
    doc_chunk=16, partition_postings=120, key_shard_keys=20, common_min_df=10, common_fraction=0.05
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict, list]:
    entries = fixture_entries() + filler_entries(150)
    out = tmp_path_factory.mktemp("site")
    stats = write_search_index(entries, out, tuning=SMALL, workers=1)
    return out / "search", stats, entries


def all_bytes(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*.json")))


def test_only_public_records_are_in_any_file(built):
    root, stats, entries = built
    blob = all_bytes(root).decode("utf-8")
    public = [e for e in entries if e.is_public]
    hidden = [e for e in entries if not e.is_public]
    assert stats["records"] == len(public)
    assert {e.state for e in hidden} == {"expired", "pending", "withheld", "withdrawn"}
    for e in hidden:
        for text in (e.record.id, e.record.doc_no, e.record.party_name, e.record.uscc):
            if text:
                assert text not in blob, (e.state, text)
    rows = [row for p in sorted((root / "d").glob("*.json")) for row in json.loads(p.read_text())]
    assert sorted(r[0] for r in rows) == sorted(e.id for e in public)


def test_natural_person_name_only_masked(built):
    root, _, _ = built
    blob = all_bytes(root).decode("utf-8")
    assert "张三丰" not in blob and "张三" not in blob
    assert "张**" in blob
    # The masked form is what is indexed: its bigrams cannot reveal the given name.
    assert '"三丰"' not in blob


def test_doc_store_is_newest_first_and_years_are_ranges(built):
    root, _, _ = built
    meta = json.loads((root / "meta.json").read_text())
    rows = [row for i in range(meta["records"] // SMALL.doc_chunk + 1) for row in _chunk(root, i)]
    dates = [r[5] for r in rows]
    assert dates == sorted(dates, reverse=True)
    for year, (lo, hi) in meta["years"].items():
        assert all(r[5].startswith(year) for r in rows[lo : hi + 1])


def _chunk(root: Path, i: int) -> list:
    p = root / "d" / f"{i}.json"
    return json.loads(p.read_text()) if p.exists() else []


def test_key_maps_hold_the_exact_result_of_each_key(built):
    root, _, entries = built
    meta = json.loads((root / "meta.json").read_text())
    docs, _ = collect_docs(entries)
    keys = {}
    for p in (root / "k").glob("*.json"):
        for key, ids in json.loads(p.read_text()).items():
            assert int(p.stem) == fnv1a(key) % meta["key_shards"]
            keys[key] = ids
    assert len(keys) == len({canonical(f) for d in docs for f in (d.doc_no, *d.codes)})
    for key, ids in keys.items():
        assert ids == [d.n for d in docs if matches(key, d.fields)], key
    # A document number that is a suffix of another one finds both.
    both = keys[canonical("钟市监罚〔2024〕12号")]
    assert {docs[n].doc_no for n in both} == {"钟市监罚〔2024〕12号", "常钟市监罚〔2024〕12号"}


def test_partitions_load_in_lunr_and_hold_their_terms(built):
    root, stats, _ = built
    meta = json.loads((root / "meta.json").read_text())
    assert stats["partitions"] > 3 and meta["common"], "the small tuning must exercise every path"
    for p in sorted((root / "p").glob("*.json"), key=lambda p: int(p.stem)):
        data = json.loads(p.read_text())
        assert data["pipeline"] == []
        idx = Index.load(data)
        for term, _posting in data["invertedIndex"][:3]:
            assert fnv1a(term) % meta["partitions"] == int(p.stem)
            assert term not in meta["common"]
            assert idx.query(idx.create_query().term(term, use_pipeline=False))


def test_output_is_deterministic(built, tmp_path):
    root, _, entries = built
    write_search_index(list(reversed(entries)), tmp_path, tuning=SMALL, workers=1)
    first = {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.json")}
    again = tmp_path / "search"
    second = {p.relative_to(again): hashlib.sha256(p.read_bytes()).hexdigest() for p in again.rglob("*.json")}
    assert first == second


def test_empty_input_writes_a_valid_empty_index(tmp_path):
    stats = write_search_index([], tmp_path)
    meta = json.loads((tmp_path / "search" / "meta.json").read_text())
    assert stats["records"] == 0 and meta["records"] == 0 and meta["years"] == {}

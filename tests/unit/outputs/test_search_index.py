"""The search index files: public records only, masked names, postings that are exactly the records
holding each term, groups and doc rows in order, determinism."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import date
from pathlib import Path

import pytest
from gongshi.outputs.search.index import Tuning, write_search_index
from gongshi.outputs.search.pieces import LOCAL_BITS, doc_fields, month_group, term_shard
from gongshi.outputs.search.tokenize import index_terms
from gongshi.public.record import public_record

from tests.support.search_fixture import DEPARTMENTS, filler_entries, fixture_entries, make_entry

# Small enough that every path runs: several chunks per group, frequent terms in b/, many shards.
SMALL = Tuning(doc_chunk=2, shard_docs=4, min_shards=4, big_df=8)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict, list]:
    entries = fixture_entries() + filler_entries(150)
    out = tmp_path_factory.mktemp("site")
    stats = write_search_index(entries, out, tuning=SMALL, workers=1)
    return out / "search", stats, entries


def all_bytes(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*.json")))


def load(root: Path, rel: str):
    return json.loads((root / rel).read_text(encoding="utf-8"))


def rows_by_group(root: Path, meta: dict) -> dict[int, list]:
    out = {}
    for g, n in meta["groups"]:
        chunks = -(-n // meta["doc_chunk"])
        out[g] = [row for c in range(chunks) for row in load(root, f"d/{g}/{c}.json")]
        assert len(out[g]) == n
    return out


def decode(entry: list) -> set[tuple[int, int]]:
    out = set()
    for g, *deltas in entry:
        local = 0
        for d in deltas:
            local += d
            out.add((g, local))
    return out


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
    rows = [row for p in sorted((root / "d").rglob("*.json")) for row in load(root, p.relative_to(root))]
    assert sorted(r[0] for r in rows) == sorted(e.id for e in public)


def test_natural_person_name_only_masked(built):
    root, _, _ = built
    blob = all_bytes(root).decode("utf-8")
    assert "张三丰" not in blob and "张三" not in blob
    assert "张**" in blob
    # The masked form is what is indexed: its bigrams cannot reveal the given name.
    assert '"三丰"' not in blob


def test_groups_are_months_newest_first_with_rows_oldest_first(built):
    root, _, entries = built
    meta = load(root, "meta.json")
    numbers = [g for g, _ in meta["groups"]]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) > 10
    by_id = {e.id: e for e in entries}
    for g, rows in rows_by_group(root, meta).items():
        assert all(month_group(by_id[r[0]].timeline.decision_date) == g for r in rows)
        assert [(r[5], r[0]) for r in rows] == sorted((r[5], r[0]) for r in rows)
    facets = {g: load(root, f"f/{g}.json") for g in numbers}
    kinds, depts = meta["kinds"], [d[0] for d in meta["depts"]]
    for g, rows in rows_by_group(root, meta).items():
        for row, f in zip(rows, facets[g], strict=True):
            e = by_id[row[0]]
            assert f == depts.index(e.record.authority) * len(kinds) + kinds.index(e.record.kind)


def test_postings_are_exactly_the_records_holding_each_term(built):
    root, stats, entries = built
    meta = load(root, "meta.json")
    assert meta["local_bits"] == LOCAL_BITS and meta["shards"] == stats["shards"] > 16
    position = {row[0]: (g, i) for g, rows in rows_by_group(root, meta).items() for i, row in enumerate(rows)}
    want: dict[str, set] = {}
    for e in entries:
        if e.is_public:
            for t in set(index_terms(doc_fields(public_record(e, DEPARTMENTS)))):
                want.setdefault(t, set()).add(position[e.id])
    got: dict[str, set] = {}
    frequent = 0
    for s in range(meta["shards"]):
        small, big = load(root, f"p/{s}.json"), load(root, f"b/{s}.json")
        for term, entry in small.items():
            assert term_shard(term, meta["shards"]) == s == zlib.crc32(term.encode()) % meta["shards"]
            if isinstance(entry[0], int):  # a frequent term: count, groups; its list is in b/<s>.json
                frequent += 1
                got[term] = decode(big[term])
                df, first, *gaps = entry
                assert df == len(got[term]) > SMALL.big_df
                held = [first]
                for gap in gaps:
                    held.append(held[-1] - gap)
                assert held == sorted({g for g, _ in got[term]}, reverse=True)
            else:
                got[term] = decode(entry)
                assert len(got[term]) <= SMALL.big_df
            groups = [pair[0] for pair in (big[term] if isinstance(entry[0], int) else entry)]
            assert groups == sorted(groups, reverse=True)
        assert set(big) == {t for t, v in small.items() if isinstance(v[0], int)}
    assert got == want
    assert frequent >= 5 and "公司" in got and "2024 12" in got


def test_output_is_deterministic(built, tmp_path):
    root, _, entries = built
    write_search_index(list(reversed(entries)), tmp_path, tuning=SMALL, workers=1)
    first = {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.json")}
    again = tmp_path / "search"
    second = {p.relative_to(again): hashlib.sha256(p.read_bytes()).hexdigest() for p in again.rglob("*.json")}
    assert first == second


def test_fork_pool_writes_the_same_bytes(built, tmp_path, monkeypatch):
    import gongshi.outputs.search.index

    root, _, entries = built
    monkeypatch.setattr(gongshi.outputs.search.index, "PARALLEL_MIN", 1)
    write_search_index(entries, tmp_path, tuning=SMALL, workers=2)
    assert all_bytes(tmp_path / "search") == all_bytes(root)


def test_empty_input_writes_a_valid_empty_index(tmp_path):
    stats = write_search_index([], tmp_path)
    meta = json.loads((tmp_path / "search" / "meta.json").read_text())
    assert stats["records"] == 0 and meta["records"] == 0 and meta["groups"] == []


def test_withdrawal_notices_are_found_by_document_number_only(tmp_path):
    """Issue 19: a withdrawn decision that was published is indexed as its notice (document number
    and status; no party name, no codes); without ``notice_ids`` it is not indexed at all."""
    notice = make_entry(
        "scjg-cf-2024-0002",
        name="常州撤回测试有限公司",
        doc_no="钟市监罚〔2024〕2号",
        decided=date(2024, 2, 1),
        uscc="91320404MA1W8XYZ3K",
        state="withdrawn",
    )
    notice.record.data["status"] = "撤销"
    public = make_entry(
        "scjg-cf-2024-0003",
        name="常州公示测试有限公司",
        doc_no="钟市监罚〔2024〕3号",
        decided=date(2024, 2, 2),
    )
    write_search_index(
        [notice, public], tmp_path / "a", tuning=SMALL, workers=1, notice_ids=frozenset({notice.id})
    )
    root = tmp_path / "a" / "search"
    rows = [
        row for p in sorted(root.glob("d/*/*.json")) for row in load(root, p.relative_to(root).as_posix())
    ]
    by_id = {row[0]: row for row in rows}
    assert by_id[notice.id][1:3] == ["", "钟市监罚〔2024〕2号"]
    assert by_id[notice.id][6:] == [[], "撤销"]
    assert len(by_id[public.id]) == 7
    index_text = all_bytes(root).decode("utf-8")
    assert "撤回测试" not in index_text and "91320404MA1W8XYZ3K".lower() not in index_text.lower()
    meta = load(root, "meta.json")
    assert meta["records"] == 2 and meta["org_url"] == "org/{uscc}.html"
    write_search_index([notice, public], tmp_path / "b", tuning=SMALL, workers=1)
    assert load(tmp_path / "b" / "search", "meta.json")["records"] == 1

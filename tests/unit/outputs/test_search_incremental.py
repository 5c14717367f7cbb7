"""The search index is rebuilt incrementally: one changed record re-tokenizes only its month group and
rewrites only the term shards whose postings changed (plus its doc chunk, its group's facets and
meta.json); every other file is kept without being computed, and the result equals a cold build."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from gongshi.core.cachefile import cache_path
from gongshi.outputs.search.index import Tuning, write_search_index
from gongshi.outputs.search.pieces import doc_fields, month_group, term_shard
from gongshi.outputs.search.tokenize import index_terms
from gongshi.public.record import public_record
from gongshi.site.manifest import OutputManifest
from gongshi.site.output import OutputWriter, SiteOutput

from tests.support.gitrepo import GitRepo
from tests.support.outputtree import changed
from tests.support.outputtree import files as tree
from tests.support.search_fixture import DEPARTMENTS, filler_entries, fixture_entries, make_entry

SMALL = Tuning(doc_chunk=2, shard_docs=4, min_shards=4, big_df=8)


class Builds:
    """Staged builds like ``gongshi build``: each into a fresh folder, keeping the previous one's
    unchanged files through the output manifest and the group cache."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.repo = tmp_path / "repo"
        GitRepo.init(self.repo)  # caches (the output manifest) exist only in a Git repository
        self.previous: Path | None = None
        self.count = 0
        self.produced: list[str] = []

    def warm(self, entries) -> tuple[dict, dict[str, bytes]]:
        self.count += 1
        out = self.tmp / f"warm-{self.count}"
        manifest = OutputManifest(self.repo, self.tmp / "final")
        writer = OutputWriter(out, self.previous, manifest=manifest)
        site = SiteOutput(out, None, {}, writer)
        self.produced = []
        original = site.write_keyed

        def tracking(rel, key, produce):
            def traced():
                self.produced.append(rel)
                return produce()

            original(rel, key, traced)

        site.write_keyed = tracking
        stats = write_search_index(
            entries,
            out,
            tuning=SMALL,
            workers=1,
            output=site,
            incremental=True,
            cache_dir=cache_path(self.repo, "search"),
        )
        manifest.save()
        self.previous = out
        return stats, tree(out)

    def cold(self, entries) -> dict[str, bytes]:
        self.count += 1
        out = self.tmp / f"cold-{self.count}"
        write_search_index(entries, out, tuning=SMALL, workers=1)
        return tree(out)


@pytest.fixture
def builds(tmp_path, monkeypatch) -> Builds:
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    return Builds(tmp_path)


def renamed(entry, name: str):
    data = {**entry.record.data, "party": {**entry.record.data["party"], "name": name}}
    return replace(entry, record=replace(entry.record, data=data))


def terms_of(entry) -> set[str]:
    return set(index_terms(doc_fields(public_record(entry, DEPARTMENTS))))


def test_one_changed_record_rewrites_only_its_shards_and_warm_equals_cold(builds):
    entries = fixture_entries() + filler_entries(150)
    stats, first = builds.warm(entries)
    assert first == builds.cold(entries)
    assert stats["tokenized_groups"] == stats["groups"] > 10

    # Nothing changed: nothing is tokenized or produced but meta.json (always written, by bytes).
    stats, same = builds.warm(entries)
    assert same == first and stats["tokenized_groups"] == 0 and builds.produced == []

    # One company renamed: its group is tokenized again; the files produced are the shards of the
    # terms it gained or lost, its doc chunk and its group's facets.
    i = next(i for i, e in enumerate(entries) if e.id == "scjg-cf-2022-0007")
    old = entries[i]
    new = renamed(old, "常州恒华精密机械有限公司")
    after = [*entries[:i], new, *entries[i + 1 :]]
    stats, second = builds.warm(after)
    assert stats["tokenized_groups"] == 1
    assert second == builds.cold(after)
    shards = {term_shard(t, stats["shards"]) for t in terms_of(old) ^ terms_of(new)}
    may_change = {f"search/{kind}/{s}.json" for s in shards for kind in ("p", "b")}
    g = month_group(old.timeline.decision_date)
    may_change |= {f"search/f/{g}.json"} | {f"search/d/{g}/{c}.json" for c in range(8)}
    assert set(builds.produced) <= may_change
    assert changed(first, second) <= may_change
    assert any(p.startswith("search/p/") for p in changed(first, second))
    assert sum(p.startswith("search/d/") for p in changed(first, second)) == 1


def test_added_and_withdrawn_records_match_a_cold_build(builds):
    entries = fixture_entries() + filler_entries(120)
    builds.warm(entries)
    # A new decision at the end of a month, and an old one withdrawn (its group's ids shift).
    added = make_entry(
        "scjg-cf-2025-0777",
        name="常州新到贸易有限公司",
        doc_no="钟市监罚〔2025〕777号",
        decided=date(2025, 6, 30),
        uscc="91320404MA1W8NEW7X",
    )
    gone = next(i for i, e in enumerate(entries) if e.id == "scjg-cf-2024-0012")
    withdrawn = make_entry(
        "scjg-cf-2024-0012",
        name="常州华恒机械制造有限公司",
        doc_no="钟市监罚〔2024〕12号",
        decided=date(2024, 3, 5),
        uscc="91320404MA1W8XYZ3K",
        state="withdrawn",
    )
    after = [*entries[:gone], withdrawn, *entries[gone + 1 :], added]
    stats, warm = builds.warm(after)
    assert stats["tokenized_groups"] == 2
    assert warm == builds.cold(after)
    blob = b"".join(warm.values())
    assert "常州新到贸易".encode() in blob and b"91320404MA1W8XYZ3K" not in blob


def test_a_lost_cache_or_output_only_costs_time(builds):
    entries = fixture_entries() + filler_entries(60)
    _, first = builds.warm(entries)
    for path in cache_path(builds.repo, "search").glob("*.marshal"):
        path.write_bytes(b"not marshal")
    stats, again = builds.warm(entries)
    assert again == first and stats["tokenized_groups"] == stats["groups"]
    builds.previous = None  # the previous output is gone: everything is produced again
    stats, third = builds.warm(entries)
    assert third == first and stats["tokenized_groups"] == 0 and len(builds.produced) == len(first) - 1

"""bench/generate.py: a synthetic repository with a realistic Git history (small N here)."""

from __future__ import annotations

from datetime import date

import pytest
from gongshi.check.run import validate_repository
from gongshi.history.log import scan_history

from bench.generate import generate
from tests.support.gitrepo import GitRepo

END = date(2026, 11, 20)
N = 90


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    repo = tmp_path_factory.mktemp("gen") / "repo"
    return repo, generate(N, repo, seed=7, end=END)


def test_deterministic_for_a_seed(generated, tmp_path):
    _repo, plan = generated
    again = generate(N, tmp_path / "again", seed=7, end=END, checkout=False)
    other = generate(N, tmp_path / "other", seed=8, end=END, checkout=False)
    assert again.head == plan.head
    assert other.head != plan.head


def test_publication_dates_match_the_history(generated):
    repo, plan = generated
    index = scan_history(repo)
    assert set(index.first_added) == set(plan.publication)
    for path, published in plan.publication.items():
        assert index.first_added[path].date == published, path
        assert published >= plan.decided[path], path
        edits = [c.date for c in index.changes[path] if c.status == "M"]
        assert sorted(edits) == sorted(plan.modified.get(path, [])), path
    assert plan.modified, "some records are corrected or withdrawn later"


def test_history_is_merged_pull_requests(generated):
    repo, plan = generated
    git = GitRepo(repo)
    first_parent = git.git("log", "--first-parent", "--format=%H %P").split("\n")
    parents = [line.split()[1:] for line in first_parent if line]
    assert len(parents) == plan.batches + 1  # one merge per batch + the initial commit
    assert all(len(p) == 2 for p in parents[:-1]) and parents[-1] == []
    dates = git.git("log", "--first-parent", "--format=%ct").split()
    assert dates == sorted(dates, reverse=True), "committer dates never go back on main"


def test_validates_clean_and_covers_the_cases(generated):
    repo, _plan = generated
    result = validate_repository(repo, END, jobs=1)
    assert result.errors == []
    assert len(result.records) == N
    data = [r.data for r in result.records]
    # A 国家秘密 record is a stub without a party.
    assert {d["party"]["category"] for d in data if "party" in d} == {
        "法人及非法人组织",
        "个体工商户",
        "自然人",
    }
    assert any(d.get("disclosure", {}).get("public") is False for d in data)
    assert {d.get("status") for d in data} >= {"撤销", "已修复"}
    assert {d["authority"] for d in data} == set(result.registry.departments)

"""Any past day can be rebuilt as it was: ``gongshi build --as-of T`` from today's HEAD writes the
same bytes as a build, as of T, of the commit that was current at the end of T (first parent)."""

from __future__ import annotations

from datetime import date

import pytest
from gongshi.sitebuild import build

from tests.support.effective_repo import MERGES, build_effective_repo
from tests.support.gitrepo import GitRepo
from tests.support.outputtree import files as tree

DAYS = [date(2017, 11, 6), date(2019, 2, 28), date(2020, 12, 31)]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> GitRepo:
    return build_effective_repo(tmp_path_factory.mktemp("asof-site") / "repo")


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_past_day_builds_as_the_commit_current_then(repo, tmp_path, monkeypatch, day):
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    merged = sum(1 for _what, d in MERGES if date.fromisoformat(d) <= day)
    sha = repo.git("rev-list", "--first-parent", "--reverse", "HEAD").split()[merged]
    then = repo.clone(tmp_path / "then")
    then.git("checkout", "--quiet", "--detach", sha)
    past = build(repo.path, day, tmp_path / "past", gongshi_overrides={"workers": 1})
    direct = build(then.path, day, tmp_path / "direct", gongshi_overrides={"workers": 1})
    got, want = tree(past.output), tree(direct.output)
    assert got.keys() == want.keys()
    assert [rel for rel in want if got[rel] != want[rel]] == []
    # The past day differs from today's site: records merged later are absent.
    assert not any("sthj-cf-2021-0001" in rel for rel in got)
    assert any(rel.endswith(".html") and rel.startswith("r/") for rel in got) == (day > date(2017, 11, 5))

"""``--as-of`` a day before HEAD's: the repository as it stood at the end of that day on main
(first parent), with the registry of that commit and the history up to it. The snapshot built
from today's HEAD equals the snapshot of a checkout of the commit that was current then."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.outputs.exports import record_row
from gongshi.snapshot.explain import explain_record
from gongshi.snapshot.load import SnapshotError, commit_as_of, load

from tests.support.effective_repo import MERGES, build_effective_repo
from tests.support.gitrepo import GitRepo

# Each day: the merges (by their day in MERGES) that are on main at the end of it.
DAYS = [
    date(2017, 11, 5),  # the day before the first record's merge: registry only
    date(2017, 11, 6),  # that merge's day (merged 15:00 China time)
    date(2019, 2, 28),  # the new department exists by its dates, but its registry entry is not merged
    date(2019, 3, 1),
    date(2020, 12, 31),
]
HEAD_DAY = date(2021, 3, 4)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> GitRepo:
    return build_effective_repo(tmp_path_factory.mktemp("asof") / "repo")


def _commit_of_day(repo: GitRepo, day: date) -> str:
    """The first-parent commit current at the end of ``day``, from the test's own table."""
    merged = sum(1 for _what, d in MERGES if date.fromisoformat(d) <= day)
    shas = repo.git("rev-list", "--first-parent", "--reverse", "HEAD").split()
    return shas[merged]  # shas[0] is the registry commit; each merge adds one


def _checkout(repo: GitRepo, sha: str, dest: Path) -> GitRepo:
    clone = repo.clone(dest)
    clone.git("checkout", "--quiet", "--detach", sha)
    return clone


def _view(snapshot) -> list:
    return [
        (
            e.id,
            e.authority_name,
            e.authority_uscc,
            dataclasses.astuple(e.timeline),
            [dataclasses.astuple(c) for c in e.history],
            record_row(e, snapshot),
        )
        for e in snapshot.entries
    ]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_past_day_from_head_equals_the_commit_current_then(repo, tmp_path, day):
    sha = _commit_of_day(repo, day)
    assert commit_as_of(repo.path, day) == sha
    then = _checkout(repo, sha, tmp_path / "then")
    past = load(repo.path, day, cache=False)
    direct = load(then.path, day, cache=False)
    assert past.head == direct.head == sha
    assert past.root == repo.path  # outputs keep their caches in the real repository
    assert _view(past) == _view(direct)
    assert sorted(past.registry.departments) == sorted(direct.registry.departments)
    # Nothing is left behind: the temporary worktree is gone.
    assert repo.git("worktree", "list", "--porcelain").count("worktree ") == 1


def test_head_day_and_later_use_the_working_tree(repo):
    assert commit_as_of(repo.path, HEAD_DAY) is None
    assert commit_as_of(repo.path, date(2026, 1, 1)) is None


def test_records_merged_later_are_absent_and_not_validated(repo):
    # Decided 2019-04-01: as of 2019-03-01 it is not in the repository, so no date.future.
    snap = load(repo.path, date(2019, 3, 1), cache=False)
    assert [e.id for e in snap.entries] == ["sthj-cf-2018-0001", "spj-cf-2017-0001", "gsj-xk-2017-0001"]
    assert {e.id: e.authority_name for e in snap.entries}["sthj-cf-2018-0001"] == "钟楼区测试环境保护局"


def test_a_day_before_the_first_commit_is_a_clear_error(repo):
    with pytest.raises(SnapshotError) as err:
        load(repo.path, date(2017, 10, 8), cache=False)
    assert [p.code for p in err.value.problems] == ["history.unavailable"]
    assert "2017-10-08 当天结束时主分支上还没有任何提交" in err.value.message


def test_cli_stats_and_explain_of_a_past_day(repo, monkeypatch):
    monkeypatch.chdir(repo.path)
    r = CliRunner().invoke(
        main, ["stats", "--as-of", "2018-07-04", "--format", "json"], catch_exceptions=False
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["total"]["records"] == 2  # the two records merged by then
    rel = "data/records/gsj/licences/2017/gsj-xk-2017-0001.yaml"
    exp = explain_record(repo.path, rel, date(2017, 11, 6))
    assert exp.timeline is not None and exp.timeline.published_at == date(2017, 11, 6)
    # A record merged after that day is explained from the working tree: decided, not yet published.
    later = explain_record(
        repo.path, "data/records/scjg/penalties/2019/scjg-cf-2019-0001.yaml", date(2019, 4, 2)
    )
    assert later.problems == [] and later.timeline.state == "pending"


def test_a_status_date_after_the_as_of_date_is_no_error(tmp_path):
    repo = build_effective_repo(tmp_path / "repo")
    rel = "data/records/scjg/penalties/2019/scjg-cf-2019-0001.yaml"
    text = (repo.path / rel).read_text(encoding="utf-8")
    repo.write(rel, text + "status: 撤销\nstatus_date: 2021-06-01\nstatus_reason: 经行政复议撤销。\n")
    snap = load(repo.path, date(2021, 3, 10), cache=False)
    entry = next(e for e in snap.entries if e.record.path == rel)
    assert entry.state != "withdrawn"  # still 有效 before its status date

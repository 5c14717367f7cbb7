"""history.scan_history on real Git repositories: merges, squashes, fast-forwards, deletes, time zones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from gongshi.history.cache import paths_changed_since
from gongshi.history.log import Change, HistoryError, Publication, scan_history

from tests.support.gitrepo import GitRepo

R = "data/records/scjg/licences/2026/"


def rec(name: str) -> str:
    return R + name + ".yaml"


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> tuple[GitRepo, dict[str, str]]:
    """One main branch with every way a record can arrive; returns the repo and the SHAs by step."""
    repo = GitRepo.init(tmp_path_factory.mktemp("story") / "repo")
    sha: dict[str, str] = {}
    sha["first"] = repo.commit(
        "新增 r1", "2026-03-02T10:00:00+08:00", {rec("r1"): "v: 1\n", "README.md": "x\n"}
    )

    # A side branch whose commit claims 2020: the merge into main on 2026-03-05 is what counts.
    repo.branch("backdated")
    sha["side"] = repo.commit("新增 r2（回拨日期）", "2020-01-01T08:00:00+08:00", {rec("r2"): "v: 1\n"})
    repo.checkout("main")
    sha["merge"] = repo.merge("backdated", "合并 r2", "2026-03-05T09:00:00+08:00")

    # A squash merge of a branch with two backdated commits: one commit on main.
    repo.branch("squashed")
    repo.commit("草稿", "2019-05-01T08:00:00+08:00", {rec("r3"): "v: 0\n"})
    repo.commit("草稿 2", "2019-05-02T08:00:00+08:00", {rec("r3"): "v: 1\n"})
    repo.checkout("main")
    sha["squash"] = repo.merge("squashed", "压缩合并 r3", "2026-03-06T15:00:00+08:00")

    # A fast-forward: the branch commit itself becomes part of main.
    repo.branch("fast")
    sha["ff"] = repo.commit("新增 r4", "2026-03-07T12:00:00+08:00", {rec("r4"): "v: 1\n"})
    repo.checkout("main")
    assert repo.merge("fast", "", "", ff=True) == sha["ff"]

    sha["modify"] = repo.commit("更正 r1", "2026-03-09T11:00:00+08:00", {rec("r1"): "v: 2\n"})
    # 16:30 UTC on 9 March is 00:30 on 10 March in China.
    sha["midnight"] = repo.commit("新增 r5", "2026-03-09T16:30:00+00:00", {rec("r5"): "v: 1\n"})
    sha["delete"] = repo.commit("删除 r4", "2026-03-11T10:00:00+08:00", {rec("r4"): None})
    sha["readd"] = repo.commit("恢复 r4", "2026-03-12T10:00:00+08:00", {rec("r4"): "v: 1\n"})
    # Non-ASCII paths must come out unquoted.
    sha["chinese"] = repo.commit(
        "说明", "2026-03-13T10:00:00+08:00", {"data/records/说明 文件.yaml": "a: 1\n"}
    )

    # Merged on a branch that is never merged into main: not published.
    repo.branch("unmerged")
    repo.commit("未合并", "2026-03-14T10:00:00+08:00", {rec("r7"): "v: 1\n"})
    repo.checkout("main")
    return repo, sha


def change(sha: str, iso: str, subject: str, status: str) -> Change:
    return Change(sha, iso, date.fromisoformat(iso[:10]), subject, status)


def test_merge_commit_date_wins_over_backdated_branch(story):
    repo, sha = story
    idx = scan_history(repo.path)
    assert idx.head == sha["chinese"]
    assert idx.changes[rec("r2")] == [change(sha["merge"], "2026-03-05T09:00:00+08:00", "合并 r2", "A")]
    assert idx.publication(rec("r2"), date(2026, 4, 1)) == Publication(date(2026, 3, 5), sha["merge"], False)
    assert sha["side"] not in {c.sha for cs in idx.changes.values() for c in cs}


def test_squash_merge_is_one_commit_on_main(story):
    repo, sha = story
    idx = scan_history(repo.path)
    assert idx.changes[rec("r3")] == [change(sha["squash"], "2026-03-06T15:00:00+08:00", "压缩合并 r3", "A")]


def test_fast_forward_counts_the_branch_commit(story):
    repo, sha = story
    idx = scan_history(repo.path)
    assert idx.first_added[rec("r4")] == change(sha["ff"], "2026-03-07T12:00:00+08:00", "新增 r4", "A")


def test_modification_keeps_publication_and_lists_history_newest_first(story):
    repo, sha = story
    idx = scan_history(repo.path)
    assert idx.changes[rec("r1")] == [
        change(sha["modify"], "2026-03-09T11:00:00+08:00", "更正 r1", "M"),
        change(sha["first"], "2026-03-02T10:00:00+08:00", "新增 r1", "A"),
    ]
    assert idx.publication(rec("r1"), date(2026, 4, 1)).date == date(2026, 3, 2)


def test_utc_commit_before_midnight_is_next_day_in_china(story):
    repo, sha = story
    idx = scan_history(repo.path)
    assert idx.first_added[rec("r5")] == change(sha["midnight"], "2026-03-10T00:30:00+08:00", "新增 r5", "A")


def test_deleted_and_readded_keeps_first_publication(story):
    repo, sha = story
    idx = scan_history(repo.path)
    assert [(c.status, c.sha) for c in idx.changes[rec("r4")]] == [
        ("A", sha["readd"]),
        ("D", sha["delete"]),
        ("A", sha["ff"]),
    ]
    assert idx.publication(rec("r4"), date(2026, 4, 1)) == Publication(date(2026, 3, 7), sha["ff"], False)
    assert idx.readded(rec("r4"))
    assert not idx.readded(rec("r1"))


def test_only_record_paths_and_unquoted_non_ascii(story):
    repo, _ = story
    idx = scan_history(repo.path)
    assert "README.md" not in idx.changes
    assert "data/records/说明 文件.yaml" in idx.first_added
    assert set(idx.first_added) == {rec(n) for n in ("r1", "r2", "r3", "r4", "r5")} | {
        "data/records/说明 文件.yaml"
    }
    assert idx.warnings == []


def test_uncommitted_and_unmerged_files_are_previews(story, tmp_path):
    repo, _ = story
    idx = scan_history(repo.path)
    as_of = date(2026, 3, 20)
    assert idx.publication(rec("r7"), as_of) == Publication(as_of, None, True)  # only on a branch
    assert idx.publication(rec("new"), as_of) == Publication(as_of, None, True)


def test_working_tree_changes_do_not_change_history(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    sha = repo.commit("新增", "2026-03-02T10:00:00+08:00", {rec("a"): "v: 1\n"})
    repo.write(rec("a"), "v: 2\n")  # modified, not committed
    repo.write(rec("b"), "v: 1\n")  # new, not committed
    repo.git("add", rec("b"))  # staged is still not committed
    idx = scan_history(repo.path)
    assert idx.publication(rec("a"), date(2026, 3, 9)) == Publication(date(2026, 3, 2), sha, False)
    assert idx.publication(rec("b"), date(2026, 3, 9)) == Publication(date(2026, 3, 9), None, True)


def test_merge_that_modifies_is_m_at_merge_date(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    first = repo.commit("新增", "2026-03-02T10:00:00+08:00", {rec("a"): "v: 1\n"})
    repo.branch("fix")
    repo.commit("更正", "2026-03-03T10:00:00+08:00", {rec("a"): "v: 2\n"})
    repo.checkout("main")
    repo.commit("其他", "2026-03-04T10:00:00+08:00", {rec("b"): "v: 1\n"})
    merge = repo.merge("fix", "合并更正", "2026-03-05T10:00:00+08:00")
    idx = scan_history(repo.path)
    assert [(c.sha, c.status, c.date) for c in idx.changes[rec("a")]] == [
        (merge, "M", date(2026, 3, 5)),
        (first, "A", date(2026, 3, 2)),
    ]
    assert idx.first_added[rec("b")].date == date(2026, 3, 4)


def test_shallow_clone_is_an_error(story, tmp_path):
    repo, _ = story
    shallow = repo.clone_shallow(tmp_path / "shallow")
    with pytest.raises(HistoryError) as err:
        scan_history(shallow.path)
    assert "浅克隆" in err.value.message
    assert "fetch-depth: 0" in err.value.message
    assert "git fetch --unshallow" in err.value.message


def test_outside_git_everything_is_a_preview_with_one_warning(tmp_path):
    (tmp_path / "data/records").mkdir(parents=True)
    idx = scan_history(tmp_path)
    assert idx.head is None
    assert idx.changes == {}
    assert [w.code for w in idx.warnings] == ["history.no_git"]
    assert idx.warnings[0].severity == "warning"
    assert idx.publication(rec("a"), date(2026, 3, 9)) == Publication(date(2026, 3, 9), None, True)


def test_repository_without_commits(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    repo.write(rec("a"), "v: 1\n")
    idx = scan_history(repo.path)
    assert idx.head is None
    assert [w.code for w in idx.warnings] == ["history.no_git"]
    assert idx.publication(rec("a"), date(2026, 3, 9)).preview


def test_data_root_in_a_subfolder_of_the_git_repository(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    sha = repo.commit(
        "新增", "2026-03-02T10:00:00+08:00", {"site/" + rec("a"): "v: 1\n", rec("outside"): "v: 1\n"}
    )
    idx = scan_history(repo.path / "site")
    assert set(idx.first_added) == {rec("a")}
    assert idx.first_added[rec("a")].sha == sha


def test_backdated_commit_on_main_is_reported(tmp_path):
    repo = GitRepo.init(tmp_path / "repo")
    repo.commit("新增 a", "2026-03-05T10:00:00+08:00", {rec("a"): "v: 1\n"})
    late = repo.commit("新增 b", "2026-03-01T10:00:00+08:00", {rec("b"): "v: 1\n"})
    idx = scan_history(repo.path)
    assert [w.code for w in idx.warnings] == ["history.clock_skew"]
    assert late[:12] in idx.warnings[0].message
    # The record still gets its own commit's date: the warning is for the auditor.
    assert idx.first_added[rec("b")].date == date(2026, 3, 1)


def test_scan_of_another_revision(story):
    repo, sha = story
    idx = scan_history(repo.path, rev=sha["merge"])
    assert set(idx.first_added) == {rec("r1"), rec("r2")}
    with pytest.raises(HistoryError):
        scan_history(repo.path, rev="no-such-branch")


def test_paths_changed_since_an_earlier_head(story, tmp_path):
    """The paths whose history differs between two heads of one first-parent chain: every path a
    first-parent commit in between touched (a merge: what it brought in; the squash, the
    fast-forward, the delete); None when the older head is not on that chain."""
    repo, sha = story
    assert paths_changed_since(repo.path, sha["ff"], sha["ff"]) == set()
    assert paths_changed_since(repo.path, sha["first"], sha["merge"]) == {rec("r2")}
    assert paths_changed_since(repo.path, sha["first"], sha["ff"]) == {rec("r2"), rec("r3"), rec("r4")}
    assert paths_changed_since(repo.path, sha["modify"], sha["readd"]) == {rec("r5"), rec("r4")}
    assert paths_changed_since(repo.path, sha["side"], sha["ff"]) is None  # the merged branch's commit
    assert paths_changed_since(repo.path, sha["readd"], sha["modify"]) is None  # backwards
    assert paths_changed_since(repo.path, "0" * 40, sha["ff"]) is None  # no such commit


def test_change_to_json(story):
    repo, sha = story
    c = scan_history(repo.path).first_added[rec("r5")]
    assert c.to_json() == {
        "sha": sha["midnight"],
        "committed_at": "2026-03-10T00:30:00+08:00",
        "date": "2026-03-10",
        "subject": "新增 r5",
        "status": "A",
    }


def test_gitrepo_helper_isolated_from_user_config(tmp_path):
    repo = GitRepo.init(Path(tmp_path) / "repo")
    repo.commit("x", "2026-03-02T10:00:00+08:00", {"f": "1"}, author_date="2001-01-01T00:00:00+00:00")
    assert (
        repo.git("log", "-1", "--format=%aI|%cI").strip()
        == "2001-01-01T00:00:00+00:00|2026-03-02T10:00:00+08:00"
    )

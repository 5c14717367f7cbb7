"""check-history on histories that cannot be compared safely, on real Git repositories: several
merge bases (criss-cross merges), and cache files committed into the pull request."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.history.prcheck import PrCheckError, check_history

from tests.support.gitrepo import GitRepo

DEPARTMENTS = """\
departments:
  - key: scjg
    name: 测试市场监督管理局
    uscc: 11320404014123458X
    region_code: "320404"
"""
SCJG = "data/records/scjg/licences/2026/"


def record(doc_no: str) -> str:
    return f"kind: licence\ndoc_no: {doc_no}\nparty:\n  name: 测试公司\ncontent: 食品经营\n"


def criss_cross(path) -> GitRepo:
    """main and the pull-request branch ``pr`` each merged the other's commit: two merge bases.
    The branch side deleted a published record in one of them (what a single base can hide)."""
    repo = GitRepo.init(path)
    repo.commit(
        "初始",
        "2026-03-02T10:00:00+08:00",
        {
            "data/departments.yaml": DEPARTMENTS,
            "data/policy.yaml": "regime: zhonglou-2016\n",
            SCJG + "scjg-xk-2026-0001.yaml": record("钟市监许〔2026〕1号"),
            SCJG + "scjg-xk-2026-0002.yaml": record("钟市监许〔2026〕2号"),
        },
    )
    repo.branch("a")
    repo.commit("新增 3", "2026-03-03T10:00:00+08:00", {SCJG + "scjg-xk-2026-0003.yaml": record("3号")})
    repo.checkout("main")
    repo.branch("pr")
    repo.commit("删除 2", "2026-03-03T11:00:00+08:00", {SCJG + "scjg-xk-2026-0002.yaml": None})
    repo.checkout("main")
    repo.merge("a", "合并 a", "2026-03-04T10:00:00+08:00")
    repo.merge("pr", "合并 pr", "2026-03-04T11:00:00+08:00")
    repo.checkout("pr")
    repo.merge("a", "合并 a 到 pr", "2026-03-04T12:00:00+08:00")
    repo.commit("新增 4", "2026-03-05T10:00:00+08:00", {SCJG + "scjg-xk-2026-0004.yaml": record("4号")})
    return repo


def test_several_merge_bases_are_refused(tmp_path, monkeypatch):
    repo = criss_cross(tmp_path / "repo")
    # Really a criss-cross: Git itself finds more than one merge base.
    assert len(repo.git("merge-base", "--all", "main", "pr").split()) == 2
    with pytest.raises(PrCheckError, match="合并基点") as exc:
        check_history(repo.path, base="main")
    assert "交叉合并" in exc.value.message
    monkeypatch.chdir(repo.path)
    res = CliRunner().invoke(main, ["check-history", "--base", "main"])
    assert res.exit_code == 2, res.output
    assert "2 个合并基点" in res.output and "交叉合并" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_a_single_merge_base_is_still_checked(tmp_path):
    repo = criss_cross(tmp_path / "repo")
    repo.checkout("main")
    repo.branch("clean")
    repo.commit("新增 5", "2026-03-06T10:00:00+08:00", {SCJG + "scjg-xk-2026-0005.yaml": record("5号")})
    result = check_history(repo.path, base="main")
    assert [c.path for c in result.changes] == [SCJG + "scjg-xk-2026-0005.yaml"]


def test_committed_cache_files_are_errors(tmp_path, monkeypatch):
    repo = criss_cross(tmp_path / "repo")
    repo.checkout("main")
    repo.branch("sneaky")
    repo.commit(
        "新增 6",
        "2026-03-06T10:00:00+08:00",
        {
            SCJG + "scjg-xk-2026-0006.yaml": record("6号"),
            "cache/gongshi/history.pickle": "\x80\x04",
            "cache/gongshi/records/0123.marshal": "x",
        },
    )
    result = check_history(repo.path, base="main")
    tracked = [(p.file, p.severity) for p in result.problems if p.code == "cache.tracked"]
    assert tracked == [
        ("cache/gongshi/history.pickle", "error"),
        ("cache/gongshi/records/0123.marshal", "error"),
    ]
    assert not result.ok

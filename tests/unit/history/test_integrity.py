"""History integrity before a deploy (``gongshi check-published``), on real Git repositories:
the commit of the live site must still be on main's first-parent history."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.history import integrity

from tests.support.gitrepo import GitRepo

REGISTRY = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
GONGSHI = Path(sys.executable).with_name("gongshi")


def make_repo(path: Path) -> GitRepo:
    shutil.copytree(REGISTRY / "data", path / "data")
    repo = GitRepo.init(path)
    repo.git("add", "--all")
    repo.commit("登记册", "2026-01-05T09:00:00+08:00")
    repo.commit("新增许可", "2026-01-06T09:00:00+08:00", {"data/records/a.txt": "a\n"})
    return repo


def run_cli(repo: GitRepo, monkeypatch, *args: str):
    monkeypatch.chdir(repo.path)
    return CliRunner().invoke(main, ["check-published", *args])


def build_info(tmp_path: Path, commit) -> Path:
    path = tmp_path / "build-info.json"
    path.write_text(json.dumps({"as_of": "2026-01-06", "commit": commit}), encoding="utf-8")
    return path


def test_merge_and_fast_forward_pass(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    published = repo.head()
    repo.branch("feature")
    repo.commit("新增处罚", "2026-01-07T09:00:00+08:00", {"data/records/b.txt": "b\n"})
    repo.checkout("main")
    repo.merge("feature", "合并", "2026-01-07T10:00:00+08:00")
    repo.branch("ff")
    repo.commit("再新增", "2026-01-08T09:00:00+08:00", {"data/records/c.txt": "c\n"})
    repo.checkout("main")
    repo.merge("ff", "", "", ff=True)

    result = integrity.check_published(repo.path, published)
    assert result.ok and result.code == integrity.OK and result.current == repo.head()
    res = run_cli(repo, monkeypatch, "--build-info", str(build_info(tmp_path, published)))
    assert res.exit_code == 0, res.output
    assert "历史未被改写" in res.output
    # The commit being built is trivially fine too.
    assert run_cli(repo, monkeypatch, "--previous", repo.head()).exit_code == 0


def test_amended_published_commit_fails(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    published = repo.head()
    repo.git("commit", "--quiet", "--amend", "--no-gpg-sign", "-m", "改写", date="2026-01-06T12:00:00+08:00")
    assert repo.head() != published
    result = integrity.check_published(repo.path, published)
    assert not result.ok and result.code == integrity.REWRITTEN
    res = run_cli(repo, monkeypatch, "--previous", published)
    assert res.exit_code == 1
    assert "历史被改写" in res.output and published[:12] in res.output


def test_force_pushed_main_fails_in_a_fresh_clone(tmp_path, monkeypatch):
    """The CI checkout after a force push: the published commit is not even in the clone."""
    origin = make_repo(tmp_path / "origin")
    origin.commit("新增", "2026-01-07T09:00:00+08:00", {"data/records/b.txt": "b\n"})
    published = origin.head()
    origin.git("reset", "--quiet", "--hard", "HEAD~1")
    origin.commit("新增（重写）", "2026-01-07T09:00:00+08:00", {"data/records/b.txt": "b2\n"})
    origin.git("reflog", "expire", "--expire=now", "--all")
    origin.git("gc", "--quiet", "--prune=now")
    clone = origin.clone(tmp_path / "clone")
    result = integrity.check_published(clone.path, published)
    assert not result.ok and result.code == integrity.MISSING
    res = run_cli(clone, monkeypatch, "--build-info", str(build_info(tmp_path, published)))
    assert res.exit_code == 1 and "历史被改写" in res.output


def test_foxtrot_merge_fails(tmp_path, monkeypatch):
    """main merged into a branch, then main fast-forwarded to it: the published commit is still an
    ancestor, but only as a second parent, so first-parent publication dates would change."""
    repo = make_repo(tmp_path / "repo")
    base = repo.head()
    repo.commit("主线新增", "2026-01-07T09:00:00+08:00", {"data/records/b.txt": "b\n"})
    published = repo.head()
    repo.branch("feature", base)
    repo.commit("分支新增", "2026-01-07T10:00:00+08:00", {"data/records/c.txt": "c\n"})
    repo.merge("main", "把 main 合并进分支", "2026-01-07T11:00:00+08:00")
    repo.checkout("main")
    repo.merge("feature", "", "", ff=True)
    assert repo.git("merge-base", "--is-ancestor", published, "HEAD") == ""  # still an ancestor
    result = integrity.check_published(repo.path, published)
    assert not result.ok and result.code == integrity.SIDE_BRANCH
    res = run_cli(repo, monkeypatch, "--previous", published)
    assert res.exit_code == 1 and "主线" in res.output


def test_shallow_clone_cannot_tell(tmp_path, monkeypatch):
    origin = make_repo(tmp_path / "origin")
    first = origin.git("rev-list", "--max-parents=0", "HEAD").strip()
    origin.commit("新增", "2026-01-07T09:00:00+08:00", {"data/records/b.txt": "b\n"})
    shallow = origin.clone_shallow(tmp_path / "shallow")
    result = integrity.check_published(shallow.path, first)
    assert not result.ok and result.code == integrity.SHALLOW
    res = run_cli(shallow, monkeypatch, "--previous", first)
    assert res.exit_code == 1 and "浅克隆" in res.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not json", "不是有效的 JSON"),
        (b'{"as_of": "2026-01-06", "commit": null}', "没有 commit"),
        (b'{"commit": "--upload-pack=touch /tmp/x"}', "不是 Git 提交编号"),
        (b'["commit"]', "没有 commit"),
        (b"\xff\xfe\x00", "不是有效的 JSON"),
    ],
)
def test_bad_build_info_is_a_usage_error(tmp_path, monkeypatch, content, words):
    repo = make_repo(tmp_path / "repo")
    info = tmp_path / "build-info.json"
    info.write_bytes(content)
    res = run_cli(repo, monkeypatch, "--build-info", str(info))
    assert res.exit_code == 2 and words in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_usage_errors(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    assert run_cli(repo, monkeypatch).exit_code == 2
    both = run_cli(repo, monkeypatch, "--previous", repo.head(), "--build-info", "x.json")
    assert both.exit_code == 2 and "三者选一" in both.output
    missing = run_cli(repo, monkeypatch, "--build-info", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "无法读取" in missing.output
    not_sha = run_cli(repo, monkeypatch, "--previous", "HEAD~1")
    assert not_sha.exit_code == 2 and "不是 Git 提交编号" in not_sha.output
    bad_rev = run_cli(repo, monkeypatch, "--previous", repo.head(), "--current", "--output=x")
    assert bad_rev.exit_code == 2 and "找不到" in bad_rev.output


def test_real_process_json_output(tmp_path):
    repo = make_repo(tmp_path / "repo")
    published = repo.head()
    repo.commit("新增", "2026-01-07T09:00:00+08:00", {"data/records/b.txt": "b\n"})
    proc = subprocess.run(
        [str(GONGSHI), "check-published", "--previous", published, "--format", "json"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["previous"] == published and doc["current"] == repo.head()
    assert "Traceback" not in proc.stderr


def _declare_first_deploy(repo: GitRepo) -> None:
    policy = (repo.path / "data" / "policy.yaml").read_text(encoding="utf-8")
    repo.commit(
        "声明首次发布",
        "2026-01-07T09:00:00+08:00",
        {"data/policy.yaml": policy + "first_deploy: true\n"},
    )


def test_live_site_unavailable_fails_closed(tmp_path, monkeypatch):
    """curl cannot fetch the live build-info.json: the deploy stops unless policy.yaml declares
    the first deploy (the workflow's exact command)."""
    repo = make_repo(tmp_path / "repo")
    result = integrity.check_without_live(repo.path)
    assert not result.ok and result.code == integrity.NO_LIVE
    res = run_cli(repo, monkeypatch, "--live-unavailable")
    assert res.exit_code == 1 and "取不到线上网站的 build-info.json" in res.output
    assert "first_deploy: true" in res.output

    _declare_first_deploy(repo)
    assert integrity.check_without_live(repo.path).code == integrity.FIRST_DEPLOY
    res = run_cli(repo, monkeypatch, "--live-unavailable")
    assert res.exit_code == 0, res.output
    assert "首次发布" in res.output


def test_first_deploy_left_in_place_once_live_stops_the_deploy(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    published = repo.head()
    _declare_first_deploy(repo)
    result = integrity.check_published(repo.path, published)
    assert not result.ok and result.code == integrity.FIRST_DEPLOY_STALE
    res = run_cli(repo, monkeypatch, "--previous", published)
    assert res.exit_code == 1 and "删除" in res.output


@pytest.mark.parametrize("value", ["yes", "1", "false", "'on'"])
def test_only_a_boolean_true_declares_the_first_deploy(tmp_path, value):
    repo = make_repo(tmp_path / "repo")
    policy = (repo.path / "data" / "policy.yaml").read_text(encoding="utf-8")
    (repo.path / "data" / "policy.yaml").write_text(policy + f"first_deploy: {value}\n", encoding="utf-8")
    assert integrity.check_without_live(repo.path).code == integrity.NO_LIVE

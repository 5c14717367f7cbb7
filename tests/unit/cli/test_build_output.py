"""``gongshi build --output X`` replaces X as a whole, so X must never be something else: the
repository, its ancestors, ``.git``, ``data`` or a non-empty folder that is not a previous gongshi
output. Each refusal is a Chinese usage error (exit 2) that touches nothing."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.sitebuild import UnsafeOutput, build, output_refusal

from tests.support.gitrepo import GitRepo

REGISTRY = Path(__file__).resolve().parents[2] / "fixtures" / "registry"


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    root = tmp_path / "work" / "repo"
    shutil.copytree(REGISTRY / "data", root / "data")
    repo = GitRepo.init(root)
    repo.git("add", "--all")
    repo.commit("登记册", "2026-01-05T09:00:00+08:00")
    return repo


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "gongshi-cache" not in p.parts
    }


def build_info(generator: str) -> str:
    return json.dumps({"as_of": "2026-01-05", "commit": None, "generator": generator})


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (".git", "Git 目录"),
        (".git/objects", "Git 目录"),
        ("data", "数据目录"),
        ("data/records", "数据目录"),
        (".", "数据仓库本身"),
        ("..", "上级目录"),
        ("../..", "上级目录"),
        ("notes", "不是空目录"),
        ("foreign-site", "不是空目录"),
        ("a-file.txt", "不是目录"),
    ],
)
def test_refused_outputs_touch_nothing(repo, monkeypatch, target, words):
    (repo.path / "notes").mkdir()
    (repo.path / "notes" / "keep.txt").write_text("重要笔记", encoding="utf-8")
    (repo.path / "foreign-site").mkdir()
    (repo.path / "foreign-site" / "build-info.json").write_text(build_info("hugo 0.1"), encoding="utf-8")
    (repo.path / "a-file.txt").write_text("x", encoding="utf-8")
    top = repo.path.parent.parent
    before = snapshot(top)
    monkeypatch.chdir(repo.path)
    res = CliRunner().invoke(main, ["build", "--as-of", "2026-01-05", "--output", target])
    assert res.exit_code == 2, res.output
    assert words in res.output and "没有改动任何文件" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert snapshot(top) == before
    assert not [p for p in top.rglob("*.tmp-*")]  # no staging folder either
    with pytest.raises(UnsafeOutput):
        build(repo.path, date(2026, 1, 5), repo.path / target)


def test_allowed_outputs(repo, tmp_path):
    assert output_refusal(repo.path, tmp_path / "new-folder") is None
    (tmp_path / "empty").mkdir()
    assert output_refusal(repo.path, tmp_path / "empty") is None
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / "index.html").write_text("<p>旧网站</p>", encoding="utf-8")
    (previous / "build-info.json").write_text(build_info("gongshi 0.1.0"), encoding="utf-8")
    assert output_refusal(repo.path, previous) is None
    # A symbolic link to the repository is the repository.
    (tmp_path / "link").symlink_to(repo.path, target_is_directory=True)
    assert "数据仓库本身" in output_refusal(repo.path, tmp_path / "link")


def test_a_previous_gongshi_output_is_replaced(repo, tmp_path, monkeypatch):
    """The normal case still works: build twice into the same folder (the second time it holds
    the first build, recognised by its build-info.json)."""
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    out = tmp_path / "site"
    monkeypatch.chdir(repo.path)
    for _ in range(2):
        res = CliRunner().invoke(main, ["build", "--as-of", "2026-01-05", "--output", str(out)])
        assert res.exit_code == 0, res.output
    info = json.loads((out / "build-info.json").read_text(encoding="utf-8"))
    assert info["generator"].startswith("gongshi ")


def test_profile_prints_every_phase(repo, tmp_path, monkeypatch):
    """``gongshi build --profile``: the phases of the build and their seconds, the snapshot's
    steps under it, each output under the site, and a total that is the build's own time."""
    monkeypatch.chdir(repo.path)
    res = CliRunner().invoke(
        main, ["build", "--as-of", "2026-01-05", "--output", str(tmp_path / "s"), "--profile"]
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("各阶段用时"))
    rows = {line.split()[0]: float(line.split()[-1]) for line in lines[at + 1 :]}
    phases = ("import", "snapshot", "snapshot/validate", "snapshot/history", "pelican",
              "site/record_pages", "output/exports", "output/ledger", "relink", "swap", "total")  # fmt: skip
    for phase in phases:
        assert phase in rows, phase
    top = sum(s for name, s in rows.items() if "/" not in name and name != "total")
    assert abs(top - rows["total"]) < 0.01 and rows["snapshot"] >= rows["snapshot/validate"]
    plain = CliRunner().invoke(main, ["build", "--as-of", "2026-01-05", "--output", str(tmp_path / "s")])
    assert plain.exit_code == 0 and "各阶段用时" not in plain.output

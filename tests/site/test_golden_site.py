"""Whole-site builds with real Pelican: the golden tree, privacy over every file, atomic swaps, and
``pelican content`` giving the same site as ``gongshi build``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from gongshi.site.urls import record_path
from gongshi.sitebuild import BuildError, build

from tests.support.golden_site import CODE_ROOT, GOLDEN, build_golden_site, compare, tree
from tests.support.site_fixture import AS_OF, HEAD_DAY, SECRET_STRINGS, build_repo, data_path

pytestmark = pytest.mark.slow
SETTINGS = CODE_ROOT / "pelicanconf.py"
GONGSHI = CODE_ROOT / ".venv" / "bin" / "gongshi"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_golden_site(tmp_path_factory.mktemp("golden"))


def test_matches_golden_tree(built):
    problems = compare(GOLDEN, built)
    assert not problems, "site differs from tests/golden (make golden to regenerate):\n" + "\n".join(
        problems[:20]
    )


def test_privacy_over_every_file(built):
    for rel, path in tree(built).items():
        data = path.read_bytes()
        for key, strings in SECRET_STRINGS.items():
            for s in strings:
                assert s.encode() not in data, f"{key}: {s!r} in {rel}"


def test_hand_written_pages_use_the_theme(built):
    about = (built / "about.html").read_text(encoding="utf-8")
    assert "钟政办发〔2016〕31号" in about and 'lang="zh-CN"' in about and "示例数据" in about
    assert "script-src 'self'" in about
    for page in ("help.html", "data-notes.html"):
        assert (built / page).is_file()


def test_build_info_has_no_wall_clock(built):
    info = (built / "build-info.json").read_text(encoding="utf-8")
    assert f'"as_of": "{AS_OF.isoformat()}"' in info and '"commit": "' in info


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(GONGSHI), *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_failed_build_keeps_old_site(tmp_path):
    repo = tmp_path / "repo"
    git = build_repo(repo)
    out = tmp_path / "output"
    build(repo, AS_OF, out, settings_path=SETTINGS)
    before = {rel: p.read_bytes() for rel, p in tree(out).items()}
    inode = (out / record_path("wjw-xk-2026-0011")).stat().st_ino
    # Break one record: the build must stop with the validator's message and write nothing.
    bad = repo / data_path("wjw-xk-2026-0011")
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("decision_date: 2026-03-02", "decision_date: 2026-02-30"),
        encoding="utf-8",
    )
    proc = _cli(
        ["build", "--as-of", HEAD_DAY.isoformat(), "--output", str(out), "--settings", str(SETTINGS)], repo
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "wjw-xk-2026-0011.yaml" in proc.stderr and "网站未生成" in proc.stderr
    assert {rel: p.read_bytes() for rel, p in tree(out).items()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "repo"]  # no staging folder left
    # Fixed again: a rebuild keeps unchanged files (same inode) and swaps atomically.
    git.git("checkout", "--", ".")
    proc = _cli(
        ["build", "--as-of", AS_OF.isoformat(), "--output", str(out), "--settings", str(SETTINGS)], repo
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / record_path("wjw-xk-2026-0011")).stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "repo"]


def _pelican(repo: Path, out: Path, as_of: date = AS_OF) -> subprocess.CompletedProcess:
    settings = f'GONGSHI={{"repo_root": "{repo}", "as_of": "{as_of.isoformat()}"}}'
    return subprocess.run(
        [
            str(CODE_ROOT / ".venv/bin/pelican"),
            str(CODE_ROOT / "content"),
            "-s",
            str(SETTINGS),
            "-o",
            str(out),
            "-e",
            settings,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_page_removed_when_record_leaves_the_site(tmp_path):
    """A record public yesterday and withheld today loses its page: staged build and in place."""
    repo = tmp_path / "repo"
    git = build_repo(repo)
    staged, in_place = tmp_path / "output", tmp_path / "in-place"
    build(repo, AS_OF, staged, settings_path=SETTINGS)
    assert _pelican(repo, in_place).returncode == 0
    rid = "scjg-cf-2025-0031"
    for out in (staged, in_place):
        assert (out / record_path(rid)).is_file()
    text = (repo / data_path(rid)).read_text(encoding="utf-8")
    git.commit(
        "市场监管局：改为不予公开",
        "2026-11-19T09:00:00+08:00",
        {data_path(rid): text + "disclosure:\n  public: false\n  reason: 其他\n"},
    )
    build(repo, AS_OF, staged, settings_path=SETTINGS)
    assert _pelican(repo, in_place).returncode == 0
    for out in (staged, in_place):
        assert not (out / record_path(rid)).exists()
        pages = [
            rel
            for rel, p in tree(out).items()
            if rel.endswith(".html") and "钟测市监罚〔2025〕31号" in p.read_text(encoding="utf-8")
        ]
        assert pages == [], (out.name, pages)


def test_pelican_content_gives_the_same_site(tmp_path, built):
    repo = tmp_path / "repo"
    build_repo(repo)
    out = tmp_path / "pelican-out"
    proc = _pelican(repo, out)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert compare(built, out) == []


def test_pelican_content_stops_without_traceback(tmp_path):
    repo = tmp_path / "repo"
    build_repo(repo)
    bad = repo / data_path("wjw-xk-2026-0011")
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("kind: licence", "kind: licence\nkind: penalty", 1),
        encoding="utf-8",
    )
    proc = _pelican(repo, tmp_path / "out", HEAD_DAY)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "wjw-xk-2026-0011.yaml" in proc.stdout + proc.stderr
    assert not (tmp_path / "out" / "r").exists()


def test_golden_tool_exit_status():
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.golden_site"],
        cwd=CODE_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_build_error_is_chinese(tmp_path):
    with pytest.raises(BuildError) as err:
        build(tmp_path, AS_OF, tmp_path / "out", settings_path=SETTINGS)
    assert "data/departments.yaml" in "\n".join(err.value.lines)

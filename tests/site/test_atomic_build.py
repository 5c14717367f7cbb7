"""Builds that never half-happen: a build that fails or is killed at any stage leaves the previous
site exactly as it was; the same inputs at the same as-of date give byte-identical sites; a shallow
clone is refused and a missing calendar year only warns."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.canary_repo import AS_OF, HEAD_DAY, build_canary_repo
from tests.support.gitrepo import GitRepo

GONGSHI = Path(sys.executable).with_name("gongshi")
pytestmark = pytest.mark.slow


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its bytes (and every symlink target)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def gongshi(cwd: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(GONGSHI), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def siblings(output: Path) -> list[str]:
    """Staging or old folders left next to the output."""
    return sorted(
        p.name for p in output.parent.iterdir() if p.name != output.name and p.name.startswith(output.name)
    )


@pytest.fixture
def published(tmp_path):
    """A repository and a good site built from it (the "previous output")."""
    cr = build_canary_repo(tmp_path / "repo")
    out = tmp_path / "www" / "site"
    proc = gongshi(cr.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    before = tree(out)
    assert len(before) > 30 and "index.html" in before
    return cr.repo, out, before


def test_invalid_record_keeps_the_previous_site(published):
    repo, out, before = published
    repo.write("data/records/scjg/licences/2026/scjg-xk-2026-0999.yaml", "kind: licence\ndoc_no: [\n")
    proc = gongshi(repo.path, "build", "--as-of", HEAD_DAY.isoformat(), "--output", str(out))
    assert proc.returncode == 1
    assert "scjg-xk-2026-0999.yaml" in proc.stderr and "原有网站保持不变" in proc.stderr
    assert tree(out) == before
    assert siblings(out) == []


def test_exception_in_a_late_stage_keeps_the_previous_site(published, monkeypatch):
    """The search index is written after every page: make it fail, in process."""
    import gongshi.outputs.search.hook
    from gongshi.sitebuild import build

    repo, out, before = published

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gongshi.outputs.search.hook, "write_search_index", broken)
    with pytest.raises(OSError, match="No space left"):
        build(repo.path, AS_OF, out)
    assert tree(out) == before
    assert siblings(out) == []


def test_interrupt_keeps_the_previous_site(published, monkeypatch):
    import gongshi.outputs.search.hook
    from gongshi.sitebuild import build

    repo, out, before = published

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(gongshi.outputs.search.hook, "write_search_index", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(repo.path, AS_OF, out)
    assert tree(out) == before
    assert siblings(out) == []


# The build as a child process whose search-index stage blocks until it is killed: pages are already
# in the staging folder, nothing is swapped in yet.
SLOW_BUILD = """
import sys, time
import gongshi.outputs.search.hook
from gongshi.cli import main

def stuck(*args, **kwargs):
    print("STAGE:search", flush=True)
    time.sleep(300)

gongshi.outputs.search.hook.write_search_index = stuck
main(sys.argv[1:])
"""


def test_sigkill_midway_keeps_the_previous_site(published):
    repo, out, before = published
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, "build", "--as-of", AS_OF.isoformat(), "--output", str(out)],
        cwd=repo.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the build reaches the search stage
        assert line.strip() == "STAGE:search", (line, proc.stderr.read() if proc.poll() is not None else "")
        staged = [p for p in out.parent.iterdir() if p.name.startswith(out.name + ".tmp-")]
        assert staged and any(staged[0].rglob("*.html")), "the build should be midway, with pages staged"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert tree(out) == before
    assert staged[0].is_dir(), "the killed build leaves its staging folder"
    # The next build succeeds, does not serve anything from the abandoned staging folder, and
    # removes it.
    again = gongshi(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert again.returncode == 0, again.stderr
    assert tree(out) == before
    assert siblings(out) == []


def test_same_inputs_same_bytes(published, tmp_path):
    repo, out, before = published
    other = tmp_path / "elsewhere" / "site"
    proc = gongshi(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(other))
    assert proc.returncode == 0, proc.stderr
    assert tree(other) == before
    # Rebuilding in place changes nothing either.
    proc = gongshi(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert proc.returncode == 0 and tree(out) == before


def test_shallow_clone_is_refused(published, tmp_path):
    repo, _out, _before = published
    shallow = repo.clone_shallow(tmp_path / "shallow")
    out = tmp_path / "shallow-site"
    proc = gongshi(shallow.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert proc.returncode == 1
    assert "浅克隆" in proc.stderr and "fetch-depth: 0" in proc.stderr
    assert not out.exists() and siblings(out) == []


def test_missing_calendar_year_warns_and_builds(tmp_path):
    from gongshi.snapshot.explain import explain_record

    cr = build_canary_repo(tmp_path / "repo")
    repo: GitRepo = cr.repo
    rel = "data/records/scjg/licences/2024/scjg-xk-2024-0001.yaml"
    text = (
        (cr.path / "data/records/scjg/licences/2026/scjg-xk-2026-0401.yaml")
        .read_text(encoding="utf-8")
        .replace("2026-10-08", "2024-12-27")
        .replace("〔2026〕401号", "〔2024〕1号")
    )
    repo.commit("补录 2024 年许可", "2026-10-09T12:00:00+08:00", {rel: text})
    assert not (cr.path / "data/calendar/2024.yaml").exists()
    out = tmp_path / "site"
    proc = gongshi(cr.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "警告" in proc.stderr and "2024" in proc.stderr and "data/calendar/2024.yaml" in proc.stderr
    assert (out / "r" / "scjg-xk-2024-0001.html").is_file()
    exp = explain_record(cr.path, rel, date(2026, 10, 12))
    assert exp.timeline.deadline_provisional is True

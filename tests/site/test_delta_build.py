"""Delta builds (``site.output``): over an existing output only the changed files are staged and a
journal moves them in. A build killed while applying its journal is finished by the next build;
files nobody wrote leave the site; two builds of one output at once stay whole; what a delta build
leaves equals a cold build byte for byte, and unchanged files keep their inode and mtime."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from gongshi.site.output import JOURNAL

from tests.site.test_atomic_build import gongshi, siblings, tree
from tests.support.canary_repo import AS_OF, HEAD_DAY, build_canary_repo

pytestmark = pytest.mark.slow

# A build whose journal stops after the first file moved in, until it is killed.
STUCK_APPLY = """
import sys, time
import gongshi.site.output as output
from gongshi.cli import main

moved = []
real = output.move_file

def move_file(source, target):
    real(source, target)
    moved.append(target)
    if len(moved) == 1:
        print("MOVED", target, flush=True)
        time.sleep(300)

output.move_file = move_file
main(sys.argv[1:])
"""


@pytest.fixture
def repo_and_sites(tmp_path):
    """A repository, its site as of ``AS_OF`` (the live output) and a cold build as of
    ``HEAD_DAY`` elsewhere (what the output must become)."""
    cr = build_canary_repo(tmp_path / "repo")
    out = tmp_path / "www" / "site"
    for day, folder in ((AS_OF, out), (HEAD_DAY, tmp_path / "cold" / "site")):
        proc = gongshi(cr.path, "build", "--as-of", day.isoformat(), "--output", str(folder))
        assert proc.returncode == 0, proc.stderr
    cold = tree(tmp_path / "cold" / "site")
    assert tree(out) != cold, "the two days must differ for these tests to mean anything"
    return cr.repo, out, cold


def test_killed_while_applying_is_finished_by_the_next_build(repo_and_sites):
    repo, out, cold = repo_and_sites
    before = tree(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK_APPLY, "build", "--as-of", HEAD_DAY.isoformat(), "--output", str(out)],
        cwd=repo.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        while line and not line.startswith("MOVED "):  # Pelican's own messages come first
            line = proc.stdout.readline()
        assert line.startswith("MOVED "), (line, proc.stderr.read() if proc.poll() is not None else "")
        staged = [p for p in out.parent.iterdir() if p.name.startswith(out.name + ".tmp-")]
        assert len(staged) == 1
        # Only what changed was staged, never a file whose bytes stay the same.
        left = {p.relative_to(staged[0]).as_posix() for p in staged[0].rglob("*") if p.is_file()} - {JOURNAL}
        same = {rel for rel, h in before.items() if cold.get(rel) == h}
        assert left and same and not left & same
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    half = tree(out)
    assert half != before and half != cold, "killed halfway through its journal"
    # The next build replays the journal first, then builds: the cold build's site exactly.
    again = gongshi(repo.path, "build", "--as-of", HEAD_DAY.isoformat(), "--output", str(out))
    assert again.returncode == 0, again.stderr
    assert tree(out) == cold
    assert siblings(out) == []


def test_delta_build_equals_a_cold_build_and_keeps_unchanged_files(repo_and_sites):
    repo, out, cold = repo_and_sites
    # Files no build wrote (a stray page, a leftover folder) leave with the next build.
    (out / "r" / "stray.html").write_text("stray", encoding="utf-8")
    (out / "old-section" / "deep").mkdir(parents=True)
    (out / "old-section" / "deep" / "x.html").write_text("x", encoding="utf-8")
    before = tree(out)
    same = [out / rel for rel, h in before.items() if cold.get(rel) == h]
    assert any(p.parent.name == "r" for p in same) and any(p.parent == out for p in same)
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in same}
    proc = gongshi(repo.path, "build", "--as-of", HEAD_DAY.isoformat(), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert tree(out) == cold
    assert not (out / "old-section").exists()
    for path, stamp in stamps.items():
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == stamp, path
    assert siblings(out) == []


def test_two_builds_of_one_output_at_once(repo_and_sites, tmp_path):
    """Builds of one output wait for each other: both succeed and the site is one of the two whole
    sites, never a mix."""
    repo, out, cold = repo_and_sites
    other = tmp_path / "cold-as-of" / "site"
    assert gongshi(repo.path, "build", "--as-of", AS_OF.isoformat(), "--output", str(other)).returncode == 0
    sites = {"as_of": tree(other), "head": cold}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "gongshi", "build", "--as-of", day.isoformat(), "--output", str(out)],
            cwd=repo.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in (HEAD_DAY, AS_OF, HEAD_DAY)
    ]
    for proc in procs:
        _stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr
    assert tree(out) in sites.values()
    assert siblings(out) == []

"""Staging folders abandoned by killed builds are removed by the next build of the same output,
and nothing else is: not a folder a running build holds, not a look-alike name, not a symlink."""

from __future__ import annotations

import os
import subprocess
import sys

from gongshi.site.output import discard, make_staging, remove_abandoned_staging, swap_in

# A build in another process: makes its staging folder, says where, and waits to be killed.
HOLDER = """
import sys, time
from pathlib import Path
from gongshi.site.output import make_staging
print(make_staging(Path(sys.argv[1])), flush=True)
time.sleep(300)
"""


def start_holder(output):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(output)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line, "the holder did not start"
    return proc, line


def test_killed_builds_staging_is_removed_but_a_running_one_is_kept(tmp_path):
    output = tmp_path / "site"
    killed, killed_dir = start_holder(output)
    running, running_dir = start_holder(output)
    try:
        (tmp_path / killed_dir / "index.html").write_text("half a site", encoding="utf-8")
        killed.kill()
        killed.wait(timeout=30)
        staging = make_staging(output)
        names = {p.name for p in tmp_path.iterdir()}
        assert os.path.basename(killed_dir) not in names, "the killed build's staging folder stays"
        assert os.path.basename(running_dir) in names, "a running build's staging folder was removed"
        assert staging.name in names and staging.name.startswith("site.tmp-")
        # The new build owns its folder: a third build must not remove it either.
        assert remove_abandoned_staging(output) == []
        discard(staging)
    finally:
        for proc in (killed, running):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
    # Once the running build is gone too, its folder is abandoned and goes.
    assert [p.name for p in remove_abandoned_staging(output)] == [os.path.basename(running_dir)]


def test_only_the_exact_staging_pattern_is_touched(tmp_path):
    output = tmp_path / "site"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("x", encoding="utf-8")
    abandoned = tmp_path / "site.tmp-ab_cd123"
    abandoned.mkdir()
    (abandoned / "a.html").write_text("x", encoding="utf-8")
    keep = [
        "site.tmp-abc",  # too short
        "site.tmp-abcdefghi",  # too long
        "site.tmp-ABCDEFGH",  # mkdtemp never uses capitals
        "site.old-abcdefgh",  # an old output being swapped out: never guessed at
        "other.tmp-abcdefgh",  # another output's staging
        "xsite.tmp-abcdefgh",
    ]
    for name in keep:
        (tmp_path / name).mkdir()
    (tmp_path / "site.tmp-file0000").write_text("a file, not a folder", encoding="utf-8")
    (tmp_path / "site.tmp-link0000").symlink_to(elsewhere, target_is_directory=True)
    removed = remove_abandoned_staging(output)
    assert removed == [abandoned]
    assert not abandoned.exists()
    for name in [*keep, "site.tmp-file0000", "site.tmp-link0000"]:
        assert (tmp_path / name).exists() or (tmp_path / name).is_symlink(), name
    assert (elsewhere / "keep.txt").exists()


def test_swapped_in_output_is_not_mistaken_for_staging(tmp_path):
    """After a build the lock is released and the output carries its own name: a later cleanup
    leaves it alone, and a fresh staging folder is made each time."""
    output = tmp_path / "site"
    first = make_staging(output)
    (first / "index.html").write_text("v1", encoding="utf-8")
    swap_in(first, output)
    second = make_staging(output)
    assert second != first and second.is_dir()
    (second / "index.html").write_text("v2", encoding="utf-8")
    swap_in(second, output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (output / "index.html").read_text(encoding="utf-8") == "v2"

"""The snapshot phase of a warm build, alone: CPU and wall seconds of ``snapshot.load.load`` with
the caches on, for a rebuild with nothing changed, after a commit that corrects one record and on
the next day.

    .venv/bin/python bench/bench_snapshot.py --repo DIR [--as-of 2026-11-20] [--profile OUT.prof]

``DIR`` is a generated repository (``bench/generate.py``, or the one ``bench/run.py`` made). The
first load fills the caches; the repository is reset to the commit it started from afterwards
(the one-record commit is dropped). ``--profile`` writes cProfile statistics of the one-record
load. Prints one line per step: wall and CPU seconds and the snapshot's own phases.
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from gongshi.core import phases
from gongshi.snapshot.load import load

from bench.run import change_one_record


def _measure(step: str, repo: Path, as_of: date, profile: Path | None = None) -> None:
    phases.start()
    prof = cProfile.Profile() if profile is not None else None
    children = _children_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    snapshot = load(repo, as_of, cache=True)
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    children = _children_cpu() - children
    changed = snapshot.changed_ids
    shown = "None" if changed is None else str(len(changed))
    inner = ", ".join(f"{k.removeprefix('snapshot/')}={v}" for k, v in phases.seconds().items())
    print(
        f"{step:<14} wall {wall:6.2f} s  cpu {cpu:6.2f} s  git cpu {children:5.2f} s  "
        f"entries={len(snapshot.entries)} "
        f"changed={shown}  {inner}",
        flush=True,
    )


def _children_cpu() -> float:
    """User and system seconds of the child processes waited for (Git's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--profile", type=Path)
    ap.add_argument("--skip-fill", action="store_true", help="the caches are filled already")
    ap.add_argument("--repeat", type=int, default=1, help="measure each step this many times")
    args = ap.parse_args(argv)
    repo, as_of = args.repo, date.fromisoformat(args.as_of)
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        if not args.skip_fill:
            _measure("fill", repo, as_of)
        for _ in range(args.repeat):
            _measure("rebuild-same", repo, as_of)
        for _ in range(args.repeat):  # one more correction each time
            change_one_record(repo, args.as_of)
            _measure("rebuild-one", repo, as_of, args.profile)
        _measure("next-day", repo, as_of + timedelta(days=1))
    finally:
        subprocess.run(["git", "-C", str(repo), "reset", "--quiet", "--hard", head], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

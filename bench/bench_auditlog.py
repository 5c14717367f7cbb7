"""``gongshi log`` on the generated repository of ``bench/run.py`` (docs/audit.md).

    .venv/bin/python bench/bench_auditlog.py [N] [--seed S] [--as-of YYYY-MM-DD] [--repeat 3]

For a few records of each kind of history (withdrawn, corrected, expired, plain), runs the real
command in a fresh process, text and JSON, and prints the wall time and the CPU time (user + system
of the process and its git children, from ``wait4``): on a shared machine the CPU time is the
number to compare with the target (under one second), the wall time depends on the load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.run import OUT, prepare  # noqa: E402


def pick(repo: Path) -> dict[str, str]:
    """One record of each history: found by their text, as the generator writes them."""
    chosen: dict[str, str] = {}
    records = sorted((repo / "data" / "records").glob("*/*/*/*.yaml"))
    for path in records:
        text = path.read_text(encoding="utf-8")
        if "withdrawn" not in chosen and "\nstatus: 撤销" in text:
            chosen["withdrawn"] = path.stem
        elif "corrected" not in chosen and "\ncorrections:" in text:
            chosen["corrected"] = path.stem
        elif "old" not in chosen and "/2017/" in path.as_posix():
            chosen["old"] = path.stem
        if len(chosen) == 3:
            break
    chosen["newest"] = max(records, key=lambda p: (p.parent.name, p.name)).stem
    return chosen


def run_once(repo: Path, record: str, as_of: str, fmt: str) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "gongshi", "log", record, "--as-of", as_of, "--format", fmt]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "plugins")}
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"gongshi log {record} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--seed", type=int, default=20161)
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    repo = prepare(args.n, args.seed, args.as_of, OUT)
    print(f"gongshi log on {repo.name} ({args.n} records), best of {args.repeat}")
    print(f"{'history':<10} {'record':<20} {'format':<6} {'wall s':>7} {'cpu s':>7}")
    for label, record in pick(repo).items():
        for fmt in ("text", "json"):
            runs = [run_once(repo, record, args.as_of, fmt) for _ in range(args.repeat)]
            wall = min(w for w, _c in runs)
            cpu = min(c for _w, c in runs)
            print(f"{label:<10} {record:<20} {fmt:<6} {wall:>7.2f} {cpu:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

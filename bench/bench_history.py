"""Benchmark of the one-pass Git history scan (plugins/gongshi/history/log.py).

    .venv/bin/python bench/bench_history.py [FILES] [--merges N] [--keep DIR]

Builds a synthetic repository with ``git fast-import`` (FILES record files, default 100000, added by
N --no-ff merges of side branches, default 400, plus one modification commit per 10 merges), then
times ``scan_history`` on it and prints the numbers. A benchmark, not a test: nothing is asserted
except that every file was found.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from gongshi.history.log import scan_history

DEPTS = ["scjg", "zhzf", "wjw", "hbj", "jtj", "zjj", "swj", "yjj"]
START = 1_470_000_000  # 2016-08-01 UTC


def record_path(n: int) -> str:
    dept = DEPTS[n % len(DEPTS)]
    kind = "licences" if n % 3 else "penalties"
    year = 2016 + (n * 10 // 100_000) % 10
    return f"data/records/{dept}/{kind}/{year}/{dept}-{kind[:2]}-{year}-{n:06d}.yaml"


def fast_import_stream(files: int, merges: int):
    """Yield the fast-import commands: side commit + merge per batch, a few modifications."""
    per = -(-files // merges)
    mark = 0
    main_mark = None
    t = START
    modified = 0
    for m in range(merges):
        lo, hi = m * per, min(files, (m + 1) * per)
        if lo >= hi:
            break
        t += 86_400
        mark += 1
        side = mark
        parent = f"from :{main_mark}\n" if main_mark else ""
        lines = [
            f"M 100644 inline {record_path(n)}\ndata <<EOF\nkind: licence\nn: {n}\nEOF\n"
            for n in range(lo, hi)
        ]
        yield (
            f"commit refs/heads/side\nmark :{side}\ncommitter Bench <b@example.invalid> {t - 3600} +0800\n"
            f"data <<EOF\n新增 {hi - lo} 条\nEOF\n{parent}" + "".join(lines) + "\n"
        )
        mark += 1
        merge_parents = f"from :{main_mark}\nmerge :{side}\n" if main_mark else f"from :{side}\n"
        # Merge commit: same tree as the side branch (main had nothing else in between).
        yield (
            f"commit refs/heads/main\nmark :{mark}\ncommitter Bench <b@example.invalid> {t} +0800\n"
            f"data <<EOF\n合并 {m}\nEOF\n{merge_parents}"
            + "".join(
                f"M 100644 inline {record_path(n)}\ndata <<EOF\nkind: licence\nn: {n}\nEOF\n"
                for n in range(lo, hi)
            )
            + "\n"
        )
        main_mark = mark
        if m % 10 == 9:
            mark += 1
            t += 3600
            changed = [modified + k * 7 for k in range(20) if modified + k * 7 < hi]
            modified += 1
            yield (
                f"commit refs/heads/main\nmark :{mark}\ncommitter Bench <b@example.invalid> {t} +0800\n"
                f"data <<EOF\n更正\nEOF\nfrom :{main_mark}\n"
                + "".join(
                    f"M 100644 inline {record_path(n)}\ndata <<EOF\nn: {n}\ncorrected: {m}\nEOF\n"
                    for n in changed
                )
                + "\n"
            )
            main_mark = mark


def build(repo: Path, files: int, merges: int) -> None:
    subprocess.run(["git", "init", "--quiet", "--initial-branch", "main", str(repo)], check=True)
    proc = subprocess.Popen(["git", "-C", str(repo), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for block in fast_import_stream(files, merges):
        proc.stdin.write(block.encode("utf-8"))
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(repo), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="?", type=int, default=100_000)
    ap.add_argument("--merges", type=int, default=400)
    ap.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.keep or Path(tmp) / "repo"
        t0 = time.perf_counter()
        build(repo, args.files, args.merges)
        t1 = time.perf_counter()
        index = scan_history(repo)
        t2 = time.perf_counter()
        commits = subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = sum(len(v) for v in index.changes.values())
        print(
            f"repository: {args.files} record files, {commits} commits ({args.merges} merges),"
            f" built in {t1 - t0:.1f} s"
        )
        print(f"scan_history: {t2 - t1:.2f} s for {len(index.first_added)} paths, {changes} changes")
        if len(index.first_added) != args.files:
            raise SystemExit(f"expected {args.files} paths, found {len(index.first_added)}")


if __name__ == "__main__":
    main()

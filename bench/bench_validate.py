"""Validation benchmark: `validate_repository` over a synthetic Git repository of N records.

    .venv/bin/python bench/bench_validate.py            # 10,000 records
    .venv/bin/python bench/bench_validate.py 50000      # other sizes
    .venv/bin/python bench/bench_validate.py --repo DIR # an existing repository (e.g. bench/run.py's)

The generated repository is the test fixture registry plus N copies of the valid corpus records,
each with its own id, document number and decision date, committed to Git. Each step runs in a
fresh process and prints its wall time and its CPU time (the process and its workers: on a shared
machine the CPU seconds are the steadier number):

  cold-1       no cache, one process (the cost per record)
  cold         no cache, one worker process per CPU (a fresh CI runner)
  fill         the record cache empty: everything checked and stored
  warm         the record cache filled, nothing changed (every rebuild's load path)
  warm-one     one record changed since the cache was filled

Targets (docs/validation.md): cold ≤ 20 s and warm ≤ 2 s at 100,000 records on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from gongshi.core.cachefile import cache_dir

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 20)
STEPS = ("cold-1", "cold", "fill", "warm", "warm-one")

CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from gongshi.check.run import validate_repository
wall, cpu = time.perf_counter(), time.process_time()
result = validate_repository(
    Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), jobs=None if sys.argv[3] == "0" else int(sys.argv[3]),
    cache=sys.argv[5] == "1",
)
wall = time.perf_counter() - wall
children = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = time.process_time() - cpu + children.ru_utime + children.ru_stime
counts = {"files": result.files_checked, "errors": len(result.errors), "records": len(result.records)}
print(json.dumps({"wall": wall, "cpu": cpu, **counts}))
"""


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    env.update(GIT_AUTHOR_NAME="基准", GIT_AUTHOR_EMAIL="bench@example.invalid")
    env.update(GIT_COMMITTER_NAME="基准", GIT_COMMITTER_EMAIL="bench@example.invalid")
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def make_repository(base: Path, n: int) -> Path:
    root = base / "repo"
    shutil.copytree(ROOT / "tests" / "fixtures" / "registry", root)
    templates = []
    for path in sorted((ROOT / "tests" / "corpus" / "valid").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "# place:" in text or "authority: scjg" not in text:
            continue
        templates.append(text)
    start = date(2024, 1, 2)
    for i in range(n):
        text = templates[i % len(templates)]
        decided = start + timedelta(days=i % 1000)
        kind = "licences" if "kind: licence" in text else "penalties"
        text = re.sub(r"(?m)^doc_no: .*$", f"doc_no: 钟测第{i:06d}号", text)
        text = re.sub(r"(?m)^(decision_date|valid_from): .*$", rf"\1: {decided.isoformat()}", text)
        text = re.sub(
            r"(?m)^(status_date|  - date): .*$", rf"\1: {(decided + timedelta(days=3)).isoformat()}", text
        )
        text = re.sub(
            r"(?m)^valid_to: .*$", f"valid_to: {(decided + timedelta(days=1800)).isoformat()}", text
        )
        text = re.sub(
            r"(?m)^valid_until: .*$", f"valid_until: {(decided + timedelta(days=700)).isoformat()}", text
        )
        folder = root / "data" / "records" / "scjg" / kind / str(decided.year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"scjg-{i:06d}.yaml").write_text(text, encoding="utf-8")
    (root / ".gitignore").write_text("cache/\n", encoding="utf-8")
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "add", "-A")
    _git(root, "commit", "--quiet", "-m", "基准数据")
    return root


def run_step(root: Path, jobs: int, cache: bool) -> dict:
    env = {**os.environ, "GONGSHI_CACHE": "on" if cache else "off"}
    args = [str(root), AS_OF.isoformat(), str(jobs), str(ROOT / "plugins"), "1" if cache else "0"]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def change_one_record(root: Path) -> None:
    newest = max((root / "data" / "records").rglob("*.yaml"))
    newest.write_text(newest.read_text(encoding="utf-8") + "remarks: 基准测试更正。\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, nargs="?", default=10_000)
    ap.add_argument("--repo", type=Path, help="an existing repository (its cache/ is removed first)")
    ap.add_argument("--only", default="", help="comma-separated steps: " + ",".join(STEPS))
    args = ap.parse_args(argv)
    steps = [s for s in args.only.split(",") if s] or list(STEPS)
    with tempfile.TemporaryDirectory() as tmp:
        if args.repo:
            root = args.repo.resolve()
        else:
            t0 = time.perf_counter()
            root = make_repository(Path(tmp), args.n)
            print(f"generated {args.n} records in {time.perf_counter() - t0:.1f} s")
        shutil.rmtree(cache_dir(root) / "records", ignore_errors=True)
        print(f"{'step':<10} {'wall s':>8} {'cpu s':>8} {'ms/file (cpu)':>14}  details")
        for step in steps:
            if step == "warm-one":
                change_one_record(root)
            jobs = 1 if step == "cold-1" else 0
            r = run_step(root, jobs, cache=step in ("fill", "warm", "warm-one"))
            per_file = r["cpu"] / max(1, r["files"]) * 1000
            print(
                f"{step:<10} {r['wall']:8.2f} {r['cpu']:8.2f} {per_file:14.3f}  "
                f"files={r['files']} records={r['records']} errors={r['errors']}",
                flush=True,
            )
        if "warm-one" in steps and args.repo:
            subprocess.run(["git", "-C", str(root), "checkout", "--quiet", "--", "data"], check=False)


if __name__ == "__main__":
    main()

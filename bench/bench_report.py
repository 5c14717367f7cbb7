"""``gongshi report --to``: a full batch into PostgreSQL, then an incremental batch after one changed
record.

    .venv/bin/python bench/bench_report.py --repo DIR [--to DATABASE_URL] [--as-of YYYY-MM-DD]

``DIR`` is a repository from ``bench/generate.py N --out DIR``. Without ``--to`` a throwaway
PostgreSQL cluster is started (tests/support/postgres.py: Debian's postgresql package) and removed
afterwards. Steps, each timed and printed:

1. the snapshot (with the record and history caches; the first run fills them);
2. the full batch: planning every row, then one transaction into the exchange database;
3. one record corrected and committed (``bench/run.py``'s change), the snapshot again (warm), the
   ``--since-last`` batch planned and delivered; then the same through the command line
   (``gongshi report --since-last --to``, a fresh process: start-up and snapshot included) after a
   second correction.

The repository is put back afterwards (the two commits and ``reports/`` removed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _timed(label: str, fn):
    """Run ``fn``; print wall seconds and this process's CPU seconds (the machine may be shared:
    the CPU time is what the step itself costs; a database server's work is in the wall time only)."""
    t, c = time.perf_counter(), time.process_time()
    value = fn()
    print(
        f"{label:<44} {time.perf_counter() - t:8.2f} s wall {time.process_time() - c:8.2f} s cpu", flush=True
    )
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--to", dest="url", help="SQLAlchemy URL (default: a throwaway PostgreSQL cluster)")
    ap.add_argument("--as-of", default="2026-11-20")
    args = ap.parse_args(argv)

    from gongshi.report.batch import plan_batch
    from gongshi.report.exchange import deliver, open_engine
    from gongshi.report.ledger import read_batches, record_batch
    from gongshi.report.rows import Unsealer
    from gongshi.snapshot.load import load

    from bench.run import change_one_record

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    repo = args.repo.resolve()
    day = date.fromisoformat(args.as_of)
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    cluster = None
    url = args.url
    if url is None:
        from tests.support.postgres import start_cluster

        cluster = _timed("start a throwaway PostgreSQL cluster", start_cluster)
        url = cluster.new_database()
    engine = open_engine(url)
    try:
        snapshot = _timed("snapshot (record and history caches)", lambda: load(repo, day, cache=True))
        print(f"{'records in the snapshot':<44} {len(snapshot.entries):8d}")
        batch = _timed(
            "plan the full batch",
            lambda: plan_batch(snapshot, read_batches(repo), Unsealer(), since_last=False, cache_root=repo),
        )
        print(f"{'rows in the full batch':<44} {batch.size:8d}")
        _timed("deliver the full batch (one transaction)", lambda: deliver(engine, batch))
        record_batch(repo, batch.as_recorded("database:postgresql"))

        change_one_record(repo, args.as_of)
        snapshot = _timed("snapshot after one correction (warm)", lambda: load(repo, day, cache=True))
        small = _timed(
            "plan the --since-last batch",
            lambda: plan_batch(snapshot, read_batches(repo), Unsealer(), since_last=True, cache_root=repo),
        )
        print(f"{'rows in the incremental batch':<44} {small.size:8d}")
        _timed("deliver the incremental batch", lambda: deliver(engine, small))
        record_batch(repo, small.as_recorded("database:postgresql"))

        change_one_record(repo, args.as_of)
        env = {**os.environ, "PYTHONPATH": str(HERE.parent / "plugins")}
        cmd = [sys.executable, "-m", "gongshi", "report", "--since-last", "--to", url, "--as-of", args.as_of]
        proc = _timed(
            "gongshi report --since-last --to (process)",
            lambda: subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True),
        )
        print((proc.stdout + proc.stderr).strip())
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        engine.dispose()
        if cluster is not None:
            cluster.stop()
        subprocess.run(["git", "-C", str(repo), "reset", "--quiet", "--hard", head], check=True)
        subprocess.run(["git", "-C", str(repo), "clean", "--quiet", "-fdx", "--", "reports"], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Whole-site build benchmark: ``gongshi build`` (real Pelican, real Git history) on a synthetic
repository of N records, a second build with nothing changed, and record page sizes.

    .venv/bin/python bench/bench_site.py            # 1,000 and 10,000 records
    .venv/bin/python bench/bench_site.py 100000     # other sizes
    .venv/bin/python bench/bench_site.py 10000 --workers 1

The repository comes from bench/generate.py (cached under bench/out/r<N>, made once). Printed per
size: snapshot (validation + Git history + policy) time, page / record-page / extras (search,
downloads, feeds, API) time as measured inside the generator, total wall time, files written, then
the same for a rebuild with nothing changed, and record page sizes (median, 95th percentile, max).
Target (docs/site.md): a record page ≤ 4 KB of HTML before compression.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gongshi.sitebuild import build  # noqa: E402
from gongshi.snapshot.load import load  # noqa: E402

from bench.generate import generate  # noqa: E402
from bench.synth import SAMPLE_END  # noqa: E402

OUT = ROOT / "bench" / "out"


def repository(n: int) -> Path:
    repo = OUT / f"r{n // 1000}k" if n % 1000 == 0 else OUT / f"r{n}"
    if not (repo / "data" / "departments.yaml").is_file():
        generate(n, repo)
    return repo


def run(n: int, workers: int | None) -> None:
    repo = repository(n)
    out = OUT / f"site{n // 1000}k" if n % 1000 == 0 else OUT / f"site{n}"
    t0 = time.perf_counter()
    snap = load(repo, SAMPLE_END, cache=False)
    t_snap = time.perf_counter() - t0
    overrides = {} if workers is None else {"workers": workers}
    rows = []
    for label in ("clean", "unchanged"):
        if label == "clean" and out.exists():
            import shutil

            shutil.rmtree(out)
        t1 = time.perf_counter()
        result = build(repo, SAMPLE_END, out, gongshi_overrides=overrides)
        rows.append((label, time.perf_counter() - t1, result))
    sizes = sorted(p.stat().st_size for p in (out / "r").glob("*.html"))
    public, notices = len(snap.public()), len(snap.withdrawal_notices())
    print(f"\n== {n:,} records ({public:,} public, {notices:,} notices), as of {SAMPLE_END}")
    print(f"snapshot alone: {t_snap:.1f} s")
    for label, seconds, result in rows:
        s = result.site
        t = s.timings
        print(
            f"{label:9} total {seconds:6.1f} s | in generator: pages {t['pages_s']:.1f} s, "
            f"record pages {t['records_s']:.1f} s, extras {t['extras_s']:.1f} s | "
            f"pages {s.pages:,}, record pages {s.record_pages:,}, written {s.writes.written:,}, "
            f"unchanged {s.writes.unchanged + result.relinked:,}"
        )
        parts = {k[:-2]: v for k, v in t.items() if k not in ("pages_s", "records_s", "extras_s", "total_s")}
        print("          extras: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(parts.items())))
    p95 = sizes[int(len(sizes) * 0.95)]
    print(f"record page bytes: median {statistics.median(sizes):.0f}, p95 {p95}, max {sizes[-1]}")
    print(f"pages over 4096 bytes: {sum(1 for x in sizes if x > 4096)} of {len(sizes)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=None, help="record page processes (default 2)")
    args = parser.parse_args(argv)
    for n in args.sizes:
        run(n, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

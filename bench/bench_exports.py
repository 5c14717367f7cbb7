"""The downloads stage (``exports.write_extra``) alone: cold, unchanged, and after one changed record.

    .venv/bin/python bench/bench_exports.py N [--out DIR] [--as-of YYYY-MM-DD]
    .venv/bin/python bench/bench_exports.py --repo DIR

Uses the repository ``bench/run.py N`` generates (under ``--out``, default ``bench/out``). The
snapshot is built once (with the record cache); the stage then runs three times into staged output
folders, as ``gongshi build`` does: cold (no previous output), again with nothing changed, and after
``bench/run.py``'s one-record correction is committed (a new snapshot, as the next build has).
Prints seconds, files (re)written and the size of ``data/``. Entry keys are computed before the
stage is timed (once per build, shared by every stage).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _site(snapshot, out: Path, previous: Path | None, manifest):
    import jinja2
    from gongshi.site.output import OutputWriter, SiteOutput
    from gongshi.sitewrite import site_globals, strict_autoescape

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE.parent / "theme" / "templates")))
    strict_autoescape(env)
    base = {"SITENAME": "", "SITEURL": "", "THEME_STATIC_DIR": "theme", "gs": site_globals(snapshot)}
    writer = OutputWriter(out, previous, manifest=manifest)
    return SiteOutput(out, env, base, writer), writer


def _size(folder: Path) -> tuple[int, int]:
    files = total = 0
    for dirpath, _dirs, names in os.walk(folder):
        for n in names:
            files += 1
            total += os.lstat(os.path.join(dirpath, n)).st_size
    return files, total


def _run(snapshot, out: Path, previous: Path | None, repo: Path, label: str) -> None:
    from gongshi.outputs import exports
    from gongshi.site.manifest import OutputManifest

    manifest = OutputManifest(repo, out.parent / "site")  # one manifest for every run
    site, writer = _site(snapshot, out, previous, manifest)
    t = time.perf_counter()
    stats = exports.write_extra(snapshot, out, site)
    seconds = time.perf_counter() - t
    manifest.save()
    files, total = _size(out / exports.DOWNLOAD_DIR)
    print(
        f"{label:<14} {seconds:7.2f} s  written {writer.stats.written:4d}  kept {writer.stats.unchanged:4d}"
        f"  data/ {files} files {total / 1e6:6.1f} MB  {stats}",
        flush=True,
    )


def _snapshot(repo: Path, day: date, label: str):
    from gongshi.snapshot.load import load

    t = time.perf_counter()
    snapshot = load(repo, day, cache=True)
    print(f"{label:<14} {time.perf_counter() - t:7.2f} s  {len(snapshot.entries)} records", flush=True)
    t = time.perf_counter()
    for e in snapshot.entries:
        e.key  # noqa: B018 - computed once per build, shared by every stage
    print(f"entry keys     {time.perf_counter() - t:7.2f} s", flush=True)
    return snapshot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, nargs="?", default=10_000)
    ap.add_argument("--seed", type=int, default=20161)
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument(
        "--repo",
        type=Path,
        help="an existing repository instead of the generated one (a correction is committed to it)",
    )
    args = ap.parse_args(argv)
    os.environ["GONGSHI_CACHE"] = "on"
    from bench.run import change_one_record, prepare

    repo = args.repo or prepare(args.n, args.seed, args.as_of, args.out)
    day = date.fromisoformat(args.as_of)
    snapshot = _snapshot(repo, day, "snapshot")
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        work = Path(tmp)
        _run(snapshot, work / "a", None, work, "cold")
        _run(snapshot, work / "b", work / "a", work, "unchanged")
        changed = change_one_record(repo, args.as_of)
        snapshot = _snapshot(repo, day, "new snapshot")
        _run(snapshot, work / "c", work / "b", work, "one changed")
        print(f"(changed {changed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

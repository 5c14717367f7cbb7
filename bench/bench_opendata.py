"""The JSON API, the Atom feeds and the dashboard alone, cold and after one changed record.

    .venv/bin/python bench/bench_opendata.py REPO [--as-of 2026-11-20] [--out DIR] [--profile STAGE]

Builds the snapshot of REPO once (with the build caches), computes every ``Entry.key`` (shared by
all stages of a real build; timed apart as ``keys_s``), then runs each writer (``write_extra``)
into an empty folder (cold), changes one public record in memory (its remarks, hence its file's
blob id) and runs each writer again against the first output (the rebuild a one-record commit
causes). Prints seconds per stage (wall clock and CPU), files written/kept and the size of each
stage's output.
``--profile jsonapi`` (or feeds, dashboard) prints a cProfile of that stage's rebuild.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import pstats
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "plugins"))

STAGES = ("jsonapi", "feeds", "dashboard")
OUTPUT_DIRS = {"jsonapi": ("api",), "feeds": ("feeds",), "dashboard": ("dashboard",)}


def _site(out: Path, previous: Path | None, old_keys: dict, snapshot):
    import jinja2
    from gongshi.site.manifest import OutputManifest
    from gongshi.site.output import OutputWriter, SiteOutput
    from gongshi.sitewrite import site_globals, strict_autoescape

    loader = jinja2.FileSystemLoader(HERE.parent / "theme" / "templates")
    env = jinja2.Environment(loader=loader, trim_blocks=True, lstrip_blocks=True)
    strict_autoescape(env)
    base = {"SITENAME": "双公示", "SITEURL": "", "THEME_STATIC_DIR": "theme", "gs": site_globals(snapshot)}
    manifest = OutputManifest(None, out)
    manifest.old = old_keys
    writer = OutputWriter(out, previous, manifest=manifest)
    return SiteOutput(out, env, base, writer)


def _size(root: Path, folders: tuple[str, ...]) -> tuple[int, float]:
    files, size = 0, 0
    for folder in folders:
        for dirpath, _dirs, names in os.walk(root / folder):
            for n in names:
                files += 1
                size += os.lstat(os.path.join(dirpath, n)).st_size
    return files, size / 1e6


def _run(snapshot, out: Path, previous: Path | None, old_keys: dict, profile: str | None):
    import importlib

    site = _site(out, previous, old_keys, snapshot)
    rows = {}
    for stage in STAGES:
        fn = importlib.import_module(f"gongshi.{stage}").write_extra
        before = (site.writer.stats.written, site.writer.stats.unchanged)
        prof = cProfile.Profile() if profile == stage else None
        t, cpu = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        fn(snapshot, out, site)
        if prof:
            prof.disable()
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        written = site.writer.stats.written - before[0]
        kept = site.writer.stats.unchanged - before[1]
        rows[stage] = (seconds, written, kept, *_size(out, OUTPUT_DIRS[stage]), cpu)
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return rows, site.writer.manifest.new


def _changed(snapshot) -> str:
    """Change the remarks of a public record in the middle of the snapshot (a new blob id) with a
    commit whose subject is Chinese, as ``bench/run.py``'s rebuild-one does (``更正 <id>``)."""
    from gongshi.history.log import Change
    from gongshi.snapshot.build import Entry

    public = [i for i, e in enumerate(snapshot.entries) if e.is_public]
    i = public[len(public) // 2]
    e = snapshot.entries[i]
    data = {**e.record.data, "remarks": f"{e.record.data.get('remarks') or ''}基准测试更正。"}
    record = dataclasses.replace(e.record, data=data, blob_sha="0" * 40)
    day = snapshot.as_of
    commit = Change("f" * 40, f"{day.isoformat()}T23:00:00+08:00", day, f"更正 {e.id}", "M")
    snapshot.entries[i] = Entry(record, e.timeline, [commit, *e.history], e.department, e.item)
    return e.id


def main(argv: list[str] | None = None) -> int:
    from gongshi.snapshot.load import load

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--out", type=Path, help="folder for the two outputs (default: a temporary one)")
    ap.add_argument("--profile", choices=STAGES)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    snapshot = load(args.repo, date.fromisoformat(args.as_of), cache=True)
    print(f"snapshot {time.perf_counter() - t:.1f} s: {len(snapshot.entries)} records")
    t = time.perf_counter()
    for e in snapshot.entries:
        e.key  # noqa: B018 (computed once per build, shared by every stage)
    print(f"keys_s {time.perf_counter() - t:.2f}")
    work = Path(args.out or tempfile.mkdtemp(prefix="bench-opendata-"))
    shutil.rmtree(work / "cold", ignore_errors=True)
    shutil.rmtree(work / "one", ignore_errors=True)
    cold, keys = _run(snapshot, work / "cold", None, {}, None)
    changed = _changed(snapshot)
    one, _ = _run(snapshot, work / "one", work / "cold", keys, args.profile)
    print(f"changed record: {changed}")
    # Seconds of wall clock, and of CPU in brackets (other jobs on the machine inflate the first).
    head = ("stage", "cold s (cpu)", "one s (cpu)", "written", "kept", "files", "MB")
    print("{:<10} {:>14} {:>14} {:>8} {:>7} {:>7} {:>7}".format(*head))
    for stage in STAGES:
        c, o = cold[stage], one[stage]
        cold_s, one_s = f"{c[0]:.2f} ({c[5]:.2f})", f"{o[0]:.2f} ({o[5]:.2f})"
        print(f"{stage:<10} {cold_s:>14} {one_s:>14} {o[1]:8d} {o[2]:7d} {c[3]:7d} {c[4]:7.1f}")
    cold_s = f"{sum(c[0] for c in cold.values()):.2f} ({sum(c[5] for c in cold.values()):.2f})"
    one_s = f"{sum(o[0] for o in one.values()):.2f} ({sum(o[5] for o in one.values()):.2f})"
    print(f"{'total':<10} {cold_s:>14} {one_s:>14}")
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

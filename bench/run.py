"""The scale benchmarks: one command, one table.

    .venv/bin/python bench/run.py N [--seed S] [--as-of YYYY-MM-DD] [--workers 2] [--only a,b]

Generates (once) ``bench/out/repo-N`` with ``bench/generate.py`` and then measures, each step in a
fresh process (its peak RSS is that process and the workers it forked, from ``wait4``):

  validate-cold    gongshi validate, no cache                 (CI on a fresh runner)
  validate-warm    gongshi validate, cache filled before      (CI with actions/cache)
  history-cold     history.scan_history (one git log pass)
  history-incr     the cached history after one new commit
  build-cold       gongshi build, no cache, no previous output
  build-fill       (only with --only) the first build with caches on and none yet: a cold build
                   that also writes the caches; it replaces the unmeasured cache-filling build
                   before rebuild-* (used at 1,000,000 records, where a cold build is minutes)
  rebuild-same     gongshi build again, nothing changed
  rebuild-one      gongshi build after a commit that changed one record
  search-index     search.write_search_index over the public records
  output           size (apparent and on disk) and file count of the built site, and of ledger/

``--ab ledger`` then runs build-cold, the cache-filling build and rebuild-one again with that output
left out (``WITHOUT_ENV``: the child process drops it from ``gongshi.outputs.registry.OUTPUTS``
before the build is imported), from a reset repository and empty caches into its own site folder,
and prints what the output adds: "ledger adds X % (with A s, without B s)" per step. With
``--rounds K`` it then runs K more pairs of cold builds, with and without, alternating, and prints
each pair and the median: on a shared machine one pair is not enough; and, when rebuild-one is
among the steps, K pairs of one-record rebuilds, each from the same saved caches and site of its
variant (the median per pair, the medians of each side and the phases that differ).

``make bench`` runs N = 10,000. The step's own numbers (record counts, files written) are printed
next to the time. The repository is reset to its generated head before the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gongshi.core.cachefile import cache_dir
from gongshi.history.cache import DELTA_FILE, HISTORY_FILE

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
STEPS = (
    "validate-cold",
    "validate-warm",
    "history-cold",
    "history-incr",
    "build-cold",
    "rebuild-same",
    "rebuild-one",
    "search-index",
    "output",
)
GENERATED_HEAD = "bench-generated-head"  # file in .git/: the commit generate.py made
WITHOUT_ENV = "GONGSHI_BENCH_WITHOUT"  # comma-separated outputs a step's build leaves out (--ab)
AB_STEPS = ("build-cold", "rebuild-one")  # the steps --ab compares


def leave_out_outputs(names: set[str]) -> tuple[str, ...]:
    """Drop the outputs ``names`` from ``gongshi.outputs.registry.OUTPUTS`` in this (fresh) process,
    before ``gongshi.sitewrite`` binds the tuple at its import; returns the names left. Read by the
    bench only: the package knows nothing of it."""
    from gongshi.outputs import registry

    if "gongshi.sitewrite" in sys.modules:
        raise SystemExit("the outputs must be left out before gongshi.sitewrite is imported")
    unknown = names - {o.name for o in registry.OUTPUTS}
    if unknown:
        raise SystemExit(f"unknown output(s): {', '.join(sorted(unknown))}")
    registry.OUTPUTS = tuple(o for o in registry.OUTPUTS if o.name not in names)
    return tuple(o.name for o in registry.OUTPUTS)


# --------------------------------------------------------------------------------------------
# Steps (run in a child process: ``run.py --step NAME --repo DIR``)


def _step(name: str, repo: Path, as_of: str, output: Path, workers: int) -> dict:
    from datetime import date

    day = date.fromisoformat(as_of)
    if name.startswith("validate"):
        from gongshi.check.run import validate_repository

        t = time.perf_counter()
        result = validate_repository(repo, day, cache=name == "validate-warm")
        return {"s": time.perf_counter() - t, "files": result.files_checked, "errors": len(result.errors)}
    if name == "history-cold":
        from gongshi.history.log import scan_history

        t = time.perf_counter()
        index = scan_history(repo)
        changes = sum(len(v) for v in index.changes.values())
        return {"s": time.perf_counter() - t, "paths": len(index.first_added), "changes": changes}
    if name == "history-incr":
        from gongshi.history.cache import scan_history_cached

        t = time.perf_counter()
        index = scan_history_cached(repo)
        return {"s": time.perf_counter() - t, "paths": len(index.first_added)}
    if name.startswith(("build", "rebuild")):
        without = {n for n in os.environ.get(WITHOUT_ENV, "").split(",") if n}
        # The outputs are imported before the clock starts with or without ``without``: leaving
        # one out must import them first, and the two builds of an --ab pair must not differ by
        # that import (≈ 0.16 s, 4 % of a one-record rebuild at 100,000 records).
        from gongshi.outputs import registry  # noqa: F401

        if without:
            leave_out_outputs(without)
        from gongshi.sitebuild import build

        t = time.perf_counter()
        result = build(repo, day, output, gongshi_overrides={"workers": workers})
        site = result.site
        timings = {k: v for k, v in (site.timings or {}).items() if isinstance(v, int | float)}
        return {
            "s": time.perf_counter() - t,
            "pages": site.pages + site.record_pages,
            "written": site.writes.written,
            "kept": site.writes.unchanged + result.relinked,
            # Organisation pages (outputs/orgs): how many there are and how many were rendered.
            "org_pages": "{organisations}/{rendered} rendered".format(**site.extras.get("orgs", {}))
            if "orgs" in site.extras
            else "-",
            "timings": timings,
            "phases": result.phases,
        }
    if name == "search-index":
        from gongshi.outputs.search.index import write_search_index
        from gongshi.snapshot.load import load

        snapshot = load(repo, day, cache=True)
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            stats = write_search_index(snapshot.public(), Path(tmp), record_url="r/{id}.html")
            return {
                "s": time.perf_counter() - t,
                "records": stats.get("records"),
                "bytes": stats.get("bytes"),
            }
    if name == "output":
        files = apparent = blocks = ledger = 0
        for dirpath, _dirs, names in os.walk(output):
            in_ledger = Path(dirpath).relative_to(output).parts[:1] == ("ledger",)
            for n in names:
                st = os.lstat(os.path.join(dirpath, n))
                files += 1
                apparent += st.st_size
                blocks += st.st_blocks * 512
                ledger += st.st_size if in_ledger else 0
        return {
            "s": 0.0,
            "files": files,
            "mb": round(apparent / 1e6, 1),
            "mb_on_disk": round(blocks / 1e6, 1),
            # The publication ledger's share (its time is ledger_s in the build's timings).
            "ledger_mb": round(ledger / 1e6, 2),
        }
    raise SystemExit(f"unknown step {name}")


def _run_child(step: str, repo: Path, as_of: str, output: Path, workers: int, env: dict) -> dict:
    cmd = [sys.executable, __file__, "--step", step, "--repo", str(repo), "--as-of", as_of]
    cmd += ["--output", str(output), "--workers", str(workers)]
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed ({proc.returncode}):\n{text}")
    result = json.loads(text.strip().splitlines()[-1])
    result["rss_mb"] = round(usage.ru_maxrss / 1024)
    # CPU seconds of the step's process and the workers it waited for (steadier than the wall
    # time on a machine shared with other jobs).
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)
    return result


# --------------------------------------------------------------------------------------------
# Driver


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    env.update(
        GIT_AUTHOR_NAME="基准测试",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_NAME="基准测试",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
    )
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    ).stdout


def prepare(n: int, seed: int, as_of: str, out: Path = OUT) -> Path:
    """The generated repository of N records, reset to the commit generate.py made."""
    repo = out / f"repo-{n}-{seed}"
    marker = repo / ".git" / GENERATED_HEAD
    if not marker.is_file():
        sys.path.insert(0, str(HERE.parent))
        from bench.generate import generate

        if repo.exists():
            shutil.rmtree(repo)
        t = time.perf_counter()
        from datetime import date

        plan = generate(n, repo, seed, date.fromisoformat(as_of))
        marker.write_text(plan.head + "\n")
        print(f"generated {repo} in {time.perf_counter() - t:.1f} s", flush=True)
    head = marker.read_text().strip()
    _git(repo, "reset", "--quiet", "--hard", head)
    _git(repo, "clean", "--quiet", "-fdx", "--", "data")
    _read_data_files(repo)
    return repo


def _read_data_files(repo: Path) -> None:
    """Read every data file once, so the first step finds them in the OS file cache as a fresh CI
    checkout does (Git has just written them). Without this, a run that follows other work on the
    machine measures the disk: validate-cold took 24.0 s as the first step and 13.3 s straight after."""
    for dirpath, _dirs, names in os.walk(repo / "data"):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def change_one_record(repo: Path, as_of: str) -> str:
    """Commit a correction of one public record (the newest licence), dated on the as-of day."""
    records = sorted((repo / "data" / "records").glob("*/licences/*/*.yaml"))
    newest = max(records, key=lambda p: (p.parent.name, p.name))
    text = newest.read_text(encoding="utf-8")
    if "\nremarks: " in text:
        text = text.replace("\nremarks: ", "\nremarks: 基准测试更正。", 1)
    else:
        text += "remarks: 基准测试更正。\n"
    newest.write_text(text, encoding="utf-8")
    rel = newest.relative_to(repo).as_posix()
    _git(repo, "add", rel)
    _git(repo, "commit", "--quiet", "-m", f"更正 {newest.stem}", date=f"{as_of}T23:00:00+08:00")
    return rel


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, nargs="?", default=10_000)
    ap.add_argument("--seed", type=int, default=20161)
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated steps (default: all)")
    ap.add_argument("--out", type=Path, default=OUT, help="folder for the repository and site (bench/out)")
    ap.add_argument("--ab", default="", metavar="OUTPUT", help="also build without this output and compare")
    ap.add_argument(
        "--rounds",
        type=int,
        default=0,
        metavar="K",
        help="with --ab: then K more cold builds with and without the output, alternating (median)",
    )
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--repo", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step:
        print(json.dumps(_step(args.step, args.repo, args.as_of, args.output, args.workers)))
        return 0

    steps = [s for s in args.only.split(",") if s] or list(STEPS)
    unknown = sorted(set(steps) - {*STEPS, "build-fill"})
    if unknown:
        ap.error(f"unknown step(s): {', '.join(unknown)}")
    repo = prepare(args.n, args.seed, args.as_of, args.out)
    output = args.out / f"site-{args.n}-{args.seed}"
    cache = cache_dir(repo)  # in the repository's Git directory (core.cachefile)
    env_on = {**os.environ, "GONGSHI_CACHE": "on"}
    env_off = {**os.environ, "GONGSHI_CACHE": "off"}
    rows: list[tuple[str, dict]] = []

    def run(step: str, env=env_on) -> None:
        if step not in steps:
            return
        result = _run_child(step, repo, args.as_of, output, args.workers, env)
        rows.append((step, result))
        print(_row(step, result), flush=True)

    print(f"{args.n} records, as of {args.as_of}, {args.workers} workers, {os.cpu_count()} CPUs", flush=True)
    print(_header(), flush=True)
    shutil.rmtree(cache, ignore_errors=True)
    run("validate-cold", env_off)
    if "validate-warm" in steps:
        _run_child("validate-warm", repo, args.as_of, output, args.workers, env_on)  # fill the cache
        run("validate-warm")
    run("history-cold")
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    run("build-cold", env_off)
    if "build-fill" in steps:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(output, ignore_errors=True)
        run("build-fill")
    elif {"rebuild-same", "rebuild-one", "history-incr", "output"} & set(steps):
        if not output.is_dir() or "build-cold" not in steps:
            shutil.rmtree(output, ignore_errors=True)
        _run_child("build-cold", repo, args.as_of, output, args.workers, env_on)  # fill the caches
    run("rebuild-same")
    run("output")
    if {"rebuild-one", "history-incr"} & set(steps):
        change_one_record(repo, args.as_of)
    history_files = [cache / HISTORY_FILE, cache / DELTA_FILE]
    saved = [f.read_bytes() if f.is_file() else None for f in history_files]
    run("history-incr")
    for f, data in zip(history_files, saved, strict=True):  # the rebuild reads the new commit itself
        if data is not None:
            f.write_bytes(data)
        else:
            f.unlink(missing_ok=True)
    run("rebuild-one")
    run("search-index")
    _git(repo, "reset", "--quiet", "--hard", (repo / ".git" / GENERATED_HEAD).read_text().strip())
    if args.ab:
        with_r = {step: r for step, r in rows if step in AB_STEPS}
        without = _without(args, args.ab, [s for s in AB_STEPS if s in with_r])
        for line in ab_lines(args.ab, with_r, without):
            print(line, flush=True)
        if args.rounds > 0 and "build-cold" in with_r:
            _ab_rounds(args, args.ab, args.rounds)
        if args.rounds > 0 and "rebuild-one" in with_r:
            _ab_rebuild_rounds(args, args.ab, args.rounds)
    return 0


def _ab_rounds(args, name: str, rounds: int) -> None:
    """Cold builds with and without the output ``name``, alternating, ``rounds`` times each: on a
    shared machine one pair can differ by more than the output costs (the same build took 42 and
    57 s), so each pair is printed and then the median of what the output adds."""
    repo = prepare(args.n, args.seed, args.as_of, args.out)
    wall: list[float] = []
    cpu: list[float] = []
    for n in range(rounds):
        pair = {}
        for variant in ("with", "without"):
            env = {**os.environ, "GONGSHI_CACHE": "off"}
            if variant == "without":
                env[WITHOUT_ENV] = name
            output = args.out / f"site-{args.n}-{args.seed}-round-{variant}"
            shutil.rmtree(output, ignore_errors=True)
            pair[variant] = _run_child("build-cold", repo, args.as_of, output, args.workers, env)
            shutil.rmtree(output, ignore_errors=True)
        a, b = pair["with"], pair["without"]
        wall.append(100 * (a["s"] - b["s"]) / b["s"])
        cpu.append(100 * (a["cpu_s"] - b["cpu_s"]) / b["cpu_s"])
        shares = f"{_share(a['s'], b['s'])}; CPU: adds {_share(a['cpu_s'], b['cpu_s'])}"
        print(f"round {n + 1:<9} {name} adds {shares}", flush=True)
    print(
        f"build-cold      {name} adds {statistics.median(wall):.1f} % (median of {rounds} rounds, "
        f"{min(wall):.1f} to {max(wall):.1f} %); CPU: adds {statistics.median(cpu):.1f} %",
        flush=True,
    )


def _ab_rebuild_rounds(args, name: str, rounds: int) -> None:
    """One-record rebuilds with and without the output ``name``, ``rounds`` pairs, each from the
    same saved caches and site of a cache-filling build of its variant (copied back before every
    rebuild), alternating which goes first. Prints each pair, the median of what the output adds
    per pair, the medians of the two sides, and the phases whose medians differ: in a rebuild the
    outputs run in ``site/outputs``, so a difference elsewhere is the machine's noise."""
    repo = prepare(args.n, args.seed, args.as_of, args.out)
    head = (repo / ".git" / GENERATED_HEAD).read_text().strip()
    cache = cache_dir(repo)
    variants = {"with": {}, "without": {WITHOUT_ENV: name}}
    saved = args.out / f"rebuild-rounds-{args.n}-{args.seed}"
    shutil.rmtree(saved, ignore_errors=True)
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    try:
        for variant, extra in variants.items():
            _git(repo, "reset", "--quiet", "--hard", head)
            shutil.rmtree(cache, ignore_errors=True)
            output = saved / f"site-{variant}"
            env = {**os.environ, "GONGSHI_CACHE": "on", **extra}  # a cold build that fills the caches
            _run_child("build-cold", repo, args.as_of, output, args.workers, env)
            shutil.copytree(cache, saved / f"cache-{variant}", symlinks=True)
            shutil.copytree(output, saved / f"site-{variant}.saved", symlinks=True)
        change_one_record(repo, args.as_of)
        for n in range(rounds):
            order = list(variants.items()) if n % 2 == 0 else list(variants.items())[::-1]
            for variant, extra in order:
                output = saved / f"site-{variant}"
                for source, target in (
                    (saved / f"cache-{variant}", cache),
                    (saved / f"{output.name}.saved", output),
                ):
                    shutil.rmtree(target, ignore_errors=True)
                    shutil.copytree(source, target, symlinks=True)
                env = {**os.environ, "GONGSHI_CACHE": "on", **extra}
                runs[variant].append(_run_child("rebuild-one", repo, args.as_of, output, args.workers, env))
            a, b = runs["with"][-1], runs["without"][-1]
            print(f"round {n + 1:<9} rebuild-one {name} adds {_share(a['s'], b['s'])}", flush=True)
    finally:
        _git(repo, "reset", "--quiet", "--hard", head)
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(saved, ignore_errors=True)
    wall = [100 * (a["s"] - b["s"]) / b["s"] for a, b in zip(runs["with"], runs["without"], strict=True)]
    medians = {v: statistics.median(r["s"] for r in runs[v]) for v in variants}
    apart = 100 * (medians["with"] - medians["without"]) / medians["without"]
    print(
        f"rebuild-one     {name} adds {statistics.median(wall):.1f} % (median of {rounds} pairs, "
        f"{min(wall):.1f} to {max(wall):.1f} %); the medians: with {medians['with']:.2f} s, "
        f"without {medians['without']:.2f} s ({apart:+.1f} %)",
        flush=True,
    )
    for phase in runs["with"][0].get("phases", {}):
        a = statistics.median(r["phases"].get(phase, 0.0) for r in runs["with"])
        b = statistics.median(r["phases"].get(phase, 0.0) for r in runs["without"])
        if abs(a - b) >= 0.005:
            print(f"{'':<15} {phase}: with {a:.3f} s, without {b:.3f} s ({a - b:+.3f})", flush=True)


def _without(args, name: str, steps: list[str]) -> dict[str, dict]:
    """The results of ``steps`` with the output ``name`` left out: the same sequence as the main
    run (reset repository, empty caches, cold build, cache-filling build, one change, rebuild) in
    its own site folder."""
    repo = prepare(args.n, args.seed, args.as_of, args.out)
    output = args.out / f"site-{args.n}-{args.seed}-without-{name}"
    env_on = {**os.environ, "GONGSHI_CACHE": "on", WITHOUT_ENV: name}
    env_off = {**env_on, "GONGSHI_CACHE": "off"}
    results: dict[str, dict] = {}
    shutil.rmtree(cache_dir(repo), ignore_errors=True)
    shutil.rmtree(output, ignore_errors=True)
    if "build-cold" in steps:
        results["build-cold"] = _run_child("build-cold", repo, args.as_of, output, args.workers, env_off)
    if "rebuild-one" in steps:
        shutil.rmtree(output, ignore_errors=True)
        _run_child("build-cold", repo, args.as_of, output, args.workers, env_on)  # fill the caches
        change_one_record(repo, args.as_of)
        results["rebuild-one"] = _run_child("rebuild-one", repo, args.as_of, output, args.workers, env_on)
    _git(repo, "reset", "--quiet", "--hard", (repo / ".git" / GENERATED_HEAD).read_text().strip())
    return results


def ab_lines(name: str, with_r: dict[str, dict], without_r: dict[str, dict]) -> list[str]:
    """ "<name> adds X % (with A s, without B s)" for every step measured both ways (wall seconds),
    then the same for CPU seconds (``cpu_s``: the process and its workers)."""
    lines = []
    for step, a in with_r.items():
        b = without_r.get(step)
        if not b or not b.get("s"):
            continue
        line = f"{step:<15} {name} adds {_share(a['s'], b['s'])}"
        if a.get("cpu_s") and b.get("cpu_s"):
            line += f"; CPU: adds {_share(a['cpu_s'], b['cpu_s'])}"
        lines.append(line)
    return lines


def _share(a: float, b: float) -> str:
    return f"{100 * (a - b) / b:.1f} % (with {a:.1f} s, without {b:.1f} s)"


def _header() -> str:
    return f"{'step':<15} {'seconds':>8} {'peak MB':>8}  details"


def _row(step: str, r: dict) -> str:
    details = ", ".join(
        f"{k}={v}" for k, v in r.items() if k not in ("s", "rss_mb", "cpu_s", "timings", "phases")
    )
    if r.get("timings"):
        details += "; " + ", ".join(f"{k}={v}" for k, v in r["timings"].items())
    line = f"{step:<15} {r['s']:>8.1f} {r['rss_mb']:>8}  cpu_s={r.get('cpu_s')}, {details}"
    return "\n".join([line, *_shares(r)])


def _shares(r: dict) -> list[str]:
    """Under a build row: the seconds of every output (they run side by side in two workers, so
    they add up to more than the wall time), the build's phases, and the ledger's share of the
    build (its seconds over the build's) and of the output (its MB over the site's)."""
    lines = []
    timings = r.get("timings") or {}
    outputs = {k[:-2]: v for k, v in timings.items() if k.endswith("_s") and k[:-2] not in _SITE_PHASES}
    if outputs:
        lines.append(" " * 17 + "outputs s: " + ", ".join(f"{k}={v}" for k, v in outputs.items()))
    if r.get("phases"):
        lines.append(" " * 17 + "phases s: " + ", ".join(f"{k}={v}" for k, v in r["phases"].items()))
    if "ledger_s" in timings and r.get("s"):
        lines.append(
            " " * 17 + f"ledger's own seconds over the build's: {100 * timings['ledger_s'] / r['s']:.1f} % "
            "(it runs beside other outputs: --ab ledger measures what it adds)"
        )
    if r.get("ledger_mb") is not None and r.get("mb"):
        lines.append(" " * 17 + f"ledger share of the output: {100 * r['ledger_mb'] / r['mb']:.1f} %")
    return lines


_SITE_PHASES = {"pages", "records", "extras", "total"}  # site timings that are not outputs


if __name__ == "__main__":
    sys.exit(main())

"""``bench/run.py --ab ledger``: the build steps again with the ledger output left out, in fresh
processes, and what the ledger adds. The bench asserts nothing about speed; this checks that the
comparison really builds a site without the ledger and one with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench import run

ROOT = Path(__file__).resolve().parents[2]


def test_ab_builds_without_the_output_and_prints_what_it_adds(tmp_path):
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}"}
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "60", "--out", str(tmp_path)]
    cmd += ["--only", "build-cold,rebuild-one", "--ab", "ledger", "--rounds", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    lines = [line for line in out.splitlines() if "ledger adds" in line]
    steps = ["build-cold", "rebuild-one", "round", "round", "build-cold", "round", "round", "rebuild-one"]
    assert [line.split()[0] for line in lines] == steps
    rebuilds = lines.pop()  # the pairs of one-record rebuilds, each from its variant's saved caches
    assert "(median of 2 pairs, " in rebuilds and "; the medians: with " in rebuilds
    assert all(line.split()[2:4] == ["rebuild-one", "ledger"] for line in lines[-2:])
    lines = lines[:-2]
    median = lines.pop()
    assert "(median of 2 rounds, " in median and "; CPU: adds " in median
    assert all("% (with " in line and " s, without " in line and "; CPU: adds " in line for line in lines)
    assert "output/ledger: with " in out  # the phase only the variant with the ledger has
    assert not list(tmp_path.glob("rebuild-rounds-*"))  # the saved caches and sites are removed
    repo = tmp_path / "repo-60-20161"
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert head.stdout.strip() == (repo / ".git" / run.GENERATED_HEAD).read_text().strip()  # reset
    with_ledger, without = tmp_path / "site-60-20161", tmp_path / "site-60-20161-without-ledger"
    assert (with_ledger / "ledger" / "head.json").is_file() and (with_ledger / "ledger.html").is_file()
    assert (without / "index.html").is_file() and (without / "api").is_dir()
    assert not (without / "ledger").exists() and not (without / "ledger.html").exists()
    assert "ledger.html" in (with_ledger / "sitemap.xml").read_text(encoding="utf-8")
    assert "ledger.html" not in (without / "sitemap.xml").read_text(encoding="utf-8")


def test_ab_lines_compare_each_step_measured_both_ways():
    with_r = {"build-cold": {"s": 11.0, "cpu_s": 20.0}, "rebuild-one": {"s": 5.0, "cpu_s": 6.0}}
    lines = run.ab_lines("ledger", with_r, {"build-cold": {"s": 10.0, "cpu_s": 16.0}})
    assert lines == [
        "build-cold      ledger adds 10.0 % (with 11.0 s, without 10.0 s); "
        "CPU: adds 25.0 % (with 20.0 s, without 16.0 s)"
    ]


def test_leaving_out_an_unknown_output_is_refused():
    code = "from bench.run import leave_out_outputs; leave_out_outputs({'nosuch'})"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'plugins'}{os.pathsep}{ROOT}"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode != 0 and "unknown output(s): nosuch" in proc.stderr

"""How the outputs are scheduled (``sitewrite.run_extra_writers``): a build with much to do runs
them in a pool of fork workers; after a small change (``changed_since_last_build``, counted from
the entry keys the last build saved) they run in the build's own process and one fork worker side
by side. Either way the site is byte for byte a cold one-process build's."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from gongshi import sitewrite
from gongshi.outputs.ledgerstate import projected_by_pages
from gongshi.outputs.registry import OUTPUTS
from gongshi.site.output import OutputWriter, SiteOutput
from gongshi.sitebuild import build
from gongshi.snapshot.load import load

from bench.generate import generate
from bench.run import change_one_record
from tests.support.gitrepo import GitRepo
from tests.support.outputtree import files as _tree

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("scheduling") / "repo"
    generate(80, repo, seed=23, end=AS_OF)
    return repo


class Schedules:
    """Which way each build ran its outputs."""

    def __init__(self, monkeypatch):
        self.ways: list[str] = []
        side_by_side = sitewrite._side_by_side

        def counting(*args, **kwargs):
            self.ways.append("side by side")
            return side_by_side(*args, **kwargs)

        monkeypatch.setattr(sitewrite, "_side_by_side", counting)
        monkeypatch.setattr(sitewrite, "PARALLEL_MIN", 0)  # a small site scheduled like a large one


def _cached_copy(source_repo: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Path, Schedules]:
    """A copy of the generated repository with the caches on: its root, the output folder and the
    schedules its builds take."""
    root = tmp_path / "repo"
    shutil.copytree(source_repo, root)
    monkeypatch.setenv("GONGSHI_CACHE", "on")
    return root, tmp_path / "warm", Schedules(monkeypatch)


def test_a_small_change_runs_the_outputs_side_by_side_with_the_same_bytes(source_repo, tmp_path, monkeypatch):
    root, warm, schedules = _cached_copy(source_repo, tmp_path, monkeypatch)
    # The first build knows nothing of a last one: a pool of workers.
    first = build(root, AS_OF, warm, gongshi_overrides={"workers": 2})
    assert schedules.ways == [] and set(first.site.extras) == {o.name for o in OUTPUTS}

    change_one_record(root, AS_OF.isoformat())
    assert sitewrite.changed_since_last_build(load(root, AS_OF, cache=True)) == 1
    # The count above saved this build's keys: the next one, unchanged, counts none.
    assert sitewrite.changed_since_last_build(load(root, AS_OF, cache=True)) == 0
    change_one_record(root, AS_OF.isoformat())
    again = build(root, AS_OF, warm, gongshi_overrides={"workers": 2})
    assert schedules.ways == ["side by side"]
    assert set(again.site.extras) == {o.name for o in OUTPUTS}
    assert sum(len(v) for v in again.site.rewritten.values()) > 0
    assert again.site.rewritten["jsonapi"]  # the changed record's shard, written by one of the two

    monkeypatch.setenv("GONGSHI_CACHE", "off")
    cold = tmp_path / "cold"
    build(root, AS_OF, cold, gongshi_overrides={"workers": 1})
    assert _tree(cold) == _tree(warm)


def test_many_changes_or_other_code_use_the_pool(source_repo, tmp_path, monkeypatch):
    """No count (other code, no saved keys) or more changes than ``WARM_MAX_CHANGED``: the pool."""
    root, warm, schedules = _cached_copy(source_repo, tmp_path, monkeypatch)
    build(root, AS_OF, warm, gongshi_overrides={"workers": 2})
    change_one_record(root, AS_OF.isoformat())
    monkeypatch.setattr(sitewrite, "WARM_MAX_CHANGED", 0)
    build(root, AS_OF, warm, gongshi_overrides={"workers": 2})
    assert schedules.ways == []
    monkeypatch.setattr(sitewrite, "code_version", lambda: "other code")
    assert sitewrite.changed_since_last_build(load(root, AS_OF, cache=True)) is None


class _Writes:
    """An output that writes one file (and says which process wrote it), or fails. ``signal``:
    it creates that file first; ``wait``: it waits for that file (another output's signal)."""

    def __init__(self, name: str, fail: bool = False, signal: Path | None = None, wait: Path | None = None):
        self.name = name
        self.fail = fail
        self.signal, self.wait = signal, wait

    def write(self, snapshot, out_dir, site) -> dict:
        if self.signal is not None:
            self.signal.touch()
        for _ in range(600):
            if self.wait is None or self.wait.exists():
                break
            time.sleep(0.1)
        if self.fail:
            raise ValueError(f"{self.name} failed")
        site.write(f"{self.name}.txt", self.name.encode())
        site.sitemap.append(f"{self.name}.html")
        return {"pid": os.getpid()}


def _site(tmp_path: Path) -> SiteOutput:
    return SiteOutput(tmp_path, None, {}, OutputWriter(tmp_path / "out"))


def test_side_by_side_merges_both_processes_in_the_outputs_order(tmp_path):
    # The parent's first output and the child's first wait for each other: both processes take
    # part (a child that only signalled could take every output before the parent took one).
    parent, child = tmp_path / "parent started", tmp_path / "child started"
    outputs = (
        _Writes("o0", signal=parent, wait=child),
        *(_Writes(f"o{i}") for i in range(1, 5)),
        _Writes("o5", signal=child, wait=parent),
    )
    site, result = _site(tmp_path), sitewrite.SiteResult()
    sitewrite._side_by_side(object(), site, result, outputs)
    assert list(result.extras) == [o.name for o in outputs]
    assert {x["pid"] for x in result.extras.values()} > {os.getpid()}  # both processes worked
    assert site.sitemap == [f"o{i}.html" for i in range(6)]
    assert site.writer.written == {f"o{i}.txt" for i in range(6)}
    assert all(result.rewritten[f"o{i}"] == [f"o{i}.txt"] for i in range(6))
    assert all((tmp_path / "out" / f"o{i}.txt").read_bytes() == f"o{i}".encode() for i in range(6))


@pytest.mark.parametrize("failing", [0, 5])  # the first the parent takes, the first the child takes
def test_a_failing_output_fails_the_build_in_either_process(tmp_path, failing):
    outputs = tuple(_Writes(f"o{i}", fail=i == failing) for i in range(6))
    with pytest.raises((ValueError, RuntimeError), match=f"o{failing} failed"):
        sitewrite._side_by_side(object(), _site(tmp_path), sitewrite.SiteResult(), outputs)


def _newest_licence(root: Path) -> Path:
    return max(root.glob("data/records/*/licences/*/*.yaml"), key=lambda p: (p.parent.name, p.name))


def _withdraw(root: Path) -> dict[str, str | None]:
    path = _newest_licence(root)
    text = path.read_text(encoding="utf-8") + (
        f"status: 撤销\nstatus_date: {AS_OF.isoformat()}\nstatus_reason: 经行政复议撤销。\n"
    )
    return {path.relative_to(root).as_posix(): text}


def _add(root: Path) -> dict[str, str | None]:
    path = _newest_licence(root)
    new_id = path.stem.rsplit("-", 1)[0] + "-9999"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # Other document and licence numbers: the same ones twice are a validation error.
    text = "".join(
        line.replace("号", "号之二") if line.startswith("doc_no:") else line
        for line in lines
        if not line.startswith("licence_no:")
    )
    return {path.with_name(new_id + ".yaml").relative_to(root).as_posix(): text}


def _delete(root: Path) -> dict[str, str | None]:
    return {_newest_licence(root).relative_to(root).as_posix(): None}


@pytest.mark.parametrize(
    "change, day",
    [(_withdraw, AS_OF), (_add, AS_OF), (_delete, AS_OF), (None, date(2026, 11, 23))],
    ids=["withdrawal", "new record", "deletion", "next working day"],
)
def test_a_warm_build_after_each_kind_of_change_equals_a_cold_one(
    source_repo, tmp_path, monkeypatch, change, day
):
    """A build after a withdrawal, a new record, a deletion or on the next day runs side by side
    (the fork child starts on the outputs while this process keeps or renders the pages) and
    writes the bytes of a build without caches or previous output."""
    root, warm, schedules = _cached_copy(source_repo, tmp_path, monkeypatch)
    build(root, AS_OF, warm, gongshi_overrides={"workers": 2})
    if change is not None:
        GitRepo(root).commit("变更", f"{AS_OF.isoformat()}T22:00:00+08:00", change(root))
    again = build(root, day, warm, gongshi_overrides={"workers": 2})
    assert schedules.ways == ["side by side"]
    assert set(again.site.extras) == {o.name for o in OUTPUTS}
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    cold = tmp_path / "cold"
    build(root, day, cold, gongshi_overrides={"workers": 1})
    assert _tree(cold) == _tree(warm)


def test_a_cold_pool_build_takes_the_ledger_early_work_same_bytes(source_repo, tmp_path, monkeypatch):
    """A build with much to do starts the ledger's early work (``site.early``) before planning the
    pages: the events of every record whose hash does not come from the pages' projections; the
    ledger takes them, and the site is byte for byte a one-process build's."""
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    monkeypatch.setattr(sitewrite, "PARALLEL_MIN", 0)
    pool = build(source_repo, AS_OF, tmp_path / "pool", gongshi_overrides={"workers": 2})
    snapshot = load(source_repo, AS_OF, cache=False)
    left = [e for e in snapshot.entries if not projected_by_pages(e)]
    assert 0 < len(left) < len(snapshot.entries)
    assert pool.site.extras["ledger"]["early"] == len(left)
    one = build(source_repo, AS_OF, tmp_path / "one", gongshi_overrides={"workers": 1})
    assert one.site.extras["ledger"]["early"] == 0
    assert _tree(tmp_path / "pool") == _tree(tmp_path / "one")


def test_a_first_build_with_caches_takes_the_early_work_and_a_rebuild_starts_none(
    source_repo, tmp_path, monkeypatch
):
    """With caches on, the first build (no ledger state yet) takes the early work; the next one,
    after a change small enough to run side by side, starts none and computes only what changed
    (the ledger's state), with the bytes of a cold one-process build."""
    root, warm, schedules = _cached_copy(source_repo, tmp_path, monkeypatch)
    started = []
    real = sitewrite.start_early_work

    def noting(snapshot, *args, **kw):
        work = real(snapshot, *args, **kw)
        started.append(sorted(work))
        return work

    monkeypatch.setattr(sitewrite, "start_early_work", noting)
    first = build(root, AS_OF, warm, gongshi_overrides={"workers": 2})
    assert first.site.extras["ledger"]["early"] > 0 and started == [["ledger"]]
    started.clear()
    GitRepo(root).commit("撤回", f"{AS_OF.isoformat()}T22:00:00+08:00", _withdraw(root))
    again = build(root, AS_OF + timedelta(days=1), warm, gongshi_overrides={"workers": 2})
    assert schedules.ways[-1] == "side by side"
    assert started == [] and again.site.extras["ledger"]["early"] == 0
    monkeypatch.setenv("GONGSHI_CACHE", "off")
    cold = tmp_path / "cold"
    build(root, AS_OF + timedelta(days=1), cold, gongshi_overrides={"workers": 1})
    assert _tree(cold) == _tree(warm)


def test_early_work_that_cannot_start_is_left_to_the_output(source_repo, tmp_path, monkeypatch, caplog):
    """No process to spare for the early work (a failed fork): the build says so in its log and
    the ledger computes everything itself, with the same bytes."""

    def no_fork(run):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setenv("GONGSHI_CACHE", "off")
    monkeypatch.setattr(sitewrite, "PARALLEL_MIN", 0)
    monkeypatch.setattr(sitewrite, "EarlyWork", no_fork)
    pool = build(source_repo, AS_OF, tmp_path / "pool", gongshi_overrides={"workers": 2})
    assert pool.site.extras["ledger"]["early"] == 0
    assert any("ledger 的提前计算未能启动" in r.getMessage() for r in caplog.records)
    build(source_repo, AS_OF, tmp_path / "one", gongshi_overrides={"workers": 1})
    assert _tree(tmp_path / "pool") == _tree(tmp_path / "one")

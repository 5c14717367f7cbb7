"""``site.early.EarlyWork``: a computation started in a fork child, its result read once by this
process or by a later fork of it, and nothing left running when the build ends."""

from __future__ import annotations

import os
import time

from gongshi.site.early import EarlyWork
from gongshi.sitewrite import run_forked


def _pid_and_big() -> tuple[int, list[str]]:
    # Larger than a pipe's buffer: the child waits for its reader.
    return os.getpid(), [str(n) * 20 for n in range(50_000)]


def test_the_result_comes_from_a_fork_child():
    work = EarlyWork(_pid_and_big)
    try:
        pid, big = work.result()
    finally:
        work.end()
    assert pid != os.getpid() and len(big) == 50_000 and big[7] == "7" * 20
    assert work.result() is None  # read once


def _read(work: EarlyWork) -> tuple[int, int]:
    pid, big = work.result()
    return pid, len(big)


def test_a_later_fork_reads_the_result():
    """The output that reads it runs in a fork worker started after the child (``run_forked``)."""
    work = EarlyWork(_pid_and_big)
    try:
        done = run_forked(lambda _task: _read(work), [0], 1)
    finally:
        work.end()
    child_pid, count = done[0]
    assert count == 50_000 and child_pid != os.getpid()


def _fails() -> int:
    raise ValueError("早期计算失败")


def test_a_failed_child_gives_none_and_the_output_does_the_work_itself(caplog):
    work = EarlyWork(_fails)
    try:
        assert work.result() is None
    finally:
        work.end()
    assert any("提前计算失败" in r.getMessage() and "早期计算失败" in r.getMessage() for r in caplog.records)


def _sleeps() -> int:
    time.sleep(60)
    return 1


def test_ending_stops_a_child_nobody_waited_for():
    """A build that stops (or never reads) does not wait for the child, nor leave it running."""
    for make in (_sleeps, _pid_and_big):
        work = EarlyWork(make)
        started = time.perf_counter()
        work.end()
        assert time.perf_counter() - started < 10
        assert not work._proc.is_alive()
        assert work.result() is None

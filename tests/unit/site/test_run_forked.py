"""``sitewrite.run_forked``: each task of a large build in its own fork, a few at a time."""

from __future__ import annotations

import os

import pytest
from gongshi.sitewrite import run_forked


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def test_every_task_runs_in_its_own_fork_and_returns_its_result():
    """Results come back by task number whatever order the tasks end in; each ran in a fresh
    process (none in this one, no two in the same), so no task inherits another's memory."""
    done = run_forked(_pid_and_square, list(range(7)), 2)
    assert {n: square for n, (_pid, square) in done.items()} == {n: n * n for n in range(7)}
    pids = [pid for pid, _square in done.values()]
    assert os.getpid() not in pids and len(set(pids)) == 7


def _fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError(f"任务 {n} 失败")
    return n


def test_a_failing_task_raises_its_exception_here():
    with pytest.raises(ValueError, match="任务 3 失败"):
        run_forked(_fail_on_three, list(range(6)), 2)


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle")


def _raise_unpicklable(n: int) -> int:
    raise _Unpicklable("x")


def test_an_exception_that_does_not_pickle_still_fails_the_build():
    with pytest.raises(RuntimeError, match="_Unpicklable"):
        run_forked(_raise_unpicklable, [1], 1)

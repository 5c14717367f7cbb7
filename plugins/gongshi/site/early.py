"""Early work: a computation an output starts in a fork child before the site's pages are planned.

In a cold build of a large site this process first plans every page and projects the public
records alone (``sitewrite.write_site``; seconds at 100,000 records) while the other core is idle,
and only then starts the fork workers that write the pages and the outputs. An output with work
that needs only the snapshot (the ledger: the events of the records whose hashes do not come from
those projections) starts it here, in a fork of this process, and reads the result from whichever
worker later runs the output.

The result travels through a pipe that every later fork of this process inherits; it is read once,
by the output. It is only a shortcut: ``result`` returns None when the child failed or was stopped,
and the output then does the work itself, with the same bytes.
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class EarlyWork:
    """``run()`` in a fork child started now; ``result()`` in this process or any later fork of it;
    ``end()`` in this process once the outputs are written (or the build stopped)."""

    def __init__(self, run: Callable[[], Any]):
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(run, send, self._recv), daemon=True)
        self._proc.start()
        send.close()  # only the child writes: its exit is the readers' end of file
        self._taken = False

    def result(self) -> Any | None:
        """The child's result (waits for it), or None when it failed, was stopped or was taken."""
        if self._taken:
            return None
        self._taken = True
        try:
            ok, value = self._recv.recv()
        except (EOFError, OSError):
            return None
        if not ok:
            # Visible, so that a shortcut that always fails does not go unnoticed.
            last = str(value).strip().splitlines()[-1:] or [""]
            log.warning("提前计算失败，改为在输出时计算：%s", last[0])
            return None
        return value

    def end(self) -> None:
        """Stop the child if nobody read its result, and wait for it."""
        self._recv.close()
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()


def _child(run: Callable[[], Any], send, recv) -> None:
    recv.close()  # else a result nobody reads would keep this process waiting on a full pipe
    try:
        result = (True, run())
    except Exception:  # the output does the work itself
        result = (False, traceback.format_exc())
    try:
        send.send(result)
    except (BrokenPipeError, OSError):
        pass  # the build ended without reading it
    finally:
        send.close()

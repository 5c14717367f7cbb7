"""Where a build's time goes: named phases and their seconds (``gongshi build --profile``).

One recorder per process, because the phases sit in several layers (the snapshot loader, the
site writer, the atomic swap) and threading a recorder through all of them would change every
signature for a diagnostic. ``timed(name)`` adds the block's wall time to ``name`` (a phase timed
twice adds up); ``record`` adds seconds measured elsewhere (a fork worker's). ``start()`` clears
the recorder at the beginning of a build and ``seconds()`` returns a copy, in the order the phases
first ran. Measuring costs two clock reads per phase, so it is always on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_seconds: dict[str, float] = {}


def start() -> None:
    """Forget the phases of an earlier build in this process."""
    _seconds.clear()


def record(name: str, seconds: float) -> None:
    """Add ``seconds`` to phase ``name``."""
    _seconds[name] = _seconds.get(name, 0.0) + seconds


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Add the wall time of the block to phase ``name`` (also when it raises)."""
    _seconds.setdefault(name, 0.0)  # listed where it began, before the phases inside it
    t = time.perf_counter()
    try:
        yield
    finally:
        record(name, time.perf_counter() - t)


def seconds() -> dict[str, float]:
    """The phases so far, rounded to milliseconds, in the order they first ran."""
    return {name: round(s, 3) for name, s in _seconds.items()}

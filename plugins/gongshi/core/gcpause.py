"""Pausing Python's cyclic garbage collector around bulk work (one place for the rule).

Building or reading 100,000 records allocates millions of small objects without cycles (reference
counting frees them). With the collector on, every few thousand allocations it runs, and the full
collections walk every live object — the whole snapshot — again: 1–2 s per stage at 100,000
records. ``paused()`` turns it off for a block (nested blocks are fine); ``resumed()`` turns it
back on inside a paused block for work that does make cycles (jsonschema's error objects)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# While paused: whether collection was on before the outermost pause (None: not paused).
_paused_from: bool | None = None


@contextmanager
def paused() -> Iterator[None]:
    global _paused_from
    if _paused_from is not None:  # already paused by an outer block
        yield
        return
    _paused_from = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _paused_from:
            gc.enable()
        _paused_from = None


@contextmanager
def resumed() -> Iterator[None]:
    """Collection as it was before the outermost ``paused()``, for the length of the block."""
    if not _paused_from:
        yield
        return
    gc.enable()
    try:
        yield
    finally:
        gc.disable()

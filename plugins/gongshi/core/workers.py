"""How many worker processes a site build uses when its settings do not say."""

from __future__ import annotations

import os


def default_workers() -> int:
    """Two, or one on a one-CPU machine: the build's parallel stages (record pages, the extra writers,
    the search index's fork pool) are split in two, and more processes only add memory."""
    return min(2, os.cpu_count() or 1)

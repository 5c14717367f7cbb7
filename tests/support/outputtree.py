"""A built site as data, for tests that compare builds: every file's bytes by site-relative path."""

from __future__ import annotations

import os
from pathlib import Path


def files(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    """Paths added, removed or with other bytes."""
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}

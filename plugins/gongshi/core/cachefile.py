"""The build caches' files: where they live, whether they are used, and how they are read and written.

Every cache lives under ``<repo>/cache/gongshi/`` (git-ignored; CI keeps the folder between runs
with actions/cache) and is only ever a shortcut: a missing, unreadable or outdated cache file is
rebuilt, never an error, and a cold build writes the same bytes as a warm one
(tests/site/test_cache.py). ``GONGSHI_CACHE=off`` (or ``0``/``no``/``false``) turns every cache off.

Each cache has its owner module: ``check.cache`` (validated records),
``history.cache`` (the Git history), ``snapshot.timelines`` (timelines), the output manifests, and
the per-output caches of search and statistics.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

CACHE_DIR = "cache/gongshi"


def enabled() -> bool:
    """Whether the build caches are used (``GONGSHI_CACHE`` is not off)."""
    return os.environ.get("GONGSHI_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


def cache_dir(root: Path) -> Path:
    """The folder of every cache file of the repository at ``root``."""
    return Path(root) / CACHE_DIR


def read(path: Path):
    """The object in a marshal cache file, or None when it is missing or unreadable."""
    try:
        # loads() of the file's bytes: marshal.load() on a file object reads object by object
        # through Python calls, 5x slower for a 100 MB cache.
        return marshal.loads(Path(path).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def read_dict(path: Path) -> dict:
    """The dict in a marshal cache file (missing, unreadable or not a dict: empty)."""
    doc = read(path)
    return doc if isinstance(doc, dict) else {}


def write_atomic(path: Path, dump: Callable, obj) -> None:
    """Write ``obj`` with ``dump(obj, file)`` (``marshal.dump``, a pickler...) so that a crash never
    leaves half a file: into a temporary file next to it, then renamed. Failures are ignored (a
    cache that cannot be written is rebuilt next time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            dump(obj, fh)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def write(path: Path, obj) -> None:
    """Write a marshal cache file atomically (``write_atomic``)."""
    write_atomic(path, marshal.dump, obj)

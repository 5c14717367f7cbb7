"""Output manifests: for each output folder, the input key each file was produced from, with the
file's size and mtime. A file whose key is unchanged and whose previous copy is untouched is kept
(hard link) instead of rendered again (``site.output.OutputWriter.write_keyed``).

Stored under ``outputs/`` in ``core.cachefile.cache_dir`` like every cache: a missing or unreadable manifest
means every file is rendered, never an error (``GONGSHI_CACHE=off`` turns it off).
"""

from __future__ import annotations

import os
from pathlib import Path

from gongshi.core.cachefile import cache_path, read, write
from gongshi.core.keys import digest


class OutputManifest:
    """``{site-relative path: (input key, size, mtime_ns)}`` of one output folder."""

    def __init__(self, root: Path | None, output: Path):
        self.old: dict[str, tuple] = {}
        self.new: dict[str, tuple] = {}
        self.path = None
        if root is None:
            return
        self.path = cache_path(root, "outputs", digest(Path(output).resolve()) + ".marshal")
        self.old = from_columns(read(self.path))

    def previous_key(self, rel: str, previous_dir: Path | None) -> str | None:
        """The key ``rel`` was made from, if the previous output still holds exactly that file."""
        entry = self.old.get(rel)
        if entry is None or previous_dir is None:
            return None
        try:
            st = os.stat(f"{previous_dir}/{rel}")
        except OSError:
            return None
        if st.st_size != entry[1] or st.st_mtime_ns != entry[2]:
            return None
        return entry[0]

    def record(self, rel: str, key: str, file: Path) -> None:
        try:
            st = os.stat(file)
        except OSError:
            return
        self.new[rel] = (key, st.st_size, st.st_mtime_ns)

    def fork(self) -> OutputManifest:
        """The same previous keys, an empty record of new ones (for a worker process)."""
        other = OutputManifest(None, Path("."))
        other.old = self.old
        return other

    def save(self) -> None:
        if self.path is not None:
            write(self.path, to_columns(self.new))


FORMAT = "columns 1"


def to_columns(entries: dict[str, tuple]) -> tuple:
    """The manifest as the cache stores it: four lists (paths, keys, sizes, mtimes) rather than a
    dict of tuples, because a cache file's plain-data check and marshal walk lists of atoms at C
    speed and tuples one by one (about 90,000 files at 100,000 records)."""
    values = list(entries.values())
    return (
        FORMAT,
        list(entries),
        [v[0] for v in values],
        [v[1] for v in values],
        [v[2] for v in values],
    )


def from_columns(doc) -> dict[str, tuple]:
    """``to_columns`` read back; anything else (an older manifest, a damaged one) is empty."""
    if not (isinstance(doc, tuple) and len(doc) == 5 and doc[0] == FORMAT):
        return {}
    _format, rels, keys, sizes, mtimes = doc
    if not all(isinstance(c, list) and len(c) == len(rels) for c in (keys, sizes, mtimes)):
        return {}
    return dict(zip(rels, zip(keys, sizes, mtimes, strict=True), strict=True))

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
        doc = read(self.path)
        if isinstance(doc, dict):
            self.old = doc

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
            write(self.path, self.new)

"""What is left of the build caches' former single module: the output manifests, on their way to
their owner (``site.manifest``). The cache files, their folder and ``GONGSHI_CACHE`` are
``gongshi.core.cachefile``; the digest and the code version are ``gongshi.core.keys``; the
validated-record cache is ``gongshi.check.cache``, the Git history cache ``gongshi.history.cache``
and the timeline cache ``gongshi.snapshot.timelines``.

* **Output manifests**: for each output folder, the input key each file was produced from, with
  the file's size and mtime. A file whose key is unchanged and whose previous copy is untouched is
  kept (hard link) instead of rendered again.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path

from gongshi.core.cachefile import cache_dir, enabled, read, write_atomic
from gongshi.core.keys import code_version, digest
from gongshi.history.log import HISTORY_LIMIT

# --------------------------------------------------------------------------------------------
# Output manifests


class OutputManifest:
    """``{site-relative path: (input key, size, mtime_ns)}`` of one output folder."""

    def __init__(self, root: Path | None, output: Path):
        self.old: dict[str, tuple] = {}
        self.new: dict[str, tuple] = {}
        self.path = None
        if root is None or not enabled():
            return
        self.path = cache_dir(root) / "outputs" / (digest(Path(output).resolve()) + ".marshal")
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
            write_atomic(self.path, marshal.dump, self.new)


def record_pages_key(env, base: dict, plan) -> str:
    """What every record page shares: code, templates, the common template variables, the links,
    and the departments/catalog/policy (names shown on the page)."""
    shared = (repr(sorted(base.items())), plan.repo_url, plan.snapshot.registry_key)
    return digest(code_version(), templates_key(env), *shared)


def record_page_key(plan, entry, notice: bool, fixed: str) -> str:
    """Everything one record page is made from (besides ``fixed``): the entry (file, timeline,
    catalog item: ``Entry.key``) and its history as shown (commit ids, times, masked subjects)."""
    shown = ()
    if not notice:
        mask = plan.masker
        shown = tuple(
            (c.sha, c.committed_at, c.status, mask(c.subject)) for c in entry.history[:HISTORY_LIMIT]
        )
    return digest(fixed, notice, entry.key, repr(shown), len(entry.history))


def templates_key(env) -> str:
    """Every template the environment can load (a changed include changes every page)."""
    h = hashlib.blake2b(digest_size=20)
    try:
        names = sorted(env.list_templates())
    except TypeError:
        return digest("unlisted", id(env))  # a loader that cannot list: never reuse
    for name in names:
        try:
            source = env.loader.get_source(env, name)[0]
        except Exception:  # an unreadable template changes the key
            source = "?"
        h.update(name.encode() + b"\0" + source.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()

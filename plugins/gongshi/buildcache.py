"""Caches that make a rebuild of a large repository cheap. All live under ``<repo>/cache/gongshi/``
(git-ignored; CI keeps the folder between runs with actions/cache) and are only ever a shortcut:
a missing, unreadable or outdated cache is rebuilt, never an error, and a cold build writes the
same bytes as a warm one (tests/site/test_cache.py).

* **Validated records** (``records/``): ``gongshi.check.cache``.
* **The Git history** (``HistoryIndex``) with the commit it was read at. When that commit is on
  the first-parent chain of HEAD, only the new commits are read and merged in; anything else
  (rewritten history, another branch) reads the whole history again.
* **Output manifests**: for each output folder, the input key each file was produced from, with
  the file's size and mtime. A file whose key is unchanged and whose previous copy is untouched is
  kept (hard link) instead of rendered again.

``GONGSHI_CACHE=off`` (or ``0``/``no``) turns every cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import pickle
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core.problems import Problem
from gongshi.core.records import Record
from gongshi.repo.registrykey import registry_key

if TYPE_CHECKING:
    from gongshi.history.log import HistoryIndex

CACHE_DIR = "cache/gongshi"
FORMAT = 1  # bump when the layout of a cache file changes
PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_DIR = PACKAGE_DIR.parents[1] / "schemas"


def enabled() -> bool:
    return os.environ.get("GONGSHI_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


def cache_dir(root: Path) -> Path:
    return Path(root) / CACHE_DIR


def digest(*parts) -> str:
    h = hashlib.blake2b(digest_size=20)
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@cache
def code_version() -> str:
    """Every Python source of this package and every schema: any code change invalidates caches."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"format {FORMAT}".encode())
    for folder, pattern in ((PACKAGE_DIR, "*.py"), (SCHEMA_DIR, "*.json")):
        for path in sorted(folder.glob(pattern)):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _read(path: Path):
    try:
        # loads() of the file's bytes: marshal.load() on a file object reads object by object
        # through Python calls, 5x slower for a 100 MB cache.
        return marshal.loads(Path(path).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _write_atomic(path: Path, dump: Callable, obj) -> None:
    """Write a cache file so that a crash never leaves half a file; failures are ignored (a cache)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            dump(obj, fh)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


# --------------------------------------------------------------------------------------------
# Git history


class _HistoryDoc:
    FILE = "history.pickle"


def scan_history_cached(root: Path) -> HistoryIndex:
    """``history.scan_history(root)``, reading only the commits added since the cached one."""
    from gongshi.history import log as hist

    root = Path(root)
    path = cache_dir(root) / _HistoryDoc.FILE
    probe = hist._git(
        root, "rev-parse", "--show-prefix", "--is-shallow-repository", "--verify", "-q", "HEAD^{commit}"
    )
    lines = probe.stdout.split("\n") if probe.returncode == 0 else []
    if len(lines) < 3 or lines[1].strip() != "false":
        return hist.scan_history(root)  # not Git, no commit yet or shallow: its messages and errors
    prefix, head = lines[0].strip(), lines[2].strip()
    cached = None
    try:
        with open(path, "rb") as fh:
            cached = pickle.load(fh)
    except Exception:  # any unreadable cache is just rebuilt
        cached = None
    index = None
    if (
        isinstance(cached, dict)
        and cached.get("version") == code_version()
        and cached.get("prefix") == prefix
        and isinstance(cached.get("index"), hist.HistoryIndex)
    ):
        old: HistoryIndex = cached["index"]
        if old.head == head:
            return old
        if old.head and _on_first_parent_chain(root, old.head, head):
            new = hist.HistoryIndex(head=head)
            hist._stream_log(root, f"{old.head}..{head}", prefix, new)
            index = _merge(old, new)
    if index is None:
        index = hist.scan_history(root)
    if index.head:
        _write_atomic(
            path,
            lambda obj, fh: pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL),
            {"version": code_version(), "prefix": prefix, "index": index},
        )
    return index


def _on_first_parent_chain(root: Path, ancestor: str, head: str) -> bool:
    """True when ``ancestor`` is a commit on the first-parent chain of ``head``."""
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-list", "--first-parent", "--parents", f"{ancestor}..{head}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return False
    rows = proc.stdout.split()
    lines = proc.stdout.strip().splitlines()
    if not rows or not lines:
        return False
    oldest = lines[-1].split()
    return len(oldest) >= 2 and oldest[1] == ancestor


def _merge(old: HistoryIndex, new: HistoryIndex) -> HistoryIndex:
    """``new`` holds the commits after ``old.head`` (newer ones): changes are newest first, so new
    ones go in front; the first add stays the oldest one."""
    from gongshi.history import log as hist

    changes = dict(old.changes)
    for path, items in new.changes.items():
        changes[path] = items + changes.get(path, [])
    first = dict(new.first_added)
    first.update(old.first_added)
    warnings = list(new.warnings)
    oldest_new = min((c.committed_at for items in new.changes.values() for c in items), default=None)
    newest_old = max((items[0].committed_at for items in old.changes.values() if items), default=None)
    if oldest_new and newest_old and _epoch(oldest_new) < _epoch(newest_old):
        warnings.append(
            Problem(
                hist.RECORDS_DIR,
                None,
                "$",
                "history.clock_skew",
                f"主分支上 {oldest_new} 的提交时间早于它之前 {newest_old} 的提交（时间被回拨）。"
                "这些记录的公示日期可能不准确，请检查提交的时间设置。",
                "warning",
            )
        )
    warnings += old.warnings
    return hist.HistoryIndex(head=new.head, changes=changes, first_added=first, warnings=warnings)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


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
        doc = _read(self.path)
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
            _write_atomic(self.path, marshal.dump, self.new)


def record_pages_key(env, base: dict, plan) -> str:
    """What every record page shares: code, templates, the common template variables, the links,
    and the departments/catalog/policy (names shown on the page)."""
    shared = (repr(sorted(base.items())), plan.repo_url, plan.snapshot.registry_key)
    return digest(code_version(), templates_key(env), *shared)


def record_page_key(plan, entry, notice: bool, fixed: str) -> str:
    """Everything one record page is made from (besides ``fixed``): the entry (file, timeline,
    catalog item: ``Entry.key``) and its history as shown (commit ids, times, masked subjects)."""
    from gongshi.public.recordview import HISTORY_LIMIT

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


# --------------------------------------------------------------------------------------------
# Timelines


class TimelineCache:
    """``{record path: (blob id, publication, timeline fields, warnings, entry key, (item code,
    authority))}`` for one as-of date and one registry (departments, catalog, policy, calendar):
    the time rules are pure functions of these, so a rebuild on the same day evaluates only new and
    changed records. The entry's output key (``snapshot.Entry.key``) is a function of the same
    inputs and is kept too."""

    FILE = "timelines.marshal"

    def __init__(self, root: Path, as_of: date):
        self.path = cache_dir(root) / self.FILE
        self.key = digest(registry_key(root), as_of.isoformat())
        self.old: dict[str, tuple] = {}
        self.new: dict[str, tuple] = {}
        doc = _read(self.path) if enabled() else None
        if isinstance(doc, dict) and doc.get("key") == self.key and isinstance(doc.get("entries"), dict):
            self.old = doc["entries"]

    @staticmethod
    def _publication(publication) -> tuple | None:
        if publication is None or publication.date is None:
            return None
        return (publication.date.toordinal(), publication.sha, bool(publication.preview))

    def get(self, record: Record, publication):
        """``(Timeline, warnings, entry key, (item code, authority))`` when this record file and
        publication were evaluated before."""
        from gongshi.core.timeline import Timeline

        hit = self.old.get(record.path)
        if hit is None or record.blob_sha is None or hit[0] != record.blob_sha:
            return None
        if hit[1] != self._publication(publication):
            return None
        self.new[record.path] = hit
        timeline = object.__new__(Timeline)  # frozen: fill its __dict__ directly (5x cheaper)
        timeline.__dict__.update(
            (k, date.fromordinal(v) if v is not None and k in _DATE_FIELDS else v)
            for k, v in zip(_TIMELINE_NAMES, hit[2], strict=True)
        )
        return timeline, [Problem(*p) for p in hit[3]] if hit[3] else [], hit[4], hit[5]

    def put(self, record: Record, publication, timeline, warnings: list[Problem], key: str) -> None:
        if record.blob_sha is None:
            return
        values = tuple(
            v.toordinal() if k in _DATE_FIELDS and v is not None else v
            for k, v in ((k, getattr(timeline, k)) for k in _TIMELINE_NAMES)
        )
        problems = [(p.file, p.line, p.path, p.code, p.message, p.severity) for p in warnings]
        # The record's catalog item and authority too: a rebuild then never unpacks a kept record.
        refs = (record.item, record.authority)
        self.new[record.path] = (record.blob_sha, self._publication(publication), values, problems, key, refs)

    def save(self) -> None:
        if enabled() and self.new != self.old:
            _write_atomic(self.path, marshal.dump, {"key": self.key, "entries": self.new})


def _timeline_layout() -> tuple[tuple[str, ...], frozenset[str]]:
    from dataclasses import fields

    from gongshi.core.timeline import Timeline

    names = tuple(f.name for f in fields(Timeline))
    # Annotations are strings (``from __future__ import annotations``); dates are stored as ordinals.
    dates = frozenset(f.name for f in fields(Timeline) if f.type in ("date", "date | None"))
    return names, dates


_TIMELINE_NAMES, _DATE_FIELDS = _timeline_layout()

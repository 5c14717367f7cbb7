"""The cached Git history: the ``HistoryIndex`` of the last build, with the commit it was read at.

When that commit is on the first-parent chain of HEAD, only the new commits are read and merged in;
anything else (rewritten history, another branch, other code) reads the whole history again. The
file (``history.marshal`` in ``core.cachefile.cache_dir``) is only a shortcut, like every build
cache: plain data written from the dataclass fields of ``HistoryIndex`` and what it holds
(``core.cachefile.plain_codec``, so a new field needs no change here), never a pickle, and read back
only when its layout is the current one and every value has the declared type.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

from gongshi.core import cachefile
from gongshi.core.keys import code_version
from gongshi.core.problems import Problem
from gongshi.history.log import HistoryIndex, scan_history, stream_log
from gongshi.repo.files import RECORDS_DIR
from gongshi.repo.git import run_git

HISTORY_FILE = "history.marshal"


@cache
def _codec():
    """``(to_plain, from_plain, layout)`` of ``HistoryIndex``."""
    to_plain, from_plain = cachefile.plain_codec(HistoryIndex)
    return to_plain, from_plain, cachefile.dataclass_layout(HistoryIndex)


def _load(path, prefix: str) -> HistoryIndex | None:
    """The cached index, or None (missing, refused by ``cachefile.read``, another code version,
    data folder or field layout, or a value not of its field's type)."""
    doc = cachefile.read(path)
    _to, from_plain, layout = _codec()
    if not (
        isinstance(doc, dict)
        and doc.get("version") == code_version()
        and doc.get("prefix") == prefix
        and doc.get("layout") == layout
    ):
        return None
    try:
        return from_plain(doc.get("index"))
    except (ValueError, TypeError):
        return None


def scan_history_cached(root: Path) -> HistoryIndex:
    """``history.log.scan_history(root)``, reading only the commits added since the cached one."""
    root = Path(root)
    path = cachefile.cache_path(root, HISTORY_FILE)
    probe = run_git(
        root, "rev-parse", "--show-prefix", "--is-shallow-repository", "--verify", "-q", "HEAD^{commit}"
    )
    lines = probe.stdout.split("\n") if probe.returncode == 0 else []
    if len(lines) < 3 or lines[1].strip() != "false":
        return scan_history(root)  # not Git, no commit yet or shallow: its messages and errors
    prefix, head = lines[0].strip(), lines[2].strip()
    if path is None:
        return scan_history(root)
    old = _load(path, prefix)
    index = None
    if old is not None:
        if old.head == head:
            return old
        if old.head and _on_first_parent_chain(root, old.head, head):
            new = HistoryIndex(head=head)
            stream_log(root, f"{old.head}..{head}", prefix, new)
            index = _merge(old, new)
    if index is None:
        index = scan_history(root)
    if index.head:
        to_plain, _from, layout = _codec()
        cachefile.write(
            path, {"version": code_version(), "prefix": prefix, "layout": layout, "index": to_plain(index)}
        )
    return index


def _on_first_parent_chain(root: Path, ancestor: str, head: str) -> bool:
    """True when ``ancestor`` is a commit on the first-parent chain of ``head``."""
    proc = run_git(root, "rev-list", "--first-parent", "--parents", f"{ancestor}..{head}")
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
                RECORDS_DIR,
                None,
                "$",
                "history.clock_skew",
                f"主分支上 {oldest_new} 的提交时间早于它之前 {newest_old} 的提交（时间被回拨）。"
                "这些记录的公示日期可能不准确，请检查提交的时间设置。",
                "warning",
            )
        )
    warnings += old.warnings
    return HistoryIndex(head=new.head, changes=changes, first_added=first, warnings=warnings)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()

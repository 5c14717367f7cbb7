"""The cached Git history: the ``HistoryIndex`` of the last build, with the commit it was read at.

When that commit is on the first-parent chain of HEAD, only the new commits are read and merged in;
anything else (rewritten history, another branch, other code) reads the whole history again. The
file (``history.marshal`` in ``core.cachefile.cache_dir``) is only a shortcut, like every build
cache: plain data, never a pickle: the changes as parallel columns, one per field of ``Change``
(read from its type hints, so a new field of an atom type needs no change here), and read back
only when its layout is the current one and every value has the declared type.
"""

from __future__ import annotations

import contextlib
import dataclasses
import types
import typing
from datetime import date, datetime
from functools import cache
from pathlib import Path

from gongshi.core import cachefile
from gongshi.core.keys import code_version
from gongshi.core.problems import Problem
from gongshi.history.log import Change, HistoryError, HistoryIndex, scan_history, stream_log
from gongshi.repo.files import RECORDS_DIR
from gongshi.repo.git import run_git

HISTORY_FILE = "history.marshal"
DELTA_FILE = "history-delta.marshal"  # the commits after HISTORY_FILE's, while few
DELTA_SHARE = 8  # HISTORY_FILE is written anew when the delta would hold more than 1/8 of the changes


@cache
def _codec():
    """``(to_plain, from_plain, layout)`` of the index's warnings; the layout covers every field."""
    to_plain, from_plain = cachefile.plain_codec(list[Problem])
    return to_plain, from_plain, cachefile.dataclass_layout(HistoryIndex)


@cache
def _change_fields() -> tuple[tuple[str, ...], tuple[tuple[type, ...], ...], frozenset[str]]:
    """The fields of ``Change``, the types each may hold in a column, and those stored as ordinals."""
    hints = typing.get_type_hints(Change)
    names, allowed, dates = [], [], set()
    for f in dataclasses.fields(Change):
        kind = hints[f.name]
        options = (
            typing.get_args(kind) if typing.get_origin(kind) in (typing.Union, types.UnionType) else (kind,)
        )
        if date in options:
            dates.add(f.name)
            options = tuple(int if o is date else o for o in options)
        if not set(options) <= {str, int, bool, type(None)}:
            raise TypeError(f"Change.{f.name}: no column encoding for {kind!r}")
        names.append(f.name)
        allowed.append(tuple(options))
    return tuple(names), tuple(allowed), frozenset(dates)


def _to_columns(index: HistoryIndex) -> dict:
    """The index as parallel columns: one per ``Change`` field over every change (path by path,
    newest first), the paths with their counts, and where each first add is in that list. Plain
    lists of atoms: checked and loaded at C speed (a tuple per change took seconds at 100,000)."""
    names, _allowed, dates = _change_fields()
    flat: list[Change] = []
    counts: list[int] = []
    where: dict[int, int] = {}
    for items in index.changes.values():
        counts.append(len(items))
        for c in items:
            where.setdefault(id(c), len(flat))
            flat.append(c)
    first_paths, first_at = [], []
    for path, c in index.first_added.items():
        at = where.get(id(c))
        if at is None:  # not among the changes (never so when scanned): keep it all the same
            at = len(flat)
            flat.append(c)
        first_paths.append(path)
        first_at.append(at)
    columns = {}
    for name in names:
        values = [getattr(c, name) for c in flat]
        columns[name] = [v.toordinal() for v in values] if name in dates else values
    to_plain, _from, _layout = _codec()
    return {
        "head": index.head,
        "paths": list(index.changes),
        "counts": counts,
        "first_paths": first_paths,
        "first_at": first_at,
        "changes": columns,
        "warnings": to_plain(index.warnings),
    }


def _from_columns(doc: dict) -> HistoryIndex:
    """The index of ``_to_columns`` (ValueError when the data is of another shape)."""
    names, allowed, dates = _change_fields()
    columns = doc.get("changes")
    paths, counts = doc.get("paths"), doc.get("counts")
    first_paths, first_at = doc.get("first_paths"), doc.get("first_at")
    head = doc.get("head")
    if not isinstance(columns, dict) or not (head is None or type(head) is str):
        raise ValueError("not a history index")
    lists = [columns.get(name) for name in names] + [paths, counts, first_paths, first_at]
    if not all(type(v) is list for v in lists):
        raise ValueError("not a history index")
    total = len(lists[0])
    if any(len(columns[name]) != total for name in names) or len(paths) != len(counts):
        raise ValueError("columns of different lengths")
    if len(first_paths) != len(first_at) or sum(counts) > total:
        raise ValueError("columns of different lengths")
    for name, types_ in zip(names, allowed, strict=True):
        if not set(map(type, columns[name])) <= set(types_):
            raise ValueError(f"Change.{name}: a value of another type")
    for column, kind in ((paths, str), (counts, int), (first_paths, str), (first_at, int)):
        if not set(map(type, column)) <= {kind}:
            raise ValueError("a value of another type")
    decoded = []
    for name in names:
        column = columns[name]
        if name in dates:
            column = cachefile.dates_of_ordinals(column)
        decoded.append(column)
    new = object.__new__
    flat: list[Change] = []
    append = flat.append
    for row in zip(*decoded, strict=True):
        c = new(Change)  # frozen: fill its __dict__ directly (5x cheaper than __init__)
        c.__dict__.update(zip(names, row, strict=True))
        append(c)
    changes: dict[str, list[Change]] = {}
    start = 0
    for path, n in zip(paths, counts, strict=True):
        changes[path] = flat[start : start + n]
        start += n
    if any(not 0 <= at < total for at in first_at):
        raise ValueError("a first add out of range")
    first = dict(zip(first_paths, map(flat.__getitem__, first_at), strict=True))
    _to, from_plain, _layout = _codec()
    return HistoryIndex(
        head=head, changes=changes, first_added=first, warnings=from_plain(doc.get("warnings"))
    )


def _load(path, prefix: str, base: str | None = None) -> HistoryIndex | None:
    """The cached index, or None (missing, refused by ``cachefile.read``, another code version,
    data folder or field layout, or a value not of its field's type). ``base``: a delta file
    (``DELTA_FILE``), of the commits after ``base``."""
    doc = cachefile.read(path)
    _to, _from, layout = _codec()
    if not (
        isinstance(doc, dict)
        and doc.get("version") == code_version()
        and doc.get("prefix") == prefix
        and doc.get("layout") == layout
        and doc.get("base") == base
        and isinstance(doc.get("index"), dict)
    ):
        return None
    try:
        return _from_columns(doc["index"])
    except (ValueError, TypeError, OverflowError):
        return None


def _write(path, prefix: str, index: HistoryIndex, base: str | None = None) -> None:
    _to, _from, layout = _codec()
    doc = {"version": code_version(), "prefix": prefix, "layout": layout, "base": base}
    cachefile.write(path, {**doc, "index": _to_columns(index)})


def scan_history_cached(root: Path) -> HistoryIndex:
    """``history.log.scan_history(root)``, reading only the commits added since the cached one.

    The cache is the index at some commit (``HISTORY_FILE``) and, while they are few, the changes
    of the commits after it (``DELTA_FILE``): a build after one more commit writes those, not the
    whole history again."""
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
    delta_path = cachefile.cache_path(root, DELTA_FILE)
    full = _load(path, prefix)
    delta = _load(delta_path, prefix, base=full.head) if full is not None and full.head else None
    current = _combine(full, delta) if full is not None and delta is not None else full
    if current is not None:
        if current.head == head:
            return current
        if current.head and _on_first_parent_chain(root, current.head, head):
            new = HistoryIndex(head=head)
            stream_log(root, f"{current.head}..{head}", prefix, new)
            index = _merge(current, new)
            after = _after(full, delta, new, index)
            total = sum(map(len, index.changes.values()))
            if full.head and sum(map(len, after.changes.values())) * DELTA_SHARE <= total:
                _write(delta_path, prefix, after, base=full.head)
                return index
            _write(path, prefix, index)
            _drop(delta_path)
            return index
    index = scan_history(root)
    if index.head:
        _write(path, prefix, index)
        _drop(delta_path)
    return index


def _drop(path) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _combine(full: HistoryIndex, delta: HistoryIndex) -> HistoryIndex:
    """The index of ``full`` with the commits after it (``delta``, written by ``_after``)."""
    changes = dict(full.changes)
    for path, items in delta.changes.items():
        changes[path] = items + changes.get(path, [])
    first = dict(delta.first_added)
    first.update(full.first_added)  # the oldest add wins
    return HistoryIndex(
        head=delta.head, changes=changes, first_added=first, warnings=delta.warnings + full.warnings
    )


def _after(full: HistoryIndex, delta: HistoryIndex | None, new: HistoryIndex, index: HistoryIndex):
    """What ``index`` (``_merge`` of ``full`` + ``delta`` with ``new``) holds beyond ``full``:
    ``_combine(full, _after(...))`` is ``index``."""
    changes = dict(delta.changes) if delta is not None else {}
    for path, items in new.changes.items():
        changes[path] = items + changes.get(path, [])
    first = dict(new.first_added)
    if delta is not None:
        first.update(delta.first_added)
    warnings = index.warnings[: len(index.warnings) - len(full.warnings)]
    return HistoryIndex(head=index.head, changes=changes, first_added=first, warnings=warnings)


def paths_changed_since(root: Path, old: str, head: str) -> set[str] | None:
    """The record paths that the first-parent commits after ``old`` up to ``head`` touched: the
    only paths whose history (``HistoryIndex.changes``) at ``head`` differs from theirs at
    ``old``. None when ``old`` is not on the first-parent chain of ``head`` (history rewritten,
    another branch) or Git cannot tell: then any path's history may differ."""
    if old == head:
        return set()
    probe = run_git(root, "rev-parse", "--show-prefix")
    if probe.returncode != 0 or not _on_first_parent_chain(root, old, head):
        return None
    new = HistoryIndex(head=head)
    try:
        stream_log(root, f"{old}..{head}", probe.stdout.strip(), new)
    except HistoryError:
        return None
    return set(new.changes)


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

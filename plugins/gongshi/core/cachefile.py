"""The build caches' files: where they live, whether they are used, and how they are read and written.

**Where.** Every cache lives in the Git directory of the data repository, under
``<git common dir>/gongshi-cache/`` (the folder ``git rev-parse --git-common-dir`` names): nothing
there can be committed, so no pull request can ship a cache file, and ``git clean`` or a fresh
checkout never sees one. A data folder below the top of its work tree gets a subfolder of its own.
Outside a Git repository nothing is cached (``cache_dir`` is None): such a folder cannot be
published anyway (every record is a preview), and a cache in the user's home would outlive it. CI
keeps the folder between runs with actions/cache (path ``.git/gongshi-cache``).
``GONGSHI_CACHE=off`` (or ``0``/``no``/``false``) turns every cache off.

**What.** A cache file holds plain data only: marshal of None, bool, int, float, str, bytes and
lists, tuples, dicts and sets of them. No pickle (loading a pickle runs code); marshal can carry
code objects, so ``read`` checks every loaded object and refuses anything else. Each file starts
with a SHA-256 digest of its payload, checked on read: a truncated, corrupted or edited file is
ignored. A cache is only ever a shortcut: a missing, unreadable, refused or outdated file is
rebuilt, never an error, and a cold build writes the same bytes as a warm one
(tests/site/test_cache.py); a mismatch only costs time.

Each cache has its owner module: ``check.cache`` (validated records), ``check.listing`` (the
files of the committed data/ tree), ``history.cache`` (the Git history), ``snapshot.timelines``
(timelines), ``snapshot.changes`` (the last snapshot's entry keys), the output manifests, and the
per-output caches of search and statistics.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import marshal
import os
import tempfile
import types
import typing
from collections.abc import Callable
from datetime import date
from pathlib import Path

from gongshi.core.keys import digest

CACHE_FOLDER = "gongshi-cache"  # inside the Git common directory
# The folder of earlier versions inside the work tree: still git-ignored, never read, and a
# tracked file under it is an error (``gongshi validate``, ``gongshi check-history``).
LEGACY_CACHE_DIR = "cache"
MAGIC = b"gongshi-cache 2\n"
_DIGEST = 32  # SHA-256: the fastest hashlib digest here (SHA extensions), 0.08 s for 140 MB
_ATOMS = frozenset({type(None), bool, int, float, str, bytes})
_CONTAINERS = frozenset({list, tuple, set, frozenset})


def enabled() -> bool:
    """Whether the build caches are used (``GONGSHI_CACHE`` is not off)."""
    return os.environ.get("GONGSHI_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


# --------------------------------------------------------------------------------------------
# The folder


def git_common_dir(root: Path) -> tuple[Path, str] | None:
    """The Git common directory of the work tree holding ``root`` and ``root``'s path inside that
    work tree (``""`` at its top), or None outside Git. Found the way Git finds it (a ``.git``
    folder, or a ``.git`` file naming the folder of a linked work tree or submodule, whose
    ``commondir`` names the shared one) without starting ``git``: every cache asks."""
    here = Path(root).resolve()
    for top in (here, *here.parents):
        dot = top / ".git"
        if dot.is_dir():
            git_dir = dot
        elif dot.is_file():
            try:
                line = dot.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not line.startswith("gitdir:"):
                return None
            git_dir = (top / line[len("gitdir:") :].strip()).resolve()
        else:
            continue
        common = git_dir
        with contextlib.suppress(OSError, UnicodeDecodeError):
            common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        if not (common / "objects").is_dir():
            return None
        return common, here.relative_to(top).as_posix().removeprefix(".")
    return None


_dirs: dict[Path, Path] = {}


def cache_dir(root: Path) -> Path | None:
    """The folder of every cache file of the data repository at ``root``: ``gongshi-cache`` in its
    Git common directory (a subfolder per data folder below the top of the work tree), or None
    when nothing is cached (``GONGSHI_CACHE=off``, or not in a Git repository)."""
    if not enabled():
        return None
    key = Path(root)
    found = _dirs.get(key)
    if found is None:
        located = git_common_dir(key)
        if located is None:
            return None  # not remembered: the folder may become a repository later
        common, inside = located
        found = common / CACHE_FOLDER
        if inside:
            found = found / f"sub-{digest(inside)[:16]}"
        _dirs[key] = found
    return found


def cache_path(root: Path, *parts: str) -> Path | None:
    """``cache_dir(root) / parts``, or None when nothing is cached."""
    folder = cache_dir(root)
    return folder.joinpath(*parts) if folder is not None else None


# --------------------------------------------------------------------------------------------
# Plain data


def is_plain(obj) -> bool:
    """True when ``obj`` is made of None, bool, int, float, str, bytes, lists, tuples, sets and
    dicts only (what a cache may hold; marshal could also give code objects). Lists of atoms are
    checked at C speed: 100,000 entries in a few milliseconds."""
    stack = [obj]
    seen: set[int] = set()  # each container once: shared ones, and a list that holds itself
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _ATOMS:
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        if kind in _CONTAINERS:
            if not _ATOMS.issuperset(map(type, item)):
                stack.extend(item)
        elif kind is dict:
            if not _ATOMS.issuperset(map(type, item)):
                stack.extend(item)
            values = item.values()
            if not _ATOMS.issuperset(map(type, values)):
                stack.extend(values)
        else:
            return False
    return True


def encode(obj) -> bytes:
    """The bytes of a cache file holding ``obj`` (plain data, else TypeError): the header, the
    SHA-256 digest of the payload and the payload (marshal)."""
    if not is_plain(obj):
        raise TypeError("a cache holds plain data only (None, bool, int, float, str, bytes, containers)")
    payload = marshal.dumps(obj)
    return MAGIC + hashlib.sha256(payload).digest() + payload


def decode(data: bytes):
    """The object of a cache file's bytes, or None unless the header, the digest and the plain
    content all check out."""
    start = len(MAGIC) + _DIGEST
    if not data.startswith(MAGIC) or len(data) < start:
        return None
    view = memoryview(data)[start:]
    if hashlib.sha256(view).digest() != data[len(MAGIC) : start]:
        return None
    try:
        obj = marshal.loads(view)
    except (EOFError, ValueError, TypeError):
        return None
    return obj if is_plain(obj) else None


def read(path: Path | None):
    """The object in a cache file, or None when there is none, it is unreadable, its digest does
    not match or it holds anything but plain data."""
    if path is None:
        return None
    try:
        # One read of the whole file: marshal.load() on a file object reads object by object
        # through Python calls, 5x slower for a 100 MB cache.
        data = Path(path).read_bytes()
    except OSError:
        return None
    return decode(data)


def read_dict(path: Path | None) -> dict:
    """The dict in a cache file (missing, unreadable or not a dict: empty)."""
    doc = read(path)
    return doc if isinstance(doc, dict) else {}


def write(path: Path | None, obj) -> None:
    """Write a cache file atomically: into a temporary file next to it, then renamed, so a crash
    never leaves half a file. Failures are ignored (a cache that cannot be written is rebuilt next
    time); ``path`` None (nothing is cached) writes nothing."""
    if path is None:
        return
    data = encode(obj)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# --------------------------------------------------------------------------------------------
# Dataclasses as plain data


def dates_of_ordinals(column: list) -> list:
    """A column of day ordinals (or None) as dates, each distinct day made once: cache files store
    dates as ordinals, and a column of 100,000 dates holds a few thousand distinct days. Raises
    ValueError/TypeError/OverflowError on a value that is no ordinal (a file not written so)."""
    days = {n: date.fromordinal(n) for n in set(column) if n is not None}
    days[None] = None
    return list(map(days.__getitem__, column))


def plain_codec(kind) -> tuple[Callable, Callable]:
    """``(to_plain, from_plain)`` for values of the type ``kind``, read from type hints: atoms,
    ``date`` (ISO text), ``Literal`` text, ``X | None``, ``list[X]``, ``tuple[X, ...]``,
    ``dict[str, X]`` and dataclasses (a tuple of their fields, in the order
    ``dataclasses.fields`` gives). A new field of a cached dataclass is carried without any change
    here; a type it cannot carry is a TypeError when the codec is made. ``from_plain`` raises
    ValueError on data of another shape (a refused cache). Within one call, an object met twice
    (the same ``Change`` in two tables) is written once and read back as one object."""
    inner_to, inner_from = _codec(kind)

    def to_plain(value):
        return _with_memo(inner_to, value)

    def from_plain(value):
        return _with_memo(inner_from, value)

    return to_plain, from_plain


_memo: dict | None = None  # id -> (source, result) while a top-level codec call runs


def _with_memo(fn: Callable, value):
    global _memo
    if _memo is not None:
        return fn(value)
    _memo = {}
    try:
        return fn(value)
    finally:
        _memo = None


def _codec(kind) -> tuple[Callable, Callable]:
    if kind in _ATOMS:

        def check(value, kind=kind):
            if type(value) is not kind and not (kind is float and type(value) is int):
                raise ValueError(f"expected {kind.__name__}")
            return value

        return (lambda value: value), check
    if kind is date:

        def date_from(value):
            if type(value) is not str:
                raise ValueError("expected a date")
            return date.fromisoformat(value)

        return (lambda value: value.isoformat()), date_from
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Literal:

        def literal_from(value, allowed=frozenset(args)):
            if type(value) is not str or value not in allowed:
                raise ValueError(f"expected one of {sorted(allowed)}")
            return value

        return (lambda value: value), literal_from
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner_to, inner_from = _codec(next(a for a in args if a is not type(None)))
        return (
            lambda value: None if value is None else inner_to(value),
            lambda value: None if value is None else inner_from(value),
        )
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        inner_to, inner_from = _codec(args[0])
        build = list if origin is list else tuple

        def seq_from(value, build=build, inner_from=inner_from):
            if type(value) is not list:
                raise ValueError("expected a list")
            return build(map(inner_from, value))

        return (lambda value: list(map(inner_to, value))), seq_from
    if origin is dict and args and args[0] is str:
        inner_to, inner_from = _codec(args[1])

        def dict_from(value, inner_from=inner_from):
            if type(value) is not dict or not all(type(k) is str for k in value):
                raise ValueError("expected a dict with text keys")
            return {k: inner_from(v) for k, v in value.items()}

        return (lambda value: {k: inner_to(v) for k, v in value.items()}), dict_from
    if dataclasses.is_dataclass(kind):
        return _dataclass_codec(kind)
    raise TypeError(f"no cache encoding for {kind!r}")


def _atom_types(kind) -> tuple[type, ...] | None:
    """The types a field of this type may hold when it is an atom or an optional atom."""
    if kind in _ATOMS:
        return (kind, int) if kind is float else (kind,)
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        other = next(a for a in args if a is not type(None))
        if other in _ATOMS and other is not float:
            return (other, type(None))
    return None


def _dataclass_codec(kind) -> tuple[Callable, Callable]:
    hints = typing.get_type_hints(kind)
    fields = dataclasses.fields(kind)
    names = [f.name for f in fields]
    # Atom fields are only type-checked; the others go through their own codec.
    atoms = {n: _atom_types(hints[n]) for n in names}
    convert = {n: _codec(hints[n]) for n in names if atoms[n] is None}
    to_fns = [convert[n][0] if n in convert else None for n in names]
    checks = [(i, atoms[n]) for i, n in enumerate(names) if atoms[n] is not None]
    converts = [(i, convert[n][1]) for i, n in enumerate(names) if n in convert]
    # Filling __dict__ directly is 5x cheaper than __init__ (frozen fields set one by one); only
    # for plain dataclasses whose __init__ does nothing more.
    init_fields = [i for i, f in enumerate(fields) if f.init]
    direct = (
        len(init_fields) == len(fields)
        and not hasattr(kind, "__slots__")
        and not hasattr(kind, "__post_init__")
    )

    def dataclass_to(value):
        memo = _memo
        key = id(value)
        if memo is not None and key in memo:
            return memo[key][1]
        out = tuple(
            [
                getattr(value, n) if f is None else f(getattr(value, n))
                for f, n in zip(to_fns, names, strict=True)
            ]
        )
        if memo is not None:
            memo[key] = (value, out)
        return out

    def dataclass_from(value):
        memo = _memo
        key = id(value)
        if memo is not None and key in memo:
            return memo[key][1]
        if type(value) is not tuple or len(value) != len(names):
            raise ValueError(f"expected the {len(names)} fields of {kind.__name__}")
        for i, allowed in checks:
            if type(value[i]) not in allowed:
                raise ValueError(f"{kind.__name__}.{names[i]}: not a {allowed[0].__name__}")
        values = list(value)
        for i, fn in converts:
            values[i] = fn(values[i])
        if direct:
            obj = object.__new__(kind)
            obj.__dict__.update(zip(names, values, strict=True))
        else:
            obj = kind(*[values[i] for i in init_fields])
        if memo is not None:
            memo[key] = (value, obj)
        return obj

    return dataclass_to, dataclass_from


def dataclass_layout(kind) -> list:
    """The field names and types of a dataclass and of the dataclasses inside it, as text: stored
    with a cache of ``plain_codec(kind)``, so data written for other fields is never read."""
    out, seen, todo = [], set(), [kind]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            out.append(f"{cls.__name__}.{f.name}: {hints[f.name]!r}")
            stack = [hints[f.name]]
            while stack:
                t = stack.pop()
                if dataclasses.is_dataclass(t):
                    todo.append(t)
                stack.extend(typing.get_args(t))
    return out

"""The validated-record cache (``records/`` in ``core.cachefile.cache_dir``): the rows
(``result.ROW_COLUMNS``) of record files checked before, by file path + Git blob id, for one code
version (the package's sources and the schemas) and one registry (``repo.registrykey``), one file
of columns per department folder. ``git ls-files -s`` gives the blob ids of clean files cheaply; modified and
untracked files are hashed the same way from their bytes. The as-of date only matters for the
"date in the future" checks, so an entry is reused for another as-of date when both lie on or
after the latest date those checks read (docs/validation.md).

The cache only answers and stores: ``look_up`` says which rows are known and which files still
need checking (``CachedRows.missing``); ``check.run`` checks those and hands their rows to
``CachedRows.store``.

A row is only ever reused for a file whose blob id is the one it was stored under: clean files
take theirs from Git's index (``git ls-files -s``, after ``git diff-files`` found the file
unchanged), every other file is hashed from the bytes about to be checked. The shard file itself
is checked against its SHA-256 digest and for plain data on every read (``core.cachefile``), and
it lives in the Git directory, where no commit can put one: a forged or damaged shard is ignored
and its files are checked again, so a mismatch only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from gongshi.check.result import ROW_COLUMNS
from gongshi.core import cachefile
from gongshi.core.keys import digest
from gongshi.core.problems import Problem
from gongshi.repo.files import CALENDAR_DIR
from gongshi.repo.registrykey import registry_key

REGISTRY_PROBLEMS_FILE = "registry-problems.marshal"

# --------------------------------------------------------------------------------------------
# Git blob ids


def blob_id(data: bytes) -> str:
    """The Git blob id of these bytes (the id ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# One entry of ``git ls-files -s -z``: mode, blob id, stage, tab, path, NUL.
_LS_FILES_RE = re.compile(r"([0-7]+) ([0-9a-f]{40,64}) ([0-3])\t([^\0]*)\0")


class GitListing:
    """``git ls-files -s`` and ``git diff-files`` of data/records, started as soon as a run begins:
    Git stats every file in its own processes while Python walks the tree (output to temporary
    files, so a full pipe never stops them)."""

    COMMANDS = (
        ("ls-files", "-s", "-z", "--", "data/records"),
        ("diff-files", "--name-only", "--relative", "-z", "--", "data/records"),
    )

    def __init__(self, root: Path):
        self.runs: list[tuple[subprocess.Popen, object] | None] = []
        for args in self.COMMANDS:
            out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by outputs() or close()
            try:
                proc = subprocess.Popen(
                    ["git", "-C", str(root), *args], stdout=out, stderr=subprocess.DEVNULL
                )
            except OSError:
                out.close()
                self.runs.append(None)
            else:
                self.runs.append((proc, out))

    def outputs(self) -> tuple[str, str] | None:
        """The two outputs (decoded), or None when Git could not tell (no repository, no git)."""
        texts = []
        for run in self.runs:
            if run is None:
                texts.append(None)
                continue
            proc, out = run
            proc.wait()
            out.seek(0)
            data = out.read()
            out.close()
            texts.append(data.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None)
        self.runs = []
        if texts[0] is None or texts[1] is None:
            return None
        return texts[0], texts[1]

    def close(self) -> None:
        """Wait for Git and drop its output (a run that ended before reading it)."""
        for run in self.runs:
            if run is not None:
                run[0].wait()
                run[1].close()
        self.runs = []


def blob_ids(root: Path, relpaths: list[str], listing: GitListing | None = None) -> list[str]:
    """The Git blob id of each file (repository-relative paths under data/records), in order: from
    the index for the files ``git diff-files`` reports clean, hashed from the bytes otherwise (not
    in Git, modified, in a merge conflict); "unreadable" for a file that cannot be read."""
    staged: dict[str, str] = {}
    dirty: set[str] = set()
    outputs = (listing or GitListing(root)).outputs()
    if outputs is not None:
        listed, changed = outputs
        # One regular expression over the whole listing: 100,000 entries in C, not in a Python loop.
        staged = {path: sha for _mode, sha, stage, path in _LS_FILES_RE.findall(listed) if stage == "0"}
        dirty = set(filter(None, changed.split("\0")))
    out = [staged.get(rel) for rel in relpaths]
    for i, sha in enumerate(out):
        rel = relpaths[i]
        if sha is None or rel in dirty:
            out[i] = file_blob_id(Path(root) / rel)
    return out


def file_blob_id(path: Path) -> str:
    """The Git blob id of the file's bytes; "unreadable" when it cannot be read or is no regular
    file (reading a FIFO would wait for a writer forever; the validation reports what it is)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return "unreadable"
        return blob_id(path.read_bytes())
    except OSError:
        return "unreadable"


# --------------------------------------------------------------------------------------------
# Validated records


class RecordCache:
    """The validation results of the record files of one department folder (one shard), for one
    registry key (``registry_key``).

    One marshal file of parallel columns per shard, entry ``j`` being one file: ``paths``,
    ``blobs`` (Git blob id), ``as_of`` (the day it was checked) and ``result.ROW_COLUMNS``: the
    packed record (marshal bytes), problems, document-number key and line, and ``floors`` (the
    latest date its "in the future" checks compare with the as-of date: the result holds for any
    other day on or after it too). Columns of plain values load several times faster than an
    object per entry, the record bytes stay bytes until a record is read, and a changed record
    rewrites only its department's file (a few MB, not the 140 MB of 100,000 records)."""

    def __init__(self, root: Path, key: str, shard: str):
        self.root = Path(root)
        self.path = cachefile.cache_path(root, "records", f"{digest(shard)[:16]}.marshal")
        self.key = key
        self.names = ("paths", "blobs", "as_of", *ROW_COLUMNS)
        self.columns: dict[str, list] = {name: [] for name in self.names}
        doc = cachefile.read(self.path)
        if (
            isinstance(doc, dict)
            and doc.get("key") == key
            and doc.get("shard") == shard
            and all(isinstance(doc.get(name), list) for name in self.names)
            and len({len(doc[name]) for name in self.names}) == 1
        ):
            self.columns = {name: doc[name] for name in self.names}
        self.shard = shard

    def find(self, relpaths: list[str], blobs: list[str], as_of: str) -> list[int | None] | None:
        """For each file, the index of its reusable entry, or None (new, changed, or checked on a day
        that its date checks would see differently). None instead of the list: every entry, as is."""
        paths, old_blobs = self.columns["paths"], self.columns["blobs"]
        days, floors = self.columns["as_of"], self.columns["floors"]
        same_files = paths == relpaths
        if same_files and old_blobs == blobs and days.count(as_of) == len(relpaths):
            return None  # nothing changed: no per-file Python work
        where = None if same_files else dict(zip(paths, range(len(paths)), strict=True))
        out: list[int | None] = []
        for i, rel in enumerate(relpaths):
            j = i if where is None else where.get(rel)
            if j is None or old_blobs[j] != blobs[i]:
                out.append(None)
                continue
            day, floor = days[j], floors[j]
            out.append(j if day == as_of or (day >= floor and as_of >= floor) else None)
        return out

    def save(
        self, relpaths: list[str], blobs: list[str], as_of: str, found: list, rows: dict[str, list]
    ) -> None:
        """Store this run's rows (``rows[name][i]`` for file ``i``; reused entries keep their day).
        Entries of files outside this run that still exist stay (a run limited to some paths)."""
        old = self.columns
        days = [as_of if j is None else old["as_of"][j] for j in found]
        new = {"paths": relpaths, "blobs": blobs, "as_of": days, **rows}
        if old["paths"] != relpaths:
            seen = set(relpaths)
            keep = [
                j for j, rel in enumerate(old["paths"]) if rel not in seen and (self.root / rel).is_file()
            ]
            new = {name: [old[name][j] for j in keep] + list(new[name]) for name in self.names}
        unreadable = [i for i, blob in enumerate(new["blobs"]) if blob == "unreadable"]
        if unreadable:
            drop = set(unreadable)
            new = {name: [v for i, v in enumerate(col) if i not in drop] for name, col in new.items()}
        cachefile.write(self.path, {"key": self.key, "shard": self.shard, **new})


def _shards(relpaths: list[str]) -> list[tuple[str, int, int]]:
    """``(shard, start, stop)``: the runs of files of one department folder (files come folder by
    folder; a misplaced file's shard is its own folder)."""
    out: list[tuple[str, int, int]] = []
    prefix = None
    for i, rel in enumerate(relpaths):
        if prefix is not None and rel.startswith(prefix) and "/" in rel[len(prefix) :]:
            continue  # the common case: the same department folder as the file before
        parts = rel.split("/", 3)
        shard = "/".join(parts[:3]) if len(parts) > 3 else rel[: rel.rfind("/")]
        prefix = shard + "/" if len(parts) > 3 else None
        if out and out[-1][0] == shard:
            continue
        if out:
            out[-1] = (out[-1][0], out[-1][1], i)
        out.append((shard, i, i))
    if out:
        out[-1] = (out[-1][0], out[-1][1], len(relpaths))
    return out


class CachedRows:
    """What the cache knows of one run's record files: their blob ids, their rows as columns
    (``result.ROW_COLUMNS``; None in every column of a file in ``missing``) and ``missing``, the
    indices of the files that still need checking, in order."""

    def __init__(self, root: Path, relpaths: list[str], day: str, blobs: list[str]):
        self.root = Path(root)
        self.relpaths = relpaths
        self.day = day
        self.blobs = blobs
        self.rows: dict[str, list] = {name: [] for name in ROW_COLUMNS}
        self.missing: list[int] = []
        # The shards where anything differs from the cache: (store, start, stop, found).
        self._changed: list[tuple[RecordCache, int, int, list]] = []

    def store(self, computed: dict[str, list] | None) -> None:
        """Put the rows of the ``missing`` files (columns, in that order) in place and write the
        shards where anything changed again."""
        if self.missing:
            for name in ROW_COLUMNS:
                column, values = self.rows[name], computed[name]
                for k, i in enumerate(self.missing):
                    column[i] = values[k]
        legacy = cachefile.cache_path(self.root, "records.marshal")
        if self._changed and legacy is not None:  # the single file of earlier versions
            with contextlib.suppress(OSError):
                legacy.unlink(missing_ok=True)
        relpaths, rows = self.relpaths, self.rows
        for store, start, stop, found in self._changed:
            if None in found or store.columns["paths"] != relpaths[start:stop]:  # else only the day moved on
                shard_rows = {name: rows[name][start:stop] for name in ROW_COLUMNS}
                store.save(relpaths[start:stop], self.blobs[start:stop], self.day, found, shard_rows)


def look_up(
    root: Path,
    relpaths: list[str],
    as_of: date,
    listing: GitListing | None = None,
    *,
    blobs: list[str] | None = None,
) -> CachedRows:
    """The cached rows of the record files ``relpaths`` (where the file is unchanged) and the files
    still to check. ``listing``: started before; ``blobs``: the files' blob ids, known already."""
    key = registry_key(root)
    if blobs is None:
        blobs = blob_ids(root, relpaths, listing)
    cached = CachedRows(root, relpaths, as_of.isoformat(), blobs)
    rows, blobs, day = cached.rows, cached.blobs, cached.day
    for shard, start, stop in _shards(relpaths):
        store = RecordCache(root, key, shard)
        found = store.find(relpaths[start:stop], blobs[start:stop], day)
        if found is None:
            for name in ROW_COLUMNS:
                rows[name].extend(store.columns[name])
            continue
        for name in ROW_COLUMNS:
            column = store.columns[name]
            rows[name].extend(None if j is None else column[j] for j in found)
        cached.missing.extend(start + k for k, j in enumerate(found) if j is None)
        cached._changed.append((store, start, stop, found))
    return cached


# --------------------------------------------------------------------------------------------
# The registry files' problems


@cache
def _problems_codec():
    return cachefile.plain_codec(dict[str, list[Problem]])


def registry_problems_cached(root: Path, compute: Callable[[], dict[str, list[Problem]]]):
    """``compute()`` (the problems of the registry files, by file), reused while the registry
    files, the code version and the names in the calendar folder (strays there are reported)
    are the same: checking departments.yaml loads python-stdnum's region table, a fifth of a
    second on every build otherwise."""
    path = cachefile.cache_path(root, REGISTRY_PROBLEMS_FILE)
    if path is None:
        return compute()
    try:
        names = sorted(f"{e.name}\0{e.is_file()}" for e in os.scandir(Path(root) / CALENDAR_DIR))
    except OSError:
        names = ["?"]
    key = digest(registry_key(root), *names)
    doc = cachefile.read(path)
    to_plain, from_plain = _problems_codec()
    if isinstance(doc, dict) and doc.get("key") == key:
        try:
            return from_plain(doc.get("problems"))
        except (ValueError, TypeError):
            pass
    out = compute()
    cachefile.write(path, {"key": key, "problems": to_plain(out)})
    return out

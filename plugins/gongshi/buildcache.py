"""Caches that make a rebuild of a large repository cheap. All live under ``<repo>/cache/gongshi/``
(git-ignored; CI keeps the folder between runs with actions/cache) and are only ever a shortcut:
a missing, unreadable or outdated cache is rebuilt, never an error, and a cold build writes the
same bytes as a warm one (tests/site/test_cache.py).

* **Validated records** by file path + Git blob id, for one code version (the package's sources
  and the schemas) and one registry (departments, catalogs, policy, calendar), one file of
  columns per department folder (``records/``). ``git ls-files -s`` gives the blob ids of clean
  files cheaply; modified and untracked files are hashed the same way from their bytes. The as-of
  date only matters for the "date in the future" checks, so an entry is reused for another as-of
  date when both lie on or after the latest date those checks read (docs/validation.md).
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
import re
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core.problems import Problem
from gongshi.core.records import Record
from gongshi.repo.schemas import SCHEMA_DIR

if TYPE_CHECKING:
    from gongshi.history.log import HistoryIndex

CACHE_DIR = "cache/gongshi"
FORMAT = 1  # bump when the layout of a cache file changes
PACKAGE_DIR = Path(__file__).resolve().parent
REGISTRY_GLOBS = ("data/departments.yaml", "data/policy.yaml", "data/catalog/*.yaml", "data/calendar/*.yaml")


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
            try:
                out[i] = blob_id((Path(root) / rel).read_bytes())
            except OSError:
                out[i] = "unreadable"
    return out


# --------------------------------------------------------------------------------------------
# Validated records


def registry_key(root: Path) -> str:
    parts = []
    for pattern in REGISTRY_GLOBS:
        for path in sorted(Path(root).glob(pattern)):
            try:
                parts.append(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
            except OSError:
                parts.append(b"?")
    return digest(code_version(), *parts)


class RecordCache:
    """The validation results of the record files of one department folder (one shard), for one
    registry key (``registry_key``).

    One marshal file of parallel columns per shard, entry ``j`` being one file: ``paths``,
    ``blobs`` (Git blob id), ``as_of`` (the day it was checked) and ``validate.ROW_COLUMNS``: the
    packed record (marshal bytes), problems, document-number key and line, and ``floors`` (the
    latest date its "in the future" checks compare with the as-of date: the result holds for any
    other day on or after it too). Columns of plain values load several times faster than an
    object per entry, the record bytes stay bytes until a record is read, and a changed record
    rewrites only its department's file (a few MB, not the 140 MB of 100,000 records)."""

    def __init__(self, root: Path, key: str, row_columns: tuple[str, ...], shard: str):
        self.root = Path(root)
        self.path = cache_dir(root) / "records" / f"{digest(shard)[:16]}.marshal"
        self.key = key
        self.names = ("paths", "blobs", "as_of", *row_columns)
        self.columns: dict[str, list] = {name: [] for name in self.names}
        doc = _read(self.path)
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
        _write_atomic(self.path, marshal.dump, {"key": self.key, "shard": self.shard, **new})


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


def check_records_cached(
    root: Path,
    relpaths: list[str],
    as_of: date,
    row_columns: tuple[str, ...],
    compute: Callable[[list[int]], dict[str, list]],
    listing: GitListing | None = None,
) -> tuple[dict[str, list], list[str]]:
    """``(rows, blob ids)`` of the record files ``relpaths``, rows as columns (``row_columns``):
    cached where the file is unchanged, ``compute(indices)`` (columns in that order) for the
    others; the shards where anything changed are written again. ``listing``: started before."""
    key = registry_key(root)
    day = as_of.isoformat()
    blobs = blob_ids(root, relpaths, listing)
    rows: dict[str, list] = {name: [] for name in row_columns}
    missing: list[int] = []
    changed: list[tuple[RecordCache, int, int, list]] = []
    for shard, start, stop in _shards(relpaths):
        store = RecordCache(root, key, row_columns, shard)
        found = store.find(relpaths[start:stop], blobs[start:stop], day)
        if found is None:
            for name in row_columns:
                rows[name].extend(store.columns[name])
            continue
        for name in row_columns:
            column = store.columns[name]
            rows[name].extend(None if j is None else column[j] for j in found)
        missing.extend(start + k for k, j in enumerate(found) if j is None)
        changed.append((store, start, stop, found))
    if missing:
        computed = compute(missing)
        for name in row_columns:
            column, values = rows[name], computed[name]
            for k, i in enumerate(missing):
                column[i] = values[k]
    if changed:  # the single file of earlier versions
        with contextlib.suppress(OSError):
            (cache_dir(root) / "records.marshal").unlink(missing_ok=True)
    for store, start, stop, found in changed:
        if None in found or store.columns["paths"] != relpaths[start:stop]:  # else only the day moved on
            shard_rows = {name: rows[name][start:stop] for name in row_columns}
            store.save(relpaths[start:stop], blobs[start:stop], day, found, shard_rows)
    return rows, blobs


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

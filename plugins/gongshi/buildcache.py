"""What is left of the build caches' former single module: the validated-record cache and the output
manifests, each on its way to its owner (``check.cache``, ``site.manifest``). The cache files, their
folder and ``GONGSHI_CACHE`` are ``gongshi.core.cachefile``; the digest and the code version are
``gongshi.core.keys``; the Git history cache is ``gongshi.history.cache`` and the timeline cache
``gongshi.snapshot.timelines``.

* **Validated records** by file path + Git blob id, for one code version (the package's sources
  and the schemas) and one registry (departments, catalogs, policy, calendar), one file of
  columns per department folder (``records/``). ``git ls-files -s`` gives the blob ids of clean
  files cheaply; modified and untracked files are hashed the same way from their bytes. The as-of
  date only matters for the "date in the future" checks, so an entry is reused for another as-of
  date when both lie on or after the latest date those checks read (docs/validation.md).
* **Output manifests**: for each output folder, the input key each file was produced from, with
  the file's size and mtime. A file whose key is unchanged and whose previous copy is untouched is
  kept (hard link) instead of rendered again.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from gongshi.core.cachefile import cache_dir, enabled, read, write_atomic
from gongshi.core.keys import code_version, digest
from gongshi.history.log import HISTORY_LIMIT

REGISTRY_GLOBS = ("data/departments.yaml", "data/policy.yaml", "data/catalog/*.yaml", "data/calendar/*.yaml")


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
        doc = read(self.path)
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
        write_atomic(self.path, marshal.dump, {"key": self.key, "shard": self.shard, **new})


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

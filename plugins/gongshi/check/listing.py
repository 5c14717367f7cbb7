"""The files under data/ and the record files' Git blob ids, from Git's tree and ``git status``
instead of a walk of the work tree: what a warm run of ``validate_repository`` checks.

Listing 100,000 record files by walking data/ and asking ``git ls-files -s`` and ``git
diff-files`` for their blob ids cost about a second per build. Here the listing of the committed
tree ``HEAD:data`` is kept between runs (``data-listing.marshal`` in ``core.cachefile.cache_dir``,
this module owns it) and brought up to date with ``git diff-tree`` of the tree it was made for;
``git status`` then names every file of the work tree that differs from that tree (modified,
staged, deleted, untracked), and exactly those are looked at on disk (listed when they exist,
hashed from their bytes). The result is the walk's: the same record files in the same order, the
same strays, the same blob ids (``tests/unit/check/test_listing.py`` compares them).

Whatever this cannot see exactly gives None, and the caller walks the tree as before: no cache,
not in Git or no commit with data/, a data folder below the top of its work tree, ignored files
under data/ that the walk would list (Git names an ignored folder, not its files; an ignored
``.DS_Store`` or hidden folder is passed by as the walk does), a nested repository, symbolic links
or submodules, a changed path that is not a regular file (a FIFO, a folder in a file's place) or
cannot be looked at, and an index other than version 2: ``git status`` says nothing of files
marked skip-worktree (a sparse checkout) or intent-to-add, which only a version 3 or 4 index can
hold, so such files could be missing from disk while the committed tree lists them.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gongshi.check.cache import file_blob_id
from gongshi.core import cachefile
from gongshi.core.keys import code_version
from gongshi.repo.files import CALENDAR_DIR, CATALOG_DIR, DEPARTMENTS_FILE, POLICY_FILE, RECORDS_DIR

LISTING_FILE = "data-listing.marshal"
# The kept file is of an earlier tree until it is this many changed files behind.
KEEP_BEHIND = 256
RECORD = 1
STRAY = 2
# One entry of ``git ls-tree -r -z``: mode, type, blob id, tab, path, NUL.
_LS_TREE_RE = re.compile(r"([0-7]+) (\w+) ([0-9a-f]{40,64})\t([^\0]*)\0")
_REGULAR = ("100644", "100755")


def data_file_kind(rel: str) -> int | None:
    """What the walk of data/ makes of the file ``rel`` (repository-relative, under data/):
    ``RECORD``, ``STRAY`` (reported as ignored) or None (skipped: hidden, notes, registry files)."""
    parts = rel.split("/")
    if any(p.startswith(".") for p in parts[1:-1]):
        return None  # a hidden folder is never entered
    name = parts[-1]
    if name.startswith(".") or name.endswith(".md"):
        return None
    in_records = (rel[: len(rel) - len(name)]).startswith(RECORDS_DIR + "/")
    if in_records and name.endswith((".yaml", ".yml")):
        return RECORD
    if rel in (DEPARTMENTS_FILE, POLICY_FILE) or rel.startswith(CALENDAR_DIR + "/"):
        return None
    if rel.startswith(CATALOG_DIR + "/") and name.endswith(".yaml") and rel.count("/") == 2:
        return None
    return STRAY


def _skipped_by_walk(rel: str) -> bool:
    """Whether the walk of data/ never lists the file or folder (trailing ``/``) ``rel``."""
    if rel.endswith("/"):
        return any(p.startswith(".") for p in rel.rstrip("/").split("/")[1:])
    return data_file_kind(rel) is None


def walk_order(rel: str) -> tuple:
    """The sort key of the walk's order: folders by name, a folder's own files before its
    subfolders' (``os.walk`` top-down with sorted names)."""
    parts = rel.split("/")
    return (*[(1, p) for p in parts[:-1]], (0, parts[-1]))


@dataclass
class DataListing:
    """The files under data/ as the walk finds them, with the record files' blob ids and the
    record files Git shows as new or changed (``check.consistency.working_set``)."""

    records: list[str]
    strays: list[str]
    blobs: list[str]
    new: set[str]
    changed: set[str]


class StatusRun:
    """``git status`` of data/, started as soon as a run begins (Git stats the files in its own
    process while Python loads the registry)."""

    # No rename detection: a renamed file is its old path deleted and its new path added.
    ARGS = (
        "status",
        "--porcelain",
        "-z",
        "--no-renames",
        "--untracked-files=all",
        "--ignored=matching",
        "--",
        "data",
    )

    def __init__(self, root: Path):
        self.root = Path(root)
        self.proc: subprocess.Popen | None = None
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result() or close()
        try:
            self.proc = subprocess.Popen(
                ["git", "-C", str(root), "-c", "core.quotepath=off", *self.ARGS],
                stdout=self.out,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self.proc = None

    def result(self) -> str | None:
        """The output (decoded), or None when Git could not tell."""
        if self.proc is None:
            self.out.close()
            return None
        self.proc.wait()
        self.out.seek(0)
        data = self.out.read()
        self.out.close()
        ok = self.proc.returncode == 0
        self.proc = None
        return data.decode("utf-8", "surrogateescape") if ok else None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.wait()
            self.proc = None
        self.out.close()


def _plain_index(root: Path) -> bool:
    """Whether the work tree's index is of version 2, which holds no skip-worktree or
    intent-to-add flag (Git writes version 3 when a file has one; version 4 could hold them too)."""
    path = _git(root, "rev-parse", "--git-path", "index")
    if path is None:
        return False
    index = Path(path.strip())
    try:
        with open(index if index.is_absolute() else Path(root) / index, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head[:4] == b"DIRC" and int.from_bytes(head[4:8], "big") == 2


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotepath=off", *args], capture_output=True, check=False
        )
    except OSError:  # no git: the walk then
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def _committed(root: Path, tree: str) -> dict | None:
    """The listing of the committed tree ``tree`` (of data/): ``records`` in walk order, their
    ``blobs``, ``strays``; from the kept file when it is of this tree or of an earlier one
    (``git diff-tree``), else from ``git ls-tree``. None when the tree holds anything but regular
    files."""
    path = cachefile.cache_path(root, LISTING_FILE)
    doc = cachefile.read_dict(path)
    ok = (
        doc.get("code") == code_version()
        and isinstance(doc.get("tree"), str)
        and isinstance(doc.get("records"), list)
        and isinstance(doc.get("strays"), list)
        and isinstance(doc.get("blobs"), dict)
    )
    if ok and doc["tree"] == tree:
        return doc
    out: dict | None = None
    if ok:
        diff = _git(root, "diff-tree", "-r", "-z", "--no-renames", doc["tree"], tree)
        if diff is not None:
            out = _patched(doc, diff)
            if out is not None and diff.count("\0") <= 2 * KEEP_BEHIND:
                return out  # the kept file stays: patching a few changes beats rewriting 10 MB
    if out is None:
        listed = _git(root, "ls-tree", "-r", "-z", tree)
        if listed is None:
            return None
        records, strays, blobs = [], [], {}
        for mode, _kind, sha, name in _LS_TREE_RE.findall(listed):
            if mode not in _REGULAR:
                return None
            rel = "data/" + name
            kind = data_file_kind(rel)
            if kind == RECORD:
                records.append(rel)
                blobs[rel] = sha
            elif kind == STRAY:
                strays.append(rel)
        records.sort(key=walk_order)
        strays.sort(key=walk_order)
        out = {"records": records, "strays": strays, "blobs": blobs}
    out["code"], out["tree"] = code_version(), tree
    cachefile.write(path, out)
    return out


def _patched(doc: dict, diff: str) -> dict | None:
    """``doc`` with the changes of ``git diff-tree -r -z`` output applied (None: a change it
    cannot take, such as a symbolic link)."""
    records, strays, blobs = list(doc["records"]), list(doc["strays"]), dict(doc["blobs"])
    fields = diff.split("\0")
    # Each change: ":old_mode new_mode old_sha new_sha status" NUL path NUL.
    for i in range(0, len(fields) - 1, 2):
        head, name = fields[i], fields[i + 1]
        parts = head.split(" ")
        if len(parts) != 5 or not parts[0].startswith(":"):
            return None
        new_mode, new_sha, status = parts[1], parts[3], parts[4]
        rel = "data/" + name
        kind = data_file_kind(rel)
        if kind is None:
            continue
        if status == "D":
            _remove(records if kind == RECORD else strays, rel)
            blobs.pop(rel, None)
            continue
        if new_mode not in _REGULAR or status not in ("A", "M", "T"):
            return None
        if kind == RECORD:
            if rel not in blobs:
                bisect.insort(records, rel, key=walk_order)
            blobs[rel] = new_sha
        elif status == "A":
            bisect.insort(strays, rel, key=walk_order)
    return {"records": records, "strays": strays, "blobs": blobs}


def _remove(paths: list[str], rel: str) -> None:
    i = bisect.bisect_left(paths, walk_order(rel), key=walk_order)
    if i < len(paths) and paths[i] == rel:
        del paths[i]


def data_listing(root: Path, status: StatusRun) -> DataListing | None:
    """The files under data/ of the work tree at ``root`` (see the module's text), or None when
    this way cannot see them exactly (the caller then walks the tree)."""
    root = Path(root)
    located = cachefile.git_common_dir(root)
    if cachefile.cache_dir(root) is None or located is None or located[1]:
        status.close()
        return None
    tree = _git(root, "rev-parse", "--verify", "-q", "HEAD:data")
    text = status.result()
    if tree is None or text is None or not (root / "data").is_dir() or not _plain_index(root):
        return None
    committed = _committed(root, tree.strip())
    if committed is None:
        return None
    records, strays, blobs = committed["records"], committed["strays"], committed["blobs"]
    new: set[str] = set()
    changed: set[str] = set()
    mentioned: list[str] = []
    fields = text.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) <= 3:
            continue
        code, rel = entry[:2], entry[3:]
        if code == "!!" or rel.endswith("/"):
            if _skipped_by_walk(rel):
                continue  # an ignored .DS_Store, a hidden folder: the walk passes them by too
            return None  # ignored files, or a nested repository: only the walk sees inside
        mentioned.append(rel)
        if code[0] in "RC" or code[1] in "RC":
            mentioned.append(fields[i])  # the source of a rename or copy: its own path next
            i += 1
        if rel.startswith(RECORDS_DIR):  # as ``check.consistency.working_set``
            changed.add(rel)
            if code == "??" or code[0] == "A":
                new.add(rel)
    if mentioned:
        records, strays, blobs = list(records), list(strays), dict(blobs)
        for rel in mentioned:
            kind = data_file_kind(rel)
            if kind is None:
                continue
            file = root / rel
            try:
                mode = os.lstat(file).st_mode
            except FileNotFoundError:
                mode = None
            except OSError:
                return None  # the walk reports what it cannot read
            if mode is not None and not stat.S_ISREG(mode):
                return None  # a symbolic link, a FIFO, a folder: the walk says what it is
            on_disk = mode is not None
            listed = records if kind == RECORD else strays
            if kind == RECORD:
                if on_disk:
                    if rel not in blobs:
                        bisect.insort(listed, rel, key=walk_order)
                    blobs[rel] = file_blob_id(file)
                elif rel in blobs:
                    del blobs[rel]
                    _remove(listed, rel)
            else:
                i = bisect.bisect_left(listed, walk_order(rel), key=walk_order)
                present = i < len(listed) and listed[i] == rel
                if on_disk and not present:
                    listed.insert(i, rel)
                elif present and not on_disk:
                    del listed[i]
    blob_list = list(map(blobs.__getitem__, records))
    return DataListing(records, strays, blob_list, new, changed)

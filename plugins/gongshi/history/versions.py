"""The earlier versions of record files: which versions there were, and their bytes.

A record's versions are the first-parent changes ``history.log`` already found in its one streaming
``git log --raw`` pass (commit, China-time date, status and the blob id after the change), so
listing them costs no Git call. Their bytes come from ONE ``git cat-file --batch`` process for all
the blobs a caller needs, and are kept by blob id in ``cache/gongshi/blobs`` (marshal: a blob id
names its bytes forever, so the cache is never outdated; it is still only a shortcut).

Callers: the public projection (a natural person's past names, to mask them too) and the ledger
(the content of a record at each publication event). Both load only the versions they need: most
records have one version, the current file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongshi.core import cachefile
from gongshi.history.log import HistoryIndex
from gongshi.repo.git import run_git
from gongshi.repo.yamlload import load_yaml_bytes

BLOBS_FILE = "blobs"


@dataclass(frozen=True)
class Version:
    """One first-parent commit that changed a record file: ``blob`` is the file after it (None
    when the commit deleted it), ``date`` its China-time committer date."""

    sha: str
    date: date
    blob: str | None
    status: str  # 'A' added, 'M' modified, 'D' deleted


def record_versions(history: HistoryIndex, path: str) -> list[Version]:
    """The versions of the record file at repository-relative ``path`` on the first-parent chain
    of the history's HEAD, oldest first (empty when it was never committed)."""
    return [Version(c.sha, c.date, c.blob, c.status) for c in reversed(history.changes.get(path, ()))]


class BlobError(Exception):
    """Git could not read the blobs (not a repository, a blob missing); the message is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_blobs(root: Path, blobs: Iterable[str], *, cached: bool = True) -> dict[str, bytes]:
    """The bytes of every blob id in ``blobs``: from the cache where it has them, the rest with
    one ``git cat-file --batch``. Raises ``BlobError`` when Git cannot give one of them.
    ``cached=False``: straight from Git, the cache neither read nor written (for a handful of
    blobs, as ``gongshi log`` reads, loading and rewriting the whole cache costs far more)."""
    root = Path(root)
    wanted = sorted({b for b in blobs if b})
    if not wanted:
        return {}
    path = cachefile.cache_path(root, BLOBS_FILE) if cached else None  # None: nothing is cached
    use_cache = path is not None
    kept = cachefile.read_dict(path) if use_cache else {}
    out = {b: kept[b] for b in wanted if isinstance(kept.get(b), bytes)}
    missing = [b for b in wanted if b not in out]
    if missing:
        fresh = _cat_file(root, missing)
        out.update(fresh)
        if use_cache:
            kept.update(fresh)
            cachefile.write(path, kept)
    return out


def _cat_file(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """One ``git cat-file --batch`` for all of ``blobs`` (its input and output go through
    ``communicate``, so a long list cannot fill a pipe and stall)."""
    proc = run_git(root, "cat-file", "--batch", input_bytes=("\n".join(blobs) + "\n").encode(), text=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip()
        raise BlobError(f"读取记录的历史版本失败（git cat-file 退出码 {proc.returncode}）：{detail}")
    data: bytes = proc.stdout
    out: dict[str, bytes] = {}
    pos = 0
    for blob in blobs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split(b" ")
        if len(header) != 3 or header[1] != b"blob":
            raise BlobError(f"Git 仓库中找不到记录的历史版本 {blob}（仓库不完整？）。")
        size = int(header[2])
        out[blob] = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1  # the content is followed by a newline
    return out


def version_data(raw: bytes, path: str) -> dict | None:
    """The document of one version's bytes (the strict loader; None when it does not load)."""
    loaded = load_yaml_bytes(raw, path)
    return loaded.data if loaded.ok and isinstance(loaded.data, dict) else None


def earlier_party_names(
    root: Path, history: HistoryIndex, current: Iterable[tuple[str, str | None]]
) -> dict[str, list[str]]:
    """``party.name`` of every earlier version of records, for ``current`` pairs of (path, blob id
    of the file as it is now, or None). An earlier version is any committed version whose blob
    differs from the current one. Returns path -> the distinct names, oldest first (paths with no
    earlier version are left out). All the blobs are read at once (``read_blobs``)."""
    earlier: dict[str, list[str]] = {}
    for path, blob in current:
        changes = history.changes.get(path)
        if not changes or (len(changes) == 1 and changes[0].blob == blob):
            continue  # the common case: one version, the current file
        blobs = [c.blob for c in reversed(changes) if c.blob and c.blob != blob]
        if blobs:
            earlier[path] = list(dict.fromkeys(blobs))
    if not earlier:
        return {}
    contents = read_blobs(root, (b for blobs in earlier.values() for b in blobs))
    out: dict[str, list[str]] = {}
    for path, blobs in earlier.items():
        names: list[str] = []
        for b in blobs:
            doc = version_data(contents[b], path)
            party = doc.get("party") if doc else None
            name = party.get("name") if isinstance(party, dict) else None
            if isinstance(name, str) and name and name not in names:
                names.append(name)
        if names:
            out[path] = names
    return out

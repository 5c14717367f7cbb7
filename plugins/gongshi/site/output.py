"""Writing the site: a file is written only when its bytes change, and a build goes into a staging
folder next to the output that replaces the output only when the build succeeded.

Two modes, both through ``OutputWriter``:

* **staged** (``gongshi build``, first build): the writer fills a fresh staging folder. A file
  whose bytes equal the previous output's file is hard-linked from it instead of written (same
  inode, same mtime, no write). ``swap_in`` then renames the staging folder into place; a failed
  build removes the staging folder and leaves the old output untouched.
* **delta** (``gongshi build`` over an existing output): the staging folder receives only the files
  whose bytes change; a kept or unchanged file stays where it is in the live output (same inode, same
  mtime, nothing done), so deploy tools see only real changes and a build costs what changed, not
  what the site holds. A finished build writes a journal into its staging folder (the commit
  point: the list of files to move in and to delete) and then applies it to the live output, file
  by file (``apply_delta``). A build that fails before the journal removes its staging folder and
  leaves the live output untouched; one killed while applying leaves the journal, and the next build
  of the same output replays it before it reads anything (``remove_abandoned_staging``). Builds of
  one output run one at a time (``lock_output``: a flock on the output folder).
* **in place** (plain ``pelican content``): unchanged files are left alone; changed ones are
  replaced atomically (temporary file + rename), and ``remove_stale`` deletes pages of records that
  left the site since the previous build.

Hard links are safe here because nothing ever opens an existing output file for writing: new
content always goes to a new file that is renamed over the old name.

``OutputWriter`` is the one writer of output files: the site's (staged or in place, with its
manifest), and a plain folder's when an output is written without a site (``OutputWriter(folder)``:
no previous output, no manifest, so every file is produced). Outputs write through ``FileTarget``
(``OutputWriter`` or the ``SiteOutput`` they get from the site).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

# Until the cache helpers have their own module (issue 13): the one digest.
from gongshi.core.keys import code_version, digest
from gongshi.site.urls import record_path, url_of

if TYPE_CHECKING:
    import jinja2

    from gongshi.site.early import EarlyWork


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0

    def to_json(self) -> dict:
        return {"written": self.written, "unchanged": self.unchanged}


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _replace(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@dataclass
class OutputWriter:
    """Writes files under ``root``; ``previous`` is the last successful output (may equal ``root``)."""

    root: Path
    previous: Path | None = None
    stats: WriteStats = field(default_factory=WriteStats)
    written: set[str] = field(default_factory=set)
    changed: list[str] = field(default_factory=list)  # paths whose bytes were (re)written
    # site.manifest.OutputManifest: input keys of the previous output's files (None: always render)
    manifest: Any = None
    # Delta build: ``root`` holds only what changes, ``previous`` is the live output (see above).
    delta: bool = False
    _dirs: set = field(default_factory=set)  # folders made: Path (write) or str (write_keyed)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if self.previous is not None:
            self.previous = Path(self.previous)
            if not self.previous.is_dir():
                self.previous = None
        # Asked for every file written: resolve the two folders once.
        self._in_place = self.previous is None or self.previous.resolve() == self.root.resolve()
        self.delta = self.delta and not self._in_place

    def fork(self) -> OutputWriter:
        """A writer of the same folders for a fork worker: its own file lists, the same previous
        manifest keys (the parent merges what it wrote)."""
        manifest = self.manifest.fork() if self.manifest is not None else None
        return OutputWriter(self.root, self.previous, manifest=manifest, delta=self.delta)

    def current(self, rel: str) -> Path:
        """Where the file ``rel`` written this build can be read back: the staging folder, or the
        live output for a file a delta build kept there."""
        target = self.root / rel
        if self.delta and not target.exists():
            return self.previous / rel
        return target

    @property
    def in_place(self) -> bool:
        return self._in_place

    def write(self, rel: str, data: bytes) -> bool:
        """Write ``data`` at the site-relative path ``rel``; True when bytes were actually written."""
        if rel in self.written:
            raise ValueError(f"two pages want the same output file: {rel}")
        self.written.add(rel)
        target = self.root / rel
        if self.delta and _same_bytes(self.previous / rel, data):
            self.stats.unchanged += 1  # stays as it is in the live output
            return False
        parent = target.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        if _same_bytes(target, data):
            self.stats.unchanged += 1
            return False
        if not self.in_place and not self.delta:
            old = self.previous / rel
            if _same_bytes(old, data):
                if target.exists():
                    target.unlink()
                _link_or_copy(old, target)
                self.stats.unchanged += 1
                return False
        _replace(target, data)
        self.stats.written += 1
        self.changed.append(rel)
        return True

    def write_text(self, rel: str, text: str) -> bool:
        return self.write(rel, text.encode("utf-8"))

    def keep(self, rel: str, key: str) -> bool:
        """Keep the previous output's ``rel`` when it was made from ``key`` and is untouched since
        (a hard link into a staging folder; nothing at all in place or in a delta build); False
        when it must be produced. Plain strings: this runs for every file of the site."""
        previous = self.root if self.in_place else self.previous
        if self.manifest.previous_key(rel, previous) != key or rel in self.written:
            return False
        # Kept: a hard link to the previous file has its size and mtime, so the manifest entry
        # carries over unchanged (no stat).
        self.written.add(rel)
        if not self.in_place and not self.delta:  # a delta build leaves it in the live output
            folder, _, _name = rel.rpartition("/")
            if folder not in self._dirs:
                (self.root / folder).mkdir(parents=True, exist_ok=True)
                self._dirs.add(folder)
            try:
                os.link(f"{self.previous}/{rel}", f"{self.root}/{rel}")
            except OSError:
                _link_or_copy(self.previous / rel, self.root / rel)
                self.manifest.record(rel, key, self.root / rel)
                self.stats.unchanged += 1
                return True
        self.stats.unchanged += 1
        self.manifest.new[rel] = self.manifest.old[rel]
        return True

    def write_keyed(self, rel: str, key: str | None, produce: Callable[[], bytes]) -> bool:
        """Write ``produce()`` at ``rel`` unless the previous output's file was made from the same
        input ``key`` and is untouched since (then it is kept: hard link, no rendering at all)."""
        if key is None or self.manifest is None:
            return self.write(rel, produce())
        if self.keep(rel, key):
            return False
        changed = self.write(rel, produce())
        self.manifest.record(rel, key, self.current(rel))
        return changed


class FileTarget(Protocol):
    """Where an output writes its site-relative files (``/`` separators): ``OutputWriter`` or
    ``SiteOutput``. ``produce`` is only called when the file cannot be kept (see ``write_keyed``)."""

    def write(self, rel: str, data: bytes) -> object: ...

    def write_keyed(self, rel: str, key: str, produce: Callable[[], bytes]) -> object: ...

    def current(self, rel: str) -> Path: ...


@dataclass
class SiteOutput:
    """What an output (``gongshi.outputs.registry.Output``) gets: render a theme template to a
    page, write raw bytes, and say which of its pages are public (sitemap). Paths are site-relative
    with ``/``."""

    out_dir: Path
    env: jinja2.Environment
    base: dict
    writer: OutputWriter
    sitemap: list[str] = field(default_factory=list)
    # Processes a writer may use for its own work (1 when the writers already run side by side).
    workers: int = 1
    # The outputs' early work started by this build (``site.early``), by output name.
    early: dict[str, EarlyWork] = field(default_factory=dict)

    def render(self, template: str, rel: str, *, in_sitemap: bool = True, **context: Any) -> None:
        page = {**self.base, **context, "page_url": url_of(rel)}
        self.writer.write_text(rel, self.env.get_template(template).render(page))
        if in_sitemap:
            self.sitemap.append(rel)

    def write(self, rel: str, data: bytes) -> None:
        self.writer.write(rel, data)

    def write_keyed(self, rel: str, key: str, produce: Callable[[], bytes]) -> None:
        """Like ``write``, but ``produce`` is only called when ``key`` (a digest of everything the
        file is made from, e.g. ``core.keys.digest(...)``) differs from the previous build's."""
        self.writer.write_keyed(rel, digest(code_version(), key), produce)

    def current(self, rel: str) -> Path:
        """Where a file written (or kept) this build can be read back (``OutputWriter.current``)."""
        return self.writer.current(rel)

    def early_result(self, name: str) -> Callable[[], Any] | None:
        """What returns the result of the output ``name``'s early work (``site.early``; None when
        it returns none), or None when this build started none."""
        work = self.early.get(name)
        return work.result if work is not None else None

    def url(self, rel: str) -> str:
        """The link to a site-relative path, as templates write it."""
        return f"{self.base.get('SITEURL', '')}/{url_of(rel)}"

    @staticmethod
    def record_url(record_id: str) -> str:
        return record_path(record_id)


def remove_stale(root: Path, keep: set[str], folders: tuple[str, ...]) -> list[str]:
    """Delete files under ``root/<folder>`` that this build did not write (in-place builds only):
    a record that was withdrawn or expired must not keep its old page."""
    removed = []
    for folder in folders:
        base = Path(root) / folder
        if not base.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                path = Path(dirpath) / name
                rel = path.relative_to(root).as_posix()
                if rel not in keep:
                    path.unlink()
                    removed.append(rel)
    return sorted(removed)


# A build holds an exclusive flock on its staging folder until it is swapped in or discarded. The
# kernel drops the lock when the process dies (even by SIGKILL), so an unlocked staging folder is
# one that no running build owns.
_held: dict[Path, int] = {}


def _lock(path: Path, *, wait: bool) -> int | None:
    """An open descriptor of the directory ``path`` holding an exclusive flock, or None when
    ``wait`` is false and another process holds it (or the folder is gone)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _release(staging: Path) -> None:
    fd = _held.pop(Path(staging), None)
    if fd is not None:
        os.close(fd)


def staging_pattern(output: Path) -> re.Pattern[str]:
    """Exactly the names ``make_staging`` gives (tempfile.mkdtemp: 8 of [a-z0-9_])."""
    return re.compile(rf"{re.escape(Path(output).name)}\.tmp-[a-z0-9_]{{8}}")


def remove_abandoned_staging(output: Path) -> list[Path]:
    """Delete the staging folders of ``output`` left by builds that were killed: only folders
    whose name is exactly the staging pattern and that no running build holds. A folder with a
    journal belongs to a delta build that finished but was killed while applying it: the journal is
    replayed first (the live output becomes that build's output), then the folder goes."""
    output = Path(output).resolve()
    pattern = staging_pattern(output)
    removed = []
    for path in sorted(output.parent.iterdir()):
        if not pattern.fullmatch(path.name) or path.is_symlink() or not path.is_dir():
            continue
        fd = _lock(path, wait=False)
        if fd is None:
            continue  # a build in progress
        try:
            journal = read_journal(path, output)
            if journal is not None:
                replay_journal(path, output, journal)
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed


def make_staging(output: Path) -> Path:
    """A fresh, empty folder next to ``output`` (same file system, so the swap is a rename), locked
    by this process until ``swap_in`` or ``discard``. Abandoned staging folders are removed first."""
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # The parent folder's lock makes "clean up, create, lock" one step among concurrent builds:
    # no build can see another's new staging folder before it is locked.
    parent = _lock(output.parent, wait=True)
    try:
        remove_abandoned_staging(output)
        staging = Path(tempfile.mkdtemp(prefix=f"{output.name}.tmp-", dir=output.parent))
        fd = _lock(staging, wait=False)
        if fd is not None:
            _held[staging] = fd
    finally:
        if parent is not None:
            os.close(parent)
    os.chmod(staging, 0o755)  # mkdtemp makes it private; the site is served by others
    return staging


def swap_in(staging: Path, output: Path) -> None:
    """Put the finished staging folder at ``output`` and delete the old output."""
    output = Path(output).resolve()
    if not output.exists():
        os.rename(staging, output)
        _release(staging)
        return
    old = Path(tempfile.mkdtemp(prefix=f"{output.name}.old-", dir=output.parent))
    old.rmdir()
    os.rename(output, old)
    try:
        os.rename(staging, output)
    except OSError:
        os.rename(old, output)  # put the old site back
        raise
    _release(staging)
    shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    _release(staging)


# Delta builds -----------------------------------------------------------------------------------

JOURNAL = ".gongshi-journal.json"  # in a delta build's staging folder: its commit point
LOCK_TRIES = 100


def walk_files(folder: Path) -> list[str]:
    """Every file under ``folder`` as a ``/``-separated relative path (no symlinks followed; the
    journal left out). Plain strings and ``os.scandir``: this lists the whole live output."""
    out: list[str] = []
    stack = [(str(folder), "")]
    while stack:
        path, prefix = stack.pop()
        with os.scandir(path) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif not (prefix == "" and entry.name == JOURNAL):
                    out.append(prefix + entry.name)
    return out


def prune_unchanged(
    staging: Path, previous: Path, handled: set[str] | frozenset[str]
) -> tuple[int, set[str]]:
    """Delta builds: the files staged by code that does not write through ``OutputWriter``
    (Pelican's pages, static files) whose bytes equal the live output's are dropped from the
    staging folder (the live file stays as it is). Returns how many were dropped and every staged
    file not in ``handled`` (they are part of the new output, dropped or not)."""
    dropped, others = 0, set()
    for rel in walk_files(staging):
        if rel in handled:
            continue
        others.add(rel)
        if _same_bytes(Path(previous) / rel, Path(f"{staging}/{rel}").read_bytes()):
            os.unlink(f"{staging}/{rel}")
            dropped += 1
    return dropped, others


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def apply_delta(staging: Path, output: Path, deletions: set[str]) -> int:
    """Commit a delta build and apply it to the live ``output``: the journal (the staged files to
    move in, the live files to delete) is written into the staging folder and renamed into its name
    (the commit point), then applied. Returns the number of files moved in. Killed after the
    commit, the next build of ``output`` replays the journal (``remove_abandoned_staging``)."""
    output = Path(output).resolve()
    journal = {"output": str(output), "move": sorted(walk_files(staging)), "delete": sorted(deletions)}
    tmp = Path(staging) / f"{JOURNAL}.tmp"
    _fsync_write(tmp, json.dumps(journal, ensure_ascii=False).encode("utf-8"))
    os.replace(tmp, Path(staging) / JOURNAL)
    try:
        replay_journal(Path(staging), output, journal)
    finally:
        _release(staging)  # replayed or not: an unlocked folder with a journal is replayed next time
    return len(journal["move"])


def read_journal(staging: Path, output: Path) -> dict | None:
    """The committed journal of a staging folder, when it is one for ``output``."""
    try:
        doc = json.loads((Path(staging) / JOURNAL).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("output") != str(Path(output).resolve()):
        return None
    return doc


def move_file(source: str, target: str) -> None:
    """One staged file into the live output (a rename: readers see the old or the new file)."""
    os.replace(source, target)


def _make_parents(output: str, rel: str) -> None:
    """The folders of ``rel`` in the live output; a file standing where a folder must go (a path
    that was a file and is now a folder) is removed."""
    folder = os.path.dirname(rel)
    if not folder:
        return
    try:
        os.makedirs(f"{output}/{folder}", exist_ok=True)
        return
    except (FileExistsError, NotADirectoryError):
        pass
    parts = folder.split("/")
    for n in range(1, len(parts) + 1):
        path = f"{output}/{'/'.join(parts[:n])}"
        if os.path.lexists(path) and not os.path.isdir(path):
            os.unlink(path)
        os.makedirs(path, exist_ok=True)


def _remove_empty_parents(output: str, rel: str) -> None:
    folder = os.path.dirname(rel)
    while folder:
        try:
            os.rmdir(f"{output}/{folder}")
        except OSError:
            return  # not empty (or gone)
        folder = os.path.dirname(folder)


def replay_journal(staging: Path, output: Path, journal: dict) -> None:
    """Apply a committed journal (again): every staged file still in the staging folder is moved
    into the output, every file to delete is deleted, folders left empty go; then the staging
    folder is removed. Running it twice does what running it once does."""
    out, src = str(output), str(staging)
    for rel in journal.get("move", []):
        source = f"{src}/{rel}"
        if not os.path.lexists(source):
            continue  # moved before the build was killed
        target = f"{out}/{rel}"
        _make_parents(out, rel)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)  # a folder that became a file
        move_file(source, target)
    for rel in journal.get("delete", []):
        try:
            os.unlink(f"{out}/{rel}")
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            continue  # a file that became a folder: the folder is the new output's
        _remove_empty_parents(out, rel)
    os.unlink(f"{src}/{JOURNAL}")
    shutil.rmtree(src, ignore_errors=True)


@dataclass
class OutputLock:
    """An exclusive flock on the output folder, held for a whole build (``lock_output``)."""

    fd: int
    created: bool  # the folder did not exist: a failed build removes it again


def lock_output(output: Path) -> OutputLock:
    """Wait until no other build of ``output`` runs, and hold it until ``unlock_output``: a delta
    build reads the live output and then changes it in place, so two of them must not interleave.
    A missing output folder is made (empty) to have something to lock. The lock is taken on the
    folder itself; a build that swapped a new folder in under the waiting one's lock is noticed
    (another inode) and the lock taken again."""
    output = Path(output).resolve()
    for _ in range(LOCK_TRIES):
        output.parent.mkdir(parents=True, exist_ok=True)
        created = False
        try:
            os.mkdir(output)
            created = True
        except FileExistsError:
            pass
        fd = _lock(output, wait=True)
        if fd is None:
            continue  # removed between mkdir and open
        try:
            here, now = os.fstat(fd), os.stat(output, follow_symlinks=False)
            if (here.st_dev, here.st_ino) == (now.st_dev, now.st_ino):
                return OutputLock(fd, created)
        except OSError:
            pass
        os.close(fd)
    raise OSError(f"could not lock the output folder {output}")


def unlock_output(lock: OutputLock, output: Path, *, failed: bool) -> None:
    """Release the lock; after a failed build, an output folder the lock made is removed again when
    it is still empty."""
    if failed and lock.created:
        with contextlib.suppress(OSError):
            os.rmdir(output)
    os.close(lock.fd)

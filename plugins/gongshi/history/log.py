"""The Git audit trail: when each record was published and how it changed since.

"Published at" is the committer date (China time) of the first-parent commit on the current branch
(HEAD, normally ``main``) that added the file. Following first parents only means a record merged from
a side branch counts from the merge commit, whatever dates the branch commits carry; a squash merge is
one commit on main anyway. A fast-forward makes the branch commits part of main, so their committer
dates count: the repository must only accept merge or squash commits (branch protection).

Everything comes from ONE streaming ``git log`` pass over ``data/records/`` (a per-file ``git log``
takes hours for 100k records; see bench/bench_history.py). A shallow clone would silently attribute
every record to the oldest fetched commit, so it is an error.

Deleting a record and adding it again does not reset its publication: ``first_added`` is the oldest
add on the first-parent chain, and ``changes`` keeps the deletion in the history.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from gongshi.core.clock import CHINA_TZ
from gongshi.core.problems import Problem
from gongshi.repo.files import RECORDS_DIR
from gongshi.repo.git import run_git

# Separators that cannot occur in a SHA or a timestamp and never occur in a one-line subject.
_COMMIT_START = "\x1e"
_FIELD_SEP = "\x1f"
_LOG_FORMAT = "%x1e%H%x1f%ct%x1f%s"
_READ_CHUNK = 1 << 16
HISTORY_LIMIT = 20  # changes shown on a record page; the rest are one link away in the Git host

SHALLOW_MESSAGE = (
    "这是浅克隆（shallow clone）的仓库，只有部分提交历史，无法确定每条记录的公示日期。"
    "请先运行 git fetch --unshallow 取得完整历史；"
    "在 GitHub Actions 中请给 actions/checkout 设置 fetch-depth: 0。"
)


class HistoryError(Exception):
    """The Git history cannot be used (shallow clone, broken repository); the message is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Change:
    """One first-parent commit that touched a record file."""

    sha: str
    committed_at: str  # committer date, ISO 8601 with +08:00
    date: date  # the China-time date of committed_at
    subject: str
    status: str  # 'A' added, 'M' modified, 'D' deleted
    # The Git blob id of the file after this commit (None for a deletion): what history.versions
    # reads an older version by. Not in ``to_json``, nor in equality (commit and path fix it).
    blob: str | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        return {
            "sha": self.sha,
            "committed_at": self.committed_at,
            "date": self.date.isoformat(),
            "subject": self.subject,
            "status": self.status,
        }


@dataclass(frozen=True)
class Publication:
    """When a record counts as published. ``preview``: not committed on this branch yet, so ``date``
    is the as-of date and ``sha`` is None."""

    date: date
    sha: str | None
    preview: bool


@dataclass
class HistoryIndex:
    head: str | None  # HEAD commit; None outside Git or before the first commit
    changes: dict[str, list[Change]] = field(default_factory=dict)  # path -> newest first
    first_added: dict[str, Change] = field(default_factory=dict)  # path -> the oldest add
    warnings: list[Problem] = field(default_factory=list)

    def publication(self, path: str, as_of: date) -> Publication:
        """The publication of a repository-relative record path; a preview dated ``as_of`` when the
        file has never been added on this branch (new, uncommitted or only on another branch)."""
        added = self.first_added.get(path)
        if added is None:
            return Publication(as_of, None, True)
        return Publication(added.date, added.sha, False)

    def readded(self, path: str) -> bool:
        """True when the file was deleted and added again (its publication stays the first add)."""
        return sum(1 for c in self.changes.get(path, ()) if c.status == "A") > 1


def _not_in_git(message: str) -> HistoryIndex:
    warning = Problem(RECORDS_DIR, None, "$", "history.no_git", message, "warning")
    return HistoryIndex(head=None, warnings=[warning])


def scan_history(root: Path, *, rev: str = "HEAD") -> HistoryIndex:
    """Publication dates and change history of every path ever under ``data/records/`` on ``rev``.

    Outside a Git repository (or before the first commit) every record is a preview, with one
    warning. Raises ``HistoryError`` on a shallow clone or when ``git log`` fails.
    """
    root = Path(root)
    if shutil.which("git") is None:
        return _not_in_git("找不到 git 命令：无法读取公示历史，所有记录按预览处理（公示日期取检查日期）。")
    top = run_git(root, "rev-parse", "--show-prefix")
    if top.returncode != 0:
        return _not_in_git(
            "数据目录不在 Git 仓库中：所有记录按预览处理（公示日期取检查日期），不能正式发布。"
        )
    prefix = top.stdout.strip()  # the data root relative to the Git top level ("" normally)
    shallow = run_git(root, "rev-parse", "--is-shallow-repository")
    if shallow.stdout.strip() == "true":
        raise HistoryError(SHALLOW_MESSAGE)
    head = run_git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if head.returncode != 0:
        if rev != "HEAD":
            raise HistoryError(f"找不到 Git 版本 “{rev}”。")
        return _not_in_git("Git 仓库还没有任何提交：所有记录按预览处理（公示日期取检查日期）。")
    index = HistoryIndex(head=head.stdout.strip())
    stream_log(root, rev, prefix, index)
    return index


def scan_record_history(root: Path, path: str, *, rev: str = "HEAD") -> HistoryIndex:
    """``scan_history`` for one record file (repository-relative ``path``): the same first-parent
    changes of that path, from a path-limited ``git log`` (a fraction of a second on a 100,000-record
    repository, where reading the whole cached scan takes seconds). For ``gongshi log``."""
    root = Path(root)
    top = run_git(root, "rev-parse", "--show-prefix")
    if top.returncode != 0:
        return _not_in_git("数据目录不在 Git 仓库中。")
    if run_git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        raise HistoryError(SHALLOW_MESSAGE)
    head = run_git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if head.returncode != 0:
        return _not_in_git("Git 仓库还没有任何提交。")
    index = HistoryIndex(head=head.stdout.strip())
    stream_log(root, rev, top.stdout.strip(), index, pathspec=path)
    return index


def stream_log(
    root: Path, rev: str, prefix: str, index: HistoryIndex, *, pathspec: str = RECORDS_DIR + "/"
) -> None:
    """Read ``git log`` of ``rev`` (a commit or a range ``old..new``) over ``data/records/`` (or
    ``pathspec``) into ``index`` in one streamed pass (``prefix``: the data root relative to the
    Git top level)."""
    cmd = [
        "git",
        "-C",
        str(root),
        "-c",
        "core.quotepath=off",
        "-c",
        "log.showSignature=0",
        "-c",
        "diff.renames=0",
        "log",
        "--first-parent",
        # A merge on the first-parent chain shows what it brought in relative to main
        # (the default since git 2.31 with --first-parent; explicit for clarity).
        "--diff-merges=first-parent",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "-z",
        # --raw (not --name-status): the same one token of status per path, plus the blob ids
        # (full, --no-abbrev) that history.versions reads old versions by, in the same pass.
        "--raw",
        "--no-abbrev",
        f"--format={_LOG_FORMAT}",
        rev,
        "--",
        pathspec,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    parser = _LogParser(prefix, index)
    tail = b""
    try:
        while chunk := proc.stdout.read(_READ_CHUNK):
            tokens = (tail + chunk).split(b"\0")
            tail = tokens.pop()
            for token in tokens:
                parser.feed(token)
        if tail:
            parser.feed(tail)
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read() if proc.stderr else b""
        if proc.stderr:
            proc.stderr.close()
        code = proc.wait()
    if code != 0:
        detail = stderr.decode("utf-8", "replace").strip()
        raise HistoryError(f"读取 Git 历史失败（git log 退出码 {code}）：{detail}")


class _LogParser:
    """Consumes the NUL-separated tokens of ``git log -z --raw`` one at a time: a header token
    (``\\x1e sha \\x1f epoch \\x1f subject``) followed by pairs of a raw diff token
    (``:mode mode old-blob new-blob status``) and a path."""

    def __init__(self, prefix: str, index: HistoryIndex):
        self.prefix = prefix
        self.index = index
        self.commit: tuple[str, str, date, str] | None = None
        self.status: str | None = None
        self.blob: str | None = None
        self.newer: tuple[str, int] | None = None  # the previous (newer) commit and its time

    def feed(self, raw: bytes) -> None:
        if raw[:1] == b"\n":
            raw = raw.lstrip(b"\n")
        if self.status is None and raw[:1] == b":":
            # ":100644 100644 <old> <new> M" (status 'A', 'M', 'D' or 'T', a type change). Split as
            # bytes: decoding this token, 2.5 times the bytes of --name-status, costs more.
            _, blob, status = raw.rsplit(b" ", 2)
            self.status = chr(status[0])
            self.blob = None if self.status == "D" else blob.decode("ascii")
            return
        token = raw.decode("utf-8", "surrogateescape")
        if token.startswith(_COMMIT_START):
            self._header(token[1:])
        elif self.status is None:
            if token:
                self.status = token[0]
        else:
            self._entry(token)
            self.status = None

    def _header(self, text: str) -> None:
        sha, epoch_text, subject = text.split(_FIELD_SEP, 2)
        epoch = int(epoch_text)
        moment = datetime.fromtimestamp(epoch, CHINA_TZ)
        # One string per SHA: many changes share a commit.
        self.commit = (sys.intern(sha), moment.isoformat(), moment.date(), subject.strip())
        self.status = None
        if self.newer is not None and epoch > self.newer[1]:
            # The walk goes newest to oldest along first parents, so dates should not increase.
            self.index.warnings.append(
                Problem(
                    RECORDS_DIR,
                    None,
                    "$",
                    "history.clock_skew",
                    f"主分支上的提交 {self.newer[0][:12]} 的提交时间早于它之前的提交 {sha[:12]}"
                    "（时间被回拨）。这些记录的公示日期可能不准确，请检查提交的时间设置。",
                    "warning",
                )
            )
        self.newer = (sha, epoch)

    def _entry(self, path: str) -> None:
        if self.commit is None:
            return
        if self.prefix:
            if not path.startswith(self.prefix):
                return
            path = path[len(self.prefix) :]
        sha, committed_at, day, subject = self.commit
        status = "M" if self.status == "T" else self.status
        change = Change(sha, committed_at, day, subject, status, self.blob)
        self.index.changes.setdefault(path, []).append(change)
        if status == "A":
            # Newest first: the last add seen is the oldest, i.e. the first publication.
            self.index.first_added[path] = change

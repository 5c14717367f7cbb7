"""Real Git repositories for tests: create, commit with chosen dates, branch and merge.

Usage (every date is an ISO 8601 string with an offset; it becomes both the author and the
committer date unless ``author_date`` is given)::

    from tests.support.gitrepo import GitRepo

    repo = GitRepo.init(tmp_path / "repo")                 # branch main, local identity, no signing
    repo.commit("新增", "2026-03-02T10:00:00+08:00", {"data/records/a.yaml": "kind: licence\\n"})
    repo.branch("feature")                                   # create and switch
    repo.commit("改", "2020-01-01T00:00:00+08:00", {"data/records/b.yaml": "..."})
    repo.checkout("main")
    merge_sha = repo.merge("feature", "合并", "2026-03-05T09:00:00+08:00")          # --no-ff
    repo.merge("other", "压缩合并", "...", squash=True)                               # one commit
    repo.merge("third", "", "...", ff=True)                                          # fast-forward
    repo.commit("删除", "...", {"data/records/a.yaml": None})                         # None deletes
    repo.git("log", "--oneline")                                                      # any git command
    shallow = repo.clone_shallow(tmp_path / "shallow")                               # --depth 1 clone

Files may also be written without committing with ``repo.write(path, text)``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Keep the user's and the machine's Git configuration (signing, hooks, templates) out of tests.
_BASE_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def git_env(date: str | None = None, author_date: str | None = None) -> dict[str, str]:
    env = {**os.environ, **_BASE_ENV}
    env.update(
        GIT_AUTHOR_NAME="测试员",
        GIT_AUTHOR_EMAIL="tester@example.invalid",
        GIT_COMMITTER_NAME="测试员",
        GIT_COMMITTER_EMAIL="tester@example.invalid",
    )
    if date:
        env["GIT_COMMITTER_DATE"] = date
        env["GIT_AUTHOR_DATE"] = author_date or date
    return env


class GitRepo:
    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def init(cls, path: Path, branch: str = "main") -> GitRepo:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        repo = cls(path)
        repo.git("init", "--quiet", "--initial-branch", branch)
        return repo

    def git(self, *args: str, date: str | None = None, author_date: str | None = None) -> str:
        """Run git in the repository and return its stdout; raises with stderr on failure."""
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            env=git_env(date, author_date),
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
        return proc.stdout

    def write(self, relpath: str, text: str | None) -> None:
        """Write (or with None delete) a file in the working tree, creating folders as needed."""
        target = self.path / relpath
        if text is None:
            target.unlink()
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(
        self,
        message: str,
        date: str,
        files: dict[str, str | None] | None = None,
        *,
        author_date: str | None = None,
    ) -> str:
        """Write ``files`` (None deletes), stage them and commit with the given dates; returns the SHA."""
        for relpath, text in (files or {}).items():
            self.write(relpath, text)
            self.git("add", "--all", "--", relpath)
        self.git("commit", "--quiet", "--no-gpg-sign", "--allow-empty", "-m", message, date=date,
                 author_date=author_date)  # fmt: skip
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str, start: str | None = None) -> None:
        """Create branch ``name`` (from ``start``, default the current commit) and switch to it."""
        self.git("checkout", "--quiet", "-b", name, *([start] if start else []))

    def checkout(self, name: str) -> None:
        self.git("checkout", "--quiet", name)

    def merge(self, branch: str, message: str, date: str, *, ff: bool = False, squash: bool = False) -> str:
        """Merge ``branch`` into the current branch and return the new HEAD.

        Default: ``--no-ff`` (a merge commit dated ``date``). ``squash``: one ordinary commit dated
        ``date``. ``ff``: ``--ff-only`` (no new commit; ``date`` and ``message`` are unused).
        """
        if ff:
            self.git("merge", "--quiet", "--ff-only", branch)
        elif squash:
            self.git("merge", "--quiet", "--squash", branch, date=date)
            self.git("commit", "--quiet", "--no-gpg-sign", "-m", message, date=date)
        else:
            self.git("merge", "--quiet", "--no-ff", "--no-gpg-sign", "-m", message, branch, date=date)
        return self.head()

    def clone_shallow(self, dest: Path) -> GitRepo:
        """``git clone --depth 1 file://...``: what actions/checkout does by default."""
        proc = subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", self.path.resolve().as_uri(), str(dest)],
            capture_output=True,
            text=True,
            env=git_env(),
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git clone --depth 1 failed: {proc.stderr}")
        return GitRepo(dest)

    def clone(self, dest: Path) -> GitRepo:
        """A full clone; its ``origin/main`` is this repository's main (for pull-request checks)."""
        proc = subprocess.run(
            ["git", "clone", "--quiet", self.path.resolve().as_uri(), str(dest)],
            capture_output=True,
            text=True,
            env=git_env(),
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git clone failed: {proc.stderr}")
        return GitRepo(dest)

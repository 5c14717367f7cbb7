"""Files that must never be committed: anything under the work tree's old cache folder ``cache/``.

Caches live in the Git directory (``core.cachefile``) and are never read from ``cache/`` any more;
a file there can only be a pull request trying to ship a cache (a pickle that runs code when
loaded, a record cache that substitutes a withheld record's text). ``.gitignore`` ignores the
folder, but ``git add -f`` overrides that, so ``gongshi validate`` (what is tracked in the work
tree) and ``gongshi check-history`` (what the checked commit holds) report each such file.
"""

from __future__ import annotations

from pathlib import Path

from gongshi.core.cachefile import LEGACY_CACHE_DIR
from gongshi.core.problems import Problem
from gongshi.repo.git import run_git

CODE = "cache.tracked"


def tracked_cache_files(root: Path, rev: str | None = None) -> list[str]:
    """The files under ``cache/`` (relative to ``root``) that Git tracks: in the index, or in the
    commit ``rev``. Empty outside Git."""
    if rev is None:
        proc = run_git(root, "ls-files", "-z", "--", LEGACY_CACHE_DIR, text=False)
    else:
        proc = run_git(root, "ls-tree", "-r", "-z", "--name-only", rev, "--", LEGACY_CACHE_DIR, text=False)
    if proc.returncode != 0:
        return []
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({name for name in names if name})


def tracked_cache_problems(root: Path, rev: str | None = None) -> list[Problem]:
    """One error per tracked file under ``cache/`` (``tracked_cache_files``)."""
    return [
        Problem(
            name,
            None,
            "$",
            CODE,
            f"“{name}” 在缓存目录 {LEGACY_CACHE_DIR}/ 中，不能提交到仓库。gongshi 的缓存只保存在 Git 目录"
            "（.git/gongshi-cache/）中，不读取 cache/；提交的缓存文件可能被用来执行代码或替换公示内容。"
            f"请删除它：git rm --cached -r {LEGACY_CACHE_DIR}/",
        )
        for name in tracked_cache_files(root, rev)
    ]

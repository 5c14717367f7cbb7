"""What every ``gongshi`` command shares: the usage error with a Chinese message and the checks of
the common arguments (repository root, as-of date, paths)."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from gongshi.core.clock import parse_as_of
from gongshi.repo.files import find_repo_root


class UsageProblem(click.UsageError):
    """A usage error whose message is already Chinese; click prints it and exits 2."""


def repo_root_or_fail(path: str | None = None) -> Path:
    root = find_repo_root(Path(path) if path else None)
    if root is None:
        raise UsageProblem(
            "找不到数据仓库：当前目录及其上级目录中没有 data/departments.yaml。请在仓库目录中运行。"
        )
    return root


def as_of_or_fail(value: str | None):
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


def resolved_path_or_fail(raw: str) -> Path:
    """``raw`` made absolute, or a usage error for a path the system cannot even look up
    (an embedded NUL, a name longer than the file system allows)."""
    try:
        path = Path(raw).resolve()
        path.exists()  # raises for names too long, unlike a plain "not found"
    except (OSError, ValueError) as exc:
        too_long = getattr(exc, "errno", None) == errno.ENAMETOOLONG
        reason = "路径或文件名太长" if too_long else "系统无法识别这个路径"
        if "\x00" in raw:
            reason = "含有空字符"
        raise UsageProblem(f"路径 “{raw[:80]}{'…' if len(raw) > 80 else ''}” 不能使用：{reason}。") from None
    return path

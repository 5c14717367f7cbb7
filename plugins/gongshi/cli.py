"""The ``gongshi`` command line. Each command is a thin shell over an engine function that returns
data; reporters print it; the command returns an exit code (0 ok, 1 problems found, 2 usage error).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .clock import parse_as_of
from .repo import find_repo_root


class UsageProblem(click.UsageError):
    """A usage error whose message is already Chinese; click prints it and exits 2."""


def repo_root_or_fail(path: str | None = None) -> Path:
    root = find_repo_root(Path(path) if path else None)
    if root is None:
        raise UsageProblem("找不到数据仓库：当前目录及其上级目录中没有 data/departments.yaml。请在仓库目录中运行。")
    return root


def as_of_or_fail(value: str | None):
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gongshi")
def main() -> None:
    """gongshi：双公示（行政许可、行政处罚）数据仓库与静态网站工具。"""


def run() -> None:  # pragma: no cover - console entry for `python -m gongshi`
    sys.exit(main(standalone_mode=True))

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


@main.command("deadline")
@click.argument("decision_date", metavar="DATE")
@click.option("--workdays", "n", type=int, default=None, help="第几个工作日（默认取 data/policy.yaml）。")
def deadline_command(decision_date: str, n: int | None) -> None:
    """打印 DATE 之后的第 N 个工作日（决定当日不计），即公示截止日。"""
    from .policy import Policy, PolicyError
    from .repo import load_registry
    from .workdays import Calendar, missing_calendar_problem

    day = as_of_or_fail(decision_date)
    root = repo_root_or_fail()
    if n is None:
        try:
            n = Policy.from_data(load_registry(root).policy).deadline_workdays
        except PolicyError as exc:
            raise UsageProblem(str(exc)) from None
    if n < 0:
        raise UsageProblem("--workdays 不能为负数。")
    cal = Calendar.load(root)
    result, provisional = cal.add_workdays(day, n)
    click.echo(result.isoformat())
    if provisional:
        p = missing_calendar_problem(cal.missing_years(day, result), f"{day.isoformat()} 之后第 {n} 个工作日")
        click.echo(f"警告：{p.message}", err=True)


@main.group("calendar")
def calendar_group() -> None:
    """节假日安排（data/calendar/<年份>.yaml）。"""


@calendar_group.command("generate")
@click.argument("first", type=int)
@click.argument("last", type=int)
def calendar_generate_command(first: int, last: int) -> None:
    """由 chinesecalendar 软件包生成 FIRST 至 LAST 年的节假日文件（覆盖已有文件）。"""
    from .workdays import CalendarSourceError, generate_calendar_files

    if last < first:
        raise UsageProblem("结束年份不能早于开始年份。")
    root = repo_root_or_fail()
    try:
        written = generate_calendar_files(root, first, last)
    except CalendarSourceError as exc:
        raise UsageProblem(str(exc)) from None
    for path in written:
        click.echo(path.relative_to(root).as_posix())


@main.command("explain")
@click.argument("path", metavar="PATH")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天计算（默认今天，中国时间）。")
@click.option("--format", "fmt", default="text", metavar="text|json", help="输出格式（默认 text）。")
def explain_command(path: str, as_of: str | None, fmt: str) -> None:
    """说明一条记录的公示截止日、公示日期、是否按时、滚动公示期、公示截止和当前状态。

    退出码：0 成功，1 记录有错误，2 用法错误。
    """
    from .explain import explain_record, render_json, render_text

    if fmt not in ("text", "json"):
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：text、json。")
    day = as_of_or_fail(as_of)
    target = Path(path).resolve()
    if not target.is_file():
        raise UsageProblem(f"找不到文件 “{path}”。")
    root = find_repo_root(target.parent) or repo_root_or_fail()
    if root.resolve() not in target.parents:
        raise UsageProblem(f"“{path}” 不在数据仓库 {root.name} 中。")
    exp = explain_record(root, target.relative_to(root.resolve()).as_posix(), day)
    click.echo((render_json if fmt == "json" else render_text)(exp), nl=False)
    click.get_current_context().exit(0 if exp.ok else 1)


def run() -> None:  # pragma: no cover - console entry for `python -m gongshi`
    sys.exit(main(standalone_mode=True))

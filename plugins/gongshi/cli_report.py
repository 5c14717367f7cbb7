"""``gongshi report``: the internal upward report to the city credit office (``report.run``)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from gongshi.cli_common import UsageProblem, as_of_or_fail, repo_root_or_fail
from gongshi.core.cachefile import enabled as cache_enabled


@click.command("report")
@click.option("--format", "fmt", default="xlsx", metavar="xlsx|csv|json", help="文件格式（默认 xlsx）。")
@click.option(
    "--headers",
    "headers",
    default="names",
    metavar="names|codes",
    help="列名：标准的中文名（默认）或字段代码。",
)
@click.option("--kind", metavar="licence|penalty", help="只上报行政许可（licence）或行政处罚（penalty）。")
@click.option(
    "--since-last", "since_last", is_flag=True, help="只上报上一批次以来新增或变更的记录（按上报台账）。"
)
@click.option("--output", "output", metavar="FILE|DIR", help="写入文件或已有目录。")
@click.option(
    "--to",
    "database",
    metavar="DATABASE_URL",
    help="写入前置库：SQLAlchemy 地址，或 SQLite 文件路径（如 report.db）。",
)
@click.option(
    "--identity",
    "identity",
    metavar="FILE",
    help="市信用办的 age 私钥文件，用于解密完整证件号码（或 GONGSHI_AGE_IDENTITY）。",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="按哪一天上报（默认今天）。")
@click.option("--no-record", "no_record", is_flag=True, help="试运行：生成文件但不记入上报台账。")
def report_command(fmt, headers, kind, since_last, output, database, identity, as_of, no_record) -> None:
    """向市信用办上报（内部渠道）：全部归集的记录（含不公开、简易程序、撤回、撤下公示的记录），
    完整姓名和证件号码，国家标准的列。每一批次记入上报台账 reports/ledger/（请提交到仓库）。

    不提供私钥时照常上报，完整证件号码留空并给出警告。

    退出码：0 成功（或没有新内容），1 数据有错误或写入失败，2 用法错误。
    """
    # lazy: the report pulls in the snapshot loader, openpyxl and SQLAlchemy (~0.5 s)
    from gongshi.check.report import render_text
    from gongshi.core.records import KINDS
    from gongshi.core.sealed import IDENTITY_ENV, SealError, load_identities
    from gongshi.report import files
    from gongshi.report.columns import HEADER_STYLES
    from gongshi.report.exchange import ExchangeError
    from gongshi.report.ledger import LedgerError
    from gongshi.report.run import ReportRequest, run_report
    from gongshi.snapshot.load import SnapshotError, load

    if fmt not in files.FORMATS:
        raise UsageProblem(f"不支持的格式 “{fmt}”。可用：{'、'.join(files.FORMATS)}。")
    if headers not in HEADER_STYLES:
        raise UsageProblem(f"不支持的列名方式 “{headers}”。可用：names（中文名）、codes（字段代码）。")
    if kind is not None and kind not in KINDS:
        raise UsageProblem(f"不认识的类型 “{kind}”。可用：licence（行政许可）、penalty（行政处罚）。")
    if (output is None) == (database is None):
        raise UsageProblem("请用 --output 指定文件或目录，或用 --to 指定前置库（二者选一）。")
    target = Path(output) if output else None
    if target is not None and fmt == "csv" and kind is None and not target.is_dir():
        raise UsageProblem("CSV 每个文件只有一类数据：请加 --kind，或用 --output 指定已有目录。")
    if target is not None and not target.is_dir() and not target.parent.is_dir():
        raise UsageProblem(f"目录 “{target.parent}” 不存在。")
    day = as_of_or_fail(as_of)
    root = repo_root_or_fail()
    identities = None
    if identity is not None or os.environ.get(IDENTITY_ENV):
        try:
            identities = load_identities(identity)
        except SealError as exc:
            raise UsageProblem(str(exc)) from None
    try:
        snapshot = load(root, day, cache=cache_enabled())
    except SnapshotError as exc:
        if exc.files_invalid:
            click.echo(render_text(exc.validation), err=True, nl=False)
        else:
            click.echo(f"错误：{exc.message}", err=True)
        click.get_current_context().exit(1)
    request = ReportRequest(
        fmt=fmt,
        headers=headers,
        kind=kind,
        since_last=since_last,
        output=target,
        database=database,
        record=not no_record,
    )
    try:
        outcome = run_report(root, snapshot, request, identities, cache=cache_enabled())
    except (LedgerError, ExchangeError) as exc:
        click.echo(f"错误：{exc}", err=True)
        click.get_current_context().exit(1)
    for line in outcome.warnings:
        click.echo(line, err=True)
    for line in outcome.lines:
        click.echo(line, err=outcome.code != 0)
    click.get_current_context().exit(outcome.code)

"""``gongshi log RECORD``: one record's audit trail for auditors (the engine is
``snapshot.auditlog``; docs/audit.md)."""

from __future__ import annotations

import click

from gongshi.cli_common import UsageProblem, as_of_or_fail, repo_root_or_fail


@click.command("log")
@click.argument("record", metavar="RECORD")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="截至哪一天（默认今天，中国时间）。")
@click.option("--format", "fmt", default="text", metavar="text|json", help="输出格式（默认 text）。")
def log_command(record: str, as_of: str | None, fmt: str) -> None:
    """一条记录的审计记录：每次合并的日期、提交、作者、PR 编号、改动的字段、更正与合并日期的核对、
    公示时效，以及状态变化的每一天。RECORD 是记录文件路径或记录编号（已期满、已撤回、已删除的记录也可以）。

    退出码：0 成功，2 用法错误或找不到记录。
    """
    # lazy: the audit log reads history, registry and blobs (not needed by other commands)
    from gongshi.history.log import HistoryError
    from gongshi.snapshot.auditlog import RecordNotFound, audit_log, render_json, render_text

    if fmt not in ("text", "json"):
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：text、json。")
    day = as_of_or_fail(as_of)
    root = repo_root_or_fail()
    try:
        log = audit_log(root, record, day)
    except RecordNotFound as exc:
        raise UsageProblem(str(exc)) from None
    except HistoryError as exc:
        raise UsageProblem(exc.message) from None
    click.echo((render_json if fmt == "json" else render_text)(log), nl=False)

"""``gongshi ledger``: verify that a site's publication ledger extends an older copy, and prove a
record's entries (the checks themselves are ``outputs.ledgercheck``)."""

from __future__ import annotations

import click

from gongshi.cli_common import UsageProblem, resolved_path_or_fail


@click.group("ledger")
def ledger_group() -> None:
    """公示账本：核对网站只往后添加（verify），查一条决定的包含证明（prove）。"""


def _ledger_source(raw: str) -> str:
    """A site folder (must exist) or an http(s) URL, as ``outputs.ledgercheck`` reads it."""
    if raw.startswith(("http://", "https://")):
        return raw
    path = resolved_path_or_fail(raw)
    if not path.is_dir():
        raise UsageProblem(f"“{raw}” 不是已生成的网站目录，也不是 http(s) 网址。")
    return str(path)


def _ledger_report(outcome, fmt: str) -> None:
    import json

    if fmt == "json":
        click.echo(json.dumps({"exit": outcome.code, "messages": outcome.lines, **outcome.data},
                              ensure_ascii=False, indent=2))  # fmt: skip
    else:
        for line in outcome.lines:
            click.echo(line, err=outcome.code != 0)
    click.get_current_context().exit(outcome.code)


@ledger_group.command("verify")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--format", "fmt", default="text", metavar="text|json", help="输出格式（默认 text）。")
def ledger_verify_command(old: str, new: str, fmt: str) -> None:
    """证明 NEW 的公示账本是 OLD 的延续（OLD、NEW：网站目录或网址）。

    退出码：0 通过，1 历史被改写，2 用法错误或无法读取。
    """
    # lazy: the ledger checker (urllib, merkle) only for this command
    from gongshi.outputs.ledgercheck import verify

    if fmt not in ("text", "json"):
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：text、json。")
    _ledger_report(verify(_ledger_source(old), _ledger_source(new)), fmt)


@ledger_group.command("prove")
@click.argument("record_id", metavar="RECORD_ID")
@click.option("--site", "site", default="output", show_default=True, metavar="DIR|URL", help="网站目录或网址")
@click.option("--format", "fmt", default="text", metavar="text|json", help="输出格式（默认 text）。")
def ledger_prove_command(record_id: str, site: str, fmt: str) -> None:
    """列出一条决定在公示账本中的条目和包含证明，并当场验证。

    退出码：0 全部验证通过，1 没有条目或验证失败，2 用法错误或无法读取。
    """
    # lazy: the ledger checker (urllib, merkle) only for this command
    from gongshi.outputs.ledgercheck import prove

    if fmt not in ("text", "json"):
        raise UsageProblem(f"不支持的输出格式 “{fmt}”。可用：text、json。")
    _ledger_report(prove(_ledger_source(site), record_id), fmt)

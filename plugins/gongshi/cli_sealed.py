"""The sealed ID numbers on the command line: the full number a clerk enters for ``gongshi new``
(asked at a hidden prompt) and ``gongshi reseal`` (sealing every number again after the credit
office rotates its keys). The work is done by ``repo.idfields`` and ``repo.reseal``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gongshi.cli_common import UsageProblem, repo_root_or_fail
from gongshi.core.sealed import HOW_TO_CONFIGURE, IDENTITY_ENV, SealError, load_identities, policy_recipients
from gongshi.repo.files import Registry, load_registry
from gongshi.repo.reseal import reseal_repository

if TYPE_CHECKING:
    from gongshi.repo.idfields import EnteredNumber

# The value of --id-no / --legal-rep-id-no written without a number: ask for it at a hidden prompt.
ASK = "\0ask"


def _ask_number(what: str) -> str:
    """A full ID number typed at a hidden prompt (it stays off the screen and out of the history)."""
    return click.prompt(f"{what}（输入时不显示）", hide_input=True, err=True)


def entered_id_number(
    registry: Registry, id_no: str | None, legal_rep_id_no: str | None, id_type: str | None
) -> EnteredNumber | None:
    """The party fields of the number given to ``gongshi new`` (None: no number given)."""
    if id_no is not None and legal_rep_id_no is not None:
        raise UsageProblem("--id-no（自然人）和 --legal-rep-id-no（单位的法定代表人）不能同时使用。")
    if id_type is not None and id_no is None and legal_rep_id_no is None:
        raise UsageProblem("--id-type 要和 --id-no 或 --legal-rep-id-no 一起使用。")
    # lazy: idfields checks numbers with python-stdnum (60 ms), needed only when a number is given
    from gongshi.repo.idfields import IdNumberError, legal_rep_id_fields, person_id_fields

    recipients = policy_recipients(registry.policy)
    try:
        if id_no is not None:
            number = _ask_number("当事人的完整证件号码") if id_no == ASK else id_no
            return person_id_fields(number, id_type, recipients)
        if legal_rep_id_no is not None:
            number = _ask_number("法定代表人的完整证件号码") if legal_rep_id_no == ASK else legal_rep_id_no
            return legal_rep_id_fields(number, id_type, recipients)
    except IdNumberError as exc:
        raise UsageProblem(str(exc)) from None
    return None


@click.command("reseal")
@click.option(
    "--identity",
    "identity",
    metavar="私钥文件",
    help=f"能解密现有加密字段的（旧）age 私钥文件；不写则用环境变量 {IDENTITY_ENV}。",
)
@click.option("--dry-run", is_flag=True, help="只检查并报告数量，不改写任何文件。")
def reseal_command(identity: str | None, dry_run: bool) -> None:
    """轮换公钥后，把所有加密的证件号码按 data/policy.yaml 中现在的 reporting.recipients 重新加密。

    每个加密字段先用旧私钥解密，再加密给现在列出的公钥；文件中其他内容一个字节也不变。
    不能处理的文件保持原样并列出原因。证件号码本身不会显示。私钥文件可以有多行（旧私钥和新私钥），
    中途停下后再运行时，已经改写的文件用新私钥也能打开。

    退出码：0 全部完成，1 有文件没有改写，2 用法错误（没有私钥、没有配置公钥）。
    """
    root = repo_root_or_fail()
    recipients = policy_recipients(load_registry(root).policy)
    if not recipients:
        raise UsageProblem("没有接收方公钥，无法重新加密。" + HOW_TO_CONFIGURE.replace("\n", " "))
    try:
        identities = load_identities(identity)
        result = reseal_repository(root, identities, recipients, dry_run=dry_run)
    except SealError as exc:
        raise UsageProblem(str(exc)) from None
    for p in result.problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        click.echo(f"错误：{where}：{p.message}", err=True)
    files = len(result.files_changed)
    if dry_run:
        click.echo(
            f"试运行（--dry-run）：检查了 {result.files_scanned} 个记录文件，"
            f"将重新加密 {result.fields_resealed} 个字段（{files} 个文件），没有改写任何文件。"
        )
        for rel in result.files_changed:
            click.echo(f"  将改写 {rel}")
    else:
        click.echo(
            f"检查了 {result.files_scanned} 个记录文件，已把 {result.fields_resealed} 个字段"
            f"（{files} 个文件）重新加密给 {len(recipients)} 个接收方公钥。"
        )
        for rel in result.files_changed:
            click.echo(f"  {rel}")
        if files:
            click.echo("请检查改动（git diff 只应显示加密块）后提交。")
    if result.problems:
        click.echo(f"有 {len(result.problems)} 个文件没有改写（见上面的错误）。", err=True)
    click.get_current_context().exit(0 if result.ok else 1)

"""``gongshi tianbao-link``: the bookmark link of the on-site form for the platform team. The site
never carries the data repository's address (it is internal); the link puts it in the page's
fragment, which stays on the clerk's phone (docs/tianbao.md)."""

from __future__ import annotations

import os
import re

import click

from gongshi.cli_common import UsageProblem, repo_root_or_fail
from gongshi.repo.files import load_registry

SITE_URL_ENV = "GONGSHI_SITEURL"  # publishconf.py's public address of the site
SITE_URL = re.compile(r"^https?://[^\s/?#@]+(/[^\s?#]*)?$")


@click.command("tianbao-link")
@click.option(
    "--site-url",
    "site_url",
    metavar="网址",
    help=f"网站的公开地址，例如 https://example.gov.cn/gongshi；不写则用环境变量 {SITE_URL_ENV}。",
)
def tianbao_link_command(site_url: str | None) -> None:
    """打印现场填报页面（tianbao/）的书签链接，由平台管理员私下发给各部门的填报人员。

    网站上不出现数据仓库的地址（数据仓库是内部仓库）。链接按 data/policy.yaml 的 forge
    设置把平台类型、仓库地址和分支写在 # 后面：这部分只留在手机上，不发送给网站服务器。
    填报人员用这个链接打开一次页面，手机就记住了数据仓库，以后直接打开页面即可；
    页面上的“清除仓库设置”可以让手机忘掉它。

    链接含有内部仓库的地址：只通过内部渠道发给填报人员，不要公开发布。

    退出码：0 已打印链接，2 没有网站地址或 forge 设置不对。
    """
    # lazy: the form's module (schema messages, site output) costs 50 ms of every command's start-up
    from gongshi.outputs.tianbao import ForgeSettingError, bookmark_link

    root = repo_root_or_fail()
    url = (site_url if site_url is not None else os.environ.get(SITE_URL_ENV, "")).strip()
    if not url:
        raise UsageProblem(f"请用 --site-url 给出网站的公开地址，或设置环境变量 {SITE_URL_ENV}。")
    if not SITE_URL.match(url):
        raise UsageProblem(
            f"网站地址 “{url[:80]}” 不对：应以 https:// 或 http:// 开头，不含 ?、# 和空格，"
            "例如 https://example.gov.cn/gongshi。"
        )
    try:
        link = bookmark_link(url, load_registry(root).policy)
    except ForgeSettingError as exc:
        raise UsageProblem(str(exc)) from None
    click.echo(link)
    click.echo("这个链接含有内部数据仓库的地址，只私下发给本部门的填报人员，不要公开发布。", err=True)

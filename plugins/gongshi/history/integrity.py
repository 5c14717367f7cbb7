"""History integrity: the commit the live site was built from must still be in main's history.

Publication dates come from the first-parent history of main (see ``history``). If that history is
rewritten (amend + force push, reset, rebase, or a "foxtrot" merge that makes the old main a side
branch), records silently get other publication dates and on-time figures change after the fact.
Before a new deploy the workflow therefore reads ``build-info.json`` of the live site and checks
that its ``commit`` is on the first-parent chain of the commit being built:

* not a commit of this repository at all → history rewritten (the old commit was dropped);
* not an ancestor (``git merge-base --is-ancestor``) → history rewritten;
* an ancestor, but only through a side branch → main's first-parent line was replaced;
* a shallow clone cannot tell → error (the check needs the full history).

The check fails closed: when the live ``build-info.json`` cannot be fetched (``check_without_live``)
the deploy stops, unless ``data/policy.yaml`` declares ``first_deploy: true`` (the site has never
been published). Once a live site answers, that declaration is itself an error: left in place it
would let a later outage skip the check.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from gongshi.repo.files import POLICY_FILE
from gongshi.repo.git import run_git
from gongshi.repo.schemas import coerce_document
from gongshi.repo.yamlload import load_yaml_file

OK = "integrity.ok"
REWRITTEN = "integrity.rewritten"
MISSING = "integrity.missing_commit"
SIDE_BRANCH = "integrity.not_first_parent"
SHALLOW = "integrity.shallow"
NO_LIVE = "integrity.no_live_site"
FIRST_DEPLOY = "integrity.first_deploy"
FIRST_DEPLOY_STALE = "integrity.first_deploy_stale"
FIRST_DEPLOY_KEY = "first_deploy"

_SHA_RE = re.compile(r"^[0-9a-f]{7,64}$")


class IntegrityUsageError(Exception):
    """The check cannot even start (unreadable build-info, not a Git repository); Chinese message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IntegrityResult:
    ok: bool
    code: str
    previous: str  # the published commit
    current: str  # the commit being built (full SHA)
    message: str  # Chinese, says what happened and what to do

    def to_json(self) -> dict:
        return asdict(self)


def previous_commit_from_build_info(path: Path) -> str:
    """The ``commit`` recorded in a ``build-info.json`` written by the site build."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IntegrityUsageError(f"无法读取 {path.name}：{exc.strerror}。") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IntegrityUsageError(f"{path.name} 不是有效的 JSON 文件，无法读出已发布的提交。") from None
    commit = doc.get("commit") if isinstance(doc, dict) else None
    if commit is None:
        raise IntegrityUsageError(
            f"{path.name} 中没有 commit（上次发布不是从 Git 仓库生成的），无法检查历史是否被改写。"
        )
    if not isinstance(commit, str) or not _SHA_RE.match(commit):
        raise IntegrityUsageError(f"{path.name} 中的 commit “{str(commit)[:80]}” 不是 Git 提交编号。")
    return commit


def first_deploy_declared(root: Path) -> bool:
    """True when ``data/policy.yaml`` says ``first_deploy: true`` (read as the schema types it:
    nothing but ``true`` counts)."""
    loaded = load_yaml_file(Path(root) / POLICY_FILE, POLICY_FILE)
    if not (loaded.ok and isinstance(loaded.data, dict)):
        return False
    return coerce_document(loaded.data, "policy").get(FIRST_DEPLOY_KEY) is True


def _head(root: Path, current: str) -> str:
    if run_git(root, "rev-parse", "--git-dir").returncode != 0:
        raise IntegrityUsageError(f"{root} 不是 Git 仓库，无法检查发布历史。")
    head = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{current}^{{commit}}")
    if head.returncode != 0:
        raise IntegrityUsageError(f"找不到要发布的 Git 版本 “{current}”。")
    return head.stdout.strip()


def check_without_live(root: Path, current: str = "HEAD") -> IntegrityResult:
    """The live site's ``build-info.json`` could not be fetched: allowed only for a declared first
    deploy (``first_deploy: true`` in data/policy.yaml), else the deploy stops (fails closed)."""
    root = Path(root)
    head_sha = _head(root, current)
    if first_deploy_declared(root):
        return IntegrityResult(
            True,
            FIRST_DEPLOY,
            "",
            head_sha,
            f"取不到线上网站的 build-info.json；{POLICY_FILE} 声明这是首次发布（first_deploy: true），"
            "跳过历史改写检查。首次发布成功后请立即删除 first_deploy。",
        )
    return IntegrityResult(
        False,
        NO_LIVE,
        "",
        head_sha,
        "取不到线上网站的 build-info.json，无法确认 main 的历史没有被改写，已停止发布。"
        "请检查网站是否能访问后重新运行；如果网站确实从未发布过，"
        f"请由平台管理团队在 {POLICY_FILE} 中写 first_deploy: true（首次发布后删除）。",
    )


def _on_first_parent_chain(root: Path, commit: str, head: str) -> bool:
    """True when ``commit`` is HEAD or one of its first-parent ancestors. Streams ``git rev-list``
    and stops at the first match: the last deploy is normally a few commits back."""
    with subprocess.Popen(
        ["git", "-C", str(root), "rev-list", "--first-parent", head],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        try:
            return any(line.strip() == commit for line in proc.stdout)
        finally:
            proc.kill()


def check_published(root: Path, previous: str, current: str = "HEAD") -> IntegrityResult:
    """Is the published commit ``previous`` on the first-parent history of ``current``?"""
    root = Path(root)
    previous = previous.strip().lower()
    if not _SHA_RE.match(previous):
        raise IntegrityUsageError(f"“{previous[:80]}” 不是 Git 提交编号（应为十六进制的 SHA）。")
    head_sha = _head(root, current)

    def result(ok: bool, code: str, message: str, prev: str = previous) -> IntegrityResult:
        return IntegrityResult(ok, code, prev, head_sha, message)

    if run_git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        return result(
            False,
            SHALLOW,
            "这是浅克隆（shallow clone），缺少早期历史，无法确认已发布的提交仍在历史中。"
            "请取得完整历史（git fetch --unshallow；"
            "GitHub Actions 中 actions/checkout 设置 fetch-depth: 0）。",
        )
    found = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{previous}^{{commit}}")
    if found.returncode != 0:
        return result(
            False,
            MISSING,
            f"线上网站发布自提交 {previous[:12]}，但本仓库中已没有这个提交：main 的历史被改写"
            "（强制推送、变基或修改了已发布的提交）。"
            "公示日期以 Git 历史为准，改写历史会改变已公示记录的日期，"
            "已停止发布。请恢复原来的历史（把被覆盖的提交找回并推送），不要强制推送 main。",
        )
    prev_sha = found.stdout.strip()
    ancestor = run_git(root, "merge-base", "--is-ancestor", prev_sha, head_sha)
    if ancestor.returncode not in (0, 1):
        raise IntegrityUsageError(f"git merge-base 执行失败：{ancestor.stderr.strip()[:200]}")
    if ancestor.returncode == 1:
        return result(
            False,
            REWRITTEN,
            f"线上网站发布自提交 {prev_sha[:12]}，它不是当前提交 {head_sha[:12]} 的祖先：main 的历史被改写"
            "（强制推送、变基或修改了已发布的提交）。"
            "公示日期以 Git 历史为准，改写历史会改变已公示记录的日期，"
            "已停止发布。请恢复原来的历史，不要强制推送 main。",
            prev_sha,
        )
    if not _on_first_parent_chain(root, prev_sha, head_sha):
        return result(
            False,
            SIDE_BRANCH,
            f"线上网站发布自提交 {prev_sha[:12]}，它仍在历史中，但已不在 main 的主线（第一父提交链）上："
            "可能是把 main 合并进其他分支后再快进推送。公示日期按主线计算，这样会改变已公示记录的日期，"
            "已停止发布。请在 main 上重新以合并提交的方式合并该分支。",
            prev_sha,
        )
    if first_deploy_declared(root):
        return result(
            False,
            FIRST_DEPLOY_STALE,
            f"线上网站已经发布（发布自提交 {prev_sha[:12]}），但 {POLICY_FILE} 仍声明 first_deploy: true。"
            "留着这一项，以后取不到线上 build-info.json 时就会跳过历史改写检查，已停止发布。"
            f"请由平台管理团队删除 {POLICY_FILE} 中的 first_deploy。",
            prev_sha,
        )
    return result(
        True,
        OK,
        f"线上网站发布自提交 {prev_sha[:12]}，"
        f"是当前提交 {head_sha[:12]} 在 main 主线上的祖先，历史未被改写。",
        prev_sha,
    )

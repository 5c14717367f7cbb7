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
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from gongshi.repo.git import run_git

OK = "integrity.ok"
REWRITTEN = "integrity.rewritten"
MISSING = "integrity.missing_commit"
SIDE_BRANCH = "integrity.not_first_parent"
SHALLOW = "integrity.shallow"

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
    if run_git(root, "rev-parse", "--git-dir").returncode != 0:
        raise IntegrityUsageError(f"{root} 不是 Git 仓库，无法检查发布历史。")
    head = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{current}^{{commit}}")
    if head.returncode != 0:
        raise IntegrityUsageError(f"找不到要发布的 Git 版本 “{current}”。")
    head_sha = head.stdout.strip()

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
    return result(
        True,
        OK,
        f"线上网站发布自提交 {prev_sha[:12]}，"
        f"是当前提交 {head_sha[:12]} 在 main 主线上的祖先，历史未被改写。",
        prev_sha,
    )

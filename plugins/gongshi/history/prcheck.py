"""Pull-request rules on the Git history: what a change may do to the published record set.

``check_history`` compares HEAD with the merge base of a base revision (default ``origin/main``,
else ``main``), the same "three dots" comparison GitHub shows for a pull request:

1. One department per change: all changed record files lie under one ``data/records/<dept>/``.
   CODEOWNERS then asks exactly one department (the ``owners`` in departments.yaml) to review.
2. Published records (files present at the base) are never deleted or renamed: the audit trail
   keys publication dates by path. Withdraw with ``status`` (撤销/变更/注销/失效) instead. Renames
   are found without Git's rename detection (``--no-renames``): a deleted path whose file name or
   content reappears under another path.
3. Editing a published record appends an entry to ``corrections: [{date, reason}]``; earlier entries
   stay as they were. Exempt: formatting-only edits (the loaded data is equal) and a withdrawal
   (only ``status``, ``status_date``, ``status_reason`` changed), which documents itself.
4. Platform files (schemas, policy, calendar, registry, catalogs, code, theme, workflows) are
   reported as warnings: they need the platform team's review, which CODEOWNERS enforces. A warning
   rather than an error, because the platform team's own pull requests change exactly these files.

Results are ``Problem`` s; ``report`` prints them.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from gongshi.check.report import RENDERERS
from gongshi.core.problems import Problem
from gongshi.core.records import WITHDRAWN_STATUSES
from gongshi.history.log import SHALLOW_MESSAGE
from gongshi.repo.files import PLATFORM_PATHS, RECORDS_DIR, load_registry
from gongshi.repo.git import run_git
from gongshi.repo.tracked import tracked_cache_problems
from gongshi.repo.yamlload import load_yaml_bytes

DEFAULT_BASES = ("origin/main", "main")

STATUS_KEYS = frozenset({"status", "status_date", "status_reason"})
CORRECTIONS_KEY = "corrections"
CORRECTION_EXAMPLE = "- {date: 2026-03-09, reason: 更正许可证编号}"


class PrCheckError(Exception):
    """The comparison cannot be made (no Git, shallow clone, unknown base); Chinese message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileChange:
    status: str  # 'A', 'M', 'D' ('T' type changes count as 'M')
    path: str  # relative to the data repository root
    old_blob: str
    new_blob: str


@dataclass
class CheckResult:
    base: str  # the revision name compared against, e.g. origin/main
    merge_base: str
    head: str
    changes: list[FileChange] = field(default_factory=list)
    departments: dict[str, list[str]] = field(default_factory=dict)  # dept -> changed record paths
    problems: list[Problem] = field(default_factory=list)

    @property
    def files_checked(self) -> int:
        return len(self.changes)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", "replace").strip()


def _resolve(root: Path, rev: str) -> str | None:
    proc = run_git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", text=False)
    return _out(proc) if proc.returncode == 0 else None


def check_history(root: Path, base: str | None = None, head: str = "HEAD") -> CheckResult:
    """Apply the pull-request rules to the changes from merge-base(base, head) to head."""
    root = Path(root)
    top = run_git(root, "rev-parse", "--show-prefix", text=False)
    if top.returncode != 0:
        raise PrCheckError("当前目录不在 Git 仓库中，无法检查修改历史。")
    prefix = _out(top)
    if _out(run_git(root, "rev-parse", "--is-shallow-repository", text=False)) == "true":
        raise PrCheckError(SHALLOW_MESSAGE)
    head_sha = _resolve(root, head)
    if head_sha is None:
        raise PrCheckError(f"找不到要检查的版本 “{head}”（仓库还没有提交？）。")
    candidates = (base,) if base else DEFAULT_BASES
    base_name = base_sha = None
    for name in candidates:
        base_sha = _resolve(root, name)
        if base_sha:
            base_name = name
            break
    if base_sha is None or base_name is None:
        tried = "、".join(candidates)
        raise PrCheckError(
            f"找不到比较基准 {tried}。请用 --base 指定目标分支，例如 --base origin/main；"
            "在 CI 中请先取得完整历史（fetch-depth: 0）。"
        )
    mb = run_git(root, "merge-base", "--all", base_sha, head_sha, text=False)
    if mb.returncode != 0:
        raise PrCheckError(f"{base_name} 与 {head} 没有共同的历史，无法比较。")
    bases = _out(mb).split()
    if len(bases) > 1:
        # Criss-cross merges: whichever base were picked, a change made on the other side (a
        # deletion, say) would not show in the diff. Refuse rather than check half the change.
        raise PrCheckError(
            f"{base_name} 与 {head} 有 {len(bases)} 个合并基点（{'、'.join(b[:12] for b in bases)}），"
            "是交叉合并（criss-cross merge）造成的：无法确定这次修改相对于目标分支改了什么，"
            f"因此不能检查。请从最新的 {base_name} 新建分支，只把本次修改的记录文件放进去，"
            "重新提交拉取请求（不要把目标分支和其他分支来回合并）。"
        )
    result = CheckResult(base=base_name, merge_base=bases[0], head=head_sha)
    result.changes = _diff(root, result.merge_base, head_sha, prefix)
    _apply_rules(root, result)
    result.problems += tracked_cache_problems(root, head_sha)
    result.problems.sort(key=lambda p: (p.file, p.line or 0, p.code, p.message))
    return result


def _diff(root: Path, old: str, new: str, prefix: str) -> list[FileChange]:
    proc = run_git(
        root, "diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff", old, new, text=False
    )
    if proc.returncode != 0:
        raise PrCheckError(f"git diff 失败：{proc.stderr.decode('utf-8', 'replace').strip()}")
    tokens = proc.stdout.split(b"\0")
    changes: list[FileChange] = []
    # Each change is ":<mode> <mode> <old blob> <new blob> <status>" then the path.
    for meta, raw_path in zip(tokens[0::2], tokens[1::2], strict=False):
        if not meta.startswith(b":"):
            continue
        _, _, old_blob, new_blob, status = meta.decode("ascii").split(" ")
        path = raw_path.decode("utf-8", "surrogateescape")
        if prefix:
            if not path.startswith(prefix):
                continue  # outside the data repository folder
            path = path[len(prefix) :]
        changes.append(FileChange("M" if status[0] == "T" else status[0], path, old_blob, new_blob))
    return changes


def _record_dept(path: str) -> str | None:
    parts = path.split("/")
    if path.startswith(RECORDS_DIR + "/") and len(parts) >= 4:
        return parts[2]
    return None


def _is_record(path: str) -> bool:
    return path.startswith(RECORDS_DIR + "/") and path.endswith((".yaml", ".yml"))


def _apply_rules(root: Path, result: CheckResult) -> None:
    records = [c for c in result.changes if _is_record(c.path)]
    for c in records:
        dept = _record_dept(c.path)
        if dept:
            result.departments.setdefault(dept, []).append(c.path)
    _one_department(root, result)
    _no_deletes_or_renames(records, result)
    _corrections(root, [c for c in records if c.status == "M"], result)
    _platform(result)


def _one_department(root: Path, result: CheckResult) -> None:
    if len(result.departments) <= 1:
        return
    registry = load_registry(root)
    parts = []
    for dept, paths in sorted(result.departments.items()):
        d = registry.departments.get(dept)
        owners = "、".join(d.owners) if d and d.owners else "未登记负责人"
        name = d.name if d else "未登记的部门"
        parts.append(f"{dept}（{name}，{len(paths)} 个文件，审核：{owners}）")
    result.problems.append(
        Problem(
            RECORDS_DIR,
            None,
            "$",
            "history.multiple_departments",
            f"本次修改同时涉及 {len(result.departments)} 个部门的记录：{'；'.join(parts)}。"
            "每个合并请求只能修改一个部门的记录，由该部门审核；请按部门拆分成多个合并请求。",
        )
    )


def _no_deletes_or_renames(records: list[FileChange], result: CheckResult) -> None:
    added = [c for c in records if c.status == "A"]
    by_name = defaultdict(list)
    by_blob = defaultdict(list)
    for c in added:
        by_name[c.path.rsplit("/", 1)[-1]].append(c.path)
        by_blob[c.new_blob].append(c.path)
    for c in records:
        if c.status != "D":
            continue
        name = c.path.rsplit("/", 1)[-1]
        moved_to = by_name.get(name) or by_blob.get(c.old_blob)
        if moved_to:
            result.problems.append(
                Problem(
                    c.path,
                    None,
                    "$",
                    "history.renamed",
                    f"已公示的记录不能改名或移动：{c.path} → {'、'.join(sorted(moved_to))}。"
                    "公示日期和修改历史按文件路径记录，改名会使其丢失。请恢复原文件；"
                    "如果部门、类型、年份或编号写错了，请在原文件中把 status 改为 撤销 并写明 status_date 和 "
                    "status_reason，再另建一条新记录。",
                )
            )
        else:
            result.problems.append(
                Problem(
                    c.path,
                    None,
                    "$",
                    "history.deleted",
                    f"已公示的记录不能删除：{c.path}。请恢复该文件；要撤回公示，请把 status 改为 "
                    f"{'/'.join(WITHDRAWN_STATUSES)} 之一，并写明 status_date 和 status_reason。",
                )
            )


def _read_blobs(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """Contents of many blobs with one ``git cat-file --batch``."""
    if not blobs:
        return {}
    batch = "".join(b + "\n" for b in blobs).encode()
    proc = run_git(root, "cat-file", "--batch", input_bytes=batch, text=False)
    out: dict[str, bytes] = {}
    data = proc.stdout
    pos = 0
    for blob in blobs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split(b" ")
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        out[blob] = data[pos : pos + size]
        pos += size + 1
    return out


def _corrections(root: Path, modified: list[FileChange], result: CheckResult) -> None:
    contents = _read_blobs(root, sorted({b for c in modified for b in (c.old_blob, c.new_blob)}))
    for c in modified:
        old = load_yaml_bytes(contents.get(c.old_blob, b""), c.path)
        new = load_yaml_bytes(contents.get(c.new_blob, b""), c.path)
        if not (old.ok and new.ok and isinstance(old.data, dict) and isinstance(new.data, dict)):
            if not new.ok or not isinstance(new.data, dict):
                result.problems.append(
                    Problem(
                        c.path,
                        None,
                        "$",
                        "history.unreadable",
                        "修改后的记录无法读取，不能检查更正记录；请先按 gongshi validate 的提示修正该文件。",
                    )
                )
            continue
        problem = correction_problem(old.data, new.data)
        if problem:
            code, message, json_path = problem
            result.problems.append(Problem(c.path, new.line_of(json_path) or 1, json_path, code, message))


def correction_problem(old: dict, new: dict) -> tuple[str, str, str] | None:
    """Why editing a published record from ``old`` to ``new`` is not allowed, or None.

    Returns ``(code, Chinese message, JSON path)``.
    """
    if old == new:
        return None  # comments, quoting, key order: the published content is unchanged
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    old_list = old.get(CORRECTIONS_KEY) or []
    new_list = new.get(CORRECTIONS_KEY) or []
    if not isinstance(new_list, list) or not isinstance(old_list, list):
        return (
            "history.correction_missing",
            "corrections 必须是列表，每项写 date 和 reason。",
            "$.corrections",
        )
    if new_list[: len(old_list)] != old_list:
        return (
            "history.corrections_rewritten",
            "已有的更正记录不能修改或删除，只能在 corrections 列表末尾追加新的一项。",
            "$.corrections",
        )
    if len(new_list) == len(old_list):
        if changed <= STATUS_KEYS:
            return None  # a withdrawal (status change) documents itself with status_date/status_reason
        fields = "、".join(sorted(changed))
        return (
            "history.correction_missing",
            f"已公示的记录被修改（{fields}），但没有新增更正记录。请在 corrections 列表末尾追加一项，"
            f"写明更正日期和原因，例如 {CORRECTION_EXAMPLE}。",
            # Point at the list if it exists, else at the first changed field.
            "$.corrections" if CORRECTIONS_KEY in new else f"$.{sorted(changed)[0]}",
        )
    for i in range(len(old_list), len(new_list)):
        entry = new_list[i]
        if not (isinstance(entry, dict) and str(entry.get("date") or "").strip()):
            return (
                "history.correction_incomplete",
                "新增的更正记录缺少 date（更正日期）。",
                f"$.corrections[{i}]",
            )
        if not str(entry.get("reason") or "").strip():
            return (
                "history.correction_incomplete",
                "新增的更正记录缺少 reason（更正原因）。",
                f"$.corrections[{i}]",
            )
    return None


def _platform(result: CheckResult) -> None:
    touched: dict[str, list[str]] = {}
    for c in result.changes:
        for area in PLATFORM_PATHS:
            if c.path == area or (area.endswith("/") and c.path.startswith(area)):
                touched.setdefault(area, []).append(c.path)
                break
    for area, paths in sorted(touched.items()):
        shown = "、".join(paths[:5]) + (f" 等 {len(paths)} 个文件" if len(paths) > 5 else "")
        result.problems.append(
            Problem(
                paths[0] if len(paths) == 1 else area.rstrip("/"),
                None,
                "$",
                "history.platform_change",
                f"修改了平台文件（{shown}），需要平台管理团队审核后才能合并。",
                "warning",
            )
        )


# --- reporters -------------------------------------------------------------------------------


def _header(result: CheckResult) -> str:
    depts = "、".join(sorted(result.departments)) or "无"
    return (
        f"与 {result.base} 比较（合并基点 {result.merge_base[:12]}，当前 {result.head[:12]}）："
        f"修改了 {len(result.changes)} 个文件，涉及部门的记录：{depts}。"
    )


def render(result: CheckResult, fmt: str) -> str:
    """Text and GitHub output reuse the validation reporters; JSON adds the comparison facts."""
    if fmt == "json":
        doc = {
            "base": result.base,
            "merge_base": result.merge_base,
            "head": result.head,
            "files_checked": result.files_checked,
            "departments": {k: sorted(v) for k, v in sorted(result.departments.items())},
            "changes": [{"status": c.status, "path": c.path} for c in result.changes],
            "errors": [p.to_json() for p in result.errors],
            "warnings": [p.to_json() for p in result.warnings],
            "ok": result.ok,
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    body = RENDERERS[fmt](result)
    if fmt == "text":
        return _header(result) + "\n" + body
    return f"::notice title=check-history::{_header(result)}\n" + body


FORMATS = ("text", "json", "github")

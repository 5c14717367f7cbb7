"""Pull-request rules on the Git history: what a change may do to the published record set.

``check_history`` compares HEAD with the merge base of a base revision (default ``origin/main``,
else ``main``), the same "three dots" comparison GitHub shows for a pull request. A pull request
is a *department's* unless its author is a member of the platform team named in the BASE's
``data/departments.yaml`` (``platform.members``; the workflow passes the author with ``--author``):
a pull request cannot make its own author a platform member.

1. One department per change: every changed record file lies under one ``data/records/<dept>/``
   and every record's ``authority`` is that department, unless the authority entrusted it (委托,
   ``delegates`` in the base's departments.yaml). CODEOWNERS then asks exactly one department to
   review, the one whose name the site shows. (A platform pull request gets a warning instead.)
2. Published records (files present at the base) are never deleted or renamed: the audit trail
   keys publication dates by path. Withdraw with ``status`` (撤销/变更/注销/失效) instead. Renames
   are found without Git's rename detection (``--no-renames``): a deleted path whose file name or
   content reappears under another path.
3. Editing a published record appends an entry to ``corrections: [{date, reason}]``; earlier entries
   stay as they were. An entry marked ``nature: 形式`` may change only form fields
   (``core.corrections.FORM_FIELDS``: facts, remarks...). Exempt: formatting-only edits (the
   loaded data is equal) and a withdrawal (only ``status``, ``status_date``, ``status_reason``
   changed), which documents itself.
4. A department's pull request changes only ``data/records/<dept>/**.yaml``: any other file (a
   spreadsheet, an error report, a note, ``.gitattributes``, settings, code, pages, the registry) is
   an error naming it. A platform pull request may change them; platform files get a warning.
5. Nothing published disappears without a trace (``history.unpublish``): a published record that a
   change takes out of public view needs a new correction marked ``unpublish: true`` (unless a
   status dated after its publication withdraws it), so the site shows a withdrawal notice; the
   records whose public state a registry change (catalog, policy) alters are listed, an error in a
   department's pull request. A ``disclosure.until`` before the end of the rolling list is an error.

Results are ``Problem`` s; ``report`` prints them.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gongshi.check.report import RENDERERS
from gongshi.core.clock import today_in_china
from gongshi.core.corrections import FORM, SUBSTANCE, stated_nature, substantive_fields
from gongshi.core.problems import Problem
from gongshi.core.records import WITHDRAWN_STATUSES, parse_date
from gongshi.core.sealed import without_sealed
from gongshi.history.log import SHALLOW_MESSAGE
from gongshi.history.publicstate import TreeRules, read_blobs, tree_rules
from gongshi.history.unpublish import unpublish_problems
from gongshi.repo.files import DEPARTMENTS_FILE, PLATFORM_PATHS, RECORDS_DIR, delegation_allows
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
    author: str | None = None  # the pull request's author as the workflow passed it
    platform: bool = False  # the author is in the base's platform.members

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


def check_history(
    root: Path,
    base: str | None = None,
    head: str = "HEAD",
    *,
    author: str | None = None,
    as_of: date | None = None,
) -> CheckResult:
    """Apply the pull-request rules to the changes from merge-base(base, head) to head.

    ``author``: the pull request's author (a login); a member of the base's platform team makes it
    a platform pull request. ``as_of``: the day public states are compared on (default: today in
    China time)."""
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
    result = CheckResult(base=base_name, merge_base=bases[0], head=head_sha, author=author)
    result.changes = _diff(root, result.merge_base, head_sha, prefix)
    base_rules = tree_rules(root, result.merge_base, prefix)
    result.platform = is_platform_author(base_rules, author)
    _apply_rules(root, prefix, result, base_rules, as_of or today_in_china())
    result.problems += tracked_cache_problems(root, head_sha)
    result.problems.sort(key=lambda p: (p.file, p.line or 0, p.code, p.message))
    return result


def platform_members(rules: TreeRules) -> tuple[str, ...]:
    """The logins of the platform team: ``platform: {members: [...]}`` in departments.yaml."""
    loaded = rules.registry.loaded.get(DEPARTMENTS_FILE)
    data = loaded.data if loaded is not None and loaded.ok and isinstance(loaded.data, dict) else {}
    platform = data.get("platform") if isinstance(data.get("platform"), dict) else {}
    members = platform.get("members") if isinstance(platform.get("members"), list) else []
    return tuple(str(m).lstrip("@").lower() for m in members if isinstance(m, str))


def is_platform_author(rules: TreeRules, author: str | None) -> bool:
    """True when ``author`` is a member of the platform team as the base commit names it."""
    login = (author or "").strip().lstrip("@").lower()
    return bool(login) and login in platform_members(rules)


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


def _apply_rules(root: Path, prefix: str, result: CheckResult, base_rules: TreeRules, as_of: date) -> None:
    records = [c for c in result.changes if _is_record(c.path)]
    contents = read_blobs(root, sorted({c.new_blob for c in records if c.status != "D"}))
    for c in records:
        for dept in _departments_of(c, contents, base_rules):
            paths = result.departments.setdefault(dept, [])
            if c.path not in paths:
                paths.append(c.path)
    _one_department(base_rules, result)
    _no_deletes_or_renames(records, result)
    _corrections(root, [c for c in records if c.status == "M"], result)
    if result.platform:
        _platform(result)
    else:
        _department_files(result)
    result.problems.extend(
        unpublish_problems(
            root, prefix, result.merge_base, result.head, result.changes, base_rules, result.platform, as_of
        )
    )


def _departments_of(c: FileChange, contents: dict[str, bytes], base_rules: TreeRules) -> list[str]:
    """The departments a changed record file involves: its folder's, and its authority's unless
    the authority entrusted the folder's department (as the base's registry says)."""
    dept = _record_dept(c.path)
    if not dept:
        return []
    out = [dept]
    if c.status == "D":
        return out
    loaded = load_yaml_bytes(contents.get(c.new_blob, b""), c.path)
    data = loaded.data if loaded.ok and isinstance(loaded.data, dict) else {}
    authority = data.get("authority")
    if isinstance(authority, str) and authority and authority != dept:
        decided = parse_date(data.get("decision_date"))
        if not delegation_allows(base_rules.registry, authority, dept, data.get("item"), decided):
            out.append(authority)
    return out


def _one_department(base_rules: TreeRules, result: CheckResult) -> None:
    if len(result.departments) <= 1:
        return
    registry = base_rules.registry
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
            "记录的部门既看所在目录，也看决定机关（authority）。"
            "每个合并请求只能修改一个部门的记录，由该部门审核；请按部门拆分成多个合并请求。"
            "决定机关必须是记录所在目录的部门，"
            "除非决定机关已在 data/departments.yaml 的 delegates 中登记委托。",
            # The platform team may touch several departments (e.g. corrections after a policy edit).
            "warning" if result.platform else "error",
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


def _corrections(root: Path, modified: list[FileChange], result: CheckResult) -> None:
    contents = read_blobs(root, sorted({b for c in modified for b in (c.old_blob, c.new_blob)}))
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

    Returns ``(code, Chinese message, JSON path)``. The sealed ID numbers are not published content:
    re-sealing them (``gongshi reseal``) or adding one needs no correction.
    """
    old, new = without_sealed(old), without_sealed(new)
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
    substance = substantive_fields(changed)
    for i in range(len(old_list), len(new_list)):
        if substance and stated_nature(new_list[i]) == FORM:
            return (
                "history.correction_nature",
                f"新增的更正记录写明 nature: {FORM}，但这次修改了 {'、'.join(substance)}：改动当事人、金额、"
                f"处罚类别或内容、日期、文号或状态的是实质更正。请改为 nature: {SUBSTANCE}。",
                f"$.corrections[{i}].nature",
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


def department_file_allowed(path: str) -> bool:
    """The only files a department's pull request may add, change or delete: record files."""
    parts = path.split("/")
    return (
        _is_record(path)
        and path.endswith(".yaml")
        and len(parts) >= 4
        and not any(part.startswith(".") for part in parts)
    )


def _department_files(result: CheckResult) -> None:
    for c in result.changes:
        if department_file_allowed(c.path):
            continue
        if c.path.startswith(RECORDS_DIR + "/"):
            why = "记录目录中只能有记录文件（<编号>.yaml）"
        elif any(c.path == a or (a.endswith("/") and c.path.startswith(a)) for a in PLATFORM_PATHS):
            why = "这是平台文件，只能由平台管理团队修改"
        else:
            why = "部门的合并请求只能修改本部门的记录"
        action = {"A": "新增", "D": "删除"}.get(c.status, "修改")
        result.problems.append(
            Problem(
                c.path,
                None,
                "$",
                "history.file_not_allowed",
                f"部门的合并请求{action}了 {c.path}：{why}。部门只能修改 data/records/<本部门>/ 下的 .yaml "
                "记录文件；原始表格、导入错误报告（*.errors.xlsx）、说明文字等请保存在仓库以外。"
                "请从本合并请求中去掉这个文件；确需修改的平台文件请联系平台管理团队。",
            )
        )


# --- reporters -------------------------------------------------------------------------------


def _header(result: CheckResult) -> str:
    depts = "、".join(sorted(result.departments)) or "无"
    who = "平台管理团队" if result.platform else "部门"
    return (
        f"与 {result.base} 比较（合并基点 {result.merge_base[:12]}，当前 {result.head[:12]}）："
        f"修改了 {len(result.changes)} 个文件，涉及部门的记录：{depts}。按{who}的合并请求检查"
        + (f"（作者 {result.author}）。" if result.author else "。")
    )


def render(result: CheckResult, fmt: str) -> str:
    """Text and GitHub output reuse the validation reporters; JSON adds the comparison facts."""
    if fmt == "json":
        doc = {
            "base": result.base,
            "merge_base": result.merge_base,
            "head": result.head,
            "author": result.author,
            "platform": result.platform,
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

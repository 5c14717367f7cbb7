"""Nothing published disappears without a trace: the un-publication rules of ``check-history``.

Every record the pull request can take out of public view is evaluated as of one day twice: the
base record with the base's registry, policy and calendar, the head record with the head's
(``history.publicstate``), with the publication date the base's first-parent history gives it.

* A published record that was public and is not any more must say so itself: a status dated after
  its publication (撤销/变更/注销/失效/已修复), or a new correction marked ``unpublish: true``
  (``history.unpublished_silently`` otherwise). Either makes its page a withdrawal notice. A status
  dated before the publication, ``public: false``, an early ``disclosure.until``, a catalog or a
  policy edit all need the marked correction.
* The records whose public state a change of the catalog or the policy alters (the record file
  itself unchanged or not) are listed (``history.public_state_changed``): an error in a
  department's pull request, a warning in the platform team's. The calendar and departments.yaml
  decide no public state (deadlines and names only), so they are not evaluated.
* ``disclosure.until`` before the last day of the rolling list (publication + ``list_days``) is an
  error (``history.disclosure_until_early``): the record would leave the site while still counted
  as published on time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gongshi.core.problems import Problem
from gongshi.core.timeline import STATE_LABEL, Timeline
from gongshi.history.log import HistoryError, scan_history
from gongshi.history.publicstate import (
    TreeRules,
    is_public,
    leaves_a_notice,
    read_blobs,
    record_of,
    record_paths,
    timeline_of,
    tree_rules,
)
from gongshi.repo.files import CATALOG_DIR, POLICY_FILE, RECORDS_DIR
from gongshi.rules.policy import list_last_day

SHOWN = 30  # records named in one message; the rest are counted


def _is_record(path: str) -> bool:
    return path.startswith(RECORDS_DIR + "/") and path.endswith((".yaml", ".yml"))


def _state(t: Timeline | None) -> str:
    return STATE_LABEL.get(t.state, t.state) if t is not None else "无法计算"


def unpublish_problems(
    root: Path,
    prefix: str,
    merge_base: str,
    head: str,
    changes: list,
    base_rules: TreeRules,
    platform: bool,
    as_of: date,
) -> list[Problem]:
    """The un-publication problems of ``changes`` (``prcheck.FileChange`` s) from ``merge_base``
    to ``head``, public states compared as of ``as_of``."""
    records = {c.path: c for c in changes if _is_record(c.path)}
    policy_changed = any(c.path == POLICY_FILE for c in changes)
    catalog_depts = {
        c.path[len(CATALOG_DIR) + 1 :].removesuffix(".yaml")
        for c in changes
        if c.path.startswith(CATALOG_DIR + "/") and c.path.endswith(".yaml")
    }
    registry_changed = policy_changed or bool(catalog_depts)
    touched = [c for c in records.values() if c.status in ("A", "M")]
    if not (touched or registry_changed):
        return []
    head_rules = tree_rules(root, head, prefix)
    try:
        history = scan_history(root, rev=merge_base)
    except HistoryError as exc:
        return [Problem(RECORDS_DIR, None, "$", "history.unavailable", exc.message)]

    # The records to compare: the changed ones, and every record a registry change may affect.
    old_blobs = {c.path: c.old_blob for c in records.values() if c.status == "M"}
    if registry_changed:
        depts: set[str] | None = None
        if not policy_changed:
            depts = set(catalog_depts)
            for rules in (base_rules, head_rules):  # entrusted departments file the delegator's records
                for key in catalog_depts:
                    d = rules.registry.departments.get(key)
                    for entry in (d.data.get("delegates") or []) if d is not None else []:
                        if isinstance(entry, dict) and isinstance(entry.get("to"), str):
                            depts.add(entry["to"])
        for path, blob in record_paths(root, merge_base, prefix, depts).items():
            old_blobs.setdefault(path, blob)
    new_blobs = {}
    for path, blob in old_blobs.items():
        c = records.get(path)
        if c is None:
            new_blobs[path] = blob  # unchanged by this pull request
        elif c.status != "D":
            new_blobs[path] = c.new_blob
    for c in touched:
        new_blobs.setdefault(c.path, c.new_blob)
    contents = read_blobs(root, sorted(set(old_blobs.values()) | set(new_blobs.values())))

    problems: list[Problem] = []
    altered: list[tuple[str, Timeline | None, Timeline | None]] = []
    for path in sorted(new_blobs):
        new = record_of(path, contents.get(new_blobs[path], b""))
        publication = history.publication(path, as_of)
        if path in old_blobs and not publication.preview:
            old = record_of(path, contents.get(old_blobs[path], b""))
            before = timeline_of(old, base_rules, publication, as_of)
            after = timeline_of(new, head_rules, publication, as_of)
            if registry_changed:
                same_record = timeline_of(new, base_rules, publication, as_of)
                if (
                    same_record is not None
                    and after is not None
                    and is_public(same_record) != is_public(after)
                ):
                    altered.append((path, before, after))
            if (
                is_public(before)
                and after is not None
                and not is_public(after)
                and not leaves_a_notice(after)
            ):
                problems.append(_silent(path, new, before, after, publication.date, as_of))
        if new is not None and new.is_public:
            published = as_of if publication.preview else publication.date
            problems.extend(_until_early(path, new, head_rules, published))
    if altered:
        problems.append(_altered(changes, altered, platform))
    return problems


def _silent(path: str, record, before: Timeline, after: Timeline, published: date, as_of: date) -> Problem:
    why = after.rule
    if record.status_date is not None and record.status_date <= published:
        why = f"状态变更日期 {record.status_date.isoformat()} 不晚于公示日期 {published.isoformat()}"
    line = record.lines.get("$.corrections") or 1
    return Problem(
        path,
        line,
        "$.corrections",
        "history.unpublished_silently",
        f"已公示的记录 {record.id}（{published.isoformat()} 公示）按本次修改将从网站撤下："
        f"{_state(before)} → {_state(after)}（{why}）。已公示的记录不能无声无息地消失："
        f"请在 corrections 末尾追加一项并标记 unpublish: true，例如 "
        f"- {{date: {as_of.isoformat()}, reason: 说明撤下公示的原因, unpublish: true}}，"
        "网站会在原页面显示撤回公告；撤销等状态变更请把 status_date 写成实际撤下的日期。",
    )


def _until_early(path: str, record, rules: TreeRules, published: date) -> list[Problem]:
    until = record.disclosure_until_override
    if until is None or rules.policy is None:
        return []
    last = list_last_day(published, rules.policy.list_days)
    if until >= last:
        return []
    return [
        Problem(
            path,
            record.lines.get("$.disclosure.until") or 1,
            "$.disclosure.until",
            "history.disclosure_until_early",
            f"disclosure.until（公开截止日期）{until.isoformat()} 早于滚动公示期的最后一天 {last.isoformat()}"
            f"（{published.isoformat()} 公示后公示 {rules.policy.list_days} 天）：记录会提前从网站消失，"
            "却仍按已公示统计。请核对日期；确需不再公开的，请改为 public: false 并在 corrections 中"
            "追加标记 unpublish: true 的更正。",
        )
    ]


def _altered(changes: list, altered: list, platform: bool) -> Problem:
    files = sorted(c.path for c in changes if c.path == POLICY_FILE or c.path.startswith(CATALOG_DIR + "/"))
    shown = "；".join(
        f"{path.rsplit('/', 1)[-1].removesuffix('.yaml')}（{_state(b)} → {_state(a)}）"
        for path, b, a in altered[:SHOWN]
    )
    more = f" 等 {len(altered)} 条" if len(altered) > SHOWN else f"，共 {len(altered)} 条"
    tail = (
        "请逐条核对；其中被撤下的记录须各自追加标记 unpublish: true 的更正。"
        if platform
        else "目录和公示政策只能由平台管理团队修改，部门的合并请求不能改变已公示记录的公开状态。"
    )
    return Problem(
        files[0] if len(files) == 1 else "data",
        None,
        "$",
        "history.public_state_changed",
        f"本次对{'、'.join(files)}的修改改变了已公示记录的公开状态：{shown}{more}。{tail}",
        "warning" if platform else "error",
    )

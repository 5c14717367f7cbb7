"""``gongshi explain``: every date the time rules compute for one record, and why (as data).

The JSON shape is documented in docs/explain.md and is a stable interface.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gongshi.check.result import ValidationResult
from gongshi.core.problems import Problem
from gongshi.core.timeline import STATE_LABEL, Timeline
from gongshi.rules.policy import Details, Policy, evaluate_detailed
from gongshi.rules.regimes import CIVIL_CODE, CIVIL_CODE_ARTICLES, list_last_day
from gongshi.rules.workdays import PROVISIONAL_LABEL
from gongshi.snapshot.load import SnapshotError, read_inputs, tree_as_of

EXPLAIN_FORMAT_VERSION = 1
NOT_A_RECORD = "这不是记录文件：记录应放在 data/records/<部门>/<licences|penalties>/<年份>/ 下。"


@dataclass
class Explanation:
    file: str
    as_of: date
    problems: list[Problem] = field(default_factory=list)
    timeline: Timeline | None = None
    details: Details | None = None
    commit: str | None = None
    kind: str | None = None
    policy: Policy | None = None

    @property
    def ok(self) -> bool:
        return self.timeline is not None and not any(p.severity == "error" for p in self.problems)

    def why(self) -> dict[str, str]:
        """One Chinese sentence per computed value."""
        t, p, d = self.timeline, self.policy, self.details
        if t is None or p is None or d is None:
            return {}
        out = {"deadline": d.deadline_reason}
        if t.published_at is None:
            out["published_at"] = "尚未提交到主分支"
        elif t.preview:
            out["published_at"] = "文件尚未提交，预览时按“按日期”计为公示日期"
        else:
            out["published_at"] = f"主分支上首次加入该文件的提交 {self.commit} 的提交日期（中国时间）"
        mark = f"（{PROVISIONAL_LABEL}）" if t.provisional else ""
        backfill = "补录，" if t.backfilled else ""
        if t.on_time is None:
            out["on_time"] = "未公示，不评价时效" if t.withheld_reason is None else "不予公开，不评价时效"
        elif t.on_time:
            out["on_time"] = f"{backfill}公示日期不晚于截止日 {t.deadline.isoformat()}{mark}"
        else:
            out["on_time"] = (
                f"{backfill}公示日期晚于截止日 {t.deadline.isoformat()} {t.delay_workdays} 个工作日{mark}"
            )
        if t.backfilled:
            out["backfilled"] = (
                f"决定日期早于双公示专栏上线日 {p.platform_start.isoformat()}，属补录，单独统计"
                + ("" if t.on_time is not False else "；补录期限后才公示，计入迟报")
            )
        if t.list_until is not None:
            if p.period_convention == CIVIL_CODE:
                out["list_until"] = (
                    f"自公示之日起滚动公示 {p.list_days} 天，公示当日不计入（{CIVIL_CODE_ARTICLES}）"
                )
            else:
                out["list_until"] = f"自公示之日起滚动公示 {p.list_days} 天（含公示当日）"
            full = list_last_day(t.published_at, p.list_days, p.period_convention) if t.published_at else None
            if full is not None and t.list_until < full:
                out["list_until"] += "，因公示期提前结束而缩短"
        out["disclosure_until"] = d.until_reason
        out["state"] = d.state_reason
        if d.withdrawal_reason:
            out["withdrawal_due"] = d.withdrawal_reason
        return out

    def to_json(self) -> dict:
        out: dict = {
            "format": EXPLAIN_FORMAT_VERSION,
            "ok": self.ok,
            "file": self.file,
            "as_of": self.as_of.isoformat(),
        }
        if self.timeline is not None and self.details is not None:
            t = self.timeline.to_json()
            out.update(
                {
                    "id": t.pop("record_id"),
                    "kind": self.kind,
                    "decision_date": t.pop("decision_date"),
                    "deadline": t.pop("deadline"),
                    "deadline_provisional": t.pop("deadline_provisional"),
                    "published_at": t.pop("published_at"),
                    "commit": self.commit,
                    "preview": t.pop("preview"),
                    "on_time": t.pop("on_time"),
                    "backfilled": t.pop("backfilled"),
                    "delay_workdays": t.pop("delay_workdays"),
                    "list_until": t.pop("list_until"),
                    "disclosure_until": t.pop("disclosure_until"),
                    "withdrawn_on": t.pop("withdrawn_on"),
                    "state": t.pop("state"),
                    "state_label": STATE_LABEL[self.timeline.state],
                    "regime": t.pop("regime"),
                    "rule": t.pop("rule"),
                    "provisional": t.pop("provisional"),
                    "withdrawal_due": t.pop("withdrawal_due"),
                    "withdrawal_published_at": t.pop("withdrawal_published_at"),
                    "withdrawal_on_time": t.pop("withdrawal_on_time"),
                    "withdrawal_delay_workdays": t.pop("withdrawal_delay_workdays"),
                }
            )
            out.update(self.details.to_json())
            out["why"] = self.why()
        out["problems"] = [p.to_json() for p in self.problems]
        return out


def explain_record(root: Path, relpath: str, as_of: date) -> Explanation:
    """Validate one record file and evaluate it as of ``as_of``; errors come back as problems.
    Reads its inputs as the snapshot does (``read_inputs``), then evaluates in detail."""
    exp = Explanation(file=relpath, as_of=as_of)
    try:
        # A past day: the repository as it stood then. A record merged after that day is not in
        # it; explained from the working tree, it is ``pending`` (decided, not yet published).
        with tree_as_of(root, as_of) as tree:
            if not (tree / relpath).is_file():
                tree = Path(root)
            inputs = read_inputs(tree, as_of, cache=False, paths=[relpath])
    except SnapshotError as exc:
        exp.problems = _own_problems(exc.validation, relpath)
        if not exc.files_invalid:
            exp.problems.extend(exc.problems)
        return exp
    exp.problems = _own_problems(inputs.validation, relpath)
    record = next((r for r in inputs.validation.records if r.path == relpath), None)
    if record is None:
        exp.problems.append(Problem(relpath, None, "$", "explain.not_a_record", NOT_A_RECORD))
        return exp
    exp.problems.extend(inputs.history.warnings)
    publication = inputs.history.publication(relpath, as_of)
    item = inputs.validation.registry.catalog.get(record.item)
    policy = inputs.policy
    changes = inputs.history.changes.get(relpath, [])
    timeline, notes, details = evaluate_detailed(
        record, as_of, publication, inputs.calendar, policy, item, changes
    )
    exp.problems.extend(notes)
    exp.timeline, exp.details, exp.policy = timeline, details, policy
    exp.commit = getattr(publication, "sha", None)
    exp.kind = record.kind
    return exp


def _own_problems(validation: ValidationResult, relpath: str) -> list[Problem]:
    """The file's own problems, and every error (an error elsewhere stops the explanation too)."""
    return [p for p in validation.problems if p.file == relpath or p.severity == "error"]


def render_json(exp: Explanation) -> str:
    return json.dumps(exp.to_json(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _withdrawal_lines(t: Timeline, d: Details) -> list[str]:
    if t.withdrawal_due is None:
        return []
    lines = [f"撤回期限：{t.withdrawal_due.isoformat()}", f"  依据：{d.withdrawal_reason}"]
    if t.withdrawal_published_at is not None:
        timely = _yes_no(t.withdrawal_on_time)
        if t.withdrawal_on_time is False:
            timely += f"，迟 {t.withdrawal_delay_workdays} 个工作日"
        lines.append(f"撤回生效：{t.withdrawal_published_at.isoformat()}（按时撤回：{timely}）")
    return lines


def _yes_no(v: bool | None) -> str:
    return "—" if v is None else ("是" if v else "否")


def render_text(exp: Explanation) -> str:
    lines = [f"文件：{exp.file}", f"按日期：{exp.as_of.isoformat()}"]
    t, d = exp.timeline, exp.details
    if t is not None and d is not None:
        why = exp.why()
        pub = "—"
        if t.published_at is not None:
            pub = t.published_at.isoformat()
            pub += "（预览：文件尚未提交）" if t.preview else f"（提交 {(exp.commit or '')[:12]}）"
        timely = _yes_no(t.on_time)
        if t.on_time is False:
            timely += f"，迟 {t.delay_workdays} 个工作日"
        if t.backfilled:
            timely += "（补录）"
        if t.provisional:
            timely += f"（{PROVISIONAL_LABEL}）"
        lines += [
            f"决定日期：{t.decision_date.isoformat()}",
            f"公示截止日：{t.deadline.isoformat()}"
            + (f"（{PROVISIONAL_LABEL}）" if t.deadline_provisional else ""),
            f"  依据：{why['deadline']}",
            f"公示日期：{pub}",
            f"按时公示：{timely}",
            f"滚动公示至：{t.list_until.isoformat() if t.list_until else '—'}",
            f"公示截止：{t.disclosure_until.isoformat() if t.disclosure_until else '—'}",
            f"状态：{STATE_LABEL[t.state]}（{t.state}）",
            *_withdrawal_lines(t, d),
            f"规则：{t.regime}（{d.regime_name}）"
            + (f"，严重程度 {d.severity}（{d.severity_source}）" if d.severity else ""),
            f"说明：{t.rule}",
        ]
    for p in exp.problems:
        label = "错误" if p.severity == "error" else "警告"
        where = p.file + (f":{p.line}" if p.line else "")
        lines.append(f"{label}：{where} {p.path} {p.message}")
    return "\n".join(lines) + "\n"

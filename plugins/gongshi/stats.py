"""Assessment figures (方案 §六(四) 评估考核: 及时性、完整性、准确性) per department and month.

Computed from ALL entries of the snapshot — withheld records are validated and counted too — but
only counts leave this module for records that are not public: the list of late records names
public records only. Results are data (``Stats``); ``render_text/json/csv`` print them.

Grouping: a record belongs to the month it entered the main branch (its publication commit, also
for withheld records, which are committed but never published); corrections count in the month of
the correction date, withdrawals in the month of the status change. Not-yet-committed records
(previews) are counted apart and left out of timeliness.

Timeliness is the policy's verdict (``Timeline.on_time``): back-filled records (decided before the
platform started) and withheld records have none and are reported apart. Delays are working days
after the deadline, over the late records.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .records import REPAIRED_STATUS, Record, parse_date
from .timeline import PUBLIC_STATES, WITHDRAWN, WITHHELD

if TYPE_CHECKING:
    from .snapshot import Entry, Snapshot

STATS_FORMAT = "gongshi-stats/1"
TOTAL = "合计"


def _party_code(key: str):
    return lambda r: r.party.get(key)


def _organisation(r: Record) -> bool:
    return not r.is_natural_person


def _always(r: Record) -> bool:
    return True


# Optional (选填) and conditionally required fields of the national standard that a record may
# leave empty, with the records each applies to. The share of applicable records filling them is
# the completeness figure.
OPTIONAL_FIELDS: dict[str, tuple[tuple[str, object, object], ...]] = {
    "licence": (
        ("行政相对人代码_2（工商注册号）", _party_code("business_reg_no"), _organisation),
        ("行政相对人代码_3（组织机构代码）", _party_code("org_code"), _organisation),
        ("行政相对人代码_4（税务登记号）", _party_code("tax_reg_no"), _organisation),
        ("法定代表人证件类型", _party_code("legal_rep_id_type"), _organisation),
        ("许可证书名称", lambda r: r.data.get("certificate_name"), _always),
        ("许可编号", lambda r: r.data.get("licence_no"), _always),
        ("有效期至", lambda r: r.data.get("valid_to"), _always),
        ("备注", lambda r: r.data.get("remarks"), _always),
    ),
    "penalty": (
        ("行政相对人代码_2（工商注册号）", _party_code("business_reg_no"), _organisation),
        ("行政相对人代码_3（组织机构代码）", _party_code("org_code"), _organisation),
        ("行政相对人代码_4（税务登记号）", _party_code("tax_reg_no"), _organisation),
        ("法定代表人证件类型", _party_code("legal_rep_id_type"), _organisation),
        ("处罚有效期", lambda r: r.data.get("valid_until"), _always),
        ("备注", lambda r: r.data.get("remarks"), _always),
    ),
}


@dataclass
class Figures:
    """The counts of one group of records (a department, a month, a department-month or all)."""

    records: int = 0  # every valid record, withheld included
    published: int = 0  # committed, not withheld
    published_by_kind: Counter = field(default_factory=Counter)
    preview: int = 0  # not committed yet
    withheld: int = 0
    withheld_by_reason: Counter = field(default_factory=Counter)
    on_time: int = 0
    late: int = 0
    backfilled: int = 0
    delays: list[int] = field(default_factory=list)  # working days late, one per late record
    corrections: int = 0  # correction entries dated in the group's period
    corrected_records: int = 0
    withdrawals: Counter = field(default_factory=Counter)  # by status (撤销, 变更, 注销, 失效)
    repaired: int = 0
    filled: Counter = field(default_factory=Counter)  # (kind, field) -> records filling it
    applicable: Counter = field(default_factory=Counter)  # (kind, field) -> records it applies to

    @property
    def timed(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.timed, 4) if self.timed else None

    @property
    def delay_median(self) -> float | None:
        return float(statistics.median(self.delays)) if self.delays else None

    @property
    def delay_max(self) -> int | None:
        return max(self.delays) if self.delays else None

    def delay_distribution(self) -> dict[int, int]:
        return dict(sorted(Counter(self.delays).items()))

    def completeness(self) -> dict[str, dict[str, dict]]:
        out: dict[str, dict[str, dict]] = {}
        for kind, fields in OPTIONAL_FIELDS.items():
            for name, _get, _applies in fields:
                n = self.applicable[(kind, name)]
                if not n:
                    continue
                filled = self.filled[(kind, name)]
                out.setdefault(kind, {})[name] = {
                    "filled": filled,
                    "applicable": n,
                    "share": round(filled / n, 4),
                }
        return out

    def to_json(self) -> dict:
        return {
            "records": self.records,
            "published": self.published,
            "published_by_kind": {k: self.published_by_kind[k] for k in ("licence", "penalty")},
            "preview": self.preview,
            "withheld": self.withheld,
            "withheld_by_reason": dict(sorted(self.withheld_by_reason.items())),
            "timeliness": {
                "timed": self.timed,
                "on_time": self.on_time,
                "late": self.late,
                "backfilled": self.backfilled,
                "on_time_rate": self.on_time_rate,
                "delay_median": self.delay_median,
                "delay_max": self.delay_max,
                "delay_distribution": {str(k): v for k, v in self.delay_distribution().items()},
            },
            "completeness": self.completeness(),
            "corrections": {"entries": self.corrections, "records": self.corrected_records},
            "withdrawals": dict(sorted(self.withdrawals.items())),
            "repaired": self.repaired,
        }


@dataclass(frozen=True)
class LateRecord:
    """A public record published after its deadline (withheld/non-public ones are only counted)."""

    id: str
    dept: str
    kind: str
    doc_no: str
    decision_date: date
    deadline: date
    published_at: date
    delay_workdays: int


@dataclass
class Stats:
    as_of: date
    regime: str
    departments: dict[str, str]  # key -> name, registry order by key
    total: Figures
    by_dept: dict[str, Figures]
    by_month: dict[str, Figures]
    by_dept_month: dict[tuple[str, str], Figures]
    late_records: list[LateRecord]
    late_not_public: int

    def months(self) -> list[str]:
        return sorted(self.by_month)

    def dept_months(self, key: str) -> list[str]:
        return sorted(m for (d, m) in self.by_dept_month if d == key)


def _month(d: date) -> str:
    return d.strftime("%Y-%m")


def compute_stats(snapshot: Snapshot) -> Stats:
    as_of = snapshot.as_of
    departments = {k: snapshot.registry.departments[k].name for k in sorted(snapshot.registry.departments)}
    total = Figures()
    by_dept: dict[str, Figures] = {k: Figures() for k in departments}
    by_month: dict[str, Figures] = {}
    by_dept_month: dict[tuple[str, str], Figures] = {}
    late: list[LateRecord] = []
    late_not_public = 0

    def groups(dept: str, month: str) -> list[Figures]:
        return [
            total,
            by_dept.setdefault(dept, Figures()),
            by_month.setdefault(month, Figures()),
            by_dept_month.setdefault((dept, month), Figures()),
        ]

    for e in snapshot.entries:
        r, t = e.record, e.timeline
        dept = r.authority
        entered = t.published_at if t.published_at is not None else t.decision_date
        for g in groups(dept, _month(entered)):
            _count_record(g, e)
        if t.on_time is False and not t.preview:
            if e.state in PUBLIC_STATES:
                late.append(
                    LateRecord(
                        r.id,
                        dept,
                        r.kind,
                        r.doc_no,
                        t.decision_date,
                        t.deadline,
                        t.published_at,
                        t.delay_workdays,
                    )
                )
            else:
                late_not_public += 1
        for c in r.corrections:
            d = parse_date(c.get("date"))
            if d is not None and d <= as_of:
                for g in groups(dept, _month(d)):
                    g.corrections += 1
        if e.state == WITHDRAWN and t.withdrawn_on is not None:
            for g in groups(dept, _month(t.withdrawn_on)):
                g.withdrawals[r.status] += 1
        if r.status == REPAIRED_STATUS and r.status_date is not None and r.status_date <= as_of:
            for g in groups(dept, _month(r.status_date)):
                g.repaired += 1
    late.sort(key=lambda x: (-x.delay_workdays, x.published_at, x.id))
    regime = str(snapshot.registry.policy.get("regime", ""))
    return Stats(as_of, regime, departments, total, by_dept, by_month, by_dept_month, late, late_not_public)


def _count_record(g: Figures, e: Entry) -> None:
    r, t = e.record, e.timeline
    g.records += 1
    if e.state == WITHHELD:
        g.withheld += 1
        g.withheld_by_reason[r.withheld_reason or "按公示规则不予公示"] += 1
    elif t.preview:
        g.preview += 1
    elif t.published_at is not None and t.published_at <= t.as_of:
        g.published += 1
        g.published_by_kind[r.kind] += 1
    if not t.preview:
        if t.backfilled:
            g.backfilled += 1
        elif t.on_time is True:
            g.on_time += 1
        elif t.on_time is False:
            g.late += 1
            g.delays.append(t.delay_workdays)
    if r.corrections:
        g.corrected_records += 1
    for name, get, applies in OPTIONAL_FIELDS.get(r.kind, ()):
        if applies(r):
            g.applicable[(r.kind, name)] += 1
            value = get(r)
            if value is not None and str(value).strip():
                g.filled[(r.kind, name)] += 1


# Rendering -----------------------------------------------------------------------------------
def to_json(stats: Stats) -> dict:
    return {
        "format": STATS_FORMAT,
        "as_of": stats.as_of.isoformat(),
        "regime": stats.regime,
        "total": stats.total.to_json(),
        "departments": [
            {
                "key": key,
                "name": name,
                "total": stats.by_dept[key].to_json(),
                "months": [
                    {"month": m, **stats.by_dept_month[(key, m)].to_json()} for m in stats.dept_months(key)
                ],
            }
            for key, name in stats.departments.items()
        ],
        "months": [{"month": m, **stats.by_month[m].to_json()} for m in stats.months()],
        "late_records": [
            {
                "id": x.id,
                "dept": x.dept,
                "kind": x.kind,
                "doc_no": x.doc_no,
                "decision_date": x.decision_date.isoformat(),
                "deadline": x.deadline.isoformat(),
                "published_at": x.published_at.isoformat(),
                "delay_workdays": x.delay_workdays,
            }
            for x in stats.late_records
        ],
        "late_not_public": stats.late_not_public,
        # Validation failures on main over time would need every historical commit re-validated;
        # not computed (see docs/stats.md).
        "validation_history": None,
    }


def render_json(stats: Stats) -> str:
    return json.dumps(to_json(stats), ensure_ascii=False, indent=1) + "\n"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _num(x: float | int | None) -> str:
    if x is None:
        return "—"
    return f"{x:g}" if isinstance(x, float) else str(x)


CSV_COLUMNS = (
    "部门代号",
    "部门",
    "月份",
    "记录数",
    "已公示",
    "未提交",
    "不予公开",
    "按时",
    "迟报",
    "补录",
    "按时率",
    "迟报工作日中位数",
    "最长迟报工作日",
    "更正",
    "撤回",
    "信用修复",
)


def _csv_row(key: str, name: str, month: str, f: Figures) -> list[str]:
    rate = "" if f.on_time_rate is None else f"{f.on_time_rate:.4f}"
    return [
        key,
        name,
        month,
        str(f.records),
        str(f.published),
        str(f.preview),
        str(f.withheld),
        str(f.on_time),
        str(f.late),
        str(f.backfilled),
        rate,
        "" if f.delay_median is None else f"{f.delay_median:g}",
        "" if f.delay_max is None else str(f.delay_max),
        str(f.corrections),
        str(sum(f.withdrawals.values())),
        str(f.repaired),
    ]


def render_csv(stats: Stats) -> str:
    """One row per department-month, a 合计 row per department, a 全部 row for all (UTF-8, CRLF)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for key, name in stats.departments.items():
        for m in stats.dept_months(key):
            w.writerow(_csv_row(key, name, m, stats.by_dept_month[(key, m)]))
        w.writerow(_csv_row(key, name, TOTAL, stats.by_dept[key]))
    w.writerow(_csv_row("", "全部", TOTAL, stats.total))
    return "\ufeff" + buf.getvalue()


def _line(label: str, f: Figures) -> str:
    withdrawn = sum(f.withdrawals.values())
    return (
        f"{label}：记录 {f.records}，已公示 {f.published}，不予公开 {f.withheld}，"
        f"按时率 {percent(f.on_time_rate)}（{f.on_time}/{f.timed}），迟报 {f.late}"
        f"（中位 {_num(f.delay_median)}、最长 {_num(f.delay_max)} 个工作日），补录 {f.backfilled}，"
        f"更正 {f.corrections}，撤回 {withdrawn}，信用修复 {f.repaired}"
        + (f"，未提交 {f.preview}" if f.preview else "")
    )


def render_text(stats: Stats) -> str:
    out = [f"双公示统计（截至 {stats.as_of.isoformat()}，公示规则 {stats.regime}）", ""]
    out.append(_line("全部", stats.total))
    if stats.total.withheld_by_reason:
        reasons = "，".join(f"{k} {v}" for k, v in sorted(stats.total.withheld_by_reason.items()))
        out.append(f"  不予公开理由：{reasons}")
    out.append("")
    for key, name in stats.departments.items():
        out.append(_line(f"{name}（{key}）", stats.by_dept[key]))
        for m in stats.dept_months(key):
            out.append("  " + _line(m, stats.by_dept_month[(key, m)]))
        comp = stats.by_dept[key].completeness()
        for kind, fields in comp.items():
            label = "许可" if kind == "licence" else "处罚"
            parts = "，".join(f"{n} {percent(v['share'])}" for n, v in fields.items())
            out.append(f"  选填字段填写率（{label}）：{parts}")
        out.append("")
    if stats.late_records:
        out.append("迟报的公开记录：")
        for x in stats.late_records:
            out.append(
                f"  {x.id}（{x.doc_no}）决定 {x.decision_date.isoformat()}，"
                f"应于 {x.deadline.isoformat()} 前公示，{x.published_at.isoformat()} 公示，"
                f"迟 {x.delay_workdays} 个工作日"
            )
    if stats.late_not_public:
        out.append(f"另有 {stats.late_not_public} 条迟报的记录现已不公开（只计数）。")
    return "\n".join(out).rstrip() + "\n"


RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv}

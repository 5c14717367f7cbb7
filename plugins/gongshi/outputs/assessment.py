"""What the assessment (方案 §六(四): 及时性、完整性、准确性) measures beyond the monthly figures of
``stats``: coverage (departments silent for 30 days or more, catalog items without a decision in a
year), accuracy (corrections and validation findings per 100 records) and the ranking of the
monthly 通报 (bulletin). Results are data; ``dashboard`` renders them, ``render_text`` prints them.

* **Coverage** is about what is *not* there, so it reads the registry too: a department's last
  publication (committed records, withheld ones included: they were reported), and for every
  catalog item in force on the as-of date its last decision.
* **Accuracy** counts the corrections of substance (实质: each one changed what a published
  decision says; an entry that states no nature counts as one, ``core.corrections``) and every
  validation warning on a record file (the records are valid; warnings are findings a clerk
  should look at) per 100 committed records. Corrections of form (形式: a typo in the facts) are
  counted in the figures but not held against accuracy.
* **Ranking** of a month: by on-time rate, then completeness, then fewer findings per 100, then
  the department key, so that equal figures always give the same order. Departments with no
  record in the month are listed after the ranked ones, as silent.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from gongshi.outputs.stats import TOTAL, Figures, Stats, compute_stats, percent
from gongshi.outputs.stats import render_csv as stats_csv
from gongshi.outputs.stats import render_text as stats_text
from gongshi.outputs.stats import to_json as stats_json

if TYPE_CHECKING:
    from gongshi.snapshot.build import Snapshot

SILENT_DAYS = 30  # a department with no publication for this many days is silent
IDLE_DAYS = 365  # a catalog item with no decision for this many days is idle

# One sentence per measure: the dashboard and the bulletin print them as they are.
MEASURES: dict[str, str] = {
    "timeliness": (
        "及时性：作出决定之日起 7 个工作日内公示的记录占可计时记录的比例（补录和不予公开的记录不计）。"
    ),
    "withdrawal": (
        "撤回及时性：决定被撤销、变更、确认无效后 3 个工作日内撤下公示的比例（行政处罚法第四十八条）。"
    ),
    "completeness": (
        "完整性：国家标准对每条记录要求填写的字段中已填写的比例（长期有效的有效期至和不适用的字段不计）。"
    ),
    "coverage": "覆盖面：30 天以上没有公示记录的部门，以及一年内没有作出过决定的在用目录事项。",
    "accuracy": (
        "准确性：每 100 条已提交记录的实质更正次数（未注明更正性质的按实质计；形式更正不计）"
        "和校验提示数，越少越好。"
    ),
    "provisional": "暂定：按尚未公布节假日安排的年份推算期限的记录，公布安排后结论可能改变。",
}


@dataclass(frozen=True)
class DepartmentCoverage:
    key: str
    last_published: date | None
    days_silent: int | None  # None: never published

    @property
    def silent(self) -> bool:
        return self.days_silent is None or self.days_silent >= SILENT_DAYS


@dataclass(frozen=True)
class IdleItem:
    """A catalog item in force on the as-of date with no decision in the last ``IDLE_DAYS`` days."""

    code: str
    dept: str
    name: str
    last_decision: date | None


@dataclass(frozen=True)
class Accuracy:
    records: int  # committed records (withheld included)
    corrections: int  # corrections of substance (实质)
    findings: int

    def per_100(self, n: int) -> float | None:
        return round(n * 100 / self.records, 1) if self.records else None

    @property
    def corrections_per_100(self) -> float | None:
        return self.per_100(self.corrections)

    @property
    def findings_per_100(self) -> float | None:
        return self.per_100(self.findings)

    @property
    def issues_per_100(self) -> float | None:
        return self.per_100(self.corrections + self.findings)


@dataclass(frozen=True)
class RankedDepartment:
    rank: int | None  # None: no record in the month
    key: str
    name: str
    figures: Figures
    accuracy: Accuracy


@dataclass(frozen=True)
class Bulletin:
    """The monthly 通报: departments ranked by their figures of one month."""

    month: str
    rows: list[RankedDepartment]
    silent: list[DepartmentCoverage]
    idle_items: list[IdleItem]


@dataclass(frozen=True)
class Assessment:
    as_of: date
    coverage: dict[str, DepartmentCoverage]
    idle_items: list[IdleItem]
    findings: Counter  # (dept, month) -> validation warnings on record files
    accuracy: dict[str, Accuracy]  # by department, over every month
    total_accuracy: Accuracy

    @property
    def silent_departments(self) -> list[DepartmentCoverage]:
        return [c for c in self.coverage.values() if c.silent]


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def assess(snapshot: Snapshot, stats: Stats) -> Assessment:
    """Coverage and accuracy of the snapshot (one pass over the entries, no cache: it is cheap)."""
    as_of = snapshot.as_of
    last_published: dict[str, date] = {}
    last_decision: dict[str, date] = {}
    month_of_file: dict[str, tuple[str, str]] = {}
    warned = {p.file for p in snapshot.warnings if p.severity == "warning"}
    # Only what the entry holds unpacked (its department and catalog item are the registry's
    # entries of ``record.authority`` and ``record.item``): reading ``record.data`` would unpack
    # every cached record, most of a warm build's time here.
    for e in snapshot.entries:
        t = e.timeline
        published = t.published_at
        if published is not None and published <= as_of and not t.preview:
            dept = e.department.key
            last = last_published.get(dept)
            if last is None or published > last:
                last_published[dept] = published
            if e.record.path in warned:
                month_of_file[e.record.path] = (dept, _month(published))
        d, item = t.decision_date, e.item
        if item is not None and d is not None and d <= as_of:
            last = last_decision.get(item.code)
            if last is None or d > last:
                last_decision[item.code] = d
    coverage = {}
    for key in stats.departments:
        last = last_published.get(key)
        coverage[key] = DepartmentCoverage(key, last, None if last is None else (as_of - last).days)
    since = as_of - timedelta(days=IDLE_DAYS)
    idle = [
        IdleItem(item.code, item.dept, item.name, last_decision.get(item.code))
        for code, item in sorted(snapshot.registry.catalog.items())
        if item.in_force(as_of) and (last_decision.get(code) is None or last_decision[code] <= since)
    ]
    findings: Counter = Counter()
    for p in snapshot.warnings:
        where = month_of_file.get(p.file)
        if where is not None and p.severity == "warning":
            findings[where] += 1
    accuracy = {}
    for key in stats.departments:
        f = stats.by_dept[key]
        found = sum(n for (d, _m), n in findings.items() if d == key)
        accuracy[key] = Accuracy(f.records - f.preview, f.substantive_corrections, found)
    total = stats.total
    total_accuracy = Accuracy(
        total.records - total.preview, total.substantive_corrections, sum(findings.values())
    )
    return Assessment(as_of, coverage, idle, findings, accuracy, total_accuracy)


def bulletin_month(as_of: date) -> str:
    """The month a bulletin reports on: the last complete month before the as-of date."""
    first = as_of.replace(day=1)
    return _month(first - timedelta(days=1))


def bulletin(stats: Stats, assessment: Assessment, month: str) -> Bulletin:
    """The departments ranked by their figures of ``month`` (see the module docstring)."""
    ranked, unranked = [], []
    for key, name in stats.departments.items():
        plain = stats.dept_month_plain.get((key, month))
        f = Figures.from_plain(plain) if plain is not None else Figures()
        acc = Accuracy(f.records - f.preview, f.substantive_corrections, assessment.findings[(key, month)])
        (ranked if f.records else unranked).append((key, name, f, acc))

    def order(row) -> tuple:
        key, _name, f, acc = row
        rate = f.on_time_rate if f.on_time_rate is not None else -1.0
        share = f.required_share if f.required_share is not None else -1.0
        issues = acc.issues_per_100 if acc.issues_per_100 is not None else float("inf")
        return (-rate, -share, issues, key)

    rows = [RankedDepartment(i, *row) for i, row in enumerate(sorted(ranked, key=order), start=1)]
    rows += [RankedDepartment(None, *row) for row in unranked]
    return Bulletin(month, rows, assessment.silent_departments, assessment.idle_items)


def per_100(x: float | None) -> str:
    """A per-100 figure as the pages print it (``—`` when there is no record)."""
    return "—" if x is None else f"{x:g}"


def render_text(stats: Stats, assessment: Assessment) -> str:
    """The assessment measures for ``gongshi stats`` (text), after the monthly figures."""
    t = stats.total
    out = ["评估考核指标", *(f"  {s}" for s in MEASURES.values()), ""]
    out.append(
        f"全部：及时性 {percent(t.on_time_rate)}，撤回及时性 {percent(t.withdrawal_on_time_rate)}"
        f"（{t.withdrawals_on_time}/{t.withdrawals_timed}），完整性 {percent(t.required_share)}"
        f"（{t.required_filled}/{t.required_applicable}），每百条实质更正 "
        f"{per_100(assessment.total_accuracy.corrections_per_100)}、校验提示 "
        f"{per_100(assessment.total_accuracy.findings_per_100)}"
        + (f"，暂定 {t.provisional}" if t.provisional else "")
    )
    for key, name in stats.departments.items():
        f, acc, cov = stats.by_dept[key], assessment.accuracy[key], assessment.coverage[key]
        last = "从未公示" if cov.last_published is None else f"最近公示 {cov.last_published.isoformat()}"
        out.append(
            f"  {name}（{key}）：完整性 {percent(f.required_share)}，每百条实质更正 "
            f"{per_100(acc.corrections_per_100)}、校验提示 {per_100(acc.findings_per_100)}，"
            f"撤回及时性 {percent(f.withdrawal_on_time_rate)}，{last}"
            + ("（30 天以上未公示）" if cov.silent else "")
        )
    if assessment.idle_items:
        out.append("一年内没有作出决定的目录事项：")
        for item in assessment.idle_items:
            last = item.last_decision.isoformat() if item.last_decision else "从未"
            out.append(
                f"  {item.code} {item.name}（{stats.departments.get(item.dept, item.dept)}，最近决定 {last}）"
            )
    return "\n".join(out) + "\n"


def to_json(assessment: Assessment) -> dict:
    def acc(a: Accuracy) -> dict:
        return {
            "records": a.records,
            "corrections": a.corrections,
            "findings": a.findings,
            "corrections_per_100": a.corrections_per_100,
            "findings_per_100": a.findings_per_100,
        }

    return {
        "coverage": {
            "silent_days": SILENT_DAYS,
            "departments": [
                {
                    "key": c.key,
                    "last_published": c.last_published.isoformat() if c.last_published else None,
                    "days_silent": c.days_silent,
                    "silent": c.silent,
                }
                for c in assessment.coverage.values()
            ],
            "idle_items": [
                {
                    "code": i.code,
                    "dept": i.dept,
                    "name": i.name,
                    "last_decision": i.last_decision.isoformat() if i.last_decision else None,
                }
                for i in assessment.idle_items
            ],
        },
        "accuracy": {"total": acc(assessment.total_accuracy)}
        | {"departments": {k: acc(a) for k, a in assessment.accuracy.items()}},
    }


# The assessment's own columns of ``gongshi stats --format csv``, after those of ``stats``.
CSV_COLUMNS = (
    "校验提示",
    "每百条实质更正",
    "每百条校验提示",
    "最近公示日期",
    "未公示天数",
    "30天以上未公示",
    "一年内无决定的目录事项",
)


def render_csv(stats: Stats, assessment: Assessment) -> str:
    """The monthly figures as CSV (``stats.render_csv``) with the assessment measures: accuracy on
    every row (the department-month's, the department's, all), coverage on the department's 合计
    row (last publication, days silent, idle catalog items) and the idle items on the 全部 row."""

    def cells(key: str, month: str, f: Figures) -> list[str]:
        if not key:
            acc = assessment.total_accuracy
        elif month == TOTAL:
            acc = assessment.accuracy[key]
        else:
            acc = Accuracy(
                f.records - f.preview, f.substantive_corrections, assessment.findings[(key, month)]
            )
        row = [str(acc.findings), _per_100_cell(acc.corrections_per_100), _per_100_cell(acc.findings_per_100)]
        cov = assessment.coverage.get(key) if month == TOTAL else None
        if cov is not None:
            row += [
                cov.last_published.isoformat() if cov.last_published else "",
                "" if cov.days_silent is None else str(cov.days_silent),
                "是" if cov.silent else "否",
                str(sum(1 for i in assessment.idle_items if i.dept == key)),
            ]
        elif not key:
            row += ["", "", "", str(len(assessment.idle_items))]
        else:
            row += ["", "", "", ""]
        return row

    return stats_csv(stats, CSV_COLUMNS, cells)


def _per_100_cell(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def report(snapshot: Snapshot, fmt: str, stats: Stats | None = None) -> str:
    """``gongshi stats``: the monthly figures with the assessment measures (text, JSON, and CSV
    columns after the monthly ones)."""
    stats = stats or compute_stats(snapshot)
    measures = assess(snapshot, stats)
    if fmt == "csv":
        return render_csv(stats, measures)
    if fmt == "json":
        doc = stats_json(stats)
        doc["assessment"] = {"measures": MEASURES, **to_json(measures)}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    return stats_text(stats) + "\n" + render_text(stats, measures)

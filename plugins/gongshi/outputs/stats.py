"""Assessment figures (方案 §六(四) 评估考核: 及时性、完整性、准确性) per department and month.

Computed from ALL entries of the snapshot — withheld records are validated and counted too — but
only counts leave this module for records that are not public: the list of late records names
public records only. Results are data (``Stats``); ``render_text/json/csv`` print them.

Grouping: a record belongs to the month it entered the main branch (its publication commit, also
for withheld records, which are committed but never published); corrections count in the month of
the correction date (``substantive_corrections``: those of substance, ``core.corrections``),
withdrawals in the month of the status change. Not-yet-committed records (previews) are counted
apart and left out of timeliness.

Timeliness is the policy's verdict (``Timeline.on_time``): back-filled records (decided before the
platform started) published by the 补录 deadline are reported apart, later ones count as late;
withheld records have none. Delays are working days after the deadline, over the late records.
``provisional`` counts verdicts counted in a year without a calendar file (暂定); withdrawals are
timed too (``withdrawal_timeliness``: on the site within 3 working days of the status date).
"""

from __future__ import annotations

import csv
import io
import json
import operator
import statistics
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gongshi.core import cachefile
from gongshi.core.corrections import is_substantive
from gongshi.core.keys import code_version, digest, entries_key
from gongshi.core.records import REPAIRED_STATUS, Department, Record, parse_date
from gongshi.core.timeline import PUBLIC_STATES, WITHDRAWN, WITHHELD
from gongshi.outputs.required_fields import required_counts
from gongshi.public.record import public_record
from gongshi.snapshot.build import month_parts

if TYPE_CHECKING:
    from gongshi.snapshot.build import Entry, Snapshot

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
    backfilled: int = 0  # 补录 published by the 补录 deadline (late ones count as late)
    provisional: int = 0  # verdicts counted in a year without a calendar file (暂定)
    withdrawals_on_time: int = 0  # withdrawals on the site within 3 working days of status_date
    withdrawals_late: int = 0
    delays: list[int] = field(default_factory=list)  # working days late, one per late record
    corrections: int = 0  # correction entries dated in the group's period
    substantive_corrections: int = 0  # of which 实质 (stated, or no nature stated: core.corrections)
    corrected_records: int = 0
    withdrawals: Counter = field(default_factory=Counter)  # by status (撤销, 变更, 注销, 失效)
    repaired: int = 0
    filled: Counter = field(default_factory=Counter)  # (kind, field) -> records filling it
    applicable: Counter = field(default_factory=Counter)  # (kind, field) -> records it applies to
    required_applicable: int = 0  # fields the standard requires of the records (required_fields)
    required_filled: int = 0
    complete_records: int = 0  # records filling every field required of them

    def plain(self) -> list:
        """The figures as plain data (marshal-able, cheap to add up: see ``_add``): the sums, then
        filled and applicable per ``_FIELD_KEYS`` as one list of ints; three small dicts; delays."""
        ints = [getattr(self, name) for name in _SUMS]
        ints += [self.filled[k] for k in _FIELD_KEYS] + [self.applicable[k] for k in _FIELD_KEYS]
        while ints and not ints[-1]:
            ints.pop()  # most groups only count corrections or withdrawals: a short list loads faster
        # Empty parts as None: fewer objects to load from the cache.
        kinds, reasons, withdrawals = (dict(getattr(self, n)) or None for n in _COUNTERS)
        return [ints, kinds, reasons, withdrawals, list(self.delays) or None]

    @classmethod
    def from_plain(cls, plain: list) -> Figures:
        ints, kinds, reasons, withdrawals, delays = plain
        n, f = len(_SUMS), len(_FIELD_KEYS)
        g = cls(**dict(zip(_SUMS, ints[:n], strict=True)))
        g.filled = Counter({k: v for k, v in zip(_FIELD_KEYS, ints[n : n + f], strict=True) if v})
        g.applicable = Counter({k: v for k, v in zip(_FIELD_KEYS, ints[n + f :], strict=True) if v})
        g.published_by_kind, g.withheld_by_reason, g.withdrawals = (
            Counter(kinds),
            Counter(reasons),
            Counter(withdrawals),
        )
        g.delays = sorted(delays)
        return g

    @property
    def required_share(self) -> float | None:
        """Completeness: filled / required fields, over the fields the standard requires of each
        record (长期 and not-applicable fields excluded)."""
        n = self.required_applicable
        return round(self.required_filled / n, 4) if n else None

    @property
    def withdrawals_timed(self) -> int:
        return self.withdrawals_on_time + self.withdrawals_late

    @property
    def withdrawal_on_time_rate(self) -> float | None:
        n = self.withdrawals_timed
        return round(self.withdrawals_on_time / n, 4) if n else None

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
                "provisional": self.provisional,
                "on_time_rate": self.on_time_rate,
                "delay_median": self.delay_median,
                "delay_max": self.delay_max,
                "delay_distribution": {str(k): v for k, v in self.delay_distribution().items()},
            },
            "required_completeness": {
                "required": self.required_applicable,
                "filled": self.required_filled,
                "share": self.required_share,
                "complete_records": self.complete_records,
            },
            "completeness": self.completeness(),
            "corrections": {
                "entries": self.corrections,
                "substantive": self.substantive_corrections,
                "form": self.corrections - self.substantive_corrections,
                "records": self.corrected_records,
            },
            "withdrawals": dict(sorted(self.withdrawals.items())),
            "withdrawal_timeliness": {
                "on_time": self.withdrawals_on_time,
                "late": self.withdrawals_late,
                "on_time_rate": self.withdrawal_on_time_rate,
            },
            "repaired": self.repaired,
        }


_SUMS = (
    "records",
    "published",
    "preview",
    "withheld",
    "on_time",
    "late",
    "backfilled",
    "corrections",
    "corrected_records",
    "repaired",
    "provisional",
    "withdrawals_on_time",
    "withdrawals_late",
    "required_applicable",
    "required_filled",
    "complete_records",
    "substantive_corrections",
)
_COUNTERS = ("published_by_kind", "withheld_by_reason", "withdrawals")
_FIELD_KEYS = tuple((kind, name) for kind, fields in OPTIONAL_FIELDS.items() for name, _g, _a in fields)


def _add(total: list, plain: list) -> None:
    """Add the plain figures ``plain`` into the plain figures ``total`` (in place; ``total`` has
    every int, ``plain`` may stop at its last non-zero one)."""
    ints, more = total[0], plain[0]
    total[0] = [*map(operator.add, ints, more), *ints[len(more) :]]
    for i in (1, 2, 3):
        if plain[i]:
            counts = total[i]
            for k, v in plain[i].items():
                counts[k] = counts.get(k, 0) + v
    if plain[4]:
        total[4] += plain[4]


def _zero() -> list:
    return [[0] * (len(_SUMS) + 2 * len(_FIELD_KEYS)), {}, {}, {}, []]


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
    dept_month_plain: dict[tuple[str, str], list]  # Figures.plain() of each department-month
    late_records: list[LateRecord]
    late_not_public: int

    @cached_property
    def by_dept_month(self) -> dict[tuple[str, str], Figures]:
        """Built on first use (the reports; the dashboard does not need it)."""
        return {dm: Figures.from_plain(plain) for dm, plain in sorted(self.dept_month_plain.items())}

    def months(self) -> list[str]:
        return sorted(self.by_month)

    def dept_months(self, key: str) -> list[str]:
        return sorted(m for (d, m) in self.dept_month_plain if d == key)


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def compute_stats(snapshot: Snapshot, cache: Path | None = None) -> Stats:
    """The figures of every record of the snapshot. Computed per *part* — the entries of one
    publication month, a contiguous range of the snapshot (newest first) — and merged. With
    ``cache`` (a file), each part's figures are kept under a key of its entries (``Entry.key``),
    the as-of date and the code, so a rebuild after one changed record recomputes one part."""
    as_of = snapshot.as_of
    departments = {k: snapshot.registry.departments[k].name for k in sorted(snapshot.registry.departments)}
    entries = snapshot.entries
    old = cachefile.read_dict(cache) if cache is not None else {}
    used: dict[str, tuple] = {}
    dept_month: dict[tuple[str, str], list] = {}
    late: list[LateRecord] = []
    late_not_public = 0
    version = code_version()
    for lo, hi in month_parts(entries):
        part = entries[lo:hi]
        key = digest(version, as_of.isoformat(), entries_key(part)) if cache is not None else ""
        plain = old.get(key)
        if plain is None:
            plain = _part_figures(part, as_of, snapshot.registry.departments)
        used[key] = plain
        groups, late_rows, hidden = plain
        for dm, row in groups.items():
            acc = dept_month.get(dm)
            if acc is None:
                acc = dept_month[dm] = _zero()
            _add(acc, row)
        late += [LateRecord(*row[:4], *map(date.fromordinal, row[4:7]), row[7]) for row in late_rows]
        late_not_public += hidden
    if cache is not None and used.keys() != old.keys():
        cachefile.write(cache, used)
    total = _zero()
    dept_sums: dict[str, list] = {k: _zero() for k in departments}
    month_sums: dict[str, list] = {}
    for (dept, month), acc in sorted(dept_month.items()):
        _add(dept_sums.setdefault(dept, _zero()), acc)
        _add(month_sums.setdefault(month, _zero()), acc)
        _add(total, acc)
    by_dept = {k: Figures.from_plain(acc) for k, acc in dept_sums.items()}
    by_month = {m: Figures.from_plain(acc) for m, acc in month_sums.items()}
    late.sort(key=lambda x: (-x.delay_workdays, x.published_at, x.id))
    regime = str(snapshot.registry.policy.get("regime", ""))
    return Stats(
        as_of,
        regime,
        departments,
        Figures.from_plain(total),
        by_dept,
        by_month,
        dept_month,
        late,
        late_not_public,
    )


def _part_figures(entries: list[Entry], as_of: date, registry_departments: Mapping[str, Department]) -> tuple:
    """The figures of some entries as plain data (cacheable): ({(dept, month): Figures.plain()},
    [late public records as tuples, dates as ordinals], number of late records no longer public).
    A late public record's document number is its public projection's (the dashboard shows it)."""
    groups: dict[tuple[str, str], Figures] = {}
    late: list[tuple] = []
    late_not_public = 0

    def group(dept: str, d: date) -> Figures:
        key = (dept, _month(d))
        g = groups.get(key)
        if g is None:
            g = groups[key] = Figures()
        return g

    for e in entries:
        r, t = e.record, e.timeline
        dept = r.authority
        _count_record(group(dept, t.published_at if t.published_at is not None else t.decision_date), e)
        if t.on_time is False and not t.preview:
            if e.state in PUBLIC_STATES:
                dates = (t.decision_date.toordinal(), t.deadline.toordinal(), t.published_at.toordinal())
                doc_no = public_record(e, registry_departments).doc_no
                late.append((r.id, dept, r.kind, doc_no, *dates, t.delay_workdays))
            else:
                late_not_public += 1
        for c in r.corrections:
            d = parse_date(c.get("date"))
            if d is not None and d <= as_of:
                g = group(dept, d)
                g.corrections += 1
                g.substantive_corrections += is_substantive(c)
        if e.state == WITHDRAWN and t.withdrawn_on is not None:
            g = group(dept, t.withdrawn_on)
            g.withdrawals[r.status] += 1
            if t.withdrawal_on_time is True:
                g.withdrawals_on_time += 1
            elif t.withdrawal_on_time is False:
                g.withdrawals_late += 1
        if r.status == REPAIRED_STATUS and r.status_date is not None and r.status_date <= as_of:
            group(dept, r.status_date).repaired += 1
    return {k: g.plain() for k, g in groups.items()}, late, late_not_public


def _count_record(g: Figures, e: Entry) -> None:
    r, t = e.record, e.timeline
    kind = r.kind
    g.records += 1
    if e.state == WITHHELD:
        g.withheld += 1
        g.withheld_by_reason[t.withheld_reason or r.withheld_reason or "按公示规则不予公示"] += 1
    elif t.preview:
        g.preview += 1
    elif t.published_at is not None and t.published_at <= t.as_of:
        g.published += 1
        g.published_by_kind[kind] += 1
    if not t.preview:
        if t.provisional:
            g.provisional += 1
        if t.backfilled and t.on_time is not False:
            g.backfilled += 1  # 补录 by the 补录 deadline: counted apart
        elif t.on_time is True:
            g.on_time += 1
        elif t.on_time is False:
            g.late += 1
            g.delays.append(t.delay_workdays)
    if r.corrections:
        g.corrected_records += 1
    required, filled_required = required_counts(r)
    g.required_applicable += required
    g.required_filled += filled_required
    g.complete_records += required == filled_required and required > 0
    # A 国家秘密 stub cannot hold these fields: it counts for timeliness, not for completeness.
    fields = None if r.is_secret_stub else OPTIONAL_FIELDS.get(kind)
    if fields:
        organisation = _organisation(r)  # asked once per record, not once per field
        applicable, filled = g.applicable, g.filled
        for name, get, applies in fields:
            if applies is _always or (organisation if applies is _organisation else applies(r)):
                applicable[(kind, name)] += 1
                value = get(r)
                if value is not None and str(value).strip():
                    filled[(kind, name)] += 1


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
    # The assessment measures (issue 16), after the first columns so that readers of those keep working.
    "实质更正",
    "形式更正",
    "暂定",
    "按时撤回",
    "逾期撤回",
    "撤回及时率",
    "应填字段",
    "已填应填字段",
    "完整性",
    "应填字段齐全的记录",
)


def _rate(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def _csv_row(key: str, name: str, month: str, f: Figures) -> list[str]:
    rate = _rate(f.on_time_rate)
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
        str(f.substantive_corrections),
        str(f.corrections - f.substantive_corrections),
        str(f.provisional),
        str(f.withdrawals_on_time),
        str(f.withdrawals_late),
        _rate(f.withdrawal_on_time_rate),
        str(f.required_applicable),
        str(f.required_filled),
        _rate(f.required_share),
        str(f.complete_records),
    ]


def render_csv(
    stats: Stats,
    extra_columns: tuple[str, ...] = (),
    extra: Callable[[str, str, Figures], list[str]] | None = None,
) -> str:
    """One row per department-month, a 合计 row per department, a 全部 row for all (UTF-8, CRLF).
    ``extra(department key, month, figures)`` adds the cells of ``extra_columns`` to each row
    (the department key is "" on the 全部 row, the month ``TOTAL`` on 合计 rows)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS + extra_columns)

    def row(key: str, name: str, month: str, f: Figures) -> list[str]:
        return _csv_row(key, name, month, f) + (extra(key, month, f) if extra is not None else [])

    for key, name in stats.departments.items():
        for m in stats.dept_months(key):
            w.writerow(row(key, name, m, stats.by_dept_month[(key, m)]))
        w.writerow(row(key, name, TOTAL, stats.by_dept[key]))
    w.writerow(row("", "全部", TOTAL, stats.total))
    return "\ufeff" + buf.getvalue()


def _line(label: str, f: Figures) -> str:
    withdrawn = sum(f.withdrawals.values())
    return (
        f"{label}：记录 {f.records}，已公示 {f.published}，不予公开 {f.withheld}，"
        f"按时率 {percent(f.on_time_rate)}（{f.on_time}/{f.timed}），迟报 {f.late}"
        f"（中位 {_num(f.delay_median)}、最长 {_num(f.delay_max)} 个工作日），补录 {f.backfilled}，"
        f"更正 {f.corrections}，撤回 {withdrawn}"
        + (f"（逾期撤回 {f.withdrawals_late}）" if f.withdrawals_late else "")
        + f"，信用修复 {f.repaired}"
        + (f"，暂定 {f.provisional}（节假日安排未公布）" if f.provisional else "")
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

"""Disclosure regimes: when a record must be published, how long it stays listed and findable, and
its state on a given day. Data in ``data/policy.yaml``; the rules are the small pure functions below.

Regime families (``policy.yaml: regime``):

* ``zhonglou-2016`` (钟政办发〔2016〕31号, the default): publish within 7 working days of the decision;
  rolling list for 10 calendar days from publication; then query-style until the decision's validity
  ends (licence ``valid_to`` / penalty ``valid_until``), or for 7 years from the decision where there
  is none. ``disclosure.until`` overrides where a law says otherwise.
* ``national``: penalties decided while a national regime is in force (527号 / 令第58号 / 令2025年第36号)
  are published for that regime's maximum period for their severity, counted from the decision date,
  and 信用修复 may end publication after the minimum period. Licences, and penalties decided before
  the first national regime, follow the zhonglou-2016 rule.

Periods: a period of N months/years starting on day D covers D up to the day before the same calendar
day N months later; when that day does not exist (29 February, 31st), the period runs to the end of
that month. E.g. 7 years from 2020-02-29 → last day 2027-02-28; from 2019-03-05 → 2026-03-04.

Status changes take effect on ``status_date``: as of an earlier date the record is evaluated as if it
were still 有效, so the state for any as-of date is reproducible from the same file.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from gongshi.core.problems import Problem
from gongshi.core.records import REPAIRED_STATUS, WITHDRAWN_STATUSES, CatalogItem, Record, parse_date
from gongshi.core.timeline import (
    EXPIRED,
    LISTED,
    PENDING,
    QUERY,
    REPAIRED,
    STATE_LABEL,
    WITHDRAWN,
    WITHHELD,
    Timeline,
)
from gongshi.rules.workdays import Calendar, missing_calendar_problem

ZHONGLOU_2016 = "zhonglou-2016"
NATIONAL = "national"
REGIME_FAMILIES = (ZHONGLOU_2016, NATIONAL)
ZHONGLOU_NAME = "钟政办发〔2016〕31号"
SEVERITIES = ("轻微", "一般", "严重")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SIMPLE_PROCEDURE = "简易程序"
ONE_DAY = timedelta(days=1)


class PolicyError(ValueError):
    """``data/policy.yaml`` cannot be used; the message is Chinese and names the key."""


# Pure date functions ---------------------------------------------------------------------------


@cache
def period_last_day(start: date, *, years: int = 0, months: int = 0) -> date:
    """Last day (inclusive) of a period of ``years`` + ``months`` starting on ``start`` (day 1)."""
    total = start.month - 1 + months + 12 * years
    y, m = start.year + total // 12, total % 12 + 1
    month_days = _calendar.monthrange(y, m)[1]
    if start.day <= month_days:
        return date(y, m, start.day) - ONE_DAY
    return date(y, m, month_days)  # no corresponding day: the period ends with that month


def list_last_day(published_at: date, list_days: int) -> date:
    """Last day on the rolling list: published on D → D + list_days - 1."""
    return published_at + timedelta(days=list_days - 1)


def months_label(months: int) -> str:
    if months and months % 12 == 0:
        return f"{months // 12} 年"
    return f"{months} 个月"


# Policy data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Publication period of one severity under a national regime (months from the decision)."""

    min_months: int = 0
    max_months: int = 0
    publish: bool = True


@dataclass(frozen=True)
class NationalRegime:
    key: str
    name: str
    in_force_from: date
    in_force_until: date | None
    periods: dict[str, Period]
    domain_min_months: dict[str, int] = field(default_factory=dict)

    def in_force(self, d: date) -> bool:
        return self.in_force_from <= d and (self.in_force_until is None or d <= self.in_force_until)


@dataclass(frozen=True)
class Policy:
    regime: str = ZHONGLOU_2016
    records_since: date | None = date(2016, 1, 1)
    platform_start: date | None = date(2016, 8, 20)
    deadline_workdays: int = 7
    list_days: int = 10
    default_query_years: int = 7
    default_severity: str = "一般"
    category_min_severity: dict[str, str] = field(default_factory=dict)
    national_regimes: tuple[NationalRegime, ...] = ()
    site: dict = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict | None) -> Policy:
        """From the loaded ``policy.yaml`` (strings or typed values); missing keys take the
        zhonglou-2016 defaults. Raises PolicyError for values that cannot be used."""
        data = data or {}
        regime = str(data.get("regime", ZHONGLOU_2016))
        if regime not in REGIME_FAMILIES:
            families = " 或 ".join(REGIME_FAMILIES)
            raise PolicyError(f"data/policy.yaml：regime “{regime}” 未知，应为 {families}。")
        nat = data.get("national") if isinstance(data.get("national"), dict) else {}
        default_severity = str(nat.get("default_severity", "一般"))
        _check_severity(default_severity, "national.default_severity")
        cms = nat.get("category_min_severity") if isinstance(nat.get("category_min_severity"), dict) else {}
        for k, v in cms.items():
            _check_severity(str(v), f"national.category_min_severity.{k}")
        regimes = []
        raw_regimes = nat.get("regimes") if isinstance(nat.get("regimes"), list) else []
        for i, r in enumerate(raw_regimes):
            regimes.append(_regime_from_data(r, f"national.regimes[{i}]"))
        regimes.sort(key=lambda r: r.in_force_from)
        if regime == NATIONAL and not regimes:
            raise PolicyError("data/policy.yaml：regime 为 national，但 national.regimes 为空。")
        policy = cls(
            regime=regime,
            records_since=_date(data.get("records_since", "2016-01-01"), "records_since", optional=True),
            platform_start=_date(data.get("platform_start", "2016-08-20"), "platform_start", optional=True),
            deadline_workdays=_int(data.get("deadline_workdays", 7), "deadline_workdays"),
            list_days=_int(data.get("list_days", 10), "list_days", minimum=1),
            default_query_years=_int(data.get("default_query_years", 7), "default_query_years", minimum=1),
            default_severity=default_severity,
            category_min_severity={str(k): str(v) for k, v in cms.items()},
            national_regimes=tuple(regimes),
            site=data.get("site") if isinstance(data.get("site"), dict) else {},
        )
        return policy

    def national_regime_for(self, decision_date: date) -> NationalRegime | None:
        if self.regime != NATIONAL:
            return None
        for r in self.national_regimes:
            if r.in_force(decision_date):
                return r
        return None


def _check_severity(value: str, key: str) -> None:
    if value not in SEVERITIES:
        raise PolicyError(f"data/policy.yaml：{key} “{value}” 无效，应为 轻微、一般 或 严重。")


def _date(value: object, key: str, optional: bool = False) -> date | None:
    if value is None and optional:
        return None
    d = parse_date(value if isinstance(value, date) else str(value))
    if d is None:
        raise PolicyError(f"data/policy.yaml：{key} “{value}” 不是 YYYY-MM-DD 格式的日期。")
    return d


def _int(value: object, key: str, minimum: int = 0) -> int:
    try:
        n = int(str(value))
    except ValueError:
        raise PolicyError(f"data/policy.yaml：{key} “{value}” 不是整数。") from None
    if n < minimum:
        raise PolicyError(f"data/policy.yaml：{key} 不能小于 {minimum}。")
    return n


def _bool(value: object) -> bool:
    return value is not False and str(value).lower() != "false"


def _regime_from_data(r: object, where: str) -> NationalRegime:
    if not isinstance(r, dict):
        raise PolicyError(f"data/policy.yaml：{where} 应为映射。")
    key = str(r.get("key", ""))
    periods: dict[str, Period] = {}
    raw = r.get("periods") if isinstance(r.get("periods"), dict) else {}
    for sev in SEVERITIES:
        p = raw.get(sev)
        if not isinstance(p, dict):
            raise PolicyError(f"data/policy.yaml：{where}.periods 缺少 {sev} 的公示期。")
        publish = _bool(p.get("publish", True))
        lo = _int(p.get("min_months", 0), f"{where}.periods.{sev}.min_months")
        hi = _int(p.get("max_months", 0), f"{where}.periods.{sev}.max_months")
        if publish and (hi < 1 or hi < lo):
            raise PolicyError(
                f"data/policy.yaml：{where}.periods.{sev} 的 max_months 应大于 0 且不小于 min_months。"
            )
        periods[sev] = Period(lo, hi, publish)
    dmm = r.get("domain_min_months") if isinstance(r.get("domain_min_months"), dict) else {}
    return NationalRegime(
        key=key,
        name=str(r.get("name", key)),
        in_force_from=_date(r.get("in_force_from"), f"{where}.in_force_from"),
        in_force_until=_date(r.get("in_force_until"), f"{where}.in_force_until", optional=True),
        periods=periods,
        domain_min_months={str(k): _int(v, f"{where}.domain_min_months.{k}") for k, v in dmm.items()},
    )


# Severity ----------------------------------------------------------------------------------------


def effective_severity(record: Record, item: CatalogItem | None, policy: Policy) -> tuple[str, str]:
    """(severity, why): the record's, else the catalog item's, else the default — raised to the
    minimum severity of any of its 处罚类别 (several categories → the longest period)."""
    if record.severity in SEVERITY_RANK:
        sev, why = record.severity, "记录的严重程度"
    elif item is not None and item.severity in SEVERITY_RANK:
        sev, why = item.severity, f"目录事项 {item.code} 的默认严重程度"
    else:
        sev, why = policy.default_severity, "默认严重程度"
    for cat in record.categories:
        floor = policy.category_min_severity.get(cat)
        if floor and SEVERITY_RANK[floor] > SEVERITY_RANK[sev]:
            sev, why = floor, f"处罚类别“{cat}”至少为{floor}"
    return sev, why


# Evaluation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """What ``gongshi explain`` shows beyond the Timeline."""

    regime_name: str
    severity: str | None = None
    severity_source: str | None = None
    min_period_until: date | None = None
    max_period_until: date | None = None
    withheld_reason: str | None = None
    calendar_missing_years: tuple[int, ...] = ()
    until_reason: str = ""  # which rule decided disclosure_until
    state_reason: str = ""  # why the state is what it is on the as-of date

    def to_json(self) -> dict:
        return {
            "regime_name": self.regime_name,
            "severity": self.severity,
            "severity_source": self.severity_source,
            "min_period_until": self.min_period_until.isoformat() if self.min_period_until else None,
            "max_period_until": self.max_period_until.isoformat() if self.max_period_until else None,
            "withheld_reason": self.withheld_reason,
            "calendar_missing_years": list(self.calendar_missing_years),
        }


def evaluate(
    record: Record,
    as_of: date,
    publication,
    calendar: Calendar,
    policy: Policy,
    item: CatalogItem | None = None,
) -> tuple[Timeline, list[Problem]]:
    """The record's timeline as of ``as_of``. ``publication`` is a history.Publication (date, sha,
    preview) or None when the record is not published at all."""
    timeline, problems, _ = evaluate_detailed(record, as_of, publication, calendar, policy, item)
    return timeline, problems


def evaluate_detailed(
    record: Record,
    as_of: date,
    publication,
    calendar: Calendar,
    policy: Policy,
    item: CatalogItem | None = None,
) -> tuple[Timeline, list[Problem], Details]:
    """``evaluate`` with what ``gongshi explain`` shows besides. The steps: the deadline and the day
    of publication, the rule that decides the window, the window, the state, timeliness."""
    decision = record.decision_date
    if decision is None:
        raise ValueError(f"{record.path}: decision_date is not a date (validate first)")
    problems: list[Problem] = []
    missing: set[int] = set()
    deadline, deadline_provisional = _deadline(record, decision, calendar, policy, problems, missing)
    published_at, preview = _publication_day(publication, as_of)
    published_as_of = published_at is not None and published_at <= as_of
    basis = _basis(record, decision, policy, item)
    list_until, disclosure_until, until_rule = _window(record, as_of, published_at, policy, basis)
    state, state_rule, withdrawn_on = _state(
        record, as_of, published_at, published_as_of, list_until, disclosure_until, basis
    )
    if basis.withheld_reason is not None:
        until_rule = basis.withheld_rule
    rule = until_rule + (f"；{state_rule}" if state_rule else "") + f"。状态：{STATE_LABEL[state]}。"

    backfilled = policy.platform_start is not None and decision < policy.platform_start
    on_time: bool | None = None
    delay = 0
    if not backfilled and basis.withheld_reason is None and published_as_of and published_at is not None:
        on_time, delay = _timeliness(record, deadline, published_at, calendar, problems, missing)

    timeline = Timeline(
        record_id=record.id,
        as_of=as_of,
        decision_date=decision,
        deadline=deadline,
        deadline_provisional=deadline_provisional,
        published_at=published_at,
        preview=preview,
        on_time=on_time,
        backfilled=backfilled,
        delay_workdays=delay,
        list_until=list_until,
        disclosure_until=disclosure_until,
        withdrawn_on=withdrawn_on,
        state=state,
        regime=basis.regime_key,
        rule=rule,
    )
    details = Details(
        regime_name=basis.regime_name,
        severity=basis.severity,
        severity_source=basis.severity_source,
        min_period_until=basis.min_until,
        max_period_until=basis.max_until,
        withheld_reason=basis.withheld_reason,
        calendar_missing_years=tuple(sorted(missing)),
        until_reason=until_rule,
        state_reason=state_rule or until_rule,
    )
    return timeline, problems, details


# Deadline and publication ----------------------------------------------------------------------


def _deadline(
    record: Record,
    decision: date,
    calendar: Calendar,
    policy: Policy,
    problems: list[Problem],
    missing: set[int],
) -> tuple[date, bool]:
    """The publication deadline and whether it is provisional (a year without calendar data: the
    warning goes to ``problems``, the years to ``missing``)."""
    deadline, deadline_provisional = calendar.add_workdays(decision, policy.deadline_workdays)
    if deadline_provisional:
        years = calendar.missing_years(decision + ONE_DAY, deadline)
        missing.update(years)
        problems.append(_calendar_warning(record, years, "公示截止日"))
    return deadline, deadline_provisional


def _publication_day(publication, as_of: date) -> tuple[date | None, bool]:
    """(day of publication, preview): a preview counts as published on the as-of date."""
    published_at: date | None = None
    preview = False
    if publication is not None and publication.date is not None:
        preview = bool(publication.preview)
        published_at = as_of if preview else publication.date
    return published_at, preview


# Which rule decides the window -------------------------------------------------------------------


@dataclass(frozen=True)
class _Basis:
    """The regime that applies, whether the record is withheld, and the last day it may be shown
    before status changes, overrides and the rolling list are taken into account."""

    regime_key: str
    regime_name: str
    national: NationalRegime | None
    withheld_reason: str | None
    withheld_rule: str
    base_until: date | None
    until_rule: str
    severity: str | None = None
    severity_source: str | None = None
    min_until: date | None = None
    max_until: date | None = None


def _basis(record: Record, decision: date, policy: Policy, item: CatalogItem | None) -> _Basis:
    withheld_reason: str | None = None
    withheld_rule = ""
    if not record.is_public:
        withheld_reason = record.withheld_reason
        withheld_rule = f"记录声明不公开（理由：{withheld_reason}），只归集统计，不予公示"
    elif record.kind == "penalty" and record.procedure == SIMPLE_PROCEDURE:
        withheld_reason = SIMPLE_PROCEDURE
        withheld_rule = f"简易程序的行政处罚信息归集上报、暂不公开（{ZHONGLOU_NAME} 四(一)）"

    national = policy.national_regime_for(decision) if record.kind == "penalty" else None
    if national is not None:
        return _national_basis(record, decision, policy, item, national, withheld_reason, withheld_rule)
    return _zhonglou_basis(record, decision, policy, withheld_reason, withheld_rule)


def _national_basis(
    record: Record,
    decision: date,
    policy: Policy,
    item: CatalogItem | None,
    national: NationalRegime,
    withheld_reason: str | None,
    withheld_rule: str,
) -> _Basis:
    """A penalty under a national regime: the period of its severity, counted from the decision."""
    regime_name = national.name
    severity, severity_source = effective_severity(record, item, policy)
    period = national.periods[severity]
    if not period.publish and withheld_reason is None:
        withheld_reason = "轻微"
        withheld_rule = f"按{regime_name}，轻微失信信息原则上不予公示（严重程度依据：{severity_source}）"
    min_months, max_months = period.min_months, period.max_months
    domain = item.domain if item is not None else None
    if domain and domain in national.domain_min_months and period.publish:
        min_months = max(min_months, national.domain_min_months[domain])
        max_months = max(max_months, min_months)
    min_until = max_until = None
    if period.publish:
        min_until = period_last_day(decision, months=min_months)
        max_until = period_last_day(decision, months=max_months)
    until_rule = (
        f"按{regime_name}，{severity}（{severity_source}）的处罚信息自决定之日起最短公示"
        f"{months_label(min_months)}、最长公示{months_label(max_months)}，公示至 {_iso(max_until)}"
    )
    return _Basis(
        regime_key=national.key,
        regime_name=regime_name,
        national=national,
        withheld_reason=withheld_reason,
        withheld_rule=withheld_rule,
        base_until=max_until,
        until_rule=until_rule,
        severity=severity,
        severity_source=severity_source,
        min_until=min_until,
        max_until=max_until,
    )


def _zhonglou_basis(
    record: Record, decision: date, policy: Policy, withheld_reason: str | None, withheld_rule: str
) -> _Basis:
    """zhonglou-2016: until the decision's validity ends, or for the default years where there is none."""
    prefix = ""
    if policy.regime == NATIONAL:
        prefix = (
            "行政许可不适用全国处罚公示期规定，"
            if record.kind == "licence"
            else "决定日期早于全国处罚公示期规定施行，"
        )
    validity_end = record.validity_end
    if validity_end is not None:
        base_until = validity_end
        until_rule = f"{prefix}按{ZHONGLOU_NAME}，有效期内查询式公示，至有效期截止日 {_iso(validity_end)}"
    else:
        years = policy.default_query_years
        base_until = period_last_day(decision, years=years)
        until_rule = (
            f"{prefix}按{ZHONGLOU_NAME}，没有明确有效期的查询式公示 {years} 年（自决定之日起），"
            f"至 {_iso(base_until)}"
        )
    return _Basis(
        regime_key=ZHONGLOU_2016,
        regime_name=ZHONGLOU_NAME,
        national=None,
        withheld_reason=withheld_reason,
        withheld_rule=withheld_rule,
        base_until=base_until,
        until_rule=until_rule,
    )


# Publication window ------------------------------------------------------------------------------


def _status_in_effect(record: Record, as_of: date) -> bool:
    """A status other than 有效 counts from its ``status_date`` on (always, without one)."""
    return record.status != "有效" and (record.status_date is None or record.status_date <= as_of)


def _window(
    record: Record, as_of: date, published_at: date | None, policy: Policy, basis: _Basis
) -> tuple[date | None, date | None, str]:
    """(last day on the rolling list, last day published, the rule that decided it); no days for a
    withheld record."""
    until_rule = basis.until_rule
    list_until = disclosure_until = None
    if basis.withheld_reason is not None:
        return list_until, disclosure_until, until_rule
    status, status_date = record.status, record.status_date
    status_effective = _status_in_effect(record, as_of)
    base_until = basis.base_until
    disclosure_until = base_until
    list_until = list_last_day(published_at, policy.list_days) if published_at else None
    if basis.national is None and list_until is not None and base_until < list_until:
        # The 10-day rolling list runs in full even when the validity ends earlier.
        disclosure_until = list_until
        until_rule += f"；有效期早于滚动公示结束，公示至滚动公示末日 {_iso(list_until)}"
    override = record.disclosure_until_override
    if override is not None:
        disclosure_until = override
        until_rule = f"disclosure.until 指定（法律法规另有规定），公示至 {_iso(override)}"
    if status == REPAIRED_STATUS and status_effective and status_date is not None:
        # 信用修复 ends publication from the repair date, but not before the minimum period.
        first_off = status_date
        if basis.min_until is not None:
            first_off = max(first_off, basis.min_until + ONE_DAY)
        if first_off - ONE_DAY < disclosure_until:
            disclosure_until = first_off - ONE_DAY
            until_rule += (
                f"；{status_date.isoformat()} 已信用修复，"
                + (f"最短公示期至 {_iso(basis.min_until)}，" if basis.min_until else "")
                + f"公示至 {_iso(disclosure_until)}"
            )
    if (
        status in WITHDRAWN_STATUSES
        and status_effective
        and status_date is not None
        and status_date - ONE_DAY < disclosure_until
    ):
        disclosure_until = status_date - ONE_DAY
    if list_until is not None and disclosure_until < list_until:
        list_until = disclosure_until
    return list_until, disclosure_until, until_rule


# State -------------------------------------------------------------------------------------------


def _state(
    record: Record,
    as_of: date,
    published_at: date | None,
    published_as_of: bool,
    list_until: date | None,
    disclosure_until: date | None,
    basis: _Basis,
) -> tuple[str, str, date | None]:
    """(state on the as-of date, why, the day the record came off the site if it did)."""
    state = _plain_state(record, as_of, published_at, published_as_of, list_until, disclosure_until, basis)
    unpublished = record.unpublished_on
    if (
        unpublished is not None
        and published_at is not None
        and published_at < unpublished <= as_of
        and state[0] in (WITHHELD, EXPIRED, WITHDRAWN)
        and (state[2] is None or state[2] <= published_at)
    ):
        # Taken out of public view after publication by a change that is no withdrawal dated after
        # it (public: false, an early disclosure.until or status_date, a catalog or policy edit):
        # the correction marked ``unpublish`` dates it, and the page becomes a withdrawal notice.
        return WITHDRAWN, f"{unpublished.isoformat()} 更正后撤下公示，页面改为撤回说明", unpublished
    return state


def _plain_state(
    record: Record,
    as_of: date,
    published_at: date | None,
    published_as_of: bool,
    list_until: date | None,
    disclosure_until: date | None,
    basis: _Basis,
) -> tuple[str, str, date | None]:
    """``_state`` before un-publication by a correction is taken into account."""
    status, status_date = record.status, record.status_date
    status_effective = _status_in_effect(record, as_of)
    if basis.withheld_reason is not None:
        return WITHHELD, "", None
    if status in WITHDRAWN_STATUSES and status_effective:
        state_rule = (
            f"决定已{status}（{_iso(status_date)}，{record.status_reason or '未写原因'}），"
            "自该日起撤下，页面改为撤回说明（行政处罚法第四十八条）"
        )
        return WITHDRAWN, state_rule, status_date
    if not published_as_of:
        return PENDING, "尚未公示" if published_at is None else f"{_iso(published_at)} 才公示", None
    if as_of <= list_until:
        state_rule = f"{as_of.isoformat()} 在滚动公示期内（{_iso(published_at)} 至 {_iso(list_until)}）"
        return LISTED, state_rule, None
    if as_of <= disclosure_until:
        return QUERY, f"{as_of.isoformat()} 在查询式公示期内（至 {_iso(disclosure_until)}）", None
    if status == REPAIRED_STATUS and status_effective:
        return REPAIRED, f"已信用修复，{as_of.isoformat()} 不再公示", status_date
    return EXPIRED, f"{as_of.isoformat()} 已过公示截止日 {_iso(disclosure_until)}", None


# Timeliness --------------------------------------------------------------------------------------


def _timeliness(
    record: Record,
    deadline: date,
    published_at: date,
    calendar: Calendar,
    problems: list[Problem],
    missing: set[int],
) -> tuple[bool, int]:
    """(published by the deadline, working days late); a year without calendar data crossed only now
    adds a warning to ``problems``."""
    on_time = published_at <= deadline
    delay = 0
    if not on_time:
        delay, delay_provisional = calendar.workdays_between(deadline, published_at)
        if delay_provisional:
            gap = calendar.missing_years(deadline + ONE_DAY, published_at)
            years = [y for y in gap if y not in missing]
            if years:
                missing.update(years)
                problems.append(_calendar_warning(record, years, "迟报工作日数"))
    return on_time, delay


def _iso(d: date | None) -> str:
    return d.isoformat() if d else "（无）"


def _calendar_warning(record: Record, years: list[int], what: str) -> Problem:
    p = missing_calendar_problem(years, f"{record.id} 的{what}")
    line = record.lines.get("$.decision_date")
    return Problem(record.path, line, "$.decision_date", p.code, p.message, "warning")

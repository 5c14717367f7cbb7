"""Disclosure regimes applied to one record: when it must be published, how long it stays listed
and findable, when a withdrawal is due, and its state on a given day. The regimes are data
(``rules.regimes``, from ``data/policy.yaml``); the rules are the small pure functions below.

Regime families (``policy.yaml: regime``):

* ``zhonglou-2016`` (钟政办发〔2016〕31号, the default): publish within 7 working days of the decision;
  decisions before ``platform_start`` (补录) are due on that day (or their own deadline, if later);
  rolling list for 10 days after publication; then query-style until the decision's validity
  ends (licence ``valid_to`` / penalty ``valid_until``), or for 7 years from the decision where there
  is none. ``disclosure.until`` overrides where a law says otherwise. 信用修复 ends publication no
  earlier than the minimum period of the national regime in force at the decision.
* ``national``: penalties decided while a national regime is in force (527号 / 令第58号 / 令2025年第36号)
  are published for that regime's maximum period for their severity, counted from the decision date,
  and 信用修复 may end publication after the minimum period; 限制从业 longer than the maximum → the
  actual period; 轻微 under 令2025年第36号 only where the domain opts in (≤ 3 months); the
  departments named for the market-supervision rule follow it. Licences, and penalties decided
  before the first national regime, follow the zhonglou-2016 rule.

Periods follow ``policy.period_convention`` (``rules.regimes``: the Civil Code's by default).

Status changes take effect on ``status_date``; a withdrawal (撤销, 变更, 注销, 失效) is due
``withdrawal_workdays`` (3) working days after it (行政处罚法 第四十八条, 第八十五条), and the site
shows the record until the withdrawal was merged on the main branch. As of an earlier date the
record is evaluated as if it were still 有效, so the state for any as-of date is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongshi.core.problems import Problem
from gongshi.core.records import REPAIRED_STATUS, WITHDRAWN_STATUSES, CatalogItem, Record
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
from gongshi.rules.regimes import (
    CIVIL_CODE,
    CIVIL_CODE_ARTICLES,
    NATIONAL,
    ONE_DAY,
    RESTRICTION_CATEGORIES,
    SIMPLE_PROCEDURE,
    ZHONGLOU_2016,
    ZHONGLOU_NAME,
    NationalRegime,
    Policy,
    PolicyError,
    effective_severity,
    list_last_day,
    months_label,
    period_last_day,
)
from gongshi.rules.workdays import Calendar, missing_calendar_problem

__all__ = [
    "NATIONAL",
    "ZHONGLOU_2016",
    "ZHONGLOU_NAME",
    "Details",
    "Policy",
    "PolicyError",
    "effective_severity",
    "evaluate",
    "evaluate_detailed",
    "list_last_day",
    "months_label",
    "period_last_day",
    "withdrawal_merged_on",
    "withheld_label",
]

# One label per reason a record is not published (stats, explain and pages agree); a record's own
# ``disclosure.reason`` is its label as written.
MINOR_WITHHELD = "轻微失信信息"
WITHHELD_LABELS = {
    SIMPLE_PROCEDURE: "简易程序（归集上报、暂不公开）",
    MINOR_WITHHELD: "轻微失信信息（原则上不予公示）",
}


def withheld_label(reason: str | None) -> str | None:
    """The one label of a withholding reason (None: the record is not withheld)."""
    if reason is None:
        return None
    return WITHHELD_LABELS.get(reason, reason)


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
    deadline_reason: str = ""  # which rule decided the deadline
    withdrawal_reason: str = ""  # when the withdrawal was due and when it reached the site
    period_convention: str = CIVIL_CODE

    def to_json(self) -> dict:
        return {
            "regime_name": self.regime_name,
            "severity": self.severity,
            "severity_source": self.severity_source,
            "min_period_until": self.min_period_until.isoformat() if self.min_period_until else None,
            "max_period_until": self.max_period_until.isoformat() if self.max_period_until else None,
            "withheld_reason": self.withheld_reason,
            "calendar_missing_years": list(self.calendar_missing_years),
            "period_convention": self.period_convention,
        }


def evaluate(
    record: Record,
    as_of: date,
    publication,
    calendar: Calendar,
    policy: Policy,
    item: CatalogItem | None = None,
    changes=(),
) -> tuple[Timeline, list[Problem]]:
    """The record's timeline as of ``as_of``. ``publication`` is a history.Publication (date, sha,
    preview) or None when the record is not published at all; ``changes`` the file's history
    (``history.log.Change``, newest first), which says when a withdrawal reached the site."""
    timeline, problems, _ = evaluate_detailed(record, as_of, publication, calendar, policy, item, changes)
    return timeline, problems


def evaluate_detailed(
    record: Record,
    as_of: date,
    publication,
    calendar: Calendar,
    policy: Policy,
    item: CatalogItem | None = None,
    changes=(),
) -> tuple[Timeline, list[Problem], Details]:
    """``evaluate`` with what ``gongshi explain`` shows besides. The steps: the deadline and the day
    of publication, the withdrawal, the rule that decides the window, the window, the state,
    timeliness."""
    decision = record.decision_date
    if decision is None:
        raise ValueError(f"{record.path}: decision_date is not a date (validate first)")
    problems: list[Problem] = []
    missing: set[int] = set()
    backfilled = policy.platform_start is not None and decision < policy.platform_start
    deadline, deadline_provisional, deadline_rule = _deadline(
        record, decision, calendar, policy, backfilled, problems, missing
    )
    published_at, preview = _publication_day(publication, as_of)
    published_as_of = published_at is not None and published_at <= as_of
    w = _withdrawal(record, as_of, published_at, changes, calendar, policy, problems, missing)
    basis = _basis(record, decision, policy, item, published_at)
    list_until, disclosure_until, until_rule = _window(record, as_of, published_at, policy, basis, w)
    state, state_rule, withdrawn_on = _state(
        record, as_of, published_at, published_as_of, list_until, disclosure_until, basis, w
    )
    if basis.withheld_reason is not None:
        until_rule = basis.withheld_rule
    rule = until_rule + (f"；{state_rule}" if state_rule else "") + f"。状态：{STATE_LABEL[state]}。"

    on_time: bool | None = None
    delay = 0
    delay_provisional = False
    if basis.withheld_reason is None and published_as_of and published_at is not None:
        on_time, delay, delay_provisional = _timeliness(
            record, deadline, published_at, calendar, problems, missing
        )

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
        provisional=deadline_provisional or delay_provisional or w.provisional,
        withheld_reason=withheld_label(basis.withheld_reason),
        withdrawal_due=w.due,
        withdrawal_published_at=w.published_at if w.in_effect else None,
        withdrawal_on_time=w.on_time if w.in_effect else None,
        withdrawal_delay_workdays=w.delay if w.in_effect else 0,
    )
    details = Details(
        regime_name=basis.regime_name,
        severity=basis.severity,
        severity_source=basis.severity_source,
        min_period_until=basis.min_until,
        max_period_until=basis.max_until,
        withheld_reason=withheld_label(basis.withheld_reason),
        calendar_missing_years=tuple(sorted(missing)),
        until_reason=until_rule,
        state_reason=state_rule or until_rule,
        deadline_reason=deadline_rule,
        withdrawal_reason=w.rule,
        period_convention=policy.period_convention,
    )
    return timeline, problems, details


# Deadline and publication ----------------------------------------------------------------------


def _deadline(
    record: Record,
    decision: date,
    calendar: Calendar,
    policy: Policy,
    backfilled: bool,
    problems: list[Problem],
    missing: set[int],
) -> tuple[date, bool, str]:
    """The publication deadline, whether it is provisional (a year without calendar data: the
    warning goes to ``problems``, the years to ``missing``) and why. A decision before
    ``platform_start`` (补录) is due on that day, or on its own deadline where that is later."""
    deadline, provisional = calendar.add_workdays(decision, policy.deadline_workdays)
    if provisional:
        years = calendar.missing_years(decision + ONE_DAY, deadline)
        missing.update(years)
        problems.append(_calendar_warning(record, years, "公示截止日"))
    why = f"决定日期 {decision.isoformat()} 之后第 {policy.deadline_workdays} 个工作日（决定当日不计）"
    if backfilled and policy.platform_start is not None and policy.platform_start > deadline:
        deadline, provisional = policy.platform_start, False
        why = (
            f"决定日期早于双公示专栏上线日，属补录，应于上线日 {deadline.isoformat()} 前公示"
            f"（{ZHONGLOU_NAME} 三、五(一)）"
        )
    elif provisional:
        why += "；跨入尚无节假日文件的年份，按法定节假日推算，为暂定结果"
    return deadline, provisional, why


def _publication_day(publication, as_of: date) -> tuple[date | None, bool]:
    """(day of publication, preview): a preview counts as published on the as-of date."""
    published_at: date | None = None
    preview = False
    if publication is not None and publication.date is not None:
        preview = bool(publication.preview)
        published_at = as_of if preview else publication.date
    return published_at, preview


# Withdrawal --------------------------------------------------------------------------------------


def withdrawal_merged_on(record: Record, changes, published_at: date | None) -> date | None:
    """The day a withdrawal (status ``status_date``) reached the site: the first change of the file
    on the main branch on or after ``status_date`` (a change before it cannot hold a revocation not
    yet decided: validation rejects dates in the future), else ``status_date`` itself when the file
    already held it (entered ahead), else the day of publication for a file not committed yet."""
    status_date = record.status_date
    if status_date is None:
        return None
    on_or_after = [c.date for c in changes if c.date >= status_date]
    if on_or_after:
        return min(on_or_after)
    if any(True for _ in changes):
        return status_date
    return published_at


@dataclass(frozen=True)
class _Withdrawal:
    """The withdrawal of a record whose status is 撤销/变更/注销/失效 (all empty otherwise)."""

    in_effect: bool = False  # status_date reached and the withdrawal on the site by the as-of date
    due: date | None = None
    published_at: date | None = None
    before_publication: bool = False  # revoked before it was ever public: straight to a notice
    on_time: bool | None = None
    delay: int = 0
    provisional: bool = False
    rule: str = ""


def _withdrawal(
    record: Record,
    as_of: date,
    published_at: date | None,
    changes,
    calendar: Calendar,
    policy: Policy,
    problems: list[Problem],
    missing: set[int],
) -> _Withdrawal:
    status_date = record.status_date
    if record.status not in WITHDRAWN_STATUSES or status_date is None:
        return _Withdrawal()
    n = policy.withdrawal_workdays
    due, provisional = calendar.add_workdays(status_date, n)
    if provisional:
        years = [y for y in calendar.missing_years(status_date + ONE_DAY, due) if y not in missing]
        missing.update(years)
        if years:
            problems.append(_calendar_warning(record, years, "撤回期限"))
    # From the whole history: a withdrawal merged after the as-of date was not on the site yet.
    merged = withdrawal_merged_on(record, changes, published_at)
    in_effect = status_date <= as_of and merged is not None and merged <= as_of
    before = published_at is None or status_date <= published_at
    on_time: bool | None = None
    delay = 0
    rule = (
        f"{record.status}日期 {status_date.isoformat()} 之后第 {n} 个工作日 {due.isoformat()} 前撤回"
        "（行政处罚法第四十八条、第八十五条）"
    )
    if merged is not None and not before:
        on_time = merged <= due
        if not on_time:
            delay, late_provisional = calendar.workdays_between(due, merged)
            provisional = provisional or late_provisional
        rule += f"；撤回于 {merged.isoformat()} 在网站生效" + (
            "，按时" if on_time else f"，迟 {delay} 个工作日"
        )
    elif before:
        rule += "；公示前已撤销，直接发布撤回说明"
    return _Withdrawal(in_effect, due, merged, before, on_time, delay, provisional, rule)


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


def _basis(
    record: Record, decision: date, policy: Policy, item: CatalogItem | None, published_at: date | None
) -> _Basis:
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
        market = policy.market_supervision
        if market is not None and market.applies(record.authority, decision):
            return _market_basis(
                record, decision, policy, market, published_at, withheld_reason, withheld_rule
            )
        return _national_basis(record, decision, policy, item, national, withheld_reason, withheld_rule)
    return _zhonglou_basis(record, decision, policy, item, withheld_reason, withheld_rule)


def _articles(policy: Policy) -> str:
    """How the periods are counted, for the sentences of ``why``."""
    if policy.period_convention == CIVIL_CODE:
        return f"起算日不计入，至对应日届满（{CIVIL_CODE_ARTICLES}）"
    return "起算日计入（policy.yaml：period_convention: inclusive）"


def _restricted_until(record: Record, until: date) -> tuple[date, str]:
    """限制从业 / 限制开展生产经营活动 for longer than ``until``: published for the actual period
    (its end is the penalty's ``valid_until``)."""
    end = record.validity_end
    if end is not None and end > until and set(record.categories) & set(RESTRICTION_CATEGORIES):
        return end, f"；限制期限长于最长公示期，按实际限制期限公示至 {end.isoformat()}"
    return until, ""


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
    domain = item.domain if item is not None else None
    min_months, max_months, publish = period.min_months, period.max_months, period.publish
    opt_in = ""
    if not publish and period.opt_in_max_months and domain in policy.minor_opt_in:
        # The sector regulator opted in: at most opt_in_max_months, repairable at once.
        publish, min_months = True, 0
        max_months = min(policy.minor_opt_in[domain], period.opt_in_max_months)
        opt_in = f"（领域“{domain}”经行业主管部门决定公示）"
    if not publish and withheld_reason is None:
        withheld_reason = MINOR_WITHHELD
        withheld_rule = f"按{regime_name}，轻微失信信息原则上不予公示（严重程度依据：{severity_source}）"
    if domain and domain in national.domain_min_months and publish:
        min_months = max(min_months, national.domain_min_months[domain])
        max_months = max(max_months, min_months)
    min_until = max_until = None
    until_rule = ""
    if publish:
        min_until = policy.period_end(decision, months=min_months)
        max_until = policy.period_end(decision, months=max_months)
        until_rule = (
            f"按{regime_name}，{severity}（{severity_source}）的处罚信息{opt_in}自决定之日起最短公示"
            f"{months_label(min_months)}、最长公示{months_label(max_months)}，{_articles(policy)}，"
            f"公示至 {_iso(max_until)}"
        )
        max_until, longer = _restricted_until(record, max_until)
        until_rule += longer
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


def _market_basis(
    record: Record,
    decision: date,
    policy: Policy,
    market,
    published_at: date | None,
    withheld_reason: str | None,
    withheld_rule: str,
) -> _Basis:
    """A penalty of a market-supervision domain: 3 months or 3 years from publication."""
    months, why = market.months_for(record)
    start = published_at or decision
    until = policy.period_end(start, months=months)
    until_rule = (
        f"按{market.name}，{why}的处罚信息自公示之日起公示{months_label(months)}，{_articles(policy)}，"
        f"公示至 {_iso(until)}"
    )
    until, longer = _restricted_until(record, until)
    return _Basis(
        regime_key="samr",
        regime_name=market.name,
        national=None,
        withheld_reason=withheld_reason,
        withheld_rule=withheld_rule,
        base_until=until,
        until_rule=until_rule + longer,
        max_until=until,
    )


def _zhonglou_basis(
    record: Record,
    decision: date,
    policy: Policy,
    item: CatalogItem | None,
    withheld_reason: str | None,
    withheld_rule: str,
) -> _Basis:
    """zhonglou-2016: until the decision's validity ends, or for the default years where there is
    none. A penalty keeps the minimum period of the national regime in force at its decision (信用修复
    may not end publication earlier)."""
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
        base_until = policy.period_end(decision, years=years)
        until_rule = (
            f"{prefix}按{ZHONGLOU_NAME}，没有明确有效期的查询式公示 {years} 年（自决定之日起，"
            f"{_articles(policy)}），至 {_iso(base_until)}"
        )
    min_until = None
    in_force = policy.national_regime_in_force(decision) if record.kind == "penalty" else None
    if in_force is not None:
        severity, _why = effective_severity(record, item, policy)
        period = in_force.periods[severity]
        if period.publish and period.min_months:
            min_until = policy.period_end(decision, months=period.min_months)
    return _Basis(
        regime_key=ZHONGLOU_2016,
        regime_name=ZHONGLOU_NAME,
        national=None,
        withheld_reason=withheld_reason,
        withheld_rule=withheld_rule,
        base_until=base_until,
        until_rule=until_rule,
        min_until=min_until,
    )


# Publication window ------------------------------------------------------------------------------


def _status_in_effect(record: Record, as_of: date) -> bool:
    """A status other than 有效 counts from its ``status_date`` on (always, without one)."""
    return record.status != "有效" and (record.status_date is None or record.status_date <= as_of)


def _window(
    record: Record, as_of: date, published_at: date | None, policy: Policy, basis: _Basis, w: _Withdrawal
) -> tuple[date | None, date | None, str]:
    """(last day on the rolling list, last day published, the rule that decided it); no days for a
    withheld record, nor for one revoked before it was published (its page is a notice at once)."""
    until_rule = basis.until_rule
    list_until = disclosure_until = None
    if basis.withheld_reason is not None:
        return list_until, disclosure_until, until_rule
    if w.in_effect and w.before_publication:
        return None, None, until_rule + "；公示前已撤销，不列入滚动公示，直接发布撤回说明"
    status, status_date = record.status, record.status_date
    status_effective = _status_in_effect(record, as_of)
    base_until = basis.base_until
    disclosure_until = base_until
    list_until = (
        list_last_day(published_at, policy.list_days, policy.period_convention) if published_at else None
    )
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
    if w.in_effect and w.published_at is not None:
        # Shown until the withdrawal reached the site, not back-dated to status_date.
        last_shown = max(status_date, w.published_at) - ONE_DAY
        if last_shown < disclosure_until:
            disclosure_until = last_shown
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
    w: _Withdrawal,
) -> tuple[str, str, date | None]:
    """(state on the as-of date, why, the day the record came off the site if it did)."""
    state = _plain_state(record, as_of, published_at, published_as_of, list_until, disclosure_until, basis, w)
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
    w: _Withdrawal,
) -> tuple[str, str, date | None]:
    """``_state`` before un-publication by a correction is taken into account."""
    status, status_date = record.status, record.status_date
    status_effective = _status_in_effect(record, as_of)
    if basis.withheld_reason is not None:
        return WITHHELD, "", None
    if status in WITHDRAWN_STATUSES and status_effective and (w.in_effect or status_date is None):
        state_rule = (
            f"决定已{status}（{_iso(status_date)}，{record.status_reason or '未写原因'}），"
            f"撤回于 {_iso(w.published_at)} 在网站生效，页面改为撤回说明（行政处罚法第四十八条）"
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
) -> tuple[bool, int, bool]:
    """(published by the deadline, working days late, whether that count is provisional); a year
    without calendar data crossed only now adds a warning to ``problems``."""
    on_time = published_at <= deadline
    delay = 0
    provisional = False
    if not on_time:
        delay, provisional = calendar.workdays_between(deadline, published_at)
        if provisional:
            gap = calendar.missing_years(deadline + ONE_DAY, published_at)
            years = [y for y in gap if y not in missing]
            if years:
                missing.update(years)
                problems.append(_calendar_warning(record, years, "迟报工作日数"))
    return on_time, delay, provisional


def _iso(d: date | None) -> str:
    return d.isoformat() if d else "（无）"


def _calendar_warning(record: Record, years: list[int], what: str) -> Problem:
    p = missing_calendar_problem(years, f"{record.id} 的{what}")
    line = record.lines.get("$.decision_date")
    return Problem(record.path, line, "$.decision_date", p.code, p.message, "warning")

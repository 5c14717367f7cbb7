"""The disclosure regimes as data: ``data/policy.yaml`` read into ``Policy`` (with the national
penalty regimes, the market-supervision rule and the period convention), the period arithmetic
and the severity of a penalty. ``rules.policy`` applies them to a record.

Periods (``period_convention``):

* ``civil-code`` (the default; 民法典 第二百零一条、第二百零二条): the start day is not counted and a
  period in years or months ends on the corresponding day of the last month, or on that month's
  last day where there is none. 7 years from 2017-01-20 → last day 2024-01-20; from 2020-02-29 →
  2027-02-28. A period of N days from D ends on D + N (the rolling list: published on D → through
  D + 10).
* ``inclusive`` (the reading before issue 16): the start day is day 1, so the period ends the day
  before the corresponding day (7 years from 2017-01-20 → 2024-01-19; 10 days from D → D + 9).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from gongshi.core.records import CatalogItem, Record, parse_date
from gongshi.core.sealed import policy_recipients

ZHONGLOU_2016 = "zhonglou-2016"
NATIONAL = "national"
REGIME_FAMILIES = (ZHONGLOU_2016, NATIONAL)
ZHONGLOU_NAME = "钟政办发〔2016〕31号"
SEVERITIES = ("轻微", "一般", "严重")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SIMPLE_PROCEDURE = "简易程序"
ONE_DAY = timedelta(days=1)
CIVIL_CODE = "civil-code"
INCLUSIVE = "inclusive"
CONVENTIONS = (CIVIL_CODE, INCLUSIVE)
CIVIL_CODE_ARTICLES = "民法典第二百零一条、第二百零二条"
# 行政处罚法 第九条: the categories whose actual restriction may outlast a maximum period.
RESTRICTION_CATEGORIES = ("限制从业", "限制开展生产经营活动")


class PolicyError(ValueError):
    """``data/policy.yaml`` cannot be used; the message is Chinese and names the key."""


# Pure date functions ---------------------------------------------------------------------------


@cache
def period_last_day(start: date, *, years: int = 0, months: int = 0, convention: str = CIVIL_CODE) -> date:
    """Last day (inclusive) of a period of ``years`` + ``months`` from ``start``: the corresponding
    day (civil-code; the start day is not counted) or the day before it (inclusive). Where the last
    month has no corresponding day, the period ends with that month either way."""
    total = start.month - 1 + months + 12 * years
    y, m = start.year + total // 12, total % 12 + 1
    month_days = _calendar.monthrange(y, m)[1]
    if start.day <= month_days:
        end = date(y, m, start.day)
        return end if convention == CIVIL_CODE else end - ONE_DAY
    return date(y, m, month_days)  # no corresponding day: the period ends with that month


def list_last_day(published_at: date, list_days: int, convention: str = CIVIL_CODE) -> date:
    """Last day on the rolling list: published on D → D + list_days (civil-code: the day of
    publication is not counted) or D + list_days - 1 (inclusive)."""
    return published_at + timedelta(days=list_days if convention == CIVIL_CODE else list_days - 1)


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
    # Not published by default, but a sector regulator may opt in for up to this many months
    # (令2025年第36号: 轻微失信信息原则上不予公示; where deemed necessary, at most 3 months).
    opt_in_max_months: int = 0


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
class MarketSupervision:
    """市场监督管理行政处罚信息公示规定 (SAMR) for the penalties of the departments it names (the
    market-supervision departments):
    only 通报批评 or a fine not above ``low_fine_max_yuan`` (较低数额, set by the province) →
    ``short_months``; any other penalty → ``long_months``; 限制开展生产经营活动 / 限制从业 longer than
    that → the actual period. Counted from the day of publication (自公示之日起)."""

    name: str
    in_force_from: date
    departments: tuple[str, ...]
    short_months: int = 3
    long_months: int = 36
    low_fine_max_yuan: int | None = None

    def applies(self, authority: str, decision: date) -> bool:
        return authority in self.departments and decision >= self.in_force_from

    def months_for(self, record: Record) -> tuple[int, str]:
        """(months, why) for a penalty of its domains."""
        cats = set(record.categories)
        fine = record.data.get("fine_yuan")
        low_fine = "罚款" not in cats or (
            self.low_fine_max_yuan is not None
            and isinstance(fine, int | float)
            and fine <= self.low_fine_max_yuan
        )
        if cats and cats <= {"通报批评", "罚款"} and low_fine:
            limit = f"不超过 {self.low_fine_max_yuan} 元" if self.low_fine_max_yuan is not None else ""
            return self.short_months, f"仅受通报批评或较低数额罚款（{limit or '未设较低数额'}）"
        return self.long_months, "其他行政处罚"


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
    period_convention: str = CIVIL_CODE
    withdrawal_workdays: int = 3  # 行政处罚法 第四十八条、第八十五条: 三日 = three working days
    minor_opt_in: dict[str, int] = field(default_factory=dict)  # catalog domain -> months (轻微)
    market_supervision: MarketSupervision | None = None
    # reporting.recipients: the credit office's age keys, to which full ID numbers are sealed.
    reporting_recipients: tuple[str, ...] = ()

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
        convention = str(data.get("period_convention", CIVIL_CODE))
        if convention not in CONVENTIONS:
            raise PolicyError(
                f"data/policy.yaml：period_convention “{convention}” 未知，应为 {' 或 '.join(CONVENTIONS)}。"
            )
        opt = nat.get("minor_opt_in") if isinstance(nat.get("minor_opt_in"), dict) else {}
        minor_opt_in = {str(k): _int(v, f"national.minor_opt_in.{k}", minimum=1) for k, v in opt.items()}
        caps = [r.periods["轻微"].opt_in_max_months for r in regimes if not r.periods["轻微"].publish]
        for k, v in minor_opt_in.items():
            if caps and v > min(caps):
                raise PolicyError(
                    f"data/policy.yaml：national.minor_opt_in.{k} 为 {v} 个月，超过轻微失信信息最长公示期 "
                    f"{min(caps)} 个月。"
                )
        market = _market_from_data(nat.get("market_supervision"))
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
            period_convention=convention,
            withdrawal_workdays=_int(data.get("withdrawal_workdays", 3), "withdrawal_workdays", minimum=1),
            minor_opt_in=minor_opt_in,
            market_supervision=market,
            reporting_recipients=policy_recipients(data),
        )
        return policy

    def period_end(self, start: date, *, years: int = 0, months: int = 0) -> date:
        """The last day of a period from ``start`` under this policy's convention."""
        return period_last_day(start, years=years, months=months, convention=self.period_convention)

    def national_regime_in_force(self, decision_date: date) -> NationalRegime | None:
        """The national regime in force on ``decision_date`` whatever the regime family (信用修复
        respects its minimum period under zhonglou-2016 too)."""
        for r in self.national_regimes:
            if r.in_force(decision_date):
                return r
        return None

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
        opt_in = _int(p.get("opt_in_max_months", 0), f"{where}.periods.{sev}.opt_in_max_months")
        lo = _int(p.get("min_months", 0), f"{where}.periods.{sev}.min_months")
        hi = _int(p.get("max_months", 0), f"{where}.periods.{sev}.max_months")
        if publish and (hi < 1 or hi < lo):
            raise PolicyError(
                f"data/policy.yaml：{where}.periods.{sev} 的 max_months 应大于 0 且不小于 min_months。"
            )
        periods[sev] = Period(lo, hi, publish, opt_in)
    dmm = r.get("domain_min_months") if isinstance(r.get("domain_min_months"), dict) else {}
    return NationalRegime(
        key=key,
        name=str(r.get("name", key)),
        in_force_from=_date(r.get("in_force_from"), f"{where}.in_force_from"),
        in_force_until=_date(r.get("in_force_until"), f"{where}.in_force_until", optional=True),
        periods=periods,
        domain_min_months={str(k): _int(v, f"{where}.domain_min_months.{k}") for k, v in dmm.items()},
    )


# The keys of national.market_supervision without a default, and what each is (Chinese).
MARKET_REQUIRED = {
    "in_force_from": "施行日期，按规定的正式文本填写",
    "low_fine_max_yuan": "江苏省规定的“较低数额罚款”的上限（元）",
}


def _market_from_data(m: object) -> MarketSupervision | None:
    if m is None:
        return None
    where = "national.market_supervision"
    if not isinstance(m, dict):
        raise PolicyError(f"data/policy.yaml：{where} 应为映射。")
    departments = m.get("departments") if isinstance(m.get("departments"), list) else []
    if not departments:
        raise PolicyError(f"data/policy.yaml：{where}.departments 应列出适用的部门代号（市场监管部门）。")
    # The references give neither the rule's date in force nor the province's 较低数额: the policy
    # must state both (no default would be a legal fact we do not have).
    for key, what in MARKET_REQUIRED.items():
        if m.get(key) is None or not str(m.get(key)).strip():
            raise PolicyError(
                f"data/policy.yaml：启用了 {where}，但没有写 {where}.{key}（{what}）。"
                "参考资料没有给出这个值，请按正式文本核对后写明。"
            )
    return MarketSupervision(
        name=str(m.get("name", "市场监督管理行政处罚信息公示规定")),
        in_force_from=_date(m.get("in_force_from"), f"{where}.in_force_from"),
        departments=tuple(str(d) for d in departments),
        short_months=_int(m.get("short_months", 3), f"{where}.short_months", minimum=1),
        long_months=_int(m.get("long_months", 36), f"{where}.long_months", minimum=1),
        low_fine_max_yuan=_int(m.get("low_fine_max_yuan"), f"{where}.low_fine_max_yuan"),
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

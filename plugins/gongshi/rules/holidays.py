"""Statutory holidays by rule, for a year whose State Council notice is not in ``data/calendar/`` yet.

The 全国年节及纪念日放假办法 fixes the holidays every citizen has; the State Council's yearly notice
(usually in November for the next year) then joins them into blocks and adds make-up working
weekends (调休). Before the notice, only the statutory part is knowable:

* the text in force 2014–2024 (2013 revision): 元旦 1 day, 春节 3 days (正月初一至初三), 清明 1, 劳动节 1,
  端午 1, 中秋 1, 国庆 3 (10-01..03);
* the text in force from 2025-01-01 (2024 revision): 春节 4 days (除夕 and 正月初一至初三), 劳动节 2 days
  (05-01, 05-02); the rest unchanged;
* before 2014 (2007 revision, in force from 2008): 春节 3 days (除夕, 初一, 初二), 劳动节 1, the rest as 2014;
* 第四条 (all texts): a holiday that falls on a Saturday or Sunday is made up on a working day
  (补假). Here: the first weekday after that festival's days that is not a holiday already. Two
  festivals on one day (中秋 = 国庆, 2020) are made up the same way.

Lunar dates and the 清明 solar term come from ``borax`` (pure Python, 1900–2100). The result is
*provisional*: a calendar built from it is flagged, and every verdict that depends on it says 暂定.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

ONE_DAY = timedelta(days=1)
# borax's lunar tables cover these years; outside them only weekends are known.
FIRST_RULE_YEAR = 2008
LAST_RULE_YEAR = 2100


@dataclass(frozen=True)
class HolidayText:
    """One version of the 全国年节及纪念日放假办法 (the days of 春节 and 劳动节 changed)."""

    name: str
    in_force_from: date
    spring_eve: bool  # 除夕 is a holiday
    spring_days: int  # days of 春节 including 除夕 when it counts
    labour_days: int


HOLIDAY_TEXTS = (
    HolidayText("全国年节及纪念日放假办法（2007年修订）", date(2008, 1, 1), True, 3, 1),
    HolidayText("全国年节及纪念日放假办法（2013年修订）", date(2014, 1, 1), False, 3, 1),
    HolidayText("全国年节及纪念日放假办法（2024年修订）", date(2025, 1, 1), True, 4, 2),
)


def text_for_year(year: int) -> HolidayText | None:
    """The text in force on 1 January of ``year`` (None before the first one covered)."""
    found = None
    for text in HOLIDAY_TEXTS:
        if text.in_force_from <= date(year, 1, 1):
            found = text
    return found


@dataclass(frozen=True)
class ProvisionalYear:
    """The statutory holidays of one year by rule: ``festivals`` (name, days), ``makeup`` (补假
    weekdays) and ``days_off``, the weekdays off (statutory weekdays and 补假), which is all a
    working-day count needs."""

    year: int
    text: str
    festivals: tuple[tuple[str, tuple[date, ...]], ...]
    makeup: tuple[date, ...]
    days_off: frozenset[date]

    @property
    def statutory_days(self) -> frozenset[date]:
        return frozenset(d for _name, days in self.festivals for d in days)


def _festivals(year: int, text: HolidayText) -> list[tuple[str, tuple[date, ...]]]:
    # lazy: the lunar tables (~14 ms) only for a year without a calendar file
    from borax.calendars.lunardate import LunarDate, TermUtils

    def lunar(month: int, day: int) -> date:
        return LunarDate(year, month, day).to_solar_date()

    new_year = lunar(1, 1)
    first = new_year - ONE_DAY if text.spring_eve else new_year
    spring = tuple(first + i * ONE_DAY for i in range(text.spring_days))
    qingming = TermUtils.nth_term_day(year, TermUtils.get_index_for_name("清明"))
    labour = tuple(date(year, 5, 1 + i) for i in range(text.labour_days))
    return [
        ("元旦", (date(year, 1, 1),)),
        ("春节", spring),
        ("清明节", (qingming,)),
        ("劳动节", labour),
        ("端午节", (lunar(5, 5),)),
        ("中秋节", (lunar(8, 15),)),
        ("国庆节", tuple(date(year, 10, d) for d in (1, 2, 3))),
    ]


@cache
def provisional_year(year: int) -> ProvisionalYear | None:
    """The year's statutory holidays by the text in force, or None where no rule is known."""
    text = text_for_year(year)
    if text is None or year > LAST_RULE_YEAR:
        return None
    festivals = _festivals(year, text)
    taken: set[date] = set()
    makeup: list[date] = []
    for _name, days in sorted(festivals, key=lambda f: f[1][0]):
        owed = sum(1 for d in days if d.weekday() >= 5 or d in taken)
        taken.update(days)
        d = days[-1]
        while owed:
            d += ONE_DAY
            if d.weekday() < 5 and d not in taken:
                taken.add(d)
                makeup.append(d)
                owed -= 1
    days_off = frozenset(d for d in taken if d.weekday() < 5 and d.year == year)
    return ProvisionalYear(year, text.name, tuple(festivals), tuple(sorted(makeup)), days_off)

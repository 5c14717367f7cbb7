"""Chinese working days: weekends, public holidays and make-up working days (调休).

The calendar lives in the repository, one file per year (``data/calendar/<YYYY>.yaml``), generated
from the ``chinesecalendar`` package by ``gongshi calendar generate FIRST LAST`` (or typed from the
State Council's notice with ``gongshi calendar add-notice YEAR``) and committed, so a build never
depends on the installed package version. A computation that touches a year with no file uses the
statutory holidays of that year by rule (``rules.holidays``: 全国年节及纪念日放假办法, lunar dates,
清明, 补假), which cannot know the make-up working weekends, and says so (``provisional``); callers
mark the verdict 暂定 and warn, naming the file to add. It never blocks publication.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from gongshi.core.problems import Problem
from gongshi.core.records import parse_date
from gongshi.repo.yamlload import load_yaml_file
from gongshi.rules.holidays import provisional_year

CALENDAR_DIR = "data/calendar"
GENERATOR_SOURCE = "chinesecalendar {version}（据国务院办公厅节假日安排通知），gongshi calendar generate 生成"


def calendar_relpath(year: int) -> str:
    return f"{CALENDAR_DIR}/{year}.yaml"


@dataclass
class Calendar:
    """Holidays (weekdays off) and make-up workdays (weekend days on) for the years that have data."""

    years: set[int] = field(default_factory=set)
    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    # add_workdays results by (start, n): a build asks for the deadline of every record, and many
    # records share a decision date. Cleared whenever a year is added.
    _memo: dict = field(default_factory=dict, repr=False, compare=False)
    _provisional: dict = field(default_factory=dict, repr=False, compare=False)

    # Loading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path) -> Calendar:
        """Every ``data/calendar/<YYYY>.yaml``; unreadable entries become problems, not exceptions."""
        cal = cls()
        base = Path(root) / CALENDAR_DIR
        if not base.is_dir():
            return cal
        for path in sorted(base.glob("*.yaml")):
            rel = path.relative_to(root).as_posix()
            loaded = load_yaml_file(path, rel)
            cal.problems.extend(loaded.problems)
            if not loaded.ok or not isinstance(loaded.data, dict):
                continue
            cal._add_year_file(rel, path.stem, loaded.data)
        return cal

    def _add_year_file(self, rel: str, stem: str, data: dict) -> None:
        year = str(data.get("year", ""))
        if not (stem.isdigit() and year == stem):
            self.problems.append(
                Problem(
                    rel, 1, "$.year", "calendar.year_mismatch", f"文件名年份 {stem} 与 year “{year}” 不一致。"
                )
            )
            return
        y = int(year)
        days: dict[str, set[date]] = {"holidays": set(), "workdays": set()}
        for key in days:
            values = data.get(key)
            if not isinstance(values, list):
                continue
            for i, v in enumerate(values):
                d = parse_date(v)
                if d is None or d.year != y:
                    self.problems.append(
                        Problem(rel, None, f"$.{key}[{i}]", "calendar.bad_date", f"“{v}” 不是 {y} 年的日期。")
                    )
                    continue
                days[key].add(d)
        both = days["holidays"] & days["workdays"]
        for d in sorted(both):
            self.problems.append(
                Problem(rel, None, "$", "calendar.conflict", f"{d.isoformat()} 既是放假日期又是调休上班日。")
            )
        self.years.add(y)
        self._memo.clear()
        self.holidays |= days["holidays"] - both
        self.workdays |= days["workdays"] - both

    # Questions -------------------------------------------------------------------------------
    def is_workday(self, d: date) -> bool:
        """Working day by the calendar; for a year without data, by the statutory holidays of that
        year (``rules.holidays``; make-up working weekends unknown)."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        if d.weekday() >= 5:
            return False
        if d.year in self.years:
            return True
        return d not in self.provisional_days_off(d.year)

    def provisional_days_off(self, year: int) -> frozenset[date]:
        """The weekdays off of a year without a calendar file, by rule (empty where none is known)."""
        off = self._provisional.get(year)
        if off is None:
            rule = provisional_year(year)
            off = self._provisional[year] = rule.days_off if rule is not None else frozenset()
        return off

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after ``start`` (``start`` itself does not count) and whether a year
        without calendar data was crossed (then only weekends were skipped there)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        hit = self._memo.get((start, n))
        if hit is None:
            hit = self._memo[(start, n)] = self._add_workdays(start, n)
        return hit

    def _add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        d = start
        provisional = False
        counted = 0
        while counted < n:
            d += timedelta(days=1)
            provisional = provisional or d.year not in self.years
            if self.is_workday(d):
                counted += 1
        return d, provisional

    def workdays_between(self, a: date, b: date) -> tuple[int, bool]:
        """Number of working days in (a, b]; 0 when b <= a."""
        if b <= a:
            return 0, False
        first = a + timedelta(days=1)
        provisional = any(y not in self.years for y in range(first.year, b.year + 1))
        count = 0
        d = a
        while d < b:
            d += timedelta(days=1)
            if self.is_workday(d):
                count += 1
        return count, provisional

    def missing_years(self, a: date, b: date) -> list[int]:
        """Years in [a, b] with no calendar file."""
        return [y for y in range(a.year, b.year + 1) if y not in self.years]


PROVISIONAL_LABEL = "暂定"
MISSING_YEAR = "calendar.missing_year"


def missing_calendar_problem(years: Iterable[int], what: str, file: str = "") -> Problem:
    """The warning for a result computed with a provisional calendar (statutory holidays by rule)."""
    ys = sorted(set(years))
    files = "、".join(calendar_relpath(y) for y in ys)
    commands = "、".join(f"gongshi calendar add-notice {y}" for y in ys)
    return Problem(
        file or calendar_relpath(ys[0]),
        None,
        "$",
        "calendar.missing_year",
        f"{what}为{PROVISIONAL_LABEL}结果：缺少 {'、'.join(str(y) for y in ys)} 年的节假日安排，"
        "暂按全国年节及纪念日放假办法推算法定节假日（含补假，不含调休上班日）。"
        f"国务院办公厅公布当年节假日安排后，请添加 {files}（运行 {commands} 录入通知）。",
        "warning",
    )


# Generation ------------------------------------------------------------------------------------


class CalendarSourceError(Exception):
    """The chinesecalendar package has no data for a requested year (Chinese message)."""


def year_from_chinesecalendar(year: int) -> tuple[list[date], list[date], str]:
    """(holidays on weekdays, make-up workdays on weekends, source) for one year."""
    import chinese_calendar
    from chinese_calendar import constants

    known = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    if year not in known:
        raise CalendarSourceError(
            f"chinesecalendar {chinese_calendar.__version__} 没有 {year} 年的数据；"
            f"请升级该软件包，或按国务院办公厅通知手工编写 {calendar_relpath(year)}。"
        )
    holidays = sorted(d for d in constants.holidays if d.year == year and d.weekday() < 5)
    workdays = sorted(d for d in constants.workdays if d.year == year and d.weekday() >= 5)
    return holidays, workdays, GENERATOR_SOURCE.format(version=chinese_calendar.__version__)


def render_calendar_yaml(year: int, holidays: list[date], workdays: list[date], source: str) -> str:
    """Deterministic YAML (fixed key order, sorted dates, one per line)."""
    lines = [
        "# yaml-language-server: $schema=../../schemas/calendar.schema.json",
        "# 放假日期只列本应上班的工作日（周一至周五）；调休上班日只列周六、周日。",
        f"year: {year}",
        f"source: {_yaml_scalar(source)}",
    ]
    for key, days in (("holidays", holidays), ("workdays", workdays)):
        if days:
            lines.append(f"{key}:")
            lines.extend(f"  - {d.isoformat()}" for d in sorted(days))
        else:
            lines.append(f"{key}: []")
    return "\n".join(lines) + "\n"


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where that reads back the same, else double-quoted (JSON)."""
    plain = (
        text
        and text == text.strip()
        and text[0] not in "-?"
        and text.lower() not in ("true", "false", "yes", "no", "null", "~", "on", "off")
        and not text.replace(".", "").replace("-", "").isdigit()
        and not any(c in text for c in ":#{}[],&*!|>'\"%@`\\")
    )
    if plain:
        return text
    return json.dumps(text, ensure_ascii=False)


def generate_calendar_files(root: Path, first: int, last: int) -> list[Path]:
    """Write ``data/calendar/<year>.yaml`` for first..last; raises CalendarSourceError before writing
    anything when a year has no data."""
    years = list(range(first, last + 1))
    contents = {y: render_calendar_yaml(y, *year_from_chinesecalendar(y)) for y in years}
    out = Path(root) / CALENDAR_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for y, text in contents.items():
        path = out / f"{y}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# Typing in the State Council's notice -------------------------------------------------------------


class NoticeError(ValueError):
    """What the platform clerk typed cannot be a calendar file (Chinese message)."""


NOTICE_SOURCE = "国务院办公厅关于{year}年部分节假日安排的通知（gongshi calendar add-notice 录入）"
_RANGE_SEPARATORS = ("..", "至", "~", "～", "—")


def parse_notice_days(text: str, year: int, what: str) -> list[date]:
    """Every day of ``text``: days or ranges (``2027-01-01..2027-01-03``, ``01-01至01-03``; several
    separated by commas, 、 or spaces); a month-day without the year is in ``year``."""
    out: list[date] = []
    for part in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        lo_text, hi_text = part, part
        for sep in _RANGE_SEPARATORS:
            if sep in part:
                lo_text, hi_text = (x.strip() for x in part.split(sep, 1))
                break
        lo, hi = _notice_day(lo_text, year, what), _notice_day(hi_text, year, what)
        if hi < lo:
            raise NoticeError(f"{what}“{part}”：结束日期早于开始日期。")
        if (hi - lo).days > 31:
            raise NoticeError(f"{what}“{part}”：一段假期不会超过一个月，请检查日期。")
        d = lo
        while d <= hi:
            out.append(d)
            d += timedelta(days=1)
    return out


def _notice_day(text: str, year: int, what: str) -> date:
    full = text if text.count("-") == 2 else f"{year}-{text}"
    d = parse_date(full)
    if d is None:
        raise NoticeError(f"{what}“{text}”不是日期：请写 YYYY-MM-DD 或 MM-DD，如 {year}-01-01 或 01-01。")
    if d.year != year:
        raise NoticeError(f"{what}“{text}”不在 {year} 年内：每年一个文件，请分别录入。")
    return d


def notice_calendar_yaml(year: int, holiday_days: list[date], workdays: list[date], source: str = "") -> str:
    """The calendar file of ``year`` from the notice: ``holiday_days`` are all days off as the notice
    lists them (weekends included; the file keeps the weekdays), ``workdays`` the make-up working
    days (each a Saturday or Sunday). Raises NoticeError for what cannot be right."""
    if not holiday_days:
        raise NoticeError("没有录入放假日期：通知中的每段放假安排都要录入，如 --holiday 01-01..01-03。")
    bad = sorted(d for d in workdays if d.weekday() < 5)
    if bad:
        days = "、".join(d.isoformat() for d in bad)
        raise NoticeError(f"调休上班日 {days} 不是周六或周日：只录入因调休而上班的周末。")
    both = sorted(set(workdays) & set(holiday_days))
    if both:
        raise NoticeError(f"{'、'.join(d.isoformat() for d in both)} 既在放假安排内又是调休上班日。")
    weekdays_off = sorted({d for d in holiday_days if d.weekday() < 5})
    text = source.strip() or NOTICE_SOURCE.format(year=year)
    return render_calendar_yaml(year, weekdays_off, sorted(set(workdays)), text)


def write_calendar_file(root: Path, year: int, text: str, *, force: bool = False) -> Path:
    """Write ``data/calendar/<year>.yaml``; refuses to replace an existing file unless ``force``."""
    path = Path(root) / calendar_relpath(year)
    if path.exists() and not force:
        raise NoticeError(f"{calendar_relpath(year)} 已存在；确需替换请加 --force。")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

"""Chinese working days: weekends, public holidays and make-up working days (调休).

The calendar lives in the repository, one file per year (``data/calendar/<YYYY>.yaml``), generated
from the ``chinesecalendar`` package by ``gongshi calendar generate FIRST LAST`` and committed, so a
build never depends on the installed package version. A computation that touches a year with no file
falls back to weekends only and says so (``provisional``); callers turn that into a warning naming
the file to add. It never blocks publication.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from gongshi.core.problems import Problem
from gongshi.core.records import parse_date
from gongshi.repo.yamlload import load_yaml_file

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
        """Working day by the calendar; weekends-only for a year without data."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

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


def missing_calendar_problem(years: Iterable[int], what: str, file: str = "") -> Problem:
    """The warning for a result computed with weekends only."""
    ys = sorted(set(years))
    files = "、".join(calendar_relpath(y) for y in ys)
    return Problem(
        file or calendar_relpath(ys[0]),
        None,
        "$",
        "calendar.missing_year",
        f"{what}按仅排除周末的临时结果计算：缺少 {'、'.join(str(y) for y in ys)} 年的节假日安排。"
        f"请在国务院办公厅公布当年节假日安排后添加 {files}（可运行 gongshi calendar generate）。",
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
        f"source: {source}",
    ]
    for key, days in (("holidays", holidays), ("workdays", workdays)):
        if days:
            lines.append(f"{key}:")
            lines.extend(f"  - {d.isoformat()}" for d in sorted(days))
        else:
            lines.append(f"{key}: []")
    return "\n".join(lines) + "\n"


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

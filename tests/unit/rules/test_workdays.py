"""Working days from the committed calendar files (data/calendar/<year>.yaml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from gongshi.rules.workdays import (
    Calendar,
    CalendarSourceError,
    generate_calendar_files,
    missing_calendar_problem,
    year_from_chinesecalendar,
)

REPO = Path(__file__).resolve().parents[3]
FIXTURE_REGISTRY = REPO / "tests" / "fixtures" / "registry"


@pytest.fixture(scope="module")
def cal() -> Calendar:
    c = Calendar.load(REPO)
    assert c.problems == []
    return c


def test_committed_years(cal):
    assert sorted(cal.years) == list(range(2016, 2027))


# Each row worked out by hand from the State Council notices as written in data/calendar/.
DEADLINES = [
    # National Day 2025: Sun 09-28 and Sat 10-11 are make-up days, 10-01..10-08 off.
    (date(2025, 9, 26), 7, date(2025, 10, 13)),
    # Spring Festival 2025: Sun 01-26 and Sat 02-08 worked, 01-28..02-04 off.
    (date(2025, 1, 24), 7, date(2025, 2, 10)),
    # Spring Festival 2026: Sat 02-14 and Sat 02-28 worked, 02-16..02-23 off.
    (date(2026, 2, 13), 7, date(2026, 3, 2)),
    # Year end 2025→2026: 01-01/02 off, Sun 01-04 worked.
    (date(2025, 12, 26), 7, date(2026, 1, 7)),
    # Year end 2016→2017: New Year's Day on a Sunday, Mon 01-02 off.
    (date(2016, 12, 30), 7, date(2017, 1, 11)),
    # Labour Day 2026: Sat 05-09 worked.
    (date(2026, 5, 8), 7, date(2026, 5, 18)),
    # Decision on a holiday: the holiday itself never counts.
    (date(2025, 10, 1), 1, date(2025, 10, 9)),
    # Decision on a make-up Saturday: the next working day is Monday.
    (date(2025, 10, 11), 1, date(2025, 10, 13)),
    (date(2025, 9, 26), 0, date(2025, 9, 26)),
]


@pytest.mark.parametrize(("start", "n", "expected"), DEADLINES)
def test_add_workdays(cal, start, n, expected):
    assert cal.add_workdays(start, n) == (expected, False)


@pytest.mark.parametrize(("start", "n", "expected"), DEADLINES)
def test_workdays_between_inverts_add(cal, start, n, expected):
    assert cal.workdays_between(start, expected) == (n, False)


def test_workdays_between_edges(cal):
    d = date(2025, 9, 26)
    assert cal.workdays_between(d, d) == (0, False)
    assert cal.workdays_between(d, d - timedelta(days=3)) == (0, False)
    # (a, b]: the end day counts, the start day does not.
    assert cal.workdays_between(date(2025, 9, 30), date(2025, 10, 9)) == (1, False)
    assert cal.workdays_between(date(2025, 9, 29), date(2025, 9, 30)) == (1, False)


def test_committed_calendar_agrees_with_chinesecalendar_every_day(cal):
    d = date(2016, 1, 1)
    while d <= date(2026, 12, 31):
        assert cal.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


def test_provisional_across_missing_year(cal):
    # 2027 has no file: statutory holidays by rule, so Fri 2027-01-01 (元旦) is off, and the result
    # is provisional (make-up working weekends unknown).
    assert cal.add_workdays(date(2026, 12, 28), 7) == (date(2027, 1, 7), True)
    assert cal.workdays_between(date(2026, 12, 28), date(2027, 1, 7)) == (7, True)
    # Entirely inside known years: not provisional even though 2027 is missing.
    assert cal.add_workdays(date(2026, 12, 21), 7)[1] is False
    # (2026-12-31, ...] starts in 2027.
    assert cal.workdays_between(date(2026, 12, 31), date(2027, 1, 4)) == (1, True)
    assert cal.missing_years(date(2026, 12, 28), date(2028, 1, 1)) == [2027, 2028]


def test_missing_calendar_warning_names_file():
    p = missing_calendar_problem([2027], "公示截止日")
    assert p.severity == "warning"
    assert p.code == "calendar.missing_year"
    assert "data/calendar/2027.yaml" in p.message


def test_no_calendar_dir_uses_statutory_holidays(tmp_path):
    c = Calendar.load(tmp_path)
    assert c.years == set()
    # 国庆 10-01..03 and 中秋 10-06 by rule (2025 text), no make-up Sundays: 09-29, 30, 10-07..10, 13.
    assert c.add_workdays(date(2025, 9, 26), 7) == (date(2025, 10, 13), True)


def test_bad_calendar_entries_become_problems(tmp_path):
    d = tmp_path / "data" / "calendar"
    d.mkdir(parents=True)
    (d / "2030.yaml").write_text(
        "year: 2030\nsource: 手工\nholidays:\n  - 2030-10-01\n  - 2031-01-01\n  - 2030-02-30\n"
        "workdays:\n  - 2030-10-01\n  - 2030-09-29\n",
        encoding="utf-8",
    )
    (d / "2031.yaml").write_text("year: 2032\nsource: x\nholidays: []\nworkdays: []\n", encoding="utf-8")
    c = Calendar.load(tmp_path)
    codes = sorted(p.code for p in c.problems)
    assert codes == ["calendar.bad_date", "calendar.bad_date", "calendar.conflict", "calendar.year_mismatch"]
    assert c.years == {2030}
    assert c.is_workday(date(2030, 9, 29))  # a Sunday made a working day
    assert date(2030, 10, 1) not in c.holidays  # conflicting entry dropped


def test_generator_reproduces_committed_files(tmp_path):
    written = generate_calendar_files(tmp_path, 2016, 2026)
    assert len(written) == 11
    for path in written:
        committed = REPO / "data" / "calendar" / path.name
        assert path.read_bytes() == committed.read_bytes(), path.name
    again = generate_calendar_files(tmp_path, 2025, 2025)[0]
    assert again.read_bytes() == (REPO / "data" / "calendar" / "2025.yaml").read_bytes()


def test_generator_lists_only_weekday_holidays_and_weekend_workdays():
    holidays, workdays, source = year_from_chinesecalendar(2025)
    assert all(d.weekday() < 5 for d in holidays)
    assert all(d.weekday() >= 5 for d in workdays)
    assert date(2025, 10, 8) in holidays and date(2025, 10, 4) not in holidays  # Saturday omitted
    assert workdays == [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    ]
    assert chinese_calendar.__version__ in source


def test_generator_refuses_unknown_year(tmp_path):
    with pytest.raises(CalendarSourceError, match="2027"):
        generate_calendar_files(tmp_path, 2026, 2027)
    assert not (tmp_path / "data" / "calendar" / "2026.yaml").exists()  # nothing half-written


def _repo_with_calendar(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REGISTRY, root)
    shutil.rmtree(root / "data" / "calendar")
    shutil.copytree(REPO / "data" / "calendar", root / "data" / "calendar")
    return root


def _gongshi(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TZ": "America/Los_Angeles"}
    return subprocess.run(
        [sys.executable, "-m", "gongshi", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_deadline(tmp_path):
    root = _repo_with_calendar(tmp_path)
    res = _gongshi(root, "deadline", "2025-09-26")
    assert (res.returncode, res.stdout, res.stderr) == (0, "2025-10-13\n", "")
    res = _gongshi(root, "deadline", "2025-09-26", "--workdays", "3")
    assert res.stdout == "2025-09-30\n"


@pytest.mark.parametrize(
    ("decided", "printed"),
    [
        ("2026-12-28", "2027-01-07 暂定\n"),
        # Issue 16's acceptance case: 元旦 2027-01-01 (statutory rule, no notice yet) → 01-04, 暂定.
        ("2026-12-23", "2027-01-04 暂定\n"),
        # The boundary: counted wholly within 2026 (its calendar file exists), not 暂定.
        ("2026-12-18", "2026-12-29\n"),
    ],
)
def test_cli_deadline_provisional_warns_but_succeeds(tmp_path, decided, printed):
    root = _repo_with_calendar(tmp_path)
    res = _gongshi(root, "deadline", decided)
    assert res.returncode == 0
    assert res.stdout == printed
    if "暂定" in printed:
        assert "data/calendar/2027.yaml" in res.stderr and "警告" in res.stderr
    else:
        assert res.stderr == ""


def test_cli_deadline_bad_date(tmp_path):
    root = _repo_with_calendar(tmp_path)
    res = _gongshi(root, "deadline", "2025-02-30")
    assert res.returncode == 2
    assert "YYYY-MM-DD" in res.stderr and "Traceback" not in res.stderr


def test_cli_calendar_generate(tmp_path):
    root = _repo_with_calendar(tmp_path)
    shutil.rmtree(root / "data" / "calendar")
    res = _gongshi(root, "calendar", "generate", "2024", "2025")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["data/calendar/2024.yaml", "data/calendar/2025.yaml"]
    assert (root / "data/calendar/2025.yaml").read_bytes() == (REPO / "data/calendar/2025.yaml").read_bytes()
    res = _gongshi(root, "calendar", "generate", "2027", "2027")
    assert res.returncode == 2 and "2027" in res.stderr and "Traceback" not in res.stderr

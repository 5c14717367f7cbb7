"""The provisional calendar: statutory holidays by rule (全国年节及纪念日放假办法) against the State
Council's notices (the committed calendar files, from chinesecalendar), and ``calendar add-notice``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from gongshi.rules.holidays import provisional_year, text_for_year
from gongshi.rules.workdays import Calendar, NoticeError, notice_calendar_yaml, parse_notice_days

REPO = Path(__file__).resolve().parents[3]
FIXTURE_REGISTRY = REPO / "tests" / "fixtures" / "registry"
D = date.fromisoformat


@pytest.fixture(scope="module")
def official() -> Calendar:
    return Calendar.load(REPO)


@pytest.mark.parametrize("year", range(2016, 2027))
def test_statutory_days_are_holidays_in_the_official_data(official, year):
    """Every weekday the rule gives off (statutory days and 补假) is off in the notice; the notice
    only adds (longer blocks) and moves (make-up working weekends)."""
    rule = provisional_year(year)
    assert rule.days_off <= official.holidays, sorted(rule.days_off - official.holidays)
    assert not any(official.is_workday(d) for d in rule.statutory_days), year
    assert sum(len(days) for _name, days in rule.festivals) == (13 if year >= 2025 else 11)


@pytest.mark.parametrize(
    ("year", "festival", "days"),
    [
        (2016, "春节", ["2016-02-08", "2016-02-09", "2016-02-10"]),  # 2013 text: 初一..初三
        (2025, "春节", ["2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"]),  # 2024 text: 除夕..初三
        (2025, "劳动节", ["2025-05-01", "2025-05-02"]),
        (2027, "春节", ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]),
        (2027, "清明节", ["2027-04-05"]),
        (2027, "中秋节", ["2027-09-15"]),
    ],
)
def test_festival_days(year, festival, days):
    assert dict(provisional_year(year).festivals)[festival] == tuple(map(D, days))


def test_makeup_days_and_texts():
    # 2027: 春节 Sat 02-06 and Sun 02-07 → 补假 Tue 02-09, Wed 02-10; 国庆 Sat/Sun → 10-04, 10-05.
    assert provisional_year(2027).makeup == tuple(
        map(D, ["2027-02-09", "2027-02-10", "2027-05-03", "2027-05-04", "2027-10-04", "2027-10-05"])
    )
    # 2020: 中秋 and 国庆 on 10-01 — the day counts twice, made up after the block.
    assert D("2020-10-06") in provisional_year(2020).days_off
    assert "2013" in text_for_year(2024).name and "2024" in text_for_year(2025).name
    assert provisional_year(2005) is None


def test_calendar_without_2027_uses_the_rule(official):
    assert official.add_workdays(D("2026-12-23"), 7) == (D("2027-01-04"), True)
    assert not official.is_workday(D("2027-02-10")) and official.is_workday(D("2027-02-11"))


def test_notice_parsing_and_errors():
    assert parse_notice_days("01-01..01-03, 2027-02-05至02-08", 2027, "放假安排") == [
        *map(D, ["2027-01-01", "2027-01-02", "2027-01-03"]),
        *map(D, ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]),
    ]
    with pytest.raises(NoticeError, match="不在 2027 年内"):
        parse_notice_days("2026-12-31", 2027, "放假安排")
    with pytest.raises(NoticeError, match="不是日期"):
        parse_notice_days("1月1日", 2027, "放假安排")
    with pytest.raises(NoticeError, match="不是周六或周日"):
        notice_calendar_yaml(2027, [D("2027-01-01")], [D("2027-01-04")])
    with pytest.raises(NoticeError, match="没有录入放假日期"):
        notice_calendar_yaml(2027, [], [])


def _gongshi(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gongshi", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_add_notice_reproduces_2026(tmp_path):
    """Typing the 2026 notice gives the committed file's days; the deadline is then final."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REGISTRY, root)
    shutil.rmtree(root / "data" / "calendar")
    shutil.copytree(REPO / "data" / "calendar", root / "data" / "calendar")
    (root / "data/calendar/2026.yaml").unlink()
    # By rule 春节 2026 is 02-16..19 and no Saturday is worked: 02-11..13, 20, 23..25.
    assert _gongshi(root, "deadline", "2026-02-10").stdout == "2026-02-25 暂定\n"
    holidays = ["01-01..01-03", "02-15..02-23", "04-04..04-06", "05-01..05-05", "06-19..06-21"]
    holidays += ["09-25..09-27", "10-01..10-07"]
    args = [a for h in holidays for a in ("--holiday", h)]
    args += [a for w in ("01-04", "02-14", "02-28", "05-09", "09-20", "10-10") for a in ("--workday", w)]
    res = _gongshi(root, "calendar", "add-notice", "2026", *args, "--source", "国务院办公厅通知：2026年")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "data/calendar/2026.yaml\n"
    new = Calendar.load(root)
    assert (new.holidays, new.workdays) == (
        Calendar.load(REPO).holidays - {d for d in Calendar.load(REPO).holidays if d.year == 2027},
        Calendar.load(REPO).workdays,
    )
    assert _gongshi(root, "validate").returncode == 0
    # The notice: 02-15..23 off, Sat 02-14 worked: 02-11..14, 24..26.
    assert _gongshi(root, "deadline", "2026-02-10").stdout == "2026-02-26\n"
    again = _gongshi(root, "calendar", "add-notice", "2026", "--holiday", "01-01")
    assert again.returncode == 2 and "已存在" in again.stderr and "Traceback" not in again.stderr


def test_cli_add_notice_asks(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REGISTRY, root)
    res = _gongshi(
        root, "calendar", "add-notice", "2027", stdin="01-01..01-03\n\n02-20\n\n国办发明电〔2026〕1号\n"
    )
    assert res.returncode == 0, res.stderr + res.stdout
    text = (root / "data/calendar/2027.yaml").read_text(encoding="utf-8")
    assert "- 2027-01-01" in text and "- 2027-02-20" in text and "国办发明电〔2026〕1号" in text
    assert "2027-01-02" not in text  # a Saturday: only weekdays off are listed

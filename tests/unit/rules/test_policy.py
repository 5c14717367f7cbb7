"""Disclosure regimes: worked examples, one row per (record, as-of date).

Every expected date below was derived by hand from the rules in plugins/gongshi/rules/policy.py and the
calendar in data/calendar/ (comments show the arithmetic); none is computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from gongshi.core.records import CatalogItem, Record
from gongshi.core.timeline import EXPIRED, LISTED, PENDING, QUERY, REPAIRED, WITHDRAWN, WITHHELD
from gongshi.history.log import Publication
from gongshi.repo.yamlload import load_yaml_file
from gongshi.rules.policy import (
    NATIONAL,
    Policy,
    PolicyError,
    effective_severity,
    evaluate,
    evaluate_detailed,
    period_last_day,
)
from gongshi.rules.workdays import Calendar
from hypothesis import given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[3]
D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return Calendar.load(REPO)


def _policy_data() -> dict:
    loaded = load_yaml_file(REPO / "data" / "policy.yaml", "data/policy.yaml")
    assert loaded.ok
    return loaded.data  # every scalar a string: from_data must cope


# The tables below were written for the inclusive reading of periods (the start day counted); they
# keep checking it. The Civil Code's convention, the default, is in test_periods.py.
@pytest.fixture(scope="module")
def zhonglou() -> Policy:
    return Policy.from_data({**_policy_data(), "period_convention": "inclusive"})


@pytest.fixture(scope="module")
def national() -> Policy:
    return Policy.from_data({**_policy_data(), "regime": NATIONAL, "period_convention": "inclusive"})


ITEMS = {
    "general": CatalogItem(
        "scjg-cf-001", "scjg", "penalty", "经营超过保质期食品的处罚", severity="一般", domain="食品安全"
    ),
    "minor": CatalogItem("scjg-cf-002", "scjg", "penalty", "未按规定公示营业执照的处罚", severity="轻微"),
    "safety": CatalogItem(
        "yjj-cf-001", "yjj", "penalty", "安全生产违法行为的处罚", severity="一般", domain="安全生产"
    ),
    "none": CatalogItem("zhzf-cf-001", "zhzf", "penalty", "违法搭建的处罚"),
    "licence": CatalogItem("scjg-xk-001", "scjg", "licence", "食品经营许可", domain="食品安全"),
}


def record(kind: str = "penalty", rid: str = "r", **fields) -> Record:
    data = {"kind": kind, "decision_date": "2026-03-05", "item": "x"}
    if kind == "penalty":
        data["categories"] = ["罚款"]
    for k, v in fields.items():
        data[k] = v
    year = data["decision_date"][:4]
    folder = "licences" if kind == "licence" else "penalties"
    return Record(rid, f"data/records/scjg/{folder}/{year}/{rid}.yaml", "scjg", kind, year, data)


def pub(d: str | None) -> Publication | None:
    return None if d is None else Publication(D(d), "a" * 40, False)


@dataclass
class Case:
    name: str
    rec: Record
    item: str | None
    published: str | None
    deadline: str
    on_time: bool | None
    delay: int
    list_until: str | None
    disclosure_until: str | None
    regime: str
    states: list[tuple[str, str]]  # (as-of, state)


def _check(case: Case, policy: Policy, cal: Calendar) -> None:
    item = ITEMS.get(case.item) if case.item else None
    for as_of, state in case.states:
        t, _ = evaluate(case.rec, D(as_of), pub(case.published), cal, policy, item)
        assert t.deadline == D(case.deadline), case.name
        assert t.state == state, (case.name, as_of, t.rule)
        assert t.regime == case.regime, case.name
        assert t.rule.endswith("。") and "状态" in t.rule
        published_as_of = case.published is not None and D(case.published) <= D(as_of)
        if published_as_of and state != WITHHELD:
            assert (t.on_time, t.delay_workdays) == (case.on_time, case.delay), case.name
        else:
            assert t.on_time is None
    # The window as of the last date (every status change in force by then).
    exp_list = D(case.list_until) if case.list_until else None
    exp_until = D(case.disclosure_until) if case.disclosure_until else None
    assert (t.list_until, t.disclosure_until) == (exp_list, exp_until), case.name


ZHONGLOU_CASES = [
    Case(
        # Decided Fri 2025-09-26; 7th working day 2025-10-13 (National Day, make-up 09-28, 10-11).
        # Published 10-10 → listed 10-10..10-19; valid_to 2030-09-25 is the last findable day.
        "licence with validity",
        record("licence", decision_date="2025-09-26", valid_to="2030-09-25"),
        "licence",
        "2025-10-10",
        "2025-10-13",
        True,
        0,
        "2025-10-19",
        "2030-09-25",
        "zhonglou-2016",
        [
            ("2025-10-09", PENDING),
            ("2025-10-10", LISTED),
            ("2025-10-19", LISTED),
            ("2025-10-20", QUERY),
            ("2030-09-25", QUERY),
            ("2030-09-26", EXPIRED),
        ],
    ),
    Case(
        # Thu 2026-03-05 → 03-06 (1), 03-09..13 (2-6), 03-16 (7). Published Fri 03-20: late by
        # 03-17, 18, 19, 20 = 4 working days. No validity → 7 years: last day 2033-03-04.
        "penalty without validity, late",
        record(decision_date="2026-03-05"),
        "general",
        "2026-03-20",
        "2026-03-16",
        False,
        4,
        "2026-03-29",
        "2033-03-04",
        "zhonglou-2016",
        [
            ("2026-03-19", PENDING),
            ("2026-03-29", LISTED),
            ("2026-03-30", QUERY),
            ("2033-03-04", QUERY),
            ("2033-03-05", EXPIRED),
        ],
    ),
    Case(
        # Leap day: 7 years from 2024-02-29 runs to the end of February 2031 (no 02-29 that year).
        # Deadline: 03-01 (1), 03-04..08 (2-6), 03-11 (7).
        "leap-day decision",
        record(decision_date="2024-02-29"),
        "general",
        "2024-03-01",
        "2024-03-11",
        True,
        0,
        "2024-03-10",
        "2031-02-28",
        "zhonglou-2016",
        [("2024-03-10", LISTED), ("2024-03-11", QUERY), ("2031-02-28", QUERY), ("2031-03-01", EXPIRED)],
    ),
    Case(
        # valid_to ends during the rolling list: the list still runs its 10 days (03-03..03-12).
        "licence expiring during the list",
        record("licence", decision_date="2026-03-02", valid_to="2026-03-05"),
        "licence",
        "2026-03-03",
        "2026-03-11",
        True,
        0,
        "2026-03-12",
        "2026-03-12",
        "zhonglou-2016",
        [("2026-03-12", LISTED), ("2026-03-13", EXPIRED)],
    ),
    Case(
        # Penalty valid_until is its query period under zhonglou-2016.
        "penalty with valid_until",
        record(decision_date="2026-03-05", valid_until="2026-09-04"),
        "general",
        "2026-03-06",
        "2026-03-16",
        True,
        0,
        "2026-03-15",
        "2026-09-04",
        "zhonglou-2016",
        [("2026-03-15", LISTED), ("2026-03-16", QUERY), ("2026-09-04", QUERY), ("2026-09-05", EXPIRED)],
    ),
    Case(
        # Decided before the platform start 2016-08-20: back-filled, due on 08-20 (补录 deadline);
        # published 09-01 → late by the working days after it (08-22..26, 29..31, 09-01).
        "back-filled",
        record(decision_date="2016-05-10"),
        "general",
        "2016-09-01",
        "2016-08-20",
        False,
        9,
        "2016-09-10",
        "2023-05-09",
        "zhonglou-2016",
        [("2016-09-01", LISTED), ("2023-05-09", QUERY), ("2023-05-10", EXPIRED)],
    ),
    Case(
        # disclosure.until overrides the 7 years.
        "disclosure.until override",
        record(decision_date="2026-03-05", disclosure={"until": "2026-12-31"}),
        "general",
        "2026-03-06",
        "2026-03-16",
        True,
        0,
        "2026-03-15",
        "2026-12-31",
        "zhonglou-2016",
        [("2026-12-31", QUERY), ("2027-01-01", EXPIRED)],
    ),
    Case(
        # Revoked 2026-02-10: findable up to 02-09, a withdrawal notice from 02-10 on.
        # Mon 2026-01-05 → 06,07,08,09,12,13,14.
        "revoked",
        record(decision_date="2026-01-05", status="撤销", status_date="2026-02-10", status_reason="复议撤销"),
        "general",
        "2026-01-07",
        "2026-01-14",
        True,
        0,
        "2026-01-16",
        "2026-02-09",
        "zhonglou-2016",
        [("2026-01-16", LISTED), ("2026-02-09", QUERY), ("2026-02-10", WITHDRAWN), ("2030-01-01", WITHDRAWN)],
    ),
    Case(
        # Changed before it was even published: withdrawn, not pending.
        # Changed before its first publication: no list period, straight to a withdrawal notice on
        # the day it reached the site (before that nothing was shown).
        "changed before publication",
        record(decision_date="2026-01-05", status="变更", status_date="2026-01-06", status_reason="更正"),
        "general",
        "2026-01-07",
        "2026-01-14",
        True,
        0,
        None,
        None,
        "zhonglou-2016",
        [("2026-01-05", PENDING), ("2026-01-06", PENDING), ("2026-01-07", WITHDRAWN)],
    ),
    Case(
        # 信用修复 under zhonglou-2016 (no minimum period): not findable from the repair date.
        "repaired, local regime",
        record(decision_date="2026-01-05", status="已修复", status_date="2026-06-01", status_reason="已整改"),
        "general",
        "2026-01-07",
        "2026-01-14",
        True,
        0,
        "2026-01-16",
        "2026-05-31",
        "zhonglou-2016",
        [("2026-05-31", QUERY), ("2026-06-01", REPAIRED)],
    ),
    Case(
        "withheld by the record (privacy)",
        record(decision_date="2026-03-05", disclosure={"public": False, "reason": "个人隐私"}),
        "general",
        "2026-03-06",
        "2026-03-16",
        None,
        0,
        None,
        None,
        "zhonglou-2016",
        [("2026-03-06", WITHHELD), ("2026-03-10", WITHHELD)],
    ),
    Case(
        "简易程序",
        record(decision_date="2026-03-05", procedure="简易程序", categories=["警告"]),
        "minor",
        "2026-03-06",
        "2026-03-16",
        None,
        0,
        None,
        None,
        "zhonglou-2016",
        [("2026-03-06", WITHHELD)],
    ),
    Case(
        # Decided but never committed (publication None): pending, whatever the date.
        "not published",
        record(decision_date="2026-03-05"),
        "general",
        None,
        "2026-03-16",
        None,
        0,
        None,
        "2033-03-04",
        "zhonglou-2016",
        [("2026-03-10", PENDING), ("2040-01-01", PENDING)],
    ),
]

NATIONAL_CASES = [
    Case(
        # 527号, 一般 from the catalog item: max 12 months from Mon 2020-06-15 → last day 2021-06-14.
        # Deadline: 16,17,18,19,22,23,24.
        "527 general",
        record(decision_date="2020-06-15", categories=["警告", "罚款"]),
        "general",
        "2020-06-17",
        "2020-06-24",
        True,
        0,
        "2020-06-26",
        "2021-06-14",
        "ndrc-2019-527",
        [("2020-06-26", LISTED), ("2020-06-27", QUERY), ("2021-06-14", QUERY), ("2021-06-15", EXPIRED)],
    ),
    Case(
        # 527号, record says 一般 but 吊销许可证件 raises it to 严重: 36 months from 2021-08-31 →
        # last day 2024-08-30. Tue 08-31 → 09-01,02,03,06,07,08,09.
        "527 serious via category",
        record(decision_date="2021-08-31", severity="一般", categories=["罚款", "吊销许可证件"]),
        "general",
        "2021-09-01",
        "2021-09-09",
        True,
        0,
        "2021-09-10",
        "2024-08-30",
        "ndrc-2019-527",
        [("2024-08-30", QUERY), ("2024-08-31", EXPIRED)],
    ),
    Case(
        # 527号 has no minor tier: 轻微 is published 12 months; 2023-04-30 is its last day in force.
        # Sun 2023-04-30 → 05-04 (05-01..03 off), 05-05, 05-06 (Sat, worked), 05-08, 09, 10, 11.
        "527 minor, last day in force",
        record(decision_date="2023-04-30", severity="轻微", categories=["警告"]),
        "minor",
        "2023-05-04",
        "2023-05-11",
        True,
        0,
        "2023-05-13",
        "2024-04-29",
        "ndrc-2019-527",
        [("2024-04-29", QUERY), ("2024-04-30", EXPIRED)],
    ),
    Case(
        # 令第58号 from 2023-05-01: 36 months for every severity → last day 2026-04-30.
        # Mon 2023-05-01 (off) → 05-04, 05, 06 (Sat), 08, 09, 10, 11.
        "58 minor, first day in force",
        record(decision_date="2023-05-01", severity="轻微", categories=["警告"]),
        "minor",
        "2023-05-05",
        "2023-05-11",
        True,
        0,
        "2023-05-14",
        "2026-04-30",
        "ndrc-2023-58",
        [("2026-04-30", QUERY), ("2026-05-01", EXPIRED)],
    ),
    Case(
        # 令第58号, 安全生产 domain: minimum 12 months (→ 2025-05-19). Repaired 2024-09-01, before
        # the minimum ends: published until 2025-05-19, state repaired from 05-20 on. Before
        # the repair date the full 36 months apply (→ 2027-05-19).
        # Mon 2024-05-20 → 21,22,23,24,27,28,29.
        "58 safety domain repaired early",
        record(
            decision_date="2024-05-20", status="已修复", status_date="2024-09-01", status_reason="信用修复"
        ),
        "safety",
        "2024-05-21",
        "2024-05-29",
        True,
        0,
        "2024-05-30",
        "2025-05-19",
        "ndrc-2023-58",
        [("2024-06-01", QUERY), ("2025-05-19", QUERY), ("2025-05-20", REPAIRED)],
    ),
    Case(
        # The day before 令2025年第36号: a 轻微 penalty is still published (58号, 36 months).
        # Tue 2026-03-31 → 04-01, 02, 03, 07 (04-06 off), 08, 09, 10.
        "58 minor, last day before 2026",
        record(decision_date="2026-03-31", severity="轻微", categories=["警告"]),
        "minor",
        "2026-04-01",
        "2026-04-10",
        True,
        0,
        "2026-04-10",
        "2029-03-30",
        "ndrc-2023-58",
        [("2026-04-10", LISTED), ("2029-03-30", QUERY), ("2029-03-31", EXPIRED)],
    ),
    Case(
        # 令2025年第36号: 轻微 (from the catalog item) is not published at all.
        "2026 minor withheld",
        record(decision_date="2026-04-01", categories=["警告"]),
        "minor",
        "2026-04-02",
        "2026-04-13",  # Wed 04-01 → 02, 03, 07, 08, 09, 10, 13
        None,
        0,
        None,
        None,
        "ndrc-2025-36",
        [("2026-04-02", WITHHELD), ("2026-04-20", WITHHELD)],
    ),
    Case(
        # 令2025年第36号, 严重 via 限制从业 (catalog says 一般): min 12 months → 2027-04-14,
        # max 36 → 2029-04-14. Repaired 2027-06-01 (after the minimum): last day 2027-05-31.
        # As of 2027-05-01 the repair has not happened yet: still query, window to 2029-04-14.
        # Wed 2026-04-15 → 16, 17, 20, 21, 22, 23, 24.
        "2026 serious repaired after minimum",
        record(
            decision_date="2026-04-15",
            categories=["罚款", "限制从业"],
            status="已修复",
            status_date="2027-06-01",
            status_reason="信用修复",
        ),
        "general",
        "2026-04-16",
        "2026-04-24",
        True,
        0,
        "2026-04-25",
        "2027-05-31",
        "ndrc-2025-36",
        [("2027-05-01", QUERY), ("2027-05-31", QUERY), ("2027-06-01", REPAIRED)],
    ),
    Case(
        # 令2025年第36号, no severity anywhere → default 一般: 12 months from Fri 2026-05-08 →
        # last day 2027-05-07. Deadline 05-09 (Sat, worked), 11, 12, 13, 14, 15, 18. Published
        # Wed 05-20: 19, 20 → 2 working days late.
        "2026 default severity, late",
        record(decision_date="2026-05-08"),
        "none",
        "2026-05-20",
        "2026-05-18",
        False,
        2,
        "2026-05-29",
        "2027-05-07",
        "ndrc-2025-36",
        [("2026-05-29", LISTED), ("2026-05-30", QUERY), ("2027-05-07", QUERY), ("2027-05-08", EXPIRED)],
    ),
    Case(
        # Month-end: 3 months from 2025-11-30 → no 02-30 in 2026 → last day of February.
        # Penalty with minimum 3 / maximum 36 under 58号, and disclosure.until overriding the max.
        "58 override",
        record(decision_date="2025-11-30", disclosure={"until": "2026-02-28"}),
        "general",
        "2025-12-01",
        "2025-12-09",  # Sun 11-30 → 12-01..05, 08, 09
        True,
        0,
        "2025-12-10",
        "2026-02-28",
        "ndrc-2023-58",
        [("2026-02-28", QUERY), ("2026-03-01", EXPIRED)],
    ),
    Case(
        # Licences follow the local rule under the national family.
        "national family, licence",
        record("licence", decision_date="2026-04-15", valid_to="2028-04-14"),
        "licence",
        "2026-04-16",
        "2026-04-24",
        True,
        0,
        "2026-04-25",
        "2028-04-14",
        "zhonglou-2016",
        [("2028-04-14", QUERY), ("2028-04-15", EXPIRED)],
    ),
    Case(
        # Decided before 527号 took effect: local rule, 7 years → 2026-06-29.
        # Sun 2019-06-30 → 07-01..05, 08, 09.
        "national family, before 2019-07-01",
        record(decision_date="2019-06-30"),
        "general",
        "2019-07-01",
        "2019-07-09",
        True,
        0,
        "2019-07-10",
        "2026-06-29",
        "zhonglou-2016",
        [("2026-06-29", QUERY), ("2026-06-30", EXPIRED)],
    ),
]


@pytest.mark.parametrize("case", ZHONGLOU_CASES, ids=lambda c: c.name)
def test_zhonglou_regime(case, zhonglou, cal):
    _check(case, zhonglou, cal)


@pytest.mark.parametrize("case", NATIONAL_CASES, ids=lambda c: c.name)
def test_national_regimes(case, national, cal):
    _check(case, national, cal)


def test_national_cases_under_local_policy_use_local_rule(zhonglou, cal):
    # The same 2026 minor penalty is published under zhonglou-2016 (7 years).
    rec = record(decision_date="2026-04-01", categories=["警告"])
    t, _ = evaluate(rec, D("2026-04-02"), pub("2026-04-02"), cal, zhonglou, ITEMS["minor"])
    assert (t.state, t.regime, t.disclosure_until) == (LISTED, "zhonglou-2016", D("2033-03-31"))


@pytest.mark.parametrize(
    ("start", "years", "months", "civil", "inclusive"),
    [
        # 民法典 第二百零一条、第二百零二条: the start day not counted, ends on the corresponding day.
        ("2017-01-20", 7, 0, "2024-01-20", "2024-01-19"),  # the example
        ("2026-03-05", 7, 0, "2033-03-05", "2033-03-04"),
        ("2020-02-29", 7, 0, "2027-02-28", "2027-02-28"),  # no 02-29 in 2027: end of February
        ("2020-02-29", 4, 0, "2024-02-29", "2024-02-28"),
        ("2025-11-30", 0, 3, "2026-02-28", "2026-02-28"),
        ("2025-01-31", 0, 1, "2025-02-28", "2025-02-28"),
        ("2024-01-31", 0, 1, "2024-02-29", "2024-02-29"),
        ("2026-01-01", 0, 12, "2027-01-01", "2026-12-31"),
        ("2025-12-15", 0, 1, "2026-01-15", "2026-01-14"),  # year end
    ],
)
def test_period_last_day(start, years, months, civil, inclusive):
    assert period_last_day(D(start), years=years, months=months) == D(civil)
    got = period_last_day(D(start), years=years, months=months, convention="inclusive")
    assert got == D(inclusive)


def test_withheld_minor_reason_and_rule(national, cal):
    rec = record(decision_date="2026-04-01", categories=["警告"])
    t, _, details = evaluate_detailed(rec, D("2026-04-02"), pub("2026-04-02"), cal, national, ITEMS["minor"])
    assert details.withheld_reason == t.withheld_reason == "轻微失信信息（原则上不予公示）"
    assert "不予公示" in t.rule and "令2025年第36号" in t.rule
    assert t.on_time is None and t.list_until is None


def test_effective_severity(national):
    r = record(severity="轻微", categories=["警告", "吊销许可证件"])
    assert effective_severity(r, ITEMS["minor"], national)[0] == "严重"
    assert effective_severity(record(categories=["警告"]), ITEMS["minor"], national) == (
        "轻微",
        "目录事项 scjg-cf-002 的默认严重程度",
    )
    assert effective_severity(record(categories=["警告"]), None, national)[0] == "一般"
    assert effective_severity(record(severity="严重"), ITEMS["minor"], national)[0] == "严重"


def test_preview_uses_as_of(zhonglou, cal):
    rec = record(decision_date="2026-03-05")
    preview = Publication(D("2026-03-01"), None, True)  # the date a preview carries is ignored
    t, _ = evaluate(rec, D("2026-03-20"), preview, cal, zhonglou, ITEMS["general"])
    assert (t.published_at, t.preview, t.state, t.list_until) == (
        D("2026-03-20"),
        True,
        LISTED,
        D("2026-03-29"),
    )
    assert (t.on_time, t.delay_workdays) == (False, 4)


def test_provisional_deadline_warns_never_blocks(zhonglou, cal):
    rec = record(decision_date="2026-12-28")
    t, problems = evaluate(rec, D("2026-12-30"), pub("2026-12-30"), cal, zhonglou, ITEMS["general"])
    # 2027-01-01 (元旦) is a statutory holiday by rule: 12-29, 30, 31, 01-04, 05, 06, 07.
    assert (t.deadline, t.deadline_provisional, t.state, t.on_time) == (D("2027-01-07"), True, LISTED, True)
    assert t.provisional
    assert [p.code for p in problems] == ["calendar.missing_year"]
    assert problems[0].severity == "warning" and "data/calendar/2027.yaml" in problems[0].message
    assert problems[0].file == rec.path
    # Published late in 2027: the delay is provisional too, warned once.
    t, problems = evaluate(rec, D("2027-01-20"), pub("2027-01-11"), cal, zhonglou, ITEMS["general"])
    assert (t.on_time, t.delay_workdays, t.provisional) == (False, 2, True)  # 01-08, 01-11
    assert len(problems) == 1


def test_no_warning_with_full_calendar(zhonglou, cal):
    _, problems = evaluate(record(), D("2026-03-20"), pub("2026-03-06"), cal, zhonglou, ITEMS["general"])
    assert problems == []


def test_policy_from_data_defaults_and_errors():
    p = Policy.from_data({})
    assert (p.regime, p.deadline_workdays, p.list_days, p.default_query_years) == ("zhonglou-2016", 7, 10, 7)
    assert p.platform_start == D("2016-08-20")
    with pytest.raises(PolicyError, match="regime"):
        Policy.from_data({"regime": "zhejiang"})
    with pytest.raises(PolicyError, match="list_days"):
        Policy.from_data({"list_days": "zero"})
    with pytest.raises(PolicyError, match=r"national\.regimes"):
        Policy.from_data({"regime": "national"})
    bad = _policy_data()
    bad["national"]["regimes"][0]["periods"]["一般"] = {"min_months": "12", "max_months": "3"}
    with pytest.raises(PolicyError, match="max_months"):
        Policy.from_data(bad)


def test_policy_typed_values_equal_string_values():
    data = _policy_data()
    typed = {
        **data,
        "deadline_workdays": 7,
        "records_since": date(2016, 1, 1),
        "platform_start": date(2016, 8, 20),
        "regime": NATIONAL,
    }
    assert Policy.from_data(typed) == Policy.from_data({**data, "regime": NATIONAL})


def test_regime_choice_by_decision_date(national):
    keys = {
        d: (r.key if (r := national.national_regime_for(D(d))) else None)
        for d in (
            "2019-06-30",
            "2019-07-01",
            "2023-04-30",
            "2023-05-01",
            "2026-03-31",
            "2026-04-01",
            "2040-01-01",
        )
    }
    assert keys == {
        "2019-06-30": None,
        "2019-07-01": "ndrc-2019-527",
        "2023-04-30": "ndrc-2019-527",
        "2023-05-01": "ndrc-2023-58",
        "2026-03-31": "ndrc-2023-58",
        "2026-04-01": "ndrc-2025-36",
        "2040-01-01": "ndrc-2025-36",
    }


ORDER = {PENDING: 0, LISTED: 1, QUERY: 2, EXPIRED: 3}


@settings(max_examples=60, deadline=None)
@given(
    decision=st.dates(date(2016, 1, 1), date(2026, 12, 31)),
    pub_lag=st.integers(0, 40),
    valid_days=st.one_of(st.none(), st.integers(0, 4000)),
    national_family=st.booleans(),
)
def test_state_is_a_function_of_the_date_and_moves_forward(decision, pub_lag, valid_days, national_family):
    cal = Calendar.load(REPO)
    policy = Policy.from_data({**_policy_data(), "regime": NATIONAL if national_family else "zhonglou-2016"})
    fields = {"decision_date": decision.isoformat()}
    if valid_days is not None:
        fields["valid_until"] = (decision + timedelta(days=valid_days)).isoformat()
    rec = record(**fields)
    published = decision + timedelta(days=pub_lag)
    p = Publication(published, "b" * 40, False)
    first, _ = evaluate(rec, published, p, cal, policy, ITEMS["general"])
    assert first.state in (LISTED, EXPIRED)
    probes = sorted(
        {
            published - timedelta(days=1),
            published,
            first.list_until,
            first.list_until + timedelta(days=1),
            first.disclosure_until,
            first.disclosure_until + timedelta(days=1),
        }
    )
    last_rank = -1
    for day in probes:
        t1, _ = evaluate(rec, day, p, cal, policy, ITEMS["general"])
        t2, _ = evaluate(rec, day, p, cal, policy, ITEMS["general"])
        assert t1 == t2  # reproducible
        assert ORDER[t1.state] >= last_rank
        last_rank = ORDER[t1.state]
        expected = (
            PENDING
            if day < published
            else LISTED
            if day <= t1.list_until
            else QUERY
            if day <= t1.disclosure_until
            else EXPIRED
        )
        assert t1.state == expected
        assert t1.list_until <= t1.disclosure_until or t1.list_until == first.list_until


# Issue 16 §10: national regimes in detail (Civil Code periods, the default convention). ---------


@pytest.fixture(scope="module")
def national_civil() -> Policy:
    data = _policy_data()
    nat = {
        **data["national"],
        "minor_opt_in": {"食品安全": "3"},
        "market_supervision": {
            "in_force_from": "2021-09-01",
            "departments": ["scjg"],
            "low_fine_max_yuan": "10000",
        },
    }
    return Policy.from_data({**data, "regime": NATIONAL, "national": nat})


SPECIAL = CatalogItem(
    "zhzf-cf-009", "zhzf", "penalty", "特种设备使用的处罚", severity="一般", domain="特种设备"
)


def zhzf(**fields) -> Record:
    rec = record(**fields)
    rec.data["authority"] = "zhzf"
    return rec


@pytest.mark.parametrize(
    ("name", "rec", "item", "until", "min_until", "regime"),
    [
        # 令第58号: 特种设备 keeps its one-year minimum now that the domain keys agree.
        (
            "58 special equipment",
            zhzf(decision_date="2025-03-05"),
            SPECIAL,
            "2028-03-05",
            "2026-03-05",
            "ndrc-2023-58",
        ),
        # 限制从业 for 5 years outlasts the 3-year maximum: published for the actual period.
        (
            "restriction longer than max",
            zhzf(decision_date="2026-05-06", categories=["限制从业"], valid_until="2031-05-06"),
            ITEMS["none"],
            "2031-05-06",
            "2027-05-06",
            "ndrc-2025-36",
        ),
        # 轻微 under 令2025年第36号, domain 食品安全 opted in: at most 3 months.
        (
            "minor opted in",
            zhzf(decision_date="2026-05-06", categories=["警告"]),
            ITEMS["general"].__class__(
                "scjg-cf-002", "scjg", "penalty", "x", severity="轻微", domain="食品安全"
            ),
            "2026-08-06",
            "2026-05-06",
            "ndrc-2025-36",
        ),
        # Market supervision (scjg): a low fine → 3 months from publication (05-08), others 3 years.
        (
            "samr low fine",
            record(decision_date="2026-05-06", fine_yuan=5000),
            ITEMS["general"],
            "2026-08-08",
            None,
            "samr",
        ),
        (
            "samr other",
            record(decision_date="2026-05-06", categories=["吊销许可证件"]),
            ITEMS["general"],
            "2029-05-08",
            None,
            "samr",
        ),
    ],
)
def test_national_details(national_civil, cal, name, rec, item, until, min_until, regime):
    t, _, details = evaluate_detailed(rec, D("2026-05-20"), pub("2026-05-08"), cal, national_civil, item)
    assert (t.regime, t.disclosure_until) == (regime, D(until)), (name, t.rule)
    assert details.min_period_until == (D(min_until) if min_until else None), name
    assert t.state != WITHHELD


def test_minor_not_opted_in_is_withheld_with_one_label(national_civil, cal):
    rec = zhzf(decision_date="2026-05-06", categories=["警告"])
    t, _, d = evaluate_detailed(rec, D("2026-05-20"), pub("2026-05-08"), cal, national_civil, ITEMS["minor"])
    assert t.state == WITHHELD and t.withheld_reason == d.withheld_reason == "轻微失信信息（原则上不予公示）"


def test_repair_respects_national_minimum_under_zhonglou(cal):
    """信用修复 under the default regime: not before the minimum period of the regime in force at
    the decision (令2025年第36号, 一般: 3 months from 2026-05-06 → 2026-08-06)."""
    policy = Policy.from_data(_policy_data())
    rec = zhzf(decision_date="2026-05-06", status="已修复", status_date="2026-06-01", status_reason="已整改")
    t, _ = evaluate(rec, D("2026-07-01"), pub("2026-05-08"), cal, policy, ITEMS["general"])
    assert (t.regime, t.disclosure_until, t.state) == ("zhonglou-2016", D("2026-08-06"), QUERY)
    t, _ = evaluate(rec, D("2026-08-07"), pub("2026-05-08"), cal, policy, ITEMS["general"])
    assert t.state == REPAIRED


def test_opt_in_longer_than_the_cap_is_refused():
    data = _policy_data()
    nat = {**data["national"], "minor_opt_in": {"食品安全": "6"}}
    with pytest.raises(PolicyError, match="超过轻微失信信息最长公示期"):
        Policy.from_data({**data, "regime": NATIONAL, "national": nat})
    with pytest.raises(PolicyError, match="period_convention"):
        Policy.from_data({**data, "period_convention": "common-law"})

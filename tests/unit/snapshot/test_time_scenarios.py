"""Issue 16 time rules on real repositories with dated ``--no-ff`` merges: the Civil Code's periods
(the rolling list and the query period, boundary day and day after), 补录 due on platform_start,
withdrawal timeliness and a decision revoked before its first publication."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from gongshi.snapshot.explain import explain_record
from gongshi.snapshot.load import load

from tests.support.gitrepo import GitRepo

REPO = Path(__file__).resolve().parents[3]
FIXTURE_REGISTRY = REPO / "tests" / "fixtures" / "registry"
FINE = (REPO / "tests" / "corpus" / "valid" / "penalty-company-fine.yaml").read_text(encoding="utf-8")
D = date.fromisoformat


def penalty(decided: str, **extra: str) -> tuple[str, str]:
    """A record file (path, text) decided on ``decided`` with extra top-level keys."""
    text = FINE.replace("decision_date: 2026-03-05", f"decision_date: {decided}")
    text += "".join(f"{k}: {v}\n" for k, v in extra.items())
    return f"data/records/scjg/penalties/{decided[:4]}/scjg-cf-{decided[:4]}-0015.yaml", text


def build(tmp_path: Path, merges: list[tuple[str, str]], policy: dict[str, str] | None = None) -> GitRepo:
    """The fixture registry, then each (merge day, text) of the one record merged ``--no-ff`` from a
    branch at 10:00 China time that day."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_REGISTRY, root)
    shutil.rmtree(root / "data" / "calendar")
    shutil.copytree(REPO / "data" / "calendar", root / "data" / "calendar")
    if policy:
        pol = root / "data" / "policy.yaml"
        text = pol.read_text(encoding="utf-8")
        for k, v in policy.items():
            text += f"{k}: {v}\n"
        pol.write_text(text, encoding="utf-8")
    repo = GitRepo.init(root)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "registry", date="2016-01-01T09:00:00+08:00")
    for i, (day, (rel, text)) in enumerate(merges):
        repo.branch(f"b{i}", "main")
        repo.commit("record", f"{day}T09:00:00+08:00", {rel: text})
        repo.checkout("main")
        repo.merge(f"b{i}", f"合并 {i}", f"{day}T10:00:00+08:00")
    return repo


def explain_at(repo: GitRepo, rel: str, as_of: str) -> dict:
    exp = explain_record(repo.path, rel, D(as_of))
    doc = exp.to_json()
    assert exp.ok, doc["problems"]
    return doc


@dataclass
class Scenario:
    name: str
    merges: list[tuple[str, tuple[str, str]]]
    expect: dict[str, object]  # explain keys as of the last as-of date
    states: list[tuple[str, str]] = field(default_factory=list)  # (as-of, state)
    policy: dict[str, str] | None = None


FIRST = penalty("2026-03-05")
REVOKED = penalty("2026-03-05", status="撤销", status_date="2026-03-20", status_reason="复议撤销")
BEFORE = penalty("2026-03-05", status="撤销", status_date="2026-03-09", status_reason="复议撤销")

SCENARIOS = [
    Scenario(
        # Published 03-06: the list runs 10 days after it, through 03-16 (民法典 第二百零一条);
        # 7 years from 2026-03-05 end on 2033-03-05, the corresponding day.
        "civil code list and query period",
        [("2026-03-06", FIRST)],
        {"list_until": "2026-03-16", "disclosure_until": "2033-03-05", "period_convention": "civil-code"},
        [
            ("2026-03-16", "listed"),
            ("2026-03-17", "query"),
            ("2033-03-05", "query"),
            ("2033-03-06", "expired"),
        ],
    ),
    Scenario(
        "inclusive convention kept available",
        [("2026-03-06", FIRST)],
        {"list_until": "2026-03-15", "disclosure_until": "2033-03-04", "period_convention": "inclusive"},
        [
            ("2026-03-15", "listed"),
            ("2026-03-16", "query"),
            ("2033-03-04", "query"),
            ("2033-03-05", "expired"),
        ],
        {"period_convention": "inclusive"},
    ),
    Scenario(
        # 补录: decided 2016-05-10, merged 2016-08-19, before the 补录 deadline 2016-08-20: on time.
        "backfilled by platform_start",
        [("2016-08-19", penalty("2016-05-10"))],
        {"deadline": "2016-08-20", "backfilled": True, "on_time": True, "delay_workdays": 0},
    ),
    Scenario(
        # Merged 2016-10-10: late by the working days after 08-20: 08-22..31 (8), September less
        # 中秋 09-15/16 and with the make-up Sunday 09-18 (21), 10-08 and 10-09 (make-up), 10-10: 32.
        "backfilled late",
        [("2016-10-10", penalty("2016-05-10"))],
        {"deadline": "2016-08-20", "backfilled": True, "on_time": False, "delay_workdays": 32},
    ),
    Scenario(
        # Decided 08-19: its own deadline 08-30 is later than the 补录 deadline and applies.
        "backfilled with a later own deadline",
        [("2016-09-20", penalty("2016-08-19"))],
        {"deadline": "2016-08-30", "backfilled": True, "on_time": False, "delay_workdays": 14},
    ),
    Scenario(
        # Revoked 03-20 (Fri): due 03-25. Merged 04-15: shown until 04-14 (not back-dated to
        # 03-19), late 14 working days (03-26..04-15 less 清明 04-06).
        "withdrawal late",
        [("2026-03-06", FIRST), ("2026-04-15", REVOKED)],
        {
            "withdrawal_due": "2026-03-25",
            "withdrawal_published_at": "2026-04-15",
            "withdrawal_on_time": False,
            "withdrawal_delay_workdays": 14,
            "disclosure_until": "2026-04-14",
            "withdrawn_on": "2026-03-20",
        },
        [("2026-03-20", "query"), ("2026-04-14", "query"), ("2026-04-15", "withdrawn")],
    ),
    Scenario(
        "withdrawal on the due day",
        [("2026-03-06", FIRST), ("2026-03-25", REVOKED)],
        {"withdrawal_due": "2026-03-25", "withdrawal_on_time": True, "withdrawal_delay_workdays": 0},
        [("2026-03-24", "query"), ("2026-03-25", "withdrawn")],
    ),
    Scenario(
        "withdrawal the day after the due day",
        [("2026-03-06", FIRST), ("2026-03-26", REVOKED)],
        {"withdrawal_on_time": False, "withdrawal_delay_workdays": 1, "disclosure_until": "2026-03-25"},
        [("2026-03-25", "query"), ("2026-03-26", "withdrawn")],
    ),
    Scenario(
        # Revoked 03-09 and first merged 03-10 already revoked: no list period, a notice at once;
        # nothing was public, so no withdrawal timeliness.
        "revoked before publication",
        [("2026-03-10", BEFORE)],
        {"list_until": None, "disclosure_until": None, "withdrawal_on_time": None, "state": "withdrawn"},
        [("2026-03-09", "pending"), ("2026-03-10", "withdrawn")],
    ),
]


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda c: c.name)
def test_scenario(tmp_path, case: Scenario):
    repo = build(tmp_path, case.merges, case.policy)
    rel = case.merges[-1][1][0]
    for as_of, state in case.states:
        assert explain_at(repo, rel, as_of)["state"] == state, (case.name, as_of)
    last = case.states[-1][0] if case.states else "2026-11-20"
    doc = explain_at(repo, rel, last)
    assert {k: doc[k] for k in case.expect} == case.expect
    # The keys explain always had are still there.
    for key in ("deadline", "deadline_provisional", "on_time", "backfilled", "delay_workdays"):
        assert key in doc
    for key in ("list_until", "disclosure_until", "state", "provisional", "withdrawal_due"):
        assert key in doc
    assert "民法典" in doc["why"].get("list_until", "民法典") or case.policy


def test_revoked_before_publication_gets_a_notice(tmp_path):
    repo = build(tmp_path, [("2026-03-10", BEFORE)])
    snap = load(repo.path, D("2026-03-11"), cache=False)
    assert [e.id for e in snap.withdrawal_notices()] == ["scjg-cf-2026-0015"]
    assert snap.public() == []


def test_provisional_deadline_of_2027(tmp_path):
    # The case: 2026-12-23 → 2027-01-04 (元旦 2027-01-01 by the statutory rule), 暂定.
    rel, text = penalty("2026-12-23")
    repo = build(tmp_path, [("2026-12-24", (rel, text))])
    doc = explain_at(repo, rel, "2026-12-30")
    assert (doc["deadline"], doc["deadline_provisional"], doc["provisional"]) == ("2027-01-04", True, True)
    assert "暂定" in doc["why"]["on_time"]

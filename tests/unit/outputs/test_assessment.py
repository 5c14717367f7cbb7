"""The assessment measures (方案 §六(四)): completeness over the fields the standard requires of each
record, coverage, accuracy per 100 records, withdrawal timeliness and the monthly bulletin's ranking.
Figures are computed by hand from the table in tests/support/opendata_repo.py (a real Git repository)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core.records import Record
from gongshi.outputs.assessment import (
    MEASURES,
    Accuracy,
    assess,
    bulletin,
    bulletin_month,
    report,
)
from gongshi.outputs.required_fields import missing_fields, required_counts
from gongshi.outputs.stats import compute_stats

from tests.support.opendata_repo import AS_OF, shared_repo, shared_snapshot


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    return shared_snapshot(tmp_path_factory)


@pytest.fixture(scope="module")
def stats(snap):
    return compute_stats(snap)


@pytest.fixture(scope="module")
def measures(snap, stats):
    return assess(snap, stats)


# (record id, fields the standard requires of it, fields it fills). Organisations: name, category,
# 代码_1, 法定代表人; natural persons: name, category, 证件类型, 证件号码 (masked). Licences: six
# decision fields (有效期至 never: blank means 长期). Penalties: six, the decision date, and one
# per category that needs an amount or a licence (罚款 → fine, 没收… → amount, 吊销… → licence).
FIXTURE_RECORDS = [
    ("scjg-xk-2026-0101", 10, 10),  # licence, organisation
    ("wjw-xk-2026-0003", 10, 10),  # licence, 长期: 有效期至 not counted
    ("scjg-cf-2026-0015", 12, 12),  # 警告 + 罚款: the fine is required
    ("scjg-cf-2026-0031", 12, 12),  # natural person: ID type and masked number
    ("scjg-cf-2026-0016", 12, 12),  # natural person, withdrawn since
    ("scjg-cf-2026-0023", 14, 14),  # 罚款, 没收违法所得/非法财物, 吊销许可证件: three more
    ("scjg-cf-2016-0001", 11, 11),  # 警告 only
    ("zhzf-cf-2026-0001", 11, 11),  # withheld (简易程序): counted all the same
]


@pytest.mark.parametrize(("rid", "required", "filled"), FIXTURE_RECORDS)
def test_required_fields_of_the_fixture_records(snap, rid, required, filled):
    record = next(e.record for e in snap.entries if e.record.id == rid)
    assert required_counts(record) == (required, filled)


def _record(kind: str, party: dict, **data) -> Record:
    body = {"kind": kind, "item": "x", "authority": "scjg", "party": party, **data}
    return Record(
        id="t", path="data/records/scjg/t.yaml", dept="scjg", folder_kind=kind, folder_year="2026", data=body
    )


ORG = {
    "name": "常州市某某有限公司",
    "category": "法人及非法人组织",
    "uscc": "91320404MA1XYW01X0",
    "legal_rep": "王某",
}
SHOP = {"name": "某某小吃店", "category": "个体工商户", "uscc": "00000000000000000X", "legal_rep": "李某"}
PENALTY = {
    "doc_no": "钟罚〔2026〕1号",
    "violation_type": "a",
    "facts": "b",
    "basis": "c",
    "content": "d",
    "decision_date": "2026-03-05",
}
LICENCE = {
    "doc_no": "钟许〔2026〕1号",
    "doc_title": "许可决定书",
    "category": "普通",
    "content": "准予",
    "decision_date": "2026-03-05",
    "valid_from": "2026-03-05",
}


@pytest.mark.parametrize(
    ("record", "missing"),
    [
        # A 个体工商户 with the placeholder credit code must give its 工商注册号.
        (_record("penalty", SHOP, categories=["警告"], **PENALTY), ["行政相对人代码_2（工商注册号）"]),
        (
            _record(
                "penalty", {**SHOP, "business_reg_no": "320404600123456"}, categories=["警告"], **PENALTY
            ),
            [],
        ),
        # A suspension lasts a period: 处罚有效期 and the licence concerned are required.
        (
            _record("penalty", ORG, categories=["暂扣许可证件"], **PENALTY),
            ["暂扣或吊销证照名称及编号", "处罚有效期"],
        ),
        # A fine without its amount.
        (_record("penalty", ORG, categories=["罚款"], **PENALTY), ["罚款金额（万元）"]),
        (_record("penalty", ORG, categories=["罚款"], fine_yuan=500, **PENALTY), []),
        # An organisation without its legal representative.
        (_record("licence", {k: v for k, v in ORG.items() if k != "legal_rep"}, **LICENCE), ["法定代表人"]),
        # 长期 (no valid_to) is complete; a missing 有效期自 is not.
        (_record("licence", ORG, **LICENCE), []),
        (_record("licence", ORG, **{k: v for k, v in LICENCE.items() if k != "valid_from"}), ["有效期自"]),
    ],
)
def test_required_fields_by_case(record, missing):
    assert missing_fields(record) == missing
    required, filled = required_counts(record)
    assert required - filled == len(missing)


def test_secret_stub_requires_nothing():
    stub = Record(
        id="s",
        path="data/records/scjg/s.yaml",
        dept="scjg",
        folder_kind="penalty",
        folder_year="2026",
        data={"kind": "penalty", "item": "x", "authority": "scjg", "disclosure": {"reason": "国家秘密"}},
    )
    assert required_counts(stub) == (0, 0)


def test_completeness_in_the_stats(stats):
    t = stats.total
    assert (t.required_applicable, t.required_filled, t.complete_records) == (92, 92, 8)
    assert t.required_share == 1.0
    assert stats.by_dept["wjw"].required_applicable == 10


def test_coverage(measures):
    # As of 2026-10-12: scjg last published 10-06 (6 days), wjw 03-18 and zhzf 03-20 (withheld
    # records were reported too): silent for 30 days or more.
    cov = measures.coverage
    assert (cov["scjg"].last_published, cov["scjg"].days_silent, cov["scjg"].silent) == (
        date(2026, 10, 6),
        6,
        False,
    )
    assert (cov["wjw"].days_silent, cov["wjw"].silent) == (208, True)
    assert [c.key for c in measures.silent_departments] == ["wjw", "zhzf"]
    # scjg-cf-002 is in the catalog and no record uses it; the others have a decision this year.
    assert [(i.code, i.last_decision) for i in measures.idle_items] == [("scjg-cf-002", None)]


def test_accuracy(measures):
    # One correction (scjg's licence) over scjg's 6 records; no validation warning on a record file
    # (the one warning is the missing 2016 calendar, not a record's).
    assert measures.accuracy["scjg"] == Accuracy(6, 1, 0)
    assert measures.accuracy["scjg"].corrections_per_100 == 16.7
    assert measures.accuracy["wjw"].issues_per_100 == 0.0
    assert measures.total_accuracy == Accuracy(8, 1, 0)
    assert Accuracy(0, 0, 0).issues_per_100 is None


def test_withdrawal_timeliness(stats):
    # scjg-cf-2026-0016: 撤销 on 05-10, its file changed on 05-11: within 3 working days.
    f = stats.by_dept["scjg"]
    assert (f.withdrawals_on_time, f.withdrawals_late, f.withdrawal_on_time_rate) == (1, 0, 1.0)
    assert stats.by_dept["wjw"].withdrawal_on_time_rate is None


@pytest.mark.parametrize(
    ("as_of", "month"),
    [(date(2026, 10, 12), "2026-09"), (date(2026, 1, 1), "2025-12"), (date(2026, 3, 31), "2026-02")],
)
def test_bulletin_month_is_the_last_complete_month(as_of, month):
    assert bulletin_month(as_of) == month


@pytest.mark.parametrize(
    ("month", "ranked"),
    [
        # September: only scjg published (scjg-cf-2026-0031, on time).
        ("2026-09", [(1, "scjg"), (None, "wjw"), (None, "zhzf")]),
        # March: wjw 0/1 on time; scjg 3/4 on time (F late); zhzf withheld only (no timed record,
        # rate None): ranked last among those with records.
        ("2026-03", [(1, "scjg"), (2, "wjw"), (3, "zhzf")]),
    ],
)
def test_bulletin_ranking(stats, measures, month, ranked):
    b = bulletin(stats, measures, month)
    assert [(r.rank, r.key) for r in b.rows] == ranked
    assert [c.key for c in b.silent] == ["wjw", "zhzf"]


def test_report_text_and_json(snap, stats):
    text = report(snap, "text", stats)
    for sentence in MEASURES.values():
        assert sentence in text
    assert "完整性 100.0%（92/92）" in text
    doc = json.loads(report(snap, "json", stats))
    assert doc["total"]["required_completeness"]["share"] == 1.0
    assert doc["assessment"]["coverage"]["idle_items"][0]["code"] == "scjg-cf-002"
    assert doc["assessment"]["accuracy"]["departments"]["scjg"]["corrections_per_100"] == 16.7


def test_cli_stats_prints_the_measures(tmp_path_factory, monkeypatch):
    monkeypatch.chdir(shared_repo(tmp_path_factory))
    result = CliRunner().invoke(main, ["stats", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "评估考核指标" in result.output and "30 天以上未公示" in result.output

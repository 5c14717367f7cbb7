"""Effective-dated departments and catalog items, and the transitional party codes, on a real
repository with dated ``--no-ff`` merges (tests/support/effective_repo.py): a 2019-style merger,
a rename with a new credit code, a retired catalog item."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.check.record_rules import check_record_bytes
from gongshi.check.run import validate_repository
from gongshi.outputs.exports import record_row
from gongshi.repo.files import load_registry
from gongshi.snapshot.load import load

from tests.support.effective_repo import (
    DEPARTMENTS_2019,
    GSJ_NAME,
    NEW_NAME,
    NEW_USCC,
    OLD_NAME,
    OLD_USCC,
    RECORDS,
    SCJG_NAME,
    build_effective_repo,
)

AS_OF = date(2021, 3, 10)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return build_effective_repo(tmp_path_factory.mktemp("effective") / "repo").path


@pytest.mark.parametrize(
    ("record_id", "name", "uscc", "party_column", "code"),
    [
        (
            "gsj-xk-2017-0001",
            GSJ_NAME,
            "11320404014123458X",
            "行政相对人代码_2（工商注册号）",
            "320404000012344",
        ),
        (
            "spj-cf-2017-0001",
            "钟楼区测试食品药品监督管理局",
            "11320404014123466Q",
            "行政相对人代码_3（组织机构代码）",
            "137600488",
        ),
        (
            "sthj-cf-2018-0001",
            OLD_NAME,
            OLD_USCC,
            "行政相对人代码_1（统一社会信用代码）",
            "91320404MA1XYW01X0",
        ),
        (
            "scjg-cf-2019-0001",
            SCJG_NAME,
            "11320404014123474K",
            "行政相对人代码_1（统一社会信用代码）",
            "91320404MA1XYW01X0",
        ),
        (
            "sthj-cf-2021-0001",
            NEW_NAME,
            NEW_USCC,
            "行政相对人代码_1（统一社会信用代码）",
            "91320404MA1XYW01X0",
        ),
    ],
)
def test_a_record_keeps_the_names_in_force_on_its_decision_date(
    repo, record_id, name, uscc, party_column, code
):
    snap = load(repo, AS_OF, cache=False)
    entry = next(e for e in snap.entries if e.id == record_id)
    assert (entry.authority_name, entry.authority_uscc) == (name, uscc)
    row = record_row(entry, snap)
    authority_column = "许可机关" if entry.record.kind == "licence" else "处罚机关"
    assert (row[authority_column], row[authority_column + "统一社会信用代码"]) == (name, uscc)
    assert row[party_column] == code  # the transitional code fills its own national column


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2018, 7, 2), OLD_NAME),
        (date(2019, 2, 27), OLD_NAME),  # the last day of the old name
        (date(2019, 2, 28), NEW_NAME),  # the first day of the new one
        (None, NEW_NAME),
    ],
)
def test_department_name_on(repo, day, name):
    snap = load(repo, AS_OF, cache=False)
    assert snap.department_name_on("sthj", day) == name
    assert snap.department_name_on("nosuch", day) == "nosuch"


def _penalty(dept: str, item: str, decided: str) -> tuple[str, str]:
    year = decided[:4]
    rel = f"data/records/{dept}/penalties/{year}/{dept}-cf-{year}-0099.yaml"
    text = RECORDS["data/records/scjg/penalties/2019/scjg-cf-2019-0001.yaml"]
    text = text.replace("authority: scjg", f"authority: {dept}").replace("item: scjg-cf-001", f"item: {item}")
    text = text.replace("2019-04-01", decided).replace("〔2019〕1号", f"〔{year}〕99号")
    return rel, text


@pytest.mark.parametrize(
    ("dept", "item", "decided", "codes"),
    [
        # The merger: the abolished office decides nothing after its last day, the new one nothing before.
        ("gsj", "gsj-xk-001", "2019-02-27", set()),
        ("spj", "spj-cf-001", "2019-02-27", set()),
        ("spj", "spj-cf-001", "2019-02-28", {"ref.authority_not_in_force"}),
        ("scjg", "scjg-cf-001", "2019-02-28", set()),
        ("scjg", "scjg-cf-001", "2019-02-27", {"ref.authority_not_in_force", "ref.item_not_in_force"}),
        # The retired item: its decisions stay valid; a later decision must use the new item.
        ("sthj", "sthj-cf-001", "2020-12-31", set()),
        ("sthj", "sthj-cf-001", "2021-01-01", {"ref.item_not_in_force"}),
        ("sthj", "sthj-cf-002", "2020-12-31", {"ref.item_not_in_force"}),
        ("sthj", "sthj-cf-002", "2021-01-01", set()),
    ],
)
def test_decisions_must_fall_in_the_dates_of_their_authority_and_item(repo, dept, item, decided, codes):
    if item == "gsj-xk-001":  # a licence item: check a licence
        rel = "data/records/gsj/licences/2019/gsj-xk-2019-0099.yaml"
        text = RECORDS["data/records/gsj/licences/2017/gsj-xk-2017-0001.yaml"]
        text = text.replace("2017-11-01", decided).replace("〔2017〕1号", "〔2019〕99号")
        text = text.replace('  business_reg_no: "320404000012344"\n', "  uscc: 91320404MA1XYW01X0\n")
    else:
        rel, text = _penalty(dept, item, decided)
    check = check_record_bytes(repo, rel, text.encode(), load_registry(repo), AS_OF)
    assert {p.code for p in check.problems if p.severity == "error"} == codes
    for p in check.problems:
        if p.code.endswith("not_in_force"):
            assert decided in p.message


def test_retiring_an_item_keeps_its_old_decisions_valid(repo):
    result = validate_repository(repo, AS_OF, cache=False)
    assert result.errors == []
    assert {r.id for r in result.records} >= {"sthj-cf-2018-0001", "gsj-xk-2017-0001"}


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (("    successor: scjg\n  - key: spj", "\n  - key: spj"), None),  # successor is optional
        (
            ("    until: 2019-02-27\n    successor: scjg\n  - key: spj", "    successor: scjg\n  - key: spj"),
            "department.successor_without_until department.predecessor_active",
        ),
        (("    successor: scjg\n  - key: spj", "    successor: nosuch\n  - key: spj"), "ref.department"),
        (("predecessors: [gsj, spj]", "predecessors: [gsj, nosuch]"), "ref.department"),
        (("        until: 2019-02-27\n  - key: scjg", "        until: 2021-02-27\n  - key: scjg"), None),
        (("    from: 2019-02-28\n", "    from: 2019-02-28\n    until: 2019-01-01\n"), "date.order"),
    ],
)
def test_registry_dates_are_checked(repo, tmp_path, edit, code):

    root = tmp_path / "copy"
    shutil.copytree(repo / "data", root / "data")
    old, new = edit
    assert old in DEPARTMENTS_2019
    (root / "data" / "departments.yaml").write_text(DEPARTMENTS_2019.replace(old, new), encoding="utf-8")
    result = validate_repository(root, AS_OF, cache=False)
    codes = {p.code for p in result.errors if p.file == "data/departments.yaml"}
    assert codes == set(code.split() if code else ())


def test_a_predecessor_must_be_abolished(repo, tmp_path):

    root = tmp_path / "copy"
    shutil.copytree(repo / "data", root / "data")
    text = DEPARTMENTS_2019.replace(
        "    until: 2019-02-27\n    successor: scjg\n  - key: spj", "\n  - key: spj"
    )
    (root / "data" / "departments.yaml").write_text(text, encoding="utf-8")
    result = validate_repository(root, AS_OF, cache=False)
    assert {p.code for p in result.errors if p.file == "data/departments.yaml"} == {
        "department.predecessor_active"
    }


def test_former_names_in_order(repo, tmp_path):

    root = tmp_path / "copy"
    shutil.copytree(repo / "data", root / "data")
    text = DEPARTMENTS_2019.replace(
        "        until: 2019-02-27\n  - key: scjg",
        "        until: 2019-02-27\n      - name: 更早的名称\n        until: 2010-01-01\n  - key: scjg",
    )
    (root / "data" / "departments.yaml").write_text(text, encoding="utf-8")
    result = validate_repository(root, AS_OF, cache=False)
    assert {p.code for p in result.errors} == {"department.former_name_order"}

"""Consistency warnings in ``gongshi validate``: on a real Git repository, for the records a clerk is
working on (new or modified files, or files named on the command line), never changing the exit
code; a clean checkout reports none and unpacks no record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core import identifiers

from tests.support.gitrepo import GitRepo

HERE = Path(__file__).resolve().parents[2]
REGISTRY = HERE / "fixtures" / "registry"
AS_OF = "2026-04-15"
USCC = identifiers.make_uscc("9", "1", "320404", "59467239")
OTHER = identifiers.make_uscc("9", "1", "320404", "87654321")
MISTYPED = OTHER[:-1] + ("0" if OTHER[-1] != "0" else "1")


def penalty(
    doc_no: str, name: str, uscc: str, decided: str, facts: str = "当事人销售超过保质期的食品。"
) -> str:
    return f"""kind: penalty
doc_no: {doc_no}
item: scjg-cf-001
party:
  name: {name}
  category: 法人及非法人组织
  uscc: {uscc}
  legal_rep: 王某某
decision_date: {decided}
authority: scjg
violation_type: 经营超过保质期的食品
facts: {facts}
basis: 《中华人民共和国食品安全法》第一百二十四条
categories:
  - 警告
content: 警告。
"""


A = "data/records/scjg/penalties/2026/scjg-cf-2026-0001.yaml"
B = "data/records/scjg/penalties/2026/scjg-cf-2026-0002.yaml"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> GitRepo:
    root = tmp_path / "repo"
    shutil.copytree(REGISTRY / "data", root / "data")
    repo = GitRepo.init(root)
    repo.write(A, penalty("钟市监罚〔2026〕1号", "常州市甲餐饮有限公司", USCC, "2026-03-02"))
    repo.git("add", "--all")
    repo.commit("登记册和第一条", "2026-03-03T09:00:00+08:00")
    monkeypatch.chdir(root)
    return repo


def validate(*args: str):
    return CliRunner().invoke(main, ["validate", "--as-of", AS_OF, "--format", "json", *args])


def codes(result, file: str) -> set[str]:
    doc = json.loads(result.output)
    return {p["code"] for p in doc["errors"] + doc["warnings"] if p["file"] == file}


def test_warnings_for_the_record_being_added(repo):
    facts = f"当事人（统一社会信用代码{MISTYPED}）销售超过保质期的食品。"
    repo.write(B, penalty("钟市监罚（２０２４）２号", "常州市甲餐饮管理有限公司", USCC, "2026-03-02", facts))
    result = validate()
    assert result.exit_code == 0, result.output
    assert codes(result, B) == {
        "consistency.uscc_names",
        "consistency.doc_no_format",
        "consistency.doc_no_year",
        "consistency.late",
        "consistency.id_check_digit",
    }
    assert codes(result, A) == set()  # committed and unchanged: compared with, not reported
    text = CliRunner().invoke(main, ["validate", "--as-of", AS_OF]).output
    assert A in text and "常州市甲餐饮有限公司" in text  # the other record, by file and name
    assert "钟市监罚〔2024〕2号" in text  # the standard form suggested
    assert "合并后将计为迟报 24 个工作日" in text
    assert MISTYPED not in text


def test_committed_records_are_quiet_unless_named(repo):
    repo.write(B, penalty("钟市监罚〔2026〕2号", "常州市甲餐饮管理有限公司", USCC, "2026-03-02"))
    repo.git("add", "--all")
    repo.commit("第二条", "2026-03-04T09:00:00+08:00")
    assert codes(validate(), B) == set()
    named = validate(A, B)
    assert codes(named, B) == {"consistency.uscc_names"}  # published: no lateness any more
    assert codes(named, A) == {"consistency.uscc_names"}


def test_one_name_under_two_codes(repo):
    repo.write(B, penalty("钟市监罚〔2026〕2号", "常州市甲餐饮有限公司", OTHER, "2026-04-14"))
    result = validate()
    assert codes(result, B) == {"consistency.name_usccs"}


def test_a_backfilled_decision_is_not_called_late(repo):
    # Decided before the platform went live (policy platform_start): 补录, counted apart.
    old = "data/records/scjg/penalties/2016/scjg-cf-2016-0001.yaml"
    repo.write(old, penalty("钟市监罚〔2016〕2号", "常州市乙商贸有限公司", OTHER, "2016-03-02"))
    assert codes(validate(), old) == set()

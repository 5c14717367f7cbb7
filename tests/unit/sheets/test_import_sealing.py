"""``gongshi import`` seals full ID numbers (a natural person's and a legal representative's) to the
recipients of ``data/policy.yaml``, next to the masked form; without recipients it keeps only the
masked form and says how to configure them. Real .xlsx files, a real repository, throwaway keys."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core import identifiers
from gongshi.core.sealed import generate_identity, is_sealed_text, load_identities, unseal
from gongshi.repo.yamlload import load_yaml_bytes
from gongshi.sheets import national_standard as ns
from openpyxl import Workbook

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
PROJECT = Path(__file__).resolve().parents[3]
AS_OF = "2026-01-15"
ORG_USCC = identifiers.make_uscc("9", "1", "320404", "59467239")
PERSON_ID = "32040419900101123" + identifiers.id_check_char("32040419900101123")
REP_ID = "32040419780322456" + identifiers.id_check_char("32040419780322456")
HEADERS = list(ns.PENALTY_HEADERS)


def with_recipients(policy: Path, recipients: list[str]) -> None:
    listed = "".join(f"    - {r}\n" for r in recipients)
    policy.write_text(policy.read_text(encoding="utf-8") + f"\nreporting:\n  recipients:\n{listed}", "utf-8")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE / "data", root / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", root / "data" / "policy.yaml")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def keys(tmp_path):
    secret, public = generate_identity()
    key = tmp_path / "office.key"
    key.write_text(secret + "\n", encoding="utf-8")
    return key, public


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def row(**values) -> list:
    base = {
        "行政处罚决定书文号": "钟市监罚〔2025〕1号",
        "违法行为类型": "经营超过保质期的食品",
        "违法事实": "当事人在经营场所销售超过保质期的食品。",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "警告",
        "处罚内容": "警告",
        "处罚决定日期": "2025-03-05",
        "处罚机关": "钟楼区测试市场监督管理局",
        "处罚机关统一社会信用代码": "11320404014123458X",
    }
    base.update(values)
    return [base.get(h, "") for h in HEADERS]


def person(n: int) -> list:
    return row(**{
        "行政相对人名称": "李四", "行政相对人类别": "自然人", "证件类型": "身份证", "证件号码": PERSON_ID,
        "行政处罚决定书文号": f"钟市监罚〔2025〕{n}号",
    })  # fmt: skip


def company(n: int, rep_id: str = REP_ID) -> list:
    return row(**{
        "行政相对人名称": f"常州市某某餐饮有限公司{n}", "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1（统一社会信用代码）": ORG_USCC, "法定代表人": "张三",
        "法定代表人证件号码": rep_id, "行政处罚决定书文号": f"钟市监罚〔2025〕{n}号",
    })  # fmt: skip


def workbook(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    for cells in ws.iter_rows():
        for cell in cells:
            cell.number_format = "@"
    wb.save(path)
    return path


def written(root: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((root / "data" / "records").rglob("*.yaml"))]


def test_import_seals_both_numbers_next_to_the_masked_form(repo, tmp_path, keys):
    key, public = keys
    _, second_public = generate_identity()
    with_recipients(repo / "data" / "policy.yaml", [public, second_public])
    sheet = workbook(tmp_path / "in.xlsx", [person(1), company(2)])
    result = run("import", sheet, "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "2 个完整证件号码已用市信用办的公钥加密保存" in result.output
    person_text, company_text = written(repo)
    for text in (person_text, company_text):
        assert PERSON_ID not in text and REP_ID not in text
        assert PERSON_ID[6:14] not in text and REP_ID[6:14] not in text
    person_party = load_yaml_bytes(person_text.encode(), "p.yaml").data["party"]
    assert person_party["id_no_masked"] == f"{PERSON_ID[:4]}{'*' * 10}{PERSON_ID[-4:]}"
    assert is_sealed_text(person_party["id_no_sealed"])
    assert unseal(person_party["id_no_sealed"], load_identities(key)) == PERSON_ID
    company_party = load_yaml_bytes(company_text.encode(), "c.yaml").data["party"]
    assert company_party["legal_rep_id_type"] == "身份证"  # inferred from the number's shape
    assert unseal(company_party["legal_rep_id_no_sealed"], load_identities(key)) == REP_ID
    assert "id_no_sealed" not in company_party
    # The sealed block sits after the masked number, as a literal block, and validates.
    block = r"  id_no_masked: .*\n  id_no_sealed: \|\n    -----BEGIN AGE ENCRYPTED FILE-----\n"
    assert re.search(block, person_text)
    check = run("validate", "--as-of", AS_OF)
    assert check.exit_code == 0, check.output
    assert "sealed" not in check.output


def test_without_recipients_only_the_masked_form_is_kept_and_the_clerk_is_told(repo, tmp_path):
    sheet = workbook(tmp_path / "in.xlsx", [person(1), company(2)])
    result = run("import", sheet, "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "有 2 个完整证件号码没有保存" in result.output
    assert "reporting:" in result.output and "recipients:" in result.output
    texts = written(repo)
    assert len(texts) == 2
    for text in texts:
        assert "sealed" not in text and "BEGIN AGE" not in text
        assert PERSON_ID not in text and REP_ID not in text
    assert f"id_no_masked: {PERSON_ID[:4]}" in texts[0]
    assert PERSON_ID not in result.output and REP_ID not in result.output


def test_without_recipients_a_bad_legal_rep_number_rejects_nothing(repo, tmp_path):
    """The column is only counted then (nothing of it is kept), as before sealing existed."""
    wrong = REP_ID[:-1] + ("0" if REP_ID[-1] != "0" else "1")
    sheet = workbook(tmp_path / "in.xlsx", [company(2, rep_id=wrong)])
    result = run("import", sheet, "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "有 1 个完整证件号码没有保存" in result.output and wrong not in result.output
    assert "legal_rep_id" not in written(repo)[0]


def test_a_bad_legal_rep_number_is_a_row_error_that_never_echoes_it(repo, tmp_path, keys):
    _, public = keys
    with_recipients(repo / "data" / "policy.yaml", [public])
    wrong = REP_ID[:-1] + ("0" if REP_ID[-1] != "0" else "1")
    sheet = workbook(tmp_path / "in.xlsx", [company(2, rep_id=wrong)])
    result = run("import", sheet, "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "第 2 行 [法定代表人证件号码] 法定代表人身份证号码无效" in result.output
    assert wrong not in result.output
    assert written(repo) == [] if (repo / "data" / "records").exists() else True


def test_a_person_row_with_a_legal_rep_number_is_rejected(repo, tmp_path, keys):
    _, public = keys
    with_recipients(repo / "data" / "policy.yaml", [public])
    bad = person(1)
    bad[HEADERS.index("法定代表人证件号码")] = REP_ID
    sheet = workbook(tmp_path / "in.xlsx", [bad])
    result = run("import", sheet, "--dept", "scjg", "--item", "scjg-cf-001", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "行政相对人是自然人，没有法定代表人" in result.output
    assert REP_ID not in result.output

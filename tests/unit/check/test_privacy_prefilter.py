"""The privacy lint's first test over a record's joined texts leaves out the code fields (a credit
code would send nearly every record text by text): a personal number in any other text is still
found, wherever the record also holds codes, and a code field is still never reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gongshi.check.record_rules import check_record_bytes
from gongshi.repo.files import load_registry

from tests.unit.check.test_corpus import AS_OF, REGISTRY

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
# A licence with a credit code, organisation code and tax number (all digit runs) besides its texts.
LICENCE = (CORPUS / "valid" / "licence-company.yaml").read_text(encoding="utf-8")
LICENCE_FILE = "data/records/scjg/licences/2026/x-1.yaml"
ID_NUMBER = "320404199003071238"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo") / "repo"
    shutil.copytree(REGISTRY, root)
    return root, load_registry(root)


def privacy_problems(repo, text: str):
    root, registry = repo
    problems = check_record_bytes(root, LICENCE_FILE, text.encode("utf-8"), registry, AS_OF).problems
    return [(p.code, p.path) for p in problems if p.code.startswith("privacy.")]


_OTHER_DIGIT_RUNS = ("  org_code:", "  tax_reg_no:", "licence_no:")


def test_the_record_holds_codes_and_no_finding(repo):
    assert "uscc: 91320404MA1XYW01X0" in LICENCE
    assert privacy_problems(repo, LICENCE) == []
    alone = "\n".join(row for row in LICENCE.splitlines() if not row.startswith(_OTHER_DIGIT_RUNS))
    assert "uscc: 91320404MA1XYW01X0" in alone
    assert privacy_problems(repo, alone) == []


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("  legal_rep: 李某某", "$.party.legal_rep"),
        ("  name: 常州市测试便利店有限公司", "$.party.name"),
        ("content: 准予从事预包装食品销售（含冷藏冷冻食品）。", "$.content"),
        ("remarks: 原许可证到期换发。", "$.remarks"),
        ("certificate_name: 食品经营许可证", "$.certificate_name"),
    ],
)
def test_a_number_in_any_text_is_found_beside_the_codes(repo, line, path):
    assert line in LICENCE
    text = LICENCE.replace(line, f"{line}{ID_NUMBER}")
    assert privacy_problems(repo, text) == [("privacy.unmasked_number", path)]
    # Also when the number is the only long digit run outside the credit code (no licence number
    # to send the record text by text anyway).
    alone = "\n".join(row for row in text.splitlines() if not row.startswith(_OTHER_DIGIT_RUNS))
    assert privacy_problems(repo, alone) == [("privacy.unmasked_number", path)]


def test_a_code_field_is_never_scanned_for_numbers(repo):
    text = LICENCE.replace("  tax_reg_no: 91320404MA1XYW01X0", f"  tax_reg_no: {ID_NUMBER}")
    assert privacy_problems(repo, text) == []


@pytest.mark.parametrize("separator", ["\u200b", "\u2060", "\u00ad"])
def test_digits_split_by_an_invisible_character_are_found_beside_the_codes(repo, separator):
    """A record with code fields: digits split by an invisible character in a text are still found."""
    line = "remarks: 原许可证到期换发。"
    text = LICENCE.replace(line, f"{line}电话138{separator}12345678")
    assert ("privacy.hidden_number", "$.remarks") in privacy_problems(repo, text)

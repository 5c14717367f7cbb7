"""Identifier checks: stdnum's documented examples, domain.md's worked examples and properties."""

from __future__ import annotations

from datetime import date

import pytest
from gongshi.core import identifiers as ids
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import FormatChecker

USCC_CHARS = ids.USCC_ALPHABET
ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # bodies that can also sit inside a USCC

org_bodies = st.text(alphabet=ORG_BODY_CHARS, min_size=8, max_size=8)
regions = st.sampled_from(["320404", "320402", "320411", "110000", "100000", "440305"])
dept_pairs = st.sampled_from([(d, c) for d, (_, cats) in ids.USCC_DEPARTMENTS.items() for c in cats])


# --- worked examples ------------------------------------------------------------------------


def test_domain_worked_examples():
    assert ids.uscc_problem("91512081MA62K0260E") is None
    assert ids.uscc_check_char("91512081MA62K0260") == "E"
    assert ids.org_code_check_char("59467239") == "9"
    assert ids.org_code_problem("594672399") is None
    assert ids.org_code_problem("59467239-9") is None  # printed form with hyphen


def test_stdnum_documented_examples():
    # python-stdnum's doctest numbers (cn.uscc, cn.ric, iso7064.mod_11_10)
    assert ids.uscc_problem("91110000600037341L") is None
    assert ids.uscc_problem("A1110000600037341L") is not None  # check char no longer fits
    assert "18 位" in ids.uscc_problem("12345")
    assert ids.resident_id_problem("360426199101010071") is None
    assert ids.business_reg_no_problem("320404000012344") is None


def test_org_code_check_char_10_and_11():
    # Find bodies whose raw check value is 10 (→ X) and 11 (→ 0) and make sure both map right.
    seen = {}
    for n in range(10_000_000, 10_000_400):
        body = str(n)
        total = sum(int(ch, 36) * w for ch, w in zip(body, ids.ORG_CODE_WEIGHTS, strict=True))
        seen.setdefault(11 - total % 11, body)
    assert ids.org_code_check_char(seen[10]) == "X"
    assert ids.org_code_check_char(seen[11]) == "0"
    assert ids.org_code_problem(seen[10] + "X") is None
    assert "校验码" in ids.org_code_problem(seen[10] + "0")


def test_org_code_messages():
    assert "9 位" in ids.org_code_problem("5946723")
    assert "大写" in ids.org_code_problem("5946723a9")
    assert "应为 9" in ids.org_code_problem("594672391")


# --- USCC -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dept", ["A", "N", "Y"])
def test_letter_department_codes_accepted(dept):
    code = ids.make_uscc(dept, "1", "320404", "MA1MXY7Q")
    assert ids.uscc_problem(code) is None
    assert ids.uscc_warnings(code) == []


def test_placeholder_is_not_a_valid_uscc_but_passes_the_format():
    assert ids.uscc_problem(ids.USCC_PLACEHOLDER) is not None
    assert "个体工商户" in ids.uscc_problem(ids.USCC_PLACEHOLDER)
    checker = FormatChecker(formats=())
    ids.register_formats(checker)
    assert checker.conforms(ids.USCC_PLACEHOLDER, "uscc")
    assert not checker.conforms("00000000000000000Y", "uscc")


def test_uscc_errors_say_what_is_wrong():
    good = "91512081MA62K0260E"
    assert "18 位" in ids.uscc_problem(good[:-1])
    assert "大写" in ids.uscc_problem(good.lower())
    assert "I" in ids.uscc_problem("91512081MA62K026IE")
    assert "登记管理部门码" in ids.uscc_problem("B1512081MA62K0260E")
    assert "行政区划" in ids.uscc_problem("9151208AMA62K0260E")
    # wrong embedded org-code check char, with the outer check char recomputed so only it is wrong
    first = "91512081MA62K0261"
    bad = first + ids.uscc_check_char(first)
    assert "组织机构代码" in ids.uscc_problem(bad)
    assert "应为 E" in ids.uscc_problem("91512081MA62K0260F")


def test_uscc_warnings_unknown_pair_and_region():
    assert any("机构类别码" in w for w in ids.uscc_warnings(ids.make_uscc("9", "4", "320404", "MA1MXY7Q")))
    assert any("行政区划码" in w for w in ids.uscc_warnings(ids.make_uscc("9", "1", "999999", "MA1MXY7Q")))
    assert ids.uscc_warnings(ids.make_uscc("1", "1", "320404", "01412345")) == []
    assert ids.uscc_warnings("not a code") == []


def test_make_uscc_rejects_bad_parts():
    with pytest.raises(ValueError):
        ids.make_uscc("B", "1", "320404", "MA1MXY7Q")
    with pytest.raises(ValueError):
        ids.make_uscc("9", "1", "32040", "MA1MXY7Q")
    with pytest.raises(ValueError):
        ids.make_uscc("9", "1", "320404", "MA1MOY7Q")  # O is not a USCC character


@settings(max_examples=200, deadline=None)
@given(dept_pairs, regions, org_bodies)
def test_generated_uscc_validates(pair, region, body):
    code = ids.make_uscc(pair[0], pair[1], region, body)
    assert ids.uscc_problem(code) is None
    assert ids.uscc_warnings(code) == []
    assert ids.uscc_check_char(code[:17]) == code[17]  # round trip
    assert ids.org_code_problem(code[8:17]) is None


@settings(max_examples=300, deadline=None)
@given(dept_pairs, regions, org_bodies, st.integers(0, 17), st.sampled_from(USCC_CHARS))
def test_single_character_change_of_uscc_rejected(pair, region, body, pos, ch):
    code = ids.make_uscc(pair[0], pair[1], region, body)
    changed = code[:pos] + ch + code[pos + 1 :]
    if changed != code:
        assert ids.uscc_problem(changed) is not None


# --- 组织机构代码 / 工商注册号 -----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_generated_org_code_validates(body):
    code = ids.make_org_code(body)
    assert ids.org_code_problem(code) is None
    assert code[8] == ids.org_code_check_char(body)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.integers(0, 8),
    st.sampled_from("0123456789X"),
)
def test_single_character_change_of_org_code_rejected(body, pos, ch):
    # GB 11714 computes mod 11 over character values 0–35: it catches every digit-for-digit change
    # and every change of the check char; a swap whose values differ by 11 or 22 (1 ↔ C, B ↔ 0)
    # slips through, see the next test.
    code = ids.make_org_code(body)
    if pos < 8 and ch == "X":
        ch = "0"
    changed = code[:pos] + ch + code[pos + 1 :]
    if changed != code:
        assert ids.org_code_problem(changed) is not None


def test_org_code_blind_spot_is_caught_inside_uscc():
    # 1 → C changes the value by 11: GB 11714 alone cannot see it, the USCC check char can.
    org = ids.make_org_code("59467231")
    swapped = org[:7] + "C" + org[8:]
    assert ids.org_code_problem(swapped) is None
    uscc = ids.make_uscc("9", "1", "320404", org[:8])
    assert ids.uscc_problem(uscc[:15] + "C" + uscc[16:]) is not None


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=14, max_size=14),
    st.integers(0, 14),
    st.sampled_from("0123456789"),
)
def test_business_reg_no_round_trip_and_single_change(body, pos, digit):
    code = ids.make_business_reg_no(body)
    assert ids.business_reg_no_problem(code) is None
    changed = code[:pos] + digit + code[pos + 1 :]
    if changed != code:
        assert ids.business_reg_no_problem(changed) is not None


def test_business_reg_no_messages():
    assert "15 位" in ids.business_reg_no_problem("32040400001234")
    assert "数字" in ids.business_reg_no_problem("32040400001234A")
    assert "校验位" in ids.business_reg_no_problem("320404000012345")


# --- regions --------------------------------------------------------------------------------


def test_region_codes():
    assert ids.region_code_known("320404")
    assert ids.region_name("320404") == "江苏省钟楼区"
    assert ids.region_code_known("320405")  # 戚墅堰区, abolished 2015 but still in old codes
    assert ids.region_code_known("100000")
    assert not ids.region_code_known("999999")
    assert not ids.region_code_known("32040")
    assert not ids.region_code_known("320499")


# --- resident ID ----------------------------------------------------------------------------


def _id18(first17: str) -> str:
    return first17 + ids.id_check_char(first17)


def test_resident_id_gaps_of_stdnum():
    assert ids.resident_id_problem(_id18("81000019900101001")) is None  # 香港居民居住证
    assert ids.resident_id_problem(_id18("83000019900101002")) is None  # 台湾居民居住证
    future = _id18("32040420300101001")
    assert "晚于" in ids.resident_id_problem(future, on=date(2026, 11, 20))
    assert ids.resident_id_problem("320404900101123") is None  # 15 digits
    assert ids.resident_id_15_to_18("320404900101123") == _id18("32040419900101123")
    assert "出生日期" in ids.resident_id_problem("320404901301123")
    assert "校验位" in ids.resident_id_problem("360426199101010072")


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "3204**********1234",
        "320404********1234",
        "320404********123X",
        "******************",
        "320404*******23",
    ],
)
def test_accepted_id_card_masks(value):
    assert ids.masked_id_problem(value, "身份证") is None


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("360426199101010071", "未脱敏"),
        ("32040419900101123*", "至少 8"),
        ("3204041990****1234", "至少 8"),
        ("********19900101**", "出生月日"),
        ("3204**********12", "18 位"),
        ("320404", "脱敏"),
    ],
)
def test_rejected_id_card_masks(value, needle):
    assert needle in ids.masked_id_problem(value, "身份证")


def test_other_id_types_need_half_masked():
    assert ids.masked_id_problem("E12*****8", "护照号") is None
    assert "一半" in ids.masked_id_problem("E1234***8", "护照号")
    assert ids.masked_id_problem("E12345678", "护照号") is not None


def test_masked_id_format():
    checker = FormatChecker(formats=())
    ids.register_formats(checker)
    assert checker.conforms("3204**********1234", "masked-id-no")
    assert checker.conforms("H12*****8", "masked-id-no")
    assert not checker.conforms("360426199101010071", "masked-id-no")
    assert checker.conforms(12, "masked-id-no")  # the type keyword reports non-strings
    assert checker.conforms("320404", "region-code")
    assert not checker.conforms("32040A", "region-code")

"""The privacy lint for free text (``gongshi.core.privacy``): a table of texts that hold a personal
number (with the kind and the characters reported) and a table of texts that must not trigger it
(company codes, amounts, dates, document and licence numbers, office phones ...); ``redact``; and the
lint inside ``gongshi validate`` (code and field path of each problem)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.check.run import validate_repository
from gongshi.core import privacy
from gongshi.core.privacy import BANK_CARD, ID_NUMBER, MOBILE, PASSPORT

TODAY = date(2026, 11, 20)
ZW = "\u200b"  # zero-width space
WJ = "\u2060"  # word joiner
SHY = "\u00ad"  # soft hyphen
BOM = "\ufeff"

# (text, kind, the characters reported). Valid numbers used below:
# 320404199003071238, 11010519491231002X, 440304200802290012, 650102197506153217 (ID, check ok);
# 810000198808081235 (港澳台居民居住证); 6222021234567890128, 6217001234567890122, 4367421234567896,
# 5187181234567891, 622848001234567894 (Luhn ok).
POSITIVES = [
    # 18-digit ID numbers, every way of writing them
    ("当事人身份证号320404199003071238。", ID_NUMBER, "320404199003071238"),
    ("320404199003071238", ID_NUMBER, "320404199003071238"),
    ("身份证号码：11010519491231002X", ID_NUMBER, "11010519491231002X"),
    ("身份证号码：11010519491231002x", ID_NUMBER, "11010519491231002x"),
    ("身份证号:ID320404199003071238", ID_NUMBER, "320404199003071238"),
    ("证件 320404199003071238A 已核验", ID_NUMBER, "320404199003071238"),
    ("身份证 320404 19900307 1238", ID_NUMBER, "320404 19900307 1238"),
    ("身份证 320404-19900307-1238", ID_NUMBER, "320404-19900307-1238"),
    ("身份证 320404.19900307.1238", ID_NUMBER, "320404.19900307.1238"),
    ("3204 0419 9003 0712 38", ID_NUMBER, "3204 0419 9003 0712 38"),
    ("320 404 199 003 071 238", ID_NUMBER, "320 404 199 003 071 238"),
    ("身份证３２０４０４１９９００３０７１２３８", ID_NUMBER, "３２０４０４１９９００３０７１２３８"),
    ("440304200802290012（2008年闰日出生）", ID_NUMBER, "440304200802290012"),
    ("居住证号810000198808081235", ID_NUMBER, "810000198808081235"),
    ("650102197506153217，", ID_NUMBER, "650102197506153217"),
    # a wrong check digit (typo): the number leaks all the same
    ("当事人身份证320404199003071239", ID_NUMBER, "320404199003071239"),
    ("身份证号650102197506153210", ID_NUMBER, "650102197506153210"),
    # 15-digit first-generation numbers
    ("旧身份证320404900307123", ID_NUMBER, "320404900307123"),
    ("110105491231003", ID_NUMBER, "110105491231003"),
    ("身份证110105491231002", ID_NUMBER, "110105491231002"),  # passes MOD 11,10 too: 身份证 decides
    ("身份证号320404850301005", ID_NUMBER, "320404850301005"),  # also a valid 工商注册号
    # mobiles
    ("联系电话13912345678", MOBILE, "13912345678"),
    ("手机：13912345678。", MOBILE, "13912345678"),
    ("手机 139 1234 5678", MOBILE, "139 1234 5678"),
    ("手机 139-1234-5678", MOBILE, "139-1234-5678"),
    ("手机 139.1234.5678", MOBILE, "139.1234.5678"),
    ("手机 139-12345678", MOBILE, "139-12345678"),
    ("手机 1391234-5678", MOBILE, "1391234-5678"),
    ("+8613912345678", MOBILE, "+8613912345678"),
    ("电话+86 139 1234 5678", MOBILE, "+86 139 1234 5678"),
    ("电话 +86-139-1234-5678", MOBILE, "+86-139-1234-5678"),
    ("电话0086 13912345678", MOBILE, "0086 13912345678"),
    ("电话008613912345678", MOBILE, "008613912345678"),
    ("电话86-13912345678", MOBILE, "86-13912345678"),
    ("电话１３９１２３４５６７８", MOBILE, "１３９１２３４５６７８"),
    ("电话１３９－１２３４－５６７８", MOBILE, "１３９－１２３４－５６７８"),
    ("tel:15012345678", MOBILE, "15012345678"),
    ("19987654321号", MOBILE, "19987654321"),
    # split by invisible characters
    (f"手机139{ZW}1234{ZW}5678", MOBILE, f"139{ZW}1234{ZW}5678"),
    (f"手机1391{WJ}2345678", MOBILE, f"1391{WJ}2345678"),
    (f"身份证3204041990{SHY}03071238", ID_NUMBER, f"3204041990{SHY}03071238"),
    (f"身份证320404{BOM}199003071238", ID_NUMBER, f"320404{BOM}199003071238"),
    # bank cards (Luhn)
    ("银行卡号6222021234567890128", BANK_CARD, "6222021234567890128"),
    ("卡号 6217 0012 3456 7890 122", BANK_CARD, "6217 0012 3456 7890 122"),
    ("账号4367-4212-3456-7896", BANK_CARD, "4367-4212-3456-7896"),
    ("5187181234567891", BANK_CARD, "5187181234567891"),
    ("转入 622848001234567894 账户", BANK_CARD, "622848001234567894"),
    # passports, near the word 护照
    ("护照号E12345678", PASSPORT, "E12345678"),
    ("护照号码：EA1234567", PASSPORT, "EA1234567"),
    ("持护照 G12345678 入境", PASSPORT, "G12345678"),
    ("护照P1234567", PASSPORT, "P1234567"),
    ("外交护照 D1234567", PASSPORT, "D1234567"),
    ("E98765432（护照）", PASSPORT, "E98765432"),
    ("护照号ｅ１２３４５６７８", PASSPORT, "ｅ１２３４５６７８"),
]

# (text, why it is not a personal number)
NEGATIVES = [
    ("91320404594672399W", "统一社会信用代码"),
    ("统一社会信用代码91320404MA1XYW01X0", "统一社会信用代码"),
    ("913204041000000248", "统一社会信用代码 of digits only, valid check"),
    ("11320404012345671C", "机关的统一社会信用代码"),
    ("组织机构代码59467239-9", "组织机构代码"),
    ("594672399", "组织机构代码"),
    ("注册号320404000012344", "营业执照注册号"),
    ("320404850301005", "营业执照注册号 whose digits 7–12 look like a date"),
    ("320404600123457", "营业执照注册号"),
    ("110105491231002", "营业执照注册号 (valid MOD 11,10) with no 身份证 before it"),
    ("罚款12345678.90元", "amount with decimals"),
    ("货值金额1,234,567,890元", "amount with thousands separators"),
    ("罚没款 13,912,345,678 元", "amount with thousands separators"),
    ("1234567890", "ten digits"),
    ("20260101", "date"),
    ("2026-01-01", "date"),
    ("2026.01.01", "date"),
    ("2026年1月1日至2031年12月31日", "date range"),
    ("2026-01-01 2026-12-31", "two dates"),
    ("钟市监罚〔2026〕101号", "document number"),
    ("钟市监罚字[2026]第00123号", "document number"),
    ("X20260101000123", "document number with a letter"),
    ("JY13204040012345", "食品经营许可证编号"),
    ("SC10632040400012", "食品生产许可证编号"),
    ("许可编号320404202601010101", "construction permit number (region + date), after 编号"),
    ("编号360426199101010072", "18 digits with a wrong check digit after 编号"),
    ("案号32040420260101000123", "20-digit case number"),
    ("0519-88888888", "office phone"),
    ("0519 8888 8888", "office phone"),
    ("(0519)86661234", "office phone"),
    ("12345", "service number"),
    ("12345678901", "12… is not a mobile prefix"),
    ("10086", "carrier number"),
    ("邮编213000", "postcode"),
    ("913812345678", "12 digits: no mobile inside a longer run"),
    ("订单号 91381234567890", "14 digits"),
    ("1391234567", "10 digits"),
    ("139123456789", "12 digits"),
    ("6222021234567890123", "19 digits failing Luhn"),
    ("4367421234567891", "16 digits failing Luhn"),
    ("2026010100012345", "16-digit serial starting 2 (no card scheme)"),
    ("3204**********1238", "masked ID number"),
    ("139****5678", "masked mobile"),
    ("E12*****8", "masked passport"),
    ("E12345678", "passport shape without 护照 nearby"),
    ("文书编号 G12345678", "document number shaped like a passport"),
    ("护照 E1234", "too short for a passport"),
    ("999999999999999999", "18 digits, no province"),
    ("320404189912311234", "birth year before 1900"),
    ("320404203001011234", "birth date in the future"),
    ("320404199013011234", "month 13"),
    ("第1391号 1234 5678", "groups that are no mobile shape"),
    ("违反《食品安全法》第一百二十四条第一款第（五）项", "law article"),
    ("", "empty"),
]


def test_tables_are_large_enough():
    assert len(POSITIVES) >= 40 and len(NEGATIVES) >= 40
    assert {kind for _, kind, _ in POSITIVES} == {ID_NUMBER, MOBILE, BANK_CARD, PASSPORT}


@pytest.mark.parametrize(("text", "kind", "matched"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_positive(text, kind, matched):
    assert privacy.may_hold_personal_number(text)
    found = privacy.find_personal_numbers(text, today=TODAY)
    assert [(f.kind, f.text) for f in found] == [(kind, matched)]
    (f,) = found
    assert text[f.span[0] : f.span[1]] == matched
    assert f.hidden == any(c in matched for c in (ZW, WJ, SHY, BOM))


@pytest.mark.parametrize(("text", "why"), NEGATIVES, ids=[n[0] or "empty" for n in NEGATIVES])
def test_negative(text, why):
    assert privacy.find_personal_numbers(text, today=TODAY) == [], why


def test_wrong_check_digit_is_reported_but_not_exact():
    (f,) = privacy.find_personal_numbers("320404199003071239", today=TODAY)
    assert f.kind == ID_NUMBER and not f.exact
    (f,) = privacy.find_personal_numbers("320404199003071238", today=TODAY)
    assert f.exact
    (f,) = privacy.find_personal_numbers("320404900307123", today=TODAY)
    assert f.kind == ID_NUMBER and not f.exact  # 15 digits carry no check digit


def test_several_numbers_in_one_text():
    text = "张某（身份证320404199003071238，手机13912345678、139 8765 4321，卡号6222021234567890128）"
    found = privacy.find_personal_numbers(text, today=TODAY)
    assert [f.kind for f in found] == [ID_NUMBER, MOBILE, MOBILE, BANK_CARD]


def test_redact():
    text = "张某（身份证320404 19900307 1238，手机+86 139-1234-5678，护照E12345678）罚款5000元。"
    out = privacy.redact(text)
    assert out == "张某（身份证3204**********1238，手机+86139****5678，护照E*******8）罚款5000元。"
    assert privacy.find_personal_numbers(out) == []
    assert privacy.redact(out) == out
    assert privacy.redact(f"手机139{ZW}1234{ZW}5678") == "手机139****5678"
    assert privacy.redact("旧证320404900307123") == "旧证3204********123"
    assert privacy.redact("卡6222021234567890128") == "卡6222***********0128"
    plain = "警告，罚款人民币5000元。"
    assert privacy.redact(plain) is plain
    assert privacy.redact("") == ""


def test_redacted_id_numbers_are_acceptable_masks():
    from gongshi.core.identifiers import masked_id_problem

    for number in ("320404199003071238", "320404900307123"):
        (f,) = privacy.find_personal_numbers(number, today=TODAY)
        assert masked_id_problem(privacy.mask(f), "身份证") is None


def test_hidden_digits():
    assert privacy.find_hidden_digits(f"2026{ZW}0101") == [(4, 5)]
    assert privacy.find_hidden_digits(f"12{ZW}{WJ}34 和 5{SHY}6") == [(2, 4), (10, 11)]
    assert privacy.find_hidden_digits(f"销售{ZW}超过") == []  # not between digits
    assert privacy.find_hidden_digits("13912345678") == []
    assert privacy.may_hold_personal_number(f"1{ZW}2")


# --- inside gongshi validate ----------------------------------------------------------------

HERE = Path(__file__).resolve().parents[2]
REGISTRY = HERE / "fixtures" / "registry"
REL = "data/records/scjg/penalties/2026/scjg-cf-2026-0501.yaml"
RECORD = """\
kind: penalty
doc_no: 钟测市监罚〔2026〕501号
item: scjg-cf-001
party:
  name: 常州市测试餐饮有限公司
  category: 法人及非法人组织
  uscc: 91320404MA1XYW01X0
  legal_rep: 王某某
decision_date: 2026-03-05
authority: scjg
violation_type: 经营超过保质期的食品
facts: 当事人员工李某（身份证 320404-19900307-1238，手机 +86 139.1234.5678）销售过期食品。
basis: 《中华人民共和国食品安全法》第一百二十四条第一款第（五）项
categories:
  - 警告
  - 罚款
content: "警告，罚款人民币5000元，缴入账户6222 0212 3456 7890 128。"
fine_yuan: 5000
remarks: "联系人护照号EA1234567；电话139\\u200b8765\\u200b4321；编号2026\\u200b0101"
corrections:
  - date: 2026-03-10
    reason: 更正当事人身份证号码为320404199003071239
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy") / "repo"
    shutil.copytree(REGISTRY, root)
    (root / REL).parent.mkdir(parents=True)
    (root / REL).write_text(RECORD, encoding="utf-8")
    return validate_repository(root, TODAY, jobs=1)


def test_validate_reports_each_number_with_its_field(result):
    got = sorted((p.code, p.path, p.severity) for p in result.problems)
    assert got == [
        ("privacy.hidden_number", "$.remarks", "error"),
        ("privacy.unmasked_number", "$.content", "error"),
        ("privacy.unmasked_number", "$.corrections[0].reason", "error"),
        ("privacy.unmasked_number", "$.facts", "error"),
        ("privacy.unmasked_number", "$.facts", "error"),
        ("privacy.unmasked_number", "$.remarks", "error"),
        ("privacy.unmasked_number", "$.remarks", "error"),
    ]
    assert not result.records


def test_messages_name_the_field_and_the_fix_and_never_the_number(result):
    by_path = {}
    for p in result.problems:
        by_path.setdefault(p.path, []).append(p.message)
    facts = " ".join(by_path["$.facts"])
    assert "违法事实" in facts and "身份证号码" in facts and "手机号码" in facts
    assert "请删除" in facts and "3204**********1238" in facts
    assert "19900307" not in facts and "1234.5678" not in facts
    assert "银行卡号" in by_path["$.content"][0] and "处罚内容" in by_path["$.content"][0]
    assert "校验位不符" in by_path["$.corrections[0].reason"][0]
    remarks = " ".join(by_path["$.remarks"])
    assert "护照号码" in remarks and "看不见的字符" in remarks and "U+200B" in remarks
    # Digits split by invisible characters are an error, not also the invisible-character warning.
    assert not [p for p in result.problems if p.code == "text.invisible_character"]


def test_the_full_width_test_matches_exactly_the_characters_the_scan_maps():
    """``find_personal_numbers`` maps full-width digits and letters only when the text holds one
    (``_FULL_WIDTH_RE``): the test must find every character the map changes, and no other."""
    mapped = {chr(c) for c in privacy._WIDTH}
    assert all(privacy._FULL_WIDTH_RE.fullmatch(ch) for ch in mapped)
    others = [chr(c) for c in range(0x20, 0x10000) if chr(c) not in mapped and not 0xD800 <= c <= 0xDFFF]
    assert not any(privacy._FULL_WIDTH_RE.fullmatch(ch) for ch in others)
    # One full-width digit among half-width ones is enough to need the map.
    assert privacy.find_personal_numbers("电话1391234567８", TODAY)[0].text == "1391234567８"


# --- many texts at once -----------------------------------------------------------------------

# Texts whose findings depend on the words around a number: joined with another text, none of
# those words may reach across the separator.
_CONTEXT_TEXTS = [
    "许可证编号",  # before an 18-digit number with a wrong check digit: a document number
    "320404199003071239",  # wrong check digit: an ID number, unless a document word stands before
    "身份证",  # before a 15-digit 工商注册号: an ID number
    "320404000012344",
    "护照号",  # near a passport shape: a passport number
    "E12345678",
    "持护照",
    "",
]


def _joined_matches_each(texts: list[str]) -> None:
    joined = privacy.TEXT_SEPARATOR.join(texts)
    assert privacy.redact(joined).split(privacy.TEXT_SEPARATOR) == [privacy.redact(t) for t in texts]


def test_texts_joined_are_redacted_each_as_alone():
    """``redact`` of texts joined with ``TEXT_SEPARATOR`` is each text's ``redact``: no number
    runs across the separator and no look at the words around a number reaches past it (the
    public projection redacts a record's texts in one pass)."""
    tables = [t for t, *_ in POSITIVES] + [t for t, _ in NEGATIVES] + _CONTEXT_TEXTS
    for i, first in enumerate(tables):
        for second in (tables[(i * 7 + 3) % len(tables)], *_CONTEXT_TEXTS):
            _joined_matches_each([first, second])
            _joined_matches_each([second, first, second])
    # The cases above that differ when the words do reach across.
    assert privacy.redact("许可证编号320404199003071239") == "许可证编号320404199003071239"
    _joined_matches_each(["许可证编号", "320404199003071239"])
    assert privacy.redact("320404199003071239") != "320404199003071239"
    _joined_matches_each(["身份证", "320404000012344"])
    _joined_matches_each(["护照号", "E12345678"])
    assert privacy.redact("E12345678") == "E12345678"


def test_a_passport_after_a_character_that_grows_in_upper_case_is_masked_in_place():
    """ß is SS in upper case: matching in the upper-cased text moved every position after it."""
    assert privacy.redact("ßß 护照号 e12345678，") == "ßß 护照号 e*******8，"
    assert privacy.redact("护照号码E12345678") == "护照号码E*******8"

"""The public projection (``public.record``): every text field masked, canonical bytes stable."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, fields, replace
from datetime import date

import pytest
from gongshi.core.identifiers import USCC_PLACEHOLDER
from gongshi.core.privacy import redact
from gongshi.core.records import Record
from gongshi.core.sealed import SEALED_PARTY_KEYS, generate_identity, seal
from gongshi.public import record as record_module
from gongshi.public.record import PublicRecord, project, public_record

from tests.support.search_fixture import DEPARTMENTS, make_entry

PERSON_ID = "320404200801011235"  # a valid check digit: what today's detector finds


def _record(data: dict, kind: str = "penalty") -> Record:
    folder = "penalties" if kind == "penalty" else "licences"
    base = {
        "kind": kind,
        "doc_no": "钟市监罚〔2026〕1号",
        "item": "scjg-cf-001",
        "decision_date": "2026-03-02",
    }
    return Record(
        "scjg-cf-2026-0001", f"data/records/scjg/{folder}/2026/x.yaml", "scjg", kind, "2026", base | data
    )


def test_natural_person_name_masked_in_every_text_field():
    fields = (
        "facts",
        "basis",
        "content",
        "violation_type",
        "category_other",
        "licence_affected",
        "remarks",
        "status_reason",
        "doc_title",
        "certificate_name",
        "licence_no",
    )
    data = {f: f"涉及王小明的{f}" for f in fields}
    data["party"] = {
        "name": "王小明",
        "category": "自然人",
        "id_type": "身份证",
        "id_no_masked": "3204**********1232",
    }
    data["doc_no"] = "钟市监罚〔2026〕王小明1号"
    data["corrections"] = [{"date": "2026-03-05", "reason": "王小明的名字写错"}]
    pr = project(_record(data))
    text = pr.canonical_json().decode("utf-8")
    assert "王小明" not in text
    assert pr.party_name == "王**"
    assert pr.facts == "涉及王**的facts"
    assert pr.doc_no == "钟市监罚〔2026〕王**1号"
    assert pr.corrections[0].reason == "王**的名字写错"
    assert "1232" not in json.dumps(pr.to_json(), ensure_ascii=False)  # no ID number, not even masked


def test_past_names_masked_even_when_party_is_now_an_organisation():
    data = {
        "party": {"name": "张三五金店", "category": "个体工商户", "legal_rep": "张三丰"},
        "facts": "原登记为李四，现更正为张三五金店",
    }
    pr = project(_record(data), past_names=("李四",))
    assert pr.facts == "原登记为李*，现更正为张三五金店"
    assert pr.party_name == "张三五金店"  # organisations' names are public as written


def test_personal_numbers_redacted_in_any_field():
    data = {
        "party": {"name": "某公司", "category": "法人及非法人组织"},
        "facts": f"当事人身份证{PERSON_ID} 手机13912345678",
        "licence_affected": "证号13912345678",
    }
    pr = project(_record(data))
    assert PERSON_ID not in pr.facts and "13912345678" not in pr.facts
    assert pr.facts == redact(data["facts"]) and "*" in pr.facts
    assert "13912345678" not in pr.licence_affected


def test_every_text_is_made_public_as_it_would_be_alone():
    """The projection masks names and redacts numbers in all of a record's texts at once: each
    field, code, category and correction comes out as that text alone would, in its place; a
    text or past name holding the separator (an old version no rule checked) is done one by
    one."""
    data = {
        "party": {
            "name": "某公司",
            "category": "法人及非法人组织",
            "legal_rep": "李四",
            "uscc": "91320404594672399W",
            "business_reg_no": "身份证320404000012344",
        },
        "doc_no": "许可证编号",
        "facts": "320404199003071239 与李四",
        "basis": "",
        "content": "护照号",
        "remarks": "E12345678",
        "categories": ["警告", "身份证"],
        "corrections": [{"date": "2026-03-05", "reason": "320404000012344"}, {"date": "三月", "reason": "x"}],
    }
    pr = project(_record(data), past_names=("李四",))

    def alone(text: str) -> str:
        return redact(text.replace("李四", "李*"))

    assert pr.doc_no == alone("许可证编号") and pr.legal_rep == "李*"
    assert pr.facts == alone("320404199003071239 与李四") and "*" in pr.facts
    assert pr.content == "护照号" and pr.remarks == "E12345678"  # 护照 is in another field
    assert pr.party_codes == (
        ("uscc", "91320404594672399W"),
        ("business_reg_no", alone("身份证320404000012344")),
    )
    assert pr.categories == ("警告", "身份证")
    assert [(c.date, c.reason) for c in pr.corrections] == [
        ("2026-03-05", alone("320404000012344")),
        ("三月", "x"),
    ]
    with_separator = project(_record({**data, "remarks": "E12345678\x00护照"}), past_names=("李四",))
    assert with_separator.remarks == redact("E12345678\x00护照")
    assert with_separator.facts == pr.facts
    odd_name = project(_record(data), past_names=("李四", "王\x00五"))
    assert odd_name.facts == pr.facts and odd_name.doc_no == pr.doc_no


def test_uscc_placeholder_is_published_as_the_standard_writes_it():
    data = {
        "party": {
            "name": "某某小吃店",
            "category": "个体工商户",
            "uscc": USCC_PLACEHOLDER,
            "business_reg_no": "320404600012345",
        }
    }
    pr = project(_record(data))
    assert pr.party_codes == (("uscc", USCC_PLACEHOLDER), ("business_reg_no", "320404600012345"))


def test_canonical_json_is_deterministic_and_independent_of_the_build():
    a = make_entry("scjg-cf-2026-0001", name="赵六", category="自然人", doc_no="X1", decided=date(2026, 3, 2))
    b = make_entry(
        "scjg-cf-2026-0001",
        name="赵六",
        category="自然人",
        doc_no="X1",
        decided=date(2026, 3, 2),
        state="listed",
    )
    pa, pb = public_record(a, DEPARTMENTS), public_record(b, DEPARTMENTS)
    assert isinstance(pa, PublicRecord)
    assert pa.canonical_json() == pb.canonical_json()  # state and as-of date are not in it
    raw = pa.canonical_json()
    assert (
        raw == json.dumps(json.loads(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    assert "赵六" not in raw.decode("utf-8")
    assert public_record(a, DEPARTMENTS) is pa  # once per entry


def test_canonical_json_written_field_by_field_equals_the_json_encoder():
    """``canonical_json`` writes the JSON itself (the ledger's hash of every version): the same
    bytes as the encoder with sorted keys, for escapes, control characters, non-ASCII, amounts,
    corrections with and without a nature, party codes and lists, and a non-text value."""
    texts = '引号"与\\反斜杠\n换行\t制表\x01\u2028 é'
    data = {
        "party": {"name": "甲公司" + texts, "category": "法人及非法人组织", "uscc": "91320400MA1W9XXXXQ"},
        "facts": texts,
        "basis": "",
        "fine_yuan": "1234.50",
        "categories": ["罚款", texts],
        "corrections": [
            {"date": "2026-03-05", "reason": "更正" + texts, "nature": "形式"},
            {"date": "2026-03-06", "reason": "错字"},
        ],
    }
    records = [project(_record(data)), project(_record({"content": texts}, kind="licence"))]
    records.append(replace(records[0], item_name=None, region_code=7, fine_yuan=None, party_codes=()))
    # Nested values that are not text (a unit without a credit code, a code or category None, a
    # correction without a date): written as the encoder writes them, not refused.
    first = records[0]
    odd = replace(first.corrections[0], date=None)
    records.append(
        replace(
            first,
            authority=replace(first.authority, uscc=None),
            categories=(None, "罚款"),
            party_codes=(("uscc", None),),
            corrections=(odd, *first.corrections[1:]),
        )
    )
    for pr in records:
        assert pr.canonical_json() == pr.canonical_json_reference()
    assert b'"nature":"\xe5\xbd\xa2\xe5\xbc\x8f"' in records[0].canonical_json()
    assert b'"item_name":null,' in records[2].canonical_json()


def test_a_projection_is_the_public_record_its_constructor_makes():
    """``project`` makes its ``PublicRecord`` without the frozen dataclass's ``__init__`` (a cost
    paid 100,000 times per build): it has every field, equals and hashes as the record the
    constructor makes from the same values, and stays frozen."""
    made = [
        project(_record({"party": {"name": "赵六", "category": "自然人"}, "facts": "赵六于2026年"})),
        project(_record({"content": "许可", "valid_to": "2030-01-01"}, kind="licence")),
    ]
    for pr in made:
        assert list(pr.__dict__) == [f.name for f in fields(PublicRecord)]
        again = replace(pr)  # through __init__
        assert again == pr and hash(again) == hash(pr) and again.canonical_json() == pr.canonical_json()
        with pytest.raises(FrozenInstanceError):
            pr.facts = "改"
    with pytest.raises(TypeError):
        record_module._public_record(id="x")  # a field missing: refused, not a half-made record


def test_canonical_json_changes_with_public_content():
    one = project(_record({"party": {"name": "甲公司", "category": "法人及非法人组织"}, "facts": "一"}))
    two = project(_record({"party": {"name": "甲公司", "category": "法人及非法人组织"}, "facts": "二"}))
    assert one.canonical_json() != two.canonical_json()


def test_sealed_id_numbers_are_not_part_of_the_projection():
    """Issue 17: ``PublicRecord`` has no field for the sealed ID numbers, so no output can read them."""
    _, recipient = generate_identity()
    person = _record({"party": {
        "name": "王小明", "category": "自然人", "id_type": "身份证", "id_no_masked": "3204**********1235",
        "id_no_sealed": seal(PERSON_ID, [recipient]),
    }})  # fmt: skip
    company = _record({"party": {
        "name": "常州市某某有限公司", "category": "法人及非法人组织", "legal_rep": "张三",
        "legal_rep_id_no_sealed": seal(PERSON_ID, [recipient]),
    }})  # fmt: skip
    names = {f.name for f in fields(PublicRecord)}
    assert not {n for n in names if "sealed" in n or "id_no" in n}
    for record in (person, company):
        text = project(record).canonical_json().decode("utf-8")
        assert "AGE ENCRYPTED" not in text and PERSON_ID not in text
        assert not any(key in text for key in SEALED_PARTY_KEYS)

"""The synthetic data generator: deterministic, covers every case, and everything it writes validates."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from gongshi.check.record_rules import SECRET_STUB_KEYS
from gongshi.check.run import validate_repository
from gongshi.core import identifiers, privacy
from gongshi.repo.yamlload import load_yaml_bytes

from bench import synth

REPO = Path(__file__).resolve().parents[3]
END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def records() -> list[synth.SynthRecord]:
    return list(synth.iter_records(240, seed=5, end=END, recent=(14, 0.12)))


def _stringify(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    return value


def test_deterministic_for_a_seed():
    a = synth.generate_records(80, seed=11, end=END)
    b = synth.generate_records(80, seed=11, end=END)
    c = synth.generate_records(80, seed=12, end=END)
    assert a == b
    assert a != c
    assert synth.generate_registry(3) == synth.generate_registry(3)


def test_registry_shape():
    departments, catalogs = synth.generate_registry(1)
    keys = [d["key"] for d in departments["departments"]]
    assert {"scjg", "sthj", "zjj", "wjw", "cgj", "jtj", "yjj", "wgl"} <= set(keys)
    assert set(catalogs) == set(keys)
    for d in departments["departments"]:
        assert identifiers.uscc_problem(d["uscc"]) is None and d["uscc"].startswith("11320404")
        assert d["owners"] == [f"@zhonglou/{d['key']}-publishers"]
    for key, doc in catalogs.items():
        kinds = {i["kind"] for i in doc["items"]}
        assert kinds == {"licence", "penalty"}, key
        assert all(i["code"].startswith(f"{key}-") for i in doc["items"])
    sizes = [len(doc["items"]) for doc in catalogs.values()]
    assert sum(sizes) >= 50


def stub(r) -> bool:
    return r.data.get("disclosure", {}).get("reason") == "国家秘密"


def test_every_case_is_covered(records):
    kinds = {r.kind for r in records}
    assert any(stub(r) for r in records)
    full = [r for r in records if not stub(r)]  # a 国家秘密 stub has no party, no categories
    assert kinds == {"licence", "penalty"}
    parties = {r.data["party"]["category"] for r in full}
    assert parties == set(synth.PARTY_CATEGORIES)
    reasons = {r.data["disclosure"]["reason"] for r in records if "reason" in r.data.get("disclosure", {})}
    assert reasons == set(synth.WITHHOLD_REASONS)
    statuses = {r.data.get("status", "有效") for r in records}
    assert statuses == {"有效", "撤销", "变更", "注销", "失效", "已修复"}
    categories = {c for r in full if r.kind == "penalty" for c in r.data["categories"]}
    assert categories == set(synth.PENALTY_CATEGORIES)
    id_types = {r.data["party"]["id_type"] for r in full if r.data["party"]["category"] == "自然人"}
    assert {"身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证"} <= id_types
    assert any(r.data["party"].get("uscc") == identifiers.USCC_PLACEHOLDER for r in full)
    assert any(
        r.data["party"]["category"] == "个体工商户"
        and r.data["party"]["uscc"] != identifiers.USCC_PLACEHOLDER
        for r in full
    )
    assert any("corrections" in r.data for r in records)
    assert any(r.kind == "licence" and "valid_to" not in r.data for r in records)
    assert any(r.kind == "licence" and "valid_to" in r.data for r in records)
    assert any("until" in r.data.get("disclosure", {}) for r in records)
    # the last two weeks are populated (a demo as of END has full rolling lists)
    assert sum((END - r.decision_date).days < 14 for r in records) >= 10
    assert min(r.decision_date for r in records).year == 2016
    assert max(r.decision_date for r in records) <= END


def test_domain_rules_hold(records):
    for r in records:
        d = r.data
        if stub(r):
            assert set(d) == set(SECRET_STUB_KEYS)
            assert d["disclosure"] == {"public": False, "reason": "国家秘密"}
            continue
        if d.get("procedure") == "简易程序":
            assert d["disclosure"] == {
                "public": False,
                "reason": "简易程序",
                "note": synth._WITHHOLD_NOTES["简易程序"],
            }
        party = d["party"]
        if party["category"] == "自然人":
            assert identifiers.masked_id_problem(party["id_no_masked"], party["id_type"]) is None
            assert "uscc" not in party and "legal_rep" not in party
        else:
            assert party["legal_rep"]
            if party["uscc"] == identifiers.USCC_PLACEHOLDER:
                assert party["category"] == "个体工商户"
                assert identifiers.business_reg_no_problem(party["business_reg_no"]) is None
            else:
                assert identifiers.uscc_problem(party["uscc"]) is None
        if r.kind == "penalty":
            assert ("fine_yuan" in d) == ("罚款" in d["categories"])
            assert ("confiscation_yuan" in d) == bool({"没收违法所得", "没收非法财物"} & set(d["categories"]))
        for text in (d.get("facts", ""), d.get("content", ""), d.get("remarks", "")):
            assert privacy.find_personal_numbers(text) == []


def test_yaml_round_trip(records):
    for r in records[:80]:
        text = r.yaml()
        assert text.startswith(
            f"# yaml-language-server: $schema=../../../../../schemas/{r.kind}.schema.json\n"
        )
        loaded = load_yaml_bytes(text.encode("utf-8"), r.relpath)
        assert loaded.problems == []
        assert loaded.data == _stringify(r.data)


def test_generated_repository_validates(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(REPO / "data" / "policy.yaml", tmp_path / "data" / "policy.yaml")
    shutil.copytree(REPO / "data" / "calendar", tmp_path / "data" / "calendar")
    synth.write_files(tmp_path, synth.registry_files(9))
    synth.write_files(tmp_path, synth.generate_records(400, seed=9, end=END, recent=(10, 0.1)))
    result = validate_repository(tmp_path, END, jobs=1)
    assert [p for p in result.problems] == []
    assert len(result.records) == 400


def test_sample_command(tmp_path, capsys):
    assert synth.main(["sample", "--out", str(tmp_path), "--count", "70"]) == 0
    files = list((tmp_path / "data" / "records").rglob("*.yaml"))
    assert len(files) == 70
    assert (tmp_path / "data" / "departments.yaml").is_file()
    assert synth.main(["sample", "--out", str(tmp_path), "--count", "70"]) == 1
    assert "--force" in capsys.readouterr().err
    assert synth.main(["sample", "--out", str(tmp_path), "--count", "65", "--force"]) == 0
    assert len(list((tmp_path / "data" / "records").rglob("*.yaml"))) == 65
    assert synth.main(["sample", "--out", str(tmp_path), "--end", "2026-13-01", "--force"]) == 2


def test_a_second_permit_of_one_party_gets_the_next_serial():
    # At 1,000,000 records some companies get two 排污许可证: the number built from the credit
    # code must not repeat (validation refuses a document number used twice).
    gen = synth._Generator(1, date(2020, 1, 1), END)
    ctx = synth._Context(gen.rng, date(2024, 5, 6), uscc="91320404MA1PD1HN19")
    numbers = [gen._doc_no("{uscc}{serial:03d}P", "sthj", ctx, 2024) for _ in range(3)]
    assert numbers == ["91320404MA1PD1HN19001P", "91320404MA1PD1HN19002P", "91320404MA1PD1HN19003P"]
    other = synth._Context(gen.rng, date(2024, 5, 6), uscc="9132040467550125XE")
    assert gen._doc_no("{uscc}{serial:03d}P", "sthj", other, 2024) == "9132040467550125XE001P"

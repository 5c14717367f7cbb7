"""The static JSON API: every document validates against its published schema; withheld, withdrawn
and private content stays out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gongshi.jsonapi import API_SCHEMAS, write_json_api
from jsonschema import Draft202012Validator, FormatChecker

from tests.opendata_repo import PERSON_NAME, PUBLIC_PERSON, WITHHELD_PARTY, WITHHELD_SECRET, shared_snapshot

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    snap = shared_snapshot(tmp_path_factory)
    out = tmp_path_factory.mktemp("api")
    counts = write_json_api(snap, out)
    return out, counts


def validator(out: Path, name: str) -> Draft202012Validator:
    # Validate against the copy the site publishes, not the source file.
    schema = json.loads((out / "api/schema" / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def load(out: Path, rel: str) -> dict:
    return json.loads((out / rel).read_text(encoding="utf-8"))


def test_schemas_published_unchanged(site):
    out, _ = site
    for name in API_SCHEMAS:
        assert (out / "api/schema" / name).read_bytes() == (SCHEMAS / name).read_bytes()
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        assert schema["$schema"].endswith("2020-12/schema") and schema["title"] and schema["description"]


def test_every_document_validates(site):
    out, counts = site
    assert counts == {"records": 6, "notices": 1, "departments": 3, "months": 4}
    v_record, v_list, v_index = (validator(out, f"api-{n}.schema.json") for n in ("record", "list", "index"))
    records = sorted((out / "r").glob("*.json"))
    assert [p.stem for p in records] == [
        "scjg-cf-2016-0001",
        "scjg-cf-2026-0015",
        "scjg-cf-2026-0016",
        "scjg-cf-2026-0023",
        "scjg-cf-2026-0031",
        "scjg-xk-2026-0101",
        "wjw-xk-2026-0003",
    ]
    for p in records:
        assert list(v_record.iter_errors(json.loads(p.read_text(encoding="utf-8")))) == [], p.name
    lists = sorted((out / "api/departments").glob("*.json")) + sorted((out / "api/months").glob("*.json"))
    assert len(lists) == 3 + 4
    for p in lists:
        assert list(v_list.iter_errors(json.loads(p.read_text(encoding="utf-8")))) == [], p.name
    assert list(v_index.iter_errors(load(out, "api/index.json"))) == []


def test_schema_rejects_leaks(site):
    out, _ = site
    v = validator(out, "api-record.schema.json")
    doc = load(out, "r/scjg-cf-2026-0031.json")
    doc["party"]["id_no_masked"] = "320404********5678"
    assert list(v.iter_errors(doc)), "no ID number field is allowed"
    notice = load(out, "r/scjg-cf-2026-0016.json")
    notice["party"] = {"name": "x"}
    assert list(v.iter_errors(notice)), "a notice carries no party"


def test_record_content(site):
    out, _ = site
    h = load(out, "r/scjg-cf-2026-0031.json")
    assert h["party"]["name"] == "欧阳**" and h["party"]["id_type"] == "身份证"
    assert h["penalty"]["facts"].startswith("欧阳**")
    assert h["penalty"]["fine_yuan"] == "1234.5" and h["penalty"]["fine_wan"] == "0.123450"
    assert h["timeline"] == {
        "published_at": "2026-09-29",
        "deadline": "2026-10-12",
        "on_time": True,
        "backfilled": False,
        "delay_workdays": 0,
        "list_until": "2026-10-08",
        "disclosure_until": "2033-09-27",
    }
    assert h["url"] == "r/scjg-cf-2026-0031.html" and h["state"] == "query"
    a = load(out, "r/scjg-xk-2026-0101.json")
    assert [c["change"] for c in a["history"]] == ["added", "modified"]
    assert a["history"][1]["committed_at"] == "2026-04-02T08:45:00+08:00"
    assert a["licence"]["licence_no"] == "JY13204040012345"
    notice = load(out, "r/scjg-cf-2026-0016.json")
    assert notice["state"] == "withdrawn" and notice["status_reason"] == "经行政复议撤销原处罚决定。"
    assert "party" not in notice and "penalty" not in notice


def test_indexes(site):
    out, _ = site
    index = load(out, "api/index.json")
    assert index["counts"] == {"licence": 2, "penalty": 4, "withdrawn": 1}
    assert [m["month"] for m in index["months"]] == ["2026-10", "2026-09", "2026-05", "2026-03"]
    scjg = load(out, "api/departments/scjg.json")
    assert {r["id"] for r in scjg["records"]} == {
        "scjg-cf-2016-0001",
        "scjg-cf-2026-0015",
        "scjg-cf-2026-0023",
        "scjg-cf-2026-0031",
        "scjg-xk-2026-0101",
    }
    assert [w["id"] for w in scjg["withdrawn"]] == ["scjg-cf-2026-0016"]
    assert load(out, "api/departments/zhzf.json")["records"] == []
    may = load(out, "api/months/2026-05.json")
    assert may["records"] == [] and [w["id"] for w in may["withdrawn"]] == ["scjg-cf-2026-0016"]
    for rel in [*(d["url"] for d in index["departments"]), *(m["url"] for m in index["months"])]:
        assert (out / rel).is_file()


def test_nothing_private(site):
    out, _ = site
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.json") if "schema" not in p.parts)
    for secret in (
        PERSON_NAME,
        PUBLIC_PERSON,
        WITHHELD_PARTY,
        WITHHELD_SECRET,
        "zhzf-cf-2026-0001",
        "********",
    ):
        assert secret not in text


def test_commit_subjects_mask_every_natural_person_of_the_repository(tmp_path_factory):
    # A clerk's commit subject on a company's record may name any person of the repository: the
    # JSON history masks them all, as the record page does (masking.NameMasker), not only the
    # record's own party.
    from dataclasses import replace

    from gongshi.jsonapi import record_document

    snap = shared_snapshot(tmp_path_factory)
    entry = next(e for e in snap.entries if e.id == "scjg-xk-2026-0101")
    change = entry.history[0]
    subject = f"更正：误录为{PERSON_NAME}，并核对{PUBLIC_PERSON}的处罚"
    entry = replace(entry, history=[replace(change, subject=subject)])
    history = record_document(entry, snap)["history"]
    assert [h["subject"] for h in history] == [f"更正：误录为{PERSON_NAME[0]}**，并核对欧阳**的处罚"]

"""The static JSON API: every document validates against its published schema; withheld, withdrawn
and private content stays out; a record is found from its id; a rebuild remakes only the shards
whose records changed."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from gongshi.outputs.jsonapi import (
    API_SCHEMAS,
    id_prefix,
    load_gzip,
    plan_shards,
    shard_path,
    write_extra,
    write_json_api,
)
from gongshi.repo.schemas import SCHEMA_DIR
from gongshi.site.manifest import OutputManifest
from gongshi.site.output import OutputWriter, SiteOutput
from gongshi.snapshot.build import Entry
from gongshi.snapshot.load import load as load_snapshot
from jsonschema import Draft202012Validator, FormatChecker

from tests.support.opendata_repo import (
    AS_OF,
    PATHS,
    PENALTY_H,
    PERSON_NAME,
    PUBLIC_PERSON,
    WITHHELD_PARTY,
    WITHHELD_SECRET,
    build_repo,
    shared_snapshot,
)

SCHEMAS = SCHEMA_DIR
SHARDS = ["scjg-cf-2016", "scjg-cf-2026", "scjg-xk-2026", "wjw-xk-2026"]


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


def find(out: Path, record_id: str) -> dict:
    """What an API user does: the shard from the id (or the index's exceptions), then the record."""
    index = load(out, "api/index.json")
    shard = index["shard_of"].get(record_id, id_prefix(record_id))
    doc = load_gzip((out / index["shard_url_template"].format(shard=shard)).read_bytes())
    found = [r for r in doc["records"] + doc["withdrawn"] if r["id"] == record_id]
    assert len(found) == 1, record_id
    return found[0]


def test_schemas_published_unchanged(site):
    out, _ = site
    assert sorted(p.name for p in (out / "api/schema").iterdir()) == sorted(API_SCHEMAS)
    for name in API_SCHEMAS:
        assert (out / "api/schema" / name).read_bytes() == (SCHEMAS / name).read_bytes()
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        assert schema["$schema"].endswith("2020-12/schema") and schema["title"] and schema["description"]


def test_every_document_validates(site):
    out, counts = site
    assert counts == {"records": 6, "notices": 1, "shards": 4, "shards_made": 4}
    v_shard, v_index = validator(out, "api-shard.schema.json"), validator(out, "api-index.schema.json")
    files = sorted(p.name for p in (out / "api/records").iterdir())
    assert files == [f"{s}.json.gz" for s in SHARDS]
    ids = []
    for name in SHARDS:
        doc = load_gzip((out / shard_path(name)).read_bytes())
        assert list(v_shard.iter_errors(doc)) == [], name
        assert doc["shard"] == name
        ids += [r["id"] for r in doc["records"] + doc["withdrawn"]]
    assert sorted(ids) == [
        "scjg-cf-2016-0001",
        "scjg-cf-2026-0015",
        "scjg-cf-2026-0016",
        "scjg-cf-2026-0023",
        "scjg-cf-2026-0031",
        "scjg-xk-2026-0101",
        "wjw-xk-2026-0003",
    ], "each record exactly once"
    assert list(v_index.iter_errors(load(out, "api/index.json"))) == []
    assert not (out / "r").exists(), "no per-record files"


def test_schema_rejects_leaks(site):
    out, _ = site
    v = validator(out, "api-shard.schema.json")
    doc = load_gzip((out / shard_path("scjg-cf-2026")).read_bytes())
    assert list(v.iter_errors(doc)) == []
    person = next(r for r in doc["records"] if r["id"] == "scjg-cf-2026-0031")
    person["party"]["id_no_masked"] = "320404********5678"
    assert list(v.iter_errors(doc)), "no ID number field is allowed"
    del person["party"]["id_no_masked"]
    doc["withdrawn"][0]["party"] = {"name": "x"}
    assert list(v.iter_errors(doc)), "a notice carries no party"


def test_record_content(site):
    out, _ = site
    h = find(out, "scjg-cf-2026-0031")
    assert h["format"] == "gongshi-record/3" and "as_of" not in h
    assert h["party"]["name"] == "欧阳**" and h["party"]["id_type"] == "身份证"
    assert h["penalty"]["facts"].startswith("欧阳**")
    assert h["penalty"]["fine_yuan"] == "1234.5" and h["penalty"]["fine_wan"] == "0.123450"
    assert h["timeline"] == {
        "published_at": "2026-09-29",
        "deadline": "2026-10-12",
        "on_time": True,
        "backfilled": False,
        "delay_workdays": 0,
        "list_until": "2026-10-09",  # published 09-29 + 10 days (民法典 第二百零一条)
        "disclosure_until": "2033-09-28",  # 7 years to the corresponding day
    }
    assert h["url"] == "r/scjg-cf-2026-0031.html" and h["state"] == "query"
    a = find(out, "scjg-xk-2026-0101")
    # The change history comes from the record's own data: no commit, no subject, no link.
    assert a["history"][0] == {"date": a["timeline"]["published_at"], "event": "公示", "detail": ""}
    assert [c["date"] for c in a["corrections"]] == [h["date"] for h in a["history"] if h["event"] == "更正"]
    assert not any({"commit", "subject", "committed_at"} & set(h) for h in a["history"])
    assert a["licence"]["licence_no"] == "JY13204040012345"
    notice = find(out, "scjg-cf-2026-0016")
    assert notice["format"] == "gongshi-withdrawal/2"
    assert notice["state"] == "withdrawn" and notice["status_reason"] == "经行政复议撤销原处罚决定。"
    assert "party" not in notice and "penalty" not in notice
    # 方案 §四(二): 当前状态 and 行政区划编码 in every document, notices included.
    for doc in (h, a, notice):
        assert doc["region_code"] == "320404" and doc["status"], doc["id"]
    assert (h["status"], a["status"], notice["status"]) == ("有效", "有效", "撤销")


def test_index(site):
    out, _ = site
    index = load(out, "api/index.json")
    assert index["format"] == "gongshi-index/2" and index["as_of"] == AS_OF.isoformat()
    assert index["counts"] == {"licence": 2, "penalty": 4, "withdrawn": 1}
    depts = {d["key"]: d for d in index["departments"]}
    assert depts["scjg"]["counts"] == {"licence": 1, "penalty": 4} and depts["scjg"]["withdrawn"] == 1
    assert depts["zhzf"]["counts"] == {"licence": 0, "penalty": 0}, "withheld: not counted"
    shards = {s["shard"]: s for s in index["shards"]}
    assert list(shards) == SHARDS
    assert shards["scjg-cf-2026"] == {
        "shard": "scjg-cf-2026",
        "url": "api/records/scjg-cf-2026.json.gz",
        "department": "scjg",
        "kind": "penalty",
        "year": "2026",
        "records": 3,
        "withdrawn": 1,
    }
    assert index["shard_of"] == {}, "every fixture id follows <dept>-<xk|cf>-<year>-<n>"
    for s in index["shards"]:
        assert (out / s["url"]).is_file()
    assert index["page_url_template"] == "r/{id}.html"


def test_nothing_private(site):
    out, _ = site
    texts = [(out / "api/index.json").read_text(encoding="utf-8")]
    texts += [
        json.dumps(load_gzip(p.read_bytes()), ensure_ascii=False) for p in (out / "api/records").iterdir()
    ]
    text = "".join(texts)
    for secret in (
        PERSON_NAME,
        PUBLIC_PERSON,
        WITHHELD_PARTY,
        WITHHELD_SECRET,
        "zhzf-cf-2026-0001",
        "********",
    ):
        assert secret not in text


def test_deterministic(tmp_path_factory, site):
    out, _ = site
    again = tmp_path_factory.mktemp("api-again")
    write_json_api(shared_snapshot(tmp_path_factory), again)
    for p in (out / "api").rglob("*"):
        if p.is_file():
            assert (again / p.relative_to(out)).read_bytes() == p.read_bytes(), p


def test_an_id_off_the_naming_rule_is_listed_in_the_index(tmp_path_factory):
    snap = shared_snapshot(tmp_path_factory)
    i = next(i for i, e in enumerate(snap.entries) if e.id == "scjg-cf-2026-0023")
    e = snap.entries[i]
    snap.entries[i] = Entry(
        dataclasses.replace(e.record, id="odd-name"), e.timeline, e.history, e.department, e.item
    )
    plan = plan_shards(snap)
    assert plan.elsewhere == {"odd-name": "scjg-cf-2026"}
    out = tmp_path_factory.mktemp("odd")
    write_json_api(snap, out)
    assert find(out, "odd-name")["doc_no"] == "钟测市监罚〔2026〕23号"


def test_commit_subjects_are_never_published(tmp_path_factory):
    # A clerk's commit subject may name anyone, hold ID and phone numbers or another (withheld)
    # record's party: the JSON history is made from the record's own data, never from subjects.
    from dataclasses import replace

    from gongshi.outputs.jsonapi import record_document

    snap = shared_snapshot(tmp_path_factory)
    entry = next(e for e in snap.entries if e.id == "scjg-xk-2026-0101")
    change = entry.history[0]
    subject = f"更正：误录为{PERSON_NAME}，身份证320404200801011235 手机13912345678"
    entry = replace(entry, history=[replace(change, subject=subject)])
    text = json.dumps(record_document(entry, snap), ensure_ascii=False)
    for leak in (PERSON_NAME, "误录为", "320404200801011235", "13912345678", change.sha):
        assert leak not in text


# Incremental rebuilds --------------------------------------------------------------------------
class Build:
    """The site's way of writing the API: a staged output folder, the previous output and its
    manifest of input keys (what ``gongshi build`` does, without Pelican)."""

    def __init__(self, root: Path, work: Path):
        self.root, self.work, self.n, self.keys, self.previous = root, work, 0, {}, None

    def run(self, as_of=AS_OF) -> tuple[dict, OutputWriter]:
        self.n += 1
        out = self.work / f"out{self.n}"
        manifest = OutputManifest(None, out)
        manifest.old = self.keys
        writer = OutputWriter(out, self.previous, manifest=manifest)
        counts = write_extra(
            load_snapshot(self.root, as_of, cache=False), out, SiteOutput(out, None, {}, writer)
        )
        self.keys, self.previous = manifest.new, out
        return counts, writer


def _inode(path: Path) -> int:
    return os.stat(path).st_ino


def test_one_changed_record_remakes_only_its_shard(tmp_path):
    from datetime import date

    repo = build_repo(tmp_path / "repo")
    build = Build(repo.path, tmp_path)
    first, _ = build.run()
    assert first["shards_made"] == 4
    before = build.previous

    # Nothing changed: no shard is computed; every file is the previous one (hard link).
    same, writer = build.run()
    assert same["shards_made"] == 0 and writer.changed == []
    for name in SHARDS:
        assert _inode(build.previous / shard_path(name)) == _inode(before / shard_path(name))

    # One record corrected: only its shard is computed and written; the index (same counts) stays.
    text = (repo.path / PATHS["scjg-cf-2026-0023"]).read_text(encoding="utf-8")
    repo.commit(
        "更正备注", "2026-10-12T10:00:00+08:00", {PATHS["scjg-cf-2026-0023"]: text + "remarks: 已更正。\n"}
    )
    counts, writer = build.run()
    assert counts["shards_made"] == 1 and writer.changed == [shard_path("scjg-cf-2026")]
    assert find(build.previous, "scjg-cf-2026-0023")["remarks"] == "已更正。"

    # A commit whose subject names someone but changes nothing published remakes nothing (before
    # issue 14 the subject was published and remade the shard); then a record of that person
    # arrives: it remakes its own shard only (and the index: new counts).
    lic = PATHS["scjg-xk-2026-0101"]
    text = (repo.path / lic).read_text(encoding="utf-8")
    repo.commit("核对李小龙的许可", "2026-10-12T11:00:00+08:00", {lic: text.replace("换发。", "换发。 ")})
    assert build.run()[0]["shards_made"] == 0
    assert "李小龙" not in json.dumps(find(build.previous, "scjg-xk-2026-0101"), ensure_ascii=False)
    person = PENALTY_H.replace(PUBLIC_PERSON, "李小龙").replace("31号", "40号")
    new = PATHS["scjg-cf-2026-0031"].replace("0031", "0040")
    repo.commit("add", "2026-10-12T12:00:00+08:00", {new: person})
    counts, writer = build.run()
    assert counts["shards_made"] == 1
    assert sorted(writer.changed) == ["api/index.json", shard_path("scjg-cf-2026")]

    # The next day: the shards do not show the date; only a record whose state changed remakes its
    # shard (scjg-cf-2026-0015 leaves the rolling list after 2026-10-16).
    assert build.run(date(2026, 10, 13))[0]["shards_made"] == 0
    counts, writer = build.run(date(2026, 10, 17))
    assert counts["shards_made"] == 1 and shard_path("scjg-cf-2026") in writer.changed
    assert find(build.previous, "scjg-cf-2026-0015")["state"] == "query"

"""``gongshi report``: every collected record in full, national columns, field codes, formats, the
sealed ID numbers, and the round trip into ``gongshi import``. Fixture: tests/support/report_repo.py."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.report import columns as col
from gongshi.sheets.national_standard import LICENCE_HEADERS, PENALTY_HEADERS
from openpyxl import load_workbook

from tests.support.gitrepo import GitRepo
from tests.support.opendata_repo import CALENDAR_2026, PERSON_NAME, PUBLIC_PERSON, REGISTRY, WITHHELD_PARTY
from tests.support.report_repo import (
    AS_OF,
    LEGAL_REP_ID,
    OTHER_IDENTITY,
    PRIVATE_PERSON,
    PRIVATE_PERSON_ID,
    PUBLIC_PERSON_ID,
    UNPUBLISHED_PARTY,
    build_report_repo,
    write_identity,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("report")
    build_report_repo(base / "repo")
    return base / "repo"


@pytest.fixture
def repo(built, tmp_path, monkeypatch) -> Path:
    """A private copy of the fixture repository (reports write the ledger into it), as cwd."""
    copy = tmp_path / "repo"
    shutil.copytree(built, copy, symlinks=True)
    monkeypatch.chdir(copy)
    monkeypatch.delenv("GONGSHI_AGE_IDENTITY", raising=False)
    return copy


def gongshi(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def report_json(repo: Path, *extra: str) -> tuple[dict, object]:
    out = repo.parent / "report.json"
    identity = write_identity(repo.parent)
    result = gongshi(
        "report",
        "--format",
        "json",
        "--output",
        str(out),
        "--as-of",
        AS_OF,
        "--identity",
        str(identity),
        *extra,
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8")), result


def rows_by_id(doc: dict) -> dict[str, dict[str, str]]:
    return {row[col.RECORD_ID]: row for ds in doc["datasets"] for row in ds["rows"]}


def test_every_collected_record_in_full_with_its_state(repo):
    doc, _ = report_json(repo)
    rows = rows_by_id(doc)
    assert set(rows) == {
        "scjg-xk-2026-0101",
        "wjw-xk-2026-0003",
        "scjg-xk-2026-0051",
        "scjg-cf-2026-0015",
        "scjg-cf-2026-0016",
        "scjg-cf-2026-0023",
        "scjg-cf-2026-0031",
        "scjg-cf-2026-0041",
        "scjg-cf-2016-0001",
        "zhzf-cf-2026-0001",
    }, "every record but the 国家秘密 stub (scjg-xk-2026-0061)"
    # 简易程序: collected, reported, marked as not public.
    simple = rows["zhzf-cf-2026-0001"]
    assert simple["行政相对人名称"] == WITHHELD_PARTY
    assert (simple["信息使用范围"], simple["不公开原因"], simple["当前状态"]) == (
        "仅政府部门内部共享",
        "简易程序",
        "有效",
    )
    assert simple["违法事实"] == "保密事实不得公开。"
    # Withheld natural person: full name and unsealed full ID.
    private = rows["scjg-cf-2026-0041"]
    assert private["行政相对人名称"] == PRIVATE_PERSON and private["证件号码"] == PRIVATE_PERSON_ID
    assert private["证件类型"] == "身份证" and private["不公开原因"] == "个人隐私"
    # Public natural person: the full name (the site shows 欧阳**) and the full ID.
    public = rows["scjg-cf-2026-0031"]
    assert public["行政相对人名称"] == PUBLIC_PERSON and public["证件号码"] == PUBLIC_PERSON_ID
    assert public["信息使用范围"] == "社会公示" and public["违法事实"].startswith(PUBLIC_PERSON)
    # Withdrawn: the whole record (party, facts) with its status, not a blank notice row.
    revoked = rows["scjg-cf-2026-0016"]
    assert revoked["当前状态"] == "撤销" and revoked["行政相对人名称"] == PERSON_NAME
    assert revoked["违法事实"].startswith(PERSON_NAME) and revoked["罚款金额（万元）"] == "0.123450"
    assert (revoked["状态变更日期"], revoked["状态变更原因"]) == ("2026/05/10", "经行政复议撤销原处罚决定。")
    # Un-published: still reported, now internal, with the correction's reason.
    unpub = rows["scjg-xk-2026-0051"]
    assert unpub["行政相对人名称"] == UNPUBLISHED_PARTY and unpub["信息使用范围"] == "仅政府部门内部共享"
    assert unpub["不公开原因"] == "商业秘密" and unpub["当前状态"] == "有效"
    # Corrected: the corrected value; the legal representative's full ID unsealed.
    corrected = rows["scjg-xk-2026-0101"]
    assert corrected["许可编号"] == "JY13204040012345" and corrected["法定代表人证件号码"] == LEGAL_REP_ID
    # 长期 as the policy's reporting.long_term says (2099-12-31).
    assert rows["wjw-xk-2026-0003"]["有效期至"] == "2099/12/31"
    # 行政区划编码 and 数据来源单位 on every row; every row new in the first batch.
    for row in rows.values():
        assert row["行政区划编码"] == "320404" and row["数据来源单位"] and row["数据来源单位统一社会信用代码"]
        assert row[col.CHANGE] == "新增" and row[col.BATCH] == doc["batch"]


def test_columns_are_the_standard_then_the_reporting_columns():
    assert col.NAMES["licence"][: len(LICENCE_HEADERS)] == LICENCE_HEADERS
    assert col.NAMES["penalty"][: len(PENALTY_HEADERS)] == PENALTY_HEADERS
    assert col.NAMES["penalty"][len(PENALTY_HEADERS)] == "当前状态"
    codes = col.headers("penalty", "codes")
    assert codes[:3] == ("CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM") and "CF_WSH" in codes and "CF_ZT" in codes
    assert col.headers("licence", "codes")[13:15] == ("XK_XKWS", "XK_WSH")
    for kind in ("licence", "penalty"):
        assert len(set(col.headers(kind, "codes"))) == len(col.NAMES[kind]), "codes are unique"


def test_without_identity_the_report_warns_and_leaves_full_numbers_blank(repo):
    out = repo.parent / "r.json"
    result = gongshi("report", "--format", "json", "--output", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "没有提供私钥" in result.output and "4 个完整证件号码留空" in result.output
    rows = rows_by_id(json.loads(out.read_text(encoding="utf-8")))
    assert (
        rows["scjg-cf-2026-0041"]["证件号码"] == ""
        and rows["scjg-cf-2026-0041"]["行政相对人名称"] == PRIVATE_PERSON
    )
    # With the key later, --since-last sends exactly the rows whose numbers were blank, as updates.
    doc, _ = report_json(repo, "--since-last")
    assert {r: v[col.CHANGE] for r, v in rows_by_id(doc).items()} == {
        "scjg-cf-2026-0016": "更新",
        "scjg-cf-2026-0031": "更新",
        "scjg-cf-2026-0041": "更新",
        "scjg-xk-2026-0101": "更新",
    }


def test_a_wrong_identity_refuses_to_report(repo):
    key = write_identity(repo.parent, OTHER_IDENTITY)
    out = repo.parent / "r.json"
    result = gongshi(
        "report", "--format", "json", "--output", str(out), "--as-of", AS_OF, "--identity", str(key)
    )
    assert result.exit_code == 1 and "无法用所给私钥解密" in result.output
    assert not out.exists() and not (repo / "reports").exists()


def test_field_code_headers_and_formats(repo):
    identity = str(write_identity(repo.parent))
    folder = repo.parent / "out"
    folder.mkdir()
    result = gongshi(
        "report",
        "--format",
        "csv",
        "--headers",
        "codes",
        "--output",
        str(folder),
        "--as-of",
        AS_OF,
        "--identity",
        identity,
    )
    assert result.exit_code == 0, result.output
    files = sorted(folder.iterdir())
    assert [f.name.rsplit("-", 1)[-1] for f in files] == ["licence.csv", "penalty.csv"]
    data = files[1].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    assert "文本" in lines[0][0], "line 1: the note that codes must be imported as text"
    assert lines[1] == list(col.headers("penalty", "codes"))
    by_id = {r[lines[1].index("GS_JLBH")]: r for r in lines[2:]}
    assert by_id["scjg-cf-2026-0041"][lines[1].index("CF_XDR_ZJHM")] == PRIVATE_PERSON_ID
    assert by_id["scjg-cf-2026-0016"][lines[1].index("CF_ZT")] == "撤销"


def _fresh_repository(folder: Path) -> Path:
    """The receiving side: the same registry, no records."""
    shutil.copytree(REGISTRY / "data", folder / "data")
    (folder / "data/calendar/2026.yaml").write_text(CALENDAR_2026, encoding="utf-8")
    GitRepo.init(folder).git("add", "--all")
    return folder


@pytest.mark.parametrize("style", ["names", "codes"])
def test_xlsx_cells_are_text_and_round_trip_through_import(repo, style, monkeypatch):
    identity = str(write_identity(repo.parent))
    out = repo.parent / f"report-{style}.xlsx"
    args = ["report", "--output", str(out), "--as-of", AS_OF, "--identity", identity, "--headers", style]
    assert gongshi(*args, "--no-record").exit_code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["行政许可", "行政处罚"]
    originals = {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in repo.glob("data/records/scjg/*/*/*.yaml")
    }
    receiving = _fresh_repository(repo.parent / f"receiving-{style}")
    for kind, sheet_name in (("licence", "行政许可"), ("penalty", "行政处罚")):
        ws = wb[sheet_name]
        header = [c.value for c in next(ws.iter_rows(max_row=1))]
        assert header == list(col.headers(kind, style))
        assert all(c.number_format == "@" for row in ws.iter_rows(min_row=2) for c in row)
        rows = [["" if c.value is None else c.value for c in row] for row in ws.iter_rows(min_row=2)]
        id_col = header.index("记录编号" if style == "names" else "GS_JLBH")
        sheet = repo.parent / f"import-{style}-{kind}.csv"
        with sheet.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows([r for r in rows if str(r[id_col]).startswith("scjg-")])
        monkeypatch.chdir(receiving)
        result = gongshi("import", str(sheet), "--dept", "scjg", "--as-of", AS_OF)
        monkeypatch.chdir(repo)
        assert result.exit_code == 0, result.output
    imported = [
        yaml.safe_load(p.read_text(encoding="utf-8")) for p in receiving.glob("data/records/scjg/*/*/*.yaml")
    ]
    by_doc = {d["doc_no"]: d for d in imported}
    sent = {d["doc_no"]: d for d in originals.values() if "doc_no" in d}
    assert set(by_doc) == set(sent), "every scjg record came across, the 国家秘密 stub did not"
    for doc_no, original in sent.items():
        back = by_doc[doc_no]
        for key in (
            "kind",
            "item",
            "decision_date",
            "content",
            "facts",
            "categories",
            "status",
            "status_date",
            "licence_no",
        ):
            assert str(back.get(key)) == str(original.get(key)), (doc_no, key)
        assert back["party"]["name"] == original["party"]["name"], "full names"
        for amount in ("fine_yuan", "confiscation_yuan"):
            mine, theirs = original.get(amount), back.get(amount)
            assert (mine is None and theirs is None) or Decimal(str(mine)) == Decimal(str(theirs)), (
                doc_no,
                amount,
            )
        withheld = original.get("disclosure", {}).get("public") is False
        assert (back.get("disclosure", {}).get("public") is False) == withheld, doc_no


def test_a_report_written_inside_the_repository_is_warned_about(repo):
    result = gongshi("report", "--format", "json", "--output", "r.json", "--as-of", AS_OF, "--no-record")
    assert result.exit_code == 0 and "不要提交到仓库" in result.output
    outside = gongshi(
        "report", "--format", "json", "--output", str(repo.parent / "r.json"), "--as-of", AS_OF, "--no-record"
    )
    assert outside.exit_code == 0 and "不要提交到仓库" not in outside.output

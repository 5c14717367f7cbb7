"""Exports in the national standard's columns: CSV (BOM, CRLF), XLSX, JSON; site downloads; the CLI;
LibreOffice opens the files. The fixture repository is tests/support/opendata_repo.py (real Git history)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.outputs import exports
from gongshi.outputs.exports import Selection
from gongshi.repo.schemas import SCHEMA_DIR
from jsonschema import Draft202012Validator, FormatChecker
from openpyxl import load_workbook

from tests.support.opendata_repo import (
    PATHS,
    PERSON_NAME,
    PUBLIC_PERSON,
    WITHHELD_PARTY,
    WITHHELD_SECRET,
    shared_repo,
    shared_snapshot,
)

SCHEMAS = SCHEMA_DIR

# The current national standard, written out here independently of the code (domain.md §2.2).
PARTY = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1（统一社会信用代码）",
    "行政相对人代码_2（工商注册号）",
    "行政相对人代码_3（组织机构代码）",
    "行政相对人代码_4（税务登记号）",
    "行政相对人代码_5（事业单位证书号）",
    "行政相对人代码_6（社会组织登记证号）",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "证件类型",
    "证件号码",
]
LICENCE_HEADERS = [
    *PARTY,
    *("行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容"),
    *("许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态"),
    *("数据来源单位", "数据来源单位统一社会信用代码", "备注"),
    "行政区划编码",  # 方案 §四(二), not in the current standard
    "数据导出时间",
]
PENALTY_HEADERS = [
    *PARTY,
    *("行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容"),
    *("罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号"),
    *("处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码"),
    *("数据来源单位", "数据来源单位统一社会信用代码", "备注"),
    *("当前状态", "行政区划编码"),  # 方案 §四(二), not in the current penalty standard
    "数据导出时间",
]
EXPECTED = {"licence": LICENCE_HEADERS, "penalty": PENALTY_HEADERS}


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    return shared_snapshot(tmp_path_factory)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM (Excel)"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def by_doc_no(rows: list[dict[str, str]], kind: str) -> dict[str, dict[str, str]]:
    key = "行政许可决定文书号" if kind == "licence" else "行政处罚决定书文号"
    return {r[key]: r for r in rows}


def test_header_counts_match_the_standard():
    assert len(LICENCE_HEADERS) == 28 + 1 + 1 and len(PENALTY_HEADERS) == 30 + 2 + 1
    assert list(exports.LICENCE_COLUMNS) == LICENCE_HEADERS
    assert list(exports.PENALTY_COLUMNS) == PENALTY_HEADERS


@pytest.mark.parametrize("kind", ["licence", "penalty"])
def test_csv_is_excel_friendly_and_in_standard_order(snap, kind):
    data = exports.render(snap, "csv", Selection(kind=kind))
    text = data[3:].decode("utf-8")
    # Every line ends with CRLF, and no bare LF exists outside quoted fields (none have newlines here).
    assert text.endswith("\r\n") and text.count("\n") == text.count("\r\n")
    rows = read_csv(data)
    assert rows[0] == EXPECTED[kind]
    assert all(len(r) == len(EXPECTED[kind]) for r in rows)
    assert {r[-1] for r in rows[1:]} == {"2026/10/12"}, "数据导出时间 is the as-of date"
    assert len(rows) - 1 == {"licence": 2, "penalty": 4}[kind]


def test_penalty_values_amounts_dates_masking(snap):
    rows = by_doc_no(exports.export_rows(snap, "penalty"), "penalty")
    g = rows["钟测市监罚〔2026〕23号"]
    assert g["罚款金额（万元）"] == "12.000000"
    assert g["没收违法所得、没收非法财物的金额（万元）"] == "0.086050"
    assert g["处罚类别"] == "罚款;没收违法所得;没收非法财物;吊销许可证件;其他-责令限期改正"
    assert g["处罚决定日期"] == "2026/03/05" and g["处罚有效期"] == "2029/03/04"
    assert g["公示截止期"] == "2029/03/04"
    assert (
        g["处罚机关"] == "钟楼区测试市场监督管理局" and g["处罚机关统一社会信用代码"] == "11320404014123458X"
    )
    assert g["数据来源单位统一社会信用代码"] == "11320404014123458X"
    c = rows["钟测市监罚〔2026〕15号"]
    assert c["罚款金额（万元）"] == "0.500000" and c["没收违法所得、没收非法财物的金额（万元）"] == ""
    assert c["公示截止期"] == "2033/09/22" and c["处罚有效期"] == ""
    h = rows["钟测市监罚〔2026〕31号"]
    assert h["行政相对人名称"] == "欧阳**"
    assert h["违法事实"].startswith("欧阳**于2026年9月")
    assert h["证件类型"] == "身份证" and h["证件号码"] == "" and h["法定代表人"] == ""
    assert h["罚款金额（万元）"] == "0.123450"


def test_licence_values(snap):
    rows = by_doc_no(exports.export_rows(snap, "licence"), "licence")
    a = rows["钟测市监许〔2026〕101号"]
    assert a["许可编号"] == "JY13204040012345", "the corrected value"
    assert a["行政相对人代码_3（组织机构代码）"] == "MA1XYW01X"
    # A legal representative's ID fields are never published (test_canaries.py).
    assert a["法定代表人证件类型"] == "" and a["法定代表人证件号码"] == ""
    assert a["有效期自"] == "2026/03/05" and a["有效期至"] == "2031/03/04" and a["当前状态"] == "有效"
    b = rows["钟测卫许〔2026〕3号"]
    assert b["许可类别"] == "其他-备案" and b["有效期至"] == "", "长期 = blank"
    assert b["许可机关"] == "钟楼区测试卫生健康委员会"


@pytest.mark.parametrize(
    ("kind", "doc_no", "status"),
    [
        ("licence", "钟测市监许〔2026〕101号", "有效"),
        ("licence", "钟测卫许〔2026〕3号", "有效"),
        ("penalty", "钟测市监罚〔2026〕15号", "有效"),
    ],
)
def test_status_and_region_code_in_every_format(snap, kind, doc_no, status):
    """方案 §四(二): 当前状态 and 行政区划编码 in CSV, XLSX and JSON, under the plan's names."""
    region = snap.registry.departments[
        next(e for e in snap.entries if e.record.doc_no == doc_no).record.authority
    ].region_code
    assert len(region) == 6 and region.isdigit()
    key = "行政许可决定文书号" if kind == "licence" else "行政处罚决定书文号"
    csv_rows = read_csv(exports.render(snap, "csv", Selection(kind=kind)))
    csv_row = dict(zip(csv_rows[0], next(r for r in csv_rows[1:] if doc_no in r), strict=True))
    doc = json.loads(exports.render(snap, "json", Selection(kind=kind)))
    json_row = next(r for r in doc["datasets"][0]["rows"] if r[key] == doc_no)
    ws = load_workbook(io.BytesIO(exports.render(snap, "xlsx", Selection(kind=kind))))[
        "行政许可" if kind == "licence" else "行政处罚"
    ]
    sheet = [[c.value or "" for c in row] for row in ws.iter_rows()]
    xlsx_row = dict(zip(sheet[0], next(r for r in sheet[1:] if doc_no in r), strict=True))
    for row in (csv_row, json_row, xlsx_row):
        assert row["当前状态"] == status and row["行政区划编码"] == region, row


def test_provisional_deadline_is_noted_in_remarks(snap):
    """The fixture has no 2016 calendar: the 2016 decision's deadline is 暂定, and its row says so;
    a 2026 decision (calendar present) does not."""
    from gongshi.sheets.national_standard import PROVISIONAL_REMARK

    rows = by_doc_no(exports.export_rows(snap, "penalty"), "penalty")
    provisional = {doc for doc, row in rows.items() if PROVISIONAL_REMARK in row["备注"]}
    expected = {e.record.doc_no for e in snap.public("penalty") if e.timeline.provisional}
    assert provisional == expected and len(expected) == 1
    assert next(iter(provisional)).startswith("钟测市监罚〔2016〕")


def test_nothing_private_in_any_export(snap):
    blobs = [exports.render(snap, "json", Selection())]
    blobs += [
        exports.render(snap, "csv", Selection(kind=k, since=s))
        for k in ("licence", "penalty")
        for s in (None, date(2026, 1, 1))
    ]
    text = "\n".join(b.decode("utf-8-sig") for b in blobs)
    for secret in (PERSON_NAME, PUBLIC_PERSON, WITHHELD_PARTY, WITHHELD_SECRET, "********", "钟测执法罚"):
        assert secret not in text, secret
    # The withdrawn decision is exported only as a withdrawal row of a batch.
    assert "钟测市监罚〔2026〕16号" not in exports.render(snap, "csv", Selection(kind="penalty")).decode(
        "utf-8"
    )


def test_since_batch_includes_changes_and_withdrawals(snap):
    since = date(2026, 5, 1)
    penalty = by_doc_no(exports.export_rows(snap, "penalty", Selection(since=since)), "penalty")
    assert set(penalty) == {"钟测市监罚〔2026〕15号", "钟测市监罚〔2026〕31号", "钟测市监罚〔2026〕16号"}
    d = penalty["钟测市监罚〔2026〕16号"]
    assert d["备注"] == "撤销（2026/05/10）：经行政复议撤销原处罚决定。"
    for col in ("行政相对人名称", "行政相对人类别", "违法事实", "处罚内容", "证件类型", "罚款金额（万元）"):
        assert d[col] == "", col
    assert d["处罚决定日期"] == "2026/03/05" and d["处罚机关"] == "钟楼区测试市场监督管理局"
    assert d["当前状态"] == "撤销", "方案 §四(二): penalties carry 当前状态 too"
    assert exports.export_rows(snap, "licence", Selection(since=since)) == []
    # The correction of 2026-04-02 brings the licence into an April batch.
    april = by_doc_no(exports.export_rows(snap, "licence", Selection(since=date(2026, 4, 1))), "licence")
    assert set(april) == {"钟测市监许〔2026〕101号"}
    assert exports.export_rows(snap, "penalty", Selection(since=date(2026, 10, 7))) == []


def test_department_filter(snap):
    rows = exports.export_rows(snap, "licence", Selection(dept="wjw"))
    assert [r["行政许可决定文书号"] for r in rows] == ["钟测卫许〔2026〕3号"]
    assert exports.export_rows(snap, "penalty", Selection(dept="zhzf")) == []


def test_xlsx_text_cells_same_values_and_deterministic(snap):
    data = exports.render(snap, "xlsx", Selection())
    assert data == exports.render(snap, "xlsx", Selection()), "byte-identical rebuilds"
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["行政许可", "行政处罚"]
    for kind, name in (("licence", "行政许可"), ("penalty", "行政处罚")):
        values = [[c if c is not None else "" for c in row] for row in wb[name].iter_rows(values_only=True)]
        assert values[0] == EXPECTED[kind]
        csv_rows = read_csv(exports.render(snap, "csv", Selection(kind=kind)))
        assert values == csv_rows
        assert all(cell.number_format == "@" for row in wb[name].iter_rows(min_row=2) for cell in row)


def test_json_export_validates_against_published_schema(snap, tmp_path):
    schema = json.loads((SCHEMAS / "api-export.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for sel in (Selection(), Selection(kind="penalty", since=date(2026, 5, 1)), Selection(dept="scjg")):
        doc = json.loads(exports.render(snap, "json", sel))
        assert list(validator.iter_errors(doc)) == []
    doc = json.loads(exports.render(snap, "json", Selection(kind="penalty")))
    doc["datasets"][0]["rows"][0]["额外列"] = "x"
    assert list(validator.iter_errors(doc)), "the schema must reject columns outside the standard"


def test_site_downloads(snap, tmp_path):
    """Per department × decision year × kind a zipped CSV and an .xlsx, per year × kind the whole
    site's CSV zipped; the standard's columns (no 数据导出时间: the files do not depend on the build day)."""
    written = exports.write_downloads(snap, tmp_path)
    got = {d.path: (d.dept, d.year, d.kind, d.format, d.rows) for d in written}
    expected = {}
    for dept, year, kind, n in (
        ("scjg", 2026, "licence", 1),
        ("scjg", 2026, "penalty", 3),
        ("scjg", 2016, "penalty", 1),
        ("wjw", 2026, "licence", 1),
    ):
        for fmt in ("csv.zip", "xlsx"):
            expected[f"data/{dept}/{year}-{kind}.{fmt}"] = (dept, year, kind, fmt, n)
    for year, kind, n in ((2026, "licence", 2), (2026, "penalty", 3), (2016, "penalty", 1)):
        expected[f"data/{year}-{kind}.csv.zip"] = (None, year, kind, "csv.zip", n)
    assert got == expected, "zhzf has only a withheld decision: no file at all"
    for d in written:
        assert (tmp_path / d.path).stat().st_size == d.size
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert files == set(expected), "no all.json, no whole-history copies"

    def unzipped(rel: str) -> bytes:
        with zipfile.ZipFile(tmp_path / rel) as z:
            (member,) = z.infolist()
            return z.read(member)

    def site_csv(rel: str) -> list[list[str]]:
        return read_csv(unzipped(rel))

    for rel, (dept, year, kind, fmt, _n) in expected.items():
        if fmt != "csv.zip" or dept is None:
            continue
        with zipfile.ZipFile(tmp_path / rel) as z:  # named for its department: unzipped side by side
            assert z.namelist() == [f"{dept}-{year}-{kind}.csv"]
        # The CLI's rows of that department, kind and year, without the export date.
        cli = read_csv(exports.render(snap, "csv", Selection(kind=kind, dept=dept)))
        date_col = EXPECTED[kind].index("许可决定日期" if kind == "licence" else "处罚决定日期")
        want = [r[:-1] for r in cli[1:] if r[date_col].startswith(f"{year}/")]
        rows = site_csv(rel)
        assert rows[0] == EXPECTED[kind][:-1] and rows[1:] == want
        book = load_workbook(tmp_path / rel.replace(".csv.zip", ".xlsx"))
        assert book.sheetnames == [{"licence": "行政许可", "penalty": "行政处罚"}[kind]]
        values = [
            [c if c is not None else "" for c in row] for row in book.active.iter_rows(values_only=True)
        ]
        assert values == rows
    # The whole site's year file: the departments' CSV files joined (header once), by department.
    with zipfile.ZipFile(tmp_path / "data/2026-licence.csv.zip") as z:
        assert z.namelist() == ["2026-licence.csv"]
        joined = z.read("2026-licence.csv")
    scjg, wjw = (unzipped(f"data/{d}/2026-licence.csv.zip") for d in ("scjg", "wjw"))
    header = len(exports.to_csv("licence", [], exports.SITE_COLUMNS["licence"]))
    assert joined == scjg + wjw[header:]
    # Dated by the newest publication in the file (not the build day): here 2026-10-06 (0015).
    with zipfile.ZipFile(tmp_path / "data/scjg/2026-penalty.xlsx") as z:
        assert {i.date_time[:3] for i in z.infolist()} == {(2026, 10, 6)}
    # Byte-identical when written again.
    again = tmp_path / "again"
    exports.write_downloads(snap, again)
    for rel in expected:
        assert (again / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


# CLI -----------------------------------------------------------------------------------------
@pytest.fixture
def in_repo(tmp_path_factory, monkeypatch):
    root = shared_repo(tmp_path_factory)
    monkeypatch.chdir(root)
    return root


def test_cli_export_files(in_repo, tmp_path):
    r = CliRunner().invoke(
        main, ["export", "--format", "csv", "--as-of", "2026-10-12", "--output", f"{tmp_path}/"]
    )
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["gongshi-all-licence-2026-10-12.csv", "gongshi-all-penalty-2026-10-12.csv"]
    r = CliRunner().invoke(
        main,
        ["export", "--format", "json", "--as-of", "2026-10-12", "--kind", "penalty", "--since", "2026-05-01"],
    )
    assert r.exit_code == 0
    doc = json.loads(r.stdout_bytes)
    assert doc["since"] == "2026-05-01" and len(doc["datasets"][0]["rows"]) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv", "--output", "x.csv"], "--kind"),
        (["--format", "xlsx"], "--output"),
        (["--format", "pdf"], "不支持的导出格式"),
        (["--format", "csv", "--kind", "penalty", "--dept", "nope"], "不认识的部门"),
        (["--format", "csv", "--kind", "penalty", "--since", "2027-01-01", "--as-of", "2026-10-12"], "晚于"),
        (["--format", "csv", "--kind", "penalty", "--since", "2026/01/01"], "YYYY-MM-DD"),
    ],
)
def test_cli_usage_errors_are_chinese(in_repo, args, message):
    r = CliRunner().invoke(main, ["export", *args])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output


def test_cli_refuses_to_export_an_invalid_repository(tmp_path, monkeypatch):
    from tests.support.opendata_repo import build_repo

    repo = build_repo(tmp_path / "repo")
    repo.commit(
        "坏记录", "2026-10-07T10:00:00+08:00", {PATHS["scjg-cf-2026-0015"]: "kind: penalty\ndoc_no: x\n"}
    )
    monkeypatch.chdir(repo.path)
    r = CliRunner().invoke(main, ["export", "--format", "csv", "--kind", "penalty", "--as-of", "2026-10-12"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "scjg-cf-2026-0015.yaml" in r.output


# LibreOffice ---------------------------------------------------------------------------------
def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is required in CI: apt-get install -y libreoffice-calc-nogui")
    if found is None:
        pytest.skip("LibreOffice is not installed")
    return found


def test_libreoffice_opens_csv_and_xlsx_with_the_standard_headers(snap, tmp_path):
    soffice = _soffice()
    src = tmp_path / "src"
    src.mkdir()
    (src / "licence.csv").write_bytes(exports.render(snap, "csv", Selection(kind="licence")))
    (src / "penalty-x.xlsx").write_bytes(exports.render(snap, "xlsx", Selection(kind="penalty")))
    out = tmp_path / "out"
    profile = (tmp_path / "lo-profile").as_uri()
    # Filter options: comma, UTF-8 (76), first line 1 — for both the CSV import and the CSV export.
    csv_filter = "44,34,76,1"
    command = [soffice, f"-env:UserInstallation={profile}", "--headless"]
    command += [
        "--convert-to",
        f"csv:Text - txt - csv (StarCalc):{csv_filter}",
        f"--infilter=CSV:{csv_filter}",
    ]
    command += ["--outdir", str(out), str(src / "licence.csv"), str(src / "penalty-x.xlsx")]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    lic = list(csv.reader(io.StringIO((out / "licence.csv").read_text(encoding="utf-8-sig"), newline="")))
    pen = list(csv.reader(io.StringIO((out / "penalty-x.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert lic[0] == LICENCE_HEADERS and pen[0] == PENALTY_HEADERS
    assert len(lic) == 3 and len(pen) == 5
    # Codes and amounts survive as text (no scientific notation, no lost zeros).
    assert "91320404MA1XYW01X0" in lic[1] and "12.000000" in {c for row in pen for c in row}


# Round trip: export → import (plugins/gongshi/sheets/importer/) ----------------------------------------
CARRIED = {
    "licence": [
        "doc_no",
        "doc_title",
        "category",
        "category_other",
        "certificate_name",
        "licence_no",
        "content",
        "decision_date",
        "valid_from",
        "valid_to",
        "remarks",
    ],
    "penalty": [
        "doc_no",
        "violation_type",
        "facts",
        "basis",
        "categories",
        "category_other",
        "content",
        "licence_affected",
        "decision_date",
        "valid_until",
        "remarks",
    ],
}
PARTY_CARRIED = ("name", "category", "uscc", "business_reg_no", "org_code", "tax_reg_no", "legal_rep")
PARTY_CARRIED += ("institution_cert_no", "social_org_reg_no")  # legal_rep_id_type: never exported


@pytest.mark.parametrize(
    ("dept", "kind", "fmt", "item"),
    [
        ("scjg", "penalty", "csv", "scjg-cf-001"),
        ("scjg", "penalty", "xlsx", "scjg-cf-001"),
        ("scjg", "licence", "xlsx", "scjg-xk-001"),
        ("wjw", "licence", "csv", "wjw-xk-001"),
    ],
)
def test_round_trip_export_import(snap, tmp_path, dept, kind, fmt, item):
    from decimal import Decimal

    from gongshi.sheets.importer import run_import

    empty = tmp_path / "empty"
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "registry" / "data", empty / "data")
    exported = tmp_path / f"export.{fmt}"
    exported.write_bytes(exports.render(snap, fmt, Selection(kind=kind, dept=dept)))
    result = run_import(empty, exported, dept, kind, as_of=snap.as_of, item_code=item)
    originals = {e.record.doc_no: e.record for e in snap.public(kind) if e.record.authority == dept}
    accepted = {row.data["doc_no"]: row.data for row in result.accepted}
    # Natural persons cannot come back: the export never carries an ID number (by design).
    persons = {d for d, r in originals.items() if r.is_natural_person}
    assert {originals_doc for originals_doc in originals if originals_doc not in accepted} == persons
    for row in result.rejected:
        assert any("证件号码" in e.message for e in row.errors)
    assert accepted, "something must round-trip"
    for doc_no, data in accepted.items():
        original = originals[doc_no].data
        for key in CARRIED[kind]:
            assert data.get(key) == original.get(key), (doc_no, key)
        for key in PARTY_CARRIED:
            assert data["party"].get(key) == original["party"].get(key), (doc_no, key)
        for key in ("fine_yuan", "confiscation_yuan"):
            want = original.get(key)
            assert (Decimal(data[key]) if key in data else None) == (Decimal(want) if want else None)

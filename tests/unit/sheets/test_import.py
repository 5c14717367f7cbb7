"""Acceptance tests of ``gongshi import`` and ``gongshi template``: real .xlsx files written with
openpyxl, real CSV files in UTF-8 (with BOM) and GBK, a real data repository, the real validator."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from gongshi.core import identifiers
from gongshi.sheets import national_standard as ns
from gongshi.sheets.importer import clean_code, parse_amount, parse_date_value
from openpyxl import Workbook, load_workbook

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
PROJECT = Path(__file__).resolve().parents[3]
AS_OF = "2026-01-15"

ORG_USCC = identifiers.make_uscc("9", "1", "320404", "59467239")
ORG_USCC_2 = identifiers.make_uscc("9", "1", "320404", "12345678")
PERSON_ID = "32040419900101123" + identifiers.id_check_char("32040419900101123")
PERSON_ID_2 = "32040419850615432" + identifiers.id_check_char("32040419850615432")
PENALTY_EXPORT_HEADERS = [*ns.PENALTY_HEADERS, "数据导出时间"]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE / "data", root / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", root / "data" / "policy.yaml")
    monkeypatch.chdir(root)
    return root


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def records(root: Path) -> list[Path]:
    return sorted((root / "data" / "records").rglob("*.yaml")) if (root / "data" / "records").exists() else []


def penalty_row(**values) -> list:
    return [values.get(h, "") for h in PENALTY_EXPORT_HEADERS]


def org_penalty(n: int, **extra) -> list:
    base = {
        "行政相对人名称": f"常州市某某餐饮有限公司{n}",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1（统一社会信用代码）": ORG_USCC,
        "法定代表人": "张三",
        "行政处罚决定书文号": f"钟市监罚〔2025〕{n}号",
        "违法行为类型": "经营超过保质期的食品",
        "违法事实": "当事人在经营场所销售超过保质期的食品。",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "警告、罚款",
        "处罚内容": "警告，罚款人民币5000元",
        "罚款金额（万元）": "0.5",
        "处罚决定日期": "2025-03-05",
        "处罚机关": "钟楼区测试市场监督管理局",
        "处罚机关统一社会信用代码": "11320404014123458X",
        "数据导出时间": "2026-01-10 08:00:00",
    }
    base.update(extra)
    return penalty_row(**base)


def person_penalty(n: int, **extra) -> list:
    base = {
        "行政相对人名称": "李四",
        "行政相对人类别": "01",
        "证件类型": "01",
        "证件号码": PERSON_ID,
        "行政处罚决定书文号": f"钟市监罚〔2025〕{n}号",
        "违法行为类型": "未按规定公示营业执照",
        "违法事实": "当事人未在经营场所醒目位置公示营业执照。",
        "处罚依据": "《无证无照经营查处办法》",
        "处罚类别": "1",  # provincial code 01 警告, Excel dropped the zero
        "处罚内容": "警告",
        "处罚决定日期": "2025年3月6日",
    }
    base.update(extra)
    return penalty_row(**base)


def write_xlsx(path: Path, rows: list[list], title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def load(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def error_sheet(path: Path) -> list[tuple]:
    ws = load_workbook(path)["错误清单"]
    return [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)]


# --------------------------------------------------------------------------------------------
# Whole files


def test_xlsx_with_title_row_serial_dates_and_blank_rows_imports_and_validates(repo, tmp_path):
    rows = [
        PENALTY_EXPORT_HEADERS,
        org_penalty(1, 处罚决定日期=45721, 目录事项="scjg-cf-001"),  # Excel serial of 2025-03-05
        [None] * len(PENALTY_EXPORT_HEADERS),
        person_penalty(2, 处罚决定日期=datetime(2025, 3, 6)),
        [""] * len(PENALTY_EXPORT_HEADERS),
    ]
    src = write_xlsx(tmp_path / "处罚.xlsx", rows, title="2025年行政处罚信息")
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert result.exit_code == 0, result.output
    assert "表头在第 2 行" in result.output
    files = records(repo)
    assert [f.name for f in files] == ["scjg-cf-2025-0001.yaml", "scjg-cf-2025-0002.yaml"]
    first, second = load(files[0]), load(files[1])
    assert first.startswith("# yaml-language-server: $schema=../../../../../schemas/penalty.schema.json\n")
    assert "decision_date: 2025-03-05" in first
    assert "fine_yuan: '5000'" in first
    assert "categories:\n  - 警告\n  - 罚款" in first
    assert "authority: scjg" in first
    assert "decision_date: 2025-03-06" in second
    assert "category: 自然人" in second and "id_type: 身份证" in second
    # Never an unmasked number on disk.
    assert PERSON_ID not in second
    assert f"id_no_masked: {PERSON_ID[:4]}{'*' * 10}{PERSON_ID[-4:]}" in second
    check = run("validate", "--as-of", AS_OF)
    assert check.exit_code == 0, check.output


def test_half_bad_file_reports_exact_rows_and_columns_and_writes_nothing(repo, tmp_path):
    rows = [
        PENALTY_EXPORT_HEADERS,
        org_penalty(1),  # row 2 good
        org_penalty(2, 处罚决定日期="2025/13/40"),  # row 3 bad date
        person_penalty(3),  # row 4 good
        org_penalty(4, 处罚类别="警告、打板子"),  # row 5 unknown category
        org_penalty(5, **{"罚款金额（万元）": ""}),  # row 6 罚款 without amount
        org_penalty(
            6, **{"行政相对人代码_1（统一社会信用代码）": ORG_USCC[:-1] + "0"}
        ),  # row 7 bad check char
        org_penalty(7, 处罚机关="不存在的局", 处罚机关统一社会信用代码=""),  # row 8 unknown authority
        org_penalty(8, 处罚决定日期=" 20250307 "),  # row 9 good
    ]
    src = write_xlsx(tmp_path / "half.xlsx", rows)
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert result.exit_code == 1, result.output
    assert records(repo) == []
    report = tmp_path / "half.xlsx.errors.xlsx"
    got = {(r[0], r[1]) for r in error_sheet(report) if r[3] == "错误"}
    assert got == {
        (3, "处罚决定日期"),
        (5, "处罚类别"),
        (6, "罚款金额（万元）"),
        (7, "行政相对人代码_1（统一社会信用代码）"),
        (8, "处罚机关"),
    }
    assert "第 3 行 [处罚决定日期]" in result.output
    assert "共 8 行数据：3 行通过，5 行有错误。" in result.output
    assert "没有写入任何记录" in result.output
    assert "打板子" in result.output

    again = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001", "--write-valid")
    assert again.exit_code == 1
    files = records(repo)
    assert [f.name for f in files] == [f"scjg-cf-2025-000{i}.yaml" for i in (1, 2, 3)]
    assert [re.search(r"doc_no: (.*)", load(f)).group(1) for f in files] == [
        "钟市监罚〔2025〕1号",
        "钟市监罚〔2025〕3号",
        "钟市监罚〔2025〕8号",
    ]
    assert run("validate", "--as-of", AS_OF).exit_code == 0

    # Importing the same file again: the good rows are now duplicates of committed records.
    third = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001", "--dry-run")
    assert third.exit_code == 1
    assert "这一行已经导入过" in third.output and "--skip-existing" in third.output
    assert len(records(repo)) == 3
    # With --skip-existing the three imported rows are skipped and counted; the bad rows remain.
    fourth = run(
        "import",
        src,
        "--dept",
        "scjg",
        "--as-of",
        AS_OF,
        "--item",
        "scjg-cf-001",
        "--dry-run",
        "--skip-existing",
    )
    assert "3 行与仓库中已有的记录相同，已跳过" in fourth.output
    assert "这一行已经导入过" not in fourth.output


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_bom_and_gbk(repo, tmp_path, encoding):
    rows = [
        PENALTY_EXPORT_HEADERS,
        org_penalty(1, 处罚决定日期="45721"),  # a serial number that arrived as text
        ["", "", ""],
        person_penalty(2, 证件号码=f"身份证号码：{PERSON_ID}"),
    ]
    src = write_csv(tmp_path / "处罚.csv", rows, encoding)
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-002")
    assert result.exit_code == 0, result.output
    texts = [load(f) for f in records(repo)]
    assert len(texts) == 2
    assert "常州市某某餐饮有限公司1" in texts[0] and "decision_date: 2025-03-05" in texts[0]
    assert PERSON_ID not in "".join(texts)


def test_dry_run_writes_nothing(repo, tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx", [PENALTY_EXPORT_HEADERS, org_penalty(1)])
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "将写入 data/records/scjg/penalties/2025/scjg-cf-2025-0001.yaml" in result.output
    assert records(repo) == []
    assert not (tmp_path / "ok.xlsx.errors.xlsx").exists()


def test_merged_two_row_header_licence_with_variants_and_codes(repo, tmp_path):
    """A title row, then a two-row header: 行政相对人代码 spans six sub-columns, the others are merged
    vertically; headers carry （必填） suffixes, full-width brackets and spaces; values carry codes."""
    group = [
        "统一社会信用代码",
        "工商注册号",
        "组织机构代码",
        "税务登记号",
        "事业单位证书号",
        "社会组织登记证号",
    ]
    singles_before = ["行政相对人名称（必填）", "行政相对人 类别"]
    singles_after = [
        "法定代表人",
        "行政许可决定文书名称*",
        "行政许可决定文书号(必填)",
        "许可类别",
        "许可内容",
        "许可决定日期",
        "有效期自",
        "有效期至",
        "项目名称",
    ]
    wb = Workbook()
    ws = wb.active
    width = len(singles_before) + len(group) + len(singles_after)
    ws.cell(1, 1, "钟楼区行政许可信息报送表")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    col = 1
    for h in singles_before:
        ws.cell(2, col, h)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        col += 1
    ws.cell(2, col, "行政相对人代码")
    ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(group) - 1)
    for i, h in enumerate(group):
        ws.cell(3, col + i, h)
    col += len(group)
    for h in singles_after:
        ws.cell(2, col, h)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        col += 1
    good = [
        "常州市某某超市有限公司",
        "02",
        f"（1/1）{ORG_USCC_2.lower()}",
        "",
        "",
        "",
        "",
        "",
        "王五",
        "准予行政许可决定书",
        "钟市监许〔2025〕15号",
        "1",
        "准予从事预包装食品销售",
        datetime(2025, 4, 1),
        "2025.4.1",
        "2099/12/31",
        "食品经营许可",
    ]
    bad = [*good]
    bad[0], bad[10], bad[11], bad[16] = "另一家公司", "钟市监许〔2025〕16号", "07", "不存在的事项"
    ws.append(good)
    ws.append([None] * width)
    ws.append(bad)
    src = tmp_path / "许可.xlsx"
    wb.save(src)

    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    # The vertical merges repeat every header in row 3, so row 3 alone is the header.
    assert "行政许可" in result.output and "表头在第 3 行" in result.output
    got = {(r[0], r[1]) for r in error_sheet(tmp_path / "许可.xlsx.errors.xlsx") if r[3] == "错误"}
    assert got == {(6, "许可类别"), (6, "项目名称")}
    assert records(repo) == []

    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--write-valid")
    files = records(repo)
    assert [f.relative_to(repo).as_posix() for f in files] == [
        "data/records/scjg/licences/2025/scjg-xk-2025-0001.yaml"
    ]
    text = load(files[0])
    assert f"uscc: {ORG_USCC_2}" in text
    assert "category: 普通" in text and "item: scjg-xk-001" in text
    assert "valid_from: 2025-04-01" in text and "valid_to" not in text  # 2099/12/31 = 长期
    assert run("validate", "--as-of", AS_OF).exit_code == 0


def test_legacy_2016_penalty_headers(repo, tmp_path):
    headers = [
        "行政处罚决定书文号",
        "处罚名称",
        "处罚类别1",
        "处罚类别2",
        "处罚事由",
        "处罚依据",
        "行政相对人名称",
        "行政相对人代码_1",
        "行政相对人代码_2",
        "行政相对人代码_3",
        "行政相对人代码_4",
        "行政相对人代码_5",
        "法定代表人姓名",
        "处罚结果",
        "处罚决定日期",
        "处罚机关",
        "当前状态",
        "地方编码",
        "数据更新时间戳",
        "备注",
    ]
    common = ["未按规定公示营业执照的处罚", "0", "", "未公示营业执照", "《无证无照经营查处办法》"]
    good = ["钟市监罚〔2018〕1号", *common, "赵六", "", "", "", "", PERSON_ID_2, "", "警告", "2018/05/02"]
    good += ["钟楼区测试市场监督管理局", "0", "320404", "2018/05/03", ""]
    ambiguous = ["钟市监罚〔2018〕2号", "未按规定公示营业执照的处罚", "4", "", "x", "y", "某公司"]
    ambiguous += [ORG_USCC, "", "", "", "", "钱七", "吊销", "2018/05/02", "", "", "", "", ""]
    src = write_csv(tmp_path / "legacy.csv", [headers, good, ambiguous], "gbk")
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert "旧版（2016）标准" in result.output
    assert "第 3 行 [处罚类别1] 旧标准处罚类别代码 4" in result.output
    run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--write-valid")
    [only] = records(repo)
    text = load(only)
    assert "category: 自然人" in text and "id_type: 身份证" in text
    assert PERSON_ID_2 not in text
    assert "violation_type: 未按规定公示营业执照的处罚" in text and "item: scjg-cf-002" in text
    assert "  - 警告" in text and "region_code" not in text  # same as the department's
    assert run("validate", "--as-of", AS_OF).exit_code == 0


def test_usage_errors_exit_2(repo, tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx", [PENALTY_EXPORT_HEADERS, org_penalty(1)])
    unknown = run("import", src, "--dept", "nope", "--as-of", AS_OF)
    assert unknown.exit_code == 2 and "部门代号 “nope” 不在" in unknown.output

    partial = [h for h in PENALTY_EXPORT_HEADERS if h not in ("违法事实", "处罚依据")]
    src2 = write_xlsx(tmp_path / "partial.xlsx", [partial, ["x"] * len(partial)])
    missing = run("import", src2, "--dept", "scjg", "--as-of", AS_OF)
    assert missing.exit_code == 2
    assert "缺少必需的列：违法事实、处罚依据" in missing.output

    src3 = write_xlsx(tmp_path / "junk.xlsx", [["甲", "乙", "丙"], ["1", "2", "3"]])
    junk = run("import", src3, "--dept", "scjg", "--as-of", AS_OF)
    assert junk.exit_code == 2 and "无法识别表头" in junk.output

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert run("import", broken, "--dept", "scjg").exit_code == 2
    assert run("import", tmp_path / "absent.csv", "--dept", "scjg").exit_code == 2
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    result = run("import", old, "--dept", "scjg")
    assert result.exit_code == 2 and "另存为" in result.output
    assert "Traceback" not in result.output


def test_template_workbook_has_headers_notes_dropdowns_and_imports_back(repo, tmp_path):
    out = tmp_path / "tpl.xlsx"
    result = run("template", "--format", "xlsx", "--kind", "penalty", "--dept", "scjg", "--out", out)
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    ws = wb["行政处罚"]
    headers = [c.value for c in ws[1]]
    assert headers == [*ns.PENALTY_HEADERS, ns.ITEM_HEADER]
    assert all(str(c.value).startswith("【填写说明】") for c in ws[2])
    assert ws.freeze_panes == "A2"
    lists = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            lists[re.match(r"[A-Z]+", rng).group(0)] = dv
    letters = {h: ws.cell(1, i + 1).column_letter for i, h in enumerate(headers)}
    for header in ("行政相对人类别", "证件类型", "法定代表人证件类型", "处罚类别", ns.ITEM_HEADER):
        assert letters[header] in lists, header
        assert lists[letters[header]].type == "list"
    codes = wb["代码表"]
    assert codes.sheet_state == "hidden"
    values = {c.value for col in codes.iter_cols(values_only=False) for c in col}
    assert set(ns.PENALTY_CATEGORIES) <= values and "scjg-cf-002 未按规定公示营业执照的处罚" in values

    # A clerk fills the template: the item from the dropdown, one row.
    row = dict(zip(PENALTY_EXPORT_HEADERS, org_penalty(9), strict=False))
    for i, h in enumerate(headers, start=1):
        ws.cell(3, i, row.get(h, ""))
    ws.cell(3, len(headers), "scjg-cf-002 未按规定公示营业执照的处罚")
    wb.save(out)
    back = run("import", out, "--dept", "scjg", "--as-of", AS_OF)
    assert back.exit_code == 0, back.output
    [only] = records(repo)
    assert "item: scjg-cf-002" in load(only)

    both = run("template", "--out", tmp_path / "both")
    assert both.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "both").iterdir()) == [
        "行政处罚导入模板.xlsx",
        "行政许可导入模板.xlsx",
    ]
    lic = load_workbook(tmp_path / "both" / "行政许可导入模板.xlsx").active
    assert [c.value for c in lic[1]][: len(ns.LICENCE_HEADERS)] == list(ns.LICENCE_HEADERS)
    covered = {re.match(r"[A-Z]+", str(dv.sqref)).group(0) for dv in lic.data_validations.dataValidation}
    for header in ("许可类别", "当前状态", "行政相对人类别"):
        assert lic.cell(1, ns.LICENCE_HEADERS.index(header) + 1).column_letter in covered


def test_unmasked_numbers_never_reach_the_error_report(repo, tmp_path):
    rows = [
        PENALTY_EXPORT_HEADERS,
        org_penalty(1, 违法事实=f"当事人李四（身份证号{PERSON_ID}）销售过期食品。"),
        person_penalty(2, 证件号码=PERSON_ID[:-1] + "0", 处罚决定日期="2025-03-06"),  # wrong check digit
    ]
    src = write_xlsx(tmp_path / "leak.xlsx", rows)
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert result.exit_code == 1
    report = tmp_path / "leak.xlsx.errors.xlsx"
    book = load_workbook(report)
    flat = " ".join(str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r)
    assert book.sheetnames == ["需改正的行", "错误清单"]
    assert {(r[0], r[1]) for r in error_sheet(report)} == {(2, "违法事实"), (3, "证件号码")}
    for leaked in (PERSON_ID, PERSON_ID[:-1] + "0"):
        assert leaked not in flat and leaked not in result.output


# --------------------------------------------------------------------------------------------
# Conversions


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024/3/5", "2024-03-05"),
        ("2024-03-05", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("20240305", "2024-03-05"),
        (20240305, "2024-03-05"),
        ("２０２４－０３－０５", "2024-03-05"),
        ("2024-03-05 00:00:00", "2024-03-05"),
        (45356, "2024-03-05"),
        (45356.0, "2024-03-05"),
        (datetime(2024, 3, 5, 10, 30), "2024-03-05"),
    ],
)
def test_dates(value, expected):
    assert parse_date_value(value) == (expected, None)


@pytest.mark.parametrize("value", ["2024-02-30", "2024/13/1", "三月五日", "12.5"])
def test_bad_dates(value):
    iso, why = parse_date_value(value)
    assert iso is None and why


@pytest.mark.parametrize(
    "value,wan,expected",
    [
        ("0.5", True, "5000"),
        (0.5, True, "5000"),
        ("0.123456", True, "1234.56"),
        ("1.2", True, "12000"),
        ("1,234.5元", True, "1234.5"),
        ("3万元", False, "30000"),
        (0.1, True, "1000"),
        ("0", True, "0"),
    ],
)
def test_amounts_are_exact(value, wan, expected):
    assert parse_amount(value, wan) == (expected, None)


@pytest.mark.parametrize("value", ["0.1234567", "abc", "-1"])
def test_bad_amounts(value):
    assert parse_amount(value, True)[0] is None


def test_codes_are_cleaned():
    assert clean_code(f"统一社会信用代码：{ORG_USCC}") == ORG_USCC
    assert clean_code(f"（1/1）{ORG_USCC}") == ORG_USCC
    assert clean_code("ＡＢＣ１２３") == "ABC123"
    assert clean_code("59467239-9") == "594672399"
    assert clean_code("undefined") == ""


def test_export_style_cells_round_trip(repo, tmp_path):
    """What ``gongshi export`` writes: 处罚类别 joined by “;” with “其他-…” anywhere, 万元 with six
    decimals, dates as 2025/03/05, the authority's name and code, 数据导出时间."""
    row = org_penalty(
        1,
        处罚类别="其他-责令改正;罚款",
        **{"罚款金额（万元）": "0.123450", "处罚决定日期": "2025/03/05", "备注": "当事人已缴清罚款"},
    )
    src = write_xlsx(tmp_path / "export.xlsx", [PENALTY_EXPORT_HEADERS, row])
    result = run("import", src, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert result.exit_code == 0, result.output
    text = load(records(repo)[0])
    assert "categories:\n  - 其他\n  - 罚款\n" in text
    assert "category_other: 责令改正" in text
    assert "fine_yuan: '1234.5'" in text
    assert "remarks: 当事人已缴清罚款" in text

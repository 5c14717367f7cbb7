"""The issue's acceptance: a realistic messy workbook (title rows, merged cells, 合计 row, five date
styles, full-width 文号, 万元 amounts, hidden row, bad rows) through the real CLI on a real Git
repository: exactly the expected errors; the valid rows written; after the fixes and with
--skip-existing only the fixed rows are added, and a re-import adds nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gongshi.cli import main
from openpyxl import load_workbook

from tests.support.gitrepo import GitRepo
from tests.support.messy_workbook import HEADERS, MISTYPED_USCC, MessyPenaltySheet, fixed_rows

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures"
PROJECT = Path(__file__).resolve().parents[3]
AS_OF = "2026-04-15"
IMPORT = ("--dept", "scjg", "--item", "scjg-cf-001", "--as-of", AS_OF)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> GitRepo:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE / "registry" / "data", root / "data")
    shutil.copy(PROJECT / "data" / "policy.yaml", root / "data" / "policy.yaml")
    repo = GitRepo.init(root)
    repo.git("add", "--all")
    repo.commit("登记册", "2026-01-02T09:00:00+08:00")
    monkeypatch.chdir(root)
    return repo


def run(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def records(root: Path) -> list[Path]:
    return sorted((root / "data" / "records").rglob("*.yaml")) if (root / "data" / "records").exists() else []


def test_messy_workbook_end_to_end(repo, tmp_path):
    src = tmp_path / "三月处罚.xlsx"
    sheet = MessyPenaltySheet()
    where = sheet.build(src)
    row_of = where["data"]
    expected_errors = {(row_of[r.doc_no], column) for r in sheet.rows for column in r.bad if not r.hidden}
    assert len(expected_errors) == 3

    # Without --item: one file-level error naming the fix, not an error on every row.
    first = run("import", src, "--dept", "scjg", "--as-of", AS_OF)
    assert first.exit_code == 2
    assert first.output.count("--item") == 1 and "无法确定每一行" in first.output

    result = run("import", src, *IMPORT)
    assert result.exit_code == 1, result.output
    assert records(repo.path) == []
    report = tmp_path / "三月处罚.xlsx.errors.xlsx"
    listing = load_workbook(report)["错误清单"]
    got = {(r[0], r[1]) for r in listing.iter_rows(min_row=2, values_only=True) if r[3] == "错误"}
    assert got == expected_errors
    out = result.output
    assert "共 8 行数据：5 行通过，3 行有错误。" in out
    assert f"1 个隐藏的行（第 {where['hidden'][0]} 行）没有导入" in out
    skipped = "、".join(str(n) for n in where["skipped"])
    assert f"跳过了 3 个合计、签名或说明行（合计、填表人、说明；第 {skipped} 行）" in out
    assert f"跳过了 1 个空行（第 {where['blank'][0]} 行）" in out
    assert "无法识别表头" not in out and "缺少必填字段" not in out
    # Consistency warnings, each naming the row, the column and the other record.
    a, b = row_of["钟市监罚（２０２６）１０１号"], row_of["钟市监罚〔2026〕103号"]
    assert (
        f"第 {a} 行 [行政相对人名称] 警告：统一社会信用代码" in out
        and f"第 {b} 行（常州市甲餐饮管理有限公司）" in out
    )
    assert f"第 {row_of['钟市监罚〔2024〕104号']} 行 [决定书文号] 警告：文号中的年份 2024" in out
    assert f"第 {row_of['钟市监罚〔2026〕105号']} 行 [违法事实] 警告：这里的 18 位号码" in out
    assert MISTYPED_USCC not in out  # shown masked
    assert f"第 {a} 行 [处罚决定日期] 警告：公示截止日 2026-03-11 已过" in out
    assert "合并后将计为迟报 24 个工作日" in out

    # The error workbook: the clerk's own header and rows, 行号 as numbers, 错误原因, red cells.
    ws = load_workbook(report)["需改正的行"]
    header = [c.value for c in ws[1]]
    assert header == ["行号", *HEADERS, "错误原因"]
    body = list(ws.iter_rows(min_row=2))
    assert [r[0].value for r in body] == sorted({n for n, _ in expected_errors})
    assert all(isinstance(r[0].value, int) for r in body)
    for r in body:
        filled = {header[c.column - 1] for c in r if c.fill.fgColor.rgb.endswith("FFC7CE")}
        assert filled - {"错误原因"} == {col for n, col in expected_errors if n == r[0].value}
        assert r[-1].value
    assert not report.resolve().is_relative_to(repo.path.resolve())

    # The valid rows only; the 文号 written in its standard form.
    written = run("import", src, *IMPORT, "--write-valid")
    assert written.exit_code == 1
    files = records(repo.path)
    assert len(files) == 5
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert any("doc_no: 钟市监罚〔2026〕101号" in t for t in texts)
    assert not any("（" in t.split("doc_no:")[1].splitlines()[0] for t in texts)
    assert any(re.search(r"fine_yuan: ['\"]?12000", t) for t in texts)
    repo.git("add", "--all")
    repo.commit("导入三月处罚", "2026-04-15T10:00:00+08:00")

    # Validate sees the same consistency warnings on the committed files only when asked for them.
    checked = run("validate", "--as-of", AS_OF, *[f.relative_to(repo.path) for f in files])
    assert checked.exit_code == 0, checked.output
    assert "consistency.uscc_names" in checked.output or "同一代码应是同一主体" in checked.output

    # The clerk fixes the three rows and imports the whole sheet again.
    fixed = tmp_path / "三月处罚（改）.xlsx"
    MessyPenaltySheet(rows=fixed_rows()).build(fixed)
    again = run("import", fixed, *IMPORT, "--skip-existing")
    assert again.exit_code == 0, again.output
    assert "5 行与仓库中已有的记录相同，已跳过" in again.output
    assert len(records(repo.path)) == 8
    repo.git("add", "--all")
    repo.commit("补录改正的三行", "2026-04-15T11:00:00+08:00")

    # Idempotent: the same sheet once more adds nothing.
    third = run("import", fixed, *IMPORT, "--skip-existing")
    assert third.exit_code == 0, third.output
    assert "8 行与仓库中已有的记录相同，已跳过" in third.output
    assert "已写入" not in third.output
    assert len(records(repo.path)) == 8
    assert repo.git("status", "--porcelain") == ""
    assert run("validate", "--as-of", AS_OF).exit_code == 0


def test_error_workbook_never_goes_into_the_repository(repo, tmp_path):
    inside = repo.path / "三月处罚.xlsx"
    MessyPenaltySheet().build(inside)
    refused = run("import", inside, *IMPORT, "--errors", repo.path / "errors.xlsx")
    assert refused.exit_code == 2 and "不能放进仓库" in refused.output
    result = run("import", inside, *IMPORT)
    assert result.exit_code == 1
    assert not (repo.path / "三月处罚.xlsx.errors.xlsx").exists()
    assert (repo.path.parent / "三月处罚.xlsx.errors.xlsx").exists()


def test_xls_fixture_reads_like_the_xlsx(repo, tmp_path):
    """tests/fixtures/import/messy-penalties.xls was made by ``python -m tests.support.messy_workbook
    --xls tests/fixtures/import`` (LibreOffice from the builder's workbook without hidden rows)."""
    xls = FIXTURE / "import" / "messy-penalties.xls"
    xlsx = tmp_path / "messy-penalties.xlsx"
    MessyPenaltySheet(with_hidden=False).build(xlsx)
    got_xls = run("import", xls, *IMPORT, "--dry-run")
    got_xlsx = run("import", xlsx, *IMPORT, "--dry-run")
    assert got_xls.exit_code == got_xlsx.exit_code == 1
    assert "无法判断其中是否有隐藏的行" in got_xls.output

    def lines(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.startswith(("第 ", "共 ", "  将写入"))]

    assert lines(got_xls.output) == lines(got_xlsx.output)
    assert "共 8 行数据：5 行通过，3 行有错误。" in got_xls.output

"""Hostile spreadsheets (issue 15, 7): ``gongshi import`` answers in bounded time and memory.

The merge bomb is written as raw .xlsx XML (a few KB of XML claiming 17 billion cells) and imported
by the real ``gongshi`` command in a child process whose peak memory is read with
``resource.getrusage``; before the limits it grew past 3 GB. A million-row CSV is refused at the row
limit. Hidden rows and sheets are reported, never imported silently.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl import Workbook

from tests.unit.sheets.test_import import PENALTY_EXPORT_HEADERS, org_penalty, records, repo, run

__all__ = ["repo"]  # the fixture, shared with test_import

GONGSHI = Path(sys.executable).with_name("gongshi")
AS_OF = "2026-01-15"
MB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="处罚" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)


def column(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def raw_xlsx(
    path: Path, rows: list[list], tail: str = "", dimension: str = "A1:XFD1048576", stored: bool = False
) -> Path:
    """An .xlsx written as XML by hand (inline strings), ``tail`` after sheetData (mergeCells)."""
    body = []
    for r, cells in enumerate(rows, start=1):
        cs = "".join(
            f'<c r="{column(c)}{r}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
            for c, v in enumerate(cells, start=1)
            if v != ""
        )
        body.append(f'<row r="{r}">{cs}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{"".join(body)}</sheetData>{tail}</worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def measured_import(root: Path, file: Path, *extra: str) -> dict:
    """``gongshi import`` in a child process: exit code, output, wall seconds and peak RSS (MB)."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps({'code': p.returncode, 'out': p.stdout, 'err': p.stderr,\n"
        "  'seconds': time.perf_counter() - t,\n"
        "  'rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    cmd = [
        str(GONGSHI),
        "import",
        str(file),
        "--dept",
        "scjg",
        "--as-of",
        AS_OF,
        "--item",
        "scjg-cf-001",
        "--dry-run",
        *extra,
    ]
    proc = subprocess.run(
        [sys.executable, "-c", probe, *cmd], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(proc.stdout)


def test_merge_bomb_answers_in_bounded_time_and_memory(repo, tmp_path):
    # About 81 KB as stored, like the file in the issue: 60 rows and one merged range.
    rows = [PENALTY_EXPORT_HEADERS] + [org_penalty(n) for n in range(1, 61)]
    merge = '<mergeCells count="1"><mergeCell ref="A5:XFD1048576"/></mergeCells>'
    bomb = raw_xlsx(tmp_path / "bomb.xlsx", rows, merge, stored=True)
    size_kb = bomb.stat().st_size / 1024
    assert 60 < size_kb < 120
    got = measured_import(repo, bomb)
    print(f"merge bomb: {size_kb:.0f} KB, {got['seconds']:.2f} s, {got['rss_mb']:.0f} MB peak RSS")
    # Expanding the range would fill 17 billion cells (hours); answering takes ~2 s on an idle
    # machine. The bound is loose so a loaded machine cannot fail it; the memory bound is the sharp one.
    assert got["seconds"] < 30, got
    assert got["rss_mb"] < 300, got
    assert got["code"] in (0, 1) and "Traceback" not in got["err"], got
    assert "合并单元格 A5:XFD1048576 超出了有数据的范围" in got["out"], got["out"]
    assert records(repo) == []


def test_a_dimension_claiming_a_million_rows_is_ignored(repo, tmp_path):
    rows = [PENALTY_EXPORT_HEADERS, org_penalty(1), org_penalty(2)]
    file = raw_xlsx(tmp_path / "dim.xlsx", rows, dimension="A1:XFD1048576")
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert res.exit_code == 0, res.output
    assert len(records(repo)) == 2


def test_million_row_csv_is_refused_quickly(repo, tmp_path):
    big = tmp_path / "big.csv"
    line = ",".join(org_penalty(1)[:12]) + "\n"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(",".join(PENALTY_EXPORT_HEADERS) + "\n")
        fh.write(line * 1_000_000)
    got = measured_import(repo, big, "--max-rows", "20000") if big.stat().st_size < 20 * MB else None
    if got is None:  # over the size limit: refused before a row is read; test the row limit too
        small = tmp_path / "rows.csv"
        small.write_text(",".join(PENALTY_EXPORT_HEADERS) + "\n" + "a,b\n" * 1_000_000, encoding="utf-8")
        got = measured_import(repo, small)
        size = measured_import(repo, big)
        print(f"{big.stat().st_size / MB:.0f} MB CSV: {size['seconds']:.2f} s; {got['seconds']:.2f} s")
        assert size["code"] == 2 and "超过导入上限" in size["err"], size
        assert size["seconds"] < 5, size
    print(f"million-row CSV: {got['seconds']:.2f} s, {got['rss_mb']:.0f} MB peak RSS")
    assert got["code"] == 2, got
    assert "超过 20000 行" in got["err"], got
    assert got["seconds"] < 5, got
    assert got["rss_mb"] < 300, got


def test_row_limit_is_configurable(repo, tmp_path):
    file = raw_xlsx(tmp_path / "rows.xlsx", [PENALTY_EXPORT_HEADERS] + [org_penalty(n) for n in range(1, 8)])
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001", "--max-rows", "5")
    assert res.exit_code == 2
    assert "超过 5 行" in res.output and "--max-rows" in res.output
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001", "--max-rows", "8")
    assert res.exit_code == 0, res.output
    assert len(records(repo)) == 7


def test_a_value_far_to_the_right_is_refused(repo, tmp_path):
    rows = [PENALTY_EXPORT_HEADERS, org_penalty(1) + [""] * 400 + ["远处的值"]]
    res = run(
        "import",
        raw_xlsx(tmp_path / "wide.xlsx", rows),
        "--dept",
        "scjg",
        "--as-of",
        AS_OF,
        "--item",
        "scjg-cf-001",
    )
    assert res.exit_code == 2
    assert "超过导入上限 200 列" in res.output


def test_too_many_merged_ranges_are_refused(repo, tmp_path):
    merges = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(2, 6003))
    file = raw_xlsx(tmp_path / "merges.xlsx", [PENALTY_EXPORT_HEADERS], f"<mergeCells>{merges}</mergeCells>")
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert res.exit_code == 2
    assert "合并单元格区域" in res.output


def test_file_size_limit(repo, tmp_path):
    file = tmp_path / "huge.csv"
    with file.open("wb") as fh:
        fh.truncate(21 * MB)
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert res.exit_code == 2
    assert "超过导入上限 20 MB" in res.output


def test_hidden_rows_and_sheets_are_reported_not_imported(repo, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "处罚"
    ws.append(PENALTY_EXPORT_HEADERS)
    for n in range(1, 5):
        ws.append(org_penalty(n))
    ws.row_dimensions[3].hidden = True  # the second data row
    ws.row_dimensions[5].hidden = True
    secret = wb.create_sheet("内部")
    secret.append(PENALTY_EXPORT_HEADERS)
    secret.append(org_penalty(9))
    secret.sheet_state = "hidden"
    file = tmp_path / "hidden.xlsx"
    wb.save(file)
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert res.exit_code == 0, res.output
    assert "2 个隐藏的行（第 3、5 行）没有导入" in res.output
    assert "隐藏的工作表 “内部” 没有导入" in res.output
    texts = [p.read_text(encoding="utf-8") for p in records(repo)]
    assert len(texts) == 2
    assert not any("餐饮有限公司2" in t or "餐饮有限公司4" in t or "餐饮有限公司9" in t for t in texts)


@pytest.mark.parametrize("hidden_value", ["1", "true"])
def test_hidden_row_in_raw_xml(repo, tmp_path, hidden_value):
    rows = [PENALTY_EXPORT_HEADERS, org_penalty(1), org_penalty(2)]
    file = raw_xlsx(tmp_path / "h.xlsx", rows)
    with zipfile.ZipFile(file) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        '<row r="3">', f'<row r="3" hidden="{hidden_value}">'
    ).encode()
    with zipfile.ZipFile(file, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    res = run("import", file, "--dept", "scjg", "--as-of", AS_OF, "--item", "scjg-cf-001")
    assert res.exit_code == 0, res.output
    assert "1 个隐藏的行（第 3 行）没有导入" in res.output
    assert len(records(repo)) == 1

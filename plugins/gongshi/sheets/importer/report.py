"""Reports: the import's outcome for the terminal, and the rejected rows as a workbook."""

from __future__ import annotations

from pathlib import Path

from gongshi.core.records import KIND_LABEL
from gongshi.sheets.importer.results import ImportResult
from gongshi.sheets.xlsxsave import TEMPLATE_STAMP, keep_sheet_as_text, save_workbook, stamp_of


def render_text(result: ImportResult, dry_run: bool, only_valid: bool, errors_file: str | None) -> str:
    gen = "旧版（2016）标准" if result.legacy else "现行标准"
    header = "、".join(f"第 {r} 行" for r in result.header_rows)
    lines = [
        f"读取 {result.file}（工作表“{result.sheet}”）：{KIND_LABEL[result.kind]}，{gen}，表头在{header}。",
        *result.notices,
    ]
    for row in result.rows:
        for e in row.errors:
            lines.append(f"第 {e.row} 行 [{e.column}] {e.message}")
        for w in row.warnings:
            lines.append(f"第 {w.row} 行 [{w.column}] 警告：{w.message}")
    total, bad, same = len(result.rows), len(result.rejected), len(result.already_imported)
    lines.append(f"共 {total} 行数据：{total - bad - same} 行通过，{bad} 行有错误。")
    if same:
        lines.append(f"{same} 行与仓库中已有的记录相同，已跳过（--skip-existing）。")
    if dry_run:
        lines.append("试运行（--dry-run）：没有写入任何记录。")
        lines += [f"  将写入 {r.relpath}" for r in result.accepted if not bad or only_valid]
    elif result.written:
        lines.append(f"已写入 {len(result.written)} 个记录文件：")
        lines += [f"  {p}" for p in result.written]
    elif bad:
        lines.append(
            "有错误的行，因此没有写入任何记录。请改正后重新导入，或加 --write-valid 只导入正确的行。"
        )
    if errors_file:
        lines.append(f"错误清单已保存到 {errors_file}")
    return "\n".join(lines) + "\n"


def write_error_report(result: ImportResult, out: Path) -> None:
    """The rejected rows as a workbook; the same import on the same day gives the same bytes."""
    # lazy: openpyxl takes 0.1–0.15 s to import; only an import with rejected rows writes a workbook
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "错误清单"
    ws.append(["行号", "列", "错误原因", "级别"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in result.rows:
        for e in row.errors:
            ws.append([e.row, e.column, e.message, "错误"])
        for w in row.warnings:
            ws.append([w.row, w.column, w.message, "警告"])
    keep_sheet_as_text(ws)  # a column name or message quoting a cell may start with "="
    ws.freeze_panes = "A2"
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 100
    save_workbook(wb, out, stamp_of(result.as_of) if result.as_of else TEMPLATE_STAMP)

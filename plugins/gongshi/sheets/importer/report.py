"""Reports: the import's outcome for the terminal, and the rejected rows as a workbook."""

from __future__ import annotations

from pathlib import Path

from gongshi.core.records import KIND_LABEL
from gongshi.sheets.importer.cells import clean_code, mask_id_number, mask_numbers_in
from gongshi.sheets.importer.results import ImportResult, ImportUsageError
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


ERROR_FILL = "FFC7CE"  # the light red Excel itself uses for 错误 cells
REASON_HEADER = "错误原因"
ROW_HEADER = "行号"


def error_report_path(root: Path, source: Path, requested: str | None) -> Path:
    """Where the error workbook goes: ``--errors``, else ``<input>.errors.xlsx`` beside the input;
    never inside the repository (the workbook holds the clerk's rows: names, amounts, facts, which
    must not be committed by accident), so an input inside it sends the workbook next to it."""
    target = Path(requested) if requested else source.with_name(source.name + ".errors.xlsx")
    repo = root.resolve()
    resolved = target.resolve()
    if resolved.is_relative_to(repo):
        if requested:
            raise ImportUsageError(
                f"错误清单 {requested} 在数据仓库中。错误清单含有表格中的原始数据，不能放进仓库，"
                "请用 --errors 指定仓库以外的位置。"
            )
        resolved = repo.parent / target.name
    return resolved


def write_error_report(result: ImportResult, out: Path) -> None:
    """The clerk's own rejected rows, as read, under their own header, with a 行号 column (the row
    in the input file) in front and a 错误原因 column at the end, the cells at fault filled light
    red; then a second sheet listing every problem. Personal ID numbers are masked, as everywhere.
    The same import on the same day gives the same bytes."""
    # lazy: openpyxl takes 0.1–0.15 s to import; only an import with rejected rows writes a workbook
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor=ERROR_FILL)
    wb = Workbook()
    ws = wb.active
    ws.title = "需改正的行"
    width = max([len(r) for r in result.header_cells] + [len(r.cells) for r in result.rejected] + [0])
    last = len(result.header_cells)
    for n, header in enumerate(result.header_cells, start=1):
        labels = [_shown(v) for v in header] + [None] * (width - len(header))
        ws.append([ROW_HEADER if n == last else None, *labels, REASON_HEADER if n == last else None])
        for cell in ws[n]:
            cell.font = Font(bold=True)
    for row in result.rejected:
        values = [_shown(v) for v in row.cells] + [None] * (width - len(row.cells))
        for index in result.private_columns:
            if index < len(values) and values[index] is not None:
                values[index] = _masked_id(values[index])
        reasons = [f"[{e.column}] {e.message}" for e in row.errors]
        reasons += [f"[{w.column}] 警告：{w.message}" for w in row.warnings]
        ws.append([row.row, *values, "；\n".join(reasons)])
        line = ws.max_row
        for e in row.errors:
            index = result.column_index.get(e.column)
            if index is not None:
                ws.cell(line, index + 2).fill = fill
        reason = ws.cell(line, width + 2)
        reason.fill = fill
        reason.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 8
    ws.freeze_panes = ws.cell(last + 1, 2) if last else "A2"
    keep_sheet_as_text(ws)  # a clerk's cell or a message quoting one may start with "="

    listing = wb.create_sheet("错误清单")
    listing.append([ROW_HEADER, "列", REASON_HEADER, "级别"])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    for row in result.rows:
        for e in row.errors:
            listing.append([e.row, e.column, e.message, "错误"])
        for w in row.warnings:
            listing.append([w.row, w.column, w.message, "警告"])
    keep_sheet_as_text(listing)
    listing.freeze_panes = "A2"
    listing.column_dimensions["B"].width = 30
    listing.column_dimensions["C"].width = 100
    save_workbook(wb, out, stamp_of(result.as_of) if result.as_of else TEMPLATE_STAMP)


def _shown(value: object) -> object:
    """A cell as the workbook gets it back: text with personal numbers masked, dates and numbers
    as they were."""
    if isinstance(value, str):
        return mask_numbers_in(value)
    return value


def _masked_id(value: object) -> str:
    """An ID number cell, masked whatever it holds (a mistyped number is still a person's)."""
    number = clean_code(value)
    if "*" in number or not number:
        return number
    return mask_id_number(number, "身份证" if len(number) == 18 else "")

"""Reading the table: the cells of every visible sheet of an .xlsx file, or of a .csv file, within
the limits of ``limits.ImportLimits`` (see there: a hostile file is refused or clamped before
anything large is built)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gongshi.sheets.importer.limits import (
    ImportLimits,
    SheetScan,
    check_file_size,
    column_letters,
    scan_sheets,
    too_many_rows,
)
from gongshi.sheets.importer.results import ImportUsageError


@dataclass
class Table:
    sheet: str
    rows: list[tuple[int, list[object]]]  # (row number, cells)
    hidden_rows: frozenset[int] = frozenset()  # hidden in the spreadsheet: reported, not imported
    notices: list[str] = field(default_factory=list)  # what the reader saw about the file itself


def read_table(path: Path, kind: str | None = None, limits: ImportLimits | None = None) -> list[Table]:
    """All visible sheets of an .xlsx file (merged cells filled in) or the one table of a .csv file."""
    limits = limits or ImportLimits()
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportUsageError(f"找不到文件 “{path}”。")
    if suffix in (".xlsx", ".xlsm"):
        check_file_size(path, limits)
        return _read_xlsx(path, limits)
    if suffix in (".csv", ".txt"):
        check_file_size(path, limits)
        return [_read_csv(path, limits)]
    if suffix == ".xls":
        check_file_size(path, limits)
        return _read_xls(path, limits)
    if suffix in (".et", ".ods"):
        raise ImportUsageError(f"不支持 {suffix} 格式。请在 Excel 或 WPS 中“另存为” .xlsx 或 .csv 后再导入。")
    raise ImportUsageError(
        f"不认识的文件类型 “{suffix or '（无扩展名）'}”。只能导入 .xlsx、.xls 或 .csv 文件。"
    )


def _read_xls(path: Path, limits: ImportLimits) -> list[Table]:
    """The visible sheets of an Excel 97–2003 file, read with calamine. The format is bounded
    (65536 rows, 256 columns), but the row and column limits still apply. calamine does not say
    which rows are hidden, so the import says that it could not check them."""
    # lazy: only an .xls import needs calamine
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ImportUsageError(
            f"无法读取 Excel 文件 “{path.name}”：文件已损坏或不是 .xls 格式（{exc}）。"
            "请在 Excel 或 WPS 中打开，“另存为” .xlsx 后再导入。"
        ) from None
    tables: list[Table] = []
    hidden_sheets = []
    total = 0
    try:
        for meta in wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            if meta.visible != SheetVisibleEnum.Visible:
                hidden_sheets.append(meta.name)
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            merges = sheet.merged_cell_ranges or []
            if len(merges) > limits.max_merged_ranges:
                raise ImportUsageError(
                    f"“{path.name}”的工作表“{meta.name}”有超过 {limits.max_merged_ranges} 个合并单元格区域。"
                    "请取消合并后再导入。"
                )
            rows: list[tuple[int, list[object]]] = []
            for number, values in enumerate(sheet.iter_rows(), start=1):  # row 1 first, gaps included
                cells = [None if v == "" else v for v in values]
                while cells and cells[-1] is None:
                    cells.pop()
                if not cells:
                    continue
                if len(cells) > limits.max_columns:
                    raise ImportUsageError(
                        f"“{path.name}”的工作表“{meta.name}”第 {number} 行有 {len(cells)} 列，"
                        f"超过导入上限 {limits.max_columns} 列。请删除多余的列后再导入。"
                    )
                total += 1
                if total > limits.max_rows:
                    raise too_many_rows(path.name, limits, f"（工作表“{meta.name}”）")
                rows.append((number, cells))
            _fill_merges(rows, [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in merges])
            tables.append(
                Table(
                    meta.name,
                    rows,
                    notices=[
                        f"“{path.name}”是 .xls 格式，无法判断其中是否有隐藏的行：隐藏的行也会导入。请先核对。"
                    ],
                )
            )
    finally:
        wb.close()
    _note_hidden_sheets(tables, hidden_sheets)
    return tables


def _note_hidden_sheets(tables: list[Table], hidden_sheets: list[str]) -> None:
    if hidden_sheets and tables:
        names = "、".join(f"“{n}”" for n in hidden_sheets)
        tables[0].notices.append(f"隐藏的工作表 {names} 没有导入。如需导入，请在表格中取消隐藏后重新导入。")


def _fill_merges(rows: list[tuple[int, list[object]]], merges: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged range (1-based min_row, min_col, max_row, max_col) takes the value of
    its top-left cell, as in an .xlsx file."""
    by_number = {number: cells for number, cells in rows}
    for min_row, min_col, max_row, max_col in merges:
        top = by_number.get(min_row)
        value = top[min_col - 1] if top is not None and min_col - 1 < len(top) else None
        for r in range(min_row, max_row + 1):
            cells = by_number.get(r)
            if cells is None:
                continue
            if len(cells) < max_col:
                cells.extend([None] * (max_col - len(cells)))
            cells[min_col - 1 : max_col] = [value] * (max_col - min_col + 1)


def _read_xlsx(path: Path, limits: ImportLimits) -> list[Table]:
    from openpyxl import load_workbook  # lazy: 0.1–0.15 s to import, and a .csv import never needs it

    scans = scan_sheets(path, limits)  # refuses a file over a limit before openpyxl reads any cell
    hidden_sheets = [s.name for s in scans if s.state != "visible"]
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportUsageError(
            f"无法读取 Excel 文件 “{path.name}”：文件已损坏或不是 .xlsx 格式（{exc}）。"
        ) from None
    tables = []
    try:
        for scan in scans:
            if scan.state != "visible" or scan.name not in wb.sheetnames:
                continue
            tables.append(_sheet_table(wb[scan.name], scan))
    finally:
        wb.close()
    _note_hidden_sheets(tables, hidden_sheets)
    return tables


def _sheet_table(ws, scan: SheetScan) -> Table:
    """The sheet's values within the extent the scan found (never the sheet's own dimension, which
    may claim a million rows), merged ranges filled in and clamped to that extent."""
    rows: list[tuple[int, list[object]]] = []
    notices = []
    if scan.last_row:
        width = scan.last_column
        merges = []
        for min_row, min_col, max_row, max_col in scan.merges:
            if min_row > scan.last_row or min_col > width:
                continue
            if max_row > scan.last_row or max_col > width:
                notices.append(
                    f"工作表“{scan.name}”的合并单元格 {column_letters(min_col)}{min_row}:"
                    f"{column_letters(max_col)}{max_row} 超出了有数据的范围，只按数据范围"
                    f"（到 {column_letters(width)}{scan.last_row}）读取。"
                )
            merges.append((min_row, min_col, min(max_row, scan.last_row), min(max_col, width)))
        top_left: dict[tuple[int, int], object] = {}
        for r, values in enumerate(
            ws.iter_rows(min_row=1, max_row=scan.last_row, max_col=width, values_only=True), start=1
        ):
            if all(v is None for v in values):
                continue  # a gap (the sheet may have one value a million rows down): nothing to read
            cells = list(values)
            for min_row, min_col, max_row, max_col in merges:
                if min_row <= r <= max_row:
                    # A merged range keeps its value in the top-left cell only; every cell of it
                    # means that value.
                    if r == min_row:
                        top_left[(min_row, min_col)] = cells[min_col - 1]
                    value = top_left.get((min_row, min_col))
                    cells[min_col - 1 : max_col] = [value] * (max_col - min_col + 1)
            rows.append((r, cells))
    hidden = frozenset(scan.hidden_rows)
    if scan.hidden_columns:
        letters = "、".join(column_letters(c) for c in scan.hidden_columns[:20])
        more = "等" if len(scan.hidden_columns) > 20 else ""
        notices.append(f"工作表“{scan.name}”有隐藏的列（{letters}{more}列），其中的数据照常导入。请核对。")
    return Table(ws.title, rows, hidden, notices)


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # a superset of GBK, what Excel on Chinese Windows writes
    except UnicodeDecodeError:
        raise ImportUsageError(
            f"无法识别 “{name}” 的文字编码（既不是 UTF-8 也不是 GBK）。请另存为 UTF-8 编码的 CSV。"
        ) from None


def _read_csv(path: Path, limits: ImportLimits) -> Table:
    try:
        text = _decode(path.read_bytes(), path.name)
    except OSError as exc:
        raise ImportUsageError(f"无法读取文件 “{path.name}”：{exc.strerror}") from None
    # The first non-blank line decides the delimiter (found without splitting the whole file).
    stream = io.StringIO(text, newline="")
    first = next((line for line in stream if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    line = 1
    try:
        for cells in reader:  # row by row, stopping at the limit: a million rows are never built
            if any(cells):
                if len(rows) >= limits.max_rows:
                    raise too_many_rows(path.name, limits)
                if len(cells) > limits.max_columns:
                    raise ImportUsageError(
                        f"CSV 文件第 {line} 行有 {len(cells)} 列，超过导入上限 {limits.max_columns} 列。"
                        "请检查分隔符，或删除多余的列后再导入。"
                    )
                rows.append((line, list(cells)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportUsageError(f"CSV 文件第 {line} 行格式错误（{exc}）。请检查引号是否成对。") from None
    return Table(path.stem, rows)

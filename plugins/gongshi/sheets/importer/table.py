"""Reading the table: the cells of every visible sheet of an .xlsx file, or of a .csv file."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gongshi.sheets.importer.results import ImportUsageError


@dataclass
class Table:
    sheet: str
    rows: list[tuple[int, list[object]]]  # (row number, cells)


def read_table(path: Path, kind: str | None = None) -> list[Table]:
    """All sheets of an .xlsx file (merged cells filled in) or the one table of a .csv file."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportUsageError(f"找不到文件 “{path}”。")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return [_read_csv(path)]
    if suffix in (".xls", ".et", ".ods"):
        raise ImportUsageError(f"不支持 {suffix} 格式。请在 Excel 或 WPS 中“另存为” .xlsx 或 .csv 后再导入。")
    raise ImportUsageError(f"不认识的文件类型 “{suffix or '（无扩展名）'}”。只能导入 .xlsx 或 .csv 文件。")


def _read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook  # lazy: 0.1–0.15 s to import, and a .csv import never needs it

    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportUsageError(
            f"无法读取 Excel 文件 “{path.name}”：文件已损坏或不是 .xlsx 格式（{exc}）。"
        ) from None
    tables = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        # A merged range keeps its value in the top-left cell only; every cell of it means that value.
        merged: dict[tuple[int, int], object] = {}
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[(r, c)] = value
        rows = []
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(values)
            if merged:
                for c in range(1, len(cells) + 1):
                    if (r, c) in merged:
                        cells[c - 1] = merged[(r, c)]
            rows.append((r, cells))
        tables.append(Table(ws.title, rows))
    wb.close()
    return tables


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


def _read_csv(path: Path) -> Table:
    try:
        text = _decode(path.read_bytes(), path.name)
    except OSError as exc:
        raise ImportUsageError(f"无法读取文件 “{path.name}”：{exc.strerror}") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, list(cells)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportUsageError(f"CSV 文件第 {line} 行格式错误（{exc}）。请检查引号是否成对。") from None
    return Table(path.stem, rows)

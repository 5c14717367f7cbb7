"""How much of a file ``gongshi import`` reads, and a look at an .xlsx file before it is loaded.

A spreadsheet is a hostile input: 81 KB of .xlsx with ``<mergeCell ref="A5:XFD1048576"/>`` or a
``<dimension ref="A1:XFD1048576"/>`` tells a reader to fill 17 billion cells, and a CSV file can
hold a million rows. So the file's size is checked first; then each visible sheet's XML is streamed
once (``scan_sheets``: bounded memory, elements cleared as they are read) for what openpyxl's
streaming reader does not give: the rows and columns that hold values, hidden rows and columns,
merged ranges. The import then reads values in openpyxl's read-only mode, only within that extent,
and stops at ``ImportLimits.max_rows``; merged ranges are clamped to the extent; a file over a
limit is refused with a Chinese message before anything large is built.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from gongshi.sheets.importer.results import ImportUsageError

MAX_ROWS = 20_000


@dataclass(frozen=True)
class ImportLimits:
    """The limits of one import (``gongshi import --max-rows``)."""

    max_rows: int = MAX_ROWS  # rows holding a value, per file (header rows included)
    max_file_bytes: int = 20 * 1024 * 1024  # the file as stored
    max_sheet_bytes: int = 400 * 1024 * 1024  # one sheet's XML, uncompressed (as the zip declares)
    max_columns: int = 200  # the national standard has fewer than 50
    max_merged_ranges: int = 5_000


@dataclass
class SheetScan:
    """What the sheet's XML says, within the limits."""

    name: str
    state: str  # visible, hidden, veryHidden
    last_row: int = 0  # the last row holding a value (0: none)
    last_column: int = 0  # the last column holding a value
    value_rows: int = 0
    hidden_rows: list[int] = field(default_factory=list)  # rows holding a value
    hidden_columns: list[int] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # min_row, min_col, max_row, max_col


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF_RE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


def check_file_size(path: Path, limits: ImportLimits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ImportUsageError(
            f"文件 “{path.name}” 有 {size / 1048576:.1f} MB，超过导入上限 "
            f"{limits.max_file_bytes / 1048576:.0f} MB。请拆成几个较小的文件分别导入。"
        )


def too_many_rows(name: str, limits: ImportLimits, where: str = "") -> ImportUsageError:
    return ImportUsageError(
        f"“{name}”{where}超过 {limits.max_rows} 行：一次最多导入 {limits.max_rows} 行。"
        f"请拆成几个文件分别导入（确有需要时可用 --max-rows 调整上限）。"
    )


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _ref(text: str) -> tuple[int, int] | None:
    m = _REF_RE.match(text.strip().upper())
    return (int(m.group(2)), column_number(m.group(1))) if m else None


def scan_sheets(path: Path, limits: ImportLimits) -> list[SheetScan]:
    """Every sheet of the workbook in order, visible ones scanned; ImportUsageError over a limit."""
    try:
        with zipfile.ZipFile(path) as zf:
            sheets = _workbook_sheets(zf)
            out = []
            total_rows = 0
            for name, state, part in sheets:
                scan = SheetScan(name, state)
                if state == "visible" and part is not None:
                    _scan_sheet(zf, part, scan, limits, path.name, total_rows)
                    total_rows += scan.value_rows
                out.append(scan)
            return out
    except (zipfile.BadZipFile, KeyError, ParseError, OSError, ValueError, EOFError) as exc:
        raise ImportUsageError(
            f"无法读取 Excel 文件 “{path.name}”：文件已损坏或不是 .xlsx 格式（{exc}）。"
        ) from None


def _workbook_sheets(zf: zipfile.ZipFile) -> list[tuple[str, str, str | None]]:
    """(name, state, part path in the zip) of every sheet, from workbook.xml and its relationships."""
    targets = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in zf.namelist():
        for _, el in iterparse(zf.open(rels)):
            if el.tag == f"{_PKG_REL_NS}Relationship":
                target = el.get("Target", "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                targets[el.get("Id")] = part
    out = []
    for _, el in iterparse(zf.open("xl/workbook.xml")):
        if el.tag == f"{_MAIN_NS}sheet":
            part = targets.get(el.get(f"{_REL_NS}id"))
            out.append((el.get("name", ""), el.get("state", "visible"), part))
    return out


def _scan_sheet(
    zf: zipfile.ZipFile, part: str, scan: SheetScan, limits: ImportLimits, file: str, before: int
) -> None:
    info = zf.getinfo(part)
    if info.file_size > limits.max_sheet_bytes:
        raise ImportUsageError(
            f"“{file}”的工作表“{scan.name}”解压后有 {info.file_size / 1048576:.0f} MB，超过导入上限。"
            "请只保留需要导入的数据，另存后再导入。"
        )
    row_tag, cell_tag, merge_tag, col_tag = (f"{_MAIN_NS}{t}" for t in ("row", "c", "mergeCell", "col"))
    value_tags = {f"{_MAIN_NS}v", f"{_MAIN_NS}t"}  # a value, or the text of an inline string
    with zf.open(part) as src:
        parents: list = []  # the open elements: each finished row is taken out of its parent
        row_hidden = False
        row_number = 0
        row_has_value = False
        last_col_in_row = 0
        for event, el in iterparse(src, events=("start", "end")):
            tag = el.tag
            if event == "start":
                parents.append(el)
                if tag == row_tag:
                    row_number = int(el.get("r") or row_number + 1)
                    row_hidden = el.get("hidden") in ("1", "true")
                    row_has_value = False
                    last_col_in_row = 0
                elif tag == cell_tag:
                    ref = _ref(el.get("r") or "")
                    last_col_in_row = ref[1] if ref else last_col_in_row + 1
                continue
            parents.pop()
            if tag in value_tags:
                if el.text:
                    row_has_value = True
                    if last_col_in_row > limits.max_columns:
                        raise ImportUsageError(
                            f"“{file}”的工作表“{scan.name}”在第 {column_letters(last_col_in_row)} 列"
                            f"（第 {last_col_in_row} 列）还有数据，超过导入上限 {limits.max_columns} 列。"
                            "请删除多余的列后再导入。"
                        )
                    scan.last_column = max(scan.last_column, last_col_in_row)
                continue
            if tag == cell_tag:
                continue  # taken out with its row
            if tag == row_tag:
                if row_has_value:
                    scan.value_rows += 1
                    scan.last_row = row_number
                    if row_hidden:
                        scan.hidden_rows.append(row_number)
                    if before + scan.value_rows > limits.max_rows:
                        raise too_many_rows(file, limits, f"（工作表“{scan.name}”）")
            elif tag == merge_tag:
                if len(scan.merges) >= limits.max_merged_ranges:
                    raise ImportUsageError(
                        f"“{file}”的工作表“{scan.name}”有超过 {limits.max_merged_ranges} 个合并单元格区域。"
                        "请取消合并后再导入。"
                    )
                first, _, last = (el.get("ref") or "").partition(":")
                a, b = _ref(first), _ref(last or first)
                if a and b:
                    scan.merges.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
            elif tag == col_tag and el.get("hidden") in ("1", "true"):
                lo, hi = int(el.get("min") or 0), int(el.get("max") or 0)
                # Only the columns that can hold data (a hidden range may run to XFD).
                scan.hidden_columns.extend(range(max(lo, 1), min(hi, limits.max_columns) + 1))
            el.clear()
            if parents:
                parents[-1].remove(el)  # the last child: memory stays flat however long the sheet

"""Text that looks like a formula (starts with = + - @) stays text in every workbook the system
writes: exports, the import error report and the blank import templates. One helper does it
(``xlsxsave.keep_as_text``); the export's own check lives in test_hostile_content."""

from __future__ import annotations

import dataclasses
import io
import shutil
from datetime import date
from pathlib import Path

from gongshi.repo.files import load_registry
from gongshi.sheets.importer import ImportedRow, ImportResult, RowError, write_error_report
from gongshi.sheets.workbook_template import build_workbook
from gongshi.sheets.xlsxsave import TEMPLATE_STAMP, keep_as_text, workbook_bytes
from openpyxl import Workbook, load_workbook

REGISTRY = Path(__file__).resolve().parents[2] / "fixtures" / "registry"
PAYLOADS = ['=HYPERLINK("http://evil.example/","点我")', "+1+1", "-2+3", "@SUM(1,2)", "=1+1"]


def cells_by_value(path_or_bytes) -> dict[str, list]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = load_workbook(src)
    out: dict[str, list] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    out.setdefault(cell.value, []).append(cell)
    return out


def assert_text(cells: dict[str, list], payloads=PAYLOADS) -> None:
    for value in payloads:
        assert value in cells, f"{value!r} missing from the workbook"
        for cell in cells[value]:
            assert cell.data_type == "s", (value, cell.coordinate, cell.data_type)


def test_keep_as_text_turns_formula_cells_back_into_text():
    wb = Workbook()
    ws = wb.active
    ws.append(PAYLOADS)
    assert ws["A1"].data_type == "f"  # openpyxl's own reading of "=..."
    keep_as_text(ws[1])
    assert_text(cells_by_value(workbook_bytes(wb, TEMPLATE_STAMP)))


def test_import_error_report_keeps_formula_like_text(tmp_path):
    result = ImportResult("in.xlsx", "scjg", "Sheet1", (1,), "penalty", False, as_of=date(2026, 10, 12))
    result.rows.append(
        ImportedRow(
            3,
            errors=[RowError(3, PAYLOADS[0], PAYLOADS[1]), RowError(3, PAYLOADS[2], PAYLOADS[4])],
            warnings=[RowError(3, "备注", PAYLOADS[3], "warning")],
        )
    )
    out = tmp_path / "errors.xlsx"
    write_error_report(result, out)
    assert_text(cells_by_value(out))


def test_template_keeps_a_formula_like_catalog_item_as_text(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REGISTRY, root)
    registry = load_registry(root)
    items = registry.catalog_by_dept["scjg"]
    penalty = next(i for i in items if i.kind == "penalty")
    items[items.index(penalty)] = dataclasses.replace(penalty, code="=1+1", name="+恶意")
    book = build_workbook("penalty", registry, "scjg")
    raw = workbook_bytes(book, TEMPLATE_STAMP)
    cells = cells_by_value(raw)
    assert_text(cells, ["=1+1 +恶意"])
    assert not [c for cs in cells.values() for c in cs if c.data_type == "f"]

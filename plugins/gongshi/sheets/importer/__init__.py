"""``gongshi import``: rows of a national-standard spreadsheet (.xlsx, .xls or .csv) to record files.

Every row is converted, then checked with the real validator (``check_record_bytes``) on the
exact text that would be written, before anything touches the disk. A file with a rejected row writes
nothing unless the caller asks for the valid rows only. Each rejected row is reported with its row
number as the spreadsheet shows it, the column header as written in the file, and a Chinese reason.

Natural persons' ID numbers are masked during conversion, so an unmasked number never reaches a
record file, the terminal or the error report; the full number (and a legal representative's) is
kept only sealed with age to ``reporting.recipients`` (``sealing``). Totals and sign-off lines (合计,
填表人 ...) are not records; a row identical to a record already in the repository is skipped with
``skip_existing``; the accepted rows get the consistency warnings of ``check.consistency``.

The modules follow the steps: ``table`` (reading the file), ``header`` (finding the header),
``cells`` (cell values), ``limits`` (what a hostile file may not make
the reader do), ``row`` (converting one row), ``sealing`` (full ID numbers sealed), ``run`` (the
whole file), ``report``.
"""

from gongshi.sheets.importer.cells import (
    clean_code,
    clean_text,
    mask_id_number,
    mask_numbers_in,
    parse_amount,
    parse_date_value,
)
from gongshi.sheets.importer.limits import MAX_ROWS, ImportLimits
from gongshi.sheets.importer.report import error_report_path, render_text, write_error_report
from gongshi.sheets.importer.results import ImportedRow, ImportResult, ImportUsageError, RowError
from gongshi.sheets.importer.run import NOTES_MARK, run_import, write_records

__all__ = [
    "MAX_ROWS",
    "NOTES_MARK",
    "ImportLimits",
    "ImportResult",
    "ImportUsageError",
    "ImportedRow",
    "RowError",
    "clean_code",
    "clean_text",
    "error_report_path",
    "mask_id_number",
    "mask_numbers_in",
    "parse_amount",
    "parse_date_value",
    "render_text",
    "run_import",
    "write_error_report",
    "write_records",
]

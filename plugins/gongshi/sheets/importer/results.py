"""What an import produces: the rows with their errors and warnings, and the error that stops it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class ImportUsageError(Exception):
    """The file cannot be imported at all (unreadable, header not recognised ...): exit code 2."""


@dataclass
class RowError:
    row: int  # as the spreadsheet shows it (1-based)
    column: str  # the header as written in the file, or the standard's name of a missing column
    message: str
    severity: str = "error"


@dataclass
class ImportedRow:
    row: int
    data: dict | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    relpath: str | None = None  # set when written (or would be written, in a dry run)
    full_numbers: int = 0  # full ID numbers the row carried (sealed, or dropped without recipients)
    existing: str | None = None  # the identical record already in the repository (--skip-existing)
    cells: list[object] = field(default_factory=list)  # the row as read (for the error workbook)
    sources: dict[str, str] = field(default_factory=dict)  # JSON path → the header it came from

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors and self.existing is None


@dataclass
class ImportResult:
    file: str
    dept: str
    sheet: str
    header_rows: tuple[int, ...]
    kind: str
    legacy: bool
    rows: list[ImportedRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    as_of: date | None = None  # the day the rows were checked (dates the error report)

    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (row, why): 合计, 填表人 ...
    blank_rows: list[int] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    header_cells: list[list[object]] = field(default_factory=list)  # the header row(s) as read
    column_index: dict[str, int] = field(default_factory=dict)  # header as written → 0-based column
    private_columns: list[int] = field(default_factory=list)  # columns holding personal ID numbers

    @property
    def rejected(self) -> list[ImportedRow]:
        return [r for r in self.rows if not r.ok and r.existing is None]

    @property
    def already_imported(self) -> list[ImportedRow]:
        """Rows identical to a record already in the repository (skipped with --skip-existing)."""
        return [r for r in self.rows if r.existing is not None]

    @property
    def accepted(self) -> list[ImportedRow]:
        return [r for r in self.rows if r.ok]

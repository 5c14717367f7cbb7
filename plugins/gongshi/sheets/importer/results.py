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

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


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

    @property
    def rejected(self) -> list[ImportedRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def accepted(self) -> list[ImportedRow]:
        return [r for r in self.rows if r.ok]

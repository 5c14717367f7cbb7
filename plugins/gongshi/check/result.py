"""What a validation produces: ``ValidationResult`` for a repository, ``RecordCheck`` for one record
file, and the row protocol (``ROW_COLUMNS``) in which the results of many files travel between
worker processes, the record cache (``check.cache``) and ``check.run``.

The result of checking one file travels as a row of plain values (``ROW_COLUMNS``): the valid
record packed as marshal bytes (``Record.pack``) or None, its problems as tuples or None, its
document-number key as one string ("authority NUL number") or None, the line of doc_no and the
future floor (``RecordCheck.floor``). Rows are what worker processes send back (no pickling of
objects: one marshal string per chunk), what the record cache stores (as columns) and what
``validate_repository`` turns into records (left packed until read) and problems (made only for
the files that have some): a cold run and a warm run build their results the same way.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from gongshi.core.problems import Problem
from gongshi.core.records import Record
from gongshi.repo.files import Registry

ROW_COLUMNS = ("packed", "problems", "keys", "doc_lines", "floors", "scope_keys")


@dataclass
class ValidationResult:
    registry: Registry
    records: list[Record]  # records without errors, in file order
    problems: list[Problem]  # sorted by file, line
    files_checked: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class RecordCheck:
    """What checking one record file produced."""

    relpath: str
    record: Record | None
    problems: list[Problem]
    doc_no_key: tuple[str, str] | None = None
    line_doc_no: int | None = None
    # The latest date the "in the future" checks compared with the as-of date (ISO text, "" when
    # none): the same problems hold for every as-of date on or after it (the record cache's rule).
    floor: str = ""
    # The document-number key this file has for a run limited to other paths
    # (``record_rules.scope_key_of``).
    scope_key: tuple[str, str] | None = None


def check_row(check: RecordCheck) -> tuple:
    """The row (values in ``ROW_COLUMNS`` order) of one checked file."""
    problems = [(p.file, p.line, p.path, p.code, p.message, p.severity) for p in check.problems]
    packed = check.record.pack() if check.record is not None else None
    key = "\0".join(check.doc_no_key) if check.doc_no_key else None
    scope_key = "\0".join(check.scope_key) if check.scope_key else None
    if scope_key == key:
        scope_key = key  # one object: marshal stores it once
    # Interned: the same dates recur across records, and marshal then stores each once.
    return (packed, problems or None, key, check.line_doc_no, sys.intern(check.floor), scope_key)


def row_columns(rows: list[tuple]) -> dict[str, list]:
    """Rows turned into columns: ``{name: [value of each row]}`` for every name of ``ROW_COLUMNS``."""
    if not rows:
        return {name: [] for name in ROW_COLUMNS}
    return {name: list(column) for name, column in zip(ROW_COLUMNS, zip(*rows, strict=True), strict=True)}

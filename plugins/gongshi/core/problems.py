"""Problems found in the data: the one result type every checker returns and every reporter prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file.

    ``file`` is repository-relative with ``/`` separators, ``line`` is 1-based (None when the
    problem is about the file as a whole), ``path`` is the JSON path of the field (``$`` for the
    whole document), ``code`` is a stable machine-readable identifier and ``message`` is the
    Chinese text a clerk reads, which says how to fix it.
    """

    file: str
    line: int | None
    path: str
    code: str
    message: str
    severity: Severity = "error"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Problems:
    """An ordered collection of problems with helpers for the common questions."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.file, p.line or 0, p.path, p.code, p.message))

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

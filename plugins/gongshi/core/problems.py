"""Problems found in the data: the one result type every checker returns and every reporter prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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

"""Finding the header: the row (or pair of rows) within the first rows that names the most columns
of the national standard, and whether the table holds licences or penalties."""

from __future__ import annotations

from dataclasses import dataclass

from gongshi.sheets import national_standard as ns
from gongshi.sheets.importer.cells import cell_text
from gongshi.sheets.importer.table import Table

MAX_HEADER_SCAN = 15


@dataclass
class Header:
    rows: tuple[int, ...]  # indexes into Table.rows
    labels: list[str]
    kind: str
    legacy: bool
    columns: list[ns.Column]
    unknown: list[str]


def _label_pair(top: object, bottom: object, kind: str) -> str:
    """The header of a column whose header spans two rows (a group header above, or a merged cell)."""
    t, b = cell_text(top), cell_text(bottom)
    if not b or t == b:
        return t
    if not t:
        return b
    for candidate in (t + b, b, t):
        if ns.header_field(candidate, kind, False) or ns.header_field(candidate, kind, True):
            return candidate
    return b


def _recognised(labels: list[str], kind: str) -> int:
    legacy = ns.is_legacy(labels)
    return sum(1 for h in labels if ns.header_field(h, kind, legacy) not in (None, "ignore"))


def find_header(table: Table, kind: str | None) -> Header | None:
    best = None  # (score, -rows, kind, index tuple, labels)
    scan = table.rows[:MAX_HEADER_SCAN]
    kinds = (kind,) if kind else ("licence", "penalty")
    for i in range(len(scan)):
        candidates = [((i,), [cell_text(c) for c in scan[i][1]])]
        if i + 1 < len(scan):
            top, bottom = scan[i][1], scan[i + 1][1]
            width = max(len(top), len(bottom))
            top = list(top) + [None] * (width - len(top))
            bottom = list(bottom) + [None] * (width - len(bottom))
            for k in kinds:
                candidates.append(
                    ((i, i + 1), [_label_pair(a, b, k) for a, b in zip(top, bottom, strict=True)])
                )
        for idx, labels in candidates:
            for k in kinds:
                score = _recognised(labels, k)
                key = (score, -len(idx))
                if best is None or key > best[0]:
                    best = (key, k, idx, labels)
    if best is None or best[0][0] < 3:
        return None
    _, _, idx, labels = best
    scores = ns.kind_scores(labels)
    if kind is None:
        if scores["licence"] == scores["penalty"]:
            return None
        kind = "licence" if scores["licence"] > scores["penalty"] else "penalty"
    legacy = ns.is_legacy(labels)
    columns, unknown, seen = [], [], set()
    for pos, label in enumerate(labels):
        if not label:
            continue
        fid = ns.header_field(label, kind, legacy)
        if fid is None:
            unknown.append(label)
            continue
        if fid in seen and fid not in ns.IGNORED_FIELDS:
            unknown.append(f"{label}（与前面的列重复）")
            continue
        seen.add(fid)
        columns.append(ns.Column(pos, label, fid))
    return Header(idx, labels, kind, legacy, columns, unknown)

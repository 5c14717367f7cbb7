"""The value a clerk meant: when a hand-written record has a value the importer would have
understood (2026年11月28日, 2026/11/28, 5,000元, 法人, 区市场监管局, an item's name), the problem
about it ends with the value to write instead (“可以改为 “2026-11-28”。”).

The understanding is the importer's own (``core.values``: the standard's code lists and synonyms,
dates and amounts as people write them; department and catalog names from the registry), so a
value ``gongshi import`` accepts is one ``gongshi validate`` can name the fix for.
"""

from __future__ import annotations

import re
from dataclasses import replace

from gongshi.core import values as v
from gongshi.core.problems import Problem
from gongshi.repo.files import Registry

_DATE_KEYS = frozenset({"valid_from", "valid_to", "valid_until", "from", "until", "since", "records_since"})
_AMOUNT_KEYS = frozenset({"fine_yuan", "confiscation_yuan"})
_BOOLEAN_WORDS = {
    "是": "true",
    "否": "false",
    "对": "true",
    "错": "false",
    "公开": "true",
    "不公开": "false",
    "yes": "true",
    "no": "false",
    "True": "true",
    "False": "false",
    "TRUE": "true",
    "FALSE": "false",
}
_PATH_PART_RE = re.compile(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")
_GUESS_RE = re.compile(r"是否想写 “[^”]*”？")


def value_at(data, path: str):
    """The value at a JSON path such as ``$.party.category`` or ``$.categories[1]`` (None if absent)."""
    node = data
    for m in _PATH_PART_RE.finditer(path[1:]):
        key = m.group(1) or m.group(2)
        if key is not None:
            node = node.get(key) if isinstance(node, dict) else None
        else:
            index = int(m.group(3))
            node = node[index] if isinstance(node, list) and index < len(node) else None
        if node is None:
            return None
    return node


def _keys(path: str) -> list[str]:
    return [m.group(1) or m.group(2) or "[]" for m in _PATH_PART_RE.finditer(path[1:])]


def _department(text: str, registry: Registry) -> str | None:
    wanted = v.name_key(text)
    if text in registry.departments:
        return None  # already a department's key: the problem is another one
    for dept in registry.departments.values():
        if wanted.lower() == dept.key or wanted in {v.name_key(n) for n in (dept.name, dept.short_name) if n}:
            return f"“{dept.key}”（{dept.name}）"
    return None


def _item(text: str, data, kind: str, registry: Registry) -> str | None:
    authority = data.get("authority") if isinstance(data, dict) else None
    items = [i for i in registry.catalog_by_dept.get(authority, []) if i.kind == kind] if authority else []
    wanted = v.name_key(text)
    first = text.split()[0].lower() if text.split() else ""
    for item in items:
        if wanted.lower() == item.code or first == item.code or wanted == v.name_key(item.name):
            return f"“{item.code}”（{item.name}）" if item.code != text else None
    return None


def suggestion(path: str, value: str, data, kind: str, registry: Registry) -> str | None:
    """The normalised form of ``value`` at ``path`` of a ``kind`` record, quoted as the message shows
    it (“2026-11-28”, “scjg”（钟楼区市场监督管理局）), or None."""
    keys = _keys(path)
    key = keys[-1] if keys else ""
    parent = keys[-2] if len(keys) > 1 else ""
    found: str | None = None
    if key.endswith("date") or key in _DATE_KEYS:
        found = v.parse_date_text(value)[0]
    elif key in _AMOUNT_KEYS:
        found = v.parse_amount_text(value, False)[0]
    elif key in ("authority", "source_unit"):
        found = _department(value, registry)
    elif key == "item":
        found = _item(value, data, kind, registry)
    elif parent == "party" and key == "category":
        found = v.choose(value, v.PARTY_CATEGORIES, v.PARTY_CATEGORY_CODES, v.PARTY_CATEGORY_SYNONYMS)
    elif parent == "party" and key in ("id_type", "legal_rep_id_type"):
        found = v.choose(value, v.ID_TYPES, v.ID_TYPE_CODES, v.ID_TYPE_SYNONYMS)
    elif key == "status":
        found = v.choose(value, v.STATUSES, v.STATUS_CODES, v.STATUS_SYNONYMS)
    elif key == "category" and kind == "licence":
        found = v.choose(value, v.LICENCE_CATEGORIES, v.LICENCE_CATEGORY_CODES, {})
    elif key == "[]" and parent == "categories":
        found = v.choose(value, v.PENALTY_CATEGORIES, v.PENALTY_CATEGORY_CODES, v.PENALTY_CATEGORY_SYNONYMS)
    elif key in ("public", "sample_data"):
        found = _BOOLEAN_WORDS.get(value)
    if found is None or found == value:
        return None
    return found if found.startswith("“") else f"“{found}”"


def with_suggestions(problems: list[Problem], data, kind: str, registry: Registry) -> list[Problem]:
    """``problems`` with the value to write instead added to each error about a value the importer
    understands (a guess by spelling alone, “是否想写 …？”, gives way to it)."""
    out = []
    for problem in problems:
        value = value_at(data, problem.path) if problem.severity == "error" else None
        found = suggestion(problem.path, value, data, kind, registry) if isinstance(value, str) else None
        if found is None:
            out.append(problem)
            continue
        message = _GUESS_RE.sub("", problem.message)
        out.append(replace(problem, message=f"{message}可以改为 {found}。"))
    return out

"""Field names in messages as a clerk knows them: every internal key a message names (``uscc``,
``facts``, ``authority``) shown after its Chinese title from the schema, “统一社会信用代码”（uscc）,
so the message reads in Chinese and still tells the YAML editor which line to change.

Rule modules write what is natural to them (“请把 authority 改为 scjg”); ``titled_problems`` gives
every problem of a validation run the one form, once, at the end. What it leaves alone: a key
already in parentheses after its title, a key followed by a colon (a YAML example such as
``kind: penalty``), a key after “为”/“是” or in a list of quoted choices (there it is a value, as
in “regime 为 national”), and
words that are parts of paths and names (``data/departments.yaml``, ``scjg-cf-001``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from gongshi.check.schema_errors import field_infos
from gongshi.core.problems import Problem

# A lowercase ASCII word not part of a path, a file name or a code.
KEY_RE = re.compile(r"(?<![A-Za-z0-9_./<>\-$\[])([a-z][a-z0-9_]*)(?![A-Za-z0-9_./<>\-\]])")
_LAST_KEY_RE = re.compile(r"(?:\.([a-z][a-z0-9_]*)|\['([^']*)'\])$")
_VALUE_BEFORE = ("为 ", "是 ", "为", "是")
_LIST_BEFORE = ("、", "：")


def doc_type_of(file: str) -> str | None:
    """The document type of a repository file, from where it lives (None: not a data file)."""
    parts = file.split("/")
    if file == "data/departments.yaml":
        return "departments"
    if file == "data/policy.yaml":
        return "policy"
    if file.startswith("data/catalog/"):
        return "catalog"
    if file.startswith("data/calendar/"):
        return "calendar"
    if file.startswith("data/records/") and len(parts) > 3:
        return {"licences": "licence", "penalties": "penalty"}.get(parts[3])
    return None


@cache
def key_titles(doc_type: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every key of a document type with a title: key → ((parent path, title), ...)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path, info in field_infos(doc_type).items():
        m = _LAST_KEY_RE.search(path)
        if not m or not info.title:
            continue
        key = m.group(1) or m.group(2)
        out.setdefault(key, []).append((path[: m.start()], info.title))
    return {k: tuple(v) for k, v in out.items()}


def _title(candidates: tuple[tuple[str, str], ...], near: str) -> str:
    """The title of the key under the parent nearest the problem's own path."""
    best = max(candidates, key=lambda c: (near.startswith(c[0]) * len(c[0]), -len(c[0])))
    return best[1]


def titled(message: str, doc_type: str, near: str = "$") -> str:
    """``message`` with each bare internal key of ``doc_type`` shown as “title”（key）."""
    titles = key_titles(doc_type)
    out: list[str] = []
    last = 0
    for m in KEY_RE.finditer(message):
        key = m.group(1)
        candidates = titles.get(key)
        if not candidates:
            continue
        start, end = m.span()
        before, after = message[:start], message[end:]
        if after.startswith(":") or (after.startswith("）") and before.endswith("（")):
            continue
        if before.endswith(_VALUE_BEFORE):
            continue
        title = _title(candidates, near)
        if before.endswith("“") and after.startswith("”"):
            if before[:-1].endswith(_LIST_BEFORE):
                continue  # one of the values a list offers (可选：“a”、“b”)
            start, end = start - 1, end + 1
        # “请把 authority 改为” → “请把“处罚机关”（authority）改为”: no spaces around the Chinese form.
        if before.endswith(" ") and not before[:-1][-1:].isascii():
            start -= 1
        if message[end : end + 1] == " " and not message[end + 1 : end + 2].isascii():
            end += 1
        out.append(message[last:start])
        out.append(f"“{title}”（{key}）")
        last = end
    out.append(message[last:])
    return "".join(out)


def titled_problems(problems: list[Problem]) -> list[Problem]:
    """Every problem whose message names an internal key, with the key's title put first."""
    out = []
    for p in problems:
        doc_type = doc_type_of(p.file)
        message = titled(p.message, doc_type, p.path) if doc_type else p.message
        out.append(p if message == p.message else replace(p, message=message))
    return out

"""``gongshi reseal``: after the credit office rotates its keys, every sealed ID number is opened with
the old identity and sealed again to the current ``reporting.recipients``.

Only the lines of the sealed blocks change; every other byte of each file stays as it was (comments,
quoting, key order, line endings). A file is rewritten only after its new text has been read back
and each new sealed value opens to the same number; a file that cannot be handled is left untouched
and named. The numbers themselves are never printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gongshi.core.problems import Problem
from gongshi.core.sealed import ARMOR_BEGIN, SEALED_PARTY_KEYS, SealError, seal, unseal, without_sealed
from gongshi.repo.files import iter_record_files
from gongshi.repo.yamlload import load_yaml_bytes

_MARK = ARMOR_BEGIN.encode("ascii")


@dataclass
class ResealResult:
    files_scanned: int = 0
    fields_resealed: int = 0
    files_changed: list[str] = field(default_factory=list)  # changed (or, in a dry run, to change)
    problems: list[Problem] = field(default_factory=list)  # files left untouched, and why

    @property
    def ok(self) -> bool:
        return not self.problems


class _Unhandled(Exception):
    def __init__(self, line: int | None, path: str, message: str):
        super().__init__(message)
        self.line, self.path, self.message = line, path, message


def _block_span(lines: list[str], key: str) -> tuple[int, int, str, str]:
    """(first line index, end index, indentation of the block's lines, line ending) of ``key: |``."""
    head = re.compile(rf"^(\s*){re.escape(key)}:\s*\|[-+]?\s*$")
    found = [i for i, line in enumerate(lines) if head.match(line)]
    if len(found) != 1:
        raise _Unhandled(
            None,
            f"$.party.{key}",
            f"找不到唯一的 “{key}: |” 块（加密字段应写成多行块，由 gongshi import / new 生成），没有改写",
        )
    start = found[0]
    key_indent = len(head.match(lines[start]).group(1))
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > key_indent
    ):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after the block belong to the file, not the block
    body = lines[start + 1 : end]
    if not body:
        raise _Unhandled(start + 1, f"$.party.{key}", f"“{key}” 块是空的，没有改写")
    indent = body[0][: len(body[0]) - len(body[0].lstrip())]
    ending = "\r\n" if lines[start].endswith("\r\n") else "\n"
    return start, end, indent, ending


def reseal_text(text: str, relpath: str, identities: Sequence, recipients: Sequence[str]) -> tuple[str, int]:
    """``text`` with every sealed value sealed again to ``recipients``; (new text, fields resealed).
    Raises ``_Unhandled`` (a problem for the report) when the file cannot be handled safely."""
    loaded = load_yaml_bytes(text.encode("utf-8"), relpath)
    party = loaded.data.get("party") if isinstance(loaded.data, dict) else None
    if not loaded.ok or not isinstance(party, dict):
        raise _Unhandled(None, "$", "文件无法读取（请先按 gongshi validate 的提示修正），没有改写")
    lines = text.splitlines(keepends=True)
    resealed: dict[str, str] = {}
    for key in SEALED_PARTY_KEYS:
        value = party.get(key)
        if not isinstance(value, str):
            continue
        try:
            resealed[key] = seal(unseal(value, identities), recipients).strip()
        except SealError as exc:
            raise _Unhandled(loaded.line_of(f"$.party.{key}"), f"$.party.{key}", f"{exc}，没有改写") from None
        start, end, indent, ending = _block_span(lines, key)
        lines[start + 1 : end] = [f"{indent}{line}{ending}" for line in resealed[key].splitlines()]
    new_text = "".join(lines)
    # Read back: everything but the sealed values is what it was, and they are the new ones.
    check = load_yaml_bytes(new_text.encode("utf-8"), relpath)
    same = (
        check.ok
        and isinstance(check.data, dict)
        and without_sealed(check.data) == without_sealed(loaded.data)
    )
    new_party = check.data.get("party") if same else None
    if not isinstance(new_party, dict) or any(new_party.get(k) != v for k, v in resealed.items()):
        raise _Unhandled(None, "$.party", "改写后的文件读回不一致，没有改写")
    return new_text, len(resealed)


def reseal_repository(
    root: Path, identities: Sequence, recipients: Sequence[str], *, dry_run: bool = False
) -> ResealResult:
    """Re-seal every sealed field of every record file under ``root`` to ``recipients`` (nothing
    written in a dry run); ``identities`` must open the old values."""
    result = ResealResult()
    for rf in iter_record_files(root):
        result.files_scanned += 1
        raw = rf.abspath.read_bytes()
        if _MARK not in raw:
            continue
        try:
            new_text, count = reseal_text(raw.decode("utf-8"), rf.relpath, identities, recipients)
        except _Unhandled as exc:
            result.problems.append(
                Problem(rf.relpath, exc.line, exc.path, "sealed.reseal_failed", exc.message)
            )
            continue
        except UnicodeDecodeError:
            message = "文件不是 UTF-8 编码，没有改写"
            result.problems.append(Problem(rf.relpath, None, "$", "sealed.reseal_failed", message))
            continue
        if not count:
            continue
        result.fields_resealed += count
        result.files_changed.append(rf.relpath)
        if not dry_run:
            _replace(rf.abspath, new_text)
    return result


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a crash leaves the old file, never half a new one)."""
    tmp = path.with_name(f".{path.name}.reseal-{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)

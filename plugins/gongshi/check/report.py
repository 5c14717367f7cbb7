"""Reporters: a ``ValidationResult`` as text for people, JSON for programs, or GitHub annotations.

The JSON shape is a stable interface (documented in docs/validation.md)::

    {"files_checked": 12, "ok": false,
     "errors":   [{"file", "line", "path", "code", "message", "severity"}, ...],
     "warnings": [...same keys...]}
"""

from __future__ import annotations

import json
from itertools import groupby

from gongshi.core.problems import Problem

SEVERITY_LABEL = {"error": "错误", "warning": "警告"}


def _summary(result) -> str:
    return f"检查了 {result.files_checked} 个文件：{len(result.errors)} 个错误，{len(result.warnings)} 个警告"


def _location(p: Problem) -> str:
    return f"{p.file}:{p.line}" if p.line else p.file


def problem_block(problems) -> list[str]:
    """Grouped by file: the file name, then ``  file:line: [code] $.path: message`` lines, then a
    blank line (also what a failed build prints, so both read the same)."""
    lines: list[str] = []
    for file, group in groupby(problems, key=lambda p: p.file):
        lines.append(f"{file}")
        for p in group:
            tag = "" if p.severity == "error" else "（警告）"
            lines.append(f"  {_location(p)}: [{p.code}] {p.path}: {tag}{p.message}")
        lines.append("")
    return lines


def render_text(result) -> str:
    """Chinese, grouped by file: ``file:line: [code] $.path: message``, then a summary line."""
    lines = problem_block(result.problems)
    lines.append(_summary(result) + ("。" if result.ok else "，请按上面的提示修改。"))
    return "\n".join(lines) + "\n"


def render_json(result) -> str:
    doc = {
        "files_checked": result.files_checked,
        "errors": [p.to_json() for p in result.errors],
        "warnings": [p.to_json() for p in result.warnings],
        "ok": result.ok,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _escape_data(text: str) -> str:
    # GitHub workflow commands: the message part escapes %, CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # Property values additionally escape the separators ':' and ','.
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result) -> str:
    """One ``::error``/``::warning`` workflow command per problem, then the summary as a notice."""
    out: list[str] = []
    for p in result.problems:
        props = [f"file={_escape_property(p.file)}"]
        if p.line:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(f'[{p.code}] {p.path}')}")
        out.append(f"::{p.severity} {','.join(props)}::{_escape_data(p.message)}")
    out.append(_summary(result))
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "github": render_github}

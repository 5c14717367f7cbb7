"""What a hand-written record says that its writer did not mean, though YAML reads it without error:

* a value wrapped in Chinese quotes or brackets (`doc_no: “钟市监罚〔2026〕15号”`, `【…】`): YAML
  needs no quotes, and these become part of the text the site shows (``text.chinese_quotes``);
* a `#` after a space in a value without quotes (`doc_no: 钟市监罚 #15号`): YAML reads the rest of
  the line as a comment and drops it, so the record silently holds less than was written
  (``yaml.comment_in_value``).

Both are warnings: the text may be meant (a title in 【】), and the clerk decides.
"""

from __future__ import annotations

import re

from gongshi.check.schema_errors import field_label, problem_at
from gongshi.core.problems import Problem
from gongshi.repo.yamlload import Loaded, child_path

_WRAPPERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "【": "】"}
# One of them after a newline, in texts joined by newlines (a literal first is the fast search).
_WRAPPED_RE = re.compile("\n[" + "".join(_WRAPPERS) + "]")
# A plain (unquoted) value with " #" in it: ``key: text #more`` or ``- text #more``.
_COMMENT_IN_VALUE_RE = re.compile(
    r"""^[ \t]*(?:-[ \t]+|[A-Za-z_][A-Za-z0-9_]*:[ \t]+)(?!["'#|>])(\S[^#\n]*?)[ \t]+#(.*)$""", re.M
)


def _strings(node, path: str):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, child_path(path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, child_path(path, index))
    elif isinstance(node, str):
        yield path, node


def writing_problems(loaded: Loaded, doc_type: str) -> list[Problem]:
    """Warnings about Chinese quotes around a value and text dropped as a comment."""
    out: list[Problem] = []
    # Both are rare: one look at every value, and at the raw bytes, before any walk (validate runs
    # this on every record).
    texts = loaded.texts
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1 and texts:  # no newline inside a text: one regex scan
        wrapped = joined[:1] in _WRAPPERS or _WRAPPED_RE.search(joined) is not None
    else:
        wrapped = any(t[:1] in _WRAPPERS for t in texts)
    for path, value in _strings(loaded.data, "$") if wrapped else ():
        close = _WRAPPERS.get(value[:1])
        if close and value.endswith(close) and len(value) > 2:
            label = field_label(doc_type, path)
            out.append(
                problem_at(
                    loaded,
                    path,
                    "text.chinese_quotes",
                    f"{label}的值两端有 {value[0]} {close}，它们会作为内容的一部分显示在网站上。"
                    f"YAML 的值不需要加引号：如果不是内容本身，请删除它们，写成 {value[1:-1][:40]}。",
                    "warning",
                )
            )
    if b" #" not in loaded.raw:
        return out
    try:
        text = loaded.raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return out
    for m in _COMMENT_IN_VALUE_RE.finditer(text):
        if m.group(2).strip():
            dropped = m.group(2).strip()[:40]
            number = text.count("\n", 0, m.start()) + 1
            out.append(
                Problem(
                    loaded.file,
                    number,
                    "$",
                    "yaml.comment_in_value",
                    f"第 {number} 行 “ #” 后面的 “{dropped}” 被 YAML 当作注释，没有保存到记录中。"
                    "如果它是内容，请给整个值加上英文单引号，例如 '… #…'；或删去 # 前面的空格。",
                    "warning",
                )
            )
    return out

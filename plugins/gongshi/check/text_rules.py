"""Text that would break an output or run in a reader's spreadsheet: refused at validation.

The loader refuses control characters written literally in a file, but a YAML escape
(``"\\x01"``, ``"\\uFFFE"``) puts any character into a value. Such characters break outputs far
from the record: XML 1.0 (Atom feeds, the XLSX downloads) cannot carry C0 controls other than tab,
newline and CR, nor U+FFFE/U+FFFF, so a feed stops parsing and openpyxl refuses to write the
workbook (the build fails); the other noncharacters and C1 controls are not text either. And a
text a spreadsheet program reads as a formula (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``,
``-2+3``) would run in the reader's spreadsheet when they open the CSV downloads.

So, in every text of a record (``text_problems``):

* ``text.noncharacter``: U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE,
  U+FFFF, U+1FFFE ... U+10FFFF), and lone surrogates;
* ``text.control_character``: every C0/C1 control and DEL, except newline and tab in the
  multi-line fields (the schema's ``long_text``: facts, basis, content, remarks); CR never (YAML
  writes line breaks as newlines, so a CR can only come from an escape);
* ``text.formula``: a free-text field (the schema's ``text`` and ``long_text``) starting with
  ``=``, ``+``, ``-``, ``@``, tab or CR. Typed fields (amounts, dates, codes, code lists) are not
  free text: their own patterns decide, so a minus sign there is a ``schema.pattern`` error.

The exports keep their own defence (``sheets.xlsxsave.keep_as_text``) for anything that was
published before these rules.
"""

from __future__ import annotations

import re
from functools import cache

from gongshi.check.schema_errors import problem_at
from gongshi.core.problems import Problem
from gongshi.core.sealed import ARMOR_BEGIN, SEALED_PARTY_KEYS
from gongshi.repo.schemas import DOCUMENT_SCHEMAS, has_schema, schema_for
from gongshi.repo.schemas import registry as schema_registry
from gongshi.repo.yamlload import Loaded, child_path

TEXT, MULTILINE = "text", "long_text"  # the two free-text definitions of common.schema.json
FORMULA_START = frozenset("=+-@\t\r")
# FORMULA_START after a newline (texts joined by newlines; a literal first is the fast search).
_FORMULA_AFTER_NEWLINE_RE = re.compile("\n[=+\\-@\t\r]")
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_NONCHARACTER_RE = re.compile(f"[{_NONCHARACTERS}\ud800-\udfff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # every control but tab and newline
# One scan over all texts at once (one character class is fast; an alternation is 20 times slower):
# the BMP's controls, tab, noncharacters and surrogates; the other planes' noncharacters only
# when a text reaches that far.
_QUICK_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
# Armored age text is lines of base64 (the schema's pattern allows nothing else).
_SEALED_FIELDS = frozenset(f"party.{key}" for key in SEALED_PARTY_KEYS)
_NAMES = {"\t": "制表符", "\n": "换行", "\r": "回车符（CR）", "\x7f": "删除符（DEL）"}


@cache
def free_text_fields(kind: str) -> dict[str, str]:
    """``{field path: TEXT or MULTILINE}`` of the free-text fields of ``kind``, read from its
    schema; a path leaves out list indices (``party.name``, ``corrections.reason``)."""
    out: dict[str, str] = {}
    if has_schema(kind):
        _walk(schema_for(kind), DOCUMENT_SCHEMAS[kind], "", out, 0)
    return out


def _walk(node, base: str, prefix: str, out: dict[str, str], depth: int) -> None:
    if not isinstance(node, dict) or depth > 12:
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref.rsplit("/", 1)[-1] in (TEXT, MULTILINE):
            out[prefix] = ref.rsplit("/", 1)[-1]
            return
        target = schema_registry().resolver(base_uri=base).lookup(ref).contents
        _walk(target, ref.split("#", 1)[0] or base, prefix, out, depth + 1)
    for key, sub in (node.get("properties") or {}).items():
        _walk(sub, base, f"{prefix}.{key}" if prefix else key, out, depth + 1)
    _walk(node.get("items"), base, prefix, out, depth + 1)


def _without_sealed_values(data, texts: list[str]) -> list[str]:
    """``texts`` less one copy of each sealed party value: lines of base64 whose shape the schema
    checks, which would only send every record that has one down the slow path (their newlines,
    their leading "-"). The same text anywhere else is still checked."""
    party = data.get("party") if isinstance(data, dict) else None
    if not isinstance(party, dict):
        return texts
    out = list(texts)
    for key in SEALED_PARTY_KEYS:
        value = party.get(key)
        if isinstance(value, str) and value in out:
            out.remove(value)
    return out


def text_problems(data, kind: str, loaded: Loaded, bad: set[str]) -> list[Problem]:
    """Characters no output can carry, and formula-like free text, in every text of ``data``
    (paths in ``bad`` already have an error and are skipped)."""
    texts = loaded.texts
    if texts:
        joined = "\n".join(texts)
        if ARMOR_BEGIN in joined and any(t.startswith(ARMOR_BEGIN) for t in texts):
            texts = _without_sealed_values(data, texts)
            joined = "\n".join(texts)
    # A newline inside a text shows as one separator too many; without one, a text's first
    # character is the joined text's first or one after a newline.
    if (
        texts
        and joined.count("\n") == len(texts) - 1
        and _QUICK_RE.search(joined) is None
        and joined[:1] not in FORMULA_START
        and _FORMULA_AFTER_NEWLINE_RE.search(joined) is None
        and (_ASTRAL_RE.search(joined) is None or _NONCHARACTER_RE.search(joined) is None)
    ):
        return []
    out: list[Problem] = []
    fields = free_text_fields(kind)
    for parent, key, field, text in _strings(data, "$", None, ""):
        path = child_path(parent, key) if key is not None else parent
        if path in bad:
            continue
        kind_of_text = fields.get(field)
        if _NONCHARACTER_RE.search(text):
            found = sorted({f"U+{ord(c):04X}" for c in _NONCHARACTER_RE.findall(text)})
            out.append(
                problem_at(
                    loaded,
                    path,
                    "text.noncharacter",
                    f"这里有 Unicode 非字符 {'、'.join(found)}（不是文字，常由转义写法 \\uFFFE 等写入）："
                    "它会使订阅源和 Excel 下载文件无法打开。请删除它。",
                )
            )
        controls = set(_CONTROL_RE.findall(text))
        if kind_of_text != MULTILINE and field not in _SEALED_FIELDS:
            controls.update(c for c in "\t\n" if c in text)
        if controls:
            out.append(
                problem_at(loaded, path, "text.control_character", _control_message(controls, kind_of_text))
            )
        if kind_of_text is not None and text[:1] in FORMULA_START:
            first = _NAMES.get(text[0], text[0])
            out.append(
                problem_at(
                    loaded,
                    path,
                    "text.formula",
                    f"文字不能以 “{first}” 开头：以 = + - @ 开头的文字会被电子表格当作公式执行"
                    "（公众下载的 CSV 文件用 Excel 打开时）。请删除开头的符号，或在它前面写上文字。",
                )
            )
    return out


def _control_message(controls: set[str], kind_of_text: str | None) -> str:
    names = "、".join(_NAMES.get(c, f"U+{ord(c):04X}") for c in sorted(controls))
    if controls <= {"\t", "\n"}:
        return (
            f"这个字段只能写一行文字，不能有{names}（只有违法事实、处罚依据、内容、备注等多行字段可以换行）。"
            "请删除它。"
        )
    why = (
        "它们不是文字（常从其他软件复制而来，或由 \\x01 等转义写法写入），"
        "会使网页、订阅源和 Excel 下载文件出错"
    )
    return f"这里有控制字符 {names}：{why}。请删除它。"


def _strings(node, parent: str, key, field: str):
    """``(parent path, key or index, field path without indices, text)`` of every string."""
    if isinstance(node, str):
        yield parent, key, field, node
    elif isinstance(node, dict):
        here = parent if key is None else child_path(parent, key)
        for k, v in node.items():
            yield from _strings(v, here, k, f"{field}.{k}" if field else str(k))
    elif isinstance(node, list):
        here = parent if key is None else child_path(parent, key)
        for i, v in enumerate(node):
            yield from _strings(v, here, i, field)

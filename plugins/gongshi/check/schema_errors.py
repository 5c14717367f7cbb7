"""JSON Schema errors → Chinese problems: ``schema_problems`` validates a document against the schema
of its type and turns every ``jsonschema`` error into a message that says how to fix it (field
titles and descriptions come from the schema itself, ``field_infos``). Also ``problem_at``, the
problem located at a JSON path of a loaded file, which every rule module uses.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

from jsonschema.exceptions import ValidationError

from gongshi.core import identifiers
from gongshi.core.invisible import INVISIBLE_CHARACTERS
from gongshi.core.problems import Problem
from gongshi.core.sealed import ARMOR_BEGIN, ARMOR_END, SEALED_PARTY_KEYS
from gongshi.repo import schemas
from gongshi.repo.yamlload import Loaded, child_path

DOC_LABEL = {
    "licence": "行政许可记录",
    "penalty": "行政处罚记录",
    "departments": "部门登记册",
    "catalog": "双公示目录",
    "policy": "公示规则",
    "calendar": "节假日安排",
}
TYPE_LABEL = {
    "string": "文字",
    "array": "列表（每项一行，以“- ”开头）",
    "object": "映射（“键: 值”的形式）",
    "boolean": "true 或 false",
    "integer": "整数",
    "number": "数字",
    "null": "空值",
}
# Formats whose check lives in ``identifiers``; their errors get that module's precise reason.
IDENTIFIER_FORMAT_CODES = {
    "uscc": "identifier.uscc",
    "org-code": "identifier.org_code",
    "business-reg-no": "identifier.business_reg_no",
    "region-code": "identifier.region_code",
    "masked-id-no": "privacy.id_not_masked",
}
# The sentences of the common mistakes, as ``str.format`` templates: ``{label}`` is the field's key
# and title, ``{value}`` the value as ``show_value`` quotes it, ``{hint}`` the field's description.
# The on-site form (``outputs/tianbao``) copies them into its page data, so the browser says what
# ``gongshi validate`` says.
FRAMES: dict[str, str] = {
    "required": "缺少必填字段 {label}。{hint}",
    "required_rule": "{rule}：缺少 {label}。{hint}",
    "empty": "{label}不能为空。{hint}如果不需要填写，请删除这一行。",
    "empty_required": "{label}是必填项，不能为空。{hint}",
    "any_of": "{label}的值 {value} 不在允许的范围内。{why}",
    "const": "{reason}（现在是 {value}）。",
    "forbidden": "{reason}。",
    "pattern": "{label}的格式不对：{value}。{hint}",
    "identifier": "{label} {value} 无效：{why}",
    "date": "{label} {value} 不是真实存在的日期。请写成 YYYY-MM-DD，例如 2026-03-05。",
    "min_length": "{label}太短，至少要 {limit} 个字。{hint}",
    "max_length": "{label}太长（{n} 个字），最多 {limit} 个字。请删减或改写。",
    "min_items": "{label}至少要有 {limit} 项。{hint}",
}
SHOW_LIMIT = 40  # characters of a value quoted in a message
# Record types checked first by the compiled fast check (``schemas.fast_check``); the registry
# files are few, so they skip its compile cost.
FAST_CHECKED = ("licence", "penalty")


@dataclass(frozen=True)
class FieldInfo:
    title: str
    description: str
    properties: tuple[str, ...] = ()


@cache
def field_infos(doc_type: str) -> dict[str, FieldInfo]:
    """Title, description and allowed keys of every field of a document type, by JSON path.

    List items share one entry: ``$.categories[]``. The first title seen on a path wins, which is
    the one at the property's use site (the most specific text).
    """
    out: dict[str, FieldInfo] = {}

    def walk(schema, path: str, depth: int = 0) -> None:
        if not isinstance(schema, dict) or depth > 30:
            return
        props = schema.get("properties") or {}
        prev = out.get(path)
        title = schema.get("title", "")
        desc = schema.get("description", "")
        if prev is None:
            out[path] = FieldInfo(title, desc, tuple(props))
        else:
            out[path] = FieldInfo(
                prev.title or title,
                prev.description or desc,
                prev.properties + tuple(p for p in props if p not in prev.properties),
            )
        for key, sub in props.items():
            walk(sub, child_path(path, key), depth + 1)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], path + "[]", depth + 1)
        for word in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(word, ()):
                walk(sub, path, depth + 1)
        # if/then/else only add constraints; their descriptions are rules, not field titles.
        for word in ("then", "else"):
            sub = schema.get(word)
            if isinstance(sub, dict):
                for key, s in (sub.get("properties") or {}).items():
                    walk_rule_only(s, child_path(path, key))

    def walk_rule_only(schema, path: str) -> None:
        if path not in out:
            out[path] = FieldInfo("", "", tuple((schema or {}).get("properties", {}) if schema else ()))

    walk(schemas.bundled(doc_type), "$")
    return out


_INDEX_RE = re.compile(r"\[\d+\]")
_PATH_PARTS_RE = re.compile(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")
INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE_CHARACTERS) + "]")


def _info(doc_type: str, path: str) -> FieldInfo:
    return field_infos(doc_type).get(_INDEX_RE.sub("[]", path), FieldInfo("", ""))


def _label(key: str, info: FieldInfo) -> str:
    """A field as a clerk knows it: its Chinese title, then the key as written in the file
    (“统一社会信用代码”（uscc）); a list item by its list's title (“处罚类别”第 2 项)."""
    if key.startswith("第 ") and key.endswith(" 项"):
        return f"“{info.title}”{key}" if info.title else key
    return f"“{info.title}”（{key}）" if info.title else f"“{key}”"


def field_label(doc_type: str, path: str) -> str:
    """``_label`` of the field at a JSON path of a document type."""
    return _label(_last_key(path), _info(doc_type, path))


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "一个映射"
    if isinstance(value, list):
        return "一个列表"
    text = str(value).replace("\n", " ")
    return f"“{text[:SHOW_LIMIT]}…”" if len(text) > SHOW_LIMIT else f"“{text}”"


def _last_key(path: str) -> str:
    m = re.search(r"(?:\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\])$", path)
    if not m:
        return path
    return m.group(1) or m.group(2) or f"第 {int(m.group(3)) + 1} 项"


def _json_path(parts: Iterable) -> str:
    path = "$"
    for part in parts:
        path = child_path(path, part)
    return path


def _is_conditional(error: ValidationError) -> bool:
    return any(p in ("then", "else") for p in error.schema_path)


def _rule(error: ValidationError) -> str:
    return str(error.schema.get("description", "")) if isinstance(error.schema, dict) else ""


def _suggest(key: str, allowed: Iterable[str], doc_type: str, parent: str) -> str | None:
    allowed = list(allowed)
    # A clerk may write the Chinese name instead of the key.
    for name in allowed:
        info = _info(doc_type, child_path(parent, name))
        if info.title and (key == info.title or key in info.title.split("（")[0]):
            return name
    close = difflib.get_close_matches(key.lower(), allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def fast_valid(data, doc_type: str) -> bool:
    """True when the compiled check (``schemas.fast_check``) says ``data`` is valid for ``doc_type``
    (False: it may not be, ask ``schema_problems``)."""
    if doc_type not in FAST_CHECKED:
        return False
    check = schemas.fast_check(doc_type)
    return check is not None and check(data)


def schema_problems(
    data, doc_type: str, loaded: Loaded, *, fast: bool = True, known_valid: bool = False
) -> list[Problem]:
    """Validate ``data`` (already coerced) against the schema of ``doc_type``; Chinese problems.
    ``fast``: try the compiled check first (worth its compile time for more than a few records).
    ``known_valid``: ``fast_valid`` already said yes."""
    if known_valid or (fast and fast_valid(data, doc_type)):
        return []
    problems: list[Problem] = []
    for error in schemas.validator(doc_type).iter_errors(data):
        problems.extend(_map_error(error, doc_type, loaded))
    return [_empty_message(p, data, doc_type) if p.code == "schema.empty" else p for p in _dedupe(problems)]


def _required_when_absent(data, path: str, doc_type: str) -> bool:
    """Whether leaving out the field at ``path`` would make the document miss a required field
    (the schema's ``required``, conditional ones included): then an empty value is not a line
    to delete but a field to fill."""
    parts = _PATH_PARTS_RE.findall(path[1:])
    node = copy.deepcopy(data)
    parent = node
    for key, quoted, index in parts[:-1]:
        step = int(index) if index else (key or quoted)
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return False
    key, quoted, index = parts[-1] if parts else ("", "", "")
    name = key or quoted
    if not name or not isinstance(parent, dict) or name not in parent:
        return False
    del parent[name]
    parent_path = path[: len(path) - len(child_path("", name))]
    for error in schemas.validator(doc_type).iter_errors(node):
        if (
            error.validator == "required"
            and _json_path(error.absolute_path) == parent_path
            and name in error.validator_value
        ):
            return True
    return False


def _empty_message(problem: Problem, data, doc_type: str) -> Problem:
    label = field_label(doc_type, problem.path)
    hint = _hint(_info(doc_type, problem.path))
    if _required_when_absent(data, problem.path, doc_type):
        message = FRAMES["empty_required"].format(label=label, hint=hint)
    else:
        message = FRAMES["empty"].format(label=label, hint=hint)
    return replace(problem, message=message)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per field for pattern+format pairs; identical problems once."""
    by_path: dict[str, set[str]] = defaultdict(set)
    for p in problems:
        by_path[p.path].add(p.code)
    out, seen = [], set()
    for p in problems:
        codes = by_path[p.path]
        if p.code == "schema.pattern" and codes & set(IDENTIFIER_FORMAT_CODES.values()):
            continue  # the identifier module's message is more precise
        if p.code == "schema.format" and "schema.pattern" in codes:
            continue  # a date that does not look like a date: the pattern message says how
        if p.code != "schema.empty" and "schema.empty" in codes:
            continue  # "" fails minLength and pattern alike: say "empty" once
        key = (p.path, p.code, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def problem_at(loaded: Loaded, path: str, code: str, message: str, severity="error") -> Problem:
    """A problem of ``loaded``'s file at the JSON ``path``, on the line the loader saw it."""
    return Problem(loaded.file, loaded.line_of(path), path, code, message, severity)


def _map_error(error: ValidationError, doc_type: str, loaded: Loaded) -> list[Problem]:
    path = _json_path(error.absolute_path)
    info = _info(doc_type, path)
    key = _last_key(path)
    label = _label(key, info) if path != "$" else DOC_LABEL.get(doc_type, "文件")
    value = error.instance
    kw = error.validator
    rule = _rule(error) if _is_conditional(error) else ""

    if kw == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        out = []
        for k in missing:
            kpath = child_path(path, k)
            kinfo = _info(doc_type, kpath)
            frame = FRAMES["required_rule" if rule else "required"]
            msg = frame.format(rule=rule, label=_label(k, kinfo), hint=_hint(kinfo))
            out.append(problem_at(loaded, kpath, "schema.required", msg))
        return out

    if kw == "additionalProperties" and isinstance(value, dict):
        allowed = list((error.schema.get("properties") or {}).keys())
        out = []
        for k in value:
            if k in allowed:
                continue
            kpath = child_path(path, k)
            guess = _suggest(k, allowed, doc_type, path)
            hidden = INVISIBLE_RE.findall(k)
            if hidden and INVISIBLE_RE.sub("", k) in allowed:
                names = "、".join(f"U+{ord(c):04X}（{INVISIBLE_CHARACTERS[c]}）" for c in hidden)
                tip = (
                    f"键名中有看不见的字符 {names}，通常是复制粘贴带来的。"
                    "请删除这个键名，用英文输入法重新输入。"
                )
            elif guess:
                tip = f"是否拼错？应为 {field_label(doc_type, child_path(path, guess))}。"
            else:
                fields = "、".join(
                    f"{_info(doc_type, child_path(path, a)).title or a}（{a}）" for a in allowed
                )
                tip = f"这里可以写的字段：{fields}。"
            where = "" if path == "$" else f"{label}中"
            msg = f"{where}有未知字段 “{k}”。{tip}"
            out.append(problem_at(loaded, kpath, "schema.unknown_key", msg))
        return out

    if value == "" and kw in ("minLength", "pattern", "format", "enum", "anyOf"):
        # The wording (必填, or delete the line) is decided once the whole document is known.
        return [problem_at(loaded, path, "schema.empty", f"{label}不能为空。")]

    if kw == "enum":
        allowed = [_show(v) for v in error.validator_value]
        guess = difflib.get_close_matches(
            str(value), [str(v) for v in error.validator_value], n=1, cutoff=0.5
        )
        tip = f"是否想写 “{guess[0]}”？" if guess and isinstance(value, str) else ""
        msg = f"{label}的值 {_show(value)} 不在允许的范围内。{tip}可选：{'、'.join(allowed)}。"
        return [problem_at(loaded, path, "schema.enum", msg)]

    if kw == "anyOf":
        why = info.description or _rule(error)
        msg = FRAMES["any_of"].format(label=label, value=_show(value), why=why)
        return [problem_at(loaded, path, "schema.enum", msg)]

    if kw == "const":
        reason = (_rule(error) or f"{label}只能写 {_show(error.validator_value)}").rstrip("。")
        msg = FRAMES["const"].format(reason=reason, value=_show(value))
        return [problem_at(loaded, path, "schema.const", msg)]

    if kw == "not":
        reason = _rule(error) or f"这里不能填写{label}"
        return [problem_at(loaded, path, "schema.forbidden", FRAMES["forbidden"].format(reason=reason))]

    if kw == "type":
        expected = error.validator_value
        names = [TYPE_LABEL.get(t, t) for t in (expected if isinstance(expected, list) else [expected])]
        if "boolean" in (expected if isinstance(expected, list) else [expected]) and isinstance(value, str):
            msg = f"{label}只能写 true 或 false（小写英文），现在是 {_show(value)}。{_hint(info)}"
        else:
            msg = f"{label}应为{'或'.join(names)}，现在是{_type_of(value)} {_show(value)}。{_hint(info)}"
        return [problem_at(loaded, path, "schema.type", msg)]

    if kw == "pattern" and key in SEALED_PARTY_KEYS:
        # Never echo the value: a field meant to be sealed may hold the number in clear.
        msg = (
            f"{label}不是 age 加密后的文本（应以 {ARMOR_BEGIN} 开头、{ARMOR_END} 结尾）。"
            "这个字段由 gongshi import / gongshi new 自动生成，不要手工填写；"
            "如果这里写的是明文证件号码，请删除这一项，用 gongshi new 或 gongshi import 重新录入。"
        )
        return [problem_at(loaded, path, "sealed.format", msg)]

    if kw == "pattern":
        msg = FRAMES["pattern"].format(label=label, value=_show(value), hint=_hint(info))
        return [problem_at(loaded, path, "schema.pattern", msg)]

    if kw == "format":
        fmt = error.validator_value
        if fmt in IDENTIFIER_FORMAT_CODES:
            why = _identifier_reason(fmt, value, loaded.data, error)
            msg = FRAMES["identifier"].format(label=label, value=_show(value), why=why)
            return [problem_at(loaded, path, IDENTIFIER_FORMAT_CODES[fmt], msg)]
        if fmt == "date":
            msg = FRAMES["date"].format(label=label, value=_show(value))
        else:
            msg = f"{label}的格式不对：{_show(value)}。{_hint(info)}"
        return [problem_at(loaded, path, "schema.format", msg)]

    if kw == "minLength":
        msg = FRAMES["min_length"].format(label=label, limit=error.validator_value, hint=_hint(info))
        return [problem_at(loaded, path, "schema.min_length", msg)]
    if kw == "maxLength":
        msg = FRAMES["max_length"].format(label=label, n=len(value), limit=error.validator_value)
        return [problem_at(loaded, path, "schema.max_length", msg)]
    if kw == "minItems":
        msg = FRAMES["min_items"].format(label=label, limit=error.validator_value, hint=_hint(info))
        return [problem_at(loaded, path, "schema.min_items", msg)]
    if kw == "maxItems":
        msg = f"{label}最多只能有 {error.validator_value} 项。"
        return [problem_at(loaded, path, "schema.max_items", msg)]
    if kw == "uniqueItems":
        dups = sorted({_show(v) for v in value if value.count(v) > 1}) if isinstance(value, list) else []
        msg = f"{label}中有重复的项：{'、'.join(dups)}。每项只写一次。"
        return [problem_at(loaded, path, "schema.duplicate_item", msg)]
    if kw in ("minimum", "maximum"):
        word = "不能小于" if kw == "minimum" else "不能大于"
        msg = f"{label}{word} {error.validator_value}，现在是 {_show(value)}。"
        return [problem_at(loaded, path, "schema.range", msg)]
    # Anything else (a keyword we do not use yet): still a clear location, jsonschema's wording.
    return [problem_at(loaded, path, f"schema.{kw}", f"{label}不符合要求：{error.message}")]


def _type_of(value) -> str:
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, bool):
        return "布尔值"
    return "文字"


def _hint(info: FieldInfo) -> str:
    if not info.description:
        return ""
    # Descriptions show YAML examples on several lines for editors; a message is one line.
    desc = re.sub(r"\s*\n\s*", " ", info.description.strip())
    return desc if desc.endswith(("。", "）", ")")) else desc + "。"


def _identifier_reason(fmt: str, value, data, error: ValidationError) -> str:
    text = str(value)
    reason = None
    if fmt == "uscc":
        reason = identifiers.uscc_problem(text)
    elif fmt == "org-code":
        reason = identifiers.org_code_problem(text)
    elif fmt == "business-reg-no":
        reason = identifiers.business_reg_no_problem(text)
    elif fmt == "region-code":
        reason = "行政区划编码是 6 位数字，例如 320404。"
    elif fmt == "masked-id-no":
        party = data.get("party") if isinstance(data, dict) else None
        id_type = party.get("id_type") if isinstance(party, dict) else None
        reason = identifiers.masked_id_problem(text, str(id_type or "身份证"))
        reason = reason or "证件号码必须脱敏，用 * 遮盖中间部分，例如 320404********1234。"
    return reason or "格式不对。"


def field_texts(doc_type: str) -> dict[str, dict[str, str]]:
    """``{json path: {"label", "hint", "description"}}`` for every field of ``doc_type``: what the messages of
    ``FRAMES`` say about it (list items as ``$.categories[]``), for the on-site form's page data."""
    return {
        path: {
            "label": _label(_last_key(path), info) if path != "$" else DOC_LABEL.get(doc_type, "文件"),
            "hint": _hint(info),
            "description": info.description,
        }
        for path, info in field_infos(doc_type).items()
    }

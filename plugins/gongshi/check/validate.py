"""Validation of a whole data repository: every problem in every file, as data.

Three layers, all collected (a clerk fixes everything in one round, not one error per CI run):

1. the strict YAML loader (syntax, encoding, duplicate keys, aliases, tags);
2. the JSON Schema of the file's type, with every ``jsonschema`` error turned into a Chinese
   message that says how to fix it (``schema_problems``);
3. the rules a schema cannot express: where the file lives, references to departments and catalog
   items, dates against each other and the as-of date, identifier warnings, the privacy lint and
   uniqueness across the repository.

Only records without errors reach ``ValidationResult.records`` (and so the site).
"""

from __future__ import annotations

import difflib
import gc
import marshal
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from jsonschema.exceptions import ValidationError

from gongshi.core import gcpause, identifiers
from gongshi.core.invisible import INVISIBLE_CHARACTERS, find_invisible, invisible_message
from gongshi.core.problems import Problem
from gongshi.core.records import FOLDER_KIND, ID_RE, KIND_FOLDER, KIND_LABEL, Record, parse_date
from gongshi.repo import schemas
from gongshi.repo.files import (
    CALENDAR_DIR,
    CATALOG_DIR,
    DEPARTMENTS_FILE,
    POLICY_FILE,
    RECORDS_DIR,
    RecordFile,
    Registry,
    describe_record_path,
    load_record,
    load_registry,
    record_from_loaded,
)
from gongshi.repo.yamlload import Loaded, child_path, load_yaml_bytes, load_yaml_file

DEFAULT_RECORDS_SINCE = date(2016, 1, 1)
MAX_ID_LENGTH = 64
# Below this many records a process pool costs more than it saves.
PARALLEL_THRESHOLD = 400
# Below this many records compiling the fast schema check (0.2 s) costs more than it saves.
FAST_CHECK_MIN = 64

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
# Record types checked first by the compiled fast check (``schemas.fast_check``); the registry
# files are few, so they skip its compile cost.
FAST_CHECKED = ("licence", "penalty")
# Fields whose value is a validated organisation code, not free text: the privacy lint skips them.
_CODE_FIELDS = {"uscc", "org_code", "business_reg_no", "tax_reg_no", "id_no_masked"}
_INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE_CHARACTERS) + "]")


@dataclass
class ValidationResult:
    registry: Registry
    records: list[Record]  # records without errors, in file order
    problems: list[Problem]  # sorted by file, line
    files_checked: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------------------------
# JSON Schema errors → Chinese problems


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


def _info(doc_type: str, path: str) -> FieldInfo:
    return field_infos(doc_type).get(_INDEX_RE.sub("[]", path), FieldInfo("", ""))


def _label(key: str, info: FieldInfo) -> str:
    return f"“{key}”（{info.title}）" if info.title else f"“{key}”"


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "一个映射"
    if isinstance(value, list):
        return "一个列表"
    text = str(value).replace("\n", " ")
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


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


def schema_problems(data, doc_type: str, loaded: Loaded, *, fast: bool = True) -> list[Problem]:
    """Validate ``data`` (already coerced) against the schema of ``doc_type``; Chinese problems.
    ``fast``: try the compiled check first (worth its compile time for more than a few records)."""
    if fast and doc_type in FAST_CHECKED:
        check = schemas.fast_check(doc_type)
        if check is not None and check(data):
            return []
    problems: list[Problem] = []
    for error in schemas.validator(doc_type).iter_errors(data):
        problems.extend(_map_error(error, doc_type, loaded))
    return _dedupe(problems)


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


def _problem(loaded: Loaded, path: str, code: str, message: str, severity="error") -> Problem:
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
            head = f"{rule}：缺少 {_label(k, kinfo)}。" if rule else f"缺少必填字段 {_label(k, kinfo)}。"
            out.append(_problem(loaded, kpath, "schema.required", head + _hint(kinfo)))
        return out

    if kw == "additionalProperties" and isinstance(value, dict):
        allowed = list((error.schema.get("properties") or {}).keys())
        out = []
        for k in value:
            if k in allowed:
                continue
            kpath = child_path(path, k)
            guess = _suggest(k, allowed, doc_type, path)
            if guess:
                tip = f"是否拼错？应为 “{guess}”（{_info(doc_type, child_path(path, guess)).title}）。"
            else:
                tip = f"这里可以写的字段：{'、'.join(allowed)}。"
            where = "" if path == "$" else f"{label}中"
            msg = f"{where}有未知字段 “{k}”。{tip}"
            out.append(_problem(loaded, kpath, "schema.unknown_key", msg))
        return out

    if value == "" and kw in ("minLength", "pattern", "format", "enum", "anyOf"):
        msg = f"{label}不能为空。{_hint(info)}如果不需要填写，请删除这一行。"
        return [_problem(loaded, path, "schema.empty", msg)]

    if kw == "enum":
        allowed = [_show(v) for v in error.validator_value]
        guess = difflib.get_close_matches(
            str(value), [str(v) for v in error.validator_value], n=1, cutoff=0.5
        )
        tip = f"是否想写 “{guess[0]}”？" if guess and isinstance(value, str) else ""
        msg = f"{label}的值 {_show(value)} 不在允许的范围内。{tip}可选：{'、'.join(allowed)}。"
        return [_problem(loaded, path, "schema.enum", msg)]

    if kw == "anyOf":
        msg = f"{label}的值 {_show(value)} 不在允许的范围内。{info.description or _rule(error)}"
        return [_problem(loaded, path, "schema.enum", msg)]

    if kw == "const":
        reason = (_rule(error) or f"{label}只能写 {_show(error.validator_value)}").rstrip("。")
        msg = f"{reason}（现在是 {_show(value)}）。"
        return [_problem(loaded, path, "schema.const", msg)]

    if kw == "not":
        reason = _rule(error) or f"这里不能填写{label}"
        return [_problem(loaded, path, "schema.forbidden", reason + "。")]

    if kw == "type":
        expected = error.validator_value
        names = [TYPE_LABEL.get(t, t) for t in (expected if isinstance(expected, list) else [expected])]
        if "boolean" in (expected if isinstance(expected, list) else [expected]) and isinstance(value, str):
            msg = f"{label}只能写 true 或 false（小写英文），现在是 {_show(value)}。{_hint(info)}"
        else:
            msg = f"{label}应为{'或'.join(names)}，现在是{_type_of(value)} {_show(value)}。{_hint(info)}"
        return [_problem(loaded, path, "schema.type", msg)]

    if kw == "pattern":
        msg = f"{label}的格式不对：{_show(value)}。{_hint(info)}"
        return [_problem(loaded, path, "schema.pattern", msg)]

    if kw == "format":
        fmt = error.validator_value
        if fmt in IDENTIFIER_FORMAT_CODES:
            why = _identifier_reason(fmt, value, loaded.data, error)
            msg = f"{label} {_show(value)} 无效：{why}"
            return [_problem(loaded, path, IDENTIFIER_FORMAT_CODES[fmt], msg)]
        if fmt == "date":
            msg = f"{label} {_show(value)} 不是真实存在的日期。请写成 YYYY-MM-DD，例如 2026-03-05。"
        else:
            msg = f"{label}的格式不对：{_show(value)}。{_hint(info)}"
        return [_problem(loaded, path, "schema.format", msg)]

    if kw == "minLength":
        msg = f"{label}太短，至少要 {error.validator_value} 个字。{_hint(info)}"
        return [_problem(loaded, path, "schema.min_length", msg)]
    if kw == "maxLength":
        msg = f"{label}太长（{len(value)} 个字），最多 {error.validator_value} 个字。请删减或改写。"
        return [_problem(loaded, path, "schema.max_length", msg)]
    if kw == "minItems":
        msg = f"{label}至少要有 {error.validator_value} 项。{_hint(info)}"
        return [_problem(loaded, path, "schema.min_items", msg)]
    if kw == "maxItems":
        msg = f"{label}最多只能有 {error.validator_value} 项。"
        return [_problem(loaded, path, "schema.max_items", msg)]
    if kw == "uniqueItems":
        dups = sorted({_show(v) for v in value if value.count(v) > 1}) if isinstance(value, list) else []
        msg = f"{label}中有重复的项：{'、'.join(dups)}。每项只写一次。"
        return [_problem(loaded, path, "schema.duplicate_item", msg)]
    if kw in ("minimum", "maximum"):
        word = "不能小于" if kw == "minimum" else "不能大于"
        msg = f"{label}{word} {error.validator_value}，现在是 {_show(value)}。"
        return [_problem(loaded, path, "schema.range", msg)]
    # Anything else (a keyword we do not use yet): still a clear location, jsonschema's wording.
    return [_problem(loaded, path, f"schema.{kw}", f"{label}不符合要求：{error.message}")]


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


# --------------------------------------------------------------------------------------------
# Records


@dataclass(slots=True)
class RecordCheck:
    """What checking one record file produced."""

    relpath: str
    record: Record | None
    problems: list[Problem]
    doc_no_key: tuple[str, str] | None = None
    line_doc_no: int | None = None
    # The latest date the "in the future" checks compared with the as-of date (ISO text, "" when
    # none): the same problems hold for every as-of date on or after it (the record cache's rule).
    floor: str = ""
    # The document-number key this file has for a run limited to other paths (``_scope_key``).
    scope_key: tuple[str, str] | None = None


def _scope_key(record: Record | None) -> tuple[str, str] | None:
    """The (authority, document number) a file outside a limited run is compared by: any loaded
    record with a text doc_no (checked or not; ``doc_no_key`` is that of a checked file)."""
    if record is not None and isinstance(record.data.get("doc_no"), str):
        return (record.authority, _norm_doc_no(record.data["doc_no"]))
    return None


def future_floor(data) -> str:
    """The latest date ``_record_rules`` compares with the as-of date: decision_date, status_date,
    corrections[].date (any text counts: an invalid one only makes the floor later)."""
    if not isinstance(data, dict):
        return ""
    dates = [data.get("decision_date"), data.get("status_date")]
    corrections = data.get("corrections")
    if isinstance(corrections, list):
        dates.extend(c.get("date") for c in corrections if isinstance(c, dict))
    return max((d for d in dates if isinstance(d, str)), default="")


def _norm_doc_no(doc_no: str) -> str:
    """Two document numbers that differ only in width, spaces or bracket style are the same."""
    text = unicodedata.normalize("NFKC", doc_no)
    return _SPACES_RE.sub("", text).translate(_BRACKETS)


_SPACES_RE = re.compile(r"\s+")
_BRACKETS = str.maketrans("〔〕［］【】()（）", "[][][][][]")
_YEAR_RE = re.compile(r"\d{4}")


def check_record_file(
    root: Path, rf: RecordFile, registry: Registry, as_of: date, *, fast: bool = True
) -> RecordCheck:
    record, loaded = load_record(root, rf)
    return check_loaded_record(rf, record, loaded, registry, as_of, fast=fast)


def check_record_bytes(root: Path, relpath: str, raw: bytes, registry: Registry, as_of: date) -> RecordCheck:
    """Check record content that is not on disk yet (``gongshi import`` checks every row before it
    writes anything): the same checks as ``check_record_file`` on a file at ``relpath`` holding ``raw``.
    Uniqueness across files (id, doc_no) is the caller's business, as in ``validate_repository``."""
    rf = describe_record_path(root, Path(root) / relpath)
    return check_loaded_record(rf, *record_from_loaded(rf, load_yaml_bytes(raw, rf.relpath)), registry, as_of)


def check_loaded_record(
    rf: RecordFile,
    record: Record | None,
    loaded: Loaded,
    registry: Registry,
    as_of: date,
    *,
    fast: bool = True,
) -> RecordCheck:
    problems: list[Problem] = list(loaded.problems)
    problems.extend(_path_problems(rf, registry, loaded, record))
    if record is None:
        return RecordCheck(rf.relpath, None, problems)
    data = record.data
    scope_key = _scope_key(record)
    # isinstance first: ``kind: []`` is a list, and a list cannot be looked up in a dict.
    kind = data.get("kind") if isinstance(data.get("kind"), str) and data["kind"] in KIND_FOLDER else None
    kind = kind or rf.folder_kind or None
    if kind is None:
        problems.append(
            _problem(
                loaded,
                "$.kind",
                "schema.required",
                "缺少 “kind”（类型）：许可写 kind: licence，处罚写 kind: penalty（且放在对应目录中）。",
            )
        )
        return RecordCheck(rf.relpath, None, problems, scope_key=scope_key)
    problems.extend(schema_problems(data, kind, loaded, fast=fast))
    bad_paths = {p.path for p in problems if p.severity == "error"}
    problems.extend(_record_rules(record, kind, registry, as_of, loaded, bad_paths))
    key = None
    if isinstance(data.get("doc_no"), str) and data.get("doc_no"):
        key = (record.authority, _norm_doc_no(data["doc_no"]))
    ok = not any(p.severity == "error" for p in problems)
    line = loaded.line_of("$.doc_no")
    return RecordCheck(rf.relpath, record if ok else None, problems, key, line, future_floor(data), scope_key)


def _path_problems(
    rf: RecordFile, registry: Registry, loaded: Loaded, record: Record | None
) -> list[Problem]:
    out = []
    where = "记录文件应放在 data/records/<部门>/<licences 或 penalties>/<决定年份>/<编号>.yaml"

    def add(code, msg):
        out.append(Problem(rf.relpath, None, "$", code, msg))

    if rf.dept is None:
        add("path.layout", f"{where}，现在的位置不对：{rf.relpath}。")
        return out
    if rf.relpath.endswith(".yml"):
        add("path.extension", "记录文件的扩展名必须是 .yaml（不是 .yml），请重命名。")
    if not ID_RE.match(rf.id) or len(rf.id) > MAX_ID_LENGTH:
        add(
            "path.id",
            f"文件名 “{rf.id}” 不能作编号：只能用小写英文字母、数字和单个连字符，"
            f"不超过 {MAX_ID_LENGTH} 个字符，例如 scjg-cf-2026-0015.yaml。",
        )
    if rf.dept not in registry.departments:
        known = "、".join(sorted(registry.departments)) or "（登记册为空）"
        add("path.department", f"目录 “{rf.dept}” 不是登记册中的部门代号。可用的部门：{known}。")
    if rf.folder_kind is None:
        folder = rf.relpath.split("/")[3]
        add("path.layout", f"目录 “{folder}” 应为 licences（行政许可）或 penalties（行政处罚）。{where}。")
    if not _YEAR_RE.fullmatch(rf.folder_year or ""):
        add("path.year", f"年份目录 “{rf.folder_year}” 应为四位数字的决定年份，例如 2026。")
    if record is not None:
        kind = record.data.get("kind")
        if rf.folder_kind and isinstance(kind, str) and kind in KIND_FOLDER and kind != rf.folder_kind:
            out.append(
                _problem(
                    loaded,
                    "$.kind",
                    "path.kind",
                    f"kind 是 {kind}，但文件放在 {KIND_FOLDER[rf.folder_kind]} 目录中。"
                    f"请把文件移到 {KIND_FOLDER[kind]} 目录，或改正 kind。",
                )
            )
        decided = record.decision_date
        if decided and _YEAR_RE.fullmatch(rf.folder_year or "") and str(decided.year) != rf.folder_year:
            out.append(
                _problem(
                    loaded,
                    "$.decision_date",
                    "path.year",
                    f"决定日期是 {decided.isoformat()}，但文件放在 {rf.folder_year} 年的目录中。"
                    f"请把文件移到 {decided.year} 目录，或改正决定日期。",
                )
            )
    return out


def records_since(registry: Registry, dept: str) -> date:
    """The first decision date the repository takes for ``dept`` (its own, else the policy's)."""
    d = registry.departments.get(dept)
    since = parse_date(d.data.get("records_since")) if d is not None else None
    return since or parse_date(registry.policy.get("records_since")) or DEFAULT_RECORDS_SINCE


def _record_rules(
    record: Record, kind: str, registry: Registry, as_of: date, loaded: Loaded, bad: set[str]
) -> list[Problem]:
    out: list[Problem] = []
    data = record.data

    def add(path, code, msg, severity="error"):
        out.append(_problem(loaded, path, code, msg, severity))

    # Departments ----------------------------------------------------------------------------
    authority = data.get("authority")
    for field_name, label in (("authority", "决定机关"), ("source_unit", "数据来源单位")):
        value = data.get(field_name)
        if isinstance(value, str) and f"$.{field_name}" not in bad and value not in registry.departments:
            known = "、".join(sorted(registry.departments))
            add(
                f"$.{field_name}",
                f"ref.{field_name}",
                f"{label} “{value}” 不是登记册（data/departments.yaml）中的部门代号。可用的部门：{known}。",
            )
    source_unit = data.get("source_unit", authority)
    if (
        record.dept in registry.departments
        and isinstance(authority, str)
        and authority in registry.departments
        and record.dept not in (authority, source_unit)
    ):
        add(
            "$.authority",
            "path.department_mismatch",
            f"文件在部门 “{record.dept}” 的目录中，但决定机关是 “{authority}”、"
            f"数据来源单位是 “{source_unit}”。记录应放在决定机关或数据来源单位的目录下。",
        )

    # Catalog item ---------------------------------------------------------------------------
    code = data.get("item")
    if (
        isinstance(code, str)
        and "$.item" not in bad
        and isinstance(authority, str)
        and authority in registry.departments
    ):
        item = registry.catalog.get(code)
        if item is None or item.dept != authority or item.kind != kind:
            own = [i for i in registry.catalog_by_dept.get(authority, []) if i.kind == kind]
            choices = "、".join(f"{i.code}（{i.name}）" for i in own[:8]) or "（该部门目录中没有此类事项）"
        if item is None:
            add(
                "$.item",
                "ref.item",
                f"目录事项 “{code}” 不存在于 data/catalog/{authority}.yaml。该部门可用的事项：{choices}。",
            )
        elif item.dept != authority:
            add(
                "$.item",
                "ref.item",
                f"目录事项 “{code}” 属于部门 “{item.dept}”，不是决定机关 “{authority}” 的事项。"
                f"可用的事项：{choices}。",
            )
        elif item.kind != kind:
            add(
                "$.item",
                "ref.item_kind",
                f"目录事项 “{code}”（{item.name}）是{KIND_LABEL[item.kind]}事项，"
                f"与本记录的类型不符。可用的事项：{choices}。",
            )

    # Dates ----------------------------------------------------------------------------------
    decided = record.decision_date if "$.decision_date" not in bad else None
    if decided:
        if decided > as_of:
            add(
                "$.decision_date",
                "date.future",
                f"决定日期 {decided.isoformat()} 晚于今天（{as_of.isoformat()}）。请核对日期。",
            )
        since = records_since(registry, record.dept)
        if decided < since:
            add(
                "$.decision_date",
                "date.before_records_since",
                f"决定日期 {decided.isoformat()} 早于本仓库收录的起始日期 {since.isoformat()}，不应录入。",
            )

    def later_than_decision(path: str, value, label: str) -> None:
        d = parse_date(value)
        if d and decided and path not in bad and d < decided:
            add(path, "date.order", f"{label} {d.isoformat()} 早于决定日期 {decided.isoformat()}。请核对。")

    def not_future(path: str, value, label: str) -> None:
        d = parse_date(value)
        if d and path not in bad and d > as_of:
            add(path, "date.future", f"{label} {d.isoformat()} 晚于今天（{as_of.isoformat()}）。请核对日期。")

    status_date = data.get("status_date")
    later_than_decision("$.status_date", status_date, "状态变更日期")
    not_future("$.status_date", status_date, "状态变更日期")
    disclosure = data.get("disclosure")
    if isinstance(disclosure, dict):
        later_than_decision("$.disclosure.until", disclosure.get("until"), "公开截止日期")
    corrections = data.get("corrections")
    # As many positions as there are well-formed corrections, each read at its position in the
    # file (a malformed entry is the schema's business).
    for i in range(len(record.corrections)):
        entry = corrections[i] if i < len(corrections) else None
        when = entry.get("date") if isinstance(entry, dict) else None
        later_than_decision(f"$.corrections[{i}].date", when, "更正日期")
        not_future(f"$.corrections[{i}].date", when, "更正日期")
    if kind == "licence":
        start, end = parse_date(data.get("valid_from")), parse_date(data.get("valid_to"))
        if start and end and end < start and "$.valid_to" not in bad:
            add(
                "$.valid_to",
                "date.order",
                f"有效期至 {end.isoformat()} 早于有效期自 {start.isoformat()}。请核对两个日期。",
            )
        else:
            later_than_decision("$.valid_to", data.get("valid_to"), "有效期至")
    else:
        later_than_decision("$.valid_until", data.get("valid_until"), "处罚有效期")

    # Identifiers (the schema checked validity; these are the warnings) ---------------------
    party = record.party
    uscc = party.get("uscc")
    if isinstance(uscc, str) and uscc != identifiers.USCC_PLACEHOLDER and "$.party.uscc" not in bad:
        for w in identifiers.uscc_warnings(uscc):
            add("$.party.uscc", "identifier.uscc_warning", f"统一社会信用代码 {uscc}：{w}", "warning")
    # The schema's masked-id-no format cannot see the id type; a passport number masked only as
    # much as an ID card would be must still be rejected.
    masked, id_type = party.get("id_no_masked"), party.get("id_type")
    typed = isinstance(masked, str) and isinstance(id_type, str)
    if typed and not {"$.party.id_no_masked", "$.party.id_type"} & bad:
        why = identifiers.masked_id_problem(masked, id_type)
        if why:
            add("$.party.id_no_masked", "privacy.id_not_masked", why)
    region = data.get("region_code")
    if isinstance(region, str) and "$.region_code" not in bad and not identifiers.region_code_known(region):
        add(
            "$.region_code",
            "identifier.region_unknown",
            f"行政区划编码 {region} 不在 GB/T 2260 代码表中（可能已撤销或写错）。请核对。",
            "warning",
        )

    # Every text: invisible formatting characters (bidi overrides, zero-width) and the privacy
    # lint (unmasked personal numbers; not in the code fields, which are checked as codes).
    # Each scan runs first over all the file's scalar values joined (the loader's ``texts``: every
    # text of ``data`` is one of them); only a record where it finds something is looked at text by
    # text (every invisible character is outside ASCII).
    texts = loaded.texts or None  # a Loaded not made by the loader: walk the data instead
    if texts is None:
        texts = _texts(data, "$", None, [])
        joined = "\0".join(t[2] for t in texts)
    else:
        joined = "\0".join(texts)
        texts = None
    invisible = not joined.isascii() and _INVISIBLE_RE.search(joined) is not None
    numbers = identifiers.may_hold_personal_number(joined)
    if not (invisible or numbers):
        return out
    texts = texts or _texts(data, "$", None, [])
    if invisible:
        for parent, key, text in texts:
            chars = find_invisible(text) if not text.isascii() else None
            if chars:
                add(child_path(parent, key), "text.invisible_character", invisible_message(chars), "warning")
    if not numbers:
        return out
    for parent, key, text in texts:
        if key in _CODE_FIELDS:
            continue
        for what, match in identifiers.find_unmasked_personal_numbers(text):
            add(
                child_path(parent, key),
                "privacy.unmasked_number",
                f"这里出现了未脱敏的{what} “{match}”。个人的{what}不得写入仓库（提交即公开，历史无法删除）："
                f"请删除它，或只保留脱敏形式（用 * 遮盖中间部分）。",
            )
    return out


def _texts(node, parent: str, key, out: list) -> list[tuple[str, str | int | None, str]]:
    """``(parent path, key or index, text)`` of every string in ``node``, depth first (the path is
    built only for the few texts that get a problem)."""
    if isinstance(node, str):
        out.append((parent, key, node))
    elif isinstance(node, dict):
        here = parent if key is None else child_path(parent, key)
        for k, v in node.items():
            _texts(v, here, k, out)
    elif isinstance(node, list):
        here = parent if key is None else child_path(parent, key)
        for i, v in enumerate(node):
            _texts(v, here, i, out)
    return out


# --------------------------------------------------------------------------------------------
# Registry files


def _registry_problems(root: Path, registry: Registry) -> dict[str, list[Problem]]:
    """Problems of the registry files, by file."""
    out: dict[str, list[Problem]] = {}
    for rel, loaded in registry.loaded.items():
        if rel == DEPARTMENTS_FILE:
            doc_type = "departments"
        elif rel == POLICY_FILE:
            doc_type = "policy"
        else:
            doc_type = "catalog"
        out[rel] = _registry_file_problems(root, rel, loaded, doc_type, registry)
    cal_dir = root / CALENDAR_DIR
    if cal_dir.is_dir():
        for path in sorted(cal_dir.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if not path.name.endswith(".yaml"):
                out[rel] = [Problem(rel, None, "$", "path.ignored", _ignored(rel), "warning")]
                continue
            loaded = load_yaml_file(path, rel)
            out[rel] = _registry_file_problems(root, rel, loaded, "calendar", registry)
    return out


def _some(files: list[str], limit: int = 3) -> str:
    shown = "、".join(files[:limit])
    return shown if len(files) <= limit else f"{shown} 等 {len(files)} 个文件"


def _ignored(rel: str) -> str:
    return f"{rel} 不是数据文件（数据文件扩展名为 .yaml，并放在规定的目录中），已被忽略。"


def _registry_file_problems(root: Path, rel: str, loaded: Loaded, doc_type: str, registry: Registry):
    if not (root / rel).exists():
        need = "必须有" if doc_type in ("departments", "policy") else "缺少"
        return [Problem(rel, None, "$", "file.missing", f"{need}文件 {rel}（{DOC_LABEL[doc_type]}）。")]
    problems = list(loaded.problems)
    if not loaded.ok:
        return problems
    if not isinstance(loaded.data, dict):
        problems.append(_problem(loaded, "$", "yaml.not_mapping", "文件的顶层必须是“键: 值”形式的映射。"))
        return problems
    if schemas.DOCUMENT_SCHEMAS.get(doc_type) not in schemas._raw_schemas():
        return problems
    data = schemas.coerce_document(loaded.data, doc_type)
    problems.extend(schema_problems(data, doc_type, loaded))
    bad = {p.path for p in problems if p.severity == "error"}
    check = {
        "departments": _departments_rules,
        "catalog": _catalog_rules,
        "calendar": _calendar_rules,
        "policy": _policy_rules,
    }[doc_type]
    problems.extend(check(rel, data, loaded, bad, registry))
    return problems


def _departments_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    out = []
    seen: dict[str, int] = {}
    for i, d in enumerate(data.get("departments") or []):
        if not isinstance(d, dict):
            continue
        base = f"$.departments[{i}]"
        key = d.get("key")
        if isinstance(key, str):
            if key in seen:
                out.append(
                    _problem(
                        loaded,
                        f"{base}.key",
                        "unique.department_key",
                        f"部门代号 “{key}” 重复（第 {seen[key] + 1} 项已经用过）。每个部门的 key 必须唯一。",
                    )
                )
            seen.setdefault(key, i)
        uscc = d.get("uscc")
        if isinstance(uscc, str) and f"{base}.uscc" not in bad:
            why = identifiers.uscc_problem(uscc)
            if why:
                out.append(
                    _problem(
                        loaded,
                        f"{base}.uscc",
                        "identifier.uscc",
                        f"部门的统一社会信用代码 {uscc} 无效：{why}",
                    )
                )
            else:
                for w in identifiers.uscc_warnings(uscc):
                    out.append(
                        _problem(
                            loaded,
                            f"{base}.uscc",
                            "identifier.uscc_warning",
                            f"统一社会信用代码 {uscc}：{w}",
                            "warning",
                        )
                    )
        region = d.get("region_code")
        if (
            isinstance(region, str)
            and f"{base}.region_code" not in bad
            and not identifiers.region_code_known(region)
        ):
            out.append(
                _problem(
                    loaded,
                    f"{base}.region_code",
                    "identifier.region_unknown",
                    f"行政区划编码 {region} 不在 GB/T 2260 代码表中（可能已撤销或写错）。请核对。",
                    "warning",
                )
            )
    return out


def _catalog_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    out = []
    stem = rel.rsplit("/", 1)[-1].removesuffix(".yaml")
    if registry.departments and stem not in registry.departments:
        out.append(
            Problem(
                rel,
                None,
                "$",
                "ref.department",
                f"目录文件名 “{stem}” 不是登记册中的部门代号。文件名应为 <部门代号>.yaml，"
                f"可用的部门：{'、'.join(sorted(registry.departments))}。",
            )
        )
    dept = data.get("department")
    if isinstance(dept, str) and "$.department" not in bad and dept != stem:
        out.append(
            _problem(
                loaded,
                "$.department",
                "catalog.department_mismatch",
                f"department 写的是 “{dept}”，但文件名是 {stem}.yaml。两者必须相同。",
            )
        )
    seen: dict[str, int] = {}
    for i, it in enumerate(data.get("items") or []):
        if not isinstance(it, dict):
            continue
        base = f"$.items[{i}]"
        code = it.get("code")
        if not isinstance(code, str) or f"{base}.code" in bad:
            continue
        if code in seen:
            out.append(
                _problem(
                    loaded,
                    f"{base}.code",
                    "unique.item_code",
                    f"事项编码 “{code}” 重复（第 {seen[code] + 1} 项已经用过）。每个事项的编码必须唯一。",
                )
            )
        seen.setdefault(code, i)
        if not code.startswith(stem + "-"):
            out.append(
                _problem(
                    loaded,
                    f"{base}.code",
                    "catalog.code_prefix",
                    f"事项编码 “{code}” 应以本部门代号开头：{stem}-xk-001 或 {stem}-cf-001 的形式。",
                )
            )
        kind = it.get("kind")
        expected = "licence" if "-xk-" in code else "penalty"
        if kind in ("licence", "penalty") and kind != expected:
            out.append(
                _problem(
                    loaded,
                    f"{base}.kind",
                    "catalog.code_kind",
                    f"事项编码 “{code}” 中的 {'xk' if expected == 'licence' else 'cf'} 表示"
                    f"{'行政许可' if expected == 'licence' else '行政处罚'}，与 kind: {kind} 不符。",
                )
            )
    return out


def _calendar_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    out = []
    stem = rel.rsplit("/", 1)[-1].removesuffix(".yaml")
    if not re.fullmatch(r"\d{4}", stem):
        out.append(
            Problem(rel, None, "$", "path.layout", "节假日文件应命名为 <四位年份>.yaml，例如 2026.yaml。")
        )
        return out
    year = data.get("year")
    if isinstance(year, int) and "$.year" not in bad and str(year) != stem:
        out.append(
            _problem(
                loaded, "$.year", "calendar.year_mismatch", f"year 写的是 {year}，但文件名是 {stem}.yaml。"
            )
        )
    dates: dict[str, dict[date, str]] = {"holidays": {}, "workdays": {}}
    for key in ("holidays", "workdays"):
        for i, v in enumerate(data.get(key) or []):
            p = f"$.{key}[{i}]"
            d = parse_date(v)
            if d is None or p in bad:
                continue
            dates[key][d] = p
            if str(d.year) != stem:
                out.append(
                    _problem(
                        loaded,
                        p,
                        "calendar.outside_year",
                        f"{d.isoformat()} 不在 {stem} 年内，请移到对应年份的文件。",
                    )
                )
            if key == "workdays" and d.weekday() < 5:
                out.append(
                    _problem(
                        loaded,
                        p,
                        "calendar.workday_not_weekend",
                        f"调休上班日 {d.isoformat()} 本来就是工作日（不是周六或周日）。请核对。",
                        "warning",
                    )
                )
    for d, p in dates["workdays"].items():
        if d in dates["holidays"]:
            out.append(
                _problem(
                    loaded,
                    p,
                    "calendar.conflict",
                    f"{d.isoformat()} 同时写在放假日期和调休上班日中，只能写在一处。",
                )
            )
    return out


def _policy_rules(rel, data, loaded, bad, registry) -> list[Problem]:
    return []


# --------------------------------------------------------------------------------------------
# The repository


def _scope(root: Path, paths: Iterable | None) -> set[str] | None:
    if paths is None:
        return None
    out = set()
    for p in paths:
        p = Path(p)
        if p.is_absolute():
            p = p.resolve().relative_to(root.resolve())
        out.add(p.as_posix())
    return out


def _data_files(root: Path) -> tuple[list[str], list[str]]:
    """Record files (repository-relative paths, in a stable order), and files under data/ that are
    no data file (reported as ignored)."""
    records: list[str] = []
    strays: list[str] = []
    root = Path(root).absolute()
    base = root / "data"
    if not base.is_dir():
        return records, strays
    prefix = len(str(root).rstrip(os.sep)) + 1
    records_prefix = RECORDS_DIR + "/"
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        reldir = dirpath[prefix:].replace(os.sep, "/")
        in_records = (reldir + "/").startswith(records_prefix)
        names = sorted(filenames)
        if in_records and all(n.endswith(".yaml") and not n.startswith(".") for n in names):
            records.extend([f"{reldir}/{name}" for name in names])  # a folder of records only
            continue
        for name in names:
            if name.startswith(".") or name.endswith(".md"):
                continue  # .gitkeep, README.md: notes for people, not data
            rel = f"{reldir}/{name}"
            if in_records and name.endswith((".yaml", ".yml")):
                records.append(rel)
            elif rel in (DEPARTMENTS_FILE, POLICY_FILE) or rel.startswith(CALENDAR_DIR + "/"):
                continue  # registry files; calendar strays are reported with the calendar
            elif rel.startswith(CATALOG_DIR + "/") and name.endswith(".yaml") and rel.count("/") == 2:
                continue
            else:
                strays.append(rel)
    return records, strays


def _path_parts(rel: str) -> tuple[str | None, str | None, str | None, str]:
    """What a record's path says: department, kind, year (None when misplaced) and id (as
    ``repo.describe_record_path``, without resolving every file)."""
    parts = rel.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    if len(parts) == 6:
        return parts[2], FOLDER_KIND.get(parts[3]), parts[4], stem
    return None, None, None, stem


def _record_file(root: Path, rel: str) -> RecordFile:
    return RecordFile(root / rel, rel, *_path_parts(rel))


# --------------------------------------------------------------------------------------------
# Checking many files: rows
#
# The result of checking one file travels as a row of plain values (``ROW_COLUMNS``): the valid
# record packed as marshal bytes (``Record.pack``) or None, its problems as tuples or None, its
# document-number key as one string ("authority NUL number") or None, the line of doc_no and the
# future floor (``RecordCheck.floor``). Rows are what worker processes send back (no pickling of
# objects: one marshal string per chunk), what the record cache stores (as columns) and what
# ``validate_repository`` turns into records (left packed until read) and problems (made only for
# the files that have some): a cold run and a warm run build their results the same way.

ROW_COLUMNS = ("packed", "problems", "keys", "doc_lines", "floors", "scope_keys")


def _row(check: RecordCheck) -> tuple:
    problems = [(p.file, p.line, p.path, p.code, p.message, p.severity) for p in check.problems]
    packed = check.record.pack() if check.record is not None else None
    key = "\0".join(check.doc_no_key) if check.doc_no_key else None
    scope_key = "\0".join(check.scope_key) if check.scope_key else None
    if scope_key == key:
        scope_key = key  # one object: marshal stores it once
    # Interned: the same dates recur across records, and marshal then stores each once.
    return (packed, problems or None, key, check.line_doc_no, sys.intern(check.floor), scope_key)


def _columns(rows: list[tuple]) -> dict[str, list]:
    if not rows:
        return {name: [] for name in ROW_COLUMNS}
    return {name: list(column) for name, column in zip(ROW_COLUMNS, zip(*rows, strict=True), strict=True)}


def _file_row(root: Path, rel: str, registry: Registry, as_of: date, fast: bool) -> tuple:
    return _row(check_record_file(root, _record_file(root, rel), registry, as_of, fast=fast))


def _file_scope_key(root: Path, rel: str, registry: Registry, as_of: date, fast: bool) -> str | None:
    """Only what a run limited to other paths needs of this file: its ``scope_key`` (loaded, not checked)."""
    record, _loaded = load_record(root, _record_file(root, rel))
    key = _scope_key(record)
    return "\0".join(key) if key else None


def _map_files(
    fn, root: Path, relpaths: list[str], indices: list[int], registry: Registry, as_of: date, jobs: int
) -> list:
    """``fn(root, relpaths[i], registry, as_of, fast)`` for ``i`` in ``indices``, in that order: in
    forked worker processes (chunks of consecutive files, each sent back as one marshal string)
    when there are many."""
    fast = len(indices) >= FAST_CHECK_MIN
    if jobs <= 1 or len(indices) < PARALLEL_THRESHOLD:
        # jsonschema's errors of an invalid record form cycles: those of thousands must not pile up.
        with gcpause.resumed():
            return [fn(root, relpaths[i], registry, as_of, fast) for i in indices]
    import multiprocessing

    if fn is _file_row:
        _prepare_for_workers()
    size = max(50, min(1000, len(indices) // (jobs * 8)))
    spans = [(start, min(start + size, len(indices))) for start in range(0, len(indices), size)]
    out: list = []
    with ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker,
        initargs=(fn, root, relpaths, indices, registry, as_of, fast),
    ) as ex:
        for chunk in ex.map(_map_in_worker, spans):
            out.extend(marshal.loads(chunk))
    return out


_WORKER: tuple | None = None


def _init_worker(*state) -> None:
    global _WORKER
    _WORKER = state
    # A worker keeps only its chunk's rows: normal collection, never walking what it inherited.
    gc.freeze()
    gc.enable()


def _map_in_worker(span: tuple[int, int]) -> bytes:
    fn, root, relpaths, indices, registry, as_of, fast = _WORKER
    return marshal.dumps([fn(root, relpaths[i], registry, as_of, fast) for i in indices[span[0] : span[1]]])


def _prepare_for_workers() -> None:
    """Build what every check needs once, in the parent: forked workers inherit it."""
    for doc_type in FAST_CHECKED:
        schemas.fast_check(doc_type)
        schemas.validator(doc_type)
        field_infos(doc_type)
    identifiers.region_code_known("320404")  # loads python-stdnum's region table


def _compute_rows(
    root: Path, relpaths: list[str], indices: list[int], registry: Registry, as_of: date, jobs: int
) -> dict[str, list]:
    """Rows (as columns) of ``relpaths[i]`` for ``i`` in ``indices``, in that order."""
    return _columns(_map_files(_file_row, root, relpaths, indices, registry, as_of, jobs))


def _check_all(
    root: Path, relpaths: list[str], registry: Registry, as_of: date, jobs: int, listing=None
) -> tuple[dict[str, list], list[str] | None]:
    """``(rows, blob ids or None)`` of the record files ``relpaths``. With a ``listing``
    (``buildcache.GitListing``): reuse the rows of files checked before, by Git blob id."""
    if listing is not None:
        from gongshi.buildcache import check_records_cached

        return check_records_cached(
            root,
            relpaths,
            as_of,
            ROW_COLUMNS,
            lambda missing: _compute_rows(root, relpaths, missing, registry, as_of, jobs),
            listing,
        )
    return _compute_rows(root, relpaths, list(range(len(relpaths))), registry, as_of, jobs), None


def default_jobs() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(os.cpu_count() or 1, 8))


def validate_repository(
    root: Path, as_of: date, paths: Iterable | None = None, *, jobs: int | None = None, cache: bool = False
):
    """Validate the repository at ``root`` as of ``as_of``.

    ``paths`` (repository-relative or absolute) limits the *report* to those files; uniqueness is
    still checked against every record in the repository. Registry errors are always reported,
    because every record is checked against the registry. ``cache``: reuse the results of files
    checked before (``buildcache``: by Git blob id, code version and registry).
    """
    # The results of 100,000 files hold no cycles: no collection walks them while they are built.
    with gcpause.paused():
        return _validate_repository(Path(root), as_of, paths, jobs, cache)


def _validate_repository(root: Path, as_of: date, paths, jobs: int | None, cache: bool) -> ValidationResult:
    scope = _scope(root, paths)
    listing = None
    if cache:
        from gongshi.buildcache import GitListing

        listing = GitListing(root)  # runs while the registry loads and the tree is walked
    try:
        return _validate_files(root, as_of, scope, jobs, listing)
    finally:
        if listing is not None:
            listing.close()


def _validate_files(
    root: Path, as_of: date, scope: set[str] | None, jobs: int | None, listing
) -> ValidationResult:
    registry = load_registry(root)
    reg_problems = _registry_problems(root, registry)
    problems: list[Problem] = []
    files_checked = 0
    for rel, probs in reg_problems.items():
        if scope is None or rel in scope:
            files_checked += 1
            problems.extend(probs)
        else:
            problems.extend(p for p in probs if p.severity == "error")

    record_files, strays = _data_files(root)
    jobs = jobs if jobs is not None else default_jobs()
    # A limited run still compares document numbers with every other record: with the cache it
    # checks them all (their rows are mostly cached and hold the key), else it loads the others.
    whole = scope is None or listing is not None
    checked = record_files if whole else [rel for rel in record_files if rel in scope]
    rows, blobs = _check_all(root, checked, registry, as_of, jobs, listing)
    other_keys: list[tuple[str, str]] = []
    if scope is None:
        selected = record_files
    elif whole:
        pick = [i for i, rel in enumerate(record_files) if rel in scope]
        scope_keys = rows["scope_keys"]
        other_keys = [
            (k, rel) for k, rel in zip(scope_keys, record_files, strict=True) if k and rel not in scope
        ]
        selected = [record_files[i] for i in pick]
        rows = {name: [column[i] for i in pick] for name, column in rows.items()}
        blobs = [blobs[i] for i in pick] if blobs is not None else None
    else:
        selected = checked
        others = [i for i, rel in enumerate(record_files) if rel not in scope]
        keys = _map_files(_file_scope_key, root, record_files, others, registry, as_of, jobs)
        other_keys = [(k, record_files[i]) for k, i in zip(keys, others, strict=True) if k]
    files_checked += len(selected)

    # Records (left packed) and problems (only where there are some), in file order.
    ids = [rel[rel.rfind("/") + 1 :].rsplit(".", 1)[0] for rel in record_files]
    selected_ids = ids if scope is None else [rel[rel.rfind("/") + 1 :].rsplit(".", 1)[0] for rel in selected]
    for probs in filter(None, rows["problems"]):
        problems.extend(Problem(*p) for p in probs)
    records: list[Record] = []
    folders: dict[str, tuple[str, str, str]] = {}  # what each folder says: dept, kind, year
    for i, packed in enumerate(rows["packed"]):
        if packed is None:
            continue
        rel = selected[i]
        folder = rel[: rel.rfind("/")]
        where = folders.get(folder)
        if where is None:
            dept, kind, year, _id = _path_parts(rel)
            where = folders[folder] = (dept or "", kind or "", year or "")
        records.append(
            Record.packed(selected_ids[i], rel, *where, packed, blobs[i] if blobs is not None else None)
        )

    # Uniqueness against the whole repository (unselected files only need their id and doc_no).
    # Only ids and keys used more than once are looked at further.
    doubled_ids = {rid for rid, n in Counter(ids).items() if n > 1}
    keys = rows["keys"]
    key_files: list[tuple[str, str]] = [(k, selected[i]) for i, k in enumerate(keys) if k] + other_keys
    doubled_keys = {k for k, n in Counter(k for k, _rel in key_files).items() if n > 1}
    bad_files: set[str] = set()
    if doubled_ids:
        by_id: dict[str, list[str]] = defaultdict(list)
        for rel, rid in zip(record_files, ids, strict=True):
            if rid in doubled_ids:
                by_id[rid].append(rel)
        for rel, rid in zip(selected, selected_ids, strict=True):
            others = [p for p in by_id.get(rid, ()) if p != rel]
            if others:
                bad_files.add(rel)
                problems.append(
                    Problem(
                        rel,
                        None,
                        "$",
                        "unique.id",
                        f"编号 “{rid}” 在仓库中重复：{_some(others)} 也用了这个文件名。"
                        "编号必须全仓库唯一，请改名。",
                    )
                )
    if doubled_keys:
        by_key: dict[str, list[str]] = defaultdict(list)
        for k, rel in key_files:
            if k in doubled_keys:
                by_key[k].append(rel)
        for i, k in enumerate(keys):
            if not k or k not in doubled_keys:
                continue
            rel = selected[i]
            others = [o for o in by_key[k] if o != rel]
            if others:
                bad_files.add(rel)
                problems.append(
                    Problem(
                        rel,
                        rows["doc_lines"][i],
                        "$.doc_no",
                        "unique.doc_no",
                        f"决定书文号在同一机关内重复：{_some(others)} 已使用相同的文号。请核对是否重复录入。",
                    )
                )

    for rel in strays:
        if scope is None or rel in scope:
            files_checked += 1
            problems.append(Problem(rel, None, "$", "path.ignored", _ignored(rel), "warning"))
    if scope is not None:
        known = set(reg_problems) | set(record_files) | set(strays)
        for rel in sorted(scope - known):
            files_checked += 1
            problems.append(Problem(rel, None, "$", "path.ignored", _ignored(rel), "warning"))

    valid = [r for r in records if r.path not in bad_files] if bad_files else records
    ordered = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.code, p.message))
    return ValidationResult(registry, valid, ordered, files_checked)

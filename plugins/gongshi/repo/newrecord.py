"""``gongshi new``: the next free record id and a commented template file in the right place.

Every comment in the template is the title and description of the field in the JSON Schema, so the
template can never disagree with what ``gongshi validate`` checks. Required fields come first and are
left blank (validate says what is missing); optional ones follow, commented out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongshi.core.records import KIND_CODE, KIND_LABEL
from gongshi.core.sealed import SEALED_PARTY_KEYS
from gongshi.repo import schemas
from gongshi.repo.files import Registry, iter_record_files, records_since
from gongshi.repo.yamlwrite import record_relpath, schema_line

# Keys the template fills in itself, and the value.
_PREFILLED = {"kind", "authority"}
# Optional keys a clerk would not add by hand (the registry or the catalog supplies them).
_OMITTED = {"corrections"}
# A list field gets one "- " line per item.
_LIST_EXAMPLE_ITEMS = 1


class TemplateError(Exception):
    """A usage problem with a Chinese message."""


def next_record_id(root: Path, dept: str, kind: str, year: int, taken: set[str] | None = None) -> str:
    """``<dept>-<xk|cf>-<YYYY>-<NNNN>``, the number after the highest one in use in the repository."""
    prefix = f"{dept}-{KIND_CODE[kind]}-{year}-"
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    highest = 0
    names = {rf.id for rf in iter_record_files(root)} | (taken or set())
    for name in names:
        m = pattern.match(name)
        if m:
            highest = max(highest, int(m.group(1)))
    return f"{prefix}{highest + 1:04d}"


def _properties(schema: dict) -> dict:
    """Properties of a (bundled) object schema, looking through ``allOf`` wrappers."""
    props = dict(schema.get("properties") or {})
    for sub in schema.get("allOf", ()):
        if isinstance(sub, dict):
            for k, v in _properties(sub).items():
                props.setdefault(k, v)
    return props


def _required(schema: dict) -> list[str]:
    req = list(schema.get("required") or [])
    for sub in schema.get("allOf", ()):
        if isinstance(sub, dict) and "if" not in sub:
            req += [r for r in _required(sub) if r not in req]
        elif isinstance(sub, dict) and isinstance(sub.get("else"), dict):
            # Required unless the condition holds: the fields every record but a 国家秘密 stub needs
            # (a new record's template is not a stub).
            req += [r for r in _required(sub["else"]) if r not in req]
    return req


def _annotation(schema: dict, word: str) -> str:
    if schema.get(word):
        return str(schema[word])
    for sub in schema.get("allOf", ()):
        if isinstance(sub, dict) and _annotation(sub, word):
            return _annotation(sub, word)
    return ""


def _is_type(schema: dict, typ: str) -> bool:
    if schema.get("type") == typ:
        return True
    return any(isinstance(s, dict) and _is_type(s, typ) for s in schema.get("allOf", ()))


def _comment(schema: dict, indent: str) -> list[str]:
    title = _annotation(schema, "title")
    desc = _annotation(schema, "description")
    text = f"{title}：{desc}" if title and desc else title or desc
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()]


def _field_lines(
    key: str, schema: dict, indent: str, value: str, optional: bool, extra: list[str]
) -> list[str]:
    lines = _comment(schema, indent) + [f"{indent}# {e}" for e in extra]
    off = "# " if optional else ""
    if _is_type(schema, "object"):
        lines.append(f"{indent}{off}{key}:")
        for sub_key, sub in _properties(schema).items():
            lines += _field_lines(sub_key, sub, indent + "  ", "", True, [])
        return lines
    if _is_type(schema, "array"):
        lines.append(f"{indent}{off}{key}:")
        lines += [f"{indent}{off}  -"] * _LIST_EXAMPLE_ITEMS
        return lines
    lines.append(f"{indent}{off}{key}: {value}".rstrip())
    return lines


def _value_lines(key: str, value: str, indent: str) -> list[str]:
    """``key: value`` as YAML, a multi-line value (sealed text) as a literal block."""
    if "\n" not in value.strip():
        return [f"{indent}{key}: {value}"]
    return [f"{indent}{key}: |"] + [f"{indent}  {line}" for line in value.strip().splitlines()]


def template_text(
    kind: str, dept: str, registry: Registry, party_values: dict[str, str] | None = None
) -> str:
    """The commented template of a record of ``kind`` for department ``dept``; ``party_values``
    (party key → value: ID type, masked and sealed numbers) are filled in."""
    party_values = party_values or {}
    schema = schemas.bundled(kind)
    props = _properties(schema)
    required = [k for k in _required(schema) if k in props]
    optional = [k for k in props if k not in required and k not in _OMITTED]
    items = [i for i in registry.catalog_by_dept.get(dept, []) if i.kind == kind]
    item_hint = "本部门可选的事项：" + "；".join(f"{i.code} {i.name}" for i in items) if items else ""
    values = {"kind": kind, "authority": dept}
    party_schema = props.get("party", {})
    party_req = _required(party_schema)

    out = [
        schema_line(kind),
        f"# {KIND_LABEL[kind]}决定。{_annotation(schema, 'description')}",
        "# 先填写下面的必填字段；以 “# 键:” 开头的是可选字段，需要时删去行首的 “# ” 再填写。",
        "# 检查：gongshi validate 本文件路径",
        "",
    ]
    for key in required:
        sub = props[key]
        extra = [item_hint] if key == "item" and item_hint else []
        if key == "party":
            out += _comment(sub, "")
            out.append("party:")
            for pkey, psub in _properties(sub).items():
                if pkey in party_values:
                    out += _comment(psub, "  ") + _value_lines(pkey, party_values[pkey], "  ")
                elif pkey in SEALED_PARTY_KEYS:
                    continue  # written only by the tools: a blank line would invite the number in clear
                else:
                    out += _field_lines(pkey, psub, "  ", "", pkey not in party_req, [])
        else:
            out += _field_lines(key, sub, "", values.get(key, ""), False, extra)
        out.append("")
    out.append("# ---- 以下为可选字段 ----")
    out.append("")
    for key in optional:
        out += _field_lines(key, props[key], "", "", True, [])
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


@dataclass
class NewRecord:
    relpath: str
    path: Path


def create_template(
    root: Path,
    registry: Registry,
    kind: str,
    dept: str,
    year: int,
    as_of: date,
    party_values: dict[str, str] | None = None,
) -> NewRecord:
    if dept not in registry.departments:
        known = "、".join(sorted(registry.departments)) or "（登记册为空）"
        raise TemplateError(f"部门代号 “{dept}” 不在 data/departments.yaml 中。可用的部门：{known}。")
    since = records_since(registry, dept)
    if not since.year <= year <= as_of.year:
        raise TemplateError(
            f"年份 {year} 不对：决定年份应在 {since.year} 至 {as_of.year} 年之间"
            f"（本部门的记录从 {since.isoformat()} 起收录，今天是 {as_of.isoformat()}）。"
        )
    record_id = next_record_id(root, dept, kind, year)
    rel = record_relpath(dept, kind, year, record_id)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    # "x": never overwrite, even if another process took the same number a moment ago.
    with path.open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(template_text(kind, dept, registry, party_values))
    return NewRecord(rel, path)

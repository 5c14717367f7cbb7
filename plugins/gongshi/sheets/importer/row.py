"""Converting one row: the record a data row describes, with the column each field came from and
the reasons a cell could not be read."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gongshi.core import identifiers
from gongshi.core.docno import standard_doc_no
from gongshi.core.records import KIND_LABEL, CatalogItem
from gongshi.core.values import choose, name_key
from gongshi.repo.files import Registry
from gongshi.sheets import national_standard as ns
from gongshi.sheets.importer.cells import (
    cell_text,
    clean_code,
    clean_text,
    mask_id_number,
    mask_numbers_in,
    parse_amount,
    parse_date_value,
)
from gongshi.sheets.importer.results import RowError

LONG_TERM_FROM = date(2099, 12, 31)  # "2099/12/31" and later is the common way to write 长期


@dataclass
class Context:
    root: Path
    registry: Registry
    dept: str
    kind: str
    legacy: bool
    columns: list[ns.Column]
    item_code: str | None = None  # --item
    recipients: tuple[str, ...] = ()  # reporting.recipients: full ID numbers are sealed to them

    def __post_init__(self) -> None:
        self.present = {c.field for c in self.columns}
        self.dept_by_name: dict[str, str] = {}
        self.dept_by_uscc: dict[str, str] = {}
        for d in self.registry.departments.values():
            for name in (d.key, d.name, d.short_name):
                if name:
                    self.dept_by_name[_name_key(name)] = d.key
            if d.uscc:
                self.dept_by_uscc[d.uscc.upper()] = d.key


def _name_key(text: str) -> str:
    return name_key(text)


class ConvertedRow:
    """Collects a row's record fields, the column each came from, and conversion errors."""

    def __init__(self, ctx: Context, number: int, cells: list[object]):
        self.ctx, self.number = ctx, number
        self.raw: dict[str, object] = {}
        self.header: dict[str, str] = {}
        for col in ctx.columns:
            value = cells[col.index] if col.index < len(cells) else None
            self.raw[col.field] = value
            self.header[col.field] = col.header
        self.data: dict = {"kind": ctx.kind}
        self.party: dict = {}
        self.sources: dict[str, str] = {}  # JSON path → header
        self.errors: list[RowError] = []
        self.bad_paths: set[str] = set()
        # Sealed-field key → the full ID number the row carried: sealed (importer.sealing) or
        # dropped, never written or printed.
        self.clear_numbers: dict[str, str] = {}

    def column(self, fid: str) -> str:
        return self.header.get(fid) or ns.standard_header(fid, self.ctx.kind)

    def text(self, fid: str) -> str:
        return clean_text(self.raw.get(fid))

    def error(self, fid: str, message: str, path: str | None = None) -> None:
        self.errors.append(RowError(self.number, self.column(fid), mask_numbers_in(message)))
        if path:
            self.bad_paths.add(path)

    def put(self, path: str, value, fid: str) -> None:
        if value in (None, "", []):
            return
        node = self.party if path.startswith("party.") else self.data
        node[path.removeprefix("party.")] = value
        self.sources["$." + path] = self.column(fid)


_TEXT_FIELDS = (
    "party.name",
    "party.legal_rep",
    "party.institution_cert_no",
    "party.social_org_reg_no",
    "doc_no",
    "doc_title",
    "certificate_name",
    "licence_no",
    "content",
    "violation_type",
    "facts",
    "basis",
    "licence_affected",
    "remarks",
    "status_reason",
)
_CODE_FIELDS = ("party.uscc", "party.business_reg_no", "party.org_code", "party.tax_reg_no")
_DATE_FIELDS = ("decision_date", "valid_from", "valid_to", "valid_until", "status_date")


def _choice(text: str, labels, codes: dict, synonyms: dict) -> str | None:
    return choose(text, labels, codes, synonyms)


def convert_row(ctx: Context, number: int, cells: list[object]) -> ConvertedRow:
    row = ConvertedRow(ctx, number, cells)
    kind = ctx.kind
    for fid in _TEXT_FIELDS:
        if fid in ctx.present:
            row.put(fid, row.text(fid), fid)
    _drop_provisional_remark(row)
    if "doc_no" in row.data:
        row.data["doc_no"] = standard_doc_no(row.data["doc_no"])
    for fid in _CODE_FIELDS:
        if fid in ctx.present:
            raw = row.raw.get(fid)
            if isinstance(raw, float) and raw >= 1e15:
                row.error(
                    fid,
                    "代码被 Excel 存成了数字，末几位已经丢失。请把这一列设为“文本”格式后重新填写",
                    "$." + fid,
                )
                continue
            row.put(fid, clean_code(raw), fid)

    _party_category(row)
    _id_fields(row)
    for fid in _DATE_FIELDS:
        if fid in ctx.present and cell_text(row.raw.get(fid)):
            if fid == "valid_to" and cell_text(row.raw.get(fid)) in ("长期", "长期有效", "永久", "无"):
                continue
            iso, why = parse_date_value(row.raw.get(fid))
            if why:
                row.error(fid, why, "$." + fid)
            elif fid == "valid_to" and date.fromisoformat(iso) >= LONG_TERM_FROM:
                continue  # 长期: no end date
            else:
                row.put(fid, iso, fid)
    if kind == "licence":
        _licence_category(row)
    else:
        _penalty_categories(row)
        for fid, path, wan in (
            ("fine_wan", "fine_yuan", True),
            ("fine_yuan", "fine_yuan", False),
            ("confiscation_wan", "confiscation_yuan", True),
            ("confiscation_yuan", "confiscation_yuan", False),
        ):
            if fid in ctx.present and cell_text(row.raw.get(fid)):
                yuan, why = parse_amount(row.raw.get(fid), wan)
                if why:
                    row.error(fid, why, "$." + path)
                else:
                    row.put(path, yuan, fid)
    _status(row)
    _departments(row)
    _region(row)
    _usage_scope(row)
    _legacy_defaults(row)
    _item(row)
    if row.party:
        row.data["party"] = row.party
        row.sources.setdefault("$.party", row.column("party.name"))
    return row


def _drop_provisional_remark(row: ConvertedRow) -> None:
    """Our own exports add ``PROVISIONAL_REMARK`` to 备注 (a 暂定 deadline): not the record's text."""
    remarks = row.data.get("remarks")
    if isinstance(remarks, str) and ns.PROVISIONAL_REMARK in remarks:
        parts = [p for p in remarks.split(ns.REMARK_SEPARATOR) if p != ns.PROVISIONAL_REMARK]
        if parts:
            row.data["remarks"] = ns.REMARK_SEPARATOR.join(parts)
        else:
            del row.data["remarks"]
            row.sources.pop("$.remarks", None)


def _party_category(row: ConvertedRow) -> None:
    fid = "party.category"
    text = row.text(fid)
    if text:
        value = _choice(text, ns.PARTY_CATEGORIES, ns.PARTY_CATEGORY_CODES, ns.PARTY_CATEGORY_SYNONYMS)
        if value is None:
            row.error(
                fid,
                f"行政相对人类别“{text}”无法识别。可填：法人及非法人组织、自然人、个体工商户"
                "（或代码 01 自然人、02 法人、03 非法人组织、04 个体工商户）",
                "$.party.category",
            )
            return
        row.put(fid, value, fid)
        return
    if fid in row.ctx.present:
        return  # the column is there but empty: the validator says it is required
    # Older shapes have no category column: infer it from the codes the row carries.
    uscc = row.party.get("uscc", "")
    id_no = clean_code(row.raw.get("party.id_no"))
    if uscc == identifiers.USCC_PLACEHOLDER or uscc.startswith("92"):
        value = "个体工商户"
    elif uscc:
        value = "法人及非法人组织"
    elif id_no or row.text("party.id_type"):
        value = "自然人"
    elif row.party.get("legal_rep") or row.party.get("org_code"):
        value = "法人及非法人组织"
    else:
        row.error(
            fid,
            "表格没有“行政相对人类别”列，本行也没有可据以判断的代码。请增加该列并填写",
            "$.party.category",
        )
        return
    row.party["category"] = value
    row.sources["$.party.category"] = row.column("party.uscc" if uscc else fid)


def _id_type(row: ConvertedRow, fid: str) -> str | None:
    text = row.text(fid)
    if not text:
        return None
    normal = unicodedata.normalize("NFKC", text)
    m = re.match(r"^其他\s*[-—:：]\s*(\S.*)$", normal)
    if m:
        return "其他-" + m.group(1).strip()
    value = _choice(normal, ns.ID_TYPES, ns.ID_TYPE_CODES, ns.ID_TYPE_SYNONYMS)
    if value is None:
        row.error(
            fid,
            f"证件类型“{text}”无法识别。可填：{'、'.join(ns.ID_TYPES)}，或“其他-证件名称”（或代码 01–05）",
            "$." + fid,
        )
    return value


def _id_fields(row: ConvertedRow) -> None:
    legal_type = _id_type(row, "party.legal_rep_id_type")
    row.put("party.legal_rep_id_type", legal_type, "party.legal_rep_id_type")
    id_type = _id_type(row, "party.id_type")
    raw = row.raw.get("party.id_no")
    if isinstance(raw, float) and raw >= 1e15:
        row.error(
            "party.id_no",
            "证件号码被 Excel 存成了数字，末几位已经丢失。请把这一列设为“文本”格式后重新填写",
            "$.party.id_no_masked",
        )
        return
    number = clean_code(raw)
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", number):
        row.error(
            "party.id_no",
            "证件号码被写成了科学计数法（Excel 把它当成了数字），末几位已经丢失。"
            "请把这一列设为“文本”格式后重新填写",
            "$.party.id_no_masked",
        )
        return
    if not number:
        row.put("party.id_type", id_type, "party.id_type")
        return
    category = row.party.get("category")
    if category and category != "自然人":
        # A company's row with a person's number in it: never store it. Say so.
        row.error(
            "party.id_no",
            "证件号码只用于行政相对人是自然人的记录；单位的证件号码不导入，请删除",
            "$.party.id_no_masked",
        )
        return
    if id_type is None and "party.id_type" in row.bad_paths:
        return
    if id_type is None and re.fullmatch(r"\d{17}[\dX]|\d{15}", number.replace("*", "0")):
        id_type = "身份证"
    if id_type is None:
        row.error(
            "party.id_type",
            "填写了证件号码，但没有证件类型。请填写证件类型（身份证、护照号等）",
            "$.party.id_type",
        )
        return
    row.put("party.id_type", id_type, "party.id_type")
    if "*" not in number:
        if id_type == "身份证":
            if len(number) == 15 and number.isdigit():
                with contextlib.suppress(ValueError):
                    number = identifiers.resident_id_15_to_18(number)
            decided = parse_date_value(row.raw.get("decision_date"))[0]
            why = identifiers.resident_id_problem(number, date.fromisoformat(decided) if decided else None)
            if why:
                row.error("party.id_no", f"身份证号码无效：{why}", "$.party.id_no_masked")
                return
        row.clear_numbers["id_no_sealed"] = number
        number = mask_id_number(number, id_type)
    row.put("party.id_no_masked", number, "party.id_no")


def _licence_category(row: ConvertedRow) -> None:
    fid = "category"
    text = unicodedata.normalize("NFKC", row.text(fid))
    if not text:
        return
    m = re.match(r"^其他\s*[-—:：(]\s*([^)]+?)\s*\)?$", text)
    if m:
        row.put("category", "其他", fid)
        row.put("category_other", m.group(1), fid)
        return
    value = _choice(text, ns.LICENCE_CATEGORIES, ns.LICENCE_CATEGORY_CODES, {})
    if value is None:
        row.error(
            fid,
            f"许可类别“{text}”无法识别。可填：{'、'.join(ns.LICENCE_CATEGORIES)}（或代码 01–06）；"
            "其他类别写成“其他-具体类别”",
            "$.category",
        )
        return
    row.put("category", value, fid)


_CATEGORY_SPLIT_RE = re.compile(r"[,;、/|\s]+")
# “其他-责令改正” (what exports write), “其他：…”, “其他（…）”, anywhere in the list.
_OTHER_RE = re.compile(r"其他\s*[-—:：(]\s*([^;,、|/()\s]+)\s*\)?")


def _penalty_categories(row: ConvertedRow) -> None:
    out: list[str] = []
    other = None
    for fid in ("categories", "categories2"):
        text = unicodedata.normalize("NFKC", row.text(fid))
        if not text:
            continue
        for phrase, label in ns.PENALTY_CATEGORY_SYNONYMS.items():
            if label and "、" in phrase:
                text = text.replace(phrase, label)
        m = _OTHER_RE.search(text)
        if m:
            other = m.group(1)
            text = text[: m.start()] + "其他" + text[m.end() :]
        for token in filter(None, _CATEGORY_SPLIT_RE.split(text)):
            key = ns.code_key(token)
            if key is not None:
                if row.ctx.legacy:
                    label = ns.LEGACY_PENALTY_CATEGORY_CODES.get(key, "?")
                    if label is None:
                        row.error(
                            fid,
                            f"旧标准处罚类别代码 {token}（{ns.LEGACY_PENALTY_CATEGORY_LABELS[key]}）"
                            "对应现行的两种处罚，"
                            "无法确定是哪一种。请改写为具体的处罚类别名称，例如 没收违法所得",
                            "$.categories",
                        )
                        continue
                else:
                    label = ns.PENALTY_CATEGORY_CODES.get(key, "?")
            elif token in ns.PENALTY_CATEGORIES:
                label = token
            else:
                label = ns.PENALTY_CATEGORY_SYNONYMS.get(token) or "?"
            if label == "?":
                row.error(
                    fid,
                    f"处罚类别“{token}”无法识别。可填：{'、'.join(ns.PENALTY_CATEGORIES)}"
                    "（多项用顿号分隔；其他种类写成“其他-具体种类”）",
                    "$.categories",
                )
                continue
            if label not in out:
                out.append(label)
    if out:
        row.put("categories", out, "categories")
    if other:
        row.put("category_other", other, "categories")


def _status(row: ConvertedRow) -> None:
    fid = "status"
    text = row.text(fid)
    if not text:
        return
    key = ns.code_key(text)
    if key is not None:
        value = (ns.LEGACY_STATUS_CODES if row.ctx.legacy else ns.STATUS_CODES).get(key, "?")
    else:
        value = text if text in ns.STATUSES else ns.STATUS_SYNONYMS.get(text, "?")
    if value in (None, "?"):
        row.error(
            fid,
            f"当前状态“{text}”无法识别或没有对应的状态。可填：{'、'.join(ns.STATUSES)}",
            "$.status",
        )
        return
    if value != "有效":
        row.put("status", value, fid)


def _resolve_dept(row: ConvertedRow, name_fid: str, uscc_fid: str, what: str, path: str) -> str | None:
    ctx = row.ctx
    name = row.text(name_fid)
    uscc = clean_code(row.raw.get(uscc_fid))
    by_name = by_uscc = None
    known = "、".join(d.name for d in ctx.registry.departments.values())
    if name:
        by_name = ctx.dept_by_name.get(_name_key(name))
        if by_name is None:
            row.error(
                name_fid,
                f"{what}“{name}”不在部门登记册（data/departments.yaml）中。登记册中的部门：{known}",
                path,
            )
            return None
    if uscc:
        by_uscc = ctx.dept_by_uscc.get(uscc)
        if by_uscc is None:
            row.error(uscc_fid, f"{what}统一社会信用代码“{uscc}”不属于登记册中的任何部门。请核对", path)
            return None
    if by_name and by_uscc and by_name != by_uscc:
        row.error(
            uscc_fid,
            f"{what}统一社会信用代码“{uscc}”是“{ctx.registry.departments[by_uscc].name}”的，"
            f"与{what}名称“{name}”不符。请核对",
            path,
        )
        return None
    return by_name or by_uscc


def _departments(row: ConvertedRow) -> None:
    ctx = row.ctx
    authority = _resolve_dept(row, "authority_name", "authority_uscc", "决定机关", "$.authority")
    if authority is None and any(
        e.column in (row.column("authority_name"), row.column("authority_uscc")) for e in row.errors
    ):
        row.bad_paths.add("$.authority")
        return
    authority = authority or ctx.dept
    row.data["authority"] = authority
    row.sources["$.authority"] = row.column(
        "authority_name" if "authority_name" in ctx.present else "authority_uscc"
    )
    source = _resolve_dept(row, "source_name", "source_uscc", "数据来源单位", "$.source_unit")
    if source is None and authority != ctx.dept:
        source = ctx.dept  # the importing department reports a decision of another authority
    if source and source != authority:
        row.data["source_unit"] = source
        row.sources["$.source_unit"] = row.column(
            "source_name" if "source_name" in ctx.present else "source_uscc"
        )


def _region(row: ConvertedRow) -> None:
    code = clean_code(row.raw.get("region_code"))
    if not code:
        return
    dept = row.ctx.registry.departments.get(row.data.get("authority", ""))
    if dept is None or dept.region_code != code:
        row.put("region_code", code, "region_code")


def _usage_scope(row: ConvertedRow) -> None:
    text = row.text("usage_scope")
    key = ns.code_key(text) if text else None
    if key in ("1", "2") or text in ("仅政府部门内部共享", "仅可授权查询"):
        row.data["disclosure"] = {
            "public": False,
            "reason": "其他",
            "note": "信息使用范围：仅政府部门内部共享或授权查询",
        }
        row.sources["$.disclosure"] = row.column("usage_scope")


def _legacy_defaults(row: ConvertedRow) -> None:
    """The legacy standard has no 文书名称 / 有效期自 / 违法行为类型 columns: derive them (announced once)."""
    ctx = row.ctx
    name = row.text("item_name")
    if ctx.kind == "licence":
        if "doc_title" not in ctx.present and name:
            row.put("doc_title", name, "item_name")
        if "valid_from" not in ctx.present and "decision_date" in row.data:
            row.put("valid_from", row.data["decision_date"], "decision_date")
    elif "violation_type" not in ctx.present and name:
        row.put("violation_type", name, "item_name")


def _item(row: ConvertedRow) -> None:
    ctx = row.ctx
    authority = row.data.get("authority")
    if not authority:
        return
    items = [i for i in ctx.registry.catalog_by_dept.get(authority, []) if i.kind == ctx.kind]
    label = KIND_LABEL[ctx.kind]
    listing = "；".join(f"{i.code} {i.name}" for i in items) or f"（该部门目录中没有{label}事项）"
    for fid in ("item", "item_name"):
        text = row.text(fid)
        if not text:
            continue
        found = _match_item(text, items)
        if found is None:
            row.error(
                fid,
                f"“{text}”不是{authority}目录中的{label}事项（按编码或名称匹配）。可用的事项：{listing}",
                "$.item",
            )
            return
        row.put("item", found.code, fid)
        return
    if ctx.item_code:
        row.data["item"] = ctx.item_code
        row.sources["$.item"] = "（--item 参数）"
        return
    if len(items) == 1:
        row.data["item"] = items[0].code
        row.sources["$.item"] = ns.ITEM_HEADER
        return
    columns = "“目录事项”" + ("或“项目名称”" if ctx.kind == "licence" else "或“处罚名称”")
    have = [c for c in ("item", "item_name") if c in ctx.present]
    why = f"本行的{columns}是空的" if have else f"表格没有{columns}列"
    row.error(
        have[0] if have else "item",
        f"无法确定目录事项：{why}，而 {authority} 的目录中有 {len(items)} 个{label}事项。"
        f"请填写事项编码或名称，或用 --item 指定。可用的事项：{listing}",
        "$.item",
    )


def _match_item(text: str, items: list[CatalogItem]) -> CatalogItem | None:
    key = _name_key(text)
    first = text.split()[0].lower()  # the template's dropdown offers "<code> <name>"
    for i in items:
        if key.lower() == i.code or first == i.code or key == _name_key(i.name):
            return i
    return None

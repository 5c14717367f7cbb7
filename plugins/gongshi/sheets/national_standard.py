"""The national 双公示 data standards as spreadsheet columns: header names, code lists, header matching.

Two generations exist (see the domain notes, §2): the legacy 2015–2016 standard and the current one
(circulated 2019–2021, 28 licence / 30 penalty columns; older copies lack 行政相对人类别 and
法定代表人证件类型). Records store the Chinese *labels*; spreadsheets in the wild carry either labels or
numeric codes, so every code list here maps both to the label.

Column ids are short internal names (``party.name``, ``fine_wan`` ...). ``importer`` turns a row into a
record through them; ``workbook_template`` writes the current headers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gongshi.core import values
from gongshi.core.records import PARTY_CODE_KEYS

# --------------------------------------------------------------------------------------------
# Current standard: header order of a full export (the template and exports use these).

# Fields 1-13, the same in both standards: the party (行政相对人).
PARTY_HEADERS: tuple[str, ...] = (
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1（统一社会信用代码）",
    "行政相对人代码_2（工商注册号）",
    "行政相对人代码_3（组织机构代码）",
    "行政相对人代码_4（税务登记号）",
    "行政相对人代码_5（事业单位证书号）",
    "行政相对人代码_6（社会组织登记证号）",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "证件类型",
    "证件号码",
)

LICENCE_HEADERS: tuple[str, ...] = (
    *PARTY_HEADERS,
    "行政许可决定文书名称",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可内容",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "许可机关",
    "许可机关统一社会信用代码",
    "当前状态",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
)

PENALTY_HEADERS: tuple[str, ...] = (
    *PARTY_HEADERS,
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
)

CURRENT_HEADERS = {"licence": LICENCE_HEADERS, "penalty": PENALTY_HEADERS}

# 钟政办发〔2016〕31号 §四(二) names 当前状态 and 行政区划编码 among the fields every record publishes; the
# current standard has 当前状态 only for licences and no region column at all (the legacy one calls it
# 地方编码). Exports append the missing ones after the standard's columns, under the plan's names,
# so the standard's columns keep their positions (the importer reads both names).
STATUS_HEADER = "当前状态"
REGION_HEADER = "行政区划编码"
PLAN_EXTRA_HEADERS: dict[str, tuple[str, ...]] = {
    "licence": (REGION_HEADER,),
    "penalty": (STATUS_HEADER, REGION_HEADER),
}
# What an export adds to 备注 when a deadline was counted in a year without a published holiday
# arrangement (暂定); the importer drops it again, so an export read back keeps the record's own 备注.
PROVISIONAL_REMARK = "暂定：公示期限按法定节假日推算（该年节假日安排尚未公布）"
REMARK_SEPARATOR = "；"
EXPORT_HEADERS: dict[str, tuple[str, ...]] = {
    kind: (*headers, *PLAN_EXTRA_HEADERS[kind]) for kind, headers in CURRENT_HEADERS.items()
}
# Not in the standard: our catalog item. The template adds it; the importer also reads it.
ITEM_HEADER = "目录事项"
EXPORT_TIME_HEADER = "数据导出时间"

# --------------------------------------------------------------------------------------------
# Code lists (code → label). Keys are normalised codes: digits without leading zeros.

# The code lists live in ``core.values`` (validate suggests with them too); the importer and the
# template read them here, with the rest of the standard.
PARTY_CATEGORIES = values.PARTY_CATEGORIES
PARTY_CATEGORY_CODES = values.PARTY_CATEGORY_CODES
PARTY_CATEGORY_SYNONYMS = values.PARTY_CATEGORY_SYNONYMS
ID_TYPES = values.ID_TYPES
ID_TYPE_CODES = values.ID_TYPE_CODES
ID_TYPE_SYNONYMS = values.ID_TYPE_SYNONYMS
LICENCE_CATEGORIES = values.LICENCE_CATEGORIES
LICENCE_CATEGORY_CODES = values.LICENCE_CATEGORY_CODES
PENALTY_CATEGORIES = values.PENALTY_CATEGORIES
PENALTY_CATEGORY_CODES = values.PENALTY_CATEGORY_CODES
PENALTY_CATEGORY_SYNONYMS = values.PENALTY_CATEGORY_SYNONYMS
STATUSES = values.STATUSES
STATUS_CODES = values.STATUS_CODES
STATUS_SYNONYMS = values.STATUS_SYNONYMS
code_key = values.code_key

# Legacy standard (pre-2021 处罚法): 0–6. Codes 2 and 4 each cover two current categories; the
# importer asks which one instead of guessing (None).
LEGACY_PENALTY_CATEGORY_CODES: dict[str, str | None] = {
    "0": "警告",
    "1": "罚款",
    "2": None,
    "3": "责令停产停业",
    "4": None,
    "5": "行政拘留",
    "6": "其他",
}
LEGACY_PENALTY_CATEGORY_LABELS = {
    "2": "没收违法所得、没收非法财物",
    "4": "暂扣或者吊销许可证、暂扣或者吊销执照",
}
# Legacy: 0 正常 1 撤销 2 异议 3 其他 — 异议 and 其他 have no equivalent (None: ask).
LEGACY_STATUS_CODES: dict[str, str | None] = {"0": "有效", "1": "撤销", "2": None, "3": None}

# Values that mean "nothing here" in real feeds.
JUNK_VALUES = frozenset({"undefined", "null", "none", "nan", "n/a", "#n/a", "(空)", "（空）"})


# --------------------------------------------------------------------------------------------
# Headers → column ids


@dataclass(frozen=True)
class Column:
    """One recognised column of an input sheet."""

    index: int  # 0-based position in the row
    header: str  # the header text as written in the file (for error reports)
    field: str  # column id


# Column ids whose values are never stored (read, then dropped or used only to check).
IGNORED_FIELDS = frozenset({"ignore", "legal_rep_id_no"})

_COMMON_ALIASES = {
    "行政相对人名称": "party.name",
    "相对人名称": "party.name",
    "当事人名称": "party.name",
    "行政相对人类别": "party.category",
    "行政相对人类型": "party.category",
    "相对人类别": "party.category",
    "统一社会信用代码": "party.uscc",
    "行政相对人统一社会信用代码": "party.uscc",
    "相对人统一社会信用代码": "party.uscc",
    "当事人统一社会信用代码": "party.uscc",
    "工商注册号": "party.business_reg_no",
    "工商登记码": "party.business_reg_no",
    "工商登记号": "party.business_reg_no",
    "组织机构代码": "party.org_code",
    "税务登记号": "party.tax_reg_no",
    "事业单位证书号": "party.institution_cert_no",
    "社会组织登记证号": "party.social_org_reg_no",
    "居民身份证号": "party.id_no",
    "法定代表人": "party.legal_rep",
    "法定代表人姓名": "party.legal_rep",
    "法定代表人(负责人)": "party.legal_rep",
    "法定代表人(负责人)姓名": "party.legal_rep",
    "法定代表人或者负责人姓名": "party.legal_rep",
    "法定代表人或负责人姓名": "party.legal_rep",
    "法定代表人或者负责人": "party.legal_rep",
    "法定代表人或负责人": "party.legal_rep",
    "法定代表人证件类型": "party.legal_rep_id_type",
    "法定代表人证件号码": "legal_rep_id_no",
    "法定代表人身份证号": "legal_rep_id_no",
    "证件类型": "party.id_type",
    "证件号码": "party.id_no",
    "当前状态": "status",
    "状态变更日期": "status_date",
    "状态变更原因": "status_reason",
    "数据来源单位": "source_name",
    "数据来源单位统一社会信用代码": "source_uscc",
    "备注": "remarks",
    "地方编码": "region_code",
    "行政区划编码": "region_code",
    "数据更新时间戳": "ignore",
    "数据导出时间": "ignore",
    "公示截止期": "ignore",
    "失信严重程度": "ignore",
    "信息使用范围": "usage_scope",
    "目录事项": "item",
    "目录事项编码": "item",
    "事项编码": "item",
    "序号": "ignore",
    "决定书文号": "doc_no",
    # The columns ``gongshi import`` adds to its error workbook (read back when it is re-imported).
    "行号": "ignore",
    "错误原因": "ignore",
}

_LICENCE_ALIASES = {
    "行政许可决定文书名称": "doc_title",
    "许可决定文书名称": "doc_title",
    "行政许可决定文书号": "doc_no",
    "行政许可决定书文号": "doc_no",
    "许可决定书文号": "doc_no",
    "许可文书号": "doc_no",
    "许可类别": "category",
    "审批类别": "category",
    "许可证书名称": "certificate_name",
    "许可编号": "licence_no",
    "许可内容": "content",
    "许可决定日期": "decision_date",
    "有效期自": "valid_from",
    "许可有效期自": "valid_from",
    "有效期至": "valid_to",
    "许可有效期至": "valid_to",
    "许可截止期": "valid_to",
    "许可机关": "authority_name",
    "许可机关统一社会信用代码": "authority_uscc",
    "许可机构": "authority_name",
    "许可决定机关": "authority_name",
    "项目名称": "item_name",
    "许可事项名称": "item_name",
}

_PENALTY_ALIASES = {
    "行政处罚决定书文号": "doc_no",
    "处罚决定书文号": "doc_no",
    "违法行为类型": "violation_type",
    "违法事实": "facts",
    "处罚事由": "facts",
    "处罚依据": "basis",
    "处罚类别": "categories",
    "处罚种类": "categories",
    "行政处罚种类": "categories",
    "行政处罚决定文书号": "doc_no",
    "处罚类别1": "categories",
    "处罚类别2": "categories2",
    "处罚内容": "content",
    "处罚结果": "content",
    "罚款金额(万元)": "fine_wan",
    "罚款金额": "fine_wan",
    "罚款金额(元)": "fine_yuan",
    # 罚没 (fine and confiscation in one figure) is what many county sheets call the fine column.
    "罚没金额(万元)": "fine_wan",
    "罚没金额": "fine_wan",
    "罚没金额(元)": "fine_yuan",
    "没收违法所得、没收非法财物的金额(万元)": "confiscation_wan",
    "没收违法所得、没收非法财物的金额": "confiscation_wan",
    "没收金额(万元)": "confiscation_wan",
    "没收违法所得、没收非法财物的金额(元)": "confiscation_yuan",
    "没收金额(元)": "confiscation_yuan",
    "暂扣或吊销证照名称及编号": "licence_affected",
    "处罚决定日期": "decision_date",
    "处罚有效期": "valid_until",
    "处罚截止期": "valid_until",
    "处罚生效期": "ignore",
    "处罚机关": "authority_name",
    "处罚机关统一社会信用代码": "authority_uscc",
    "处罚机构": "authority_name",
    "处罚决定机关": "authority_name",
    "处罚机构统一社会信用代码": "authority_uscc",
    "处罚名称": "item_name",
    "处罚事项名称": "item_name",
}

# The current standard's field codes (数据项标识), which provincial platforms' exports and some
# county templates use as headers instead of the Chinese names; docs/import.md lists them.
_PARTY_FIELD_CODES = (
    ("XDR_MC", "party.name"),
    ("XDR_LB", "party.category"),
    ("XDR_SHXYM", "party.uscc"),
    ("XDR_GSZC", "party.business_reg_no"),
    ("XDR_ZZJG", "party.org_code"),
    ("XDR_SWDJ", "party.tax_reg_no"),
    ("XDR_SYDW", "party.institution_cert_no"),
    ("XDR_SHZZ", "party.social_org_reg_no"),
    ("FRDB", "party.legal_rep"),
    ("FR_ZJLX", "party.legal_rep_id_type"),
    ("FR_ZJHM", "legal_rep_id_no"),
    ("XDR_ZJLX", "party.id_type"),
    ("XDR_ZJHM", "party.id_no"),
)
FIELD_CODES: dict[str, dict[str, str]] = {
    "licence": {
        **{f"XK_{code}": fid for code, fid in _PARTY_FIELD_CODES},
        "XK_XKWS": "doc_title",
        "XK_WSH": "doc_no",
        "XK_XKLB": "category",
        "XK_XKZS": "certificate_name",
        "XK_XKBH": "licence_no",
        "XK_NR": "content",
        "XK_JDRQ": "decision_date",
        "XK_YXQZ": "valid_from",
        "XK_YXQZI": "valid_to",
        "XK_XKJG": "authority_name",
        "XK_XKJGDM": "authority_uscc",
        "XK_ZT": "status",
        "XK_LYDW": "source_name",
        "XK_LYDWDM": "source_uscc",
        "BZ": "remarks",
    },
    "penalty": {
        **{f"CF_{code}": fid for code, fid in _PARTY_FIELD_CODES},
        "CF_WSH": "doc_no",
        "CF_WFXW": "violation_type",
        "CF_SY": "facts",
        "CF_YJ": "basis",
        "CF_CFLB": "categories",
        "CF_NR": "content",
        "CF_NR_FK": "fine_wan",
        "CF_NR_WFFF": "confiscation_wan",
        "CF_NR_ZKDX": "licence_affected",
        "CF_JDRQ": "decision_date",
        "CF_YXQ": "valid_until",
        "CF_GSJZQ": "ignore",
        "CF_CFJG": "authority_name",
        "CF_CFJGDM": "authority_uscc",
        "CF_SJLY": "source_name",
        "CF_SJLYDM": "source_uscc",
        "BZ": "remarks",
    },
}


# Headers that only the legacy / only the current generation uses (to tell them apart).
LEGACY_ONLY = frozenset(
    {
        "项目名称",
        "审批类别",
        "法定代表人姓名",
        "许可截止期",
        "地方编码",
        "数据更新时间戳",
        "行政许可决定书文号",
    }
    | {"处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚结果", "处罚截止期", "处罚生效期"}
)
CURRENT_ONLY = frozenset(
    {"行政相对人类别", "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "有效期自", "有效期至"}
    | {"违法行为类型", "违法事实", "处罚内容", "处罚有效期", "数据来源单位", "法定代表人"}
)

# Legacy numbering of 行政相对人代码_N when the header does not name the code.
_LEGACY_PARTY_CODES = {
    "1": "party.uscc",
    "2": "party.org_code",
    "3": "party.business_reg_no",
    "4": "party.tax_reg_no",
    "5": "party.id_no",
}
_CURRENT_PARTY_CODES = {str(n): f"party.{key}" for n, key in enumerate(PARTY_CODE_KEYS, start=1)}
_PARTY_CODE_RE = re.compile(r"^行政相对人代码[_\-—]?(\d)(?:\((.+)\))?$")
_REQUIRED_MARK_RE = re.compile(r"\((必填|选填|可选|必填项|选填项|非必填|必须填写)\)|[*＊]")
_SPACE_RE = re.compile(r"\s+")


def normalise_header(text: object) -> str:
    """A header cell in comparable form: NFKC (full-width brackets become ASCII), no spaces, no
    required/optional markers such as “（必填）” or “*”, no line breaks."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = _SPACE_RE.sub("", value)
    value = _REQUIRED_MARK_RE.sub("", value)
    return value.replace("【", "").replace("】", "")


def header_field(header: object, kind: str, legacy: bool) -> str | None:
    """The column id of ``header`` for a sheet of ``kind`` (None: not a column we know). A field
    code (``XK_WSH``) counts as its header."""
    name = header_of_code(header, kind) or normalise_header(header)
    if not name:
        return None
    m = _PARTY_CODE_RE.match(name)
    if m:
        number, named = m.group(1), m.group(2)
        if named:
            field = _COMMON_ALIASES.get(named)
            if field:
                return field
        table = _LEGACY_PARTY_CODES if legacy else _CURRENT_PARTY_CODES
        return table.get(number)
    specific = _LICENCE_ALIASES if kind == "licence" else _PENALTY_ALIASES
    return specific.get(name) or _COMMON_ALIASES.get(name) or FIELD_CODES[kind].get(name.upper())


def kind_scores(headers: list[object]) -> dict[str, int]:
    """How many headers are specific to each kind (to detect the kind when it is not given)."""
    names = {normalise_header(h) for h in headers}
    codes = {n.upper() for n in names}
    return {
        "licence": len(names & set(_LICENCE_ALIASES)) + sum(1 for c in codes if c.startswith("XK_")),
        "penalty": len(names & set(_PENALTY_ALIASES)) + sum(1 for c in codes if c.startswith("CF_")),
    }


def is_legacy(headers: list[object]) -> bool:
    names = {normalise_header(h) for h in headers}
    return len(names & LEGACY_ONLY) > len(names & CURRENT_ONLY)


# Columns a sheet must have (by column id), with the header to name when one is missing.
# A legacy sheet has no 文书名称 / 有效期自 / 违法行为类型; the importer derives them.
REQUIRED_COLUMNS = {
    "licence": (
        ("party.name", "行政相对人名称"),
        ("doc_no", "行政许可决定文书号"),
        ("category", "许可类别"),
        ("content", "许可内容"),
        ("decision_date", "许可决定日期"),
    ),
    "penalty": (
        ("party.name", "行政相对人名称"),
        ("doc_no", "行政处罚决定书文号"),
        ("categories", "处罚类别"),
        ("content", "处罚内容"),
        ("decision_date", "处罚决定日期"),
        ("facts", "违法事实"),
        ("basis", "处罚依据"),
    ),
}
REQUIRED_CURRENT_ONLY = {
    "licence": (("doc_title", "行政许可决定文书名称"), ("valid_from", "有效期自")),
    "penalty": (("violation_type", "违法行为类型"),),
}

# The header a column id has in the current standard (for errors about a column the file lacks).
STANDARD_HEADER = {
    "party.name": "行政相对人名称",
    "party.category": "行政相对人类别",
    "party.uscc": "行政相对人代码_1（统一社会信用代码）",
    "party.business_reg_no": "行政相对人代码_2（工商注册号）",
    "party.org_code": "行政相对人代码_3（组织机构代码）",
    "party.tax_reg_no": "行政相对人代码_4（税务登记号）",
    "party.institution_cert_no": "行政相对人代码_5（事业单位证书号）",
    "party.social_org_reg_no": "行政相对人代码_6（社会组织登记证号）",
    "party.legal_rep": "法定代表人",
    "party.legal_rep_id_type": "法定代表人证件类型",
    "legal_rep_id_no": "法定代表人证件号码",
    "party.id_type": "证件类型",
    "party.id_no": "证件号码",
    "status": "当前状态",
    "source_name": "数据来源单位",
    "source_uscc": "数据来源单位统一社会信用代码",
    "remarks": "备注",
    "region_code": "地方编码",
    "item": ITEM_HEADER,
}
STANDARD_HEADER_BY_KIND = {
    "licence": {
        "doc_title": "行政许可决定文书名称",
        "doc_no": "行政许可决定文书号",
        "category": "许可类别",
        "certificate_name": "许可证书名称",
        "licence_no": "许可编号",
        "content": "许可内容",
        "decision_date": "许可决定日期",
        "valid_from": "有效期自",
        "valid_to": "有效期至",
        "authority_name": "许可机关",
        "authority_uscc": "许可机关统一社会信用代码",
        "item_name": "项目名称",
    },
    "penalty": {
        "doc_no": "行政处罚决定书文号",
        "violation_type": "违法行为类型",
        "facts": "违法事实",
        "basis": "处罚依据",
        "categories": "处罚类别",
        "content": "处罚内容",
        "fine_wan": "罚款金额（万元）",
        "confiscation_wan": "没收违法所得、没收非法财物的金额（万元）",
        "licence_affected": "暂扣或吊销证照名称及编号",
        "decision_date": "处罚决定日期",
        "valid_until": "处罚有效期",
        "authority_name": "处罚机关",
        "authority_uscc": "处罚机关统一社会信用代码",
        "item_name": "处罚名称",
    },
}


def standard_header(field: str, kind: str) -> str:
    return STANDARD_HEADER_BY_KIND[kind].get(field) or STANDARD_HEADER.get(field, field)


# --------------------------------------------------------------------------------------------
# Field codes: receiving systems (the city platform's front database, its import templates) name
# the standard's columns by code (``XK_XDR_MC``, ``CF_WSH`` ...) instead of the Chinese header.
# The codes are the current generation's as copied in vendor systems (domain notes §2.2); codes of
# columns outside the standard's 28/30 (当前状态 of penalties, 行政区划编码, 信息使用范围, 目录事项,
# 状态变更日期/原因) follow the same pattern and are this project's choice (docs/reporting.md).

# Filled once HEADER_CODES exists below (building it reads headers, never codes).
_HEADER_BY_CODE: dict[str, dict[str, str]] = {}


def header_of_code(text: object, kind: str) -> str | None:
    """The standard's (normalised) header of a field code such as ``XK_WSH`` or ``cf_wsh``; None
    when ``text`` is no field code of ``kind``."""
    return _HEADER_BY_CODE.get(kind, {}).get(str(text or "").strip().upper())


def _codes_by_header(kind: str, headers: tuple[str, ...] | list[str]) -> dict[str, str]:
    """The field code of each standard header: the same table the importer reads codes with
    (``FIELD_CODES``), turned round, so a report headed by codes imports back."""
    code_of_field = {fid: code for code, fid in FIELD_CODES[kind].items()}
    return {h: code_of_field[header_field(h, kind, False)] for h in headers}


LICENCE_FIELD_CODES: dict[str, str] = {
    **_codes_by_header("licence", LICENCE_HEADERS),
    "行政区划编码": "DFBM",
    "信息使用范围": "XK_SYFW",
    ITEM_HEADER: "XK_SXBM",
    "状态变更日期": "XK_ZTBGRQ",
    "状态变更原因": "XK_ZTBGYY",
}
PENALTY_FIELD_CODES: dict[str, str] = {
    **_codes_by_header("penalty", PENALTY_HEADERS),
    "当前状态": "CF_ZT",
    "行政区划编码": "DFBM",
    "信息使用范围": "CF_SYFW",
    ITEM_HEADER: "CF_SXBM",
    "状态变更日期": "CF_ZTBGRQ",
    "状态变更原因": "CF_ZTBGYY",
}
HEADER_CODES = {"licence": LICENCE_FIELD_CODES, "penalty": PENALTY_FIELD_CODES}
_HEADER_BY_CODE.update(
    {
        kind: {code: normalise_header(header) for header, code in codes.items()}
        for kind, codes in HEADER_CODES.items()
    }
)


_KIND_ONLY_CODES = {
    kind: frozenset(c for c in codes.values() if c[:3] in ("XK_", "CF_"))
    for kind, codes in HEADER_CODES.items()
}

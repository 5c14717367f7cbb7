"""The fields the national standard requires of one record (domain.md §2.2, "M" and "C" marks), for
the completeness measure of the assessment (方案 §六(四)): a record counts only the fields the
standard requires *of it* — the party's codes only for organisations, the ID type only for natural
persons, 有效期至 not for a 长期 licence, the fine only when 罚款 is among the categories, and so on.
Fields the projection fills from the registry (机关, 数据来源单位 and their credit codes, 当前状态)
cannot be missing and are left out, so the share says something about the clerks' work.
"""

from __future__ import annotations

from collections.abc import Callable

from gongshi.core.identifiers import USCC_PLACEHOLDER
from gongshi.core.records import Record

Getter = Callable[[Record], object]
Applies = Callable[[Record], bool]


def _party(key: str) -> Getter:
    return lambda r: r.party.get(key)


def _data(key: str) -> Getter:
    return lambda r: r.data.get(key)


def _always(r: Record) -> bool:
    return True


def _organisation(r: Record) -> bool:
    return not r.is_natural_person


def _person(r: Record) -> bool:
    return r.is_natural_person


def _placeholder_uscc(r: Record) -> bool:
    # 个体工商户 without a credit code write 17 zeros and X; then 工商注册号 becomes required.
    return not r.is_natural_person and r.party.get("uscc") == USCC_PLACEHOLDER


def _has_category(*names: str) -> Applies:
    return lambda r: any(c in names for c in r.categories)


def _id_number(r: Record) -> object:
    return r.party.get("id_no_masked") or r.party.get("id_no_sealed")


# Penalties that last for a period: only they have a 处罚有效期 to fill (a warning or a fine has none).
TIMED_CATEGORIES = ("暂扣许可证件", "限制开展生产经营活动", "责令停产停业", "限制从业", "行政拘留")

PARTY_FIELDS: tuple[tuple[str, Getter, Applies], ...] = (
    ("行政相对人名称", _party("name"), _always),
    ("行政相对人类别", _party("category"), _always),
    ("行政相对人代码_1（统一社会信用代码）", _party("uscc"), _organisation),
    ("行政相对人代码_2（工商注册号）", _party("business_reg_no"), _placeholder_uscc),
    ("法定代表人", _party("legal_rep"), _organisation),
    ("证件类型", _party("id_type"), _person),
    ("证件号码", _id_number, _person),
)

REQUIRED_FIELDS: dict[str, tuple[tuple[str, Getter, Applies], ...]] = {
    "licence": (
        *PARTY_FIELDS,
        ("行政许可决定文书名称", _data("doc_title"), _always),
        ("行政许可决定文书号", _data("doc_no"), _always),
        ("许可类别", _data("category"), _always),
        ("许可内容", _data("content"), _always),
        ("许可决定日期", _data("decision_date"), _always),
        ("有效期自", _data("valid_from"), _always),
        # 有效期至: a 长期 licence has none (blank is how the record says 长期), so it never counts.
    ),
    "penalty": (
        *PARTY_FIELDS,
        ("行政处罚决定书文号", _data("doc_no"), _always),
        ("违法行为类型", _data("violation_type"), _always),
        ("违法事实", _data("facts"), _always),
        ("处罚依据", _data("basis"), _always),
        ("处罚类别", _data("categories"), _always),
        ("处罚内容", _data("content"), _always),
        ("罚款金额（万元）", _data("fine_yuan"), _has_category("罚款")),
        (
            "没收违法所得、没收非法财物的金额（万元）",
            _data("confiscation_yuan"),
            _has_category("没收违法所得", "没收非法财物"),
        ),
        (
            "暂扣或吊销证照名称及编号",
            _data("licence_affected"),
            _has_category("暂扣许可证件", "吊销许可证件"),
        ),
        ("处罚决定日期", _data("decision_date"), _always),
        ("处罚有效期", _data("valid_until"), _has_category(*TIMED_CATEGORIES)),
    ),
}


def is_filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return bool(str(value).strip())


def required_counts(record: Record) -> tuple[int, int]:
    """(fields the standard requires of this record, how many of them it fills). A 国家秘密 stub
    holds none of them by law: (0, 0)."""
    fields = None if record.is_secret_stub else REQUIRED_FIELDS.get(record.kind)
    if not fields:
        return 0, 0
    applicable = filled = 0
    for _name, get, applies in fields:
        if applies is _always or applies(record):  # most fields always apply: spare the call
            applicable += 1
            value = get(record)
            if value.strip() if isinstance(value, str) else is_filled(value):
                filled += 1
    return applicable, filled


def missing_fields(record: Record) -> list[str]:
    """The names of the required fields this record leaves empty (for the tests and messages)."""
    fields = None if record.is_secret_stub else REQUIRED_FIELDS.get(record.kind)
    return [name for name, get, applies in fields or () if applies(record) and not is_filled(get(record))]

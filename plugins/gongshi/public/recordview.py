"""What the site shows of one record: the ONE place that turns a record's public projection
(``public.record.PublicRecord``) into the fields of its page.

Templates never see a ``Record``; they get the plain views built here from the projection, so what
can reach a page is decided (and reviewed) in ``public.record`` and here only:

* natural persons' names (current and past) are masked in every field, personal numbers redacted
  (``public.record``);
* no identity number is ever shown: not the natural person's, not the legal representative's, not
  even masked;
* a withdrawal notice carries only 文号, 机关, 状态, 日期 and 原因 (no party, no facts);
* a record's change history is made from its structured data only (publication, corrections,
  status changes), never from commit subjects, and links nowhere into the data repository (which
  is internal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gongshi.core.records import PARTY_CODE_KEYS, with_other
from gongshi.core.timeline import Timeline
from gongshi.public.record import PublicRecord
from gongshi.rules.workdays import PROVISIONAL_LABEL

# Party codes (行政相对人代码_1..6) in the national standard's order, with their labels.
PARTY_CODES = tuple(
    zip(
        PARTY_CODE_KEYS,
        (
            "统一社会信用代码",
            "工商注册号",
            "组织机构代码",
            "税务登记号",
            "事业单位证书号",
            "社会组织登记证号",
        ),
        strict=True,
    )
)
CHANGE_ACTION = {"A": "新增", "M": "修改", "D": "删除"}  # a commit's kind of change (no subject)
PUBLISHED_EVENT = "公示"
CORRECTED_EVENT = "更正"
LONG_TERM = "长期"
OTHER_FORM = "{}（{}）"  # 其他（责令改正）: a category 其他 with its specific kind

# A deadline counted in a year whose holiday arrangement (调休) the State Council has not published yet.
PROVISIONAL_NOTE = f"{PROVISIONAL_LABEL}：该年节假日安排尚未公布，按法定节假日推算"


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class HistoryRow:
    """One event of a record's public change history: its date, what happened (公示, 更正, or the
    new status: 撤销, 变更, 注销, 失效, 已修复) and the published reason."""

    date: str
    event: str
    detail: str


def iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def yuan(amount: Decimal | None) -> str:
    """An amount in yuan as written on the page: ``5,000`` / ``1,234.50`` 元."""
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def yuan_text(amount: Decimal | None) -> str:
    """An amount with its unit, as a reader expects it: ``210,000 元`` (empty when absent)."""
    return f"{yuan(amount)} 元" if amount is not None else ""


def party_fields(pr: PublicRecord) -> list[Field]:
    out = [Field("行政相对人名称", pr.party_name), Field("行政相对人类别", pr.party_category)]
    if pr.is_natural_person:
        # The type of document only; its number is never published (not even masked).
        if pr.id_type:
            out.append(Field("证件类型", pr.id_type))
        return out
    for key, label in PARTY_CODES:
        value = pr.party_code(key)
        if value:
            out.append(Field(label, value))
    if pr.legal_rep:
        out.append(Field("法定代表人", pr.legal_rep))
    # legal_rep_id_type is never shown: a legal representative's ID fields stay internal.
    return out


def decision_fields(pr: PublicRecord) -> list[Field]:
    """The decision's public fields, in the national standard's order, with Chinese labels."""
    authority_name = pr.authority.name
    out: list[Field] = []
    if pr.kind == "licence":
        out += [
            Field("行政许可决定文书名称", pr.doc_title),
            Field("行政许可决定文书号", pr.doc_no),
            Field("许可类别", with_other(pr.category, pr.category_other, OTHER_FORM)),
            Field("许可证书名称", pr.certificate_name),
            Field("许可编号", pr.licence_no),
            Field("许可内容", pr.content),
            Field("许可决定日期", pr.decision_date),
            Field("有效期自", pr.valid_from),
            Field("有效期至", pr.valid_to or LONG_TERM),
            Field("许可机关", authority_name),
        ]
    else:
        cats = "、".join(with_other(c, pr.category_other, OTHER_FORM) for c in pr.categories)
        out += [
            Field("行政处罚决定书文号", pr.doc_no),
            Field("违法行为类型", pr.violation_type),
            Field("违法事实", pr.facts),
            Field("处罚依据", pr.basis),
            Field("处罚类别", cats),
            Field("处罚内容", pr.content),
            Field("罚款金额", yuan_text(pr.fine_yuan)),
            Field("没收违法所得、没收非法财物的金额", yuan_text(pr.confiscation_yuan)),
            Field("暂扣或吊销证照名称及编号", pr.licence_affected),
            Field("处罚决定日期", pr.decision_date),
            Field("处罚有效期", pr.valid_until),
            Field("处罚机关", authority_name),
        ]
    out.append(Field("目录事项", pr.item_name or pr.item_code))
    if pr.source_unit.name and pr.source_unit.name != authority_name:
        out.append(Field("数据来源单位", pr.source_unit.name))
    # 方案 §四(二): every record publishes 当前状态 and 行政区划编码.
    out.append(Field("当前状态", pr.status))
    if pr.region_code:
        out.append(Field("行政区划编码", pr.region_code))
    if pr.remarks:
        out.append(Field("备注", pr.remarks))
    return [f for f in out if f.value]


def timeline_fields(t: Timeline) -> list[Field]:
    """Deadline, published (on time / late / 补录), listed until, findable until (the decision date
    and the state are shown elsewhere on the page)."""
    deadline = iso(t.deadline) + (f"（{PROVISIONAL_NOTE}）" if t.deadline_provisional else "")
    out = [Field("应公示截止日", deadline)]
    if t.published_at is not None:
        out.append(Field("公示日期", iso(t.published_at) + ("（预览，尚未提交）" if t.preview else "")))
    out.append(Field("是否按时", timeliness(t)))
    if t.list_until is not None:
        out.append(Field("滚动公示至", iso(t.list_until)))
    if t.disclosure_until is not None:
        out.append(Field("查询公示至", iso(t.disclosure_until)))
    return out


def timeliness(t: Timeline) -> str:
    if t.backfilled:
        return "补录（平台上线前作出的决定）"
    if t.on_time is None:
        return "未公示"
    if t.on_time:
        return "按时公示"
    return f"逾期 {t.delay_workdays} 个工作日"


def history_rows(pr: PublicRecord, t: Timeline) -> list[HistoryRow]:
    """A record's public change history, oldest first, from its structured data only: the first
    publication, each ``corrections`` entry (更正, or 更正（实质）/更正（形式） when the entry states its
    nature), the status change (withdrawal or credit repair).
    The same rows on the record page and in the JSON API."""
    rows = []
    if t.published_at is not None and not t.preview:
        rows.append((iso(t.published_at), 0, HistoryRow(iso(t.published_at), PUBLISHED_EVENT, "")))
    for c in pr.corrections:
        event = f"{CORRECTED_EVENT}（{c.nature}）" if c.nature else CORRECTED_EVENT
        rows.append((c.date, 1, HistoryRow(c.date, event, c.reason)))
    if not pr.is_active and pr.status_date:
        rows.append((pr.status_date, 2, HistoryRow(pr.status_date, pr.status, pr.status_reason)))
    return [row for *_, row in sorted(rows, key=lambda x: (x[0], x[1]))]


def notice_fields(pr: PublicRecord) -> list[Field]:
    """A withdrawal notice: 文号, 机关, 状态, 日期, 原因 — nothing that names or describes the party."""
    return [
        Field("决定书文号", pr.doc_no),
        Field("决定机关", pr.authority.name),
        Field("当前状态", pr.status),
        Field("状态变更日期", pr.status_date),
        Field("原因", pr.status_reason),
    ]

"""What the site shows of one record: the ONE place that turns a record into public text.

Templates never see a ``Record``; they get the plain views built here, so what can reach a page is
decided (and reviewed) in this module only:

* a natural person's name is masked, also where it appears inside free text (the rule and its
  functions are in ``masking``, shared with search, exports, the JSON API and feeds);
* no identity number is ever shown: not the natural person's (``party.id_no_masked``), not the legal
  representative's (the repository may not even hold it), not even masked;
* a withdrawal notice carries only 文号, 机关, 状态, 日期 and 原因 (no party, no facts);
* commit subjects are shown with every natural person's name of the repository masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from gongshi.core.identifiers import USCC_PLACEHOLDER
from gongshi.core.records import PARTY_CODE_KEYS, Record, parse_date, with_other
from gongshi.core.timeline import Timeline
from gongshi.history.log import HISTORY_LIMIT
from gongshi.public.masking import NameMasker, public_party_name, public_text

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
CHANGE_ACTION = {"A": "新增", "M": "修改", "D": "删除"}
LONG_TERM = "长期"
OTHER_FORM = "{}（{}）"  # 其他（责令改正）: a category 其他 with its specific kind


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class HistoryRow:
    date: str
    sha: str
    short_sha: str
    subject: str
    action: str
    url: str  # commit URL in the Git host, or ""


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


def party_fields(record: Record) -> list[Field]:
    p = record.party
    out = [Field("行政相对人名称", public_party_name(record)), Field("行政相对人类别", record.party_category)]
    if record.is_natural_person:
        # The type of document only; its number is never published (not even masked).
        if p.get("id_type"):
            out.append(Field("证件类型", str(p["id_type"])))
        return out
    for key, label in PARTY_CODES:
        value = str(p.get(key, "") or "").strip()
        if value and value != USCC_PLACEHOLDER:
            out.append(Field(label, value))
    if p.get("legal_rep"):
        out.append(Field("法定代表人", str(p["legal_rep"])))
    # legal_rep_id_type is never shown: a legal representative's ID fields stay internal.
    return out


def decision_fields(record: Record, item_name: str, authority_name: str, source_name: str) -> list[Field]:
    """The decision's public fields, in the national standard's order, with Chinese labels."""
    d = record.data
    t = lambda key: public_text(record, d.get(key))  # noqa: E731 - local shorthand
    out: list[Field] = []
    if record.kind == "licence":
        out += [
            Field("行政许可决定文书名称", t("doc_title")),
            Field("行政许可决定文书号", record.doc_no),
            Field("许可类别", with_other(str(d.get("category", "")), d.get("category_other"), OTHER_FORM)),
            Field("许可证书名称", t("certificate_name")),
            Field("许可编号", str(d.get("licence_no", "") or "")),
            Field("许可内容", t("content")),
            Field("许可决定日期", iso(record.decision_date)),
            Field("有效期自", iso(parse_date(d.get("valid_from")))),
            Field("有效期至", iso(record.valid_to) or LONG_TERM),
            Field("许可机关", authority_name),
        ]
    else:
        cats = "、".join(with_other(c, d.get("category_other"), OTHER_FORM) for c in record.categories)
        out += [
            Field("行政处罚决定书文号", record.doc_no),
            Field("违法行为类型", t("violation_type")),
            Field("违法事实", t("facts")),
            Field("处罚依据", t("basis")),
            Field("处罚类别", cats),
            Field("处罚内容", t("content")),
            Field("罚款金额", yuan_text(record.fine_yuan)),
            Field("没收违法所得、没收非法财物的金额", yuan_text(record.confiscation_yuan)),
            Field("暂扣或吊销证照名称及编号", t("licence_affected")),
            Field("处罚决定日期", iso(record.decision_date)),
            Field("处罚有效期", iso(record.valid_until)),
            Field("处罚机关", authority_name),
        ]
    out.append(Field("目录事项", item_name or record.item))
    if source_name and source_name != authority_name:
        out.append(Field("数据来源单位", source_name))
    if d.get("region_code"):
        out.append(Field("行政区划编码", str(d["region_code"])))
    if d.get("remarks"):
        out.append(Field("备注", t("remarks")))
    return [f for f in out if f.value]


def timeline_fields(t: Timeline) -> list[Field]:
    """Deadline, published (on time / late / 补录), listed until, findable until (the decision date
    and the state are shown elsewhere on the page)."""
    deadline = iso(t.deadline) + ("（按临时日历计算）" if t.deadline_provisional else "")
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


def history_rows(changes, repo_url: str, mask: NameMasker) -> list[HistoryRow]:
    base = repo_url.rstrip("/")
    rows = []
    for c in changes[:HISTORY_LIMIT]:
        rows.append(
            HistoryRow(
                date=c.date.isoformat(),
                sha=c.sha,
                short_sha=c.sha[:7],
                subject=mask(c.subject),
                action=CHANGE_ACTION.get(c.status, c.status),
                url=f"{base}/commit/{c.sha}" if base else "",
            )
        )
    return rows


def notice_fields(record: Record, authority_name: str) -> list[Field]:
    """A withdrawal notice: 文号, 机关, 状态, 日期, 原因 — nothing that names or describes the party."""
    return [
        Field("决定书文号", record.doc_no),
        Field("决定机关", authority_name),
        Field("当前状态", record.status),
        Field("状态变更日期", iso(record.status_date)),
        Field("原因", public_text(record, record.status_reason)),
    ]

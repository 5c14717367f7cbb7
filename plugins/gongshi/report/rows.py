"""A collected record as one report row: the full record (full names, unsealed ID numbers, withheld
content), read from the internal snapshot, never from the public projection.

Every record is reported except 国家秘密 stubs (nothing is collected of them). A withheld record
(简易程序 included) and a published one later taken out of public view carry ``信息使用范围 =
仅政府部门内部共享``; a withdrawn, changed or repaired one its 当前状态 and why in 备注. Every row is
the whole record, so a receiver can match a change by 记录编号 and update it in place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gongshi.core.records import ACTIVE_STATUS, PARTY_CODE_KEYS, Record, parse_date, with_other
from gongshi.core.sealed import SealError, unseal
from gongshi.outputs.exports import CATEGORY_SEPARATOR, format_date, wan_yuan
from gongshi.report import columns as col
from gongshi.sheets.national_standard import PARTY_HEADERS

if TYPE_CHECKING:
    from pyrage import x25519

    from gongshi.snapshot.build import Entry, Snapshot

DIGEST_FORMAT = "gongshi-report-row/1"


@dataclass
class Unsealer:
    """Opens sealed ID numbers with the credit office's identities (none: every number stays blank
    and is counted, so the command can warn)."""

    identities: Sequence[x25519.Identity] = ()
    blank: int = 0  # sealed numbers left blank for want of an identity
    failures: list[str] = field(default_factory=list)  # record ids whose number did not open

    def open(self, record: Record, sealed: object) -> str:
        if not isinstance(sealed, str) or not sealed.strip():
            return ""
        if not self.identities:
            self.blank += 1
            return ""
        try:
            return unseal(sealed, self.identities)
        except SealError:
            self.failures.append(record.id)
            return ""


def long_term_text(snapshot: Snapshot) -> str:
    """How the receiving template writes 长期 (``reporting.long_term`` of the policy; blank default)."""
    reporting = snapshot.registry.policy.get("reporting")
    value = reporting.get("long_term") if isinstance(reporting, dict) else None
    return format_date(parse_date(value)) if value else ""


def is_reported(entry: Entry) -> bool:
    """Every collected record: all but 国家秘密 stubs."""
    return not entry.record.is_secret_stub


def usage_scope(record: Record) -> tuple[str, str]:
    """(信息使用范围, 不公开原因): withheld by its own disclosure block or taken out of view by a
    marked correction → internal only."""
    if not record.is_public:
        return col.USAGE_INTERNAL, record.withheld_reason or ""
    if record.unpublished_on is not None:
        marked = [c for c in record.corrections if c.get("unpublish") is True]
        return col.USAGE_INTERNAL, str(marked[-1].get("reason", "")) if marked else ""
    return col.USAGE_PUBLIC, ""


def report_row(entry: Entry, snapshot: Snapshot, unsealer: Unsealer, long_term: str = "") -> dict[str, str]:
    """The report row of ``entry`` keyed by the columns' Chinese names (``columns.NAMES``), with its
    content digest; 上报类型 and 上报批次 are filled by the batch."""
    r = entry.record
    d = r.data
    party = r.party
    kind = r.kind
    row = dict.fromkeys(col.NAMES[kind], "")
    natural = r.is_natural_person
    row["行政相对人名称"] = r.party_name
    row["行政相对人类别"] = r.party_category
    for i, key in enumerate(PARTY_CODE_KEYS, start=1):  # 行政相对人代码_1..6
        row[PARTY_HEADERS[1 + i]] = str(party.get(key) or "")
    row["法定代表人"] = str(party.get("legal_rep") or "")
    row["法定代表人证件类型"] = str(party.get("legal_rep_id_type") or "")
    row["法定代表人证件号码"] = unsealer.open(r, party.get("legal_rep_id_no_sealed"))
    if natural or party.get("id_type"):
        row["证件类型"] = str(party.get("id_type") or "")
        row["证件号码"] = unsealer.open(r, party.get("id_no_sealed"))
    decided = format_date(r.decision_date)
    authority = (entry.authority_name, entry.authority_uscc)
    if kind == "licence":
        valid_to = parse_date(d.get("valid_to"))
        row.update(
            {
                "行政许可决定文书名称": str(d.get("doc_title") or ""),
                "行政许可决定文书号": r.doc_no,
                "许可类别": with_other(str(d.get("category") or ""), d.get("category_other")),
                "许可证书名称": str(d.get("certificate_name") or ""),
                "许可编号": str(d.get("licence_no") or ""),
                "许可内容": str(d.get("content") or ""),
                "许可决定日期": decided,
                "有效期自": format_date(parse_date(d.get("valid_from"))),
                "有效期至": format_date(valid_to) if valid_to else long_term,
                "许可机关": authority[0],
                "许可机关统一社会信用代码": authority[1],
            }
        )
    else:
        categories = CATEGORY_SEPARATOR.join(with_other(c, d.get("category_other")) for c in r.categories)
        row.update(
            {
                "行政处罚决定书文号": r.doc_no,
                "违法行为类型": str(d.get("violation_type") or ""),
                "违法事实": str(d.get("facts") or ""),
                "处罚依据": str(d.get("basis") or ""),
                "处罚类别": categories,
                "处罚内容": str(d.get("content") or ""),
                "罚款金额（万元）": wan_yuan(r.fine_yuan),
                "没收违法所得、没收非法财物的金额（万元）": wan_yuan(r.confiscation_yuan),
                "暂扣或吊销证照名称及编号": str(d.get("licence_affected") or ""),
                "处罚决定日期": decided,
                "处罚有效期": format_date(r.valid_until),
                "公示截止期": format_date(entry.timeline.disclosure_until),
                "处罚机关": authority[0],
                "处罚机关统一社会信用代码": authority[1],
            }
        )
    row[col.STATUS] = r.status
    source = snapshot.registry.departments.get(r.source_unit)
    if source is not None:
        row["数据来源单位"] = source.name_on(r.decision_date)
        row["数据来源单位统一社会信用代码"] = source.uscc_on(r.decision_date)
    else:
        row["数据来源单位"] = r.source_unit
    row["备注"] = str(d.get("remarks") or "")
    if r.status != ACTIVE_STATUS:
        row[col.STATUS_DATE] = format_date(r.status_date)
        row[col.STATUS_REASON] = r.status_reason
    row[col.REGION] = str(d.get("region_code") or entry.department.region_code or "")
    row[col.USAGE_SCOPE], row[col.WITHHELD_REASON] = usage_scope(r)
    row[col.ITEM] = r.item
    row[col.RECORD_ID] = r.id
    row[col.CONTENT_DIGEST] = row_digest(row, r)
    return row


def row_digest(row: dict[str, str], record: Record) -> str:
    """What the ledger keeps of a row: a digest of every column but how it was sent, with the ID
    numbers replaced by their sealed text (a ledger in the repository must not make a full number
    guessable by trying digests; a re-sealed number counts as a change and is sent again). One
    BLAKE2b over the NUL-joined names and values (one hash call per row: 100,000 rows in a second)."""
    parts = [DIGEST_FORMAT, record.kind]
    for name, value in row.items():
        if name in col.NOT_DIGESTED:
            continue
        if name in col.ID_NUMBERS:
            key = "legal_rep_id_no_sealed" if name == "法定代表人证件号码" else "id_no_sealed"
            value = f"{bool(value)}:{record.party.get(key) or ''}"
        parts += [name, value]
    joined = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=16).hexdigest()

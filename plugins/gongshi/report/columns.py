"""The report's columns: the national standard's (28 licence, 30 penalty) in its order, then the
columns a receiving system needs to match and update a record. Each has a Chinese name and a field
code (``sheets.national_standard.HEADER_CODES``); ``--headers`` picks which one heads the column.
"""

from __future__ import annotations

from gongshi.sheets.national_standard import HEADER_CODES, ITEM_HEADER, LICENCE_HEADERS, PENALTY_HEADERS

STATUS = "当前状态"
STATUS_DATE = "状态变更日期"
STATUS_REASON = "状态变更原因"
REGION = "行政区划编码"
USAGE_SCOPE = "信息使用范围"
# Our own columns (not in the standard; codes with the ``GS_`` prefix say so).
WITHHELD_REASON = "不公开原因"
RECORD_ID = "记录编号"  # the record's id in the repository: the key a receiver upserts by
CONTENT_DIGEST = "内容摘要"  # what the ledger keeps of a row (docs/reporting.md)
CHANGE = "上报类型"  # 新增: never sent before; 更新: sent before, content changed
BATCH = "上报批次"

OWN_CODES = {
    WITHHELD_REASON: "GS_BGKYY",
    RECORD_ID: "GS_JLBH",
    CONTENT_DIGEST: "GS_NRZY",
    CHANGE: "GS_SBLX",
    BATCH: "GS_SBPC",
}
ITEM = ITEM_HEADER  # the catalog item code (the importer needs it to place the record)
EXTRA = (
    STATUS_DATE,
    STATUS_REASON,
    REGION,
    USAGE_SCOPE,
    ITEM,
    WITHHELD_REASON,
    RECORD_ID,
    CONTENT_DIGEST,
    CHANGE,
    BATCH,
)

NAMES: dict[str, tuple[str, ...]] = {
    "licence": (*LICENCE_HEADERS, *EXTRA),
    # The penalty standard has no 当前状态 column; the seed and the receiver need one.
    "penalty": (*PENALTY_HEADERS, STATUS, *EXTRA),
}
CODES: dict[str, dict[str, str]] = {
    kind: {name: HEADER_CODES[kind].get(name) or OWN_CODES[name] for name in names}
    for kind, names in NAMES.items()
}
# Columns left out of a row's content digest: they say how the row was sent, not what it holds.
NOT_DIGESTED = frozenset({CONTENT_DIGEST, CHANGE, BATCH})
# The full ID numbers (unsealed): digested through their sealed text, never in plain.
ID_NUMBERS = ("法定代表人证件号码", "证件号码")

HEADER_STYLES = ("names", "codes")
USAGE_PUBLIC = "社会公示"
USAGE_INTERNAL = "仅政府部门内部共享"
CHANGE_NEW = "新增"
CHANGE_UPDATE = "更新"


def headers(kind: str, style: str) -> tuple[str, ...]:
    """The column headings of ``kind`` in ``style`` (``names``: the standard's Chinese names,
    ``codes``: its field codes)."""
    if style == "codes":
        return tuple(CODES[kind][n] for n in NAMES[kind])
    return NAMES[kind]


def recode(row: dict[str, str], kind: str, style: str) -> dict[str, str]:
    """``row`` (keyed by Chinese names) keyed by the headings of ``style``."""
    if style == "names":
        return row
    codes = CODES[kind]
    return {codes[k]: v for k, v in row.items()}

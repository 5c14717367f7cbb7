"""What the time rules decide about one record on one day (data only; ``policy`` computes it).

All "until" dates are the *last* day inclusive: a record with ``list_until = D`` is on the rolling
list on D and off it on D + 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

# States of a record as of a date.
PENDING = "pending"  # not yet published (decided but not on main, or as-of before publication)
LISTED = "listed"  # on the 10-day rolling list
QUERY = "query"  # findable by search and archives
EXPIRED = "expired"  # its disclosure period is over
WITHHELD = "withheld"  # never published (secret, privacy, minor, 简易程序 ...)
WITHDRAWN = "withdrawn"  # revoked/changed/cancelled/invalid: a withdrawal notice only
REPAIRED = "repaired"  # 信用修复: publication ended early

STATES = (PENDING, LISTED, QUERY, EXPIRED, WITHHELD, WITHDRAWN, REPAIRED)
PUBLIC_STATES = (LISTED, QUERY)
STATE_LABEL = {
    PENDING: "待公示",
    LISTED: "滚动公示中",
    QUERY: "查询式公示",
    EXPIRED: "公示期满",
    WITHHELD: "不予公开",
    WITHDRAWN: "已撤回",
    REPAIRED: "已信用修复",
}


@dataclass(frozen=True)
class Timeline:
    record_id: str
    as_of: date
    decision_date: date
    deadline: date  # last day to publish (Nth working day after the decision)
    deadline_provisional: bool  # computed with weekends only: a calendar year is missing
    published_at: date | None  # China-time date of the main-branch commit that added it
    preview: bool  # not committed yet: published_at is the as-of date
    on_time: bool | None  # None when not published (or withheld)
    backfilled: bool  # decided before the platform started (补录): due on platform_start at the latest
    delay_workdays: int  # working days after the deadline (0 when on time)
    list_until: date | None  # last day on the rolling list
    disclosure_until: date | None  # last day findable (None: not published at all)
    withdrawn_on: date | None  # status change date for withdrawn/repaired records
    state: str
    regime: str  # e.g. "zhonglou-2016"
    rule: str  # Chinese sentence: which rule decided disclosure_until and the state
    # A verdict (deadline, delay, withdrawal due) counted in a year without a calendar file: 暂定.
    provisional: bool = False
    withheld_reason: str | None = None  # the one label of why it is not published (WITHHELD)
    withdrawal_due: date | None = None  # last day to withdraw it (status_date + 3 working days)
    withdrawal_published_at: date | None = None  # the day the withdrawal reached the site
    withdrawal_on_time: bool | None = None  # None: nothing to withdraw (never public before)
    withdrawal_delay_workdays: int = 0

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    def to_json(self) -> dict:
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, date):
                out[k] = v.isoformat()
        return out

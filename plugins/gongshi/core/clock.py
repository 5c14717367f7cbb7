"""China time: every date the system computes is a date in Asia/Shanghai, whatever the machine's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# China has had no daylight saving since 1991; a fixed offset avoids depending on tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def today_in_china(now: datetime | None = None) -> date:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return now.astimezone(CHINA_TZ).date()


def parse_as_of(value: str | None) -> date:
    """``--as-of`` option value (ISO date) or today in China; raises ValueError with a Chinese message."""
    if value is None or value == "":
        return today_in_china()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"日期 “{value}” 无效，请写成 YYYY-MM-DD，例如 2026-03-05。") from None

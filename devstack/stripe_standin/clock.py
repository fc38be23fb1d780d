"""Time for the stand-in: the current Unix second (real time; `Account.now()` adds the clock's
offset) and calendar-month billing periods."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime


def now() -> int:
    return int(time.time())


def add_interval(anchor: int, interval: str, count: int, times: int = 1) -> int:
    """`anchor` moved forward by `times` billing intervals (day, week, month or year). Months
    count as Stripe counts them: an anchor on the 31st renews on the last day of shorter months
    and returns to the 31st when the month allows."""
    if interval == "day":
        return anchor + 86400 * count * times
    if interval == "week":
        return anchor + 7 * 86400 * count * times
    months = count * times * (12 if interval == "year" else 1)
    start = datetime.fromtimestamp(anchor, UTC)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def period_containing(anchor: int, interval: str, count: int, at: int) -> tuple[int, int]:
    """The billing period, counted from `anchor`, that contains the moment `at`."""
    index = 0
    start = anchor
    end = add_interval(anchor, interval, count, 1)
    while end <= at:
        index += 1
        start, end = end, add_interval(anchor, interval, count, index + 1)
    return start, end


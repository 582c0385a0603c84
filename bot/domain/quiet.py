"""Quiet hours: no DM in the evening, at night or at the weekend, in the member's own time.

A delivery that falls inside quiet hours waits for the next allowed minute, unless the
member asked for that time explicitly ("every Saturday at 10am" means Saturday).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["DAY_STARTS", "DAY_ENDS", "is_quiet", "next_allowed", "delivery_time"]

DAY_STARTS = time(8, 0)
DAY_ENDS = time(19, 0)
WORKDAYS = range(0, 5)  # Monday to Friday


def is_quiet(at: datetime, tz: ZoneInfo) -> bool:
    """Whether ``at`` falls in the member's quiet hours (19:00–08:00, Saturday, Sunday).

    >>> from datetime import UTC
    >>> is_quiet(datetime(2026, 12, 5, 12, 0, tzinfo=UTC), ZoneInfo("Europe/London"))  # Sat
    True
    """
    local = at.astimezone(tz)
    return local.weekday() not in WORKDAYS or not DAY_STARTS <= local.time() < DAY_ENDS


def next_allowed(at: datetime, tz: ZoneInfo) -> datetime:
    """``at`` itself if allowed, else the next 08:00 on a weekday, in the member's time zone.

    >>> from datetime import UTC
    >>> next_allowed(datetime(2026, 12, 4, 20, 0, tzinfo=UTC), ZoneInfo("Europe/London"))
    datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.timezone.utc)
    """
    if not is_quiet(at, tz):
        return at
    local = at.astimezone(tz)
    day = local.date()
    if local.time() >= DAY_STARTS:
        day += timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day += timedelta(days=1)
    return datetime.combine(day, DAY_STARTS, tzinfo=tz).astimezone(at.tzinfo)


def delivery_time(due: datetime, tz: ZoneInfo, *, explicit: bool) -> datetime:
    """When a DM due at ``due`` should go: as asked if the time was explicit, else not in
    quiet hours."""
    return due if explicit else next_allowed(due, tz)

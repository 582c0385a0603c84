"""Quiet hours: no DM in the evening, at night or at the weekend, in the member's own time.

A delivery that falls inside quiet hours waits for the next allowed minute, unless the
member asked for that time explicitly ("every Saturday at 10am" means Saturday, and a
snooze is the member's own choice of time). A move never carries a reminder into the
next month: one due on a month's last days, at the weekend, comes on the Friday before.
Every move has its reason, for the reply to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import FULL_DAY_NAMES, WORKDAYS
from bot.domain.dates import format_date

__all__ = [
    "DAY_STARTS",
    "DAY_ENDS",
    "Planned",
    "is_quiet",
    "next_allowed",
    "delivery_time",
    "plan_delivery",
]

DAY_STARTS = time(8, 0)
DAY_ENDS = time(19, 0)


@dataclass(frozen=True)
class Planned:
    """When a DM goes, and why it is not when it was due (``reason`` empty if it is)."""

    at: datetime
    reason: str = ""


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


def plan_delivery(
    due: datetime, tz: ZoneInfo, *, explicit: bool, now: datetime | None = None
) -> Planned:
    """When a DM due at ``due`` goes, and why it moved: as asked if the time was explicit,
    else out of quiet hours, never into the next month (then the working day before).

    >>> from datetime import UTC
    >>> saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    >>> plan_delivery(saturday, ZoneInfo("Europe/London"), explicit=False).reason
    'Saturday is outside your working days (Monday to Friday, 08:00 to 19:00)'
    """
    if explicit or not is_quiet(due, tz):
        return Planned(due)
    local = due.astimezone(tz)
    if local.weekday() not in WORKDAYS:
        why = f"{FULL_DAY_NAMES[local.weekday()]} is outside your working days"
    elif local.time() < DAY_STARTS:
        why = f"{local:%H:%M} is before your working day"
    else:
        why = f"{local:%H:%M} is after your working day"
    why += " (Monday to Friday, 08:00 to 19:00)"
    later = next_allowed(due, tz)
    if later.astimezone(tz).month != local.month:
        earlier = _working_day_before(local, tz)
        if earlier is not None and (now is None or earlier > now):
            return Planned(earlier, f"{why}; moved back to stay in {local:%B}")
    return Planned(later, why)


def delivery_time(due: datetime, tz: ZoneInfo, *, explicit: bool) -> datetime:
    """When a DM due at ``due`` should go: as asked if the time was explicit, else not in
    quiet hours (see :func:`plan_delivery`, which also says why)."""
    return plan_delivery(due, tz, explicit=explicit).at


def _working_day_before(local: datetime, tz: ZoneInfo) -> datetime | None:
    """The same time (within working hours) on the last working day before ``local``."""
    at = min(max(local.time(), DAY_STARTS), time(DAY_ENDS.hour - 1, 0))
    day = local.date() - timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day -= timedelta(days=1)
    if day.month != local.month:
        return None
    return datetime.combine(day, at, tzinfo=tz).astimezone(local.tzinfo)


def describe_move(planned: Planned, tz: ZoneInfo) -> str:
    """ "Mon 7 Dec 2026 at 08:00, as Saturday is outside your working days …"."""
    local = planned.at.astimezone(tz)
    return f"{format_date(local.date())} at {local:%H:%M}, as {planned.reason}"

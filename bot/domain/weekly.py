"""Once-a-week posts: when one is due, which week a moment is in. Pure: no Slack, no SQL.

The weekly digest and the steering group's Monday review are both weekly posts: a
weekday and a local time in the network's zone, posted once per ISO week (the delivery
key names the week), caught up at start-up while the week has not ended.

>>> schedule = WeeklySchedule("fri", time(16, 0))
>>> scheduled_in_week(datetime(2026, 12, 1, 10, tzinfo=UTC), schedule, ZoneInfo("Europe/London"))
datetime.datetime(2026, 12, 4, 16, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.calendar import CRON_DAYS, WEEKDAY_WORDS
from bot.domain.dates import TIME_EXAMPLE, read_time
from bot.domain.errors import ParseError

__all__ = [
    "WEEKDAYS",
    "WeeklySchedule",
    "weekly_trigger",
    "scheduled_in_week",
    "iso_week",
    "week_end",
]

WEEKDAYS = CRON_DAYS  # the one table of day names: bot/domain/calendar.py


@dataclass(frozen=True)
class WeeklySchedule:
    """When a weekly post goes out: a weekday name (``fri``) and a local time."""

    weekday: str
    at: time

    @classmethod
    def parse(cls, text: str) -> WeeklySchedule:
        """Read a weekday and a time, as ``/nudge`` reads them: ``fri 16:00``, ``Friday 4pm``.

        >>> WeeklySchedule.parse("fri 16:00"), WeeklySchedule.parse("Fridays at 4pm").at
        (WeeklySchedule(weekday='fri', at=datetime.time(16, 0)), datetime.time(16, 0))
        """
        day_word, _, rest = (text or "").strip().partition(" ")
        day = day_word.lower().removesuffix("s")
        if day not in WEEKDAY_WORDS:
            raise ValueError(f"expected a weekday and a time, like 'fri 16:00', not '{text}'")
        try:
            at = read_time(rest)
        except ParseError as err:
            raise ValueError(err.message) from None
        if at is None:
            raise ValueError(f"'{rest}' is not a time of day ({TIME_EXAMPLE})")
        return cls(CRON_DAYS[WEEKDAY_WORDS[day]], at)

    def __str__(self) -> str:
        return f"{self.weekday} {self.at:%H:%M}"


def weekly_trigger(schedule: WeeklySchedule, tz: ZoneInfo) -> CronTrigger:
    """The weekly trigger: day *names* (numbers mean other days in cron) and local time.

    >>> weekly_trigger(WeeklySchedule("fri", time(16, 0)), ZoneInfo("Europe/London"))
    <CronTrigger (day_of_week='fri', hour='16', minute='0', timezone='Europe/London')>
    """
    return CronTrigger(
        day_of_week=schedule.weekday, hour=schedule.at.hour, minute=schedule.at.minute, timezone=tz
    )


def scheduled_in_week(now: datetime, schedule: WeeklySchedule, tz: ZoneInfo) -> datetime:
    """When this (local, Monday-to-Sunday) week's post is due, in UTC."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=WEEKDAYS.index(schedule.weekday))
    return datetime.combine(day, schedule.at, tzinfo=tz).astimezone(UTC)


def iso_week(moment: datetime, tz: ZoneInfo) -> str:
    """The ISO week of ``moment`` in ``tz``: ``2026-W49``."""
    year, week, _ = moment.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def week_end(moment: datetime, tz: ZoneInfo) -> datetime:
    """The end of ``moment``'s local week (next Monday 00:00), in UTC."""
    local = moment.astimezone(tz)
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)

"""Once-a-week posts: when one is due, which week a moment is in, what a run does. Pure:
no Slack, no SQL.

The weekly digest, the steering group's Monday review and each workstream's Monday post
are weekly posts: a weekday and a local time in the network's zone, posted once per ISO
week (the delivery key names the week: :func:`weekly_key`). The rules, stated once in
:func:`plan_week`: a post missed while the bot was down is posted as soon as it runs
again if the (Monday-to-Sunday, local) week it was due in has not ended; one whose week
has ended is skipped, and recorded as skipped so it is never posted late.

>>> schedule = WeeklySchedule("fri", time(16, 0))
>>> scheduled_in_week(datetime(2026, 12, 1, 10, tzinfo=UTC), schedule, ZoneInfo("Europe/London"))
datetime.datetime(2026, 12, 4, 16, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.calendar import CRON_DAYS, WEEKDAY_WORDS
from bot.domain.dates import TIME_EXAMPLE, read_time
from bot.domain.errors import ParseError
from bot.domain.text import _ESCAPED_CHANNEL

__all__ = [
    "WEEKDAYS",
    "WeeklySchedule",
    "weekly_trigger",
    "scheduled_in_week",
    "iso_week",
    "week_end",
    "WeekPlan",
    "plan_week",
    "weekly_key",
    "MONDAY_9AM",
    "read_channel",
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


MONDAY_9AM = WeeklySchedule("mon", time(9, 0))
"""When the steering review and the workstream posts go out: Monday 09:00, local."""


@dataclass(frozen=True)
class WeekPlan:
    """What a weekly post's job does at one moment.

    ``week`` is the ISO week whose post is due (``due``, UTC); ``post`` says whether to post
    it now (due, or begun ahead of time by hand and so to be finished); ``skip`` is last
    week's, to be recorded as skipped if it was never posted.
    """

    week: str
    due: datetime
    post: bool
    skip: str


def plan_week(
    now: datetime, schedule: WeeklySchedule, tz: ZoneInfo, *, begun: bool = False
) -> WeekPlan:
    """The catch-up and skip policy: this week's post once it is due (however late in the
    week: missed while down, it is posted at start-up), last week's skipped.

    >>> london = ZoneInfo("Europe/London")
    >>> saturday, fri_4pm = datetime(2026, 12, 5, 11, tzinfo=UTC), WeeklySchedule("fri", time(16))
    >>> plan = plan_week(saturday, fri_4pm, london)
    >>> plan.week, plan.due.isoformat(), plan.post, plan.skip
    ('2026-W49', '2026-12-04T16:00:00+00:00', True, '2026-W48')
    >>> plan_week(datetime(2026, 12, 7, 8, tzinfo=UTC), MONDAY_9AM, london).post
    False
    """
    due = scheduled_in_week(now, schedule, tz)
    return WeekPlan(
        week=iso_week(due, tz),
        due=due,
        post=now >= due or begun,
        skip=iso_week(due - timedelta(days=7), tz),
    )


def weekly_key(kind: str, team_id: str, target: str, week: str) -> str:
    """The delivery key of one week's post: written before the send, so a restart, a retry
    or a second process never posts it twice.

    >>> weekly_key("digest", "T1", "C0NEWS", "2026-W49")
    'digest:T1:C0NEWS:2026-W49'
    """
    return f"{kind}:{team_id}:{target}:{week}"


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


_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


def read_channel(value: str, example: str) -> str:
    """The channel id of a weekly post's ``channel #c`` setting, picked from Slack's # list.

    >>> read_channel("<#C0STEER|steering>", "/action review settings channel #steering")
    'C0STEER'
    """
    value = (value or "").strip()
    match = _ESCAPED_CHANNEL.fullmatch(value)
    if match:
        return match[1]
    if _CHANNEL_ID.fullmatch(value):
        return value
    raise ParseError(
        f"Pick the channel from Slack's # list so it fills in the link (`{value}` isn't one)."
        if value
        else "Which channel? Pick it from Slack's # list.",
        example=example,
    )

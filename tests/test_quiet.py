"""Quiet hours, in the member's own time zone, pinned dates (Friday 4 December 2026)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.quiet import delivery_time, is_quiet, next_allowed

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "at, tz, expected",
    [
        (utc(2026, 12, 4, 10, 0), LONDON, utc(2026, 12, 4, 10, 0)),  # Friday morning: now
        (utc(2026, 12, 4, 18, 59), LONDON, utc(2026, 12, 4, 18, 59)),
        (utc(2026, 12, 4, 19, 0), LONDON, utc(2026, 12, 7, 8, 0)),  # Friday evening: Monday
        (utc(2026, 12, 5, 12, 0), LONDON, utc(2026, 12, 7, 8, 0)),  # Saturday: Monday
        (utc(2026, 12, 8, 6, 30), LONDON, utc(2026, 12, 8, 8, 0)),  # Tuesday dawn: 08:00
        (utc(2026, 12, 8, 23, 0), LONDON, utc(2026, 12, 9, 8, 0)),  # Tuesday night: Wednesday
        # 14:00 UTC on Friday is 09:00 in New York: allowed there
        (utc(2026, 12, 4, 14, 0), NEW_YORK, utc(2026, 12, 4, 14, 0)),
        # 01:00 UTC on Saturday is 20:00 on Friday in New York: Monday 08:00 New York = 13:00 UTC
        (utc(2026, 12, 5, 1, 0), NEW_YORK, utc(2026, 12, 7, 13, 0)),
        # across the clocks going forward: Sunday 29 March 2026, London -> Monday 08:00 BST
        (utc(2026, 3, 29, 9, 0), LONDON, utc(2026, 3, 30, 7, 0)),
    ],
)
def test_next_allowed(at, tz, expected):
    assert next_allowed(at, tz) == expected
    assert not is_quiet(next_allowed(at, tz), tz)


def test_an_explicit_time_is_kept_even_in_quiet_hours():
    saturday = utc(2026, 12, 5, 10, 0)
    assert delivery_time(saturday, LONDON, explicit=True) == saturday
    assert delivery_time(saturday, LONDON, explicit=False) == utc(2026, 12, 7, 8, 0)


# --- a moved time has its reason, and never crosses into the next month ---------------------

from bot.domain.nudges import Reminder, after_delivery  # noqa: E402
from bot.domain.quiet import plan_delivery  # noqa: E402
from bot.domain.when import parse_when  # noqa: E402


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    "due, moved_to, reason",
    [
        (local(2026, 12, 5, 9), local(2026, 12, 7, 8), "Saturday is outside your working days"),
        (local(2026, 12, 8, 19, 30), local(2026, 12, 9, 8), "19:30 is after your working day"),
        (local(2026, 12, 8, 7, 0), local(2026, 12, 8, 8), "07:00 is before your working day"),
        # Sunday 31 January 2027: Monday would be February, so the Friday before
        (local(2027, 1, 31, 9), local(2027, 1, 29, 9), "moved back to stay in January"),
        (local(2027, 10, 30, 9), local(2027, 10, 29, 9), "moved back to stay in October"),
    ],
)
def test_a_moved_time_says_why_and_stays_in_its_month(due, moved_to, reason):
    planned = plan_delivery(due, LONDON, explicit=False, now=local(2026, 12, 1, 10))
    assert planned.at == moved_to
    assert reason in planned.reason
    assert plan_delivery(due, LONDON, explicit=True).reason == ""  # a named time is kept


def test_a_month_end_reminder_never_slips_into_the_next_month():
    when = parse_when("every month on the last day", local(2027, 1, 4, 10), LONDON)
    reminder = Reminder(
        1, "T1", "U1", "me", "close the books", None, None, when.recurrence,
        "Europe/London", local(2026, 12, 31, 9), "active", local(2026, 12, 1),
        explicit_time=False,
    )  # fmt: skip
    following = after_delivery(reminder, local(2026, 12, 31, 9, 1))
    assert following == local(2027, 1, 29, 9)  # Friday: 31 January is a Sunday
    assert following.astimezone(LONDON).month == 1


def test_daily_without_a_time_comes_on_working_days_not_three_times_on_monday():
    when = parse_when("daily", local(2026, 12, 3, 10), LONDON)  # Thursday
    reminder = Reminder(
        1, "T1", "U1", "me", "stretch", None, None, when.recurrence, "Europe/London",
        local(2026, 12, 4, 9), "active", local(2026, 12, 3), explicit_time=False,
    )  # fmt: skip
    following = after_delivery(reminder, local(2026, 12, 4, 9, 1))  # after Friday's
    assert following == local(2026, 12, 7, 9)  # Monday 09:00, once (not 08:00, then 09:00)

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

"""Due dates as people type them: parse_due and format_due, on pinned dates and zones."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import format_due, parse_due
from bot.domain.errors import ParseError

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_5PM = datetime(2026, 12, 4, 17, 0, tzinfo=LONDON).astimezone(UTC)  # Fri 4 Dec 2026


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Friday", date(2026, 12, 11)),  # said on a Friday: the next one, a week away
        ("on Friday", date(2026, 12, 11)),
        ("by Friday", date(2026, 12, 11)),
        ("fri", date(2026, 12, 11)),
        ("this Friday", date(2026, 12, 4)),  # "this" counts today
        ("Tuesday", date(2026, 12, 8)),
        ("next Tuesday", date(2026, 12, 8)),  # the Tuesday of next week
        ("next Friday", date(2026, 12, 11)),
        ("Friday week", date(2026, 12, 18)),  # a week after the coming Friday (the 11th)
        ("next week", date(2026, 12, 7)),  # its Monday
        ("the 4th", date(2026, 12, 4)),  # today is the 4th: today
        ("4 Dec at noon", date(2026, 12, 4)),  # an action keeps the date
        ("sun", date(2026, 12, 6)),
        ("in 2 weeks", date(2026, 12, 18)),
        ("in 3 days", date(2026, 12, 7)),
        ("in a week", date(2026, 12, 11)),
        ("in 2 months", date(2027, 2, 4)),
        ("tomorrow", date(2026, 12, 5)),
        ("today", date(2026, 12, 4)),
        ("4 Dec", date(2026, 12, 4)),  # today's date without a year is today
        ("4 December", date(2026, 12, 4)),
        ("December 4", date(2026, 12, 4)),
        ("the 5th of December", date(2026, 12, 5)),
        ("Dec 5th", date(2026, 12, 5)),
        ("2026-12-04", date(2026, 12, 4)),
        ("4/12/2026", date(2026, 12, 4)),
        ("4/12/26", date(2026, 12, 4)),
        ("4 Dec 26", date(2026, 12, 4)),
        ("12/4", date(2027, 4, 12)),  # day first
        ("Fri 11 Dec", date(2026, 12, 11)),  # what format_due prints reads back
        ("end of month", date(2026, 12, 31)),
        ("  By   FRIDAY. ", date(2026, 12, 11)),
    ],
)
def test_reads_what_people_type(text: str, expected: date) -> None:
    assert parse_due(text, FRIDAY_5PM, LONDON) == expected


def test_a_day_and_month_is_the_nearest_one_and_a_recent_one_is_past_not_next_year() -> None:
    first_of_december = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(ParseError, match="Mon 30 Nov 2026 is in the past"):
        parse_due("30 Nov", first_of_december, LONDON)
    with pytest.raises(ParseError, match="in the past"):
        parse_due("15 Sep", first_of_december, LONDON)  # 77 days ago: a slip, not next year
    assert parse_due("1 July", first_of_december, LONDON) == date(2027, 7, 1)  # 5 months ago
    assert parse_due("15 Jan", first_of_december, LONDON) == date(2027, 1, 15)
    assert parse_due("1 June", first_of_december, LONDON) == date(2027, 6, 1)  # nearer ahead
    assert parse_due("30 Nov 2027", first_of_december, LONDON) == date(2027, 11, 30)


def test_a_bare_weekday_is_never_today_but_this_weekday_is() -> None:
    for day in range(7, 14):  # Mon 7 Dec .. Sun 13 Dec 2026
        now = datetime(2026, 12, day, 12, 0, tzinfo=UTC)
        name = f"{date(2026, 12, day):%A}"
        assert parse_due(name, now, LONDON) == date(2026, 12, day + 7)
        assert parse_due(f"this {name}", now, LONDON) == date(2026, 12, day)


def test_dates_are_read_in_the_callers_time_zone() -> None:
    now = datetime(2026, 6, 5, 2, 0, tzinfo=UTC)  # Fri 03:00 in London, Thu 22:00 in New York
    assert parse_due("tomorrow", now, LONDON) == date(2026, 6, 6)
    assert parse_due("tomorrow", now, NEW_YORK) == date(2026, 6, 5)
    assert parse_due("Friday", now, LONDON) == date(2026, 6, 12)
    assert parse_due("Friday", now, NEW_YORK) == date(2026, 6, 5)


@pytest.mark.parametrize("text", ["12", "may", "soon", "this week", "", "2 weeks", "1 12", "4 at"])
def test_unreadable_dates_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(ParseError) as e:
        parse_due(text, FRIDAY_5PM, LONDON)
    assert e.value.message == f"I couldn't read “{text}” as a date."
    assert e.value.example == "by Friday, by 4 Dec, by 2026-12-04"


@pytest.mark.parametrize(
    "text, message",
    [
        ("yesterday", "Thu 3 Dec 2026 is in the past."),
        ("1 January 2020", "Wed 1 Jan 2020 is in the past."),
        ("3/12/2026", "Thu 3 Dec 2026 is in the past."),
        ("in 99999 days", "Tue 18 Sep 2300 is more than five years away."),
        ("4 Dec 2040", "Tue 4 Dec 2040 is more than five years away."),
        ("in 999999999999 years", "“in 999999999999 years” is too far ahead."),
        ("in 0 days", "“in 0 days” is today; say “today”."),
        ("Thu 4 Dec", "Fri 4 Dec 2026 is a Friday, not a Thursday."),
        ("31 Feb", "February has no 31st."),
        ("29 Feb 2027", "February 2027 has no 29th."),
        ("12/25", "“12/25” would be month 25: dates are day first, as in the UK."),
        ("the 32nd", "A month has no 32nd day."),
    ],
)
def test_past_far_or_contradictory_dates_are_refused_with_the_reason(
    text: str, message: str
) -> None:
    with pytest.raises(ParseError) as e:
        parse_due(text, FRIDAY_5PM, LONDON)
    assert e.value.message == message
    assert e.value.example


@pytest.mark.parametrize(
    "due, expected",
    [
        (date(2026, 12, 4), "today"),
        (date(2026, 12, 5), "tomorrow"),
        (date(2026, 12, 3), "yesterday"),
        (date(2026, 12, 11), "Fri 11 Dec"),
        (date(2026, 1, 30), "Fri 30 Jan"),
        (date(2027, 1, 4), "Mon 4 Jan 2027"),
        (date(2025, 12, 4), "Thu 4 Dec 2025"),
    ],
)
def test_format_due(due: date, expected: str) -> None:
    assert format_due(due, today=date(2026, 12, 4)) == expected


def test_importing_the_module_does_not_import_dateparser() -> None:
    code = "import sys, bot.domain.dates; assert 'dateparser' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# fmt: off
DATE_WORDS = [
    "in", "on", "by", "next", "this", "the", "of", "a", "day", "weeks", "months", "friday",
    "sun", "may", "dec", "december", "today", "yesterday", "end", "month", "0", "4", "12",
    "31", "2026", "99999", "4th", "4/12", "2026-12-04", "4/12/26",
]
# fmt: on
date_like = st.lists(st.sampled_from(DATE_WORDS), max_size=5).map(" ".join)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.text(max_size=30), date_like), naive_now=moments)
def test_parse_due_only_ever_raises_parse_error_and_never_returns_the_past(
    text: str, naive_now: datetime
) -> None:
    now = naive_now.replace(tzinfo=UTC)
    try:
        due = parse_due(text, now, LONDON)
    except ParseError as e:
        assert e.example
    else:
        assert due >= now.astimezone(LONDON).date()

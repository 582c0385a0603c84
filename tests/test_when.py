"""Reminder times: parse_when, split_when and Recurrence, on pinned dates in two zones.

Modelled on APScheduler's tests/triggers/test_cron.py: every expectation is a wall-clock
time in a named zone, and schedules are followed across both daylight-saving changes
(Europe/London 2026-03-29 and 2026-10-25; America/New_York 2026-03-08 and 2026-11-01).
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import ParseError
from bot.domain.when import (
    Recurrence,
    When,
    describe_next,
    parse_when,
    split_when,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ZONES = pytest.mark.parametrize("tz", [LONDON, NEW_YORK], ids=["London", "New_York"])


def at(tz: ZoneInfo, *args: int) -> datetime:
    """A local wall-clock time in ``tz``, as the aware UTC instant the code works in."""
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def fire_times(when: When, count: int) -> list[datetime]:
    """The first ``count`` fire times, each computed from the one before, as a scheduler would."""
    assert when.recurrence is not None
    times = [when.first]
    while len(times) < count:
        following = when.recurrence.next_after(times[-1], times[-1])
        assert following is not None
        times.append(following)
    return times


# One-off reminders, said on Friday 4 December 2026 at 17:00 local time.


@ZONES
@pytest.mark.parametrize(
    "text, local, explicit_time",
    [
        ("in 20 minutes", (2026, 12, 4, 17, 20), True),
        ("in 2 hours", (2026, 12, 4, 19, 0), True),
        ("in half an hour", (2026, 12, 4, 17, 30), True),
        ("in 3 days", (2026, 12, 7, 9, 0), False),
        ("tomorrow at 9am", (2026, 12, 5, 9, 0), True),
        ("at 9am tomorrow", (2026, 12, 5, 9, 0), True),
        ("tomorrow 9:30", (2026, 12, 5, 9, 30), True),
        ("on Friday", (2026, 12, 11, 9, 0), False),  # a week away: today is Friday
        ("this Friday at 8pm", (2026, 12, 4, 20, 0), True),
        ("next Tuesday at 14:30", (2026, 12, 8, 14, 30), True),
        ("at 4pm on Friday", (2026, 12, 11, 16, 0), True),
        ("on 14 December", (2026, 12, 14, 9, 0), False),
        ("on 4 December at 6 p.m.", (2026, 12, 4, 18, 0), True),
        ("at 3pm", (2026, 12, 5, 15, 0), True),  # 15:00 has gone today: tomorrow
        ("at 6pm", (2026, 12, 4, 18, 0), True),
        ("today at 18:00", (2026, 12, 4, 18, 0), True),
        ("at 17", (2026, 12, 5, 17, 0), True),  # exactly now is not after now
        ("at noon", (2026, 12, 5, 12, 0), True),
        ("at midnight", (2026, 12, 5, 0, 0), True),
        ("at 9.30am", (2026, 12, 5, 9, 30), True),
    ],
)
def test_one_off_times(
    tz: ZoneInfo, text: str, local: tuple[int, ...], explicit_time: bool
) -> None:
    when = parse_when(text, at(tz, 2026, 12, 4, 17, 0), tz)
    assert when == When(at(tz, *local), None, explicit_time=explicit_time)
    assert when.first.tzinfo is UTC


@ZONES
def test_a_date_said_days_before_gets_09_00(tz: ZoneInfo) -> None:
    assert parse_when("on 4 December", at(tz, 2026, 12, 1, 12, 0), tz).first == at(
        tz, 2026, 12, 4, 9, 0
    )


@pytest.mark.parametrize(
    "tz, saturday, expected_utc",
    [
        (LONDON, (2026, 3, 28), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),  # BST begins
        (LONDON, (2026, 10, 24), datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),  # GMT again
        (NEW_YORK, (2026, 3, 7), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),  # EDT begins
        (NEW_YORK, (2026, 10, 31), datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),  # EST again
    ],
)
def test_tomorrow_at_9am_on_the_day_the_clocks_change_is_9am_local(
    tz: ZoneInfo, saturday: tuple[int, int, int], expected_utc: datetime
) -> None:
    assert parse_when("tomorrow at 9am", at(tz, *saturday, 12, 0), tz).first == expected_utc


def test_in_minutes_is_exact_across_the_spring_gap() -> None:
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 GMT; at 01:00 clocks go to 02:00
    when = parse_when("in 2 hours", now, LONDON)
    assert when.first == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    assert when.first.astimezone(LONDON).hour == 3


# Schedules, said on Friday 4 December 2026 at 17:00 local time.


@ZONES
@pytest.mark.parametrize(
    "text, locals_, described",
    [
        (
            "every Friday at 4pm",
            [(2026, 12, 11, 16, 0), (2026, 12, 18, 16, 0)],
            "every Friday at 16:00",
        ),
        (
            "every weekday at 9:00",
            [(2026, 12, d, 9, 0) for d in (7, 8, 9, 10, 11, 14)],
            "every weekday at 09:00",
        ),
        (
            "every day at 8am",
            [(2026, 12, 5, 8, 0), (2026, 12, 6, 8, 0), (2026, 12, 7, 8, 0)],
            "every day at 08:00",
        ),
        (
            "every 2 weeks on Monday",
            [(2026, 12, 7, 9, 0), (2026, 12, 21, 9, 0), (2027, 1, 4, 9, 0)],
            "every 2 weeks on Monday at 09:00",
        ),
        (
            "every other week on Wednesday at 10am",
            [(2026, 12, 9, 10, 0), (2026, 12, 23, 10, 0)],
            "every 2 weeks on Wednesday at 10:00",
        ),
        (
            "every month on the 1st",
            [(2027, 1, 1, 9, 0), (2027, 2, 1, 9, 0), (2027, 3, 1, 9, 0)],
            "every month on the 1st at 09:00",
        ),
        (
            "every month on the last day at 5pm",
            [(2026, 12, 31, 17, 0), (2027, 1, 31, 17, 0), (2027, 2, 28, 17, 0)],
            "every month on the last day at 17:00",
        ),
        ("every Monday", [(2026, 12, 7, 9, 0), (2026, 12, 14, 9, 0)], "every Monday at 09:00"),
        (
            "every Monday and Thursday at 9.30am",
            [(2026, 12, 7, 9, 30), (2026, 12, 10, 9, 30), (2026, 12, 14, 9, 30)],
            "every Monday and Thursday at 09:30",
        ),
        (
            "at 4pm every Friday",
            [(2026, 12, 11, 16, 0)],
            "every Friday at 16:00",
        ),
    ],
)
def test_schedules(tz: ZoneInfo, text: str, locals_: list[tuple[int, ...]], described: str) -> None:
    when = parse_when(text, at(tz, 2026, 12, 4, 17, 0), tz)
    assert fire_times(when, len(locals_)) == [at(tz, *local) for local in locals_]
    assert when.describe(tz) == described
    assert when.explicit_time == ("at" in text)


def test_every_friday_said_on_a_friday_morning_starts_today() -> None:
    when = parse_when("every Friday at 4pm", at(LONDON, 2026, 12, 4, 10, 0), LONDON)
    assert when.first == at(LONDON, 2026, 12, 4, 16, 0)


# Daylight saving: a schedule keeps its local wall-clock time on both sides of a change.
# (APScheduler 3's IntervalTrigger adds seconds; "every 2 weeks" would drift an hour.)


@pytest.mark.parametrize(
    "tz, text, now, expected_utc",
    [
        # London springs forward on Sun 29 March: 09:00 is 09:00Z, then 08:00Z.
        (LONDON, "every Monday at 09:00", (2026, 3, 20), [(3, 23, 9), (3, 30, 8)]),
        (LONDON, "every Monday at 09:00", (2026, 10, 16), [(10, 19, 8), (10, 26, 9)]),
        (NEW_YORK, "every Monday at 09:00", (2026, 2, 27), [(3, 2, 14), (3, 9, 13)]),
        (NEW_YORK, "every Monday at 09:00", (2026, 10, 23), [(10, 26, 13), (11, 2, 14)]),
        # Weekdays skip the weekend on which the clocks change.
        (LONDON, "every weekday at 9:00", (2026, 3, 27, 8), [(3, 27, 9), (3, 30, 8)]),
        (NEW_YORK, "every weekday at 9:00", (2026, 10, 30, 8), [(10, 30, 13), (11, 2, 14)]),
        (
            LONDON,
            "every 2 weeks on Monday",
            (2026, 3, 13),
            [(3, 16, 9), (3, 30, 8), (4, 13, 8)],
        ),
        (
            LONDON,
            "every 2 weeks on Monday",
            (2026, 10, 9),
            [(10, 12, 8), (10, 26, 9), (11, 9, 9)],
        ),
        (NEW_YORK, "every 2 weeks on Monday", (2026, 2, 27), [(3, 2, 14), (3, 16, 13)]),
        (NEW_YORK, "every 2 weeks on Monday", (2026, 10, 23), [(10, 26, 13), (11, 9, 14)]),
        (LONDON, "every month on the 1st", (2026, 2, 15), [(3, 1, 9), (4, 1, 8)]),
        (NEW_YORK, "every month on the 1st", (2026, 9, 15), [(10, 1, 13), (11, 1, 14)]),
        # The changes themselves happen on a Sunday: a daily reminder rides through them.
        (LONDON, "every day at 8am", (2026, 3, 28), [(3, 28, 8), (3, 29, 7), (3, 30, 7)]),
        (LONDON, "every day at 8am", (2026, 10, 24), [(10, 24, 7), (10, 25, 8), (10, 26, 8)]),
        (NEW_YORK, "every day at 8am", (2026, 3, 7), [(3, 7, 13), (3, 8, 12), (3, 9, 12)]),
        (NEW_YORK, "every day at 8am", (2026, 10, 31), [(10, 31, 12), (11, 1, 13), (11, 2, 13)]),
    ],
)
def test_schedules_keep_local_time_across_daylight_saving(
    tz: ZoneInfo, text: str, now: tuple[int, ...], expected_utc: list[tuple[int, int, int]]
) -> None:
    when = parse_when(text, at(tz, *now), tz)
    times = fire_times(when, len(expected_utc))
    assert times == [datetime(2026, m, d, h, 0, tzinfo=UTC) for m, d, h in expected_utc]
    assert {t.astimezone(tz).hour for t in times} == {when.recurrence.hour}


# next_after: what the scheduler asks after each delivery.


def test_next_after_skips_occurrences_missed_while_down() -> None:
    rec = parse_when("every day at 8am", at(LONDON, 2026, 12, 4, 17, 0), LONDON).recurrence
    delivered_late = at(LONDON, 2026, 12, 5, 8, 0)
    back_up = at(LONDON, 2026, 12, 9, 12, 0)
    assert rec.next_after(delivered_late, back_up) == at(LONDON, 2026, 12, 10, 8, 0)


def test_next_after_is_strictly_after_now() -> None:
    rec = parse_when("every Friday at 4pm", at(LONDON, 2026, 12, 1, 0, 0), LONDON).recurrence
    firing = at(LONDON, 2026, 12, 4, 16, 0)
    assert rec.next_after(None, firing) == at(LONDON, 2026, 12, 11, 16, 0)
    assert rec.next_after(firing, firing) == at(LONDON, 2026, 12, 11, 16, 0)


def test_every_2_weeks_keeps_its_phase_after_a_restart() -> None:
    rec = parse_when("every 2 weeks on Monday", at(LONDON, 2026, 12, 4, 17, 0), LONDON).recurrence
    restored = Recurrence.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert restored.next_after(None, at(LONDON, 2026, 12, 8, 0, 0)) == at(
        LONDON, 2026, 12, 21, 9, 0
    )


# Recurrence: stored as JSON, turned into an APScheduler trigger.


@pytest.mark.parametrize(
    "text, trigger_text",
    [
        ("every Friday at 4pm", "day_of_week='fri', hour='16', minute='0'"),
        ("every weekday at 9:00", "day_of_week='mon-fri', hour='9', minute='0'"),
        ("every Monday and Thursday", "day_of_week='mon,thu', hour='9', minute='0'"),
        ("every day at 8am", "hour='8', minute='0'"),
        ("every month on the 1st", "day='1', hour='9', minute='0'"),
        ("every month on the last day", "day='last', hour='9', minute='0'"),
    ],
)
def test_cron_triggers_use_day_names(text: str, trigger_text: str) -> None:
    rec = parse_when(text, at(LONDON, 2026, 12, 4, 17, 0), LONDON).recurrence
    trigger = rec.to_trigger()
    assert isinstance(trigger, CronTrigger)
    assert trigger_text in repr(trigger)
    assert trigger.timezone == LONDON
    assert Recurrence.from_dict(json.loads(json.dumps(rec.to_dict()))) == rec


def test_every_n_weeks_is_apschedulers_calendar_interval_trigger_that_pickles() -> None:
    rec = parse_when("every 3 weeks on Tuesday", at(LONDON, 2026, 12, 4, 17, 0), LONDON).recurrence
    assert rec == Recurrence(
        "weekly", 9, 0, "Europe/London", days=("tue",), weeks=3, start=date(2026, 12, 8)
    )
    assert rec.to_dict()["start"] == "2026-12-08"
    trigger = pickle.loads(pickle.dumps(rec.to_trigger()))
    assert isinstance(trigger, CalendarIntervalTrigger)
    first = trigger.get_next_fire_time(None, at(LONDON, 2026, 12, 9, 0, 0))
    assert first == at(LONDON, 2026, 12, 8, 9, 0)  # counted from its start date
    assert trigger.get_next_fire_time(first, first) == at(LONDON, 2026, 12, 29, 9, 0)
    assert rec.next_after(None, at(LONDON, 2026, 12, 9, 0, 0)) == at(LONDON, 2026, 12, 29, 9, 0)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "weekly", "hour": 9, "minute": 0, "tz": "Europe/London", "days": []},
        {"kind": "weekly", "hour": 9, "minute": 0, "tz": "Europe/London", "days": ["fri", "mon"]},
        {
            "kind": "weekly",
            "hour": 9,
            "minute": 0,
            "tz": "Europe/London",
            "days": ["mon"],
            "weeks": 2,
        },
        {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": 31},
        {"kind": "daily", "hour": 24, "minute": 0, "tz": "Europe/London"},
        {"kind": "yearly", "hour": 9, "minute": 0, "tz": "Europe/London"},
        {"kind": "daily", "hour": "9", "minute": 0, "tz": "Europe/London"},
        {"kind": "daily", "minute": 0, "tz": "Europe/London"},
    ],
)
def test_a_stored_recurrence_that_makes_no_sense_is_refused(data: dict) -> None:
    with pytest.raises(ValueError):
        Recurrence.from_dict(data)


# Describing times for replies and listings.


def test_describe() -> None:
    now = at(LONDON, 2026, 12, 4, 17, 0)
    when = parse_when("tomorrow at 9am", now, LONDON)
    assert when.describe(LONDON, now) == "tomorrow at 09:00"
    assert when.describe(LONDON) == "Sat 5 Dec 2026 at 09:00"
    assert when.describe(NEW_YORK) == "Sat 5 Dec 2026 at 04:00"


@pytest.mark.parametrize(
    "local, expected",
    [
        ((2026, 12, 4, 18, 0), "today at 18:00"),
        ((2026, 12, 5, 9, 0), "tomorrow at 09:00"),
        ((2026, 12, 11, 16, 0), "Fri 11 Dec at 16:00"),
        ((2027, 1, 4, 9, 0), "Mon 4 Jan 2027 at 09:00"),
    ],
)
def test_describe_next(local: tuple[int, ...], expected: str) -> None:
    assert describe_next(at(LONDON, *local), LONDON, at(LONDON, 2026, 12, 4, 17, 0)) == expected


# Refusals: each with a reason and an example.


@pytest.mark.parametrize(
    "text, message",
    [
        ("on 1 January 2020", "That time has passed: Wed 1 Jan 2020 at 09:00."),
        ("at 9am yesterday", "That time has passed: yesterday at 09:00."),
        ("today at 9am", "That time has passed: today at 09:00."),
        ("every 0 weeks on Monday", "Every 0 weeks is never; the least is every week."),
        ("every 400 weeks", "Every 400 weeks is too long; the most is 52."),
        ("in 0 minutes", "That's now; give me at least a minute."),
        (
            "in 99999 days",
            "Tue 18 Sep 2300 is more than a year away; I keep reminders to the coming year.",
        ),
        (
            "in 60 weeks",
            "Fri 28 Jan 2028 is more than a year away; I keep reminders to the coming year.",
        ),
        ("in 999999 hours", "That's more than a year away."),
        ("at 9", "“at 9” could be 9am or 9pm."),
        ("every weekday at 5", "“at 5” could be 5am or 5pm."),
        ("at 25:00", "“at 25:00” isn't a time of day."),
        ("at 13pm", "“at 13pm” isn't a time of day."),
        (
            "every month on the 31st",
            "Not every month has a 31st; say “on the last day” for month ends.",
        ),
        ("every month on the 40th", "A month has no 40th day."),
        (
            "every 3 days",
            "I can't repeat “every 3 days”: I repeat by day, weekday, week, month or year.",
        ),
        ("every 29 February", "Not every year has a 29 February."),
        (
            "every second Tuesday",
            "“every second …” could mean every other week or the second in each month.",
        ),
        ("Thu 4 Dec", "Fri 4 Dec 2026 is a Friday, not a Thursday."),
        ("blah", "I couldn't read “blah” as a time."),
        ("", "I couldn't read “” as a time."),
        ("next fortnight", "I couldn't read “next fortnight” as a time."),
        ("every", "I couldn't read “every” as a time."),
        ("9am on 31 Feb", "February has no 31st."),
    ],
)
def test_bad_times_are_refused_with_a_reason_and_an_example(text: str, message: str) -> None:
    with pytest.raises(ParseError) as e:
        parse_when(text, at(LONDON, 2026, 12, 4, 17, 0), LONDON)
    assert e.value.message == message
    assert e.value.example


# split_when: "/nudge me to <text> <when>".


@pytest.mark.parametrize(
    "text, subject, described",
    [
        ("write my weeknote every Friday at 4pm", "write my weeknote", "every Friday at 16:00"),
        ("call Sam in 20 minutes", "call Sam", "today at 17:20"),
        ("review the draft tomorrow", "review the draft", "tomorrow at 09:00"),
        ("book the 10:30 train tomorrow", "book the 10:30 train", "tomorrow at 09:00"),
        ("meet at 10 Downing Street on Friday", "meet at 10 Downing Street", "Fri 11 Dec at 09:00"),
        ("pay the rent, every month on the 1st", "pay the rent", "every month on the 1st at 09:00"),
        (
            "<@U02|pete> about the charter next Tuesday at 14:30",
            "<@U02|pete> about the charter",
            "Tue 8 Dec at 14:30",
        ),
        ("go for a walk in the sun at 3pm", "go for a walk in the sun", "tomorrow at 15:00"),
    ],
)
def test_split_when(text: str, subject: str, described: str) -> None:
    now = at(LONDON, 2026, 12, 4, 17, 0)
    found, when = split_when(text, now, LONDON)
    assert (found, when.describe(LONDON, now)) == (subject, described)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "go for a walk in the sun",
            "I couldn't find when to remind you in “go for a walk in the sun”.",
        ),
        ("tomorrow at 9am", "What should I remind you about?"),
        ("call Sam at 9 tomorrow", "“at 9” could be 9am or 9pm."),  # not "call Sam at 9", tomorrow
        ("renew the passport on 1 January 2020", "That time has passed: Wed 1 Jan 2020 at 09:00."),
    ],
)
def test_split_when_refusals(text: str, message: str) -> None:
    with pytest.raises(ParseError) as e:
        split_when(text, at(LONDON, 2026, 12, 4, 17, 0), LONDON)
    assert e.value.message == message
    assert e.value.example


# Properties.

# fmt: off
WHEN_WORDS = [
    "in", "on", "at", "every", "next", "this", "the", "and", "other", "day", "weekday",
    "weeks", "month", "minutes", "hours", "friday", "mon", "sun", "may", "dec", "today",
    "tomorrow", "yesterday", "0", "2", "9", "17", "31", "400", "1st", "last", "9am",
    "14:30", "noon", "4/12", "2026-12-04", "call", "sam",
]
# fmt: on
when_like = st.lists(st.sampled_from(WHEN_WORDS), max_size=7).map(" ".join)
zones = st.sampled_from([LONDON, NEW_YORK, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")])
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=40), when_like), naive_now=moments, tz=zones)
def test_parse_when_only_raises_parse_error_and_always_lands_after_now(
    text: str, naive_now: datetime, tz: ZoneInfo
) -> None:
    now = naive_now.replace(tzinfo=UTC)
    try:
        when = parse_when(text, now, tz)
    except ParseError as e:
        assert e.example
        return
    assert when.first.tzinfo is UTC
    assert now < when.first
    if when.recurrence is None:
        assert when.first <= now + timedelta(days=366)
    else:
        following = when.recurrence.next_after(when.first, when.first)
        assert following is not None and following > when.first
        wall_clock = (when.recurrence.hour, when.recurrence.minute)
        for fire in (when.first, following):
            assert (fire.astimezone(tz).hour, fire.astimezone(tz).minute) == wall_clock


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(WHEN_WORDS), min_size=1, max_size=9), naive_now=moments)
def test_split_when_keeps_the_subjects_words_in_order(words: list[str], naive_now: datetime):
    """The subject is the text less one when-clause (before, after or inside it)."""
    text = " ".join(words)
    now = naive_now.replace(tzinfo=UTC)
    try:
        subject, when = split_when(text, now, LONDON)
    except ParseError:
        return
    assert subject
    rest = iter(words)
    assert all(word in rest for word in subject.split())  # a subsequence, in order
    assert len(subject.split()) < len(words)
    assert when.first > now


# Monthly by weekday and every few months: CronTrigger's "1st mon", "last fri" and month
# lists, kept in the stored JSON.


@ZONES
@pytest.mark.parametrize(
    "text, locals_, described",
    [
        (
            "monthly on the last Friday",
            [(2026, 12, 25, 9, 0), (2027, 1, 29, 9, 0), (2027, 2, 26, 9, 0)],
            "every month on the last Friday at 09:00",
        ),
        (
            "every first Monday of the month at 10am",
            [(2026, 12, 7, 10, 0), (2027, 1, 4, 10, 0), (2027, 2, 1, 10, 0)],
            "every month on the first Monday at 10:00",
        ),
        (
            "on the 2nd Tuesday of every month",
            [(2026, 12, 8, 9, 0), (2027, 1, 12, 9, 0), (2027, 2, 9, 9, 0)],
            "every month on the second Tuesday at 09:00",
        ),
        (
            "every 3 months on the 1st",
            [(2027, 1, 1, 9, 0), (2027, 4, 1, 9, 0), (2027, 7, 1, 9, 0), (2027, 10, 1, 9, 0)],
            "every 3 months on the 1st at 09:00",
        ),
        (
            "quarterly on the last day",
            [(2026, 12, 31, 9, 0), (2027, 3, 31, 9, 0), (2027, 6, 30, 9, 0)],
            "every 3 months on the last day at 09:00",
        ),
        (
            "every 6 months on the last Friday",
            [(2026, 12, 25, 9, 0), (2027, 6, 25, 9, 0), (2027, 12, 31, 9, 0)],
            "every 6 months on the last Friday at 09:00",
        ),
    ],
)
def test_monthly_by_weekday_and_every_few_months(
    tz: ZoneInfo, text: str, locals_: list[tuple[int, ...]], described: str
) -> None:
    when = parse_when(text, at(tz, 2026, 12, 1, 10, 0), tz)
    assert fire_times(when, len(locals_)) == [at(tz, *local) for local in locals_]
    assert when.describe(tz) == described
    restored = Recurrence.from_dict(json.loads(json.dumps(when.recurrence.to_dict())))
    assert restored == when.recurrence
    assert pickle.loads(pickle.dumps(restored.to_trigger())) is not None


def test_quarterly_alone_repeats_from_the_day_it_is_said() -> None:
    when = parse_when("quarterly", at(LONDON, 2026, 12, 1, 10, 0), LONDON)
    assert when.recurrence == Recurrence(
        "monthly", 9, 0, "Europe/London", day=1, months=(3, 6, 9, 12)
    )
    assert when.first == at(LONDON, 2027, 3, 1, 9, 0)  # 1 December's 09:00 has gone


def test_a_recurrence_stored_before_months_existed_still_loads() -> None:
    stored = {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": 1}
    assert Recurrence.from_dict(stored) == Recurrence("monthly", 9, 0, "Europe/London", day=1)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": "5th mon"},
        {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": "1st xyz"},
        {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": 1,
         "months": [1, 2]},
        {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": 1,
         "months": [12, 3, 6, 9]},
        {"kind": "monthly", "hour": 9, "minute": 0, "tz": "Europe/London", "day": 1,
         "months": [1, 6]},
        {"kind": "daily", "hour": 9, "minute": 0, "tz": "Europe/London", "months": [1, 7]},
    ],
)  # fmt: skip
def test_a_stored_monthly_recurrence_that_makes_no_sense_is_refused(data: dict) -> None:
    with pytest.raises(ValueError):
        Recurrence.from_dict(data)


def test_thurs_tues_and_weds_are_one_day_and_their_plurals_every_one() -> None:
    tuesday = at(LONDON, 2026, 12, 1, 10, 0)
    for said in ("on Thurs at 11am", "on Tues at 11am", "on weds at 11am"):
        assert parse_when(said, tuesday, LONDON).recurrence is None, said
    assert parse_when("on Thursdays at 11am", tuesday, LONDON).recurrence is not None


def test_a_time_the_clocks_skip_is_refused() -> None:
    saturday_night = at(LONDON, 2027, 3, 27, 23, 30)  # 01:00 becomes 02:00 on Sunday
    with pytest.raises(ParseError, match="01:30 doesn't happen on Sun 28 Mar 2027"):
        parse_when("tomorrow at 1:30am", saturday_night, LONDON)
    assert parse_when("tomorrow at 2:30am", saturday_night, LONDON).first == datetime(
        2027, 3, 28, 1, 30, tzinfo=UTC
    )


def test_in_hours_is_elapsed_time_across_the_autumn_fold() -> None:
    saturday_night = at(LONDON, 2026, 10, 24, 23, 30)  # 02:00 BST becomes 01:00 GMT
    assert parse_when("in 2 hours", saturday_night, LONDON).first == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    assert parse_when("in 3 hours", saturday_night, LONDON).first == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )

"""When a reminder fires, once or on a schedule, read in the member's time zone.

>>> parse_when("every Friday at 4pm", now, ZoneInfo("Europe/London")).describe(tz)
'every Friday at 16:00'

Rules:
- ``in N minutes`` and ``in N hours`` are exact; every other form fires at a time of day,
  09:00 unless the member names one (``at 3pm``, ``at 14:30``, ``at noon``).
- A time without a date is the next such time: "at 3pm" said at 17:00 is tomorrow.
- Dates are read as in ``bot.domain.dates``: a bare weekday is the next such day after
  today ("on Friday" said on a Friday is a week away); "this Friday" counts today.
- "at 5" is refused as ambiguous (5am or 5pm?); "at 17" and "at 5:00" are clock times.
- A one-off reminder lies in the future and at most a year ahead; a schedule repeats at
  most every 52 weeks; "every month on" takes the 1st to the 28th or "the last day".
- Schedules keep local wall-clock time across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.domain.dates import (
    FULL_DAY_NAMES,
    WEEKDAYS,
    format_date,
    format_due,
    local_today,
    read_date,
)
from bot.domain.errors import ParseError

__all__ = [
    "WHEN_EXAMPLE",
    "Recurrence",
    "WeeklyIntervalTrigger",
    "When",
    "describe_next",
    "parse_when",
    "split_when",
]

WHEN_EXAMPLE = "in 20 minutes, tomorrow at 9am, on Friday, every Friday at 4pm"
SPLIT_EXAMPLE = "write my weeknote every Friday at 4pm"
DEFAULT_TIME = time(9, 0)
MAX_AHEAD = timedelta(days=366)
MAX_WEEKS = 52
MAX_WHEN_WORDS = 10
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = CRON_DAYS[:5]

Kind = Literal["daily", "weekly", "monthly"]


class WeeklyIntervalTrigger(BaseTrigger):
    """Fires every ``weeks`` weeks on the weekday and local time of ``start_date``.

    APScheduler 3's IntervalTrigger adds seconds, so 09:00 becomes 10:00 after a
    daylight-saving change; this keeps 09:00 by filtering a weekly CronTrigger.
    """

    def __init__(self, weeks: int, start_date: datetime) -> None:
        self.weeks = weeks
        self.start_date = start_date
        self.cron = CronTrigger(
            day_of_week=CRON_DAYS[start_date.weekday()],
            hour=start_date.hour,
            minute=start_date.minute,
            timezone=start_date.tzinfo,
            start_date=start_date,
        )

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next fire time, as CronTrigger gives it, skipping the weeks in between."""
        fire = self.cron.get_next_fire_time(previous_fire_time, now)
        while fire is not None and (fire.date() - self.start_date.date()).days // 7 % self.weeks:
            fire = self.cron.get_next_fire_time(fire, fire)
        return fire

    def __repr__(self) -> str:
        return f"WeeklyIntervalTrigger(weeks={self.weeks}, start_date={self.start_date!r})"


@dataclass(frozen=True)
class Recurrence:
    """A repeating schedule in one time zone, small enough to store as JSON.

    >>> Recurrence("weekly", 16, 0, "Europe/London", days=("fri",)).describe()
    'every Friday at 16:00'
    """

    kind: Kind
    hour: int
    minute: int
    tz: str
    days: tuple[str, ...] = ()  # weekly: "mon".."sun" (names: numbers mean other days in cron)
    weeks: int = 1  # weekly: every `weeks` weeks; above 1 needs one day and `start`
    start: date | None = None  # weekly, weeks > 1: the date of the first occurrence
    day: int | Literal["last"] | None = None  # monthly: 1..28 or "last"

    def __post_init__(self) -> None:
        ZoneInfo(self.tz)  # raises for an unknown zone
        ok = 0 <= self.hour <= 23 and 0 <= self.minute <= 59
        if self.kind == "weekly":
            ok = ok and self.day is None and 1 <= self.weeks <= MAX_WEEKS
            ok = (
                ok
                and bool(self.days)
                and self.days == tuple(d for d in CRON_DAYS if d in self.days)
            )
            if self.weeks > 1:
                ok = ok and self.start is not None and len(self.days) == 1
                ok = ok and CRON_DAYS[self.start.weekday()] == self.days[0]
        else:
            ok = ok and not self.days and self.weeks == 1 and self.start is None
            if self.kind == "daily":
                ok = ok and self.day is None
            elif self.kind == "monthly":
                ok = ok and (self.day == "last" or type(self.day) is int and 1 <= self.day <= 28)
            else:
                ok = False
        if not ok:
            raise ValueError(f"not a valid recurrence: {self!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``Recurrence.from_dict(r.to_dict()) == r``."""
        return {
            "kind": self.kind,
            "hour": self.hour,
            "minute": self.minute,
            "tz": self.tz,
            "days": list(self.days),
            "weeks": self.weeks,
            "start": self.start.isoformat() if self.start else None,
            "day": self.day,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recurrence:
        """The Recurrence ``to_dict`` stored; raises ValueError if it is not one."""
        try:
            start = data.get("start")
            return cls(
                kind=data["kind"],
                hour=data["hour"],
                minute=data["minute"],
                tz=data["tz"],
                days=tuple(data.get("days") or ()),
                weeks=data.get("weeks", 1),
                start=date.fromisoformat(start) if start else None,
                day=data.get("day"),
            )
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"not a stored recurrence: {data!r}") from e

    def to_trigger(self) -> BaseTrigger:
        """An APScheduler 3 trigger at this local time: CronTrigger(day_of_week="fri", ...)."""
        zone = ZoneInfo(self.tz)
        at = {"hour": self.hour, "minute": self.minute, "timezone": zone}
        if self.kind == "daily":
            return CronTrigger(**at)
        if self.kind == "monthly":
            return CronTrigger(day=self.day, **at)
        if self.weeks > 1:
            assert self.start is not None
            start = datetime.combine(self.start, time(self.hour, self.minute), tzinfo=zone)
            return WeeklyIntervalTrigger(self.weeks, start)
        days = "mon-fri" if self.days == WORKDAYS else ",".join(self.days)
        return CronTrigger(day_of_week=days, **at)

    def next_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        """The first fire time after ``now`` (and after ``previous``), in UTC.

        Missed occurrences are skipped: a caller catching up delivers once, then asks this.
        """
        base = now if previous is None else max(now, previous)
        trigger = self.to_trigger()
        fire = trigger.get_next_fire_time(None, base)
        while fire is not None and fire <= base:
            fire = trigger.get_next_fire_time(fire, fire)
        return fire.astimezone(UTC) if fire else None

    def describe(self) -> str:
        """In words: "every Friday at 16:00", "every 2 weeks on Monday at 09:00"."""
        at = f"at {self.hour:02d}:{self.minute:02d}"
        if self.kind == "daily":
            return f"every day {at}"
        if self.kind == "monthly":
            day = "last day" if self.day == "last" else _ordinal(int(self.day or 0))
            return f"every month on the {day} {at}"
        names = [FULL_DAY_NAMES[CRON_DAYS.index(d)] for d in self.days]
        days = "weekday" if self.days == WORKDAYS else _and(names)
        if self.weeks > 1:
            return f"every {self.weeks} weeks on {days} {at}"
        return f"every {days} {at}"


@dataclass(frozen=True)
class When:
    """When to remind: the first time (aware, UTC) and, if it repeats, the schedule."""

    first: datetime
    recurrence: Recurrence | None = None
    explicit_time: bool = True  # False when the member gave no time and 09:00 was assumed

    def describe(self, tz: ZoneInfo, now: datetime | None = None) -> str:
        """In words: "every Friday at 16:00", "Fri 4 Dec 2026 at 09:00", "tomorrow at 09:00".

        Given ``now``, a one-off is described as in listings (today, tomorrow, Fri 4 Dec).
        """
        if self.recurrence is not None:
            return self.recurrence.describe()
        if now is not None:
            return describe_next(self.first, tz, now)
        local = self.first.astimezone(tz)
        return f"{format_date(local.date())} at {local:%H:%M}"


def describe_next(dt: datetime, tz: ZoneInfo, now: datetime) -> str:
    """A coming time for listings: "today at 16:00", "tomorrow at 09:00", "Fri 4 Dec at 16:00"."""
    local = dt.astimezone(tz)
    return f"{format_due(local.date(), local_today(now, tz))} at {local:%H:%M}"


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """When ``text`` says to remind, read in ``tz``; raises ParseError with an example.

    >>> friday_5pm = datetime(2026, 12, 4, 17, tzinfo=UTC)
    >>> parse_when("tomorrow at 9am", friday_5pm, ZoneInfo("Europe/London")).first
    datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.timezone.utc)
    """
    return _parse(text, now, tz, strict=False)


def split_when(text: str, now: datetime, tz: ZoneInfo) -> tuple[str, When]:
    """Splits "<subject> <when>" at the longest when-clause that ends the text.

    >>> subject, when = split_when("write my weeknote every Friday at 4pm", now, tz)
    >>> subject, when.recurrence.describe()
    ('write my weeknote', 'every Friday at 16:00')
    """
    words = list(re.finditer(r"\S+", text))
    for word in words[-MAX_WHEN_WORDS:]:
        try:
            when = _parse(text[word.start() :], now, tz, strict=True)
        except _Unreadable:
            continue
        subject = text[: word.start()].strip().rstrip(",;:-–").strip()
        if not subject:
            raise ParseError("What should I remind you about?", example=SPLIT_EXAMPLE)
        return subject, when
    raise ParseError(
        f"I couldn't find when to remind you in “{text.strip()}”.", example=SPLIT_EXAMPLE
    )


class _Unreadable(ParseError):
    """Not a when-clause at all (as opposed to one that is past, too far or ambiguous)."""


_DAY = rf"(?:{'|'.join(sorted(WEEKDAYS, key=len, reverse=True))})s?"
_TIME = (
    r"(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?\s?(?P<ap>am|pm)?|(?P<word>noon|midday|midnight)"
)
_TIME_AT_END = re.compile(rf"(?:^|\s)(?P<at>at\s+)?(?:{_TIME})$")
_TIME_AT_START = re.compile(rf"^(?P<at>at\s+)?(?:{_TIME})(?:\s+|$)")
_IN_MINUTES = re.compile(r"in (?P<n>\d+|an?|one|half an?) (?P<unit>min(?:ute)?s?|h(?:ou)?rs?)")
_EVERY_DAY = re.compile(r"day|morning")
_EVERY_WORKDAY = re.compile(r"weekday|week day|working day|workday")
_EVERY_DAYS = re.compile(rf"{_DAY}(?:\s+(?:and\s+)?{_DAY})*")
_EVERY_WEEKS = re.compile(
    rf"(?P<n>\d+|other|two|three|four)?\s*(?:weeks?|fortnight)(?: on (?P<day>{_DAY}))?"
)
_EVERY_MONTH = re.compile(
    r"month(?: on (?:the )?(?:(?P<d>\d{1,3})(?:st|nd|rd|th)?|(?P<last>last day)))?"
)
_EVERY_UNSUPPORTED = re.compile(r"(?:\d+|other) (?:minute|hour|day|month|year)s?|minute|hour|year")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "other": 2}
_STRICT_LEADS = {"on", "next", "this", "coming", "today", "tomorrow", "yesterday", "in"}
_STRICT_LEADS |= {name.lower() for name in FULL_DAY_NAMES}


def _parse(text: str, now: datetime, tz: ZoneInfo, *, strict: bool) -> When:
    """``strict`` (for split_when) requires a lead word, so "in the sun" is not Sunday."""
    local_today(now, tz)  # refuses a naive now
    s = " ".join(text.lower().replace(",", " ").replace("a.m.", "am").replace("p.m.", "pm").split())
    s = s.rstrip(".!?").strip()
    unreadable = _Unreadable(f"I couldn't read “{text.strip()}” as a time.", example=WHEN_EXAMPLE)
    if m := _IN_MINUTES.fullmatch(s):
        return _in_minutes(m, now)
    rest, time_match = _split_time(s)
    if strict and rest and rest.split()[0] not in _STRICT_LEADS | {"every"}:
        raise unreadable  # before reading the time: "at 10 Downing Street" is no time
    at = _time_of(time_match) if time_match else None
    if rest.startswith("every "):
        return _every(rest.removeprefix("every "), at, now, tz, unreadable)
    if not rest:
        if at is None:
            raise unreadable
        today = local_today(now, tz)
        first = datetime.combine(today, at, tzinfo=tz).astimezone(UTC)
        if first <= now:  # gone today: tomorrow
            first = datetime.combine(today + timedelta(days=1), at, tzinfo=tz).astimezone(UTC)
        return When(first, None, explicit_time=True)
    try:
        d = read_date(rest, now, tz)
    except ParseError as e:  # a date, but an impossible one: same reason, our example
        raise ParseError(e.message, example=WHEN_EXAMPLE) from e
    if d is None:
        raise unreadable
    first = datetime.combine(d, at or DEFAULT_TIME, tzinfo=tz).astimezone(UTC)
    if first <= now:
        raise ParseError(f"{describe_next(first, tz, now)} has passed.", example=WHEN_EXAMPLE)
    if first > now + MAX_AHEAD:
        raise ParseError(
            f"{format_date(d)} is more than a year away; I keep reminders to the coming year.",
            example=WHEN_EXAMPLE,
        )
    return When(first, None, explicit_time=at is not None)


def _in_minutes(m: re.Match[str], now: datetime) -> When:
    n = m["n"]
    minutes = 30 if n.startswith("half") else _NUMBER_WORDS.get(n) or int(n)
    if m["unit"].startswith("h") and not n.startswith("half"):
        minutes *= 60
    if minutes < 1:
        raise ParseError("That's now; give me at least a minute.", example="in 20 minutes")
    if minutes > MAX_AHEAD.total_seconds() // 60:
        raise ParseError("That's more than a year away.", example="in 20 minutes, in 3 days")
    return When(now + timedelta(minutes=minutes), None, explicit_time=True)


def _split_time(s: str) -> tuple[str, re.Match[str] | None]:
    """("tomorrow", <"at 9am">) from "tomorrow at 9am" or "at 9am tomorrow"; (s, None) if none."""
    for pattern in (_TIME_AT_END, _TIME_AT_START):
        m = pattern.search(s)
        if m and (m["at"] or m["ap"] or m["sep"] == ":" or m["word"]):  # "4.12" alone is a date
            return (s[: m.start()] + " " + s[m.end() :]).strip(), m
    return s, None


def _time_of(m: re.Match[str]) -> time:
    raw = m.group(0).strip()
    if m["word"]:
        return time(0, 0) if m["word"] == "midnight" else time(12, 0)
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if m["ap"]:
        ok = 1 <= hour <= 12
        hour = hour % 12 + (12 if m["ap"] == "pm" else 0)
    elif m["m"] is None and 1 <= hour <= 12:
        raise ParseError(
            f"“{raw}” could be {hour}am or {hour}pm.",
            example=f"at {hour}am, at {hour}pm, at {hour % 12 + 12}:00",
        )
    else:
        ok = hour <= 23
    if not ok or minute > 59:
        raise ParseError(f"“{raw}” isn't a time of day.", example="at 9am, at 14:30")
    return time(hour, minute)


def _every(body: str, at: time | None, now: datetime, tz: ZoneInfo, unreadable: ParseError) -> When:
    t = at or DEFAULT_TIME
    common: dict[str, Any] = {"hour": t.hour, "minute": t.minute, "tz": tz.key}
    if _EVERY_DAY.fullmatch(body):
        rec = Recurrence("daily", **common)
    elif _EVERY_WORKDAY.fullmatch(body):
        rec = Recurrence("weekly", days=WORKDAYS, **common)
    elif _EVERY_DAYS.fullmatch(body):
        named = {_cron_day(word) for word in body.split() if word != "and"}
        rec = Recurrence("weekly", days=tuple(d for d in CRON_DAYS if d in named), **common)
    elif m := _EVERY_WEEKS.fullmatch(body):
        rec = _every_weeks(m, common, now, tz)
    elif m := _EVERY_MONTH.fullmatch(body):
        rec = _every_month(m, common)
    elif _EVERY_UNSUPPORTED.fullmatch(body):
        raise ParseError(
            f"I can't repeat “every {body}”: I repeat by day, weekday, week or month.",
            example="every weekday at 9:00, every 2 weeks on Monday, every month on the 1st",
        )
    else:
        raise unreadable
    first = rec.next_after(None, now)
    assert first is not None  # these schedules never end
    return When(first, rec, explicit_time=at is not None)


def _every_weeks(
    m: re.Match[str], common: dict[str, Any], now: datetime, tz: ZoneInfo
) -> Recurrence:
    n = m["n"] or "1"
    weeks = 2 if "fortnight" in m.group(0) else _NUMBER_WORDS.get(n) or int(n)
    example = "every 2 weeks on Monday"
    if weeks < 1:
        raise ParseError("Every 0 weeks is never; the least is every week.", example=example)
    if weeks > MAX_WEEKS:
        raise ParseError(f"Every {weeks} weeks is too long; the most is 52.", example=example)
    if m["day"] is None:
        raise ParseError("Which day of the week?", example=example)
    day = _cron_day(m["day"])
    if weeks == 1:
        return Recurrence("weekly", days=(day,), **common)
    first = Recurrence("weekly", days=(day,), **common).next_after(None, now)
    assert first is not None
    return Recurrence(
        "weekly", days=(day,), weeks=weeks, start=first.astimezone(tz).date(), **common
    )


def _every_month(m: re.Match[str], common: dict[str, Any]) -> Recurrence:
    example = "every month on the 1st, every month on the last day"
    if m["last"]:
        return Recurrence("monthly", day="last", **common)
    if m["d"] is None:
        raise ParseError("Which day of the month?", example=example)
    day = int(m["d"])
    if not 1 <= day <= 31:
        raise ParseError(f"A month has no {_ordinal(day)} day.", example=example)
    if day > 28:
        raise ParseError(f"Not every month has a {_ordinal(day)}.", example=example)
    return Recurrence("monthly", day=day, **common)


def _cron_day(word: str) -> str:
    """ "fri", from "friday", "fri" or "fridays"."""
    return CRON_DAYS[WEEKDAYS[word] if word in WEEKDAYS else WEEKDAYS[word.removesuffix("s")]]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"

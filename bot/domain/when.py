"""When a reminder fires, once or on a schedule, read in the member's time zone.

>>> parse_when("every Friday at 4pm", now, ZoneInfo("Europe/London")).describe(tz)
'every Friday at 16:00'

Rules (``tests/phrases/`` is the reference):
- ``in N minutes`` and ``in N hours`` are exact; every other form fires at a time of day,
  09:00 unless the member names one (``at 3pm``, ``at 14:30``, ``at noon``, ``tonight``,
  ``this afternoon``).
- A time without a date is the next such time: "at 3pm" said at 17:00 is tomorrow.
  ``today`` alone means later today: 16:00, or in an hour once 16:00 is near or gone.
- Dates are read by ``bot.domain.dates`` (the one reader): ``on Friday`` is the coming
  Friday, ``next Friday`` the Friday of next week, ``by Friday`` the same as on Friday.
- "at 5" and "at 3:30" are refused as ambiguous (am or pm?); "at 17", "9:15" and "07:30"
  are clock times. A time the clocks skip (01:30 on the night they go forward) is refused.
- Schedules: ``daily``, ``every weekday``, ``every Friday``, ``on Fridays``, ``every Friday
  afternoon``, ``every other Tuesday``, ``every 3 weeks on Monday``,
  ``every month on the 1st``, ``on the 15th of every month``, ``every month on the last
  day``, ``monthly on the last Friday``, ``every first Monday of the month``, ``every 3
  months on the 1st`` (``quarterly``), ``yearly``, ``every year on 1 January``;
  ``weekly``, ``monthly``, ``quarterly`` and ``yearly`` alone repeat on the day they are
  said. ``on the 15th`` alone is once, on the coming 15th; so is ``on Thurs`` (``tues``,
  ``thurs``, ``weds`` are one day, ``Thursdays`` every one).
- A one-off reminder lies in the future and at most a year ahead; a schedule repeats at
  most every 52 weeks; a monthly day is the 1st to the 28th, "the last day",
  or the first to fourth or last of a weekday; months repeat every 1, 2, 3, 4 or 6.
- Schedules keep local wall-clock time across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.domain.calendar import (
    CRON_DAYS,
    FULL_DAY_NAMES,
    FULL_MONTH_NAMES,
    MONTH_WORDS,
    WEEKDAY_WORDS,
    WORKDAY_CRON,
    last_day,
    ordinal,
)
from bot.domain.dates import (
    PARTS_OF_DAY,
    RELATIVE_DAYS,
    VAGUE_DATE,
    Moment,
    find_time,
    format_date,
    format_due,
    local_today,
    near_date_word,
    normalise,
    read_moment,
    split_time,
)
from bot.domain.errors import ParseError

__all__ = [
    "WHEN_EXAMPLE",
    "Recurrence",
    "When",
    "describe_next",
    "describe_when",
    "parse_when",
    "reads_as_when",
    "split_when",
]

WHEN_EXAMPLE = "in 20 minutes, tomorrow at 9am, on Friday, every Friday at 4pm"
SPLIT_EXAMPLE = "write my weeknote every Friday at 4pm"
DEFAULT_TIME = time(9, 0)
MAX_AHEAD = timedelta(days=366)
MAX_WEEKS = 52
MAX_WHEN_WORDS = 12
WORKDAYS = WORKDAY_CRON
LATER_TODAY = time(16, 0)

Kind = Literal["daily", "weekly", "monthly", "yearly"]


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
    # monthly: 1..28, "last", or a weekday's place in the month as cron names it ("1st mon",
    # "last fri"); yearly: 1..31
    day: int | str | None = None
    month: int | None = None  # yearly: 1..12
    months: tuple[int, ...] = ()  # monthly: the months it falls in, evenly spaced; () all

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
                ok = ok and self.day is None and self.month is None
            elif self.kind == "monthly":
                ok = ok and self.month is None and _months_ok(self.months)
                ok = ok and (
                    self.day == "last"
                    or type(self.day) is int
                    and 1 <= self.day <= 28
                    or type(self.day) is str
                    and _PLACE_IN_MONTH.fullmatch(self.day) is not None
                )
            elif self.kind == "yearly":
                ok = ok and type(self.month) is int and 1 <= self.month <= 12
                ok = ok and type(self.day) is int and 1 <= self.day <= last_day(2027, self.month)
            else:
                ok = False
        if self.kind == "weekly":
            ok = ok and self.month is None
        if self.kind != "monthly":
            ok = ok and not self.months
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
            "month": self.month,
            "months": list(self.months),
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
                month=data.get("month"),
                months=tuple(data.get("months") or ()),
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
            if self.months:
                return CronTrigger(month=",".join(map(str, self.months)), day=self.day, **at)
            return CronTrigger(day=self.day, **at)
        if self.kind == "yearly":
            return CronTrigger(month=self.month, day=self.day, **at)
        if self.weeks > 1:
            # APScheduler's own "every N weeks at this wall-clock time": it adds calendar
            # weeks to the date and then sets the local time, so 09:00 stays 09:00 across a
            # daylight-saving change (IntervalTrigger adds seconds and would drift an hour).
            # Counted from ``start``, so the phase survives a restart. (A time the clocks
            # skip would skip that occurrence; the reader refuses such times.)
            assert self.start is not None
            return CalendarIntervalTrigger(weeks=self.weeks, start_date=self.start, **at)
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
            every = f"every {12 // len(self.months)} months" if self.months else "every month"
            return f"every {every.removeprefix('every ')} on the {_month_day_words(self.day)} {at}"
        if self.kind == "yearly":
            return f"every year on {self.day} {FULL_MONTH_NAMES[(self.month or 1) - 1]} {at}"
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
    note: str = ""  # how the words were read, when that needs saying ("the Friday of next week")

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


def describe_when(dt: datetime, tz: ZoneInfo, now: datetime) -> str:
    """A coming time in a sentence: "today at 16:00", "tomorrow at 09:00", "on Fri 4 Dec at
    16:00" (``describe_next`` without the "on", for listings).

    >>> describe_when(datetime(2026, 12, 4, 16, tzinfo=UTC), ZoneInfo("Europe/London"), now)
    'on Fri 4 Dec at 16:00'
    """
    said = describe_next(dt, tz, now)
    return said if said.startswith(("today", "tomorrow")) else f"on {said}"


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """When ``text`` says to remind, read in ``tz``; raises ParseError with an example.

    >>> friday_5pm = datetime(2026, 12, 4, 17, tzinfo=UTC)
    >>> parse_when("tomorrow at 9am", friday_5pm, ZoneInfo("Europe/London")).first
    datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.timezone.utc)
    """
    return _parse(text, now, tz, strict=False)


def reads_as_when(text: str, now: datetime, tz: ZoneInfo) -> bool:
    """Whether ``text`` is a when-clause, one that starts with a word a when starts with,
    readable or not: "tomorrow", "at 3pm", "yesterday" (past, but a when) are; "at GDS",
    "Gill tomorrow" and "in the sun" are not. Where a name ends and a when begins.

    >>> [reads_as_when(t, now, tz) for t in ("in 3 weeks", "yesterday", "at GDS", "Gill")]
    [True, True, False, False]
    """
    try:
        _parse(text, now, tz, strict=True)
    except _Unreadable:
        return False
    except ParseError:
        return True
    return True


def split_when(text: str, now: datetime, tz: ZoneInfo) -> tuple[str, When]:
    """Split what to remind of from when, in either order: "<subject> <when>",
    "<when> to <subject>", or a when in the middle ("call Pete tomorrow about the charter").

    >>> subject, when = split_when("write my weeknote every Friday at 4pm", now, tz)
    >>> subject, when.recurrence.describe()
    ('write my weeknote', 'every Friday at 16:00')
    >>> split_when("in 3 hours to call Pete", now, tz)[0]
    'call Pete'
    """
    words = list(re.finditer(r"\S+", text))
    found = _when_first(text, words, now, tz) or _when_last(text, words, now, tz)
    found = found or _when_inside(text, words, now, tz)
    if found is None:
        for word in words:
            said = word[0].strip(".,;:!?")
            near = near_date_word(said) if len(said) >= 4 else None
            if near is not None and near != said.lower():
                raise ParseError(
                    f"I couldn't read “{said}” as a day: did you mean “{near.capitalize()}”?",
                    example=SPLIT_EXAMPLE,
                )
        raise ParseError(
            f"I couldn't find when to remind you in “{text.strip()}”.", example=SPLIT_EXAMPLE
        )
    subject, when = found
    subject = re.sub(r"^(?:to|that|about)\s+", "", subject.strip().strip(",;:-–").strip())
    if not subject:
        raise ParseError("What should I remind you about?", example=SPLIT_EXAMPLE)
    return subject, when


def _when_first(text: str, words: list[re.Match[str]], now: datetime, tz: ZoneInfo):
    """``in 3 hours to call Pete``: a when, then ``to``/``that``/``about`` and the subject."""
    for end in range(min(len(words) - 1, MAX_WHEN_WORDS), 0, -1):
        if words[end][0].lower() not in ("to", "that", "about"):
            continue
        try:
            when = _parse(text[: words[end - 1].end()], now, tz, strict=True)
        except _Unreadable:
            continue
        return text[words[end].end() :], when
    return None


def _when_last(text: str, words: list[re.Match[str]], now: datetime, tz: ZoneInfo):
    """``call Pete in 3 hours``: the longest when-clause that ends the text."""
    for word in words[-MAX_WHEN_WORDS:]:
        subject = text[: word.start()].strip()
        if re.search(
            r"(?:^|\s)(?:from|since|of|the|last|and|or|than|after|every|each|for|before|until|due"
            r"|to|except|but|early|late|mid|next|this)$",
            subject,
            re.I,
        ):
            continue  # "notes from yesterday", "the Friday": part of the subject
        try:
            when = _parse(text[word.start() :], now, tz, strict=True)
        except _Unreadable:
            continue
        return subject, when
    return None


def _when_inside(text: str, words: list[re.Match[str]], now: datetime, tz: ZoneInfo):
    """``call Pete tomorrow about the charter``: one when-clause inside, before a joining word."""
    for i in range(1, len(words) - 2):
        for end in range(min(len(words) - 2, i + MAX_WHEN_WORDS), i, -1):
            if words[end][0].lower() not in ("about", "to", "and", "re", "for", "-", "–"):
                continue
            try:
                when = _parse(text[words[i].start() : words[end - 1].end()], now, tz, strict=True)
            except _Unreadable:
                continue
            joined = text[: words[i].start()].rstrip() + " " + text[words[end].start() :]
            return joined, when
    return None


class _Unreadable(ParseError):
    """Not a when-clause at all (as opposed to one that is past, too far or ambiguous)."""


_DAY = rf"(?:{'|'.join(sorted(WEEKDAY_WORDS, key=len, reverse=True))})"
_DAYS = rf"{_DAY}s?(?:\s+(?:and\s+)?{_DAY}s?)*"
_MONTH = rf"(?:{'|'.join(sorted(MONTH_WORDS, key=len, reverse=True))})"
_ORD = r"(?P<d>\d{1,3})(?:st|nd|rd|th)?"
_IN_MINUTES = re.compile(
    r"in (?P<n>\d+(?:\.5)?|an?|one|two|three|four|five|ten|twenty|thirty|half an?"
    r"|an? hour and a half|(?:a )?couple of)\s?(?P<unit>m|mins?|minutes?|h|hrs?|hours?)?"
)
_PLAIN_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10,
    "twenty": 20, "thirty": 30, "other": 2, "couple of": 2,
}  # fmt: skip
_DAILY = re.compile(r"(?:every|each) (?:day|morning|afternoon|evening|night)|daily")
_WORKDAYS = re.compile(
    r"(?:(?:every|each|on) )?(?:weekday|week day|working day|workday|work day)s?|weekdays"
    r"|(?:(?:every|each|on) )?(?:monday|mon) ?(?:to|-|–|through) ?(?:friday|fri)"
)
_WEEKLY_DAYS = re.compile(rf"(?:(?:every|each) (?P<days>{_DAYS})|(?:on )?(?P<plural>{_DAYS}))")
_EVERY_WEEKS = re.compile(
    rf"(?:every|each) (?P<n>\d+|other|two|three|four|second) (?:weeks? )?(?:on )?(?P<day>{_DAY})s?"
    rf"|(?:(?:every|each) (?:(?P<n2>\d+|other|two|three|four) )?(?:weeks?|fortnight)|weekly|"
    rf"fortnightly|biweekly)(?: on (?P<day2>{_DAY})s?)?"
)
_MONTH_PERIOD = (
    r"(?:every|each) (?:(?P<n>\d{1,2}|two|three|four|six|other) )?months?|monthly|quarterly"
    r"|(?:every|each) quarter"
)
_MONTHLY_PERIOD_FIRST = re.compile(rf"(?:{_MONTH_PERIOD})(?: on (?P<spec>.+))?")
_MONTHLY_PERIOD_LAST = re.compile(rf"(?:on )?(?P<spec>.+?) of (?:{_MONTH_PERIOD})")
_MONTHLY_EVERY = re.compile(r"(?:every|each) (?P<spec>.+?)(?: of (?:the|every|each) month)?")
_PLACE_WORDS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "last": "last"}
_PLACE_WORDS |= {place: place for place in ("1st", "2nd", "3rd", "4th")}
_MONTH_DAY_PLACE = re.compile(rf"(?P<place>{'|'.join(_PLACE_WORDS)}) (?P<day>{_DAY})s?")
_STEPS = {"two": 2, "three": 3, "four": 4, "six": 6, "other": 2}
_YEARLY = re.compile(
    rf"(?:every|each) year|yearly|annually"
    rf"|(?:(?:every|each) year|yearly|annually) on (?P<date>.+)"
    rf"|(?:on )?(?P<date2>.+?) (?:every|each) year"
    rf"|(?:every|each) (?P<date3>(?:the )?\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}"
    rf"|{_MONTH} (?:the )?\d{{1,2}}(?:st|nd|rd|th)?)"
)
_EVERY_UNSUPPORTED = re.compile(
    r"(?:every|each) (?:\d+|other|second|two|three|few) (?:minute|hour|day|year)s?"
    r"|(?:every|each) few (?:week|month)s?|(?:every|each) (?:minute|hour|weekend)|hourly"
)
_STRICT_LEADS = {"on", "by", "next", "this", "coming", "today", "tonight", "in", "every", "each"}
_STRICT_LEADS |= {"later", "first", "after", "a", "within", "quarterly", "cob", "eop", "close"}
_STRICT_LEADS |= {"before", "until", "till", "due", "no", "mon-fri", "early", "late", "mid"}
_STRICT_LEADS |= {"mon", "tue", "wed", "thu", "thur", "fri", "christmas", "xmas", "boxing"}
_STRICT_LEADS |= {word for word in RELATIVE_DAYS if " " not in word}
_STRICT_LEADS |= {"daily", "weekly", "monthly", "yearly", "annually", "fortnightly", "weekdays"}
_STRICT_LEADS |= {"tomorrow", "tmrw", "tmr", "yesterday", "end", "eod", "noon", "midday"}
_STRICT_LEADS |= {name.lower() for name in FULL_DAY_NAMES} | {"tues", "thurs", "weds"}
_STRICT_LEADS |= {name.lower() + "s" for name in FULL_DAY_NAMES}
_STRICT_LEADS |= {name.lower() for name in FULL_MONTH_NAMES} - {"may", "march"}


def _parse(text: str, now: datetime, tz: ZoneInfo, *, strict: bool) -> When:
    """``strict`` (for split_when) requires a lead word, so "in the sun" is not Sunday."""
    local_today(now, tz)  # refuses a naive now
    s = normalise(text)
    unreadable = _Unreadable(f"I couldn't read “{text.strip()}” as a time.", example=WHEN_EXAMPLE)
    if strict and s and not _may_start(s.split()[0]):
        raise unreadable  # before reading the time: "at 10 Downing Street" is no time
    m = _IN_MINUTES.fullmatch(s)
    if m and (m["unit"] or m["n"].startswith(("half", "an hour", "a hour"))):
        return _in_minutes(m, now)
    if VAGUE_DATE.fullmatch(s):
        raise ParseError(
            f"“{text.strip()}” names no single day: say which.", example="on Saturday at 10am"
        )
    before = s.startswith("before ")  # "before Friday": the day before, as for an action
    s = re.sub(r"^(?:on|by|until|till|due(?: on| by)?|no later than|before) ", "", s)
    if strict:
        rest, found = find_time(s)
        if found is not None and rest and not _names_a_day(rest, now, tz):
            raise unreadable  # "at 10 Downing Street": no time, whatever "at 10" is
    rest, at = split_time(s)
    rest = rest.strip()
    part = re.fullmatch(r"(?:every|each) (morning|afternoon|evening|night)", rest)
    if part and at is None:
        at = PARTS_OF_DAY[part[1]]
    elif at is None and (said := _schedule_and_part(rest)):
        rest, at = said  # "every Friday afternoon", "Mondays first thing"
    if _is_schedule(rest) and not before:
        return _every(rest, at, now, tz, unreadable if strict else None)
    if rest in ("today", "later today", "later on today") or (not rest and s == "today"):
        return _later_today(at, now, tz)
    moment = read_moment(s, now, tz)
    if moment is None or before and moment.at is not None:
        raise unreadable  # "before 5pm" names no time to remind
    if before:
        moment = Moment(
            moment.day - timedelta(days=1), None, f"the day before {format_date(moment.day)}"
        )
    named = moment.at is not None
    first = _local(moment.day, moment.at or DEFAULT_TIME, tz).astimezone(UTC)
    if first <= now:
        raise ParseError(
            f"That time has passed: {describe_next(first, tz, now)}.", example=WHEN_EXAMPLE
        )
    if first > now + MAX_AHEAD:
        raise ParseError(
            f"{format_date(moment.day)} is more than a year away; I keep reminders to the "
            "coming year.",
            example=WHEN_EXAMPLE,
        )
    return When(first, None, explicit_time=named, note=moment.note)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``tz``; refuses a time the clocks skip (01:30 when they go forward)."""
    local = datetime.combine(day, at, tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    if (back.date(), back.time()) != (day, at):
        raise ParseError(
            f"{at:%H:%M} doesn't happen on {format_date(day)}: the clocks go forward then.",
            example=f"at {back:%H:%M}, at 9am",
        )
    return local


def _may_start(word: str) -> bool:
    """Whether a when-clause may begin with ``word`` (for finding one inside other words)."""
    if word in _STRICT_LEADS or word == "at" or word == "@":
        return True
    return bool(
        re.fullmatch(r"\d{1,2}(?::\d\d)?(?:am|pm)|\d{1,2}:\d\d|the|\d{1,2}(?:st|nd|rd|th)", word)
    )


def _names_a_day(rest: str, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the words beside a time name a day or a schedule ("tomorrow", "every Friday")."""
    if rest == "today" or _is_schedule(rest):
        return True
    try:
        return read_moment(rest, now, tz) is not None
    except ParseError:
        return True  # a day, but an impossible one: let the full reading say why


def _is_schedule(s: str) -> bool:
    return bool(
        re.match(
            r"(?:every|each|daily|weekly|monthly|quarterly|yearly|annually|fortnightly|biweekly"
            r"|weekdays)\b",
            s,
        )
        or re.search(r"\b(?:every|each) (?:year|month|quarter|\w+ months)$", s)
        or re.fullmatch(rf"(?:on )?{_DAYS}", s)
        and (any(_plural_day(word) for word in s.split()) or len(re.findall(_DAY, s)) > 1)
        or _WORKDAYS.fullmatch(s)
        or re.fullmatch(r"(?:on )?(?:weekday|working day|workday)s", s)
    )


_PART_AFTER = re.compile(
    r"(?P<body>.+?) (?:in the )?"
    r"(?P<part>morning|first thing|lunchtime|after lunch|afternoon|evening|night)s?"
)


def _schedule_and_part(s: str) -> tuple[str, time] | None:
    """("every friday", 14:00) from "every friday afternoon"; None unless a schedule."""
    m = _PART_AFTER.fullmatch(s)
    if m is None or not _is_schedule(m["body"]):
        return None
    return m["body"], PARTS_OF_DAY[m["part"]]


def _plural_day(word: str) -> bool:
    """ "fridays", "thursdays": every such day; "tues", "thurs" and "weds" are one day."""
    return word not in WEEKDAY_WORDS and word.endswith("s") and word[:-1] in WEEKDAY_WORDS


def _later_today(at: time | None, now: datetime, tz: ZoneInfo) -> When:
    """``today``: at the time named, else 16:00, else an hour from now once 16:00 is near."""
    today = local_today(now, tz)
    if at is not None:
        first = _local(today, at, tz).astimezone(UTC)
        if first <= now:
            raise ParseError(
                f"That time has passed: {describe_next(first, tz, now)}.", example=WHEN_EXAMPLE
            )
        return When(first, None, explicit_time=True)
    first = datetime.combine(today, LATER_TODAY, tzinfo=tz).astimezone(UTC)
    if first - now < timedelta(minutes=30):
        first = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
        if first.astimezone(tz).date() != today:
            raise ParseError(
                "Today is nearly over: say when, or tomorrow.", example="tomorrow at 9am"
            )
        return When(first, None, explicit_time=True, note="in an hour")
    return When(first, None, explicit_time=True, note="later today")


def _in_minutes(m: re.Match[str], now: datetime) -> When:
    n = m["n"]
    if n.startswith("half"):
        minutes = 30
    elif "and a half" in n:
        minutes = 90
    else:
        minutes = _PLAIN_WORDS.get(n.removeprefix("a ")) or float(n)
        if (m["unit"] or "h").startswith("h"):
            minutes *= 60
        if minutes != int(minutes):
            raise ParseError("Give me whole minutes.", example="in 20 minutes, in 90 minutes")
        minutes = int(minutes)
    if minutes < 1:
        raise ParseError("That's now; give me at least a minute.", example="in 20 minutes")
    if minutes > MAX_AHEAD.total_seconds() // 60:
        raise ParseError("That's more than a year away.", example="in 20 minutes, in 3 days")
    return When(now + timedelta(minutes=minutes), None, explicit_time=True)


def _every(
    body: str, at: time | None, now: datetime, tz: ZoneInfo, unreadable: ParseError | None
) -> When:
    """A schedule; ``unreadable`` is raised for words that are none (when searching)."""
    t = at or DEFAULT_TIME
    common: dict[str, Any] = {"hour": t.hour, "minute": t.minute, "tz": tz.key}
    local_today(now, tz)  # refuses a naive now
    note = ""
    if _DAILY.fullmatch(body):
        rec = Recurrence("daily", **common)
    elif _WORKDAYS.fullmatch(body):
        rec = Recurrence("weekly", days=WORKDAYS, **common)
    elif m := _WEEKLY_DAYS.fullmatch(body):
        words = (m["days"] or m["plural"]).split()
        named = {_cron_day(word) for word in words if word != "and"}
        rec = Recurrence("weekly", days=tuple(d for d in CRON_DAYS if d in named), **common)
    elif m := _EVERY_WEEKS.fullmatch(body):
        rec, note = _every_weeks(m, common, now, tz)
    elif monthly := _monthly_words(body):
        rec, note = _every_month(*monthly, common, now, tz, unreadable)
    elif m := _YEARLY.fullmatch(body):
        rec, note = _every_year(m, common, now, tz, unreadable)
    elif _EVERY_UNSUPPORTED.fullmatch(body):
        raise ParseError(
            f"I can't repeat “{body}”: I repeat by day, weekday, week, month or year.",
            example="every weekday at 9:00, every 2 weeks on Monday, every month on the 1st",
        )
    else:
        raise unreadable or _Unreadable(f"I couldn't read “{body}” as a time.", WHEN_EXAMPLE)
    first = rec.next_after(None, now)
    assert first is not None  # these schedules never end
    return When(first, rec, explicit_time=at is not None, note=note)


def _every_weeks(
    m: re.Match[str], common: dict[str, Any], now: datetime, tz: ZoneInfo
) -> tuple[Recurrence, str]:
    n = m["n"] or m["n2"] or "1"
    whole = m.group(0)
    if "fortnight" in whole or "biweekly" in whole:
        n = "2"
    if n == "second":
        raise ParseError(
            "“every second …” could mean every other week or the second in each month.",
            example="every other Tuesday, every 2 weeks on Tuesday",
        )
    weeks = _PLAIN_WORDS.get(n) or int(n)
    example = "every 2 weeks on Monday"
    if weeks < 1:
        raise ParseError("Every 0 weeks is never; the least is every week.", example=example)
    if weeks > MAX_WEEKS:
        raise ParseError(f"Every {weeks} weeks is too long; the most is 52.", example=example)
    note = ""
    day_word = m["day"] or m["day2"]
    if day_word is None:
        weekday = local_today(now, tz).weekday()
        day = CRON_DAYS[weekday]
        note = f"on {FULL_DAY_NAMES[weekday]}s, the day you set it"
    else:
        day = _cron_day(day_word)
    if weeks == 1:
        return Recurrence("weekly", days=(day,), **common), note
    first = Recurrence("weekly", days=(day,), **common).next_after(None, now)
    assert first is not None
    start = first.astimezone(tz).date()
    rec = Recurrence("weekly", days=(day,), weeks=weeks, start=start, **common)
    return rec, note


def _monthly_words(body: str) -> tuple[int, str | None] | None:
    """(every how many months, the day of the month as said or None) when ``body`` is a
    monthly schedule: "every month on the 1st", "the last Friday of every month",
    "quarterly", "every first Monday of the month"."""
    for pattern in (_MONTHLY_PERIOD_FIRST, _MONTHLY_PERIOD_LAST):
        if m := pattern.fullmatch(body):
            step = 3 if "quarter" in m.group(0) else _STEPS.get(m["n"] or "") or int(m["n"] or 1)
            return step, m["spec"]
    if (m := _MONTHLY_EVERY.fullmatch(body)) and _month_day(m["spec"]) is not None:
        return 1, m["spec"]
    return None


def _month_day(said: str) -> int | str | None:
    """The day of the month ``said`` names: 15, "last", "1st mon", "last fri"; None if none."""
    said = said.removeprefix("the ")
    if said == "last day":
        return "last"
    if m := re.fullmatch(r"(\d{1,3})(?:st|nd|rd|th)?", said):
        return int(m[1])
    if m := _MONTH_DAY_PLACE.fullmatch(said):
        return f"{_PLACE_WORDS[m['place']]} {_cron_day(m['day'])}"
    return None


def _every_month(
    step: int,
    said: str | None,
    common: dict[str, Any],
    now: datetime,
    tz: ZoneInfo,
    unreadable: ParseError | None,
) -> tuple[Recurrence, str]:
    example = "every month on the 1st, every month on the last day, monthly on the last Friday"
    if step not in (1, 2, 3, 4, 6):
        raise ParseError(
            f"I repeat every 1, 2, 3, 4 or 6 months, not every {step}.",
            example="every 3 months on the 1st, every year on 1 April",
        )
    today = local_today(now, tz)
    note = ""
    day: int | str | None
    if said is None:
        day = today.day
        if day == last_day(today.year, today.month) and day > 28:
            day, note = "last", "the last day, as today"
        else:
            note = f"on the {ordinal(day)}, today's date"
    elif (day := _month_day(said)) is None:
        if unreadable is not None:
            raise unreadable  # "the bank on the 3rd of every month": look further on
        raise ParseError(f"I couldn't read “{said}” as a day of the month.", example=example)
    if isinstance(day, int) and not 1 <= day <= 31:
        raise ParseError(f"A month has no {ordinal(day)} day.", example=example)
    if isinstance(day, int) and day > 28:
        raise ParseError(
            f"Not every month has a {ordinal(day)}; say “on the last day” for month ends.",
            example=example,
        )
    rec = Recurrence("monthly", day=day, **common)
    if step == 1:
        return rec, note
    first = rec.next_after(None, now)
    assert first is not None
    start = today.month if said is None else first.astimezone(tz).month  # "quarterly": from now
    months = tuple(sorted({(start - 1 + step * k) % 12 + 1 for k in range(12 // step)}))
    return Recurrence("monthly", day=day, months=months, **common), note


def _every_year(
    m: re.Match[str],
    common: dict[str, Any],
    now: datetime,
    tz: ZoneInfo,
    unreadable: ParseError | None,
) -> tuple[Recurrence, str]:
    said = m["date"] or m["date2"] or m["date3"]
    example = "every year on 1 January"
    if said is None:
        today = local_today(now, tz)
        if (today.month, today.day) == (2, 29):
            raise ParseError("Not every year has a 29 February.", example=example)
        note = f"on {today.day} {FULL_MONTH_NAMES[today.month - 1]}, today's date"
        return Recurrence("yearly", month=today.month, day=today.day, **common), note
    found = re.fullmatch(
        rf"(?:on )?(?:the )?(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m>{_MONTH})"
        rf"|(?P<m2>{_MONTH}) (?:the )?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?",
        said.strip(),
    )
    if found is None:
        if unreadable is not None:
            raise unreadable  # "the insurance on 1 January every year": look further on
        raise ParseError(f"I couldn't read “{said}” as a day of the year.", example=example)
    day, month = int(found["d"] or found["d2"]), MONTH_WORDS[found["m"] or found["m2"]]
    if (month, day) == (2, 29):
        raise ParseError("Not every year has a 29 February.", example=example)
    if not 1 <= day <= last_day(2027, month):
        raise ParseError(f"{FULL_MONTH_NAMES[month - 1]} has no {ordinal(day)}.", example=example)
    return Recurrence("yearly", month=month, day=day, **common), ""


def _cron_day(word: str) -> str:
    """ "fri", from "friday", "fri" or "fridays"."""
    if word not in WEEKDAY_WORDS:
        word = word.removesuffix("s")
    return CRON_DAYS[WEEKDAY_WORDS[word]]


_PLACES = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "last": "last"}
_PLACE_IN_MONTH = re.compile(rf"(?P<place>1st|2nd|3rd|4th|last) (?P<day>{'|'.join(CRON_DAYS)})")


def _month_day_words(day: int | str | None) -> str:
    """ "1st", "last day", "first Monday": a monthly day as a reply says it."""
    if day == "last":
        return "last day"
    if isinstance(day, str) and (m := _PLACE_IN_MONTH.fullmatch(day)):
        return f"{_PLACES[m['place']]} {FULL_DAY_NAMES[CRON_DAYS.index(m['day'])]}"
    return ordinal(int(day or 0))


def _months_ok(months: tuple[int, ...]) -> bool:
    """No months (every month), or 2, 3, 4 or 6 of them, in order and evenly spaced."""
    if not months:
        return True
    if len(months) not in (2, 3, 4, 6) or not all(type(m) is int for m in months):
        return False
    step = 12 // len(months)
    return list(months) == sorted({(months[0] - 1 + step * k) % 12 + 1 for k in range(len(months))})


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"

"""Dates and times of day as people type them, read in the member's time zone: one reader
for every command (actions' due dates, reminders, the digest's settings).

>>> from datetime import UTC
>>> tuesday = datetime(2026, 12, 1, 10, tzinfo=UTC)
>>> parse_due("Friday", tuesday, ZoneInfo("Europe/London"))
datetime.date(2026, 12, 4)
>>> read_moment("next Friday at 5pm", tuesday, ZoneInfo("Europe/London"))
Moment(day=datetime.date(2026, 12, 11), at=datetime.time(17, 0), note='the Friday of next week')

Rules (``tests/phrases/`` is the reference, one line per phrase):
- A bare weekday (``Friday``, ``on Friday``) is the next such day after today: "Friday"
  said on a Friday is a week away. ``this Friday`` counts today.
- ``next Friday`` is the Friday of next week (weeks run Monday to Sunday): said on Tuesday
  1 December it is Friday 11 December, and the reply says so; said at the weekend it is
  the coming Friday. ``Friday week`` is a week after the coming Friday.
- A day and month without a year (``4 Dec``) is the coming one, today included, unless
  it went by in the last 90 days: then it is in the past and refused (``30 Nov`` said on
  1 December; never moved a year). ``15 Jan`` or ``1 June`` said in December is next
  year's. A day of the month alone (``the 15th``) is the coming one, today included.
- Dates are day first, as this is a UK network: ``15/01`` is 15 January; two-digit years
  are this century.
- ``next week`` is its Monday, ``next month`` its 1st; ``end of the week`` (``EOW``) is
  Friday, ``end of the month`` (``EOM``) its last day, ``EOD``/``COB``/``end of play``
  today at 17:00 (``COB Friday``, ``Friday EOD``: that day at 17:00).
- ``this time next week`` is a week from now, to the minute; ``a week today`` is a week from
  today, ``a week on Friday`` the same as ``Friday week``; ``w/c 7 Dec`` (week commencing)
  is the day named; ``within a fortnight`` is ``in a fortnight``; ``Christmas`` is 25
  December, ``Christmas Eve`` the 24th, ``Boxing Day`` the 26th.
- Times: ``5pm``, ``17:00``, ``5.30pm``, ``noon``, ``midnight``; ``morning`` and ``first
  thing`` 09:00, ``lunchtime`` 12:00, ``after lunch`` 13:00, ``afternoon`` 14:00,
  ``evening`` 18:00, ``tonight`` 20:00. A bare ``at 5`` is refused as ambiguous, and so is
  ``3:30`` (or ``half 3``) without am/pm from 1:00 to 7:59: in a working day it is rarely
  the morning. ``at 17``, ``9:15`` and ``07:30`` are clock times.
- ``nxt`` is read as ``next``, and ``tomorow`` (and a few more slips) as ``tomorrow``.
- 29 February without a year is the coming one, refused in a year that has none.
- A date in the past, or more than five years ahead, is refused as a due date.

Why not dateparser's ``search_dates``: it finds dates in words that are not ("we" became
a Wednesday, "May about the sun" May 2027, "by end of next week" read "of next week"),
and its ``PREFER_DATES_FROM`` moves a day already gone to next year, the very misreading
refused here. The grammar that spots and reads a date is therefore ours, over the one
table of names in ``bot.domain.calendar``; dateparser does the calendar arithmetic of
"in N months" and "in N years" (it is imported on first use, about 0.2 s; ``warm_up()``
pays that at start-up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import (
    DAY_NAMES,
    FULL_DAY_NAMES,
    FULL_MONTH_NAMES,
    MONTH_NAMES,
    MONTH_WORDS,
    WEEKDAY_WORDS,
    last_day,
    ordinal,
)
from bot.domain.errors import ParseError
from bot.domain.text import closest

__all__ = [
    "DUE_EXAMPLE",
    "TIME_EXAMPLE",
    "Moment",
    "format_date",
    "format_due",
    "local_today",
    "near_date_word",
    "normalise",
    "parse_due",
    "picked_date",
    "read_date",
    "read_moment",
    "read_time",
    "find_time",
    "split_time",
    "warm_up",
]

DUE_EXAMPLE = "by Friday, by 4 Dec, by 2026-12-04"
TIME_EXAMPLE = "4pm, 16:00, 9:30am, noon"
MAX_AHEAD = timedelta(days=5 * 365 + 1)
EOD = time(17, 0)
PARTS_OF_DAY = {
    "morning": time(9, 0),
    "first thing": time(9, 0),
    "lunchtime": time(12, 0),
    "lunch": time(12, 0),
    "after lunch": time(13, 0),
    "afternoon": time(14, 0),
    "evening": time(18, 0),
    "night": time(20, 0),
}
RELATIVE_DAYS = {
    "today": 0, "tod": 0, "tdy": 0,
    "tomorrow": 1, "tmrw": 1, "tmr": 1, "tmw": 1, "tomoz": 1, "2moro": 1,
    "tomorow": 1, "tommorow": 1, "tommorrow": 1, "tomorrrow": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2,
    "yesterday": -1, "the day before yesterday": -2,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2,
}  # fmt: skip
CLOSE_OF_DAY = {"eod", "cob", "eop", "end of day", "end of the day", "end of today"}
CLOSE_OF_DAY |= {"close of business", "end of business", "end of play", "close of play"}
CLOSE_OF_DAY |= {"cop", "close of day"}
# Days of the year that have a name of their own; read only where a date is expected.
NAMED_DAYS = {
    "christmas": (12, 25), "xmas": (12, 25), "christmas day": (12, 25),
    "christmas eve": (12, 24), "boxing day": (12, 26),
    "new year's eve": (12, 31), "new years eve": (12, 31), "new year’s eve": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "new year’s day": (1, 1),
}  # fmt: skip

_WD = "|".join(sorted(WEEKDAY_WORDS, key=len, reverse=True))
_MON = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
_NUM = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)"
_WEEKDAY_RE = re.compile(
    rf"(?:(?P<which>this coming|coming|this|next|last)\s+)?(?P<day>{_WD})(?P<week>\s+week)?"
)
_UNITS = {"d": "day", "w": "week", "wk": "week", "mth": "month", "mo": "month", "yr": "year"}
_UNITS |= {unit: unit for unit in ("day", "week", "fortnight", "month", "year")}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_IN_RE = re.compile(
    rf"(?:in\s+)?(?:(?P<n>\d{{1,12}})\s*|(?P<w>{_NUM})\s+)(?P<unit>{_UNIT})s?"
    r"(?P<tail>'?s?\s+time|\s+from\s+(?:now|today))?|in\s+a\s+fortnight"
)
# Words that name no single day, refused with the reason where a date is expected:
# "this weekend", "early next week", "mid-January", "in the new year".
VAGUE_DATE = re.compile(
    rf"(?:(?:this|next|over the|at the|by the)\s+)weekend|in\s+the\s+new\s+year"
    rf"|(?:early|late|later|mid|middle of)\s*-?\s*(?:(?:this|next|the)\s+(?:week|month|year)"
    rf"|{_MON})"
)
_END_RE = re.compile(
    rf"(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<which>this\s+|next\s+)?"
    rf"(?P<unit>day|week|working\s+week|work\s+week|month|year|{_MON})"
)
_SHORT_END = {"eow": "week", "eom": "month", "eoy": "year"}
_ORDINAL_RE = re.compile(
    rf"(?:(?P<wd>{_WD})\s+)?(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}"
    r"(?:\s+of\s+(?:(?:the|this)\s+month|(?P<next>next\s+month)))?"
)
_DAY_MONTH_RE = re.compile(
    rf"(?:(?P<wd>{_WD})\s+)?(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}?\s+(?:of\s+)?(?P<mon>{_MON})"
    r"(?:\s+(?P<y>\d{4}|\d{2}))?"
)
_MONTH_DAY_RE = re.compile(
    rf"(?:(?P<wd>{_WD})\s+)?(?P<mon>{_MON})\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}?"
    r"(?:\s+(?P<y>\d{4}))?"
)
_NUMERIC_RE = re.compile(
    rf"(?:(?P<wd>{_WD})\s+)?(?P<a>\d{{1,4}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?:(?P=sep)(?P<c>\d{{2,4}}))?"
)
_TIME = (
    r"(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?\s?(?P<ap>am|pm)?"
    r"|(?P<word>noon|midday|midnight|lunchtime)"
)
_TIME_RE = re.compile(rf"(?:(?P<at>at|@|by|before|around|about)\s+)?(?:{_TIME})")
_TIME_AT_END = re.compile(rf"(?:^|\s)(?P<at>at\s+|@\s*|by\s+|before\s+)?(?:{_TIME})$")
_TIME_AT_START = re.compile(rf"^(?P<at>at\s+|@\s*|by\s+|before\s+)?(?:{_TIME})(?:\s+(?:on\s+)?|$)")
_PART_AT_END = re.compile(
    r"(?:^|\s)(?:in\s+the\s+)?"
    r"(?P<part>morning|first thing|lunchtime|after lunch|afternoon|evening|night)$"
)
_PART_AT_START = re.compile(r"(?P<part>first thing|after lunch)(?:\s+(?:on\s+)?(?P<day>.+))?")
_COD = "|".join(sorted(CLOSE_OF_DAY, key=len, reverse=True))
_COD_AND_DAY = re.compile(
    rf"(?:{_COD})\s+(?:on\s+)?(?P<day>.+)|(?P<day2>.+?)\s+(?:at\s+|by\s+)?(?:{_COD})"
)
_WEEK_COMMENCING = re.compile(
    r"(?:w/c|wc|w/b|week\s+commencing|week\s+beginning|week\s+starting)\s+(?P<day>.+)"
)
_DAY_NEXT_WEEK = re.compile(
    rf"(?:on\s+)?(?P<wd>{_WD})\s+(?P<which>next|this)\s+week"
    rf"|(?P<which2>next|this)\s+week\s+(?:on\s+)?(?P<wd2>{_WD})"
)
_A_WEEK_ON = re.compile(rf"a\s+week\s+(?:(?P<rel>today|tomorrow)|(?:on\s+)?(?P<wd>{_WD}))")
_LEADING_WORDS_RE = re.compile(r"^(?:(?:by|on|due|before|until|till|for)\s+)+")


@dataclass(frozen=True)
class Moment:
    """A day, and the time of day if one was said, read from what a member typed.

    ``note`` says how it was read when that is not plain from the words ("the Friday of
    next week", "its Monday"); replies show it.
    """

    day: date
    at: time | None = None
    note: str = ""


def picked_date(value: str | None) -> date | None:
    """The date a date picker sent (``YYYY-MM-DD``), ``None`` if none was picked.

    A value no date picker sends raises :class:`ParseError`.

    >>> picked_date("2026-12-04"), picked_date(None)
    (datetime.date(2026, 12, 4), None)
    """
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        raise ParseError("Pick a date with the date picker.", example="2026-12-04")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParseError(f"There is no such date as {value}.", example="2026-12-04") from None


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date in ``tz`` at the aware instant ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(tz).date()


def warm_up() -> None:
    """Import dateparser and load its English data, so the first real parse is fast."""
    _dateparse("in 2 months", datetime(2026, 1, 1))


def normalise(text: str) -> str:
    """What the grammar reads: lower case, one space between words, no commas or final stop.

    >>> normalise("  By   FRIDAY, 5 P.M. "), normalise("nxt Tues at half 9")
    ('by friday 5 pm', 'next tues at 9:30')
    """
    s = text.lower().replace("a.m.", "am").replace("p.m.", "pm").replace(",", " ")
    s = " ".join(s.split()).rstrip(".!?").strip()
    s = re.sub(r"(?<![\w/])nxt(?![\w/])", "next", s)
    s = re.sub(r"(?<![\w/])quarter past (\d{1,2})(?=\s?(?:am|pm)\b|\s|$)", r"\1:15", s)
    s = re.sub(
        r"(?<![\w/])quarter to (\d{1,2})(?=\s?(?:am|pm)\b|\s|$)",
        lambda m: f"{int(m[1]) - 1 or 12}:45",
        s,
    )
    return re.sub(r"(?<![\w/])half (?:past )?(\d{1,2})(?=\s?(?:am|pm)\b|\s|$)", r"\1:30", s)


def read_time(text: str) -> time | None:
    """A time of day (``4pm``, ``16:00``, ``9.30am``, ``noon``), or None if it is not one.

    Raises ParseError for one that cannot be meant: ``5`` (5am or 5pm?), ``25:00``.

    >>> read_time("4pm"), read_time("at 16:30"), read_time("Friday")
    (datetime.time(16, 0), datetime.time(16, 30), None)
    """
    m = _TIME_RE.fullmatch(normalise(text))
    if m is None:
        return None
    return _time_of(m, bare_ok=True)


def read_moment(text: str, now: datetime, tz: ZoneInfo) -> Moment | None:
    """The day (and time of day) ``text`` names, past ones included, or None if it names none.

    A time alone is the next such time (today, or tomorrow once it has gone). Raises
    ParseError for text that is a date or time but an impossible one (``31 Feb``,
    ``Thu 4 Dec`` when 4 December is a Friday, ``at 5``).
    """
    today = local_today(now, tz)
    s = re.sub(r"^within\s+(?:the\s+next\s+)?", "in ", normalise(text))
    if not s:
        return None
    if s in CLOSE_OF_DAY:
        return Moment(today, EOD, "today at 17:00")
    if s == "tonight":
        return Moment(today, PARTS_OF_DAY["night"])
    if m := re.fullmatch(r"this\s+(morning|lunchtime|afternoon|evening)", s):
        return Moment(today, PARTS_OF_DAY[m[1]])
    try:
        if (m := _COD_AND_DAY.fullmatch(s)) and (found := _read_day(m["day"] or m["day2"], today)):
            return Moment(found.day, EOD, found.note)  # "COB Friday", "Friday EOD"
        if (
            m := re.fullmatch(r"(?:the\s+)?end\s+of\s+(?:the\s+day\s+)?(?:on\s+)?(?P<day>.+)", s)
        ) and (not _END_RE.fullmatch(s) and (found := _read_day(m["day"], today))):
            return Moment(found.day, EOD, found.note)  # "end of Friday"
        if m := re.fullmatch(r"this\s+time\s+(?P<day>.+)", s):
            return _this_time(m["day"], now, tz)
        if m := re.fullmatch(r"(?:in\s+the|at)\s+(morning|lunch|lunchtime|afternoon|evening)", s):
            return _next_part(m[1], now, tz)  # "in the morning": the next morning
        if (m := _PART_AT_START.fullmatch(s)) or (m := _PART_AT_END.fullmatch(s)):
            return (
                _part_alone(m["part"], now, tz)
                if not m.groupdict().get("day")
                else (_part_of(m["day"], m["part"], today))
            )
    except _NotADate:
        return None
    rest, at = split_time(s)
    try:
        if at is None and (part := _PART_AT_END.search(s)):
            return _part_of(s[: part.start()].strip(), part["part"], today)
        if not rest:
            if at is None:
                return None
            day = today
            if datetime.combine(today, at, tzinfo=tz) <= now:  # gone today: tomorrow
                day = today + timedelta(days=1)
            return Moment(day, at)
        if rest == "tonight":
            return Moment(today, at)
        found = _read_day(rest, today)
    except _NotADate:
        return None
    return Moment(found.day, at, found.note) if found else None


def _part_of(day_words: str, part: str, today: date) -> Moment | None:
    """``tomorrow morning``, ``first thing on Friday``: the day at that part's time."""
    found = _read_day(day_words, today) if day_words else None
    return Moment(found.day, PARTS_OF_DAY[part], found.note) if found else None


def _part_alone(part: str, now: datetime, tz: ZoneInfo) -> Moment | None:
    """``first thing``, ``after lunch`` alone: the next such time (today, else tomorrow)."""
    if part not in ("first thing", "after lunch"):
        return None  # "morning" alone names no day ("in the morning" does: see read_moment)
    today, at = local_today(now, tz), PARTS_OF_DAY[part]
    if datetime.combine(today, at, tzinfo=tz) <= now:
        return Moment(today + timedelta(days=1), at)
    return Moment(today, at)


def _next_part(part: str, now: datetime, tz: ZoneInfo) -> Moment:
    """ "in the morning", "at lunch": that part of today, or of tomorrow once it has begun."""
    today, at = local_today(now, tz), PARTS_OF_DAY[part]
    if datetime.combine(today, at, tzinfo=tz) <= now:
        return Moment(today + timedelta(days=1), at)
    return Moment(today, at)


def _this_time(day_words: str, now: datetime, tz: ZoneInfo) -> Moment | None:
    """``this time next week``, ``this time tomorrow``: that day, at the time it is now."""
    today, local = local_today(now, tz), now.astimezone(tz)
    at = time(local.hour, local.minute)
    if day_words == "next week":
        return Moment(today + timedelta(days=7), at, "a week from now")
    found = _read_day(day_words, today)
    if found is None or found.day <= today:
        return None
    return Moment(found.day, at, found.note)


_DATE_WORDS = [name.lower() for name in FULL_DAY_NAMES] + ["tomorrow", "today", "tonight"]
_DATE_WORDS += [name.lower() for name in FULL_MONTH_NAMES if name not in ("May", "March")]
_DATE_WORDS += ["yesterday", "fortnight", "weekend"]


def near_date_word(word: str) -> str | None:
    """The day or month name a word is probably a slip for ("wendesday": "wednesday").

    >>> near_date_word("wendesday"), near_date_word("Pete")
    ('wednesday', None)
    """
    near = closest(word, _DATE_WORDS, 0.8)
    return near if near and abs(len(near) - len(word)) <= 2 else None


def read_date(text: str, now: datetime, tz: ZoneInfo) -> date | None:
    """The date ``text`` names, past ones included, or None ("may", "12", "soon").

    A leading ``by``, ``on`` or ``due`` is read past. Raises ParseError only for text
    that is a date but an impossible one ("31 Feb", "in 0 days").
    """
    s = _LEADING_WORDS_RE.sub("", normalise(text))
    found = read_moment(s, now, tz)
    return found.day if found else None


def parse_due(text: str, now: datetime, tz: ZoneInfo) -> date:
    """The due date ``text`` names, today or later, read in the member's time zone.

    A time of day may come with it ("Friday at 5pm"); an action keeps the date alone.

    >>> from datetime import UTC
    >>> parse_due("4 Dec", datetime(2026, 11, 5, 12, tzinfo=UTC), ZoneInfo("Europe/London"))
    datetime.date(2026, 12, 4)
    """
    s = _LEADING_WORDS_RE.sub("", normalise(text))
    found = read_moment(s, now, tz)
    if found is None:
        raise ParseError(f"I couldn't read “{text.strip()}” as a date.", example=DUE_EXAMPLE)
    check_due(found.day, now, tz)
    return found.day


def check_due(day: date, now: datetime, tz: ZoneInfo) -> None:
    """Refuse a due date in the past or more than five years ahead, with the reason."""
    today = local_today(now, tz)
    if day < today:
        raise ParseError(f"{format_date(day)} is in the past.", example=DUE_EXAMPLE)
    if day > today + MAX_AHEAD:
        raise ParseError(f"{format_date(day)} is more than five years away.", example=DUE_EXAMPLE)


def format_due(d: date, today: date) -> str:
    """A due date for a listing: "today", "tomorrow", "yesterday", "Fri 4 Dec", "Sat 4 Dec 2027"."""
    if (words := {0: "today", 1: "tomorrow", -1: "yesterday"}.get((d - today).days)) is not None:
        return words
    short = f"{DAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]}"
    return short if d.year == today.year else f"{short} {d.year}"


def format_date(d: date) -> str:
    """A date in full for messages: "Fri 4 Dec 2026"."""
    return f"{DAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


# --- the grammar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Day:
    day: date
    note: str = ""


def _read_day(s: str, today: date) -> _Day | None:
    """A day named by ``s`` (normalised, no time of day), past ones included."""
    if s in RELATIVE_DAYS:
        return _Day(today + timedelta(days=RELATIVE_DAYS[s]))
    if s in NAMED_DAYS:
        return _coming(today, *NAMED_DAYS[s], s)
    if m := _WEEK_COMMENCING.fullmatch(s):
        found = _read_day(m["day"], today)
        return (
            _Day(found.day, f"the week commencing {format_due(found.day, today)}")
            if found
            else None
        )
    if m := _DAY_NEXT_WEEK.fullmatch(s):  # "Wednesday next week": next Wednesday
        which, day = m["which"] or m["which2"], m["wd"] or m["wd2"]
        return _weekday(_WEEKDAY_RE.fullmatch(f"{which} {day}"), today)  # type: ignore[arg-type]
    if m := _A_WEEK_ON.fullmatch(s):
        if m["rel"]:
            base = today + timedelta(days=RELATIVE_DAYS[m["rel"]])
        else:
            base = today + timedelta(days=(WEEKDAY_WORDS[m["wd"]] - today.weekday()) % 7 or 7)
        after = f"from {m['rel']}" if m["rel"] else f"after {format_due(base, today)}"
        return _Day(base + timedelta(days=7), f"a week {after}")
    if m := _WEEKDAY_RE.fullmatch(s):
        return _weekday(m, today)
    if m := _IN_RE.fullmatch(s):
        return _in(m, s, today)
    if s in ("next week", "next month"):
        if s == "next week":
            monday = today + timedelta(days=7 - today.weekday())
            return _Day(monday, "the Monday of next week")
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return _Day(first, "the 1st of next month")
    if s in _SHORT_END:
        s = f"end of {_SHORT_END[s]}"
    if m := _END_RE.fullmatch(s):
        return _end_of(m, today)
    if m := _ORDINAL_RE.fullmatch(s):
        return _ordinal_day(m, today)
    for pattern in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        if m := pattern.fullmatch(s):
            return _day_month(m, s, today)
    if m := _NUMERIC_RE.fullmatch(s):
        return _numeric(m, s, today)
    return None


def _weekday(m: re.Match[str], today: date) -> _Day:
    weekday = WEEKDAY_WORDS[m["day"]]
    which, name = m["which"], FULL_DAY_NAMES[weekday]
    ahead = (weekday - today.weekday()) % 7
    if which == "last":
        return _Day(today - timedelta(days=(today.weekday() - weekday) % 7 or 7))
    if which == "next":
        next_week = today + timedelta(days=7 - today.weekday() + weekday)
        coming = today + timedelta(days=ahead or 7)
        note = f"the {name} of next week" if next_week != coming else ""
        return _Day(next_week, note)
    day = today + timedelta(days=ahead if ahead or which == "this" else 7)
    if m["week"]:
        if which:
            raise ParseError(f"“{m.group(0)}” is unclear.", example=f"{name} week, next {name}")
        return _Day(day + timedelta(days=7), f"a week after {format_due(day, today)}")
    return _Day(day)


def _in(m: re.Match[str], s: str, today: date) -> _Day:
    if s == "in a fortnight":
        return _Day(today + timedelta(weeks=2))
    n = int(m["n"]) if m["n"] else NUMBER_WORDS[m["w"]]
    if not s.startswith("in ") and not m["tail"]:
        raise _NotADate  # "2 weeks" alone is a length of time, not a day
    if n == 0:
        raise ParseError(f"“{s}” is today; say “today”.", example=DUE_EXAMPLE)
    unit = _UNITS[m["unit"]]
    if unit in ("day", "week", "fortnight"):
        try:
            return _Day(today + timedelta(days=n * {"day": 1, "week": 7, "fortnight": 14}[unit]))
        except OverflowError:
            raise ParseError(f"“{s}” is too far ahead.", example=DUE_EXAMPLE) from None
    if n > 1000:
        raise ParseError(f"“{s}” is too far ahead.", example=DUE_EXAMPLE)
    parsed = _dateparse(f"in {n} {unit}s", datetime.combine(today, time(12)))
    if parsed is None:
        raise ParseError(f"“{s}” is too far ahead.", example=DUE_EXAMPLE)
    return _Day(parsed.date())


def _end_of(m: re.Match[str], today: date) -> _Day:
    unit, which = " ".join(m["unit"].split()), (m["which"] or "").strip()
    if unit == "day":
        if which == "next":
            raise _NotADate
        return _Day(today, "")
    if unit in ("week", "working week", "work week"):
        friday = today + timedelta(days=4 - today.weekday())
        if which == "next" or today.weekday() > 4:
            friday += timedelta(days=7)
        if which != "next" and today.weekday() > 4:
            return _Day(friday, "the Friday that ends the coming working week")
        return _Day(friday)
    if unit == "month":
        year, month = today.year, today.month
        if which == "next":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return _Day(date(year, month, last_day(year, month)))
    if unit == "year":
        if which == "next":
            return _Day(date(today.year + 1, 12, 31))
        return _Day(date(today.year, 12, 31))
    if which:
        raise _NotADate
    month = MONTH_WORDS[unit]
    return _nearest_in_years(today, month, last_day(today.year, month))


def _ordinal_day(m: re.Match[str], today: date) -> _Day:
    d = int(m["d"])
    if not 1 <= d <= 31:
        raise ParseError(f"A month has no {ordinal(d)} day.", example="by the 15th")
    candidates = []
    for shift in (-1, 0, 1, 2):
        year, month = today.year, today.month + shift
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        if d <= last_day(year, month):
            candidates.append(date(year, month, d))
    if m["next"]:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        if d > last_day(year, month):
            raise ParseError(
                f"{FULL_MONTH_NAMES[month - 1]} has no {ordinal(d)}.", example="by the 15th"
            )
        found = _Day(date(year, month, d))
    else:
        found = _Day(min(c for c in candidates if c >= today))  # "the 30th" on the 1st: this month
    return _check_weekday(m["wd"], found)


def _day_month(m: re.Match[str], s: str, today: date) -> _Day:
    d, month = int(m["d"]), MONTH_WORDS[m["mon"]]
    year = m["y"]
    if year is not None:
        year_n = int(year) + (2000 if len(year) == 2 else 0)
        return _check_weekday(m["wd"], _Day(_valid(year_n, month, d, s)))
    _valid(2000, month, d, s, said_year=False)  # 2000 had a 29 February
    return _check_weekday(m["wd"], _coming(today, month, d, s))


def _numeric(m: re.Match[str], s: str, today: date) -> _Day:
    a, b, c = m["a"], m["b"], m["c"]
    if len(a) == 4:  # 2026-12-04: year first
        if c is None:
            raise _NotADate
        return _check_weekday(m["wd"], _Day(_valid(int(a), int(b), int(c), s)))
    if len(a) > 2 or (c is not None and len(c) == 3):
        raise _NotADate
    d, month = int(a), int(b)
    if not 1 <= month <= 12:
        if 1 <= d <= 12 and 1 <= month <= 31:
            raise ParseError(
                f"“{s}” would be month {month}: dates are day first, as in the UK.",
                example=f"by {month}/{d:02d}",
            )
        raise ParseError(f"There's no such date as “{s}”.", example=DUE_EXAMPLE)
    if c is not None:
        year = int(c) + (2000 if len(c) == 2 else 0)
        return _check_weekday(m["wd"], _Day(_valid(year, month, d, s)))
    if not 1 <= d <= last_day(2000, month):
        _valid(2000, month, d, s, said_year=False)
    return _check_weekday(m["wd"], _coming(today, month, d, s))


def _valid(year: int, month: int, d: int, s: str, *, said_year: bool = True) -> date:
    try:
        return date(year, month, d)
    except ValueError:
        if 1 <= month <= 12 and d > 0:
            name = FULL_MONTH_NAMES[month - 1] + (f" {year}" if said_year else "")
            raise ParseError(f"{name} has no {ordinal(d)}.", example=DUE_EXAMPLE) from None
        raise ParseError(f"There's no such date as “{s}”.", example=DUE_EXAMPLE) from None


def _coming(today: date, month: int, d: int, s: str) -> _Day:
    """A day and month without a year: the coming one, or one gone by in the last 90 days.
    29 February is that of the coming February (or a recent one), refused if it has none."""
    if (month, d) != (2, 29):
        return _nearest_in_years(today, month, d)
    year = _nearest_in_years(today, 2, 28).day.year  # which February is meant
    if last_day(year, 2) != 29:
        raise ParseError(f"February {year} has no 29th.", example=DUE_EXAMPLE)
    return _Day(date(year, 2, 29))


def _nearest_in_years(today: date, month: int, d: int) -> _Day:
    candidates = [date(y, month, d) for y in (today.year - 1, today.year, today.year + 1)]
    return _nearest(today, candidates)


RECENT = timedelta(days=90)


def _nearest(today: date, candidates: list[date]) -> _Day:
    """Today or the first one after it, unless one went by in the last ``RECENT`` days:
    that one, in the past (callers refuse it with the reason, never moving it a year)."""
    ahead = min((c for c in candidates if c >= today), default=None)
    behind = max((c for c in candidates if c < today), default=None)
    if behind is not None and (ahead is None or today - behind <= RECENT):
        return _Day(behind)
    assert ahead is not None
    return _Day(ahead)


def _check_weekday(word: str | None, found: _Day) -> _Day:
    if word is not None and found.day.weekday() != WEEKDAY_WORDS[word]:
        actual, said = FULL_DAY_NAMES[found.day.weekday()], FULL_DAY_NAMES[WEEKDAY_WORDS[word]]
        raise ParseError(
            f"{format_date(found.day)} is a {actual}, not a {said}.",
            example="by Fri 4 Dec, by 4 Dec",
        )
    return found


class _NotADate(Exception):
    """The words have a date's shape but name no day ("2 weeks", "end of next day")."""


def split_time(s: str) -> tuple[str, time | None]:
    """("tomorrow", 09:00) from "tomorrow at 9am" or "at 9am tomorrow"; (s, None) if no time.

    Raises ParseError for a time that cannot be meant ("at 5", "at 25:00").
    """
    rest, m = find_time(s)
    return rest, (_time_of(m, bare_ok=False) if m else None)


def find_time(s: str) -> tuple[str, re.Match[str] | None]:
    """Like :func:`split_time`, but the time is returned unread (its match), to be judged."""
    for pattern in (_TIME_AT_END, _TIME_AT_START):
        m = pattern.search(s)
        said = m and (m["at"] or m["ap"] or m["sep"] == ":" or m["word"])  # "4.12" alone: a date
        if m and (said or m["sep"] == "." and int(m["m"]) > 12):  # "16.30" is no date
            if m["word"] == "lunchtime" and not m["at"] and pattern is _TIME_AT_END:
                continue  # "Friday lunchtime": a part of the day, read below
            rest = (s[: m.start()] + " " + s[m.end() :]).strip()
            return re.sub(r"\s+(?:on|at)$", "", rest).strip(), m
    return s, None


def _time_of(m: re.Match[str], *, bare_ok: bool) -> time:
    raw = m.group(0).strip()
    if m["word"]:
        return {"midnight": time(0, 0), "lunchtime": time(12, 0)}.get(m["word"], time(12, 0))
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if m["ap"]:
        ok = 1 <= hour <= 12
        hour = hour % 12 + (12 if m["ap"] == "pm" else 0)
    elif m["m"] is None and 1 <= hour <= 12:
        raise ParseError(
            f"“{raw}” could be {hour}am or {hour}pm.",
            example=f"at {hour}am, at {hour}pm, at {hour % 12 + 12}:00",
        )
    elif 1 <= hour <= 7 and len(m["h"]) == 1:  # "3:30" in a working day: rarely 03:30
        said = f"{hour}:{minute:02d}"
        raise ParseError(
            f"“{raw}” could be {said}am or {said}pm.",
            example=f"at {said}pm, at {hour + 12}:{minute:02d}, at 0{said}",
        )
    else:  # a bare number is a time only as "at 15" (24-hour): "by 15" may be the 15th
        at = (m["at"] or "").strip()
        ok = hour <= 23 and (m["m"] is not None or bare_ok or (at in ("at", "@") and hour >= 13))
    if not ok or minute > 59:
        raise ParseError(f"“{raw}” isn't a time of day.", example="at 9am, at 14:30")
    return time(hour, minute)


def _dateparse(s: str, base: datetime) -> datetime | None:
    import dateparser  # slow to import; most processes never need it before a command

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",
        "PARSERS": ["relative-time"],
    }
    try:
        return dateparser.parse(s, languages=["en"], settings=settings)
    except (OverflowError, ValueError):
        return None

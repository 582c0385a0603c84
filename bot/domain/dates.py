"""Due dates as people type them, read in the member's time zone.

>>> parse_due("Friday", datetime(2026, 12, 1, 10, tzinfo=UTC), ZoneInfo("Europe/London"))
datetime.date(2026, 12, 4)

Rules:
- A bare weekday (``Friday``, ``next Friday``) is the next such day strictly after
  today: "Friday" said on a Friday is a week today. ``this Friday`` counts today.
- A day and month without a year (``4 Dec``) is the next such date, today included.
- Two-digit years are this century (``4/12/26`` is 4 December 2026); dates are
  day-first (``12/4`` is 12 April), as this is a UK network.
- A date in the past, or more than five years ahead, is refused with the reason.

dateparser reads absolute and relative dates (``4 Dec``, ``in 2 weeks``); it only sees
text made of date words, so "may", "sun" or a lone "12" never become dates. It is
imported on first use (about 0.2 s with the first parse; then under 1.5 ms a call); call
``warm_up()`` at start-up to pay that before the first member does.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import ParseError

__all__ = [
    "picked_date",
    "DUE_EXAMPLE",
    "format_date",
    "format_due",
    "local_today",
    "parse_due",
    "read_date",
    "warm_up",
]

DUE_EXAMPLE = "by Friday, by 4 Dec, by 2026-12-04"
MAX_AHEAD = timedelta(days=5 * 365 + 1)

WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS = {
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
    "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october",
    "nov", "november", "dec", "december",
}  # fmt: skip
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_WEEKDAY_RE = re.compile(rf"(?:(?P<which>next|this coming|this|coming)\s+)?(?P<day>{_WEEKDAY})")
_DAY_THEN_DATE_RE = re.compile(rf"(?P<day>{_WEEKDAY})\s+(?P<date>.*\d.*)")
_RELATIVE_RE = re.compile(r"today|tomorrow|yesterday|in (?P<n>\d+|an?) (?:day|week|month|year)s?")
_END_OF_MONTH_RE = re.compile(r"end of (?:the )?month")
_NUMERIC_DATE_RE = re.compile(r"(\d{1,4})([/.-])(\d{1,2})(?:\2(\d{1,4}))?")
_NUMBER_RE = re.compile(r"\d{1,4}|\d{1,2}(?:st|nd|rd|th)")
_LEADING_WORDS_RE = re.compile(r"^(?:(?:by|on|due)\s+)+")


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
    _dateparse("4 December", datetime(2026, 1, 1))


def read_date(text: str, now: datetime, tz: ZoneInfo) -> date | None:
    """The date ``text`` names, past ones included, or None ("may", "12", "soon").

    Raises ParseError only for text that is a date but an impossible one ("in 0 days").
    """
    today = local_today(now, tz)
    s = _LEADING_WORDS_RE.sub("", " ".join(text.lower().replace(",", " ").split()))
    s = s.rstrip(".!?")
    if m := _WEEKDAY_RE.fullmatch(s):
        return _weekday(today, WEEKDAYS[m["day"]], include_today=m["which"] == "this")
    if _END_OF_MONTH_RE.fullmatch(s):
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if m := _RELATIVE_RE.fullmatch(s):
        return _relative(s, m["n"], now, tz)
    if m := _DAY_THEN_DATE_RE.fullmatch(s):
        d = _absolute(m["date"], now, tz)
        if d is not None and d.weekday() != WEEKDAYS[m["day"]]:
            actual, said = FULL_DAY_NAMES[d.weekday()], FULL_DAY_NAMES[WEEKDAYS[m["day"]]]
            raise ParseError(
                f"{format_date(d)} is a {actual}, not a {said}.", example="by Fri 4 Dec, by 4 Dec"
            )
        return d
    return _absolute(s, now, tz)


def parse_due(text: str, now: datetime, tz: ZoneInfo) -> date:
    """The due date ``text`` names, today or later, read in the member's time zone.

    >>> parse_due("4 Dec", datetime(2026, 12, 5, 12, tzinfo=UTC), ZoneInfo("Europe/London"))
    datetime.date(2027, 12, 4)
    """
    d = read_date(text, now, tz)
    if d is None:
        raise ParseError(f"I couldn't read “{text.strip()}” as a date.", example=DUE_EXAMPLE)
    today = local_today(now, tz)
    if d < today:
        raise ParseError(f"{format_date(d)} is in the past.", example=DUE_EXAMPLE)
    if d > today + MAX_AHEAD:
        raise ParseError(f"{format_date(d)} is more than five years away.", example=DUE_EXAMPLE)
    return d


def format_due(d: date, today: date) -> str:
    """A due date for a listing: "today", "tomorrow", "yesterday", "Fri 4 Dec", "Sat 4 Dec 2027"."""
    if (words := {0: "today", 1: "tomorrow", -1: "yesterday"}.get((d - today).days)) is not None:
        return words
    short = f"{_DAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]}"
    return short if d.year == today.year else f"{short} {d.year}"


def format_date(d: date) -> str:
    """A date in full for messages: "Fri 4 Dec 2026"."""
    return f"{_DAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def _weekday(today: date, weekday: int, *, include_today: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead or include_today else 7)


def _relative(s: str, n: str | None, now: datetime, tz: ZoneInfo) -> date:
    if n is not None and n.isdigit() and int(n) == 0:
        raise ParseError(f"“{s}” is today; say “today”.", example=DUE_EXAMPLE)
    parsed = _dateparse(s, now.astimezone(tz).replace(tzinfo=None))
    if parsed is None:  # dateparser gives up on huge offsets
        raise ParseError(f"“{s}” is too far ahead.", example=DUE_EXAMPLE)
    return parsed.date()


def _absolute(s: str, now: datetime, tz: ZoneInfo) -> date | None:
    """A day and month (and maybe a year) written in words or digits, else None."""
    tokens = s.split()
    if not 1 <= len(tokens) <= 5:
        return None
    numbers = [t for t in tokens if _NUMBER_RE.fullmatch(t)]
    months = [t for t in tokens if t in MONTHS]
    dates = [m for t in tokens if (m := _NUMERIC_DATE_RE.fullmatch(t))]
    if len(numbers) + len(months) + len(dates) + tokens.count("of") + tokens.count("the") < len(
        tokens
    ):
        return None  # a word that is not part of a date
    if dates:
        if len(tokens) != 1:
            return None
        has_year = dates[0][4] is not None or len(dates[0][1]) == 4
        if dates[0][4] is not None and len(dates[0][4]) == 2 and len(dates[0][1]) <= 2:
            s = s[: dates[0].start(4)] + "20" + dates[0][4]  # 4/12/26 is 2026, not 2126
    elif len(months) == 1 and 1 <= len(numbers) <= 2:
        has_year = len(numbers) == 2
        if has_year and re.fullmatch(r"\d\d", tokens[-1]):
            s = " ".join([*tokens[:-1], "20" + tokens[-1]])  # 4 Dec 26 is 2026, not 2126
    else:
        return None
    local_now = now.astimezone(tz).replace(tzinfo=None)
    parsed = _dateparse(s, local_now, require=["day", "month"])
    if parsed is None:
        return None
    d = parsed.date()
    if not has_year and _same_day_last_year(d, local_now.date()):
        return local_now.date()  # dateparser's "future" skips today: "4 Dec" on 4 Dec is today
    return d


def _same_day_last_year(d: date, today: date) -> bool:
    return (d.month, d.day) == (today.month, today.day) and d.year == today.year + 1


def _dateparse(s: str, base: datetime, require: list[str] | None = None) -> datetime | None:
    import dateparser  # slow to import; most processes never need it before a command

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",
        "PARSERS": ["relative-time", "absolute-time"],
        "REQUIRE_PARTS": require or [],
    }
    try:
        return dateparser.parse(s, languages=["en"], settings=settings)
    except (OverflowError, ValueError):
        return None

"""Weekday and month names, written once: every reader and every message takes them from here.

>>> WEEKDAY_WORDS["weds"], CRON_DAYS[2], DAY_NAMES[2], FULL_DAY_NAMES[2]
(2, 'wed', 'Wed', 'Wednesday')
>>> MONTH_WORDS["sept"], MONTH_NAMES[8], FULL_MONTH_NAMES[8]
(9, 'Sep', 'September')
>>> ordinal(22), last_day(2028, 2)
('22nd', 29)
"""

from __future__ import annotations

import calendar as _stdlib

__all__ = [
    "CRON_DAYS",
    "DAY_NAMES",
    "FULL_DAY_NAMES",
    "FULL_MONTH_NAMES",
    "MONTH_NAMES",
    "MONTH_WORDS",
    "WEEKDAY_WORDS",
    "WORKDAYS",
    "WORKDAY_CRON",
    "last_day",
    "ordinal",
]

FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = tuple(name[:3] for name in FULL_DAY_NAMES)  # "Mon" … "Sun", as messages show them
CRON_DAYS = tuple(name.lower() for name in DAY_NAMES)  # "mon" … "sun", as APScheduler names them
WORKDAYS = range(0, 5)  # Monday to Friday, as date.weekday() numbers them
WORKDAY_CRON = CRON_DAYS[:5]

# What people type for a weekday: the name, its usual abbreviations, and "weds"/"thurs".
WEEKDAY_WORDS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip

FULL_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_NAMES = tuple(name[:3] for name in FULL_MONTH_NAMES)  # "Jan" … "Dec"
MONTH_WORDS = {name.lower(): n for n, name in enumerate(FULL_MONTH_NAMES, 1)}
MONTH_WORDS |= {name.lower(): n for n, name in enumerate(MONTH_NAMES, 1)}
MONTH_WORDS["sept"] = 9


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def last_day(year: int, month: int) -> int:
    """The number of the month's last day: ``last_day(2027, 2)`` is 28."""
    return _stdlib.monthrange(year, month)[1]

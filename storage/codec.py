"""The one way a moment is stored: UTC, to the microsecond, always 27 characters.

``2026-12-01T10:00:00.000000Z``. Every time in the database is written with
:func:`encode_time` and read with :func:`decode_time`, and every SQL comparison against a
time passes an :func:`encode_time` value, so comparing two stored times as text compares
the moments. (Before, times were stored three ways: with and without microseconds, and
with the offset ``+00:00``; they compared correctly only because ``'+' < '.'`` in ASCII.
Migration m013 rewrote them.)

Dates (an action's ``due``) are stored as ``YYYY-MM-DD``, already of one width.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import overload

__all__ = ["TIME_PATTERN", "WIDTH", "encode_time", "decode_time"]

WIDTH = 27
TIME_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
"""What every stored time looks like."""


@overload
def encode_time(moment: datetime) -> str: ...
@overload
def encode_time(moment: None) -> None: ...
def encode_time(moment: datetime | None) -> str | None:
    """A moment as stored; ``None`` stays ``None``. Naive datetimes are refused.

    >>> encode_time(datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/London")))
    '2026-12-01T10:00:00.000000Z'
    >>> encode_time(datetime(2026, 7, 1, 10, 0, 0, 250, tzinfo=ZoneInfo("Europe/London")))
    '2026-07-01T09:00:00.000250Z'
    """
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a stored time needs a time zone: {moment!r}")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@overload
def decode_time(text: str) -> datetime: ...
@overload
def decode_time(text: None) -> None: ...
def decode_time(text: str | None) -> datetime | None:
    """A stored time as an aware datetime in UTC; ``None`` stays ``None``.

    Anything not in the stored form is refused, so a time written another way is found
    at once rather than compared wrongly.

    >>> decode_time("2026-12-01T10:00:00.000000Z")
    datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone.utc)
    >>> decode_time("2026-12-01T10:00:00+00:00")
    Traceback (most recent call last):
    ...
    ValueError: not a stored time: '2026-12-01T10:00:00+00:00'
    """
    if text is None:
        return None
    if len(text) != WIDTH or not TIME_PATTERN.fullmatch(text):
        raise ValueError(f"not a stored time: {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)

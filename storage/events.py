"""Slack events already seen, so an event Slack sends again is handled once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.codec import encode_time
from storage.db import immediate

__all__ = ["claim", "KEEP_FOR"]

KEEP_FOR = timedelta(days=3)
"""Slack retries an event for about an hour; ids are kept a while longer, then forgotten."""


def claim(db: Database, team_id: str, event_id: str, kind: str, now: datetime) -> bool:
    """Record ``event_id`` as being handled; ``False`` if it was recorded before.

    The first delivery to arrive claims the id, whether it is the original or a
    retry, so a retry whose original never arrived is still handled.

    >>> claim(db, "T1", "Ev1", "app_home_opened", now), claim(db, "T1", "Ev1", "", now)
    (True, False)
    """
    with immediate(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO slack_events (team_id, event_id, type, received_at) "
            "VALUES (?, ?, ?, ?)",
            [team_id, event_id, kind, encode_time(now)],
        )
        claimed = cursor.rowcount == 1
        if claimed:
            db.execute(
                "DELETE FROM slack_events WHERE received_at < ?",
                [encode_time(now - KEEP_FOR)],
            )
    return claimed

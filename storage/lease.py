"""The scheduler lease: only one process schedules against a database.

A holder renews its lease well inside its lifetime; one that stops cleanly releases
it; one that dies simply stops renewing, and the lease expires for a successor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = ["Lease", "acquire", "release", "current", "SCHEDULER"]

SCHEDULER = "scheduler"


@dataclass(frozen=True)
class Lease:
    """Who holds a lease, and until when."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def current(db: Database, name: str = SCHEDULER) -> Lease | None:
    """The lease as recorded (possibly expired), or ``None``."""
    rows = list(db.table("leases").rows_where("name = ?", [name]))
    if not rows:
        return None
    row = rows[0]
    return Lease(
        row["name"],
        row["holder"],
        decode_time(row["acquired_at"]),
        decode_time(row["expires_at"]),
    )


def acquire(
    db: Database, holder: str, now: datetime, ttl: timedelta, name: str = SCHEDULER
) -> bool:
    """Take or renew the lease for ``ttl``; ``False`` while someone else holds it.

    >>> acquire(db, "process-a", now, timedelta(seconds=45))  # doctest: +SKIP
    True
    """
    with immediate(db):
        lease = current(db, name)
        if lease and lease.holder != holder and lease.expires_at > now:
            return False
        acquired = lease.acquired_at if lease and lease.holder == holder else now
        db.table("leases").upsert(
            {
                "name": name,
                "holder": holder,
                "acquired_at": encode_time(acquired),
                "expires_at": encode_time(now + ttl),
            },
            pk="name",
        )
    return True


def release(db: Database, holder: str, name: str = SCHEDULER) -> None:
    """Give the lease up, if ``holder`` has it, so a successor need not wait."""
    with immediate(db):
        db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])

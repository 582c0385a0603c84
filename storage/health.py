"""The readiness probe's write: proof that the database takes a committed write now.

A full disk, a read-only file or a lock held too long all show here first, as a write
that fails or does not finish, before a member's command meets them.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.codec import encode_time
from storage.db import immediate

__all__ = ["record_probe", "PROBE"]

# The probe's row in ``leases``: a name no process takes as a lease, and already expired.
PROBE = "readiness-probe"


def record_probe(db: Database, holder: str, now: datetime) -> None:
    """Commit one small write: who probed last, and when (one row, overwritten).

    >>> from storage.db import connect
    >>> from storage.migrations import migrate
    >>> from datetime import UTC
    >>> db = connect(":memory:"); _ = migrate(db)
    >>> record_probe(db, "process-a", datetime(2026, 12, 1, tzinfo=UTC))
    >>> db.table("leases").get(PROBE)["holder"]
    'process-a'
    """
    with immediate(db):
        db.table("leases").upsert(
            {
                "name": PROBE,
                "holder": holder,
                "acquired_at": encode_time(now),
                "expires_at": encode_time(now),
            },
            pk="name",
        )

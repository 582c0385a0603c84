"""Deliveries: every message that must go out once has a key, recorded before the send.

The life of a delivery::

    claim() -> pending --send ok--> mark_sent() -> sent      (never sent again)
                       --Slack unreachable, or said no--> mark_failed() -> failed (retried)
                       --an error no retry mends--> mark_failed_for_good() -> failed for good
                                                    (status failed, no retry_at: never again)

A ``pending`` row whose holder is no longer running means the process died between
claiming and recording the outcome: the message may or may not have reached Slack.
Policy (stated once, here): such an *ambiguous* delivery is sent again, once, and
counted (``ambiguous = 1``). A member may, rarely, see a reminder twice; no reminder
or digest is ever lost. A ``sent`` row is never sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "Delivery",
    "claim",
    "mark_sent",
    "mark_failed",
    "mark_failed_for_good",
    "mark_skipped",
    "get",
    "settled",
    "retryable",
    "sent_to",
    "counts",
    "last_sent",
]

RETRY_BACKOFF = (30, 60, 120, 300, 600, 1800)  # seconds, then every 30 minutes


@dataclass(frozen=True)
class Delivery:
    """One delivery as recorded."""

    key: str
    team_id: str
    kind: str
    recipient: str
    status: str
    holder: str
    attempts: int
    ambiguous: bool
    created_at: datetime
    sent_at: datetime | None
    channel: str | None
    ts: str | None
    error: str | None


def _delivery(row: dict) -> Delivery:
    return Delivery(
        row["key"],
        row["team_id"],
        row["kind"],
        row["recipient"],
        row["status"],
        row["holder"],
        row["attempts"],
        bool(row["ambiguous"]),
        decode_time(row["created_at"]),
        decode_time(row["sent_at"]),
        row["channel"],
        row["ts"],
        row["error"],
    )


def get(db: Database, key: str) -> Delivery | None:
    """The delivery with this key, or ``None``."""
    rows = list(db.table("deliveries").rows_where("key = ?", [key]))
    return _delivery(rows[0]) if rows else None


_SETTLED = "(status IN ('sent', 'skipped') OR (status = 'failed' AND retry_at IS NULL))"


def settled(db: Database, keys: list[str]) -> set[str]:
    """Those of ``keys`` that were sent, skipped or failed for good (never to be sent
    again): one query per 500 keys, so a job can pass over them without a write
    transaction each."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            row[0]
            for row in db.execute(
                f"SELECT key FROM deliveries WHERE {_SETTLED} "
                f"AND key IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
        )
    return found


def claim(
    db: Database,
    key: str,
    *,
    team_id: str,
    kind: str,
    recipient: str,
    holder: str,
    now: datetime,
) -> bool:
    """Record that ``holder`` is about to send ``key``; ``False`` if it must not.

    It must not when the delivery was sent, skipped or failed for good, when another live
    attempt of this holder is under way, or when a failed one is not yet due for retry. A
    pending row of another holder is ambiguous: it is claimed again and marked so.
    """
    with immediate(db):
        found = get(db, key)
        if found is None:
            db.table("deliveries").insert(
                {
                    "key": key,
                    "team_id": team_id,
                    "kind": kind,
                    "recipient": recipient,
                    "status": "pending",
                    "holder": holder,
                    "created_at": encode_time(now),
                    "claimed_at": encode_time(now),
                }
            )
            return True
        if found.status in ("sent", "skipped"):
            return False
        if found.status == "pending" and found.holder == holder:
            return False
        if found.status == "failed":
            rows = db.execute("SELECT retry_at FROM deliveries WHERE key = ?", [key]).fetchone()
            if not rows[0] or decode_time(rows[0]) > now:  # for good, or not yet
                return False
        db.table("deliveries").update(
            key,
            {
                "status": "pending",
                "holder": holder,
                "claimed_at": encode_time(now),
                "attempts": found.attempts + 1,
                "ambiguous": int(found.ambiguous or found.status == "pending"),
            },
        )
        return True


def mark_sent(
    db: Database, key: str, now: datetime, channel: str | None = None, ts: str | None = None
) -> None:
    """The send succeeded: never send ``key`` again. ``channel``/``ts`` allow deletion later."""
    with immediate(db):
        db.table("deliveries").update(
            key,
            {
                "status": "sent",
                "sent_at": encode_time(now),
                "channel": channel,
                "ts": ts,
                "error": None,
            },
        )


def mark_failed(
    db: Database, key: str, now: datetime, error: str, backoff: Sequence[float] = RETRY_BACKOFF
) -> datetime:
    """The send failed for sure (Slack said no, or could not be reached): retry later.

    The n-th failure waits ``backoff[n - 1]`` seconds (the last one thereafter).
    Returns when the next attempt is due.
    """
    with immediate(db):
        found = get(db, key)
        attempts = found.attempts if found else 1
        delay = backoff[min(attempts, len(backoff)) - 1]
        retry_at = now + timedelta(seconds=delay)
        db.table("deliveries").update(
            key, {"status": "failed", "error": error[:500], "retry_at": encode_time(retry_at)}
        )
    return retry_at


def mark_failed_for_good(db: Database, key: str, now: datetime, error: str) -> None:
    """The send failed in a way no retry mends (Slack refused the message or the token, or
    it could not be built): never attempt ``key`` again. ``nudge check`` counts these."""
    with immediate(db):
        db.table("deliveries").update(
            key, {"status": "failed", "error": error[:500], "retry_at": None, "sent_at": None}
        )


def mark_skipped(db: Database, key: str, now: datetime, reason: str) -> None:
    """Decided not to send (the reminder was cancelled, the digest week ended)."""
    with immediate(db):
        db.table("deliveries").update(
            key, {"status": "skipped", "error": reason[:500], "sent_at": encode_time(now)}
        )


def retryable(db: Database, now: datetime, holder: str, kind: str | None = None) -> list[Delivery]:
    """Deliveries to attempt again now: failed ones due for retry, and pending ones left
    behind by a holder that is gone (ambiguous)."""
    where = "(status = 'failed' AND retry_at <= ?) OR (status = 'pending' AND holder != ?)"
    args: list[object] = [encode_time(now), holder]
    if kind:
        where = f"({where}) AND kind = ?"
        args.append(kind)
    rows = db.table("deliveries").rows_where(where, args, order_by="created_at")
    return [_delivery(row) for row in rows]


def sent_to(db: Database, team_id: str, recipient: str) -> list[Delivery]:
    """Every delivery sent to a member (for their data export and erasure)."""
    return [
        _delivery(r)
        for r in db.table("deliveries").rows_where(
            "team_id = ? AND recipient = ? AND status = 'sent'",
            [team_id, recipient],
            order_by="created_at",
        )
    ]


def counts(db: Database) -> dict[str, int]:
    """How many deliveries are in each status (``failed``: to be retried; ``failed for
    good``: never again), and how many were ambiguous."""
    found = {
        row["status"]: row["n"]
        for row in db.query(
            "SELECT CASE WHEN status = 'failed' AND retry_at IS NULL THEN 'failed for good' "
            "ELSE status END AS status, count(*) AS n FROM deliveries GROUP BY 1"
        )
    }
    found["ambiguous"] = db.table("deliveries").count_where("ambiguous = 1")
    return found


def last_sent(db: Database, kind: str) -> Delivery | None:
    """The most recently sent delivery of ``kind`` (``digest``, say), or ``None``."""
    rows = list(
        db.table("deliveries").rows_where(
            "kind = ? AND status = 'sent'", [kind], order_by="sent_at DESC", limit=1
        )
    )
    return _delivery(rows[0]) if rows else None

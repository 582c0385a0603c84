"""Reminders: the rows that decide when nudges fire (APScheduler only wakes us up).

A follow-up is with a member (``person_id``) or with anyone outside Slack (``person_name``
and ``person_org``); either way ``person_key`` (``bot.domain.contacts.person_key``) says
who, so ``/conversation people`` finds the next follow-up with each person.

Times are stored by ``storage.codec``, so ``next_at <= ?`` compares moments as text and
uses the ``reminders_due`` index.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from bot.domain.contacts import person_key
from bot.domain.errors import NotFound
from bot.domain.nudges import Reminder
from bot.domain.when import Recurrence
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "add",
    "get",
    "due",
    "upcoming",
    "count_upcoming",
    "advance",
    "defer",
    "snooze",
    "cancel",
    "mark_done",
    "done_between",
]


def _reminder(row: dict) -> Reminder:
    rec = Recurrence.from_dict(json.loads(row["recurrence"])) if row["recurrence"] else None
    return Reminder(
        id=row["id"],
        team_id=row["team_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        text=row["text"],
        person_id=row["person_id"],
        permalink=row["permalink"],
        recurrence=rec,
        tz=row["tz"],
        next_at=decode_time(row["next_at"]),
        status=row["status"],
        created_at=decode_time(row["created_at"]),
        explicit_time=bool(row["explicit_time"]),
        done_at=decode_time(row["done_at"]),
        person_name=row.get("person_name"),
        person_org=row.get("person_org"),
    )


def add(
    db: Database,
    *,
    team_id: str,
    user_id: str,
    kind: str,
    text: str,
    tz: str,
    first: datetime,
    recurrence: Recurrence | None,
    now: datetime,
    person_id: str | None = None,
    permalink: str | None = None,
    explicit_time: bool = True,
    person_name: str | None = None,
    person_org: str | None = None,
) -> Reminder:
    """Store a new reminder due at ``first``; ``explicit_time``: the member named the time of day.

    A follow-up names a member (``person_id``) or anyone else (``person_name``, and their
    organisation ``person_org``).

    >>> add(db, team_id="T1", user_id="U1", kind="follow_up", text="the charter",
    ...     tz="Europe/London", first=now, recurrence=None, now=now,
    ...     person_name="Nicola Gill", person_org="GDS").subject()
    'follow up with Nicola Gill (GDS) about the charter'
    """
    if person_id:
        person_name = None  # a member is named by their id alone
    key = person_key(person_id, person_name) if (person_id or person_name) else None
    row = {
        "team_id": team_id,
        "user_id": user_id,
        "kind": kind,
        "text": text,
        "person_id": person_id,
        "person_name": person_name,
        "person_org": person_org,
        "person_key": key,
        "permalink": permalink,
        "recurrence": json.dumps(recurrence.to_dict()) if recurrence else None,
        "tz": tz,
        "next_at": encode_time(first),
        "status": "active",
        "created_at": encode_time(now),
        "updated_at": encode_time(now),
        "explicit_time": int(explicit_time),
    }
    with immediate(db):
        pk = db.table("reminders").insert(row).last_pk
    return get(db, team_id, pk)


def get(db: Database, team_id: str, reminder_id: int, user_id: str | None = None) -> Reminder:
    """The reminder; ``NotFound`` if there is none (or it is not ``user_id``'s)."""
    rows = list(db.table("reminders").rows_where("team_id = ? AND id = ?", [team_id, reminder_id]))
    if not rows or (user_id is not None and rows[0]["user_id"] != user_id):
        raise NotFound(
            f"You have no reminder N{reminder_id}. `/nudge list` shows yours.",
            example="/nudge cancel N3",
        )
    return _reminder(rows[0])


def due(db: Database, now: datetime, limit: int = 200) -> list[Reminder]:
    """Active reminders whose time has come, oldest first (every workspace)."""
    rows = db.table("reminders").rows_where(
        "status = 'active' AND next_at <= ?", [encode_time(now)], order_by="next_at", limit=limit
    )
    return [_reminder(row) for row in rows]


def upcoming(db: Database, team_id: str, user_id: str, limit: int = 50) -> list[Reminder]:
    """A member's active reminders, soonest first."""
    rows = db.table("reminders").rows_where(
        "team_id = ? AND user_id = ? AND status = 'active' AND next_at IS NOT NULL",
        [team_id, user_id],
        order_by="next_at",
        limit=limit,
    )
    return [_reminder(row) for row in rows]


def count_upcoming(db: Database, team_id: str, user_id: str) -> int:
    """How many active reminders :func:`upcoming` would find without a limit."""
    return db.table("reminders").count_where(
        "team_id = ? AND user_id = ? AND status = 'active' AND next_at IS NOT NULL",
        [team_id, user_id],
    )


def advance(db: Database, reminder: Reminder, next_at: datetime | None, now: datetime) -> bool:
    """After the occurrence at ``reminder.next_at`` went out: move on to ``next_at``.

    Only if the row still says that occurrence (a snooze or cancel meanwhile wins).
    A one-off (``next_at`` None) stays active, waiting for Done or a snooze.
    """
    with immediate(db):
        cursor = db.execute(
            "UPDATE reminders SET next_at = ?, sent_at = ?, updated_at = ? "
            "WHERE id = ? AND next_at = ? AND status = 'active'",
            [
                encode_time(next_at),
                encode_time(now),
                encode_time(now),
                reminder.id,
                encode_time(reminder.next_at),
            ],
        )
    return cursor.rowcount == 1


def defer(db: Database, reminder: Reminder, until: datetime, now: datetime) -> bool:
    """Hold the due occurrence until ``until`` (quiet hours), unless the row moved meanwhile."""
    with immediate(db):
        cursor = db.execute(
            "UPDATE reminders SET next_at = ?, updated_at = ? "
            "WHERE id = ? AND next_at = ? AND status = 'active'",
            [encode_time(until), encode_time(now), reminder.id, encode_time(reminder.next_at)],
        )
    return cursor.rowcount == 1


def snooze(db: Database, reminder: Reminder, until: datetime, now: datetime) -> Reminder:
    """Remind again at ``until``: a one-off moves; a recurring one gets a one-off copy.

    The member chose ``until``, so it is kept as an explicit time (quiet hours keep off).
    """
    if reminder.recurrence is None:
        with immediate(db):
            db.table("reminders").update(
                reminder.id,
                {
                    "next_at": encode_time(until),
                    "status": "active",
                    "updated_at": encode_time(now),
                    "explicit_time": 1,
                },
            )
        return get(db, reminder.team_id, reminder.id)
    return add(
        db,
        team_id=reminder.team_id,
        user_id=reminder.user_id,
        kind=reminder.kind,
        text=reminder.text,
        tz=reminder.tz,
        first=until,
        recurrence=None,
        now=now,
        person_id=reminder.person_id,
        permalink=reminder.permalink,
        explicit_time=True,
        person_name=reminder.person_name,
        person_org=reminder.person_org,
    )


def cancel(db: Database, team_id: str, user_id: str, reminder_id: int, now: datetime) -> Reminder:
    """Stop a member's reminder; ``NotFound`` if it is not theirs or already stopped."""
    with immediate(db):
        found = get(db, team_id, reminder_id, user_id)
        if found.status != "active":
            raise NotFound(f"{found.ref} is already {found.status}.", example="/nudge list")
        db.table("reminders").update(
            reminder_id, {"status": "cancelled", "updated_at": encode_time(now)}
        )
    return get(db, team_id, reminder_id)


def mark_done(db: Database, reminder: Reminder, now: datetime) -> Reminder:
    """Done: a one-off is finished; a recurring one notes it and carries on."""
    changes = {"done_at": encode_time(now), "updated_at": encode_time(now)}
    if reminder.recurrence is None:
        changes |= {"status": "done", "next_at": None}
    with immediate(db):
        db.table("reminders").update(reminder.id, changes)
    return get(db, reminder.team_id, reminder.id)


def done_between(
    db: Database,
    team_id: str,
    start: datetime,
    end: datetime,
    kind: str = "follow_up",
    user_id: str | None = None,
) -> list[Reminder]:
    """Reminders marked done in ``[start, end)`` (the digest's follow-ups done; a weeknote's
    when ``user_id`` is given)."""
    where, args = (
        "team_id = ? AND kind = ? AND done_at >= ? AND done_at < ?",
        [team_id, kind, encode_time(start), encode_time(end)],
    )
    if user_id is not None:
        where, args = where + " AND user_id = ?", [*args, user_id]
    rows = db.table("reminders").rows_where(where, args, order_by="done_at")
    return [_reminder(row) for row in rows]

"""Tracked actions and their history.

Every change goes through :func:`change`, which reads the action, applies the
permission rule and writes the change and its history event in one ``BEGIN
IMMEDIATE`` transaction, so the rule cannot be skipped and two changes cannot race.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from bot.domain.actions import Action, ActionEvent, ListFilter, check_change
from bot.domain.errors import NotFound
from bot.domain.people import FORMER_MEMBER, Actor
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "add",
    "get",
    "change",
    "history",
    "listing",
    "overdue_everywhere",
    "of_week",
]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _action(row: dict) -> Action:
    return Action(
        id=row["id"],
        team_id=row["team_id"],
        title=row["title"],
        owner_id=row["owner_id"],
        creator_id=row["creator_id"],
        due=_date(row["due"]),
        workstream=row["workstream"],
        notes=row["notes"],
        permalink=row["permalink"],
        status=row["status"],
        created_at=decode_time(row["created_at"]),
        updated_at=decode_time(row["updated_at"]),
        done_at=decode_time(row["done_at"]),
    )


def _event(db: Database, action: Action, actor_id: str, kind: str, detail: str, at: datetime):
    db.table("action_events").insert(
        {
            "team_id": action.team_id,
            "action_id": action.id,
            "actor_id": actor_id,
            "kind": kind,
            "detail": detail,
            "at": encode_time(at),
        }
    )


def add(
    db: Database,
    actor: Actor,
    *,
    title: str,
    owner_id: str | None,
    due: date | None,
    workstream: str | None,
    now: datetime,
    notes: str = "",
    permalink: str | None = None,
) -> Action:
    """Store a new action created by ``actor`` and its ``created`` event.

    >>> add(db, actor, title="Plan the show and tell", owner_id="U2", due=None,
    ...     workstream="comms", now=now).ref  # doctest: +SKIP
    'A1'
    """
    with immediate(db):
        table = db.table("actions")
        table.insert(
            {
                "team_id": actor.team_id,
                "title": title,
                "owner_id": owner_id,
                "creator_id": actor.user_id,
                "due": due.isoformat() if due else None,
                "workstream": workstream,
                "notes": notes,
                "permalink": permalink,
                "status": "open",
                "created_at": encode_time(now),
                "updated_at": encode_time(now),
            }
        )
        action = _action(table.get(table.last_pk))
        _event(db, action, actor.user_id, "created", title, now)
    return action


def get(db: Database, team_id: str, action_id: int) -> Action:
    """The action with this id in this workspace, or :class:`NotFound`."""
    rows = list(db.table("actions").rows_where("id = ? AND team_id = ?", [action_id, team_id]))
    if not rows:
        raise NotFound(
            f"There's no action A{action_id}.", example="/action list all to see every action"
        )
    return _action(rows[0])


_FIELDS = {"status", "owner_id", "due", "notes", "done_at", "title", "workstream"}


def _stored(value: object) -> object:
    """A field's value as stored: times by the codec, dates as ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        return encode_time(value)
    return value.isoformat() if isinstance(value, date) else value


def change(
    db: Database,
    actor: Actor,
    action_id: int,
    kind: str,
    now: datetime,
    detail: str = "",
    **fields: object,
) -> tuple[Action, Action]:
    """Apply a change if ``actor`` may make it; record it; return (before, after).

    Raises :class:`NotFound` or :class:`~bot.domain.errors.NotAllowed`, and then
    nothing is written.
    """
    assert set(fields) <= _FIELDS, set(fields) - _FIELDS
    with immediate(db):
        before = get(db, actor.team_id, action_id)
        check_change(before, actor)
        values = {key: _stored(value) for key, value in fields.items()}
        values["updated_at"] = encode_time(now)
        db.table("actions").update(action_id, values)
        _event(db, before, actor.user_id, kind, detail, now)
        after = get(db, actor.team_id, action_id)
    return before, after


def history(db: Database, team_id: str, action_id: int) -> list[ActionEvent]:
    """Every change to the action, oldest first."""
    rows = db.table("action_events").rows_where(
        "team_id = ? AND action_id = ?", [team_id, action_id], order_by="id"
    )
    return [
        ActionEvent(r["action_id"], r["actor_id"], r["kind"], r["detail"], decode_time(r["at"]))
        for r in rows
    ]


def listing(
    db: Database,
    team_id: str,
    filter: ListFilter,
    *,
    viewer_id: str,
    owner_id: str | None = None,
    today: date,
    limit: int = 40,
) -> tuple[list[Action], int]:
    """The actions ``/action list`` shows for ``filter``, up to ``limit``, and how many in all.

    ``owner_id`` is the resolved user of a ``list @user`` filter. Each order below is an
    index's order (migrations m005 and m009), so a list reads ``limit`` index entries
    instead of sorting every match: at 100,000 actions a member with 3,500 open ones
    waited about 9 ms for their list, and now about 0.5 ms.
    """
    open_by_due = "due IS NULL, due, id"
    conditions, args = [], []
    status_sql = {
        "open": "status = 'open'",
        "done": "status = 'done'",
        "overdue": "status = 'open' AND due < ?",
        "all": "",
    }[filter.status]
    if status_sql:
        conditions.append(status_sql)
        args += [today.isoformat()] if filter.status == "overdue" else []
    if filter.who in ("mine", "user"):
        conditions.append("owner_id = ?")
        args.append(viewer_id if filter.who == "mine" else owner_id)
    if filter.workstream:
        conditions.append("workstream = ?")
        args.append(filter.workstream)
    where = " AND ".join(conditions) or "1"
    order = {
        "done": "done_at DESC, id DESC",
        "all": "status != 'open', due IS NULL, due, id",
    }.get(filter.status, open_by_due)
    table = db.table("actions")
    if filter.who == "default" and where == "status = 'open'":  # owned or created, merged
        owned = "SELECT id FROM actions WHERE team_id = ? AND status = 'open' AND {} = ?"
        first = f"SELECT id FROM ({owned} ORDER BY {order} LIMIT {int(limit)})"
        mine = [team_id, viewer_id, team_id, viewer_id]
        rows = table.rows_where(
            f"id IN ({first.format('owner_id')} UNION {first.format('creator_id')})",
            mine,
            order_by=order,
            limit=limit,
        )
        total = db.execute(
            f"SELECT count(*) FROM ({owned.format('owner_id')} UNION {owned.format('creator_id')})",
            mine,
        ).fetchone()[0]
    else:
        rows = table.rows_where(
            f"team_id = ? AND {where}", [team_id, *args], order_by=order, limit=limit
        )
        total = table.count_where(f"team_id = ? AND {where}", [team_id, *args])
    return [_action(row) for row in rows], total


def overdue_everywhere(
    db: Database, before: date, *, after_id: int = 0, limit: int = 5000
) -> list[Action]:
    """Open actions with an owner, due before ``before``, in every workspace (overdue nudges),
    by id from just after ``after_id``: a page of ``limit``; pass the last id for the next.

    Callers pass tomorrow's date in UTC and check each owner's own date themselves.
    """
    rows = db.table("actions").rows_where(
        "id > ? AND status = 'open' AND owner_id IS NOT NULL AND owner_id != ? AND due < ?",
        [after_id, FORMER_MEMBER, before.isoformat()],
        order_by="id",
        limit=limit,
    )
    return [_action(row) for row in rows]


def of_week(
    db: Database, team_id: str, user_id: str, start: datetime, end: datetime
) -> tuple[list[Action], list[Action]]:
    """The member's week: actions they own that were done in ``[start, end)``, and actions
    created then that they own or created (a weeknote's "finished" and "started")."""
    bounds = [encode_time(start), encode_time(end)]
    table = db.table("actions")
    done = table.rows_where(
        "team_id = ? AND owner_id = ? AND status = 'done' AND done_at >= ? AND done_at < ?",
        [team_id, user_id, *bounds],
        order_by="done_at, id",
    )
    started = table.rows_where(
        "team_id = ? AND (owner_id = ? OR creator_id = ?) AND created_at >= ? AND created_at < ?",
        [team_id, user_id, user_id, *bounds],
        order_by="created_at, id",
    )
    return [_action(row) for row in done], [_action(row) for row in started]

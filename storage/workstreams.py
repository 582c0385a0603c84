"""Workstreams as records: added, edited and archived by the steering group.

Tags are unique in a workspace (lower-case, without ``#``); an archived workstream keeps
its tag, so its actions still name it, and can be brought back.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from bot.domain.errors import NotFound, ParseError
from bot.domain.workstreams import Workstream
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = ["add", "get", "edit", "set_archived", "listing", "tags", "counts", "with_channels"]


def _workstream(row: dict) -> Workstream:
    return Workstream(
        id=row["id"],
        team_id=row["team_id"],
        tag=row["tag"],
        title=row["title"],
        lead_id=row["lead_id"],
        channel_id=row["channel_id"],
        created_by=row["created_by"],
        created_at=decode_time(row["created_at"]),
        archived_at=decode_time(row["archived_at"]),
    )


def _find(db: Database, team_id: str, tag: str) -> dict | None:
    rows = list(db.table("workstreams").rows_where("team_id = ? AND tag = ?", [team_id, tag]))
    return rows[0] if rows else None


def get(db: Database, team_id: str, tag: str) -> Workstream:
    """The workstream with this tag, or :class:`NotFound`."""
    row = _find(db, team_id, tag)
    if row is None:
        raise NotFound(f"There's no workstream #{tag}.", example="/workstream list")
    return _workstream(row)


def add(
    db: Database,
    team_id: str,
    tag: str,
    *,
    title: str,
    lead_id: str | None,
    channel_id: str | None,
    created_by: str,
    now: datetime,
) -> Workstream:
    """Store a new workstream; a tag already kept is refused.

    >>> add(db, "T1", "inclusion", title="Digital inclusion", lead_id="U2", channel_id=None,
    ...     created_by="U1", now=now).tag
    'inclusion'
    """
    with immediate(db):
        if _find(db, team_id, tag) is not None:
            raise ParseError(
                f"There's already a workstream #{tag}.", example=f"/workstream edit #{tag}"
            )
        db.table("workstreams").insert(
            {
                "team_id": team_id,
                "tag": tag,
                "title": title,
                "lead_id": lead_id,
                "channel_id": channel_id,
                "created_by": created_by,
                "created_at": encode_time(now),
                "updated_at": encode_time(now),
                "archived_at": None,
            }
        )
        return _workstream(_find(db, team_id, tag))


def edit(
    db: Database, team_id: str, tag: str, now: datetime, **changes: str | None
) -> tuple[Workstream, Workstream]:
    """Change ``title``, ``lead_id`` or ``channel_id``; return (before, after)."""
    allowed = {"title", "lead_id", "channel_id"}
    assert set(changes) <= allowed, set(changes) - allowed
    with immediate(db):
        before = get(db, team_id, tag)
        db.table("workstreams").update(before.id, {**changes, "updated_at": encode_time(now)})
        return before, get(db, team_id, tag)


def set_archived(db: Database, team_id: str, tag: str, archived: bool, now: datetime) -> Workstream:
    """Archive a workstream (it takes no new actions) or bring it back."""
    with immediate(db):
        before = get(db, team_id, tag)
        if before.archived == archived:
            state = "archived" if archived else "not archived"
            raise ParseError(f"#{tag} is already {state}.", example="/workstream list")
        db.table("workstreams").update(
            before.id,
            {"archived_at": encode_time(now) if archived else None, "updated_at": encode_time(now)},
        )
        return get(db, team_id, tag)


def listing(db: Database, team_id: str, *, archived: bool = False) -> list[Workstream]:
    """The workstreams of a workspace by tag; archived ones only when asked."""
    where = "team_id = ?" + ("" if archived else " AND archived_at IS NULL")
    rows = db.table("workstreams").rows_where(where, [team_id], order_by="tag")
    return [_workstream(row) for row in rows]


def tags(db: Database, team_id: str) -> frozenset[str]:
    """The tags of the workspace's workstreams that take new actions."""
    return frozenset(w.tag for w in listing(db, team_id))


def counts(db: Database, team_id: str, today: date) -> dict[str, tuple[int, int]]:
    """Open and overdue actions per workstream tag."""
    rows = db.query(
        "SELECT workstream, count(*) AS open, sum(due < :today) AS overdue FROM actions "
        "WHERE team_id = :team AND status = 'open' AND workstream IS NOT NULL "
        "GROUP BY workstream",
        {"team": team_id, "today": today.isoformat()},
    )
    return {row["workstream"]: (row["open"], row["overdue"] or 0) for row in rows}


def with_channels(db: Database) -> list[Workstream]:
    """Every workspace's live workstreams that have a channel (for their weekly posts)."""
    rows = db.table("workstreams").rows_where(
        "channel_id IS NOT NULL AND archived_at IS NULL", order_by="team_id, tag"
    )
    return [_workstream(row) for row in rows]

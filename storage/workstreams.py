"""Workstreams as records: added, edited and archived by the steering group.

Tags are unique in a workspace (lower-case, without ``#``); an archived workstream keeps
its tag, so its actions still name it, and can be brought back. Counts and a workstream's
week are read from the actions that carry its tag.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.domain.digest import SECTION_MAX_ITEMS
from bot.domain.errors import NotFound, ParseError
from bot.domain.workstreams import Workstream, WorkstreamSummary, WorkstreamWeek
from storage.actions import _action
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "KEEP",
    "add",
    "get",
    "find",
    "edit",
    "set_archived",
    "listing",
    "tags",
    "known_tags",
    "counts",
    "summaries",
    "week",
    "with_channels",
]

KEEP = object()
"""The value of an :func:`edit` argument that leaves the field as it is."""


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


def _row(db: Database, team_id: str, tag: str) -> dict | None:
    rows = list(db.table("workstreams").rows_where("team_id = ? AND tag = ?", [team_id, tag]))
    return rows[0] if rows else None


def find(db: Database, team_id: str, tag: str | None) -> Workstream | None:
    """The workstream with this tag, archived or not, or ``None`` (a free tag, or none)."""
    row = _row(db, team_id, tag) if tag else None
    return _workstream(row) if row else None


def get(db: Database, team_id: str, tag: str) -> Workstream:
    """The workstream with this tag, or :class:`NotFound`."""
    found = find(db, team_id, tag)
    if found is None:
        raise NotFound(f"There's no workstream #{tag}.", example="/workstream list")
    return found


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
    """Store a new workstream; a tag already kept (archived or not) is refused.

    >>> add(db, "T1", "inclusion", title="Digital inclusion", lead_id="U2", channel_id=None,
    ...     created_by="U1", now=now).tag
    'inclusion'
    """
    with immediate(db):
        if (kept := find(db, team_id, tag)) is not None:
            if kept.archived:
                raise ParseError(
                    f"#{tag} is kept already, archived.", example=f"/workstream unarchive #{tag}"
                )
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
        return get(db, team_id, tag)


def edit(
    db: Database,
    team_id: str,
    tag: str,
    now: datetime,
    *,
    title: object = KEEP,
    lead_id: object = KEEP,
    channel_id: object = KEEP,
) -> tuple[Workstream, Workstream]:
    """Change the title, the lead or the channel (``None`` clears a lead or channel; an
    argument left out, or :data:`KEEP`, is unchanged); return (before, after).

    >>> _ = add(db, "T1", "skills", title="Skills", lead_id=None, channel_id=None,
    ...         created_by="U1", now=now)
    >>> before, after = edit(db, "T1", "skills", now, title="Practitioners' skills")
    >>> before.title, after.title
    ('Skills', "Practitioners' skills")
    """
    changes = {
        column: value
        for column, value in (("title", title), ("lead_id", lead_id), ("channel_id", channel_id))
        if value is not KEEP
    }
    if changes.get("title", "") is None:
        raise ValueError("a workstream keeps a title")
    with immediate(db):
        before = get(db, team_id, tag)
        if changes:
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


def known_tags(db: Database, team_id: str) -> tuple[frozenset[str], frozenset[str]]:
    """The live tags and the archived ones (what ``check_known_tag`` needs).

    >>> known_tags(db, "T1")
    (frozenset(), frozenset())
    """
    every = listing(db, team_id, archived=True)
    return (
        frozenset(w.tag for w in every if not w.archived),
        frozenset(w.tag for w in every if w.archived),
    )


def counts(db: Database, team_id: str, today: date) -> dict[str, tuple[int, int]]:
    """Open and overdue actions per workstream tag."""
    rows = db.query(
        "SELECT workstream, count(*) AS open, sum(due < :today) AS overdue FROM actions "
        "WHERE team_id = :team AND status = 'open' AND workstream IS NOT NULL "
        "GROUP BY workstream",
        {"team": team_id, "today": today.isoformat()},
    )
    return {row["workstream"]: (row["open"], row["overdue"] or 0) for row in rows}


def summaries(
    db: Database, team_id: str, today: date, *, archived: bool = False
) -> list[WorkstreamSummary]:
    """``/workstream list``: each workstream with its open and overdue actions, by tag.

    >>> summaries(db, "T1", date(2026, 12, 1))
    []
    """
    found = counts(db, team_id, today)
    return [
        WorkstreamSummary(w, *found.get(w.tag, (0, 0)))
        for w in listing(db, team_id, archived=archived)
    ]


def _tagged(db: Database, where: str, args: list, order: str, limit: int | None = None) -> list:
    return [
        _action(r) for r in db.table("actions").rows_where(where, args, order_by=order, limit=limit)
    ]


def week(
    db: Database,
    workstream: Workstream,
    start: datetime,
    end: datetime,
    today: date,
    limit: int = SECTION_MAX_ITEMS,
) -> WorkstreamWeek:
    """A workstream's ``start < t <= end`` for its Monday post: actions new and done in it,
    the first ``limit`` overdue (and how many), and how many are open.

    Read over the index on ``(team_id, workstream, status, due, id)`` (m009).
    """
    tick = timedelta(microseconds=1)
    window = [encode_time(start + tick), encode_time(end + tick)]
    base, args = "team_id = ? AND workstream = ?", [workstream.team_id, workstream.tag]
    late = f"{base} AND status = 'open' AND due < ?"
    late_args = [*args, today.isoformat()]
    return WorkstreamWeek(
        workstream=workstream,
        start=start,
        end=end,
        today=today,
        new=_tagged(db, f"{base} AND created_at >= ? AND created_at < ?", [*args, *window], "id")[
            :limit
        ],
        done=_tagged(
            db,
            f"{base} AND status = 'done' AND done_at >= ? AND done_at < ?",
            [*args, *window],
            "id",
            limit,
        ),
        overdue=_tagged(db, late, late_args, "due, id", limit),
        overdue_total=db.table("actions").count_where(late, late_args),
        open=db.table("actions").count_where(f"{base} AND status = 'open'", args),
    )


def with_channels(db: Database) -> list[Workstream]:
    """Every workspace's live workstreams that have a channel (for their weekly posts)."""
    rows = db.table("workstreams").rows_where(
        "channel_id IS NOT NULL AND archived_at IS NULL", order_by="team_id, tag"
    )
    return [_workstream(row) for row in rows]

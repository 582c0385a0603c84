"""What the steering group's review and export read: all actions, with their change counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database

from bot.domain.actions import Action
from bot.domain.review import ReviewSummary, summarise
from storage.actions import _action

__all__ = ["review_summary", "export_rows"]


def review_summary(db: Database, team_id: str, today: date, now: datetime) -> ReviewSummary:
    """Open actions sorted for review (the App Home shows its counts to the steering group).

    >>> review_summary(db, "T1", date(2026, 12, 1), now).counts["overdue"]  # doctest: +SKIP
    3
    """
    rows = db.table("actions").rows_where("team_id = ? AND status = 'open'", [team_id],
                                          order_by="id")
    return summarise([_action(r) for r in rows], today, now)


def export_rows(db: Database, team_id: str) -> list[tuple[Action, int]]:
    """Every action, by id, with how many times it changed after it was created."""
    rows = db.query(
        "SELECT a.*, (SELECT count(*) FROM action_events e WHERE e.action_id = a.id "
        "AND e.kind != 'created') AS changes FROM actions a WHERE a.team_id = ? ORDER BY a.id",
        [team_id])
    return [(_action(r), r["changes"]) for r in rows]

"""Members as Slack knows them, cached: display name and time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = ["Member", "get", "of_teams", "save", "find_by_name", "FRESH_FOR"]

FRESH_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Member:
    """A member's cached Slack profile."""

    team_id: str
    user_id: str
    name: str
    tz: str
    fetched_at: datetime

    def is_fresh(self, now: datetime) -> bool:
        """Fetched from ``users.info`` within the last day."""
        return now - self.fetched_at < FRESH_FOR


def _member(row: dict) -> Member:
    return Member(
        row["team_id"],
        row["user_id"],
        row["name"],
        row["tz"],
        decode_time(row["fetched_at"]),
    )


def get(db: Database, team_id: str, user_id: str) -> Member | None:
    """The cached member, or ``None`` if never seen."""
    rows = list(db.table("members").rows_where("team_id = ? AND user_id = ?", [team_id, user_id]))
    return _member(rows[0]) if rows else None


def of_teams(db: Database, team_ids: set[str]) -> dict[tuple[str, str], Member]:
    """Every cached member of these workspaces, by ``(team_id, user_id)``: one query, for a
    job that needs many members' time zones at once."""
    found: dict[tuple[str, str], Member] = {}
    for team_id in sorted(team_ids):
        for row in db.table("members").rows_where("team_id = ?", [team_id]):
            found[(row["team_id"], row["user_id"])] = _member(row)
    return found


def save(db: Database, member: Member) -> Member:
    """Insert or refresh a member's cached profile.

    >>> save(db, Member("T1", "U1", "pete", "Europe/London", now))  # doctest: +SKIP
    """
    with immediate(db):
        db.table("members").upsert(
            {
                "team_id": member.team_id,
                "user_id": member.user_id,
                "name": member.name,
                "tz": member.tz,
                "fetched_at": encode_time(member.fetched_at),
            },
            pk=("team_id", "user_id"),
        )
    return member


def find_by_name(db: Database, team_id: str, name: str) -> list[Member]:
    """Members whose cached name is ``name`` (case-insensitive), for a plain ``@name``."""
    rows = db.table("members").rows_where("team_id = ? AND lower(name) = lower(?)", [team_id, name])
    return [_member(row) for row in rows]

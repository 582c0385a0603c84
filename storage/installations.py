"""Installations of Nudge by workspace, and the OAuth flow's one-time states.

An installation row holds the workspace's bot token *sealed* (``bot/oauth.py`` seals and
opens it; this module never sees it in the clear). Installing again replaces the row and
clears any pending erasure, so a workspace that comes back within the retention keeps
its data. A state is issued when an install starts and can be consumed once, within its
life: a forged or replayed one is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.domain.teams import Installation, TeamSettings, erase_after
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "save",
    "get",
    "active_team_ids",
    "mark_uninstalled",
    "due_for_erasure",
    "forget",
    "issue_state",
    "consume_state",
    "team_settings",
    "set_team_settings",
    "first_settings",
]


def _installation(row: dict) -> Installation:
    return Installation(
        team_id=row["team_id"],
        team_name=row["team_name"],
        app_id=row["app_id"],
        bot_id=row["bot_id"],
        bot_user_id=row["bot_user_id"],
        scopes=tuple(s for s in (row["scopes"] or "").split(",") if s),
        installer_id=row["installer_id"],
        installed_at=decode_time(row["installed_at"]),
        sealed_token=row["sealed_token"],
        uninstalled_at=decode_time(row["uninstalled_at"]),
        erase_at=decode_time(row["erase_at"]),
    )


def save(db: Database, installation: Installation) -> Installation:
    """Store a workspace's installation, replacing an earlier one (and any pending erasure).

    >>> from datetime import UTC
    >>> at = datetime(2026, 12, 1, tzinfo=UTC)
    >>> save(db, Installation("T9", "Council", None, "B1", "U0BOT", ("chat:write",), "U1",
    ...                       at, "sealed")).active
    True
    """
    with immediate(db):
        db.table("installations").upsert(
            {
                "team_id": installation.team_id,
                "team_name": installation.team_name,
                "app_id": installation.app_id,
                "bot_id": installation.bot_id,
                "bot_user_id": installation.bot_user_id,
                "scopes": ",".join(installation.scopes),
                "installer_id": installation.installer_id,
                "installed_at": encode_time(installation.installed_at),
                "sealed_token": installation.sealed_token,
                "uninstalled_at": None,
                "erase_at": None,
            },
            pk="team_id",
        )
    return get(db, installation.team_id)  # type: ignore[return-value]


def get(db: Database, team_id: str) -> Installation | None:
    """The workspace's installation (active or not), or ``None`` if it never installed."""
    rows = list(db.table("installations").rows_where("team_id = ?", [team_id]))
    return _installation(rows[0]) if rows else None


def active_team_ids(db: Database) -> list[str]:
    """The workspaces Nudge may send to, in a stable order (jobs go team by team)."""
    rows = db.query(
        "SELECT team_id FROM installations WHERE uninstalled_at IS NULL ORDER BY team_id"
    )
    return [row["team_id"] for row in rows]


def mark_uninstalled(
    db: Database, team_id: str, now: datetime, retention: timedelta
) -> Installation | None:
    """Slack said the app left this workspace: nothing more is sent; erase after ``retention``.

    The sealed token is dropped at once (it no longer works, and need not be kept). A
    second event (``tokens_revoked`` after ``app_uninstalled``) keeps the first date.
    """
    with immediate(db):
        found = get(db, team_id)
        if found is None:
            return None
        if found.uninstalled_at is None:
            db.table("installations").update(
                team_id,
                {
                    "uninstalled_at": encode_time(now),
                    "erase_at": encode_time(erase_after(now, retention)),
                    "sealed_token": "",
                },
            )
    return get(db, team_id)


def due_for_erasure(db: Database, now: datetime) -> list[str]:
    """Workspaces uninstalled longer ago than the retention: their data is to be erased."""
    rows = db.query(
        "SELECT team_id FROM installations WHERE erase_at IS NOT NULL AND erase_at <= ? "
        "ORDER BY team_id",
        [encode_time(now)],
    )
    return [row["team_id"] for row in rows]


def forget(db: Database, team_id: str) -> int:
    """Remove the installation row itself (the last step of erasing a workspace)."""
    with immediate(db):
        return db.execute("DELETE FROM installations WHERE team_id = ?", [team_id]).rowcount


def issue_state(db: Database, state: str, now: datetime, lasts: timedelta) -> str:
    """Record a state for one install that starts now; it is good for ``lasts``."""
    with immediate(db):
        db.execute("DELETE FROM oauth_states WHERE expires_at < ?", [encode_time(now)])
        db.table("oauth_states").insert(
            {"state": state, "created_at": encode_time(now), "expires_at": encode_time(now + lasts)}
        )
    return state


def consume_state(db: Database, state: str, now: datetime) -> bool:
    """Whether ``state`` was issued and is still good; it is used up either way.

    >>> from datetime import UTC
    >>> at = datetime(2026, 12, 1, tzinfo=UTC)
    >>> issue_state(db, "s1", at, timedelta(minutes=10)) and consume_state(db, "s1", at)
    True
    >>> consume_state(db, "s1", at), consume_state(db, "forged", at)
    (False, False)
    """
    with immediate(db):
        rows = list(db.table("oauth_states").rows_where("state = ?", [state]))
        db.execute("DELETE FROM oauth_states WHERE state = ?", [state])
    return bool(rows) and decode_time(rows[0]["expires_at"]) >= now


def team_settings(db: Database, team_id: str) -> TeamSettings:
    """The workspace's own settings (all unset if it has stored none).

    >>> team_settings(db, "T0NEW").steering
    frozenset()
    """
    rows = list(db.table("team_settings").rows_where("team_id = ?", [team_id]))
    if not rows:
        return TeamSettings(team_id)
    row = rows[0]
    return TeamSettings(
        team_id,
        timezone=row["timezone"],
        steering=frozenset((row["steering"] or "").split()),
        steering_group=row["steering_group"],
    )


def set_team_settings(
    db: Database,
    team_id: str,
    *,
    by: str,
    now: datetime,
    timezone: str | None = None,
    steering: frozenset[str] | None = None,
    steering_group: str | None = None,
) -> TeamSettings:
    """Change some of a workspace's settings (the others are kept); return them all."""
    with immediate(db):
        current = team_settings(db, team_id)
        db.table("team_settings").upsert(
            {
                "team_id": team_id,
                "timezone": timezone if timezone is not None else current.timezone,
                "steering": " ".join(
                    sorted(steering if steering is not None else current.steering)
                ),
                "steering_group": (
                    steering_group if steering_group is not None else current.steering_group
                ),
                "updated_by": by,
                "updated_at": encode_time(now),
            },
            pk="team_id",
        )
    return team_settings(db, team_id)


def first_settings(db: Database, team_id: str, installer_id: str | None, now: datetime) -> bool:
    """At install: the installer is the steering group, unless the workspace has settings
    already (a reinstall keeps them). Whether they were stored."""
    with immediate(db):
        if list(db.table("team_settings").rows_where("team_id = ?", [team_id])):
            return False
        db.table("team_settings").insert(
            {
                "team_id": team_id,
                "timezone": None,
                "steering": installer_id or "",
                "steering_group": None,
                "updated_by": installer_id,
                "updated_at": encode_time(now),
            }
        )
    return True

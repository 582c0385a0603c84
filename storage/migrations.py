"""The schema, changed only by appending a numbered migration.

Each migration is a function of a :class:`Database`; :func:`migrate` applies those not
yet recorded in ``_migrations``, in one write transaction, at start-up. Every
table carries ``team_id`` so one database can later serve more than one workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

from storage.db import immediate

__all__ = ["MIGRATIONS", "migrate"]


def m001_members_and_actions(db: Database) -> None:
    """Members (with their cached Slack time zone), actions and each action's history."""
    db.execute(
        """
        CREATE TABLE members (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            tz TEXT NOT NULL DEFAULT 'Europe/London',
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            title TEXT NOT NULL,
            owner_id TEXT,
            creator_id TEXT NOT NULL,
            due TEXT,
            workstream TEXT,
            notes TEXT NOT NULL DEFAULT '',
            permalink TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            done_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX actions_owner ON actions (team_id, owner_id, status)")
    db.execute("CREATE INDEX actions_creator ON actions (team_id, creator_id, status)")
    db.execute("CREATE INDEX actions_status ON actions (team_id, status, due)")
    db.execute("CREATE INDEX actions_workstream ON actions (team_id, workstream, status)")
    db.execute(
        """
        CREATE TABLE action_events (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
            actor_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX action_events_action ON action_events (action_id, id)")
    db.execute("CREATE INDEX action_events_at ON action_events (team_id, at)")


def m003_deliveries_and_lease(db: Database) -> None:
    """Deliveries (one row per message that must go out once) and the scheduler lease."""
    db.execute(
        """
        CREATE TABLE deliveries (
            key TEXT PRIMARY KEY,
            team_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            recipient TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
            holder TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            ambiguous INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            retry_at TEXT,
            sent_at TEXT,
            channel TEXT,
            ts TEXT,
            error TEXT
        )
        """
    )
    db.execute("CREATE INDEX deliveries_status ON deliveries (status, retry_at)")
    db.execute("CREATE INDEX deliveries_recipient ON deliveries (team_id, recipient)")
    db.execute(
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )


def m005_digest(db: Database) -> None:
    """Digest settings (override the environment), DM subscriptions and each week's edition."""
    db.execute(
        """
        CREATE TABLE digest_settings (
            team_id TEXT PRIMARY KEY,
            channel TEXT,
            weekday TEXT,
            at TEXT,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE digest_subscriptions (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE digest_editions (
            team_id TEXT NOT NULL,
            week TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (team_id, week)
        )
        """
    )


MIGRATIONS: list[Callable[[Database], None]] = [
    m001_members_and_actions,
    m003_deliveries_and_lease,
    m005_digest,
]


def migrate(db: Database) -> list[str]:
    """Apply the migrations not yet applied, in order; return their names.

    >>> from storage.db import connect
    >>> migrate(connect(":memory:"))[0]
    'm001_members_and_actions'
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied = []
    with immediate(db):  # two processes starting together migrate once
        done = {row["name"] for row in db.query("SELECT name FROM _migrations")}
        for migration in MIGRATIONS:
            if migration.__name__ in done:
                continue
            migration(db)
            db.table("_migrations").insert(
                {"name": migration.__name__, "applied_at": datetime.now(UTC).isoformat()}
            )
            applied.append(migration.__name__)
    return applied

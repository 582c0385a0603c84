"""The schema, changed only by appending a numbered migration.

Each migration is a function of a :class:`Database`; :func:`migrate` applies those not
yet recorded in ``_migrations``, in one write transaction, at start-up. Every
table carries ``team_id`` so one database can later serve more than one workspace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

from storage.codec import encode_time
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


def m002_deliveries_and_lease(db: Database) -> None:
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


def m003_reflections_and_events(db: Database) -> None:
    """Reflections with a full-text index (FTS5, Porter stemming), and Slack events seen.

    ``action_id`` is for a later "lesson from an action" link. ``enable_fts`` runs inside
    this migration's transaction (sqlite-utils 4 avoids ``executescript``'s commit).
    """
    db.execute(
        """
        CREATE TABLE reflections (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            text TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '',
            shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
            action_id INTEGER REFERENCES actions (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            shared_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX reflections_author ON reflections (team_id, author_id, id)")
    db.execute("CREATE INDEX reflections_shared ON reflections (team_id, shared, shared_at)")
    db.table("reflections").enable_fts(["text", "tags"], tokenize="porter", create_triggers=True)
    db.execute(
        """
        CREATE TABLE slack_events (
            team_id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL DEFAULT '',
            received_at TEXT NOT NULL,
            PRIMARY KEY (team_id, event_id)
        )
        """
    )
    db.execute("CREATE INDEX slack_events_received ON slack_events (received_at)")


def m004_reminders_and_feeds(db: Database) -> None:
    """Reminders (the truth for when nudges fire), blogging habits, feeds and their posts."""
    db.execute(
        """
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('me', 'follow_up')),
            text TEXT NOT NULL,
            person_id TEXT,
            permalink TEXT,
            recurrence TEXT,
            tz TEXT NOT NULL,
            next_at TEXT,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'done', 'cancelled')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT,
            done_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX reminders_due ON reminders (status, next_at)")
    db.execute("CREATE INDEX reminders_user ON reminders (team_id, user_id, status)")
    db.execute(
        """
        CREATE TABLE habits (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            every_weeks INTEGER NOT NULL CHECK (every_weeks BETWEEN 1 AND 52),
            tz TEXT NOT NULL,
            started_at TEXT NOT NULL,
            nudged_at TEXT,
            PRIMARY KEY (team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            url TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            etag TEXT,
            modified TEXT,
            checked_at TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (team_id, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            entry_id TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            link TEXT,
            published_at TEXT,
            seen_at TEXT NOT NULL,
            UNIQUE (feed_id, entry_id)
        )
        """
    )
    db.execute("CREATE INDEX posts_user ON posts (team_id, user_id, seen_at)")
    db.execute("CREATE INDEX posts_seen ON posts (team_id, seen_at)")


def m005_action_list_order_indexes(db: Database) -> None:
    """Indexes in the order ``/action list all`` and ``list done`` show actions.

    Without them, at 100,000 actions each of those lists sorted the whole table after the
    ack (about 110 ms and 20 ms); with them they read 40 index entries (about 0.1 ms).
    The expressions match the ``ORDER BY`` of ``storage.actions.listing`` exactly.
    """
    db.execute(
        "CREATE INDEX actions_list_order ON actions "
        "(team_id, (status != 'open'), (due IS NULL), due, id)"
    )
    db.execute("CREATE INDEX actions_done_order ON actions (team_id, status, done_at, id)")


def m006_loop(db: Database) -> None:
    """Quiet hours and the action-to-lesson loop.

    ``reminders.explicit_time``: whether the member named a time of day (then quiet hours
    do not apply). Rows from before this migration keep the behaviour they were set with
    (1: delivered at their time). An index finds the reflections linked to an action.
    """
    db.execute(
        "ALTER TABLE reminders ADD COLUMN explicit_time INTEGER NOT NULL DEFAULT 1 "
        "CHECK (explicit_time IN (0, 1))"
    )
    db.execute(
        "CREATE INDEX reflections_action ON reflections (team_id, action_id) "
        "WHERE action_id IS NOT NULL"
    )


def m007_digest(db: Database) -> None:
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


def m008_data_rights(db: Database) -> None:
    """Erasures done by ``/nudge forget me``: when (a date) and how much, never by whom."""
    db.execute(
        """
        CREATE TABLE erasures (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            erased_on TEXT NOT NULL,
            rows_deleted INTEGER NOT NULL,
            rows_anonymised INTEGER NOT NULL,
            messages_deleted INTEGER NOT NULL DEFAULT 0,
            messages_failed INTEGER NOT NULL DEFAULT 0
        )
        """
    )


def m009_member_list_order_indexes(db: Database) -> None:
    """The owner, creator and workstream indexes, extended to the order lists show.

    ``/action list`` (and every App Home) reads a member's open actions earliest due
    first; with ``(due IS NULL), due, id`` after ``status`` the list reads its first
    entries from the index instead of sorting all of the member's open actions. The
    new indexes start as the old ones did, so they serve every query those served.
    """
    for name, column in (
        ("actions_owner", "owner_id"),
        ("actions_creator", "creator_id"),
        ("actions_workstream", "workstream"),
    ):
        db.execute(f"DROP INDEX {name}")
        db.execute(
            f"CREATE INDEX {name}_order ON actions "
            f"(team_id, {column}, status, (due IS NULL), due, id)"
        )


def m010_reflection_audience_index(db: Database) -> None:
    """Reflections by who may see them: shared, or private to their author.

    Counting what a member may see (the App Home, ``/reflect list``) reads two ranges of
    this index instead of the rows.
    """
    db.execute("CREATE INDEX reflections_audience ON reflections (team_id, shared, author_id)")


def m011_search_by_audience(db: Database) -> None:
    """The search index learns who may see each reflection, so a search of 100,000
    reflections looks only at those the searcher may see.

    Its third column, ``audience``, holds one word: ``<team>h0`` for a shared reflection,
    ``<team>g<author>0`` for a private one, each id in hexadecimal. Hex keeps every id
    distinct (the tokenizer would fold case and cut at punctuation), the letters g and h
    never occur in it, and a word ending in a digit is one the Porter stemmer leaves
    whole (``U0PETE`` and ``U0PET`` would otherwise stem alike). It is read from the
    view ``reflections_searchable``, the index's content, so the triggers and a rebuild
    derive it the same way. sqlite-utils' ``enable_fts`` indexes table columns only,
    hence the hand-written index; the triggers are its, reading the view (before a
    change, for the old word; after it, for the new).
    """
    for trigger in ("reflections_ai", "reflections_ad", "reflections_au"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE reflections_fts")
    db.execute(
        """
        CREATE VIEW reflections_searchable AS
        SELECT id, text, tags,
               hex(team_id) || CASE WHEN shared = 1 THEN 'h0'
                                    ELSE 'g' || hex(author_id) || '0' END AS audience
        FROM reflections
        """
    )
    db.execute(
        "CREATE VIRTUAL TABLE reflections_fts USING fts5 (text, tags, audience, "
        "tokenize='porter', content='reflections_searchable', content_rowid='id')"
    )
    db.execute("INSERT INTO reflections_fts (reflections_fts) VALUES ('rebuild')")
    add = (
        "INSERT INTO reflections_fts (rowid, text, tags, audience) "
        "SELECT id, text, tags, audience FROM reflections_searchable WHERE id = new.id;"
    )
    remove = (
        "INSERT INTO reflections_fts (reflections_fts, rowid, text, tags, audience) "
        "SELECT 'delete', id, text, tags, audience FROM reflections_searchable "
        "WHERE id = old.id;"
    )
    for name, when, body in (
        ("reflections_ai", "AFTER INSERT", add),
        ("reflections_bd", "BEFORE DELETE", remove),
        ("reflections_bu", "BEFORE UPDATE", remove),
        ("reflections_au", "AFTER UPDATE", add),
    ):
        db.execute(f"CREATE TRIGGER {name} {when} ON reflections BEGIN {body} END")


def m012_actions_created_index(db: Database) -> None:
    """Actions by when they were created, for the digest's "New actions" (a week of them
    was found by reading every action: 40 ms at 100,000)."""
    db.execute("CREATE INDEX actions_created ON actions (team_id, created_at)")


TIMES_BEFORE_M013: dict[str, tuple[str, ...]] = {
    "_migrations": ("applied_at",),
    "members": ("fetched_at",),
    "actions": ("created_at", "updated_at", "done_at"),
    "action_events": ("at",),
    "deliveries": ("created_at", "claimed_at", "retry_at", "sent_at"),
    "leases": ("acquired_at", "expires_at"),
    "reflections": ("created_at", "updated_at", "shared_at"),
    "slack_events": ("received_at",),
    "reminders": ("next_at", "created_at", "updated_at", "sent_at", "done_at"),
    "habits": ("started_at", "nudged_at"),
    "feeds": ("checked_at", "created_at"),
    "posts": ("published_at", "seen_at"),
    "digest_settings": ("updated_at",),
    "digest_subscriptions": ("created_at",),
    "digest_editions": ("period_start", "period_end", "created_at"),
}
"""Every column that held a time when m013 ran (``feeds.modified`` is an HTTP date, and
``deliveries.ts`` a Slack message id: neither is ours)."""


def _recoded(text: str | None) -> str | None:
    """A time as any version before m013 stored it, as ``storage.codec`` stores it."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return encode_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


_TIMED_KEY = re.compile(r"(reminder:\d+:|habit:[^:]+:[^:]+:)(.+)")


def _recoded_key(key: str) -> str:
    """A reminder's or habit nudge's delivery key, whose last part is a time, recoded."""
    found = _TIMED_KEY.fullmatch(key)
    return found[1] + _recoded(found[2]) if found else key


def m013_one_time_encoding(db: Database) -> None:
    """Every stored time rewritten in the one form of ``storage.codec``
    (``2026-12-01T10:00:00.000000Z``).

    Before, times were stored with and without microseconds and with an offset
    (``…T10:00:00+00:00``, ``…T10:00:00.250000+00:00``): they compared correctly as text
    only because ``'+'`` sorts before ``'.'``. The delivery keys of reminders and habit
    nudges end in the time of their occurrence: they are recoded too, so an occurrence
    sent before the upgrade is still known as sent after it. The search index's update
    triggers now fire only when what the index holds changes, so rewriting every
    reflection's times (and any later change of times alone) does not re-index its text:
    at 100,000 actions, events and reflections it runs once in about 3.4 s (4.9 s when the
    triggers re-indexed every reflection).
    """
    db.execute("DROP TRIGGER reflections_bu")
    db.execute("DROP TRIGGER reflections_au")
    watched = "UPDATE OF team_id, author_id, text, tags, shared ON reflections"
    db.execute(
        f"CREATE TRIGGER reflections_bu BEFORE {watched} BEGIN "
        "INSERT INTO reflections_fts (reflections_fts, rowid, text, tags, audience) "
        "SELECT 'delete', id, text, tags, audience FROM reflections_searchable "
        "WHERE id = old.id; END"
    )
    db.execute(
        f"CREATE TRIGGER reflections_au AFTER {watched} BEGIN "
        "INSERT INTO reflections_fts (rowid, text, tags, audience) "
        "SELECT id, text, tags, audience FROM reflections_searchable WHERE id = new.id; END"
    )
    db.conn.create_function("nudge_recoded", 1, _recoded, deterministic=True)
    for table, columns in TIMES_BEFORE_M013.items():
        changes = ", ".join(f"[{c}] = nudge_recoded([{c}])" for c in columns)
        db.execute(f"UPDATE [{table}] SET {changes}")
    db.conn.create_function("nudge_recoded_key", 1, _recoded_key, deterministic=True)
    db.execute(
        "UPDATE deliveries SET key = nudge_recoded_key(key) "
        "WHERE key LIKE 'reminder:%' OR key LIKE 'habit:%'"
    )


def m014_workstreams(db: Database) -> None:
    """Workstreams as records kept by the steering group: a tag, a title, a lead, a channel."""
    db.execute(
        """
        CREATE TABLE workstreams (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            tag TEXT NOT NULL,
            title TEXT NOT NULL,
            lead_id TEXT,
            channel_id TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            archived_at TEXT,
            UNIQUE (team_id, tag)
        )
        """
    )


def m015_conversations(db: Database) -> None:
    """Conversations with anyone, members or not; cadences ("stay in touch"); follow-ups
    with people outside Slack; erasures of someone outside Slack.

    A person is a member (``person_id``) or anyone else (``person_name``, with an optional
    organisation); ``person_key`` says who they are as ``bot.domain.contacts.person_key``
    spells it (``u:<Slack id>``, ``n:<name, case folded>``), so a member's conversations,
    follow-ups and cadence with one person are found together. Conversations are private to
    their author until shared, read through ``storage.privacy`` over the same kind of
    ``(team_id, shared, author_id)`` index as reflections (m010). ``erasures.kind`` tells a
    member's own erasure from the steering group's erasure of someone outside Slack.
    """
    for column in ("person_name", "person_org", "person_key"):
        db.execute(f"ALTER TABLE reminders ADD COLUMN {column} TEXT")
    db.execute(
        "UPDATE reminders SET person_key = 'u:' || person_id "
        "WHERE kind = 'follow_up' AND person_id IS NOT NULL"
    )
    db.execute(
        "CREATE INDEX reminders_person ON reminders (team_id, user_id, person_key, status) "
        "WHERE person_key IS NOT NULL"
    )
    db.execute(
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            person_id TEXT,
            person_name TEXT,
            person_key TEXT NOT NULL,
            organisation TEXT,
            topic TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '',
            shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
            reminder_id INTEGER REFERENCES reminders (id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            shared_at TEXT,
            CHECK (person_id IS NOT NULL OR person_name IS NOT NULL)
        )
        """
    )
    db.execute("CREATE INDEX conversations_audience ON conversations (team_id, shared, author_id)")
    db.execute(
        "CREATE INDEX conversations_people ON conversations (team_id, author_id, person_key)"
    )
    db.execute("CREATE INDEX conversations_shared ON conversations (team_id, shared, shared_at)")
    db.execute("CREATE INDEX conversations_map ON conversations (team_id, shared, created_at)")
    db.execute(
        """
        CREATE TABLE cadences (
            id INTEGER PRIMARY KEY,
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            person_id TEXT,
            person_name TEXT,
            person_key TEXT NOT NULL,
            organisation TEXT,
            every_n INTEGER NOT NULL CHECK (every_n BETWEEN 1 AND 52),
            every_unit TEXT NOT NULL CHECK (every_unit IN ('week', 'month')),
            tz TEXT NOT NULL,
            started_at TEXT NOT NULL,
            nudged_at TEXT,
            UNIQUE (team_id, user_id, person_key)
        )
        """
    )
    db.execute(
        "ALTER TABLE erasures ADD COLUMN kind TEXT NOT NULL DEFAULT 'member' "
        "CHECK (kind IN ('member', 'person'))"
    )


def m016_installations(db: Database) -> None:
    """Workspaces that installed Nudge through Slack's OAuth flow (each bot token sealed),
    the flow's one-time states, and each workspace's own settings."""
    db.execute(
        """
        CREATE TABLE installations (
            team_id TEXT PRIMARY KEY,
            team_name TEXT NOT NULL DEFAULT '',
            app_id TEXT,
            bot_id TEXT,
            bot_user_id TEXT,
            scopes TEXT NOT NULL DEFAULT '',
            installer_id TEXT,
            installed_at TEXT NOT NULL,
            sealed_token TEXT NOT NULL,
            uninstalled_at TEXT,
            erase_at TEXT
        )
        """
    )
    db.execute(
        "CREATE TABLE oauth_states (state TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
        "expires_at TEXT NOT NULL)"
    )
    db.execute(
        """
        CREATE TABLE team_settings (
            team_id TEXT PRIMARY KEY,
            timezone TEXT,
            steering TEXT NOT NULL DEFAULT '',
            steering_group TEXT,
            updated_by TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )


def m017_weekly_post_settings(db: Database) -> None:
    """Where each weekly channel post goes (the steering review's channel, say), by team."""
    db.execute(
        """
        CREATE TABLE weekly_post_settings (
            team_id TEXT NOT NULL,
            post TEXT NOT NULL,
            channel TEXT,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, post)
        )
        """
    )


MIGRATIONS: list[Callable[[Database], None]] = [
    m001_members_and_actions,
    m002_deliveries_and_lease,
    m003_reflections_and_events,
    m004_reminders_and_feeds,
    m005_action_list_order_indexes,
    m006_loop,
    m007_digest,
    m008_data_rights,
    m009_member_list_order_indexes,
    m010_reflection_audience_index,
    m011_search_by_audience,
    m012_actions_created_index,
    m013_one_time_encoding,
    m014_workstreams,
    m015_conversations,
    m016_installations,
    m017_weekly_post_settings,
]


# Why not ``sqlite_utils.Migrations`` (in the installed sqlite-utils 4.2.1), checked
# against it on 2 December 2026:
# - Alone, ``Migrations.apply(db)`` fails on our connections: it creates its bookkeeping
#   table outside any transaction, and ``storage.db.connect`` is read-only until
#   ``immediate()`` ("attempt to write a readonly database"). Wrapped in
#   ``with immediate(db):`` it works and keeps our one-transaction start-up (its
#   per-migration ``db.atomic()`` becomes a savepoint inside ours; a failing migration
#   rolled every pending one back, as here), so that is not the obstacle.
# - It records applied migrations in ``_sqlite_migrations (id, migration_set, name,
#   applied_at)``, not our ``_migrations (name, applied_at)``: every existing database
#   would need its records copied over by a shim that must run first, forever.
# - It writes ``applied_at`` as ``str(datetime.now(timezone.utc))``
#   (``2026-12-02 09:52:32.287404+00:00``), not the one stored-time format of
#   ``storage.codec`` that tests/test_codec.py holds every time column to.
# - It returns nothing; ours returns the names it applied (tests/test_codec.py reads them).
# Adopting it would take more code (the shim, exceptions to the codec and personal-data
# registries) than the twenty lines below, so the runner stays ours.


def migrate(db: Database) -> list[str]:
    """Apply the migrations not yet applied, in order; return their names.

    >>> from storage.db import connect
    >>> migrate(connect(":memory:"))[0]
    'm001_members_and_actions'
    """
    applied = []
    with immediate(db):  # two processes starting together migrate once
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row["name"] for row in db.query("SELECT name FROM _migrations")}
        for migration in MIGRATIONS:
            if migration.__name__ in done:
                continue
            migration(db)
            db.table("_migrations").insert(
                {"name": migration.__name__, "applied_at": encode_time(datetime.now(UTC))}
            )
            applied.append(migration.__name__)
    return applied

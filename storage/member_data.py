"""Every table that holds a member's personal data, and how to export and erase it.

The one place that knows where a person appears: :data:`PERSONAL` holds one
:class:`PersonalTable` record per table, naming the columns that hold a member's Slack id,
the table's reader (for ``/nudge mydata``), its eraser (for ``/nudge forget me``) and what
the member is told of it (a :class:`~bot.domain.data_rights.Holding`: the export section
and the nouns of the replies). :data:`NOT_PERSONAL` names the tables that hold none, with
the reason. ``tests/test_data_rights.py`` scans the schema and fails when a table has a
column that looks like a person (``*_id``, ``*_by``, ``recipient`` …) and is in no record,
so a new table cannot be forgotten anywhere. A table that does not exist exports ``[]``
and erases nothing.

Erasure deletes what is the member's own (reflections, reminders, habit, feed, posts,
member record, subscription, the record of messages sent to them) and keeps shared
records (actions and their history) with the member replaced by
:data:`~bot.domain.people.FORMER_MEMBER`, mentions of them in those records' text
included. It runs in one ``BEGIN IMMEDIATE`` transaction with ``secure_delete`` on and
the reflections' search index optimised, so erased text does not linger in free pages or
old index segments of the database file.

People outside Slack are named in members' records (a conversation with Nicola Gill, a
follow-up, an action's title) without ever having agreed to it. On their request the
steering group erases their name (:func:`forget_person`): it is replaced by
:data:`~bot.domain.contacts.ERASED_NAME` wherever members may have typed it, the columns
:data:`NAMES_MAY_BE_IN` lists (every other text column is in :data:`NO_NAMES_IN`, with the
reason; a test fails on a text column in neither), and their cadences are deleted. The
records stay their authors'. Only the count is recorded, never the name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlite_utils import Database

from bot.domain.contacts import ERASED_NAME, name_key, person_key
from bot.domain.data_rights import Holding, scrub_mentions
from bot.domain.people import FORMER_MEMBER
from storage import conversations, deliveries, reflections
from storage.db import immediate

__all__ = [
    "PersonalTable",
    "PERSONAL",
    "NOT_PERSONAL",
    "NOT_PERSON_COLUMNS",
    "Erasure",
    "export",
    "sent_messages",
    "erase",
    "erase_workspace",
    "record_messages",
    "erasures",
    "NAMES_MAY_BE_IN",
    "NO_NAMES_IN",
    "PersonErasure",
    "forget_person",
]

NOT_PERSONAL: dict[str, str] = {
    "_migrations": "names of applied migrations",
    "oauth_states": "one-time values of OAuth installs under way (minutes), no person",
    "leases": "which process holds the scheduler lease",
    "slack_events": "ids of Slack events already handled (kept three days), no person",
    "erasures": "a count per erasure and its date, never who",
    "digest_editions": "which weeks' digests were made",
    "reflections_fts": "the search index of reflections (their words, and a private one's "
    "author as a hex word): derived by triggers, so erasing a "
    "reflection erases its entries",
    "reflections_fts_data": "the search index's storage",
    "reflections_fts_idx": "the search index's storage",
    "reflections_fts_docsize": "the search index's storage",
    "reflections_fts_config": "the search index's storage",
}
"""Tables with no personal data of their own, and why."""

NOT_PERSON_COLUMNS = frozenset(
    {
        "id",
        "team_id",
        "action_id",
        "feed_id",
        "event_id",
        "entry_id",
        "channel_id",
        "reminder_id",
        "app_id",
        "bot_id",
        "bot_user_id",
    }
)
"""Columns that look like an id but name no person."""


def _exists(db: Database, table: str) -> bool:
    return db.table(table).exists()


def _rows(db: Database, table: str, where: str, params: list) -> list[dict]:
    """Rows of ``table`` (``[]`` if there is no such table), in insertion order."""
    if not _exists(db, table):
        return []
    return list(db.table(table).rows_where(where, params, order_by="rowid"))


# --- export: a reader per table ------------------------------------------------------------

Reader = Callable[[Database, str, str], list[dict]]

_OWN_ACTIONS = "team_id = ? AND (owner_id = ? OR creator_id = ?)"


def _owned_by(table: str, column: str) -> Reader:
    """The reader of the rows of ``table`` whose ``column`` is the member."""

    def read(db: Database, team_id: str, user_id: str) -> list[dict]:
        return _rows(db, table, f"team_id = ? AND {column} = ?", [team_id, user_id])

    return read


def _export_actions(db: Database, team_id: str, user_id: str) -> list[dict]:
    return _rows(db, "actions", _OWN_ACTIONS, [team_id, user_id, user_id])


def _export_action_events(db: Database, team_id: str, user_id: str) -> list[dict]:
    return _rows(
        db,
        "action_events",
        f"team_id = ? AND (actor_id = ? OR (kind = 'assigned' AND detail = ?) OR action_id IN "
        f"(SELECT id FROM actions WHERE {_OWN_ACTIONS}))",
        [team_id, user_id, user_id, team_id, user_id, user_id],
    )


def _export_reflections(db: Database, team_id: str, user_id: str) -> list[dict]:
    rows = reflections.authored_rows(db, team_id, user_id)  # through the privacy rule
    return [{**row, "shared": bool(row["shared"])} for row in rows]


def export(db: Database, team_id: str, user_id: str) -> list[tuple[PersonalTable, list[dict]]]:
    """The member's rows in every table of :data:`PERSONAL`, read in one transaction.

    >>> [rows for table, rows in export(db, "T1", "U1") if table.name == "reflections"]
    [[]]
    """
    with db.atomic():  # one consistent snapshot
        return [(table, table.read(db, team_id, user_id)) for table in PERSONAL]


# --- erasure: one function per table ---------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: rows deleted and anonymised per table, and its record's id."""

    id: int
    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)
    """Messages recorded as sent to the member that the caller has still to delete."""


Eraser = Callable[[Database, str, str], tuple[int, int]]
"""Erase a member from one table; return (rows deleted, rows anonymised)."""


def _delete(db: Database, table: str, where: str, params: list) -> int:
    if not _exists(db, table):
        return 0
    return db.execute(f"DELETE FROM [{table}] WHERE {where}", params).rowcount


def _replace(
    db: Database, table: str, column: str, team_id: str, user_id: str, extra: str = "1"
) -> set[int]:
    """Set ``column`` to the placeholder where it is ``user_id``; return the rowids changed."""
    if not _exists(db, table):
        return set()
    where = f"team_id = ? AND [{column}] = ? AND ({extra})"
    changed = {
        row[0]
        for row in db.execute(
            f"SELECT rowid FROM [{table}] WHERE {where}", [team_id, user_id]
        ).fetchall()
    }
    db.execute(
        f"UPDATE [{table}] SET [{column}] = ? WHERE {where}", [FORMER_MEMBER, team_id, user_id]
    )
    return changed


def _scrub(
    db: Database, table: str, columns: tuple[str, ...], team_id: str, user_id: str
) -> set[int]:
    """Replace mentions of ``user_id`` in free-text ``columns``; return the rowids changed."""
    changed = set()
    for column in columns:
        rows = db.execute(
            f"SELECT rowid, [{column}] FROM [{table}] WHERE team_id = ? AND instr([{column}], ?)",
            [team_id, f"<@{user_id}"],
        ).fetchall()
        for rowid, text in rows:
            scrubbed = scrub_mentions(text, user_id)
            if scrubbed != text:
                db.execute(
                    f"UPDATE [{table}] SET [{column}] = ? WHERE rowid = ?", [scrubbed, rowid]
                )
                changed.add(rowid)
    return changed


def _deleted_by(table: str, column: str) -> Eraser:
    """The eraser that deletes the rows of ``table`` whose ``column`` is the member."""

    def erase(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
        return _delete(db, table, f"team_id = ? AND {column} = ?", [team_id, user_id]), 0

    return erase


def _erase_actions(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    changed = (
        _replace(db, "actions", "owner_id", team_id, user_id)
        | _replace(db, "actions", "creator_id", team_id, user_id)
        | _scrub(db, "actions", ("title", "notes"), team_id, user_id)
    )
    return 0, len(changed)


def _erase_action_events(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    changed = (
        _replace(db, "action_events", "actor_id", team_id, user_id)
        | _replace(db, "action_events", "detail", team_id, user_id, extra="kind = 'assigned'")
        | _scrub(db, "action_events", ("detail",), team_id, user_id)
    )
    return 0, len(changed)


def _erase_reflections(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    deleted = _delete(db, "reflections", "team_id = ? AND author_id = ?", [team_id, user_id])
    if deleted:  # merge the index's segments, so no deleted entry stays in an old one
        db.execute("INSERT INTO reflections_fts (reflections_fts) VALUES ('optimize')")
    return deleted, 0


def _erase_reminders(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    deleted = _delete(db, "reminders", "team_id = ? AND user_id = ?", [team_id, user_id])
    # other members' follow-ups with them stay the other members', without their id
    changed = _replace(db, "reminders", "person_id", team_id, user_id) | _scrub(
        db, "reminders", ("text",), team_id, user_id
    )
    _rekey(db, "reminders", team_id, user_id)
    return deleted, len(changed)


def _rekey(db: Database, table: str, team_id: str, user_id: str) -> None:
    """Who a row is with, once that member is erased: ``u:former-member``."""
    if _exists(db, table):
        db.execute(
            f"UPDATE [{table}] SET person_key = ? WHERE team_id = ? AND person_key = ?",
            [person_key(FORMER_MEMBER, None), team_id, person_key(user_id, None)],
        )


def _export_conversations(db: Database, team_id: str, user_id: str) -> list[dict]:
    """The conversations the member recorded, through the privacy rule: never another
    member's private conversation, not even one about them."""
    if not _exists(db, "conversations"):
        return []
    return conversations.authored_rows(db, team_id, user_id)


def _erase_conversations(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    """The member's own conversations go; others' conversations with them stay the others',
    with a former member in their place (and in mentions in the topic)."""
    deleted = _delete(db, "conversations", "team_id = ? AND author_id = ?", [team_id, user_id])
    changed = _replace(db, "conversations", "person_id", team_id, user_id) | _scrub(
        db, "conversations", ("topic",), team_id, user_id
    )
    _rekey(db, "conversations", team_id, user_id)
    return deleted, len(changed)


def _erase_cadences(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    """The member's cadences go; others' cadences with them stay the others', with a former
    member in their place (as their follow-ups do)."""
    deleted = _delete(db, "cadences", "team_id = ? AND user_id = ?", [team_id, user_id])
    changed = _replace(db, "cadences", "person_id", team_id, user_id)
    _rekey(db, "cadences", team_id, user_id)
    return deleted, len(changed)


def _erase_digest_settings(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    return 0, len(_replace(db, "digest_settings", "updated_by", team_id, user_id))


def _erase_weekly_post_settings(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    return 0, len(_replace(db, "weekly_post_settings", "updated_by", team_id, user_id))


def _export_workstreams(db: Database, team_id: str, user_id: str) -> list[dict]:
    return _rows(
        db,
        "workstreams",
        "team_id = ? AND (lead_id = ? OR created_by = ?)",
        [team_id, user_id, user_id],
    )


def _erase_workstreams(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    """A workstream stays the network's: its lead becomes none, its creator a former member."""
    led = set()
    if _exists(db, "workstreams"):
        where = "team_id = ? AND lead_id = ?"
        led = {
            r[0]
            for r in db.execute(f"SELECT rowid FROM workstreams WHERE {where}", [team_id, user_id])
        }
        db.execute(f"UPDATE workstreams SET lead_id = NULL WHERE {where}", [team_id, user_id])
    return 0, len(led | _replace(db, "workstreams", "created_by", team_id, user_id))


def _export_installations(db: Database, team_id: str, user_id: str) -> list[dict]:
    rows = _rows(db, "installations", "team_id = ? AND installer_id = ?", [team_id, user_id])
    return [{k: v for k, v in row.items() if k != "sealed_token"} for row in rows]  # no token


def _erase_installations(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    return 0, len(_replace(db, "installations", "installer_id", team_id, user_id))


def _export_team_settings(db: Database, team_id: str, user_id: str) -> list[dict]:
    return [
        row
        for row in _rows(db, "team_settings", "team_id = ?", [team_id])
        if row["updated_by"] == user_id or user_id in row["steering"].split()
    ]


def _erase_team_settings(db: Database, team_id: str, user_id: str) -> tuple[int, int]:
    """The workspace's settings stay; the member leaves its steering list and its record."""
    changed = _replace(db, "team_settings", "updated_by", team_id, user_id)
    for row in _export_team_settings(db, team_id, user_id):
        if user_id in row["steering"].split():
            kept = " ".join(s for s in row["steering"].split() if s != user_id)
            db.execute("UPDATE team_settings SET steering = ? WHERE team_id = ?", [kept, team_id])
            changed.add(row["team_id"])
    return 0, len(changed)


@dataclass(frozen=True)
class PersonalTable:
    """One table holding personal data: where the member is, how to read and erase them,
    and what they are told of it."""

    name: str
    columns: tuple[str, ...]
    """The columns holding a member's Slack id."""
    read: Reader
    erase: Eraser
    holding: Holding


PERSONAL: tuple[PersonalTable, ...] = (
    PersonalTable(
        "members",
        ("user_id",),
        _owned_by("members", "user_id"),
        _deleted_by("members", "user_id"),
        Holding(
            "member", "Your cached Slack profile: display name and time zone.", "profile", "profile"
        ),
    ),
    PersonalTable(
        "actions",
        ("owner_id", "creator_id"),
        _export_actions,
        _erase_actions,
        Holding(
            "actions",
            "Actions you own or created, each with its full history.",
            "action",
            "actions",
            kept=True,
        ),
    ),
    PersonalTable(
        "action_events",
        ("actor_id",),  # and ``detail`` of an ``assigned`` event
        _export_action_events,
        _erase_action_events,
        Holding(
            "action_events",
            "Changes you made to other people's actions, or that gave you one.",
            "change to others' actions",
            "changes to others' actions",
            kept=True,
        ),
    ),
    PersonalTable(
        "reflections",
        ("author_id",),
        _export_reflections,
        _erase_reflections,
        Holding(
            "reflections", "Your reflections, private and shared.", "reflection", "reflections"
        ),
    ),
    PersonalTable(
        "reminders",
        ("user_id", "person_id"),
        _owned_by("reminders", "user_id"),
        _erase_reminders,
        Holding("reminders", "Your reminders and follow-ups.", "reminder", "reminders"),
    ),
    PersonalTable(
        "conversations",
        ("author_id", "person_id"),
        _export_conversations,
        _erase_conversations,
        Holding(
            "conversations",
            "Conversations you recorded, private and shared (not others' private ones, even "
            "about you).",
            "conversation",
            "conversations",
        ),
    ),
    PersonalTable(
        "cadences",
        ("user_id", "person_id"),
        _owned_by("cadences", "user_id"),
        _erase_cadences,
        Holding(
            "cadences",
            "The people you keep in touch with on a cadence, and how often.",
            "stay-in-touch cadence",
            "stay-in-touch cadences",
        ),
    ),
    PersonalTable(
        "habits",
        ("user_id",),
        _owned_by("habits", "user_id"),
        _deleted_by("habits", "user_id"),
        Holding("habits", "Your blogging habit.", "blogging habit", "blogging habits"),
    ),
    PersonalTable(  # before feeds: posts refer to them
        "posts",
        ("user_id",),
        _owned_by("posts", "user_id"),
        _deleted_by("posts", "user_id"),
        Holding("posts", "Posts found in your blog feed.", "blog post", "blog posts"),
    ),
    PersonalTable(
        "feeds",
        ("user_id",),
        _owned_by("feeds", "user_id"),
        _deleted_by("feeds", "user_id"),
        Holding("feeds", "Your blog feed.", "blog feed", "blog feeds"),
    ),
    PersonalTable(
        "deliveries",
        ("recipient",),
        _owned_by("deliveries", "recipient"),
        _deleted_by("deliveries", "recipient"),
        Holding(
            "deliveries",
            "Messages I sent you (reminders, nudges, digests) and when.",
            "record of a message I sent you",
            "records of messages I sent you",
        ),
    ),
    PersonalTable(
        "digest_subscriptions",
        ("user_id",),
        _owned_by("digest_subscriptions", "user_id"),
        _deleted_by("digest_subscriptions", "user_id"),
        Holding(
            "digest_subscriptions",
            "Your subscription to the weekly digest by DM.",
            "digest subscription",
            "digest subscriptions",
        ),
    ),
    PersonalTable(
        "digest_settings",
        ("updated_by",),
        _owned_by("digest_settings", "updated_by"),
        _erase_digest_settings,
        Holding(
            "digest_settings",
            "Digest settings you last changed (steering group).",
            "digest setting",
            "digest settings",
            kept=True,
        ),
    ),
    PersonalTable(
        "weekly_post_settings",
        ("updated_by",),
        _owned_by("weekly_post_settings", "updated_by"),
        _erase_weekly_post_settings,
        Holding(
            "weekly_post_settings",
            "Weekly post settings you last changed, such as the review's channel (steering group).",
            "weekly post setting",
            "weekly post settings",
            kept=True,
        ),
    ),
    PersonalTable(
        "workstreams",
        ("lead_id", "created_by"),
        _export_workstreams,
        _erase_workstreams,
        Holding(
            "workstreams",
            "Workstreams you lead or added (steering group).",
            "workstream",
            "workstreams",
            kept=True,
        ),
    ),
    PersonalTable(
        "installations",
        ("installer_id",),
        _export_installations,
        _erase_installations,
        Holding(
            "installations",
            "Your installing of Nudge in this workspace (its token is never exported).",
            "installation",
            "installations",
            kept=True,
        ),
    ),
    PersonalTable(
        "team_settings",
        ("updated_by",),  # and ``steering``, a list of members' ids
        _export_team_settings,
        _erase_team_settings,
        Holding(
            "team_settings",
            "The workspace's settings, where they name you (steering group, last change).",
            "workspace setting",
            "workspace settings",
            kept=True,
        ),
    ),
)
"""Every table holding personal data, in the order an erasure goes through them."""


def sent_messages(db: Database, team_id: str, user_id: str) -> list[tuple[str, str]]:
    """``(channel, ts)`` of every message recorded as sent to the member (to delete them)."""
    return [
        (d.channel, d.ts) for d in deliveries.sent_to(db, team_id, user_id) if d.channel and d.ts
    ]


@contextmanager
def _secure_delete(db: Database) -> Iterator[None]:
    """``secure_delete`` on for the block: erased rows are overwritten, not just unlinked;
    then as it was (some builds of SQLite have it on by default)."""
    before = db.execute("PRAGMA secure_delete").fetchone()[0]
    db.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        db.execute(f"PRAGMA secure_delete = {int(before)}")


def erase(
    db: Database,
    team_id: str,
    user_id: str,
    now: datetime,
    *,
    handled: Collection[tuple[str, str]] = (),
    messages_deleted: int = 0,
    messages_failed: int = 0,
) -> Erasure:
    """Erase the member in one transaction, and record that an erasure happened (counts only).

    ``handled`` are the messages the caller already tried to delete (with the outcome
    counted in ``messages_deleted``/``messages_failed``); messages sent meanwhile come
    back in :attr:`Erasure.messages` for the caller to delete.

    >>> erase(db, "T1", "U1", now).deleted["reflections"]
    0
    """
    with _secure_delete(db), immediate(db):
        left = [m for m in sent_messages(db, team_id, user_id) if m not in handled]
        deleted, anonymised = {}, {}
        for table in PERSONAL:
            deleted[table.name], anonymised[table.name] = table.erase(db, team_id, user_id)
        erasure_id = (
            db.table("erasures")
            .insert(
                {
                    "team_id": team_id,
                    "erased_on": now.astimezone(UTC).date().isoformat(),
                    "rows_deleted": sum(deleted.values()),
                    "rows_anonymised": sum(anonymised.values()),
                    "messages_deleted": messages_deleted,
                    "messages_failed": messages_failed,
                }
            )
            .last_pk
        )
    # copy the overwritten pages into the database file now, and empty the write-ahead log
    # (best effort: a reader elsewhere may delay it until the next checkpoint)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Erasure(erasure_id, deleted, anonymised, left)


def record_messages(db: Database, erasure_id: int, deleted: int, failed: int) -> None:
    """Add messages deleted (or not) after the transaction to the erasure's record."""
    with immediate(db):
        db.execute(
            "UPDATE erasures SET messages_deleted = messages_deleted + ?, "
            "messages_failed = messages_failed + ? WHERE id = ?",
            [deleted, failed, erasure_id],
        )


def erasures(db: Database, team_id: str) -> list[dict]:
    """The record of erasures in a workspace: dates and counts, no one named."""
    return list(db.table("erasures").rows_where("team_id = ?", [team_id], order_by="id"))


# --- people outside Slack: erasing a name on request ----------------------------------------

NAMES_MAY_BE_IN: dict[str, tuple[str, ...]] = {
    "actions": ("title", "notes"),
    "action_events": ("detail",),
    "reflections": ("text", "tags"),
    "reminders": ("text", "person_name", "person_org", "person_key"),
    "conversations": ("person_name", "person_key", "organisation", "topic", "tags"),
    "cadences": ("person_name", "person_key", "organisation"),
    "workstreams": ("title",),
    "feeds": ("title",),
    "posts": ("title",),
}
"""Every text column where a member may have typed (or a feed may have brought) someone's
name: what :func:`forget_person` rewrites. ``person_key`` holds the name case folded."""

NO_NAMES_IN: dict[str, tuple[str, ...]] = {
    "_migrations": ("name", "applied_at"),
    "members": ("team_id", "user_id", "name", "tz", "fetched_at"),  # members' own Slack names
    "actions": ("team_id", "owner_id", "creator_id", "due", "workstream", "permalink", "status")
    + ("created_at", "updated_at", "done_at"),
    "action_events": ("team_id", "actor_id", "kind", "at"),
    "deliveries": ("key", "team_id", "kind", "recipient", "status", "holder", "created_at")
    + ("claimed_at", "retry_at", "sent_at", "channel", "ts", "error"),
    "leases": ("name", "holder", "acquired_at", "expires_at"),
    "reflections": ("team_id", "author_id", "created_at", "updated_at", "shared_at"),
    "slack_events": ("team_id", "event_id", "type", "received_at"),
    "reminders": ("team_id", "user_id", "kind", "person_id", "permalink", "recurrence", "tz")
    + ("next_at", "status", "created_at", "updated_at", "sent_at", "done_at"),
    "habits": ("team_id", "user_id", "tz", "started_at", "nudged_at"),
    "feeds": ("team_id", "user_id", "url", "etag", "modified", "checked_at", "error")
    + ("created_at",),
    "posts": ("team_id", "user_id", "entry_id", "link", "published_at", "seen_at"),
    "digest_settings": ("team_id", "channel", "weekday", "at", "updated_by", "updated_at"),
    "weekly_post_settings": ("team_id", "post", "channel", "updated_by", "updated_at"),
    "digest_subscriptions": ("team_id", "user_id", "created_at"),
    "digest_editions": ("team_id", "week", "period_start", "period_end", "created_at"),
    "erasures": ("team_id", "erased_on", "kind"),
    "workstreams": ("team_id", "tag", "lead_id", "channel_id", "created_by", "created_at")
    + ("updated_at", "archived_at"),
    "conversations": ("team_id", "author_id", "person_id", "created_at", "updated_at")
    + ("shared_at",),
    "cadences": ("team_id", "user_id", "person_id", "every_unit", "tz", "started_at")
    + ("nudged_at",),
    "installations": ("team_id", "team_name", "app_id", "bot_id", "bot_user_id", "scopes")
    + ("installer_id", "installed_at", "sealed_token", "uninstalled_at", "erase_at"),
    "oauth_states": ("state", "created_at", "expires_at"),
    "team_settings": ("team_id", "timezone", "steering", "steering_group", "updated_by")
    + ("updated_at",),
}
"""The text columns no one types a person's name into: ids, times, states, addresses, Slack
message ids, error codes, tags of workstreams, a workspace's name and sealed token, and
members' own Slack names (a member
erases themselves with ``/nudge forget me``). The search index (``reflections_fts``)
follows ``reflections`` by its triggers."""

_TAG_COLUMNS = {"tags"}
_KEY_COLUMNS = {"person_key"}
_ERASED_KEY = person_key(None, ERASED_NAME)


def _name_pattern(name: str) -> re.Pattern[str]:
    """The name as a whole word or words, in any case, spaced, hyphened or run together.

    >>> bool(_name_pattern("Nicola Gill").search("Ask NICOLA  gill's team"))
    True
    >>> bool(_name_pattern("Nicola Gill").search("Nicolas Gillespie"))
    False
    """
    parts = [re.escape(part) for part in name.split()]
    return re.compile(r"(?<!\w)" + r"[\s_\-]*".join(parts) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class PersonErasure:
    """What erasing someone outside Slack did: rows changed and deleted per table, and the
    id of its record in ``erasures`` (counts only, never the name)."""

    id: int
    changed: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many rows it changed or deleted in all."""
        return sum(self.changed.values()) + sum(self.deleted.values())


def _rewrite(text: str, column: str, pattern: re.Pattern[str]) -> str:
    if column in _TAG_COLUMNS:
        return " ".join(tag for tag in text.split() if not pattern.fullmatch(tag))
    if column in _KEY_COLUMNS:
        return _ERASED_KEY if text.startswith("n:") and pattern.search(text) else text
    return pattern.sub(ERASED_NAME, text)


def forget_person(db: Database, team_id: str, name: str, now: datetime) -> PersonErasure:
    """Erase ``name``, someone outside Slack, from every record of the workspace, on their
    request: replaced by "[name erased]" in :data:`NAMES_MAY_BE_IN` (a tag that is their
    name is removed), their cadences deleted, the erasure recorded as counts.

    Like a member's erasure it runs in one transaction with ``secure_delete`` on, optimises
    the reflections' search index and checkpoints the write-ahead log, so the name does not
    linger in the database file.

    >>> forget_person(db, "T1", "Nicola Gill", now).total
    0
    """
    pattern = _name_pattern(name)
    db.conn.create_function(
        "nudge_names", 1, lambda text: bool(text and pattern.search(text)), deterministic=True
    )
    changed: dict[str, int] = {}
    deleted: dict[str, int] = {}
    with _secure_delete(db), immediate(db):
        deleted["cadences"] = _delete(
            db, "cadences", "team_id = ? AND person_key = ?", [team_id, f"n:{name_key(name)}"]
        )
        for table, columns in NAMES_MAY_BE_IN.items():
            if not _exists(db, table):
                continue
            found = " OR ".join(f"nudge_names([{c}])" for c in columns)
            rows = db.execute(
                f"SELECT rowid, {', '.join(f'[{c}]' for c in columns)} FROM [{table}] "
                f"WHERE team_id = ? AND ({found})",
                [team_id],
            ).fetchall()
            for rowid, *values in rows:
                updates = {
                    column: _rewrite(value, column, pattern)
                    for column, value in zip(columns, values, strict=True)
                    if value
                }
                sets = ", ".join(f"[{c}] = ?" for c in updates)
                db.execute(
                    f"UPDATE [{table}] SET {sets} WHERE rowid = ?", [*updates.values(), rowid]
                )
            changed[table] = len(rows)
        if changed.get("reflections"):  # no old index segment keeps the name
            db.execute("INSERT INTO reflections_fts (reflections_fts) VALUES ('optimize')")
        erasure_id = (
            db.table("erasures")
            .insert(
                {
                    "team_id": team_id,
                    "erased_on": now.astimezone(UTC).date().isoformat(),
                    "rows_deleted": sum(deleted.values()),
                    "rows_anonymised": sum(changed.values()),
                    "kind": "person",
                }
            )
            .last_pk
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return PersonErasure(erasure_id, changed, deleted)


def _team_tables(db: Database) -> list[str]:
    """Every table with a ``team_id`` column, children before the tables they refer to."""
    found = [t for t in db.table_names() if "team_id" in db.table(t).columns_dict]
    refers = {t: {fk.other_table for fk in db.table(t).foreign_keys} for t in found}
    ordered: list[str] = []
    while len(ordered) < len(found):
        for table in sorted(found):
            if table in ordered:
                continue
            children = [t for t in found if table in refers[t] and t != table and t not in ordered]
            if not children:
                ordered.append(table)
    return ordered


def erase_workspace(db: Database, team_id: str) -> dict[str, int]:
    """Erase a workspace that left Nudge: every row of every table with a ``team_id``
    (rows that refer to them go with them); rows deleted by table.

    The tables are found from the schema rather than listed, so a table added later is
    erased too. Like a member's erasure: one transaction with ``secure_delete`` on, the
    reflections' search index optimised and the write-ahead log emptied, so nothing of
    the workspace lingers in the database file.

    >>> erase_workspace(db, "T0GONE")
    {}
    """
    counts: dict[str, int] = {}
    with _secure_delete(db), immediate(db):
        for table in _team_tables(db):
            deleted = db.execute(f"DELETE FROM [{table}] WHERE team_id = ?", [team_id]).rowcount
            if deleted:
                counts[table] = deleted
        if counts.get("reflections"):
            db.execute("INSERT INTO reflections_fts (reflections_fts) VALUES ('optimize')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts

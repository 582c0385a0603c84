"""The digest's data: one week gathered from every feature, settings, subscribers, editions.

The period is ``start < t <= end``, so consecutive weeks neither overlap nor leave a
gap. Each source is one small function; shared reflections come through the privacy
rule of ``storage.reflections`` and can never include a private one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.domain.actions import Action
from bot.domain.digest import SECTION_MAX_ITEMS, FollowUp, SharedReflection, WeekData
from bot.domain.feeds import Post
from bot.domain.reflections import Reflection
from bot.domain.weekly import WeeklySchedule
from storage import conversations as conversation_store
from storage import feeds as feed_store
from storage import reflections as reflection_store
from storage import reminders as reminder_store
from storage.actions import _action
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "DigestSettings",
    "week_data",
    "settings_for",
    "save_settings",
    "subscribe",
    "unsubscribe",
    "subscribers",
    "is_subscribed",
    "edition",
]


def _as_closed(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The digest's ``(start, end]`` as the ``[start, end)`` other modules' queries take."""
    tick = timedelta(microseconds=1)
    return start + tick, end + tick


def _range(start: datetime, end: datetime) -> list[str]:
    return [encode_time(start), encode_time(end)]


def _actions(db: Database, where: str, args: list) -> list[Action]:
    return [_action(r) for r in db.table("actions").rows_where(where, args, order_by="id")]


def created(db: Database, team_id: str, start: datetime, end: datetime) -> list[Action]:
    """Actions created in the period."""
    return _actions(
        db, "team_id = ? AND created_at > ? AND created_at <= ?", [team_id, *_range(start, end)]
    )


def completed(db: Database, team_id: str, start: datetime, end: datetime) -> list[Action]:
    """Actions done in the period (still done now)."""
    return _actions(
        db,
        "team_id = ? AND status = 'done' AND done_at > ? AND done_at <= ?",
        [team_id, *_range(start, end)],
    )


def overdue(
    db: Database, team_id: str, today: date, limit: int = SECTION_MAX_ITEMS
) -> tuple[list[Action], int]:
    """The first ``limit`` open actions due before ``today``, earliest first, and how many.

    Only what the digest lists is read: at 100,000 actions, 22,000 of them overdue,
    reading them all took 230 ms of the digest's 250 ms budget.
    """
    where, args = "team_id = ? AND status = 'open' AND due < ?", [team_id, today.isoformat()]
    table = db.table("actions")
    rows = table.rows_where(where, args, order_by="due, id", limit=limit)
    return [_action(r) for r in rows], table.count_where(where, args)


def open_count(db: Database, team_id: str) -> int:
    """How many actions are open."""
    return db.table("actions").count_where("team_id = ? AND status = 'open'", [team_id])


def shared_reflections(
    db: Database, team_id: str, start: datetime, end: datetime
) -> list[SharedReflection]:
    """Reflections shared with the network in the period, through the privacy rule."""
    found = reflection_store.shared_between(db, team_id, *_as_closed(start, end))
    return [_shared(r) for r in found]


def _shared(r: Reflection) -> SharedReflection:
    return SharedReflection(
        r.id, r.author_id, r.text, r.tags, r.shared_at or r.created_at, r.action_id
    )


def lessons(db: Database, team_id: str, actions: list[Action]) -> dict[int, list[SharedReflection]]:
    """The shared lessons linked to ``actions``, by action id (through the privacy rule)."""
    found = reflection_store.shared_for_actions(db, team_id, [a.id for a in actions])
    return {action_id: [_shared(r) for r in found_] for action_id, found_ in found.items()}


def posts(db: Database, team_id: str, start: datetime, end: datetime) -> list[Post]:
    """Blog posts members published in the period, by their own date (``Post.posted_at``)."""
    return feed_store.posts_between(db, team_id, *_as_closed(start, end))


def follow_ups_done(db: Database, team_id: str, start: datetime, end: datetime) -> list[FollowUp]:
    """Follow-up reminders marked done in the period."""
    return [
        FollowUp(r.user_id, r.person_id, r.text, r.done_at, r.person_name, r.person_org)
        for r in reminder_store.done_between(db, team_id, *_as_closed(start, end))
    ]


def week_data(db: Database, team_id: str, start: datetime, end: datetime, tz: str) -> WeekData:
    """Everything the digest of ``start < t <= end`` shows.

    >>> week_data(db, "T1", start, end, "Europe/London").created  # doctest: +SKIP
    [Action(id=1, ...)]
    """
    today = end.astimezone(ZoneInfo(tz)).date()
    done = completed(db, team_id, start, end)
    late, late_total = overdue(db, team_id, today)
    return WeekData(
        start=start,
        end=end,
        tz=tz,
        created=created(db, team_id, start, end),
        completed=done,
        lessons=lessons(db, team_id, done),
        overdue=late,
        overdue_total=late_total,
        reflections=shared_reflections(db, team_id, start, end),
        posts=posts(db, team_id, start, end),
        follow_ups=follow_ups_done(db, team_id, start, end),
        open_actions=open_count(db, team_id),
        conversations=conversation_store.shared_counts(db, team_id, start, end),
    )


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestSettings:
    """Where and when the digest goes: the database's settings over the environment's."""

    channel: str | None
    schedule: WeeklySchedule
    from_database: bool = False


def settings_for(db: Database, team_id: str, default: DigestSettings) -> DigestSettings:
    """The effective digest settings: stored ones override ``default`` (``NUDGE_DIGEST_*``)."""
    rows = list(db.table("digest_settings").rows_where("team_id = ?", [team_id]))
    if not rows:
        return default
    row = rows[0]
    env = default.schedule
    schedule = WeeklySchedule(
        row["weekday"] or env.weekday, time.fromisoformat(row["at"]) if row["at"] else env.at
    )
    return DigestSettings(row["channel"] or default.channel, schedule, True)


def save_settings(
    db: Database,
    team_id: str,
    user_id: str,
    now: datetime,
    *,
    channel: str | None = None,
    weekday: str | None = None,
    at: time | None = None,
) -> None:
    """Store the given settings (others unchanged)."""
    with immediate(db):
        rows = list(db.table("digest_settings").rows_where("team_id = ?", [team_id]))
        row = (
            rows[0] if rows else {"team_id": team_id, "channel": None, "weekday": None, "at": None}
        )
        if channel:
            row["channel"] = channel
        if weekday:
            row["weekday"] = weekday
        if at:
            row["at"] = at.strftime("%H:%M")
        row.update(updated_by=user_id, updated_at=encode_time(now))
        db.table("digest_settings").upsert(row, pk="team_id")


# --- subscriptions ---------------------------------------------------------------------


def subscribe(db: Database, team_id: str, user_id: str, now: datetime) -> bool:
    """Subscribe a member to digest DMs; ``False`` if they already were."""
    with immediate(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO digest_subscriptions (team_id, user_id, created_at) "
            "VALUES (?, ?, ?)",
            [team_id, user_id, encode_time(now)],
        )
    return cursor.rowcount == 1


def unsubscribe(db: Database, team_id: str, user_id: str) -> bool:
    """Stop digest DMs to a member; ``False`` if they were not subscribed."""
    with immediate(db):
        cursor = db.execute(
            "DELETE FROM digest_subscriptions WHERE team_id = ? AND user_id = ?",
            [team_id, user_id],
        )
    return cursor.rowcount > 0


def is_subscribed(db: Database, team_id: str, user_id: str) -> bool:
    """Whether the member gets the digest by DM."""
    return (
        db.table("digest_subscriptions").count_where(
            "team_id = ? AND user_id = ?", [team_id, user_id]
        )
        > 0
    )


def subscribers(db: Database, team_id: str) -> list[str]:
    """Every subscriber's user id, oldest subscription first."""
    return [
        r["user_id"]
        for r in db.table("digest_subscriptions").rows_where(
            "team_id = ?", [team_id], order_by="created_at, user_id"
        )
    ]


# --- editions ---------------------------------------------------------------------------


def edition(
    db: Database, team_id: str, week: str, start: datetime, end: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The period of ``week``'s digest: the first caller decides it, later ones read it.

    A digest resumed after a crash thus shows the same content to every subscriber.
    """
    with immediate(db):
        rows = list(
            db.table("digest_editions").rows_where("team_id = ? AND week = ?", [team_id, week])
        )
        if rows:
            return (
                decode_time(rows[0]["period_start"]),
                decode_time(rows[0]["period_end"]),
            )
        db.table("digest_editions").insert(
            {
                "team_id": team_id,
                "week": week,
                "period_start": encode_time(start),
                "period_end": encode_time(end),
                "created_at": encode_time(now),
            }
        )
    return start, end


def has_edition(db: Database, team_id: str, week: str) -> bool:
    """Whether ``week``'s digest was started (posted, or being posted)."""
    return db.table("digest_editions").count_where("team_id = ? AND week = ?", [team_id, week]) > 0

"""Blogging habits, members' feeds and the posts found in them.

Posts feed the digest (``posts_between``) and reset a member's habit clock
(``last_activity``, together with the member's last shared reflection). A post counts
from its own date (the feed's published date, else its updated date), never later than
when Nudge first saw it; only a post without a date counts from when it was first seen.
So registering a feed of old posts brings no news, and a post dated in the future
counts from the day it appeared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.domain.feeds import Post
from storage import reflections
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "Habit",
    "Feed",
    "set_habit",
    "stop_habit",
    "get_habit",
    "habits",
    "mark_nudged",
    "save_feed",
    "get_feed",
    "feeds",
    "record_check",
    "add_posts",
    "posts_between",
    "posts_of",
    "last_post_at",
    "last_activity",
]


@dataclass(frozen=True)
class Habit:
    """A member's blogging habit: a nudge when a period passes without a post."""

    team_id: str
    user_id: str
    every_weeks: int
    tz: str
    started_at: datetime
    nudged_at: datetime | None


@dataclass(frozen=True)
class Feed:
    """A member's blog feed and what the last fetch said."""

    id: int
    team_id: str
    user_id: str
    url: str
    title: str
    etag: str | None
    modified: str | None
    checked_at: datetime | None
    error: str | None


# ``Post.posted_at`` in SQL (stored times are ``ts`` strings, which sort as times).
_POSTED_AT = "min(coalesce(published_at, seen_at), seen_at)"


def _habit(row: dict) -> Habit:
    return Habit(
        row["team_id"],
        row["user_id"],
        row["every_weeks"],
        row["tz"],
        decode_time(row["started_at"]),
        decode_time(row["nudged_at"]),
    )


def _feed(row: dict) -> Feed:
    return Feed(
        row["id"],
        row["team_id"],
        row["user_id"],
        row["url"],
        row["title"],
        row["etag"],
        row["modified"],
        decode_time(row["checked_at"]),
        row["error"],
    )


def _post(row: dict) -> Post:
    return Post(
        user_id=row["user_id"],
        title=row["title"],
        link=row["link"],
        published_at=decode_time(row["published_at"]),
        seen_at=decode_time(row["seen_at"]),
        id=row["id"],
        team_id=row["team_id"],
        feed_id=row["feed_id"],
        entry_id=row["entry_id"],
    )


def set_habit(
    db: Database, team_id: str, user_id: str, every_weeks: int, tz: str, now: datetime
) -> Habit:
    """Start (or change) a member's habit; the period starts now."""
    with immediate(db):
        db.table("habits").upsert(
            {
                "team_id": team_id,
                "user_id": user_id,
                "every_weeks": every_weeks,
                "tz": tz,
                "started_at": encode_time(now),
                "nudged_at": None,
            },
            pk=("team_id", "user_id"),
        )
    return get_habit(db, team_id, user_id)


def stop_habit(db: Database, team_id: str, user_id: str) -> bool:
    """Stop a member's habit; ``False`` if there was none."""
    with immediate(db):
        cursor = db.execute(
            "DELETE FROM habits WHERE team_id = ? AND user_id = ?", [team_id, user_id]
        )
    return cursor.rowcount == 1


def get_habit(db: Database, team_id: str, user_id: str) -> Habit | None:
    """The member's habit, or ``None``."""
    rows = list(db.table("habits").rows_where("team_id = ? AND user_id = ?", [team_id, user_id]))
    return _habit(rows[0]) if rows else None


def habits(db: Database) -> list[Habit]:
    """Every habit, every workspace."""
    return [_habit(row) for row in db.table("habits").rows_where(order_by="team_id, user_id")]


def mark_nudged(db: Database, habit: Habit, at: datetime) -> None:
    """The habit nudge due at ``at`` went out: the next period starts there."""
    with immediate(db):
        db.table("habits").update((habit.team_id, habit.user_id), {"nudged_at": encode_time(at)})


def save_feed(
    db: Database, team_id: str, user_id: str, url: str, title: str, now: datetime
) -> Feed:
    """Register (or replace) a member's feed; a new URL forgets the old one's validators."""
    row = {
        "team_id": team_id,
        "user_id": user_id,
        "url": url,
        "title": title[:200],
        "etag": None,
        "modified": None,
        "checked_at": None,
        "error": None,
        "created_at": encode_time(now),
    }
    with immediate(db):
        existing = get_feed(db, team_id, user_id)
        if existing is None:
            db.table("feeds").insert(row)
        else:
            if existing.url != url:
                db.execute("DELETE FROM posts WHERE feed_id = ?", [existing.id])
            db.table("feeds").update(existing.id, row)
    found = get_feed(db, team_id, user_id)
    assert found is not None
    return found


def get_feed(db: Database, team_id: str, user_id: str) -> Feed | None:
    """The member's feed, or ``None``."""
    rows = list(db.table("feeds").rows_where("team_id = ? AND user_id = ?", [team_id, user_id]))
    return _feed(rows[0]) if rows else None


def feeds(db: Database) -> list[Feed]:
    """Every registered feed, every workspace."""
    return [_feed(row) for row in db.table("feeds").rows_where(order_by="id")]


def record_check(
    db: Database,
    feed: Feed,
    now: datetime,
    *,
    title: str | None = None,
    etag: str | None = None,
    modified: str | None = None,
    error: str | None = None,
) -> None:
    """What a fetch said: new validators (kept when the fetch gave none) or an error."""
    changes: dict[str, object] = {"checked_at": encode_time(now), "error": error}
    if error is None:
        changes |= {"etag": etag or feed.etag, "modified": modified or feed.modified}
    if title:
        changes["title"] = title[:200]
    with immediate(db):
        db.table("feeds").update(feed.id, changes)


def add_posts(db: Database, feed: Feed, entries: list[dict], now: datetime) -> list[Post]:
    """Store the entries not seen before; return the new posts.

    Each entry is ``{"entry_id", "title", "link", "published_at"}``.
    """
    new = []
    with immediate(db):
        for entry in entries:
            cursor = db.execute(
                "INSERT OR IGNORE INTO posts (team_id, user_id, feed_id, entry_id, title, link, "
                "published_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    feed.team_id,
                    feed.user_id,
                    feed.id,
                    entry["entry_id"][:500],
                    (entry.get("title") or "")[:300],
                    entry.get("link"),
                    encode_time(entry.get("published_at")),
                    encode_time(now),
                ],
            )
            if cursor.rowcount == 1:
                new.append(cursor.lastrowid)
    rows = db.table("posts").rows_where(f"id IN ({','.join('?' * len(new))})", new) if new else []
    return [_post(row) for row in rows]


def posts_between(db: Database, team_id: str, start: datetime, end: datetime) -> list[Post]:
    """Posts published in ``[start, end)`` by ``Post.posted_at`` (the digest's blog section)."""
    rows = db.table("posts").rows_where(
        f"team_id = ? AND {_POSTED_AT} >= ? AND {_POSTED_AT} < ?",
        [team_id, encode_time(start), encode_time(end)],
        order_by=f"{_POSTED_AT}, id",
    )
    return [_post(row) for row in rows]


def last_post_at(db: Database, team_id: str, user_id: str) -> datetime | None:
    """When the member last published: the newest ``Post.posted_at``."""
    row = db.execute(
        f"SELECT max({_POSTED_AT}) FROM posts WHERE team_id = ? AND user_id = ?",
        [team_id, user_id],
    ).fetchone()
    return decode_time(row[0])


def last_activity(db: Database, team_id: str, user_id: str) -> datetime | None:
    """The latest post or shared reflection of the member (what resets the habit)."""
    found = [
        t
        for t in (
            last_post_at(db, team_id, user_id),
            reflections.last_shared_at(db, team_id, user_id),
        )
        if t is not None
    ]
    return max(found) if found else None


def posts_of(
    db: Database, team_id: str, user_id: str, start: datetime, end: datetime
) -> list[Post]:
    """The member's posts published in ``[start, end)`` by ``Post.posted_at``."""
    rows = db.query(
        f"SELECT * FROM posts WHERE team_id = ? AND user_id = ? "
        f"AND {_POSTED_AT} >= ? AND {_POSTED_AT} < ? ORDER BY {_POSTED_AT}, id",
        [team_id, user_id, encode_time(start), encode_time(end)],
    )
    return [_post(row) for row in rows]

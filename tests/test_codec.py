"""One stored-time form: text order is time order, old rows rewritten, no other form written."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.nudges import tick
from storage.codec import TIME_PATTERN, WIDTH, decode_time, encode_time
from storage.db import connect, immediate
from storage.migrations import MIGRATIONS, TIMES_BEFORE_M013, m013_one_time_encoding, migrate
from tests.conftest import ANA, PETE

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)), timezone(timedelta(0))]
)
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
) | st.datetimes(  # whole seconds, as isoformat() wrote them without microseconds
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
).map(lambda moment: moment.replace(microsecond=0))


def legacy(moment: datetime, shape: int) -> str:
    """The moment as a version before m013 stored it, one of its three shapes."""
    utc = moment.astimezone(UTC)
    return [
        utc.isoformat(),  # actions, deliveries, leases…: microseconds only when not zero
        utc.isoformat(timespec="microseconds"),  # reminders, habits, feeds: always
        moment.isoformat(),  # an aware time not in UTC, as isoformat() keeps its offset
    ][shape]


@given(MOMENTS, MOMENTS)
def test_text_order_is_time_order(first, second):
    a, b = encode_time(first), encode_time(second)
    assert len(a) == len(b) == WIDTH
    assert (a < b) == (first < second) and (a == b) == (first == second)
    assert decode_time(a) == first and decode_time(a).tzinfo is UTC


@given(MOMENTS, MOMENTS, st.integers(0, 2), st.integers(0, 2))
def test_every_old_shape_is_rewritten_to_text_that_orders_as_time(first, second, one, other):
    """Whatever shape each of two old values had (microseconds or not, offset or not), the
    migration's rewriting of them compares as the moments do."""
    with immediate(db := connect(":memory:")):
        migrate_to_m012(db)
        db.execute(
            "INSERT INTO leases VALUES ('a', 'h', ?, ?), ('b', 'h', ?, ?)",
            [legacy(first, one)] * 2 + [legacy(second, other)] * 2,
        )
        m013_one_time_encoding(db)
    [a], [b] = db.execute("SELECT expires_at FROM leases ORDER BY name").fetchall()
    assert (a < b) == (first < second) and (a == b) == (first == second)
    assert decode_time(a) == first and decode_time(b) == second


def test_the_old_shapes_compared_wrongly_as_text():
    """Why one form: 10:00 London in summer, stored with its offset, sorted after 09:30 UTC
    although it was half an hour earlier."""
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    later = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert summer < later and not legacy(summer, 2) < legacy(later, 0)
    assert encode_time(summer) < encode_time(later)


def test_naive_times_and_other_forms_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        encode_time(datetime(2026, 12, 1, 10, 0))
    for text in ("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00.000000+00:00", "2026-12-01"):
        with pytest.raises(ValueError, match="not a stored time"):
            decode_time(text)


def migrate_to_m012(db) -> None:
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for migration in MIGRATIONS[: MIGRATIONS.index(m013_one_time_encoding)]:
        migration(db)
        db.table("_migrations").insert({"name": migration.__name__, "applied_at": "2026-01-05"})


def test_the_migration_rewrites_every_stored_time_and_the_keys_made_of_them(tmp_path):
    """A database written by the last version before m013, every time column filled in an
    old shape; after start-up's migration every one is in the stored form, the same moment."""
    db = connect(tmp_path / "old.db")
    at = datetime(2026, 11, 30, 9, 15, 30, tzinfo=UTC)
    with immediate(db):
        migrate_to_m012(db)
        old = {
            "members": {"team_id": "T1", "user_id": ANA, "fetched_at": legacy(at, 0)},
            "actions": {
                "team_id": "T1",
                "title": "Plan",
                "creator_id": ANA,
                "created_at": legacy(at, 0),
                "updated_at": legacy(at + timedelta(microseconds=5), 0),
                "done_at": legacy(at.astimezone(timezone(timedelta(hours=-5))), 2),
            },
            "action_events": {
                "team_id": "T1",
                "action_id": 1,
                "actor_id": ANA,
                "kind": "created",
                "at": legacy(at, 0),
            },
            "deliveries": {
                "key": f"reminder:1:{legacy(at, 1)}",
                "team_id": "T1",
                "kind": "reminder",
                "recipient": ANA,
                "status": "sent",
                "holder": "h",
                "created_at": legacy(at, 0),
                "claimed_at": legacy(at, 0),
                "retry_at": legacy(at, 0),
                "sent_at": legacy(at, 0),
                "ts": "1796162950.000007",
            },
            "leases": {
                "name": "scheduler",
                "holder": "h",
                "acquired_at": legacy(at, 0),
                "expires_at": legacy(at, 0),
            },
            "reflections": {
                "team_id": "T1",
                "author_id": ANA,
                "text": "Listening beats talking",
                "shared": 1,
                "created_at": legacy(at, 0),
                "updated_at": legacy(at, 0),
                "shared_at": legacy(at, 0),
            },
            "slack_events": {"team_id": "T1", "event_id": "Ev1", "received_at": legacy(at, 0)},
            "reminders": {
                "team_id": "T1",
                "user_id": ANA,
                "kind": "me",
                "text": "call Pete",
                "tz": "Europe/London",
                "next_at": legacy(at, 1),
                "created_at": legacy(at, 1),
                "updated_at": legacy(at, 1),
                "sent_at": legacy(at, 1),
                "done_at": legacy(at, 1),
            },
            "habits": {
                "team_id": "T1",
                "user_id": ANA,
                "every_weeks": 2,
                "tz": "Europe/London",
                "started_at": legacy(at, 1),
                "nudged_at": legacy(at, 1),
            },
            "feeds": {
                "team_id": "T1",
                "user_id": ANA,
                "url": "https://blog.example/feed",
                "modified": "Mon, 30 Nov 2026 09:15:30 GMT",
                "checked_at": legacy(at, 1),
                "created_at": legacy(at, 1),
            },
            "posts": {
                "team_id": "T1",
                "user_id": ANA,
                "feed_id": 1,
                "entry_id": "e1",
                "published_at": legacy(at, 1),
                "seen_at": legacy(at, 1),
            },
            "digest_settings": {"team_id": "T1", "updated_by": ANA, "updated_at": legacy(at, 0)},
            "digest_subscriptions": {"team_id": "T1", "user_id": PETE, "created_at": legacy(at, 0)},
            "digest_editions": {
                "team_id": "T1",
                "week": "2026-W49",
                "period_start": legacy(at, 0),
                "period_end": legacy(at, 0),
                "created_at": legacy(at, 0),
            },
        }
        for table, row in old.items():
            db.table(table).insert(row)
    db.close()

    db = connect(tmp_path / "old.db")
    assert migrate(db)[0] == "m013_one_time_encoding"
    for table, columns in TIMES_BEFORE_M013.items():
        for row in db.table(table).rows:
            for column in columns:
                stored = row[column]
                assert TIME_PATTERN.fullmatch(stored), (table, column, stored)
                was = old.get(table, {}).get(column)
                if was is not None:
                    assert decode_time(stored) == datetime.fromisoformat(was), (table, column)
    [delivery] = db.table("deliveries").rows
    assert delivery["key"] == f"reminder:1:{encode_time(at)}"  # still known as sent
    assert delivery["ts"] == "1796162950.000007"  # Slack's message id, not a time of ours
    [feed] = db.table("feeds").rows
    assert feed["modified"] == "Mon, 30 Nov 2026 09:15:30 GMT"  # an HTTP date, kept as sent
    assert [f.reflection.text for f in search_as(db, ANA, "listening")] == [
        "Listening beats talking"
    ]


def search_as(db, viewer: str, word: str):
    from storage import reflections

    return reflections.search(db, "T1", viewer, (word,))[0]


NOT_MOMENTS = {("digest_settings", "at"): "the digest's time of day, HH:MM"}
TIMES_SINCE_M013 = {
    "workstreams": ("created_at", "updated_at", "archived_at"),
    "installations": ("installed_at", "uninstalled_at", "erase_at"),
    "oauth_states": ("created_at", "expires_at"),
    "team_settings": ("updated_at",),
    "conversations": ("created_at", "updated_at", "shared_at"),
    "cadences": ("started_at", "nudged_at"),
    "weekly_post_settings": ("updated_at",),
}
"""Time columns of tables made after m013: written by ``storage.codec`` from the start."""


def time_columns(db) -> list[tuple[str, str]]:
    """Every column in the schema whose name says it holds a moment (``*_at``, ``at``,
    ``period_*``), but those of :data:`NOT_MOMENTS`."""
    return [
        (table, column.name)
        for table in db.table_names()
        if not table.startswith(("sqlite_", "reflections_fts"))
        for column in db.table(table).columns
        if re.fullmatch(r"(.+_)?at|period_.+", column.name)
        and (table, column.name) not in NOT_MOMENTS
    ]


def test_every_time_column_is_known_to_the_migration(tmp_path):
    """A new table with a time column must say how its times are stored: here, by failing."""
    from storage.db import create

    db = create(tmp_path / "n.db")
    known = {
        (table, column)
        for table, columns in (TIMES_BEFORE_M013 | TIMES_SINCE_M013).items()
        for column in columns
    }
    assert set(time_columns(db)) == known


def test_everything_the_bot_writes_is_in_the_stored_form(driven, clock, blog):
    """Use every feature that writes a time, then read every time column of every row."""
    bot = driven
    bot.command("/action", "Draft the charter response <@U0PETE|pete> by Friday")
    bot.command("/action", "done A1", user=PETE)
    bot.command("/reflect", "share Listening beats talking #influence")
    bot.command("/nudge", "me to call the council in 20 minutes")
    bot.command("/nudge", "blog every 2 weeks")
    bot.command("/nudge", f"blog feed {blog.url('/rss.xml')}")
    bot.command("/digest", "subscribe", user=PETE)
    bot.command("/digest", "settings channel <#C0DIGEST|news> time 16:30", user="U0STEER")
    bot.command("/action", "review settings channel <#C0STEER|steering>", user="U0STEER")
    bot.slack.event({"type": "app_home_opened", "user": ANA, "tab": "home"})
    clock.advance(minutes=30)
    tick(bot.runtime.deps)
    with bot.db() as db:
        checked = 0
        for table, column in time_columns(db):
            for (value,) in db.execute(f"SELECT [{column}] FROM [{table}]"):
                if value is not None:
                    assert TIME_PATTERN.fullmatch(value), (table, column, value)
                    checked += 1
        filled = {
            table
            for table, column in time_columns(db)
            if db.execute(f"SELECT count([{column}]) FROM [{table}]").fetchone()[0]
        }
    print(f"\n{checked} stored times in {len(filled)} tables, every one in the stored form")
    assert {"actions", "action_events", "reflections", "reminders", "deliveries"} <= filled

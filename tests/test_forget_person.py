"""Erasing someone outside Slack, on their request: their name gone from every record and
from the database file itself, the records kept their authors', the erasure a count.

A conversation names people who never agreed to be in the database. The steering group
erases a named person (``/conversation forget "Nicola Gill"``); these tests run
``storage.member_data.forget_person`` on a real SQLite file in WAL mode and then read the
file's bytes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.contacts import ERASED_NAME, Person
from bot.domain.conversations import (
    ConversationDraft,
    Every,
    parse_conversation_command,
    require_steering,
)
from bot.domain.errors import NotAllowed, ParseError
from bot.domain.reflections import ReflectionDraft
from bot.domain.text import Mention
from storage import conversations, member_data, reflections
from storage import reminders as reminder_store
from storage import workstreams as workstream_store
from storage.codec import encode_time
from storage.db import create, hold_open, immediate

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ANA, PETE = "U0ANA", "U0PETE"
TZ = "Europe/London"
NAMES = re.compile(rb"(?<![a-z])(?:nicola|gill)(?![a-z])", re.IGNORECASE)
"""Either part of her name, as a word, anywhere in the file: the search index keeps each
word apart, and a stale copy of a row may be cut anywhere."""


def seed(db) -> None:
    """The name everywhere a member could have typed it, and a near name that must stay."""
    for text, who in (
        (
            "with Nicola Gill (GDS) about digital inclusion #nicola-gill follow up in 3 weeks",
            ANA,
        ),
        ("share with nicola  GILL at GDS about Nicola Gill's paper", PETE),
        ("with Nicolas Gillespie (LGA) about the charter", ANA),
        ("share with <@U0PETE|pete> about what Nicola Gill said", ANA),
    ):
        command = parse_conversation_command(text, NOW, ZoneInfo(TZ))
        conversations.add(db, "T1", who, command.draft, NOW, tz=TZ)
    conversations.stay_in_touch(
        db, "T1", ANA, Person(name="Nicola Gill"), Every(6, "week"), TZ, NOW
    )
    conversations.stay_in_touch(
        db, "T1", ANA, Person(name="Nicolas Gillespie"), Every(6, "week"), TZ, NOW
    )
    reminder_store.add(
        db,
        team_id="T1",
        user_id=PETE,
        kind="follow_up",
        text="her paper",
        tz=TZ,
        first=NOW + timedelta(days=2),
        recurrence=None,
        now=NOW,
        person_name="Nicola Gill",
        person_org="GDS",
    )
    reminder_store.add(
        db,
        team_id="T1",
        user_id=ANA,
        kind="me",
        text="send Nicola Gill the slides",
        tz=TZ,
        first=NOW + timedelta(days=1),
        recurrence=None,
        now=NOW,
    )
    reflections.add(
        db,
        "T1",
        ANA,
        ReflectionDraft("Nicola Gill listens more than she talks", ("influence",), shared=True),
        NOW,
    )
    reflections.add(db, "T1", PETE, ReflectionDraft("Lessons from Nicola-Gill"), NOW)
    workstream_store.add(
        db,
        "T1",
        "inclusion",
        title="Inclusion, with Nicola Gill",
        lead_id=ANA,
        channel_id=None,
        created_by=ANA,
        now=NOW,
    )
    with immediate(db):
        action = (
            db.table("actions")
            .insert(
                {
                    "team_id": "T1",
                    "title": "Send Nicola Gill the charter",
                    "owner_id": ANA,
                    "creator_id": PETE,
                    "notes": "She asked (Nicola Gill, GDS)",
                    "status": "open",
                    "created_at": encode_time(NOW),
                    "updated_at": encode_time(NOW),
                }
            )
            .last_pk
        )
        db.table("action_events").insert(
            {
                "team_id": "T1",
                "action_id": action,
                "actor_id": PETE,
                "kind": "note",
                "detail": "Nicola Gill says yes",
                "at": encode_time(NOW),
            }
        )
        feed = (
            db.table("feeds")
            .insert(
                {
                    "team_id": "T1",
                    "user_id": ANA,
                    "url": "https://ana.blog/feed",
                    "title": "Ana meets Nicola Gill",
                    "created_at": encode_time(NOW),
                }
            )
            .last_pk
        )
        db.table("posts").insert(
            {
                "team_id": "T1",
                "user_id": ANA,
                "feed_id": feed,
                "entry_id": "1",
                "title": "What Nicola Gill taught me",
                "seen_at": encode_time(NOW),
            }
        )


def file_bytes(path) -> bytes:
    """The database file and whatever is left of its write-ahead log, as bytes."""
    found = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return found + (wal.read_bytes() if wal.exists() else b"")


def team_rows(db, team: str = "T1") -> str:
    """Every row of the workspace's tables, as text."""
    return "\n".join(
        str(row)
        for table in db.table_names()
        if "team_id" in db.table(table).columns_dict
        for row in db.table(table).rows_where("team_id = ?", [team])
    )


def test_the_name_leaves_no_trace_in_the_database_file(tmp_path):
    """As in a running bot: another connection stays open (so closing ours checkpoints
    nothing), and SQLite's ``secure_delete`` starts off, as most builds have it."""
    path = tmp_path / "nudge.db"
    db = create(path)
    held = hold_open(path)
    db.execute("PRAGMA secure_delete = OFF")
    seed(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = len(NAMES.findall(file_bytes(path)))
    assert before >= 10  # the file held it, in many places (the test could fail)

    erasure = member_data.forget_person(db, "T1", "Nicola Gill", NOW + timedelta(hours=1))

    assert not NAMES.search(team_rows(db).encode()), "a row still names her"
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 0  # left as it was
    left = NAMES.findall(file_bytes(path))  # the file and its log, the bot still running
    held.close()
    assert left == []  # not in a row, an index, a free page, the search index or the log
    print(
        f"\nnon-member erasure: the name in the file {before} times before, {len(left)} after; "
        f"{erasure.total} rows changed or deleted"
    )


def test_the_records_stay_their_authors_with_the_name_replaced(tmp_path):
    db = create(tmp_path / "nudge.db")
    seed(db)
    with immediate(db):  # another workspace's Nicola Gill is not this request's
        db.table("conversations").insert(
            {
                "team_id": "T2",
                "author_id": ANA,
                "person_name": "Nicola Gill",
                "person_key": "n:nicola gill",
                "topic": "",
                "created_at": encode_time(NOW),
                "updated_at": encode_time(NOW),
            }
        )
    erasure = member_data.forget_person(db, "T1", "nicola gill", NOW)
    assert erasure.changed == {
        "actions": 1,
        "action_events": 1,
        "reflections": 2,
        "reminders": 3,  # her follow-ups (one asked for with a conversation) and a reminder
        "conversations": 3,
        "cadences": 0,
        "workstreams": 1,
        "feeds": 1,
        "posts": 1,
    }
    assert erasure.deleted == {"cadences": 1}  # hers; Nicolas Gillespie's stays
    rows = {r["id"]: r for r in db.table("conversations").rows_where("team_id = 'T1'")}
    assert (rows[1]["person_name"], rows[1]["organisation"], rows[1]["author_id"]) == (
        ERASED_NAME,
        "GDS",
        ANA,
    )
    assert rows[1]["tags"] == ""  # a tag that was her name is gone
    assert rows[2]["topic"] == f"{ERASED_NAME}'s paper" and rows[2]["shared"] == 1
    assert rows[3]["person_name"] == "Nicolas Gillespie"  # a different person
    assert rows[4]["topic"] == f"what {ERASED_NAME} said" and rows[4]["person_id"] == PETE
    [action] = db.table("actions").rows
    assert action["title"] == f"Send {ERASED_NAME} the charter" and action["owner_id"] == ANA
    [cadence] = conversations.cadences_of(db, "T1", ANA)
    assert cadence.person_name == "Nicolas Gillespie"
    followed = reminder_store.get(db, "T1", 2)  # Pete's
    assert followed.subject() == f"follow up with {ERASED_NAME} (GDS) about her paper"
    # the search index forgets her too
    assert reflections.search(db, "T1", ANA, ("nicola",))[1] == 0
    assert reflections.search(db, "T1", ANA, ("listens",))[1] == 1
    # /conversation people: she is no longer anyone Ana talks with by name
    people, _ = conversations.people(db, "T1", ANA)
    assert {p.person_name for p in people} == {ERASED_NAME, "Nicolas Gillespie", None}
    [elsewhere] = db.table("conversations").rows_where("team_id = 'T2'")
    assert elsewhere["person_name"] == "Nicola Gill"


def test_the_erasure_is_recorded_as_counts_never_the_name(tmp_path):
    db = create(tmp_path / "nudge.db")
    seed(db)
    erasure = member_data.forget_person(db, "T1", "Nicola Gill", NOW)
    [record] = member_data.erasures(db, "T1")
    assert record["id"] == erasure.id and record["kind"] == "person"
    assert (record["rows_anonymised"], record["rows_deleted"]) == (13, 1)
    assert record["erased_on"] == "2026-12-01" and "icola" not in str(record)
    again = member_data.forget_person(db, "T1", "Nicola Gill", NOW)
    assert again.total == 0  # nothing left to find; recorded all the same
    assert len(member_data.erasures(db, "T1")) == 2


def test_forget_is_for_the_steering_group_and_for_names_not_members():
    require_steering(True)
    with pytest.raises(NotAllowed):
        require_steering(False)
    tz = ZoneInfo(TZ)
    assert parse_conversation_command('forget "Nicola  Gill"', NOW, tz).name == "Nicola Gill"
    for text in ("forget <@U0PETE|pete>", 'forget "Jo"', "forget", f'forget "{ERASED_NAME}"'):
        with pytest.raises(ParseError):
            parse_conversation_command(text, NOW, tz)


def test_every_text_column_is_either_rewritten_or_said_to_hold_no_names(tmp_path):
    """A new table's text column must say whether a name may be typed into it: here, by
    failing until it is in NAMES_MAY_BE_IN or NO_NAMES_IN."""
    db = create(tmp_path / "nudge.db")
    unknown = []
    for table in db.table_names():
        if table.startswith(("sqlite_", "reflections_fts")):
            continue
        for column in db.table(table).columns:
            if column.type.upper() != "TEXT":
                continue
            named = column.name in member_data.NAMES_MAY_BE_IN.get(table, ())
            said = column.name in member_data.NO_NAMES_IN.get(table, ())
            if named == said:  # in neither, or in both
                unknown.append(f"{table}.{column.name}")
    assert unknown == []
    with immediate(db):
        db.execute("CREATE TABLE kudos (id INTEGER PRIMARY KEY, team_id TEXT, message TEXT)")
    assert "message" not in member_data.NO_NAMES_IN.get("kudos", ())  # would be caught above


def test_a_member_s_erasure_keeps_others_conversations_with_them(tmp_path):
    """``/nudge forget me`` for conversations: hers deleted; Pete's with her kept, naming a
    former member; her cadences gone, Pete's with her kept the same way."""
    db = create(tmp_path / "nudge.db")
    conversations.add(
        db, "T1", ANA, ConversationDraft(Person(name="Nicola Gill"), "mine"), NOW, tz=TZ
    )
    conversations.add(
        db,
        "T1",
        PETE,
        ConversationDraft(Person(Mention(ANA)), "with <@U0ANA> about it"),
        NOW,
        tz=TZ,
    )
    conversations.stay_in_touch(db, "T1", PETE, Person(Mention(ANA)), Every(1, "week"), TZ, NOW)
    secure = db.execute("PRAGMA secure_delete").fetchone()[0]
    erased = member_data.erase(db, "T1", ANA, NOW)
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == secure  # left as it was
    assert erased.deleted["conversations"] == 1 and erased.anonymised["conversations"] == 1
    [left] = db.table("conversations").rows
    assert left["author_id"] == PETE and left["person_id"] == "former-member"
    assert left["person_key"] == "u:former-member" and ANA not in left["topic"]
    [cadence] = db.table("cadences").rows
    assert cadence["user_id"] == PETE and cadence["person_id"] == "former-member"

"""The digest's "Conversations": how many were shared in the week, by how many members, with
which organisations, from shared conversations only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.domain.contacts import ORG_MAX, Person
from bot.domain.conversations import ConversationCounts, ConversationDraft
from bot.domain.digest import WeekData, build_digest
from bot.standin.blockkit import check_message_blocks, check_message_size, check_message_text
from handlers.blocks.digest import render_digest_messages
from storage import conversations
from storage import digest as store
from storage.db import create

END = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # Friday 4 December 2026, 16:00 in London
START = END - timedelta(days=7)
ANA, PETE, SAM = "U0ANA", "U0PETE", "U0SAM"


def texts(messages) -> str:
    return "\n".join(json.dumps(blocks, ensure_ascii=False) + text for text, blocks in messages)


def test_the_section_says_how_many_by_how_many_with_whom():
    counts = ConversationCounts(5, 2, (("GDS", 3), ("LGA", 2)))
    digest = build_digest(WeekData(START, END, "Europe/London", conversations=counts))
    [section] = digest.sections
    assert (section.key, section.heading, section.count) == (
        "conversations",
        "Conversations shared",
        5,
    )
    assert digest.numbers.endswith("5 conversations shared")
    shown = texts(render_digest_messages(digest))
    assert "*Conversations shared* (5)" in shown
    assert "5 conversations shared by 2 members, with GDS 3, LGA 2." in shown


def test_a_week_without_shared_conversations_has_no_such_section():
    digest = build_digest(WeekData(START, END, "Europe/London"))
    assert digest.is_empty and digest.numbers.endswith("0 conversations shared")


def test_only_conversations_shared_in_the_week_are_counted(tmp_path):
    db = create(tmp_path / "nudge.db")
    tz = "Europe/London"

    def record(who, org, when, shared=True, topic="x"):
        draft = ConversationDraft(Person(name="Someone", organisation=org), topic, shared=shared)
        return conversations.add(db, "T1", who, draft, when, tz=tz).conversation

    record(ANA, "GDS", START + timedelta(days=1))
    record(ANA, "gds", START + timedelta(days=2))
    record(PETE, "LGA", END)  # the period's last moment is in it
    record(PETE, None, START + timedelta(days=3))  # no organisation: counted, not named
    record(SAM, "Camden Council", START + timedelta(days=1), shared=False, topic="secret")
    record(SAM, "DSIT", START)  # the moment the period starts is the week before's
    unshared = record(SAM, "Cabinet Office", START + timedelta(days=1))
    conversations.set_shared(db, "T1", SAM, unshared.id, False, START + timedelta(days=2))
    later = record(SAM, "ONS", START - timedelta(days=30), shared=False)
    conversations.set_shared(db, "T1", SAM, later.id, True, START + timedelta(days=4))
    week = store.week_data(db, "T1", START, END, tz)
    assert week.conversations == ConversationCounts(5, 3, (("GDS", 2), ("LGA", 1), ("ONS", 1)))
    shown = texts(render_digest_messages(build_digest(week)))
    assert "5 conversations shared by 3 members, with GDS 2, LGA 1, ONS 1." in shown
    for private in ("Camden", "Cabinet Office", "DSIT", "secret"):
        assert private not in shown


def test_the_section_fits_at_the_maxima():
    orgs = tuple(
        ((f"{n} <!channel> & " + "O" * ORG_MAX)[:ORG_MAX], 10**6 - n) for n in range(10_000)
    )
    counts = ConversationCounts(10**8, 10**5, orgs)
    messages = render_digest_messages(
        build_digest(WeekData(START, END, "Europe/London", conversations=counts))
    )
    for text, blocks in messages:
        assert check_message_text(text) + check_message_blocks(blocks) == []
        assert check_message_size(blocks) == []
    shown = texts(messages)
    assert "and 9,988 more organisations" in shown and "<!channel>" not in shown

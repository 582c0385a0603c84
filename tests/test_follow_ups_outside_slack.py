"""``/nudge follow up with Nicola Gill (GDS) …``: a follow-up with someone outside Slack,
read, stored, snoozed and shown by name wherever a follow-up is shown."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.digest import FollowUp, WeekData, build_digest
from bot.domain.errors import ParseError
from bot.domain.nudges import parse_nudge_command
from bot.domain.weeknote import MemberWeek, build_weeknote, weeknote_data
from bot.standin.blockkit import check_message_blocks, check_message_text
from handlers.blocks.digest import render_digest_messages
from handlers.blocks.nudges import render_reminder_dm, render_reminder_list, render_reminder_set
from storage import digest as digest_store
from storage import reminders as store
from storage.db import create

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ANA = "U0ANA"


def stored(db, text: str):
    command = parse_nudge_command(text, NOW, LONDON)
    person = command.contact
    return store.add(
        db,
        team_id="T1",
        user_id=ANA,
        kind="follow_up",
        text=command.text,
        tz="Europe/London",
        first=command.when.first,
        recurrence=command.when.recurrence,
        now=NOW,
        person_id=person.member.user_id if person.member else None,
        person_name=person.name,
        person_org=person.organisation,
        explicit_time=command.when.explicit_time,
    )


def test_the_issue_s_follow_up_is_read_not_refused():
    command = parse_nudge_command(
        "follow up with Nicola Gill at GDS about the charter on Friday", NOW, LONDON
    )
    assert command.verb == "follow_up" and command.person is None  # no member to resolve
    assert (command.contact.name, command.contact.organisation, command.text) == (
        "Nicola Gill",
        "GDS",
        "the charter",
    )
    member = parse_nudge_command("follow up with <@U0PETE|pete> tomorrow", NOW, LONDON)
    assert member.person.user_id == "U0PETE" and member.contact.member == member.person


@pytest.mark.parametrize("text", ["follow up with tomorrow", "follow up with about it tomorrow"])
def test_no_one_named_is_still_refused(text):
    with pytest.raises(ParseError) as caught:
        parse_nudge_command(text, NOW, LONDON)
    assert "Who with" in caught.value.message and "Nicola Gill (GDS)" in caught.value.example


def test_stored_and_shown_by_name_on_every_surface(tmp_path):
    db = create(tmp_path / "nudge.db")
    reminder = stored(db, "follow up with Nicola Gill (GDS) about the charter on Friday")
    again = store.get(db, "T1", reminder.id)
    assert (again.person_id, again.person_name, again.person_org) == (None, "Nicola Gill", "GDS")
    assert again.subject() == "follow up with Nicola Gill (GDS) about the charter"
    [row] = db.table("reminders").rows
    assert row["person_key"] == "n:nicola gill"
    for text, blocks in (
        render_reminder_dm(again, again.next_at, NOW),
        render_reminder_set(again, NOW, LONDON),
        *render_reminder_list([again], NOW, LONDON, None),
    ):
        assert check_message_blocks(blocks) == [] and check_message_text(text) == []
        assert "follow up with Nicola Gill (GDS) about the charter" in text + json.dumps(blocks)
    weekly = stored(db, "follow up with Nicola Gill every Friday at 4pm")
    snoozed = store.snooze(db, weekly, NOW + timedelta(hours=1), NOW)  # a one-off copy
    assert (snoozed.person_name, snoozed.person_org) == ("Nicola Gill", None)
    store.mark_done(db, again, NOW + timedelta(days=3))
    week = digest_store.week_data(
        db, "T1", NOW - timedelta(days=1), NOW + timedelta(days=6), "Europe/London"
    )
    assert week.follow_ups == [
        FollowUp(ANA, None, "the charter", NOW + timedelta(days=3), "Nicola Gill", "GDS")
    ]
    shown = json.dumps([b for _, b in render_digest_messages(build_digest(week))])
    assert "<@U0ANA> followed up with Nicola Gill (GDS) about the charter" in shown
    note = build_weeknote(
        weeknote_data(
            MemberWeek(follow_ups=[store.get(db, "T1", again.id)]), "ana", date(2026, 11, 30)
        )
    )
    assert "Followed up with Nicola Gill about the charter" in note


def test_a_name_typed_by_a_member_shows_as_text_never_as_markup(tmp_path):
    db = create(tmp_path / "nudge.db")
    reminder = stored(db, "follow up with Jo &lt;Smith&gt; &amp; co tomorrow")  # as Slack sends
    text, blocks = render_reminder_dm(reminder, reminder.next_at, NOW)
    assert "follow up with Jo &lt;Smith&gt; &amp; co" in text and "<Smith>" not in text
    with pytest.raises(ParseError):  # a special mention is no one's name
        parse_nudge_command("follow up with <!channel> tomorrow", NOW, LONDON)
    digest = build_digest(
        WeekData(
            NOW - timedelta(days=7),
            NOW,
            "Europe/London",
            follow_ups=[FollowUp(ANA, None, "", NOW, "<!here> Jo", None)],
        )
    )
    shown = json.dumps([b for _, b in render_digest_messages(digest)])
    assert "<!here>" not in shown and "@here Jo" in shown

"""Conversations: read as typed, stored on a real SQLite file, private to their author until
shared (for every viewer, the steering group's included), counted for the network from
shared ones only; people, cadences and the map; the renderers at the input maxima.

The grammar is the corpus's (``tests/phrases/conversations.txt``); these are what the corpus
cannot say: what is stored, who sees it, when a cadence lapses.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.contacts import NAME_MAX, ORG_MAX, Person, person_key, read_person
from bot.domain.conversations import (
    TAGS_MAX,
    TOPIC_MAX,
    ConversationDraft,
    Every,
    OrganisationSummary,
    PersonSummary,
    cadence_due_at,
    check_conversation,
    parse_conversation_command,
    parse_every,
    tally_organisations,
)
from bot.domain.errors import NotAllowed, NotFound, ParseError
from bot.domain.text import Mention
from bot.standin.blockkit import (
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)
from handlers.blocks import conversations as blocks
from storage import conversations as store
from storage import member_data
from storage import reminders as reminder_store
from storage.codec import encode_time
from storage.db import create, immediate

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 10:00 in London
ANA, PETE, SAM, STEER = "U0ANA", "U0PETE", "U0SAM", "U0STEER"
VIEWERS = {"author": ANA, "other member": PETE, "steering group": STEER}
NICOLA = Person(name="Nicola Gill", organisation="GDS")


def draft(text: str, now: datetime = NOW) -> ConversationDraft:
    command = parse_conversation_command(text, now, LONDON)
    assert command.verb == "create", text
    return command.draft


def fits(rendered) -> None:
    text, message = rendered
    problems = check_message_text(text) + check_message_blocks(message)
    problems += check_message_size(message)
    assert problems == [], problems[:3]


@pytest.fixture
def db(tmp_path):
    return create(tmp_path / "nudge.db")


# --- reading ------------------------------------------------------------------------------


def test_the_issue_s_example_is_read_whole():
    d = draft("with Nicola Gill (GDS) about digital inclusion #inclusion [follow up in 3 weeks]")
    assert (d.person.name, d.person.organisation, d.topic, d.tags) == (
        "Nicola Gill",
        "GDS",
        "digital inclusion",
        ("inclusion",),
    )
    assert d.follow_up.first == datetime(2026, 12, 22, 9, 0, tzinfo=UTC)
    assert not d.follow_up.explicit_time and not d.shared


@pytest.mark.parametrize(
    "text, name, organisation, rest",
    [
        ("Nicola Gill at GDS tomorrow", "Nicola Gill", "GDS", "tomorrow"),
        ("Nicola Gill at 3pm tomorrow", "Nicola Gill", None, "at 3pm tomorrow"),
        ("Nicola Gill at GDS at 3pm tomorrow", "Nicola Gill", "GDS", "at 3pm tomorrow"),
        ("Sam on Friday about the budget", "Sam", None, "on Friday about the budget"),
        ("the CEO from Camden Council re the budget", "the CEO", "Camden Council", "re the budget"),
        ('"Jo At" (GDS) about it', "Jo At", "GDS", "about it"),
    ],
)
def test_a_name_ends_where_an_organisation_a_topic_or_a_when_begins(text, name, organisation, rest):
    person, left = read_person(text, NOW, LONDON)
    assert (person.name, person.organisation, left) == (name, organisation, rest)


def test_who_someone_is_ignores_case_spacing_and_organisation():
    assert person_key(None, "Nicola  GILL") == person_key(None, "nicola gill")
    assert person_key(PETE, "ignored") == "u:U0PETE"
    with pytest.raises(ValueError):
        person_key(None, "  ")


@pytest.mark.parametrize(
    "text, every",
    [
        ("every 6 weeks", Every(6, "week")),
        ("every week", Every(1, "week")),
        ("fortnightly", Every(2, "week")),
        ("every other week", Every(2, "week")),
        ("monthly", Every(1, "month")),
        ("every 2 months", Every(2, "month")),
        ("every quarter", Every(3, "month")),
    ],
)
def test_how_often_to_stay_in_touch(text, every):
    assert parse_every(text) == every


@pytest.mark.parametrize("text", ["every 0 weeks", "every 53 weeks", "every 13 months", "often"])
def test_a_cadence_that_cannot_be_is_refused_with_an_example(text):
    with pytest.raises(ParseError) as caught:
        parse_every(text)
    assert caught.value.example


def test_the_form_reads_like_the_command():
    d = check_conversation(
        name="  Nicola   Gill ",
        member_id=None,
        organisation="GDS",
        topic="the charter",
        tags=("inclusion",),
        shared=True,
        follow_up_on=date(2026, 12, 5),  # a Saturday: 09:00 then, quiet hours move it later
        now=NOW,
        tz=LONDON,
    )
    assert (d.person.name, d.shared, d.follow_up.first) == (
        "Nicola Gill",
        True,
        datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    )
    picked = check_conversation(
        name="typed too", member_id=PETE, organisation=None, topic="", now=NOW, tz=LONDON
    )
    assert picked.person == Person(Mention(PETE), None, None)  # a member picked wins
    for bad in (
        dict(name=None, member_id=None),
        dict(name="Nicola", member_id=None, follow_up_on=date(2026, 11, 30)),
        dict(name="Nicola", member_id=None, topic="x" * (TOPIC_MAX + 1)),
        dict(name="N" * (NAME_MAX + 1), member_id=None),
    ):
        with pytest.raises(ParseError):
            check_conversation(organisation=None, **{"topic": "", **bad}, now=NOW, tz=LONDON)


# --- privacy: one rule, every viewer ------------------------------------------------------


def seeded(db):
    """Ana: a private conversation with Nicola and a shared one with Pete; Pete: a private
    one with Nicola."""
    private = store.add(
        db,
        "T1",
        ANA,
        draft("with Nicola Gill (GDS) about the secret plan"),
        NOW,
        tz="Europe/London",
    ).conversation
    shared = store.add(
        db,
        "T1",
        ANA,
        draft("share with <@U0PETE|pete> (LGA) about skills"),
        NOW + timedelta(minutes=1),
        tz="Europe/London",
    ).conversation
    petes = store.add(
        db,
        "T1",
        PETE,
        draft("with Nicola Gill at GDS about pete-private"),
        NOW + timedelta(minutes=2),
        tz="Europe/London",
    ).conversation
    return private, shared, petes


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_private_conversation_is_seen_by_its_author_alone(db, viewer):
    private, shared, petes = seeded(db)
    who = VIEWERS[viewer]
    seen = {c.id for c in store.listing(db, "T1", who, everyone=True, limit=50)[0]}
    expected = {shared.id} | ({private.id} if who == ANA else set())
    expected |= {petes.id} if who == PETE else set()
    assert seen == expected
    assert store.listing(db, "T1", who, everyone=True)[1] == len(expected)  # counted alike
    if who != ANA:
        with pytest.raises(NotFound) as caught:
            store.get(db, "T1", who, private.id)
        assert "that you can see" in caught.value.message  # not said to exist
        assert "secret plan" not in json.dumps(
            [vars(p) for p in store.people(db, "T1", who)[0]], default=str
        )
    assert store.get(db, "T1", who, shared.id).topic == "skills"


def test_no_viewer_sees_shared_ones_only_the_digest_the_map_and_the_export(db):
    private, shared, petes = seeded(db)
    counts = store.shared_counts(db, "T1", NOW - timedelta(days=7), NOW + timedelta(hours=1))
    assert (counts.shared, counts.members, counts.organisations) == (1, 1, (("LGA", 1),))
    orgs = store.organisation_map(db, "T1", NOW + timedelta(hours=1))
    assert [o.organisation for o in orgs] == ["LGA"]  # not GDS: both are private
    exported = {
        who: json.dumps(
            [
                rows
                for table, rows in member_data.export(db, "T1", who)
                if table.name == "conversations"
            ]
        )
        for who in (ANA, PETE, STEER)
    }
    assert "secret plan" in exported[ANA] and "pete-private" not in exported[ANA]
    assert "secret plan" not in exported[PETE] and "pete-private" in exported[PETE]
    assert "secret plan" not in exported[STEER] and "skills" not in exported[STEER]


def test_unshared_again_it_leaves_the_network_s_counts(db):
    _, shared, _ = seeded(db)
    store.set_shared(db, "T1", ANA, shared.id, False, NOW + timedelta(minutes=5))
    later = NOW + timedelta(hours=1)
    assert store.shared_counts(db, "T1", NOW - timedelta(days=7), later) is None
    assert store.organisation_map(db, "T1", later) == []
    assert [c.id for c in store.listing(db, "T1", PETE, everyone=True)[0]] == [3]


# who may change a conversation: its author alone, the steering group included in "others"
CHANGES = {
    "share": lambda db, who, cid: store.set_shared(db, "T1", who, cid, True, NOW),
    "unshare": lambda db, who, cid: store.set_shared(db, "T1", who, cid, False, NOW),
    "delete": lambda db, who, cid: store.delete(db, "T1", who, cid),
}


@pytest.mark.parametrize("verb", CHANGES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_the_author_may_share_unshare_or_delete(db, verb, viewer):
    private, shared, _ = seeded(db)
    target = shared if verb == "unshare" else private
    before = list(db.table("conversations").rows)
    if viewer == "author":
        CHANGES[verb](db, ANA, target.id)
        assert list(db.table("conversations").rows) != before
        return
    with pytest.raises((NotAllowed, NotFound)) as caught:
        CHANGES[verb](db, VIEWERS[viewer], target.id)
    assert list(db.table("conversations").rows) == before  # nothing changed
    # a private one is not even said to exist; a shared one is said to be someone else's
    assert isinstance(caught.value, NotFound if target is private else NotAllowed)


def test_the_rule_is_one_rule_for_reflections_and_conversations():
    from storage import privacy, reflections

    assert privacy.visible("r") == reflections.VISIBLE
    source = (
        __import__("pathlib").Path(store.__file__).read_text()
        + __import__("pathlib").Path(member_data.__file__).read_text()
    )
    # conversations are read in storage only through storage.privacy (the erasers write)
    assert 'table("conversations").rows' not in source
    assert "FROM conversations" not in source


# --- stored: a follow-up with it, the link to a follow-up, people -------------------------


def test_a_follow_up_asked_for_is_a_reminder_with_the_person_outside_slack(db):
    logged = store.add(
        db,
        "T1",
        ANA,
        draft("with Nicola Gill (GDS) about the charter follow up on Saturday"),
        NOW,
        tz="Europe/London",
    )
    reminder = logged.follow_up
    assert (reminder.kind, reminder.person_id, reminder.person_name, reminder.person_org) == (
        "follow_up",
        None,
        "Nicola Gill",
        "GDS",
    )
    assert reminder.subject() == "follow up with Nicola Gill (GDS) about the charter"
    # no time said, so quiet hours apply: Saturday 09:00 waits for Monday 08:00, and says why
    assert reminder.next_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert "Saturday" in logged.moved
    text, _ = blocks.render_conversation_saved(
        logged.conversation, LONDON, NOW, reminder, logged.moved
    )
    assert "I'll remind you to follow up Mon 7 Dec at 08:00 (N1)" in text


def test_how_did_it_go_links_the_conversation_to_the_author_s_follow_up_only(db):
    mine = reminder_store.add(
        db,
        team_id="T1",
        user_id=ANA,
        kind="follow_up",
        text="the charter",
        tz="Europe/London",
        first=NOW + timedelta(days=1),
        recurrence=None,
        now=NOW,
        person_name="Nicola Gill",
    )
    petes = reminder_store.add(
        db,
        team_id="T1",
        user_id=PETE,
        kind="follow_up",
        text="x",
        tz="Europe/London",
        first=NOW + timedelta(days=1),
        recurrence=None,
        now=NOW,
        person_name="Nicola Gill",
    )
    linked = store.add(
        db,
        "T1",
        ANA,
        ConversationDraft(NICOLA, "went well"),
        NOW,
        tz="Europe/London",
        reminder_id=mine.id,
    ).conversation
    assert linked.reminder_id == mine.id
    before = db.table("conversations").count
    with pytest.raises(NotFound):
        store.add(
            db,
            "T1",
            ANA,
            ConversationDraft(NICOLA, "not mine"),
            NOW,
            tz="Europe/London",
            reminder_id=petes.id,
        )
    assert db.table("conversations").count == before  # nothing stored
    [button] = blocks.render_how_did_it_go(mine)
    assert button["accessory"]["value"] == f"reminder:{mine.id}"
    assert "Nicola Gill" in button["text"]["text"]


def test_people_gathers_conversations_follow_ups_and_cadences_by_person(db):
    tz = "Europe/London"
    store.add(db, "T1", ANA, ConversationDraft(NICOLA, "one"), NOW, tz=tz)
    later = NOW + timedelta(days=3)
    store.add(
        db,
        "T1",
        ANA,
        ConversationDraft(Person(name="NICOLA  gill", organisation="DSIT"), "two", follow_up=None),
        later,
        tz=tz,
    )
    store.add(db, "T1", ANA, draft("with <@U0PETE|pete> about it follow up on Friday"), NOW, tz=tz)
    reminder_store.add(
        db,
        team_id="T1",
        user_id=ANA,
        kind="follow_up",
        text="",
        tz=tz,
        first=NOW + timedelta(days=9),
        recurrence=None,
        now=NOW,
        person_name="Nicola Gill",
    )
    store.stay_in_touch(db, "T1", ANA, Person(name="Amara Okafor"), Every(6, "week"), tz, NOW)
    store.add(db, "T1", PETE, ConversationDraft(NICOLA, "pete's"), later, tz=tz)  # not Ana's
    people, total = store.people(db, "T1", ANA)
    assert total == 3
    nicola, pete, amara = people  # most recently talked with first; never talked with last
    assert (nicola.person_name, nicola.organisation, nicola.conversations) == (
        "NICOLA  gill",
        "DSIT",
        2,
    )  # the latest spelling and organisation
    assert nicola.last_at == later and nicola.next_follow_up == NOW + timedelta(days=9)
    assert pete.person_id == PETE and pete.next_follow_up == datetime(2026, 12, 4, 9, tzinfo=UTC)
    assert (amara.conversations, amara.cadence) == (0, Every(6, "week"))
    assert amara.cadence_due == datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    fits(blocks.render_people(people, total, LONDON, NOW))


# --- cadences: a nudge only when it lapses ------------------------------------------------


def test_a_cadence_lapses_a_period_after_the_last_conversation_at_nine_local():
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    every = Every(6, "week")
    assert cadence_due_at(every, LONDON, started_at=start, last_contact=None, nudged_at=None) == (
        datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    )
    talked = datetime(2027, 1, 5, 15, tzinfo=UTC)  # resets it
    assert cadence_due_at(every, LONDON, started_at=start, last_contact=talked, nudged_at=None) == (
        datetime(2027, 2, 16, 9, 0, tzinfo=UTC)
    )
    nudged = datetime(2027, 2, 16, 9, tzinfo=UTC)  # then a period after the nudge
    assert cadence_due_at(
        every, LONDON, started_at=start, last_contact=talked, nudged_at=nudged
    ) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # 09:00 BST, across the change of clocks
    monthly = Every(1, "month")
    end_of_jan = datetime(2027, 1, 31, 12, tzinfo=UTC)  # a month on is the last of February
    assert cadence_due_at(
        monthly, LONDON, started_at=end_of_jan, last_contact=None, nudged_at=None
    ) == datetime(2027, 2, 26, 9, 0, tzinfo=UTC)
    # (Sunday 28 February is quiet: the nudge comes the Friday before, never into March)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert cadence_due_at(
        Every(1, "week"), tokyo, started_at=start, last_contact=None, nudged_at=None
    ) == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)


def test_a_cadence_is_due_only_when_no_conversation_came_in_the_period(db):
    tz = "Europe/London"
    cadence = store.stay_in_touch(db, "T1", ANA, NICOLA, Every(2, "week"), tz, NOW)
    assert store.cadences_due(db, NOW + timedelta(days=13)) == []
    due_at = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert store.cadences_due(db, due_at) == [(cadence, due_at)]
    store.add(
        db,
        "T1",
        ANA,
        ConversationDraft(Person(name="nicola gill"), "caught up"),
        NOW + timedelta(days=10),
        tz=tz,
    )  # any spelling of her name resets it
    assert store.cadences_due(db, due_at) == []
    store.add(db, "T1", PETE, ConversationDraft(NICOLA, "pete's"), NOW + timedelta(days=20), tz=tz)
    later = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)  # Friday: two weeks after the 11th
    [(_, due)] = store.cadences_due(db, later)  # Pete's conversation does not reset Ana's
    assert due == later
    store.mark_nudged(db, cadence, later)
    assert store.cadences_due(db, later + timedelta(days=13)) == []
    stopped = store.stop_staying_in_touch(db, "T1", ANA, Person(name="NICOLA GILL"))
    assert stopped.id == cadence.id and store.cadences_of(db, "T1", ANA) == []
    with pytest.raises(NotFound):
        store.stop_staying_in_touch(db, "T1", ANA, NICOLA)


def test_setting_a_cadence_again_changes_it_from_now(db):
    tz = "Europe/London"
    first = store.stay_in_touch(db, "T1", ANA, NICOLA, Every(6, "week"), tz, NOW)
    store.mark_nudged(db, first, NOW + timedelta(days=50))
    again = store.stay_in_touch(
        db, "T1", ANA, Person(name="nicola gill"), Every(1, "month"), tz, NOW + timedelta(days=60)
    )
    assert again.id == first.id and again.every == Every(1, "month") and again.nudged_at is None
    assert db.table("cadences").count == 1


# --- the map and the digest's tally ---------------------------------------------------------


def test_the_map_is_the_last_ninety_days_of_shared_conversations_by_organisation(db):
    tz = "Europe/London"
    for days_ago, who, org, shared in (
        (100, ANA, "LGA", True),  # too long ago
        (80, ANA, "gds", True),
        (10, PETE, "GDS", True),
        (5, SAM, "GDS ", True),
        (3, ANA, "Camden Council", False),  # private
        (2, PETE, "Camden Council", True),
    ):
        store.add(
            db,
            "T1",
            who,
            ConversationDraft(Person(name="Someone", organisation=org), "x", shared=shared),
            NOW - timedelta(days=days_ago),
            tz=tz,
        )
    found = store.organisation_map(db, "T1", NOW)
    assert found == [
        OrganisationSummary("Camden Council", 1, 1, NOW - timedelta(days=2)),
        OrganisationSummary("GDS", 3, 3, NOW - timedelta(days=5)),
    ]
    text, shown = blocks.render_map(found, LONDON, NOW)
    assert "GDS* · 3 conversations by 3 members · last Thu 26 Nov" in json.dumps(
        shown, ensure_ascii=False
    )


def test_organisations_are_tallied_most_first_as_most_often_spelt():
    assert tally_organisations(["GDS", "gds", "GDS", "LGA", "LGA", "Camden"]) == (
        ("GDS", 3),
        ("LGA", 2),
        ("Camden", 1),
    )


# --- renderers at the input maxima ----------------------------------------------------------


def longest(n: int, shared: bool = False):
    from bot.domain.conversations import Conversation

    return Conversation(
        id=n * 1_000_000,
        team_id="T1",
        author_id=PETE,
        person_id=None,
        person_name="&lt;Nicola&gt; " + "N" * (NAME_MAX - 14),
        organisation="<!channel> " + "O" * (ORG_MAX - 11),
        topic=("<@U0ANA|ana> & <https://example.org|a link> " + "words " * 100)[:TOPIC_MAX],
        tags=tuple(f"tag{i}-" + "t" * 30 for i in range(TAGS_MAX)),
        shared=shared,
        created_at=NOW,
        updated_at=NOW,
        shared_at=NOW if shared else None,
        reminder_id=999_999_999,
    )


def test_every_conversation_renderer_fits_slack_at_the_maxima():
    many = [longest(n, n % 2 == 0) for n in range(1, 1001)]
    fits(blocks.render_conversation_list(many, 100_000, "The network's", ANA, LONDON, NOW))
    fits(blocks.render_conversation_saved(many[0], LONDON, NOW))
    fits(blocks.render_conversation_changed(many[1], LONDON, NOW, "Shared C1000000."))
    people = [
        PersonSummary(None, c.person_name, c.organisation, 10_000, NOW, NOW, Every(52, "week"), NOW)
        for c in many[:200]
    ]
    fits(blocks.render_people(people, 5_000, LONDON, NOW))
    orgs = [OrganisationSummary(f"{n} " + "O" * (ORG_MAX - 6), n, n, NOW) for n in range(2000)]
    text, shown = blocks.render_map(orgs, LONDON, NOW)
    fits((text, shown))
    assert "more" in json.dumps(shown)  # cut short, and says so
    from bot.domain.conversations import Cadence

    cadence = Cadence(
        1,
        "T1",
        ANA,
        None,
        many[0].person_name,
        many[0].organisation,
        Every(12, "month"),
        "Europe/London",
        NOW,
    )
    fits(blocks.render_cadence_set(cadence, NOW, LONDON, NOW))
    fits(blocks.render_cadence_nudge(cadence, None, LONDON, NOW))
    fits(blocks.render_cadence_stopped(cadence))
    fits(
        blocks.render_person_forgotten(
            {t: 10**6 for t in member_data.NAMES_MAY_BE_IN}, {"cadences": 10**6}
        )
    )
    fits(blocks.render_conversation_help())
    view = blocks.render_conversation_modal(
        name="N" * 500,
        organisation="O" * 500,
        topic="T" * 5000,
        member_id=PETE,
        metadata={"reminder_id": 10**9},
    )
    assert check_view(view) == []
    assert "<!channel>" not in json.dumps(
        blocks.render_conversation_list(many[:3], 3, "x", ANA, LONDON, NOW)[1]
    )


def test_the_form_is_read_back_into_a_checked_draft():
    view = blocks.render_conversation_modal(name="Nicola Gill", organisation="GDS")
    values = {
        blocks.FIELD_NAME: {blocks.FIELD_NAME: {"value": "Nicola Gill"}},
        blocks.FIELD_ORG: {blocks.FIELD_ORG: {"value": "GDS"}},
        blocks.FIELD_TOPIC: {blocks.FIELD_TOPIC: {"value": "the charter"}},
        blocks.FIELD_TAGS: {blocks.FIELD_TAGS: {"value": "inclusion, #skills"}},
        blocks.FIELD_FOLLOW_UP: {blocks.FIELD_FOLLOW_UP: {"selected_date": "2026-12-04"}},
        blocks.FIELD_VISIBILITY: {
            blocks.FIELD_VISIBILITY: {"selected_option": {"value": "private"}}
        },
    }
    assert {b["block_id"] for b in view["blocks"]} >= set(values)
    form = blocks.read_conversation_form({**view, "state": {"values": values}})
    from bot.domain.reflections import parse_tag_list

    d = check_conversation(
        name=form["name"],
        member_id=form["member_id"],
        organisation=form["organisation"],
        topic=form["topic"],
        tags=parse_tag_list(form["tags"]),
        shared=form["shared"],
        follow_up_on=form["follow_up_on"],
        now=NOW,
        tz=LONDON,
    )
    assert (d.person, d.topic, d.tags, d.shared) == (
        NICOLA,
        "the charter",
        ("inclusion", "skills"),
        False,
    )
    assert d.follow_up.first == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_stored_times_are_in_the_one_stored_form(db):
    from storage.codec import TIME_PATTERN

    store.add(
        db,
        "T1",
        ANA,
        draft("share with Nicola Gill about it follow up tomorrow"),
        NOW,
        tz="Europe/London",
    )
    store.stay_in_touch(db, "T1", ANA, NICOLA, Every(1, "week"), "Europe/London", NOW)
    [row] = db.table("conversations").rows
    assert all(TIME_PATTERN.fullmatch(row[c]) for c in ("created_at", "updated_at", "shared_at"))
    [cadence] = db.table("cadences").rows
    assert cadence["started_at"] == encode_time(NOW)
    with immediate(db):
        db.execute("DELETE FROM reminders")  # the follow-up goes: the link is cleared, not broken
    assert db.table("conversations").count == 1

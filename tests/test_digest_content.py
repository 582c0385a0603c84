"""The digest as a pure function: a week's data in, sections and Block Kit messages out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.actions import Action
from bot.domain.digest import (
    SECTION_MAX_ITEMS,
    FollowUp,
    SharedReflection,
    WeekData,
    build_digest,
    parse_digest_command,
    period_ending,
)
from bot.domain.errors import ParseError
from bot.domain.feeds import Post
from bot.domain.reflections import ReflectionDraft
from bot.domain.weekly import WeeklySchedule, iso_week, scheduled_in_week, weekly_trigger
from bot.standin import check_message_blocks, check_message_text
from handlers.blocks.digest import render_digest_messages
from storage import digest as store
from storage import feeds as feed_store
from storage import reflections as reflection_store
from storage import reminders as reminder_store
from storage.codec import encode_time
from storage.db import create, immediate

LONDON = ZoneInfo("Europe/London")
END = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # Friday 4 December 2026, 16:00 in London
START = END - timedelta(days=7)
AT = END - timedelta(days=2)


def action(n: int, **changes) -> Action:
    base = dict(
        id=n,
        team_id="T1",
        title=f"Action number {n}",
        owner_id="U0PETE",
        creator_id="U0ANA",
        due=None,
        workstream="inclusion",
        notes="",
        permalink=None,
        status="open",
        created_at=AT,
        updated_at=AT,
    )
    return Action(**{**base, **changes})


def full_week() -> WeekData:
    return WeekData(
        start=START,
        end=END,
        tz="Europe/London",
        created=[action(1)],
        completed=[action(2, status="done", done_at=AT, owner_id="U0SAM")],
        overdue=[action(3, due=date(2026, 11, 30))],
        reflections=[SharedReflection(7, "U0ANA", "Pairing with the CDO worked", ("ai",), AT)],
        posts=[Post("U0PETE", "Weeknote 42", "https://blog.example.org/42", AT)],
        follow_ups=[FollowUp("U0ANA", "U0SAM", "the charter", AT)],
        open_actions=12,
    )


def texts(messages) -> str:
    return "\n".join(str(blocks) + text for text, blocks in messages)


def assert_within_limits(messages) -> None:
    for text, blocks in messages:
        assert len(blocks) <= 50
        assert check_message_blocks(blocks) == [] and check_message_text(text) == []


def test_every_section_with_content_is_present_with_thanks_and_numbers():
    digest = build_digest(full_week())
    assert [s.key for s in digest.sections] == [
        "created",
        "completed",
        "overdue",
        "reflections",
        "posts",
        "follow_ups",
    ]
    assert "thank you <@U0SAM>" in digest.sections[1].heading
    assert digest.numbers.startswith("1 action created · 1 completed · 1 overdue · 12 open")
    [(text, blocks)] = render_digest_messages(digest)
    shown = texts([(text, blocks)])
    for expected in (
        "A1",
        "A2",
        "A3",
        "R7",
        "Weeknote 42",
        "https://blog.example.org/42",
        "followed up with <@U0SAM> about the charter",
        "due Mon 30 Nov",
    ):
        assert expected in shown
    assert_within_limits([(text, blocks)])


@pytest.mark.parametrize(
    "empty", ["created", "completed", "overdue", "reflections", "posts", "follow_ups"]
)
def test_an_empty_section_is_left_out(empty):
    week = full_week()
    digest = build_digest(WeekData(**{**week.__dict__, empty: []}))
    assert empty not in [s.key for s in digest.sections]
    assert len(digest.sections) == 5


def test_a_quiet_week_says_so():
    digest = build_digest(WeekData(START, END, "Europe/London"))
    assert digest.is_empty
    [(text, _)] = render_digest_messages(digest)
    assert "quiet week" in text


def test_private_reflections_never_reach_the_digest(tmp_path):
    db = create(tmp_path / "n.db")
    shared = reflection_store.add(
        db, "T1", "U0ANA", ReflectionDraft("Shared thought"), AT - timedelta(hours=1)
    )
    reflection_store.set_shared(db, "T1", "U0ANA", shared.id, True, AT)
    reflection_store.add(db, "T1", "U0ANA", ReflectionDraft("SECRET private thought"), AT)
    other = reflection_store.add(db, "T2", "U0X", ReflectionDraft("Other workspace"), AT)
    reflection_store.set_shared(db, "T2", "U0X", other.id, True, AT)
    week = store.week_data(db, "T1", START, END, "Europe/London")
    assert [r.id for r in week.reflections] == [shared.id]
    shown = texts(render_digest_messages(build_digest(week)))
    assert "Shared thought" in shown and "SECRET" not in shown and "Other workspace" not in shown


def test_posts_and_follow_ups_of_the_week_are_gathered(tmp_path):
    db = create(tmp_path / "n.db")
    feed = feed_store.save_feed(
        db, "T1", "U0PETE", "https://x.org/feed", "Pete's blog", START - timedelta(days=30)
    )
    feed_store.add_posts(
        db,
        feed,
        [{"entry_id": "0", "title": "Too old", "link": "https://x.org/0"}],
        START - timedelta(days=1),
    )
    feed_store.add_posts(
        db,
        feed,
        [{"entry_id": "1", "title": "In", "link": "https://x.org/1", "published_at": AT}],
        AT,
    )

    def reminder(kind: str, text: str, done: bool) -> None:
        added = reminder_store.add(
            db,
            team_id="T1",
            user_id="U0ANA",
            kind=kind,
            text=text,
            tz="Europe/London",
            first=AT,
            recurrence=None,
            now=START,
            person_id="U0SAM" if kind == "follow_up" else None,
        )
        if done:
            reminder_store.mark_done(db, added, AT)

    reminder("follow_up", "budget", done=True)
    reminder("follow_up", "not yet", done=False)
    reminder("me", "a plain reminder", done=True)
    week = store.week_data(db, "T1", START, END, "Europe/London")
    assert [p.title for p in week.posts] == ["In"]
    assert [(f.topic, f.person_id) for f in week.follow_ups] == [("budget", "U0SAM")]


def test_a_network_with_more_overdue_than_a_section_lists_reads_only_those_it_lists(tmp_path):
    db = create(tmp_path / "n.db")
    late = SECTION_MAX_ITEMS + 25
    with immediate(db):
        db.table("actions").insert_all(
            {
                "team_id": "T1",
                "title": f"Late {n}",
                "owner_id": "U0PETE",
                "creator_id": "U0ANA",
                "due": (date(2026, 11, 30) - timedelta(days=n % 40)).isoformat(),
                "status": "open",
                "notes": "",
                "created_at": encode_time(START),
                "updated_at": encode_time(START),
            }
            for n in range(late)
        )
    week = store.week_data(db, "T1", START, END, "Europe/London")
    assert len(week.overdue) == SECTION_MAX_ITEMS and week.overdue_count == late
    assert week.overdue[0].due == date(2026, 11, 30) - timedelta(days=39)  # earliest first
    digest = build_digest(week)
    [section] = [s for s in digest.sections if s.key == "overdue"]
    assert (len(section.items), section.more) == (SECTION_MAX_ITEMS, 25)
    assert f"{late:,} overdue" in digest.numbers


def test_a_huge_week_becomes_a_headline_and_thread_replies_within_limits():
    week = full_week()
    long_title = "Renew the shared accessibility audit with every partner council " * 3
    week = WeekData(
        **{
            **week.__dict__,
            "created": [action(n, title=long_title[:200]) for n in range(1, 301)],
            "reflections": [
                SharedReflection(n, "U0ANA", "Long reflection " * 40, ("a", "b"), AT)
                for n in range(1, 201)
            ],
        }
    )
    messages = render_digest_messages(build_digest(week))
    assert len(messages) > 2
    headline_text, headline = messages[0]
    assert "300 actions created" in headline_text and "thread" in str(headline)
    assert_within_limits(messages)
    shown = texts(messages[1:])
    assert all(f"*A{n}*" in shown for n in range(1, 301))
    assert all(f"*R{n}*" in shown for n in range(1, 201))


# --- when ------------------------------------------------------------------------------


def test_the_trigger_fires_at_local_time_across_daylight_saving_changes():
    trigger = weekly_trigger(WeeklySchedule("fri", time(16, 0)), LONDON)
    # British Summer Time ends on Sunday 25 October 2026
    before = trigger.get_next_fire_time(None, datetime(2026, 10, 20, tzinfo=UTC))
    after = trigger.get_next_fire_time(before, before + timedelta(seconds=1))
    assert before.astimezone(UTC) == datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2026, 10, 30, 16, 0, tzinfo=UTC)
    assert {before.astimezone(LONDON).time(), after.astimezone(LONDON).time()} == {time(16, 0)}
    # and it starts again on Sunday 28 March 2027; a Monday 09:00 schedule in New York
    # (where it starts on 14 March 2027) keeps 09:00 too
    spring = trigger.get_next_fire_time(None, datetime(2027, 3, 27, tzinfo=UTC))
    assert spring.astimezone(UTC) == datetime(2027, 4, 2, 15, 0, tzinfo=UTC)
    york = ZoneInfo("America/New_York")
    monday = weekly_trigger(WeeklySchedule("mon", time(9, 0)), york)
    first = monday.get_next_fire_time(None, datetime(2027, 3, 2, tzinfo=UTC))  # Mon 8, Mon 15
    second = monday.get_next_fire_time(first, first + timedelta(seconds=1))
    assert (first.astimezone(UTC).hour, second.astimezone(UTC).hour) == (14, 13)


def test_the_week_and_its_scheduled_time():
    schedule = WeeklySchedule("fri", time(16, 0))
    tuesday = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert scheduled_in_week(tuesday, schedule, LONDON) == END
    assert iso_week(END, LONDON) == "2026-W49"
    # Sunday 23:30 UTC is still Sunday in London but Monday in Helsinki
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert (iso_week(late, LONDON), iso_week(late, ZoneInfo("Europe/Helsinki"))) == (
        "2026-W49",
        "2026-W50",
    )
    start, end = period_ending(datetime(2026, 10, 30, 16, 0, tzinfo=UTC), LONDON)
    assert start == datetime(2026, 10, 23, 15, 0, tzinfo=UTC)  # 16:00 BST


@pytest.mark.parametrize(
    "text, verb, fields",
    [
        ("", "preview", {}),
        ("subscribe", "subscribe", {}),
        ("POST", "post", {}),
        ("settings", "settings", {}),
        ("settings day Thursday time 9:30", "settings", {"weekday": "thu", "at": time(9, 30)}),
        ("settings channel <#C0NEWS|news>", "settings", {"channel": "C0NEWS"}),
    ],
)
def test_reading_digest_commands(text, verb, fields):
    parsed = parse_digest_command(text)
    assert parsed.verb == verb
    for name, value in fields.items():
        assert getattr(parsed, name) == value


@pytest.mark.parametrize(
    "text, says",
    [
        ("settings day someday", "isn't a weekday"),
        ("settings time 25:00", "isn't a time"),
        ("settings channel #news", "# list"),
        ("settings day", "pairs"),
        ("settings day fri day mon", "pairs"),
        ("publish", "don't know"),
    ],
)
def test_bad_digest_commands_are_refused_with_an_example(text, says):
    with pytest.raises(ParseError) as caught:
        parse_digest_command(text)
    assert says in caught.value.message and caught.value.example


def test_lessons_from_actions_lead_as_what_we_learned_and_sit_beside_their_action():
    week = full_week()
    done = week.completed[0]
    lesson = SharedReflection(
        9, "U0SAM", "Ask the CDO first", ("influence",), AT, action_id=done.id
    )
    digest = build_digest(
        WeekData(
            **{
                **week.__dict__,
                "reflections": [*week.reflections, lesson],
                "lessons": {done.id: [lesson]},
            }
        )
    )
    assert [s.key for s in digest.sections][:2] == ["learned", "created"]
    assert digest.sections[0].items == (lesson,)
    reflections = next(s for s in digest.sections if s.key == "reflections")
    assert lesson not in reflections.items and reflections.heading.startswith("More")
    shown = texts(render_digest_messages(digest))
    assert f"(a lesson from A{done.id})" in shown
    assert "_learned:_ Ask the CDO first (R9)" in shown

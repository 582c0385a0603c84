"""Slack's own limits: what the stand-in checks, every renderer within them at our own input
maxima, rendering errors answered as ours, errors no retry mends ending a scheduled send,
and modals opened before any other Slack call.

The limits, from Slack's references (docs.slack.dev Block Kit and Web API pages; the models
of slack_sdk.models.blocks encode most of them), and where the stand-in checks each
(``bot/standin/blockkit.py`` unless said):

==========================================  ==========================================
section text 3,000; fields 10 x 2,000       header 150; context 10 elements x 3,000
blocks: 50 a message, 100 a modal or home   block_id and action_id 255, unique
button text 75, value 2,000, url 3,000      option text 75, value 150; radios 10
overflow 2 to 5 options                     confirm title 100, text 300, buttons 30
input label and hint 2,000                  plain_text_input min 0-3,000, max 1-3,000
placeholder 150                             datepicker YYYY-MM-DD; timepicker HH:mm
modal title, submit, close 24               private_metadata 3,000; callback_id 255
modal with inputs needs submit              message text 40,000 (Slack truncates)
message text 4,000 (Slack's advice)         12,000 characters of text in one message's
                                            blocks (Slack: msg_blocks_too_long, unpublished)
trigger_id: 3 s, once (server.py)           response_url: 5 posts in 30 min (server.py)
==========================================  ==========================================
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, date, datetime, timedelta
from urllib.error import URLError
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackObjectFormationError

from bot.domain.actions import NOTE_MAX, TITLE_MAX, Action, ActionEvent
from bot.domain.errors import NotAllowed, ParseError
from bot.domain.home import HomeData, HomeSection
from bot.domain.lessons import Lesson, group_lessons
from bot.domain.nudges import TEXT_MAX as REMINDER_MAX
from bot.domain.nudges import Reminder
from bot.domain.reflections import TAGS_MAX, Found, Reflection
from bot.domain.reflections import TEXT_MAX as REFLECTION_MAX
from bot.domain.review import summarise
from bot.domain.text import TAG_MAX, mrkdwn
from bot.domain.when import parse_when
from bot.standin import (
    MAX_MESSAGE_BLOCK_TEXT,
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)
from handlers.blocks import actions as action_blocks
from handlers.blocks import common
from handlers.blocks import data_rights as data_blocks
from handlers.blocks import home as home_blocks
from handlers.blocks import nudges as nudge_blocks
from handlers.blocks import reflections as reflection_blocks
from handlers.blocks import review as review_blocks
from storage import member_data
from storage.codec import encode_time
from storage.db import immediate
from tests.conftest import ANA, PETE, SAM, STEER

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
TODAY = NOW.date()
LONDON = ZoneInfo("Europe/London")
NOTES_FULL = 10_000  # /action note appends up to here
PERMALINK = "https://nudge-test.slack.com/archives/C0GENERAL/p1764583200000100"

# What people type, weighted to what costs most: "&" becomes "&amp;", lines become quotes.
HOSTILE = st.sampled_from(list("ab cd&<>*_~`:#@|\n\t") + ["é", "😀", "“", "&", "&", "\n"])


def exactly(n: int) -> st.SearchStrategy[str]:
    """Text of exactly ``n`` characters with something in it: a drawn stretch of up to 300,
    repeated (Hypothesis draws at most a few thousand characters per example)."""
    stretch = st.text(alphabet=HOSTILE, min_size=1, max_size=min(n, 300)).filter(str.strip)
    return stretch.map(lambda part: (part * (n // len(part) + 1))[:n]).filter(str.strip)


def tags() -> st.SearchStrategy[tuple[str, ...]]:
    tag = st.text(alphabet="abcdefghij-_0", min_size=TAG_MAX, max_size=TAG_MAX)
    return st.lists(tag, min_size=TAGS_MAX, max_size=TAGS_MAX).map(tuple)


def breaches(text: str, blocks: list[dict]) -> list[str]:
    """Every way one message breaks Slack's limits (as the stand-in sees them)."""
    return check_message_text(text) + check_message_blocks(blocks) + check_message_size(blocks)


def shown(blocks: list[dict] | dict) -> str:
    """All the text a member sees in ``blocks`` (or a view)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for key, value in node.items():
                if key != "text" or not isinstance(value, str):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def squash(text: str) -> str:
    """``text`` without white space or quote marks, to find it however it was split."""
    return re.sub(r"[\s>]", "", text)


def action(n: int, title: str = "", notes: str = "", **changes) -> Action:
    base = dict(
        id=n,
        team_id="T0001",
        title=title or f"Action {n}",
        owner_id=PETE,
        creator_id=ANA,
        due=date(2026, 11, 20),
        workstream="w" * TAG_MAX,
        notes=notes,
        permalink=PERMALINK,
        status="open",
        created_at=NOW - timedelta(days=40),
        updated_at=NOW - timedelta(days=40),
    )
    return Action(**{**base, **changes})


def reflection(n: int, text: str, tags_: tuple[str, ...] = (), **changes) -> Reflection:
    base = dict(
        id=n,
        team_id="T0001",
        author_id=ANA,
        text=text,
        tags=tags_,
        shared=True,
        created_at=NOW,
        updated_at=NOW,
        action_id=n,
    )
    return Reflection(**{**base, **changes})


def reminder(n: int, text: str, kind: str = "me") -> Reminder:
    when = parse_when("every Friday at 4pm", NOW, LONDON)
    return Reminder(
        n,
        "T0001",
        ANA,
        kind,  # type: ignore[arg-type]
        text,
        PETE if kind == "follow_up" else None,
        PERMALINK,
        when.recurrence,
        "Europe/London",
        when.first,
        "active",
        NOW,
    )


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the stand-in checks each limit ----------------------------------------------------------


@pytest.fixture
def client(standin) -> WebClient:
    return WebClient(token=standin.bot_token, base_url=standin.api_url)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(*blocks: dict) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Limits"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": list(blocks),
    }


def text_input(**element) -> dict:
    return {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "Say"},
        "element": {"type": "plain_text_input", "action_id": "a", **element},
    }


@pytest.mark.parametrize(
    ("blocks", "text", "error", "where"),
    [
        ([section("x" * 2900)] * 5, "ok", "msg_blocks_too_long", "/blocks"),
        ([section("fine")], "x" * 4001, "msg_too_long", "/text"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "overflow",
                            "action_id": "o",
                            "options": [
                                {"text": {"type": "plain_text", "text": "One"}, "value": "1"}
                            ],
                        }
                    ],
                }
            ],
            "ok",
            "invalid_blocks",
            "/blocks/0/elements/0/options",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "datepicker", "action_id": "d", "initial_date": "4 Dec 2026"}
                    ],
                }
            ],
            "ok",
            "invalid_blocks",
            "/blocks/0/elements/0/initial_date",
        ),
    ],
    ids=["12,001 characters of blocks", "4,001 of text", "overflow of one", "date format"],
)
def test_the_stand_in_refuses_each_message_limit(standin, client, blocks, text, error, where):
    standin.expect_protocol_errors()
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text=text, blocks=blocks)
    assert raised.value.response["error"] == error
    [problem] = standin.protocol_errors
    assert problem.error == error and f"[json-pointer:{where}]" in str(problem)
    assert standin.messages == []


@pytest.mark.parametrize(
    ("element", "where"),
    [
        ({"max_length": 3001}, "max_length"),
        ({"max_length": 0}, "max_length"),
        ({"min_length": 3001}, "min_length"),
        ({"initial_value": "x" * 3001}, "initial_value"),
    ],
)
def test_the_stand_in_refuses_plain_text_inputs_past_3000(standin, client, element, where):
    standin.expect_protocol_errors()
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=standin.trigger_id(), view=modal(text_input(**element)))
    assert f"/view/blocks/0/element/{where}]" in str(standin.protocol_errors[0])
    opened = client.views_open(
        trigger_id=standin.trigger_id(), view=modal(text_input(max_length=3000))
    )
    assert opened["ok"]


def test_a_trigger_lasts_three_seconds_and_is_exchanged_once(standin, client):
    standin.expect_protocol_errors()
    standin.trigger_seconds = 0.2  # Slack's 3 s, shortened so the test waits less
    trigger = standin.trigger_id()
    client.views_open(trigger_id=trigger, view=modal(section("one")))
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        client.views_open(trigger_id=trigger, view=modal(section("again")))
    late = standin.trigger_id()
    time.sleep(0.3)
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id=late, view=modal(section("late")))
    assert [e.error for e in standin.protocol_errors] == [
        "exchanged_trigger_id",
        "expired_trigger_id",
    ]


def test_views_update_with_a_stale_hash_conflicts(standin, client):
    opened = client.views_open(trigger_id=standin.trigger_id(), view=modal(section("one")))
    view_id, first = opened["view"]["id"], opened["view"]["hash"]
    updated = client.views_update(view_id=view_id, hash=first, view=modal(section("two")))
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=view_id, hash=first, view=modal(section("three")))
    assert updated["view"]["hash"] != first
    assert standin.view(view_id).view["blocks"] == [section("two")]
    assert standin.protocol_errors == []  # a conflict is Slack's answer, not a malformed call


def test_a_response_url_takes_five_posts(standin):
    standin.expect_protocol_errors()
    url = standin.response_url()
    answers = [httpx.post(url, json={"text": f"post {n}"}).status_code for n in range(6)]
    assert answers == [200] * 5 + [404]
    assert [e.error for e in standin.protocol_errors] == ["used_url"]


def test_a_delay_can_slow_one_method(standin, client):
    standin.delay(0.5, "users.info")
    standin.add_user("U1")
    client.auth_test()
    client.users_info(user="U1")
    auth, info = standin.calls_to("auth.test")[0], standin.calls_to("users.info")[0]
    assert info.time >= auth.time  # both recorded as they arrived
    standin.clear()
    assert standin._delays == {}


# --- every renderer within the limits at our input maxima (pure) ------------------------------


@PROPERTY
@given(text=exactly(REFLECTION_MAX), tags_=tags(), shared=st.booleans())
def test_a_reflection_at_its_maximum_is_confirmed_whole(text, tags_, shared):
    saved = reflection(7, text, tags_, shared=shared)
    confirmed = reflection_blocks.render_reflection_saved(saved, LONDON)
    changed = reflection_blocks.render_reflection_changed(saved, LONDON, "Shared R7.")
    for said, blocks in (confirmed, changed):
        assert breaches(said, blocks) == []
        # every character as Slack shows it (mrkdwn: & < > escaped), however split
        assert squash(mrkdwn(text)) in squash(shown(blocks))
    assert ("reflection_share:7" in str(confirmed[1])) is not shared  # Share, if private


def test_a_reflection_of_two_thousand_lines_is_split_into_sections():
    text = "\n".join(["a"] + [""] * 1997 + ["z"])  # 2,000 characters, 1,999 quoted lines
    said, blocks = reflection_blocks.render_reflection_saved(reflection(1, text), LONDON)
    assert len(blocks) >= 3 and breaches(said, blocks) == []
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


@PROPERTY
@given(texts=st.lists(exactly(REFLECTION_MAX), min_size=1, max_size=3), tags_=tags())
def test_reflection_lists_and_searches_show_what_fits_and_say_how_many_more(texts, tags_):
    found = [reflection(n, texts[n % len(texts)], tags_) for n in range(1, 21)]
    said, blocks = reflection_blocks.render_reflection_list(
        found, 500, "Your reflections and the network's", ANA, LONDON, "none"
    )
    assert breaches(said, blocks) == []
    listed = sum(f"*R{n}*" in shown(blocks) for n in range(1, 21))
    assert f"…and {500 - listed:,} more" in shown(blocks)
    hits = [Found(r, r.text) for r in found[:10]]
    said, blocks = reflection_blocks.render_search_results(
        hits, 300, tuple(["word"] * 12), ANA, LONDON
    )
    assert breaches(said, blocks) == []
    listed = sum(f"*R{n}*" in shown(blocks) for n in range(1, 11))
    assert listed >= 5 and f"…and {300 - listed:,} more" in shown(blocks)


@PROPERTY
@given(text=exactly(REFLECTION_MAX), title=exactly(TITLE_MAX))
def test_the_lessons_library_at_sixty_long_lessons(text, title):
    lessons = [
        Lesson(
            reflection(n, text, tuple(f"t{n % 12}-{'x' * 30}" for _ in range(1))),
            n,
            title,
            f"ws{n % 7}",
        )
        for n in range(1, 61)
    ]
    groups = group_lessons(lessons)
    seen = len({lesson.reflection.id for g in groups for lesson in g.lessons})
    said, blocks = reflection_blocks.render_lessons(groups, seen, 60, None, ANA, LONDON)
    assert breaches(said, blocks) == []
    assert "more" in shown(blocks)


@PROPERTY
@given(texts=st.lists(exactly(REMINDER_MAX), min_size=100, max_size=100))
def test_a_hundred_long_weekly_reminders_are_all_listed_over_several_messages(texts):
    found = [reminder(n, text, "follow_up" if n % 3 else "me") for n, text in enumerate(texts, 1)]
    habit = "*Blogging habit:* every 2 weeks · *Blog feed:* " + "t" * 300
    messages = nudge_blocks.render_reminder_list(found, NOW, LONDON, habit, 100)
    assert 1 < len(messages) <= 5  # a response URL takes five posts
    for said, blocks in messages:
        assert breaches(said, blocks) == []
    everything = "\n".join(shown(blocks) for _, blocks in messages)
    listed = [n for n in range(1, 101) if f"*N{n}*" in everything]
    assert listed == list(range(1, len(listed) + 1))  # soonest first, none skipped
    if len(listed) < 100:
        assert f"…and {100 - len(listed)} more" in shown(messages[-1][1])
    assert "Blogging habit" in shown(messages[-1][1])


def test_a_thousand_reminders_are_cut_after_five_messages_with_how_many_more():
    found = [reminder(n, "x" * REMINDER_MAX) for n in range(1, 1001)]
    messages = nudge_blocks.render_reminder_list(found, NOW, LONDON, None, 1200)
    assert len(messages) == 5
    everything = "\n".join(shown(blocks) for _, blocks in messages)
    listed = sum(f"*N{n}*" in everything for n in range(1, 1001))
    assert f"…and {1200 - listed:,} more" in shown(messages[-1][1])
    assert all(breaches(said, blocks) == [] for said, blocks in messages)


@PROPERTY
@given(titles=st.lists(exactly(TITLE_MAX), min_size=1, max_size=5))
def test_forty_actions_with_long_titles(titles):
    actions = [action(n, titles[n % len(titles)]) for n in range(1, 41)]
    said, blocks = action_blocks.render_action_list(actions, 40, "All actions", TODAY, "")
    assert breaches(said, blocks) == []
    listed = sum(f"action_done:{n}" in str(blocks) for n in range(1, 41))
    assert listed == 40 or f"…and {40 - listed} more" in shown(blocks)
    for render in (
        lambda a: action_blocks.render_action_created(a, TODAY, ANA),
        lambda a: action_blocks.render_action_done(a, TODAY, "Marked done."),
        lambda a: action_blocks.render_new_owner_dm(a, TODAY, ANA),
        lambda a: nudge_blocks.render_overdue_dm(a, TODAY),
    ):
        said, blocks = render(actions[0])
        assert breaches(said, blocks) == []
    assert check_view(action_blocks.render_action_modal(owner_id=ANA, title=titles[0])) == []
    assert check_view(nudge_blocks.render_due_modal(actions[0], TODAY)) == []
    line = action_blocks.render_action_line(actions[0], TODAY)
    assert check_view(reflection_blocks.render_reflect_modal(action_line=line)) == []


@PROPERTY
@given(
    title=exactly(TITLE_MAX),
    notes=exactly(NOTES_FULL),
    detail=exactly(NOTE_MAX),
    text=exactly(REFLECTION_MAX),
)
def test_an_action_in_full_at_the_maxima(title, notes, detail, text):
    events = [
        ActionEvent(1, ANA, "note" if n % 2 else "due", detail, NOW - timedelta(hours=n))
        for n in range(60, 0, -1)
    ]
    learned = [reflection(n, text) for n in range(1, 13)]
    messages = action_blocks.render_action_detail(
        action(1, title, notes), events, TODAY, LONDON, learned, ANA
    )
    assert 1 <= len(messages) <= 5
    for said, blocks in messages:
        assert breaches(said, blocks) == []
    everything = "\n".join(shown(blocks) for _, blocks in messages)
    complete = squash(common.escape(notes)) in squash(everything)
    assert complete or "more than I can show here" in everything
    assert "20 earlier changes" in everything


def test_an_action_with_long_notes_and_history_is_shown_whole_over_several_messages():
    notes = ("Agreed with the councils & partners: draft by Friday. " * 200)[:NOTES_FULL]
    events = [
        ActionEvent(1, ANA, "note", f"Note {n}: " + "word " * 60, NOW - timedelta(hours=n))
        for n in range(40, 0, -1)
    ]
    messages = action_blocks.render_action_detail(
        action(1, "T" * TITLE_MAX, notes), events, TODAY, LONDON, [], ANA
    )
    assert len(messages) > 1
    everything = "\n".join(shown(blocks) for _, blocks in messages)
    assert squash(common.escape(notes)) in squash(everything)
    assert all(f"Note {n}:" in everything for n in range(1, 41))
    assert "more than I can show" not in everything
    assert all(breaches(said, blocks) == [] for said, blocks in messages)


@PROPERTY
@given(title=exactly(TITLE_MAX), text=exactly(REFLECTION_MAX))
def test_the_review_and_the_home_at_the_maxima(title, text):
    actions = [action(n, title, due=date(2026, 11, 1 + n % 28)) for n in range(1, 400)]
    summary = summarise(actions, TODAY, NOW)
    said, blocks = review_blocks.render_review(summary)
    assert breaches(said, blocks) == []
    assert "Overdue" in shown(blocks)
    said, posted = review_blocks.render_review_post(summary)  # the Monday post, its line kept
    assert breaches(said, posted) == []
    assert "weekly review" in shown(posted[-1:])
    home = HomeData(
        user_id=ANA,
        today=TODAY,
        tz="Europe/London",
        open_actions=tuple(actions[:25]),
        open_total=399,
        reflections=tuple(reflection(n, text, shared=False) for n in range(1, 6)),
        reflections_total=80,
        network=summary,
        sections=(
            HomeSection(
                "Upcoming reminders",
                tuple(
                    nudge_blocks.render_reminder_line(reminder(n, title), NOW, LONDON)
                    for n in range(1, 6)
                ),
                more=95,
            ),
            HomeSection("Blogging habit", ("*Blog feed:* " + "t" * 300,)),
        ),
    )
    view = home_blocks.render_home(home)
    assert check_view(view) == []
    assert "and 374 more" in shown(view) and "and 75 more" in shown(view)


@PROPERTY
@given(title=exactly(TITLE_MAX), text=exactly(REFLECTION_MAX), topic=exactly(REMINDER_MAX))
def test_the_digest_at_the_maxima(title, text, topic):
    from bot.domain.digest import FollowUp, SharedReflection, WeekData, build_digest
    from bot.domain.feeds import Post
    from handlers.blocks.digest import render_digest_messages

    at = NOW - timedelta(days=1)
    lesson = SharedReflection(1, ANA, text, ("t" * TAG_MAX,) * TAGS_MAX, at, action_id=2)
    week = WeekData(
        start=NOW - timedelta(days=7),
        end=NOW,
        tz="Europe/London",
        created=[action(n, title, created_at=at) for n in range(1, 120)],
        completed=[action(n, title, status="done", done_at=at) for n in range(120, 200)],
        overdue=[action(n, title) for n in range(200, 300)],
        overdue_total=5000,
        reflections=[SharedReflection(n, ANA, text, lesson.tags, at) for n in range(1, 80)],
        posts=[Post(PETE, title + "|" + title, PERMALINK + "?" + title[:50], at)] * 50,
        follow_ups=[FollowUp(ANA, PETE, topic, at)] * 60,
        open_actions=5000,
        lessons={n: [lesson] * 3 for n in range(120, 200)},
    )
    messages = render_digest_messages(build_digest(week))
    assert len(messages) > 2
    for said, blocks in messages:
        assert breaches(said, blocks) == []
    seen = "\n".join(shown(blocks) for _, blocks in messages)
    assert all(f"*A{n}*" in seen for n in range(1, 300))


@PROPERTY
@given(text=exactly(REMINDER_MAX))
def test_reminder_messages_and_modals_at_the_maxima(text):
    for kind in ("me", "follow_up"):
        due = reminder(3, text, kind)
        for said, blocks in (
            nudge_blocks.render_reminder_dm(due, NOW, NOW + timedelta(days=2)),
            nudge_blocks.render_reminder_set(due, NOW, LONDON),
            nudge_blocks.render_reminder_closed(due, ":zzz: Snoozed until Fri 4 Dec at 16:00."),
        ):
            assert breaches(said, blocks) == []
    metadata = {"permalink": PERMALINK, "person_id": PETE, "topic": text[:120]}
    view = nudge_blocks.render_follow_up_modal(text * 10, PERMALINK, metadata)
    assert check_view(view) == []


@PROPERTY
@given(message=st.text(min_size=1, max_size=5000), example=st.text(max_size=300))
def test_text_and_errors_of_any_length_render(message, example):
    for said, blocks in (
        common.render_text(message),
        common.render_error(ParseError(message, example=example)),
    ):
        assert breaches(said, blocks) == []
    assert check_view(common.render_error_modal("New due date", NotAllowed(message))) == []


def test_help_and_fixed_messages_are_within_the_limits():
    from handlers.blocks import digest as digest_blocks

    every_holding = {table.holding: 10**6 for table in member_data.PERSONAL}

    rendered = [
        action_blocks.render_action_help(),
        reflection_blocks.render_reflect_help(),
        nudge_blocks.render_nudge_help(),
        digest_blocks.render_digest_help(),
        nudge_blocks.render_habit_nudge(52, None),
        reflection_blocks.render_weeknote_sent("weeknote-2026-11-30.md", TODAY, True, True),
        review_blocks.render_export_done(100_000, "actions-2026-12-01.csv"),
        data_blocks.render_export_sent(every_holding),
        data_blocks.render_forget_confirm("v" * 150, every_holding),
        data_blocks.render_forgotten(every_holding, 10**6, 10**6, 5),
    ]
    for said, blocks in rendered:
        assert breaches(said, blocks) == []
    assert check_view(data_blocks.render_erased_home()) == []


def test_split_text_never_cuts_markup_or_an_entity():
    text = ("see <https://example.org/a-long-path|the doc> &amp; " * 200).strip()
    pieces = common.split_text(text, 100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert all(piece.count("<") == piece.count(">") for piece in pieces)
    assert all(not re.search(r"&\w*$", piece) for piece in pieces)
    assert squash("".join(pieces)) == squash(text)


def test_the_block_text_measure_is_the_stand_ins():
    _, blocks = common.render_text("x" * 5000)
    assert common.text_length(blocks) == 5000 == MAX_MESSAGE_BLOCK_TEXT - 7000


# --- through the real bot, at our input maxima -----------------------------------------------


def replies(bot, command: str, text: str, user: str = ANA, timeout: float = 15.0) -> list:
    """Every reply to one slash command (a reply may be several messages), once handled."""
    key = f"k{time.monotonic_ns()}"
    answer = bot.slack.command(command, text, user, response_url=bot.standin.response_url(key))
    assert answer.status_code == 200, answer.text
    first = bot.standin.wait_for_response(lambda r: r.key == key, timeout=timeout)
    time.sleep(0.3)  # the rest of a several-message reply follows at once
    found = [r for r in bot.standin.responses if r.key == key]
    assert found[0] is first
    return found


def everything(found: list) -> str:
    return "\n".join(shown(r.blocks) for r in found)


NOT_ANSWERING = "Slack isn't answering"
OURS = "something went wrong on my side"


def test_nudge_list_with_a_hundred_long_weekly_reminders(driven):
    for n in range(1, 101):
        text = f"{n:03d} write up what the councils said & share it " * 10
        driven.command("/nudge", f"me to {text[:REMINDER_MAX].strip()} every Friday at 4pm")
    found = replies(driven, "/nudge", "list")
    seen = everything(found)
    assert NOT_ANSWERING not in seen and OURS not in seen
    assert 1 < len(found) <= 5 and all(r.response_type == "ephemeral" for r in found)
    assert all(f"*N{n}*" in seen for n in range(1, 101))  # every one of them
    print(f"/nudge list, 100 reminders of 300 characters: {len(found)} messages")


def test_a_long_reflection_of_many_lines_is_confirmed_whole(bot):
    # a list of one-letter lines: every line quoted adds a ">", so 2,000 characters show 3,000
    text = "\n".join("abcdefghij"[n % 10] for n in range(REFLECTION_MAX // 2))
    tags_ = " ".join(f"#{n}{'t' * (TAG_MAX - 1)}" for n in range(TAGS_MAX))
    [shared] = replies(bot, "/reflect", f"share {text} {tags_}")
    [private] = replies(bot, "/reflect", f"{text} {tags_}")
    for reply in (shared, private):
        assert NOT_ANSWERING not in str(reply.body) and OURS not in str(reply.body)
        assert squash(text) in squash(shown(reply.blocks))
    key = "share-button"
    bot.slack.block_action(
        ANA, "reflection_share:2", "2", response_url=bot.standin.response_url(key)
    )
    now_shared = bot.standin.wait_for_response(lambda r: r.key == key)
    assert "Shared R2 with the network" in now_shared.text
    assert squash(text) in squash(shown(now_shared.blocks))


def test_an_action_with_full_notes_and_a_long_history(bot):
    bot.command("/action", ("Renew the accessibility audit & partner agreements " * 5)[:TITLE_MAX])
    for n in range(4):
        bot.command(
            "/action", f"note A1 Note {n}: " + ("we agreed & minuted it " * 90)[: NOTE_MAX - 10]
        )
    bot.command("/action", "note A1 " + "last words " * 150)
    for n in range(55):
        bot.command("/action", f"due A1 in {n + 2} days")
    found = replies(bot, "/action", "show A1")
    seen = everything(found)
    assert NOT_ANSWERING not in seen and OURS not in seen and len(found) >= 2
    with bot.db() as db:
        notes = db.table("actions").get(1)["notes"]
    assert len(notes) > 9_000 and squash(common.escape(notes)) in squash(seen)
    assert "earlier changes" in seen  # 61 changes: the latest 40 listed
    print(f"/action show, {len(notes):,} characters of notes, 61 changes: {len(found)} messages")


def test_forty_actions_with_long_titles_are_listed_within_a_message(bot):
    for n in range(1, 41):  # each "&" is shown as "&amp;"
        title = f"{n:02d} Health & Care & Housing: the Q&A with R&D " * 5
        bot.command("/action", f"{title[:TITLE_MAX].strip()} by Friday #{'w' * TAG_MAX}")
    [reply] = replies(bot, "/action", "list all")
    seen = shown(reply.blocks)
    listed = sum(f"*A{n}*" in seen for n in range(1, 41))
    assert listed == 40 or f"…and {40 - listed} more" in seen
    print(f"/action list all, 40 actions of 200-character titles: {listed} in one message")


def test_reflection_lists_searches_lessons_home_and_review_at_the_maxima(make_bot):
    bot = make_bot()
    text = ("Asking open questions & listening got us further than the slides.\n" * 40)[
        :REFLECTION_MAX
    ]
    with bot.db() as db, immediate(db):
        db.table("reflections").insert_all(
            {
                "team_id": "T0001",
                "author_id": ANA,
                "text": text,
                "tags": " ".join(f"t{n % 12}{'x' * 30}" for _ in range(1)),
                "shared": 1,
                "created_at": encode_time(NOW),
                "updated_at": encode_time(NOW),
                "shared_at": encode_time(NOW),
            }
            for n in range(80)
        )
    for command in ("list", "search open questions listening slides", "lessons"):
        [reply] = replies(bot, "/reflect", command)
        seen = shown(reply.blocks)
        assert NOT_ANSWERING not in seen and OURS not in seen and "more" in seen, command
    for n in range(1, 31):
        title = f"{n:02d} renew the accessibility audit & partner agreements " * 5
        bot.command("/action", f"{title[:TITLE_MAX].strip()} <@U0PETE|pete> by Friday", user=STEER)
    bot.clock.advance(days=40)  # now overdue and stale
    [reply] = replies(bot, "/action", "review", user=STEER)
    assert "Overdue" in shown(reply.blocks)
    bot.slack.event({"type": "app_home_opened", "user": STEER, "tab": "home"})
    home = bot.standin.wait_for("views.publish", lambda c: c.params["user_id"] == STEER)
    assert "The network's actions" in shown(home.params["view"])


# --- a rendering error is ours; only an outage is "Slack isn't answering" ---------------------


def _api_error(status: int, error: str) -> SlackApiError:
    from slack_sdk.web import SlackResponse

    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (SlackObjectFormationError("text attribute cannot exceed 3000 characters"), False),
        (_api_error(200, "invalid_blocks"), False),
        (_api_error(200, "msg_blocks_too_long"), False),
        (_api_error(200, "missing_scope"), False),
        (_api_error(200, "channel_not_found"), False),
        (KeyError("a bug of ours"), False),
        (_api_error(503, "service_unavailable"), True),
        (_api_error(500, "fatal_error"), True),
        (_api_error(429, "ratelimited"), True),
        (_api_error(200, "internal_error"), True),
        (URLError(ConnectionRefusedError(111, "Connection refused")), True),
        (TimeoutError("timed out"), True),
        (ConnectionResetError(104, "reset"), True),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_only_an_outage_is_slack_not_answering(error, outage, caplog):
    from handlers.listeners import render_failure

    text, blocks = render_failure(error)
    assert (NOT_ANSWERING in text) is outage
    assert (OURS in text) is not outage
    ref = re.search(r"ref (\w{8})", text)[1]
    [logged] = [r for r in caplog.records if ref in r.getMessage()]
    assert logged.levelname == ("WARNING" if outage else "ERROR")
    assert breaches(text, blocks) == []


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (dict(error="missing_scope"), OURS),
        (dict(error="invalid_blocks"), OURS),
        (dict(status=503, times=2), NOT_ANSWERING),
        (dict(error="internal_error"), NOT_ANSWERING),
    ],
    ids=["missing_scope", "invalid_blocks", "503", "internal_error"],
)
def test_a_member_is_told_whose_trouble_it_is(bot, fault, says):
    bot.standin.fail_next("views.open", **fault)
    key = "reflect-form"
    bot.slack.command("/reflect", "", ANA, response_url=bot.standin.response_url(key))
    reply = bot.standin.wait_for_response(lambda r: r.key == key)
    assert says in reply.text and "ref " in reply.text


# --- a scheduled send: errors no retry mends end it; outages keep their backoff --------------

# Errors Slack documents that no retry mends (handlers/delivery.py keeps the full list).
PERMANENT = [
    "msg_blocks_too_long",
    "invalid_blocks",
    "invalid_blocks_format",
    "missing_scope",
    "invalid_auth",
    "token_revoked",
    "account_inactive",
    "not_authed",
    "channel_not_found",
    "user_not_found",
    "is_archived",
    "cannot_dm_bot",
    "user_disabled",
    "not_in_channel",
    "messages_tab_disabled",
]


def _two_reminders_due(driven, clock) -> None:
    driven.command("/nudge", "me to call the council in 20 minutes")  # N1
    driven.command("/nudge", "me to book the room in 20 minutes")  # N2
    clock.advance(minutes=20)


def _delivery(driven, reminder_id: int) -> dict:
    with driven.db() as db:
        [row] = db.table("deliveries").rows_where("key LIKE ?", [f"reminder:{reminder_id}:%"])
    return row


def _posts(driven, words: str) -> list:
    return [
        c
        for c in driven.standin.calls_to("chat.postMessage")
        if words in (c.params.get("text") or "")
    ]


@pytest.mark.parametrize("error", PERMANENT)
def test_an_error_no_retry_mends_ends_a_scheduled_sends_retries(driven, clock, caplog, error):
    from handlers.nudges import tick

    caplog.set_level(logging.INFO, logger="handlers.delivery")
    _two_reminders_due(driven, clock)
    driven.standin.fail_method(
        "chat.postMessage", error, when=lambda p: "call the council" in (p.get("text") or "")
    )
    tick(driven.runtime.deps)
    failed = _delivery(driven, 1)
    assert (failed["status"], failed["retry_at"], failed["error"]) == ("failed", None, error)
    assert len(_posts(driven, "book the room")) == 1  # the next one was not held up
    with driven.db() as db:
        assert db.table("reminders").get(1)["next_at"] is None  # the one-off moved on
    for _ in range(3):  # no retry, not after 30 minutes nor ever
        clock.advance(minutes=31)
        tick(driven.runtime.deps)
    assert len(_posts(driven, "call the council")) == 1
    said = [r for r in caplog.records if "reminder:1:" in r.getMessage()]
    assert [r.levelname for r in said] == ["WARNING"] and "failed for good" in said[0].getMessage()


@pytest.mark.parametrize(
    "fault",
    [
        dict(error="internal_error"),
        dict(error="fatal_error"),
        dict(error="service_unavailable"),
        dict(error="ratelimited"),
        dict(error="an_error_slack_adds_one_day"),
        dict(status=503, times=3),
        dict(status=429, retry_after=0, times=4),
    ],
    ids=lambda fault: str(fault.get("error") or fault["status"]),
)
def test_a_transient_failure_keeps_its_backoff(driven, clock, fault):
    from handlers.nudges import tick

    _two_reminders_due(driven, clock)
    driven.standin.fail_next("chat.postMessage", **fault)
    tick(driven.runtime.deps)
    failed = _delivery(driven, 1)
    assert failed["status"] == "failed" and failed["retry_at"] is not None
    tried = len(_posts(driven, "call the council"))
    tick(driven.runtime.deps)  # not before the backoff
    assert len(_posts(driven, "call the council")) == tried
    clock.advance(seconds=30)
    tick(driven.runtime.deps)
    assert _delivery(driven, 1)["status"] == "sent"
    assert len(driven.standin.dms_to(ANA)) == 2


def test_a_reminder_that_cannot_be_built_fails_for_good_and_the_rest_go_out(driven, clock, caplog):
    from handlers.nudges import tick

    caplog.set_level(logging.INFO, logger="handlers.delivery")
    _two_reminders_due(driven, clock)
    with driven.db() as db, immediate(db):  # longer than anything we store: no section holds it
        db.table("reminders").update(1, {"text": "call the council " * 300})
    tick(driven.runtime.deps)
    assert len(_posts(driven, "book the room")) == 1
    failed = _delivery(driven, 1)
    assert failed["status"] == "failed" and failed["retry_at"] is None
    assert failed["error"].startswith("could not build the message: SlackObjectFormationError")
    clock.advance(minutes=31)
    tick(driven.runtime.deps)
    assert _posts(driven, "call the council") == []
    [logged] = [r for r in caplog.records if "reminder:1:" in r.getMessage()]
    assert logged.levelname == "ERROR" and logged.exc_info is not None


def test_nudge_check_counts_the_deliveries_failed_for_good(driven, clock, standin):
    from handlers.nudges import tick
    from tests.test_config import run_nudge

    _two_reminders_due(driven, clock)
    standin.fail_method(
        "chat.postMessage",
        "channel_not_found",
        when=lambda p: "call the council" in (p.get("text") or ""),
    )
    tick(driven.runtime.deps)
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_API_URL": standin.api_url,
        "NUDGE_DB": driven.settings.db_path,
    }
    done = run_nudge("check", env=env)
    assert done.returncode == 0, done.stderr
    assert "0 failed, 1 sent, 0 skipped, 1 failed for good" in done.stdout


# --- a modal opens before any other Slack call: its trigger lasts 3 seconds -------------------

SLOW = 2.5  # Slack taking this long to answer the other call
MESSAGE = {
    "type": "message",
    "user": PETE,
    "ts": "1764583200.000100",
    "text": "Shall we compare notes on the charter next week?",
}


def opened_first(standin, sent: float, slow: str) -> tuple:
    """The views.open call, checked to come within the trigger's life and before ``slow``."""
    opened = standin.wait_for("views.open", timeout=6)
    assert opened.time - sent < 3.0 and opened.status == 200 and opened.error is None
    earlier = [c for c in standin.calls_to(slow) if sent <= c.time < opened.time]
    assert earlier == [], f"{slow} was called before views.open"
    return opened


def forget_cached(bot, user: str) -> None:
    """As if ``user``'s profile were never fetched: the next request asks users.info."""
    with bot.db() as db, immediate(db):
        db.table("members").delete_where("user_id = ?", [user])


def test_the_action_form_opens_before_slack_says_who_is_asking(bot, standin):
    standin.delay(SLOW, "users.info")
    sent = time.time()
    bot.slack.command("/action", "", ANA)
    opened = opened_first(standin, sent, "users.info")
    assert opened.params["view"]["callback_id"] == "action_modal"


@pytest.mark.parametrize("callback", ["track_as_action", "remind_follow_up"])
def test_a_message_shortcut_opens_first_and_adds_the_link_after(bot, standin, callback):
    standin.delay(SLOW, "chat.getPermalink")
    sent = time.time()
    bot.slack.message_shortcut(ANA, callback, MESSAGE, "C0GENERAL")
    opened = opened_first(standin, sent, "chat.getPermalink")
    assert "compare notes" in str(opened.params["view"])
    assert "archives/C0GENERAL" not in str(opened.params["view"])
    update = standin.wait_for("views.update", timeout=6)
    link = standin.calls_to("chat.getPermalink")[0]
    assert opened.time < link.time < update.time
    assert update.params["hash"] and update.error is None  # the hash views.open gave
    assert "archives/C0GENERAL" in str(standin.view(update.params["view_id"]).view)


def test_track_as_action_on_a_follow_up_opens_first_and_names_the_person_after(
    driven, standin, clock
):
    from handlers.nudges import tick

    driven.command("/nudge", "follow up with <@U0PETE|pete> about the charter in 5 minutes")
    clock.advance(minutes=5)
    tick(driven.runtime.deps)
    [dm] = standin.dms_to(ANA)
    standin.delay(SLOW, "users.info")  # Pete's name: not known yet
    sent = time.time()
    driven.slack.block_action(ANA, "nudge_track", "1", message=dm)
    opened = opened_first(standin, sent, "users.info")
    assert "Follow up about the charter" in str(opened.params["view"])
    update = standin.wait_for("views.update", timeout=6)
    assert update.error is None
    assert "Follow up with pete about the charter" in str(
        standin.view(update.params["view_id"]).view
    )


def test_what_did_you_learn_opens_before_slack_says_the_members_zone(bot, standin):
    bot.command("/action", "Book the room by Friday")
    done = bot.command("/action", "done A1")
    forget_cached(bot, ANA)
    standin.delay(SLOW, "users.info")
    sent = time.time()
    bot.slack.block_action(ANA, "action_learned", "1", message=None)
    opened = opened_first(standin, sent, "users.info")
    assert opened.params["view"]["callback_id"] == "reflect_modal" and "A1" in str(done.body)
    standin.wait_for("users.info", timeout=6)  # asked after, as the modal stood open


def test_new_due_date_opens_first_and_a_refusal_found_after_is_shown_in_it(driven, standin, clock):
    from handlers.nudges import tick

    driven.command("/action", "Draft the charter response <@U0PETE|pete> by Friday")
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday: A1 is overdue
    tick(driven.runtime.deps)
    dm = standin.dms_to(PETE)[-1]
    assert "overdue" in dm.text
    forget_cached(driven, PETE)
    standin.delay(SLOW, "users.info")
    sent = time.time()
    driven.slack.block_action(PETE, "nudge_new_due", "1", message=dm)
    opened = opened_first(standin, sent, "users.info")
    assert opened.params["view"]["callback_id"] == "nudge_due_modal"
    standin.wait_for("users.info", timeout=6)
    standin.delay(0, "users.info")
    # Sam may not change Pete's action: the modal opens, then says so
    driven.slack.block_action(SAM, "nudge_new_due", "1", message=dm)
    refused = standin.wait_for("views.update", timeout=6)
    view = standin.view(refused.params["view_id"]).view
    assert "belongs to" in shown(view) and "submit" not in view

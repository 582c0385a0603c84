"""Issue 8 end to end: the loop from a done action to a lesson, weeknote drafts, the lessons
library, and quiet hours.

The clock starts on Tuesday 1 December 2026, 10:00 UTC (London is on UTC in December), so
"this week" is Monday 30 November to Sunday 6 December.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.lessons import Lesson, group_lessons
from bot.domain.nudges import habit_due_at, overdue_nudge_due
from bot.domain.reflections import Reflection, ReflectionDraft, parse_reflect_command
from bot.domain.weeknote import week_span
from handlers import ids
from handlers.nudges import tick
from storage import feeds, reminders
from storage import reflections as store
from tests.conftest import ANA, PETE, SAM

TEAM = "T0001"
LONDON = ZoneInfo("Europe/London")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run_tick(bot) -> None:
    tick(bot.runtime.deps)


def rows(bot, table: str) -> list[dict]:
    with bot.db() as db:
        return list(db.table(table).rows_where(order_by="rowid"))


def as_message(reply) -> dict:
    """An ephemeral reply as Slack sends it back when one of its buttons is clicked."""
    return {
        "type": "message",
        "ts": "1764583200.000200",
        "text": reply.text,
        "blocks": reply.blocks,
    }


def element_ids(blocks: list[dict]) -> list[str]:
    found = [b["accessory"]["action_id"] for b in blocks if "accessory" in b]
    found += [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return found


def button_value(blocks: list[dict], action_id: str) -> str:
    return next(
        b["accessory"]["value"]
        for b in blocks
        if b.get("accessory", {}).get("action_id") == action_id
    )


def answer_what_did_you_learn(bot, user: str, message, values: dict) -> tuple[dict, str]:
    """Click "What did you learn?" on ``message``, then submit the modal it opens: the form,
    and the answer it shows in its place."""
    before = len(bot.standin.calls_to("views.open"))
    value = button_value(message["blocks"], ids.ACTION_LEARNED)
    answer = bot.slack.block_action(user, ids.ACTION_LEARNED, value, message=message)
    assert answer.status_code == 200
    bot.standin.wait_for("views.open", lambda c: len(bot.standin.calls_to("views.open")) > before)
    view = bot.standin.views[-1]
    assert view.callback_id == ids.REFLECT_MODAL
    submitted = bot.slack.view_submission(user, view.as_slack(TEAM), values)
    assert submitted.status_code == 200 and submitted.json()["response_action"] == "update"
    return view.view, str(submitted.json()["view"]["blocks"])


# --- 1. the loop: done action -> "What did you learn?" -> linked reflection -> show, digest ----


def test_a_done_action_asks_what_was_learned_and_the_answer_is_linked_to_it(bot):
    bot.command("/action", "Draft the charter response #inclusion", ANA)
    done = bot.command("/action", "done A1", ANA)
    assert "What did you learn?" in done.text
    assert ids.ACTION_LEARNED in element_ids(done.blocks)

    view, saved = answer_what_did_you_learn(
        bot,
        ANA,
        as_message(done),
        {
            ids.REFLECT_MODAL_TEXT: "Asking the CDO first saved us a round of edits",
            ids.REFLECT_MODAL_TAGS: "influence",
            ids.REFLECT_MODAL_VISIBILITY: "shared",
        },
    )
    assert json.loads(view["private_metadata"])["action_id"] == 1
    assert "A1" in str(view["blocks"]) and "Draft the charter response" in str(view["blocks"])
    assert "Saved R1" in saved and "from *A1*" in saved
    [row] = rows(bot, "reflections")
    assert (row["action_id"], row["shared"], row["author_id"]) == (1, 1, ANA)

    # /action show: the lesson next to the action, for anyone (it is shared)
    shown = str(bot.command("/action", "show A1", PETE).blocks)
    assert "What was learned" in shown and "Asking the CDO first" in shown

    # the digest's hook: shared lessons per action
    with bot.db() as db:
        linked = store.shared_for_actions(db, TEAM, [1, 2])
    assert list(linked) == [1] and [r.id for r in linked[1]] == [1]

    # the digest: the lesson beside the completed action, and leading "What we learned"
    preview = bot.command("/digest", "", PETE)
    shown = str(preview.blocks)
    assert "What we learned" in shown and "(a lesson from A1)" in shown
    assert "_learned:_ Asking the CDO first saved us a round of edits (R1)" in shown


def test_a_private_lesson_from_the_list_done_button_is_shown_to_its_author_only(bot):
    bot.command("/action", "Book the venue #events", ANA)
    listing = bot.command("/action", "list", ANA)
    bot.slack.block_action(ANA, f"{ids.ACTION_DONE}:1", "1", message=as_message(listing))
    done = bot.standin.wait_for_response(lambda r: "What did you learn?" in (r.text or ""))
    _, saved = answer_what_did_you_learn(
        bot,
        ANA,
        as_message(done),
        {ids.REFLECT_MODAL_TEXT: "I book too late: the good rooms go in October"},
    )
    assert "Saved R1" in saved
    assert rows(bot, "reflections")[0]["action_id"] == 1
    assert rows(bot, "reflections")[0]["shared"] == 0

    assert "good rooms go in October" in str(bot.command("/action", "show A1", ANA).blocks)
    for other in (PETE, "U0STEER"):  # another member, the steering group
        shown = str(bot.command("/action", "show A1", other).blocks)
        assert "good rooms" not in shown and "What was learned" not in shown
    with bot.db() as db:
        assert store.shared_for_actions(db, TEAM, [1]) == {}
    assert "good rooms" not in str(bot.command("/digest", "", ANA).blocks)  # not even hers


def test_done_from_the_app_home_asks_by_dm(bot):
    bot.command("/action", "Send the minutes", ANA)
    bot.slack.event({"type": "app_home_opened", "user": ANA, "tab": "home"})
    home = bot.standin.wait_for("views.publish", lambda c: c.params["user_id"] == ANA)
    view = {**home.params["view"], "id": "V0HOME"}
    bot.slack.block_action(ANA, f"{ids.ACTION_DONE}:1", "1", view=view)
    dm = bot.standin.wait_for(
        "chat.postMessage",
        lambda c: c.params["channel"] == ANA and "What did you learn?" in c.params["text"],
    )
    assert ids.ACTION_LEARNED in element_ids(dm.params["blocks"])


def test_a_lesson_cannot_be_linked_to_an_action_that_does_not_exist(bot):
    bot.command("/action", "Send the minutes", ANA)
    done = bot.command("/action", "done A1", ANA)
    message = as_message(done)
    for block in message["blocks"]:
        if block.get("accessory", {}).get("action_id") == ids.ACTION_LEARNED:
            block["accessory"]["value"] = "99"
    bot.slack.block_action(ANA, ids.ACTION_LEARNED, "99", message=message)
    assert "no action A99" in bot.standin.wait_for_response(lambda r: "A99" in (r.text or "")).text
    assert bot.standin.calls_to("views.open") == []


# --- 2. weeknote drafts ------------------------------------------------------------------


def seed_week(bot, clock) -> None:
    """A week of Ana's and Pete's, and some of the week before."""
    clock.set(utc(2026, 11, 25, 10))  # last week
    bot.command("/action", "Write the discovery report", ANA)  # A1, done this week
    bot.command("/reflect", "Last week I learned to write shorter #writing", ANA)  # R1
    clock.set(utc(2026, 12, 1, 10))  # this week
    bot.command("/action", "Draft the charter response #inclusion", ANA)  # A2, done
    bot.command("/action", "Plan the show and tell <@U0ANA|ana>", PETE)  # A3, Ana owns it
    bot.command("/action", "Pete's own thing", PETE)  # A4, not Ana's
    bot.command("/action", "done A1", ANA)
    bot.command("/action", "done A2", ANA)
    bot.command("/reflect", "ANA-PRIVATE: I was out of my depth with the CDO #influence", ANA)
    bot.command("/reflect", "share Open questions beat slides #influence", ANA)
    bot.command("/reflect", "PETE-PRIVATE: the budget worries me", PETE)
    bot.command("/reflect", "share Pete shares: the show and tell went well", PETE)
    # a follow-up, delivered and marked done
    bot.command("/nudge", "follow up with <@U0PETE|pete> about the charter in 5 minutes", ANA)
    clock.set(utc(2026, 12, 1, 10, 5))
    run_tick(bot)
    reminder_dm = bot.standin.dms_to(ANA)[-1]
    bot.slack.block_action(ANA, ids.NUDGE_DONE, "1", message=reminder_dm)
    bot.standin.wait_for_response(lambda r: "Done" in (r.text or ""))
    # a blog post this week, and an old one that must not appear
    with bot.db() as db:
        feed = feeds.save_feed(db, TEAM, ANA, "https://ana.example/feed", "Ana's blog", clock())
        feeds.add_posts(
            db,
            feed,
            [
                {
                    "entry_id": "1",
                    "title": "What the discovery taught us",
                    "link": "https://ana.example/p/1",
                    "published_at": utc(2026, 11, 30, 18),
                },
                {
                    "entry_id": "0",
                    "title": "An old post",
                    "link": "https://ana.example/p/0",
                    "published_at": utc(2026, 10, 1, 9),
                },
            ],
            clock(),
        )
    clock.set(utc(2026, 12, 1, 11))


def test_weeknote_draft_has_every_item_of_the_week_and_private_ones_only_for_the_author(
    driven, clock
):
    seed_week(driven, clock)
    reply = driven.command("/reflect", "weeknote", ANA)
    assert reply.response_type == "ephemeral" and "weeknote-2026-11-30.md" in reply.text
    [upload] = driven.standin.files
    assert (upload.filename, upload.channel) == ("weeknote-2026-11-30.md", "DU0ANA")
    draft = upload.content.decode()
    assert draft.startswith("# Weeknote: 30 Nov – 6 Dec 2026\n")
    finished = draft[draft.index("## What I finished") : draft.index("## What I started")]
    assert "Write the discovery report — A1" in finished
    assert "Draft the charter response — A2 · #inclusion" in finished
    started = draft[draft.index("## What I started") : draft.index("## Conversations")]
    assert "Plan the show and tell — A3" in started and "Draft the charter" in started
    assert "Write the discovery report" not in started  # created last week
    assert "- Followed up with pete about the charter" in draft
    learned = draft[draft.index("## What I learned") : draft.index("## What I published")]
    assert "ANA-PRIVATE: I was out of my depth with the CDO" in learned
    assert "private: only you have seen it" in learned
    assert "Open questions beat slides" in learned
    assert "- [What the discovery taught us](https://ana.example/p/1)" in draft
    for absent in (
        "PETE-PRIVATE",
        "Pete shares",
        "Pete's own thing",
        "An old post",
        "Last week I learned",
    ):
        assert absent not in draft

    # Pete's own draft has his private reflection, and never Ana's
    driven.command("/reflect", "weeknote", PETE)
    pete = driven.standin.files[-1]
    assert pete.channel == "DU0PETE"
    assert "PETE-PRIVATE" in pete.content.decode()
    assert "ANA-PRIVATE" not in pete.content.decode()

    # last week: the week of 23 November
    reply = driven.command("/reflect", "weeknote last", ANA)
    assert "weeknote-2026-11-23.md" in reply.text
    last = driven.standin.files[-1].content.decode()
    assert "Last week I learned to write shorter" in last and "ANA-PRIVATE" not in last


def test_the_blogging_nudge_offers_a_weeknote_draft(driven, clock):
    driven.command("/nudge", "blog every 1 week", ANA)
    driven.command("/reflect", "A private thought #practice", ANA)
    clock.set(utc(2026, 12, 9, 9))  # Wednesday: the habit nudge
    run_tick(driven)
    [nudge] = driven.standin.dms_to(ANA)
    assert ids.WEEKNOTE_DRAFT in element_ids(nudge.blocks)
    driven.slack.block_action(ANA, ids.WEEKNOTE_DRAFT, "this", message=nudge)
    driven.standin.wait_for_response(lambda r: "weeknote-2026-12-07.md" in (r.text or ""))
    [upload] = driven.standin.files
    assert upload.channel == "DU0ANA" and "A quiet week" in upload.content.decode()


def test_weeknote_week_is_monday_to_sunday_in_the_members_time_zone():
    # Monday 7 Dec 03:00 UTC is still Sunday evening in New York: that week is 30 Nov
    monday, start, end = week_span(utc(2026, 12, 7, 3), ZoneInfo("America/New_York"))
    assert (monday.isoformat(), start, end) == (
        "2026-11-30",
        utc(2026, 11, 30, 5),
        utc(2026, 12, 7, 5),
    )
    monday, _, _ = week_span(utc(2026, 12, 7, 3), LONDON)
    assert monday.isoformat() == "2026-12-07"
    assert week_span(utc(2026, 12, 7, 3), LONDON, last=True)[0].isoformat() == "2026-11-30"


@pytest.mark.parametrize(
    "text, verb, last, tag",
    [
        ("weeknote", "weeknote", False, None),
        ("weeknote last", "weeknote", True, None),
        ("weeknote thoughts on writing", "create", False, None),
        ("lessons", "lessons", False, None),
        ("lessons #Inclusion", "lessons", False, "inclusion"),
        ("lessons <#C0INCL|inclusion>", "lessons", False, "inclusion"),
        ("lessons from the pilot were many", "create", False, None),
    ],
)
def test_reading_weeknote_and_lessons(text, verb, last, tag):
    parsed = parse_reflect_command(text)
    assert (parsed.verb, parsed.last, parsed.tag) == (verb, last, tag)


# --- 3. the lessons library ----------------------------------------------------------------


def test_lessons_are_the_networks_shared_reflections_grouped_by_tag_and_workstream(bot, clock):
    bot.command("/action", "Draft the charter response #inclusion", ANA)
    done = bot.command("/action", "done A1", ANA)
    saved = answer_what_did_you_learn(
        bot,
        ANA,
        as_message(done),
        {
            ids.REFLECT_MODAL_TEXT: "Plain words got the charter signed",
            ids.REFLECT_MODAL_VISIBILITY: "shared",
        },
    )[1]
    assert "Saved R1" in saved
    clock.advance(minutes=1)
    bot.command("/reflect", "share Open questions beat slides #influence", PETE)
    clock.advance(minutes=1)
    bot.command("/reflect", "share Silence is a tool #influence #listening", SAM)
    bot.command("/reflect", "SECRET: the CDO scares me #influence", ANA)  # private

    listed = bot.command("/reflect", "lessons", PETE)
    body = str(listed.blocks)
    assert "SECRET" not in body
    sections = [b["text"]["text"] for b in listed.blocks if b["type"] == "section"]
    influence = next(s for s in sections if s.startswith("*#influence*"))
    assert influence.index("Silence is a tool") < influence.index("Open questions")  # newest
    assert any(s.startswith("*#listening*") and "Silence" in s for s in sections)
    workstream = next(s for s in sections if s.startswith("*#inclusion workstream*"))
    assert "Plain words got the charter signed" in workstream and "*A1*" in workstream
    # the author sees no private lesson there either: the library is what was shared
    assert "SECRET" not in str(bot.command("/reflect", "lessons", ANA).blocks)

    # one topic: the tag or the workstream of that name
    only = bot.command("/reflect", "lessons #inclusion", PETE)
    assert "Plain words" in str(only.blocks) and "Open questions" not in str(only.blocks)
    assert "Silence is a tool" in str(bot.command("/reflect", "lessons listening", PETE).blocks)
    assert "No shared lessons on #nothing" in bot.command("/reflect", "lessons #nothing").text


def test_a_long_library_is_bounded_and_says_how_many_more(bot):
    with bot.db() as db:
        for n in range(70):
            store.add(
                db,
                TEAM,
                PETE,
                ReflectionDraft(f"Lesson number {n}", ("practice",), True),
                utc(2026, 11, 1) + timedelta(minutes=n),
            )
    listed = bot.command("/reflect", "lessons", ANA)
    body = str(listed.blocks)
    assert "Lesson number 69" in body and "Lesson number 64" not in body  # five per group
    assert "…and 55 more in #practice" in body  # of the 60 read
    assert "…and 65 more." in body  # of the 70 in all


def test_the_digest_reads_lessons_shared_since_a_date_and_never_private_ones(bot, clock):
    bot.command("/action", "Draft the charter response #inclusion", ANA)
    clock.set(utc(2026, 11, 20, 10))
    bot.command("/reflect", "share An old lesson #influence", PETE)
    clock.set(utc(2026, 12, 1, 10))
    bot.command("/reflect", "A private one #influence", PETE)
    bot.command("/reflect", "share A new lesson #influence", PETE)
    with bot.db() as db:
        found = store.lessons(db, TEAM, utc(2026, 11, 30), 10)
        everything = store.lessons(db, TEAM, None, 10)
    assert [lesson.reflection.text for lesson in found] == ["A new lesson"]
    assert [lesson.reflection.text for lesson in everything] == ["A new lesson", "An old lesson"]


def test_grouping_is_pure():
    at = utc(2026, 12, 1)
    tagged = Reflection(2, TEAM, ANA, "Ask first", ("influence",), True, at, at)
    bare = Reflection(1, TEAM, ANA, "No tags", (), True, at, at)
    groups = group_lessons([Lesson(tagged, 3, "Charter", "inclusion"), Lesson(bare)])
    assert [(g.title, [x.reflection.id for x in g.lessons]) for g in groups] == [
        ("#influence", [2]),
        ("#inclusion workstream", [2]),
        ("Other lessons", [1]),
    ]


# --- 4. quiet hours --------------------------------------------------------------------------


def test_a_reminder_due_saturday_without_a_named_time_waits_until_monday_0800(driven, clock):
    with driven.db() as db:  # due Saturday 10:00, the time of day never named (a snooze, say)
        reminders.add(
            db,
            team_id=TEAM,
            user_id=ANA,
            kind="me",
            text="water the plants",
            tz="Europe/London",
            first=utc(2026, 12, 5, 10),
            recurrence=None,
            now=clock(),
            explicit_time=False,
        )
    clock.set(utc(2026, 12, 5, 10))  # Saturday
    run_tick(driven)
    assert driven.standin.dms_to(ANA) == []
    assert rows(driven, "reminders")[0]["next_at"] == "2026-12-07T08:00:00.000000Z"
    for quiet in (utc(2026, 12, 6, 12), utc(2026, 12, 7, 7, 59)):  # Sunday; Monday dawn
        clock.set(quiet)
        run_tick(driven)
        assert driven.standin.dms_to(ANA) == []
    clock.set(utc(2026, 12, 7, 8))  # Monday 08:00: delivered, and not "late"
    run_tick(driven)
    [dm] = driven.standin.dms_to(ANA)
    assert "water the plants" in dm.text and "late" not in dm.text


def test_set_without_a_time_it_is_planned_outside_quiet_hours(driven, clock):
    reply = driven.command("/nudge", "me to water the plants on Saturday", ANA)
    assert "Mon 7 Dec" in reply.text and "08:00" in reply.text
    row = rows(driven, "reminders")[0]
    assert (row["next_at"], row["explicit_time"]) == ("2026-12-07T08:00:00.000000Z", 0)


def test_an_explicit_saturday_time_arrives_on_saturday(driven, clock):
    driven.command("/nudge", "me to check the allotment every Saturday at 10am", ANA)
    row = rows(driven, "reminders")[0]
    assert (row["next_at"], row["explicit_time"]) == ("2026-12-05T10:00:00.000000Z", 1)
    clock.set(utc(2026, 12, 5, 10))
    run_tick(driven)
    [dm] = driven.standin.dms_to(ANA)
    assert "check the allotment" in dm.text
    assert rows(driven, "reminders")[0]["next_at"] == "2026-12-12T10:00:00.000000Z"


def test_a_snooze_means_what_it_says_even_into_the_weekend(driven, clock):
    clock.set(utc(2026, 12, 4, 9, 40))  # Friday
    driven.command("/nudge", "me to call the council in 20 minutes", ANA)
    clock.set(utc(2026, 12, 4, 10))
    run_tick(driven)
    dm = driven.standin.dms_to(ANA)[-1]
    driven.slack.block_action(ANA, "nudge_snooze:1d", "1", message=dm)
    snoozed = driven.standin.wait_for_response(lambda r: "Snoozed" in (r.text or ""))
    assert "tomorrow at 10:00" in snoozed.text  # Saturday 10:00: the member's own choice
    clock.set(utc(2026, 12, 5, 10))
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 2  # it came on Saturday, not held to Monday


def test_the_overdue_nudge_skips_a_quiet_day_rather_than_piling_up(driven, clock):
    driven.command("/action", "Draft the charter response by Thursday", ANA)  # due 3 Dec
    driven.standin.clear()
    for quiet in (utc(2026, 12, 5, 9), utc(2026, 12, 6, 9), utc(2026, 12, 6, 20)):
        clock.set(quiet)  # Saturday, Sunday: nothing
        run_tick(driven)
    assert driven.standin.dms_to(ANA) == []
    clock.set(utc(2026, 12, 7, 9))  # Monday: one nudge, not three
    run_tick(driven)
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1
    clock.set(utc(2026, 12, 8, 19, 30))  # the bot was down all Tuesday: that day is skipped
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1


def test_quiet_hours_rules_for_the_habit_and_the_overdue_nudge():
    saturday = utc(2026, 12, 5, 12)  # a habit set on a Saturday falls due on a Saturday
    assert habit_due_at(1, LONDON, started_at=saturday, last_activity=None, nudged_at=None) == utc(
        2026, 12, 14, 8
    )
    assert not overdue_nudge_due(utc(2026, 12, 5, 9), LONDON)  # Saturday
    assert not overdue_nudge_due(utc(2026, 12, 7, 19), LONDON)  # Monday evening
    assert overdue_nudge_due(utc(2026, 12, 7, 9), LONDON)

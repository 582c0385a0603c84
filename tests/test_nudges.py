"""``/nudge`` end to end: reminders stored as rows, fired by the scheduler, delivered once.

Two kinds of bot: ``nbot`` ticks every 0.1 s, so the scheduler really fires reminders;
``driven`` ticks only at start-up, and tests run ``tick`` themselves where they need to
know that a pass has finished (to show that something was *not* sent).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import ParseError
from bot.domain.nudges import habit_due_at, parse_nudge_command
from handlers import ids
from handlers.nudges import tick
from handlers.overdue import send_overdue_nudges
from storage.db import immediate
from tests.conftest import ANA, PETE, SAM

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


@pytest.fixture
def nbot(make_bot):
    """A bot whose scheduler looks for due reminders every 0.1 s."""
    return make_bot(tick_seconds=0.1)


def run_tick(bot) -> None:
    tick(bot.runtime.deps)


def until(predicate, timeout: float = 5.0) -> None:
    """Wait for ``predicate()`` to hold (the scheduler works on its own thread)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "still not true after waiting"
        time.sleep(0.02)


def rows(bot, table: str = "reminders") -> list[dict]:
    with bot.db() as db:
        return list(db.table(table).rows_where(order_by="rowid"))


def button_ids(message_blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in message_blocks if b["type"] == "actions" for e in b["elements"]]


def dm_texts(bot, user: str) -> list[str]:
    return [m.text or "" for m in bot.standin.dms_to(user)]


def wait_for_dm(bot, user: str, contains: str, timeout: float = 5.0):
    return bot.standin.wait_for(
        "chat.postMessage",
        lambda c: c.params["channel"] == user and contains in (c.params.get("text") or ""),
        timeout=timeout,
    )


# --- reading /nudge -------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday


def test_parse_me_follow_up_blog_list_and_cancel():
    me = parse_nudge_command("me to write my weeknote every Friday at 4pm", NOW, LONDON)
    assert (me.verb, me.text) == ("me", "write my weeknote")
    assert me.when.recurrence.describe() == "every Friday at 16:00"
    follow = parse_nudge_command(
        "follow up with <@U0PETE|pete> about the charter on Friday", NOW, LONDON
    )
    assert (follow.verb, follow.person.user_id, follow.text) == ("follow_up", PETE, "the charter")
    assert follow.when.first == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    bare = parse_nudge_command("follow up with @pete tomorrow at 2pm", NOW, NEW_YORK)
    assert (bare.person.name, bare.text) == ("pete", "")
    assert bare.when.first == datetime(2026, 12, 2, 19, 0, tzinfo=UTC)
    assert parse_nudge_command("blog every 2 weeks", NOW, LONDON).weeks == 2
    assert parse_nudge_command("blog every week", NOW, LONDON).weeks == 1
    assert parse_nudge_command("blog off", NOW, LONDON).verb == "blog_off"
    assert parse_nudge_command("blog feed <https://ana.blog/feed>", NOW, LONDON).url == (
        "https://ana.blog/feed"
    )
    assert parse_nudge_command("cancel N3", NOW, LONDON).reminder_id == 3
    assert parse_nudge_command("cancel 3", NOW, LONDON).reminder_id == 3
    assert parse_nudge_command("", NOW, LONDON).verb == "help"


@pytest.mark.parametrize(
    "text",
    [
        "me to call Sam",
        "me to in 20 minutes",
        "follow up with tomorrow",
        "blog every 0 weeks",
        "blog every 60 weeks",
        "cancel X3",
        "me to call Sam yesterday at 9am",
        "dance tomorrow",
        "me to " + "x" * 400 + " tomorrow",
    ],
)
def test_parse_refuses_bad_input_with_an_example(text):
    with pytest.raises(ParseError) as caught:
        parse_nudge_command(text, NOW, LONDON)
    assert caught.value.example


def test_habit_nudge_is_due_a_period_after_the_latest_activity_at_nine_local():
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert habit_due_at(1, LONDON, started_at=start, last_activity=None, nudged_at=None) == (
        datetime(2026, 12, 9, 9, tzinfo=UTC)
    )
    posted = datetime(2026, 12, 7, 20, tzinfo=UTC)
    assert habit_due_at(1, LONDON, started_at=start, last_activity=posted, nudged_at=None) == (
        datetime(2026, 12, 15, 9, tzinfo=UTC)
    )
    assert habit_due_at(2, NEW_YORK, started_at=start, last_activity=None, nudged_at=None) == (
        datetime(2026, 12, 15, 14, tzinfo=UTC)
    )


# --- set, deliver, buttons ------------------------------------------------------------------


def test_a_due_reminder_is_delivered_by_dm_with_its_buttons(nbot, clock):
    reply = nbot.command("/nudge", "me to call the council in 20 minutes")
    assert reply.response_type == "ephemeral" and "N1" in reply.text
    [row] = rows(nbot)
    assert (row["team_id"], row["user_id"], row["kind"], row["text"]) == (
        "T0001",
        ANA,
        "me",
        "call the council",
    )
    assert row["next_at"] == "2026-12-01T10:20:00.000000Z"
    clock.advance(minutes=20)
    call = wait_for_dm(nbot, ANA, "call the council")
    assert "late" not in call.params["text"]
    message = nbot.standin.dms_to(ANA)[-1]
    assert button_ids(message.blocks) == [
        ids.NUDGE_DONE,
        "nudge_snooze:1h",
        "nudge_snooze:1d",
        "nudge_snooze:1w",
    ]
    until(lambda: rows(nbot)[0]["next_at"] is None)  # sent; waiting for Done or a snooze
    [delivery] = rows(nbot, "deliveries")
    assert delivery["key"] == "reminder:1:2026-12-01T10:20:00.000000Z"
    assert delivery["status"] == "sent"


def test_snooze_then_done(nbot, clock):
    nbot.command("/nudge", "me to call the council in 20 minutes")
    clock.advance(minutes=20)
    wait_for_dm(nbot, ANA, "call the council")
    message = nbot.standin.dms_to(ANA)[-1]
    assert nbot.slack.block_action(ANA, "nudge_snooze:1h", "1", message=message).status_code == 200
    snoozed = nbot.standin.wait_for_response(lambda r: "Snoozed" in (r.text or ""))
    assert snoozed.replace_original and "11:20" in snoozed.text
    assert rows(nbot)[0]["next_at"] == "2026-12-01T11:20:00.000000Z"
    clock.advance(hours=1)
    until(lambda: len(nbot.standin.dms_to(ANA)) == 2)
    again = nbot.standin.dms_to(ANA)[-1]
    nbot.slack.block_action(ANA, ids.NUDGE_DONE, "1", message=again)
    nbot.standin.wait_for_response(lambda r: "Done" in (r.text or ""))
    assert rows(nbot)[0]["status"] == "done" and rows(nbot)[0]["done_at"]
    # someone else's click on the same button changes nothing
    nbot.slack.block_action(PETE, "nudge_snooze:1d", "1", message=again)
    nbot.standin.wait_for_response(lambda r: "no reminder N1" in (r.text or ""))
    assert rows(nbot)[0]["status"] == "done"


def test_a_follow_up_offers_track_as_action_prefilled(nbot, clock):
    reply = nbot.command("/nudge", "follow up with <@U0PETE|pete> about the charter in 5 minutes")
    assert "<@U0PETE>" in reply.text
    clock.advance(minutes=5)
    wait_for_dm(nbot, ANA, "charter")
    message = nbot.standin.dms_to(ANA)[-1]
    assert ids.NUDGE_TRACK in button_ids(message.blocks)
    nbot.slack.block_action(ANA, ids.NUDGE_TRACK, "1", message=message)
    nbot.standin.wait_for("views.open")
    nbot.standin.wait_for("views.update")  # Pete's name, once Slack said it
    view = nbot.standin.views[-1]
    assert view.callback_id == ids.ACTION_MODAL
    assert "Follow up with pete about the charter" in str(view.view)
    answer = nbot.slack.view_submission(
        ANA,
        view.as_slack("T0001"),
        {ids.ACTION_MODAL_TITLE: "Follow up with pete about the charter"},
    )
    assert "Tracked" in str(answer.json()["view"])
    with nbot.db() as db:
        [action] = db.table("actions").rows
    assert action["title"] == "Follow up with pete about the charter"


def test_remind_me_to_follow_up_shortcut(nbot, clock):
    message = {
        "type": "message",
        "user": PETE,
        "ts": "1764583200.000100",
        "text": "Shall we compare notes on the charter next week?",
    }
    nbot.slack.message_shortcut(ANA, ids.REMIND_FOLLOW_UP, message, "C0GENERAL")
    nbot.standin.wait_for("views.open")
    nbot.standin.wait_for("views.update")  # the link, once Slack gave it
    view = nbot.standin.views[-1]
    assert view.callback_id == ids.NUDGE_FOLLOW_UP_MODAL
    assert "compare notes" in str(view.view) and "C0GENERAL" in str(view.view)
    answer = nbot.slack.view_submission(
        ANA, view.as_slack("T0001"), {ids.NUDGE_FOLLOW_UP_WHEN: "at 5"}
    )  # ambiguous: a field error, nothing stored
    assert ids.NUDGE_FOLLOW_UP_WHEN in answer.json()["errors"]
    assert rows(nbot) == []
    answer = nbot.slack.view_submission(
        ANA, view.as_slack("T0001"), {ids.NUDGE_FOLLOW_UP_WHEN: "tomorrow at 9am"}
    )
    assert "N1" in str(answer.json()["view"])
    [row] = rows(nbot)
    assert (row["kind"], row["person_id"], row["next_at"]) == (
        "follow_up",
        PETE,
        "2026-12-02T09:00:00.000000Z",
    )
    assert "C0GENERAL" in row["permalink"] and "compare notes" in row["text"]
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    call = wait_for_dm(nbot, ANA, "follow up with <@U0PETE>")
    assert "C0GENERAL" in str(call.params["blocks"])


def test_list_and_cancel(driven, clock):
    driven.command("/nudge", "me to write my weeknote every Friday at 4pm")
    driven.command("/nudge", "me to call the council in 20 minutes", user=SAM)
    driven.command("/nudge", "me to book the room tomorrow at 9am")
    listing = driven.command("/nudge", "list")
    assert "N1" in listing.text and "every Friday at 16:00" in listing.text
    assert "N3" in listing.text and "tomorrow at 09:00" in listing.text
    assert "N2" not in listing.text  # Sam's
    assert "no reminder N2" in driven.command("/nudge", "cancel N2").text  # not Ana's
    assert "Cancelled" in driven.command("/nudge", "cancel N3").text
    assert "N3" not in driven.command("/nudge", "list").text
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    run_tick(driven)
    assert not any("book the room" in t for t in dm_texts(driven, ANA))
    assert any("call the council" in t for t in dm_texts(driven, SAM))


@pytest.mark.parametrize(
    "text, says",
    [
        ("me to call Sam", "couldn't find when"),
        ("me to call Sam at 5", "could be 5am or 5pm"),
        ("me to call Sam on 4 December 2020", "has passed"),
        ("follow up with about it tomorrow", "Who with"),
        ("me to call Sam every 3 hours", "repeat"),
        ("blog every 0 weeks", "1 to 52"),
        ("sing", "don't know"),
    ],
)
def test_bad_input_is_answered_with_an_example_and_nothing_is_stored(driven, text, says):
    reply = driven.command("/nudge", text)
    assert says in reply.text and "For example" in reply.text
    assert rows(driven) == [] and rows(driven, "habits") == []


def test_help(driven):
    reply = driven.command("/nudge", "help")
    assert "/nudge me to" in reply.text and "every 2 weeks on Monday" in str(reply.blocks)


# --- time zones and daylight saving -----------------------------------------------------------


@pytest.mark.parametrize(
    "user, start, text, first, then",
    [
        # London leaves BST on Sun 25 Oct 2026: 16:00 is 15:00 UTC, then 16:00 UTC
        (
            ANA,
            datetime(2026, 10, 22, 12, tzinfo=UTC),
            "every Friday at 4pm",
            "2026-10-23T15:00",
            "2026-10-30T16:00",
        ),
        # New York leaves EDT on Sun 1 Nov 2026: 09:00 is 13:00 UTC, then 14:00 UTC
        (
            SAM,
            datetime(2026, 10, 29, 12, tzinfo=UTC),
            "every Friday at 9:00",
            "2026-10-30T13:00",
            "2026-11-06T14:00",
        ),
        # New York enters EDT on Sun 14 Mar 2027
        (
            SAM,
            datetime(2027, 3, 10, 12, tzinfo=UTC),
            "every 2 weeks on Thursday",
            "2027-03-11T14:00",
            "2027-03-25T13:00",
        ),
        # London enters BST on Sun 28 Mar 2027
        (
            ANA,
            datetime(2027, 3, 24, 12, tzinfo=UTC),
            "every weekday at 8:30",
            "2027-03-25T08:30",
            "2027-03-26T08:30",
        ),
        (
            ANA,
            datetime(2027, 3, 26, 12, tzinfo=UTC),
            "every weekday at 8:30",
            "2027-03-29T07:30",
            "2027-03-30T07:30",
        ),
        # no time named: Saturday 1 May falls in quiet hours, so Monday 3 May 08:00 BST
        (
            ANA,
            datetime(2027, 3, 20, 12, tzinfo=UTC),
            "every month on the 1st",
            "2027-04-01T08:00",
            "2027-05-03T07:00",
        ),
        (
            SAM,
            datetime(2026, 10, 31, 12, tzinfo=UTC),
            "on Monday at 14:30",
            "2026-11-02T19:30",
            None,
        ),
    ],
)
def test_reminders_keep_local_time_across_daylight_saving(
    driven, clock, user, start, text, first, then
):
    clock.set(start)
    driven.command("/nudge", f"me to check in {text}", user=user)
    [row] = rows(driven)
    assert row["next_at"].startswith(first) and row["tz"] == driven.standin.users[user]["tz"]
    clock.set(datetime.fromisoformat(row["next_at"]))
    run_tick(driven)
    wait_for_dm(driven, user, "check in")
    [row] = rows(driven)
    assert (row["next_at"] or "").startswith(then or "") and (then or row["next_at"] is None)


# --- restarts, a second instance, Slack failures ----------------------------------------------


def test_after_a_restart_each_missed_reminder_is_delivered_once(driven, clock):
    driven.command("/nudge", "me to call the council in 20 minutes")  # Tue 10:20
    driven.command("/nudge", "me to write my weeknote every weekday at 10:30")
    driven.stop()
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # Thu noon: missed Tue and Wed 10:30
    driven.start()  # the start-up tick catches up
    late = wait_for_dm(driven, ANA, "call the council")
    assert "late" in late.params["text"] and "Tue 1 Dec 2026 at 10:20" in late.params["text"]
    wait_for_dm(driven, ANA, "weeknote")
    # one catch-up, then on schedule: Friday (the start-up tick runs on its own thread)
    until(lambda: rows(driven)[1]["next_at"] == "2026-12-04T10:30:00.000000Z")
    assert rows(driven)[0]["next_at"] is None
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 2
    driven.restart()
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 2  # nothing more
    clock.set(datetime(2026, 12, 4, 10, 30, tzinfo=UTC))
    run_tick(driven)
    friday = driven.standin.dms_to(ANA)[-1]
    assert len(driven.standin.dms_to(ANA)) == 3 and "late" not in friday.text


def test_a_second_instance_on_the_same_database_delivers_nothing(make_bot, clock):
    first = make_bot(tick_seconds=0.1)
    second = make_bot(tick_seconds=0.1)
    assert first.runtime.scheduling and not second.runtime.scheduling
    second.command("/nudge", "me to call the council in 20 minutes")  # served by the second
    first.runtime._scheduler.pause()  # the holder keeps its lease but stops firing
    clock.advance(minutes=30)
    time.sleep(1.0)  # ten of the second's ticks, had it been scheduling
    # nothing from the second (a tick of the first's already running when it paused may
    # have sent it: that is the holder's delivery, as it should be)
    assert all(d["holder"] == first.runtime.deps.instance_id for d in rows(first, "deliveries"))
    first.runtime._scheduler.resume()
    wait_for_dm(first, ANA, "call the council")
    time.sleep(0.5)
    assert len(first.standin.dms_to(ANA)) == 1
    [delivery] = rows(first, "deliveries")
    assert delivery["holder"] == first.runtime.deps.instance_id


@pytest.mark.parametrize("status, times", [(429, 4), (503, 3)])
def test_slack_failing_delays_a_reminder_but_does_not_lose_it(driven, clock, status, times):
    driven.command("/nudge", "me to call the council in 20 minutes")
    driven.standin.fail_next("chat.postMessage", status=status, retry_after=0, times=times)
    clock.advance(minutes=20)
    run_tick(driven)  # the client retried what Slack allows, then gave up for now
    assert driven.standin.dms_to(ANA) == []
    [delivery] = rows(driven, "deliveries")
    assert delivery["status"] == "failed"
    assert rows(driven)[0]["next_at"] == "2026-12-01T10:20:00.000000Z"  # still due
    run_tick(driven)  # not before the backoff
    assert driven.standin.dms_to(ANA) == []
    clock.advance(seconds=30)
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1
    [delivery] = rows(driven, "deliveries")
    assert (delivery["status"], delivery["attempts"]) == ("sent", 2)
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1


# --- overdue actions --------------------------------------------------------------------------


def test_every_overdue_action_is_nudged_however_many_pages_they_fill(driven, clock):
    with driven.db() as db, immediate(db):
        db.table("actions").insert_all(
            {
                "team_id": "T0001",
                "title": f"Late {n}",
                "owner_id": PETE,
                "creator_id": ANA,
                "due": "2026-12-01",
                "status": "open",
                "notes": "",
                "created_at": "2026-11-20T10:00:00.000000Z",
                "updated_at": "2026-11-20T10:00:00.000000Z",
            }
            for n in range(12)
        )
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday, 09:00 in London
    assert send_overdue_nudges(driven.runtime.deps, page=5) == 12  # pages of 5, 5 and 2
    nudged = sorted(int(dm.text.split("*A")[1].split("*")[0]) for dm in driven.standin.dms_to(PETE))
    assert nudged == list(range(1, 13))  # each once, the last page's too
    assert send_overdue_nudges(driven.runtime.deps, page=5) == 0  # once a day


def test_an_overdue_action_nudges_its_owner_once_a_day_at_nine_local(driven, clock):
    # weekdays: at the weekend the overdue nudge is skipped (quiet hours, tests/test_loop.py)
    driven.command("/action", "Draft the charter response <@U0PETE|pete> by Friday")  # 4 Dec
    driven.command("/action", "Book the venue by Thursday", user=SAM)  # 3 Dec, New York
    driven.standin.clear()
    clock.set(datetime(2026, 12, 7, 8, 59, tzinfo=UTC))  # Mon, 08:59 in London
    run_tick(driven)
    assert driven.standin.dms_to(PETE) == []
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    run_tick(driven)
    [dm] = driven.standin.dms_to(PETE)
    assert "A1" in dm.text and "overdue" in dm.text
    assert button_ids(dm.blocks) == [f"{ids.ACTION_DONE}:1", ids.NUDGE_NEW_DUE]
    assert driven.standin.dms_to(SAM) == []  # 04:00 in New York
    clock.set(datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
    run_tick(driven)
    assert len(driven.standin.dms_to(PETE)) == 1 and len(driven.standin.dms_to(SAM)) == 1
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    run_tick(driven)
    assert len(driven.standin.dms_to(PETE)) == 2
    # New due date: a date picker; the change is kept in the action's history
    driven.slack.block_action(PETE, ids.NUDGE_NEW_DUE, "1", message=dm)
    driven.standin.wait_for("views.open")
    view = driven.standin.views[-1]
    answer = driven.slack.view_submission(
        PETE, view.as_slack("T0001"), {ids.NUDGE_DUE_DATE: "2026-12-01"}
    )
    assert ids.NUDGE_DUE_DATE in answer.json()["errors"]
    saved = driven.slack.view_submission(
        PETE, view.as_slack("T0001"), {ids.NUDGE_DUE_DATE: "2026-12-11"}
    )
    assert "New due date set" in str(saved.json()["view"])  # the answer, in the form
    with driven.db() as db:
        assert db.table("actions").get(1)["due"] == "2026-12-11"
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    run_tick(driven)
    assert not any("overdue" in t for t in dm_texts(driven, PETE)[3:])


# --- the blogging habit -----------------------------------------------------------------------


def test_blog_habit_nudges_after_a_quiet_period_and_can_be_stopped(driven, clock):
    reply = driven.command("/nudge", "blog every 1 week")
    assert "Wed 9 Dec at 09:00" in reply.text
    assert "every week" in driven.command("/nudge", "list").text
    clock.set(datetime(2026, 12, 9, 8, 59, tzinfo=UTC))
    run_tick(driven)
    assert driven.standin.dms_to(ANA) == []
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    run_tick(driven)
    run_tick(driven)
    [nudge] = driven.standin.dms_to(ANA)
    assert "without a blog post" in nudge.text
    assert "Blogging nudges stopped" in driven.command("/nudge", "blog off").text
    clock.set(datetime(2026, 12, 30, 9, 0, tzinfo=UTC))
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1


def test_a_shared_reflection_resets_the_habit(driven, clock):
    driven.command("/nudge", "blog every 1 week")
    clock.set(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    driven.command("/reflect", "share Listening is about being silent", ANA)
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    run_tick(driven)
    assert driven.standin.dms_to(ANA) == []
    clock.set(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1


def test_restart_preserves_the_habit_nudge_once(driven, clock):
    driven.command("/nudge", "blog every 1 week")
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC) + timedelta(hours=3))
    run_tick(driven)
    driven.restart()
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 1


# --- a snooze means what it says; a moved time says why -------------------------------------


@pytest.mark.parametrize(
    "set_at, snooze, expected",
    [
        # 19:32 on a Tuesday: an hour later is 20:32, not Wednesday 08:00
        (datetime(2026, 12, 1, 19, 12, tzinfo=UTC), "1h", "2026-12-01T20:32:00.000000Z"),
        # Tuesday evening: a day later is Wednesday evening, not Thursday
        (datetime(2026, 12, 1, 19, 12, tzinfo=UTC), "1d", "2026-12-02T19:32:00.000000Z"),
        # Friday evening: a week later is next Friday evening
        (datetime(2026, 12, 4, 19, 12, tzinfo=UTC), "1w", "2026-12-11T19:32:00.000000Z"),
    ],
)
def test_a_snooze_is_the_members_own_choice_of_time(driven, clock, set_at, snooze, expected):
    clock.set(set_at)
    driven.command("/nudge", "me to call the council in 20 minutes")
    clock.advance(minutes=20)
    run_tick(driven)
    dm = driven.standin.dms_to(ANA)[-1]
    driven.slack.block_action(ANA, f"nudge_snooze:{snooze}", "1", message=dm)
    snoozed = driven.standin.wait_for_response(lambda r: "Snoozed" in (r.text or ""))
    assert rows(driven)[0]["next_at"] == expected
    assert datetime.fromisoformat(expected).strftime("%H:%M") in snoozed.text
    clock.set(datetime.fromisoformat(expected))
    run_tick(driven)
    assert len(driven.standin.dms_to(ANA)) == 2  # it came when asked, quiet hours or not


def test_a_reminder_moved_out_of_quiet_hours_says_when_and_why(driven, clock):
    reply = driven.command("/nudge", "me to water the plants on Saturday")
    assert "Mon 7 Dec at 08:00" in reply.text
    assert "Saturday is outside your working days" in reply.text
    assert "name a time" in reply.text
    kept = driven.command("/nudge", "me to water the plants on Saturday at 10am")
    assert "Sat 5 Dec at 10:00" in kept.text and "moved" not in kept.text


def test_a_reply_says_how_a_time_was_read(driven, clock):
    reply = driven.command("/nudge", "me to call Pete next Friday")  # said on Tuesday 1 Dec
    assert "Fri 11 Dec at 09:00" in reply.text and "the Friday of next week" in reply.text
    reply = driven.command("/nudge", "me in 3 hours to call <@U0SAM|sam>")
    assert "call <@U0SAM>" in reply.text and "&lt;@U0SAM" not in str(reply.blocks)

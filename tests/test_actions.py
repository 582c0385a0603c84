"""``/action`` end to end: signed requests over HTTP in, Web API calls and replies out."""

from __future__ import annotations

import pytest

from handlers import ids
from storage.db import immediate
from tests.conftest import ANA, GROUPIE, PETE, SAM, STEER

CHARTER = "Draft our response to the Digital Inclusion Charter <@U0PETE|pete> by Friday #inclusion"


def actions(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("actions").rows_where(order_by="id"))


def events(bot, action_id: int) -> list[str]:
    with bot.db() as db:
        return [
            e["kind"]
            for e in db.table("action_events").rows_where(
                "action_id = ?", [action_id], order_by="id"
            )
        ]


def test_create_with_owner_due_date_and_workstream(bot):
    reply = bot.command("/action", CHARTER)
    assert reply.response_type == "ephemeral"
    assert "A1" in reply.text and "<@U0PETE>" in reply.text
    [row] = actions(bot)
    assert row["title"] == "Draft our response to the Digital Inclusion Charter"
    assert (row["owner_id"], row["creator_id"]) == (PETE, ANA)
    assert row["due"] == "2026-12-04"  # the pinned clock is Tuesday 1 December 2026
    assert row["workstream"] == "inclusion"
    assert row["team_id"] == "T0001"
    # the new owner hears about it by DM, with a Done button
    dm = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == PETE)
    assert "A1" in dm.params["text"]
    assert '"action_done:1"' in str(dm.params["blocks"]).replace("'", '"')


def test_owner_defaults_to_the_caller_and_no_dm_is_sent(bot):
    bot.command("/action", "Plan the show and tell")
    [row] = actions(bot)
    assert row["owner_id"] == ANA and row["due"] is None and row["workstream"] is None
    assert bot.standin.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    "text, due",
    [
        ("Book the room by next Tuesday", "2026-12-08"),
        ("Book the room by in 2 weeks", "2026-12-15"),
        ("Book the room by 4 Dec", "2026-12-04"),
        ("Book the room by 2026-12-04", "2026-12-04"),
    ],
)
def test_due_dates_as_people_type_them(bot, text, due):
    bot.command("/action", text)
    assert actions(bot)[0]["title"] == "Book the room"
    assert actions(bot)[0]["due"] == due


def test_dates_are_read_in_the_callers_time_zone(bot, clock):
    from datetime import UTC, datetime

    # 03:00 UTC on Wednesday is still Tuesday evening in New York
    clock.set(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    bot.command("/action", "Call the CDO by tomorrow", user=SAM)
    bot.command("/action", "Call the CDO by tomorrow", user=ANA)
    assert [a["due"] for a in actions(bot)] == ["2026-12-02", "2026-12-03"]


def test_a_title_that_starts_with_a_verb_is_still_a_title(bot):
    bot.command("/action", "review the budget by Friday")
    bot.command("/action", "list of councils to contact")
    assert [a["title"] for a in actions(bot)] == [
        "review the budget",
        "list of councils to contact",
    ]


@pytest.mark.parametrize(
    "text, says",
    [
        ("by Friday", "title"),
        ("Send the minutes by 31 Feb", "February has no 31st"),
        ("Send the minutes by 2020-01-01", "past"),
        ("x" * 201, "200 characters"),
        ("y" * 4000, "characters"),
        ("Two owners <@U0PETE|pete> <@U0SAM|sam>", "one owner"),
        ("Two streams #a #b", "one workstream"),
        ("Who is @nobody", "don't know who @nobody"),
        ("done A99", "no action A99"),
        ("show 12x", "need an id"),
        ("assign A1", "one person"),
        ("due A1", "When is it due"),
        ("note A1", "What's the note"),
        ("done", "Which action"),
    ],
)
def test_bad_input_is_answered_with_an_example_and_nothing_is_stored(bot, text, says):
    reply = bot.command("/action", text)
    assert reply.response_type == "ephemeral"
    assert says.lower() in reply.text.lower()
    if "no action" not in says:
        assert "example" in reply.text.lower() or "`" in reply.text
    assert actions(bot) == []
    assert "Traceback" not in str(reply.body)


def test_list_filters(bot):
    bot.command("/action", "Mine by Friday", user=ANA)
    bot.command("/action", "For Pete <@U0PETE|pete> #inclusion", user=ANA)
    bot.command("/action", "Pete's own", user=PETE)
    bot.command("/action", "Long ago", user=SAM)
    with bot.db() as db, immediate(db):  # one action overdue, one done
        db.table("actions").update(4, {"due": "2026-11-20"})
    bot.command("/action", "done A1", user=ANA)

    def listed(text, user=ANA):
        return [line for line in bot.command("/action", text, user).text.split("; ")]

    assert "A2 For Pete" in bot.command("/action", "list").text
    assert "A1" not in bot.command("/action", "list").text  # done
    assert "A2" not in bot.command("/action", "list mine").text
    pete = bot.command("/action", "list <@U0PETE|pete>").text
    assert "A2" in pete and "A3" in pete
    assert "A2" in bot.command("/action", "list #inclusion").text
    assert "A3" not in bot.command("/action", "list #inclusion").text
    overdue = bot.command("/action", "list overdue")
    assert "A4" in overdue.text and "overdue" in str(overdue.blocks)
    assert "A1" in bot.command("/action", "list done").text
    assert all(f"A{n}" in bot.command("/action", "list all").text for n in (1, 2, 3, 4))
    # each open line carries a Done button
    buttons = [
        b["accessory"]["action_id"]
        for b in bot.command("/action", "list all").blocks
        if b.get("accessory")
    ]
    assert buttons == ["action_done:2", "action_done:3", "action_done:4"] or set(buttons) == {
        "action_done:2",
        "action_done:3",
        "action_done:4",
    }
    empty = bot.command("/action", "list", STEER).text
    assert empty.startswith("You have no open actions: none you own or created.")
    assert "No completed actions in #nothing." in bot.command("/action", "list done #nothing").text


def test_a_long_list_stays_within_one_message_and_says_how_many_more(bot):
    with bot.db() as db, immediate(db):
        db.table("actions").insert_all(
            {
                "team_id": "T0001",
                "title": f"Action {n}",
                "owner_id": ANA,
                "creator_id": ANA,
                "status": "open",
                "created_at": "2026-12-01T10:00:00.000000Z",
                "updated_at": "2026-12-01T10:00:00.000000Z",
            }
            for n in range(120)
        )
    reply = bot.command("/action", "list")
    assert len(reply.blocks) <= 50
    assert "and 80 more" in str(reply.blocks)


def test_done_reopen_drop_assign_due_note_and_show(bot):
    bot.command("/action", CHARTER)
    assert "done" in bot.command("/action", "done A1", user=PETE).text.lower()
    assert "already" in bot.command("/action", "done 1", user=PETE).text
    bot.command("/action", "reopen A1", user=PETE)
    bot.command("/action", "assign A1 <@U0SAM|sam>", user=ANA)
    bot.command("/action", "due A1 2026-12-18", user=SAM)
    bot.command("/action", "note A1 Spoke to the CDO", user=SAM)
    bot.command("/action", "drop A1", user=STEER)
    [row] = actions(bot)
    assert (row["status"], row["owner_id"], row["due"]) == ("dropped", SAM, "2026-12-18")
    assert "Spoke to the CDO" in row["notes"]
    assert events(bot, 1) == ["created", "done", "reopened", "assigned", "due", "note", "dropped"]
    # Sam hears about being given the action
    bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == SAM)
    shown = bot.command("/action", "show A1", user=GROUPIE)
    history = str(shown.blocks)
    for said in (
        "created it",
        "marked it done",
        "reopened it",
        "gave it to <@U0SAM>",
        "set the due date to 2026-12-18",
        "noted: Spoke to the CDO",
        "dropped it",
    ):
        assert said in history
    assert "<@U0STEER> dropped it" in history


def test_help(bot):
    reply = bot.command("/action", "help")
    for form in ("/action list", "/action done A12", "/action assign", "/action show"):
        assert form in reply.text


@pytest.mark.parametrize(
    "command",
    [
        "done A1",
        "drop A1",
        "reopen A1",
        "assign A1 <@U0SAM|sam>",
        "due A1 in 3 weeks",
        "note A1 mine now",
    ],
)
def test_only_owner_creator_and_steering_may_change(make_bot, command):
    bot = make_bot(steering_group="steering")
    bot.command("/action", CHARTER, user=ANA)  # created by Ana, owned by Pete
    if command.startswith("reopen"):
        bot.command("/action", "done A1", user=ANA)
    before = actions(bot)
    refused = bot.command("/action", command, user=SAM)
    assert "only its owner, its creator or the steering group" in refused.text
    assert actions(bot) == before
    for user in (ANA, PETE, STEER, GROUPIE):  # creator, owner, NUDGE_STEERING, the user group
        reply = bot.command("/action", command, user=user)
        assert "only its owner" not in reply.text, (user, reply.text)
        assert actions(bot) != before, user
        with bot.db() as db, immediate(db):  # put it back for the next person
            db.table("actions").upsert(before[0], pk="id")


def test_the_done_button(bot):
    bot.command("/action", CHARTER)
    dm = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == PETE)
    message = bot.standin.dms_to(PETE)[-1]
    answer = bot.slack.block_action(PETE, "action_done:1", "1", message=message)
    assert answer.status_code == 200
    bot.standin.wait_for_response(lambda r: "Thank you" in (r.text or ""))
    assert actions(bot)[0]["status"] == "done"
    assert dm  # the button came from the DM the owner received
    # a forged button naming an action the clicker may not change is refused
    bot.command("/action", "Ana's own", user=ANA)
    bot.slack.block_action(SAM, "action_done:2", "2", message=message)
    bot.standin.wait_for_response(lambda r: "only its owner" in (r.text or ""))
    assert actions(bot)[1]["status"] == "open"


def test_bare_action_opens_the_modal_and_submitting_it_tracks(bot):
    bot.slack.command("/action", "", ANA)
    opened = bot.standin.wait_for("views.open")
    view = bot.standin.views[-1]
    assert view.callback_id == ids.ACTION_MODAL
    # a past due date and no title come back as field errors, nothing stored
    answer = bot.slack.view_submission(
        ANA,
        view.as_slack("T0001"),
        {ids.ACTION_MODAL_TITLE: "", ids.ACTION_MODAL_DUE: "2020-01-01"},
    )
    assert answer.status_code == 200
    errors = answer.json()["errors"]
    assert set(errors) == {ids.ACTION_MODAL_TITLE, ids.ACTION_MODAL_DUE}
    assert actions(bot) == []
    answer = bot.slack.view_submission(
        ANA,
        view.as_slack("T0001"),
        {
            ids.ACTION_MODAL_TITLE: "Write up the show and tell",
            ids.ACTION_MODAL_OWNER: PETE,
            ids.ACTION_MODAL_DUE: "2026-12-11",
            ids.ACTION_MODAL_WORKSTREAM: "Comms",
            ids.ACTION_MODAL_NOTES: "Slides are in the drive",
        },
    )
    assert answer.status_code == 200 and answer.json()["response_action"] == "update"
    assert "Tracked" in str(answer.json()["view"])  # the answer, in the form
    [row] = actions(bot)
    assert (row["title"], row["owner_id"], row["due"], row["workstream"], row["notes"]) == (
        "Write up the show and tell",
        PETE,
        "2026-12-11",
        "comms",
        "Slides are in the drive",
    )
    assert opened.params["trigger_id"]


def test_track_as_action_shortcut_prefills_the_modal_with_the_message_and_link(bot):
    message = {
        "type": "message",
        "user": PETE,
        "ts": "1764583200.000100",
        "text": "Can someone draft our charter response?",
    }
    bot.slack.message_shortcut(ANA, ids.TRACK_AS_ACTION, message, "C0GENERAL")
    bot.standin.wait_for("views.open")
    bot.standin.wait_for("views.update")  # the link, once Slack gave it
    view = bot.standin.views[-1]
    blob = str(view.view)
    assert "Can someone draft our charter response?" in blob
    assert "C0GENERAL" in blob and "permalink" in blob  # the link back to the message
    answer = bot.slack.view_submission(
        ANA, view.as_slack("T0001"), {ids.ACTION_MODAL_TITLE: "Draft our charter response"}
    )
    assert "Tracked" in str(answer.json()["view"])
    assert "C0GENERAL" in actions(bot)[0]["permalink"]


def test_slack_rate_limiting_the_owner_dm_delays_it_but_does_not_lose_it(bot):
    bot.standin.fail_next("chat.postMessage", status=429, retry_after=1)
    bot.command("/action", CHARTER)
    first = bot.standin.wait_for("chat.postMessage", lambda c: c.status == 429)
    second = bot.standin.wait_for(
        "chat.postMessage", lambda c: c.status == 200 and c.params["channel"] == PETE
    )
    assert second.time - first.time >= 1.0  # waited for Retry-After

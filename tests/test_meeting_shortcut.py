"""**Track actions from this message** wired: the shortcut on a message of minutes, the form
with a row per line (at Slack's 100-block limit too), empty rows skipped, refusals at their
fields, the actions linked back to the message, each owner and lead told once."""

from __future__ import annotations

from bot.console_forms import form_fields
from bot.domain.meetings import MEETING_ROWS
from bot.standin import submit_view
from handlers import ids
from handlers.blocks.meetings import field_id
from tests.conftest import ANA, PETE, SAM, STEER

MINUTES = (
    "*Steering group, 1 Dec*\n"
    "We met the GDS team. Agreed:\n"
    "- <@U0PETE> to draft the reply by Friday #inclusion\n"
    "- sam: book the room for the January meeting\n"
    "- <@U0PETE> send Nicola the slides #inclusion\n"
    "- Write up the notes"
)


def actions(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("actions").rows_where(order_by="id"))


def as_left(view) -> dict:
    """What Slack sends for each field of ``view`` left as it is."""
    return {field.action_id: field.initial for field in form_fields(view.view)}


def open_form(bot, text: str, user: str = STEER):
    message = bot.standin.post_as(user, "C0GENERAL", text)
    answer = bot.slack.message_shortcut(
        user, ids.TRACK_MEETING, message.as_slack(bot.standin.bot_user_id), "C0GENERAL"
    )
    assert answer.status_code == 200
    bot.standin.wait_for("views.update")  # the link back, once Slack gave it
    [form] = bot.standin.open_modals(user)
    return form, message


def test_minutes_become_one_form_and_each_owner_and_lead_hears_once(bot):
    bot.command("/action", "list", SAM)  # Nudge knows Sam by name
    bot.command("/workstream", "add #inclusion Digital inclusion lead <@U0ANA|ana>", STEER)
    form, message = open_form(bot, MINUTES)
    values = as_left(form)
    assert [values[field_id(n, "title")] for n in range(4)] == [
        "Draft the reply",
        "Book the room for the January meeting",
        "Send Nicola the slides",
        "Write up the notes",
    ]
    assert [values[field_id(n, "owner")] for n in range(4)] == [PETE, SAM, PETE, None]
    assert values[field_id(0, "due")] == "2026-12-04"
    assert values[field_id(0, "workstream")] == "inclusion"  # picked in the select

    refused = submit_view(
        bot.standin, bot.slack, STEER, form, {**values, field_id(1, "due"): "2026-11-02"}
    )
    assert list(refused.errors) == [field_id(1, "due")] and actions(bot) == []

    done = submit_view(bot.standin, bot.slack, STEER, form, {**values, field_id(3, "title"): ""})
    summary = str(done.showing.view["blocks"])  # the form became its answer
    assert "Tracked 3 actions from the meeting. 2 people have been told of theirs." in summary
    tracked = actions(bot)
    assert [(a["title"], a["owner_id"], a["workstream"]) for a in tracked] == [
        ("Draft the reply", PETE, "inclusion"),
        ("Book the room for the January meeting", SAM, None),
        ("Send Nicola the slides", PETE, "inclusion"),
    ]
    link = f"https://nudge-test.slack.com/archives/C0GENERAL/p{message.ts.replace('.', '')}"
    assert {a["permalink"] for a in tracked} == {link}
    bot.standin.wait_for("chat.postMessage", lambda c: c.params.get("channel") == ANA)
    bot.settle()
    [to_pete] = bot.standin.dms_to(PETE)
    assert "has given you 2 actions from a meeting" in to_pete.text and link in str(to_pete.blocks)
    [to_sam] = bot.standin.dms_to(SAM)
    assert "has given you an action" in to_sam.text
    [to_lead] = bot.standin.dms_to(ANA)
    assert "added 2 actions to #inclusion" in to_lead.text
    assert bot.standin.dms_to(STEER) == []  # the member who tracked them had the answer


def test_the_form_at_its_size_limit_holds_24_lines_and_says_what_was_left_out(bot):
    lines = "\n".join(f"- Action number {n} to follow up" for n in range(1, 31))
    form, _ = open_form(bot, "Minutes\n" + lines)
    assert len(form.view["blocks"]) == 2 + 4 * MEETING_ROWS == 98  # Slack allows 100
    assert "the last 6 are left out" in str(form.view["blocks"][1])
    done = submit_view(bot.standin, bot.slack, STEER, form, as_left(form))
    assert "Tracked 24 actions" in str(done.showing.view["blocks"])
    tracked = actions(bot)
    assert len(tracked) == MEETING_ROWS
    assert tracked[-1]["title"] == "Action number 24 to follow up"


def test_a_message_with_nothing_to_read_gets_one_row_and_an_empty_form_tracks_nothing(bot):
    form, _ = open_form(bot, ":+1:")
    assert sum(b["type"] == "input" for b in form.view["blocks"]) == 4
    done = submit_view(bot.standin, bot.slack, STEER, form, as_left(form))
    assert "nothing was tracked" in str(done.showing.view["blocks"])
    assert actions(bot) == []

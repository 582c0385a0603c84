"""The member's answer travels in the acknowledgement itself: one round trip.

Slack shows a slash command's acknowledgement body as the reply, so a command needs no
second request to its response URL. What the member does not wait for (the DM to a new
owner, republished App Homes) happens after the answer, and still happens. A button's
new message goes through its response URL: Slack takes no message in a ``block_actions``
acknowledgement. A form's answer is its ``response_action``.
"""

from __future__ import annotations

import json

import pytest

from handlers import ids
from tests.conftest import ANA, PETE, STEER

# One of each kind of verb, typed as members type them; every corpus phrase is checked the
# same way by tests/test_wording.py.
COMMANDS = [
    ("/action", "Draft the inclusion charter <@U0PETE|pete> by Friday"),
    ("/action", "list"),
    ("/action", "list all"),
    ("/action", "done A1"),
    ("/action", "search charter"),
    ("/action", "help"),
    ("/action", "frobnicate the thing by yesterday"),
    ("/reflect", "Councils learn fastest from each other's failures"),
    ("/reflect", "list"),
    ("/nudge", "me tomorrow at 9am to call Pete"),
    ("/nudge", "list"),
    ("/nudge", "help"),
    ("/digest", "settings"),
]


def ack_reply(answer) -> dict:
    """The reply a command's acknowledgement carries (the HTTP body Slack shows)."""
    assert answer.status_code == 200, answer.text
    body = json.loads(answer.content)
    assert body.get("text"), body
    return body


@pytest.mark.parametrize("command,text", COMMANDS)
def test_each_command_is_answered_in_its_acknowledgement(bot, command, text):
    bot.command("/action", "Draft the inclusion charter <@U0PETE|pete> by Friday")
    url = bot.standin.response_url(f"answer-{command[1:]}")
    answer = bot.slack.command(command, text, PETE, response_url=url)
    reply = ack_reply(answer)
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    shown = [r for r in bot.standin.responses if r.key == bot.standin.response_key(url)]
    assert [r.via for r in shown] == ["ack"], shown  # and no post to the response URL
    assert not bot.standin.protocol_errors


def test_the_side_effects_of_a_create_still_happen_after_the_answer(bot):
    answer = bot.slack.command("/action", "Book the room <@U0PETE|pete> by Friday", ANA)
    reply = ack_reply(answer)
    assert "A1" in reply["text"]
    dm = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == PETE)
    assert "Book the room" in json.dumps(dm.params)
    for member in (ANA, PETE):  # the creator's and the owner's homes, republished
        bot.standin.wait_for("views.publish", lambda c, m=member: c.params["user_id"] == m)
    assert [r.via for r in bot.standin.responses] == ["ack"]


def test_a_slow_slack_does_not_hold_the_answer_back(bot):
    """Slack taking 2 s a call: the answer is in the ack before the owner's DM is sent."""
    bot.standin.delay(2.0, "chat.postMessage")
    bot.standin.delay(2.0, "views.publish")
    answer = bot.slack.command("/action", "Write up the visit <@U0PETE|pete>", ANA)
    assert "A1" in ack_reply(answer)["text"]
    answered = len(bot.standin.calls_to("chat.postMessage"))
    bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == PETE, timeout=10)
    assert answered == 0  # the DM was still on its way when the member had the answer


def test_an_error_is_answered_in_the_acknowledgement_too(bot):
    reply = ack_reply(bot.slack.command("/action", "done A99", ANA))
    assert "A99" in reply["text"]
    assert [r.via for r in bot.standin.responses] == ["ack"]


def test_a_button_is_acknowledged_empty_and_answered_through_its_response_url(bot):
    bot.command("/action", "Send the slides <@U0PETE|pete>", ANA)
    bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == PETE)
    message = bot.standin.dms_to(PETE)[-1]
    answer = bot.slack.block_action(PETE, f"{ids.ACTION_DONE}:1", "1", message=message)
    assert answer.status_code == 200 and not answer.content.strip()
    said = bot.standin.wait_for_response(lambda r: r.via == "response_url")
    assert "Marked done. Thank you! :tada: What did you learn?" in said.text
    bot.standin.wait_for("views.publish", lambda c: c.params["user_id"] == PETE)


def test_an_event_is_acknowledged_at_once_and_handled_after(bot):
    bot.standin.delay(2.0, "views.publish")
    answer = bot.slack.event({"type": "app_home_opened", "user": STEER, "tab": "home"})
    assert answer.status_code == 200
    published = len(bot.standin.calls_to("views.publish"))
    bot.standin.wait_for("views.publish", lambda c: c.params["user_id"] == STEER, timeout=10)
    assert published == 0  # acknowledged while the Home was still being published

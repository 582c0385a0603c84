"""A modal submitted and closed as Slack does it (``bot.standin.modals``).

With the real bot: the view_submission is signed and sent, field errors keep the form open
under the fields named, and a clean submission closes it. With a Bolt app that answers as
a test tells it: ``update``, ``push`` and ``clear`` honoured, and an answer Slack would not
accept failing the test as a protocol error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.console_forms import form_fields
from bot.standin import SlackSender, SlackStandIn, close_view, state_values, submit_view
from handlers import ids
from handlers.nudges import tick
from tests.conftest import ANA, PETE

SECRET = "test-signing-secret-for-modals"


def opened_for(bot, user: str):
    """The modal ``user`` has open, once the bot has opened (and filled) it."""
    bot.standin.wait_for("views.open")
    [view] = bot.standin.open_modals(user)
    return view


def actions(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("actions").rows_where(order_by="id"))


# --- the real bot -------------------------------------------------------------------------


def answer_shown(submitted) -> str:
    """The answer an accepted form shows in its place: a view with no inputs, only Close."""
    assert submitted.showing is not None and not submitted.errors and not submitted.failed
    view = submitted.showing.view
    assert "submit" not in view and view["close"]["text"] == "Close"
    assert not form_fields(view)
    return str(view["blocks"])


def test_a_submission_the_bot_accepts_becomes_its_answer_with_no_second_request(bot):
    bot.slack.command("/action", "", ANA, response_url=bot.standin.response_url("cmd"))
    view = opened_for(bot, ANA)

    submitted = submit_view(
        bot.standin,
        bot.slack,
        ANA,
        view,
        {ids.ACTION_MODAL_TITLE: "Plan the show and tell", ids.ACTION_MODAL_DUE: "2026-12-04"},
    )

    assert "Tracked" in answer_shown(submitted) and submitted.showing is view
    assert bot.standin.responses == []  # nothing through the command's response URL
    [row] = actions(bot)
    assert (row["title"], row["due"], row["owner_id"]) == (
        "Plan the show and tell",
        "2026-12-04",
        ANA,
    )


def test_field_errors_keep_the_form_open_with_a_message_under_the_field(bot):
    bot.slack.command("/action", "", ANA)
    view = opened_for(bot, ANA)
    values = {ids.ACTION_MODAL_TITLE: "Plan it", ids.ACTION_MODAL_DUE: "2026-11-02"}

    refused = submit_view(bot.standin, bot.slack, ANA, view, values)

    assert refused.showing is view and not view.closed
    assert refused.errors == {ids.ACTION_MODAL_DUE: "That date has passed; pick today or later."}
    assert actions(bot) == []
    accepted = submit_view(
        bot.standin, bot.slack, ANA, view, {**values, ids.ACTION_MODAL_DUE: None}
    )
    assert "Tracked" in answer_shown(accepted)
    assert [a["title"] for a in actions(bot)] == ["Plan it"]


def test_a_form_opened_from_a_button_is_the_clicking_members_and_sends_the_chosen_option(bot):
    bot.command("/action", "Draft the charter response <@U0PETE|pete>")
    dm = bot.standin.dms_to(PETE)[-1]
    bot.slack.block_action(PETE, f"{ids.ACTION_DONE}:1", "1", message=dm)
    done = bot.standin.wait_for_response(lambda r: "What did you learn?" in (r.text or ""))
    bot.slack.block_action(PETE, ids.ACTION_LEARNED, "1", message=dm)
    view = opened_for(bot, PETE)
    assert bot.standin.open_modals(ANA) == [] and view.user_id == PETE and done
    state = state_values(view.view, {ids.REFLECT_MODAL_VISIBILITY: "shared"})

    saved = submit_view(
        bot.standin,
        bot.slack,
        PETE,
        view,
        {ids.REFLECT_MODAL_TEXT: "Start from their words", ids.REFLECT_MODAL_VISIBILITY: "shared"},
    )

    with bot.db() as db:
        [row] = list(db.table("reflections").rows)
    assert (row["text"], row["shared"], row["action_id"]) == ("Start from their words", 1, 1)
    assert "Start from their words" in answer_shown(saved)
    chosen = state[ids.REFLECT_MODAL_VISIBILITY][ids.REFLECT_MODAL_VISIBILITY]["selected_option"]
    assert chosen["text"]["text"] == "Shared with the network"  # as the view offered it


def kept_as_shown(view) -> dict:
    """What the console submits when every field is left as the form shows it."""
    return {(f.block_id, f.action_id): f.initial for f in form_fields(view.view)}


def test_new_due_date_on_an_overdue_nudge_is_refused_for_a_past_date_then_saved(driven, clock):
    driven.command("/action", "Draft the charter response <@U0PETE|pete> by Friday")  # 4 Dec
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday, 09:00 in London: overdue
    tick(driven.runtime.deps)
    [dm] = driven.standin.dms_to(PETE)[-1:]
    driven.slack.block_action(PETE, ids.NUDGE_NEW_DUE, "1", message=dm)
    view = opened_for(driven, PETE)
    assert kept_as_shown(view) == {(ids.NUDGE_DUE_DATE, ids.NUDGE_DUE_DATE): "2026-12-07"}

    refused = submit_view(
        driven.standin, driven.slack, PETE, view, {ids.NUDGE_DUE_DATE: "2026-12-01"}
    )
    saved = submit_view(
        driven.standin, driven.slack, PETE, view, {ids.NUDGE_DUE_DATE: "2026-12-11"}
    )

    assert list(refused.errors) == [ids.NUDGE_DUE_DATE] and refused.showing is view
    assert "New due date set" in answer_shown(saved)
    driven.standin.wait_for("views.publish", lambda c: c.params["user_id"] == PETE)
    with driven.db() as db:
        assert db.table("actions").get(1)["due"] == "2026-12-11"


def test_track_as_action_on_a_follow_up_submits_as_prefilled(driven, clock):
    driven.command("/nudge", "follow up with <@U0PETE|pete> about the charter in 5 minutes")
    clock.advance(minutes=5)
    tick(driven.runtime.deps)
    message = driven.standin.dms_to(ANA)[-1]
    driven.slack.block_action(ANA, ids.NUDGE_TRACK, "1", message=message)
    driven.standin.wait_for("views.update")  # Pete's name, once Slack said it
    [view] = driven.standin.open_modals(ANA)

    submitted = submit_view(driven.standin, driven.slack, ANA, view, kept_as_shown(view))

    assert "Tracked" in answer_shown(submitted)
    with driven.db() as db:
        [action] = db.table("actions").rows
    assert action["title"] == "Follow up with pete about the charter"


# --- what Slack does with each answer -----------------------------------------------------


def modal(title: str, callback_id: str = "form", **extra: Any) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Next"},
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {"type": "plain_text_input", "action_id": "name"},
            }
        ],
        **extra,
    }


@pytest.fixture
def told(standin: SlackStandIn) -> Iterator[tuple[dict, list, SlackSender]]:
    """A Bolt app whose view handler acks with ``answer["ack"]``; ``/open`` opens a modal."""

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    answer: dict[str, Any] = {"ack": {}, "open": modal("First")}
    heard: list[str] = []
    app = App(
        signing_secret=SECRET,
        client=WebClient(token=standin.bot_token, base_url=standin.api_url),
        token_verification_enabled=False,
    )

    @app.command("/open")
    def on_open(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=answer["open"])

    @app.view("form")
    def on_submit(ack, view):
        heard.append(f"submitted {view['title']['text']}")
        ack(**answer["ack"])

    @app.view_closed("form")
    def on_closed(ack, view):
        ack()
        heard.append(f"closed {view['title']['text']}")

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    sender = SlackSender(f"http://127.0.0.1:{server.server_port}/slack/events", SECRET, standin)
    yield answer, heard, sender
    server.shutdown()
    server.server_close()


def first_modal(standin: SlackStandIn, sender: SlackSender):
    assert sender.command("/open", "", "U1").status_code == 200
    standin.wait_for("views.open")
    return standin.open_modals("U1")[-1]


def test_update_replaces_the_form_in_place(standin, told):
    answer, heard, sender = told
    first = first_modal(standin, sender)
    answer["ack"] = {"response_action": "update", "view": modal("Second")}

    submitted = submit_view(standin, sender, "U1", first, {"name": "Ana"})

    assert submitted.showing is first and not first.closed
    assert first.view["title"]["text"] == "Second" and first.revision == 2
    assert heard == ["submitted First"]


def test_push_puts_a_view_on_top_and_closing_it_shows_the_one_below(standin, told):
    answer, heard, sender = told
    first = first_modal(standin, sender)
    answer["ack"] = {"response_action": "push", "view": modal("Second")}

    pushed = submit_view(standin, sender, "U1", first, {"name": "Ana"}).showing

    assert standin.open_modals("U1") == [first, pushed]
    assert pushed.previous_view_id == first.view_id
    assert pushed.as_slack(standin.team_id)["root_view_id"] == first.view_id
    answer["ack"] = {}
    assert submit_view(standin, sender, "U1", pushed, {"name": "Ana"}).showing is first
    assert standin.open_modals("U1") == [first]


def test_clear_closes_every_view_of_the_stack(standin, told):
    answer, heard, sender = told
    first = first_modal(standin, sender)
    answer["ack"] = {"response_action": "push", "view": modal("Second")}
    pushed = submit_view(standin, sender, "U1", first, {"name": "Ana"}).showing
    answer["ack"] = {"response_action": "clear"}

    assert submit_view(standin, sender, "U1", pushed, {"name": "Ana"}).showing is None
    assert standin.open_modals("U1") == [] and first.closed and pushed.closed


def test_a_fourth_view_on_the_stack_is_refused(standin, told):
    answer, heard, sender = told
    standin.expect_protocol_errors()
    top = first_modal(standin, sender)
    answer["ack"] = {"response_action": "push", "view": modal("More")}
    for _ in range(2):
        top = submit_view(standin, sender, "U1", top, {"name": "Ana"}).showing

    refused = submit_view(standin, sender, "U1", top, {"name": "Ana"})

    assert refused.failed and len(standin.open_modals("U1")) == 3
    assert [e.error for e in standin.protocol_errors] == ["push_limit_reached"]


LONG_TITLE = modal("A title far too long for Slack")  # a modal's title: 24 characters at most


@pytest.mark.parametrize(
    "ack, error",
    [
        ({"response_action": "errors", "errors": {"nowhere": "Oops"}}, "invalid_arguments"),
        ({"response_action": "update", "view": LONG_TITLE}, "invalid_arguments"),
        ({"response_action": "replace"}, "invalid_response_action"),
    ],
    ids=["errors naming no input", "an invalid view", "an unknown action"],
)
def test_an_answer_slack_would_not_accept_is_a_protocol_error(standin, told, ack, error):
    answer, heard, sender = told
    standin.expect_protocol_errors()
    first = first_modal(standin, sender)
    answer["ack"] = ack

    submitted = submit_view(standin, sender, "U1", first, {"name": "Ana"})

    assert submitted.failed == "We had some trouble connecting. Try again?"
    assert [e.error for e in standin.protocol_errors] == [error]
    assert not first.closed


def test_closing_tells_the_app_only_when_the_view_asked(standin, told):
    answer, heard, sender = told
    quiet = first_modal(standin, sender)
    close_view(standin, sender, "U1", quiet)
    answer["open"] = modal("Asks", notify_on_close=True)
    asks = first_modal(standin, sender)

    close_view(standin, sender, "U1", asks)

    assert quiet.closed and asks.closed and heard == ["closed Asks"]

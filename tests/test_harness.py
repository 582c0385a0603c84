"""Tests of the loopback Slack harness itself, through the real slack_sdk and slack_bolt."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from bot.standin import SlackSender, SlackStandIn, command_payload, sign
from tests.slack import SocketModeServer

SECRET = "test-signing-secret"


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=standin.bot_token, base_url=standin.api_url)


# --- Web API ------------------------------------------------------------------------------


def test_a_valid_message_is_posted_and_remembered(standin, client):
    answer = client.chat_postMessage(channel="C1", text="Hello", blocks=[section("*Hello*")])

    assert answer["ok"] and answer["channel"] == "C1"
    [message] = standin.messages_to("C1")
    assert message.ts == answer["ts"] and message.blocks[0]["text"]["text"] == "*Hello*"
    assert standin.wait_for("chat.postMessage").params["text"] == "Hello"


def test_a_post_to_a_user_lands_in_their_dm(standin, client):
    channel = client.conversations_open(users="U1")["channel"]["id"]
    client.chat_postMessage(channel=channel, text="psst")
    client.chat_postMessage(channel="U1", text="again")

    assert [m.text for m in standin.dms_to("U1")] == ["psst", "again"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (
            {"channel": "C1", "text": "x", "blocks": [section(f"{i}") for i in range(51)]},
            "invalid_blocks",
        ),
        ({"text": "no channel"}, "invalid_arguments"),
        ({"channel": "C1"}, "no_text"),
        ({"channel": "C1", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C1", "text": "x", "blocks": [section("x" * 3001)]}, "invalid_blocks"),
        ({"channel": "C1", "text": "x", "blocks": [{"type": "bogus"}]}, "invalid_blocks"),
        (
            {
                "channel": "C1",
                "text": "x",
                "blocks": [
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "A"},
                                "action_id": "same",
                            },
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "B"},
                                "action_id": "same",
                            },
                        ],
                    }
                ],
            },
            "invalid_blocks",
        ),
    ],
    ids=[
        "51 blocks",
        "no channel",
        "no text",
        "long text",
        "long section",
        "bad type",
        "dup action",
    ],
)
def test_malformed_messages_are_protocol_errors(standin, client, kwargs, error):
    standin.expect_protocol_errors()

    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessage", json=kwargs)  # JSON body, as Bolt's say() may send

    assert raised.value.response["error"] == error
    assert [e.error for e in standin.protocol_errors] == [error]
    assert standin.messages_to("C1") == []


def test_a_bad_token_is_a_protocol_error(standin):
    standin.expect_protocol_errors()
    stranger = WebClient(token="xoxb-wrong", base_url=standin.api_url)

    with pytest.raises(SlackApiError) as raised:
        stranger.auth_test()

    assert raised.value.response["error"] == "invalid_auth"
    assert standin.protocol_errors[0].error == "invalid_auth"


def test_a_long_modal_title_is_a_protocol_error(standin, client):
    standin.expect_protocol_errors()
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}

    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=standin.trigger_id(), view=view)

    assert raised.value.response["error"] == "invalid_arguments"
    assert "/view/title/text" in str(standin.protocol_errors[0])


def test_a_modal_with_inputs_needs_submit(standin, client):
    standin.expect_protocol_errors()
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New action"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"},
            }
        ],
    }
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=standin.trigger_id(), view=view)

    opened = client.views_open(
        trigger_id=standin.trigger_id(),
        view={**view, "submit": {"type": "plain_text", "text": "Save"}},
    )
    assert opened["view"]["id"] == standin.views[0].view_id
    assert [e.error for e in standin.protocol_errors] == ["invalid_arguments"]


def test_views_update_and_publish(standin, client):
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "One"}, "blocks": []}
    view_id = client.views_open(trigger_id=standin.trigger_id(), view=modal)["view"]["id"]
    client.views_update(view_id=view_id, view={**modal, "blocks": [section("two")]})
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("home")]})

    assert standin.view(view_id).view["blocks"] == [section("two")]
    assert standin.home_of("U1").view["blocks"] == [section("home")]


def test_business_errors_are_answered_but_not_protocol_errors(standin, client):
    standin.add_user("U1", "alice", tz="America/New_York")
    standin.fail_method(
        "chat.postMessage", "channel_not_found", when=lambda p: p["channel"] == "C0GONE"
    )

    assert client.users_info(user="U1")["user"]["tz"] == "America/New_York"
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U404")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="C0GONE", text="hi")
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C1", ts="1.000001", text="hi")
    assert standin.protocol_errors == []


def test_usergroups(standin, client):
    standin.add_usergroup("S1", "steering", ["U1", "U2"])

    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    assert client.usergroups_list()["usergroups"][0]["handle"] == "steering"


def test_429_is_retried_after_retry_after(standin):
    client = WebClient(
        token=standin.bot_token,
        base_url=standin.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    standin.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]

    assert time.monotonic() - started >= 1
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429, 200]


def test_fail_every_and_server_errors(standin, client):
    standin.fail_every(2, "auth.test", status=503)
    standin.fail_next("users.info", error="fatal_error")

    results = []
    for _ in range(4):
        try:
            results.append(client.auth_test()["ok"])
        except SlackApiError as error:
            results.append(error.response.status_code)
    assert results == [True, 503, True, 503]
    with pytest.raises(SlackApiError, match="fatal_error"):
        client.users_info(user="U1")


def test_files_upload_v2_round_trips_content(standin, client):
    client.files_upload_v2(
        channel="D0U1", filename="actions.csv", title="Actions", content="id,title\nA1,Draft\n"
    )

    [uploaded] = standin.files
    assert (uploaded.filename, uploaded.title, uploaded.channel) == (
        "actions.csv",
        "Actions",
        "D0U1",
    )
    assert uploaded.content == b"id,title\nA1,Draft\n"


def test_refuse_and_accept_simulate_an_outage(standin, client):
    standin.refuse()
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{standin.api_url}auth.test", timeout=1)
    standin.accept()

    assert client.auth_test()["ok"]


def test_response_urls_are_recorded_and_checked(standin):
    standin.expect_protocol_errors()
    url = standin.response_url("cmd")

    assert httpx.post(url, json={"text": "done", "response_type": "ephemeral"}).status_code == 200
    assert httpx.post(url, json={"response_type": "in_channel"}).status_code == 400

    assert standin.wait_for_response(lambda r: r.key == "cmd").text == "done"
    assert [e.error for e in standin.protocol_errors] == ["invalid_blocks"]


def test_wait_for_times_out_with_what_was_seen(standin, client):
    client.auth_test()

    with pytest.raises(AssertionError, match="auth.test ok"):
        standin.wait_for("chat.postMessage", timeout=0.1)


# --- signing ------------------------------------------------------------------------------


def test_signed_requests_verify_and_tampered_ones_do_not():
    verifier = SignatureVerifier(SECRET)
    body = b"command=%2Faction&text=list"
    headers = sign(SECRET, body)

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)
    assert not verifier.is_valid_request(body, sign(SECRET, body, int(time.time()) - 600))


class _Recorder(ThreadingHTTPServer):
    """A bot stand-in that verifies signatures like Bolt does and records the requests."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler

        recorder = self
        self.seen: list[tuple[dict[str, str], bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers.items())
                recorder.seen.append((headers, body))
                ok = SignatureVerifier(SECRET).is_valid_request(body, headers)
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_sender_signs_realistic_payloads(standin, recorder):
    sender = SlackSender(
        f"http://127.0.0.1:{recorder.server_address[1]}/slack/events", SECRET, standin
    )

    assert sender.command("/action", "list", "U1").status_code == 200
    assert sender.tampered().command("/action", "list", "U1").status_code == 401
    assert sender.late().command("/action", "list", "U1").status_code == 401
    assert sender.event({"type": "app_home_opened", "user": "U1"}, retry_num=1).status_code == 200

    command = dict(httpx.QueryParams(recorder.seen[0][1].decode()))
    assert command["response_url"].startswith(standin.url) and command["trigger_id"]
    headers, body = recorder.seen[-1]
    assert headers["X-Slack-Retry-Num"] == "1"
    assert json.loads(body)["event"]["type"] == "app_home_opened"


# --- Socket Mode --------------------------------------------------------------------------


def test_bolt_socket_mode_acks_and_reconnects(standin, socket_server: SocketModeServer):
    app = App(
        token=standin.bot_token,
        client=WebClient(token=standin.bot_token, base_url=standin.api_url),
        token_verification_enabled=False,
    )
    heard: list[str] = []

    @app.command("/action")
    def on_action(ack, command):
        ack("Got it")
        heard.append(command["text"])

    handler = SocketModeHandler(app, standin.app_token)
    try:
        handler.connect()
        socket_server.wait_for_connections(1)
        payload = command_payload(
            "/action",
            "list",
            "U1",
            response_url=standin.response_url(),
            trigger_id=standin.trigger_id(),
        )

        started = time.monotonic()
        ack = socket_server.wait_for_ack(socket_server.send_envelope("slash_commands", payload))
        assert time.monotonic() - started < 3
        assert ack["payload"] == {"text": "Got it"} and heard == ["list"]

        socket_server.disconnect()
        socket_server.wait_for_connections(2)
        envelope_id = socket_server.send_envelope("slash_commands", payload)
        assert socket_server.wait_for_ack(envelope_id)["envelope_id"] == envelope_id
        assert len(standin.calls_to("apps.connections.open")) == 2
    finally:
        handler.close()


# --- a Bolt app over HTTP, end to end -----------------------------------------------------


@pytest.fixture
def bolt_over_http(standin: SlackStandIn) -> Iterator[tuple[App, SlackSender]]:
    """A Bolt app served by wsgiref on loopback, and a sender pointed at it."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    app = App(
        signing_secret=SECRET,
        client=WebClient(token=standin.bot_token, base_url=standin.api_url),
        token_verification_enabled=False,
    )
    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield app, SlackSender(f"http://127.0.0.1:{server.server_port}/slack/events", SECRET, standin)
    server.shutdown()
    server.server_close()


def test_bolt_accepts_every_kind_of_payload_the_sender_builds(standin, bolt_over_http):
    app, sender = bolt_over_http
    seen: list[str] = []
    modal = {
        "type": "modal",
        "callback_id": "new_action",
        "title": {"type": "plain_text", "text": "New action"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "b_title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"},
            },
            {
                "type": "input",
                "block_id": "b_owner",
                "label": {"type": "plain_text", "text": "Owner"},
                "element": {"type": "users_select", "action_id": "owner"},
            },
        ],
    }

    @app.command("/action")
    def on_command(ack, body, respond, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal)
        respond("Opening the form")

    @app.view("new_action")
    def on_submit(ack, view):
        ack()
        values = view["state"]["values"]
        seen.append(
            f"{values['b_title']['title']['value']} / {values['b_owner']['owner']['selected_user']}"
        )

    @app.action("done")
    def on_done(ack, body, respond):
        ack()
        seen.append(f"done {body['actions'][0]['value']}")
        respond(replace_original=True, text="Done")

    @app.shortcut("track_message")
    def on_shortcut(ack, shortcut):
        ack()
        seen.append(f"shortcut {shortcut['message']['text']}")

    @app.event("app_home_opened")
    def on_home(event):
        seen.append(f"home {event['user']}")

    assert sender.command("/action", "", "U1").status_code == 200
    standin.wait_for_response(lambda r: r.text == "Opening the form")
    opened = standin.wait_for("views.open")
    view = standin.views[0].as_slack(standin.team_id)
    assert opened.params["view"]["callback_id"] == "new_action"

    assert sender.view_submission("U1", view, {"title": "Draft", "owner": "U2"}).status_code == 200

    standin.add_user("U1", "alice")
    message = WebClient(token=standin.bot_token, base_url=standin.api_url).chat_postMessage(
        channel="U1",
        text="A1 Draft",
        blocks=[
            {
                "type": "actions",
                "block_id": "a1",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Done"},
                        "action_id": "done",
                        "value": "A1",
                    }
                ],
            }
        ],
    )
    assert (
        sender.block_action("U1", "done", "A1", message=standin.dms_to("U1")[-1]).status_code == 200
    )
    standin.wait_for_response(lambda r: r.replace_original and r.text == "Done")
    assert (
        sender.message_shortcut("U1", "track_message", message["message"], "D0U1").status_code
        == 200
    )
    assert sender.event({"type": "app_home_opened", "user": "U1", "tab": "home"}).status_code == 200

    deadline = time.monotonic() + 3
    while len(seen) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen == ["Draft / U2", "done A1", "shortcut A1 Draft", "home U1"]
    assert sender.tampered().command("/action", "", "U1").status_code == 401
    assert sender.late().command("/action", "", "U1").status_code == 401

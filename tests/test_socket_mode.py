"""Socket Mode, the default runtime, against a loopback server speaking Slack's protocol."""

from __future__ import annotations

import json
import time

import pytest

from bot.runtime import Runtime
from bot.standin import command_payload
from tests.conftest import ANA, make_settings


@pytest.fixture
def socket_bot(tmp_path, standin, socket_server, people, clock):
    runtime = Runtime(
        make_settings(tmp_path, standin.api_url, signing_secret=None), clock=clock
    ).start()
    socket_server.wait_for_connections(1)
    yield runtime
    runtime.stop()


def send_command(standin, server, text: str) -> float:
    """Send ``/action text`` as an envelope; Slack shows the ack's payload as the reply."""
    url = standin.response_url()
    payload = command_payload(
        "/action", text, ANA, response_url=url, trigger_id=standin.trigger_id()
    )
    started = time.monotonic()
    envelope_id = server.send_envelope("slash_commands", payload)
    ack = server.wait_for_ack(envelope_id, timeout=3.0)
    waited = time.monotonic() - started
    standin.acknowledged(standin.response_key(url), json.dumps(ack.get("payload") or {}).encode())
    return waited


def test_a_slash_command_is_acked_within_three_seconds_and_handled(
    socket_bot, standin, socket_server
):
    waited = send_command(standin, socket_server, "Plan the show and tell by Friday")
    assert waited < 3.0
    reply = standin.wait_for_response(lambda r: "Tracked" in (r.text or ""))
    assert "A1" in reply.text and reply.via == "ack"  # the answer rode in the envelope's ack
    assert standin.calls_to("apps.connections.open")  # with the app token, or it would fail


def test_it_reconnects_after_disconnect(socket_bot, standin, socket_server):
    socket_server.disconnect()
    socket_server.wait_for_connections(2, timeout=10)
    assert len(standin.calls_to("apps.connections.open")) >= 2
    send_command(standin, socket_server, "Still here after the reconnect")
    standin.wait_for_response(lambda r: "Still here" in (r.text or ""))

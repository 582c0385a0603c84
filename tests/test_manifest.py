"""``manifest.yml`` and the listeners agree: what Slack is told about is handled, and back."""

from __future__ import annotations

from pathlib import Path

import yaml

from handlers import ids
from tests.conftest import ANA

MANIFEST = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text())


def test_the_manifest_declares_exactly_what_the_bot_handles():
    features = MANIFEST["features"]
    assert {c["command"] for c in features["slash_commands"]} == set(ids.COMMANDS)
    assert all(c["should_escape"] is True for c in features["slash_commands"])
    assert {s["callback_id"] for s in features.get("shortcuts", [])} == set(ids.SHORTCUTS)
    events = MANIFEST["settings"].get("event_subscriptions", {}).get("bot_events", [])
    assert set(events) == set(ids.EVENTS)
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    if ids.EVENTS:
        assert features["app_home"]["home_tab_enabled"] is True


def test_every_declared_command_shortcut_and_event_is_handled(bot):
    for command in ids.COMMANDS:
        assert bot.slack.command(command, "help", ANA).status_code == 200, command
        reply = bot.standin.wait_for_response(lambda r, c=command: c in (r.text or ""))
        assert reply.response_type == "ephemeral"
    message = {"type": "message", "user": ANA, "ts": "1764583200.000100", "text": "hello"}
    for callback_id in ids.SHORTCUTS:
        answer = bot.slack.message_shortcut(ANA, callback_id, message, "C0GENERAL")
        assert answer.status_code == 200, callback_id
    for event in ids.EVENTS:
        answer = bot.slack.event({"type": event, "user": ANA, "tab": "home"})
        assert answer.status_code == 200, event


def test_an_undeclared_command_is_not_handled(bot):
    assert bot.slack.command("/nonsense", "help", ANA).status_code == 404

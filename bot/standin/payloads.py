"""The payloads Slack sends to an app, shaped as Slack documents them.

Plain functions, shared by the signed HTTP sender and the Socket Mode tests:

    >>> socket_server.send_envelope("slash_commands", command_payload(
    ...     "/action", "list", "U1", response_url=standin.response_url(),
    ...     trigger_id=standin.trigger_id()))

Shapes follow Slack's documentation of slash commands, interactivity payloads
(block_actions, view_submission, message_action) and the Events API.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

__all__ = [
    "block_actions_payload",
    "command_payload",
    "event_callback_payload",
    "message_shortcut_payload",
    "state_values",
    "view_closed_payload",
    "view_submission_payload",
]

API_APP_ID = "A0001"
TEAM_DOMAIN = "nudge-test"
VERIFICATION_TOKEN = "verification-token"  # deprecated by Slack, still sent
_ids = itertools.count(1)


def _user(user_id: str, team_id: str, user_name: str | None = None) -> dict[str, Any]:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _action_ts() -> str:
    return f"{time.time():.6f}"


def command_payload(
    command: str,
    text: str,
    user_id: str,
    *,
    response_url: str,
    trigger_id: str,
    channel_id: str = "C0GENERAL",
    user_name: str | None = None,
    team_id: str = "T0001",
) -> dict[str, str]:
    """A slash command's fields (form-encoded over HTTP, a dict in Socket Mode)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "general",
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str | None, dict]:
    """The block_id and element carrying ``action_id`` in ``blocks``."""
    for block in blocks:
        candidates = [block.get("accessory"), block.get("element"), *block.get("elements", [])]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, {}


def _action(action_id: str, value: Any, block_id: str | None, element: dict) -> dict[str, Any]:
    """One entry of ``actions``, shaped by the element type (button unless found otherwise)."""
    kind = element.get("type", "button")
    action: dict[str, Any] = {
        "type": kind,
        "action_id": action_id,
        "block_id": block_id or "block",
        "action_ts": _action_ts(),
    }
    if kind == "button":
        action["text"] = element.get("text", {"type": "plain_text", "text": str(value)})
        action["value"] = value
    else:
        action.update(_selected(kind, value, _all_options(element)))
    return action


def _option(value: Any, options: list[dict[str, Any]]) -> dict[str, Any]:
    """The option whose value is ``value``, as the element offered it (else made up)."""
    offered = next((o for o in options if o.get("value") == value), None)
    return offered or {"text": {"type": "plain_text", "text": str(value)}, "value": value}


def _all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    """An element's options, those in option groups included."""
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def _selected(kind: str, value: Any, options: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """The key Slack uses for a chosen value of an element of type ``kind``."""
    options = list(options)
    option = _option(value, options)
    keys = {
        "users_select": "selected_user",
        "multi_users_select": "selected_users",
        "conversations_select": "selected_conversation",
        "multi_conversations_select": "selected_conversations",
        "channels_select": "selected_channel",
        "multi_channels_select": "selected_channels",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
    }
    if kind in keys:
        return {keys[kind]: value}
    if kind in ("static_select", "external_select", "overflow", "radio_buttons"):
        return {"selected_option": None if value is None else option}
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return {"selected_options": [_option(v, options) for v in value or []]}
    return {"value": value}


def block_actions_payload(
    user_id: str,
    action_id: str,
    value: Any,
    *,
    trigger_id: str,
    response_url: str | None = None,
    block_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    channel_id: str | None = None,
    team_id: str = "T0001",
) -> dict[str, Any]:
    """A block_actions payload for a click on a message's or a view's element.

    With ``message`` or ``view`` given, the block_id and element type are found from its
    blocks, so ``value`` lands where Slack puts it (``value``, ``selected_user``, ...).
    """
    source = message if message is not None else view or {}
    found_block, element = _find_element(source.get("blocks", []), action_id)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [_action(action_id, value, block_id or found_block, element)],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = container or {"type": "view", "view_id": view.get("id")}
    else:
        channel = channel_id or (message or {}).get("channel") or "C0GENERAL"
        payload["channel"] = {"id": channel, "name": "general"}
        payload["response_url"] = response_url
        if message is not None:
            payload["message"] = message
        payload["container"] = container or {
            "type": "message",
            "message_ts": (message or {}).get("ts", "0.0"),
            "channel_id": channel,
            "is_ephemeral": message is None,
        }
    return payload


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values`` for a modal's input blocks, given ``{action_id: value}``
    (or ``{(block_id, action_id): value}`` where action ids repeat across blocks).

    Inputs not in ``values`` are present with no value, as Slack sends them.

    >>> state_values(view, {"title": "Draft the charter", "owner": "U2"})
    {'b_title': {'title': {'type': 'plain_text_input', 'value': 'Draft the charter'}}, ...}
    """
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        kind, action_id = element.get("type", "plain_text_input"), element.get("action_id")
        value = values.get((block.get("block_id"), action_id), values.get(action_id))
        state.setdefault(block.get("block_id"), {})[action_id] = {
            "type": kind,
            **_selected(kind, value, _all_options(element)),
        }
    known = {(b, a) for b, block in state.items() for a in block}
    unknown = set(values) - known - {a for _, a in known}
    if unknown:
        raise ValueError(f"no input with action_id {sorted(map(str, unknown))} in the view")
    return state


def view_submission_payload(
    user_id: str,
    view: dict[str, Any],
    values: dict[str, Any],
    *,
    trigger_id: str,
    team_id: str = "T0001",
) -> dict[str, Any]:
    """A view_submission payload; ``values`` maps input action_ids to values."""
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": state_values(view, values)}},
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }


def view_closed_payload(
    user_id: str, view: dict[str, Any], *, team_id: str = "T0001"
) -> dict[str, Any]:
    """A view_closed payload: the member closed a modal that asked (``notify_on_close``)."""
    return {
        "type": "view_closed",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": False,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def message_shortcut_payload(
    user_id: str,
    callback_id: str,
    message: dict[str, Any],
    channel_id: str,
    *,
    response_url: str,
    trigger_id: str,
    team_id: str = "T0001",
) -> dict[str, Any]:
    """A message shortcut (``message_action``) payload on ``message`` in ``channel_id``."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": _action_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message.get("ts"),
        "message": {"type": "message", **message},
    }


def event_callback_payload(
    event: dict[str, Any],
    *,
    team_id: str = "T0001",
    event_id: str | None = None,
    event_time: int | None = None,
    bot_user_id: str = "U0BOT",
) -> dict[str, Any]:
    """An Events API ``event_callback`` wrapping ``event``."""
    event_time = int(time.time()) if event_time is None else event_time
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": {"event_ts": f"{event_time}.000100", **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }

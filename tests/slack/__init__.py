"""Loopback Slack for tests: the Web API stand-in, signed senders, a Socket Mode server.

>>> from tests.slack import SlackStandIn, SlackSender, SocketModeServer, command_payload
"""

from bot.standin.server import (
    Call,
    Message,
    ProtocolError,
    Response,
    SlackStandIn,
    UploadedFile,
    View,
)
from bot.standin.signing import (
    SlackSender,
    block_actions_payload,
    command_payload,
    event_callback_payload,
    message_shortcut_payload,
    sign,
    state_values,
    view_submission_payload,
)

from .socket_server import SocketModeServer

__all__ = [
    "Call",
    "Message",
    "ProtocolError",
    "Response",
    "SlackSender",
    "SlackStandIn",
    "SocketModeServer",
    "UploadedFile",
    "View",
    "block_actions_payload",
    "command_payload",
    "event_callback_payload",
    "message_shortcut_payload",
    "sign",
    "state_values",
    "view_submission_payload",
]

"""Signed requests and payload builders, now in :mod:`bot.standin.signing` (the console uses them).

Re-exported here so tests keep importing ``tests.slack.signing``.
"""

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

__all__ = [
    "SlackSender",
    "block_actions_payload",
    "command_payload",
    "event_callback_payload",
    "message_shortcut_payload",
    "sign",
    "state_values",
    "view_submission_payload",
]

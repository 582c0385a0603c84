"""A loopback stand-in for Slack: used by the tests, the benchmark and ``nudge console``.

It answers the Web API methods the bot uses the way Slack documents them, checks each
call (required arguments, Block Kit limits) and records what the bot sent; it sends the
bot what Slack sends (signed slash commands, clicks, submissions, shortcuts, events).
Import everything from here::

    from bot.standin import SlackSender, SlackStandIn, command_payload

One module per role: ``server`` (set-up, HTTP, the checks at the door), ``methods`` (the
Web API methods), ``records`` (what was received and sent, and the queries over it),
``faults`` (Slack failing on purpose), ``blockkit`` and ``shapes`` (Block Kit's limits as
data), ``payloads`` (what Slack sends an app), ``sender`` (signed requests to the bot),
``modals`` (a modal submitted or closed, and what Slack does with the answer), ``render``
(Block Kit as text, for the console).
"""

from bot.standin.blockkit import (
    MAX_FALLBACK_TEXT,
    MAX_MESSAGE_BLOCK_TEXT,
    MAX_MESSAGE_TEXT,
    block_text_length,
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)
from bot.standin.methods import message_problems
from bot.standin.modals import Submitted, close_view, submit_view
from bot.standin.payloads import (
    block_actions_payload,
    command_payload,
    event_callback_payload,
    message_shortcut_payload,
    state_values,
    view_closed_payload,
    view_submission_payload,
)
from bot.standin.records import Call, Message, ProtocolError, Response, UploadedFile, View
from bot.standin.render import (
    Button,
    emojize,
    find_buttons,
    mrkdwn_to_text,
    pick_button,
    render_blocks,
    render_file,
    render_message,
    render_view,
)
from bot.standin.sender import SlackSender, sign
from bot.standin.server import SlackStandIn

__all__ = [
    "MAX_FALLBACK_TEXT",
    "MAX_MESSAGE_BLOCK_TEXT",
    "MAX_MESSAGE_TEXT",
    "Button",
    "Call",
    "Message",
    "ProtocolError",
    "Response",
    "SlackSender",
    "SlackStandIn",
    "Submitted",
    "UploadedFile",
    "View",
    "block_actions_payload",
    "block_text_length",
    "check_message_blocks",
    "check_message_size",
    "check_message_text",
    "check_view",
    "close_view",
    "command_payload",
    "emojize",
    "event_callback_payload",
    "find_buttons",
    "message_problems",
    "message_shortcut_payload",
    "mrkdwn_to_text",
    "pick_button",
    "render_blocks",
    "render_file",
    "render_message",
    "render_view",
    "sign",
    "state_values",
    "submit_view",
    "view_closed_payload",
    "view_submission_payload",
]

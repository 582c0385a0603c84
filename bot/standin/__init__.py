"""A loopback stand-in for Slack's Web API: used by the tests and by ``nudge console``.

It answers the Web API methods the bot uses the way Slack documents them, checks each
call (required arguments, Block Kit limits) and records what the bot sent.
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

__all__ = ["Call", "Message", "ProtocolError", "Response", "SlackStandIn", "UploadedFile", "View"]

"""Logging: one bounded line per event, and never a secret, a member's text or a response URL."""

from __future__ import annotations

import contextvars
import logging
import os
import re
from pathlib import Path

__all__ = ["configure_logging", "RedactSecrets", "OneSafeLine", "request_id", "MAX_LINE"]

# The request being handled on this thread ("-" outside one): set by the listener wrapper.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

MAX_LINE = 2000  # characters of a record's message; a longer one is cut, saying by how much
MAX_TRACE = 20000  # characters of a traceback

_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
# Slack's response URLs (each one lets its holder post as the bot for half an hour).
_RESPONSE_URL = re.compile(r"https://hooks\.slack\.com/\S+")
# Characters that would start a new line (a forged record) or drive a terminal.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")

# Where a Slack library's log line starts to carry a payload (a member's text, a
# response_url, an event): the rest is cut. slack_sdk logs each Web API and response_url
# request and response whole at DEBUG (the webhook client's URL *is* the response_url),
# Bolt its answers, Socket Mode its frames. The words before a marker stay, so DEBUG still
# shows which method was called and with what status.
_PAYLOAD_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("slack_sdk.webhook", (" - url:", ", headers:")),
    (
        "slack_sdk",
        (", query_params:", ", headers:", "payload:", "message:", "(data:", "bytes:", ": {"),
    ),
    ("slack_bolt", (" body:", "body: ", ": {", "({")),
)


class RedactSecrets(logging.Filter):
    """Replace Slack tokens and the given secrets in every record with ``[redacted]``.

    slack_sdk logs request headers at DEBUG, bearer token included; this filter sits
    on the handler so no library's record escapes it.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        message = record.getMessage()
        clean = _TOKEN.sub("[redacted]", message)
        for secret in self.secrets:
            clean = clean.replace(secret, "[redacted]")
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text = _TOKEN.sub("[redacted]", record.exc_text)
            for secret in self.secrets:
                text = text.replace(secret, "[redacted]")
            record.exc_text = text
        return True


class OneSafeLine(logging.Filter):
    """Every record one line of at most ``MAX_LINE`` characters, without payloads.

    Control characters are escaped (``\\n`` stays two characters), so text from a
    request cannot forge a record; a traceback's lines are indented under their record;
    Slack libraries' lines lose their payloads (``_PAYLOAD_MARKERS``) and response URLs
    are replaced wherever they appear.

    >>> record = logging.LogRecord("x", logging.INFO, "", 0, "got %s", ("a\\nb",), None)
    >>> OneSafeLine().filter(record) and record.getMessage()
    'got a\\\\nb'
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _bounded(_escaped(_RESPONSE_URL.sub("[response_url]", _cut(record, message))))
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text = _RESPONSE_URL.sub("[response_url]", record.exc_text)
            lines = _bounded(text, MAX_TRACE).splitlines()
            record.exc_text = "\n".join("    " + _escaped(line) for line in lines)
        return True


def _cut(record: logging.LogRecord, message: str) -> str:
    """``message`` up to the first payload marker for its logger, if it has one."""
    for prefix, markers in _PAYLOAD_MARKERS:
        if record.name == prefix or record.name.startswith(prefix + "."):
            cut = min((i for m in markers if (i := message.find(m)) >= 0), default=-1)
            return message if cut < 0 else message[:cut] + " [payload not logged]"
    return message


def _escaped(text: str) -> str:
    return _CONTROL.sub(lambda found: repr(found[0])[1:-1], text)


def _bounded(text: str, limit: int = MAX_LINE) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]} [{len(text) - limit} more characters not logged]"


def configure_logging(level: str, secrets: list[str], *, path: Path | None = None) -> None:
    """Log to standard error at ``level``, one line per record, secrets and payloads left out.

    With ``path``, to that file instead (appended to; created readable by its owner only).
    """
    if path is None:
        handler: logging.Handler = logging.StreamHandler()
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    handler.addFilter(OneSafeLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

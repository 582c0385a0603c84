"""Logging: one line per event, and never a secret."""

from __future__ import annotations

import contextvars
import logging
import re

__all__ = ["configure_logging", "RedactSecrets", "request_id"]

# The request being handled on this thread ("-" outside one): set by the listener wrapper.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


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


def configure_logging(level: str, secrets: list[str]) -> None:
    """Log to standard error at ``level``, one line per record, secrets redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

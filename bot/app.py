"""Building the app: dependencies, the Bolt ``App`` with every listener, one error handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.deps import Deps, make_client, utcnow
from bot.domain.errors import UserError
from handlers import register_all
from handlers.blocks.common import render_error, render_text
from storage.db import create

__all__ = ["build_deps", "build_app", "on_error"]

log = logging.getLogger(__name__)


def build_deps(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> Deps:
    """Create the store, a Web API client and learn who the bot is (``auth.test``)."""
    settings.require("bot_token")
    create(settings.db_path).close()
    client = make_client(settings)
    auth = client.auth_test()
    return Deps(settings=settings, client=client, team_id=auth["team_id"],
                bot_user_id=auth.get("user_id", ""), clock=clock)


def build_app(deps: Deps, *, http: bool) -> App:
    """The Bolt app with every feature's listeners; ``http`` turns on signature checks."""
    if http:
        deps.settings.require("signing_secret")
    app = App(
        client=deps.client,
        signing_secret=deps.settings.signing_secret or "",
        request_verification_enabled=http,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("slack_bolt"),
    )
    register_all(app, deps)
    app.error(on_error)
    return app


def on_error(error: Exception, body: dict, respond, client, logger) -> None:
    """The one place errors are handled: a friendly word to the member, the rest logged.

    ``UserError`` (bad input, unknown id, not allowed) becomes an ephemeral reply with
    an example. Slack being unreachable is said plainly. Anything else is logged with
    a reference the member can quote, and never shown as a trace.
    """
    if isinstance(error, UserError):
        text, blocks = render_error(error)
    elif isinstance(error, SlackApiError | SlackClientError | OSError):
        ref = uuid.uuid4().hex[:8]
        log.warning("Slack call failed ref=%s: %s", ref, error)
        text, blocks = render_text(
            f":hourglass: Slack isn't answering me properly just now, so that didn't "
            f"finish. Please try again in a minute. (ref {ref})"
        )
    else:
        ref = uuid.uuid4().hex[:8]
        log.exception("Unexpected error ref=%s type=%s", ref, body.get("type"), exc_info=error)
        text, blocks = render_text(
            f":face_with_head_bandage: Sorry, something went wrong on my side. It's logged "
            f"as ref {ref}; nothing you typed was stored."
        )
    try:
        if respond is not None and body.get("response_url"):
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        elif (user := (body.get("user") or {}).get("id") or body.get("user_id")):
            client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except (SlackClientError, OSError) as failure:  # Slack is down too: the log has it
        log.warning("Could not tell the member about an error: %s", failure)

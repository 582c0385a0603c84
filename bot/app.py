"""Building the app: dependencies, the Bolt ``App`` with every listener, one error handler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.config import Settings
from bot.deps import Deps, make_client, utcnow
from handlers import register_all
from handlers.listeners import answer_error
from storage.db import create, hold_open

__all__ = ["build_deps", "build_app", "on_error"]


def build_deps(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> Deps:
    """Create the store, a Web API client and learn who the bot is (``auth.test``)."""
    settings.require("bot_token")
    create(settings.db_path).close()
    client = make_client(settings)
    auth = client.auth_test()
    return Deps(
        settings=settings,
        client=client,
        team_id=auth["team_id"],
        bot_user_id=auth.get("user_id", ""),
        clock=clock,
        held_open=hold_open(settings.db_path),
    )


def build_app(deps: Deps, *, http: bool) -> App:
    """The Bolt app with every feature's listeners.

    In HTTP mode (``http``) serve it only through :func:`bot.http.make_server`, which checks
    every request's signature before Bolt sees it; Bolt's own check is off, since it
    raised on malformed timestamps and logged refused bodies whole.

    Listeners get Bolt's per-request copy of the app's client: the interactive one, quick
    to give up; scheduled jobs keep ``deps.client``, which retries patiently.
    """
    if http:
        deps.settings.require("signing_secret")
    app = App(
        client=make_client(deps.settings, interactive=True),
        signing_secret=deps.settings.signing_secret or "",
        request_verification_enabled=False,  # bot.http verifies, in one place
        # auth.test now, at start-up, not lazily on the first request: a first command
        # while Slack is down would otherwise get Bolt's "unable to respond" and no listener
        token_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        # the listener runs on the request's thread and its acknowledgement carries the
        # answer (handlers.listeners.bind); no 10 ms polling for ack(), no 3 s cut-off
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )
    register_all(app, deps)
    app.error(on_error)
    return app


def on_error(error: Exception, request: BoltRequest, respond, client) -> None:
    """Errors outside listeners (middleware, Bolt itself): answered like listener errors."""
    answer_error(error, request, respond, client)

"""Building the app: dependencies, the Bolt ``App`` with every listener, one error handler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from sqlite_utils import Database

from bot.config import Settings
from bot.deps import Deps, make_client, utcnow
from bot.oauth import STATE_LASTS, Workspaces
from handlers import register_all
from handlers.listeners import answer_error
from storage.db import connect, create, hold_open

__all__ = ["build_deps", "build_app", "on_error", "BOT_SCOPES", "INSTALL_PATH", "REDIRECT_PATH"]

# The bot scopes an install asks for: manifest.yml's oauth_config.scopes.bot (a test
# checks they agree).
BOT_SCOPES = (
    "chat:write",
    "commands",
    "files:write",
    "im:write",
    "users:read",
    "usergroups:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def build_deps(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> Deps:
    """Create the store, a Web API client and learn who the bot is (``auth.test``).

    Installed through OAuth (``SLACK_CLIENT_ID``), the process belongs to no workspace:
    each workspace's token is in the database, opened when that workspace is served.
    """
    create(settings.db_path).close()
    if settings.oauth:
        return Deps(
            settings=settings,
            client=make_client(settings.with_(bot_token=None)),
            clock=clock,
            held_open=hold_open(settings.db_path),
            workspaces=Workspaces(settings, _connector(settings), clock),
        )
    settings.require("bot_token")
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
        **_oauth(deps),
    )
    if deps.workspaces is not None:
        # app_uninstalled and tokens_revoked: InstallationRecords.delete_* stop the sends
        app.enable_token_revocation_listeners()
    register_all(app, deps)
    app.error(on_error)
    return app


def _oauth(deps: Deps) -> dict:
    """Bolt's OAuth flow and per-request ``authorize`` over our stores, when installed by
    many workspaces: each request is answered with its own workspace's token."""
    workspaces, settings = deps.workspaces, deps.settings
    if workspaces is None:
        return {}
    return {
        "installation_store": workspaces.installations,
        "installation_store_bot_only": True,
        # Bolt's default asks Slack's auth.test on every request; the stored bot user and
        # id are enough, so its answer is kept per token (a reinstall's new token asks
        # again; an uninstalled workspace is refused before the cache, by find_bot)
        "authorize": InstallationStoreAuthorize(
            logger=logging.getLogger("slack_bolt"),
            installation_store=workspaces.installations,
            bot_only=True,
            cache_enabled=True,
        ),
        "oauth_settings": OAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            installation_store=workspaces.installations,
            installation_store_bot_only=True,
            state_store=workspaces.states,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            state_expiration_seconds=int(STATE_LASTS.total_seconds()),
        ),
    }


def _connector(settings: Settings):
    @contextmanager
    def connect_db() -> Iterator[Database]:
        db = connect(settings.db_path)
        try:
            yield db
        finally:
            db.close()

    return connect_db


def on_error(error: Exception, request: BoltRequest, respond, client) -> None:
    """Errors outside listeners (middleware, Bolt itself): answered like listener errors."""
    answer_error(error, request, respond, client)

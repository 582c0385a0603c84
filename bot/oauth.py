"""OAuth installs for many workspaces: the installation and state stores Bolt's flow uses,
over our own SQLite file, with each bot token sealed at rest.

Why not slack_sdk's ``SQLite3InstallationStore``: it opens its own connections and creates
its own tables outside our migrations, keeps tokens in the clear, and would bypass the write
lock every other write takes (``storage.db.immediate``). These stores are thin: they turn
slack_sdk's ``Installation``/``Bot`` models into our rows (``storage.installations``) and
back, sealing and opening the token with :class:`TokenSeal`.

Tokens at rest are encrypted (Fernet: AES-128-CBC with an HMAC, from the ``cryptography``
package) with ``NUDGE_TOKEN_KEY``, a key from the environment that the database file and
its backups never hold: a copy of ``nudge.db`` on its own gives no one a workspace's token.
``nudge token-key`` prints a new key. A workspace's token is dropped as soon as it
uninstalls Nudge.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlite_utils import Database

from bot.domain import teams
from storage import installations as store

__all__ = ["TokenSeal", "InstallationRecords", "StateRecords", "new_token_key", "STATE_LASTS"]

log = logging.getLogger(__name__)

STATE_LASTS = timedelta(minutes=10)
"""How long an install may take from "Add to Slack" to Slack's redirect back."""

Connect = Callable[[], AbstractContextManager[Database]]
Clock = Callable[[], datetime]


def new_token_key() -> str:
    """A fresh key for ``NUDGE_TOKEN_KEY`` (url-safe base64, 32 random bytes)."""
    return Fernet.generate_key().decode()


class TokenSeal:
    """Seals tokens for storage and opens them again, with one key.

    >>> seal = TokenSeal(new_token_key())
    >>> sealed = seal.close("xoxb-1-secret")
    >>> "xoxb" in sealed, seal.open(sealed)
    (False, 'xoxb-1-secret')
    """

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def close(self, token: str) -> str:
        """The token, encrypted and authenticated, as text."""
        return self._fernet.encrypt(token.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The token, or ``None`` if ``sealed`` is empty or was not sealed with this key."""
        if not sealed:
            return None
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            log.error("a stored bot token cannot be opened with NUDGE_TOKEN_KEY (changed key?)")
            return None


class InstallationRecords(InstallationStore):
    """slack_sdk's installation store over ``storage.installations`` (bot tokens only).

    ``delete_*`` does not delete: Slack calls it when a workspace uninstalls the app or
    revokes its tokens, and Nudge then stops sending at once and keeps the workspace's data
    for the retention (``bot.domain.teams.RETENTION``) before erasing it.
    """

    def __init__(
        self, connect: Connect, seal: TokenSeal, clock: Clock, retention: timedelta
    ) -> None:
        self._connect, self._seal, self._clock, self._retention = connect, seal, clock, retention

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        """Store what Slack's ``oauth.v2.access`` gave for a workspace (its bot token sealed)."""
        if not installation.team_id or not installation.bot_token:
            raise ValueError("an installation needs a workspace and a bot token")
        record = teams.Installation(
            team_id=installation.team_id,
            team_name=installation.team_name or "",
            app_id=installation.app_id,
            bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id,
            scopes=tuple(installation.bot_scopes or ()),
            installer_id=installation.user_id,
            installed_at=self._clock(),
            sealed_token=self._seal.close(installation.bot_token),
        )
        with self._connect() as db:
            store.save(db, record)
        log.info("installed in workspace %s (%s)", record.team_id, record.team_name)

    def save_bot(self, bot: Bot) -> None:
        """Bolt saves the bot with the installation; nothing more to keep."""

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The active workspace's bot, with its token opened; ``None`` once it uninstalled."""
        found = self._active(team_id)
        if found is None:
            return None
        record, token = found
        return Bot(
            app_id=record.app_id,
            team_id=record.team_id,
            team_name=record.team_name,
            bot_token=token,
            bot_id=record.bot_id,
            bot_user_id=record.bot_user_id,
            bot_scopes=list(record.scopes),
            installed_at=record.installed_at.timestamp(),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The active workspace's installation, with its bot token opened."""
        found = self._active(team_id)
        if found is None:
            return None
        record, token = found
        return Installation(
            app_id=record.app_id,
            team_id=record.team_id,
            team_name=record.team_name,
            bot_token=token,
            bot_id=record.bot_id,
            bot_user_id=record.bot_user_id,
            bot_scopes=list(record.scopes),
            user_id=record.installer_id or "",
            installed_at=record.installed_at.timestamp(),
        )

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The workspace uninstalled the app or revoked its token: stop, erase later."""
        self._uninstalled(team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """As :meth:`delete_bot` (Nudge keeps no user tokens)."""
        self._uninstalled(team_id)

    def _active(self, team_id: str | None) -> tuple[teams.Installation, str] | None:
        if not team_id:
            return None
        with self._connect() as db:
            record = store.get(db, team_id)
        if not teams.is_active(record):
            return None
        token = self._seal.open(record.sealed_token)
        return (record, token) if token else None

    def _uninstalled(self, team_id: str | None) -> None:
        if not team_id:
            return
        with self._connect() as db:
            record = store.mark_uninstalled(db, team_id, self._clock(), self._retention)
        if record is not None:
            log.warning(
                "workspace %s uninstalled Nudge: nothing more is sent; its data is erased "
                "after %s unless it installs again",
                team_id,
                f"{record.erase_at:%Y-%m-%d}" if record.erase_at else "the retention",
            )


class StateRecords(OAuthStateStore):
    """slack_sdk's OAuth state store over ``storage.installations``: one use each, 10 minutes."""

    def __init__(self, connect: Connect, clock: Clock, lasts: timedelta = STATE_LASTS) -> None:
        self._connect, self._clock, self._lasts = connect, clock, lasts

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: object, **kwargs: object) -> str:
        """A new state for an install starting now."""
        with self._connect() as db:
            return store.issue_state(db, secrets.token_urlsafe(24), self._clock(), self._lasts)

    def consume(self, state: str) -> bool:
        """Whether ``state`` was issued here and is still good (used up either way)."""
        with self._connect() as db:
            return store.consume_state(db, state, self._clock())

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
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlite_utils import Database

from bot.config import Settings
from bot.deps import make_client
from bot.domain import teams
from storage import installations as store
from storage import member_data

__all__ = [
    "TokenSeal",
    "InstallationRecords",
    "StateRecords",
    "Workspaces",
    "Pace",
    "PacedClient",
    "new_token_key",
    "STATE_LASTS",
    "SEND_INTERVAL",
    "SEND_BURST",
]

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
            store.first_settings(db, record.team_id, record.installer_id, record.installed_at)
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


SEND_INTERVAL = 0.25
"""Seconds between one workspace's scheduled messages once its burst is spent (4 a second).

Slack limits ``chat.postMessage`` to about one a second per channel (each DM is its own
channel) and several hundred a minute per workspace; the limits are per workspace, so each
is paced on its own and a busy workspace never slows another. A 429 is still retried after
``Retry-After`` by the client's ``RateLimitErrorRetryHandler``.
"""
SEND_BURST = 20
PACED_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})


class Pace:
    """A token bucket: ``burst`` sends at once, then one each ``interval`` seconds.

    >>> pace = Pace(interval=0.01, burst=2)
    >>> [pace.wait() for _ in range(2)]  # the burst: no waiting
    [0.0, 0.0]
    """

    def __init__(self, interval: float = SEND_INTERVAL, burst: int = SEND_BURST) -> None:
        self.interval, self.burst = interval, burst
        self._tokens, self._at = float(burst), time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Take one send, sleeping until there is one; return the seconds slept."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) / self.interval)
            self._at = now
            self._tokens -= 1
            slept = max(0.0, -self._tokens * self.interval)
            if slept:
                time.sleep(slept)
        return slept


class PacedClient(WebClient):
    """A workspace's client for scheduled sends: messages paced by the workspace's ``Pace``."""

    def __init__(self, *args: Any, pace: Pace, team_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pace, self.team_id = pace, team_id

    def api_call(self, api_method: str, *args: Any, **kwargs: Any):  # type: ignore[override]
        if api_method in PACED_METHODS:
            self.pace.wait()
        return super().api_call(api_method, *args, **kwargs)


class Workspaces:
    """Every workspace that installed Nudge: its token (opened when needed), its settings,
    its own pace. What ``Deps.for_team`` asks for a team.

    The installation row is read on each call (one look-up by key), so a workspace that
    uninstalls stops being sent to at once, in every process on the file.
    """

    def __init__(self, settings: Settings, connect: Connect, clock: Clock) -> None:
        if not settings.token_key:
            raise ValueError("NUDGE_TOKEN_KEY is needed to open workspaces' tokens")
        self.settings, self._connect, self._clock = settings, connect, clock
        self.retention = timedelta(days=settings.retention_days)
        self.seal = TokenSeal(settings.token_key)
        self.installations = InstallationRecords(connect, self.seal, clock, self.retention)
        self.states = StateRecords(connect, clock)
        self._clients: dict[str, tuple[str, WebClient]] = {}
        self._paces: dict[str, Pace] = {}
        self._lock = threading.Lock()

    def active(self) -> list[str]:
        """The workspaces Nudge may send to, in a stable order."""
        with self._connect() as db:
            return store.active_team_ids(db)

    def is_active(self, team_id: str) -> bool:
        """Whether ``team_id`` has Nudge installed (not uninstalled, token not revoked)."""
        with self._connect() as db:
            return teams.is_active(store.get(db, team_id))

    def installation(self, team_id: str) -> teams.Installation | None:
        """The workspace's installation as stored (token sealed), active or not."""
        with self._connect() as db:
            return store.get(db, team_id)

    def client(
        self, team_id: str, record: teams.Installation | None | bool = False
    ) -> WebClient | None:
        """A patient, paced client with the workspace's own token; ``None`` if it is not
        installed (then nothing may be sent to it). ``record``: its installation, if read
        already."""
        if record is False:
            record = self.installation(team_id)
        assert not isinstance(record, bool)
        if not teams.is_active(record):
            return None
        assert record is not None
        with self._lock:
            cached = self._clients.get(team_id)
            if cached and cached[0] == record.sealed_token:
                return cached[1]
        token = self.seal.open(record.sealed_token)
        if token is None:
            return None
        base = make_client(self.settings, token)
        client = PacedClient(
            token=token,
            base_url=base.base_url,
            timeout=base.timeout,
            retry_handlers=base.retry_handlers,
            pace=self._pace(team_id),
            team_id=team_id,
        )
        with self._lock:
            self._clients[team_id] = (record.sealed_token, client)
        return client

    def _pace(self, team_id: str) -> Pace:
        with self._lock:
            return self._paces.setdefault(team_id, Pace())

    def settings_for(
        self, team_id: str, base: Settings, record: teams.Installation | None | bool = False
    ) -> Settings:
        """``base`` with the workspace's own settings laid over it (zone, steering group)."""
        with self._connect() as db:
            own = store.team_settings(db, team_id)
            if record is False:
                record = store.get(db, team_id)
        assert not isinstance(record, bool)
        steering = own.steering or (
            frozenset({record.installer_id}) if record and record.installer_id else frozenset()
        )
        return replace(
            base,
            timezone=own.timezone or base.timezone,
            steering=steering,
            steering_group=own.steering_group,
            # the operator's digest channel is for a single workspace; each sets its own
            digest_channel=None,
        )

    def erase_due(self) -> dict[str, dict[str, int]]:
        """Erase every workspace uninstalled longer ago than the retention; rows by table."""
        erased: dict[str, dict[str, int]] = {}
        with self._connect() as db:
            due = store.due_for_erasure(db, self._clock())
        for team_id in due:
            with self._connect() as db:
                found = store.get(db, team_id)
                if found is None or found.active:
                    continue  # installed again meanwhile
                counts = member_data.erase_workspace(db, team_id)
            with self._lock:
                self._clients.pop(team_id, None)
                self._paces.pop(team_id, None)
            erased[team_id] = counts
            log.warning(
                "erased workspace %s, %d days after it uninstalled Nudge: %d rows (%s)",
                team_id,
                self.retention.days,
                sum(counts.values()),
                ", ".join(f"{table} {n}" for table, n in sorted(counts.items())) or "none",
            )
        return erased

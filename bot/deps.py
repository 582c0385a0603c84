"""What every listener and job needs, passed explicitly: settings, store, Slack, clock."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlite_utils import Database

from bot.background import BoundedExecutor
from bot.config import Settings
from storage.db import connect

if TYPE_CHECKING:
    from bot.oauth import Workspaces

__all__ = ["Deps", "make_client", "utcnow", "INTERACTIVE_TIMEOUT_SECONDS"]

SLACK_TIMEOUT_SECONDS = 10
# A member is waiting on the interactive path: answer within seconds, even with Slack down.
INTERACTIVE_TIMEOUT_SECONDS = 4


def utcnow() -> datetime:
    """The current time, aware, in UTC: the one place ``now`` enters the program."""
    return datetime.now(UTC)


def make_client(
    settings: Settings, token: str | None = None, *, interactive: bool = False
) -> WebClient:
    """A Web API client for ``SLACK_API_URL`` that retries what Slack asks to be retried.

    The scheduler's client is patient: connection errors and 5xx answers are retried
    twice with backoff, 429 answers after ``Retry-After`` up to three times, 10 s per
    call. The ``interactive`` one (listeners: a member waits for the reply) retries each
    once and gives up after 4 s, so a command is answered within seconds when Slack is
    down; a failed delivery is retried later by ``storage.deliveries`` anyway.
    """
    retries = 1 if interactive else 2
    return WebClient(
        token=token or settings.bot_token,
        base_url=settings.api_url,
        timeout=INTERACTIVE_TIMEOUT_SECONDS if interactive else SLACK_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=retries),
            RateLimitErrorRetryHandler(max_retry_count=1 if interactive else 3),
            ServerErrorRetryHandler(max_retry_count=retries),
        ],
    )


@dataclass
class TTLCache:
    """A tiny thread-safe cache of values that expire, for Slack look-ups."""

    seconds: float
    _items: dict[object, tuple[float, object]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: object, load: Callable[[], object]) -> object:
        """The cached value for ``key``, loading it when missing or expired."""
        with self._lock:
            hit = self._items.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        value = load()
        with self._lock:
            self._items[key] = (time.monotonic() + self.seconds, value)
        return value


@dataclass(frozen=True)
class Deps:
    """The dependencies of listeners and jobs; built once by :func:`bot.app.build_deps`.

    Installed by many workspaces (OAuth), the process's own ``Deps`` belongs to no
    workspace: :meth:`for_team` gives one workspace's, with its token, its bot user and
    its settings; listeners get it from ``handlers.listeners.bind``, jobs go through
    :meth:`teams` (or :meth:`client_for` a row's team). Run for one workspace (tokens from
    the environment), :meth:`for_team` is the same ``Deps``.
    """

    settings: Settings
    client: WebClient
    team_id: str = ""
    bot_user_id: str = ""
    clock: Callable[[], datetime] = utcnow
    cache: TTLCache = field(default_factory=lambda: TTLCache(seconds=300))
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    held_open: sqlite3.Connection | None = None  # storage.db.hold_open; closed by close()
    # Members' feed registrations, checked after the member has been answered.
    feed_checks: BoundedExecutor = field(
        default_factory=lambda: BoundedExecutor("feed-check", workers=4, queued=20)
    )
    workspaces: Workspaces | None = None  # OAuth installs: bot.oauth.Workspaces

    def for_team(self, team_id: str | None) -> Deps:
        """This workspace's dependencies: its client (its own token), bot user, settings.

        A workspace that is not installed gets a client with no token, which Slack refuses
        (``not_authed``): nothing can be sent to it by mistake.
        """
        if self.workspaces is None or not team_id or team_id == self.team_id:
            return self
        record = self.workspaces.installation(team_id)
        client = self.workspaces.client(team_id, record) or make_client(
            self.settings.with_(bot_token=None)
        )
        return replace(
            self,
            team_id=team_id,
            client=client,
            bot_user_id=(record.bot_user_id or "") if record else "",
            settings=self.workspaces.settings_for(team_id, self.settings, record),
        )

    def teams(self) -> Iterator[Deps]:
        """Each installed workspace's dependencies, team by team (just this one, run for one)."""
        if self.workspaces is None:
            yield self
            return
        for team_id in self.workspaces.active():
            yield self.for_team(team_id)

    def may_send(self, team_id: str) -> bool:
        """Whether anything may be sent to ``team_id``: installed, not uninstalled."""
        if self.workspaces is None:
            return True
        return self.workspaces.is_active(team_id)

    def client_for(self, team_id: str) -> WebClient:
        """The client that speaks to ``team_id`` with its own token (``for_team``'s)."""
        return self.for_team(team_id).client

    # What a listener leaves until its member is answered (handlers.listeners.after_answer):
    # DMs to others, App Home republishes. Four workers beside waitress's eight request
    # threads; the queue holds a burst of 200 commands' work (two or three tasks each).
    after_answer: BoundedExecutor = field(
        default_factory=lambda: BoundedExecutor("after-answer", workers=4, queued=1000)
    )

    # What features add to the App Home, by name (handlers.home.add_home_section).
    home_sections: dict[str, Callable[..., object]] = field(default_factory=dict)

    @contextmanager
    def db(self) -> Iterator[Database]:
        """One connection for one unit of work, closed afterwards.

        >>> with deps.db() as db:  # doctest: +SKIP
        ...     storage.actions.get(db, team_id, 12)
        """
        db = connect(self.settings.db_path)
        try:
            yield db
        finally:
            db.close()

    def close(self) -> None:
        """Let go of the store and the background pools when the process stops."""
        if self.workspaces is not None and self.team_id:
            return  # a workspace's copy: the process's own Deps closes what they share
        self.feed_checks.shutdown()
        self.after_answer.shutdown(finish_queued=True)
        if self.held_open is not None:
            self.held_open.close()

    def now(self) -> datetime:
        """The current time from the clock (aware UTC)."""
        return self.clock()

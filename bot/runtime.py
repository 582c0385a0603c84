"""One process: the Slack connection (Socket Mode or HTTP) and the scheduler.

Every process serves Slack; only the holder of the scheduler lease runs scheduled
jobs. The lease lasts ``NUDGE_LEASE_SECONDS`` (45 by default) and is renewed every third of
that, so a holder that dies loses it within a minute and a waiting process takes over.

In HTTP mode ``/healthz`` reports ``Runtime.readiness``: a worker free in each pool that
serves members (the after-answer pool, waitress's workers), a write committed to the
database, and some process holding the scheduler lease, all decided within two seconds.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import build_app, build_deps
from bot.config import ConfigError, Settings
from bot.deps import Deps, utcnow
from bot.http import make_server
from bot.readiness import NotReady, Readiness
from bot.scheduler import build_scheduler
from storage import health, lease

__all__ = ["Runtime", "LEASE_TTL", "LEASE_RENEW"]

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=45)  # the default of Settings.lease_seconds
LEASE_RENEW = 15.0  # seconds: a third of the lease


class Runtime:
    """The running bot; ``start()`` returns once it is serving, ``stop()`` shuts down cleanly.

    >>> runtime = Runtime(settings, http=True, port=0).start()  # doctest: +SKIP
    >>> runtime.url  # doctest: +SKIP
    'http://127.0.0.1:43127/slack/events'
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: bool = False,
        host: str = "127.0.0.1",
        port: int = 3000,
        clock: Callable[[], datetime] = utcnow,
        lease_ttl: timedelta | None = None,
        lease_renew: float | None = None,
    ) -> None:
        self.settings, self.http, self.host, self.port, self.clock = (
            settings,
            http,
            host,
            port,
            clock,
        )
        self.deps: Deps | None = None
        self.app: App | None = None
        self._server = None
        self._socket: SocketModeHandler | None = None
        self._scheduler = None
        self._stopped = threading.Event()
        self.lease_ttl = lease_ttl or timedelta(seconds=settings.lease_seconds)
        self.lease_renew = lease_renew or self.lease_ttl.total_seconds() / 3
        self.scheduling = False  # holding the lease and running the jobs
        self.readiness = Readiness()

    def start(self) -> Runtime:
        """Build everything and start serving and scheduling."""
        if self.settings.oauth and not self.http:
            raise ConfigError(
                "SLACK_CLIENT_ID is set: installs by many workspaces are served in HTTP mode "
                "only (run --http); Slack keeps Socket Mode apps out of its Marketplace and "
                "the install's redirect needs a public URL"
            )
        if not self.settings.oauth:
            self.settings.require("bot_token")
        self.settings.require("signing_secret" if self.http else "app_token")
        self.deps = build_deps(self.settings, clock=self.clock)
        self.app = build_app(self.deps, http=self.http)
        self._scheduler = build_scheduler(self.deps)
        self._scheduler.start(paused=True)
        self._keep_lease()
        threading.Thread(target=self._lease_loop, name="lease", daemon=True).start()
        if self.http:
            # the pools that serve members: the work left until after an answer (DMs, App
            # Homes) and waitress's workers, on whose threads the listeners run
            self.readiness.watch("after-answer", self.deps.after_answer.submit)
            self._server = make_server(
                self.app,
                self.host,
                self.port,
                signing_secret=self.settings.signing_secret,
                readiness=self.readiness,
            )
            self.readiness.add("database", self._database_ready)
            self.readiness.add("scheduler", self._scheduler_ready)
            self.port = self._server.effective_port
            threading.Thread(target=self._serve_http, name="http", daemon=True).start()
            log.info("Serving Slack requests on http://%s:%s/slack/events", self.host, self.port)
        else:
            self._socket = SocketModeHandler(
                self.app, self.settings.app_token, web_client=self.deps.client
            )
            self._socket.connect()
            log.info("Connected to Slack in Socket Mode")
        return self

    def _serve_http(self) -> None:
        try:
            self._server.run()
        except OSError:  # closing the listening socket from stop() ends the loop this way
            if not self._stopped.is_set():
                raise
        finally:
            self._server.task_dispatcher.shutdown(cancel_pending=False)

    def _lease_loop(self) -> None:
        while not self._stopped.wait(self.lease_renew):
            self._keep_lease()

    def _keep_lease(self) -> None:
        """Take or renew the scheduler lease; run the jobs only while holding it.

        Lease times are wall-clock (``utcnow``), shared by every process on the file.
        """
        try:
            with self.deps.db() as db:
                held = lease.acquire(db, self.deps.instance_id, utcnow(), self.lease_ttl)
        except Exception:  # a locked or failing database must not kill the lease thread
            log.exception("could not renew the scheduler lease")
            held = False
        if held and not self.scheduling:
            log.info("holding the scheduler lease: scheduling")
            self._scheduler.resume()
        elif not held and self.scheduling:
            log.warning("lost the scheduler lease: another process schedules now")
            self._scheduler.pause()
        elif not held and not self._stopped.is_set():
            log.debug("another process holds the scheduler lease; serving only")
        self.scheduling = held

    def _database_ready(self, timeout: float) -> str:
        """A write committed to the database (a full disk or a held lock fails it)."""
        started = time.monotonic()
        try:
            with self.deps.db() as db:
                health.record_probe(db, self.deps.instance_id, utcnow())
        except sqlite3.Error as error:
            raise NotReady(f"a write failed: {error}") from None
        return f"a write committed in {(time.monotonic() - started) * 1000:.0f} ms"

    def _scheduler_ready(self, timeout: float) -> str:
        """Some process holds the scheduler lease, and this one agrees about who."""
        try:
            with self.deps.db() as db:
                held = lease.current(db)
        except sqlite3.Error as error:
            raise NotReady(f"the lease could not be read: {error}") from None
        if held is None or held.expires_at <= utcnow():
            raise NotReady("no process holds the scheduler lease: nothing is being sent")
        mine = held.holder == self.deps.instance_id
        if self.scheduling and not mine:
            raise NotReady("this process schedules, but another holds the lease")
        who = "this process" if mine else "another process"
        return f"{who} holds the lease until {held.expires_at:%H:%M:%S} UTC"

    @property
    def url(self) -> str:
        """Where Slack sends requests in HTTP mode."""
        return f"http://{self.host}:{self.port}/slack/events"

    def wait(self) -> None:
        """Block until :meth:`stop` is called (by a signal handler, say)."""
        while not self._stopped.wait(1.0):
            pass

    def stop(self) -> None:
        """Stop serving and scheduling; safe to call twice."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._socket is not None:
            self._socket.close()
        if self._server is not None:
            self._server.close()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self.deps is not None and self.scheduling:
            with self.deps.db() as db:
                lease.release(db, self.deps.instance_id)
            self.scheduling = False
        if self.deps is not None:
            self.deps.close()
        log.info("Stopped")

"""The bot as Slack sees it: served over real HTTP on loopback, talking to a Slack stand-in.

``bot`` starts the real runtime (``nudge run --http`` in-process: waitress, Bolt, the
scheduler, a real SQLite file) against ``standin``; ``bot.slack`` sends signed requests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runtime import Runtime
from bot.standin import SlackSender, SlackStandIn
from storage.db import connect
from tests.feeds_server import FeedServer

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
ANA, PETE, SAM, STEER, GROUPIE = "U0ANA", "U0PETE", "U0SAM", "U0STEER", "U0GROUPIE"


class Clock:
    """A clock the test sets: ``Clock(datetime(...))()``; ``advance(hours=1)``."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now


@dataclass
class Bot:
    """A running bot, its settings, the stand-in it talks to and a signed sender."""

    settings: Settings
    standin: SlackStandIn
    clock: Callable[[], datetime]
    runtime: Runtime | None = None
    slack: SlackSender | None = None
    started: list[Runtime] = field(default_factory=list)

    def start(self) -> Bot:
        self.runtime = Runtime(
            self.settings, http=True, host="127.0.0.1", port=0, clock=self.clock
        ).start()
        self.started.append(self.runtime)
        self.slack = SlackSender(self.runtime.url, SIGNING_SECRET, self.standin)
        return self

    def stop(self) -> None:
        if self.runtime:
            self.runtime.stop()

    def restart(self) -> Bot:
        self.stop()
        return self.start()

    def db(self):
        """A connection to the bot's database, for checking what was stored."""
        return connect(self.settings.db_path)

    def command(self, command: str, text: str, user: str = ANA):
        """Type a slash command; assert Slack got a 200 ack; return the ephemeral reply,
        once what the bot does after answering (DMs, homes) is done too."""
        before = len(self.standin.responses)
        answer = self.slack.command(command, text, user)
        assert answer.status_code == 200, answer.text
        reply = self.standin.wait_for_response(
            lambda r: any(r is new for new in self.standin.responses[before:])
        )
        self.settle()
        return reply

    def settle(self) -> None:
        """Wait for the work the bot left until after its answers (DMs, App Homes)."""
        assert self.runtime.deps.after_answer.wait_idle(), "after-answer work still running"


def make_settings(tmp_path: Path, api_url: str, **changes) -> Settings:
    base = Settings(
        bot_token="xoxb-test-token",
        app_token="xapp-test-token",
        signing_secret=SIGNING_SECRET,
        api_url=api_url,
        db_path=str(tmp_path / "nudge.db"),
        steering=frozenset({STEER}),
        allow_private_feeds=True,
    )
    return base.with_(**changes)


@pytest.fixture
def people(standin):
    """The members of the test workspace, with their Slack time zones."""
    standin.add_user(ANA, "ana", tz="Europe/London")
    standin.add_user(PETE, "pete", tz="Europe/London")
    standin.add_user(SAM, "sam", tz="America/New_York")
    standin.add_user(STEER, "stella", tz="Europe/London")
    standin.add_user(GROUPIE, "gus", tz="Europe/London")
    standin.add_usergroup("S0STEERING", "steering", [GROUPIE])
    return standin


@pytest.fixture
def clock() -> Clock:
    """Tuesday 1 December 2026, 10:00 UTC, unless a test moves it."""
    return Clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))


@pytest.fixture
def make_bot(tmp_path, standin, people, clock) -> Iterator[Callable[..., Bot]]:
    """Start a bot with some settings changed: ``make_bot(steering_group="steering")``."""
    bots: list[Bot] = []

    def make(clock=clock, **changes) -> Bot:
        bot = Bot(make_settings(tmp_path, standin.api_url, **changes), standin, clock)
        bots.append(bot.start())
        return bot

    yield make
    for bot in bots:
        bot.stop()


@pytest.fixture
def bot(make_bot) -> Bot:
    """A bot with the default test settings, on the pinned clock."""
    return make_bot()


@pytest.fixture
def driven(make_bot) -> Bot:
    """A bot whose scheduler ticks once at start-up; the test runs ``tick`` itself."""
    return make_bot(tick_seconds=3600)


@pytest.fixture
def blog() -> Iterator[FeedServer]:
    """A blog's feed served on loopback (answering after 0.1 s)."""
    with FeedServer(slow_seconds=0.1) as server:
        yield server

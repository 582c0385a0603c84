"""``nudge console``: the real app, store and scheduler, against a Slack stand-in on loopback.

:class:`Console` is one session: the stand-in with a small workspace (members, #general),
the real bot against it, and the current member. Each line is what a member does in
Slack: a slash command sent as a signed HTTP request exactly as Slack sends it (``@name``
and ``#name`` escaped as Slack escapes them), a button pressed, a message shortcut used,
the App Home opened. Whatever the bot sends back is printed by :mod:`bot.console_screen`;
the terminal, the forms and ``main`` are in :mod:`bot.console_terminal`::

    printf '/action Plan the show and tell by Friday\\n/action list\\n' | nudge console
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from bot.config import Settings
from bot.console_lines import (
    HELP,
    Blank,
    Click,
    ConsoleLine,
    Demo,
    Help,
    Home,
    Quit,
    Shortcut,
    Slash,
    SwitchMember,
    Unknown,
    Wait,
    channel_id_for,
    escape_like_slack,
    parse_line,
    user_id_for,
)
from bot.console_screen import Screen
from bot.deps import utcnow
from bot.runtime import Runtime
from bot.standin import (
    Message,
    SlackSender,
    SlackStandIn,
    View,
    pick_button,
)

__all__ = ["Console", "MEMBERS", "STEERING", "CHANNEL"]

CONSOLE_SECRET = "console-signing-secret-for-loopback-only"
STEERING = "steering"
MEMBERS = {
    "ana": "Europe/London",
    "pete": "Europe/London",
    "sam": "America/New_York",
    STEERING: "Europe/London",
}
CHANNEL = "C0GENERAL"
POLL_SECONDS = 0.1
QUIET_SECONDS = 0.3  # "the bot has been quiet for a moment"
UNANSWERED_SECONDS = 3.0  # ...longer when it has not answered yet
LOG_NAME, FILES_NAME = "nudge-console.log", "nudge-console-files"

log = logging.getLogger(__name__)


@dataclass
class _Expected:
    """How to tell that the bot has answered the line just sent."""

    user_id: str = ""  # the member who acted
    keys: set[str] = field(default_factory=set)  # response URLs minted for the line
    modals: int = 0  # the member's modals before it
    homes: tuple[str, int] | None = None  # (member, publishes before) for :home


@dataclass
class Console:
    """The console's state: the stand-in, the running bot, the current member, the screen."""

    settings: Settings
    out: TextIO = sys.stdout
    interactive: bool = False
    member: str = "ana"
    files_dir: Path = Path(FILES_NAME)
    log_path: Path = Path(LOG_NAME)
    standin: SlackStandIn = field(
        default_factory=lambda: SlackStandIn(bot_token="xoxb-console", app_token="xapp-console")
    )
    clock: Callable[[], datetime] = utcnow
    runtime: Runtime | None = None
    sender: SlackSender | None = None
    screen: Screen = field(init=False)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _stop: threading.Event = field(default_factory=threading.Event)
    _expected: _Expected | None = None
    to_stop: list[Any] = field(
        default_factory=list
    )  # what else to stop with the console (a demo blog)

    def __post_init__(self) -> None:
        self.screen = Screen(self.standin, self.out, self.files_dir, self.interactive)
        self.screen.member_id = user_id_for(self.member)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> Console:
        """Start the stand-in with the named members, then the bot against it."""
        self.standin.start()
        self.standin.add_user(self.standin.bot_user_id, "nudge", is_bot=True)
        for name, tz in MEMBERS.items():
            self.standin.add_user(user_id_for(name), name, tz=tz)
        self.standin.add_channel(CHANNEL, "general")
        settings = self.settings.with_(
            bot_token=self.standin.bot_token,
            app_token=None,
            signing_secret=CONSOLE_SECRET,
            api_url=self.standin.api_url,
            steering=self.settings.steering | {user_id_for(STEERING)},
            steering_group=None,
            allow_private_feeds=True,  # the person at the console is its operator
        )
        self.runtime = Runtime(
            settings, http=True, host="127.0.0.1", port=0, clock=self.clock
        ).start()
        self.sender = SlackSender(
            self.runtime.url, CONSOLE_SECRET, self.standin, client=httpx.Client(timeout=10.0)
        )
        threading.Thread(target=self._watch, name="console-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop watching, then the bot, then the stand-in."""
        self._stop.set()
        for running in self.to_stop:
            running.stop()
        if self.runtime is not None:
            self.runtime.stop()
        if self.sender is not None and self.sender.client is not None:
            self.sender.client.close()
        self.standin.stop()

    def say(self, text: str) -> None:
        """Print to the screen."""
        self.screen.say(text)

    @property
    def prompt(self) -> str:
        """``ana> ``."""
        return f"{self.member}> "

    # --- lines --------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Do what one line says; ``False`` when it asks to quit."""
        parsed: ConsoleLine = parse_line(line)
        match parsed:
            case Quit():
                return False
            case Blank():
                pass
            case Help():
                self.say(HELP)
            case Unknown(message):
                self.say(message)
            case SwitchMember(name):
                self._switch(name)
            case Slash(command, text):
                self.command(command, text)
            case Click(label, which):
                self._click(label, which)
            case Shortcut(callback_id, text):
                self._shortcut(callback_id, text)
            case Home():
                self._home()
            case Wait(seconds):
                self._wait(seconds)
            case Demo():
                from bot.console_demo import fill_demo

                fill_demo(self)
        return True

    def user(self, name: str) -> str:
        """The member called ``name``, added to the workspace if new."""
        user_id = user_id_for(name)
        with self.screen.lock:
            if user_id not in self.standin.users:
                self.standin.add_user(user_id, name, tz=self.settings.timezone)
                self.say(f"({name} joins the workspace.)")
        return user_id

    def channel(self, name: str) -> str:
        """The channel called ``name``, created if new."""
        channel_id = CHANNEL if name == "general" else channel_id_for(name)
        with self.screen.lock:
            if channel_id not in self.standin.channels:
                self.standin.add_channel(channel_id, name)
        return channel_id

    def _switch(self, name: str) -> None:
        if not name:
            self.say(f"You are {self.member}.")
            return
        self.screen.member_id = self.user(name)
        self.member = name
        role = " (steering group)" if name == STEERING else ""
        self.say(f"You are now {name}{role}.")

    def _expect(self, user_id: str, **extra: Any) -> _Expected:
        self._expected = _Expected(user_id, modals=self._modals(user_id), **extra)
        return self._expected

    def _modals(self, user_id: str) -> int:
        return sum(
            1
            for v in list(self.standin.views)
            if v.user_id == user_id and v.method != "views.publish"
        )

    def _response_url(self, user_id: str) -> str:
        """A response URL for a reply to ``user_id``, awaited as the line's answer."""
        key = f"{user_id}-{next(self._ids)}"
        self.screen.reply_to[key] = user_id
        if self._expected is not None:
            self._expected.keys.add(key)
        return self.standin.response_url(key)

    def command(self, command: str, text: str, as_member: str | None = None) -> None:
        """Send ``/command text`` as the current member (or ``as_member``)."""
        user_id = self.user(as_member or self.member)
        text = escape_like_slack(text, self.user, self.channel)
        self._expect(user_id)
        refused = len(self.standin.protocol_errors)
        answer = self.sender.command(
            command,
            text,
            user_id,
            channel_id=CHANNEL,
            user_name=as_member or self.member,
            response_url=self._response_url(user_id),
            trigger_id=self.standin.trigger_id(user_id),
        )
        if answer.status_code == 404:
            self._expected = None
            self.say(f"({command} is not a command this bot handles yet.)")
        elif answer.status_code != 200:
            self._expected = None
            self.say(f'(Slack would say: {command} failed with the error "{answer.status_code}".)')
        for error in self.standin.protocol_errors[refused:]:
            if error.method.startswith("ack/"):  # the stand-in refused the reply in the ack
                self._expected = None
                self.say(f"(Slack would not show the bot's reply: {error.messages[0]})")

    def _click(self, label: str, which: str) -> None:
        user_id = user_id_for(self.member)
        with self.screen.lock:
            candidates = [s for s in reversed(self.screen.shown) if s.audience in (None, user_id)]
        for shown in candidates:
            button = pick_button(shown.buttons, label, which)
            if button is not None:
                break
        else:
            self.say(self._no_button(candidates, label, which))
            return
        self._expect(user_id)
        source = shown.source
        if button.url:
            self.say(f"(That button opens {button.url} in a browser.)")
        if isinstance(source, View):
            answer = self.sender.block_action(
                user_id, button.action_id, button.value, view=source.as_slack(self.standin.team_id)
            )
        elif isinstance(source, Message) and source.ephemeral_user is None:
            answer = self.sender.block_action(
                user_id,
                button.action_id,
                button.value,
                message=source,
                response_url=self._response_url(user_id),
            )
        else:  # an ephemeral reply: Slack sends no message, only its container
            answer = self.sender.block_action(
                user_id,
                button.action_id,
                button.value,
                block_id=button.block_id,
                channel_id=CHANNEL,
                response_url=self._response_url(user_id),
            )
        if answer.status_code != 200:
            self._expected = None
        if answer.status_code == 404:
            self.say(f"(Nothing happens: the bot doesn't handle [{button.label}] yet.)")
        elif answer.status_code != 200:
            self.say(f"([{button.label}] failed with HTTP {answer.status_code}.)")

    def _no_button(self, candidates: list, label: str, which: str) -> str:
        """Why ``:click label which`` found nothing, as precisely as can be said."""
        for shown in candidates:
            same = [b for b in shown.buttons if pick_button([b], label) is not None]
            if not same:
                continue
            named = same[0].label
            if which.isdigit():
                return (
                    f"(The latest message with [{named}] has {len(same)} of them: "
                    f":click {named} 1 to :click {named} {len(same)}.)"
                    if len(same) > 1
                    else f"(The latest message with [{named}] has only one: :click {named}.)"
                )
            return f"(No [{named}] button next to “{which}” on anything {self.member} can see.)"
        return f"(No [{label}] button on anything {self.member} can see.)"

    def _shortcut(self, callback_id: str, text: str) -> None:
        """Post ``text`` in #general as the member, then use the message shortcut on it."""
        user_id = self.user(self.member)
        text = escape_like_slack(text, self.user, self.channel)
        message = self.standin.post_as(user_id, CHANNEL, text)
        self.screen.show(f"{self.member} in #general", text, None, [], message)
        self._expect(user_id)
        answer = self.sender.message_shortcut(
            user_id,
            callback_id,
            message.as_slack(self.standin.bot_user_id),
            CHANNEL,
            response_url=self._response_url(user_id),
        )
        if answer.status_code != 200:
            self._expected = None
            self.say(f"(The shortcut failed: the bot answered HTTP {answer.status_code}.)")

    def _home(self) -> None:
        user_id = self.user(self.member)
        before = self.screen.want_home(user_id)
        self._expect(user_id, homes=(user_id, before))
        answer = self.sender.event(
            {
                "type": "app_home_opened",
                "user": user_id,
                "channel": self.standin.dm_channel(user_id),
                "tab": "home",
            }
        )
        if answer.status_code != 200:
            self._expected = None
            self.screen.home_wanted.discard(user_id)
            self.say("(This bot has no App Home yet.)")
            return
        self.settle()
        with self.screen.lock:
            if user_id in self.screen.home_wanted:  # nothing new was published: the last one
                latest = self.standin.home_of(user_id)
                if latest is None:
                    self.screen.home_wanted.discard(user_id)
                    self.say(f"(The bot published no App Home for {self.member}.)")
                else:
                    self.screen.show_home(latest)

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
            self.screen.poll()

    # --- waiting for the bot ------------------------------------------------------------

    def _activity(self) -> tuple[int, ...]:
        """Changes when the bot does anything visible to Slack."""
        slack = self.standin
        return (len(slack.calls), len(slack.responses), len(slack.messages), len(slack.views))

    def _answered(self) -> bool:
        """Whether the bot has answered the last line: a reply, a modal or the Home asked for."""
        expected = self._expected
        if expected is None:
            return True
        if any(r.key in expected.keys for r in list(self.standin.responses)):
            return True
        if expected.homes is not None:
            user_id, before = expected.homes
            return self.screen.publishes(user_id) > before
        return self._modals(expected.user_id) > expected.modals

    def settle(self, quiet: float = QUIET_SECONDS, limit: float = 15.0) -> None:
        """Wait until the bot has answered the last line and been quiet for ``quiet`` seconds.

        A line the bot answers elsewhere (by DM, say) is waited on for ``UNANSWERED_SECONDS``
        of quiet instead; never longer than ``limit`` in all.
        """
        start = last_change = time.monotonic()
        seen = self._activity()
        while time.monotonic() - start < limit:
            time.sleep(POLL_SECONDS / 2)
            now, activity = time.monotonic(), self._activity()
            wanted = quiet if self._answered() else max(quiet, UNANSWERED_SECONDS)
            if activity != seen:
                seen, last_change = activity, now
            elif now - last_change >= wanted:
                break
        self._expected = None
        self.screen.poll()

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.screen.poll()
            except Exception:  # the console must keep going; the log has it
                log.exception("could not show what the bot sent")

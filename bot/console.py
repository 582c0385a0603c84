"""``nudge console``: the real app, store and scheduler, against a Slack stand-in on loopback.

Lines beginning with ``/`` are slash commands from the current member, sent to the bot
as signed HTTP requests exactly as Slack sends them; whatever the bot sends back (replies,
DMs, modals, App Home, reminders and digests when they fire) is printed as text. With
standard input not a terminal, it runs the lines given, waits until the bot is quiet and
exits, so it can be scripted::

    printf '/action Plan the show and tell by Friday\\n/action list\\n' | nudge console

This module is the I/O loop only: lines are read by :mod:`bot.console_lines` and Block
Kit is rendered by :mod:`bot.standin.render`, both pure.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from bot.config import Settings
from bot.console_lines import (
    HELP,
    Blank,
    Click,
    ConsoleLine,
    Help,
    Home,
    Quit,
    Slash,
    SwitchMember,
    Unknown,
    Wait,
    escape_mentions,
    parse_line,
    user_id_for,
)
from bot.runtime import Runtime
from bot.standin import (
    Button,
    Message,
    Response,
    SlackSender,
    SlackStandIn,
    View,
    find_buttons,
    pick_button,
    render_message,
    render_view,
)

__all__ = ["Console", "main", "MEMBERS", "STEERING"]

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


@dataclass
class Shown:
    """Something the bot sent that the console printed: who saw it and its buttons."""

    audience: str | None  # the user id who sees it; None: a channel, seen by everyone
    buttons: list[Button]
    source: Message | Response | View


@dataclass
class Console:
    """The console's state: the stand-in, the running bot, the current member, the feed."""

    settings: Settings
    out: TextIO = sys.stdout
    interactive: bool = False
    member: str = "ana"
    standin: SlackStandIn = field(
        default_factory=lambda: SlackStandIn(bot_token="xoxb-console", app_token="xapp-console")
    )
    runtime: Runtime | None = None
    sender: SlackSender | None = None
    shown: list[Shown] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _seen: dict[str, Any] = field(
        default_factory=lambda: {"messages": 0, "responses": 0, "views": {}, "updates": {}}
    )
    _reply_to: dict[str, str] = field(default_factory=dict)  # response key or trigger -> user
    _home_wanted: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _stop: threading.Event = field(default_factory=threading.Event)
    _at_prompt: bool = False
    _expect: tuple[str, ...] = ()  # response keys and triggers the last line may be answered on

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> Console:
        """Start the stand-in with the named members, then the bot against it."""
        self.standin.start()
        self.standin.add_user(self.standin.bot_user_id, "nudge", is_bot=True)
        for name, tz in MEMBERS.items():
            self.standin.add_user(user_id_for(name), name, tz=tz)
        settings = self.settings.with_(
            bot_token=self.standin.bot_token,
            app_token=None,
            signing_secret=CONSOLE_SECRET,
            api_url=self.standin.api_url,
            steering=self.settings.steering | {user_id_for(STEERING)},
            steering_group=None,
        )
        self.runtime = Runtime(settings, http=True, host="127.0.0.1", port=0).start()
        self.sender = SlackSender(
            self.runtime.url, CONSOLE_SECRET, self.standin, client=httpx.Client(timeout=10.0)
        )
        threading.Thread(target=self._watch, name="console-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop watching, then the bot, then the stand-in."""
        self._stop.set()
        if self.runtime is not None:
            self.runtime.stop()
        if self.sender is not None and self.sender.client is not None:
            self.sender.client.close()
        self.standin.stop()

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
                self._command(command, text)
            case Click(label, which):
                self._click(label, which)
            case Home():
                self._home()
            case Wait(seconds):
                self._wait(seconds)
        return True

    def _user(self, name: str) -> str:
        """The member called ``name``, added to the workspace if new."""
        user_id = user_id_for(name)
        with self._lock:
            if user_id not in self.standin.users:
                self.standin.add_user(user_id, name, tz=self.settings.timezone)
                self.say(f"({name} joins the workspace.)")
        return user_id

    def _switch(self, name: str) -> None:
        if not name:
            self.say(f"You are {self.member}.")
            return
        self._user(name)
        self.member = name
        role = " (steering group)" if name == STEERING else ""
        self.say(f"You are now {name}{role}.")

    def _mint(self, user_id: str) -> tuple[str, str]:
        """A response URL and a trigger id, remembered as belonging to ``user_id``."""
        key = f"{user_id}-{next(self._ids)}"
        trigger = self.standin.trigger_id()
        with self._lock:
            self._reply_to[key] = self._reply_to[trigger] = user_id
            self._expect += (key, trigger)
        return self.standin.response_url(key), trigger

    def _command(self, command: str, text: str) -> None:
        user_id = self._user(self.member)
        text = escape_mentions(text, self._user)
        response_url, trigger = self._mint(user_id)
        answer = self.sender.command(
            command,
            text,
            user_id,
            channel_id=CHANNEL,
            user_name=self.member,
            response_url=response_url,
            trigger_id=trigger,
        )
        if answer.status_code != 200:
            self._expect = ()  # nothing more will come
        if answer.status_code == 404:
            self.say(f"({command} is not a command this bot handles yet.)")
        elif answer.status_code != 200:
            self.say(f'(Slack would say: {command} failed with the error "{answer.status_code}".)')
        elif answer.content.strip():
            self._print_ack(user_id, answer)

    def _print_ack(self, user_id: str, answer: httpx.Response) -> None:
        """A reply given in the acknowledgement itself (``ack(text=...)``)."""
        try:
            body = answer.json()
        except ValueError:
            body = {"text": answer.text}
        self._show(
            f"reply to {self.member}",
            render_message(body.get("text"), body.get("blocks"), self._names()),
            user_id,
            body.get("blocks"),
            Response("ack", body, time.time()),
        )

    def _click(self, label: str, which: str) -> None:
        user_id = user_id_for(self.member)
        with self._lock:
            candidates = [s for s in reversed(self.shown) if s.audience in (None, user_id)]
        for shown in candidates:
            button = pick_button(shown.buttons, label, which)
            if button is not None:
                break
        else:
            self.say(f"(No [{label}] button on anything {self.member} can see.)")
            return
        response_url, _ = self._mint(user_id)
        source = shown.source
        if button.url:
            self.say(f"(That button opens {button.url} in a browser.)")
        if isinstance(source, View):
            answer = self.sender.block_action(
                user_id, button.action_id, button.value, view=source.as_slack(self.standin.team_id)
            )
        elif isinstance(source, Message) and source.ephemeral_user is None:
            answer = self.sender.block_action(
                user_id, button.action_id, button.value, message=source, response_url=response_url
            )
        else:  # an ephemeral reply: Slack sends no message, only its container
            answer = self.sender.block_action(
                user_id,
                button.action_id,
                button.value,
                block_id=button.block_id,
                channel_id=CHANNEL,
                response_url=response_url,
            )
        if answer.status_code != 200:
            self._expect = ()
        if answer.status_code == 404:
            self.say(f"(Nothing happens: the bot doesn't handle [{button.label}] yet.)")
        elif answer.status_code != 200:
            self.say(f"([{button.label}] failed with HTTP {answer.status_code}.)")

    def _home(self) -> None:
        user_id = self._user(self.member)
        with self._lock:
            self._home_wanted.add(user_id)
            before = self._homes(user_id)
            self._expect = (f"home:{user_id}:{before}",)
        answer = self.sender.event(
            {
                "type": "app_home_opened",
                "user": user_id,
                "channel": self.standin.dm_channel(user_id),
                "tab": "home",
            }
        )
        if answer.status_code != 200:
            self._expect = ()
        if answer.status_code == 404:
            self._home_wanted.discard(user_id)
            self.say("(This bot has no App Home yet.)")
            return
        self.settle()
        with self._lock:
            if self._homes(user_id) == before and user_id in self._home_wanted:
                latest = self.standin.home_of(user_id)
                self._home_wanted.discard(user_id)
                if latest is None:
                    self.say(f"(The bot published no App Home for {self.member}.)")
                else:
                    self._show_view(latest)

    def _homes(self, user_id: str) -> int:
        return sum(
            1
            for v in list(self.standin.views)
            if v.method == "views.publish" and v.user_id == user_id
        )

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
            self._poll()

    # --- what the bot sent --------------------------------------------------------------

    def _activity(self) -> tuple[int, ...]:
        """Changes when the bot does anything visible to Slack."""
        slack = self.standin
        return (len(slack.calls), len(slack.responses), len(slack.messages), len(slack.views))

    def _answered(self) -> bool:
        """Whether the bot has answered on a response URL or trigger the last line gave it."""
        if not self._expect:
            return True
        used = {r.key for r in list(self.standin.responses)}
        used |= {v.trigger_id for v in list(self.standin.views)}
        for mark in self._expect:
            if mark.startswith("home:"):
                _, user_id, before = mark.split(":")
                if self._homes(user_id) > int(before):
                    return True
            elif mark in used:
                return True
        return False

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
        self._expect = ()
        self._poll()

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self._poll()
            except Exception:  # the console must keep going; the log has it
                logging.getLogger(__name__).exception("could not show what the bot sent")

    def _names(self) -> dict[str, str]:
        return {user_id: user["name"] for user_id, user in list(self.standin.users.items())}

    def _poll(self) -> None:
        """Print whatever the bot sent since the last look."""
        slack, seen = self.standin, self._seen
        with self._lock:
            messages = list(slack.messages)
            for message in messages[seen["messages"] :]:
                self._show_message(message)
                seen["updates"][id(message)] = (len(message.updates), message.deleted)
            seen["messages"] = len(messages)
            for message in messages:
                state = (len(message.updates), message.deleted)
                if seen["updates"].get(id(message), state) != state:
                    seen["updates"][id(message)] = state
                    self._show_message(message, "deleted" if message.deleted else "updated")
            responses = list(slack.responses)
            for response in responses[seen["responses"] :]:
                self._show_response(response)
            seen["responses"] = len(responses)
            for view in list(slack.views):
                signature = json.dumps(view.view, sort_keys=True)
                if seen["views"].get(view.view_id) != signature:
                    first = view.view_id not in seen["views"]
                    seen["views"][view.view_id] = signature
                    self._show_view(view, updated=not first)

    def _show_message(self, message: Message, change: str = "") -> None:
        names = self._names()
        if message.ephemeral_user:
            audience = message.ephemeral_user
            title = f"only {names.get(audience, audience)} sees this, in {message.channel}"
        elif message.channel.startswith("D"):
            audience = message.channel[1:]
            title = f"DM to {names.get(audience, audience)}"
        else:
            audience, title = None, f"in {message.channel}"
        if message.thread_ts:
            title += ", in a thread"
        if change:
            title += f" ({change})"
        body = (
            "(deleted)" if message.deleted else render_message(message.text, message.blocks, names)
        )
        self._show(title, body, audience, [] if message.deleted else message.blocks, message)

    def _show_response(self, response: Response) -> None:
        names = self._names()
        audience = self._reply_to.get(response.key)
        who = names.get(audience, audience or "someone")
        if response.delete_original:
            self.say(f"(the bot deleted the message {who} clicked)")
            return
        title = f"reply to {who}" if response.response_type == "ephemeral" else f"in {CHANNEL}"
        if response.replace_original:
            title += " (replaces the message clicked)"
        if response.response_type != "ephemeral":
            audience = None
        self._show(
            title,
            render_message(response.text, response.blocks, names),
            audience,
            response.blocks,
            response,
        )

    def _show_view(self, view: View, updated: bool = False) -> None:
        names = self._names()
        if view.method == "views.publish":
            who = names.get(view.user_id, view.user_id)
            if view.user_id not in self._home_wanted:
                self.say(f"({who}'s App Home was updated: :home shows it.)")
                return
            self._home_wanted.discard(view.user_id)
            audience, title = view.user_id, f"App Home of {who}"
        else:
            audience = self._reply_to.get(view.trigger_id or "")
            title = f"modal for {names.get(audience, audience or 'someone')}"
            title += " (updated)" if updated else ""
        self._show(
            title, render_view(view.view, names), audience, view.view.get("blocks") or [], view
        )

    def _show(
        self,
        title: str,
        body: str,
        audience: str | None,
        blocks: list | None,
        source: Message | Response | View,
    ) -> None:
        with self._lock:
            buttons = find_buttons(blocks or [], self._names())
            self.shown.append(Shown(audience, buttons, source))
            self.say(f"── {title} " + "─" * max(3, 56 - len(title)) + f"\n{body}\n")

    def say(self, text: str) -> None:
        """Print a line, keeping the prompt tidy when someone is typing."""
        with self._lock:
            if self.interactive and self._at_prompt:
                self.out.write("\r\x1b[K")
            self.out.write(text.rstrip("\n") + "\n")
            if self.interactive and self._at_prompt:
                self.out.write(self.prompt + _typed())
            self.out.flush()

    @property
    def prompt(self) -> str:
        """``ana> ``."""
        return f"{self.member}> "

    # --- the loop -----------------------------------------------------------------------

    def run(self, lines: TextIO) -> int:
        """Read lines until ``:quit`` or the end of input; 0 when all went well."""
        if self.interactive:
            return self._run_interactive()
        for line in lines:
            self.say(f"{self.prompt}{line.rstrip()}")
            if not self.handle(line):
                break
            self.settle()
        self.settle(quiet=1.0, limit=30.0)
        return 0

    def _run_interactive(self) -> int:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (history and editing for input())
        self.say(
            "Nudge console: the real bot against a stand-in for Slack. :help for help.\n"
            f"Database: {self.settings.db_path}. You are {self.member}."
        )
        while True:
            try:
                self._at_prompt = True
                line = input(self.prompt)
            except (EOFError, KeyboardInterrupt):
                self._at_prompt = False
                self.say("")
                break
            self._at_prompt = False
            try:
                if not self.handle(line):
                    break
                self.settle(limit=5.0)
            except KeyboardInterrupt:  # Ctrl-C while waiting on the bot: back to the prompt
                self.say("")
        return 0


def _typed() -> str:
    """What the person has typed so far at the prompt (when readline is there)."""
    try:
        import readline

        return readline.get_line_buffer()
    except ImportError:
        return ""


def main(settings: Settings, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run the console until ``:quit`` or the end of standard input; the exit status."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    if settings.log_level != "DEBUG":  # the conversation is the output; keep the logs quiet
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("slack_bolt").setLevel(logging.ERROR)  # "unhandled request" advice
    console = Console(settings, out=out, interactive=stdin.isatty() and out.isatty())
    try:
        console.start()
    except Exception as err:  # start-up is reported in one line, like nudge run
        print(f"nudge: the console could not start: {err}", file=sys.stderr)
        console.stop()
        return 2
    try:
        return console.run(stdin)
    finally:
        console.stop()

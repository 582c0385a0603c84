"""The console's screen: what the bot sent through the stand-in, printed as the reader sees it.

Replies, DMs, channel posts and the files the bot uploads are printed as they arrive (a
file is saved under the console's folder and shown by its name, size and first lines).
An App Home is printed when its member opens it; otherwise a change to the current
member's Home is one quiet line, once until they look. Modals are not printed here: the
console shows a modal as the form it asks the member to fill.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.standin import (
    Button,
    Message,
    Response,
    SlackStandIn,
    UploadedFile,
    View,
    find_buttons,
    render_file,
    render_message,
    render_view,
)

__all__ = ["Screen", "Shown", "heading"]

RULE_WIDTH = 60


def heading(title: str) -> str:
    """``── title ─────…``, one width for every heading."""
    return f"── {title} " + "─" * max(3, RULE_WIDTH - 4 - len(title))


def _typed() -> str:
    """What the person has typed so far at the prompt (when readline is there)."""
    try:
        import readline

        return readline.get_line_buffer()
    except ImportError:
        return ""


@dataclass
class Shown:
    """Something printed that has buttons: who saw it, its buttons, where it came from."""

    audience: str | None  # the user id who sees it; None: a channel, seen by everyone
    buttons: list[Button]
    source: Message | Response | View


@dataclass
class Screen:
    """Prints what the bot sends; keeps what was shown, for ``:click``."""

    standin: SlackStandIn
    out: TextIO
    files_dir: Path
    interactive: bool = False
    prompt: str = ""
    at_prompt: bool = False
    member_id: str = ""  # the member at the keyboard
    shown: list[Shown] = field(default_factory=list)
    reply_to: dict[str, str] = field(default_factory=dict)  # response key -> user id
    home_wanted: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _seen: dict[str, Any] = field(
        default_factory=lambda: {"messages": 0, "responses": 0, "files": 0, "updates": {}}
    )
    _homes_seen: dict[str, int] = field(default_factory=dict)  # user -> publishes looked at
    _homes_told: set[str] = field(default_factory=set)  # told once since they last looked

    # --- printing -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Print ``text``, keeping the prompt and what is typed at it tidy."""
        with self.lock:
            if self.interactive and self.at_prompt:
                self.out.write("\r\x1b[K")
            self.out.write(text.rstrip("\n") + "\n")
            if self.interactive and self.at_prompt:
                self.out.write(self.prompt + _typed())
            self.out.flush()

    def show(
        self,
        title: str,
        body: str,
        audience: str | None,
        blocks: list | None,
        source: Message | Response | View,
    ) -> None:
        """Print a heading and a body; remember its buttons for ``:click``."""
        with self.lock:
            buttons = find_buttons(blocks or [], self.names())
            self.shown.append(Shown(audience, buttons, source))
            self.say(f"{heading(title)}\n{body}\n")

    def names(self) -> dict[str, str]:
        """Every member's and channel's name, by id."""
        names = {uid: user["name"] for uid, user in list(self.standin.users.items())}
        names.update({cid: c["name"] for cid, c in list(self.standin.channels.items())})
        return names

    def where(self, channel: str) -> str:
        """``#general`` for a channel the workspace knows, else its id."""
        name = self.names().get(channel)
        return f"#{name}" if name else channel

    # --- what the bot sent ----------------------------------------------------------------

    def poll(self) -> None:
        """Print whatever the bot sent since the last look."""
        slack, seen = self.standin, self._seen
        with self.lock:
            messages = list(slack.messages)
            for message in messages[seen["messages"] :]:
                seen["updates"][id(message)] = (len(message.updates), message.deleted)
                if message.author is None:
                    self._show_message(message)
            seen["messages"] = len(messages)
            for message in messages:
                state = (len(message.updates), message.deleted)
                if seen["updates"].get(id(message), state) != state:
                    seen["updates"][id(message)] = state
                    self._show_message(message, "deleted" if message.deleted else "updated")
            responses = list(slack.responses)
            for response in responses[seen["responses"] :]:
                self.show_response(response)
            seen["responses"] = len(responses)
            for home in self._homes_asked_for():
                self.show_home(home)
            files = list(slack.files)
            for uploaded in files[seen["files"] :]:
                self._show_file(uploaded)
            seen["files"] = len(files)

    def _show_message(self, message: Message, change: str = "") -> None:
        names = self.names()
        if message.ephemeral_user:
            audience = message.ephemeral_user
            title = (
                f"only {names.get(audience, audience)} sees this, in {self.where(message.channel)}"
            )
        elif message.channel.startswith("D"):
            audience = message.channel[1:]
            title = f"DM to {names.get(audience, audience)}"
        else:
            audience, title = None, f"in {self.where(message.channel)}"
        if message.thread_ts:
            title += ", in a thread"
        if change:
            title += f" ({change})"
        body = (
            "(deleted)" if message.deleted else render_message(message.text, message.blocks, names)
        )
        self.show(title, body, audience, [] if message.deleted else message.blocks, message)

    def show_response(self, response: Response, audience: str | None = None) -> None:
        """A reply to the member, through a response URL or in an acknowledgement."""
        names = self.names()
        audience = audience or self.reply_to.get(response.key)
        who = names.get(audience, audience or "someone")
        if response.delete_original:
            self.say(f"(the bot deleted the message {who} clicked)")
            return
        in_channel = response.response_type != "ephemeral"
        title = "in #general" if in_channel else f"reply to {who}"
        if response.replace_original:
            title += " (replaces the message clicked)"
        self.show(
            title,
            render_message(response.text, response.blocks, names),
            None if in_channel else audience,
            response.blocks,
            response,
        )

    def _show_file(self, uploaded: UploadedFile) -> None:
        names = self.names()
        channel = uploaded.channel or ""
        if channel.startswith("D"):
            audience, title = channel[1:], f"file for {names.get(channel[1:], channel[1:])}, by DM"
        else:
            audience, title = None, f"file in {self.where(channel)}"
        saved = self._save(uploaded)
        lines = (
            [render_message(uploaded.initial_comment, None, names)]
            if uploaded.initial_comment
            else []
        )
        lines += [render_file(uploaded.filename, uploaded.content), f"(saved as {saved})"]
        self.show(title, "\n".join(lines), audience, [], Response("file", {}, 0.0))

    def _save(self, uploaded: UploadedFile) -> str:
        """Write the file under ``files_dir`` (readable by its owner only); its shown path."""
        self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = Path(uploaded.filename).name or uploaded.id
        path, n = self.files_dir / name, 1
        while path.exists():
            n += 1
            path = self.files_dir / f"{Path(name).stem}-{n}{Path(name).suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as written:
            written.write(uploaded.content)
        return shown_path(path)

    # --- App Homes ------------------------------------------------------------------------

    def _publishes(self, user_id: str) -> list[View]:
        return [
            v
            for v in list(self.standin.views)
            if v.method == "views.publish" and v.user_id == user_id
        ]

    def _homes_asked_for(self) -> list[View]:
        """The Homes published since their member asked to see them (``:home``)."""
        found = []
        for user_id in sorted(self.home_wanted):
            published = self._publishes(user_id)
            if len(published) > self._homes_seen.get(user_id, 0):
                found.append(published[-1])
        return found

    def publishes(self, user_id: str) -> int:
        """How many times ``user_id``'s Home has been published."""
        return len(self._publishes(user_id))

    def want_home(self, user_id: str) -> int:
        """The member opens their Home: show the next one published. Publishes so far."""
        with self.lock:
            self.home_wanted.add(user_id)
            return len(self._publishes(user_id))

    def show_home(self, home: View) -> None:
        """Print ``home`` as its member sees it; they have now looked."""
        with self.lock:
            user_id = home.user_id or ""
            self.home_wanted.discard(user_id)
            self._homes_seen[user_id] = len(self._publishes(user_id))
            self._homes_told.discard(user_id)
            who = self.names().get(user_id, user_id)
            body = render_view(home.view, self.names())
            self.show(f"App Home of {who}", body, user_id, home.view.get("blocks") or [], home)

    def mark_home_changes(self) -> None:
        """One quiet line when the current member's Home changed since they last looked."""
        with self.lock:
            user_id = self.member_id
            if user_id in self._homes_told or user_id in self.home_wanted:
                return
            if len(self._publishes(user_id)) > self._homes_seen.get(user_id, 0):
                self._homes_told.add(user_id)
                who = self.names().get(user_id, user_id)
                self.say(f"({who}'s App Home has changed: :home shows it.)")

    # --- modals ---------------------------------------------------------------------------

    def show_form(self, view: View, note: str = "") -> None:
        """A modal as the member sees it, before they fill it."""
        who = self.names().get(view.user_id or "", view.user_id or "someone")
        title = f"form for {who}" + (f" ({note})" if note else "")
        self.show(
            title, render_view(view.view, self.names()), view.user_id, view.view.get("blocks"), view
        )


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

"""What a console line means, and the small text rules the console follows: pure functions.

>>> parse_line("/action Plan it by Friday")
Slash(command='/action', text='Plan it by Friday')
>>> parse_line(":as pete")
SwitchMember(name='pete')
>>> escape_mentions("Ask @pete", lambda name: "U0PETE")
'Ask <@U0PETE|pete>'
>>> escape_channels("Post in #comms", channel_id_for)
'Post in <#C0COMMS|comms>'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Blank",
    "Click",
    "ConsoleLine",
    "Demo",
    "Help",
    "Home",
    "Quit",
    "Shortcut",
    "Slash",
    "SwitchMember",
    "Unknown",
    "Wait",
    "HELP",
    "SHORTCUT_NAMES",
    "channel_id_for",
    "escape_channels",
    "escape_mentions",
    "escape_like_slack",
    "parse_line",
    "user_id_for",
]

HELP = """\
/command text      a slash command from the current member, e.g. /action Plan it by Friday
                   (@name becomes a member and #name a channel, as Slack escapes them;
                   new names join the workspace)
:as <name>         switch member (ana, pete, sam and steering exist; steering is in the
                   steering group; any other name is created)
:click <label> [n | words]
                   press the button labelled <label> on the latest message that has one
                   (n: the n-th such button; words: the one next to them, e.g. :click Done A2)
:shortcut <track | remind | meeting> <message text>
                   post the message in #general and use the message shortcut on it:
                   Track as action, Remind me to follow up, or Track actions from this
                   message
:home              open the current member's App Home
:wait <seconds>    wait, showing whatever the bot sends meanwhile (reminders, digests)
:demo              fill an empty database with a small network's week to explore
:help              this help
:quit              leave (also Ctrl-D); Ctrl-C cancels the line you are typing

A form (a modal) is filled field by field: Enter keeps what is shown, - empties a field,
a choice is its number or its name; then Enter submits it. :cancel (or Ctrl-C) closes it."""

# What ``:shortcut`` names, and the message shortcut's callback id for each.
SHORTCUT_NAMES = {
    "track": "track_as_action",
    "remind": "remind_follow_up",
    "meeting": "track_meeting",
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,79}$")
_PLAIN_USER = re.compile(r"(?<![\w<@|])@([A-Za-z0-9][\w.\-]{0,79})")
# A channel's name as Slack allows it; one starting with a digit (#42) stays as typed.
_PLAIN_CHANNEL = re.compile(r"(?<![\w<#|/&])#([A-Za-z][\w\-]{0,79})")
_SPECIAL = {"here", "channel", "everyone"}


@dataclass(frozen=True)
class Slash:
    """``/command text``."""

    command: str
    text: str


@dataclass(frozen=True)
class SwitchMember:
    """``:as name``; an empty name asks who the current member is."""

    name: str


@dataclass(frozen=True)
class Click:
    """``:click label [which]``."""

    label: str
    which: str = ""


@dataclass(frozen=True)
class Home:
    """``:home``."""


@dataclass(frozen=True)
class Wait:
    """``:wait seconds``."""

    seconds: float


@dataclass(frozen=True)
class Shortcut:
    """``:shortcut track We agreed Pete drafts the reply``: a message shortcut's callback id
    and the message it is used on."""

    callback_id: str
    text: str


@dataclass(frozen=True)
class Demo:
    """``:demo``."""


@dataclass(frozen=True)
class Help:
    """``:help``."""


@dataclass(frozen=True)
class Quit:
    """``:quit``."""


@dataclass(frozen=True)
class Blank:
    """An empty line or a ``#`` comment (scripts may have them)."""


@dataclass(frozen=True)
class Unknown:
    """Anything else, with what to tell the person."""

    message: str


ConsoleLine = (
    Slash | SwitchMember | Click | Shortcut | Home | Wait | Demo | Help | Quit | Blank | Unknown
)


def parse_line(line: str) -> ConsoleLine:
    """Read one line typed at the console.

    >>> parse_line(":click Done A2")
    Click(label='Done', which='A2')
    >>> parse_line(":click Snooze 1 hour")
    Click(label='Snooze 1 hour', which='')
    """
    line = line.strip()
    if not line or line.startswith("# "):
        return Blank()
    if line.startswith("/"):
        command, _, text = line.partition(" ")
        if not re.fullmatch(r"/[a-z0-9_\-]{1,31}", command.lower()):
            return Unknown(f"'{command}' is not a slash command. Try /action help")
        return Slash(command.lower(), text.strip())
    if not line.startswith(":"):
        return Unknown("Type a slash command (like /action help) or :help")
    verb, _, rest = line[1:].partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "as":
        name = rest.lstrip("@").lower()
        if name and not _NAME.match(name):
            return Unknown("A member's name is letters, digits, dots, dashes: :as pete")
        return SwitchMember(name)
    if verb == "click":
        if not rest:
            return Unknown("Which button? For example :click Done")
        return _click(rest)
    if verb == "shortcut":
        return _shortcut(rest)
    if verb == "home":
        return Home()
    if verb == "demo":
        return Demo()
    if verb == "wait":
        try:
            seconds = float(rest or "1")
        except ValueError:
            return Unknown("How long? For example :wait 2")
        return Wait(min(max(seconds, 0.0), 3600.0))
    if verb in ("help", "h", "?"):
        return Help()
    if verb in ("quit", "q", "exit"):
        return Quit()
    return Unknown(f"':{verb}' is not a console command. Type :help")


def _click(rest: str) -> Click:
    """``Done A2`` → label Done, which A2; a number or an id at the end picks among several."""
    words = rest.split()
    last = words[-1]
    if len(words) > 1 and re.fullmatch(r"[A-Za-z]?\d+", last):
        # "Snooze 1 hour" keeps its number: only a last word that is a number or an id picks
        return Click(" ".join(words[:-1]), last)
    return Click(rest)


def _shortcut(rest: str) -> Shortcut | Unknown:
    """``track <text>`` or ``remind <text>`` (or a shortcut's own callback id)."""
    name, _, text = rest.partition(" ")
    callback_id = SHORTCUT_NAMES.get(name.lower()) or (
        name if name in SHORTCUT_NAMES.values() else None
    )
    if callback_id is None or not text.strip():
        return Unknown(
            "Which shortcut, on what message? For example "
            ":shortcut track We agreed Pete drafts the charter response"
        )
    return Shortcut(callback_id, text.strip())


def user_id_for(name: str) -> str:
    """A stable Slack-like user id for a console member's name.

    >>> user_id_for("pete"), user_id_for("mary-jane")
    ('U0PETE', 'U0MARYJANE7C9B')
    """
    letters = re.sub(r"[^A-Z0-9]", "", name.upper())[:16]
    if letters.lower() == name:
        return f"U0{letters}"
    return f"U0{letters}{hashlib.sha1(name.encode()).hexdigest()[:4].upper()}"


_TYPED_REFERENCE = re.compile(r"<(?:[@#!][^<>\s]+|(?:https?|mailto):[^<>\s]+)>")


def escape_like_slack(
    text: str, user_id: Callable[[str], str], channel_id: Callable[[str], str]
) -> str:
    """What Slack sends for ``text`` typed in a slash command with ``should_escape``: ``&``,
    ``<`` and ``>`` escaped, ``@name`` and ``#name`` made references, and references typed
    by hand (``<@U0PETE|pete>``, ``<https://x.org|a link>``) kept.

    >>> escape_like_slack("R&D <b> @pete <https://x.org|x>", lambda n: "U0PETE", lambda n: "C1")
    'R&amp;D &lt;b&gt; <@U0PETE|pete> <https://x.org|x>'
    """
    out, last = [], 0
    for match in _TYPED_REFERENCE.finditer(text):
        out.append(_escape_text(text[last : match.start()]))
        out.append(match[0])
        last = match.end()
    out.append(_escape_text(text[last:]))
    return escape_channels(escape_mentions("".join(out), user_id), channel_id)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_mentions(text: str, user_id: Callable[[str], str]) -> str:
    """Turn plain ``@name`` into Slack's escaped ``<@U…|name>``, as ``should_escape`` does.

    ``@here``, ``@channel`` and ``@everyone`` become ``<!here>`` and so on; mentions
    already escaped are left alone; a trailing full stop is not part of a name.

    >>> escape_mentions("Tell @pete. And @here", lambda n: "U0" + n.upper())
    'Tell <@U0PETE|pete>. And <!here>'
    """

    def replace(match: re.Match[str]) -> str:
        name = match[1].rstrip(".-")
        tail = match[1][len(name) :]
        if name.lower() in _SPECIAL:
            return f"<!{name.lower()}>{tail}"
        return f"<@{user_id(name.lower())}|{name.lower()}>{tail}"

    return _PLAIN_USER.sub(replace, text)


def channel_id_for(name: str) -> str:
    """A stable Slack-like channel id for a channel's name (``general`` is ``C0GENERAL``).

    >>> channel_id_for("network-news")
    'C0NETWORKNEWS73B8'
    """
    return "C" + user_id_for(name.lower())[1:]


def escape_channels(text: str, channel_id: Callable[[str], str]) -> str:
    """Turn plain ``#name`` into Slack's escaped ``<#C…|name>``, as ``should_escape`` does.

    Escaped channels are left alone, and so are ``#42`` (not a channel's name), a ``#``
    inside a word or a link; a trailing full stop or dash is not part of the name.

    >>> escape_channels("Post in #Comms. Fix #42, see x.org/#top", lambda n: "C0" + n.upper())
    'Post in <#C0COMMS|comms>. Fix #42, see x.org/#top'
    """

    def replace(match: re.Match[str]) -> str:
        name = match[1].rstrip(".-")
        tail = match[1][len(name) :]
        return f"<#{channel_id(name.lower())}|{name.lower()}>{tail}"

    return _PLAIN_CHANNEL.sub(replace, text)

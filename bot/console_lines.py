"""What a console line means, and the small text rules the console follows: pure functions.

>>> parse_line("/action Plan it by Friday")
Slash(command='/action', text='Plan it by Friday')
>>> parse_line(":as pete")
SwitchMember(name='pete')
>>> escape_mentions("Ask @pete", lambda name: "U0PETE")
'Ask <@U0PETE|pete>'
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
    "Help",
    "Home",
    "Quit",
    "Slash",
    "SwitchMember",
    "Unknown",
    "Wait",
    "HELP",
    "escape_mentions",
    "parse_line",
    "user_id_for",
]

HELP = """\
/command text      a slash command from the current member, e.g. /action Plan it by Friday
                   (@name becomes a Slack mention; unknown names join the workspace)
:as <name>         switch member (ana, pete, sam and steering exist; steering is in the
                   steering group; any other name is created)
:click <label> [n | words]
                   press the button labelled <label> on the latest message that has one
                   (n: the n-th such button; words: the one next to them, e.g. :click Done A2)
:home              open the current member's App Home
:wait <seconds>    wait, showing whatever the bot sends meanwhile (reminders, digests)
:help              this help
:quit              leave (also Ctrl-D)"""

_NAME = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,79}$")
_PLAIN_USER = re.compile(r"(?<![\w<@|])@([A-Za-z0-9][\w.\-]{0,79})")
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


ConsoleLine = Slash | SwitchMember | Click | Home | Wait | Help | Quit | Blank | Unknown


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
    if verb == "home":
        return Home()
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


def user_id_for(name: str) -> str:
    """A stable Slack-like user id for a console member's name.

    >>> user_id_for("pete"), user_id_for("mary-jane")
    ('U0PETE', 'U0MARYJANE7C9B')
    """
    letters = re.sub(r"[^A-Z0-9]", "", name.upper())[:16]
    if letters.lower() == name:
        return f"U0{letters}"
    return f"U0{letters}{hashlib.sha1(name.encode()).hexdigest()[:4].upper()}"


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

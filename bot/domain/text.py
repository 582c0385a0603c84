"""Reading what people type: mentions, channel and tag references, and ids.

Slack escapes mentions in slash commands when the manifest sets ``should_escape``:
``<@U123|pete>`` and ``<#C123|inclusion>``. People (and the console) also type plain
``@pete`` and ``#inclusion``; both forms are read here.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from bot.domain.errors import ParseError

__all__ = [
    "button_id",
    "Mention",
    "Word",
    "closest",
    "mrkdwn",
    "plain_text",
    "shorten",
    "text_in",
    "words",
    "parse_id",
    "parse_mention",
    "format_id",
    "take_mentions",
    "take_tags",
    "normalise_tag",
]

_ESCAPED_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_PLAIN_USER = re.compile(r"(?<![\w<])@([\w.\-]{1,80})")
_ESCAPED_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_PLAIN_TAG = re.compile(r"(?<![\w<&])#([\w\-]{1,60})")
_ID = re.compile(r"^\s*([A-Za-z])?\s*(\d{1,9})\s*$", re.ASCII)
TAG_MAX = 40


@dataclass(frozen=True)
class Mention:
    """A person named in a command: by Slack user id, or by a plain ``@name``."""

    user_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"<@{self.user_id}>" if self.user_id else f"@{self.name}"


def parse_mention(text: str) -> Mention:
    """Read exactly one person from ``text``.

    >>> parse_mention("<@U02ABC|pete>")
    Mention(user_id='U02ABC', name='pete')
    >>> parse_mention("@pete")
    Mention(user_id=None, name='pete')
    """
    rest, mentions = take_mentions(text)
    if len(mentions) != 1 or rest.strip():
        raise ParseError(
            "I need one person, picked with @ so Slack fills in their name.",
            example="@pete",
        )
    return mentions[0]


def take_mentions(text: str) -> tuple[str, list[Mention]]:
    """Remove every user mention from ``text``; return the rest and the mentions in order.

    >>> take_mentions("Draft it <@U02|pete> soon")
    ('Draft it  soon', [Mention(user_id='U02', name='pete')])
    """
    found: list[tuple[int, Mention]] = []

    def escaped(match: re.Match[str]) -> str:
        found.append((match.start(), Mention(match[1], match[2] or None)))
        return ""

    def plain(match: re.Match[str]) -> str:
        found.append((match.start(), Mention(None, match[1])))
        return ""

    text = _ESCAPED_USER.sub(escaped, text)
    text = _PLAIN_USER.sub(plain, text)
    return text, [m for _, m in sorted(found, key=lambda pair: pair[0])]


def normalise_tag(tag: str) -> str:
    """Tags and workstreams are compared lower-case, without the ``#``.

    >>> normalise_tag("#Digital-Inclusion")
    'digital-inclusion'
    """
    tag = tag.strip().lstrip("#").lower()
    if not tag or len(tag) > TAG_MAX or not re.fullmatch(r"[\w\-]+", tag):
        raise ParseError(
            f"“{tag[:60]}” can't be a tag: use letters, digits and dashes, "
            f"up to {TAG_MAX} characters.",
            example="#inclusion",
        )
    return tag


def take_tags(text: str) -> tuple[str, list[str]]:
    """Remove every ``#tag`` and channel reference; return the rest and the tags in order.

    A channel reference ``<#C123|inclusion>`` counts as the tag ``inclusion``.

    >>> take_tags("Charter response <#C1|inclusion> #Policy")
    ('Charter response  ', ['inclusion', 'policy'])
    """
    found: list[tuple[int, str]] = []

    def channel(match: re.Match[str]) -> str:
        if not match[2]:
            raise ParseError(
                "I couldn't read that channel's name; type the workstream as a plain #tag.",
                example="#inclusion",
            )
        found.append((match.start(), normalise_tag(match[2])))
        return ""

    def plain(match: re.Match[str]) -> str:
        found.append((match.start(), normalise_tag(match[1])))
        return ""

    text = _ESCAPED_CHANNEL.sub(channel, text)
    text = _PLAIN_TAG.sub(plain, text)
    tags = []
    for _, tag in sorted(found, key=lambda pair: pair[0]):
        if tag not in tags:
            tags.append(tag)
    return text, tags


def parse_id(text: str, letter: str) -> int:
    """Read an id shown with its letter (``A12``) or without (``12``).

    >>> parse_id("A12", "A"), parse_id("12", "A")
    (12, 12)
    """
    match = _ID.match(text or "")
    if not match or (match[1] and match[1].upper() != letter):
        shown = (text or "").strip()[:40] or "nothing"
        raise ParseError(f"I need an id like {letter}12, and got “{shown}”.", example=f"{letter}12")
    return int(match[2])


def button_id(value: str, letter: str, instead: str) -> int:
    """The id a button of ours carries (``value``); a forged or broken one is refused with
    what to type ``instead``.

    >>> button_id("R7", "R", "/reflect share R7")
    7
    >>> button_id("x", "R", "/reflect share R7")
    Traceback (most recent call last):
    ...
    bot.domain.errors.ParseError: That button is broken; try `/reflect share R7`.
    """
    try:
        return parse_id(value, letter)
    except ParseError:
        raise ParseError(f"That button is broken; try `{instead}`.") from None


def format_id(letter: str, number: int) -> str:
    """``format_id("A", 12)`` gives ``A12``."""
    return f"{letter}{number}"


@dataclass(frozen=True)
class Word:
    """One word of what was typed, and where it stands in the text."""

    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        """The word in lower case, for comparing."""
        return self.text.lower()


_WORD = re.compile(r"<[^<>\s][^<>]*>|[^\s,;:!?()]+(?:[.:](?=\S))?[^\s,;:!?()]*|[,;:!?()]")


def words(text: str) -> list[Word]:
    """The words of ``text`` with their places; Slack's ``<…>`` references are one word each,
    and commas, colons and brackets are words of their own.

    >>> [w.text for w in words("Ask <@U1|pete> by Friday, please")]
    ['Ask', '<@U1|pete>', 'by', 'Friday', ',', 'please']
    >>> [w.text for w in words("by: 15/01 at 5.30pm.")]
    ['by', ':', '15/01', 'at', '5.30pm.']
    """
    return [Word(m[0], m.start(), m.end()) for m in _WORD.finditer(text)]


def closest(word: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.75) -> str | None:
    """The choice ``word`` is most likely a slip for, if one is close enough ("lsit": "list").

    >>> closest("lsit", ["list", "done"]), closest("dne", ["list", "done"]), closest("x", ["list"])
    ('list', 'done', None)
    """
    found = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=cutoff)
    return found[0] if found else None


_REFERENCE = re.compile(
    r"<(?P<user>@[UW][A-Z0-9]+)(?:\|[^<>]*)?>"
    r"|<(?P<channel>#[CG][A-Z0-9]+(?:\|[^<>]*)?)>"
    r"|<(?P<link>(?:https?|mailto):[^<>|\s]+(?:\|[^<>]*)?)>"
    r"|<!(?P<special>[^<>]*)>"
    r"|(?P<entity>&(?:amp|lt|gt);)"
)


def mrkdwn(text: str) -> str:
    """Stored text for a message: member mentions, channels and links stay live; everything
    else shows as typed (``<!channel>`` shows as the words "@channel" and notifies no one).

    Text typed in a command arrives with Slack's escapes (``&amp;``, ``&lt;``), which are kept.

    >>> mrkdwn("Ask <@U0PETE|pete> in <#C1|comms> re <https://x.org|the doc> & <!channel> 1<2")
    'Ask <@U0PETE> in <#C1|comms> re <https://x.org|the doc> &amp; @channel 1&lt;2'
    """
    out, last = [], 0
    for m in _REFERENCE.finditer(text):
        out.append(_escape(text[last : m.start()]))
        if m["user"]:
            out.append(f"<{m['user']}>")
        elif m["channel"] or m["link"]:
            out.append(f"<{m['channel'] or m['link']}>")
        elif m["special"] is not None:
            out.append("@" + _escape(m["special"].split("|")[-1].lstrip("!")))
        else:
            out.append(m["entity"])
        last = m.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int, *, one_line: bool = False) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with ``…``; never
    inside a ``<…>`` reference or an ``&…;`` escape, so a cut mention is left out whole
    rather than shown broken. ``one_line`` first joins its lines with spaces.

    >>> shorten("Ask <@U0PETE|pete> about the charter", 12)
    'Ask…'
    >>> shorten("R&amp;D budget for next year", 5), shorten("short", 10)
    ('R…', 'short')
    """
    if one_line:
        text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened, entity = cut.rfind("<"), cut.rfind("&")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    if entity > cut.rfind(";") and entity > len(cut) - 6:
        cut = cut[:entity]
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def text_in(typed: str) -> str:
    """Text typed where Slack does not escape it (a modal's field), in the stored form.

    Stored text is what a slash command brings: ``&``, ``<`` and ``>`` escaped as Slack
    escapes them, mentions, channels and links as ``<…>`` references. A modal's text has
    no references (a member cannot pick a mention in a plain text field), so all of it is
    text: ``<!channel>`` typed there stays words, and shows as typed through :func:`mrkdwn`.

    >>> text_in("R&D <!here> 1<2")
    'R&amp;D &lt;!here&gt; 1&lt;2'
    """
    return _escape(typed)


def plain_text(stored: str) -> str:
    """Stored text as plain words, for files and plain-text fields (an export, a weeknote,
    a form's pre-filled value): a mention as ``@name`` (or ``@U…`` when no name came with
    it), a channel as ``#name``, a link as ``label (url)``, escapes undone.

    >>> plain_text("Ask <@U0PETE|pete> in <#C1|comms> re <https://x.org|the doc> &amp; <!channel>")
    'Ask @pete in #comms re the doc (https://x.org) & @channel'
    """
    out, last = [], 0
    for m in _PLAIN_REFERENCE.finditer(stored):
        out.append(html.unescape(stored[last : m.start()]))
        kind, target, label = m["kind"], m["target"], m["label"]
        if kind == "@":
            out.append(f"@{label or target}")
        elif kind == "#":
            out.append(f"#{label or target}")
        elif kind == "!":
            out.append("@" + (label or target).lstrip("@"))
        else:
            out.append(f"{label} ({target})" if label and label != target else target)
        last = m.end()
    out.append(html.unescape(stored[last:]))
    return "".join(out)


_PLAIN_REFERENCE = re.compile(
    r"<(?P<kind>[@#!]|(?=(?:https?|mailto):))(?P<target>[^<>|\s]+)(?:\|(?P<label>[^<>]*))?>"
)

"""Reading what people type: mentions, channel and tag references, and ids.

Slack escapes mentions in slash commands when the manifest sets ``should_escape``:
``<@U123|pete>`` and ``<#C123|inclusion>``. People (and the console) also type plain
``@pete`` and ``#inclusion``; both forms are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import ParseError

__all__ = [
    "Mention",
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


def format_id(letter: str, number: int) -> str:
    """``format_id("A", 12)`` gives ``A12``."""
    return f"{letter}{number}"

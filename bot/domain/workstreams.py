"""Workstreams: the network's named strands of work, kept by the steering group.

A workstream is a record: a tag (``#inclusion``), a title ("Digital inclusion"), a lead
(a member) and a channel. Actions join one by its tag. Pure: ``/workstream`` is read here,
and an unknown tag gets the nearest known one ("did you mean #inclusion?").
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.errors import NotAllowed, ParseError
from bot.domain.text import _ESCAPED_CHANNEL, Mention, normalise_tag, take_mentions

__all__ = [
    "Workstream",
    "WorkstreamCommand",
    "WorkstreamChanges",
    "TITLE_MAX",
    "EXAMPLE",
    "parse_workstream_command",
    "nearest_tag",
    "check_known_tag",
    "require_steering",
]

TITLE_MAX = 80
EXAMPLE = "/workstream add #inclusion Digital inclusion lead @pete channel #inclusion"


@dataclass(frozen=True)
class Workstream:
    """A workstream as stored; ``archived_at`` set when the steering group archived it."""

    id: int
    team_id: str
    tag: str
    title: str
    lead_id: str | None
    channel_id: str | None
    created_by: str
    created_at: datetime
    archived_at: datetime | None = None

    @property
    def archived(self) -> bool:
        """Archived workstreams keep their actions but take no new ones."""
        return self.archived_at is not None


@dataclass(frozen=True)
class WorkstreamChanges:
    """What ``add`` or ``edit`` sets: ``None`` leaves a field as it is."""

    title: str | None = None
    lead: Mention | None = None
    channel_id: str | None = None


@dataclass(frozen=True)
class WorkstreamCommand:
    """One parsed ``/workstream`` command."""

    verb: Literal["list", "help", "add", "edit", "archive", "unarchive", "modal"]
    tag: str | None = None
    changes: WorkstreamChanges = WorkstreamChanges()


_VERBS = ("list", "help", "add", "new", "edit", "archive", "unarchive")


def parse_workstream_command(text: str) -> WorkstreamCommand:
    """Read what follows ``/workstream``.

    >>> parse_workstream_command("add #inclusion Digital inclusion lead <@U2|pete>").changes
    WorkstreamChanges(title='Digital inclusion', lead=Mention(user_id='U2', name='pete'), \
channel_id=None)
    >>> parse_workstream_command("").verb, parse_workstream_command("archive #comms").tag
    ('list', 'comms')
    """
    text = " ".join((text or "").split())
    word, _, rest = text.partition(" ")
    verb = word.lower()
    if verb in ("", "list", "ls") and not rest:
        return WorkstreamCommand("list")
    if verb == "help" and not rest:
        return WorkstreamCommand("help")
    if verb in ("add", "new") and not rest:
        return WorkstreamCommand("modal")
    if verb not in _VERBS:
        close = difflib.get_close_matches(verb, _VERBS, n=1, cutoff=0.6)
        hint = (
            f"Did you mean `/workstream {close[0]} {rest}`?".replace(" `?", "`?") if close else ""
        )
        raise ParseError(
            f"I don't know `/workstream {word}`. {hint}".strip(),
            example=EXAMPLE,
        )
    tag_word, _, tail = rest.partition(" ")
    if not tag_word:
        raise ParseError(
            "Which workstream? Give its #tag.", example=f"/workstream {verb} #inclusion"
        )
    tag = _tag(tag_word)
    if verb in ("archive", "unarchive"):
        if tail:
            raise ParseError(
                f"`/workstream {verb}` takes just the #tag.", example=f"/workstream {verb} #{tag}"
            )
        return WorkstreamCommand(verb, tag)  # type: ignore[arg-type]
    if verb == "edit" and not tail:
        return WorkstreamCommand("modal", tag)
    changes = _changes(tail)
    if verb in ("add", "new") and not changes.title:
        raise ParseError(
            "What is the workstream called? Give a title after the #tag.", example=EXAMPLE
        )
    return WorkstreamCommand("add" if verb in ("add", "new") else "edit", tag, changes)


def _tag(word: str) -> str:
    channel = _ESCAPED_CHANNEL.fullmatch(word)
    if channel:
        if not channel[2]:
            raise ParseError("Type the workstream's tag as a plain #tag.", example="#inclusion")
        return normalise_tag(channel[2])
    if not word.startswith("#"):
        raise ParseError(
            f"A workstream's tag starts with #, like #{word.lower()}.", example=EXAMPLE
        )
    return normalise_tag(word)


def _changes(tail: str) -> WorkstreamChanges:
    """``<title> [lead @person] [channel #channel]``, in any order after the title."""
    words = tail.split(" ") if tail else []
    title_words: list[str] = []
    lead = channel_id = None
    i = 0
    while i < len(words):
        word = words[i].lower()
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == "lead" and following:
            _, mentions = take_mentions(following)
            if len(mentions) != 1:
                raise ParseError(
                    "Pick the lead with @ so Slack fills in their name.", example=EXAMPLE
                )
            lead = mentions[0]
            i += 2
            continue
        if word == "channel" and following:
            match = _ESCAPED_CHANNEL.fullmatch(following)
            if not match:
                raise ParseError(
                    "Pick the channel with # so Slack fills in its name.", example=EXAMPLE
                )
            channel_id = match[1]
            i += 2
            continue
        title_words.append(words[i])
        i += 1
    title = " ".join(title_words).strip()
    if len(title) > TITLE_MAX:
        raise ParseError(
            f"A workstream's title can be up to {TITLE_MAX} characters; that one is {len(title)}.",
            example=EXAMPLE,
        )
    return WorkstreamChanges(title or None, lead, channel_id)


def nearest_tag(tag: str, known: Collection[str]) -> str | None:
    """The known tag closest to ``tag``, if any is close.

    >>> nearest_tag("inclsion", ["inclusion", "democracy", "skills"])
    'inclusion'
    >>> nearest_tag("budget", ["inclusion", "democracy"]) is None
    True
    """
    found = difflib.get_close_matches(tag, list(known), n=1, cutoff=0.7)
    return found[0] if found else None


def check_known_tag(tag: str, known: Collection[str], example: str) -> None:
    """Raise :class:`ParseError` unless ``tag`` is a known workstream (when any are kept).

    >>> check_known_tag("inclsion", ["inclusion"], "/action list #inclusion")
    Traceback (most recent call last):
    ...
    bot.domain.errors.ParseError: There's no workstream #inclsion. Did you mean #inclusion?
    """
    if not known or tag in known:
        return
    near = nearest_tag(tag, known)
    listed = ", ".join(f"#{t}" for t in sorted(known))
    raise ParseError(
        f"There's no workstream #{tag}. Did you mean #{near}?"
        if near
        else f"There's no workstream #{tag}. The workstreams are {listed}.",
        example=example.replace("#inclusion", f"#{near}") if near else example,
    )


def require_steering(is_steering: bool, what: str) -> None:
    """Raise :class:`NotAllowed` unless the member is in the steering group."""
    if not is_steering:
        raise NotAllowed(
            f"{what} is for the steering group. Everyone can see the workstreams with "
            "`/workstream list`.",
        )

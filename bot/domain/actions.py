"""Tracked actions: reading ``/action`` commands and the rules of who may change what.

Everything here is pure: it takes the text, ``now`` and the member's time zone, and
returns data. Storage applies :func:`may_change`; handlers render the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.dates import parse_due
from bot.domain.errors import NotAllowed, ParseError
from bot.domain.people import Actor, mention
from bot.domain.text import Mention, parse_id, parse_mention, take_mentions, take_tags

__all__ = [
    "Action",
    "ActionDraft",
    "ActionEvent",
    "ActionCommand",
    "ListFilter",
    "EXAMPLE",
    "TITLE_MAX",
    "NOTE_MAX",
    "parse_action_command",
    "parse_draft",
    "may_change",
    "check_change",
]

TITLE_MAX = 200
NOTE_MAX = 2000
COMMAND_MAX = 3000
EXAMPLE = "/action Draft our response to the Digital Inclusion Charter @pete by Friday #inclusion"
Status = Literal["open", "done", "dropped"]


@dataclass(frozen=True)
class Action:
    """A tracked action as stored."""

    id: int
    team_id: str
    title: str
    owner_id: str | None
    creator_id: str
    due: date | None
    workstream: str | None
    notes: str
    permalink: str | None
    status: Status
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None = None

    @property
    def ref(self) -> str:
        """The id as members see it: ``A12``."""
        return f"A{self.id}"

    def is_overdue(self, today: date) -> bool:
        """Open, with a due date before ``today``."""
        return self.status == "open" and self.due is not None and self.due < today


@dataclass(frozen=True)
class ActionEvent:
    """One change in an action's history: who did what, when."""

    action_id: int
    actor_id: str
    kind: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class ActionDraft:
    """A new action as typed, before it is stored; the owner may still be a plain name."""

    title: str
    owner: Mention | None = None
    due: date | None = None
    workstream: str | None = None
    notes: str = ""


@dataclass(frozen=True)
class ListFilter:
    """Which actions ``/action list`` shows."""

    kind: Literal["default", "mine", "user", "workstream", "overdue", "done", "all"] = "default"
    user: Mention | None = None
    workstream: str | None = None


@dataclass(frozen=True)
class ActionCommand:
    """One parsed ``/action`` command: a verb and what it needs."""

    verb: Literal[
        "help",
        "modal",
        "create",
        "list",
        "done",
        "reopen",
        "drop",
        "assign",
        "due",
        "note",
        "show",
        "review",
        "export",
    ]
    action_id: int | None = None
    draft: ActionDraft | None = None
    filter: ListFilter = field(default_factory=ListFilter)
    owner: Mention | None = None
    due: date | None = None
    note: str = ""


_ID_VERBS = {"done", "reopen", "drop", "show"}
_LIST_WORDS = {"mine", "overdue", "done", "all"}


def parse_action_command(text: str, now: datetime, tz: ZoneInfo) -> ActionCommand:
    """Read what follows ``/action``.

    A verb counts only when what follows it fits; otherwise the text is a new
    action's title, so ``/action review the budget by Friday`` creates an action.

    >>> from datetime import UTC
    >>> parse_action_command("done A12", datetime(2026, 12, 1, tzinfo=UTC), ZoneInfo("UTC")).verb
    'done'
    """
    text = (text or "").strip()
    if len(text) > COMMAND_MAX:
        raise ParseError(
            f"That's {len(text):,} characters; an action needs far fewer "
            f"(a title up to {TITLE_MAX}).",
            example=EXAMPLE,
        )
    if not text:
        return ActionCommand("modal")
    word, _, rest = text.partition(" ")
    verb, rest = word.lower(), rest.strip()

    if verb == "help" and not rest:
        return ActionCommand("help")
    if verb in ("review", "export") and not rest:
        return ActionCommand(verb)
    if verb == "list":
        found = _parse_list_filter(rest)
        if found is not None:
            return ActionCommand("list", filter=found)
    if verb in _ID_VERBS and _looks_like_id(rest.partition(" ")[0]):
        if " " in rest:
            raise ParseError(f"`/action {verb}` takes just an id.", example=f"/action {verb} A12")
        return ActionCommand(verb, action_id=parse_id(rest, "A"))
    if verb in ("assign", "due", "note"):
        first, _, tail = rest.partition(" ")
        if _looks_like_id(first):
            action_id = parse_id(first, "A")
            tail = tail.strip()
            if verb == "assign":
                return ActionCommand("assign", action_id=action_id, owner=parse_mention(tail))
            if verb == "due":
                if not tail:
                    raise ParseError(
                        "When is it due?", example=f"/action due A{action_id} next Friday"
                    )
                return ActionCommand("due", action_id=action_id, due=parse_due(tail, now, tz))
            return ActionCommand("note", action_id=action_id, note=_check_note(tail, action_id))
    if verb in _ID_VERBS | {"assign", "due", "note"} and not rest:
        raise ParseError("Which action? Give its id.", example=f"/action {verb} A12")
    return ActionCommand("create", draft=parse_draft(text, now, tz))


def _looks_like_id(word: str) -> bool:
    """A short word with a digit in it is meant as an id (``A12``, ``12``, even ``A1x``)."""
    return bool(re.search(r"\d", word)) and len(word) <= 12


def _parse_list_filter(rest: str) -> ListFilter | None:
    if not rest:
        return ListFilter()
    if rest.lower() in _LIST_WORDS:
        return ListFilter(rest.lower())  # type: ignore[arg-type]
    remaining, mentions = take_mentions(rest)
    if len(mentions) == 1 and not remaining.strip():
        return ListFilter("user", user=mentions[0])
    try:
        remaining, tags = take_tags(rest)
    except ParseError:
        return None
    if len(tags) == 1 and not remaining.strip():
        return ListFilter("workstream", workstream=tags[0])
    return None


def _check_note(note: str, action_id: int) -> str:
    if not note:
        raise ParseError("What's the note?", example=f"/action note A{action_id} Spoke to the CDO")
    if len(note) > NOTE_MAX:
        raise ParseError(
            f"A note can be up to {NOTE_MAX:,} characters; that one is {len(note):,}.",
            example=f"/action note A{action_id} Spoke to the CDO",
        )
    return note


_BY = re.compile(r"\s+by\s+", re.IGNORECASE)
_DATEISH = re.compile(
    r"\d|\b(mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"today|tomorrow|tonight|next|week|month|end|in)\w*\b",
    re.IGNORECASE,
)


def parse_draft(text: str, now: datetime, tz: ZoneInfo) -> ActionDraft:
    """Read ``<title> [@owner] [by <date>] [#workstream]``.

    >>> from datetime import UTC
    >>> now = datetime(2026, 12, 1, tzinfo=UTC)
    >>> d = parse_draft("Plan the show and tell <@U2|sam> #comms", now, ZoneInfo("UTC"))
    >>> d.title, d.owner.user_id, d.workstream
    ('Plan the show and tell', 'U2', 'comms')
    """
    rest, mentions = take_mentions(text)
    if len(mentions) > 1:
        raise ParseError(
            "An action has one owner; name one person (you can add others in a note).",
            example=EXAMPLE,
        )
    rest, tags = take_tags(rest)
    if len(tags) > 1:
        raise ParseError("An action belongs to one workstream; give one #tag.", example=EXAMPLE)
    title, due = _split_due(" ".join(rest.split()), now, tz)
    if not title:
        raise ParseError("What's the action? It needs a title.", example=EXAMPLE)
    if len(title) > TITLE_MAX:
        raise ParseError(
            f"A title can be up to {TITLE_MAX} characters; that one is {len(title):,}. "
            "Put the detail in a note.",
            example=EXAMPLE,
        )
    return ActionDraft(title, mentions[0] if mentions else None, due, tags[0] if tags else None)


def _split_due(text: str, now: datetime, tz: ZoneInfo) -> tuple[str, date | None]:
    """Split ``title by <date>`` at the last ``by`` whose tail reads as a date.

    A tail that doesn't look like a date at all ("by the river") stays in the title;
    one that looks like a date but can't be read is refused with the reason.
    """
    matches = list(_BY.finditer(text))
    for match in reversed(matches):
        tail = text[match.end() :]
        try:
            return text[: match.start()].strip(), parse_due(tail, now, tz)
        except ParseError:
            if match is matches[-1] and _DATEISH.search(tail) and len(tail.split()) <= 4:
                raise
    if text.lower().startswith("by "):
        return "", parse_due(text[3:], now, tz)
    return text, None


def may_change(action: Action, actor: Actor) -> bool:
    """The owner, the creator and the steering group may change an action."""
    return actor.is_steering or actor.user_id in (action.owner_id, action.creator_id)


def check_change(action: Action, actor: Actor) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` may change ``action``."""
    if not may_change(action, actor):
        owner = mention(action.owner_id) if action.owner_id else "its creator"
        raise NotAllowed(
            f"{action.ref} belongs to {owner}: only its owner, its creator or the "
            "steering group can change it. You can add your voice in the thread where "
            "it was agreed.",
        )

"""Tracked actions: reading ``/action`` commands and the rules of who may change what.

Everything here is pure: it takes the text, ``now`` and the member's time zone, and
returns data. Storage applies :func:`may_change`; handlers render the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.calendar import (
    FULL_MONTH_NAMES,
    MONTH_WORDS,
    WEEKDAY_WORDS,
    last_day,
)
from bot.domain.dates import (
    CLOSE_OF_DAY,
    DUE_EXAMPLE,
    RELATIVE_DAYS,
    VAGUE_DATE,
    Moment,
    check_due,
    find_time,
    format_date,
    format_due,
    near_date_word,
    normalise,
    read_moment,
)
from bot.domain.errors import DidYouMean, NotAllowed, ParseError
from bot.domain.people import Actor, mention
from bot.domain.text import (
    Mention,
    Word,
    closest,
    parse_id,
    parse_mention,
    take_mentions,
    take_tags,
    words,
)
from bot.domain.weekly import read_channel

__all__ = [
    "Action",
    "ActionDraft",
    "ActionEvent",
    "ActionCommand",
    "ListFilter",
    "EXAMPLE",
    "VERBS",
    "TITLE_MAX",
    "NOTE_MAX",
    "parse_action_command",
    "parse_draft",
    "due_reading",
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
    """A new action as typed, before it is stored; the owner may still be a plain name.

    ``due_said`` is the words the due date was read from, as typed ("next Friday"), and
    ``due_note`` how they were read, when that needs saying; replies show both.
    """

    title: str
    owner: Mention | None = None
    due: date | None = None
    workstream: str | None = None
    notes: str = ""
    due_said: str = ""
    due_note: str = ""


Who = Literal["default", "mine", "user", "anyone"]
ListStatus = Literal["open", "done", "overdue", "all"]


@dataclass(frozen=True)
class ListFilter:
    """Which actions ``/action list`` shows: whose, in which state, in which workstream.

    The default is the open actions the caller owns or created; naming a state or a
    workstream alone looks across everyone's (``list overdue #inclusion``).
    """

    who: Who = "default"
    user: Mention | None = None
    workstream: str | None = None
    status: ListStatus = "open"

    def describe(self, owner: str | None = None) -> str:
        """A heading: "Overdue actions in #inclusion", "Completed actions owned by <@U2>"."""
        noun = {
            "open": "Open actions",
            "done": "Completed actions",
            "overdue": "Overdue actions",
            "all": "All actions",
        }[self.status]
        if self.who == "default" and self.status == "open" and not self.workstream:
            return "Your open actions (owned or created by you)"
        if self.who == "mine":
            noun += " you own"
        elif self.who == "user":
            noun += f" owned by {owner or self.user}"
        if self.workstream:
            noun += f" in #{self.workstream}"
        if self.status == "done":
            noun += ", most recent first"
        return noun

    def describe_none(self, owner: str | None = None) -> str:
        """What an empty list says: "No overdue actions in #inclusion."

        >>> ListFilter().describe_none(), ListFilter(status="all").describe_none()
        ('You have no open actions: none you own or created.', 'No actions yet.')
        """
        if self.who == "default" and self.status == "open" and not self.workstream:
            return "You have no open actions: none you own or created."
        kind = {"open": "open ", "done": "completed ", "overdue": "overdue ", "all": ""}
        said = f"No {kind[self.status]}actions"
        if self.who == "mine":
            said += " that you own"
        elif self.who == "user":
            said += f" owned by {owner or self.user}"
        if self.workstream:
            said += f" in #{self.workstream}"
        return said + (" yet." if said == "No actions" else ".")


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
        "review_settings",
        "export",
    ]
    action_id: int | None = None
    draft: ActionDraft | None = None
    filter: ListFilter = field(default_factory=ListFilter)
    owner: Mention | None = None
    due: date | None = None
    note: str = ""
    due_said: str = ""
    due_note: str = ""
    channel: str | None = None  # review_settings: the channel to post the review in


VERBS = ("help", "list", "done", "reopen", "drop", "assign", "due", "note", "show", "review")
VERBS += ("export",)
_ID_VERBS = {"done", "reopen", "drop", "show"}
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}
QUOTE_HINT = 'To track it as an action as written, put the title in quotes: `/action "{}"`.'


def parse_action_command(text: str, now: datetime, tz: ZoneInfo) -> ActionCommand:
    """Read what follows ``/action``.

    A verb counts when what follows fits it. A title that starts with a verb is still a
    title when the rest reads as one (``/action Review the budget by Friday``); a verb or
    a near miss followed by words that are no title (``lsit``, ``show me``, ``list pete``)
    is answered with the command meant ("Did you mean …?") and nothing is stored. A title
    in quotes is always a title.

    >>> from datetime import UTC
    >>> parse_action_command("done A12", datetime(2026, 12, 1, tzinfo=UTC), ZoneInfo("UTC")).verb
    'done'
    """
    text = " ".join((text or "").split())
    if len(text) > COMMAND_MAX:
        raise ParseError(
            f"That's {len(text):,} characters; an action needs far fewer "
            f"(a title up to {TITLE_MAX}).",
            example=EXAMPLE,
        )
    if not text:
        return ActionCommand("modal")
    if text[0] in _QUOTES:
        return ActionCommand("create", draft=parse_draft(text, now, tz))
    if re.search(r"&lt;(?:title|date|id|text|user)&gt;|<(?:title|date|id|text|user)>", text):
        raise ParseError(
            "Put your action's own words where the help shows `<title>` or `<date>`.",
            example=EXAMPLE,
        )
    if meant := _status_said(text):  # "mark A12 done", "A12 is done"
        raise DidYouMean(meant, QUOTE_HINT.format(text))
    text = re.sub(  # "done A 12", "done #A12", "done action 12": "done A12"
        rf"^({'|'.join(_ID_VERBS)}) (?:action |#)?[Aa]?[ -]?(\d{{1,9}})$",
        r"\1 A\2",
        text,
        flags=re.I,
    )
    word, _, rest = text.partition(" ")
    verb, rest = word.lower(), rest.strip()
    if re.fullmatch(r"[Aa]\d{1,9}", text):  # "/action A12": the action itself
        return ActionCommand("show", action_id=parse_id(text, "A"))
    if re.fullmatch(r"#?\d{1,9}", text):
        raise DidYouMean(f"/action show A{text.lstrip('#')}", QUOTE_HINT.format(text))
    if text.lower() in _LIST_PHRASES:
        raise DidYouMean(_command("list", _LIST_PHRASES[text.lower()]), QUOTE_HINT.format(text))
    if verb in _SYNONYMS and (meant := _synonym(_SYNONYMS[verb], rest, now, tz)):
        raise DidYouMean(meant, QUOTE_HINT.format(text))
    if verb in VERBS:
        found = _verb(verb, rest, now, tz)
        if found is not None:
            return found
    else:
        near = closest(verb, VERBS)
        takes_id = near in ("note", "assign", "due") and _looks_like_id(rest.partition(" ")[0])
        if near is not None and (takes_id or not _reads_as_sentence(rest)):
            try:
                _verb(near, rest, now, tz)
            except DidYouMean as better:  # "lsit pete": "/action list @pete"
                raise DidYouMean(better.suggestion, QUOTE_HINT.format(text)) from None
            except ParseError:
                pass  # "dne": still "/action done"
            raise DidYouMean(_command(near, rest), QUOTE_HINT.format(text))
        listing = verb in ("mine", "overdue", "completed", "finished")
        if listing and not _reads_as_title(rest):
            if _list_filter(text) is not None:
                raise DidYouMean(_command("list", text), QUOTE_HINT.format(text))
            raise ParseError(
                f"I couldn't tell what “{text}” means: `/action list {verb}` lists actions; "
                + QUOTE_HINT.format(text),
                example=f"/action list {verb}",
            )
    return ActionCommand("create", draft=parse_draft(text, now, tz))


# Other words for a verb, when what follows fits the verb: "complete A12", "move A12 to
# Friday". Followed by anything else they start a title ("Close the consultation").
_SYNONYMS = {
    "complete": "done", "completed": "done", "finish": "done", "finished": "done",
    "close": "done", "closed": "done", "tick": "done",
    "delete": "drop", "remove": "drop", "cancel": "drop", "bin": "drop", "scrap": "drop",
    "move": "due", "reschedule": "due", "postpone": "due",
    "reassign": "assign", "give": "assign", "hand": "assign",
}  # fmt: skip
_LIST_PHRASES = {
    "my actions": "mine", "my open actions": "mine", "my tasks": "mine", "my list": "mine",
    "all actions": "all", "overdue actions": "overdue", "what's overdue": "overdue",
}  # fmt: skip


_STATUS_WORDS = {
    "done": "done", "complete": "done", "completed": "done", "finished": "done",
    "closed": "done", "open": "reopen", "reopened": "reopen", "dropped": "drop",
    "cancelled": "drop", "canceled": "drop",
}  # fmt: skip
_STATUS_SAID = re.compile(
    rf"(?:(?:mark|set|make)\s+(?P<id>[Aa]?\d{{1,9}})\s+(?:as\s+)?(?P<word>{'|'.join(_STATUS_WORDS)})"
    rf"|(?P<id2>[Aa]\d{{1,9}})\s+(?:is\s+)?(?P<word2>{'|'.join(_STATUS_WORDS)})"
    rf"|(?:close|tick|sign)\s+off\s+(?P<id3>[Aa]?\d{{1,9}})|(?P<id4>[Aa]?\d{{1,9}})\s+off)[.!]?",
    re.I,
)


def _status_said(text: str) -> str | None:
    """The command meant by "mark A12 done", "A12 is done", "close off A12", if that is it."""
    m = _STATUS_SAID.fullmatch(text)
    if m is None:
        return None
    said = m["id"] or m["id2"] or m["id3"] or m["id4"]
    word = (m["word"] or m["word2"] or "done").lower()
    return f"/action {_STATUS_WORDS[word]} A{parse_id(said, 'A')}"


def _synonym(verb: str, rest: str, now: datetime, tz: ZoneInfo) -> str | None:
    """The command meant by another word for ``verb`` ("delete A12": ``/action drop A12``),
    or None when what follows does not fit ``verb``."""
    first, _, tail = re.sub(r"[.!]+$", "", rest).partition(" ")
    if not _looks_like_id(first) or parse_id_or_none(first) is None:
        return None
    tail = re.sub(r"^(?:to|until|till|for)\s+", "", tail.strip(), flags=re.I)
    if verb in _ID_VERBS:
        return None if tail else _command(verb, f"A{parse_id_or_none(first)}")
    if verb == "assign":
        return _command(verb, f"{first} {tail}") if _mention(tail) else None
    try:
        _read_due_words(tail, now, tz)
    except ParseError:
        return None
    return _command(verb, f"{first} {tail}")


def parse_id_or_none(word: str) -> int | None:
    """The number in an action id (``A12``, ``12``), None if it is not one."""
    try:
        return parse_id(word, "A")
    except ParseError:
        return None


def _command(verb: str, rest: str) -> str:
    """The command as it would be typed, with mentions as @name."""
    shown = re.sub(r"<@([UW][A-Z0-9]+)\|([^>]+)>", r"@\2", rest)
    return f"/action {verb} {shown}".strip()


_ARG_WORDS = {"me", "my", "mine", "all", "everything", "please", "pls", "now", "actions"}
_ARG_WORDS |= {"action", "list", "csv", "file", "it", "this", "that", "them", "one"}


def _reads_as_title(rest: str) -> bool:
    """Two words or more that read as words, not arguments: a word like "the" or "with",
    or two words that are neither ids, mentions, tags nor command words."""
    found = [w for w in words(rest) if w.text not in ",;:!?()"]
    plain = [w for w in found if not _is_argument(w.text)]
    return len(found) >= 2 and (bool({w.low for w in found} & _FUNCTION_WORDS) or len(plain) >= 2)


_FUNCTION_WORDS = {"the", "a", "an", "of", "to", "with", "for", "and", "in", "on", "about"}
_FUNCTION_WORDS |= {"from", "at", "into", "our", "my", "your", "their", "this", "that", "is"}


def _reads_as_sentence(rest: str) -> bool:
    """After a near miss of a verb ("lsit …"), stricter than :func:`_reads_as_title`: a
    title needs a word like "the" or "with", or three words that are no arguments."""
    found = [w for w in words(rest) if w.text not in ",;:!?()"]
    plain = [w for w in found if not _is_argument(w.text)]
    return bool({w.low for w in found} & _FUNCTION_WORDS) or len(plain) >= 3


_ID_LIKE = re.compile(r"[A-Za-z]?[-#]?\d{1,9}[A-Za-z]?")


def _is_argument(word: str) -> bool:
    low = word.lower()
    return bool(
        _ID_LIKE.fullmatch(word)
        or low in _ARG_WORDS
        or low in _LIST_WORDS
        or word.startswith(("<@", "<#", "@", "#"))
        or (len(low) >= 4 and closest(low, list(_LIST_WORDS), 0.75))
    )


REVIEW_SETTINGS_EXAMPLE = "/action review settings channel #steering"
# "review settings" alone shows them; "review settings channel #c" sets the channel.
_REVIEW_SETTINGS = re.compile(r"settings(?: (channel)(?: (.*))?)?", re.IGNORECASE)


def _verb(verb: str, rest: str, now: datetime, tz: ZoneInfo) -> ActionCommand | None:
    """The command ``verb`` with ``rest``; None when the whole text is a title instead."""
    if verb == "review" and (found := _REVIEW_SETTINGS.fullmatch(rest)):
        channel = read_channel(found[2], REVIEW_SETTINGS_EXAMPLE) if found[1] else None
        return ActionCommand("review_settings", channel=channel)
    if verb in ("help", "review", "export"):
        if not rest:
            return ActionCommand(verb)  # type: ignore[arg-type]
        if _reads_as_title(rest):
            return None
        raise DidYouMean(f"/action {verb}", f"`/action {verb}` takes nothing more.")
    if verb == "list":
        return _list(rest)
    first, _, tail = rest.partition(" ")
    tail = tail.strip()
    if verb == "show" and rest.lower() in _SHOW_LIST:
        raise DidYouMean(f"/action list {_SHOW_LIST[rest.lower()]}".strip())
    if not rest:
        raise ParseError("Which action? Give its id.", example=f"/action {verb} A12")
    if verb in _ID_VERBS:
        first = re.sub(r"[.!]+$", "", first)  # "done A12."
        if _looks_like_id(first):
            if tail:
                raise ParseError(
                    f"`/action {verb}` takes just an id.", example=f"/action {verb} A12"
                )
            return ActionCommand(verb, action_id=parse_id(first, "A"))  # type: ignore[arg-type]
        if _reads_as_title(rest):
            return None
        raise ParseError(
            f"`/action {verb}` takes an action's id; `/action list` shows them.",
            example=f"/action {verb} A12",
        )
    # assign, due, note: an id, then what to change
    if not _looks_like_id(first):
        last, _, before = rest.rpartition(" ")[::-1]
        if _looks_like_id(last) and verb in ("assign", "due") and before.strip():
            raise DidYouMean(_command(verb, f"{last} {before.strip()}"))
        if _reads_as_title(rest):
            return None
        raise ParseError(
            f"`/action {verb}` starts with the action's id.", example=_VERB_EXAMPLES[verb]
        )
    action_id = parse_id(first, "A")
    if verb == "assign":
        tail = re.sub(r"^to\s+", "", tail, flags=re.I)  # "assign A12 to @sam"
        return ActionCommand("assign", action_id=action_id, owner=parse_mention(tail))
    if verb == "due":
        if not tail:
            raise ParseError("When is it due?", example=f"/action due A{action_id} next Friday")
        moment = _read_due_words(tail, now, tz)
        return ActionCommand(
            "due", action_id=action_id, due=moment.day, due_said=tail, due_note=moment.note
        )
    return ActionCommand("note", action_id=action_id, note=_check_note(tail, action_id))


_VERB_EXAMPLES = {
    "assign": "/action assign A12 @sam",
    "due": "/action due A12 next Friday",
    "note": "/action note A12 Spoke to the CDO",
}
_SHOW_LIST = {
    "me": "mine",
    "mine": "mine",
    "my actions": "mine",
    "me my actions": "mine",
    "all": "all",
    "everything": "all",
    "list": "",
    "overdue": "overdue",
    "done": "done",
}


def _read_due_words(text: str, now: datetime, tz: ZoneInfo) -> Moment:
    """A due date given alone (``/action due A1 next Friday``): read, and checked."""
    s = re.sub(r"^(?:by|on|due|for|until|till|to)\s+|[.!]$", "", text.strip(), flags=re.I)
    moment = read_moment(s, now, tz)
    if moment is None:
        raise _unreadable_date(text, first=s.partition(" ")[0])
    check_due(moment.day, now, tz)
    return moment


def _looks_like_id(word: str) -> bool:
    """A short word with a digit in it is meant as an id (``A12``, ``12``, even ``A1x``)."""
    return bool(re.search(r"\d", word)) and len(word) <= 12 and not word.startswith(("<", "#"))


_LIST_WORDS = {
    "mine": ("who", "mine"),
    "my": ("who", "mine"),
    "me": ("who", "mine"),
    "own": ("who", "mine"),
    "overdue": ("status", "overdue"),
    "late": ("status", "overdue"),
    "done": ("status", "done"),
    "completed": ("status", "done"),
    "complete": ("status", "done"),
    "finished": ("status", "done"),
    "closed": ("status", "done"),
    "open": ("status", "open"),
    "all": ("status", "all"),
    "everything": ("status", "all"),
    "everyone": ("status", "all"),
}
_LIST_FILLER = {"actions", "action", "please", "pls", "and", "for", "in", "by", "the", "owned"}
_LIST_FILLER |= {"of", "with", ",", "&amp;", "+"}
LIST_EXAMPLE = "/action list mine, /action list overdue #inclusion, /action list @pete"


def _list(rest: str) -> ActionCommand | None:
    if re.search(r"[\[\]|]", re.sub(r"<[^<>]*>", "", rest)):  # the help's grammar, as it stands
        raise DidYouMean(
            "/action list mine",
            "`/action list` takes mine, @someone, #workstream, overdue, done or all, "
            "alone or together.",
        )
    found = _list_filter(rest)
    if found is not None:
        return ActionCommand("list", filter=found)
    head = [w.text for w in words(rest)]
    while head and _list_filter(" ".join(head)) is None:
        head.pop()
    tail = rest[len(" ".join(head)) :].strip().lower()
    dated = re.match(r"(?:this|last|past|previous|from|since|today|yesterday|in the last)\b", tail)
    if head and dated:  # "list done this week": the filters, no more
        raise DidYouMean(
            _command("list", " ".join(head)),
            "`/action list` takes mine, @someone, #workstream, overdue, done or all; the "
            "most recent come first.",
        )
    if not _short_list_slip(rest) and _reads_as_title(rest):
        return None  # "list of councils to contact": a title
    return _list_slip(rest)


def _short_list_slip(rest: str) -> bool:
    """One or two words that are nearly filters or a name: "list pete", "list mien"."""
    if {w.low for w in words(rest)} & {"the", "a", "an", "of", "to"}:
        return False  # "list the councils": a title
    found = [w.text for w in words(rest) if w.low not in _LIST_FILLER]
    return 0 < len(found) <= 2 and all(_slip(w) is not None for w in found)


def _slip(word: str) -> str | None:
    """What a word in ``list …`` was probably meant as: a filter word, or a person."""
    low = word.lower()
    if low in _LIST_WORDS or word.startswith(("<@", "@", "#", "<#")):
        return word
    if near := closest(low, list(_LIST_WORDS), 0.7):
        return near
    low = low.removesuffix("'s").removesuffix("’s")
    if re.fullmatch(r"[a-z][a-z.\-]{1,30}", low) and low not in _COMMON_WORDS:
        return "@" + low  # a name, most likely: "list pete"
    return None


_COMMON_WORDS = {"of", "to", "the", "a", "an", "on", "at", "is", "are", "we", "our", "us"}


def _list_slip(rest: str) -> ActionCommand:
    shown = [_slip(w.text) or w.text for w in words(rest) if w.low not in _LIST_FILLER]
    if all(_slip(w.text) is not None for w in words(rest) if w.low not in _LIST_FILLER):
        raise DidYouMean(_command("list", " ".join(shown)))
    raise ParseError(
        f"I couldn't read “{rest}” as a list: it takes mine, @someone, #workstream, "
        "overdue, done or all, alone or together.",
        example=LIST_EXAMPLE,
    )


def _list_filter(rest: str) -> ListFilter | None:
    """The filter ``rest`` names, None if a word is no filter; refuses contradictions."""
    who: Who = "default"
    user: Mention | None = None
    status: ListStatus | None = None
    workstream: str | None = None
    for word in words(rest):
        low = word.low
        if low in _LIST_FILLER:
            continue
        if low in _LIST_WORDS:
            kind, value = _LIST_WORDS[low]
            if kind == "who":
                if who != "default" and who != "mine":
                    raise ParseError("A list shows one person's actions.", example=LIST_EXAMPLE)
                who = "mine"
            else:
                if status is not None and status != value:
                    raise ParseError(
                        f"“{status}” and “{value}” together make no list: pick one.",
                        example=LIST_EXAMPLE,
                    )
                status = value  # type: ignore[assignment]
            continue
        _, mentions = take_mentions(word.text)
        if len(mentions) == 1 and not take_mentions(word.text)[0].strip():
            if who != "default":
                raise ParseError("A list shows one person's actions.", example=LIST_EXAMPLE)
            who, user = "user", mentions[0]
            continue
        try:
            remaining, tags = take_tags(word.text)
        except ParseError:
            return None
        if len(tags) == 1 and not remaining.strip():
            if workstream is not None:
                raise ParseError("A list shows one workstream.", example=LIST_EXAMPLE)
            workstream = tags[0]
            continue
        return None
    if who == "default" and (status is not None and status != "open" or workstream):
        who = "anyone"
    return ListFilter(who=who, user=user, workstream=workstream, status=status or "open")


def due_reading(due: date, said: str, note: str, today: date) -> str:
    """What a reply says it read: "Due Fri 11 Dec, from “next Friday” (the Friday of next week)."

    >>> due_reading(date(2026, 12, 11), "next Friday", "the Friday of next week", date(2026, 12, 1))
    'Due Fri 11 Dec, from “next Friday” (the Friday of next week).'
    """
    reading = f"Due {format_due(due, today)}, from “{said}”"
    return reading + (f" ({note})." if note else ".")


def _check_note(note: str, action_id: int) -> str:
    if not note:
        raise ParseError("What's the note?", example=f"/action note A{action_id} Spoke to the CDO")
    if len(note) > NOTE_MAX:
        raise ParseError(
            f"A note can be up to {NOTE_MAX:,} characters; that one is {len(note):,}.",
            example=f"/action note A{action_id} Spoke to the CDO",
        )
    return note


# --- a new action: title, owner, due date and workstream ------------------------------------

# A due date may follow one of these words; after the strict ones, a date that cannot be
# read is refused rather than kept in the title ("by Fridya", "by 31 Feb").
_LEADS = (
    ("by", "no", "later", "than"),
    ("no", "later", "than"),
    ("due", "by"),
    ("due", "on"),
    ("due", "before"),
    ("deadline",),
    ("due",),
    ("by",),
    ("before",),
    ("until",),
    ("till",),
    ("til",),
    ("on",),
    ("for",),
    ("at",),
)
_STRICT = {"by", "due", "before", "until", "till", "til", "deadline"}
_ONE_WORD_LEADS = {seq[0] for seq in _LEADS if len(seq) == 1}
# Words that tie what follows to the title: "notes from yesterday", "post in #comms".
_BINDS_DATE = {"from", "since", "of", "about", "after", "last", "the", "than", "to", "into"}
_BINDS_DATE |= {"with", "every", "each", "like", "and", "or", "nor", "per", "between"}
_BINDS_DATE |= {"through", "during", "around", "re", "regarding", "vs", "via", "in", "at"}
_BINDS_DATE |= {"this", "that", "a", "an", "our", "my", "your", "their", "his", "her", "its"}
_BINDS_TAG = {"in", "into", "to", "on", "at", "from", "via", "of", "onto", "across", "for"}
_BINDS_TAG |= {"and", "or", "with", "the", "issue", "ticket", "pr", "bug", "number", "no"}
_BINDS_MENTION = {"to", "with", "from", "for", "about", "and", "or", "by", "of", "at", "cc"}
_BINDS_MENTION |= {"than", "like", "via", "thank", "thanks", "ask", "call", "email"}
_BINDS_MENTION |= {"ping", "message", "meet", "invite", "remind", "re", "per"}
_BINDS_MENTION |= {"between", "vs", "including", "inform", "brief", "contact", "phone"}
_BINDS_MENTION |= {"ring", "chase", "nudge", "introduce", "dm"}
_POLITE = ({"please"}, {"pls"}, {"plz"}, {"thanks"}, {"thx"}, {"ta"}, {"cheers"})
_POLITE_SEQS = (("thank", "you"), ("if", "possible"), ("at", "the", "latest"), ("latest",))
_PUNCT = {",", ";", ":", "!", "?", ".", "-", "–", "—", "(", ")"}
_AMBIGUOUS = {"sat", "sun", "wed", "may", "mar", "march", "tod", "tdy", "christmas", "xmas"}
_OWNER_WORDS = (("owner",), ("owner", ":"), ("owned", "by"), ("assigned", "to"), ("assign", "to"))


@dataclass
class _Due:
    start: int  # the words it was read from: [start, end)
    end: int
    moment: Moment
    said: str


def parse_draft(text: str, now: datetime, tz: ZoneInfo) -> ActionDraft:
    """Read a new action: its title, and an owner, a due date and a workstream anywhere at
    its end (or its start), in any order.

    - The due date is a date phrase at the end (``… next Friday``, ``… by Friday at 5pm,
      please``) or the start (``Tomorrow: …``), or one after ``by``/``due``/``before``/
      ``until`` inside (``Send the minutes by Friday to the board``). Words that only look
      like dates stay in the title (``Pass by 10 Downing Street``, ``notes from last
      Friday``). An action keeps the day, not the time.
    - The owner is a mention at the end (``Draft it @pete by Friday``), at the start
      followed by ``to`` or ``:`` (``@pete to draft it``), or after ``owner``; any other
      mention is part of the title (``Ask @pete about the charter``).
    - The workstream is a ``#tag`` at the end or the start; a channel or ``#42`` inside a
      sentence (``Post in #comms``, ``Fix issue #42``) is part of the title.

    >>> from datetime import UTC
    >>> now = datetime(2026, 12, 1, tzinfo=UTC)
    >>> d = parse_draft("Plan the show and tell <@U2|sam> #comms", now, ZoneInfo("UTC"))
    >>> d.title, d.owner.user_id, d.workstream
    ('Plan the show and tell', 'U2', 'comms')
    """
    text = " ".join(text.split())
    ws = words(text)
    taken = [False] * len(ws)
    quoted = _quoted_title(text, ws)
    lo = quoted if quoted is not None else 0  # words before lo are the quoted title
    owner: Mention | None = None
    workstream: str | None = None
    due: _Due | None = None

    def free(i: int, j: int) -> list[int]:
        return [k for k in range(i, j) if not taken[k]]

    def take(i: int, j: int) -> None:
        for k in range(i, j):
            taken[k] = True

    # "owner @pete" anywhere
    for i in range(lo, len(ws)):
        for seq in _OWNER_WORDS:
            j = i + len(seq)
            if j < len(ws) and tuple(w.low for w in ws[i:j]) == seq and _mention(ws[j].text):
                if owner is not None:
                    raise ParseError(_ONE_OWNER, example=EXAMPLE)
                owner = _mention(ws[j].text)
                take(i, j + 1)
                if i > 0 and ws[i - 1].text in _PUNCT:
                    take(i - 1, i)
                break

    # the end: peel owner, due date, workstream and courtesies, in any order
    end = len(ws)
    polite: list[int] = []
    while True:
        rest = free(lo, end)
        if not rest:
            break
        last = rest[-1]
        w = ws[last]
        if w.text in _PUNCT:
            take(last, last + 1)
            end = last
            continue
        if seq := _polite_at(ws, rest):
            polite.extend(seq)
            take(seq[0], seq[-1] + 1)
            end = seq[0]
            continue
        before = ws[rest[-2]].low if len(rest) > 1 else ""
        if _is_workstream_tag(w.text) and before not in _BINDS_TAG and len(rest) > 1:
            if workstream is not None:
                raise ParseError(_ONE_WORKSTREAM, example=EXAMPLE)
            workstream = _tag_of(w.text)
            take(last, last + 1)
            end = last
            continue
        if (found := _mention(w.text)) and before not in _BINDS_MENTION and len(rest) > 2:
            if owner is not None:
                raise ParseError(_ONE_OWNER, example=EXAMPLE)
            owner = found
            take(last, last + 1)
            end = last
            continue
        if _mention(w.text) and len(rest) == 2 and owner is None and rest[0] == lo:
            pass  # "Call @sam": the person is the title's
        if due is None and (found_due := _due_at_end(ws, rest, now, tz)):
            due = found_due
            take(due.start, due.end)
            end = due.start
            continue
        break
    if polite and owner is None and workstream is None and due is None:
        for k in polite:
            taken[k] = False  # "Pass the salt please": the courtesy is the title's

    # the start: "@pete to …", "@pete: …", "#tag …", "Tomorrow: …", "By Friday, …"
    rest = free(lo, len(ws))
    if quoted is None and len(rest) > 2:
        first, second = ws[rest[0]], ws[rest[1]]
        if owner is None and _mention(first.text) and second.low in ("to", ":", "-", "–"):
            owner = _mention(first.text)
            take(rest[0], rest[1] + 1)
        elif workstream is None and _is_workstream_tag(first.text):
            workstream = _tag_of(first.text)
            take(rest[0], rest[0] + 1 + (second.text in _PUNCT))
        elif due is None and (found_due := _due_at_start(ws, rest, now, tz)):
            due = found_due
            take(due.start, due.end)

    # inside: "Send the minutes by Friday to the board"
    if due is None and (found_due := _due_inside(ws, free(lo, len(ws)), now, tz)):
        due = found_due
        take(due.start, due.end)

    if due is None:
        _refuse_vague_end(ws, free(lo, len(ws)))
    _refuse_unread_dates(ws, free(lo, len(ws)), now, tz)
    if due is not None:
        check_due(due.moment.day, now, tz)

    title = _title(text, ws, taken, quoted)
    if quoted is None and taken and taken[0] and title[:1].islower():
        title = title[0].upper() + title[1:]  # "Tomorrow: call the council"
    if not title:
        raise ParseError("What's the action? It needs a title.", example=EXAMPLE)
    if due is None and quoted is None and _names_a_day(title, now, tz):
        raise ParseError(
            f"“{title}” is a date, not an action: what is to be done by then?", example=EXAMPLE
        )
    if len(title) > TITLE_MAX:
        raise ParseError(
            f"A title can be up to {TITLE_MAX} characters; that one is {len(title):,}. "
            "Put the detail in a note.",
            example=EXAMPLE,
        )
    note = due.moment.note if due else ""
    if due and due.moment.at is not None:
        note = (note + "; " if note else "") + "an action keeps the day, not the time"
    return ActionDraft(
        title,
        owner,
        due.moment.day if due else None,
        workstream,
        due_said=due.said if due else "",
        due_note=note,
    )


_ONE_OWNER = "An action has one owner; name one person (you can add others in a note)."
_ONE_WORKSTREAM = "An action belongs to one workstream; give one #tag."


def _quoted_title(text: str, ws: list[Word]) -> int | None:
    """The index of the first word after a title in quotes, or None if it is not quoted."""
    if not text or text[0] not in _QUOTES:
        return None
    close = text.find(_QUOTES[text[0]], 1)
    if close < 0:
        return None
    return next((i for i, w in enumerate(ws) if w.start > close), len(ws))


def _title(text: str, ws: list[Word], taken: list[bool], quoted: int | None) -> str:
    if quoted is not None:
        inner = text[1 : text.find(_QUOTES[text[0]], 1)]
        return " ".join(inner.split())
    pieces, last = [], 0
    for w, gone in zip(ws, taken, strict=True):
        if gone:
            pieces.append(text[last : w.start])
            last = w.end
    pieces.append(text[last:])
    title = " ".join("".join(pieces).split())
    title = re.sub(r"\s+([,;:!?.)])", r"\1", title)
    return title.strip(" ,;:-–—").strip()


def _names_a_day(title: str, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the whole title is a date phrase ("Friday", "the 15th"), so no action."""
    try:
        return read_moment(title, now, tz) is not None
    except ParseError:
        return False  # "Send the minutes by 5": words with a time-like end, a title


def _mention(word: str) -> Mention | None:
    rest, found = take_mentions(word)
    return found[0] if len(found) == 1 and not rest.strip() else None


def _is_workstream_tag(word: str) -> bool:
    if not (word.startswith("#") or word.startswith("<#")):
        return False
    try:
        rest, tags = take_tags(word)
    except ParseError:
        return word.startswith("<#")  # a channel without a name: refused when read
    return len(tags) == 1 and not rest.strip() and not tags[0].isdigit()


def _tag_of(word: str) -> str:
    return take_tags(word)[1][0]


def _polite_at(ws: list[Word], rest: list[int]) -> list[int]:
    for seq in _POLITE_SEQS:
        k = len(seq)
        if len(rest) > k and tuple(ws[i].low for i in rest[-k:]) == seq:
            return rest[-k:]
    if len(rest) > 1 and {ws[rest[-1]].low} in _POLITE:
        return rest[-1:]
    return []


def _leads(ws: list[Word], idx: list[int]) -> int:
    """How many of the words ``idx`` open with a lead ("by", "due on", "by:")."""
    for seq in _LEADS:
        k = len(seq)
        if len(idx) > k and tuple(ws[i].low for i in idx[:k]) == seq:
            return k + (ws[idx[k]].text == ":")
    return 0


def _phrase(ws: list[Word], idx: list[int]) -> str:
    return " ".join(ws[i].text for i in idx)


def _read(ws: list[Word], idx: list[int], now: datetime, tz: ZoneInfo, *, strict: bool):
    """The moment the words ``idx`` name, or None; errors only when ``strict``."""
    inner = idx[1:-1]  # "tomorrow, 9am": a comma inside a date phrase
    if any(
        ws[i].text in _PUNCT - {"-", "."} - ({","} if i in inner else set())
        or ws[i].text.startswith(("<", "#"))
        for i in idx
    ):
        return None
    try:
        return read_moment(_phrase(ws, idx), now, tz)
    except ParseError:
        if strict:
            raise
        return None


def _strong(phrase: str) -> bool:
    """A date phrase that can stand at the end of a title with no lead word before it."""
    s = normalise(phrase)
    if s in _AMBIGUOUS or re.fullmatch(r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)", s):
        return False
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}", s) or re.fullmatch(r"\d{1,2}(?::\d\d)?", s):
        return False
    return not re.fullmatch(r"(?:\d{1,2}\s+)?(?:may|mar)(?:\s+\d{1,2})?", s)


def _moment_for(lead: tuple[str, ...], moment: Moment) -> Moment:
    if lead and lead[-1] == "before":
        day = moment.day - timedelta(days=1)
        return Moment(day, None, f"the day before {format_date(moment.day)}")
    return moment


def _due_at_end(ws: list[Word], rest: list[int], now: datetime, tz: ZoneInfo) -> _Due | None:
    for n in range(min(len(rest), 12), 0, -1):
        idx = rest[-n:]
        k = _leads(ws, idx)
        core = idx[k:]
        if not core:
            continue
        strict = k > 0 and ws[idx[0]].low in _STRICT
        moment = _read(ws, core, now, tz, strict=strict)
        if moment is None:
            continue
        before = ws[rest[-n - 1]].low if len(rest) > n else None
        if before is None and not (k and ws[idx[0]].low in _STRICT):
            continue  # "Friday" alone is no action; "by Friday" alone is refused below
        if k == 0 and (not _strong(_phrase(ws, core)) or before in _BINDS_DATE | _ONE_WORD_LEADS):
            continue  # a lead word before them was tried with them, just before, and refused
        if k and ws[idx[0]].low == "at" and moment.at is None:
            continue  # "at" takes a time, not a day
        if k and ws[idx[0]].low == "for" and not find_time(normalise(_phrase(ws, core)))[0]:
            continue  # "Book the train for 8.15am": the train's time, not a due date
        if before in _EVENT_WORDS and (k == 0 or ws[idx[0]].low == "on"):
            continue  # "Reply to the letter dated 10 Nov", "the email sent on Friday"
        if before in ("early", "late", "later", "mid", "middle"):
            raise _vague(f"{before} {_phrase(ws, idx)}")  # "early next week"
        lead = tuple(ws[i].low for i in idx[:k])
        return _Due(idx[0], idx[-1] + 1, _moment_for(lead, moment), _said(ws, idx))
    return None


def _due_at_start(ws: list[Word], rest: list[int], now: datetime, tz: ZoneInfo) -> _Due | None:
    for n in range(min(len(rest) - 1, 12), 0, -1):
        idx = rest[:n]
        k = _leads(ws, idx)
        core = idx[k:]
        following = ws[rest[n]].text
        strict = k > 0 and ws[idx[0]].low in _STRICT
        if not core or not (following in (",", ":", "-", "–") or strict):
            continue
        moment = _read(ws, core, now, tz, strict=strict)
        marked = following in (":", "-", "–")  # "15/12 - circulate the agenda"
        if moment is None or (k == 0 and not marked and not _strong(_phrase(ws, core))):
            continue
        lead = tuple(ws[i].low for i in idx[:k])
        end = idx[-1] + 1 + (following in (",", ":", "-", "–"))
        return _Due(idx[0], end, _moment_for(lead, moment), _said(ws, idx))
    return None


_JOINS = {",", ";", "-", "–", "to", "and", "for", "with", "so", "then", "at", "please"}


def _due_inside(ws: list[Word], rest: list[int], now: datetime, tz: ZoneInfo) -> _Due | None:
    for pos in range(1, len(rest) - 2):
        if ws[rest[pos]].low not in _STRICT - {"deadline"}:
            continue
        for n in range(min(len(rest) - pos - 1, 10), 1, -1):
            idx = rest[pos : pos + n]
            if pos + n >= len(rest) or ws[rest[pos + n]].low not in _JOINS:
                continue
            k = _leads(ws, idx)
            moment = _read(ws, idx[k:], now, tz, strict=True) if idx[k:] else None
            if moment is not None:
                lead = tuple(ws[i].low for i in idx[:k])
                return _Due(idx[0], idx[-1] + 1, _moment_for(lead, moment), _said(ws, idx))
    return None


_EVENT_WORDS = {"dated", "sent", "received", "held", "written", "published"}


def _vague(said: str) -> ParseError:
    return ParseError(
        f"“{said}” names no single day: say which.", example="by Friday, by Sun 6 Dec, by 15 Jan"
    )


def _refuse_vague_end(ws: list[Word], rest: list[int]) -> None:
    """A title ending in words that name no single day ("this weekend", "mid-January") is
    refused with the reason, rather than stored with no due date."""
    plain = [i for i in rest if ws[i].text not in _PUNCT]
    for n in range(min(len(plain) - 1, 5), 0, -1):
        said, before = _phrase(ws, plain[-n:]), ws[plain[-n - 1]].low
        if VAGUE_DATE.fullmatch(normalise(said)) and before not in _BINDS_DATE | {"for"}:
            raise _vague(said)  # not "Book the venue for early January": the title's


def _said(ws: list[Word], idx: list[int]) -> str:
    return re.sub(r"\s+([,:;])", r"\1", " ".join(ws[i].text for i in idx)).rstrip(".!?")


def _refuse_unread_dates(ws: list[Word], rest: list[int], now: datetime, tz: ZoneInfo) -> None:
    """After ``by``/``due``/``until``, words that look like a date but were not read as one
    are refused with the reason, never kept in the title ("by Fridya", "by 31/02")."""
    for pos, i in enumerate(rest):
        if ws[i].low not in _STRICT:
            continue
        after = [k for k in rest[pos + 1 :] if ws[k].text != ":"][:6]
        if not after or not _dateish(ws, after):
            continue
        for n in range(len(after), 0, -1):
            try:
                found = read_moment(_phrase(ws, after[:n]), now, tz)
            except ParseError:
                raise
            if found is not None:
                check_due(found.day, now, tz)
                break
        raise _unreadable_date(_phrase(ws, after[:4]), first=ws[after[0]].text)


def _dateish(ws: list[Word], idx: list[int]) -> bool:
    first = normalise(ws[idx[0]].text)
    if "'" in first or "’" in first:
        return False  # "by Friday's decision": a possessive, part of the title
    second = normalise(ws[idx[1]].text) if len(idx) > 1 else ""
    if first in ("march", "mar") and (not second or re.fullmatch(r"\d{1,4}", second)):
        return True  # "by March": a month, not the name "May" ("written by May")
    if first in _AMBIGUOUS and not re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", second):
        return False
    if first in WEEKDAY_WORDS or first in MONTH_WORDS or first in RELATIVE_DAYS:
        return True
    if first in CLOSE_OF_DAY or first in ("eow", "eom", "eoy", "noon", "midday", "tonight"):
        return True
    if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)|\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?", first):
        return True
    if re.fullmatch(r"\d{1,2}(?:[:.]\d\d)?(?:am|pm)|\d{1,2}:\d\d", first):
        return True
    if re.fullmatch(r"\d{1,2}", first) and (second in MONTH_WORDS or second in ("am", "pm")):
        return True
    if re.fullmatch(r"\d{1,3}", first) and re.fullmatch(r"(?:day|week|wk|month|year)s?", second):
        return True  # "by 2 weeks": a length of time, refused with "in 2 weeks"
    if first == "end" and second == "of" or first == "quarter" and second in ("past", "to"):
        return True
    if re.fullmatch(r"(?:mid|early|late)(?:-\w+)?", first):
        return True  # "by mid Jan", "by mid-January"
    if first in ("next", "this", "last", "end", "the", "in"):
        units = {"week", "month", "year", "day", "end", "weekend", "fortnight"}
        return (
            second in WEEKDAY_WORDS
            or second in units
            or bool(re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", second))
        )
    return len(first) >= 4 and near_date_word(first) is not None


def _unreadable_date(said: str, first: str = "") -> ParseError:
    near = near_date_word(normalise(first)) if first else None
    month = MONTH_WORDS.get(normalise(said))
    if month is not None:
        name = FULL_MONTH_NAMES[month - 1]
        return ParseError(
            f"“{said}” is a month, not a day: say the day.",
            example=f"by {last_day(2027, month)} {name[:3]}, by the end of {name}",
        )
    if re.fullmatch(r"\d{1,3}\s*(?:day|week|wk|month|year)s?", normalise(said)):
        return ParseError(
            f"“{said}” is a length of time: say “in {said}”, or the day.",
            example=f"in {said}, by Friday",
        )
    if VAGUE_DATE.fullmatch(normalise(said)) or normalise(said).startswith(
        ("mid", "early", "late")
    ):
        return _vague(said)
    if near is not None and near != normalise(first):
        return ParseError(
            f"I couldn't read “{said}” as a date: did you mean “{near.capitalize()}”?",
            example=DUE_EXAMPLE,
        )
    return ParseError(f"I couldn't read “{said}” as a date.", example=DUE_EXAMPLE)


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

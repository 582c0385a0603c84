"""Reflections: reading ``/reflect`` commands, and what a reflection is.

Everything here is pure. Who may see a reflection is decided in one place,
``storage.reflections``; this module only reads what members type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.domain.errors import DidYouMean, ParseError
from bot.domain.text import closest, normalise_tag, parse_id, take_tags

__all__ = [
    "Reflection",
    "Found",
    "ReflectionDraft",
    "ReflectCommand",
    "EXAMPLE",
    "TEXT_MAX",
    "TAGS_MAX",
    "SEARCH_MAX",
    "SEARCH_TERMS_MAX",
    "parse_reflect_command",
    "parse_reflection",
    "check_reflection",
    "parse_tag_list",
    "parse_search",
]

TEXT_MAX = 2000
TAGS_MAX = 5
SEARCH_MAX = 200
SEARCH_TERMS_MAX = 12
COMMAND_MAX = 4000
EXAMPLE = "/reflect Asking the CDO open questions got us further than the slides #influence"
SEARCH_EXAMPLE = "/reflect search difficult conversations"


@dataclass(frozen=True)
class Reflection:
    """A reflection as stored; ``shared`` ones are visible to the network, others to the author."""

    id: int
    team_id: str
    author_id: str
    text: str
    tags: tuple[str, ...]
    shared: bool
    created_at: datetime
    updated_at: datetime
    shared_at: datetime | None = None
    action_id: int | None = None

    @property
    def ref(self) -> str:
        """The id as members see it: ``R7``."""
        return f"R{self.id}"


@dataclass(frozen=True)
class Found:
    """A search hit: the reflection and a snippet with the matching words in ``*bold*``."""

    reflection: Reflection
    snippet: str


@dataclass(frozen=True)
class ReflectionDraft:
    """A new reflection as typed, before it is stored."""

    text: str
    tags: tuple[str, ...] = ()
    shared: bool = False


@dataclass(frozen=True)
class ReflectCommand:
    """One parsed ``/reflect`` command: a verb and what it needs."""

    verb: Literal[
        "help",
        "modal",
        "create",
        "list",
        "search",
        "share",
        "unshare",
        "delete",
        "weeknote",
        "lessons",
    ]
    draft: ReflectionDraft | None = None
    reflection_id: int | None = None
    tag: str | None = None  # list: the tag; lessons: the tag or workstream
    terms: tuple[str, ...] = ()
    last: bool = False  # weeknote: last week rather than this one


_ID_VERBS = ("share", "unshare", "delete")
VERBS = ("help", "list", "search", "share", "unshare", "delete", "weeknote", "lessons")
_NEAR_ID = re.compile(r"[#(]?[Rr]\s?[-#.]?\s?(\d{1,9})\)?|#(\d{1,9})")


def parse_reflect_command(text: str) -> ReflectCommand:
    """Read what follows ``/reflect``.

    A verb counts only when what follows it fits; otherwise the text is a new
    reflection, so ``/reflect list of things I learned`` saves a reflection.
    ``share`` followed by a lone id shares that reflection; followed by text, it
    saves a new shared one. ``weeknote [last]`` drafts a weeknote; ``lessons [#topic]``
    lists the network's lessons.

    >>> parse_reflect_command("share R7").verb, parse_reflect_command("share R7").reflection_id
    ('share', 7)
    >>> parse_reflect_command("share Listening beats talking #influence").draft.shared
    True
    """
    text = (text or "").strip()
    if len(text) > COMMAND_MAX:
        raise ParseError(
            f"That's {len(text):,} characters; a reflection can be up to {TEXT_MAX:,}.",
            example=EXAMPLE,
        )
    if not text:
        return ReflectCommand("modal")
    if text[0] in '"“' and text[-1:] in '"”' and len(text) > 2:  # in quotes: always a reflection
        return ReflectCommand("create", draft=parse_reflection(text[1:-1].strip()))
    word, _, rest = text.partition(" ")
    verb, rest = word.lower().rstrip(":"), rest.strip()  # "share: …"
    _refuse_other_words(text, verb, rest)

    if verb == "help" and not rest:
        return ReflectCommand("help")
    if verb == "help" and len(rest.split()) <= 2:
        raise DidYouMean("/reflect help")
    if verb == "list":
        if not rest:
            return ReflectCommand("list")
        remaining, tags = _tags_or_none(rest)
        if len(tags) == 1 and not remaining.strip():
            return ReflectCommand("list", tag=tags[0])
        if rest.lower() in ("mine", "my", "me", "all", "shared", "everything", "my reflections"):
            raise DidYouMean(
                "/reflect list",
                "It shows your own reflections and the network's shared ones, newest first; "
                "add a #tag to narrow it.",
            )
    if verb == "search":
        return ReflectCommand("search", terms=parse_search(rest))
    if verb == "weeknote" and rest.lower() in ("", "last", "last week", "this", "this week"):
        return ReflectCommand("weeknote", last=rest.lower().startswith("last"))
    if verb == "lessons":
        if not rest:
            return ReflectCommand("lessons")
        remaining, tags = _tags_or_none(rest)
        if len(tags) == 1 and not remaining.strip():
            return ReflectCommand("lessons", tag=tags[0])
        if re.fullmatch(r"[\w\-]{1,40}", rest):
            return ReflectCommand("lessons", tag=normalise_tag(rest))
    if verb in _ID_VERBS:
        if not rest:
            raise ParseError("Which reflection? Give its id.", example=f"/reflect {verb} R7")
        first, _, tail = rest.partition(" ")
        if (near_id := _NEAR_ID.fullmatch(rest)) and not _looks_like_id(rest):
            number = near_id[1] or near_id[2]
            raise DidYouMean(f"/reflect {verb} R{number}")
        if _looks_like_id(first):
            if tail.strip():
                raise ParseError(
                    f"`/reflect {verb}` takes just an id.", example=f"/reflect {verb} R7"
                )
            return ReflectCommand(verb, reflection_id=parse_id(first, "R"))  # type: ignore[arg-type]
        if verb == "share":
            if len(rest.split()) == 1 and (near := closest(rest, VERBS)):
                raise DidYouMean(f"/reflect {near}")
            return ReflectCommand("create", draft=parse_reflection(rest, shared=True))
        if len(rest.split()) <= 2:
            raise ParseError(
                f"`/reflect {verb}` takes a reflection's id; `/reflect list` shows them.",
                example=f"/reflect {verb} R7",
            )
    if verb not in VERBS and (near := closest(verb, VERBS)) and _is_command_rest(near, rest):
        raise DidYouMean(
            f"/reflect {near} {rest}".strip(),
            f'To save it as a reflection as written, put it in quotes: `/reflect "{text}"`.',
        )
    if text[0] in '"“' and text[-1:] in '"”' and len(text) > 2:
        text = text[1:-1].strip()
    return ReflectCommand("create", draft=parse_reflection(text))


_DELETE_WORDS = {"remove", "rm", "del", "erase", "bin"}
_PRIVACY_WORDS = {"private": "unshare", "unpublish": "unshare", "hide": "unshare"}
_PRIVACY_WORDS |= {"public": "share", "publish": "share"}
_WEEKNOTE_SLIP = re.compile(
    r"(?:week ?notes?|weekly notes?)(?: for)?(?P<last> last(?: week)?)?(?: this week)?"
)


def _refuse_other_words(text: str, verb: str, rest: str) -> None:
    """Other words for a command, followed by what it takes, get "Did you mean …?": "remove
    R7", "make R7 private", "show R7", "my reflections", "week note", "find trust"."""
    low = text.lower()
    hint = f'To save it as a reflection as written, put it in quotes: `/reflect "{text}"`.'
    ids = [w for w in low.split() if _looks_like_id(w)]
    if verb in _DELETE_WORDS and _looks_like_id(rest) and " " not in rest:  # "remove R7"
        raise DidYouMean(f"/reflect delete {rest}", hint)
    privacy = [w for w in low.split() if w in _PRIVACY_WORDS]
    if len(ids) == 1 and privacy and len(low.split()) <= 4:  # "make R7 private"
        raise DidYouMean(f"/reflect {_PRIVACY_WORDS[privacy[0]]} {ids[0].upper()}", hint)
    if verb in ("show", "view", "open", "see", "get") and len(ids) == 1 and len(rest.split()) == 1:
        raise DidYouMean("/reflect list", "It shows your reflections and their ids, newest first.")
    if re.fullmatch(r"[Rr]?\d{1,9}", text):
        raise DidYouMean("/reflect list", "It shows your reflections and their ids, newest first.")
    if low in ("my reflections", "my notes", "mine", "show my reflections", "all"):
        raise DidYouMean(
            "/reflect list", "It shows your own reflections and the network's shared ones."
        )
    if (slip := _WEEKNOTE_SLIP.fullmatch(low)) and (verb != "weeknote" or " for " in low):
        raise DidYouMean(f"/reflect weeknote{' last' if slip['last'] else ''}", hint)
    if verb in ("find", "lookup", "look") and 0 < len(rest.split()) <= 3:  # "find trust"
        terms = re.sub(r"^(?:up|for)\s+", "", rest)
        raise DidYouMean(f"/reflect search {terms}", hint)


def _is_command_rest(verb: str, rest: str) -> bool:
    """Whether ``rest`` fits ``verb`` rather than being a sentence: "serach trust", "dleete R1"."""
    if not rest:
        return True
    if verb in _ID_VERBS:
        return bool(_looks_like_id(rest.split()[0]) or _NEAR_ID.fullmatch(rest))
    if verb in ("list", "lessons"):
        return bool(re.fullmatch(r"(?:#|<#)\S+", rest))
    if verb == "search":
        return len(rest.split()) <= 3
    return verb == "weeknote" and rest.lower() in ("last", "last week", "this week")


def _looks_like_id(word: str) -> bool:
    """``R7`` or ``7`` (and near misses like ``R7x``, so they are refused, not saved)."""
    return bool(re.fullmatch(r"[A-Za-z]?\d[\w]{0,10}", word))


def _tags_or_none(text: str) -> tuple[str, list[str]]:
    try:
        return take_tags(text)
    except ParseError:
        return text, []


_TRAILING_TAGS = re.compile(r"(?:\s*(?:<#[CG][A-Z0-9]+(?:\|[^>]*)?>|(?<![\w<&])#[\w\-]+))+\s*$")


def parse_reflection(text: str, *, shared: bool = False) -> ReflectionDraft:
    """Read ``<text> [#tag …]``: every ``#tag`` is recorded; trailing ones leave the text.

    Tags in the middle of a sentence stay in it, so it still reads well.

    >>> draft = parse_reflection("Open questions beat slides with #leaders, always #influence")
    >>> draft.text, draft.tags
    ('Open questions beat slides with #leaders, always', ('leaders', 'influence'))
    """
    text = (text or "").strip()
    _, tags = take_tags(text)
    body = _tidy(_TRAILING_TAGS.sub("", text))
    return _checked(body, tuple(tags), shared)


def _tidy(text: str) -> str:
    """Runs of spaces collapsed, line breaks kept, ends trimmed."""
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_tag_list(text: str) -> tuple[str, ...]:
    """Tags typed in a form: ``inclusion, #policy leadership``.

    >>> parse_tag_list("inclusion, #Policy")
    ('inclusion', 'policy')
    """
    tags: list[str] = []
    for word in re.split(r"[\s,]+", text or ""):
        if word.strip("#"):
            tag = normalise_tag(word)
            if tag not in tags:
                tags.append(tag)
    _check_tags(tuple(tags))
    return tuple(tags)


def _check_tags(tags: tuple[str, ...]) -> None:
    if len(tags) > TAGS_MAX:
        raise ParseError(
            f"A reflection can have up to {TAGS_MAX} tags; that one has {len(tags)}.",
            example=EXAMPLE,
        )


def _checked(text: str, tags: tuple[str, ...], shared: bool) -> ReflectionDraft:
    if not text:
        raise ParseError("What's the reflection? Write a sentence or two.", example=EXAMPLE)
    if len(text) > TEXT_MAX:
        raise ParseError(
            f"A reflection can be up to {TEXT_MAX:,} characters; that one is {len(text):,}. "
            "Split it in two, or keep the heart of it.",
            example=EXAMPLE,
        )
    _check_tags(tags)
    return ReflectionDraft(text, tags, shared)


def check_reflection(text: str, tags: tuple[str, ...], *, shared: bool) -> ReflectionDraft:
    """A draft from the modal's fields, checked like a typed one."""
    return _checked(_tidy(text or ""), tags, shared)


def parse_search(text: str) -> tuple[str, ...]:
    """The words to search for; all must match (each by its stem).

    >>> parse_search("difficult conversations!")
    ('difficult', 'conversations')
    """
    text = (text or "").strip()
    if len(text) > SEARCH_MAX:
        raise ParseError(
            f"A search can be up to {SEARCH_MAX} characters; that one is {len(text):,}. "
            "A few distinctive words work best.",
            example=SEARCH_EXAMPLE,
        )
    terms = tuple(dict.fromkeys(word.lower() for word in re.findall(r"\w+", text)))
    if not terms:
        raise ParseError("What should I search for? Give a word or two.", example=SEARCH_EXAMPLE)
    if len(terms) > SEARCH_TERMS_MAX:
        raise ParseError(
            f"A search can have up to {SEARCH_TERMS_MAX} words; that one has {len(terms)}.",
            example=SEARCH_EXAMPLE,
        )
    return terms

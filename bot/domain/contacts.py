"""The people members talk with, in Slack or not, read from what members type. Pure.

A person is a member, picked with ``@`` (``<@U123|pete>``, or a plain ``@pete``), or
anyone else by name: ``Nicola Gill``. An organisation may follow, in brackets
(``Nicola Gill (GDS)``) or after ``at`` or ``from`` (``Nicola Gill at GDS``, ``the chief
executive from Camden Council``). A name in quotes is read as written (``"Jo From"``).

Where a name ends: at a bracket, at ``at``/``from`` (an organisation follows), at
``about``/``re`` (a topic follows), at a ``#tag``, at a comma, at a word the caller stops
at (``every`` in ``stay in touch with … every 6 weeks``), or where a when begins
(``tomorrow``, ``on Friday``, ``at 3pm``: ``at`` before a time is a when, not an
organisation). Up to :data:`NAME_WORDS` words and :data:`NAME_MAX` characters.

Who someone is (:func:`person_key`): a member by their Slack id; anyone else by their name,
compared without regard to case or spacing ("nicola  GILL" is Nicola Gill). The
organisation is not part of who someone is: people move, and the latest one is shown.

>>> person, rest = read_person("Nicola Gill (GDS) about digital inclusion", now, tz)
>>> person.name, person.organisation, rest
('Nicola Gill', 'GDS', 'about digital inclusion')
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import ParseError
from bot.domain.people import mention
from bot.domain.text import Mention, Word, mrkdwn, take_mentions, words
from bot.domain.when import reads_as_when

__all__ = [
    "Person",
    "NAME_MAX",
    "ORG_MAX",
    "NAME_WORDS",
    "ERASED_NAME",
    "read_person",
    "check_person",
    "person_key",
    "name_key",
    "describe_person",
]

NAME_MAX = 80
ORG_MAX = 80
NAME_WORDS = 8
ERASED_NAME = "[name erased]"
"""What replaces the name of someone outside Slack who asked to be forgotten."""

_TOPIC_WORDS = ("about", "re", "regarding", "on the subject of")
_ORG_WORDS = ("at", "from")
_QUOTES = {'"': '"', "“": "”"}
EXAMPLE = "Nicola Gill (GDS), Nicola Gill at GDS, @pete"


@dataclass(frozen=True)
class Person:
    """Someone a member talks with: a ``member`` (by mention) or anyone else by ``name``;
    an ``organisation`` either way."""

    member: Mention | None = None
    name: str | None = None
    organisation: str | None = None

    def __str__(self) -> str:
        who = str(self.member) if self.member else self.name or ""
        return f"{who} ({self.organisation})" if self.organisation else who


def name_key(name: str) -> str:
    """A name as compared: case folded, one space between words.

    >>> name_key("  Nicola   GILL ")
    'nicola gill'
    """
    return " ".join(name.casefold().split())


def person_key(user_id: str | None, name: str | None) -> str:
    """Who someone is, as stored: ``u:<Slack id>`` for a member, ``n:<name>`` otherwise.

    >>> person_key("U0PETE", None), person_key(None, "Nicola  Gill")
    ('u:U0PETE', 'n:nicola gill')
    """
    if user_id:
        return f"u:{user_id}"
    if not name or not name.strip():
        raise ValueError("a person needs a Slack id or a name")
    return f"n:{name_key(name)}"


def describe_person(user_id: str | None, name: str | None, organisation: str | None) -> str:
    """A person in mrkdwn: a member's mention, or the name as text; the organisation after.

    >>> describe_person(None, "Nicola Gill", "GDS"), describe_person("U0PETE", None, None)
    ('Nicola Gill (GDS)', '<@U0PETE>')
    >>> describe_person(None, "<!channel> & co", None), describe_person("former-member", None, None)
    ('@channel &amp; co', 'a former member')
    """
    who = mention(user_id) if user_id else mrkdwn(name or "someone")
    return f"{who} ({mrkdwn(organisation)})" if organisation else who


def _mention_of(word: str) -> Mention | None:
    rest, found = take_mentions(word)
    return found[0] if len(found) == 1 and not rest.strip() else None


def _when_starts(text: str, ws: list[Word], k: int, now: datetime, tz: ZoneInfo) -> bool:
    """Whether a when-clause starts at word ``k``: it runs to the end, or to a topic word."""
    for end in range(len(ws), k, -1):
        if end < len(ws) and ws[end].low not in (*_TOPIC_WORDS, "to"):
            continue
        if reads_as_when(text[ws[k].start : ws[end - 1].end], now, tz):
            return True
    return False


def _stops(
    text: str,
    ws: list[Word],
    k: int,
    now: datetime | None,
    tz: ZoneInfo | None,
    stop_words: Collection[str],
) -> bool:
    word = ws[k]
    if word.text in ("(", ")", ",", ";") or word.low in _TOPIC_WORDS or word.low in stop_words:
        return True
    if word.text.startswith(("#", "<#")):
        return True
    if word.low == "follow" and k + 1 < len(ws) and ws[k + 1].low == "up":
        return True
    return now is not None and tz is not None and _when_starts(text, ws, k, now, tz)


def read_person(
    text: str,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    *,
    stop_words: Collection[str] = (),
) -> tuple[Person, str]:
    """Read a person from the start of ``text``; return them and the rest of the text.

    Given ``now`` and ``tz``, a name also ends where a when begins ("Sam tomorrow").

    >>> read_person("Nicola Gill at GDS tomorrow", now, tz)
    (Person(member=None, name='Nicola Gill', organisation='GDS'), 'tomorrow')
    >>> read_person("<@U0PETE|pete> about the charter")[0].member.user_id
    'U0PETE'
    >>> read_person("Sam at 3pm tomorrow", now, tz)
    (Person(member=None, name='Sam', organisation=None), 'at 3pm tomorrow')
    """
    text = _hide(" ".join((text or "").split()))
    ws = words(text)
    if not ws or (now is not None and tz is not None and _when_starts(text, ws, 0, now, tz)):
        raise ParseError(_WHO, example=EXAMPLE)
    member = name = None
    k = 0
    if member := _mention_of(ws[0].text):
        k = 1
    elif text[0] in _QUOTES:
        close = text.find(_QUOTES[text[0]], 1)
        if close < 0:
            raise ParseError("Close the quotes around the name.", example='"Jo From" at GDS')
        name = " ".join(text[1:close].split())
        k = next((i for i, w in enumerate(ws) if w.start > close), len(ws))
    else:
        while k < len(ws) and not (
            k > 0 and _stops(text, ws, k, now, tz, {*_ORG_WORDS, *stop_words})
        ):
            if ws[k].text.startswith(("<@", "<#", "<!")) or _mention_of(ws[k].text):
                raise ParseError(
                    "Name one person: a member picked with @, or anyone else by name.",
                    example=EXAMPLE,
                )
            if ws[k].text in ("(", ")", ",", ";") or ws[k].low in _TOPIC_WORDS:
                break
            k += 1
        name = text[ws[0].start : ws[k - 1].end] if k else ""
    organisation, k = _organisation(text, ws, k, now, tz, stop_words)
    if organisation is None and k < len(ws) and ws[k].text == ",":
        organisation, k = _after_comma(text, ws, k)
    if k < len(ws) and ws[k].text in (",", ";"):
        k += 1
    rest = text[ws[k].start :] if k < len(ws) else ""
    return check_person(member, _show(name), _show(organisation)), _show(rest)


_WHO = "Who with? Give their name (and their organisation), or pick a member with @."


def _organisation(
    text: str,
    ws: list[Word],
    k: int,
    now: datetime | None,
    tz: ZoneInfo | None,
    stop_words: Collection[str],
) -> tuple[str | None, int]:
    """An organisation at word ``k``: ``(GDS)``, ``at GDS``, ``from GDS``; and where it ends."""
    if k >= len(ws):
        return None, k
    if ws[k].text == "(":
        close = next((i for i in range(k + 1, len(ws)) if ws[i].text == ")"), None)
        if close is None:
            raise ParseError("Close the bracket after the organisation.", example=EXAMPLE)
        return text[ws[k + 1].start : ws[close - 1].end] if close > k + 1 else None, close + 1
    if ws[k].low not in _ORG_WORDS or k + 1 >= len(ws):
        return None, k
    if now is not None and tz is not None and _when_starts(text, ws, k, now, tz):
        return None, k  # "at 3pm tomorrow": a when, not an organisation
    end = k + 1
    while end < len(ws) and not (end > k + 1 and _stops(text, ws, end, now, tz, stop_words)):
        if ws[end].text in ("(", ")", ",", ";") or ws[end].text.startswith(("<", "#")):
            break
        end += 1
    if end == k + 1:
        raise ParseError("Which organisation? Name it after “at”.", example=EXAMPLE)
    return text[ws[k + 1].start : ws[end - 1].end], end


_ENTITIES = {"&amp;": "\ue000", "&lt;": "\ue001", "&gt;": "\ue002"}


def _hide(text: str) -> str:
    """Slack's escapes (``&amp;``, ``&lt;``, ``&gt;``) as one character each while reading,
    so their ``;`` does not end a name."""
    for entity, mark in _ENTITIES.items():
        text = text.replace(entity, mark)
    return text


def _show(text: str | None) -> str | None:
    if text is None:
        return None
    for entity, mark in _ENTITIES.items():
        text = text.replace(mark, entity)
    return text


def _after_comma(text: str, ws: list[Word], k: int) -> tuple[str | None, int]:
    """``Nicola Gill, GDS, about …``: an organisation between commas before the topic."""
    for end in range(k + 2, min(len(ws), k + 8)):
        if ws[end].text in (",", "(", ")", ";") or ws[end].low in _TOPIC_WORDS:
            topic = ws[end].low in _TOPIC_WORDS or (
                end + 1 < len(ws) and ws[end].text == "," and ws[end + 1].low in _TOPIC_WORDS
            )
            if topic:
                return text[ws[k + 1].start : ws[end - 1].end], end
            break
    return None, k


def check_person(
    member: Mention | None, name: str | None, organisation: str | None = None
) -> Person:
    """A person from what was typed (or filled in a form), checked: one of a member or a
    name, a name with a letter in it, both within their lengths.

    >>> check_person(None, "  Nicola   Gill ", "GDS ").name
    'Nicola Gill'
    >>> check_person(None, "42")
    Traceback (most recent call last):
    ...
    bot.domain.errors.ParseError: “42” isn't a name: give their name, or pick a member with @.
    """
    name = " ".join((name or "").split()) or None
    organisation = " ".join((organisation or "").split()).strip("()[]") or None
    if member is None and name is None:
        raise ParseError(_WHO, example=EXAMPLE)
    if member is None and name is not None:
        if not any(ch.isalpha() for ch in name):
            raise ParseError(
                f"“{name[:40]}” isn't a name: give their name, or pick a member with @.",
                example=EXAMPLE,
            )
        if len(name) > NAME_MAX or len(name.split()) > NAME_WORDS:
            raise ParseError(
                f"A name can be up to {NAME_WORDS} words and {NAME_MAX} characters; to say more "
                "about them, start the topic with “about”.",
                example="/conversation with Nicola Gill (GDS) about digital inclusion",
            )
    if organisation is not None and len(organisation) > ORG_MAX:
        raise ParseError(
            f"An organisation's name can be up to {ORG_MAX} characters; that one is "
            f"{len(organisation):,}.",
            example=EXAMPLE,
        )
    return Person(member, None if member else name, organisation)

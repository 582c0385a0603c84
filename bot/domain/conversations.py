"""Conversations: the ones that build influence, mostly with people who are not in Slack. Pure.

``/conversation`` (its grammar; ``tests/phrases/conversations.txt`` is the reference):

- ``with <person> [about <topic>] [#tag …] [follow up <when>]`` records a conversation,
  private to its author. The person is anyone (``bot.domain.contacts``): ``Nicola Gill
  (GDS)``, ``Nicola Gill at GDS``, ``the chief executive from Camden Council``, or a member
  picked with @. ``about`` (or ``re``) starts the topic; after an organisation in brackets
  the topic may follow without it. ``#tags`` at the end are taken off the topic (ones
  inside stay in it, and count); ``#42`` is a number, not a tag. ``follow up <when>``, at
  the end and in brackets or not, sets a follow-up reminder, read by the one reader of
  whens (``bot.domain.when``): ``follow up in 3 weeks``, ``follow up on Friday``.
- ``share with …`` records one shared with the network at once.
- ``list`` your conversations (``list all``: and the network's shared ones; ``#tag``).
- ``people``: who you have talked with, when last, the next follow-up, the cadence.
- ``share C3`` · ``unshare C3`` · ``delete C3``: the author's only (``C3`` or ``3``).
- ``stay in touch with <person> every 6 weeks`` (``every month``, ``monthly``,
  ``every 2 months``, ``every quarter``): a nudge when that long passes with no
  conversation with them logged; each conversation resets it. ``… off`` stops it.
- ``map``: the organisations the network talked with in the last :data:`MAP_DAYS` days,
  from shared conversations only.
- ``forget "<name>"``: the steering group erases someone outside Slack, on their request.

A conversation's id is shown with the letter C (``C12``), as actions are A12, reflections R7
and reminders N3. Who may see a conversation is decided in one place, ``storage.privacy``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.calendar import last_day
from bot.domain.contacts import (
    ERASED_NAME,
    Person,
    check_person,
    describe_person,
    name_key,
    read_person,
)
from bot.domain.dates import check_due
from bot.domain.errors import DidYouMean, NotAllowed, ParseError
from bot.domain.quiet import delivery_time
from bot.domain.text import Mention, closest, parse_id, take_tags
from bot.domain.when import When, parse_when, reads_as_when

__all__ = [
    "Conversation",
    "ConversationDraft",
    "ConversationCommand",
    "Every",
    "Cadence",
    "PersonSummary",
    "OrganisationSummary",
    "ConversationCounts",
    "EXAMPLE",
    "STAY_EXAMPLE",
    "TOPIC_MAX",
    "TAGS_MAX",
    "MAP_DAYS",
    "VERBS",
    "parse_conversation_command",
    "parse_every",
    "check_conversation",
    "cadence_due_at",
    "organisation_key",
    "tally_organisations",
    "require_steering",
]

EXAMPLE = (
    "/conversation with Nicola Gill (GDS) about digital inclusion #inclusion follow up in 3 weeks"
)
STAY_EXAMPLE = "/conversation stay in touch with Nicola Gill every 6 weeks"
FORGET_EXAMPLE = '/conversation forget "Nicola Gill"'
TOPIC_MAX = 500
TAGS_MAX = 5
COMMAND_MAX = 1500
MAP_DAYS = 90
CADENCE_HOUR = time(9, 0)
VERBS = ("help", "with", "list", "people", "share", "unshare", "delete", "stay", "map", "forget")


@dataclass(frozen=True)
class Conversation:
    """A conversation as stored: with a member (``person_id``) or anyone (``person_name``)."""

    id: int
    team_id: str
    author_id: str
    person_id: str | None
    person_name: str | None
    organisation: str | None
    topic: str
    tags: tuple[str, ...]
    shared: bool
    created_at: datetime
    updated_at: datetime
    shared_at: datetime | None = None
    reminder_id: int | None = None  # the follow-up it answers ("How did it go?")

    @property
    def ref(self) -> str:
        """The id as members see it: ``C12``."""
        return f"C{self.id}"

    def person(self) -> str:
        """Whom it was with, in mrkdwn: ``<@U2>``, or "Nicola Gill (GDS)"."""
        return describe_person(self.person_id, self.person_name, self.organisation)


@dataclass(frozen=True)
class ConversationDraft:
    """A new conversation as typed or filled in, before it is stored."""

    person: Person
    topic: str = ""
    tags: tuple[str, ...] = ()
    shared: bool = False
    follow_up: When | None = None


@dataclass(frozen=True)
class Every:
    """How often to stay in touch: every ``n`` weeks or months.

    >>> Every(6, "week").describe(), Every(1, "month").describe()
    ('every 6 weeks', 'every month')
    """

    n: int
    unit: Literal["week", "month"]

    def describe(self) -> str:
        """In words: "every 6 weeks", "every month", "every 3 months"."""
        return f"every {self.unit}" if self.n == 1 else f"every {self.n} {self.unit}s"

    def after(self, day: date) -> date:
        """The day this long after ``day`` (a month on from the 31st is the month's last day).

        >>> Every(1, "month").after(date(2027, 1, 31)), Every(2, "week").after(date(2026, 12, 1))
        (datetime.date(2027, 2, 28), datetime.date(2026, 12, 15))
        """
        if self.unit == "week":
            return day + timedelta(weeks=self.n)
        months = day.year * 12 + day.month - 1 + self.n
        year, month = divmod(months, 12)
        return date(year, month + 1, min(day.day, last_day(year, month + 1)))


@dataclass(frozen=True)
class Cadence:
    """A member's wish to stay in touch with someone: nudged when it lapses."""

    id: int
    team_id: str
    user_id: str
    person_id: str | None
    person_name: str | None
    organisation: str | None
    every: Every
    tz: str
    started_at: datetime
    nudged_at: datetime | None = None

    def person(self) -> str:
        """Whom it is with, in mrkdwn."""
        return describe_person(self.person_id, self.person_name, self.organisation)


@dataclass(frozen=True)
class PersonSummary:
    """One line of ``/conversation people``: someone a member talks with."""

    person_id: str | None
    person_name: str | None
    organisation: str | None
    conversations: int = 0
    last_at: datetime | None = None
    next_follow_up: datetime | None = None
    cadence: Every | None = None
    cadence_due: datetime | None = None

    def person(self) -> str:
        """Who, in mrkdwn."""
        return describe_person(self.person_id, self.person_name, self.organisation)


@dataclass(frozen=True)
class OrganisationSummary:
    """One line of ``/conversation map``: an organisation the network talked with."""

    organisation: str
    conversations: int
    members: int
    last_at: datetime


@dataclass(frozen=True)
class ConversationCounts:
    """The digest's "Conversations": shared ones in the week, by how many members, with whom.

    >>> ConversationCounts(5, 2, (("GDS", 3), ("LGA", 2))).describe()
    '5 conversations shared by 2 members, with GDS 3, LGA 2.'
    """

    shared: int
    members: int
    organisations: tuple[tuple[str, int], ...] = ()

    def describe(self, shown: int = 12) -> str:
        """One sentence, the organisations most talked with first."""
        noun = "conversation" if self.shared == 1 else "conversations"
        by = "member" if self.members == 1 else "members"
        line = f"{self.shared:,} {noun} shared by {self.members:,} {by}"
        orgs = [f"{org} {n:,}" for org, n in self.organisations[:shown]]
        more = len(self.organisations) - shown
        if more > 0:
            orgs.append(f"and {more:,} more organisation{'s' if more > 1 else ''}")
        return line + (f", with {', '.join(orgs)}." if orgs else ".")


Verb = Literal[
    "help", "modal", "create", "list", "people", "share", "unshare", "delete", "stay", "stop",
    "map", "forget",
]  # fmt: skip


@dataclass(frozen=True)
class ConversationCommand:
    """One parsed ``/conversation`` command: a verb and what it needs."""

    verb: Verb
    draft: ConversationDraft | None = None
    conversation_id: int | None = None
    tag: str | None = None
    everyone: bool = False  # list: the network's shared ones too
    person: Person | None = None  # stay, stop
    every: Every | None = None  # stay
    name: str = ""  # forget


_ID_VERBS = ("share", "unshare", "delete")


def parse_conversation_command(text: str, now: datetime, tz: ZoneInfo) -> ConversationCommand:
    """Read what follows ``/conversation``.

    >>> c = parse_conversation_command(
    ...     "with Nicola Gill (GDS) about digital inclusion #inclusion follow up in 3 weeks",
    ...     now, tz)
    >>> c.draft.person.name, c.draft.person.organisation, c.draft.topic, c.draft.tags
    ('Nicola Gill', 'GDS', 'digital inclusion', ('inclusion',))
    >>> c.draft.follow_up.first
    datetime.datetime(2026, 12, 22, 9, 0, tzinfo=datetime.timezone.utc)
    """
    text = " ".join((text or "").split())
    if len(text) > COMMAND_MAX:
        raise ParseError(
            f"That's {len(text):,} characters; a conversation's topic can be up to {TOPIC_MAX}.",
            example=EXAMPLE,
        )
    if not text:
        return ConversationCommand("modal")
    word, _, rest = text.partition(" ")
    verb = word.lower()
    if verb == "help":
        if rest:
            raise DidYouMean("/conversation help")
        return ConversationCommand("help")
    if verb == "with":
        return ConversationCommand("create", draft=_draft(rest, now, tz, shared=False))
    if verb == "list":
        return _list(rest)
    if verb in ("people", "map"):
        if rest:
            raise DidYouMean(f"/conversation {verb}", f"`/conversation {verb}` takes nothing more.")
        return ConversationCommand(verb)  # type: ignore[arg-type]
    if verb in _ID_VERBS:
        return _by_id(verb, rest, now, tz)
    if verb == "stay" or text.lower().startswith("keep in touch"):
        return _stay(text)
    if verb == "stop" and re.match(r"stop (?:staying|keeping) in touch with ", text, re.I):
        person, tail = read_person(re.sub(r"^\S+ \S+ in touch with ", "", text, flags=re.I))
        if tail:
            raise ParseError(f"I couldn't read “{tail[:60]}” after the name.", example=STAY_EXAMPLE)
        return ConversationCommand("stop", person=person)
    if verb == "forget":
        return ConversationCommand("forget", name=_forget_name(rest))
    near = closest(verb, list(VERBS), 0.7)
    if near == "with" or near is not None and not re.search(r"\babout\b", rest, re.I):
        raise DidYouMean(f"/conversation {near} {rest}".strip())
    if verb in ("about", "re"):
        raise ParseError("Who was it with? Start with “with”.", example=EXAMPLE)
    if re.search(r"\b(?:about|re)\b|\(", text, re.I):  # "Nicola Gill (GDS) about …"
        raise DidYouMean(f"/conversation with {text}", "A conversation starts with “with”.")
    raise ParseError(
        f"I don't know `/conversation {word}`. A conversation starts with “with”; "
        "`/conversation help` has the rest.",
        example=EXAMPLE,
    )


def _list(rest: str) -> ConversationCommand:
    everyone, tag = False, None
    for word in rest.split():
        low = word.lower()
        if low in ("all", "shared", "everyone", "network"):
            everyone = True
        elif low in ("mine", "my", "me"):
            continue
        elif word.startswith(("#", "<#")) and tag is None:
            _, tags = take_tags(word)
            if len(tags) != 1:
                raise DidYouMean("/conversation list #inclusion")
            tag = tags[0]
        else:
            raise DidYouMean(
                "/conversation list",
                "`/conversation list` takes `all` (the network's shared ones too) and a #tag.",
            )
    return ConversationCommand("list", tag=tag, everyone=everyone)


def _by_id(verb: str, rest: str, now: datetime, tz: ZoneInfo) -> ConversationCommand:
    if verb == "share" and rest.lower().startswith("with "):
        return ConversationCommand("create", draft=_draft(rest[5:], now, tz, shared=True))
    if not rest:
        raise ParseError("Which conversation? Give its id.", example=f"/conversation {verb} C3")
    first, _, tail = rest.partition(" ")
    if re.fullmatch(r"[A-Za-z]?\d{1,9}", first):
        if tail:
            raise ParseError(
                f"`/conversation {verb}` takes just an id.", example=f"/conversation {verb} C3"
            )
        number = parse_id(first, "C")
        return ConversationCommand(verb, conversation_id=number)  # type: ignore[arg-type]
    if near_id := re.fullmatch(r"[#(]?[Cc]\s?[-#.]?\s?(\d{1,9})\)?|#(\d{1,9})", rest):
        raise DidYouMean(f"/conversation {verb} C{near_id[1] or near_id[2]}")
    shared_one = " To record a shared one: `/conversation share with …`." if verb == "share" else ""
    raise ParseError(
        f"`/conversation {verb}` takes a conversation's id, like C3; `/conversation list` "
        f"shows them.{shared_one}",
        example=f"/conversation {verb} C3",
    )


_FOLLOW_UP = re.compile(r"\[?\s*\bfollow(?:ing)?[ -]?up\b", re.I)
_TRAILING_TAGS = re.compile(
    r"(?:\s*(?:<#[CG][A-Z0-9]+(?:\|[^>]*)?>|(?<![\w<&])#(?!\d+\b)[\w\-]+))+\s*$"
)
_TOPIC_LEAD = re.compile(r"^(?:about|re|regarding|on the subject of)\b[:\s]*", re.I)


def _draft(body: str, now: datetime, tz: ZoneInfo, *, shared: bool) -> ConversationDraft:
    """``<person> [about <topic>] [#tag …] [follow up <when>]``."""
    body, follow_up = _take_follow_up(body, now, tz)
    person, rest = read_person(body)
    rest = _TOPIC_LEAD.sub("", rest).strip()
    tags = tuple(t for t in take_tags(rest)[1] if not t.isdigit())
    topic = _TRAILING_TAGS.sub("", rest).strip(" ,;:-–")
    return _checked(person, topic, tags, shared, follow_up)


def _take_follow_up(body: str, now: datetime, tz: ZoneInfo) -> tuple[str, When | None]:
    """The last ``follow up <when>`` (``[follow up <when>]`` too), taken off ``body``.

    Words after "follow up" that are no when ("about the follow up to the visit") stay in
    the topic; in brackets, or starting as a when does ("in 3 wekes"), they are refused.
    """
    found = list(_FOLLOW_UP.finditer(body))
    if not found:
        return body, None
    start, end = found[-1].start(), found[-1].end()
    clause = body[end:].strip()
    bracketed = "[" in found[-1][0]
    if bracketed:
        clause = clause.removesuffix("]").strip() if "]" in clause else clause
        if "]" in clause:
            return body, None  # brackets of the topic's own
    tags = _TRAILING_TAGS.search(clause)
    said = clause[: tags.start()].strip() if tags else clause
    if not said:
        raise ParseError(
            "When should I remind you to follow up? Say it after “follow up”.", example=EXAMPLE
        )
    if not bracketed and not reads_as_when(said, now, tz):
        return body, None
    when = parse_when(said, now, tz)
    if when.recurrence is not None:
        raise ParseError(
            "A follow-up comes once. To keep in touch every so often, set a cadence.",
            example=STAY_EXAMPLE,
        )
    return (body[:start].rstrip() + (" " + tags[0].strip() if tags else "")).strip(), when


def _checked(
    person: Person,
    topic: str,
    tags: tuple[str, ...],
    shared: bool,
    follow_up: When | None,
) -> ConversationDraft:
    topic = re.sub(r"[ \t]+", " ", topic or "").strip()
    if len(topic) > TOPIC_MAX:
        raise ParseError(
            f"A conversation's topic can be up to {TOPIC_MAX} characters; that one is "
            f"{len(topic):,}. Keep the heart of it.",
            example=EXAMPLE,
        )
    if len(tags) > TAGS_MAX:
        raise ParseError(
            f"A conversation can have up to {TAGS_MAX} tags; that one has {len(tags)}.",
            example=EXAMPLE,
        )
    return ConversationDraft(person, topic, tuple(dict.fromkeys(tags)), shared, follow_up)


def check_conversation(
    *,
    name: str | None,
    member_id: str | None,
    organisation: str | None,
    topic: str | None,
    tags: tuple[str, ...] = (),
    shared: bool = False,
    follow_up_on: date | None = None,
    now: datetime,
    tz: ZoneInfo,
) -> ConversationDraft:
    """A draft from the form's fields, checked like a typed one. A member picked wins over a
    name typed beside it; a follow-up date is reminded of at 09:00 on that day.

    >>> check_conversation(name="Nicola Gill", member_id=None, organisation="GDS",
    ...     topic="inclusion", follow_up_on=date(2026, 12, 4), now=now, tz=tz).follow_up.first
    datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.timezone.utc)
    """
    member = Mention(member_id) if member_id else None
    person = check_person(member, None if member else name, organisation)
    follow_up = None
    if follow_up_on is not None:
        check_due(follow_up_on, now, tz)
        first = datetime.combine(follow_up_on, CADENCE_HOUR, tzinfo=tz).astimezone(UTC)
        if first <= now:
            raise ParseError("That follow-up time has passed: pick a later day.", example=EXAMPLE)
        follow_up = When(first, None, explicit_time=False)
    return _checked(person, topic or "", tags, shared, follow_up)


_EVERY = re.compile(
    r"(?:every|each)\s+(?:(?P<n>\d{1,2}|a|one|two|three|four|five|six|eight|other)\s+)?"
    r"(?P<unit>weeks?|fortnights?|months?|quarters?)"
)
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8}
_NUMBERS["other"] = 2
_SHORT = {
    "weekly": "every week",
    "fortnightly": "every fortnight",
    "monthly": "every month",
    "quarterly": "every quarter",
}


def parse_every(text: str) -> Every:
    """How often: ``every 6 weeks``, ``every fortnight``, ``monthly``, ``every 3 months``.

    >>> parse_every("every 6 weeks"), parse_every("every quarter")
    (Every(n=6, unit='week'), Every(n=3, unit='month'))
    """
    s = " ".join((text or "").lower().split()).rstrip(".!")
    s = _SHORT.get(s, s)
    m = _EVERY.fullmatch(s)
    if m is None:
        raise ParseError("How often? Say every so many weeks or months.", example=STAY_EXAMPLE)
    n = _NUMBERS.get(m["n"] or "") or int(m["n"] or 1)
    unit = m["unit"].rstrip("s")
    if unit == "fortnight":
        n, unit = n * 2, "week"
    if unit == "quarter":
        n, unit = n * 3, "month"
    if unit == "week" and not 1 <= n <= 52 or unit == "month" and not 1 <= n <= 12:
        raise ParseError("Pick every 1 to 52 weeks, or 1 to 12 months.", example=STAY_EXAMPLE)
    return Every(n, unit)  # type: ignore[arg-type]


def _stay(text: str) -> ConversationCommand:
    m = re.match(r"(?:stay|keep) in touch with\s+", text, re.I)
    if m is None:
        said = re.match(r"(?:stay|keep)(?: in touch)?(?: with)?\s+(?P<rest>.+)", text, re.I)
        raise DidYouMean(
            f"/conversation stay in touch with {said['rest']}" if said else STAY_EXAMPLE,
            "Name the person after “stay in touch with”.",
        )
    stops = ("every", "each", "off", "stop", *_SHORT)
    person, rest = read_person(text[m.end() :], stop_words=stops)
    low = rest.lower().strip()
    if low in ("off", "stop", "never", "no more"):
        return ConversationCommand("stop", person=person)
    if not low:
        raise ParseError("How often would you like to be in touch?", example=STAY_EXAMPLE)
    return ConversationCommand("stay", person=person, every=parse_every(rest))


def _forget_name(rest: str) -> str:
    name = rest.strip()
    if len(name) >= 2 and name[0] in "\"“'‘" and name[-1] in "\"”'’":
        name = name[1:-1].strip()
    if name.startswith(("<@", "@")):
        raise ParseError(
            "A member erases their own data, with `/nudge forget me`; this is for people "
            "outside Slack.",
            example=FORGET_EXAMPLE,
        )
    if not name:
        raise ParseError("Whose name should I erase?", example=FORGET_EXAMPLE)
    person = check_person(None, name)
    if person.name == ERASED_NAME or len(person.name or "") < 3:
        raise ParseError(
            "Give their name as members typed it, in full: short names would erase others'.",
            example=FORGET_EXAMPLE,
        )
    return person.name or ""


def cadence_due_at(
    every: Every,
    tz: ZoneInfo,
    *,
    started_at: datetime,
    last_contact: datetime | None,
    nudged_at: datetime | None,
) -> datetime:
    """When a "stay in touch" nudge is due: ``every`` after the latest of the cadence's start,
    the last conversation with them and the last nudge, at 09:00 local, after quiet hours.

    >>> start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    >>> cadence_due_at(Every(6, "week"), ZoneInfo("Europe/London"), started_at=start,
    ...                last_contact=None, nudged_at=None)
    datetime.datetime(2027, 1, 12, 9, 0, tzinfo=datetime.timezone.utc)
    """
    anchor = max(t for t in (started_at, last_contact, nudged_at) if t is not None)
    day = every.after(anchor.astimezone(tz).date())
    due = datetime.combine(day, CADENCE_HOUR, tzinfo=tz).astimezone(UTC)
    return delivery_time(due, tz, explicit=False)


def organisation_key(organisation: str) -> str:
    """Organisations are counted together whatever their case or spacing.

    >>> organisation_key(" gds ") == organisation_key("GDS")
    True
    """
    return name_key(organisation)


def tally_organisations(organisations: list[str]) -> tuple[tuple[str, int], ...]:
    """``("GDS", 3), ("LGA", 2)``: each organisation (as most often spelt) and how many times,
    most first, then by name.

    >>> tally_organisations(["GDS", "LGA", "gds", "GDS", "LGA", "Camden"])
    (('GDS', 3), ('LGA', 2), ('Camden', 1))
    """
    spellings: dict[str, Counter[str]] = {}
    for org in organisations:
        spellings.setdefault(organisation_key(org), Counter())[org.strip()] += 1
    counted = [(c.most_common(1)[0][0], sum(c.values())) for c in spellings.values()]
    return tuple(sorted(counted, key=lambda pair: (-pair[1], pair[0].casefold())))


def require_steering(is_steering: bool) -> None:
    """Erasing someone outside Slack is for the steering group."""
    if not is_steering:
        raise NotAllowed(
            "Erasing someone's name is for the steering group, on that person's request. "
            "Your own data: `/nudge mydata` and `/nudge forget me`.",
        )

"""Nudges: reading ``/nudge`` commands, and the rules for when a reminder or habit fires.

Pure: every function takes ``now`` (aware) and, where it matters, the member's time zone.

Rules:
- A reminder fires at ``next_at``. Delivered more than ``LATE_AFTER`` after that (the bot
  was down), it says it is late.
- A recurring reminder that missed several occurrences delivers one catch-up, then
  continues on its schedule: :func:`after_delivery` skips the missed ones.
- A blogging habit nudges when neither a post nor a shared reflection came in the
  period; the period runs from the latest of: the habit's start, the last post or
  shared reflection, the last nudge. Nudges go out at 09:00 in the member's time zone.
- Quiet hours (:mod:`bot.domain.quiet`: 19:00-08:00 and weekends, the member's time):
  a reminder whose time of day was not named, and the habit nudge, wait for the next
  allowed minute (and the reply says so and why); a reminder at a named time ("every
  Saturday at 10am") keeps it, and so does a snooze: "Snooze 1 hour" at 19:32 comes at
  20:32. A repeating reminder with no named time skips an occurrence that would only
  pile up behind the next one ("daily" comes on working days). The overdue nudge is
  daily, so a quiet day is skipped, never carried over: it goes out from 09:00 on a
  weekday, and a day whose window has closed sends nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.contacts import Person, describe_person, read_person
from bot.domain.errors import DidYouMean, NotAllowed, ParseError
from bot.domain.quiet import delivery_time, is_quiet, plan_delivery
from bot.domain.text import Mention, closest, parse_id, take_mentions
from bot.domain.when import Recurrence, When, parse_when, split_when

__all__ = [
    "Reminder",
    "NudgeCommand",
    "EXAMPLE",
    "FOLLOW_UP_EXAMPLE",
    "TEXT_MAX",
    "LATE_AFTER",
    "SNOOZES",
    "parse_nudge_command",
    "addressed",
    "is_late",
    "after_delivery",
    "deliver_at",
    "snooze_until",
    "habit_due_at",
    "overdue_nudge_due",
]

EXAMPLE = "/nudge me to write my weeknote every Friday at 4pm"
FOLLOW_UP_EXAMPLE = "/nudge follow up with Nicola Gill (GDS) about the charter on Friday"
BLOG_EXAMPLE = "/nudge blog every 2 weeks"
TEXT_MAX = 300
COMMAND_MAX = 1000
URL_MAX = 2000
LATE_AFTER = timedelta(minutes=2)
SNOOZES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}
HABIT_HOUR = time(9, 0)
OVERDUE_HOUR = time(9, 0)

Kind = Literal["me", "follow_up"]

_FIRST_PERSON = {
    "i": "you",
    "i'm": "you're",
    "i’m": "you’re",
    "i've": "you've",
    "i’ve": "you’ve",
    "i'll": "you'll",
    "i’ll": "you’ll",
    "i'd": "you'd",
    "i’d": "you’d",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
}
_PERSON_WORD = re.compile(
    r"<[^<>]*>|(?<![\w’'])("
    + "|".join(sorted(map(re.escape, _FIRST_PERSON), key=len, reverse=True))
    + r")(?![\w’'])",
    re.IGNORECASE,
)


def addressed(text: str) -> str:
    """What the member wrote about themselves, said back to them, as Slack's /remind does:
    "write my weeknote" becomes "write your weeknote". Mentions and links are left alone.

    >>> addressed("send my notes to <https://x.org/my|my page> and tell me")
    'send your notes to <https://x.org/my|my page> and tell you'
    >>> addressed("I'll share mine")
    "you'll share yours"
    """

    def swap(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group(0)
        return _FIRST_PERSON[m.group(1).lower()]  # said back mid-sentence: lower case

    return _PERSON_WORD.sub(swap, text)


@dataclass(frozen=True)
class Reminder:
    """A reminder as stored; ``next_at`` is ``None`` once a one-off has gone out."""

    id: int
    team_id: str
    user_id: str
    kind: Kind
    text: str
    person_id: str | None
    permalink: str | None
    recurrence: Recurrence | None
    tz: str
    next_at: datetime | None
    status: Literal["active", "done", "cancelled"]
    created_at: datetime
    explicit_time: bool = True  # the member named a time of day: quiet hours do not apply
    done_at: datetime | None = None  # when it was last marked done
    person_name: str | None = None  # a follow-up with someone outside Slack: their name
    person_org: str | None = None  # and their organisation, if one was given

    @property
    def ref(self) -> str:
        """The id as members see it: ``N3``."""
        return f"N{self.id}"

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the reminder was set in."""
        return ZoneInfo(self.tz)

    def person(self) -> str:
        """Whom a follow-up is with, in mrkdwn: ``<@U2>``, or "Nicola Gill (GDS)"."""
        return describe_person(self.person_id, self.person_name, self.person_org)

    def subject(self) -> str:
        """What it is about, in mrkdwn: "write my weeknote", "follow up with <@U2> about …",
        "follow up with Nicola Gill (GDS) about …"."""
        if self.kind == "me":
            return self.text
        about = f" about {self.text}" if self.text else ""
        if not self.person_id and not self.person_name:
            return f"follow up{about}"
        return f"follow up with {self.person()}{about}"


@dataclass(frozen=True)
class NudgeCommand:
    """One parsed ``/nudge`` command: a verb and what it needs."""

    verb: Literal[
        "help",
        "me",
        "follow_up",
        "list",
        "cancel",
        "blog_every",
        "blog_off",
        "blog_feed",
        "blog",
        "mydata",
        "forget",
    ]
    text: str = ""
    person: Mention | None = None  # a follow-up with a member
    when: When | None = None
    reminder_id: int | None = None
    weeks: int | None = None
    url: str = ""
    contact: Person | None = None  # a follow-up's person, a member or anyone else


_BLOG_EVERY = re.compile(r"every\s+(?:(\d{1,3}|two|three|four|other)\s+)?(weeks?|fortnight)")
_NUMBERS = {"two": 2, "three": 3, "four": 4, "other": 2}


VERBS = ("help", "list", "cancel", "me", "follow", "blog", "mydata", "forget")
_CANCEL_WORDS = {"delete", "remove", "stop", "drop", "del", "end", "cancelled"}


def parse_nudge_command(text: str, now: datetime, tz: ZoneInfo) -> NudgeCommand:
    """Read what follows ``/nudge``; raises ParseError with an example.

    Both orders are read, as Slack's ``/remind`` reads them: ``me to call Pete in 3
    hours`` and ``me in 3 hours to call Pete``; ``remind me …`` and ``me about …`` too.
    A near miss of a verb (``lsit``, ``cancle N3``) gets "Did you mean …?".

    >>> now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    >>> c = parse_nudge_command("me to call Sam tomorrow at 9am", now, ZoneInfo("Europe/London"))
    >>> c.verb, c.text, c.when.first
    ('me', 'call Sam', datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.timezone.utc))
    """
    text = " ".join((text or "").split())
    if len(text) > COMMAND_MAX:
        raise ParseError(
            f"That's {len(text):,} characters; a reminder needs far fewer (up to {TEXT_MAX}).",
            example=EXAMPLE,
        )
    text = re.sub(r"^(?:remind|nudge)\s+(?=me\b)", "", text, flags=re.I)
    text = re.sub(r"^follow(?:-|\s?)up\b", "follow up", text, flags=re.I)  # "follow-up with"
    text = re.sub(r"^follow up (?:w/ ?)?(?=<@|@)", "follow up with ", text, flags=re.I)
    lower = text.lower()
    word, _, rest = lower.partition(" ")
    if lower in ("", "help"):
        return NudgeCommand("help")
    if lower in ("my data", "my-data", "data", "export"):
        raise DidYouMean("/nudge mydata")
    if word in _CANCEL_WORDS and re.fullmatch(r"n?\d{1,9}", rest):
        raise DidYouMean(f"/nudge cancel {text.partition(' ')[2]}")
    if word.startswith(("<@", "@", "<#", "#", "<!")):
        raise ParseError(
            "I can only remind you, by DM. To be reminded to follow up with someone, say "
            "who: `/nudge follow up with @pete about the charter on Friday`.",
            example=EXAMPLE,
        )
    slip = re.match(r"(\S+) up with ", lower)
    if slip and slip[1] != "follow" and closest(slip[1], ["follow"]):  # "fllow up with …"
        raise DidYouMean(f"/nudge follow up {text.split(' ', 2)[2]}")
    if lower == "list":
        return NudgeCommand("list")
    if lower == "mydata":
        return NudgeCommand("mydata")
    if lower == "forget me":
        return NudgeCommand("forget")
    if lower.startswith(("mydata", "forget")):
        _refuse_others(text)
    if word == "cancel":
        rest = text[len("cancel") :].strip()
        if not rest:
            raise ParseError(
                "Which reminder? Give its id from `/nudge list`.", example="/nudge cancel N3"
            )
        if rest.lower() in ("all", "everything"):
            raise ParseError(
                "I cancel one reminder at a time: give its id from `/nudge list`.",
                example="/nudge cancel N3",
            )
        return NudgeCommand("cancel", reminder_id=parse_id(rest, "N"))
    if word == "me" or word == "to":
        return _me(text.partition(" ")[2] if word == "me" else text, now, tz)
    if lower.startswith("follow up with "):
        return _follow_up(text[len("follow up with ") :], now, tz)
    if word == "blog":
        return _blog(text[len("blog") :].strip())
    if word == "list" or word == "help":
        raise DidYouMean(f"/nudge {word}", f"`/nudge {word}` takes nothing more.")
    if lower.startswith("follow"):
        raise ParseError("Name the person after “follow up with”.", example=FOLLOW_UP_EXAMPLE)
    near = closest(word, ["help", "list", "cancel", "blog", "mydata"])
    if near is not None and len(rest.split()) <= 4:
        raise DidYouMean(f"/nudge {near} {text.partition(' ')[2]}".strip())
    try:
        subject, _ = split_when(text, now, tz)
    except ParseError:
        subject = ""
    if subject:
        raise DidYouMean(f"/nudge me to {text}", "A reminder starts with “me”.")
    raise ParseError(f"I don't know “{text[:60]}”. Try `/nudge help`.", example=EXAMPLE)


def _me(rest: str, now: datetime, tz: ZoneInfo) -> NudgeCommand:
    """``me to <text> <when>``, ``me <when> to <text>``, ``me about <text> <when>``."""
    if not rest:
        raise ParseError("What should I remind you of, and when?", example=EXAMPLE)
    body = re.sub(r"^(?:to|that|about)\s+", "", rest, flags=re.I)
    quoted = re.fullmatch(
        r"(?P<a>[^\"“”]*?)\s*[\"“](?P<text>[^\"“”]+)[\"”]\s*(?P<b>[^\"“”]*)", body
    )
    if quoted and bool(quoted["a"]) != bool(quoted["b"]):  # tomorrow "Please review the plan"
        when = parse_when(quoted["a"] or quoted["b"], now, tz)
        return NudgeCommand("me", text=_check_text(quoted["text"], EXAMPLE), when=when)
    subject, when = split_when(body, now, tz)
    return NudgeCommand("me", text=_check_text(subject, EXAMPLE), when=when)


def _refuse_others(text: str) -> None:
    """``mydata``/``forget`` followed by anything else: refused, naming someone most clearly.

    >>> _refuse_others("mydata <@U0PETE|pete>")
    Traceback (most recent call last):
    ...
    bot.domain.errors.NotAllowed: You can export or erase only your own data: ...
    """
    verb = "mydata" if text.lower().startswith("mydata") else "forget me"
    _, mentions = take_mentions(text)
    if mentions:
        raise NotAllowed(
            "You can export or erase only your own data: no one, the steering group "
            "included, can do it for someone else. They can type `/nudge mydata` or "
            "`/nudge forget me` themselves.",
            example=f"/nudge {verb}",
        )
    raise ParseError(f"Did you mean `/nudge {verb}`?", example=f"/nudge {verb}")


def _check_text(text: str, example: str) -> str:
    text = text.strip()
    if not text:
        raise ParseError("What should I remind you about?", example=example)
    if len(text) > TEXT_MAX:
        raise ParseError(
            f"A reminder can be up to {TEXT_MAX} characters; that one is {len(text):,}.",
            example=example,
        )
    return text


def _follow_up(rest: str, now: datetime, tz: ZoneInfo) -> NudgeCommand:
    """``follow up with <person> [about <topic>] <when>``, the when before or after the topic.

    The person is anyone (:func:`bot.domain.contacts.read_person`): a member picked with
    @, or a name with an optional organisation, ``Nicola Gill (GDS)``, ``… at GDS``.
    """
    try:
        person, rest = read_person(rest, now, tz)
    except ParseError as err:
        raise ParseError(err.message, example=FOLLOW_UP_EXAMPLE) from err
    if not rest:
        raise ParseError("When should I remind you?", example=FOLLOW_UP_EXAMPLE)
    found = {"person": person.member, "contact": person}
    rest = re.sub(r"^(?:re:|regarding)\s+", "about ", rest, flags=re.I)
    if re.match(r"(?:about|re)\s", rest, re.I):  # about <topic> <when>
        topic, when = split_when(re.sub(r"^(?:about|re)\s+", "", rest, flags=re.I), now, tz)
        return NudgeCommand(
            "follow_up", text=_check_text(topic, FOLLOW_UP_EXAMPLE), when=when, **found
        )
    try:
        when = parse_when(rest, now, tz)
    except ParseError as err:
        if " about " not in f" {rest.lower()} ":
            raise ParseError(err.message, example=FOLLOW_UP_EXAMPLE) from err
        topic, when = split_when(rest, now, tz)  # <when> about <topic>
        topic = re.sub(r"^about\s+", "", topic, flags=re.I)
        return NudgeCommand(
            "follow_up", text=_check_text(topic, FOLLOW_UP_EXAMPLE), when=when, **found
        )
    return NudgeCommand("follow_up", when=when, **found)


def _blog(rest: str) -> NudgeCommand:
    lower = rest.lower()
    if not rest:
        return NudgeCommand("blog")
    if lower == "off":
        return NudgeCommand("blog_off")
    if lower in ("stop", "pause", "cancel", "none", "never", "no", "end", "disable"):
        raise DidYouMean("/nudge blog off")
    if lower.startswith("feed"):
        url = rest[len("feed") :].strip().strip("<>").split("|")[0]
        if not url:
            raise ParseError(
                "Which feed? Give its address.",
                example="/nudge blog feed https://example.org/feed.xml",
            )
        if len(url) > URL_MAX or " " in url:
            raise ParseError(
                "That doesn't look like one web address.",
                example="/nudge blog feed https://example.org/feed.xml",
            )
        return NudgeCommand("blog_feed", url=url)
    lower = {"weekly": "every week", "fortnightly": "every fortnight"}.get(lower, lower)
    m = _BLOG_EVERY.fullmatch(lower)
    if not m:
        raise ParseError("How often? Say every so many weeks.", example=BLOG_EXAMPLE)
    n = m[1] or "1"
    weeks = 2 if m[2] == "fortnight" else _NUMBERS.get(n) or int(n)
    if not 1 <= weeks <= 52:
        raise ParseError("Pick every 1 to 52 weeks.", example=BLOG_EXAMPLE)
    return NudgeCommand("blog_every", weeks=weeks)


def is_late(due_at: datetime, now: datetime) -> bool:
    """Delivered more than ``LATE_AFTER`` after it was due (the bot was down, say)."""
    return now - due_at > LATE_AFTER


def after_delivery(reminder: Reminder, now: datetime) -> datetime | None:
    """The next time once the occurrence at ``next_at`` has gone out; ``None`` for a one-off.

    Missed occurrences are skipped: one catch-up, then the schedule. Without a named
    time of day, an occurrence in quiet hours moves to the next allowed minute.
    """
    if reminder.recurrence is None:
        return None
    upcoming = reminder.recurrence.next_after(reminder.next_at, now)
    while upcoming is not None:
        planned = plan_delivery(upcoming, reminder.zone, explicit=reminder.explicit_time, now=now)
        following = reminder.recurrence.next_after(upcoming, upcoming)
        if not planned.reason or following is None or following - planned.at > timedelta(days=1):
            return planned.at
        upcoming = following  # held, it would come a day or less before the next: skip it
    return None


def deliver_at(reminder: Reminder) -> datetime:
    """When the due occurrence may go out: ``next_at``, or after quiet hours if no time was named.

    >>> r = Reminder(1, "T1", "U1", "me", "water the plants", None, None, None,
    ...              "Europe/London", datetime(2026, 12, 5, 10, tzinfo=UTC), "active",
    ...              datetime(2026, 12, 1, tzinfo=UTC), explicit_time=False)
    >>> deliver_at(r)  # Saturday 10:00 -> Monday 08:00
    datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.timezone.utc)
    """
    assert reminder.next_at is not None
    return delivery_time(reminder.next_at, reminder.zone, explicit=reminder.explicit_time)


def snooze_until(now: datetime, snooze: str, tz: ZoneInfo) -> datetime:
    """The end of a snooze (``1h``, ``1d``, ``1w``): exactly that long from now. The member
    chose the time, so quiet hours do not move it.

    >>> snooze_until(datetime(2026, 12, 4, 10, tzinfo=UTC), "1d", ZoneInfo("Europe/London"))
    datetime.datetime(2026, 12, 5, 10, 0, tzinfo=datetime.timezone.utc)
    """
    return now + SNOOZES[snooze]


def _at_local(day_time: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first ``at`` o'clock local at or after ``day_time``, in UTC."""
    local = day_time.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate.astimezone(UTC)


def habit_due_at(
    every_weeks: int,
    tz: ZoneInfo,
    *,
    started_at: datetime,
    last_activity: datetime | None,
    nudged_at: datetime | None,
) -> datetime:
    """When the next habit nudge is due: a period after the latest start, activity or nudge,
    at 09:00 local, or the next weekday's 08:00 when that falls in quiet hours.

    >>> start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    >>> habit_due_at(1, ZoneInfo("Europe/London"), started_at=start, last_activity=None,
    ...              nudged_at=None)
    datetime.datetime(2026, 12, 9, 9, 0, tzinfo=datetime.timezone.utc)
    """
    anchor = max(t for t in (started_at, last_activity, nudged_at) if t is not None)
    return delivery_time(
        _at_local(anchor + timedelta(weeks=every_weeks), HABIT_HOUR, tz), tz, explicit=False
    )


def overdue_nudge_due(now: datetime, tz: ZoneInfo) -> bool:
    """Overdue nudges go out from 09:00 in the owner's time zone, outside quiet hours.

    A quiet day is skipped, not carried over (one nudge a day, never a pile on Monday).

    >>> overdue_nudge_due(datetime(2026, 12, 5, 9, tzinfo=UTC), ZoneInfo("Europe/London"))
    False
    """
    return now.astimezone(tz).time() >= OVERDUE_HOUR and not is_quiet(now, tz)

"""The weekly digest: which week, when it fires, and what it says. Pure: no Slack, no SQL.

A digest covers the seven days up to the moment it is built (for the scheduled one, the
scheduled time), so consecutive weekly digests neither overlap nor leave a gap. It is
posted once per ISO week of the network's time zone: the delivery key names the week.

When it fires and which week it is belong to every weekly post: ``bot.domain.weekly``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.domain.actions import Action
from bot.domain.calendar import CRON_DAYS, WEEKDAY_WORDS
from bot.domain.conversations import ConversationCounts
from bot.domain.dates import TIME_EXAMPLE, read_time
from bot.domain.errors import DidYouMean, ParseError
from bot.domain.feeds import Post
from bot.domain.people import is_former
from bot.domain.text import _ESCAPED_CHANNEL, closest

__all__ = [
    "SharedReflection",
    "FollowUp",
    "WeekData",
    "Section",
    "Digest",
    "DigestCommand",
    "SECTION_MAX_ITEMS",
    "build_digest",
    "period_ending",
    "parse_digest_command",
]

SECTION_MAX_ITEMS = 300  # a section lists at most this many items, then "…and N more"
SETTINGS_EXAMPLE = "/digest settings channel #network-news day fri time 16:00"


@dataclass(frozen=True)
class SharedReflection:
    """A reflection its author shared with the network."""

    id: int
    author_id: str
    text: str
    tags: tuple[str, ...]
    created_at: datetime
    action_id: int | None = None  # the action it is a lesson from, if any


@dataclass(frozen=True)
class FollowUp:
    """A follow-up conversation a member marked done."""

    user_id: str
    person_id: str | None
    topic: str
    done_at: datetime
    person_name: str | None = None  # someone outside Slack
    person_org: str | None = None


@dataclass(frozen=True)
class WeekData:
    """Everything one digest needs, gathered for ``start < t <= end`` in time zone ``tz``."""

    start: datetime
    end: datetime
    tz: str
    created: list[Action] = field(default_factory=list)
    completed: list[Action] = field(default_factory=list)
    overdue: list[Action] = field(default_factory=list)  # the first, earliest due first
    overdue_total: int | None = None  # how many in all, when ``overdue`` is cut short
    reflections: list[SharedReflection] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    open_actions: int = 0
    lessons: dict[int, list[SharedReflection]] = field(default_factory=dict)  # by action id
    conversations: ConversationCounts | None = None  # shared ones only, never a private one

    @property
    def today(self) -> date:
        """The local date at the end of the period (what "overdue" is measured against)."""
        return self.end.astimezone(ZoneInfo(self.tz)).date()

    @property
    def overdue_count(self) -> int:
        """How many actions are overdue, listed or not."""
        return len(self.overdue) if self.overdue_total is None else self.overdue_total


SectionKey = Literal[
    "learned",
    "created",
    "completed",
    "overdue",
    "reflections",
    "posts",
    "follow_ups",
    "conversations",
]


@dataclass(frozen=True)
class Section:
    """One part of the digest: a heading and its items (actions, reflections, posts…)."""

    key: SectionKey
    heading: str
    items: tuple[object, ...]
    more: int = 0  # items left out beyond SECTION_MAX_ITEMS
    counted: int | None = None  # what the heading counts, when not its items

    @property
    def count(self) -> int:
        """The number the heading shows: its items, or what they count (conversations)."""
        return len(self.items) + self.more if self.counted is None else self.counted


@dataclass(frozen=True)
class Digest:
    """A digest ready to render: title, period, sections (never empty ones), numbers."""

    title: str
    start: date
    end: date
    today: date
    sections: tuple[Section, ...]
    numbers: str
    lessons: dict[int, list[SharedReflection]] = field(default_factory=dict)  # by action id

    @property
    def is_empty(self) -> bool:
        """Nothing happened in the period."""
        return not self.sections


def _section(
    key: SectionKey, heading: str, items: list, total: int | None = None
) -> Section | None:
    """A section of ``items`` (of ``total`` in all, when fewer were gathered)."""
    if not items:
        return None
    shown = items[:SECTION_MAX_ITEMS]
    return Section(key, heading, tuple(shown), max(0, (total or len(items)) - len(shown)))


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _conversations(counts: ConversationCounts | None) -> Section | None:
    """One line: how many shared, by how many members, with which organisations."""
    if counts is None or not counts.shared:
        return None
    return Section("conversations", "Conversations shared", (counts,), counted=counts.shared)


LEARNED_MAX = 3


def choose_learned(reflections: list[SharedReflection]) -> list[SharedReflection]:
    """What "What we learned" leads with: the week's shared lessons from actions (a
    reflection written when the action was done), newest first, a few at most.

    >>> r = lambda n, **k: SharedReflection(n, "U1", "x", (), datetime(2026, 12, n), **k)
    >>> [x.id for x in choose_learned([r(1), r(2, action_id=7), r(3, action_id=8), r(4)])]
    [3, 2]
    """
    lessons = [r for r in reflections if r.action_id is not None]
    return sorted(lessons, key=lambda r: (r.created_at, r.id), reverse=True)[:LEARNED_MAX]


def build_digest(week: WeekData) -> Digest:
    """The digest of ``week``: sections with content, in a fixed order, and a line of numbers.

    >>> build_digest(WeekData(start, end, "Europe/London")).sections  # doctest: +SKIP
    ()
    """
    tz = ZoneInfo(week.tz)
    start = week.start.astimezone(tz).date()
    end = week.end.astimezone(tz).date()
    owners = sorted(
        {a.owner_id for a in week.completed if a.owner_id and not is_former(a.owner_id)}
    )
    thanks = (
        "Completed: thank you "
        + (
            ", ".join(f"<@{o}>" for o in owners[:10])
            + (" and everyone else" if len(owners) > 10 else "")
            if owners
            else "everyone"
        )
        + "!"
    )
    learned = choose_learned(week.reflections)
    sections = [
        _section("learned", "What we learned", learned),
        _section("created", "New actions", sorted(week.created, key=lambda a: a.id)),
        _section("completed", thanks, sorted(week.completed, key=lambda a: a.id)),
        _section(
            "overdue",
            "Overdue: can anyone help?",
            sorted(week.overdue, key=lambda a: (a.due or week.today, a.id)),
            week.overdue_count,
        ),
        _section(
            "reflections",
            "More reflections shared with the network"
            if learned
            else "Reflections shared with the network",
            sorted((r for r in week.reflections if r not in learned), key=lambda r: r.created_at),
        ),
        _section("posts", "Blog posts by members", sorted(week.posts, key=lambda p: p.posted_at)),
        _section(
            "follow_ups",
            "Follow-up conversations done",
            sorted(week.follow_ups, key=lambda f: f.done_at),
        ),
        _conversations(week.conversations),
    ]
    numbers = " · ".join(
        [
            f"{_plural(len(week.created), 'action')} created",
            f"{len(week.completed):,} completed",
            f"{week.overdue_count:,} overdue",
            f"{week.open_actions:,} open in all",
            _plural(len(week.reflections), "reflection") + " shared",
            _plural(len(week.posts), "blog post"),
            _plural(len(week.follow_ups), "follow-up") + " done",
            _plural(week.conversations.shared if week.conversations else 0, "conversation")
            + " shared",
        ]
    )
    return Digest(
        title="The network's week",
        start=start,
        end=end,
        today=week.today,
        sections=tuple(s for s in sections if s is not None),
        numbers=numbers,
        lessons=week.lessons,
    )


# --- when -------------------------------------------------------------------------------


def period_ending(end: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The seven local days up to ``end`` (wall-clock, so a DST change keeps the hour)."""
    local = end.astimezone(tz)
    start = datetime.combine(
        local.date() - timedelta(days=7), local.timetz().replace(tzinfo=None), tzinfo=tz
    )
    return start.astimezone(UTC), end.astimezone(UTC)


# --- /digest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestCommand:
    """One parsed ``/digest`` command."""

    verb: Literal["preview", "subscribe", "unsubscribe", "post", "settings", "help"]
    channel: str | None = None
    weekday: str | None = None
    at: time | None = None


_SIMPLE = {
    "": "preview",
    "preview": "preview",
    "subscribe": "subscribe",
    "unsubscribe": "unsubscribe",
    "post": "post",
    "help": "help",
}
_OTHER_WORDS = {
    "stop": "unsubscribe", "unsub": "unsubscribe", "opt out": "unsubscribe",
    "sub": "subscribe", "join": "subscribe", "opt in": "subscribe", "show": "preview",
}  # fmt: skip
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def parse_digest_command(text: str) -> DigestCommand:
    """Read what follows ``/digest``. Days and times are read as everywhere else: ``day
    Friday``, ``time 4pm``, ``time 16:00``.

    >>> parse_digest_command("settings channel <#C0NEWS|news> day Thursday time 9:30am")
    DigestCommand(verb='settings', channel='C0NEWS', weekday='thu', at=datetime.time(9, 30))
    """
    text = " ".join((text or "").split())
    if len(text) > 300:
        raise ParseError("That's too long for `/digest`.", example=SETTINGS_EXAMPLE)
    word, _, rest = text.partition(" ")
    verb = _SIMPLE.get(word.lower())
    if verb and not rest:
        return DigestCommand(verb)  # type: ignore[arg-type]
    if text.lower() in _OTHER_WORDS:
        raise DidYouMean(f"/digest {_OTHER_WORDS[text.lower()]}")
    if word.lower() != "settings":
        near = closest(word, [w for w in _SIMPLE if w] + ["settings"]) or verb
        if near == "settings":
            raise DidYouMean(f"/digest settings {rest}".strip())
        if near is not None:
            more = f"`/digest {near}` takes nothing more." if rest else ""
            raise DidYouMean(f"/digest {near}", more)
        raise ParseError(
            f"I don't know `/digest {text}`. Try `/digest help`.", example="/digest subscribe"
        )
    if (bare := _bare_settings(rest)) is not None:
        return bare
    changes: dict[str, object] = {}
    pairs = re.findall(r"(\S+)\s+(.*?)(?=\s+(?:channel|day|time)\b|$)", rest, re.IGNORECASE)
    if " ".join(f"{k} {v}" for k, v in pairs) != rest:
        raise ParseError(_PAIRS, example=SETTINGS_EXAMPLE)
    for key, value in pairs:
        key = key.lower()
        if key not in ("channel", "day", "time") or key in changes or not value:
            raise ParseError(_PAIRS, example=SETTINGS_EXAMPLE)
        changes[key] = _setting(key, value)
    return DigestCommand(
        "settings",
        channel=changes.get("channel"),  # type: ignore[arg-type]
        weekday=changes.get("day"),
        at=changes.get("time"),
    )  # type: ignore[arg-type]


_PAIRS = (
    "Settings go in pairs: `channel #c`, `day <weekday>`, `time <time of day>`, each at most once."
)


def _bare_settings(rest: str) -> DigestCommand | None:
    """A day and a time without the words ``day`` and ``time``: ``Friday 4pm``, ``on
    Fridays at 4pm``, ``4pm every Friday``; None if ``rest`` is not that."""
    found = re.fullmatch(
        r"(?:(?:on|every) )?(?P<day>[a-z]+?)s?(?: (?:at )?(?P<at>\S+(?: ?[ap]m)?))?"
        r"|(?:at )?(?P<at2>\S+(?: ?[ap]m)?)(?: (?:on |every )?(?P<day2>[a-z]+?)s?)?",
        rest.lower(),
    )
    if found is None:
        return None
    day, at = found["day"] or found["day2"], found["at"] or found["at2"]
    if day is not None and day not in WEEKDAY_WORDS:
        return None
    time_of_day = read_time(at) if at is not None else None
    if at is not None and time_of_day is None:
        return None
    weekday = CRON_DAYS[WEEKDAY_WORDS[day]] if day is not None else None
    return DigestCommand("settings", weekday=weekday, at=time_of_day)


def _setting(key: str, value: str) -> object:
    if key == "channel":
        match = _ESCAPED_CHANNEL.fullmatch(value)
        if match:
            return match[1]
        if _CHANNEL_ID.match(value):
            return value
        raise ParseError(
            f"Pick the channel from Slack's # list so it fills in the link (`{value}` isn't one).",
            example=SETTINGS_EXAMPLE,
        )
    if key == "day":
        day = value.lower().removeprefix("on ").removesuffix("s")
        if day not in WEEKDAY_WORDS:
            near = closest(day, list(WEEKDAY_WORDS), cutoff=0.7)
            hint = f" Did you mean {near.capitalize()}?" if near else ""
            raise ParseError(
                f"`{value}` isn't a weekday.{hint}", example="/digest settings day fri"
            )
        return CRON_DAYS[WEEKDAY_WORDS[day]]
    at = read_time(value)  # the same reader as /nudge: 4pm, 16:00, 9.30am, noon
    if at is None:
        raise ParseError(
            f"`{value}` isn't a time of day like {TIME_EXAMPLE}.",
            example="/digest settings time 4pm",
        )
    return at

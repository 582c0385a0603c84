"""Workstreams: the network's named strands of work, kept by the steering group. Pure.

A workstream is a record: a tag (``#inclusion``), a title ("Digital inclusion"), a lead (a
member) and a channel. Actions join one by its tag.

``/workstream`` (``tests/phrases/workstreams.txt`` is the reference):

- ``/workstream`` or ``list``: every live workstream with its lead, channel, open and
  overdue actions; ``list all`` shows archived ones too. Everyone may list them.
- ``add #inclusion Digital inclusion [lead @pete] [channel #inclusion]``: the tag, then the
  title, then the lead and the channel in either order; ``add`` alone opens the form.
- ``edit #inclusion [<new title>] [lead @sam | lead none] [channel #c | channel none]``:
  change what is named (``none`` clears it); ``edit #inclusion`` alone opens the form.
- ``archive #comms`` · ``unarchive #comms``: an archived workstream keeps its actions and
  its tag, and takes no new actions.
- ``help``. Adding, editing and archiving are for the steering group.

A tag is letters, digits and dashes with a letter in it (``#42`` is a number, and stays in
a title as text). A near miss of a verb gets "Did you mean …?" and nothing changes.

Free tags, decided: until the steering group keeps a first workstream, an action's
``#tag`` may be anything (as before workstreams were records). Once any workstream is kept,
a new action's tag must be a live one: an unknown tag gets "Did you mean
`/action … #inclusion`?" with the nearest (a slip, or the start of one: ``#incl``), an
archived one is refused with the reason, and nothing is stored (:func:`check_known_tag`).
Actions tagged before keep their tags. What stays text is decided by the action parser as
before: ``#42``, and a channel after a word like "in" (``Post in #comms``).

When an action joins a workstream (created in it, or moved to it), the lead hears, unless
the lead did it or is the owner already told (:func:`lead_to_tell`). Each workstream with a
channel gets a post every Monday at 09:00 in the network's zone (:data:`MONDAY_POST`): what
was new, done and overdue in the seven days before, and how many are open; once per ISO
week (:func:`post_key`), and not at all for a workstream with nothing to say (no action
new, done or open).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from bot.domain.actions import Action
from bot.domain.errors import DidYouMean, NotAllowed, ParseError
from bot.domain.text import _ESCAPED_CHANNEL, Mention, closest, normalise_tag, take_mentions
from bot.domain.weekly import MONDAY_9AM, weekly_key

__all__ = [
    "Workstream",
    "WorkstreamCommand",
    "WorkstreamChanges",
    "WorkstreamSummary",
    "WorkstreamWeek",
    "TITLE_MAX",
    "EXAMPLE",
    "VERBS",
    "MONDAY_POST",
    "CLEAR",
    "parse_workstream_command",
    "parse_tag",
    "check_workstream",
    "nearest_tag",
    "check_known_tag",
    "require_steering",
    "lead_to_tell",
    "post_key",
]

TITLE_MAX = 80
EXAMPLE = "/workstream add #inclusion Digital inclusion lead @pete channel #inclusion"
MONDAY_POST = MONDAY_9AM
"""When each workstream's weekly post goes out, in the network's time zone."""
CLEAR = ""
"""A change to this value clears the lead or the channel (``lead none``)."""


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
    """What ``add`` or ``edit`` sets: ``None`` leaves a field as it is; ``clear_lead`` clears
    the lead, and a ``channel_id`` of :data:`CLEAR` the channel (``lead none``, ``channel none``).
    """

    title: str | None = None
    lead: Mention | None = None
    channel_id: str | None = None
    clear_lead: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to change."""
        return (
            self.title is None
            and self.lead is None
            and self.channel_id is None
            and not (self.clear_lead)
        )


@dataclass(frozen=True)
class WorkstreamCommand:
    """One parsed ``/workstream`` command."""

    verb: Literal["list", "help", "add", "edit", "archive", "unarchive", "modal"]
    tag: str | None = None
    changes: WorkstreamChanges = WorkstreamChanges()
    archived: bool = False  # list: archived ones too


@dataclass(frozen=True)
class WorkstreamSummary:
    """A line of ``/workstream list``: the workstream and its open and overdue actions."""

    workstream: Workstream
    open: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class WorkstreamWeek:
    """A workstream's week, for its Monday post: ``start < t <= end``."""

    workstream: Workstream
    start: datetime
    end: datetime
    today: date
    new: list[Action] = field(default_factory=list)
    done: list[Action] = field(default_factory=list)
    overdue: list[Action] = field(default_factory=list)  # the first, earliest due first
    overdue_total: int = 0
    open: int = 0

    @property
    def quiet(self) -> bool:
        """Nothing to post: no action new, done or open."""
        return not (self.new or self.done or self.open)


VERBS = ("list", "help", "add", "edit", "archive", "unarchive")
_ALIASES = {"new": "add", "ls": "list", "create": "add", "change": "edit", "rename": "edit"}


def parse_workstream_command(text: str) -> WorkstreamCommand:
    """Read what follows ``/workstream``.

    >>> parse_workstream_command("add #inclusion Digital inclusion lead <@U2|pete>").changes
    WorkstreamChanges(title='Digital inclusion', lead=Mention(user_id='U2', name='pete'), \
channel_id=None, clear_lead=False)
    >>> parse_workstream_command("").verb, parse_workstream_command("archive #comms").tag
    ('list', 'comms')
    """
    text = " ".join((text or "").split())
    if len(text) > 500:
        raise ParseError("That's too long for `/workstream`.", example=EXAMPLE)
    word, _, rest = text.partition(" ")
    verb = _ALIASES.get(word.lower(), word.lower())
    if verb in ("", "list"):
        if rest.lower() in ("", "all", "archived", "everything"):
            return WorkstreamCommand("list", archived=bool(rest))
        raise DidYouMean("/workstream list", "`/workstream list all` shows archived ones too.")
    if verb == "help":
        if rest:
            raise DidYouMean("/workstream help")
        return WorkstreamCommand("help")
    if verb not in VERBS:
        near = closest(verb, list(VERBS) + list(_ALIASES), 0.7)
        if near is not None:
            raise DidYouMean(f"/workstream {_ALIASES.get(near, near)} {_typed(rest)}".strip())
        if word.startswith(("#", "<#")):  # "/workstream #inclusion": its actions
            raise DidYouMean(f"/action list {_typed(text)}", "That lists its open actions.")
        raise ParseError(
            f"I don't know `/workstream {word[:40]}`. Try `/workstream help`.", example=EXAMPLE
        )
    if verb == "add" and not rest:
        return WorkstreamCommand("modal")
    tag_word, _, tail = rest.partition(" ")
    if not tag_word:
        raise ParseError(
            "Which workstream? Give its #tag.", example=f"/workstream {verb} #inclusion"
        )
    tag = parse_tag(tag_word)
    if verb in ("archive", "unarchive"):
        if tail:
            raise DidYouMean(f"/workstream {verb} #{tag}", f"`/workstream {verb}` takes the #tag.")
        return WorkstreamCommand(verb, tag)  # type: ignore[arg-type]
    if verb == "edit" and not tail:
        return WorkstreamCommand("modal", tag)
    changes = _changes(tail, verb)
    if verb == "add" and not changes.title:
        raise ParseError(
            "What is the workstream called? Give a title after the #tag.", example=EXAMPLE
        )
    return WorkstreamCommand(verb, tag, changes)  # type: ignore[arg-type]


def _typed(text: str) -> str:
    """Text as it would be typed again: mentions and channels by name."""
    text = re.sub(r"<@[UW][A-Z0-9]+\|([^>]+)>", r"@\1", text)
    return re.sub(r"<#[CG][A-Z0-9]+\|([^>]+)>", r"#\1", text)


def parse_tag(word: str) -> str:
    """A workstream's tag from ``#inclusion`` or a channel reference ``<#C1|inclusion>``.

    >>> parse_tag("#Digital-Inclusion"), parse_tag("<#C0INC|inclusion>")
    ('digital-inclusion', 'inclusion')
    >>> parse_tag("#42")
    Traceback (most recent call last):
    ...
    bot.domain.errors.ParseError: #42 is a number; a workstream's tag needs a letter, like \
#inclusion.
    """
    channel = _ESCAPED_CHANNEL.fullmatch(word)
    if channel:
        if not channel[2]:
            raise ParseError("Type the workstream's tag as a plain #tag.", example="#inclusion")
        word = "#" + channel[2]
    if not word.startswith("#"):
        raise ParseError(
            f"A workstream's tag starts with #, like #{word.lower()[:40]}.", example=EXAMPLE
        )
    tag = normalise_tag(word)
    if not re.search(r"[^\W\d_]", tag):
        raise ParseError(
            f"#{tag} is a number; a workstream's tag needs a letter, like #inclusion.",
            example=EXAMPLE,
        )
    return tag


def _changes(tail: str, verb: str) -> WorkstreamChanges:
    """``<title> [lead @person | lead none] [channel #channel | channel none]``, the lead and
    channel in either order after the title."""
    words = tail.split(" ") if tail else []
    title_words: list[str] = []
    lead = channel_id = None
    clear_lead = False
    i = 0
    while i < len(words):
        word = words[i].lower()
        following = words[i + 1] if i + 1 < len(words) else ""
        if word == "lead" and following:
            if following.lower() in ("none", "nobody", "no-one"):
                clear_lead = True
            else:
                _, mentions = take_mentions(following)
                if len(mentions) != 1:
                    raise ParseError(
                        "Pick the lead with @ so Slack fills in their name.", example=EXAMPLE
                    )
                lead = mentions[0]
            i += 2
            continue
        if word == "channel" and following:
            if following.lower() == "none":
                channel_id = CLEAR
            else:
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
    if verb == "add" and (clear_lead or channel_id == CLEAR):
        raise ParseError("A new workstream has no lead or channel to clear.", example=EXAMPLE)
    return check_workstream(title or None, lead, channel_id, clear_lead)


def check_workstream(
    title: str | None,
    lead: Mention | None = None,
    channel_id: str | None = None,
    clear_lead: bool = False,
) -> WorkstreamChanges:
    """Changes typed or filled in a form, checked: a title up to :data:`TITLE_MAX`.

    >>> check_workstream("  Digital   inclusion ").title
    'Digital inclusion'
    """
    title = " ".join(title.split()) if title else None
    if title is not None and len(title) > TITLE_MAX:
        raise ParseError(
            f"A workstream's title can be up to {TITLE_MAX} characters; that one is {len(title)}.",
            example=EXAMPLE,
        )
    return WorkstreamChanges(title or None, lead, channel_id, clear_lead)


def nearest_tag(tag: str, known: Collection[str]) -> str | None:
    """The known tag ``tag`` was most likely meant as: a slip (``inclsion``) or the start of
    one and only one (``incl``), if any is close.

    >>> nearest_tag("inclsion", ["inclusion", "democracy"]), nearest_tag("incl", ["inclusion"])
    ('inclusion', 'inclusion')
    >>> nearest_tag("budget", ["inclusion", "democracy"]) is None
    True
    """
    starting = [k for k in known if len(tag) >= 3 and k.startswith(tag)]
    if len(starting) == 1:
        return starting[0]
    return closest(tag, sorted(known), 0.7)


def check_known_tag(
    tag: str,
    live: Collection[str],
    *,
    archived: Collection[str] = (),
    command: str = "",
) -> None:
    """Refuse a new action's ``tag`` unless it names a live workstream (when any are kept).

    ``command`` is what was typed (``/action Draft it #inclsion``): the refusal offers it
    back with the nearest tag ("Did you mean `/action Draft it #inclusion`?").

    >>> check_known_tag("inclsion", ["inclusion"], command="/action Draft it #inclsion")
    Traceback (most recent call last):
    ...
    bot.domain.errors.DidYouMean: Did you mean `/action Draft it #inclusion`? There's no \
workstream #inclsion.
    >>> check_known_tag("anything", [])  # no workstreams kept: tags are free
    """
    if tag in live or not (live or archived):
        return
    if tag in archived:
        raise ParseError(
            f"#{tag} is archived: it takes no new actions. The steering group can bring it "
            f"back with `/workstream unarchive #{tag}`.",
            example="/workstream list",
        )
    near = nearest_tag(tag, live)
    listed = ", ".join(f"#{t}" for t in sorted(live)[:12])
    more = f" (and {len(live) - 12} more)" if len(live) > 12 else ""
    if near and command:
        fixed = re.sub(
            rf"(?:#|<#[CG][A-Z0-9]+\|){re.escape(tag)}(?![\w\-])>?",
            f"#{near}",
            command,
            count=1,
            flags=re.IGNORECASE,
        )
        if fixed != command:
            raise DidYouMean(_typed(fixed), f"There's no workstream #{tag}.")
    raise ParseError(
        f"There's no workstream #{tag}."
        + (f" Did you mean #{near}?" if near else "")
        + f" The workstreams are {listed}{more}: `/workstream list`.",
        example=f"/action Draft the charter response #{near or sorted(live)[0]}",
    )


def require_steering(is_steering: bool, what: str) -> None:
    """Raise :class:`NotAllowed` unless the member is in the steering group.

    >>> require_steering(False, "Adding a workstream")
    Traceback (most recent call last):
    ...
    bot.domain.errors.NotAllowed: Adding a workstream is for the steering group. Everyone \
can see the workstreams with `/workstream list`.
    """
    if not is_steering:
        raise NotAllowed(
            f"{what} is for the steering group. Everyone can see the workstreams with "
            "`/workstream list`.",
        )


def lead_to_tell(
    workstream: Workstream | None,
    before: str | None,
    actor_id: str,
    owner_told: str | None = None,
) -> str | None:
    """Whom to tell that an action joined ``workstream`` (``before``: its workstream until
    now): the lead, unless it did not change, the lead did it, or the lead is the owner
    who was just told of the action (``owner_told``), so no one hears of it twice.

    >>> ws = Workstream(1, "T1", "inclusion", "Digital inclusion", "U0LEAD", None, "U1", now)
    >>> lead_to_tell(ws, None, "U0ANA"), lead_to_tell(ws, "inclusion", "U0ANA")
    ('U0LEAD', None)
    >>> lead_to_tell(ws, None, "U0LEAD"), lead_to_tell(ws, None, "U0ANA", owner_told="U0LEAD")
    (None, None)
    """
    if workstream is None or workstream.lead_id is None or workstream.tag == before:
        return None
    if workstream.lead_id in (actor_id, owner_told):
        return None
    return workstream.lead_id


def post_key(team_id: str, tag: str, week: str) -> str:
    """The delivery key of a workstream's Monday post: one per workspace, tag and ISO week.

    >>> post_key("T1", "inclusion", "2026-W50")
    'workstream:T1:inclusion:2026-W50'
    """
    return weekly_key("workstream", team_id, tag, week)

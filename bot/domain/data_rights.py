"""Members' own data rights: the export document, the erasure confirmation, scrubbing.

Pure: the export is assembled from rows that storage read (``storage.member_data``);
the confirmation button's value is made and checked here, with ``now`` passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import NotAllowed
from bot.domain.people import FORMER_MEMBER_NAME

__all__ = [
    "EXPORT_FORMAT",
    "CONFIRM_FOR",
    "Holding",
    "build_export",
    "describe_counts",
    "confirmation_value",
    "check_confirmation",
    "scrub_mentions",
]

EXPORT_FORMAT = 1
CONFIRM_FOR = timedelta(minutes=10)
"""How long an "Erase my data" button stays good; after that it is stale and erases nothing."""


@dataclass(frozen=True)
class Holding:
    """What a member is told of one kind of their data: its export section and its nouns.

    ``storage.member_data`` gives one to every table that holds personal data, so a new
    table cannot reach the export, the erasure or the replies without being named here.
    ``kept`` marks shared records that an erasure keeps, showing "a former member".

    >>> Holding("reminders", "Your reminders and follow-ups.", "reminder", "reminders").noun(2)
    'reminders'
    """

    section: str
    about: str
    one: str
    many: str
    kept: bool = False

    def noun(self, n: int) -> str:
        """The noun for ``n`` of these."""
        return self.one if n == 1 else self.many


def describe_counts(counts: Mapping[Holding, int]) -> str:
    """``3 reflections, 1 blog feed`` for the non-zero counts; ``nothing`` if none.

    >>> feeds = Holding("feeds", "Your blog feed.", "blog feed", "blog feeds")
    >>> posts = Holding("posts", "Posts found in your blog feed.", "blog post", "blog posts")
    >>> describe_counts({feeds: 1, posts: 0}), describe_counts({})
    ('1 blog feed', 'nothing')
    """
    parts = [f"{n:,} {holding.noun(n)}" for holding, n in counts.items() if n]
    return ", ".join(parts) or "nothing"


def build_export(
    sections: Sequence[tuple[Holding, list[dict]]],
    *,
    team_id: str,
    user_id: str,
    generated_at: datetime,
) -> dict:
    """The export document: every section, actions with their history nested.

    ``sections`` pairs each kind of data with the member's rows of it (``[]`` for a table
    that does not exist yet). The ``member`` section is one record, not a list. Events of
    the member's actions (section ``actions``) go under each action's ``history``; the
    member's other events stay in ``action_events``.

    >>> def kind(section):
    ...     return Holding(section, f"Your {section}.", section, section)
    >>> doc = build_export([(kind("member"), [{"user_id": "U1", "name": "ana"}]),
    ...     (kind("actions"), [{"id": 1, "title": "Plan it"}]),
    ...     (kind("action_events"), [{"action_id": 1, "kind": "created"},
    ...                              {"action_id": 9, "kind": "note"}]),
    ...     (kind("reflections"), [])],
    ...     team_id="T1", user_id="U1", generated_at=now)
    >>> doc["member"]["name"], doc["actions"][0]["history"], doc["action_events"]
    ('ana', [{'action_id': 1, 'kind': 'created'}], [{'action_id': 9, 'kind': 'note'}])
    >>> doc["counts"]["reflections"], doc["sections"]["reflections"]
    (0, 'Your reflections.')
    """
    rows = {holding.section: list(found) for holding, found in sections}
    rows.setdefault("actions", [])
    rows.setdefault("action_events", [])
    own = {action["id"] for action in rows["actions"]}
    history: dict[int, list[dict]] = {}
    elsewhere = []
    for event in rows["action_events"]:
        if event["action_id"] in own:
            history.setdefault(event["action_id"], []).append(event)
        else:
            elsewhere.append(event)
    rows["actions"] = [
        {**action, "history": history.get(action["id"], [])} for action in rows["actions"]
    ]
    rows["action_events"] = elsewhere
    members = rows.pop("member", [])
    document: dict = {
        "about": "Everything Nudge stores about you, as of generated_at (UTC). "
        "Times are UTC ISO 8601. Other members' private reflections are never "
        "included; shared records (actions) name other people only by Slack id.",
        "format": EXPORT_FORMAT,
        "generated_at": generated_at.isoformat(),
        "team_id": team_id,
        "user_id": user_id,
        "sections": {holding.section: holding.about for holding, _ in sections},
        "member": members[0] if members else None,
    }
    document |= rows
    document["counts"] = {"member": len(members)} | {
        name: len(found) for name, found in rows.items()
    }
    return document


def confirmation_value(team_id: str, user_id: str, now: datetime) -> str:
    """The "Erase my data" button's value: bound to one member and to when it was offered.

    >>> confirmation_value("T1", "U1", now)
    'T1:U1:1796119200'
    """
    return f"{team_id}:{user_id}:{int(now.timestamp())}"


def check_confirmation(value: str, team_id: str, user_id: str, now: datetime) -> None:
    """Raise :class:`NotAllowed` unless ``value`` was offered to this member, recently.

    A click by anyone else, a malformed value or a button older than :data:`CONFIRM_FOR`
    erases nothing.

    >>> check_confirmation(confirmation_value("T1", "U1", now), "T1", "U1", now)
    >>> check_confirmation(confirmation_value("T1", "U1", now), "T1", "U2", now)
    Traceback (most recent call last):
    ...
    bot.domain.errors.NotAllowed: That button was for someone else; nothing was erased.
    """
    team, user, issued = (value.split(":") + ["", "", ""])[:3]
    if (team, user) != (team_id, user_id):
        raise NotAllowed("That button was for someone else; nothing was erased.")
    try:
        offered = datetime.fromtimestamp(int(issued), tz=now.tzinfo)
    except (ValueError, OverflowError):
        raise NotAllowed(
            "That button is broken; nothing was erased.", example="/nudge forget me"
        ) from None
    if not timedelta(0) <= now - offered <= CONFIRM_FOR:
        minutes = int(CONFIRM_FOR.total_seconds() // 60)
        raise NotAllowed(
            f"That button has expired (it lasts {minutes} minutes), so nothing "
            "was erased. Ask again if you still want to.",
            example="/nudge forget me",
        )


def scrub_mentions(text: str, user_id: str) -> str:
    """``text`` with every Slack mention of ``user_id`` replaced by "a former member".

    >>> scrub_mentions("Ask <@U1|ana> and <@U12>, cc <@U1>", "U1")
    'Ask a former member and <@U12>, cc a former member'
    """
    return re.sub(rf"<@{re.escape(user_id)}(?:\|[^>]*)?>", FORMER_MEMBER_NAME, text)

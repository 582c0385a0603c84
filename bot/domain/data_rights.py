"""Members' own data rights: the export document, the erasure confirmation, scrubbing.

Pure: the export is assembled from rows that storage read (``storage.member_data``);
the confirmation button's value is made and checked here, with ``now`` passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.domain.errors import NotAllowed
from bot.domain.people import FORMER_MEMBER_NAME

__all__ = [
    "EXPORT_FORMAT",
    "CONFIRM_FOR",
    "SECTIONS",
    "build_export",
    "confirmation_value",
    "check_confirmation",
    "scrub_mentions",
]

EXPORT_FORMAT = 1
CONFIRM_FOR = timedelta(minutes=10)
"""How long an "Erase my data" button stays good; after that it is stale and erases nothing."""

SECTIONS: dict[str, str] = {
    "member": "Your cached Slack profile: display name and time zone.",
    "actions": "Actions you own or created, each with its full history.",
    "action_events": "Changes you made to other people's actions, or that gave you one.",
    "reflections": "Your reflections, private and shared.",
    "reminders": "Your reminders and follow-ups.",
    "habits": "Your blogging habit.",
    "feeds": "Your blog feed.",
    "posts": "Posts found in your blog feed.",
    "deliveries": "Messages I sent you (reminders, nudges, digests) and when.",
    "digest_subscriptions": "Your subscription to the weekly digest by DM.",
    "digest_settings": "Digest settings you last changed (steering group).",
}
"""Each section of the export and what it holds; storage reads one table per section."""


def build_export(
    tables: Mapping[str, list[dict]], *, team_id: str, user_id: str, generated_at: datetime
) -> dict:
    """The export document: every section, actions with their history nested.

    ``tables`` maps a table name to the member's rows in it (``[]`` for a table that
    does not exist yet). Events of the member's actions go under each action's
    ``history``; the member's other events stay in ``action_events``.

    >>> doc = build_export({"members": [{"user_id": "U1", "name": "ana"}],
    ...     "actions": [{"id": 1, "title": "Plan it"}],
    ...     "action_events": [{"action_id": 1, "kind": "created"},
    ...                       {"action_id": 9, "kind": "note"}]},
    ...     team_id="T1", user_id="U1", generated_at=now)
    >>> doc["member"]["name"], doc["actions"][0]["history"], doc["action_events"]
    ('ana', [{'action_id': 1, 'kind': 'created'}], [{'action_id': 9, 'kind': 'note'}])
    >>> doc["counts"]["reflections"]
    0
    """
    rows = {name: list(tables.get(name, [])) for name in _TABLES}
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
    members = rows.pop("members")
    document: dict = {
        "about": "Everything Nudge stores about you, as of generated_at (UTC). "
        "Times are UTC ISO 8601. Other members' private reflections are never "
        "included; shared records (actions) name other people only by Slack id.",
        "format": EXPORT_FORMAT,
        "generated_at": generated_at.isoformat(),
        "team_id": team_id,
        "user_id": user_id,
        "sections": SECTIONS,
        "member": members[0] if members else None,
    }
    document |= {name: rows[name] for name in _TABLES if name != "members"}
    document["counts"] = {"member": len(members)} | {
        name: len(rows[name]) for name in _TABLES if name != "members"
    }
    return document


_TABLES = ("members", *[name for name in SECTIONS if name != "member"])


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

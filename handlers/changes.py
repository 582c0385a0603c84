"""One way to change each record a member's App Home shows: write, then republish.

Actions, reminders, reflections and conversations (which may set a follow-up reminder)
are changed only through these functions, by
listeners and jobs alike: each runs the write in one unit of work, then republishes the
homes of everyone the change touches (an action's owner before and after and its creator;
a reminder's member; a reflection's author), after the member has been answered. A caller
cannot forget the home, and ``tests/test_changes.py`` fails the build if a handler calls a
storage write of these records any other way.

    >>> after = change_action(deps, client, team_id,
    ...     lambda db: store.change(db, actor, 12, "due", now, detail="2026-12-11", due=due))
    ...     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from sqlite_utils import Database

from bot.deps import Deps
from bot.domain.actions import Action
from bot.domain.nudges import Reminder
from bot.domain.reflections import Reflection
from handlers.home import refresh_home
from storage.conversations import Logged

__all__ = [
    "change_action",
    "change_actions",
    "change_reminder",
    "change_reflection",
    "change_conversation",
    "CHANGE_PATHS",
]

# What tests/test_changes.py holds handlers to: the storage writes of these records.
CHANGE_PATHS = {
    "storage.actions": ("add", "change"),
    "storage.reminders": ("add", "cancel", "mark_done", "snooze"),
    "storage.reflections": ("add", "set_shared", "delete"),
    "storage.conversations": ("add",),  # may set a follow-up reminder
}


def change_action(
    deps: Deps,
    client: WebClient,
    team_id: str,
    write: Callable[[Database], tuple[Action | None, Action]],
) -> Action:
    """Run ``write`` (``(before, after)``; ``before`` is ``None`` for a new action) and
    republish the homes of the owner before and after and of the creator."""
    with deps.db() as db:
        before, after = write(db)
    owners = [before.owner_id if before else None, after.owner_id, after.creator_id]
    refresh_home(deps, client, team_id, owners)
    return after


def change_actions(
    deps: Deps, client: WebClient, team_id: str, write: Callable[[Database], list[Action]]
) -> list[Action]:
    """Run ``write`` (new actions, a meeting's, say) and republish each owner's and
    creator's home once."""
    with deps.db() as db:
        written = write(db)
    refresh_home(deps, client, team_id, [u for a in written for u in (a.owner_id, a.creator_id)])
    return written


def change_reminder(
    deps: Deps, client: WebClient, team_id: str, write: Callable[[Database], Reminder]
) -> Reminder:
    """Run ``write`` and republish the home of the reminder's member."""
    with deps.db() as db:
        reminder = write(db)
    refresh_home(deps, client, team_id, [reminder.user_id])
    return reminder


def change_reflection(
    deps: Deps, client: WebClient, team_id: str, write: Callable[[Database], Reflection]
) -> Reflection:
    """Run ``write`` and republish the home of the reflection's author."""
    with deps.db() as db:
        reflection = write(db)
    refresh_home(deps, client, team_id, [reflection.author_id])
    return reflection


def change_conversation(
    deps: Deps, client: WebClient, team_id: str, write: Callable[[Database], Logged]
) -> Logged:
    """Run ``write`` (a conversation logged) and, when it set a follow-up reminder,
    republish the home of its author (the home shows upcoming reminders)."""
    with deps.db() as db:
        logged = write(db)
    if logged.follow_up is not None:
        refresh_home(deps, client, team_id, [logged.follow_up.user_id])
    return logged

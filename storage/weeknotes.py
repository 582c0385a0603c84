"""A member's week, gathered for a weeknote draft: one read over actions, reflections,
follow-ups and posts.

Reflections come through ``storage.reflections`` (the privacy rule): the member's own,
private ones included, and nobody else's.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.domain.weeknote import MemberWeek
from storage import actions, feeds, members, reflections, reminders

__all__ = ["member_week"]


def member_week(
    db: Database, team_id: str, user_id: str, start: datetime, end: datetime
) -> MemberWeek:
    """Everything of ``user_id``'s in ``[start, end)`` that a weeknote draws on.

    >>> member_week(db, "T1", "U1", monday, next_monday).done  # doctest: +SKIP
    [Action(id=12, title='Draft the charter response', ...)]
    """
    done, started = actions.of_week(db, team_id, user_id, start, end)
    follow_ups = reminders.done_between(db, team_id, start, end, user_id=user_id)
    names = {}
    for person_id in {f.person_id for f in follow_ups if f.person_id}:
        known = members.get(db, team_id, person_id)
        if known and known.name:
            names[person_id] = known.name
    return MemberWeek(
        done=done,
        started=started,
        reflections=reflections.written_between(db, team_id, user_id, start, end),
        follow_ups=follow_ups,
        posts=feeds.posts_of(db, team_id, user_id, start, end),
        names=names,
    )

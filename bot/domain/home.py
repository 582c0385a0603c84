"""What a member's App Home shows, as plain data, and the steering group's summary.

``handlers.home`` fills a :class:`HomeData`; ``handlers.blocks.home`` renders it. A
feature that adds to the home (upcoming reminders, the blogging habit) fills its
optional field with a :class:`HomeSection`; a section left ``None`` is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.actions import Action
from bot.domain.reflections import Reflection

__all__ = ["HomeSection", "NetworkSummary", "HomeData", "summarise_network", "STALE_AFTER"]

STALE_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class HomeSection:
    """A titled list of mrkdwn lines, with how many more were left out and a hint.

    >>> HomeSection("Upcoming reminders", ("*N3* Blog about the show and tell · Fri 09:00",)).more
    0
    """

    title: str
    lines: tuple[str, ...] = ()
    more: int = 0
    hint: str = ""
    empty: str = ""


@dataclass(frozen=True)
class NetworkSummary:
    """The steering group's view of every open action: counts and the worst cases."""

    open: int
    overdue: tuple[Action, ...]
    stale: tuple[Action, ...]
    without_owner_or_due: int = 0


@dataclass(frozen=True)
class HomeData:
    """Everything one member's App Home shows."""

    user_id: str
    today: date
    tz: str
    open_actions: tuple[Action, ...] = ()
    open_total: int = 0
    reflections: tuple[Reflection, ...] = ()
    reflections_total: int = 0
    network: NetworkSummary | None = None  # the steering group only
    upcoming_reminders: HomeSection | None = None  # filled by the reminders feature
    blogging_habit: HomeSection | None = None  # filled by the reminders feature
    extra: tuple[HomeSection, ...] = field(default_factory=tuple)


def summarise_network(actions: list[Action], today: date, now: datetime) -> NetworkSummary:
    """Open actions counted; overdue ones (most overdue first) and stale ones (no change in
    30 days, longest untouched first).

    >>> summarise_network([], date(2026, 12, 1), datetime(2026, 12, 1)).open
    0
    """
    open_ = [a for a in actions if a.status == "open"]
    overdue = sorted((a for a in open_ if a.is_overdue(today)), key=lambda a: (a.due, a.id))
    stale = sorted((a for a in open_ if now - a.updated_at >= STALE_AFTER),
                   key=lambda a: (a.updated_at, a.id))
    without = sum(1 for a in open_ if not a.owner_id or not a.due)
    return NetworkSummary(len(open_), tuple(overdue), tuple(stale), without)

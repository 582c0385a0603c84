"""What a member's App Home shows, as plain data (the steering group's is the review).

``handlers.home`` fills a :class:`HomeData`; ``handlers.blocks.home`` renders it. A
feature that adds to the home (upcoming reminders, the blogging habit) registers what it
shows as :class:`HomeSection` values (``handlers.home.add_home_section``); they are shown
in ``sections``, in the order the features registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain.actions import Action
from bot.domain.reflections import Reflection
from bot.domain.review import ReviewSummary

__all__ = ["HomeSection", "HomeData"]


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
class HomeData:
    """Everything one member's App Home shows."""

    user_id: str
    today: date
    tz: str
    open_actions: tuple[Action, ...] = ()
    open_total: int = 0
    reflections: tuple[Reflection, ...] = ()
    reflections_total: int = 0
    network: ReviewSummary | None = None  # the steering group only: /action review's summary
    sections: tuple[HomeSection, ...] = field(default_factory=tuple)  # from the features

"""Who is asking: the member behind a request, their time zone and their role."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

__all__ = ["Actor"]


@dataclass(frozen=True)
class Actor:
    """A member acting in one workspace.

    >>> Actor("T1", "U1", "Europe/London", is_steering=True).zone
    zoneinfo.ZoneInfo(key='Europe/London')
    """

    team_id: str
    user_id: str
    tz: str = "Europe/London"
    is_steering: bool = False

    @property
    def zone(self) -> ZoneInfo:
        """The member's time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.tz)

"""Who is asking: the member behind a request, their time zone and their role.

A member who erased their data (``/nudge forget me``) lives on in shared records, such
as actions and their history, as :data:`FORMER_MEMBER`, which :func:`mention` shows as
"a former member".
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

__all__ = ["Actor", "FORMER_MEMBER", "FORMER_MEMBER_NAME", "mention", "is_former"]

FORMER_MEMBER = "former-member"
"""The id that replaces an erased member in shared records (never a Slack id: lowercase)."""

FORMER_MEMBER_NAME = "a former member"


def is_former(user_id: str | None) -> bool:
    """Whether ``user_id`` is the placeholder of an erased member.

    >>> is_former(FORMER_MEMBER), is_former("U02PETE")
    (True, False)
    """
    return user_id == FORMER_MEMBER


def mention(user_id: str) -> str:
    """A person in mrkdwn: ``<@U02PETE>``, or "a former member" for an erased one.

    >>> mention("U02PETE"), mention(FORMER_MEMBER)
    ('<@U02PETE>', 'a former member')
    """
    return FORMER_MEMBER_NAME if is_former(user_id) else f"<@{user_id}>"


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

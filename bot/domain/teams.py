"""Workspaces that installed Nudge: the installation as stored, and the rules of leaving.

One process can serve many workspaces through Slack's OAuth install. Each has its own bot
token (kept sealed, see ``bot/oauth.py``) and its own settings. A workspace that
uninstalls Nudge (or revokes its token) gets nothing more sent at once; its data is kept
for a retention period, so reinstalling soon keeps everything, and then erased.

Pure: no Slack, no SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.errors import ParseError
from bot.domain.text import take_mentions

__all__ = [
    "Installation",
    "TeamSettings",
    "NetworkCommand",
    "RETENTION",
    "erase_after",
    "is_active",
    "parse_network_command",
]

RETENTION = timedelta(days=30)
"""How long a workspace's data is kept after it uninstalls Nudge (``NUDGE_RETENTION_DAYS``)."""


@dataclass(frozen=True)
class Installation:
    """A workspace's installation of Nudge, as stored (the token sealed).

    ``uninstalled_at`` is set when Slack said the app was uninstalled or its tokens
    revoked; ``erase_at`` is when its data goes, unless it is installed again first.
    """

    team_id: str
    team_name: str
    app_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    scopes: tuple[str, ...]
    installer_id: str | None
    installed_at: datetime
    sealed_token: str
    uninstalled_at: datetime | None = None
    erase_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Installed and not since uninstalled: Nudge may send to this workspace."""
        return self.uninstalled_at is None


@dataclass(frozen=True)
class TeamSettings:
    """A workspace's own settings, stored when it installs and changed by its steering group.

    ``None`` (and an empty ``steering``) means "as the operator's environment says".
    The installer is the steering group until they name others.
    """

    team_id: str
    timezone: str | None = None
    steering: frozenset[str] = frozenset()
    steering_group: str | None = None


def erase_after(uninstalled_at: datetime, retention: timedelta = RETENTION) -> datetime:
    """When an uninstalled workspace's data is erased.

    >>> from datetime import UTC
    >>> erase_after(datetime(2026, 12, 1, 10, tzinfo=UTC)).date()
    datetime.date(2026, 12, 31)
    """
    return uninstalled_at + retention


def is_active(installation: Installation | None) -> bool:
    """Whether a workspace may be sent to: installed, and not uninstalled since.

    >>> is_active(None)
    False
    """
    return installation is not None and installation.active


@dataclass(frozen=True)
class NetworkCommand:
    """One parsed ``/network`` command: the workspace's own settings."""

    verb: Literal["show", "steering", "group", "zone", "help"]
    members: frozenset[str] = frozenset()
    group: str | None = None  # a user group's handle or id; "" to have none
    zone: str | None = None


_GROUP = re.compile(r"^(?:<!subteam\^(S[A-Z0-9]+)(?:\|@?[^>]*)?>|@?([\w.\-]{1,80}))$")
_STEERING_EXAMPLE = "/network steering @ana @pete"


def parse_network_command(text: str) -> NetworkCommand:
    """Read what follows ``/network``.

    >>> parse_network_command("steering <@U0ANA|ana> <@U0PETE|pete>").members == {"U0ANA", "U0PETE"}
    True
    >>> parse_network_command("steering group @steering")
    NetworkCommand(verb='group', members=frozenset(), group='steering', zone=None)
    >>> parse_network_command("zone Europe/Dublin").zone
    'Europe/Dublin'
    """
    words = text.strip().split(maxsplit=1)
    verb = words[0].lower() if words else ""
    rest = words[1].strip() if len(words) > 1 else ""
    if verb in ("", "settings", "show"):
        if rest:
            raise ParseError("`/network` shows the settings; it takes nothing more.", "/network")
        return NetworkCommand("show")
    if verb == "help":
        return NetworkCommand("help")
    if verb in ("zone", "timezone", "tz"):
        return NetworkCommand("zone", zone=_zone(rest))
    if verb == "steering":
        head, _, tail = rest.partition(" ")
        if head.lower() == "group":
            return NetworkCommand("group", group=_group(tail.strip()))
        left, mentions = take_mentions(rest)
        if re.sub(r"\band\b|,", " ", left).strip() or not mentions:
            raise ParseError(
                "Name the steering group's members with @, so Slack fills in their names.",
                _STEERING_EXAMPLE,
            )
        if any(m.user_id is None for m in mentions):
            named = next(m for m in mentions if m.user_id is None)
            raise ParseError(
                f"I can't tell who @{named.name} is: pick them from Slack's list as you type.",
                _STEERING_EXAMPLE,
            )
        return NetworkCommand(
            "steering", members=frozenset(m.user_id for m in mentions if m.user_id)
        )
    raise ParseError(
        "`/network` takes `steering @members`, `steering group @group`, `zone <time zone>` "
        "or nothing (to show the settings).",
        _STEERING_EXAMPLE,
    )


def _zone(text: str) -> str:
    example = "/network zone Europe/London"
    if not text or " " in text:
        raise ParseError("Give one time zone by its name, like Europe/London.", example)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError(
            f"{text} isn't a time zone I know; they are named like Europe/London.", example
        ) from None
    return text


def _group(text: str) -> str:
    example = "/network steering group @steering"
    if text.lower() == "none":
        return ""
    found = _GROUP.match(text)
    if not found:
        raise ParseError("Name one Slack user group, like @steering (or `none`).", example)
    return found[1] or found[2]

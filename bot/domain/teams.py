"""Workspaces that installed Nudge: the installation as stored, and the rules of leaving.

One process can serve many workspaces through Slack's OAuth install. Each has its own bot
token (kept sealed, see ``bot/oauth.py``) and its own settings. A workspace that
uninstalls Nudge (or revokes its token) gets nothing more sent at once; its data is kept
for a retention period, so reinstalling soon keeps everything, and then erased.

Pure: no Slack, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Installation", "TeamSettings", "RETENTION", "erase_after", "is_active"]

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

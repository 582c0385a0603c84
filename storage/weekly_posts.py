"""Settings of the weekly channel posts other than the digest: which channel each goes to.

One row per team and post (``review``); the digest keeps its own ``digest_settings``,
since it also has a day and a time. See ``handlers/weekly.py`` for the mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = ["PostSettings", "settings_for", "save_channel"]


@dataclass(frozen=True)
class PostSettings:
    """Where a weekly post goes, and who set it when (``None`` before anyone did)."""

    post: str
    channel: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None


def settings_for(db: Database, team_id: str, post: str) -> PostSettings:
    """The stored settings of ``post`` (``review``), or empty ones.

    >>> settings_for(db, "T1", "review").channel  # doctest: +SKIP
    'C0STEER'
    """
    rows = list(
        db.table("weekly_post_settings").rows_where("team_id = ? AND post = ?", [team_id, post])
    )
    if not rows:
        return PostSettings(post)
    row = rows[0]
    return PostSettings(post, row["channel"], row["updated_by"], decode_time(row["updated_at"]))


def save_channel(
    db: Database, team_id: str, post: str, channel: str, user_id: str, now: datetime
) -> PostSettings:
    """Post ``post`` to ``channel`` from now on; returns the settings saved."""
    with immediate(db):
        db.table("weekly_post_settings").upsert(
            {
                "team_id": team_id,
                "post": post,
                "channel": channel,
                "updated_by": user_id,
                "updated_at": encode_time(now),
            },
            pk=("team_id", "post"),
        )
    return PostSettings(post, channel, user_id, now)

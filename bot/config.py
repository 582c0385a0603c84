"""Settings, read from the environment in one place and validated once.

Nothing else in Nudge reads ``os.environ``. The CLI loads ``.env`` (python-dotenv)
before calling :meth:`Settings.from_env`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

from bot.domain.weekly import WeeklySchedule

__all__ = ["ConfigError", "Settings"]

DEFAULT_API_URL = "https://slack.com/api/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the operator can configure. Secrets are kept out of ``repr``."""

    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    # OAuth installs (many workspaces, HTTP mode): all three set, or none.
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_key: str | None = field(default=None, repr=False)  # NUDGE_TOKEN_KEY: seals tokens
    # Days a workspace's data is kept after it uninstalls Nudge (NUDGE_RETENTION_DAYS).
    retention_days: int = 30
    api_url: str = DEFAULT_API_URL
    db_path: str = "nudge.db"
    timezone: str = "Europe/London"
    digest_channel: str | None = None
    digest_schedule: WeeklySchedule = WeeklySchedule("fri", time(16, 0))
    steering: frozenset[str] = frozenset()
    steering_group: str | None = None
    feed_poll_minutes: int = 60
    allow_private_feeds: bool = False
    # One deadline (seconds) over reading a feed: connecting, headers, body and parsing.
    feed_timeout_seconds: int = 20
    log_level: str = "INFO"
    # How often (seconds) the scheduler looks for due reminders and retries (NUDGE_TICK_SECONDS).
    tick_seconds: float = 5.0
    # How long the scheduler lease outlives its holder (NUDGE_LEASE_SECONDS); renewed at a third.
    lease_seconds: int = 45
    # Waits (seconds) before retrying a failed delivery, then the last one repeated; not an
    # environment variable; storage.deliveries.RETRY_BACKOFF is the same. Tests shorten it.
    retry_backoff: tuple[float, ...] = (30, 60, 120, 300, 600, 1800)

    @property
    def oauth(self) -> bool:
        """Installed by many workspaces through Slack's OAuth flow (client id and secret set)."""
        return bool(self.client_id and self.client_secret)

    @property
    def tz(self) -> ZoneInfo:
        """The network's time zone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read and validate every setting; raise :class:`ConfigError` on the first bad one.

        >>> Settings.from_env({"NUDGE_TIMEZONE": "Europe/London"}).timezone
        'Europe/London'
        """

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")

        api_url = get("SLACK_API_URL") or DEFAULT_API_URL
        if not re.match(r"^https?://[^/\s]+", api_url):
            raise ConfigError("SLACK_API_URL must be an http(s) URL, like https://slack.com/api/")
        if not api_url.endswith("/"):
            api_url += "/"

        timezone = get("NUDGE_TIMEZONE") or "Europe/London"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"NUDGE_TIMEZONE '{timezone}' is not an IANA time zone, like Europe/London"
            ) from None

        digest_channel = get("NUDGE_DIGEST_CHANNEL")
        if digest_channel and not _CHANNEL_ID.match(digest_channel):
            raise ConfigError(
                "NUDGE_DIGEST_CHANNEL must be a channel ID like C0123ABCD, not a channel name"
            )
        try:
            schedule = WeeklySchedule.parse(get("NUDGE_DIGEST_SCHEDULE") or "fri 16:00")
        except ValueError as err:
            raise ConfigError(f"NUDGE_DIGEST_SCHEDULE: {err}") from None

        listed = (get("NUDGE_STEERING") or "").split(",")
        steering = frozenset(s.strip() for s in listed if s.strip())
        bad = sorted(s for s in steering if not _USER_ID.match(s))
        if bad:
            raise ConfigError(
                f"NUDGE_STEERING must list user IDs like U0123ABCD, separated by commas; "
                f"'{bad[0]}' is not one"
            )

        poll = get("NUDGE_FEED_POLL_MINUTES") or "60"
        if not poll.isdigit() or not 5 <= int(poll) <= 1440:
            raise ConfigError("NUDGE_FEED_POLL_MINUTES must be a whole number from 5 to 1440")

        allow = (get("NUDGE_ALLOW_PRIVATE_FEEDS") or "0").lower()
        if allow not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
            raise ConfigError("NUDGE_ALLOW_PRIVATE_FEEDS must be 1 or 0")

        feed_timeout = get("NUDGE_FEED_TIMEOUT_SECONDS") or "20"
        if not feed_timeout.isdigit() or not 2 <= int(feed_timeout) <= 120:
            raise ConfigError("NUDGE_FEED_TIMEOUT_SECONDS must be a whole number from 2 to 120")

        tick = get("NUDGE_TICK_SECONDS") or "5"
        try:
            tick_seconds = float(tick)
        except ValueError:
            tick_seconds = -1.0
        if not 0.1 <= tick_seconds <= 60:
            raise ConfigError("NUDGE_TICK_SECONDS must be a number of seconds from 0.1 to 60")

        lease_seconds = get("NUDGE_LEASE_SECONDS") or "45"
        if not lease_seconds.isdigit() or not 3 <= int(lease_seconds) <= 300:
            raise ConfigError("NUDGE_LEASE_SECONDS must be a whole number from 3 to 300")

        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            raise ConfigError(
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (Basic Information, App "
                "Credentials): set both for OAuth installs, or neither"
            )
        token_key = get("NUDGE_TOKEN_KEY")
        if client_id and not token_key:
            raise ConfigError(
                "NUDGE_TOKEN_KEY is required with SLACK_CLIENT_ID: it seals each workspace's "
                "token in the database; make one with: nudge token-key"
            )
        if token_key:
            try:
                Fernet(token_key.encode())
            except ValueError:
                raise ConfigError("NUDGE_TOKEN_KEY is not a key made by: nudge token-key") from None
        retention = get("NUDGE_RETENTION_DAYS") or "30"
        if not retention.isdigit() or not 1 <= int(retention) <= 365:
            raise ConfigError("NUDGE_RETENTION_DAYS must be a whole number of days from 1 to 365")

        level = (get("NUDGE_LOG_LEVEL") or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise ConfigError(f"NUDGE_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")

        return cls(
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=get("SLACK_SIGNING_SECRET"),
            client_id=client_id,
            client_secret=client_secret,
            token_key=token_key,
            retention_days=int(retention),
            api_url=api_url,
            db_path=get("NUDGE_DB") or "nudge.db",
            timezone=timezone,
            digest_channel=digest_channel,
            digest_schedule=schedule,
            steering=steering,
            steering_group=(get("NUDGE_STEERING_GROUP") or "").lstrip("@") or None,
            feed_poll_minutes=int(poll),
            allow_private_feeds=allow in ("1", "true", "yes", "on"),
            feed_timeout_seconds=int(feed_timeout),
            log_level=level,
            tick_seconds=tick_seconds,
            lease_seconds=int(lease_seconds),
        )

    def require(self, *names: str) -> None:
        """Raise :class:`ConfigError` naming the first of ``names`` that is unset.

        >>> Settings().require("bot_token")
        Traceback (most recent call last):
        ...
        bot.config.ConfigError: SLACK_BOT_TOKEN is required: the bot token (xoxb-…) ...
        """
        for name in names:
            if not getattr(self, name):
                raise ConfigError(_REQUIRED[name])

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (tests and the console use this)."""
        return replace(self, **changes)


_REQUIRED = {
    "bot_token": "SLACK_BOT_TOKEN is required: the bot token (xoxb-…) from OAuth & Permissions",
    "app_token": "SLACK_APP_TOKEN is required for Socket Mode: an app-level token (xapp-…) "
    "with connections:write, or run with --http",
    "signing_secret": "SLACK_SIGNING_SECRET is required for --http: the signing secret from "
    "Basic Information",
}

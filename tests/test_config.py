"""Configuration: validated once, one clear line naming the variable, no secret echoed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings


def test_defaults():
    settings = Settings.from_env({})
    assert settings.db_path == "nudge.db"
    assert settings.timezone == "Europe/London"
    assert str(settings.digest_schedule) == "fri 16:00"
    assert settings.feed_poll_minutes == 60 and not settings.allow_private_feeds
    assert settings.api_url == "https://slack.com/api/"
    assert (settings.tick_seconds, settings.lease_seconds) == (5.0, 45)


def test_values_are_read():
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "NUDGE_STEERING": "U01, U02",
            "NUDGE_TIMEZONE": "America/New_York",
            "NUDGE_DIGEST_SCHEDULE": "Monday 9:30",
            "NUDGE_DIGEST_CHANNEL": "C0DIGEST",
            "NUDGE_STEERING_GROUP": "@steering",
            "NUDGE_ALLOW_PRIVATE_FEEDS": "1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "NUDGE_TICK_SECONDS": "0.2",
            "NUDGE_LEASE_SECONDS": "3",
            "NUDGE_FEED_TIMEOUT_SECONDS": "5",
        }
    )
    assert (settings.tick_seconds, settings.lease_seconds) == (0.2, 3)
    assert settings.feed_timeout_seconds == 5
    assert settings.steering == {"U01", "U02"}
    assert str(settings.digest_schedule) == "mon 09:30"
    assert settings.steering_group == "steering" and settings.allow_private_feeds
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert "xoxb-1" not in repr(settings)


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN"),
        ("SLACK_APP_TOKEN", "nonsense", "SLACK_APP_TOKEN"),
        ("NUDGE_TIMEZONE", "Mars/Olympus", "NUDGE_TIMEZONE"),
        ("NUDGE_DIGEST_SCHEDULE", "someday 25:00", "NUDGE_DIGEST_SCHEDULE"),
        ("NUDGE_DIGEST_CHANNEL", "#general", "NUDGE_DIGEST_CHANNEL"),
        ("NUDGE_TICK_SECONDS", "0", "NUDGE_TICK_SECONDS"),
        ("NUDGE_TICK_SECONDS", "soon", "NUDGE_TICK_SECONDS"),
        ("NUDGE_LEASE_SECONDS", "1", "NUDGE_LEASE_SECONDS"),
        ("NUDGE_STEERING", "pete,sam", "NUDGE_STEERING"),
        ("NUDGE_FEED_POLL_MINUTES", "0", "NUDGE_FEED_POLL_MINUTES"),
        ("NUDGE_ALLOW_PRIVATE_FEEDS", "maybe", "NUDGE_ALLOW_PRIVATE_FEEDS"),
        ("NUDGE_FEED_TIMEOUT_SECONDS", "1", "NUDGE_FEED_TIMEOUT_SECONDS"),
        ("NUDGE_FEED_TIMEOUT_SECONDS", "soon", "NUDGE_FEED_TIMEOUT_SECONDS"),
        ("NUDGE_LOG_LEVEL", "LOUD", "NUDGE_LOG_LEVEL"),
        ("SLACK_API_URL", "slack.com", "SLACK_API_URL"),
    ],
)
def test_a_bad_value_names_the_variable(name, value, says):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    message = str(raised.value)
    assert says in message and "\n" not in message
    if "TOKEN" in name:
        assert value not in message


def run_nudge(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


def test_start_up_stops_with_one_line_naming_the_variable(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "NUDGE_DB": str(tmp_path / "n.db"),
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }  # nothing listens there
    done = run_nudge("run", env=env)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "nudge: SLACK_BOT_TOKEN is required: the bot token (xoxb-…) from OAuth & Permissions"
    )
    done = run_nudge("run", "--http", env={**env, "SLACK_BOT_TOKEN": "xoxb-secret-value"})
    assert done.returncode == 2 and "SLACK_SIGNING_SECRET" in done.stderr
    assert "xoxb-secret-value" not in done.stderr
    done = run_nudge("run", env={**env, "NUDGE_TIMEZONE": "Nowhere"})
    assert done.stderr.count("\n") == 1 and "NUDGE_TIMEZONE" in done.stderr
    secret = {**env, "SLACK_BOT_TOKEN": "xoxb-secret-value", "SLACK_APP_TOKEN": "xapp-secret"}
    done = run_nudge("run", env=secret)  # Slack unreachable: one line, no secret
    assert done.returncode == 2 and "could not reach Slack" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("nudge: could not reach Slack at http")
    assert "secret" not in done.stderr  # the retries are logged, the tokens are not


def test_check_calls_auth_test(standin, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_API_URL": standin.api_url,
        "NUDGE_DB": str(tmp_path / "n.db"),
    }
    done = run_nudge("check", env=env)
    assert done.returncode == 0, done.stderr
    assert "T0001" in done.stdout
    assert "not created yet" in done.stdout
    assert standin.calls_to("auth.test")
    done = run_nudge("check", env={**env, "SLACK_BOT_TOKEN": "xoxb-wrong"})
    assert done.returncode == 2 and "invalid_auth" in done.stderr
    assert "xoxb-wrong" not in done.stderr + done.stdout
    standin.expect_protocol_errors()


def test_manifest_prints_the_manifest():
    done = run_nudge("manifest", env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "should_escape: true" in done.stdout


def test_check_reports_the_lease_deliveries_and_last_digest(make_bot, standin, tmp_path):
    from datetime import UTC, datetime

    from storage import deliveries

    bot = make_bot()
    now = datetime.now(UTC)
    with bot.db() as db:
        deliveries.claim(
            db,
            "digest:T0001:C0DIGEST:2026-W49",
            team_id="T0001",
            kind="digest",
            recipient="C0DIGEST",
            holder="x",
            now=now,
        )
        deliveries.mark_sent(db, "digest:T0001:C0DIGEST:2026-W49", now)
        deliveries.claim(
            db, "reminder:1", team_id="T0001", kind="reminder", recipient="U1", holder="x", now=now
        )
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_API_URL": standin.api_url,
        "NUDGE_DB": bot.settings.db_path,
    }
    done = run_nudge("check", env=env)
    assert done.returncode == 0, done.stderr
    assert f"held by process {bot.runtime.deps.instance_id[:8]}" in done.stdout
    assert "deliveries: 1 pending, 0 failed, 1 sent" in done.stdout
    assert "last digest: " in done.stdout and "to C0DIGEST" in done.stdout

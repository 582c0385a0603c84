"""Configuration: validated once, one clear line naming the variable, no secret echoed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.standin import SlackStandIn


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


# --- .env: the working directory's only -----------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def nudge_in(cwd: Path, *args: str, env: dict, pythonpath: Path | None = None):
    """``nudge ARGS`` as a child process started in ``cwd`` (with Nudge imported from
    ``pythonpath`` if given)."""
    if pythonpath is not None:
        env = {**env, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def write_env(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def trap():
    """A second Slack stand-in, where no request may arrive: it would mean a ``.env`` that
    must not be read was, and the bot token was sent to the address it named."""
    with SlackStandIn() as standin:
        yield standin


def test_a_env_above_the_installed_package_is_not_read(standin, trap, tmp_path):
    """python-dotenv's default walks up from the calling module, so a ``.env`` in a folder
    above the installed package redirected SLACK_API_URL, and the token went there."""
    install = tmp_path / "install"
    for package in ("bot", "handlers", "storage"):
        shutil.copytree(ROOT / package, install / package, ignore=shutil.ignore_patterns("__py*"))
    write_env(install / ".env", f"SLACK_API_URL={trap.api_url}\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": standin.bot_token,
        "NUDGE_DB": str(tmp_path / "n.db"),
    }
    where = subprocess.run(
        [sys.executable, "-c", "import bot; print(bot.__file__)"],
        env={**env, "PYTHONPATH": str(install)},
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert where.stdout.strip() == str(install / "bot" / "__init__.py")  # the copy runs

    write_env(work / ".env", f"SLACK_API_URL={standin.api_url}\n")  # the operator's own
    done = nudge_in(work, "check", env=env, pythonpath=install)
    assert trap.calls == [], "the bot token was sent where a parent folder's .env said"
    assert done.returncode == 0, done.stderr
    assert standin.calls_to("auth.test")
    assert f"loaded settings from {work / '.env'}" in done.stderr


def test_a_env_above_the_working_directory_is_not_read(standin, tmp_path):
    write_env(tmp_path / ".env", "NUDGE_TIMEZONE=Mars/Olympus\n")  # would stop start-up
    work = tmp_path / "project" / "deploy"
    work.mkdir(parents=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_API_URL": standin.api_url,
        "NUDGE_DB": str(tmp_path / "n.db"),
    }
    done = nudge_in(work, "check", env=env)
    assert done.returncode == 0, done.stderr
    assert "NUDGE_TIMEZONE" not in done.stderr and "loaded settings from" not in done.stderr


def test_the_env_file_read_is_named_and_one_others_can_read_is_warned_about(standin, tmp_path):
    token = standin.bot_token
    env = {"PATH": "/usr/bin:/bin", "NUDGE_DB": str(tmp_path / "n.db")}
    settings = write_env(
        tmp_path / ".env",
        f"SLACK_BOT_TOKEN={token}\nSLACK_API_URL={standin.api_url}\n",
        mode=0o644,  # what `cp .env.example .env` gives
    )
    done = nudge_in(tmp_path, "check", env=env)
    assert done.returncode == 0, done.stderr
    assert f"loaded settings from {settings}" in done.stderr
    assert "others may read it (mode 644): run chmod 600" in done.stderr
    assert token not in done.stderr + done.stdout
    settings.chmod(0o600)
    done = nudge_in(tmp_path, "check", env=env)
    assert done.returncode == 0 and "loaded settings from" in done.stderr
    assert "others may read it" not in done.stderr
    done = nudge_in(tmp_path, "check", env={**env, "SLACK_API_URL": "http://127.0.0.1:9/api/"})
    assert "could not reach Slack at http://127.0.0.1:9/api/" in done.stderr  # env wins

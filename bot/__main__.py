"""The ``nudge`` command: run, run --http, console, manifest, check, backup, token-key.

This is the only place ``.env`` is loaded: ``./.env`` in the working directory, never a
file found by walking up from the working directory or from where Nudge is installed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from dotenv import load_dotenv

from bot.config import ConfigError, Settings

__all__ = ["main", "has_credentials", "load_env_file", "MANIFEST"]

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"

log = logging.getLogger("nudge")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nudge", description="Nudge, the Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (Socket Mode unless --http)")
    run.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    run.add_argument("--host", default="0.0.0.0", help="HTTP host (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    console = sub.add_parser(
        "console", help="try the bot in a terminal, against a local stand-in for Slack"
    )
    console.add_argument(
        "--demo", action="store_true", help="first fill an empty database with a week to explore"
    )
    sub.add_parser("manifest", help="print the Slack app manifest")
    sub.add_parser("check", help="validate the configuration and call auth.test")
    sub.add_parser("token-key", help="print a new NUDGE_TOKEN_KEY (seals OAuth tokens at rest)")
    backup = sub.add_parser(
        "backup", help="copy the database to PATH while the bot runs (readable by you only)"
    )
    backup.add_argument("path", type=Path, help="the backup file to write, e.g. nudge-backup.db")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    return parser


def load_env_file() -> Path | None:
    """Load ``.env`` from the working directory, if there is one; return its path.

    Variables already in the environment win. Only ``./.env`` is read: python-dotenv's
    default would walk up from the calling module's folder, so a ``.env`` anywhere
    above the installed package (a shared checkout, a parent project) could redirect
    ``SLACK_API_URL`` and receive the bot token.
    """
    path = Path.cwd() / ".env"
    if not path.is_file():
        return None
    load_dotenv(dotenv_path=path, override=False)
    return path


def _report_env_file(path: Path | None) -> None:
    """Log which file was loaded (never its values), and warn if others may read it."""
    if path is None:
        return
    log.info("loaded settings from %s", path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning(
            "%s holds secrets but others may read it (mode %s): run chmod 600 %s",
            path,
            oct(mode)[2:],
            path,
        )


def has_credentials() -> bool:
    """Whether the environment or ``.env`` holds the tokens for Socket Mode (for ``make run``)."""
    load_env_file()
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError:
        return True  # let ``nudge run`` say what is wrong
    return bool(settings.bot_token and settings.app_token)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nudge`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "manifest":
        sys.stdout.write(MANIFEST.read_text())
        return 0
    if args.command == "token-key":
        from bot.oauth import new_token_key

        print(new_token_key())
        return 0
    env_file = load_env_file()
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as err:
        print(f"nudge: {err}", file=sys.stderr)
        return 2
    from bot.logs import configure_logging

    configure_logging(
        settings.log_level,
        [
            settings.bot_token,
            settings.app_token,
            settings.signing_secret,
            settings.client_secret,
            settings.token_key,
        ],
    )
    _report_env_file(env_file)
    try:
        if args.command == "run":
            return _run(settings, args)
        if args.command == "check":
            return _check(settings)
        if args.command == "backup":
            return _backup(settings, args.path, overwrite=args.force)
        if args.command == "console":
            from bot.console_terminal import main as console_main

            return console_main(settings, demo=args.demo)
    except ConfigError as err:
        print(f"nudge: {err}", file=sys.stderr)
        return 2
    return 1


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.runtime import Runtime

    runtime = Runtime(settings, http=args.http, host=args.host, port=args.port)
    try:
        runtime.start()
    except SlackApiError as err:
        print(f"nudge: Slack refused the bot token: {err.response.get('error')}", file=sys.stderr)
        return 2
    except (SlackClientError, OSError) as err:
        print(f"nudge: could not reach Slack at {settings.api_url}: {err}", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runtime.stop())
    runtime.wait()
    return 0


def _check(settings: Settings) -> int:
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.deps import make_client

    if settings.oauth:
        print("configuration ok; installed by many workspaces (OAuth, HTTP mode)")
        for line in _store_report(settings) + _workspaces_report(settings):
            print(line)
        return 0
    settings.require("bot_token")
    try:
        auth = make_client(settings).auth_test()
    except SlackApiError as err:
        print(f"nudge: auth.test failed: {err.response.get('error')}", file=sys.stderr)
        return 2
    except (SlackClientError, OSError) as err:
        print(f"nudge: could not reach Slack at {settings.api_url}: {err}", file=sys.stderr)
        return 2
    print(
        f"configuration ok; bot {auth.get('user')} in team {auth.get('team')} "
        f"({auth.get('team_id')})"
    )
    for line in _store_report(settings):
        print(line)
    return 0


def _backup(settings: Settings, path: Path, *, overwrite: bool) -> int:
    from storage.backup import BackupError, backup

    try:
        made = backup(settings.db_path, path, overwrite=overwrite)
    except BackupError as err:
        print(f"nudge: no backup made: {err}", file=sys.stderr)
        return 2
    print(
        f"backed up {settings.db_path} to {made.path}: {made.pages:,} pages, "
        f"{made.size:,} bytes, mode {oct(made.mode)[2:]} (readable by its owner only)"
    )
    return 0


def _workspaces_report(settings: Settings) -> list[str]:
    """What ``nudge check`` says of the workspaces that installed Nudge (OAuth)."""
    from storage import installations
    from storage.db import create

    if not Path(settings.db_path).exists():
        return []
    db = create(settings.db_path)
    try:
        active = installations.active_team_ids(db)
        rows = list(
            db.query("SELECT team_id, erase_at FROM installations WHERE erase_at IS NOT NULL")
        )
    finally:
        db.close()
    lines = [f"workspaces: {len(active)} installed, {len(rows)} uninstalled and kept"]
    lines += [f"  {row['team_id']}: erased after {row['erase_at'][:10]}" for row in rows]
    return lines


def _store_report(settings: Settings) -> list[str]:
    """What ``nudge check`` says of the database: the lease, deliveries, the last digest."""
    from bot.deps import utcnow
    from storage import deliveries, lease
    from storage.db import create

    if not Path(settings.db_path).exists():
        return [f"database {settings.db_path}: not created yet (nudge run creates it)"]
    db = create(settings.db_path)  # migrates, as a start-up would
    try:
        held = lease.current(db)
        if held is None or held.expires_at < utcnow():
            holder = "scheduler lease: free (no process is scheduling)"
        else:
            holder = (
                f"scheduler lease: held by process {held.holder[:8]} since "
                f"{held.acquired_at:%Y-%m-%d %H:%M} UTC, until {held.expires_at:%H:%M:%S}"
            )
        counts = deliveries.counts(db)
        summary = ", ".join(
            f"{counts.get(k, 0)} {k}"
            for k in ("pending", "failed", "sent", "skipped", "failed for good", "ambiguous")
        )
        digest = deliveries.last_sent(db, "digest")
        last = (
            f"last digest: {digest.sent_at:%Y-%m-%d %H:%M} UTC to {digest.recipient}"
            if digest
            else "last digest: none yet"
        )
        return [f"database {settings.db_path}: ok", holder, f"deliveries: {summary}", last]
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())

"""The ``nudge`` command: run, run --http, console, manifest, check.

This is the only place ``.env`` is loaded.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from dotenv import load_dotenv

from bot.config import ConfigError, Settings

__all__ = ["main", "has_credentials", "MANIFEST"]

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nudge", description="Nudge, the Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (Socket Mode unless --http)")
    run.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    run.add_argument("--host", default="0.0.0.0", help="HTTP host (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    sub.add_parser("console", help="try the bot in a terminal, against a local stand-in for Slack")
    sub.add_parser("manifest", help="print the Slack app manifest")
    sub.add_parser("check", help="validate the configuration and call auth.test")
    return parser


def has_credentials() -> bool:
    """Whether the environment or ``.env`` holds the tokens for Socket Mode (for ``make run``)."""
    load_dotenv(override=False)
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
    load_dotenv(override=False)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as err:
        print(f"nudge: {err}", file=sys.stderr)
        return 2
    from bot.logs import configure_logging

    configure_logging(
        settings.log_level, [settings.bot_token, settings.app_token, settings.signing_secret]
    )
    try:
        if args.command == "run":
            return _run(settings, args)
        if args.command == "check":
            return _check(settings)
        if args.command == "console":
            from bot.console import main as console_main

            return console_main(settings)
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

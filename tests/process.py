"""A real ``nudge run --http`` process for tests that kill it: start, kill -9, restart.

The bot runs as a subprocess against a loopback Slack stand-in and a database file
the test owns; its standard error goes to one log file per start, and its address is
read from the "Serving Slack requests on …" line. Used by the crash trials for
reminders; a digest fan-out trial can use it the same way::

    bot = BotProcess(standin, tmp_path, NUDGE_DIGEST_CHANNEL="C0DIGEST")
    bot.start()
    bot.wait_for_log("holding the scheduler lease")
    bot.kill()      # SIGKILL: no clean shutdown, the lease is left behind
    bot.start()     # scheduling again once the dead holder's lease expires
    bot.stop()      # SIGTERM: a clean stop, the lease released
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.standin import SlackSender, SlackStandIn

__all__ = ["BotProcess", "SIGNING_SECRET"]

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
_SERVING = re.compile(r"Serving Slack requests on (http://127\.0\.0\.1:\d+/slack/events)")
ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """``nudge run --http --host 127.0.0.1 --port 0`` as a child process.

    ``env`` adds or overrides environment settings (``NUDGE_TICK_SECONDS="0.2"``, say);
    the database is ``directory / "nudge.db"`` unless ``NUDGE_DB`` is given.
    """

    def __init__(self, standin: SlackStandIn, directory: Path, **env: str) -> None:
        self.standin, self.directory = standin, Path(directory)
        self.env = {
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "NUDGE_DB": str(self.directory / "nudge.db"),
            "NUDGE_LEASE_SECONDS": "3",
            "NUDGE_TICK_SECONDS": "0.2",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.logs: list[Path] = []
        self.kills = 0

    @property
    def db_path(self) -> str:
        return self.env["NUDGE_DB"]

    @property
    def slack(self) -> SlackSender:
        """Signed requests to the running process."""
        assert self.url, "the bot is not running"
        return SlackSender(self.url, SIGNING_SECRET, self.standin)

    def start(self, timeout: float = 30.0) -> BotProcess:
        """Start the process and wait until it serves HTTP (its log names the port)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        log = self.directory / f"nudge-{len(self.logs) + 1}.log"
        self.logs.append(log)
        with open(log, "w") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    "--http",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                ],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=self.directory,
            )
        found = self.wait_for_log(_SERVING, timeout)
        self.url = found[1]
        return self

    def log(self) -> str:
        """The log of the current (or last) start."""
        return self.logs[-1].read_text() if self.logs else ""

    def all_logs(self) -> str:
        """Every start's log, in order."""
        return "".join(path.read_text() for path in self.logs)

    def wait_for_log(self, pattern: str | re.Pattern, timeout: float = 30.0) -> re.Match:
        """Wait for a line of the current log matching ``pattern``; fail if the process ends."""
        pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            if found := pattern.search(self.log()):
                return found
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"nudge exited ({self.process.returncode}) before "
                    f"logging {pattern.pattern!r}:\n{self.log()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {pattern.pattern!r} in the log within {timeout}s:\n{self.log()[-3000:]}"
                )
            time.sleep(0.02)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies wherever it is, holding whatever it held."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.kills += 1
        self.url = None

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait: a clean stop. Returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"nudge did not stop on SIGTERM:\n{self.log()[-3000:]}") from None
        finally:
            self.url = None

    def restart(self) -> BotProcess:
        """Kill (if running) and start again on the same database."""
        if self.running:
            self.kill()
        return self.start()

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.running:
            self.process.kill()
            self.process.wait(timeout=10)

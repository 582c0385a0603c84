"""Logs of a real ``nudge run --http`` process: one line per event, never a secret."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx

from tests.conftest import ANA, SIGNING_SECRET
from tests.slack import SlackSender


def test_a_full_run_at_debug_level_logs_no_token_or_secret(standin, people, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "NUDGE_DB": str(tmp_path / "nudge.db"),
        "NUDGE_LOG_LEVEL": "DEBUG",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        lines = []
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if found := re.search(r"(http://127\.0\.0\.1:\d+/slack/events)", line):
                url = found[1]
        assert url, "".join(lines)
        slack = SlackSender(url, SIGNING_SECRET, standin)
        assert slack.command("/action", "Log this by Friday", ANA).status_code == 200
        standin.wait_for_response(lambda r: "Tracked" in (r.text or ""))
        assert slack.tampered().command("/action", "tampered", ANA).status_code == 401
        assert httpx.get(url.replace("/slack/events", "/healthz")).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
    log = "".join(lines) + rest
    assert process.returncode == 0, log[-2000:]
    assert "on_action_command user=U0ANA outcome=ok" in log  # one line per handled request
    assert "Authorization" in log or "Sending a request" in log  # DEBUG really was on
    for secret in (standin.bot_token, SIGNING_SECRET):
        assert secret not in log
    assert "xoxb-" not in log

"""Logs: one bounded line per event; never a secret, a member's text or a response URL.

Checked on a real ``nudge run --http`` process at DEBUG, the level that shows the most.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time

import httpx

from bot.logs import MAX_LINE, OneSafeLine
from bot.standin import SlackSender
from tests.conftest import ANA, SIGNING_SECRET
from tests.process import ROOT

PRIVATE = "my private worry about the restructure"


def test_a_full_run_at_debug_level_logs_no_token_or_secret(standin, people, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),  # this tree's code, whatever is installed
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
        private_url = standin.response_url("private-reflection-response")
        assert slack.command("/reflect", PRIVATE, ANA, response_url=private_url).status_code
        standin.wait_for_response(lambda r: "Saved R1" in (r.text or ""))
        standin.wait_for("views.publish", lambda c: PRIVATE in str(c.params))
        assert slack.tampered().command("/action", "tampered", ANA).status_code == 401
        assert httpx.get(url.replace("/slack/events", "/healthz")).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = process.communicate(timeout=30)
    log = "".join(lines) + rest
    assert process.returncode == 0, log[-2000:]
    assert "on_action_command user=U0ANA outcome=ok" in log  # one line per handled request
    assert "Sending a request - url: " + standin.api_url in log  # DEBUG really was on
    for secret in (standin.bot_token, SIGNING_SECRET):
        assert secret not in log
    assert "xoxb-" not in log
    assert PRIVATE not in log and "private worry" not in log
    assert "private-reflection-response" not in log and "/respond/" not in log


def one_line(record: logging.LogRecord) -> str:
    OneSafeLine().filter(record)
    formatter = logging.Formatter("%(levelname)s %(message)s")
    return formatter.format(record)


def record(message: str, *args: object, name: str = "bot", **extra) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None, **extra)


def test_text_from_a_request_cannot_forge_a_log_line():
    forged = "x\n2026-12-01 10:00:00,000 ERROR bot all is lost\r\u2028\x1b[2J"
    line = one_line(record("refused %s", forged))
    assert "\n" not in line and "\r" not in line and "\u2028" not in line and "\x1b" not in line
    assert (
        line == "INFO refused x\\n2026-12-01 10:00:00,000 ERROR bot all is lost\\r\\u2028\\x1b[2J"
    )


def test_a_long_message_is_cut_saying_by_how_much():
    line = one_line(record("%s", "y" * 10_000))
    assert len(line) < MAX_LINE + 100
    assert line.endswith(f"[{10_000 - MAX_LINE} more characters not logged]")


def test_a_traceback_stays_under_its_record():
    try:
        raise ValueError("bad\n2026-12-01 10:00:00,000 ERROR forged")
    except ValueError:
        import sys

        failed = logging.LogRecord("bot", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    lines = one_line(failed).splitlines()
    assert lines[0] == "ERROR boom"
    assert all(line.startswith("    ") for line in lines[1:])
    assert lines[-2:] == ["    ValueError: bad", "    2026-12-01 10:00:00,000 ERROR forged"]


def test_slack_libraries_lines_lose_their_payloads_and_response_urls():
    url = "https://hooks.slack.com/commands/T0001/123/abc"
    sent = record(
        "Sending a request - url: https://slack.com/api/chat.postMessage, query_params: {}, "
        "json_body: {'text': 'a private thought'}",
        name="slack_sdk.web.base_client",
    )
    assert one_line(sent) == (
        "INFO Sending a request - url: https://slack.com/api/chat.postMessage [payload not logged]"
    )
    webhook = record(f"Sending a request - url: {url}, body: {{}}", name="slack_sdk.webhook.client")
    assert one_line(webhook) == "INFO Sending a request [payload not logged]"
    answered = record('Responding with status: 200 body: "a private thought"', name="slack_bolt")
    assert one_line(answered) == "INFO Responding with status: 200 [payload not logged]"
    anywhere = record("posting to %s", url, name="handlers")
    assert one_line(anywhere) == "INFO posting to [response_url]"

"""The HTTP edge under attack: forged and malformed requests, floods, oversized bodies.

A request Slack did not sign gets 401 and causes nothing: no listener, no Web API call,
no request to the ``response_url`` it names (a loopback server here counts any). Tried
both in-process (the ``bot`` fixture) and against a real ``nudge run --http`` child.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlparse

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.standin import block_actions_payload, command_payload, event_callback_payload
from tests.conftest import ANA, PETE, SIGNING_SECRET
from tests.process import BotProcess

ONE_MB = 1024 * 1024  # the largest body Slack's requests could need, with room to spare


class Hook:
    """A loopback server standing for any URL a forger names: it counts what reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                hook.hits.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


def sign(body: bytes, timestamp: str) -> str:
    return SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)


def forged_bodies(hook: Hook) -> list[bytes]:
    """What a forger posts: a command, a button click and an event, each naming a
    ``response_url`` of the forger's choosing, or only a member or a channel to DM."""
    url = f"{hook.url}/forged-response"
    command = command_payload("/action", "Forged by Friday", ANA, response_url=url, trigger_id="1")
    bare = {k: v for k, v in command.items() if k != "response_url"}
    channel = {**bare, "user_id": "C0GENERAL"}
    click = block_actions_payload(PETE, "action_done:1", "1", trigger_id="2", response_url=url)
    event = event_callback_payload({"type": "app_home_opened", "user": ANA, "tab": "home"})
    return [
        urlencode(command).encode(),
        urlencode(bare).encode(),
        urlencode(channel).encode(),
        urlencode({"payload": json.dumps(click)}).encode(),
        json.dumps(event).encode(),
    ]


def forgeries(hook: Hook) -> list[tuple[str, bytes, list[tuple[str, str | bytes]]]]:
    """(what, body, headers) for every way a request can fail verification."""
    now = str(int(time.time()))
    zeros = "v0=" + "0" * 64
    tried = []
    for body in forged_bodies(hook):
        cases: list[tuple[str, list[tuple[str, str | bytes]]]] = [
            ("no signature headers", []),
            ("timestamp only", [("X-Slack-Request-Timestamp", now)]),
            ("signature only", [("X-Slack-Signature", sign(body, now))]),
            ("wrong signature", [("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", zeros)]),
            (
                "non-ASCII signature",
                [("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", b"v0=\xe9\xe9")],
            ),
        ]
        for bad in ("abc", "", "1e9", "12.5", "0x10", f"+{now}", f"{now}.0", "-1"):
            cases.append(
                (
                    f"timestamp {bad!r}",
                    [("X-Slack-Request-Timestamp", bad), ("X-Slack-Signature", sign(body, bad))],
                )
            )
        arabic = ("X-Slack-Request-Timestamp", "\u0661\u0662".encode())  # int() reads it as 12
        cases.append(("timestamp in Arabic digits", [arabic, ("X-Slack-Signature", zeros)]))
        for skew in (-6 * 60, 6 * 60):  # signed with the secret, but replayed or early
            when = str(int(time.time()) + skew)
            cases.append(
                (
                    f"timestamp {skew:+d} s",
                    [("X-Slack-Request-Timestamp", when), ("X-Slack-Signature", sign(body, when))],
                )
            )
        signed = [("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", sign(body, now))]
        cases += [
            ("timestamp header twice", [signed[0], *signed]),
            ("signature header twice", [*signed, signed[1]]),
            ("body changed after signing", signed),
        ]
        for what, headers in cases:
            sent = body[:-1] + bytes([body[-1] ^ 1]) if what.startswith("body changed") else body
            tried.append((what, sent, headers))
    return tried


MALFORMED = [b"{", b"payload=notjson", b"\xff\xfe\xfd", b"[1]", b"", b"payload=%5B1%5D", b"\x00\n"]


def post(url: str, body: bytes, headers: list[tuple[str, str | bytes]]) -> httpx.Response:
    kind = "application/json" if body[:1] == b"{" else "application/x-www-form-urlencoded"
    return httpx.post(url, content=body, headers=[("Content-Type", kind), *headers], timeout=10)


def try_everything(url: str, hook: Hook, workers: int = 1) -> tuple[int, Counter]:
    """Send every forgery and every malformed unsigned body, ``workers`` at a time; each
    must get 401. Return how many were sent, and their statuses."""
    now = str(int(time.time()))
    unsigned = [("malformed, unsigned", body, []) for body in MALFORMED]
    bad = [
        (
            "malformed, bad signature",
            body,
            [("X-Slack-Request-Timestamp", now), ("X-Slack-Signature", "v0=0")],
        )
        for body in MALFORMED
    ]
    tried = forgeries(hook) + unsigned + bad

    def send(case: tuple) -> tuple[str, int, str]:
        what, body, headers = case
        answer = post(url, body, headers)
        return what, answer.status_code, answer.text

    with ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(send, tried))
    for what, status, text in answers:
        assert status == 401, (what, status, text)
    return len(answers), Counter(status for _, status, _ in answers)


def test_unverified_requests_get_401_and_cause_nothing(bot, hook, caplog):
    calls, responses = len(bot.standin.calls), len(bot.standin.responses)
    tried, statuses = try_everything(bot.runtime.url, hook)
    time.sleep(1.0)  # anything a listener would have started has had time to reach Slack
    caused, posted = bot.standin.calls[calls:], bot.standin.responses[responses:]
    print(
        f"\nin-process: {tried} unverified requests -> {dict(statuses)}; "
        f"Web API calls {len(caused)}, response_url posts {len(posted)}, "
        f"forger's URL hits {len(hook.hits)}"
    )
    assert caused == [] and posted == [] and hook.hits == []
    with bot.db() as db:
        assert db.table("actions").count == 0
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    refused = [r for r in caplog.records if r.getMessage().startswith("refused a request")]
    assert len(refused) == tried


def test_a_signed_body_slack_would_never_send_gets_400_and_causes_nothing(bot, caplog):
    calls = len(bot.standin.calls)
    as_json, form = "application/json", "application/x-www-form-urlencoded"
    for body, kind in (
        (b"{", as_json),
        (b"{}", as_json),
        (b"[1]", as_json),
        (b'"text"', as_json),
        (b"payload=notjson", form),
        (b"payload=%5B1%5D", form),
        (b"", form),
        (b"a=1&" * 200, form),
    ):
        answer = bot.slack.raw(body, {"Content-Type": kind})
        assert answer.status_code == 400, (body, answer.status_code, answer.text)
    time.sleep(0.5)
    assert bot.standin.calls[calls:] == []
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]


def test_slacks_unsigned_certificate_check_gets_an_empty_200_and_goes_no_further(bot, hook):
    calls = len(bot.standin.calls)
    smuggled = command_payload(
        "/action", "Smuggled by Friday", ANA, response_url=f"{hook.url}/r", trigger_id="1"
    )
    for body in (b"ssl_check=1&token=x", urlencode({"ssl_check": "1", **smuggled}).encode()):
        answer = post(bot.runtime.url, body, [])
        assert (answer.status_code, answer.text) == (200, "")
    for body in (b"ssl_check=0&token=x", b"ssl_check=true", b"ssl_check=1&ssl_check=1"):
        assert post(bot.runtime.url, body, []).status_code == 401
    time.sleep(0.5)
    assert bot.standin.calls[calls:] == [] and hook.hits == []
    with bot.db() as db:
        assert db.table("actions").count == 0


def test_a_command_mentioning_payload_is_handled(bot):
    reply = bot.command("/action", "Check the payload size by Friday")
    assert "Check the payload size" in reply.text
    answer = bot.slack.command("/action", "list", ANA, user_name="payload.pete")
    assert answer.status_code == 200
    bot.standin.wait_for_response(lambda r: "Check the payload size" in (r.text or ""))
    with bot.db() as db:
        assert [a["title"] for a in db.table("actions").rows] == ["Check the payload size"]


def rss_kb(pid: int) -> tuple[int, int]:
    """(current, peak) resident memory of process ``pid`` in KB, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def raw_post(url: str, head: bytes, body: Iterator[bytes], timeout: float = 10.0) -> bytes:
    """POST with ``head`` (request line and headers) and ``body`` in pieces, stopping
    when the server hangs up; return what the server answered."""
    parts = urlparse(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for piece in body:
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the end, as it should be
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def test_a_real_process_refuses_forgeries_and_causes_nothing(standin, people, hook, tmp_path):
    with BotProcess(standin, tmp_path) as bot:
        bot.wait_for_log("holding the scheduler lease")
        calls = len(standin.calls)
        tried, statuses = try_everything(bot.url, hook, workers=16)
        time.sleep(1.0)
        caused = standin.calls[calls:]
        print(
            f"\nnudge run --http: {tried} unverified requests, 16 at a time -> {dict(statuses)}; "
            f"Web API calls {len(caused)}, forger's URL hits {len(hook.hits)}"
        )
        assert caused == [] and hook.hits == [] and standin.responses == []
        assert "Traceback" not in bot.log()


def test_an_oversized_unsigned_body_is_refused_unread_and_logged_short(standin, people, tmp_path):
    with BotProcess(standin, tmp_path) as bot:
        bot.wait_for_log("holding the scheduler lease")
        # 100 MB with its length declared: refused from the headers, the body never read
        path = bot.logs[-1]
        before, started = path.stat().st_size, time.monotonic()
        hundred_mb = 100 * 1024 * 1024
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {hundred_mb}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        ).encode()
        answer = raw_post(bot.url, head, (b"x" * ONE_MB for _ in range(100)))
        declared_ms = (time.monotonic() - started) * 1000
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]

        # the same without a length (chunked): refused once 1 MB has arrived
        head = (
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (ONE_MB, b"x" * ONE_MB)
        answer = raw_post(bot.url, head, (chunk for _ in range(100)))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]

        # just under the limit, unsigned: read, refused with 401, logged as one short line
        body = b"text=" + b"y\n" * ((ONE_MB - 5) // 2)
        assert post(bot.url, body, []).status_code == 401
        forged_line = b"text=x%0A2026-12-01 10:00:00,000 ERROR forged: all is lost\n"
        assert post(bot.url, forged_line, []).status_code == 401
        assert post(bot.url, b"\n2026-12-01 ERROR forged\n", []).status_code == 401

        time.sleep(0.5)
        grown = path.stat().st_size - before
        now_kb, peak_kb = rss_kb(bot.process.pid)
        print(
            f"\noversized unsigned POSTs (100 MB declared: 413 in {declared_ms:.0f} ms; 100 MB "
            f"chunked; 1 MB): log grew {grown} bytes; RSS {now_kb // 1024} MB, "
            f"peak {peak_kb // 1024} MB"
        )
        assert grown < 10_000
        assert peak_kb < 300 * 1024
        log = bot.log()
        assert "forged" not in log and "Traceback" not in log
        assert bot.slack.command("/action", "Still answering by Friday", ANA).status_code == 200
        standin.wait_for_response(lambda r: "Still answering" in (r.text or ""))


def test_200_idle_and_trickling_connections_do_not_stop_a_command(standin, people, tmp_path):
    with BotProcess(standin, tmp_path) as bot:
        parts = urlparse(bot.url)
        address = (parts.hostname, parts.port)
        idle = [socket.create_connection(address) for _ in range(100)]
        half = [socket.create_connection(address) for _ in range(50)]
        for sock in half:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n")
        trickling = [socket.create_connection(address) for _ in range(50)]
        stop = threading.Event()

        def trickle() -> None:
            while not stop.wait(0.5):
                for sock in trickling:
                    with contextlib.suppress(OSError):
                        sock.send(b"X")

        threading.Thread(target=trickle, daemon=True).start()
        try:
            time.sleep(1.0)  # every connection accepted and sitting there
            started = time.monotonic()
            answer = bot.slack.command("/action", "Answered through the crowd by Friday", ANA)
            acked = time.monotonic() - started
            assert answer.status_code == 200, answer.text
            standin.wait_for_response(lambda r: "Answered through the crowd" in (r.text or ""))
            answered = time.monotonic() - started
            _, peak_kb = rss_kb(bot.process.pid)
            print(
                f"\n200 open connections (100 idle, 50 half a request, 50 trickling): "
                f"command acknowledged in {acked * 1000:.0f} ms, answered in "
                f"{answered * 1000:.0f} ms; peak RSS {peak_kb // 1024} MB"
            )
            assert acked < 3.0  # Slack's limit, generous on a shared machine

            # idle connections are closed after a while (bot.http.CHANNEL_TIMEOUT)
            closed_at = []
            for sock in idle + half:
                sock.settimeout(60)
                assert sock.recv(1) in (b"", b"H")  # closed (or an error answer, then closed)
                closed_at.append(time.monotonic() - started)
            print(f"idle connections closed after {max(closed_at):.1f} s")
        finally:
            stop.set()
            for sock in idle + half + trickling:
                sock.close()

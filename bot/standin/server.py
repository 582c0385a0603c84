"""A loopback stand-in for Slack's Web API, strict about what Slack documents.

    >>> with SlackStandIn() as slack:
    ...     client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    ...     client.chat_postMessage(channel="C1", text="Hello")["ok"]
    True

Every call is recorded in ``calls``. A malformed call (missing argument, bad token, broken
Block Kit limit, unknown method) is answered the way Slack answers it *and* kept in
``protocol_errors``; the ``standin`` fixture fails the test if any were recorded.

This module is the server: set-up, the HTTP routes (``/api/<method>``, ``/respond/<key>``,
``/upload/<file id>``) and the checks every request meets at the door (the token, JSON
arguments, faults asked for, a response URL's five posts). The methods are in
:mod:`bot.standin.methods`, the records in :mod:`bot.standin.records`, the faults in
:mod:`bot.standin.faults`.
"""

from __future__ import annotations

import email.parser
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from bot.standin.faults import Faults
from bot.standin.installs import Installs, basic_credentials
from bot.standin.methods import Methods, Reject, message_error, message_problems
from bot.standin.records import Call, Message, ProtocolError, Recorder, Response

__all__ = ["SlackStandIn"]

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "users")
APP_TOKEN_METHODS = {"apps.connections.open"}
NO_TOKEN_METHODS = {"oauth.v2.access"}  # the app's client id and secret instead
RESPONSE_URL_USES = 5  # a response_url takes "up to 5 times within 30 minutes"
RESPONSE_URL_SECONDS = 30 * 60


class SlackStandIn(Recorder, Faults, Installs, Methods):
    """A thread-served loopback Slack Web API. Use ``start()``/``stop()`` or ``with``."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        team_id: str = "T0001",
        bot_user_id: str = "U0BOT",
    ) -> None:
        self.bot_token, self.app_token = bot_token, app_token
        self.team_id, self.bot_user_id = team_id, bot_user_id
        self.socket_url: str | None = None  # set when a SocketModeServer is attached
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        self._response_uses: dict[str, list[float]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        super().__init__()

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Listen on 127.0.0.1 (a free port the first time, the same port afterwards)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; the port then refuses connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def refuse(self) -> None:
        """Simulate an outage: close the listening socket so connections are refused."""
        self.stop()

    def accept(self) -> None:
        """End an outage: listen again on the same port."""
        if self._server is None:
            self.start()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:53111``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, for ``WebClient(base_url=standin.api_url)``."""
        return f"{self.url}/api/"

    # --- set-up ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
        email: str | None = None,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Register a user for users.info; returns the user object Slack would return.

        >>> standin.add_user("U1", "alice", tz="America/New_York")["tz_offset"]
        -18000

        ``team_id``: the member's workspace (``add_workspace``); the stand-in's own by default.
        """
        name = name or user_id.lower()
        real_name = real_name or name.title()
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        user = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_admin": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": email or f"{name}@example.org",
                "image_48": f"https://example.org/{name}.png",
            },
        }
        self.users[user_id] = user
        return user

    def add_usergroup(self, usergroup_id: str, handle: str, users: list[str]) -> dict[str, Any]:
        """Register a user group for usergroups.list and usergroups.users.list."""
        group = {
            "id": usergroup_id,
            "team_id": self.team_id,
            "handle": handle,
            "name": handle.replace("-", " ").title(),
            "users": list(users),
            "user_count": len(users),
        }
        self.usergroups[usergroup_id] = group
        return group

    def add_channel(self, channel_id: str, name: str) -> dict[str, Any]:
        """Register a channel, so its name is known (``channels``).

        >>> standin.add_channel("C0NEWS", "network-news")["name"]
        'network-news'
        """
        channel = {"id": channel_id, "name": name, "is_channel": True, "is_member": True}
        self.channels[channel_id] = channel
        return channel

    def post_as(self, user_id: str, channel: str, text: str) -> Message:
        """A message ``user_id`` writes in ``channel`` (for a message shortcut to act on)."""
        message = Message(
            channel=self._channel(channel),
            ts=self._next_ts(),
            text=text,
            blocks=[],
            params={"channel": channel, "text": text},
            author=user_id,
        )
        self._record(message, self.messages)
        return message

    def handle(self, method: str, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Answer ``method`` with ``answer(params)`` (``ok`` added), for methods not built in."""
        self.handlers[method] = answer

    def trigger_id(self, user_id: str | None = None, view_id: str | None = None) -> str:
        """Mint a trigger id that views.open and views.push accept.

        A trigger comes from ``user_id``'s interaction (a modal it opens is theirs),
        in the view ``view_id`` if it came from one (a view it pushes goes on top of it).
        """
        trigger = f"{next(self._ids)}.{int(time.time())}.trigger"
        with self._changed:
            self._triggers[trigger] = time.monotonic()
            self._trigger_from[trigger] = (user_id, view_id)
        return trigger

    def response_url(self, key: str | None = None) -> str:
        """A response URL served here; posts to it are recorded in ``responses``."""
        return f"{self.url}/respond/{key or next(self._ids)}"

    def response_key(self, url: str) -> str:
        """The key of a response URL minted by :meth:`response_url`."""
        return url.split("/respond/", 1)[-1]

    def clear(self) -> None:
        """Forget calls, responses, messages, views, files, faults and protocol errors."""
        with self._changed:
            for record in (self.calls, self.protocol_errors, self.responses, self.messages):
                record.clear()
            self.views.clear()
            self.files.clear()
            self._faults.clear()
            self._failing.clear()
            self._delay = 0.0
            self._delays.clear()

    # --- requests (called from the server threads) ------------------------------------

    def api(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict, dict]:
        """Answer one Web API call: (HTTP status, headers, JSON body)."""
        call = Call(method, params, time.time(), team_id=self.team_of(token))  # when it arrived
        if self._delays.get(method):
            time.sleep(self._delays[method])
        self._caller.team = call.team_id
        try:
            status, headers, body = self._answer(call, token)
        finally:
            self._caller.team = None
        call.status, call.error = status, body.get("error")
        self._record(call, self.calls)
        return status, headers, body

    def _answer(self, call: Call, token: str | None) -> tuple[int, dict, dict]:
        method, params = call.method, call.params
        try:
            self._check_token(method, token)
            handler = self.handlers.get(method) or self._methods.get(method)
            if handler is None:
                raise Reject("unknown_method", [f"[ERROR] unknown method: {method}"])
            for name in JSON_FIELDS:
                if isinstance(params.get(name), str) and params[name][:1] in "[{":
                    try:
                        params[name] = json.loads(params[name])
                    except ValueError as exc:
                        raise Reject("invalid_arguments", [f"[ERROR] {name}: {exc}"]) from exc
            fault = self._fault_for(method)
            if fault is not None:
                if fault.error:
                    raise Reject(fault.error, business=True)
                if fault.status == 429:
                    return (
                        429,
                        {"Retry-After": str(fault.retry_after)},
                        {
                            "ok": False,
                            "error": "ratelimited",
                        },
                    )
                return fault.status, {}, {"ok": False, "error": "fatal_error"}
            failing = self._failing.get(method)
            if failing and failing[1](params):
                raise Reject(failing[0], business=True)
            return 200, {}, {"ok": True, **handler(params)}
        except Reject as reject:
            if not reject.business:
                self._record(
                    ProtocolError(method, reject.error, reject.messages, params),
                    self.protocol_errors,
                )
            body: dict[str, Any] = {"ok": False, "error": reject.error}
            if reject.messages:
                body["response_metadata"] = {"messages": reject.messages}
            return 200, {}, body

    def _check_token(self, method: str, token: str | None) -> None:
        if method in NO_TOKEN_METHODS:
            return
        if not token:
            raise Reject("not_authed", ["[ERROR] no token given"])
        if self._token_revoked(token):
            raise Reject("token_revoked", ["[ERROR] the workspace uninstalled the app"])
        if token not in (self.bot_token, self.app_token) and not self._token_known(token):
            raise Reject("invalid_auth", ["[ERROR] unknown token"])
        if self._token_known(token):
            wanted = self.app_token if method in APP_TOKEN_METHODS else token
        else:
            wanted = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if token != wanted:
            raise Reject("not_allowed_token_type", [f"[ERROR] {method} needs the other token"])

    def acknowledged(self, key: str, raw: bytes) -> Response | None:
        """Show a command's acknowledgement body to the member, as Slack does, if it
        carries a reply; checked as a message is. ``key`` names the command's response URL.
        """
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:  # plain text: Slack shows it as the reply's text
            body = {"text": raw.decode("utf-8", "replace")}
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return None
        problems = message_problems(body)
        if body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
            problems.append("[ERROR] response_type must be ephemeral or in_channel")
        if problems:
            self._record(
                ProtocolError(f"ack/{key}", message_error(problems), problems, body),
                self.protocol_errors,
            )
            return None
        shown = Response(key, body, time.time(), via="ack")
        self._record(shown, self.responses)
        return shown

    def respond(self, key: str, body: dict[str, Any]) -> tuple[int, str]:
        """Handle a post to a response URL: (HTTP status, text body)."""
        now = time.monotonic()
        with self._changed:
            uses = self._response_uses.setdefault(key, [])
            uses.append(now)
            used = len(uses)
        if used > RESPONSE_URL_USES or now - uses[0] > RESPONSE_URL_SECONDS:
            problem = (
                f"[ERROR] a response_url takes up to {RESPONSE_URL_USES} posts within 30 "
                f"minutes; this is post {used}"
            )
            self._record(
                ProtocolError(f"respond/{key}", "used_url", [problem], body), self.protocol_errors
            )
            return 404, "used_url"
        problems: list[str] = []
        if not body.get("delete_original"):
            if not any(body.get(k) for k in ("text", "blocks", "attachments")):
                problems.append("[ERROR] no_text: one of text, blocks, attachments is required")
            problems += message_problems(body)
        if body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
            problems.append("[ERROR] response_type must be ephemeral or in_channel")
        if problems:
            error = message_error(problems)
            self._record(
                ProtocolError(f"respond/{key}", error, problems, body), self.protocol_errors
            )
            return 400, error
        self._record(Response(key, body, time.time()), self.responses)
        return 200, "ok"

    def upload(self, file_id: str, content: bytes) -> tuple[int, str]:
        """Handle the POST to an upload URL from files.getUploadURLExternal."""
        pending = self._pending_files.get(file_id)
        if pending is None:
            return 404, "file_not_found"
        pending.content = content
        return 200, f"OK - {len(content)}"


# --- HTTP plumbing ---------------------------------------------------------------------


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser().parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_payload(
                decode=True
            ).decode("utf-8", "replace")
            for part in message.get_payload()
        }
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _handler_for(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Routes /api/<method>, /respond/<key> and /upload/<file id>."""

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            self._route()

        def do_POST(self) -> None:
            self._route()

        def _route(self) -> None:
            if standin._delay:
                time.sleep(standin._delay)
            url = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            content_type = self.headers.get("Content-Type", "")
            kind, _, name = url.path.strip("/").partition("/")
            if kind == "upload":
                if content_type.startswith("multipart/form-data"):
                    raw = next(iter(_parse_body(content_type, raw).values()), "").encode()
                self._send(*standin.upload(name, raw), "text/plain")
                return
            try:
                body = _parse_body(content_type, raw)
            except ValueError:
                self._send(400, "invalid_payload", "text/plain")
                return
            if kind == "respond":
                if "payload" in body and isinstance(body["payload"], str):
                    body = json.loads(body["payload"])
                self._send(*standin.respond(name, body), "text/plain")
                return
            if kind != "api":
                self._send(404, "not found", "text/plain")
                return
            params = {**dict(parse_qsl(url.query, keep_blank_values=True)), **body}
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
            token = token or params.pop("token", None)
            params.pop("token", None)
            for key, value in basic_credentials(auth).items():
                params.setdefault(key, value)
            status, headers, answer = standin.api(name, params, token)
            self._send(status, json.dumps(answer), "application/json", headers)

        def _send(
            self, status: int, body: str, content_type: str, headers: dict | None = None
        ) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler

"""A loopback stand-in for Slack's Web API, strict about what Slack documents.

    >>> with SlackStandIn() as slack:
    ...     client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    ...     client.chat_postMessage(channel="C1", text="Hello")["ok"]
    True

Every call is recorded in ``calls``. A malformed call (missing argument, bad token, broken
Block Kit limit, unknown method) is answered the way Slack answers it *and* kept in
``protocol_errors``; the ``standin`` fixture fails the test if any were recorded.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from bot.standin.blockkit import (
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)

__all__ = [
    "Call",
    "Message",
    "ProtocolError",
    "Response",
    "SlackStandIn",
    "UploadedFile",
    "View",
]

JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata", "users")
APP_TOKEN_METHODS = {"apps.connections.open"}
TRIGGER_SECONDS = 3.0  # "trigger_id … expires in 3 seconds", and is exchanged once
RESPONSE_URL_USES = 5  # a response_url takes "up to 5 times within 30 minutes"
RESPONSE_URL_SECONDS = 30 * 60


@dataclass
class Call:
    """One Web API call as received: ``params`` merges query string, form and JSON body."""

    method: str
    params: dict[str, Any]
    time: float
    error: str | None = None  # the ``error`` Slack answered with, if any
    status: int = 200


@dataclass(frozen=True)
class ProtocolError:
    """A call Slack would reject as malformed, with Slack's error code and messages."""

    method: str
    error: str
    messages: list[str]
    params: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method}: {self.error} {'; '.join(self.messages)}"


@dataclass
class Message:
    """A message posted through chat.postMessage or chat.postEphemeral."""

    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]]
    params: dict[str, Any]
    thread_ts: str | None = None
    ephemeral_user: str | None = None
    deleted: bool = False
    updates: list[dict[str, Any]] = field(default_factory=list)

    def as_slack(self, bot_user_id: str = "U0BOT") -> dict[str, Any]:
        """The message object as Slack returns it and sends it in interaction payloads."""
        return {
            "type": "message",
            "ts": self.ts,
            "user": bot_user_id,
            "bot_id": "B0001",
            "text": self.text or "",
            "blocks": self.blocks,
            **({"thread_ts": self.thread_ts} if self.thread_ts else {}),
        }


@dataclass(frozen=True)
class Response:
    """A post to a response URL (``response_url(key)``), with its JSON body."""

    key: str
    body: dict[str, Any]
    time: float

    @property
    def text(self) -> str | None:
        return self.body.get("text")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return self.body.get("blocks") or []

    @property
    def response_type(self) -> str:
        return self.body.get("response_type", "ephemeral")

    @property
    def replace_original(self) -> bool:
        return bool(self.body.get("replace_original"))

    @property
    def delete_original(self) -> bool:
        return bool(self.body.get("delete_original"))


@dataclass
class View:
    """A view opened, pushed or published; ``view`` is updated by views.update."""

    view_id: str
    view: dict[str, Any]
    method: str
    user_id: str | None = None  # views.publish only
    trigger_id: str | None = None
    revision: int = 1  # views.update raises it; the hash names it

    @property
    def callback_id(self) -> str | None:
        return self.view.get("callback_id")

    @property
    def hash(self) -> str:
        """Changes with each views.update; a views.update naming an older one conflicts."""
        return f"{self.view_id}.{self.revision}"

    def as_slack(self, team_id: str) -> dict[str, Any]:
        """The view object as Slack returns it (and sends back in payloads)."""
        return {
            "id": self.view_id,
            "team_id": team_id,
            "app_id": "A0001",
            "bot_id": "B0001",
            "root_view_id": self.view_id,
            "previous_view_id": None,
            "hash": self.hash,
            "state": {"values": {}},
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            **self.view,
        }


@dataclass
class UploadedFile:
    """A file uploaded with files.getUploadURLExternal + upload + files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    content: bytes = b""
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


class _Reject(Exception):
    """Answer ``{"ok": false, "error": ...}``; a protocol error unless ``business``."""

    def __init__(self, error: str, messages: list[str] | None = None, *, business: bool = False):
        super().__init__(error)
        self.error, self.messages, self.business = error, messages or [], business


@dataclass
class _Fault:
    method: str | None
    status: int
    retry_after: int
    error: str | None
    times: float  # remaining uses; math.inf for fail_every
    every: int = 0
    seen: int = 0


def _missing(params: dict[str, Any], *names: str) -> None:
    absent = [name for name in names if params.get(name) in (None, "")]
    if absent:
        raise _Reject(
            "invalid_arguments", [f"[ERROR] missing required field: {name}" for name in absent]
        )


class SlackStandIn:
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
        self.calls: list[Call] = []
        self.protocol_errors: list[ProtocolError] = []
        self.protocol_errors_expected = False
        self.responses: list[Response] = []
        self.messages: list[Message] = []
        self.views: list[View] = []
        self.files: list[UploadedFile] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
        self._pending_files: dict[str, UploadedFile] = {}
        self.trigger_seconds = TRIGGER_SECONDS
        self._triggers: dict[str, float] = {}  # trigger id -> when it was minted
        self._exchanged: set[str] = set()
        self._response_uses: dict[str, list[float]] = {}
        self._faults: list[_Fault] = []
        self._failing: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {}
        self._delay = 0.0
        self._delays: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "apps.connections.open": self._apps_connections_open,
        }

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
    ) -> dict[str, Any]:
        """Register a user for users.info; returns the user object Slack would return.

        >>> standin.add_user("U1", "alice", tz="America/New_York")["tz_offset"]
        -18000
        """
        name = name or user_id.lower()
        real_name = real_name or name.title()
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        user = {
            "id": user_id,
            "team_id": self.team_id,
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

    def handle(self, method: str, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Answer ``method`` with ``answer(params)`` (``ok`` added), for methods not built in."""
        self.handlers[method] = answer

    def trigger_id(self) -> str:
        """Mint a trigger id that views.open and views.push accept."""
        trigger = f"{next(self._ids)}.{int(time.time())}.trigger"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def response_url(self, key: str | None = None) -> str:
        """A response URL served here; posts to it are recorded in ``responses``."""
        return f"{self.url}/respond/{key or next(self._ids)}"

    def expect_protocol_errors(self) -> None:
        """Tell the ``standin`` fixture this test provokes protocol errors on purpose."""
        self.protocol_errors_expected = True

    # --- fault injection --------------------------------------------------------------

    def fail_next(
        self,
        method: str | None = None,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls (to ``method``, or any) fail.

        ``error`` given: HTTP 200 ``{"ok": false, "error": error}``. Else ``status`` 429:
        rate limited with ``Retry-After``; any other status: that HTTP error.
        """
        self._faults.append(_Fault(method, status, retry_after, error, times))

    def fail_every(
        self, n: int, method: str | None = None, *, status: int = 429, retry_after: int = 1
    ) -> None:
        """Make every ``n``-th call (to ``method``, or any) fail as in ``fail_next``."""
        self._faults.append(_Fault(method, status, retry_after, None, float("inf"), every=n))

    def fail_method(
        self,
        method: str,
        error: str,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> None:
        """Answer ``method`` with business error ``error`` (optionally only ``when(params)``).

        >>> standin.fail_method("chat.postMessage", "channel_not_found",
        ...                     when=lambda p: p["channel"] == "C0GONE")
        """
        self._failing[method] = (error, when)

    def heal(self) -> None:
        """End every ``fail_next``, ``fail_every`` and ``fail_method`` still in force."""
        with self._changed:
            self._faults.clear()
            self._failing.clear()

    def delay(self, seconds: float, method: str | None = None) -> None:
        """Answer every request (or every call to ``method``) ``seconds`` late (0 to stop).

        >>> standin.delay(2.5, "users.info")  # Slack slow to say who someone is
        """
        if method is None:
            self._delay = seconds
        else:
            self._delays[method] = seconds

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

    # --- queries ----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Calls to ``method`` so far, oldest first."""
        return [call for call in list(self.calls) if call.method == method]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda call: True,
        timeout: float = 5.0,
    ) -> Call:
        """The first call to ``method`` matching ``predicate``, waiting up to ``timeout``.

        >>> call = standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == "D0U1")
        """

        def found() -> Call | None:
            return next((c for c in self.calls if c.method == method and predicate(c)), None)

        with self._changed:
            if self._changed.wait_for(found, timeout):
                return found()  # type: ignore[return-value]
        seen = "\n".join(
            f"  {c.method} {c.error or 'ok'} {json.dumps(c.params, default=str)[:300]}"
            for c in self.calls
        )
        raise AssertionError(
            f"no matching {method} call within {timeout}s; calls seen:\n{seen or '  (none)'}"
        )

    def wait_for_response(
        self, predicate: Callable[[Response], bool] = lambda r: True, timeout: float = 5.0
    ) -> Response:
        """The first post to a response URL matching ``predicate``, waiting up to ``timeout``."""

        def found() -> Response | None:
            return next((r for r in self.responses if predicate(r)), None)

        with self._changed:
            if self._changed.wait_for(found, timeout):
                return found()  # type: ignore[return-value]
        seen = "\n".join(f"  {r.key}: {json.dumps(r.body)[:300]}" for r in self.responses)
        raise AssertionError(
            f"no matching response within {timeout}s; responses seen:\n{seen or '  (none)'}"
        )

    def messages_to(self, channel: str, *, ephemeral: bool = False) -> list[Message]:
        """Messages in ``channel`` not deleted (ephemeral ones only if ``ephemeral``)."""
        channel = self._channel(channel)
        return [
            m
            for m in list(self.messages)
            if m.channel == channel and not m.deleted and (ephemeral or m.ephemeral_user is None)
        ]

    def dms_to(self, user_id: str) -> list[Message]:
        """Messages in the DM channel conversations.open gives ``user_id`` (``D`` + id)."""
        return self.messages_to(self.dm_channel(user_id))

    def ephemerals_to(self, user_id: str) -> list[Message]:
        """Ephemeral messages shown to ``user_id`` in any channel."""
        return [m for m in list(self.messages) if m.ephemeral_user == user_id]

    def home_of(self, user_id: str) -> View | None:
        """The Home tab last published for ``user_id``."""
        homes = [v for v in self.views if v.method == "views.publish" and v.user_id == user_id]
        return homes[-1] if homes else None

    def view(self, view_id: str) -> View:
        """The view with ``view_id``."""
        return next(v for v in self.views if v.view_id == view_id)

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The DM channel id the stand-in gives ``user_id``."""
        return "D" + user_id

    # --- request handling (called from the server threads) ----------------------------

    def _record(self, item: Any, into: list[Any]) -> None:
        with self._changed:
            into.append(item)
            self._changed.notify_all()

    def _fault_for(self, method: str) -> _Fault | None:
        with self._changed:
            for fault in self._faults:
                if fault.method not in (None, method) or fault.times <= 0:
                    continue
                fault.seen += 1
                if fault.every and fault.seen % fault.every:
                    continue
                fault.times -= 1
                return fault
        return None

    def api(self, method: str, params: dict[str, Any], token: str | None) -> tuple[int, dict, dict]:
        """Answer one Web API call: (HTTP status, headers, JSON body)."""
        call = Call(method, params, time.time())  # when it arrived
        if self._delays.get(method):
            time.sleep(self._delays[method])
        status, headers, body = self._answer(call, token)
        call.status, call.error = status, body.get("error")
        self._record(call, self.calls)
        return status, headers, body

    def _answer(self, call: Call, token: str | None) -> tuple[int, dict, dict]:
        method, params = call.method, call.params
        try:
            self._check_token(method, token)
            handler = self.handlers.get(method) or self._methods.get(method)
            if handler is None:
                raise _Reject("unknown_method", [f"[ERROR] unknown method: {method}"])
            for name in JSON_FIELDS:
                if isinstance(params.get(name), str) and params[name][:1] in "[{":
                    try:
                        params[name] = json.loads(params[name])
                    except ValueError as exc:
                        raise _Reject("invalid_arguments", [f"[ERROR] {name}: {exc}"]) from exc
            fault = self._fault_for(method)
            if fault is not None:
                if fault.error:
                    raise _Reject(fault.error, business=True)
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
                raise _Reject(failing[0], business=True)
            return 200, {}, {"ok": True, **handler(params)}
        except _Reject as reject:
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
        if not token:
            raise _Reject("not_authed", ["[ERROR] no token given"])
        if token not in (self.bot_token, self.app_token):
            raise _Reject("invalid_auth", ["[ERROR] unknown token"])
        wanted = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
        if token != wanted:
            raise _Reject("not_allowed_token_type", [f"[ERROR] {method} needs the other token"])

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
            problems += _message_problems(body)
        if body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
            problems.append("[ERROR] response_type must be ephemeral or in_channel")
        if problems:
            error = _message_error(problems)
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

    # --- the methods ---------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _channel(self, channel: str) -> str:
        """Slack delivers a post to a user id into the DM with that user."""
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

    def _find_message(self, channel: str, ts: str) -> Message:
        channel = self._channel(channel)
        for message in self.messages:
            if message.channel == channel and message.ts == ts and not message.deleted:
                return message
        raise _Reject("message_not_found", business=True)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://nudge-test.slack.com/",
            "team": "Nudge Test",
            "user": "nudge",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": "B0001",
            "is_enterprise_install": False,
        }

    def _post(self, params: dict[str, Any], ephemeral_user: str | None) -> Message:
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise _Reject("no_text", ["[ERROR] one of text, blocks, attachments is required"])
        problems = _message_problems(params)
        if problems:
            raise _Reject(_message_error(problems), problems)
        message = Message(
            channel=self._channel(params["channel"]),
            ts=self._next_ts(),
            text=params.get("text"),
            blocks=params.get("blocks") or [],
            params=params,
            thread_ts=params.get("thread_ts"),
            ephemeral_user=ephemeral_user,
        )
        self._record(message, self.messages)
        return message

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "channel")
        message = self._post(params, None)
        return {
            "channel": message.channel,
            "ts": message.ts,
            "message": message.as_slack(self.bot_user_id),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "channel", "user")
        return {"message_ts": self._post(params, params["user"]).ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "channel", "ts")
        problems = _message_problems(params)
        if problems:
            raise _Reject(_message_error(problems), problems)
        message = self._find_message(params["channel"], params["ts"])
        message.updates.append(params)
        if "text" in params:
            message.text = params["text"]
        if "blocks" in params:
            message.blocks = params["blocks"] or []
        return {"channel": message.channel, "ts": message.ts, "text": message.text or ""}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "channel", "ts")
        message = self._find_message(params["channel"], params["ts"])
        message.deleted = True
        return {"channel": message.channel, "ts": message.ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "channel", "message_ts")
        ts = str(params["message_ts"]).replace(".", "")
        return {
            "channel": params["channel"],
            "permalink": f"https://nudge-test.slack.com/archives/{params['channel']}/p{ts}",
        }

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("users") and not params.get("channel"):
            _missing(params, "users")
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}}
        users = params["users"]
        users = users if isinstance(users, list) else str(users).split(",")
        if len(users) == 1:
            return {"channel": {"id": self.dm_channel(users[0]), "is_im": True, "user": users[0]}}
        return {"channel": {"id": "G" + "".join(sorted(users)), "is_mpim": True}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "user")
        user = self.users.get(params["user"])
        if user is None:
            raise _Reject("user_not_found", business=True)
        return {"user": user}

    def _usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        with_users = str(params.get("include_users", "")).lower() in ("1", "true")
        groups = [
            g if with_users else {k: v for k, v in g.items() if k != "users"}
            for g in self.usergroups.values()
        ]
        return {"usergroups": groups}

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "usergroup")
        group = self.usergroups.get(params["usergroup"])
        if group is None:
            raise _Reject("no_such_subteam", business=True)
        return {"users": group["users"]}

    def _check_view(self, params: dict[str, Any], *, home: bool = False) -> dict[str, Any]:
        view = params["view"]
        problems = check_view(view)
        if home and isinstance(view, dict) and view.get("type") != "home":
            problems.append(
                '[ERROR] views.publish needs a view of type "home" [json-pointer:/view/type]'
            )
        if problems:
            raise _Reject("invalid_arguments", problems)
        return view

    def _open_view(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "trigger_id", "view")
        view = self._check_view(params)
        trigger = params["trigger_id"]
        with self._changed:
            minted = self._triggers.get(trigger)
            exchanged = trigger in self._exchanged
            self._exchanged.add(trigger)
        if minted is None:
            raise _Reject("invalid_trigger_id", business=True)
        if exchanged:
            raise _Reject("exchanged_trigger_id", ["[ERROR] this trigger_id was used already"])
        late = time.monotonic() - minted
        if late > self.trigger_seconds:
            raise _Reject(
                "expired_trigger_id",
                [
                    f"[ERROR] trigger_id used {late:.2f}s after the interaction; it lasts "
                    f"{self.trigger_seconds:g}s"
                ],
            )
        opened = View(f"V{next(self._ids):06d}", view, method, trigger_id=params["trigger_id"])
        self._record(opened, self.views)
        return {"view": opened.as_slack(self.team_id)}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open_view("views.open", params)

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open_view("views.push", params)

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "view")
        if not params.get("view_id") and not params.get("external_id"):
            _missing(params, "view_id")
        view = self._check_view(params)
        for existing in self.views:
            if existing.view_id == params.get("view_id") or (
                params.get("external_id")
                and existing.view.get("external_id") == params.get("external_id")
            ):
                if params.get("hash") and params["hash"] != existing.hash:
                    raise _Reject("hash_conflict", business=True)
                existing.view = view
                existing.revision += 1
                return {"view": existing.as_slack(self.team_id)}
        raise _Reject("not_found", business=True)

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "user_id", "view")
        view = self._check_view(params, home=True)
        published = View(f"V{next(self._ids):06d}", view, "views.publish", params["user_id"])
        self._record(published, self.views)
        return {"view": published.as_slack(self.team_id)}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "filename", "length")
        file_id = f"F{next(self._ids):06d}"
        self._pending_files[file_id] = UploadedFile(
            file_id, params["filename"], int(params["length"])
        )
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        _missing(params, "files")
        entries = params["files"]
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("id") for e in entries
        ):
            raise _Reject("invalid_arguments", ["[ERROR] files must be a JSON list of {id, title}"])
        channel = params.get("channel_id") or (
            str(params.get("channels") or "").split(",")[0] or None
        )
        done = []
        for entry in entries:
            pending = self._pending_files.pop(entry["id"], None)
            if pending is None:
                raise _Reject("file_not_found", business=True)
            pending.title = entry.get("title") or pending.filename
            pending.channel = self._channel(channel) if channel else None
            pending.initial_comment = params.get("initial_comment")
            pending.thread_ts = params.get("thread_ts")
            self._record(pending, self.files)
            done.append({"id": pending.id, "name": pending.filename, "title": pending.title})
        return {"files": done}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_url is None:
            raise _Reject("socket_mode_not_enabled", business=True)
        return {"url": f"{self.socket_url}?ticket={next(self._ids)}&app_id=A0001"}


def _message_problems(params: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if params.get("text") is not None:
        problems += check_message_text(params["text"])
    if params.get("blocks"):
        problems += check_message_blocks(params["blocks"])
        problems += check_message_size(params["blocks"])
    return problems


def _message_error(problems: list[str]) -> str:
    """The error code Slack gives for these problems."""
    if any("msg_blocks_too_long" in problem for problem in problems):
        return "msg_blocks_too_long"
    if all("[json-pointer:/text]" in problem for problem in problems):
        return "msg_too_long"
    return "invalid_blocks"


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

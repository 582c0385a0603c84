"""What the stand-in records: each call, protocol error, message, response, view and file.

``Recorder`` keeps them, as Slack keeps a workspace's messages and views, and answers the
tests' questions about them (``wait_for``, ``dms_to``, ``home_of``):

    >>> standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == "D0U1")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Call", "Message", "ProtocolError", "Recorder", "Response", "UploadedFile", "View"]


@dataclass
class Call:
    """One Web API call as received: ``params`` merges query string, form and JSON body."""

    method: str
    params: dict[str, Any]
    time: float
    error: str | None = None  # the ``error`` Slack answered with, if any
    status: int = 200
    team_id: str | None = None  # the workspace of the token it was made with


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
    """A message posted through chat.postMessage or chat.postEphemeral, or by a member
    (``author``: see ``SlackStandIn.post_as``)."""

    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]]
    params: dict[str, Any]
    thread_ts: str | None = None
    ephemeral_user: str | None = None
    deleted: bool = False
    updates: list[dict[str, Any]] = field(default_factory=list)
    author: str | None = None  # the member who wrote it; None: the bot
    team_id: str | None = None  # the workspace it was posted in (the token's)

    def as_slack(self, bot_user_id: str = "U0BOT") -> dict[str, Any]:
        """The message object as Slack returns it and sends it in interaction payloads."""
        sender = {"user": self.author} if self.author else {"user": bot_user_id, "bot_id": "B0001"}
        return {
            "type": "message",
            "ts": self.ts,
            **sender,
            "text": self.text or "",
            "blocks": self.blocks,
            **({"thread_ts": self.thread_ts} if self.thread_ts else {}),
        }


@dataclass(frozen=True)
class Response:
    """A reply shown to the member: a post to a response URL (``response_url(key)``), or
    the acknowledgement of the command that carried that URL (``via == "ack"``)."""

    key: str
    body: dict[str, Any]
    time: float
    via: str = "response_url"  # or "ack": Slack showed the acknowledgement's body

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
    """A view opened, pushed or published; ``view`` is updated by views.update.

    A modal is shown to ``user_id`` (the member whose trigger opened it) until it is
    submitted or closed (``closed``); a pushed one sits on ``previous_view_id``.
    """

    view_id: str
    view: dict[str, Any]
    method: str
    user_id: str | None = None  # the Home's member (views.publish), a modal's member
    trigger_id: str | None = None
    revision: int = 1  # views.update raises it; the hash names it
    previous_view_id: str | None = None
    root_view_id: str | None = None
    closed: bool = False

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
            "root_view_id": self.root_view_id or self.view_id,
            "previous_view_id": self.previous_view_id,
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


class Recorder:
    """The records of one stand-in, and the queries over them; safe across threads."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.protocol_errors: list[ProtocolError] = []
        self.protocol_errors_expected = False
        self.responses: list[Response] = []
        self.messages: list[Message] = []
        self.views: list[View] = []
        self.files: list[UploadedFile] = []
        self._changed = threading.Condition()
        super().__init__()

    def expect_protocol_errors(self) -> None:
        """Tell the ``standin`` fixture this test provokes protocol errors on purpose."""
        self.protocol_errors_expected = True

    def protocol_error(
        self, method: str, error: str, messages: list[str], params: dict[str, Any]
    ) -> ProtocolError:
        """Keep a protocol error found outside a Web API call (an acknowledgement, say)."""
        found = ProtocolError(method, error, messages, params)
        self._record(found, self.protocol_errors)
        return found

    def _record(self, item: Any, into: list[Any]) -> None:
        with self._changed:
            into.append(item)
            self._changed.notify_all()

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

    def open_modals(self, user_id: str) -> list[View]:
        """The modals ``user_id`` has open, the one on top last."""
        return [
            v
            for v in list(self.views)
            if v.method != "views.publish" and v.user_id == user_id and not v.closed
        ]

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The DM channel id the stand-in gives ``user_id``."""
        return "D" + user_id

    def _channel(self, channel: str) -> str:
        """Slack delivers a post to a user id into the DM with that user."""
        return self.dm_channel(channel) if channel[:1] in ("U", "W") else channel

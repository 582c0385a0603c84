"""Signed requests from "Slack" to a bot served over HTTP, as Slack sends them.

    >>> sender = SlackSender(f"{base}/slack/events", "s3cret", standin)
    >>> sender.command("/action", "list", "U1").status_code
    200

Each request carries one of the payloads of :mod:`bot.standin.payloads`, signed with the
signing secret (v0 signature and timestamp headers).
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.standin.payloads import (
    block_actions_payload,
    command_payload,
    event_callback_payload,
    message_shortcut_payload,
    view_closed_payload,
    view_submission_payload,
)
from bot.standin.records import Message
from bot.standin.server import SlackStandIn

__all__ = ["SlackSender", "sign"]


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with ``body``: v0 signature, timestamp and content type.

    >>> sign("s3cret", b"a=1", timestamp=1531420618)["X-Slack-Signature"][:3]
    'v0='
    """
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    content_type = (
        "application/json" if body.lstrip()[:1] == b"{" else "application/x-www-form-urlencoded"
    )
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


@dataclasses.dataclass
class SlackSender:
    """Sends signed requests to a bot's ``/slack/events`` as Slack does.

    >>> sender = SlackSender(f"{base}/slack/events", "s3cret", standin)
    >>> sender.command("/action", "list", "U1").status_code
    200
    >>> sender.tampered().command("/action", "list", "U1").status_code
    401
    """

    events_url: str
    signing_secret: str
    standin: SlackStandIn
    team_id: str = "T0001"
    bad_signature: bool = False
    clock_skew: int = 0  # seconds added to the signed timestamp
    timeout: float = 10.0
    client: httpx.Client | None = None  # reuse connections (the console, the benchmark)

    def tampered(self) -> SlackSender:
        """A sender whose signatures do not match."""
        return dataclasses.replace(self, bad_signature=True)

    def late(self, seconds: int = 600) -> SlackSender:
        """A sender whose timestamps are ``seconds`` old (Slack's limit is five minutes)."""
        return dataclasses.replace(self, clock_skew=-seconds)

    def raw(self, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST ``body`` signed (per this sender's settings), with extra ``headers``."""
        signed = sign(self.signing_secret, body, int(time.time()) + self.clock_skew)
        if self.bad_signature:
            signed["X-Slack-Signature"] = "v0=" + "0" * 64
        post = self.client.post if self.client is not None else httpx.post
        return post(
            self.events_url,
            content=body,
            headers={**signed, **(headers or {})},
            timeout=self.timeout,
        )

    def _form(self, fields: dict[str, str]) -> httpx.Response:
        return self.raw(urlencode(fields).encode())

    def _interactive(self, payload: dict[str, Any]) -> httpx.Response:
        return self._form({"payload": json.dumps(payload)})

    def _user_name(self, user_id: str) -> str | None:
        user = self.standin.users.get(user_id)
        return user["name"] if user else None

    def command(
        self,
        command: str,
        text: str,
        user_id: str,
        *,
        channel_id: str = "C0GENERAL",
        user_name: str | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> httpx.Response:
        """Type ``command text`` as ``user_id`` in ``channel_id``.

        ``response_url`` and ``trigger_id`` are minted by the stand-in unless given. An
        acknowledgement carrying a reply is shown to the member, as Slack shows it: the
        stand-in records it in ``responses`` under the response URL's key, ``via="ack"``.
        """
        response_url = response_url or self.standin.response_url()
        answer = self._form(
            command_payload(
                command,
                text,
                user_id,
                response_url=response_url,
                trigger_id=trigger_id or self.standin.trigger_id(user_id),
                channel_id=channel_id,
                user_name=user_name or self._user_name(user_id),
                team_id=self.team_id,
            )
        )
        if answer.status_code == 200:
            self.standin.acknowledged(self.standin.response_key(response_url), answer.content)
        return answer

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: Any,
        *,
        block_id: str | None = None,
        message: dict[str, Any] | Message | None = None,
        view: dict[str, Any] | None = None,
        container: dict[str, Any] | None = None,
        channel_id: str | None = None,
        response_url: str | None = None,
    ) -> httpx.Response:
        """Click ``action_id`` (with ``value``) on ``message`` or ``view``.

        ``message`` may be a stand-in ``Message`` (e.g. ``standin.dms_to("U1")[-1]``);
        ``response_url`` is minted by the stand-in unless given.
        """
        if isinstance(message, Message):
            channel_id = channel_id or message.channel
            message = message.as_slack(self.standin.bot_user_id)
        return self._interactive(
            block_actions_payload(
                user_id,
                action_id,
                value,
                trigger_id=self.standin.trigger_id(user_id, (view or {}).get("id")),
                response_url=response_url or self.standin.response_url(),
                block_id=block_id,
                message=message,
                view=view,
                container=container,
                channel_id=channel_id,
                team_id=self.team_id,
            )
        )

    def view_submission(
        self, user_id: str, view: dict[str, Any], values: dict[str, Any]
    ) -> httpx.Response:
        """Submit ``view`` (as Slack returned it) with ``{action_id: value}``."""
        trigger = self.standin.trigger_id(user_id, view.get("id"))
        return self._interactive(
            view_submission_payload(user_id, view, values, trigger_id=trigger, team_id=self.team_id)
        )

    def view_closed(self, user_id: str, view: dict[str, Any]) -> httpx.Response:
        """Close ``view`` (one with ``notify_on_close``), as the member's Cancel does."""
        return self._interactive(view_closed_payload(user_id, view, team_id=self.team_id))

    def message_shortcut(
        self,
        user_id: str,
        callback_id: str,
        message: dict[str, Any],
        channel_id: str,
        *,
        response_url: str | None = None,
    ) -> httpx.Response:
        """Use the message shortcut ``callback_id`` on ``message``."""
        return self._interactive(
            message_shortcut_payload(
                user_id,
                callback_id,
                message,
                channel_id,
                response_url=response_url or self.standin.response_url(),
                trigger_id=self.standin.trigger_id(user_id),
                team_id=self.team_id,
            )
        )

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> httpx.Response:
        """Deliver an Events API ``event``; a retry carries ``X-Slack-Retry-*`` headers."""
        payload = event_callback_payload(
            event, team_id=self.team_id, event_id=event_id, bot_user_id=self.standin.bot_user_id
        )
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.raw(json.dumps(payload).encode(), headers)

    def app_uninstalled(self) -> httpx.Response:
        """Slack's ``app_uninstalled`` event: the workspace removed the app."""
        return self.event({"type": "app_uninstalled"})

    def tokens_revoked(self, bot_user_ids: list[str]) -> httpx.Response:
        """Slack's ``tokens_revoked`` event: the workspace revoked the bot's token."""
        return self.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": bot_user_ids}})

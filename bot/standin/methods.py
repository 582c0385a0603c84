"""The Web API methods the bot uses, answered as Slack documents them.

Each method checks its arguments (required ones, every Block Kit limit, triggers that last
3 seconds and are exchanged once, view hashes) and raises ``Reject`` as Slack would answer.
A ``Reject`` is a protocol error (a malformed call: the ``standin`` fixture fails the test)
unless it is ``business``, an answer Slack gives to a well-formed call (``user_not_found``,
``hash_conflict``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.standin.blockkit import (
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)
from bot.standin.records import Message, UploadedFile, View

__all__ = ["Methods", "Reject", "message_error", "message_problems", "missing"]

TRIGGER_SECONDS = 3.0  # "trigger_id … expires in 3 seconds", and is exchanged once


class Reject(Exception):
    """Answer ``{"ok": false, "error": ...}``; a protocol error unless ``business``."""

    def __init__(self, error: str, messages: list[str] | None = None, *, business: bool = False):
        super().__init__(error)
        self.error, self.messages, self.business = error, messages or [], business


def missing(params: dict[str, Any], *names: str) -> None:
    """Reject the call if any of ``names`` is absent or empty, as Slack does."""
    absent = [name for name in names if params.get(name) in (None, "")]
    if absent:
        raise Reject(
            "invalid_arguments", [f"[ERROR] missing required field: {name}" for name in absent]
        )


class Methods:
    """The workspace Slack keeps (users, user groups, triggers) and the methods over it.

    Messages, views and files go into the records of ``Recorder``, under its lock.
    """

    team_id: str
    bot_user_id: str
    socket_url: str | None
    url: str
    messages: list[Message]
    views: list[View]
    files: list[UploadedFile]
    _changed: threading.Condition

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self._pending_files: dict[str, UploadedFile] = {}
        self.trigger_seconds = TRIGGER_SECONDS
        self._triggers: dict[str, float] = {}  # trigger id -> when it was minted
        self._trigger_from: dict[str, tuple[str | None, str | None]] = {}  # -> (user, view)
        self.channels: dict[str, dict[str, Any]] = {}
        self._exchanged: set[str] = set()
        self._ids = itertools.count(1)
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
        super().__init__()

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _find_message(self, channel: str, ts: str) -> Message:
        channel = self._channel(channel)
        for message in self.messages:
            if message.channel == channel and message.ts == ts and not message.deleted:
                return message
        raise Reject("message_not_found", business=True)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        team = self.caller_team()  # type: ignore[attr-defined]
        found = self.workspaces.get(team)  # type: ignore[attr-defined]
        return {
            "url": "https://nudge-test.slack.com/",
            "team": found.name if found else "Nudge Test",
            "user": "nudge",
            "team_id": team,
            "user_id": found.bot_user_id if found else self.bot_user_id,
            "bot_id": "B0001",
            "is_enterprise_install": False,
        }

    def _post(self, params: dict[str, Any], ephemeral_user: str | None) -> Message:
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise Reject("no_text", ["[ERROR] one of text, blocks, attachments is required"])
        problems = message_problems(params)
        if problems:
            raise Reject(message_error(problems), problems)
        for user in (params["channel"].removeprefix("D"), ephemeral_user):
            if user and user[:1] in ("U", "W"):
                self._check_member(user, "channel_not_found")  # type: ignore[attr-defined]
        message = Message(
            channel=self._channel(params["channel"]),
            ts=self._next_ts(),
            text=params.get("text"),
            blocks=params.get("blocks") or [],
            params=params,
            thread_ts=params.get("thread_ts"),
            ephemeral_user=ephemeral_user,
            team_id=self.caller_team(),  # type: ignore[attr-defined]
        )
        self._record(message, self.messages)
        return message

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "channel")
        message = self._post(params, None)
        return {
            "channel": message.channel,
            "ts": message.ts,
            "message": message.as_slack(self.bot_user_id),
        }

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "channel", "user")
        return {"message_ts": self._post(params, params["user"]).ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "channel", "ts")
        problems = message_problems(params)
        if problems:
            raise Reject(message_error(problems), problems)
        message = self._find_message(params["channel"], params["ts"])
        message.updates.append(params)
        if "text" in params:
            message.text = params["text"]
        if "blocks" in params:
            message.blocks = params["blocks"] or []
        return {"channel": message.channel, "ts": message.ts, "text": message.text or ""}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "channel", "ts")
        message = self._find_message(params["channel"], params["ts"])
        message.deleted = True
        return {"channel": message.channel, "ts": message.ts}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "channel", "message_ts")
        ts = str(params["message_ts"]).replace(".", "")
        return {
            "channel": params["channel"],
            "permalink": f"https://nudge-test.slack.com/archives/{params['channel']}/p{ts}",
        }

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("users") and not params.get("channel"):
            missing(params, "users")
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}}
        users = params["users"]
        users = users if isinstance(users, list) else str(users).split(",")
        if len(users) == 1:
            return {"channel": {"id": self.dm_channel(users[0]), "is_im": True, "user": users[0]}}
        return {"channel": {"id": "G" + "".join(sorted(users)), "is_mpim": True}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "user")
        user = self.users.get(params["user"])
        if user is None:
            raise Reject("user_not_found", business=True)
        self._check_member(params["user"], "user_not_found", look_up=True)  # type: ignore[attr-defined]
        return {"user": user}

    def _usergroups_list(self, params: dict[str, Any]) -> dict[str, Any]:
        with_users = str(params.get("include_users", "")).lower() in ("1", "true")
        groups = [
            g if with_users else {k: v for k, v in g.items() if k != "users"}
            for g in self.usergroups.values()
        ]
        return {"usergroups": groups}

    def _usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "usergroup")
        group = self.usergroups.get(params["usergroup"])
        if group is None:
            raise Reject("no_such_subteam", business=True)
        return {"users": group["users"]}

    def _check_view(self, params: dict[str, Any], *, home: bool = False) -> dict[str, Any]:
        view = params["view"]
        problems = check_view(view)
        if home and isinstance(view, dict) and view.get("type") != "home":
            problems.append(
                '[ERROR] views.publish needs a view of type "home" [json-pointer:/view/type]'
            )
        if problems:
            raise Reject("invalid_arguments", problems)
        return view

    def _open_view(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "trigger_id", "view")
        view = self._check_view(params)
        trigger = params["trigger_id"]
        with self._changed:
            minted = self._triggers.get(trigger)
            exchanged = trigger in self._exchanged
            self._exchanged.add(trigger)
        if minted is None:
            raise Reject("invalid_trigger_id", business=True)
        if exchanged:
            raise Reject("exchanged_trigger_id", ["[ERROR] this trigger_id was used already"])
        late = time.monotonic() - minted
        if late > self.trigger_seconds:
            raise Reject(
                "expired_trigger_id",
                [
                    f"[ERROR] trigger_id used {late:.2f}s after the interaction; it lasts "
                    f"{self.trigger_seconds:g}s"
                ],
            )
        user_id, from_view = self._trigger_from.get(trigger, (None, None))
        below = self._below(from_view) if method == "views.push" else None
        opened = View(
            f"V{next(self._ids):06d}",
            view,
            method,
            user_id=user_id,
            trigger_id=params["trigger_id"],
            previous_view_id=below.view_id if below else None,
            root_view_id=(below.root_view_id or below.view_id) if below else None,
        )
        self._record(opened, self.views)
        return {"view": opened.as_slack(self.team_id)}

    def _below(self, view_id: str | None) -> View | None:
        """The open modal a view pushed from ``view_id``'s interaction goes on top of."""
        return next((v for v in self.views if v.view_id == view_id and not v.closed), None)

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open_view("views.open", params)

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open_view("views.push", params)

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "view")
        if not params.get("view_id") and not params.get("external_id"):
            missing(params, "view_id")
        view = self._check_view(params)
        for existing in self.views:
            if existing.view_id == params.get("view_id") or (
                params.get("external_id")
                and existing.view.get("external_id") == params.get("external_id")
            ):
                if params.get("hash") and params["hash"] != existing.hash:
                    raise Reject("hash_conflict", business=True)
                existing.view = view
                existing.revision += 1
                return {"view": existing.as_slack(self.team_id)}
        raise Reject("not_found", business=True)

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "user_id", "view")
        self._check_member(params["user_id"], "user_not_found")  # type: ignore[attr-defined]
        view = self._check_view(params, home=True)
        published = View(f"V{next(self._ids):06d}", view, "views.publish", params["user_id"])
        self._record(published, self.views)
        return {"view": published.as_slack(self.team_id)}

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "filename", "length")
        file_id = f"F{next(self._ids):06d}"
        self._pending_files[file_id] = UploadedFile(
            file_id, params["filename"], int(params["length"])
        )
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        missing(params, "files")
        entries = params["files"]
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("id") for e in entries
        ):
            raise Reject("invalid_arguments", ["[ERROR] files must be a JSON list of {id, title}"])
        channel = params.get("channel_id") or (
            str(params.get("channels") or "").split(",")[0] or None
        )
        done = []
        for entry in entries:
            pending = self._pending_files.pop(entry["id"], None)
            if pending is None:
                raise Reject("file_not_found", business=True)
            pending.title = entry.get("title") or pending.filename
            pending.channel = self._channel(channel) if channel else None
            pending.initial_comment = params.get("initial_comment")
            pending.thread_ts = params.get("thread_ts")
            self._record(pending, self.files)
            done.append({"id": pending.id, "name": pending.filename, "title": pending.title})
        return {"files": done}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_url is None:
            raise Reject("socket_mode_not_enabled", business=True)
        return {"url": f"{self.socket_url}?ticket={next(self._ids)}&app_id=A0001"}


def message_problems(params: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a message's ``text`` and ``blocks``."""
    problems: list[str] = []
    if params.get("text") is not None:
        problems += check_message_text(params["text"])
    if params.get("blocks"):
        problems += check_message_blocks(params["blocks"])
        problems += check_message_size(params["blocks"])
    return problems


def message_error(problems: list[str]) -> str:
    """The error code Slack gives for these problems."""
    if any("msg_blocks_too_long" in problem for problem in problems):
        return "msg_blocks_too_long"
    if all("[json-pointer:/text]" in problem for problem in problems):
        return "msg_too_long"
    return "invalid_blocks"

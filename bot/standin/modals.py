"""What Slack does when a member submits or closes a modal: the view stack, as Slack keeps it.

    >>> shown = standin.open_modals("U0ANA")[-1]
    >>> submitted = submit_view(standin, sender, "U0ANA", shown, {"title": "Plan the show"})
    >>> submitted.errors, submitted.showing
    ({}, None)

A submission is a signed ``view_submission`` sent to the bot; its acknowledgement decides
what happens next (Slack's ``response_action``): none closes the view (the one below it,
if it was pushed, shows again), ``errors`` keeps it open with a message under each input
named, ``update`` replaces it, ``push`` puts a new view on top, ``clear`` closes the whole
stack. An acknowledgement Slack would not accept (not JSON, an unknown response_action,
errors naming no input of the view, a view that breaks Block Kit's rules, a fourth view
on the stack) is a protocol error, and the member sees that the app did not answer.

Closing sends ``view_closed`` only for a view that asked (``notify_on_close``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.standin.blockkit import check_view
from bot.standin.records import View
from bot.standin.sender import SlackSender
from bot.standin.server import SlackStandIn

__all__ = ["Submitted", "close_view", "submit_view", "STACK_MAX"]

STACK_MAX = 3  # "views.push … up to 2 additional views" on top of the one opened
NOT_ANSWERED = "We had some trouble connecting. Try again?"  # what Slack shows the member


@dataclass(frozen=True)
class Submitted:
    """What the member sees after submitting: the modal on top now, errors by input."""

    showing: View | None  # the modal now on top; None when every view of the stack closed
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> message
    failed: str = ""  # what Slack tells the member when the app's answer was not right


def submit_view(
    standin: SlackStandIn,
    sender: SlackSender,
    user_id: str,
    view: View,
    values: dict[str, Any],
) -> Submitted:
    """Submit ``view`` as ``user_id`` with ``{action_id: value}`` and do what the bot says."""
    answer = sender.view_submission(user_id, view.as_slack(standin.team_id), values)
    if answer.status_code != 200:
        return Submitted(
            view, failed=f"{NOT_ANSWERED} (the app answered HTTP {answer.status_code})"
        )
    raw = answer.content.strip()
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _refused(standin, view, "not_json", ["[ERROR] the acknowledgement is not JSON"])
    action = body.get("response_action")
    if action is None:
        return Submitted(_close(standin, view))
    if action == "errors":
        return _errors(standin, view, body.get("errors"))
    if action in ("update", "push"):
        problems = check_view(body.get("view"))
        if isinstance(body.get("view"), dict) and body["view"].get("type") != "modal":
            problems.append('[ERROR] a modal\'s view must be of type "modal" [json-pointer:/view]')
        if problems:
            return _refused(standin, view, "invalid_arguments", problems)
        if action == "update":
            with standin._changed:
                view.view, view.revision = body["view"], view.revision + 1
            return Submitted(view)
        return _push(standin, view, body["view"])
    if action == "clear":
        for below in _stack(standin, view):
            _close(standin, below)
        return Submitted(None)
    return _refused(
        standin, view, "invalid_response_action", [f"[ERROR] unknown response_action {action!r}"]
    )


def close_view(standin: SlackStandIn, sender: SlackSender, user_id: str, view: View) -> None:
    """The member closes ``view`` (Cancel); the bot hears of it if the view asked."""
    _close(standin, view)
    if view.view.get("notify_on_close"):
        sender.view_closed(user_id, view.as_slack(standin.team_id))


def _close(standin: SlackStandIn, view: View) -> View | None:
    """Close ``view``; the view below it, which shows again, if it was pushed on one."""
    with standin._changed:
        view.closed = True
        standin._changed.notify_all()
    below = [v for v in standin.views if v.view_id == view.previous_view_id and not v.closed]
    return below[0] if below else None


def _stack(standin: SlackStandIn, view: View) -> list[View]:
    """``view`` and every open view below it, top first."""
    stack, current = [], view
    while current is not None:
        stack.append(current)
        current = next(
            (v for v in standin.views if v.view_id == current.previous_view_id and not v.closed),
            None,
        )
    return stack


def _errors(standin: SlackStandIn, view: View, errors: Any) -> Submitted:
    inputs = {b.get("block_id") for b in view.view.get("blocks") or [] if b.get("type") == "input"}
    if not isinstance(errors, dict) or not errors:
        return _refused(standin, view, "invalid_arguments", ["[ERROR] errors must be an object"])
    unknown = sorted(str(key) for key in errors if key not in inputs)
    if unknown:
        problems = [f"[ERROR] errors name no input block of the view: {', '.join(unknown)}"]
        return _refused(standin, view, "invalid_arguments", problems)
    return Submitted(view, errors={str(k): str(v) for k, v in errors.items()})


def _push(standin: SlackStandIn, view: View, new: dict[str, Any]) -> Submitted:
    if len(_stack(standin, view)) >= STACK_MAX:
        problems = [f"[ERROR] a modal's stack holds at most {STACK_MAX} views"]
        return _refused(standin, view, "push_limit_reached", problems)
    pushed = View(
        f"V{next(standin._ids):06d}",
        new,
        "response_action.push",
        user_id=view.user_id,
        previous_view_id=view.view_id,
        root_view_id=view.root_view_id or view.view_id,
    )
    standin._record(pushed, standin.views)
    return Submitted(pushed)


def _refused(standin: SlackStandIn, view: View, error: str, problems: list[str]) -> Submitted:
    standin.protocol_error("view_submission ack", error, problems, {"view_id": view.view_id})
    return Submitted(view, failed=NOT_ANSWERED)

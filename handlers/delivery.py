"""Sending a message that must go out once: claim the key, send, record the outcome; and
which Slack failures a retry can mend.

Used by every scheduled send (reminders, overdue nudges, digests). The key is written
before the send (``storage.deliveries.claim``), so a restart, a retry or a second
scheduler never sends a delivery recorded as sent. See ``storage/deliveries.py`` for
the policy on a send whose outcome is unknown.

What a failed send becomes, decided here once:

- Slack unreachable or failing on its side (:func:`is_outage`: connection errors,
  timeouts, HTTP 5xx and 429, ``internal_error``, ``ratelimited``, …): retried with
  backoff, however long the outage lasts. An error Slack answers that is in neither list
  below is retried too: a reminder is never given up on by guesswork.
- An error no retry mends (:data:`PERMANENT_ERRORS`: the message, the recipient or the
  token is refused), or a message that could not be built: failed for good, logged once;
  ``nudge check`` counts them.
"""

from __future__ import annotations

import http.client
import logging
import uuid
from collections.abc import Callable
from enum import Enum
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.deps import Deps
from handlers.blocks.common import Rendered
from storage import deliveries

__all__ = [
    "settled",
    "post_rendered",
    "Outcome",
    "deliver_once",
    "is_outage",
    "slack_error",
    "PERMANENT_ERRORS",
    "TRANSIENT_ERRORS",
]

log = logging.getLogger(__name__)

# Errors Slack answers that no retry mends, from the error tables of chat.postMessage,
# chat.update and views.* and the errors every Web API method shares
# (https://docs.slack.dev/reference/methods/chat.postMessage#errors).
PERMANENT_ERRORS = frozenset(
    {
        # the message itself
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_attachments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "metadata_must_be_sent_from_app",
        "invalid_arguments",
        "invalid_arg_name",
        "invalid_array_arg",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "missing_post_type",
        # where it was going
        "channel_not_found",
        "duplicate_channel_not_found",
        "not_in_channel",
        "is_archived",
        "messages_tab_disabled",
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "cannot_reply_to_message",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "ekm_access_denied",
        "team_access_not_granted",
        "access_denied",
        # the token and the app
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "enterprise_is_restricted",
        "two_factor_setup_required",
        "as_user_not_supported",
        "deprecated_endpoint",
        "method_deprecated",
        "unknown_method",
    }
)

# Errors Slack answers when the trouble is on its side: worth trying again later.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "message_limit_exceeded",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
        "org_login_required",
    }
)

# What reaching Slack raises when the network or Slack's servers fail us.
_UNREACHABLE = (URLError, ConnectionError, TimeoutError, http.client.HTTPException)


def slack_error(error: BaseException) -> str | None:
    """The error Slack answered (``channel_not_found``), or ``None`` if it did not answer.

    >>> slack_error(ValueError("not from Slack")) is None
    True
    """
    if not isinstance(error, SlackApiError):
        return None
    return error.response.get("error") or str(error.response.status_code)


def is_outage(error: BaseException) -> bool:
    """Slack unreachable, too slow, or failing on its side (HTTP 5xx or 429, or an error
    such as ``internal_error``): what a member is told as "Slack isn't answering".

    A message Slack refused, a missing scope or a block that could not be built is not.

    >>> is_outage(TimeoutError()), is_outage(ValueError("a bug of ours"))
    (True, False)
    """
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        return status >= 500 or status == 429 or slack_error(error) in TRANSIENT_ERRORS
    return isinstance(error, _UNREACHABLE)


class Outcome(Enum):
    """What became of one attempt."""

    SENT = "sent"
    ALREADY = "already"  # sent before, skipped, or being sent right now
    FAILED = "failed"  # will be retried
    SKIPPED = "skipped"  # will never be sent (failed for good)
    STOPPED = "stopped"  # the workspace uninstalled Nudge: nothing is sent, nothing claimed


def deliver_once(
    deps: Deps,
    key: str,
    *,
    team_id: str,
    kind: str,
    recipient: str,
    send: Callable[[], SlackResponse],
) -> Outcome:
    """Send with ``send()`` unless ``key`` was sent already; record what happened.

    Nothing is sent to a workspace that uninstalled Nudge or revoked its token
    (``Outcome.STOPPED``, checked against the database on every send).

    ``send`` may build the message too: an error while building it is an error no retry
    mends, like a message Slack refuses.

    >>> deliver_once(deps, "reminder:12:2026-12-04T09:00", team_id="T1", kind="reminder",
    ...              recipient="U1", send=lambda: client.chat_postMessage(...))  # doctest: +SKIP
    <Outcome.SENT: 'sent'>
    """
    if not deps.may_send(team_id):
        return Outcome.STOPPED
    with deps.db() as db:
        claimed = deliveries.claim(
            db,
            key,
            team_id=team_id,
            kind=kind,
            recipient=recipient,
            holder=deps.instance_id,
            now=deps.now(),
        )
    if not claimed:
        return Outcome.ALREADY
    try:
        answer = send()
    except Exception as error:  # every failure is recorded: none may leave the claim pending
        return _failed(deps, key, error)
    with deps.db() as db:
        deliveries.mark_sent(
            db, key, deps.now(), channel=answer.get("channel"), ts=answer.get("ts")
        )
    return Outcome.SENT


def _failed(deps: Deps, key: str, error: Exception) -> Outcome:
    """Record a failed send: retried later, or (no retry would mend it) failed for good."""
    answered = slack_error(error)
    retry = is_outage(error) or (answered is not None and answered not in PERMANENT_ERRORS)
    with deps.db() as db:
        if retry:
            why = answered or f"unreachable: {type(error).__name__}: {error}"
            retry_at = deliveries.mark_failed(db, key, deps.now(), why, deps.settings.retry_backoff)
        else:
            ref = uuid.uuid4().hex[:8]
            why = answered or f"could not build the message: {type(error).__name__} (ref {ref})"
            deliveries.mark_failed_for_good(db, key, deps.now(), why)
    if retry:
        log.warning("delivery %s failed (%s); retrying at %s", key, why, retry_at)
        return Outcome.FAILED
    if answered:
        log.warning("delivery %s failed for good: Slack answered %s", key, answered)
    else:
        log.error("delivery %s failed for good: %s", key, why, exc_info=error)
    return Outcome.SKIPPED


def settled(deps: Deps, key: str) -> bool:
    """The delivery went out (or never will): the row may move on."""
    with deps.db() as db:
        return key in deliveries.settled(db, [key])


def post_rendered(deps: Deps, team_id: str, channel: str, message: Rendered):
    """Post a rendered message with the workspace's own client (built inside a delivery's
    send, so an error building it is recorded against that delivery alone)."""
    text, blocks_ = message
    return deps.client_for(team_id).chat_postMessage(channel=channel, text=text, blocks=blocks_)

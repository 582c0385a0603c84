"""Sending a message that must go out once: claim the key, send, record the outcome.

Used by every scheduled send (reminders, overdue nudges, digests). The key is written
before the send (``storage.deliveries.claim``), so a restart, a retry or a second
scheduler never sends a delivery recorded as sent. See ``storage/deliveries.py`` for
the policy on a send whose outcome is unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot.deps import Deps
from storage import deliveries

__all__ = ["Outcome", "deliver_once", "PERMANENT_ERRORS"]

log = logging.getLogger(__name__)

# Slack errors that no retry will mend: the delivery is skipped, with the reason kept.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "account_inactive",
        "is_archived",
        "not_in_channel",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)


class Outcome(Enum):
    """What became of one attempt."""

    SENT = "sent"
    ALREADY = "already"  # sent before, skipped, or being sent right now
    FAILED = "failed"  # will be retried
    SKIPPED = "skipped"  # will never be sent


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

    >>> deliver_once(deps, "reminder:12:2026-12-04T09:00", team_id="T1", kind="reminder",
    ...              recipient="U1", send=lambda: client.chat_postMessage(...))  # doctest: +SKIP
    <Outcome.SENT: 'sent'>
    """
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
    except SlackApiError as err:
        error = err.response.get("error") or str(err.response.status_code)
        with deps.db() as db:
            if error in PERMANENT_ERRORS:
                log.warning("delivery %s skipped: Slack answered %s", key, error)
                deliveries.mark_skipped(db, key, deps.now(), error)
                return Outcome.SKIPPED
            retry_at = deliveries.mark_failed(
                db, key, deps.now(), error, deps.settings.retry_backoff
            )
        log.warning("delivery %s failed (%s); retrying at %s", key, error, retry_at)
        return Outcome.FAILED
    except (SlackClientError, OSError) as err:
        with deps.db() as db:
            retry_at = deliveries.mark_failed(
                db, key, deps.now(), f"unreachable: {err}", deps.settings.retry_backoff
            )
        log.warning("delivery %s: Slack unreachable (%s); retrying at %s", key, err, retry_at)
        return Outcome.FAILED
    with deps.db() as db:
        deliveries.mark_sent(
            db, key, deps.now(), channel=answer.get("channel"), ts=answer.get("ts")
        )
    return Outcome.SENT

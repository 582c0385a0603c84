"""Events API deliveries handled once, whoever sends them first.

Slack retries an event it thinks was not acknowledged (``X-Slack-Retry-Num``), so the
same ``event_id`` can arrive more than once. A global Bolt middleware claims each
``event_id`` (with the team) in the database before any listener runs; a delivery
whose id is already claimed is acknowledged and dropped. The retry header is not
consulted: a retry whose original never arrived claims the id and is handled.

A middleware rather than a check in each listener, so events added later (messages,
reactions) are covered too. The claim is recorded when handling starts, so an event
whose handling then fails is not retried by Slack's redelivery; the App Home, the only
event so far, is rebuilt the next time it is opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltResponse

from bot.deps import Deps
from storage import events

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Add the middleware that drops an event already seen."""

    def skip_seen_events(
        body: dict,
        next: Callable[[], None],
        resp: BoltResponse,  # noqa: A002 (Bolt's name)
    ) -> BoltResponse:
        """Claim the event's id; answer 200 without running listeners if it was claimed."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            team_id = body.get("team_id") or deps.team_id
            kind = (body.get("event") or {}).get("type", "")
            with deps.db() as db:
                first = events.claim(db, team_id, event_id, kind, deps.now())
            if not first:
                log.info("event %s (%s) already handled: dropped", event_id, kind)
                return BoltResponse(status=200, body="")
        next()
        return resp

    app.middleware(skip_seen_events)

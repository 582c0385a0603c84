"""Overdue actions: the daily nudge to their owners at 09:00 local (run by
``handlers.nudges.tick``), and its **New due date** button and form.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.actions import check_change
from bot.domain.dates import picked_date
from bot.domain.errors import ParseError, UserError
from bot.domain.nudges import (
    overdue_nudge_due,
)
from bot.domain.text import button_id
from handlers import ids
from handlers.blocks import nudges as blocks
from handlers.blocks.actions import render_action_changed
from handlers.changes import change_action
from handlers.delivery import Outcome, deliver_once, post_rendered
from handlers.listeners import bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, known_zone, member_tz
from storage import actions as action_store
from storage import deliveries, members

__all__ = ["register", "on_new_due_button", "on_due_modal", "send_overdue_nudges"]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Wire the overdue nudge's New due date button and form."""
    app.action(ids.NUDGE_NEW_DUE)(bind(on_new_due_button, deps))
    app.view(ids.NUDGE_DUE_MODAL)(bind(on_due_modal, deps))


# --- overdue actions: New due date ----------------------------------------------------------


def on_new_due_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """ "New due date" on an overdue nudge: a date picker. It opens at once (its trigger
    lasts 3 seconds); then, once Slack has said who is asking, it starts on their today,
    or says why they may not change the action (refused now, not after a date is picked)."""
    ack()
    user_id = body["user"]["id"]
    action_id = button_id(action.get("value", ""), "A", "/action due A12 Friday")
    with deps.db() as db:
        found = action_store.get(db, context.team_id, action_id)

    def checked() -> dict:
        actor = actor_for(deps, client, context.team_id, user_id)
        check_change(found, actor)
        return blocks.render_due_modal(found, deps.now().astimezone(actor.zone).date())

    first = deps.now().astimezone(known_zone(deps, context.team_id, user_id)).date()
    open_modal(client, body["trigger_id"], blocks.render_due_modal(found, first), checked)


def on_due_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The new due date submitted: a past date is a field error; else changed, if allowed."""
    picked = (
        view["state"]["values"]
        .get(ids.NUDGE_DUE_DATE, {})
        .get(ids.NUDGE_DUE_DATE, {})
        .get("selected_date")
    )
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    today = deps.now().astimezone(actor.zone).date()
    try:
        due = picked_date(picked)
    except UserError as err:
        ack(response_action="errors", errors={ids.NUDGE_DUE_DATE: err.message})
        return
    if due is None or due < today:
        ack(response_action="errors", errors={ids.NUDGE_DUE_DATE: "Pick today or a later date."})
        return
    action_id = view_metadata(view).get("action_id")
    if not isinstance(action_id, int) or isinstance(action_id, bool):
        raise ParseError("That form is broken; try `/action due A12 Friday`.")
    after = change_action(
        deps,
        client,
        actor.team_id,
        lambda db: action_store.change(
            db, actor, action_id, "due", deps.now(), detail=due.isoformat(), due=due
        ),
    )
    _, blocks_ = render_action_changed(after, today, "New due date set.")
    answer_in_modal(ack, view, blocks_)


def send_overdue_nudges(deps: Deps, page: int = 5000) -> int:
    """One DM a day, from 09:00 in the owner's time zone, per overdue action.

    It runs every tick, over every overdue action a ``page`` at a time, so it reads each
    page's owners' cached time zones in one query (``users.info`` only for those not
    cached or stale, once each) and passes over the day's nudges already sent in one
    query, instead of a connection and a write transaction per action (about 4 s a tick
    at 100,000 actions).
    """
    now = deps.now()
    zones: dict[tuple[str, str], ZoneInfo] = {}
    sent, after_id = 0, 0
    while True:
        with deps.db() as db:
            candidates = action_store.overdue_everywhere(
                db, (now + timedelta(days=1)).date(), after_id=after_id, limit=page
            )
            cached = members.of_teams(db, {a.team_id for a in candidates})
        due_now = []
        for action in candidates:
            assert action.owner_id is not None and action.due is not None
            owner = (action.team_id, action.owner_id)
            if owner not in zones:
                known = cached.get(owner)
                zones[owner] = ZoneInfo(
                    known.tz
                    if known and known.is_fresh(now)
                    else member_tz(deps, deps.client_for(owner[0]), *owner)
                )
            zone = zones[owner]
            today = now.astimezone(zone).date()
            if action.due >= today or not overdue_nudge_due(now, zone):
                continue
            due_now.append((action, today, f"overdue:{action.id}:{action.owner_id}:{today}"))
        with deps.db() as db:
            done = deliveries.settled(db, [key for _, _, key in due_now])
        for action, today, key in due_now:
            if key in done:
                continue
            outcome = deliver_once(
                deps,
                key,
                team_id=action.team_id,
                kind="overdue",
                recipient=action.owner_id,
                send=lambda a=action, d=today: post_rendered(
                    deps, a.team_id, a.owner_id, blocks.render_overdue_dm(a, d)
                ),
            )
            sent += outcome is Outcome.SENT
            if outcome is Outcome.FAILED:  # Slack is down or refusing: the rest wait a tick
                return sent
        if len(candidates) < page:
            return sent
        after_id = candidates[-1].id

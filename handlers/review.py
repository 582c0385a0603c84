"""``/action review`` and ``/action export``: the steering group's view of every action.

Both are entries in ``handlers.actions._VERBS``; members outside the steering group are
refused and nothing is read or sent.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.actions import ActionCommand
from bot.domain.errors import NotAllowed
from bot.domain.people import Actor
from bot.domain.review import actions_csv
from handlers.blocks import review as blocks
from handlers.blocks.common import Rendered
from storage import review as store

__all__ = ["on_review", "on_export"]


def _require_steering(actor: Actor, verb: str) -> None:
    if not actor.is_steering:
        raise NotAllowed(
            f"`/action {verb}` is for the steering group. You can see your own "
            "actions and any workstream's.",
            example="/action list #inclusion",
        )


def on_review(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    """Open actions by workstream; overdue, due this week, stale, without owner or due date."""
    _require_steering(actor, "review")
    now = deps.now()
    with deps.db() as db:
        summary = store.review_summary(db, actor.team_id, now.astimezone(actor.zone).date(), now)
    return blocks.render_review(summary)


def on_export(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    """A CSV of every action with its history fields, uploaded to the caller by DM."""
    _require_steering(actor, "export")
    now = deps.now()
    with deps.db() as db:
        rows = store.export_rows(db, actor.team_id)
    content = actions_csv(rows, deps.settings.tz)
    filename = f"nudge-actions-{now.astimezone(deps.settings.tz):%Y-%m-%d}.csv"
    channel = client.conversations_open(users=actor.user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        content=content,
        filename=filename,
        title=f"Tracked actions ({len(rows):,})",
        initial_comment="Every tracked action with its history fields.",
    )
    return blocks.render_export_done(len(rows), filename)

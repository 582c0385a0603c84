"""``/action review``, ``/action review settings`` and ``/action export``: the steering
group's view of every action, and the review posted to a channel every Monday.

The verbs are entries in ``handlers.actions._VERBS``; members outside the steering group
are refused and nothing is read, stored or sent. The Monday post is a weekly channel post
(``handlers.weekly``): Monday 09:00 in the network's zone, once per week and channel
(key ``review:{team}:{channel}:{week}``), caught up at start-up while its week lasts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.actions import ActionCommand
from bot.domain.errors import NotAllowed
from bot.domain.people import Actor
from bot.domain.review import actions_csv
from bot.domain.weekly import MONDAY_9AM, WeekPlan
from handlers import weekly
from handlers.blocks import review as blocks
from handlers.blocks.common import Rendered
from handlers.delivery import Outcome
from storage import review as store
from storage import weekly_posts

__all__ = [
    "on_review",
    "on_review_settings",
    "on_export",
    "register_jobs",
    "run_review_post",
    "REVIEW_POST",
    "REVIEW_JOB",
    "REVIEW_CATCHUP_JOB",
]

log = logging.getLogger(__name__)

REVIEW_JOB = "review_post"
REVIEW_CATCHUP_JOB = "review_post_catchup"


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


def on_review_settings(
    parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps
) -> Rendered:
    """``/action review settings [channel #c]``: show, or set, where the Monday review goes."""
    _require_steering(actor, "review settings")
    with deps.db() as db:
        if parsed.channel:
            settings = weekly_posts.save_channel(
                db, actor.team_id, "review", parsed.channel, actor.user_id, deps.now()
            )
        else:
            settings = weekly_posts.settings_for(db, actor.team_id, "review")
    note = "Saved. " if parsed.channel else ""
    return blocks.render_review_settings(settings.channel, deps.settings.timezone, note)


def _targets(deps: Deps) -> list[weekly.Target]:
    with deps.db() as db:
        settings = weekly_posts.settings_for(db, deps.team_id, "review")
    if not settings.channel:
        return []
    channel = settings.channel
    return [weekly.Target(channel, channel, "the steering review", since=settings.updated_at)]


def _publish(
    deps: Deps, target: weekly.Target, plan: WeekPlan, key: str, keep_going: Callable[[], bool]
) -> Outcome:
    now = deps.now()
    with deps.db() as db:
        summary = store.review_summary(
            db, deps.team_id, now.astimezone(deps.settings.tz).date(), now
        )
    return weekly.post_messages(
        deps, key, target.channel, [blocks.render_review_post(summary)], kind="review"
    )


REVIEW_POST = weekly.WeeklyPost(
    kind="review",
    job_id=REVIEW_JOB,
    catchup_job_id=REVIEW_CATCHUP_JOB,
    schedule=lambda deps: MONDAY_9AM,
    targets=_targets,
    publish=_publish,
    logger=log,
)


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The Monday review's weekly job and its catch-up job."""
    weekly.register_post(scheduler, deps, REVIEW_POST)


def run_review_post(deps: Deps, keep_going: Callable[[], bool] = lambda: True) -> None:
    """Post this week's review to its channel if it is due and not posted (what the jobs run)."""
    weekly.run_post(deps, REVIEW_POST, keep_going)


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

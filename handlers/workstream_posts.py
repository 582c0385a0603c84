"""Each workstream's Monday post in its own channel: the week's new, done and overdue
actions, and how many are open.

The third weekly channel post (``handlers.weekly``): every Monday at 09:00 in the network's
zone, one post per live workstream that has a channel, under the key
``workstream:{team}:{tag}:{week}`` (``bot.domain.workstreams.post_key``: once per week
across restarts and processes), caught up at start-up while the week lasts, paced
between channels. A workstream without a channel, or archived, gets none; a quiet one
(nothing new, done or open) gets none either, recorded as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler

from bot.deps import Deps
from bot.domain.digest import period_ending
from bot.domain.weekly import WeekPlan
from bot.domain.workstreams import MONDAY_POST, Workstream
from handlers import weekly
from handlers.blocks.workstreams import render_workstream_post
from handlers.delivery import Outcome
from storage import workstreams as store

__all__ = ["register_jobs", "run_workstream_posts", "WORKSTREAM_POSTS", "JOB", "CATCHUP_JOB"]

log = logging.getLogger(__name__)

JOB = "workstream_posts"
CATCHUP_JOB = "workstream_posts_catchup"


def _targets(deps: Deps) -> list[weekly.Target]:
    with deps.db() as db:
        found = [w for w in store.with_channels(db) if w.team_id == deps.team_id]
    return [
        weekly.Target(w.tag, w.channel_id, f"the #{w.tag} post", w, w.created_at)
        for w in found
        if w.channel_id
    ]


def _publish(
    deps: Deps, target: weekly.Target, plan: WeekPlan, key: str, keep_going: Callable[[], bool]
) -> Outcome:
    workstream = target.subject
    assert isinstance(workstream, Workstream)
    tz = deps.settings.tz
    start, end = period_ending(plan.due, tz)
    with deps.db() as db:
        week = store.week(db, workstream, start, end, deps.now().astimezone(tz).date())
    if week.quiet:
        weekly.skip_once(deps, key, WORKSTREAM_POSTS.kind, target.channel, "a quiet week")
        return Outcome.ALREADY
    return weekly.post_messages(
        deps, key, target.channel, [render_workstream_post(week)], kind=WORKSTREAM_POSTS.kind
    )


WORKSTREAM_POSTS = weekly.WeeklyPost(
    kind="workstream",
    job_id=JOB,
    catchup_job_id=CATCHUP_JOB,
    schedule=lambda deps: MONDAY_POST,
    targets=_targets,
    publish=_publish,
    logger=log,
)


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The workstreams' Monday job and its catch-up job."""
    weekly.register_post(scheduler, deps, WORKSTREAM_POSTS)


def run_workstream_posts(
    deps: Deps, keep_going: Callable[[], bool] = lambda: True, pace: float | None = None
) -> dict[Outcome, int]:
    """Post this week's post to each workstream's channel if due and not posted."""
    return weekly.run_post(deps, WORKSTREAM_POSTS, keep_going, pace)

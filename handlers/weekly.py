"""Once-a-week channel posts: the one mechanism behind the digest, the steering group's
Monday review and each workstream's Monday post.

A feature describes its post as a :class:`WeeklyPost` (when, to which channels, how to
post one) and calls :func:`register_post` from its ``register_jobs``. The mechanism gives
every such post the same guarantees:

- **Schedule sync.** A job (``post.job_id``) fires at the weekday and local time of
  ``post.schedule`` (a ``CronTrigger`` in the network's zone); it is rescheduled when the
  schedule changes (settings saved in any process), checked every minute.
- **Catch-up and skip.** A second job (``post.catchup_job_id``) runs at start-up and every
  minute: a post missed while the bot was down is posted if its week has not ended; last
  week's, never posted, is recorded as skipped and logged (``bot.domain.weekly.plan_week``).
  A target that came to be after this week's was due (a channel set on Tuesday for a
  Monday post: ``Target.since``) missed nothing and starts next week. Failed sends are
  retried after their backoff.
- **Once per week.** Every message has a delivery key written before it is sent
  (``{kind}:{team}:{target}:{week}``, thread replies ``…:part{n}``;
  ``handlers.delivery.deliver_once``): a restart, a retry or a second process never posts
  twice.
- **Pacing.** Several targets (channels) or recipients are sent to one after another,
  ``pace`` seconds a message apart, and a run stops between two when the scheduler stops
  (shutdown, lease lost); the next run resumes with those not yet served.
"""

from __future__ import annotations

import logging
import threading
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler

from bot.deps import Deps, utcnow
from bot.domain.weekly import WeeklySchedule, WeekPlan, plan_week, weekly_key, weekly_trigger
from handlers.blocks.common import Rendered
from handlers.delivery import Outcome, deliver_once
from storage import deliveries

__all__ = [
    "Target",
    "WeeklyPost",
    "register_post",
    "sync_schedule",
    "run_post",
    "post_messages",
    "paced",
    "skip_once",
    "keep_going_while",
    "CHANNEL_INTERVAL",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds between two messages of one run. chat.postMessage allows about one a second per
# channel and several hundred a minute in all; 429 answers are retried after Retry-After
# by the client's RateLimitErrorRetryHandler.
CHANNEL_INTERVAL = 0.25


@dataclass(frozen=True)
class Target:
    """Where one of a week's posts goes: ``name`` is what its delivery key names (the
    channel, or a workstream's tag), ``label`` what a log line calls it."""

    name: str
    channel: str
    label: str
    subject: object = None  # what the feature needs to render it (a workstream, say)
    since: datetime | None = None  # when it came to be: no week before it is "missed"


@dataclass(frozen=True)
class WeeklyPost:
    """One kind of weekly channel post.

    - ``kind``: the deliveries' kind and the keys' prefix (``digest``).
    - ``schedule(deps)``: when it goes out (settings may change it).
    - ``targets(deps)``: where it goes this week (``[]``: nowhere, nothing posted).
    - ``publish(deps, target, plan, key, keep_going)``: post it once under ``key``.
    - ``begun(deps, week)``: it was begun ahead of its time (``/digest post``), so a run
      before it is due finishes it (the digest's DMs).
    - ``pace``: seconds between two targets' posts.
    """

    kind: str
    job_id: str
    catchup_job_id: str
    schedule: Callable[[Deps], WeeklySchedule]
    targets: Callable[[Deps], list[Target]]
    publish: Callable[[Deps, Target, WeekPlan, str, Callable[[], bool]], Outcome]
    begun: Callable[[Deps, str], bool] = lambda deps, week: False
    logger: logging.Logger = field(default=log)
    pace: float = CHANNEL_INTERVAL


def keep_going_while(scheduler: BaseScheduler) -> Callable[[], bool]:
    """While the scheduler runs (it pauses when the lease is lost, stops at shutdown)."""
    return lambda: scheduler.state == STATE_RUNNING


def register_post(scheduler: BaseScheduler, deps: Deps, post: WeeklyPost) -> None:
    """The post's weekly job and its catch-up job (at start-up, then each minute).

    Installed by many workspaces (``deps.workspaces``), each has its own schedule and
    zone: the catch-up job alone posts each one's within the minute it is due, team by
    team, each with its own token and its own keys.
    """
    if deps.workspaces is None:
        sync_schedule(scheduler, deps, post)
    scheduler.add_job(
        _catch_up,
        "interval",
        minutes=1,
        id=post.catchup_job_id,
        replace_existing=True,
        next_run_time=utcnow(),
        misfire_grace_time=None,
        kwargs={"deps": deps, "scheduler": scheduler, "post": post},
    )


def sync_schedule(scheduler: BaseScheduler, deps: Deps, post: WeeklyPost) -> None:
    """(Re)schedule the post's weekly job from its effective schedule, if it changed."""
    trigger = weekly_trigger(post.schedule(deps), deps.settings.tz)
    job = scheduler.get_job(post.job_id)
    if job is not None and str(job.trigger) == str(trigger):
        return
    scheduler.add_job(
        run_post,
        trigger,
        id=post.job_id,
        replace_existing=True,
        misfire_grace_time=None,
        kwargs={"deps": deps, "post": post, "keep_going": keep_going_while(scheduler)},
    )
    if job is not None:
        post.logger.info("%s rescheduled: %s", post.kind, trigger)


def _catch_up(deps: Deps, scheduler: BaseScheduler, post: WeeklyPost) -> None:
    # Rescheduling touches the scheduler's job-store lock, which APScheduler 3 holds in
    # shutdown(wait=True) while it waits for running jobs: done from this job's own thread,
    # a stop during it would deadlock. A helper thread may wait; the job never does.
    if scheduler.state == STATE_RUNNING and deps.workspaces is None:
        threading.Thread(
            target=sync_schedule,
            args=(scheduler, deps, post),
            name=f"{post.kind}-schedule",
            daemon=True,
        ).start()
    for team in deps.teams():  # just this one, run for one workspace
        try:
            run_post(team, post, keep_going_while(scheduler))
        except Exception:  # one workspace's failure must not hold the others' posts back
            if deps.workspaces is None:
                raise
            post.logger.exception(
                "%s of workspace %s failed; tried again in a minute", post.kind, team.team_id
            )


def run_post(
    deps: Deps,
    post: WeeklyPost,
    keep_going: Callable[[], bool] = lambda: True,
    pace: float | None = None,
) -> dict[Outcome, int]:
    """Post this week's post to each target if it is due and not posted; skip last week's
    if it was never posted (logged). Returns how the targets fared."""
    targets = post.targets(deps)
    if not targets:
        return dict.fromkeys(Outcome, 0)
    now, schedule, tz = deps.now(), post.schedule(deps), deps.settings.tz
    plan = plan_week(now, schedule, tz)
    if not plan.post:  # not due yet, unless begun by hand ahead of time
        plan = plan_week(now, schedule, tz, begun=post.begun(deps, plan.week))
    for target in targets:
        _skip_last_week(deps, post, target, plan)
    # A target that came to be after this week's post was due missed nothing: its first
    # post is next week's.
    targets = [t for t in targets if t.since is None or t.since <= plan.due]
    if not plan.post or not targets:
        return dict.fromkeys(Outcome, 0)

    def publish(target: Target) -> Outcome:
        key = weekly_key(post.kind, deps.team_id, target.name, plan.week)
        return post.publish(deps, target, plan, key, keep_going)

    return paced(
        targets,
        publish,
        pace=post.pace if pace is None else pace,
        keep_going=keep_going,
        what=f"{post.kind} {plan.week}",
        logger=post.logger,
    )


def _skip_last_week(deps: Deps, post: WeeklyPost, target: Target, plan: WeekPlan) -> None:
    """Last week's post to ``target``, never posted, is not posted now that its week ended."""
    if target.since is not None and target.since > plan.due - timedelta(days=7):
        return  # it did not exist when last week's was due
    key = weekly_key(post.kind, deps.team_id, target.name, plan.skip)
    with deps.db() as db:
        if deliveries.get(db, key):
            return
    if post.begun(deps, plan.skip):
        return
    if skip_once(deps, key, post.kind, target.channel, "missed: its week had ended"):
        post.logger.warning(
            "%s for %s was not posted (the bot was not running, or had no "
            "channel for it, when it was due) and its week has ended: skipped",
            target.label,
            plan.skip,
        )


def skip_once(deps: Deps, key: str, kind: str, recipient: str, reason: str) -> bool:
    """Record ``key`` as decided against (never to be sent); ``False`` if it was sent or
    decided already."""
    with deps.db() as db:
        if not deliveries.claim(
            db,
            key,
            team_id=deps.team_id,
            kind=kind,
            recipient=recipient,
            holder=deps.instance_id,
            now=deps.now(),
        ):
            return False
        deliveries.mark_skipped(db, key, deps.now(), reason)
    return True


def paced(
    items: Iterable[T],
    send: Callable[[T], Outcome],
    *,
    pace: float,
    keep_going: Callable[[], bool] = lambda: True,
    what: str = "weekly post",
    logger: logging.Logger = log,
) -> dict[Outcome, int]:
    """``send(item)`` for each item, ``pace`` seconds apart (an item already sent costs no
    wait); stops between two when ``keep_going()`` turns false. Returns the outcomes."""
    counts = dict.fromkeys(Outcome, 0)
    next_at = clock.monotonic()
    for item in items:
        if not keep_going():
            logger.info("%s paused; it resumes on the next run", what)
            break
        wait = next_at - clock.monotonic()
        if wait > 0:
            clock.sleep(wait)
        outcome = send(item)
        counts[outcome] += 1
        if outcome is not Outcome.ALREADY:
            next_at = clock.monotonic() + pace
    return counts


def post_messages(
    deps: Deps, key: str, channel: str, messages: list[Rendered], *, kind: str
) -> Outcome:
    """Post a headline and its thread replies (``…:part{n}``), each once; stop at the first
    failure."""
    (text, blocks_), *replies = messages
    outcome = deliver_once(
        deps,
        key,
        team_id=deps.team_id,
        kind=kind,
        recipient=channel,
        send=lambda: deps.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks_, unfurl_links=False, unfurl_media=False
        ),
    )
    with deps.db() as db:
        head = deliveries.get(db, key)
    if head is None or head.status != "sent":
        return outcome
    for number, (text_, blocks__) in enumerate(replies, 1):
        part = deliver_once(
            deps,
            f"{key}:part{number}",
            team_id=deps.team_id,
            kind=kind,
            recipient=channel,
            send=lambda t=text_, b=blocks__: deps.client.chat_postMessage(
                channel=head.channel or channel,
                thread_ts=head.ts,
                text=t,
                blocks=b,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        if part is Outcome.FAILED:
            return part
        outcome = Outcome.SENT if part is Outcome.SENT else outcome
    return outcome

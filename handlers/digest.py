"""``/digest`` and the weekly digest: posted once per week and channel, DMs paced.

The digest is the first of the weekly channel posts of ``handlers.weekly`` (schedule
sync, catch-up and skip, once-per-week keys, pacing): its channel post has the key
``digest:{team}:{channel}:{week}``, its thread replies ``…:part{n}``. What it adds is a
copy to each subscriber, ``digest:{team}:{week}:dm:{user}``, so a fan-out stopped
half-way resumes with the members not yet served.

Two jobs, both running :func:`run_digest`: ``digest`` fires at the configured weekday and
time (a ``CronTrigger`` in the network's time zone); ``digest_catchup`` runs at start-up
and every minute, so a digest missed while the bot was down is posted if its week has not
ended, failed sends are retried after their backoff, an interrupted fan-out resumes, and
settings changed with ``/digest settings`` (in any process) reschedule ``digest``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.digest import DigestCommand, build_digest, parse_digest_command, period_ending
from bot.domain.errors import NotAllowed, UserError
from bot.domain.people import Actor
from bot.domain.weekly import WeeklySchedule, WeekPlan, iso_week, weekly_key
from handlers import weekly
from handlers.blocks import digest as blocks
from handlers.blocks.common import Rendered, render_text
from handlers.commands import Verb, run_command
from handlers.delivery import Outcome
from handlers.listeners import bind
from handlers.people import actor_for
from storage import deliveries
from storage import digest as store

__all__ = [
    "register",
    "register_jobs",
    "on_digest_command",
    "run_digest",
    "publish_week",
    "fan_out",
    "sync_schedule",
    "DIGEST_POST",
    "DIGEST_JOB",
    "CATCHUP_JOB",
    "DM_INTERVAL",
]

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
CATCHUP_JOB = "digest_catchup"
# Seconds between subscribers' copies: 4 a second. chat.postMessage allows about one a
# second per channel (each DM is its own channel) and several hundred a minute in all;
# 429 answers are retried after Retry-After by the client's RateLimitErrorRetryHandler.
DM_INTERVAL = 0.25
PREVIEW_MESSAGES = 5  # Slack accepts five posts to one response URL

post_messages = weekly.post_messages
_keep_going = weekly.keep_going_while


def _default_settings(deps: Deps) -> store.DigestSettings:
    """The digest's settings from the environment, before any stored by ``/digest settings``."""
    return store.DigestSettings(deps.settings.digest_channel, deps.settings.digest_schedule)


def _settings_now(deps: Deps) -> store.DigestSettings:
    with deps.db() as db:
        return store.settings_for(db, deps.team_id, _default_settings(deps))


def _schedule(deps: Deps) -> WeeklySchedule:
    return _settings_now(deps).schedule


def _targets(deps: Deps) -> list[weekly.Target]:
    channel = _settings_now(deps).channel
    return [weekly.Target(channel, channel, "digest")] if channel else []


def _begun(deps: Deps, week: str) -> bool:
    """Posted by hand (``/digest post``) ahead of its time: its DMs are still to be sent."""
    with deps.db() as db:
        return store.has_edition(db, deps.team_id, week)


def _publish(
    deps: Deps,
    target: weekly.Target,
    plan: WeekPlan,
    key: str,
    keep_going: Callable[[], bool],
    pace: float = DM_INTERVAL,
) -> Outcome:
    start, end = period_ending(plan.due, deps.settings.tz)
    return publish_week(
        deps, target.channel, plan.week, start, end, keep_going=keep_going, pace=pace
    )


DIGEST_POST = weekly.WeeklyPost(
    kind="digest",
    job_id=DIGEST_JOB,
    catchup_job_id=CATCHUP_JOB,
    schedule=_schedule,
    targets=_targets,
    publish=_publish,
    begun=_begun,
    logger=log,
)


def register(app: App, deps: Deps) -> None:
    """Wire ``/digest``."""
    app.command("/digest")(bind(on_digest_command, deps))


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The weekly ``digest`` job and the ``digest_catchup`` job (at start-up, then each minute)."""
    weekly.register_post(scheduler, deps, DIGEST_POST)


def sync_schedule(scheduler: BaseScheduler, deps: Deps) -> None:
    """(Re)schedule the ``digest`` job from the effective settings, if they changed."""
    weekly.sync_schedule(scheduler, deps, DIGEST_POST)


def run_digest(
    deps: Deps, keep_going: Callable[[], bool] = lambda: True, pace: float = DM_INTERVAL
) -> None:
    """Post this week's digest if it is due and not posted; resume its DMs; skip a missed
    one whose week has ended (logged)."""
    post = (
        DIGEST_POST
        if pace == DM_INTERVAL
        else replace(DIGEST_POST, publish=partial(_publish, pace=pace))
    )
    weekly.run_post(deps, post, keep_going)


def _messages(deps: Deps, start: datetime, end: datetime, *, preview: bool = False):
    with deps.db() as db:
        week = store.week_data(db, deps.team_id, start, end, deps.settings.timezone)
    return blocks.render_digest_messages(build_digest(week), preview=preview)


def publish_week(
    deps: Deps,
    channel: str,
    week: str,
    start: datetime,
    end: datetime,
    *,
    keep_going: Callable[[], bool] = lambda: True,
    pace: float = DM_INTERVAL,
    dms: bool = True,
) -> Outcome:
    """Post ``week``'s digest to ``channel`` once, then (``dms``) a copy to each subscriber.

    The first call for a week fixes its period (``storage.digest.edition``), so a resumed
    fan-out sends everyone the same digest.
    """
    with deps.db() as db:
        start, end = store.edition(db, deps.team_id, week, start, end, deps.now())
        subscribers = store.subscribers(db, deps.team_id)
    messages = _messages(deps, start, end)
    outcome = post_messages(
        deps, weekly_key("digest", deps.team_id, channel, week), channel, messages, kind="digest"
    )
    if dms:
        fan_out(deps, week, messages, subscribers, keep_going=keep_going, pace=pace)
    return outcome


def fan_out(
    deps: Deps,
    week: str,
    messages: list[Rendered],
    subscribers: list[str],
    *,
    keep_going: Callable[[], bool] = lambda: True,
    pace: float = DM_INTERVAL,
) -> dict[Outcome, int]:
    """A copy of the digest to each subscriber by DM, paced ``pace`` seconds a message.

    Stops between members when ``keep_going()`` turns false (shutdown, lease lost); the
    next run resumes with those not yet served. Returns how each member fared.
    """
    counts = weekly.paced(
        subscribers,
        lambda user: post_messages(
            deps, f"digest:{deps.team_id}:{week}:dm:{user}", user, messages, kind="digest_dm"
        ),
        pace=pace * len(messages),
        keep_going=keep_going,
        what=f"digest fan-out for {week}",
        logger=log,
    )
    if counts[Outcome.SENT] or counts[Outcome.FAILED]:
        log.info("digest %s by DM: %s", week, {o.value: n for o, n in counts.items() if n})
    return counts


# --- /digest -----------------------------------------------------------------------------


def on_digest_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/digest …``: ack, read, do, reply ephemerally (a preview may take several messages)."""
    ack()
    parsed = parse_digest_command(command.get("text", ""))
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    run_command(_VERBS, parsed, actor, client, deps, respond)


def _require_steering(actor: Actor, what: str) -> None:
    if not actor.is_steering:
        raise NotAllowed(
            f"Only the steering group can {what}. Ask one of them, or use `/digest` to preview it.",
            example="/digest subscribe",
        )


def _preview(parsed: DigestCommand, actor: Actor, client: WebClient, deps: Deps) -> list[Rendered]:
    start, end = period_ending(deps.now(), deps.settings.tz)
    messages = _messages(deps, start, end, preview=True)
    if len(messages) > PREVIEW_MESSAGES:
        rest = len(messages) - (PREVIEW_MESSAGES - 1)
        messages = [
            *messages[: PREVIEW_MESSAGES - 1],
            render_text(f"…and {rest} more parts, left out of this preview."),
        ]
    return messages


def _subscribe(
    parsed: DigestCommand, actor: Actor, client: WebClient, deps: Deps
) -> list[Rendered]:
    with deps.db() as db:
        if parsed.verb == "subscribe":
            new = store.subscribe(db, actor.team_id, actor.user_id, deps.now())
            text = (
                "Subscribed: you'll get the weekly digest by DM. `/digest unsubscribe` stops it."
                if new
                else "You're already subscribed."
            )
        else:
            gone = store.unsubscribe(db, actor.team_id, actor.user_id)
            text = (
                "Unsubscribed: no more digest DMs."
                if gone
                else "You weren't subscribed. `/digest subscribe` to get it by DM."
            )
    return [render_text(text)]


def _post(parsed: DigestCommand, actor: Actor, client: WebClient, deps: Deps) -> list[Rendered]:
    _require_steering(actor, "post the digest")
    now, tz = deps.now(), deps.settings.tz
    with deps.db() as db:
        settings = store.settings_for(db, deps.team_id, _default_settings(deps))
    if not settings.channel:
        raise UserError(
            "There's no digest channel yet.", example="/digest settings channel #network-news"
        )
    week = iso_week(now, tz)
    key = weekly_key("digest", deps.team_id, settings.channel, week)
    with deps.db() as db:
        posted = deliveries.get(db, key)
    start, end = period_ending(now, tz)
    if posted is None:
        # The week's own digest: subscribers' copies follow from the scheduler (paced).
        outcome = publish_week(deps, settings.channel, week, start, end, dms=False)
        note = (
            " Subscribers get their copy by DM within a minute or two; the scheduled "
            "digest skips this week."
        )
    else:
        again = f"{key}:again:{now.isoformat()}"
        outcome = post_messages(
            deps, again, settings.channel, _messages(deps, start, end), kind="digest_again"
        )
        note = " (This week's digest was posted already; this is an extra one.)"
        if outcome is Outcome.FAILED:
            with deps.db() as db:
                deliveries.mark_skipped(db, again, deps.now(), "posted by hand; not retried")
    if outcome in (Outcome.SENT, Outcome.ALREADY):
        return [render_text(f"Posted the digest to <#{settings.channel}>.{note}")]
    if outcome is Outcome.SKIPPED:
        raise UserError(
            f"Slack refused the post to <#{settings.channel}>: is the channel "
            "right, and is Nudge in it?",
            example="/digest settings channel #news",
        )
    return [
        render_text(
            ":hourglass: Slack didn't take the post just now. "
            + ("I'll retry it in a minute." if posted is None else "Please try again in a minute.")
        )
    ]


def _settings(parsed: DigestCommand, actor: Actor, client: WebClient, deps: Deps) -> list[Rendered]:
    _require_steering(actor, "change the digest settings")
    changed = any((parsed.channel, parsed.weekday, parsed.at))
    with deps.db() as db:
        if changed:
            store.save_settings(
                db,
                actor.team_id,
                actor.user_id,
                deps.now(),
                channel=parsed.channel,
                weekday=parsed.weekday,
                at=parsed.at,
            )
        settings = store.settings_for(db, actor.team_id, _default_settings(deps))
        count = len(store.subscribers(db, actor.team_id))
    note = "Saved. " if changed else ""
    return [
        blocks.render_digest_settings(
            settings.channel,
            settings.schedule,
            deps.settings.timezone,
            settings.from_database,
            count,
            note,
        )
    ]


def _help(parsed: DigestCommand, actor: Actor, client: WebClient, deps: Deps) -> list[Rendered]:
    return [blocks.render_digest_help()]


_VERBS: dict[str, Verb] = {
    "preview": _preview,
    "subscribe": _subscribe,
    "unsubscribe": _subscribe,
    "post": _post,
    "settings": _settings,
    "help": _help,
}

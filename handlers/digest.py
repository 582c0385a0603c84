"""``/digest`` and the weekly digest job: posted once per week and channel, DMs paced.

Every message of a digest has a delivery key written before it is sent
(``handlers.delivery.deliver_once``): the channel post ``digest:{team}:{channel}:{week}``,
its thread replies ``…:part{n}``, and each subscriber's copy
``digest:{team}:{week}:dm:{user}``. A restart, a retry or a second scheduler therefore
never posts twice, and a fan-out stopped half-way resumes with the members not yet served.

Two jobs, both running :func:`run_digest`: ``digest`` fires at the configured weekday and
time (a ``CronTrigger`` in the network's time zone); ``digest_catchup`` runs at start-up
and every minute, so a digest missed while the bot was down is posted if its week has not
ended, failed sends are retried after their backoff, an interrupted fan-out resumes, and
settings changed with ``/digest settings`` (in any process) reschedule ``digest``.
"""

from __future__ import annotations

import logging
import threading
import time as clock
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler
from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps, utcnow
from bot.domain.digest import DigestCommand, build_digest, parse_digest_command, period_ending
from bot.domain.errors import NotAllowed, UserError
from bot.domain.people import Actor
from bot.domain.weekly import iso_week, scheduled_in_week, weekly_trigger
from handlers.blocks import digest as blocks
from handlers.blocks.common import Rendered, render_text
from handlers.delivery import Outcome, deliver_once
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


def _default_settings(deps: Deps) -> store.DigestSettings:
    """The digest's settings from the environment, before any stored by ``/digest settings``."""
    return store.DigestSettings(deps.settings.digest_channel, deps.settings.digest_schedule)


def register(app: App, deps: Deps) -> None:
    """Wire ``/digest``."""
    app.command("/digest")(bind(on_digest_command, deps))


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The weekly ``digest`` job and the ``digest_catchup`` job (at start-up, then each minute).

    Installed by many workspaces, each has its own schedule: the ``digest_catchup`` job
    posts each one's within the minute it is due, team by team, with its own token.
    """
    if deps.workspaces is None:
        sync_schedule(scheduler, deps)
    scheduler.add_job(
        _catch_up,
        "interval",
        minutes=1,
        id=CATCHUP_JOB,
        replace_existing=True,
        next_run_time=utcnow(),
        misfire_grace_time=None,
        kwargs={"deps": deps, "scheduler": scheduler},
    )


def _keep_going(scheduler: BaseScheduler) -> Callable[[], bool]:
    """While the scheduler runs (it pauses when the lease is lost, stops at shutdown)."""
    return lambda: scheduler.state == STATE_RUNNING


def sync_schedule(scheduler: BaseScheduler, deps: Deps) -> None:
    """(Re)schedule the ``digest`` job from the effective settings, if they changed."""
    with deps.db() as db:
        settings = store.settings_for(db, deps.team_id, _default_settings(deps))
    trigger = weekly_trigger(settings.schedule, deps.settings.tz)
    job = scheduler.get_job(DIGEST_JOB)
    if job is not None and str(job.trigger) == str(trigger):
        return
    scheduler.add_job(
        run_digest,
        trigger,
        id=DIGEST_JOB,
        replace_existing=True,
        misfire_grace_time=None,
        kwargs={"deps": deps, "keep_going": _keep_going(scheduler)},
    )
    if job is not None:
        log.info("digest rescheduled: %s", trigger)


def _catch_up(deps: Deps, scheduler: BaseScheduler) -> None:
    # Rescheduling touches the scheduler's job-store lock, which APScheduler 3 holds in
    # shutdown(wait=True) while it waits for running jobs: done from this job's own thread,
    # a stop during it would deadlock. A helper thread may wait; the job never does.
    if scheduler.state == STATE_RUNNING and deps.workspaces is None:
        threading.Thread(
            target=sync_schedule, args=(scheduler, deps), name="digest-schedule", daemon=True
        ).start()
    for team in deps.teams():
        try:
            run_digest(team, _keep_going(scheduler))
        except Exception:  # one workspace's failure must not keep the others' digests back
            log.exception("digest of workspace %s failed; tried again in a minute", team.team_id)


def run_digest(
    deps: Deps, keep_going: Callable[[], bool] = lambda: True, pace: float = DM_INTERVAL
) -> None:
    """Post this week's digest if it is due and not posted; resume its DMs; skip a missed
    one whose week has ended (logged)."""
    now, tz = deps.now(), deps.settings.tz
    with deps.db() as db:
        settings = store.settings_for(db, deps.team_id, _default_settings(deps))
    if not settings.channel:
        return
    due = scheduled_in_week(now, settings.schedule, tz)
    week = iso_week(due, tz)
    _skip_last_week(deps, settings.channel, due)
    if now < due:
        with deps.db() as db:
            if not store.has_edition(db, deps.team_id, week):
                return  # not due yet; nothing posted this week by hand either
    start, end = period_ending(due, tz)
    publish_week(deps, settings.channel, week, start, end, keep_going=keep_going, pace=pace)


def _skip_last_week(deps: Deps, channel: str, due: datetime) -> None:
    """Last week's digest, never posted, is not posted now that its week has ended."""
    tz = deps.settings.tz
    last = iso_week(due - timedelta(days=7), tz)
    key = f"digest:{deps.team_id}:{channel}:{last}"
    with deps.db() as db:
        if deliveries.get(db, key) or store.has_edition(db, deps.team_id, last):
            return
        if deliveries.claim(
            db,
            key,
            team_id=deps.team_id,
            kind="digest",
            recipient=channel,
            holder=deps.instance_id,
            now=deps.now(),
        ):
            deliveries.mark_skipped(db, key, deps.now(), "missed: its week had ended")
            log.warning(
                "digest for %s was not posted (the bot was not running, or had no "
                "digest channel, when it was due) and its week has ended: skipped",
                last,
            )


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
        deps, f"digest:{deps.team_id}:{channel}:{week}", channel, messages, kind="digest"
    )
    if dms:
        fan_out(deps, week, messages, subscribers, keep_going=keep_going, pace=pace)
    return outcome


def post_messages(
    deps: Deps, key: str, channel: str, messages: list[Rendered], *, kind: str
) -> Outcome:
    """Post a headline and its thread replies, each once; stop at the first failure."""
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
    counts = dict.fromkeys(Outcome, 0)
    next_at = clock.monotonic()
    for user in subscribers:
        if not keep_going():
            log.info("digest fan-out for %s paused; it resumes on the next run", week)
            break
        wait = next_at - clock.monotonic()
        if wait > 0:
            clock.sleep(wait)
        outcome = post_messages(
            deps, f"digest:{deps.team_id}:{week}:dm:{user}", user, messages, kind="digest_dm"
        )
        counts[outcome] += 1
        if outcome is not Outcome.ALREADY:
            next_at = clock.monotonic() + pace * len(messages)
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
    for text, blocks_ in _VERBS[parsed.verb](parsed, actor, deps):
        respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=False)


def _require_steering(actor: Actor, what: str) -> None:
    if not actor.is_steering:
        raise NotAllowed(
            f"Only the steering group can {what}. Ask one of them, or use `/digest` to preview it.",
            example="/digest subscribe",
        )


def _preview(parsed: DigestCommand, actor: Actor, deps: Deps) -> list[Rendered]:
    start, end = period_ending(deps.now(), deps.settings.tz)
    messages = _messages(deps, start, end, preview=True)
    if len(messages) > PREVIEW_MESSAGES:
        rest = len(messages) - (PREVIEW_MESSAGES - 1)
        messages = [
            *messages[: PREVIEW_MESSAGES - 1],
            render_text(f"…and {rest} more parts, left out of this preview."),
        ]
    return messages


def _subscribe(parsed: DigestCommand, actor: Actor, deps: Deps) -> list[Rendered]:
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


def _post(parsed: DigestCommand, actor: Actor, deps: Deps) -> list[Rendered]:
    _require_steering(actor, "post the digest")
    now, tz = deps.now(), deps.settings.tz
    with deps.db() as db:
        settings = store.settings_for(db, deps.team_id, _default_settings(deps))
    if not settings.channel:
        raise UserError(
            "There's no digest channel yet.", example="/digest settings channel #network-news"
        )
    week = iso_week(now, tz)
    key = f"digest:{deps.team_id}:{settings.channel}:{week}"
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


def _settings(parsed: DigestCommand, actor: Actor, deps: Deps) -> list[Rendered]:
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


def _help(parsed: DigestCommand, actor: Actor, deps: Deps) -> list[Rendered]:
    return [blocks.render_digest_help()]


_VERBS: dict[str, Callable[[DigestCommand, Actor, Deps], list[Rendered]]] = {
    "preview": _preview,
    "subscribe": _subscribe,
    "unsubscribe": _subscribe,
    "post": _post,
    "settings": _settings,
    "help": _help,
}

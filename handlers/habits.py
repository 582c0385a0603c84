"""The blogging habit and members' feeds: ``/nudge blog …`` verbs, a feed's registration
(read in a bounded worker after the member has been answered), the habit nudges (run by
``handlers.nudges.tick``) and the feed poll (``nudge:feeds``).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App
from slack_sdk import WebClient

from bot import feed_worker
from bot import feeds as fetcher
from bot.deps import Deps
from bot.domain.nudges import (
    NudgeCommand,
    habit_due_at,
)
from bot.domain.people import Actor
from bot.domain.when import describe_next
from handlers.blocks import nudges as blocks
from handlers.blocks.common import Rendered, render_text
from handlers.delivery import Outcome, deliver_once, post_rendered, settled
from handlers.home import refresh_home
from storage import feeds as feed_store
from storage.codec import encode_time

__all__ = [
    "register",
    "register_jobs",
    "habit_line",
    "blog_every",
    "blog_off",
    "blog_status",
    "blog_feed",
    "check_feed_registration",
    "send_habit_nudges",
    "poll_feeds",
    "FEEDS_JOB",
]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """No listeners of its own: its verbs are ``/nudge``'s."""


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The feed poll."""
    scheduler.add_job(
        poll_feeds,
        "interval",
        minutes=deps.settings.feed_poll_minutes,
        id=FEEDS_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
    )


FEEDS_JOB = "nudge:feeds"


def habit_line(db, actor: Actor, now: datetime) -> str | None:
    habit = feed_store.get_habit(db, actor.team_id, actor.user_id)
    feed = feed_store.get_feed(db, actor.team_id, actor.user_id)
    parts = []
    if habit:
        due = _habit_due(db, habit)
        period = "week" if habit.every_weeks == 1 else f"{habit.every_weeks} weeks"
        parts.append(
            f"*Blogging habit:* every {period}; if you haven't posted or shared a "
            f"reflection by then, a nudge {describe_next(due, actor.zone, now)}."
        )
    if feed:
        parts.append(blocks.render_feed_line(feed.title, feed.url, feed.error))
    return "\n".join(parts) or None


def blog_every(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.weeks is not None
    now = deps.now()
    with deps.db() as db:
        habit = feed_store.set_habit(db, actor.team_id, actor.user_id, parsed.weeks, actor.tz, now)
        due = _habit_due(db, habit)
        has_feed = feed_store.get_feed(db, actor.team_id, actor.user_id) is not None
    period = "week" if parsed.weeks == 1 else f"{parsed.weeks} weeks"
    text = (
        f":writing_hand: OK: every {period}, if you haven't published a post or shared a "
        f"reflection, I'll nudge you. The first would be "
        f"{describe_next(due, actor.zone, now)}."
    )
    if not has_feed:
        text += " Tell me your blog's feed with `/nudge blog feed <url>` so posts count."
    return render_text(text)


def blog_off(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        stopped = feed_store.stop_habit(db, actor.team_id, actor.user_id)
    if stopped:
        return render_text("Blogging nudges stopped.")
    return render_text("You had no blogging nudge. Start one with `/nudge blog every 2 weeks`.")


def blog_status(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        line = habit_line(db, actor, deps.now())
    return render_text(
        line
        or "No blogging habit yet. Start one with `/nudge blog every 2 weeks`"
        " and tell me your feed with `/nudge blog feed <url>`."
    )


def blog_feed(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    """Answer at once; the feed is read in the background and the result sent by DM."""
    fetcher.check_url(parsed.url, deps.settings.allow_private_feeds, resolve=False)
    key = (actor.team_id, actor.user_id)
    if deps.feed_checks.submit(check_feed_registration, deps, actor, parsed.url, key=key):
        return blocks.render_feed_checking(parsed.url)
    return blocks.render_feed_busy(still_yours=deps.feed_checks.is_busy(key))


def _feed_limits(deps: Deps) -> feed_worker.Limits:
    return feed_worker.Limits(deadline=deps.settings.feed_timeout_seconds)


def check_feed_registration(deps: Deps, actor: Actor, url: str) -> None:
    """Read the feed a member gave (in a worker, within the deadline); register it if it
    reads, and tell the member by DM either way. Nothing is stored for a feed refused."""
    result = feed_worker.fetch_in_worker(
        url, allow_private=deps.settings.allow_private_feeds, limits=_feed_limits(deps)
    )
    if result.status != "ok":
        text, blocks_ = blocks.render_feed_refused(url, result.error or "it could not be read")
        deps.client.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks_)
        return
    now = deps.now()
    with deps.db() as db:
        feed = feed_store.save_feed(db, actor.team_id, actor.user_id, url, result.title, now)
        feed_store.record_check(db, feed, now, etag=result.etag, modified=result.modified)
        feed_store.add_posts(db, feed, _entries(result), now)
    latest = max(
        result.entries, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), default=None
    )
    text, blocks_ = blocks.render_feed_registered(result.title, url, latest, actor.zone)
    deps.client.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks_)
    refresh_home(deps, deps.client, actor.team_id, [actor.user_id])


def _habit_due(db, habit: feed_store.Habit) -> datetime:
    last = feed_store.last_activity(db, habit.team_id, habit.user_id)
    return habit_due_at(
        habit.every_weeks,
        ZoneInfo(habit.tz),
        started_at=habit.started_at,
        last_activity=last,
        nudged_at=habit.nudged_at,
    )


def send_habit_nudges(deps: Deps) -> int:
    """Nudge members whose blogging period passed with neither a post nor a shared reflection."""
    now = deps.now()
    with deps.db() as db:
        due = [(h, at) for h in feed_store.habits(db) if (at := _habit_due(db, h)) <= now]
    sent = 0
    for habit, at in due:
        key = f"habit:{habit.team_id}:{habit.user_id}:{encode_time(at)}"
        with deps.db() as db:
            feed = feed_store.get_feed(db, habit.team_id, habit.user_id)
        outcome = deliver_once(
            deps,
            key,
            team_id=habit.team_id,
            kind="habit",
            recipient=habit.user_id,
            send=lambda h=habit, url=feed.url if feed else None: post_rendered(
                deps, h.team_id, h.user_id, blocks.render_habit_nudge(h.every_weeks, url)
            ),
        )
        sent += outcome is Outcome.SENT
        if outcome is Outcome.FAILED:
            break
        if settled(deps, key):
            with deps.db() as db:
                feed_store.mark_nudged(db, habit, now)
    return sent


def _entries(result) -> list[dict]:
    return [
        {"entry_id": e.id, "title": e.title, "link": e.link, "published_at": e.published}
        for e in result.entries
        if e.id
    ]


FEED_POLL_WORKERS = 4


def poll_feeds(deps: Deps) -> int:
    """Fetch every registered feed (conditional GET), ``FEED_POLL_WORKERS`` at a time, each
    within its own deadline and its posts stored as soon as it is read, so one slow feed
    delays no one else's; return how many new posts were found."""
    with deps.db() as db:
        registered = feed_store.feeds(db)
    registered = [feed for feed in registered if deps.may_send(feed.team_id)]  # not departed
    with ThreadPoolExecutor(FEED_POLL_WORKERS, thread_name_prefix="feed-poll") as pool:
        return sum(pool.map(lambda feed: _poll_feed(deps, feed), registered))


def _poll_feed(deps: Deps, feed: feed_store.Feed) -> int:
    """One feed of the poll: fetch it in a worker, record what it said, store its new posts."""
    result = feed_worker.fetch_in_worker(
        feed.url,
        etag=feed.etag,
        modified=feed.modified,
        allow_private=deps.settings.allow_private_feeds,
        limits=_feed_limits(deps),
    )
    now = deps.now()
    with deps.db() as db:
        if result.status == "error":
            log.info("feed %s of %s: %s", feed.id, feed.user_id, result.error)
            feed_store.record_check(db, feed, now, error=result.error or "unreadable")
            return 0
        feed_store.record_check(
            db, feed, now, title=result.title, etag=result.etag, modified=result.modified
        )
        if result.status != "ok":
            return 0
        return len(feed_store.add_posts(db, feed, _entries(result), now))

"""The weekly digest end to end: /digest, the schedule, restarts, retries and the DM fan-out."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.deps import utcnow
from handlers import digest as feature
from storage import deliveries
from storage.codec import encode_time
from storage.db import immediate
from tests.conftest import ANA, GROUPIE, PETE, STEER, Clock

DIGEST = "C0DIGEST"
FRIDAY_DUE = datetime(2026, 12, 4, 16, 0, 30, tzinfo=UTC)  # just after fri 16:00 in London
NEXT_MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def posts_in(bot, channel: str = DIGEST) -> list:
    return [m for m in bot.standin.messages_to(channel) if m.thread_ts is None]


def seed(bot, clock) -> None:
    """A week with something in each action section."""
    bot.command("/action", "Write up the user research <@U0PETE|pete> #research")
    bot.command("/action", "Book the venue for the meetup by Friday", user=PETE)
    bot.command("/action", "done A2", user=PETE)
    with bot.db() as db, immediate(db):
        db.table("actions").update(1, {"due": "2026-11-30"})  # overdue


def digest_bot(make_bot, when: datetime, **settings):
    return make_bot(clock=Clock(when), digest_channel=DIGEST, **settings)


def stop_and_settle(bot) -> None:
    """Stop the runtime; its scheduler finishes running jobs before stop() returns."""
    bot.stop()


# --- /digest for members --------------------------------------------------------------


def test_anyone_can_preview_the_week_so_far(bot):
    seed(bot, None)
    reply = bot.command("/digest", "", user=ANA)
    assert reply.response_type == "ephemeral"
    assert "Preview" in reply.text and "2 actions created" in reply.text
    body = str(reply.blocks)
    assert "Write up the user research" in body and "thank you <@U0PETE>" in body
    assert [c.params["channel"] for c in bot.standin.calls_to("chat.postMessage")] == [
        PETE
    ]  # only the new owner's DM from /action: the preview posts nothing


def test_subscribe_and_unsubscribe(bot):
    assert "Subscribed" in bot.command("/digest", "subscribe", user=ANA).text
    assert "already" in bot.command("/digest", "subscribe", user=ANA).text
    with bot.db() as db:
        assert [r["user_id"] for r in db.table("digest_subscriptions").rows] == [ANA]
    assert "Unsubscribed" in bot.command("/digest", "unsubscribe", user=ANA).text
    assert "weren't subscribed" in bot.command("/digest", "unsubscribe", user=ANA).text


def test_help(bot):
    reply = bot.command("/digest", "help")
    assert "/digest subscribe" in reply.text and "/digest settings" in reply.text


@pytest.mark.parametrize("text", ["post", "settings", "settings day mon"])
def test_members_outside_the_steering_group_cannot_post_or_configure(make_bot, text):
    bot = make_bot(digest_channel=DIGEST)
    reply = bot.command("/digest", text, user=ANA)
    assert "Only the steering group" in reply.text
    assert posts_in(bot) == []
    with bot.db() as db:
        assert db.table("digest_settings").count == 0


def test_settings_override_the_environment_and_reschedule_the_job(make_bot):
    bot = make_bot(digest_channel=DIGEST, steering_group="steering")
    shown = bot.command("/digest", "settings", user=STEER).text
    assert f"<#{DIGEST}>" in shown and "Friday at 16:00" in shown and "environment" in shown
    reply = bot.command(
        "/digest", "settings channel <#C0NEWS|news> day mon time 09:30", user=GROUPIE
    )  # steering through the user group
    assert "Saved" in reply.text and "<#C0NEWS>" in reply.text and "Monday at 09:30" in reply.text
    scheduler = bot.runtime._scheduler
    scheduler.get_job(feature.CATCHUP_JOB).modify(next_run_time=utcnow())
    deadline = time.monotonic() + 10
    while "mon" not in str(scheduler.get_job(feature.DIGEST_JOB).trigger):
        assert time.monotonic() < deadline, scheduler.get_job(feature.DIGEST_JOB).trigger
        time.sleep(0.05)
    trigger = scheduler.get_job(feature.DIGEST_JOB).trigger
    assert str(trigger) == ("cron[day_of_week='mon', hour='9', minute='30']") or "hour='9'" in repr(
        trigger
    )
    assert str(trigger.timezone) == "Europe/London"
    assert len([j for j in scheduler.get_jobs() if j.id == feature.DIGEST_JOB]) == 1


# --- the schedule -------------------------------------------------------------------


def test_the_scheduled_job_fires_and_posts_once(make_bot):
    bot = digest_bot(make_bot, FRIDAY_DUE - timedelta(hours=1))  # before it is due
    seed(bot, None)
    feature.run_digest(bot.runtime.deps)  # not due yet: nothing
    assert posts_in(bot) == []
    job = bot.runtime._scheduler.get_job(feature.DIGEST_JOB)
    assert "day_of_week='fri', hour='16', minute='0'" in repr(job.trigger)
    assert job.next_run_time.astimezone(UTC) == datetime(2026, 12, 4, 16, 0, tzinfo=UTC) or (
        job.next_run_time > utcnow()
    )  # APScheduler's clock is the real one
    bot.runtime.clock.set(FRIDAY_DUE)
    job.modify(next_run_time=utcnow())  # let APScheduler fire it now
    post = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == DIGEST)
    assert "2 actions created" in post.params["text"]
    feature.run_digest(bot.runtime.deps)  # a second run (a retry) posts nothing new
    stop_and_settle(bot)
    bot.start()  # a restart, whose catch-up job runs at once
    feature.run_digest(bot.runtime.deps)
    stop_and_settle(bot)
    assert len(posts_in(bot)) == 1
    with bot.db() as db:
        rows = {r["key"]: r["status"] for r in db.table("deliveries").rows_where("kind = 'digest'")}
    assert rows[f"digest:T0001:{DIGEST}:2026-W49"] == "sent"


def test_a_digest_missed_while_down_is_posted_at_start_up_in_the_same_week(make_bot):
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    bot = digest_bot(make_bot, saturday)  # the catch-up job runs at start-up
    post = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == DIGEST)
    assert "Fri 27 Nov 2026 to Fri 4 Dec 2026" in post.params["text"]  # the week it was due
    stop_and_settle(bot)
    assert len(posts_in(bot)) == 1


def test_a_digest_missed_after_its_week_ended_is_skipped_and_logged(make_bot, caplog):
    caplog.set_level(logging.WARNING, logger="handlers.digest")
    bot = digest_bot(make_bot, NEXT_MONDAY)
    feature.run_digest(bot.runtime.deps)
    stop_and_settle(bot)
    assert posts_in(bot) == []
    with bot.db() as db:
        row = deliveries.get(db, f"digest:T0001:{DIGEST}:2026-W49")
    assert row.status == "skipped" and "week had ended" in row.error
    assert "2026-W49 was not posted" in caplog.text


def test_a_failed_post_is_retried_after_its_backoff_and_posted_once(make_bot):
    clock = Clock(FRIDAY_DUE - timedelta(hours=1))
    bot = make_bot(clock=clock, digest_channel=DIGEST)
    bot.standin.fail_next("chat.postMessage", error="internal_error")
    clock.set(FRIDAY_DUE)
    feature.run_digest(bot.runtime.deps)
    assert posts_in(bot) == []
    feature.run_digest(bot.runtime.deps)  # before the backoff: not yet
    assert posts_in(bot) == []
    clock.advance(seconds=31)
    feature.run_digest(bot.runtime.deps)
    feature.run_digest(bot.runtime.deps)
    stop_and_settle(bot)
    assert len(posts_in(bot)) == 1


def test_steering_can_post_now_and_the_scheduled_one_then_skips_the_week(make_bot):
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    bot = make_bot(clock=clock, digest_channel=DIGEST)
    bot.command("/digest", "subscribe", user=PETE)
    reply = bot.command("/digest", "post", user=STEER)
    assert f"Posted the digest to <#{DIGEST}>" in reply.text
    again = bot.command("/digest", "post", user=STEER)  # posted even though posted already
    assert "extra one" in again.text
    clock.set(FRIDAY_DUE)
    feature.run_digest(bot.runtime.deps, pace=0)
    stop_and_settle(bot)
    assert len(posts_in(bot)) == 2  # the post and the extra one; the scheduled one skipped
    assert len(bot.standin.dms_to(PETE)) == 1  # the subscriber's copy, once


def test_a_digest_too_big_for_one_message_is_threaded(make_bot):
    bot = digest_bot(make_bot, FRIDAY_DUE - timedelta(hours=1))
    now = FRIDAY_DUE - timedelta(days=1)
    with bot.db() as db, immediate(db):
        db.table("actions").insert_all(
            [
                {
                    "team_id": "T0001",
                    "title": f"Tracked action number {n} " + "x" * 120,
                    "owner_id": PETE,
                    "creator_id": ANA,
                    "status": "open",
                    "notes": "",
                    "created_at": encode_time(now),
                    "updated_at": encode_time(now),
                }
                for n in range(300)
            ]
        )
    bot.runtime.clock.set(FRIDAY_DUE)
    feature.run_digest(bot.runtime.deps)
    stop_and_settle(bot)
    [headline] = posts_in(bot)
    replies = [m for m in bot.standin.messages_to(DIGEST) if m.thread_ts == headline.ts]
    assert len(replies) >= 2
    assert all(len(m.blocks) <= 50 for m in [headline, *replies])
    assert "thread" in str(headline.blocks)


# --- DMs to subscribers -------------------------------------------------------------


def subscribe_many(bot, n: int) -> list[str]:
    users = [f"U0SUB{i:04d}" for i in range(n)]
    with bot.db() as db, immediate(db):
        db.table("digest_subscriptions").insert_all(
            {"team_id": "T0001", "user_id": u, "created_at": f"2026-11-01T00:00:{i % 60:02d}"}
            for i, u in enumerate(users)
        )
    return users


def copies(bot, users: list[str]) -> dict[str, int]:
    return {u: len(bot.standin.dms_to(u)) for u in users}


def test_200_subscribers_each_get_one_copy_through_429s(make_bot):
    bot = digest_bot(make_bot, FRIDAY_DUE - timedelta(hours=1))
    users = subscribe_many(bot, 200)
    bot.runtime.clock.set(FRIDAY_DUE)
    bot.standin.fail_every(40, "chat.postMessage", status=429, retry_after=0)
    bot.standin.fail_next("chat.postMessage", status=429, retry_after=0, times=4)  # exhausts
    deps = bot.runtime.deps
    feature.run_digest(deps, pace=0.001)
    missing = [u for u, n in copies(bot, users).items() if n == 0]
    assert len(missing) <= 1  # the client gave up on one after 3 retries: failed, kept
    bot.runtime.clock.advance(seconds=31)
    feature.run_digest(deps, pace=0.001)
    stop_and_settle(bot)
    assert set(copies(bot, users).values()) == {1}
    assert len(posts_in(bot)) == 1
    rate_limited = [c for c in bot.standin.calls_to("chat.postMessage") if c.status == 429]
    assert len(rate_limited) >= 5


def test_a_fan_out_stopped_half_way_resumes_without_a_second_copy(make_bot):
    bot = digest_bot(make_bot, FRIDAY_DUE - timedelta(hours=1))
    users = subscribe_many(bot, 200)
    bot.runtime.clock.set(FRIDAY_DUE)
    runtime = bot.runtime
    keep_going = feature._keep_going(runtime._scheduler)  # what the scheduled job uses
    worker = threading.Thread(target=feature.run_digest, args=(runtime.deps, keep_going, 0.002))
    worker.start()
    bot.standin.wait_for(
        "chat.postMessage", lambda c: c.params.get("channel") == users[100], timeout=30
    )
    runtime.stop()  # the scheduler stops: the fan-out stops between two members
    worker.join(timeout=30)
    served = copies(bot, users)
    assert 100 <= sum(served.values()) < 200 and set(served.values()) == {0, 1}
    bot.start()  # a new process (a new holder) resumes
    feature.run_digest(bot.runtime.deps, pace=0.001)
    stop_and_settle(bot)
    assert set(copies(bot, users).values()) == {1}
    assert len(posts_in(bot)) == 1

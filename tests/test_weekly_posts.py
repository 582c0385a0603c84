"""The weekly channel posts beyond the digest, end to end: the steering group's Monday
review and each workstream's Monday post (signed HTTP, the stand-in, real APScheduler)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.deps import utcnow
from bot.domain.weekly import MONDAY_9AM, WeeklySchedule, plan_week, weekly_key
from handlers import review as review_feature
from handlers import weekly
from handlers import workstream_posts as ws_feature
from handlers.delivery import Outcome
from storage import deliveries
from storage import workstreams as ws_store
from storage.db import immediate
from tests.conftest import ANA, GROUPIE, PETE, STEER, Clock

LONDON = ZoneInfo("Europe/London")
STEERING = "C0STEER"
INCLUSION, SKILLS, COMMS = "C0INCL", "C0SKILLS", "C0COMMS"
MONDAY = datetime(2026, 12, 7, 9, 0, 30, tzinfo=UTC)  # just after Monday 09:00 in London
SUNDAY_BEFORE = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def posts_in(bot, channel: str) -> list:
    return [m for m in bot.standin.messages_to(channel) if m.thread_ts is None]


def review_channel(bot, channel: str = STEERING, user: str = STEER):
    return bot.command("/action", f"review settings channel <#{channel}|steering>", user=user)


def fire_now(bot, job_id: str) -> None:
    """Let APScheduler fire the job now (its clock is the real one; the bot's is pinned)."""
    bot.runtime._scheduler.get_job(job_id).modify(next_run_time=utcnow())


# --- the rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, week, post, skip",
    [
        (datetime(2026, 12, 7, 8, 59, tzinfo=UTC), "2026-W50", False, "2026-W49"),
        (datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "2026-W50", True, "2026-W49"),
        (datetime(2026, 12, 13, 23, 59, tzinfo=UTC), "2026-W50", True, "2026-W49"),  # Sunday
        (datetime(2026, 12, 14, 0, 0, tzinfo=UTC), "2026-W51", False, "2026-W50"),
        (datetime(2027, 3, 29, 8, 0, tzinfo=UTC), "2027-W13", True, "2027-W12"),  # BST: 09:00
        (datetime(2027, 3, 29, 7, 59, tzinfo=UTC), "2027-W13", False, "2027-W12"),
    ],
)
def test_the_plan_posts_once_due_until_the_week_ends_and_skips_last_week(now, week, post, skip):
    plan = plan_week(now, MONDAY_9AM, LONDON)
    assert (plan.week, plan.post, plan.skip) == (week, post, skip)


def test_a_post_begun_by_hand_is_finished_before_its_time():
    thursday = datetime(2026, 12, 3, 10, tzinfo=UTC)
    friday_4pm = WeeklySchedule("fri", time(16))
    assert not plan_week(thursday, friday_4pm, LONDON).post
    assert plan_week(thursday, friday_4pm, LONDON, begun=True).post


def test_pacing_waits_between_sends_and_stops_when_told():
    sent: list[int] = []

    def send(n: int) -> Outcome:
        sent.append(n)
        return Outcome.ALREADY if n == 1 else Outcome.SENT

    start = datetime.now(UTC)
    weekly.paced([1, 2, 3], send, pace=0.2)
    assert sent == [1, 2, 3]
    assert datetime.now(UTC) - start >= timedelta(seconds=0.2)  # 1 cost nothing, 2 waited
    sent.clear()
    weekly.paced([1, 2, 3], send, pace=0, keep_going=lambda: len(sent) < 2)
    assert sent == [1, 2]


# --- the steering group's Monday review ------------------------------------------------


def test_the_steering_group_sets_and_shows_the_review_channel(make_bot):
    bot = make_bot(steering_group="steering")
    shown = bot.command("/action", "review settings", user=STEER)
    assert "isn't posted to a channel yet" in shown.text and shown.response_type == "ephemeral"
    saved = review_channel(bot, user=GROUPIE)  # steering through the user group
    assert "Saved" in saved.text and f"<#{STEERING}>" in saved.text
    assert "every Monday at 09:00 (Europe/London)" in saved.text
    shown = bot.command("/action", "review settings", user=STEER)
    assert f"<#{STEERING}>" in shown.text and "Saved" not in shown.text
    with bot.db() as db:
        [row] = db.table("weekly_post_settings").rows
    assert (row["post"], row["channel"], row["updated_by"]) == ("review", STEERING, GROUPIE)
    assert "/action review settings" in bot.command("/action", "help").text


@pytest.mark.parametrize("text", ["review settings", "review settings channel <#C0X|x>"])
def test_members_outside_the_steering_group_cannot_see_or_set_the_review_channel(bot, text):
    reply = bot.command("/action", text, user=ANA)
    assert "is for the steering group" in reply.text and reply.response_type == "ephemeral"
    with bot.db() as db:
        assert db.table("weekly_post_settings").count == 0
        assert db.table("actions").count == 0  # not taken for a title either


@pytest.mark.parametrize(
    "text, says",
    [
        ("review settings channel steering", "Pick the channel from Slack's # list"),
        ("review settings channel", "Which channel?"),
    ],
)
def test_a_channel_not_picked_from_the_list_is_refused_with_an_example(bot, text, says):
    reply = bot.command("/action", text, user=STEER)
    assert says in reply.text and "/action review settings channel #steering" in reply.text
    with bot.db() as db:
        assert db.table("weekly_post_settings").count == 0


def test_a_title_starting_with_review_settings_is_still_an_action(bot):
    reply = bot.command("/action", "Review settings for the members' portal by Friday")
    assert "Tracked" in reply.text


def test_the_review_is_posted_on_monday_at_nine_once_across_a_restart(make_bot):
    clock = Clock(SUNDAY_BEFORE)
    bot = make_bot(clock=clock)
    review_channel(bot)
    bot.command("/action", "Write up the user research <@U0PETE|pete> #research")
    review_feature.run_review_post(bot.runtime.deps)  # set after Monday's: next Monday's
    assert posts_in(bot, STEERING) == []
    job = bot.runtime._scheduler.get_job(review_feature.REVIEW_JOB)
    assert "day_of_week='mon', hour='9', minute='0'" in repr(job.trigger)
    assert str(job.trigger.timezone) == "Europe/London"
    clock.set(MONDAY)
    fire_now(bot, review_feature.REVIEW_JOB)
    post = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == STEERING)
    assert "Review of tracked actions" in post.params["text"]
    assert "Write up the user research" in str(post.params["blocks"])
    review_feature.run_review_post(bot.runtime.deps)  # a retry posts nothing new
    bot.restart()  # the catch-up job runs at start-up
    review_feature.run_review_post(bot.runtime.deps)
    bot.stop()
    assert len(posts_in(bot, STEERING)) == 1
    with bot.db() as db:
        row = deliveries.get(db, weekly_key("review", "T0001", STEERING, "2026-W50"))
    assert row.status == "sent" and row.kind == "review"


def test_a_review_missed_while_down_is_posted_at_start_up_in_the_same_week(make_bot):
    clock = Clock(SUNDAY_BEFORE)
    bot = make_bot(clock=clock)
    review_channel(bot)
    bot.stop()  # down over Monday morning
    clock.set(datetime(2026, 12, 9, 15, 0, tzinfo=UTC))  # back on Wednesday
    bot.start()
    post = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == STEERING)
    assert "Review" in post.params["text"]
    bot.stop()
    assert len(posts_in(bot, STEERING)) == 1


def test_a_review_missed_after_its_week_ended_is_skipped_and_logged(make_bot, caplog):
    caplog.set_level(logging.WARNING, logger="handlers.review")
    clock = Clock(SUNDAY_BEFORE)
    bot = make_bot(clock=clock)
    review_channel(bot)
    bot.stop()  # down all week
    clock.set(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))  # the next Monday, before nine
    bot.start()
    review_feature.run_review_post(bot.runtime.deps)
    bot.stop()
    assert posts_in(bot, STEERING) == []
    with bot.db() as db:
        row = deliveries.get(db, weekly_key("review", "T0001", STEERING, "2026-W50"))
    assert row.status == "skipped" and "week had ended" in row.error
    assert "the steering review for 2026-W50 was not posted" in caplog.text


def test_two_processes_post_the_review_once(make_bot):
    """One schedules (the lease), the other serves; when the first stops, the second takes
    over, catches up, and finds the week's review posted."""
    clock = Clock(MONDAY - timedelta(hours=1))
    first = make_bot(clock=clock)
    review_channel(first)
    second = make_bot(clock=clock)  # the same database file, another process
    assert first.runtime.scheduling and not second.runtime.scheduling
    clock.set(MONDAY)
    fire_now(first, review_feature.REVIEW_JOB)
    first.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == STEERING)
    first.stop()
    second.runtime._keep_lease()
    assert second.runtime.scheduling
    catch_up = second.runtime._scheduler.get_job(review_feature.REVIEW_CATCHUP_JOB)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while catch_up.next_run_time <= utcnow() + timedelta(seconds=30):  # it has run
        assert datetime.now(UTC) < deadline
        threading.Event().wait(0.05)
        catch_up = second.runtime._scheduler.get_job(review_feature.REVIEW_CATCHUP_JOB)
    review_feature.run_review_post(second.runtime.deps)
    second.stop()
    assert len(posts_in(first, STEERING)) == 1


def test_a_channel_set_after_monday_nine_starts_with_next_monday(make_bot):
    clock = Clock(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))  # Tuesday
    bot = make_bot(clock=clock)
    review_channel(bot)
    review_feature.run_review_post(bot.runtime.deps)
    assert posts_in(bot, STEERING) == []
    clock.set(MONDAY + timedelta(days=7))
    review_feature.run_review_post(bot.runtime.deps)
    bot.stop()
    assert len(posts_in(bot, STEERING)) == 1


def test_no_channel_no_review_post(make_bot):
    bot = make_bot(clock=Clock(MONDAY))
    review_feature.run_review_post(bot.runtime.deps)
    bot.stop()
    assert [
        c for c in bot.standin.calls_to("chat.postMessage") if c.params["channel"] == STEERING
    ] == []


# --- each workstream's Monday post ----------------------------------------------------


def keep_workstreams(bot, when: datetime) -> None:
    """#inclusion with a channel, #skills without one, #comms with one but archived."""
    with bot.db() as db:
        for tag, title, channel in (
            ("inclusion", "Digital inclusion", INCLUSION),
            ("skills", "Practitioners' skills", None),
            ("comms", "Communications", COMMS),
        ):
            ws_store.add(
                db,
                "T0001",
                tag,
                title=title,
                lead_id=PETE,
                channel_id=channel,
                created_by=STEER,
                now=when,
            )
        ws_store.set_archived(db, "T0001", "comms", True, when)


def seed_actions(bot) -> None:
    for text in (
        "Map the digital inclusion charities <@U0PETE|pete> #inclusion",
        "Survey practitioners on skills #skills",
        "Draft the newsletter #comms",
    ):
        assert "Tracked" in bot.command("/action", text, user=STEER).text
    with bot.db() as db, immediate(db):
        db.table("actions").update(1, {"due": "2026-12-02"})  # overdue by Monday


def test_each_workstream_with_a_channel_gets_its_own_post_once_per_week(make_bot):
    clock = Clock(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))  # Thursday
    bot = make_bot(clock=clock)
    keep_workstreams(bot, clock())
    seed_actions(bot)
    job = bot.runtime._scheduler.get_job(ws_feature.JOB)
    assert "day_of_week='mon', hour='9', minute='0'" in repr(job.trigger)
    clock.set(MONDAY)
    fire_now(bot, ws_feature.JOB)
    post = bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == INCLUSION)
    text = post.params["text"]
    assert "#inclusion Digital inclusion" in text and "1 new" in text and "1 overdue" in text
    assert "Map the digital inclusion charities" in str(post.params["blocks"])
    ws_feature.run_workstream_posts(bot.runtime.deps, pace=0)  # again: nothing new
    bot.restart()  # the catch-up job runs at start-up
    ws_feature.run_workstream_posts(bot.runtime.deps, pace=0)
    bot.stop()
    assert len(posts_in(bot, INCLUSION)) == 1
    assert posts_in(bot, COMMS) == []  # archived: none
    channels = {c.params["channel"] for c in bot.standin.calls_to("chat.postMessage")}
    assert channels <= {INCLUSION, PETE}  # the lead's DMs aside, no other channel
    with bot.db() as db:
        kinds = [r["key"] for r in db.table("deliveries").rows_where("kind = 'workstream'")]
    assert kinds == ["workstream:T0001:inclusion:2026-W50"]  # skills has no channel: no key

    clock.set(MONDAY + timedelta(days=7))  # the next week: a new post
    bot.start()
    ws_feature.run_workstream_posts(bot.runtime.deps, pace=0)
    bot.stop()
    assert len(posts_in(bot, INCLUSION)) == 2


def test_workstream_posts_missed_while_down_are_posted_at_start_up(make_bot):
    clock = Clock(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    bot = make_bot(clock=clock)
    keep_workstreams(bot, clock())
    seed_actions(bot)
    with bot.db() as db:
        ws_store.edit(db, "T0001", "skills", clock(), channel_id=SKILLS)
    bot.stop()
    clock.set(datetime(2026, 12, 10, 12, 0, tzinfo=UTC))  # Thursday of the next week
    bot.start()
    for channel in (INCLUSION, SKILLS):
        bot.standin.wait_for("chat.postMessage", lambda c, ch=channel: c.params["channel"] == ch)
    bot.stop()
    assert (len(posts_in(bot, INCLUSION)), len(posts_in(bot, SKILLS))) == (1, 1)


def test_a_quiet_workstream_gets_no_post_and_is_not_asked_again(make_bot):
    clock = Clock(MONDAY)
    bot = make_bot(clock=clock)
    keep_workstreams(bot, clock() - timedelta(days=1))  # no actions at all
    ws_feature.run_workstream_posts(bot.runtime.deps, pace=0)
    bot.stop()
    assert posts_in(bot, INCLUSION) == []
    with bot.db() as db:
        row = deliveries.get(db, "workstream:T0001:inclusion:2026-W50")
    assert row.status == "skipped" and row.error == "a quiet week"

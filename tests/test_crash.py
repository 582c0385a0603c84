"""Crash safety: a real ``nudge run --http`` killed with SIGKILL while reminders go out.

500 reminders fall due over a few seconds; the process is killed at random points of
the sending and restarted until every one went out. Then the stand-in's DMs are held
against the deliveries table: nothing lost, and a reminder seen twice only where a
crash cut a send off between Slack and the database (an *ambiguous* delivery, sent
again once by the policy in ``storage/deliveries.py``).
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.deps import utcnow
from storage import reminders
from storage.db import connect, create
from tests.conftest import ANA, PETE, SAM
from tests.process import BotProcess

REMINDERS = 500
KILLS = 4
SENDING_THREADS = 1  # the tick job: max_instances=1, one send at a time
TEXT = re.compile(r"crash check (\d{3})")


def seed(db_path: str, count: int, spread: timedelta) -> None:
    """``count`` one-off reminders through the app's own storage, falling due over ``spread``."""
    db = create(db_path)
    now = utcnow()
    try:
        for i in range(count):
            reminders.add(
                db,
                team_id="T0001",
                user_id=(ANA, PETE, SAM)[i % 3],
                kind="me",
                text=f"crash check {i:03d}",
                tz="Europe/London",
                first=now + timedelta(seconds=1) + spread * i / count,
                recurrence=None,
                now=now,
            )
    finally:
        db.close()


def received(standin) -> Counter:
    """How many times each reminder's DM reached the stand-in."""
    return Counter(
        int(m[1]) for message in list(standin.messages) if (m := TEXT.search(message.text or ""))
    )


@pytest.mark.slow
def test_reminders_survive_sigkill_at_random_points(standin, people, tmp_path):
    rng = random.Random()
    seed_ = rng.randrange(10**6)
    rng.seed(seed_)
    bot = BotProcess(standin, tmp_path, NUDGE_TICK_SECONDS="0.2", NUDGE_LEASE_SECONDS="3")
    seed(bot.db_path, REMINDERS, timedelta(seconds=4))
    kill_points = []
    try:
        for _ in range(KILLS):
            bot.start()
            bot.wait_for_log("holding the scheduler lease: scheduling")
            before = sum(received(standin).values())
            goal = min(before + rng.randrange(30, 120), REMINDERS - 20)
            deadline = time.monotonic() + 60
            while sum(received(standin).values()) < goal:  # sending is under way
                assert time.monotonic() < deadline, bot.log()[-3000:]
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.05))
            bot.kill()
            kill_points.append(sum(received(standin).values()))
        bot.start()
        deadline = time.monotonic() + 120
        while True:
            with connect(bot.db_path) as db:
                waiting = db.table("reminders").count_where("next_at IS NOT NULL")
            if not waiting:
                break
            assert time.monotonic() < deadline, f"{waiting} still due\n{bot.log()[-3000:]}"
            time.sleep(0.2)
        assert bot.stop() == 0, bot.log()[-3000:]
    finally:
        bot.__exit__()

    with connect(bot.db_path) as db:
        rows = {r["key"]: r for r in db.table("deliveries").rows_where("kind = 'reminder'")}
        stored = list(db.table("reminders").rows)
    number_of = {r["id"]: int(TEXT.search(r["text"])[1]) for r in stored}
    got = received(standin)
    lost = [i for i in range(REMINDERS) if got[i] == 0]
    duplicated = {i: n for i, n in got.items() if n > 1}
    duplicates = sum(n - 1 for n in duplicated.values())
    ambiguous = [k for k, r in rows.items() if r["ambiguous"]]
    print(
        f"\ncrash trials (seed {seed_}): {bot.kills} kills (after {kill_points} DMs), "
        f"{REMINDERS} reminders, {len(got)} delivered, {duplicates} duplicate(s) "
        f"({len(ambiguous)} ambiguous), {len(lost)} lost"
    )
    assert bot.kills == KILLS
    assert lost == []
    assert len(rows) == REMINDERS and all(r["status"] == "sent" for r in rows.values())
    assert all(r["next_at"] is None and r["sent_at"] for r in stored)
    # a duplicate only where the policy says: the delivery was ambiguous, sent again once
    assert duplicates <= len(ambiguous) <= bot.kills * SENDING_THREADS
    assert all(n == 2 for n in duplicated.values())
    for key, row in rows.items():
        if got[number_of[int(key.split(":")[1])]] > 1:
            assert row["ambiguous"], key
    assert "Traceback" not in bot.all_logs()


SUBSCRIBERS = 40  # paced at 4 a second: about 10 s of fan-out per full run
DIGEST_KILLS = 2


@pytest.mark.slow
def test_a_digest_fan_out_killed_at_random_points_sends_each_copy_once(standin, tmp_path):
    """The week's digest is due at start-up; its DMs to subscribers are cut off twice by
    SIGKILL; after the restarts every subscriber has exactly one copy, but for the
    ambiguous ones the stated policy allows (at most one per crash)."""
    from zoneinfo import ZoneInfo

    from storage import digest as digest_store

    rng = random.Random()
    seed_ = rng.randrange(10**6)
    rng.seed(seed_)
    local = utcnow().astimezone(ZoneInfo("Europe/London"))
    due_now = f"{local:%a} {local:%H:%M}".lower()  # this week's digest is due this minute
    subscribers = [f"U0SUB{n:03d}" for n in range(SUBSCRIBERS)]
    bot = BotProcess(
        standin,
        tmp_path,
        NUDGE_DIGEST_CHANNEL="C0DIGEST",
        NUDGE_DIGEST_SCHEDULE=due_now,
        NUDGE_LEASE_SECONDS="3",
    )
    db = create(bot.db_path)
    for user in subscribers:
        digest_store.subscribe(db, "T0001", user, utcnow())
    db.close()

    def copies() -> Counter:
        return Counter(
            m.channel
            for m in list(standin.messages)
            if m.channel in {standin.dm_channel(u) for u in subscribers}
        )

    kill_points = sorted(rng.sample(range(2, SUBSCRIBERS - 2), DIGEST_KILLS))
    try:
        for point in kill_points:
            bot.start()
            deadline = time.monotonic() + 60
            while sum(copies().values()) < point and time.monotonic() < deadline:
                time.sleep(0.01)
            bot.kill()
        bot.start()
        deadline = time.monotonic() + 90
        while len(copies()) < SUBSCRIBERS and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything further would show now
    finally:
        bot.stop()
    got = copies()
    with connect(bot.db_path) as db:
        ambiguous = db.table("deliveries").count_where("kind = 'digest_dm' AND ambiguous = 1")
    channel_posts = [m for m in standin.messages if m.channel == "C0DIGEST"]
    duplicates = sum(n - 1 for n in got.values())
    lost = SUBSCRIBERS - len(got)
    print(
        f"digest crash trials (seed {seed_}): {bot.kills} kills after {kill_points} copies, "
        f"{SUBSCRIBERS} subscribers, {sum(got.values())} copies, {duplicates} duplicate(s) "
        f"({ambiguous} ambiguous), {lost} lost, {len(channel_posts)} channel post(s)"
    )
    assert lost == 0
    assert duplicates <= ambiguous <= bot.kills
    assert len(channel_posts) == 1
    assert "Traceback" not in bot.all_logs()

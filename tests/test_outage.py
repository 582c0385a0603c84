"""Slack outages: the Web API answering 503, then refusing connections, then rate limiting
every third call. Deliveries wait and then happen, once each; commands are still answered
through the response URL, quickly, while the Web API is down.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.deps import utcnow
from storage import reminders
from tests.conftest import ANA, PETE, SAM

COUNT = 60
OUTAGE_SECONDS = 4  # each of the two outages
TEXT = re.compile(r"outage check (\d{2})")


def received(standin) -> Counter:
    return Counter(
        int(m[1]) for message in list(standin.messages) if (m := TEXT.search(message.text or ""))
    )


def timed_command(bot, text: str, user: str = ANA) -> tuple[float, str]:
    """Type ``/nudge text``; the seconds until the reply reached the response URL, and it."""
    started = time.monotonic()
    reply = bot.command("/nudge", text, user)  # waits for the response URL post
    return time.monotonic() - started, reply.text or ""


@pytest.mark.slow
def test_deliveries_wait_out_an_outage_and_rate_limits_and_commands_still_answer(make_bot):
    bot = make_bot(clock=utcnow, tick_seconds=0.1, retry_backoff=(0.5, 1.0, 2.0))
    standin = bot.standin
    now = utcnow()
    with bot.db() as db:
        for i in range(COUNT):  # falling due across both outages and after
            reminders.add(
                db,
                team_id="T0001",
                user_id=(ANA, PETE, SAM)[i % 3],
                kind="me",
                text=f"outage check {i:02d}",
                tz="Europe/London",
                first=now + timedelta(seconds=1 + 3 * OUTAGE_SECONDS * i / COUNT),
                recurrence=None,
                now=now,
            )

    # 1. the Web API answers 503 to everything (response URLs still work)
    standin.fail_next(status=503, times=10**9)
    time.sleep(1)
    # the bot's first request ever, and users.info down: the network's time zone is used
    during_503, reply = timed_command(bot, "list", ANA)
    assert "outage check" in reply  # the command did its work
    new_member, _ = timed_command(bot, "list", PETE)
    time.sleep(max(0.0, OUTAGE_SECONDS - 1 - during_503 - new_member))
    standin.heal()
    # 2. Slack refuses connections altogether
    standin.refuse()
    time.sleep(OUTAGE_SECONDS)
    standin.accept()
    failed_during = sum(1 for call in standin.calls if call.status == 503)
    # 3. every third call rate limited, for the rest of the run
    standin.fail_every(3, status=429, retry_after=0)
    during_429, _ = timed_command(bot, "list", SAM)

    deadline = time.monotonic() + 60
    while len(received(standin)) < COUNT:
        assert time.monotonic() < deadline, f"{COUNT - len(received(standin))} not delivered"
        time.sleep(0.05)
    time.sleep(0.5)  # a duplicate, if any, would arrive now
    standin.heal()

    got = received(standin)
    with bot.db() as db:
        rows = list(db.table("deliveries").rows_where("kind = 'reminder'"))
    retried = [r for r in rows if r["attempts"] > 1]
    duplicates = sum(n - 1 for n in got.values())
    limited = sum(1 for call in standin.calls if call.status == 429)
    print(
        f"\noutage: {COUNT} reminders, 503 for {OUTAGE_SECONDS}s then refused for "
        f"{OUTAGE_SECONDS}s then 429 every 3rd call; {failed_during} 503s, {limited} 429s, "
        f"{len(retried)} deliveries retried after failing; {len(got)} delivered, "
        f"{duplicates} duplicates, {COUNT - len(got)} lost; command replies took "
        f"{during_503:.1f}s and {new_member:.1f}s (503), {during_429:.1f}s (429)"
    )
    assert len(got) == COUNT and duplicates == 0
    assert all(r["status"] == "sent" and not r["ambiguous"] for r in rows)
    assert retried and failed_during and limited  # the outage really hit the deliveries

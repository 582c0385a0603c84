"""Only one process schedules against a database; a successor takes over."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from storage import deliveries, lease
from storage.codec import encode_time
from storage.db import create, immediate

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TTL = timedelta(seconds=45)


def test_a_lease_is_held_by_one_holder_until_it_expires_or_is_released(tmp_path):
    db = create(tmp_path / "n.db")
    assert lease.acquire(db, "a", NOW, TTL)
    assert not lease.acquire(db, "b", NOW + timedelta(seconds=44), TTL)
    assert lease.acquire(db, "a", NOW + timedelta(seconds=30), TTL)  # renewed
    assert not lease.acquire(db, "b", NOW + timedelta(seconds=74), TTL)
    assert lease.acquire(db, "b", NOW + timedelta(seconds=76), TTL)  # a died: b takes over
    lease.release(db, "a")  # a release by a former holder changes nothing
    assert lease.current(db).holder == "b"
    lease.release(db, "b")
    assert lease.current(db) is None


def test_a_second_process_serves_but_does_not_schedule_and_takes_over(make_bot):
    first = make_bot()
    assert first.runtime.scheduling
    second = make_bot()  # the same database file
    assert not second.runtime.scheduling
    assert "Tracked" in second.command("/action", "Served by the second one").text
    first.stop()  # a clean stop releases the lease
    second.runtime._keep_lease()
    assert second.runtime.scheduling


def test_a_holder_that_dies_loses_the_lease_to_a_waiting_process(make_bot, tmp_path):
    from bot.runtime import Runtime
    from tests.conftest import make_settings

    first = make_bot()
    # the holder "dies": it stops renewing, its lease runs out
    with first.db() as db, immediate(db):
        db.table("leases").update(
            "scheduler", {"expires_at": encode_time(datetime.now(UTC) - timedelta(seconds=1))}
        )
    first.runtime._stopped.set()  # its lease thread stops renewing
    waiting = Runtime(
        make_settings(tmp_path, first.standin.api_url), http=True, port=0, lease_renew=0.1
    )
    waiting.start()
    try:
        deadline = time.monotonic() + 5
        while not waiting.scheduling and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting.scheduling
    finally:
        waiting.stop()


def test_a_delivery_recorded_as_sent_is_never_claimed_again(tmp_path):
    db = create(tmp_path / "n.db")
    args = dict(team_id="T1", kind="reminder", recipient="U1")
    assert deliveries.claim(db, "k", holder="a", now=NOW, **args)
    assert not deliveries.claim(db, "k", holder="a", now=NOW, **args)  # in flight
    deliveries.mark_sent(db, "k", NOW, channel="DU1", ts="1.1")
    assert not deliveries.claim(db, "k", holder="b", now=NOW, **args)
    assert deliveries.get(db, "k").status == "sent"


def test_a_failed_delivery_is_retried_after_its_backoff(tmp_path):
    db = create(tmp_path / "n.db")
    args = dict(team_id="T1", kind="reminder", recipient="U1")
    deliveries.claim(db, "k", holder="a", now=NOW, **args)
    retry_at = deliveries.mark_failed(db, "k", NOW, "ratelimited")
    assert not deliveries.claim(db, "k", holder="a", now=NOW + timedelta(seconds=1), **args)
    assert [d.key for d in deliveries.retryable(db, retry_at, "a")] == ["k"]
    assert deliveries.claim(db, "k", holder="a", now=retry_at, **args)
    assert deliveries.get(db, "k").attempts == 2 and not deliveries.get(db, "k").ambiguous


def test_a_pending_delivery_of_a_dead_holder_is_ambiguous_and_sent_again_once(tmp_path):
    db = create(tmp_path / "n.db")
    args = dict(team_id="T1", kind="reminder", recipient="U1")
    deliveries.claim(db, "k", holder="dead", now=NOW, **args)  # died before recording
    assert [d.key for d in deliveries.retryable(db, NOW, "alive")] == ["k"]
    assert deliveries.claim(db, "k", holder="alive", now=NOW, **args)
    assert deliveries.get(db, "k").ambiguous
    deliveries.mark_sent(db, "k", NOW)
    assert deliveries.counts(db) == {"sent": 1, "ambiguous": 1}

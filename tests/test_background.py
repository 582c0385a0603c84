"""The bounded background pool: never blocks, never queues without bound, one task per key."""

from __future__ import annotations

import threading

from bot.background import BoundedExecutor


def test_a_full_pool_refuses_and_a_busy_key_waits_its_turn():
    release = threading.Event()
    pool = BoundedExecutor("test-pool", workers=1, queued=1)
    try:
        first = pool.submit(release.wait, key="ana")
        assert pool.submit(release.wait, key="ana") is None and pool.is_busy("ana")
        queued = pool.submit(release.wait, key="pete")
        assert queued is not None
        assert pool.submit(release.wait, key="sam") is None  # one running, one waiting: full

        release.set()
        assert first.result(5) and queued.result(5)
        assert not pool.is_busy("ana")
        named = pool.submit(lambda: threading.current_thread().name, key="ana")
        assert named.result(5).startswith("test-pool")
    finally:
        pool.shutdown()


def test_a_failing_task_is_logged_with_the_pools_name_and_frees_its_slot(caplog):
    pool = BoundedExecutor("feed-check", workers=1, queued=0)

    def broken() -> None:
        raise RuntimeError("the feed's server vanished")

    try:
        failed = pool.submit(broken, key="ana")
        assert isinstance(failed.exception(5), RuntimeError)
        assert "feed-check: broken failed" in caplog.text
        assert pool.submit(lambda: "again", key="ana").result(5) == "again"
    finally:
        pool.shutdown()


def test_after_shutdown_nothing_is_taken():
    pool = BoundedExecutor("stopped", workers=1, queued=1)
    pool.shutdown()

    assert pool.submit(lambda: None, key="ana") is None and not pool.is_busy("ana")

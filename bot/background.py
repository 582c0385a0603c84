"""Work that runs after a member has been answered: a bounded, named pool of threads.

>>> checks = BoundedExecutor("feed-check", workers=4, queued=20)
>>> checks.submit(check_feed, deps, actor, url, key=(team_id, user_id))  # doctest: +SKIP
<Future at 0x... state=running>

``submit`` never blocks and never queues without bound: it returns ``None`` when every
worker is busy and ``queued`` tasks already wait, or when a task with the same ``key`` is
waiting or running (one at a time per member, say), so the caller can tell the member to
try again. A task that raises is logged here, with the pool's name; nothing else is done
with its error. ``Deps`` owns the pools; ``Deps.close`` shuts them down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["BoundedExecutor"]

log = logging.getLogger(__name__)


class BoundedExecutor:
    """``workers`` threads named ``<name>_<n>``, at most ``queued`` tasks waiting for them."""

    def __init__(self, name: str, *, workers: int, queued: int) -> None:
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(workers + queued)
        self._keys: set[Hashable] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0

    def submit(
        self, task: Callable[..., object], *args: object, key: Hashable | None = None
    ) -> Future | None:
        """Run ``task(*args)`` on a worker; ``None`` if the pool is full or ``key`` is busy."""
        with self._lock:
            if key is not None and key in self._keys:
                return None
            if not self._slots.acquire(blocking=False):
                return None
            if key is not None:
                self._keys.add(key)
            self._in_flight += 1
        try:
            future = self._pool.submit(self._run, task, args)
        except RuntimeError:  # shut down: the process is stopping
            self._release(key)
            return None
        future.add_done_callback(lambda _: self._release(key))
        return future

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no task is waiting or running (at most ``timeout`` s); whether it is."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def is_busy(self, key: Hashable) -> bool:
        """Whether a task with ``key`` is waiting or running."""
        with self._lock:
            return key in self._keys

    def shutdown(self, *, finish_queued: bool = False) -> None:
        """Drop the tasks still waiting, or with ``finish_queued`` wait for them all; running
        ones finish on their own (bounded by them)."""
        self._pool.shutdown(wait=finish_queued, cancel_futures=not finish_queued)

    def _run(self, task: Callable[..., object], args: tuple) -> object:
        try:
            return task(*args)
        except Exception:  # the end of a background task: no one else would see its error
            log.exception("%s: %s failed", self.name, getattr(task, "__name__", task))
            raise

    def _release(self, key: Hashable | None) -> None:
        with self._lock:
            self._keys.discard(key)
            self._in_flight -= 1
            self._idle.notify_all()
        self._slots.release()

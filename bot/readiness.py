"""Readiness: whether this process can answer a member now, decided within a deadline.

``/healthz`` asks a :class:`Readiness`; it runs named checks (a worker free in each pool
that answers members, a committed write to the database, the scheduler lease) in a
thread of its own and answers within ``DEADLINE`` seconds whatever they do. A check that
has not answered by then counts as failed. One check runs at a time, and a finished one
answers every probe for ``REUSE`` seconds, so a flood of ``/healthz`` costs one write a
second and holds at most one worker thread.

>>> readiness = Readiness()
>>> readiness.add("arithmetic", lambda timeout: "1 + 1 is 2")
>>> print(readiness().text(), end="")
ok
arithmetic: 1 + 1 is 2
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Readiness", "Report", "NotReady", "Check", "DEADLINE", "REUSE"]

log = logging.getLogger(__name__)

DEADLINE = 2.0  # seconds: a load balancer's probe usually gives up after 5
REUSE = 1.0  # seconds a finished check answers further probes

# A check takes the seconds left before the deadline and returns what it saw ("a write
# committed in 3 ms"), or raises NotReady saying what is wrong.
Check = Callable[[float], str]


class NotReady(Exception):
    """A check's finding that the process cannot answer members (the message says why)."""


@dataclass(frozen=True)
class Report:
    """The outcome of one round of checks: ready or not, and one line per check."""

    ready: bool
    lines: tuple[str, ...]

    def text(self) -> str:
        """The body of ``/healthz``: ``ok`` or ``not ready``, then a line per check."""
        return "\n".join(("ok" if self.ready else "not ready", *self.lines)) + "\n"


class _Round:
    """One round of checks, run on its own thread; lines appear as checks finish."""

    def __init__(self, checks: list[tuple[str, Check]], deadline: float) -> None:
        self.checks, self.deadline = checks, deadline
        self.lines: list[str] = []
        self.ready = True
        self.current = ""
        self.done = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        try:
            for name, check in self.checks:
                self.current = name
                left = self.deadline - (time.monotonic() - started)
                try:
                    line = check(max(left, 0.0))
                    if time.monotonic() - started > self.deadline:
                        raise NotReady(f"answered only after {self.deadline:g} s ({line})")
                except NotReady as found:
                    self.ready = False
                    line = str(found)
                self.lines.append(f"{name}: {line}")
        finally:
            self.done.set()

    def report(self) -> Report:
        """What is known now; a check still running counts as failed."""
        if self.done.is_set():
            return Report(self.ready, tuple(self.lines))
        late = f"{self.current}: no answer within {self.deadline:g} s"
        return Report(False, (*self.lines, late))


class Readiness:
    """Named checks behind ``/healthz``; call it for a :class:`Report`."""

    def __init__(self, *, deadline: float = DEADLINE, reuse: float = REUSE) -> None:
        self.deadline, self.reuse = deadline, reuse
        self._checks: list[tuple[str, Check]] = []
        self._lock = threading.Lock()
        self._round: _Round | None = None
        self._last: Report | None = None
        self._last_at = 0.0
        self._was_ready = True

    def add(self, name: str, check: Check) -> None:
        """Run ``check`` in every round, after the checks added before it."""
        self._checks.append((name, check))

    def watch(self, name: str, submit: Callable[[Callable[[], None]], object]) -> None:
        """Check that the pool behind ``submit`` starts new work within the deadline.

        ``submit(function)`` queues ``function`` as the pool queues a member's request
        (``executor.submit``, say): the check times how long it waits for a worker.
        """
        self.add(name, _pool_check(submit))

    def __call__(self) -> Report:
        """The latest report: a fresh one within the deadline, or one under ``REUSE`` old."""
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last_at < self.reuse:
                return self._last
            current = self._round
            if current is not None and not current.done.is_set():
                if self._last is not None:  # a round is under way: its predecessor answers
                    return self._last
            else:
                current = self._round = _Round(list(self._checks), self.deadline)
                threading.Thread(
                    target=self._run, args=(current,), name="readiness", daemon=True
                ).start()
        current.done.wait(self.deadline + 0.1)
        report = current.report()
        self._publish(report)
        return report

    def _run(self, current: _Round) -> None:
        current.run()
        self._publish(current.report())

    def _publish(self, report: Report) -> None:
        with self._lock:
            self._last, self._last_at = report, time.monotonic()
            changed, self._was_ready = report.ready != self._was_ready, report.ready
        if changed and not report.ready:
            log.warning("not ready: %s", "; ".join(report.lines))
        elif changed:
            log.info("ready again: %s", "; ".join(report.lines))


def _pool_check(submit: Callable[[Callable[[], None]], object]) -> Check:
    """A check that a no-op queued in the pool starts before the deadline.

    While an earlier no-op still waits, none is added: a stuck pool's queue does not grow.
    """
    waiting: list[threading.Event] = []

    def check(timeout: float) -> str:
        if waiting and not waiting[0].is_set():
            started = waiting[0]
        else:
            started = threading.Event()
            waiting[:] = [started]
            submit(started.set)
        began = time.monotonic()
        if not started.wait(timeout):
            raise NotReady(f"every worker busy for {timeout:.1f} s")
        return f"a worker free in {(time.monotonic() - began) * 1000:.0f} ms"

    return check

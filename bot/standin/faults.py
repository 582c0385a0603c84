"""Slack failing on purpose: rate limits, HTTP errors, error answers and slow replies.

>>> standin.fail_next("chat.postMessage", status=429, retry_after=1)
>>> standin.fail_method("users.info", "user_not_found")
>>> standin.delay(2.5, "users.info")
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Fault", "Faults"]


@dataclass
class Fault:
    """One ``fail_next`` or ``fail_every`` still in force."""

    method: str | None
    status: int
    retry_after: int
    error: str | None
    times: float  # remaining uses; math.inf for fail_every
    every: int = 0
    seen: int = 0


class Faults:
    """The faults a test has asked for; the stand-in consults them on every request."""

    _changed: threading.Condition  # the stand-in's lock (see ``Recorder``)

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._failing: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {}
        self._delay = 0.0
        self._delays: dict[str, float] = {}
        super().__init__()

    def fail_next(
        self,
        method: str | None = None,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls (to ``method``, or any) fail.

        ``error`` given: HTTP 200 ``{"ok": false, "error": error}``. Else ``status`` 429:
        rate limited with ``Retry-After``; any other status: that HTTP error.
        """
        self._faults.append(Fault(method, status, retry_after, error, times))

    def fail_every(
        self, n: int, method: str | None = None, *, status: int = 429, retry_after: int = 1
    ) -> None:
        """Make every ``n``-th call (to ``method``, or any) fail as in ``fail_next``."""
        self._faults.append(Fault(method, status, retry_after, None, float("inf"), every=n))

    def fail_method(
        self,
        method: str,
        error: str,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> None:
        """Answer ``method`` with business error ``error`` (optionally only ``when(params)``).

        >>> standin.fail_method("chat.postMessage", "channel_not_found",
        ...                     when=lambda p: p["channel"] == "C0GONE")
        """
        self._failing[method] = (error, when)

    def heal(self) -> None:
        """End every ``fail_next``, ``fail_every`` and ``fail_method`` still in force."""
        with self._changed:
            self._faults.clear()
            self._failing.clear()

    def delay(self, seconds: float, method: str | None = None) -> None:
        """Answer every request (or every call to ``method``) ``seconds`` late (0 to stop).

        >>> standin.delay(2.5, "users.info")  # Slack slow to say who someone is
        """
        if method is None:
            self._delay = seconds
        else:
            self._delays[method] = seconds

    def _fault_for(self, method: str) -> Fault | None:
        with self._changed:
            for fault in self._faults:
                if fault.method not in (None, method) or fault.times <= 0:
                    continue
                fault.seen += 1
                if fault.every and fault.seen % fault.every:
                    continue
                fault.times -= 1
                return fault
        return None

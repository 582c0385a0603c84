"""What became of each request: the ``handlers`` log's one line per request, read in order.

>>> outcomes = Outcomes(caplog)  # doctest: +SKIP
>>> bot.slack.block_action(SAM, "action_done", "1")  # doctest: +SKIP
>>> outcomes.next()  # doctest: +SKIP
'on_done_button user=U0SAM outcome=NotAllowed ms=4'
"""

from __future__ import annotations

import logging
import re
import time

__all__ = ["Outcomes", "UNEXPECTED", "outcome_of"]

# Anything but success or a refusal by name is a bug.
UNEXPECTED = re.compile(r" outcome=(?!ok |ParseError |NotFound |NotAllowed |UserError )(\S+)")


def outcome_of(line: str) -> str:
    """``ok`` or the error's class name."""
    return line.split(" outcome=")[1].split()[0]


class Outcomes:
    """Follows the outcome lines logged from now on (caplog sees every thread)."""

    def __init__(self, caplog) -> None:
        caplog.set_level(logging.INFO, logger="handlers")
        self.caplog = caplog
        self.seen = len(self.lines())

    def lines(self) -> list[str]:
        return [
            r.getMessage()
            for r in list(self.caplog.records)
            if r.name == "handlers" and " outcome=" in r.getMessage()
        ]

    def next(self, timeout: float = 10.0) -> str:
        """The line of the next request handled (waiting for it)."""
        deadline = time.monotonic() + timeout
        while len(self.lines()) <= self.seen:
            assert time.monotonic() < deadline, "the request was never handled"
            time.sleep(0.01)
        self.seen += 1
        return self.lines()[self.seen - 1]

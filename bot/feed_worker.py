"""Reading a feed in a child process with hard limits, so that no feed can hurt the bot.

>>> result = fetch_in_worker("https://myblog.example.org/feed.xml")  # doctest: +SKIP
>>> result.status, result.title  # doctest: +SKIP
('ok', "Ana's notes")

``fetch_in_worker`` starts ``python -m bot.feed_worker`` for each fetch. The child sets its
own limits before it reads anything (address space ``Limits.memory_bytes``, CPU time
``Limits.cpu_seconds``, no core files), reads the request as JSON on standard input, runs
``bot.feeds.fetch_feed`` (address checks, download, bounded decoding, ``parse_feed`` with
its pre-checks) and writes the ``FeedResult`` as JSON on standard output. The parent waits
at most ``Limits.deadline`` seconds for all of it (DNS, connecting, headers, body,
decoding, parsing) and then kills the child. Every way a child can end is a
``FeedResult``: killed at the deadline, out of CPU time, out of memory, crashed.

Why a process and not only pre-checks: feedparser cannot be interrupted from a thread, so
a thread has no deadline over parsing, and no pre-check proves a parser safe (a feed that
passes them could still find a slow path). Pre-checks give a member a quick, precise
reason for the known bombs; the process bounds what nobody thought of, and keeps the
bot's own memory out of reach (a hostile feed once took the bot to 1.76 GB). The cost is
starting Python with httpx and feedparser for each fetch: about 0.15 s of CPU, measured,
also for a conditional GET answered 304; a network with 500 feeds polled hourly spends
about 75 s of CPU an hour on it.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.feeds import FeedEntry
from bot.feeds import FeedResult, fetch_feed

__all__ = ["Limits", "fetch_in_worker", "main"]

log = logging.getLogger(__name__)

# The directory holding the ``bot`` package: the child runs there, so it runs this code.
_ROOT = Path(__file__).resolve().parent.parent
_REQUEST_MAX = 64_000
_ANSWER_MAX = 4_000_000  # 50 entries of at most a few kilobytes each, with room to spare


@dataclass(frozen=True)
class Limits:
    """The bounds of one fetch: wall-clock seconds over everything, memory, CPU, body size.

    256 MB of address space holds Python with httpx and feedparser (35 MB) and a 2 MB
    feed of 100 full-text posts (37 MB at its peak, measured); 10 s of CPU is about six
    times what that feed takes to fetch and parse (1.7 s).
    """

    deadline: float = 20.0
    memory_bytes: int = 256 * 2**20
    cpu_seconds: int = 10
    max_bytes: int = 2_000_000


def fetch_in_worker(
    url: str,
    *,
    etag: str | None = None,
    modified: str | None = None,
    allow_private: bool = False,
    limits: Limits = Limits(),
) -> FeedResult:
    """Fetch and parse ``url`` in a child process within ``limits``; never raises for a feed.

    The answer is ``bot.feeds.fetch_feed``'s, or an error result when the child was
    stopped: past the deadline, out of CPU or memory. Each fetch logs one line with its
    outcome, time, CPU and peak resident memory (``peak_mb``) of the child.
    """
    started = time.monotonic()
    request = {
        "url": url,
        "etag": etag,
        "modified": modified,
        "allow_private": allow_private,
        "limits": asdict(limits),
    }
    command = [sys.executable, "-B", "-s", "-m", "bot.feed_worker"]
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=_ROOT,
            env={},  # nothing of the bot's environment (its tokens) reaches the child
        )
    except OSError as error:  # no process to be had (out of processes or memory)
        _log(url, "not_started", started, None, None, str(error))
        return _error(url, "I couldn't start reading the feed just now; please try again later.")
    with child:
        try:
            out, err = child.communicate(json.dumps(request).encode(), timeout=limits.deadline)
        except subprocess.TimeoutExpired:
            cpu, peak_kb = _usage(child.pid)
            child.kill()
            child.communicate()
            result = _error(
                url, f"Reading the feed took more than {limits.deadline:g} seconds, so I stopped."
            )
            _log(url, "deadline", started, cpu, peak_kb)
            return result
    answer = _answer(out)
    if answer is None:
        result = _error(url, _stopped_because(child.returncode, limits))
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        _log(url, f"stopped:{child.returncode}", started, None, None, detail[0][:300])
        return result
    result, cpu, peak_kb = answer
    _log(url, result.status if result.status != "error" else "refused", started, cpu, peak_kb)
    return result


def _error(url: str, reason: str) -> FeedResult:
    return FeedResult(status="error", final_url=url, error=reason)


def _stopped_because(returncode: int, limits: Limits) -> str:
    """What a member is told when the child ended without an answer."""
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return (
            f"That feed is too complex to read (it took more than {limits.cpu_seconds} "
            "seconds of work)."
        )
    return (
        f"That feed is too large or too complex to read (it needed more than "
        f"{limits.memory_bytes // 2**20} MB)."
    )


def _answer(out: bytes) -> tuple[FeedResult, float, int] | None:
    """The child's ``(result, cpu seconds, peak kB)``, or None if it wrote no whole answer."""
    if not out or len(out) > _ANSWER_MAX:
        return None
    try:
        found = json.loads(out)
        entries = [
            FeedEntry(
                e["id"],
                e["title"],
                e["link"],
                datetime.fromisoformat(e["published"]) if e["published"] else None,
            )
            for e in found["entries"]
        ]
        result = FeedResult(
            status=found["status"],
            title=found["title"],
            entries=entries,
            etag=found["etag"],
            modified=found["modified"],
            final_url=found["final_url"],
            error=found["error"],
        )
        return result, float(found["cpu_seconds"]), int(found["peak_kb"])
    except (ValueError, KeyError, TypeError):
        return None


def _usage(pid: int) -> tuple[float | None, int | None]:
    """A running child's CPU seconds and peak resident memory (VmHWM, kB), from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None, None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "")
    return cpu, int(line.split()[1]) if line else None


def _log(
    url: str,
    outcome: str,
    started: float,
    cpu: float | None,
    peak_kb: int | None,
    detail: str = "",
) -> None:
    log.info(
        "feed fetch url=%r outcome=%s ms=%.0f cpu_ms=%s peak_mb=%s%s",
        url[:200],
        outcome,
        (time.monotonic() - started) * 1000,
        "-" if cpu is None else f"{cpu * 1000:.0f}",
        "-" if peak_kb is None else f"{peak_kb / 1024:.1f}",
        f" detail={detail!r}" if detail else "",
    )


# --- the child ------------------------------------------------------------------------------


class _OutOfTime(BaseException):
    """Raised in the child by SIGXCPU; a BaseException, so no ``except Exception`` eats it."""


def _on_cpu_limit(_signum: int, _frame: object) -> None:
    raise _OutOfTime


def _limit(limits: dict) -> None:
    """Bound this process: address space, CPU (SIGXCPU at the limit, SIGKILL 2 s later)."""
    memory, cpu = int(limits["memory_bytes"]), int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime)
    resource.setrlimit(resource.RLIMIT_CPU, (spent + cpu, spent + cpu + 2))
    signal.signal(signal.SIGXCPU, _on_cpu_limit)


def main() -> None:
    """The child: read one request on stdin, fetch within the limits, answer on stdout."""
    request = json.loads(sys.stdin.buffer.read(_REQUEST_MAX))
    limits = request["limits"]
    _limit(limits)
    try:
        result = fetch_feed(
            request["url"],
            etag=request["etag"],
            modified=request["modified"],
            allow_private=bool(request["allow_private"]),
            max_bytes=int(limits["max_bytes"]),
            timeout=max(1.0, float(limits["deadline"]) / 4),
        )
    except MemoryError:
        result = _error(
            request["url"],
            f"That feed is too large or too complex to read (it needed more than "
            f"{int(limits['memory_bytes']) // 2**20} MB).",
        )
    except _OutOfTime:
        result = _error(
            request["url"],
            f"That feed is too complex to read (it took more than {limits['cpu_seconds']} "
            "seconds of work).",
        )
    used = resource.getrusage(resource.RUSAGE_SELF)
    answer = asdict(result) | {
        "entries": [
            {
                "id": e.id,
                "title": e.title,
                "link": e.link,
                "published": e.published.isoformat() if e.published else None,
            }
            for e in result.entries
        ],
        "cpu_seconds": used.ru_utime + used.ru_stime,
        "peak_kb": _usage(os.getpid())[1] or 0,  # not ru_maxrss: that counts from before exec
    }
    sys.stdout.buffer.write(json.dumps(answer).encode())
    sys.stdout.flush()
    os._exit(0)  # nothing left to clean up: skip interpreter teardown


if __name__ == "__main__":
    main()

"""Hostile blogs against a real ``nudge run --http``: members register them over signed HTTP.

Each hostile feed is refused by DM and never registered; the figures printed are the
worker's peak resident memory for each (from the bot's log: its own VmHWM, or read from
/proc before it is killed) and the bot process's own peak (VmHWM from /proc). Five
registrations of feeds that hang for ever leave every member answered at once, and the
results come later by DM.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from storage.db import connect
from tests.conftest import ANA, GROUPIE, PETE, SAM, STEER
from tests.feeds_server import FeedServer, zeros_gzip
from tests.process import BotProcess

DEADLINE = 4  # NUDGE_FEED_TIMEOUT_SECONDS for these runs
PEAK_GOAL_MB = 300
HOSTILE = [
    ("/bomb/entities.xml", "declares its own entities"),
    ("/bomb/gzip-gzip.xml", "too large"),
    ("/bomb/gzip-in-gzip.xml", "doesn't look like an RSS or Atom feed"),
    ("/bomb/attributes.xml", "more than 100 attributes"),
    ("/trickle/headers.xml", f"took more than {DEADLINE} seconds"),
    ("/trickle/body.xml", f"took (too long|more than {DEADLINE} seconds)"),
    ("/endless.xml", "too large"),
    ("/hang.xml", "took too long to respond"),
]
MEMBERS = [ANA, PETE, SAM, STEER, GROUPIE, "U0OLU", "U0KIM", "U0RAJ", "U0ZOE"]


@pytest.fixture
def nudge(standin, people, tmp_path):
    """``nudge run --http`` with loopback feeds allowed and a short feed deadline."""
    for user in MEMBERS[5:]:
        standin.add_user(user, user[2:].lower(), tz="Europe/London")
    zeros_gzip(2**31), zeros_gzip(2**30)  # built before any worker waits for them
    bot = BotProcess(
        standin,
        tmp_path,
        NUDGE_ALLOW_PRIVATE_FEEDS="1",
        NUDGE_FEED_TIMEOUT_SECONDS=str(DEADLINE),
        NUDGE_TICK_SECONDS="30",
    )
    with bot:
        yield bot


def peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024


def worker_line(bot: BotProcess, url: str) -> re.Match:
    return bot.wait_for_log(
        re.compile(
            rf"feed fetch url='{re.escape(url)}' outcome=(\S+) ms=(\d+) cpu_ms=(\S+) peak_mb=(\S+)"
        ),
        timeout=30,
    )


def timed_command(bot: BotProcess, user: str, text: str, key: str) -> tuple[float, object]:
    """``/nudge text`` as ``user`` over signed HTTP: seconds until the reply, and the reply."""
    started = time.monotonic()
    answer = bot.slack.command("/nudge", text, user, response_url=bot.standin.response_url(key))
    assert answer.status_code == 200, answer.text
    reply = bot.standin.wait_for_response(lambda r: r.key == key, timeout=30)
    return time.monotonic() - started, reply


def result_dm(bot: BotProcess, user: str) -> dict:
    call = bot.standin.wait_for(
        "chat.postMessage", lambda c: c.params["channel"] == user, timeout=3 * DEADLINE + 30
    )
    return call.params


def feeds_stored(bot: BotProcess) -> int:
    with connect(bot.db_path) as db:
        return db.table("feeds").count


def test_every_hostile_feed_is_refused_by_dm_never_registered_and_bounded(nudge, standin):
    with FeedServer(trickle_seconds=0.3) as blog:
        urls = {path: blog.url(path) for path, _ in HOSTILE}
        answers: dict[str, tuple[float, object]] = {}
        senders = [
            threading.Thread(
                target=lambda u=user, p=path: answers.__setitem__(
                    p, timed_command(nudge, u, f"blog feed {urls[p]}", f"reg-{p}")
                )
            )
            for user, (path, _) in zip(MEMBERS, HOSTILE, strict=False)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        for path, _ in HOSTILE:  # every member answered at once, before any feed is read
            assert answers[path][0] < 3 and "I'll send you a DM" in answers[path][1].text
        dms = {
            path: result_dm(nudge, user) for user, (path, _) in zip(MEMBERS, HOSTILE, strict=False)
        }
        figures = {path: worker_line(nudge, urls[path]) for path, _ in HOSTILE}
        bot_peak = peak_mb(nudge.process.pid)
        good = timed_command(nudge, MEMBERS[-1], f"blog feed {blog.url('/rss.xml')}", "good")
        registered = result_dm(nudge, MEMBERS[-1])

    print(f"\n{len(HOSTILE)} hostile registrations sent at once to nudge run --http:")
    for path, reason in HOSTILE:
        took, _ = answers[path]
        outcome, ms, cpu_ms, worker_peak = figures[path].groups()
        print(
            f"  {path}: answered in {took:.2f} s; worker {outcome} after {int(ms) / 1000:.1f} s, "
            f"{cpu_ms} ms CPU, peak {worker_peak} MB; DM: {dms[path]['text'][:90]}"
        )
        assert re.search(reason, dms[path]["text"]) and "For example" in dms[path]["text"]
        assert float(worker_peak) < PEAK_GOAL_MB
    print(f"  peak RSS of the nudge process itself: {bot_peak:.1f} MB")
    assert bot_peak < PEAK_GOAL_MB
    assert good[0] < 3 and "is registered" in registered["text"]
    assert feeds_stored(nudge) == 1  # only the good one


def test_five_hanging_feeds_leave_another_member_answered_within_3_seconds(nudge, standin):
    hanging = MEMBERS[:5]
    with FeedServer(trickle_seconds=0.5) as slow:  # headers a byte at a time, for ever
        url = slow.url("/trickle/headers.xml")
        started = time.monotonic()
        answers: dict[str, tuple[float, object]] = {}
        senders = [
            threading.Thread(
                target=lambda u=user: answers.__setitem__(
                    u, timed_command(nudge, u, f"blog feed {url}", f"feed-{u}")
                )
            )
            for user in hanging
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        for user in hanging:
            assert answers[user][0] < 3 and "I'll send you a DM" in answers[user][1].text
        while slow.hits["/trickle/headers.xml"] < 4 and time.monotonic() - started < 10:
            time.sleep(0.02)  # the checks have reached the hanging server
        pending = slow.hits["/trickle/headers.xml"]
        other_took, other = timed_command(nudge, MEMBERS[5], "list", "other")
        dms = {}
        for user in hanging:
            result_dm(nudge, user)
            dms[user] = time.monotonic() - started

    print(
        f"\nfive registrations of a feed that never finishes its headers ({DEADLINE} s deadline):"
    )
    for user in hanging:
        print(f"  {user}: answered in {answers[user][0]:.2f} s; result DM after {dms[user]:.1f} s")
    print(f"  another member's /nudge list with {pending} checks hanging: {other_took:.2f} s")
    assert other_took < 3 and "reminders" in other.text
    assert pending >= 4
    assert feeds_stored(nudge) == 0

"""Feeds read in a worker process with limits: hostile blogs on loopback, real child processes.

Each hostile feed is refused with a reason a member can act on, within the deadline, and
the worker's peak resident memory (its own ``ru_maxrss``, or ``VmHWM`` read from /proc
just before it is killed) is printed and kept under 300 MB.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path

import pytest

from bot.feed_worker import Limits, fetch_in_worker
from tests.feeds_server import FeedServer, Post, rss, zeros_gzip

LOG = re.compile(r"outcome=(\S+) ms=(\d+) cpu_ms=(\S+) peak_mb=(\S+)")
PEAK_GOAL_MB = 300


@pytest.fixture
def blog():
    zeros_gzip(2**31), zeros_gzip(2**30)  # built once, before any worker waits for them
    with FeedServer(trickle_seconds=0.3) as server:
        yield server


def figures(caplog: pytest.LogCaptureFixture) -> tuple[str, int, str, float]:
    """The last worker log line: outcome, ms, cpu_ms, peak MB."""
    [*_, line] = [r.getMessage() for r in caplog.records if r.name == "bot.feed_worker"]
    found = LOG.search(line)
    assert found, line
    return found[1], int(found[2]), found[3], float(found[4])


def test_a_feed_is_read_in_a_worker(blog, caplog):
    caplog.set_level(logging.INFO, "bot.feed_worker")

    result = fetch_in_worker(blog.url("/rss.xml"), allow_private=True)

    assert result.status == "ok" and result.title == "Ana's blog"
    assert [e.id for e in result.entries] == ["ana-3", "ana-2", "ana-1"]
    assert result.entries[0].published is not None and result.etag
    outcome, ms, cpu_ms, peak = figures(caplog)
    print(f"a plain feed in a worker: {ms} ms, {cpu_ms} ms of CPU, peak {peak} MB")
    assert outcome == "ok"
    again = fetch_in_worker(blog.url("/rss.xml"), etag=result.etag, allow_private=True)
    assert again.status == "not_modified"


def test_the_worker_refuses_a_private_address_unless_allowed(blog):
    refused = fetch_in_worker(blog.url("/rss.xml"))

    assert refused.status == "error" and "private or local network" in refused.error
    assert blog.hits["/rss.xml"] == 0


HOSTILE = [
    ("/bomb/entities.xml", "declares its own entities"),
    ("/bomb/attributes.xml", "more than 100 attributes"),
    ("/bomb/gzip-gzip.xml", "too large"),
    ("/bomb/gzip-in-gzip.xml", "doesn't look like an RSS or Atom feed"),
    ("/trickle/headers.xml", "took more than 3 seconds"),
    ("/trickle/body.xml", "took more than 3 seconds"),
    ("/endless.xml", "too large"),
    ("/hang.xml", "took too long to respond"),
]


@pytest.mark.parametrize(("path", "reason"), HOSTILE)
def test_a_hostile_feed_is_refused_within_the_deadline_and_the_memory_goal(
    blog, caplog, path, reason
):
    caplog.set_level(logging.INFO, "bot.feed_worker")
    deadline = 3.0
    started = time.monotonic()

    result = fetch_in_worker(blog.url(path), allow_private=True, limits=Limits(deadline=deadline))

    took = time.monotonic() - started
    assert result.status == "error" and reason in result.error, result.error
    outcome, ms, cpu_ms, peak = figures(caplog)
    print(f"{path}: {outcome} in {took:.2f} s, {cpu_ms} ms of CPU, peak {peak} MB RSS")
    assert took < deadline + 2  # killed at the deadline at the latest (generous for load)
    assert peak < PEAK_GOAL_MB


def full_text_feed(posts: int = 100) -> bytes:
    """A real-looking feed of ``posts`` long posts (about 15 kB of HTML each)."""
    paragraph = (
        '<p>Text with <a href="https://a.example/x?a=1&amp;b=2">a link</a>, <em>more</em>.</p>'
    )
    description = f"<description><![CDATA[{paragraph * 200}]]></description>".encode()
    items = [Post(f"p{n}", f"Post {n}", f"/p/{n}", None) for n in range(posts)]
    return rss("Long reads", items).replace(b"</guid>", b"</guid>" + description)


def test_a_feed_needing_more_cpu_than_allowed_is_stopped(blog, caplog):
    caplog.set_level(logging.INFO, "bot.feed_worker")
    blog.feed("/long.xml", full_text_feed(posts=200))  # 3.8 MB: about 3.5 s of CPU to parse

    result = fetch_in_worker(
        blog.url("/long.xml"),
        allow_private=True,
        limits=Limits(cpu_seconds=1, max_bytes=4_000_000),
    )

    assert result.status == "error" and "too complex to read" in result.error, result.error
    print("stopped at 1 s of CPU:", figures(caplog))
    blog.feed("/long.xml", full_text_feed())  # 1.9 MB, within the default limits
    assert fetch_in_worker(blog.url("/long.xml"), allow_private=True).status == "ok"
    outcome, ms, cpu_ms, peak = figures(caplog)
    print(f"read with the default limits: {ms} ms, {cpu_ms} ms of CPU, peak {peak} MB")


def test_a_feed_needing_more_memory_than_allowed_is_stopped(blog, caplog):
    caplog.set_level(logging.INFO, "bot.feed_worker")
    nested = b"<a>" * 100_000 + b"</a>" * 100_000  # passes the pre-checks; 75 MB to parse
    blog.feed("/deep.xml", rss("Deep", []).replace(b"</channel>", nested + b"</channel>"))

    result = fetch_in_worker(
        blog.url("/deep.xml"), allow_private=True, limits=Limits(memory_bytes=48 * 2**20)
    )

    assert result.status == "error" and "too large or too complex" in result.error, result.error
    print("stopped at 48 MB of address space:", figures(caplog))


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def test_the_worker_gets_none_of_the_bots_environment(blog, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-of-the-bot")
    done = threading.Event()
    thread = threading.Thread(
        target=lambda: (
            fetch_in_worker(blog.url("/hang.xml"), allow_private=True, limits=Limits(deadline=3)),
            done.set(),
        )
    )
    thread.start()
    environments = []
    while not done.is_set() and not environments:
        environments = [
            Path(f"/proc/{child}/environ").read_bytes() for child in children_of(os.getpid())
        ]
        time.sleep(0.05)
    thread.join()

    assert environments and all(b"xoxb-" not in found for found in environments)


def test_a_worker_that_cannot_start_is_an_error_result(blog, monkeypatch):
    monkeypatch.setattr("sys.executable", "/nonexistent/python")

    result = fetch_in_worker(blog.url("/rss.xml"), allow_private=True)

    assert result.status == "error" and "couldn't start reading the feed" in result.error

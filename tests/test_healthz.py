"""``/healthz`` is a readiness check: 200 only when a member's command could be answered now.

It checks, within two seconds, that each pool answering members has a free worker, that
the database takes a committed write and that some process holds the scheduler lease;
anything else is 503 with the reason. ``HEAD`` answers too.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import threading
import time
from datetime import UTC, datetime

import httpx

from bot.readiness import NotReady, Readiness
from storage.codec import encode_time
from storage.db import immediate
from tests.conftest import ANA
from tests.process import BotProcess


def healthz(url: str, method: str = "GET") -> tuple[httpx.Response, float]:
    """Ask ``/healthz`` of the bot serving ``url``; the answer and how long it took."""
    started = time.monotonic()
    answer = httpx.request(method, url.replace("/slack/events", "/healthz"), timeout=10)
    return answer, time.monotonic() - started


def wait_until_ready(url: str, timeout: float = 10.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        answer, _ = healthz(url)
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_healthz_says_what_it_checked_and_answers_head(bot):
    answer, took = healthz(bot.runtime.url)
    assert answer.status_code == 200, answer.text
    lines = answer.text.splitlines()
    assert lines[0] == "ok"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "after-answer",
        "requests",
        "database",
        "scheduler",
    ]
    assert "a write committed in" in answer.text
    assert "this process holds the lease" in answer.text
    print(f"\n/healthz: ok in {took * 1000:.0f} ms")
    head, _ = healthz(bot.runtime.url, "HEAD")
    assert head.status_code == 200 and head.content == b""
    assert healthz(bot.runtime.url, "POST")[0].status_code == 405


def test_healthz_is_503_while_the_database_cannot_take_a_write(bot):
    assert wait_until_ready(bot.runtime.url).status_code == 200
    time.sleep(1.1)  # past the reuse of the last answer
    holder = sqlite3.connect(bot.settings.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a stuck writer: nobody else can write
    try:
        answer, took = healthz(bot.runtime.url)
        print(
            f"\n/healthz with the write lock held elsewhere: {answer.status_code} in {took:.1f} s"
        )
        assert answer.status_code == 503, answer.text
        assert answer.text.startswith("not ready\n")
        assert "database: no answer within 2 s" in answer.text
        assert took < 5  # the deadline is 2 s; generous on a shared machine
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert wait_until_ready(bot.runtime.url).status_code == 200


def test_healthz_is_503_when_no_process_holds_the_scheduler_lease(bot):
    assert wait_until_ready(bot.runtime.url).status_code == 200
    time.sleep(1.1)
    with bot.db() as db, immediate(db):  # the holder stopped renewing (its lease thread died)
        db.execute(
            "UPDATE leases SET expires_at = ?", [encode_time(datetime(2000, 1, 1, tzinfo=UTC))]
        )
    answer, _ = healthz(bot.runtime.url)
    assert answer.status_code == 503, answer.text
    assert "scheduler: no process holds the scheduler lease" in answer.text


def test_healthz_is_503_while_the_work_after_answers_is_stuck(bot):
    """With every after-answer worker stuck (here on a Web API call that hangs), members are
    still answered, but their App Homes and new owners' DMs wait: /healthz says so."""
    release, stuck = threading.Event(), []

    def hang(params: dict) -> dict:
        stuck.append(params)
        release.wait(30)
        return {"view": {"id": "V0HOME"}}

    bot.standin.handle("views.publish", hang)  # every App Home republish hangs
    late: list[tuple[int, float]] = []

    def command(n: int) -> None:
        started = time.monotonic()
        answer = bot.slack.command("/action", f"Late work {n} by Friday", ANA)
        late.append((answer.status_code, time.monotonic() - started))

    try:
        assert wait_until_ready(bot.runtime.url).status_code == 200
        time.sleep(1.1)  # past the reuse of the last answer
        for n in range(5):  # each answered, its home republish then stuck (or waiting)
            assert bot.slack.command("/action", f"Busy work {n} by Friday", ANA).status_code == 200
        deadline = time.monotonic() + 10
        while len(stuck) < 4 and time.monotonic() < deadline:  # the pool's four workers
            time.sleep(0.02)
        waiting = [threading.Thread(target=command, args=(n,)) for n in range(3)]
        for thread in waiting:  # members who type a command now wait for a listener
            thread.start()
        time.sleep(0.2)
        answer, took = healthz(bot.runtime.url)
        for thread in waiting:
            thread.join()
        print(
            f"\n/healthz with {len(stuck)} home republishes stuck: "
            f"{answer.status_code} in {took:.1f} s; "
            "commands sent meanwhile: "
            + ", ".join(f"{status} after {seconds:.1f} s" for status, seconds in late)
        )
        assert answer.status_code == 503, answer.text
        assert "after-answer: every worker busy" in answer.text
        assert [status for status, _ in late] == [200, 200, 200]  # members still answered
        assert took < 5
    finally:
        release.set()
        bot.standin.handlers.pop("views.publish")
    assert wait_until_ready(bot.runtime.url).status_code == 200


def test_healthz_is_503_while_the_disk_refuses_writes(standin, people, tmp_path):
    """A real process whose file writes fail (its file-size limit set to one byte, as a
    full disk would), then succeed again."""
    with BotProcess(standin, tmp_path) as bot:
        bot.wait_for_log("holding the scheduler lease")
        assert wait_until_ready(bot.url).status_code == 200
        pid = bot.process.pid
        limit = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        time.sleep(1.1)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, limit[1]))
        try:
            answer, took = healthz(bot.url)
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, limit)
        print(f"\n/healthz with every write failing: {answer.status_code} in {took:.1f} s")
        assert answer.status_code == 503, answer.text
        assert "database: a write failed" in answer.text
        assert wait_until_ready(bot.url).status_code == 200
        assert bot.running and os.path.exists(bot.db_path)


# --- the readiness check itself -------------------------------------------------------------


def test_a_flood_of_probes_runs_one_check():
    runs = []

    def slow(timeout: float) -> str:
        runs.append(timeout)
        time.sleep(0.3)
        return "fine"

    readiness = Readiness()
    readiness.add("slow", slow)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(readiness())) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1 and len(reports) == 50 and all(r.ready for r in reports)
    assert readiness() is reports[0] or readiness().ready  # reused within a second


def test_a_check_that_hangs_fails_at_the_deadline_and_is_not_started_twice():
    release, runs = threading.Event(), []

    def hangs(timeout: float) -> str:
        runs.append(1)
        release.wait(10)
        return "late"

    readiness = Readiness(deadline=0.5, reuse=5.0)
    readiness.add("quick", lambda timeout: "fine")
    readiness.add("hangs", hangs)
    started = time.monotonic()
    report = readiness()
    assert time.monotonic() - started < 2
    assert report.text() == "not ready\nquick: fine\nhangs: no answer within 0.5 s\n"
    assert readiness() == report and len(runs) == 1  # no second round while one is stuck
    release.set()
    time.sleep(0.2)
    late = readiness()  # the round's own report, once it finished
    assert late.text() == "not ready\nquick: fine\nhangs: answered only after 0.5 s (late)\n"


def test_a_check_saying_not_ready_makes_the_report_not_ready():
    def full(timeout: float) -> str:
        raise NotReady("disk full")

    readiness = Readiness()
    readiness.add("database", full)
    assert readiness().text() == "not ready\ndatabase: disk full\n"

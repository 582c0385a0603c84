"""A burst of writes loses none: every write takes the write lock up front and waits its turn.

Fifty members typing at the same moment into one bot, and two hundred into two ``nudge run
--http`` processes sharing one database file: every action and reflection is stored and
every member gets their answer, never an apology.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.db import WRITE_ATTEMPTS, connect, create, immediate
from tests.conftest import ANA, PETE, SAM, STEER
from tests.process import BotProcess

MEMBERS = (ANA, PETE, SAM, STEER)
SORRY = "something went wrong"


def commands(count: int, label: str) -> list[tuple[str, str, str]]:
    """Half new actions, half new reflections, each naming itself, from four members."""
    return [
        (
            ("/action", f"{label} action {n} by Friday", MEMBERS[n % 4])
            if n % 2 == 0
            else ("/reflect", f"{label} reflection {n} #burst", MEMBERS[n % 4])
        )
        for n in range(count)
    ]


def send_at_once(senders, batch: list[tuple[str, str, str]]) -> list[int]:
    """Send every command of ``batch`` at the same moment (round robin over ``senders``)."""
    start = threading.Barrier(len(batch))

    def send(numbered: tuple[int, tuple[str, str, str]]) -> int:
        n, (command, text, user) = numbered
        start.wait()
        return senders[n % len(senders)].command(command, text, user).status_code

    with ThreadPoolExecutor(len(batch)) as pool:
        return list(pool.map(send, enumerate(batch)))


def wait_for_answers(standin, count: int, timeout: float = 60.0) -> list[str]:
    """The texts of the first ``count`` replies, once that many have arrived."""
    deadline = time.monotonic() + timeout
    while len(standin.responses) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [r.text or "" for r in standin.responses]


def stored(db_path: str, label: str) -> int:
    """Actions and reflections of the burst ``label`` in the database."""
    db = connect(db_path)
    try:
        like = [f"{label} %"]
        return db.table("actions").count_where("title LIKE ?", like) + db.table(
            "reflections"
        ).count_where("text LIKE ?", like)
    finally:
        db.close()


def test_fifty_simultaneous_writes_to_one_bot_are_all_stored(bot, standin):
    batch = commands(50, "Burst")
    statuses = send_at_once([bot.slack], batch)
    answers = wait_for_answers(standin, len(batch))
    found = stored(bot.settings.db_path, "Burst")
    apologies = sum(SORRY in text for text in answers)
    print(f"\none bot: stored {found} of {len(batch)}, {apologies} apologies")
    assert statuses == [200] * len(batch)
    assert apologies == 0, [t for t in answers if SORRY in t][:3]
    assert found == len(batch)
    assert len(answers) == len(batch)


def test_two_hundred_writes_across_two_processes_on_one_file_are_all_stored(
    standin, people, tmp_path
):
    shared = str(tmp_path / "nudge.db")
    (tmp_path / "first").mkdir(), (tmp_path / "second").mkdir()  # a log each
    first = BotProcess(standin, tmp_path / "first", NUDGE_DB=shared)
    second = BotProcess(standin, tmp_path / "second", NUDGE_DB=shared)
    with first, second:
        batch = commands(200, "Pair")
        statuses = send_at_once([first.slack, second.slack], batch)
        answers = wait_for_answers(standin, len(batch))
        logs = [first.all_logs(), second.all_logs()]
    found = stored(shared, "Pair")
    apologies = sum(SORRY in text for text in answers)
    served = [log.count("outcome=ok") for log in logs]
    print(
        f"\ntwo processes: stored {found} of {len(batch)}, {apologies} apologies "
        f"(answered {served[0]} and {served[1]})"
    )
    assert statuses == [200] * len(batch)
    assert all(served)
    assert apologies == 0, [t for t in answers if SORRY in t][:3]
    assert not any("database is locked" in log for log in logs)
    assert found == len(batch)
    assert len(answers) == len(batch)


# --- the one way to write -------------------------------------------------------------------


def test_a_write_outside_the_write_transaction_is_refused(tmp_path):
    """No storage function can write without the lock: a connection is read-only until
    ``immediate`` has taken it (every test that writes through storage relies on this)."""
    create(tmp_path / "n.db").close()
    db = connect(tmp_path / "n.db")
    row = {"team_id": "T1", "event_id": "Ev1", "type": "", "received_at": "x"}
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.table("slack_events").insert(row)
    with pytest.raises(sqlite3.OperationalError, match="readonly"), db.atomic():
        db.table("slack_events").insert(row)  # sqlite-utils' own deferred BEGIN: refused too
    with immediate(db):
        db.table("slack_events").insert(row)
    assert db.table("slack_events").count == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM slack_events")  # and read-only again after it


def test_why_a_deferred_write_was_lost_and_an_immediate_one_waits(tmp_path):
    """In WAL mode a transaction that has read holds a snapshot; once another connection
    writes, its own first write fails at once, busy timeout or not. Taking the lock first,
    it waits for the other writer instead."""
    create(tmp_path / "n.db").close()
    path = str(tmp_path / "n.db")
    reader = sqlite3.connect(path, timeout=5, isolation_level=None)
    other = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")  # deferred, as sqlite-utils' insert() opens it
    reader.execute("SELECT count(*) FROM actions").fetchone()
    other.execute("INSERT INTO slack_events VALUES ('T1', 'Ev1', '', 'x')")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        reader.execute("INSERT INTO slack_events VALUES ('T1', 'Ev2', '', 'x')")
    failed_after = time.monotonic() - started
    reader.execute("ROLLBACK")
    print(f"\na deferred write failed after {failed_after * 1000:.0f} ms of a 5 s busy timeout")
    assert failed_after < 2.5  # at once, not after waiting the timeout

    db = connect(path)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    with immediate(db):  # waits the 0.3 s for the other writer, then writes
        db.execute("INSERT INTO slack_events VALUES ('T1', 'Ev2', '', 'x')")
    assert db.table("slack_events").count == 2


def test_a_lock_held_past_the_busy_timeout_is_waited_for_again(tmp_path, caplog):
    create(tmp_path / "n.db").close()
    holder = sqlite3.connect(str(tmp_path / "n.db"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    db = connect(tmp_path / "n.db", busy_timeout_ms=150)  # runs out three times in 0.5 s
    with caplog.at_level(logging.WARNING, logger="storage.db"), immediate(db):
        db.execute("INSERT INTO slack_events VALUES ('T1', 'Ev1', '', 'x')")
    release.join()
    waits = [r for r in caplog.records if "waiting again" in r.getMessage()]
    print(f"\nthe write waited the busy timeout {len(waits) + 1} times, then was stored")
    assert waits and db.table("slack_events").count == 1


def test_a_lock_never_released_gives_up_after_a_bounded_wait(tmp_path):
    create(tmp_path / "n.db").close()
    holder = sqlite3.connect(str(tmp_path / "n.db"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    db = connect(tmp_path / "n.db", busy_timeout_ms=50)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"), immediate(db):
        pytest.fail("the block must not run without the lock")
    assert time.monotonic() - started >= WRITE_ATTEMPTS * 0.05
    holder.execute("ROLLBACK")
    with immediate(db):  # the connection is usable afterwards, and read-only outside
        db.execute("INSERT INTO slack_events VALUES ('T1', 'Ev1', '', 'x')")


def test_a_write_inside_a_write_is_part_of_it(tmp_path):
    """Nested, ``immediate`` is a savepoint: its failure undoes only its own writes, and
    the outer block's failure undoes everything."""
    db = create(tmp_path / "n.db")
    insert = "INSERT INTO slack_events VALUES ('T1', ?, '', 'x')"
    with immediate(db):
        db.execute(insert, ["Ev1"])
        with pytest.raises(RuntimeError), immediate(db):
            db.execute(insert, ["Ev2"])
            raise RuntimeError("the inner step fails")
    assert [r["event_id"] for r in db.table("slack_events").rows] == ["Ev1"]
    with pytest.raises(RuntimeError), immediate(db):
        with immediate(db):
            db.execute(insert, ["Ev3"])
        raise RuntimeError("the outer step fails")
    assert [r["event_id"] for r in db.table("slack_events").rows] == ["Ev1"]

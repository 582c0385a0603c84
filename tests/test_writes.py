"""A burst of writes loses none: every write takes the write lock up front and waits its turn.

Fifty members typing at the same moment into one bot, and two hundred into two ``nudge run
--http`` processes sharing one database file: every action and reflection is stored and
every member gets their answer, never an apology.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.db import connect
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


@pytest.mark.slow
def test_two_hundred_writes_across_two_processes_on_one_file_are_all_stored(
    standin, people, tmp_path
):
    first = BotProcess(standin, tmp_path)
    second = BotProcess(standin, tmp_path)
    with first, second:
        batch = commands(200, "Pair")
        statuses = send_at_once([first.slack, second.slack], batch)
        answers = wait_for_answers(standin, len(batch))
        logs = first.all_logs() + second.all_logs()
    found = stored(first.db_path, "Pair")
    apologies = sum(SORRY in text for text in answers)
    print(f"\ntwo processes: stored {found} of {len(batch)}, {apologies} apologies")
    assert statuses == [200] * len(batch)
    assert apologies == 0, [t for t in answers if SORRY in t][:3]
    assert "database is locked" not in logs
    assert found == len(batch)
    assert len(answers) == len(batch)

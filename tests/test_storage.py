"""The store at size: lists read from indexes in the order they show, statistics kept."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.actions import ListFilter
from bot.scheduler import STATISTICS_JOB
from storage import actions as store
from storage import reflections
from storage.codec import encode_time
from storage.db import connect, create, immediate
from storage.migrations import MIGRATIONS, m011_search_by_audience

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
ME, OTHERS = "U0ME", ("U0ANA", "U0PETE", "U0SAM")


def seed(path, count: int = 1500) -> None:
    """Actions owned, created, both or neither by ME; open and done; dated and not."""
    rng = random.Random(5)
    db = create(path)
    with immediate(db):
        db.table("actions").insert_all(
            {
                "team_id": "T1",
                "title": f"Action {n}",
                "owner_id": rng.choice([ME, None, *OTHERS]),
                "creator_id": rng.choice([ME, *OTHERS]),
                "due": rng.choice(
                    [None, (TODAY + timedelta(days=rng.randint(-20, 20))).isoformat()]
                ),
                "workstream": rng.choice([None, "ai", "research"]),
                "status": rng.choice(["open", "open", "done"]),
                "notes": "",
                "created_at": encode_time(NOW),
                "updated_at": encode_time(NOW),
                "done_at": encode_time(NOW),
            }
            for n in range(count)
        )
    db.close()


FILTERS = {  # the list, and which rows it shows in what order, said plainly
    "default": (
        ListFilter("default"),
        lambda a: a.status == "open" and ME in (a.owner_id, a.creator_id),
    ),
    "mine": (ListFilter("mine"), lambda a: a.status == "open" and a.owner_id == ME),
    "workstream": (
        ListFilter("anyone", workstream="ai"),
        lambda a: a.status == "open" and a.workstream == "ai",
    ),
    "overdue": (
        ListFilter("anyone", status="overdue"),
        lambda a: a.status == "open" and a.due is not None and a.due < TODAY,
    ),
    "all": (ListFilter("anyone", status="all"), lambda a: True),
}


def by_due(a) -> tuple:
    return (a.status != "open", a.due is None, a.due or date.min, a.id)


@pytest.mark.parametrize("kind", FILTERS)
def test_each_list_shows_the_first_by_due_date_and_counts_them_all(tmp_path, kind):
    seed(tmp_path / "n.db")
    db = connect(tmp_path / "n.db")
    every = [store._action(r) for r in db.table("actions").rows]
    filter_, shown = FILTERS[kind]
    expected = sorted((a for a in every if shown(a)), key=by_due)
    got, total = store.listing(db, "T1", filter_, viewer_id=ME, today=TODAY, limit=40)
    assert [a.id for a in got] == [a.id for a in expected[:40]]
    assert total == len(expected)


def plans(db, run) -> list[str]:
    """The query plan of every statement ``run`` makes, one line per step."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    run()
    db.conn.set_trace_callback(None)
    return [
        row[3]
        for sql in statements
        if sql.lstrip().upper().startswith("SELECT")
        for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}")
    ]


@pytest.mark.parametrize(
    ("kind", "indexes"),
    [
        ("default", {"actions_owner_order", "actions_creator_order"}),
        ("mine", {"actions_owner_order"}),
        ("workstream", {"actions_workstream_order"}),
    ],
)
def test_a_members_list_reads_its_first_rows_from_an_index_in_order(tmp_path, kind, indexes):
    """No list sorts all of a member's actions to show forty (m009); checked on the plan
    SQLite chooses with the statistics start-up gathers."""
    seed(tmp_path / "n.db")
    create(tmp_path / "n.db").close()  # start-up again: now the tables are measured
    db = connect(tmp_path / "n.db")
    steps = plans(
        db, lambda: store.listing(db, "T1", FILTERS[kind][0], viewer_id=ME, today=TODAY, limit=40)
    )
    used = {step.split(" INDEX ")[1].split()[0] for step in steps if " INDEX " in step}
    assert indexes <= used, steps
    assert not any(step.startswith("SCAN actions") for step in steps), steps
    if kind != "default":  # the default list merges two index-ordered lists of forty
        assert not any("TEMP B-TREE FOR ORDER BY" in step for step in steps), steps


def test_start_up_measures_the_tables_for_the_query_planner(tmp_path):
    seed(tmp_path / "n.db")
    db = connect(tmp_path / "n.db")
    with immediate(db):
        db.execute("DELETE FROM sqlite_stat1")
    create(tmp_path / "n.db").close()
    measured = {
        row["idx"]
        for row in connect(tmp_path / "n.db").query(
            "SELECT idx FROM sqlite_stat1 WHERE tbl = 'actions'"
        )
    }
    assert {"actions_owner_order", "actions_list_order"} <= measured


def test_the_scheduler_measures_them_again_every_day(make_bot):
    job = make_bot().runtime._scheduler.get_job(STATISTICS_JOB)
    assert "hour='3', minute='30'" in str(job.trigger)


def test_what_a_member_may_see_is_counted_from_an_index_and_counted_right(tmp_path):
    rng = random.Random(8)
    db = create(tmp_path / "n.db")
    with immediate(db):
        db.table("reflections").insert_all(
            {
                "team_id": rng.choice(["T1", "T2"]),
                "author_id": rng.choice([ME, *OTHERS]),
                "text": f"Reflection {n}",
                "tags": "",
                "shared": rng.choice([0, 1]),
                "created_at": encode_time(NOW),
                "updated_at": encode_time(NOW),
            }
            for n in range(600)
        )
    for viewer in (ME, "U0ANA", "U0NOBODY"):
        seen = [
            r
            for r in db.table("reflections").rows
            if r["team_id"] == "T1" and (r["shared"] or r["author_id"] == viewer)
        ]
        steps = plans(db, lambda viewer=viewer: reflections.visible(db, "T1", viewer))
        assert reflections.visible(db, "T1", viewer, limit=5)[1] == len(seen)
        assert sum("COVERING INDEX reflections_audience" in step for step in steps) == 2, steps


def test_the_running_bot_holds_the_store_open_so_closing_a_unit_of_work_is_cheap(bot):
    """The last connection to close checkpoints the write-ahead log and deletes it; the
    connection held open for the process means a unit of work is never the last."""
    bot.command("/action", "Plan the show and tell by Friday")
    wal = Path(f"{bot.settings.db_path}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    bot.runtime.stop()
    assert not wal.exists()  # the held connection was closed: the log checkpointed


def test_reflections_written_before_the_audience_index_are_found_after_it(tmp_path):
    """m011 rebuilds the search index from what is already stored."""
    db = connect(tmp_path / "old.db")
    with immediate(db):
        for migration in MIGRATIONS[: MIGRATIONS.index(m011_search_by_audience)]:
            migration(db)
    written = [
        ("T1", ME, "Open questions in the charter meeting", 0),
        ("T1", "U0ANA", "The charter needs owners", 1),
        ("T1", "U0ANA", "Private charter worries", 0),
        ("T2", ME, "Another workspace's charter", 1),
    ]
    with immediate(db):
        db.table("reflections").insert_all(
            {
                "team_id": team,
                "author_id": author,
                "text": text,
                "tags": "",
                "shared": shared,
                "created_at": encode_time(NOW),
                "updated_at": encode_time(NOW),
            }
            for team, author, text, shared in written
        )
    with immediate(db):
        m011_search_by_audience(db)
    found, total = reflections.search(db, "T1", ME, ("charter",))
    assert sorted(f.reflection.text for f in found) == [
        "Open questions in the charter meeting",
        "The charter needs owners",
    ]
    assert total == 2

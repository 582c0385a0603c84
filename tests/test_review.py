"""``/action review`` and ``/action export``: the steering group's view of every action."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.actions import Action
from bot.domain.review import CSV_HEADER, actions_csv, summarise
from storage import review as store
from storage.codec import encode_time
from storage.db import create, immediate
from tests.conftest import ANA, GROUPIE, PETE, STEER

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday


def action(n: int, **changes) -> Action:
    base = dict(
        id=n,
        team_id="T1",
        title=f"Action {n}",
        owner_id="U0PETE",
        creator_id="U0ANA",
        due=None,
        workstream="inclusion",
        notes="",
        permalink=None,
        status="open",
        created_at=NOW,
        updated_at=NOW,
    )
    return Action(**{**base, **changes})


def test_the_review_sorts_open_actions_for_attention():
    old = NOW - timedelta(days=31)
    summary = summarise(
        [
            action(1, due=date(2026, 11, 30)),  # overdue
            action(2, due=date(2026, 12, 6), workstream=None),  # due this week (Sunday)
            action(3, due=date(2026, 12, 7)),  # next week
            action(4, owner_id=None, updated_at=old, created_at=old),  # stale, no owner, no due
            action(5, status="done", due=date(2026, 11, 1)),  # done: not reviewed
        ],
        NOW.date(),
        NOW,
    )
    assert [a.id for a in summary.overdue.actions] == [1]
    assert [a.id for a in summary.due_this_week.actions] == [2]
    assert [a.id for a in summary.stale.actions] == [4]
    assert [a.id for a in summary.no_owner.actions] == [4]
    assert [a.id for a in summary.no_due.actions] == [4]
    assert [(s.name, s.open, s.overdue) for s in summary.workstreams] == [
        ("inclusion", 3, 1),
        ("", 1, 0),
    ]
    assert summary.counts == {
        "open": 4,
        "overdue": 1,
        "due this week": 1,
        "stale": 1,
        "without owner": 1,
        "without due date": 1,
    }
    assert summary.unplanned == 1


def random_actions(rng: random.Random, count: int, now: datetime) -> list[Action]:
    """Open and done actions with every mix of owner, due date, workstream and age,
    many of them on the edges (due today or on Sunday, changed exactly 30 days ago)."""

    def one(n: int) -> Action:
        changed = now - timedelta(
            days=rng.choice([0, 29, 30, 31, 90]), seconds=rng.choice([0, 1, 3600])
        )
        return action(
            n,
            team_id=rng.choice(["T1", "T1", "T1", "T2"]),  # another workspace's too
            owner_id=rng.choice([PETE, ANA, None, ""]),
            due=rng.choice([None, now.date() + timedelta(days=rng.randint(-10, 10))]),
            workstream=rng.choice([None, "", "inclusion", "research", "ai"]),
            status=rng.choice(["open", "open", "open", "done"]),
            created_at=changed,
            updated_at=changed,
        )

    return [one(n) for n in range(1, count + 1)]


@pytest.mark.parametrize("seed", range(6))
def test_the_stored_summary_applies_the_same_rules_as_the_plain_one(tmp_path, seed):
    """storage.review counts in SQL and reads only the first of each list; it must agree
    with bot.domain.review.summarise over every action, whatever the mix."""
    rng = random.Random(seed)
    today = NOW.date() + timedelta(days=seed)  # any day of the week
    now = datetime.combine(today, NOW.timetz())
    actions_ = random_actions(rng, [0, 5, 60, 400, 400, 400][seed], now)
    db = create(tmp_path / "review.db")
    with immediate(db):
        db.table("actions").insert_all(
            {
                **{k: v for k, v in vars(a).items() if k != "done_at"},
                "due": a.due.isoformat() if a.due else None,
                "created_at": encode_time(a.created_at),
                "updated_at": encode_time(a.updated_at),
            }
            for a in actions_
        )
    plain = summarise([a for a in actions_ if a.team_id == "T1"], today, now, shown=7)
    stored = store.review_summary(db, "T1", today, now, shown=7)
    assert stored == plain


def test_a_summary_keeps_the_first_of_each_list_and_counts_the_rest():
    many = [action(n, due=date(2026, 11, 1) + timedelta(days=n % 20)) for n in range(1, 101)]
    summary = summarise(many, NOW.date(), NOW, shown=10)
    assert summary.overdue.total == 100 and len(summary.overdue.actions) == 10
    assert [a.due for a in summary.overdue.actions] == sorted(
        a.due for a in summary.overdue.actions
    )
    assert summary.overdue.actions[0].due == date(2026, 11, 1)


def test_the_csv_opens_in_a_spreadsheet_with_quoting_and_no_formulas():
    tricky = action(
        1,
        title='Say "hello", then =SUM(A1)',
        notes="line one\nline two · café 🎉",
        due=date(2026, 12, 4),
        done_at=None,
    )
    data = actions_csv([(tricky, 3), (action(2), 0)], tz=ZoneInfo("Europe/London"))
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_HEADER
    first = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert first["title"] == 'Say "hello", then =SUM(A1)'
    assert first["notes"] == "line one\nline two · café 🎉"
    assert (first["id"], first["due"], first["changes"]) == ("A1", "2026-12-04", "3")
    assert first["created_at"] == "2026-12-01 10:00"
    assert len(rows) == 3
    formula = actions_csv([(action(3, title='=HYPERLINK("x")'), 0)], tz=ZoneInfo("UTC"))
    assert list(csv.reader(io.StringIO(formula.decode("utf-8-sig"))))[1][1].startswith("'=")


@pytest.mark.parametrize("verb", ["review", "export"])
def test_members_outside_the_steering_group_are_refused(bot, verb):
    bot.command("/action", "Something to review")
    reply = bot.command("/action", verb, user=ANA)
    assert "is for the steering group" in reply.text
    assert bot.standin.files == []
    assert bot.standin.calls_to("conversations.open") == []


def test_steering_reviews_open_actions(make_bot):
    bot = make_bot(steering_group="steering")
    bot.command("/action", "Write up the research <@U0PETE|pete> #research")
    bot.command("/action", "Book the venue by Friday #events", user=PETE)
    bot.command("/action", "No stream yet")
    with bot.db() as db, immediate(db):
        db.table("actions").update(1, {"due": "2026-11-20"})
    reply = bot.command("/action", "review", user=GROUPIE)
    body = str(reply.blocks)
    assert "3 open · 1 overdue · 1 due this week" in reply.text
    assert "#research: 1 open, 1 overdue" in body and "#events: 1 open" in body
    assert "_no workstream_: 1 open" in body
    with bot.db() as db:
        assert store.review_summary(db, "T0001", NOW.date(), NOW).counts["open"] == 3


def test_steering_exports_every_action_as_csv_by_dm(bot):
    for n in range(1, 31):
        bot.command("/action", f"Action {n} for the export")
    bot.command("/action", "done A2")
    bot.command("/action", 'note A3 Spoke to the CDO, she said "yes"')
    reply = bot.command("/action", "export", user=STEER)
    assert "nudge-actions-2026-12-01.csv" in reply.text
    [upload] = bot.standin.files
    assert upload.channel == bot.standin.dm_channel(STEER)
    assert upload.filename == "nudge-actions-2026-12-01.csv"
    rows = list(csv.DictReader(io.StringIO(upload.content.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == [f"A{n}" for n in range(1, 31)]
    assert rows[1]["status"] == "done" and rows[1]["done_at"] == "2026-12-01 10:00"
    assert rows[2]["notes"] == 'Spoke to the CDO, she said "yes"' and rows[2]["changes"] == "1"
    assert rows[0]["creator"] == ANA and rows[0]["changes"] == "0"

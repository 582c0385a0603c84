"""The installation and state stores Bolt's OAuth flow uses, over the bot's own SQLite file.

Tokens are sealed at rest (the database file never holds one in the clear); an uninstalled
workspace is found no more, its data kept for the retention; a state works once, in time.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.oauth import InstallationRecords, StateRecords, TokenSeal, new_token_key
from storage import installations
from storage.db import connect, create

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TOKEN = "xoxb-1111-2222-council-secret"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def stores(tmp_path):
    path = tmp_path / "nudge.db"
    create(path).close()

    @contextmanager
    def db():
        conn = connect(path)
        try:
            yield conn
        finally:
            conn.close()

    clock = Clock()
    seal = TokenSeal(new_token_key())
    return path, db, clock, InstallationRecords(db, seal, clock, timedelta(days=30))


def install(records: InstallationRecords, team: str = "T0COUNCIL") -> None:
    records.save(
        Installation(
            app_id="A0NUDGE",
            team_id=team,
            team_name="A council",
            bot_token=TOKEN,
            bot_id="B0NUDGE",
            bot_user_id="U0BOT",
            bot_scopes=["commands", "chat:write"],
            user_id="U0INSTALLER",
        )
    )


def test_a_token_is_sealed_at_rest_and_opened_for_its_workspace(stores):
    path, db, _, records = stores
    install(records)
    bot = records.find_bot(enterprise_id=None, team_id="T0COUNCIL")
    assert bot.bot_token == TOKEN and bot.bot_user_id == "U0BOT"
    assert bot.bot_scopes == ["commands", "chat:write"]
    found = records.find_installation(enterprise_id=None, team_id="T0COUNCIL")
    assert found.bot_token == TOKEN and found.user_id == "U0INSTALLER"
    with db() as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = path.read_bytes()
    assert b"T0COUNCIL" in raw and TOKEN.encode() not in raw and b"council-secret" not in raw
    assert records.find_bot(enterprise_id=None, team_id="T0OTHER") is None


def test_another_key_opens_nothing(stores):
    _, db, clock, records = stores
    install(records)
    stranger = InstallationRecords(db, TokenSeal(new_token_key()), clock, timedelta(days=30))
    assert stranger.find_bot(enterprise_id=None, team_id="T0COUNCIL") is None


def test_an_uninstalled_workspace_is_found_no_more_and_erased_after_the_retention(stores):
    _, db, clock, records = stores
    install(records)
    install(records, "T0HEALTH")
    clock.now = NOW + timedelta(days=2)
    records.delete_all(enterprise_id=None, team_id="T0COUNCIL")
    assert records.find_bot(enterprise_id=None, team_id="T0COUNCIL") is None
    with db() as conn:
        assert installations.active_team_ids(conn) == ["T0HEALTH"]
        record = installations.get(conn, "T0COUNCIL")
        assert record.sealed_token == ""  # the token goes at once
        assert record.erase_at == NOW + timedelta(days=32)
        assert installations.due_for_erasure(conn, NOW + timedelta(days=31)) == []
        assert installations.due_for_erasure(conn, NOW + timedelta(days=32)) == ["T0COUNCIL"]
    records.delete_bot(enterprise_id=None, team_id="T0COUNCIL")  # tokens_revoked after
    with db() as conn:
        assert installations.get(conn, "T0COUNCIL").erase_at == NOW + timedelta(days=32)


def test_installing_again_within_the_retention_keeps_the_workspace(stores):
    _, db, clock, records = stores
    install(records)
    records.delete_all(enterprise_id=None, team_id="T0COUNCIL")
    clock.now = NOW + timedelta(days=10)
    install(records)
    assert records.find_bot(enterprise_id=None, team_id="T0COUNCIL").bot_token == TOKEN
    with db() as conn:
        assert installations.due_for_erasure(conn, NOW + timedelta(days=400)) == []


def test_a_state_works_once_and_only_while_fresh(stores):
    _, db, clock, _ = stores
    states = StateRecords(db, clock, timedelta(minutes=10))
    first, second = states.issue(), states.issue()
    assert first != second and len(first) >= 24
    assert states.consume(first) is True
    assert states.consume(first) is False  # replayed
    assert states.consume("forged-state") is False
    clock.now = NOW + timedelta(minutes=11)
    assert states.consume(second) is False  # too late

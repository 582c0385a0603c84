"""HTTP mode: signatures checked on every request, one path for everything, /healthz."""

from __future__ import annotations

import httpx

from tests.conftest import ANA


def stored(bot) -> int:
    with bot.db() as db:
        return db.table("actions").count


def test_a_wrong_signature_gets_401_and_runs_nothing(bot):
    answer = bot.slack.tampered().command("/action", "Sneaky action", ANA)
    assert answer.status_code == 401
    assert stored(bot) == 0
    assert bot.standin.responses == [] and bot.standin.calls_to("users.info") == []


def test_a_timestamp_older_than_five_minutes_gets_401_and_runs_nothing(bot):
    answer = bot.slack.late(seconds=6 * 60).command("/action", "Replayed action", ANA)
    assert answer.status_code == 401
    assert stored(bot) == 0
    assert bot.standin.responses == []


def test_a_body_changed_after_signing_gets_401(bot):
    from urllib.parse import urlencode

    from bot.standin import sign

    body = urlencode({"command": "/action", "text": "Real", "user_id": ANA}).encode()
    headers = sign("test-signing-secret-0123456789abcdef", body)
    answer = httpx.post(bot.runtime.url, content=body.replace(b"Real", b"Fake"), headers=headers)
    assert answer.status_code == 401


def test_healthz_unknown_paths_and_methods(bot):
    base = bot.runtime.url.removesuffix("/slack/events")
    assert httpx.get(f"{base}/healthz").text.startswith("ok\n")
    assert httpx.get(f"{base}/nothing").status_code == 404
    assert httpx.post(f"{base}/nothing", content=b"x").status_code == 404
    assert httpx.get(bot.runtime.url).status_code == 405


def test_everything_survives_a_restart_and_the_file_is_private(bot):
    import os
    import stat

    bot.command("/action", "Survive the restart by Friday")
    bot.restart()
    assert "Survive the restart" in bot.command("/action", "list").text
    bot.command("/action", "done A1")
    bot.restart()
    with bot.db() as db:
        assert db.table("actions").get(1)["status"] == "done"
        assert [e["kind"] for e in db.table("action_events").rows] == ["created", "done"]
    mode = stat.S_IMODE(os.stat(bot.settings.db_path).st_mode)
    assert mode == 0o600, oct(mode)

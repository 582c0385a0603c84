"""Hostile input: whatever is typed or forged, no unhandled error, no trace, nothing stored
on a refusal."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.actions import parse_action_command
from bot.domain.errors import UserError
from handlers import ids
from tests.conftest import ANA, SAM

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

# Text that looks like what members type, with Slack's escapes, ids, dates and junk mixed in.
WORDS = st.sampled_from([
    "list", "done", "reopen", "drop", "assign", "due", "note", "show", "help", "review",
    "export", "share", "search", "me", "to", "follow", "up", "with", "about", "every",
    "by", "Friday", "next", "in", "2", "weeks", "tomorrow", "at", "9am", "A1", "A99999999999",
    "R1", "N1", "12", "-1", "0", "<@U0PETE|pete>", "<@U0NOBODY>", "@pete", "@", "#", "#x",
    "<#C0X|inclusion>", "<#C0X>", "<!channel>", "<https://example.org|x>", "&lt;", "\u202e",
    "🙂", "'; DROP TABLE actions; --", "%s", "{0}", "\x00", "2026-02-30", "31 Feb", "\n",
])
TEXTS = st.one_of(
    st.lists(WORDS, max_size=8).map(" ".join),
    st.text(max_size=300),
    st.text(min_size=3000, max_size=3200),
)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_reading_any_action_text_raises_nothing_but_a_user_error(text):
    try:
        parse_action_command(text, NOW, ZoneInfo("Europe/London"))
    except UserError as error:
        assert error.message


def test_any_command_text_over_http_gets_a_friendly_reply_and_refusals_store_nothing(bot):
    def stored() -> tuple[int, int]:
        with bot.db() as db:
            return db.table("actions").count, db.table("action_events").count

    seen = {"tried": 0, "refused": 0}

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(command=st.sampled_from(ids.COMMANDS), text=TEXTS)
    def check(command, text):
        before = stored()
        if not text.strip():  # a bare command opens a form, or answers with help
            opened = len(bot.standin.calls_to("views.open"))
            answered = len(bot.standin.responses)
            assert bot.slack.command(command, text, SAM).status_code == 200
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and opened == len(
                    bot.standin.calls_to("views.open")) and answered == len(bot.standin.responses):
                time.sleep(0.02)
            assert time.monotonic() < deadline, f"{command} alone did nothing"
            return
        reply = bot.command(command, text, user=SAM)
        seen["tried"] += 1
        body = str(reply.body)
        assert reply.response_type == "ephemeral"
        assert "Traceback" not in body and "Exception" not in body and 'File "' not in body
        assert "something went wrong on my side" not in body, (command, text, body)
        if ":warning:" in body:  # a refusal: nothing changed
            seen["refused"] += 1
            assert stored() == before, (command, text)

    check()
    print(f"hostile command texts: {seen['tried']} tried, {seen['refused']} refused")
    assert seen["refused"] > 0


def test_forged_button_values_are_refused(bot):
    bot.command("/action", "Ana's own action", user=ANA)
    for value in ("1", "999999", "-1", "A1", "", "1; DROP TABLE actions", "9" * 40):
        answer = bot.slack.block_action(SAM, f"{ids.ACTION_DONE}:1", value)
        assert answer.status_code == 200
    bot.standin.wait_for_response(lambda r: "only its owner" in (r.text or ""))
    replies = [str(r.body) for r in bot.standin.responses]
    assert not any("something went wrong" in r or "Traceback" in r for r in replies)
    with bot.db() as db:
        assert db.table("actions").get(1)["status"] == "open"
        assert db.table("action_events").count == 1

"""A mention must name someone in the workspace: an id Slack does not know is refused."""

from __future__ import annotations

from tests.conftest import ANA, PETE

GHOST = "U0GHOST"  # not in the stand-in's workspace: users.info answers user_not_found


def actions(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("actions").rows_where(order_by="id"))


def test_an_owner_slack_does_not_know_is_refused_and_nothing_is_stored(bot):
    reply = bot.command("/action", f"Draft the charter response <@{GHOST}|ghost> by Friday")

    assert "Slack has no member @ghost (U0GHOST) in this workspace" in reply.text
    assert "let" not in reply.text  # no "I've let @U0GHOST know"
    assert actions(bot) == []
    assert not [c for c in bot.standin.calls_to("chat.postMessage") if c.params["channel"] == GHOST]


def test_assigning_to_an_unknown_id_is_refused_and_the_owner_stays(bot):
    bot.command("/action", "Book the room")

    reply = bot.command("/action", f"assign A1 <@{GHOST}>")

    assert "Slack has no member U0GHOST" in reply.text
    assert [a["owner_id"] for a in actions(bot)] == [ANA]


def test_a_member_not_seen_before_is_found_by_slack_and_given_the_action(bot):
    reply = bot.command("/action", f"Draft the charter response <@{PETE}|pete>")

    assert "Tracked" in reply.text
    assert [a["owner_id"] for a in actions(bot)] == [PETE]
    assert bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == PETE)


def test_while_slack_cannot_say_who_it_is_the_mention_is_taken_as_given(bot):
    bot.standin.fail_method("users.info", "internal_error", when=lambda p: p["user"] == PETE)

    reply = bot.command("/action", f"Draft the charter response <@{PETE}|pete>")

    assert "Tracked" in reply.text
    assert [a["owner_id"] for a in actions(bot)] == [PETE]

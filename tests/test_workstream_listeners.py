"""``/workstream`` wired: typed and in its form over signed HTTP, the action form's select, an
unknown tag's "did you mean", and the lead told when an action joins their workstream."""

from __future__ import annotations

from bot.standin import submit_view
from handlers import ids
from handlers.blocks import workstreams as ws_blocks
from tests.conftest import ANA, PETE, SAM, STEER


def workstreams(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("workstreams").rows_where(order_by="tag"))


def actions(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("actions").rows_where(order_by="id"))


def test_the_steering_group_adds_edits_and_archives_and_everyone_lists(bot, clock):
    bot.standin.add_channel("C0INCL", "inclusion")
    added = bot.command(
        "/workstream",
        "add #inclusion Digital inclusion lead <@U0PETE|pete> channel <#C0INCL|inclusion>",
        STEER,
    )
    assert added.text.startswith("Added #inclusion.") and "<#C0INCL>" in added.text
    bot.command("/workstream", "add #democracy Local democracy", STEER)
    [democracy, inclusion] = workstreams(bot)
    assert (inclusion["title"], inclusion["lead_id"], inclusion["channel_id"]) == (
        "Digital inclusion",
        PETE,
        "C0INCL",
    )
    assert democracy["lead_id"] is None

    bot.command("/action", "Draft the reply #inclusion by 2026-11-20", ANA)  # refused: past
    bot.command("/action", "Draft the reply #inclusion by next Friday", ANA)
    bot.command("/action", "Book the room #inclusion by tomorrow", ANA)
    clock.advance(days=2)  # the room is overdue now
    listed = bot.command("/workstream", "", SAM)
    line = next(b["text"]["text"] for b in listed.blocks if "#inclusion" in str(b))
    assert "led by <@U0PETE>" in line and "2 open, :warning: 1 overdue" in line, line
    assert "#democracy" in listed.text

    bot.command("/workstream", "edit #inclusion Digital inclusion and access lead none", STEER)
    [_, inclusion] = workstreams(bot)
    assert (inclusion["title"], inclusion["lead_id"]) == ("Digital inclusion and access", None)
    assert bot.command("/workstream", "archive #democracy", STEER).text.startswith("Archived")
    assert "#democracy" not in bot.command("/workstream", "list", SAM).text
    assert "#democracy" in bot.command("/workstream", "list all", SAM).text
    refused = bot.command("/action", "Run the hustings #democracy", ANA)
    assert "archived" in refused.text and len(actions(bot)) == 2
    assert bot.command("/workstream", "unarchive #democracy", STEER).text.startswith("Brought back")
    assert "/workstream add" in bot.command("/workstream", "help", SAM).text + str(
        bot.standin.responses[-1].blocks
    )


def test_members_outside_the_steering_group_are_refused_and_nothing_changes(bot):
    for text in (
        "add #inclusion Digital inclusion",
        "add",  # the form is not even opened
        "edit #inclusion",
    ):
        reply = bot.command("/workstream", text, ANA)
        assert "is for the steering group" in reply.text, (text, reply.text)
    assert workstreams(bot) == [] and bot.standin.open_modals(ANA) == []


def test_an_unknown_tag_gets_did_you_mean_once_workstreams_are_kept(bot):
    assert bot.command("/action", "Draft it #anything", ANA).text.startswith("Tracked")
    bot.command("/workstream", "add #inclusion Digital inclusion", STEER)
    refused = bot.command("/action", "Draft the reply #inclsion by Friday", ANA)
    assert "Did you mean `/action Draft the reply #inclusion by Friday`?" in refused.text
    assert "There's no workstream #budget" in bot.command("/action", "Plan #budget", ANA).text
    assert len(actions(bot)) == 1  # the free tag from before any was kept stays
    assert bot.command("/action", "Draft the reply #inclusion", ANA).text.startswith("Tracked")


def test_the_lead_hears_when_an_action_joins_unless_they_did_it_or_were_told_as_owner(bot):
    bot.command("/workstream", "add #inclusion Digital inclusion lead <@U0PETE|pete>", STEER)
    before = len(bot.standin.dms_to(PETE))
    bot.command("/action", "Draft the reply #inclusion", ANA)
    bot.standin.wait_for("chat.postMessage", lambda c: c.params.get("channel") == PETE)
    [told] = bot.standin.dms_to(PETE)[before:]
    assert "<@U0ANA> added an action to *#inclusion*, which you lead." in str(told.blocks)
    bot.command("/action", "Ask Pete #inclusion <@U0PETE|pete>", ANA)  # told once, as owner
    bot.command("/action", "Pete's own #inclusion", PETE)
    bot.command("/action", "Ana's next #inclusion", ANA)
    bot.standin.wait_for("chat.postMessage", lambda c: "Ana's next" in str(c.params))
    dms = [m.text for m in bot.standin.dms_to(PETE)[before:]]
    assert len(dms) == 3 and "given you" in dms[1] + str(bot.standin.dms_to(PETE)[-2].blocks)


def test_the_forms_add_and_edit_and_the_action_form_picks_from_a_select(bot):
    bot.slack.command("/workstream", "add", STEER)
    bot.standin.wait_for("views.open")
    [form] = bot.standin.open_modals(STEER)
    refused = submit_view(
        bot.standin,
        bot.slack,
        STEER,
        form,
        {ws_blocks.FIELD_TAG: "#42", ws_blocks.FIELD_TITLE: "X"},
    )
    assert ws_blocks.FIELD_TAG in refused.errors and workstreams(bot) == []
    submit_view(
        bot.standin,
        bot.slack,
        STEER,
        form,
        {
            ws_blocks.FIELD_TAG: "#Inclusion",
            ws_blocks.FIELD_TITLE: "Digital inclusion",
            ws_blocks.FIELD_LEAD: PETE,
        },
    )
    [row] = workstreams(bot)
    assert (row["tag"], row["title"], row["lead_id"]) == ("inclusion", "Digital inclusion", PETE)

    bot.slack.command("/workstream", "edit #inclusion", STEER)
    bot.standin.wait_for("views.open", lambda c: "Edit a workstream" in str(c.params))
    edit = bot.standin.open_modals(STEER)[-1]  # over the first form's answer
    submit_view(
        bot.standin,
        bot.slack,
        STEER,
        edit,
        {ws_blocks.FIELD_TITLE: "Digital inclusion & access", ws_blocks.FIELD_LEAD: SAM},
    )
    [row] = workstreams(bot)
    assert row["title"] == "Digital inclusion &amp; access" and row["lead_id"] == SAM

    bot.slack.command("/action", "", ANA)
    bot.standin.wait_for("views.open", lambda c: ids.ACTION_MODAL in str(c.params))
    [action_form] = bot.standin.open_modals(ANA)
    field = next(
        b for b in action_form.view["blocks"] if b["block_id"] == ids.ACTION_MODAL_WORKSTREAM
    )
    assert field["element"]["type"] == "static_select"
    assert [o["value"] for o in field["element"]["options"]] == ["inclusion"]
    submit_view(
        bot.standin,
        bot.slack,
        ANA,
        action_form,
        {ids.ACTION_MODAL_TITLE: "Draft the reply", ids.ACTION_MODAL_WORKSTREAM: "inclusion"},
    )
    [action] = actions(bot)
    assert action["workstream"] == "inclusion"

"""``/conversation`` wired, over signed HTTP and the stand-in: recorded typed and in its form,
listed, shared by verb and button; the people you talk with; a cadence that nudges only when
it lapses; follow-ups with people outside Slack and "How did it go?"; the map; and the
steering group's erasure of a name, leaving no trace in the database file.

A private conversation is never seen by another member, the digest, the map or an export.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.console_forms import form_fields
from bot.standin import submit_view
from handlers import ids
from handlers.blocks import conversations as blocks
from handlers.conversations import send_cadence_nudges
from tests.conftest import ANA, PETE, SAM, STEER

NAMES = re.compile(rb"(?<![a-z])(?:nicola|gill)(?![a-z])", re.IGNORECASE)


def file_bytes(bot) -> bytes:
    """The database file and its write-ahead log (and anything else beside it), as bytes."""
    path = Path(bot.settings.db_path)
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def rows(bot, table: str = "conversations") -> list[dict]:
    with bot.db() as db:
        return list(db.table(table).rows_where(order_by="id"))


def everything_said(bot, user: str, replies: list) -> str:
    """Every DM to ``user`` and the ``replies`` they were given, as one text."""
    said = [str((m.text, m.blocks)) for m in bot.standin.dms_to(user)]
    said += [str((r.text, r.blocks)) for r in replies]
    return "\n".join(said)


def test_recorded_listed_shared_and_deleted(bot):
    saved = bot.command(
        "/conversation",
        "with Nicola Gill (GDS) about digital inclusion #inclusion [follow up in 3 weeks]",
        ANA,
    )
    assert "Recorded C1. It's private" in saved.text and "follow up" in saved.text
    [row] = rows(bot)
    assert (row["person_name"], row["organisation"], row["topic"], row["tags"], row["shared"]) == (
        "Nicola Gill",
        "GDS",
        "digital inclusion",
        "inclusion",
        0,
    )
    [follow_up] = rows(bot, "reminders")
    assert (follow_up["kind"], follow_up["person_name"], follow_up["person_org"]) == (
        "follow_up",
        "Nicola Gill",
        "GDS",
    )
    assert "C1" in bot.command("/conversation", "list", ANA).text
    assert "C1" not in bot.command("/conversation", "list all", PETE).text
    assert "There's no conversation C1 that you can see" in (
        bot.command("/conversation", "share C1", PETE).text
    )
    assert "Shared C1" in bot.command("/conversation", "share C1", ANA).text
    assert "C1 with Nicola Gill (GDS)" in bot.command("/conversation", "list all", PETE).text
    assert "only its author" in bot.command("/conversation", "delete C1", PETE).text
    people = bot.command("/conversation", "people", ANA)
    assert "Nicola Gill (GDS)" in people.text
    assert "Deleted C1" in bot.command("/conversation", "delete C1", ANA).text
    assert rows(bot) == []
    assert "/conversation with" in str(bot.command("/conversation", "help", PETE).blocks)


def test_the_share_button_is_the_author_s_and_shares(bot):
    bot.command("/conversation", "with <@U0PETE|pete> about the charter", ANA)
    saved = bot.standin.responses[-1]
    [button] = [
        b["accessory"] for b in saved.blocks if (b.get("accessory") or {}).get("type") == "button"
    ]
    assert button["action_id"] == f"{ids.CONVERSATION_SHARE}:1"
    [row] = rows(bot)
    assert (row["person_id"], row["person_name"]) == (PETE, None)
    bot.slack.block_action(SAM, button["action_id"], button["value"])
    bot.standin.wait_for_response(lambda r: "no conversation C1" in (r.text or ""))
    assert rows(bot)[0]["shared"] == 0
    bot.slack.block_action(ANA, button["action_id"], button["value"])
    bot.standin.wait_for_response(lambda r: "Shared C1" in (r.text or ""))
    assert rows(bot)[0]["shared"] == 1


def test_the_form_records_one_refusing_at_its_fields(bot):
    bot.slack.command("/conversation", "", ANA)
    bot.standin.wait_for("views.open")
    [form] = bot.standin.open_modals(ANA)
    refused = submit_view(bot.standin, bot.slack, ANA, form, {blocks.FIELD_FOLLOW_UP: "2026-11-01"})
    assert set(refused.errors) == {blocks.FIELD_NAME}  # no one named; nothing stored
    refused = submit_view(
        bot.standin,
        bot.slack,
        ANA,
        form,
        {blocks.FIELD_NAME: "Nicola Gill", blocks.FIELD_FOLLOW_UP: "2026-11-01"},
    )
    assert set(refused.errors) == {blocks.FIELD_FOLLOW_UP} and rows(bot) == []
    submit_view(
        bot.standin,
        bot.slack,
        ANA,
        form,
        {
            blocks.FIELD_NAME: "Nicola Gill",
            blocks.FIELD_ORG: "GDS",
            blocks.FIELD_TOPIC: "Inclusion & the charter",
            blocks.FIELD_TAGS: "inclusion, #skills",
            blocks.FIELD_FOLLOW_UP: "2026-12-10",
            blocks.FIELD_VISIBILITY: "shared",
        },
    )
    [row] = rows(bot)
    assert (row["topic"], row["tags"], row["shared"]) == (
        "Inclusion &amp; the charter",
        "inclusion skills",
        1,
    )
    assert len(rows(bot, "reminders")) == 1


def test_a_follow_up_with_someone_outside_slack_then_how_did_it_go(driven, clock):
    bot = driven
    set_ = bot.command("/nudge", "follow up with Nicola Gill (GDS) about the charter tomorrow", ANA)
    assert "Nicola Gill (GDS)" in set_.text, set_.text
    [reminder] = rows(bot, "reminders")
    assert (reminder["person_id"], reminder["person_name"], reminder["person_org"]) == (
        None,
        "Nicola Gill",
        "GDS",
    )
    bot.slack.block_action(ANA, ids.NUDGE_DONE, str(reminder["id"]))
    done = bot.standin.wait_for_response(lambda r: "How did it go?" in str(r.blocks))
    [button] = [
        b["accessory"]
        for b in done.blocks
        if (b.get("accessory") or {}).get("action_id") == ids.CONVERSATION_LOG
    ]
    bot.slack.block_action(SAM, ids.CONVERSATION_LOG, button["value"])  # not Sam's follow-up
    bot.standin.wait_for_response(lambda r: "no reminder" in (r.text or ""))
    assert bot.standin.open_modals(SAM) == []
    bot.slack.block_action(ANA, ids.CONVERSATION_LOG, button["value"])
    bot.standin.wait_for("views.open")
    [form] = bot.standin.open_modals(ANA)
    left = {f.action_id: f.initial for f in form_fields(form.view)}
    assert (left[blocks.FIELD_NAME], left[blocks.FIELD_ORG], left[blocks.FIELD_TOPIC]) == (
        "Nicola Gill",
        "GDS",
        "the charter",
    )
    submit_view(bot.standin, bot.slack, ANA, form, {**left, blocks.FIELD_TOPIC: "Went well"})
    [row] = rows(bot)
    assert (row["reminder_id"], row["person_name"], row["topic"]) == (
        reminder["id"],
        "Nicola Gill",
        "Went well",
    )


def test_a_cadence_nudges_only_when_it_lapses_and_once(driven, clock):
    bot = driven
    set_ = bot.command("/conversation", "stay in touch with Nicola Gill (GDS) every 2 weeks", ANA)
    assert "every 2 weeks" in set_.text
    clock.advance(days=10)
    bot.command("/conversation", "with Nicola Gill about the charter", ANA)  # resets it
    clock.advance(days=7)  # 17 days since it was set, 7 since they talked
    assert send_cadence_nudges(bot.runtime.deps) == 0
    clock.advance(days=8)  # 15 days since they talked
    assert send_cadence_nudges(bot.runtime.deps) == 1
    assert send_cadence_nudges(bot.runtime.deps) == 0  # once per lapse
    bot.restart()
    assert send_cadence_nudges(bot.runtime.deps) == 0  # and across a restart
    [nudge] = [m for m in bot.standin.dms_to(ANA) if "Time to be in touch" in (m.text or "")]
    assert "Nicola Gill (GDS)" in nudge.text
    [button] = [b["accessory"] for b in nudge.blocks if b.get("accessory")]
    bot.slack.block_action(ANA, ids.CONVERSATION_LOG, button["value"])
    bot.standin.wait_for("views.open")
    [form] = bot.standin.open_modals(ANA)
    assert {f.action_id: f.initial for f in form_fields(form.view)}[blocks.FIELD_NAME] == (
        "Nicola Gill"
    )
    stopped = bot.command("/conversation", "stay in touch with Nicola Gill off", ANA)
    assert "stopped" in stopped.text and rows(bot, "cadences") == []


def test_a_private_conversation_reaches_no_one_else_the_digest_the_map_or_an_export(driven, clock):
    bot = driven
    bot.command("/conversation", "with Priya Raman (Cabinet Office) about a private matter", ANA)
    bot.command("/conversation", "share with Jo Bloggs (LGA) about the charter", PETE)
    assert "LGA" in bot.command("/conversation", "map", SAM).text
    replies: dict[str, list] = {}
    for user in (PETE, SAM, STEER):  # the steering group sees what any member sees
        replies[user] = [
            bot.command("/conversation", text, user)
            for text in ("list all", "people", "map", "list all #inclusion", "share C1")
        ]
        replies[user].append(bot.command("/digest", "", user))
        replies[user].append(bot.command("/nudge", "mydata", user))
    bot.command("/action", "export", STEER)
    bot.standin.wait_for("files.completeUploadExternal")
    digest = bot.command("/digest", "", SAM)
    assert "1 conversation shared by 1 member, with LGA 1" in str(digest.blocks), digest.blocks
    for user in (PETE, SAM, STEER):
        said = everything_said(bot, user, replies[user])
        assert "Priya" not in said and "Cabinet" not in said and "private matter" not in said
    for upload in bot.standin.files:
        assert b"private matter" not in upload.content and b"Priya" not in upload.content
    bot.command("/nudge", "mydata", ANA)
    bot.standin.wait_for(
        "files.completeUploadExternal",
        lambda c: any(b"private matter" in f.content for f in bot.standin.files),
    )


def test_the_steering_group_erases_a_name_and_the_file_keeps_no_trace(bot):
    bot.command("/conversation", "with Nicola Gill (GDS) about Nicola's charter #inclusion", ANA)
    bot.command("/conversation", "stay in touch with Nicola Gill every month", ANA)
    bot.command("/nudge", "follow up with Nicola Gill about the charter tomorrow", PETE)
    bot.command("/action", "Send Nicola Gill the slides", PETE)
    bot.command("/reflect", "Nicola Gill asked the best question", SAM)
    assert len(NAMES.findall(file_bytes(bot))) >= 5  # the file held it (the test can fail)
    refused = bot.command("/conversation", 'forget "Nicola Gill"', ANA)
    assert "is for the steering group" in refused.text
    assert len(rows(bot, "cadences")) == 1
    done = bot.command("/conversation", 'forget "Nicola Gill"', STEER)
    assert done.text.startswith("Done: the name is erased.") and "Nicola" not in done.text
    assert rows(bot, "cadences") == []
    [conversation] = rows(bot)
    assert conversation["person_name"] == "[name erased]" and conversation["author_id"] == ANA
    [erasure] = rows(bot, "erasures")
    assert erasure["kind"] == "person" and erasure["rows_anonymised"] >= 4
    assert NAMES.findall(file_bytes(bot)) == []  # the bot still running
    bot.stop()
    assert NAMES.findall(file_bytes(bot)) == []


def test_the_network_map_shows_shared_organisations_of_the_last_90_days(bot, clock):
    bot.command("/conversation", "share with Nicola Gill (GDS) about inclusion", ANA)
    bot.command("/conversation", "share with Sam Jones (gds) about skills", PETE)
    clock.advance(days=91)
    assert "No shared conversation" in bot.command("/conversation", "map", SAM).text
    clock.advance(days=-91)
    shown = bot.command("/conversation", "map", SAM)
    assert "2 conversations by 2 members" in str(shown.blocks)
    assert json.dumps(shown.blocks).count("GDS") == 1  # one organisation, however spelt


def test_the_scheduler_runs_the_stay_in_touch_job(bot, clock):
    from bot.deps import utcnow
    from handlers.conversations import CADENCE_JOB

    bot.command("/conversation", "stay in touch with Jo Bloggs (LGA) every week", ANA)
    clock.advance(days=8)
    [job] = [j for j in bot.runtime._scheduler.get_jobs() if j.id == CADENCE_JOB]
    job.modify(next_run_time=utcnow())
    nudge = bot.standin.wait_for(
        "chat.postMessage", lambda c: "Time to be in touch" in str(c.params)
    )
    assert nudge.params["channel"] == ANA and "Jo Bloggs (LGA)" in str(nudge.params)

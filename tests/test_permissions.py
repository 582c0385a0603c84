"""Who may do what, as one table: every command and button that touches something of
someone's, tried by its author, its owner, another member and the steering group.

"author" wrote the reflection or set the reminder, or created the action; "owner" owns
the action (Pete here, given it by Ana). A refusal changes nothing.
"""

from __future__ import annotations

import json
import re

from bot.domain.meetings import MinuteRow, Minutes
from handlers import ids
from handlers.blocks.conversations import FIELD_NAME, render_conversation_modal
from handlers.blocks.meetings import field_id, render_meeting_form
from handlers.blocks.nudges import render_due_modal
from handlers.blocks.workstreams import FIELD_TITLE, render_workstream_modal
from storage import actions as action_store
from storage import workstreams as workstream_store
from tests.conftest import ANA, PETE, SAM, STEER
from tests.outcomes import Outcomes, outcome_of

ROLES = {"author": ANA, "owner": PETE, "other": SAM, "steering": STEER}
EVERYONE = set(ROLES)
ACTION = {"author", "owner", "steering"}  # the creator, the owner, the steering group
AUTHOR = {"author"}
STEERING = {"steering"}

# (what is done, who may do it[, what is done first[, by whom: Ana unless named]]). {A} a
# fresh action of Ana's owned by Pete; {R} a private reflection and {S} a shared one by Ana;
# {N} Ana's follow-up; {W} a workstream the steering group keeps (its tag); {C} a private
# conversation and {D} a shared one by Ana; {K} Ana's stay-in-touch cadence.
TABLE = [
    ("/action done {A}", ACTION),
    ("/action reopen {A}", ACTION, "/action done {A}"),
    ("/action drop {A}", ACTION),
    ("/action assign {A} <@U0SAM|sam>", ACTION),
    ("/action due {A} next Friday", ACTION),
    ("/action note {A} Spoke to the council", ACTION),
    ("/action show {A}", EVERYONE),
    ("/reflect share {R}", AUTHOR),
    ("/reflect unshare {S}", AUTHOR),
    ("/reflect delete {R}", AUTHOR),
    ("/reflect delete {S}", AUTHOR),
    ("/nudge cancel {N}", AUTHOR),
    (f"button {ids.ACTION_DONE} {{A}}", ACTION),
    (f"button {ids.NUDGE_NEW_DUE} {{A}}", ACTION),
    (f"modal {ids.NUDGE_DUE_MODAL} {{A}}", ACTION),
    (f"button {ids.REFLECTION_SHARE} {{R}}", AUTHOR),
    (f"button {ids.NUDGE_DONE} {{N}}", AUTHOR),
    (f"button {ids.NUDGE_SNOOZE}:1h {{N}}", AUTHOR),
    (f"button {ids.NUDGE_SNOOZE}:1w {{N}}", AUTHOR),
    (f"button {ids.NUDGE_TRACK} {{N}}", AUTHOR),
    ("/action review", STEERING),
    ("/action export", STEERING),
    ("/digest settings", STEERING),
    ("/digest settings time 15:30", STEERING),
    ("/digest", EVERYONE),
    ("/nudge mydata", EVERYONE),  # each member their own data; nobody anyone else's
    ("/nudge mydata <@U0PETE|pete>", set()),
    ("/workstream", EVERYONE),
    ("/workstream list all", EVERYONE),
    ("/workstream help", EVERYONE),
    ("/workstream add #new-{W} A new one", STEERING),
    ("/workstream add", STEERING),  # the form
    ("/workstream edit #{W} A new title lead <@U0SAM|sam>", STEERING),
    ("/workstream edit #{W}", STEERING),  # the form
    ("/workstream archive #{W}", STEERING),
    ("/workstream unarchive #{W}", STEERING, "/workstream archive #{W}", STEER),
    (f"modal {ids.WORKSTREAM_MODAL} {{W}}", STEERING),
    (f"modal {ids.WORKSTREAM_MODAL} new", STEERING),
    ("/conversation list all", EVERYONE),
    ("/conversation people", EVERYONE),
    ("/conversation map", EVERYONE),
    ("/conversation help", EVERYONE),
    ("/conversation with Nicola Gill (GDS) about the charter", EVERYONE),
    ("/conversation share {C}", AUTHOR),
    ("/conversation unshare {D}", AUTHOR),
    ("/conversation delete {C}", AUTHOR),
    ("/conversation delete {D}", AUTHOR),
    ("/conversation stay in touch with Nicola Gill every 6 weeks", EVERYONE),
    ('/conversation forget "Nobody Known"', STEERING),
    (f"button {ids.CONVERSATION_SHARE}:{{C}} {{C}}", AUTHOR),
    (f"button {ids.CONVERSATION_LOG} reminder:{{N}}", AUTHOR),
    (f"button {ids.CONVERSATION_LOG} cadence:{{K}}", AUTHOR),
    (f"modal {ids.CONVERSATION_MODAL} {{N}}", AUTHOR),  # answering Ana's follow-up
    (f"modal {ids.CONVERSATION_MODAL} none", EVERYONE),
    (f"modal {ids.MEETING_MODAL} none", EVERYONE),
]

MAKE = {
    "A": ("/action", "Permissions check <@U0PETE|pete> by Friday", "actions"),
    "R": ("/reflect", "A private thought", "reflections"),
    "S": ("/reflect", "share A shared thought", "reflections"),
    "N": ("/nudge", "follow up with <@U0PETE|pete> about the charter tomorrow", "reminders"),
    "W": ("/workstream", "add #perm{n} Permissions", "workstreams", STEER, "tag"),
    "C": ("/conversation", "with Nicola Gill about a private thing", "conversations"),
    "D": ("/conversation", "share with Nicola Gill about a shared thing", "conversations"),
    "K": ("/conversation", "stay in touch with Jo Bloggs{n} every 6 weeks", "cadences"),
}


def modal(callback: str, value: str, bot) -> tuple[dict, dict]:
    """A form as the bot renders it, with what the member submits in it."""
    if callback == ids.NUDGE_DUE_MODAL:
        with bot.db() as db:
            action = action_store.get(db, "T0001", int(value))
        return render_due_modal(action, bot.clock().date()), {ids.NUDGE_DUE_DATE: "2026-12-18"}
    if callback == ids.WORKSTREAM_MODAL:
        with bot.db() as db:
            kept = workstream_store.find(db, "T0001", value)
        view = render_workstream_modal(kept)
        values = {FIELD_TITLE: "Renamed by the form"}
        return view, values if kept else {**values, "ws_tag": f"#form{len(bot.standin.views)}"}
    if callback == ids.CONVERSATION_MODAL:
        metadata = {"reminder_id": int(value)} if value.isdigit() else {}
        return render_conversation_modal(metadata=metadata), {FIELD_NAME: "Nicola Gill"}
    assert callback == ids.MEETING_MODAL
    view = render_meeting_form(Minutes((MinuteRow("Permission row"),), 1))
    view["private_metadata"] = json.dumps({"permalink": None})
    return view, {field_id(0, "title"): "Permission row"}


def test_who_may_do_what(bot, caplog):
    outcomes = Outcomes(caplog)

    serial = iter(range(1, 10_000))

    def fresh(kind: str) -> int | str:
        command, text, table, user, column = (*MAKE[kind], ANA, "id")[:5]
        bot.command(command, text.format(n=next(serial)), user)
        outcomes.next()
        with bot.db() as db:
            latest = max(db.table(table).rows, key=lambda row: row["id"])
        return latest[column]

    def state() -> list:
        with bot.db() as db:
            return [
                list(db.table(t).rows)
                for t in (
                    "actions",
                    "action_events",
                    "reflections",
                    "reminders",
                    "workstreams",
                    "conversations",
                    "cadences",
                )
            ]

    def do(what: str, user: str) -> str:
        if what.startswith("/"):
            command, _, text = what.partition(" ")
            assert bot.slack.command(command, text, user).status_code == 200
        elif what.startswith("button "):
            _, action_id, value = what.split(" ")
            assert bot.slack.block_action(user, action_id, value).status_code == 200
        else:
            _, callback, value = what.split(" ")
            view, values = modal(callback, value, bot)
            view = {**view, "id": "V0FORM"}
            assert bot.slack.view_submission(user, view, values).status_code == 200
        return outcome_of(outcomes.next())

    mismatches, trials = [], 0
    for row in TABLE:
        what, allowed, setup, setup_user = (
            (*row, None, ANA)[:4] if len(row) < 3 else (*row, ANA)[:4]
        )
        for role, user in ROLES.items():
            made = {kind: fresh(kind) for kind in re.findall(r"\{(\w)\}", what + (setup or ""))}
            if setup:
                do(setup.format(**made), setup_user)
            before = state()
            outcome = do(what.format(**made), user)
            trials += 1
            assert outcome in ("ok", "NotAllowed", "NotFound"), (what, role, outcome)
            if outcome != "ok":
                assert state() == before, (what, role)
            if (outcome == "ok") != (role in allowed):
                mismatches.append(f"{what} by {role}: {outcome}")
    print(
        f"permissions: {len(TABLE)} rows x {len(ROLES)} roles = {trials} trials, "
        f"{len(mismatches)} off the table"
    )
    assert mismatches == []

"""Who may do what, as one table: every command and button that touches something of
someone's, tried by its author, its owner, another member and the steering group.

"author" wrote the reflection or set the reminder, or created the action; "owner" owns
the action (Pete here, given it by Ana). A refusal changes nothing.
"""

from __future__ import annotations

import re

from handlers import ids
from handlers.blocks.nudges import render_due_modal
from storage import actions as action_store
from tests.conftest import ANA, PETE, SAM, STEER
from tests.outcomes import Outcomes, outcome_of

ROLES = {"author": ANA, "owner": PETE, "other": SAM, "steering": STEER}
EVERYONE = set(ROLES)
ACTION = {"author", "owner", "steering"}  # the creator, the owner, the steering group
AUTHOR = {"author"}
STEERING = {"steering"}

# (what is done, who may do it[, what the author does first]). {A} a fresh action of Ana's
# owned by Pete; {R} a private reflection and {S} a shared one by Ana; {N} Ana's follow-up.
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
]

MAKE = {
    "A": ("/action", "Permissions check <@U0PETE|pete> by Friday", "actions"),
    "R": ("/reflect", "A private thought", "reflections"),
    "S": ("/reflect", "share A shared thought", "reflections"),
    "N": ("/nudge", "follow up with <@U0PETE|pete> about the charter tomorrow", "reminders"),
}


def test_who_may_do_what(bot, caplog):
    outcomes = Outcomes(caplog)

    def fresh(kind: str) -> int:
        command, text, table = MAKE[kind]
        bot.command(command, text, ANA)
        outcomes.next()
        with bot.db() as db:
            return max(row["id"] for row in db.table(table).rows)

    def state() -> list:
        with bot.db() as db:
            return [
                list(db.table(t).rows)
                for t in ("actions", "action_events", "reflections", "reminders")
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
            assert callback == ids.NUDGE_DUE_MODAL
            with bot.db() as db:
                action = action_store.get(db, "T0001", int(value))
            view = {**render_due_modal(action, bot.clock().date()), "id": "V0DUE"}
            assert (
                bot.slack.view_submission(
                    user, view, {ids.NUDGE_DUE_DATE: "2026-12-18"}
                ).status_code
                == 200
            )
        return outcome_of(outcomes.next())

    mismatches, trials = [], 0
    for row in TABLE:
        what, allowed, setup = (*row, None)[:3]
        for role, user in ROLES.items():
            made = {kind: fresh(kind) for kind in re.findall(r"\{(\w)\}", what + (setup or ""))}
            if setup:
                do(setup.format(**made), ANA)
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

"""Every change to what a member's App Home shows republishes it: one change path per record.

The README promises the App Home is republished whenever a member's actions, reflections
or reminders change. Each way a member can change one is driven here over signed HTTP, and
the homes it touches must be published again; and a scan of ``handlers/`` fails the build
if a listener writes one of those records other than through ``handlers.changes``.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.standin.modals import submit_view
from handlers import ids
from handlers.changes import CHANGE_PATHS
from tests.conftest import ANA, PETE

ROOT = Path(__file__).resolve().parent.parent
CHANGERS = {
    "change_action",
    "change_actions",
    "change_reminder",
    "change_reflection",
    "change_conversation",
}


def published_since(bot, user: str, since: int) -> bool:
    bot.settle()
    return any(
        c.method == "views.publish" and c.params["user_id"] == user
        for c in bot.standin.calls[since:]
    )


@pytest.mark.parametrize(
    "text",
    [
        "due A1 next Friday",
        "note A1 Slides are in the drive",
        "assign A1 <@U0ANA|ana>",
        "done A1",
        "drop A1",
    ],
)
def test_a_change_to_an_action_republishes_its_owners_and_creators_home(bot, text):
    bot.command("/action", "Book the room <@U0PETE|pete>", ANA)
    since = len(bot.standin.calls)
    bot.command("/action", text, PETE)
    assert published_since(bot, PETE, since) and published_since(bot, ANA, since)


def test_the_new_due_date_form_republishes_the_home(driven, clock):
    driven.command("/action", "Draft the charter response <@U0PETE|pete> by Friday")
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday: overdue
    from handlers.nudges import tick

    tick(driven.runtime.deps)
    dm = driven.standin.dms_to(PETE)[-1]
    driven.slack.block_action(PETE, ids.NUDGE_NEW_DUE, "1", message=dm)
    [view] = driven.standin.open_modals(PETE)
    since = len(driven.standin.calls)
    submit_view(driven.standin, driven.slack, PETE, view, {ids.NUDGE_DUE_DATE: "2026-12-11"})
    assert published_since(driven, PETE, since)


@pytest.mark.parametrize("button", [ids.NUDGE_DONE, f"{ids.NUDGE_SNOOZE}:1h"])
def test_a_reminders_done_or_snooze_button_republishes_the_home(driven, clock, button):
    driven.command("/nudge", "me in 5 minutes to call Pete", ANA)
    clock.advance(minutes=5)
    from handlers.nudges import tick

    tick(driven.runtime.deps)
    dm = driven.standin.dms_to(ANA)[-1]
    since = len(driven.standin.calls)
    answer = driven.slack.block_action(ANA, button, "N1", message=dm)
    assert answer.status_code == 200
    assert published_since(driven, ANA, since)


def test_the_follow_up_form_republishes_the_home(bot):
    message = {"type": "message", "user": PETE, "ts": "1764583200.000100", "text": "Next week?"}
    bot.slack.message_shortcut(ANA, ids.REMIND_FOLLOW_UP, message, "C0GENERAL")
    bot.standin.wait_for("views.update")
    [view] = bot.standin.open_modals(ANA)
    since = len(bot.standin.calls)
    submit_view(bot.standin, bot.slack, ANA, view, {ids.NUDGE_FOLLOW_UP_WHEN: "tomorrow 9am"})
    assert published_since(bot, ANA, since)


@pytest.mark.parametrize(
    "command,text",
    [
        ("/reflect", "Open questions work #influence"),
        ("/nudge", "me tomorrow to blog"),
        ("/conversation", "with Nicola Gill (GDS) about inclusion follow up in 3 weeks"),
    ],
)
def test_creating_a_reflection_or_reminder_republishes_the_home(bot, command, text):
    since = len(bot.standin.calls)
    bot.command(command, text, ANA)
    assert published_since(bot, ANA, since)


def storage_writes_outside_change_paths(source: str) -> list[str]:
    """Calls of a storage write of actions, reminders or reflections in ``source`` that are
    not inside a function handed to ``change_action``/``change_reminder``/``change_reflection``."""
    tree = ast.parse(source)
    aliases = {}  # local name -> storage module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "storage":
            for name in node.names:
                aliases[name.asname or name.name] = f"storage.{name.name}"
    handed: set[int] = set()  # ids of lambdas and the names of local functions handed over
    handed_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in CHANGERS:
            for arg in node.args:
                if isinstance(arg, ast.Lambda):
                    handed.add(id(arg))
                elif isinstance(arg, ast.Name):
                    handed_names.add(arg.id)
    found = []

    def visit(node: ast.AST, inside: bool) -> None:
        inside = inside or id(node) in handed
        if isinstance(node, ast.FunctionDef) and node.name in handed_names:
            inside = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = getattr(node.func.value, "id", None)
            module = aliases.get(owner or "")
            if module in CHANGE_PATHS and node.func.attr in CHANGE_PATHS[module] and not inside:
                found.append(f"line {node.lineno}: {owner}.{node.func.attr}")
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def test_handlers_change_these_records_only_through_the_change_paths():
    offending = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "handlers").rglob("*.py"))
        if path.name != "changes.py"
        and (found := storage_writes_outside_change_paths(path.read_text()))
    }
    assert offending == {}


def test_the_scan_finds_a_write_that_bypasses_the_change_paths():
    source = (
        "from storage import actions as store\n"
        "def due(deps, actor):\n"
        "    with deps.db() as db:\n"
        "        store.change(db, actor, 1, 'due', now)\n"
        "def fine(deps, client):\n"
        "    change_action(deps, client, 'T1', lambda db: store.change(db, 1))\n"
    )
    assert storage_writes_outside_change_paths(source) == ["line 4: store.change"]


def test_mydata_uploads_through_the_listeners_quick_client_not_the_schedulers(bot):
    """Every command verb is given the interactive client: Slack failing the upload is retried
    once (the scheduler's patient client would retry twice, for up to 10 s a call) and the
    member is told at once."""
    bot.standin.fail_next("files.getUploadURLExternal", status=503, times=10)
    reply = bot.command("/nudge", "mydata", ANA)
    assert "Slack isn't answering" in reply.text
    assert len(bot.standin.calls_to("files.getUploadURLExternal")) == 2

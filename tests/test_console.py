"""``nudge console``: the real bot against the stand-in, driven as a subprocess through stdin.

The console is run exactly as a person scripts it (``printf ... | nudge console``), with no
Slack credentials in its environment and a database in a temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console_lines import (
    Blank,
    Click,
    Help,
    Home,
    Quit,
    Slash,
    SwitchMember,
    Unknown,
    Wait,
    escape_mentions,
    parse_line,
    user_id_for,
)
from storage.db import connect


def console(tmp_path: Path, *lines: str) -> str:
    """Run ``nudge console`` with ``lines`` on stdin; assert it exits 0; return its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NUDGE_"))}
    env["NUDGE_DB"] = str(tmp_path / "nudge.db")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def actions(tmp_path: Path) -> list[dict]:
    with connect(tmp_path / "nudge.db") as db:
        return list(db.table("actions").rows_where(order_by="id"))


# --- end to end, as a subprocess ---------------------------------------------------------


def test_the_scripted_example_prints_the_new_action_and_the_list(tmp_path):
    out = console(tmp_path, "/action Plan the show and tell by Friday", "/action list")
    tracked, listed = out.split("ana> /action list")
    assert "ana> /action Plan the show and tell by Friday" in tracked
    assert "reply to ana" in tracked and "Tracked." in tracked
    assert "A1 Plan the show and tell · @ana · due Fri" in tracked
    assert "Your open actions" in listed
    assert "A1 Plan the show and tell · @ana · due Fri" in listed and "[Done]" in listed
    [row] = actions(tmp_path)
    assert row["title"] == "Plan the show and tell" and row["owner_id"] == user_id_for("ana")


def test_as_switches_member_plain_mentions_are_escaped_and_click_presses_done(tmp_path):
    out = console(
        tmp_path,
        "/action Draft the charter response @pete #inclusion",
        ":as pete",
        ":click Done",
    )
    # the DM the bot sends the new owner appears as it is sent, rendered as text
    assert "── DM to pete" in out
    assert "@ana has given you an action." in out
    assert "You are now pete." in out
    assert "pete> :click Done" in out
    assert "Marked done. Thank you!" in out.split("pete> :click Done")[1]
    [row] = actions(tmp_path)
    assert (row["owner_id"], row["creator_id"], row["status"]) == (
        user_id_for("pete"),
        user_id_for("ana"),
        "done",
    )


def test_click_picks_a_button_by_the_words_beside_it_and_the_bot_refuses_others(tmp_path):
    out = console(
        tmp_path,
        "/action First one",
        ":as sam",
        "/action Sam's own",
        "/action list all",
        ":click Done A1",
        ":click Done A2",
        ":click Share",
    )
    assert "only its owner, its creator or the steering group" in out
    assert "(No [Share] button on anything sam can see.)" in out
    assert [a["status"] for a in actions(tmp_path)] == ["open", "done"]


def test_steering_may_change_anyones_action_and_new_names_join(tmp_path):
    out = console(
        tmp_path,
        ":as zoe",
        "/action Zoe's action",
        ":as steering",
        "/action done A1",
    )
    assert "(zoe joins the workspace.)" in out
    assert "You are now steering (steering group)." in out
    assert "Marked done" in out
    [row] = actions(tmp_path)
    assert (row["owner_id"], row["status"]) == (user_id_for("zoe"), "done")


def test_what_was_done_is_there_next_time(tmp_path):
    console(tmp_path, "/action Book the room by Friday")
    out = console(tmp_path, "/action list")
    assert "A1 Book the room" in out


def test_commands_and_surfaces_the_bot_does_not_have_are_said_plainly(tmp_path):
    out = console(
        tmp_path, "/nonsense please", ":home", ":frobnicate", "hello", ":wait 0.2", ":help"
    )
    assert "(/nonsense is not a command this bot handles yet.)" in out
    assert "no App Home yet" in out or "App Home of ana" in out
    assert "':frobnicate' is not a console command" in out
    assert ":click <label>" in out


def test_the_bare_command_opens_the_modal_shown_as_text(tmp_path):
    out = console(tmp_path, "/action")
    assert "── modal for ana" in out
    assert "┌ Track an action ┐" in out and "[Cancel] [Track it]" in out


# --- reading lines: pure ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, parsed",
    [
        ("/action Plan it by Friday", Slash("/action", "Plan it by Friday")),
        ("/ACTION list", Slash("/action", "list")),
        ("  /action  ", Slash("/action", "")),
        (":as Pete", SwitchMember("pete")),
        (":as @sam", SwitchMember("sam")),
        (":as", SwitchMember("")),
        (":click Done", Click("Done")),
        (":click Done 2", Click("Done", "2")),
        (":click Done A12", Click("Done", "A12")),
        (":click Snooze 1 hour", Click("Snooze 1 hour")),
        (":click Share with the network", Click("Share with the network")),
        (":home", Home()),
        (":wait 2.5", Wait(2.5)),
        (":help", Help()),
        (":quit", Quit()),
        (":q", Quit()),
        ("", Blank()),
        ("# a comment in a script", Blank()),
    ],
)
def test_parse_line(line, parsed):
    assert parse_line(line) == parsed


@pytest.mark.parametrize(
    "line", ["hello", ":click", ":as Bad Name!", ":wait soon", ":nope", "/what? now"]
)
def test_lines_that_mean_nothing_say_so(line):
    assert isinstance(parse_line(line), Unknown)


def test_escape_mentions_like_slack_should_escape():
    ids = {"pete": "U0PETE", "sam": "U0SAM"}.__getitem__
    assert escape_mentions("Draft it @pete by Friday", ids) == "Draft it <@U0PETE|pete> by Friday"
    assert escape_mentions("ask @Sam.", ids) == "ask <@U0SAM|sam>."
    assert escape_mentions("already <@U0PETE|pete>", ids) == "already <@U0PETE|pete>"
    assert escape_mentions("mail ana@example.org", ids) == "mail ana@example.org"
    assert escape_mentions("hi @channel", ids) == "hi <!channel>"


def test_user_ids_are_stable_and_distinct():
    assert user_id_for("ana") == "U0ANA" == user_id_for("ana")
    assert user_id_for("a.b") != user_id_for("ab")

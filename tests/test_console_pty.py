"""The console in a terminal, typed at as a person types (pexpect drives a pseudo-terminal).

The timeouts are generous and nothing is timed: on a loaded machine the bot may take
seconds to answer, and the test waits for what a person would wait for on the screen.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from storage.db import connect
from tests.test_console import LOG_LINE, ROOT, in_a_month

WAIT = 60  # seconds pexpect waits for what should appear (generous: a shared, loaded machine)


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NUDGE_"))}
    return {**env, "NUDGE_DB": str(tmp_path / "nudge.db"), "TERM": "dumb", **extra}


def spawn(tmp_path: Path) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot", "console"],
        cwd=tmp_path,
        env=environment(tmp_path),
        encoding="utf-8",
        timeout=WAIT,
        dimensions=(50, 200),
    )
    child.expect_exact("You are ana.")
    child.expect_exact("ana> ")
    return child


def answer(child: pexpect.spawn, prompt: str, typed: str) -> None:
    """Wait for ``prompt`` on the screen, then type ``typed`` and Enter."""
    child.expect_exact(prompt)
    child.sendline(typed)


def screen_of(child: pexpect.spawn) -> str:
    """Everything the terminal showed, without its carriage returns."""
    return child.logfile_read.getvalue().replace("\r", "")


class Screen:
    """What the terminal showed, kept as it is read."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    def getvalue(self) -> str:
        return "".join(self.parts)


@pytest.fixture
def typed(tmp_path):
    child = spawn(tmp_path)
    child.logfile_read = Screen()
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_the_central_loop_export_channels_a_shortcut_and_ctrl_c_as_a_person_types_them(
    typed, tmp_path
):
    child = typed
    # Ctrl-C cancels the line being typed: it is never sent
    child.send("/action Half a thought")
    child.expect_exact("Half a thought")
    child.sendintr()
    child.expect_exact("ana> ")

    # /action opens the form; it is filled field by field
    child.sendline("/action")
    answer(child, "What needs doing? › ", "Plan the show and tell")
    answer(child, "Owner (optional) [@ana] › ", "")
    answer(child, "Due (optional, YYYY-MM-DD) › ", in_a_month())
    answer(child, "Workstream (optional) › ", "inclusion")
    answer(child, "Notes (optional) › ", "")
    answer(child, "[Track it] or :cancel › ", "")
    child.expect_exact("Tracked.")
    child.expect_exact("ana> ")

    # Done → What did you learn? → the lesson, through its form
    child.sendline(":click Done")
    child.expect_exact("Marked done. Thank you! 🎉")
    child.expect_exact("ana> ")
    child.sendline(":click What did you learn?")
    answer(child, "What did you notice or learn? › ", "Start with the questions people bring")
    answer(child, "Tags (optional) › ", "inclusion")
    answer(child, "Who can see it? [Private: only I can see it] › ", "2")
    answer(child, "[Save] or :cancel › ", "")
    child.expect_exact("Saved R1 and shared it with the network.")
    child.expect_exact("ana> ")

    # /action show has the lesson; the digest has the action and the lesson
    child.sendline("/action show A1")
    child.expect_exact("What was learned")
    child.expect_exact("Start with the questions people bring")
    child.expect_exact("ana> ")
    child.sendline("/digest")
    child.expect_exact("Completed: thank you @ana! (1)")
    child.expect_exact("learned: Start with the questions people bring (R1)")
    child.expect_exact("ana> ")

    # an export, shown and saved; #channel in the digest settings
    child.sendline(":as steering")
    child.expect_exact("steering> ")
    child.sendline("/action export")
    child.expect_exact("── file for steering, by DM")
    child.expect(r"nudge-actions-\d{4}-\d{2}-\d{2}\.csv · \d+ bytes")
    child.expect_exact("│ A1,Plan the show and tell,done")
    child.expect_exact("steering> ")
    child.sendline("/digest settings channel #network-news")
    child.expect_exact("The digest is posted to #network-news every")
    child.expect_exact("steering> ")

    # a message shortcut on a message in #general
    child.sendline(":shortcut track We agreed Sam books the room")
    answer(child, "What needs doing? [We agreed Sam books the room] › ", "")
    for _ in range(4):
        answer(child, " › ", "")
    answer(child, "[Track it] or :cancel › ", "")
    child.expect_exact("A2 We agreed Sam books the room")
    child.expect_exact("steering> ")

    # Ctrl-C in a form closes it; Ctrl-D leaves
    child.sendline("/reflect")
    child.expect_exact("What did you notice or learn? › ")
    child.sendintr()
    child.expect_exact("(form closed)")
    child.expect_exact("steering> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    screen = screen_of(child)
    assert [line for line in screen.splitlines() if LOG_LINE.search(line)] == []
    assert "Half a thought" not in screen.split("ana> /action\n")[1]  # never sent or shown
    with connect(tmp_path / "nudge.db") as db:
        titles = [a["title"] for a in db.table("actions").rows_where(order_by="id")]
        assert db.table("reflections").count == 1
    assert titles == ["Plan the show and tell", "We agreed Sam books the room"]
    assert len(list((tmp_path / "nudge-console-files").iterdir())) == 1


def test_make_run_without_credentials_runs_the_console_and_exits_cleanly_after_ctrl_c(tmp_path):
    # -o: the virtual environment counts as installed (make test has just made sure of it)
    child = pexpect.spawn(
        "make",
        ["--no-print-directory", "-o", ".venv/.installed", "run"],
        cwd=ROOT,
        env=environment(tmp_path, SLACK_BOT_TOKEN="", SLACK_APP_TOKEN=""),
        encoding="utf-8",
        timeout=WAIT,
    )
    child.logfile_read = Screen()
    try:
        child.expect_exact("starting the console")
        child.expect_exact("ana> ")
        child.send("/action Never sent")
        child.expect_exact("Never sent")
        child.sendintr()
        child.expect_exact("ana> ")
        child.sendline(":quit")
        child.expect(pexpect.EOF)
        child.close()
    finally:
        if child.isalive():
            child.terminate(force=True)
    screen = screen_of(child)
    assert child.exitstatus == 0, screen
    assert not re.search(r"make: \*\*\*|Interrupt", screen), screen

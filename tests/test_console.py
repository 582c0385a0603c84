"""``nudge console``: the real bot against the stand-in, driven as a subprocess through stdin.

The console is run exactly as a person scripts it (``printf ... | nudge console``), with no
Slack credentials in its environment and a database in a temporary directory. A form's
answers are lines of the script too. ``tests/test_console_pty.py`` drives it through a
terminal, as a person types.
"""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import Console
from bot.console_lines import (
    SHORTCUT_NAMES,
    Blank,
    Click,
    Demo,
    Help,
    Home,
    Quit,
    Shortcut,
    Slash,
    SwitchMember,
    Unknown,
    Wait,
    channel_id_for,
    escape_channels,
    escape_mentions,
    parse_line,
    user_id_for,
)
from bot.console_screen import heading
from bot.console_terminal import ErrorLine, Terminal
from handlers import ids
from storage.db import connect

ROOT = Path(__file__).resolve().parent.parent
# A line the bot's logging would print (time, level, logger): never on the console's screen.
LOG_LINE = re.compile(r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b|apscheduler|Traceback")


def console(tmp_path: Path, *lines: str, args: tuple[str, ...] = ()) -> str:
    """Run ``nudge console`` with ``lines`` on stdin; assert it exits 0; return its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NUDGE_"))}
    env["NUDGE_DB"] = str(tmp_path / "nudge.db")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def in_a_month() -> str:
    return (date.today() + timedelta(days=30)).isoformat()


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


def test_the_bare_command_opens_the_modal_shown_as_a_form(tmp_path):
    out = console(tmp_path, "/action")
    assert "── form for ana" in out
    assert "┌ Track an action ┐" in out and "[Cancel] [Track it]" in out


# --- forms --------------------------------------------------------------------------------


def test_a_form_is_filled_field_by_field_and_submitted_as_slack_submits_it(tmp_path):
    due = in_a_month()
    out = console(tmp_path, "/action", "Plan the show and tell", "@pete", due, "inclusion", "", "")
    assert "  What needs doing? › Plan the show and tell" in out
    assert "  Owner (optional) [@ana] › @pete" in out  # the default shown; a name picks someone
    assert f"  Due (optional, YYYY-MM-DD) › {due}" in out
    assert "  [Track it] or :cancel ›" in out
    assert "📌 Tracked. I've let @pete know." in out
    [row] = actions(tmp_path)
    assert (row["title"], row["owner_id"], row["due"], row["workstream"]) == (
        "Plan the show and tell",
        user_id_for("pete"),
        due,
        "inclusion",
    )


def test_field_errors_come_back_as_slack_shows_them_and_the_form_is_asked_again(tmp_path):
    past = (date.today() - timedelta(days=3)).isoformat()
    out = console(
        tmp_path,
        "/action",
        "",  # a title is required: asked again at once, as Slack's form would not submit
        "Plan it",
        "",
        "31-12",  # not a date: asked again
        past,
        "",
        "",
        "",  # submit: the bot refuses the date
        "-",  # empty it
        "",
    )
    assert "    ⚠ This field is required." in out
    assert "    ⚠ Type the date as YYYY-MM-DD, for example 2026-12-04." in out
    refused, again = out.split("  ⚠ Due: That date has passed; pick today or later.")
    assert again.count("Due (optional, YYYY-MM-DD)") == 1  # only the field in error
    assert "Tracked" not in refused and "Tracked" in again
    [row] = actions(tmp_path)
    assert (row["title"], row["due"]) == ("Plan it", None)


def test_a_cancelled_form_stores_nothing(tmp_path):
    out = console(tmp_path, "/reflect", "Half a thought", ":cancel", "/reflect list")
    assert "(form closed)" in out
    with connect(tmp_path / "nudge.db") as db:
        assert db.table("reflections").count == 0


def test_a_form_opened_from_a_button_belongs_to_who_clicked_and_a_choice_is_a_number_or_a_name(
    tmp_path,
):
    out = console(
        tmp_path,
        "/action Draft the charter response @pete",
        ":as pete",
        ":click Done",
        ":click What did you learn?",
        "Start from the charter's own words",
        "inclusion",
        "3",  # there are two choices
        "shared",
        "",
        "/action show A1",
    )
    assert "── form for pete" in out and "form for someone" not in out
    assert "Who can see it?: (•) Private: only I can see it ( ) Shared with the network" in out
    assert "    1 Private: only I can see it · 2 Shared with the network" in out
    assert "⚠ Choose by number or name: 1 Private" in out
    assert "Saved R1 and shared it with the network." in out
    shown = out.split("pete> /action show A1")[1]
    assert "What was learned" in shown and "Start from the charter's own words" in shown


# --- files, channels, shortcuts -----------------------------------------------------------


def test_a_file_the_bot_sends_is_shown_and_saved_in_the_folder_named_at_start(tmp_path):
    out = console(tmp_path, "/action Plan it", ":as steering", "/action export")
    shown = out.split("── file for steering, by DM")[1]
    assert re.search(r"nudge-actions-\d{4}-\d{2}-\d{2}\.csv · \d+ bytes", shown)
    assert "│ id,title,status,owner" in shown and "│ A1,Plan it,open" in shown
    [saved] = (tmp_path / "nudge-console-files").iterdir()
    assert f"(saved as nudge-console-files/{saved.name})" in shown
    assert saved.read_text(encoding="utf-8-sig").startswith("id,title,status")
    assert saved.stat().st_mode & 0o777 == 0o600
    assert saved.parent.stat().st_mode & 0o777 == 0o700


def test_hash_name_becomes_a_channel_and_channels_show_by_name(tmp_path):
    out = console(
        tmp_path,
        ":as steering",
        "/digest settings channel #network-news",
        "/action Post the minutes in #comms",
        "/action Fix issue #42",
    )
    assert "The digest is posted to #network-news every" in out
    assert "A1 Post the minutes in #comms" in out and "A2 Fix issue #42" in out
    with connect(tmp_path / "nudge.db") as db:
        [settings] = list(db.table("digest_settings").rows)
        titles = [a["title"] for a in db.table("actions").rows_where(order_by="id")]
    assert settings["channel"] == channel_id_for("network-news")
    assert titles[1] == "Fix issue #42"  # not a channel: stays as typed


def test_message_shortcuts_run_on_a_message_posted_in_general(tmp_path):
    out = console(
        tmp_path,
        ":shortcut track We agreed Sam books the room",
        *[""] * 6,  # keep every field as pre-filled, then submit
        ":shortcut remind Ask Pete how the budget went",
        "tomorrow at 9am",
        "",
    )
    assert "── ana in #general" in out
    assert "  What needs doing? [We agreed Sam books the room] ›" in out
    assert "Tracked" in out and "┌ Remind me to follow up ┐" in out
    [row] = actions(tmp_path)
    assert row["title"] == "We agreed Sam books the room"
    assert row["permalink"].startswith("https://nudge-test.slack.com/archives/C0GENERAL/p")
    with connect(tmp_path / "nudge.db") as db:
        [reminder] = list(db.table("reminders").rows)
    assert reminder["permalink"].startswith("https://nudge-test.slack.com/archives/C0GENERAL/p")


def test_the_shortcut_names_are_the_manifests():
    assert set(SHORTCUT_NAMES.values()) == set(ids.SHORTCUTS)


# --- a quiet screen -----------------------------------------------------------------------


def test_the_screen_holds_the_conversation_and_the_log_goes_to_its_file(tmp_path):
    out = console(
        tmp_path,
        "/action Plan it",
        "/action Book the room",
        "/reflect Listening beats talking",
        ":home",
        "/action done A1",
        "/action Help with the budget <@U123|bob>",  # Slack does not know U123
        ":click Done 5",
        "/action list",
        ":click Done 5",
        ":click Done A9",
    )
    assert [line for line in out.splitlines() if LOG_LINE.search(line)] == []
    log = (tmp_path / "nudge-console.log").read_text()
    assert "INFO apscheduler" in log and "on_action_command user=U0ANA outcome=ok" in log
    marker = "(ana's App Home has changed: :home shows it.)"
    before, after = out.split("ana> :home")
    assert before.count(marker) == 1 and after.count(marker) == 1  # once until she looks
    assert "Marked done. Thank you! 🎉" in out and ":tada:" not in out
    assert "Slack has no member @bob (U123) in this workspace" in out
    assert "I've let" not in out
    assert "(The latest message with [Done] has only one: :click Done.)" in out
    assert "(The latest message with [Done] has 2 of them: :click Done 1 to :click Done 2.)" in out
    assert "(No [Done] button next to “A9” on anything ana can see.)" in out


def test_an_error_the_bot_logs_is_one_line_on_the_screen(tmp_path):
    out = io.StringIO()
    shown = Console(Settings(db_path=str(tmp_path / "n.db")), out=out, log_path=tmp_path / "x.log")
    handler = ErrorLine(shown, ["xoxb-secret"])
    logger = logging.getLogger("test.console.errors")
    logger.addHandler(handler)
    try:
        logger.info("not shown")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("unexpected error ref=ab12cd34 token xoxb-secret\nsecond line")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().splitlines() == [
        f"(The bot logged an error: unexpected error ref=ab12cd34 token [redacted]. "
        f"{tmp_path / 'x.log'} has the rest.)"
    ]


@pytest.fixture
def replying_app(tmp_path):
    """A console whose Slack requests go to a Bolt app replying in the ack or by response URL."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from bot.standin import SlackSender

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    out = io.StringIO()
    shown = Console(Settings(db_path=str(tmp_path / "n.db")), out=out)
    shown.standin.start()
    shown.standin.add_user(user_id_for("ana"), "ana")
    app = App(
        signing_secret="s3cret",
        client=WebClient(token=shown.standin.bot_token, base_url=shown.standin.api_url),
        token_verification_enabled=False,
    )
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "In the ack :tada:"}}
    app.command("/ack")(lambda ack: ack(text="In the ack", blocks=[section]))
    app.command("/later")(lambda ack, respond: (ack(), respond("By the response URL")))
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    app.command("/broken")(lambda ack: ack(text="Too long", blocks=[too_long]))
    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    shown.sender = SlackSender(url, "s3cret", shown.standin)
    yield shown, out
    server.shutdown()
    server.server_close()
    shown.standin.stop()


def test_a_reply_is_shown_whether_it_comes_in_the_ack_or_by_response_url(replying_app):
    shown, out = replying_app
    for command in ("/ack", "/later"):
        shown.command(command, "")
        shown.settle()
    assert out.getvalue().splitlines() == [
        heading("reply to ana"),
        "In the ack 🎉",
        heading("reply to ana"),
        "By the response URL",
    ]


def test_a_reply_in_the_ack_is_checked_as_slack_checks_a_message(replying_app):
    shown, out = replying_app
    shown.command("/broken", "")
    assert "(Slack would not show the bot's reply: [ERROR] must be at most 3000" in out.getvalue()
    assert [e.method[:4] for e in shown.standin.protocol_errors] == ["ack/"]


# --- the demo -----------------------------------------------------------------------------


def test_the_demo_fills_an_empty_database_with_a_week_to_explore(tmp_path):
    out = console(
        tmp_path, "/digest", ":home", ":as steering", "/action review", ":demo", args=("--demo",)
    )
    digest = out.split("ana> /digest")[1].split("ana> :home")[0]
    for section in (
        "New actions (5)",
        "Completed: thank you @ana, @pete! (2)",
        "Overdue: can anyone help? (1)",
        "What we learned (1)",
        "Blog posts by members (1)",
        "What we learned from our first show and tell",  # sam's feed, read on loopback
        "Follow-up conversations done (1)",
    ):
        assert section in digest
    assert "I talk too much" not in digest  # ana's private reflection
    home = out.split("ana> :home")[1].split("ana> :as steering")[0]
    assert "A2 Book the venue for the spring meet-up" in home and "write your weeknote" in home
    assert "I talk too much" in home  # hers, on her own Home
    review = out.split("steering> /action review")[1]
    assert "Stale: no change in 30 days (1)" in review and "Without an owner (1)" in review
    assert "(:demo fills an empty database, and this one holds" in review


# --- the README's transcript --------------------------------------------------------------

_TYPED = re.compile(r"^[a-z0-9][a-z0-9._-]*> (.*)$")  # a line typed at the member's prompt
_ANSWERED = re.compile(r"^  .+ ›(?: (.*))?$")  # a form's field answered


def readme_transcript() -> list[str]:
    """The transcript in the README's "Try it without Slack", line by line."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it without Slack", 1)[1]
    return section.split("```text\n", 1)[1].split("\n```", 1)[0].splitlines()


def test_the_readme_transcript_is_what_the_console_prints(tmp_path, monkeypatch):
    transcript = readme_transcript()
    typed = [
        m[1] or "" for line in transcript if (m := _TYPED.match(line) or _ANSWERED.match(line))
    ]
    assert len(typed) > 10
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    shown = Console(
        Settings(db_path=str(tmp_path / "nudge.db")),
        out=out,
        files_dir=tmp_path / "nudge-console-files",
        log_path=tmp_path / "nudge-console.log",
        clock=lambda: datetime(2026, 12, 1, 10, 0, tzinfo=UTC),  # a Tuesday
    ).start()
    try:
        Terminal(shown, iter([f"{line}\n" for line in typed])).run()
    finally:
        shown.stop()
    assert [line.rstrip() for line in out.getvalue().splitlines()] == [
        line.rstrip() for line in transcript
    ]


# --- reading lines: pure ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, parsed",
    [
        (":shortcut track We agreed it", Shortcut("track_as_action", "We agreed it")),
        (":shortcut remind Ask Pete", Shortcut("remind_follow_up", "Ask Pete")),
        (":demo", Demo()),
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
    "line",
    ["hello", ":click", ":as Bad Name!", ":wait soon", ":nope", "/what? now", ":shortcut track"],
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


def test_escape_channels_like_slack_should_escape():
    ids_ = {"network-news": "C0NEWS", "comms": "C0COMMS"}.__getitem__
    assert escape_channels("settings channel #network-news", ids_) == (
        "settings channel <#C0NEWS|network-news>"
    )
    assert escape_channels("Post in #Comms.", ids_) == "Post in <#C0COMMS|comms>."
    assert escape_channels("already <#C0NEWS|network-news>", ids_) == (
        "already <#C0NEWS|network-news>"
    )
    assert escape_channels("Fix #42 at x.org/#top, a#b", ids_) == "Fix #42 at x.org/#top, a#b"


def test_user_ids_are_stable_and_distinct():
    assert user_id_for("ana") == "U0ANA" == user_id_for("ana")
    assert user_id_for("a.b") != user_id_for("ab")

"""``/nudge``: the command's verbs, and the tick that sends what is due.

The verbs live with what they change: reminders in ``handlers.reminders``, the blogging
habit and feeds in ``handlers.habits``; ``/nudge mydata`` and ``forget me`` in
``handlers.data_rights``. One frequent job (``nudge:tick``) sends what is due: habit
nudges (``handlers.habits``), overdue-action nudges (``handlers.overdue``) and reminders
whose ``next_at`` has come (``handlers.reminders``). Every send goes through
``deliver_once`` with a key naming the occurrence, and a row moves on only once its
delivery is recorded as sent, so a failed send is retried (after ``storage.deliveries``'
backoff) and a restart never loses or repeats one. A pass stops at the first failed
send: when Slack is down, the rest wait for the next tick instead of each spending the
client's retries in turn.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.nudges import (
    NudgeCommand,
    parse_nudge_command,
)
from bot.domain.people import Actor
from handlers import data_rights
from handlers.blocks import nudges as blocks
from handlers.blocks.common import Rendered
from handlers.commands import run_command
from handlers.habits import blog_every, blog_feed, blog_off, blog_status, send_habit_nudges
from handlers.home import refresh_home
from handlers.listeners import bind
from handlers.overdue import send_overdue_nudges
from handlers.people import actor_for
from handlers.reminders import cancel_reminder, list_reminders, remind, send_due_reminders

__all__ = ["register", "register_jobs", "on_nudge_command", "tick", "TICK_JOB"]

log = logging.getLogger(__name__)


TICK_JOB = "nudge:tick"


def register(app: App, deps: Deps) -> None:
    """Wire ``/nudge``."""
    app.command("/nudge")(bind(on_nudge_command, deps))


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The tick: habit nudges, overdue nudges and due reminders (retries included)."""
    scheduler.add_job(
        tick,
        "interval",
        seconds=deps.settings.tick_seconds,
        id=TICK_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
        next_run_time=datetime.now(UTC),
    )  # catch up as soon as we schedule


# --- /nudge -------------------------------------------------------------------------------


def on_nudge_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/nudge …``: ack, read the text, do it, reply ephemerally."""
    ack()
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    parsed = parse_nudge_command(command.get("text", ""), deps.now(), actor.zone)
    run_command(_VERBS, parsed, actor, client, deps, respond)
    if parsed.verb.startswith("blog"):  # the App Home shows the habit (reminders: changes.py)
        refresh_home(deps, client, actor.team_id, [actor.user_id])


def _help(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return blocks.render_nudge_help()


def _mydata(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return data_rights.send_export(deps, client, actor)


def _forget(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return data_rights.ask_to_forget(deps, actor)


_VERBS = {
    "help": _help,
    "me": remind,
    "follow_up": remind,
    "list": list_reminders,
    "cancel": cancel_reminder,
    "blog": blog_status,
    "blog_every": blog_every,
    "blog_off": blog_off,
    "blog_feed": blog_feed,
    "mydata": _mydata,
    "forget": _forget,
}


# --- the jobs ---------------------------------------------------------------------------------


def tick(deps: Deps) -> None:
    """One pass: habit nudges, overdue nudges, then due reminders (each on its own)."""
    for step in (send_habit_nudges, send_overdue_nudges, send_due_reminders):
        try:
            step(deps)
        except Exception:  # one failing step (a locked database, say) must not stop the rest
            log.exception("%s failed; it runs again at the next tick", step.__name__)

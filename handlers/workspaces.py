"""Workspaces that installed Nudge (OAuth): their own settings (``/network``), and erasing
one after it left.

``/network`` shows the workspace's settings (its time zone and steering group); its
steering group changes them: ``/network steering @ana @pete``, ``/network steering group
@steering``, ``/network zone Europe/London``. The installer is the steering group until
they name others. Run for one workspace, the settings are the environment's
(``NUDGE_STEERING``, ``NUDGE_STEERING_GROUP``, ``NUDGE_TIMEZONE``) and are only shown.

Uninstalling (``app_uninstalled``) or revoking the token (``tokens_revoked``) is handled by
Bolt's own listeners over ``bot.oauth.InstallationRecords`` (enabled in ``bot.app``): the
token is dropped and nothing more is sent at once (``handlers.delivery.deliver_once`` checks
every send). After the retention (``NUDGE_RETENTION_DAYS``, 30 by default) the hourly job
here erases everything the workspace left, table by table, and logs the counts; a
workspace that installs again before then keeps its data.
"""

from __future__ import annotations

import logging
import re

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App

from bot.config import Settings
from bot.deps import Deps
from bot.domain.errors import NotAllowed, UserError
from bot.domain.people import Actor, mention
from bot.domain.teams import NetworkCommand, parse_network_command
from handlers import ids
from handlers.blocks.common import Rendered, render_text
from handlers.listeners import bind
from handlers.people import actor_for
from storage import installations

__all__ = ["register", "register_jobs", "on_network_command", "erase_departed", "ERASE_JOB"]

log = logging.getLogger(__name__)

ERASE_JOB = "workspaces:erase"


def register(app: App, deps: Deps) -> None:
    """Run for one workspace, its leaving is logged (the environment's token no longer
    works; every send fails for good until a new one is set). Installed by many, Bolt's
    own revocation listeners handle it (enabled in ``bot.app``)."""
    app.command("/network")(bind(on_network_command, deps))
    if deps.workspaces is not None:
        return
    for event in (ids.APP_UNINSTALLED, ids.TOKENS_REVOKED):
        app.event(event)(bind(on_workspace_left, deps))


def on_workspace_left(ack, event: dict, context, *, deps: Deps) -> None:
    """The one workspace this process serves uninstalled Nudge or revoked its token."""
    ack()
    log.error(
        "the workspace %s %s: SLACK_BOT_TOKEN no longer works; nothing can be sent until "
        "Nudge is installed again and the new token set",
        context.team_id,
        "uninstalled Nudge" if event.get("type") == ids.APP_UNINSTALLED else "revoked its token",
    )


HELP = """*`/network`*: this workspace's own settings.
• `/network`: show them (the time zone, who is in the steering group)
• `/network steering @ana @pete`: name the steering group's members (steering group only)
• `/network steering group @steering`: a user group whose members steer too (or `none`)
• `/network zone Europe/London`: the network's time zone, for the digest and the review
Whoever installed Nudge is the steering group until they name others."""


def on_network_command(ack, command: dict, respond, client, context, *, deps: Deps) -> None:
    """``/network …``: ack, read, do, reply ephemerally."""
    ack()
    parsed = parse_network_command(command.get("text", ""))
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    text, blocks_ = _answer(parsed, actor, deps)
    respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=False)


def _answer(parsed: NetworkCommand, actor: Actor, deps: Deps) -> Rendered:
    if parsed.verb == "help":
        return render_text(HELP)
    if parsed.verb == "show":
        return render_text(_shown(deps.settings, from_environment=deps.workspaces is None))
    if deps.workspaces is None:
        raise UserError(
            "This Nudge serves one workspace, so its settings come from its environment "
            "(NUDGE_STEERING, NUDGE_STEERING_GROUP, NUDGE_TIMEZONE): ask whoever runs it.",
            example="/network",
        )
    if not actor.is_steering:
        raise NotAllowed(
            "Only the steering group can change the network's settings. `/network` shows "
            "who they are.",
            example="/network",
        )
    with deps.db() as db:
        installations.set_team_settings(
            db,
            actor.team_id,
            by=actor.user_id,
            now=deps.now(),
            timezone=parsed.zone,
            steering=parsed.members if parsed.verb == "steering" else None,
            steering_group=parsed.group,
        )
    saved = deps.workspaces.settings_for(actor.team_id, deps.settings)
    return render_text(":white_check_mark: Saved.\n" + _shown(saved, from_environment=False))


def _shown(settings: Settings, *, from_environment: bool) -> str:
    members = ", ".join(mention(u) for u in sorted(settings.steering)) or "nobody named"
    group = settings.steering_group or ""
    if re.match(r"^S[A-Z0-9]+$", group):
        group = f"<!subteam^{group}>"
    elif group:
        group = f"@{group}"
    heading = "*This network's settings*" + (" (from the environment)" if from_environment else "")
    return "\n".join(
        (
            heading,
            f"• Time zone: {settings.timezone}",
            f"• Steering group: {members}",
            f"• Steering user group: {group or 'none'}",
            "The digest's channel and schedule: `/digest settings`.",
        )
    )


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """Installed by many workspaces: erase those gone past the retention, every hour."""
    if deps.workspaces is None:
        return
    scheduler.add_job(
        erase_departed,
        "interval",
        hours=1,
        id=ERASE_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
    )


def erase_departed(deps: Deps) -> dict[str, dict[str, int]]:
    """Erase every workspace uninstalled longer ago than the retention; rows by table."""
    if deps.workspaces is None:
        return {}
    return deps.workspaces.erase_due()

"""Workspaces that installed Nudge (OAuth): erasing one after it left.

Uninstalling (``app_uninstalled``) or revoking the token (``tokens_revoked``) is handled by
Bolt's own listeners over ``bot.oauth.InstallationRecords`` (enabled in ``bot.app``): the
token is dropped and nothing more is sent at once (``handlers.delivery.deliver_once`` checks
every send). After the retention (``NUDGE_RETENTION_DAYS``, 30 by default) the hourly job
here erases everything the workspace left, table by table, and logs the counts; a
workspace that installs again before then keeps its data.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App

from bot.deps import Deps
from handlers import ids
from handlers.listeners import bind

__all__ = ["register", "register_jobs", "erase_departed", "ERASE_JOB"]

log = logging.getLogger(__name__)

ERASE_JOB = "workspaces:erase"


def register(app: App, deps: Deps) -> None:
    """Run for one workspace, its leaving is logged (the environment's token no longer
    works; every send fails for good until a new one is set). Installed by many, Bolt's
    own revocation listeners handle it (enabled in ``bot.app``)."""
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

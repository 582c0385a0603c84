"""Slack listeners, one module per feature, each with ``register(app, deps)``.

A feature with scheduled work also has ``register_jobs(scheduler, deps)``; a weekly
channel post registers there through ``handlers.weekly.register_post``.
"""

from __future__ import annotations

from types import ModuleType

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App

from bot.deps import Deps

__all__ = ["register_all", "register_all_jobs"]


def _features() -> tuple[ModuleType, ...]:
    from handlers import (
        actions,
        conversations,
        data_rights,
        digest,
        events,
        habits,
        home,
        meetings,
        nudges,
        overdue,
        reflections,
        reminders,
        review,
        workspaces,
        workstream_posts,
        workstreams,
    )

    return (
        events,
        actions,
        reflections,
        home,
        nudges,
        reminders,
        habits,
        overdue,
        digest,
        data_rights,
        review,
        workstream_posts,
        workstreams,
        meetings,
        conversations,
        workspaces,
    )


def register_all(app: App, deps: Deps) -> None:
    """Register every feature's listeners on ``app`` (a feature may have jobs only)."""
    for feature in _features():
        if hasattr(feature, "register"):
            feature.register(app, deps)


def register_all_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """Register every feature's scheduled jobs (stable ids, ``replace_existing=True``)."""
    for feature in _features():
        if hasattr(feature, "register_jobs"):
            feature.register_jobs(scheduler, deps)

"""The scheduler: APScheduler fires, the database decides.

Jobs run in UTC with stable ids and ``replace_existing=True``; each feature adds
its own through ``register_jobs(scheduler, deps)`` (see ``handlers/__init__.py``).
"""

from __future__ import annotations

from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from handlers import register_all_jobs
from storage.db import update_statistics

__all__ = ["build_scheduler", "STATISTICS_JOB"]

STATISTICS_JOB = "storage:statistics"


def _update_statistics(deps: Deps) -> None:
    """Re-measure the tables as they grow (start-up measures them too)."""
    with deps.db() as db:
        update_statistics(db)


def build_scheduler(deps: Deps) -> BackgroundScheduler:
    """A background scheduler in UTC with every feature's jobs registered (not started)."""
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    )
    register_all_jobs(scheduler, deps)
    scheduler.add_job(
        _update_statistics,
        "cron",
        hour=3,
        minute=30,
        id=STATISTICS_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
    )
    return scheduler

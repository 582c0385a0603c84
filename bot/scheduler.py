"""The scheduler: APScheduler fires, the database decides.

Jobs run in UTC with stable ids and ``replace_existing=True``; each feature adds
its own through ``register_jobs(scheduler, deps)`` (see ``handlers/__init__.py``).
"""

from __future__ import annotations

from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from handlers import register_all_jobs

__all__ = ["build_scheduler"]


def build_scheduler(deps: Deps) -> BackgroundScheduler:
    """A background scheduler in UTC with every feature's jobs registered (not started)."""
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
    )
    register_all_jobs(scheduler, deps)
    return scheduler

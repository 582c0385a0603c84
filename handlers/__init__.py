"""Slack listeners, one module per feature, each with ``register(app, deps)``."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps

__all__ = ["register_all"]


def register_all(app: App, deps: Deps) -> None:
    """Register every feature's listeners on ``app``."""
    from handlers import actions

    for feature in (actions,):
        feature.register(app, deps)

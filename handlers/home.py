"""The App Home: published when a member opens it, and republished when what it shows changes.

``refresh_home(deps, client, team_id, user_ids)`` is what other features call after a
change (an action created or done, a reflection saved or shared). Publishing is best
effort: if Slack fails, the home is rebuilt the next time the member opens it.

The home shows open actions, reflections and (for the steering group) the review itself;
any other feature adds its sections by registering a function when it is registered,
``add_home_section(deps, "reminders", home_sections)``, so this module imports no feature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.deps import Deps
from bot.domain.actions import ListFilter
from bot.domain.home import HomeData, HomeSection
from bot.domain.people import Actor, is_former
from handlers.blocks.home import MAX_ACTIONS, MAX_REFLECTIONS, render_home
from handlers.listeners import after_answer, bind
from handlers.people import is_steering, member_tz
from storage import actions as action_store
from storage import reflections as reflection_store
from storage import review as review_store

__all__ = [
    "register",
    "add_home_section",
    "on_home_opened",
    "build_home",
    "publish_home",
    "refresh_home",
]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Wire the ``app_home_opened`` listener."""
    app.event("app_home_opened")(bind(on_home_opened, deps))


def add_home_section(
    deps: Deps, name: str, sections: Callable[[Deps, Actor], Iterable[HomeSection]]
) -> None:
    """Show what ``sections(deps, actor)`` gives on every member's home, after the actions
    and before the reflections (features in the order they register; ``name`` once)."""
    deps.home_sections[name] = sections


def on_home_opened(event: dict, client: WebClient, context: BoltContext, *, deps: Deps) -> None:
    """A member opened the bot's Home tab: build it afresh and publish it."""
    if event.get("tab", "home") != "home":
        return
    publish_home(deps, client, context.team_id or deps.team_id, event["user"])


def build_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> HomeData:
    """What ``user_id``'s home shows, read through the storage rules (privacy included)."""
    tz = member_tz(deps, client, team_id, user_id)
    steering = is_steering(deps, client, user_id)
    actor = Actor(team_id, user_id, tz, steering)
    sections = tuple(s for of in list(deps.home_sections.values()) for s in of(deps, actor))
    now = deps.now()
    today = now.astimezone(ZoneInfo(tz)).date()
    with deps.db() as db:
        actions, open_total = action_store.listing(
            db, team_id, ListFilter("default"), viewer_id=user_id, today=today, limit=MAX_ACTIONS
        )
        reflections, reflections_total = reflection_store.visible(
            db, team_id, user_id, limit=MAX_REFLECTIONS
        )
        network = None
        if steering:
            network = review_store.review_summary(db, team_id, today, now)
    return HomeData(
        user_id=user_id,
        today=today,
        tz=tz,
        open_actions=tuple(actions),
        open_total=open_total,
        reflections=tuple(reflections),
        reflections_total=reflections_total,
        network=network,
        sections=sections,
    )


def publish_home(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """Build and publish ``user_id``'s home (``views.publish``)."""
    view = render_home(build_home(deps, client, team_id, user_id))
    client.views_publish(user_id=user_id, view=view)


def refresh_home(
    deps: Deps, client: WebClient, team_id: str, user_ids: Iterable[str | None]
) -> None:
    """Republish the homes of ``user_ids`` (duplicates and ``None`` skipped) after a change,
    once the member has been answered (:func:`handlers.listeners.after_answer`).

    >>> refresh_home(deps, client, "T1", [action.owner_id, action.creator_id])  # doctest: +SKIP
    """
    after_answer(_republish, deps, client, team_id, list(user_ids))


def _republish(deps: Deps, client: WebClient, team_id: str, user_ids: list[str | None]) -> None:
    for user_id in dict.fromkeys(u for u in user_ids if u and not is_former(u)):
        try:
            publish_home(deps, client, team_id, user_id)
        except (SlackClientError, OSError) as err:  # best effort: rebuilt when next opened
            log.warning("could not republish the home of %s: %s", user_id, err)

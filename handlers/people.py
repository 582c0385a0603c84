"""Who is asking, from Slack: time zones from ``users.info`` (cached) and the steering group."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.deps import Deps
from bot.domain.errors import NotFound
from bot.domain.people import Actor
from bot.domain.text import Mention
from storage import members

__all__ = ["actor_for", "member_tz", "known_zone", "is_steering", "resolve"]

log = logging.getLogger(__name__)


def member_tz(
    deps: Deps, client: WebClient, team_id: str, user_id: str, *, strict: bool = False
) -> str:
    """The member's Slack time zone, from the cache or ``users.info``.

    Falls back to the last known one, else the network's time zone, when Slack cannot
    say (an error, or Slack unreachable): a command still works while Slack is down.
    ``strict``: an error Slack answers is raised instead.
    """
    now = deps.now()
    with deps.db() as db:
        cached = members.get(db, team_id, user_id)
    if cached and cached.is_fresh(now):
        return cached.tz
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as err:
        if strict:
            raise
        log.warning("users.info failed for %s: %s", user_id, err.response.get("error"))
        return cached.tz if cached else deps.settings.timezone
    except (SlackClientError, OSError) as err:
        log.warning("users.info unreachable for %s: %s", user_id, err)
        return cached.tz if cached else deps.settings.timezone
    name = user.get("name") or user.get("real_name") or ""
    tz = user.get("tz") or deps.settings.timezone
    with deps.db() as db:
        members.save(db, members.Member(team_id, user_id, name, tz, now))
    return tz


def known_zone(deps: Deps, team_id: str, user_id: str) -> ZoneInfo:
    """The member's time zone as last cached (however old), else the network's: without
    calling Slack, for what must be shown before Slack can be asked (a modal's first view).
    """
    with deps.db() as db:
        cached = members.get(db, team_id, user_id)
    return ZoneInfo(cached.tz) if cached else deps.settings.tz


def is_steering(deps: Deps, client: WebClient, user_id: str) -> bool:
    """In ``NUDGE_STEERING`` or in the ``NUDGE_STEERING_GROUP`` user group (cached 5 min)."""
    settings = deps.settings
    if user_id in settings.steering:
        return True
    if not settings.steering_group:
        return False
    return user_id in deps.cache.get(
        ("steering", deps.team_id, settings.steering_group),
        lambda: _group_members(client, settings.steering_group),
    )


def _group_members(client: WebClient, group: str) -> frozenset[str]:
    group_id = group
    if not group.startswith("S"):
        groups = client.usergroups_list()["usergroups"]
        group_id = next((g["id"] for g in groups if g.get("handle") == group), "")
        if not group_id:
            log.warning("NUDGE_STEERING_GROUP '%s' is not a user group in this workspace", group)
            return frozenset()
    return frozenset(client.usergroups_users_list(usergroup=group_id)["users"])


def actor_for(deps: Deps, client: WebClient, team_id: str, user_id: str) -> Actor:
    """The member behind a request: id, time zone and whether they are steering."""
    return Actor(
        team_id,
        user_id,
        member_tz(deps, client, team_id, user_id),
        is_steering(deps, client, user_id),
    )


def resolve(deps: Deps, team_id: str, mention: Mention, *, client: WebClient | None = None) -> str:
    """The user id of a mention; a plain ``@name`` is looked up among known members.

    With ``client``, an escaped mention must name a member: one ``users.info`` answers
    ``user_not_found`` for (a hand-typed ``<@U123|bob>``) is refused like an unknown name.
    """
    if mention.user_id:
        if client is not None and not _in_workspace(deps, client, team_id, mention.user_id):
            who = f"@{mention.name} ({mention.user_id})" if mention.name else mention.user_id
            raise NotFound(
                f"Slack has no member {who} in this workspace. Pick them from Slack's @ list "
                "so it fills in their name.",
                example="/action assign A12 @pete",
            )
        return mention.user_id
    with deps.db() as db:
        found = members.find_by_name(db, team_id, mention.name or "")
    if len(found) == 1:
        return found[0].user_id
    raise NotFound(
        f"I don't know who @{mention.name} is. Pick them from Slack's @ list so it fills "
        "in their name.",
        example="/action assign A12 @pete",
    )


def _in_workspace(deps: Deps, client: WebClient, team_id: str, user_id: str) -> bool:
    """Known (cached), or found by ``users.info``; only Slack's ``user_not_found`` says no,
    so a command still works while Slack cannot answer."""
    with deps.db() as db:
        if members.get(db, team_id, user_id) is not None:
            return True
    try:
        member_tz(deps, client, team_id, user_id, strict=True)
    except SlackApiError as err:
        return err.response.get("error") != "user_not_found"
    return True

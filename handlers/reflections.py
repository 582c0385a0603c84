"""``/reflect``, its modal, the "Share with the network" button, and the loop from a done
action to a lesson to a weeknote.

Each listener acks first, reads the request with ``bot.domain.reflections``, calls
``storage.reflections`` (where the privacy rule lives) and replies with
``handlers.blocks.reflections``; the author's App Home is then republished.

"What did you learn?" (on a done action's confirmation) opens the reflection modal with
the action's id in its ``private_metadata``; the saved reflection is linked to it.
``/reflect weeknote`` and "Draft my weeknote" (on the blogging nudge) send a Markdown
draft of the member's week by DM; ``/reflect lessons`` lists the network's shared ones.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.errors import ParseError, UserError
from bot.domain.lessons import group_lessons
from bot.domain.people import Actor
from bot.domain.reflections import (
    ReflectCommand,
    Reflection,
    ReflectionDraft,
    check_reflection,
    parse_reflect_command,
    parse_tag_list,
)
from bot.domain.text import button_id, parse_id, text_in
from bot.domain.weeknote import build_weeknote, week_span, weeknote_data, weeknote_filename
from handlers import ids
from handlers.blocks import reflections as blocks
from handlers.blocks.actions import render_action_line
from handlers.blocks.common import Rendered
from handlers.changes import change_reflection
from handlers.commands import run_command
from handlers.listeners import bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, known_zone
from storage import actions as action_store
from storage import members, weeknotes
from storage import reflections as store

__all__ = [
    "register",
    "on_reflect_command",
    "on_share_button",
    "on_reflect_modal",
    "on_learned_button",
    "on_weeknote_button",
    "save_reflection",
    "send_weeknote",
    "share",
]

LESSONS_LIMIT = 60

SHARE_BUTTON = re.compile(rf"^{ids.REFLECTION_SHARE}(:\d+)?$")


def register(app: App, deps: Deps) -> None:
    """Wire the ``/reflect`` listeners."""
    app.command("/reflect")(bind(on_reflect_command, deps))
    app.action(SHARE_BUTTON)(bind(on_share_button, deps))
    app.view(ids.REFLECT_MODAL)(bind(on_reflect_modal, deps))
    app.action(ids.ACTION_LEARNED)(bind(on_learned_button, deps))
    app.action(ids.WEEKNOTE_DRAFT)(bind(on_weeknote_button, deps))


def on_reflect_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/reflect …``: ack, read the text, do it, reply ephemerally."""
    ack()
    parsed = parse_reflect_command(command.get("text", ""))
    if parsed.verb == "modal":
        view = blocks.render_reflect_modal(metadata={"response_url": command.get("response_url")})
        client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    if parsed.verb == "weeknote":
        text, blocks_ = send_weeknote(deps, client, actor, last=parsed.last)
        respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=False)
        return
    run_command(_VERBS, parsed, actor, client, deps, respond)


def _help(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return blocks.render_reflect_help()


def save_reflection(
    deps: Deps,
    client: WebClient,
    actor: Actor,
    draft: ReflectionDraft,
    action_id: int | None = None,
) -> Rendered:
    """Store a reflection by ``actor`` (learned from ``action_id``, if given); the
    confirmation (with a Share button if private)."""
    reflection = change_reflection(
        deps,
        client,
        actor.team_id,
        lambda db: store.add(
            db, actor.team_id, actor.user_id, draft, deps.now(), action_id=action_id
        ),
    )
    return blocks.render_reflection_saved(reflection, actor.zone)


def _create(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return save_reflection(deps, client, actor, parsed.draft)


def _list(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        found, total = store.visible(db, actor.team_id, actor.user_id, tag=parsed.tag)
    scope = f" tagged #{parsed.tag}" if parsed.tag else ""
    heading = f"Reflections{scope}: yours and the network's shared ones, newest first"
    empty = (
        f"No reflections{scope} yet. Write one with "
        "`/reflect Asking open questions got us further #influence`"
    )
    return blocks.render_reflection_list(found, total, heading, actor.user_id, actor.zone, empty)


def _search(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        found, total = store.search(db, actor.team_id, actor.user_id, parsed.terms)
    return blocks.render_search_results(found, total, parsed.terms, actor.user_id, actor.zone)


def share(
    deps: Deps, client: WebClient, actor: Actor, reflection_id: int, shared: bool
) -> Rendered:
    """Share a reflection (or make it private again), if ``actor`` wrote it."""

    def write(db) -> Reflection:
        before = store.get(db, actor.team_id, actor.user_id, reflection_id)
        if before.author_id == actor.user_id and before.shared == shared:
            raise ParseError(
                f"{before.ref} is already {'shared' if shared else 'private'}.",
                example=f"/reflect {'unshare' if shared else 'share'} {before.ref}",
            )
        return store.set_shared(db, actor.team_id, actor.user_id, reflection_id, shared, deps.now())

    after = change_reflection(deps, client, actor.team_id, write)
    what = (
        f":globe_with_meridians: Shared {after.ref} with the network."
        if shared
        else f":lock: {after.ref} is private again: only you can see it."
    )
    return blocks.render_reflection_changed(after, actor.zone, what)


def _share(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return share(deps, client, actor, parsed.reflection_id, parsed.verb == "share")


def _delete(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    gone = change_reflection(
        deps,
        client,
        actor.team_id,
        lambda db: store.delete(db, actor.team_id, actor.user_id, parsed.reflection_id),
    )
    return blocks.render_reflection_changed(
        gone, actor.zone, f":wastebasket: Deleted {gone.ref} for good."
    )


def _lessons(parsed: ReflectCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        found = store.lessons(db, actor.team_id, None, LESSONS_LIMIT, topic=parsed.tag)
        total = store.count_lessons(db, actor.team_id, topic=parsed.tag)
    groups = group_lessons(found, topic=parsed.tag)
    shown = len({lesson.reflection.id for group in groups for lesson in group.lessons})
    return blocks.render_lessons(groups, shown, total, parsed.tag, actor.user_id, actor.zone)


def send_weeknote(deps: Deps, client: WebClient, actor: Actor, *, last: bool = False) -> Rendered:
    """Draft ``actor``'s weeknote (this week so far, or last week) and send it to them by DM
    as a Markdown file; the reply says where it went."""
    monday, start, end = week_span(deps.now(), actor.zone, last=last)
    with deps.db() as db:
        week = weeknotes.member_week(db, actor.team_id, actor.user_id, start, end)
        member = members.get(db, actor.team_id, actor.user_id)
    data = weeknote_data(week, member.name if member and member.name else actor.user_id, monday)
    filename = weeknote_filename(monday)
    dm = client.conversations_open(users=actor.user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=dm,
        filename=filename,
        content=build_weeknote(data),
        title=f"Weeknote draft: week of {monday:%-d %b %Y}",
        initial_comment="Your weeknote draft: edit it, then publish it.",
    )
    return blocks.render_weeknote_sent(filename, monday, data.is_empty, last)


_VERBS = {
    "help": _help,
    "create": _create,
    "list": _list,
    "search": _search,
    "share": _share,
    "unshare": _share,
    "delete": _delete,
    "lessons": _lessons,
}


def on_share_button(
    ack: Ack,
    body: dict,
    action: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """ "Share with the network" on a saved reflection's confirmation."""
    ack()
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    reflection_id = button_id(action.get("value", ""), "R", "/reflect share R7")
    text, blocks_ = share(deps, client, actor, reflection_id, True)
    if body.get("response_url"):
        respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=True)


def on_reflect_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The reflection modal submitted: field errors shown in the modal, else stored."""
    values = view["state"]["values"]

    def field(block: str) -> dict:
        return values.get(block, {}).get(block) or {}

    errors: dict[str, str] = {}
    try:
        tags = parse_tag_list(field(ids.REFLECT_MODAL_TAGS).get("value") or "")
    except UserError as err:
        errors[ids.REFLECT_MODAL_TAGS], tags = err.message, ()
    choice = (field(ids.REFLECT_MODAL_VISIBILITY).get("selected_option") or {}).get("value")
    text = field(ids.REFLECT_MODAL_TEXT).get("value") or ""
    text = text_in(text)  # plain text typed in a modal, stored as a command's text is
    draft = None
    try:
        draft = check_reflection(text, tags, shared=choice == blocks.SHARED)
    except UserError as err:
        errors[ids.REFLECT_MODAL_TEXT] = err.message
    metadata = view_metadata(view)
    action_id = metadata.get("action_id")  # we write an int; anything else was not ours
    if action_id is not None and (type(action_id) is not int or action_id < 1):
        errors[ids.REFLECT_MODAL_TEXT] = (
            "This form lost track of its action. Close it and "
            'press "What did you learn?" on the action again.'
        )
    if errors:
        ack(response_action="errors", errors=errors)
        return
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    _, blocks_ = save_reflection(deps, client, actor, draft, action_id)
    answer_in_modal(ack, view, blocks_)


def on_learned_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """ "What did you learn?" on a done action: the reflection modal, linked to that action.
    It opens at once (its trigger lasts 3 seconds), the action's dates shown in the member's
    zone as last known; then as Slack says it, if that differs."""
    ack()
    user_id = body["user"]["id"]
    action_id = parse_id(action.get("value", ""), "A")
    with deps.db() as db:
        done = action_store.get(db, context.team_id, action_id)

    def modal(zone: ZoneInfo) -> dict:
        return blocks.render_reflect_modal(
            metadata={"action_id": done.id, "response_url": body.get("response_url")},
            action_line=render_action_line(done, deps.now().astimezone(zone).date()),
        )

    open_modal(
        client,
        body["trigger_id"],
        modal(known_zone(deps, context.team_id, user_id)),
        lambda: modal(actor_for(deps, client, context.team_id, user_id).zone),
    )


def on_weeknote_button(
    ack: Ack,
    body: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """ "Draft my weeknote" on the blogging nudge: this week's draft, by DM."""
    ack()
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    text, blocks_ = send_weeknote(deps, client, actor)
    if body.get("response_url"):
        respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=False)

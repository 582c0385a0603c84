"""``/workstream`` and its form: the steering group keeps the network's workstreams.

Everyone lists them (``/workstream``, with open and overdue actions); adding, editing and
archiving are the steering group's, typed or in the form. The parsing is
``bot.domain.workstreams``; the records are ``storage.workstreams``; the replies are
``handlers.blocks.workstreams``. An action joining a workstream (and its lead hearing of
it) is the action's path, ``handlers.actions.create_action``; a meeting's actions are
``handlers.meetings``.
"""

from __future__ import annotations

import json

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.errors import ParseError, UserError
from bot.domain.people import Actor
from bot.domain.text import Mention, text_in
from bot.domain.workstreams import (
    CLEAR,
    WorkstreamCommand,
    check_workstream,
    parse_tag,
    parse_workstream_command,
    require_steering,
)
from handlers import ids
from handlers.blocks import workstreams as blocks
from handlers.blocks.common import Rendered
from handlers.commands import run_command
from handlers.listeners import bind, view_metadata
from handlers.modals import answer_in_modal
from handlers.people import actor_for, is_steering, resolve
from storage import workstreams as store

__all__ = ["register", "on_workstream_command", "on_workstream_modal"]

_WHAT = {
    "add": "Adding a workstream",
    "edit": "Changing a workstream",
    "archive": "Archiving a workstream",
    "unarchive": "Bringing back a workstream",
    "modal": "Adding or changing a workstream",
}


def register(app: App, deps: Deps) -> None:
    """Wire the ``/workstream`` listeners."""
    app.command("/workstream")(bind(on_workstream_command, deps))
    app.view(ids.WORKSTREAM_MODAL)(bind(on_workstream_modal, deps))


def on_workstream_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/workstream …``: ack, read the text, do it, reply ephemerally; ``add`` alone and
    ``edit #tag`` alone open the form (steering group only, refused before it opens)."""
    ack()
    parsed = parse_workstream_command(command.get("text", ""))
    if parsed.verb == "modal":
        require_steering(is_steering(deps, client, command["user_id"]), _WHAT["modal"])
        with deps.db() as db:
            kept = store.get(db, context.team_id, parsed.tag) if parsed.tag else None
        view = blocks.render_workstream_modal(kept)
        view["private_metadata"] = _metadata(kept.tag if kept else None, command)
        client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    run_command(_VERBS, parsed, actor, client, deps, respond)


def _metadata(tag: str | None, command: dict) -> str:
    return json.dumps({"tag": tag, "response_url": command.get("response_url")})


def _help(parsed: WorkstreamCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return blocks.render_workstream_help()


def _list(parsed: WorkstreamCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    today = deps.now().astimezone(actor.zone).date()
    with deps.db() as db:
        found = store.summaries(db, actor.team_id, today, archived=parsed.archived)
    return blocks.render_workstream_list(found, parsed.archived)


def _lead(deps: Deps, client: WebClient, actor: Actor, lead: Mention | None) -> str | None:
    return resolve(deps, actor.team_id, lead, client=client) if lead else None


def _add(parsed: WorkstreamCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    require_steering(actor.is_steering, _WHAT["add"])
    changes = parsed.changes
    lead_id = _lead(deps, client, actor, changes.lead)
    with deps.db() as db:
        added = store.add(
            db,
            actor.team_id,
            parsed.tag or "",
            title=changes.title or "",
            lead_id=lead_id,
            channel_id=changes.channel_id or None,
            created_by=actor.user_id,
            now=deps.now(),
        )
    return blocks.render_workstream_saved(added, "Added")


def _edit(parsed: WorkstreamCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    require_steering(actor.is_steering, _WHAT["edit"])
    changes = parsed.changes
    edits: dict = {}
    if changes.title:
        edits["title"] = changes.title
    if changes.clear_lead:
        edits["lead_id"] = None
    elif changes.lead is not None:
        edits["lead_id"] = _lead(deps, client, actor, changes.lead)
    if changes.channel_id is not None:
        edits["channel_id"] = None if changes.channel_id == CLEAR else changes.channel_id
    with deps.db() as db:
        _, after = store.edit(db, actor.team_id, parsed.tag or "", deps.now(), **edits)
    return blocks.render_workstream_saved(after, "Updated")


def _archive(parsed: WorkstreamCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    archive = parsed.verb == "archive"
    require_steering(actor.is_steering, _WHAT[parsed.verb])
    with deps.db() as db:
        after = store.set_archived(db, actor.team_id, parsed.tag or "", archive, deps.now())
    return blocks.render_workstream_saved(after, "Archived" if archive else "Brought back")


_VERBS = {
    "help": _help,
    "list": _list,
    "add": _add,
    "edit": _edit,
    "archive": _archive,
    "unarchive": _archive,
}


def on_workstream_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The workstream form submitted: field errors shown in the form, else added or edited.
    The steering group's only, checked again on submit (a form is no permission)."""
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    metadata = view_metadata(view)
    editing = metadata.get("tag") if isinstance(metadata.get("tag"), str) else None
    require_steering(actor.is_steering, _WHAT["edit" if editing else "add"])
    form = blocks.read_workstream_form(view)
    errors: dict[str, str] = {}
    tag = editing
    if not editing:
        try:
            tag = parse_tag((form["tag"] or "").strip())
        except UserError as err:
            errors[blocks.FIELD_TAG] = err.message
    try:
        changes = check_workstream(text_in(form["title"] or ""))
        if not changes.title:
            raise ParseError("What is the workstream called?")
    except UserError as err:
        errors[blocks.FIELD_TITLE] = err.message
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now = deps.now()
    try:
        with deps.db() as db:
            if editing:
                _, saved = store.edit(
                    db,
                    actor.team_id,
                    editing,
                    now,
                    title=changes.title,
                    lead_id=form["lead_id"],
                    channel_id=form["channel_id"],
                )
            else:
                saved = store.add(
                    db,
                    actor.team_id,
                    tag or "",
                    title=changes.title or "",
                    lead_id=form["lead_id"],
                    channel_id=form["channel_id"],
                    created_by=actor.user_id,
                    now=now,
                )
    except ParseError as err:  # the tag is kept already
        ack(response_action="errors", errors={blocks.FIELD_TAG: err.message})
        return
    _, blocks_ = blocks.render_workstream_saved(saved, "Updated" if editing else "Added")
    answer_in_modal(ack, view, blocks_)

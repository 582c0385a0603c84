"""``/action``, the Done button, the action modal and the "Track as action" shortcut.

Each listener acks first, then reads the request with ``bot.domain.actions``, calls
``storage.actions`` and replies with ``handlers.blocks.actions``. Errors by name
(``ParseError``, ``NotFound``, ``NotAllowed``) are turned into friendly replies once,
by the app's error handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.actions import (
    EXAMPLE,
    NOTE_MAX,
    TITLE_MAX,
    Action,
    ActionCommand,
    check_change,
    due_reading,
    parse_action_command,
)
from bot.domain.dates import picked_date
from bot.domain.errors import ParseError, UserError
from bot.domain.people import Actor
from bot.domain.text import normalise_tag, parse_id, text_in
from handlers import ids, review
from handlers.blocks import actions as blocks
from handlers.changes import change_action
from handlers.commands import run_command
from handlers.listeners import after_answer, bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, resolve
from storage import actions as store
from storage import reflections as reflection_store

__all__ = [
    "register",
    "on_action_command",
    "on_done_button",
    "on_action_modal",
    "on_track_shortcut",
    "create_action",
    "open_action_modal",
    "message_text",
    "message_link",
]

DONE_BUTTON = re.compile(rf"^{ids.ACTION_DONE}(:\d+)?$")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")  # what a users_select sends


def register(app: App, deps: Deps) -> None:
    """Wire the ``/action`` listeners."""
    app.command("/action")(bind(on_action_command, deps))
    app.action(DONE_BUTTON)(bind(on_done_button, deps))
    app.view(ids.ACTION_MODAL)(bind(on_action_modal, deps))
    app.shortcut(ids.TRACK_AS_ACTION)(bind(on_track_shortcut, deps))


def on_action_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/action …``: ack, read the text, do it, reply ephemerally; ``/action`` alone opens
    the form, before any other Slack call (its trigger lasts 3 seconds)."""
    ack()
    text = command.get("text", "")
    if not text.strip():  # what parse_action_command reads as "modal"
        open_action_modal(
            client,
            command["trigger_id"],
            owner_id=command["user_id"],
            metadata={"response_url": command.get("response_url")},
        )
        return
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    parsed = parse_action_command(text, deps.now(), actor.zone)
    run_command(_VERBS, parsed, actor, client, deps, respond)


def _today(deps: Deps, actor: Actor) -> date:
    return deps.now().astimezone(actor.zone).date()


def _help(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    return blocks.render_action_help()


def _create(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    draft = parsed.draft
    owner = draft.owner
    owner_id = resolve(deps, actor.team_id, owner, client=client) if owner else actor.user_id
    action = create_action(
        deps,
        client,
        actor,
        title=draft.title,
        owner_id=owner_id,
        due=draft.due,
        workstream=draft.workstream,
    )
    today = _today(deps, actor)
    read = due_reading(draft.due, draft.due_said, draft.due_note, today) if draft.due else ""
    return blocks.render_action_created(action, today, actor.user_id, read)


def create_action(
    deps: Deps,
    client: WebClient,
    actor: Actor,
    *,
    title: str,
    owner_id: str | None,
    due: date | None,
    workstream: str | None,
    notes: str = "",
    permalink: str | None = None,
) -> Action:
    """Store a new action and tell its owner by DM when that is someone else."""
    action = change_action(
        deps,
        client,
        actor.team_id,
        lambda db: (
            None,
            store.add(
                db,
                actor,
                title=title,
                owner_id=owner_id,
                due=due,
                workstream=workstream,
                notes=notes,
                permalink=permalink,
                now=deps.now(),
            ),
        ),
    )
    if owner_id and owner_id != actor.user_id:
        after_answer(_tell_new_owner, deps, client, action, actor)
    return action


def _tell_new_owner(deps: Deps, client: WebClient, action: Action, actor: Actor) -> None:
    today = deps.now().astimezone(deps.settings.tz).date()
    text, blocks_ = blocks.render_new_owner_dm(action, today, actor.user_id)
    client.chat_postMessage(channel=action.owner_id, text=text, blocks=blocks_)


def _list(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    filter_ = parsed.filter
    user = filter_.user
    owner_id = resolve(deps, actor.team_id, user, client=client) if user else None
    today = _today(deps, actor)
    with deps.db() as db:
        found, total = store.listing(
            db, actor.team_id, filter_, viewer_id=actor.user_id, owner_id=owner_id, today=today
        )
    heading = filter_.describe(f"<@{owner_id}>" if owner_id else None)
    none = filter_.describe_none(f"<@{owner_id}>" if owner_id else None)
    empty = f"{none} Track one with `{EXAMPLE}`"
    return blocks.render_action_list(found, total, heading, today, empty)


_STATUS_CHANGES = {
    "done": ("done", "done", "Marked done. Thank you! :tada:"),
    "reopen": ("open", "reopened", "Reopened."),
    "drop": ("dropped", "dropped", "Dropped: it stays in the history."),
}


def change_status(deps: Deps, client: WebClient, actor: Actor, action_id: int, verb: str) -> Action:
    """Mark an action done, reopen it or drop it, if ``actor`` may."""
    status, kind, _ = _STATUS_CHANGES[verb]
    now = deps.now()

    def write(db) -> tuple[Action, Action]:
        before = store.get(db, actor.team_id, action_id)
        check_change(before, actor)
        if before.status == status:
            raise ParseError(
                f"{before.ref} is already {'open' if status == 'open' else status}.",
                example=f"/action show {before.ref}",
            )
        done_at = now if status == "done" else None
        return store.change(db, actor, action_id, kind, now, status=status, done_at=done_at)

    return change_action(deps, client, actor.team_id, write)


def _status(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    after = change_status(deps, client, actor, parsed.action_id, parsed.verb)
    render = blocks.render_action_done if parsed.verb == "done" else blocks.render_action_changed
    return render(after, _today(deps, actor), _STATUS_CHANGES[parsed.verb][2])


def _assign(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    owner_id = resolve(deps, actor.team_id, parsed.owner, client=client)
    after = change_action(
        deps,
        client,
        actor.team_id,
        lambda db: store.change(
            db, actor, parsed.action_id, "assigned", deps.now(), detail=owner_id, owner_id=owner_id
        ),
    )
    if owner_id != actor.user_id:
        after_answer(_tell_new_owner, deps, client, after, actor)
    return blocks.render_action_changed(after, _today(deps, actor), f"Given to <@{owner_id}>.")


def _due(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    after = change_action(
        deps,
        client,
        actor.team_id,
        lambda db: store.change(
            db,
            actor,
            parsed.action_id,
            "due",
            deps.now(),
            detail=parsed.due.isoformat(),
            due=parsed.due,
        ),
    )
    today = _today(deps, actor)
    read = due_reading(parsed.due, parsed.due_said, parsed.due_note, today)
    return blocks.render_action_changed(after, today, f"New due date set. {read}")


def _note(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):

    def write(db) -> tuple[Action, Action]:
        before = store.get(db, actor.team_id, parsed.action_id)
        notes = f"{before.notes}\n{parsed.note}".strip()
        if len(notes) > 10_000:
            raise ParseError(
                "This action's notes are full (10,000 characters).",
                example=f"/action show {before.ref}",
            )
        return store.change(
            db, actor, parsed.action_id, "note", deps.now(), detail=parsed.note, notes=notes
        )

    after = change_action(deps, client, actor.team_id, write)
    return blocks.render_action_changed(after, _today(deps, actor), "Note added.")


def _show(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps):
    with deps.db() as db:
        action = store.get(db, actor.team_id, parsed.action_id)
        events = store.history(db, actor.team_id, parsed.action_id)
        learned = reflection_store.for_action(db, actor.team_id, actor.user_id, action.id)
    return blocks.render_action_detail(
        action, events, _today(deps, actor), actor.zone, learned, actor.user_id
    )


_VERBS = {
    "help": _help,
    "create": _create,
    "list": _list,
    "done": _status,
    "reopen": _status,
    "drop": _status,
    "assign": _assign,
    "due": _due,
    "note": _note,
    "show": _show,
    "review": review.on_review,
    "review_settings": review.on_review_settings,
    "export": review.on_export,
}


def on_done_button(
    ack: Ack,
    body: dict,
    action: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """The Done button on a list, a DM or the App Home; the confirmation asks what was learned
    (by DM when the click came from the App Home, which has no reply URL)."""
    ack()
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    after = change_status(deps, client, actor, parse_id(action.get("value", ""), "A"), "done")
    text, blocks_ = blocks.render_action_done(
        after, _today(deps, actor), _STATUS_CHANGES["done"][2]
    )
    if body.get("response_url"):
        respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks_)


def open_action_modal(
    client: WebClient,
    trigger_id: str,
    *,
    owner_id: str | None,
    title: str = "",
    notes: str = "",
    metadata: dict | None = None,
    fill: Callable[[], dict] | None = None,
) -> None:
    """Open the new-action modal, pre-filled; ``fill`` (see ``handlers.modals``) may make
    Slack calls and return the view to replace it with."""
    view = blocks.render_action_modal(
        owner_id=owner_id, title=title, notes=notes, metadata=metadata
    )
    open_modal(client, trigger_id, view, fill)


def message_text(shortcut: dict) -> str:
    """A message shortcut's message text, on one line."""
    return " ".join((shortcut.get("message", {}).get("text") or "").split())


def message_link(client: WebClient, shortcut: dict) -> str | None:
    """A permalink back to a message shortcut's message (a Slack call)."""
    message = shortcut.get("message", {})
    channel_id = shortcut.get("channel", {}).get("id")
    if not (channel_id and message.get("ts")):
        return None
    return client.chat_getPermalink(channel=channel_id, message_ts=message["ts"])["permalink"]


def on_track_shortcut(
    ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """ "Track as action" on a message: the modal pre-filled with its text, then the link
    to it once Slack has given it (the modal opens first: its trigger lasts 3 seconds)."""
    ack()
    title = message_text(shortcut)[:TITLE_MAX]
    response_url = shortcut.get("response_url")

    def with_link() -> dict:
        permalink = message_link(client, shortcut)
        return blocks.render_action_modal(
            owner_id=shortcut["user"]["id"],
            title=title,
            notes=f"From {permalink}" if permalink else "",
            metadata={"permalink": permalink, "response_url": response_url},
        )

    open_action_modal(
        client,
        shortcut["trigger_id"],
        owner_id=shortcut["user"]["id"],
        title=title,
        metadata={"permalink": None, "response_url": response_url},
        fill=with_link,
    )


def on_action_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The new-action modal submitted: field errors shown in the modal, else stored."""
    values = view["state"]["values"]

    def value(block: str, key: str = "value"):
        return (values.get(block, {}).get(block) or {}).get(key)

    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    errors = {}
    title = text_in(" ".join((value(ids.ACTION_MODAL_TITLE) or "").split()))
    if not title:
        errors[ids.ACTION_MODAL_TITLE] = "What needs doing? A title is needed."
    elif len(title) > TITLE_MAX:
        errors[ids.ACTION_MODAL_TITLE] = f"A title can be up to {TITLE_MAX} characters."
    notes = text_in((value(ids.ACTION_MODAL_NOTES) or "").strip())
    if len(notes) > NOTE_MAX:
        errors[ids.ACTION_MODAL_NOTES] = f"Notes can be up to {NOTE_MAX:,} characters."
    due = None
    try:
        due = picked_date(value(ids.ACTION_MODAL_DUE, "selected_date"))
    except UserError as err:
        errors[ids.ACTION_MODAL_DUE] = err.message
    if due is not None and due < _today(deps, actor):
        errors[ids.ACTION_MODAL_DUE] = "That date has passed; pick today or later."
    owner_id = value(ids.ACTION_MODAL_OWNER, "selected_user") or actor.user_id
    if not USER_ID.fullmatch(owner_id):
        errors[ids.ACTION_MODAL_OWNER] = "Pick the owner from the list of people."
    workstream = None
    if (value(ids.ACTION_MODAL_WORKSTREAM) or "").strip():
        try:
            workstream = normalise_tag(value(ids.ACTION_MODAL_WORKSTREAM))
        except UserError as err:
            errors[ids.ACTION_MODAL_WORKSTREAM] = err.message
    if errors:
        ack(response_action="errors", errors=errors)
        return
    metadata = view_metadata(view)
    action = create_action(
        deps,
        client,
        actor,
        title=title,
        owner_id=owner_id,
        due=due,
        workstream=workstream,
        notes=notes,
        permalink=metadata.get("permalink"),
    )
    _, blocks_ = blocks.render_action_created(action, _today(deps, actor), actor.user_id)
    answer_in_modal(ack, view, blocks_)

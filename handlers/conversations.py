"""``/conversation``, its form, "Share with the network", "How did it go?" and "Record a
conversation", and the stay-in-touch job.

A conversation is private to its author until shared: every read goes through
``storage.conversations``, which applies the one rule in ``storage.privacy``, so nothing
here decides who sees what. ``/conversation forget "Name"`` is the steering group's
erasure of someone outside Slack (``storage.member_data.forget_person``): the reply gives
counts, never the name.

The stay-in-touch job (``conversation:cadences``, every tick) nudges a member only when a
cadence lapses (no conversation with that person recorded for the period); each nudge goes
through ``deliver_once`` with a key naming the cadence and when it fell due, so a restart
neither repeats nor loses one.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.contacts import Person
from bot.domain.conversations import (
    ConversationCommand,
    ConversationDraft,
    cadence_due_at,
    check_conversation,
    parse_conversation_command,
)
from bot.domain.conversations import require_steering as require_steering_to_forget
from bot.domain.errors import ParseError, UserError
from bot.domain.people import Actor
from bot.domain.reflections import parse_tag_list
from bot.domain.text import button_id, plain_text, text_in
from handlers import ids
from handlers.blocks import conversations as blocks
from handlers.blocks.common import Rendered
from handlers.changes import change_conversation
from handlers.commands import run_command
from handlers.delivery import Outcome, deliver_once
from handlers.listeners import bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, known_zone, resolve
from storage import conversations as store
from storage import member_data, members
from storage import reminders as reminder_store
from storage.codec import encode_time

__all__ = [
    "register",
    "register_jobs",
    "on_conversation_command",
    "on_share_button",
    "on_log_button",
    "on_conversation_modal",
    "record",
    "send_cadence_nudges",
]

log = logging.getLogger(__name__)

SHARE_BUTTON = re.compile(rf"^{ids.CONVERSATION_SHARE}(:\d+)?$")
CADENCE_JOB = "conversation:cadences"


def register(app: App, deps: Deps) -> None:
    """Wire the ``/conversation`` listeners."""
    app.command("/conversation")(bind(on_conversation_command, deps))
    app.action(SHARE_BUTTON)(bind(on_share_button, deps))
    app.action(ids.CONVERSATION_LOG)(bind(on_log_button, deps))
    app.view(ids.CONVERSATION_MODAL)(bind(on_conversation_modal, deps))


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The stay-in-touch nudges, checked every tick (stable id, replaced on restart)."""
    scheduler.add_job(
        send_cadence_nudges,
        "interval",
        seconds=deps.settings.tick_seconds,
        id=CADENCE_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
    )


def on_conversation_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/conversation …``: ack, read the text, do it, reply ephemerally; alone, the form."""
    ack()
    text = command.get("text", "")
    if not text.strip():
        view = blocks.render_conversation_modal(
            metadata={"response_url": command.get("response_url")}
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    parsed = parse_conversation_command(text, deps.now(), actor.zone)
    run_command(_VERBS, parsed, actor, client, deps, respond)


def _member_id(deps: Deps, client: WebClient, actor: Actor, person: Person | None) -> str | None:
    """The Slack id of the member a person names (a plain ``@name`` looked up), else None."""
    if person is None or person.member is None:
        return None
    return resolve(deps, actor.team_id, person.member, client=client)


def record(
    deps: Deps,
    client: WebClient,
    actor: Actor,
    draft: ConversationDraft,
    reminder_id: int | None = None,
) -> Rendered:
    """Store a conversation by ``actor`` (answering the follow-up ``reminder_id``, if given);
    the confirmation, with a Share button while it is private."""
    person_id = _member_id(deps, client, actor, draft.person)
    now = deps.now()
    logged = change_conversation(
        deps,
        client,
        actor.team_id,
        lambda db: store.add(
            db,
            actor.team_id,
            actor.user_id,
            draft,
            now,
            tz=actor.tz,
            person_id=person_id,
            reminder_id=reminder_id,
        ),
    )
    return blocks.render_conversation_saved(
        logged.conversation, actor.zone, now, logged.follow_up, logged.moved
    )


def _help(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return blocks.render_conversation_help()


def _create(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.draft is not None
    return record(deps, client, actor, parsed.draft)


def _list(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        found, total = store.listing(
            db, actor.team_id, actor.user_id, everyone=parsed.everyone, tag=parsed.tag
        )
    scope = f" tagged #{parsed.tag}" if parsed.tag else ""
    heading = (
        f"Conversations{scope}: yours and the network's shared ones, newest first"
        if parsed.everyone
        else f"Your conversations{scope}, newest first"
    )
    return blocks.render_conversation_list(
        found, total, heading, actor.user_id, actor.zone, deps.now()
    )


def _people(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        found, total = store.people(db, actor.team_id, actor.user_id)
    return blocks.render_people(found, total, actor.zone, deps.now())


def share(deps: Deps, actor: Actor, conversation_id: int, shared: bool) -> Rendered:
    """Share a conversation with the network (or make it private again), if ``actor`` wrote
    it; sharing one already shared is said, and changes nothing."""
    now = deps.now()
    with deps.db() as db:
        before = store.get(db, actor.team_id, actor.user_id, conversation_id)
        if before.author_id == actor.user_id and before.shared == shared:
            raise ParseError(
                f"{before.ref} is already {'shared' if shared else 'private'}.",
                example=f"/conversation {'unshare' if shared else 'share'} {before.ref}",
            )
        after = store.set_shared(db, actor.team_id, actor.user_id, conversation_id, shared, now)
    what = (
        f":globe_with_meridians: Shared {after.ref} with the network."
        if shared
        else f":lock: {after.ref} is private again: only you can see it."
    )
    return blocks.render_conversation_changed(after, actor.zone, now, what)


def _share(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.conversation_id is not None
    return share(deps, actor, parsed.conversation_id, parsed.verb == "share")


def _delete(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.conversation_id is not None
    with deps.db() as db:
        gone = store.delete(db, actor.team_id, actor.user_id, parsed.conversation_id)
    what = f":wastebasket: Deleted {gone.ref} for good."
    return blocks.render_conversation_changed(gone, actor.zone, deps.now(), what)


def _stay(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.person is not None and parsed.every is not None
    person_id = _member_id(deps, client, actor, parsed.person)
    now = deps.now()
    with deps.db() as db:
        cadence = store.stay_in_touch(
            db,
            actor.team_id,
            actor.user_id,
            parsed.person,
            parsed.every,
            actor.tz,
            now,
            person_id=person_id,
        )
    due = cadence_due_at(
        cadence.every, actor.zone, started_at=cadence.started_at, last_contact=None, nudged_at=None
    )
    return blocks.render_cadence_set(cadence, due, actor.zone, now)


def _stop(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.person is not None
    person_id = _member_id(deps, client, actor, parsed.person)
    with deps.db() as db:
        stopped = store.stop_staying_in_touch(
            db, actor.team_id, actor.user_id, parsed.person, person_id=person_id
        )
    return blocks.render_cadence_stopped(stopped)


def _map(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    now = deps.now()
    with deps.db() as db:
        found = store.organisation_map(db, actor.team_id, now)
    return blocks.render_map(found, actor.zone, now)


def _forget(parsed: ConversationCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    require_steering_to_forget(actor.is_steering)
    with deps.db() as db:
        erased = member_data.forget_person(db, actor.team_id, parsed.name, deps.now())
    log.info("erased a non-member's name: erasure=%s rows=%s", erased.id, erased.total)
    return blocks.render_person_forgotten(erased.changed, erased.deleted)


_VERBS = {
    "help": _help,
    "create": _create,
    "list": _list,
    "people": _people,
    "share": _share,
    "unshare": _share,
    "delete": _delete,
    "stay": _stay,
    "stop": _stop,
    "map": _map,
    "forget": _forget,
}


# --- buttons and the form ------------------------------------------------------------------


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
    """ "Share with the network" on a recorded conversation's confirmation: its author only."""
    ack()
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    conversation_id = button_id(action.get("value", ""), "C", "/conversation share C3")
    text, blocks_ = share(deps, actor, conversation_id, True)
    if body.get("response_url"):
        respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=True)
    else:
        client.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks_)


def _prefill(deps: Deps, team_id: str, user_id: str, value: str) -> dict:
    """The form's pre-filled person and link, from ``reminder:<id>`` (a follow-up marked
    done) or ``cadence:<id>`` (a stay-in-touch nudge): the member's own only."""
    kind, _, number = value.partition(":")
    if kind not in ("reminder", "cadence") or not number.isdigit():
        raise ParseError("That button is broken; record it with `/conversation with …`.")
    with deps.db() as db:
        if kind == "reminder":
            reminder = reminder_store.get(db, team_id, int(number), user_id)
            if reminder.kind != "follow_up":
                raise ParseError("That reminder is no follow-up.", example="/conversation")
            return {
                "member_id": reminder.person_id,
                "name": reminder.person_name or "",
                "organisation": reminder.person_org or "",
                "topic": reminder.text or "",
                "reminder_id": reminder.id,
            }
        cadence = store.cadence_of(db, team_id, user_id, int(number))
        return {
            "member_id": cadence.person_id,
            "name": cadence.person_name or "",
            "organisation": cadence.organisation or "",
            "topic": "",
            "reminder_id": None,
        }


def on_log_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """ "How did it go?" on a follow-up marked done, or "Record a conversation" on a
    stay-in-touch nudge: the conversation form, pre-filled, linked to the follow-up."""
    ack()
    user_id = body["user"]["id"]
    found = _prefill(deps, context.team_id, user_id, action.get("value", ""))
    view = blocks.render_conversation_modal(
        name=plain_text(found["name"]),
        member_id=found["member_id"],
        organisation=plain_text(found["organisation"]),
        topic=plain_text(found["topic"]),
        metadata={"reminder_id": found["reminder_id"], "response_url": body.get("response_url")},
    )
    open_modal(client, body["trigger_id"], view)


def on_conversation_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The conversation form submitted: refusals shown at their fields, else recorded."""
    form = blocks.read_conversation_form(view)
    user_id = body["user"]["id"]
    zone = known_zone(deps, context.team_id, user_id)
    now = deps.now()
    errors: dict[str, str] = {}
    tags: tuple[str, ...] = ()
    try:
        tags = parse_tag_list(form["tags"])
    except UserError as err:
        errors[blocks.FIELD_TAGS] = err.message
    fields = {
        "name": text_in(form["name"]) if form["name"] else None,
        "member_id": form["member_id"],
        "organisation": text_in(form["organisation"]) if form["organisation"] else None,
        "topic": text_in(form["topic"]),
        "tags": tags,
        "shared": form["shared"],
        "now": now,
        "tz": zone,
    }
    draft = None
    try:
        draft = check_conversation(**fields)
    except UserError as err:
        errors[blocks.FIELD_TOPIC if "topic" in err.message else blocks.FIELD_NAME] = err.message
    if draft is not None and form["follow_up_on"] is not None:
        try:
            draft = check_conversation(**fields, follow_up_on=form["follow_up_on"])
        except UserError as err:
            errors[blocks.FIELD_FOLLOW_UP] = err.message
    metadata = view_metadata(view)
    reminder_id = metadata.get("reminder_id")
    if reminder_id is not None and (type(reminder_id) is not int or reminder_id < 1):
        errors[blocks.FIELD_NAME] = "This form lost track of its follow-up. Close it and try again."
    if errors or draft is None:
        ack(response_action="errors", errors=errors)
        return
    actor = actor_for(deps, client, context.team_id, user_id)
    _, blocks_ = record(deps, client, actor, draft, reminder_id)
    answer_in_modal(ack, view, blocks_)


# --- the stay-in-touch job -----------------------------------------------------------------


def send_cadence_nudges(deps: Deps) -> int:
    """DM each member whose stay-in-touch cadence has lapsed, once per lapse; how many sent.
    A failed send stops the pass (Slack is down): the rest wait for the next tick."""
    now = deps.now()
    with deps.db() as db:
        due = [(c, at, store.last_contact(db, c)) for c, at in store.cadences_due(db, now)]
        known = members.of_teams(db, {c.team_id for c, _, _ in due})
    sent = 0
    for cadence, at, last_at in due:
        key = f"cadence:{cadence.id}:{encode_time(at.astimezone(UTC))}"
        member = known.get((cadence.team_id, cadence.user_id))
        zone = cadence.tz if member is None else member.tz
        outcome = deliver_once(
            deps,
            key,
            team_id=cadence.team_id,
            kind="cadence",
            recipient=cadence.user_id,
            send=lambda c=cadence, t=last_at, z=zone: _post_nudge(deps, c, t, z, now),
        )
        if outcome is Outcome.FAILED:
            return sent
        with deps.db() as db:  # sent, sent before, or failed for good: the period restarts
            store.mark_nudged(db, cadence, now)
        sent += outcome is Outcome.SENT
    return sent


def _post_nudge(deps: Deps, cadence, last_at: datetime | None, zone: str, now: datetime):
    text, blocks_ = blocks.render_cadence_nudge(cadence, last_at, ZoneInfo(zone), now)
    return deps.client.chat_postMessage(channel=cadence.user_id, text=text, blocks=blocks_)

"""**Track actions from this message**: a message of minutes read into one form, a row per
line, and the actions tracked in one go.

The shortcut opens the form at once (its trigger lasts 3 seconds) with the rows read by
``bot.domain.meetings.read_minutes``; then, once Slack has given the message's permalink,
updates it so the actions link back. The form holds
:data:`~bot.domain.meetings.MEETING_ROWS` rows (98 of Slack's 100 blocks in a view); a
longer message's first rows are shown with how many were left out. On submit, empty rows
are skipped, every refusal is shown at its row's field (and nothing is stored), and each
owner and each workstream's lead hears once, of all theirs together.
"""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.actions import Action
from bot.domain.meetings import Minutes, drafts_from_form, group_by, read_minutes
from bot.domain.people import Actor
from bot.domain.text import plain_text, text_in
from bot.domain.workstreams import lead_to_tell
from handlers import ids
from handlers.actions import USER_ID, message_link, workstreams_kept
from handlers.blocks import meetings as blocks
from handlers.blocks.workstreams import render_lead_dm
from handlers.changes import change_actions
from handlers.listeners import after_answer, bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, known_zone
from storage import actions as action_store
from storage import members
from storage import workstreams as workstream_store

__all__ = ["register", "on_meeting_shortcut", "on_meeting_modal", "minutes_of"]


def register(app: App, deps: Deps) -> None:
    """Wire the meeting shortcut and its form."""
    app.shortcut(ids.TRACK_MEETING)(bind(on_meeting_shortcut, deps))
    app.view(ids.MEETING_MODAL)(bind(on_meeting_modal, deps))


def minutes_of(deps: Deps, team_id: str, text: str, zone) -> Minutes:
    """The form's rows for a message's ``text``: owners found among the members Nudge
    knows by name; titles as plain words (a form's field shows no escapes)."""
    with deps.db() as db:
        known = members.of_teams(db, {team_id})
    names = {m.name: m.user_id for m in known.values() if m.name}
    minutes = read_minutes(text, deps.now(), zone, names)
    return replace(minutes, rows=tuple(replace(r, title=plain_text(r.title)) for r in minutes.rows))


def on_meeting_shortcut(
    ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """ "Track actions from this message": the form with a row per line, then the link back
    to the message once Slack has given it."""
    ack()
    user_id = shortcut["user"]["id"]
    message = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id")
    minutes = minutes_of(
        deps, context.team_id, message.get("text") or "", known_zone(deps, context.team_id, user_id)
    )
    kept = workstreams_kept(deps, context.team_id)

    def form(permalink: str | None) -> dict:
        return blocks.render_meeting_form(
            minutes, workstreams=kept, permalink=permalink, channel=channel, ts=message.get("ts")
        )

    open_modal(
        client, shortcut["trigger_id"], form(None), lambda: form(message_link(client, shortcut))
    )


def on_meeting_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The meeting form submitted: every row's refusals shown at once, else each filled row
    tracked, its owner and its workstream's lead told once of all theirs."""
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    now = deps.now()
    fields = [replace(row, title=text_in(row.title)) for row in blocks.read_meeting_form(view)]
    with deps.db() as db:
        live, archived = workstream_store.known_tags(db, actor.team_id)
    drafts, errors = drafts_from_form(
        fields, now, actor.zone, live_tags=live, archived_tags=archived
    )
    for number, _, owner_id in drafts:
        if owner_id and not USER_ID.fullmatch(owner_id):
            errors[(number, "owner")] = "Pick the owner from the list of people."
    if errors:
        ack(response_action="errors", errors=blocks.meeting_errors(errors))
        return
    permalink = view_metadata(view).get("permalink")
    permalink = permalink if isinstance(permalink, str) else None
    tracked = change_actions(
        deps,
        client,
        actor.team_id,
        lambda db: [
            action_store.add(
                db,
                actor,
                title=draft.title,
                owner_id=owner_id or actor.user_id,
                due=draft.due,
                workstream=draft.workstream,
                notes=f"From {permalink}" if permalink else "",
                permalink=permalink,
                now=now,
            )
            for _, draft, owner_id in drafts
        ],
    )
    owners = group_by(tracked, {a.id: a.owner_id for a in tracked}, actor.user_id)
    after_answer(_tell, deps, client, actor, tracked, permalink)
    today = now.astimezone(actor.zone).date()
    _, blocks_ = blocks.render_meeting_tracked(tracked, today, len(owners))
    answer_in_modal(ack, view, blocks_)


def _tell(
    deps: Deps, client: WebClient, actor: Actor, tracked: list[Action], permalink: str | None
) -> int:
    """One DM per owner of all their actions, one per lead of the actions joining their
    workstream (none for what they were told as owner); how many owners were told."""
    today = deps.now().astimezone(deps.settings.tz).date()
    owners = group_by(tracked, {a.id: a.owner_id for a in tracked}, actor.user_id)
    for owner, theirs in owners.items():
        text, blocks_ = blocks.render_meeting_owner_dm(theirs, actor.user_id, today, permalink)
        client.chat_postMessage(channel=owner, text=text, blocks=blocks_)
    with deps.db() as db:
        kept = {
            tag: workstream_store.find(db, actor.team_id, tag)
            for tag in {a.workstream for a in tracked if a.workstream}
        }
    leads: dict[tuple[str, str], list[Action]] = {}
    for action in tracked:
        workstream = kept.get(action.workstream or "")
        owner_told = action.owner_id if action.owner_id in owners else None
        lead = lead_to_tell(workstream, None, actor.user_id, owner_told)
        if workstream is not None and lead is not None:
            leads.setdefault((lead, workstream.tag), []).append(action)
    for (lead, tag), theirs in leads.items():
        text, blocks_ = render_lead_dm(kept[tag], theirs, actor.user_id, today)
        client.chat_postMessage(channel=lead, text=text, blocks=blocks_)
    return len(owners)

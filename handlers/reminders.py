"""Reminders: set, listed and cancelled with ``/nudge``, their DMs' buttons (Done, Snooze,
Track as action), "Remind me to follow up", the App Home's upcoming reminders, and the
sending of those that are due (run by ``handlers.nudges.tick``).
"""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.actions import TITLE_MAX
from bot.domain.errors import ParseError
from bot.domain.home import HomeSection
from bot.domain.nudges import (
    EXAMPLE,
    TEXT_MAX,
    NudgeCommand,
    after_delivery,
    deliver_at,
    snooze_until,
)
from bot.domain.people import Actor, is_former
from bot.domain.quiet import delivery_time, plan_delivery
from bot.domain.text import button_id
from bot.domain.when import describe_next, parse_when
from handlers import ids
from handlers.actions import message_link, message_text, open_action_modal, workstreams_kept
from handlers.blocks import nudges as blocks
from handlers.blocks.actions import render_action_modal
from handlers.blocks.common import Rendered, render_text
from handlers.blocks.conversations import render_how_did_it_go
from handlers.changes import change_reminder
from handlers.delivery import Outcome, deliver_once, post_rendered, settled
from handlers.habits import habit_line
from handlers.home import add_home_section
from handlers.listeners import bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, member_tz, resolve
from storage import members, reminders
from storage.codec import encode_time

__all__ = [
    "register",
    "home_sections",
    "remind",
    "list_reminders",
    "cancel_reminder",
    "on_done_button",
    "on_snooze_button",
    "on_track_button",
    "on_follow_up_shortcut",
    "on_follow_up_modal",
    "send_due_reminders",
]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Wire the reminder DMs' buttons, the follow-up shortcut, and the home's section."""
    app.action(ids.NUDGE_DONE)(bind(on_done_button, deps))
    app.action(SNOOZE_BUTTON)(bind(on_snooze_button, deps))
    app.action(ids.NUDGE_TRACK)(bind(on_track_button, deps))
    app.shortcut(ids.REMIND_FOLLOW_UP)(bind(on_follow_up_shortcut, deps))
    app.view(ids.NUDGE_FOLLOW_UP_MODAL)(bind(on_follow_up_modal, deps))
    add_home_section(deps, "reminders", home_sections)


SNOOZE_BUTTON = re.compile(rf"^{ids.NUDGE_SNOOZE}:(1h|1d|1w)$")
HOME_REMINDERS = 5


def home_sections(deps: Deps, actor: Actor) -> tuple[HomeSection, ...]:
    """The App Home's "Upcoming reminders" and "Blogging habit" sections for ``actor``."""
    now = deps.now()
    with deps.db() as db:
        upcoming = reminders.upcoming(db, actor.team_id, actor.user_id, limit=HOME_REMINDERS)
        total = reminders.count_upcoming(db, actor.team_id, actor.user_id)
        habit = habit_line(db, actor, now)
    lines = tuple(blocks.render_reminder_line(r, now, actor.zone) for r in upcoming)
    section = HomeSection(
        "Upcoming reminders",
        lines,
        more=max(0, total - len(lines)),
        hint="See them all with `/nudge list`.",
        empty=f"None. Try `{EXAMPLE}`.",
    )
    return (section, HomeSection("Blogging habit", (habit,))) if habit else (section,)


def remind(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.when is not None
    person_id = resolve(deps, actor.team_id, parsed.person) if parsed.person else None
    outside = parsed.contact if parsed.contact and parsed.contact.member is None else None
    now = deps.now()
    when = parsed.when
    planned = plan_delivery(when.first, actor.zone, explicit=when.explicit_time, now=now)
    reminder = change_reminder(
        deps,
        client,
        actor.team_id,
        lambda db: reminders.add(
            db,
            team_id=actor.team_id,
            user_id=actor.user_id,
            kind=parsed.verb,
            text=parsed.text,
            tz=actor.tz,
            first=planned.at,
            recurrence=when.recurrence,
            now=now,
            person_id=person_id,
            explicit_time=when.explicit_time,
            person_name=outside.name if outside else None,  # someone outside Slack
            person_org=parsed.contact.organisation if parsed.contact else None,
        ),
    )
    return blocks.render_reminder_set(
        reminder, now, actor.zone, note=when.note, moved=planned.reason
    )


LIST_READ = 1000  # more than five messages of the shortest reminders hold


def list_reminders(
    parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps
) -> list[Rendered]:
    now = deps.now()
    with deps.db() as db:
        found = reminders.upcoming(db, actor.team_id, actor.user_id, limit=LIST_READ)
        total = reminders.count_upcoming(db, actor.team_id, actor.user_id)
        habit = habit_line(db, actor, now)
    return blocks.render_reminder_list(found, now, actor.zone, habit, total)


def cancel_reminder(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.reminder_id is not None
    reminder = change_reminder(
        deps,
        client,
        actor.team_id,
        lambda db: reminders.cancel(
            db, actor.team_id, actor.user_id, parsed.reminder_id, deps.now()
        ),
    )
    return render_text(f"Cancelled *{reminder.ref}*: I won't remind you to {reminder.subject()}.")


# --- buttons on a reminder DM ---------------------------------------------------------------


def _own_reminder(deps: Deps, body: dict, action: dict, team_id: str) -> reminders.Reminder:
    reminder_id = button_id(action.get("value", ""), "N", "/nudge list")
    with deps.db() as db:
        return reminders.get(db, team_id, reminder_id, body["user"]["id"])


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
    """Done on a reminder: a one-off is finished; a recurring one carries on."""
    ack()
    reminder = _own_reminder(deps, body, action, context.team_id)
    after = change_reminder(
        deps, client, context.team_id, lambda db: reminders.mark_done(db, reminder, deps.now())
    )
    what = ":white_check_mark: Done."
    if after.status == "active" and after.next_at:
        what += f" Next: {describe_next(after.next_at, after.zone, deps.now())}."
    text, blocks_ = blocks.render_reminder_closed(after, what)
    if after.kind == "follow_up" and after.status != "active":  # "How did it go?"
        blocks_ = [*blocks_, *render_how_did_it_go(after)]
    respond(text=text, blocks=blocks_, replace_original=True)


def on_snooze_button(
    ack: Ack,
    body: dict,
    action: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """Snooze 1 hour, 1 day or 1 week: the reminder comes again then."""
    ack()
    reminder = _own_reminder(deps, body, action, context.team_id)
    match = SNOOZE_BUTTON.match(action["action_id"])
    assert match is not None
    now = deps.now()
    until = snooze_until(now, match[1], reminder.zone)
    again = change_reminder(
        deps, client, context.team_id, lambda db: reminders.snooze(db, reminder, until, now)
    )
    assert again.next_at is not None
    text, blocks_ = blocks.render_reminder_closed(
        reminder, f":zzz: Snoozed until {describe_next(again.next_at, again.zone, now)}."
    )
    respond(text=text, blocks=blocks_, replace_original=True)


def on_track_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """Track as action on a follow-up: the action modal, pre-filled; the person's name as
    last known, then as Slack says it (the modal opens first: its trigger lasts 3 seconds)."""
    ack()
    reminder = _own_reminder(deps, body, action, context.team_id)
    person = (
        reminder.person_id if reminder.person_id and not is_former(reminder.person_id) else None
    )
    notes = f"From {reminder.permalink}" if reminder.permalink else ""
    metadata = {"permalink": reminder.permalink, "response_url": body.get("response_url")}
    kept = workstreams_kept(deps, reminder.team_id)  # the form's workstream select

    def title() -> str:
        with deps.db() as db:
            known = members.get(db, reminder.team_id, person) if person else None
        name = known.name if known and known.name else None
        return (
            "Follow up"
            + (f" with {name}" if name else "")
            + (f" about {reminder.text}" if reminder.text else "")
        )[:TITLE_MAX]

    def named() -> dict:
        if person:
            member_tz(deps, client, reminder.team_id, person)  # caches the name
        return render_action_modal(
            owner_id=reminder.user_id,
            title=title(),
            notes=notes,
            metadata=metadata,
            workstreams=kept,
        )

    open_action_modal(
        client,
        body["trigger_id"],
        owner_id=reminder.user_id,
        title=title(),
        notes=notes,
        metadata=metadata,
        fill=named,
        workstreams=kept,
    )


# --- "Remind me to follow up" ----------------------------------------------------------------


def on_follow_up_shortcut(
    ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The message shortcut: a modal asking when, showing the message, then the link to it
    once Slack has given it (the modal opens first: its trigger lasts 3 seconds)."""
    ack()
    text = message_text(shortcut)

    def modal(permalink: str | None) -> dict:
        metadata = {
            "permalink": permalink,
            "person_id": shortcut.get("message", {}).get("user"),
            "topic": text[:120],
            "response_url": shortcut.get("response_url"),
        }
        return blocks.render_follow_up_modal(text, permalink, metadata)

    open_modal(
        client, shortcut["trigger_id"], modal(None), lambda: modal(message_link(client, shortcut))
    )


def on_follow_up_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """When to follow up, submitted: unreadable times are field errors; else stored."""
    said = (
        view["state"]["values"]
        .get(ids.NUDGE_FOLLOW_UP_WHEN, {})
        .get(ids.NUDGE_FOLLOW_UP_WHEN, {})
        .get("value")
        or ""
    )
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    now = deps.now()
    try:
        when = parse_when(said, now, actor.zone)
    except ParseError as err:
        example = f" For example: {err.example}" if err.example else ""
        ack(response_action="errors", errors={ids.NUDGE_FOLLOW_UP_WHEN: err.message + example})
        return
    metadata = view_metadata(view)
    person = metadata.get("person_id") if isinstance(metadata.get("person_id"), str) else None
    topic = str(metadata.get("topic") or "")[:TEXT_MAX]
    if len(topic) == 120:
        topic = topic.rstrip() + "…"
    reminder = change_reminder(
        deps,
        client,
        actor.team_id,
        lambda db: reminders.add(
            db,
            team_id=actor.team_id,
            user_id=actor.user_id,
            kind="follow_up" if person else "me",
            text=f"“{topic}”" if topic else "",
            tz=actor.tz,
            first=delivery_time(when.first, actor.zone, explicit=when.explicit_time),
            recurrence=when.recurrence,
            now=now,
            person_id=person,
            permalink=metadata.get("permalink"),
            explicit_time=when.explicit_time,
        ),
    )
    _, blocks_ = blocks.render_reminder_set(reminder, now, actor.zone)
    answer_in_modal(ack, view, blocks_)


def send_due_reminders(deps: Deps) -> int:
    """Send every reminder whose time has come, once; return how many went out.

    One whose time of day was not named and that falls in the member's quiet hours is
    held (its row moves to the next allowed minute) rather than sent.
    """
    now = deps.now()
    with deps.db() as db:
        due = reminders.due(db, now)
    sent = 0
    for reminder in due:
        assert reminder.next_at is not None
        if (held := deliver_at(reminder)) > now:
            with deps.db() as db:
                reminders.defer(db, reminder, held, now)
            continue
        key = f"reminder:{reminder.id}:{encode_time(reminder.next_at)}"
        outcome = deliver_once(
            deps,
            key,
            team_id=reminder.team_id,
            kind="reminder",
            recipient=reminder.user_id,
            send=lambda r=reminder: post_rendered(
                deps, r.team_id, r.user_id, blocks.render_reminder_dm(r, r.next_at, now)
            ),
        )
        sent += outcome is Outcome.SENT
        if outcome is Outcome.FAILED:  # Slack is down or refusing: the rest wait a tick
            break
        if settled(deps, key):
            with deps.db() as db:
                reminders.advance(db, reminder, after_delivery(reminder, now), now)
    return sent

"""``/nudge``, reminder DMs and their buttons, "Remind me to follow up", and the nudge jobs.

Reminders are rows; one frequent job (``nudge:tick``) sends what is due: reminders whose
``next_at`` has come, overdue-action nudges (09:00 in the owner's time zone) and habit
nudges. Every send goes through ``deliver_once`` with a key naming the occurrence, and a
row moves on only once its delivery is recorded as sent, so a failed send is retried
(after ``storage.deliveries``' backoff) and a restart never loses or repeats one. A pass
stops at the first failed send: when Slack is down, the rest wait for the next tick
instead of each spending the client's retries in turn.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import feed_worker
from bot import feeds as fetcher
from bot.deps import Deps
from bot.domain.actions import TITLE_MAX, check_change
from bot.domain.dates import picked_date
from bot.domain.errors import ParseError, UserError
from bot.domain.home import HomeSection
from bot.domain.nudges import (
    EXAMPLE,
    TEXT_MAX,
    NudgeCommand,
    after_delivery,
    deliver_at,
    habit_due_at,
    overdue_nudge_due,
    parse_nudge_command,
    snooze_until,
)
from bot.domain.people import Actor, is_former
from bot.domain.quiet import delivery_time, plan_delivery
from bot.domain.text import parse_id
from bot.domain.when import describe_next, parse_when
from handlers import data_rights, ids
from handlers.actions import message_link, message_text, open_action_modal, workstreams_kept
from handlers.blocks import nudges as blocks
from handlers.blocks.actions import render_action_changed, render_action_modal
from handlers.blocks.common import Rendered, render_text
from handlers.blocks.conversations import render_how_did_it_go
from handlers.changes import change_action, change_reminder
from handlers.commands import run_command
from handlers.delivery import Outcome, deliver_once
from handlers.home import add_home_section, refresh_home
from handlers.listeners import bind, view_metadata
from handlers.modals import answer_in_modal, open_modal
from handlers.people import actor_for, known_zone, member_tz, resolve
from storage import actions as action_store
from storage import deliveries, members, reminders
from storage import feeds as feed_store
from storage.codec import encode_time

__all__ = [
    "register",
    "register_jobs",
    "on_nudge_command",
    "on_done_button",
    "on_snooze_button",
    "on_track_button",
    "on_new_due_button",
    "on_due_modal",
    "on_follow_up_shortcut",
    "on_follow_up_modal",
    "tick",
    "send_due_reminders",
    "send_overdue_nudges",
    "send_habit_nudges",
    "poll_feeds",
    "check_feed_registration",
]

log = logging.getLogger(__name__)

SNOOZE_BUTTON = re.compile(rf"^{ids.NUDGE_SNOOZE}:(1h|1d|1w)$")
TICK_JOB = "nudge:tick"
FEEDS_JOB = "nudge:feeds"


def register(app: App, deps: Deps) -> None:
    """Wire the ``/nudge`` listeners."""
    app.command("/nudge")(bind(on_nudge_command, deps))
    app.action(ids.NUDGE_DONE)(bind(on_done_button, deps))
    app.action(SNOOZE_BUTTON)(bind(on_snooze_button, deps))
    app.action(ids.NUDGE_TRACK)(bind(on_track_button, deps))
    app.action(ids.NUDGE_NEW_DUE)(bind(on_new_due_button, deps))
    app.view(ids.NUDGE_DUE_MODAL)(bind(on_due_modal, deps))
    app.shortcut(ids.REMIND_FOLLOW_UP)(bind(on_follow_up_shortcut, deps))
    app.view(ids.NUDGE_FOLLOW_UP_MODAL)(bind(on_follow_up_modal, deps))
    add_home_section(deps, "reminders", home_sections)


def register_jobs(scheduler: BaseScheduler, deps: Deps) -> None:
    """The tick (due reminders, overdue and habit nudges, retries) and the feed poll."""
    scheduler.add_job(
        tick,
        "interval",
        seconds=deps.settings.tick_seconds,
        id=TICK_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
        next_run_time=datetime.now(UTC),
    )  # catch up as soon as we schedule
    scheduler.add_job(
        poll_feeds,
        "interval",
        minutes=deps.settings.feed_poll_minutes,
        id=FEEDS_JOB,
        replace_existing=True,
        kwargs={"deps": deps},
    )


# --- /nudge -------------------------------------------------------------------------------


def on_nudge_command(
    ack: Ack,
    command: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """``/nudge …``: ack, read the text, do it, reply ephemerally."""
    ack()
    actor = actor_for(deps, client, context.team_id, command["user_id"])
    parsed = parse_nudge_command(command.get("text", ""), deps.now(), actor.zone)
    run_command(_VERBS, parsed, actor, client, deps, respond)
    if parsed.verb.startswith("blog"):  # the App Home shows the habit (reminders: changes.py)
        refresh_home(deps, client, actor.team_id, [actor.user_id])


HOME_REMINDERS = 5


def home_sections(deps: Deps, actor: Actor) -> tuple[HomeSection, ...]:
    """The App Home's "Upcoming reminders" and "Blogging habit" sections for ``actor``."""
    now = deps.now()
    with deps.db() as db:
        upcoming = reminders.upcoming(db, actor.team_id, actor.user_id, limit=HOME_REMINDERS)
        total = reminders.count_upcoming(db, actor.team_id, actor.user_id)
        habit = _habit_line(db, actor, now)
    lines = tuple(blocks.render_reminder_line(r, now, actor.zone) for r in upcoming)
    section = HomeSection(
        "Upcoming reminders",
        lines,
        more=max(0, total - len(lines)),
        hint="See them all with `/nudge list`.",
        empty=f"None. Try `{EXAMPLE}`.",
    )
    return (section, HomeSection("Blogging habit", (habit,))) if habit else (section,)


def _help(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return blocks.render_nudge_help()


def _remind(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
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


def _list(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> list[Rendered]:
    now = deps.now()
    with deps.db() as db:
        found = reminders.upcoming(db, actor.team_id, actor.user_id, limit=LIST_READ)
        total = reminders.count_upcoming(db, actor.team_id, actor.user_id)
        habit_line = _habit_line(db, actor, now)
    return blocks.render_reminder_list(found, now, actor.zone, habit_line, total)


def _habit_line(db, actor: Actor, now: datetime) -> str | None:
    habit = feed_store.get_habit(db, actor.team_id, actor.user_id)
    feed = feed_store.get_feed(db, actor.team_id, actor.user_id)
    parts = []
    if habit:
        due = _habit_due(db, habit)
        period = "week" if habit.every_weeks == 1 else f"{habit.every_weeks} weeks"
        parts.append(
            f"*Blogging habit:* every {period}; if you haven't posted or shared a "
            f"reflection by then, a nudge {describe_next(due, actor.zone, now)}."
        )
    if feed:
        parts.append(blocks.render_feed_line(feed.title, feed.url, feed.error))
    return "\n".join(parts) or None


def _cancel(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
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


def _blog_every(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    assert parsed.weeks is not None
    now = deps.now()
    with deps.db() as db:
        habit = feed_store.set_habit(db, actor.team_id, actor.user_id, parsed.weeks, actor.tz, now)
        due = _habit_due(db, habit)
        has_feed = feed_store.get_feed(db, actor.team_id, actor.user_id) is not None
    period = "week" if parsed.weeks == 1 else f"{parsed.weeks} weeks"
    text = (
        f":writing_hand: OK: every {period}, if you haven't published a post or shared a "
        f"reflection, I'll nudge you. The first would be "
        f"{describe_next(due, actor.zone, now)}."
    )
    if not has_feed:
        text += " Tell me your blog's feed with `/nudge blog feed <url>` so posts count."
    return render_text(text)


def _blog_off(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        stopped = feed_store.stop_habit(db, actor.team_id, actor.user_id)
    if stopped:
        return render_text("Blogging nudges stopped.")
    return render_text("You had no blogging nudge. Start one with `/nudge blog every 2 weeks`.")


def _blog(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    with deps.db() as db:
        line = _habit_line(db, actor, deps.now())
    return render_text(
        line
        or "No blogging habit yet. Start one with `/nudge blog every 2 weeks`"
        " and tell me your feed with `/nudge blog feed <url>`."
    )


def _blog_feed(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    """Answer at once; the feed is read in the background and the result sent by DM."""
    fetcher.check_url(parsed.url, deps.settings.allow_private_feeds, resolve=False)
    key = (actor.team_id, actor.user_id)
    if deps.feed_checks.submit(check_feed_registration, deps, actor, parsed.url, key=key):
        return blocks.render_feed_checking(parsed.url)
    return blocks.render_feed_busy(still_yours=deps.feed_checks.is_busy(key))


def _feed_limits(deps: Deps) -> feed_worker.Limits:
    return feed_worker.Limits(deadline=deps.settings.feed_timeout_seconds)


def check_feed_registration(deps: Deps, actor: Actor, url: str) -> None:
    """Read the feed a member gave (in a worker, within the deadline); register it if it
    reads, and tell the member by DM either way. Nothing is stored for a feed refused."""
    result = feed_worker.fetch_in_worker(
        url, allow_private=deps.settings.allow_private_feeds, limits=_feed_limits(deps)
    )
    if result.status != "ok":
        text, blocks_ = blocks.render_feed_refused(url, result.error or "it could not be read")
        deps.client.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks_)
        return
    now = deps.now()
    with deps.db() as db:
        feed = feed_store.save_feed(db, actor.team_id, actor.user_id, url, result.title, now)
        feed_store.record_check(db, feed, now, etag=result.etag, modified=result.modified)
        feed_store.add_posts(db, feed, _entries(result), now)
    latest = max(
        result.entries, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), default=None
    )
    text, blocks_ = blocks.render_feed_registered(result.title, url, latest, actor.zone)
    deps.client.chat_postMessage(channel=actor.user_id, text=text, blocks=blocks_)
    refresh_home(deps, deps.client, actor.team_id, [actor.user_id])


def _mydata(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return data_rights.send_export(deps, client, actor)


def _forget(parsed: NudgeCommand, actor: Actor, client: WebClient, deps: Deps) -> Rendered:
    return data_rights.ask_to_forget(deps, actor)


_VERBS = {
    "help": _help,
    "me": _remind,
    "follow_up": _remind,
    "list": _list,
    "cancel": _cancel,
    "blog": _blog,
    "blog_every": _blog_every,
    "blog_off": _blog_off,
    "blog_feed": _blog_feed,
    "mydata": _mydata,
    "forget": _forget,
}


# --- buttons on a reminder DM ---------------------------------------------------------------


def _own_reminder(deps: Deps, body: dict, action: dict, team_id: str) -> reminders.Reminder:
    try:
        reminder_id = parse_id(action.get("value", ""), "N")
    except ParseError:
        raise ParseError("That button is broken; try `/nudge list`.") from None
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


# --- overdue actions: New due date ----------------------------------------------------------


def on_new_due_button(
    ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """ "New due date" on an overdue nudge: a date picker. It opens at once (its trigger
    lasts 3 seconds); then, once Slack has said who is asking, it starts on their today,
    or says why they may not change the action (refused now, not after a date is picked)."""
    ack()
    user_id = body["user"]["id"]
    try:
        action_id = parse_id(action.get("value", ""), "A")
    except ParseError:
        raise ParseError("That button is broken; try `/action due A12 Friday`.") from None
    with deps.db() as db:
        found = action_store.get(db, context.team_id, action_id)

    def checked() -> dict:
        actor = actor_for(deps, client, context.team_id, user_id)
        check_change(found, actor)
        return blocks.render_due_modal(found, deps.now().astimezone(actor.zone).date())

    first = deps.now().astimezone(known_zone(deps, context.team_id, user_id)).date()
    open_modal(client, body["trigger_id"], blocks.render_due_modal(found, first), checked)


def on_due_modal(
    ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, *, deps: Deps
) -> None:
    """The new due date submitted: a past date is a field error; else changed, if allowed."""
    picked = (
        view["state"]["values"]
        .get(ids.NUDGE_DUE_DATE, {})
        .get(ids.NUDGE_DUE_DATE, {})
        .get("selected_date")
    )
    actor = actor_for(deps, client, context.team_id, body["user"]["id"])
    today = deps.now().astimezone(actor.zone).date()
    try:
        due = picked_date(picked)
    except UserError as err:
        ack(response_action="errors", errors={ids.NUDGE_DUE_DATE: err.message})
        return
    if due is None or due < today:
        ack(response_action="errors", errors={ids.NUDGE_DUE_DATE: "Pick today or a later date."})
        return
    action_id = view_metadata(view).get("action_id")
    if not isinstance(action_id, int) or isinstance(action_id, bool):
        raise ParseError("That form is broken; try `/action due A12 Friday`.")
    after = change_action(
        deps,
        client,
        actor.team_id,
        lambda db: action_store.change(
            db, actor, action_id, "due", deps.now(), detail=due.isoformat(), due=due
        ),
    )
    _, blocks_ = render_action_changed(after, today, "New due date set.")
    answer_in_modal(ack, view, blocks_)


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


# --- the jobs ---------------------------------------------------------------------------------


def tick(deps: Deps) -> None:
    """One pass: habit nudges, overdue nudges, then due reminders (each on its own)."""
    for step in (send_habit_nudges, send_overdue_nudges, send_due_reminders):
        try:
            step(deps)
        except Exception:  # one failing step (a locked database, say) must not stop the rest
            log.exception("%s failed; it runs again at the next tick", step.__name__)


def _settled(deps: Deps, key: str) -> bool:
    """The delivery went out (or never will): the row may move on."""
    with deps.db() as db:
        return key in deliveries.settled(db, [key])


def _post(deps: Deps, team_id: str, channel: str, message: Rendered):
    """Post a rendered message with the workspace's own client (built inside a delivery's
    send, so an error building it is recorded against that delivery alone)."""
    text, blocks_ = message
    return deps.client_for(team_id).chat_postMessage(channel=channel, text=text, blocks=blocks_)


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
            send=lambda r=reminder: _post(
                deps, r.team_id, r.user_id, blocks.render_reminder_dm(r, r.next_at, now)
            ),
        )
        sent += outcome is Outcome.SENT
        if outcome is Outcome.FAILED:  # Slack is down or refusing: the rest wait a tick
            break
        if _settled(deps, key):
            with deps.db() as db:
                reminders.advance(db, reminder, after_delivery(reminder, now), now)
    return sent


def send_overdue_nudges(deps: Deps, page: int = 5000) -> int:
    """One DM a day, from 09:00 in the owner's time zone, per overdue action.

    It runs every tick, over every overdue action a ``page`` at a time, so it reads each
    page's owners' cached time zones in one query (``users.info`` only for those not
    cached or stale, once each) and passes over the day's nudges already sent in one
    query, instead of a connection and a write transaction per action (about 4 s a tick
    at 100,000 actions).
    """
    now = deps.now()
    zones: dict[tuple[str, str], ZoneInfo] = {}
    sent, after_id = 0, 0
    while True:
        with deps.db() as db:
            candidates = action_store.overdue_everywhere(
                db, (now + timedelta(days=1)).date(), after_id=after_id, limit=page
            )
            cached = members.of_teams(db, {a.team_id for a in candidates})
        due_now = []
        for action in candidates:
            assert action.owner_id is not None and action.due is not None
            owner = (action.team_id, action.owner_id)
            if owner not in zones:
                known = cached.get(owner)
                zones[owner] = ZoneInfo(
                    known.tz
                    if known and known.is_fresh(now)
                    else member_tz(deps, deps.client_for(owner[0]), *owner)
                )
            zone = zones[owner]
            today = now.astimezone(zone).date()
            if action.due >= today or not overdue_nudge_due(now, zone):
                continue
            due_now.append((action, today, f"overdue:{action.id}:{action.owner_id}:{today}"))
        with deps.db() as db:
            done = deliveries.settled(db, [key for _, _, key in due_now])
        for action, today, key in due_now:
            if key in done:
                continue
            outcome = deliver_once(
                deps,
                key,
                team_id=action.team_id,
                kind="overdue",
                recipient=action.owner_id,
                send=lambda a=action, d=today: _post(
                    deps, a.team_id, a.owner_id, blocks.render_overdue_dm(a, d)
                ),
            )
            sent += outcome is Outcome.SENT
            if outcome is Outcome.FAILED:  # Slack is down or refusing: the rest wait a tick
                return sent
        if len(candidates) < page:
            return sent
        after_id = candidates[-1].id


def _habit_due(db, habit: feed_store.Habit) -> datetime:
    last = feed_store.last_activity(db, habit.team_id, habit.user_id)
    return habit_due_at(
        habit.every_weeks,
        ZoneInfo(habit.tz),
        started_at=habit.started_at,
        last_activity=last,
        nudged_at=habit.nudged_at,
    )


def send_habit_nudges(deps: Deps) -> int:
    """Nudge members whose blogging period passed with neither a post nor a shared reflection."""
    now = deps.now()
    with deps.db() as db:
        due = [(h, at) for h in feed_store.habits(db) if (at := _habit_due(db, h)) <= now]
    sent = 0
    for habit, at in due:
        key = f"habit:{habit.team_id}:{habit.user_id}:{encode_time(at)}"
        with deps.db() as db:
            feed = feed_store.get_feed(db, habit.team_id, habit.user_id)
        outcome = deliver_once(
            deps,
            key,
            team_id=habit.team_id,
            kind="habit",
            recipient=habit.user_id,
            send=lambda h=habit, url=feed.url if feed else None: _post(
                deps, h.team_id, h.user_id, blocks.render_habit_nudge(h.every_weeks, url)
            ),
        )
        sent += outcome is Outcome.SENT
        if outcome is Outcome.FAILED:
            break
        if _settled(deps, key):
            with deps.db() as db:
                feed_store.mark_nudged(db, habit, now)
    return sent


def _entries(result) -> list[dict]:
    return [
        {"entry_id": e.id, "title": e.title, "link": e.link, "published_at": e.published}
        for e in result.entries
        if e.id
    ]


FEED_POLL_WORKERS = 4


def poll_feeds(deps: Deps) -> int:
    """Fetch every registered feed (conditional GET), ``FEED_POLL_WORKERS`` at a time, each
    within its own deadline and its posts stored as soon as it is read, so one slow feed
    delays no one else's; return how many new posts were found."""
    with deps.db() as db:
        registered = feed_store.feeds(db)
    registered = [feed for feed in registered if deps.may_send(feed.team_id)]  # not departed
    with ThreadPoolExecutor(FEED_POLL_WORKERS, thread_name_prefix="feed-poll") as pool:
        return sum(pool.map(lambda feed: _poll_feed(deps, feed), registered))


def _poll_feed(deps: Deps, feed: feed_store.Feed) -> int:
    """One feed of the poll: fetch it in a worker, record what it said, store its new posts."""
    result = feed_worker.fetch_in_worker(
        feed.url,
        etag=feed.etag,
        modified=feed.modified,
        allow_private=deps.settings.allow_private_feeds,
        limits=_feed_limits(deps),
    )
    now = deps.now()
    with deps.db() as db:
        if result.status == "error":
            log.info("feed %s of %s: %s", feed.id, feed.user_id, result.error)
            feed_store.record_check(db, feed, now, error=result.error or "unreadable")
            return 0
        feed_store.record_check(
            db, feed, now, title=result.title, etag=result.etag, modified=result.modified
        )
        if result.status != "ok":
            return 0
        return len(feed_store.add_posts(db, feed, _entries(result), now))

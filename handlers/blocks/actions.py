"""Block Kit for tracked actions: lines with Done buttons, details, the modal, DMs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.actions import EXAMPLE, NOTE_MAX, TITLE_MAX, Action, ActionEvent
from bot.domain.dates import format_due
from bot.domain.people import mention
from bot.domain.reflections import Reflection
from bot.domain.text import mrkdwn, plain_text, shorten
from bot.domain.workstreams import Workstream
from handlers import ids
from handlers.blocks.common import (
    Rendered,
    dicts,
    fallback,
    listing,
    more_line,
    pack,
    render_help,
    sections,
)
from handlers.blocks.reflections import render_reflection_line
from handlers.blocks.workstream_select import workstream_element

__all__ = [
    "render_action_line",
    "render_action_list",
    "render_action_detail",
    "render_action_created",
    "render_action_changed",
    "render_action_done",
    "render_new_owner_dm",
    "render_action_modal",
    "render_action_help",
]

_STATUS = {"open": "", "done": ":white_check_mark: done", "dropped": ":heavy_minus_sign: dropped"}


def render_action_line(action: Action, today: date) -> str:
    """``*A12* Draft the response · <@U2> · due Fri 4 Dec · #inclusion`` in mrkdwn."""
    parts = [f"*{action.ref}* {mrkdwn(action.title)}"]
    parts.append(mention(action.owner_id) if action.owner_id else "_no owner_")
    if action.due:
        due = f"due {format_due(action.due, today)}"
        parts.append(f":warning: *overdue*, {due}" if action.is_overdue(today) else due)
    if action.workstream:
        parts.append(f"#{action.workstream}")
    if _STATUS[action.status]:
        parts.append(_STATUS[action.status])
    return " · ".join(parts)


def _line_block(action: Action, today: date) -> SectionBlock:
    accessory = None
    if action.status == "open":
        accessory = ButtonElement(
            text="Done", action_id=f"{ids.ACTION_DONE}:{action.id}", value=str(action.id)
        )
    return SectionBlock(
        text=MarkdownTextObject(text=render_action_line(action, today)), accessory=accessory
    )


@lru_cache(maxsize=4096)
def _line_dict(action: Action, today: date) -> dict:
    """:func:`_line_block` as a dict, built once per action as it stands and per day.

    Lists show the same actions over and over, and building forty lines through the
    Block Kit models (which check Slack's limits) was most of what a list cost. An action
    that changes is a different key. Shared between callers: never modify the result.
    """
    return _line_block(action, today).to_dict()


def render_action_list(
    actions: list[Action], total: int, heading: str, today: date, empty: str
) -> Rendered:
    """A list of actions, each with a Done button, and a line when more were left out."""
    if not actions:
        return empty, dicts([SectionBlock(text=MarkdownTextObject(text=empty))])
    blocks, _ = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=f"*{heading}*"))]),
        [[_line_dict(a, today)] for a in actions],
        total,
        "Narrow it down with `/action list #workstream`.",
    )
    text = f"{heading}: " + "; ".join(f"{a.ref} {mrkdwn(a.title)}" for a in actions[:10])
    return fallback(text), blocks


def render_action_created(action: Action, today: date, creator_id: str, read: str = "") -> Rendered:
    """The confirmation to whoever created the action; ``read`` says how its due date was
    read ("Due Fri 11 Dec, from “next Friday” (the Friday of next week).")."""
    told = ""
    if action.owner_id and action.owner_id != creator_id:
        told = f" I've let {mention(action.owner_id)} know."
    text = f"Tracked {action.ref}: {mrkdwn(action.title)}.{told}" + (f" {read}" if read else "")
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f":pushpin: Tracked.{told}")),
        _line_block(action, today),
    ]
    if read:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=read)]))
    return text, dicts(blocks)


def render_action_changed(action: Action, today: date, what: str) -> Rendered:
    """The confirmation of a change: ``what`` says what happened (a full stop added only
    where it does not already end in one, a ! or ? or an emoji)."""
    said = what if what.rstrip().endswith(("!", "?", ":", ".")) else f"{what}."
    return f"{action.ref} {said}", dicts(
        [SectionBlock(text=MarkdownTextObject(text=what)), _line_block(action, today)]
    )


def render_action_done(action: Action, today: date, what: str) -> Rendered:
    """The confirmation of a done action, asking "What did you learn?" (the loop's first step)."""
    text, blocks = render_action_changed(action, today, what)
    ask = SectionBlock(
        text=MarkdownTextObject(
            text=":bulb: *What did you learn?* A line or two helps the next "
            "person who does something like it."
        ),
        accessory=ButtonElement(
            text="What did you learn?",
            action_id=ids.ACTION_LEARNED,
            value=str(action.id),
            style="primary",
        ),
    )
    return f"{text} What did you learn?", [*blocks, *dicts([ask])]


def render_new_owner_dm(action: Action, today: date, by_id: str) -> Rendered:
    """The DM to someone who has been given an action."""
    text = f"<@{by_id}> has given you an action: {action.ref} {mrkdwn(action.title)}"
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"<@{by_id}> has given you an action.")),
        _line_block(action, today),
    ]
    if action.permalink:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"<{action.permalink}|Where it was agreed>")]
            )
        )
    return text, dicts(blocks)


_KIND = {
    "created": "created it",
    "done": "marked it done",
    "reopened": "reopened it",
    "dropped": "dropped it",
    "assigned": "gave it to {user}",
    "due": "set the due date to {detail}",
    "note": "noted: {detail}",
}


HISTORY_SHOWN = 40  # the most recent changes an action's detail lists
LEARNED_SHOWN = 10


def render_action_detail(
    action: Action,
    events: list[ActionEvent],
    today: date,
    tz: ZoneInfo,
    learned: list[Reflection] | None = None,
    viewer_id: str = "",
) -> list[Rendered]:
    """One action with its history (the latest 40 changes), times in the viewer's time
    zone, and what was learned from it (the reflections linked to it that the viewer may
    see): one message, or several when its notes and history are long."""
    fields = [render_action_line(action, today)]
    if action.notes:
        fields.append(f"_Notes:_ {mrkdwn(action.notes)}")
    if action.permalink:
        fields.append(f"<{action.permalink}|Where it was agreed>")
    history = []
    if len(events) > HISTORY_SHOWN:
        history.append(f"_…{len(events) - HISTORY_SHOWN:,} earlier changes, then:_")
    for event in events[-HISTORY_SHOWN:]:
        what = _KIND.get(event.kind, event.kind).format(
            detail=mrkdwn(shorten(event.detail, 300)), user=mention(event.detail)
        )
        history.append(f"{_when(event.at, tz)} · {mention(event.actor_id)} {what}")
    blocks: list = [
        HeaderBlock(
            text=PlainTextObject(text=shorten(f"{action.ref} {plain_text(action.title)}", 150))
        ),
        *sections("\n".join(fields)),
        DividerBlock(),
        *sections("\n".join(history)),
    ]
    if learned:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*What was learned*"))]
        for reflection in learned[:LEARNED_SHOWN]:
            blocks += sections(render_reflection_line(reflection, viewer_id, tz, limit=600))
        more = more_line(min(len(learned), LEARNED_SHOWN), len(learned), "See `/reflect lessons`.")
        if more:
            blocks.append(more)
    messages = pack(dicts(blocks), "_…and more than I can show here._")
    text = f"{action.ref} {mrkdwn(action.title)}"
    return [
        (text if len(messages) == 1 else f"{text} ({number} of {len(messages)})", message)
        for number, message in enumerate(messages, 1)
    ]


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %-d %b %Y %H:%M")


def render_action_modal(
    *,
    owner_id: str | None,
    title: str = "",
    notes: str = "",
    due: date | None = None,
    workstream: str = "",
    metadata: dict | None = None,
    workstreams: Sequence[Workstream] | None = None,
) -> dict:
    """The modal for a new action, pre-filled from a shortcut or a reminder.

    Given the ``workstreams`` kept, the workstream is picked from a select of them (read
    back with ``handlers.blocks.workstreams.selected_workstream``); without, it is typed.
    """
    owner = UserSelectElement(action_id=ids.ACTION_MODAL_OWNER, initial_user=owner_id)
    due_picker = DatePickerElement(
        action_id=ids.ACTION_MODAL_DUE, initial_date=due.isoformat() if due else None
    )
    view = View(
        type="modal",
        callback_id=ids.ACTION_MODAL,
        title=PlainTextObject(text="Track an action"),
        submit=PlainTextObject(text="Track it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata or {})[:3000],
        blocks=[
            InputBlock(
                block_id=ids.ACTION_MODAL_TITLE,
                label=PlainTextObject(text="What needs doing?"),
                element=PlainTextInputElement(
                    action_id=ids.ACTION_MODAL_TITLE,
                    initial_value=plain_text(title)[:TITLE_MAX] or None,
                    max_length=TITLE_MAX,
                    placeholder=PlainTextObject(text="Draft our response to the charter"),
                ),
            ),
            InputBlock(
                block_id=ids.ACTION_MODAL_OWNER,
                label=PlainTextObject(text="Owner"),
                element=owner,
                optional=True,
            ),
            InputBlock(
                block_id=ids.ACTION_MODAL_DUE,
                label=PlainTextObject(text="Due"),
                element=due_picker,
                optional=True,
            ),
            InputBlock(
                block_id=ids.ACTION_MODAL_WORKSTREAM,
                label=PlainTextObject(text="Workstream"),
                element=workstream_element(
                    workstreams or (), workstream or None, ids.ACTION_MODAL_WORKSTREAM
                )
                if workstreams is not None
                else PlainTextInputElement(
                    action_id=ids.ACTION_MODAL_WORKSTREAM,
                    max_length=40,
                    initial_value=workstream or None,
                    placeholder=PlainTextObject(text="inclusion"),
                ),
                optional=True,
            ),
            InputBlock(
                block_id=ids.ACTION_MODAL_NOTES,
                label=PlainTextObject(text="Notes"),
                element=PlainTextInputElement(
                    action_id=ids.ACTION_MODAL_NOTES,
                    multiline=True,
                    max_length=NOTE_MAX,
                    initial_value=plain_text(notes)[:NOTE_MAX] or None,
                ),
                optional=True,
            ),
        ],
    )
    return view.to_dict()


def render_action_help() -> Rendered:
    """``/action help``."""
    return render_help(
        "Tracked actions",
        [
            ("/action", "open a form for a new action"),
            ("/action <title> [@owner] [by <date>] [#workstream]", "track an action"),
            ("/action list [mine | @user | #workstream | overdue | done | all]", "list actions"),
            ("/action done A12", "mark it done (also reopen, drop)"),
            ("/action assign A12 @user", "give it to someone"),
            ("/action due A12 next Friday", "change the due date"),
            ("/action note A12 <text>", "add a note"),
            ("/action show A12", "the action and its history"),
            ("/action review", "steering group: every open action, by workstream"),
            (
                "/action review settings [channel #c]",
                "steering group: post the review to a channel every Monday at 09:00",
            ),
            ("/action export", "steering group: all actions as a CSV, by DM"),
        ],
        f"Example: `{EXAMPLE}`. Dates anywhere: next Friday (the Friday of next week), "
        "by EOD, by the 15th, in 2 weeks, 15/01 (15 January), 2026-12-04; the day is kept, "
        "not the time. Lists combine: `list mine done`, `list overdue #inclusion`. A title "
        'in quotes is always a title: `/action "List of councils"`. '
        "The owner, the creator and the steering group can change an action.",
    )

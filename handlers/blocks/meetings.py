"""Block Kit for "Track actions from this message": the meeting form, reading it back, and
what the tracker and each owner are told.

The form has a heading, a note, and four inputs a row (title, owner, due, workstream) for
at most :data:`~bot.domain.meetings.MEETING_ROWS` rows: 98 of the 100 blocks Slack allows
in a modal. Each row picks its workstream from a select of those kept, up to
:data:`SELECT_MOST` of them; past that it is typed (and checked with "did you mean").
Every block and action id names its row (``meeting_3_due``), as Slack wants them unique in
a view. The form's ``private_metadata`` (at most 3,000 characters) holds
where the message is, never the rows: those are in the inputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.actions import TITLE_MAX, Action
from bot.domain.dates import picked_date
from bot.domain.meetings import MEETING_ROWS, MeetingFields, Minutes
from bot.domain.people import mention
from bot.domain.workstreams import Workstream
from handlers import ids
from handlers.blocks.actions import render_action_line, render_action_list
from handlers.blocks.common import Rendered, dicts, fallback, listing
from handlers.blocks.workstream_select import selected_workstream, workstream_element

__all__ = [
    "METADATA_MAX",
    "SELECT_MOST",
    "FIELDS",
    "field_id",
    "render_meeting_form",
    "read_meeting_form",
    "meeting_errors",
    "render_meeting_tracked",
    "render_meeting_owner_dm",
]

METADATA_MAX = 3000  # Slack: a view's private_metadata
SELECT_MOST = 25
"""Workstreams past which each row's workstream is typed, not picked: Slack documents no
size for a view, and 24 selects of 100 options would make one of 436,000 characters."""
FIELDS = ("title", "owner", "due", "workstream")


def field_id(row: int, field: str) -> str:
    """The block and action id of one field of one row: ``meeting_3_due``."""
    return f"meeting_{row}_{field}"


def _metadata(permalink: str | None, channel: str | None, ts: str | None, rows: int) -> str:
    found = {"permalink": permalink, "channel": channel, "ts": ts, "rows": rows}
    text = json.dumps(found)
    if len(text) > METADATA_MAX:  # a link no real message has: the actions go without it
        text = json.dumps({**found, "permalink": None})
    return text


def render_meeting_form(
    minutes: Minutes,
    *,
    workstreams: Sequence[Workstream] = (),
    permalink: str | None = None,
    channel: str | None = None,
    ts: str | None = None,
) -> dict:
    """The form with a row per line of the minutes, each pre-filled as read.

    A message with no line to read still gets one empty row to fill in.
    """
    rows = list(minutes.rows[:MEETING_ROWS])
    count = max(len(rows), 1)
    intro = (
        f"*{len(rows):,} action{'s' if len(rows) != 1 else ''} from this message.* Check each "
        "row; clear a title to leave it out. Each owner hears once, of all theirs."
        if rows
        else "*I found no lines to read in that message.* Type the actions in."
    )
    note = "The actions will link back to the message."
    if minutes.left_out > 0:
        note = (
            f"The message has {minutes.lines:,} lines to read; the form holds {MEETING_ROWS}, "
            f"so the last {minutes.left_out:,} are left out: track them from another message "
            "or with `/action`. " + note
        )
    blocks: list = [
        SectionBlock(text=MarkdownTextObject(text=intro)),
        ContextBlock(elements=[MarkdownTextObject(text=note)]),
    ]
    for number in range(count):
        row = rows[number] if number < len(rows) else None
        hint = PlainTextObject(text=row.note[:2000]) if row and row.note else None
        blocks += [
            InputBlock(
                block_id=field_id(number, "title"),
                label=PlainTextObject(text=f"{number + 1}. What needs doing?"),
                element=PlainTextInputElement(
                    action_id=field_id(number, "title"),
                    max_length=TITLE_MAX,
                    initial_value=(row.title[:TITLE_MAX] if row else None) or None,
                ),
                optional=True,
                hint=hint,
            ),
            InputBlock(
                block_id=field_id(number, "owner"),
                label=PlainTextObject(text="Owner"),
                element=UserSelectElement(
                    action_id=field_id(number, "owner"), initial_user=row.owner_id if row else None
                ),
                optional=True,
            ),
            InputBlock(
                block_id=field_id(number, "due"),
                label=PlainTextObject(text="Due"),
                element=DatePickerElement(
                    action_id=field_id(number, "due"),
                    initial_date=row.due.isoformat() if row and row.due else None,
                ),
                optional=True,
            ),
            InputBlock(
                block_id=field_id(number, "workstream"),
                label=PlainTextObject(text="Workstream"),
                element=workstream_element(
                    workstreams,
                    row.workstream if row else None,
                    field_id(number, "workstream"),
                    most=SELECT_MOST,
                ),
                optional=True,
            ),
        ]
    return View(
        type="modal",
        callback_id=ids.MEETING_MODAL,
        title=PlainTextObject(text="Actions from a meeting"),
        submit=PlainTextObject(text="Track them"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=_metadata(permalink, channel, ts, count),
        blocks=blocks,
    ).to_dict()


def read_meeting_form(view: dict) -> list[MeetingFields]:
    """The rows as submitted, in order, as plain values (a date picked, a workstream chosen
    or typed). A date no picker sends raises ``ParseError``.

    >>> view = {"state": {"values": {
    ...     "meeting_0_title": {"meeting_0_title": {"value": "Draft it"}},
    ...     "meeting_0_due": {"meeting_0_due": {"selected_date": "2026-12-04"}}}}}
    >>> read_meeting_form(view)  # doctest: +NORMALIZE_WHITESPACE
    [MeetingFields(title='Draft it', owner_id=None, due=datetime.date(2026, 12, 4),
                   workstream=None)]
    """
    values = view.get("state", {}).get("values", {})
    rows = []
    number = 0
    while field_id(number, "title") in values and number < MEETING_ROWS:

        def state(field: str, n: int = number) -> dict:
            return values.get(field_id(n, field), {}).get(field_id(n, field)) or {}

        rows.append(
            MeetingFields(
                title=state("title").get("value") or "",
                owner_id=state("owner").get("selected_user") or None,
                due=picked_date(state("due").get("selected_date")),
                workstream=selected_workstream(state("workstream")),
            )
        )
        number += 1
    return rows


def meeting_errors(errors: Mapping[tuple[int, str], str]) -> dict[str, str]:
    """The form's field errors, by block id, for ``response_action: errors``.

    >>> meeting_errors({(2, "due"): "Mon 30 Nov 2026 is in the past."})
    {'meeting_2_due': 'Mon 30 Nov 2026 is in the past.'}
    """
    return {field_id(row, field): message[:2000] for (row, field), message in errors.items()}


def render_meeting_tracked(actions: Sequence[Action], today: date, told: int) -> Rendered:
    """What the member who tracked a meeting's actions is told: each action, and how many
    people were told of theirs."""
    if not actions:
        text = "Every row was empty, so nothing was tracked."
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    heard = (
        f" {told:,} {'person has' if told == 1 else 'people have'} been told of theirs."
        if told
        else ""
    )
    noun = "action" if len(actions) == 1 else "actions"
    head = f":pushpin: Tracked {len(actions):,} {noun} from the meeting.{heard}"
    blocks, _ = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=head))]),
        [
            dicts([SectionBlock(text=MarkdownTextObject(text=render_action_line(a, today)))])
            for a in actions
        ],
        len(actions),
        "`/action list mine` shows yours.",
    )
    text = (
        head.removeprefix(":pushpin: ")
        + " "
        + "; ".join(f"{a.ref} {a.title}" for a in actions[:10])
    )
    return fallback(text), blocks


def render_meeting_owner_dm(
    actions: Sequence[Action], by_id: str, today: date, permalink: str | None = None
) -> Rendered:
    """The one DM each owner gets: all of their actions from the meeting, with Done buttons."""
    noun = "an action" if len(actions) == 1 else f"{len(actions):,} actions"
    where = f" (<{permalink}|the minutes>)" if permalink else ""
    heading = f"{mention(by_id)} has given you {noun} from a meeting{where}"
    text, blocks = render_action_list(list(actions), len(actions), heading, today, heading)
    return fallback(f"{mention(by_id)} has given you {noun} from a meeting: {text}"), blocks

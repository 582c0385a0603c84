"""Block Kit for workstreams: the list, confirmations, the form, the select the action and
meeting forms pick one from, the lead's DM, and each workstream's Monday post."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ChannelSelectElement,
    ContextBlock,
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

from bot.domain.actions import Action
from bot.domain.dates import format_date
from bot.domain.people import mention
from bot.domain.text import TAG_MAX
from bot.domain.workstreams import (
    EXAMPLE,
    TITLE_MAX,
    Workstream,
    WorkstreamSummary,
    WorkstreamWeek,
)
from handlers import ids
from handlers.blocks.actions import render_action_line
from handlers.blocks.common import (
    MESSAGE_BLOCKS,
    MESSAGE_CHARS,
    Rendered,
    dicts,
    escape,
    fallback,
    listing,
    render_help,
    text_length,
)

__all__ = [
    "FIELD_TAG",
    "FIELD_TITLE",
    "FIELD_LEAD",
    "FIELD_CHANNEL",
    "render_workstream_line",
    "render_workstream_list",
    "render_workstream_saved",
    "render_workstream_help",
    "render_workstream_modal",
    "read_workstream_form",
    "render_lead_dm",
    "render_workstream_post",
]

FIELD_TAG, FIELD_TITLE, FIELD_LEAD, FIELD_CHANNEL = "ws_tag", "ws_title", "ws_lead", "ws_channel"


def render_workstream_line(workstream: Workstream, open_: int = 0, overdue: int = 0) -> str:
    """``*#inclusion* Digital inclusion · led by <@U2> · <#C1> · 3 open, 1 overdue``."""
    parts = [f"*#{workstream.tag}* {escape(workstream.title)}"]
    parts.append(f"led by {mention(workstream.lead_id)}" if workstream.lead_id else "_no lead_")
    if workstream.channel_id:
        parts.append(f"<#{workstream.channel_id}>")
    counts = f"{open_:,} open" + (f", :warning: {overdue:,} overdue" if overdue else "")
    parts.append(counts)
    if workstream.archived:
        parts.append("_archived_")
    return " · ".join(parts)


def render_workstream_list(
    summaries: Sequence[WorkstreamSummary], archived: bool = False
) -> Rendered:
    """``/workstream list``: each workstream with its lead, channel, open and overdue actions."""
    if not summaries:
        text = (
            "No workstreams are kept yet, so an action's #tag can be anything. The steering "
            f"group adds them: `{EXAMPLE}`."
        )
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    heading = "*Workstreams*" + (" (archived ones too)" if archived else "")
    blocks, shown = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=heading))]),
        [
            dicts(
                [
                    SectionBlock(
                        text=MarkdownTextObject(
                            text=render_workstream_line(s.workstream, s.open, s.overdue)
                        )
                    )
                ]
            )
            for s in summaries
        ],
        len(summaries),
        "`/action list #tag` lists a workstream's actions.",
        tail=dicts(
            [
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text="A new action's #tag must be one of these. "
                            "`/action list #inclusion` shows a workstream's actions."
                        )
                    ]
                )
            ]
        ),
    )
    text = "Workstreams: " + ", ".join(f"#{s.workstream.tag}" for s in summaries[:40])
    return fallback(text), blocks


def render_workstream_saved(workstream: Workstream, what: str) -> Rendered:
    """The confirmation of an add, edit, archive or unarchive; ``what`` says which."""
    line = render_workstream_line(workstream)
    posts = (
        f" Its week is posted in <#{workstream.channel_id}> on Mondays at 09:00."
        if workstream.channel_id and not workstream.archived
        else ""
    )
    text = f"{what} #{workstream.tag}.{posts}"
    return fallback(text), dicts(
        [
            SectionBlock(
                text=MarkdownTextObject(text=f"{escape(what)} *#{workstream.tag}*.{posts}")
            ),
            ContextBlock(elements=[MarkdownTextObject(text=line)]),
        ]
    )


def render_workstream_help() -> Rendered:
    """``/workstream help``."""
    return render_help(
        "/workstream: the network's workstreams",
        [
            ("/workstream", "every workstream, its lead, channel, open and overdue actions"),
            ("/workstream list all", "archived ones too"),
            (
                "/workstream add #tag <title> [lead @person] [channel #channel]",
                "steering group: keep a new one (`add` alone opens a form)",
            ),
            (
                "/workstream edit #tag [<title>] [lead @person | none] [channel #c | none]",
                "steering group: change it (`edit #tag` alone opens a form)",
            ),
            ("/workstream archive #tag", "steering group: it keeps its actions, takes no new ones"),
            ("/workstream unarchive #tag", "steering group: bring it back"),
        ],
        footer=f"Example: `{EXAMPLE}`. Once any workstream is kept, a new action's #tag must "
        "be one of them (a slip gets “did you mean”). The lead hears when an action joins; "
        "a workstream with a channel gets its week posted there every Monday at 09:00.",
    )


def render_workstream_modal(workstream: Workstream | None = None) -> dict:
    """The form to add a workstream, or to edit ``workstream`` (its tag is kept)."""
    blocks: list = []
    if workstream is None:
        blocks.append(
            InputBlock(
                block_id=FIELD_TAG,
                label=PlainTextObject(text="Tag"),
                element=PlainTextInputElement(
                    action_id=FIELD_TAG,
                    max_length=TAG_MAX + 1,
                    placeholder=PlainTextObject(text="#inclusion"),
                ),
                hint=PlainTextObject(text="Letters, digits and dashes; actions join it by this."),
            )
        )
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*#{workstream.tag}*")))
    blocks += [
        InputBlock(
            block_id=FIELD_TITLE,
            label=PlainTextObject(text="Title"),
            element=PlainTextInputElement(
                action_id=FIELD_TITLE,
                max_length=TITLE_MAX,
                initial_value=workstream.title[:TITLE_MAX] if workstream else None,
                placeholder=PlainTextObject(text="Digital inclusion"),
            ),
        ),
        InputBlock(
            block_id=FIELD_LEAD,
            label=PlainTextObject(text="Lead"),
            element=UserSelectElement(
                action_id=FIELD_LEAD, initial_user=workstream.lead_id if workstream else None
            ),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_CHANNEL,
            label=PlainTextObject(text="Channel for its Monday post"),
            element=ChannelSelectElement(
                action_id=FIELD_CHANNEL,
                initial_channel=workstream.channel_id if workstream else None,
            ),
            optional=True,
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.WORKSTREAM_MODAL,
        title=PlainTextObject(text="Edit a workstream" if workstream else "Add a workstream"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"tag": workstream.tag} if workstream else {}),
        blocks=blocks,
    ).to_dict()


def read_workstream_form(view: dict) -> dict[str, str | None]:
    """What the workstream form holds, by field (``tag`` only when adding): plain values.

    >>> view = {"state": {"values": {FIELD_TITLE: {FIELD_TITLE: {"value": " Skills "}},
    ...     FIELD_LEAD: {FIELD_LEAD: {"selected_user": "U2"}}}}}
    >>> read_workstream_form(view)
    {'tag': None, 'title': ' Skills ', 'lead_id': 'U2', 'channel_id': None}
    """
    values = view.get("state", {}).get("values", {})

    def field(block: str, key: str) -> str | None:
        return (values.get(block, {}).get(block) or {}).get(key) or None

    return {
        "tag": field(FIELD_TAG, "value"),
        "title": field(FIELD_TITLE, "value"),
        "lead_id": field(FIELD_LEAD, "selected_user"),
        "channel_id": field(FIELD_CHANNEL, "selected_channel"),
    }


def render_lead_dm(
    workstream: Workstream, actions: Sequence[Action], by_id: str, today: date
) -> Rendered:
    """The DM to a workstream's lead: actions have joined it (one, or a meeting's several)."""
    noun = "an action" if len(actions) == 1 else f"{len(actions):,} actions"
    intro = f"{mention(by_id)} added {noun} to *#{workstream.tag}*, which you lead."
    blocks, _ = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=intro))]),
        [
            dicts([SectionBlock(text=MarkdownTextObject(text=render_action_line(a, today)))])
            for a in actions
        ],
        len(actions),
        f"`/action list #{workstream.tag}` has them all.",
    )
    text = f"{mention(by_id)} added {noun} to #{workstream.tag}: " + "; ".join(
        f"{a.ref} {a.title}" for a in actions[:10]
    )
    return fallback(text), blocks


def _part(title: str, actions: Sequence[Action], total: int, today: date) -> list[dict]:
    if not total:
        return []
    lines = [f"• {render_action_line(a, today)}" for a in actions]
    head = f"*{title}* ({total:,})"
    return dicts(
        [SectionBlock(text=MarkdownTextObject(text=head))]
        + [SectionBlock(text=MarkdownTextObject(text=line[:2900])) for line in lines]
    )


def render_workstream_post(week: WorkstreamWeek) -> Rendered:
    """A workstream's Monday post in its channel: new, done and overdue actions of the week,
    and how many are open; as much as one message holds (50 blocks, 12,000 characters),
    then how to see the rest."""
    ws = week.workstream
    period = f"{format_date(week.start.date())} to {format_date(week.end.date())}"
    numbers = (
        f"{len(week.new):,} new · {len(week.done):,} done · {week.overdue_total:,} overdue · "
        f"{week.open:,} open"
    )
    lead = f" · led by {mention(ws.lead_id)}" if ws.lead_id else ""
    head = dicts(
        [
            HeaderBlock(text=f"#{ws.tag} {ws.title}: the week"[:150]),
            ContextBlock(elements=[MarkdownTextObject(text=f"{period} · {numbers}{lead}")]),
        ]
    )
    owners = sorted({a.owner_id for a in week.done if a.owner_id})[:10]
    thanks = f": thank you {', '.join(mention(o) for o in owners)}!" if owners else ""
    parts = [
        _part("New", week.new, len(week.new), week.today),
        _part(f"Done{thanks}", week.done, len(week.done), week.today),
        _part("Overdue: can anyone help?", week.overdue, week.overdue_total, week.today),
    ]
    body = [block for part in parts for block in part]
    if not body:
        body = dicts(
            [SectionBlock(text=MarkdownTextObject(text=f"A quiet week: {week.open:,} open."))]
        )
    tail = dicts(
        [
            DividerBlock(),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"`/action list #{ws.tag}` has every open one; "
                        f"`/action #{ws.tag} …` tracks a new one."
                    )
                ]
            ),
        ]
    )
    room_blocks = MESSAGE_BLOCKS - len(head) - len(tail) - 1
    room_chars = MESSAGE_CHARS - text_length(head) - text_length(tail) - 300
    shown, size = [], 0
    for block in body:
        if len(shown) == room_blocks or size + text_length(block) > room_chars:
            break
        shown.append(block)
        size += text_length(block)
    if len(shown) < len(body):
        shown += dicts(
            [
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=f"…and more than fits here: `/action list #{ws.tag}`."
                        )
                    ]
                )
            ]
        )
    text = f"#{ws.tag} {ws.title}, the week: {numbers}"
    return fallback(text), [*head, *shown, *tail]

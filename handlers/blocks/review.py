"""Block Kit for the steering group's review and the export's confirmation."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.people import mention
from bot.domain.review import Attention, ReviewSummary, WorkstreamCount
from handlers.blocks.actions import render_action_line
from handlers.blocks.common import (
    MESSAGE_BLOCKS,
    MESSAGE_CHARS,
    Rendered,
    dicts,
    escape,
    fallback,
    sections,
    text_length,
    within,
)

__all__ = ["render_review", "render_review_post", "render_review_settings", "render_export_done"]

WORKSTREAMS_SHOWN = 60


def _list(title: str, attention: Attention, summary: ReviewSummary) -> list:
    if not attention:
        return []
    lines = [f"• {render_action_line(a, summary.today)}" for a in attention.actions]
    if attention.total > len(attention.actions):
        lines.append(
            f"…and {attention.total - len(attention.actions):,} more "
            "(`/action export` has them all)."
        )
    return sections("\n".join([f"*{title}* ({attention.total:,})", *lines]))


def _stream_line(stream: WorkstreamCount) -> str:
    """``• #inclusion Digital inclusion, led by <@U2>: 3 open, 1 overdue``."""
    name = f"#{stream.name}" if stream.name else "_no workstream_"
    if stream.title:
        name += f" {escape(stream.title)}"
    if stream.name and stream.title:
        name += f", led by {mention(stream.lead_id)}" if stream.lead_id else ", _no lead_"
    counts = f"{stream.open:,} open" + (f", {stream.overdue:,} overdue" if stream.overdue else "")
    return f"• {name}: {counts}"


def render_review(summary: ReviewSummary, footer: str = "") -> Rendered:
    """``/action review``: counts, open actions by workstream, then what needs attention
    (and ``footer``, a last line kept within the one message)."""
    end = dicts([ContextBlock(elements=[MarkdownTextObject(text=footer)])]) if footer else []
    counts = " · ".join(f"{n:,} {name}" for name, n in summary.counts.items())
    if not summary.open:
        text = "Review: no open actions."
        return text, [*dicts([SectionBlock(text=MarkdownTextObject(text=text))]), *end]
    lines = [_stream_line(s) for s in summary.workstreams]
    by_stream = "*Open actions by workstream*\n" + "\n".join(lines[:WORKSTREAMS_SHOWN])
    if len(lines) > WORKSTREAMS_SHOWN:
        by_stream += f"\n…and {len(lines) - WORKSTREAMS_SHOWN:,} more workstreams."
    blocks: list = [
        HeaderBlock(text="Review of tracked actions"),
        ContextBlock(elements=[MarkdownTextObject(text=counts)]),
        *sections(by_stream),
        DividerBlock(),
    ]
    for title, attention in (
        ("Overdue", summary.overdue),
        ("Due this week", summary.due_this_week),
        ("Stale: no change in 30 days", summary.stale),
        ("Without an owner", summary.no_owner),
        ("Without a due date", summary.no_due),
    ):
        blocks += _list(title, attention, summary)
    shown = within(
        dicts(blocks),
        "_…and more than fits here: `/action export` has every action._",
        max_blocks=MESSAGE_BLOCKS - len(end),
        max_chars=MESSAGE_CHARS - text_length(end),
    )
    return fallback(f"Review of tracked actions: {counts}"), [*shown, *end]


def render_review_post(summary: ReviewSummary) -> Rendered:
    """The Monday review in its channel: the review, with a line saying what it is."""
    return render_review(
        summary,
        footer="_The steering group's weekly review, every Monday at 09:00. "
        "`/action review` shows it any time._",
    )


def render_review_settings(channel: str | None, tz: str, note: str = "") -> Rendered:
    """``/action review settings``: where the Monday review is posted, and how to change it."""
    if channel:
        text = (
            f"{note}The steering group's review is posted to <#{channel}> every Monday at "
            f"09:00 ({tz}). `/action review settings channel #c` moves it."
        )
    else:
        text = (
            "The review isn't posted to a channel yet. "
            "`/action review settings channel #steering` posts it there every Monday at "
            f"09:00 ({tz})."
        )
    return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])


def render_export_done(count: int, filename: str) -> Rendered:
    """The reply after the CSV was sent by DM."""
    text = (
        f"Sent you `{filename}` by DM: {count:,} {'action' if count == 1 else 'actions'}, "
        "each with its history fields "
        "(UTF-8 CSV; opens in Excel, Numbers, LibreOffice and Google Sheets)."
    )
    return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])

"""Block Kit for the steering group's review and the export's confirmation."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.actions import Action
from bot.domain.review import ReviewSummary
from handlers.blocks.actions import render_action_line
from handlers.blocks.common import Rendered, dicts

__all__ = ["render_review", "render_export_done"]

PER_LIST = 10  # actions shown per list; the rest are counted
_CHARS = 2900


def _list(title: str, actions: list[Action], summary: ReviewSummary) -> list:
    if not actions:
        return []
    lines = [f"• {render_action_line(a, summary.today)}"[:600] for a in actions[:PER_LIST]]
    if len(actions) > PER_LIST:
        lines.append(f"…and {len(actions) - PER_LIST:,} more (`/action export` has them all).")
    text = f"*{title}* ({len(actions):,})"
    blocks = []
    for line in lines:
        if len(text) + len(line) + 1 > _CHARS:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
            text = ""
        text = f"{text}\n{line}" if text else line
    blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


def render_review(summary: ReviewSummary) -> Rendered:
    """``/action review``: counts, open actions by workstream, then what needs attention."""
    counts = " · ".join(f"{n:,} {name}" for name, n in summary.counts.items())
    if not summary.open:
        text = "Review: no open actions."
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    streams = [f"#{ws}" if ws else "_no workstream_" for ws in summary.by_workstream]
    lines = []
    for label, actions in zip(streams, summary.by_workstream.values(), strict=True):
        late = sum(a.is_overdue(summary.today) for a in actions)
        lines.append(f"• {label}: {len(actions):,} open" + (f", {late:,} overdue" if late else ""))
    by_stream = "*Open actions by workstream*\n" + "\n".join(lines[:60])
    if len(lines) > 60:
        by_stream += f"\n…and {len(lines) - 60:,} more workstreams."
    blocks: list = [
        HeaderBlock(text="Review of tracked actions"),
        ContextBlock(elements=[MarkdownTextObject(text=counts)]),
        SectionBlock(text=MarkdownTextObject(text=by_stream[:_CHARS])),
        DividerBlock(),
    ]
    for title, actions in (("Overdue", summary.overdue),
                           ("Due this week", summary.due_this_week),
                           ("Stale: no change in 30 days", summary.stale),
                           ("Without an owner", summary.no_owner),
                           ("Without a due date", summary.no_due)):
        blocks += _list(title, actions, summary)
    return f"Review of tracked actions: {counts}", dicts(blocks[:50])


def render_export_done(count: int, filename: str) -> Rendered:
    """The reply after the CSV was sent by DM."""
    text = (f"Sent you `{filename}` by DM: {count:,} action(s) with their history fields "
            "(UTF-8 CSV; opens in Excel, Numbers, LibreOffice and Google Sheets).")
    return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])

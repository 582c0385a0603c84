"""Block Kit for ``/nudge mydata`` and ``/nudge forget me``: the export note, the erasure
confirmation and its outcome, and the App Home left after an erasure."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.data_rights import Holding, describe_counts
from handlers import ids
from handlers.blocks.common import Rendered, dicts, render_text

__all__ = [
    "render_export_sent",
    "render_export_comment",
    "render_forget_confirm",
    "render_forget_kept",
    "render_forgotten",
    "render_erased_home",
]


def render_export_sent(counts: Mapping[Holding, int]) -> Rendered:
    """The ephemeral reply once the export file is in the member's DMs."""
    return render_text(
        ":package: I've sent you a file, in our direct messages, with everything I store "
        f"about you: {describe_counts(counts)}."
    )


def render_export_comment() -> str:
    """The comment that goes with the export file."""
    return (
        "Here is everything Nudge stores about you, as JSON. Your private reflections "
        "are in it: keep the file somewhere safe. `/nudge forget me` erases it all."
    )


def render_forget_confirm(value: str, counts: Mapping[Holding, int]) -> Rendered:
    """The ephemeral question, with "Erase my data" and "Keep it" buttons."""
    own = {holding: n for holding, n in counts.items() if not holding.kept}
    shared = sum(n for holding, n in counts.items() if holding.section == "actions")
    text = (
        f":warning: *Erase your data?* This deletes {describe_counts(own)}, and the "
        "messages I've sent you where Slack lets me. It can't be undone."
    )
    kept = (
        "Actions are shared with the network, so they stay, with you shown as "
        f"“a former member” ({shared:,} of them {'names' if shared == 1 else 'name'} you)."
        if shared
        else "Actions are shared with the network: any that name you would stay, with you "
        "shown as “a former member”."
    )
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=kept + " `/nudge mydata` first if you'd like a copy.")
            ]
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Erase my data", action_id=ids.FORGET_ERASE, value=value, style="danger"
                ),
                ButtonElement(text="Keep it", action_id=ids.FORGET_KEEP, value=value),
            ]
        ),
    ]
    return f"Erase your data? This deletes {describe_counts(own)}.", dicts(blocks)


def render_forget_kept() -> Rendered:
    """After "Keep it"."""
    return render_text("Kept: nothing was erased.")


def render_forgotten(
    deleted: Mapping[Holding, int], anonymised: int, messages_deleted: int, messages_failed: int
) -> Rendered:
    """What the erasure did."""
    lines = [f":wastebasket: Done. I erased {describe_counts(deleted)}."]
    if anonymised:
        lines.append(
            f"{anonymised:,} shared records (actions and their history) now show "
            "“a former member” instead of you."
        )
    if messages_deleted or messages_failed:
        line = f"I deleted {messages_deleted:,} of the messages I'd sent you"
        if messages_failed:
            line += f"; Slack wouldn't let me delete {messages_failed:,}"
        lines.append(line + ".")
    lines.append("If you use Nudge again, it starts afresh with your Slack name and time zone.")
    text = " ".join(lines)
    return text, dicts([SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))])


def render_erased_home() -> dict:
    """The App Home published right after an erasure, replacing one that showed the data."""
    return View(
        type="home",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Your Nudge data has been erased. Type `/nudge help` to start again."
                )
            )
        ],
    ).to_dict()
